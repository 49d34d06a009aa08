//! `smoke.toml` merged with the command line into one validated [`Config`].
//!
//! This is the one place defaults live and the one place the base seed is drawn. Flags override
//! the file; paths in the file are relative to the file's folder, paths on the command line to
//! the current folder. Everything that can be checked without running a command is checked here,
//! so a bad option fails before any test runs. Resolving the test list (running `list`,
//! expanding `glob`) is I/O and lives in `suite`.

mod file;
mod from_report;
mod machine;
mod run;
mod suite;
#[cfg(test)]
mod tests;

pub use file::keys;
pub use from_report::{Rebuilt, ReportSuite, from_report};

use crate::cli::Cli;
use crate::error::ConfigError;
use crate::execution::{Execution, TestSource, Workdir};
use crate::model::Order;
use crate::preset::Preset;
use crate::shard::{Shard, ShardSpec};
use crate::shell;
use regex::Regex;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file smoke reads when no `--config` is given.
pub const DEFAULT_CONFIG: &str = "smoke.toml";
/// Default for `--times`.
pub const DEFAULT_TIMES: u32 = 2;
/// Default for `--iterations`.
pub const DEFAULT_ITERATIONS: u32 = 10;
/// The most distinct orders `--order exhaustive` runs without `--iterations` saying how many.
pub const MAX_EXHAUSTIVE: u32 = 100_000;
/// The most workers (`--jobs`) one run may have: each is a thread with its own test processes
/// (and fork server), and past this a machine runs out of them before it runs faster. `auto`
/// takes one per CPU up to this.
pub const MAX_JOBS: usize = 512;
/// The longest `timeout` smoke takes: far past any test, and far from the clock's limits
/// (a batch's limit is this times its length, and a deadline past the clock's range would
/// panic).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);
/// The shortest `timeout` smoke takes: below it a test is killed before it can start, and every
/// failure it causes looks like a flaky one.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(1);
/// The longest time limit smoke sets for one command (a batch of many tests).
pub const MAX_COMMAND_LIMIT: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// The most test runs one iteration's sequence may hold (the selected tests times `--times`):
/// each sequence is planned in memory before it runs, and a longer one would exhaust it.
pub const MAX_SEQUENCE: u64 = 1_000_000;
/// The most iterations one run may have (`--iterations`, `[smoke] iterations`): the report
/// holds a line for each and is written again after each, so a run past this would spend its
/// time rewriting it. Another run, with another seed, covers more orders.
pub const MAX_ITERATIONS: u32 = 1_000_000;
/// The most `--retries` (`[smoke] retries`): each shrink candidate may run that many times
/// more before it counts as passing.
pub const MAX_RETRIES: u32 = 1_000;
/// The largest `--max-reduce` (`[smoke] max-reduce`) budget, in test executions; leaving it
/// out means no limit.
pub const MAX_REDUCE: u64 = 1_000_000_000;
/// Default report folder, relative to the current folder.
pub const DEFAULT_REPORT_DIR: &str = "reports";

pub use machine::Machine;

/// An outside driver of the tests (see `control`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Driving {
    /// `--order external --controller CMD`: a program chooses each next test.
    Controller(String),
    /// `--control-dir DIR` (absolute): `smoke op` and `smoke check` pace one sequence.
    ControlDir(PathBuf),
}

/// Everything a run needs, validated.
#[derive(Debug)]
pub struct Config {
    /// The config file, as the user named it (`None`: flags only).
    pub config_file: Option<PathBuf>,
    /// Where every command runs: the config file's folder, or the current folder.
    pub dir: PathBuf,
    /// Where the test names come from.
    pub source: TestSource,
    /// Test names given on the command line: the run is restricted to them, in this order.
    pub selected: Vec<OsString>,
    /// How the tests run: one command per test, or one per sequence.
    pub execution: Execution,
    /// `[suite] preset` / `--preset`.
    pub preset: Option<Preset>,
    /// Shell command before every sequence.
    pub setup: Option<String>,
    /// Shell command after every sequence.
    pub teardown: Option<String>,
    /// Per-command time limit: tests, setup and teardown, and also the listing commands and
    /// each `[report] build` command (which have their own defaults when it is unset).
    pub timeout: Option<Duration>,
    /// Extra environment for every command, sorted by name.
    pub env: Vec<(String, String)>,
    /// State probes for the verbose rerun and `smoke replay` (`[suite] probe`, `probe-ignore`,
    /// `probe-files`).
    pub probes: crate::probe::Probes,
    /// The order of each iteration.
    pub order: Order,
    /// How many times each test runs per iteration (>= 1).
    pub times: u32,
    /// Iterations to run (1 for the deterministic orders; for tuscan and exhaustive, 0 until
    /// [`Config::count_iterations`] counts them).
    pub iterations: u32,
    /// Tuscan and exhaustive: how many of their iterations to run, when `--iterations` (or
    /// `[smoke] iterations` beside `[smoke] order`) says.
    pub iterations_cut: Option<u32>,
    /// The base seed; iteration i uses `seed + i - 1`.
    pub seed: u64,
    /// Whether the seed was given (`--seed`, `[smoke] seed`) rather than drawn: a drawn seed
    /// means nothing to the console when the order is fixed.
    pub seed_given: bool,
    /// `--shard`: this machine's share of the iterations (`None`: all of them).
    pub shard: Option<Shard>,
    /// With `--match`: a failure is the same only if the test's output matches.
    pub match_output: Option<Regex>,
    /// `--retries`: extra runs before a shrink candidate counts as passing.
    pub retries: u32,
    /// `--max-reduce`: test executions one shrink may spend.
    pub max_reduce: Option<u64>,
    /// `--reduce`: how a shrink narrows the failing sequence before the 1-minimal proof.
    pub reduce: crate::reduce::Reducer,
    /// Workers running sequences side by side (`--jobs`, at least 1; 1 in bug mode).
    pub jobs: usize,
    /// Several workers, and nothing keeps them apart (no fresh folder, no batch mode, no
    /// command naming its worker): what one runs may change what another sees.
    pub workers_share_state: bool,
    /// An outside driver: a controller program or a control folder.
    pub driving: Option<Driving>,
    /// Where each sequence's commands run.
    pub workdir: Workdir,
    /// `--bug-mode`.
    pub bug_mode: bool,
    /// Batch mode: a runner that exits non-zero after reporting every test as passed is not a
    /// failure (`--ignore-runner-exit`, `[suite] ignore-runner-exit`).
    pub ignore_runner_exit: bool,
    /// Batch mode with a runner that runs each test once per invocation however often it is
    /// named (pytest, prove): its name, so repeats can be refused before anything runs.
    pub deduplicating_runner: Option<&'static str>,
    /// Batch mode: the runner whose sequences are forked from a server that loaded the suite
    /// once (`None`: a fresh runner process each time; `--no-fork-server`,
    /// `[suite] fork-server = false`).
    pub fork_server: Option<crate::execution::ForkRunner>,
    /// The command runs pytest (the preset's, or a template naming pytest). In batch mode smoke
    /// hands it its options before the names (its plugin, `--maxfail=1`); in per-test mode its
    /// plugin, through `PYTEST_PLUGINS`, which turns off what would run a test again or
    /// elsewhere (pytest-xdist, pytest-rerunfailures).
    pub runs_pytest: bool,
    /// The pytest preset's own listing and batch command: the fork server started while the
    /// suite is listed collects exactly what the listing would, and writes its node ids, so the
    /// suite is listed from it and pytest loads the suite once, not twice side by side.
    pub server_lists: bool,
    /// The pytest fork server's spares fault their memory in while they wait: only where a CPU
    /// is free for it, with one worker on more than one CPU.
    pub fork_prefault: bool,
    /// Iterations run past their first failure (`--keep-going`, `[suite] keep-going`); by
    /// default they stop there, where the runner can be stopped.
    pub keep_going: bool,
    /// `--list`: print the selected names and exit.
    pub list_only: bool,
    /// How much the console says.
    pub verbosity: Verbosity,
    /// Where the report goes.
    pub report: ReportTarget,
    /// Where the findings also go as JUnit XML (`--junit`, `[report] junit`).
    pub junit: Option<PathBuf>,
    /// `[report] build` commands whose output is recorded.
    pub build_commands: Vec<String>,
    /// `[report] env`: the variables of smoke's environment the report records.
    pub report_env: Vec<String>,
    /// The words of a smoke command line that reruns with the same suite and failure matching
    /// (`--config` as an absolute path, overriding flags, `--match`); replay commands add the
    /// order and the names.
    pub replay_base: Vec<String>,
    /// With no config file, the folder a replay must `cd` into first (the tests ran there).
    pub replay_dir: Option<PathBuf>,
    /// The suite as it was given (the config file, absolute, and the flags that shape a
    /// sequence), for the report: `replay`, `resume` and `diagnose` rebuild the suite from it.
    pub suite_record: crate::report::record::SuiteRecord,
    /// Options that were given but cannot apply, each a sentence for the console and the
    /// report.
    pub warnings: Vec<String>,
    /// `smoke reproduce`: an iteration starts only when the one before it has ended, and none
    /// after one that failed (each iteration is one more try of the same order).
    pub until_found: bool,
}

/// How much the console prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbosity {
    /// Errors and the summary.
    Quiet,
    /// A line per iteration, every reduction and the summary.
    Normal,
    /// Also each test as it starts.
    Verbose,
}

/// Where the report is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportTarget {
    /// A folder the user named (`--report-dir`, `[report] dir`) for dated names
    /// (`smoke-report-YYYY-MM-DDTHH-MM-SS.txt`).
    Dir(PathBuf),
    /// `./reports`, nobody having asked: the same, except that smoke will not follow it if it
    /// is a symbolic link.
    DefaultDir(PathBuf),
    /// `--report PATH`: the text report's exact path.
    File(PathBuf),
}

impl Config {
    /// Read the config file (`--config`, or `./smoke.toml` when present) and merge it with the
    /// flags. A base seed, when none is given, is drawn from the OS here.
    pub fn load(cli: Cli, cwd: &Path) -> Result<Config, ConfigError> {
        let file = match &cli.config {
            Some(path) => Some((path.clone(), file::read(&cwd.join(path))?)),
            None if cli.no_config => None,
            None => {
                let path = cwd.join(DEFAULT_CONFIG);
                if path.is_file() {
                    Some((PathBuf::from(DEFAULT_CONFIG), file::read(&path)?))
                } else {
                    None
                }
            }
        };
        // The one read of the CI variables `--shard ci` takes its shard from.
        let ci_env: BTreeMap<String, String> = match cli.shard {
            Some(ShardSpec::Ci) => crate::shard::ci_variables()
                .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?)))
                .collect(),
            _ => BTreeMap::new(),
        };
        let machine = Machine {
            program: machine::smoke_program(),
            own_pytest: machine::venv_pytest(),
            on_path: &|name| machine::on_path(name).is_some(),
            executable: &machine::executable,
        };
        Config::from_parts_on(cli, cwd, file, &ci_env, rand::random, &machine)
    }

    /// Merge the flags with an already read config file (`(path as named, contents)`), with no
    /// CI variables set. `draw_seed` is called only when no seed is given.
    pub fn from_parts(
        cli: Cli,
        cwd: &Path,
        file: Option<(PathBuf, String)>,
        draw_seed: impl FnOnce() -> u64,
    ) -> Result<Config, ConfigError> {
        Config::from_parts_in(cli, cwd, file, &BTreeMap::new(), draw_seed)
    }

    /// [`from_parts`](Self::from_parts) where `ci_env` holds the CI variables `--shard ci`
    /// reads (name → value).
    pub fn from_parts_in(
        cli: Cli,
        cwd: &Path,
        file: Option<(PathBuf, String)>,
        ci_env: &BTreeMap<String, String>,
        draw_seed: impl FnOnce() -> u64,
    ) -> Result<Config, ConfigError> {
        Config::from_parts_on(cli, cwd, file, ci_env, draw_seed, &Machine::default())
    }

    /// [`from_parts_in`](Self::from_parts_in) with what the edge found out about the machine:
    /// the word replay lines start with, and which programs and files exist.
    pub fn from_parts_on(
        cli: Cli,
        cwd: &Path,
        file: Option<(PathBuf, String)>,
        ci_env: &BTreeMap<String, String>,
        draw_seed: impl FnOnce() -> u64,
        machine: &Machine,
    ) -> Result<Config, ConfigError> {
        let (config_file, parsed) = match file {
            Some((path, text)) => {
                let parsed = file::parse(&path, &text)?;
                (Some(path), parsed)
            }
            None => (None, file::FileConfig::default()),
        };
        let dir = match &config_file {
            Some(path) => cwd.join(path.parent().unwrap_or(Path::new(""))),
            None => cwd.to_path_buf(),
        };
        let suite_record = record(&cli, config_file.as_deref().map(|p| cwd.join(p)), &dir);
        let file::FileConfig {
            suite,
            mut smoke,
            report,
        } = parsed;
        smoke.control_dir = smoke.control_dir.map(|d| dir.join(d));
        let in_file = |key: &str| match &config_file {
            Some(path) => format!("{key} in '{}'", path.display()),
            None => key.to_string(),
        };

        let mut warnings = Vec::new();
        let parts = suite::resolve(&cli, &suite, &config_file, &dir, machine, &mut warnings)?;
        let batch_mode = matches!(parts.execution, Execution::Batch(_));
        let timeout = match (&cli.timeout, &suite.timeout) {
            (Some(t), _) => Some(parse_timeout(t, "--timeout")?),
            (None, Some(t)) => Some(parse_timeout(t, &in_file("[suite] timeout"))?),
            (None, None) => None,
        };
        let probes = suite::probes(&cli.probes, &suite, &config_file, timeout, &mut warnings)?;
        if cli.bug_mode && (cli.probes.probe.is_some() || !cli.probes.probe_files.is_empty()) {
            warnings.push(
                "--probe and --probe-files have no effect in bug mode: they probe the verbose \
                 rerun of a minimal sequence and smoke replay"
                    .to_string(),
            );
        }
        let run = run::resolve(
            &cli,
            &smoke,
            &config_file,
            &parts,
            ci_env,
            draw_seed,
            &mut warnings,
        )?;
        let suite::SuiteParts {
            preset,
            source,
            execution,
            deduplicating_runner,
            fork_server,
            runs_pytest,
            server_lists,
        } = parts;
        let jobs = run.jobs;
        let workdir = cli.workdir.or(suite.workdir).unwrap_or_default();
        // Workers that share a folder and name no state of their own trip over each other's
        // files and databases; batch mode keeps in-process state apart, and a fresh folder
        // keeps files apart.
        let commands = [
            Some(execution.template()),
            cli.setup.as_deref().or(suite.setup.as_deref()),
            cli.teardown.as_deref().or(suite.teardown.as_deref()),
        ];
        let isolated = workdir == Workdir::Fresh
            || batch_mode
            || commands.iter().flatten().any(|c| shell::names_worker(c))
            || suite.env.values().any(|v| shell::names_worker(v));
        if jobs > 1 && !isolated && !cli.bug_mode {
            warnings.push(format!(
                "--jobs {jobs}: the workers share state: every sequence runs in the suite \
                 folder and no command names its worker. Tests that share files or a database \
                 will trip over each other's; give each worker its own (setup = \"createdb \
                 app_{{worker}}\", a state folder named with $SMOKE_WORKER), or run each \
                 sequence in a fresh folder (--workdir fresh)"
            ));
        }
        let report_target = report_target(
            cli.report.as_deref(),
            cli.report_dir.as_deref(),
            report.dir.as_deref(),
            &dir,
            cwd,
        );

        // Replays must work from any folder: the config by its absolute path, or, with flags
        // only, a `cd` into the folder the tests ran in.
        let mut replay_base = vec![machine.program.clone()];
        if cli.no_config {
            replay_base.push("--no-config".to_string());
        }
        if let Some(path) = &config_file {
            replay_base.extend(["--config".to_string(), cwd.join(path).display().to_string()]);
        }
        let replay_dir = config_file.is_none().then(|| dir.clone());
        for (flag, value) in [
            ("--preset", &cli.preset.map(|p| p.to_string())),
            ("--program", &cli.program),
            ("--mode", &cli.mode.map(|m| m.to_string())),
            ("--run", &cli.run),
            ("--batch", &cli.batch),
            ("--format", &cli.format.map(|f| f.to_string())),
            ("--setup", &cli.setup),
            ("--teardown", &cli.teardown),
            ("--timeout", &cli.timeout),
            ("--workdir", &cli.workdir.map(|w| value_name(&w))),
            ("--match", &cli.match_output),
            ("--retries", &cli.retries.map(|r| r.to_string())),
        ] {
            if let Some(value) = value {
                replay_base.extend([flag.to_string(), value.clone()]);
            }
        }
        if cli.ignore_runner_exit {
            replay_base.push("--ignore-runner-exit".to_string());
        }
        if cli.keep_going {
            replay_base.push("--keep-going".to_string());
        }
        // The probes given as flags probe the replayed run's verbose rerun too.
        let p = &cli.probes;
        let probe_flags = p.probe.iter().map(|c| ("--probe", c));
        let probe_flags = probe_flags
            .chain(p.probe_ignore.iter().map(|r| ("--probe-ignore", r)))
            .chain(p.probe_files.iter().map(|f| ("--probe-files", f)));
        for (flag, value) in probe_flags {
            replay_base.extend([flag.to_string(), value.clone()]);
        }
        if cli.no_fork_server {
            replay_base.push("--no-fork-server".to_string());
        }
        let keep_going = cli.keep_going || suite.keep_going.unwrap_or(false);

        let junit = match (&cli.junit, &report.junit) {
            (Some(path), _) => Some(cwd.join(path)),
            (None, Some(path)) => Some(dir.join(path)),
            (None, None) => None,
        };

        // Bug mode runs the selection once in order and shrinks nothing: the options that only
        // serve smoke mode are set to what bug mode does, so no report records one that had no
        // effect (the file's [smoke] keys serve the smoke runs).
        let bug_mode = cli.bug_mode;
        let list_only = cli.list;
        let order_file = match &cli.order_file {
            Some(path) => Some(read_order_file(&cwd.join(path), path)?),
            None => None,
        };
        let Cli {
            tests: selected,
            suite: flags,
            ..
        } = cli;
        Ok(Config {
            config_file,
            dir,
            source,
            selected: order_file.unwrap_or(selected),
            execution,
            preset,
            setup: flags.setup.or(suite.setup),
            teardown: flags.teardown.or(suite.teardown),
            timeout,
            env: suite.env.into_iter().collect(),
            probes,
            order: if bug_mode { Order::Rotate } else { run.order },
            times: if bug_mode { 1 } else { run.times },
            iterations: if bug_mode { 1 } else { run.iterations },
            iterations_cut: run.iterations_cut.filter(|_| !bug_mode),
            seed: run.seed,
            seed_given: run.seed_given,
            shard: run.shard,
            match_output: run.match_output.filter(|_| !bug_mode),
            retries: if bug_mode { 0 } else { run.retries },
            jobs: if bug_mode { 1 } else { jobs },
            workers_share_state: jobs > 1 && !isolated && !bug_mode,
            fork_prefault: (jobs == 1 || bug_mode) && run::cpus() > 1,
            driving: run.driving.map(|d| match d {
                Driving::ControlDir(dir) => Driving::ControlDir(cwd.join(dir)),
                other => other,
            }),
            workdir,
            max_reduce: run.max_reduce.filter(|_| !bug_mode),
            reduce: if bug_mode {
                crate::reduce::Reducer::default()
            } else {
                run.reduce
            },
            bug_mode,
            ignore_runner_exit: flags.ignore_runner_exit
                || suite.ignore_runner_exit.unwrap_or(false),
            deduplicating_runner,
            fork_server,
            runs_pytest,
            server_lists,
            keep_going: keep_going && !bug_mode,
            list_only,
            verbosity: match (flags.quiet, flags.verbose) {
                (true, _) => Verbosity::Quiet,
                (_, true) => Verbosity::Verbose,
                _ => Verbosity::Normal,
            },
            report: report_target,
            junit,
            build_commands: report.build,
            report_env: report.env,
            replay_base,
            replay_dir,
            suite_record,
            warnings,
            until_found: false,
        })
    }
}

/// A flag's value as the command line spells it (`fresh`, `per-test`, `pytest`).
fn value_name(value: &impl clap::ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// The suite as `cli` gives it, over the config file `config` (absolute), run in `dir`.
fn record(cli: &Cli, config: Option<PathBuf>, dir: &Path) -> crate::report::record::SuiteRecord {
    let p = &cli.probes;
    crate::report::record::SuiteRecord {
        dir: dir.display().to_string(),
        config: config.map(|c| c.display().to_string()),
        tests: cli
            .tests
            .iter()
            .map(|t| t.to_string_lossy().into_owned())
            .collect(),
        preset: cli.preset.as_ref().map(value_name),
        program: cli.program.clone(),
        mode: cli.mode.as_ref().map(value_name),
        run: cli.run.clone(),
        batch: cli.batch.clone(),
        format: cli.format.as_ref().map(value_name),
        setup: cli.setup.clone(),
        teardown: cli.teardown.clone(),
        timeout: cli.timeout.clone(),
        workdir: cli.workdir.as_ref().map(value_name),
        jobs: cli.jobs.map(|j| match j {
            crate::cli::Jobs::Auto => "auto".to_string(),
            crate::cli::Jobs::Count(n) => n.to_string(),
        }),
        ignore_runner_exit: cli.ignore_runner_exit,
        no_fork_server: cli.no_fork_server,
        keep_going: cli.keep_going,
        probe: p.probe.clone(),
        probe_ignore: p.probe_ignore.clone(),
        probe_files: p.probe_files.clone(),
        state_ignore: p.state_ignore.clone(),
        no_state_diff: p.no_state_diff,
        controller: cli.controller.clone(),
    }
}

impl Config {
    /// Whether this machine runs iteration `index` (1-based, of the whole run): always, unless
    /// `--shard` gave it another machine.
    pub fn runs_iteration(&self, index: u32) -> bool {
        self.shard.is_none_or(|shard| shard.contains(index))
    }

    /// Tuscan and exhaustive: set the iterations to the rows or distinct orders the order has
    /// over `selection` (or the first `--iterations` of them), which only the selected tests
    /// tell. Returns the line that says how many, to print before the run; adds a warning when
    /// `--iterations` asks for more than there are. Exhaustive refuses more than
    /// [`MAX_EXHAUSTIVE`] orders unless `--iterations` cuts them. Other orders: `None`.
    pub fn count_iterations(
        &mut self,
        selection: &[crate::model::TestId],
        warnings: &mut Vec<String>,
    ) -> Result<Option<String>, ConfigError> {
        let counted = run::count_iterations(
            self.order,
            selection,
            self.times,
            self.iterations_cut,
            self.shard,
            warnings,
        )?;
        Ok(counted.map(|(iterations, line)| {
            self.iterations = iterations;
            line
        }))
    }
}

/// Where reports go: `--report PATH`, `--report-dir DIR` (both relative to `cwd`), the file's
/// `[report] dir` (relative to the file's folder, `dir`), else `./reports`.
fn report_target(
    report: Option<&Path>,
    report_dir: Option<&Path>,
    file_dir: Option<&Path>,
    dir: &Path,
    cwd: &Path,
) -> ReportTarget {
    match (report, report_dir, file_dir) {
        (Some(path), _, _) => ReportTarget::File(cwd.join(path)),
        (None, Some(d), _) => ReportTarget::Dir(cwd.join(d)),
        (None, None, Some(d)) => ReportTarget::Dir(dir.join(d)),
        (None, None, None) => ReportTarget::DefaultDir(cwd.join(DEFAULT_REPORT_DIR)),
    }
}

/// Where a subcommand that writes a report without running a suite (`smoke merge`) writes it,
/// by the same rules as a run: `--report`, `--report-dir`, the `[report] dir` of the config file
/// (`config`, or `./smoke.toml` when present), else `./reports`. Only `[report] dir` of the
/// file is used, but the file must be valid.
pub fn report_target_only(
    config: Option<&Path>,
    report: Option<&Path>,
    report_dir: Option<&Path>,
    cwd: &Path,
) -> Result<ReportTarget, ConfigError> {
    let named = match config {
        Some(path) => Some(path.to_path_buf()),
        None => cwd
            .join(DEFAULT_CONFIG)
            .is_file()
            .then(|| PathBuf::from(DEFAULT_CONFIG)),
    };
    let (dir, file_dir) = match &named {
        Some(path) => {
            let parsed = file::parse(path, &file::read(&cwd.join(path))?)?;
            (
                cwd.join(path.parent().unwrap_or(Path::new(""))),
                parsed.report.dir,
            )
        }
        None => (cwd.to_path_buf(), None),
    };
    Ok(report_target(
        report,
        report_dir,
        file_dir.as_deref(),
        &dir,
        cwd,
    ))
}

/// `--order-file`: the test names of `path` (shown as `given`), one a line, byte for byte;
/// blank lines and lines starting with `#` are left out.
fn read_order_file(path: &Path, given: &Path) -> Result<Vec<OsString>, ConfigError> {
    use std::os::unix::ffi::OsStringExt;
    let bytes = std::fs::read(path).map_err(|e| {
        ConfigError::new(format!(
            "cannot read the order file '{}': {e} (--order-file takes a file of test names, one \
             a line)",
            given.display()
        ))
    })?;
    let names: Vec<OsString> = bytes
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.trim_ascii().is_empty() && !line.starts_with(b"#"))
        .map(|line| OsString::from_vec(line.to_vec()))
        .collect();
    if names.is_empty() {
        return Err(ConfigError::new(format!(
            "the order file '{}' names no test (one name a line; blank lines and # comments \
             are left out)",
            given.display()
        )));
    }
    Ok(names)
}

/// For the subcommands that take a report up again (`replay`, `resume`): the folder its suite
/// ran in, `dir`, must still be there, or every command would fail to start in it with a
/// message that names something else. `report` is the report as the user named it.
pub fn require_suite_dir(dir: &Path, report: &Path) -> Result<(), ConfigError> {
    if dir.is_dir() {
        return Ok(());
    }
    Err(ConfigError::new(format!(
        "the suite folder '{}' that '{}' ran in is missing: restore it, or, if the suite has \
         moved, pass --config with its smoke.toml",
        dir.display(),
        report.display()
    )))
}

/// For `replay`, when a report's test is not in the suite: a sentence saying that the report
/// ran in another suite folder (`recorded`, its `suite_dir`) than the one found now (`dir`), if
/// it did (compared after resolving links, when they exist).
pub fn other_suite_dir(recorded: &str, dir: &Path) -> Option<String> {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.components().collect());
    (real(Path::new(recorded)) != real(dir)).then(|| {
        format!(
            "the report ran in the suite folder '{recorded}', not in '{}': replay it from \
             there, or pass --config with that suite's smoke.toml",
            dir.components().collect::<PathBuf>().display()
        )
    })
}

fn parse_timeout(text: &str, what: &str) -> Result<Duration, ConfigError> {
    let duration = humantime::parse_duration(text).map_err(|e| {
        ConfigError::new(format!(
            "invalid {what} '{text}': {e} (write it like 30s, 2m or 1h30m)"
        ))
    })?;
    if duration.is_zero() {
        return Err(ConfigError::new(format!(
            "invalid {what} '{text}': a timeout must be longer than zero (leave it out for none)"
        )));
    }
    if duration < MIN_TIMEOUT {
        return Err(ConfigError::new(format!(
            "invalid {what} '{text}': a timeout must be at least 1ms, or every test would be \
             killed as it starts and look flaky (write it like 30s, 2m or 1h30m)"
        )));
    }
    if duration > MAX_TIMEOUT {
        return Err(ConfigError::new(format!(
            "invalid {what} '{text}': a timeout can be at most 30 days (leave it out for none)"
        )));
    }
    Ok(duration)
}
