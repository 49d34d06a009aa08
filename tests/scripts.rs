//! The set-up scripts: `scripts/test` (the README's test command), `scripts/package` (the wheel
//! and the npm package, built, installed and run) and `.ci/run`, which calls them. They are bash
//! that parses, CI goes through `scripts/test` with every runner installed and `CI=1`, and the
//! runners' helper files are still checked by their own languages there.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The lines of a bash script that are commands: no comments, no blank lines.
fn commands(script: &str) -> Vec<&str> {
    script
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[test]
fn the_scripts_are_bash_that_parses_and_stops_at_the_first_error() {
    for rel in ["scripts/test", "scripts/package", ".ci/run"] {
        let out = Command::new("bash")
            .arg("-n")
            .arg(repo().join(rel))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{rel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = read(rel);
        assert!(text.starts_with("#!/usr/bin/env bash\n"), "{rel}");
        assert!(commands(&text).contains(&"set -euo pipefail"), "{rel}");
    }
    for rel in ["scripts/test", "scripts/package"] {
        let mode = std::fs::metadata(repo().join(rel))
            .expect("the script")
            .permissions()
            .mode();
        assert_ne!(
            mode & 0o111,
            0,
            "{rel} is executable, as the README runs it"
        );
    }
    // scripts/package, like scripts/test, finds the repository from its own path.
    assert!(
        commands(&read("scripts/package")).contains(&"cd \"$(dirname \"${BASH_SOURCE[0]}\")/..\""),
        "scripts/package runs from any folder"
    );
    // Where shellcheck is installed, it finds nothing (CI does not install it).
    if common_which("shellcheck") {
        let out = Command::new("shellcheck")
            .args(["scripts/test", "scripts/package", ".ci/run"])
            .current_dir(repo())
            .output()
            .expect("shellcheck runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

fn common_which(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok()
}

#[test]
fn ci_runs_the_checks_then_scripts_test_with_every_runner_installed_and_ci_set() {
    let ci = read(".ci/run");
    // What it runs, not what it says.
    let lines: Vec<&str> = commands(&ci)
        .into_iter()
        .filter(|l| !l.starts_with("echo "))
        .collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!(".ci/run has no line with {needle:?}"))
    };
    let test = at("scripts/test");
    // The last step, installing what is missing; then, once CI builds the packages, nothing
    // but scripts/package.
    match &lines[test..] {
        ["exec scripts/test --install-system"]
        | ["scripts/test --install-system", "scripts/package"] => {}
        rest => panic!(
            "after the checks, .ci/run runs scripts/test --install-system (then perhaps \
             scripts/package) and nothing else: {rest:?}"
        ),
    }
    assert!(
        at("export CI=1") < test,
        "CI=1 for scripts/test and the tests"
    );
    for check in [
        "cargo fmt --all -- --check",
        "cargo clippy --all-targets --locked -- -D warnings",
        "RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps --locked",
    ] {
        assert!(at(check) < test, "{check}");
    }
    assert!(
        !lines.iter().any(|l| l.contains("cargo test")),
        "the tests run in scripts/test only"
    );
}

#[test]
fn scripts_test_ends_in_cargo_test_with_the_given_arguments_and_checks_every_helper_file() {
    let script = read("scripts/test");
    let lines = commands(&script);
    assert_eq!(lines.last(), Some(&"exec cargo test --locked \"$@\""));
    // It finds the repository from its own path, so it runs from any folder.
    assert!(lines.contains(&"cd \"$(dirname \"${BASH_SOURCE[0]}\")/..\""));
    // Every helper file in another language is checked by that language's own tool: each
    // folder's files of that language are a loop's list.
    let mut helpers = Vec::new();
    for dir in ["src/helpers", "src/exec"] {
        for entry in std::fs::read_dir(repo().join(dir)).expect("a folder") {
            let name = entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            if let Some((_, ext)) = name.rsplit_once('.')
                && ["rb", "js", "py"].contains(&ext)
            {
                helpers.push((dir, ext.to_string()));
            }
        }
    }
    assert!(helpers.len() >= 5, "{helpers:?}");
    for (dir, ext) in helpers {
        let tool = match ext.as_str() {
            "rb" => "ruby -c \"$file\"",
            "js" => "node --check \"$file\"",
            _ => "ast.parse(open(sys.argv[1]).read(), sys.argv[1])\" \"$file\"",
        };
        let glob = format!(" {dir}/*.{ext}");
        let at = lines
            .iter()
            .position(|l| l.starts_with("for file in ") && l.contains(&glob))
            .unwrap_or_else(|| panic!("no loop over{glob} in scripts/test"));
        assert!(
            lines[at..=at + 1].iter().any(|l| l.contains(tool)),
            "the loop over{glob} does not run {tool}"
        );
    }
    // The Debian packages the rspec presets' tests need, each checked before it is installed.
    for (check, package) in [
        ("require 'rspec/retry'", "ruby-rspec-retry"),
        (
            "require 'rspec_junit_formatter'",
            "ruby-rspec-junit-formatter",
        ),
    ] {
        let line = lines
            .iter()
            .position(|l| l.contains(check))
            .unwrap_or_else(|| panic!("no check {check}"));
        assert!(
            lines[line..=line + 1].iter().any(|l| l.contains(package)),
            "{package} after {check}"
        );
    }
}

#[test]
fn scripts_test_help_runs_from_any_folder_and_runs_nothing() {
    let elsewhere = tempfile::tempdir().expect("a temp folder");
    let out = Command::new(repo().join("scripts/test"))
        .arg("--help")
        .current_dir(elsewhere.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("scripts/test [--install-system | --no-install-system] [CARGO TEST ARGS...]"),
        "{help}"
    );
    assert!(!help.contains("set -euo"), "{help}");
    assert!(
        std::fs::read_dir(elsewhere.path())
            .expect("the folder")
            .next()
            .is_none(),
        "nothing written where it was run"
    );
}
