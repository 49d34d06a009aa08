//! Batch runs from the binary: a fresh pytest that dies still names its test (smoke's plugin
//! streams each test's start and end), iterations stop at their first failure unless
//! `--keep-going` asks for the rest, and sequences too long for a command line reach the runner
//! through a file (`{tests-file}`, pytest's `@FILE`). Each pytest suite's conftest appends every
//! test it sets up to `ran.log`, so the tests check what really ran.

mod common;

use common::{Suite, assert_no_hook_failures, minimal_sequences, names, require_pytest, stderr};
use std::fs;

/// Logs every test pytest sets up, in every process (fresh, server child or nested).
const LOGGING_CONFTEST: &str = "import os\n\n\ndef pytest_runtest_setup(item):\n    with open(os.path.join(os.path.dirname(__file__), 'ran.log'), 'a') as f:\n        f.write(item.nodeid + '\\n')\n";

fn pair(a: &str, b: &str) -> Vec<Vec<String>> {
    vec![vec![a.to_string(), b.to_string()]]
}

/// 20 tests in two files; `test_b.py::test_pollute` sets a module global, and
/// `test_b.py::test_victim` (the last test) runs `victim` when it finds it set.
fn polluted_suite(victim: &str) -> Suite {
    let suite = Suite::new();
    suite
        .file("pytest.ini", "[pytest]\npythonpath = .\n")
        .file("conftest.py", LOGGING_CONFTEST)
        .file("shared.py", "DIRTY = False\n");
    let mut a = String::from("import shared\n\n");
    let mut b = String::from("import os, signal\nimport shared\n\n");
    for i in 0..9 {
        a.push_str(&format!("def test_a{i}():\n    pass\n\n"));
        b.push_str(&format!("def test_b{i}():\n    pass\n\n"));
    }
    a.push_str("def test_a9():\n    pass\n");
    b.push_str(&format!(
        "def test_pollute():\n    shared.DIRTY = True\n\ndef test_victim():\n    if shared.DIRTY:\n        {victim}\n"
    ));
    suite.file("test_a.py", &a).file("test_b.py", &b);
    suite
}

#[test]
fn a_test_that_kills_a_fresh_pytest_is_named_and_shrunk_to_the_pair() {
    require_pytest();
    // The preset, and a template of the user's that runs pytest (no preset).
    let custom = "[suite]\nlist = \"pytest --collect-only -q -p no:randomly | sed '/^$/q'\"\nbatch = \"python -m pytest -p no:randomly -q --junitxml={junit} {tests}\"\n";
    for (args, config) in [
        (&["--preset", "pytest", "--no-fork-server"][..], None),
        (&["--no-fork-server"][..], Some(custom)),
    ] {
        let suite = polluted_suite("os.kill(os.getpid(), signal.SIGKILL)");
        if let Some(config) = config {
            suite.file("smoke.toml", config);
        }
        let mut all = args.to_vec();
        all.extend(["--order", "rotate"]);
        let out = suite.smoke(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let report = suite.report();
        assert!(report["options"].get("fork_server").is_none(), "{report}");
        assert_eq!(
            minimal_sequences(&report),
            pair("test_b.py::test_pollute", "test_b.py::test_victim"),
            "{args:?}"
        );
        assert_eq!(report["failures"][0]["failure"], "signal 9", "{report}");
        assert_eq!(report["failures"][0]["proven_minimal"], true, "{report}");
        assert_no_hook_failures(&report);
        let ran = suite.ran();
        assert!(
            ran.contains(&"test_b.py::test_victim".to_string()),
            "{ran:?}"
        );
    }
}

#[test]
fn a_test_that_ends_a_fresh_pytest_with_status_0_is_a_failure_not_a_missing_report() {
    require_pytest();
    let suite = polluted_suite("os._exit(0)");
    let out = suite.smoke(&[
        "--preset",
        "pytest",
        "--no-fork-server",
        "--order",
        "rotate",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(
        minimal_sequences(&report),
        pair("test_b.py::test_pollute", "test_b.py::test_victim")
    );
    assert_eq!(report["failures"][0]["failure"], "failed", "{report}");
}

#[test]
fn a_fresh_pytest_that_dies_outside_any_test_is_abandoned_not_blamed_on_a_test() {
    require_pytest();
    let suite = polluted_suite("pass");
    // Dies after collection, before the first test: nothing to pin it on.
    suite.file(
        "conftest.py",
        &format!(
            "{LOGGING_CONFTEST}\nimport pytest\n\n\n@pytest.hookimpl(tryfirst=True)\ndef pytest_runtestloop(session):\n    import signal\n    if not session.config.option.collectonly:\n        os.kill(os.getpid(), signal.SIGKILL)\n"
        ),
    );
    let out = suite.smoke(&[
        "--preset",
        "pytest",
        "--no-fork-server",
        "--order",
        "rotate",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = suite.report();
    assert!(
        report["failures"].as_array().expect("array").is_empty(),
        "{report}"
    );
    let hooks = report["hook_failures"].as_array().expect("array");
    assert_eq!(hooks.len(), 1, "{report}");
    assert_eq!(hooks[0]["hook"], "batch");
    assert!(
        hooks[0]["output"]
            .as_str()
            .expect("output")
            .contains("outside any test"),
        "{report}"
    );
}

/// Whether the `python` on PATH imports `module`; skips (or fails on CI) when it does not.
fn python_has(module: &str, package: &str) -> bool {
    let found = std::process::Command::new("python")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    common::installed(found, package, "pip install -r examples/requirements.txt")
}

/// The polluted suite with `addopts` in its pytest.ini (and `env`, if any, in its smoke.toml's
/// [suite.env]), run by the pytest preset forked, as fresh batches and test by test. Each says
/// `note` once; test by test the module global never leaks, so nothing fails and every test
/// ran once. Returns the two batch runs (forked first) for their own checks: each found the
/// failure and shrank it to the planted pair.
fn each_way_pytest_starts(addopts: &str, env: Option<&str>, note: &str) -> Vec<(Suite, String)> {
    let mut batches = Vec::new();
    for args in [
        &[][..],
        &["--no-fork-server"],
        &["--times", "1", "--mode", "per-test"],
    ] {
        let suite = polluted_suite("assert False");
        suite.file(
            "pytest.ini",
            &format!("[pytest]\npythonpath = .\naddopts = {addopts}\n"),
        );
        if let Some(env) = env {
            suite.file(
                "smoke.toml",
                &format!("[suite]\npreset = \"pytest\"\n\n[suite.env]\n{env}\n"),
            );
        }
        let mut all = vec!["--preset", "pytest", "--order", "rotate"];
        all.extend(args);
        let out = suite.smoke(&all);
        let err = stderr(&out);
        assert_eq!(err.matches(note).count(), 1, "{args:?}: {err}");
        let report = suite.report();
        assert_no_hook_failures(&report);
        if args.contains(&"per-test") {
            assert_eq!(out.status.code(), Some(0), "{err}");
            assert_eq!(suite.ran().len(), 21, "{err}");
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(
            minimal_sequences(&report),
            pair("test_b.py::test_pollute", "test_b.py::test_victim"),
            "{args:?}"
        );
        batches.push((suite, err));
    }
    batches
}

/// The iteration ran the 21 tests in the order asked, each once, in one process.
fn ran_as_asked_once(suite: &Suite) {
    let report = suite.report();
    let asked = names(&report["failures"][0]["original"]);
    assert_eq!(suite.ran()[..21], asked[..]);
    assert_eq!(report["iterations"][0]["executed"], 21);
}

#[test]
fn pytest_xdist_from_addopts_is_turned_off_so_the_sequence_runs_in_one_process_in_order() {
    require_pytest();
    if !python_has("xdist", "pytest-xdist") {
        return;
    }
    // A suite whose configuration distributes its tests over two xdist workers.
    let note = "pytest-xdist's 2 workers (-n) are turned off for smoke's runs";
    let batches = each_way_pytest_starts("-n 2", None, note);
    for (suite, err) in &batches {
        ran_as_asked_once(suite);
        assert!(!err.contains("fork server cannot"), "{err}");
    }
    assert_eq!(batches[0].0.report()["options"]["fork_server"], "pytest");
}

#[test]
fn pytest_rerunfailures_reruns_are_turned_off_so_a_failure_runs_and_counts_once() {
    require_pytest();
    // Installed apart (see examples/requirements-apart.txt), on this suite's PYTHONPATH only.
    let apart = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/apart");
    let found = apart.join("pytest_rerunfailures.py").exists();
    let install = "pip install --no-deps --target .venv/apart -r examples/requirements-apart.txt";
    if !common::installed(found, "pytest-rerunfailures", install) {
        return;
    }
    let env = format!(
        "PYTHONPATH = {}",
        common::toml_string(&apart.to_string_lossy())
    );
    let note = "pytest-rerunfailures' --reruns 2 is turned off for smoke's runs";
    // The victim failed once in the iteration, not three times (each rerun sets it up again).
    for (suite, _) in each_way_pytest_starts("--reruns 2", Some(&env), note) {
        ran_as_asked_once(&suite);
    }
}

#[test]
fn pytest_cov_is_turned_off_so_a_coverage_threshold_does_not_abandon_every_sequence() {
    require_pytest();
    if !python_has("pytest_cov", "pytest-cov") {
        return;
    }
    // A few tests of the suite never reach the whole suite's coverage: without smoke turning
    // coverage off, every sequence would end in pytest-cov's failure.
    let note = "pytest-cov's coverage (--cov) is turned off for smoke's runs";
    let batches = each_way_pytest_starts("--cov=. --cov-fail-under=100", None, note);
    assert_eq!(batches[0].0.report()["options"]["fork_server"], "pytest");
}

/// pollute, victim 1, five bystanders, victim 2, in that order (rotate).
fn two_victims_suite() -> Suite {
    let suite = Suite::new();
    suite
        .file("pytest.ini", "[pytest]\npythonpath = .\n")
        .file("conftest.py", LOGGING_CONFTEST)
        .file("shared.py", "DIRTY = False\n");
    let mut body = String::from(
        "import shared\n\ndef test_pollute():\n    shared.DIRTY = True\n\ndef test_victim1():\n    assert not shared.DIRTY\n\n",
    );
    for i in 0..5 {
        body.push_str(&format!("def test_after{i}():\n    pass\n\n"));
    }
    body.push_str("def test_victim2():\n    assert not shared.DIRTY\n");
    suite.file("test_v.py", &body);
    suite
}

#[test]
fn an_iteration_stops_at_its_first_failure_unless_keep_going_asks_for_the_rest() {
    require_pytest();
    for fork in [&[][..], &["--no-fork-server"][..]] {
        let suite = two_victims_suite();
        let mut args = vec!["--preset", "pytest", "--order", "rotate"];
        args.extend(fork);
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(1), "{fork:?}: {}", stderr(&out));
        let report = suite.report();
        assert_eq!(
            minimal_sequences(&report),
            pair("test_v.py::test_pollute", "test_v.py::test_victim1"),
            "{fork:?}"
        );
        assert_eq!(report["iterations"][0]["executed"], 2, "{report}");
        assert!(report["options"].get("keep_going").is_none(), "{report}");
        // Nothing after the first failure ran, in the iteration or anywhere else.
        let ran = suite.ran();
        assert!(
            !ran.iter()
                .any(|t| t.contains("after") || t.contains("victim2")),
            "{fork:?}: {ran:?}"
        );

        let suite = two_victims_suite();
        args.push("--keep-going");
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(1), "{fork:?}: {}", stderr(&out));
        let report = suite.report();
        assert_eq!(report["options"]["keep_going"], true, "{report}");
        assert_eq!(report["iterations"][0]["executed"], 8, "{report}");
        let mut both = pair("test_v.py::test_pollute", "test_v.py::test_victim1");
        both.extend(pair("test_v.py::test_pollute", "test_v.py::test_victim2"));
        assert_eq!(minimal_sequences(&report), both, "{fork:?}");
        assert_eq!(
            report["failures"][1]["same_cause_as"], "test_v.py::test_victim1",
            "{report}"
        );
        let ran = suite.ran();
        assert!(
            ran.contains(&"test_v.py::test_after0".to_string()),
            "{fork:?}: {ran:?}"
        );
    }
}

#[test]
fn keep_going_in_per_test_mode_runs_the_iteration_on_and_shrinks_each_failure() {
    let suite = Suite::new();
    suite
        .dispatcher(
            "case \"$1\" in\n  p) touch state/dirty ;;\n  v*) test ! -e state/dirty ;;\nesac",
        )
        .toml(&["p", "v1", "x", "v2"], "");
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(minimal_sequences(&suite.report()), pair("p", "v1"));
    assert!(!suite.ran().contains(&"x".to_string()), "{:?}", suite.ran());

    let suite = Suite::new();
    suite
        .dispatcher(
            "case \"$1\" in\n  p) touch state/dirty ;;\n  v*) test ! -e state/dirty ;;\nesac",
        )
        .toml(&["p", "v1", "x", "v2"], "");
    let out = suite.smoke(&["--order", "rotate", "--keep-going"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let mut both = pair("p", "v1");
    both.extend(pair("p", "v2"));
    assert_eq!(minimal_sequences(&report), both);
    assert_eq!(&suite.ran()[..4], ["p", "v1", "x", "v2"]);
}

#[test]
fn the_config_key_keeps_going_and_bug_mode_refuses_the_flag() {
    let suite = Suite::new();
    suite
        .dispatcher(
            "case \"$1\" in\n  p) touch state/dirty ;;\n  v*) test ! -e state/dirty ;;\nesac",
        )
        .toml(&["p", "v1", "x", "v2"], "keep-going = true\n");
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(suite.report()["failures"].as_array().map(Vec::len), Some(2));

    let out = suite.smoke(&["--bug-mode", "--keep-going"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--keep-going"), "{}", stderr(&out));
}

/// `n` parametrized tests whose node ids are about `id_len` characters each; the 4th pollutes
/// and the last fails after it.
fn long_ids_suite(n: usize, id_len: usize) -> Suite {
    let suite = Suite::new();
    suite
        .file("pytest.ini", "[pytest]\npythonpath = .\n")
        .file("conftest.py", LOGGING_CONFTEST)
        .file("shared.py", "DIRTY = False\n")
        .file(
            "test_long.py",
            &format!(
                "import pytest\nimport shared\n\nN = {n}\n\n\n@pytest.mark.parametrize('i', range(N), ids=lambda i: '%04d-' % i + 'x' * {})\ndef test_long(i):\n    if i == 3:\n        shared.DIRTY = True\n    if i == N - 1:\n        assert not shared.DIRTY\n",
                id_len - 5
            ),
        );
    suite
}

#[test]
fn a_sequence_longer_than_the_command_line_limit_runs_and_shrinks_fresh_and_forked() {
    require_pytest();
    // 600 node ids of about 3,600 characters: 2.2 MB of names, above Linux's 2 MiB (ARG_MAX,
    // arguments and environment together), so they cannot go on one command line.
    let suite = long_ids_suite(600, 3600);
    let limit = 2 * 1024 * 1024;
    for fork in [&["--no-fork-server"][..], &[][..]] {
        let _ = fs::remove_file(suite.path().join("ran.log"));
        let mut args = vec!["--preset", "pytest", "--order", "rotate"];
        args.extend(fork);
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(1), "{fork:?}: {}", stderr(&out));
        let report = suite.report();
        let original = names(&report["failures"][0]["original"]);
        let bytes: usize = original.iter().map(|n| n.len() + 1).sum();
        assert!(bytes > limit, "{bytes} bytes of names");
        let minimal = &minimal_sequences(&report)[0];
        assert_eq!(minimal.len(), 2, "{fork:?}");
        assert!(minimal[0].starts_with("test_long.py::test_long[0003-"));
        assert!(minimal[1].starts_with("test_long.py::test_long[0599-"));
        assert_eq!(report["failures"][0]["proven_minimal"], true);
        // The whole first sequence really ran.
        assert!(suite.ran().len() >= 600, "{fork:?}: {}", suite.ran().len());
    }
}

#[test]
fn a_template_reading_the_tests_file_gets_every_name_in_order() {
    require_pytest();
    // pytest reads the file as its arguments; smoke's options go in first (the fork server's,
    // or the crash stream's and --maxfail=1 for a fresh pytest, which this victim's SIGKILL
    // needs).
    for fork in [&[][..], &["--no-fork-server"][..]] {
        let suite = polluted_suite("os.kill(os.getpid(), signal.SIGKILL)");
        suite.file(
            "smoke.toml",
            "[suite]\nlist = \"pytest --collect-only -q -p no:randomly | sed '/^$/q'\"\nbatch = \"pytest -p no:randomly -q --junitxml={junit} @{tests-file}\"\n",
        );
        let mut args = vec!["--order", "rotate"];
        args.extend(fork);
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(1), "{fork:?}: {}", stderr(&out));
        // The server started and served every sequence (no fresh pytest instead).
        assert!(!stderr(&out).contains("cannot take it"), "{}", stderr(&out));
        let report = suite.report();
        assert_eq!(
            report["options"].get("fork_server").is_some(),
            fork.is_empty(),
            "{report}"
        );
        assert_eq!(
            minimal_sequences(&report),
            pair("test_b.py::test_pollute", "test_b.py::test_victim"),
            "{fork:?}"
        );
        assert_eq!(report["failures"][0]["failure"], "signal 9", "{report}");
    }
    // A runner of smoke's own reading the file line by line (TAP), names with spaces and quotes.
    let suite = Suite::new();
    suite.file(
        "runner.sh",
        "while IFS= read -r t; do\n  printf '%s\\n' \"$t\" >> ran.log\n  case \"$t\" in\n    p*) touch state/dirty; echo \"ok - $t\" ;;\n    v*) if [ -e state/dirty ]; then echo \"not ok - $t\"; else echo \"ok - $t\"; fi ;;\n    *) echo \"ok - $t\" ;;\n  esac\ndone < \"$1\"\n",
    );
    let tests = ["a b", "p 'q'", "c", "v $x", "d"];
    suite.file(
        "smoke.toml",
        &format!(
            "[suite]\ntests = [{}]\nbatch = \"sh runner.sh {{tests-file}}\"\nsetup = \"rm -rf state && mkdir state\"\n",
            tests.map(common::toml_string).join(", ")
        ),
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(&suite.ran()[..4], ["a b", "p 'q'", "c", "v $x"]);
    assert_eq!(minimal_sequences(&suite.report()), pair("p 'q'", "v $x"));
}

#[test]
fn a_name_with_a_newline_is_refused_for_the_tests_file() {
    let suite = Suite::new();
    suite.file(
        "runner.sh",
        "while IFS= read -r t; do echo \"ok - $t\"; done < \"$1\"\n",
    );
    suite.file(
        "smoke.toml",
        "[suite]\ntests = [\"a\", \"b\\nc\"]\nbatch = \"sh runner.sh {tests-file}\"\n",
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("line break") && err.contains("{tests-file}"),
        "{err}"
    );
}

#[test]
fn the_tests_never_see_smokes_plugin_variables() {
    require_pytest();
    // A test that runs pytest itself would otherwise load smoke's plugin, or act as a server.
    let check = "import os\n\ndef test_env():\n    with open('env.log', 'a') as f:\n        f.write('%s %s %s\\n' % (os.environ.get('SMOKE_PYTEST_STREAM'), os.environ.get('SMOKE_FORK_SERVER'), 'smoke_fork_pytest' in os.environ.get('PYTEST_PLUGINS', '')))\n\ndef test_other():\n    pass\n";
    for template in ["{tests}", "@{tests-file}"] {
        for fork in [&[][..], &["--no-fork-server"][..]] {
            let suite = Suite::new();
            suite.file("test_env.py", check).file(
                "smoke.toml",
                &format!(
                    "[suite]\nlist = \"pytest --collect-only -q -p no:randomly | sed '/^$/q'\"\nbatch = \"pytest -p no:randomly -q --junitxml={{junit}} {template}\"\n"
                ),
            );
            let mut args = vec!["--order", "rotate"];
            args.extend(fork);
            let out = suite.smoke(&args);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{template} {fork:?}: {}",
                stderr(&out)
            );
            assert!(!stderr(&out).contains("cannot take it"), "{}", stderr(&out));
            let logged = fs::read_to_string(suite.path().join("env.log")).expect("env.log");
            assert_eq!(logged, "None None False\n", "{template} {fork:?}");
        }
    }
}
