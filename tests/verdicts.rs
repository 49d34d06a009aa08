//! Never a false proof, never a hang: the real binary in the set-ups where smoke once said
//! "verified" over a wrong answer or never returned. `--keep-going` with a test failing twice in
//! one iteration; state left in the suite folder by a sequence; workers that share state; a
//! flaky test under the default `--retries 0`. Each test fails if its fix is undone; the
//! README's Reliability table lists them.

mod common;

use common::{Suite, names, stderr};
use std::time::{Duration, Instant};

/// Run smoke with `args`, killing it (and failing) if it has not ended within `limit`: these
/// runs once hung forever.
fn smoke_within(suite: &Suite, args: &[&str], limit: Duration) -> std::process::Output {
    let mut cmd = suite.command();
    cmd.args(["--report-dir", "reports"]).args(args);
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("smoke starts");
    let pid = child.id() as i32;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("smoke ran"),
        Err(_) => {
            // SAFETY: kill(2) on our own child, which has not been reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("smoke {args:?} did not end within {limit:?}: it hangs");
        }
    }
}

#[test]
fn keep_going_with_two_tests_failing_twice_each_ends_and_names_only_real_failures() {
    // repeat --times 2 runs f1 f1 f2 f2: four failures of two tests in one iteration. The
    // second f1 waited for the first, and both closing woke the f2s twice: the second shrink of
    // one failure waited forever for answers.
    let suite = Suite::new();
    suite
        .toml(&["f1", "f2"], "")
        .dispatcher("case \"$1\" in f*) exit 1 ;; esac");
    let started = Instant::now();
    let out = smoke_within(
        &suite,
        &["--keep-going", "--order", "repeat", "--times", "2"],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["status"], "completed", "{report}");
    assert_eq!(report["stats"]["failures_found"], 4, "{}", report["stats"]);
    let failures = report["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 2, "{failures:?}");
    for (f, test) in failures.iter().zip(["f1", "f2"]) {
        assert_eq!(names(&f["minimal"]), [test]);
        assert_eq!(f["seen"], 2, "{f}");
    }
    // The bookkeeping lines name the failures as the run numbered them: 1 and 2, never 3.
    let err = stderr(&out);
    assert!(err.contains("failure 1 again"), "{err}");
    assert!(err.contains("failure 2 again"), "{err}");
    assert!(!err.contains("failure 3"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn keep_going_under_an_outside_controller_ends_with_every_failure_handled() {
    // The driven path shares the "every failing test is a failure" step.
    let suite = Suite::new();
    suite
        .toml(&["f1", "f2", "a"], "")
        .dispatcher("case \"$1\" in f*) exit 1 ;; esac")
        .file("ctl.py", include_str!("fixtures/controller/ctl.py"))
        .file("plans.json", r#"[["f1", "a", "f1", "f2", "f2", "!check"]]"#);
    let out = smoke_within(
        &suite,
        &[
            "--keep-going",
            "--order",
            "external",
            "--controller",
            "python3 ctl.py",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["status"], "completed", "{report}");
    let failures = report["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert_eq!(names(&failures[0]["minimal"]), ["f1"]);
    assert_eq!(names(&failures[1]["minimal"]), ["f2"]);
    assert!(!stderr(&out).contains("failure 3"), "{}", stderr(&out));
}
