//! The detection benchmark: how soon each order (random, reverse, mirror, tuscan) finds a planted
//! order bug that the usual order hides.
//!
//! For each case (a polluter that runs after its victim in the usual order, with no cleaner; the
//! same with a cleaner between them in the usual order, so also in the reverse; two polluters
//! that are both needed, both after the victim) and size (20, 100, 400 tests) it plants the bug
//! at `--placements` places drawn with smoke's own generator, and runs the release binary once
//! per order and placement with `--times 1 --iterations N` (N = the number of tests: the budget;
//! reverse runs once) and seed = the placement's number, so random and mirror share their odd
//! iterations. It reads the JSON report smoke writes after every iteration and stops smoke with
//! SIGINT once an iteration failed: the runs until the first failure are that iteration's index,
//! and the test executions until it are the tests of the iterations before it plus the failing
//! prefix (the failure's `original`). Each sequence runs as one batch (a shell script printing
//! TAP), so a 400-test sequence costs one process; the counts are those of the order, not of the
//! way the tests run. Nothing here is a pass/fail test; it prints figures, and the targets
//! docs/benchmarks.md states (reverse finds the plain pair in 1 run; mirror within 2 runs every
//! time; tuscan finds the cleaner case within N + 1 runs every time) as met or MISSED.
//!
//!   cargo bench --bench detect                        (20 placements, sizes 20,100,400)
//!   cargo bench --bench detect -- --placements 5 --sizes 20,100

mod common;

use common::machine;
use serde_json::Value;
use smoke::order::SmokeRng;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SMOKE: &str = env!("CARGO_BIN_EXE_smoke");
const ORDERS: [&str; 4] = ["random", "reverse", "mirror", "tuscan"];

#[derive(Clone, Copy, PartialEq)]
enum Case {
    Plain,
    Cleaner,
    TwoNeeded,
}

impl Case {
    const ALL: [Case; 3] = [Case::Plain, Case::Cleaner, Case::TwoNeeded];

    fn name(self) -> &'static str {
        match self {
            Case::Plain => "polluter, no cleaner",
            Case::Cleaner => "cleaner between",
            Case::TwoNeeded => "two polluters, both needed",
        }
    }

    /// The `case` branches of the batch script for a placement: the victim (first in the
    /// usual order), then the cleaner or the second polluter, then the polluter.
    fn plant(self, names: &[String], placement: u64) -> String {
        let mut rng = SmokeRng::from_seed(placement * 1_000_003 + names.len() as u64);
        let mut at: Vec<usize> = Vec::new();
        while at.len() < 3 {
            let i = rng.below(names.len());
            if !at.contains(&i) {
                at.push(i);
            }
        }
        at.sort_unstable();
        let (v, m, p) = (&names[at[0]], &names[at[1]], &names[at[2]]);
        let fail = "echo \"not ok $i - $t\"; continue";
        match self {
            Case::Plain => {
                format!("{p}) touch state/p ;;\n{v}) if [ -e state/p ]; then {fail}; fi ;;")
            }
            Case::Cleaner => format!(
                "{p}) touch state/p ;;\n{m}) rm -f state/p ;;\n\
                 {v}) if [ -e state/p ]; then {fail}; fi ;;"
            ),
            Case::TwoNeeded => format!(
                "{p}) touch state/p ;;\n{m}) touch state/q ;;\n\
                 {v}) if [ -e state/p ] && [ -e state/q ]; then {fail}; fi ;;"
            ),
        }
    }

    /// The target docs/benchmarks.md states for an order in this case, and the most runs it allows.
    fn target(self, order: &str, n: usize) -> Option<(&'static str, u64)> {
        match (self, order) {
            (Case::Plain, "reverse") => Some(("1 run", 1)),
            (Case::Plain, "mirror") => Some(("<= 2 runs", 2)),
            (Case::Cleaner, "tuscan") => Some(("<= n+1 runs", n as u64 + 1)),
            _ => None,
        }
    }
}

struct Options {
    placements: u64,
    sizes: Vec<usize>,
}

fn options() -> Options {
    let mut o = Options {
        placements: 20,
        sizes: vec![20, 100, 400],
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        let number = |text: &str| -> usize {
            text.parse().unwrap_or_else(|_| {
                eprintln!("bench: {} wants a number, got '{text}'", args[i]);
                std::process::exit(2)
            })
        };
        match args[i].as_str() {
            "--placements" => o.placements = number(&value) as u64,
            "--sizes" => o.sizes = value.split(',').map(number).collect(),
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

/// Write the suite (smoke.toml and the batch script) for one placement into `dir`.
fn write_suite(dir: &Path, case: Case, n: usize, placement: u64) {
    let names: Vec<String> = (1..=n).map(|i| format!("t{i:04}")).collect();
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    fs::write(
        dir.join("smoke.toml"),
        format!(
            "[suite]\ntests = [{}]\nbatch = \"sh batch.sh {{tests}}\"\n\
             setup = \"rm -rf state && mkdir state\"\n",
            quoted.join(", ")
        ),
    )
    .expect("write smoke.toml");
    fs::write(
        dir.join("batch.sh"),
        format!(
            "echo \"1..$#\"\ni=0\nfor t in \"$@\"; do\ni=$((i + 1))\ncase \"$t\" in\n{}\n\
             *) ;;\nesac\necho \"ok $i - $t\"\ndone\n",
            case.plant(&names, placement)
        ),
    )
    .expect("write batch.sh");
}

/// Runs and test executions until the first failing iteration; `None`: none failed.
type Found = Option<(u64, u64)>;

/// Run smoke with `order` over the suite in `dir` (budget: `n` iterations), stopping it once an
/// iteration failed, and read what it found from its JSON report.
fn detect(dir: &Path, order: &str, n: usize, seed: u64) -> Found {
    let report = dir.join(format!("{order}.txt"));
    let json = report.with_extension("json");
    let _ = fs::remove_file(&json);
    let mut cmd = Command::new(SMOKE);
    cmd.current_dir(dir)
        .args(["--quiet", "--order", order, "--times", "1", "--seed"])
        .arg(seed.to_string())
        .arg("--report")
        .arg(&report)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if order != "reverse" {
        cmd.args(["--iterations", &n.to_string()]);
    }
    let mut child = cmd.spawn().expect("smoke runs");
    let read = || -> Option<Value> { serde_json::from_str(&fs::read_to_string(&json).ok()?).ok() };
    let failed = |report: &Value| {
        report["iterations"]
            .as_array()
            .is_some_and(|its| its.iter().any(|it| it["result"] == "failed"))
    };
    loop {
        if child.try_wait().expect("wait for smoke").is_some() {
            break;
        }
        if read().is_some_and(|r| failed(&r)) {
            // SAFETY: signalling our own child, which has not been reaped yet.
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            child.wait().expect("wait for smoke");
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let report = read().expect("a whole JSON report");
    let iterations = report["iterations"].as_array().expect("iterations");
    let first = iterations.iter().find(|it| it["result"] == "failed")?;
    let index = first["index"].as_u64().expect("an index");
    let before: u64 = iterations
        .iter()
        .filter(|it| it["index"].as_u64() < Some(index))
        .map(|it| it["executed"].as_u64().unwrap_or(0))
        .sum();
    // The failing prefix, as per-test mode would have run it (a batch runs on to its end).
    let prefix = report["failures"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["iteration"].as_u64() == Some(index)))
        .and_then(|f| f["original"].as_array().map(|o| o.len() as u64))
        .unwrap_or_else(|| first["executed"].as_u64().unwrap_or(0));
    Some((index, before + prefix))
}

fn median(xs: &[u64]) -> u64 {
    let mut v = xs.to_vec();
    v.sort_unstable();
    v[v.len() / 2]
}

fn table(o: &Options) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<27} {:>5} {:<8} {:>11} {:>5} {:>5} {:>8} {:>8}  target",
        "case", "tests", "order", "found <= n", "runs", "runs", "execs", "execs"
    );
    let _ = writeln!(
        out,
        "{:<27} {:>5} {:<8} {:>11} {:>5} {:>5} {:>8} {:>8}",
        "", "", "", "runs", "med", "max", "med", "max"
    );
    for case in Case::ALL {
        for &n in &o.sizes {
            let mut found: Vec<Vec<Found>> = vec![Vec::new(); ORDERS.len()];
            for placement in 1..=o.placements {
                let dir = tempfile::tempdir().expect("a temp folder");
                write_suite(dir.path(), case, n, placement);
                for (i, order) in ORDERS.iter().enumerate() {
                    found[i].push(detect(dir.path(), order, n, placement));
                }
            }
            for (order, found) in ORDERS.iter().zip(&found) {
                let within: Vec<(u64, u64)> = found
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|&(runs, _)| runs <= n as u64)
                    .collect();
                let runs: Vec<u64> = within.iter().map(|f| f.0).collect();
                let execs: Vec<u64> = within.iter().map(|f| f.1).collect();
                let figure = |xs: &[u64], f: fn(&[u64]) -> u64| {
                    if xs.is_empty() {
                        "-".to_string()
                    } else {
                        f(xs).to_string()
                    }
                };
                let max = |xs: &[u64]| xs.iter().copied().max().unwrap_or(0);
                let target = match case.target(order, n) {
                    Some((what, most)) => {
                        let met = found
                            .iter()
                            .all(|f| f.is_some_and(|(runs, _)| runs <= most));
                        format!("{what}: {}", if met { "met" } else { "MISSED" })
                    }
                    None => String::new(),
                };
                let line = format!(
                    "{:<27} {n:>5} {order:<8} {:>11} {:>5} {:>5} {:>8} {:>8}  {target}",
                    case.name(),
                    format!("{}/{}", within.len(), found.len()),
                    figure(&runs, median),
                    figure(&runs, max),
                    figure(&execs, median),
                    figure(&execs, max),
                );
                let _ = writeln!(out, "{}", line.trim_end());
            }
            eprintln!("bench: {} / {n} done", case.name());
        }
    }
    out
}

fn main() {
    let o = options();
    let started = Instant::now();
    let table = table(&o);
    println!(
        "smoke {} detection benchmark: {} placements per row, --times 1, a budget of n runs \
         (reverse runs once); runs and test executions until the first failure, over the \
         placements found within the budget\n",
        env!("CARGO_PKG_VERSION"),
        o.placements
    );
    println!("{table}\n{}", machine());
    println!("took {:.0} s", started.elapsed().as_secs_f64());
}
