//! Listing that a project's configuration cannot break, from the binary, for every preset that
//! asks a runner: pytest addopts that print a verbose tree and coverage reports (the node ids
//! come from a file smoke's plugin writes, and the project's other options stay), pytest-randomly's
//! seeded order under such addopts, rspec's `.rspec` formatters and `SPEC_OPTS`, a jest
//! configuration that is verbose, has a reporter of its own and prints while it loads, prove's
//! `.proverc` (`--shuffle`, `-j4`, `--state=save`) in batch mode, and an empty listing's error,
//! which names the command and shows what it printed. Each suite is compared with the same
//! project without the configuration: same names, same minimal pair, same exit status. Runners
//! missing here skip the test, except on CI (`CI` set), where they fail it.

mod common;

use common::{
    Suite, assert_no_hook_failures, example, have_jest, have_tool, jest_example, minimal_sequences,
    names, require_pytest, stderr, stdout,
};
use std::process::{Command, Output};

/// Run smoke with `args` (reports in ./reports) and `env` added.
fn smoke_with(suite: &Suite, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = suite.command();
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .args(args)
        .args(["--report-dir", "reports"])
        .output()
        .expect("smoke runs")
}

/// The options a project's pytest configuration keeps besides the ones that change what pytest
/// prints: a marker expression that leaves `test_slow` out, and a plugin module of the project
/// (`-p localplugin`) that deselects `test_dropped_by_plugin`.
const KEPT_OPTIONS: &str = r#"-m "not slow" -p localplugin"#;

/// What makes pytest print something other than node ids: a verbose tree, coverage of the
/// project's package with a threshold the listing misses, and a coverage table.
const NOISY_OPTIONS: &str = "-v --cov=pkg --cov-fail-under=99 --cov-report=term-missing";

/// A pytest project: `pkg` holds a module global that `test_b.py::test_pollute` sets and
/// `test_b.py::test_victim` trips over, among fillers; `addopts` is written into `config`
/// (`pytest.ini`, or `pyproject.toml`'s `[tool.pytest.ini_options]`).
fn pytest_project(config: &str, addopts: &str) -> Suite {
    let suite = Suite::new();
    suite
        .file(
            "pkg/__init__.py",
            "DIRTY = [False]\n\n\ndef unused(x):\n    if x:\n        return 1\n    return 2\n",
        )
        .file(
            "localplugin.py",
            "def pytest_collection_modifyitems(config, items):\n    dropped = [i for i in items \
             if i.name == 'test_dropped_by_plugin']\n    config.hook.pytest_deselected(items=dropped)\n    \
             items[:] = [i for i in items if i not in dropped]\n",
        );
    let mut a =
        String::from("import pytest\n\n\n@pytest.mark.slow\ndef test_slow():\n    pass\n\n\n");
    for i in 0..4 {
        a.push_str(&format!("def test_a{i}():\n    pass\n\n\n"));
    }
    a.push_str("def test_dropped_by_plugin():\n    pass\n");
    let mut b = String::from("import pkg\n\n\ndef test_pollute():\n    pkg.DIRTY[0] = True\n\n\n");
    for i in 0..3 {
        b.push_str(&format!("def test_b{i}():\n    pass\n\n\n"));
    }
    b.push_str("def test_victim():\n    assert not pkg.DIRTY[0]\n");
    suite.file("test_a.py", &a).file("test_b.py", &b);
    match config {
        "pytest.ini" => suite.file(
            "pytest.ini",
            &format!(
                "[pytest]\npythonpath = .\nmarkers =\n    slow: a slow test\naddopts = {addopts}\n"
            ),
        ),
        "pyproject.toml" => suite.file(
            "pyproject.toml",
            &format!(
                "[project]\nname = \"shop\"\nversion = \"0\"\n\n[tool.pytest.ini_options]\n\
                 pythonpath = [\".\"]\nmarkers = [\"slow: a slow test\"]\naddopts = {}\n",
                common::toml_string(addopts)
            ),
        ),
        other => panic!("no such configuration file: {other}"),
    };
    suite
}

/// The ids every pytest project above lists: neither the slow test nor the plugin's.
const PYTEST_IDS: [&str; 9] = [
    "test_a.py::test_a0",
    "test_a.py::test_a1",
    "test_a.py::test_a2",
    "test_a.py::test_a3",
    "test_b.py::test_pollute",
    "test_b.py::test_b0",
    "test_b.py::test_b1",
    "test_b.py::test_b2",
    "test_b.py::test_victim",
];

/// Whether the `python` on PATH has pytest-cov; skips (or fails on CI) when it does not.
fn have_pytest_cov() -> bool {
    let found = Command::new("python")
        .args(["-c", "import pytest_cov"])
        .output()
        .is_ok_and(|o| o.status.success());
    common::installed(
        found,
        "pytest-cov",
        "pip install -r examples/requirements.txt",
    )
}

/// `smoke --preset pytest` on `suite` in the listed order, fresh batches and forked: exit 1,
/// the planted pair, no coverage file left in the project.
fn shrinks_to_the_planted_pair(suite: &Suite) {
    for extra in [&[][..], &["--no-fork-server"]] {
        let mut args = vec!["--preset", "pytest", "--order", "rotate"];
        args.extend(extra);
        let out = suite.smoke(&args);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {}", stderr(&out));
        let report = suite.report();
        assert_no_hook_failures(&report);
        assert_eq!(
            minimal_sequences(&report),
            [["test_b.py::test_pollute", "test_b.py::test_victim"]],
            "{extra:?}"
        );
        assert_eq!(names(&report["failures"][0]["original"]), PYTEST_IDS);
    }
    for file in [".coverage", "coverage.xml"] {
        assert!(
            !suite.path().join(file).exists(),
            "{file} left in the project"
        );
    }
}

#[test]
fn pytest_addopts_that_print_a_verbose_tree_and_coverage_list_and_shrink_like_without_them() {
    require_pytest();
    if !have_pytest_cov() {
        return;
    }
    for config in ["pytest.ini", "pyproject.toml"] {
        // The same project with only the options that choose the tests.
        let plain = pytest_project(config, KEPT_OPTIONS);
        assert_eq!(
            plain.listed(&["--preset", "pytest"]),
            PYTEST_IDS,
            "{config}"
        );
        shrinks_to_the_planted_pair(&plain);

        let noisy = pytest_project(config, &format!("{NOISY_OPTIONS} {KEPT_OPTIONS}"));
        // What pytest prints for it: a tree, then a coverage table under the threshold.
        let collected = Command::new("pytest")
            .args(["--collect-only", "-q", "-p", "no:randomly"])
            .current_dir(noisy.path())
            .output()
            .expect("pytest runs");
        let shown = stdout(&collected);
        assert!(
            shown.contains("<Function test_victim>") && shown.contains("TOTAL"),
            "{config}: {shown}"
        );
        let _ = std::fs::remove_file(noisy.path().join(".coverage"));
        assert_eq!(
            noisy.listed(&["--preset", "pytest"]),
            PYTEST_IDS,
            "{config}"
        );
        shrinks_to_the_planted_pair(&noisy);
    }
}

#[test]
fn a_clean_pytest_collection_under_verbose_addopts_lists_whatever_its_exit_status() {
    require_pytest();
    // A plugin that ends a clean collection with exit status 1 (syrupy does, for unused
    // snapshots), in a project whose addopts make pytest print a verbose tree.
    let suite = pytest_project("pytest.ini", &format!("-v -rA {KEPT_OPTIONS}"));
    suite.file(
        "conftest.py",
        "def pytest_sessionfinish(session, exitstatus):\n    if \
         session.config.option.collectonly:\n        session.exitstatus = 1\n",
    );
    let out = suite
        .command()
        .args(["--preset", "pytest", "--list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), PYTEST_IDS);
    assert!(
        stderr(&out).contains("exited 1 after collecting 9 test(s) with no collection error"),
        "{}",
        stderr(&out)
    );

    // A collection error still stops it, with pytest's own words.
    suite.file("test_bad.py", "def test_c(:\n");
    let out = suite
        .command()
        .args(["--preset", "pytest", "--list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("failed (exit 1)"), "{err}");
    assert!(err.contains("error during collection"), "{err}");
    assert!(err.contains("SyntaxError"), "{err}");
}

#[test]
fn a_pytest_randomly_seed_is_turned_into_its_order_under_verbose_and_coverage_addopts() {
    require_pytest();
    if !have_pytest_cov() {
        return;
    }
    let suite = pytest_project("pytest.ini", &format!("{NOISY_OPTIONS} {KEPT_OPTIONS}"));
    // CI's run, shuffled by pytest-randomly, with the project's addopts: a seed whose order
    // puts the polluter first (every run misses the coverage threshold: the victim's FAILED
    // line tells them apart).
    let ci = |seed: u32| {
        let run = Command::new("pytest")
            .args(["-p", "randomly", "-p", "no:cacheprovider"])
            .arg(format!("--randomly-seed={seed}"))
            .current_dir(suite.path())
            .output()
            .expect("pytest runs");
        format!("{}{}", stdout(&run), stderr(&run))
    };
    let (seed, log) = (1..200)
        .map(|seed| (seed, ci(seed)))
        .find(|(_, log)| log.contains("FAILED test_b.py::test_victim"))
        .expect("a seed whose order fails");
    // What CI's log says without -v: the seed and the failing test, not the order (reproduce
    // asks pytest for it).
    let kept: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("--randomly-seed=") || l.starts_with("FAILED "))
        .collect();
    assert_eq!(kept.len(), 2, "{log}");
    suite.file("ci.log", &format!("{}\n", kept.join("\n")));

    let out = suite
        .command()
        .args([
            "reproduce",
            "ci.log",
            "--preset",
            "pytest",
            "--report-dir",
            "reports",
        ])
        .output()
        .expect("smoke runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let report = suite.report();
    let from = &report["reproduced_from"];
    assert_eq!(from["verdict"], "reproduced", "{report}");
    assert_eq!(from["seed"], seed.to_string(), "{report}");
    assert_eq!(from["seed_order"], true, "{report}");
    assert_eq!(from["named"], 9, "{report}");
    assert_eq!(
        minimal_sequences(&report),
        [["test_b.py::test_pollute", "test_b.py::test_victim"]]
    );
    // The order ran up to the victim is pytest-randomly's for that seed.
    let collected = Command::new("pytest")
        .args(["--collect-only", "-q", "-p", "randomly", "-p", "no:cov"])
        .args(["-o", &format!("addopts={KEPT_OPTIONS}")])
        .arg(format!("--randomly-seed={seed}"))
        .current_dir(suite.path())
        .output()
        .expect("pytest runs");
    let order: Vec<String> = stdout(&collected)
        .lines()
        .take_while(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let victim = order
        .iter()
        .position(|t| t == "test_b.py::test_victim")
        .expect("listed");
    assert_eq!(
        names(&report["failures"][0]["original"]),
        order[..=victim].to_vec()
    );
}

const RSPEC: &str = "apt-get install ruby-rspec";

/// examples/rspec with a project configuration whose formatters print to stdout: `.rspec`
/// (`--require spec_helper`, `--format documentation`, `--color`) and a spec helper that adds
/// the documentation formatter itself.
fn rspec_with_formatters() -> Suite {
    let suite = example("rspec");
    suite
        .file(
            ".rspec",
            "--require spec_helper\n--format documentation\n--color\n",
        )
        .file(
            "spec/spec_helper.rb",
            "RSpec.configure { |config| config.add_formatter 'documentation' }\n",
        );
    suite
}

#[test]
fn rspec_formatters_from_dot_rspec_a_spec_helper_and_spec_opts_list_and_shrink_like_without() {
    if !have_tool(&["rspec"], RSPEC) {
        return;
    }
    let plain = example("rspec");
    let ids = plain.listed(&[]);
    assert_eq!(ids.len(), 9, "{ids:?}");
    let run = |suite: &Suite, env: &[(&str, &str)], extra: &[&str]| {
        let mut args = vec!["--seed", "1", "-n", "4", "--keep-going"];
        args.extend(extra);
        let out = smoke_with(suite, env, &args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{env:?} {extra:?}: {}",
            stderr(&out)
        );
        let report = suite.report();
        assert_no_hook_failures(&report);
        minimal_sequences(&report)
    };
    let expected = run(&plain, &[], &[]);
    assert_eq!(
        expected[0],
        [
            "spec/price_list_spec.rb[1:2]",
            "spec/invoice_spec.rb[1:3:1]"
        ]
    );

    // CI's SPEC_OPTS: rspec takes its formatters instead of the command line's.
    let configured = rspec_with_formatters();
    for env in [&[][..], &[("SPEC_OPTS", "--format documentation")]] {
        let out = smoke_with(&configured, env, &["--list"]);
        assert_eq!(out.status.code(), Some(0), "{env:?}: {}", stderr(&out));
        assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), ids, "{env:?}");
        for extra in [&[][..], &["--no-fork-server"]] {
            assert_eq!(run(&configured, env, extra), expected, "{env:?} {extra:?}");
        }
    }
    // CI's shuffled run of the same project (seed 1 fails): its log names the seed and the
    // failures' `rspec ./spec/...:N` lines, and smoke asks rspec for that seed's order.
    let ci = Command::new("rspec")
        .args(["--order", "rand", "--seed", "1", "--format", "progress"])
        .current_dir(configured.path())
        .output()
        .expect("rspec runs");
    assert_eq!(ci.status.code(), Some(1), "{}", stdout(&ci));
    configured.file("ci.log", &stdout(&ci));
    let out = smoke_with(
        &configured,
        &[("SPEC_OPTS", "--format documentation")],
        &["reproduce", "ci.log"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let report = configured.report();
    let from = &report["reproduced_from"];
    assert_eq!(from["seed_order"], true, "{report}");
    assert_eq!(from["verdict"], "reproduced", "{report}");
    for pair in minimal_sequences(&report) {
        assert_eq!(pair[0], "spec/price_list_spec.rb[1:2]", "{report}");
    }
}

#[test]
fn a_verbose_jest_config_with_its_own_reporter_that_prints_while_loading_lists_and_shrinks() {
    if !have_jest() {
        return;
    }
    let plain = jest_example();
    let files = plain.listed(&[]);
    assert_eq!(files.len(), 5, "{files:?}");
    // Seed 7's order puts the cart before the checkout with no receipt between them.
    let shrink = |suite: &Suite| {
        let out = suite.smoke(&["--seed", "7", "-n", "1", "--keep-going"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let report = suite.report();
        assert_no_hook_failures(&report);
        assert_eq!(report["iterations"][0]["executed"], 5, "{report}");
        (
            names(&report["failures"][0]["original"]),
            minimal_sequences(&report),
        )
    };
    let expected = shrink(&plain);
    assert_eq!(
        expected.1,
        [["__tests__/cart.test.js", "__tests__/checkout.test.js"]]
    );

    // A configuration that is verbose, adds a reporter that prints (and logs that it ran), and
    // says on stdout where it was loaded from: a line that starts with a path, as jest's
    // `--listTests` lines do.
    let configured = jest_example();
    configured
        .file(
            "jest.config.js",
            "console.log(`${__dirname}/jest.config.js: verbose, with a reporter of its own`);
             module.exports = {
  verbose: true,
  reporters: ['default', '<rootDir>/loud-reporter.js'],
};
",
        )
        .file(
            "loud-reporter.js",
            "const fs = require('fs');
             module.exports = class Loud {
  onRunStart() { console.log('LOUD: start'); fs.appendFileSync(__dirname + '/loud.log', 'ran\\n'); }
               onTestResult(test, result) { console.log('LOUD: ' + result.testFilePath); }
};
",
        );
    assert_eq!(configured.listed(&[]), files);
    assert_eq!(shrink(&configured), expected);
    // smoke's --reporters replace the configuration's in batch mode: the loud one never ran.
    assert!(!configured.path().join("loud.log").exists());
}

#[test]
fn a_proverc_that_shuffles_parallelises_and_saves_state_does_not_touch_smoke_s_batches() {
    if !have_tool(&["prove"], "apt-get install perl") {
        return;
    }
    // Six files that each log their name as they end, each later one in the order asked
    // sooner: run side by side, they would log out of order.
    let suite = Suite::new();
    let order = ["t/f.t", "t/b.t", "t/e.t", "t/a.t", "t/d.t", "t/c.t"];
    for (i, name) in order.iter().enumerate() {
        let pause = (order.len() - i) as f64 * 0.05;
        suite.file(
            name,
            &format!(
                "select(undef, undef, undef, {pause});\nopen my $log, '>>', 'ran.log' or die;\n\
                 print $log \"$0\\n\";\nclose $log;\nprint \"1..1\\nok 1\\n\";\n"
            ),
        );
    }
    suite.file(".proverc", "--shuffle\n-j4\n--state=save\n");
    let mut args = vec!["--preset", "prove", "--mode", "batch", "--order", "rotate"];
    args.extend(order);
    let out = smoke_with(&suite, &[("HARNESS_OPTIONS", "j4")], &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        suite.ran(),
        order,
        "the batch ran in the order asked, one at a time"
    );
    assert_eq!(suite.report()["iterations"][0]["executed"], 6);
    assert!(
        !suite.path().join(".prove").exists(),
        "--state=save was read"
    );

    // examples/prove shrinks to its pair with the same .proverc.
    let example = example("prove");
    example.file(".proverc", "--shuffle\n-j4\n--state=save\n");
    let out = example.smoke(&["--seed", "1", "--mode", "batch", "-n", "4"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        minimal_sequences(&example.report()),
        [["t/20-debug.t", "t/10-defaults.t"]]
    );
}

#[test]
fn an_empty_listing_names_the_command_how_it_ended_and_the_end_of_what_it_printed() {
    // A list command of the user's that says something on stderr and prints no name.
    let suite = Suite::new();
    suite.file(
        "smoke.toml",
        "[suite]\nlist = \"echo; printf 'no tests under t/ \\\\033[2J\\\\n' >&2\"\nrun = \"sh {test}\"\n",
    );
    let out = suite.command().arg("--list").output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("the suite is empty: the list command 'echo; printf"),
        "{err}"
    );
    assert!(
        err.contains("\n  ran: echo; printf 'no tests under t/ "),
        "{err}"
    );
    assert!(
        err.contains("\n  ended: exit status 0\n  stdout: nothing\n"),
        "{err}"
    );
    assert!(
        err.contains("\n  stderr:\n    no tests under t/ \\x1b[2J"),
        "escaped for the terminal: {err}"
    );
    assert!(!err.contains('\x1b'), "{err}");

    // The pytest preset in a project with no tests and a verbose addopts.
    require_pytest();
    let empty = Suite::new();
    empty.file("pytest.ini", "[pytest]\naddopts = -v\n");
    let out = empty
        .command()
        .args(["--preset", "pytest", "--list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "the suite is empty: 'pytest --collect-only -q -p no:randomly -p no:random_order -p \
             no:cacheprovider' collected no tests\n  ran: pytest --collect-only -q -p no:randomly \
             -p no:random_order -p no:cacheprovider (with smoke's pytest plugin"
        ),
        "{err}"
    );
    assert!(err.contains("\n  ended: exit status 5\n  stdout"), "{err}");
    assert!(err.contains("no tests collected"), "{err}");
}
