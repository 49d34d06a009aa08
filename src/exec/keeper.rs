//! Edge: a keeper process between smoke and every command it starts, so that a test reaching
//! for its parent (`kill -KILL $PPID`, `os.kill(os.getppid(), 9)`) finds the keeper, never
//! smoke.
//!
//! The child that `std::process::Command` forks makes its own process group as before, then
//! forks once more, in [`keep`]'s `pre_exec` hook: the grandchild goes on to `exec` the command,
//! and the child stays behind as the keeper. The keeper holds no file descriptor (so the spawn's
//! error pipe and the output pipe close when the command's side is done with them), ignores every
//! signal but SIGKILL (smoke's timeout SIGTERM reaches the command, which gets its grace period as
//! before), waits for the command, and then ends the same way: the same exit status, or killed by
//! the same signal (with core dumps off, so a crashing test leaves one core, not two). smoke
//! therefore sees what it saw when the command was its own child, and its process-group kills
//! reach both. On Linux the command also gets SIGKILL when its keeper dies
//! (`PR_SET_PDEATHSIG`): a test that kills its parent ends its runner there, as if it had killed
//! the runner itself, and smoke sees `signal 9` while the runner's last word is still about that
//! test (a batch runner's streamed lines name it).
//!
//! The keeper runs between `fork` and `exec` of a copy of a threaded process, so it calls only
//! async-signal-safe functions: no allocation, no locks, no Rust destructors; it ends with
//! `_exit`. It does not keep what the command starts in the background apart from smoke: those
//! are found by their process group, as before.

use std::os::unix::process::CommandExt;

/// What the keeper's `ps` line calls it (Linux: at most 15 bytes and a NUL).
#[cfg(target_os = "linux")]
const NAME: &[u8] = b"smoke-keeper\0";

/// Highest signal number whose disposition the keeper sets (Linux has 64, macOS 31; the rest
/// fail harmlessly).
const LAST_SIGNAL: i32 = 64;

/// Fallback bound on the descriptors the keeper closes where `close_range` is missing.
const MAX_FDS: u64 = 65_536;

/// Start `command` in a process group of its own, under a keeper (see the module docs).
pub(super) fn keep(command: &mut std::process::Command) {
    command.process_group(0);
    // SAFETY: the hook runs in the forked child before exec and calls only async-signal-safe
    // functions (sigprocmask, fork, prctl, getpid, getppid, sigaction, setrlimit, close,
    // waitpid, kill, _exit); it allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(split);
    }
}

/// In the forked child: fork the command off and stay behind as its keeper. Returns (to go on
/// to `exec`) only in the grandchild.
fn split() -> std::io::Result<()> {
    // SAFETY: see `keep`; every call below is a plain system call on values owned here.
    unsafe {
        // No signal handler of smoke's may run in either process before it is ready.
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut before: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::sigprocmask(libc::SIG_SETMASK, &all, &mut before);
        let keeper = libc::getpid();
        let pid = libc::fork();
        if pid < 0 {
            let error = std::io::Error::last_os_error();
            libc::sigprocmask(libc::SIG_SETMASK, &before, std::ptr::null_mut());
            return Err(error);
        }
        if pid == 0 {
            die_with_keeper(keeper);
            libc::sigprocmask(libc::SIG_SETMASK, &before, std::ptr::null_mut());
            return Ok(());
        }
        wait_and_mirror(pid, &before)
    }
}

/// The command dies with its keeper (Linux), and not at all if the keeper is already gone.
///
/// # Safety
/// Only between fork and exec, in the grandchild.
unsafe fn die_with_keeper(keeper: libc::pid_t) {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with integer arguments.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    // SAFETY: getppid and kill have no memory-safety preconditions.
    unsafe {
        if libc::getppid() != keeper {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

/// The keeper: let go of every descriptor and signal, wait for `pid`, and end as it ended.
///
/// # Safety
/// Only in the forked child, whose only thread this is; it never returns.
unsafe fn wait_and_mirror(pid: libc::pid_t, mask: &libc::sigset_t) -> ! {
    // SAFETY: plain system calls on values owned here (see `keep`).
    unsafe {
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_NAME, NAME.as_ptr());
        for signal in 1..=LAST_SIGNAL {
            // SIGCHLD stays at its default, or waitpid would find no child to wait for.
            let action = if signal == libc::SIGCHLD {
                libc::SIG_DFL
            } else {
                libc::SIG_IGN
            };
            set_action(signal, action);
        }
        libc::sigprocmask(libc::SIG_SETMASK, mask, std::ptr::null_mut());
        close_all();
        let mut status = 0;
        loop {
            let waited = libc::waitpid(pid, &mut status, 0);
            if waited == pid {
                break;
            }
            if waited < 0
                && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
            {
                // Cannot happen (the command is this process's only child); say "could not run".
                libc::_exit(127);
            }
        }
        if libc::WIFEXITED(status) {
            libc::_exit(libc::WEXITSTATUS(status));
        }
        if libc::WIFSIGNALED(status) {
            let signal = libc::WTERMSIG(status);
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_DUMPABLE, 0);
            set_action(signal, libc::SIG_DFL);
            libc::kill(libc::getpid(), signal);
            // A signal that does not end a process by default cannot have ended the command.
            libc::_exit(128 + signal);
        }
        libc::_exit(127)
    }
}

/// Set `signal`'s disposition to `action` (`SIG_DFL` or `SIG_IGN`); SIGKILL, SIGSTOP and
/// numbers the system lacks refuse, which is fine.
///
/// # Safety
/// Between fork and exec, like the rest.
unsafe fn set_action(signal: i32, action: libc::sighandler_t) {
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value.
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = action;
        libc::sigemptyset(&mut new.sa_mask);
        libc::sigaction(signal, &new, std::ptr::null_mut());
    }
}

/// Close every descriptor: the keeper writes nothing, and must not hold the spawn's error pipe
/// (the parent reads it until it closes) or the command's output pipe.
///
/// # Safety
/// Between fork and exec, in the keeper.
unsafe fn close_all() {
    #[cfg(target_os = "linux")]
    // SAFETY: close_range with integer arguments.
    unsafe {
        if libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32) == 0 {
            return;
        }
    }
    // SAFETY: getrlimit into a value owned here; close on any number is safe.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        let mut top = MAX_FDS;
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            top = top.min(limit.rlim_cur);
        }
        for fd in 0..top {
            libc::close(fd as i32);
        }
    }
}
