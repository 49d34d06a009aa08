//! The workers benchmark: what `--jobs N` buys in wall time, measured on suites whose tests
//! sleep 50 ms (so the CPU count is not the limit), each `--jobs` value run in the same
//! process so the ratios compare like with like.
//!
//! 1. Iterations: 8 random iterations of 20 tests (each worker with its own state folder),
//!    wall time per `--jobs` value, and the speed-up over `--jobs 1`.
//! 2. Shrinking: one polluter among 400 tests, run in a fixed order (`rotate`) with the
//!    polluter at a few places and the victim last. The shrink's wall time is measured from
//!    the victim's first failure (the tests log when they run) to smoke's exit; its test
//!    executions come from the report (runs made ahead of time included). Every result must be
//!    the planted pair, proven 1-minimal.
//!
//! Nothing here is a pass/fail test; it prints figures.
//!
//!   cargo bench --bench jobs                              (jobs 1, 2, 4; 3 placements)
//!   cargo bench --bench jobs -- --jobs 1,2 --placements 1 --rounds 1

use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const SMOKE: &str = env!("CARGO_BIN_EXE_smoke");

/// One test: log its name and the time, sleep 50 ms; `p` pollutes the worker's state and `v`
/// fails after it.
const TEST: &str = r#"#!/bin/sh
printf '%s %s\n' "$1" "$(date +%s.%N)" >> "log-$SMOKE_WORKER"
case "$1" in
  p) touch "state-$SMOKE_WORKER/dirty" ;;
  v) [ ! -e "state-$SMOKE_WORKER/dirty" ] || exit 1 ;;
esac
sleep 0.05
"#;

struct Options {
    jobs: Vec<usize>,
    placements: usize,
    rounds: usize,
}

fn options() -> Options {
    let mut o = Options {
        jobs: vec![1, 2, 4],
        placements: 3,
        rounds: 3,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--jobs" => {
                o.jobs = value
                    .split(',')
                    .map(|j| j.parse().expect("--jobs 1,2,4"))
                    .collect();
            }
            "--placements" => o.placements = value.parse().expect("--placements N"),
            "--rounds" => o.rounds = value.parse().expect("--rounds N"),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

/// A suite of `tests` in a fresh folder, run through the logging test above.
fn suite(tests: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp folder");
    fs::write(dir.path().join("t.sh"), TEST).expect("write");
    let list: Vec<String> = tests.iter().map(|t| format!("{t:?}")).collect();
    fs::write(
        dir.path().join("smoke.toml"),
        format!(
            "[suite]\ntests = [{}]\nrun = \"sh t.sh {{test}}\"\n\
             setup = \"rm -rf state-{{worker}} && mkdir state-{{worker}}\"\n",
            list.join(", ")
        ),
    )
    .expect("write");
    dir
}

/// Run smoke in `dir`; its wall time in seconds and its JSON report.
fn smoke(dir: &Path, args: &[&str]) -> (f64, Value) {
    let _ = fs::remove_dir_all(dir.join("reports"));
    let started = Instant::now();
    let status = Command::new(SMOKE)
        .current_dir(dir)
        .args(["--report", "reports/run.txt", "-q"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("smoke runs");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "smoke failed: {status}"
    );
    let report = fs::read_to_string(dir.join("reports/run.json")).expect("a report");
    (seconds, serde_json::from_str(&report).expect("JSON"))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn iterations(o: &Options) {
    let tests: Vec<String> = (0..20).map(|i| format!("t{i:02}")).collect();
    let dir = suite(&tests);
    println!(
        "\n## Iterations: 8 random iterations of 20 tests of 50 ms (median of {} rounds)\n",
        o.rounds
    );
    println!("| --jobs | wall time | speed-up over --jobs 1 |");
    println!("|---:|---:|---:|");
    let mut base = None;
    for &jobs in &o.jobs {
        let times: Vec<f64> = (0..o.rounds)
            .map(|_| {
                let jobs = jobs.to_string();
                smoke(
                    dir.path(),
                    &["-n", "8", "--times", "1", "--seed", "1", "--jobs", &jobs],
                )
                .0
            })
            .collect();
        let t = median(times);
        let base = *base.get_or_insert(t);
        println!("| {jobs} | {t:.2} s | {:.2}x |", base / t);
    }
}

/// When the victim first ran, from the tests' logs (seconds since the epoch).
fn first_victim_run(dir: &Path) -> f64 {
    let mut first = f64::INFINITY;
    for entry in fs::read_dir(dir).expect("dir").flatten() {
        if !entry.file_name().to_string_lossy().starts_with("log-") {
            continue;
        }
        for line in fs::read_to_string(entry.path()).unwrap_or_default().lines() {
            if let Some(("v", at)) = line.split_once(' ') {
                first = first.min(at.parse().unwrap_or(f64::INFINITY));
            }
        }
    }
    first
}

fn shrinking(o: &Options) {
    println!(
        "\n## Shrinking one polluter among 400 tests of 50 ms (rotate, victim last; {} placements)\n",
        o.placements
    );
    println!(
        "| --jobs | polluter at | shrink wall time | vs --jobs 1 | test executions | vs --jobs 1 | result |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|");
    let mut totals: Vec<(usize, f64, u64)> = Vec::new();
    for placement in 0..o.placements {
        let at = 40 + placement * 300 / o.placements.max(1);
        let mut tests: Vec<String> = (0..398).map(|i| format!("t{i:03}")).collect();
        tests.insert(at, "p".to_string());
        tests.push("v".to_string());
        let dir = suite(&tests);
        let mut base: Option<(f64, u64)> = None;
        for &jobs in &o.jobs {
            for entry in fs::read_dir(dir.path()).expect("dir").flatten() {
                if entry.file_name().to_string_lossy().starts_with("log-") {
                    let _ = fs::remove_file(entry.path());
                }
            }
            let jobs_arg = jobs.to_string();
            let (_, report) = smoke(
                dir.path(),
                &["--order", "rotate", "--times", "1", "--jobs", &jobs_arg],
            );
            let ended = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("after 1970")
                .as_secs_f64();
            let shrink = ended - first_victim_run(dir.path());
            let f = &report["failures"][0];
            let executions = f["shrink_executions"].as_u64().expect("executions");
            let minimal: Vec<&str> = f["minimal"]
                .as_array()
                .expect("minimal")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let ok = minimal == ["p", "v"] && f["proven_minimal"] == true;
            let (t1, e1) = *base.get_or_insert((shrink, executions));
            println!(
                "| {jobs} | {at} | {shrink:.2} s | {:.2} | {executions} | {:.2} | {} |",
                shrink / t1,
                executions as f64 / e1 as f64,
                if ok { "pair, proven" } else { "WRONG" }
            );
            totals.push((jobs, shrink, executions));
        }
    }
    println!("\nSums over the placements:\n");
    println!("| --jobs | shrink wall time | vs --jobs 1 | test executions | vs --jobs 1 |");
    println!("|---:|---:|---:|---:|---:|");
    let sum = |jobs: usize| {
        totals
            .iter()
            .filter(|t| t.0 == jobs)
            .fold((0.0, 0), |acc, t| (acc.0 + t.1, acc.1 + t.2))
    };
    let (t1, e1) = sum(o.jobs[0]);
    for &jobs in &o.jobs {
        let (t, e) = sum(jobs);
        println!(
            "| {jobs} | {t:.1} s | {:.2} | {e} | {:.2} |",
            t / t1,
            e as f64 / e1 as f64
        );
    }
}

fn main() {
    let o = options();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("# smoke --jobs benchmark ({cpus} CPUs, release build)");
    iterations(&o);
    shrinking(&o);
}
