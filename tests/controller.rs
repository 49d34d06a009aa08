//! `--order external --controller CMD` from the binary, with a real controller process (a
//! scripted Python program, `tests/fixtures/controller/ctl.py`) over a suite whose tests log
//! what really ran: the driven sequence is run, recorded and shrunk; a controller that crashes,
//! says garbage, names an unknown test or goes silent stops the run with a clear error and a
//! report that keeps what ran; Ctrl-C leaves a sealed report and no controller behind.

mod common;

use common::{Suite, alive, stderr, stdout, wait_for};
use std::fs;
use std::time::{Duration, Instant};

const CONTROLLER: &str = include_str!("fixtures/controller/ctl.py");

/// p leaves state/polluted behind, v fails when it finds it; a, b pass; slow sleeps.
fn suite(plans: &str) -> Suite {
    let suite = Suite::new();
    suite
        .toml(&["a", "p", "b", "v", "slow"], "")
        .dispatcher(
            r#"case "$1" in
  p) touch state/polluted ;;
  v) test ! -e state/polluted ;;
  slow) sleep 60 & echo $! >> children.pids; wait ;;
esac"#,
        )
        .file("ctl.py", CONTROLLER)
        .file("plans.json", plans);
    suite
}

fn controlled(suite: &Suite, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--order", "external", "--controller", "python3 ctl.py"];
    args.extend_from_slice(extra);
    suite.smoke(&args)
}

/// The lines smoke sent the controller.
fn received(suite: &Suite) -> Vec<serde_json::Value> {
    fs::read_to_string(suite.path().join("controller.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("smoke sends JSON lines"))
        .collect()
}

#[test]
fn the_controller_chooses_each_test_and_its_failing_sequence_is_shrunk_without_it() {
    let suite = suite(r#"[["a", "p", "b", "v", "a", "!check"], ["v", "b"]]"#);
    let out = controlled(&suite, &["--seed", "40", "-n", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let lines = received(&suite);
    let starts: Vec<&serde_json::Value> = lines.iter().filter(|l| l["event"] == "start").collect();
    // Two sequences, then a third start answered with stop: the controller is never asked while
    // the failure is shrunk.
    assert_eq!(starts.len(), 3, "{lines:?}");
    assert_eq!(starts[0]["iteration"], 1);
    assert_eq!(starts[0]["seed"], 40);
    assert_eq!(starts[0]["seed_str"], "40");
    assert_eq!(starts[1]["seed"], 41);
    assert_eq!(
        common::names(&starts[0]["tests"]),
        ["a", "p", "b", "v", "slow"]
    );
    let results: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l["event"] == "result")
        .map(|l| {
            assert!(l["duration_ms"].is_u64(), "{l}");
            (
                l["test"].as_str().expect("a name").to_string(),
                l["outcome"].as_str().expect("an outcome").to_string(),
            )
        })
        .collect();
    let pass = |t: &str| (t.to_string(), "pass".to_string());
    assert_eq!(
        results,
        [
            pass("a"),
            pass("p"),
            pass("b"),
            ("v".to_string(), "exit 1".to_string()),
            pass("a"),
            pass("v"),
            pass("b"),
        ],
        "the run goes on past a failure until the controller checks"
    );
    // What really ran: the first driven sequence, the shrink's own runs (the failure is shrunk
    // before the next iteration, as with any order on one worker), the second sequence.
    let ran = suite.ran();
    assert_eq!(ran[..5], ["a", "p", "b", "v", "a"]);
    assert_eq!(ran[ran.len() - 2..], ["v", "b"]);

    let report = suite.report();
    assert_eq!(report["options"]["order"], "external");
    assert_eq!(report["options"]["controller"], "python3 ctl.py");
    let iterations = report["iterations"].as_array().expect("iterations");
    assert_eq!(iterations.len(), 3);
    assert_eq!(
        common::names(&iterations[0]["driven"]),
        ["a", "p", "b", "v", "a"]
    );
    assert_eq!(iterations[0]["result"], "failed");
    assert_eq!(common::names(&iterations[1]["driven"]), ["v", "b"]);
    assert_eq!(
        iterations[2]["result"],
        "passed, then the controller said stop"
    );
    let failure = &report["failures"][0];
    assert_eq!(common::names(&failure["original"]), ["a", "p", "b", "v"]);
    assert_eq!(common::names(&failure["minimal"]), ["p", "v"]);
    assert_eq!(failure["proven_minimal"], true);
    assert_eq!(failure["seed"], 40);

    let text = fs::read_to_string(
        suite
            .reports()
            .pop()
            .expect("a report")
            .with_extension("txt"),
    )
    .expect("text report");
    assert!(
        text.contains("order external, controller 'python3 ctl.py', iterations 5, base seed 40"),
        "{text}"
    );
    assert!(
        text.contains("iteration 1 driven: 5 tests: a p b v a"),
        "{text}"
    );
    assert!(text.contains("iteration 3 driven: no test"), "{text}");
    let html = fs::read_to_string(
        suite
            .reports()
            .pop()
            .expect("a report")
            .with_extension("html"),
    )
    .expect("HTML report");
    assert!(
        html.contains("order external, controller"),
        "the HTML names the controller"
    );
    assert!(
        html.contains("driven: 5 tests"),
        "and shows the driven sequence"
    );
}

#[test]
fn a_controller_named_in_smoke_toml_drives_the_run_as_the_flag_does() {
    let suite = Suite::new();
    suite
        .toml(
            &["a", "p", "b", "v", "slow"],
            "[smoke]\norder = \"external\"\ncontroller = \"python3 ctl.py\"\n",
        )
        .dispatcher(
            r#"case "$1" in
  p) touch state/polluted ;;
  v) test ! -e state/polluted ;;
esac"#,
        )
        .file("ctl.py", CONTROLLER)
        .file("plans.json", r#"[["p", "a", "v", "!check"]]"#);
    let out = suite.smoke(&["--seed", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["controller"], "python3 ctl.py");
    assert_eq!(
        common::names(&report["iterations"][0]["driven"]),
        ["p", "a", "v"]
    );
    assert_eq!(common::names(&report["failures"][0]["minimal"]), ["p", "v"]);
}

/// Runs smoke with a controller that fails at its second sequence, and returns smoke's stderr
/// and the report, after checking that the first sequence was kept.
fn fails_in_the_second_sequence(second: &str, extra: &[&str]) -> (String, serde_json::Value) {
    let suite = suite(&format!(r#"[["a", "b", "!check"], ["b", {second}]]"#));
    let started = Instant::now();
    let out = controlled(&suite, extra);
    assert!(started.elapsed() < Duration::from_secs(30), "no hang");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let report = suite.report();
    assert_eq!(report["status"], "error");
    let iterations = report["iterations"].as_array().expect("iterations");
    assert_eq!(iterations.len(), 2, "the report keeps everything so far");
    assert_eq!(common::names(&iterations[0]["driven"]), ["a", "b"]);
    assert_eq!(common::names(&iterations[1]["driven"]), ["b"]);
    assert_eq!(iterations[1]["result"], "controller failed, run stopped");
    assert_eq!(suite.ran(), ["a", "b", "b"]);
    (stderr(&out), report)
}

#[test]
fn a_controller_line_that_is_not_json_is_an_error_naming_the_line() {
    let (err, _) = fails_in_the_second_sequence(r#""!garbage""#, &[]);
    assert!(
        err.contains("controller line 5: 'hello smoke': it is not JSON"),
        "{err}"
    );
    assert!(err.contains("report so far:"), "{err}");
}

#[test]
fn an_unknown_test_name_is_an_error_naming_the_line_and_the_closest_test() {
    let (err, _) = fails_in_the_second_sequence(r#""slwo""#, &[]);
    assert!(
        err.contains(
            r#"controller line 5: '{"run": "slwo"}': it names no test of the run: 'slwo' (did you mean 'slow'?)"#
        ),
        "{err}"
    );
}

#[test]
fn a_controller_that_crashes_is_an_error_with_how_it_ended_and_its_stderr() {
    let (err, _) = fails_in_the_second_sequence(r#""!crash""#, &[]);
    assert!(
        err.contains("the controller 'python3 ctl.py' ended with exit 3 and did not answer"),
        "{err}"
    );
    assert!(
        err.contains(r#"{"event":"result","test":"b","outcome":"pass""#),
        "{err}"
    );
    assert!(err.contains("controller: out of ideas"), "{err}");
}

#[test]
fn a_silent_controller_is_an_error_after_the_timeout() {
    let (err, _) = fails_in_the_second_sequence(r#""!silent""#, &["--timeout", "1s"]);
    assert!(
        err.contains("the controller 'python3 ctl.py' said nothing for 1s after smoke's line"),
        "{err}"
    );
    assert!(err.contains("raise --timeout"), "{err}");
}

#[test]
fn sigint_while_a_driven_test_runs_seals_the_report_and_ends_the_controller() {
    let suite = suite(r#"[["!pid", "a", "slow", "b"]]"#);
    let mut child = suite.spawn(&[
        "--order",
        "external",
        "--controller",
        "python3 ctl.py",
        "--teardown",
        "echo teardown >> teardown.log",
    ]);
    wait_for(&suite.path().join("children.pids"), Duration::from_secs(20));
    child.signal(libc::SIGINT);
    let status = child.0.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    assert!(report["finished_at"].is_string(), "sealed");
    let iteration = &report["iterations"][0];
    assert_eq!(iteration["result"], "interrupted");
    assert_eq!(common::names(&iteration["driven"]), ["a", "slow"]);
    assert_eq!(
        fs::read_to_string(suite.path().join("teardown.log"))
            .expect("teardown ran")
            .lines()
            .count(),
        1
    );
    let pid: i32 = fs::read_to_string(suite.path().join("controller.pid"))
        .expect("the controller wrote its pid")
        .trim()
        .parse()
        .expect("a pid");
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "the controller {pid} still runs");
}

#[test]
fn what_a_controller_cannot_go_with_is_refused_up_front() {
    let suite = suite("[]");
    let table: [(&[&str], &str); 6] = [
        (
            &["--order", "external"],
            "order external needs --controller CMD",
        ),
        (
            &["--controller", "python3 ctl.py"],
            "--controller goes with --order external (the order is random)",
        ),
        (
            &["--order", "external", "--controller", "x", "--jobs", "2"],
            "so it runs on one worker: leave --jobs",
        ),
        (
            &[
                "--order",
                "external",
                "--controller",
                "x",
                "--batch",
                "sh run.sh {tests}",
            ],
            "so it needs per-test mode",
        ),
        (
            &["--bug-mode", "--controller", "x"],
            "--controller would have no effect",
        ),
        (
            &["--control-dir", "ctl", "--order", "external"],
            "use one or the other",
        ),
    ];
    for (args, message) in table {
        let out = suite.smoke(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    assert!(suite.ran().is_empty(), "nothing ran");
    let out = controlled(&suite, &["--times", "3"]);
    assert!(
        stderr(&out).contains("--times is ignored with --order external"),
        "{}",
        stderr(&out)
    );
}
