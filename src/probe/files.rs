//! Edge: the built-in file probe (`probe-files`) reads the file system. It walks each path
//! (not following symbolic links) and records every entry's kind, size, permission bits and,
//! for a file, the SHA-256 of its contents (for a symlink, its target), never the contents
//! themselves. A file whose inode, size, mtime and ctime are those of the last look keeps the
//! hash taken then, so a large tree costs its hashing once. smoke's own reports and logs are
//! left out (they grow while the probes run). Comparing looks is the pure module's.

use super::{FILE_ENTRIES, FileState, Snapshot};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// What says a file is unchanged since a look: device, inode, size, mtime and ctime (ns).
type Stamp = (u64, u64, u64, i64, i64, i64, i64);

/// What a look leaves out: smoke's own reports and logs, which grow while the probes run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leave {
    /// A whole folder (the report folder).
    Folder(PathBuf),
    /// The entries of `dir` whose names start with `prefix` (`--report run.txt`: `run.`).
    Named { dir: PathBuf, prefix: String },
}

impl Leave {
    /// The same, with its folder resolved as the walk sees paths (`None`: it does not exist).
    pub(crate) fn resolved(&self) -> Option<Leave> {
        Some(match self {
            Leave::Folder(dir) => Leave::Folder(std::fs::canonicalize(dir).ok()?),
            Leave::Named { dir, prefix } => Leave::Named {
                dir: std::fs::canonicalize(dir).ok()?,
                prefix: prefix.clone(),
            },
        })
    }

    /// Whether it leaves out `path` (resolved, as a walk sees it).
    pub(crate) fn covers(&self, path: &Path) -> bool {
        match self {
            Leave::Folder(dir) => path == dir,
            Leave::Named { dir, prefix } => {
                path.parent() == Some(dir.as_path())
                    && path
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(prefix.as_str()))
            }
        }
    }
}

/// Looks at the files of `probe-files`, remembering hashes between looks.
#[derive(Debug, Default)]
pub struct FileProbe {
    /// Hashes by path, with the stamp they were taken at.
    hashes: HashMap<PathBuf, (Stamp, Option<String>)>,
}

impl FileProbe {
    /// One look at `paths` (as configured: relative to `workdir`, or absolute), leaving out
    /// what `leave` covers (never a configured path itself).
    pub fn look(&mut self, workdir: &Path, paths: &[String], leave: &[Leave]) -> Snapshot {
        let leave: Vec<Leave> = leave.iter().filter_map(Leave::resolved).collect();
        let mut snapshot = Snapshot::default();
        let mut hashes = HashMap::new();
        for named in paths {
            let root = workdir.join(named);
            let Ok(root) = std::fs::canonicalize(&root).or_else(|e| {
                // A symlink named directly is looked at as a symlink.
                std::fs::symlink_metadata(&root)
                    .map(|_| root.clone())
                    .map_err(|_| e)
            }) else {
                continue;
            };
            let walk = walkdir::WalkDir::new(&root)
                .follow_links(false)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !leave.iter().any(|l| l.covers(e.path())));
            for entry in walk.flatten() {
                if snapshot.entries.len() >= FILE_ENTRIES {
                    snapshot.cut = true;
                    break;
                }
                let Ok(rel) = entry.path().strip_prefix(&root) else {
                    continue;
                };
                let key = shown(named, rel);
                if key.is_empty() {
                    continue;
                }
                let Ok(meta) = entry.path().symlink_metadata() else {
                    continue;
                };
                let state = self.state(entry.path(), &meta, &mut hashes);
                snapshot.entries.insert(key, state);
            }
        }
        self.hashes = hashes;
        snapshot
    }

    fn state(
        &self,
        path: &Path,
        meta: &std::fs::Metadata,
        hashes: &mut HashMap<PathBuf, (Stamp, Option<String>)>,
    ) -> FileState {
        let kind = meta.file_type();
        let mode = format!("{:04o}", meta.mode() & 0o7777);
        if kind.is_dir() {
            return FileState {
                kind: "dir".into(),
                size: 0,
                mode,
                sha256: None,
            };
        }
        if kind.is_symlink() {
            let target = std::fs::read_link(path)
                .map(|t| t.to_string_lossy().into_owned())
                .ok();
            return FileState {
                kind: "symlink".into(),
                size: target.as_ref().map_or(0, |t| t.len() as u64),
                mode,
                sha256: target,
            };
        }
        if !kind.is_file() {
            return FileState {
                kind: "other".into(),
                size: 0,
                mode,
                sha256: None,
            };
        }
        let stamp = (
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
        );
        let hash = match self.hashes.get(path) {
            Some((seen, hash)) if *seen == stamp => hash.clone(),
            _ => hash_file(path),
        };
        hashes.insert(path.to_path_buf(), (stamp, hash.clone()));
        FileState {
            kind: "file".into(),
            size: meta.size(),
            mode,
            sha256: hash,
        }
    }
}

/// SHA-256 of a file's contents, hex; `None` when it cannot be read.
fn hash_file(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// How a report names the entry `rel` under the configured path `named`: `state` + `a/b` is
/// `state/a/b`, `.` + `a` is `a`; the configured path itself is `named` (`""` for `.`).
fn shown(named: &str, rel: &Path) -> String {
    let joined = Path::new(named).join(rel);
    let parts: Vec<String> = joined
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn entries_are_named_as_the_configured_path_names_them() {
        assert_eq!(shown("state", Path::new("a/b")), "state/a/b");
        assert_eq!(shown(".", Path::new("state/x")), "state/x");
        assert_eq!(shown("./state", Path::new("")), "state");
        assert_eq!(shown(".", Path::new("")), "");
        assert_eq!(shown("/var/app", Path::new("x")), "/var/app/x");
    }

    #[test]
    fn a_look_records_kind_size_mode_and_hash_and_leaves_out_the_excluded_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir_all(d.join("state/sub")).expect("mkdir");
        std::fs::create_dir_all(d.join("reports")).expect("mkdir");
        std::fs::write(d.join("state/lock"), "").expect("write");
        std::fs::write(d.join("state/sub/data"), "abc").expect("write");
        std::fs::write(d.join("reports/r.log"), "x").expect("write");
        std::fs::set_permissions(d.join("state/lock"), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
        std::os::unix::fs::symlink("sub/data", d.join("state/link")).expect("symlink");
        let mut probe = FileProbe::default();
        let leave = [
            Leave::Folder(d.join("reports")),
            Leave::Named {
                dir: d.join("state"),
                prefix: "run.".into(),
            },
        ];
        std::fs::write(d.join("state/run.failure-1.log"), "log").expect("write");
        let look = probe.look(d, &[".".into()], &leave);
        let keys: Vec<&str> = look.entries.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "state",
                "state/link",
                "state/lock",
                "state/sub",
                "state/sub/data"
            ]
        );
        let lock = &look.entries["state/lock"];
        assert_eq!(
            (lock.kind.as_str(), lock.size, lock.mode.as_str()),
            ("file", 0, "0600")
        );
        assert_eq!(
            lock.sha256.as_deref(),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(look.entries["state/link"].kind, "symlink");
        assert_eq!(
            look.entries["state/link"].sha256.as_deref(),
            Some("sub/data")
        );
        assert_eq!(look.entries["state/sub"].kind, "dir");
        // A second look at the same files sees the same; a changed file is seen changed.
        assert_eq!(probe.look(d, &[".".into()], &leave), look);
        // A configured path is never left out, even when a rule covers it.
        let reports = probe.look(d, &["reports".into()], &leave);
        assert_eq!(
            reports.entries.keys().collect::<Vec<_>>(),
            ["reports", "reports/r.log"]
        );
        std::fs::write(d.join("state/sub/data"), "abd").expect("write");
        let again = probe.look(d, &["state".into(), "missing".into()], &[]);
        assert_ne!(
            again.entries["state/sub/data"].sha256,
            look.entries["state/sub/data"].sha256
        );
        assert!(!again.cut);
    }
}
