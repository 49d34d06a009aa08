//! smoke finds and shrinks test-order bugs: it runs a suite in random, repeated, rotated,
//! reversed, mirrored, Tuscan-square or exhaustive orders under recorded seeds, shrinks each
//! failure to the few tests that still cause it, and writes a dated report with the build
//! parameters.
//!
//! The pure core (`order`, `reduce`, `model`, `execution`, `shell`, `batch`, `preset`, `shard`,
//! `probe`, `report::record`) has no processes, clock or terminal; the edges (`exec`,
//! `interrupt`, `suite`, `term`, `probe::files`, `report::{console, export, build}`) do the I/O; `config` turns flags (`cli`)
//! and `smoke.toml` into one validated `Config`, and `runner` orchestrates. Dependencies point
//! one way: `cli` → `config` → `runner` → the core. Subcommands have a module each (`merge`, `replay`, `diagnose`,
//! `resume`).
//! [`run`] is the whole program, so tests can run smoke in-process.

pub mod batch;
pub mod cli;
pub mod config;
pub mod control;
pub mod diagnose;
pub mod error;
pub mod exec;
pub mod execution;
pub mod helpers;
pub mod interrupt;
pub mod merge;
pub mod model;
pub mod order;
pub mod preset;
pub mod probe;
pub mod reduce;
pub mod replay;
pub mod report;
pub mod resume;
pub mod runner;
pub mod shard;
pub mod shell;
pub mod suite;
pub mod term;

use crate::cli::Cli;
use crate::config::Config;
use crate::error::exit;
use crate::interrupt::Interrupt;
use crate::model::TestNames;
use crate::report::console::Console;
use crate::report::export::{ReportFiles, ReportWriter};
use crate::report::record::{Options, RawName, RunReport, Stats};
use crate::report::{Fanout, Mode, Redactor, Reporter};
use crate::runner::Runner;
use anyhow::Context;
use clap::Parser;
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

/// Run smoke with these command-line arguments (the first is the program name) and return the
/// documented exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            if e.kind() == clap::error::ErrorKind::MissingRequiredArgument
                && let Some(verb) = args
                    .get(1)
                    .filter(|a| {
                        ["merge", "replay", "diagnose", "resume", "op", "check"]
                            .contains(&&*a.to_string_lossy())
                    })
                    .map(|a| a.to_string_lossy())
            {
                term::errln!("tip: to run a test called {verb}, put -- first: smoke -- {verb}");
            }
            return ExitCode::from(if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            });
        }
    };
    let argv = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match run_cli(cli, argv) {
        Ok(code) => ExitCode::from(code),
        Err(e) => match e.downcast_ref::<error::Interrupted>() {
            // Ctrl-C while listing is the user stopping smoke, not smoke failing.
            Some(stopped) => {
                term::errln!("smoke: {stopped}");
                ExitCode::from(interrupt::exit_code(stopped.signal))
            }
            None => {
                term::errln!("smoke: error: {}", report::printable(&format!("{e:#}")));
                ExitCode::from(exit::ERROR)
            }
        },
    }
}

fn run_cli(mut cli: Cli, argv: Vec<String>) -> anyhow::Result<u8> {
    let started = chrono::Local::now();
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    match cli.command.take() {
        Some(cli::Command::Merge(args)) => return merge::run(args, argv, &cwd, started),
        Some(cli::Command::Replay(args)) => return replay::run(args, argv, &cwd, started),
        Some(cli::Command::Diagnose(args)) => return diagnose::run(args, argv, &cwd, started),
        Some(cli::Command::Resume(args)) => return resume::run(args, &cwd, started),
        Some(cli::Command::Op(args)) => {
            return control::client::run(
                control::client::Request::Op,
                &cwd.join(args.dir),
                args.wait,
            );
        }
        Some(cli::Command::Check(args)) => {
            return control::client::run(
                control::client::Request::Check,
                &cwd.join(args.dir),
                args.wait,
            );
        }
        None => {}
    }
    let mut config = Config::load(cli, &cwd)?;

    let interrupt = Interrupt::new();
    interrupt::install(interrupt.clone()).context("cannot install the signal handlers")?;

    let mut warnings = config.warnings.clone();
    let mut executors: Vec<runner::WorkerExecutor> = (0..config.jobs)
        .map(|_| Box::new(exec::ShellExecutor::new(&config.dir, &config.env)) as _)
        .collect();
    // The first worker's fork server loads the suite while the preset lists it.
    if let (Some(plan), Some(first)) = (runner::early_fork_plan(&config), executors.first_mut()) {
        first.prestart_fork_server(&plan);
    }
    // `_built` keeps the test binaries smoke built (the go preset) until the run ends.
    let suite::Listed {
        names,
        built: _built,
    } = suite::resolve(&config, &interrupt, &mut warnings)?;
    if let Some(signal) = interrupt.signal() {
        return Err(error::Interrupted { signal }.into());
    }
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
    let files = ReportFiles::create(&config.report, started)?;
    seal_on_hard_exit(&files);
    let redactor = redactor(&config);
    let mut header = report_header(
        &config,
        &names,
        &redactor,
        &interrupt,
        selection.len(),
        argv,
        started,
    );
    header.warnings = warnings;
    let mut writer = ReportWriter::new(header, files.clone(), chrono::Local::now, &redactor)?
        .with_junit(config.junit.clone())?;
    let mut console = Console::new(config.verbosity).redacting(redactor);
    let log_path = |n: usize| files.prepare_log(n);

    let result = {
        let mut reporters = Fanout(vec![&mut console, &mut writer]);
        if let Some(signal) = interrupt.signal() {
            // Stopped while collecting the build parameters: no test runs, and the report,
            // which exists already, ends as interrupted.
            let interrupted = Some(signal);
            reporters
                .handle(&report::Event::RunFinished { interrupted })
                .map(|()| runner::Summary {
                    failures: 0,
                    unmatched: 0,
                    hook_failures: 0,
                    interrupted,
                })
        } else {
            let mut runner = Runner::new(
                &config,
                &names,
                executors,
                &mut reporters,
                &interrupt,
                &log_path,
            );
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
        }
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

    let out = report::console::summary(writer.report(), summary.interrupted);
    term::outln!(
        "{out}\nreport: {}\nreport: {}\nreport: {}",
        files.text.display(),
        files.json.display(),
        files.html.display()
    );

    if summary.hook_failures > 0 {
        term::errln!(
            "smoke: {} failed {} time(s); those sequences were abandoned (see the report)",
            hook_names(writer.report()),
            summary.hook_failures
        );
    }
    let code = exit_code(&summary);
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

/// A second signal exits at once; the report on disk still gets its end (or, before its first
/// write, is not left behind empty).
pub(crate) fn seal_on_hard_exit(files: &ReportFiles) {
    let sealing = files.clone();
    interrupt::on_hard_exit(move || {
        let now = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        if let Err(e) = sealing.seal_interrupted(now) {
            term::errln!("smoke: error: {}", report::printable(&format!("{e:#}")));
        }
    });
}

/// Secret-looking variables of smoke's environment and of `[suite.env]` never reach a report.
pub(crate) fn redactor(config: &Config) -> Redactor {
    let own_env: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    Redactor::new(own_env.iter().chain(&config.env).map(|(k, v)| (k, v)))
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

/// The report as it stands before the first test: what runs, how, and where.
fn report_header(
    config: &Config,
    names: &TestNames,
    redactor: &Redactor,
    interrupt: &Interrupt,
    tests: usize,
    argv: Vec<String>,
    started: chrono::DateTime<chrono::Local>,
) -> RunReport {
    RunReport {
        smoke_version: env!("CARGO_PKG_VERSION").to_string(),
        mode: if config.bug_mode {
            Mode::BugMode
        } else {
            Mode::Smoke
        },
        started_at: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        finished_at: None,
        completed: false,
        status: "running".to_string(),
        argv: argv.iter().map(|a| redactor.apply(a)).collect(),
        options: Options {
            order: config.order,
            times: config.times,
            iterations: config.iterations,
            seed: config.seed,
            seed_str: config.seed.to_string(),
            match_output: config.match_output.as_ref().map(|r| r.as_str().to_string()),
            timeout: config
                .timeout
                .map(|t| humantime::format_duration(t).to_string()),
            config: config.config_file.as_ref().map(|p| p.display().to_string()),
            suite_dir: config.dir.display().to_string(),
            run: redactor.apply(config.execution.template()),
            execution: config.execution.mode().to_string(),
            format: match &config.execution {
                execution::Execution::PerTest(_) => None,
                execution::Execution::Batch(b) => Some(b.format.to_string()),
            },
            preset: config.preset.map(|p| p.to_string()),
            fork_server: config.fork_server.map(|r| r.to_string()),
            keep_going: config.keep_going,
            setup: config.setup.as_deref().map(|s| redactor.apply(s)),
            teardown: config.teardown.as_deref().map(|s| redactor.apply(s)),
            tests,
            retries: config.retries,
            max_reduce: config.max_reduce,
            reduce: config.reduce,
            shard: config.shard,
            controller: match &config.driving {
                Some(config::Driving::Controller(command)) => Some(redactor.apply(command)),
                _ => None,
            },
            control_dir: match &config.driving {
                Some(config::Driving::ControlDir(dir)) => Some(dir.display().to_string()),
                _ => None,
            },
            env: config
                .env
                .iter()
                .map(|(k, v)| (k.clone(), redactor.value(k, v)))
                .collect(),
            suite: Some(
                config
                    .suite_record
                    .clone()
                    .redacted(|text| redactor.apply(text)),
            ),
        },
        build: report::build::collect(
            &config.dir,
            &config.build_commands,
            &config.env,
            &config.report_env,
            redactor,
            config.timeout,
            interrupt,
        ),
        iterations: Vec::new(),
        failures: Vec::new(),
        hook_failures: Vec::new(),
        tests: Vec::new(),
        raw_names: names
            .not_utf8()
            .map(|(name, bytes)| RawName {
                name: name.to_string(),
                bytes: bytes.to_vec(),
            })
            .collect(),
        stats: Stats::default(),
        warnings: Vec::new(),
        merged_from: Vec::new(),
        resumed: Vec::new(),
    }
}

/// What failed, in the words of the summary: `setup`, `teardown`, `the batch runner`.
fn hook_names(report: &RunReport) -> String {
    let mut names: Vec<String> = Vec::new();
    for failure in &report.hook_failures {
        let name = match failure.hook {
            model::Hook::Batch => "the batch runner".to_string(),
            hook => hook.to_string(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        "setup or teardown".to_string()
    } else {
        names.join(" or ")
    }
}

/// The documented exit code for a finished run: a signal wins, then a reported failure, then a
/// setup/teardown failure (smoke could not test what was asked), else success.
fn exit_code(summary: &runner::Summary) -> u8 {
    if let Some(signal) = summary.interrupted {
        interrupt::exit_code(signal)
    } else if summary.failures > 0 {
        exit::FAILURES
    } else if summary.hook_failures > 0 {
        exit::ERROR
    } else {
        exit::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Summary;

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

    #[test]
    fn exit_codes_follow_the_documented_precedence() {
        let summary = |failures, hook_failures, interrupted| Summary {
            failures,
            unmatched: 0,
            hook_failures,
            interrupted,
        };
        let table = [
            (summary(0, 0, None), exit::OK),
            (summary(2, 0, None), exit::FAILURES),
            (summary(0, 3, None), exit::ERROR),
            (summary(1, 3, None), exit::FAILURES),
            (summary(1, 3, Some(2)), exit::INTERRUPTED),
            (summary(0, 0, Some(15)), 143),
        ];
        for (summary, code) in table {
            assert_eq!(exit_code(&summary), code, "{summary:?}");
        }
    }
}
