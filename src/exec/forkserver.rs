//! Edge: a fork server, so that a batch runner loads the suite once per worker instead of once
//! per sequence.
//!
//! The server is the batch command itself, started once with a small helper smoke writes into a
//! private folder (pytest: a plugin module loaded with `-p` and `--collect-only`, see
//! `smoke_fork_pytest.py`; rspec: a file loaded with `-r` and `--dry-run`, see
//! `smoke_fork_rspec.rb`), so that a runner that ignores the helper runs nothing. After
//! collection it waits on a pipe; for each sequence it forks, the child runs exactly the asked
//! tests in the asked order and finishes like a fresh runner, and the parent, which never runs a
//! test, answers with the child's pid and then its exit status. The child writes a line as each
//! test starts and ends, so a test that kills its process is still named. Everything the server
//! and its children print goes to one file; a sequence's output is what was added while it ran.
//!
//! The child is in its own process group: a timeout or Ctrl-C kills it whole, and the server
//! lives on for the next sequence. The first worker's server can be started before the tests
//! are listed, with no names (it collects what the runner's configuration says, as the preset's
//! listing does), so that the two load the suite side by side: [`ForkServer::spawn`] starts it
//! and [`ForkServer::until_ready`] waits for it at first use. Where its collection is the
//! listing ([`ForkPlan::lists`]: the pytest preset's own commands), it writes the node ids it
//! collected and the suite is listed from them ([`ForkServer::listed`]), without a second load.
//! A server that cannot start, or whose helper says forking is unsafe (threads after
//! collection, collection errors, pytest-xdist), is [`Forked::Unavailable`] with the reason,
//! and the caller runs the sequence as a fresh process; so does a sequence with a test the
//! server did not collect (a server started early is replaced once instead, by one started with
//! the names). A server that dies is not started again: the rest of the run starts fresh
//! processes.

use super::{Finished, Job, KILL_GRACE, TAIL_BYTES, kill_group, outcome};
use crate::execution::ForkRunner;
use crate::interrupt;
use anyhow::{Context, Result};
use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The pytest helper, written into the server's private folder.
const PYTEST_PLUGIN: &str = include_str!("smoke_fork_pytest.py");
/// Its module name, as `-p` takes it.
const PYTEST_MODULE: &str = "smoke_fork_pytest";
/// The rspec helper (it needs smoke's `rspec_order.rb`, which the batch command loads first).
const RSPEC_HELPER: &str = include_str!("smoke_fork_rspec.rb");
/// Its file name in the server's folder.
const RSPEC_FILE: &str = "smoke_fork_rspec.rb";
/// The pytest helper's file name, in the folder put first on `PYTHONPATH`.
pub(super) const PYTEST_PLUGIN_FILE: &str = "smoke_fork_pytest.py";

/// The pytest helper's source.
pub(super) fn pytest_plugin() -> &'static str {
    PYTEST_PLUGIN
}

/// pytest's options that load the helper.
pub(super) fn pytest_plugin_options() -> [std::ffi::OsString; 2] {
    ["-p".into(), PYTEST_MODULE.into()]
}

/// The variable that loads the pytest helper when its options cannot go on the command line:
/// pytest reads `-p` only there, not from a file of arguments (`@FILE`), but it loads the
/// modules `PYTEST_PLUGINS` names (`env`: the suite's own variables, which come first). The
/// helper takes itself out of the variable again, so the tests' own pytest processes do not
/// load it.
pub(super) fn pytest_plugin_env(env: &[(String, String)]) -> (&'static str, std::ffi::OsString) {
    const VAR: &str = "PYTEST_PLUGINS";
    let old = env
        .iter()
        .rfind(|(name, _)| name == VAR)
        .map(|(_, value)| std::ffi::OsString::from(value))
        .or_else(|| std::env::var_os(VAR));
    let mut value = std::ffi::OsString::from(PYTEST_MODULE);
    if let Some(old) = old.filter(|o| !o.is_empty()) {
        value.push(",");
        value.push(old);
    }
    (VAR, value)
}
/// Above this many bytes of names, the server is started with none and collects what the
/// runner's configuration says (the listing did the same), so its command line always fits.
const NAMES_ON_COMMAND_LINE: usize = 64 * 1024;
/// The variable that asks the pytest server's spares to prefault ([`ForkPlan::prefault`]).
const PREFAULT_VAR: &str = "SMOKE_FORK_PREFAULT";
/// Where a server started with [`ForkPlan::lists`] writes the node ids it collected.
const LIST_FILE: &str = "list.jsonl";
/// How often a running child's results are looked at for a test past its own time limit.
const WATCH_EVERY: Duration = Duration::from_millis(50);
/// How long a server that stopped answering gets to say how a killed child ended.
const ANSWER_GRACE: Duration = Duration::from_secs(5);

/// What a server needs to start, and what this sequence asks of it.
#[derive(Clone, Debug)]
pub struct ForkPlan<'a> {
    pub runner: ForkRunner,
    /// The batch command's script (`sh -c`), started with the helper's options before the names.
    pub script: &'a str,
    /// Every test the run may ask for, passed to the server so it collects just those.
    pub tests: Vec<&'a OsStr>,
    /// The limit for starting up and collecting.
    pub startup: Duration,
    /// Each test's own time limit (`--timeout`): the child says when each test starts, so a
    /// forked batch is held to it test by test, not only as a whole.
    pub test_timeout: Option<Duration>,
    /// Stop at the first failure (a shrink candidate needs no more).
    pub stop_at_failure: bool,
    /// The server's options go first in the `{tests-file}` file, not on the command line: the
    /// template hands the file to pytest as its arguments (`@{tests-file}`) and has no
    /// `{tests}`.
    pub options_in_file: bool,
    /// The server (pytest, started with no names) writes the node ids it collected, as the
    /// preset's listing would, for smoke to take as the suite's listing (`ForkServer::listed`).
    pub lists: bool,
    /// The server's spares fault their memory in while they wait for a request (pytest, see
    /// `_prefault` in `smoke_fork_pytest.py`): only where a CPU is free for it (one worker, more
    /// than one CPU).
    pub prefault: bool,
}

/// How a forked run went.
#[derive(Debug)]
pub enum Forked {
    /// The child ran; [`Finished::results`] holds the lines it wrote.
    Ran(Finished),
    /// No server for this job (it did not run), and why.
    Unavailable(String),
}

/// One running server.
#[derive(Debug)]
pub(super) struct ForkServer {
    handle: duct::Handle,
    pgid: i32,
    requests: os_pipe::PipeWriter,
    replies: Receiver<String>,
    /// Everything the server and its children print.
    output: PathBuf,
    folder: super::PrivateDir,
    /// When it was started: collecting is timed from here.
    started: Instant,
}

impl Drop for ForkServer {
    fn drop(&mut self) {
        kill_group(self.pgid, libc::SIGKILL);
        let _ = self.handle.wait();
    }
}

/// A reply from the server, or why there is none.
enum Reply {
    Line(serde_json::Value),
    Gone,
    Late,
}

impl ForkServer {
    /// Start a server in `dir` with `env`, and wait until it has collected the suite.
    /// `Ok(Err(why))`: it cannot serve.
    pub(super) fn start(
        plan: &ForkPlan,
        dir: &Path,
        env: &[(String, String)],
    ) -> Result<std::result::Result<ForkServer, String>> {
        Self::spawn(plan, dir, env)?.until_ready(plan)
    }

    /// Start a server in `dir` with `env` and return at once, while it loads and collects;
    /// [`until_ready`](Self::until_ready) waits for it.
    pub(super) fn spawn(plan: &ForkPlan, dir: &Path, env: &[(String, String)]) -> Result<Self> {
        let folder = super::PrivateDir::new("smoke-fork-")
            .context("cannot create a folder for the fork server")?;
        let (file, text) = match plan.runner {
            ForkRunner::Pytest => (format!("{PYTEST_MODULE}.py"), PYTEST_PLUGIN),
            ForkRunner::Rspec => (RSPEC_FILE.to_string(), RSPEC_HELPER),
        };
        std::fs::write(folder.path().join(file), text)
            .with_context(|| format!("cannot write the {} fork server's helper", plan.runner))?;
        // The helpers a batch command names through $SMOKE_HELPERS (rspec's rspec_order.rb).
        for (name, text) in crate::helpers::FILES {
            std::fs::write(folder.path().join(name), text)
                .with_context(|| format!("cannot write the helper '{name}'"))?;
        }
        let output = folder.path().join("server.log");
        let log = File::options()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(&output)
            .with_context(|| format!("cannot create '{}'", output.display()))?;
        let (requests_read, requests) = os_pipe::pipe().context("cannot create a pipe")?;
        let (replies_read, replies_write) = os_pipe::pipe().context("cannot create a pipe")?;

        let names_len: usize = plan.tests.iter().map(|t| t.len() + 1).sum();
        let rspec_helper = folder.path().join(RSPEC_FILE);
        let mut args: Vec<&OsStr> = vec!["-c".as_ref(), plan.script.as_ref(), "smoke".as_ref()];
        // Options that load the helper, and that make a runner that ignores it run nothing; in
        // pytest's file of arguments (`@{tests-file}`), the helper comes from PYTEST_PLUGINS.
        let mut in_file: Vec<&OsStr> = Vec::new();
        match plan.runner {
            ForkRunner::Pytest if plan.options_in_file => in_file.push("--collect-only".as_ref()),
            ForkRunner::Pytest => {
                args.extend::<[&OsStr; 3]>([
                    "-p".as_ref(),
                    PYTEST_MODULE.as_ref(),
                    "--collect-only".as_ref(),
                ]);
            }
            ForkRunner::Rspec => {
                args.extend::<[&OsStr; 3]>([
                    "-r".as_ref(),
                    rspec_helper.as_os_str(),
                    "--dry-run".as_ref(),
                ]);
            }
        }
        if names_len <= NAMES_ON_COMMAND_LINE {
            args.extend(&plan.tests);
        }
        // `{tests-file}`: every test of the run (a file has no length limit), after the
        // options when the runner reads the file as its arguments.
        let tests_file = folder.path().join("tests.txt");
        let mut lines = Vec::new();
        for word in in_file.iter().chain(&plan.tests) {
            lines.extend_from_slice(word.as_encoded_bytes());
            lines.push(b'\n');
        }
        std::fs::write(&tests_file, lines)
            .with_context(|| format!("cannot write '{}'", tests_file.display()))?;
        let python_path = super::python_path(folder.path(), env);
        let mut expression = duct::cmd(super::SHELL, &args)
            .dir(dir)
            .unchecked()
            .before_spawn(|command| {
                super::keeper::keep(command);
                Ok(())
            });
        // PYTHONPATH (and PYTEST_PLUGINS, when the helper is loaded through it) are set below,
        // with the suite's value after the helper's: the suite's own setting must not replace
        // them (duct gives an expression's first settings the win).
        let ours =
            |name: &str| name == "PYTHONPATH" || (plan.options_in_file && name == "PYTEST_PLUGINS");
        for (name, value) in env.iter().filter(|(name, _)| !ours(name)) {
            expression = expression.env(name, value);
        }
        if plan.options_in_file {
            let (name, value) = pytest_plugin_env(env);
            expression = expression.env(name, value);
        }
        let expression = expression
            .env("PYTHONPATH", python_path)
            .env("SMOKE_FORK_SERVER", "1")
            .env(crate::shell::JUNIT_VAR, folder.path().join("junit.xml"))
            .env(crate::shell::TESTS_FILE_VAR, &tests_file)
            .env(crate::shell::JSON_VAR, folder.path().join("results.json"))
            .env(crate::shell::HELPERS_VAR, folder.path())
            .stdin_file(requests_read)
            .stdout_file(replies_write)
            .stderr_file(log);
        let expression = match plan.prefault {
            true => expression.env(PREFAULT_VAR, "1"),
            false => expression.env_remove(PREFAULT_VAR),
        };
        let expression = match plan.lists {
            true => expression.env(
                crate::helpers::PYTEST_LIST_VAR,
                folder.path().join(LIST_FILE),
            ),
            false => expression.env_remove(crate::helpers::PYTEST_LIST_VAR),
        };
        crate::trace::mark("fork.spawn");
        let handle = expression
            .start()
            .context("cannot start the fork server's batch command")?;
        drop(expression);
        let pgid = handle
            .pids()
            .first()
            .and_then(|&pid| i32::try_from(pid).ok())
            .expect("a started command has a pid");
        let (send, replies) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(replies_read).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(ForkServer {
            handle,
            pgid,
            requests,
            replies,
            output,
            folder,
            started: Instant::now(),
        })
    }

    /// Wait until the server has collected the suite, at most `plan.startup` from its start.
    /// `Ok(Err(why))`: it cannot serve.
    pub(super) fn until_ready(
        self,
        plan: &ForkPlan,
    ) -> Result<std::result::Result<ForkServer, String>> {
        let running = interrupt::RunningGroup::new(self.pgid);
        let ready = self.reply(self.started + plan.startup);
        drop(running);
        let why = match ready {
            Reply::Line(line) if line.get("ready").is_some() => {
                crate::trace::mark("fork.ready");
                return Ok(Ok(self));
            }
            Reply::Line(line) => match line.get("unavailable").and_then(|v| v.as_str()) {
                Some(why) => why.to_string(),
                None => format!("its helper said {line}, not that it was ready"),
            },
            Reply::Gone => {
                let said = self.printed_tail(2048);
                // The pipe closed: the server has ended, or soon will; never wait on one that
                // lives on without it.
                let status = match self.handle.try_wait() {
                    Ok(Some(output)) => Ok(output.status),
                    _ => {
                        std::thread::sleep(KILL_GRACE);
                        kill_group(self.pgid, libc::SIGKILL);
                        self.handle.wait().map(|o| o.status)
                    }
                };
                format!(
                    "{} ended before it had collected the tests ({}); it printed:\n{}",
                    plan.runner,
                    match status {
                        Ok(status) => outcome(status, false).to_string(),
                        Err(e) => e.to_string(),
                    },
                    said.trim_end()
                )
            }
            Reply::Late => format!(
                "collecting the tests took longer than {}",
                humantime::format_duration(plan.startup)
            ),
        };
        Ok(Err(why))
    }

    /// The next reply, waiting until `deadline`.
    fn reply(&self, deadline: Instant) -> Reply {
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.replies.recv_timeout(wait) {
                Ok(line) => match serde_json::from_str(&line) {
                    Ok(value) => return Reply::Line(value),
                    // Not the helper's (something printed to the pipe before the helper took
                    // it over): not an answer.
                    Err(_) => continue,
                },
                Err(RecvTimeoutError::Disconnected) => return Reply::Gone,
                Err(RecvTimeoutError::Timeout) => return Reply::Late,
            }
        }
    }

    /// Wait for the child's end until `deadline`, and while it runs, give each test at most
    /// `per_test` from the moment it started: the child writes a line to `results` as each test
    /// starts and ends, so no line for that long means the test running now is past its limit.
    fn watch(&self, results: &Path, deadline: Instant, per_test: Option<Duration>) -> Reply {
        let Some(per_test) = per_test else {
            return self.reply(deadline);
        };
        let mut written = 0;
        let mut since = Instant::now();
        loop {
            let limit = deadline.min(since + per_test);
            let now = Instant::now();
            if now >= limit {
                return Reply::Late;
            }
            match self.reply(limit.min(now + WATCH_EVERY)) {
                Reply::Late => {
                    let len = std::fs::metadata(results).map_or(0, |m| m.len());
                    if len != written {
                        (written, since) = (len, Instant::now());
                    }
                }
                reply => return reply,
            }
        }
    }

    /// The node ids a server started with [`ForkPlan::lists`] wrote once it had collected
    /// (see `smoke_fork_pytest.py`), as the preset's listing writes them; `None` when it wrote
    /// none (it could not serve, or it was not asked to).
    pub(super) fn listed(&self) -> Option<Vec<u8>> {
        std::fs::read(self.folder.path().join(LIST_FILE)).ok()
    }

    /// The end of what the server printed (for a server that would not start).
    fn printed_tail(&self, bytes: u64) -> String {
        let mut text = Vec::new();
        if let Ok(mut file) = File::open(&self.output) {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = file.seek(SeekFrom::Start(len.saturating_sub(bytes)));
            let _ = file.read_to_end(&mut text);
        }
        String::from_utf8_lossy(&text).into_owned()
    }

    /// Run `job`'s tests in a forked child. `Ok(Err(why))`: the server could not take it
    /// (the job did not run); `Ok(Ok(None))`: the server is gone.
    pub(super) fn run(
        &mut self,
        job: &Job,
        plan: &ForkPlan,
        log: Option<&mut File>,
    ) -> Result<std::result::Result<Option<Finished>, String>> {
        let mut tests = Vec::with_capacity(job.args.len());
        for name in &job.args {
            match name.to_str() {
                Some(name) => tests.push(name),
                None => {
                    return Ok(Err(format!(
                        "the test name '{}' is not UTF-8",
                        name.to_string_lossy()
                    )));
                }
            }
        }
        let results = self.folder.path().join("results.jsonl");
        match std::fs::remove_file(&results) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("cannot remove '{}'", results.display()));
            }
        }
        let env: serde_json::Map<String, serde_json::Value> = job
            .env
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.to_string_lossy().into_owned().into()))
            .collect();
        let request = serde_json::json!({
            "tests": tests,
            "results": results,
            "env": env,
            "dir": job.dir,
            "stop_at_failure": plan.stop_at_failure,
        });
        let offset = std::fs::metadata(&self.output).map_or(0, |m| m.len());
        let start = Instant::now();
        // One write: the request formatted straight into the pipe would be a write(2) per
        // JSON token, and as many reads on the server's side.
        let line = format!("{request}\n");
        crate::trace::mark(format_args!("fork.request {}", tests.len()));
        if self.requests.write_all(line.as_bytes()).is_err() {
            return Ok(Ok(None));
        }
        let forever = start + Duration::from_secs(365 * 24 * 3600);
        let pid = match self.reply(start + ANSWER_GRACE.max(Duration::from_secs(30))) {
            Reply::Line(line) => {
                if let Some(missing) = line.get("missing").and_then(|m| m.as_array()) {
                    let first = missing.first().and_then(|m| m.as_str()).unwrap_or("?");
                    return Ok(Err(format!(
                        "{} did not collect '{first}' when the server started",
                        plan.runner
                    )));
                }
                match line.get("pid").and_then(serde_json::Value::as_i64) {
                    Some(pid) => i32::try_from(pid).unwrap_or(0),
                    None => return Ok(Ok(None)),
                }
            }
            Reply::Gone | Reply::Late => return Ok(Ok(None)),
        };
        crate::trace::mark(format_args!("fork.pid {pid}"));
        let running = interrupt::RunningGroup::new(pid);
        let deadline = job.timeout.map_or(forever, |limit| start + limit);
        let mut ended = self.watch(&results, deadline, plan.test_timeout);
        let timed_out = matches!(ended, Reply::Late);
        if timed_out {
            kill_child(pid, libc::SIGTERM);
            ended = self.reply(Instant::now() + KILL_GRACE);
            if matches!(ended, Reply::Late) {
                kill_child(pid, libc::SIGKILL);
                ended = self.reply(Instant::now() + ANSWER_GRACE);
            }
        }
        let duration = start.elapsed();
        crate::trace::mark("fork.exit");
        if job.kill_leftovers || timed_out {
            // What the child left running in its group (the child itself has been reaped).
            kill_group(pid, libc::SIGKILL);
        }
        drop(running);
        let code = match ended {
            Reply::Line(line) => line.get("exit").and_then(serde_json::Value::as_i64),
            Reply::Gone | Reply::Late => None,
        };
        let Some(code) = code else {
            return Ok(Ok(None));
        };
        let code = i32::try_from(code).unwrap_or(1);
        let status = if code < 0 { -code } else { code << 8 };
        let outcome = outcome(std::process::ExitStatus::from_raw(status), timed_out);
        let (output, dropped) = self.printed_since(offset, log, job.label, outcome, duration)?;
        let results = match std::fs::read(&results) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read '{}'", results.display()));
            }
        };
        crate::trace::mark("fork.read");
        Ok(Ok(Some(Finished {
            outcome,
            duration,
            output,
            dropped,
            results,
        })))
    }

    /// What was printed from `offset` on: its last [`TAIL_BYTES`] and how much came before,
    /// copied whole to the log when one is open.
    fn printed_since(
        &self,
        offset: u64,
        log: Option<&mut File>,
        label: &str,
        outcome: crate::model::Outcome,
        duration: Duration,
    ) -> Result<(Vec<u8>, u64)> {
        let mut file = File::open(&self.output)
            .with_context(|| format!("cannot read '{}'", self.output.display()))?;
        let len = file.metadata().map_or(0, |m| m.len());
        let total = len.saturating_sub(offset);
        if let Some(log) = log {
            file.seek(SeekFrom::Start(offset))
                .context("cannot read the fork server's output")?;
            std::io::copy(&mut (&mut file).take(total), log).context("cannot write the log")?;
            writeln!(
                log,
                "--- {label}: {outcome} ({:.2}s, in a child of the fork server)",
                duration.as_secs_f64()
            )
            .context("cannot write the log")?;
        }
        let kept = total.min(TAIL_BYTES as u64);
        file.seek(SeekFrom::Start(len - kept))
            .context("cannot read the fork server's output")?;
        let mut tail = Vec::with_capacity(usize::try_from(kept).unwrap_or(0));
        (&mut file)
            .take(kept)
            .read_to_end(&mut tail)
            .context("cannot read the fork server's output")?;
        Ok((tail, total - kept))
    }
}

/// A signal to a forked child's group, and to the child itself in case it has not made its
/// group yet.
fn kill_child(pid: i32, signal: i32) {
    kill_group(pid, signal);
    // SAFETY: kill(2) has no memory-safety preconditions; a child already gone gives ESRCH.
    unsafe {
        libc::kill(pid, signal);
    }
}
