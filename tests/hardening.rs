//! The real binary against what a new user and an adversary tried: options that cannot apply,
//! seeds past 2^53, hostile output, `--match` misses, batch runners that cannot start, print no
//! TAP, repeat tests or fail after every test passed, state that survives setup, replays from
//! another folder. Each test fails if its fix is undone; docs/reliability.md's table lists
//! them.

mod common;

use common::{Suite, names, stderr, stdout};
use std::fs;
use std::process::Command;

/// The text report beside the newest JSON report.
fn text_report(suite: &Suite) -> Vec<u8> {
    let json = suite.reports().pop().expect("a report");
    fs::read(json.with_extension("txt")).expect("the text report")
}

#[test]
fn bug_mode_refuses_the_options_it_would_ignore_and_records_none() {
    let suite = Suite::new();
    suite
        .toml(&["a", "b"], "[smoke]\nretries = 2\nmatch = \"boom\"\n")
        .dispatcher("");
    for flags in [
        &["--order", "random"][..],
        &["--times", "3"],
        &["-n", "5"],
        &["--match", "x"],
        &["--retries", "1"],
        &["--max-reduce", "9"],
    ] {
        let mut args = vec!["--bug-mode"];
        args.extend_from_slice(flags);
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "{} would have no effect",
                flags[0].replace("-n", "--iterations")
            )),
            "{}",
            stderr(&out)
        );
    }
    assert!(suite.reports().is_empty(), "nothing ran");
    let out = suite.smoke(&["--bug-mode", "--seed", "42"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let options = &suite.report()["options"];
    assert_eq!(options["match"], serde_json::Value::Null, "{options}");
    assert_eq!(options["retries"], 0);
    assert_eq!(options["seed"], 42, "--seed applies: tests get SMOKE_SEED");
    assert!(stderr(&out).contains("SMOKE_SEED 42"), "{}", stderr(&out));
}

#[test]
fn every_seed_in_the_json_has_an_exact_string_twin() {
    let suite = Suite::new();
    suite
        .toml(&["a", "b"], "")
        .dispatcher("case \"$1\" in b) exit 1 ;; esac");
    let base: u64 = 8_033_704_536_740_043_126;
    let out = suite.smoke(&["--seed", &base.to_string(), "-n", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["seed_str"], base.to_string());
    for (i, it) in report["iterations"]
        .as_array()
        .expect("array")
        .iter()
        .enumerate()
    {
        assert_eq!(it["seed_str"], (base + i as u64).to_string());
        assert_eq!(it["seed"].as_u64(), Some(base + i as u64));
    }
    assert_eq!(report["failures"][0]["seed_str"], base.to_string());
    // A reader that holds numbers as doubles gets the string right and the number wrong.
    let as_double = report["options"]["seed"].as_f64().expect("a number") as u64;
    assert_ne!(as_double, base, "2^53 is really passed here");
}

#[test]
fn escape_sequences_from_a_test_never_reach_the_terminal_or_the_text_report() {
    let suite = Suite::new();
    suite.toml(&["loud", "quiet"], "").dispatcher(
        r#"case "$1" in
  loud) printf 'before\033[2J\033]0;pwned title\007after\rover\n'; exit 1 ;;
esac"#,
    );
    let out = suite.smoke(&["--bug-mode"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    for (what, bytes) in [
        ("stdout", &out.stdout),
        ("stderr", &out.stderr),
        ("text report", &text_report(&suite)),
    ] {
        assert!(
            !bytes.iter().any(|&b| b == 0x1b || b == 0x07 || b == b'\r'),
            "raw control bytes in the {what}: {}",
            String::from_utf8_lossy(bytes)
        );
    }
    assert!(stdout(&out).contains(r"before\x1b[2J\x1b]0;pwned title\x07after\rover"));
    // The JSON keeps the output exact (JSON escapes it itself).
    let output = suite.report()["tests"][0]["output"].clone();
    assert_eq!(
        output,
        "before\u{1b}[2J\u{1b}]0;pwned title\u{7}after\rover\n"
    );
}

#[test]
fn a_name_with_a_newline_keeps_the_text_report_layout() {
    let suite = Suite::new();
    suite
        .toml(&["two\nlines", "b"], "")
        .dispatcher("case \"$1\" in two*) exit 1 ;; esac");
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8(text_report(&suite)).expect("UTF-8");
    assert!(
        text.contains(r"Failure 1: two\nlines failed (exit 1)"),
        "{text}"
    );
    assert!(!text.contains("two\nlines"), "{text}");
    // The replay stays one line and gives back the exact name.
    let replay = suite.report()["failures"][0]["replay"]
        .as_str()
        .expect("a replay")
        .to_string();
    assert!(!replay.contains('\n'), "{replay}");
    assert!(stdout(&out).contains(&replay));
}

#[test]
fn a_match_that_never_matches_ignores_the_failures_keeps_their_output_and_exits_0() {
    let suite = Suite::new();
    suite
        .toml(&["a", "b"], "")
        .dispatcher("case \"$1\" in b) echo 'AssertionError: lock is held'; exit 1 ;; esac");
    let out = suite.smoke(&["-n", "2", "--seed", "3", "--match", "lock was held"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "0 failure(s) found, 0 unique, 2 more ignored (output does not match --match)"
        ),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("lock is held"),
        "the first miss shows why: {}",
        stderr(&out)
    );
    let report = suite.report();
    assert_eq!(report["stats"]["unmatched_failures"], 2);
    assert_eq!(report["stats"]["failures_found"], 0);
    assert_eq!(
        report["iterations"][0]["output"],
        "AssertionError: lock is held\n"
    );
    let out = suite.smoke(&["-n", "1", "--seed", "3", "--match", "lock is held"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a matching failure still counts"
    );
}

#[test]
fn state_that_survives_between_sequences_is_named_not_called_a_verified_fails_alone() {
    // No setup: p leaves a file in the suite folder, and v fails when it is there. Rotate twice
    // runs v p v p: v passes, then fails; alone it fails too (the file is still there), and it
    // fails where it passed before: state survives between sequences.
    let suite = Suite::new();
    suite
        .file(
            "smoke.toml",
            "[suite]\ntests = [\"v\", \"p\"]\nrun = \"sh run.sh {test}\"\n",
        )
        .dispatcher(
            r#"case "$1" in
  p) touch leftover ;;
  v) [ ! -e leftover ] || { echo "leftover is there"; exit 1; } ;;
esac"#,
        );
    let out = suite.smoke(&["--order", "rotate", "--times", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let f = &suite.report()["failures"][0];
    assert_eq!(f["classification"], "leftover-state");
    assert_eq!(f["proven_minimal"], false);
    assert!(
        f["hint"]
            .as_str()
            .is_some_and(|h| h.contains("survives between sequences") && h.contains("setup")),
        "{f}"
    );
    assert!(
        !stdout(&out).contains("1-minimal, verified"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("shortest failing (1 tests): v"),
        "{}",
        stdout(&out)
    );

    // With a setup that resets it, the same suite is an ordinary order-dependent pair.
    fs::remove_file(suite.path().join("leftover")).expect("the leftover");
    let out = suite.smoke(&[
        "--order",
        "rotate",
        "--times",
        "2",
        "--setup",
        "rm -f leftover",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let f = &suite.report()["failures"][0];
    assert_eq!(f["classification"], "order-dependent");
    assert_eq!(names(&f["minimal"]), ["p", "v"]);
}

#[test]
fn a_flag_that_cannot_apply_says_which_key_replaces_it() {
    let suite = Suite::new();
    suite.file(
        "smoke.toml",
        "[suite]\nlist = \"printf 'a\\\\nb\\\\n'\"\nbatch = \"sh runner.sh {tests}\"\n",
    );
    suite.file(
        "runner.sh",
        "#!/bin/sh\nfor t in \"$@\"; do echo \"ok - $t\"; done\n",
    );
    let out = suite.smoke(&["--preset", "pytest", "--program", "/bin/false", "-n", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected = "--program '/bin/false' has no effect: [suite] list in 'smoke.toml' and \
                    [suite] batch in 'smoke.toml' replace everything the pytest preset would \
                    fill in with it; change them instead";
    assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    assert_eq!(suite.report()["warnings"][0], expected);
}

#[test]
fn a_batch_runner_that_runs_a_test_once_refuses_repeats_up_front() {
    let suite = Suite::new();
    let out = suite.smoke(&[
        "--batch",
        "prove -v {tests}",
        "--order",
        "rotate",
        "a.t",
        "b.t",
        "a.t",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "'a.t' is named twice on the command line, but prove runs each test once per invocation"
        ),
        "{}",
        stderr(&out)
    );
    let out = suite.smoke(&["--batch", "prove -v {tests}", "--times", "2", "a.t"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--times 2 cannot work in batch mode"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("shuffl"), "not blamed on plugins");
}

#[test]
fn a_batch_runner_that_cannot_start_or_prints_no_tap_is_an_error_not_a_test_failure() {
    let suite = Suite::new();
    let out = suite.smoke(&["--batch", "pyhton -m pytest {tests}", "a", "b"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("could not start the runner (exit 127: command not found)"),
        "{}",
        stderr(&out)
    );
    assert!(
        suite.report()["failures"]
            .as_array()
            .expect("array")
            .is_empty()
    );

    suite.file(
        "plain.sh",
        "#!/bin/sh\necho '==== test session starts ===='\necho 'collected 2 items'\necho 'tests/a.py .F'\nexit 1\n",
    );
    let out = suite.smoke(&["--batch", "sh plain.sh {tests}", "a", "b"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("printed no TAP on stdout"), "{err}");
    assert!(err.contains("--format junit"), "{err}");
    assert!(
        err.contains("collected 2 items"),
        "shows what it printed: {err}"
    );
}

#[test]
fn a_batch_runner_failing_after_every_test_passed_is_not_a_clean_run() {
    let suite = Suite::new();
    suite.file(
        "runner.sh",
        r#"#!/bin/sh
shift
{
  echo '<testsuite>'
  for t in "$@"; do echo "<testcase classname=\"x\" name=\"$t\" time=\"0.01\"/>"; done
  echo '</testsuite>'
} > "$SMOKE_JUNIT"
echo "FAIL Required test coverage of 90% not reached. Total coverage: 42%"
exit 3
"#,
    );
    let out = suite.smoke(&[
        "--batch",
        "sh runner.sh {junit} {tests}",
        "-n",
        "1",
        "a",
        "b",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("reported all 2 tests as passed but exited with exit 3"),
        "{err}"
    );
    assert!(err.contains("coverage of 90% not reached"), "{err}");
    assert!(
        err.contains("smoke: the batch runner failed 1 time(s)"),
        "{err}"
    );
    let report = suite.report();
    assert_eq!(report["hook_failures"][0]["hook"], "batch");
    assert_eq!(report["hook_failures"][0]["result"], "exit 3");

    let out = suite.smoke(&[
        "--batch",
        "sh runner.sh {junit} {tests}",
        "-n",
        "1",
        "--ignore-runner-exit",
        "a",
        "b",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_run_template_that_cannot_run_any_test_stops_with_a_clear_error() {
    let suite = Suite::new();
    let out = suite.smoke(&["--run", "nosuchrunner {test}", "a", "b"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the run command cannot run the tests") && err.contains("command not found"),
        "{err}"
    );
    // Once a test has passed, a 127 is one test's failure, with a hint.
    suite
        .file("ok.sh", "exit 0\n")
        .file("gone.sh", "no-such-tool --flag\n");
    let out = suite.smoke(&[
        "--run",
        "sh {test}",
        "--order",
        "rotate",
        "ok.sh",
        "gone.sh",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let f = &suite.report()["failures"][0];
    assert_eq!(f["failure"], "exit 127");
    assert!(
        f["hint"]
            .as_str()
            .is_some_and(|h| h.contains("command not found")),
        "{f}"
    );
}

#[test]
fn a_fixed_order_prints_no_seed_that_means_nothing() {
    let suite = Suite::new();
    suite.toml(&["a", "b"], "").dispatcher("");
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!stderr(&out).contains("seed"), "{}", stderr(&out));
    assert!(!stdout(&out).contains("seed"), "{}", stdout(&out));
    let out = suite.smoke(&["--bug-mode", "a", "a"]);
    assert!(!stderr(&out).contains("seed"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("once each"), "{}", stderr(&out));
    let out = suite.smoke(&["-n", "1", "--seed", "9"]);
    assert!(stderr(&out).contains("seed 9"), "random orders name theirs");
}

#[test]
fn a_file_iterations_key_does_not_warn_on_every_rotate_replay() {
    let suite = Suite::new();
    suite
        .toml(&["a"], "[smoke]\niterations = 20\n")
        .dispatcher("");
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "a"]);
    assert!(!stderr(&out).contains("ignored"), "{}", stderr(&out));
    let out = suite.smoke(&["--order", "rotate", "-n", "3"]);
    assert!(
        stderr(&out).contains("--iterations is ignored"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn names_listed_twice_warn_and_nul_bytes_are_refused_naming_the_source() {
    let suite = Suite::new();
    suite.toml(&["a", "b", "a"], "").dispatcher("");
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("[suite] tests lists a more than once"),
        "{}",
        stderr(&out)
    );
    assert_eq!(suite.ran(), ["a", "b"]);

    suite.file(
        "smoke.toml",
        "[suite]\ntests = [\"a\", \"nul\\u0000byte\"]\nrun = \"sh run.sh {test}\"\n",
    );
    let out = suite.smoke(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("from [suite] tests holds a NUL byte"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_replay_command_works_from_any_folder() {
    let suite = Suite::new();
    suite.toml(&["p", "x", "v"], "").dispatcher(
        r#"case "$1" in
  p) touch state/dirty ;;
  v) [ ! -e state/dirty ] || exit 1 ;;
esac"#,
    );
    // Named relative to the current folder, as users do.
    let out = suite.smoke(&[
        "--config",
        "./smoke.toml",
        "--order",
        "rotate",
        "--times",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let replay = suite.report()["failures"][0]["replay"]
        .as_str()
        .expect("a replay")
        .to_string();
    // As printed: its first word runs this very binary.
    let elsewhere = tempfile::tempdir().expect("another folder");
    let again = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{replay} --report-dir {}",
            elsewhere.path().display()
        ))
        .current_dir(elsewhere.path())
        .output()
        .expect("sh runs");
    assert_eq!(again.status.code(), Some(1), "{replay}: {}", stderr(&again));
    assert!(
        stdout(&again).contains("minimal (2 tests): p v"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn build_command_text_is_redacted_like_its_output() {
    let suite = Suite::new();
    suite
        .toml(
            &["a"],
            "[report]\nbuild = [\"echo deploying with tok-98765432\"]\n",
        )
        .dispatcher("");
    let out = suite
        .command()
        .args(["--report-dir", "reports", "--order", "rotate"])
        .env("API_TOKEN", "tok-98765432")
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let command = &suite.report()["build"]["commands"][0];
    assert_eq!(command["command"], "echo deploying with <redacted>");
    assert_eq!(command["output"], "deploying with <redacted>");
    assert!(!String::from_utf8_lossy(&text_report(&suite)).contains("tok-98765432"));
}

#[test]
fn reports_time_each_iteration_the_first_failure_and_each_shrink() {
    let suite = Suite::new();
    suite.toml(&["p", "x", "v"], "").dispatcher(
        r#"case "$1" in
  p) touch state/dirty ;;
  v) sleep 0.2; [ ! -e state/dirty ] || exit 1 ;;
esac"#,
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let iteration = report["iterations"][0]["seconds"]
        .as_f64()
        .expect("seconds");
    assert!(
        iteration >= 0.2,
        "the victim alone sleeps 0.2 s: {iteration}"
    );
    let first = report["stats"]["seconds_to_first_failure"]
        .as_f64()
        .expect("the first failure is timed");
    let shrink = report["failures"][0]["shrink_seconds"]
        .as_f64()
        .expect("the shrink is timed");
    assert!(first >= 0.2 && shrink >= 0.2, "{first} {shrink}");
    let text = String::from_utf8(text_report(&suite)).expect("UTF-8");
    assert!(text.contains("  shrink time"), "{text}");
    assert!(text.contains("first failure     after "), "{text}");
}

#[test]
fn one_polluter_that_breaks_several_tests_is_shrunk_once_and_named_as_their_cause() {
    let mut tests: Vec<String> = (0..12).map(|i| format!("t{i:02}")).collect();
    tests.insert(2, "p".into());
    tests.extend(["v1".to_string(), "v2".into(), "v3".into()]);
    let suite = Suite::new();
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  p) touch state/dirty ;;
  v*) [ ! -e state/dirty ] || exit 1 ;;
esac"#,
    );
    let out = suite.smoke(&["-n", "20", "--seed", "4", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failures = report["failures"].as_array().expect("an array");
    assert!(failures.len() >= 2, "{failures:?}");
    let first = &failures[0];
    for later in &failures[1..] {
        assert_eq!(later["same_cause_as"], first["test"], "{later}");
        assert_eq!(later["tries"], 2, "alone, then p: {later}");
        assert_eq!(names(&later["minimal"])[0], "p");
    }
    let text = String::from_utf8(text_report(&suite)).expect("UTF-8");
    assert!(
        text.contains(&format!("p breaks {} tests: ", failures.len())),
        "{text}"
    );
}

#[test]
fn sizes_that_would_not_fit_in_memory_are_refused_with_the_limit_and_another_way() {
    let suite = Suite::new();
    suite.toml(&["a", "b"], "").dispatcher("");
    let cases: [(&[&str], &str); 5] = [
        (
            &["--times", "4294967295"],
            "--times 4294967295 is more runs of each test than one iteration can hold: at \
             most 1000000",
        ),
        (
            &["--times", "600000"],
            "2 tests, each run 600000 time(s), make sequences of 1200000 test runs",
        ),
        (
            &["-n", "4294967295"],
            "--iterations 4294967295 is more than one run may have: at most 1000000",
        ),
        (
            &["--retries", "4294967295"],
            "--retries 4294967295 is too many: at most 1000",
        ),
        (
            &["--max-reduce", "18446744073709551615"],
            "--max-reduce 18446744073709551615 is past the largest shrink budget",
        ),
    ];
    for (args, said) in cases {
        let out = suite.smoke(&[&["--seed", "1"], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{args:?}: {}", stderr(&out));
        assert!(
            suite.reports().is_empty(),
            "{args:?}: no report is left running"
        );
        assert!(suite.ran().is_empty(), "{args:?}: nothing ran");
    }
    suite.file(
        "smoke.toml",
        "[suite]\ntests = [\"a\"]\nrun = \"sh run.sh {test}\"\n[smoke]\ntimes = 4000000\n",
    );
    let out = suite.smoke(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("[smoke] times in 'smoke.toml' = 4000000 is more runs"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn replay_refuses_retries_past_the_limit_instead_of_overflowing() {
    let suite = Suite::new();
    suite
        .toml(&["a", "b"], "")
        .dispatcher("case \"$1\" in b) exit 1 ;; esac");
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json = suite.reports().pop().expect("a report");
    let out = suite
        .command()
        .args([
            "replay",
            &json.display().to_string(),
            "--retries",
            "4294967295",
        ])
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("retries are a whole number from 0 to 1000"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn list_escapes_control_characters_in_names_as_the_console_does() {
    let suite = Suite::new();
    suite
        .toml(
            &["plain", "clear\u{1b}[2Jscreen", "over\rwrite", "tab\there"],
            "",
        )
        .dispatcher("");
    let out = suite.smoke(&["--list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "plain\nclear\\x1b[2Jscreen\nover\\rwrite\ntab\\there\n"
    );
    assert!(!out.stdout.iter().any(|&b| b < 0x20 && b != b'\n'));
}

#[test]
fn a_timeout_below_a_millisecond_is_refused_instead_of_making_every_test_flaky() {
    let suite = Suite::new();
    suite.toml(&["a", "b"], "").dispatcher("");
    for (args, said) in [
        (
            &["--timeout", "1ns"][..],
            "invalid --timeout '1ns': a timeout must be at least 1ms",
        ),
        (&["--timeout", "999us"], "invalid --timeout '999us'"),
    ] {
        let out = suite.smoke(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{}", stderr(&out));
    }
    suite.toml(&["a", "b"], "timeout = \"10ns\"\n");
    let out = suite.smoke(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("invalid [suite] timeout in 'smoke.toml' '10ns'"),
        "{}",
        stderr(&out)
    );
    assert!(suite.ran().is_empty());
    let out = suite.smoke(&["--timeout", "1ms", "--order", "rotate"]);
    assert!(
        !stderr(&out).contains("invalid"),
        "1ms is taken: {}",
        stderr(&out)
    );
}

#[test]
fn a_label_as_wide_as_its_column_keeps_a_space_before_its_value() {
    let suite = Suite::new();
    let mut tests = common::fillers(6);
    tests.insert(1, "p".into());
    tests.push("v".into());
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  p) touch state/dirty ;;
  v) [ ! -e state/dirty ] || exit 1 ;;
esac"#,
    );
    // A budget that stops the shrink: the sequence is the shortest failing one, not minimal.
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "--max-reduce", "3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8(text_report(&suite)).expect("UTF-8");
    let row = text
        .lines()
        .find(|l| l.starts_with("  shortest failing"))
        .unwrap_or_else(|| panic!("a shortest failing row: {text}"));
    assert!(row.starts_with("  shortest failing "), "{row}");
    assert!(text.contains("\n  found in        iteration 1"), "{text}");
}

#[test]
fn a_batch_runner_s_failed_verdict_is_not_said_twice() {
    let suite = Suite::new();
    suite.file(
        "runner.sh",
        "while IFS= read -r t; do\n  case \"$t\" in\n    p) touch state/dirty; echo \"ok - $t\" ;;\n    v) if [ -e state/dirty ]; then echo \"not ok - $t\"; else echo \"ok - $t\"; fi ;;\n    *) echo \"ok - $t\" ;;\n  esac\ndone < \"$1\"\n",
    );
    suite.file(
        "smoke.toml",
        "[suite]\ntests = [\"p\", \"a\", \"v\"]\nbatch = \"sh runner.sh {tests-file}\"\nsetup = \"rm -rf state && mkdir state\"\n",
    );
    // One shard of one, so that smoke merge takes the report too.
    let out = suite.smoke(&["--order", "rotate", "--shard", "1/1", "--seed", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(suite.report()["failures"][0]["failure"], "failed");
    let text = String::from_utf8(text_report(&suite)).expect("UTF-8");
    assert!(text.contains("Failure 1: v failed\n"), "{text}");
    for said in [text.as_str(), &stdout(&out), &stderr(&out)] {
        assert!(!said.contains("failed (failed)"), "{said}");
    }
    let json = suite.reports().pop().expect("a report");
    let merged = suite
        .command()
        .args([
            "merge",
            &json.display().to_string(),
            "--report-dir",
            "merged",
        ])
        .output()
        .expect("runs");
    assert!(
        stdout(&merged).contains("FAILURE 1: v failed, seen 1 time(s)"),
        "{}{}",
        stdout(&merged),
        stderr(&merged)
    );
}

/// p leaves `dirty` in the suite folder (flags only, no smoke.toml), which v trips over.
fn flags_only_pair(dir: &std::path::Path, report: &std::path::Path) {
    fs::write(dir.join("p.sh"), "touch dirty\n").expect("write");
    fs::write(dir.join("v.sh"), "[ ! -e dirty ]\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_smoke"))
        .args(["--run", "sh {test}", "--setup", "rm -f dirty"])
        .args(["--order", "rotate", "--times", "1", "--report"])
        .arg(report)
        .args(["p.sh", "v.sh"])
        .current_dir(dir)
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn a_report_whose_suite_folder_is_gone_says_so_in_replay_and_resume() {
    let kept = tempfile::tempdir().expect("a folder for the report");
    let gone = tempfile::tempdir().expect("the suite folder");
    let report = kept.path().join("run.txt");
    flags_only_pair(gone.path(), &report);
    let suite_dir = gone.path().display().to_string();
    drop(gone);
    let json = report.with_extension("json");
    // An unfinished run, for resume to take up.
    let mut stopped: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&json).expect("read")).expect("JSON");
    stopped["status"] = "interrupted".into();
    stopped["completed"] = false.into();
    let stopped_json = kept.path().join("stopped.json");
    fs::write(&stopped_json, stopped.to_string()).expect("write");
    for (verb, file) in [("replay", &json), ("resume", &stopped_json)] {
        let out = Command::new(env!("CARGO_BIN_EXE_smoke"))
            .arg(verb)
            .arg(file)
            .arg("--trust-report")
            .current_dir(kept.path())
            .output()
            .expect("smoke runs");
        assert_eq!(out.status.code(), Some(2), "{verb}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "the suite folder '{suite_dir}' that '{}' ran in is missing: restore it",
                file.display()
            )),
            "{verb}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn replaying_another_project_s_report_says_that_the_suite_folders_differ() {
    let elsewhere = tempfile::tempdir().expect("the other project");
    let report = elsewhere.path().join("run.txt");
    flags_only_pair(elsewhere.path(), &report);
    let suite = Suite::new();
    suite.toml(&["a", "b"], "").dispatcher("");
    let out = suite
        .command()
        .args([
            "replay",
            &report.with_extension("json").display().to_string(),
            "--trust-report",
        ])
        .args(["--report-dir", "reports"])
        .output()
        .expect("smoke runs");
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("'p.sh' is not in the suite"), "{said}");
    assert!(
        said.contains(&format!(
            "the report ran in the suite folder '{}', not in '{}': replay it from there",
            elsewhere.path().display(),
            suite.path().display()
        )),
        "{said}"
    );
}
