//! Build script: the commit `smoke --version` names, as `SMOKE_VERSION` for the crate
//! (`0.1.0 (9933e48 2026-12-07)`, or `0.1.0 (9933e48-dirty 2026-12-07)` when the files the
//! binary is built from had uncommitted changes; plain `0.1.0` when no commit is known).
//!
//! The commit comes from `git` when the package is the top of a git checkout, else from the
//! `.cargo_vcs_info.json` that `cargo package` writes (a crate from crates.io), else there is
//! none: a wheel or npm package built from a source tarball, or a machine with no `git`, builds
//! quietly with the plain version. A few `git` calls, and only when cargo reruns this script:
//! when HEAD or the branch it points to moves, or when a file the binary is built from changes
//! (which recompiles the crate anyway).

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the binary is built from: a change here makes the build `-dirty`.
const SOURCES: &[&str] = &["src", "build.rs", "Cargo.toml", "Cargo.lock"];

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    for source in SOURCES {
        println!("cargo:rerun-if-changed={source}");
    }
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets it");
    let version = match from_git(&dir).or_else(|| from_vcs_info(&dir)) {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=SMOKE_VERSION={version}");
}

/// `git` in `dir`, its trimmed output when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `9933e48 2026-12-07` (commit date), with `-dirty` after the hash when [`SOURCES`] differ
/// from it, when `dir` is the top of a git checkout; cargo is told to rerun this script when
/// HEAD moves.
fn from_git(dir: &Path) -> Option<String> {
    // Not a checkout of its own: the package sits in some other repository (a source tarball
    // unpacked inside a project), whose commit says nothing about this code.
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(&top).ok()? != std::fs::canonicalize(dir).ok()? {
        return None;
    }
    let watch = |git_path: &str| {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", git_path]) {
            let path = dir.join(path);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    };
    // HEAD (a file of its own in a worktree), the branch it names, and packed-refs, where a
    // branch goes after `git gc`. A missing path would make cargo rerun this every build.
    watch("HEAD");
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch(&branch);
        watch("packed-refs");
    }
    let described = git(dir, &["log", "-1", "--format=%h %cs"])?;
    let (hash, date) = described.split_once(' ')?;
    let mut status = vec!["status", "--porcelain", "--untracked-files=no", "--"];
    status.extend_from_slice(SOURCES);
    let dirty = git(dir, &status).is_some_and(|s| !s.is_empty());
    Some(format!(
        "{hash}{} {date}",
        if dirty { "-dirty" } else { "" }
    ))
}

/// The commit `cargo package` recorded (`.cargo_vcs_info.json`: `"sha1": "…"`, and `"dirty":
/// true` when packaged with changes), shortened to 7 characters; no date is recorded there.
fn from_vcs_info(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let (_, after) = text.split_once("\"sha1\"")?;
    let hash: String = after
        .trim_start_matches([' ', ':', '"', '\t', '\n'])
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .take(7)
        .collect();
    let dirty = text.contains("\"dirty\": true") || text.contains("\"dirty\":true");
    (hash.len() == 7).then(|| format!("{hash}{}", if dirty { "-dirty" } else { "" }))
}
