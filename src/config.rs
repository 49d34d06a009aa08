//! `smoke.toml` merged with the command line into one validated [`Config`].
//!
//! This is the one place defaults live and the one place the base seed is drawn. Flags override
//! the file; paths in the file are relative to the file's folder, paths on the command line to
//! the current folder. Everything that can be checked without running a command is checked here,
//! so a bad option fails before any test runs. Resolving the test list (running `list`,
//! expanding `glob`) is I/O and lives in `suite`.

use crate::batch::Format;
use crate::cli::{Cli, Jobs};
use crate::error::ConfigError;
use crate::execution::{BatchTemplate, Execution, RunMode, RunTemplate, TestSource, Workdir};
use crate::model::Order;
use crate::preset::{Defaults, Preset};
use crate::shard::{Shard, ShardSpec};
use crate::shell;
use regex::Regex;
use serde::Deserialize;
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
/// The longest `timeout` smoke takes: far past any test, and far from the clock's limits
/// (a batch's limit is this times its length, and a deadline past the clock's range would
/// panic).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);
/// The longest time limit smoke sets for one command (a batch of many tests).
pub const MAX_COMMAND_LIMIT: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Default report folder, relative to the current folder.
pub const DEFAULT_REPORT_DIR: &str = "reports";

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
    /// The order of each iteration.
    pub order: Order,
    /// How many times each test runs per iteration (>= 1).
    pub times: u32,
    /// Iterations to run (1 for the deterministic orders).
    pub iterations: u32,
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
    /// Workers running sequences side by side (`--jobs`, at least 1; 1 in bug mode).
    pub jobs: usize,
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
    /// `--list`: print the selected names and exit.
    pub list_only: bool,
    /// How much the console says.
    pub verbosity: Verbosity,
    /// Where the report goes.
    pub report: ReportTarget,
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
    /// Options that were given but cannot apply, each a sentence for the console and the
    /// report.
    pub warnings: Vec<String>,
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    suite: FileSuite,
    #[serde(default)]
    smoke: FileSmoke,
    #[serde(default)]
    report: FileReport,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSuite {
    tests: Option<Vec<String>>,
    list: Option<String>,
    glob: Option<String>,
    run: Option<String>,
    batch: Option<String>,
    format: Option<Format>,
    mode: Option<RunMode>,
    preset: Option<Preset>,
    program: Option<String>,
    setup: Option<String>,
    teardown: Option<String>,
    timeout: Option<String>,
    #[serde(rename = "ignore-runner-exit")]
    ignore_runner_exit: Option<bool>,
    workdir: Option<Workdir>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSmoke {
    times: Option<u32>,
    iterations: Option<u32>,
    order: Option<Order>,
    seed: Option<u64>,
    #[serde(rename = "match")]
    match_output: Option<String>,
    retries: Option<u32>,
    #[serde(rename = "max-reduce")]
    max_reduce: Option<u64>,
    jobs: Option<FileJobs>,
}

/// `[smoke] jobs`: a number, or `"auto"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FileJobs {
    Count(usize),
    Word(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileReport {
    dir: Option<PathBuf>,
    #[serde(default)]
    build: Vec<String>,
    #[serde(default)]
    env: Vec<String>,
}

impl Config {
    /// Read the config file (`--config`, or `./smoke.toml` when present) and merge it with the
    /// flags. A base seed, when none is given, is drawn from the OS here.
    pub fn load(cli: Cli, cwd: &Path) -> Result<Config, ConfigError> {
        let file = match &cli.config {
            Some(path) => Some((path.clone(), read_config(&cwd.join(path))?)),
            None => {
                let path = cwd.join(DEFAULT_CONFIG);
                if path.is_file() {
                    Some((PathBuf::from(DEFAULT_CONFIG), read_config(&path)?))
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
        Config::from_parts_in(cli, cwd, file, &ci_env, rand::random)
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
        let (config_file, parsed) = match file {
            Some((path, text)) => {
                let parsed: FileConfig = toml::from_str(&text).map_err(|e| {
                    ConfigError::new(format!(
                        "invalid config file '{}': {}",
                        path.display(),
                        e.to_string().trim_end()
                    ))
                })?;
                (Some(path), parsed)
            }
            None => (None, FileConfig::default()),
        };
        let dir = match &config_file {
            Some(path) => cwd.join(path.parent().unwrap_or(Path::new(""))),
            None => cwd.to_path_buf(),
        };
        let FileConfig {
            suite,
            smoke,
            report,
        } = parsed;
        let in_file = |key: &str| match &config_file {
            Some(path) => format!("{key} in '{}'", path.display()),
            None => key.to_string(),
        };

        let preset = cli.preset.or(suite.preset);
        let program = cli.program.clone().or(suite.program.clone());
        let defaults = match preset {
            Some(preset) => {
                let program = program
                    .as_deref()
                    .or(preset.default_program())
                    .ok_or_else(|| {
                        ConfigError::new(format!(
                            "the {preset} preset needs the test binary: set [suite] program = \
                             \"build/unit_tests\" in smoke.toml, or pass --program PATH"
                        ))
                    })?;
                Some((preset, preset.defaults(program)))
            }
            None => None,
        };
        let source = test_source(&suite, &config_file, &cli, defaults.as_ref())?;
        let execution = execution(&cli, &suite, &config_file, defaults.as_ref())?;
        let batch_mode = matches!(execution, Execution::Batch(_));
        let mut warnings = Vec::new();
        if let Some(words) = &cli.program {
            let used = defaults.as_ref().is_some_and(|(_, d)| {
                d.source == source
                    || match &execution {
                        Execution::PerTest(run) => *run == d.run,
                        Execution::Batch(b) => {
                            d.batch.as_ref().is_some_and(|x| x.template == b.template)
                        }
                    }
            });
            match preset {
                None => warnings.push(format!(
                    "--program '{words}' has no effect without a preset: pass --preset (pytest, \
                     prove, cargo, go, gtest) or put the program in the run or batch template"
                )),
                Some(preset) if !used => {
                    let keys = explicit_keys(&cli, &suite, &config_file);
                    warnings.push(format!(
                        "--program '{words}' has no effect: {} replace{} everything the {preset} \
                         preset would fill in with it; change {} instead",
                        keys.join(" and "),
                        if keys.len() == 1 { "s" } else { "" },
                        if keys.len() == 1 { "it" } else { "them" },
                    ));
                }
                Some(_) => {}
            }
        }
        if cli.format.is_some() && !batch_mode {
            warnings.push(
                "--format has no effect in per-test mode (each test's exit status is its \
                 result); it applies to batch mode (--batch, --mode batch)"
                    .to_string(),
            );
        }
        if cli.ignore_runner_exit && !batch_mode {
            warnings.push(
                "--ignore-runner-exit has no effect in per-test mode (a test's exit status is \
                 its result); it applies to batch mode"
                    .to_string(),
            );
        }

        let timeout = match (&cli.timeout, &suite.timeout) {
            (Some(t), _) => Some(parse_timeout(t, "--timeout")?),
            (None, Some(t)) => Some(parse_timeout(t, &in_file("[suite] timeout"))?),
            (None, None) => None,
        };

        if cli.bug_mode {
            let ignored: Vec<&str> = [
                ("--order", cli.order.is_some()),
                ("--times", cli.times.is_some()),
                ("--iterations", cli.iterations.is_some()),
                ("--match", cli.match_output.is_some()),
                ("--retries", cli.retries.is_some()),
                ("--max-reduce", cli.max_reduce.is_some()),
                ("--jobs", cli.jobs.is_some()),
                ("--shard", cli.shard.is_some()),
            ]
            .into_iter()
            .filter_map(|(flag, given)| given.then_some(flag))
            .collect();
            if !ignored.is_empty() {
                return Err(ConfigError::new(format!(
                    "--bug-mode runs each selected test once, in the suite's order (or the \
                     order named), and shrinks nothing, so {} would have no effect: leave {} \
                     out (bug mode takes test names and --seed, which tests get as SMOKE_SEED)",
                    ignored.join(", "),
                    if ignored.len() > 1 { "them" } else { "it" }
                )));
            }
        }

        let order = cli
            .order
            .map(Order::from)
            .or(smoke.order)
            .unwrap_or(Order::Random);
        // Runners that take a whole sequence (pytest, prove) run each test once per invocation.
        let times = at_least_one(cli.times, smoke.times, "times", &in_file("[smoke] times"))?
            .unwrap_or(if batch_mode { 1 } else { DEFAULT_TIMES });
        let deduplicating_runner = match &execution {
            Execution::Batch(b) => deduplicating_runner(preset, &b.template),
            Execution::PerTest(_) => None,
        };
        if let (Some(runner), true) = (deduplicating_runner, times > 1 && !cli.bug_mode) {
            let key = match cli.times {
                Some(_) => format!("--times {times}"),
                None => format!("{} = {times}", in_file("[smoke] times")),
            };
            return Err(ConfigError::new(format!(
                "{runner} runs each test once per invocation however often it is named, so \
                 {key} cannot work in batch mode: use --times 1 (the batch default), or per-test \
                 mode (--mode per-test), where each run of a test is a process of its own"
            )));
        }
        let iterations_given = at_least_one(
            cli.iterations,
            smoke.iterations,
            "iterations",
            &in_file("[smoke] iterations"),
        )?;
        // Only a flag given now is worth a word: a file's `iterations` serves the random runs,
        // and every pasted replay (rotate) would repeat the warning.
        if order.is_deterministic() && cli.iterations.is_some() && !cli.bug_mode {
            warnings.push(format!(
                "--iterations is ignored: order {order} is the same every time, so it runs once"
            ));
        }
        let iterations = if order.is_deterministic() {
            1
        } else {
            iterations_given.unwrap_or(DEFAULT_ITERATIONS)
        };
        let seed_given = cli.seed.or(smoke.seed).is_some();
        let shard = match cli.shard {
            None => None,
            Some(ShardSpec::Explicit(shard)) => Some(shard),
            Some(ShardSpec::Ci) => {
                Some(crate::shard::from_ci(ci_env, cli.shard_total).map_err(ConfigError::new)?)
            }
        };
        if let (Some(_), Some(ShardSpec::Explicit(shard))) = (cli.shard_total, cli.shard) {
            return Err(ConfigError::new(format!(
                "--shard-total goes with --shard ci (for a Kubernetes Indexed Job): --shard \
                 {}/{} names the total already, so leave --shard-total out",
                shard.index(),
                shard.total()
            )));
        }
        let seed = match (cli.seed.or(smoke.seed), shard) {
            (Some(seed), _) => seed,
            // Shards that drew their own seeds would each run other orders: together they would
            // not be one run, and their reports could not be merged.
            (None, Some(shard)) => {
                return Err(ConfigError::new(format!(
                    "{shard} needs an explicit seed: every shard of a run must use the same \
                     base seed, or together they do not run what one run would. Pass the same \
                     --seed to every shard, e.g. --seed {} (freshly drawn; a CI run's id works \
                     too), or set [smoke] seed in {}",
                    draw_seed(),
                    config_file
                        .as_deref()
                        .map_or(DEFAULT_CONFIG.to_string(), |p| p.display().to_string())
                )));
            }
            (None, None) => draw_seed(),
        };
        if let Some(shard) = shard.filter(|s| s.count(iterations) == 0) {
            warnings.push(if order.is_deterministic() {
                format!(
                    "{shard} runs no iteration: order {order} runs one, which shard 1 of {} \
                     runs",
                    shard.total()
                )
            } else {
                format!(
                    "{shard} runs no iteration: --iterations {iterations} gives {} shard(s) one \
                     or more, the rest none",
                    iterations.min(shard.total())
                )
            });
        }

        let match_output = match (&cli.match_output, &smoke.match_output) {
            (Some(pattern), _) => Some(match_regex(pattern, "--match")?),
            (None, Some(pattern)) => Some(match_regex(pattern, &in_file("[smoke] match"))?),
            (None, None) => None,
        };

        let file_jobs = match &smoke.jobs {
            Some(FileJobs::Count(n)) => Some(Jobs::Count(*n)),
            Some(FileJobs::Word(word)) if word == "auto" => Some(Jobs::Auto),
            Some(FileJobs::Word(_)) => Some(Jobs::Count(0)),
            None => None,
        };
        let jobs = match (cli.jobs, file_jobs) {
            (Some(Jobs::Count(n)), _) | (None, Some(Jobs::Count(n))) if n >= 1 => n,
            (Some(Jobs::Auto), _) | (None, Some(Jobs::Auto)) => cpus(),
            (None, None) => 1,
            (None, Some(Jobs::Count(_))) => {
                return Err(ConfigError::new(format!(
                    "{} must be a number of workers of at least 1, or \"auto\" (one per CPU)",
                    in_file("[smoke] jobs")
                )));
            }
            (Some(Jobs::Count(_)), _) => {
                return Err(ConfigError::new("--jobs must be at least 1, or auto"));
            }
        };
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
        let retries = cli.retries.or(smoke.retries).unwrap_or(0);
        let max_reduce = match (cli.max_reduce, smoke.max_reduce) {
            (None, Some(0)) => {
                return Err(ConfigError::new(format!(
                    "{} must be at least 1 (got 0; leave it out for no limit)",
                    in_file("[smoke] max-reduce")
                )));
            }
            (flag, file) => flag.or(file),
        };

        let report_target = report_target(
            cli.report.as_deref(),
            cli.report_dir.as_deref(),
            report.dir.as_deref(),
            &dir,
            cwd,
        );

        // Replays must work from any folder: the config by its absolute path, or, with flags
        // only, a `cd` into the folder the tests ran in.
        let mut replay_base = vec!["smoke".to_string()];
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

        // Bug mode runs the selection once in order and shrinks nothing: the options that only
        // serve smoke mode are set to what bug mode does, so no report records one that had no
        // effect (the file's [smoke] keys serve the smoke runs).
        let bug_mode = cli.bug_mode;
        Ok(Config {
            config_file,
            dir,
            source,
            selected: cli.tests,
            execution,
            preset,
            setup: cli.setup.or(suite.setup),
            teardown: cli.teardown.or(suite.teardown),
            timeout,
            env: suite.env.into_iter().collect(),
            order: if bug_mode { Order::Rotate } else { order },
            times: if bug_mode { 1 } else { times },
            iterations: if bug_mode { 1 } else { iterations },
            seed,
            seed_given,
            shard,
            match_output: match_output.filter(|_| !bug_mode),
            retries: if bug_mode { 0 } else { retries },
            jobs: if bug_mode { 1 } else { jobs },
            workdir,
            max_reduce: max_reduce.filter(|_| !bug_mode),
            bug_mode,
            ignore_runner_exit: cli.ignore_runner_exit || suite.ignore_runner_exit.unwrap_or(false),
            deduplicating_runner,
            list_only: cli.list,
            verbosity: match (cli.quiet, cli.verbose) {
                (true, _) => Verbosity::Quiet,
                (_, true) => Verbosity::Verbose,
                _ => Verbosity::Normal,
            },
            report: report_target,
            build_commands: report.build,
            report_env: report.env,
            replay_base,
            replay_dir,
            warnings,
        })
    }
}

impl Config {
    /// Whether this machine runs iteration `index` (1-based, of the whole run): always, unless
    /// `--shard` gave it another machine.
    pub fn runs_iteration(&self, index: u32) -> bool {
        self.shard.is_none_or(|shard| shard.contains(index))
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
            let text = read_config(&cwd.join(path))?;
            let parsed: FileConfig = toml::from_str(&text).map_err(|e| {
                ConfigError::new(format!(
                    "invalid config file '{}': {}",
                    path.display(),
                    e.to_string().trim_end()
                ))
            })?;
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

/// The keys given that decide what a preset would fill in, as the user gave them (for the
/// message when `--program` cannot apply).
fn explicit_keys(cli: &Cli, suite: &FileSuite, config_file: &Option<PathBuf>) -> Vec<String> {
    let file = config_file
        .as_deref()
        .map_or(String::new(), |p| format!(" in '{}'", p.display()));
    let mut keys = Vec::new();
    for (key, flag, in_file) in [
        ("tests", false, suite.tests.is_some()),
        ("list", false, suite.list.is_some()),
        ("glob", false, suite.glob.is_some()),
        ("run", cli.run.is_some(), suite.run.is_some()),
        ("batch", cli.batch.is_some(), suite.batch.is_some()),
    ] {
        if flag {
            keys.push(format!("--{key}"));
        } else if in_file {
            keys.push(format!("[suite] {key}{file}"));
        }
    }
    keys
}

/// The runner of a batch that runs each test once per invocation however often it is named:
/// pytest and prove (by preset, or as the template's program).
fn deduplicating_runner(preset: Option<Preset>, template: &str) -> Option<&'static str> {
    match preset {
        Some(Preset::Pytest) => return Some("pytest"),
        Some(Preset::Prove) => return Some("prove"),
        _ => {}
    }
    let words: Vec<&str> = template.split_whitespace().collect();
    let runs = |program: &str| {
        words
            .iter()
            .any(|w| w.rsplit('/').next() == Some(program) || w.starts_with(&format!("{program}=")))
    };
    if runs("pytest") || runs("py.test") {
        Some("pytest")
    } else if runs("prove") {
        Some("prove")
    } else {
        None
    }
}

/// How many CPUs the OS gives smoke (at least 1), for `--jobs auto`.
fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn match_regex(pattern: &str, what: &str) -> Result<Regex, ConfigError> {
    Regex::new(pattern)
        .map_err(|e| ConfigError::new(format!("invalid {what} regex '{pattern}': {e}")))
}

fn read_config(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(format!(
            "cannot read config file '{}': {e} (check the path given to --config)",
            path.display()
        ))
    })
}

fn test_source(
    suite: &FileSuite,
    config_file: &Option<PathBuf>,
    cli: &Cli,
    defaults: Option<&(Preset, Defaults)>,
) -> Result<TestSource, ConfigError> {
    let Some(path) = config_file else {
        if let Some((_, defaults)) = defaults {
            return Ok(defaults.source.clone());
        }
        let how = cli.run.is_some() || cli.batch.is_some();
        return match (how, cli.tests.is_empty()) {
            (true, false) => Ok(TestSource::CommandLine),
            (true, true) => Err(ConfigError::new(
                "no tests: with --run and no smoke.toml, give the test names after the options, \
                 e.g. smoke --run 'sh {test}' t/a.sh t/b.sh",
            )),
            (false, _) => Err(ConfigError::new(
                "no smoke.toml here and no --run or --preset: write a smoke.toml (see the \
                 README), pass --config FILE, pass --preset (pytest, prove, cargo, go, gtest), \
                 or pass --run 'COMMAND {test}' followed by test names",
            )),
        };
    };
    let mut given = Vec::new();
    if let Some(tests) = &suite.tests {
        given.push(("tests", TestSource::Listed(tests.clone())));
    }
    if let Some(list) = &suite.list {
        given.push(("list", TestSource::ListCommand(list.clone())));
    }
    if let Some(glob) = &suite.glob {
        given.push(("glob", TestSource::Glob(glob.clone())));
    }
    match given.len() {
        1 => Ok(given.remove(0).1),
        0 if defaults.is_some() => Ok(defaults.expect("checked").1.source.clone()),
        0 => Err(ConfigError::new(format!(
            "no tests in '{}': set exactly one of [suite] tests, list or glob",
            path.display()
        ))),
        _ => Err(ConfigError::new(format!(
            "[suite] in '{}' sets {}: keep exactly one of tests, list and glob",
            path.display(),
            given.iter().map(|g| g.0).collect::<Vec<_>>().join(" and ")
        ))),
    }
}

/// Per-test or batch, from the explicit keys first, then the preset's. An explicit `batch`
/// means batch mode and an explicit `run` per-test mode, unless `mode` says otherwise.
fn execution(
    cli: &Cli,
    suite: &FileSuite,
    config_file: &Option<PathBuf>,
    defaults: Option<&(Preset, Defaults)>,
) -> Result<Execution, ConfigError> {
    let file_name = config_file
        .as_deref()
        .unwrap_or(Path::new(DEFAULT_CONFIG))
        .display()
        .to_string();
    let explicit_run = cli.run.clone().or(suite.run.clone());
    let explicit_batch = cli.batch.clone().or(suite.batch.clone());
    let preset = defaults.map(|d| d.0);
    let mode =
        cli.mode
            .or(suite.mode)
            .unwrap_or(match (&explicit_batch, &explicit_run, defaults) {
                (Some(_), _, _) => RunMode::Batch,
                (None, Some(_), _) => RunMode::PerTest,
                (None, None, Some((_, d))) if d.batch_by_default => RunMode::Batch,
                _ => RunMode::PerTest,
            });
    match mode {
        RunMode::PerTest => {
            if let Some(template) = explicit_run {
                let script = shell::test_script(&template).ok_or_else(|| {
                    ConfigError::new(format!(
                        "the run template '{template}' has no {{test}}: put {{test}} where the \
                         test's name goes, e.g. 'sh {{test}}'"
                    ))
                })?;
                return Ok(Execution::PerTest(RunTemplate { template, script }));
            }
            match defaults {
                Some((_, d)) => Ok(Execution::PerTest(d.run.clone())),
                None => Err(ConfigError::new(format!(
                    "no run command: set [suite] run = \"sh {{test}}\" in '{file_name}', or pass \
                     --run 'COMMAND {{test}}'"
                ))),
            }
        }
        RunMode::Batch => {
            let preset_batch = defaults.and_then(|d| d.1.batch.clone());
            let (template, preset_format) = match (explicit_batch, preset_batch) {
                (Some(t), _) => (t, None),
                (None, Some(b)) => (b.template, Some(b.format)),
                (None, None) => {
                    let why = match preset {
                        Some(p) => format!(" ({p}: {})", p.no_batch_reason()),
                        None => String::new(),
                    };
                    return Err(ConfigError::new(format!(
                        "batch mode needs a batch command{why}: set [suite] batch = \
                         \"runner --junit={{junit}} {{tests}}\" in '{file_name}', pass --batch, \
                         or use per-test mode (--mode per-test)"
                    )));
                }
            };
            let (script, has_junit) = shell::batch_script(&template).ok_or_else(|| {
                ConfigError::new(format!(
                    "the batch template '{template}' has no {{tests}}: put {{tests}} where the \
                     runner takes the test names, e.g. 'prove -v {{tests}}'"
                ))
            })?;
            let format = cli
                .format
                .or(suite.format)
                .or(preset_format)
                .unwrap_or(if has_junit {
                    Format::Junit
                } else {
                    Format::Tap
                });
            if format == Format::Junit && !has_junit {
                return Err(ConfigError::new(format!(
                    "the batch template '{template}' has no {{junit}}, but the format is junit: \
                     put {{junit}} where the runner takes its JUnit XML path (e.g. \
                     --junitxml={{junit}}), or set format = \"tap\" for TAP on stdout"
                )));
            }
            Ok(Execution::Batch(BatchTemplate {
                template,
                script,
                format,
            }))
        }
    }
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
    if duration > MAX_TIMEOUT {
        return Err(ConfigError::new(format!(
            "invalid {what} '{text}': a timeout can be at most 30 days (leave it out for none)"
        )));
    }
    Ok(duration)
}

/// The flag's value, else the file's, refusing 0.
fn at_least_one(
    flag: Option<u32>,
    file: Option<u32>,
    name: &str,
    file_key: &str,
) -> Result<Option<u32>, ConfigError> {
    match (flag, file) {
        (Some(0), _) => Err(ConfigError::new(format!(
            "--{name} must be at least 1 (got 0)"
        ))),
        (None, Some(0)) => Err(ConfigError::new(format!(
            "{file_key} must be at least 1 (got 0)"
        ))),
        (flag, file) => Ok(flag.or(file)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn cli(args: &[&str]) -> Cli {
        let mut argv = vec!["smoke"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).expect("test command lines are valid")
    }

    fn with_file(args: &[&str], toml: &str) -> Result<Config, ConfigError> {
        Config::from_parts(
            cli(args),
            Path::new("/work"),
            Some((PathBuf::from("suite/smoke.toml"), toml.to_string())),
            || 99,
        )
    }

    fn error(result: Result<Config, ConfigError>) -> String {
        result.expect_err("this config must be refused").to_string()
    }

    const MINIMAL: &str = "[suite]\ntests = [\"a\", \"b\"]\nrun = \"sh {test}\"\n";

    #[test]
    fn defaults_fill_what_is_not_given() {
        let c = with_file(&[], MINIMAL).expect("valid");
        assert_eq!(c.source, TestSource::Listed(vec!["a".into(), "b".into()]));
        assert_eq!(c.order, Order::Random);
        assert_eq!(c.times, DEFAULT_TIMES);
        assert_eq!(c.iterations, DEFAULT_ITERATIONS);
        assert_eq!(c.seed, 99, "the seed is drawn when none is given");
        assert_eq!(c.dir, Path::new("/work/suite"));
        assert_eq!(c.report, ReportTarget::DefaultDir("/work/reports".into()));
        assert_eq!(
            c.execution,
            Execution::PerTest(RunTemplate {
                template: "sh {test}".into(),
                script: "exec sh \"$1\"".into()
            })
        );
        assert_eq!(c.verbosity, Verbosity::Normal);
        assert!(c.timeout.is_none());
        assert_eq!((c.retries, c.max_reduce), (0, None));
    }

    fn without_file(args: &[&str]) -> Result<Config, ConfigError> {
        Config::from_parts(cli(args), Path::new("/work"), None, || 99)
    }

    #[test]
    fn a_preset_fills_in_and_explicit_keys_override_it() {
        let c = without_file(&["--preset", "pytest"]).expect("valid");
        assert_eq!(c.preset, Some(Preset::Pytest));
        assert!(
            matches!(c.source, TestSource::PytestCollect(ref cmd) if cmd.starts_with("pytest --collect-only -q"))
        );
        let Execution::Batch(batch) = &c.execution else {
            panic!("pytest runs in batch mode by default: {:?}", c.execution)
        };
        assert_eq!(batch.format, Format::Junit);
        assert!(
            batch.script.ends_with(r#"--junitxml="$SMOKE_JUNIT" "$@""#),
            "{}",
            batch.script
        );
        assert_eq!(
            c.times, 1,
            "batch runners run each test once per invocation"
        );

        let toml = "[suite]
preset = \"pytest\"
program = \"python3 -m pytest\"
tests = [\"t.py::a\"]
run = \"pytest -x {test}\"
";
        let c = with_file(&[], toml).expect("valid");
        assert_eq!(c.source, TestSource::Listed(vec!["t.py::a".into()]));
        assert_eq!(
            c.execution.template(),
            "pytest -x {test}",
            "an explicit run means per-test"
        );
        assert_eq!(c.times, DEFAULT_TIMES);
        let c = with_file(&["--mode", "batch"], toml).expect("valid");
        assert!(
            c.execution
                .template()
                .starts_with("python3 -m pytest -p no:randomly"),
            "{}",
            c.execution.template()
        );
    }

    #[test]
    fn batch_templates_are_checked_before_anything_runs() {
        let base = "[suite]\ntests = [\"a\"]\n";
        let message = error(with_file(&[], &format!("{base}batch = \"prove -v\"\n")));
        assert!(message.contains("has no {tests}"), "{message}");
        let message = error(with_file(
            &[],
            &format!("{base}batch = \"runner {{tests}}\"\nformat = \"junit\"\n"),
        ));
        assert!(message.contains("has no {junit}"), "{message}");
        let c = with_file(&[], &format!("{base}batch = \"runner {{tests}}\"\n")).expect("valid");
        assert!(matches!(
            c.execution,
            Execution::Batch(BatchTemplate {
                format: Format::Tap,
                ..
            })
        ));
        let message = error(with_file(
            &["--mode", "batch"],
            &format!("{base}run = \"sh {{test}}\"\n"),
        ));
        assert!(
            message.contains("batch mode needs a batch command"),
            "{message}"
        );
        let message = error(without_file(&["--preset", "cargo", "--mode", "batch"]));
        assert!(message.contains("sorted"), "{message}");
        let message = error(without_file(&["--preset", "gtest"]));
        assert!(message.contains("--program PATH"), "{message}");
    }

    #[test]
    fn every_key_of_the_file_is_read() {
        let c = with_file(
            &[],
            r#"
            [suite]
            list = "ls t"
            run = "sh {test}"
            setup = "mkdir -p state"
            teardown = "rm -rf state"
            timeout = "1m 30s"
            [suite.env]
            APP_ENV = "test"
            A = "1"
            [smoke]
            times = 3
            iterations = 4
            order = "random"
            seed = 12
            match = "boom"
            retries = 2
            max-reduce = 500
            [report]
            dir = "out"
            build = ["uname -a"]
            env = ["CI"]
            "#,
        )
        .expect("valid");
        assert_eq!(c.source, TestSource::ListCommand("ls t".into()));
        assert_eq!(c.setup.as_deref(), Some("mkdir -p state"));
        assert_eq!(c.teardown.as_deref(), Some("rm -rf state"));
        assert_eq!(c.timeout, Some(Duration::from_secs(90)));
        assert_eq!(
            c.env,
            [("A".into(), "1".into()), ("APP_ENV".into(), "test".into())]
        );
        assert_eq!((c.times, c.iterations, c.seed), (3, 4, 12));
        assert!(c.match_output.expect("set").is_match("a boom"));
        assert_eq!((c.retries, c.max_reduce), (2, Some(500)));
        assert_eq!(c.report, ReportTarget::Dir("/work/suite/out".into()));
        assert_eq!(c.build_commands, ["uname -a"]);
        assert_eq!(c.report_env, ["CI"]);
    }

    #[test]
    fn flags_override_the_file() {
        let file = "[suite]\nglob = \"t/*.sh\"\nrun = \"sh {test}\"\nsetup = \"x\"\n\
                    [smoke]\ntimes = 3\nseed = 1\norder = \"repeat\"\nretries = 1\n\
                    max-reduce = 9\n";
        let c = with_file(
            &[
                "--times",
                "5",
                "--seed",
                "8",
                "--order",
                "random",
                "--setup",
                "y",
                "--run",
                "bash {test}",
                "--report",
                "r/x.txt",
                "-q",
                "--retries",
                "3",
                "--max-reduce",
                "40",
            ],
            file,
        )
        .expect("valid");
        assert_eq!((c.times, c.seed, c.order), (5, 8, Order::Random));
        assert_eq!(c.setup.as_deref(), Some("y"));
        assert_eq!(c.execution.template(), "bash {test}");
        assert_eq!(c.report, ReportTarget::File("/work/r/x.txt".into()));
        assert_eq!(c.verbosity, Verbosity::Quiet);
        assert_eq!((c.retries, c.max_reduce), (3, Some(40)));
        assert_eq!(
            c.replay_base,
            [
                "smoke",
                "--config",
                "/work/suite/smoke.toml",
                "--run",
                "bash {test}",
                "--setup",
                "y",
                "--retries",
                "3"
            ],
            "the config by its absolute path, so the replay works from anywhere"
        );
    }

    #[test]
    fn deterministic_orders_run_once_and_say_so_only_when_the_flag_was_given() {
        let c = with_file(&["--order", "rotate", "-n", "5"], MINIMAL).expect("valid");
        assert_eq!(c.iterations, 1);
        assert_eq!(
            c.warnings,
            ["--iterations is ignored: order rotate is the same every time, so it runs once"]
        );
        let c = with_file(&["--order", "repeat"], MINIMAL).expect("valid");
        assert!(c.warnings.is_empty());
        // The file's iterations serve random runs; a pasted replay must not warn about it.
        let file = format!("{MINIMAL}[smoke]\niterations = 20\n");
        let c = with_file(&["--order", "rotate"], &file).expect("valid");
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    #[test]
    fn bug_mode_refuses_the_options_it_would_ignore_and_records_none_of_them() {
        let message = error(with_file(
            &[
                "--bug-mode",
                "--order",
                "random",
                "--times",
                "3",
                "--retries",
                "1",
            ],
            MINIMAL,
        ));
        assert!(
            message.contains("--order, --times, --retries would have no effect"),
            "{message}"
        );
        for flag in [&["-n", "2"][..], &["--match", "x"], &["--max-reduce", "5"]] {
            let mut args = vec!["--bug-mode"];
            args.extend_from_slice(flag);
            assert!(with_file(&args, MINIMAL).is_err(), "{flag:?}");
        }
        let file =
            format!("{MINIMAL}[smoke]\ntimes = 4\nmatch = \"x\"\nretries = 2\nmax-reduce = 9\n");
        let c = with_file(&["--bug-mode", "--seed", "7"], &file).expect("valid");
        assert_eq!(
            (c.order, c.times, c.iterations, c.seed),
            (Order::Rotate, 1, 1, 7)
        );
        assert!(c.match_output.is_none());
        assert_eq!((c.retries, c.max_reduce), (0, None));
    }

    #[test]
    fn a_shard_runs_its_share_and_needs_a_seed_every_shard_agrees_on() {
        let c = with_file(&["--shard", "2/3", "--seed", "7", "-n", "8"], MINIMAL).expect("valid");
        assert_eq!(c.shard, Shard::new(2, 3));
        let runs: Vec<u32> = (1..=8).filter(|&i| c.runs_iteration(i)).collect();
        assert_eq!(runs, [2, 5, 8]);
        assert_eq!(
            (c.seed, c.iterations),
            (7, 8),
            "the whole run's seed and count"
        );
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let c = with_file(&["-n", "3"], MINIMAL).expect("valid");
        assert!(
            (1..=3).all(|i| c.runs_iteration(i)),
            "no shard: every iteration"
        );
        assert!(
            !c.replay_base.iter().any(|w| w.contains("shard")),
            "a replay is one iteration, on any machine"
        );

        let file_seed = format!("{MINIMAL}[smoke]\nseed = 3\n");
        let c = with_file(&["--shard", "1/2"], &file_seed).expect("[smoke] seed is explicit");
        assert_eq!(c.seed, 3);

        let message = error(with_file(&["--shard", "1/2"], MINIMAL));
        assert_eq!(
            message,
            "shard 1 of 2 needs an explicit seed: every shard of a run must use the same base \
             seed, or together they do not run what one run would. Pass the same --seed to \
             every shard, e.g. --seed 99 (freshly drawn; a CI run's id works too), or set \
             [smoke] seed in suite/smoke.toml"
        );
        let message = error(with_file(
            &["--shard", "1/2", "--shard-total", "2", "--seed", "1"],
            MINIMAL,
        ));
        assert!(
            message.starts_with("--shard-total goes with --shard ci"),
            "{message}"
        );
        let message = error(with_file(&["--bug-mode", "--shard", "1/2"], MINIMAL));
        assert!(
            message.contains("so --shard would have no effect"),
            "{message}"
        );
        let message = error(with_file(
            &[],
            &format!("{MINIMAL}[smoke]\nshard = \"1/2\"\n"),
        ));
        assert!(
            message.contains("unknown field `shard`"),
            "a shard is per machine, never in the shared file: {message}"
        );
    }

    #[test]
    fn shard_ci_reads_the_variables_it_is_handed() {
        let with_env = |args: &[&str], vars: &[(&str, &str)]| {
            let env = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let mut argv = vec!["--seed", "1", "--shard", "ci"];
            argv.extend_from_slice(args);
            Config::from_parts_in(
                cli(&argv),
                Path::new("/work"),
                Some((PathBuf::from("smoke.toml"), MINIMAL.to_string())),
                &env,
                || 99,
            )
        };
        let c = with_env(&[], &[("CI_NODE_INDEX", "3"), ("CI_NODE_TOTAL", "4")]).expect("valid");
        assert_eq!(c.shard, Shard::new(3, 4));
        let c = with_env(&["--shard-total", "5"], &[("JOB_COMPLETION_INDEX", "0")]).expect("valid");
        assert_eq!(c.shard, Shard::new(1, 5));
        let message = error(with_env(&[], &[]));
        assert!(message.contains("found none of the variables"), "{message}");
        let message = error(Config::from_parts(
            cli(&["--seed", "1", "--shard", "ci"]),
            Path::new("/work"),
            Some((PathBuf::from("smoke.toml"), MINIMAL.to_string())),
            || 99,
        ));
        assert!(
            message.contains("found none"),
            "from_parts hands in no variables: {message}"
        );
    }

    #[test]
    fn a_shard_with_no_iteration_says_so() {
        let c = with_file(&["--shard", "3/3", "--seed", "1", "-n", "2"], MINIMAL).expect("valid");
        assert_eq!(
            c.warnings,
            [
                "shard 3 of 3 runs no iteration: --iterations 2 gives 2 shard(s) one or more, \
                 the rest none"
            ]
        );
        let c = with_file(
            &["--shard", "2/2", "--seed", "1", "--order", "rotate"],
            MINIMAL,
        )
        .expect("valid");
        assert_eq!(
            c.warnings,
            ["shard 2 of 2 runs no iteration: order rotate runs one, which shard 1 of 2 runs"]
        );
        assert!(!c.runs_iteration(1));
        let c = with_file(
            &["--shard", "1/2", "--seed", "1", "--order", "repeat"],
            MINIMAL,
        )
        .expect("valid");
        assert!(c.warnings.is_empty() && c.runs_iteration(1));
    }

    #[test]
    fn a_report_target_alone_follows_the_rules_of_a_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cwd = dir.path();
        let target = |config: Option<&str>, report: Option<&str>, report_dir: Option<&str>| {
            report_target_only(
                config.map(Path::new),
                report.map(Path::new),
                report_dir.map(Path::new),
                cwd,
            )
        };
        assert_eq!(
            target(None, None, None).expect("no file"),
            ReportTarget::DefaultDir(cwd.join("reports"))
        );
        std::fs::write(cwd.join("smoke.toml"), "[report]\ndir = \"out\"\n").expect("write");
        assert_eq!(
            target(None, None, None).expect("./smoke.toml"),
            ReportTarget::Dir(cwd.join("out"))
        );
        std::fs::create_dir(cwd.join("ci")).expect("mkdir");
        std::fs::write(cwd.join("ci/s.toml"), "[report]\ndir = \"r\"\n").expect("write");
        assert_eq!(
            target(Some("ci/s.toml"), None, None).expect("--config"),
            ReportTarget::Dir(cwd.join("ci/r")),
            "relative to the file's folder, as for a run"
        );
        assert_eq!(
            target(None, None, Some("d")).expect("--report-dir"),
            ReportTarget::Dir(cwd.join("d"))
        );
        assert_eq!(
            target(None, Some("m.txt"), None).expect("--report"),
            ReportTarget::File(cwd.join("m.txt"))
        );
        let message = target(Some("nope.toml"), None, None)
            .expect_err("missing")
            .to_string();
        assert!(message.contains("cannot read config file"), "{message}");
        std::fs::write(cwd.join("smoke.toml"), "[report]\ndri = 1\n").expect("write");
        let message = target(None, None, None).expect_err("invalid").to_string();
        assert!(message.contains("unknown field `dri`"), "{message}");
    }

    #[test]
    fn batch_runners_that_run_a_test_once_refuse_times_above_one() {
        let message = error(without_file(&["--preset", "pytest", "--times", "2"]));
        assert!(
            message.starts_with("pytest runs each test once per invocation")
                && message.contains("--times 2 cannot work in batch mode"),
            "{message}"
        );
        let file =
            "[suite]\ntests = [\"t/a.t\"]\nbatch = \"prove -v {tests}\"\n[smoke]\ntimes = 3\n";
        let message = error(with_file(&[], file));
        assert!(message.starts_with("prove runs each test"), "{message}");
        assert!(
            message.contains("[smoke] times in 'suite/smoke.toml' = 3"),
            "{message}"
        );
        let c = with_file(
            &["--batch", "python3 -m pytest --junitxml={junit} {tests}"],
            MINIMAL,
        )
        .expect("valid");
        assert_eq!(c.deduplicating_runner, Some("pytest"));
        let c = with_file(&["--batch", "./my-runner {tests}", "--times", "2"], MINIMAL)
            .expect("a runner that may repeat tests is trusted");
        assert_eq!(c.deduplicating_runner, None);
        assert!(with_file(&["--mode", "per-test", "--times", "2"], MINIMAL).is_ok());
    }

    #[test]
    fn flags_that_cannot_apply_say_so_naming_what_replaces_them() {
        let file = "[suite]\nlist = \"cat names\"\nbatch = \"pytest --junitxml={junit} {tests}\"\n";
        let c = with_file(&["--preset", "pytest", "--program", "/bin/false"], file).expect("valid");
        assert_eq!(
            c.warnings,
            [
                "--program '/bin/false' has no effect: [suite] list in 'suite/smoke.toml' and \
                 [suite] batch in 'suite/smoke.toml' replace everything the pytest preset would \
                 fill in with it; change them instead"
            ]
        );
        let c = with_file(
            &["--preset", "pytest", "--program", "py"],
            "[suite]\ntests = [\"t.py::a\"]\n",
        )
        .expect("valid");
        assert!(
            c.warnings.is_empty(),
            "the preset's batch is used in batch mode: {:?}",
            c.warnings
        );
        let c = with_file(&["--program", "py"], MINIMAL).expect("valid");
        assert!(
            c.warnings[0].contains("has no effect without a preset"),
            "{:?}",
            c.warnings
        );
        let c = with_file(&["--format", "tap"], MINIMAL).expect("valid");
        assert!(c.warnings[0].contains("--format has no effect in per-test mode"));
        let c = with_file(&["--ignore-runner-exit"], MINIMAL).expect("valid");
        assert!(c.warnings[0].contains("--ignore-runner-exit has no effect"));
    }

    #[test]
    fn replays_work_from_any_folder() {
        let c = with_file(&[], MINIMAL).expect("valid");
        assert_eq!(
            c.replay_base,
            ["smoke", "--config", "/work/suite/smoke.toml"]
        );
        assert_eq!(c.replay_dir, None);
        let c = Config::from_parts(
            cli(&["--run", "sh {test}", "a"]),
            Path::new("/w"),
            None,
            || 1,
        )
        .expect("valid");
        assert_eq!(c.replay_dir.as_deref(), Some(Path::new("/w")));
    }

    #[test]
    fn flags_alone_make_a_suite_from_the_names() {
        let c = Config::from_parts(cli(&["a", "b"]), Path::new("/w"), None, || 1);
        assert!(c.is_err(), "names but no --run and no file");
        let c = Config::from_parts(cli(&["--run", "sh {test}"]), Path::new("/w"), None, || 1);
        let message = c.expect_err("--run but no names").to_string();
        assert!(
            message.contains("give the test names after the options"),
            "{message}"
        );
        let c = Config::from_parts(
            cli(&["--run", "sh {test}", "a", "b"]),
            Path::new("/w"),
            None,
            || 1,
        )
        .expect("valid");
        assert_eq!(c.source, TestSource::CommandLine);
        assert_eq!(c.selected, ["a", "b"]);
        assert_eq!(c.dir, Path::new("/w"));
        assert_eq!(c.replay_base, ["smoke", "--run", "sh {test}"]);
    }

    #[test]
    fn each_bad_input_gets_a_message_that_says_what_and_how() {
        let table: [(&[&str], &str, &str); 13] = [
            (
                &[],
                "[suite]\ntests=[\"a\"]\nrun = \"sh {test}\"\n[smoke]\nmax-reduce = 0\n",
                "[smoke] max-reduce in 'suite/smoke.toml' must be at least 1",
            ),
            (
                &[],
                "[suite]\nrun = \"sh {test}\"\n",
                "set exactly one of [suite] tests, list or glob",
            ),
            (
                &[],
                "[suite]\ntests=[\"a\"]\nlist=\"ls\"\nrun = \"sh {test}\"\n",
                "sets tests and list: keep exactly one",
            ),
            (
                &[],
                "[suite]\ntests=[\"a\"]\n",
                "no run command: set [suite] run",
            ),
            (
                &[],
                "[suite]\ntests=[\"a\"]\nrun = \"sh t.sh\"\n",
                "the run template 'sh t.sh' has no {test}",
            ),
            (
                &[],
                "[suite]\ntests=[\"a\"]\nrun = \"sh {test}\"\n[smoke]\ntimes = 0\n",
                "[smoke] times in 'suite/smoke.toml' must be at least 1",
            ),
            (
                &["--timeout", "5 parsecs"],
                MINIMAL,
                "invalid --timeout '5 parsecs'",
            ),
            (&["--timeout", "0s"], MINIMAL, "must be longer than zero"),
            (
                &["--timeout", "99999999999999h"],
                MINIMAL,
                "a timeout can be at most 30 days",
            ),
            (&["--match", "a("], MINIMAL, "invalid --match regex 'a('"),
            (
                &[],
                "[suite]\ntests=[\"a\"]\nrun = \"sh {test}\"\n[smoke]\nmatch = \"a(\"\n",
                "invalid [smoke] match in 'suite/smoke.toml' regex 'a('",
            ),
            (&[], "[suite]\ntset = [\"a\"]\n", "unknown field `tset`"),
            (&[], "[suite]\ntests = [\"a\"\n", "line 2"),
        ];
        for (args, toml, expected) in table {
            let message = error(with_file(args, toml));
            assert!(
                message.contains(expected),
                "{message:?} should contain {expected:?}"
            );
        }
    }

    #[test]
    fn toml_errors_name_the_file_line_and_column() {
        let message = error(with_file(&[], "[suite]\ntests = [\"a\"]\nrun = 3\n"));
        assert!(
            message.starts_with("invalid config file 'suite/smoke.toml'"),
            "{message}"
        );
        assert!(message.contains("line 3, column 7"), "{message}");
    }

    #[test]
    fn an_unknown_order_in_the_file_lists_the_valid_ones() {
        let message = error(with_file(
            &[],
            &format!("{MINIMAL}[smoke]\norder = \"shuffle\"\n"),
        ));
        assert!(
            message.contains("random") && message.contains("rotate"),
            "{message}"
        );
    }

    #[test]
    fn a_missing_config_file_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let message = Config::load(cli(&["--config", "nope.toml"]), dir.path())
            .expect_err("missing")
            .to_string();
        assert!(message.contains("cannot read config file"), "{message}");
        assert!(message.contains("nope.toml"), "{message}");
        let message = Config::load(cli(&[]), dir.path())
            .expect_err("none")
            .to_string();
        assert!(
            message.contains("no smoke.toml here and no --run"),
            "{message}"
        );
    }
}
