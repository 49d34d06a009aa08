//! `smoke --control-dir DIR` with `smoke op DIR` and `smoke check DIR` from the binary, driven
//! by a shell script that only runs commands (`tests/fixtures/control_dir/driver.sh`, as an
//! Antithesis test template would): every op runs the next test of smoke's order and exits with
//! its status, check ends the sequence with the verdict; a signal to a waiting op withdraws it
//! cleanly, and a smoke stopped while an op waits leaves that op with a clear error, not a hang.

mod common;

use common::{Suite, stderr, wait_for};
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const DRIVER: &str = include_str!("fixtures/control_dir/driver.sh");
const SMOKE: &str = env!("CARGO_BIN_EXE_smoke");

/// p leaves state/polluted behind, v fails when it finds it; slow runs until killed or for
/// $SLOW seconds.
fn suite() -> Suite {
    let suite = Suite::new();
    suite
        .toml(&["a", "p", "b", "v", "slow"], "")
        .dispatcher(
            r#"case "$1" in
  p) touch state/polluted ;;
  v) test ! -e state/polluted ;;
  slow) sleep "${SLOW:-60}" & echo $! >> children.pids; wait ;;
esac"#,
        )
        .file("driver.sh", DRIVER);
    suite
}

/// `smoke --control-dir ctl args...` in the background, its test slow lasting `slow` seconds.
fn watch(suite: &Suite, slow: u32, args: &[&str]) -> common::KillOnDrop {
    common::KillOnDrop(
        suite
            .command()
            .args(["--report-dir", "reports", "--control-dir", "ctl"])
            .args(args)
            .env("SLOW", slow.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("smoke starts"),
    )
}

/// `smoke op|check DIR args...` in the suite folder, started.
fn client(suite: &Suite, verb: &str, args: &[&str]) -> Child {
    Command::new(SMOKE)
        .current_dir(suite.path())
        .arg(verb)
        .arg("ctl")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("smoke op starts")
}

fn finish(child: Child) -> Output {
    child.wait_with_output().expect("wait")
}

/// No FIFO is left in the control folder.
fn no_fifo_left(dir: &Path) {
    let left: Vec<String> = fs::read_dir(dir)
        .expect("the folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "smoke.lock")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_shell_driver_runs_ops_a_random_number_of_times_then_checks() {
    // Seed 7's order is v a b p slow, so 8 ops run v a b p slow v a b: from the start again
    // after five, and v fails after p. The other rounds take the driver's own random count.
    for (round, (seed, ops)) in [("7", Some("8")), ("11", None), ("9", None)]
        .into_iter()
        .enumerate()
    {
        let suite = suite();
        let mut smoke = watch(&suite, 0, &["--seed", seed, "--times", "1"]);
        let mut driver = Command::new("sh");
        driver
            .current_dir(suite.path())
            .args(["driver.sh", "ctl"])
            .env("SMOKE", SMOKE);
        if let Some(ops) = ops {
            driver.env("OPS", ops);
        }
        let driver = driver.status().expect("the driver runs");
        assert!(driver.success());
        let status = smoke.0.wait().expect("smoke ends after check");
        let read = |f: &str| fs::read_to_string(suite.path().join(f)).expect(f);
        let n: usize = read("ops.count").trim().parse().expect("a count");

        // Each op printed one result line, and exited with its test's status.
        let out = read("ops.out");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2 * n, "round {round}: {out}");
        let mut tests = Vec::new();
        let mut failed = false;
        for pair in lines.chunks(2) {
            let result: serde_json::Value = serde_json::from_str(pair[0]).expect("JSON");
            assert_eq!(result["event"], "result");
            let outcome = result["outcome"].as_str().expect("an outcome");
            let expected = if outcome == "pass" { 0 } else { 1 };
            failed |= outcome != "pass";
            assert_eq!(pair[1], format!("status {expected}"), "{out}");
            tests.push(result["test"].as_str().expect("a name").to_string());
        }
        // What really ran first is what the ops said, in order: the seed's random order,
        // from its start again after five.
        let ran = suite.ran();
        assert_eq!(ran[..n], tests[..], "round {round}");
        let order = &tests[..n.min(5)];
        for (i, test) in tests.iter().enumerate() {
            assert_eq!(test, &order[i % 5], "round {round}: {tests:?}");
        }

        let verdict: serde_json::Value =
            serde_json::from_str(read("check.out").trim()).expect("a verdict line");
        let code = if failed { 1 } else { 0 };
        assert_eq!(verdict["event"], "verdict");
        assert_eq!(verdict["verdict"], if failed { "fail" } else { "pass" });
        assert_eq!(verdict["exit"], code);
        assert_eq!(read("check.status").trim(), code.to_string());
        assert_eq!(status.code(), Some(code), "smoke exits as check did");

        let report = suite.report();
        assert_eq!(report["status"], "completed");
        assert!(
            report["options"]["control_dir"]
                .as_str()
                .expect("the folder")
                .ends_with("/ctl")
        );
        assert_eq!(common::names(&report["iterations"][0]["driven"]), tests);
        assert_eq!(
            verdict["report"].as_str(),
            suite
                .reports()
                .pop()
                .map(|p| p.with_extension("txt").display().to_string())
                .as_deref()
        );
        if round == 0 {
            assert!(failed, "{tests:?}");
            assert_eq!(tests, ["v", "a", "b", "p", "slow", "v", "a", "b"]);
        }
        if failed {
            let failure = &report["failures"][0];
            assert_eq!(failure["test"], "v");
            assert_eq!(common::names(&failure["minimal"]), ["p", "v"]);
        }
        no_fifo_left(&suite.path().join("ctl"));
    }
}

#[test]
fn a_failing_op_exits_with_the_test_status_and_check_with_1() {
    let suite = suite();
    let mut smoke = watch(&suite, 2, &["--order", "rotate", "--times", "1", "p", "v"]);
    let p = finish(client(&suite, "op", &[]));
    assert_eq!(p.status.code(), Some(0));
    let v = finish(client(&suite, "op", &[]));
    assert_eq!(v.status.code(), Some(1), "{}", stderr(&v));
    assert!(
        String::from_utf8_lossy(&v.stdout)
            .starts_with(r#"{"event":"result","test":"v","outcome":"exit 1","duration_ms":"#),
        "{v:?}"
    );
    let check = finish(client(&suite, "check", &[]));
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stdout).contains(r#""verdict":"fail""#));
    assert_eq!(smoke.0.wait().expect("ends").code(), Some(1));
    // An op after the check finds no smoke: the sequence, and that smoke, ended.
    let late = finish(client(&suite, "op", &["--wait", "300ms"]));
    assert_eq!(late.status.code(), Some(2));
    assert!(
        stderr(&late).contains("no smoke is watching"),
        "{}",
        stderr(&late)
    );
}

#[test]
fn an_op_with_no_smoke_watching_says_so_after_its_wait() {
    let suite = suite();
    let started = Instant::now();
    let out = finish(client(&suite, "op", &["--wait", "300ms"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no smoke is watching") && stderr(&out).contains("--control-dir"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(out.stdout.is_empty());
}

#[test]
fn sigint_to_a_waiting_op_withdraws_it_and_the_next_op_gets_its_own_result() {
    let suite = suite();
    let mut smoke = watch(
        &suite,
        2,
        &["--order", "rotate", "--times", "1", "slow", "a"],
    );
    // The first op waits while slow runs (2 s).
    let first = client(&suite, "op", &[]);
    wait_for(&suite.path().join("children.pids"), Duration::from_secs(20));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(first.id() as i32, libc::SIGINT) };
    let first = finish(first);
    assert_eq!(first.status.code(), Some(130));
    assert!(first.stdout.is_empty());
    assert!(
        stderr(&first).contains("interrupted by signal 2 while waiting; the request was withdrawn"),
        "{}",
        stderr(&first)
    );
    // Nor does one whose op was killed outright, never to read it (made here with mkfifo).
    let stale = Command::new("mkfifo")
        .arg(suite.path().join("ctl/op-1-1"))
        .status()
        .expect("mkfifo runs");
    assert!(stale.success());
    // No stale FIFO confuses the next op: it gets a's result, not slow's, and the stale one
    // runs nothing.
    let second = finish(client(&suite, "op", &[]));
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(
        String::from_utf8_lossy(&second.stdout).contains(r#""test":"a""#),
        "{second:?}"
    );
    let check = finish(client(&suite, "check", &[]));
    assert_eq!(check.status.code(), Some(0));
    assert_eq!(smoke.0.wait().expect("ends").code(), Some(0));
    assert_eq!(suite.ran(), ["slow", "a"]);
    no_fifo_left(&suite.path().join("ctl"));
}

#[test]
fn smoke_interrupted_while_an_op_waits_leaves_the_op_a_clear_error() {
    let suite = suite();
    let mut smoke = suite.spawn(&["--control-dir", "ctl", "--order", "rotate", "slow"]);
    let op = client(&suite, "op", &[]);
    wait_for(&suite.path().join("children.pids"), Duration::from_secs(20));
    let started = Instant::now();
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(smoke.0.id() as i32, libc::SIGINT) };
    assert_eq!(smoke.0.wait().expect("smoke ends").code(), Some(130));
    let op = finish(op);
    assert!(started.elapsed() < Duration::from_secs(20), "no hang");
    assert_eq!(op.status.code(), Some(2));
    assert!(
        stderr(&op).contains("smoke stopped before the test ended: interrupted by signal 2"),
        "{}",
        stderr(&op)
    );
    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    assert!(report["finished_at"].is_string(), "sealed");
    assert_eq!(common::names(&report["iterations"][0]["driven"]), ["slow"]);
}

#[test]
fn smoke_killed_outright_while_an_op_waits_is_noticed_by_the_op() {
    let suite = suite();
    // slow outlives smoke by a few seconds only: smoke killed outright cannot kill it.
    let mut smoke = watch(&suite, 5, &["--order", "rotate", "slow"]);
    let op = client(&suite, "op", &[]);
    wait_for(&suite.path().join("children.pids"), Duration::from_secs(20));
    let started = Instant::now();
    smoke.0.kill().expect("SIGKILL");
    let _ = smoke.0.wait();
    let op = finish(op);
    assert!(started.elapsed() < Duration::from_secs(20), "no hang");
    assert_eq!(op.status.code(), Some(2));
    assert!(
        stderr(&op).contains("stopped before answering"),
        "{}",
        stderr(&op)
    );
}

#[test]
fn one_folder_takes_one_smoke_and_the_verbs_are_words_only_first() {
    let suite = suite();
    let _first = suite.spawn(&["--control-dir", "ctl"]);
    wait_for(
        &suite.path().join("ctl/smoke.lock"),
        Duration::from_secs(20),
    );
    std::thread::sleep(Duration::from_millis(200));
    let out = suite.smoke(&["--control-dir", "ctl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("another smoke is watching the control folder"),
        "{}",
        stderr(&out)
    );

    // `smoke -- op` and `smoke -- check` run tests of those names.
    let named = Suite::new();
    named.toml(&["op", "check"], "").dispatcher("");
    let out = named
        .command()
        .args(["--", "op", "check"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut ran = named.ran();
    ran.sort();
    ran.dedup();
    assert_eq!(ran, ["check", "op"], "both are tests here");
    let out = named.command().arg("op").output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("to run a test called op, put -- first: smoke -- op"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_antithesis_example_commands_drive_smoke_as_the_test_composer_would() {
    let suite = suite();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/antithesis");
    for script in ["serial_driver_smoke_op.sh", "finally_smoke_check.sh"] {
        let text = fs::read_to_string(examples.join(script)).expect("the example");
        suite.file(script, &text);
    }
    let mut smoke = watch(
        &suite,
        0,
        &["--order", "rotate", "--times", "1", "a", "p", "v"],
    );
    let bin = Path::new(SMOKE).parent().expect("the binary's folder");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let command = |script: &str| {
        Command::new(suite.path().join(script))
            .current_dir(suite.path())
            .env("PATH", &path)
            .env("SMOKE_CONTROL_DIR", suite.path().join("ctl"))
            .output()
            .expect("the test command runs")
    };
    let statuses: Vec<Option<i32>> = (0..3)
        .map(|_| command("serial_driver_smoke_op.sh").status.code())
        .collect();
    assert_eq!(statuses, [Some(0), Some(0), Some(1)], "a, p, then v fails");
    let check = command("finally_smoke_check.sh");
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout)
            .contains(r#""verdict":"fail","exit":1,"failures":1"#)
    );
    assert_eq!(smoke.0.wait().expect("ends").code(), Some(1));
    let report = suite.report();
    assert_eq!(common::names(&report["failures"][0]["minimal"]), ["p", "v"]);
}

#[test]
fn sigterm_to_smoke_waiting_for_its_first_op_seals_an_empty_driven_sequence() {
    let suite = suite();
    let mut smoke = watch(&suite, 0, &["--teardown", "echo teardown >> teardown.log"]);
    wait_for(
        &suite.path().join("ctl/smoke.lock"),
        Duration::from_secs(20),
    );
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(smoke.0.id() as i32, libc::SIGTERM) };
    assert_eq!(smoke.0.wait().expect("smoke ends").code(), Some(143));
    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    assert!(report["finished_at"].is_string(), "sealed");
    assert_eq!(report["iterations"][0]["result"], "interrupted");
    assert_eq!(
        common::names(&report["iterations"][0]["driven"]),
        Vec::<String>::new()
    );
    assert!(suite.ran().is_empty());
    assert_eq!(
        fs::read_to_string(suite.path().join("teardown.log")).expect("teardown ran"),
        "teardown\n"
    );
    let late = finish(client(&suite, "check", &["--wait", "300ms"]));
    assert_eq!(late.status.code(), Some(2), "no smoke watches any more");
    // Only its driver could take such a sequence up again: resume refuses, saying so.
    let report = suite.reports().pop().expect("the report");
    let out = suite
        .command()
        .arg("resume")
        .arg(&report)
        .output()
        .expect("smoke resume runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("paced through the control folder"),
        "{}",
        stderr(&out)
    );
}
