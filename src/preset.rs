//! Pure: what each `preset` fills in (how to list the tests, run one, run a batch) for the test
//! runners people already have, so that `smoke --preset pytest` works in a plain project. Keys
//! the user sets explicitly override a preset's; `config` does the merging, `suite` the listing.

use crate::batch::Format;
use crate::execution::{RunTemplate, TestSource};
use serde::Deserialize;

/// A known test runner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Python's pytest: node ids from `--collect-only -q`, written to a file by smoke's plugin;
    /// batch mode with JUnit XML.
    Pytest,
    /// Perl's prove: `t/**/*.t`, each run by `perl -Ilib`; batch mode with prove's TAP (and
    /// `--norc -j1`, so no `.proverc` or `HARNESS_OPTIONS` reorders or parallelises it).
    Prove,
    /// Rust's cargo: every test of every test binary, each run alone by its binary.
    Cargo,
    /// Go: each package's test binary built once (`go test -c`), listed with `-test.list`,
    /// each test run by that binary with `-test.run '^Name$'` in the package folder.
    Go,
    /// GoogleTest: a test binary's `--gtest_list_tests`, each run with `--gtest_filter`.
    Gtest,
    /// CMake's ctest: `--show-only=json-v1`, each test run with `-R '^name$'` (the name
    /// regex-escaped) from the build folder.
    Ctest,
    /// Ruby's rspec: example ids from `--dry-run --format json`; batch mode runs them in the
    /// order asked through smoke's helper, with JSON results.
    Rspec,
    /// JavaScript's jest: test files from `--listTests` (jest cannot reorder the tests inside
    /// a file); batch mode runs them in band, in the order asked, through smoke's sequencer.
    Jest,
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Preset::Pytest => "pytest",
            Preset::Prove => "prove",
            Preset::Cargo => "cargo",
            Preset::Go => "go",
            Preset::Gtest => "gtest",
            Preset::Ctest => "ctest",
            Preset::Rspec => "rspec",
            Preset::Jest => "jest",
        })
    }
}

/// A batch command template and the format of its results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchDefault {
    pub template: String,
    pub format: Format,
}

/// What a preset fills in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// Where the test names come from.
    pub source: TestSource,
    /// How to run one test.
    pub run: RunTemplate,
    /// How to run a sequence in one invocation, if the runner keeps the order it is given.
    pub batch: Option<BatchDefault>,
    /// Whether batch mode is the default (state that leaks inside one process is the point).
    pub batch_by_default: bool,
}

/// Options every jest command gets: `--ci` (no snapshot is written), `--runInBand` (every file
/// in one process, one after the other).
pub const JEST_OPTIONS: &str = "--ci --runInBand";

/// Options every pytest command gets: no plugin may reorder the tests (pytest-randomly,
/// pytest-random-order), and no cache may make a run depend on the one before.
pub const PYTEST_OPTIONS: &str = "-p no:randomly -p no:random_order -p no:cacheprovider";

impl Preset {
    /// The program each preset calls unless `program` says otherwise; gtest has none.
    pub fn default_program(self) -> Option<&'static str> {
        match self {
            Preset::Pytest => Some("pytest"),
            Preset::Prove => Some("prove"),
            Preset::Cargo => Some("cargo"),
            Preset::Go => Some("go"),
            Preset::Gtest => None,
            Preset::Ctest => Some("ctest"),
            Preset::Rspec => Some("rspec"),
            // jest is a project's own dependency: npx finds it in node_modules/.bin, and
            // `--no` keeps npx from downloading one when it is missing, and `--` keeps it from
            // taking jest's options as its own.
            Preset::Jest => Some("npx --no -- jest"),
        }
    }

    /// What the preset fills in, with `program` (shell words, as the user wrote them) as the
    /// runner to call.
    pub fn defaults(self, program: &str) -> Defaults {
        let run = |template: String, script: String| RunTemplate { template, script };
        match self {
            Preset::Pytest => Defaults {
                source: TestSource::PytestCollect(format!(
                    "{program} --collect-only -q {PYTEST_OPTIONS}"
                )),
                run: run(
                    format!("{program} {PYTEST_OPTIONS} {{test}}"),
                    format!(r#"exec {program} {PYTEST_OPTIONS} "$1""#),
                ),
                batch: Some(BatchDefault {
                    template: format!(
                        "{program} {PYTEST_OPTIONS} -q --junitxml={{junit}} {{tests}}"
                    ),
                    format: Format::Junit,
                }),
                batch_by_default: true,
            },
            Preset::Prove => Defaults {
                source: TestSource::Glob("t/**/*.t".to_string()),
                run: run(
                    "perl -Ilib {test}".to_string(),
                    r#"exec perl -Ilib "$1""#.to_string(),
                ),
                // `--norc`: a project's .proverc (`--shuffle`, `-j4`, `--state=...`) would
                // reorder or parallelise the sequence; `-j1`: so would HARNESS_OPTIONS=j4.
                batch: Some(BatchDefault {
                    template: format!("{program} --norc -j1 -v --merge -Ilib {{tests}}"),
                    format: Format::Tap,
                }),
                batch_by_default: false,
            },
            Preset::Cargo => Defaults {
                source: TestSource::Cargo(program.to_string()),
                run: run(
                    "<test binary> --exact <test> --test-threads=1".to_string(),
                    r#"exec "$2" --exact "$3" --test-threads=1"#.to_string(),
                ),
                batch: None,
                batch_by_default: false,
            },
            // Each package's test binary is built once while listing (`go test` would re-link
            // and re-check the package for every test): `$2` is the binary, `$3` the package
            // folder (where `go test` runs it too), `$4` the test's name (a Go identifier).
            Preset::Go => Defaults {
                source: TestSource::Go(program.to_string()),
                run: run(
                    "<package test binary> -test.paniconexit0 -test.run '^<Test>$' (in the \
                     package folder)"
                        .to_string(),
                    r#"cd "$3" && exec "$2" -test.paniconexit0 -test.run "^$4\$""#.to_string(),
                ),
                batch: None,
                batch_by_default: false,
            },
            Preset::Gtest => Defaults {
                source: TestSource::Gtest(program.to_string()),
                run: run(
                    format!("{program} --gtest_filter={{test}}"),
                    format!(r#"exec {program} --gtest_filter="$1""#),
                ),
                batch: None,
                batch_by_default: false,
            },
            // `$2` is the name as a regex that matches it alone (see `suite::ctest_regex`).
            Preset::Ctest => Defaults {
                source: TestSource::Ctest(program.to_string()),
                run: run(
                    format!("{program} --output-on-failure --no-tests=error -R '^<name>$'"),
                    format!(r#"exec {program} --output-on-failure --no-tests=error -R "$2""#),
                ),
                batch: None,
                batch_by_default: false,
            },
            Preset::Rspec => Defaults {
                source: TestSource::Rspec(format!(
                    "{program} --dry-run --order defined --format json"
                )),
                run: run(
                    format!("{program} {{test}}"),
                    format!(r#"exec {program} "$1""#),
                ),
                batch: Some(BatchDefault {
                    template: format!(
                        r#"{program} -r "${HELPERS}/{}" --format progress --format json --out {{json}} {{tests}}"#,
                        crate::helpers::RSPEC_ORDER,
                        HELPERS = crate::shell::HELPERS_VAR,
                    ),
                    format: Format::Json,
                }),
                batch_by_default: true,
            },
            Preset::Jest => Defaults {
                source: TestSource::Jest(format!("{program} --listTests")),
                run: run(
                    format!("{program} {JEST_OPTIONS} --runTestsByPath -- {{test}}"),
                    format!(r#"exec {program} {JEST_OPTIONS} --runTestsByPath -- "$1""#),
                ),
                batch: Some(BatchDefault {
                    template: format!(
                        r#"{program} {JEST_OPTIONS} --testSequencer="${HELPERS}/{}" --reporters=default --reporters="${HELPERS}/{}" --json --outputFile={{json}} --runTestsByPath -- {{tests}}"#,
                        crate::helpers::JEST_SEQUENCER,
                        crate::helpers::JEST_REPORTER,
                        HELPERS = crate::shell::HELPERS_VAR,
                    ),
                    format: Format::Json,
                }),
                batch_by_default: true,
            },
        }
    }

    /// Every preset's name, for messages: `pytest, prove, ...`.
    pub fn all_names() -> String {
        use clap::ValueEnum;
        let names: Vec<String> = Preset::value_variants()
            .iter()
            .map(ToString::to_string)
            .collect();
        names.join(", ")
    }

    /// Why batch mode is not offered, for the error when it is asked for.
    pub fn no_batch_reason(self) -> &'static str {
        match self {
            Preset::Cargo => {
                "the test harness runs the tests it is given in its own (sorted) order, not in \
                 the order asked"
            }
            Preset::Go => {
                "a Go test binary runs the tests of a package in source order (or shuffled, \
                 with -test.shuffle), and no flag makes it run them in the order asked"
            }
            Preset::Gtest => {
                "gtest ignores the order of the names in --gtest_filter and runs them in \
                 registration order"
            }
            Preset::Ctest => {
                "ctest runs the tests a regex selects in its own order (by dependencies and \
                 recorded costs), not in the order asked, and each in a process of its own \
                 anyway"
            }
            Preset::Pytest | Preset::Prove | Preset::Rspec | Preset::Jest => "",
        }
    }

    /// The runner option that keeps the order, for the error when a batch runner reorders.
    pub fn order_hint(self) -> &'static str {
        match self {
            Preset::Pytest => {
                "keep pytest's order with `-p no:randomly -p no:random_order` in the batch \
                 command (a plugin such as pytest-randomly or pytest-random-order shuffles \
                 tests) and check conftest.py for a pytest_collection_modifyitems hook"
            }
            Preset::Prove => {
                "do not pass --shuffle (-s), --state or -j to prove (the preset's batch command \
                 passes --norc, which leaves .proverc out, and -j1)"
            }
            Preset::Rspec => {
                "keep `-r \"$SMOKE_HELPERS/rspec_order.rb\"` in the batch command (smoke's helper \
                 runs the example ids in the order given; rspec alone runs a group's examples \
                 together) and name examples by their ids (spec/a_spec.rb[1:1])"
            }
            Preset::Jest => {
                "keep `--runInBand --testSequencer=\"$SMOKE_HELPERS/jest_sequencer.js\" \
                 --runTestsByPath --` in the batch command (jest's own sequencer reorders \
                 files by past failures and duration) and do not pass --shard or --onlyChanged"
            }
            Preset::Cargo | Preset::Go | Preset::Gtest | Preset::Ctest => "",
        }
    }
}
