//! What only the edge can tell about the machine, handed to the pure merge as [`Machine`]: the
//! word a printed replay line must start with to run this very smoke, the pytest of the
//! virtualenv smoke was installed in, and which programs are on `PATH` and which files exist
//! (for a preset whose program is not on `PATH`). The lookups here read the environment and the
//! file system; [`Machine::default`] reads nothing.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// What `Config::load` found out about the machine, for `Config::from_parts_on`.
pub struct Machine<'a> {
    /// The first word of replay lines: `smoke` when the shell finds this binary by that name,
    /// else this binary's absolute path.
    pub program: String,
    /// The pytest of the virtualenv this binary was installed in (`VENV/bin/smoke`, where
    /// `pip install` of the wheel puts it, run by its path with no virtualenv activated), when
    /// `PATH` finds another pytest or none. The pytest preset runs it.
    pub own_pytest: Option<PathBuf>,
    /// Whether a program of this name is on `PATH`.
    pub on_path: &'a dyn Fn(&str) -> bool,
    /// Whether this path is an executable file.
    pub executable: &'a dyn Fn(&Path) -> bool,
}

impl Default for Machine<'_> {
    /// A machine that is not looked at: replay lines say `smoke`, smoke is in no virtualenv,
    /// every program is on `PATH`, and no file exists.
    fn default() -> Self {
        Machine {
            program: "smoke".to_string(),
            own_pytest: None,
            on_path: &|_| true,
            executable: &|_| false,
        }
    }
}

/// The word that runs this binary from a shell: `smoke` when the first `smoke` on `PATH` is
/// this binary (through any links), else this binary's absolute path (`smoke` when even that
/// cannot be read).
pub(super) fn smoke_program() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return "smoke".to_string();
    };
    let real = std::fs::canonicalize(&exe).unwrap_or_else(|_| exe.clone());
    match on_path("smoke").map(std::fs::canonicalize) {
        Some(Ok(found)) if found == real => "smoke".to_string(),
        _ => exe.to_string_lossy().into_owned(),
    }
}

/// `VENV/bin/pytest` when this binary is `VENV/bin/smoke` in a virtualenv (`VENV/pyvenv.cfg`)
/// that has pytest, unless `PATH` finds that very pytest (the virtualenv is activated, or its
/// `bin` is on `PATH`) or another virtualenv is activated (`VIRTUAL_ENV`): the user chose that
/// one. A wheel installs smoke beside the suite's pytest, and `venv/bin/smoke --preset pytest`
/// must run that pytest, not the first one on `PATH` (a system pytest without the suite's
/// dependencies) nor fail for want of one.
pub(super) fn venv_pytest() -> Option<PathBuf> {
    let activated = std::env::var_os("VIRTUAL_ENV").is_some_and(|v| !v.is_empty());
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?;
    let pytest = bin.join("pytest");
    if activated || !bin.parent()?.join("pyvenv.cfg").is_file() || !executable(&pytest) {
        return None;
    }
    let real = |path: &Path| std::fs::canonicalize(path).ok();
    let found = on_path("pytest").and_then(|found| real(&found));
    let same = found.is_some() && found == real(&pytest);
    (!same).then_some(pytest)
}

/// The first executable file called `name` in the folders of `PATH`, as the shell finds it.
pub(super) fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(OsStr::new(name)))
        .find(|candidate| executable(candidate))
}

/// Whether `path` is a file (after links) with an execute bit set.
pub(super) fn executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
