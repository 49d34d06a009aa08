//! The shrink benchmark: what smoke spends to shrink planted failures, and its harness overhead.
//!
//! For each case (one polluter; two polluters both needed; polluter + cleaner; a test that fails
//! its third run) and size (50, 400, 2000 tests) it writes a suite whose tests are one shell
//! dispatcher, runs the release binary on seeds 1, 2, ... (one random iteration each) until
//! `--seeds` of them failed, and reads each JSON report: the failing prefix length k, the test
//! executions spent shrinking, whether the result is the planted minimal sequence and proven
//! 1-minimal. Each failing seed is then run again with `--reduce testsmoke` (Apache::TestSmoke's
//! reduction, then the same proof): the same iteration fails on the same sequence, so the two
//! reducers are compared on the same failures in one run (`testsmoke` columns, and `ts/smoke`,
//! the median executions of testsmoke over smoke's, at `--testsmoke-sizes`). Then one polluter
//! that breaks ten victims (30 random iterations a seed): what the first victim's shrink costs,
//! and what each later one costs once the polluter is tried on it first. Then it times smoke
//! running 1000 trivial tests against a plain shell loop starting the same 1000 commands, in
//! the same run, and smoke's per-test time and peak memory over one pass of 1,000 and of 10,000
//! tests. Nothing here is a pass/fail test; it prints figures.
//!
//!   cargo bench --bench shrink                        (20 seeds, sizes 50,400,2000)
//!   cargo bench --bench shrink -- --seeds 5 --sizes 50,400 --overhead-rounds 3
//!   cargo bench --bench shrink -- --testsmoke-sizes 50        (testsmoke columns at 50 only;
//!                                                             default 50,400; '' for none)

mod common;

use common::machine;
use serde_json::Value;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const SMOKE: &str = env!("CARGO_BIN_EXE_smoke");

#[derive(Clone, Copy, PartialEq)]
enum Case {
    OnePolluter,
    TwoNeeded,
    PolluterCleaner,
    ThirdRun,
}

impl Case {
    const ALL: [Case; 4] = [
        Case::OnePolluter,
        Case::TwoNeeded,
        Case::PolluterCleaner,
        Case::ThirdRun,
    ];

    fn name(self) -> &'static str {
        match self {
            Case::OnePolluter => "one polluter",
            Case::TwoNeeded => "two polluters, both needed",
            Case::PolluterCleaner => "polluter + cleaner",
            Case::ThirdRun => "fails the third time",
        }
    }

    /// The target docs/benchmarks.md states for this case, as a bound on the median for prefix k.
    fn target(self, k: f64) -> Option<(f64, &'static str)> {
        match self {
            Case::OnePolluter => Some((k + 2.0 * k.log2() + 4.0, "k+2log2k+4")),
            Case::TwoNeeded => Some((5.0 * k, "5k")),
            _ => None,
        }
    }

    /// The `case` branches of the dispatcher, the planted tests among `names`, and the expected
    /// minimal sequence (sorted, to compare as a multiset).
    fn plant(self, names: &[String]) -> (String, Vec<String>) {
        // Planted tests sit at fixed places in the list; random orders move them anyway.
        let at = |fraction: f64| names[((names.len() - 1) as f64 * fraction) as usize].clone();
        let (p, q, v) = (at(0.2), at(0.5), at(0.8));
        let (branches, mut minimal) = match self {
            Case::OnePolluter => (
                format!("{p}) touch state/p ;;\n{v}) [ ! -e state/p ] || exit 1 ;;"),
                vec![p, v],
            ),
            Case::TwoNeeded => (
                format!(
                    "{p}) touch state/p ;;\n{q}) touch state/q ;;\n\
                     {v}) [ -e state/p ] && [ -e state/q ] && exit 1; exit 0 ;;"
                ),
                vec![p, q, v],
            ),
            Case::PolluterCleaner => (
                format!(
                    "{p}) touch state/p ;;\n{q}) rm -f state/p ;;\n{v}) [ ! -e state/p ] || exit 1 ;;"
                ),
                vec![p, v],
            ),
            Case::ThirdRun => (
                format!("{v}) echo x >> state/v; [ \"$(wc -l < state/v)\" -lt 3 ] || exit 1 ;;"),
                vec![v.clone(), v.clone(), v],
            ),
        };
        minimal.sort();
        (branches, minimal)
    }

    fn times(self) -> u32 {
        if self == Case::ThirdRun { 3 } else { 1 }
    }
}

/// One failing seed's figures, with each reducer.
struct Sample {
    k: usize,
    smoke: Shrink,
    /// `None` at sizes the testsmoke columns leave out (`--testsmoke-sizes`).
    testsmoke: Option<Shrink>,
}

/// What one reducer spent on one failure, and what it found.
struct Shrink {
    executions: u64,
    /// The planted minimal sequence, proven 1-minimal.
    minimal: bool,
}

struct Options {
    seeds: usize,
    sizes: Vec<usize>,
    /// Sizes at which each failure is shrunk with `--reduce testsmoke` too: it is much dearer,
    /// and at 2000 tests it would take hours.
    testsmoke_sizes: Vec<usize>,
    overhead_tests: usize,
    overhead_rounds: usize,
}

fn options() -> Options {
    let mut o = Options {
        seeds: 20,
        sizes: vec![50, 400, 2000],
        testsmoke_sizes: vec![50, 400],
        overhead_tests: 1000,
        overhead_rounds: 9,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        let number = |what: &str| -> usize {
            value.parse().unwrap_or_else(|_| {
                eprintln!("bench: {what} wants a number, got '{value}'");
                std::process::exit(2)
            })
        };
        match args[i].as_str() {
            "--seeds" => o.seeds = number("--seeds"),
            "--overhead-tests" => o.overhead_tests = number("--overhead-tests"),
            "--overhead-rounds" => o.overhead_rounds = number("--overhead-rounds"),
            "--testsmoke-sizes" => {
                o.testsmoke_sizes = value
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        s.parse().unwrap_or_else(|_| {
                            eprintln!("bench: --testsmoke-sizes wants numbers, got '{value}'");
                            std::process::exit(2)
                        })
                    })
                    .collect()
            }
            "--sizes" => {
                o.sizes = value
                    .split(',')
                    .map(|s| {
                        s.parse().unwrap_or_else(|_| {
                            eprintln!("bench: --sizes wants numbers like 50,400, got '{value}'");
                            std::process::exit(2)
                        })
                    })
                    .collect()
            }
            // cargo bench passes --bench; anything else is not ours either.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

/// Write the suite for `case` with `size` tests into `dir`; returns the expected minimal.
fn write_suite(dir: &Path, case: Case, size: usize) -> Vec<String> {
    let names: Vec<String> = (1..=size).map(|i| format!("t{i:04}")).collect();
    let (branches, minimal) = case.plant(&names);
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    fs::write(
        dir.join("smoke.toml"),
        format!(
            "[suite]\ntests = [{}]\nrun = \"sh run.sh {{test}}\"\n\
             setup = \"rm -rf state && mkdir state\"\n[smoke]\ntimes = {}\n\
             [report]\ndir = \"reports\"\n",
            quoted.join(", "),
            case.times()
        ),
    )
    .expect("write smoke.toml");
    fs::write(
        dir.join("run.sh"),
        format!("case \"$1\" in\n{branches}\n*) ;;\nesac\n"),
    )
    .expect("write run.sh");
    minimal
}

/// Run one seed with smoke's reducer, and with testsmoke's too when `testsmoke`; `None` when
/// that seed's iteration did not fail.
fn run_seed(dir: &Path, seed: u64, expected: &[String], testsmoke: bool) -> Option<Sample> {
    let (original, k, smoke) = run_reducer(dir, seed, "smoke", expected)?;
    let testsmoke = testsmoke.then(|| {
        let (again, _, shrink) =
            run_reducer(dir, seed, "testsmoke", expected).expect("the same seed fails again");
        assert_eq!(
            original, again,
            "seed {seed}: the reducers saw different failures"
        );
        shrink
    });
    Some(Sample {
        k,
        smoke,
        testsmoke,
    })
}

/// Run one seed with `--reduce reducer`: the failing sequence, its prefix length and the
/// shrink's figures; `None` when the iteration did not fail.
fn run_reducer(
    dir: &Path,
    seed: u64,
    reducer: &str,
    expected: &[String],
) -> Option<(Vec<String>, usize, Shrink)> {
    let report = dir.join("report.txt");
    let status = Command::new(SMOKE)
        .current_dir(dir)
        .args(["--quiet", "--iterations", "1", "--seed", &seed.to_string()])
        .args(["--reduce", reducer])
        .arg("--report")
        .arg(&report)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("smoke runs");
    if status.code() == Some(0) {
        return None;
    }
    let json = fs::read_to_string(dir.join("report.json")).expect("a JSON report");
    let report: Value = serde_json::from_str(&json).expect("valid JSON");
    let failure = &report["failures"][0];
    let list = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut minimal = list(&failure["minimal"]);
    minimal.sort();
    let original = list(&failure["original"]);
    let k = original.len().saturating_sub(1);
    let shrink = Shrink {
        executions: failure["shrink_executions"].as_u64().unwrap_or(0),
        minimal: minimal == expected && failure["proven_minimal"] == true,
    };
    Some((original, k, shrink))
}

fn median<T: Copy + PartialOrd>(xs: &[T]) -> T {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    v[v.len() / 2]
}

fn shrink_table(o: &Options) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<27} {:>5} {:>6} {:>6} {:>8} {:>8} {:>9} {:>6} {:>18} {:>10} {:>10} {:>10} {:>9} {:>10}",
        "case",
        "tests",
        "seeds",
        "k med",
        "shrink",
        "shrink",
        "k+log2k",
        "ratio",
        "target (median)",
        "1-minimal",
        "testsmoke",
        "testsmoke",
        "ts/smoke",
        "1-minimal"
    );
    let _ = writeln!(
        out,
        "{:<27} {:>5} {:>6} {:>6} {:>8} {:>8} {:>9} {:>6} {:>18} {:>10} {:>10} {:>10} {:>9} {:>10}",
        "",
        "",
        "",
        "",
        "median",
        "max",
        "median",
        "median",
        "",
        "",
        "median",
        "max",
        "medians",
        "testsmoke"
    );
    for case in Case::ALL {
        for &size in &o.sizes {
            let dir = tempfile::tempdir().expect("a temp folder");
            let expected = write_suite(dir.path(), case, size);
            let (mut samples, mut seed) = (Vec::new(), 0u64);
            while samples.len() < o.seeds && seed < 50 * o.seeds as u64 {
                seed += 1;
                let testsmoke = o.testsmoke_sizes.contains(&size);
                if let Some(s) = run_seed(dir.path(), seed, &expected, testsmoke) {
                    samples.push(s);
                }
            }
            if samples.is_empty() {
                let _ = writeln!(out, "{:<27} {size:>5} no failing seed", case.name());
                continue;
            }
            let ks: Vec<usize> = samples.iter().map(|s| s.k).collect();
            let spent: Vec<u64> = samples.iter().map(|s| s.smoke.executions).collect();
            let ts_spent: Vec<u64> = samples
                .iter()
                .filter_map(|s| s.testsmoke.as_ref().map(|t| t.executions))
                .collect();
            let bounds: Vec<f64> = ks.iter().map(|&k| k as f64 + (k as f64).log2()).collect();
            let ratios: Vec<f64> = samples
                .iter()
                .zip(&bounds)
                .map(|(s, b)| s.smoke.executions as f64 / b)
                .collect();
            let minimal = samples.iter().filter(|s| s.smoke.minimal).count();
            let ts_minimal = samples
                .iter()
                .filter(|s| s.testsmoke.as_ref().is_some_and(|t| t.minimal))
                .count();
            let target = match case.target(median(&ks) as f64) {
                Some((bound, how)) => {
                    let met = median(&spent) as f64 <= bound;
                    format!("{how}={bound:.0} {}", if met { "met" } else { "MISSED" })
                }
                None => "-".to_string(),
            };
            // The testsmoke columns, or dashes at sizes they leave out.
            let ts = if ts_spent.is_empty() {
                [
                    "-".to_string(),
                    "-".to_string(),
                    "-".to_string(),
                    "-".to_string(),
                ]
            } else {
                [
                    median(&ts_spent).to_string(),
                    ts_spent.iter().max().copied().unwrap_or(0).to_string(),
                    format!(
                        "{:.2}",
                        median(&ts_spent) as f64 / median(&spent).max(1) as f64
                    ),
                    format!("{ts_minimal}/{}", ts_spent.len()),
                ]
            };
            let _ = writeln!(
                out,
                "{:<27} {size:>5} {:>6} {:>6} {:>8} {:>8} {:>9.0} {:>6.2} {:>18} {:>10} {:>10} \
                 {:>10} {:>9} {:>10}",
                case.name(),
                samples.len(),
                median(&ks),
                median(&spent),
                spent.iter().max().copied().unwrap_or(0),
                median(&bounds),
                median(&ratios),
                target,
                format!("{minimal}/{}", samples.len()),
                ts[0],
                ts[1],
                ts[2],
                ts[3],
            );
            eprintln!("bench: {} / {size} done", case.name());
        }
    }
    out
}

/// A suite of `n` tests that each run `true`.
fn trivial_suite(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp folder");
    let quoted: Vec<String> = (1..=n).map(|i| format!("\"t{i}\"")).collect();
    fs::write(
        dir.path().join("smoke.toml"),
        format!(
            "[suite]\ntests = [{}]\nrun = \"true {{test}}\"\n[report]\ndir = \"reports\"\n",
            quoted.join(", ")
        ),
    )
    .expect("write smoke.toml");
    dir
}

/// Median wall seconds of `rounds` runs of each command, measured alternately.
fn overhead(o: &Options) -> String {
    let n = o.overhead_tests;
    let dir = trivial_suite(n);
    // The same commands smoke starts (/bin/sh -c SCRIPT smoke NAME), from a plain bash loop.
    let script = format!(
        "for i in $(seq 1 {n}); do /bin/sh -c 'true \"$1\"' smoke \"t$i\" \
         < /dev/null > /dev/null 2>&1; done"
    );
    let time = |cmd: &mut Command| {
        let start = Instant::now();
        cmd.current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("runs");
        start.elapsed().as_secs_f64()
    };
    let (mut plain, mut smoke) = (Vec::new(), Vec::new());
    for _ in 0..o.overhead_rounds.max(1) {
        plain.push(time(Command::new("bash").args(["-c", &script])));
        smoke.push(time(Command::new(SMOKE).args([
            "--order", "rotate", "--times", "1", "--seed", "1", "--quiet",
        ])));
    }
    let (p, s) = (median(&plain), median(&smoke));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<34} {:>9} {:>12}",
        format!("overhead ({n} trivial tests)"),
        "median s",
        "per test ms"
    );
    let per = |t: f64| t * 1000.0 / n as f64;
    let _ = writeln!(out, "{:<34} {p:>9.3} {:>12.3}", "plain shell loop", per(p));
    let _ = writeln!(
        out,
        "{:<34} {s:>9.3} {:>12.3}",
        "smoke (rotate, 1 pass)",
        per(s)
    );
    let _ = writeln!(
        out,
        "{:<34} {:>9.2}  (target <= 1.05)",
        "ratio smoke / loop",
        s / p
    );
    out
}

/// One rotate pass over `n` trivial tests: wall seconds and smoke's peak RSS in KiB.
fn pass(n: usize) -> (f64, i64) {
    let dir = trivial_suite(n);
    let start = Instant::now();
    let child = Command::new(SMOKE)
        .current_dir(dir.path())
        .args(["--order", "rotate", "--times", "1", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("smoke runs");
    let pid = child.id() as i32;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid, and wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child, with valid pointers.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    std::mem::forget(child); // reaped above
    (start.elapsed().as_secs_f64(), usage.ru_maxrss)
}

/// Per-test time and peak memory at 1,000 and 10,000 tests: both should stay flat.
fn scale() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<34} {:>9} {:>12} {:>14}",
        "scale (trivial tests, one pass)", "total s", "per test ms", "peak RSS MiB"
    );
    for n in [1_000, 10_000] {
        let (secs, rss) = pass(n);
        let _ = writeln!(
            out,
            "{:<34} {secs:>9.2} {:>12.3} {:>14.1}",
            format!("{n} tests"),
            secs * 1000.0 / n as f64,
            rss as f64 / 1024.0
        );
    }
    out
}

/// One polluter that breaks ten victims spread through the suite: per-test mode, 30 random
/// iterations of each test once. The first failure is shrunk; a later victim of the same
/// polluter is tried with it first (`same_cause_as`). Prints, per size and over `--seeds`
/// seeds: the first failure's shrink executions, and for the later victims the median and
/// largest candidate runs and test executions, and how many were attributed to the polluter.
fn victims_table(o: &Options) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "one polluter, ten victims (30 random iterations each seed, per-test mode)\n\n{:>5} \
         {:>6} {:>14} {:>10} {:>10} {:>10} {:>10} {:>14}",
        "tests", "seeds", "first shrink", "later", "runs", "runs", "executions", "attributed"
    );
    let _ = writeln!(
        out,
        "{:>5} {:>6} {:>14} {:>10} {:>10} {:>10} {:>10} {:>14}",
        "", "", "executions", "victims", "median", "max", "median", "to p"
    );
    for &size in &o.sizes {
        let dir = tempfile::tempdir().expect("a temp folder");
        let names: Vec<String> = (1..=size).map(|i| format!("t{i:04}")).collect();
        let p = names[size / 7].clone();
        let victims: Vec<String> = (1..=10)
            .map(|j| names[j * (size - 1) / 11].clone())
            .collect();
        let mut branches = format!("{p}) touch state/p ;;\n");
        for v in &victims {
            branches.push_str(&format!("{v}) [ ! -e state/p ] || exit 1 ;;\n"));
        }
        let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        fs::write(
            dir.path().join("smoke.toml"),
            format!(
                "[suite]\ntests = [{}]\nrun = \"sh run.sh {{test}}\"\n\
                 setup = \"rm -rf state && mkdir state\"\n",
                quoted.join(", ")
            ),
        )
        .expect("write smoke.toml");
        fs::write(
            dir.path().join("run.sh"),
            format!("case \"$1\" in\n{branches}*) ;;\nesac\n"),
        )
        .expect("write run.sh");
        let (mut first, mut runs, mut executions) = (Vec::new(), Vec::new(), Vec::new());
        let (mut later, mut attributed) = (0, 0);
        for seed in 1..=o.seeds as u64 {
            let status = Command::new(SMOKE)
                .current_dir(dir.path())
                .args(["--quiet", "--iterations", "30", "--times", "1"])
                .args(["--seed", &seed.to_string(), "--report", "report.txt"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("smoke runs");
            if status.code() != Some(1) {
                continue;
            }
            let json = fs::read_to_string(dir.path().join("report.json")).expect("a report");
            let report: Value = serde_json::from_str(&json).expect("valid JSON");
            let failures = report["failures"].as_array().cloned().unwrap_or_default();
            for (i, f) in failures.iter().enumerate() {
                let spent = f["shrink_executions"].as_u64().unwrap_or(0);
                if i == 0 {
                    first.push(spent);
                    continue;
                }
                later += 1;
                runs.push(f["tries"].as_u64().unwrap_or(0));
                executions.push(spent);
                if f["same_cause_as"].is_string() {
                    attributed += 1;
                }
            }
        }
        if first.is_empty() || runs.is_empty() {
            let _ = writeln!(out, "{size:>5} too few failures");
            continue;
        }
        let _ = writeln!(
            out,
            "{size:>5} {:>6} {:>14} {:>10} {:>10} {:>10} {:>10} {:>14}",
            o.seeds,
            median(&first),
            later,
            median(&runs),
            runs.iter().max().copied().unwrap_or(0),
            median(&executions),
            format!("{attributed}/{later}")
        );
    }
    out
}

fn main() {
    let o = options();
    let started = Instant::now();
    let table = shrink_table(&o);
    let victims = victims_table(&o);
    let overhead = overhead(&o);
    let scale = scale();
    println!(
        "smoke {} shrink benchmark: {} failing seeds per row; shrink = test executions spent \
         shrinking; ratio = shrink / (k + log2 k); testsmoke = the same failures shrunk with \
         --reduce testsmoke; ts/smoke = median testsmoke / median shrink\n",
        env!("CARGO_PKG_VERSION"),
        o.seeds
    );
    println!("{table}\n{victims}\n{overhead}\n{scale}\n{}", machine());
    println!("took {:.0} s", started.elapsed().as_secs_f64());
}
