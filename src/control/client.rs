//! Edge: `smoke op DIR` and `smoke check DIR`, the commands a harness that only runs commands
//! (an Antithesis test template, a shell loop) drives a `smoke --control-dir DIR` with. Each
//! makes a FIFO in DIR (under a hidden name, opened, then renamed into view, so smoke never
//! sees a FIFO with no reader yet), waits for smoke's one line in it, prints it, and exits
//! with its status: `op` with the test's (0, N for `exit N`, 128 + N for `signal N`, 124 for
//! `timeout`), `check` with smoke's own exit code. While waiting it watches smoke's lock: a
//! smoke that is gone is an error (exit 2), never a hang; a signal withdraws the request
//! (the FIFO is removed) and exits 128 + the signal.

use super::POLL;
use super::fifo::LOCK;
use super::protocol::{self, Message};
use crate::error::exit;
use anyhow::{Context, Result, anyhow};
use std::ffi::CString;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Which request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// Run the next test.
    Op,
    /// End the sequence and give the verdict.
    Check,
}

impl Request {
    fn word(self) -> &'static str {
        match self {
            Request::Op => "op",
            Request::Check => "check",
        }
    }
}

/// Whether a smoke holds `dir`'s lock now.
fn smoke_watches(dir: &Path) -> bool {
    let Ok(lock) = std::fs::File::open(dir.join(LOCK)) else {
        return false;
    };
    // SAFETY: flock(2) on a file descriptor this File owns; released when it is dropped.
    unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) != 0 }
}

/// The FIFO, removed when this goes (answered, withdrawn or failed).
struct Fifo(PathBuf);

impl Drop for Fifo {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn mkfifo(path: &Path) -> std::io::Result<()> {
    let c_path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::other("the path holds a NUL byte"))?;
    // SAFETY: a NUL-terminated path that lives across the call.
    if unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Send `request` to the smoke watching `dir` (waiting up to `wait` for one to start), print
/// its answer, and return the exit code (see the module docs).
pub fn run(request: Request, dir: &Path, wait: Duration) -> Result<u8> {
    let signal = Arc::new(AtomicUsize::new(0));
    for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        signal_hook::flag::register_usize(s, signal.clone(), s as usize)
            .context("cannot install the signal handlers")?;
    }
    let interrupted = || match signal.load(Ordering::SeqCst) {
        0 => None,
        s => Some(i32::try_from(s).unwrap_or(libc::SIGINT)),
    };
    let word = request.word();
    let withdrawn = |signal: i32| {
        crate::term::errln!(
            "smoke {word}: interrupted by signal {signal} while waiting; the request was withdrawn"
        );
        Ok(crate::interrupt::exit_code(signal))
    };

    let started = Instant::now();
    while !smoke_watches(dir) {
        if let Some(signal) = interrupted() {
            return withdrawn(signal);
        }
        if started.elapsed() >= wait {
            return Err(anyhow!(
                "no smoke is watching '{}' (nothing holds {}): start `smoke --control-dir {}` \
                 first (smoke {word} waited {} for it; --wait sets how long)",
                dir.display(),
                dir.join(LOCK).display(),
                crate::shell::quote(&dir.to_string_lossy()),
                humantime::format_duration(wait)
            ));
        }
        std::thread::sleep(POLL);
    }

    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let unique = format!("{word}-{}-{nanos}", std::process::id());
    let hidden = dir.join(format!(".{unique}.new"));
    mkfifo(&hidden).with_context(|| format!("cannot make a FIFO at '{}'", hidden.display()))?;
    let mut fifo = Fifo(hidden);
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo.0)
        .with_context(|| format!("cannot open the FIFO '{}'", fifo.0.display()))?;
    let shown = dir.join(&unique);
    std::fs::rename(&fifo.0, &shown)
        .with_context(|| format!("cannot rename the FIFO to '{}'", shown.display()))?;
    fifo.0 = shown;

    let mut line = Vec::new();
    let mut buffer = [0u8; 4096];
    let mut last_look = Instant::now();
    loop {
        if let Some(signal) = interrupted() {
            return withdrawn(signal);
        }
        match reader.read(&mut buffer) {
            Ok(n) if n > 0 => {
                line.extend_from_slice(&buffer[..n]);
                if line.ends_with(b"\n") {
                    break;
                }
                continue;
            }
            Ok(_) if !line.is_empty() => {
                return Err(anyhow!(
                    "smoke closed '{}' in the middle of its answer",
                    fifo.0.display()
                ));
            }
            // No writer yet (Ok(0)), or one that has not written (WouldBlock).
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read '{}'", fifo.0.display()));
            }
        }
        if last_look.elapsed() >= Duration::from_millis(200) {
            last_look = Instant::now();
            if !smoke_watches(dir) {
                return Err(anyhow!(
                    "the smoke watching '{}' stopped before answering (it was interrupted or \
                     killed); its report says how far it got",
                    dir.display()
                ));
            }
        }
        std::thread::sleep(POLL);
    }
    drop(fifo);
    let text = String::from_utf8_lossy(&line);
    let message: Message = serde_json::from_str(text.trim()).map_err(|e| {
        anyhow!(
            "smoke answered with a line that is not one of its messages ({e}): {}",
            text.trim()
        )
    })?;
    match message {
        Message::Result { ref outcome, .. } => {
            crate::term::outln!("{}", crate::report::printable(text.trim_end()));
            Ok(protocol::exit_status(outcome))
        }
        Message::Verdict { exit, .. } => {
            crate::term::outln!("{}", crate::report::printable(text.trim_end()));
            Ok(exit)
        }
        Message::Error { message } => Err(anyhow!("{message}")),
        Message::Start { .. } => Err(anyhow!("smoke answered with a start line")),
    }
    .or_else(|e: anyhow::Error| -> Result<u8> {
        crate::term::errln!(
            "smoke {word}: error: {}",
            crate::report::printable(&format!("{e:#}"))
        );
        Ok(exit::ERROR)
    })
}
