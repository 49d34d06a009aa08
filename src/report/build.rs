//! Edge: the build parameters a report records, so that a failure can be reproduced on the same
//! kind of build: OS, kernel, architecture, CPU count, smoke's version (with the commit it was
//! built from, when known), the suite folder's git commit and dirty flag, the output of each
//! `[report] build` command, and the variables `[report] env` lists. No environment dump:
//! reports get attached to public bug reports, so only listed variables are recorded, and
//! secret-looking ones are redacted even then.
//!
//! A build command runs under `timeout` when one is set (else [`COMMAND_TIMEOUT`]); one past
//! it is recorded as `timeout`, and one killed by a signal (Ctrl-C) as `interrupted`, after
//! which the rest are not run. This module must not fail the run: what cannot be collected is
//! recorded as such.

use super::Redactor;
use super::record::{BuildCommand, BuildInfo};
use crate::exec;
use crate::interrupt::Interrupt;
use crate::model::Outcome;
use std::path::Path;
use std::time::Duration;

/// Limit for each build-parameter command when no `timeout` is set, and for smoke's own (git,
/// uname).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of a build command's output is kept.
const OUTPUT_LIMIT: usize = 8 * 1024;

/// Collect the build parameters for a suite in `dir`: `commands` run with `env` added, each
/// within `timeout`, and the `listed` variables of smoke's own environment. Once `interrupt` is
/// raised, no further command runs.
pub fn collect(
    dir: &Path,
    commands: &[String],
    env: &[(String, String)],
    listed: &[String],
    redactor: &Redactor,
    timeout: Option<Duration>,
    interrupt: &Interrupt,
) -> BuildInfo {
    let timeout = timeout.unwrap_or(COMMAND_TIMEOUT);
    let git = |args: &[&str]| {
        let mut argv = vec!["git", "-C"];
        let dir = dir.to_string_lossy();
        argv.push(&dir);
        argv.extend_from_slice(args);
        exec::capture(&argv, dir.as_ref().as_ref(), &[], COMMAND_TIMEOUT)
            .ok()
            .filter(|c| c.outcome == Outcome::Pass)
            .map(|c| String::from_utf8_lossy(&c.stdout).trim().to_string())
    };
    let git_commit = git(&["rev-parse", "HEAD"]);
    let git_dirty = git_commit
        .as_ref()
        .and_then(|_| git(&["status", "--porcelain"]))
        .map(|status| !status.is_empty());
    BuildInfo {
        // With the commit smoke was built from, when known (build.rs): a report names the
        // exact binary that ran, where the report's own `smoke_version` stays the plain one.
        smoke_version: env!("SMOKE_VERSION").to_string(),
        os: std::env::consts::OS.to_string(),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|s| s.trim().to_string())
            .or_else(|| {
                exec::capture(&["uname", "-r"], dir, &[], COMMAND_TIMEOUT)
                    .ok()
                    .map(|c| String::from_utf8_lossy(&c.stdout).trim().to_string())
            }),
        arch: std::env::consts::ARCH.to_string(),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        git_commit,
        git_dirty,
        commands: commands
            .iter()
            .map(|c| run_command(c, dir, env, timeout, interrupt))
            .collect(),
        env: listed
            .iter()
            .map(|name| {
                let value =
                    std::env::var_os(name).map(|v| redactor.value(name, &v.to_string_lossy()));
                (name.clone(), value)
            })
            .collect(),
    }
}

fn run_command(
    command: &str,
    dir: &Path,
    env: &[(String, String)],
    timeout: Duration,
    interrupt: &Interrupt,
) -> BuildCommand {
    if interrupt.is_raised() {
        return BuildCommand {
            command: command.to_string(),
            result: "not run (interrupted)".to_string(),
            output: String::new(),
        };
    }
    match exec::capture(&[exec::SHELL, "-c", command], dir, env, timeout) {
        Ok(got) => {
            let mut output = got.stdout;
            output.extend_from_slice(&got.stderr);
            let start = output.len().saturating_sub(OUTPUT_LIMIT);
            // The signal thread killed it: say why, not "signal 9".
            let killed = interrupt.is_raised() && matches!(got.outcome, Outcome::Signal { .. });
            BuildCommand {
                command: command.to_string(),
                result: if killed {
                    "interrupted".to_string()
                } else {
                    got.outcome.to_string()
                },
                output: String::from_utf8_lossy(&output[start..])
                    .trim_end()
                    .to_string(),
            }
        }
        Err(e) => BuildCommand {
            command: command.to_string(),
            result: "could not start".to_string(),
            output: format!("{e:#}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_commands_are_recorded_with_their_result() {
        let dir = tempfile::tempdir().expect("tempdir");
        let info = collect(
            dir.path(),
            &["echo built with $FLAVOR".into(), "exit 3".into()],
            &[("FLAVOR".into(), "vanilla".into())],
            &["PATH".into(), "SMOKE_SURELY_UNSET_VAR".into()],
            &Redactor::default(),
            None,
            &Interrupt::new(),
        );
        assert!(info.env["PATH"].is_some(), "a listed variable is recorded");
        assert_eq!(info.env["SMOKE_SURELY_UNSET_VAR"], None);
        assert_eq!(info.env.len(), 2, "and nothing else");
        assert_eq!(info.commands[0].output, "built with vanilla");
        assert_eq!(info.commands[0].result, "ok");
        assert_eq!(info.commands[1].result, "exit 3");
        assert_eq!(
            info.git_commit, None,
            "a fresh temp folder is no git checkout"
        );
        assert!(info.cpus >= 1);
        assert_eq!(info.smoke_version, env!("SMOKE_VERSION"));
        assert!(info.smoke_version.starts_with(env!("CARGO_PKG_VERSION")));
    }
}
