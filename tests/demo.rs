//! The demo suite the README tells new users to run finds and shrinks both planted bugs.

mod common;

use common::{names, stderr};
use std::path::Path;
use std::process::Command;

#[test]
fn the_readme_demo_finds_both_planted_bugs() {
    // Copy examples/polluted, so the run leaves no state/ or reports/ in the checkout.
    let work = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/polluted");
    let copy = Command::new("cp")
        .arg("-R")
        .arg(&src)
        .arg(work.path())
        .status()
        .expect("cp");
    assert!(copy.success());
    let out = Command::new(env!("CARGO_BIN_EXE_smoke"))
        .current_dir(work.path())
        .args([
            "--config",
            "polluted/smoke.toml",
            "--seed",
            "1",
            "--report",
            "report.txt",
        ])
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json = std::fs::read_to_string(work.path().join("report.json")).expect("report");
    let report: serde_json::Value = serde_json::from_str(&json).expect("json");
    let mut minimal: Vec<Vec<String>> = report["failures"]
        .as_array()
        .expect("array")
        .iter()
        .map(|f| names(&f["minimal"]))
        .collect();
    minimal.sort();
    assert_eq!(
        minimal,
        [
            vec!["t/03-cache-warm.sh", "t/17-cache-rebuild.sh"],
            vec!["t/09-id-allocator.sh"; 3],
        ]
    );
    assert!(work.path().join("report.failure-1.log").is_file());
}
