//! The real binary: names as data, exit codes, errors, signals, bug mode, seeds and the ways a
//! suite can be given.

mod common;

use common::{Suite, alive, names, stderr, stdout, toml_string, wait_for};
use std::fs;
use std::time::{Duration, Instant};

#[test]
fn odd_test_names_are_data_never_shell_code() {
    let odd = [
        "it's a $(touch pwned1) pollute test",
        "victim; touch pwned2",
        "`touch pwned3` filler",
        "spaces  and\ttab | cat > pwned4",
        "\"quoted\" && touch pwned5",
        "-dash filler",
        "ünïcödé filler",
    ];
    let suite = Suite::new();
    suite.toml(&odd, "").dispatcher(
        r#"case "$1" in
  *pollute*) touch state/dirty ;;
  victim*) [ ! -e state/dirty ] || exit 1 ;;
esac"#,
    );
    let out = suite.smoke(&["--seed", "5", "-n", "4"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let planted: Vec<_> = fs::read_dir(suite.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("pwned"))
        .collect();
    assert!(
        planted.is_empty(),
        "a name was run as shell code: {planted:?}"
    );
    for ran in suite.ran() {
        assert!(
            odd.contains(&ran.as_str()),
            "ran something that is not a test: {ran:?}"
        );
    }
    let failure = &suite.report()["failures"][0];
    assert_eq!(names(&failure["minimal"]), [odd[0], odd[1]]);

    // The replay command, pasted into a shell, runs exactly those two names.
    let replay = failure["replay"].as_str().expect("replay");
    let words = shlex::split(replay).expect("valid shell words");
    assert_eq!(words[words.len() - 2..], [odd[0], odd[1]]);
    suite.clear_ran();
    let again = suite.smoke(&words[1..].iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert_eq!(suite.ran()[..2], [odd[0], odd[1]]);
}

#[test]
fn names_from_the_command_line_restrict_and_order_the_run() {
    let suite = Suite::new();
    suite.toml(&["a", "b", "c"], "").dispatcher("");
    let out = suite.smoke(&["--order", "repeat", "--times", "2", "c", "a"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.ran(), ["c", "c", "a", "a"]);
    suite.clear_ran();
    suite.smoke(&["--order", "rotate", "--times", "2", "b", "a"]);
    assert_eq!(suite.ran(), ["b", "a", "b", "a"]);
}

#[test]
fn no_failure_exits_0_with_a_completed_report() {
    let suite = Suite::new();
    suite.toml(&["a", "b", "c"], "").dispatcher("");
    let out = suite.smoke(&["--seed", "1", "-n", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["completed"], true);
    assert_eq!(report["status"], "completed");
    assert_eq!(report["failures"], serde_json::json!([]));
    assert_eq!(report["iterations"].as_array().expect("array").len(), 3);
    assert_eq!(report["stats"]["test_executions"], 18);
    assert_eq!(suite.ran().len(), 18);
    assert!(
        stdout(&out).contains("0 failure(s) found"),
        "{}",
        stdout(&out)
    );
    // The text report sits beside the JSON one.
    let json = suite.reports().pop().expect("json");
    let text = fs::read_to_string(json.with_extension("txt")).expect("text report");
    assert!(text.contains("status            completed"), "{text}");
    assert!(text.contains("Build parameters"));
}

#[test]
fn bad_input_exits_2_with_a_message_that_says_how_to_fix_it() {
    let run = r#"run = "sh run.sh {test}""#;
    let table: Vec<(String, Vec<&str>, &str)> = vec![
        (String::new(), vec![], "no smoke.toml here and no --run"),
        ("[suite]\ntests = [\"a\"\n".into(), vec![], "line 2"),
        (
            format!("[suite]\ntests = [\"a\"]\nlist = \"ls\"\n{run}\n"),
            vec![],
            "keep exactly one of tests, list and glob",
        ),
        (
            format!("[suite]\n{run}\n"),
            vec![],
            "set exactly one of [suite] tests, list or glob",
        ),
        (
            format!("[suite]\ntests = []\n{run}\n"),
            vec![],
            "the suite is empty",
        ),
        (
            format!("[suite]\nlist = \"echo nope >&2; exit 3\"\n{run}\n"),
            vec![],
            "the list command 'echo nope >&2; exit 3' failed (exit 3): nope",
        ),
        (
            format!("[suite]\ntests = [\"alpha\"]\n{run}\n"),
            vec!["alpah"],
            "unknown test 'alpah' on the command line (did you mean 'alpha'?)",
        ),
        (
            format!("[suite]\ntests = [\"a\"]\n{run}\n"),
            vec!["--times", "0"],
            "0 is not in 1..=4294967295",
        ),
        (
            "[suite]\ntests = [\"a\"]\nrun = \"sh run.sh\"\n".into(),
            vec![],
            "has no {test}",
        ),
        (
            format!("[suite]\ntests = [\"a\"]\n{run}\ntimeout = \"soon\"\n"),
            vec![],
            "invalid [suite] timeout in 'smoke.toml' 'soon'",
        ),
        (
            format!("[suite]\ntests = [\"a\"]\n{run}\n"),
            vec!["--order", "sideways"],
            "invalid value 'sideways'",
        ),
        (
            format!("[suite]\ntests = [\"a\"]\n{run}\n"),
            vec!["--config", "missing.toml"],
            "cannot read config file",
        ),
    ];
    for (toml, args, expected) in table {
        let suite = Suite::new();
        suite.dispatcher("");
        if !toml.is_empty() {
            suite.file("smoke.toml", &toml);
        }
        let out = suite.smoke(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?} {toml:?}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(expected),
            "{expected:?} not in {:?}",
            stderr(&out)
        );
        assert!(suite.ran().is_empty(), "no test runs after a config error");
    }
}

#[test]
fn a_closed_stdout_does_not_turn_a_result_into_a_crash() {
    let suite = Suite::new();
    suite
        .toml(&["a", "b"], "")
        .dispatcher(r#"case "$1" in b) exit 1 ;; esac"#);
    let mut child = suite
        .command()
        .args(["--report-dir", "reports", "-q", "-n", "2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // the reader went away, like `smoke | head -0`
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

#[test]
fn a_second_run_with_the_same_report_path_replaces_the_report_and_its_logs() {
    let suite = Suite::new();
    suite.toml(&["p", "v"], "").dispatcher(
        r#"case "$1" in
  p) touch state/p ;;
  v) [ ! -e state/p ] || { echo "run $SMOKE_SEED polluted"; exit 1; } ;;
esac"#,
    );
    let args = ["--order", "rotate", "--times", "1", "--report", "out/r.txt"];
    for seed in ["1", "2"] {
        let out = suite
            .command()
            .args(args)
            .args(["--seed", seed])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "run {seed}: {}", stderr(&out));
        let log = std::fs::read_to_string(suite.path().join("out/r.failure-1.log")).expect("log");
        assert!(log.contains(&format!("run {seed} polluted")), "{log}");
    }
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(suite.path().join("out/r.json")).expect("json"),
    )
    .expect("valid");
    assert_eq!(report["options"]["seed"], 2);
}

#[test]
fn an_unusable_report_folder_is_an_error_before_any_test_runs() {
    let suite = Suite::new();
    suite
        .toml(&["a"], "")
        .dispatcher("")
        .file("blocker", "a file, not a folder");
    let out = suite
        .command()
        .args(["--report-dir", "blocker/reports"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot create the report folder"),
        "{}",
        stderr(&out)
    );
    assert!(suite.ran().is_empty());
}

#[test]
fn sigint_mid_run_kills_the_test_tears_down_and_keeps_the_report() {
    interrupt_mid_run(libc::SIGINT, 130);
}

#[test]
fn sigterm_mid_run_does_the_same_and_exits_143() {
    interrupt_mid_run(libc::SIGTERM, 143);
}

#[test]
fn sighup_mid_run_does_the_same_and_exits_129() {
    // A closed terminal or a dropped ssh session: the test's own process group gets no SIGHUP
    // from the kernel, so smoke must kill it, tear down and finish the report itself.
    interrupt_mid_run(libc::SIGHUP, 129);
}

fn interrupt_mid_run(signal: i32, code: i32) {
    let suite = Suite::new();
    suite
        .toml(
            &["a", "b", "c"],
            "teardown = \"echo teardown >> teardown.log\"\n",
        )
        .dispatcher(
            r#"sleep 60 &
echo $! >> children.pids
wait"#,
        );
    let mut child = suite.spawn(&["--seed", "1", "-n", "50"]);
    let started = Instant::now();
    // The first test is running (and blocks for 60 s) once its child's pid is written.
    wait_for(&suite.path().join("children.pids"), Duration::from_secs(20));
    child.signal(signal);
    let status = child.0.wait().expect("wait");
    assert_eq!(status.code(), Some(code));
    assert!(started.elapsed() < Duration::from_secs(30));

    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    assert_eq!(
        report["stats"]["test_executions"].as_u64(),
        Some(suite.ran().len() as u64),
        "the test killed by the signal was started, so it counts"
    );
    assert_eq!(report["completed"], false);
    let iterations = report["iterations"].as_array().expect("array");
    assert_eq!(iterations.last().expect("one")["result"], "interrupted");
    let teardowns = fs::read_to_string(suite.path().join("teardown.log")).expect("teardown ran");
    assert_eq!(teardowns.lines().count(), 1, "teardown runs once");
    // Every test's process group, the sleeping grandchildren included, is gone.
    for pid in fs::read_to_string(suite.path().join("children.pids"))
        .expect("pids")
        .lines()
    {
        let pid: i32 = pid.trim().parse().expect("a pid");
        assert!(!alive(pid), "test child {pid} still runs");
    }
}

#[test]
fn a_second_sigint_exits_at_once_without_waiting_for_teardown() {
    let suite = Suite::new();
    suite.file(
        "smoke.toml",
        "[suite]\ntests = [\"a\"]\nworkdir = \"fresh\"\n\
         run = 'echo {test} >> \"$SMOKE_SUITE_DIR/ran.log\"; sleep 60'\n\
         teardown = 'touch \"$SMOKE_SUITE_DIR/teardown.started\"; setsid sleep 3 & sleep 60'\n",
    );
    // The teardown leaves a process outside its group holding its output open, so after the
    // second signal kills the group the worker waits for that output (half a second) and is
    // still in the sequence, its fresh folder there, when smoke exits.
    // smoke's temporary folders (here the sequence's fresh working folder) go in tmp/.
    let tmp = suite.path().join("tmp");
    fs::create_dir(&tmp).expect("tmp");
    let mut child = suite.spawn_with(&["-n", "5"], &[("TMPDIR", &tmp)]);
    let started = Instant::now();
    let wait = |file: &str| wait_for(&suite.path().join(file), Duration::from_secs(20));
    wait("ran.log");
    child.signal(libc::SIGINT);
    wait("teardown.started");
    let folders = || fs::read_dir(&tmp).expect("tmp").count();
    assert_eq!(folders(), 1, "the fresh working folder");
    child.signal(libc::SIGINT);
    let status = child.0.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "did not wait for teardown"
    );
    assert_eq!(
        folders(),
        0,
        "an exit at once still removes smoke's folders"
    );
    // The report on disk is whole, parses, and has its end: interrupted, with a finish time.
    let report = suite.report();
    assert!(report["options"]["seed"].is_u64());
    assert_eq!(report["status"], "interrupted");
    assert_eq!(report["completed"], false);
    assert!(
        report["finished_at"].is_string(),
        "{}",
        report["finished_at"]
    );
    let text = fs::read_to_string(suite.reports()[0].with_extension("txt")).expect("text");
    assert!(text.contains("status            interrupted"), "{text}");
    assert!(!text.contains("finished          -"), "{text}");
    let html = fs::read_to_string(suite.reports()[0].with_extension("html")).expect("HTML");
    assert!(
        html.contains("<span class=\"badge status-interrupted\">interrupted</span>"),
        "{html}"
    );
}

#[test]
fn bug_mode_runs_each_test_once_and_shows_each_failure() {
    let suite = Suite::new();
    suite
        .toml(&["a", "b", "c"], "")
        .dispatcher(r#"case "$1" in b) echo "b broke: expected 2, got 3"; exit 1 ;; esac"#);
    let out = suite.smoke(&["--bug-mode"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("a ....") && lines[0].contains(" ok ("),
        "{text}"
    );
    assert!(
        lines[1].starts_with("b ....") && lines[1].contains("FAILED (exit 1)"),
        "{text}"
    );
    assert_eq!(lines[2], "    | b broke: expected 2, got 3");
    assert!(
        lines[3].starts_with("c ....") && lines[3].contains(" ok ("),
        "{text}"
    );
    assert!(
        text.contains("summary: 3 tests, 2 passed, 1 failed"),
        "{text}"
    );
    assert_eq!(suite.ran(), ["a", "b", "c"]);
    let report = suite.report();
    assert_eq!(report["mode"], "bug-mode");
    assert_eq!(report["tests"][1]["result"], "exit 1");
    assert!(report["build"]["os"].is_string());
    // All pass: exit 0.
    let suite = Suite::new();
    suite.toml(&["a"], "").dispatcher("");
    assert_eq!(suite.smoke(&["--bug-mode"]).status.code(), Some(0));
    // Setup fails: no test ran, which is neither "all passed" nor "a test failed".
    suite.file(
        "smoke.toml",
        "[suite]\ntests = [\"a\"]\nrun = \"sh run.sh {test}\"\nsetup = \"exit 3\"\n",
    );
    assert_eq!(suite.smoke(&["--bug-mode"]).status.code(), Some(2));
}

#[test]
fn flags_alone_are_enough_without_a_config_file() {
    let suite = Suite::new();
    suite
        .file("t/a.sh", "touch dirty\n")
        .file("t/b.sh", "[ ! -e dirty ]\n");
    let out = suite
        .command()
        .args([
            "--run",
            "sh {test}",
            "--setup",
            "rm -f dirty",
            "--order",
            "rotate",
            "--times",
            "1",
        ])
        .args(["--report-dir", "out", "t/a.sh", "t/b.sh"])
        .env("PATH", common::SYSTEM_PATH)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // No smoke on PATH: the line starts with this binary's path.
    let binary = fs::canonicalize(env!("CARGO_BIN_EXE_smoke")).expect("the binary");
    assert!(
        stdout(&out).contains(&format!(
            "replay: cd {} && {} --run 'sh {{test}}' --setup 'rm -f dirty' --order rotate --times 1 t/a.sh t/b.sh",
            suite.path().display(),
            shlex::try_quote(&binary.to_string_lossy()).expect("quotable")
        )),
        "{}",
        stdout(&out)
    );
    assert!(suite.path().join("out").is_dir());
}

/// Split ran.log into the sequences, using the marker setup writes.
fn sequences(suite: &Suite) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for line in suite.ran() {
        if line == "--" {
            out.push(Vec::new());
        } else {
            out.last_mut().expect("setup ran first").push(line);
        }
    }
    out
}

#[test]
fn a_seed_replays_its_iteration_and_the_same_seed_gives_the_same_orders() {
    let suite = Suite::new();
    let tests: Vec<String> = (0..8).map(|i| format!("t{i}")).collect();
    let list: Vec<String> = tests.iter().map(|t| toml_string(t)).collect();
    suite.dispatcher("").file(
        "smoke.toml",
        &format!(
            "[suite]\ntests = [{}]\nrun = \"sh run.sh {{test}}\"\nsetup = \"echo -- >> ran.log\"\n",
            list.join(", ")
        ),
    );
    suite.smoke(&["--seed", "10", "-n", "3"]);
    let first = sequences(&suite);
    assert_eq!(first.len(), 3);
    assert_ne!(first[0], first[1], "different seeds, different orders");
    suite.clear_ran();
    suite.smoke(&["--seed", "12", "-n", "1"]);
    assert_eq!(
        sequences(&suite),
        [first[2].clone()],
        "--seed 12 replays iteration 3"
    );
    suite.clear_ran();
    suite.smoke(&["--seed", "10", "-n", "3"]);
    assert_eq!(sequences(&suite), first);
    // Pinned: this order is what seed 10 means for these 8 tests, times 2, forever.
    assert_eq!(
        first[0].join(" "),
        GOLDEN_SEED_10,
        "seed 10 changed meaning: recorded seeds would no longer replay"
    );
}

const GOLDEN_SEED_10: &str = "t0 t4 t1 t6 t5 t5 t2 t2 t3 t1 t0 t4 t6 t7 t3 t7";

#[test]
fn tests_can_come_from_a_list_command_or_a_glob() {
    let suite = Suite::new();
    suite
        .file("t/b.t", "")
        .file("t/a.t", "")
        .file("t/sub/c.t", "")
        .dispatcher("")
        .file(
            "smoke.toml",
            "[suite]\nglob = \"t/**/*.t\"\nrun = \"sh run.sh {test}\"\n[smoke]\norder = \"rotate\"\ntimes = 1\n",
        );
    let out = suite.smoke(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.ran(), ["t/a.t", "t/b.t", "t/sub/c.t"]);

    suite.clear_ran();
    suite.file(
        "smoke.toml",
        "[suite]\nlist = \"printf 'z one\\\\ny two\\\\n'\"\nrun = \"sh run.sh {test}\"\n[smoke]\norder = \"rotate\"\ntimes = 1\n",
    );
    let out = suite.smoke(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.ran(), ["z one", "y two"]);
}

#[test]
fn verbose_shows_each_test_and_quiet_only_the_summary() {
    let suite = Suite::new();
    suite.toml(&["a", "b"], "").dispatcher("");
    let out = suite.smoke(&["-v", "--order", "rotate", "--times", "1"]);
    assert!(
        stderr(&out).contains("[1/2] a") && stderr(&out).contains("[2/2] b"),
        "{}",
        stderr(&out)
    );
    let out = suite.smoke(&["-q", "--order", "rotate", "--times", "1", "-n", "4"]);
    assert_eq!(stderr(&out), "", "quiet prints no progress");
    assert!(stdout(&out).contains("summary: "));
    let out = suite.smoke(&["--order", "rotate", "-n", "4"]);
    assert!(
        stderr(&out).contains("--iterations is ignored"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn commands_get_the_suite_env_and_the_smoke_variables_and_build_output_is_recorded() {
    let suite = Suite::new();
    suite
        .dispatcher(r#"echo "test $SMOKE_TEST $SMOKE_SEED $SMOKE_ITERATION $APP_ENV" >> env.log"#)
        .file(
            "smoke.toml",
            r#"[suite]
tests = ["a"]
run = "sh run.sh {test}"
setup = "echo setup ${SMOKE_TEST-none} $SMOKE_SEED $SMOKE_ITERATION $APP_ENV >> env.log"
[suite.env]
APP_ENV = "staging"
[smoke]
times = 1
[report]
build = ["echo built-for-$APP_ENV"]
"#,
        );
    let out = suite.smoke(&["--seed", "100", "-n", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let env = fs::read_to_string(suite.path().join("env.log")).expect("env.log");
    assert_eq!(
        env,
        "setup none 100 1 staging\ntest a 100 1 staging\nsetup none 101 2 staging\ntest a 101 2 staging\n"
    );
    let report = suite.report();
    assert_eq!(
        report["build"]["commands"][0]["command"],
        "echo built-for-$APP_ENV"
    );
    assert_eq!(
        report["build"]["commands"][0]["output"],
        "built-for-staging"
    );
    // stderr is a pipe here, not a terminal: plain lines, no progress bar escape codes.
    assert!(!stderr(&out).contains('\u{1b}'), "{:?}", stderr(&out));
    assert!(
        stderr(&out).contains("iteration 2/2 (seed 101)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn setup_failure_abandons_the_iteration_and_is_reported_as_such() {
    let suite = Suite::new();
    suite.dispatcher("").file(
        "smoke.toml",
        "[suite]\ntests = [\"a\"]\nrun = \"sh run.sh {test}\"\nsetup = \"echo db down >&2; exit 4\"\n",
    );
    let out = suite.smoke(&["-n", "2"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "nothing could be tested: not 0 (all good), not 1 (a test failed)"
    );
    assert!(
        stderr(&out).contains("smoke: setup failed 2 time(s)"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("setup failed (exit 4): echo db down >&2; exit 4"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("db down"));
    let report = suite.report();
    assert_eq!(report["iterations"][0]["result"], "setup failed, abandoned");
    assert_eq!(report["hook_failures"][0]["output"], "db down\n");
    assert!(suite.ran().is_empty());
}
