//! Fault injection: suites that hang, fork daemons, spew output, crash, write bytes that are not
//! UTF-8, and runs of smoke that are killed, starved of disk or started twice at once. Each test
//! runs the real binary and checks that smoke goes on (or stops cleanly) and that the report on
//! disk stays whole. docs/reliability.md lists them.

mod common;

use common::{KillOnDrop, Suite, alive, names, stderr, stdout, wait_for};
use std::fs;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The signals that stop smoke, and the exit code each gives (128 + the signal).
const STOPPING_SIGNALS: [(i32, i32); 3] = [
    (libc::SIGINT, 130),
    (libc::SIGTERM, 143),
    (libc::SIGHUP, 129),
];

/// A bound for "did not hang": far above what each run needs.
const HANG: Duration = Duration::from_secs(60);

fn pids(suite: &Suite, file: &str) -> Vec<i32> {
    fs::read_to_string(suite.path().join(file))
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().parse().expect("a pid"))
        .collect()
}

#[test]
fn hangs_grandchildren_that_ignore_sigterm_and_daemons_holding_stdout_do_not_stop_smoke() {
    let suite = Suite::new();
    suite
        .toml(
            &["daemon", "stubborn", "hang", "after"],
            // What the tests write down for this test to check is not state they share.
            "timeout = \"1s\"\nstate-ignore = [\"ran.log\", \"*.pids\", \"after.ran\"]\n",
        )
        .dispatcher(
            r#"case "$1" in
  daemon) sleep 300 & echo $! >> daemon.pids; exit 0 ;;
  stubborn) sh -c 'trap "" TERM; echo $$ >> stubborn.pids; while :; do sleep 1; done' &
            wait ;;
  hang) echo $$ >> hang.pids; sleep 300 ;;
  after) touch after.ran ;;
esac"#,
        );
    let started = Instant::now();
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert!(started.elapsed() < HANG, "smoke waited for a hung test");
    // stubborn times out first: a failure, shrunk (fails alone), and the run ends there.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let f = &report["failures"][0];
    assert_eq!(f["test"], "stubborn");
    assert_eq!(f["failure"], "timeout");
    assert_eq!(f["classification"], "fails-alone");
    // The daemon kept the test's stdout open after the test exited; smoke did not wait for it,
    // and killed it with the test's process group.
    for file in ["daemon.pids", "stubborn.pids"] {
        let found = pids(&suite, file);
        assert!(!found.is_empty(), "{file}");
        for pid in found {
            assert!(!alive(pid), "{file}: {pid} still runs");
        }
    }

    // The hanging test on its own: killed at the timeout, and the next test runs.
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "hang", "after"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(suite.report()["failures"][0]["failure"], "timeout");
    for pid in pids(&suite, "hang.pids") {
        assert!(!alive(pid), "hang: {pid} still runs");
    }
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "daemon", "after"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(suite.path().join("after.ran").exists(), "smoke went on");
}

/// Run smoke over `suite` with `args` (reports in ./reports, output dropped): its exit code and
/// its peak resident set size in KiB, from wait4's rusage for that child.
fn smoke_measured(suite: &Suite, args: &[&str]) -> (Option<i32>, i64) {
    let child = suite
        .command()
        .args(["--report-dir", "reports"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id() as i32;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid, and wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child, with valid pointers.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    std::mem::forget(child); // already reaped
    (code, usage.ru_maxrss)
}

#[test]
fn a_test_writing_1_gib_keeps_smoke_small_and_the_report_keeps_the_tail() {
    let suite = Suite::new();
    suite.toml(&["spew"], "").dispatcher(
        r#"case "$1" in
  spew) head -c 1073741824 /dev/zero | tr '\0' 'x'; echo; echo "the last line"; exit 3 ;;
esac"#,
    );
    let (code, max_rss_kib) = smoke_measured(&suite, &["--order", "rotate", "--times", "1"]);
    assert_eq!(code, Some(1));
    assert!(
        max_rss_kib < 100 * 1024,
        "smoke's peak RSS was {max_rss_kib} KiB for 1 GiB of output"
    );
    let report = suite.report();
    let f = &report["failures"][0];
    assert_eq!(f["failure"], "exit 3");
    let output = f["output"].as_str().expect("output");
    assert!(
        output.ends_with("the last line\n"),
        "{}",
        &output[output.len() - 80..]
    );
    let dropped = f["output_dropped"].as_u64().expect("a byte count");
    assert!(dropped > 1_000_000_000, "{dropped}");
    let text = fs::read_to_string(suite.reports()[0].with_extension("txt")).expect("text");
    assert!(
        text.contains("bytes of output before these not kept"),
        "{text}"
    );
}

#[test]
fn a_test_killed_by_a_signal_fails_as_that_signal_and_shrinking_matches_on_it() {
    // After p, v dies of SIGSEGV; after q alone it exits 1 instead. Only [p v] is the same failure.
    let suite = Suite::new();
    suite.toml(&["q", "p", "x", "v"], "").dispatcher(
        r#"case "$1" in
  p) touch state/p ;;
  q) touch state/q ;;
  v) [ -e state/p ] && kill -SEGV $$; [ -e state/q ] && exit 1; exit 0 ;;
esac"#,
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let f = &suite.report()["failures"][0];
    assert_eq!(f["failure"], "signal 11");
    assert_eq!(names(&f["minimal"]), ["p", "v"]);
    assert_eq!(f["rerun"], "signal 11");
}

#[test]
fn bytes_that_are_not_utf8_in_output_and_in_names_do_not_break_anything() {
    // The list command prints a name that is not UTF-8 (caf, then byte E9); that test writes
    // the name it got, then bytes that are not UTF-8, and fails.
    let suite = Suite::new();
    suite
        .file(
            "smoke.toml",
            "[suite]\nlist = \"printf 'plain\\\\n'; printf 'caf\\\\351\\\\n'\"\n\
             run = \"sh run.sh {test}\"\n",
        )
        .dispatcher(
            r#"case "$1" in
  plain) ;;
  *) printf '%s' "$1" > got.name; printf 'bad byte: \377\376\n'; exit 1 ;;
esac"#,
        );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    // The test got its name byte for byte.
    let got = fs::read(suite.path().join("got.name")).expect("the test ran");
    assert_eq!(got, b"caf\xe9");
    let report = suite.report();
    let f = &report["failures"][0];
    assert!(
        f["output"]
            .as_str()
            .expect("output")
            .contains("bad byte: \u{fffd}\u{fffd}"),
        "{f}"
    );
    // Shown lossily in the text and the JSON; the JSON keeps the exact bytes too.
    assert_eq!(f["test"], "caf\u{fffd}");
    let text = fs::read_to_string(suite.reports()[0].with_extension("txt")).expect("text");
    assert!(text.contains("caf\u{fffd}"), "{text}");
    assert_eq!(
        report["raw_names"],
        serde_json::json!([{"name": "caf\u{fffd}", "bytes": [99, 97, 102, 233]}])
    );

    // The replay command, pasted into a shell, gives the test its exact bytes back.
    fs::remove_file(suite.path().join("got.name")).expect("rm");
    let replay = f["replay"].as_str().expect("replay");
    let command = replay; // as printed: its first word runs this very binary
    let again = std::process::Command::new("/bin/sh")
        .args(["-c", &format!("{command} --report-dir reports")])
        .current_dir(suite.path())
        .output()
        .expect("sh runs");
    assert_eq!(again.status.code(), Some(1), "{replay}: {}", stderr(&again));
    assert_eq!(
        fs::read(suite.path().join("got.name")).expect("ran"),
        b"caf\xe9"
    );
}

#[test]
fn setup_or_teardown_that_fails_hangs_or_is_missing_is_named_with_its_status() {
    let cases = [
        ("exit 4", "exit 4"),
        ("sleep 300", "timeout"),
        ("no-such-command-here", "exit 127"),
    ];
    for hook in ["setup", "teardown"] {
        for (command, result) in cases {
            let suite = Suite::new();
            suite.dispatcher("").file(
                "smoke.toml",
                &format!(
                    "[suite]\ntests = [\"a\"]\nrun = \"sh run.sh {{test}}\"\n\
                     {hook} = \"{command}\"\ntimeout = \"1s\"\n"
                ),
            );
            let started = Instant::now();
            let out = suite.smoke(&["-n", "2"]);
            assert!(started.elapsed() < HANG);
            let case = format!("{hook} = {command}");
            assert_eq!(out.status.code(), Some(2), "{case}: {}", stderr(&out));
            let said = format!("{}{}", stdout(&out), stderr(&out));
            assert!(
                said.contains(&format!("{hook} failed ({result}): {command}")),
                "{case}: {said}"
            );
            let report = suite.report();
            assert_eq!(
                report["iterations"][0]["result"],
                format!("{hook} failed, abandoned")
            );
            assert_eq!(report["hook_failures"][0]["hook"], hook);
            assert_eq!(report["hook_failures"][0]["command"], command);
            assert_eq!(report["hook_failures"][0]["result"], result);
            assert_eq!(report["hook_failures"].as_array().expect("array").len(), 2);
            // A failing setup runs no test; a failing teardown comes after them.
            let ran = suite.ran().len();
            assert_eq!(ran, if hook == "setup" { 0 } else { 4 }, "{case}");
        }
    }
}

#[test]
fn sigint_and_sigterm_during_setup_and_during_shrinking_stop_cleanly() {
    // During setup: the setup's tree is killed, teardown runs once, the report says interrupted.
    // SIGHUP (a closed terminal) stops the same way.
    for (signal, code) in STOPPING_SIGNALS {
        let suite = Suite::new();
        suite.dispatcher("");
        fs::write(
            suite.path().join("smoke.toml"),
            "[suite]\ntests = [\"a\"]\nrun = \"sh run.sh {test}\"\n\
             setup = \"sleep 300 & echo $! > setup.pid; wait\"\n\
             teardown = \"echo x >> teardown.log\"\n",
        )
        .expect("write");
        let mut child = suite.spawn(&[]);
        wait_for(&suite.path().join("setup.pid"), HANG);
        child.signal(signal);
        let status = child.0.wait().expect("wait");
        assert_eq!(status.code(), Some(code));
        let report = suite.report();
        assert_eq!(report["status"], "interrupted");
        assert!(suite.ran().is_empty());
        let teardowns = fs::read_to_string(suite.path().join("teardown.log")).expect("teardown");
        assert_eq!(teardowns.lines().count(), 1, "teardown runs once");
        for pid in pids(&suite, "setup.pid") {
            assert!(!alive(pid), "setup's child {pid} still runs");
        }
    }

    // During shrinking: the candidate's test is killed, the report keeps the best sequence.
    let suite = Suite::new();
    let mut tests: Vec<String> = (0..12).map(|i| format!("t{i:02}")).collect();
    tests.extend(["p".into(), "v".into()]);
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  p) touch state/p ;;
  v) [ -e state/p ] || exit 0
     if [ -e shrinking ]; then sleep 300 & echo $! >> v.pids; wait; fi
     touch shrinking; exit 1 ;;
esac"#,
    );
    let mut child = suite.spawn(&["--order", "rotate", "--times", "1"]);
    wait_for(&suite.path().join("v.pids"), HANG);
    child.signal(libc::SIGTERM);
    let status = child.0.wait().expect("wait");
    assert_eq!(status.code(), Some(143));
    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    let f = &report["failures"][0];
    assert_eq!(f["stopped_by"], "interrupted");
    assert_eq!(f["proven_minimal"], false);
    assert!(names(&f["minimal"]).ends_with(&["v".to_string()]));
    for pid in pids(&suite, "v.pids") {
        assert!(!alive(pid), "{pid} still runs");
    }
}

/// Start smoke with `args` (reports in ./reports) with stdout and stderr pipes whose readers are
/// gone before smoke writes a line, as under `smoke 2>&1 | head -1` once head has exited.
fn spawn_with_closed_output(suite: &Suite, args: &[&str]) -> KillOnDrop {
    let mut child = suite
        .command()
        .args(["--report-dir", "reports"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("smoke starts");
    drop(child.stdout.take());
    drop(child.stderr.take());
    KillOnDrop(child)
}

#[test]
fn a_closed_stdout_and_stderr_neither_panic_smoke_nor_leave_the_report_running() {
    // Progress, a failure, shrinking and the summary all write to pipes nobody reads.
    let suite = Suite::new();
    suite.toml(&["p", "v", "a"], "").dispatcher(
        r#"case "$1" in
  p) touch state/p ;;
  v) [ ! -e state/p ] ;;
esac"#,
    );
    let mut child = spawn_with_closed_output(&suite, &["--order", "rotate", "--times", "1"]);
    let status = child.0.wait().expect("wait");
    assert_eq!(
        status.code(),
        Some(1),
        "the normal exit code, not a panic's 101"
    );
    let report = suite.report();
    assert_eq!(report["status"], "completed");
    assert!(
        report["finished_at"].is_string(),
        "{}",
        report["finished_at"]
    );
    assert_eq!(names(&report["failures"][0]["minimal"]), ["p", "v"]);
    // `smoke --list | head -1`: the reader got what it wanted.
    let mut child = spawn_with_closed_output(&suite, &["--list"]);
    assert_eq!(child.0.wait().expect("wait").code(), Some(0));

    // Ctrl-C with the output gone (`smoke 2>&1 | tee log`, tee killed first): the signal thread's
    // "interrupted" line fails too, and smoke still stops cleanly.
    let suite = Suite::new();
    suite
        .toml(&["a"], "")
        .dispatcher("sleep 60 & echo $! >> children.pids; wait");
    let mut child = spawn_with_closed_output(&suite, &["-n", "5"]);
    wait_for(&suite.path().join("children.pids"), Duration::from_secs(20));
    child.signal(libc::SIGINT);
    assert_eq!(child.0.wait().expect("wait").code(), Some(130));
    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    assert!(
        report["finished_at"].is_string(),
        "{}",
        report["finished_at"]
    );
}

#[test]
fn the_timeout_limits_the_list_command_and_the_build_commands() {
    // A list command past --timeout: a clear error naming the flag and the key, exit 2.
    let suite = Suite::new();
    suite.dispatcher("").file(
        "smoke.toml",
        "[suite]\nlist = \"sleep 30\"\nrun = \"sh run.sh {test}\"\n",
    );
    let started = Instant::now();
    let out = suite.smoke(&["--timeout", "1s"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited for the list"
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("the list command 'sleep 30' did not finish within 1s")
            && said.contains("--timeout")
            && said.contains("[suite] timeout"),
        "{said}"
    );

    // A build command past it: recorded as `timeout`, and the run goes on.
    let suite = Suite::new();
    suite
        .toml(&["a"], "[report]\nbuild = [\"sleep 30\", \"echo next\"]\n")
        .dispatcher("");
    let started = Instant::now();
    let out = suite.smoke(&["-n", "1", "--times", "1", "--timeout", "1s"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited for the build"
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["status"], "completed");
    assert_eq!(report["build"]["commands"][0]["result"], "timeout");
    assert_eq!(report["build"]["commands"][1]["output"], "next");
    assert_eq!(suite.ran(), ["a"]);
}

#[test]
fn a_signal_while_listing_or_collecting_build_parameters_stops_smoke_cleanly() {
    // While the list command runs: 128 + the signal and an "interrupted" line, not an error.
    for (signal, code) in STOPPING_SIGNALS {
        let suite = Suite::new();
        suite.dispatcher("").file(
            "smoke.toml",
            "[suite]\nlist = \"touch listing; sleep 30\"\nrun = \"sh run.sh {test}\"\n",
        );
        let child = suite
            .command()
            .args(["--report-dir", "reports"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("smoke starts");
        wait_for(&suite.path().join("listing"), HANG);
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        let out = child.wait_with_output().expect("wait");
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{said}");
        assert!(
            said.contains(&format!(
                "interrupted by signal {signal} while listing the tests"
            )),
            "{said}"
        );
        assert!(
            !said.contains("failed") && !said.contains("error"),
            "{said}"
        );
        assert!(suite.reports().is_empty());
    }

    // While a build command runs: the report, created already, ends as interrupted; no test runs.
    let suite = Suite::new();
    suite
        .toml(
            &["a"],
            "[report]\nbuild = [\"touch build.started; sleep 30\", \"touch build.2\"]\n",
        )
        .dispatcher("");
    let mut child = suite.spawn(&[]);
    wait_for(&suite.path().join("build.started"), HANG);
    child.signal(libc::SIGINT);
    assert_eq!(child.0.wait().expect("wait").code(), Some(130));
    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    assert!(
        report["finished_at"].is_string(),
        "{}",
        report["finished_at"]
    );
    let commands = &report["build"]["commands"];
    assert_eq!(commands[0]["result"], "interrupted");
    assert_eq!(commands[1]["result"], "not run (interrupted)");
    assert!(!suite.path().join("build.2").exists());
    assert!(suite.ran().is_empty());
}

#[test]
fn kill_9_mid_run_leaves_a_whole_report_behind() {
    let suite = Suite::new();
    let tests: Vec<String> = (0..40).map(|i| format!("t{i:02}")).collect();
    suite.toml(&tests, "").dispatcher("");
    for round in 0..5 {
        let mut child = suite.spawn(&["-n", "1000"]);
        // Let it write some reports, then kill it at a different moment each round.
        std::thread::sleep(Duration::from_millis(300 + 170 * round));
        child.0.kill().expect("SIGKILL");
        child.0.wait().expect("wait");
    }
    let reports = suite.reports();
    assert_eq!(reports.len(), 5);
    for json in reports {
        let text = fs::read_to_string(&json).expect("read");
        let report: serde_json::Value = serde_json::from_str(&text).expect("whole JSON");
        assert_eq!(
            report["status"], "running",
            "killed before it could say more"
        );
        let txt = fs::read_to_string(json.with_extension("txt")).expect("text report");
        assert!(txt.starts_with("smoke report"), "{txt}");
        assert!(txt.contains("Build parameters"), "the text report is whole");
        let html = fs::read_to_string(json.with_extension("html")).expect("HTML report");
        assert!(
            html.trim_end().ends_with("</html>"),
            "the HTML report is whole"
        );
    }
    let leftovers: Vec<_> = fs::read_dir(suite.path().join("reports"))
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    // A temp file may survive a kill -9, but it never replaces a report.
    assert!(leftovers.len() <= 10, "{leftovers:?}");
}

/// What `setrlimit` takes to name a resource (glibc has a type of its own).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type Resource = libc::c_int;

/// `cmd` started under the resource limit `bytes` (soft and hard), with SIGXFSZ ignored so that
/// a write past RLIMIT_FSIZE fails as a full disk would instead of killing the process.
fn with_limit(mut cmd: Command, resource: Resource, bytes: libc::rlim_t) -> Command {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(resource, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_last_report_stays_whole() {
    // RLIMIT_FSIZE stands in for a full disk: writes past 12 KiB fail with EFBIG (SIGXFSZ
    // ignored), as they would with ENOSPC.
    let suite = Suite::new();
    let tests: Vec<String> = (0..30).map(|i| format!("t{i:02}")).collect();
    suite.toml(&tests, "").dispatcher("");
    let mut cmd = suite.command();
    cmd.args(["--report-dir", "reports", "-n", "200", "--seed", "1"]);
    let out = with_limit(cmd, libc::RLIMIT_FSIZE, 12 * 1024)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write the report"),
        "{}",
        stderr(&out)
    );
    let report = suite.report();
    let done = report["iterations"].as_array().expect("array").len();
    assert!(
        (1..200).contains(&done),
        "{done} iterations in the last whole report"
    );
}

#[test]
fn workers_the_machine_cannot_start_are_a_clear_error_not_a_crash() {
    // A limit on address space stands in for a machine out of threads: each worker's stack is
    // address space, so starting 512 of them fails partway, as it would at the thread limit.
    let suite = Suite::new();
    let tests: Vec<String> = (0..4).map(|i| format!("t{i}")).collect();
    suite.toml(&tests, "").dispatcher("");
    // A thread that pthread_create could start may still find no room for the signal stack
    // Rust's runtime maps at its start, and the runtime aborts: the limit's own race, not
    // smoke's, so such a try is run again (smoke's heap shares its arenas, which makes it rare).
    let mut tries = 0;
    let out = loop {
        tries += 1;
        let mut cmd = suite.command();
        cmd.args(["--report-dir", "reports", "--jobs", "512", "-n", "4"]);
        let out = with_limit(cmd, libc::RLIMIT_AS, 400 << 20)
            .output()
            .expect("runs");
        let runtime_race = out.status.code().is_none()
            && stderr(&out).contains("failed to allocate an alternative stack");
        if !runtime_race || tries == 5 {
            break out;
        }
        let _ = std::fs::remove_dir_all(suite.path().join("reports"));
    };
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot start worker"), "{err}");
    assert!(err.contains("of 512"), "{err}");
    assert!(err.contains("run fewer --jobs"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(suite.report()["status"], "error");
}

#[test]
fn a_test_that_deletes_the_report_folder_does_not_cost_the_report() {
    // p runs `rm -rf reports` (a `git clean -fdx` would do the same) and then pollutes for v:
    // the folder goes while the run writes its report, and again during the verbose rerun,
    // under the open log.
    let suite = Suite::new();
    suite.toml(&["a", "p", "v"], "").dispatcher(
        r#"case "$1" in
  p) rm -rf reports; touch state/p ;;
  v) [ ! -e state/p ] || { echo "v saw p"; exit 1; } ;;
esac"#,
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = stderr(&out);
    assert_eq!(
        said.matches("reports' was removed while running (by a test?); created it again")
            .count(),
        1,
        "said once: {said}"
    );
    let report = suite.report();
    assert_eq!(report["status"], "completed");
    assert!(report["finished_at"].is_string());
    let f = &report["failures"][0];
    assert_eq!(names(&f["minimal"]), ["p", "v"]);
    let log = fs::read_to_string(suite.path().join(f["log"].as_str().expect("a log")))
        .expect("the log is back");
    assert!(log.contains("v saw p"), "{log}");
    let text = fs::read_to_string(suite.reports()[0].with_extension("txt")).expect("text");
    assert!(text.contains("status            completed"), "{text}");
}

#[test]
fn logs_of_failures_reported_before_the_report_folder_is_deleted_are_written_back() {
    // x always fails, p pollutes for v: two failures, each shrunk and rerun into its log. r
    // runs `rm -rf reports` in later iterations, after those logs were finished (it lists what
    // it removes, to show that it did).
    let suite = Suite::new();
    suite.toml(&["p", "v", "r", "x"], "").dispatcher(
        r#"case "$1" in
  p) touch state/p ;;
  v) [ ! -e state/p ] || { echo "v saw p"; exit 1; } ;;
  r) ls reports >> removed.txt 2>/dev/null; rm -rf reports ;;
  x) echo "x always fails"; exit 3 ;;
esac"#,
    );
    let out = suite.smoke(&["-n", "3", "--seed", "1", "--keep-going"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let removed = fs::read_to_string(suite.path().join("removed.txt")).expect("r ran");
    assert!(
        removed.contains(".failure-1.log") && removed.contains(".failure-2.log"),
        "both logs were removed by r: {removed}"
    );
    let report = suite.report();
    assert_eq!(report["status"], "completed");
    let failures = report["failures"].as_array().expect("an array");
    assert_eq!(failures.len(), 2, "{report}");
    for f in failures {
        let minimal = names(&f["minimal"]);
        let said = match minimal.last().map(String::as_str) {
            Some("x") => "x always fails",
            Some("v") => "v saw p",
            other => panic!("unexpected failure {other:?}: {report}"),
        };
        let path = suite.path().join(f["log"].as_str().expect("a log"));
        let log = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} is named but missing: {e}", path.display()));
        assert!(log.contains(said), "{log}");
        assert!(log.contains(&format!("=== {} ===", minimal[0])), "{log}");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &fs::metadata(&path).expect("metadata").permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "still private");
    }
    assert!(stdout(&out).contains("FAILURE 2"), "{}", stdout(&out));
}

#[test]
fn two_runs_started_together_write_two_reports() {
    // No setup: the two runs share the suite folder.
    let suite = Suite::new();
    suite
        .file(
            "smoke.toml",
            "[suite]\ntests = [\"a\", \"b\"]\nrun = \"sh run.sh {test}\"\n",
        )
        .dispatcher("");
    let spawn = || suite.spawn(&["-n", "3"]);
    for _ in 0..3 {
        let (mut a, mut b) = (spawn(), spawn());
        assert_eq!(a.0.wait().expect("wait").code(), Some(0));
        assert_eq!(b.0.wait().expect("wait").code(), Some(0));
    }
    let reports = suite.reports();
    assert_eq!(reports.len(), 6, "{reports:?}");
    for json in reports {
        let report: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&json).expect("read")).expect("valid");
        assert_eq!(report["status"], "completed", "{}", json.display());
        assert_eq!(report["iterations"].as_array().expect("array").len(), 3);
    }
}

#[test]
fn ten_thousand_tests_keep_smoke_s_memory_flat() {
    // Peak RSS for one pass over 1,000 and over 10,000 trivial tests: the second may not grow
    // with the suite (per-test time is a benchmark figure: cargo bench --bench shrink).
    let peak = |n: usize| {
        let suite = Suite::new();
        let tests: Vec<String> = (0..n).map(|i| format!("\"t{i:05}\"")).collect();
        suite.file(
            "smoke.toml",
            &format!(
                "[suite]\ntests = [{}]\nrun = \"true {{test}}\"\n",
                tests.join(", ")
            ),
        );
        let (code, rss) = smoke_measured(&suite, &["--order", "rotate", "--times", "1"]);
        assert_eq!(code, Some(0));
        assert_eq!(
            suite.report()["stats"]["test_executions"].as_u64(),
            Some(n as u64)
        );
        rss
    };
    let (small, large) = (peak(1_000), peak(10_000));
    assert!(
        large < small + 8 * 1024,
        "peak RSS {small} KiB for 1,000 tests, {large} KiB for 10,000"
    );
    assert!(large < 64 * 1024, "{large} KiB");
}

// Security.

#[test]
fn reports_hold_only_listed_variables_and_never_a_secret_value() {
    let suite = Suite::new();
    suite
        .file(
            "smoke.toml",
            r#"[suite]
tests = ["leaky"]
run = "sh run.sh {test}"
setup = "echo setup sees $DB_PASSWORD"
[suite.env]
SERVICE_KEY = "k3y-from-the-suite"
APP_MODE = "visible-mode"
[report]
env = ["PLAIN_LISTED", "API_TOKEN", "NOT_SET_ANYWHERE"]
build = ["echo build sees $API_TOKEN"]
"#,
        )
        .dispatcher(
            r#"case "$1" in
  leaky) echo "token=$API_TOKEN pw=$DB_PASSWORD key=$SERVICE_KEY plain=$PLAIN_LISTED"; exit 1 ;;
esac"#,
        );
    let out = suite
        .command()
        .env("API_TOKEN", "tok-0123456789")
        .env("DB_PASSWORD", "hunter2-hunter2")
        .env("PLAIN_LISTED", "plain-value")
        .env("UNLISTED_VARIABLE", "unlisted-value")
        .args([
            "--report-dir",
            "reports",
            "--order",
            "rotate",
            "--times",
            "1",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json = fs::read_to_string(&suite.reports()[0]).expect("json");
    let text = fs::read_to_string(suite.reports()[0].with_extension("txt")).expect("text");
    let console = format!("{}{}", stdout(&out), stderr(&out));
    for (what, body) in [("JSON", &json), ("text", &text), ("console", &console)] {
        for secret in ["tok-0123456789", "hunter2-hunter2", "k3y-from-the-suite"] {
            assert!(!body.contains(secret), "{what} shows {secret}:\n{body}");
        }
        assert!(
            !body.contains("unlisted-value"),
            "{what} dumps the environment"
        );
    }
    let report: serde_json::Value = serde_json::from_str(&json).expect("valid");
    assert_eq!(report["build"]["env"]["PLAIN_LISTED"], "plain-value");
    assert_eq!(report["build"]["env"]["API_TOKEN"], "<redacted>");
    assert_eq!(
        report["build"]["env"]["NOT_SET_ANYWHERE"],
        serde_json::Value::Null
    );
    assert_eq!(report["options"]["env"]["SERVICE_KEY"], "<redacted>");
    assert_eq!(report["options"]["env"]["APP_MODE"], "visible-mode");
    let output = report["failures"][0]["output"].as_str().expect("output");
    assert!(output.contains("token=<redacted> pw=<redacted> key=<redacted> plain=plain-value"));
    assert_eq!(
        report["build"]["commands"][0]["output"],
        "build sees <redacted>"
    );
}

#[test]
fn failure_logs_are_private_like_the_reports() {
    // The verbose rerun's log holds the tests' raw output, secrets included: owner-only.
    use std::os::unix::fs::PermissionsExt;
    let suite = Suite::new();
    suite.toml(&["p", "v"], "").dispatcher(
        r#"case "$1" in
  p) touch state/p ;;
  v) [ ! -e state/p ] ;;
esac"#,
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json = suite.reports().pop().expect("a report");
    let log = suite.report()["failures"][0]["log"]
        .as_str()
        .expect("a log")
        .to_string();
    for path in [suite.path().join(log), json.with_extension("txt"), json] {
        let mode = fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}", path.display());
    }
}

#[test]
fn report_folders_and_files_do_not_follow_planted_symlinks() {
    let suite = Suite::new();
    suite.toml(&["a"], "").dispatcher("");
    let elsewhere = tempfile::tempdir().expect("tempdir");

    // The default ./reports, a symlink nobody asked for: refused before any test runs.
    std::os::unix::fs::symlink(elsewhere.path(), suite.path().join("reports")).expect("ln");
    let out = suite.command().output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is a symbolic link") && stderr(&out).contains("--report-dir"),
        "{}",
        stderr(&out)
    );
    assert!(suite.ran().is_empty());
    assert_eq!(fs::read_dir(elsewhere.path()).expect("dir").count(), 0);
    // Named on the command line, the same folder is followed.
    let out = suite.smoke(&["-n", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_dir(elsewhere.path()).expect("dir").count(), 3);

    // A symlink planted at the report's own name is replaced, never written through.
    let victim = suite.path().join("precious.txt");
    fs::write(&victim, "keep me").expect("write");
    fs::create_dir(suite.path().join("out")).expect("mkdir");
    for name in ["r.txt", "r.json", "r.html"] {
        std::os::unix::fs::symlink(&victim, suite.path().join("out").join(name)).expect("ln");
    }
    let out = suite
        .command()
        .args(["--report", "out/r.txt", "-n", "1"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&victim).expect("read"), "keep me");
    for name in ["out/r.json", "out/r.html"] {
        let report = fs::symlink_metadata(suite.path().join(name)).expect("stat");
        assert!(
            report.is_file(),
            "the link at {name} was replaced by the report"
        );
    }
}
