//! `smoke replay`: record, replay, compare. The failures a report recorded are run again with
//! the suite as it is configured now, and each gets a verdict: still fails, fixed, flaky now,
//! fails differently, or cannot replay. So a team can keep a report of the order bugs it fixed
//! and replay it in CI to keep them from coming back.
//!
//! [`judge`], the replay report's model, its text and its HTML page are pure; [`run`] is the edge around them:
//! read the report, rebuild its suite (`config::from_report`: `--config`, `./smoke.toml`, else
//! the run's own config file, with the run's flags over it; the shell commands only the report
//! holds run with `--trust-report` alone), hand the sequences to the runner, write the replay
//! report beside the usual ones.

use crate::cli::ReplayArgs;
use crate::config::Config;
use crate::error::{ConfigError, exit};
use crate::interrupt::{self, Interrupt};
use crate::model::{TestId, TestNames};
use crate::report::Redactor;
use crate::report::console::Console;
use crate::report::export::ReportFiles;
use crate::report::record::{FailureRecord, RunReport};
use crate::runner::{Replayed, Runner, WorkerExecutor};
use crate::term::{errln, outln};
use crate::{exec, report, shell, suite};
use anyhow::Context;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Runs of each sequence when `--retries` is not given: 2 + 1.
pub const DEFAULT_RETRIES: u32 = 2;

/// What replaying a failure showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The victim failed the same way (same kind, `--match` as recorded) in every run.
    StillFails,
    /// Every run passed.
    Fixed,
    /// The victim failed the same way in some runs, not all.
    FlakyNow,
    /// Never the same way: the victim failed another way, or another test failed first.
    FailsDifferently,
    /// A test of the sequence is no longer in the suite.
    CannotReplay,
    /// The runs could not tell (setup failed, or a signal came first).
    NotRun,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::StillFails => "still fails",
            Verdict::Fixed => "fixed",
            Verdict::FlakyNow => "flaky now",
            Verdict::FailsDifferently => "fails differently",
            Verdict::CannotReplay => "cannot replay",
            Verdict::NotRun => "not run",
        })
    }
}

/// What a report about another report starts with (`smoke replay`'s and `smoke diagnose`'s):
/// who wrote it, when, from what, and how it ended. Flattened into their JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub smoke_version: String,
    /// `replay` or `diagnose`.
    pub mode: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// `running`, `completed` or `interrupted`.
    pub status: String,
    /// The command line, secrets redacted.
    pub argv: Vec<String>,
    /// The report read, as named.
    pub from: String,
    /// Where the suite came from: its config file, or the report's flags.
    pub suite: String,
}

impl Head {
    /// A report of `mode` started at `now`, still `running`.
    pub(crate) fn new(
        mode: &str,
        now: chrono::DateTime<chrono::Local>,
        argv: &[String],
        from: &Path,
        suite: String,
    ) -> Self {
        Head {
            smoke_version: env!("CARGO_PKG_VERSION").to_string(),
            mode: mode.to_string(),
            started_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            finished_at: None,
            status: "running".to_string(),
            argv: argv.iter().map(|a| redactor().apply(a)).collect(),
            from: from.display().to_string(),
            suite,
        }
    }

    /// The end: `completed`, or `interrupted`, finished now.
    pub(crate) fn finish(&mut self, interrupted: bool) {
        self.status = if interrupted {
            "interrupted"
        } else {
            "completed"
        }
        .to_string();
        self.finished_at =
            Some(chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
    }

    /// The text report's title and header lines; `from_key` names what was done to `from`.
    pub(crate) fn render(&self, title: &str, from_key: &str) -> String {
        let mut t = format!("{title}\n{}\n", "=".repeat(title.len()));
        for (key, value) in [
            ("smoke version", self.smoke_version.as_str()),
            ("status", &self.status),
            ("started", &self.started_at),
            ("finished", self.finished_at.as_deref().unwrap_or("-")),
            ("command", &shell::join(&self.argv)),
            (from_key, &self.from),
            ("suite", &self.suite),
        ] {
            let _ = writeln!(t, "{key:<18}{}", report::one_line(value));
        }
        t
    }
}

/// The replay report: what was replayed, how, and each failure's verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    #[serde(flatten)]
    pub head: Head,
    /// Runs of each sequence (`--retries` + 1).
    pub runs_each: u32,
    /// The original failing sequences were replayed, not the minimal ones.
    pub original: bool,
    pub failures: Vec<ReplayRecord>,
}

/// One failure replayed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplayRecord {
    /// Its number in the replayed report, from 1.
    pub failure: usize,
    /// The test that failed (the victim).
    pub test: String,
    /// How it failed when recorded (`exit 1`, `timeout`, ...).
    pub recorded: String,
    /// The sequence replayed, the victim last.
    pub sequence: Vec<String>,
    pub verdict: Verdict,
    pub runs: u32,
    /// Runs in which the victim failed the same way.
    pub failed_same_way: u32,
    /// Runs that passed.
    pub passed: u32,
    /// How it fails now, when that is not as recorded (`'b' exit 2`, `'v' timeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    /// Tests of the sequence the suite no longer has, each with the closest name it has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// The end of the failing test's output in the last failing run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// What the state probes saw during the sequence's first run, test by test (the same
    /// shape as a run report's `failures[].probe`); left out when nothing was probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<crate::probe::ProbeRecord>,
}

/// The verdict on `runs` of a sequence of `length` tests whose last test (the victim)
/// recorded `recorded` (an outcome as reports spell it), and the counts behind it: runs that
/// failed the same way, runs that passed, and the first other way it failed (its position and
/// outcome). `same_output` tells whether a failing test's output counts under `--match`.
pub fn judge(
    recorded: &str,
    length: usize,
    runs: &[Replayed],
    same_output: impl Fn(&[u8]) -> bool,
) -> (Verdict, u32, u32, Option<(usize, String)>) {
    let (mut same, mut passed, mut stopped) = (0u32, 0u32, 0u32);
    let mut other = None;
    for run in runs {
        match (&run.stopped, &run.failed) {
            (Some(_), _) => stopped += 1,
            (None, None) => passed += 1,
            (None, Some(f))
                if f.position + 1 == length
                    && f.outcome.to_string() == recorded
                    && same_output(&f.output) =>
            {
                same += 1
            }
            (None, Some(f)) => {
                other.get_or_insert((f.position, f.outcome.to_string()));
            }
        }
    }
    let ran = runs.len() as u32 - stopped;
    let verdict = if ran == 0 {
        Verdict::NotRun
    } else if same == ran {
        Verdict::StillFails
    } else if same > 0 {
        Verdict::FlakyNow
    } else if other.is_some() {
        Verdict::FailsDifferently
    } else {
        Verdict::Fixed
    };
    (verdict, same, passed, other)
}

/// The exit code for a finished replay: 2 when a failure could not be replayed or judged, else
/// 1 when any still fails (or is flaky now, or fails differently), else 0.
pub fn exit_code(report: &ReplayReport) -> u8 {
    let verdicts = || report.failures.iter().map(|f| f.verdict);
    if verdicts().any(|v| matches!(v, Verdict::CannotReplay | Verdict::NotRun)) {
        exit::ERROR
    } else if verdicts().any(|v| v != Verdict::Fixed) {
        exit::FAILURES
    } else {
        exit::OK
    }
}

/// A line for one failure: `failure 2: 'v' (exit 1, 2 tests): still fails (3 of 3 runs)`.
pub fn line(f: &ReplayRecord) -> String {
    let what = match f.verdict {
        Verdict::StillFails | Verdict::FlakyNow => {
            format!("{} ({} of {} runs)", f.verdict, f.failed_same_way, f.runs)
        }
        Verdict::Fixed => format!("fixed (passed {} of {} runs)", f.passed, f.runs),
        Verdict::FailsDifferently => format!(
            "fails differently: now {}",
            f.now.as_deref().unwrap_or("something else fails")
        ),
        Verdict::CannotReplay => format!("cannot replay: {}", f.missing.join("; ")),
        Verdict::NotRun => "not run (setup failed or a signal came; see above)".to_string(),
    };
    format!(
        "failure {}: {} ({}, {} tests): {what}",
        f.failure,
        report::one_line(&shell::quote(&f.test)),
        f.recorded,
        f.sequence.len()
    )
}

/// The replay report as text.
pub fn render_text(r: &ReplayReport) -> String {
    let mut t = r.head.render("smoke replay report", "replayed");
    let sequences = if r.original { "original" } else { "minimal" };
    let _ = writeln!(
        t,
        "{:<18}{sequences} sequences, {} run(s) each",
        "runs", r.runs_each
    );
    let _ = writeln!(t, "\nFailures\n--------");
    for f in &r.failures {
        let _ = writeln!(t, "{}", line(f));
        let _ = writeln!(
            t,
            "  sequence        {}",
            report::one_line(&shell::join(&f.sequence))
        );
        if let Some(output) = &f.output {
            t.push_str(&report::quote_tail(
                &report::printable(output),
                20,
                "in the JSON report",
            ));
        }
        if let Some(probe) = &f.probe {
            t.push_str(&report::render::probe_block(probe, "first run"));
        }
    }
    t
}

/// The replay report as an HTML page, in the frame of a run's (`report::html`): each failure
/// with its verdict, the sequence replayed and the output of its last failing run.
pub fn render_html(r: &ReplayReport) -> String {
    use crate::report::html::{
        Page, css_word, key_values, output_block, page, probe_details, sequence,
    };
    use maud::html;
    let sequences = if r.original { "original" } else { "minimal" };
    let failures = html! {
        @for f in &r.failures {
            article.failure.replayed id={ "failure-" (f.failure) } {
                h3 {
                    "Failure " (f.failure) ": " code { (report::one_line(&f.test)) }
                    " (recorded: " (f.recorded) ") "
                    span class={ "badge verdict-" (css_word(&f.verdict.to_string())) } {
                        (f.verdict)
                    }
                }
                p.proof { (report::one_line(&line(f))) }
                p { strong { (sequences) } " sequence (" (f.sequence.len()) " tests):" }
                (sequence(&f.sequence, true))
                @if let Some(probe) = &f.probe {
                    (probe_details(probe, "first run"))
                }
                @if let Some(output) = &f.output {
                    details open {
                        summary { "output of the last failing run (end)" }
                        (output_block(output))
                    }
                }
            }
        }
    };
    let replay = key_values(&[
        ("smoke version", r.head.smoke_version.clone()),
        ("command", shell::join(&r.head.argv)),
        ("replayed", r.head.from.clone()),
        ("suite", r.head.suite.clone()),
        (
            "runs",
            format!("{sequences} sequences, {} run(s) each", r.runs_each),
        ),
    ]);
    let fixed = r
        .failures
        .iter()
        .filter(|f| f.verdict == Verdict::Fixed)
        .count();
    page(&Page {
        title: format!(
            "smoke replay: {fixed} of {} fixed ({})",
            r.failures.len(),
            r.head.status
        ),
        heading: "smoke replay report",
        generator: &r.head.smoke_version,
        status: &r.head.status,
        started_at: &r.head.started_at,
        finished_at: r.head.finished_at.as_deref(),
        facts: vec![format!(
            "{} of {} failure(s) fixed; replayed {}",
            fixed,
            r.failures.len(),
            r.head.from
        )],
        warnings: &[],
        sections: vec![
            ("failures", "Failures", failures),
            ("replay", "Replay", replay),
        ],
    })
}

/// The replay report as JSON.
pub fn render_json(r: &ReplayReport) -> String {
    let mut json = serde_json::to_string_pretty(r).expect("the replay report always serializes");
    json.push('\n');
    json
}

/// `smoke replay`: returns the exit code.
pub fn run(
    args: ReplayArgs,
    argv: Vec<String>,
    cwd: &Path,
    now: chrono::DateTime<chrono::Local>,
) -> anyhow::Result<u8> {
    let Loaded {
        recorded,
        config,
        names,
        built: _built,
        interrupt,
        suite_label,
        same_output,
    } = load(
        args.config.as_deref(),
        &args.from,
        cwd,
        &args.probes,
        args.trust_report,
        args.jobs,
    )?;
    let quiet = args.output.quiet;
    let chosen = choose(&recorded, args.failure, &args.from)?;
    let runs = args.retries.unwrap_or(DEFAULT_RETRIES) + 1;
    let mut records = Vec::new();
    let mut sequences = Vec::new();
    for (n, f) in &chosen {
        let sequence = if args.original {
            &f.original
        } else {
            &f.minimal
        };
        let (ids, mut missing) = find(&names, sequence);
        // A name missing from another project's suite: say that the suites differ.
        if !missing.is_empty() {
            missing.extend(crate::config::other_suite_dir(
                &recorded.options.suite_dir,
                &config.dir,
            ));
        }
        records.push(ReplayRecord {
            failure: *n,
            test: f.test.clone(),
            recorded: f.failure.clone(),
            sequence: sequence.clone(),
            verdict: Verdict::CannotReplay,
            runs: 0,
            failed_same_way: 0,
            passed: 0,
            now: None,
            missing,
            output: None,
            probe: None,
        });
        sequences.push(ids);
    }
    let files = report_files(
        args.config.as_deref(),
        &args.output,
        cwd,
        now,
        "smoke-replay",
    )?;
    let mut replay = ReplayReport {
        head: Head::new("replay", now, &argv, &args.from, suite_label),
        runs_each: runs,
        original: args.original,
        failures: records,
    };
    files.write_rendered(
        &render_text(&replay),
        &render_json(&replay),
        Some(&render_html(&replay)),
    )?;

    // Only what can be found in the suite runs; a sequence with a missing test is judged as
    // it is, without a run.
    let runnable: Vec<usize> = (0..sequences.len())
        .filter(|&i| replay.failures[i].missing.is_empty())
        .collect();
    let executors = executors(&config);
    let mut console = Console::new(if quiet {
        crate::config::Verbosity::Quiet
    } else {
        config.verbosity
    })
    .redacting(redactor());
    let no_log = |_: usize| PathBuf::new();
    let runner = Runner::new(
        &config,
        &names,
        executors,
        &mut console,
        &interrupt,
        &no_log,
    );
    let to_run = runnable.iter().map(|&i| sequences[i].clone()).collect();
    let (replayed, interrupted) = runner.replay(to_run, runs)?;
    for (&i, runs_of) in runnable.iter().zip(&replayed) {
        let f = &mut replay.failures[i];
        let same = |output: &[u8]| {
            same_output
                .as_ref()
                .is_none_or(|re| re.is_match(&String::from_utf8_lossy(output)))
        };
        let (verdict, same_way, passed, other) =
            judge(&f.recorded, f.sequence.len(), runs_of, same);
        f.verdict = verdict;
        f.runs = runs_of.len() as u32;
        f.failed_same_way = same_way;
        f.passed = passed;
        f.now = other.map(|(position, outcome)| {
            format!(
                "'{}' {outcome}",
                f.sequence.get(position).map_or("?", String::as_str)
            )
        });
        f.output = runs_of
            .iter()
            .rev()
            .find_map(|r| r.failed.as_ref())
            .map(|failed| redactor().apply(&report::lossy(&failed.output)));
        f.probe = runs_of.iter().find_map(|r| r.probe.clone()).map(|p| {
            let redactor = redactor();
            p.redacted(|t| redactor.apply(t))
        });
    }
    replay.head.finish(interrupted.is_some());
    files.write_rendered(
        &render_text(&replay),
        &render_json(&replay),
        Some(&render_html(&replay)),
    )?;

    let lines: Vec<String> = replay
        .failures
        .iter()
        .map(|f| match &f.probe {
            Some(probe) => format!(
                "{}\n  state: {}",
                line(f),
                report::one_line(&report::render::probe_headline(probe))
            ),
            None => line(f),
        })
        .collect();
    outln!(
        "{}\nreport: {}\nreport: {}\nreport: {}",
        lines.join("\n"),
        files.text.display(),
        files.json.display(),
        files.html.display()
    );
    Ok(match interrupted {
        Some(signal) => interrupt::exit_code(signal),
        None => exit_code(&replay),
    })
}

/// A recorded report and the suite it is replayed against, loaded.
pub(crate) struct Loaded {
    pub recorded: RunReport,
    pub config: Config,
    pub names: TestNames,
    /// The test binaries smoke built to run the suite (the go preset): keep it while tests run.
    pub built: Option<crate::exec::PrivateDir>,
    /// Raised by Ctrl-C, SIGTERM or SIGHUP (the handlers are installed).
    pub interrupt: Interrupt,
    /// How the suite was found, for the report.
    pub suite_label: String,
    /// The report's `--match`: what failing "the same way" requires of the output.
    pub same_output: Option<Regex>,
}

/// The report files of a subcommand (`prefix`: `smoke-replay`, `smoke-diagnose`), where its
/// `--report`, `--report-dir` or the config file's `[report] dir` say, dated `now`.
pub(crate) fn report_files(
    config: Option<&Path>,
    output: &crate::cli::OutputArgs,
    cwd: &Path,
    now: chrono::DateTime<chrono::Local>,
    prefix: &str,
) -> anyhow::Result<ReportFiles> {
    let target = crate::config::report_target_only(
        config,
        output.report.as_deref(),
        output.report_dir.as_deref(),
        cwd,
    )?;
    ReportFiles::create_named(&target, now, prefix)
}

/// Read the report `from`, rebuild its suite (see `config::from_report`: `config`,
/// `./smoke.toml`, else the run's own config file or flags, the commands only the report holds
/// with `trust` alone), install the signal handlers and list the suite's tests. For the
/// subcommands that run a report's failures again (`replay`, `diagnose`). `probes` are the
/// state-probe flags and `jobs` the `--jobs` given to the subcommand, which replace the run's.
pub(crate) fn load(
    config: Option<&Path>,
    from: &Path,
    cwd: &Path,
    probes: &crate::cli::ProbeArgs,
    trust: bool,
    jobs: Option<crate::cli::Jobs>,
) -> anyhow::Result<Loaded> {
    let recorded = read_report(from, cwd)?;
    let rebuilt = crate::config::from_report(
        &recorded,
        &crate::config::ReportSuite {
            from,
            config,
            cwd,
            trust,
            whole_run: false,
            probes,
            jobs,
        },
    )?;
    for note in &rebuilt.notes {
        errln!("smoke: {}", report::printable(note));
    }
    let suite_label = rebuilt.label;
    crate::config::require_suite_dir(&rebuilt.dir, from)?;
    let mut config = Config::load(rebuilt.cli, &rebuilt.dir)?;
    // What cannot apply, as on a run.
    for warning in &config.warnings {
        errln!("smoke: warning: {}", report::one_line(warning));
    }
    // A replay's or a diagnosis's verdict must not depend on what ran beside it: workers that
    // share state would make one (a polluter on another worker), so they run one at a time.
    if config.workers_share_state {
        errln!(
            "smoke: warning: --jobs {}: the workers would share state, so each sequence runs \
             with nothing beside it (one worker); give each worker its own state ({{worker}} in \
             setup, or --workdir fresh) to run them side by side",
            config.jobs
        );
        config.jobs = 1;
        config.workers_share_state = false;
    }
    let same_output = match &recorded.options.match_output {
        Some(pattern) => Some(Regex::new(pattern).map_err(|e| {
            ConfigError::new(format!(
                "the report's --match '{pattern}' is not a valid regex: {e}"
            ))
        })?),
        None => None,
    };
    let interrupt = Interrupt::new();
    interrupt::install(interrupt.clone()).context("cannot install the signal handlers")?;
    let suite::Listed { names, built } = suite::resolve(&config, &interrupt, &mut Vec::new())?;
    if let Some(signal) = interrupt.signal() {
        return Err(crate::error::Interrupted { signal }.into());
    }
    Ok(Loaded {
        recorded,
        config,
        names,
        built,
        interrupt,
        suite_label,
        same_output,
    })
}

/// The failures to work on, numbered from 1: all of them, or `--failure N`.
pub(crate) fn choose<'r>(
    recorded: &'r RunReport,
    failure: Option<u32>,
    from: &Path,
) -> anyhow::Result<Vec<(usize, &'r FailureRecord)>> {
    Ok(match failure {
        Some(n) => {
            let n = n as usize;
            let f = recorded.failures.get(n - 1).ok_or_else(|| {
                ConfigError::new(format!(
                    "--failure {n}: '{}' has {} failure(s)",
                    from.display(),
                    recorded.failures.len()
                ))
            })?;
            vec![(n, f)]
        }
        None => recorded
            .failures
            .iter()
            .enumerate()
            .map(|(i, f)| (i + 1, f))
            .collect(),
    })
}

/// Workers for the suite's `--jobs`, each with its own executor.
pub(crate) fn executors(config: &Config) -> Vec<WorkerExecutor<'static>> {
    (0..config.jobs)
        .map(|_| Box::new(exec::ShellExecutor::new(&config.dir, &config.env)) as _)
        .collect()
}

/// Secret-looking values of smoke's environment, hidden in what the replay report keeps.
pub(crate) fn redactor() -> Redactor {
    let env: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    Redactor::new(env.iter().map(|(k, v)| (k, v)))
}

/// The tests of `sequence` by id, and a sentence for each name the suite no longer has.
pub(crate) fn find(names: &TestNames, sequence: &[String]) -> (Vec<TestId>, Vec<String>) {
    let (mut ids, mut missing) = (Vec::new(), Vec::new());
    for name in sequence {
        match names.all_shown().iter().position(|n| n == name) {
            Some(id) => ids.push(id),
            None => {
                let closest = names
                    .all_shown()
                    .iter()
                    .map(|known| (strsim::normalized_levenshtein(known, name), known))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .filter(|(score, _)| *score > 0.4)
                    .map_or(String::new(), |(_, known)| {
                        format!(" (did you mean '{known}'?)")
                    });
                let sentence = format!("'{name}' is not in the suite{closest}");
                if !missing.contains(&sentence) {
                    missing.push(sentence);
                }
            }
        }
    }
    (ids, missing)
}

/// The report to replay, or an error naming the file and what it is instead.
fn read_report(path: &Path, cwd: &Path) -> anyhow::Result<RunReport> {
    let text = std::fs::read_to_string(cwd.join(path)).map_err(|e| {
        ConfigError::new(format!(
            "cannot read the report '{}': {e} (smoke replay takes a JSON report; to run a test \
             called replay instead, put -- first: smoke -- replay ...)",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        ConfigError::new(format!(
            "'{}' is not a smoke JSON report smoke can read ({e}); give the .json report a run \
             wrote",
            path.display()
        ))
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;
    use crate::runner::ReplayFailure;

    fn failed(position: usize, outcome: Outcome) -> Replayed {
        Replayed {
            stopped: None,
            failed: Some(ReplayFailure {
                position,
                test: position,
                outcome,
                output: b"boom\n".to_vec(),
            }),
            probe: None,
        }
    }

    fn passed() -> Replayed {
        Replayed {
            stopped: None,
            failed: None,
            probe: None,
        }
    }

    #[test]
    fn the_html_page_shows_each_verdict_with_names_and_output_escaped() {
        let record = |failure, verdict, output: Option<&str>| ReplayRecord {
            failure,
            test: "v<b>&".into(),
            recorded: "exit 1".into(),
            sequence: vec!["</li><script>".into(), "v<b>&".into()],
            verdict,
            runs: 3,
            failed_same_way: if verdict == Verdict::Fixed { 0 } else { 3 },
            passed: if verdict == Verdict::Fixed { 3 } else { 0 },
            now: None,
            missing: vec![],
            output: output.map(str::to_string),
            probe: None,
        };
        let report = ReplayReport {
            head: Head {
                smoke_version: "0.0.0-test".into(),
                mode: "replay".into(),
                started_at: "2026-01-02T03:04:05+00:00".into(),
                finished_at: Some("2026-01-02T03:04:09+00:00".into()),
                status: "completed".into(),
                argv: vec!["smoke".into(), "replay".into(), "r\"<.json".into()],
                from: "r\"<.json".into(),
                suite: "smoke.toml".into(),
            },
            runs_each: 3,
            original: false,
            failures: vec![
                record(1, Verdict::Fixed, None),
                record(2, Verdict::StillFails, Some("</script>\x1b[2J\n")),
            ],
        };
        let page = render_html(&report);
        assert_eq!(page.matches("<script").count(), 1, "only smoke's own");
        for needle in [
            "<title>smoke replay: 1 of 2 fixed (completed)</title>",
            "<span class=\"badge verdict-fixed\">fixed</span>",
            "<span class=\"badge verdict-still-fails\">still fails</span>",
            "failure 2: 'v&lt;b&gt;&amp;' (exit 1, 2 tests): still fails (3 of 3 runs)",
            "<li>&lt;/li&gt;&lt;script&gt;</li>",
            "<pre class=\"output\">&lt;/script&gt;\\x1b[2J\n</pre>",
            "r&quot;&lt;.json",
        ] {
            assert!(page.contains(needle), "missing {needle:?} in\n{page}");
        }
    }

    #[test]
    fn each_verdict_from_its_runs() {
        let exit1 = Outcome::Fail { code: 1 };
        let any = |_: &[u8]| true;
        let table = [
            (
                vec![failed(1, exit1), failed(1, exit1)],
                Verdict::StillFails,
            ),
            (vec![passed(), passed(), passed()], Verdict::Fixed),
            (vec![failed(1, exit1), passed()], Verdict::FlakyNow),
            (
                vec![failed(1, Outcome::Timeout), passed()],
                Verdict::FailsDifferently,
            ),
            (
                vec![failed(0, exit1), failed(0, exit1)],
                Verdict::FailsDifferently,
            ),
            (
                vec![Replayed {
                    stopped: Some("setup failed".into()),
                    failed: None,
                    probe: None,
                }],
                Verdict::NotRun,
            ),
        ];
        for (runs, verdict) in table {
            assert_eq!(judge("exit 1", 2, &runs, any).0, verdict, "{runs:?}");
        }
        let (verdict, same, passed, other) =
            judge("exit 1", 2, &[failed(1, Outcome::Timeout), passed()], any);
        assert_eq!((verdict, same, passed), (Verdict::FailsDifferently, 0, 1));
        assert_eq!(other, Some((1, "timeout".to_string())));
        // The recorded --match decides what "the same way" is.
        let never = |_: &[u8]| false;
        assert_eq!(
            judge("exit 1", 2, &[failed(1, exit1)], never).0,
            Verdict::FailsDifferently
        );
    }

    #[test]
    fn exit_codes_put_what_cannot_be_judged_first() {
        let record = |verdict| ReplayRecord {
            failure: 1,
            test: "v".into(),
            recorded: "exit 1".into(),
            sequence: vec!["p".into(), "v".into()],
            verdict,
            runs: 3,
            failed_same_way: 0,
            passed: 3,
            now: None,
            missing: vec![],
            output: None,
            probe: None,
        };
        let report = |verdicts: &[Verdict]| ReplayReport {
            head: Head {
                smoke_version: "0".into(),
                mode: "replay".into(),
                started_at: String::new(),
                finished_at: None,
                status: "completed".into(),
                argv: vec![],
                from: "r.json".into(),
                suite: "smoke.toml".into(),
            },
            runs_each: 3,
            original: false,
            failures: verdicts.iter().map(|&v| record(v)).collect(),
        };
        assert_eq!(exit_code(&report(&[Verdict::Fixed, Verdict::Fixed])), 0);
        assert_eq!(exit_code(&report(&[Verdict::Fixed, Verdict::FlakyNow])), 1);
        assert_eq!(
            exit_code(&report(&[Verdict::StillFails, Verdict::CannotReplay])),
            2
        );
        assert_eq!(
            line(&record(Verdict::Fixed)),
            "failure 1: v (exit 1, 2 tests): fixed (passed 3 of 3 runs)"
        );
    }
}
