//! `smoke resume REPORT.json`: a stopped run taken up again from its report, into the same
//! report, ending where an uninterrupted run ends.

mod common;

use common::{Suite, names, stderr, stdout};
use std::fs;
use std::time::{Duration, Instant};

/// 12 tests that take 0.1 s each; `p` leaves state behind that makes `v` fail.
fn suite() -> Suite {
    let suite = Suite::new();
    suite
        .toml(
            &["a", "b", "c", "d", "p", "e", "f", "g", "h", "v", "i", "j"],
            "",
        )
        .dispatcher(
            r#"case "$1" in
  p) touch state/dirty ;;
  v) [ ! -e state/dirty ] || exit 1 ;;
esac
sleep 0.1"#,
        );
    suite
}

/// smoke with `args` as given (the reports where `--report` says).
fn run(suite: &Suite, args: &[&str]) -> std::process::Output {
    suite.command().args(args).output().expect("smoke runs")
}

fn json(suite: &Suite, name: &str) -> serde_json::Value {
    let text = fs::read_to_string(suite.path().join(name)).expect("the JSON report");
    serde_json::from_str(&text).expect("valid JSON")
}

/// (index, seed, result) of every iteration recorded.
fn iterations(report: &serde_json::Value) -> Vec<(u64, u64, String)> {
    report["iterations"]
        .as_array()
        .expect("array")
        .iter()
        .map(|i| {
            (
                i["index"].as_u64().expect("index"),
                i["seed"].as_u64().expect("seed"),
                i["result"].as_str().expect("result").to_string(),
            )
        })
        .collect()
}

fn minimal(report: &serde_json::Value) -> Vec<Vec<String>> {
    report["failures"]
        .as_array()
        .expect("array")
        .iter()
        .map(|f| names(&f["minimal"]))
        .collect()
}

/// Run smoke with `args` into `part.txt`, and Ctrl-C it once `v` has run `runs` times (the
/// first failure, then shrink candidates).
fn interrupted_after(suite: &Suite, runs: usize, args: &[&str]) {
    let mut full: Vec<&str> = vec!["--report", "part.txt"];
    full.extend(args);
    let mut child = suite.start(&full, &[]);
    let started = Instant::now();
    while suite.ran().iter().filter(|t| *t == "v").count() < runs {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "v never ran {runs} times"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.signal(libc::SIGINT);
    let status = child.0.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
}

#[test]
fn a_run_stopped_mid_shrink_resumes_to_the_same_minimal_sequence_and_remaining_seeds() {
    let suite = suite();
    let whole = run(&suite, &["--seed", "5", "-n", "4", "--report", "whole.txt"]);
    assert_eq!(whole.status.code(), Some(1), "{}", stderr(&whole));
    let whole = json(&suite, "whole.json");

    suite.clear_ran();
    interrupted_after(&suite, 3, &["--seed", "5", "-n", "4"]);
    let part = json(&suite, "part.json");
    assert_eq!(part["status"], "interrupted");
    assert_eq!(part["failures"][0]["stopped_by"], "interrupted", "{part}");
    assert_ne!(
        minimal(&part),
        minimal(&whole),
        "stopped before the shrink ended"
    );

    let out = run(&suite, &["resume", "part.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("resuming part.json: 1 of 4 iteration(s) done, 1 shrink(s) to finish"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("part.json"), "{}", stdout(&out));
    let resumed = json(&suite, "part.json");
    assert_eq!(resumed["status"], "completed");
    assert_eq!(minimal(&resumed), minimal(&whole));
    assert_eq!(minimal(&resumed), [["p", "v"]]);
    assert_eq!(resumed["failures"][0]["proven_minimal"], true);
    assert_eq!(
        resumed["failures"][0]["stopped_by"],
        serde_json::Value::Null
    );
    // The same iterations with the same seeds, each once.
    assert_eq!(iterations(&resumed), iterations(&whole));
    assert_eq!(resumed["stats"]["iterations_run"], 4);
    assert_eq!(
        resumed["stats"]["failures_found"],
        whole["stats"]["failures_found"]
    );
    let resumption = &resumed["resumed"][0];
    assert_eq!(resumption["from_status"], "interrupted");
    assert_eq!(resumption["iterations_done"], 1);
    assert_eq!(resumption["shrinks_resumed"], 1);
    // The text and HTML reports are the same run's, and say it was resumed.
    let text = fs::read_to_string(suite.path().join("part.txt")).expect("text");
    assert!(
        text.contains("resumed") && text.contains("it was interrupted"),
        "{text}"
    );
    assert!(text.contains("status            completed"), "{text}");
    let html = fs::read_to_string(suite.path().join("part.html")).expect("html");
    assert!(
        html.contains("it was interrupted"),
        "resumed line in the HTML"
    );
}

#[test]
fn a_run_stopped_between_iterations_runs_only_the_ones_left_with_their_seeds() {
    let suite = suite();
    // Rotate with three names: no failure (v never follows p), so every iteration passes.
    let args = ["--seed", "9", "-n", "6", "a", "b", "c"];
    let whole = run(&suite, &[&args[..], &["--report", "whole.txt"]].concat());
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
    let whole = json(&suite, "whole.json");

    suite.clear_ran();
    let mut child = suite.start(&[&args[..], &["--report", "part.txt"]].concat(), &[]);
    // Two iterations of 3 x 2 tests, and into the third.
    while suite.ran().len() < 14 {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.signal(libc::SIGINT);
    assert_eq!(child.0.wait().expect("wait").code(), Some(130));
    let done: Vec<_> = iterations(&json(&suite, "part.json"))
        .into_iter()
        .filter(|i| i.2 != "interrupted")
        .collect();
    assert!(done.len() >= 2 && done.len() < 6, "{done:?}");

    suite.clear_ran();
    let out = run(&suite, &["resume", "part.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let resumed = json(&suite, "part.json");
    assert_eq!(iterations(&resumed), iterations(&whole));
    // Only what was left ran: 6 tests per remaining iteration.
    assert_eq!(suite.ran().len(), 6 * (6 - done.len()));
}

#[test]
fn a_run_killed_outright_resumes_from_what_its_report_holds() {
    let suite = suite();
    let mut child = suite.start(&["--seed", "5", "-n", "2", "--report", "part.txt"], &[]);
    while suite.ran().iter().filter(|t| *t == "v").count() < 2 {
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL leaves the report as it was last written.
    child.signal(libc::SIGKILL);
    let _ = child.0.wait();
    assert_eq!(json(&suite, "part.json")["status"], "running");
    let out = run(&suite, &["resume", "part.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let resumed = json(&suite, "part.json");
    assert_eq!(resumed["status"], "completed");
    assert_eq!(resumed["resumed"][0]["from_status"], "running");
    assert_eq!(minimal(&resumed), [["p", "v"]]);
    let seeds: Vec<u64> = iterations(&resumed).iter().map(|i| i.1).collect();
    assert_eq!(seeds, [5, 6]);
}

#[test]
fn a_completed_run_has_nothing_to_resume_and_answers_with_its_verdict() {
    let suite = suite();
    let out = run(&suite, &["--seed", "5", "-n", "1", "--report", "done.txt"]);
    assert_eq!(out.status.code(), Some(1));
    let before = fs::read_to_string(suite.path().join("done.json")).expect("json");
    suite.clear_ran();
    let out = run(&suite, &["resume", "done.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("completed; nothing to resume"),
        "{}",
        stdout(&out)
    );
    assert!(suite.ran().is_empty());
    assert_eq!(
        fs::read_to_string(suite.path().join("done.json")).expect("json"),
        before
    );
}

#[test]
fn a_suite_that_changed_since_the_run_is_refused_naming_what_changed() {
    let suite = suite();
    interrupted_after(&suite, 2, &["--seed", "5", "-n", "3"]);
    suite.toml(&["a", "b", "c", "p", "v"], "");
    let out = run(&suite, &["resume", "part.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("changed since the run") && err.contains("5 tests selected now, 12 then"),
        "{err}"
    );
}

#[test]
fn resume_names_a_file_it_cannot_read_or_understand() {
    let suite = suite();
    let out = run(&suite, &["resume", "nope.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read the report 'nope.json'"),
        "{}",
        stderr(&out)
    );
    suite.file("junk.json", "{\"not\": \"a report\"}");
    let out = run(&suite, &["resume", "junk.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a smoke JSON report"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_test_called_resume_stays_reachable() {
    let suite = Suite::new();
    suite.toml(&["resume", "other"], "").dispatcher("");
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "--", "resume"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.ran(), ["resume"]);
    let out = run(&suite, &["resume"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("tip: to run a test called resume, put -- first: smoke -- resume"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_flags_only_run_resumes_in_fresh_folders_once_its_commands_are_trusted() {
    let suite = Suite::new();
    suite.file(
        "t.sh",
        r#"#!/bin/sh
printf '%s\n' "$1" >> "$SMOKE_SUITE_DIR/ran.log"
case "$1" in
  p) touch dirty ;;
  v) [ ! -e dirty ] || exit 1 ;;
esac
sleep 0.1
"#,
    );
    let args = [
        "--run",
        "sh $SMOKE_SUITE_DIR/t.sh {test}",
        "--workdir",
        "fresh",
        "--seed",
        "5",
        "-n",
        "3",
        "a",
        "p",
        "b",
        "v",
    ];
    interrupted_after(&suite, 2, &args);
    // The run command is the report's: refused, naming it, until trusted.
    let out = run(&suite, &["resume", "part.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--run 'sh $SMOKE_SUITE_DIR/t.sh {test}'"),
        "{}",
        stderr(&out)
    );
    let out = run(&suite, &["resume", "part.json", "--trust-report"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--trust-report: running the commands of 'part.json'"),
        "{}",
        stderr(&out)
    );
    let resumed = json(&suite, "part.json");
    assert_eq!(resumed["status"], "completed");
    assert_eq!(minimal(&resumed), [["p", "v"]]);
    let seeds: Vec<u64> = iterations(&resumed).iter().map(|i| i.1).collect();
    assert_eq!(seeds, [5, 6, 7]);
    // Every sequence ran in a folder of its own, as the run's did.
    assert!(!suite.path().join("dirty").exists());
}

#[test]
fn resume_says_the_configs_warnings_as_a_run_does() {
    // Two workers on the suite folder share state: the run warns, and so does its resume.
    let suite = suite();
    let toml = fs::read_to_string(suite.path().join("smoke.toml")).expect("the toml");
    fs::write(
        suite.path().join("smoke.toml"),
        format!("{toml}[smoke]\njobs = 2\n"),
    )
    .expect("write");
    let out = run(
        &suite,
        &["--seed", "3", "-n", "2", "a", "b", "--report", "r.txt"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut stopped = json(&suite, "r.json");
    stopped["status"] = "interrupted".into();
    stopped["completed"] = false.into();
    stopped["iterations"] = serde_json::json!([]);
    fs::write(suite.path().join("r.json"), stopped.to_string()).expect("write");
    let out = run(&suite, &["resume", "r.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("smoke: warning: --jobs 2: the workers share state"),
        "{}",
        stderr(&out)
    );
}
