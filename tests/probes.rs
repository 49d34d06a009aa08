//! State probes from the binary: `[suite] probe` (a command whose output is diffed),
//! `probe-ignore`, the noise learned from two runs, and `probe-files` (files created, deleted
//! and modified), in the verbose rerun of a minimal sequence and in `smoke replay`. The tests
//! log what they ran (`ran.log`); the probes must never change a verdict.

mod common;

use common::{Suite, names, stderr, stdout};
use std::fs;

/// p leaves state/leak behind (and changes state/keep, removes state/gone); v fails when
/// state/leak is there. Every other test passes.
const DISPATCH: &str = r#"case "$1" in
  p) echo leak > state/leak; echo changed > state/keep; rm -f state/gone ;;
  v) [ ! -e state/leak ] || { echo "v: state/leak is there" >&2; exit 1; } ;;
  *) ;;
esac"#;

fn polluted_suite(extra: &str) -> Suite {
    let suite = Suite::new();
    suite.dispatcher(DISPATCH);
    suite.file(
        "smoke.toml",
        &format!(
            "[suite]\ntests = [\"a\", \"p\", \"b\", \"v\"]\nrun = \"sh run.sh {{test}}\"\n\
             setup = \"rm -rf state && mkdir state && echo kept > state/keep && echo bye > \
             state/gone\"\n{extra}"
        ),
    );
    suite
}

fn text_report(suite: &Suite, prefix: &str) -> String {
    let json = suite
        .reports()
        .into_iter()
        .rfind(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .expect("a report");
    fs::read_to_string(json.with_extension("txt")).expect("the text report")
}

#[test]
fn the_demo_s_probe_names_the_lock_the_polluter_leaves_in_every_report() {
    let suite = common::example("polluted");
    let out = suite.smoke(&["--seed", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failure = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .find(|f| f["test"] == "t/17-cache-rebuild.sh")
        .expect("the cache failure");
    assert_eq!(
        names(&failure["minimal"]),
        ["t/03-cache-warm.sh", "t/17-cache-rebuild.sh"]
    );
    let probe = &failure["probe"];
    assert_eq!(probe["files"], serde_json::json!(["state"]), "{probe}");
    let steps = probe["steps"].as_array().expect("steps");
    assert_eq!(
        steps.len(),
        2,
        "one per test of the minimal sequence: {probe}"
    );
    assert_eq!(names(&steps[0]["tests"]), ["t/03-cache-warm.sh"]);
    let lock = steps[0]["files"]
        .as_array()
        .expect("file changes")
        .iter()
        .find(|c| c["path"] == "state/cache.lock")
        .expect("the lock, attributed to the polluter");
    assert_eq!(lock["change"], "created");
    assert_eq!(lock["after"]["size"], 0);
    assert_eq!(
        lock["after"]["sha256"],
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(steps[1]["result"], "exit 1");
    assert_eq!(steps[1]["files"], serde_json::json!([]));
    let summary = probe["summary"].as_str().expect("a summary");
    assert!(
        summary.starts_with("t/03-cache-warm.sh created state/cache (5 bytes) and ")
            && summary.contains("state/cache.lock (0 bytes)")
            && summary.ends_with("; t/17-cache-rebuild.sh failed with them present"),
        "{summary}"
    );
    let text = text_report(&suite, "smoke-report-");
    assert!(
        text.contains(&format!("  state           {summary}\n")),
        "{text}"
    );
    assert!(
        text.contains("    after t/03-cache-warm.sh (ok):\n      created state/cache (5 bytes)\n      created state/cache.lock (0 bytes)\n"),
        "{text}"
    );
    assert!(stdout(&out).contains(&format!("  state: {summary}\n")));
    // The HTML report: the same finding in the failure's card, each test's changes below it.
    let html = fs::read_to_string(
        suite
            .reports()
            .last()
            .expect("a report")
            .with_extension("html"),
    )
    .expect("the HTML report");
    assert!(
        html.contains(&format!("<summary>state: {summary}</summary>")),
        "{html}"
    );
    assert!(
        html.contains("after t/03-cache-warm.sh (ok):")
            && html.contains("created state/cache.lock (0 bytes)"),
        "{html}"
    );
}

#[test]
fn created_deleted_and_modified_files_are_each_shown_and_the_victim_found_them() {
    let suite = polluted_suite("probe-files = [\"state\"]\n");
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failure = &report["failures"][0];
    assert_eq!(names(&failure["minimal"]), ["p", "v"]);
    assert_eq!(failure["classification"], "order-dependent");
    let probe = &failure["probe"];
    let changes: Vec<(String, String)> = probe["steps"][0]["files"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["path"].as_str().expect("path").to_string(),
                c["change"].as_str().expect("kind").to_string(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("state/gone".to_string(), "deleted".to_string()),
            ("state/keep".to_string(), "modified".to_string()),
            ("state/leak".to_string(), "created".to_string()),
        ]
    );
    assert_eq!(
        probe["summary"],
        "p deleted state/gone (was 4 bytes), modified state/keep (5 -> 8 bytes, content), \
         created state/leak (5 bytes); v failed with these changes in place"
    );
    let text = text_report(&suite, "smoke-report-");
    for line in [
        "      deleted state/gone (was 4 bytes)\n",
        "      modified state/keep (5 -> 8 bytes, content)\n",
        "      created state/leak (5 bytes)\n",
        "    after v (exit 1): no change\n",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    // The rerun ran the minimal sequence once more, probes and all, after the shrink.
    assert_eq!(suite.ran().last().map(String::as_str), Some("v"));
}

#[test]
fn probe_ignore_drops_a_line_and_noise_learned_from_two_runs_is_counted() {
    // `tests so far` changes after every test (probe-ignore drops it); `pid` differs between
    // any two runs (noise); the state file's content is the real change, escape sequence
    // and all.
    let probe_key = r#"probe = "echo tests so far $(cat ran.log 2>/dev/null | wc -l); echo pid $$; cat state/* 2>/dev/null; true""#;
    let dispatch = r#"case "$1" in
  p) printf 'mode debug\033[2J\n' > state/mode ;;
  v) [ ! -e state/mode ] || exit 1 ;;
esac"#;
    let suite = Suite::new();
    suite.dispatcher(dispatch);
    suite.toml(
        &["p", "v"],
        &format!("{probe_key}\nprobe-ignore = [\"^tests so far \"]\n"),
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let probe = &report["failures"][0]["probe"];
    assert_eq!(probe["noise_lines"], 1, "the pid line: {probe}");
    assert_eq!(probe["ignored_lines"], 1, "the counter line: {probe}");
    let diff = probe["steps"][0]["diff"]
        .as_str()
        .expect("p changed the state");
    assert!(diff.contains("+mode debug\u{1b}[2J\n"), "{diff}");
    assert!(
        !diff.contains("tests so far") && !diff.contains("pid"),
        "{diff}"
    );
    assert_eq!(probe["steps"][1]["diff"], serde_json::Value::Null);
    let text = text_report(&suite, "smoke-report-");
    assert!(
        text.contains("1 noisy line(s) ignored (they differed between two probe runs before the first test); 1 line(s) dropped by probe-ignore"),
        "{text}"
    );
    assert!(text.contains("      | +mode debug\\x1b[2J\n"), "{text}");
    assert!(!text.contains('\u{1b}'), "escaped in the text report");
    assert!(!stdout(&out).contains('\u{1b}'));

    // Without probe-ignore, the counter shows in the diff: the key is what dropped it.
    suite.toml(&["p", "v"], &format!("{probe_key}\n"));
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = suite.report()["failures"][0]["probe"]["steps"][0]["diff"]
        .as_str()
        .expect("a diff")
        .to_string();
    assert!(diff.contains("+tests so far"), "{diff}");
}

#[test]
fn a_hanging_probe_is_timed_out_and_a_failing_one_reported_and_neither_changes_the_verdict() {
    let suite = polluted_suite("timeout = \"1s\"\nprobe = \"sleep 30\"\n");
    let started = std::time::Instant::now();
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(25));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failure = &report["failures"][0];
    assert_eq!(names(&failure["minimal"]), ["p", "v"]);
    assert_eq!(failure["classification"], "order-dependent");
    assert_eq!(failure["proven_minimal"], true);
    assert_eq!(failure["rerun"], "exit 1");
    let probe = &failure["probe"];
    assert_eq!(probe["baseline_error"], "timeout after 1s", "{probe}");
    for step in probe["steps"].as_array().expect("steps") {
        assert_eq!(step["error"], "timeout after 1s", "{step}");
    }
    assert_eq!(steps_results(probe), ["ok", "exit 1"]);
    let text = text_report(&suite, "smoke-report-");
    assert!(
        text.contains("    after p (ok):\n      probe failed: timeout after 1s (not compared; the test's result stands)\n"),
        "{text}"
    );

    let suite = polluted_suite("probe = \"echo 'no database here' >&2; exit 3\"\n");
    let out = suite.smoke(&["--order", "rotate", "--times", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failure = &report["failures"][0];
    assert_eq!(names(&failure["minimal"]), ["p", "v"]);
    assert_eq!(failure["rerun"], "exit 1");
    let probe = &failure["probe"];
    assert_eq!(probe["baseline_error"], "exit 3: no database here");
    assert_eq!(probe["steps"][0]["error"], "exit 3: no database here");
    let text = text_report(&suite, "smoke-report-");
    assert!(
        text.contains("  state           the probe failed every time (exit 3: no database here); nothing to compare\n"),
        "{text}"
    );
}

fn steps_results(probe: &serde_json::Value) -> Vec<String> {
    probe["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["result"].as_str().expect("result").to_string())
        .collect()
}

#[test]
fn replay_probes_the_first_run_of_each_sequence_and_the_flags_replace_the_keys() {
    let suite = polluted_suite("");
    let out = suite
        .command()
        .args(["--order", "rotate", "--times", "1", "--report", "run.txt"])
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        fs::read_to_string(suite.path().join("run.json"))
            .expect("the report")
            .find("\"probe\"")
            .is_none(),
        "nothing probed, nothing recorded"
    );
    suite.clear_ran();
    let out = suite
        .command()
        .args([
            "replay",
            "run.json",
            "--report-dir",
            "reports",
            "--probe-files",
            "state",
        ])
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let replay = suite.newest("smoke-replay-");
    let failure = &replay["failures"][0];
    assert_eq!(failure["verdict"], "still-fails");
    let probe = &failure["probe"];
    assert_eq!(
        probe["summary"],
        "p deleted state/gone (was 4 bytes), modified state/keep (5 -> 8 bytes, content), \
         created state/leak (5 bytes); v failed with these changes in place"
    );
    assert_eq!(steps_results(probe), ["ok", "exit 1"]);
    // Three runs of [p, v], only the first probed: the tests ran six times either way.
    assert_eq!(suite.ran(), ["p", "v", "p", "v", "p", "v"]);
    let text = text_report(&suite, "smoke-replay-");
    assert!(
        text.contains("(first run: before the first test and after each)"),
        "{text}"
    );
    assert!(
        text.contains("      created state/leak (5 bytes)\n"),
        "{text}"
    );
    assert!(
        stdout(&out).contains("\n  state: p deleted state/gone"),
        "{}",
        stdout(&out)
    );
}

/// A TAP runner: each name through run.sh, one test point each.
const TAP: &str = r#"#!/bin/sh
i=0
for t in "$@"; do
  i=$((i + 1))
  if sh run.sh "$t" >/dev/null 2>&1; then echo "ok $i - $t"; else echo "not ok $i - $t"; fi
done
"#;

#[test]
fn in_batch_mode_the_probes_run_around_the_whole_batch_and_say_so() {
    let suite = Suite::new();
    suite.dispatcher(DISPATCH).file("runner.sh", TAP).file(
        "smoke.toml",
        "[suite]\ntests = [\"a\", \"p\", \"v\"]\nbatch = \"sh runner.sh {tests}\"\n\
         setup = \"rm -rf state && mkdir state\"\nprobe-files = [\"state\"]\n",
    );
    let out = suite.smoke(&["--order", "rotate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let failure = &report["failures"][0];
    assert_eq!(names(&failure["minimal"]), ["p", "v"]);
    let probe = &failure["probe"];
    assert_eq!(probe["batch"], true);
    let steps = probe["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 1, "one step for the batch: {probe}");
    assert_eq!(names(&steps[0]["tests"]), ["p", "v"]);
    assert_eq!(steps[0]["result"], "failed");
    assert_eq!(
        probe["summary"],
        "the batch of 2 tests created state/keep (8 bytes) and state/leak (5 bytes) (batch mode: \
         probed before and after the whole batch, not between its tests); a test failed (failed)"
    );
    let text = text_report(&suite, "smoke-report-");
    assert!(
        text.contains(
            "(verbose rerun, batch mode: before and after the whole batch, not between its tests)"
        ),
        "{text}"
    );
}

#[test]
fn bad_probe_settings_are_refused_naming_the_value() {
    let suite = polluted_suite("probe-ignore = [\"(unclosed\"]\nprobe = \"ls state\"\n");
    let out = suite.smoke(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("invalid [suite] probe-ignore in 'smoke.toml' '(unclosed'"),
        "{err}"
    );
    let out = polluted_suite("").smoke(&["--probe", "  "]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--probe is empty"),
        "{}",
        stderr(&out)
    );
    let out = polluted_suite("probe-files = [\"\"]\n").smoke(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid [suite] probe-files in 'smoke.toml' ''"),
        "{}",
        stderr(&out)
    );
    let out = polluted_suite("probe = 3\n").smoke(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("probe"), "{}", stderr(&out));
}

#[test]
fn a_secret_in_the_probe_s_output_is_redacted_like_all_output() {
    let suite = polluted_suite("[suite.env]\nAPI_TOKEN = \"hunter22secret\"\n");
    let out = suite.smoke(&[
        "--order",
        "rotate",
        "--times",
        "1",
        "--probe",
        "[ ! -e state/leak ] || echo token $API_TOKEN; ls state",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let probe = &report["failures"][0]["probe"];
    assert_eq!(
        probe["command"],
        "[ ! -e state/leak ] || echo token $API_TOKEN; ls state"
    );
    let json = probe.to_string();
    assert!(!json.contains("hunter22secret"), "{json}");
    let diff = probe["steps"][0]["diff"]
        .as_str()
        .expect("p changed state/");
    assert!(
        diff.contains("+leak") && diff.contains("+token <redacted>"),
        "{diff}"
    );
    let text = text_report(&suite, "smoke-report-");
    assert!(!text.contains("hunter22secret"), "{text}");
    // The replay command keeps the probe flag, so its rerun is probed too.
    let replay = report["failures"][0]["replay"].as_str().expect("a replay");
    assert!(replay.contains(" --probe '[ ! -e state/leak ]"), "{replay}");
}

#[test]
fn probe_files_are_relative_to_the_sequence_s_fresh_working_folder() {
    let suite = Suite::new();
    suite.dispatcher(DISPATCH).file(
        "smoke.toml",
        r#"[suite]
tests = ["p", "v"]
run = 'sh "$SMOKE_SUITE_DIR/run.sh" {test}'
setup = "mkdir state"
workdir = "fresh"
probe-files = ["."]
"#,
    );
    let out = suite.smoke(&["--order", "rotate", "--times", "1", "--junit", "j.xml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let probe = &report["failures"][0]["probe"];
    // The fresh folder starts empty but for state/: p's run.sh writes ran.log there too.
    assert_eq!(
        probe["summary"],
        "p created ran.log (2 bytes), state/keep (8 bytes) and state/leak (5 bytes); v failed \
         with them present",
        "{probe}"
    );
    assert!(
        !suite.path().join("state").exists(),
        "nothing in the suite folder"
    );
    let junit = fs::read_to_string(suite.path().join("j.xml")).expect("the JUnit XML");
    assert!(
        junit.contains("state: p created ran.log (2 bytes), state/keep"),
        "{junit}"
    );
}

#[test]
fn ctrl_c_while_a_probe_hangs_kills_it_tears_down_and_keeps_the_report() {
    let suite = polluted_suite(
        "teardown = \"echo x >> teardown.log\"\n\
         probe = \"if [ -e state/leak ]; then sleep 300 & echo $! > probe.pid; wait; fi; echo ok\"\n",
    );
    let mut child = suite.spawn(&["--order", "rotate", "--times", "1"]);
    common::wait_for(
        &suite.path().join("probe.pid"),
        std::time::Duration::from_secs(60),
    );
    let teardowns = || {
        fs::read_to_string(suite.path().join("teardown.log"))
            .unwrap_or_default()
            .lines()
            .count()
    };
    let before = teardowns();
    child.signal(libc::SIGINT);
    let status = child.0.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    assert_eq!(teardowns(), before + 1, "the rerun's teardown ran once");
    let pid: i32 = fs::read_to_string(suite.path().join("probe.pid"))
        .expect("pid")
        .trim()
        .parse()
        .expect("a pid");
    assert!(!common::alive(pid), "the probe's sleep was killed");
    let probe = &report["failures"][0]["probe"];
    assert_eq!(probe["steps"][0]["error"], "interrupted", "{probe}");
    assert_eq!(
        probe["steps"].as_array().map(Vec::len),
        Some(1),
        "v never ran"
    );
}

#[test]
fn watching_the_suite_folder_leaves_out_smoke_s_own_report_and_log_there() {
    let suite = polluted_suite("probe-files = [\".\"]\n");
    let out = suite
        .command()
        .args(["--order", "rotate", "--times", "1", "--report", "run.txt"])
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(suite.path().join("run.failure-1.log").is_file());
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(suite.path().join("run.json")).expect("json"))
            .expect("valid JSON");
    let probe = &report["failures"][0]["probe"];
    let paths: Vec<&str> = probe["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .flat_map(|s| s["files"].as_array().expect("files"))
        .map(|c| c["path"].as_str().expect("path"))
        .collect();
    assert!(paths.contains(&"state/leak"), "{paths:?}");
    assert!(
        paths.contains(&"ran.log"),
        "the tests' own log is theirs: {paths:?}"
    );
    assert!(!paths.iter().any(|p| p.starts_with("run.")), "{paths:?}");
    assert_eq!(probe["noise_files"], 0, "{probe}");
}
