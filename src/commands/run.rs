//! The main command, `smoke [OPTIONS] [TEST]...`: list the suite, run it in the chosen order
//! (or as an outside driver chooses), shrink what fails, and keep the report up to date; or,
//! with `--list`, print the selected names.
//!
//! What every command needs (config, signal handlers, the listed suite, executors, redactor,
//! report files and writer, console) comes from the [`Session`]; this module holds what only a
//! run does: the report's header, the drivers, the summary and the exit code. It never runs a
//! test itself (the runner does), and the report's start time is the session's.

use super::outcome;
use super::session::Session;
use crate::cli::Cli;
use crate::config;
use crate::error::exit;
use crate::model::{self, TestNames};
use crate::report::{self, Fanout};
use crate::runner;
use crate::{control, order, shell, suite, term};
use anyhow::Context;
use std::io::Write;

/// The main command, `smoke [OPTIONS] [TEST]...`: returns the exit code.
pub(crate) fn run(cli: Cli, session: &Session) -> anyhow::Result<u8> {
    let mut config = session.config(cli)?;

    // The signal handlers, before anything starts.
    session.interrupt()?;

    let mut warnings = config.warnings.clone();
    let mut executors = Session::executors(&config);
    // The first worker's fork server loads the suite while the preset lists it.
    if let (Some(plan), Some(first)) = (runner::early_fork_plan(&config), executors.first_mut()) {
        first.prestart_fork_server(&plan);
    }
    // `_built` keeps the test binaries smoke built (the go preset) until the run ends.
    let suite::Listed {
        names,
        built: _built,
    } = session.list(&config, executors.first_mut(), &mut warnings)?;
    let selection = suite::select(&names, &config.selected);
    // Tuscan and exhaustive run as many iterations as the selected tests give them.
    let counted = match &selection {
        Ok(selection) if !config.list_only => config.count_iterations(selection, &mut warnings),
        _ => Ok(None),
    };
    if config.verbosity != config::Verbosity::Quiet {
        for warning in &warnings {
            term::errln!("smoke: warning: {}", report::one_line(warning));
        }
        if let Ok(Some(line)) = &counted {
            term::errln!("smoke: {line}");
        }
        if let (Some(shard), false, true) = (config.shard, config.list_only, counted.is_ok()) {
            term::errln!(
                "smoke: {shard} of a {}-iteration run: {}",
                config.iterations,
                shard.describe(config.iterations)
            );
        }
    }
    let selection = selection?;
    counted?;
    if let Some(runner) = config.deduplicating_runner {
        suite::refuse_repeats(&names, &selection, runner)?;
    }
    if config.list_only {
        return print_names(&names, &selection);
    }
    // An outside driver, made before the report so that a folder another smoke watches stops
    // the run before anything is written.
    let mut process_driver = None;
    let mut fifo_driver = None;
    match &config.driving {
        Some(config::Driving::Controller(command)) => {
            process_driver = Some(control::process::ProcessDriver::new(
                command,
                config.dir.clone(),
                config.env.clone(),
                config.timeout.unwrap_or(control::process::DEFAULT_LIMIT),
                control::choices(&names, &selection),
            ));
        }
        Some(config::Driving::ControlDir(dir)) => {
            let plan = order::plan(config.order, &selection, config.times, 1, config.seed);
            fifo_driver = Some(control::fifo::FifoDriver::new(dir, &names, plan)?);
            if config.verbosity != config::Verbosity::Quiet {
                term::errln!(
                    "smoke: watching {} (smoke op {} runs the next test, smoke check {} ends \
                     the sequence)",
                    report::printable(&dir.display().to_string()),
                    report::printable(&shell::quote(&dir.to_string_lossy())),
                    report::printable(&shell::quote(&dir.to_string_lossy()))
                );
            }
        }
        None => {}
    }
    let (files, mut writer, mut console) =
        session.new_report(&config, &names, selection.len(), warnings, |_| {})?;
    let log_path = |n: usize| files.prepare_log(n);

    let result = {
        let mut reporters = Fanout(vec![&mut console, &mut writer]);
        session.unless_stopped(&mut reporters, |reporters| {
            let mut runner = session.runner(&config, &names, executors, reporters, &log_path)?;
            if let Some(driver) = process_driver.as_mut() {
                runner = runner.driven_by(driver);
            }
            if let Some(driver) = fifo_driver.as_mut() {
                runner = runner.driven_by(driver);
            }
            if config.bug_mode {
                runner.bug_mode(&selection)
            } else {
                runner.smoke(&selection)
            }
        })
    };
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            // Keep what was recorded, marked as ended by an error, if the disk still allows it.
            let _ = writer.fail();
            term::errln!("smoke: report so far: {}", files.text.display());
            if let Some(fifo) = fifo_driver.as_mut() {
                let verdict = control::protocol::Message::Verdict {
                    verdict: "error".to_string(),
                    exit: exit::ERROR,
                    failures: writer.report().failures.len(),
                    report: files.text.display().to_string(),
                };
                fifo.close(Some(verdict), &format!("error: {e:#}"));
            }
            return Err(e);
        }
    };

    let code = outcome::end(writer.report(), &files, &summary);
    if let Some(fifo) = fifo_driver.as_mut() {
        let (verdict, why) = match (summary.interrupted, code) {
            (Some(signal), _) => ("interrupted", format!("interrupted by signal {signal}")),
            (None, exit::FAILURES) => ("fail", "the sequence was checked".to_string()),
            (None, exit::OK) => ("pass", "the sequence was checked".to_string()),
            (None, _) => ("error", "setup or teardown failed".to_string()),
        };
        let verdict = control::protocol::Message::Verdict {
            verdict: verdict.to_string(),
            exit: code,
            failures: writer.report().failures.len(),
            report: files.text.display().to_string(),
        };
        fifo.close(Some(verdict), &why);
    }
    Ok(code)
}

/// `--list`: the selected names on stdout, one per line, with control characters escaped as
/// the console escapes them ([`listed_name`]). A reader that stops early (`smoke --list | head
/// -1`) got what it wanted, so a broken pipe ends the listing with success.
fn print_names(names: &TestNames, selection: &[model::TestId]) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    let written = selection
        .iter()
        .try_for_each(|&test| {
            out.write_all(listed_name(names.raw(test)).as_bytes())?;
            out.write_all(b"\n")
        })
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(exit::OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(e).context("cannot write the test names to stdout"),
    }
}

/// A name as `--list` prints it: one line, safe for a terminal. Control characters (newlines,
/// tabs and escape sequences included) are escaped as [`report::one_line`] escapes them, and
/// bytes that are not UTF-8 as `\xNN`; every other character is kept.
fn listed_name(raw: &std::ffi::OsStr) -> String {
    let mut line = String::new();
    for chunk in raw.as_encoded_bytes().utf8_chunks() {
        line.push_str(&report::one_line(chunk.valid()));
        for byte in chunk.invalid() {
            line.push_str(&format!("\\x{byte:02x}"));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_names_are_one_line_with_controls_and_stray_bytes_escaped() {
        use std::os::unix::ffi::OsStrExt;
        let listed = |bytes: &[u8]| listed_name(std::ffi::OsStr::from_bytes(bytes));
        assert_eq!(
            listed(b"tests/a.py::test_x[\xc3\xa9]"),
            "tests/a.py::test_x[\u{e9}]"
        );
        assert_eq!(
            listed(b"a\x1b]0;owned\x07\nb\tc"),
            r"a\x1b]0;owned\x07\nb\tc"
        );
        assert_eq!(listed("csi\u{9b}2J".as_bytes()), r"csi\u{9b}2J");
        assert_eq!(listed(b"caf\xe9\r"), r"caf\xe9\r");
    }
}
