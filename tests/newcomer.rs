//! The real binary against a new user's first stumbles: replay lines that name a `smoke` the
//! shell cannot find, a pytest preset in a project whose virtualenv is not activated, a pytest
//! plugin that makes collection exit 1, a Tuscan square far bigger than expected, and a stray
//! `./smoke.toml`. Each test fails if its fix is undone; docs/reliability.md's table lists
//! them.

mod common;

use common::{Suite, stderr, stdout};

#[test]
fn a_tuscan_square_of_many_tests_warns_with_the_count_and_the_executions() {
    let tests = common::fillers(400);
    let suite = Suite::new();
    suite.toml(&tests, "").dispatcher("");
    // One shard of 400 runs one row: the warning is about the whole run.
    let out = suite.smoke(&[
        "--order", "tuscan", "-t", "1", "--seed", "1", "--shard", "1/400",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = "order tuscan over 400 tests plans 400 iterations, about 160000 test executions: \
                to try fewer first, add --iterations N (-n N) to run the first N rows";
    assert!(stderr(&out).contains(said), "{}", stderr(&out));
    let warnings = suite.report()["warnings"].to_string();
    assert!(
        warnings.contains("about 160000 test executions"),
        "{warnings}"
    );

    // Cut by -n, or small, it says nothing.
    let out = suite.smoke(&["--order", "tuscan", "-t", "1", "-n", "1", "--seed", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("test executions"),
        "{}",
        stderr(&out)
    );
    let out = suite.smoke(&["--order", "tuscan", "--seed", "1", "t00", "t01", "t02"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("test executions"),
        "{}",
        stderr(&out)
    );
}

/// p then v fails; a and the rest pass.
fn pair_suite() -> Suite {
    let suite = Suite::new();
    suite.toml(&["p", "a", "v"], "").dispatcher(
        r#"case "$1" in
  p) touch state/dirty ;;
  v) [ ! -e state/dirty ] || exit 1 ;;
esac"#,
    );
    suite
}

/// Run smoke over `suite` with `PATH` set to `path`.
fn smoke_with_path(suite: &Suite, path: &str, args: &[&str]) -> std::process::Output {
    suite
        .command()
        .env("PATH", path)
        .args(["--report-dir", "reports"])
        .args(args)
        .output()
        .expect("smoke runs")
}

const ROTATE: [&str; 4] = ["--order", "rotate", "--times", "1"];

#[test]
fn replay_lines_start_with_a_smoke_the_shell_finds_or_this_binary_s_path() {
    let suite = pair_suite();
    let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_smoke")).expect("the binary");
    let replay = |path: &str| {
        let out = smoke_with_path(&suite, path, &ROTATE);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let line = suite.report()["failures"][0]["replay"]
            .as_str()
            .expect("a replay")
            .to_string();
        assert!(
            stdout(&out).contains(&format!("replay: {line}")),
            "{}",
            stdout(&out)
        );
        line
    };

    // No smoke on PATH: the line names this binary, and runs as printed from anywhere.
    let line = replay(common::SYSTEM_PATH);
    let words = shlex::split(&line).expect("shell words");
    assert_eq!(
        std::fs::canonicalize(&words[0]).expect("a path"),
        binary,
        "{line}"
    );
    let elsewhere = tempfile::tempdir().expect("another folder");
    suite.clear_ran();
    let again = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "{line} --report-dir {}",
            elsewhere.path().display()
        ))
        .current_dir(elsewhere.path())
        .env("PATH", common::SYSTEM_PATH)
        .output()
        .expect("sh runs");
    assert_eq!(again.status.code(), Some(1), "{line}: {}", stderr(&again));
    assert_eq!(suite.ran()[..2], ["p", "v"], "{line}");

    // Another smoke first on PATH: still this binary's path.
    let bin = tempfile::tempdir().expect("a bin folder");
    let other = bin.path().join("smoke");
    std::fs::write(&other, "#!/bin/sh\nexit 0\n").expect("write");
    std::fs::set_permissions(&other, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let line = replay(&format!("{}:{}", bin.path().display(), common::SYSTEM_PATH));
    assert!(!line.starts_with("smoke "), "{line}");

    // This binary on PATH as smoke (through a link): the plain word.
    std::fs::remove_file(&other).expect("rm");
    std::os::unix::fs::symlink(&binary, &other).expect("link");
    let line = replay(&format!("{}:{}", bin.path().display(), common::SYSTEM_PATH));
    assert!(line.starts_with("smoke --config "), "{line}");
}

#[test]
fn no_config_ignores_a_stray_smoke_toml_and_replays_keep_ignoring_it() {
    let suite = pair_suite();
    suite.file("smoke.toml", "[suite]\nthis is not toml\n");
    let out = suite.smoke(&["--run", "sh run.sh {test}", "p", "v"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the stray file is read: {}",
        stderr(&out)
    );
    let mut args = vec!["--no-config", "--run", "sh run.sh {test}"];
    args.extend(["--setup", "rm -rf state && mkdir state"]);
    args.extend(ROTATE);
    args.extend(["p", "a", "v"]);
    let out = smoke_with_path(&suite, common::SYSTEM_PATH, &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(suite.ran()[..3], ["p", "a", "v"]);
    let line = suite.report()["failures"][0]["replay"]
        .as_str()
        .expect("a replay")
        .to_string();
    assert!(line.contains(" --no-config "), "{line}");
    suite.clear_ran();
    let again = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("{line} --report-dir reports"))
        .current_dir(suite.path())
        .output()
        .expect("sh runs");
    assert_eq!(again.status.code(), Some(1), "{line}: {}", stderr(&again));
    assert_eq!(suite.ran()[..2], ["p", "v"]);

    let out = suite.smoke(&["--no-config", "--config", "smoke.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
    let help = suite.command().arg("--help").output().expect("runs");
    assert!(stdout(&help).contains("--no-config"), "{}", stdout(&help));
    assert!(
        stdout(&help).contains("Ignore ./smoke.toml"),
        "{}",
        stdout(&help)
    );
}

/// Two pytest tests that pass, in a suite folder.
fn pytest_suite() -> Suite {
    common::require_pytest();
    let suite = Suite::new();
    suite.file(
        "test_x.py",
        "def test_a():\n    pass\n\n\ndef test_b():\n    pass\n",
    );
    suite
}

#[test]
fn the_pytest_preset_runs_the_suite_s_virtualenv_when_pytest_is_not_on_path() {
    let suite = pytest_suite();
    let pytest = common::which("pytest").expect("pytest is on PATH");
    let python = pytest.with_file_name("python");
    assert!(
        common::which("pytest")
            .is_some_and(|p| !p.starts_with("/usr/bin") && !p.starts_with("/bin")),
        "pytest must not be in the system folders for this test"
    );

    // No virtualenv: the error says how to name the runner.
    let out = smoke_with_path(
        &suite,
        common::SYSTEM_PATH,
        &["--preset", "pytest", "-n", "1"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pytest: not found"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(
            "name it with --program or [suite] program, e.g. --program \
                               '.venv/bin/python -m pytest'"
        ),
        "{}",
        stderr(&out)
    );

    // An unactivated .venv (its python logs that it ran): used, and said once.
    suite.file(
        ".venv/bin/python",
        &format!(
            "#!/bin/sh\necho used >> \"$(dirname \"$0\")/used.log\"\nexec {} \"$@\"\n",
            python.display()
        ),
    );
    let out = smoke_with_path(
        &suite,
        common::SYSTEM_PATH,
        &["--preset", "pytest", "-n", "2", "--seed", "1"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = "pytest is not on PATH, so the pytest preset runs the suite's virtualenv: ";
    assert_eq!(stderr(&out).matches(said).count(), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "{}/.venv/bin/python -m pytest (activate the virtualenv, or pass --program",
            suite.path().display()
        )),
        "{}",
        stderr(&out)
    );
    let report = suite.report();
    assert!(report["warnings"].to_string().contains(said), "{report}");
    assert_eq!(report["stats"]["iterations_run"], 2, "{report}");
    assert!(suite.path().join(".venv/bin/used.log").exists());
}

#[test]
fn a_plugin_that_makes_collection_exit_1_after_a_clean_collection_does_not_stop_the_listing() {
    let suite = pytest_suite();
    // What syrupy does when snapshots are left unused.
    suite.file(
        "conftest.py",
        "def pytest_sessionfinish(session, exitstatus):\n    if \
         session.config.option.collectonly:\n        session.exitstatus = 1\n",
    );
    let out = suite
        .command()
        .args(["--preset", "pytest", "--list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "test_x.py::test_a\ntest_x.py::test_b\n");
    assert!(
        stderr(&out).contains("exited 1 after collecting 2 test(s) with no collection error"),
        "{}",
        stderr(&out)
    );
    // A run takes the listing from its fork server's collection, which never ends as a
    // collect-only session: nothing exits 1, and nothing is said.
    let out = suite.smoke(&["--preset", "pytest", "-n", "1", "--seed", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.report()["options"]["tests"], 2, "{}", suite.report());
    // Without the server, the preset's listing runs, exits 1, and the run says so.
    let out = suite.smoke(&[
        "--preset",
        "pytest",
        "-n",
        "1",
        "--seed",
        "1",
        "--no-fork-server",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        suite.report()["warnings"]
            .to_string()
            .contains("with no collection error"),
        "{}",
        suite.report()
    );

    // A collection error with the same exit status still stops it.
    suite.file("test_bad.py", "def test_c(:\n");
    let out = suite
        .command()
        .args(["--preset", "pytest", "--list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("failed (exit 1)"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error during collection"),
        "{}",
        stderr(&out)
    );
}
