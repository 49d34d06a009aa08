//! smoke as a wheel and an npm package: one version everywhere (Cargo.toml, pyproject.toml,
//! npm/package.json), `smoke --version` naming it (and the commit, built in a git checkout),
//! and the npm launcher (npm/bin/smoke.js) run by node over a fake binary: arguments, input,
//! exit codes and signals pass through, and a platform it has no binary for is refused. The
//! packages themselves are built, installed and run by scripts/package.

mod common;

use common::{have_tool, wait_for};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn toml_file(rel: &str) -> toml::Table {
    read(rel).parse().unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn the_wheel_and_the_npm_package_have_cargo_s_version_and_one_name() {
    let cargo = toml_file("Cargo.toml");
    let version = cargo["package"]["version"].as_str().expect("a version");
    assert_eq!(version, env!("CARGO_PKG_VERSION"));

    let pyproject = toml_file("pyproject.toml");
    let project = &pyproject["project"];
    assert_eq!(project["version"].as_str(), Some(version), "pyproject.toml");
    assert_eq!(
        pyproject["build-system"]["build-backend"].as_str(),
        Some("maturin")
    );
    assert_eq!(
        pyproject["tool"]["maturin"]["bindings"].as_str(),
        Some("bin"),
        "the wheel is the binary"
    );
    assert_eq!(project["license"].as_str(), Some("MIT OR Apache-2.0"));
    assert_eq!(
        cargo["package"]["license"].as_str(),
        project["license"].as_str()
    );
    for file in project["license-files"].as_array().expect("license-files") {
        let file = file.as_str().expect("a path");
        assert!(repo().join(file).is_file(), "{file}");
    }

    let package: serde_json::Value = serde_json::from_str(&read("npm/package.json")).expect("JSON");
    assert_eq!(package["version"], version, "npm/package.json");
    assert_eq!(
        package["name"].as_str(),
        project["name"].as_str(),
        "one name on PyPI and npm"
    );
    assert_eq!(package["license"].as_str(), project["license"].as_str());
    assert_eq!(
        package["bin"]["smoke"], "bin/smoke.js",
        "the command is smoke"
    );
}

/// `git` in the repository, when it is a checkout of its own and git runs.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo())
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn smoke_version_names_the_version_and_in_a_checkout_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_smoke"))
        .arg("--version")
        .output()
        .expect("smoke runs");
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stdout);
    let printed = printed.trim_end();
    let version = env!("CARGO_PKG_VERSION");
    let checkout = git(&["rev-parse", "--show-toplevel"])
        .is_some_and(|top| fs::canonicalize(top).ok() == fs::canonicalize(repo()).ok());
    if !checkout {
        assert_eq!(printed, format!("smoke {version}"), "no commit to name");
        return;
    }
    let described = git(&["log", "-1", "--format=%h %cs"]).expect("git log");
    let (hash, date) = described.split_once(' ').expect("hash and date");
    let clean = format!("smoke {version} ({hash} {date})");
    let dirty = format!("smoke {version} ({hash}-dirty {date})");
    assert!(
        printed == clean || printed == dirty,
        "{printed:?}, not {clean:?} (or -dirty)"
    );
}

/// `process.platform-process.arch` as node says it, when node runs (else the test skips, or
/// fails with `CI` set).
fn node_platform() -> Option<String> {
    if !have_tool(&["node"], "apt-get install nodejs") {
        return None;
    }
    let out = Command::new("node")
        .args(["-p", "process.platform + '-' + process.arch"])
        .output()
        .expect("node runs");
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The launcher copied into `dir/bin/smoke.js`, with `binary` (a shell script) as its binary for
/// `platform`.
fn launcher_with(dir: &Path, platform: &str, binary: &str) -> PathBuf {
    let bin = dir.join("bin");
    fs::create_dir_all(bin.join(platform)).expect("mkdir");
    let launcher = bin.join("smoke.js");
    fs::copy(repo().join("npm/bin/smoke.js"), &launcher).expect("copy the launcher");
    let fake = bin.join(platform).join("smoke");
    fs::write(&fake, binary).expect("write the fake binary");
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).expect("chmod");
    launcher
}

#[test]
fn the_npm_launcher_refuses_a_platform_it_has_no_binary_for() {
    let Some(platform) = node_platform() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temp folder");
    let launcher = launcher_with(dir.path(), &platform, "#!/bin/sh\nexit 0\n");
    // A machine of another kind, as node would report it.
    let fake = dir.path().join("plan9.js");
    fs::write(
        &fake,
        "Object.defineProperty(process, 'platform', { value: 'plan9' });\n\
         Object.defineProperty(process, 'arch', { value: 'mips' });\n",
    )
    .expect("write");
    let out = Command::new("node")
        .arg("-r")
        .arg(&fake)
        .arg(&launcher)
        .arg("--version")
        .output()
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    for needed in [
        "smoke: this package has no smoke binary for plan9-mips",
        &format!("(it has one for {platform})"),
        "smoke runs on Linux and macOS",
        "install Rust (https://rustup.rs)",
        "`cargo install --path .` in a checkout of smoke",
    ] {
        assert!(stderr.contains(needed), "no {needed:?} in {stderr}");
    }
    // The launcher in the repository, which may hold no binary at all.
    let out = Command::new("node")
        .arg("-r")
        .arg(&fake)
        .arg(repo().join("npm/bin/smoke.js"))
        .output()
        .expect("node runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no smoke binary for plan9-mips"));
}

fn run(launcher: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new("node")
        .arg(launcher)
        .args(args)
        .env("npm_config_package", "smoke-test-order")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[test]
fn the_npm_launcher_passes_arguments_input_and_exit_code_through() {
    let Some(platform) = node_platform() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temp folder");
    let launcher = launcher_with(
        dir.path(),
        &platform,
        "#!/bin/sh\n\
         for arg in \"$@\"; do printf '[%s]\\n' \"$arg\"; done\n\
         printf 'package=%s\\n' \"${npm_config_package-unset}\"\n\
         cat\n\
         echo 'to stderr' >&2\n\
         exit 7\n",
    );
    let out = run(&launcher, &["--seed", "a b", "", "*"], "from stdin\n");
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[--seed]\n[a b]\n[]\n[*]\npackage=unset\nfrom stdin\n",
        "npx's package option is not passed on to the npx runs smoke starts"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "to stderr\n");
}

#[test]
fn the_npm_launcher_passes_signals_on_and_ends_as_the_binary_ends() {
    let Some(platform) = node_platform() else {
        return;
    };
    // Killed by a signal: 128 + N, as a shell says it.
    let dir = tempfile::tempdir().expect("a temp folder");
    let launcher = launcher_with(dir.path(), &platform, "#!/bin/sh\nkill -TERM $$\nsleep 5\n");
    let out = run(&launcher, &[], "");
    assert_eq!(out.status.code(), Some(128 + libc::SIGTERM));

    // A signal to the launcher alone (no terminal here) reaches the binary, whose exit is the
    // launcher's.
    for (signal, code) in [(libc::SIGTERM, 42), (libc::SIGINT, 43), (libc::SIGHUP, 44)] {
        let dir = tempfile::tempdir().expect("a temp folder");
        let ready = dir.path().join("ready");
        let launcher = launcher_with(
            dir.path(),
            &platform,
            &format!(
                "#!/bin/sh\n\
                 trap 'exit 42' TERM\n\
                 trap 'exit 43' INT\n\
                 trap 'exit 44' HUP\n\
                 touch '{}'\n\
                 i=0\n\
                 while [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done\n\
                 exit 9\n",
                ready.display()
            ),
        );
        let child = Command::new("node")
            .arg(&launcher)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node runs");
        wait_for(&ready, Duration::from_secs(20));
        let pid = i32::try_from(child.id()).expect("a pid");
        // SAFETY: kill(2) on the launcher this test started and has not waited for yet.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let out = child.wait_with_output().expect("wait");
        assert_eq!(
            out.status.code(),
            Some(code),
            "signal {signal}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A virtualenv as `pip install` of the wheel leaves it: `pyvenv.cfg`, this smoke as
/// `bin/smoke` (a hard link, so that it is its own path: the kernel names the path it was
/// started by), and a `bin/pytest` that logs its runs to `bin/used.log` and runs the real one.
fn wheel_venv(dir: &Path, real_pytest: &Path) -> PathBuf {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).expect("mkdir");
    fs::write(dir.join("pyvenv.cfg"), "home = /usr/bin\n").expect("write");
    let smoke = bin.join("smoke");
    if fs::hard_link(env!("CARGO_BIN_EXE_smoke"), &smoke).is_err() {
        fs::copy(env!("CARGO_BIN_EXE_smoke"), &smoke).expect("copy smoke");
    }
    let pytest = bin.join("pytest");
    fs::write(
        &pytest,
        format!(
            "#!/bin/sh\necho used >> \"$(dirname \"$0\")/used.log\"\nexec {} \"$@\"\n",
            real_pytest.display()
        ),
    )
    .expect("write");
    fs::set_permissions(&pytest, fs::Permissions::from_mode(0o755)).expect("chmod");
    smoke
}

#[test]
fn a_wheel_installed_smoke_runs_its_virtualenv_s_pytest_when_that_is_not_activated() {
    common::require_pytest();
    let real = common::which("pytest").expect("pytest is on PATH");
    let root = tempfile::tempdir().expect("a temp folder");
    let venv = root.path().join("env");
    let smoke = wheel_venv(&venv, &real);
    let suite = root.path().join("suite");
    fs::create_dir(&suite).expect("mkdir");
    fs::write(
        suite.join("test_x.py"),
        "def test_a():\n    pass\n\n\ndef test_b():\n    pass\n",
    )
    .expect("write");
    let used = venv.join("bin/used.log");
    let runs = || fs::read_to_string(&used).map_or(0, |log| log.lines().count());
    let run = |path: &str, virtual_env: Option<&Path>| {
        let mut command = Command::new(&smoke);
        command
            .args(["--preset", "pytest", "-n", "1", "--seed", "1"])
            .args(["--report-dir", "reports"])
            .current_dir(&suite)
            .env("PATH", path)
            .env_remove("VIRTUAL_ENV")
            .env_remove("SMOKE_SEED");
        if let Some(other) = virtual_env {
            command.env("VIRTUAL_ENV", other);
        }
        let out = command.output().expect("smoke runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        stderr
    };
    let said = "smoke was installed in a virtualenv that is not activated, so the pytest preset \
                runs its pytest";

    // No pytest on PATH: the virtualenv's, with nothing to say.
    let stderr = run(common::SYSTEM_PATH, None);
    assert!(runs() > 0, "the virtualenv's pytest ran: {stderr}");
    assert!(!stderr.contains(said), "{stderr}");

    // Another pytest on PATH: still the virtualenv's, and a warning says why.
    let other = real.parent().expect("a folder").display().to_string();
    let before = runs();
    let stderr = run(&format!("{other}:{}", common::SYSTEM_PATH), None);
    assert!(runs() > before, "the virtualenv's pytest ran: {stderr}");
    assert!(
        stderr.contains(&format!(
            "{said}, {}/bin/pytest, not the pytest on PATH",
            venv.display()
        )),
        "{stderr}"
    );

    // Another virtualenv activated: the user chose it, so PATH's pytest runs.
    let before = runs();
    let stderr = run(
        &format!("{other}:{}", common::SYSTEM_PATH),
        Some(Path::new(&other)),
    );
    assert_eq!(runs(), before, "PATH's pytest ran: {stderr}");
    assert!(!stderr.contains(said), "{stderr}");

    // Its own bin on PATH (activated, or put there): that very pytest, plainly.
    let before = runs();
    let stderr = run(
        &format!("{}/bin:{}", venv.display(), common::SYSTEM_PATH),
        None,
    );
    assert!(runs() > before, "{stderr}");
    assert!(!stderr.contains(said), "{stderr}");
}
