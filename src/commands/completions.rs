//! `smoke completions SHELL`: the shell's completion script for smoke, made from the clap
//! definitions in `cli` by clap_complete, never written by hand, so it completes exactly the
//! subcommands, flags and flag values this smoke has.
//!
//! The script is built in memory ([`script`], pure) and written to stdout; this module decides
//! nothing else, reads no config and runs no test. Test names are not completed: they come
//! from the suite, which a static script cannot list.

use super::session::Session;
use crate::cli::{Cli, CompletionsArgs, ShellArg};
use crate::error::exit;
use crate::term;
use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

/// `smoke completions SHELL`: print the script. Returns the exit code.
pub(crate) fn run(args: CompletionsArgs, _session: &Session) -> anyhow::Result<u8> {
    let script = script(args.shell, Cli::command());
    term::write_document(&mut std::io::stdout().lock(), &script)
        .context("cannot write the completion script to stdout")?;
    Ok(exit::OK)
}

/// The completion script of `cmd`, called `smoke`, for `shell`.
pub(crate) fn script(shell: ShellArg, mut cmd: clap::Command) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(Shell::from(shell), &mut cmd, "smoke", &mut script);
    script
}

impl From<ShellArg> for Shell {
    fn from(shell: ShellArg) -> Self {
        match shell {
            ShellArg::Bash => Shell::Bash,
            ShellArg::Zsh => Shell::Zsh,
            ShellArg::Fish => Shell::Fish,
            ShellArg::Elvish => Shell::Elvish,
            ShellArg::Powershell => Shell::PowerShell,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    fn text(shell: ShellArg) -> String {
        String::from_utf8(script(shell, Cli::command())).expect("scripts are UTF-8")
    }

    #[test]
    fn every_script_offers_every_subcommand_and_the_order_values() {
        let cmd = Cli::command();
        for &shell in ShellArg::value_variants() {
            let script = text(shell);
            for sub in cmd.get_subcommands() {
                assert!(
                    script.contains(sub.get_name()),
                    "{shell:?}: {} missing",
                    sub.get_name()
                );
            }
            for word in ["report-dir", "tuscan"] {
                assert!(script.contains(word), "{shell:?}: {word} missing");
            }
        }
    }

    #[test]
    fn each_shell_gets_its_own_kind_of_script() {
        assert!(text(ShellArg::Bash).contains("complete -F _smoke"));
        assert!(text(ShellArg::Zsh).starts_with("#compdef smoke"));
        assert!(text(ShellArg::Fish).contains("complete -c smoke"));
        assert!(text(ShellArg::Elvish).contains("edit:completion:arg-completer[smoke]"));
        assert!(text(ShellArg::Powershell).contains("Register-ArgumentCompleter"));
    }
}
