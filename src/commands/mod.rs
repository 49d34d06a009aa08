//! The command layer: one module per command over one [`Session`].
//!
//! `run` is the main command (`smoke [OPTIONS] [TEST]...`); `replay`, `diagnose`, `resume`,
//! `merge`, `reproduce`, `control` (`op` and `check`), `man` and `completions` are its
//! subcommands (the last two only print what clap makes of `cli`, and need no config, suite or
//! signal handler); `outcome` is how a run and a reproduction end. [`dispatch`] hands the
//! parsed command line to the one command it names. What every command needs (the folder and
//! start time, the config, the signal handlers, the listed suite, the executors, the redactor,
//! the report files, writer and console) is built by the [`Session`]; what is pure (orders,
//! shrinking, verdicts, the report models and their merge) lives below, in the core and in
//! `report`.
//!
//! Arrows point down only: commands import the session, `config`, `suite`, `runner`, `report`
//! and the core; nothing below `commands` imports it, and one command never calls another.

mod completions;
mod control;
mod diagnose;
mod man;
mod merge;
mod outcome;
mod replay;
mod reproduce;
mod resume;
mod run;
mod session;

pub(crate) use session::Session;

use crate::cli::{Cli, Command};
use crate::control::client::Request;

/// Run the command `cli` names in `session`; returns its exit code.
pub(crate) fn dispatch(mut cli: Cli, session: &Session) -> anyhow::Result<u8> {
    match cli.command.take() {
        Some(Command::Merge(args)) => merge::run(args, session),
        Some(Command::Replay(args)) => replay::run(args, session),
        Some(Command::Diagnose(args)) => diagnose::run(args, session),
        Some(Command::Resume(args)) => resume::run(args, session),
        Some(Command::Op(args)) => control::run(Request::Op, args, session),
        Some(Command::Check(args)) => control::run(Request::Check, args, session),
        Some(Command::Reproduce(args)) => reproduce::run(*args, session),
        Some(Command::Man(args)) => man::run(args, session),
        Some(Command::Completions(args)) => completions::run(args, session),
        None => run::run(cli, session),
    }
}
