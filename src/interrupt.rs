//! Edge: SIGINT, SIGTERM and SIGHUP. The first one sets the [`Interrupt`] flag the runner checks
//! between steps and kills the process group of whatever command is running, so smoke can run
//! teardown, write its report and exit 128 + the signal: 130 (SIGINT), 143 (SIGTERM), 129
//! (SIGHUP: the terminal closed or the ssh session dropped, which would otherwise kill smoke
//! outright and orphan the running test in its own group). A second one exits at once, without
//! teardown, after the finishing step registered with [`on_hard_exit`] (which marks the report
//! on disk interrupted) and after removing smoke's temporary folders (`TempFolder`); the
//! report is whole either way, because every write is a temp file + rename. This module knows
//! nothing of reports: it only runs what it was handed.
//!
//! Tests run in their own process groups, so a Ctrl-C at the terminal reaches smoke only; smoke
//! passes it on by killing the running group.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The process groups of the commands running now (one per busy worker). Written by `exec`,
/// read by the signal thread.
static RUNNING_GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// smoke's temporary folders that exist now; a second signal removes them before exiting (the
/// normal way out removes each when it is dropped, which an exit at once skips).
static TEMP_FOLDERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// What a second signal runs before exiting; see [`on_hard_exit`].
type Finish = Box<dyn FnOnce() + Send>;

/// The step registered with [`on_hard_exit`], taken by the signal thread.
static ON_HARD_EXIT: Mutex<Option<Finish>> = Mutex::new(None);

/// A shared "stop now" flag holding the signal that raised it. Whoever waits for messages
/// rather than polling the flag (the runner's controller) asks to be woken when it is raised.
#[derive(Clone, Default)]
pub struct Interrupt(Arc<Flag>);

/// What the clones of one [`Interrupt`] share.
#[derive(Default)]
struct Flag {
    signal: AtomicI32,
    /// Called once each time the flag is raised, by id (see [`Interrupt::wake`]).
    wakers: Mutex<Vec<(u64, Waker)>>,
    next_waker: AtomicU64,
}

/// Wakes someone who waits on a channel rather than on the flag.
type Waker = Box<dyn Fn() + Send>;

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Interrupt").field(&self.signal()).finish()
    }
}

impl Interrupt {
    /// A flag that is not raised.
    pub fn new() -> Self {
        Interrupt::default()
    }

    /// Raise the flag for `signal` (the first signal is kept), and wake whoever asked.
    pub fn raise(&self, signal: i32) {
        let _ = self
            .0
            .signal
            .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
        for (_, wake) in self.wakers().iter() {
            wake();
        }
    }

    /// The signal that raised the flag, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.0.signal.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(signal),
        }
    }

    /// Whether smoke was asked to stop.
    pub fn is_raised(&self) -> bool {
        self.signal().is_some()
    }

    /// Call `wake` whenever the flag is raised, until the returned guard is dropped: a thread
    /// that waits on a channel hears of a signal without polling. `wake` runs on the signal
    /// thread, so it must be quick (send a message).
    pub fn wake(&self, wake: impl Fn() + Send + 'static) -> Wake {
        let id = self.0.next_waker.fetch_add(1, Ordering::SeqCst);
        self.wakers().push((id, Box::new(wake)));
        Wake {
            flag: self.clone(),
            id,
        }
    }

    fn wakers(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Waker)>> {
        self.0.wakers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Keeps a waker registered with [`Interrupt::wake`]; dropping it removes the waker.
#[must_use = "the waker is removed when this is dropped"]
pub struct Wake {
    flag: Interrupt,
    id: u64,
}

impl Drop for Wake {
    fn drop(&mut self) {
        let id = self.id;
        self.flag.wakers().retain(|(w, _)| *w != id);
    }
}

/// The exit code for a run stopped by `signal`: 128 + the signal number (130 for SIGINT, 143
/// for SIGTERM, 129 for SIGHUP).
pub fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(crate::error::exit::INTERRUPTED)
}

/// Route SIGINT, SIGTERM and SIGHUP to `interrupt` from now on (see the module docs).
pub fn install(interrupt: Interrupt) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("smoke-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                let second = interrupt.is_raised();
                interrupt.raise(signal);
                kill_running_groups();
                if second {
                    crate::term::errln!("smoke: second signal, exiting now without teardown");
                    let finish = ON_HARD_EXIT
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .take();
                    if let Some(finish) = finish {
                        finish();
                    }
                    remove_temp_folders();
                    std::process::exit(i32::from(exit_code(signal)));
                }
                // True in every phase: listing and build parameters have no teardown.
                crate::term::errln!(
                    "smoke: interrupted, stopping; signal again to exit at once (skipping any \
                     teardown)"
                );
            }
        })?;
    Ok(())
}

/// Run `finish` on the signal thread when a second signal makes smoke exit at once, just before
/// it exits (it replaces any step registered before). It must be quick and must not wait for
/// the main thread, which is left running until the exit.
pub fn on_hard_exit(finish: impl FnOnce() + Send + 'static) {
    *ON_HARD_EXIT.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(finish));
}

/// A temporary folder, known to the signal thread while this lives: a second signal removes it.
#[derive(Debug)]
pub(crate) struct TempFolder(PathBuf);

impl TempFolder {
    /// Record `path` until the guard is dropped.
    pub(crate) fn new(path: PathBuf) -> Self {
        temp_folders().push(path.clone());
        TempFolder(path)
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let path = &self.0;
        temp_folders().retain(|p| p != path);
    }
}

fn temp_folders() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TEMP_FOLDERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Remove every temporary folder recorded now (what cannot be removed is left).
fn remove_temp_folders() {
    for path in temp_folders().iter() {
        let _ = std::fs::remove_dir_all(path);
    }
}

/// A command's process group, known to the signal thread while this lives: a signal kills it.
pub(crate) struct RunningGroup(i32);

impl RunningGroup {
    /// Record `pgid` (0: no group, nothing recorded) until the guard is dropped.
    pub(crate) fn new(pgid: i32) -> Self {
        if pgid > 0 {
            groups().push(pgid);
        }
        RunningGroup(pgid)
    }
}

impl Drop for RunningGroup {
    fn drop(&mut self) {
        let pgid = self.0;
        groups().retain(|&g| g != pgid);
    }
}

/// SIGKILL to the process group of every command running now: a signal stops them all, and so
/// does an error that stops the run.
pub(crate) fn kill_running_groups() {
    for &pgid in groups().iter() {
        // SAFETY: kill(2) has no memory-safety preconditions; a stale group gives ESRCH.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

fn groups() -> std::sync::MutexGuard<'static, Vec<i32>> {
    RUNNING_GROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_is_kept() {
        let flag = Interrupt::new();
        assert!(!flag.is_raised());
        flag.raise(2);
        flag.raise(15);
        assert_eq!(flag.signal(), Some(2));
        assert!(flag.clone().is_raised(), "clones share the flag");
    }

    #[test]
    fn raising_the_flag_wakes_each_registered_waker_until_its_guard_is_dropped() {
        let flag = Interrupt::new();
        let (tx, rx) = std::sync::mpsc::channel();
        let guard = flag.clone().wake(move || {
            let _ = tx.send(());
        });
        flag.raise(15);
        assert_eq!(rx.try_recv(), Ok(()), "woken once");
        assert!(rx.try_recv().is_err(), "once per raise");
        drop(guard);
        flag.raise(2);
        assert!(rx.try_recv().is_err(), "a dropped guard's waker is gone");
    }

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        assert_eq!(exit_code(2), 130);
        assert_eq!(exit_code(15), 143);
        assert_eq!(exit_code(1), 129);
    }
}
