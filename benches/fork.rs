//! The fork-server benchmark: what loading a pytest suite once per worker buys in wall time.
//!
//! Generated pytest suites of n tests in files of 50, one module-global polluter and its victim,
//! and a conftest that sleeps at import (a start-up like a real suite's imports and plugins) and
//! logs every pytest start-up. Each suite is run to its proven pair twice in the same process,
//! with the fork server (the default) and with `--no-fork-server`, in a fixed order (`rotate`:
//! the polluter early, the victim last, so the failing prefix is the whole suite) and in random
//! orders. Printed per row: wall time of each, the ratio, pytest start-ups and test executions.
//! Every result must be the planted pair, proven 1-minimal, or the bench stops.
//!
//! Nothing here is a pass/fail test; it prints figures. Needs pytest on PATH (see the README).
//!
//!   cargo bench --bench fork                                  (n = 50, 400; start-up 0.3 s, 1 s)
//!   cargo bench --bench fork -- --sizes 50 --startups 0.3 --seeds 1

mod common;

use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const SMOKE: &str = env!("CARGO_BIN_EXE_smoke");

struct Options {
    sizes: Vec<usize>,
    startups: Vec<f64>,
    seeds: Vec<u64>,
}

fn options() -> Options {
    let mut o = Options {
        sizes: vec![50, 400],
        startups: vec![0.3, 1.0],
        seeds: vec![1, 2],
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        let list = |v: &str| -> Vec<String> { v.split(',').map(str::to_string).collect() };
        match args[i].as_str() {
            "--sizes" => {
                o.sizes = list(&value)
                    .iter()
                    .map(|v| v.parse().expect("--sizes 50,400"))
                    .collect()
            }
            "--startups" => {
                o.startups = list(&value)
                    .iter()
                    .map(|v| v.parse().expect("--startups 0.3,1"))
                    .collect();
            }
            "--seeds" => {
                o.seeds = list(&value)
                    .iter()
                    .map(|v| v.parse().expect("--seeds 1,2"))
                    .collect()
            }
            // `cargo bench` passes --bench; anything else is a mistake worth hearing about.
            "--bench" => {
                i += 1;
                continue;
            }
            other => panic!("unknown option {other}: --sizes N,N --startups S,S --seeds N,N"),
        }
        i += 2;
    }
    o
}

/// n tests in files of 50: the polluter is the 3rd test of the first file, the victim the last
/// test of the last file.
fn write_suite(dir: &Path, n: usize, startup: f64) {
    fs::write(dir.join("pytest.ini"), "[pytest]\npythonpath = .\n").expect("write");
    fs::write(dir.join("shared.py"), "DIRTY = False\n").expect("write");
    fs::write(
        dir.join("conftest.py"),
        format!(
            "import os, time\n\ntime.sleep({startup})\n\n\ndef pytest_configure(config):\n    with open(os.path.join(os.path.dirname(__file__), 'starts.log'), 'a') as f:\n        f.write('start\\n')\n"
        ),
    )
    .expect("write");
    let files = n.div_ceil(50);
    for f in 0..files {
        let mut body = String::from("import shared\n\n");
        for i in 0..50.min(n - f * 50) {
            let name = match (f, i) {
                (0, 2) => "test_pollute".to_string(),
                _ if f == files - 1 && i == 49.min(n - f * 50 - 1) => "test_victim".to_string(),
                _ => format!("test_{f:02}_{i:02}"),
            };
            let check = match name.as_str() {
                "test_pollute" => "shared.DIRTY = True",
                "test_victim" => "assert not shared.DIRTY",
                _ => "pass",
            };
            body.push_str(&format!("def {name}():\n    {check}\n\n"));
        }
        fs::write(dir.join(format!("test_f{f:02}.py")), body).expect("write");
    }
}

struct Run {
    seconds: f64,
    starts: usize,
    executions: u64,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let _ = fs::remove_file(dir.join("starts.log"));
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
    let failure = &report["failures"][0];
    let minimal: Vec<&str> = failure["minimal"]
        .as_array()
        .expect("minimal")
        .iter()
        .map(|v| v.as_str().expect("name"))
        .collect();
    assert!(
        minimal.len() == 2
            && minimal[0].ends_with("::test_pollute")
            && minimal[1].ends_with("::test_victim"),
        "{minimal:?}"
    );
    assert_eq!(failure["proven_minimal"], true);
    Run {
        seconds,
        starts: fs::read_to_string(dir.join("starts.log"))
            .unwrap_or_default()
            .lines()
            .count(),
        executions: report["stats"]["test_executions"].as_u64().expect("count"),
    }
}

fn main() {
    let o = options();
    println!(
        "{:>5} {:>8} {:<14} {:>9} {:>9} {:>6} {:>13} {:>13}",
        "tests", "start-up", "order", "fresh s", "forked s", "ratio", "starts fr/fk", "execs fr/fk"
    );
    let mut ratios = Vec::new();
    for &n in &o.sizes {
        for &startup in &o.startups {
            let dir = tempfile::tempdir().expect("temp folder");
            write_suite(dir.path(), n, startup);
            let mut orders: Vec<(String, Vec<String>)> =
                vec![("rotate".into(), vec!["--order".into(), "rotate".into()])];
            for seed in &o.seeds {
                orders.push((
                    format!("random seed {seed}"),
                    vec!["--seed".into(), seed.to_string(), "-n".into(), "1".into()],
                ));
            }
            for (label, args) in orders {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let mut fresh_args = args.clone();
                fresh_args.push("--no-fork-server");
                let fresh = run(dir.path(), &fresh_args);
                let forked = run(dir.path(), &args);
                let ratio = forked.seconds / fresh.seconds;
                ratios.push(ratio);
                println!(
                    "{n:>5} {startup:>7.1}s {label:<14} {:>9.2} {:>9.2} {ratio:>6.2} {:>13} {:>13}",
                    fresh.seconds,
                    forked.seconds,
                    format!("{}/{}", fresh.starts, forked.starts),
                    format!("{}/{}", fresh.executions, forked.executions),
                );
            }
        }
    }
    ratios.sort_by(f64::total_cmp);
    if !ratios.is_empty() {
        println!(
            "forked/fresh wall time: median {:.2}, worst {:.2} over {} runs",
            ratios[ratios.len() / 2],
            ratios[ratios.len() - 1],
            ratios.len()
        );
    }
    println!("{}", common::machine());
}
