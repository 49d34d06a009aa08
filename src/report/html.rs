//! Pure: the run's report as one self-contained HTML page, for a person who opens it from a CI
//! artifact or a bug report: the summary, each failure (classification, minimal sequence, the
//! replay command with a copy button, the shrink path as an inline SVG chart, the output), the
//! iterations, the options and the build parameters.
//!
//! It must not load anything: the style sheet and the script (`html/report.css`,
//! `html/report.js`, real files embedded with `include_str!`) are inlined, there are no images,
//! fonts or links outside the page, and a Content-Security-Policy of `default-src 'none'` tells
//! the browser to refuse any load all the same. Every name, command and output goes through
//! maud's escaping, after the control characters are shown as `\x1b`, `\r`, … as in the text
//! report. It reads no clock and writes no file: [`super::export`] writes what this makes.
//!
//! The page is a list of [`SECTIONS`], and each failure's card a list of [`FAILURE_PARTS`]:
//! a new section is one function returning `Option<Markup>` and one line in the list. The frame
//! around them (`page`: head, heading, links, script) also draws `smoke replay`'s page.

use super::record::{FailureRecord, RunReport};
use super::render::{describe_options, root_causes};
use super::{Mode, Proof, minimal_label, one_line, printable};
use crate::shell;
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// The page's style sheet, inlined.
const CSS: &str = include_str!("html/report.css");
/// The page's script (the copy buttons), inlined.
const JS: &str = include_str!("html/report.js");
/// Nothing may be loaded from anywhere; only the inline style and script run.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

/// One part of the page: a heading (and the anchor the top links to) over what `body` shows,
/// left out when `body` has nothing to show for this report.
pub struct Section {
    /// The anchor (`#failures`).
    pub id: &'static str,
    /// The heading, and the link's text at the top.
    pub title: &'static str,
    /// The section's content, or `None` to leave it out.
    pub body: fn(&RunReport) -> Option<Markup>,
}

/// The page's sections, in order.
pub const SECTIONS: &[Section] = &[
    Section {
        id: "failures",
        title: "Failures",
        body: failures,
    },
    Section {
        id: "root-causes",
        title: "Root causes",
        body: root_cause_groups,
    },
    Section {
        id: "tests",
        title: "Tests (bug mode)",
        body: bug_mode_tests,
    },
    Section {
        id: "hooks",
        title: "Setup and teardown failures",
        body: hook_failures,
    },
    Section {
        id: "iterations",
        title: "Iterations",
        body: iterations,
    },
    Section {
        id: "summary",
        title: "Summary",
        body: summary,
    },
    Section {
        id: "options",
        title: "Options",
        body: options,
    },
    Section {
        id: "build",
        title: "Build parameters",
        body: build,
    },
];

/// What one part of a failure's card gets: the report, the failure, and its number (1-based,
/// as in the text report).
pub struct Card<'a> {
    /// The whole report (options, iterations, and whatever else a part needs).
    pub report: &'a RunReport,
    /// The failure's number, from 1, as in the text report and the anchors (`#failure-2`).
    pub number: usize,
    /// The failure the card is about.
    pub failure: &'a FailureRecord,
}

/// The parts of each failure's card, in order; each leaves itself out by returning `None`.
pub const FAILURE_PARTS: &[fn(&Card) -> Option<Markup>] = &[
    proof,
    minimal_sequence,
    replay,
    shrink_path,
    cause_and_hint,
    state_probes,
    found,
    original_sequence,
    output,
];

/// The report as a whole HTML page.
pub fn render_html(report: &RunReport) -> String {
    let shown = SECTIONS
        .iter()
        .filter_map(|s| (s.body)(report).map(|body| (s.id, s.title, body)))
        .collect();
    page(&Page {
        title: title(report),
        heading: "smoke report",
        generator: &report.smoke_version,
        status: &report.status,
        started_at: &report.started_at,
        finished_at: report.finished_at.as_deref(),
        facts: vec![headline(report)],
        warnings: &report.warnings,
        sections: shown,
    })
}

/// What the frame of a page holds: `smoke replay`'s report is drawn in the same one.
pub(crate) struct Page<'a> {
    /// The window's title.
    pub title: String,
    /// The page's heading, before the status.
    pub heading: &'a str,
    /// smoke's version that wrote it.
    pub generator: &'a str,
    /// `running`, `completed`, `interrupted`, …
    pub status: &'a str,
    pub started_at: &'a str,
    pub finished_at: Option<&'a str>,
    /// Lines under the heading.
    pub facts: Vec<String>,
    pub warnings: &'a [String],
    /// The sections shown: anchor, heading, content.
    pub sections: Vec<(&'static str, &'static str, Markup)>,
}

/// A whole page: the head (inline style sheet, the policy that loads nothing), the heading
/// with the status, links to the sections, the sections, and the inline script.
pub(crate) fn page(p: &Page) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(CSP);
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content={ "smoke " (p.generator) };
                title { (one_line(&p.title)) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header.top {
                    h1 { (p.heading) " " (status_badge(p.status)) }
                    @for fact in &p.facts {
                        p.facts { (one_line(fact)) }
                    }
                    p.facts {
                        "started " (p.started_at) ", finished " (p.finished_at.unwrap_or("-"))
                        @if p.status == "running" {
                            " (still running: this page is rewritten as the run goes)"
                        }
                    }
                    nav.sections {
                        @for (id, title, _) in &p.sections {
                            a href={ "#" (id) } { (title) }
                        }
                    }
                }
                main {
                    @for warning in p.warnings {
                        p.warning { "warning: " (one_line(warning)) }
                    }
                    @for (id, title, body) in &p.sections {
                        section id=(id) {
                            h2 { (title) }
                            (body)
                        }
                    }
                }
                script { (PreEscaped(JS)) }
            }
        }
    };
    page.into_string()
}

/// The window's title: the status and what was found.
fn title(report: &RunReport) -> String {
    let found = match report.mode {
        Mode::BugMode => format!("{} failed test(s)", report.failed_tests()),
        Mode::Smoke => format!("{} order bug(s)", report.failures.len()),
    };
    format!("smoke report: {found} ({})", report.status)
}

/// One line under the title: what was run and found.
fn headline(report: &RunReport) -> String {
    let s = &report.stats;
    match report.mode {
        Mode::BugMode => format!(
            "bug mode: {} tests run, {} passed, {} failed",
            s.test_executions,
            report.passed_tests(),
            report.failed_tests()
        ),
        Mode::Smoke => format!(
            "{} of {} iteration(s), {} tests run, {} failure(s) found, {} unique; base seed {}",
            s.iterations_run,
            report.options.iterations,
            s.test_executions,
            s.failures_found,
            s.unique_failures,
            report.options.seed
        ),
    }
}

pub(crate) fn status_badge(status: &str) -> Markup {
    html! { span class={ "badge status-" (css_word(status)) } { (status) } }
}

/// A word safe in a class name (the status and the classification are smoke's own words, but a
/// report read back by `smoke merge` could hold anything).
pub(crate) fn css_word(word: &str) -> String {
    word.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// A list of names, in order; the last one marked as the victim when `victim` is set.
pub(crate) fn sequence(names: &[String], victim: bool) -> Markup {
    html! {
        ol.sequence {
            @for (i, name) in names.iter().enumerate() {
                @if victim && i + 1 == names.len() {
                    li.victim title="the failing test" { (one_line(name)) }
                } @else {
                    li { (one_line(name)) }
                }
            }
        }
    }
}

/// A block of output: control characters shown escaped, the rest as it was.
pub(crate) fn output_block(text: &str) -> Markup {
    html! { pre.output { (printable(text)) } }
}

fn failures(report: &RunReport) -> Option<Markup> {
    if report.failures.is_empty() {
        return match report.mode {
            Mode::BugMode => None,
            Mode::Smoke => Some(html! {
                p { "No test-order bug found so far (" (report.status) ")." }
            }),
        };
    }
    Some(html! {
        @for (i, failure) in report.failures.iter().enumerate() {
            (failure_card(&Card { report, number: i + 1, failure }))
        }
    })
}

fn failure_card(card: &Card) -> Markup {
    let f = card.failure;
    let (class, word) = match f.classification {
        Some(c) => (c.to_string(), c.to_string()),
        None => (
            "unclassified".to_string(),
            "not classified (shrinking stopped)".to_string(),
        ),
    };
    html! {
        article.failure id={ "failure-" (card.number) } {
            h3 {
                "Failure " (card.number) ": " code { (one_line(&f.test)) } " failed (" (f.failure) ") "
                span class={ "badge class-" (css_word(&class)) } { (word) }
            }
            @for part in FAILURE_PARTS {
                @if let Some(markup) = part(card) { (markup) }
            }
        }
    }
}

fn proof(card: &Card) -> Option<Markup> {
    Some(html! { p.proof { (Proof::of(card.failure).to_string()) } })
}

fn minimal_sequence(card: &Card) -> Option<Markup> {
    let f = card.failure;
    Some(html! {
        p { strong { (minimal_label(f.proven_minimal)) } " (" (f.minimal.len()) " tests):" }
        (sequence(&f.minimal, true))
    })
}

fn replay(card: &Card) -> Option<Markup> {
    let command = card.failure.replay.as_deref()?;
    Some(html! {
        p { strong { "replay" } }
        div.command {
            pre.replay id={ "replay-" (card.number) }
                data-copy={ "copy the replay command of failure " (card.number) } {
                (one_line(command))
            }
        }
    })
}

fn shrink_path(card: &Card) -> Option<Markup> {
    let f = card.failure;
    if f.reductions.is_empty() {
        return None;
    }
    let steps: Vec<String> = f
        .reductions
        .iter()
        .map(|r| format!("{} → {}", r.algorithm, r.length))
        .collect();
    Some(html! {
        figure.chart {
            (shrink_chart(f))
            figcaption {
                "Shrink path: " (f.original.len()) " tests → " (f.minimal.len()) " in "
                (f.reductions.len()) " step(s): " (steps.join(", "))
                @if let Some(seconds) = f.shrink_seconds { (format!("; {seconds:.1}s")) }
            }
        }
    })
}

/// The sequence's length after each step of the shrink, the original first, as an inline SVG
/// line chart (no script, no library). Each point's tooltip names its step.
pub fn shrink_chart(f: &FailureRecord) -> Markup {
    const WIDTH: f64 = 520.0;
    const HEIGHT: f64 = 170.0;
    const LEFT: f64 = 48.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 14.0;
    const BOTTOM: f64 = 30.0;
    let mut points: Vec<(String, usize)> = vec![("original".to_string(), f.original.len())];
    points.extend(
        f.reductions
            .iter()
            .map(|r| (r.algorithm.to_string(), r.length)),
    );
    let max = points.iter().map(|p| p.1).max().unwrap_or(1).max(1) as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let last = points.len().saturating_sub(1).max(1) as f64;
    let at = |i: usize, length: usize| {
        (
            LEFT + plot_w * i as f64 / last,
            TOP + plot_h * (1.0 - length as f64 / max),
        )
    };
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (x, y) = at(i, p.1);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    // Every step labelled while they fit, else every n-th.
    let label_every = points.len().div_ceil(16).max(1);
    let bottom = TOP + plot_h;
    html! {
        svg.shrink-chart role="img" width=(WIDTH) height=(HEIGHT)
            viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } {
            title { "sequence length per shrink step, from " (f.original.len()) " to " (f.minimal.len()) }
            line.axis x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(bottom) {}
            line.axis x1=(LEFT) y1=(bottom) x2=(WIDTH - RIGHT) y2=(bottom) {}
            text x=(LEFT - 6.0) y=(TOP + 4.0) text-anchor="end" { (max as usize) }
            text x=(LEFT - 6.0) y=(bottom) text-anchor="end" { "0" }
            text x=(LEFT + plot_w / 2.0) y=(HEIGHT - 4.0) text-anchor="middle" { "step" }
            text x="12" y=(TOP + plot_h / 2.0) text-anchor="middle"
                transform={ "rotate(-90 12 " (TOP + plot_h / 2.0) ")" } { "tests" }
            polyline.path points=(path.join(" ")) {}
            @for (i, (step, length)) in points.iter().enumerate() {
                @let (x, y) = at(i, *length);
                circle class=[(i + 1 == points.len()).then_some("end")] cx=(format!("{x:.1}"))
                    cy=(format!("{y:.1}")) r="3.5" {
                    title { "step " (i) ": " (step) ", " (length) " tests" }
                }
                @if i % label_every == 0 || i + 1 == points.len() {
                    text x=(format!("{x:.1}")) y=(bottom + 14.0) text-anchor="middle" { (i) }
                }
            }
        }
    }
}

fn cause_and_hint(card: &Card) -> Option<Markup> {
    let f = card.failure;
    if f.same_cause_as.is_none() && f.hint.is_none() {
        return None;
    }
    Some(html! {
        @if let Some(earlier) = &f.same_cause_as {
            p { "Same cause as the failure of " code { (one_line(earlier)) }
                " (its polluters, tried first)." }
        }
        @if let Some(hint) = &f.hint {
            p.warning { "hint: " (one_line(hint)) }
        }
    })
}

fn found(card: &Card) -> Option<Markup> {
    let f = card.failure;
    let seen_in: Vec<String> = f.seen_in.iter().map(u32::to_string).collect();
    let shards: Vec<String> = f.seen_in_shards.iter().map(u32::to_string).collect();
    Some(html! {
        table {
            tr { th { "found in" } td { "iteration " (f.iteration) " (seed " (f.seed) ")" } }
            tr { th { "seen" } td {
                (f.seen) " time(s), iteration(s) " (seen_in.join(", "))
                @if !shards.is_empty() { ", in shard(s) " (shards.join(", ")) }
            } }
            @if let Some(log) = &f.log {
                tr { th { "log" } td.mono {
                    (one_line(log))
                    @if let Some(rerun) = &f.rerun { " (verbose rerun: " (rerun) ")" }
                } }
            }
        }
    })
}

fn original_sequence(card: &Card) -> Option<Markup> {
    let f = card.failure;
    Some(html! {
        details {
            summary { "original failing sequence (" (f.original.len()) " tests)" }
            (sequence(&f.original, true))
        }
    })
}

fn state_probes(card: &Card) -> Option<Markup> {
    let f = card.failure;
    state_details(
        f.state.as_ref(),
        &f.state_diff,
        f.probe.as_ref(),
        "verbose rerun",
    )
}

/// The state seen during a probed run (`when`), as the text report says it, with the probes'
/// added and removed diff lines and the changes the failing test met marked: the `state` line
/// as the summary, the rest below; `None` when nothing looked.
pub(crate) fn state_details(
    inside: Option<&crate::probe::state::StateDiff>,
    changes: &[crate::probe::state::StateChange],
    probe: Option<&crate::probe::ProbeRecord>,
    when: &str,
) -> Option<Markup> {
    let headline = super::render::state_headline(inside, probe)?;
    let block = super::render::state_block(inside, changes, probe, when);
    let class = |line: &str| {
        let diff = line.trim_start().strip_prefix("| ").unwrap_or("");
        if (diff.starts_with('+') && !diff.starts_with("+++"))
            || line.ends_with("[met by the failing test]")
        {
            "added"
        } else if diff.starts_with('-') && !diff.starts_with("---") {
            "removed"
        } else {
            "plain"
        }
    };
    Some(html! {
        details.probes open {
            summary { "state: " (one_line(&headline)) }
            pre.probes {
                @for line in block.lines().skip(1) {
                    span class=(class(line)) { (line) } "\n"
                }
            }
        }
    })
}

fn output(card: &Card) -> Option<Markup> {
    let f = card.failure;
    if f.output.is_empty() {
        return None;
    }
    Some(html! {
        details open {
            summary { "output of " code { (one_line(&f.test)) } " (end)" }
            @if f.output_dropped > 0 {
                p.muted { "… " (f.output_dropped) " bytes of output before this were not kept" }
            }
            (output_block(&f.output))
        }
    })
}

fn root_cause_groups(report: &RunReport) -> Option<Markup> {
    let causes = root_causes(report);
    let shared = super::render::shared_victims(report);
    if causes.is_empty() && shared.is_empty() {
        return None;
    }
    Some(html! {
        ul {
            @for (polluters, victims) in &causes {
                li {
                    code { (one_line(&shell::join(polluters))) }
                    @if polluters.len() == 1 { " breaks " } @else { " break " }
                    (victims.len()) " tests: " code { (one_line(&shell::join(victims))) }
                }
            }
            @for (victim, polluters) in &shared {
                li { (one_line(&super::render::shared_victim_line(victim, polluters))) }
            }
        }
    })
}

fn bug_mode_tests(report: &RunReport) -> Option<Markup> {
    if report.tests.is_empty() {
        return None;
    }
    Some(html! {
        table.grid {
            tr { th { "result" } th.num { "time" } th { "test" } }
            @for t in &report.tests {
                tr {
                    td { (t.result) }
                    td.num { (format!("{:.2}s", t.seconds)) }
                    td.mono {
                        (one_line(&t.test))
                        @if let Some(out) = &t.output { (output_block(out)) }
                    }
                }
            }
        }
    })
}

fn hook_failures(report: &RunReport) -> Option<Markup> {
    if report.hook_failures.is_empty() {
        return None;
    }
    Some(html! {
        @for h in &report.hook_failures {
            p {
                strong { (h.hook) " failed (" (h.result) ")" }
                @match h.iteration {
                    Some(i) => { " in iteration " (i) },
                    None => { " in bug mode" },
                }
                ": " code { (one_line(&h.command)) }
            }
            (output_block(&h.output))
        }
    })
}

fn iterations(report: &RunReport) -> Option<Markup> {
    if report.iterations.is_empty() {
        return None;
    }
    Some(html! {
        table.grid {
            tr {
                th.num { "#" } th.num { "seed" } th.num { "length" } th.num { "run" }
                th.num { "time" } th { "result" }
            }
            @for it in &report.iterations {
                tr {
                    td.num { (it.index) }
                    td.num.mono { (it.seed) }
                    td.num { (it.length) }
                    td.num { (it.executed) }
                    td.num { (format!("{:.1}s", it.seconds)) }
                    td {
                        (it.result)
                        @if let (Some(test), Some(how)) = (&it.failed_test, &it.failure) {
                            ": " code { (one_line(test)) } " (" (how) ")"
                        }
                        @if let Some(driven) = &it.driven {
                            details {
                                summary { "driven: " (driven.len()) " tests" }
                                (sequence(driven, false))
                            }
                        }
                        @if let Some(out) = &it.output {
                            details {
                                summary { "output (does not match --match)" }
                                (output_block(out))
                            }
                        }
                    }
                }
            }
        }
    })
}

fn summary(report: &RunReport) -> Option<Markup> {
    let s = &report.stats;
    let o = &report.options;
    Some(html! {
        table {
            @match report.mode {
                Mode::BugMode => {
                    tr { th { "tests run" } td { (s.test_executions) } }
                    tr { th { "passed" } td { (report.passed_tests()) } }
                    tr { th { "failed" } td { (report.failed_tests()) } }
                },
                Mode::Smoke => {
                    tr { th { "iterations" } td {
                        (s.iterations_run) " of "
                        @match o.shard {
                            Some(shard) => { (shard.count(o.iterations)) " (" (shard)
                                "; the whole run has " (o.iterations) ")" },
                            None => { (o.iterations) },
                        }
                    } }
                    tr { th { "tests run" } td { (s.test_executions) } }
                    tr { th { "sequences run" } td { (s.sequence_runs) } }
                    tr { th { "failures found" } td {
                        (s.failures_found) " (" (s.unique_failures) " unique)"
                        @if s.unmatched_failures > 0 {
                            "; " (s.unmatched_failures)
                            " more ignored (output does not match --match)"
                        }
                    } }
                    @if let Some(seconds) = s.seconds_to_first_failure {
                        tr { th { "first failure" } td { (format!("after {seconds:.1}s")) } }
                    }
                    tr { th { "reduction" } td {
                        (s.reduction_tries) " tries, " (s.reductions) " successful, "
                        (s.reduction_executions) " test executions"
                    } }
                },
            }
        }
    })
}

fn options(report: &RunReport) -> Option<Markup> {
    let o = &report.options;
    let mut execution = o.execution.clone();
    if let Some(format) = &o.format {
        execution.push_str(&format!(", {format} results"));
    }
    if let Some(preset) = &o.preset {
        execution.push_str(&format!(", preset {preset}"));
    }
    let rows: Vec<(&str, String)> = [
        ("smoke version", Some(report.smoke_version.clone())),
        ("command", Some(shell::join(&report.argv))),
        ("options", Some(describe_options(report))),
        ("match", o.match_output.clone()),
        ("timeout", o.timeout.clone()),
        ("config", o.config.clone()),
        (
            "suite folder",
            Some(format!("{} ({} tests selected)", o.suite_dir, o.tests)),
        ),
        ("execution", Some(execution)),
        (
            if o.execution == "batch" {
                "batch"
            } else {
                "run"
            },
            Some(o.run.clone()),
        ),
        ("setup", o.setup.clone()),
        ("teardown", o.teardown.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .chain(o.env.iter().map(|(k, v)| ("env", format!("{k}={v}"))))
    .chain(report.resumed.iter().map(|r| ("resumed", r.describe())))
    .chain(
        report
            .merged_from
            .iter()
            .map(|m| ("merged from", m.describe())),
    )
    .chain(report.reproduced_from.iter().flat_map(|from| {
        let mut rows = vec![("reproduce", from.describe(report.iterations.len()))];
        if !from.unknown.is_empty() {
            rows.push(("left out", from.unknown.join(", ")));
        }
        rows
    }))
    .collect();
    Some(key_values(&rows))
}

fn build(report: &RunReport) -> Option<Markup> {
    let b = &report.build;
    let git = match (&b.git_commit, b.git_dirty) {
        (Some(commit), Some(true)) => format!("{commit} (dirty: uncommitted changes)"),
        (Some(commit), _) => commit.clone(),
        (None, _) => "- (not a git checkout)".to_string(),
    };
    let rows: Vec<(&str, String)> = [
        ("smoke", b.smoke_version.clone()),
        ("os", b.os.clone()),
        ("kernel", b.kernel.clone().unwrap_or("unknown".into())),
        ("arch", b.arch.clone()),
        ("cpus", b.cpus.to_string()),
        ("git commit", git),
    ]
    .into_iter()
    .chain(b.env.iter().map(|(k, v)| {
        (
            "env",
            format!("{k}={}", v.as_deref().unwrap_or("(not set)")),
        )
    }))
    .collect();
    Some(html! {
        (key_values(&rows))
        @for c in &b.commands {
            p { code { "$ " (one_line(&c.command)) } " [" (c.result) "]" }
            (output_block(&c.output))
        }
        @for raw in &report.raw_names {
            p.muted { "name " code { (one_line(&raw.name)) } " is not UTF-8; its bytes: "
                (format!("{:?}", raw.bytes)) }
        }
    })
}

/// A two-column table; every value on one line, control characters escaped.
pub(crate) fn key_values(rows: &[(&str, String)]) -> Markup {
    html! {
        table {
            @for (key, value) in rows {
                tr { th { (key) } td.mono { (one_line(value)) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::tests::{header, sample_report as report};
    use super::*;
    use crate::reduce::{Algorithm, Reduction};

    /// The whole page for a fixed run: a layout change shows up as a snapshot diff to review
    /// (`cargo insta review`). The inlined style sheet and script are left out of the snapshot
    /// (they are files of their own).
    #[test]
    fn the_html_report_layout_is_pinned() {
        let page = render_html(&report())
            .replace(CSS, "/* report.css */")
            .replace(JS, "/* report.js */")
            .replace("><", ">\n<");
        insta::assert_snapshot!(page);
    }

    #[test]
    fn names_commands_and_output_are_escaped_everywhere() {
        let mut r = report();
        let hostile = "<script>alert(1)</script> & \"q\" 'a'";
        let f = &mut r.failures[0];
        f.test = hostile.into();
        f.minimal = vec!["</ol><b>".into(), hostile.into()];
        f.original = f.minimal.clone();
        f.output = "</script><script>alert(2)</script>\n\"quotes\" & \x1b[2J\x07\r\0 done\n".into();
        f.replay = Some("smoke '<script>' \"&\"".into());
        f.hint = Some("<img src=x onerror=alert(3)>".into());
        r.argv.push("<iframe>".into());
        r.options.env.insert("X".into(), "</style>".into());
        r.build.commands.push(super::super::record::BuildCommand {
            command: "echo '<b>'".into(),
            result: "exit 0".into(),
            output: "<svg onload=alert(4)>\n".into(),
        });
        r.warnings.push("<marquee>".into());
        let page = render_html(&r);
        assert_eq!(
            page.matches("<script").count(),
            1,
            "only smoke's own script"
        );
        assert_eq!(page.matches("</script>").count(), 1);
        for raw in [
            "<img",
            "<iframe",
            "<svg onload",
            "<marquee",
            "</ol><b>",
            "</style>\n",
        ] {
            assert!(!page.contains(raw), "{raw} got through");
        }
        for escaped in [
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; 'a'",
            "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;",
            "&quot;quotes&quot; &amp; \\x1b[2J\\x07\\r\\x00 done",
            "smoke '&lt;script&gt;' &quot;&amp;&quot;",
            "&lt;img src=x onerror=alert(3)&gt;",
        ] {
            assert!(page.contains(escaped), "missing {escaped:?}");
        }
        let controls: Vec<char> = page
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(controls.is_empty(), "control characters: {controls:?}");
    }

    #[test]
    fn state_probes_show_each_test_s_diff_marked_and_escaped() {
        use crate::probe::{ProbeRecord, ProbeStep};
        let mut r = report();
        let step = |test: &str, diff: Option<&str>| ProbeStep {
            tests: vec![test.into()],
            result: "ok".into(),
            diff: diff.map(str::to_string),
            added: 1,
            removed: 1,
            diff_cut: 0,
            files: vec![],
            files_cut: 0,
            error: None,
        };
        r.failures[0].probe = Some(ProbeRecord {
            command: Some("ls state".into()),
            files: vec![],
            batch: false,
            noise_lines: 0,
            noise_files: 0,
            ignored_lines: 0,
            baseline_error: None,
            steps: vec![
                step("p", Some("@@ -1 +1 @@\n-clean\n+<script>dirty</script>\n")),
                step("v", None),
            ],
            summary: Some("p changed the probe's output; v failed after it".into()),
        });
        let page = render_html(&r);
        assert!(
            page.contains(
                "<summary>state: p changed the probe's output; v failed after it</summary>"
            ),
            "{page}"
        );
        assert!(
            page.contains("<span class=\"removed\">      | -clean</span>"),
            "{page}"
        );
        assert!(
            page.contains(
                "<span class=\"added\">      | +&lt;script&gt;dirty&lt;/script&gt;</span>"
            ),
            "{page}"
        );
        assert_eq!(
            page.matches("<script").count(),
            1,
            "only smoke's own script"
        );
        assert!(page.contains("after v (ok): no change"));
    }

    #[test]
    fn the_runner_state_joins_the_state_line_and_marks_what_the_victim_met_escaped() {
        use crate::probe::state::read;
        let mut r = report();
        let lines = [
            r#"{"begin": {"runner": "pytest", "names": 10, "noise": [], "seconds": 0.001}}"#,
            r#"{"test": "p", "changes": [{"kind": "module-global", "name": "m.REG", "before": "dict (1 key)", "after": "dict (2 keys)", "added": ["'<script>x</script>'"]}]}"#,
            r#"{"test": "v", "changes": []}"#,
        ]
        .join("\n");
        let mut state = read(&lines, 2, Some("v")).expect("read");
        r.failures[0].state_diff = std::mem::take(&mut state.changes);
        r.failures[0].state = Some(state);
        let page = render_html(&r);
        assert!(
            page.contains(
                "<summary>state: p added '&lt;script&gt;x&lt;/script&gt;' to m.REG; v failed \
                 with it in place</summary>"
            ),
            "{page}"
        );
        assert!(
            page.contains("<span class=\"added\">      module-global m.REG: dict (1 key) -&gt; dict (2 keys), added '&lt;script&gt;x&lt;/script&gt;' [met by the failing test]</span>"),
            "{page}"
        );
        assert_eq!(
            page.matches("<script").count(),
            1,
            "only smoke's own script"
        );
    }

    #[test]
    fn the_page_refers_to_nothing_outside_itself() {
        let page = render_html(&report());
        for needle in ["http:", "https:", "src=", "url(", "@import"] {
            let outside: Vec<&str> = page.matches(needle).collect();
            assert!(outside.is_empty(), "{needle} in the page");
        }
        for href in page.split("href=\"").skip(1) {
            assert!(href.starts_with('#'), "a link out of the page: {href:.40}");
        }
        assert!(page.contains(CSP));
        // The embedded files cannot end their own element early.
        assert!(!CSS.contains("</"), "report.css holds </");
        assert!(!JS.contains("</"), "report.js holds </");
    }

    #[test]
    fn the_chart_has_one_point_per_step_from_the_recorded_reductions() {
        let mut r = report();
        let f = &mut r.failures[0];
        f.original = (0..100).map(|i| format!("t{i}")).collect();
        f.reductions = [(Algorithm::BinaryHalf, 51), (Algorithm::Complement, 9)]
            .into_iter()
            .chain([(Algorithm::OneMinimal, 2)])
            .map(|(algorithm, length)| Reduction { algorithm, length })
            .collect();
        let svg = shrink_chart(f).into_string();
        assert_eq!(svg.matches("<circle").count(), 4, "{svg}");
        let points = svg
            .split("points=\"")
            .nth(1)
            .and_then(|p| p.split('"').next())
            .expect("a polyline");
        // Left to right, lengths 100, 51, 9, 2 scaled to the plot's height (14 to 140).
        assert_eq!(points, "48.0,14.0 200.0,75.7 352.0,128.7 504.0,137.5");
        assert!(
            svg.contains("<title>step 2: complement, 9 tests</title>"),
            "{svg}"
        );
        let page = render_html(&r);
        assert!(
            page.contains("Shrink path: 100 tests → 2 in 3 step(s): binary-half → 51, complement → 9, one-minimal → 2"),
            "{page}"
        );
        // No reductions, no chart.
        r.failures[0].reductions.clear();
        assert!(!render_html(&r).contains("<svg"));
    }

    #[test]
    fn a_run_that_found_nothing_and_a_bug_mode_run_say_so() {
        let mut r = header();
        r.status = "completed".into();
        let page = render_html(&r);
        assert!(page.contains("No test-order bug found so far (completed)."));
        assert!(page.contains("<title>smoke report: 0 order bug(s) (completed)</title>"));
        r.mode = Mode::BugMode;
        r.tests = vec![super::super::record::TestRecord {
            test: "b<".into(),
            result: "exit 1".into(),
            seconds: 0.25,
            output: Some("b broke\n".into()),
        }];
        let page = render_html(&r);
        assert!(!page.contains("No test-order bug"));
        assert!(page.contains("<td class=\"mono\">b&lt;<pre class=\"output\">b broke\n</pre>"));
        assert!(page.contains("bug mode: 0 tests run, 0 passed, 1 failed"));
    }
}
