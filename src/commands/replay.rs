//! `smoke replay`: record, replay, compare. The failures a report recorded are run again with
//! the suite as it is configured now, and each gets a verdict: still fails, fixed, flaky now,
//! fails differently, or cannot replay. So a team can keep a report of the order bugs it fixed
//! and replay it in CI to keep them from coming back.
//!
//! This is the edge: the session reads the report and rebuilds its suite (`config::from_report`:
//! `--config`, `./smoke.toml`, else the run's own config file, with the run's flags over it;
//! the shell commands only the report holds run with `--trust-report` alone); here the
//! sequences go to the runner and the replay report is written beside the usual ones. The
//! verdicts, the replay report's model and its forms are pure, in `report::replay`; nothing
//! here decides a verdict.

use super::session::Session;
use crate::cli::ReplayArgs;
use crate::config::Verbosity;
use crate::interrupt;
use crate::report;
use crate::report::replay::{
    Head, Ran, ReplayRecord, ReplayReport, Verdict, choose, exit_code, find, judge, line,
    render_html, render_json, render_text,
};
use crate::runner::Replayed;
use crate::term::outln;
use std::path::PathBuf;

/// Runs of each sequence when `--retries` is not given: 2 + 1.
pub(crate) const DEFAULT_RETRIES: u32 = 2;

/// `smoke replay`: returns the exit code.
pub(crate) fn run(args: ReplayArgs, session: &Session) -> anyhow::Result<u8> {
    let rerun = session.rerun(
        "replay",
        &args.from,
        args.config.as_deref(),
        args.trust_report,
        &args.probes,
        args.jobs,
    )?;
    let (recorded, config, names) = (&rerun.recorded, &rerun.config, &rerun.names);
    let (label, same_output) = (&rerun.label, &rerun.same_output);
    // Secrets of smoke's environment and of the suite's `[suite.env]`, as a run hides them.
    let redactor = Session::redactor(&config.env);
    let quiet = args.output.quiet;
    let chosen = choose(recorded, args.failure, &args.from)?;
    let runs = args.retries.unwrap_or(DEFAULT_RETRIES) + 1;
    let mut records = Vec::new();
    let mut sequences = Vec::new();
    for (n, f) in &chosen {
        let sequence = if args.original {
            &f.original
        } else {
            &f.minimal
        };
        let (ids, mut missing) = find(names, sequence);
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
            state: None,
            state_diff: Vec::new(),
        });
        sequences.push(ids);
    }
    let files = session.report_files(args.config.as_deref(), &args.output, "smoke-replay")?;
    let mut replay = ReplayReport {
        head: Head::new(
            "replay",
            session.started,
            &session.argv,
            &redactor,
            &args.from,
            label.clone(),
        ),
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
    let executors = Session::executors(config);
    let verbosity = if quiet {
        Verbosity::Quiet
    } else {
        config.verbosity
    };
    let mut console = Session::console(verbosity, redactor.clone());
    let no_log = |_: usize| PathBuf::new();
    let runner = session.runner(config, names, executors, &mut console, &no_log)?;
    let to_run = runnable.iter().map(|&i| sequences[i].clone()).collect();
    let (replayed, interrupted) = runner.replay(to_run, runs, true)?;
    for (&i, runs_of) in runnable.iter().zip(&replayed) {
        let f = &mut replay.failures[i];
        let same = |output: &[u8]| {
            same_output
                .as_ref()
                .is_none_or(|re| re.is_match(&String::from_utf8_lossy(output)))
        };
        let (verdict, same_way, passed, other) =
            judge(&f.recorded, f.sequence.len(), runs_of.iter().map(ran), same);
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
            .map(|failed| redactor.apply(&report::lossy(&failed.output)));
        f.probe = runs_of
            .iter()
            .find_map(|r| r.probe.clone())
            .map(|p| p.redacted(|t| redactor.apply(t)));
        if let Some(mut state) = runs_of
            .iter()
            .find_map(|r| r.state.clone())
            .map(|s| s.redacted(|t| redactor.apply(t), report::Redactor::looks_secret))
        {
            f.state_diff = std::mem::take(&mut state.changes);
            f.state = Some(state);
        }
    }
    replay
        .head
        .finish(interrupted.is_some(), chrono::Local::now());
    files.write_rendered(
        &render_text(&replay),
        &render_json(&replay),
        Some(&render_html(&replay)),
    )?;

    let lines: Vec<String> = replay
        .failures
        .iter()
        .map(
            |f| match report::render::state_headline(f.state.as_ref(), f.probe.as_ref()) {
                Some(state) => format!("{}\n  state: {}", line(f), report::one_line(&state)),
                None => line(f),
            },
        )
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

/// A replayed run as its verdict sees it.
fn ran(run: &Replayed) -> Ran<'_> {
    match (&run.stopped, &run.failed) {
        (Some(_), _) => Ran::Stopped,
        (None, None) => Ran::Passed,
        (None, Some(f)) => Ran::Failed {
            position: f.position,
            outcome: f.outcome,
            output: &f.output,
        },
    }
}
