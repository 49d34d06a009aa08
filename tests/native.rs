//! The go, gtest and ctest presets on the real toolchains (golang-go, g++, libgtest-dev and
//! cmake from Debian, which scripts/test installs, as CI does): each example under examples/ is
//! copied to a temp folder (or built into one), and smoke, from the binary, lists it, finds its
//! planted order bugs and shrinks each to its pair. Without a toolchain a test is skipped,
//! unless `CI` is set.

mod common;

use common::{Suite, example, minimal_sequences, stderr, stdout, toolchain};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn listed(out: &std::process::Output) -> Vec<String> {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    stdout(out).lines().map(str::to_string).collect()
}

fn sorted(mut sequences: Vec<Vec<String>>) -> Vec<Vec<String>> {
    sequences.sort();
    sequences
}

fn strings(list: &[&[&str]]) -> Vec<Vec<String>> {
    list.iter()
        .map(|s| s.iter().map(|n| n.to_string()).collect())
        .collect()
}

/// What is left in `dir`, recursively, as paths relative to it (sorted).
fn files_in(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            let relative = path.strip_prefix(dir).expect("inside").display();
            found.push(relative.to_string());
        }
    }
    found.sort();
    found
}

fn have_go() -> bool {
    toolchain("go", "version", "apt-get install golang-go")
}

/// smoke over a copy of examples/go, with its own TMPDIR (to see what it leaves there) and
/// `go` wrapped by a script that logs each call to go.log.
fn go_suite() -> (Suite, tempfile::TempDir) {
    let suite = example("go");
    suite.file(
        "go-logged",
        "#!/bin/sh\necho \"$*\" >> go.log\nexec go \"$@\"\n",
    );
    (suite, tempfile::tempdir().expect("a temp folder"))
}

fn go_smoke(suite: &Suite, tmp: &Path, args: &[&str]) -> std::process::Output {
    suite
        .command()
        .args(["--report-dir", "reports", "--program", "./go-logged"])
        .args(args)
        .env("TMPDIR", tmp)
        .output()
        .expect("smoke runs")
}

#[test]
fn go_builds_each_package_once_and_shrinks_both_planted_pairs() {
    if !have_go() {
        return;
    }
    let (suite, tmp) = go_suite();
    assert_eq!(
        listed(&go_smoke(&suite, tmp.path(), &["--list"])),
        [
            "example.com/shop/backup::TestBackupRuns",
            "example.com/shop/backup::TestBackupOfAnEmptyFolder",
            "example.com/shop/cart::TestNewCartIsEmpty",
            "example.com/shop/cart::TestPriceInDefaultCurrency",
            "example.com/shop/cart::TestAddKeepsItems",
            "example.com/shop/cart::TestPriceInDollars",
            "example.com/shop/cart::TestItemsOfAMissingFile",
            "example.com/shop/export::TestFinishReleasesTheLock",
            "example.com/shop/export::TestStartTakesTheLock",
        ]
    );
    let _ = std::fs::remove_file(suite.path().join("go.log"));

    let out = go_smoke(&suite, tmp.path(), &["--seed", "1", "-n", "10"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    // A file shared inside one package, and a lock file shared across two packages.
    assert_eq!(
        sorted(minimal_sequences(&report)),
        strings(&[
            &[
                "example.com/shop/cart::TestAddKeepsItems",
                "example.com/shop/cart::TestNewCartIsEmpty"
            ],
            &[
                "example.com/shop/export::TestStartTakesTheLock",
                "example.com/shop/backup::TestBackupRuns"
            ],
        ])
    );
    for failure in report["failures"].as_array().expect("failures") {
        assert_eq!(failure["classification"], "order-dependent");
        assert_eq!(failure["proven_minimal"], true);
        assert!(
            failure["output"]
                .as_str()
                .expect("output")
                .contains("--- FAIL: Test"),
            "the test binary's own output: {failure}"
        );
    }
    // The package-level Currency leaks only inside one process; each test runs in its own.
    assert!(!stdout(&out).contains("TestPriceInDefaultCurrency"));
    assert_eq!(report["options"]["preset"], "go");

    // go ran once to list the packages and once per package to build its test binary; the
    // 100-odd test runs and the shrinks ran those binaries, never go.
    let calls = std::fs::read_to_string(suite.path().join("go.log")).expect("go.log");
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert_eq!(calls[0], "list -json ./...");
    // Built a few at a time, so in any order.
    let mut built: Vec<&str> = calls[1..]
        .iter()
        .map(|call| {
            assert!(call.starts_with("test -c -o "), "{call}");
            call.rsplit(' ').next().expect("a package")
        })
        .collect();
    built.sort();
    assert_eq!(
        built,
        [
            "example.com/shop/backup",
            "example.com/shop/cart",
            "example.com/shop/export"
        ]
    );
    let executions = report["stats"]["test_executions"].as_u64().expect("count");
    assert!(executions > 50, "{executions}");

    // replay lists the suite again, so it builds the binaries again, and runs both failures
    // (--program is the report's: it runs only when trusted).
    let json = suite.reports().pop().expect("a report");
    let out = suite
        .command()
        .arg("replay")
        .arg(&json)
        .args(["--report-dir", "reports", "--trust-report"])
        .env("TMPDIR", tmp.path())
        .output()
        .expect("smoke runs");
    assert_eq!(
        stdout(&out).matches("still fails").count(),
        2,
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    // The binaries were built in a private temp folder, removed at the end; the module got
    // nothing but what its own tests write (state/) and the reports.
    assert_eq!(files_in(tmp.path()), Vec::<String>::new());
    let mut left: Vec<String> = files_in(suite.path())
        .into_iter()
        .filter(|p| !p.starts_with("reports") && !p.starts_with("state"))
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "backup",
            "backup/backup.go",
            "backup/backup_test.go",
            "cart",
            "cart/cart.go",
            "cart/cart_test.go",
            "export",
            "export/export.go",
            "export/export_test.go",
            "go-logged",
            "go.log",
            "go.mod",
            "smoke.toml",
        ]
    );
}

#[test]
fn a_go_package_whose_tests_do_not_compile_is_named_with_the_compiler_output() {
    if !have_go() {
        return;
    }
    let (suite, tmp) = go_suite();
    let test_file = suite.path().join("backup/backup_test.go");
    let mut source = std::fs::read_to_string(&test_file).expect("read");
    source.push_str("\nfunc TestBroken(t *testing.T) { notDefinedAnywhere() }\n");
    suite.file("backup/backup_test.go", &source);
    let out = go_smoke(&suite, tmp.path(), &["--seed", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "building the tests of the go package 'example.com/shop/backup' ('./go-logged test \
             -c') failed (exit "
        ),
        "{err}"
    );
    assert!(err.contains("undefined: notDefinedAnywhere"), "{err}");
    assert_eq!(files_in(tmp.path()), Vec::<String>::new());
}

/// examples/gtest built once per test run, into a folder whose name has a space (the program
/// is then quoted as in a shell).
fn gtest_binary() -> Option<&'static Path> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let tools = toolchain("g++", "--version", "apt-get install g++")
                && common::installed(
                    Path::new("/usr/include/gtest/gtest.h").exists(),
                    "GoogleTest",
                    "apt-get install libgtest-dev",
                );
            if !tools {
                return None;
            }
            let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gtest example");
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/gtest/build.sh");
            let built = Command::new("sh")
                .arg(&script)
                .arg(&out)
                .output()
                .expect("sh runs");
            assert!(
                built.status.success(),
                "sh examples/gtest/build.sh failed (is libgtest-dev installed? CI installs \
                 it):\n{}",
                stderr(&built)
            );
            Some(out.join("unit_tests"))
        })
        .as_deref()
}

#[test]
fn gtest_lists_the_binary_and_shrinks_the_file_left_behind_to_its_pair() {
    let Some(binary) = gtest_binary() else {
        return;
    };
    let suite = example("gtest");
    let program = smoke::shell::quote(&binary.display().to_string()).into_owned();
    let out = suite.smoke(&["--program", &program, "--list"]);
    // Disabled tests are left out: --gtest_filter would not run them.
    assert_eq!(
        listed(&out),
        [
            "Journal.StartsEmpty",
            "Journal.AppendAddsALine",
            "Journal.CleansUpAfterItself",
            "Tail.KeepsTheLastLines",
            "Sizes/TailOfThree.NeverLongerThanAsked/0",
            "Sizes/TailOfThree.NeverLongerThanAsked/1",
            "Sizes/TailOfThree.NeverLongerThanAsked/2",
        ]
    );
    let out = suite.smoke(&["--program", &program, "--seed", "1", "-n", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(
        minimal_sequences(&report),
        strings(&[&["Journal.AppendAddsALine", "Journal.StartsEmpty"]])
    );
    let failure = &report["failures"][0];
    assert_eq!(failure["failure"], "exit 1");
    assert_eq!(failure["proven_minimal"], true);
    assert!(
        failure["output"]
            .as_str()
            .expect("output")
            .contains("journal.log was left behind"),
        "{failure}"
    );

    // No batch mode, and why; without a binary the preset says what it needs.
    let out = suite.smoke(&["--program", &program, "--mode", "batch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ignores the order"),
        "{}",
        stderr(&out)
    );
    let out = Suite::new().smoke(&["--preset", "gtest"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--program PATH"), "{}", stderr(&out));
}

#[test]
fn ctest_runs_each_test_alone_whatever_its_name_and_shrinks_the_leftover_store() {
    if !toolchain("cmake", "--version", "apt-get install cmake")
        || !toolchain("cc", "--version", "apt-get install gcc")
    {
        return;
    }
    // Configured and built into the suite's own folder: the build folder, where smoke runs.
    let suite = Suite::new();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ctest");
    for step in [
        vec![
            "-S".into(),
            source.display().to_string(),
            "-B".into(),
            ".".into(),
        ],
        vec!["--build".into(), ".".into()],
    ] {
        let out = Command::new("cmake")
            .args(&step)
            .current_dir(suite.path())
            .output()
            .expect("cmake runs");
        assert!(out.status.success(), "cmake {step:?}: {}", stderr(&out));
    }
    let all = [
        "get of a missing key fails",
        "put greeting",
        "put then get",
        "sum(1+1)",
        "a.b",
        "axb",
        "[draft] *notes?",
        "put",
    ];
    assert_eq!(listed(&suite.smoke(&["--list"])), all);

    // Each name, regex characters and all, runs that test alone: kv.log says what ran.
    let tricky = ["a.b", "sum(1+1)", "[draft] *notes?", "put"];
    let out = suite.smoke(&[&["--order", "rotate", "--times", "1"][..], &tricky].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = std::fs::read_to_string(suite.path().join("kv.log")).expect("kv.log");
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        ["put a.b dotted", "put sum 2", "put notes draft", "put p 1"]
    );

    let out = suite.smoke(&["--seed", "3", "-n", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    assert_eq!(
        minimal_sequences(&report),
        strings(&[&["put greeting", "get of a missing key fails"]])
    );
    let failure = &report["failures"][0];
    assert_eq!(failure["proven_minimal"], true);
    assert!(
        failure["output"]
            .as_str()
            .expect("output")
            .contains("greeting is already set to 'hello'"),
        "--output-on-failure shows the test's own output: {failure}"
    );
    assert_eq!(report["options"]["preset"], "ctest");

    let out = suite.smoke(&["--mode", "batch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ctest runs the tests a regex selects in its own order"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ctrl_c_mid_run_removes_the_go_test_binaries_too() {
    if !have_go() {
        return;
    }
    let (suite, tmp) = go_suite();
    let child = suite
        .command()
        .args(["--report-dir", "reports", "-n", "100000", "--times", "3"])
        .env("TMPDIR", tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("smoke starts");
    let mut child = common::KillOnDrop(child);
    // The first report is written after the listing built the binaries: tests are running.
    let reports = suite.path().join("reports");
    let started = std::time::Instant::now();
    while !std::fs::read_dir(&reports).is_ok_and(|mut d| d.next().is_some()) {
        assert!(started.elapsed().as_secs() < 120, "smoke never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let built: Vec<String> = files_in(tmp.path())
        .into_iter()
        .filter(|f| f.starts_with("smoke-go-"))
        .collect();
    assert!(
        !built.is_empty(),
        "the binaries are in TMPDIR while smoke runs"
    );
    child.signal(libc::SIGINT);
    let status = child.0.wait().expect("smoke ends");
    assert_eq!(status.code(), Some(130));
    // What go's own t.TempDir() of a test killed mid-run left is go's; smoke's folder is gone.
    let left: Vec<String> = files_in(tmp.path())
        .into_iter()
        .filter(|f| f.starts_with("smoke-"))
        .collect();
    assert_eq!(left, Vec::<String>::new());
}
