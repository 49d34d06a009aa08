//! Plain data: where a suite's test names come from ([`TestSource`]) and how its tests run
//! ([`Execution`]: one command per test from a [`RunTemplate`], or one per sequence from a
//! [`BatchTemplate`]; [`RunMode`] names the two).
//!
//! `config` builds these from the flags, `smoke.toml` and a `preset`'s defaults; `suite` lists
//! the names and `runner` runs the tests from them. They live apart from `config` so that
//! `cli` and `preset` can name them without reading `config` back: dependencies point one way,
//! flags → config. No I/O here.

use crate::batch::Format;
use serde::Deserialize;

/// Where the test names come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestSource {
    /// `[suite] tests`.
    Listed(Vec<String>),
    /// `[suite] list`: a shell command whose stdout lines are the names.
    ListCommand(String),
    /// `[suite] glob`: files matching a pattern, relative to the suite folder, sorted.
    Glob(String),
    /// No config file: the names given on the command line are the suite.
    CommandLine,
    /// The pytest preset: node ids from this `--collect-only -q` command, as smoke's pytest
    /// plugin writes them to a private file (or, from a pytest that did not load it, up to the
    /// first blank line of its console).
    PytestCollect(String),
    /// The cargo preset: the tests of every test binary `PROGRAM test --no-run` builds.
    Cargo(String),
    /// The go preset: `PROGRAM list -json ./...`, then each package's test binary built with
    /// `PROGRAM test -c` into a private folder and listed; names as `package::Test`.
    Go(String),
    /// The gtest preset: `PROGRAM --gtest_list_tests`, names as `Suite.Test`.
    Gtest(String),
    /// The ctest preset: `PROGRAM --show-only=json-v1`, names as ctest has them.
    Ctest(String),
    /// The rspec preset: example ids from this `--dry-run --format json` command's JSON, which
    /// goes to a private file (`--out`).
    Rspec(String),
    /// The jest preset: test files from this `--listTests` command (with `--json
    /// --outputFile` to a private file), relative to the suite folder.
    Jest(String),
}

/// How the tests run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Execution {
    /// One command per test (`run`).
    PerTest(RunTemplate),
    /// One command per sequence (`batch`), its results read from the runner's output.
    Batch(BatchTemplate),
}

impl Execution {
    /// Which mode this is.
    pub fn mode(&self) -> RunMode {
        match self {
            Execution::PerTest(_) => RunMode::PerTest,
            Execution::Batch(_) => RunMode::Batch,
        }
    }

    /// The template as the user (or the preset) wrote it.
    pub fn template(&self) -> &str {
        match self {
            Execution::PerTest(run) => &run.template,
            Execution::Batch(batch) => &batch.template,
        }
    }
}

/// The `batch` template, the script it becomes (see `shell::batch_script`) and the format of
/// the runner's results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchTemplate {
    /// As the user (or the preset) wrote it.
    pub template: String,
    /// Shell text that reads the names from `"$@"` and the JUnit path from `$SMOKE_JUNIT`.
    pub script: String,
    /// Where the results are read from.
    pub format: Format,
}

impl BatchTemplate {
    /// Whether the names go on the command line (`{tests}`), where smoke can also put options
    /// for the runner before them.
    pub fn takes_names(&self) -> bool {
        self.template.contains(crate::shell::TESTS_PLACEHOLDER)
    }

    /// Whether the names go in a file, one per line (`{tests-file}`).
    pub fn takes_tests_file(&self) -> bool {
        self.template.contains(crate::shell::TESTS_FILE_PLACEHOLDER)
    }

    /// Whether the command loads smoke's helper `file` (`-r "$SMOKE_HELPERS/rspec_order.rb"`,
    /// `--reporters="$SMOKE_HELPERS/jest_reporter.js"`, as the presets' do).
    pub fn loads_helper(&self, file: &str) -> bool {
        self.template.contains(file)
    }

    /// Whether the runner reads that file as its arguments (pytest's `@{tests-file}`), so
    /// options for it can go in the file too.
    pub fn reads_args_file(&self) -> bool {
        self.template
            .contains(&format!("@{}", crate::shell::TESTS_FILE_PLACEHOLDER))
    }
}

/// `[suite] mode` / `--mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum RunMode {
    /// Each test in a process of its own (`run`).
    PerTest,
    /// Each sequence in one invocation of the runner (`batch`).
    Batch,
}

impl std::fmt::Display for RunMode {
    /// As `--mode` and the report spell it: `per-test`, `batch`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RunMode::PerTest => "per-test",
            RunMode::Batch => "batch",
        })
    }
}

/// The `run` template and the script it becomes (see `shell::test_script`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunTemplate {
    /// As the user wrote it.
    pub template: String,
    /// Shell text that reads the test name from `$1`.
    pub script: String,
}

/// Where each sequence's commands run: `[suite] workdir` / `--workdir`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Workdir {
    /// The suite folder (the config file's, or the current one).
    #[default]
    Suite,
    /// A new empty temporary folder per sequence, removed afterwards (`SMOKE_WORKDIR`); the
    /// suite folder is `SMOKE_SUITE_DIR`.
    Fresh,
}

/// A batch runner that smoke can fork sequences from, after it has loaded the suite once (see
/// `exec::forkserver`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForkRunner {
    Pytest,
    Rspec,
}

impl std::fmt::Display for ForkRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ForkRunner::Pytest => "pytest",
            ForkRunner::Rspec => "rspec",
        })
    }
}
