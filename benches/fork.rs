//! The fork-server benchmark: what loading a pytest or rspec suite once per worker buys in wall
//! time.
//!
//! Generated suites of n tests in files of 50, one polluter of shared in-process state (a pytest
//! module global, an rspec class attribute) and its victim, and code that sleeps at load time (a
//! start-up like a real suite's imports and plugins: pytest's conftest, a file every spec
//! requires) and logs every runner start-up. Each suite is run to its proven pair twice in the same process,
//! with the fork server (the default) and with `--no-fork-server`, in a fixed order (`rotate`:
//! the polluter early, the victim last, so the failing prefix is the whole suite) and in random
//! orders. Printed per row: wall time of each, the ratio, pytest start-ups and test executions.
//! Every result must be the planted pair, proven 1-minimal, or the bench stops.
//!
//! Nothing here is a pass/fail test; it prints figures (docs/benchmarks.md, "The fork server").
//! Needs pytest and rspec on PATH (scripts/test installs them).
//!
//!   cargo bench --bench fork                  (pytest, rspec; n = 50, 400; start-up 0.3 s, 1 s)
//!   cargo bench --bench fork -- --runners rspec --sizes 50 --startups 0.3 --seeds 1
//!
//! A random seed that puts the victim before the polluter finds nothing; its row says so.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const SMOKE: &str = env!("CARGO_BIN_EXE_smoke");

struct Options {
    runners: Vec<String>,
    sizes: Vec<usize>,
    startups: Vec<f64>,
    seeds: Vec<u64>,
}

fn options() -> Options {
    let mut o = Options {
        runners: vec!["pytest".into(), "rspec".into()],
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
            "--runners" => o.runners = list(&value),
            // `cargo bench` passes --bench; anything else is a mistake worth hearing about.
            "--bench" => {
                i += 1;
                continue;
            }
            other => panic!(
                "unknown option {other}: --runners pytest,rspec --sizes N,N --startups S,S --seeds N,N"
            ),
        }
        i += 2;
    }
    o
}

/// n tests in files of 50 for `runner`: the polluter is the 3rd test of the first file, the
/// victim the last test of the last file. Returns their names.
fn write_suite(dir: &Path, runner: &str, n: usize, startup: f64) -> [String; 2] {
    if runner == "rspec" {
        return write_specs(dir, n, startup);
    }
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
    let last = files - 1;
    [
        "test_f00.py::test_pollute".to_string(),
        format!("test_f{last:02}.py::test_victim"),
    ]
}

/// The same for rspec: `Shared.dirty` is the state; `lib/shared.rb`, which every spec file
/// requires, sleeps and logs the start-up.
fn write_specs(dir: &Path, n: usize, startup: f64) -> [String; 2] {
    fs::create_dir_all(dir.join("lib")).expect("mkdir");
    fs::create_dir_all(dir.join("spec")).expect("mkdir");
    fs::write(
        dir.join("lib/shared.rb"),
        format!(
            "sleep {startup}\nFile.write(File.join(__dir__, '..', 'starts.log'), \"start\\n\", mode: 'a')\n\nclass Shared\n  class << self\n    attr_accessor :dirty\n  end\nend\n"
        ),
    )
    .expect("write");
    let files = n.div_ceil(50);
    for f in 0..files {
        let mut body = String::from("require_relative '../lib/shared'\n\nRSpec.describe 'f' do\n");
        for i in 0..50.min(n - f * 50) {
            let check = match (f, i) {
                (0, 2) => "Shared.dirty = true",
                _ if f == files - 1 && i == 49.min(n - f * 50 - 1) => {
                    "expect(Shared.dirty).to be_nil"
                }
                _ => "expect(1).to eq(1)",
            };
            body.push_str(&format!("  it 'does {i}' do\n    {check}\n  end\n"));
        }
        body.push_str("end\n");
        fs::write(dir.join(format!("spec/f{f:02}_spec.rb")), body).expect("write");
    }
    let last = files - 1;
    let victim = 50.min(n - last * 50);
    [
        "spec/f00_spec.rb[1:3]".to_string(),
        format!("spec/f{last:02}_spec.rb[1:{victim}]"),
    ]
}

struct Run {
    seconds: f64,
    starts: usize,
    executions: u64,
}

/// One run to the proven pair; `None` when the order put the victim first (nothing failed).
fn run(dir: &Path, runner: &str, pair: &[String; 2], args: &[&str]) -> Option<Run> {
    let _ = fs::remove_file(dir.join("starts.log"));
    let _ = fs::remove_dir_all(dir.join("reports"));
    let started = Instant::now();
    let status = Command::new(SMOKE)
        .current_dir(dir)
        .args(["--preset", runner, "--report-dir", "reports", "--quiet"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("smoke runs");
    let seconds = started.elapsed().as_secs_f64();
    if status.code() == Some(0) {
        return None;
    }
    assert_eq!(
        status.code(),
        Some(1),
        "smoke {args:?} in {}",
        dir.display()
    );
    let report = common::report_in(dir);
    let failure = &report["failures"][0];
    let minimal: Vec<&str> = failure["minimal"]
        .as_array()
        .expect("minimal")
        .iter()
        .map(|v| v.as_str().expect("name"))
        .collect();
    assert_eq!(minimal, [pair[0].as_str(), pair[1].as_str()]);
    assert_eq!(failure["proven_minimal"], true);
    Some(Run {
        seconds,
        starts: fs::read_to_string(dir.join("starts.log"))
            .unwrap_or_default()
            .lines()
            .count(),
        executions: report["stats"]["test_executions"].as_u64().expect("count"),
    })
}

fn main() {
    let o = options();
    println!(
        "{:<6} {:>5} {:>8} {:<14} {:>9} {:>9} {:>6} {:>13} {:>13}",
        "runner",
        "tests",
        "start-up",
        "order",
        "fresh s",
        "forked s",
        "ratio",
        "starts fr/fk",
        "execs fr/fk"
    );
    let mut ratios = Vec::new();
    for runner in &o.runners {
        for &n in &o.sizes {
            for &startup in &o.startups {
                let dir = tempfile::tempdir().expect("temp folder");
                let pair = write_suite(dir.path(), runner, n, startup);
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
                    let row = format!("{runner:<6} {n:>5} {startup:>7.1}s {label:<14}");
                    // The same seed gives the same order with or without the server.
                    let Some(fresh) = run(dir.path(), runner, &pair, &fresh_args) else {
                        println!("{row} (passes: the victim runs first)");
                        continue;
                    };
                    let forked = run(dir.path(), runner, &pair, &args)
                        .expect("the same order fails forked too");
                    let ratio = forked.seconds / fresh.seconds;
                    ratios.push(ratio);
                    println!(
                        "{row} {:>9.2} {:>9.2} {ratio:>6.2} {:>13} {:>13}",
                        fresh.seconds,
                        forked.seconds,
                        format!("{}/{}", fresh.starts, forked.starts),
                        format!("{}/{}", fresh.executions, forked.executions),
                    );
                }
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
