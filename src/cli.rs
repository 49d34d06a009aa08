//! The command line, as clap-derive types only: no I/O and no defaults logic (defaults and
//! validation live in `config`, so that the same rules apply to flags and to `smoke.toml`).

use crate::shard::ShardSpec;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

/// Find and shrink test-order bugs: run a suite in random and other orders under recorded seeds,
/// shrink each failure to the few tests that cause it, and write a dated report.
#[derive(Debug, Parser)]
// The version and, built from a git checkout, the commit: `smoke 0.1.0 (9933e48 2026-12-07)`
// (build.rs).
#[command(name = "smoke", version = env!("SMOKE_VERSION"), max_term_width = 100)]
// A name after an option, or after `--`, is always a test: `smoke -- merge` runs a test called
// merge. Only a first word that names a subcommand is one.
#[command(args_conflicts_with_subcommands = true)]
// No `help` subcommand: `smoke help` runs a test called help, as it did before subcommands.
#[command(disable_help_subcommand = true)]
#[command(after_help = "\
Examples:
  smoke --times 5 --iterations 20           random orders, each test 5 times, 20 seeds
  smoke --order rotate --times 1 foo bar    run exactly foo then bar, shrink if it fails
  smoke --bug-mode                          run each test once and show what failed
  smoke --jobs 4 --workdir fresh            four workers, each sequence in a new folder
  smoke --run 'sh {test}' t/a.sh t/b.sh     no smoke.toml: the tests and how to run one
  smoke --shard 2/3 --seed 7 -n 30          this machine's third of a 30-iteration run
  smoke merge reports/shard-*.json          one report from the shards' reports
  smoke -- merge                            run a test called merge (not the subcommand)
  smoke replay reports/known-bugs.json      do the failures of a report still fail?
  smoke diagnose reports/run.json           every polluter, cleaner and state-setter
  smoke --order external --controller ./pick
                                            a program chooses each next test
  smoke --control-dir ctl & smoke op ctl    a harness runs one test per command,
  smoke check ctl                           then ends the sequence
  smoke man | man -l -                      this help as a man page, every subcommand in it
  source <(smoke completions bash)          tab completion in bash (zsh, fish, ... too)

Exit codes: 0 no failure found, 1 failure found and reported, 2 usage, config or I/O
error or a failing setup/teardown, 130 interrupted by Ctrl-C (143 by SIGTERM, 129 by
SIGHUP); the report is written either way.")]
pub struct Cli {
    /// A subcommand instead of a run.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Only these tests, in this order (for rotate and repeat); a name may repeat.
    #[arg(value_name = "TEST")]
    pub tests: Vec<OsString>,

    /// Only the tests named in FILE, one a line, in that order, as if named on the command line
    /// (blank lines and lines starting with # are left out).
    #[arg(long, value_name = "FILE", conflicts_with = "tests")]
    pub order_file: Option<PathBuf>,
    /// Order of the tests in each iteration [default: random].
    #[arg(short, long, value_enum, value_name = "ORDER")]
    pub order: Option<OrderArg>,
    /// With --order external: the shell command of a program that chooses each next test,
    /// speaking JSON lines on its stdin and stdout (see the controller protocol in docs/guide.md).
    #[arg(long, value_name = "CMD", conflicts_with = "control_dir")]
    pub controller: Option<String>,
    /// Let commands drive one sequence: each `smoke op DIR` runs the next test of the order,
    /// `smoke check DIR` ends the sequence and gives the verdict.
    #[arg(long, value_name = "DIR")]
    pub control_dir: Option<PathBuf>,
    /// How many times each test runs per iteration [default: 2; 1 in batch mode].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub times: Option<u32>,
    /// How many iterations to run [default: 10; tuscan and exhaustive: every row or order;
    /// rotate, repeat and reverse run once].
    #[arg(short = 'n', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub iterations: Option<u32>,
    /// Base seed; iteration i uses seed + i - 1 [default: drawn from the OS and printed].
    #[arg(short, long, value_name = "N", allow_negative_numbers = true, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Run only this machine's share of the iterations: K/N runs the iterations i with
    /// (i - 1) mod N = K - 1, under the whole run's seeds (needs --seed or `[smoke] seed`); `ci`
    /// reads K and N from the CI system's variables.
    #[arg(long, value_name = "K/N|ci", value_parser = crate::shard::parse_spec)]
    pub shard: Option<ShardSpec>,
    /// With --shard ci in a Kubernetes Indexed Job: how many shards (the Job's completions),
    /// since Kubernetes gives only the index (JOB_COMPLETION_INDEX).
    #[arg(long, value_name = "N", requires = "shard",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub shard_total: Option<u32>,
    /// Run each iteration past its first failure, so that every test failing in it is found
    /// and shrunk (one polluter, many victims, in one iteration); by default an iteration stops
    /// at its first failure (pytest: --maxfail=1).
    #[arg(long)]
    pub keep_going: bool,
    /// Run each test once in the suite's order, not stopping, and show each failure's output
    /// (takes test names and --seed, not the order options).
    #[arg(long)]
    pub bug_mode: bool,
    /// Print the names of the selected tests, one per line, and exit: check what a preset or
    /// list command finds. Runs no test and writes no report.
    #[arg(long, conflicts_with = "bug_mode")]
    pub list: bool,

    /// How to find and run the suite, shrink what fails and report it: the flags a run shares
    /// with `smoke reproduce`.
    #[command(flatten)]
    pub suite: SuiteArgs,
}

/// The flags a run shares with `smoke reproduce`: how to find and run the suite, shrink what
/// fails, and where to write the report. [`Cli`] dereferences to them, so `cli.preset` reads as
/// before.
#[derive(Debug, Args)]
pub struct SuiteArgs {
    /// Read the suite from FILE instead of ./smoke.toml; its paths are relative to its folder.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore ./smoke.toml: the suite comes from the flags alone (--run or --preset).
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Shell command that runs one test; {test} stands for the test's name (one word).
    #[arg(long, value_name = "TEMPLATE")]
    pub run: Option<String>,
    /// Batch mode: shell command that runs a whole sequence in one invocation; {tests} stands
    /// for the ordered names (one word each), {junit} for a fresh JUnit XML path.
    #[arg(long, value_name = "TEMPLATE")]
    pub batch: Option<String>,
    /// How the batch runner reports results [default: junit if the batch has {junit}, json if
    /// it has {json}, else tap].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<crate::batch::Format>,
    /// Fill in how to list and run the tests for a known runner; smoke.toml keys override it.
    #[arg(long, value_enum, value_name = "RUNNER")]
    pub preset: Option<crate::preset::Preset>,
    /// The runner a preset calls (shell words) [default: pytest, prove, cargo, go, ctest, rspec
    /// or `npx --no -- jest`; gtest: the test binary, required].
    #[arg(long, value_name = "COMMAND")]
    pub program: Option<String>,
    /// Run each test in its own process (per-test) or each sequence in one (batch) [default:
    /// batch when a batch command is set, or the preset's].
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<crate::execution::RunMode>,
    /// Shell command to run before every sequence (fresh state).
    #[arg(long, value_name = "COMMAND")]
    pub setup: Option<String>,
    /// Shell command to run after every sequence.
    #[arg(long, value_name = "COMMAND")]
    pub teardown: Option<String>,
    /// Time limit per test (and per setup/teardown, list command and `[report] build` command),
    /// e.g. 30s or 2m; a test past it is killed with its process group and fails as `timeout`.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    #[command(flatten)]
    pub probes: ProbeArgs,
    /// Only count a failure as reproduced when the test's output matches REGEX.
    #[arg(short, long = "match", value_name = "REGEX")]
    pub match_output: Option<String>,
    /// Run up to N sequences at once, each on a worker of its own (SMOKE_WORKER and {worker}
    /// tell them apart); `auto`: one per CPU [default: 1].
    #[arg(short, long, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<Jobs>,
    /// Where each sequence runs: in the suite folder, or in a new empty folder of its own
    /// (fresh), removed afterwards; tests then find the suite in $SMOKE_SUITE_DIR [default:
    /// suite].
    #[arg(long, value_enum, value_name = "WHERE")]
    pub workdir: Option<crate::execution::Workdir>,
    /// Shrinking: a candidate counts as passing only after N+1 clean runs; a failure seen to
    /// come and go is classified flaky with its rate, and still shrunk [default: 0].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Shrinking: spend at most N test executions on one failure; the result is then reported
    /// as not proven minimal [default: no limit].
    #[arg(long, value_name = "N", value_parser = parse_budget)]
    pub max_reduce: Option<u64>,
    /// Shrinking: how the failing sequence is narrowed before the 1-minimal proof: smoke's own,
    /// or Apache::TestSmoke's (binary halves, then random windows drawn from the iteration's
    /// seed) [default: smoke].
    #[arg(long, value_enum, value_name = "REDUCER")]
    pub reduce: Option<ReduceArg>,
    /// Batch mode: a runner that exits non-zero after reporting every test as passed (a
    /// coverage threshold, a session error) is not a failure.
    #[arg(long)]
    pub ignore_runner_exit: bool,
    /// Batch mode with pytest or rspec: start a fresh runner for every sequence instead of
    /// forking each one from a server that loaded the suite once.
    #[arg(long)]
    pub no_fork_server: bool,
    /// Write the text report to PATH (the JSON and HTML reports go beside it, ending .json and
    /// .html).
    #[arg(long, value_name = "PATH", conflicts_with = "report_dir")]
    pub report: Option<PathBuf>,
    /// Folder for dated reports [default: `[report] dir` of smoke.toml, else ./reports].
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Also write the findings as JUnit XML to PATH, one failing testcase per order bug, for
    /// CI pages that list test results.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Print each test as it starts.
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print only errors and the summary.
    #[arg(short, long)]
    pub quiet: bool,
}

impl std::ops::Deref for Cli {
    type Target = SuiteArgs;
    fn deref(&self) -> &SuiteArgs {
        &self.suite
    }
}

impl std::ops::DerefMut for Cli {
    fn deref_mut(&mut self) -> &mut SuiteArgs {
        &mut self.suite
    }
}

/// smoke's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Merge the JSON reports of a sharded run's shards (--shard K/N) into one text and JSON
    /// report; exits 1 if any shard found a failure, as the run would have.
    #[command(after_help = "A test called merge is run with `smoke -- merge`.")]
    Merge(MergeArgs),
    /// Run each failure of a report again, with the suite as configured now, and say whether it
    /// still fails, is fixed, is flaky now or fails differently; exits 0 only when every one is
    /// fixed.
    #[command(after_help = "A test called replay is run with `smoke -- replay`.")]
    Replay(ReplayArgs),
    /// For each failure of a report, list every test that makes its victim fail (polluters),
    /// the tests that make it pass again (cleaners), and, for a test that fails alone, the
    /// tests it needs before it (state-setters).
    #[command(after_help = "A test called diagnose is run with `smoke -- diagnose`.")]
    Diagnose(DiagnoseArgs),
    /// Take a stopped run (Ctrl-C, a CI time limit, a lost connection) up again from its JSON
    /// report: its unfinished shrinks from their shortest failing sequence so far, then the
    /// iterations it had not done, with their recorded seeds, into the same report.
    #[command(after_help = "A test called resume is run with `smoke -- resume`.")]
    Resume(ResumeArgs),
    /// Ask the smoke watching DIR (smoke --control-dir DIR) to run the next test of its order;
    /// prints the result line and exits with the test's status (0, N, 128 + signal, 124 for a
    /// timeout), 2 when smoke cannot answer.
    #[command(after_help = "A test called op is run with `smoke -- op`.")]
    Op(ControlArgs),
    /// End the sequence of the smoke watching DIR: teardown, shrinking, the report; prints the
    /// verdict line and exits with smoke's exit code (0 no failure, 1 failure found).
    #[command(after_help = "A test called check is run with `smoke -- check`.")]
    Check(ControlArgs),
    /// Start from what CI kept: read the order a failed run ran its tests in (its JUnit XML, a
    /// console log with the test names or the seed of the runner that shuffled them, a file of
    /// names), run that order until the failure comes back, then check, shrink, prove and
    /// report it as a run does; exits 1 when it came back, 0 when it did not.
    #[command(after_help = "\
Examples:
  smoke reproduce junit.xml                 the order and the failures of a CI run's JUnit file
  smoke reproduce ci.log --tries 5          a log's test lines, or its seed line
  smoke reproduce a.xml b.xml --test t/x.t  two JUnit files of one run; only t/x.t's failure

A test called reproduce is run with `smoke -- reproduce`.")]
    Reproduce(Box<ReproduceArgs>),
    /// Print smoke's man page (roff) on stdout, every subcommand and flag in one page: read it
    /// with `smoke man | man -l -`, or install it as `man1/smoke.1`; with --dir, write one page
    /// per command into a folder instead.
    #[command(after_help = "A test called man is run with `smoke -- man`.")]
    Man(ManArgs),
    /// Print the completion script for SHELL on stdout, to load at start-up (`source <(smoke
    /// completions bash)` in ~/.bashrc) or save where the shell finds completions (see SHELL).
    #[command(after_help = "A test called completions is run with `smoke -- completions`.")]
    Completions(CompletionsArgs),
}

/// `smoke reproduce`'s arguments.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// What the CI run kept: its JUnit XML files (several of one run), its console log (the
    /// test lines of pytest -v, GoogleTest, go test -v, TAP, prove or jest, or the seed line of
    /// pytest-randomly or rspec), or a file of test names, one a line.
    #[arg(value_name = "EVIDENCE", required = true)]
    pub evidence: Vec<PathBuf>,

    /// Reproduce this failing test only (as the suite lists it, or as the evidence names it);
    /// the order runs up to it [default: every failure the evidence records].
    #[arg(long, value_name = "NAME")]
    pub test: Option<String>,

    /// Run the order up to N times while no failure comes back.
    #[arg(long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub tries: u32,

    #[command(flatten)]
    pub suite: SuiteArgs,
}

/// `smoke man`'s arguments.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write smoke.1 and a page per subcommand (smoke-merge.1, ...) into DIR, made if missing,
    /// and print their paths, instead of printing the one page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `smoke completions`'s arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete smoke's subcommands, flags and their values in.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: ShellArg,
}

/// `smoke completions` values: the shells clap_complete writes scripts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    /// Bash: `source <(smoke completions bash)` in ~/.bashrc.
    Bash,
    /// Zsh: save as `_smoke` in a folder of `$fpath`, before `compinit` runs.
    Zsh,
    /// Fish: save as ~/.config/fish/completions/smoke.fish.
    Fish,
    /// Elvish: `eval (smoke completions elvish | slurp)` in rc.elv.
    Elvish,
    /// PowerShell: `smoke completions powershell | Out-String | Invoke-Expression` in $PROFILE.
    Powershell,
}

/// `smoke resume`'s arguments.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The stopped run's JSON report; it is written again in place.
    #[arg(value_name = "REPORT.json")]
    pub from: PathBuf,

    /// Read the suite from FILE instead of the config file the run used.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run the shell commands that only the report holds (its run or batch template, setup,
    /// teardown, program, probe), printing them first; a report can come from anyone, so they
    /// are refused without this flag (or left out with --config).
    #[arg(long)]
    pub trust_report: bool,

    /// Print only errors and the summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `smoke op` and `smoke check`'s arguments.
#[derive(Debug, Args)]
pub struct ControlArgs {
    /// The control folder a `smoke --control-dir DIR` watches.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// How long to wait for a smoke to watch DIR before giving up (exit 2).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_wait)]
    pub wait: std::time::Duration,
}

/// `--wait`: a duration such as 10s or 500ms.
fn parse_wait(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("a duration such as 10s or 500ms (got '{text}': {e})"))
}

/// `smoke diagnose`'s arguments.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// The JSON report whose failures to diagnose.
    #[arg(value_name = "REPORT.json")]
    pub from: PathBuf,

    /// Only failure N (as numbered in the report, from 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub failure: Option<u32>,

    /// Spend at most N test executions per failure; the lists then say they are incomplete
    /// [default: no limit; about 5 per test of the suite].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_diagnose: Option<u64>,

    /// Read the suite from FILE instead of ./smoke.toml (else from the report's own).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run the shell commands that only the report holds (its run or batch template, setup,
    /// teardown, program, probe), printing them first; a report can come from anyone, so they
    /// are refused without this flag (or left out with --config).
    #[arg(long)]
    pub trust_report: bool,

    /// Scan the whole suite for every failure's polluters and cleaners, also for a victim of
    /// the same polluters as a failure diagnosed before it (by default only that one's
    /// polluters and cleaners are tried there).
    #[arg(long)]
    pub each_victim: bool,

    /// Run up to N sequences at once, each on a worker of its own; `auto`: one per CPU
    /// [default: the run's --jobs, or the config file's].
    #[arg(short, long, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<Jobs>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// State probes: what the verbose rerun of a minimal sequence and `smoke replay` record about
/// the state the tests share, before the first test and after each (as `[suite] probe`,
/// `probe-ignore` and `probe-files`; given flags replace the file's keys).
#[derive(Clone, Debug, Default, Args)]
pub struct ProbeArgs {
    /// Shell command that prints the state the tests share (`ls -la state`, `psql -c ...`);
    /// the verbose rerun and replay record, per test, the diff of its output.
    #[arg(long, value_name = "COMMAND")]
    pub probe: Option<String>,

    /// Drop the probe's output lines matching REGEX before comparing (timestamps, pids); may be
    /// given more than once.
    #[arg(long, value_name = "REGEX")]
    pub probe_ignore: Vec<String>,

    /// Watch the files under PATH (relative to the sequence's working folder): created, deleted
    /// and modified by size, mode and content hash; may be given more than once.
    #[arg(long, value_name = "PATH")]
    pub probe_files: Vec<String>,

    /// Leave files matching GLOB (relative to the suite folder; a folder covers what is in it)
    /// out of the leftover-state check, which compares the suite folder after the first setup
    /// with its state when a test fails alone: logs the tests write that nothing reads, e.g.
    /// 'log/test.log'; may be given more than once.
    #[arg(long, value_name = "GLOB")]
    pub state_ignore: Vec<String>,

    /// Do not ask smoke's helper inside the runner (pytest, rspec, jest in batch mode) what
    /// each test changed in the runner's process (module globals, methods, env, cwd) during the
    /// verbose rerun and replay.
    #[arg(long)]
    pub no_state_diff: bool,
}

/// `smoke replay`'s arguments.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The JSON report whose failures to replay.
    #[arg(value_name = "REPORT.json")]
    pub from: PathBuf,

    /// Only failure N (as numbered in the report, from 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub failure: Option<u32>,

    /// Run each sequence N+1 times [default: 2].
    #[arg(long, value_name = "N", value_parser = parse_replay_retries)]
    pub retries: Option<u32>,

    /// Replay the whole original failing sequence instead of the minimal one.
    #[arg(long)]
    pub original: bool,

    #[command(flatten)]
    pub probes: ProbeArgs,

    /// Read the suite from FILE instead of ./smoke.toml (else from the report's own).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run the shell commands that only the report holds (its run or batch template, setup,
    /// teardown, program, probe), printing them first; a report can come from anyone, so they
    /// are refused without this flag (or left out with --config).
    #[arg(long)]
    pub trust_report: bool,

    /// Run up to N sequences at once, each on a worker of its own; `auto`: one per CPU
    /// [default: the run's --jobs, or the config file's].
    #[arg(short, long, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<Jobs>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Where a subcommand writes its report, and how much it says: as for a run.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write the text report to PATH (the JSON report goes beside it, ending .json; merge's and
    /// replay's HTML report too, ending .html).
    #[arg(long, value_name = "PATH", conflicts_with = "report_dir")]
    pub report: Option<PathBuf>,

    /// Folder for the dated report [default: `[report] dir` of smoke.toml, else ./reports].
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,

    /// Print only errors and the results.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `smoke merge`'s arguments.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' JSON reports, every shard of the run once, in any order.
    #[arg(value_name = "REPORT.json", required = true)]
    pub reports: Vec<PathBuf>,

    /// Read `[report] dir` from FILE instead of ./smoke.toml (nothing else of it is used).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--seed`: a u64, with a message that says so for anything else (`-1` included, which clap
/// would otherwise take for an unknown flag).
fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse().map_err(|_| {
        format!(
            "a seed is a whole number from 0 to {} (got '{text}')",
            u64::MAX
        )
    })
}

/// `smoke replay --retries`: at most [`crate::config::MAX_RETRIES`], each sequence running N+1
/// times.
fn parse_replay_retries(text: &str) -> Result<u32, String> {
    let max = crate::config::MAX_RETRIES;
    match text.parse::<u32>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!(
            "retries are a whole number from 0 to {max}, each sequence running N+1 times (got \
             '{text}'); to see a rare failure, replay the report more than once"
        )),
    }
}

/// `--max-reduce`: at least 1; no limit is said by leaving it out.
fn parse_budget(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("it must be at least 1 (leave it out for no limit)".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "a test-execution budget is a whole number from 1 to {} (got '{text}')",
            u64::MAX
        )),
    }
}

/// `--jobs`: a count of workers, or one per CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jobs {
    /// This many workers (at least 1).
    Count(usize),
    /// One per CPU, as the OS reports them.
    Auto,
}

/// `--jobs`: `auto` or a whole number of at least 1.
fn parse_jobs(text: &str) -> Result<Jobs, String> {
    match text {
        "auto" => Ok(Jobs::Auto),
        _ => match text.parse::<usize>() {
            Ok(0) => Err("it must be at least 1, or auto (one per CPU)".to_string()),
            Ok(n) => Ok(Jobs::Count(n)),
            Err(_) => Err(format!(
                "a number of workers is a whole number of at least 1, or auto (got '{text}')"
            )),
        },
    }
}

/// `--order` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OrderArg {
    /// The rotate sequence shuffled with each iteration's seed.
    Random,
    /// Each test --times times in place: a a b b c c.
    Repeat,
    /// The whole list --times times: a b c a b c.
    Rotate,
    /// The list reversed, --times times: c b a c b a.
    Reverse,
    /// Odd iterations random; each even one the iteration before it, reversed.
    Mirror,
    /// Rows of a Tuscan square: every ordered pair side by side in some iteration.
    Tuscan,
    /// Every distinct order of the tests, each --times times, one per iteration.
    Exhaustive,
    /// A program chooses each next test (--controller CMD); each of its sequences is an
    /// iteration.
    External,
}

impl From<OrderArg> for crate::model::Order {
    fn from(order: OrderArg) -> Self {
        match order {
            OrderArg::Random => crate::model::Order::Random,
            OrderArg::Repeat => crate::model::Order::Repeat,
            OrderArg::Rotate => crate::model::Order::Rotate,
            OrderArg::Reverse => crate::model::Order::Reverse,
            OrderArg::Mirror => crate::model::Order::Mirror,
            OrderArg::Tuscan => crate::model::Order::Tuscan,
            OrderArg::Exhaustive => crate::model::Order::Exhaustive,
            OrderArg::External => crate::model::Order::External,
        }
    }
}

/// `--reduce` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReduceArg {
    /// Binary-half search by measured duration, with inference and complement reduction.
    Smoke,
    /// Apache::TestSmoke's: binary halves, then random windows, in rounds of up to 50 tries.
    Testsmoke,
}

impl From<ReduceArg> for crate::reduce::Reducer {
    fn from(reduce: ReduceArg) -> Self {
        match reduce {
            ReduceArg::Smoke => crate::reduce::Reducer::Smoke,
            ReduceArg::Testsmoke => crate::reduce::Reducer::Testsmoke,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_and_names_parse() {
        let cli = Cli::try_parse_from([
            "smoke", "--order", "rotate", "-t", "1", "--seed", "7", "foo", "bar",
        ])
        .expect("valid command line");
        assert_eq!(cli.order, Some(OrderArg::Rotate));
        assert_eq!(cli.times, Some(1));
        assert_eq!(cli.seed, Some(7));
        assert_eq!(cli.tests, ["foo", "bar"]);
    }

    #[test]
    fn counts_start_at_one_and_seeds_say_what_they_take() {
        let message = |args: &[&str]| {
            let mut argv = vec!["smoke"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv).expect_err("refused").to_string()
        };
        assert!(message(&["--times", "0"]).contains("0 is not in 1..=4294967295"));
        assert!(message(&["--times=99999999999"]).contains("99999999999 is not in 1..=4294967295"));
        assert!(message(&["-n", "0"]).contains("1..="));
        assert!(message(&["--max-reduce", "0"]).contains("at least 1 (leave it out for no limit)"));
        let seed = message(&["--seed", "-1"]);
        assert!(
            seed.contains("a seed is a whole number from 0 to 18446744073709551615 (got '-1')"),
            "{seed}"
        );
        assert!(
            !seed.contains("-- -1"),
            "no tip that turns it into a test name: {seed}"
        );
    }

    #[test]
    fn merge_is_a_subcommand_only_as_the_first_word_so_a_test_called_merge_stays_reachable() {
        let parse = |args: &[&str]| {
            let mut argv = vec!["smoke"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv)
        };
        let cli = parse(&["merge", "a.json", "b.json", "--report", "m.txt"]).expect("merge");
        let Some(Command::Merge(merge)) = cli.command else {
            panic!("the merge subcommand: {cli:?}")
        };
        assert_eq!(merge.reports, [PathBuf::from("a.json"), "b.json".into()]);
        assert_eq!(merge.output.report, Some(PathBuf::from("m.txt")));
        let as_test = |args: &[&str]| {
            let cli = parse(args).expect("a run");
            assert!(cli.command.is_none(), "{args:?}: {cli:?}");
            cli.tests
        };
        assert_eq!(as_test(&["--", "merge"]), ["merge"]);
        assert_eq!(
            as_test(&["help"]),
            ["help"],
            "no help subcommand: --help is the flag"
        );
        assert_eq!(
            as_test(&["--order", "rotate", "merge", "a"]),
            ["merge", "a"]
        );
        assert_eq!(as_test(&["a", "merge"]), ["a", "merge"]);
        assert_eq!(as_test(&["--", "merge", "a.json"]), ["merge", "a.json"]);
        let message = parse(&["merge"]).expect_err("no reports").to_string();
        assert!(message.contains("<REPORT.json>"), "{message}");
    }

    #[test]
    fn shard_flags_parse_and_the_total_needs_a_shard() {
        let cli = Cli::try_parse_from(["smoke", "--shard", "2/3"]).expect("valid");
        assert_eq!(
            cli.shard,
            Some(ShardSpec::Explicit(
                crate::shard::Shard::new(2, 3).expect("valid")
            ))
        );
        let cli =
            Cli::try_parse_from(["smoke", "--shard", "ci", "--shard-total", "4"]).expect("valid");
        assert_eq!((cli.shard, cli.shard_total), (Some(ShardSpec::Ci), Some(4)));
        let message = Cli::try_parse_from(["smoke", "--shard", "4/3"])
            .expect_err("no such shard")
            .to_string();
        assert!(message.contains("shard 4 of 3 does not exist"), "{message}");
        assert!(Cli::try_parse_from(["smoke", "--shard-total", "3"]).is_err());
        assert!(Cli::try_parse_from(["smoke", "--shard", "ci", "--shard-total", "0"]).is_err());
    }

    #[test]
    fn op_and_check_are_subcommands_only_as_the_first_word() {
        let cli = Cli::try_parse_from(["smoke", "op", "ctl", "--wait", "2s"]).expect("op");
        let Some(Command::Op(op)) = cli.command else {
            panic!("the op subcommand: {cli:?}")
        };
        assert_eq!(
            (op.dir, op.wait),
            (PathBuf::from("ctl"), std::time::Duration::from_secs(2))
        );
        let cli = Cli::try_parse_from(["smoke", "check", "ctl"]).expect("check");
        assert!(matches!(cli.command, Some(Command::Check(ref c)) if c.wait.as_secs() == 10));
        let cli = Cli::try_parse_from(["smoke", "--", "op", "check"]).expect("tests");
        assert!(cli.command.is_none());
        assert_eq!(cli.tests, ["op", "check"]);
        let message = Cli::try_parse_from(["smoke", "op", "d", "--wait", "soon"])
            .expect_err("not a duration")
            .to_string();
        assert!(
            message.contains("a duration such as 10s or 500ms (got 'soon'"),
            "{message}"
        );
        assert!(Cli::try_parse_from(["smoke", "--controller", "x", "--control-dir", "d"]).is_err());
    }

    #[test]
    fn man_and_completions_are_subcommands_only_as_the_first_word() {
        let cli = Cli::try_parse_from(["smoke", "man", "--dir", "out"]).expect("man");
        assert!(matches!(cli.command, Some(Command::Man(ref m)) if m.dir == Some("out".into())));
        let cli = Cli::try_parse_from(["smoke", "completions", "zsh"]).expect("completions");
        assert!(matches!(
            cli.command,
            Some(Command::Completions(CompletionsArgs {
                shell: ShellArg::Zsh
            }))
        ));
        for args in [
            &["smoke", "--", "man", "completions"][..],
            &["smoke", "--seed", "1", "man", "completions"],
        ] {
            let cli = Cli::try_parse_from(args).expect("tests");
            assert!(cli.command.is_none(), "{args:?}");
            assert_eq!(cli.tests, ["man", "completions"]);
        }
        let message = Cli::try_parse_from(["smoke", "completions", "nosuch"])
            .expect_err("no such shell")
            .to_string();
        assert!(
            message.contains("invalid value 'nosuch'")
                && message.contains("bash, zsh, fish, elvish, powershell"),
            "{message}"
        );
    }

    #[test]
    fn verbose_and_quiet_conflict() {
        assert!(Cli::try_parse_from(["smoke", "-v", "-q"]).is_err());
    }
}
