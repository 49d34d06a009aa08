//! `smoke replay`, `diagnose` and `resume` rebuild the run's suite from its report: every
//! option that shapes a sequence (`--workdir fresh`, the names of a flags-only run), the
//! shell commands only the report holds run with `--trust-report` alone, and a report that does
//! not record its suite is refused.

mod common;

use common::{Suite, names, stderr, stdout};
use std::fs;
use std::path::Path;

/// Tests that keep their state in the folder they run in: `p*` leave `dirty` behind, `c`
/// removes it, `v` fails when it is there. Each appends its name to the suite's `ran.log`.
fn stateful() -> Suite {
    let suite = Suite::new();
    suite.file(
        "t.sh",
        r#"#!/bin/sh
printf '%s\n' "$1" >> "$SMOKE_SUITE_DIR/ran.log"
case "$1" in
  p*) touch dirty ;;
  c) rm -f dirty ;;
  v) [ ! -e dirty ] || exit 1 ;;
esac
"#,
    );
    suite
}

/// smoke in `suite` with exactly `args`.
fn run(suite: &Suite, args: &[&str]) -> std::process::Output {
    suite.command().args(args).output().expect("smoke runs")
}

/// A flags-only run of `tests` in that order, each sequence in a fresh folder, into
/// `r/run.json`; it finds `[p1, v]`.
fn fresh_run(suite: &Suite, tests: &[&str]) {
    let mut args = vec![
        "--run",
        "sh $SMOKE_SUITE_DIR/t.sh {test}",
        "--workdir",
        "fresh",
        "--order",
        "rotate",
        "--times",
        "1",
        "--report",
        "r/run.txt",
    ];
    args.extend_from_slice(tests);
    let out = run(suite, &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        !suite.path().join("dirty").exists(),
        "the run kept its state out of the suite folder"
    );
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).expect("read")).expect("valid JSON")
}

#[test]
fn diagnose_of_a_flags_only_run_searches_its_whole_suite_each_candidate_in_a_fresh_folder() {
    let suite = stateful();
    fresh_run(&suite, &["p1", "v", "x", "p2", "c", "y", "p3"]);
    let out = run(&suite, &["diagnose", "r/run.json", "--trust-report"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let d = &suite.newest("smoke-diagnose-")["failures"][0];
    // Every test of the run, not only those of the failing sequence; and no candidate's state
    // reaches the next, so x and y are not polluters.
    assert_eq!(names(&d["polluters"]), ["p1", "p2", "p3"], "{d}");
    assert_eq!(names(&d["cleaners"]), ["c"], "{d}");
    assert_eq!(d["incomplete"], false);
    assert!(!suite.path().join("dirty").exists());
}

#[test]
fn the_replay_line_and_smoke_replay_keep_the_fresh_workdir_so_a_fixed_bug_is_fixed() {
    let suite = stateful();
    fresh_run(&suite, &["p1", "v"]);
    let report = json(&suite.path().join("r/run.json"));
    let line = report["failures"][0]["replay"]
        .as_str()
        .expect("a replay line")
        .to_string();
    assert!(line.contains("--workdir fresh"), "{line}");
    // The line, pasted into a shell (smoke on PATH), fails again and leaves nothing behind.
    let bin = Path::new(env!("CARGO_BIN_EXE_smoke"))
        .parent()
        .expect("a folder")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let pasted = std::process::Command::new("sh")
        .args(["-c", &format!("{line} --report-dir pasted")])
        .env("PATH", path)
        .current_dir(suite.path())
        .output()
        .expect("sh runs");
    assert_eq!(pasted.status.code(), Some(1), "{}", stderr(&pasted));
    assert!(!suite.path().join("dirty").exists(), "{line}");

    // Two workers at once, each run in a folder of its own.
    let out = run(
        &suite,
        &["replay", "r/run.json", "--trust-report", "--jobs", "2"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("still fails (3 of 3 runs)"),
        "{}",
        stdout(&out)
    );
    assert!(
        !suite.path().join("dirty").exists(),
        "replay ran in the suite folder"
    );
    // The fix: p1 no longer leaves state behind.
    suite.file(
        "t.sh",
        "#!/bin/sh\ncase \"$1\" in\n  v) [ ! -e dirty ] || exit 1 ;;\nesac\n",
    );
    let out = run(&suite, &["replay", "r/run.json", "--trust-report"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("fixed (passed 3 of 3 runs)"),
        "{}",
        stdout(&out)
    );
}

/// A report of a harmless flags-only run, rewritten as a stranger could: its run command (as
/// the run recorded it, and as the record smoke rebuilds suites from) now runs `touch pwned`.
fn hostile(suite: &Suite) -> std::path::PathBuf {
    let out = run(
        suite,
        &[
            "--run",
            "sh t.sh {test}",
            "--setup",
            "rm -f dirty",
            "--order",
            "rotate",
            "--times",
            "1",
            "--report",
            "r/run.txt",
            "p1",
            "v",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let path = suite.path().join("r/run.json");
    let mut report = json(&path);
    let evil = "touch pwned; true {test}";
    report["options"]["run"] = evil.into();
    report["options"]["suite"]["run"] = evil.into();
    report["argv"] = serde_json::json!(["smoke", "--run", evil, "p1", "v"]);
    report["status"] = "interrupted".into();
    fs::write(&path, report.to_string()).expect("write");
    let _ = fs::remove_file(suite.path().join("dirty"));
    path
}

#[test]
fn a_hostile_report_runs_nothing_without_trust_report() {
    let suite = stateful();
    hostile(&suite);
    let elsewhere = tempfile::tempdir().expect("another folder");
    for verb in ["replay", "diagnose", "resume"] {
        let out = suite
            .command()
            .current_dir(elsewhere.path())
            .arg(verb)
            .arg(suite.path().join("r/run.json"))
            .output()
            .expect("smoke runs");
        assert_eq!(out.status.code(), Some(2), "{verb}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("--run 'touch pwned; true {test}'")
                && err.contains("--trust-report")
                && err.contains("--config FILE"),
            "{verb}: {err}"
        );
        assert!(!suite.path().join("pwned").exists(), "{verb} ran it");
        assert!(!elsewhere.path().join("pwned").exists(), "{verb} ran it");
    }
    // Trusted, the command is printed first, then run.
    let out = run(&suite, &["replay", "r/run.json", "--trust-report"]);
    assert!(
        stderr(&out).contains(
            "--trust-report: running the commands of 'r/run.json': --run 'touch pwned; true {test}'"
        ),
        "{}",
        stderr(&out)
    );
    assert!(suite.path().join("pwned").exists());
}

#[test]
fn with_config_the_reports_commands_are_left_out_and_the_files_run() {
    let suite = stateful();
    hostile(&suite);
    suite.file(
        "mine.toml",
        "[suite]\ntests = [\"p1\", \"v\"]\nrun = \"sh t.sh {test}\"\nsetup = \"rm -f dirty\"\n",
    );
    let out = run(&suite, &["replay", "r/run.json", "--config", "mine.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("are left out, the suite's come from 'mine.toml'"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("still fails (3 of 3 runs)"),
        "{}",
        stdout(&out)
    );
    assert!(!suite.path().join("pwned").exists());
}

#[test]
fn a_report_that_does_not_record_its_suite_is_refused_naming_config() {
    let suite = stateful();
    fresh_run(&suite, &["p1", "v"]);
    let path = suite.path().join("r/run.json");
    let mut report = json(&path);
    report["options"]
        .as_object_mut()
        .expect("options")
        .remove("suite");
    fs::write(&path, report.to_string()).expect("write");
    suite.clear_ran();
    for verb in ["replay", "diagnose"] {
        let out = run(&suite, &[verb, "r/run.json", "--trust-report"]);
        assert_eq!(out.status.code(), Some(2), "{verb}: {}", stdout(&out));
        assert!(
            stderr(&out).contains(&format!(
                "'r/run.json' does not record how its suite was run (smoke {} wrote it): pass \
                 --config FILE",
                env!("CARGO_PKG_VERSION")
            )),
            "{verb}: {}",
            stderr(&out)
        );
        assert!(!suite.path().join("ran.log").exists(), "{verb} ran tests");
    }
}

#[test]
fn a_config_file_only_the_report_names_is_run_only_when_trusted_or_named() {
    let suite = stateful();
    suite.file(
        "ci.toml",
        "[suite]\ntests = [\"p1\", \"v\"]\nrun = \"sh t.sh {test}\"\nsetup = \"rm -f dirty\"\n",
    );
    let out = run(
        &suite,
        &[
            "--config",
            "ci.toml",
            "--order",
            "rotate",
            "--times",
            "1",
            "--report",
            "r/run.txt",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    suite.clear_ran();
    let elsewhere = tempfile::tempdir().expect("another folder");
    let replay = |args: &[&str]| {
        suite
            .command()
            .current_dir(elsewhere.path())
            .arg("replay")
            .arg(suite.path().join("r/run.json"))
            .args(["--report-dir", "reports"])
            .args(args)
            .output()
            .expect("smoke runs")
    };
    let out = replay(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let file = suite.path().join("ci.toml");
    assert!(
        stderr(&out).contains(&format!("the config file '{}'", file.display())),
        "{}",
        stderr(&out)
    );
    assert!(suite.ran().is_empty(), "nothing ran");
    // Named by the user, or in the folder smoke runs in, it is the user's own.
    let out = replay(&["--config", file.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = run(&suite, &["replay", "r/run.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("still fails (3 of 3 runs)"),
        "{}",
        stdout(&out)
    );
}

/// A pytest suite whose tests keep their state in the folder they run in, as the shell one
/// does: `test_p*` leave `dirty`, `test_v` fails when it is there.
fn pytest_stateful() -> Suite {
    common::require_pytest();
    let suite = Suite::new();
    suite
        .file("pytest.ini", "[pytest]\naddopts = -p no:randomly -p no:cacheprovider\n")
        .file(
            "test_state.py",
            "import os\n\n\ndef test_p1():\n    open('dirty', 'w').close()\n\n\ndef test_v():\n    \
             assert not os.path.exists('dirty')\n\n\ndef test_x():\n    pass\n\n\ndef test_p2():\n    \
             open('dirty', 'w').close()\n",
        );
    suite
}

#[test]
fn pytest_diagnose_and_replay_of_a_flags_only_run_keep_its_whole_suite_and_its_fresh_folders() {
    let suite = pytest_stateful();
    // The preset's listing and the fresh folder come from flags alone; the tests run from the
    // suite folder by absolute node ids, each sequence in a new empty folder.
    let out = run(
        &suite,
        &[
            "--preset",
            "pytest",
            "--mode",
            "per-test",
            "--run",
            "cd \"$SMOKE_WORKDIR\" && python -m pytest -q -p no:randomly -p no:cacheprovider \
             --rootdir \"$SMOKE_SUITE_DIR\" \"$SMOKE_SUITE_DIR/{test}\"",
            "--workdir",
            "fresh",
            "--order",
            "rotate",
            "--times",
            "1",
            "--report",
            "r/run.txt",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&suite.path().join("r/run.json"));
    assert_eq!(
        names(&report["failures"][0]["minimal"]),
        ["test_state.py::test_p1", "test_state.py::test_v"]
    );
    assert!(
        !suite.path().join("dirty").exists(),
        "the run kept the folder clean"
    );
    let replay = report["failures"][0]["replay"]
        .as_str()
        .expect("a replay line");
    assert!(replay.contains("--workdir fresh"), "{replay}");

    // diagnose: every test of the suite (test_p2 never ran before the failure), in fresh folders.
    let out = run(&suite, &["diagnose", "r/run.json", "--trust-report"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let d = &suite.newest("smoke-diagnose-")["failures"][0];
    assert_eq!(
        names(&d["polluters"]),
        ["test_state.py::test_p1", "test_state.py::test_p2"],
        "{d}"
    );
    assert!(!suite.path().join("dirty").exists());

    // replay: in fresh folders too, so the bug still fails and leaves the folder clean.
    let out = run(&suite, &["replay", "r/run.json", "--trust-report"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("still fails"), "{}", stdout(&out));
    assert!(!suite.path().join("dirty").exists());
}
