//! Pure: a console log as evidence. The log is cleaned first (ANSI escapes, `\r` progress
//! overwrites, GitHub Actions and GitLab timestamp prefixes), then read line by line for what
//! test runners print: the tests in the order they ran (pytest -v, GoogleTest, go test -v, TAP,
//! prove, jest), the ones that failed, failures named without a position (pytest's short
//! summary, rspec's "Failed examples"), and the seed line of a runner that shuffled. Each
//! pattern is anchored and specific, so prose is not taken for test names. It must not read
//! files or guess at names it does not recognise (the plain names list is `mod.rs`'s).

use super::{Ran, Seed, SeedRunner, push_ran};
use regex::{Captures, Regex};
use std::collections::HashMap;
use std::sync::LazyLock;

/// What a log holds, when it holds anything smoke knows.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Parsed {
    pub ran: Vec<Ran>,
    pub failed_elsewhere: Vec<String>,
    pub seed: Option<Seed>,
    /// The formats recognised, in the order they first appeared.
    pub formats: Vec<&'static str>,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid pattern")
}

// Cleaning.
static ANSI: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"\x1b\[[0-?]*[ -/]*[@-~]", // CSI: colours, cursor moves, erase line
        r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?", // OSC: titles, hyperlinks
        r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?", // DCS, SOS, PM, APC strings
        r"|\x1b[()*+][0-9A-Za-z]",  // character set selection
        r"|\x1b[@-_=>78]",          // other two-byte escapes
    ))
});
static STAMP: LazyLock<Regex> = LazyLock::new(|| {
    // GitHub Actions: `2024-05-01T10:00:00.1234567Z `; GitLab's FF_TIMESTAMPS adds a stream
    // marker after it (`00O `, `01E+`).
    re(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) (?:[0-9a-fA-F]{2}[OE]\+? ?)?",
    )
});

// Seeds.
static SEEDS: LazyLock<[(SeedRunner, Regex); 6]> = LazyLock::new(|| {
    [
        (
            SeedRunner::PytestRandomly,
            re(r"^Using --randomly-seed=(\d+)\s*$"),
        ),
        (SeedRunner::Rspec, re(r"^Randomized with seed (\d+)\s*$")),
        (SeedRunner::Jest, re(r"^Seed:\s+(-?\d+)\s*$")),
        (SeedRunner::Go, re(r"^-test\.shuffle (\d+)\s*$")),
        (
            SeedRunner::Gtest,
            re(r"^Note: Randomizing tests' orders with a seed of (\d+) \.\s*$"),
        ),
        (SeedRunner::Phpunit, re(r"^Random [Ss]eed:\s+(\d+)\s*$")),
    ]
});

// pytest.
const STATUS: &str = "PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS";
static PYTEST_V: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(\S+::\S.*?) ({STATUS})(?: \(.*\))?(?:\s+\[\s*\d+%\])?\s*$"
    ))
});
static XDIST: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^\[gw\d+\] (?:\[\s*\d+%\] )?({STATUS}) (\S+::\S.*?)\s*$"
    ))
});
static PYTEST_SUMMARY: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:FAILED|ERROR) (\S+::.*?)(?: - .*)?\s*$"));

// GoogleTest.
static GTEST_RUN: LazyLock<Regex> = LazyLock::new(|| re(r"^\[\s*RUN\s*\]\s+(\S+)\s*$"));
static GTEST_FAILED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\[\s*FAILED\s*\]\s+([\w/]+\.[\w/]+)(?:,.*|\s+\(.*\))?\s*$"));

// go test.
static GO_RUN: LazyLock<Regex> = LazyLock::new(|| re(r"^=== RUN\s+(\S+)\s*$"));
static GO_FAIL: LazyLock<Regex> = LazyLock::new(|| re(r"^--- FAIL: (\S+) \("));
static GO_PACKAGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:ok|FAIL)\s+(\S+)\s+(?:\d+(?:\.\d+)?s|\(cached\))(?:\s.*)?$"));

// TAP and prove.
static TAP_PLAN: LazyLock<Regex> = LazyLock::new(|| re(r"^1\.\.\d+(?:\s*#.*)?\s*$"));
static TAP_VERSION: LazyLock<Regex> = LazyLock::new(|| re(r"^TAP version \d+\s*$"));
static TAP_POINT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(not )?ok\s+\d+\b\s*(?:-\s*)?(.*?)\s*$"));
// `t/10-defaults.t .... ok`: a path, a run of dots, a status (perhaps after `--timer`'s time).
static PROVE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:\[\d\d:\d\d:\d\d\] )?(\S*[./]\S*) \.{2,}(?: (.*?))?\s*$"));
static PROVE_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:|ok\b.*|skipped:.*|Failed \d+/\d+ subtests.*|Dubious, test returned.*|No subtests run.*)$",
    )
});
static PROVE_FAILED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:Failed \d+/\d+ subtests|Dubious, test returned|No subtests run|Parse errors:)")
});
static PROVE_END: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:Result: (?:PASS|FAIL|NOTESTS)|All tests successful\.|Files=\d+, Tests=\d+)")
});
static PROVE_REPORT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(\S+)\s+\(Wstat: (\d+)\b.*\bFailed: (\d+)\)\s*$"));

// jest and rspec.
static JEST: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(PASS|FAIL)\s+(?:\S+\s+)?(\S+\.[A-Za-z]\w*)(?:\s+\(.*\))?\s*$"));
static RSPEC_FAILED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^rspec (\S+?(?::\d+|\[\d+(?::\d+)*\]))(?:\s+#.*)?\s*$"));

/// The lines of `text` as a terminal would have shown them: without ANSI escapes, with only
/// what the last `\r` left on each line, and without CI timestamp prefixes.
pub(super) fn clean(text: &str) -> Vec<String> {
    text.split('\n')
        .map(|line| {
            let line = ANSI.replace_all(line, "");
            let line = line.trim_end_matches('\r');
            let line = line.rsplit('\r').next().unwrap_or(line);
            STAMP.replace(line, "").trim_end().to_string()
        })
        .collect()
}

/// Which runner's line an entry came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Pytest,
    Gtest,
    Go,
    Tap,
    Prove,
    Jest,
}

/// A test as one line named it.
struct Entry {
    name: String,
    also: Vec<String>,
    failed: bool,
    source: Source,
    /// A go test whose package line has not come yet (its name is still bare).
    bare_go: bool,
}

/// The log read so far.
#[derive(Default)]
struct Scan {
    entries: Vec<Entry>,
    failed_elsewhere: Vec<String>,
    /// Seeds and the line each was on.
    seeds: Vec<(Seed, usize)>,
    /// The line where a test was first seen failing.
    first_failure: Option<usize>,
    /// Format labels and the line each first appeared on.
    formats: Vec<(&'static str, usize)>,
    /// Positions in `failed_elsewhere` of go tests named by `--- FAIL` alone, before their
    /// package line.
    go_failed_bare: Vec<usize>,
    /// The prove file whose verdict lines may still come.
    prove_open: Option<usize>,
    /// After prove's "Test Summary Report".
    prove_report: bool,
    /// A TAP plan or version line was seen.
    tap_confirmed: bool,
    /// TAP points seen, named or not.
    tap_points: usize,
    /// A prove line only prove prints was seen: a file with its verdict on the same line, or
    /// the closing `Result:`/`Files=` lines (a path followed by dots alone could be anything).
    prove_confirmed: bool,
}

/// Read a cleaned log. `None` when it has no seed line and no test smoke knows.
pub(super) fn parse(lines: &[String]) -> Option<Parsed> {
    let mut scan = Scan::default();
    for (at, line) in lines.iter().enumerate() {
        scan.line(at, line);
    }
    scan.finish()
}

impl Scan {
    fn format(&mut self, label: &'static str, at: usize) {
        if !self.formats.iter().any(|(l, _)| *l == label) {
            self.formats.push((label, at));
        }
    }

    fn failure(&mut self, at: usize) {
        self.first_failure.get_or_insert(at);
    }

    fn push(&mut self, source: Source, name: &str, failed: bool, at: usize) {
        if failed {
            self.failure(at);
        }
        self.entries.push(Entry {
            name: name.to_string(),
            also: Vec::new(),
            failed,
            source,
            bare_go: source == Source::Go,
        });
    }

    /// Mark the last entry of `source` named `name` failed; with none, the name is a failure
    /// without a position.
    fn mark(&mut self, source: Source, name: &str, at: usize) -> bool {
        self.failure(at);
        let entry =
            self.entries.iter_mut().rev().find(|e| {
                e.source == source && e.name == name && (source != Source::Go || e.bare_go)
            });
        match entry {
            Some(entry) => {
                entry.failed = true;
                true
            }
            None => {
                self.elsewhere(name);
                false
            }
        }
    }

    fn elsewhere(&mut self, name: &str) {
        if !self.failed_elsewhere.iter().any(|n| n == name) {
            self.failed_elsewhere.push(name.to_string());
        }
    }

    fn line(&mut self, at: usize, line: &str) {
        for (runner, pattern) in SEEDS.iter() {
            if let Some(c) = pattern.captures(line) {
                self.seeds.push((
                    Seed {
                        runner: *runner,
                        value: c[1].to_string(),
                    },
                    at,
                ));
                self.format(seed_label(*runner), at);
                return;
            }
        }
        let cap = |pattern: &Regex| pattern.captures(line);
        if let Some(c) = cap(&PYTEST_V) {
            self.format("pytest -v output", at);
            self.push(Source::Pytest, &c[1], failing(&c[2]), at);
        } else if let Some(c) = cap(&XDIST) {
            self.format("pytest -v output", at);
            self.push(Source::Pytest, &c[2], failing(&c[1]), at);
        } else if let Some(c) = cap(&PYTEST_SUMMARY) {
            self.format("pytest output", at);
            let name = c[1].to_string();
            self.elsewhere(&name);
            self.failure(at);
            for entry in &mut self.entries {
                if entry.source == Source::Pytest && entry.name == name {
                    entry.failed = true;
                }
            }
        } else if let Some(c) = cap(&GTEST_RUN) {
            self.format("GoogleTest output", at);
            self.push(Source::Gtest, &c[1], false, at);
        } else if let Some(c) = cap(&GTEST_FAILED) {
            self.format("GoogleTest output", at);
            self.mark(Source::Gtest, &c[1], at);
        } else if let Some(c) = cap(&GO_RUN) {
            if !c[1].contains('/') {
                self.format("go test -v output", at);
                self.push(Source::Go, &c[1], false, at);
            }
        } else if let Some(c) = cap(&GO_FAIL) {
            if !c[1].contains('/') {
                self.format("go test output", at);
                if !self.mark(Source::Go, &c[1], at) {
                    let position = self.failed_elsewhere.len() - 1;
                    self.go_failed_bare.push(position);
                }
            }
        } else if let Some(c) = cap(&GO_PACKAGE) {
            self.go_package(&c[1]);
        } else if let Some(c) = cap(&TAP_POINT) {
            self.tap_point(&c, at);
        } else if TAP_PLAN.is_match(line) || TAP_VERSION.is_match(line) {
            self.tap_confirmed = true;
        } else if let Some(c) = cap(&PROVE) {
            self.prove_file(&c, at);
        } else if let Some(c) = cap(&JEST) {
            self.format("jest output", at);
            self.push(Source::Jest, &c[2], &c[1] == "FAIL", at);
        } else if let Some(c) = cap(&RSPEC_FAILED) {
            self.format("rspec output", at);
            self.failure(at);
            let id = c[1].strip_prefix("./").unwrap_or(&c[1]).to_string();
            self.elsewhere(&id);
        } else {
            self.prove_line(line, at);
        }
    }

    /// A go package's result line: its tests since the last one get their package's name.
    fn go_package(&mut self, package: &str) {
        for entry in &mut self.entries {
            if entry.bare_go {
                entry.also = vec![entry.name.clone()];
                entry.name = format!("{package}::{}", entry.name);
                entry.bare_go = false;
            }
        }
        for position in std::mem::take(&mut self.go_failed_bare) {
            let bare = &self.failed_elsewhere[position];
            self.failed_elsewhere[position] = format!("{package}::{bare}");
        }
    }

    fn tap_point(&mut self, c: &Captures, at: usize) {
        let (description, directive) = split_directive(&c[2]);
        let todo = directive
            .trim_start()
            .get(..4)
            .is_some_and(|d| d.eq_ignore_ascii_case("todo"));
        let failed = c.get(1).is_some() && !todo;
        self.tap_points += 1;
        if description.is_empty() {
            // A point without a name cannot be a test smoke names; it still is TAP.
            return;
        }
        self.format("TAP", at);
        self.push(Source::Tap, &description, failed, at);
    }

    fn prove_file(&mut self, c: &Captures, at: usize) {
        let status = c.get(2).map_or("", |m| m.as_str());
        if !PROVE_STATUS.is_match(status) {
            return;
        }
        self.format("prove output", at);
        self.prove_confirmed |= !status.is_empty();
        self.push(Source::Prove, &c[1], PROVE_FAILED.is_match(status), at);
        self.prove_open = Some(self.entries.len() - 1);
        self.prove_report = false;
    }

    /// A line that may be the verdict of the open prove file, or its summary report.
    fn prove_line(&mut self, line: &str, at: usize) {
        if PROVE_END.is_match(line) {
            self.prove_confirmed = true;
        }
        if line == "Test Summary Report" {
            self.prove_open = None;
            self.prove_report = true;
        } else if self.prove_report
            && let Some(c) = PROVE_REPORT.captures(line)
        {
            if &c[2] != "0" || &c[3] != "0" {
                let name = c[1].to_string();
                self.mark(Source::Prove, &name, at);
            }
        } else if let Some(open) = self.prove_open
            && PROVE_FAILED.is_match(line)
        {
            self.failure(at);
            self.entries[open].failed = true;
        }
    }

    fn finish(mut self) -> Option<Parsed> {
        if !self.prove_confirmed {
            self.entries.retain(|e| e.source != Source::Prove);
            self.formats.retain(|(l, _)| *l != "prove output");
        }
        let prove = self.entries.iter().any(|e| e.source == Source::Prove);
        // prove -v prints each file's TAP under its name: the file is the test, not its points.
        // Plain TAP needs a plan or version line, or two points, to be more than a stray "ok 1".
        let tap = !prove && (self.tap_confirmed || self.tap_points >= 2);
        if !tap {
            self.entries.retain(|e| e.source != Source::Tap);
            self.formats.retain(|(l, _)| *l != "TAP");
        }
        let labels: Vec<&str> = self.formats.iter().map(|(l, _)| *l).collect();
        let mut formats: Vec<&'static str> = self.formats.iter().map(|(l, _)| *l).collect();
        for (plain, verbose) in [
            ("pytest output", "pytest -v output"),
            ("go test output", "go test -v output"),
        ] {
            if labels.contains(&verbose) {
                formats.retain(|l| *l != plain);
            }
        }

        let mut ran = Vec::new();
        let mut seen = HashMap::new();
        for entry in self.entries {
            push_ran(
                &mut ran,
                &mut seen,
                Ran {
                    name: entry.name,
                    also: entry.also,
                    failed: entry.failed,
                },
            );
        }
        // The seed of the shuffle the first failure happened in (go prints one per package,
        // GoogleTest one per repetition), else the first.
        let before_failure = self
            .first_failure
            .and_then(|f| self.seeds.iter().rev().find(|(_, at)| *at < f));
        let seed = before_failure
            .or(self.seeds.first())
            .map(|(seed, _)| seed.clone());

        if ran.is_empty() && self.failed_elsewhere.is_empty() && seed.is_none() {
            return None;
        }
        Some(Parsed {
            ran,
            failed_elsewhere: self.failed_elsewhere,
            seed,
            formats,
        })
    }
}

fn failing(status: &str) -> bool {
    status == "FAILED" || status == "ERROR"
}

fn seed_label(runner: SeedRunner) -> &'static str {
    match runner {
        SeedRunner::PytestRandomly => "pytest output",
        SeedRunner::Rspec => "rspec output",
        SeedRunner::Jest => "jest output",
        SeedRunner::Go => "go test output",
        SeedRunner::Gtest => "GoogleTest output",
        SeedRunner::Phpunit => "PHPUnit output",
    }
}

/// A TAP description and its directive (`# SKIP ...`, `# TODO ...`), split at the first `#`
/// not escaped as `\#`; the description unescaped.
fn split_directive(text: &str) -> (String, &str) {
    let bytes = text.as_bytes();
    let cut = (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1] != b'\\'));
    let (description, directive) = match cut {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    };
    (description.trim().replace("\\#", "#"), directive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Option<Parsed> {
        parse(&clean(text))
    }

    fn ran(p: &Parsed) -> Vec<(&str, bool)> {
        p.ran.iter().map(|r| (r.name.as_str(), r.failed)).collect()
    }

    #[test]
    fn clean_strips_escapes_overwrites_and_stamps() {
        let text = "\x1b[32mPASSED\x1b[0m\r\n\
                    collecting ... \rcollected 3 items\n\
                    \x1b]0;title\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\n\
                    2024-05-01T10:00:00.1234567Z ok 1 - a\n\
                    2024-05-01T10:00:00.123456Z 00O+=== RUN   TestA\n\
                    50%\r100%\r\n";
        assert_eq!(
            clean(text),
            [
                "PASSED",
                "collected 3 items",
                "link",
                "ok 1 - a",
                "=== RUN   TestA",
                "100%",
                ""
            ]
        );
    }

    #[test]
    fn tap_points_skip_todo_and_escapes() {
        let p = parsed(
            "TAP version 13\n1..4\nok 1 - first\nnot ok 2 second # TODO not yet\n\
             ok 3 - third # SKIP no db\nnot ok 4 - has \\# in it\n  ok 1 - a subtest\n# comment\n",
        )
        .expect("TAP");
        assert_eq!(
            ran(&p),
            [
                ("first", false),
                ("second", false),
                ("third", false),
                ("has # in it", true)
            ]
        );
        assert_eq!(p.formats, ["TAP"]);
        assert_eq!(
            parsed("ok 1 - alone\n"),
            None,
            "one point and no plan is not TAP"
        );
    }

    #[test]
    fn gtest_failed_lines_with_parameters_and_summary() {
        let p = parsed(
            "[ RUN      ] Sizes/T.Never/2\n\
             [  FAILED  ] Sizes/T.Never/2, where GetParam() = 5 (0 ms)\n\
             [  FAILED  ] 1 test, listed below:\n\
             [  FAILED  ] Sizes/T.Never/2, where GetParam() = 5\n\
             [  FAILED  ] Setup.NeverRan\n",
        )
        .expect("gtest");
        assert_eq!(ran(&p), [("Sizes/T.Never/2", true)]);
        assert_eq!(p.failed_elsewhere, ["Setup.NeverRan"]);
    }

    #[test]
    fn go_without_v_names_failures_with_their_package() {
        let p = parsed(
            "--- FAIL: TestNewCartIsEmpty (0.00s)\n    --- FAIL: TestNewCartIsEmpty/sub (0.00s)\n\
             FAIL\n\
             FAIL\texample.com/shop/cart\t0.018s\nok  \texample.com/shop/export\t(cached)\n",
        )
        .expect("go");
        assert!(p.ran.is_empty());
        assert_eq!(
            p.failed_elsewhere,
            ["example.com/shop/cart::TestNewCartIsEmpty"]
        );
        assert_eq!(p.formats, ["go test output"]);
    }

    #[test]
    fn go_without_package_lines_keeps_bare_names() {
        let p =
            parsed("=== RUN   TestA\n=== RUN   TestA/sub\n--- FAIL: TestA (0.00s)\n").expect("go");
        assert_eq!(ran(&p), [("TestA", true)]);
        assert!(p.ran[0].also.is_empty());
    }

    #[test]
    fn rspec_ids_and_phpunit_seeds() {
        let p = parsed(
            "Random Seed:   1234\n\nrspec ./spec/a_spec.rb[1:2:1] # A b\nrspec spec/b_spec.rb:7\n",
        )
        .expect("seed");
        assert_eq!(
            p.failed_elsewhere,
            ["spec/a_spec.rb[1:2:1]", "spec/b_spec.rb:7"]
        );
        assert_eq!(
            p.seed,
            Some(Seed {
                runner: SeedRunner::Phpunit,
                value: "1234".to_string()
            })
        );
        assert_eq!(p.formats, ["PHPUnit output", "rspec output"]);
        let p = parsed("PHPUnit 9.6.0\nRandom seed: 77\n").expect("seed");
        assert_eq!(p.seed.map(|s| s.value), Some("77".to_string()));
    }

    #[test]
    fn jest_lines_with_project_and_time() {
        let p = parsed(
            "PASS  backend  src/a.test.ts (5.2 s)\n FAIL  web/b.spec.jsx\nPASS the salt\n\
             FAIL\texample.com/x\t0.01s\n",
        )
        .expect("jest");
        assert_eq!(
            ran(&p),
            [("src/a.test.ts", false), ("web/b.spec.jsx", true)]
        );
    }

    #[test]
    fn prose_is_nothing() {
        let prose = "Building the shop...\nok, that worked - moving on\n\
                     FAILED to fetch the cache: retrying\nSeed: none\n\
                     README.md ..... updated\nPASS the salt\n";
        assert_eq!(parsed(prose), None);
    }

    #[test]
    fn pytest_skip_reasons_xfail_and_teardown_errors() {
        let p = parsed(
            "tests/a.py::test_x[a b] SKIPPED (no db)       [ 33%]\n\
             tests/a.py::test_y XFAIL (known)    [ 66%]\n\
             tests/a.py::test_z PASSED    [100%]\n\
             tests/a.py::test_z ERROR    [100%]\n",
        )
        .expect("pytest");
        assert_eq!(
            ran(&p),
            [
                ("tests/a.py::test_x[a b]", false),
                ("tests/a.py::test_y", false),
                ("tests/a.py::test_z", true)
            ]
        );
    }
}
