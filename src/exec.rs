//! Edge: the only module that starts processes.
//!
//! Every command runs as `/bin/sh -c SCRIPT smoke [ARG]` (so a test name reaches the script as
//! `$1`, never as shell text) in the suite folder, in its own process group, under a keeper
//! process (`keeper`: a test that kills its parent kills the keeper, never smoke, and smoke sees
//! `signal 9`; otherwise the keeper ends exactly as the command did), with stdin closed and
//! stdout and stderr merged into one pipe. A reader thread keeps the last [`TAIL_BYTES`] of that
//! output in memory and, while a log is open, streams all of it to the log. A command past its
//! timeout gets SIGTERM, then SIGKILL after [`KILL_GRACE`], for its whole group; after a test
//! ends, anything it left running in its group is killed, and output still held open by a
//! process outside the group (a server setup started, a daemon) is waited for at most
//! [`OUTPUT_GRACE`]; the pipe is then drained and dropped in the background until it closes.
//! A log that a test removed while it was open (`rm -rf reports`) is written back when closed.
//!
//! A batch job can also collect its runner's results whole: a fresh JUnit XML file named by
//! `$SMOKE_JUNIT` in a private temp folder, or all of stdout written to a file there (TAP),
//! with stderr alone going to the tail, or a fresh JSON file named by `$SMOKE_JSON`. Every
//! batch command also gets `$SMOKE_HELPERS`: the same private folder, holding smoke's helper
//! files for runners ([`crate::helpers::FILES`]), written when the folder is made.
//!
//! [`Executor`] is the seam the runner uses, so runner tests run on a fake with no processes.

mod forkserver;
mod keeper;

pub use forkserver::{ForkPlan, Forked};

use crate::interrupt;
use crate::model::Outcome;
use anyhow::{Context, Result};
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// A folder of smoke's own in the temp folder, readable by this user only (0700): what tests
/// leave there, results and helper files may hold secrets the tests printed or read. Removed
/// when dropped, and by a second Ctrl-C, which exits without dropping anything.
#[derive(Debug)]
pub struct PrivateDir {
    // Dropped in this order: the folder goes, then the signal thread forgets it.
    dir: tempfile::TempDir,
    _known: interrupt::TempFolder,
}

impl PrivateDir {
    /// A new empty folder whose name starts with `prefix`.
    pub fn new(prefix: &str) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()?;
        let known = interrupt::TempFolder::new(dir.path().to_path_buf());
        Ok(PrivateDir { dir, _known: known })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The shell every command runs in.
pub const SHELL: &str = "/bin/sh";
/// How much of a command's output is kept in memory (the end of it).
pub const TAIL_BYTES: usize = 64 * 1024;
/// Time between SIGTERM and SIGKILL for a command past its timeout.
pub const KILL_GRACE: Duration = Duration::from_millis(500);
/// How long to wait for the output pipe to close after a command's group has ended.
pub const OUTPUT_GRACE: Duration = Duration::from_millis(500);

/// One command to run.
#[derive(Clone, Debug)]
pub struct Job<'a> {
    /// Shell text for `sh -c`.
    pub script: &'a str,
    /// `$1`, `$2`, ... for the script: the test name (any bytes) and, for some presets, what
    /// runs it; every name of the sequence for a batch; nothing for hooks.
    pub args: Vec<&'a OsStr>,
    /// Variables added to the suite's environment for this command.
    pub env: Vec<(&'static str, OsString)>,
    /// Where it runs, when not in the suite folder (a fresh working folder).
    pub dir: Option<&'a Path>,
    /// What the log calls this command.
    pub label: &'a str,
    /// Kill whatever the command leaves running in its process group when it exits (tests);
    /// setup may start a server on purpose, so hooks keep theirs.
    pub kill_leftovers: bool,
    /// Its time limit.
    pub timeout: Option<Duration>,
    /// What else to collect: a batch runner's results.
    pub collect: Collect,
}

/// Where a batch runner writes its results, which [`Finished::results`] then holds in full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collect {
    /// Nothing beyond the output tail.
    Nothing,
    /// A fresh file named by `$SMOKE_JUNIT` (JUnit XML).
    JunitFile,
    /// All of stdout (TAP), kept apart from stderr, which alone goes to the output tail.
    Stdout,
    /// A fresh file named by `$SMOKE_JSON` (rspec's or jest's JSON results).
    JsonFile,
    /// Like `Stdout`, but only the first this many bytes are read back, and one more when
    /// there are more (a state probe: its output is compared, and bounded).
    StdoutHead(usize),
}

/// How a command ended, and the end of its output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    /// Pass, exit code, signal or timeout.
    pub outcome: Outcome,
    /// Wall time from start to exit.
    pub duration: Duration,
    /// The last [`TAIL_BYTES`] of stdout and stderr, interleaved as written.
    pub output: Vec<u8>,
    /// How many bytes of output came before `output` and were not kept.
    pub dropped: u64,
    /// What [`Job::collect`] asked for; `None` when the command wrote no such file.
    pub results: Option<Vec<u8>>,
}

/// What a fresh batch needs beyond its [`Job`] (see [`Executor::run_batch`]).
#[derive(Clone, Debug, Default)]
pub struct BatchExtras<'a> {
    /// Arguments for the runner before the names (`--maxfail=1`).
    pub options: Vec<&'a OsStr>,
    /// Which of smoke's helpers writes a line as each test starts and ends to a fresh file, so
    /// that a runner that dies still says in which test.
    pub stream: Stream,
    /// Write the names, one per line, to a fresh file named by `$SMOKE_TESTS_FILE`
    /// (`{tests-file}`); none may hold a newline.
    pub tests_file: bool,
    /// The options (the plugin's, then [`BatchExtras::options`]) go first in that file, one per
    /// line, not on the command line: pytest reads the file as arguments (`@{tests-file}`).
    pub options_in_file: bool,
    /// What `$@` holds after the options.
    pub args: BatchArgs,
    /// Variables for a helper the command loads, each set to `1` (`SMOKE_JEST_STOP`: jest's
    /// reporter stops at the first failing file).
    pub flags: Vec<&'static str>,
}

/// Which helper streams a fresh batch's tests as they start and end (see
/// [`BatchExtras::stream`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stream {
    /// None: the runner's own results are all there is.
    #[default]
    Nothing,
    /// smoke's pytest plugin in its stream-only mode, loaded with `-p` (or `PYTEST_PLUGINS`).
    Pytest,
    /// smoke's `rspec_order.rb`, which the batch command loads itself: told where by
    /// `SMOKE_RSPEC_STREAM`.
    Rspec,
    /// smoke's `jest_reporter.js`, which the batch command loads itself: told where by
    /// `SMOKE_JEST_STREAM`.
    Jest,
}

impl Stream {
    /// The variable that names the file the helper writes its lines to.
    fn variable(self) -> Option<&'static str> {
        match self {
            Stream::Nothing => None,
            Stream::Pytest => Some(crate::helpers::PYTEST_STREAM_VAR),
            Stream::Rspec => Some(crate::helpers::RSPEC_STREAM_VAR),
            Stream::Jest => Some(crate::helpers::JEST_STREAM_VAR),
        }
    }
}

/// How the names reach a fresh batch's command line (`{tests}`, `"$@"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BatchArgs {
    /// One argument per name.
    #[default]
    Names,
    /// One argument, `@FILE`, FILE holding the names one per line (pytest reads its arguments
    /// from such a file): a sequence too long for a command line.
    AtFile,
    /// None (the template reads `{tests-file}` only).
    Nothing,
}

/// A fresh batch's end, and what smoke's plugin streamed while it ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchFinished {
    pub finished: Finished,
    /// The lines [`BatchExtras::stream`] asked for; `None` when none were written.
    pub stream: Option<Vec<u8>>,
}

/// Runs commands for the runner.
pub trait Executor {
    /// Run one command to its end.
    fn run(&mut self, job: &Job) -> Result<Finished>;

    /// From now on, append every command's label, full output and outcome to `path` (created
    /// new); `None` closes the log.
    fn set_log(&mut self, path: Option<&Path>) -> Result<()>;

    /// Run a batch `job` (its args are the tests) in a child of a fork server that loaded the
    /// suite once (started on first use with `plan`). [`Forked::Unavailable`]: the job did not
    /// run, and why; the caller runs it as a fresh process.
    fn run_forked(&mut self, job: &Job, plan: &ForkPlan) -> Result<Forked> {
        let _ = (job, plan);
        Ok(Forked::Unavailable(
            "this executor has no fork server".to_string(),
        ))
    }

    /// Start the fork server now, with `plan` (whose `tests` are none: it collects what the
    /// runner's own configuration says), so that it loads the suite while smoke lists it; the
    /// first [`run_forked`](Self::run_forked) waits for it. Nothing is said if it cannot
    /// start: the first forked run starts one as it always would.
    fn prestart_fork_server(&mut self, plan: &ForkPlan) {
        let _ = plan;
    }

    /// The node ids the early fork server wrote once it had collected, when `plan.lists` (it
    /// collects what the preset's listing collects), waiting for it to be ready; from then on
    /// it serves this executor's forked runs. `None` when the plan does not list, there is no
    /// early server, or it cannot serve (the reason is kept for the forked runs, as at their
    /// first use): the caller lists the suite itself.
    fn served_listing(&mut self, plan: &ForkPlan) -> Result<Option<Vec<u8>>> {
        let _ = plan;
        Ok(None)
    }

    /// Run a batch `job` (its args are the names) as a fresh process, with `extras`: options
    /// before the names, smoke's streaming plugin, the names in a file. An executor without
    /// files runs the job as it is.
    fn run_batch(&mut self, job: &Job, extras: &BatchExtras) -> Result<BatchFinished> {
        let _ = extras;
        Ok(BatchFinished {
            finished: self.run(job)?,
            stream: None,
        })
    }
}

/// The real executor.
#[derive(Debug)]
pub struct ShellExecutor {
    dir: PathBuf,
    env: Vec<(String, String)>,
    /// The open log and its path.
    log: Option<(File, PathBuf)>,
    /// A private folder for batch results, made on first use, removed with smoke.
    scratch: Option<PrivateDir>,
    /// The fork server, once started.
    fork: Option<forkserver::ForkServer>,
    /// A fork server started early, while the tests were listed, not yet waited for.
    early: Option<forkserver::ForkServer>,
    /// `fork` is that early server: it collected by the runner's configuration, not the
    /// listed names, and may lack one of them.
    fork_collected_by_config: bool,
    /// Why there is no fork server for the rest of the run.
    no_fork: Option<String>,
}

/// The name of a batch's JSON results file (`$SMOKE_JSON`) in the scratch folder.
const RESULTS_JSON: &str = "results.json";

/// A long-running helper (an outside controller, `--controller`): `/bin/sh -c SCRIPT` in `dir`
/// with `env` added, in its own process group (so a Ctrl-C at the terminal reaches smoke only,
/// which then ends it), with stdin, stdout and stderr piped to smoke. The caller owns the child
/// and must wait for it.
pub fn spawn_helper(
    script: &str,
    dir: &Path,
    env: &[(String, String)],
) -> std::io::Result<std::process::Child> {
    std::process::Command::new(SHELL)
        .arg("-c")
        .arg(script)
        .arg("smoke")
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
}

impl ShellExecutor {
    /// Commands run in `dir` with `env` added to smoke's environment.
    pub fn new(dir: &Path, env: &[(String, String)]) -> Self {
        ShellExecutor {
            dir: dir.to_path_buf(),
            env: env.to_vec(),
            log: None,
            scratch: None,
            fork: None,
            early: None,
            fork_collected_by_config: false,
            no_fork: None,
        }
    }

    /// A fresh path in the scratch folder (nothing there yet).
    fn scratch_file(&mut self, name: &str) -> Result<PathBuf> {
        if self.scratch.is_none() {
            self.scratch = Some(
                // Private: the results and helper files are smoke's, and results may hold
                // secrets the tests printed.
                PrivateDir::new("smoke-batch-")
                    .context("cannot create a folder for batch results")?,
            );
            let dir = self.scratch.as_ref().expect("made above").path();
            for (name, text) in crate::helpers::FILES {
                std::fs::write(dir.join(name), text)
                    .with_context(|| format!("cannot write the helper file {name}"))?;
            }
        }
        let path = self.scratch.as_ref().expect("made above").path().join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove '{}'", path.display())),
        }
        Ok(path)
    }
}

/// The first `limit` bytes of a results file (and one more if it is longer).
fn read_head(path: &Path, limit: usize) -> Result<Option<Vec<u8>>> {
    match File::open(path) {
        Ok(file) => {
            let mut head = Vec::new();
            file.take(limit as u64 + 1)
                .read_to_end(&mut head)
                .with_context(|| format!("cannot read '{}'", path.display()))?;
            Ok(Some(head))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read '{}'", path.display())),
    }
}

/// Read a results file the command may not have written.
fn read_results(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read '{}'", path.display())),
    }
}

impl Executor for ShellExecutor {
    fn run(&mut self, job: &Job) -> Result<Finished> {
        if let Some((log, _)) = &mut self.log {
            writeln!(log, "=== {} ===", job.label).context("cannot write the log")?;
        }
        let log = match &self.log {
            Some((file, _)) => Some(file.try_clone().context("cannot share the log file")?),
            None => None,
        };
        let (reader, writer) = os_pipe::pipe().context("cannot create a pipe")?;
        let mut args: Vec<&OsStr> = vec!["-c".as_ref(), job.script.as_ref(), "smoke".as_ref()];
        args.extend(&job.args);
        let results = match job.collect {
            Collect::Nothing => None,
            Collect::JunitFile => Some(self.scratch_file("junit.xml")?),
            Collect::Stdout | Collect::StdoutHead(_) => Some(self.scratch_file("stdout")?),
            Collect::JsonFile => Some(self.scratch_file(RESULTS_JSON)?),
        };
        let stdout: OwnedFd = match (job.collect, &results) {
            (Collect::Stdout | Collect::StdoutHead(_), Some(path)) => File::create_new(path)
                .with_context(|| format!("cannot create '{}'", path.display()))?
                .into(),
            _ => writer
                .try_clone()
                .context("cannot duplicate a pipe")?
                .into(),
        };
        let dir = job.dir.unwrap_or(&self.dir);
        // What the job sets itself (PYTHONPATH with smoke's plugin folder first, which already
        // holds the suite's value) replaces the suite's variable of that name: with duct, the
        // expression's first settings would win.
        let suite_env: Vec<(String, String)> = self
            .env
            .iter()
            .filter(|(name, _)| !job.env.iter().any(|(set, _)| set == name))
            .cloned()
            .collect();
        let mut expression = in_own_group(duct::cmd(SHELL, &args), dir, &suite_env)
            .stdout_file(stdout)
            .stderr_file(writer);
        if let (Collect::JunitFile, Some(path)) = (job.collect, &results) {
            expression = expression.env(crate::shell::JUNIT_VAR, path);
        }
        if let (Collect::JsonFile, Some(path)) = (job.collect, &results) {
            expression = expression.env(crate::shell::JSON_VAR, path);
        }
        if let (Some(scratch), true) = (&self.scratch, job.collect != Collect::Nothing) {
            expression = expression.env(crate::shell::HELPERS_VAR, scratch.path());
        }
        for (name, value) in &job.env {
            expression = expression.env(name, value);
        }
        let start = Instant::now();
        crate::trace::mark(format_args!("exec.start {}", job.label));
        let handle = expression
            .start()
            .with_context(|| format!("cannot start {SHELL} for {}", job.label))?;
        // Drop our copies of the pipe's write end, so EOF comes when the command's group is done.
        drop(expression);
        let capture = Capture::start(reader, log);
        let pgid = handle
            .pids()
            .first()
            .and_then(|&pid| i32::try_from(pid).ok())
            .expect("a started command has a pid");
        let running = interrupt::RunningGroup::new(pgid);

        let (status, timed_out) = match job.timeout {
            None => (handle.wait()?.status, false),
            Some(limit) => match handle.wait_timeout(limit)? {
                Some(output) => (output.status, false),
                None => {
                    kill_group(pgid, libc::SIGTERM);
                    let status = match handle.wait_timeout(KILL_GRACE)? {
                        Some(output) => output.status,
                        None => {
                            kill_group(pgid, libc::SIGKILL);
                            handle.wait()?.status
                        }
                    };
                    (status, true)
                }
            },
        };
        let duration = start.elapsed();
        if job.kill_leftovers || timed_out {
            kill_group(pgid, libc::SIGKILL);
        }
        drop(running);
        let (output, dropped) = capture.finish();

        let outcome = outcome(status, timed_out);
        crate::trace::mark(format_args!("exec.end {}", job.label));
        let results = match (&results, job.collect) {
            (Some(path), Collect::StdoutHead(limit)) => read_head(path, limit)?,
            (Some(path), _) => read_results(path)?,
            (None, _) => None,
        };
        if let Some((log, _)) = &mut self.log {
            if let (Collect::Stdout | Collect::StdoutHead(_), Some(stdout)) =
                (job.collect, &results)
            {
                writeln!(log, "--- {}: stdout", job.label).context("cannot write the log")?;
                log.write_all(stdout).context("cannot write the log")?;
            }
            writeln!(
                log,
                "--- {}: {} ({:.2}s)",
                job.label,
                outcome,
                duration.as_secs_f64()
            )
            .context("cannot write the log")?;
        }
        Ok(Finished {
            outcome,
            duration,
            output,
            dropped,
            results,
        })
    }

    fn set_log(&mut self, path: Option<&Path>) -> Result<()> {
        if let Some((file, path)) = self.log.take() {
            restore_log(file, &path)
                .with_context(|| format!("cannot write the log '{}' again", path.display()))?;
        }
        self.log = match path {
            Some(path) => Some((
                new_log(path)
                    .with_context(|| format!("cannot create the log '{}'", path.display()))?,
                path.to_path_buf(),
            )),
            None => None,
        };
        Ok(())
    }
    fn run_batch(&mut self, job: &Job, extras: &BatchExtras) -> Result<BatchFinished> {
        let mut env = job.env.clone();
        let mut options: Vec<OsString> = Vec::new();
        // rspec's and jest's helpers are loaded by the command itself; pytest's plugin is
        // written here and loaded with -p (or PYTEST_PLUGINS).
        if extras.stream == Stream::Pytest {
            let plugin = self.scratch_file(forkserver::PYTEST_PLUGIN_FILE)?;
            std::fs::write(&plugin, forkserver::pytest_plugin())
                .with_context(|| format!("cannot write '{}'", plugin.display()))?;
            let folder = plugin.parent().expect("a file in the scratch folder");
            env.push(("PYTHONPATH", python_path(folder, &self.env)));
            if extras.options_in_file {
                env.push(forkserver::pytest_plugin_env(&self.env));
            } else {
                options.extend(forkserver::pytest_plugin_options());
            }
        }
        let stream = match extras.stream.variable() {
            Some(var) => {
                let path = self.scratch_file("stream.jsonl")?;
                env.push((var, path.clone().into_os_string()));
                Some(path)
            }
            None => None,
        };
        env.extend(extras.flags.iter().map(|&var| (var, OsString::from("1"))));
        // rspec takes SPEC_OPTS' formatters instead of the command line's `--format json --out
        // {json}`: its JSON formatter goes there too.
        if extras.stream == Stream::Rspec && job.collect == Collect::JsonFile {
            let results = self.scratch_file(RESULTS_JSON)?;
            env.extend(rspec_spec_opts(&self.env, &results).map(|opts| ("SPEC_OPTS", opts)));
        }
        options.extend(extras.options.iter().map(|&o| o.to_owned()));
        let mut args: Vec<OsString> = Vec::new();
        if !extras.options_in_file {
            args.append(&mut options);
        }
        if extras.tests_file || extras.args == BatchArgs::AtFile {
            let path = self.scratch_file("tests.txt")?;
            let mut lines = Vec::new();
            for word in options
                .iter()
                .map(OsString::as_os_str)
                .chain(job.args.iter().copied())
            {
                lines.extend_from_slice(word.as_encoded_bytes());
                lines.push(b'\n');
            }
            std::fs::write(&path, lines)
                .with_context(|| format!("cannot write '{}'", path.display()))?;
            if extras.args == BatchArgs::AtFile {
                let mut at = OsString::from("@");
                at.push(&path);
                args.push(at);
            }
            env.push((crate::shell::TESTS_FILE_VAR, path.into_os_string()));
        }
        if extras.args == BatchArgs::Names {
            args.extend(job.args.iter().map(|&a| a.to_owned()));
        }
        let finished = self.run(&Job {
            args: args.iter().map(OsString::as_os_str).collect(),
            env,
            ..job.clone()
        })?;
        let stream = match &stream {
            Some(path) => read_results(path)?,
            None => None,
        };
        Ok(BatchFinished { finished, stream })
    }

    fn prestart_fork_server(&mut self, plan: &ForkPlan) {
        if self.fork.is_none() && self.early.is_none() && self.no_fork.is_none() {
            self.early = forkserver::ForkServer::spawn(plan, &self.dir, &self.env).ok();
        }
    }

    fn served_listing(&mut self, plan: &ForkPlan) -> Result<Option<Vec<u8>>> {
        if !plan.lists || self.fork.is_some() {
            return Ok(None);
        }
        let Some(early) = self.early.take() else {
            return Ok(None);
        };
        match early.until_ready(plan)? {
            Ok(server) => {
                let listed = server.listed();
                self.fork = Some(server);
                self.fork_collected_by_config = true;
                crate::trace::mark("list.served");
                Ok(listed)
            }
            Err(why) => {
                self.no_fork = Some(why);
                Ok(None)
            }
        }
    }

    fn run_forked(&mut self, job: &Job, plan: &ForkPlan) -> Result<Forked> {
        if let Some(why) = &self.no_fork {
            return Ok(Forked::Unavailable(why.clone()));
        }
        if self.fork.is_none() {
            let early = self.early.take();
            self.fork_collected_by_config = early.is_some();
            let started = match early {
                Some(early) => early.until_ready(plan)?,
                None => forkserver::ForkServer::start(plan, &self.dir, &self.env)?,
            };
            match started {
                Ok(server) => self.fork = Some(server),
                Err(why) => {
                    self.no_fork = Some(why.clone());
                    return Ok(Forked::Unavailable(why));
                }
            }
        }
        let server = self.fork.as_mut().expect("started above");
        let log = match &mut self.log {
            Some((log, _)) => {
                writeln!(log, "=== {} ===", job.label).context("cannot write the log")?;
                Some(log)
            }
            None => None,
        };
        match server.run(job, plan, log)? {
            Ok(Some(finished)) => Ok(Forked::Ran(finished)),
            Ok(None) => {
                // It died (a test killed its parent?): what it was doing is unknown, so no
                // new one; the rest of the run starts fresh processes.
                self.fork = None;
                let why = format!("the {} fork server stopped unexpectedly", plan.runner);
                self.no_fork = Some(why.clone());
                Ok(Forked::Unavailable(why))
            }
            Err(_) if self.fork_collected_by_config => {
                // The server started early collected less than the listing named (a batch
                // command that narrows what the runner collects): replace it, once, with one
                // started with the run's names (no early server is left to take).
                self.fork = None;
                self.run_forked(job, plan)
            }
            Err(why) => Ok(Forked::Unavailable(why)),
        }
    }
}

/// `SPEC_OPTS` with rspec's JSON formatter writing to `results` added at its end, when the
/// suite's `env` or smoke's environment sets it: rspec then takes that variable's formatters
/// instead of the command line's (a `--format documentation` there would drop the command
/// line's `--format json --out FILE`). `None` when it is unset or blank, or `results` is not
/// UTF-8 (rspec splits the variable as shell words).
pub fn rspec_spec_opts(env: &[(String, String)], results: &Path) -> Option<OsString> {
    const VAR: &str = "SPEC_OPTS";
    let mut opts = env
        .iter()
        .rfind(|(name, _)| name == VAR)
        .map(|(_, value)| OsString::from(value))
        .or_else(|| std::env::var_os(VAR))
        .filter(|opts| !opts.as_encoded_bytes().trim_ascii().is_empty())?;
    let results = crate::shell::quote(results.to_str()?).into_owned();
    opts.push(format!(" --format json --out {results}"));
    Some(opts)
}

/// Write smoke's pytest plugin into `folder` (a private one the caller keeps while pytest runs)
/// and return the variables that load it into a pytest started with the suite's `env`:
/// `PYTHONPATH` with `folder` first, and `PYTEST_PLUGINS` naming the plugin, so that the command
/// line stays as it is (the listing's). The caller adds the variable that picks the plugin's
/// mode ([`crate::helpers::PYTEST_LIST_VAR`]).
pub fn pytest_plugin_in(
    folder: &Path,
    env: &[(String, String)],
) -> Result<Vec<(&'static str, OsString)>> {
    let plugin = folder.join(forkserver::PYTEST_PLUGIN_FILE);
    std::fs::write(&plugin, forkserver::pytest_plugin())
        .with_context(|| format!("cannot write '{}'", plugin.display()))?;
    Ok(vec![
        ("PYTHONPATH", python_path(folder, env)),
        forkserver::pytest_plugin_env(env),
    ])
}

/// `PYTHONPATH` with `folder` first: the suite's own value (`[suite.env]`), else smoke's, after
/// it.
fn python_path(folder: &Path, env: &[(String, String)]) -> OsString {
    let old = env
        .iter()
        .rfind(|(name, _)| name == "PYTHONPATH")
        .map(|(_, value)| OsString::from(value))
        .or_else(|| std::env::var_os("PYTHONPATH"));
    let mut path = folder.as_os_str().to_owned();
    if let Some(old) = old.filter(|o| !o.is_empty()) {
        path.push(":");
        path.push(old);
    }
    path
}

/// A new log file, owner-only like the reports (a log is the tests' raw output, never
/// redacted), readable so that [`restore_log`] can copy it back.
fn new_log(path: &Path) -> std::io::Result<File> {
    File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// A test in the rerun may have removed the log while it was written (`rm -rf reports`, `git
/// clean -fdx`): then the open file, unlinked, still holds it, so write it back at `path`,
/// folder included. A log still in place is left alone.
fn restore_log(mut file: File, path: &Path) -> std::io::Result<()> {
    if file.metadata()?.nlink() > 0 {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut restored = new_log(path)?;
    file.seek(std::io::SeekFrom::Start(0))?;
    std::io::copy(&mut file, &mut restored)?;
    Ok(())
}

/// The settings every command gets: run in `dir` with `env` added, stdin closed, any exit
/// status accepted (a failing test is data), and in a process group of its own so that a timeout
/// or Ctrl-C can kill its whole tree.
fn in_own_group(
    expression: duct::Expression,
    dir: &Path,
    env: &[(String, String)],
) -> duct::Expression {
    let mut expression = expression
        .dir(dir)
        .stdin_null()
        .unchecked()
        .before_spawn(|command| {
            keeper::keep(command);
            Ok(())
        });
    for (name, value) in env {
        expression = expression.env(name, value);
    }
    expression
}

/// How a process that smoke did not time out ended.
pub fn outcome_of(status: std::process::ExitStatus) -> Outcome {
    outcome(status, false)
}

/// How a command ended, from its exit status (`timed_out`: smoke killed it at its limit).
fn outcome(status: std::process::ExitStatus, timed_out: bool) -> Outcome {
    if timed_out {
        return Outcome::Timeout;
    }
    match (status.code(), status.signal()) {
        (Some(0), _) => Outcome::Pass,
        (Some(code), _) => Outcome::Fail { code },
        (None, Some(signal)) => Outcome::Signal { signal },
        (None, None) => Outcome::Fail { code: -1 },
    }
}

/// SIGTERM or SIGKILL to a whole process group; a group that is already gone is fine.
fn kill_group(pgid: i32, signal: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

/// The last `TAIL_BYTES` of a stream, and how much came before them.
#[derive(Debug, Default)]
struct Tail {
    buf: Vec<u8>,
    dropped: u64,
}

impl Tail {
    fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
        // Trim only when twice the limit, so trimming costs O(1) per byte on average.
        if self.buf.len() > 2 * TAIL_BYTES {
            self.trim();
        }
    }

    fn trim(&mut self) {
        let excess = self.buf.len().saturating_sub(TAIL_BYTES);
        self.buf.drain(..excess);
        self.dropped += excess as u64;
    }
}

/// A thread that drains a command's output pipe into a [`Tail`] (and a log).
struct Capture {
    tail: Arc<Mutex<Tail>>,
    detached: Arc<AtomicBool>,
    done: mpsc::Receiver<()>,
}

impl Capture {
    fn start(reader: os_pipe::PipeReader, log: Option<File>) -> Capture {
        let tail = Arc::new(Mutex::new(Tail::default()));
        let detached = Arc::new(AtomicBool::new(false));
        let (done_tx, done) = mpsc::channel();
        let (thread_tail, thread_detached) = (Arc::clone(&tail), Arc::clone(&detached));
        std::thread::spawn(move || {
            drain(reader, log, &thread_tail, &thread_detached);
            let _ = done_tx.send(());
        });
        Capture {
            tail,
            detached,
            done,
        }
    }

    /// Wait (at most [`OUTPUT_GRACE`]) for the pipe to close, then take the tail.
    fn finish(self) -> (Vec<u8>, u64) {
        if self.done.recv_timeout(OUTPUT_GRACE).is_err() {
            // Something outside the group (a server setup started, a daemon) still holds the
            // pipe. Leave the thread draining it until it closes, so that process never gets
            // SIGPIPE, but keep nothing more of its output.
            self.detached.store(true, Ordering::SeqCst);
        }
        let mut tail = self.tail.lock().unwrap_or_else(|e| e.into_inner());
        tail.trim();
        (std::mem::take(&mut tail.buf), tail.dropped)
    }
}

fn drain(
    mut reader: os_pipe::PipeReader,
    mut log: Option<File>,
    tail: &Mutex<Tail>,
    detached: &AtomicBool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        if detached.load(Ordering::SeqCst) {
            continue;
        }
        if let Some(file) = &mut log {
            // A log write error must not stop the draining (the command would block).
            if file.write_all(&buf[..n]).is_err() {
                log = None;
            }
        }
        tail.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(&buf[..n]);
    }
}

/// What [`capture`] collected.
#[derive(Debug)]
pub struct Captured {
    /// How the command ended.
    pub outcome: Outcome,
    /// All of its stdout.
    pub stdout: Vec<u8>,
    /// All of its stderr.
    pub stderr: Vec<u8>,
}

/// Run `argv` (no shell) in `dir` with `env` added, capturing stdout and stderr separately, in its
/// own process group, killed with its group after `timeout`. For the list command and the build
/// parameters, whose output is data.
pub fn capture(
    argv: &[&str],
    dir: &Path,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<Captured> {
    capture_with(argv, dir, env, &[], timeout)
}

/// [`capture`] with `extra` variables set after the suite's `env` (smoke's own, which win:
/// `PYTHONPATH` already holds the suite's value after smoke's folder).
pub fn capture_with(
    argv: &[&str],
    dir: &Path,
    env: &[(String, String)],
    extra: &[(&str, OsString)],
    timeout: Duration,
) -> Result<Captured> {
    let (program, args) = argv.split_first().expect("capture needs a program");
    let suite_env: Vec<(String, String)> = env
        .iter()
        .filter(|(name, _)| !extra.iter().any(|(set, _)| set == name))
        .cloned()
        .collect();
    let mut expression = in_own_group(duct::cmd(*program, args), dir, &suite_env);
    for (name, value) in extra {
        expression = expression.env(name, value);
    }
    let handle = expression
        .stdout_capture()
        .stderr_capture()
        .start()
        .with_context(|| format!("cannot start '{program}'"))?;
    let pgid = handle.pids().first().map_or(0, |&pid| pid as i32);
    let running = interrupt::RunningGroup::new(pgid);
    let finished = handle.wait_timeout(timeout)?.is_some();
    if !finished {
        kill_group(pgid, libc::SIGKILL);
    }
    let output = handle.wait()?;
    drop(running);
    Ok(Captured {
        outcome: outcome(output.status, !finished),
        stdout: output.stdout.clone(),
        stderr: output.stderr.clone(),
    })
}

/// An executor for tests: no processes. Outcomes come from a function of the job; every job is
/// recorded. Clones share the function and the record, so one fake serves every worker.
#[cfg(test)]
pub(crate) mod fake {
    use super::*;

    /// A recorded job: its label and `$1`.
    pub type Ran = (String, Option<String>);

    struct Shared<F> {
        outcome: F,
        ran: Vec<Ran>,
        logs: Vec<PathBuf>,
        /// The log open now, if one is.
        open: Option<PathBuf>,
        /// The indexes in `ran` of the jobs run while a log was open.
        logged: Vec<usize>,
    }

    pub struct FakeExecutor<F: FnMut(&Job) -> Outcome + Send> {
        shared: Arc<Mutex<Shared<F>>>,
    }

    impl<F: FnMut(&Job) -> Outcome + Send> Clone for FakeExecutor<F> {
        fn clone(&self) -> Self {
            FakeExecutor {
                shared: Arc::clone(&self.shared),
            }
        }
    }

    impl<F: FnMut(&Job) -> Outcome + Send> FakeExecutor<F> {
        pub fn new(outcome: F) -> Self {
            FakeExecutor {
                shared: Arc::new(Mutex::new(Shared {
                    outcome,
                    ran: Vec::new(),
                    logs: Vec::new(),
                    open: None,
                    logged: Vec::new(),
                })),
            }
        }

        /// Every job run so far, by any clone, in order.
        pub fn ran(&self) -> Vec<Ran> {
            self.lock().ran.clone()
        }

        /// Every log opened so far.
        pub fn logs(&self) -> Vec<PathBuf> {
            self.lock().logs.clone()
        }

        /// The indexes in [`ran`](Self::ran) of the jobs that ran while a log was open.
        pub fn logged(&self) -> Vec<usize> {
            self.lock().logged.clone()
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, Shared<F>> {
            self.shared.lock().unwrap_or_else(|e| e.into_inner())
        }
    }

    impl<F: FnMut(&Job) -> Outcome + Send> Executor for FakeExecutor<F> {
        fn run(&mut self, job: &Job) -> Result<Finished> {
            let mut shared = self.lock();
            if shared.open.is_some() {
                let index = shared.ran.len();
                shared.logged.push(index);
            }
            shared.ran.push((
                job.label.to_string(),
                job.args.first().map(|a| a.to_string_lossy().into_owned()),
            ));
            let outcome = (shared.outcome)(job);
            Ok(Finished {
                outcome,
                duration: Duration::from_millis(1),
                output: format!("output of {}\n", job.label).into_bytes(),
                dropped: 0,
                results: None,
            })
        }

        fn set_log(&mut self, path: Option<&Path>) -> Result<()> {
            let mut shared = self.lock();
            shared.logs.extend(path.map(Path::to_path_buf));
            shared.open = path.map(Path::to_path_buf);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job<'a>(script: &'a str, arg: Option<&'a str>) -> Job<'a> {
        Job {
            script,
            args: arg.map(OsStr::new).into_iter().collect(),
            env: vec![("SMOKE_TEST", arg.unwrap_or("").into())],
            dir: None,
            label: "job",
            kill_leftovers: true,
            timeout: None,
            collect: Collect::Nothing,
        }
    }

    fn run(script: &str, arg: Option<&str>, timeout: Option<Duration>) -> Finished {
        let dir = std::env::temp_dir();
        ShellExecutor::new(&dir, &[("EXTRA".into(), "x".into())])
            .run(&Job {
                timeout,
                ..job(script, arg)
            })
            .expect("sh starts")
    }

    #[test]
    fn exit_codes_and_signals_become_outcomes() {
        assert_eq!(run("exit 0", None, None).outcome, Outcome::Pass);
        assert_eq!(run("exit 3", None, None).outcome, Outcome::Fail { code: 3 });
        assert_eq!(
            run("kill -SEGV $$", None, None).outcome,
            Outcome::Signal { signal: 11 }
        );
    }

    #[test]
    fn the_keeper_ends_as_its_command_did() {
        assert_eq!(
            run("exit 255", None, None).outcome,
            Outcome::Fail { code: 255 }
        );
        for signal in [libc::SIGTERM, libc::SIGUSR1, libc::SIGKILL] {
            assert_eq!(
                run(&format!("kill -{signal} $$"), None, None).outcome,
                Outcome::Signal { signal }
            );
        }
    }

    #[test]
    fn a_command_that_kills_its_parent_kills_the_keeper_not_smoke_and_dies_with_it() {
        // Without the keeper, $PPID would be this test process.
        for script in [
            "kill -KILL $PPID; sleep 30",
            "sh -c 'kill -KILL $PPID; sleep 30'; sleep 30",
        ] {
            let started = Instant::now();
            let done = run(script, None, None);
            assert_eq!(done.outcome, Outcome::Signal { signal: 9 }, "{script}");
            assert!(started.elapsed() < Duration::from_secs(10), "{script}");
        }
    }

    #[test]
    fn a_timeout_still_gives_the_command_its_grace_before_sigkill() {
        // The keeper ignores SIGTERM: the command's own trap runs, and its last word is kept.
        let done = run(
            "trap 'echo graceful; exit 7' TERM; sleep 30 & wait",
            None,
            Some(Duration::from_millis(300)),
        );
        assert_eq!(done.outcome, Outcome::Timeout);
        assert_eq!(done.output, b"graceful\n");
    }

    #[test]
    fn the_argument_arrives_as_data_with_the_environment() {
        let name = "it's a $(touch pwned) `x` test; rm x";
        let done = run(
            r#"printf '%s|%s|%s' "$1" "$SMOKE_TEST" "$EXTRA""#,
            Some(name),
            None,
        );
        assert_eq!(
            String::from_utf8_lossy(&done.output),
            format!("{name}|{name}|x")
        );
    }

    #[test]
    fn json_results_come_from_a_fresh_file_beside_the_private_helper_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut exec = ShellExecutor::new(dir.path(), &[]);
        let script = r#"test ! -e "$SMOKE_JSON" && printf '{}' > "$SMOKE_JSON" && printf '%s' "$SMOKE_HELPERS""#;
        for _ in 0..2 {
            // The second run sees no file left by the first.
            let done = exec
                .run(&Job {
                    collect: Collect::JsonFile,
                    ..job(script, None)
                })
                .expect("runs");
            assert_eq!(done.results.as_deref(), Some(&b"{}"[..]));
            let helpers = PathBuf::from(String::from_utf8_lossy(&done.output).into_owned());
            assert!(!helpers.starts_with(dir.path()), "{}", helpers.display());
            let mode = std::fs::metadata(&helpers).expect("the folder").mode();
            assert_eq!(mode & 0o777, 0o700, "private: {mode:o}");
            for (name, text) in crate::helpers::FILES {
                let written = std::fs::read_to_string(helpers.join(name)).expect("written");
                assert_eq!(written, *text);
            }
        }
        // Per-test commands collect nothing and get no helper folder.
        let done = exec
            .run(&job(r#"printf '%s' "${SMOKE_HELPERS-unset}""#, None))
            .expect("runs");
        assert_eq!(done.output, b"unset");
        // Nothing was written into the suite folder.
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }

    #[test]
    fn batch_results_are_collected_whole_from_a_fresh_file_or_stdout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut exec = ShellExecutor::new(dir.path(), &[]);
        let write_junit = r#"test ! -e "$SMOKE_JUNIT" && printf '<x/>' > "$SMOKE_JUNIT""#;
        for _ in 0..2 {
            // The second run sees no file left by the first.
            let done = exec
                .run(&Job {
                    collect: Collect::JunitFile,
                    ..job(write_junit, None)
                })
                .expect("runs");
            assert_eq!(done.results.as_deref(), Some(&b"<x/>"[..]));
        }
        let silent = exec
            .run(&Job {
                collect: Collect::JunitFile,
                ..job("true", None)
            })
            .expect("runs");
        assert_eq!(silent.results, None);
        let tap = exec
            .run(&Job {
                collect: Collect::Stdout,
                ..job("head -c 100000 /dev/zero | tr '\\0' o; echo err >&2", None)
            })
            .expect("runs");
        assert_eq!(tap.results.map(|r| r.len()), Some(100_000));
        assert_eq!(tap.output, b"err\n");
        let head = exec
            .run(&Job {
                collect: Collect::StdoutHead(10),
                ..job("head -c 100000 /dev/zero | tr '\\0' o", None)
            })
            .expect("runs");
        assert_eq!(
            head.results.map(|r| r.len()),
            Some(11),
            "the limit and one more"
        );
    }

    #[test]
    fn a_batch_gets_its_options_before_the_names_or_first_in_the_names_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut exec = ShellExecutor::new(dir.path(), &[]);
        let script = r#"printf '%s|' "$@"; printf '#'; cat "$SMOKE_TESTS_FILE" 2>/dev/null"#;
        let names = ["a b", "c"];
        let run = |exec: &mut ShellExecutor, extras: &BatchExtras| {
            let done = exec
                .run_batch(
                    &Job {
                        args: names.iter().map(OsStr::new).collect(),
                        ..job(script, None)
                    },
                    extras,
                )
                .expect("runs");
            String::from_utf8_lossy(&done.finished.output).into_owned()
        };
        let options = vec![OsStr::new("--maxfail=1")];
        // On the command line.
        let plain = BatchExtras {
            options: options.clone(),
            ..BatchExtras::default()
        };
        assert_eq!(run(&mut exec, &plain), "--maxfail=1|a b|c|#");
        // As @FILE, the names one per line in it.
        let at_file = BatchExtras {
            options: options.clone(),
            args: BatchArgs::AtFile,
            ..BatchExtras::default()
        };
        let said = run(&mut exec, &at_file);
        let (args, file) = said.split_once('#').expect("both parts");
        assert!(
            args.starts_with("--maxfail=1|@/") && args.ends_with("tests.txt|"),
            "{said}"
        );
        assert_eq!(file, "a b\nc\n");
        // {tests-file} alone, read as arguments: the options go first in the file.
        let in_file = BatchExtras {
            options,
            tests_file: true,
            options_in_file: true,
            args: BatchArgs::Nothing,
            ..BatchExtras::default()
        };
        assert_eq!(run(&mut exec, &in_file), "|#--maxfail=1\na b\nc\n");
    }

    #[test]
    fn stdout_and_stderr_are_merged_and_only_the_tail_is_kept() {
        let done = run("echo out; echo err >&2", None, None);
        assert_eq!(done.output, b"out\nerr\n");
        let big = run("head -c 300000 /dev/zero; printf END", None, None);
        assert_eq!(big.output.len(), TAIL_BYTES);
        assert!(big.output.ends_with(b"END"));
        assert_eq!(big.dropped, 300003 - TAIL_BYTES as u64);
    }

    #[test]
    fn a_command_past_its_timeout_is_killed_with_its_group() {
        let started = Instant::now();
        let done = run(
            "sleep 30 & echo $! > /dev/null; sleep 30",
            None,
            Some(Duration::from_millis(200)),
        );
        assert_eq!(done.outcome, Outcome::Timeout);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_background_child_holding_the_pipe_does_not_hang_the_wait() {
        let started = Instant::now();
        let done = run("(sleep 30) & echo started", None, None);
        assert_eq!(done.outcome, Outcome::Pass);
        assert_eq!(done.output, b"started\n");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_server_left_running_by_a_hook_keeps_a_working_stdout() {
        // kill_leftovers is false for hooks: the background writer outlives the hook, and must
        // not die of SIGPIPE when smoke stops listening.
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("still-writing");
        let script = format!(
            "(sleep 0.8; echo late; touch '{}') & echo started",
            marker.display()
        );
        let started = Instant::now();
        let done = ShellExecutor::new(dir.path(), &[])
            .run(&Job {
                kill_leftovers: false,
                ..job(&script, None)
            })
            .expect("runs");
        assert_eq!(done.output, b"started\n");
        assert!(
            started.elapsed() < Duration::from_millis(800),
            "did not wait for the server"
        );
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            marker.exists(),
            "the background writer was killed by SIGPIPE"
        );
    }

    #[test]
    fn capture_keeps_stdout_apart_from_stderr() {
        let dir = std::env::temp_dir();
        let got = capture(
            &[SHELL, "-c", "echo a; echo b; echo oops >&2; exit 4"],
            &dir,
            &[],
            Duration::from_secs(10),
        )
        .expect("runs");
        assert_eq!(got.outcome, Outcome::Fail { code: 4 });
        assert_eq!(got.stdout, b"a\nb\n");
        assert_eq!(got.stderr, b"oops\n");
    }

    #[test]
    fn smoke_s_variables_replace_the_suite_s_of_the_same_name_in_a_capture() {
        let dir = std::env::temp_dir();
        let env = [
            ("SMOKE_T_A".to_string(), "suite".to_string()),
            ("SMOKE_T_B".to_string(), "kept".to_string()),
        ];
        let got = capture_with(
            &[SHELL, "-c", r#"printf '%s %s' "$SMOKE_T_A" "$SMOKE_T_B""#],
            &dir,
            &env,
            &[("SMOKE_T_A", OsString::from("smoke"))],
            Duration::from_secs(10),
        )
        .expect("runs");
        assert_eq!(got.stdout, b"smoke kept");
    }

    #[test]
    fn spec_opts_get_rspec_s_json_formatter_at_their_end_when_set() {
        let results = Path::new("/tmp/smoke x/results.json");
        let env = |value: &str| [("SPEC_OPTS".to_string(), value.to_string())];
        assert_eq!(
            rspec_spec_opts(&env("--format documentation"), results),
            Some(OsString::from(
                "--format documentation --format json --out '/tmp/smoke x/results.json'"
            ))
        );
        // The suite's blank value is the one the runner sees: nothing to add.
        assert_eq!(rspec_spec_opts(&env("  "), results), None);
    }
}
