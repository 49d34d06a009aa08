//! `smoke resume REPORT.json`: take a stopped run (Ctrl-C, a CI job's time limit, a dropped
//! ssh, a killed machine) up again from its report, into the same report.
//!
//! The report holds all it needs: the run's suite and options (its `options.suite` record, read
//! back by `config::from_report`, as `replay` and `diagnose` read it: the config file the run
//! used, its flags, the recorded seed; the shell commands only the report holds run with
//! `--trust-report` alone), every iteration that ended, and
//! each failure's shortest failing sequence so far. The resumed run first shrinks again each
//! failure whose shrink did not end, from that sequence, then runs the iterations the run had
//! not done, each with its own seed, as the run would have; failures already shrunk are known,
//! so a later failure holding one is counted as that one again. The suite must be the one the
//! run saw (same selected tests, order, times and iterations), or resume refuses, saying what
//! changed. The report is rewritten in place as the run goes, with a `resumed` entry; logs of
//! earlier failures are kept.

use super::session::Session;
use crate::cli::ResumeArgs;
use crate::config::Config;
use crate::error::{ConfigError, exit};
use crate::interrupt;
use crate::model::{Outcome, TestId};
use crate::report::export::ReportFiles;
use crate::report::record::{Recorder, Resumption, RunReport};
use crate::report::{self, Fanout, Mode};
use crate::runner::{Resume, ResumedFailure};
use crate::suite;
use crate::term::{errln, outln};
use std::collections::BTreeSet;
use std::path::Path;

/// Resume the run of `args.from`; returns the exit code of the whole run.
pub(crate) fn run(args: ResumeArgs, session: &Session) -> anyhow::Result<u8> {
    let json = session.cwd.join(&args.from);
    let recorded = session.read_report(
        &args.from,
        "smoke resume takes the JSON report of a stopped run; to run a test called resume \
         instead, put -- first: smoke -- resume ...",
        "give the .json report the stopped run wrote",
    )?;
    if let Some(done) = nothing_to_resume(&recorded, &args.from)? {
        return Ok(done);
    }
    if let Some(dir) = &recorded.options.control_dir {
        return Err(control_dir_error(Path::new(dir)).into());
    }
    let ask = crate::config::ReportSuite {
        from: &args.from,
        config: args.config.as_deref(),
        cwd: &session.cwd,
        trust: args.trust_report,
        whole_run: true,
        probes: &crate::cli::ProbeArgs::default(),
        jobs: None,
    };
    let (mut config, _) = session.config_from_report(&recorded, &ask, |cli| {
        // The report is written again in place.
        cli.report = Some(json.with_extension("txt"));
        cli.quiet = args.quiet;
    })?;
    if let Some(crate::config::Driving::ControlDir(dir)) = &config.driving {
        return Err(control_dir_error(dir).into());
    }
    // A `smoke reproduce` run's iterations are tries of one order: none after one that failed.
    config.until_found = recorded.reproduced_from.is_some();

    let mut warnings = config.warnings.clone();
    // `_built`: the suite's built test binaries (go), removed when the run ends.
    let suite::Listed {
        names,
        built: _built,
    } = session.list(&config, None, &mut warnings)?;
    let selection = suite::select(&names, &config.selected)?;
    config.count_iterations(&selection, &mut warnings)?;
    same_run(&recorded, &config, selection.len())?;

    let by_name = |name: &str| -> anyhow::Result<TestId> {
        names
            .all_shown()
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| {
                ConfigError::new(format!(
                    "the report's test '{name}' is not in the suite any more; resume needs the \
                     suite the run saw"
                ))
                .into()
            })
    };
    let mut failures = Vec::with_capacity(recorded.failures.len());
    let mut unfinished = Vec::new();
    for (id, f) in recorded.failures.iter().enumerate() {
        let outcome = Outcome::from_short(&f.failure).ok_or_else(|| {
            ConfigError::new(format!(
                "the report's failure {} has an outcome smoke cannot read: '{}'",
                id + 1,
                f.failure
            ))
        })?;
        let sequence = f
            .minimal
            .iter()
            .map(|n| by_name(n))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let victim = by_name(&f.test)?;
        if sequence.last() != Some(&victim) {
            return Err(ConfigError::new(format!(
                "the report's failure {} does not end with its failing test '{}'",
                id + 1,
                f.test
            ))
            .into());
        }
        // Its shrink was stopped (Ctrl-C), or never said how it ended (smoke was killed).
        let open = f.stopped_by.as_deref() == Some("interrupted") || f.replay.is_none();
        if open {
            unfinished.push(id);
        }
        failures.push(ResumedFailure {
            iteration: f.iteration,
            seed: f.seed,
            victim,
            outcome,
            sequence,
            unfinished: open,
            output: f.output.clone().into_bytes(),
        });
    }
    let done: BTreeSet<u32> = recorded
        .iterations
        .iter()
        .filter(|i| i.result != report::IterationStatus::Interrupted.to_string())
        .map(|i| i.index)
        .collect();
    let resumption = Resumption {
        at: session
            .started
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        from_status: recorded.status.clone(),
        iterations_done: u32::try_from(done.len()).unwrap_or(u32::MAX),
        shrinks_resumed: unfinished.len(),
    };
    if config.verbosity != crate::config::Verbosity::Quiet {
        for warning in &warnings {
            errln!("smoke: warning: {}", report::one_line(warning));
        }
        errln!(
            "smoke: resuming {}: {} of {} iteration(s) done, {} shrink(s) to finish",
            args.from.display(),
            done.len(),
            config.iterations,
            unfinished.len()
        );
    }

    let files = ReportFiles::reopen(&json)?;
    Session::seal_on_hard_exit(&files);
    let redactor = Session::redactor(&config.env);
    // New logs are numbered after the ones the run left.
    let logs_before = (1..)
        .take_while(|&n| files.log_path(n).exists())
        .last()
        .unwrap_or(0);
    let finished_before = failures.iter().filter(|f| !f.unfinished).count();
    let offset = logs_before.saturating_sub(finished_before);
    let recorder = Recorder::resuming(recorded, &unfinished, resumption);
    let mut writer = Session::writer(&config, &files, recorder, &redactor)?;
    let mut console = Session::console(config.verbosity, redactor);
    let executors = Session::executors(&config);
    let log_path = |n: usize| files.prepare_log(n + offset);
    let result = {
        let mut reporters = Fanout(vec![&mut console, &mut writer]);
        session
            .runner(&config, &names, executors, &mut reporters, &log_path)?
            .resume(&selection, Resume { done, failures })
    };
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            let _ = writer.fail();
            errln!("smoke: report so far: {}", files.text.display());
            return Err(e);
        }
    };
    let whole = writer.report();
    outln!(
        "{}\nreport: {}\nreport: {}\nreport: {}",
        report::console::summary(whole, summary.interrupted),
        files.text.display(),
        files.json.display(),
        files.html.display()
    );
    Ok(match summary.interrupted {
        Some(signal) => interrupt::exit_code(signal),
        None => verdict(whole),
    })
}

/// The exit code of a whole run from its report: 1 when it found a failure, else 2 when a
/// setup or teardown failed, else 0.
fn verdict(report: &RunReport) -> u8 {
    if report.stats.failures_found > 0 {
        exit::FAILURES
    } else if !report.hook_failures.is_empty() {
        exit::ERROR
    } else {
        exit::OK
    }
}

/// A report with nothing to take up again: a completed run answers with its own verdict; a
/// report that is not one run's is an error.
fn nothing_to_resume(report: &RunReport, shown: &Path) -> anyhow::Result<Option<u8>> {
    if !report.merged_from.is_empty() {
        return Err(ConfigError::new(format!(
            "'{}' is a merged report; resume each shard's own report, then merge them again",
            shown.display()
        ))
        .into());
    }
    if report.mode == Mode::BugMode {
        return Err(ConfigError::new(format!(
            "'{}' is a bug-mode report: a bug-mode pass is one sequence, run it again instead",
            shown.display()
        ))
        .into());
    }
    if report.status == "completed" {
        outln!(
            "smoke: the run in '{}' completed; nothing to resume\n{}",
            shown.display(),
            report::console::summary(report, None)
        );
        return Ok(Some(verdict(report)));
    }
    Ok(None)
}

/// A run paced through a control folder cannot be taken up again.
fn control_dir_error(dir: &Path) -> ConfigError {
    ConfigError::new(format!(
        "the run was one sequence paced through the control folder '{}' (smoke op, smoke \
         check), which only its driver can take up again: start a new one",
        dir.display()
    ))
}

/// Refuse a suite or options that are not the run's: the remaining iterations would not be
/// the ones it would have run.
fn same_run(report: &RunReport, config: &Config, tests: usize) -> anyhow::Result<()> {
    let o = &report.options;
    let mut changed = Vec::new();
    if tests != o.tests {
        changed.push(format!("{tests} tests selected now, {} then", o.tests));
    }
    if config.order != o.order {
        changed.push(format!("order {} now, {} then", config.order, o.order));
    }
    if config.times != o.times {
        changed.push(format!("times {} now, {} then", config.times, o.times));
    }
    if config.iterations != o.iterations {
        changed.push(format!(
            "{} iterations now, {} then",
            config.iterations, o.iterations
        ));
    }
    if changed.is_empty() {
        return Ok(());
    }
    Err(ConfigError::new(format!(
        "the suite or its options have changed since the run ({}); resume needs the run as it \
         was: restore them, or start a new run",
        changed.join("; ")
    ))
    .into())
}
