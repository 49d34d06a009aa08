//! What each run does: the order, how often each test runs, how many iterations, the seed and
//! the shard, which failures count (`--match`), what shrinking may spend, and how many workers:
//! the `[smoke]` keys and their flags, with what bug mode refuses. Pure: the seed is drawn by
//! the function handed in.

use super::file::{FileJobs, FileSmoke};
use super::suite::SuiteParts;
use super::{
    DEFAULT_CONFIG, DEFAULT_ITERATIONS, DEFAULT_TIMES, MAX_EXHAUSTIVE, MAX_ITERATIONS, MAX_JOBS,
    MAX_REDUCE, MAX_RETRIES, MAX_SEQUENCE,
};
use crate::cli::{Cli, Jobs};
use crate::error::ConfigError;
use crate::execution::Execution;
use crate::model::{Order, TestId};
use crate::order::{self, Count};
use crate::reduce::Reducer;
use crate::shard::{Shard, ShardSpec};
use regex::Regex;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The options of the runs.
pub(super) struct RunParts {
    pub order: Order,
    pub times: u32,
    pub iterations: u32,
    /// Tuscan and exhaustive: how many of their iterations to run, when told.
    pub iterations_cut: Option<u32>,
    pub seed: u64,
    pub seed_given: bool,
    pub shard: Option<Shard>,
    pub match_output: Option<Regex>,
    pub retries: u32,
    pub max_reduce: Option<u64>,
    pub reduce: Reducer,
    pub jobs: usize,
    /// `--controller` / `--control-dir`: an outside driver chooses or paces the tests.
    pub driving: Option<super::Driving>,
}

/// The run options from the flags and the file's `[smoke]`, for the suite `suite`. `ci_env`
/// holds the CI variables `--shard ci` reads; `draw_seed` is called only when no seed is given.
pub(super) fn resolve(
    cli: &Cli,
    smoke: &FileSmoke,
    config_file: &Option<PathBuf>,
    suite: &SuiteParts,
    ci_env: &BTreeMap<String, String>,
    draw_seed: impl FnOnce() -> u64,
    warnings: &mut Vec<String>,
) -> Result<RunParts, ConfigError> {
    let in_file = |key: &str| match config_file {
        Some(path) => format!("{key} in '{}'", path.display()),
        None => key.to_string(),
    };
    let batch_mode = matches!(suite.execution, Execution::Batch(_));
    if cli.bug_mode {
        let ignored: Vec<&str> = [
            ("--order", cli.order.is_some()),
            ("--times", cli.times.is_some()),
            ("--iterations", cli.iterations.is_some()),
            ("--match", cli.match_output.is_some()),
            ("--retries", cli.retries.is_some()),
            ("--max-reduce", cli.max_reduce.is_some()),
            ("--reduce", cli.reduce.is_some()),
            ("--jobs", cli.jobs.is_some()),
            ("--shard", cli.shard.is_some()),
            ("--controller", cli.controller.is_some()),
            ("--control-dir", cli.control_dir.is_some()),
            ("--keep-going", cli.keep_going),
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
    // Refused before the tests are listed; the sequence's length is checked once they are
    // (`count_iterations`).
    if u64::from(times) > MAX_SEQUENCE {
        return Err(ConfigError::new(format!(
            "{} is more runs of each test than one iteration can hold: at most {MAX_SEQUENCE} \
             test runs per iteration (each sequence is planned in memory). To run the tests \
             more often, run more iterations (--iterations N), each a new order",
            given(cli.times, "--times", &in_file("[smoke] times"), times)
        )));
    }
    if let (Some(runner), true) = (suite.deduplicating_runner, times > 1 && !cli.bug_mode) {
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
    if let Some(n) = iterations_given.filter(|&n| n > MAX_ITERATIONS) {
        return Err(ConfigError::new(format!(
            "{} is more than one run may have: at most {MAX_ITERATIONS} iterations (the \
             report keeps a line for each and is written again after each). For more orders, \
             run smoke again (each run draws a new seed), or give --seed and split the \
             iterations over machines with --shard K/N",
            given(
                cli.iterations,
                "--iterations",
                &in_file("[smoke] iterations"),
                n
            )
        )));
    }
    // Only a flag given now is worth a word: a file's `iterations` serves the random runs,
    // and every pasted replay (rotate) would repeat the warning.
    if order.is_deterministic() && cli.iterations.is_some() && !cli.bug_mode {
        warnings.push(format!(
            "--iterations is ignored: order {order} is the same every time, so it runs once"
        ));
    }
    // Tuscan and exhaustive run every sequence they have, counted once the tests are known
    // (`count_iterations`); `[smoke] iterations` cuts them only beside the `[smoke] order`
    // that names them, not when it serves the random runs of a file and --order names them.
    let iterations_cut = match cli.order {
        Some(_) => cli.iterations,
        None => iterations_given,
    }
    .filter(|_| order.is_enumerated());
    let iterations = if order.is_deterministic() {
        1
    } else if order.is_enumerated() {
        0
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
    if !order.is_enumerated() {
        warnings.extend(idle_shard(shard, order, iterations));
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
        (Some(Jobs::Auto), _) | (None, Some(Jobs::Auto)) => cpus().min(MAX_JOBS),
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
    if jobs > MAX_JOBS {
        let what = match cli.jobs {
            Some(_) => format!("--jobs {jobs}"),
            None => format!("{} ({jobs})", in_file("[smoke] jobs")),
        };
        return Err(ConfigError::new(format!(
            "{what} is more workers than one machine can use: at most {MAX_JOBS} (each is a \
             thread and runs its own test processes); to spread a run over machines, give each \
             a shard (--shard K/N)"
        )));
    }
    let retries = cli.retries.or(smoke.retries).unwrap_or(0);
    if retries > MAX_RETRIES {
        return Err(ConfigError::new(format!(
            "{} is too many: at most {MAX_RETRIES} (each shrink candidate may run N+1 \
             times). For a failure that shows once in many runs, run more iterations \
             (--iterations N) or check it with smoke replay REPORT.json --retries N",
            given(
                cli.retries,
                "--retries",
                &in_file("[smoke] retries"),
                retries
            )
        )));
    }
    let max_reduce = match (cli.max_reduce, smoke.max_reduce) {
        (None, Some(0)) => {
            return Err(ConfigError::new(format!(
                "{} must be at least 1 (got 0; leave it out for no limit)",
                in_file("[smoke] max-reduce")
            )));
        }
        (flag, file) => flag.or(file),
    };
    if let Some(budget) = max_reduce.filter(|&b| b > MAX_REDUCE) {
        return Err(ConfigError::new(format!(
            "{} is past the largest shrink budget, {MAX_REDUCE} test executions: leave it out \
             for no limit",
            given(
                cli.max_reduce,
                "--max-reduce",
                &in_file("[smoke] max-reduce"),
                budget
            )
        )));
    }
    let reduce = cli
        .reduce
        .map(Reducer::from)
        .or(smoke.reduce)
        .unwrap_or_default();
    let driving = driving(cli, smoke, order, batch_mode, jobs, shard, warnings)?;
    // A control folder drives one sequence: of a tuscan or exhaustive order, its first.
    let (times, iterations, iterations_cut) = match &driving {
        Some(super::Driving::Controller(_)) => (1, iterations, iterations_cut),
        Some(super::Driving::ControlDir(_)) => (
            times,
            1,
            iterations_cut
                .map(|_| 1)
                .or(order.is_enumerated().then_some(1)),
        ),
        None => (times, iterations, iterations_cut),
    };
    Ok(RunParts {
        driving,
        order,
        times,
        iterations,
        iterations_cut,
        seed,
        seed_given,
        shard,
        match_output,
        retries,
        max_reduce,
        reduce,
        jobs,
    })
}

/// `--order external --controller CMD` and `--control-dir DIR` (or `[smoke] controller` and
/// `control-dir`, which the flags replace), checked against what they cannot go with: each runs
/// one test at a time, as it is asked for, on one worker, on this machine.
fn driving(
    cli: &Cli,
    smoke: &FileSmoke,
    order: Order,
    batch_mode: bool,
    jobs: usize,
    shard: Option<Shard>,
    warnings: &mut Vec<String>,
) -> Result<Option<super::Driving>, ConfigError> {
    // Bug mode runs the suite's order once: a driver in the file has nothing to drive (the
    // flags were refused above).
    if cli.bug_mode {
        return Ok(None);
    }
    let from_file = cli.controller.is_none() && cli.control_dir.is_none();
    let (controller, control_dir) = if from_file {
        if smoke.controller.is_some() && smoke.control_dir.is_some() {
            return Err(ConfigError::new(
                "[smoke] sets both controller and control-dir: a controller program chooses \
                 the tests, a control folder paces smoke's own order; keep one",
            ));
        }
        (&smoke.controller, &smoke.control_dir)
    } else {
        (&cli.controller, &cli.control_dir)
    };
    let (controller_key, dir_key) = if from_file {
        ("[smoke] controller", "[smoke] control-dir")
    } else {
        ("--controller", "--control-dir")
    };
    let driving = match (controller, control_dir, order) {
        (None, None, Order::External) => {
            return Err(ConfigError::new(
                "order external needs --controller CMD (or [smoke] controller = \"CMD\"): the \
                 program that chooses each next test (see the controller protocol in docs/guide.md)",
            ));
        }
        (None, None, _) => return Ok(None),
        (Some(command), _, Order::External) => super::Driving::Controller(command.clone()),
        (Some(_), _, order) => {
            return Err(ConfigError::new(format!(
                "{controller_key} goes with --order external (the order is {order}): add \
                 --order external (or [smoke] order = \"external\"), or leave {controller_key} \
                 out"
            )));
        }
        (None, Some(_), Order::External) => {
            return Err(ConfigError::new(format!(
                "{dir_key} steps through an order of smoke's own (random unless --order names \
                 another), while --order external lets a controller choose: use one or the other"
            )));
        }
        (None, Some(dir), _) => super::Driving::ControlDir(dir.clone()),
    };
    let what = match &driving {
        super::Driving::Controller(_) => controller_key,
        super::Driving::ControlDir(_) => dir_key,
    };
    if batch_mode {
        return Err(ConfigError::new(format!(
            "{what} runs one test at a time, as each is asked for, so it needs per-test mode: \
             pass --mode per-test (or set run = \"...{{test}}...\" without batch)"
        )));
    }
    if jobs > 1 {
        return Err(ConfigError::new(format!(
            "{what} drives one sequence at a time, so it runs on one worker: leave --jobs (and \
             [smoke] jobs) out, or set it to 1"
        )));
    }
    if let Some(shard) = shard {
        return Err(ConfigError::new(format!(
            "{what} cannot be split across machines ({shard}): leave --shard out"
        )));
    }
    match &driving {
        super::Driving::Controller(_) if cli.times.is_some() => warnings.push(
            "--times is ignored with --order external: the controller chooses every test"
                .to_string(),
        ),
        super::Driving::ControlDir(dir) if cli.iterations.is_some_and(|n| n > 1) => {
            return Err(ConfigError::new(format!(
                "--control-dir runs one sequence, ended by `smoke check {}`; for another, start \
                 smoke again: leave --iterations out",
                dir.display()
            )));
        }
        _ => {}
    }
    Ok(Some(driving))
}

/// The warning for a shard left without an iteration, if it is.
fn idle_shard(shard: Option<Shard>, order: Order, iterations: u32) -> Option<String> {
    let shard = shard.filter(|s| s.count(iterations) == 0)?;
    Some(if order.is_deterministic() {
        format!(
            "{shard} runs no iteration: order {order} runs one, which shard 1 of {} runs",
            shard.total()
        )
    } else {
        format!(
            "{shard} runs no iteration: --iterations {iterations} gives {} shard(s) one or \
             more, the rest none",
            iterations.min(shard.total())
        )
    })
}

/// Tuscan and exhaustive, once the selection is known: how many iterations run (every row or
/// every distinct order, or the first `cut` of them), and the line that says so. Exhaustive
/// refuses more than [`MAX_EXHAUSTIVE`] orders unless `--iterations` says how many to run.
/// `None` for the other orders.
pub(super) fn count_iterations(
    order: Order,
    selection: &[TestId],
    times: u32,
    cut: Option<u32>,
    shard: Option<Shard>,
    warnings: &mut Vec<String>,
) -> Result<Option<(u32, String)>, ConfigError> {
    let n = selection.len();
    let length = n as u64 * u64::from(times);
    if length > MAX_SEQUENCE && order != Order::External {
        return Err(ConfigError::new(format!(
            "{n} tests, each run {times} time(s), make sequences of {length} test runs: more \
             than the {MAX_SEQUENCE} one iteration can hold (each is planned in memory). Lower \
             --times, select fewer tests (name them: smoke TEST...), or run more iterations \
             (--iterations N) instead"
        )));
    }
    let Some(count) = order::distinct(order, selection, times) else {
        return Ok(None);
    };
    let (what, unit) = match order {
        Order::Tuscan => (
            format!(
                "a Tuscan square of {count} rows over {n} tests, every ordered pair side by side \
                 in one of them{}",
                if times > 1 {
                    format!("; {times} consecutive rows per iteration")
                } else {
                    String::new()
                }
            ),
            "rows",
        ),
        _ => (
            format!("{count} distinct orders of {n} tests, each run {times} time(s)"),
            "distinct orders",
        ),
    };
    let iterations = match (cut, count.to_u32()) {
        (Some(cut), Some(all)) if cut > all => {
            warnings.push(format!(
                "{cut} iterations asked for, more than the {count} {unit} of order {order} \
                 over these tests: running {all}"
            ));
            all
        }
        (Some(cut), _) => cut,
        (None, Some(all)) if order == Order::Tuscan || !count.exceeds(MAX_EXHAUSTIVE.into()) => all,
        (None, _) => {
            return Err(ConfigError::new(format!(
                "order {order} over {n} tests, each run {times} time(s), has {count} {unit}: \
                 more than {} to run one by one. Select fewer tests (name them: smoke --order \
                 {order} TEST...), lower --times, or add --iterations N to run the first N",
                Count::Exact(u128::from(MAX_EXHAUSTIVE))
            )));
        }
    };
    warnings.extend(idle_shard(shard, order, iterations));
    let executions = u64::from(iterations) * length;
    if cut.is_none() && executions > LONG_ENUMERATION {
        warnings.push(format!(
            "order {order} over {n} tests plans {iterations} iterations, about {executions} \
             test executions: to try fewer first, add --iterations N (-n N) to run the first N \
             {unit}"
        ));
    }
    let running = if count.to_u32() == Some(iterations) {
        format!("{iterations} iteration(s)")
    } else {
        format!("the first {iterations} iteration(s)")
    };
    Ok(Some((
        iterations,
        format!("order {order}: {what}; {running}"),
    )))
}

/// Test executions past which a tuscan or exhaustive order that runs all its iterations (no
/// `--iterations`) is worth a warning before it starts: a suite of 1,700 tests has a Tuscan
/// square of 1,700 rows, close to three million executions.
pub(super) const LONG_ENUMERATION: u64 = 100_000;

/// How many CPUs the OS gives smoke (at least 1), for `--jobs auto` and the fork server's
/// prefaulting spares.
pub(super) fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn match_regex(pattern: &str, what: &str) -> Result<Regex, ConfigError> {
    Regex::new(pattern)
        .map_err(|e| ConfigError::new(format!("invalid {what} regex '{pattern}': {e}")))
}

/// How the user gave `value`: `--flag N` when the flag was given, else `KEY = N` of the file.
fn given<T: std::fmt::Display>(flag: Option<T>, name: &str, file_key: &str, value: T) -> String {
    match flag {
        Some(_) => format!("{name} {value}"),
        None => format!("{file_key} = {value}"),
    }
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
