//! `smoke replay` from the binary: a report from the polluted demo still fails, is fixed once the
//! polluter cleans up, cannot be replayed when a test was renamed; reports of flags-only runs
//! replay from anywhere (with --trust-report, as their commands are the report's); a test called
//! replay stays reachable.

mod common;

use common::{Suite, example, stderr, stdout};
use std::fs;

/// Run the demo's known pair once, in order, and return the folder and the report's path.
fn demo_failure() -> Suite {
    let suite = example("polluted");
    let out = run(
        &suite,
        &[
            "--order",
            "rotate",
            "--times",
            "1",
            "--report",
            "known/bugs.txt",
            "t/03-cache-warm.sh",
            "t/17-cache-rebuild.sh",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    suite
}

/// smoke in `suite` with exactly `args` (a subcommand must be the first word).
fn run(suite: &Suite, args: &[&str]) -> std::process::Output {
    suite.command().args(args).output().expect("smoke runs")
}

/// The newest replay report of `suite`.
fn replay_report(suite: &Suite) -> serde_json::Value {
    suite.newest("smoke-replay-")
}

#[test]
fn a_demo_failure_still_fails_until_the_polluter_cleans_up() {
    let suite = demo_failure();
    let out = run(&suite, &["replay", "known/bugs.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "failure 1: t/17-cache-rebuild.sh (exit 1, 2 tests): still fails (3 of 3 runs)"
        ),
        "{}",
        stdout(&out)
    );
    let report = replay_report(&suite);
    assert_eq!(report["failures"][0]["verdict"], "still-fails");
    assert_eq!(report["failures"][0]["failed_same_way"], 3);
    assert_eq!(report["status"], "completed");

    // The fix: the polluter releases its lock.
    let polluter = suite.path().join("t/03-cache-warm.sh");
    let fixed = fs::read_to_string(&polluter)
        .expect("read")
        .replace("touch state/cache.lock; ", "");
    fs::write(&polluter, fixed).expect("write");
    let out = run(&suite, &["replay", "known/bugs.json", "--retries", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("fixed (passed 2 of 2 runs)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(replay_report(&suite)["failures"][0]["verdict"], "fixed");
}

#[test]
fn a_renamed_test_cannot_be_replayed_and_is_named() {
    let suite = demo_failure();
    fs::rename(
        suite.path().join("t/17-cache-rebuild.sh"),
        suite.path().join("t/17-cache-rebuilt.sh"),
    )
    .expect("rename");
    let out = run(&suite, &["replay", "known/bugs.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "cannot replay: 't/17-cache-rebuild.sh' is not in the suite (did you mean \
             't/17-cache-rebuilt.sh'?)"
        ),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        replay_report(&suite)["failures"][0]["verdict"],
        "cannot-replay"
    );
}

#[test]
fn a_flags_only_report_replays_from_another_folder_and_a_new_failure_shows() {
    let suite = Suite::new();
    suite.dispatcher(
        r#"case "$1" in
  p) touch dirty ;;
  v) [ ! -e dirty ] || exit 1 ;;
esac"#,
    );
    let out = run(
        &suite,
        &[
            "--run",
            "sh run.sh {test}",
            "--setup",
            "rm -f dirty",
            "--order",
            "rotate",
            "--times",
            "1",
            "--report",
            "r/run.txt",
            "p",
            "v",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let elsewhere = tempfile::tempdir().expect("another folder");
    let replay = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_smoke"))
            .current_dir(elsewhere.path())
            .args(["replay"])
            .arg(suite.path().join("r/run.json"))
            .args(args)
            .output()
            .expect("smoke runs")
    };
    // Its run and setup commands are the report's alone: they run only when trusted.
    let before = suite.ran();
    let out = replay(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--run 'sh run.sh {test}'; --setup 'rm -f dirty'"),
        "{}",
        stderr(&out)
    );
    assert_eq!(suite.ran(), before, "nothing ran");
    let out = replay(&["--trust-report"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("still fails (3 of 3 runs)"),
        "{}",
        stdout(&out)
    );
    // v now exits 7 instead: it fails, but not the way it was recorded.
    suite.dispatcher(
        r#"case "$1" in
  p) touch dirty ;;
  v) [ ! -e dirty ] || exit 7 ;;
esac"#,
    );
    let out = replay(&["--retries", "0", "--trust-report"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("fails differently: now 'v' exit 7"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_test_called_replay_stays_reachable() {
    let suite = Suite::new();
    suite.toml(&["replay", "other"], "").dispatcher("");
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "--", "replay"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.ran(), ["replay"]);
    let out = run(&suite, &["replay"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("tip: to run a test called replay, put -- first: smoke -- replay"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn replay_with_jobs_on_a_shared_folder_runs_one_sequence_at_a_time_and_says_so() {
    // The demo keeps its state in the suite folder: two workers replaying at once would trip
    // over each other's, so smoke runs one sequence at a time and says so (tests/from_report.rs
    // replays with --jobs in fresh folders, side by side).
    let suite = demo_failure();
    let out = run(
        &suite,
        &["replay", "known/bugs.json", "--jobs", "2", "--retries", "4"],
    );
    let err = stderr(&out);
    assert!(
        err.contains("smoke: warning: --jobs 2: the workers share state"),
        "{err}"
    );
    assert!(
        err.contains("each sequence runs with nothing beside it"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        stdout(&out).contains("still fails (5 of 5 runs)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn replay_and_diagnose_name_themselves_and_hide_the_suites_secrets() {
    let suite = Suite::new();
    suite
        .toml(&["p", "v"], "[suite.env]\nAPI_TOKEN = \"tok-8c1f2e9a77\"\n")
        .dispatcher(
            r#"case "$1" in
  p) touch state/../dirty ;;
  v) [ ! -e dirty ] || { echo "token $API_TOKEN"; exit 1; } ;;
esac"#,
        )
        .file(".gitignore", "");
    // Setup resets the folder's leak, so the pair is real.
    let toml = std::fs::read_to_string(suite.path().join("smoke.toml")).expect("toml");
    std::fs::write(
        suite.path().join("smoke.toml"),
        toml.replace(
            "rm -rf state && mkdir state",
            "rm -rf state dirty && mkdir state",
        ),
    )
    .expect("write");
    let out = run(
        &suite,
        &["--order", "rotate", "--times", "1", "--report", "r/run.txt"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = run(&suite, &["replay", "r/run.json", "--report-dir", "reports"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    for report in suite.reports() {
        let text = std::fs::read_to_string(&report).expect("read");
        assert!(
            !text.contains("tok-8c1f2e9a77"),
            "{}: {text}",
            report.display()
        );
    }
    assert!(
        !std::fs::read_to_string(suite.path().join("r/run.json"))
            .expect("read")
            .contains("tok-8c1f2e9a77")
    );
    for verb in ["replay", "diagnose"] {
        let out = run(&suite, &[verb, "missing.json"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains(&format!(
                "smoke {verb} takes a JSON report; to run a test called {verb} instead"
            )),
            "{verb}: {}",
            stderr(&out)
        );
    }
}
