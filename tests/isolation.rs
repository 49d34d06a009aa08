//! A test that reaches for its parent process (`kill -KILL $PPID`, `os.kill(os.getppid(), 9)`)
//! finds smoke's keeper, never smoke: the run ends normally with a whole report, and the death is
//! that test's failure (`signal 9`), shrunk like any other, per test and in a batch (fresh
//! pytest, or the fork server and then the fresh pytest smoke falls back to).

mod common;

use common::{Suite, assert_no_hook_failures, minimal_sequences, require_pytest, stderr};

fn pair(a: &str, b: &str) -> Vec<Vec<String>> {
    vec![vec![a.to_string(), b.to_string()]]
}

/// Checks a run over a suite whose victim kills its parent after the polluter ran: smoke exits
/// 1 (not 137), its report is complete, and the failure is the victim's `signal 9`, shrunk to
/// the pair.
fn assert_victim_named(suite: &Suite, args: &[&str], polluter: &str, victim: &str) {
    assert_victim_named_with(suite, args, polluter, victim, true);
}

/// [`assert_victim_named`]; with `whole` false, a sequence abandoned because its runner died by
/// signal 9 after reporting every test as passed is allowed beside the named failure (see the
/// wrapped batch command below).
fn assert_victim_named_with(
    suite: &Suite,
    args: &[&str],
    polluter: &str,
    victim: &str,
    whole: bool,
) {
    let out = suite.smoke(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
    let report = suite.report();
    assert_eq!(report["status"], "completed", "{args:?}: {report}");
    assert_eq!(
        minimal_sequences(&report),
        pair(polluter, victim),
        "{args:?}"
    );
    assert_eq!(report["failures"][0]["failure"], "signal 9", "{report}");
    assert_eq!(report["failures"][0]["proven_minimal"], true, "{report}");
    if whole {
        assert_no_hook_failures(&report);
    } else {
        for hook in report["hook_failures"].as_array().expect("an array") {
            assert_eq!(hook["hook"], "batch", "{report}");
            assert_eq!(hook["result"], "signal 9", "{report}");
        }
    }
}

#[test]
fn a_test_that_kills_its_parent_is_its_own_failure_per_test_whatever_the_template() {
    // `exec`ed by sh (`sh {test}`, `{test}`, `python3 {test}`) or not (`cd t && ...`): the
    // test's parent is smoke's keeper or the shell, never smoke.
    let shell_kill = "#!/bin/sh\nif [ -e state/polluted ]; then kill -KILL $PPID; sleep 1; fi\n";
    let python_kill = "import os, time\nif os.path.exists('state/polluted'):\n    os.kill(os.getppid(), 9)\n    time.sleep(1)\n";
    for (template, ext, victim) in [
        ("sh {test}", "sh", shell_kill),
        ("{test}", "sh", shell_kill),
        ("cd t && sh \"$(basename {test})\"", "sh", shell_kill),
        ("python3 {test}", "py", python_kill),
    ] {
        let suite = Suite::new();
        let names: Vec<String> = ["a", "pollute", "b", "victim", "c"]
            .iter()
            .map(|n| format!("t/{n}.{ext}"))
            .collect();
        for name in &names {
            let body = if name.contains("victim") {
                victim
            } else if name.contains("pollute") && ext == "py" {
                "open('state/polluted', 'w').close()\n"
            } else if name.contains("pollute") {
                "#!/bin/sh\ntouch state/polluted\n"
            } else if ext == "py" {
                "pass\n"
            } else {
                "#!/bin/sh\nexit 0\n"
            };
            suite.file(name, body);
        }
        let mut args = vec![
            "--no-config",
            "--run",
            template,
            "--setup",
            // `cd t` runs the tests from t/, where their state/ is t/state.
            "rm -rf state t/state && mkdir state t/state",
            "--order",
            "rotate",
            "--times",
            "1",
        ];
        args.extend(names.iter().map(String::as_str));
        assert_victim_named(&suite, &args, &names[1], &names[3]);
    }
}

/// 12 pytest tests; `test_b.py::test_pollute` leaves a file behind (per-test mode runs each
/// test in its own pytest) and sets a module global (batch mode runs the sequence in one), and
/// `test_b.py::test_victim` kills its parent process when it finds either.
fn parent_killing_suite() -> Suite {
    let suite = Suite::new();
    suite
        .file("pytest.ini", "[pytest]\npythonpath = .\n")
        .file("shared.py", "DIRTY = False\n");
    let mut a = String::new();
    let mut b = String::from("import os\nimport shared\n\n");
    for i in 0..5 {
        a.push_str(&format!("def test_a{i}():\n    pass\n\n"));
        b.push_str(&format!("def test_b{i}():\n    pass\n\n"));
    }
    b.push_str(
        "def test_pollute():\n    shared.DIRTY = True\n    open('polluted', 'w').close()\n\n\
         def test_victim():\n    if shared.DIRTY or os.path.exists('polluted'):\n        \
         os.kill(os.getppid(), 9)\n",
    );
    suite.file("test_a.py", &a).file("test_b.py", &b);
    suite
}

#[test]
fn a_pytest_test_that_kills_its_parent_is_its_own_failure_per_test() {
    require_pytest();
    let suite = parent_killing_suite();
    assert_victim_named(
        &suite,
        &[
            "--preset",
            "pytest",
            "--mode",
            "per-test",
            "--setup",
            "rm -f polluted",
            "--order",
            "rotate",
            "--times",
            "1",
        ],
        "test_b.py::test_pollute",
        "test_b.py::test_victim",
    );
}

#[test]
fn a_pytest_test_that_kills_the_fork_server_and_then_the_fresh_pytests_parent_is_named() {
    require_pytest();
    // The fork server (the test kills it; smoke then runs fresh pytest processes, whose parent
    // the test kills too), fresh pytest from the start, and a batch command that does not exec
    // pytest (its parent is the shell).
    let wrapped = "[suite]\nlist = \"pytest --collect-only -q -p no:randomly | sed '/^$/q'\"\nbatch = \"cd . && python -m pytest -p no:randomly -q --junitxml={junit} {tests}\"\n";
    for (args, config) in [
        (&["--preset", "pytest"][..], None),
        (&["--preset", "pytest", "--no-fork-server"][..], None),
        (&["--no-fork-server"][..], Some(wrapped)),
    ] {
        let suite = parent_killing_suite();
        if let Some(config) = config {
            suite.file("smoke.toml", config);
        }
        let mut all = args.to_vec();
        all.extend(["--setup", "rm -f polluted", "--order", "rotate"]);
        // Known race, not yet found: under load, the wrapped command (pytest under `sh -c 'cd
        // . && ...'`) now and then has one confirmation run in which the victim's kill of its
        // parent is not seen before pytest writes that the victim passed, and that run is
        // abandoned (reported as such, never as a pass). The failure itself is still named,
        // shrunk and proven.
        assert_victim_named_with(
            &suite,
            &all,
            "test_b.py::test_pollute",
            "test_b.py::test_victim",
            config.is_none(),
        );
    }
}
