//! A run's JSON report back into the command line that builds its suite again, for the
//! subcommands that run a report's sequences (`replay`, `diagnose`, `resume`): the one place
//! that reads the report's [`SuiteRecord`](crate::report::record::SuiteRecord).
//!
//! The suite comes from the config file a normal run would read (`--config`, `./smoke.toml`),
//! else the run's own (its absolute path, recorded), else the run's flags alone; over it go the
//! flags the run was given (`--workdir`, `--preset`, `--mode`, `--timeout`, the names...), so a
//! sequence runs as it ran. A report is a file anyone can hand over (attached to a bug report),
//! so the shell commands that only it holds (`--run`, `--batch`, `--setup`, `--teardown`,
//! `--program`, `--probe`, `--controller`), and the config file or folder it alone names (when
//! no file of the user's names the suite and it is not the current folder), run only with
//! `--trust-report`; without it they are refused, naming them, or, when `--config` names the
//! suite, left out. Nothing is run or
//! printed here: the caller says what [`Rebuilt::notes`] holds.

use crate::cli::{Cli, Jobs, ProbeArgs};
use crate::error::ConfigError;
use crate::report::REDACTED;
use crate::report::record::RunReport;
use crate::shell;
use clap::{Parser, ValueEnum};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

/// What a subcommand asks of [`from_report`].
#[derive(Debug)]
pub struct ReportSuite<'a> {
    /// The report, as the user named it (for messages).
    pub from: &'a Path,
    /// `--config FILE` of the subcommand: the suite's commands come from it alone.
    pub config: Option<&'a Path>,
    /// The current folder.
    pub cwd: &'a Path,
    /// `--trust-report`: run the commands only the report holds.
    pub trust: bool,
    /// `resume`: the run's own order, seed, iterations, shard and shrinking options too, and
    /// its controller.
    pub whole_run: bool,
    /// State-probe flags given to the subcommand: each replaces the run's.
    pub probes: &'a ProbeArgs,
    /// `--jobs` given to the subcommand: replaces the run's.
    pub jobs: Option<Jobs>,
}

/// The command line that builds the run's suite, and what to tell the user about it.
#[derive(Debug)]
pub struct Rebuilt {
    /// For `Config::load`.
    pub cli: Cli,
    /// The folder to load it in (the run's, for a flags-only run).
    pub dir: PathBuf,
    /// Where the suite came from, for the subcommand's report.
    pub label: String,
    /// Sentences for stderr: the report's commands that will run (`--trust-report`), or that
    /// were left out (`--config`).
    pub notes: Vec<String>,
}

/// The suite of the run that wrote `report`, as `ask` wants it (see the module).
pub fn from_report(report: &RunReport, ask: &ReportSuite) -> Result<Rebuilt, ConfigError> {
    let shown = ask.from.display();
    let local = match ask.config {
        Some(path) => Some(ask.cwd.join(path)),
        None => Some(ask.cwd.join(super::DEFAULT_CONFIG)).filter(|p| p.is_file()),
    };
    let mut cli = Cli::try_parse_from(["smoke"]).expect("no arguments parse");
    let Some(record) = &report.options.suite else {
        // A report of a smoke that did not record its suite: only a local file can say it.
        let Some(file) = local else {
            return Err(ConfigError::new(format!(
                "'{shown}' does not record how its suite was run (smoke {} wrote it): pass \
                 --config FILE to name the suite's smoke.toml",
                report.smoke_version
            )));
        };
        cli.config = Some(file.clone());
        return Ok(Rebuilt {
            cli,
            dir: ask.cwd.to_path_buf(),
            label: file.display().to_string(),
            notes: Vec::new(),
        });
    };
    let recorded_file = record.config.as_ref().map(PathBuf::from);
    let (file, dir) = match (&local, &recorded_file) {
        (Some(file), _) => (Some(file.clone()), ask.cwd.to_path_buf()),
        (None, Some(file)) if file.is_file() => (Some(file.clone()), ask.cwd.to_path_buf()),
        (None, Some(file)) => {
            return Err(ConfigError::new(format!(
                "the config file of the run in '{shown}', '{}', is not there any more: pass \
                 --config FILE to name the suite's smoke.toml",
                file.display()
            )));
        }
        (None, None) => (None, PathBuf::from(&record.dir)),
    };
    cli.config = file.clone();

    let mut record = record.clone();
    if let Some(probe) = &ask.probes.probe {
        record.probe = Some(probe.clone());
    }
    if !ask.probes.probe_ignore.is_empty() {
        record.probe_ignore = ask.probes.probe_ignore.clone();
    }
    if !ask.probes.probe_files.is_empty() {
        record.probe_files = ask.probes.probe_files.clone();
    }
    if !ask.probes.state_ignore.is_empty() {
        record.state_ignore = ask.probes.state_ignore.clone();
    }
    record.no_state_diff |= ask.probes.no_state_diff;
    if !ask.whole_run {
        // Sequences run one by one, as asked for: no controller chooses them.
        record.controller = None;
    }
    let given_probe = ask.probes.probe.clone();
    // The report's commands, less a probe given to the subcommand (the user's own).
    let commands: Vec<(&str, String)> = record
        .commands()
        .into_iter()
        .filter(|&(flag, value)| !(flag == "--probe" && given_probe.as_deref() == Some(value)))
        .map(|(flag, value)| (flag, value.to_string()))
        .collect();
    let mut listed: Vec<String> = commands
        .iter()
        .map(|(flag, value)| format!("{flag} {}", shell::quote(value)))
        .collect();
    // Where the suite's commands come from is the report's choice too when no file of the
    // user's names it, unless it is the current folder: a folder holding a conftest.py, or a
    // smoke.toml of someone else's, runs its code as surely as a command does.
    if local.is_none() {
        match &file {
            Some(file) if !same_folder(file.parent(), ask.cwd) => {
                listed.push(format!("the config file '{}'", file.display()));
            }
            None if !same_folder(Some(&dir), ask.cwd) => {
                listed.push(format!("the folder '{}'", dir.display()));
            }
            _ => {}
        }
    }
    let mut notes = Vec::new();
    let use_commands = if listed.is_empty() {
        true
    } else if ask.trust {
        notes.push(format!(
            "--trust-report: running the commands of '{shown}': {}",
            listed.join("; ")
        ));
        true
    } else if let Some(config) = ask.config {
        notes.push(format!(
            "the commands of '{shown}' are left out, the suite's come from '{}': {} (pass \
             --trust-report to run them as the run did)",
            config.display(),
            listed.join("; ")
        ));
        false
    } else {
        return Err(ConfigError::new(format!(
            "'{shown}' alone decides what would run on this machine: {}. A report can come \
             from anyone: pass --trust-report to run it (it is printed first), or pass \
             --config FILE to take the suite from a smoke.toml of your own",
            listed.join("; ")
        )));
    };
    if use_commands {
        for (flag, value) in &commands {
            refuse_redacted(flag, value, &shown)?;
        }
        cli.program = record.program.clone();
        cli.run = record.run.clone();
        cli.batch = record.batch.clone();
        cli.setup = record.setup.clone();
        cli.teardown = record.teardown.clone();
        cli.probes.probe = record.probe.clone();
        cli.controller = record.controller.clone();
    }
    cli.probes.probe = cli.probes.probe.take().or(given_probe);
    cli.probes.probe_ignore = record.probe_ignore.clone();
    cli.probes.probe_files = record.probe_files.clone();
    cli.probes.state_ignore = record.state_ignore.clone();
    cli.probes.no_state_diff = record.no_state_diff;
    for name in &record.tests {
        refuse_redacted("test name", name, &shown)?;
    }
    for path in &record.probe_files {
        refuse_redacted("--probe-files", path, &shown)?;
    }
    cli.tests = record
        .tests
        .iter()
        .map(|name| raw_name(report, name))
        .collect();
    cli.preset = parse_value("--preset", &record.preset, &shown)?;
    cli.mode = parse_value("--mode", &record.mode, &shown)?;
    cli.format = parse_value("--format", &record.format, &shown)?;
    cli.workdir = parse_value("--workdir", &record.workdir, &shown)?;
    cli.timeout = record.timeout.clone();
    cli.ignore_runner_exit = record.ignore_runner_exit;
    cli.no_fork_server = record.no_fork_server;
    cli.keep_going = record.keep_going;
    cli.jobs = match (ask.jobs, &record.jobs) {
        (Some(jobs), _) => Some(jobs),
        (None, Some(word)) if word == "auto" => Some(Jobs::Auto),
        (None, Some(word)) => Some(Jobs::Count(word.parse().map_err(|_| {
            ConfigError::new(format!(
                "the run in '{shown}' has --jobs '{word}', which smoke cannot read: pass \
                 --jobs N"
            ))
        })?)),
        (None, None) => None,
    };
    if ask.whole_run {
        whole_run(&mut cli, report);
    }
    let label = match (&file, recorded_file == file) {
        (Some(file), true) => format!("{} (the run's)", file.display()),
        (Some(file), false) => file.display().to_string(),
        (None, _) => format!("the report's flags, in {}", record.dir),
    };
    Ok(Rebuilt {
        cli,
        dir,
        label,
        notes,
    })
}

/// Whether `folder` is `cwd` (both as the file system resolves them).
fn same_folder(folder: Option<&Path>, cwd: &Path) -> bool {
    let resolve = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    folder.is_some_and(|f| resolve(f) == resolve(cwd))
}

/// The run's order, seed, iterations, shard and shrinking options, from its report.
fn whole_run(cli: &mut Cli, report: &RunReport) {
    use crate::model::Order;
    let o = &report.options;
    cli.seed = Some(o.seed);
    cli.order = Some(match o.order {
        Order::Random => crate::cli::OrderArg::Random,
        Order::Repeat => crate::cli::OrderArg::Repeat,
        Order::Rotate => crate::cli::OrderArg::Rotate,
        Order::Reverse => crate::cli::OrderArg::Reverse,
        Order::Mirror => crate::cli::OrderArg::Mirror,
        Order::Tuscan => crate::cli::OrderArg::Tuscan,
        Order::Exhaustive => crate::cli::OrderArg::Exhaustive,
        Order::External => crate::cli::OrderArg::External,
    });
    // An external order's controller chooses every test; a fixed order runs once.
    if o.order != Order::External {
        cli.times = Some(o.times);
    }
    if !o.order.is_deterministic() && o.iterations > 0 {
        cli.iterations = Some(o.iterations);
    }
    cli.shard = o.shard.map(crate::shard::ShardSpec::Explicit);
    cli.match_output = o.match_output.clone();
    cli.retries = Some(o.retries);
    cli.max_reduce = o.max_reduce;
    cli.reduce = Some(match o.reduce {
        crate::reduce::Reducer::Smoke => crate::cli::ReduceArg::Smoke,
        crate::reduce::Reducer::Testsmoke => crate::cli::ReduceArg::Testsmoke,
    });
    cli.keep_going |= o.keep_going;
}

/// A recorded name as the run had it: byte for byte when it was not UTF-8.
fn raw_name(report: &RunReport, name: &str) -> OsString {
    match report.raw_names.iter().find(|raw| raw.name == name) {
        Some(raw) => OsString::from_vec(raw.bytes.clone()),
        None => OsString::from(name),
    }
}

/// A recorded flag value read back as the flag reads it.
fn parse_value<T: ValueEnum>(
    flag: &str,
    value: &Option<String>,
    shown: &impl std::fmt::Display,
) -> Result<Option<T>, ConfigError> {
    value
        .as_deref()
        .map(|v| {
            T::from_str(v, false).map_err(|_| {
                ConfigError::new(format!(
                    "the run in '{shown}' has {flag} '{v}', which this smoke does not know: \
                     pass --config FILE to name the suite"
                ))
            })
        })
        .transpose()
}

/// Refuse a value whose secret the report hid: it cannot be run as it was.
fn refuse_redacted(
    what: &str,
    value: &str,
    shown: &impl std::fmt::Display,
) -> Result<(), ConfigError> {
    if value.contains(REDACTED) {
        return Err(ConfigError::new(format!(
            "the run's {what} '{value}' in '{shown}' held a secret, which reports never keep, so \
             the suite cannot be rebuilt from it: pass --config FILE to name the suite"
        )));
    }
    Ok(())
}
