//! smoke finds and shrinks test-order bugs: it runs a suite in random, repeated, rotated,
//! reversed, mirrored, Tuscan-square or exhaustive orders under recorded seeds, shrinks each
//! failure to the few tests that still cause it, and writes a dated report with the build
//! parameters.
//!
//! The layers, top to bottom (arrows point down only):
//!
//! - this file: the module list, and [`run`]: parse the command line (`cli`), build the
//!   session, dispatch, map the result to the documented exit code. Nothing else.
//! - `commands`: one module per command (`run`, the main command; `replay`, `diagnose`,
//!   `resume`, `merge`, `control` for `op` and `check`, `man`, `completions`) over one
//!   `Session` that builds what every command needs once: the config, the signal handlers,
//!   the listed suite, the executors, the redactor, the report files and writer, the console.
//!   Nothing below imports it, and no command calls another.
//! - `config` turns flags and `smoke.toml` (or a report, through `config::from_report`) into
//!   one validated `Config`; `suite` lists the tests; `runner` orchestrates a run (plan, run,
//!   confirm, shrink), emitting events; `control` holds the outside drivers.
//! - the edges: `exec` (the only module that spawns), `interrupt`, `term`, `probe::files`,
//!   `report::{console, export, build, junit}`, `trace` (timing marks for benchmarks).
//! - the pure core: `order`, `reduce`, `model`, `execution`, `shell`, `batch`, `preset`,
//!   `shard`, `probe`, and the report models `report::{record, render, html, replay,
//!   diagnosis, merge}`: no process, clock or terminal.
//!
//! [`run`] is the whole program, so tests can run smoke in-process.

pub mod batch;
pub mod cli;
pub(crate) mod commands;
pub mod config;
pub mod control;
pub mod error;
pub mod evidence;
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
pub(crate) mod trace;

use crate::cli::Cli;
use crate::commands::Session;
use crate::error::exit;
use clap::{CommandFactory, Parser};
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
                    .map(|a| a.to_string_lossy())
                    .filter(|a| is_subcommand(a))
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
    trace::mark("smoke.start");
    let ended = Session::new(argv).and_then(|session| commands::dispatch(cli, &session));
    trace::mark("smoke.end");
    match ended {
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

/// Whether `word`, as the first argument, names a subcommand rather than a test: the list comes
/// from `cli`, so a new subcommand gets the `smoke -- VERB` tip without being added here.
fn is_subcommand(word: &str) -> bool {
    Cli::command()
        .get_subcommands()
        .any(|c| c.get_name() == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subcommand_gets_the_tip_and_a_test_name_does_not() {
        for verb in [
            "merge",
            "replay",
            "diagnose",
            "resume",
            "op",
            "check",
            "man",
            "completions",
        ] {
            assert!(is_subcommand(verb), "{verb}");
        }
        assert!(
            !is_subcommand("help"),
            "no help subcommand: a test called help runs"
        );
        assert!(!is_subcommand("test_man"));
    }
}
