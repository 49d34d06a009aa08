//! What the benchmarks share: the machine line every one of them prints under its figures.

use std::fs;
use std::process::Command;

/// The CPU model, its count, the kernel and the architecture, as one line.
pub fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown cpu".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = Command::new("uname")
        .arg("-sr")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!(
        "machine: {cpu}, {cpus} cpus, {kernel}, {}",
        std::env::consts::ARCH
    )
}

/// The JSON report a run wrote into `dir/reports` (the only one there).
#[allow(dead_code)] // not every bench reads reports
pub fn report_in(dir: &std::path::Path) -> serde_json::Value {
    let path = fs::read_dir(dir.join("reports"))
        .expect("reports")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a JSON report");
    serde_json::from_str(&fs::read_to_string(path).expect("read")).expect("JSON")
}
