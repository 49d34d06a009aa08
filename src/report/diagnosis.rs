//! The model of `smoke diagnose`'s report: for each failure of a run's report, the tests
//! found as its polluters, cleaners or state-setters, and what the search cost; with its
//! text, HTML and JSON forms. It starts with the [`Head`] of a replay report.
//!
//! Pure: no process, no file, no clock. What to run and how a run counts is
//! `commands::diagnose`.

use super::record::FailureRecord;
use super::replay::Head;
use crate::{report, shell};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The diagnosis report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagnoseReport {
    #[serde(flatten)]
    pub head: Head,
    pub failures: Vec<Diagnosis>,
}

/// One failure's diagnosis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Its number in the diagnosed report, from 1.
    pub failure: usize,
    pub test: String,
    pub recorded: String,
    pub minimal: Vec<String>,
    /// Every test that makes the victim fail the same way when run just before it.
    pub polluters: Vec<String>,
    /// Tests that make the minimal sequence pass when run just before the victim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cleaners: Vec<String>,
    /// For a victim that fails alone: tests that make it pass when run just before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_setters: Vec<String>,
    /// `brittle` when it fails alone but some test makes it pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// Candidate runs and the test executions they spent.
    pub runs: usize,
    pub executions: u64,
    /// The lists stop short: `--max-diagnose` was reached, or a signal came.
    pub incomplete: bool,
    /// Tests of the minimal sequence the suite no longer has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// A victim of the same polluters as this earlier failure (its number): only that one's
    /// polluters and cleaners were tried here, not the whole suite (`--each-victim` scans it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub among_those_of: Option<usize>,
    /// What each cleaner changed inside the runner's process of what the polluters had
    /// changed (smoke's helper in pytest, rspec or jest, on one more run of `[P…, C, V]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undone: Vec<Undone>,
}

/// A cleaner and what it undid: its changes to names the polluters had changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undone {
    pub cleaner: String,
    pub changes: Vec<crate::probe::state::StateChange>,
}

impl Undone {
    /// `C changed os.getcwd() from '/tmp' to '/srv'` for people.
    pub fn sentence(&self) -> String {
        let phrases: Vec<String> = self
            .changes
            .iter()
            .map(crate::probe::state::phrase)
            .collect();
        format!("{} {}", self.cleaner, phrases.join(", "))
    }
}

impl Diagnosis {
    /// What the lists are drawn from, said after their count: `, among failure 1's`.
    fn scope(&self) -> String {
        self.among_those_of
            .map_or(String::new(), |n| format!(", among failure {n}'s"))
    }
}

/// Lines for one failure's diagnosis.
pub fn lines(d: &Diagnosis) -> String {
    let mut t = format!(
        "failure {}: {} ({}, minimal {})",
        d.failure,
        report::one_line(&shell::quote(&d.test)),
        d.recorded,
        report::one_line(&shell::join(&d.minimal))
    );
    if !d.missing.is_empty() {
        let _ = write!(t, "\n  cannot diagnose: {}", d.missing.join("; "));
        return t;
    }
    let list = |names: &[String]| {
        if names.is_empty() {
            "none".to_string()
        } else {
            report::one_line(&shell::join(names)).into_owned()
        }
    };
    if d.minimal.len() > 1 {
        let _ = write!(
            t,
            "\n  polluters ({}{}): {}",
            d.polluters.len(),
            d.scope(),
            list(&d.polluters)
        );
        let _ = write!(
            t,
            "\n  cleaners ({}{}): {}",
            d.cleaners.len(),
            d.scope(),
            list(&d.cleaners)
        );
        for undone in &d.undone {
            let _ = write!(t, "\n    undoes: {}", report::one_line(&undone.sentence()));
        }
    } else {
        let _ = write!(
            t,
            "\n  state-setters ({}): {}{}",
            d.state_setters.len(),
            list(&d.state_setters),
            if d.classification.is_some() {
                " (brittle: it needs one of them before it)"
            } else {
                ""
            }
        );
    }
    let _ = write!(
        t,
        "\n  {} runs, {} test executions{}",
        d.runs,
        d.executions,
        if d.incomplete {
            "; incomplete: --max-diagnose or a signal stopped it"
        } else {
            ""
        }
    );
    t
}

/// The diagnosis report as text.
pub fn render_text(r: &DiagnoseReport) -> String {
    let mut t = r.head.render("smoke diagnose report", "diagnosed");
    let _ = writeln!(t, "\nFailures\n--------");
    for d in &r.failures {
        let _ = writeln!(t, "{}", lines(d));
    }
    t
}

/// The diagnosis report as an HTML page, in the frame of a run's (`report::html`): each
/// failure with its minimal sequence and the tests found in each role.
pub fn render_html(r: &DiagnoseReport) -> String {
    use crate::report::html::sequence;
    use maud::{Markup, html};
    let names = |role: &str, names: &[String], why: &str| -> Markup {
        html! {
            p {
                strong { (role) " (" (names.len()) ")" } ": "
                @if names.is_empty() {
                    "none"
                } @else {
                    code { (report::one_line(&shell::join(names))) }
                }
            }
            p.muted { (why) }
        }
    };
    let failures = html! {
        @for d in &r.failures {
            article.failure id={ "failure-" (d.failure) } {
                h3 {
                    "Failure " (d.failure) ": " code { (report::one_line(&d.test)) }
                    " (recorded: " (d.recorded) ")"
                    @if let Some(class) = &d.classification {
                        " " span class={ "badge class-" (class) } { (class) }
                    }
                }
                p { strong { "minimal sequence" } " (" (d.minimal.len()) " tests):" }
                (sequence(&d.minimal, true))
                @if !d.missing.is_empty() {
                    p.warning { "cannot diagnose: " (report::one_line(&d.missing.join("; "))) }
                } @else if d.minimal.len() > 1 {
                    (names("polluters", &d.polluters, "each makes the victim fail the same way when run just before it"))
                    (names("cleaners", &d.cleaners, "each makes the minimal sequence pass when run just before the victim: it undoes what the polluters left"))
                    @for undone in &d.undone {
                        p { "undoes: " code { (report::one_line(&undone.sentence())) } }
                    }
                } @else {
                    (names("state-setters", &d.state_setters, "each makes the victim pass when run just before it: the victim needs one of them"))
                }
                @if let Some(n) = d.among_those_of {
                    p.muted {
                        "the same polluters as failure " (n) ": only its polluters and cleaners \
                         were tried (smoke diagnose --each-victim scans the whole suite)"
                    }
                }
                @if d.missing.is_empty() {
                    p {
                        (d.runs) " runs, " (d.executions) " test executions"
                        @if d.incomplete { "; incomplete: --max-diagnose or a signal stopped it" }
                    }
                }
            }
        }
    };
    r.head.page(
        format!(
            "smoke diagnose: {} failure(s) ({})",
            r.failures.len(),
            r.head.status
        ),
        "smoke diagnose report",
        vec![format!(
            "{} failure(s) of {} diagnosed",
            r.failures.len(),
            r.head.from
        )],
        vec![("failures", "Failures", failures)],
        ("diagnosis", "Diagnosis", "diagnosed"),
        &[],
    )
}

impl Diagnosis {
    /// The diagnosis of failure `n`, `f`, with nothing found yet.
    pub fn new(n: usize, f: &FailureRecord) -> Self {
        Diagnosis {
            failure: n,
            test: f.test.clone(),
            recorded: f.failure.clone(),
            minimal: f.minimal.clone(),
            polluters: Vec::new(),
            cleaners: Vec::new(),
            state_setters: Vec::new(),
            classification: None,
            runs: 0,
            executions: 0,
            incomplete: false,
            missing: Vec::new(),
            among_those_of: None,
            undone: Vec::new(),
        }
    }
}

/// The diagnosis report as JSON.
pub fn render_json(r: &DiagnoseReport) -> String {
    let mut json = serde_json::to_string_pretty(r).expect("the report always serializes");
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::replay::tests::head;

    fn diagnosis(failure: usize, minimal: &[&str]) -> Diagnosis {
        let strings = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        Diagnosis {
            failure,
            test: minimal.last().expect("a victim").to_string(),
            recorded: "exit 1".into(),
            minimal: strings(minimal),
            polluters: Vec::new(),
            cleaners: Vec::new(),
            state_setters: Vec::new(),
            classification: None,
            runs: 7,
            executions: 15,
            incomplete: false,
            missing: Vec::new(),
            among_those_of: None,
            undone: Vec::new(),
        }
    }

    #[test]
    fn the_html_page_names_each_role_with_names_escaped() {
        let mut polluted = diagnosis(1, &["p<b>", "v&"]);
        polluted.polluters = vec!["p<b>".into(), "q'; rm -rf ~".into()];
        polluted.cleaners = vec!["</code><script>".into()];
        let mut brittle = diagnosis(2, &["b"]);
        brittle.state_setters = vec!["s".into()];
        brittle.classification = Some("brittle".into());
        let mut gone = diagnosis(3, &["x", "y"]);
        gone.missing = vec!["x is no longer in the suite".into()];
        let report = DiagnoseReport {
            head: head("diagnose", "r.json"),
            failures: vec![polluted, brittle, gone],
        };
        let page = render_html(&report);
        assert_eq!(page.matches("<script").count(), 1, "only smoke's own");
        for needle in [
            "<title>smoke diagnose: 3 failure(s) (completed)</title>",
            "<strong>polluters (2)</strong>: <code>'p&lt;b&gt;' &quot;q'; rm -rf ~&quot;</code>",
            "<strong>cleaners (1)</strong>: <code>'&lt;/code&gt;&lt;script&gt;'</code>",
            "<li class=\"victim\" title=\"the failing test\">v&amp;</li>",
            "<strong>state-setters (1)</strong>: <code>s</code>",
            "<span class=\"badge class-brittle\">brittle</span>",
            "cannot diagnose: x is no longer in the suite",
            "7 runs, 15 test executions",
        ] {
            assert!(page.contains(needle), "missing {needle:?} in\n{page}");
        }
    }
}
