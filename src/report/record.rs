//! Pure: the report model, and the fold that builds it from events.
//!
//! [`RunReport`] is exactly what the JSON report holds (and what the text report shows). The
//! [`Recorder`] starts from a header the caller fills in (version, argv, options, build
//! parameters, start time) and applies events to it; it reads no clock and writes no file.

use super::{Event, IterationStatus, Mode, Purpose, Redactor, lossy};
use crate::model::{Classification, Order};
use crate::reduce::{Rate, Reduction};
use crate::shard::Shard;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bug mode's result for the test a signal stopped.
pub const INTERRUPTED: &str = "interrupted";

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// smoke's version.
    pub smoke_version: String,
    /// `smoke` or `bug-mode`.
    pub mode: Mode,
    /// Local time, RFC 3339.
    pub started_at: String,
    /// Local time, RFC 3339; `null` while running.
    pub finished_at: Option<String>,
    /// True once the run ended normally (not interrupted, not stopped by an error).
    pub completed: bool,
    /// `running`, `completed`, `interrupted` or `error`.
    pub status: String,
    /// The command line.
    pub argv: Vec<String>,
    /// The options that decide what runs.
    pub options: Options,
    /// Build parameters.
    pub build: BuildInfo,
    /// Every iteration, in order.
    pub iterations: Vec<IterationRecord>,
    /// Every unique failure, in the order found.
    pub failures: Vec<FailureRecord>,
    /// Setup and teardown failures.
    pub hook_failures: Vec<HookFailureRecord>,
    /// Bug mode: each test's result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestRecord>,
    /// The suite's names that are not UTF-8: everywhere else they are shown with U+FFFD for
    /// the bytes that are not; here are their exact bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub raw_names: Vec<RawName>,
    /// Counters.
    pub stats: Stats,
    /// Options that were given but could not apply, as the console said them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// A merged report (`smoke merge`): the shard reports it was made from, by shard; empty
    /// (and left out of the JSON) for a run's own report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<MergedShard>,
    /// Each time `smoke resume` took the run up again after it was stopped; empty (and left
    /// out of the JSON) for a run that was never resumed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resumed: Vec<Resumption>,
    /// `smoke reproduce`: the evidence the order came from, and (once the run ended) whether
    /// the failures it records came back; `null` (left out of the JSON) for other runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduced_from: Option<ReproducedFrom>,
}

/// Where a `smoke reproduce` run's order came from, and what came of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReproducedFrom {
    /// The artifacts, as named on the command line.
    pub evidence: Vec<String>,
    /// What they were: `junit`, `log` or `names`.
    pub source: String,
    /// The format smoke recognised: `JUnit XML`, `pytest -v output`, `GoogleTest output`, ...
    pub format: String,
    /// The seed of the runner that shuffled the tests, when the evidence names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// The runner whose seed it is (`pytest-randomly`, `rspec`, `jest`, `go`, `gtest`,
    /// `phpunit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed_runner: Option<String>,
    /// The order came from the seed: the evidence named no test that ran, so the runner was
    /// asked for that seed's order.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub seed_order: bool,
    /// How many tests the evidence named, in the order they ran.
    pub named: usize,
    /// Names of the evidence that are no test of this suite, or could be more than one: left
    /// out, never guessed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    /// The length of the order run: the evidence's order up to its last failure asked for.
    pub length: usize,
    /// The failing tests asked for (the evidence's, or `--test`'s), as the suite names them;
    /// `reproduced` is set when the run ended.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failing: Vec<ReproducedTest>,
    /// `--tries`: how many times the order may run while no failure comes back.
    pub tries: u32,
    /// Once the run ended: `reproduced` (every failure asked for came back), `partly` (some
    /// did), `not-reproduced` (none did, nor any other); `null` while running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

/// A failing test `smoke reproduce` asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReproducedTest {
    /// The test, as the suite names it.
    pub test: String,
    /// It failed again (a failure of it is in the report's `failures`).
    pub reproduced: bool,
}

impl ReproducedFrom {
    /// Settle `reproduced` and the verdict from the run's `failures`, once it ended (a signal
    /// before any failure came back leaves the question open: `interrupted`).
    fn settle(&mut self, failures: &[FailureRecord], interrupted: bool) {
        for wanted in &mut self.failing {
            wanted.reproduced = failures.iter().any(|f| f.test == wanted.test);
        }
        let back = self.failing.iter().filter(|t| t.reproduced).count();
        let verdict = if failures.is_empty() {
            if interrupted {
                "interrupted"
            } else {
                "not-reproduced"
            }
        } else if back == self.failing.len() {
            // Every failure asked for came back (or none was asked for, and one came).
            "reproduced"
        } else {
            "partly"
        };
        self.verdict = Some(verdict.to_string());
    }

    /// The verdict as a sentence, for the console and the text and HTML reports; `tries_run`
    /// is how many times the order ran.
    pub fn describe(&self, tries_run: usize) -> String {
        let from = match (&self.seed_runner, &self.seed) {
            (Some(runner), Some(seed)) if self.seed_order => {
                format!("{runner}'s seed {seed} in {}", self.evidence.join(", "))
            }
            _ => format!("{} ({})", self.evidence.join(", "), self.format),
        };
        let asked: Vec<&str> = self.failing.iter().map(|t| t.test.as_str()).collect();
        let what = if asked.is_empty() {
            "a failure".to_string()
        } else {
            asked.join(", ")
        };
        match self.verdict.as_deref() {
            None => format!(
                "the order of {from}: {} tests, running to {what} (up to {} tries)",
                self.length, self.tries
            ),
            Some("reproduced") => format!(
                "reproduced: {what} failed again in the order of {from} ({} tests, try {tries_run} of {})",
                self.length, self.tries
            ),
            Some("partly") => {
                let back: Vec<&str> = self
                    .failing
                    .iter()
                    .filter(|t| t.reproduced)
                    .map(|t| t.test.as_str())
                    .collect();
                let not: Vec<&str> = self
                    .failing
                    .iter()
                    .filter(|t| !t.reproduced)
                    .map(|t| t.test.as_str())
                    .collect();
                format!(
                    "partly reproduced in the order of {from} ({} tests, {tries_run} tr{}): {} \
                     failed again; {} did not",
                    self.length,
                    if tries_run == 1 { "y" } else { "ies" },
                    if back.is_empty() {
                        "other tests".to_string()
                    } else {
                        back.join(", ")
                    },
                    not.join(", ")
                )
            }
            Some("interrupted") => format!(
                "interrupted after {tries_run} tr{} of the order of {from} ({} tests): {what} had \
                 not failed again yet; run smoke reproduce again, or smoke resume on the report",
                if tries_run == 1 { "y" } else { "ies" },
                self.length
            ),
            Some(_) => format!(
                "not reproduced in {tries_run} tr{}: {what} did not fail in the order of {from} \
                 ({} tests run in that order, with the suite's setup): flaky, or the environment \
                 differs from CI's",
                if tries_run == 1 { "y" } else { "ies" },
                self.length
            ),
        }
    }
}

impl MergedShard {
    /// One line for the text and HTML reports.
    pub fn describe(&self) -> String {
        format!(
            "{}: {} ({}, {} iteration(s) run, {} failure(s) found)",
            self.shard, self.file, self.status, self.iterations_run, self.failures_found
        )
    }
}

impl Resumption {
    /// One line for the text and HTML reports.
    pub fn describe(&self) -> String {
        format!(
            "{} (it was {}: {} iteration(s) done, {} shrink(s) taken up again)",
            self.at, self.from_status, self.iterations_done, self.shrinks_resumed
        )
    }
}

/// One `smoke resume` of a stopped run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resumption {
    /// When it started (RFC 3339, local time).
    pub at: String,
    /// How the run had ended before (`interrupted`, `error`, `running`: killed).
    pub from_status: String,
    /// Iterations already done, which it did not run again.
    pub iterations_done: u32,
    /// Shrinks it took up again from their shortest failing sequence so far.
    pub shrinks_resumed: usize,
}

/// One shard report a merged report was made from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergedShard {
    /// The file, as named on `smoke merge`'s command line.
    pub file: String,
    /// Which shard it holds.
    pub shard: Shard,
    /// Its status (`completed`, `interrupted`, `error`, `running`).
    pub status: String,
    /// When it started (RFC 3339, the shard machine's local time).
    pub started_at: String,
    /// When it ended (`null`: it never did, e.g. killed).
    pub finished_at: Option<String>,
    /// Iterations it ran.
    pub iterations_run: u32,
    /// Failures it found, repeats included.
    pub failures_found: u32,
}

impl RunReport {
    /// Bug mode: how many tests failed (a test stopped by a signal did not).
    pub fn failed_tests(&self) -> usize {
        self.tests
            .iter()
            .filter(|t| t.result != "ok" && t.result != INTERRUPTED)
            .count()
    }

    /// Bug mode: how many tests passed.
    pub fn passed_tests(&self) -> usize {
        self.tests.iter().filter(|t| t.result == "ok").count()
    }
}

/// The options that decide what runs, as the run used them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Options {
    pub order: Order,
    pub times: u32,
    pub iterations: u32,
    /// The base seed: iteration i used `seed + i - 1`.
    pub seed: u64,
    /// The same, as a string: JSON readers that hold numbers as doubles (jq, JavaScript) round
    /// seeds above 2^53.
    #[serde(default)]
    pub seed_str: String,
    #[serde(rename = "match")]
    pub match_output: Option<String>,
    pub timeout: Option<String>,
    pub config: Option<String>,
    pub suite_dir: String,
    /// The `run` template in per-test mode, the `batch` template in batch mode.
    pub run: String,
    /// `per-test` or `batch`.
    #[serde(default = "per_test")]
    pub execution: String,
    /// Batch mode: where results were read from (`junit`, `json` or `tap`).
    #[serde(default)]
    pub format: Option<String>,
    /// `[suite] preset`.
    #[serde(default)]
    pub preset: Option<String>,
    /// Batch mode: the runner whose sequences were forked from a server that loaded the suite
    /// once (`null`: a fresh runner process each time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork_server: Option<String>,
    /// `--keep-going`: iterations ran past their first failure (left out when they did not).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_going: bool,
    pub setup: Option<String>,
    pub teardown: Option<String>,
    /// How many tests were selected for the run.
    pub tests: usize,
    /// `--retries`: extra runs before a shrink candidate counts as passing.
    #[serde(default)]
    pub retries: u32,
    /// `--max-reduce`: test executions one shrink may spend.
    #[serde(default)]
    pub max_reduce: Option<u64>,
    /// `--reduce`: the narrowing shrinks used (`smoke` in reports from before it existed).
    #[serde(default)]
    pub reduce: crate::reduce::Reducer,
    /// `[suite.env]`, values of secret-looking names redacted.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// `--shard`: the share of the iterations this machine ran (`null`: all of them).
    #[serde(default)]
    pub shard: Option<Shard>,
    /// `--order external`: the controller command (secret-looking values redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// `--control-dir`: the folder `smoke op` and `smoke check` drove the sequence through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_dir: Option<String>,
    /// How the run found and ran its tests, as it was told: what `smoke replay`, `resume` and
    /// `diagnose` rebuild the suite from (`null` in reports of smoke versions before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<SuiteRecord>,
}

/// The run's suite as it was given: the config file it read, and each flag of its command line
/// that shapes what a sequence runs. Together with the file (which holds `[suite.env]`, `list`,
/// `glob` and the rest of `[suite]`) these are every input the run's suite came from, so
/// `config::from_report` builds the same suite again. Secret-looking values are redacted, as
/// everywhere in a report; a suite with one cannot be rebuilt from the report. Flags not given
/// are left out of the JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SuiteRecord {
    /// The folder the suite's commands ran in: the config file's, or the run's current folder.
    pub dir: String,
    /// The config file the run read, absolute (`null`: flags only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// The test names on the command line: with no config file the whole suite, else the
    /// run's selection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<String>,
    /// `--preset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// `--program` (shell words: a command).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// `--mode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `--run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// `--batch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// `--format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `--setup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<String>,
    /// `--teardown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teardown: Option<String>,
    /// `--timeout`, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// `--workdir`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
    /// `--jobs`, as given (`auto` or a number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<String>,
    /// `--ignore-runner-exit`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_runner_exit: bool,
    /// `--no-fork-server`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_fork_server: bool,
    /// `--keep-going`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_going: bool,
    /// `--probe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// `--probe-ignore`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probe_ignore: Vec<String>,
    /// `--probe-files`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probe_files: Vec<String>,
    /// `--state-ignore`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_ignore: Vec<String>,
    /// `--no-state-diff` (or `[suite] state-diff = false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_state_diff: bool,
    /// `--controller`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
}

impl SuiteRecord {
    /// The record with the secrets of `redact` hidden in every command and value it holds.
    pub fn redacted(mut self, redact: impl Fn(&str) -> String) -> Self {
        for text in [
            &mut self.program,
            &mut self.run,
            &mut self.batch,
            &mut self.setup,
            &mut self.teardown,
            &mut self.probe,
            &mut self.controller,
        ]
        .into_iter()
        .flatten()
        {
            *text = redact(text);
        }
        for text in self.tests.iter_mut().chain(&mut self.probe_files) {
            *text = redact(text);
        }
        self
    }

    /// The shell commands only the report holds, each as its flag and value
    /// (`--run 'touch x {test}'`), in the order of the command line.
    pub fn commands(&self) -> Vec<(&'static str, &str)> {
        [
            ("--program", &self.program),
            ("--run", &self.run),
            ("--batch", &self.batch),
            ("--setup", &self.setup),
            ("--teardown", &self.teardown),
            ("--probe", &self.probe),
            ("--controller", &self.controller),
        ]
        .into_iter()
        .filter_map(|(flag, value)| Some((flag, value.as_deref()?)))
        .collect()
    }
}

fn per_test() -> String {
    "per-test".to_string()
}

/// Where and with what the run happened.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BuildInfo {
    pub smoke_version: String,
    pub os: String,
    pub kernel: Option<String>,
    pub arch: String,
    pub cpus: usize,
    /// The suite folder's git commit, when it is in a git checkout.
    pub git_commit: Option<String>,
    /// Whether that checkout had uncommitted changes.
    pub git_dirty: Option<bool>,
    /// `[report] build` commands and what they printed.
    pub commands: Vec<BuildCommand>,
    /// The variables `[report] env` lists, from smoke's environment (`null`: not set), values
    /// of secret-looking names redacted. No other variable is ever recorded.
    #[serde(default)]
    pub env: BTreeMap<String, Option<String>>,
}

/// One `[report] build` command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BuildCommand {
    pub command: String,
    pub result: String,
    pub output: String,
}

/// One iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IterationRecord {
    pub index: u32,
    pub seed: u64,
    /// `seed` as a string, exact for every JSON reader.
    #[serde(default)]
    pub seed_str: String,
    pub length: usize,
    /// Tests run in the iteration's own sequence (shrinking not counted).
    pub executed: usize,
    pub failed_test: Option<String>,
    pub failure: Option<String>,
    pub result: String,
    /// The end of the failing test's output when the failure was not shrunk because it does not
    /// match `--match`, so the pattern can be checked against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// How long its sequence took, in seconds (setup, the tests, teardown; shrinking apart).
    #[serde(default)]
    pub seconds: f64,
    /// A driven iteration (`--controller`, `--control-dir`): the tests its driver chose, in
    /// the order they ran. Absent for planned orders, whose sequence the seed gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driven: Option<Vec<String>>,
}

/// One unique failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailureRecord {
    pub iteration: u32,
    pub seed: u64,
    /// `seed` as a string, exact for every JSON reader.
    #[serde(default)]
    pub seed_str: String,
    pub test: String,
    /// `exit N`, `signal N` or `timeout`.
    pub failure: String,
    /// `null` when shrinking was stopped before the failure was classified.
    pub classification: Option<Classification>,
    /// The failing sequence as first run, ending with the failing test.
    pub original: Vec<String>,
    /// The shortest sequence seen to fail the same way (so far, while shrinking).
    pub minimal: Vec<String>,
    pub reductions: Vec<Reduction>,
    /// Candidate runs while shrinking (retries included).
    pub tries: usize,
    /// Tests those candidate runs executed.
    #[serde(default)]
    pub shrink_executions: u64,
    /// True when shrinking finished and verified `minimal`: it failed, and each single removal
    /// passed (`retries + 1` times). False for a failure that never came back (not reduced) and
    /// for stopped shrinks.
    pub proven_minimal: bool,
    /// How often the sequences that fail failed when run, the original run included; below
    /// 1 of 1 only with `--retries` (then the failure is classified `flaky`).
    #[serde(default = "one_of_one")]
    pub reproduced: Rate,
    /// Why shrinking stopped early, if it did.
    pub stopped_by: Option<String>,
    /// The runs after the shrink that confirmed its result before it was called verified (the
    /// minimal sequence until it failed 4 more times, each single removal until it passed 2
    /// more), or measured the rate of one that did not hold up; `null` when none ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<crate::report::Confirmation>,
    /// A command that runs the minimal sequence again.
    pub replay: Option<String>,
    /// The verbose rerun's log.
    pub log: Option<String>,
    /// How the failing test ended in the verbose rerun.
    pub rerun: Option<String>,
    /// When the polluters of an earlier failure make this one fail too (found by trying them
    /// first): that failure's test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_cause_as: Option<String>,
    /// Wall time from the failure's finding to its report (shrink, check and verbose rerun),
    /// in seconds; `null` until then.
    #[serde(default)]
    pub shrink_seconds: Option<f64>,
    /// What the result suggests beyond its classification: a runner that could not be found
    /// (exit 126/127), state that survives setup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// How many iterations hit this failure.
    pub seen: u32,
    /// Those iterations.
    pub seen_in: Vec<u32>,
    /// A merged report: the shards (their index) that hit this failure; empty (and left out of
    /// the JSON) in a run's own report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seen_in_shards: Vec<u32>,
    /// The end of the failing test's output in the original run.
    pub output: String,
    /// How many bytes of that output came before `output` and were not kept.
    #[serde(default)]
    pub output_dropped: u64,
    /// What the state probes (`[suite] probe`, `probe-files`) saw during the verbose rerun of
    /// `minimal`, test by test; left out when nothing was probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<crate::probe::ProbeRecord>,
    /// What smoke's helper inside the runner (pytest, rspec, jest) saw during the verbose rerun
    /// of `minimal`: how much it watched, the noise it dropped, and the one-line summary; left
    /// out when no helper looked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<crate::probe::state::StateDiff>,
    /// Each change a test of that rerun made inside the runner's process, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_diff: Vec<crate::probe::state::StateChange>,
}

/// A setup or teardown failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HookFailureRecord {
    pub iteration: Option<u32>,
    pub hook: crate::model::Hook,
    pub command: String,
    pub result: String,
    pub output: String,
}

/// A test name that is not UTF-8.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawName {
    /// How the report shows it.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A test's result in bug mode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestRecord {
    pub test: String,
    pub result: String,
    pub seconds: f64,
    pub output: Option<String>,
}

/// Counters over the whole run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Test processes started (setup and teardown excluded), a test killed by Ctrl-C included.
    pub test_executions: u64,
    /// Sequences run: iterations, shrink candidates, verbose reruns.
    pub sequence_runs: u64,
    pub iterations_run: u32,
    /// Failures found, repeats included (those ignored by `--match` not counted).
    pub failures_found: u32,
    /// Failures whose output did not match `--match`: ignored, not shrunk.
    #[serde(default)]
    pub unmatched_failures: u32,
    pub unique_failures: u32,
    /// Candidate runs while shrinking.
    pub reduction_tries: u64,
    /// Tests those candidate runs executed.
    #[serde(default)]
    pub reduction_executions: u64,
    /// Successful reductions.
    pub reductions: u64,
    /// Wall time from the start of the run to the first failure found, in seconds.
    #[serde(default)]
    pub seconds_to_first_failure: Option<f64>,
}

/// The position of failure `id`'s record, if it has one.
fn slot(slots: &[Option<usize>], id: usize) -> Option<usize> {
    slots.get(id).copied().flatten()
}

fn one_of_one() -> Rate {
    Rate { failed: 1, runs: 1 }
}

/// Builds a [`RunReport`] from events.
#[derive(Debug)]
pub struct Recorder {
    report: RunReport,
    /// When each failure id was found (seconds since the start), to time its shrink.
    found_at: Vec<Option<f64>>,
    /// Where each failure id's record is in `report.failures` (`None`: folded into another).
    slots: Vec<Option<usize>>,
    redactor: Redactor,
    /// A resumed run: for each failure id whose shrink is taken up again, the tries and test
    /// executions its shrink had spent before, which the resumed shrink adds to.
    spent_before: std::collections::HashMap<usize, (usize, u64)>,
}

impl Recorder {
    /// Start from `header` (iterations, failures and stats empty).
    pub fn new(header: RunReport) -> Self {
        Recorder {
            report: header,
            found_at: Vec::new(),
            slots: Vec::new(),
            redactor: Redactor::default(),
            spent_before: std::collections::HashMap::new(),
        }
    }

    /// Go on with a stopped run's `report` (`smoke resume`): failure id `i` is its record `i`,
    /// and the failures in `unfinished` are shrunk again, adding to what they spent before.
    /// The iterations that did not finish are dropped (they run again), and the report is
    /// running again.
    pub fn resuming(mut report: RunReport, unfinished: &[usize], resumption: Resumption) -> Self {
        let before = report.iterations.len();
        report
            .iterations
            .retain(|i| i.result != IterationStatus::Interrupted.to_string());
        let dropped = u32::try_from(before - report.iterations.len()).unwrap_or(0);
        report.stats.iterations_run = report.stats.iterations_run.saturating_sub(dropped);
        report.status = "running".to_string();
        report.completed = false;
        report.finished_at = None;
        report.resumed.push(resumption);
        let mut spent_before = std::collections::HashMap::new();
        let mut found_at = vec![None; report.failures.len()];
        for &id in unfinished {
            if let Some(f) = report.failures.get(id) {
                spent_before.insert(id, (f.tries, f.shrink_executions));
                // Its shrink time is timed from the resumed run's start, plus what it spent
                // before: "found" that long before the start.
                found_at[id] = Some(-f.shrink_seconds.unwrap_or(0.0));
                // Counted again when the resumed shrink ends.
                report.stats.unique_failures = report.stats.unique_failures.saturating_sub(1);
            }
        }
        Recorder {
            slots: (0..report.failures.len()).map(Some).collect(),
            found_at,
            report,
            redactor: Redactor::default(),
            spent_before,
        }
    }

    /// Hide secret values in every output the report keeps, the header's included.
    pub fn redacting(mut self, redactor: Redactor) -> Self {
        for command in &mut self.report.build.commands {
            command.command = redactor.apply(&command.command);
            command.output = redactor.apply(&command.output);
        }
        self.redactor = redactor;
        self
    }

    /// The report so far.
    pub fn report(&self) -> &RunReport {
        &self.report
    }

    /// Apply one event. Returns true when the report changed in a way worth writing now.
    pub fn apply(&mut self, event: &Event) -> bool {
        self.apply_at(event, None)
    }

    /// [`apply`](Self::apply) for an event that happened `elapsed` seconds after the run
    /// started (the caller reads the clock): times the first failure and each shrink.
    pub fn apply_at(&mut self, event: &Event, elapsed: Option<f64>) -> bool {
        match event {
            Event::FailureFound { id, .. } => {
                if self.found_at.len() <= *id {
                    self.found_at.resize(*id + 1, None);
                }
                self.found_at[*id] = elapsed;
                let first = &mut self.report.stats.seconds_to_first_failure;
                if first.is_none() {
                    *first = elapsed;
                }
            }
            Event::FailureShrunk { id, .. } => {
                let took = elapsed
                    .zip(self.found_at.get(*id).copied().flatten())
                    .map(|(now, found)| (now - found).max(0.0));
                if let Some(f) =
                    slot(&self.slots, *id).and_then(|i| self.report.failures.get_mut(i))
                {
                    f.shrink_seconds = took;
                }
            }
            _ => {}
        }
        self.fold(event)
    }

    fn fold(&mut self, event: &Event) -> bool {
        let r = &mut self.report;
        match event {
            Event::RunStarted { mode, .. } => {
                r.mode = *mode;
                true
            }
            Event::IterationStarted { .. } | Event::LogFinished { .. } => false,
            Event::SequenceStarted { .. } => {
                r.stats.sequence_runs += 1;
                false
            }
            // Bug mode lists every test it started, the one a signal stopped included.
            Event::TestInterrupted {
                purpose: Purpose::BugMode,
                test,
                duration,
            } => {
                r.tests.push(TestRecord {
                    test: test.to_string(),
                    result: INTERRUPTED.to_string(),
                    seconds: duration.as_secs_f64(),
                    output: None,
                });
                true
            }
            Event::TestInterrupted { .. } => false,
            // Counted when started: a test killed by Ctrl-C ran too.
            Event::TestStarted { .. } => {
                r.stats.test_executions += 1;
                false
            }
            Event::TestFinished {
                purpose,
                test,
                outcome,
                duration,
                output,
                ..
            } => {
                if *purpose != Purpose::BugMode {
                    return false;
                }
                r.tests.push(TestRecord {
                    test: test.to_string(),
                    result: outcome.to_string(),
                    seconds: duration.as_secs_f64(),
                    output: (!outcome.passed()).then(|| self.redactor.apply(&lossy(output))),
                });
                true
            }
            Event::HookFailed {
                hook,
                iteration,
                command,
                outcome,
                output,
            } => {
                r.hook_failures.push(HookFailureRecord {
                    iteration: *iteration,
                    hook: *hook,
                    command: command.to_string(),
                    result: outcome.to_string(),
                    output: self.redactor.apply(&lossy(output)),
                });
                true
            }
            Event::Warning { text } => {
                r.warnings.push(self.redactor.apply(text));
                true
            }
            Event::IterationFinished {
                index,
                seed,
                length,
                executed,
                failed,
                status,
                output,
                duration,
                driven,
            } => {
                r.stats.iterations_run += 1;
                r.iterations.push(IterationRecord {
                    index: *index,
                    seed: *seed,
                    seed_str: seed.to_string(),
                    length: *length,
                    executed: *executed,
                    failed_test: failed.map(|f| f.0.to_string()),
                    failure: failed.map(|f| f.1.to_string()),
                    result: status.to_string(),
                    output: output.map(|o| self.redactor.apply(&lossy(o))),
                    seconds: duration.as_secs_f64(),
                    driven: driven.clone(),
                });
                if *status == IterationStatus::Unmatched {
                    r.stats.unmatched_failures += 1;
                }
                true
            }
            Event::FailureFound {
                id,
                iteration,
                seed,
                test,
                outcome,
                original,
                output,
                dropped,
            } => {
                r.stats.failures_found += 1;
                if self.slots.len() <= *id {
                    self.slots.resize(*id + 1, None);
                }
                self.slots[*id] = Some(r.failures.len());
                r.failures.push(FailureRecord {
                    iteration: *iteration,
                    seed: *seed,
                    seed_str: seed.to_string(),
                    test: test.to_string(),
                    failure: outcome.to_string(),
                    classification: None,
                    original: original.clone(),
                    minimal: original.clone(),
                    reductions: Vec::new(),
                    tries: 0,
                    shrink_executions: 0,
                    proven_minimal: false,
                    reproduced: one_of_one(),
                    stopped_by: None,
                    confirmation: None,
                    replay: None,
                    log: None,
                    rerun: None,
                    shrink_seconds: None,
                    same_cause_as: None,
                    hint: None,
                    seen: 1,
                    seen_in: vec![*iteration],
                    seen_in_shards: Vec::new(),
                    output: self.redactor.apply(&lossy(output)),
                    output_dropped: *dropped,
                    probe: None,
                    state: None,
                    state_diff: Vec::new(),
                });
                true
            }
            Event::StateProbed { id, probe } => {
                if let Some(failure) = slot(&self.slots, *id).and_then(|i| r.failures.get_mut(i)) {
                    let redactor = &self.redactor;
                    failure.probe = Some((*probe).clone().redacted(|t| redactor.apply(t)));
                }
                true
            }
            Event::StateInside { id, state } => {
                if let Some(failure) = slot(&self.slots, *id).and_then(|i| r.failures.get_mut(i)) {
                    let redactor = &self.redactor;
                    let mut state = (*state)
                        .clone()
                        .redacted(|t| redactor.apply(t), crate::report::Redactor::looks_secret);
                    failure.state_diff = std::mem::take(&mut state.changes);
                    failure.state = Some(state);
                }
                true
            }
            Event::Reduced {
                id,
                reduction,
                sequence,
            } => {
                r.stats.reductions += 1;
                if let Some(failure) = slot(&self.slots, *id).and_then(|i| r.failures.get_mut(i)) {
                    failure.reductions.push(*reduction);
                    failure.minimal = sequence.clone();
                }
                true
            }
            Event::FailureShrunk {
                id,
                same_cause,
                classification,
                minimal,
                tries,
                executions,
                proven,
                reproduced,
                stopped_by,
                replay,
                log,
                rerun,
                hint,
                confirmation,
            } => {
                r.stats.reduction_tries += *tries as u64;
                r.stats.reduction_executions += executions;
                r.stats.unique_failures += 1;
                let cause = same_cause
                    .and_then(|c| slot(&self.slots, c))
                    .and_then(|i| r.failures.get(i))
                    .map(|f| f.test.clone());
                let (tries_before, executions_before) =
                    self.spent_before.remove(id).unwrap_or_default();
                if let Some(failure) = slot(&self.slots, *id).and_then(|i| r.failures.get_mut(i)) {
                    failure.classification = *classification;
                    failure.minimal = minimal.clone();
                    failure.tries = tries_before + *tries;
                    failure.shrink_executions = executions_before + *executions;
                    failure.proven_minimal = *proven;
                    failure.reproduced = *reproduced;
                    failure.stopped_by = stopped_by.clone();
                    failure.replay = Some(replay.clone());
                    failure.log = log.as_ref().map(|p| p.display().to_string());
                    failure.rerun = rerun.map(|o| o.to_string());
                    failure.same_cause_as = cause;
                    failure.hint = hint.clone();
                    failure.confirmation = (confirmation.runs > 0).then_some(*confirmation);
                }
                true
            }
            Event::FailureRepeated {
                id,
                of,
                iteration,
                tries,
                executions,
                ..
            } => {
                r.stats.reduction_tries += *tries as u64;
                r.stats.reduction_executions += executions;
                // The provisional record of this occurrence is folded into the earlier one.
                if slot(&self.slots, *of).is_none() {
                    return true;
                }
                if let Some(gone) = slot(&self.slots, *id) {
                    r.failures.remove(gone);
                    self.slots[*id] = None;
                    for i in self.slots.iter_mut().flatten() {
                        if *i > gone {
                            *i -= 1;
                        }
                    }
                }
                if let Some(first) = slot(&self.slots, *of).and_then(|i| r.failures.get_mut(i)) {
                    first.seen += 1;
                    first.seen_in.push(*iteration);
                    first.seen_in.sort_unstable();
                }
                true
            }
            Event::RunFinished { interrupted } => {
                r.status = match interrupted {
                    Some(_) => "interrupted",
                    None => "completed",
                }
                .to_string();
                r.completed = interrupted.is_none();
                if let Some(from) = &mut r.reproduced_from {
                    from.settle(&r.failures, interrupted.is_some());
                }
                true
            }
        }
    }

    /// Stamp the end time (the caller reads the clock).
    pub fn finish(&mut self, finished_at: String) {
        self.report.finished_at = Some(finished_at);
    }

    /// Mark the run as stopped by an error of smoke's own.
    pub fn fail(&mut self, finished_at: String) {
        self.report.status = "error".to_string();
        self.report.completed = false;
        self.report.finished_at = Some(finished_at);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::Outcome;
    use crate::reduce::Algorithm;

    /// A header as the run would fill it in.
    pub(crate) fn header() -> RunReport {
        RunReport {
            smoke_version: "0.0.0-test".into(),
            mode: Mode::Smoke,
            started_at: "2026-01-02T03:04:05+00:00".into(),
            finished_at: None,
            completed: false,
            status: "running".into(),
            argv: vec!["smoke".into(), "--seed".into(), "1".into()],
            options: Options {
                order: Order::Random,
                times: 2,
                iterations: 3,
                seed: 1,
                seed_str: "1".into(),
                match_output: None,
                timeout: Some("1m".into()),
                config: Some("smoke.toml".into()),
                suite_dir: "/suite".into(),
                run: "sh {test}".into(),
                execution: "per-test".into(),
                format: None,
                preset: None,
                fork_server: None,
                keep_going: false,
                setup: Some("mkdir -p state".into()),
                teardown: None,
                tests: 3,
                retries: 0,
                max_reduce: None,
                reduce: crate::reduce::Reducer::Smoke,
                env: BTreeMap::from([("APP_ENV".into(), "test".into())]),
                shard: None,
                controller: None,
                control_dir: None,
                suite: None,
            },
            build: BuildInfo {
                smoke_version: "0.0.0-test".into(),
                os: "linux".into(),
                kernel: Some("6.1".into()),
                arch: "x86_64".into(),
                cpus: 2,
                git_commit: None,
                git_dirty: None,
                commands: vec![],
                env: BTreeMap::from([("CI".into(), Some("true".into())), ("NOPE".into(), None)]),
            },
            iterations: vec![],
            failures: vec![],
            hook_failures: vec![],
            tests: vec![],
            raw_names: vec![],
            stats: Stats::default(),
            warnings: vec![],
            merged_from: vec![],
            resumed: vec![],
            reproduced_from: None,
        }
    }

    #[test]
    fn a_reproduction_is_settled_by_the_failures_of_the_tests_it_asked_for() {
        let failure = |test: &str| FailureRecord {
            test: test.to_string(),
            ..sample_report().failures[0].clone()
        };
        let asked = |tests: &[&str]| ReproducedFrom {
            evidence: vec!["junit.xml".into()],
            source: "junit".into(),
            format: "JUnit XML".into(),
            length: 12,
            tries: 3,
            failing: tests
                .iter()
                .map(|t| ReproducedTest {
                    test: t.to_string(),
                    reproduced: false,
                })
                .collect(),
            ..ReproducedFrom::default()
        };
        let settled = |tests: &[&str], failed: &[&str]| {
            let mut from = asked(tests);
            let failures: Vec<FailureRecord> = failed.iter().map(|t| failure(t)).collect();
            from.settle(&failures, false);
            from
        };
        let both = settled(&["v1", "v2"], &["v2", "v1"]);
        assert_eq!(both.verdict.as_deref(), Some("reproduced"));
        assert!(both.failing.iter().all(|t| t.reproduced));
        assert!(
            both.describe(1)
                .starts_with("reproduced: v1, v2 failed again")
        );
        let one = settled(&["v1", "v2"], &["v2"]);
        assert_eq!(one.verdict.as_deref(), Some("partly"));
        assert_eq!(
            one.failing.iter().map(|t| t.reproduced).collect::<Vec<_>>(),
            [false, true]
        );
        assert!(
            one.describe(2).contains("v2 failed again; v1 did not"),
            "{}",
            one.describe(2)
        );
        let other = settled(&["v1"], &["w"]);
        assert_eq!(other.verdict.as_deref(), Some("partly"));
        let none = settled(&["v1"], &[]);
        assert_eq!(none.verdict.as_deref(), Some("not-reproduced"));
        assert!(
            none.describe(3)
                .starts_with("not reproduced in 3 tries: v1 did not fail")
        );
        assert_eq!(settled(&[], &["w"]).verdict.as_deref(), Some("reproduced"));
        assert_eq!(settled(&[], &[]).verdict.as_deref(), Some("not-reproduced"));
        // A signal before anything came back answers nothing.
        let mut stopped = asked(&["v1"]);
        stopped.settle(&[], true);
        assert_eq!(stopped.verdict.as_deref(), Some("interrupted"));
        assert!(stopped.describe(1).starts_with("interrupted after 1 try"));
        // While running, the line says what runs.
        assert!(
            asked(&["v1"])
                .describe(0)
                .contains("12 tests, running to v1 (up to 3 tries)")
        );
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Events of a run with one failure found twice.
    /// The report [`sample`]'s events make from [`header`].
    pub(crate) fn sample_report() -> RunReport {
        let mut recorder = Recorder::new(header());
        sample(&mut recorder);
        recorder.report().clone()
    }

    pub(crate) fn sample(recorder: &mut Recorder) {
        let events = vec![
            Event::RunStarted {
                mode: Mode::Smoke,
                tests: 3,
                order: Order::Random,
                times: 2,
                iterations: 3,
                seed: 1,
                seed_given: true,
                jobs: 1,
            },
            Event::IterationStarted {
                index: 1,
                seed: 1,
                length: 6,
            },
            Event::SequenceStarted {
                purpose: Purpose::Iteration,
                length: 6,
                batch: false,
            },
            Event::TestStarted {
                worker: 1,
                test: "p",
                position: 0,
                length: 6,
            },
            Event::TestFinished {
                purpose: Purpose::Iteration,
                test: "p",
                position: 0,
                length: 6,
                outcome: Outcome::Pass,
                duration: std::time::Duration::from_millis(5),
                output: b"",
            },
            Event::TestStarted {
                worker: 1,
                test: "v",
                position: 1,
                length: 6,
            },
            Event::TestFinished {
                purpose: Purpose::Iteration,
                test: "v",
                position: 1,
                length: 6,
                outcome: Outcome::Fail { code: 1 },
                duration: std::time::Duration::from_millis(5),
                output: b"boom\n",
            },
            Event::IterationFinished {
                index: 1,
                seed: 1,
                length: 6,
                executed: 2,
                failed: Some(("v", Outcome::Fail { code: 1 })),
                status: IterationStatus::Failed,
                output: None,
                duration: std::time::Duration::from_millis(10),
                driven: None,
            },
            Event::FailureFound {
                id: 0,
                iteration: 1,
                seed: 1,
                test: "v",
                outcome: Outcome::Fail { code: 1 },
                original: names(&["p", "v"]),
                output: b"boom\n",
                dropped: 0,
            },
            Event::SequenceStarted {
                purpose: Purpose::Candidate,
                length: 1,
                batch: false,
            },
            Event::Reduced {
                id: 0,
                reduction: Reduction {
                    algorithm: Algorithm::BinaryHalf,
                    length: 2,
                },
                sequence: names(&["p", "v"]),
            },
            Event::FailureShrunk {
                id: 0,
                same_cause: None,
                classification: Some(Classification::OrderDependent),
                minimal: names(&["p", "v"]),
                tries: 2,
                executions: 3,
                proven: true,
                reproduced: Rate { failed: 2, runs: 2 },
                stopped_by: None,
                replay: "smoke --order rotate --times 1 p v".into(),
                log: Some("r.failure-1.log".into()),
                rerun: Some(Outcome::Fail { code: 1 }),
                hint: None,
                confirmation: crate::report::Confirmation::default(),
            },
            Event::IterationStarted {
                index: 2,
                seed: 2,
                length: 6,
            },
            Event::IterationFinished {
                index: 2,
                seed: 2,
                length: 6,
                executed: 4,
                failed: Some(("v", Outcome::Fail { code: 1 })),
                status: IterationStatus::Failed,
                output: None,
                duration: std::time::Duration::from_millis(10),
                driven: None,
            },
            Event::FailureFound {
                id: 1,
                iteration: 2,
                seed: 2,
                test: "v",
                outcome: Outcome::Fail { code: 1 },
                original: names(&["q", "p", "q", "v"]),
                output: b"boom\n",
                dropped: 0,
            },
            Event::FailureRepeated {
                id: 1,
                of: 0,
                iteration: 2,
                tries: 3,
                executions: 7,
                again: crate::report::Again::Sequence,
            },
        ];
        for event in &events {
            recorder.apply(event);
        }
    }

    #[test]
    fn the_first_failure_and_each_shrink_are_timed() {
        let mut recorder = Recorder::new(header());
        let found = Event::FailureFound {
            id: 0,
            iteration: 1,
            seed: 1,
            test: "v",
            outcome: crate::model::Outcome::Fail { code: 1 },
            original: names(&["p", "v"]),
            output: b"",
            dropped: 0,
        };
        recorder.apply_at(&found, Some(2.0));
        let shrunk = Event::FailureShrunk {
            id: 0,
            same_cause: None,
            classification: Some(Classification::OrderDependent),
            minimal: names(&["p", "v"]),
            tries: 1,
            executions: 2,
            proven: true,
            reproduced: Rate { failed: 2, runs: 2 },
            stopped_by: None,
            replay: "smoke".into(),
            log: None,
            rerun: None,
            hint: None,
            confirmation: crate::report::Confirmation::default(),
        };
        recorder.apply_at(&shrunk, Some(5.5));
        let r = recorder.report();
        assert_eq!(r.stats.seconds_to_first_failure, Some(2.0));
        assert_eq!(r.failures[0].shrink_seconds, Some(3.5));
    }

    #[test]
    fn events_fold_into_the_report() {
        let mut recorder = Recorder::new(header());
        sample(&mut recorder);
        let r = recorder.report();
        assert_eq!(r.iterations.len(), 2);
        assert_eq!(r.iterations[0].failed_test.as_deref(), Some("v"));
        assert_eq!(r.failures.len(), 1, "a repeat is counted, not listed again");
        let f = &r.failures[0];
        assert_eq!(f.seen, 2);
        assert_eq!(f.seen_in, [1, 2]);
        assert_eq!(f.minimal, ["p", "v"]);
        assert_eq!(f.classification, Some(Classification::OrderDependent));
        assert_eq!(f.output, "boom\n");
        assert_eq!(r.stats.test_executions, 2);
        assert_eq!(r.stats.sequence_runs, 2);
        assert_eq!(r.stats.failures_found, 2);
        assert_eq!(r.stats.unique_failures, 1);
        assert_eq!(r.stats.reduction_tries, 5);
        assert_eq!(r.status, "running");
    }

    #[test]
    fn the_end_of_the_run_sets_the_status() {
        let mut recorder = Recorder::new(header());
        recorder.apply(&Event::RunFinished {
            interrupted: Some(2),
        });
        recorder.finish("later".into());
        assert_eq!(recorder.report().status, "interrupted");
        assert!(!recorder.report().completed);
        let mut recorder = Recorder::new(header());
        recorder.apply(&Event::RunFinished { interrupted: None });
        assert!(recorder.report().completed);
    }

    #[test]
    fn a_resumed_report_drops_cut_iterations_and_adds_the_resumed_shrink_to_the_old() {
        let finished = |index, status| Event::IterationFinished {
            index,
            seed: index.into(),
            length: 2,
            executed: 2,
            failed: Some(("v", Outcome::Fail { code: 1 })),
            status,
            output: None,
            duration: std::time::Duration::from_millis(10),
            driven: None,
        };
        let shrunk = |tries, executions, stopped_by: Option<&str>| Event::FailureShrunk {
            id: 0,
            same_cause: None,
            classification: None,
            minimal: names(&["p", "v"]),
            tries,
            executions,
            proven: stopped_by.is_none(),
            reproduced: Rate { failed: 1, runs: 1 },
            stopped_by: stopped_by.map(str::to_string),
            replay: "smoke p v".into(),
            log: None,
            rerun: None,
            hint: None,
            confirmation: crate::report::Confirmation::default(),
        };
        let found = |id, iteration: u32| Event::FailureFound {
            id,
            iteration,
            seed: iteration.into(),
            test: "v",
            outcome: Outcome::Fail { code: 1 },
            original: names(&["a", "p", "v"]),
            output: b"boom\n",
            dropped: 0,
        };
        let mut recorder = Recorder::new(header());
        for event in [
            finished(1, IterationStatus::Failed),
            found(0, 1),
            shrunk(2, 5, Some("interrupted")),
            finished(2, IterationStatus::Interrupted),
        ] {
            recorder.apply(&event);
        }
        let mut stopped = recorder.report().clone();
        assert_eq!(stopped.stats.iterations_run, 2);
        stopped.failures[0].shrink_seconds = Some(2.0);
        let resumption = Resumption {
            at: "2026-01-02T04:00:00+00:00".into(),
            from_status: "interrupted".into(),
            iterations_done: 1,
            shrinks_resumed: 1,
        };
        let mut resumed = Recorder::resuming(stopped, &[0], resumption.clone());
        let r = resumed.report();
        assert_eq!(r.status, "running");
        assert_eq!(r.iterations.len(), 1, "the cut iteration runs again");
        assert_eq!(r.stats.iterations_run, 1);
        assert_eq!(r.stats.unique_failures, 0, "counted when its shrink ends");
        assert_eq!(r.resumed, [resumption]);
        resumed.apply_at(&shrunk(3, 4, None), Some(1.5));
        resumed.apply(&found(1, 3));
        let r = resumed.report();
        assert_eq!(
            (r.failures[0].tries, r.failures[0].shrink_executions),
            (5, 9)
        );
        assert_eq!(
            r.failures[0].shrink_seconds,
            Some(3.5),
            "2 s before, 1.5 s resumed"
        );
        assert!(r.failures[0].proven_minimal);
        assert_eq!(r.stats.unique_failures, 1);
        assert_eq!(r.failures.len(), 2, "a new failure gets the next record");
        assert_eq!(r.failures[1].iteration, 3);
    }
}
