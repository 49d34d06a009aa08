//! The early-stop benchmark: what stopping an iteration at its first failure (the default in
//! batch mode with pytest: `--maxfail=1`, or the fork server's `maxfail`) saves against running
//! it on to the end (`--keep-going`).
//!
//! Two pytest suites: `examples/pytest-global` (8 tests, one polluter, one victim) and a
//! generated suite of n tests (default 1000) in files of 50, one module-global polluter and its
//! victim. Each runs `--iterations N` random orders from one seed, both with a fresh pytest per
//! sequence (`--no-fork-server`) and forked from the fork server, once stopping early and once
//! with `--keep-going`, alternating in rounds; the figures are the medians. Printed per row:
//! end-to-end wall time of each, the ratio (early / keep-going), the iterations' own time (their
//! sequences, from the JSON report) and test executions. Both runs must find the same failures,
//! shrunk to the planted pair, or the bench stops.
//!
//! Nothing here is a pass/fail test; it prints figures. Needs pytest on PATH (see the README).
//!
//!   cargo bench --bench early                           (n = 1000, 10 iterations, 3 rounds)
//!   cargo bench --bench early -- --tests 400 --iterations 5 --rounds 1

mod common;

use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const SMOKE: &str = env!("CARGO_BIN_EXE_smoke");

struct Options {
    tests: usize,
    iterations: u32,
    rounds: usize,
    seed: u64,
}

fn options() -> Options {
    let mut o = Options {
        tests: 1000,
        iterations: 10,
        rounds: 3,
        seed: 1,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--tests" => o.tests = value.parse().expect("--tests 1000"),
            "--iterations" => o.iterations = value.parse().expect("--iterations 10"),
            "--rounds" => o.rounds = value.parse().expect("--rounds 3"),
            "--seed" => o.seed = value.parse().expect("--seed 1"),
            // `cargo bench` passes --bench; anything else is a mistake worth hearing about.
            "--bench" => {
                i += 1;
                continue;
            }
            other => panic!("unknown option {other}: --tests N --iterations N --rounds N --seed N"),
        }
        i += 2;
    }
    o
}

/// n tests in files of 50: the polluter is the 3rd test of the first file, the victim the last
/// test of the last file; every other test passes.
fn write_suite(dir: &Path, n: usize) {
    fs::write(dir.join("pytest.ini"), "[pytest]\npythonpath = .\n").expect("write");
    fs::write(dir.join("shared.py"), "DIRTY = False\n").expect("write");
    let files = n.div_ceil(50);
    for f in 0..files {
        let mut body = String::from("import shared\n\n");
        let in_file = 50.min(n - f * 50);
        for i in 0..in_file {
            let (name, check) = match (f, i) {
                (0, 2) => ("test_pollute".to_string(), "shared.DIRTY = True"),
                _ if f == files - 1 && i == in_file - 1 => {
                    ("test_victim".to_string(), "assert not shared.DIRTY")
                }
                _ => (format!("test_{f:02}_{i:02}"), "pass"),
            };
            body.push_str(&format!("def {name}():\n    {check}\n\n"));
        }
        fs::write(dir.join(format!("test_f{f:02}.py")), body).expect("write");
    }
}

/// Copy `examples/NAME` into `dir`.
fn copy_example(name: &str, dir: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let status = Command::new("cp")
        .arg("-R")
        .arg(format!("{}/.", src.display()))
        .arg(dir)
        .status()
        .expect("cp runs");
    assert!(status.success(), "copying {}", src.display());
    let _ = fs::remove_dir_all(dir.join("reports"));
}

struct Run {
    seconds: f64,
    iteration_seconds: f64,
    executions: u64,
    /// Each failure's test and minimal sequence, to check both runs found the same.
    found: Vec<(String, Vec<String>)>,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let _ = fs::remove_dir_all(dir.join("reports"));
    let started = Instant::now();
    let status = Command::new(SMOKE)
        .current_dir(dir)
        .args(["--preset", "pytest", "--report-dir", "reports", "--quiet"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("smoke runs");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        status.code(),
        Some(1),
        "smoke {args:?} in {}",
        dir.display()
    );
    let report = fs::read_dir(dir.join("reports"))
        .expect("reports")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a JSON report");
    let report: Value =
        serde_json::from_str(&fs::read_to_string(report).expect("read")).expect("JSON");
    let found: Vec<(String, Vec<String>)> = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| {
            assert_eq!(f["proven_minimal"], true, "{f}");
            let minimal = f["minimal"]
                .as_array()
                .expect("minimal")
                .iter()
                .map(|v| v.as_str().expect("name").to_string())
                .collect();
            (f["test"].as_str().expect("test").to_string(), minimal)
        })
        .collect();
    assert!(!found.is_empty(), "no failure found: {args:?}");
    for (_, minimal) in &found {
        assert_eq!(minimal.len(), 2, "not the planted pair: {minimal:?}");
    }
    Run {
        seconds,
        iteration_seconds: report["iterations"]
            .as_array()
            .expect("iterations")
            .iter()
            .filter_map(|i| i["seconds"].as_f64())
            .sum(),
        executions: report["stats"]["test_executions"].as_u64().expect("count"),
        found,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let o = options();
    println!(
        "smoke {} early-stop benchmark: {} random iterations from seed {}, median of {} round(s); \
         early = stop each iteration at its first failure (the default), keep = --keep-going",
        env!("CARGO_PKG_VERSION"),
        o.iterations,
        o.seed,
        o.rounds
    );
    println!(
        "{:<22} {:<7} {:>8} {:>8} {:>6} {:>10} {:>10} {:>6} {:>13}",
        "suite",
        "runs",
        "early s",
        "keep s",
        "ratio",
        "iter early",
        "iter keep",
        "ratio",
        "execs e/k"
    );
    let started = Instant::now();
    let generated = tempfile::tempdir().expect("temp folder");
    write_suite(generated.path(), o.tests);
    let example = tempfile::tempdir().expect("temp folder");
    copy_example("pytest-global", example.path());
    let suites = [
        ("pytest-global (8)".to_string(), example.path()),
        (format!("generated ({})", o.tests), generated.path()),
    ];
    let iterations = o.iterations.to_string();
    let seed = o.seed.to_string();
    for (label, dir) in suites {
        for (mode, extra) in [("fresh", Some("--no-fork-server")), ("forked", None)] {
            let mut base = vec!["--seed", seed.as_str(), "--iterations", iterations.as_str()];
            base.extend(extra);
            let mut keep_args = base.clone();
            keep_args.push("--keep-going");
            let (mut early, mut keep) = (Vec::new(), Vec::new());
            for round in 0..o.rounds {
                // Alternate which goes first, so a warm cache favours neither.
                if round % 2 == 0 {
                    early.push(run(dir, &base));
                    keep.push(run(dir, &keep_args));
                } else {
                    keep.push(run(dir, &keep_args));
                    early.push(run(dir, &base));
                }
            }
            for (e, k) in early.iter().zip(&keep) {
                assert_eq!(
                    e.found, k.found,
                    "{label} {mode}: the runs found different failures"
                );
            }
            let wall_e = median(early.iter().map(|r| r.seconds).collect());
            let wall_k = median(keep.iter().map(|r| r.seconds).collect());
            let iter_e = median(early.iter().map(|r| r.iteration_seconds).collect());
            let iter_k = median(keep.iter().map(|r| r.iteration_seconds).collect());
            println!(
                "{label:<22} {mode:<7} {wall_e:>8.2} {wall_k:>8.2} {:>6.2} {iter_e:>10.2} {iter_k:>10.2} {:>6.2} {:>13}",
                wall_e / wall_k,
                iter_e / iter_k,
                format!("{}/{}", early[0].executions, keep[0].executions),
            );
        }
    }
    println!("{}", common::machine());
    println!("took {:.0} s", started.elapsed().as_secs_f64());
}
