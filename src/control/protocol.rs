//! Pure: the JSON lines smoke and an outside driver exchange. smoke's messages (`start`,
//! `result`, and in the control-folder form `verdict` and `error`) are [`Message`]s; a
//! controller's answers are parsed and checked by [`parse_reply`] into a [`Step`]. No I/O, no
//! processes: the edges (`process`, `fifo`, `client`) move the lines.

use crate::model::{Outcome, TestId};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a driver tells smoke to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Run this test next.
    Run(TestId),
    /// This sequence ends here: teardown, and shrink a failure.
    Check,
    /// This sequence ends here, and so does the run: no further sequence starts.
    Stop,
}

/// A line smoke writes: one JSON object, tagged by `event`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Message {
    /// A sequence begins (after setup): the iteration, its seed and the tests a controller may
    /// name.
    Start {
        iteration: u32,
        seed: u64,
        /// The seed as a string, exact for JSON readers that hold numbers as doubles.
        seed_str: String,
        tests: Vec<String>,
    },
    /// The test a `run` asked for ended.
    Result {
        test: String,
        /// `pass`, `exit N`, `signal N` or `timeout`.
        outcome: String,
        duration_ms: u64,
    },
    /// The control-folder form: the answer to `smoke check`.
    Verdict {
        /// `pass` (no failure), `fail` (a failure found and reported), `error` or
        /// `interrupted`.
        verdict: String,
        /// smoke's own exit code, which `smoke check` exits with.
        exit: u8,
        /// Unique failures found.
        failures: usize,
        /// The text report.
        report: String,
    },
    /// The control-folder form: smoke could not answer (it stopped, or the request was
    /// refused).
    Error { message: String },
}

impl Message {
    /// The `result` line for a test that ended with `outcome` after `duration`.
    pub fn result(test: &str, outcome: Outcome, duration: Duration) -> Self {
        Message::Result {
            test: test.to_string(),
            outcome: outcome_word(outcome),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// The `start` line of iteration `iteration`.
    pub fn start(iteration: u32, seed: u64, tests: &[String]) -> Self {
        Message::Start {
            iteration,
            seed,
            seed_str: seed.to_string(),
            tests: tests.to_vec(),
        }
    }

    /// One line of JSON, with its newline.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("plain data serializes");
        line.push('\n');
        line
    }
}

/// How the protocol spells an outcome: `pass`, `exit N`, `signal N`, `timeout` (and a batch
/// runner's `failed`/`error`, which the controlled forms never produce: they run per test).
pub fn outcome_word(outcome: Outcome) -> String {
    match outcome {
        Outcome::Pass => "pass".to_string(),
        other => other.to_string(),
    }
}

/// The exit status `smoke op` ends with for a result line's outcome: 0 for `pass`, N for
/// `exit N`, 128 + N for `signal N`, 124 for `timeout` (as timeout(1)), 1 for anything else.
pub fn exit_status(outcome: &str) -> u8 {
    let number = |prefix: &str| {
        outcome
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<u32>().ok())
    };
    if outcome == "pass" {
        0
    } else if outcome == "timeout" {
        124
    } else if let Some(code) = number("exit ") {
        u8::try_from(code).ok().filter(|&c| c != 0).unwrap_or(1)
    } else if let Some(signal) = number("signal ") {
        u8::try_from(128 + signal).unwrap_or(1)
    } else {
        1
    }
}

/// Why a controller's line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("it is not JSON ({0})")]
    NotJson(String),
    #[error("it is not one of {{\"run\":\"NAME\"}}, {{\"check\":true}} or {{\"stop\":true}}{0}")]
    NotAReply(String),
    #[error("it names no test of the run: '{name}'{hint}")]
    UnknownTest { name: String, hint: String },
}

/// Parse one line a controller wrote: `{"run":"NAME"}` with NAME one of `tests` (as the start
/// message listed them), `{"check":true}` or `{"stop":true}`. Anything else is refused, saying
/// why; `tests[i]` is the test `ids[i]`.
pub fn parse_reply(line: &str, tests: &[String], ids: &[TestId]) -> Result<Step, ReplyError> {
    let value: serde_json::Value =
        serde_json::from_str(line.trim()).map_err(|e| ReplyError::NotJson(e.to_string()))?;
    let Some(object) = value.as_object() else {
        return Err(ReplyError::NotAReply(" (not an object)".to_string()));
    };
    if object.len() != 1 {
        return Err(ReplyError::NotAReply(format!(
            " (an answer has exactly one key; this has {})",
            object.len()
        )));
    }
    let (key, value) = object.iter().next().expect("one key, checked above");
    match (key.as_str(), value) {
        ("run", serde_json::Value::String(name)) => match tests.iter().position(|t| t == name) {
            Some(i) => Ok(Step::Run(ids[i])),
            None => Err(ReplyError::UnknownTest {
                name: name.clone(),
                hint: closest(name, tests)
                    .map(|c| format!(" (did you mean '{c}'?)"))
                    .unwrap_or_default(),
            }),
        },
        ("run", _) => Err(ReplyError::NotAReply(
            " (\"run\" takes a test's name as a string)".to_string(),
        )),
        ("check", serde_json::Value::Bool(true)) => Ok(Step::Check),
        ("stop", serde_json::Value::Bool(true)) => Ok(Step::Stop),
        ("check" | "stop", _) => Err(ReplyError::NotAReply(format!(" (\"{key}\" takes true)"))),
        (other, _) => Err(ReplyError::NotAReply(format!(" (unknown key '{other}')"))),
    }
}

/// The name closest to `name`, if one is close enough to be a likely typo.
fn closest<'t>(name: &str, tests: &'t [String]) -> Option<&'t str> {
    tests
        .iter()
        .map(|t| (strsim::jaro_winkler(name, t), t))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, t)| t.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["a.sh".to_string(), "b.sh".to_string(), "c d".to_string()]
    }

    #[test]
    fn answers_parse_to_steps() {
        let ids = [10, 11, 12];
        let table = [
            (r#"{"run":"a.sh"}"#, Step::Run(10)),
            (r#" {"run": "c d"} "#, Step::Run(12)),
            (r#"{"check":true}"#, Step::Check),
            (r#"{"stop":true}"#, Step::Stop),
        ];
        for (line, step) in table {
            assert_eq!(parse_reply(line, &names(), &ids), Ok(step), "{line}");
        }
    }

    #[test]
    fn anything_else_is_refused_saying_why() {
        let ids = [0, 1, 2];
        let table = [
            ("hello", "it is not JSON"),
            ("", "it is not JSON"),
            ("[1]", "(not an object)"),
            (
                r#"{"run":"a.sh","check":true}"#,
                "exactly one key; this has 2",
            ),
            ("{}", "exactly one key; this has 0"),
            (r#"{"run":3}"#, "takes a test's name as a string"),
            (r#"{"check":false}"#, "\"check\" takes true"),
            (r#"{"stop":"yes"}"#, "\"stop\" takes true"),
            (r#"{"go":"a.sh"}"#, "unknown key 'go'"),
            (r#"{"run":"a.shh"}"#, "'a.shh' (did you mean 'a.sh'?)"),
            (r#"{"run":"zzz"}"#, "names no test of the run: 'zzz'"),
        ];
        for (line, message) in table {
            let error = parse_reply(line, &names(), &ids)
                .expect_err(line)
                .to_string();
            assert!(error.contains(message), "{line}: {error}");
        }
    }

    #[test]
    fn messages_are_one_line_of_json_tagged_by_event() {
        let start = Message::start(3, u64::MAX, &names()).to_line();
        assert_eq!(
            start,
            "{\"event\":\"start\",\"iteration\":3,\"seed\":18446744073709551615,\
             \"seed_str\":\"18446744073709551615\",\"tests\":[\"a.sh\",\"b.sh\",\"c d\"]}\n"
        );
        let result = Message::result(
            "a\nb",
            Outcome::Fail { code: 1 },
            Duration::from_millis(1500),
        );
        assert_eq!(
            result.to_line(),
            "{\"event\":\"result\",\"test\":\"a\\nb\",\"outcome\":\"exit 1\",\"duration_ms\":1500}\n"
        );
        let back: Message = serde_json::from_str(result.to_line().trim()).expect("reads back");
        assert_eq!(back, result);
    }

    #[test]
    fn outcomes_are_spelled_and_mapped_to_exit_statuses() {
        let table = [
            (Outcome::Pass, "pass", 0),
            (Outcome::Fail { code: 3 }, "exit 3", 3),
            (Outcome::Fail { code: 300 }, "exit 300", 1),
            (Outcome::Signal { signal: 9 }, "signal 9", 137),
            (Outcome::Timeout, "timeout", 124),
            (Outcome::Failed, "failed", 1),
        ];
        for (outcome, word, status) in table {
            assert_eq!(outcome_word(outcome), word);
            assert_eq!(exit_status(word), status, "{word}");
        }
    }
}
