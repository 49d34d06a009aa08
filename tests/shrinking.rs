//! The real binary over suites with planted order dependencies: what it finds, what it shrinks
//! to, and that what it says it ran is what ran.

mod common;

use common::{Suite, fillers, names, stderr, stdout};

/// t02 leaves state/dirty behind; t17 fails when it finds it.
fn far_apart() -> Suite {
    let suite = Suite::new();
    let tests = fillers(20);
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  t02) touch state/dirty ;;
  t17) [ ! -e state/dirty ] || { echo "t17: state is dirty"; exit 1; } ;;
esac"#,
    );
    suite
}

fn assert_counts_match_the_log(suite: &Suite, report: &serde_json::Value) {
    assert_eq!(
        report["stats"]["test_executions"].as_u64(),
        Some(suite.ran().len() as u64),
        "stats.test_executions must equal the tests that really ran"
    );
}

#[test]
fn a_polluter_and_victim_far_apart_shrink_to_the_pair() {
    let suite = far_apart();
    let out = suite.smoke(&["--seed", "1", "--iterations", "3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failure = &report["failures"][0];
    assert_eq!(names(&failure["minimal"]), ["t02", "t17"]);
    assert_eq!(failure["classification"], "order-dependent");
    assert_eq!(failure["failure"], "exit 1");
    assert_eq!(failure["proven_minimal"], true);
    assert!(names(&failure["original"]).ends_with(&["t17".to_string()]));
    assert!(!failure["reductions"].as_array().expect("array").is_empty());
    assert_eq!(report["completed"], true);
    assert_counts_match_the_log(&suite, &report);

    // The verbose rerun's log is beside the report and shows the failure.
    let log = failure["log"].as_str().expect("a log path");
    let log = std::fs::read_to_string(log).expect("the log exists");
    assert!(
        log.contains("=== t02 ===") && log.contains("t17: state is dirty"),
        "{log}"
    );
    assert_eq!(failure["rerun"], "exit 1");

    // The console says what was found, and where the report is.
    assert!(
        stdout(&out).contains("minimal (2 tests): t02 t17"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("report: "));

    // The replay command reproduces exactly the minimal sequence.
    let replay = failure["replay"].as_str().expect("replay");
    let mut words = shlex::split(replay).expect("a valid shell line");
    let program = words.remove(0);
    let binary = std::fs::canonicalize(env!("CARGO_BIN_EXE_smoke")).expect("the binary");
    assert!(program == "smoke" || std::fs::canonicalize(&program).ok() == Some(binary));
    suite.clear_ran();
    let again = suite.smoke(&words.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(suite.ran()[..2], ["t02", "t17"]);
    assert_eq!(
        names(&suite.report()["failures"][0]["minimal"]),
        ["t02", "t17"]
    );
}

#[test]
fn a_cleaner_between_polluter_and_victim_is_never_in_the_minimal_sequence() {
    let suite = Suite::new();
    let mut tests = fillers(10);
    tests.extend(["polluter", "cleaner", "victim"].map(String::from));
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  polluter) touch state/dirty ;;
  cleaner) rm -f state/dirty ;;
  victim) [ ! -e state/dirty ] || exit 1 ;;
esac"#,
    );
    let out = suite.smoke(&["--seed", "3", "--iterations", "8"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failures = report["failures"].as_array().expect("array");
    assert_eq!(
        failures.len(),
        1,
        "one unique failure, found again is counted"
    );
    assert_eq!(names(&failures[0]["minimal"]), ["polluter", "victim"]);
    // Some iterations had the cleaner land between them and passed.
    let results: Vec<&str> = report["iterations"]
        .as_array()
        .expect("array")
        .iter()
        .map(|i| i["result"].as_str().expect("str"))
        .collect();
    assert!(
        results.contains(&"passed") && results.contains(&"failed"),
        "{results:?}"
    );
    assert_counts_match_the_log(&suite, &report);
}

#[test]
fn a_test_that_fails_its_third_run_shrinks_to_three_runs_of_itself() {
    let suite = Suite::new();
    let mut tests = fillers(6);
    tests.push("counter".into());
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  counter) echo x >> state/count; [ "$(wc -l < state/count)" -lt 3 ] || exit 1 ;;
esac"#,
    );
    let out = suite.smoke(&["--seed", "9", "--times", "3", "--iterations", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(
        names(&report["failures"][0]["minimal"]),
        ["counter", "counter", "counter"]
    );
    assert_counts_match_the_log(&suite, &report);
}

#[test]
fn a_test_that_fails_alone_is_classified_so() {
    let suite = Suite::new();
    suite
        .toml(&["a", "broken", "b"], "")
        .dispatcher(r#"case "$1" in broken) echo "always broken"; exit 2 ;; esac"#);
    let out = suite.smoke(&["--seed", "1", "-n", "2"]);
    assert_eq!(out.status.code(), Some(1));
    let failure = &suite.report()["failures"][0];
    assert_eq!(failure["classification"], "fails-alone");
    assert_eq!(names(&failure["minimal"]), ["broken"]);
    assert_eq!(failure["failure"], "exit 2");
    assert!(
        failure["output"]
            .as_str()
            .expect("str")
            .contains("always broken")
    );
}

#[test]
fn a_failure_that_never_comes_back_is_flaky_and_not_reduced() {
    // Fails on its very first run and never again, whatever ran before it (the counter lives
    // outside the state folder, so setup does not reset it).
    let suite = Suite::new();
    let mut tests = fillers(8);
    tests.push("flaky".into());
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  flaky) echo x >> flaky.count; [ "$(wc -l < flaky.count)" -ne 1 ] || exit 1 ;;
esac"#,
    );
    let out = suite.smoke(&["--seed", "4", "-n", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let f = &report["failures"][0];
    assert_eq!(f["classification"], "flaky", "{report:#}");
    assert_eq!(
        f["minimal"], f["original"],
        "a flaky failure is not reduced"
    );
    assert!(f["reductions"].as_array().expect("array").is_empty());
    assert_eq!(f["proven_minimal"], false);
    assert_eq!(f["reproduced"]["failed"], 1);
    assert!(
        stdout(&out).contains("not reduced: the failure did not come back"),
        "{}",
        stdout(&out)
    );
    assert_counts_match_the_log(&suite, &report);
}

#[test]
fn with_retries_a_failure_that_comes_and_goes_is_flaky_with_its_rate_and_still_shrunk() {
    // The victim fails after the polluter only on every other polluted run.
    let suite = Suite::new();
    let mut tests = fillers(12);
    tests.extend(["polluter".into(), "victim".into()]);
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  polluter) touch state/dirty ;;
  victim) [ -e state/dirty ] || exit 0
          echo x >> victim.count; [ $(( $(wc -l < victim.count) % 2 )) -eq 0 ] || exit 1 ;;
esac"#,
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "--retries", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let f = &report["failures"][0];
    assert_eq!(f["classification"], "flaky", "{report:#}");
    assert_eq!(names(&f["minimal"]), ["polluter", "victim"]);
    // Shrunk to the pair (3 runs per removal), but a flaky result is never called verified.
    assert_eq!(f["proven_minimal"], false);
    let (failed, runs) = (
        f["reproduced"]["failed"].as_u64().expect("n"),
        f["reproduced"]["runs"].as_u64().expect("n"),
    );
    assert!(failed > 1 && failed < runs, "{failed}/{runs}");
    assert_eq!(report["options"]["retries"], 2);
    assert!(
        f["replay"]
            .as_str()
            .expect("replay")
            .contains("--retries 2"),
        "{}",
        f["replay"]
    );
    assert!(
        stdout(&out).contains(&format!(
            "flaky (not verified: it did not fail every time it ran again (failed {failed} of \
             {runs} runs)"
        )),
        "{}",
        stdout(&out)
    );
    assert_counts_match_the_log(&suite, &report);
}

#[test]
fn a_test_that_hangs_once_polluted_times_out_and_shrinks() {
    let suite = Suite::new();
    let mut tests = fillers(6);
    tests.extend(["polluter".into(), "hang".into()]);
    suite.toml(&tests, "timeout = \"400ms\"\n").dispatcher(
        r#"case "$1" in
  polluter) touch state/dirty ;;
  hang) [ ! -e state/dirty ] || sleep 30 ;;
esac"#,
    );
    let started = std::time::Instant::now();
    let out = suite.smoke(&[
        "--seed", "2", "-n", "1", "--order", "rotate", "--times", "1",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let failure = &suite.report()["failures"][0];
    assert_eq!(failure["failure"], "timeout");
    assert_eq!(names(&failure["minimal"]), ["polluter", "hang"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(25),
        "hung tests were killed"
    );
}

#[test]
fn the_first_test_to_fail_in_the_sequence_is_the_failure() {
    // After p, both w (exit 7) and v (exit 1) fail. The failure is the first test that fails in
    // the sequence, and shrinking v never counts a run where w failed first (the runner's unit
    // tests drive that case through the same oracle).
    let suite = Suite::new();
    suite.toml(&["p", "x", "w", "v"], "").dispatcher(
        r#"case "$1" in
  p) touch state/dirty ;;
  w) [ ! -e state/dirty ] || exit 7 ;;
  v) [ ! -e state/dirty ] || exit 1 ;;
esac"#,
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "p", "x", "v"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(names(&suite.report()["failures"][0]["minimal"]), ["p", "v"]);
    // Now w runs between p and v: the iteration fails at w, never claiming v.
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "p", "w", "v"]);
    assert_eq!(out.status.code(), Some(1));
    let failure = &suite.report()["failures"][0];
    assert_eq!(failure["test"], "w");
    assert_eq!(failure["failure"], "exit 7");
}

#[test]
fn match_restricts_what_counts_as_the_same_failure() {
    // v fails with exit 1 after a ("boom: a") and after b ("boom: b"): with --match 'boom: b'
    // only b can be the polluter.
    let suite = Suite::new();
    suite.toml(&["a", "b", "v"], "").dispatcher(
        r#"case "$1" in
  a) echo a >> state/by ;;
  b) echo b >> state/by ;;
  v) [ ! -e state/by ] || { echo "boom: $(tail -n 1 state/by)"; exit 1; } ;;
esac"#,
    );
    let out = suite.smoke(&[
        "--order", "rotate", "--times", "1", "--match", "boom: b", "a", "b", "v",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let failure = &suite.report()["failures"][0];
    assert_eq!(names(&failure["minimal"]), ["b", "v"]);
    assert!(
        failure["replay"]
            .as_str()
            .expect("str")
            .contains("--match 'boom: b'")
    );
}

/// v fails only when both a and b ran before it (each alone is harmless).
fn needs_both() -> Suite {
    let suite = Suite::new();
    let mut tests = fillers(30);
    tests.extend(["a".into(), "b".into(), "v".into()]);
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  a) touch state/a ;;
  b) touch state/b ;;
  v) [ -e state/a ] && [ -e state/b ] && { echo "v: a and b both ran"; exit 1; }; exit 0 ;;
esac"#,
    );
    suite
}

#[test]
fn two_polluters_that_are_both_needed_shrink_to_the_triple_and_it_is_verified() {
    let suite = needs_both();
    // rotate: the 30 fillers, a, b, v; a and b are 1 and 2 tests before v, so the first probes
    // split them apart.
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let f = &report["failures"][0];
    assert_eq!(names(&f["minimal"]), ["a", "b", "v"], "{report:#}");
    assert_eq!(f["classification"], "order-dependent");
    assert_eq!(f["proven_minimal"], true);
    assert_eq!(f["rerun"], "exit 1", "the verbose rerun fails too");
    let spent = f["shrink_executions"].as_u64().expect("n");
    assert!(spent <= 5 * 32, "{spent} test executions for k = 32");
    assert!(
        stdout(&out)
            .contains("1-minimal, verified: it fails, and passes with any one test dropped"),
        "{}",
        stdout(&out)
    );
    assert_counts_match_the_log(&suite, &report);

    // The shrink really ran [b v] and [a v]: each single removal was seen to pass.
    let ran = suite.ran().join(" ");
    assert!(ran.contains("b v") || ran.contains("a v"), "{ran}");
}

#[test]
fn max_reduce_caps_the_test_executions_of_a_shrink() {
    let suite = needs_both();
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "--max-reduce", "12"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let f = &report["failures"][0];
    assert_eq!(f["proven_minimal"], false);
    assert!(f["shrink_executions"].as_u64().expect("n") <= 12);
    assert_eq!(
        f["stopped_by"],
        format!(
            "--max-reduce 12: the next candidate would have gone past it, after {} test \
             execution(s)",
            f["shrink_executions"]
        )
    );
    assert!(stdout(&out).contains("not proven minimal: shrinking stopped (--max-reduce 12"));
    // What ran: the iteration (33 tests), at most 12 in the shrink, and the verbose rerun.
    let minimal = f["minimal"].as_array().expect("array").len();
    let rerun = if f["log"].is_null() { 0 } else { minimal };
    assert!(
        suite.ran().len() <= 33 + 12 + rerun,
        "{}",
        suite.ran().len()
    );
    assert_counts_match_the_log(&suite, &report);
}

#[test]
fn a_later_failure_that_holds_a_known_minimal_sequence_is_counted_not_shrunk() {
    let suite = far_apart();
    let out = suite.smoke(&["--seed", "1", "--iterations", "6", "--times", "3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let f = &report["failures"][0];
    assert!(f["seen"].as_u64().expect("n") >= 2, "{report:#}");
    assert_eq!(
        report["stats"]["reduction_tries"], f["tries"],
        "later finds spent no candidate runs"
    );
    assert!(
        stderr(&out).contains("failure 1 again (the failing run holds its minimal sequence)"),
        "{}",
        stderr(&out)
    );
    assert_counts_match_the_log(&suite, &report);
}

/// `--reduce testsmoke`: Apache::TestSmoke's halves and random windows find a planted pair of
/// polluters both needed, the 1-minimal proof still runs, and the reports name the reducer.
#[test]
fn reduce_testsmoke_finds_a_planted_pair_and_the_reports_name_it() {
    let suite = Suite::new();
    let tests = fillers(20);
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  t03) touch state/a ;;
  t11) touch state/b ;;
  t17) [ ! -e state/a ] || [ ! -e state/b ] || { echo "t17: a and b"; exit 1; } ;;
esac"#,
    );
    let out = suite.smoke(&["--seed", "1", "--iterations", "20", "--reduce", "testsmoke"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["options"]["reduce"], "testsmoke");
    let failure = &report["failures"][0];
    let mut minimal = names(&failure["minimal"]);
    assert_eq!(minimal.pop().as_deref(), Some("t17"));
    minimal.sort();
    assert_eq!(minimal, ["t03", "t11"]);
    assert_eq!(failure["proven_minimal"], true);
    let algorithms: Vec<&str> = failure["reductions"]
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["algorithm"].as_str().expect("str"))
        .collect();
    assert!(
        algorithms.iter().any(|a| a.starts_with("testsmoke-")),
        "{algorithms:?}"
    );
    assert!(
        algorithms
            .iter()
            .all(|a| a.starts_with("testsmoke-") || *a == "one-minimal"),
        "{algorithms:?}"
    );
    assert_counts_match_the_log(&suite, &report);
    let json = suite.reports().pop().expect("a JSON report");
    let text = std::fs::read_to_string(json.with_extension("txt")).expect("the text report");
    let options = text
        .lines()
        .find(|l| l.starts_with("options"))
        .expect("an options line");
    assert!(options.ends_with("; reduce testsmoke"), "{options}");
}
