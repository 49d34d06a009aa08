//! The suite's test names: resolving `tests` / `list` / `glob` and the presets' listings (the
//! commands and the glob are I/O, at the edge; turning their output into names is pure and
//! tested on captured output), and selecting the tests named on the command line (pure).
//!
//! Listing commands run under `timeout` when one is set (else [`LIST_TIMEOUT`]); the cargo and
//! go presets' listings, which compile the suite, get at least [`LIST_TIMEOUT`]. A signal that
//! kills one is [`Interrupted`], not a failed listing. This module must not print.

use crate::config::Config;
use crate::error::{ConfigError, Interrupted};
use crate::exec;
use crate::execution::TestSource;
use crate::interrupt::Interrupt;
use crate::model::{Outcome, TestId, TestNames};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::time::Duration;

/// The limit for each listing command when no `timeout` is set: listing may build the suite.
pub const LIST_TIMEOUT: Duration = Duration::from_secs(300);

/// The names of every test in the suite, in its usual order. Names from the `list` command and
/// the glob are kept byte for byte, whether or not they are UTF-8. A name listed twice is kept
/// once, with a sentence for `warnings`. A signal raised on `interrupt` while a listing command
/// runs stops it and ends in [`Interrupted`].
pub fn resolve(
    config: &Config,
    interrupt: &Interrupt,
    warnings: &mut Vec<String>,
) -> anyhow::Result<TestNames> {
    let listing = Listing {
        config,
        interrupt,
        timeout: config.timeout.unwrap_or(LIST_TIMEOUT),
    };
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
        TestSource::PytestCollect(command) => pytest_names(&listing.output(command)?),
        TestSource::Go(program) => {
            let command = format!("{program} test -list . ./...");
            go_names(&listing.building().output(&command)?)
        }
        TestSource::Gtest(program) => {
            let command = format!("{program} --gtest_list_tests");
            gtest_names(&listing.output(&command)?)
        }
        TestSource::Rspec(command) => rspec_names(&listing.output(command)?).map_err(|e| {
            ConfigError::new(format!(
                "cannot read the example ids '{command}' printed: {e}; run it to see what \
                 rspec says"
            ))
        })?,
        TestSource::Jest(command) => {
            let stdout = listing.output(command)?;
            // jest prints real paths; the suite folder may be named through a symbolic link.
            let real = std::fs::canonicalize(&config.dir).unwrap_or_else(|_| config.dir.clone());
            jest_names(&stdout, &[&config.dir, &real])
        }
        TestSource::Cargo(program) => {
            let named = cargo_tests(&listing, program)?;
            if !named.is_empty() {
                return Ok(TestNames::with_args(named));
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
            TestSource::Go(p) => format!("'{p} test -list . ./...' listed no tests"),
            TestSource::Gtest(p) => format!("'{p} --gtest_list_tests' listed no tests"),
            TestSource::Rspec(c) => format!("'{c}' listed no examples"),
            TestSource::Jest(c) => format!("'{c}' listed no test files"),
            TestSource::Cargo(p) => {
                format!("the test binaries '{p} test --no-run' built list no tests")
            }
        };
        return Err(ConfigError::new(format!("the suite is empty: {why}")).into());
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
    Ok(TestNames::new(names))
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
        TestSource::Go(p) => format!("'{p} test -list'"),
        TestSource::Gtest(p) => format!("'{p} --gtest_list_tests'"),
        TestSource::Rspec(c) | TestSource::Jest(c) => format!("'{c}'"),
        TestSource::Cargo(p) => format!("'{p} test'"),
    }
}

/// How listing commands run: in the suite folder with its environment, under one limit, and
/// stopped by a signal.
struct Listing<'a> {
    config: &'a Config,
    interrupt: &'a Interrupt,
    timeout: Duration,
}

impl Listing<'_> {
    /// For a command that compiles the suite (`cargo test --no-run`, `go test -list`): a
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
        let got = exec::capture(argv, &self.config.dir, &self.config.env, self.timeout)?;
        match self.interrupt.signal() {
            Some(signal) => Err(Interrupted { signal }.into()),
            None => Ok(got),
        }
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
        let got = self.run(&[exec::SHELL, "-c", command])?;
        if got.outcome == Outcome::Timeout {
            return Err(self
                .too_slow(&format!("the list command '{command}'"))
                .into());
        }
        if got.outcome != Outcome::Pass {
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
            return Err(ConfigError::new(format!(
                "the list command '{command}' failed ({}){}{tail}",
                got.outcome,
                match tail.lines().count() {
                    0 => "",
                    1 => ": ",
                    _ => ":\n",
                },
            ))
            .into());
        }
        Ok(got.stdout)
    }
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

/// `go test -list . ./...`: each package's test names, then `ok  <package> <time>`; names
/// become `package::Test`. Packages without tests print `?` lines, skipped.
fn go_names(stdout: &[u8]) -> Vec<OsString> {
    let mut names = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    let text = String::from_utf8_lossy(stdout);
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("ok") => {
                if let Some(package) = words.next() {
                    names.extend(
                        pending
                            .drain(..)
                            .map(|t| OsString::from(format!("{package}::{t}"))),
                    );
                }
                pending.clear();
            }
            Some("?") | None => {}
            Some(word) if words.next().is_none() => pending.push(word),
            Some(_) => {}
        }
    }
    names
}

/// `--gtest_list_tests`: `Suite.` lines, each followed by indented test names (maybe with a
/// `# GetParam() = ...` comment); names become `Suite.Test`.
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
            names.push(OsString::from(format!("{suite}{}", bare.trim())));
        }
    }
    names
}

/// `rspec --dry-run --format json`: the example ids, in the order listed, without rspec's
/// leading `./` (`spec/a_spec.rb[1:2]`). The JSON follows whatever the spec files printed
/// while loading.
fn rspec_names(stdout: &[u8]) -> Result<Vec<OsString>, String> {
    let start = stdout
        .windows(10)
        .position(|w| w == br#"{"version""#)
        .ok_or("no JSON from rspec's JSON formatter in its output")?;
    let value = serde_json::Deserializer::from_slice(&stdout[start..])
        .into_iter::<serde_json::Value>()
        .next()
        .ok_or("no JSON in rspec's output")?
        .map_err(|e| e.to_string())?;
    let examples = value["examples"]
        .as_array()
        .ok_or("rspec's JSON has no \"examples\"")?;
    Ok(examples
        .iter()
        .filter_map(|e| e["id"].as_str())
        .map(|id| OsString::from(id.strip_prefix("./").unwrap_or(id)))
        .collect())
}

/// `jest --listTests`: one absolute path per line, named relative to the suite folder (any of
/// `dirs`, the names it goes by); a path elsewhere stays absolute. jest lists them in no fixed
/// order, so they are sorted: the suite's usual order is the same every time.
fn jest_names(stdout: &[u8], dirs: &[&std::path::Path]) -> Vec<OsString> {
    let mut names: Vec<OsString> = lines(stdout)
        .filter(|line| line.starts_with(b"/"))
        .map(|line| {
            let path = std::path::Path::new(OsStr::from_bytes(line));
            let relative = dirs.iter().find_map(|dir| path.strip_prefix(dir).ok());
            relative.unwrap_or(path).as_os_str().to_owned()
        })
        .collect();
    names.sort();
    names
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
    fn listings_of_the_presets_become_names() {
        let pytest = b"t/test_a.py::test_x\nt/test_a.py::test_y[a b]\n\n2 tests collected in 0.01s\n\n==== warnings summary ====\nt/test_a.py::test_x\n  DeprecationWarning\n";
        assert_eq!(
            pytest_names(pytest),
            names(&["t/test_a.py::test_x", "t/test_a.py::test_y[a b]"])
        );
        let go = b"TestA\nTestB\nok  \texample.com/m/a\t0.01s\n?   \texample.com/m/cmd\t[no test files]\nTestC\nok  \texample.com/m/b\t(cached)\n";
        assert_eq!(
            go_names(go),
            names(&[
                "example.com/m/a::TestA",
                "example.com/m/a::TestB",
                "example.com/m/b::TestC"
            ])
        );
        let gtest = b"Running main() from gtest_main.cc\nCache.\n  Warm\n  Cold\nTyped/0.  # TypeParam = int\n  Fits  # GetParam() = 1\n";
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
        let jest = b"/real/p/__tests__/a.test.js
/p/b.test.js
/elsewhere/c.test.js

";
        let (link, real) = (std::path::Path::new("/p"), std::path::Path::new("/real/p"));
        assert_eq!(
            jest_names(jest, &[link, real]),
            names(&["/elsewhere/c.test.js", "__tests__/a.test.js", "b.test.js"])
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
        let message = resolve(&config, &Interrupt::new(), &mut Vec::new())
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
