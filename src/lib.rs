//! smoke finds and shrinks test-order bugs: it runs a suite in random, repeated, rotated,
//! reversed, mirrored, Tuscan-square or exhaustive orders under recorded seeds, shrinks each
//! failure to the few tests that still cause it, and writes a dated report with the build
//! parameters.
//!
//! The pure core (`order`, `reduce`, `model`, `execution`, `shell`, `batch`, `preset`, `shard`,
//! `probe`, `report::record`) has no processes, clock or terminal; the edges (`exec`,
//! `interrupt`, `suite`, `term`, `probe::files`, `report::{console, export, build}`) do the I/O; `config` turns flags (`cli`)
//! and `smoke.toml` into one validated `Config`, and `runner` orchestrates. Dependencies point
//! one way: `cli` → `config` → `runner` → the core. Subcommands have a module each (`merge`, `replay`, `diagnose`,
//! `resume`).
//! [`run`] is the whole program, so tests can run smoke in-process.

pub mod batch;
pub mod cli;
pub(crate) mod commands;
pub mod config;
pub mod control;
pub mod error;
pub mod exec;
pub mod execution;
pub mod helpers;
pub mod interrupt;
pub mod model;
pub mod order;
pub mod preset;
pub mod probe;
pub mod reduce;
pub mod report;
pub mod runner;
pub mod shard;
pub mod shell;
pub mod suite;
pub mod term;

use crate::cli::Cli;
use crate::commands::Session;
use crate::error::exit;
use clap::Parser;
use std::ffi::OsString;
use std::process::ExitCode;

/// Run smoke with these command-line arguments (the first is the program name) and return the
/// documented exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            if e.kind() == clap::error::ErrorKind::MissingRequiredArgument
                && let Some(verb) = args
                    .get(1)
                    .filter(|a| {
                        ["merge", "replay", "diagnose", "resume", "op", "check"]
                            .contains(&&*a.to_string_lossy())
                    })
                    .map(|a| a.to_string_lossy())
            {
                term::errln!("tip: to run a test called {verb}, put -- first: smoke -- {verb}");
            }
            return ExitCode::from(if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            });
        }
    };
    let argv = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match Session::new(argv).and_then(|session| commands::dispatch(cli, &session)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => match e.downcast_ref::<error::Interrupted>() {
            // Ctrl-C while listing is the user stopping smoke, not smoke failing.
            Some(stopped) => {
                term::errln!("smoke: {stopped}");
                ExitCode::from(interrupt::exit_code(stopped.signal))
            }
            None => {
                term::errln!("smoke: error: {}", report::printable(&format!("{e:#}")));
                ExitCode::from(exit::ERROR)
            }
        },
    }
}
