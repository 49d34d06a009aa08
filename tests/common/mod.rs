//! A suite in a temp folder, and the real smoke binary run over it.
//!
//! Every suite's tests go through one dispatcher script, `run.sh NAME`, which first appends NAME
//! to `ran.log`: tests check what really ran against what smoke says it ran.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Appends the name, then the `case` the test gives decides pass or fail.
pub const DISPATCH_HEAD: &str = "#!/bin/sh\nprintf '%s\\n' \"$1\" >> ran.log\n";

pub struct Suite {
    pub dir: tempfile::TempDir,
}

impl Suite {
    pub fn new() -> Self {
        Suite {
            dir: tempfile::tempdir().expect("a temp folder"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a file (parents created, executable).
    pub fn file(&self, rel: &str, contents: &str) -> &Self {
        let path = self.path().join(rel);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        fs::write(&path, contents).expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
        self
    }

    /// `run.sh` with this body after the logging line (a `case "$1" in ... esac`).
    pub fn dispatcher(&self, body: &str) -> &Self {
        self.file("run.sh", &format!("{DISPATCH_HEAD}{body}\n"))
    }

    /// A smoke.toml listing `tests`, run through run.sh with a fresh state/ per sequence.
    /// `ran.log` is the harness's, not the suite's state: the leftover-state check leaves it
    /// out (`state-ignore`).
    pub fn toml<S: AsRef<str>>(&self, tests: &[S], extra: &str) -> &Self {
        let list: Vec<String> = tests.iter().map(|t| toml_string(t.as_ref())).collect();
        let ignore = if extra.contains("state-ignore") {
            ""
        } else {
            "state-ignore = [\"ran.log\"]\n"
        };
        self.file(
            "smoke.toml",
            &format!(
                "[suite]\ntests = [{}]\nrun = \"sh run.sh {{test}}\"\nsetup = \"rm -rf state && mkdir state\"\n{ignore}{extra}",
                list.join(", ")
            ),
        )
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_smoke"));
        cmd.current_dir(self.path()).env_remove("SMOKE_SEED");
        cmd
    }

    /// Run smoke with `args`, reports in ./reports.
    pub fn smoke(&self, args: &[&str]) -> Output {
        self.command()
            .args(["--report-dir", "reports"])
            .args(args)
            .output()
            .expect("smoke runs")
    }

    /// Start smoke with `args` in the background (reports in ./reports, output dropped); it is
    /// killed if the test ends before waiting for it.
    pub fn spawn(&self, args: &[&str]) -> KillOnDrop {
        self.spawn_with(args, &[])
    }

    /// [`Suite::spawn`] with extra environment variables.
    pub fn spawn_with(&self, args: &[&str], env: &[(&str, &Path)]) -> KillOnDrop {
        let mut all = vec!["--report-dir", "reports"];
        all.extend_from_slice(args);
        self.start(&all, env)
    }

    /// Start smoke with exactly `args` (no report folder added) and `env`, output dropped; it
    /// is killed if the test ends before waiting for it.
    pub fn start(&self, args: &[&str], env: &[(&str, &Path)]) -> KillOnDrop {
        let mut cmd = self.command();
        for (name, value) in env {
            cmd.env(name, value);
        }
        KillOnDrop(
            cmd.args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("smoke starts"),
        )
    }

    /// What `smoke --list ARGS` prints, one name per line (and exit 0).
    pub fn listed(&self, args: &[&str]) -> Vec<String> {
        let out = self
            .command()
            .arg("--list")
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out).lines().map(str::to_string).collect()
    }

    /// The JSON reports written so far, oldest first.
    pub fn reports(&self) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = fs::read_dir(self.path().join("reports"))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        found.retain(|p| p.extension().is_some_and(|e| e == "json"));
        // Two runs in one second get `-SS.json` and `-SS-2.json`: order by creation, not name.
        found.sort_by_key(|p| fs::metadata(p).and_then(|m| m.modified()).ok());
        found
    }

    /// The only (or newest) JSON report.
    pub fn report(&self) -> serde_json::Value {
        let path = self.reports().pop().expect("a JSON report was written");
        serde_json::from_str(&fs::read_to_string(path).expect("read")).expect("valid JSON")
    }

    /// The newest JSON report whose name starts with `kind` (`smoke-replay-`, ...).
    pub fn newest(&self, kind: &str) -> serde_json::Value {
        let path = self
            .reports()
            .into_iter()
            .rfind(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(kind))
            })
            .unwrap_or_else(|| panic!("a {kind} report"));
        serde_json::from_str(&fs::read_to_string(path).expect("read")).expect("valid JSON")
    }

    /// The names the tests logged, in order.
    pub fn ran(&self) -> Vec<String> {
        fs::read_to_string(self.path().join("ran.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn clear_ran(&self) {
        let _ = fs::remove_file(self.path().join("ran.log"));
    }
}

pub fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string")
}

pub fn names(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Names t00..t{n-1}.
pub fn fillers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("t{i:02}")).collect()
}

/// Whether `pid` runs: a zombie (killed, waiting for init to reap it) does not.
pub fn alive(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Kills the smoke under test if the test fails before waiting for it.
pub struct KillOnDrop(pub std::process::Child);

impl KillOnDrop {
    /// Send `signal` to smoke, as a terminal or a CI runner would.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child, which has not been waited for.
        unsafe { libc::kill(self.0.id() as i32, signal) };
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Wait until `path` exists, at most `limit` (a hang detector, not a performance check).
pub fn wait_for(path: &Path, limit: std::time::Duration) {
    let started = std::time::Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < limit,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Copy the folder `rel` of the checkout (`examples/rspec`, `tests/fixtures/state/jest`) into a
/// fresh temp folder, so runs leave nothing in the checkout, and return the copy.
pub fn copy_of(rel: &str) -> Suite {
    let suite = Suite::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let copied = Command::new("cp")
        .arg("-R")
        .arg(format!("{}/.", src.display()))
        .arg(suite.path())
        .status()
        .expect("cp runs");
    assert!(copied.success(), "copying {}", src.display());
    suite
}

/// Copy `examples/NAME` into a fresh temp folder (so runs leave nothing in the checkout) and
/// return the folder holding the copy.
pub fn example(name: &str) -> Suite {
    let suite = copy_of(&format!("examples/{name}"));
    // What earlier runs in the checkout left: builds (which hold the checkout's paths), reports.
    for leftover in ["target", "reports", "state", "Cargo.lock", "greeting.txt"] {
        let path = suite.path().join(leftover);
        let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
    }
    suite
}

/// The failures' minimal sequences in a JSON report.
pub fn minimal_sequences(report: &serde_json::Value) -> Vec<Vec<String>> {
    report["failures"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|f| names(&f["minimal"]))
        .collect()
}

/// Asserts that a JSON report holds no failed hook or abandoned batch.
pub fn assert_no_hook_failures(report: &serde_json::Value) {
    let hooks = report["hook_failures"].as_array().expect("an array");
    assert!(hooks.is_empty(), "{report}");
}

/// Fail with how to install pytest when it is missing (scripts/test installs it).
pub fn require_pytest() {
    let found = Command::new("pytest").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "pytest is needed for these tests: run them with scripts/test, which installs it in \
         .venv and puts .venv/bin on PATH"
    );
}

/// Fail with how to install `tool` (from the PyPI `package` in examples/requirements.txt) when it
/// is missing (scripts/test installs it).
pub fn require_tool(tool: &str, package: &str) {
    let found = Command::new(tool).arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "{tool} is needed for this test (PyPI package {package}): run it with scripts/test, \
         which installs it in .venv and puts .venv/bin on PATH"
    );
}

/// Whether `tool` runs (`tool ARG` exits 0). When it does not, the test is skipped with a note
/// saying how to install it, unless the variable `CI` is set: CI installs every toolchain
/// (scripts/test --install-system, from .ci/run), so there a missing one fails the test instead
/// of letting it pass unseen.
pub fn toolchain(tool: &str, arg: &str, install: &str) -> bool {
    let found = Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success());
    installed(found, tool, install)
}

/// `found`, after skipping (or, with `CI` set, failing) as [`toolchain`] does when it is false.
pub fn installed(found: bool, what: &str, install: &str) -> bool {
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what} is needed for this test and CI is set: {install} (scripts/test \
             --install-system does)"
        );
        eprintln!("skipped: {what} is not installed ({install})");
    }
    found
}

/// Whether `program --version` runs. When it does not: on CI (`CI` set, as `.ci/run` sets it),
/// fail with `install`, so a missing toolchain never passes silently; elsewhere say so on
/// stderr and return false, so the caller skips.
pub fn have_tool(program: &[&str], install: &str) -> bool {
    let found = Command::new(program[0])
        .args(&program[1..])
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is needed for this test on CI: {install}",
            program.join(" ")
        );
        eprintln!(
            "skipped: {} is not installed ({install})",
            program.join(" ")
        );
    }
    found
}

/// The first executable called `name` in the folders of `PATH`, as a shell finds it.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// A `PATH` of system folders only (`/usr/bin:/bin`), where neither smoke nor a virtualenv's
/// tools are.
pub const SYSTEM_PATH: &str = "/usr/bin:/bin";

/// What `smoke ARGS` printed on stdout, checking it exited 0 with nothing on stderr.
pub fn help_output(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_smoke"))
        .args(args)
        .env_remove("SMOKE_SEED")
        .output()
        .expect("smoke runs");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Every long flag of smoke and of each subcommand, as the Options of `smoke --help` and
/// `smoke SUB --help` list them, by subcommand (`""` for smoke itself).
pub fn long_flags() -> Vec<(String, Vec<String>)> {
    let flags = |help: String| {
        let options = help
            .split("\nOptions:\n")
            .nth(1)
            .expect("an Options section");
        let found: Vec<String> = options
            .lines()
            // An option's first line (`  -c, --config <FILE>`, `      --list`), not its help.
            .filter(|l| l.starts_with("  -") || l.starts_with("      --"))
            .filter_map(|l| {
                let head = l.trim_start().split("  ").next().expect("a head");
                head.split([' ', ','])
                    .find(|w| w.starts_with("--"))
                    .map(str::to_string)
            })
            .collect();
        assert!(found.iter().any(|f| f == "--help"), "{options}");
        found
    };
    let mut all = vec![(String::new(), flags(help_output(&["--help"])))];
    for sub in subcommands() {
        all.push((sub.clone(), flags(help_output(&[&sub, "--help"]))));
    }
    all
}

/// The subcommands `smoke --help` lists.
pub fn subcommands() -> Vec<String> {
    let help = help_output(&["--help"]);
    let list = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section")
        .split("\n\n")
        .next()
        .expect("its lines");
    let names: Vec<String> = list
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    for expected in ["merge", "replay", "man", "completions"] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    names
}

/// Whether examples/jest has its pinned jest installed (`npm ci` there); on CI it must.
pub fn have_jest() -> bool {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/jest");
    have_tool(&["node"], "apt-get install nodejs npm")
        && have_tool(
            &[
                "sh",
                "-c",
                &format!("cd '{}' && npx --no -- jest \"$@\"", dir.display()),
                "npx",
            ],
            "npm ci in examples/jest (jest is pinned in its package-lock.json)",
        )
}

/// A copy of examples/jest, its node_modules linked in when the copy has none, without the
/// cart a manual run in the checkout may have left behind.
pub fn jest_example() -> Suite {
    let suite = example("jest");
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/jest/node_modules");
    if !suite.path().join("node_modules").exists() {
        std::os::unix::fs::symlink(modules, suite.path().join("node_modules")).expect("symlink");
    }
    let _ = fs::remove_dir_all(suite.path().join("tmp"));
    suite
}
