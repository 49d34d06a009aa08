//! Never a false proof, never a hang: the real binary in the set-ups where smoke once said
//! "verified" over a wrong answer or never returned. `--keep-going` with a test failing twice in
//! one iteration; state left in the suite folder by a sequence; workers that share state; a
//! flaky test under the default `--retries 0`. Each test fails if its fix is undone; the
//! table in docs/reliability.md lists them.

mod common;

use common::{Suite, names, stderr, stdout};
use std::fs;
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

#[test]
fn a_file_left_by_an_earlier_sequence_is_leftover_state_even_when_the_victim_never_passed() {
    // The issue's reproduction: rotate runs a p v once; v fails on the file p left. Alone it
    // fails too (the file is still there), and it never passed before, so the check "where it
    // first passed" cannot run: the suite folder, compared with the first setup's, can.
    let suite = Suite::new();
    suite
        .file(
            "smoke.toml",
            "[suite]\ntests = [\"a\", \"p\", \"v\"]\nrun = \"sh run.sh {test}\"\n",
        )
        .dispatcher(
            r#"case "$1" in
  p) touch leak ;;
  v) [ ! -e leak ] || { echo "leak is there"; exit 1; } ;;
esac"#,
        );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let f = &suite.report()["failures"][0];
    assert_eq!(f["classification"], "leftover-state", "{f}");
    assert_eq!(f["proven_minimal"], false);
    let hint = f["hint"].as_str().unwrap_or_default();
    assert!(hint.contains("created leak"), "{hint}");
    assert!(hint.contains("--workdir fresh"), "{hint}");
    assert!(!stdout(&out).contains(", verified"), "{}", stdout(&out));

    // In a fresh folder per sequence the same suite is the pair it really is.
    fs::remove_file(suite.path().join("leak")).expect("the leak");
    let out = suite.smoke(&[
        "--order",
        "rotate",
        "--times",
        "1",
        "--workdir",
        "fresh",
        "--run",
        "sh \"$SMOKE_SUITE_DIR/run.sh\" {test}",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let f = &suite.report()["failures"][0];
    assert_eq!(f["classification"], "order-dependent", "{f}");
    assert_eq!(names(&f["minimal"]), ["p", "v"]);
    assert_eq!(f["proven_minimal"], true);
}

#[test]
fn runner_caches_and_files_a_setup_rebuilds_are_not_leftover_state() {
    // v fails alone, truly. The tests write a runner cache (__pycache__) and setup rebuilds
    // state/ every time: neither is state left by a sequence.
    let suite = Suite::new();
    suite.toml(&["a", "v"], "").file(
        "run.sh",
        r#"mkdir -p __pycache__ && date +%s%N > __pycache__/x.pyc
date +%s%N > state/out
case "$1" in
  v) exit 1 ;;
esac"#,
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let f = &suite.report()["failures"][0];
    assert_eq!(f["classification"], "fails-alone", "{f}");
    assert_eq!(f["proven_minimal"], true, "{f}");
    assert!(
        stdout(&out).contains("1-minimal, verified"),
        "{}",
        stdout(&out)
    );
}

/// A suite whose `v` fails on every other run of it, whatever ran before: flaky, at 50 %. The
/// count lives outside the suite folder (it is the test's own business, not shared state).
fn alternating(suite: &Suite, counter: &std::path::Path) {
    suite
        .file(
            "smoke.toml",
            "[suite]\ntests = [\"a\", \"b\", \"c\", \"v\"]\nrun = \"sh run.sh {test}\"\n",
        )
        .dispatcher(&format!(
            r#"case "$1" in
  v) n=$(cat '{c}' 2>/dev/null || echo 0); n=$((n + 1)); echo $n > '{c}'
     [ $((n % 2)) -eq 0 ] || {{ echo "odd run"; exit 1; }} ;;
esac"#,
            c = counter.display()
        ));
}

#[test]
fn a_flaky_test_is_never_a_verified_order_bug_under_the_default_retries() {
    let elsewhere = tempfile::tempdir().expect("a temp folder");
    for order in ["rotate", "reverse", "random"] {
        let suite = Suite::new();
        let counter = elsewhere.path().join(format!("{order}.count"));
        alternating(&suite, &counter);
        let out = suite.smoke(&["--order", order, "--times", "1", "-n", "3", "--seed", "7"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let report = suite.report();
        let failures = report["failures"].as_array().expect("failures");
        assert_eq!(
            failures.len(),
            1,
            "one flaky test, one failure: {failures:?}"
        );
        let f = &failures[0];
        assert_eq!(f["classification"], "flaky", "{order}: {f}");
        assert_eq!(f["proven_minimal"], false, "{order}: {f}");
        let (failed, runs) = (
            f["reproduced"]["failed"].as_u64().expect("failed"),
            f["reproduced"]["runs"].as_u64().expect("runs"),
        );
        assert!(failed < runs && runs >= 10, "{order}: rate {failed}/{runs}");
        let said = stdout(&out);
        assert!(!said.contains(", verified"), "{order}: {said}");
        assert!(
            said.contains("FAILURE 1: flaky (not verified"),
            "{order}: {said}"
        );
    }
}

#[test]
fn workers_that_share_state_never_give_a_verified_false_answer() {
    // v fails only while another test runs beside it (their marker files): on one worker alone
    // it always passes. With two workers it fails now and then, and every shrink candidate may
    // run beside an iteration. Nothing may be called verified.
    let suite = Suite::new();
    let tests = ["a1", "a2", "a3", "a4", "v"];
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  a*) touch "running.$1"; sleep 0.3; rm -f "running.$1" ;;
  v) sleep 0.1; if ls running.* >/dev/null 2>&1; then echo "busy beside me"; exit 1; fi ;;
esac"#,
    );
    let mut found = false;
    for seed in ["1", "2", "3", "4", "5", "6"] {
        let out = suite.smoke(&["--jobs", "2", "-n", "6", "--seed", seed]);
        let report = suite.report();
        let failures = report["failures"].as_array().expect("failures").clone();
        if failures.is_empty() {
            continue;
        }
        found = true;
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        for f in &failures {
            assert_eq!(f["proven_minimal"], false, "seed {seed}: {f}");
            assert_ne!(f["classification"], "fails-alone", "seed {seed}: {f}");
            assert_ne!(f["classification"], "order-dependent", "seed {seed}: {f}");
        }
        assert!(!stdout(&out).contains(", verified"), "{}", stdout(&out));
        break;
    }
    assert!(
        found,
        "two workers never made v fail: the test proves nothing"
    );
}

#[test]
fn a_real_pair_found_by_two_workers_is_confirmed_on_one_and_verified() {
    // The shared-state fix must not cost real answers: p leaves a file that v trips over, and
    // each worker has its own state folder, so the pair holds alone too.
    let suite = Suite::new();
    suite
        .file(
            "smoke.toml",
            "[suite]\ntests = [\"a\", \"p\", \"b\", \"v\", \"c\"]\nrun = \"sh run.sh {test}\"\n\
             setup = \"rm -rf state$SMOKE_WORKER && mkdir state$SMOKE_WORKER\"\n",
        )
        .dispatcher(
            r#"case "$1" in
  p) touch "state$SMOKE_WORKER/polluted" ;;
  v) [ ! -e "state$SMOKE_WORKER/polluted" ] || exit 1 ;;
esac"#,
        );
    let out = suite.smoke(&["--jobs", "2", "-n", "6", "--seed", "3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let f = &suite.report()["failures"][0];
    assert_eq!(names(&f["minimal"]), ["p", "v"]);
    assert_eq!(f["classification"], "order-dependent");
    assert_eq!(f["proven_minimal"], true, "{f}");
}

#[test]
fn a_verified_pair_s_verbose_rerun_is_the_first_of_its_confirming_runs_not_one_more() {
    // p leaves a file that v trips over. The verbose rerun (logged) is the confirmation's first
    // run of the pair: 4 more failing runs of [p, v] and 2 passing runs of [v], 6 in all, and
    // no seventh run after them.
    let suite = Suite::new();
    suite.toml(&["a", "p", "b", "v"], "").dispatcher(
        "case \"$1\" in\n  p) touch state/dirty ;;\n  v) test ! -e state/dirty ;;\nesac",
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let f = &report["failures"][0];
    assert_eq!(names(&f["minimal"]), ["p", "v"]);
    assert_eq!(f["proven_minimal"], true, "{f}");
    assert_eq!(f["confirmation"]["runs"], 6, "{f}");
    assert_eq!(f["confirmation"]["verbose_rerun"], true, "{f}");
    assert_eq!(f["rerun"], "exit 1", "{f}");
    // The iteration, the shrink's candidates, the 6 confirming runs: nothing else.
    let tries = f["tries"].as_u64().expect("tries");
    assert_eq!(report["stats"]["sequence_runs"], 1 + tries + 6, "{report}");
    assert!(
        stdout(&out).contains("as 6 more runs confirmed, the verbose rerun among them")
            || stderr(&out).contains("as 6 more runs confirmed, the verbose rerun among them"),
        "{}",
        stderr(&out)
    );
    // Its log is the pair's run, and the only one: one failing run logged in full.
    let log = fs::read_to_string(f["log"].as_str().expect("a log")).expect("the log is kept");
    assert!(log.contains("=== p ===\n--- p: ok"), "{log}");
    assert!(log.contains("=== v ===\n--- v: exit 1"), "{log}");
    assert_eq!(log.matches("=== v ===").count(), 1, "{log}");
}

/// A pytest suite in `suite`: `files` are (name, source) pairs; pytest.ini keeps the folder on
/// the path and randomness off.
fn pytest_suite(files: &[(&str, &str)]) -> Suite {
    common::require_pytest();
    let suite = Suite::new();
    suite.file(
        "pytest.ini",
        "[pytest]\npythonpath = .\naddopts = -p no:randomly\n",
    );
    for (name, source) in files {
        suite.file(name, source);
    }
    suite
}

#[test]
fn pytest_a_file_left_by_a_polluter_is_leftover_state_not_a_verified_fails_alone() {
    // The gtest/pytest shape of the issue: the polluter writes into the working folder, no
    // setup; its victim never passed before it failed.
    let suite = pytest_suite(&[(
        "test_leak.py",
        "import os\n\n\ndef test_a():\n    pass\n\n\ndef test_p():\n    open('leak', 'w').close()\n\n\n\
         def test_v():\n    assert not os.path.exists('leak')\n",
    )]);
    let out = suite.smoke(&["--preset", "pytest", "--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let f = &suite.report()["failures"][0];
    assert_eq!(f["test"], "test_leak.py::test_v");
    assert_eq!(f["classification"], "leftover-state", "{f}");
    assert_eq!(f["proven_minimal"], false);
    assert!(
        f["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("created leak"),
        "pytest's own caches are not named: {f}"
    );
}

#[test]
fn pytest_a_flaky_test_is_flaky_with_its_rate_never_verified() {
    let counter = tempfile::tempdir().expect("a temp folder");
    let count = counter.path().join("runs");
    let suite = pytest_suite(&[(
        "test_flaky.py",
        &format!(
            "import pathlib\n\nCOUNT = pathlib.Path({count:?})\n\n\ndef test_a():\n    pass\n\n\n\
             def test_b():\n    pass\n\n\ndef test_v():\n    n = int(COUNT.read_text()) + 1 if \
             COUNT.exists() else 1\n    COUNT.write_text(str(n))\n    assert n % 2 == 0, 'odd run'\n",
            count = count.display().to_string()
        ),
    )]);
    let out = suite.smoke(&["--preset", "pytest", "--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let f = &suite.report()["failures"][0];
    assert_eq!(f["classification"], "flaky", "{f}");
    assert_eq!(f["proven_minimal"], false, "{f}");
    assert!(!stdout(&out).contains(", verified"), "{}", stdout(&out));
}

#[test]
fn pytest_keep_going_with_tests_failing_twice_ends_with_both_failures() {
    // Batch mode with the repeat order: a b a b in one pytest, both failing each time.
    let suite = pytest_suite(&[(
        "test_both.py",
        "def test_a():\n    assert False\n\n\ndef test_b():\n    assert False\n",
    )]);
    let out = smoke_within(
        &suite,
        &[
            "--preset",
            "pytest",
            "--mode",
            "per-test",
            "--keep-going",
            "--order",
            "rotate",
            "--times",
            "2",
        ],
        Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["status"], "completed");
    let failures = report["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(!stderr(&out).contains("failure 3"), "{}", stderr(&out));
}

#[test]
fn pytest_workers_sharing_a_folder_never_give_a_verified_false_answer() {
    // Per-test pytest: v fails only while a test runs beside it on the other worker.
    let suite = pytest_suite(&[(
        "test_busy.py",
        "import glob, os, time\n\n\ndef busy(name):\n    open('running.' + name, 'w').close()\n    \
         time.sleep(0.4)\n    os.remove('running.' + name)\n\n\ndef test_a1():\n    busy('a1')\n\n\n\
         def test_a2():\n    busy('a2')\n\n\ndef test_a3():\n    busy('a3')\n\n\ndef test_v():\n    \
         time.sleep(0.1)\n    assert not glob.glob('running.*'), 'busy beside me'\n",
    )]);
    let mut found = false;
    // Every seed: the old code called some of these verified, not all.
    for seed in ["1", "2", "3"] {
        let out = suite.smoke(&[
            "--preset", "pytest", "--mode", "per-test", "--jobs", "2", "-n", "4", "--seed", seed,
        ]);
        let report = suite.report();
        let failures = report["failures"].as_array().expect("failures").clone();
        if failures.is_empty() {
            continue;
        }
        found = true;
        for f in &failures {
            assert_eq!(f["proven_minimal"], false, "seed {seed}: {f}");
        }
        assert!(!stdout(&out).contains(", verified"), "{}", stdout(&out));
    }
    assert!(
        found,
        "two workers never made test_v fail: the test proves nothing"
    );
}

#[test]
fn a_victim_broken_by_any_of_many_tests_is_one_group_not_many_unique_failures() {
    // Any of the twelve t* tests leaves state/dirty (as a shared fixture would); v fails on it.
    let mut tests: Vec<String> = (1..=12).map(|i| format!("t{i:02}")).collect();
    tests.push("v".into());
    let suite = Suite::new();
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  t*) touch state/dirty ;;
  v) [ ! -e state/dirty ] || { echo dirty; exit 1; } ;;
esac"#,
    );
    let out = suite.smoke(&["-n", "12", "--seed", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failures = report["failures"].as_array().expect("failures");
    let found = report["stats"]["failures_found"].as_u64().expect("found");
    assert!(
        found > 3,
        "the seed must make v fail more often than the group's size: {found}"
    );
    assert_eq!(
        failures.len(),
        3,
        "three different polluters, then the group: {failures:?}"
    );
    for f in failures {
        assert_eq!(f["test"], "v");
        assert_eq!(f["classification"], "order-dependent");
    }
    let shared = &report["shared_victims"];
    assert_eq!(shared[0]["victim"], "v", "{report}");
    assert_eq!(shared[0]["polluters"].as_array().map(Vec::len), Some(3));
    assert!(
        stderr(&out).contains("or more different tests): counted, not shrunk again"),
        "{}",
        stderr(&out)
    );
    let text = String::from_utf8(
        fs::read(
            suite
                .reports()
                .pop()
                .expect("a report")
                .with_extension("txt"),
        )
        .expect("text"),
    )
    .expect("utf-8");
    assert!(text.contains("v fails after any of 3 tests: "), "{text}");
}
