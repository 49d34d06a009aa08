//! Batch mode and presets on real runners: pytest (installed from PyPI by CI), prove, cargo, and
//! a slow stand-in for go (go, gtest and ctest on their real toolchains are in tests/native.rs).
//! Each example under examples/ is copied to a temp folder and smoke is run on it from the
//! binary.

mod common;

use common::{Suite, example, minimal_sequences, names, require_pytest, stderr, stdout};

fn pair(polluter: &str, victim: &str) -> Vec<Vec<String>> {
    vec![vec![polluter.to_string(), victim.to_string()]]
}

#[test]
fn pytest_batch_finds_the_in_process_leak_that_per_test_mode_cannot_see() {
    require_pytest();
    let suite = example("pytest-global");
    let out = suite.smoke(&["--seed", "1", "-n", "4"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(
        minimal_sequences(&report),
        pair(
            "tests/test_settings.py::test_price_in_dollars",
            "tests/test_invoice.py::test_invoice_line_in_euro"
        )
    );
    let failure = &report["failures"][0];
    assert_eq!(failure["classification"], "order-dependent");
    assert_eq!(failure["failure"], "failed");
    assert_eq!(failure["proven_minimal"], true);
    assert!(
        failure["output"]
            .as_str()
            .expect("output")
            .contains("AssertionError"),
        "the failure's text from the JUnit XML: {failure}"
    );
    assert_eq!(report["options"]["execution"], "batch");
    assert_eq!(report["options"]["format"], "junit");
    assert_eq!(report["options"]["preset"], "pytest");
    // Every test of every batch was counted from the JUnit results: 8 per iteration.
    assert!(report["stats"]["test_executions"].as_u64().expect("count") >= 4 * 8);

    // The same suite, each test in its own process: the module global starts fresh every time.
    let out = suite.smoke(&["--seed", "1", "--mode", "per-test", "-n", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["failures"].as_array().expect("array").len(), 0);
    assert_eq!(report["options"]["execution"], "per-test");
}

#[test]
fn a_pytest_suite_of_820_tests_shrinks_within_k_plus_2_log2_k_counted_from_junit() {
    require_pytest();
    let suite = Suite::new();
    // A start-up like a real suite's (imports, plugins, fixtures): a second per pytest run.
    suite
        .file("pytest.ini", "[pytest]\npythonpath = .\n")
        .file("conftest.py", "import time\n\ntime.sleep(1.0)\n")
        .file("shared.py", "DIRTY = False\n");
    for m in 0..8 {
        let mut body = String::from("import shared\n\n");
        for i in 0..102 {
            body.push_str(&format!("def test_{m}_{i:03}():\n    pass\n\n"));
        }
        if m == 2 {
            body.push_str("def test_pollute():\n    shared.DIRTY = True\n\n");
        }
        if m == 7 {
            body.push_str("def test_victim():\n    assert not shared.DIRTY\n");
        }
        suite.file(&format!("test_m{m}.py"), &body);
    }
    // The usual order: the polluter early, the victim last, so the failing prefix is the suite.
    let out = suite.smoke(&["--preset", "pytest", "--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(
        minimal_sequences(&report),
        pair("test_m2.py::test_pollute", "test_m7.py::test_victim")
    );
    let failure = &report["failures"][0];
    let k = names(&failure["original"]).len() as f64;
    assert_eq!(k, 818.0);
    let executions = failure["shrink_executions"].as_u64().expect("count") as f64;
    assert!(
        executions <= k + 2.0 * k.log2(),
        "{executions} test executions to shrink a prefix of {k}"
    );
    // Counted from the runner's results: the iteration ran all 818 tests in one batch.
    assert_eq!(report["iterations"][0]["executed"], 818);
    // pytest times these tests 0.000 s: the batch's start-up (its wall time minus those times)
    // is then the fixed cost of every candidate, and the shrink halves instead of keeping a
    // third, for fewer pytest runs. Taken as one test's time, it cost 13 runs here (11 or 12
    // now, as the tests' own times come out on a busy machine).
    let batches = failure["tries"].as_u64().expect("tries");
    assert!(batches <= 12, "{batches} pytest runs to shrink");
}

#[test]
fn a_runner_that_reorders_the_tests_stops_smoke_with_the_option_that_keeps_the_order() {
    require_pytest();
    let suite = example("pytest-global");
    // pytest-randomly shuffles unless `-p no:randomly` is given. (Forked from the fork server,
    // the tests run in the asked order whatever a plugin did to the collected list: see
    // tests/fork.rs.)
    let out = suite.smoke(&[
        "--batch",
        "pytest --randomly-seed=3 -q --junitxml={junit} {tests}",
        "--order",
        "rotate",
        "--no-fork-server",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("did not run the sequence smoke asked for"),
        "{err}"
    );
    assert!(err.contains("-p no:randomly"), "{err}");
    let report = suite.report();
    assert_eq!(report["failures"].as_array().expect("array").len(), 0);
    assert_eq!(report["status"], "error");
}

#[test]
fn pytest_node_ids_with_spaces_quotes_and_shell_characters_reach_pytest_intact() {
    require_pytest();
    let suite = Suite::new();
    suite.file(
        "test_names.py",
        r#"import pytest

CASES = ["a b", "it's", 'say "hi"', "x; touch pwned", "$(touch pwned)", "back\\slash", "*?"]


@pytest.mark.parametrize("v", CASES, ids=CASES)
def test_name(v, request):
    with open("ran.log", "a") as log:
        log.write(request.node.nodeid + "\n")
"#,
    );
    for mode in ["batch", "per-test"] {
        suite.clear_ran();
        let out = suite.smoke(&[
            "--preset", "pytest", "--order", "rotate", "--times", "1", "--mode", mode,
        ]);
        assert_eq!(out.status.code(), Some(0), "{mode}: {}", stderr(&out));
        let listed = suite.listed(&["--preset", "pytest"]);
        assert_eq!(listed.len(), 7, "{listed:?}");
        assert_eq!(suite.ran(), listed, "{mode}");
        assert!(!suite.path().join("pwned").exists());
    }
}

#[test]
fn prove_per_test_and_batch_both_shrink_the_shared_state_file_to_the_pair() {
    let suite = example("prove");
    for mode in ["per-test", "batch"] {
        let out = suite.smoke(&["--seed", "1", "--mode", mode, "-n", "4"]);
        assert_eq!(out.status.code(), Some(1), "{mode}: {}", stderr(&out));
        let report = suite.report();
        assert_eq!(
            minimal_sequences(&report),
            pair("t/20-debug.t", "t/10-defaults.t"),
            "{mode}"
        );
        // prove's wait status: the same outcome as the file run alone.
        assert_eq!(report["failures"][0]["failure"], "exit 1", "{mode}");
        assert_eq!(report["failures"][0]["classification"], "order-dependent");
        // The example's probe-files names the file the polluter leaves.
        let summary = report["failures"][0]["probe"]["summary"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        match mode {
            "per-test" => assert_eq!(
                summary,
                "t/20-debug.t created state/mode (6 bytes); t/10-defaults.t failed with it present"
            ),
            _ => assert!(
                summary
                    .starts_with("the batch of 2 tests created state/mode (6 bytes) (batch mode"),
                "{summary}"
            ),
        }
    }
}

#[test]
fn cargo_lists_every_test_binary_and_runs_each_test_alone() {
    let suite = example("cargo");
    let out = suite
        .command()
        .args(["--report-dir", "reports", "--seed", "1", "-n", "4"])
        .env("CARGO_TARGET_DIR", suite.path().join("target"))
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let mut listed = suite.listed(&[]);
    listed.sort();
    assert_eq!(
        listed,
        [
            "greetings::default_greeting_is_hello",
            "greetings::greeting_can_be_changed",
            "greetings::shouting_is_upper_case",
            "shared_file::tests::the_file_is_next_to_the_crate",
        ]
    );
    assert_eq!(
        minimal_sequences(&report),
        pair(
            "greetings::greeting_can_be_changed",
            "greetings::default_greeting_is_hello"
        )
    );
    assert_eq!(report["failures"][0]["failure"], "exit 101");
}

/// A stand-in for `cargo` whose build takes 2 s, and the test binary it "built".
const SLOW_CARGO: &str = r#"#!/bin/sh
[ "$*" = "test --no-run --message-format=json" ] || { echo "unexpected: $*" >&2; exit 9; }
sleep 2
printf '{"reason":"compiler-artifact","profile":{"test":true},"target":{"name":"unit","kind":["lib"]},"executable":"%s/unit-bin"}\n' "$PWD"
"#;
const UNIT_BIN: &str = "#!/bin/sh\nprintf 'a: test\\nb: test\\n'\n";

#[test]
fn a_short_test_timeout_does_not_kill_the_cargo_build_but_still_limits_listing() {
    let suite = Suite::new();
    suite
        .file("fake-cargo", SLOW_CARGO)
        .file("unit-bin", UNIT_BIN);
    let args = ["--preset", "cargo", "--program", "./fake-cargo", "--list"];
    let out = suite.smoke(&[&args[..], &["--timeout", "1s"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        ["unit::a", "unit::b"]
    );
    // Listing a binary keeps the timeout: one that hangs is still stopped at 1 s.
    suite.file("unit-bin", "#!/bin/sh\nsleep 30\n");
    let out = suite.smoke(&[&args[..], &["--timeout", "1s"]].concat());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("listing its tests did not finish within 1s"),
        "{}",
        stderr(&out)
    );
}

/// A stand-in for `go` whose listing and builds take 2 s each: `list -json ./...` names one
/// package, `test -c -o OUT PKG` writes a test binary that lists two tests.
const SLOW_GO: &str = r#"#!/bin/sh
sleep 2
case "$1 $2 $3" in
  "list -json ./...") printf '{"ImportPath":"example.com/m/store","Dir":"%s","TestGoFiles":["s_test.go"]}\n' "$PWD" ;;
  "test -c -o") printf '#!/bin/sh\nprintf "TestA\\nTestB\\n"\n' > "$4"; chmod +x "$4" ;;
  *) echo "unexpected: $*" >&2; exit 9 ;;
esac
"#;

// The real toolchains run in tests/native.rs; a stand-in can be slow on purpose.
#[test]
fn go_listing_and_builds_compile_so_a_short_test_timeout_does_not_kill_them() {
    let suite = Suite::new();
    suite.file("fake-go", SLOW_GO);
    let out = suite.smoke(&[
        "--preset",
        "go",
        "--program",
        "./fake-go",
        "--timeout",
        "1s",
        "--list",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        ["example.com/m/store::TestA", "example.com/m/store::TestB"]
    );
}

/// A batch runner printing plain TAP, one test point per name; `boom` kills the runner.
const TAP_RUNNER: &str = r##"#!/bin/sh
for t in "$@"; do
  printf '%s\n' "$t" >> ran.log
  case "$t" in
    boom) kill -SEGV $$ ;;
    hang) sleep 30 ;;
    bad) echo "not ok - $t"; echo "# bad is always bad" ;;
    polluter) touch state/dirty; echo "ok - $t" ;;
    victim) if [ -e state/dirty ]; then echo "not ok - $t"; echo "# state/dirty is there"; else echo "ok - $t"; fi ;;
    *) echo "ok - $t" ;;
  esac
done
"##;

#[test]
fn a_tap_runner_that_dies_mid_sequence_pins_the_crash_on_the_running_test() {
    let suite = Suite::new();
    suite.file("runner.sh", TAP_RUNNER).file(
        "smoke.toml",
        "[suite]\ntests = [\"a\", \"boom\", \"b\"]\nbatch = \"sh runner.sh {tests}\"\n\
         state-ignore = [\"ran.log\"]\n",
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failure = &report["failures"][0];
    assert_eq!(failure["test"], "boom");
    assert_eq!(failure["failure"], "signal 11");
    assert_eq!(failure["classification"], "fails-alone");
    assert_eq!(report["options"]["format"], "tap");
    // b never ran in the iteration: the runner died in boom.
    assert_eq!(report["iterations"][0]["executed"], 2);
}

#[test]
fn a_tap_batch_shrinks_like_per_test_mode() {
    let suite = Suite::new();
    let mut tests: Vec<String> = common::fillers(30);
    tests.insert(5, "polluter".into());
    tests.push("victim".into());
    suite.file("runner.sh", TAP_RUNNER).file(
        "smoke.toml",
        &format!(
            "[suite]\ntests = [{}]\nbatch = \"sh runner.sh {{tests}}\"\nsetup = \"rm -rf state && mkdir state\"\n",
            tests.iter().map(|t| common::toml_string(t)).collect::<Vec<_>>().join(", ")
        ),
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(minimal_sequences(&report), pair("polluter", "victim"));
    assert_eq!(report["failures"][0]["output"], "# state/dirty is there\n");
    // What the tests logged is what smoke counted.
    assert_eq!(
        report["stats"]["test_executions"].as_u64(),
        Some(suite.ran().len() as u64)
    );
}

#[test]
fn a_junit_runner_that_dies_without_results_is_a_clear_error_not_a_guess() {
    let suite = Suite::new();
    suite.file(
        "smoke.toml",
        "[suite]\ntests = [\"a\", \"b\"]\nbatch = \"sh -c 'kill -SEGV $$' x {junit} {tests}\"\n",
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("does not say which test was running"), "{err}");
    let report = suite.report();
    assert_eq!(report["failures"].as_array().expect("array").len(), 0);
    assert_eq!(report["iterations"][0]["result"], "batch failed, abandoned");
}

#[test]
fn a_batch_past_its_time_limit_fails_the_test_that_was_running_as_timeout() {
    let suite = Suite::new();
    suite.file("runner.sh", TAP_RUNNER).file(
        "smoke.toml",
        "[suite]\ntests = [\"a\", \"hang\", \"b\"]\nbatch = \"sh runner.sh {tests}\"\ntimeout = \"1s\"\n",
    );
    let started = std::time::Instant::now();
    let out = suite.smoke(&["--order", "rotate", "--max-reduce", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failure = &report["failures"][0];
    assert_eq!(failure["test"], "hang");
    assert_eq!(failure["failure"], "timeout");
    // The limit is the per-test timeout times the batch's length (3 s), not sleep's 30 s.
    assert!(started.elapsed() < std::time::Duration::from_secs(25));
}

#[test]
fn bug_mode_runs_one_batch_and_shows_every_result() {
    let suite = Suite::new();
    suite.file("runner.sh", TAP_RUNNER).file(
        "smoke.toml",
        "[suite]\ntests = [\"a\", \"bad\", \"b\"]\nbatch = \"sh runner.sh {tests}\"\n",
    );
    let out = suite.smoke(&["--bug-mode"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        suite.ran(),
        ["a", "bad", "b"],
        "one batch, in the suite's order"
    );
    let report = suite.report();
    let results: Vec<(String, String)> = report["tests"]
        .as_array()
        .expect("bug mode lists the tests")
        .iter()
        .map(|t| {
            (
                t["test"].as_str().unwrap().to_string(),
                t["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("a".into(), "ok".into()),
            ("bad".into(), "failed".into()),
            ("b".into(), "ok".into())
        ]
    );
    assert!(
        common::stdout(&out).contains("bad is always bad"),
        "{}",
        common::stdout(&out)
    );
}
