//! Edge: smoke's side of `--control-dir DIR`. smoke holds an exclusive `flock` on
//! `DIR/smoke.lock` while it runs (so `smoke op` can tell a live smoke from a stale folder, and
//! two smokes cannot share one folder), and watches DIR for the FIFOs `smoke op` and
//! `smoke check` make (`op-<unique>`, `check-<unique>`), oldest first. A FIFO nobody reads any
//! more (its command was interrupted) is removed unanswered. Each `op` is one step of the
//! current order's sequence (from its start again when it runs out); its result line goes back
//! into its FIFO. `check` ends the sequence; its verdict is written once the run has ended
//! ([`FifoDriver::close`]), and every request still waiting then gets an error line, so no
//! command waits on a smoke that is gone.

use super::protocol::{Message, Step};
use super::{Driver, POLL};
use crate::model::{Outcome, TestId, TestNames};
use anyhow::{Context, Result, anyhow};
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The lock file smoke holds while it watches a control folder.
pub const LOCK: &str = "smoke.lock";

/// A request waiting in the folder: its FIFO, open for writing (so its reader is there).
struct Request {
    path: PathBuf,
    fifo: File,
}

/// smoke's side of a control folder.
pub struct FifoDriver {
    dir: PathBuf,
    /// Held (with its `flock`) while smoke runs.
    _lock: File,
    names: TestNames,
    /// The current order's sequence, stepped through by `op`s.
    plan: Vec<TestId>,
    position: usize,
    /// The `op` whose test runs now.
    op: Option<Request>,
    /// The `check` that ended the sequence, answered at the end of the run.
    check: Option<Request>,
}

impl FifoDriver {
    /// Watch `dir` (made if missing), stepping through `plan` (not empty).
    pub fn new(dir: &Path, names: &TestNames, plan: Vec<TestId>) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the control folder '{}'", dir.display()))?;
        let lock_path = dir.join(LOCK);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open '{}'", lock_path.display()))?;
        // An op waiting for smoke to start takes a shared lock for a moment now and then to see
        // whether one watches: a few tries tell that from another smoke, which holds it.
        let locked = (0..25).any(|try_| {
            if try_ > 0 {
                std::thread::sleep(POLL);
            }
            // SAFETY: flock(2) on a file descriptor this File owns.
            unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
        });
        if !locked {
            return Err(anyhow!(
                "another smoke is watching the control folder '{}' (it holds {LOCK}); stop it \
                 or give this run its own --control-dir",
                dir.display()
            ));
        }
        anyhow::ensure!(!plan.is_empty(), "no test is selected to run");
        Ok(FifoDriver {
            dir: dir.to_path_buf(),
            _lock: lock,
            names: names.clone(),
            plan,
            position: 0,
            op: None,
            check: None,
        })
    }

    /// The oldest request waiting whose command still waits for its answer; requests whose
    /// command has gone are removed.
    fn take_request(&self) -> Result<Option<(bool, Request)>> {
        let mut waiting = Vec::new();
        let entries = std::fs::read_dir(&self.dir)
            .with_context(|| format!("cannot read the control folder '{}'", self.dir.display()))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_op = name.starts_with("op-");
            if !(is_op || name.starts_with("check-")) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.file_type().is_fifo() {
                continue;
            }
            waiting.push((meta.modified().ok(), name, is_op, entry.path()));
        }
        waiting.sort();
        for (_, _, is_op, path) in waiting {
            match open_writer(&path) {
                Ok(fifo) => return Ok(Some((is_op, Request { path, fifo }))),
                // Nobody reads it: its command was interrupted (or is gone).
                Err(_) => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(None)
    }

    /// Write one line to a request and remove its FIFO. A command that stopped reading (it was
    /// interrupted) misses it; that is not smoke's error.
    fn answer(request: Request, message: &Message) {
        let Request { path, mut fifo } = request;
        let _ = fifo.write_all(message.to_line().as_bytes());
        drop(fifo);
        let _ = std::fs::remove_file(path);
    }

    /// The run has ended: the `check` that ended it gets `verdict`; an `op` whose test was cut
    /// short, and every request still waiting, get an error line saying why nothing more runs.
    pub fn close(&mut self, verdict: Option<Message>, why: &str) {
        if let Some(op) = self.op.take() {
            Self::answer(
                op,
                &Message::Error {
                    message: format!("smoke stopped before the test ended: {why}"),
                },
            );
        }
        match (self.check.take(), verdict) {
            (Some(check), Some(verdict)) => Self::answer(check, &verdict),
            (Some(check), None) => Self::answer(
                check,
                &Message::Error {
                    message: format!("smoke stopped: {why}"),
                },
            ),
            (None, _) => {}
        }
        while let Ok(Some((_, request))) = self.take_request() {
            Self::answer(
                request,
                &Message::Error {
                    message: format!(
                        "this smoke has ended ({why}); nothing ran. Start smoke --control-dir \
                         again for a new sequence"
                    ),
                },
            );
        }
    }
}

/// Open a FIFO for writing without waiting: fails (ENXIO) when nobody has it open for reading.
fn open_writer(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

impl Driver for FifoDriver {
    fn start(&mut self, _iteration: u32, _seed: u64) -> Result<()> {
        self.position = 0;
        Ok(())
    }

    fn next(&mut self, stopping: &dyn Fn() -> bool) -> Result<Option<Step>> {
        loop {
            if stopping() {
                return Ok(None);
            }
            if let Some((is_op, request)) = self.take_request()? {
                if !is_op {
                    self.check = Some(request);
                    return Ok(Some(Step::Check));
                }
                self.op = Some(request);
                let test = self.plan[self.position % self.plan.len()];
                self.position += 1;
                return Ok(Some(Step::Run(test)));
            }
            std::thread::sleep(POLL);
        }
    }

    fn finished(&mut self, test: TestId, outcome: Outcome, duration: Duration) -> Result<()> {
        if let Some(op) = self.op.take() {
            Self::answer(
                op,
                &Message::result(self.names.shown(test), outcome, duration),
            );
        }
        Ok(())
    }
}
