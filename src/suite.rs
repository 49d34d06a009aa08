//! The suite's test names: resolving `tests` / `list` / `glob` and the presets' listings (the
//! commands and the glob are I/O, at the edge; turning their output into names is pure and
//! tested on captured output), and selecting the tests named on the command line (pure).
//!
//! Listing commands run under `timeout` when one is set (else [`LIST_TIMEOUT`]); the cargo and
//! go presets' listings, which compile the suite, get at least [`LIST_TIMEOUT`]. A signal that
//! kills one is [`Interrupted`], not a failed listing. This module must not print.
//!
//! The pytest, rspec and jest presets' listings take the names from a file the runner writes
//! into a private temp folder, not from its console, so that what a project's configuration
//! makes the runner print (pytest's `-v` and coverage reports in addopts, rspec formatters in
//! `.rspec` or `SPEC_OPTS`, what a jest config prints) cannot change them: smoke's pytest plugin
//! in its list mode (loaded through `PYTEST_PLUGINS`, so the project's own options all stay),
//! rspec's `--out`, jest's `--json --outputFile` (a runner that wrote no file is read from its
//! console, as before). A listing that yields no names says which command ran last, how it
//! ended and the end of what it printed.
//!
//! The go preset's listing builds each package's test binary (`go test -c`) into a private
//! temp folder that the returned [`Listed`] owns: the caller keeps it while tests run, and
//! dropping it removes the folder, so nothing is built into the user's tree.

use crate::config::Config;
use crate::error::{ConfigError, Interrupted};
use crate::exec;
use crate::execution::TestSource;
use crate::interrupt::Interrupt;
use crate::model::{Outcome, TestId, TestNames};
use anyhow::Context;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The limit for each listing command when no `timeout` is set: listing may build the suite.
pub const LIST_TIMEOUT: Duration = Duration::from_secs(300);

/// A suite's test names, and the private folder holding what smoke built to run them (the go
/// preset's test binaries), removed when this is dropped: keep it for as long as tests run.
#[derive(Debug)]
pub struct Listed {
    /// The names, in the suite's usual order.
    pub names: TestNames,
    /// The folder of built test binaries, if any.
    pub built: Option<crate::exec::PrivateDir>,
}

/// The names of every test in the suite, in its usual order. Names from the `list` command and
/// the glob are kept byte for byte, whether or not they are UTF-8. A name listed twice is kept
/// once, with a sentence for `warnings`. A signal raised on `interrupt` while a listing command
/// runs stops it and ends in [`Interrupted`]. `served`: the node ids the fork server wrote
/// once it had collected the suite ([`Config::server_lists`]), taken instead of listing again
/// when it collected cleanly and found tests; otherwise the listing runs as it always does, and
/// says what went wrong.
pub fn resolve(
    config: &Config,
    served: Option<Vec<u8>>,
    interrupt: &Interrupt,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Listed> {
    let seen = std::sync::Mutex::new(None);
    let listing = Listing::new(config, interrupt, &seen);
    let names: Vec<OsString> = match &config.source {
        TestSource::Listed(names) => names.iter().map(OsString::from).collect(),
        TestSource::CommandLine => {
            let mut names: Vec<OsString> = Vec::new();
            for name in &config.selected {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
            names
        }
        TestSource::ListCommand(command) => {
            let stdout = listing.output(command)?;
            lines(&stdout)
                .filter(|line| !line.trim_ascii().is_empty())
                .map(|line| OsString::from_vec(line.to_vec()))
                .collect()
        }
        TestSource::Glob(pattern) => glob_names(config, pattern)?,
        TestSource::PytestCollect(command) => {
            let served = served
                .as_deref()
                .and_then(|bytes| pytest_list(bytes).ok().flatten());
            match served {
                Some(served) if served.errors == 0 && !served.ids.is_empty() => served.ids,
                _ => {
                    let run = listing.pytest_run(command)?;
                    listing.pytest_ids(command, run, warnings)?
                }
            }
        }
        TestSource::Go(program) => {
            let built = crate::exec::PrivateDir::new("smoke-go-")
                .context("cannot create a private folder for the go test binaries")?;
            let named = go_tests(&listing, program, built.path())?;
            if !named.is_empty() {
                return Ok(Listed {
                    names: TestNames::with_args(named),
                    built: Some(built),
                });
            }
            Vec::new()
        }
        TestSource::Gtest(program) => {
            let command = format!("{program} --gtest_list_tests");
            gtest_names(&listing.output(&command)?)
        }
        TestSource::Rspec(command) => {
            let (json, shown) = listing.rspec_json(command)?;
            rspec_names(&json).map_err(|e| rspec_unreadable(&shown, &e))?
        }
        TestSource::Jest(command) => {
            let (listed, shown) = listing.jest_json(command)?;
            // jest prints real paths; the suite folder may be named through a symbolic link.
            let real = std::fs::canonicalize(&config.dir).unwrap_or_else(|_| config.dir.clone());
            jest_names(&listed, &[&config.dir, &real]).map_err(|e| {
                ConfigError::new(format!(
                    "cannot read the test files '{shown}' listed: {e}; run it to see what jest \
                     says"
                ))
            })?
        }
        TestSource::Cargo(program) => {
            let named = cargo_tests(&listing, program)?;
            if !named.is_empty() {
                return Ok(Listed {
                    names: TestNames::with_args(named),
                    built: None,
                });
            }
            Vec::new()
        }
        TestSource::Ctest(program) => {
            let command = format!("{program} --show-only=json-v1");
            let named = ctest_tests(&listing.output(&command)?)
                .map_err(|e| ConfigError::new(format!("'{command}' printed {e}")))?;
            let (names, twice) = dedupe(named.iter().map(|(n, _)| n.clone()).collect());
            if !twice.is_empty() {
                return Err(ConfigError::new(format!(
                    "'{command}' lists {} more than once: ctest cannot run one of two tests \
                     with the same name alone; rename one in add_test",
                    crate::shell::quote(&twice[0].to_string_lossy())
                ))
                .into());
            }
            if !names.is_empty() {
                return Ok(Listed {
                    names: TestNames::with_args(named),
                    built: None,
                });
            }
            Vec::new()
        }
    };
    if names.is_empty() {
        let why = match &config.source {
            TestSource::Listed(_) => "[suite] tests is an empty list".to_string(),
            TestSource::ListCommand(c) => format!("the list command '{c}' printed no names"),
            TestSource::Glob(p) => format!(
                "no file matches the glob '{p}' in '{}'",
                config.dir.display()
            ),
            TestSource::CommandLine => "no test names were given".to_string(),
            TestSource::PytestCollect(c) => format!("'{c}' collected no tests"),
            TestSource::Go(p) => format!(
                "no package under '{}' has a test ('{p} list ./...', then '{p} test -c' and \
                 '-test.list' for each package with test files)",
                config.dir.display()
            ),
            TestSource::Gtest(p) => format!("'{p} --gtest_list_tests' listed no tests"),
            TestSource::Ctest(p) => format!(
                "'{p} --show-only=json-v1' listed no tests (run smoke in the build folder, or \
                 set program = \"ctest --test-dir build\")"
            ),
            TestSource::Rspec(c) => format!("'{c}' listed no examples"),
            TestSource::Jest(c) => format!("'{c}' listed no test files"),
            TestSource::Cargo(p) => {
                format!("the test binaries '{p} test --no-run' built list no tests")
            }
        };
        return Err(ConfigError::new(format!(
            "the suite is empty: {why}{}",
            listing.what_it_printed()
        ))
        .into());
    }
    let source = describe(&config.source);
    if let Some(name) = names.iter().find(|n| n.as_bytes().contains(&0)) {
        return Err(ConfigError::new(format!(
            "the test name '{}' from {source} holds a NUL byte, which no command can take as an \
             argument: remove it from the name",
            crate::report::one_line(&name.to_string_lossy())
        ))
        .into());
    }
    let (names, twice) = dedupe(names);
    if !twice.is_empty() {
        let shown: Vec<String> = twice
            .iter()
            .map(|n| crate::shell::quote(&n.to_string_lossy()).into_owned())
            .collect();
        warnings.push(format!(
            "{source} lists {} more than once; each runs as one test (to run a test more \
             often, use --times, or name it twice on the command line)",
            shown.join(", ")
        ));
    }
    Ok(Listed {
        names: TestNames::new(names),
        built: None,
    })
}

/// A runner that can say, without running a test, the order its seed gives the suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seeded {
    /// pytest with pytest-randomly (`--randomly-seed=N`).
    PytestRandomly,
    /// rspec's random order (`--seed N`).
    Rspec,
}

/// The order `seed` gives the suite under `runner`, asked of the runner itself through the
/// suite's own listing command (pytest `--collect-only` with pytest-randomly's seed instead of
/// `-p no:randomly`; `rspec --dry-run` with the seed instead of `--order defined`). The names
/// are the suite's ids, in the order the seeded run would run them, each with the other names
/// it goes by in CI's artifacts (rspec's, as [`rspec_aliases`] gives them; none for pytest).
pub fn seeded_order(
    config: &Config,
    runner: Seeded,
    seed: &str,
    interrupt: &Interrupt,
) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    if seed.is_empty() || !seed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConfigError::new(format!(
            "the seed '{}' is not a whole number: smoke asks the runner for a seed's order only \
             with the number the runner printed",
            crate::report::one_line(seed)
        ))
        .into());
    }
    let seen = std::sync::Mutex::new(None);
    let listing = Listing::new(config, interrupt, &seen);
    let names = match (runner, &config.source) {
        (Seeded::PytestRandomly, TestSource::PytestCollect(command)) => {
            let command = match command.contains(" -p no:randomly") {
                true => command.replacen(" -p no:randomly", "", 1),
                false => command.clone(),
            };
            let command = format!("{command} -p randomly --randomly-seed={seed}");
            let run = listing.pytest_run(&command)?;
            if run.got.outcome == (Outcome::Fail { code: 4 })
                && String::from_utf8_lossy(&run.got.stderr).contains("randomly")
            {
                return Err(ConfigError::new(format!(
                    "'{command}' failed: pytest-randomly, whose seed the evidence names, is not \
                     installed where this pytest runs (pip install pytest-randomly, the version \
                     CI has), so smoke cannot ask it for that seed's order"
                ))
                .into());
            }
            // What a clean collection's exit status says (syrupy's 1) is not needed here.
            listing
                .pytest_ids(&command, run, &mut Vec::new())?
                .into_iter()
                .map(|id| (id.to_string_lossy().into_owned(), Vec::new()))
                .collect()
        }
        (Seeded::Rspec, TestSource::Rspec(command)) => {
            let command = match command.contains("--order defined") {
                true => command.replacen("--order defined", &format!("--seed {seed}"), 1),
                false => format!("{command} --seed {seed}"),
            };
            let (json, shown) = listing.rspec_json(&command)?;
            rspec_examples(&json).map_err(|e| rspec_unreadable(&shown, &e))?
        }
        (Seeded::PytestRandomly, _) => {
            return Err(ConfigError::new(
                "the evidence names pytest-randomly's seed, but this suite is not listed by \
                 pytest: use --preset pytest (or a smoke.toml with preset = \"pytest\")",
            )
            .into());
        }
        (Seeded::Rspec, _) => {
            return Err(ConfigError::new(
                "the evidence names rspec's seed, but this suite is not listed by rspec: use \
                 --preset rspec (or a smoke.toml with preset = \"rspec\")",
            )
            .into());
        }
    };
    if let Some(signal) = interrupt.signal() {
        return Err(Interrupted { signal }.into());
    }
    if names.is_empty() {
        return Err(ConfigError::new(format!(
            "the suite is empty: {} listed no tests for {runner:?}'s seed {seed}{}",
            describe(&config.source),
            listing.what_it_printed()
        ))
        .into());
    }
    Ok(names)
}

/// For an rspec suite, the other names each example goes by in CI's artifacts: its
/// `file:line` location (rspec's `rspec ./spec/a_spec.rb:12` failure lines) and its full
/// description (rspec_junit_formatter's testcase names), by example id. Asked of rspec with
/// the suite's own listing command; an empty list for other suites.
pub fn rspec_aliases(
    config: &Config,
    interrupt: &Interrupt,
) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let TestSource::Rspec(command) = &config.source else {
        return Ok(Vec::new());
    };
    let seen = std::sync::Mutex::new(None);
    let listing = Listing::new(config, interrupt, &seen);
    let (json, shown) = listing.rspec_json(command)?;
    rspec_examples(&json).map_err(|e| rspec_unreadable(&shown, &e).into())
}

/// The error for rspec output with no readable JSON: `shown` is the command that ran.
fn rspec_unreadable(shown: &str, e: &str) -> ConfigError {
    ConfigError::new(format!(
        "cannot read the example ids '{shown}' wrote: {e}; run it to see what rspec says"
    ))
}

/// rspec's JSON: each example's id and the names it goes by (`file:line`, full description).
fn rspec_examples(stdout: &[u8]) -> Result<Vec<(String, Vec<String>)>, String> {
    let value = rspec_json(stdout)?;
    let examples = value["examples"]
        .as_array()
        .ok_or("rspec's JSON has no \"examples\"")?;
    Ok(examples
        .iter()
        .filter_map(|e| {
            let id = e["id"].as_str()?;
            let id = id.strip_prefix("./").unwrap_or(id).to_string();
            let mut also = Vec::new();
            if let (Some(file), Some(line)) = (e["file_path"].as_str(), e["line_number"].as_u64()) {
                also.push(format!(
                    "{}:{line}",
                    file.strip_prefix("./").unwrap_or(file)
                ));
            }
            if let Some(description) = e["full_description"].as_str() {
                also.push(description.to_string());
            }
            Some((id, also))
        })
        .collect())
}

/// Keep the first of each name, and say which names came twice: a name listed twice would run
/// as two tests that nobody can tell apart.
pub fn dedupe(names: Vec<OsString>) -> (Vec<OsString>, Vec<OsString>) {
    let mut seen = std::collections::HashSet::new();
    let mut twice = Vec::new();
    let mut kept = Vec::new();
    for name in names {
        if seen.contains(&name) {
            if !twice.contains(&name) {
                twice.push(name);
            }
        } else {
            seen.insert(name.clone());
            kept.push(name);
        }
    }
    (kept, twice)
}

/// Where the names come from, for messages.
fn describe(source: &TestSource) -> String {
    match source {
        TestSource::Listed(_) => "[suite] tests".to_string(),
        TestSource::ListCommand(c) => format!("the list command '{c}'"),
        TestSource::Glob(p) => format!("the glob '{p}'"),
        TestSource::CommandLine => "the command line".to_string(),
        TestSource::PytestCollect(c) => format!("'{c}'"),
        TestSource::Go(p) => format!("'{p} list ./...'"),
        TestSource::Gtest(p) => format!("'{p} --gtest_list_tests'"),
        TestSource::Ctest(p) => format!("'{p} --show-only=json-v1'"),
        TestSource::Rspec(c) | TestSource::Jest(c) => format!("'{c}'"),
        TestSource::Cargo(p) => format!("'{p} test'"),
    }
}

/// How listing commands run: in the suite folder with its environment, under one limit, and
/// stopped by a signal. The last command that ran is kept, with what it printed, for the error
/// when a listing yields no names.
struct Listing<'a> {
    config: &'a Config,
    interrupt: &'a Interrupt,
    timeout: Duration,
    /// The last command that ran (shared by [`Listing::building`]'s copies and go's threads).
    seen: &'a std::sync::Mutex<Option<Seen>>,
}

/// A listing command that ran, and what it printed.
#[derive(Debug)]
struct Seen {
    /// The command as the user could run it (shell text), with a note on what smoke added.
    shown: String,
    outcome: Outcome,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// A pytest listing with smoke's plugin loaded: how pytest ended, and the file of node ids the
/// plugin wrote, if it wrote one (a pytest that dropped the environment did not load it).
struct PytestRun {
    got: exec::Captured,
    written: Option<Vec<u8>>,
}

/// What smoke adds to the pytest listing, for messages.
const PYTEST_LIST_NOTE: &str =
    "with smoke's pytest plugin, loaded through PYTEST_PLUGINS, writing the node ids to a file";

impl<'a> Listing<'a> {
    fn new(
        config: &'a Config,
        interrupt: &'a Interrupt,
        seen: &'a std::sync::Mutex<Option<Seen>>,
    ) -> Self {
        Listing {
            config,
            interrupt,
            timeout: config.timeout.unwrap_or(LIST_TIMEOUT),
            seen,
        }
    }

    /// For a command that compiles the suite (`cargo test --no-run`, `go list`, `go test -c`): a
    /// per-test `timeout` of seconds must not kill the build, so it gets at least
    /// [`LIST_TIMEOUT`].
    fn building(&self) -> Self {
        Listing {
            timeout: self.timeout.max(LIST_TIMEOUT),
            ..*self
        }
    }

    /// Run `argv` to its end; a signal that came meanwhile (and killed it) is [`Interrupted`].
    fn run(&self, argv: &[&str]) -> anyhow::Result<exec::Captured> {
        self.run_in(&self.config.dir, argv)
    }

    /// [`run`](Self::run) in the folder `dir`.
    fn run_in(&self, dir: &Path, argv: &[&str]) -> anyhow::Result<exec::Captured> {
        self.run_with(dir, argv, &[], None)
    }

    /// [`run_in`](Self::run_in) with smoke's `extra` variables, and `note` saying what they do
    /// (for messages). The run is kept as the last one seen.
    fn run_with(
        &self,
        dir: &Path,
        argv: &[&str],
        extra: &[(&str, OsString)],
        note: Option<&str>,
    ) -> anyhow::Result<exec::Captured> {
        crate::trace::mark("list.start");
        let got = exec::capture_with(argv, dir, &self.config.env, extra, self.timeout)?;
        crate::trace::mark("list.end");
        if let Some(signal) = self.interrupt.signal() {
            return Err(Interrupted { signal }.into());
        }
        let mut shown = match argv {
            [shell, "-c", script] if *shell == exec::SHELL => script.to_string(),
            [shell, "-c", script, _, args @ ..] if *shell == exec::SHELL => {
                let args: Vec<_> = args.iter().map(|a| crate::shell::quote(a)).collect();
                format!("{script} (with {})", args.join(" "))
            }
            _ => {
                let words: Vec<_> = argv.iter().map(|a| crate::shell::quote(a)).collect();
                words.join(" ")
            }
        };
        if dir != self.config.dir {
            shown.push_str(&format!(
                " (in {})",
                crate::shell::quote(&dir.to_string_lossy())
            ));
        }
        if let Some(note) = note {
            shown.push_str(&format!(" ({note})"));
        }
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(Seen {
            shown,
            outcome: got.outcome,
            stdout: got.stdout.clone(),
            stderr: got.stderr.clone(),
        });
        Ok(got)
    }

    /// The last command that ran and the end of what it printed, as lines to add to an error
    /// (empty when no command ran: names from the config, a glob).
    fn what_it_printed(&self) -> String {
        match &*self.seen.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(seen) => what_it_printed(seen),
            None => String::new(),
        }
    }

    /// A fresh private folder for what a runner writes while it lists (removed when dropped),
    /// and the path of `file` in it as shell text.
    fn private_file(&self, file: &str) -> anyhow::Result<(exec::PrivateDir, PathBuf, String)> {
        let folder = exec::PrivateDir::new("smoke-list-")
            .context("cannot create a private folder for the listing")?;
        let path = folder.path().join(file);
        let quoted = path
            .to_str()
            .map(|p| crate::shell::quote(p).into_owned())
            .ok_or_else(|| {
                ConfigError::new(format!(
                    "the temp folder '{}' is not UTF-8: set TMPDIR to a plain path",
                    path.display()
                ))
            })?;
        Ok((folder, path, quoted))
    }

    /// Run `pytest --collect-only` (`command`) with smoke's pytest plugin in its list mode: it
    /// writes the node ids to a private file, so that nothing the project's options make pytest
    /// print can change them.
    fn pytest_run(&self, command: &str) -> anyhow::Result<PytestRun> {
        let folder = exec::PrivateDir::new("smoke-list-")
            .context("cannot create a private folder for the listing")?;
        let mut extra = exec::pytest_plugin_in(folder.path(), &self.config.env)?;
        let ids = folder.path().join("ids.jsonl");
        extra.push((
            crate::helpers::PYTEST_LIST_VAR,
            ids.clone().into_os_string(),
        ));
        let argv = [exec::SHELL, "-c", command];
        let got = self.run_with(&self.config.dir, &argv, &extra, Some(PYTEST_LIST_NOTE))?;
        let written = read_if_written(&ids)?;
        Ok(PytestRun { got, written })
    }

    /// The node ids of a [`pytest_run`](Self::pytest_run). A collection the plugin saw end with
    /// no error is the listing whatever pytest's exit status (a plugin may end a clean
    /// collection with 1: syrupy does, for snapshots no collected test uses; so may a coverage
    /// threshold), with a sentence for `warnings` when it is not 0. A collection error fails
    /// with pytest's own output. A pytest that did not load the plugin is read from its console
    /// as before: node ids up to the first blank line.
    fn pytest_ids(
        &self,
        command: &str,
        run: PytestRun,
        warnings: &mut Vec<String>,
    ) -> anyhow::Result<Vec<OsString>> {
        let what = format!("the list command '{command}'");
        let PytestRun { got, written } = run;
        if got.outcome == Outcome::Timeout {
            return Err(self.too_slow(&what).into());
        }
        let listed = match &written {
            Some(bytes) => pytest_list(bytes).map_err(|e| {
                ConfigError::new(format!(
                    "cannot read the node ids smoke's pytest plugin wrote for {what}: {e}"
                ))
            })?,
            None => None,
        };
        match listed {
            Some(listed) if listed.errors == 0 => {
                if got.outcome != Outcome::Pass && !listed.ids.is_empty() {
                    warnings.push(used_after_clean_collection(
                        &what,
                        got.outcome,
                        listed.ids.len(),
                    ));
                }
                Ok(listed.ids)
            }
            Some(_) => Err(self.failure(&what, &got).into()),
            None => self.pytest_console_names(&what, got, warnings),
        }
    }

    /// `pytest --collect-only -q`'s node ids from its console, for a pytest that did not load
    /// smoke's plugin. An exit status of 1 after node ids and no collection error is used, with
    /// a sentence for `warnings` (syrupy).
    fn pytest_console_names(
        &self,
        what: &str,
        got: exec::Captured,
        warnings: &mut Vec<String>,
    ) -> anyhow::Result<Vec<OsString>> {
        if got.outcome == (Outcome::Fail { code: 1 }) {
            let names = pytest_names(&got.stdout);
            if !names.is_empty() && collected_cleanly(&got.stdout) {
                warnings.push(used_after_clean_collection(what, got.outcome, names.len()));
                return Ok(names);
            }
        }
        Ok(pytest_names(&self.stdout_of(what, got)?))
    }

    /// rspec's JSON for `command` (`--dry-run --format json`), written with `--out` to a private
    /// file, so that what other formatters print (a spec helper's `add_formatter`) never mixes
    /// with it. rspec takes the formatters of `SPEC_OPTS`, when set, instead of the command
    /// line's: the JSON formatter is added at its end too. An rspec that wrote no file is read
    /// from its stdout. Also returns the command as it ran, for messages.
    fn rspec_json(&self, command: &str) -> anyhow::Result<(Vec<u8>, String)> {
        let (_folder, path, quoted) = self.private_file("rspec.json")?;
        let command = format!("{command} --out {quoted}");
        let mut extra = Vec::new();
        let mut note = None;
        if let Some(opts) = exec::rspec_spec_opts(&self.config.env, &path) {
            extra.push(("SPEC_OPTS", opts));
            note = Some("with --format json --out to the same file added to SPEC_OPTS");
        }
        let argv = [exec::SHELL, "-c", command.as_str()];
        let got = self.run_with(&self.config.dir, &argv, &extra, note)?;
        let stdout = self.stdout_of(&format!("the list command '{command}'"), got)?;
        Ok((read_if_written(&path)?.unwrap_or(stdout), command))
    }

    /// jest's list of test files for `command` (`--listTests`), as a JSON array written with
    /// `--json --outputFile` to a private file (jest 30; older jests print the array on stdout,
    /// which is read then), so that nothing the configuration prints can become a name. Also
    /// returns the command as it ran, for messages.
    fn jest_json(&self, command: &str) -> anyhow::Result<(Vec<u8>, String)> {
        let (_folder, path, quoted) = self.private_file("tests.json")?;
        let command = format!("{command} --json --outputFile={quoted}");
        let got = self.run_with(&self.config.dir, &[exec::SHELL, "-c", &command], &[], None)?;
        let stdout = self.stdout_of(&format!("the list command '{command}'"), got)?;
        Ok((read_if_written(&path)?.unwrap_or(stdout), command))
    }

    /// Why a listing took too long, and which setting to change: `timeout` limits listing
    /// too, so a short per-test limit can be too short for a command that builds the suite.
    fn too_slow(&self, what: &str) -> ConfigError {
        let limit = humantime::format_duration(self.timeout);
        ConfigError::new(match self.config.timeout {
            Some(set) if set < self.timeout => format!(
                "{what} did not finish within {limit} (building the suite gets the listing \
                 limit, {}, or the --timeout / [suite] timeout if longer): raise the timeout or \
                 fix the build",
                humantime::format_duration(LIST_TIMEOUT)
            ),
            Some(_) => format!(
                "{what} did not finish within {limit} (the --timeout / [suite] timeout limit, \
                 which applies to listing too): raise it or fix the command"
            ),
            None => format!(
                "{what} did not finish within {limit} (the limit for listing when no timeout \
                 is set): fix the command, or set a longer limit with --timeout or [suite] \
                 timeout"
            ),
        })
    }

    /// Run a listing command (shell text) and return its stdout; a failure is an error that
    /// shows what it printed.
    fn output(&self, command: &str) -> anyhow::Result<Vec<u8>> {
        let what = format!("the list command '{command}'");
        self.checked(&what, &self.config.dir, &[exec::SHELL, "-c", command])
    }

    /// Run `argv` in `dir` and return its stdout; a failure is an error that starts with
    /// `what` and shows the end of what the command printed.
    fn checked(&self, what: &str, dir: &Path, argv: &[&str]) -> anyhow::Result<Vec<u8>> {
        let got = self.run_in(dir, argv)?;
        self.stdout_of(what, got)
    }

    /// The stdout of a command that ran to its end; a failure is an error that starts with
    /// `what` and shows the end of what the command printed.
    fn stdout_of(&self, what: &str, got: exec::Captured) -> anyhow::Result<Vec<u8>> {
        if got.outcome != Outcome::Pass {
            return Err(self.failure(what, &got).into());
        }
        Ok(got.stdout)
    }

    /// Why a command that did not pass failed: `what`, how it ended and the end of what it
    /// printed (stderr, or stdout when stderr is empty), with a hint for a runner the shell
    /// could not find.
    fn failure(&self, what: &str, got: &exec::Captured) -> ConfigError {
        if got.outcome == Outcome::Timeout {
            return self.too_slow(what);
        }
        // pytest and go print their errors on stdout.
        let said = if got.stderr.trim_ascii().is_empty() {
            &got.stdout
        } else {
            &got.stderr
        };
        let said = String::from_utf8_lossy(said);
        let said = said.trim();
        let tail: String = {
            let lines: Vec<&str> = said.lines().collect();
            lines[lines.len().saturating_sub(20)..].join("\n")
        };
        // 127: the shell found no such program, which a preset user can name.
        let hint = match (got.outcome, self.config.preset) {
            (Outcome::Fail { code: 127 }, Some(preset)) => format!(
                "\n(the shell found no such program: install the {preset} runner, or name \
                 it with --program or [suite] program{})",
                match preset {
                    crate::preset::Preset::Pytest => {
                        ", e.g. --program '.venv/bin/python -m pytest'"
                    }
                    _ => "",
                }
            ),
            _ => String::new(),
        };
        ConfigError::new(format!(
            "{what} failed ({}){}{tail}{hint}",
            got.outcome,
            match tail.lines().count() {
                0 => "",
                1 => ": ",
                _ => ":\n",
            },
        ))
    }
}

/// The warning for a pytest listing used although pytest ended with `outcome` (not 0) after a
/// clean collection of `count` tests.
fn used_after_clean_collection(what: &str, outcome: Outcome, count: usize) -> String {
    let ended = match outcome {
        Outcome::Fail { code } => format!("exited {code}"),
        other => format!("ended with {other}"),
    };
    format!(
        "{what} {ended} after collecting {count} test(s) with no collection error (a plugin, \
         such as syrupy for unused snapshots, sets that status); its listing is used"
    )
}

/// A results file a command may not have written.
fn read_if_written(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read '{}'", path.display())),
    }
}

/// How many of a listing command's last lines an error shows, of stdout and of stderr each.
const SHOWN_LINES: usize = 10;

/// The lines an empty listing's error ends with: the command, how it ended, and the last
/// [`SHOWN_LINES`] lines of its stdout and of its stderr, each escaped for the terminal.
fn what_it_printed(seen: &Seen) -> String {
    let status = match seen.outcome {
        Outcome::Pass => "exit status 0".to_string(),
        Outcome::Fail { code } => format!("exit status {code}"),
        other => other.to_string(),
    };
    let mut text = format!(
        "\n  ran: {}\n  ended: {status}",
        crate::report::one_line(&seen.shown)
    );
    for (name, output) in [("stdout", &seen.stdout), ("stderr", &seen.stderr)] {
        let output = String::from_utf8_lossy(output);
        let all: Vec<&str> = output.trim_end().lines().collect();
        if all.iter().all(|line| line.trim().is_empty()) {
            text.push_str(&format!("\n  {name}: nothing"));
            continue;
        }
        let shown = &all[all.len().saturating_sub(SHOWN_LINES)..];
        match shown.len() == all.len() {
            true => text.push_str(&format!("\n  {name}:")),
            false => text.push_str(&format!(
                "\n  {name}, its last {} of {} lines:",
                shown.len(),
                all.len()
            )),
        }
        for line in shown {
            text.push_str(&format!("\n    {}", crate::report::one_line(line)));
        }
    }
    text
}

/// The node ids smoke's pytest plugin wrote in its list mode, and the collection errors it
/// counted.
#[derive(Debug, PartialEq, Eq)]
struct PytestList {
    ids: Vec<OsString>,
    errors: u64,
}

/// What smoke's pytest plugin wrote: one JSON string per node id, then `{"collected": N,
/// "errors": E}`. `None` when that last line is missing (the writing did not finish); an error
/// for a line that is neither, or a count that does not match.
fn pytest_list(written: &[u8]) -> Result<Option<PytestList>, String> {
    let mut ids = Vec::new();
    for line in lines(written).filter(|line| !line.trim_ascii().is_empty()) {
        match serde_json::from_slice::<serde_json::Value>(line).map_err(|e| e.to_string())? {
            serde_json::Value::String(id) => ids.push(OsString::from(id)),
            serde_json::Value::Object(end) => {
                let count = |key: &str| {
                    end.get(key)
                        .and_then(serde_json::Value::as_u64)
                        .ok_or(format!("no \"{key}\" count in its last line"))
                };
                let (collected, errors) = (count("collected")?, count("errors")?);
                if collected != ids.len() as u64 {
                    return Err(format!(
                        "{} node ids for {collected} collected tests",
                        ids.len()
                    ));
                }
                return Ok(Some(PytestList { ids, errors }));
            }
            other => return Err(format!("a line that is no node id: {other}")),
        }
    }
    Ok(None)
}

/// Lines of a command's output, without their line ends.
fn lines(output: &[u8]) -> impl Iterator<Item = &[u8]> {
    output
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

/// `pytest --collect-only -q`: node ids, one per line, up to the first blank line (the summary
/// and any warnings follow it).
fn pytest_names(stdout: &[u8]) -> Vec<OsString> {
    lines(stdout)
        .take_while(|line| !line.trim_ascii().is_empty())
        .filter(|line| line.windows(2).any(|w| w == b"::"))
        .map(|line| OsString::from_vec(line.to_vec()))
        .collect()
}

/// Whether `pytest --collect-only -q` reported no collection error: no `ERROR collecting`
/// section, no `Interrupted: N error(s) during collection`, and a closing summary line
/// (`2 tests collected in 0.01s`) that counts no error.
fn collected_cleanly(stdout: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stdout);
    let summary = text.lines().rev().find(|line| !line.trim().is_empty());
    !text.contains("ERROR collecting")
        && !text.contains("during collection")
        && summary.is_some_and(|line| line.contains(" collected") && !line.contains("error"))
}

/// Test names, each with the words its run script takes after the name (`$2`, ...).
type NamedTests = Vec<(OsString, Vec<OsString>)>;

/// A Go package with test files, from `go list -json`.
#[derive(Debug, PartialEq, Eq)]
struct GoPackage {
    import_path: String,
    dir: String,
}

/// The packages in `go list -json` output (a stream of JSON objects, one per package) that
/// have test files, in go's order.
fn go_packages(stdout: &[u8]) -> Result<Vec<GoPackage>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Listed {
        import_path: String,
        dir: String,
        #[serde(default)]
        test_go_files: Vec<String>,
        #[serde(default, rename = "XTestGoFiles")]
        xtest_go_files: Vec<String>,
    }
    let mut packages = Vec::new();
    for listed in serde_json::Deserializer::from_slice(stdout).into_iter::<Listed>() {
        let listed = listed?;
        if !listed.test_go_files.is_empty() || !listed.xtest_go_files.is_empty() {
            packages.push(GoPackage {
                import_path: listed.import_path,
                dir: listed.dir,
            });
        }
    }
    Ok(packages)
}

/// `<package>.test -test.list .`: one name per line. Benchmarks are left out (`-test.run` does
/// not run them), and so is anything that is not one Go identifier (what a TestMain printed).
fn go_test_names(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|line| {
            !line.is_empty()
                && !line.starts_with("Benchmark")
                && line.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
        .map(str::to_string)
        .collect()
}

/// The go preset: list the packages with test files, build each one's test binary once
/// (`go test -c`) into `out`, and list its tests. A test is named `package::TestName`; its run
/// script gets the binary, the package folder and the test's name as `$2`, `$3` and `$4`.
fn go_tests(listing: &Listing, program: &str, out: &Path) -> anyhow::Result<NamedTests> {
    let command = format!("{program} list -json ./...");
    let packages = go_packages(&listing.building().output(&command)?).map_err(|e| {
        ConfigError::new(format!(
            "'{command}' printed something that is not go's package JSON: {e}"
        ))
    })?;
    // Packages are built a few at a time: go links each test binary on one core.
    let at_once = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let mut named = Vec::new();
    for (round, chunk) in packages.chunks(at_once).enumerate() {
        let results: Vec<anyhow::Result<NamedTests>> = std::thread::scope(|scope| {
            let running: Vec<_> = chunk
                .iter()
                .enumerate()
                .map(|(k, package)| {
                    let binary = out.join(format!("{}.test", round * at_once + k));
                    scope.spawn(move || go_package_tests(listing, program, &binary, package))
                })
                .collect();
            running
                .into_iter()
                .map(|thread| {
                    thread.join().unwrap_or_else(|_| {
                        Err(anyhow::anyhow!(
                            "building a go test binary failed unexpectedly"
                        ))
                    })
                })
                .collect()
        });
        // The first package (in go's order) that failed is the one reported.
        for result in results {
            named.extend(result?);
        }
    }
    Ok(named)
}

/// Build one package's test binary at `binary` and list its tests.
fn go_package_tests(
    listing: &Listing,
    program: &str,
    binary: &Path,
    package: &GoPackage,
) -> anyhow::Result<NamedTests> {
    let binary = binary.to_str().ok_or_else(|| {
        ConfigError::new(format!(
            "the temp folder '{}' is not UTF-8: set TMPDIR to a plain path",
            binary.display()
        ))
    })?;
    let what = format!(
        "building the tests of the go package '{}' ('{program} test -c')",
        package.import_path
    );
    let build = format!("{program} test -c -o \"$1\" \"$2\"");
    let argv = [
        exec::SHELL,
        "-c",
        &build,
        "smoke",
        binary,
        &package.import_path,
    ];
    listing
        .building()
        .checked(&what, &listing.config.dir, &argv)?;
    let what = format!(
        "the test binary of the go package '{}' listing its tests ('-test.list .')",
        package.import_path
    );
    let dir = Path::new(&package.dir);
    let listed = listing.checked(&what, dir, &[binary, "-test.list", "."])?;
    Ok(go_test_names(&listed)
        .into_iter()
        .map(|test| {
            (
                OsString::from(format!("{}::{test}", package.import_path)),
                vec![
                    OsString::from(binary),
                    OsString::from(&package.dir),
                    OsString::from(test),
                ],
            )
        })
        .collect())
}

/// `ctest --show-only=json-v1`: each test's name, with the regex that selects it alone (the
/// run script's `$2`).
fn ctest_tests(stdout: &[u8]) -> Result<NamedTests, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Shown {
        #[serde(default)]
        tests: Vec<Test>,
    }
    #[derive(serde::Deserialize)]
    struct Test {
        name: String,
    }
    let shown: Shown = serde_json::from_slice(stdout)?;
    Ok(shown
        .tests
        .into_iter()
        .map(|t| {
            let regex = ctest_regex(&t.name);
            (OsString::from(t.name), vec![OsString::from(regex)])
        })
        .collect())
}

/// A regex for `ctest -R` that matches `name` and nothing else: anchored, with every
/// character CMake's regex syntax gives a meaning escaped by a backslash.
pub fn ctest_regex(name: &str) -> String {
    let mut regex = String::from("^");
    for c in name.chars() {
        if "^$.[]*+?()|\\".contains(c) {
            regex.push('\\');
        }
        regex.push(c);
    }
    regex.push('$');
    regex
}

/// `--gtest_list_tests`: `Suite.` lines, each followed by indented test names (maybe with a
/// `# GetParam() = ...` comment); names become `Suite.Test`. Disabled tests (a suite or test
/// name starting with `DISABLED_`) are left out: `--gtest_filter` would not run them.
fn gtest_names(stdout: &[u8]) -> Vec<OsString> {
    let text = String::from_utf8_lossy(stdout);
    let mut names = Vec::new();
    let mut suite = String::new();
    for line in text.lines() {
        let bare = line.split('#').next().unwrap_or("").trim_end();
        if bare.trim().is_empty() {
            continue;
        }
        if !bare.starts_with(' ') {
            suite = bare.trim().to_string();
        } else if !suite.is_empty() {
            let name = format!("{suite}{}", bare.trim());
            let disabled = name
                .split(['.', '/'])
                .any(|part| part.starts_with("DISABLED_"));
            if !disabled {
                names.push(OsString::from(name));
            }
        }
    }
    names
}

/// `rspec --dry-run --format json`: the example ids, in the order listed, without rspec's
/// leading `./` (`spec/a_spec.rb[1:2]`). The JSON follows whatever the spec files printed
/// while loading.
fn rspec_names(stdout: &[u8]) -> Result<Vec<OsString>, String> {
    Ok(rspec_examples(stdout)?
        .into_iter()
        .map(|(id, _)| OsString::from(id))
        .collect())
}

/// The JSON rspec's JSON formatter printed, among whatever else the run printed.
fn rspec_json(stdout: &[u8]) -> Result<serde_json::Value, String> {
    let start = stdout
        .windows(10)
        .position(|w| w == br#"{"version""#)
        .ok_or("no JSON from rspec's JSON formatter in its output")?;
    serde_json::Deserializer::from_slice(&stdout[start..])
        .into_iter::<serde_json::Value>()
        .next()
        .ok_or("no JSON in rspec's output")?
        .map_err(|e| e.to_string())
}

/// `jest --listTests --json`: a JSON array of absolute paths (on stdout, what a configuration
/// printed while it loaded may come first: the array is the first line that parses as one),
/// named relative to the suite folder (any of `dirs`, the names it goes by); a path elsewhere
/// stays absolute. jest lists them in no fixed order, so they are sorted: the suite's usual
/// order is the same every time.
fn jest_names(listed: &[u8], dirs: &[&std::path::Path]) -> Result<Vec<OsString>, String> {
    let line_starts = std::iter::once(0).chain(
        listed
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .map(|(at, _)| at + 1),
    );
    let paths: Vec<String> = line_starts
        .filter(|&at| listed[at..].starts_with(b"["))
        .find_map(|at| {
            serde_json::Deserializer::from_slice(&listed[at..])
                .into_iter::<Vec<String>>()
                .next()?
                .ok()
        })
        .ok_or("no JSON list of test files")?;
    let mut names: Vec<OsString> = paths
        .iter()
        .map(|path| {
            let path = std::path::Path::new(path);
            let relative = dirs.iter().find_map(|dir| path.strip_prefix(dir).ok());
            relative.unwrap_or(path).as_os_str().to_owned()
        })
        .collect();
    names.sort();
    Ok(names)
}

/// A test binary cargo built, from `--message-format=json`.
#[derive(Debug, PartialEq, Eq)]
struct TestBinary {
    target: String,
    kind: String,
    executable: String,
}

/// The test binaries in `cargo test --no-run --message-format=json` output.
fn cargo_binaries(stdout: &[u8]) -> Vec<TestBinary> {
    lines(stdout)
        .filter_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["profile"]["test"] == true)
        .filter_map(|m| {
            Some(TestBinary {
                target: m["target"]["name"].as_str()?.to_string(),
                kind: m["target"]["kind"][0]
                    .as_str()
                    .unwrap_or("test")
                    .to_string(),
                executable: m["executable"].as_str()?.to_string(),
            })
        })
        .collect()
}

/// `<binary> --list --format terse`: `name: test` lines (benchmarks are left out).
fn libtest_names(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// The cargo preset: build the test binaries, list each one's tests. A test is named
/// `target::path` (`target(kind)::path` when a lib and a bin share a name), and its run script
/// gets the binary and the path as `$2` and `$3`.
fn cargo_tests(listing: &Listing, program: &str) -> anyhow::Result<Vec<(OsString, Vec<OsString>)>> {
    let command = format!("{program} test --no-run --message-format=json");
    // Listing each binary then keeps the timeout.
    let binaries = cargo_binaries(&listing.building().output(&command)?);
    let mut named = Vec::new();
    for binary in &binaries {
        let listed = listing.run(&[&binary.executable, "--list", "--format", "terse"])?;
        if listed.outcome == Outcome::Timeout {
            let what = format!("the test binary '{}' listing its tests", binary.executable);
            return Err(listing.too_slow(&what).into());
        }
        if listed.outcome != Outcome::Pass {
            return Err(ConfigError::new(format!(
                "the test binary '{}' failed to list its tests ({}): {}",
                binary.executable,
                listed.outcome,
                String::from_utf8_lossy(&listed.stderr).trim()
            ))
            .into());
        }
        let shared = binaries
            .iter()
            .filter(|b| b.target == binary.target)
            .count()
            > 1;
        let prefix = if shared {
            format!("{}({})", binary.target, binary.kind)
        } else {
            binary.target.clone()
        };
        for test in libtest_names(&listed.stdout) {
            named.push((
                OsString::from(format!("{prefix}::{test}")),
                vec![OsString::from(&binary.executable), OsString::from(test)],
            ));
        }
    }
    Ok(named)
}

fn glob_names(config: &Config, pattern: &str) -> anyhow::Result<Vec<OsString>> {
    // Checked alone first, so an error's position counts in the pattern the user wrote, not
    // in the suite folder's path prefixed to it.
    glob::Pattern::new(pattern)
        .map_err(|e| ConfigError::new(format!("invalid [suite] glob '{pattern}': {e}")))?;
    let full = config.dir.join(pattern);
    let full = full.to_string_lossy();
    let paths = glob::glob(&full)
        .map_err(|e| ConfigError::new(format!("invalid glob '{pattern}': {e}")))?;
    let mut names = Vec::new();
    for path in paths {
        let path = path?;
        if path.is_dir() {
            continue;
        }
        let relative = path.strip_prefix(&config.dir).unwrap_or(&path);
        names.push(relative.as_os_str().to_owned());
    }
    names.sort();
    Ok(names)
}

/// The tests to run: all of `suite` in its order, or the `wanted` names in their order (a name
/// may repeat). An unknown name is an error naming the closest known one.
pub fn select(suite: &TestNames, wanted: &[OsString]) -> Result<Vec<TestId>, ConfigError> {
    if wanted.is_empty() {
        return Ok((0..suite.len()).collect());
    }
    wanted
        .iter()
        .map(|name| suite.find(name).ok_or_else(|| unknown_test(suite, name)))
        .collect()
}

/// Refuse a selection that names a test twice when the batch runner runs each test once per
/// invocation however often it is named (pytest, prove): it would report fewer results than
/// asked, and smoke would stop halfway with a misleading error.
pub fn refuse_repeats(
    suite: &TestNames,
    selection: &[TestId],
    runner: &str,
) -> Result<(), ConfigError> {
    let mut seen = std::collections::HashSet::new();
    match selection.iter().find(|&&t| !seen.insert(t)) {
        None => Ok(()),
        Some(&t) => Err(ConfigError::new(format!(
            "'{}' is named twice on the command line, but {runner} runs each test once per \
             invocation however often it is named, so batch mode cannot repeat it: name it \
             once, or use per-test mode (--mode per-test), where each run is a process of its \
             own",
            suite.shown(t)
        ))),
    }
}

fn unknown_test(suite: &TestNames, name: &OsStr) -> ConfigError {
    let name = name.to_string_lossy();
    let closest = suite
        .all_shown()
        .iter()
        .map(|known| (strsim::normalized_levenshtein(known, &name), known))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match closest {
        Some((score, known)) if score > 0.4 => format!("did you mean '{known}'?"),
        _ => format!("the suite has {} tests", suite.len()),
    };
    ConfigError::new(format!(
        "unknown test '{name}' on the command line ({hint})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn suite(list: &[&str]) -> TestNames {
        TestNames::new(names(list))
    }

    #[test]
    fn a_pytest_collection_is_clean_only_without_an_error_anywhere() {
        assert!(collected_cleanly(
            b"t.py::a\nt.py::b\n\n2 tests collected in 0.01s\n"
        ));
        assert!(!collected_cleanly(
            b"t.py::a\n\n_ ERROR collecting t_bad.py _\nE SyntaxError\n!!! Interrupted: 1 error \
              during collection !!!\n1 test collected, 1 error in 0.2s\n"
        ));
        assert!(!collected_cleanly(
            b"t.py::a\n\n1 test collected, 1 error in 0.2s\n"
        ));
        assert!(
            !collected_cleanly(b"t.py::a\n"),
            "no summary: pytest did not finish"
        );
    }

    #[test]
    fn listings_of_the_presets_become_names() {
        let pytest = b"t/test_a.py::test_x\nt/test_a.py::test_y[a b]\n\n2 tests collected in 0.01s\n\n==== warnings summary ====\nt/test_a.py::test_x\n  DeprecationWarning\n";
        assert_eq!(
            pytest_names(pytest),
            names(&["t/test_a.py::test_x", "t/test_a.py::test_y[a b]"])
        );
        let go = br#"{
	"Dir": "/m/a",
	"ImportPath": "example.com/m/a",
	"TestGoFiles": ["a_test.go"]
}
{
	"Dir": "/m/cmd",
	"ImportPath": "example.com/m/cmd",
	"GoFiles": ["main.go"]
}
{
	"Dir": "/m/b dir",
	"ImportPath": "example.com/m/b",
	"XTestGoFiles": ["b_test.go"]
}
"#;
        let package = |import_path: &str, dir: &str| GoPackage {
            import_path: import_path.into(),
            dir: dir.into(),
        };
        assert_eq!(
            go_packages(go).expect("valid"),
            [
                package("example.com/m/a", "/m/a"),
                package("example.com/m/b", "/m/b dir")
            ]
        );
        assert!(go_packages(b"go: no modules\n").is_err());
        assert_eq!(
            go_test_names(
                "setting up\nTestA\nBenchmarkB\nExampleC\nFuzzD\nTest_\u{e9}\n\n".as_bytes()
            ),
            ["TestA", "ExampleC", "FuzzD", "Test_\u{e9}"]
        );
        let gtest = b"Running main() from gtest_main.cc\nCache.\n  Warm\n  DISABLED_Slow\n  Cold\nTyped/0.  # TypeParam = int\n  Fits  # GetParam() = 1\nDISABLED_Net.\n  Ping\nP/DISABLED_Q.\n  R/0\n";
        // The banner some gtest_main builds print has no indented tests under it.
        assert_eq!(
            gtest_names(gtest),
            names(&["Cache.Warm", "Cache.Cold", "Typed/0.Fits"])
        );
        let cargo = br#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"app"},"profile":{"test":true},"executable":"/t/deps/app-1"}
{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"dep"},"profile":{"test":false},"executable":null}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            cargo_binaries(cargo),
            [TestBinary {
                target: "app".into(),
                kind: "lib".into(),
                executable: "/t/deps/app-1".into()
            }]
        );
        assert_eq!(
            libtest_names(b"tests::a: test\nbench_x: benchmark\ntests::b: test\n"),
            ["tests::a", "tests::b"]
        );
    }

    #[test]
    fn ctest_names_come_from_its_json_each_with_a_regex_that_selects_it_alone() {
        let json = br#"{"kind":"ctestInfo","version":{"major":1,"minor":0},"backtraceGraph":{},
            "tests":[{"name":"a.b","command":["/b/kv"]},{"name":"sum(1+1)"},{"name":"x"}]}"#;
        let listed = ctest_tests(json).expect("valid");
        let pairs: Vec<(&str, &str)> = listed
            .iter()
            .map(|(n, a)| (n.to_str().expect("utf-8"), a[0].to_str().expect("utf-8")))
            .collect();
        assert_eq!(
            pairs,
            [
                ("a.b", r"^a\.b$"),
                ("sum(1+1)", r"^sum\(1\+1\)$"),
                ("x", "^x$")
            ]
        );
        assert!(ctest_tests(b"No tests were found").is_err());
        assert_eq!(
            ctest_regex(r"[a]*? ^b$ | c\d {e}"),
            r"^\[a\]\*\? \^b\$ \| c\\d {e}$"
        );
    }

    #[test]
    fn rspec_and_jest_listings_become_names() {
        let rspec = br#"loading the app
{"version":"3.12.0","messages":["Run options: include {}"],"examples":[{"id":"./spec/a_spec.rb[1:1]","status":"passed"},{"id":"./spec/sub/b c_spec.rb[1:2:1]","status":"passed"}],"summary":{}}"#;
        assert_eq!(
            rspec_names(rspec).expect("JSON"),
            names(&["spec/a_spec.rb[1:1]", "spec/sub/b c_spec.rb[1:2:1]"])
        );
        let err = rspec_names(
            b"1 example, 0 failures
",
        )
        .expect_err("no JSON");
        assert!(err.contains("no JSON"), "{err}");
        let err = rspec_names(br#"{"version":"3.12.0","exam"#).expect_err("cut");
        assert!(err.contains("EOF"), "{err}");
        // What a jest.config.js printed while it loaded comes first, a path among it.
        let jest = br#"/p/jest.config.js: loaded
[jest-config] from /p
["/real/p/__tests__/a.test.js","/p/b.test.js","/elsewhere/c.test.js","/p/d\n[e].test.js"]"#;
        let (link, real) = (std::path::Path::new("/p"), std::path::Path::new("/real/p"));
        assert_eq!(
            jest_names(jest, &[link, real]).expect("JSON"),
            names(&[
                "/elsewhere/c.test.js",
                "__tests__/a.test.js",
                "b.test.js",
                "d\n[e].test.js"
            ])
        );
        assert_eq!(jest_names(b"[]", &[link]).expect("JSON"), names(&[]));
        let err = jest_names(b"/p/a.test.js\n", &[link]).expect_err("no JSON");
        assert!(err.contains("no JSON list"), "{err}");
    }

    #[test]
    fn the_pytest_plugin_s_list_is_read_only_when_it_was_written_whole() {
        let written =
            b"\"t.py::a\"\n\"t.py::b[x\\ny \\\"q\\\"]\"\n{\"collected\": 2, \"errors\": 0}\n";
        assert_eq!(
            pytest_list(written).expect("valid"),
            Some(PytestList {
                ids: names(&["t.py::a", "t.py::b[x\ny \"q\"]"]),
                errors: 0
            })
        );
        let errors = b"\"t.py::a\"\n{\"collected\": 1, \"errors\": 2}\n";
        assert_eq!(
            pytest_list(errors).expect("valid").map(|l| l.errors),
            Some(2)
        );
        assert_eq!(
            pytest_list(b"\"t.py::a\"\n").expect("valid"),
            None,
            "cut short"
        );
        assert_eq!(pytest_list(b"").expect("valid"), None);
        let err = pytest_list(b"\"t.py::a\"\n{\"collected\": 2, \"errors\": 0}\n")
            .expect_err("counts differ");
        assert!(err.contains("1 node ids for 2 collected"), "{err}");
        assert!(pytest_list(b"t.py::a\n").is_err());
        assert!(pytest_list(b"[1]\n").is_err());
    }

    #[test]
    fn an_empty_listing_says_what_ran_how_it_ended_and_the_end_of_what_it_printed() {
        let stdout: String = (1..=12).map(|i| format!("line {i}\n")).collect();
        let seen = Seen {
            shown: "pytest --collect-only -q (a note)".to_string(),
            outcome: Outcome::Fail { code: 5 },
            stdout: stdout.into_bytes(),
            stderr: b"\x1b[31mred\x1b[0m\r\n".to_vec(),
        };
        assert_eq!(
            what_it_printed(&seen),
            "\n  ran: pytest --collect-only -q (a note)\n  ended: exit status 5\n  stdout, its \
             last 10 of 12 lines:\n    line 3\n    line 4\n    line 5\n    line 6\n    line 7\n    \
             line 8\n    line 9\n    line 10\n    line 11\n    line 12\n  stderr:\n    \
             \\x1b[31mred\\x1b[0m"
        );
        let quiet = Seen {
            shown: "rspec\n--dry-run".to_string(),
            outcome: Outcome::Pass,
            stdout: b"\n\n".to_vec(),
            stderr: Vec::new(),
        };
        assert_eq!(
            what_it_printed(&quiet),
            "\n  ran: rspec\\n--dry-run\n  ended: exit status 0\n  stdout: nothing\n  stderr: \
             nothing"
        );
    }

    #[test]
    fn a_bad_glob_is_placed_in_the_pattern_as_written() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(["smoke"]).expect("valid");
        let toml = "[suite]\nglob = \"t/[z-a\"\nrun = \"sh {test}\"\n";
        let config = Config::from_parts(
            cli,
            std::path::Path::new("/a/long/suite/folder"),
            Some(("smoke.toml".into(), toml.into())),
            || 1,
        )
        .expect("valid config");
        let message = resolve(&config, None, &Interrupt::new(), &mut Vec::new())
            .expect_err("invalid glob")
            .to_string();
        assert!(
            message
                .starts_with("invalid [suite] glob 't/[z-a': Pattern syntax error near position 2"),
            "{message}"
        );
    }

    #[test]
    fn a_name_listed_twice_is_kept_once_and_named() {
        let (kept, twice) = dedupe(names(&["a", "b", "a", "c", "b", "a"]));
        assert_eq!(kept, names(&["a", "b", "c"]));
        assert_eq!(twice, names(&["a", "b"]));
    }

    #[test]
    fn no_names_selects_the_whole_suite_in_order() {
        assert_eq!(
            select(&suite(&["a", "b", "c"]), &[]).expect("ok"),
            [0, 1, 2]
        );
    }

    #[test]
    fn names_select_in_their_own_order_and_may_repeat() {
        let suite = suite(&["a", "b", "c"]);
        assert_eq!(
            select(&suite, &names(&["c", "a", "c"])).expect("ok"),
            [2, 0, 2]
        );
    }

    #[test]
    fn an_unknown_name_suggests_the_closest() {
        let suite = suite(&["t/polluter.sh", "t/victim.sh"]);
        let message = select(&suite, &names(&["t/victm.sh"]))
            .expect_err("unknown")
            .to_string();
        assert_eq!(
            message,
            "unknown test 't/victm.sh' on the command line (did you mean 't/victim.sh'?)"
        );
        let message = select(&suite, &names(&["zzz"]))
            .expect_err("unknown")
            .to_string();
        assert!(message.contains("the suite has 2 tests"), "{message}");
    }
}
