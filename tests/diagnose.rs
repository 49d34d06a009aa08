//! `smoke diagnose` from the binary, on planted suites: every polluter of a victim (5 planted,
//! exactly 5 found), its cleaners, the state-setters of a brittle test, the budget, and the
//! reports it writes (text, JSON, HTML).

mod common;

use common::{Suite, names, stderr, stdout};
use std::fs;

/// p1..p5 leave state/dirty that v trips over; c1 and c2 clean it; b needs s before it.
fn planted() -> Suite {
    let suite = Suite::new();
    suite
        .toml(
            &[
                "a", "p1", "p2", "c1", "x", "p3", "c2", "p4", "y", "p5", "s", "v", "b",
            ],
            "",
        )
        .dispatcher(
            r#"case "$1" in
  p*) touch state/dirty ;;
  c*) rm -f state/dirty ;;
  s) touch state/ready ;;
  b) [ -e state/ready ] || exit 3 ;;
  v) [ ! -e state/dirty ] || exit 1 ;;
esac"#,
        );
    suite
}

/// smoke in `suite` with exactly `args`.
fn run(suite: &Suite, args: &[&str]) -> std::process::Output {
    suite.command().args(args).output().expect("smoke runs")
}

/// A report of `tests` run once in that order.
fn recorded(suite: &Suite, report: &str, tests: &[&str]) {
    let mut args = vec!["--order", "rotate", "--times", "1", "--report", report];
    args.extend_from_slice(tests);
    let out = run(suite, &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// The newest diagnosis report.
fn diagnosis(suite: &Suite) -> serde_json::Value {
    suite.newest("smoke-diagnose-")
}

#[test]
fn every_polluter_and_every_cleaner_of_a_victim_are_listed() {
    let suite = planted();
    recorded(&suite, "r/run.txt", &["p1", "v"]);
    let out = run(&suite, &["diagnose", "r/run.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("polluters (5): p1 p2 p3 p4 p5"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("cleaners (2): c1 c2"),
        "{}",
        stdout(&out)
    );
    let d = &diagnosis(&suite)["failures"][0];
    assert_eq!(names(&d["polluters"]), ["p1", "p2", "p3", "p4", "p5"]);
    assert_eq!(names(&d["cleaners"]), ["c1", "c2"]);
    assert_eq!(d["incomplete"], false);
    // 12 candidates [t, v] and 11 candidates [p1, c, v].
    assert_eq!(d["runs"], 23);
    // The same, as a page beside the text and JSON, named on the last line.
    let html = stdout(&out)
        .lines()
        .filter_map(|l| l.strip_prefix("report: "))
        .find(|p| p.ends_with(".html"))
        .map(|p| fs::read_to_string(suite.path().join(p)).expect("the HTML report"))
        .expect("an HTML report named");
    assert!(
        html.contains("<strong>polluters (5)</strong>: <code>p1 p2 p3 p4 p5</code>"),
        "{html}"
    );
    assert!(html.contains("<strong>cleaners (2)</strong>: <code>c1 c2</code>"));
}

#[test]
fn a_test_that_fails_alone_gets_its_state_setters_and_is_called_brittle() {
    let suite = planted();
    recorded(&suite, "r/b.txt", &["b", "s"]);
    let out = run(&suite, &["diagnose", "r/b.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let d = &diagnosis(&suite)["failures"][0];
    assert_eq!(names(&d["state_setters"]), ["s"]);
    assert_eq!(d["classification"], "brittle");
    assert!(
        d.get("polluters")
            .is_none_or(|p| p.as_array().is_some_and(Vec::is_empty)),
        "no polluters are looked for: {d}"
    );
}

#[test]
fn the_budget_cuts_the_lists_and_says_so() {
    let suite = planted();
    recorded(&suite, "r/run.txt", &["p1", "v"]);
    let out = run(&suite, &["diagnose", "r/run.json", "--max-diagnose", "10"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let d = &diagnosis(&suite)["failures"][0];
    assert_eq!(d["incomplete"], true);
    assert!(d["executions"].as_u64().expect("executions") <= 10);
    assert!(stdout(&out).contains("incomplete"), "{}", stdout(&out));
}

/// A batch runner printing plain TAP for every test it is given, in order: `p` pollutes, every
/// `v*` fails after it, the rest pass.
const TAP: &str = r##"#!/bin/sh
for t in "$@"; do
  printf '%s\n' "$t" >> ran.log
  case "$t" in
    p) touch state/dirty; echo "ok - $t" ;;
    v*) if [ -e state/dirty ]; then echo "not ok - $t"; echo "# dirty"; else echo "ok - $t"; fi ;;
    *) echo "ok - $t" ;;
  esac
done
"##;

#[test]
fn a_batch_attributes_every_victim_of_one_polluter_with_a_few_runs_each() {
    let mut tests: Vec<String> = Vec::new();
    for i in 0..40 {
        tests.push(format!("t{i:02}"));
        if i == 2 {
            tests.push("p".into());
        }
        if i % 4 == 3 {
            tests.push(format!("v{}", i / 4));
        }
    }
    let suite = Suite::new();
    suite.file("runner.sh", TAP).file(
        "smoke.toml",
        &format!(
            "[suite]\ntests = [{}]\nbatch = \"sh runner.sh {{tests}}\"\nsetup = \"rm -rf state && mkdir state\"\n",
            tests.iter().map(|t| common::toml_string(t)).collect::<Vec<_>>().join(", ")
        ),
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failures = report["failures"].as_array().expect("an array");
    assert_eq!(failures.len(), 10, "one per victim: {failures:?}");
    let first = &failures[0];
    for later in &failures[1..] {
        assert_eq!(names(&later["minimal"])[0], "p", "{later}");
        assert_eq!(later["same_cause_as"], first["test"], "{later}");
        assert!(later["tries"].as_u64().expect("tries") <= 3, "{later}");
        // Then confirmed: 4 more runs of the pair, 2 of the victim alone.
        assert_eq!(later["confirmation"]["runs"], 6, "{later}");
        assert_eq!(later["proven_minimal"], true, "{later}");
    }
    let text = fs::read_to_string(
        suite
            .reports()
            .pop()
            .expect("a report")
            .with_extension("txt"),
    )
    .expect("text");
    assert!(text.contains("p breaks 10 tests: v0 v1 v2"), "{text}");
    // The headline says it is one bug.
    assert!(
        stdout(&out).contains("10 unique (1 root cause behind 10 of them)"),
        "{}",
        stdout(&out)
    );
    let causes = report["root_causes"]
        .as_array()
        .expect("root causes in the JSON");
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(names(&causes[0]["polluters"]), ["p"]);
    let victims: Vec<String> = (0..10).map(|i| format!("v{i}")).collect();
    assert_eq!(names(&causes[0]["victims"]), victims);
}

#[test]
fn findings_as_junit_xml_pass_the_schema_jenkins_and_gitlab_read() {
    let installed = std::process::Command::new("xmlschema-validate")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        installed,
        "xmlschema-validate is needed for this test (PyPI package xmlschema): run it with \
         scripts/test, which installs it in .venv and puts .venv/bin on PATH"
    );
    let suite = planted();
    let out = suite.smoke(&[
        "--order",
        "rotate",
        "--times",
        "1",
        "--junit",
        "ci/order-bugs.xml",
        "p1",
        "v",
        "b",
        "s",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let xml = suite.path().join("ci/order-bugs.xml");
    let text = fs::read_to_string(&xml).expect("the JUnit XML");
    assert!(
        text.contains("<testcase classname=\"smoke\" name=\"v\""),
        "{text}"
    );
    assert!(text.contains("replay: "), "{text}");
    let schema =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit-10.xsd");
    let valid = std::process::Command::new("xmlschema-validate")
        .arg("--schema")
        .arg(&schema)
        .arg(&xml)
        .output()
        .expect("xmlschema-validate runs");
    assert!(
        valid.status.success(),
        "{}{}",
        stdout(&valid),
        stderr(&valid)
    );
    // A run that finds nothing still says it ran, and is valid too.
    let out = suite.smoke(&[
        "--order",
        "rotate",
        "--times",
        "1",
        "--junit",
        "ci/clean.xml",
        "a",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let clean = suite.path().join("ci/clean.xml");
    assert!(
        fs::read_to_string(&clean)
            .expect("xml")
            .contains("failures=\"0\"")
    );
    let valid = std::process::Command::new("xmlschema-validate")
        .arg("--schema")
        .arg(&schema)
        .arg(&clean)
        .output()
        .expect("xmlschema-validate runs");
    assert!(valid.status.success(), "{}", stdout(&valid));
}

#[test]
fn diagnose_says_how_far_it_is_takes_jobs_and_runs_a_candidate_once() {
    let suite = planted();
    // Run from the suite folder wherever the sequence runs.
    let toml = fs::read_to_string(suite.path().join("smoke.toml")).expect("read");
    suite.file(
        "smoke.toml",
        &toml.replace("sh run.sh", "sh \\\"$SMOKE_SUITE_DIR/run.sh\\\""),
    );
    let out = run(
        &suite,
        &[
            "--order",
            "rotate",
            "--times",
            "1",
            "--workdir",
            "fresh",
            "--report",
            "r/run.txt",
            "p1",
            "v",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The same failure twice: its candidates run once.
    let path = suite.path().join("r/run.json");
    let mut report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("JSON");
    let first = report["failures"][0].clone();
    report["failures"]
        .as_array_mut()
        .expect("failures")
        .push(first);
    fs::write(&path, report.to_string()).expect("write");

    // --each-victim: the second is scanned whole too (not only among the first's findings, as
    // a victim of the same polluters is by default), so every one of its sequences is known.
    let out = run(
        &suite,
        &["diagnose", "r/run.json", "--jobs", "2", "--each-victim"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    for line in [
        "smoke: diagnosing failure 1 (1 of 2): 23 candidate runs, up to 57 test executions",
        "smoke: diagnose: failure 1: candidate 23 of 23\n",
        "smoke: diagnosing failure 2 (2 of 2): 0 candidate runs, up to 0 test executions (23 \
         more known from an earlier failure)",
    ] {
        assert!(err.contains(line), "{line:?} in\n{err}");
    }
    let report = diagnosis(&suite);
    for d in report["failures"].as_array().expect("failures") {
        // Two workers, each sequence in a folder of its own: the same lists as one worker.
        assert_eq!(
            names(&d["polluters"]),
            ["p1", "p2", "p3", "p4", "p5"],
            "{d}"
        );
        assert_eq!(names(&d["cleaners"]), ["c1", "c2"], "{d}");
        assert_eq!(d["runs"], 23);
        assert_eq!(d["incomplete"], false);
    }
    // Quiet: no progress.
    let out = run(&suite, &["diagnose", "r/run.json", "-q", "--failure", "1"]);
    assert!(!stderr(&out).contains("candidate"), "{}", stderr(&out));
}

#[test]
fn a_second_victim_of_the_same_polluters_is_tried_against_the_first_ones_findings_only() {
    // p and q leave state/dirty, c removes it, v1 and v2 fail on it; the rest pass.
    let mut tests: Vec<String> = (1..=8).map(|i| format!("t{i}")).collect();
    tests.splice(2..2, ["p".to_string(), "v1".to_string(), "v2".to_string()]);
    tests.extend(["q".to_string(), "c".to_string()]);
    let suite = Suite::new();
    suite.toml(&tests, "").dispatcher(
        r#"case "$1" in
  p|q) touch state/dirty ;;
  c) rm -f state/dirty ;;
  v1|v2) [ ! -e state/dirty ] || exit 1 ;;
esac"#,
    );
    let out = suite
        .command()
        .args(["--order", "rotate", "--times", "1", "--keep-going"])
        .args(["--report", "r/run.txt"])
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diagnose = |extra: &[&str]| {
        let mut args = vec!["diagnose", "r/run.json", "--report-dir", "reports"];
        args.extend_from_slice(extra);
        let out = suite.command().args(&args).output().expect("smoke runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        (suite.newest("smoke-diagnose-"), stdout(&out))
    };
    let (d, said) = diagnose(&[]);
    let (first, second) = (&d["failures"][0], &d["failures"][1]);
    assert_eq!(names(&first["minimal"]), ["p", "v1"]);
    assert_eq!(names(&first["polluters"]), ["p", "q"], "{first}");
    assert_eq!(names(&first["cleaners"]), ["c"], "{first}");
    assert_eq!(first.get("among_those_of"), None);
    assert_eq!(names(&second["minimal"]), ["p", "v2"]);
    assert_eq!(second["among_those_of"], 1, "{second}");
    assert_eq!(names(&second["polluters"]), ["p", "q"], "{second}");
    assert_eq!(names(&second["cleaners"]), ["c"], "{second}");
    let (whole, reused) = (
        first["runs"].as_u64().expect("runs"),
        second["runs"].as_u64().expect("runs"),
    );
    assert!(reused * 3 < whole, "{reused} runs against {whole}");
    assert!(
        said.contains("polluters (2, among failure 1's): p q"),
        "{said}"
    );
    // --each-victim scans the whole suite for the second too: the same findings.
    let (d, _) = diagnose(&["--each-victim"]);
    let second = &d["failures"][1];
    assert_eq!(second.get("among_those_of"), None);
    assert_eq!(names(&second["polluters"]), ["p", "q"]);
    assert_eq!(second["runs"].as_u64(), Some(whole));
}
