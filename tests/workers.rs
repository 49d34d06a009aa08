//! The real binary with `--jobs N` workers: state kept apart per worker, the same failures as
//! one process, Ctrl-C with every worker busy, and `--workdir fresh`. The tests log which
//! worker ran what, so they check what really ran, not what smoke says ran.

mod common;

use common::{Suite, alive, names, stderr, wait_for};
use std::collections::BTreeSet;
use std::fs;
use std::time::Duration;

/// A test body shared by the suites here: it logs `WORKER NAME` to the suite's `workers.log`,
/// claims its worker's state folder for 50 ms (`exit 9` if another process holds it), and
/// counts how many tests run at once in `running/`.
const CLAIMING: &str = r#"#!/bin/sh
log="$SMOKE_SUITE_DIR/workers.log"
printf '%s %s\n' "$SMOKE_WORKER" "$1" >> "$log"
state="$SMOKE_SUITE_DIR/state-$SMOKE_WORKER"
mkdir "$state/busy" 2>/dev/null || { echo "state-$SMOKE_WORKER is in use"; exit 9; }
mkdir -p "$SMOKE_SUITE_DIR/running"
touch "$SMOKE_SUITE_DIR/running/$$"
ls "$SMOKE_SUITE_DIR/running" | wc -l >> "$SMOKE_SUITE_DIR/overlap.log"
case "$1" in
  p) touch "$state/dirty" ;;
  v) [ ! -e "$state/dirty" ] || { echo "dirty state"; rm -f "$SMOKE_SUITE_DIR/running/$$"; rmdir "$state/busy"; exit 1; } ;;
esac
sleep 0.05
rm -f "$SMOKE_SUITE_DIR/running/$$"
rmdir "$state/busy"
"#;

fn claiming_suite(tests: &[&str]) -> Suite {
    let suite = Suite::new();
    let list: Vec<String> = tests.iter().map(|t| common::toml_string(t)).collect();
    suite.file("claim.sh", CLAIMING).file(
        "smoke.toml",
        &format!(
            "[suite]\ntests = [{}]\nrun = \"sh claim.sh {{test}}\"\n\
             setup = \"rm -rf state-{{worker}} && mkdir state-{{worker}}\"\n",
            list.join(", ")
        ),
    );
    suite
}

/// The unique failures of the newest report: (test, failure, minimal sequence), sorted.
fn failures(suite: &Suite) -> BTreeSet<(String, String, Vec<String>)> {
    let report = suite.report();
    report["failures"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|f| {
            (
                f["test"].as_str().expect("a name").to_string(),
                f["failure"].as_str().expect("an outcome").to_string(),
                names(&f["minimal"]),
            )
        })
        .collect()
}

#[test]
fn three_workers_never_share_a_state_folder_and_do_run_at_once() {
    let suite = claiming_suite(&["a", "b", "c", "d", "e", "f"]);
    let out = suite.smoke(&["--jobs", "3", "-n", "6", "--seed", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = fs::read_to_string(suite.path().join("workers.log")).expect("the tests logged");
    let workers: BTreeSet<&str> = log.lines().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(workers, BTreeSet::from(["1", "2", "3"]), "{log}");
    // No test ever found its worker's folder in use (that exits 9, a failure): six iterations
    // of twelve tests each, all passed.
    assert_eq!(log.lines().count(), 6 * 12);
    let report = suite.report();
    assert_eq!(report["stats"]["test_executions"], 6 * 12);
    let indexes: Vec<u64> = report["iterations"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|i| i["index"].as_u64().expect("an index"))
        .collect();
    assert_eq!(indexes, [1, 2, 3, 4, 5, 6], "reported in order");
    // And they did run side by side: some test saw another one running.
    let overlap = fs::read_to_string(suite.path().join("overlap.log")).expect("counted");
    let most = overlap
        .lines()
        .filter_map(|l| l.trim().parse::<u32>().ok())
        .max();
    assert!(most >= Some(2), "never two tests at once: {overlap}");
    assert!(
        !stderr(&out).contains("share state"),
        "{{worker}} in setup keeps the workers apart: {}",
        stderr(&out)
    );
}

#[test]
fn one_worker_and_three_find_the_same_failures_for_the_same_seeds() {
    let tests = ["a", "p", "b", "c", "v", "d"];
    let suite = claiming_suite(&tests);
    let out = suite.smoke(&["-n", "8", "--seed", "11"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let one = failures(&suite);
    let out = suite.smoke(&["-n", "8", "--seed", "11", "--jobs", "3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let three = failures(&suite);
    assert_eq!(one, three);
    assert!(one.iter().any(|f| f.2 == ["p", "v"]), "{one:?}");
}

#[test]
fn sigint_with_three_workers_busy_stops_them_all_and_keeps_the_report() {
    let suite = Suite::new();
    suite
        .file(
            "slow.sh",
            "#!/bin/sh\necho $$ >> \"pids-$SMOKE_WORKER\"\nexec sleep 30\n",
        )
        .file(
            "smoke.toml",
            "[suite]\ntests = [\"a\", \"b\", \"c\"]\nrun = \"sh slow.sh {test}\"\n\
             teardown = \"echo $SMOKE_WORKER >> teardowns\"\n",
        );
    let mut smoke = suite.spawn(&["--jobs", "3", "-n", "3", "--seed", "1"]);
    for worker in 1..=3 {
        wait_for(
            &suite.path().join(format!("pids-{worker}")),
            Duration::from_secs(30),
        );
    }
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe {
        libc::kill(smoke.0.id() as i32, libc::SIGINT);
    }
    let status = smoke.0.wait().expect("smoke exits");
    assert_eq!(status.code(), Some(130));
    for worker in 1..=3 {
        let pids = fs::read_to_string(suite.path().join(format!("pids-{worker}"))).expect("pids");
        for pid in pids.lines() {
            let pid: i32 = pid.trim().parse().expect("a pid");
            assert!(!alive(pid), "worker {worker}'s test {pid} still runs");
        }
    }
    let teardowns = fs::read_to_string(suite.path().join("teardowns")).expect("teardowns ran");
    let mut ran: Vec<&str> = teardowns.lines().collect();
    ran.sort_unstable();
    assert_eq!(ran, ["1", "2", "3"], "each worker's teardown ran once");
    let report = suite.report();
    assert_eq!(report["status"], "interrupted");
    assert!(!report["finished_at"].is_null());
    assert_eq!(report["iterations"].as_array().expect("an array").len(), 3);
}

#[test]
fn a_fresh_workdir_finds_and_shrinks_a_file_leak_with_no_setup_at_all() {
    // p leaves a file in its working folder; v fails when it finds one there. No setup cleans
    // it: a fresh folder per sequence is all it takes.
    let suite = Suite::new();
    suite
        .file(
            "t.sh",
            r#"#!/bin/sh
printf '%s %s %s\n' "$1" "$PWD" "$(stat -c %a .)" >> "$SMOKE_SUITE_DIR/ran.log"
case "$1" in
  p) touch leftover ;;
  v) [ ! -e leftover ] || { echo "leftover from an earlier test"; exit 1; } ;;
esac
"#,
        )
        .file(
            "smoke.toml",
            "[suite]\ntests = [\"a\", \"p\", \"b\", \"v\"]\nrun = 'sh \"$SMOKE_SUITE_DIR/t.sh\" {test}'\nworkdir = \"fresh\"\n",
        );
    let out = suite.smoke(&["--order", "rotate", "--times", "2", "--jobs", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = suite.report();
    let f = &report["failures"][0];
    assert_eq!(f["classification"], "order-dependent", "{f}");
    assert_eq!(names(&f["minimal"]), ["p", "v"]);
    assert_eq!(f["proven_minimal"], true);
    assert!(
        !suite.path().join("leftover").exists(),
        "nothing ran in the suite folder"
    );
    // Every sequence had a folder of its own, and each is gone.
    let log = fs::read_to_string(suite.path().join("ran.log")).expect("ran");
    let folders: BTreeSet<&str> = log.lines().filter_map(|l| l.split(' ').nth(1)).collect();
    assert!(folders.len() > 2, "{log}");
    // Private to this user: what tests leave there may hold secrets.
    assert!(log.lines().all(|l| l.ends_with(" 700")), "{log}");
    for folder in folders {
        assert!(
            !std::path::Path::new(folder).exists(),
            "{folder} was left behind"
        );
    }
}

#[test]
fn workers_that_share_state_are_warned_once() {
    let suite = Suite::new();
    suite
        .file(
            "smoke.toml",
            "[suite]\ntests = [\"a\", \"b\"]\nrun = \"sh run.sh {test}\"\n",
        )
        .dispatcher("");
    let out = suite.smoke(&["--jobs", "2", "-n", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("the workers share state").count(), 1, "{err}");
    assert!(err.contains("--workdir fresh"), "{err}");
    let out = suite.smoke(&["--jobs", "2", "-n", "2", "--workdir", "fresh"]);
    assert!(!stderr(&out).contains("share state"), "{}", stderr(&out));
}
