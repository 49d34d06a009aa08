//! `smoke man` and `smoke completions` through the real binary: the page is roff that `man` and
//! groff render without a warning and that names every subcommand and flag, the bash script
//! loads and completes, the other shells' scripts name the subcommands, a closed stdout is
//! success, and tests called `man` and `completions` stay reachable with `--`.

mod common;

use common::{Suite, long_flags, stderr, stdout, subcommands};
use std::process::{Command, Output, Stdio};

fn smoke(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smoke"))
        .args(args)
        .env_remove("SMOKE_SEED")
        .output()
        .expect("smoke runs")
}

/// What `args` printed on stdout, checking it exited 0 with nothing on stderr.
fn printed(args: &[&str]) -> String {
    let out = smoke(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Run `program args` with `input` on stdin; its output.
fn pipe_into(program: &str, args: &[&str], input: &[u8], env: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} starts: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("written");
    child.wait_with_output().expect("it ends")
}

fn have(program: &str) -> bool {
    common::which(program).is_some()
}

#[test]
fn the_man_page_is_roff_that_man_renders_naming_every_subcommand_and_flag() {
    let page = printed(&["man"]);
    assert!(
        page.lines().any(|l| l.starts_with(".TH SMOKE 1 ")),
        "{}",
        &page[..page.len().min(300)]
    );
    for heading in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(heading), "{heading} missing");
    }
    // The rendered page, as a reader sees it: with man-db's `man -l -` or groff, whichever is
    // here (Debian's image has both); groff with every warning on must say nothing.
    let rendered = if have("man") {
        let out = pipe_into(
            "man",
            &["-l", "-"],
            page.as_bytes(),
            &[
                ("MANPAGER", "cat"),
                ("MANWIDTH", "200"),
                ("LC_ALL", "C.UTF-8"),
            ],
        );
        assert!(out.status.success(), "man -l -: {}", stderr(&out));
        stdout(&out)
    } else {
        eprintln!("note: no man here; the page is checked with groff or by its structure");
        String::new()
    };
    if have("groff") {
        let out = pipe_into(
            "groff",
            &["-man", "-Tutf8", "-ww", "-z"],
            page.as_bytes(),
            &[],
        );
        assert!(out.status.success(), "groff: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "groff warns: {}", stderr(&out));
    }
    // Each flag has its entry (not only its place in a synopsis) in its command's part: as the
    // reader sees it, an indented line that starts with it (`-c, --config <FILE>`); without man,
    // the line after a `.TP` request naming it as roff escapes it.
    let lines: Vec<String> = if rendered.is_empty() {
        // Without man: each `.SS` heading and the line after each `.TP`, unescaped.
        let raw: Vec<&str> = page.lines().collect();
        let mut kept = Vec::new();
        for (i, line) in raw.iter().enumerate() {
            if let Some(name) = line.strip_prefix(".SS ") {
                kept.push(format!("SUBCOMMAND {}", name.trim_matches('"')));
            } else if i > 0 && raw[i - 1] == ".TP" {
                kept.push(
                    line.replace("\\fB", "")
                        .replace("\\fI", "")
                        .replace("\\fR", ""),
                );
            }
        }
        kept.iter().map(|l| l.replace("\\-", "-")).collect()
    } else {
        assert!(rendered.contains("SMOKE(1)"), "{}", &rendered[..200]);
        // A roff request the page got wrong would show as text.
        assert!(
            !rendered.contains(".SH") && !rendered.contains(".TP"),
            "{rendered}"
        );
        // `.SS` headings are indented 3 spaces; entries 7.
        rendered
            .lines()
            .map(|l| match l.strip_prefix("   ") {
                Some(name) if name.starts_with("smoke ") => format!("SUBCOMMAND {name}"),
                _ => l.trim_start().to_string(),
            })
            .collect()
    };
    for (sub, flags) in long_flags() {
        // The lines of this command's part: smoke's up to its first subcommand, a
        // subcommand's from its heading to the next.
        let start = if sub.is_empty() {
            0
        } else {
            let heading = format!("SUBCOMMAND smoke {sub}");
            1 + lines
                .iter()
                .position(|l| *l == heading)
                .unwrap_or_else(|| panic!("no part for smoke {sub}"))
        };
        let part: Vec<&str> = lines[start..]
            .iter()
            .map(String::as_str)
            .take_while(|l| !l.starts_with("SUBCOMMAND "))
            .collect();
        assert!(part.len() >= 2, "'smoke {sub}': {part:?}");
        for flag in flags {
            let entry = |l: &&str| {
                l.starts_with(&format!("{flag} "))
                    || *l == flag
                    || (l.starts_with('-') && l.contains(&format!(", {flag}")))
            };
            assert!(
                part.iter().any(entry),
                "{flag} of 'smoke {sub}' has no entry in its part of the page"
            );
        }
    }
}

#[test]
fn man_dir_writes_a_page_per_command_and_prints_their_paths() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let out = Command::new(env!("CARGO_BIN_EXE_smoke"))
        .args(["man", "--dir", "pages/man1"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut expected = vec!["pages/man1/smoke.1".to_string()];
    expected.extend(
        subcommands()
            .iter()
            .map(|sub| format!("pages/man1/smoke-{sub}.1")),
    );
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), expected);
    for path in &expected {
        let page = std::fs::read_to_string(dir.path().join(path)).expect("written");
        let name = path
            .trim_start_matches("pages/man1/")
            .trim_end_matches(".1");
        let title = format!(".TH {} 1 ", name.to_uppercase());
        assert!(page.contains(&title), "{path}: {title} missing");
        if have("groff") {
            let out = pipe_into(
                "groff",
                &["-man", "-Tutf8", "-ww", "-z"],
                page.as_bytes(),
                &[],
            );
            assert!(
                stderr(&out).is_empty(),
                "{path}: groff warns: {}",
                stderr(&out)
            );
        }
    }
    let top = std::fs::read_to_string(dir.path().join("pages/man1/smoke.1")).expect("written");
    assert!(
        top.contains("smoke\\-merge(1)"),
        "smoke.1 points at smoke-merge(1)"
    );

    // A folder that cannot be made: exit 2, naming it.
    std::fs::write(dir.path().join("file"), "").expect("a file");
    let out = Command::new(env!("CARGO_BIN_EXE_smoke"))
        .args(["man", "--dir", "file/man1"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot make the folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_bash_script_loads_and_completes_subcommands_flags_and_values() {
    let script = printed(&["completions", "bash"]);
    let complete = |words: &[&str]| {
        // `_smoke CMD CUR PREV` with COMP_WORDS and COMP_CWORD set, as bash calls it on TAB.
        let cword = words.len() - 1;
        let line = format!(
            "source /dev/stdin; COMP_WORDS=({}); COMP_CWORD={cword}; _smoke smoke {} {}; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            format_args!("'{}'", words[cword]),
            format_args!("'{}'", words[cword - 1]),
        );
        let out = pipe_into("bash", &["-c", &line], script.as_bytes(), &[]);
        assert!(out.status.success(), "{words:?}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{words:?}: {}", stderr(&out));
        stdout(&out).lines().map(str::to_string).collect::<Vec<_>>()
    };
    let mut ord = complete(&["smoke", "--ord"]);
    ord.sort();
    assert_eq!(ord, ["--order", "--order-file"]);
    assert_eq!(complete(&["smoke", "comp"]), ["completions"]);
    assert!(complete(&["smoke", "--order", ""]).contains(&"tuscan".to_string()));
    let shells = complete(&["smoke", "completions", ""]);
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        assert!(shells.contains(&shell.to_string()), "{shells:?}");
    }

    // As a user loads it.
    let smoke = env!("CARGO_BIN_EXE_smoke");
    let out = Command::new("bash")
        .args([
            "-c",
            "source <(\"$0\" completions bash) && complete -p smoke",
            smoke,
        ])
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("-F _smoke"), "{}", stdout(&out));
    assert!(
        stdout(&out).trim_end().ends_with(" smoke"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_other_shells_scripts_name_every_subcommand() {
    let subcommands = subcommands();
    let zsh = printed(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef smoke"), "{}", &zsh[..80]);
    let fish = printed(&["completions", "fish"]);
    let elvish = printed(&["completions", "elvish"]);
    let powershell = printed(&["completions", "powershell"]);
    for sub in &subcommands {
        assert!(zsh.contains(&format!("'{sub}:")), "zsh: {sub}");
        assert!(fish.contains(&format!("-a \"{sub}\"")), "fish: {sub}");
        assert!(elvish.contains(&format!("cand {sub} ")), "elvish: {sub}");
        assert!(
            powershell.contains(&format!("'{sub}'")),
            "powershell: {sub}"
        );
    }
    // Where the shells are installed, they parse their scripts (no shell installs them here).
    for (shell, script, check) in [("zsh", &zsh, "-n"), ("fish", &fish, "--no-execute")] {
        if have(shell) {
            let out = pipe_into(shell, &[check], script.as_bytes(), &[]);
            assert!(out.status.success(), "{shell} {check}: {}", stderr(&out));
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_that_lists_the_shells() {
    let out = smoke(&["completions", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out);
    assert!(said.contains("invalid value 'nosuch'"), "{said}");
    assert!(
        said.contains("[possible values: bash, zsh, fish, elvish, powershell]"),
        "{said}"
    );
    assert!(stdout(&out).is_empty());
    // No shell: the tip for a test called completions.
    let out = smoke(&["completions"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("tip: to run a test called completions, put -- first: smoke -- completions"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_reader_that_stops_early_is_success_with_nothing_on_stderr() {
    for args in [&["man"][..], &["completions", "bash"], &["man", "--help"]] {
        // A pipe whose reader is gone before smoke starts: every write fails with EPIPE.
        let (reader, writer) = os_pipe::pipe().expect("a pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_smoke"))
            .args(args)
            .stdout(writer)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{args:?}: {}", stderr(&out));
    }
    // As typed.
    let out = Command::new("bash")
        .args([
            "-c",
            "set -o pipefail; \"$0\" man | head -1",
            env!("CARGO_BIN_EXE_smoke"),
        ])
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1);
}

#[test]
fn tests_called_man_and_completions_run_with_a_double_dash_or_after_an_option() {
    let suite = Suite::new();
    suite
        .toml(
            &["man", "completions", "other"],
            "[smoke]\norder = \"rotate\"\ntimes = 1\n",
        )
        .dispatcher("case \"$1\" in man) exit 1 ;; esac");
    let out = suite.smoke(&["--", "man"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let only = |name: &str, ran: Vec<String>| !ran.is_empty() && ran.iter().all(|t| t == name);
    assert!(only("man", suite.ran()), "{:?}", suite.ran());
    assert!(
        !stdout(&out).contains(".TH"),
        "no man page: {}",
        stdout(&out)
    );
    suite.clear_ran();
    let out = suite.smoke(&["--", "completions"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(only("completions", suite.ran()), "{:?}", suite.ran());
    suite.clear_ran();

    // With --run and no smoke.toml, after an option.
    let out = suite.smoke(&["--no-config", "--run", "sh run.sh {test}", "-t", "1", "man"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(only("man", suite.ran()), "{:?}", suite.ran());
    suite.clear_ran();

    // First, they are the subcommands: no test runs.
    let out = suite.command().arg("man").output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(".TH SMOKE 1"));
    let out = suite
        .command()
        .args(["completions", "fish"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(suite.ran().is_empty(), "{:?}", suite.ran());
}
