//! What every command needs, built in one place, the way nextest's `BaseApp` serves its
//! commands: the folder and the clock read once, the command line, the config (from flags, or
//! from a report through `config::from_report`), the signal handlers (installed once, on first
//! need), the listed suite, the workers' executors, the redactor, the report files, the writer
//! that keeps them up to date, and the console.
//!
//! The session is the edge every command shares; it decides nothing about a command's work
//! (what runs, what a verdict is, what is printed at the end) and must not import a command:
//! arrows point down, from `commands` to `config`, `suite`, `exec`, `report` and `runner`.

use crate::cli::{Cli, Jobs, OutputArgs, ProbeArgs};
use crate::config::{self, Config, ReportSuite};
use crate::error::{ConfigError, Interrupted};
use crate::interrupt::{self, Interrupt};
use crate::model::TestNames;
use crate::report::console::Console;
use crate::report::export::{ReportFiles, ReportWriter};
use crate::report::record::{Options, RawName, Recorder, RunReport, Stats};
use crate::report::replay;
use crate::report::{self, Mode, Redactor, Reporter};
use crate::runner::{self, Runner, WorkerExecutor};
use crate::term::errln;
use crate::{exec, execution, suite};
use anyhow::Context;
use regex::Regex;
use std::cell::OnceCell;
use std::path::{Path, PathBuf};

/// One invocation of smoke: what every command starts from, and the shared set-up steps.
pub(crate) struct Session {
    /// The folder smoke was started in.
    pub(crate) cwd: PathBuf,
    /// When smoke started: the clock is read here, once, and passed in.
    pub(crate) started: chrono::DateTime<chrono::Local>,
    /// The command line as given, for the reports (redacted where they keep it).
    pub(crate) argv: Vec<String>,
    /// Raised by Ctrl-C, SIGTERM or SIGHUP, once the handlers are installed.
    interrupt: OnceCell<Interrupt>,
}

impl Session {
    /// A session for the command line `argv`, started now in the current folder.
    pub(crate) fn new(argv: Vec<String>) -> anyhow::Result<Session> {
        let started = chrono::Local::now();
        let cwd = std::env::current_dir().context("cannot read the current folder")?;
        Ok(Session {
            cwd,
            started,
            argv,
            interrupt: OnceCell::new(),
        })
    }

    /// The validated config of a run given these flags, loaded in the current folder.
    pub(crate) fn config(&self, cli: Cli) -> Result<Config, ConfigError> {
        Config::load(cli, &self.cwd)
    }

    /// The signal flag, the handlers installed on the first call.
    pub(crate) fn interrupt(&self) -> anyhow::Result<Interrupt> {
        Ok(self.installed()?.clone())
    }

    /// The session's signal flag, the handlers installed if they are not yet.
    fn installed(&self) -> anyhow::Result<&Interrupt> {
        if let Some(interrupt) = self.interrupt.get() {
            return Ok(interrupt);
        }
        let interrupt = Interrupt::new();
        interrupt::install(interrupt.clone()).context("cannot install the signal handlers")?;
        Ok(self.interrupt.get_or_init(|| interrupt))
    }

    /// The suite's tests, listed (the signal handlers installed first), or taken from the
    /// first worker's fork server when it collected just what the listing would (see
    /// [`Config::server_lists`]); `warnings` gets what listing found. A signal while listing
    /// ends in [`Interrupted`].
    pub(crate) fn list(
        &self,
        config: &Config,
        first: Option<&mut WorkerExecutor<'_>>,
        warnings: &mut Vec<String>,
    ) -> anyhow::Result<suite::Listed> {
        let interrupt = self.interrupt()?;
        let served = match (runner::early_fork_plan(config), first) {
            (Some(plan), Some(first)) => first.served_listing(&plan)?,
            _ => None,
        };
        if let Some(signal) = interrupt.signal() {
            return Err(Interrupted { signal }.into());
        }
        let listed = suite::resolve(config, served, &interrupt, warnings)?;
        if let Some(signal) = interrupt.signal() {
            return Err(Interrupted { signal }.into());
        }
        Ok(listed)
    }

    /// The runner of `config`'s suite `names` on `executors`, telling `reporter`, stopped by
    /// the session's signals; `log_path` names the file of the n-th failure's log.
    pub(crate) fn runner<'a>(
        &'a self,
        config: &'a Config,
        names: &'a TestNames,
        executors: Vec<WorkerExecutor<'a>>,
        reporter: &'a mut dyn Reporter,
        log_path: &'a dyn Fn(usize) -> PathBuf,
    ) -> anyhow::Result<Runner<'a>> {
        let interrupt = self.installed()?;
        Ok(Runner::new(
            config, names, executors, reporter, interrupt, log_path,
        ))
    }

    /// The report of a run (`smoke`, `smoke reproduce`) as it stands before the first test:
    /// what runs, how, and where; the build parameters are collected here.
    pub(crate) fn header(
        &self,
        config: &Config,
        names: &TestNames,
        redactor: &Redactor,
        interrupt: &Interrupt,
        tests: usize,
    ) -> RunReport {
        let (argv, started) = (&self.argv, self.started);
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
            reproduced_from: None,
        }
    }

    /// Workers for the config's `--jobs`, each with its own executor.
    pub(crate) fn executors(config: &Config) -> Vec<WorkerExecutor<'static>> {
        (0..config.jobs)
            .map(|_| Box::new(exec::ShellExecutor::new(&config.dir, &config.env)) as _)
            .collect()
    }

    /// Secret-looking variables of smoke's environment and of `suite_env` (a run's
    /// `[suite.env]`) never reach a report.
    pub(crate) fn redactor(suite_env: &[(String, String)]) -> Redactor {
        let own_env: Vec<(String, String)> = std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect();
        Redactor::new(own_env.iter().chain(suite_env).map(|(k, v)| (k, v)))
    }

    /// The console: progress and findings on the terminal, secrets redacted.
    pub(crate) fn console(verbosity: config::Verbosity, redactor: Redactor) -> Console {
        Console::new(verbosity).redacting(redactor)
    }

    /// A second signal exits at once; the report on disk still gets its end (or, before its
    /// first write, is not left behind empty).
    pub(crate) fn seal_on_hard_exit(files: &ReportFiles) {
        let sealing = files.clone();
        interrupt::on_hard_exit(move || {
            let now = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
            if let Err(e) = sealing.seal_interrupted(now) {
                errln!("smoke: error: {}", report::printable(&format!("{e:#}")));
            }
        });
    }

    /// A new run's report (`smoke`, `smoke reproduce`), written now and kept up to date: its
    /// files (dated, or `--report`), sealed on a second signal; its header (the build
    /// parameters collected here) with `warnings`, and `complete` for what only the command
    /// knows; the writer and the console, secrets redacted in both.
    pub(crate) fn new_report(
        &self,
        config: &Config,
        names: &TestNames,
        tests: usize,
        warnings: Vec<String>,
        complete: impl FnOnce(&mut RunReport),
    ) -> anyhow::Result<(ReportFiles, ReportWriter, Console)> {
        let interrupt = self.interrupt()?;
        let files = ReportFiles::create(&config.report, self.started)?;
        Session::seal_on_hard_exit(&files);
        let redactor = Session::redactor(&config.env);
        let mut header = self.header(config, names, &redactor, &interrupt, tests);
        header.warnings = warnings;
        complete(&mut header);
        let writer = Session::writer(config, &files, Recorder::new(header), &redactor)?;
        let console = Session::console(config.verbosity, redactor);
        Ok((files, writer, console))
    }

    /// Run `run` on `reporters`, unless a signal came while the report was being made (the
    /// build parameters collected): then no test runs, and the report, which exists already,
    /// ends as interrupted.
    pub(crate) fn unless_stopped(
        &self,
        reporters: &mut dyn Reporter,
        run: impl FnOnce(&mut dyn Reporter) -> anyhow::Result<crate::runner::Summary>,
    ) -> anyhow::Result<crate::runner::Summary> {
        let Some(signal) = self.interrupt()?.signal() else {
            return run(reporters);
        };
        let interrupted = Some(signal);
        reporters.handle(&report::Event::RunFinished { interrupted })?;
        Ok(crate::runner::Summary {
            failures: 0,
            unmatched: 0,
            hook_failures: 0,
            interrupted,
        })
    }

    /// The reporter that keeps a run's report in `files` up to date from `recorder` (a new
    /// run's header, or a stopped run's report), with the config's JUnit XML beside it.
    pub(crate) fn writer(
        config: &Config,
        files: &ReportFiles,
        recorder: Recorder,
        redactor: &Redactor,
    ) -> anyhow::Result<ReportWriter> {
        ReportWriter::continuing(recorder, files.clone(), chrono::Local::now, redactor)?
            .with_junit(config.junit.clone())
    }

    /// A run's JSON report named on the command line. `unreadable` ends the message when the
    /// file cannot be read, `unusable` when it is not a report smoke can read.
    pub(crate) fn read_report(
        &self,
        path: &Path,
        unreadable: &str,
        unusable: &str,
    ) -> anyhow::Result<RunReport> {
        let text = std::fs::read_to_string(self.cwd.join(path)).map_err(|e| {
            ConfigError::new(format!(
                "cannot read the report '{}': {e} ({unreadable})",
                path.display()
            ))
        })?;
        serde_json::from_str(&text).map_err(|e| {
            ConfigError::new(format!(
                "'{}' is not a smoke JSON report smoke can read ({e}); {unusable}",
                path.display()
            ))
            .into()
        })
    }

    /// The config of the run that wrote `recorded`, as `ask` wants it (`config::from_report`,
    /// the one way a report becomes a config), with `adjust` applied to its flags; the notes
    /// about the report's commands are printed, and the run's folder must still be there.
    /// Also returns where the suite came from, for a report.
    pub(crate) fn config_from_report(
        &self,
        recorded: &RunReport,
        ask: &ReportSuite,
        adjust: impl FnOnce(&mut Cli),
    ) -> anyhow::Result<(Config, String)> {
        let rebuilt = config::from_report(recorded, ask)?;
        for note in &rebuilt.notes {
            errln!("smoke: {}", report::printable(note));
        }
        let mut cli = rebuilt.cli;
        adjust(&mut cli);
        config::require_suite_dir(&rebuilt.dir, ask.from)?;
        Ok((Config::load(cli, &rebuilt.dir)?, rebuilt.label))
    }

    /// The report `from` and the suite its failures run again in (`replay`, `diagnose`): the
    /// report read, its suite rebuilt ([`Session::config_from_report`], with the command's
    /// `--config`, `--trust-report`, probe flags and `--jobs`) with the config's warnings
    /// printed as a run prints them, on one worker when the workers would share state, and
    /// listed (the signal handlers installed first).
    pub(crate) fn rerun(
        &self,
        verb: &str,
        from: &Path,
        config: Option<&Path>,
        trust: bool,
        probes: &ProbeArgs,
        jobs: Option<Jobs>,
    ) -> anyhow::Result<Rerun> {
        let ask = ReportSuite {
            from,
            config,
            cwd: &self.cwd,
            trust,
            whole_run: false,
            probes,
            jobs,
        };
        let recorded = self.read_report(
            from,
            &format!(
                "smoke {verb} takes a JSON report; to run a test called {verb} instead, put -- \
                 first: smoke -- {verb} ..."
            ),
            "give the .json report a run wrote",
        )?;
        let (mut config, label) = self.config_from_report(&recorded, &ask, |_| {})?;
        // What cannot apply, as on a run.
        for warning in &config.warnings {
            errln!("smoke: warning: {}", report::one_line(warning));
        }
        // A replay's or a diagnosis's verdict must not depend on what ran beside it: workers
        // that share state would make one (a polluter on another worker), so they run one at
        // a time.
        if config.workers_share_state {
            errln!(
                "smoke: warning: --jobs {}: the workers would share state, so each sequence \
                 runs with nothing beside it (one worker); give each worker its own state \
                 ({{worker}} in setup, or --workdir fresh) to run them side by side",
                config.jobs
            );
            config.jobs = 1;
            config.workers_share_state = false;
        }
        let same_output = replay::same_output(&recorded)?;
        let suite::Listed { names, built } = self.list(&config, None, &mut Vec::new())?;
        Ok(Rerun {
            recorded,
            config,
            names,
            _built: built,
            label,
            same_output,
        })
    }

    /// Where a command that writes a report without running a suite's config (`replay`,
    /// `diagnose`, `merge`) writes it: its `--report`, `--report-dir`,
    /// the `[report] dir` of the config file (`config`, or `./smoke.toml`), else `./reports`.
    pub(crate) fn report_target(
        &self,
        config: Option<&Path>,
        output: &OutputArgs,
    ) -> Result<config::ReportTarget, ConfigError> {
        config::report_target_only(
            config,
            output.report.as_deref(),
            output.report_dir.as_deref(),
            &self.cwd,
        )
    }

    /// The report files of a command that writes a report of its own kind (`prefix`:
    /// `smoke-replay`, `smoke-diagnose`), where [`Session::report_target`] says, dated when
    /// smoke started.
    pub(crate) fn report_files(
        &self,
        config: Option<&Path>,
        output: &OutputArgs,
        prefix: &str,
    ) -> anyhow::Result<ReportFiles> {
        ReportFiles::create_named(&self.report_target(config, output)?, self.started, prefix)
    }
}

/// A recorded report and the suite its failures run again in, from [`Session::rerun`].
pub(crate) struct Rerun {
    /// The report read.
    pub(crate) recorded: RunReport,
    /// Its suite's config, as rebuilt now.
    pub(crate) config: Config,
    /// The suite's tests, as listed now.
    pub(crate) names: TestNames,
    /// The test binaries smoke built to run the suite (the go preset): removed when the rerun
    /// is dropped, after its tests ran.
    _built: Option<exec::PrivateDir>,
    /// How the suite was found, for the report.
    pub(crate) label: String,
    /// The report's `--match`: what failing "the same way" requires of the output.
    pub(crate) same_output: Option<Regex>,
}
