//! Plain data shared by every layer: test ids, sequences, outcomes, orders and classifications.
//!
//! Nothing here does I/O, reads a clock or knows about processes; it only names things so that
//! the pure core (`order`, `reduce`) and the edges (`exec`, `report`) speak the same language.

use serde::{Deserialize, Serialize};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;

/// A test, as its index in the resolved suite's list of names. Cheap to copy and compare, so the
/// shrinking algorithms can work on `Vec<TestId>` without touching strings.
pub type TestId = usize;

/// The suite's test names, by [`TestId`]: exactly as given (any bytes, as the `list` command
/// printed them) to run the tests, and as text (invalid UTF-8 shown as U+FFFD) to show them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestNames {
    raw: Vec<OsString>,
    shown: Vec<String>,
    /// Per test, what a preset's run script takes after the name (`$2`, ...): empty for most.
    args: Vec<Vec<OsString>>,
}

impl TestNames {
    /// Names exactly as given. Each is shown lossily (U+FFFD for bytes that are not UTF-8),
    /// unless that makes two names look the same: those are shown with `\xNN` for each such
    /// byte instead (and a `[#N]` suffix in the unlikely case that still collides), so every
    /// shown name, and so every sequence in a report, leads back to exactly one test.
    pub fn new(raw: Vec<OsString>) -> Self {
        let mut shown: Vec<String> = raw
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for name in &shown {
            *count.entry(name.as_str()).or_default() += 1;
        }
        let ambiguous: Vec<bool> = shown.iter().map(|n| count[n.as_str()] > 1).collect();
        for (i, name) in raw.iter().enumerate() {
            if ambiguous[i] && name.to_str().is_none() {
                shown[i] = escape_bytes(name.as_bytes());
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, name) in shown.iter_mut().enumerate() {
            if !seen.insert(name.clone()) {
                name.push_str(&format!(" [#{}]", i + 1));
                seen.insert(name.clone());
            }
        }
        TestNames {
            raw,
            shown,
            args: Vec::new(),
        }
    }

    /// Names exactly as given, each with the words its run script takes after the name.
    pub fn with_args(named: Vec<(OsString, Vec<OsString>)>) -> Self {
        let (raw, args) = named.into_iter().unzip();
        TestNames {
            args,
            ..TestNames::new(raw)
        }
    }

    /// What the run script takes after the test's name (`$2`, `$3`, ...).
    pub fn args(&self, test: TestId) -> &[OsString] {
        self.args.get(test).map_or(&[], Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.raw.len()
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The name to run the test by.
    pub fn raw(&self, test: TestId) -> &OsStr {
        &self.raw[test]
    }

    /// The name to show.
    pub fn shown(&self, test: TestId) -> &str {
        &self.shown[test]
    }

    /// Every name to show, in order.
    pub fn all_shown(&self) -> &[String] {
        &self.shown
    }

    /// The test called exactly `name`, if any.
    pub fn find(&self, name: &OsStr) -> Option<TestId> {
        self.raw.iter().position(|n| n == name)
    }

    /// The names that are not UTF-8: how each is shown, and its bytes.
    pub fn not_utf8(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.raw
            .iter()
            .zip(&self.shown)
            .filter(|(raw, _)| raw.to_str().is_none())
            .map(|(raw, shown)| (shown.as_str(), raw.as_bytes()))
    }
}

/// Bytes as text: UTF-8 as it is, every byte that is not as `\xNN`.
fn escape_bytes(bytes: &[u8]) -> String {
    let mut text = String::new();
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        for b in chunk.invalid() {
            text.push_str(&format!("\\x{b:02x}"));
        }
    }
    text
}

/// How one run of a test (or of a setup/teardown command) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Exit status 0.
    Pass,
    /// A non-zero exit status.
    Fail { code: i32 },
    /// Killed by a signal (and not by smoke's own timeout).
    Signal { signal: i32 },
    /// Ran past the configured timeout and was killed with its process group.
    Timeout,
    /// A batch runner reported the test as failed (JUnit `<failure>`, TAP `not ok`).
    Failed,
    /// A batch runner reported an error in the test (JUnit `<error>`: a fixture or setup).
    Error,
}

impl Outcome {
    /// True for [`Outcome::Pass`].
    pub fn passed(self) -> bool {
        self == Outcome::Pass
    }
}

impl Outcome {
    /// The outcome a report wrote (its [`Display`](fmt::Display) form), read back.
    pub fn from_short(text: &str) -> Option<Outcome> {
        let number = |rest: &str| rest.trim().parse::<i32>().ok();
        match text {
            "ok" => Some(Outcome::Pass),
            "timeout" => Some(Outcome::Timeout),
            "failed" => Some(Outcome::Failed),
            "error" => Some(Outcome::Error),
            _ => {
                if let Some(code) = text.strip_prefix("exit ").and_then(number) {
                    Some(Outcome::Fail { code })
                } else {
                    text.strip_prefix("signal ")
                        .and_then(number)
                        .map(|signal| Outcome::Signal { signal })
                }
            }
        }
    }
}

impl fmt::Display for Outcome {
    /// The short form used in the console, the reports and the JSON `failure` field:
    /// `ok`, `exit 1`, `signal 9`, `timeout`, `failed`, `error`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Pass => f.write_str("ok"),
            Outcome::Fail { code } => write!(f, "exit {code}"),
            Outcome::Signal { signal } => write!(f, "signal {signal}"),
            Outcome::Timeout => f.write_str("timeout"),
            Outcome::Failed => f.write_str("failed"),
            Outcome::Error => f.write_str("error"),
        }
    }
}

/// The order in which an iteration runs the tests (see `order::plan` for each sequence).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// The rotate sequence, shuffled with the iteration's seed.
    Random,
    /// Each test `times` times in place: t1 t1 t2 t2 ...
    Repeat,
    /// The whole list `times` times: t1..tn t1..tn ...
    Rotate,
    /// The list reversed, `times` times: tn..t1 tn..t1 ...
    Reverse,
    /// Odd iterations random with their seed; each even one the iteration before it, reversed.
    Mirror,
    /// Iteration i runs rows of a Tuscan square over the tests, from row i: every ordered pair
    /// stands side by side in some row.
    Tuscan,
    /// Iteration i runs the i-th distinct order of the tests, each `times` times.
    Exhaustive,
    /// An outside program (`--controller`) chooses each next test; nothing is planned.
    External,
}

impl Order {
    /// One sequence, the same every time (rotate, repeat, reverse), so it runs once.
    pub fn is_deterministic(self) -> bool {
        matches!(self, Order::Repeat | Order::Rotate | Order::Reverse)
    }

    /// The seed decides the sequences (random, mirror): an iteration is known by its seed.
    pub fn is_seeded(self) -> bool {
        matches!(self, Order::Random | Order::Mirror)
    }

    /// A fixed set of sequences, each run once, one per iteration (tuscan, exhaustive): the
    /// iterations default to how many there are.
    pub fn is_enumerated(self) -> bool {
        matches!(self, Order::Tuscan | Order::Exhaustive)
    }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Order::Random => "random",
            Order::Repeat => "repeat",
            Order::Rotate => "rotate",
            Order::Reverse => "reverse",
            Order::Mirror => "mirror",
            Order::Tuscan => "tuscan",
            Order::Exhaustive => "exhaustive",
            Order::External => "external",
        })
    }
}

/// What kind of failure a shrink found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Classification {
    /// The failing test needs some of the tests before it: the minimal sequence says which.
    OrderDependent,
    /// The failing test fails when run alone after a fresh setup.
    FailsAlone,
    /// The failing sequence did not fail the same way when run again.
    Flaky,
    /// The failing test fails alone after setup, yet it passed earlier in the same run: state an
    /// earlier sequence left behind survives setup, so the result says nothing about order.
    LeftoverState,
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Classification::OrderDependent => "order-dependent",
            Classification::FailsAlone => "fails-alone",
            Classification::Flaky => "flaky",
            Classification::LeftoverState => "leftover-state",
        })
    }
}

/// Which of the suite's shell hooks a record is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hook {
    /// Runs before every sequence.
    Setup,
    /// Runs after every sequence.
    Teardown,
    /// Batch mode's command, when it ended abnormally without saying which test was running.
    Batch,
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hook::Setup => "setup",
            Hook::Teardown => "teardown",
            Hook::Batch => "batch",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_print_the_way_reports_spell_them() {
        assert_eq!(Outcome::Pass.to_string(), "ok");
        assert_eq!(Outcome::Fail { code: 3 }.to_string(), "exit 3");
        assert_eq!(Outcome::Signal { signal: 9 }.to_string(), "signal 9");
        assert_eq!(Outcome::Timeout.to_string(), "timeout");
    }

    #[test]
    fn every_outcome_reads_back_from_how_reports_spell_it() {
        for outcome in [
            Outcome::Pass,
            Outcome::Fail { code: 3 },
            Outcome::Fail { code: -1 },
            Outcome::Signal { signal: 9 },
            Outcome::Timeout,
            Outcome::Failed,
            Outcome::Error,
        ] {
            assert_eq!(Outcome::from_short(&outcome.to_string()), Some(outcome));
        }
        assert_eq!(Outcome::from_short("exit x"), None);
        assert_eq!(Outcome::from_short("interrupted"), None);
    }

    #[test]
    fn names_that_would_look_the_same_are_shown_apart() {
        use std::os::unix::ffi::OsStringExt;
        let names = TestNames::new(vec![
            OsString::from_vec(b"t\xff.sh".to_vec()),
            OsString::from_vec(b"t\xfe.sh".to_vec()),
            OsString::from_vec(b"u\xff.sh".to_vec()),
            OsString::from("plain"),
        ]);
        assert_eq!(names.shown(0), "t\\xff.sh");
        assert_eq!(names.shown(1), "t\\xfe.sh");
        assert_eq!(
            names.shown(2),
            "u\u{fffd}.sh",
            "no collision: shown as before"
        );
        assert_eq!(names.shown(3), "plain");
        let twice = TestNames::new(vec![
            OsString::from("t\\xff.sh"),
            OsString::from_vec(b"t\xff.sh".to_vec()),
            OsString::from("t\u{fffd}.sh"),
        ]);
        let shown: std::collections::HashSet<&str> =
            twice.all_shown().iter().map(String::as_str).collect();
        assert_eq!(shown.len(), 3, "{:?}", twice.all_shown());
    }

    #[test]
    fn only_random_is_not_deterministic() {
        assert!(!Order::Random.is_deterministic());
        assert!(Order::Repeat.is_deterministic());
        assert!(Order::Rotate.is_deterministic());
    }

    #[test]
    fn each_order_is_one_of_fixed_seeded_or_enumerated() {
        use Order::*;
        let table = [
            (Random, "random", false, true, false),
            (Repeat, "repeat", true, false, false),
            (Rotate, "rotate", true, false, false),
            (Reverse, "reverse", true, false, false),
            (Mirror, "mirror", false, true, false),
            (Tuscan, "tuscan", false, false, true),
            (Exhaustive, "exhaustive", false, false, true),
            (External, "external", false, false, false),
        ];
        for (order, name, fixed, seeded, enumerated) in table {
            assert_eq!(order.to_string(), name);
            assert_eq!(
                serde_json::to_string(&order).expect("serializes"),
                format!("\"{name}\"")
            );
            assert_eq!(
                (
                    order.is_deterministic(),
                    order.is_seeded(),
                    order.is_enumerated()
                ),
                (fixed, seeded, enumerated),
                "{order}"
            );
        }
    }
}
