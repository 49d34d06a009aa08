//! The report rendered: the run's model as the text a person reads and the JSON a program
//! reads, with the root causes derived from it. Pure: [`super::export`] writes what this makes.

use super::record::RunReport;
use super::{Mode, Proof, minimal_label, one_line, printable, quote_tail};
use crate::model::Order;
use crate::probe::ProbeRecord;
use crate::probe::state::{StateChange, StateDiff};
use crate::reduce::Reducer;
use crate::shell;
use std::fmt::Write as _;

/// How many lines of a failing test's output the text report shows (the JSON has the whole
/// kept tail).
const OUTPUT_LINES: usize = 40;

/// The JSON report: the model, then its root causes (derived, so never read back).
pub fn render_json(report: &RunReport) -> String {
    #[derive(serde::Serialize)]
    struct Json<'a> {
        #[serde(flatten)]
        report: &'a RunReport,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        root_causes: Vec<RootCause>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        shared_victims: Vec<SharedVictim>,
    }
    #[derive(serde::Serialize)]
    struct SharedVictim {
        victim: String,
        polluters: Vec<Vec<String>>,
    }
    #[derive(serde::Serialize)]
    struct RootCause {
        polluters: Vec<String>,
        victims: Vec<String>,
    }
    let root_causes = root_causes(report)
        .into_iter()
        .map(|(polluters, victims)| RootCause { polluters, victims })
        .collect();
    let shared_victims = shared_victims(report)
        .into_iter()
        .map(|(victim, polluters)| SharedVictim { victim, polluters })
        .collect();
    let mut json = serde_json::to_string_pretty(&Json {
        report,
        root_causes,
        shared_victims,
    })
    .expect("the report model always serializes");
    json.push('\n');
    json
}

/// How a test failed, after its name: `failed (exit 1)`, `failed (timeout)`, and just `failed`
/// for a batch runner's own verdict `failed`, which would otherwise read "failed (failed)".
pub fn failed_as(failure: &str) -> String {
    if failure == "failed" {
        "failed".to_string()
    } else {
        format!("failed ({failure})")
    }
}

/// The text report.
pub fn render_text(report: &RunReport) -> String {
    let mut t = String::new();
    let o = &report.options;
    // Every value is one line: a name or a command holding a newline or an escape sequence
    // cannot break the layout or reach a terminal raw. Labels take 18 columns, with at least
    // one space before the value ("  shortest failing" fills all 18).
    let line = |t: &mut String, key: &str, value: &dyn std::fmt::Display| {
        let _ = writeln!(t, "{key:<17} {}", one_line(&value.to_string()));
    };
    let _ = writeln!(t, "smoke report\n============");
    line(&mut t, "smoke version", &report.smoke_version);
    let mode = match report.mode {
        Mode::Smoke => "smoke",
        Mode::BugMode => "bug mode",
    };
    line(&mut t, "mode", &mode);
    line(&mut t, "status", &report.status);
    line(&mut t, "started", &report.started_at);
    line(
        &mut t,
        "finished",
        &report.finished_at.as_deref().unwrap_or("-"),
    );
    line(&mut t, "command", &shell::join(&report.argv));
    line(&mut t, "options", &describe_options(report));
    for r in &report.resumed {
        line(&mut t, "resumed", &r.describe());
    }
    for m in &report.merged_from {
        line(&mut t, "merged from", &m.describe());
    }
    if let Some(from) = &report.reproduced_from {
        line(&mut t, "reproduce", &from.describe(report.iterations.len()));
        if !from.unknown.is_empty() {
            line(&mut t, "left out", &from.unknown.join(", "));
        }
    }
    line(&mut t, "match", &o.match_output.as_deref().unwrap_or("-"));
    line(&mut t, "timeout", &o.timeout.as_deref().unwrap_or("none"));
    line(
        &mut t,
        "config",
        &o.config.as_deref().unwrap_or("- (flags only)"),
    );
    line(
        &mut t,
        "suite folder",
        &format!("{} ({} tests selected)", o.suite_dir, o.tests),
    );
    let mut execution = o.execution.clone();
    if let Some(format) = &o.format {
        execution.push_str(&format!(", {format} results"));
    }
    if let Some(preset) = &o.preset {
        execution.push_str(&format!(", preset {preset}"));
    }
    if let Some(runner) = &o.fork_server {
        execution.push_str(&format!(", forked from a {runner} fork server"));
    }
    if o.keep_going {
        execution.push_str(", keep going");
    }
    line(&mut t, "execution", &execution);
    line(
        &mut t,
        if o.execution == "batch" {
            "batch"
        } else {
            "run"
        },
        &o.run,
    );
    line(&mut t, "setup", &o.setup.as_deref().unwrap_or("-"));
    line(&mut t, "teardown", &o.teardown.as_deref().unwrap_or("-"));
    for (name, value) in &o.env {
        line(&mut t, "env", &format!("{name}={value}"));
    }
    for warning in &report.warnings {
        line(&mut t, "warning", warning);
    }

    if !report.tests.is_empty() {
        let _ = writeln!(t, "\nTests (bug mode)\n----------------");
        for test in &report.tests {
            let _ = writeln!(
                t,
                "{:<8} {:>8.2}s  {}",
                test.result,
                test.seconds,
                one_line(&test.test)
            );
            if let Some(output) = &test.output {
                push_output(&mut t, output);
            }
        }
    }

    if !report.iterations.is_empty() {
        let _ = writeln!(t, "\nIterations\n----------");
        let _ = writeln!(
            t,
            "{:>5}  {:>20}  {:>7}  {:>7}  {:>8}  result",
            "#", "seed", "length", "run", "time"
        );
        for it in &report.iterations {
            let failed = match (&it.failed_test, &it.failure) {
                (Some(test), Some(how)) => format!(": {} ({how})", one_line(test)),
                _ => String::new(),
            };
            let _ = writeln!(
                t,
                "{:>5}  {:>20}  {:>7}  {:>7}  {:>7.1}s  {}{}",
                it.index, it.seed, it.length, it.executed, it.seconds, it.result, failed
            );
        }
        // Driven iterations: what the driver chose is known only from the report.
        for it in &report.iterations {
            if let Some(driven) = &it.driven {
                let ran = if driven.is_empty() {
                    "no test".to_string()
                } else {
                    sequence(driven)
                };
                let _ = writeln!(t, "iteration {} driven: {ran}", it.index);
            }
        }
        // Failures --match ignored: their output, to check the pattern against.
        for it in &report.iterations {
            if let Some(output) = &it.output {
                let _ = writeln!(
                    t,
                    "\niteration {}: output of {} (does not match --match):",
                    it.index,
                    one_line(it.failed_test.as_deref().unwrap_or("-"))
                );
                push_output(&mut t, output);
            }
        }
    }

    for (i, h) in report.hook_failures.iter().enumerate() {
        if i == 0 {
            let _ = writeln!(
                t,
                "\nSetup and teardown failures\n---------------------------"
            );
        }
        let when = h
            .iteration
            .map_or("bug mode".to_string(), |i| format!("iteration {i}"));
        let _ = writeln!(
            t,
            "{} failed ({}) in {}: {}",
            h.hook,
            h.result,
            when,
            one_line(&h.command)
        );
        push_output(&mut t, &h.output);
    }

    if !report.failures.is_empty() {
        let _ = writeln!(t, "\nFailures\n--------");
    }
    for (i, f) in report.failures.iter().enumerate() {
        if i > 0 {
            t.push('\n');
        }
        let _ = writeln!(
            t,
            "Failure {}: {} {}",
            i + 1,
            one_line(&f.test),
            failed_as(&f.failure)
        );
        let class = f
            .classification
            .map_or("not classified (shrinking stopped)".into(), |c| {
                c.to_string()
            });
        line(
            &mut t,
            "  found in",
            &format!("iteration {} (seed {})", f.iteration, f.seed),
        );
        line(&mut t, "  classification", &class);
        let seen_in: Vec<String> = f.seen_in.iter().map(u32::to_string).collect();
        let mut seen = format!("{} time(s), iteration(s) {}", f.seen, seen_in.join(", "));
        if !f.seen_in_shards.is_empty() {
            let shards: Vec<String> = f.seen_in_shards.iter().map(u32::to_string).collect();
            seen.push_str(&format!(", in shard(s) {}", shards.join(", ")));
        }
        line(&mut t, "  seen", &seen);
        line(&mut t, "  original", &sequence(&f.original));
        let steps: Vec<String> = f
            .reductions
            .iter()
            .map(|r| format!("{} -> {}", r.algorithm, r.length))
            .collect();
        line(
            &mut t,
            "  reductions",
            &if steps.is_empty() {
                "none".to_string()
            } else {
                steps.join(", ")
            },
        );
        let proof = Proof::of(f);
        line(
            &mut t,
            &format!("  {}", minimal_label(f.proven_minimal)),
            &sequence(&f.minimal),
        );
        line(&mut t, "", &proof.to_string());
        if let Some(hint) = &f.hint {
            line(&mut t, "  hint", hint);
        }
        if let Some(seconds) = f.shrink_seconds {
            line(&mut t, "  shrink time", &format!("{seconds:.1}s"));
        }
        if let Some(earlier) = &f.same_cause_as {
            line(
                &mut t,
                "  same cause",
                &format!(
                    "as the failure of {} (its polluters, tried first)",
                    shell::quote(earlier)
                ),
            );
        }
        if let Some(replay) = &f.replay {
            line(&mut t, "  replay", replay);
        }
        if let Some(log) = &f.log {
            let rerun = f
                .rerun
                .as_deref()
                .map_or(String::new(), |r| format!(" (verbose rerun: {r})"));
            line(&mut t, "  log", &format!("{log}{rerun}"));
        }
        t.push_str(&state_block(
            f.state.as_ref(),
            &f.state_diff,
            f.probe.as_ref(),
            "verbose rerun",
        ));
        if !f.output.is_empty() {
            let _ = writeln!(t, "  output (end):");
            if f.output_dropped > 0 {
                let _ = writeln!(
                    t,
                    "    | ... ({} bytes of output before these not kept)",
                    f.output_dropped
                );
            }
            push_output(&mut t, &f.output);
        }
    }

    // One polluter often breaks several tests, and one test may break after any of several:
    // say so once.
    let causes = root_causes(report);
    let shared = shared_victims(report);
    if !causes.is_empty() || !shared.is_empty() {
        let _ = writeln!(t, "\nRoot causes\n-----------");
        for (polluters, victims) in causes {
            let _ = writeln!(
                t,
                "{} break{} {} tests: {}",
                one_line(&shell::join(&polluters)),
                if polluters.len() == 1 { "s" } else { "" },
                victims.len(),
                one_line(&shell::join(&victims))
            );
        }
        for (victim, polluters) in shared {
            let _ = writeln!(t, "{}", one_line(&shared_victim_line(&victim, &polluters)));
        }
    }

    let s = &report.stats;
    let _ = writeln!(t, "\nSummary\n-------");
    match report.mode {
        Mode::BugMode => {
            let failed = report.failed_tests();
            line(&mut t, "tests run", &s.test_executions);
            line(&mut t, "passed", &report.passed_tests());
            line(&mut t, "failed", &failed);
        }
        Mode::Smoke => {
            let iterations = match o.shard {
                Some(shard) => format!(
                    "{} of {} ({shard}; the whole run has {})",
                    s.iterations_run,
                    shard.count(o.iterations),
                    o.iterations
                ),
                None => format!("{} of {}", s.iterations_run, o.iterations),
            };
            let mut found = format!("{} ({} unique)", s.failures_found, s.unique_failures);
            if s.unmatched_failures > 0 {
                found.push_str(&format!(
                    "; {} more ignored (output does not match --match)",
                    s.unmatched_failures
                ));
            }
            let reduction = format!(
                "{} tries, {} successful, {} test executions",
                s.reduction_tries, s.reductions, s.reduction_executions
            );
            line(&mut t, "iterations", &iterations);
            line(&mut t, "tests run", &s.test_executions);
            line(&mut t, "sequences run", &s.sequence_runs);
            line(&mut t, "failures found", &found);
            if let Some(seconds) = s.seconds_to_first_failure {
                line(&mut t, "first failure", &format!("after {seconds:.1}s"));
            }
            line(&mut t, "reduction", &reduction);
        }
    }

    let b = &report.build;
    let _ = writeln!(t, "\nBuild parameters\n----------------");
    line(&mut t, "smoke", &b.smoke_version);
    line(&mut t, "os", &b.os);
    line(&mut t, "kernel", &b.kernel.as_deref().unwrap_or("unknown"));
    line(&mut t, "arch", &b.arch);
    line(&mut t, "cpus", &b.cpus);
    match (&b.git_commit, b.git_dirty) {
        (Some(commit), dirty) => {
            let dirty = if dirty == Some(true) {
                " (dirty: uncommitted changes)"
            } else {
                ""
            };
            line(&mut t, "git commit", &format!("{commit}{dirty}"));
        }
        (None, _) => line(&mut t, "git commit", &"- (not a git checkout)"),
    }
    for (name, value) in &b.env {
        let value = value.as_deref().unwrap_or("(not set)");
        line(&mut t, "env", &format!("{name}={value}"));
    }
    for c in &b.commands {
        let _ = writeln!(t, "$ {}  [{}]", one_line(&c.command), c.result);
        push_output(&mut t, &c.output);
    }
    t
}

/// What smoke's helper inside the runner found, in one line: who left what in the runner's
/// process for the failing test, or that nothing it watched was still changed.
pub fn inside_headline(state: &crate::probe::state::StateDiff) -> String {
    if let Some(summary) = &state.summary {
        return summary.clone();
    }
    let runner = state.runner.as_deref().unwrap_or("runner");
    let watched = state
        .names
        .map_or(String::new(), |n| format!(" ({n} names watched)"));
    if state.tests == 0 {
        return format!("smoke's {runner} helper saw no test end{watched}");
    }
    format!(
        "nothing the tests before it changed inside the {runner} process was still changed \
         when it failed{watched}"
    )
}

/// The state probes' finding in one line: who left what for whom, or that nothing changed, or
/// that the probe never worked.
pub fn probe_headline(probe: &ProbeRecord) -> String {
    if let Some(summary) = &probe.summary {
        return summary.clone();
    }
    let failed = probe.steps.iter().all(|s| s.error.is_some()) && probe.files.is_empty();
    match (&probe.baseline_error, failed) {
        (Some(why), true) => format!("the probe failed every time ({why}); nothing to compare"),
        _ => "no test changed what the probes watch".to_string(),
    }
}

/// The one `state` line of a failure (or of a replayed sequence): what smoke's helper saw
/// inside the runner, then what the probes saw outside; `None` when neither looked.
pub fn state_headline(inside: Option<&StateDiff>, probe: Option<&ProbeRecord>) -> Option<String> {
    let said: Vec<String> = inside
        .map(inside_headline)
        .into_iter()
        .chain(probe.map(probe_headline))
        .collect();
    (!said.is_empty()).then(|| said.join("; "))
}

/// The most changes inside the runner a text report lists under a failure (the JSON report's
/// `state_diff` has them all).
const INSIDE_LINES: usize = 60;

/// The state seen during a probed run, as text lines indented under a failure (or a replayed
/// sequence): the `state` line, then each change smoke's helper saw a test make inside the
/// runner, then the probes' findings. `when` names the probed run (`verbose rerun`, `first
/// run`); empty when nothing looked. Every line is escaped.
pub fn state_block(
    inside: Option<&StateDiff>,
    changes: &[StateChange],
    probe: Option<&ProbeRecord>,
    when: &str,
) -> String {
    let mut t = String::new();
    let Some(headline) = state_headline(inside, probe) else {
        return t;
    };
    let _ = writeln!(t, "  {:<16}{}", "state", one_line(&headline));
    if let Some(state) = inside {
        let mut how = vec![format!(
            "smoke's {} helper, {when}: before the first test and after each",
            state.runner.as_deref().unwrap_or("runner")
        )];
        if let Some(names) = state.names {
            how.push(format!("{names} names watched"));
        }
        if let Some(ms) = state.snapshot_ms {
            how.push(format!("{ms} ms a look"));
        }
        if !state.noise.is_empty() {
            how.push(format!(
                "{} name(s) left out as noise (they change on their own, or in every test): {}",
                state.noise.len(),
                state
                    .noise
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let _ = writeln!(t, "  {:<16}{}", "inside", one_line(&how.join("; ")));
        let mut last_test: Option<&str> = None;
        for c in changes.iter().take(INSIDE_LINES) {
            if last_test != Some(c.test.as_str()) {
                let _ = writeln!(t, "    after {}:", one_line(&c.test));
                last_test = Some(&c.test);
            }
            let _ = writeln!(t, "      {}", one_line(&change_line(c)));
        }
        let more = changes.len().saturating_sub(INSIDE_LINES) + state.cut;
        if more > 0 {
            let _ = writeln!(
                t,
                "    ... ({more} more change(s): the JSON report's state_diff)"
            );
        }
        for note in &state.notes {
            let _ = writeln!(t, "    note: {}", one_line(note));
        }
    }
    if let Some(probe) = probe {
        t.push_str(&probe_block(probe, when));
    }
    t
}

/// One change inside the runner for the text report: `module-global pkg.REG: dict (3 keys) ->
/// dict (4 keys), added 'x' [met by the failing test]`.
fn change_line(c: &StateChange) -> String {
    let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_string());
    let mut line = format!(
        "{} {}: {} -> {}",
        c.kind,
        c.name,
        value(&c.before),
        value(&c.after)
    );
    if !c.added.is_empty() {
        let _ = write!(line, ", added {}", c.added.join(", "));
    }
    if !c.removed.is_empty() {
        let _ = write!(line, ", removed {}", c.removed.join(", "));
    }
    if c.present {
        line.push_str(" [met by the failing test]");
    }
    line
}

/// A failure's (or a replay's) state probes as text lines, indented under it: what was probed
/// and the noise dropped, then each test's changes and diff (the headline is
/// [`state_block`]'s). `when` names the probed run (`verbose rerun`, `first run`). Every line
/// is escaped.
fn probe_block(probe: &ProbeRecord, when: &str) -> String {
    let mut t = String::new();
    let mut what = Vec::new();
    if !probe.files.is_empty() {
        what.push(format!("files {}", shell::join(&probe.files)));
    }
    if let Some(command) = &probe.command {
        what.push(format!("command {}", shell::quote(command)));
    }
    let mut how = vec![if probe.batch {
        format!("{when}, batch mode: before and after the whole batch, not between its tests")
    } else {
        format!("{when}: before the first test and after each")
    }];
    if probe.command.is_some() {
        how.push(format!(
            "{} noisy line(s) ignored (they differed between two probe runs before the first \
             test)",
            probe.noise_lines
        ));
        if probe.ignored_lines > 0 {
            how.push(format!(
                "{} line(s) dropped by probe-ignore",
                probe.ignored_lines
            ));
        }
    }
    if probe.noise_files > 0 {
        how.push(format!(
            "{} noisy file(s) ignored (they changed between two looks before the first test)",
            probe.noise_files
        ));
    }
    let _ = writeln!(
        t,
        "  {:<16}{}",
        "probes",
        one_line(&format!("{} ({})", what.join("; "), how.join("; ")))
    );
    if let Some(why) = &probe.baseline_error {
        let _ = writeln!(
            t,
            "    before the first test: probe failed: {}",
            one_line(why)
        );
    }
    for step in &probe.steps {
        let who = match step.tests.as_slice() {
            [one] => one.clone(),
            many => format!("the batch of {} tests", many.len()),
        };
        let quiet = step.diff.is_none() && step.files.is_empty() && step.error.is_none();
        let _ = writeln!(
            t,
            "    after {} ({}){}",
            one_line(&who),
            step.result,
            if quiet { ": no change" } else { ":" }
        );
        if let Some(why) = &step.error {
            let _ = writeln!(
                t,
                "      probe failed: {} (not compared; the test's result stands)",
                one_line(why)
            );
        }
        for change in &step.files {
            let _ = writeln!(t, "      {}", one_line(&crate::probe::describe(change)));
        }
        if step.files_cut > 0 {
            let _ = writeln!(
                t,
                "      ... ({} more file change(s) not kept)",
                step.files_cut
            );
        }
        if let Some(diff) = &step.diff {
            for line in diff.lines() {
                let _ = writeln!(t, "      | {}", one_line(line));
            }
            if step.diff_cut > 0 {
                let _ = writeln!(
                    t,
                    "      | ... ({} more diff line(s) not kept)",
                    step.diff_cut
                );
            }
        }
    }
    t
}

/// The options line: order, times, iterations, base seed and how one iteration replays alone,
/// the shard and a reducer other than the default. The text and HTML reports both show it.
pub(super) fn describe_options(report: &RunReport) -> String {
    let o = &report.options;
    let options = match report.mode {
        Mode::BugMode => format!(
            "bug mode: the selected tests in order, not stopping; tests get SMOKE_SEED={}",
            o.seed
        ),
        Mode::Smoke if o.order == Order::External => format!(
            "order external, controller {}, iterations {}, base seed {} (each of the \
             controller's sequences is an iteration; iteration i gets seed {} + i - 1 in its \
             start line and as SMOKE_SEED)",
            shell::quote(o.controller.as_deref().unwrap_or("-")),
            o.iterations,
            o.seed,
            o.seed
        ),
        Mode::Smoke if o.order.is_deterministic() => format!(
            "order {}, times {} (the same every run; tests get SMOKE_SEED={})",
            o.order, o.times, o.seed
        ),
        Mode::Smoke if o.order == Order::Random => format!(
            "order {}, times {}, iterations {}, base seed {} (iteration i uses seed {} + i - 1)",
            o.order, o.times, o.iterations, o.seed, o.seed
        ),
        // Their iterations are not replayed by a seed alone: say what is.
        Mode::Smoke => {
            let what = match o.order {
                Order::Mirror => format!(
                    "odd iteration i runs random with seed {} + i - 1, even i the iteration \
                 before it reversed",
                    o.seed
                ),
                Order::Tuscan => format!(
                    "iteration i runs {} of the Tuscan square from row i; tests get SMOKE_SEED={} \
                 + i - 1",
                    if o.times > 1 { "rows" } else { "the row" },
                    o.seed
                ),
                _ => format!(
                    "iteration i runs the i-th distinct order, lexicographic by suite position; \
                 tests get SMOKE_SEED={} + i - 1",
                    o.seed
                ),
            };
            format!(
                "order {}, times {}, iterations {}, base seed {} ({what}; iteration i alone: \
             --order {} --times {} --seed {} --iterations i --shard i/i)",
                o.order, o.times, o.iterations, o.seed, o.order, o.times, o.seed
            )
        }
    };
    let options = match (o.shard, report.mode) {
        (Some(shard), Mode::Smoke) => {
            format!("{options}; {shard}: {}", shard.describe(o.iterations))
        }
        _ => options,
    };
    let options = match &o.control_dir {
        Some(dir) => format!(
            "{options}; driven through the control folder {} (each smoke op ran the next test, \
             smoke check ended the sequence)",
            shell::quote(dir)
        ),
        None => options,
    };
    // The default reducer goes unsaid (the JSON's `options.reduce` always says it).
    match (report.mode, o.reduce) {
        (Mode::Smoke, Reducer::Testsmoke) => format!("{options}; reduce {}", o.reduce),
        _ => options,
    }
}

/// The polluters (a minimal sequence without its last test) that make more than one test fail,
/// each with those tests, in the order found.
pub fn root_causes(report: &RunReport) -> Vec<(Vec<String>, Vec<String>)> {
    grouped(report, |polluters, victim| {
        (polluters.to_vec(), victim.to_string())
    })
}

/// The tests that fail after more than one different polluter, each with those polluters, in
/// the order found: interchangeable polluters share a cause (a fixture, a module they import).
pub fn shared_victims(report: &RunReport) -> Vec<(String, Vec<Vec<String>>)> {
    grouped(report, |polluters, victim| {
        (victim.to_string(), polluters.to_vec())
    })
}

/// The failures with polluters, as `key` splits each (polluters, victim) pair into a key and a
/// member, grouped by key in the order found, each member once; only groups of two or more.
fn grouped<K: PartialEq, M: PartialEq>(
    report: &RunReport,
    key: impl Fn(&[String], &str) -> (K, M),
) -> Vec<(K, Vec<M>)> {
    let mut groups: Vec<(K, Vec<M>)> = Vec::new();
    for f in &report.failures {
        let Some((victim, polluters)) = f.minimal.split_last() else {
            continue;
        };
        if polluters.is_empty() {
            continue;
        }
        let (k, member) = key(polluters, victim);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, members)) if !members.contains(&member) => members.push(member),
            Some(_) => {}
            None => groups.push((k, vec![member])),
        }
    }
    groups.retain(|(_, members)| members.len() > 1);
    groups
}

/// `v fails after any of 3 tests: p q r (...)`, for [`shared_victims`].
pub fn shared_victim_line(victim: &str, polluters: &[Vec<String>]) -> String {
    let each: Vec<String> = polluters.iter().map(shell::join).collect();
    let mut line = format!(
        "{} fails after any of {} tests: {}",
        shell::quote(victim),
        polluters.len(),
        each.join(" | ")
    );
    if polluters.len() >= crate::report::MANY_POLLUTERS {
        line.push_str(
            " (interchangeable: look for what they share, a fixture or a module; later failures \
             of it were counted, not shrunk)",
        );
    }
    line
}

/// The end of an output, control characters escaped (the JSON and the logs keep it raw).
fn push_output(t: &mut String, output: &str) {
    t.push_str(&quote_tail(
        &printable(output),
        OUTPUT_LINES,
        "in the JSON report",
    ));
}

/// `N tests: a b c`, the names quoted for a shell; a long sequence shows its first and last
/// names only (the JSON report has it whole), so one line stays readable.
fn sequence(names: &[String]) -> String {
    const HEAD: usize = 30;
    const TAIL: usize = 5;
    if names.len() <= HEAD + TAIL + 5 {
        return format!("{} tests: {}", names.len(), shell::join(names));
    }
    format!(
        "{} tests: {} … ({} more, in the JSON report) … {}",
        names.len(),
        shell::join(&names[..HEAD]),
        names.len() - HEAD - TAIL,
        shell::join(&names[names.len() - TAIL..])
    )
}

#[cfg(test)]
mod tests {
    use super::super::record::tests::{header, sample_report as report};
    use super::*;

    #[test]
    fn json_has_the_documented_fields_and_round_trips() {
        let r = report();
        let json = render_json(&r);
        let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        for key in [
            "smoke_version",
            "started_at",
            "finished_at",
            "completed",
            "argv",
            "options",
            "build",
            "iterations",
            "failures",
            "stats",
        ] {
            assert!(value.get(key).is_some(), "missing {key}");
        }
        for key in ["order", "times", "iterations", "seed"] {
            assert!(value["options"].get(key).is_some(), "missing options.{key}");
        }
        let f = &value["failures"][0];
        assert_eq!(f["failure"], "exit 1");
        assert_eq!(f["classification"], "order-dependent");
        assert_eq!(f["original"], serde_json::json!(["p", "v"]));
        assert_eq!(
            f["reductions"][0],
            serde_json::json!({"algorithm": "binary-half", "length": 2})
        );
        assert_eq!(value["iterations"][0]["failed_test"], "v");
        assert_eq!(value["stats"]["test_executions"], 2);
        let back: RunReport = serde_json::from_str(&json).expect("parses back");
        assert_eq!(back, r);
    }

    #[test]
    fn failures_that_share_their_polluters_are_grouped_as_one_root_cause() {
        let mut r = report();
        let mut second = r.failures[0].clone();
        second.test = "w".into();
        second.minimal = vec!["p".into(), "w".into()];
        second.same_cause_as = Some("v".into());
        r.failures.push(second);
        let mut alone = r.failures[0].clone();
        alone.minimal = vec!["x".into()];
        r.failures.push(alone);
        assert_eq!(
            root_causes(&r),
            [(
                vec!["p".to_string()],
                vec!["v".to_string(), "w".to_string()]
            )]
        );
        let text = render_text(&r);
        assert!(
            text.contains("Root causes\n-----------\np breaks 2 tests: v w\n"),
            "{text}"
        );
        assert!(
            text.contains("  same cause      as the failure of v (its polluters, tried first)"),
            "{text}"
        );
    }

    #[test]
    fn a_reproduction_says_where_its_order_came_from_in_text_html_and_json() {
        let mut r = report();
        r.reproduced_from = Some(crate::report::record::ReproducedFrom {
            evidence: vec!["ci/junit.xml".into()],
            source: "junit".into(),
            format: "JUnit XML".into(),
            named: 40,
            unknown: vec!["tests/gone.py::test_x".into()],
            length: 12,
            failing: vec![crate::report::record::ReproducedTest {
                test: "v".into(),
                reproduced: true,
            }],
            tries: 3,
            verdict: Some("reproduced".into()),
            ..Default::default()
        });
        let text = render_text(&r);
        assert!(
            text.lines().any(|l| l.starts_with("reproduce ")
                && l.ends_with("reproduced: v failed again in the order of ci/junit.xml (JUnit XML) (12 tests, try 2 of 3)")),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("left out ") && l.ends_with(" tests/gone.py::test_x")),
            "{text}"
        );
        let html = crate::report::html::render_html(&r);
        assert!(html.contains("reproduced: v failed again"), "{html}");
        let json: serde_json::Value = serde_json::from_str(&render_json(&r)).expect("JSON");
        assert_eq!(json["reproduced_from"]["verdict"], "reproduced");
        assert_eq!(json["reproduced_from"]["failing"][0]["reproduced"], true);
        // Other runs' reports leave it out.
        let plain: serde_json::Value = serde_json::from_str(&render_json(&report())).expect("JSON");
        assert!(plain.get("reproduced_from").is_none());
    }

    #[test]
    fn a_long_sequence_shows_its_ends_and_says_where_the_rest_is() {
        let names: Vec<String> = (0..1700).map(|i| format!("t{i}")).collect();
        let line = sequence(&names);
        assert!(line.starts_with("1700 tests: t0 t1 "), "{line}");
        assert!(
            line.contains(" t29 … (1665 more, in the JSON report) … t1695 "),
            "{line}"
        );
        assert!(line.ends_with(" t1699"), "{line}");
        assert!(line.len() < 400, "one readable line: {}", line.len());
        assert_eq!(sequence(&names[..3]), "3 tests: t0 t1 t2");
    }

    #[test]
    fn every_seed_in_the_json_has_an_exact_string_twin() {
        fn walk(value: &serde_json::Value, found: &mut usize) {
            match value {
                serde_json::Value::Object(map) => {
                    if let Some(seed) = map.get("seed") {
                        *found += 1;
                        let number = seed.as_u64().expect("a seed is a u64");
                        assert_eq!(map["seed_str"], number.to_string(), "{map:?}");
                    }
                    map.values().for_each(|v| walk(v, found));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
                _ => {}
            }
        }
        let value: serde_json::Value =
            serde_json::from_str(&render_json(&report())).expect("valid JSON");
        let mut found = 0;
        walk(&value, &mut found);
        assert!(found >= 4, "options, iterations and failures: {found}");
    }

    /// The whole text report for a fixed run (no clock, no paths): a format change shows up as
    /// a snapshot diff to review (`cargo insta review`, or INSTA_UPDATE=always).
    #[test]
    fn the_text_report_layout_is_pinned() {
        insta::assert_snapshot!(render_text(&report()));
    }

    #[test]
    fn the_options_say_how_to_replay_an_iteration_of_every_order() {
        let options_line = |order, times| {
            let mut r = report();
            r.options.order = order;
            r.options.times = times;
            let text = render_text(&r);
            let line = text
                .lines()
                .find(|l| l.starts_with("options"))
                .expect("an options line");
            line.trim_start_matches("options").trim().to_string()
        };
        assert_eq!(
            options_line(Order::Random, 2),
            "order random, times 2, iterations 3, base seed 1 (iteration i uses seed 1 + i - 1)"
        );
        assert_eq!(
            options_line(Order::Reverse, 1),
            "order reverse, times 1 (the same every run; tests get SMOKE_SEED=1)"
        );
        assert_eq!(
            options_line(Order::Mirror, 2),
            "order mirror, times 2, iterations 3, base seed 1 (odd iteration i runs random with \
             seed 1 + i - 1, even i the iteration before it reversed; iteration i alone: --order \
             mirror --times 2 --seed 1 --iterations i --shard i/i)"
        );
        assert_eq!(
            options_line(Order::Tuscan, 2),
            "order tuscan, times 2, iterations 3, base seed 1 (iteration i runs rows of the \
             Tuscan square from row i; tests get SMOKE_SEED=1 + i - 1; iteration i alone: \
             --order tuscan --times 2 --seed 1 --iterations i --shard i/i)"
        );
        assert_eq!(
            options_line(Order::Exhaustive, 1),
            "order exhaustive, times 1, iterations 3, base seed 1 (iteration i runs the i-th \
             distinct order, lexicographic by suite position; tests get SMOKE_SEED=1 + i - 1; \
             iteration i alone: --order exhaustive --times 1 --seed 1 --iterations i --shard i/i)"
        );
    }

    #[test]
    fn text_shows_the_failure_the_replay_and_the_build() {
        let text = render_text(&report());
        for needle in [
            "base seed 1 (iteration i uses seed 1 + i - 1)",
            "Failure 1: v failed (exit 1)",
            "order-dependent",
            "2 time(s), iteration(s) 1, 2",
            "binary-half -> 2",
            "2 tests: p v",
            "1-minimal, verified: it fails, and passes with any one test dropped; 2 candidate runs, 3 test executions",
            "smoke --order rotate --times 1 p v",
            "r.failure-1.log (verbose rerun: exit 1)",
            "    | boom",
            "kernel            6.1",
            "failures found    2 (1 unique)",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }

    #[test]
    fn a_bug_mode_report_says_what_ran_and_counts_passes_and_failures() {
        use super::super::record::TestRecord;
        let mut r = header();
        r.mode = Mode::BugMode;
        r.stats.test_executions = 2;
        r.tests = vec![
            TestRecord {
                test: "a".into(),
                result: "ok".into(),
                seconds: 0.5,
                output: None,
            },
            TestRecord {
                test: "b".into(),
                result: "exit 1".into(),
                seconds: 0.25,
                output: Some("b broke\n".into()),
            },
        ];
        let text = render_text(&r);
        for needle in [
            "mode              bug mode",
            "bug mode: the selected tests in order, not stopping; tests get SMOKE_SEED=1",
            "exit 1       0.25s  b",
            "    | b broke",
            "passed            1",
            "failed            1",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        assert!(
            !text.contains("\niterations"),
            "no iteration count in bug mode\n{text}"
        );
    }

    #[test]
    fn the_options_name_the_testsmoke_reducer_and_the_json_always_names_one() {
        let mut r = report();
        let json: serde_json::Value = serde_json::from_str(&render_json(&r)).expect("JSON");
        assert_eq!(json["options"]["reduce"], "smoke");
        assert!(!render_text(&r).contains("reduce"));
        r.options.reduce = Reducer::Testsmoke;
        let text = render_text(&r);
        assert!(
            text.contains("(iteration i uses seed 1 + i - 1); reduce testsmoke\n"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&render_json(&r)).expect("JSON");
        assert_eq!(json["options"]["reduce"], "testsmoke");
        // Reports from before --reduce read as smoke's.
        let mut old = json.clone();
        old["options"]
            .as_object_mut()
            .expect("options")
            .remove("reduce");
        let back: RunReport = serde_json::from_value(old).expect("an old report reads");
        assert_eq!(back.options.reduce, Reducer::Smoke);
    }

    #[test]
    fn a_shard_s_report_names_its_shard_and_its_share_of_the_iterations() {
        let mut r = report();
        r.options.iterations = 10;
        r.options.shard = crate::shard::Shard::new(2, 3);
        r.stats.iterations_run = 3;
        let text = render_text(&r);
        for needle in [
            "options           order random, times 2, iterations 10, base seed 1 (iteration i uses \
             seed 1 + i - 1); shard 2 of 3: iterations 2, 5, 8\n",
            "iterations        3 of 3 (shard 2 of 3; the whole run has 10)\n",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        let json: serde_json::Value = serde_json::from_str(&render_json(&r)).expect("JSON");
        assert_eq!(
            json["options"]["shard"],
            serde_json::json!({"index": 2, "total": 3})
        );
        assert!(json.get("merged_from").is_none(), "only merged reports");
        let unsharded: serde_json::Value =
            serde_json::from_str(&render_json(&report())).expect("JSON");
        assert_eq!(unsharded["options"]["shard"], serde_json::Value::Null);
        assert!(unsharded["failures"][0].get("seen_in_shards").is_none());
    }
}
