//! The model of the reports about another report (`smoke replay`'s and `smoke diagnose`'s
//! [`Head`]) and the replay report itself: what was replayed, how, and each failure's
//! [`Verdict`], judged from its runs by [`judge`]; with its text, HTML and JSON forms, and the
//! pure steps from a recorded report to what to replay ([`choose`], [`find`],
//! [`same_output`]).
//!
//! Pure: no process, no file, no clock (the caller passes `now`), no environment (the caller
//! passes the redactor). The edge, reading the report and running the sequences, is
//! `commands::replay`.

use super::Redactor;
use super::record::{FailureRecord, RunReport};
use crate::error::{ConfigError, exit};
use crate::model::{Outcome, TestId, TestNames};
use crate::{report, shell};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

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
    /// A report of `mode` started at `now`, still `running`; `argv` is kept as `redactor`
    /// leaves it.
    pub(crate) fn new(
        mode: &str,
        now: chrono::DateTime<chrono::Local>,
        argv: &[String],
        redactor: &Redactor,
        from: &Path,
        suite: String,
    ) -> Self {
        Head {
            smoke_version: env!("CARGO_PKG_VERSION").to_string(),
            mode: mode.to_string(),
            started_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            finished_at: None,
            status: "running".to_string(),
            argv: argv.iter().map(|a| redactor.apply(a)).collect(),
            from: from.display().to_string(),
            suite,
        }
    }

    /// The end: `completed`, or `interrupted`, finished at `now`.
    pub(crate) fn finish(&mut self, interrupted: bool, now: chrono::DateTime<chrono::Local>) {
        self.status = if interrupted {
            "interrupted"
        } else {
            "completed"
        }
        .to_string();
        self.finished_at = Some(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
    }

    /// The HTML page of a report with this head: its `title`, `heading` and `facts`, its
    /// `sections`, then a last one (`about`: anchor and heading) saying who wrote it, from
    /// what (`from_key` names what was done to `from`) and `more`.
    pub(crate) fn page(
        &self,
        title: String,
        heading: &str,
        facts: Vec<String>,
        mut sections: Vec<(&'static str, &'static str, maud::Markup)>,
        about: (&'static str, &'static str, &str),
        more: &[(&str, String)],
    ) -> String {
        use crate::report::html::{Page, key_values, page};
        let (anchor, section, from_key) = about;
        let mut rows = vec![
            ("smoke version", self.smoke_version.clone()),
            ("command", shell::join(&self.argv)),
            (from_key, self.from.clone()),
            ("suite", self.suite.clone()),
        ];
        rows.extend(more.iter().cloned());
        sections.push((anchor, section, key_values(&rows)));
        page(&Page {
            title,
            heading,
            generator: &self.smoke_version,
            status: &self.status,
            started_at: &self.started_at,
            finished_at: self.finished_at.as_deref(),
            facts,
            warnings: &[],
            sections,
        })
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
    /// What smoke's helper inside the runner saw during the sequence's first run (the same
    /// shape as a run report's `failures[].state`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<crate::probe::state::StateDiff>,
    /// Each change a test of that run made inside the runner's process (as `failures[].state_diff`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_diff: Vec<crate::probe::state::StateChange>,
}

/// One run of a replayed sequence, as a verdict sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ran<'a> {
    /// Stopped short (setup failed, or a signal came): it tells nothing.
    Stopped,
    /// Every test passed.
    Passed,
    /// A test failed first: its position in the sequence, how, and the end of its output.
    Failed {
        position: usize,
        outcome: Outcome,
        output: &'a [u8],
    },
}

/// The verdict on `runs` of a sequence of `length` tests whose last test (the victim)
/// recorded `recorded` (an outcome as reports spell it), and the counts behind it: runs that
/// failed the same way, runs that passed, and the first other way it failed (its position and
/// outcome). `same_output` tells whether a failing test's output counts under `--match`.
pub fn judge<'a>(
    recorded: &str,
    length: usize,
    runs: impl IntoIterator<Item = Ran<'a>>,
    same_output: impl Fn(&[u8]) -> bool,
) -> (Verdict, u32, u32, Option<(usize, String)>) {
    let (mut same, mut passed, mut ran) = (0u32, 0u32, 0u32);
    let mut other = None;
    for run in runs {
        match run {
            Ran::Stopped => continue,
            Ran::Passed => passed += 1,
            Ran::Failed {
                position,
                outcome,
                output,
            } if position + 1 == length
                && outcome.to_string() == recorded
                && same_output(output) =>
            {
                same += 1
            }
            Ran::Failed {
                position, outcome, ..
            } => {
                other.get_or_insert((position, outcome.to_string()));
            }
        }
        ran += 1;
    }
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
        t.push_str(&report::render::state_block(
            f.state.as_ref(),
            &f.state_diff,
            f.probe.as_ref(),
            "first run",
        ));
    }
    t
}

/// The replay report as an HTML page, in the frame of a run's (`report::html`): each failure
/// with its verdict, the sequence replayed and the output of its last failing run.
pub fn render_html(r: &ReplayReport) -> String {
    use crate::report::html::{css_word, output_block, sequence, state_details};
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
                @if let Some(state) = state_details(
                    f.state.as_ref(),
                    &f.state_diff,
                    f.probe.as_ref(),
                    "first run",
                ) {
                    (state)
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
    let fixed = r
        .failures
        .iter()
        .filter(|f| f.verdict == Verdict::Fixed)
        .count();
    r.head.page(
        format!(
            "smoke replay: {fixed} of {} fixed ({})",
            r.failures.len(),
            r.head.status
        ),
        "smoke replay report",
        vec![format!(
            "{} of {} failure(s) fixed; replayed {}",
            fixed,
            r.failures.len(),
            r.head.from
        )],
        vec![("failures", "Failures", failures)],
        ("replay", "Replay", "replayed"),
        &[(
            "runs",
            format!("{sequences} sequences, {} run(s) each", r.runs_each),
        )],
    )
}

/// The replay report as JSON.
pub fn render_json(r: &ReplayReport) -> String {
    let mut json = serde_json::to_string_pretty(r).expect("the replay report always serializes");
    json.push('\n');
    json
}

/// The failures to work on, numbered from 1: all of them, or `--failure N`.
pub fn choose<'r>(
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

/// The tests of `sequence` by id, and a sentence for each name the suite no longer has.
pub fn find(names: &TestNames, sequence: &[String]) -> (Vec<TestId>, Vec<String>) {
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

/// The report's `--match`: what failing "the same way" requires of the output.
pub fn same_output(recorded: &RunReport) -> Result<Option<Regex>, ConfigError> {
    match &recorded.options.match_output {
        Some(pattern) => Ok(Some(Regex::new(pattern).map_err(|e| {
            ConfigError::new(format!(
                "the report's --match '{pattern}' is not a valid regex: {e}"
            ))
        })?)),
        None => Ok(None),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A completed report's head, of `mode` (`replay`, `diagnose`) about the report `from`.
    pub(crate) fn head(mode: &str, from: &str) -> Head {
        Head {
            smoke_version: "0.0.0-test".into(),
            mode: mode.into(),
            started_at: "2026-01-02T03:04:05+00:00".into(),
            finished_at: Some("2026-01-02T03:04:09+00:00".into()),
            status: "completed".into(),
            argv: vec!["smoke".into(), mode.into(), from.into()],
            from: from.into(),
            suite: "smoke.toml".into(),
        }
    }

    fn failed(position: usize, outcome: Outcome) -> Ran<'static> {
        Ran::Failed {
            position,
            outcome,
            output: b"boom\n",
        }
    }

    fn passed() -> Ran<'static> {
        Ran::Passed
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
            state: None,
            state_diff: Vec::new(),
        };
        let report = ReplayReport {
            head: head("replay", "r\"<.json"),
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
            (vec![Ran::Stopped], Verdict::NotRun),
        ];
        for (runs, verdict) in table {
            assert_eq!(judge("exit 1", 2, runs.clone(), any).0, verdict, "{runs:?}");
        }
        let (verdict, same, passed, other) =
            judge("exit 1", 2, [failed(1, Outcome::Timeout), passed()], any);
        assert_eq!((verdict, same, passed), (Verdict::FailsDifferently, 0, 1));
        assert_eq!(other, Some((1, "timeout".to_string())));
        // The recorded --match decides what "the same way" is.
        let never = |_: &[u8]| false;
        assert_eq!(
            judge("exit 1", 2, [failed(1, exit1)], never).0,
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
            state: None,
            state_diff: Vec::new(),
        };
        let report = |verdicts: &[Verdict]| ReplayReport {
            head: head("replay", "r.json"),
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
