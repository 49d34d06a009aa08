//! The exit codes smoke documents, and the typed errors callers branch on.
//!
//! A failing test is data, not an error: `Err` means smoke itself could not go on (bad config,
//! an unreadable file, a command that cannot be started). Every such error ends the run with
//! [`exit::ERROR`].

/// Process exit codes, as listed in docs/reference.md ("Exit codes"); `tests/docs.rs` checks that
/// every constant here has its row there.
pub mod exit {
    /// No failure was found.
    pub const OK: u8 = 0;
    /// At least one failure was found and reported (in bug mode: at least one test failed).
    pub const FAILURES: u8 = 1;
    /// A usage, configuration or I/O error, or a setup/teardown command that failed (and no test
    /// failure was found): smoke could not do what was asked.
    pub const ERROR: u8 = 2;
    /// Interrupted by SIGINT (Ctrl-C); the report was still written and marked interrupted.
    /// SIGTERM gives 128 + 15 = 143 and SIGHUP (terminal closed, ssh dropped) 128 + 1 = 129 the
    /// same way.
    pub const INTERRUPTED: u8 = 130;
}

/// A signal (SIGINT, SIGTERM, SIGHUP) stopped smoke while it listed the tests: no test ran and
/// no report exists, so the run ends with 128 + the signal, not as an error.
#[derive(Debug, thiserror::Error)]
#[error("interrupted by signal {signal} while listing the tests; no test ran")]
pub struct Interrupted {
    /// The signal that came.
    pub signal: i32,
}

/// A problem with `smoke.toml` or the flags, found before any test runs.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl ConfigError {
    /// A config error from any message.
    pub fn new(message: impl Into<String>) -> Self {
        ConfigError(message.into())
    }
}
