//! The leftover-state look at the whole suite folder: does a test that fails alone meet the
//! folder as the first setup left it? A look records every entry's kind, size, mode, inode and
//! modification time (never contents, never a hash: a walk and a `stat` per entry, so a large
//! folder costs little), leaving out [`SUITE_NOISE`], smoke's reports and `state-ignore`.
//!
//! Two looks are compared ([`leftovers`], pure): the run's baseline, after the first setup and
//! before any test, and the look after the setup of a fails-alone result's confirming run. An
//! entry written after that setup began is setup's own work (a fixture it copies afresh each
//! time), so it is not state left behind; everything else that was created, deleted or changed
//! since the baseline is. To tell the two apart on a file system whose clock ticks coarsely,
//! [`Tick`] marks the moment setup starts in the file system's own time. Walking and marking
//! are the edge ([`look`], [`Tick::now`]); the comparison has no I/O.

use super::files::Leave;
use super::{Change, FileChange, FileState};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path};

/// What a look at the whole suite folder leaves out wherever it meets it: version control,
/// virtual environments, dependencies and build output, and the caches and records test
/// runners write on every run whatever the tests do (`__pycache__`, `.pytest_cache`, coverage
/// data, rspec's example status file). A test that trips over one of these is not told apart
/// from one that trips over nothing.
pub const SUITE_NOISE: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "target",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".coverage",
    "coverage",
    ".nyc_output",
    ".rspec_status",
    ".jest-cache",
];

/// The most entries one look takes in; a larger folder is not compared at all.
pub const ENTRIES: usize = 200_000;

/// One entry as a look saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `file`, `dir`, `symlink` or `other`.
    pub kind: &'static str,
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    pub ino: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime: i128,
}

/// One look at the suite folder: path (relative, `/`-separated) → entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SuiteLook {
    pub entries: BTreeMap<String, Entry>,
    /// More than [`ENTRIES`] entries: not compared.
    pub cut: bool,
    /// When the setup before this look began ([`Tick`]): entries modified since are its own.
    pub since: Option<i128>,
}

/// The moment a setup begins, in the file system's own clock: an entry modified at or after it
/// was written by that setup (or later), one modified before it by something earlier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tick(pub i128);

impl Tick {
    /// Mark now: a file is written in a private folder until its modification time moves past
    /// the first one's, so every write before this call has an earlier time than the tick, even
    /// where the clock the file system stamps with is coarse (a few milliseconds). `None` when
    /// no file can be written there.
    pub fn now() -> Option<Tick> {
        let dir = crate::exec::PrivateDir::new("smoke-tick-").ok()?;
        let first = dir.path().join("first");
        std::fs::write(&first, b"")
            .and_then(|()| std::fs::metadata(&first))
            .ok()
            .map(|m| mtime(&m))
            .and_then(|before| {
                let next = dir.path().join("next");
                // Coarse clocks tick every 1 to 10 ms: 50 ms is far past any of them.
                for _ in 0..50 {
                    let seen = std::fs::write(&next, b"")
                        .and_then(|()| std::fs::metadata(&next))
                        .ok()
                        .map(|m| mtime(&m))?;
                    if seen > before {
                        return Some(Tick(seen));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                None
            })
    }
}

fn mtime(meta: &std::fs::Metadata) -> i128 {
    i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec())
}

/// Look at `root`, leaving out entries named in [`SUITE_NOISE`] anywhere, what `leave` covers
/// (smoke's reports) and the paths `ignored` says (`state-ignore`); `since` is the setup's
/// [`Tick`], if one was marked.
pub fn look(
    root: &Path,
    leave: &[Leave],
    ignored: impl Fn(&str) -> bool,
    since: Option<Tick>,
) -> SuiteLook {
    let leave: Vec<Leave> = leave.iter().filter_map(Leave::resolved).collect();
    let mut seen = SuiteLook {
        since: since.map(|t| t.0),
        ..SuiteLook::default()
    };
    let Ok(root) = std::fs::canonicalize(root) else {
        return seen;
    };
    let walk = walkdir::WalkDir::new(&root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| SUITE_NOISE.contains(&n))
                    || leave.iter().any(|l| l.covers(e.path())))
        });
    for entry in walk.flatten() {
        if entry.depth() == 0 {
            continue;
        }
        if seen.entries.len() >= ENTRIES {
            seen.cut = true;
            break;
        }
        let Ok(rel) = entry.path().strip_prefix(&root) else {
            continue;
        };
        let path = relative(rel);
        if ignored(&path) {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let kind = meta.file_type();
        let kind = if kind.is_dir() {
            "dir"
        } else if kind.is_symlink() {
            "symlink"
        } else if kind.is_file() {
            "file"
        } else {
            "other"
        };
        seen.entries.insert(
            path,
            Entry {
                kind,
                size: meta.size(),
                mode: meta.mode() & 0o7777,
                ino: meta.ino(),
                mtime: mtime(&meta),
            },
        );
    }
    seen
}

/// `a/b/c`, whatever the platform's separator.
fn relative(rel: &Path) -> String {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What changed from the `baseline` to `now` and was not written by the setup before `now`
/// (see the module docs), as file changes; `None` when either look was cut short, or `now` has
/// no tick (then nothing can be said).
pub fn leftovers(baseline: &SuiteLook, now: &SuiteLook) -> Option<Vec<FileChange>> {
    if baseline.cut || now.cut {
        return None;
    }
    let since = now.since?;
    let paths: BTreeSet<&String> = baseline.entries.keys().chain(now.entries.keys()).collect();
    let mut changes = Vec::new();
    for path in paths {
        let (b, a) = (baseline.entries.get(path), now.entries.get(path));
        let change = match (b, a) {
            // Written (or, a folder, filled) by the setup before this look: its own work.
            (_, Some(a)) if a.mtime >= since => continue,
            (None, Some(_)) => Change::Created,
            (Some(_), None) => Change::Deleted,
            // A folder changes whenever its entries do; they are listed themselves.
            (Some(b), Some(a)) if b.kind == "dir" && a.kind == "dir" => continue,
            (Some(b), Some(a)) if b == a => continue,
            (Some(_), Some(_)) => Change::Modified,
            (None, None) => continue,
        };
        let state = |e: &Entry| FileState {
            kind: e.kind.to_string(),
            size: e.size,
            mode: format!("{:04o}", e.mode),
            sha256: None,
        };
        changes.push(FileChange {
            path: path.clone(),
            change,
            before: b.map(state),
            after: a.map(state),
        });
    }
    Some(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &'static str, size: u64, mtime: i128) -> Entry {
        Entry {
            kind,
            size,
            mode: 0o644,
            ino: 7,
            mtime,
        }
    }

    fn look_of(entries: &[(&str, Entry)], since: Option<i128>) -> SuiteLook {
        SuiteLook {
            entries: entries
                .iter()
                .map(|(p, e)| (p.to_string(), e.clone()))
                .collect(),
            cut: false,
            since,
        }
    }

    #[test]
    fn what_tests_left_is_a_leftover_and_what_setup_wrote_again_is_not() {
        let baseline = look_of(
            &[
                ("fixture.db", entry("file", 10, 100)),
                ("state", entry("dir", 0, 100)),
                ("notes.txt", entry("file", 3, 50)),
                ("gone.txt", entry("file", 1, 50)),
            ],
            None,
        );
        let now = look_of(
            &[
                // Setup copied the fixture again (after the tick): its own work.
                ("fixture.db", entry("file", 10, 900)),
                // The folder's time moved with its entries: never a change of its own.
                ("state", entry("dir", 0, 900)),
                // A test appended to it before this setup, which left it so.
                ("notes.txt", entry("file", 9, 400)),
                // A test left it; setup does not remove it.
                ("leak", entry("file", 0, 300)),
                // Setup made it, and a folder for it.
                ("state/fresh", entry("file", 0, 901)),
                ("run-42", entry("dir", 0, 902)),
            ],
            Some(800),
        );
        let changes = leftovers(&baseline, &now).expect("comparable");
        let said: Vec<(String, Change)> =
            changes.iter().map(|c| (c.path.clone(), c.change)).collect();
        assert_eq!(
            said,
            [
                ("gone.txt".to_string(), Change::Deleted),
                ("leak".to_string(), Change::Created),
                ("notes.txt".to_string(), Change::Modified),
            ]
        );
    }

    #[test]
    fn a_look_cut_short_or_without_a_tick_says_nothing() {
        let full = look_of(&[("a", entry("file", 1, 1))], Some(5));
        let mut cut = full.clone();
        cut.cut = true;
        assert_eq!(leftovers(&cut, &full), None);
        assert_eq!(leftovers(&full, &cut), None);
        assert_eq!(leftovers(&full, &look_of(&[], None)), None);
        assert_eq!(leftovers(&full, &full), Some(Vec::new()));
    }

    #[test]
    fn a_real_folder_is_looked_at_without_its_noise_and_a_tick_follows_every_earlier_write() {
        let dir = tempfile::tempdir().expect("a folder");
        let root = dir.path();
        std::fs::create_dir_all(root.join("pkg/__pycache__")).expect("mkdir");
        std::fs::write(root.join("pkg/__pycache__/m.pyc"), b"x").expect("write");
        std::fs::write(root.join("pkg/m.py"), b"x = 1\n").expect("write");
        std::fs::create_dir_all(root.join("reports")).expect("mkdir");
        std::fs::write(root.join("reports/r.json"), b"{}").expect("write");
        std::fs::write(root.join("app.log"), b"").expect("write");
        let tick = Tick::now().expect("a tick");
        let reports = Leave::Folder(root.join("reports"));
        let seen = look(root, &[reports], |p| p == "app.log", Some(tick));
        let paths: Vec<&str> = seen.entries.keys().map(String::as_str).collect();
        assert_eq!(paths, ["pkg", "pkg/m.py"]);
        assert!(
            seen.entries["pkg/m.py"].mtime < tick.0,
            "written before the tick: older than it"
        );
        std::fs::write(root.join("pkg/m.py"), b"x = 2\n").expect("write");
        let after = look(root, &[], |_| false, None);
        assert!(
            after.entries["pkg/m.py"].mtime >= tick.0,
            "written after it: not older"
        );
    }
}
