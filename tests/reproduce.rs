//! `smoke reproduce EVIDENCE...` from the binary, on what real runners leave in CI: each test
//! runs the real runner as CI would (a shuffled or fixed order that fails), keeps its JUnit XML
//! or console log, and hands that to smoke, which must find the same failure in that order,
//! shrink it and prove it. Then the evidence smoke must refuse (exit 2) and a failure that does
//! not come back (exit 0, never a "found"). Runners missing here skip the test, except on CI
//! (`CI` set), where they fail it.

mod common;

use common::{
    Suite, assert_no_hook_failures, example, have_tool, minimal_sequences, names, require_pytest,
    stderr, stdout,
};
use std::fs;
use std::process::{Command, Output};

/// Run `script` with `sh -c` in the suite's folder, as CI would run the runner.
fn sh(suite: &Suite, script: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(suite.path())
        .output()
        .expect("sh runs")
}

/// CI's shuffled run: the first seed below 200 whose `script(seed)` exits 1, and its output.
fn first_failing_seed(suite: &Suite, script: impl Fn(u32) -> String) -> (u32, Output) {
    (1..200)
        .map(|seed| (seed, sh(suite, &script(seed))))
        .find(|(_, run)| run.status.code() == Some(1))
        .expect("a seed whose order fails")
}

/// `smoke reproduce ARGS`, reports in ./reports.
fn reproduce(suite: &Suite, args: &[&str]) -> Output {
    suite
        .command()
        .arg("reproduce")
        .args(args)
        .args(["--report-dir", "reports"])
        .output()
        .expect("smoke runs")
}

/// The reproduce section of a report.
fn from(report: &serde_json::Value) -> &serde_json::Value {
    &report["reproduced_from"]
}

/// 20 pytest tests in two files; `test_b.py::test_pollute` sets a module global that
/// `test_b.py::test_victim` trips over.
fn pytest_suite() -> Suite {
    let suite = Suite::new();
    suite
        .file("pytest.ini", "[pytest]\npythonpath = .\n")
        .file("shared.py", "DIRTY = False\n");
    let mut a = String::from("import shared\n\n");
    let mut b = String::from("import os\nimport shared\n\n");
    for i in 0..10 {
        a.push_str(&format!("def test_a{i}():\n    pass\n\n"));
    }
    for i in 0..8 {
        b.push_str(&format!("def test_b{i}():\n    pass\n\n"));
    }
    b.push_str(
        "def test_pollute():\n    shared.DIRTY = True\n\ndef test_victim():\n    assert not shared.DIRTY\n    assert not os.environ.get('ONLY_IN_CI')\n",
    );
    suite.file("test_a.py", &a).file("test_b.py", &b);
    suite
}

const POLLUTER: &str = "test_b.py::test_pollute";
const VICTIM: &str = "test_b.py::test_victim";

/// The checks every reproduced failure gets: exit 1, the verdict, the proven pair.
fn assert_reproduced(suite: &Suite, out: &Output, polluter: &str, victim: &str) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(out),
        stderr(out)
    );
    let report = suite.report();
    assert_eq!(from(&report)["verdict"], "reproduced", "{report}");
    let failing = &from(&report)["failing"];
    assert!(
        failing
            .as_array()
            .expect("array")
            .iter()
            .any(|t| t["test"] == victim && t["reproduced"] == true),
        "{failing}"
    );
    let minimal = minimal_sequences(&report);
    assert!(
        minimal.contains(&vec![polluter.to_string(), victim.to_string()]),
        "{minimal:?}"
    );
    let failure = report["failures"]
        .as_array()
        .expect("array")
        .iter()
        .find(|f| f["test"] == victim)
        .expect("the victim's failure");
    assert_eq!(failure["proven_minimal"], true, "{report}");
    assert_eq!(failure["classification"], "order-dependent", "{report}");
    assert!(
        failure["replay"]
            .as_str()
            .is_some_and(|r| r.contains(victim)),
        "{failure}"
    );
    assert!(
        stdout(out).contains("reproduced: "),
        "the verdict line: {}",
        stdout(out)
    );
    assert_no_hook_failures(&report);
}

#[test]
fn a_pytest_randomly_seed_in_a_ci_log_is_turned_into_its_order_by_pytest_and_reproduced() {
    require_pytest();
    let suite = pytest_suite();
    // CI's run: pytest-randomly shuffles; a seed whose order puts the polluter first fails.
    let (seed, run) = first_failing_seed(&suite, |seed| {
        format!("pytest -p randomly -p no:cacheprovider --randomly-seed={seed}")
    });
    let log = format!("{}{}", stdout(&run), stderr(&run));
    assert!(log.contains(&format!("--randomly-seed={seed}")), "{log}");
    suite.file("ci.log", &log);

    let out = reproduce(&suite, &["ci.log", "--preset", "pytest"]);
    assert_reproduced(&suite, &out, POLLUTER, VICTIM);
    let report = suite.report();
    assert_eq!(from(&report)["seed"], seed.to_string(), "{report}");
    assert_eq!(from(&report)["seed_runner"], "pytest-randomly", "{report}");
    assert_eq!(from(&report)["seed_order"], true, "{report}");
    assert_eq!(from(&report)["named"], 20, "{report}");
    // The order runs up to the victim: its position in pytest-randomly's order for that seed.
    let collected = sh(
        &suite,
        &format!("pytest --collect-only -q -p randomly -p no:cacheprovider --randomly-seed={seed}"),
    );
    let order: Vec<String> = stdout(&collected)
        .lines()
        .take_while(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let victim_at = order.iter().position(|t| t == VICTIM).expect("listed");
    assert_eq!(from(&report)["length"], victim_at + 1, "{report}");
    assert_eq!(
        names(&report["failures"][0]["original"]),
        order[..=victim_at].to_vec(),
        "the failing sequence is pytest-randomly's order for that seed, up to the victim"
    );
    assert!(
        stderr(&out).contains(&format!("pytest-randomly's seed {seed}")),
        "{}",
        stderr(&out)
    );
}

/// CI's fixed-order pytest run in which the victim is not the last test: test_b.py, then
/// test_a.py. `extra` goes on pytest's command line.
fn pytest_ci_run(suite: &Suite, extra: &str) -> Output {
    let run = sh(
        suite,
        &format!("pytest -p no:randomly -p no:cacheprovider {extra} test_b.py test_a.py"),
    );
    assert_eq!(run.status.code(), Some(1), "{}", stdout(&run));
    run
}

#[test]
fn a_pytest_junit_file_whose_failing_test_is_not_last_runs_its_order_up_to_the_failure() {
    require_pytest();
    let suite = pytest_suite();
    pytest_ci_run(&suite, "--junitxml=junit.xml");
    let out = reproduce(&suite, &["junit.xml", "--preset", "pytest"]);
    assert_reproduced(&suite, &out, POLLUTER, VICTIM);
    let report = suite.report();
    assert_eq!(from(&report)["source"], "junit", "{report}");
    assert_eq!(from(&report)["named"], 20, "{report}");
    // test_b.py's ten tests, the victim last: the ten of test_a.py after it do not run.
    assert_eq!(from(&report)["length"], 10, "{report}");
    assert_eq!(report["iterations"].as_array().expect("array").len(), 1);
    assert_eq!(
        names(&report["failures"][0]["original"])
            .last()
            .map(String::as_str),
        Some(VICTIM)
    );
}

#[test]
fn two_junit_files_of_one_run_are_put_in_the_order_of_their_timestamps() {
    require_pytest();
    let suite = pytest_suite();
    pytest_ci_run(&suite, "--junitxml=junit.xml");
    let xml = fs::read_to_string(suite.path().join("junit.xml")).expect("junit");
    // Split the run's testcases between two files, as a CI that shards by file writes them.
    let re = regex::Regex::new(r"(?s)<testcase .*?(?:/>|</testcase>)").expect("regex");
    let cases: Vec<&str> = re.find_iter(&xml).map(|m| m.as_str()).collect();
    assert_eq!(cases.len(), 20, "{xml}");
    let file = |stamp: &str, cases: &[&str]| {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite name=\"pytest\" \
             errors=\"0\" failures=\"0\" skipped=\"0\" tests=\"{}\" timestamp=\"{stamp}\">{}\
             </testsuite></testsuites>",
            cases.len(),
            cases.concat()
        )
    };
    suite
        .file("first.xml", &file("2026-01-01T10:00:00", &cases[..5]))
        .file("second.xml", &file("2026-01-01T10:00:07", &cases[5..]));
    // Named the other way round: the timestamps decide.
    let out = reproduce(&suite, &["second.xml", "first.xml", "--preset", "pytest"]);
    assert_reproduced(&suite, &out, POLLUTER, VICTIM);
    let report = suite.report();
    // The files in the order of their timestamps, as their tests ran.
    assert_eq!(
        names(&from(&report)["evidence"]),
        ["first.xml", "second.xml"]
    );
    assert_eq!(from(&report)["length"], 10, "{report}");
}

#[test]
fn a_pytest_v_log_with_colour_codes_is_read_as_the_order_it_shows() {
    require_pytest();
    let suite = pytest_suite();
    let run = pytest_ci_run(&suite, "-v --color=yes");
    let log = stdout(&run);
    assert!(
        log.contains("\u{1b}["),
        "pytest printed colour codes: {log}"
    );
    suite.file("ci.log", &log);
    let out = reproduce(&suite, &["ci.log", "--preset", "pytest"]);
    assert_reproduced(&suite, &out, POLLUTER, VICTIM);
    let report = suite.report();
    assert_eq!(from(&report)["source"], "log", "{report}");
    assert_eq!(from(&report)["length"], 10, "{report}");
}

#[test]
fn a_failure_that_does_not_come_back_is_not_reproduced_exit_0_and_the_report_says_so() {
    require_pytest();
    let suite = pytest_suite();
    // In CI the victim failed because of CI's environment, not the order.
    let run = sh(
        &suite,
        "ONLY_IN_CI=1 pytest -p no:randomly -p no:cacheprovider --junitxml=junit.xml test_a.py test_b.py::test_victim",
    );
    assert_eq!(run.status.code(), Some(1), "{}", stdout(&run));
    let out = reproduce(&suite, &["junit.xml", "--preset", "pytest", "--tries", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("not reproduced in 2 tries")
            && said.contains("flaky, or the environment differs"),
        "{said}"
    );
    assert!(!said.contains("reproduced: "), "never a found: {said}");
    let report = suite.report();
    assert_eq!(from(&report)["verdict"], "not-reproduced", "{report}");
    assert_eq!(from(&report)["failing"][0]["reproduced"], false, "{report}");
    assert_eq!(report["status"], "completed");
    assert_eq!(report["iterations"].as_array().expect("array").len(), 2);
    assert!(report["failures"].as_array().expect("array").is_empty());
    let text = fs::read_to_string(suite.reports()[0].with_extension("txt")).expect("text");
    assert!(text.contains("not reproduced in 2 tries"), "{text}");
}

#[test]
fn evidence_smoke_cannot_use_is_refused_with_what_it_is_instead() {
    let suite = Suite::new();
    suite.dispatcher("case \"$1\" in *) exit 0 ;; esac");
    suite.toml(&["a", "b"], "");
    suite
        .file("page.html", "<!DOCTYPE html>\n<html><body>CI run #12</body></html>\n")
        .file("empty.xml", "")
        .file(
            "passed.xml",
            "<?xml version=\"1.0\"?><testsuite name=\"t\" tests=\"2\"><testcase classname=\"\" \
             name=\"a\"/><testcase classname=\"\" name=\"b\"/></testsuite>",
        )
        .file(
            "prose.log",
            "Build started at 10:00 on runner 7\nFetching the repository from origin, this may take a while\nAll steps finished with status 0 after a long time\n",
        );
    for (file, says) in [
        ("page.html", "HTML"),
        ("empty.xml", "empty"),
        ("passed.xml", "no failed test"),
        ("prose.log", "no seed line and no test names"),
        ("missing.xml", "cannot read the evidence 'missing.xml'"),
    ] {
        let out = reproduce(&suite, &[file]);
        assert_eq!(out.status.code(), Some(2), "{file}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(file) && err.contains(says), "{file}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(suite.reports().is_empty(), "nothing ran, no report");
    assert!(suite.ran().is_empty());
}

#[test]
fn names_the_suite_does_not_have_are_listed_never_guessed() {
    let suite = Suite::new();
    suite.dispatcher(
        "case \"$1\" in\nb) if [ -e state/dirty ]; then exit 1; fi ;;\na) touch state/dirty ;;\nesac",
    );
    suite.toml(&["a", "b", "c"], "");
    suite.file(
        "ci.log",
        "ok 1 - c\nok 2 - a\nok 3 - gone_test\nnot ok 4 - b\nok 5 - c2\n1..5\n",
    );
    let out = reproduce(&suite, &["ci.log"]);
    assert_reproduced(&suite, &out, "a", "b");
    let report = suite.report();
    assert_eq!(names(&from(&report)["unknown"]), ["gone_test", "c2"]);
    assert_eq!(from(&report)["length"], 3, "{report}");
    assert!(
        stderr(&out).contains("left out (never guessed): gone_test, c2"),
        "{}",
        stderr(&out)
    );
    // The order ran was c, a, b: what TAP said, without the unknown names.
    assert_eq!(&suite.ran()[..3], ["c", "a", "b"]);
}

#[test]
fn a_names_file_and_test_pick_the_failure_and_order_file_serves_a_normal_run() {
    let suite = Suite::new();
    suite.dispatcher(
        "case \"$1\" in\nb|d) if [ -e state/dirty ]; then exit 1; fi ;;\na) touch state/dirty ;;\nesac",
    );
    suite.toml(&["a", "b", "c", "d"], "");
    suite.file("order.txt", "# the order CI ran\nc\na\nb\nd\n");
    // A names file records no failure: --test says which one to reproduce, and the order runs
    // up to it.
    let out = reproduce(&suite, &["order.txt", "--test", "b"]);
    assert_reproduced(&suite, &out, "a", "b");
    let report = suite.report();
    assert_eq!(from(&report)["source"], "names", "{report}");
    assert_eq!(from(&report)["length"], 3, "{report}");
    assert_eq!(report["failures"].as_array().expect("array").len(), 1);

    // Without --test, every failure of the whole order is found.
    let out = reproduce(&suite, &["order.txt"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(
        minimal_sequences(&report),
        vec![vec!["a", "b"], vec!["a", "d"]]
    );
    // smoke replay and smoke diagnose take the reproduction's report as a run's.
    let json = suite.reports().pop().expect("the report");
    let json = json.to_str().expect("a UTF-8 path");
    let replayed = suite
        .command()
        .args(["replay", json, "--report-dir", "reports"])
        .output()
        .expect("smoke runs");
    assert_eq!(replayed.status.code(), Some(1), "{}", stderr(&replayed));
    assert_eq!(
        stdout(&replayed).matches("still fails").count(),
        2,
        "{}",
        stdout(&replayed)
    );
    let diagnosed = suite
        .command()
        .args([
            "diagnose",
            json,
            "--failure",
            "1",
            "--report-dir",
            "reports",
        ])
        .output()
        .expect("smoke runs");
    assert_eq!(diagnosed.status.code(), Some(0), "{}", stderr(&diagnosed));
    assert!(
        stdout(&diagnosed).contains("polluters (1): a"),
        "{}",
        stdout(&diagnosed)
    );

    // --order-file: the same names as the tests of a normal run.
    suite.clear_ran();
    let out = suite.smoke(&[
        "--order",
        "rotate",
        "--times",
        "1",
        "--order-file",
        "order.txt",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(&suite.ran()[..3], ["c", "a", "b"]);
    let out = suite.smoke(&["--order-file", "nothing.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read the order file 'nothing.txt'"));
}

#[test]
fn a_test_called_reproduce_is_still_reachable() {
    let suite = Suite::new();
    suite.dispatcher("case \"$1\" in *) exit 0 ;; esac");
    let out = suite.smoke(&[
        "--run",
        "sh run.sh {test}",
        "--order",
        "rotate",
        "--times",
        "1",
        "--",
        "reproduce",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(suite.ran(), ["reproduce"]);
    let out = suite
        .command()
        .arg("reproduce")
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("smoke -- reproduce"),
        "{}",
        stderr(&out)
    );
}

const RSPEC: &str = "apt-get install ruby-rspec ruby-rspec-junit-formatter";

/// The rspec example's shuffled CI run: seed 1 fails (the euro leak reaches two examples).
fn rspec_ci_run(suite: &Suite, extra: &str) -> Output {
    let run = sh(suite, &format!("rspec --order rand --seed 1 {extra}"));
    assert_eq!(run.status.code(), Some(1), "{}", stdout(&run));
    run
}

#[test]
fn an_rspec_seed_log_and_its_junit_file_reproduce_both_victims() {
    if !have_tool(&["rspec"], RSPEC)
        || !have_tool(&["ruby", "-rrspec_junit_formatter", "-e", "0", "--"], RSPEC)
    {
        return;
    }
    let suite = example("rspec");
    let run = rspec_ci_run(&suite, "");
    suite.file("ci.log", &stdout(&run));
    let out = reproduce(&suite, &["ci.log"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(from(&report)["seed_runner"], "rspec", "{report}");
    assert_eq!(from(&report)["seed_order"], true, "{report}");
    assert_eq!(from(&report)["seed"], "1", "{report}");
    assert_eq!(from(&report)["verdict"], "reproduced", "{report}");
    let failing = &from(&report)["failing"];
    assert_eq!(failing.as_array().expect("array").len(), 2, "{failing}");
    let victims: Vec<String> = report["failures"]
        .as_array()
        .expect("array")
        .iter()
        .map(|f| f["test"].as_str().expect("a name").to_string())
        .collect();
    for wanted in failing.as_array().expect("array") {
        assert!(
            victims.iter().any(|v| wanted["test"] == v.as_str()),
            "{victims:?} {failing}"
        );
    }
    for f in report["failures"].as_array().expect("array") {
        assert_eq!(f["proven_minimal"], true, "{f}");
        assert_eq!(names(&f["minimal"]).len(), 2, "{f}");
    }

    // The same run's JUnit XML (rspec_junit_formatter): descriptions, not ids.
    rspec_ci_run(
        &suite,
        "-r rspec_junit_formatter --format RspecJunitFormatter --out junit.xml",
    );
    let out = reproduce(&suite, &["junit.xml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let again = suite.report();
    assert_eq!(from(&again)["verdict"], "reproduced", "{again}");
    assert_eq!(from(&again)["failing"], from(&report)["failing"]);
    assert!(from(&again)["unknown"].is_null(), "{again}");
}

#[test]
fn a_gtest_shuffle_log_with_colours_and_its_xml_reproduce_the_journal_leak() {
    if !common::toolchain("g++", "--version", "apt-get install g++ libgtest-dev")
        || !common::installed(
            std::path::Path::new("/usr/include/gtest/gtest.h").exists(),
            "libgtest-dev",
            "apt-get install libgtest-dev",
        )
    {
        return;
    }
    let suite = example("gtest");
    let built = sh(&suite, "sh build.sh");
    assert!(built.status.success(), "{}", stderr(&built));
    let (_, run) = first_failing_seed(&suite, |seed| {
        format!(
            "rm -f journal.log; build/unit_tests --gtest_shuffle --gtest_random_seed={seed} \
             --gtest_color=yes --gtest_output=xml:junit.xml"
        )
    });
    let log = stdout(&run);
    assert!(
        log.contains("\u{1b}[") && log.contains("[ RUN      ]"),
        "{log}"
    );
    suite.file("ci.log", &log);
    let plain = regex::Regex::new("\u{1b}\\[[0-9;]*m")
        .expect("regex")
        .replace_all(&log, "");
    let failed: Vec<String> = plain
        .lines()
        .filter_map(|l| l.split("[  FAILED  ] ").nth(1))
        .filter_map(|rest| rest.split(' ').next())
        .filter(|name| name.contains('.'))
        .map(|s| s.trim_end_matches(',').to_string())
        .collect();
    assert!(!failed.is_empty(), "{log}");
    for evidence in ["ci.log", "junit.xml"] {
        let _ = fs::remove_file(suite.path().join("journal.log"));
        let out = reproduce(&suite, &[evidence]);
        assert_eq!(out.status.code(), Some(1), "{evidence}: {}", stderr(&out));
        let report = suite.report();
        assert_eq!(
            from(&report)["verdict"],
            "reproduced",
            "{evidence}: {report}"
        );
        for f in report["failures"].as_array().expect("array") {
            assert_eq!(f["proven_minimal"], true, "{f}");
            let test = f["test"].as_str().expect("a name").to_string();
            assert!(failed.contains(&test), "{test} is not in {failed:?}: {log}");
        }
    }
}

#[test]
fn a_go_test_v_log_of_several_packages_reproduces_the_shared_file_failure() {
    if !common::toolchain("go", "version", "apt-get install golang-go") {
        return;
    }
    let suite = example("go");
    let (_, run) = first_failing_seed(&suite, |seed| {
        format!("rm -rf state; go test -v -count=1 -p 1 -shuffle={seed} ./...")
    });
    let log = stdout(&run);
    assert!(
        log.contains("=== RUN") && log.contains("-test.shuffle"),
        "{log}"
    );
    suite.file("ci.log", &log);
    let out = reproduce(&suite, &["ci.log"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(from(&report)["source"], "log", "{report}");
    assert_eq!(from(&report)["verdict"], "reproduced", "{report}");
    // The log's shuffle seed is recorded; the order came from its === RUN lines.
    assert_eq!(from(&report)["seed_runner"], "go", "{report}");
    assert!(from(&report).get("seed_order").is_none(), "{report}");
    for f in report["failures"].as_array().expect("array") {
        assert_eq!(f["proven_minimal"], true, "{f}");
        assert!(
            f["test"].as_str().is_some_and(|t| t.contains("::Test")),
            "{f}"
        );
    }
}

#[test]
fn a_jest_log_of_pass_and_fail_lines_reproduces_the_cart_leak() {
    if !common::have_jest() {
        return;
    }
    let suite = common::jest_example();
    // CI's jest ran the files by name (a sequencer of the project's): cart before checkout.
    suite.file(
        "by_name.js",
        "const Sequencer = require('@jest/test-sequencer').default;\nclass ByName extends Sequencer {\n  sort(tests) { return [...tests].sort((a, b) => (a.path < b.path ? -1 : 1)); }\n}\nmodule.exports = ByName;\n",
    );
    let run = sh(
        &suite,
        "rm -rf tmp; npx --no -- jest --ci --runInBand --colors --testSequencer=./by_name.js 2>&1",
    );
    assert_eq!(run.status.code(), Some(1), "{}", stdout(&run));
    let log = stdout(&run);
    assert!(log.contains("FAIL") && log.contains("\u{1b}["), "{log}");
    suite.file("ci.log", &log);
    let out = reproduce(&suite, &["ci.log"]);
    assert_reproduced(
        &suite,
        &out,
        "__tests__/cart.test.js",
        "__tests__/checkout.test.js",
    );
}

#[test]
fn a_prove_log_reproduces_the_order_it_ran() {
    if !have_tool(&["prove"], "apt-get install perl") {
        return;
    }
    let suite = Suite::new();
    suite
        .file(
            "t/a.t",
            "print \"1..1\\n\";\nopen my $f, '>', 'dirty' or die; print \"ok 1\\n\";\n",
        )
        .file(
            "t/b.t",
            "print \"1..1\\n\";\nif (-e 'dirty') { print \"not ok 1\\n\"; exit 1 }\nprint \"ok 1\\n\";\n",
        )
        .file("t/c.t", "print \"1..1\\nok 1\\n\";\n")
        .file(
            "smoke.toml",
            "[suite]\npreset = \"prove\"\nsetup = \"rm -f dirty\"\n",
        );
    let run = sh(&suite, "rm -f dirty; prove t/c.t t/a.t t/b.t");
    assert_ne!(run.status.code(), Some(0), "{}", stdout(&run));
    suite.file("ci.log", &stdout(&run));
    let out = reproduce(&suite, &["ci.log"]);
    assert_reproduced(&suite, &out, "t/a.t", "t/b.t");
}
