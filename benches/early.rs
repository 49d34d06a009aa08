//! The early-stop benchmark: what stopping an iteration at its first failure (the default in
//! batch mode with pytest: `--maxfail=1`, or the fork server's `maxfail`) saves against running
//! it on to the end (`--keep-going`).
//!
//! Two pytest suites: `examples/pytest-global` (8 tests, one polluter, one victim) and a
//! generated suite of n tests (default 1000) in files of 50, one module-global polluter and its
//! victim. Each runs `--iterations N` random orders from one seed, both with a fresh pytest per
//! sequence (`--no-fork-server`) and forked from the fork server, once stopping early and once
//! with `--keep-going`, alternating in rounds; the figures are the medians. Printed per row:
//! end-to-end wall time of each and the ratio (early / keep-going), the CPU time of smoke and
//! everything it started (which a shared machine's load moves less than wall time) and its
//! ratio, and the test executions. Both runs must find the same failures,
//! shrunk to the planted pair, or the bench stops.
//!
//! Nothing here is a pass/fail test; it prints figures (docs/benchmarks.md, "Early stop"). Needs
//! pytest on PATH (scripts/test installs it).
//!
//!   cargo bench --bench early                           (n = 1000, 10 iterations, 3 rounds)
//!   cargo bench --bench early -- --tests 400 --iterations 5 --rounds 1
//!   cargo bench --bench early -- --test-ms 5               (each generated test sleeps 5 ms)

mod common;

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
    /// How long each generated test takes (a sleep), in ms.
    test_ms: u64,
}

fn options() -> Options {
    let mut o = Options {
        tests: 1000,
        iterations: 10,
        rounds: 3,
        seed: 1,
        test_ms: 0,
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
            "--test-ms" => o.test_ms = value.parse().expect("--test-ms 5"),
            // `cargo bench` passes --bench; anything else is a mistake worth hearing about.
            "--bench" => {
                i += 1;
                continue;
            }
            other => panic!(
                "unknown option {other}: --tests N --iterations N --rounds N --seed N --test-ms N"
            ),
        }
        i += 2;
    }
    o
}

/// n tests in files of 50: the polluter is the 3rd test of the first file, the victim the last
/// test of the last file; every other test passes. Each test first sleeps `ms` milliseconds.
fn write_suite(dir: &Path, n: usize, ms: u64) {
    fs::write(dir.join("pytest.ini"), "[pytest]\npythonpath = .\n").expect("write");
    fs::write(dir.join("shared.py"), "DIRTY = False\n").expect("write");
    let files = n.div_ceil(50);
    for f in 0..files {
        let mut body = String::from("import time\nimport shared\n\n");
        let in_file = 50.min(n - f * 50);
        for i in 0..in_file {
            let (name, check) = match (f, i) {
                (0, 2) => ("test_pollute".to_string(), "shared.DIRTY = True"),
                _ if f == files - 1 && i == in_file - 1 => {
                    ("test_victim".to_string(), "assert not shared.DIRTY")
                }
                _ => (format!("test_{f:02}_{i:02}"), "pass"),
            };
            let sleep = if ms > 0 {
                format!("time.sleep({})\n    ", ms as f64 / 1000.0)
            } else {
                String::new()
            };
            body.push_str(&format!("def {name}():\n    {sleep}{check}\n\n"));
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
    /// CPU time (user and system) of smoke and everything it started: on a shared machine it
    /// moves less with the load than wall time does.
    cpu: f64,
    executions: u64,
    /// Each failure's test and minimal sequence, to check both runs found the same.
    found: Vec<(String, Vec<String>)>,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let _ = fs::remove_dir_all(dir.join("reports"));
    let cpu_before = children_cpu();
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
    let cpu = children_cpu() - cpu_before;
    assert_eq!(
        status.code(),
        Some(1),
        "smoke {args:?} in {}",
        dir.display()
    );
    let report = common::report_in(dir);
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
        cpu,
        executions: report["stats"]["test_executions"].as_u64().expect("count"),
        found,
    }
}

/// User and system CPU seconds of every waited-for child (and its waited-for descendants).
fn children_cpu() -> f64 {
    // SAFETY: getrusage fills the struct it is given; zeroed is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a rusage.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The 1, 5 and 15 minute load averages, as the kernel gives them.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
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
        "{:<22} {:<7} {:>8} {:>8} {:>6} {:>9} {:>9} {:>6} {:>11}",
        "suite",
        "runs",
        "early s",
        "keep s",
        "ratio",
        "cpu early",
        "cpu keep",
        "ratio",
        "execs e/k"
    );
    let started = Instant::now();
    let generated = tempfile::tempdir().expect("temp folder");
    write_suite(generated.path(), o.tests, o.test_ms);
    let example = tempfile::tempdir().expect("temp folder");
    copy_example("pytest-global", example.path());
    let suites = [
        ("pytest-global (8)".to_string(), example.path()),
        (
            if o.test_ms > 0 {
                format!("generated ({}, {} ms)", o.tests, o.test_ms)
            } else {
                format!("generated ({})", o.tests)
            },
            generated.path(),
        ),
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
            let cpu_e = median(early.iter().map(|r| r.cpu).collect());
            let cpu_k = median(keep.iter().map(|r| r.cpu).collect());
            println!(
                "{label:<22} {mode:<7} {wall_e:>8.2} {wall_k:>8.2} {:>6.2} {cpu_e:>9.2} {cpu_k:>9.2} {:>6.2} {:>11}",
                wall_e / wall_k,
                cpu_e / cpu_k,
                format!("{}/{}", early[0].executions, keep[0].executions),
            );
        }
    }
    println!("{}", common::machine());
    println!("load average at the end: {}", load_average());
    println!("took {:.0} s", started.elapsed().as_secs_f64());
}
