//! Edge: timing marks for benchmarks. With `SMOKE_TRACE=FILE` in smoke's environment, each
//! [`mark`] appends one line to FILE: the wall-clock time (seconds since the Unix epoch, with
//! microseconds, so that marks written by a runner's own process can be laid beside smoke's)
//! and what happened. `benches/candidate.sh` reads them to say where a forked candidate's time
//! goes. Without the variable a mark costs one check of a value read once.
//!
//! It must not decide anything: a mark is written or not, and nothing reads it back.

use std::fs::File;
use std::io::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// The variable that names the file.
const VAR: &str = "SMOKE_TRACE";

static FILE: OnceLock<Option<Mutex<File>>> = OnceLock::new();

fn file() -> Option<&'static Mutex<File>> {
    FILE.get_or_init(|| {
        let path = std::env::var_os(VAR).filter(|p| !p.is_empty())?;
        File::options()
            .create(true)
            .append(true)
            .open(path)
            .ok()
            .map(Mutex::new)
    })
    .as_ref()
}

/// Append `what` (one line, no line break), timed now.
pub(crate) fn mark(what: impl std::fmt::Display) {
    let Some(file) = file() else {
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    // One write per line: the file is opened for appending, so lines from workers do not mix.
    let line = format!("{now:.6} {what}\n");
    let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
    let _ = file.write_all(line.as_bytes());
}
