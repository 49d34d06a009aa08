//! Edge: `--controller CMD`, an outside program that chooses each next test. It runs once for
//! the whole run (started at the first iteration, in its own process group, in the suite
//! folder), reads smoke's `start` and `result` lines on stdin and answers each `start` and each
//! `result` with one line on stdout (see `protocol`). Its stderr is kept (the last
//! [`STDERR_TAIL`] bytes) for the error that says why it stopped. An answer that is not one
//! smoke understands, a controller that exits or says nothing for the time limit: an error
//! naming the line (or what it was waiting for), which stops the run.

use super::protocol::{self, Message, Step};
use super::{Driver, POLL};
use crate::model::{Outcome, TestId};
use anyhow::{Context, Result, anyhow};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How long a controller may take to answer when no `--timeout` is set.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(300);
/// How much of the controller's stderr is kept for error messages.
pub const STDERR_TAIL: usize = 4096;
/// The longest line smoke reads from a controller.
pub const MAX_LINE: usize = 1 << 20;
/// How long a controller whose stdin closed may take to exit before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// A line read from the controller's stdout, or why none came.
enum FromController {
    Line(String),
    Eof,
    TooLong,
    Failed(std::io::Error),
}

/// The controller process and what smoke knows of it.
pub struct ProcessDriver {
    command: String,
    dir: PathBuf,
    env: Vec<(String, String)>,
    limit: Duration,
    tests: Vec<String>,
    ids: Vec<TestId>,
    running: Option<Running>,
    /// Lines read so far (for "line N").
    lines: usize,
    /// The test the last `run` named.
    asked: Option<TestId>,
    /// What smoke last said, for the errors.
    waiting_for: String,
}

struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<FromController>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl ProcessDriver {
    /// A driver for the shell command `command`, run in `dir` with `env` added; it answers
    /// within `limit` or fails. `choices` are the tests it may name (see [`super::choices`]).
    pub fn new(
        command: &str,
        dir: PathBuf,
        env: Vec<(String, String)>,
        limit: Duration,
        choices: Vec<(String, TestId)>,
    ) -> Self {
        let (tests, ids) = choices.into_iter().unzip();
        ProcessDriver {
            command: command.to_string(),
            dir,
            env,
            limit,
            tests,
            ids,
            running: None,
            lines: 0,
            asked: None,
            waiting_for: String::new(),
        }
    }

    fn spawn(&mut self) -> Result<&mut Running> {
        if self.running.is_none() {
            let mut child = crate::exec::spawn_helper(&self.command, &self.dir, &self.env)
                .with_context(|| format!("cannot start the controller '{}'", self.command))?;
            let stdin = child.stdin.take();
            let stdout = child.stdout.take().expect("piped");
            let mut stderr_pipe = child.stderr.take().expect("piped");
            let (send, lines) = mpsc::channel();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stdout);
                loop {
                    let mut line = Vec::new();
                    let read = (&mut reader)
                        .take(MAX_LINE as u64 + 1)
                        .read_until(b'\n', &mut line);
                    let message = match read {
                        Ok(0) => FromController::Eof,
                        Ok(_) if line.len() > MAX_LINE => FromController::TooLong,
                        Ok(_) => FromController::Line(String::from_utf8_lossy(&line).into_owned()),
                        Err(e) => FromController::Failed(e),
                    };
                    let last = !matches!(message, FromController::Line(_));
                    if send.send(message).is_err() || last {
                        return;
                    }
                }
            });
            let stderr = Arc::new(Mutex::new(Vec::new()));
            let kept = stderr.clone();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while let Ok(n) = stderr_pipe.read(&mut buffer) {
                    if n == 0 {
                        return;
                    }
                    let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                    kept.extend_from_slice(&buffer[..n]);
                    let excess = kept.len().saturating_sub(STDERR_TAIL);
                    kept.drain(..excess);
                }
            });
            self.running = Some(Running {
                child,
                stdin,
                lines,
                stderr,
            });
        }
        Ok(self.running.as_mut().expect("started above"))
    }

    /// Write one line to the controller.
    fn send(&mut self, message: &Message) -> Result<()> {
        let line = message.to_line();
        self.waiting_for = line.trim_end().to_string();
        let running = self.spawn()?;
        let written = match running.stdin.as_mut() {
            Some(stdin) => stdin
                .write_all(line.as_bytes())
                .and_then(|()| stdin.flush()),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        if written.is_err() {
            // It closed its stdin: it exited, or is about to; say how it ended.
            return Err(self.gone("did not read"));
        }
        Ok(())
    }

    /// The error for a controller that went away, with how it ended and its stderr.
    fn gone(&mut self, what: &str) -> anyhow::Error {
        let Some(running) = self.running.as_mut() else {
            return anyhow!("the controller '{}' is not running", self.command);
        };
        let deadline = Instant::now() + EXIT_GRACE;
        let status = loop {
            match running.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
                _ => break None,
            }
        };
        let ended = match status.map(crate::exec::outcome_of) {
            Some(Outcome::Pass) => "exited 0".to_string(),
            Some(outcome) => format!("ended with {outcome}"),
            None => "closed its stdout".to_string(),
        };
        anyhow!(
            "the controller '{}' {ended} and {what} smoke's line {}{}",
            self.command,
            self.waiting_for,
            self.stderr_note()
        )
    }

    fn stderr_note(&self) -> String {
        let Some(running) = &self.running else {
            return String::new();
        };
        // A moment for the reader thread to take what the controller wrote last.
        std::thread::sleep(POLL);
        let kept = running.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let text = String::from_utf8_lossy(&kept);
        let text = text.trim();
        if text.is_empty() {
            String::new()
        } else {
            format!("; its stderr ended with:\n{text}")
        }
    }

    /// The next line, waiting at most the limit; `None` when `stopping()` became true.
    fn read(&mut self, stopping: &dyn Fn() -> bool) -> Result<Option<String>> {
        let started = Instant::now();
        loop {
            if stopping() {
                return Ok(None);
            }
            let running = self.spawn()?;
            match running.lines.recv_timeout(POLL) {
                Ok(FromController::Line(line)) => {
                    self.lines += 1;
                    return Ok(Some(line));
                }
                Ok(FromController::Eof) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(self.gone("did not answer"));
                }
                Ok(FromController::TooLong) => {
                    return Err(anyhow!(
                        "controller line {}: longer than {MAX_LINE} bytes, with no newline; \
                         answer with one short JSON object per line",
                        self.lines + 1
                    ));
                }
                Ok(FromController::Failed(e)) => {
                    return Err(e).with_context(|| {
                        format!("cannot read the controller '{}' output", self.command)
                    });
                }
                Err(mpsc::RecvTimeoutError::Timeout) if started.elapsed() >= self.limit => {
                    return Err(anyhow!(
                        "the controller '{}' said nothing for {} after smoke's line {}: it must \
                         answer each start and result line with one line ({{\"run\":\"NAME\"}}, \
                         {{\"check\":true}} or {{\"stop\":true}}); raise --timeout if it needs \
                         longer{}",
                        self.command,
                        humantime::format_duration(self.limit),
                        self.waiting_for,
                        self.stderr_note()
                    ));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
    }
}

impl Driver for ProcessDriver {
    fn start(&mut self, iteration: u32, seed: u64) -> Result<()> {
        self.asked = None;
        self.send(&Message::start(iteration, seed, &self.tests))
    }

    fn next(&mut self, stopping: &dyn Fn() -> bool) -> Result<Option<Step>> {
        let Some(line) = self.read(stopping)? else {
            return Ok(None);
        };
        let step = protocol::parse_reply(&line, &self.tests, &self.ids).map_err(|e| {
            anyhow!(
                "controller line {}: '{}': {e}",
                self.lines,
                line.trim_end_matches(['\n', '\r'])
            )
        })?;
        if let Step::Run(test) = step {
            self.asked = Some(test);
        }
        Ok(Some(step))
    }

    fn finished(&mut self, test: TestId, outcome: Outcome, duration: Duration) -> Result<()> {
        let shown = match self.ids.iter().position(|&t| t == test) {
            Some(i) => self.tests[i].clone(),
            None => return Err(anyhow!("smoke ran a test the controller did not ask for")),
        };
        self.send(&Message::result(&shown, outcome, duration))
    }
}

impl Drop for ProcessDriver {
    /// Close its stdin (the end of the run), give it a moment to exit, then end its group.
    fn drop(&mut self) {
        let Some(mut running) = self.running.take() else {
            return;
        };
        drop(running.stdin.take());
        let deadline = Instant::now() + EXIT_GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = running.child.try_wait() {
                return;
            }
            std::thread::sleep(POLL);
        }
        if let Ok(pid) = i32::try_from(running.child.id()) {
            // SAFETY: kill(2) has no memory-safety preconditions; its own group, made at spawn.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = running.child.wait();
    }
}
