//! Pure: what a batch runner reported, and which asked test each result belongs to.
//!
//! In batch mode one command runs a whole sequence, and smoke learns each test's outcome from the
//! runner's own output: JUnit XML (parsed with quick-xml), JSON (rspec's or jest's, with
//! serde_json) or TAP on stdout, plain (one top-level
//! test point per test, its description being the test's name) or as `prove` prints it (a
//! `NAME ..` header per test file, then its TAP and its verdict). [`attribute`] then walks the
//! results in order against the names smoke asked for. A result that belongs to another position
//! means the runner reordered or dropped tests, and that is an error ([`Mismatch`]), never a
//! silently wrong answer. Results that stop early are a crash: the test that was running gets the
//! runner's own exit status when the format says which test that was (TAP does, since it streams
//! in order), and the tests after it did not run.

use crate::model::Outcome;
use quick_xml::events::{BytesStart, Event};
use regex::Regex;
use std::collections::HashSet;
use std::sync::LazyLock;
use std::time::Duration;

/// How a batch runner reports its results.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JUnit XML written to the `{junit}` path.
    Junit,
    /// TAP on stdout (plain, or `prove`'s per-file output).
    Tap,
    /// JSON written to the `{json}` path: rspec's JSON formatter (one result per example) or
    /// jest's `--json` (one result per test file).
    Json,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Junit => "junit",
            Format::Tap => "tap",
            Format::Json => "json",
        })
    }
}

/// One result as the runner reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reported {
    /// How the runner named the test, for messages.
    pub id: String,
    /// The forms of that name an asked test name may take.
    keys: Vec<String>,
    /// How it ended; `None`: it started and reported nothing more (the runner died in it).
    pub outcome: Option<Outcome>,
    /// Its own time, when the format gives one.
    pub duration: Option<Duration>,
    /// What the runner said about it (failure message and text, TAP diagnostics).
    pub output: Vec<u8>,
}

impl Reported {
    fn is(&self, asked: &str) -> bool {
        let asked_keys = asked_keys(asked);
        self.keys.iter().any(|k| asked_keys.contains(k))
    }
}

/// The forms an asked name can match: itself, and pytest's JUnit form of a node id
/// (`tests/test_a.py::Class::test_x[p]` is classname `tests.test_a.Class`, name `test_x[p]`).
fn asked_keys(asked: &str) -> [String; 2] {
    let (path, params) = match asked.find('[') {
        Some(i) => asked.split_at(i),
        None => (asked, ""),
    };
    let mut names: Vec<String> = path.split("::").map(str::to_string).collect();
    names[0] = names[0].replace('/', ".");
    if let Some(stripped) = names[0].strip_suffix(".py") {
        names[0] = stripped.to_string();
    }
    let last = names.len() - 1;
    names[last].push_str(params);
    [asked.to_string(), names.join(".")]
}

/// Parse JUnit XML: every `<testcase>` in document order. `<failure>` makes it
/// [`Outcome::Failed`], `<error>` [`Outcome::Error`]; `<skipped>` is not a failure. The output
/// kept for a test is the failure's message and text and the test's own stdout and stderr.
pub fn parse_junit(xml: &[u8]) -> Result<Vec<Reported>, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut results = Vec::new();
    let mut current: Option<Reported> = None;
    // The open testcase's failure and error messages, put before its output when it ends.
    let mut messages: Vec<String> = Vec::new();
    // Inside an element of the open testcase whose text is output.
    let mut collecting = false;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("at byte {}: {e}", reader.error_position()))?;
        let (element, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = element {
            if e.name().as_ref() == b"testcase" {
                let case = testcase(e)?;
                if empty {
                    results.push(case);
                } else {
                    current = Some(case);
                }
            } else if let Some(case) = current.as_mut() {
                let outcome = match e.name().as_ref() {
                    b"failure" => Some(Outcome::Failed),
                    b"error" => Some(Outcome::Error),
                    _ => None,
                };
                if let Some(outcome) = outcome {
                    // The first failure or error decides.
                    if case.outcome == Some(Outcome::Pass) {
                        case.outcome = Some(outcome);
                    }
                    if let Some(message) = attribute_value(e, b"message")? {
                        messages.push(message);
                    }
                }
                collecting = !empty
                    && matches!(
                        e.name().as_ref(),
                        b"failure" | b"error" | b"system-out" | b"system-err"
                    );
            }
            buf.clear();
            continue;
        }
        match event {
            Event::End(e) if e.name().as_ref() == b"testcase" => {
                if let Some(case) = current.as_mut() {
                    with_messages(case, std::mem::take(&mut messages));
                }
                results.extend(current.take());
                collecting = false;
            }
            Event::End(_) => collecting = false,
            Event::Text(t) if collecting => {
                let text = t.decode().map_err(|e| e.to_string())?;
                push_output(&mut current, text.as_bytes());
            }
            Event::CData(t) if collecting => push_output(&mut current, &t),
            Event::GeneralRef(r) if collecting => {
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = r.decode().map_err(|e| e.to_string())?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .map_or_else(|| format!("&{name};"), str::to_string)
                    }
                };
                push_output(&mut current, text.as_bytes());
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(results)
}

/// Put a test's failure messages before its output, each once: a message whose every line the
/// failure's text already holds (pytest repeats its assertion there) is left out.
fn with_messages(case: &mut Reported, messages: Vec<String>) {
    let text = String::from_utf8_lossy(&case.output).into_owned();
    let mut head = Vec::new();
    for message in messages {
        let repeated = message
            .lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| text.contains(l.trim()));
        if !repeated || text.trim().is_empty() {
            head.extend_from_slice(message.as_bytes());
            head.push(b'\n');
        }
    }
    head.append(&mut case.output);
    case.output = head;
}

fn push_output(case: &mut Option<Reported>, bytes: &[u8]) {
    if let Some(case) = case {
        case.output.extend_from_slice(bytes);
    }
}

/// A `<testcase>`'s name, keys and time; it passed unless a child says otherwise.
fn testcase(e: &BytesStart) -> Result<Reported, String> {
    let name = attribute_value(e, b"name")?.unwrap_or_default();
    let classname = attribute_value(e, b"classname")?.unwrap_or_default();
    let duration = attribute_value(e, b"time")?
        .and_then(|t| t.trim().parse::<f64>().ok())
        .filter(|t| t.is_finite() && *t >= 0.0)
        .map(Duration::from_secs_f64);
    let (id, keys) = if classname.is_empty() {
        (name.clone(), vec![name])
    } else {
        (
            format!("{classname}::{name}"),
            vec![
                format!("{classname}.{name}"),
                format!("{classname}::{name}"),
                format!("{classname}/{name}"),
                name,
            ],
        )
    };
    Ok(Reported {
        id,
        keys,
        outcome: Some(Outcome::Pass),
        duration,
        output: Vec::new(),
    })
}

/// The value of attribute `key` of element `e`, entities and whitespace normalised as XML
/// says; `None` when it has none.
pub(crate) fn attribute_value(e: &BytesStart, key: &[u8]) -> Result<Option<String>, String> {
    for attribute in e.attributes() {
        let attribute = attribute.map_err(|e| e.to_string())?;
        if attribute.key.as_ref() == key {
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| e.to_string())?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// Parse a JSON results file: rspec's JSON formatter (`examples`, one per example, by `id`)
/// or jest's `--json` (`testResults`, one per test file, by absolute path). A failed example or
/// file is [`Outcome::Failed`]; pending and skipped ones pass, as in JUnit. `asked` are the
/// sequence's names: a jest path is matched to the asked name it ends with, since jest reports
/// absolute paths and smoke names files relative to the suite folder. A file that is not JSON
/// of either shape (cut short by a crash, another runner's) is an error saying why.
pub fn parse_json(json: &[u8], asked: &[&str]) -> Result<Vec<Reported>, String> {
    let value: serde_json::Value = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    if let Some(examples) = value.get("examples").and_then(|e| e.as_array()) {
        return examples.iter().map(rspec_example).collect();
    }
    if let Some(files) = value.get("testResults").and_then(|t| t.as_array()) {
        return Ok(files.iter().map(|f| jest_file(f, asked)).collect());
    }
    Err("neither rspec's JSON (no \"examples\") nor jest's (no \"testResults\")".to_string())
}

/// One example of rspec's JSON formatter.
fn rspec_example(example: &serde_json::Value) -> Result<Reported, String> {
    let id = example["id"]
        .as_str()
        .ok_or_else(|| format!("an rspec example without an id: {example}"))?;
    let short = id.strip_prefix("./").unwrap_or(id);
    let outcome = match example["status"].as_str() {
        Some("failed") => Outcome::Failed,
        _ => Outcome::Pass,
    };
    let mut output = String::new();
    if outcome == Outcome::Failed {
        output.push_str(example["full_description"].as_str().unwrap_or(short));
        output.push('\n');
        let exception = &example["exception"];
        if let Some(class) = exception["class"].as_str() {
            output.push_str(class);
            output.push_str(": ");
        }
        output.push_str(exception["message"].as_str().unwrap_or("").trim());
        output.push('\n');
        for line in exception["backtrace"].as_array().into_iter().flatten() {
            output.push_str("# ");
            output.push_str(line.as_str().unwrap_or(""));
            output.push('\n');
        }
    } else if let Some(why) = example["pending_message"].as_str() {
        output.push_str(&format!("pending: {why}\n"));
    }
    Ok(Reported {
        id: short.to_string(),
        keys: vec![id.to_string(), short.to_string()],
        outcome: Some(outcome),
        duration: seconds(&example["run_time"]),
        output: output.into_bytes(),
    })
}

/// One test file of jest's `--json` results.
fn jest_file(file: &serde_json::Value, asked: &[&str]) -> Reported {
    let name = file["name"].as_str().unwrap_or("").to_string();
    let mut keys = vec![name.clone()];
    if let Some(relative) = asked
        .iter()
        .find(|a| name.ends_with(&format!("/{}", a.trim_start_matches("./"))))
    {
        keys.push((*relative).to_string());
    }
    let failed = file["status"].as_str() == Some("failed");
    let mut output = String::new();
    if failed {
        match file["message"].as_str().filter(|m| !m.trim().is_empty()) {
            Some(message) => output.push_str(message),
            None => {
                for test in file["assertionResults"].as_array().into_iter().flatten() {
                    for message in test["failureMessages"].as_array().into_iter().flatten() {
                        output.push_str(message.as_str().unwrap_or(""));
                        output.push('\n');
                    }
                }
            }
        }
    }
    let duration = match (file["startTime"].as_f64(), file["endTime"].as_f64()) {
        (Some(start), Some(end)) if end >= start => seconds(&((end - start) / 1000.0).into()),
        _ => None,
    };
    Reported {
        id: name,
        keys,
        outcome: Some(if failed {
            Outcome::Failed
        } else {
            Outcome::Pass
        }),
        duration,
        output: output.into_bytes(),
    }
}

/// A time in seconds, when it is one.
fn seconds(value: &serde_json::Value) -> Option<Duration> {
    value
        .as_f64()
        .filter(|t| t.is_finite() && *t >= 0.0)
        .map(Duration::from_secs_f64)
}

/// A TAP test point: `ok 3 - name # SKIP why`.
static TEST_POINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(not )?ok\b(?:\s+\d+)?(?:\s*-)?\s*(.*?)\s*(?:#\s*(?i:(todo|skip))\b.*)?$")
        .expect("valid regex")
});
/// A `prove` header (`t/a.t .. `, maybe with `--timer`'s time and the verdict on the same line).
static PROVE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\[[\d:]+\] )?(.+?) \.{2,}(?: (.*?))?\s*$").expect("valid regex")
});
/// A line of `prove`'s summary report: `t/b.t (Wstat: 256 (exited 1) Tests: 1 Failed: 1)`.
static PROVE_WSTAT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.+?)\s+\(Wstat: (\d+)").expect("valid regex"));
/// prove's `Dubious, test returned 1 (wstat 256, 0x100)`.
static PROVE_DUBIOUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Dubious, .*\(wstat (\d+)").expect("valid regex"));

/// Parse TAP from a batch's stdout. `asked` are the names of the sequence: a line is a `prove`
/// header only when it names one of them, so a test printing dots is not mistaken for one.
pub fn parse_tap(stdout: &[u8], asked: &[&str]) -> Vec<Reported> {
    let text = String::from_utf8_lossy(stdout);
    let lines: Vec<&str> = text.lines().collect();
    let asked: HashSet<&str> = asked.iter().copied().collect();
    let is_header = |line: &str| {
        PROVE_HEADER
            .captures(line)
            .is_some_and(|c| asked.contains(&c[1]))
    };
    if lines.iter().any(|l| is_header(l)) {
        parse_prove(&lines, &asked)
    } else {
        parse_plain_tap(&lines)
    }
}

/// Whether a batch's stdout holds any TAP at all: a test point, a plan (`1..N`), a version line,
/// `Bail out!`, or a `prove` header naming an asked test. Output with none of these is not TAP
/// (a runner printing its own format, a typo in the command), and no result can be read from
/// it.
pub fn looks_like_tap(stdout: &[u8], asked: &[&str]) -> bool {
    let text = String::from_utf8_lossy(stdout);
    let asked: HashSet<&str> = asked.iter().copied().collect();
    text.lines().any(|line| {
        TEST_POINT.is_match(line)
            || TAP_PLAN.is_match(line)
            || line.starts_with("TAP version ")
            || line.starts_with("Bail out!")
            || PROVE_HEADER
                .captures(line)
                .is_some_and(|c| asked.contains(&c[1]))
    })
}

/// A TAP plan line: `1..N`, maybe with a directive.
static TAP_PLAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^1\.\.\d+\b").expect("valid regex"));

/// Plain TAP: each top-level test point is one test, named by its description; the lines after
/// it (diagnostics) are its output.
fn parse_plain_tap(lines: &[&str]) -> Vec<Reported> {
    let mut results: Vec<Reported> = Vec::new();
    for line in lines {
        if let Some(point) = TEST_POINT.captures(line) {
            let failed = point.get(1).is_some()
                && !point
                    .get(3)
                    .is_some_and(|d| d.as_str().eq_ignore_ascii_case("todo"));
            let name = point[2].to_string();
            results.push(Reported {
                id: name.clone(),
                keys: vec![name],
                outcome: Some(if failed {
                    Outcome::Failed
                } else {
                    Outcome::Pass
                }),
                duration: None,
                output: Vec::new(),
            });
        } else if let Some(last) = results.last_mut() {
            last.output.extend_from_slice(line.as_bytes());
            last.output.push(b'\n');
        }
    }
    results
}

/// `prove`'s output: a header per test file, its TAP, and a verdict (`ok`, `skipped: ...`, or
/// `Failed`/`Dubious`/... for a failure). A file whose block has no verdict was running when
/// prove died. The summary report's wait status turns a failure into the exit code or signal
/// the file ended with, as in per-test mode.
fn parse_prove(lines: &[&str], asked: &HashSet<&str>) -> Vec<Reported> {
    let mut results: Vec<Reported> = Vec::new();
    let mut in_summary = false;
    for line in lines {
        if line.starts_with("Test Summary Report") {
            in_summary = true;
            continue;
        }
        if in_summary {
            if let Some(c) = PROVE_WSTAT.captures(line) {
                if let Some(r) = results.iter_mut().rev().find(|r| r.id == c[1]) {
                    apply_wstat(r, &c[2]);
                }
            }
            continue;
        }
        if let Some(c) = PROVE_HEADER
            .captures(line)
            .filter(|c| asked.contains(&&c[1]))
        {
            // Without -v, prove names a failing file a second time with its verdict.
            if let Some(last) = results
                .last_mut()
                .filter(|r| r.id == c[1] && r.outcome.is_none())
            {
                if let Some(verdict) = c.get(2) {
                    prove_verdict(last, verdict.as_str().trim());
                }
                continue;
            }
            results.push(Reported {
                id: c[1].to_string(),
                keys: vec![c[1].to_string()],
                outcome: None,
                duration: None,
                output: Vec::new(),
            });
            if let Some(verdict) = c.get(2) {
                prove_verdict(results.last_mut().expect("pushed"), verdict.as_str().trim());
            }
            continue;
        }
        let Some(last) = results.last_mut() else {
            continue;
        };
        last.output.extend_from_slice(line.as_bytes());
        last.output.push(b'\n');
        prove_verdict(last, line.trim());
        if let Some(point) = TEST_POINT.captures(line) {
            let todo = point
                .get(3)
                .is_some_and(|d| d.as_str().eq_ignore_ascii_case("todo"));
            if point.get(1).is_some() && !todo {
                last.outcome = Some(Outcome::Failed);
            }
        }
    }
    results
}

/// Apply a `prove` verdict line to its file's result; other lines leave it as it is.
fn prove_verdict(result: &mut Reported, line: &str) {
    static PASSED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(?:ok(?:\s+\d+ ?ms)?|skipped\b.*)$").expect("valid regex"));
    const FAILED: &[&str] = &[
        "Failed ",
        "Dubious",
        "No subtests run",
        "Parse errors",
        "Bad plan",
    ];
    if PASSED.is_match(line) {
        result.outcome.get_or_insert(Outcome::Pass);
    } else if FAILED.iter().any(|f| line.starts_with(f)) {
        if result.outcome.is_none() || result.outcome == Some(Outcome::Pass) {
            result.outcome = Some(Outcome::Failed);
        }
        if let Some(c) = PROVE_DUBIOUS.captures(line) {
            apply_wstat(result, &c[1]);
        }
    }
}

/// A failed file's wait status, as prove prints it, becomes the exit code or signal it ended
/// with (the outcome per-test mode sees).
fn apply_wstat(result: &mut Reported, wstat: &str) {
    let wstat: i32 = wstat.parse().unwrap_or(0);
    if result.outcome.is_some_and(|o| !o.passed()) && wstat != 0 {
        result.outcome = Some(if wstat & 0x7f != 0 {
            Outcome::Signal {
                signal: wstat & 0x7f,
            }
        } else {
            Outcome::Fail { code: wstat >> 8 }
        });
    }
}

/// The notes among what smoke's helper wrote as a runner went (`{"note": TEXT}`): what it had
/// to change in the runner for smoke, to be said to the user. Only the lines that hold the
/// bytes `"note"` are parsed (a line with that key must: inside a JSON string a quote is
/// escaped), so the results are read whole once, by [`parse_forked`] or the format's parser.
pub fn notes(lines: &[u8]) -> Vec<String> {
    lines
        .split(|&b| b == b'\n')
        .filter(|line| line.windows(6).any(|w| w == b"\"note\""))
        .filter_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .filter_map(|value| value.get("note")?.as_str().map(str::to_string))
        .collect()
}

/// Parse what a fork server's child wrote as it went (see `exec::forkserver`): a `start` line
/// before each test and a `test` line after it. A test that started and has no `test` line is
/// where the child died. Lines that are not the helper's are skipped.
pub fn parse_forked(lines: &[u8]) -> Vec<Reported> {
    let mut reported: Vec<Reported> = Vec::new();
    for line in lines.split(|&b| b == b'\n') {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if let Some(name) = value.get("start").and_then(|v| v.as_str()) {
            reported.push(Reported {
                id: name.to_string(),
                keys: vec![name.to_string()],
                outcome: None,
                duration: None,
                output: Vec::new(),
            });
            continue;
        }
        let Some(name) = value.get("test").and_then(|v| v.as_str()) else {
            continue;
        };
        let Some(last) = reported
            .last_mut()
            .filter(|r| r.id == name && r.outcome.is_none())
        else {
            continue;
        };
        last.outcome = Some(match value.get("outcome").and_then(|v| v.as_str()) {
            Some("passed" | "skipped") => Outcome::Pass,
            Some("error") => Outcome::Error,
            _ => Outcome::Failed,
        });
        last.duration = value
            .get("duration")
            .and_then(serde_json::Value::as_f64)
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        last.output = value
            .get("output")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .as_bytes()
            .to_vec();
    }
    reported
}

/// The results of a batch, matched to the sequence that was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attributed {
    /// For the first tests of the sequence, in order: how each ended, its time (if the format
    /// gives it) and its output. Tests after these did not run.
    pub results: Vec<(Outcome, Option<Duration>, Vec<u8>)>,
    /// The runner ended abnormally with no failing result, and the format cannot say which
    /// test was running: the sequence tells nothing about its tests.
    pub unattributed: bool,
}

/// Why a batch's results cannot be trusted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// Result number `position` is another asked test than the one at that position.
    #[error("the runner ran '{got}' where smoke asked for '{expected}' (test {} of {asked})", position + 1)]
    Reordered {
        position: usize,
        asked: usize,
        expected: String,
        got: String,
    },
    /// A result matches no asked test.
    #[error("the runner reported '{got}', which smoke did not ask for (expected '{expected}', test {} of {asked})", position + 1)]
    Unknown {
        position: usize,
        asked: usize,
        expected: String,
        got: String,
    },
    /// The runner ended well, but reported fewer tests than asked.
    #[error("the runner reported {reported} of the {asked} tests asked and ended with no failure; the first one missing is '{missing}'{}", if *repeated { " (it repeats an earlier test: this runner runs each test once per invocation)" } else { "" })]
    Dropped {
        reported: usize,
        asked: usize,
        missing: String,
        repeated: bool,
    },
}

/// Match `reported` to `asked` position by position. `ended` is how the batch command itself
/// ended; `says_which` whether the format streams results in order, so that the test after the
/// last result is the one that was running when the runner died.
pub fn attribute(
    asked: &[&str],
    reported: Vec<Reported>,
    ended: Outcome,
    says_which: bool,
) -> Result<Attributed, Mismatch> {
    let mut results = Vec::with_capacity(reported.len());
    for (position, r) in reported.into_iter().enumerate() {
        let Some(&expected) = asked.get(position) else {
            return Err(Mismatch::Unknown {
                position,
                asked: asked.len(),
                expected: "(nothing: all asked tests had reported)".to_string(),
                got: r.id,
            });
        };
        if !r.is(expected) {
            let elsewhere = asked.iter().any(|a| r.is(a));
            let (expected, got, asked) = (expected.to_string(), r.id, asked.len());
            return Err(if elsewhere {
                Mismatch::Reordered {
                    position,
                    asked,
                    expected,
                    got,
                }
            } else {
                Mismatch::Unknown {
                    position,
                    asked,
                    expected,
                    got,
                }
            });
        }
        let died_here = r.outcome.is_none();
        let outcome = r.outcome.unwrap_or(if ended.passed() {
            Outcome::Failed
        } else {
            ended
        });
        results.push((outcome, r.duration, r.output));
        if died_here {
            return Ok(Attributed {
                results,
                unattributed: false,
            });
        }
    }
    let complete = results.len() == asked.len();
    let any_failed = results.iter().any(|(o, _, _)| !o.passed());
    if complete || any_failed {
        return Ok(Attributed {
            results,
            unattributed: false,
        });
    }
    if ended.passed() {
        let missing = asked[results.len()];
        return Err(Mismatch::Dropped {
            reported: results.len(),
            asked: asked.len(),
            missing: missing.to_string(),
            repeated: asked[..results.len()].contains(&missing),
        });
    }
    if says_which {
        results.push((ended, None, Vec::new()));
        return Ok(Attributed {
            results,
            unattributed: false,
        });
    }
    Ok(Attributed {
        results,
        unattributed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What pytest 9 writes for `test_a.py::test_x test_a.py::test_y` (test_y fails).
    const PYTEST_XML: &str = r#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="2" time="0.045"><testcase classname="test_a" name="test_x" time="0.250" /><testcase classname="test_a" name="test_y" time="0.000"><failure message="AssertionError: boom&#10;assert 0">&gt;   def test_y(): assert 0, "boom"
E   AssertionError: boom &amp; more</failure></testcase></testsuite></testsuites>"#;

    /// `prove -v --merge t/a.t t/b.t t/c.t`: b fails, c dies of SIGSEGV.
    const PROVE_VERBOSE: &str = "t/a.t .. \n1..2\nok 1 - first\nok 2 - second\nok\nt/b.t .. \n1..1\nnot ok 1 - bad\n\n#   Failed test 'bad'\n#   at t/b.t line 2.\n# Looks like you failed 1 test of 1.\nDubious, test returned 1 (wstat 256, 0x100)\nFailed 1/1 subtests \nt/c.t .. \nNo subtests run \n\nTest Summary Report\n-------------------\nt/b.t  (Wstat: 256 (exited 1) Tests: 1 Failed: 1)\n  Failed test:  1\nt/c.t  (Wstat: 11 (Signal: SEGV) Tests: 0 Failed: 0)\n  Parse errors: No plan found in TAP output\nResult: FAIL\n";

    /// The same without -v.
    const PROVE_QUIET: &str = "t/a.t .. ok\nt/b.t .. \nDubious, test returned 1 (wstat 256, 0x100)\nFailed 1/1 subtests \nt/c.t .. \nNo subtests run \n\nTest Summary Report\n-------------------\nt/b.t (Wstat: 256 (exited 1) Tests: 1 Failed: 1)\nt/c.t (Wstat: 11 (Signal: SEGV) Tests: 0 Failed: 0)\nResult: FAIL\n";

    fn outcomes(attributed: &Attributed) -> Vec<Outcome> {
        attributed.results.iter().map(|r| r.0).collect()
    }

    #[test]
    fn output_with_no_tap_is_told_apart_from_tap() {
        let asked = ["t/a.t", "t/b.t", "t/c.t"];
        assert!(looks_like_tap(PROVE_VERBOSE.as_bytes(), &asked));
        assert!(looks_like_tap(PROVE_QUIET.as_bytes(), &asked));
        assert!(looks_like_tap(b"1..0 # SKIP nothing\n", &asked));
        assert!(looks_like_tap(b"noise\nnot ok 1 - x\n", &asked));
        let pytest = b"============ test session starts ============\ncollected 2 items\n\ntests/test_a.py .F\n";
        assert!(!looks_like_tap(pytest, &asked));
        assert!(!looks_like_tap(b"sh: 1: pyhton: not found\n", &asked));
        assert!(!looks_like_tap(b"", &asked));
    }

    #[test]
    fn junit_from_pytest_gives_outcomes_times_and_failure_text() {
        let reported = parse_junit(PYTEST_XML.as_bytes()).expect("valid XML");
        assert_eq!(reported.len(), 2);
        assert_eq!(reported[0].id, "test_a::test_x");
        assert_eq!(reported[0].duration, Some(Duration::from_millis(250)));
        let output = String::from_utf8_lossy(&reported[1].output);
        assert!(
            output.contains("E   AssertionError: boom & more"),
            "{output}"
        );
        assert_eq!(
            output.matches("AssertionError: boom").count(),
            1,
            "the message pytest repeats in the failure's text is shown once: {output}"
        );
        // A message the text does not hold comes first.
        let xml = r#"<testsuite><testcase classname="t" name="a"><failure message="db is down">Traceback
  File "t.py", line 3</failure></testcase></testsuite>"#;
        let output = parse_junit(xml.as_bytes()).expect("valid")[0]
            .output
            .clone();
        assert_eq!(
            String::from_utf8_lossy(&output),
            "db is down\nTraceback\n  File \"t.py\", line 3"
        );
        let asked = ["test_a.py::test_x", "test_a.py::test_y"];
        let got = attribute(&asked, reported, Outcome::Fail { code: 1 }, false).expect("in order");
        assert_eq!(outcomes(&got), [Outcome::Pass, Outcome::Failed]);
    }

    #[test]
    fn pytest_node_ids_match_their_junit_names() {
        let xml = r#"<testsuite><testcase classname="tests.sub.test_b.TestC" name="test_p[a b-it's]"/><testcase classname="x" name="y"><error message="fixture"/></testcase><testcase classname="x" name="z"><skipped/></testcase></testsuite>"#;
        let reported = parse_junit(xml.as_bytes()).expect("valid");
        let asked = [
            "tests/sub/test_b.py::TestC::test_p[a b-it's]",
            "x.py::y",
            "x::z",
        ];
        let got = attribute(&asked, reported, Outcome::Fail { code: 1 }, false).expect("match");
        assert_eq!(
            outcomes(&got),
            [Outcome::Pass, Outcome::Error, Outcome::Pass]
        );
    }

    #[test]
    fn broken_xml_is_an_error_that_says_where() {
        let err = parse_junit(b"<testsuite><testcase name='a'></testsuite>").expect_err("broken");
        assert!(err.contains("at byte"), "{err}");
    }

    #[test]
    fn a_reordered_run_is_a_mismatch_never_a_result() {
        let reported = parse_junit(PYTEST_XML.as_bytes()).expect("valid");
        let asked = ["test_a.py::test_y", "test_a.py::test_x"];
        let err = attribute(&asked, reported, Outcome::Fail { code: 1 }, false).expect_err("bad");
        assert!(
            matches!(err, Mismatch::Reordered { position: 0, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "the runner ran 'test_a::test_x' where smoke asked for 'test_a.py::test_y' (test 1 of 2)"
        );
    }

    #[test]
    fn a_dropped_repeat_is_a_mismatch_that_says_so() {
        let xml = r#"<testsuite><testcase classname="t" name="a"/></testsuite>"#;
        let reported = parse_junit(xml.as_bytes()).expect("valid");
        let err = attribute(&["t.py::a", "t.py::a"], reported, Outcome::Pass, false)
            .expect_err("dropped");
        assert!(
            matches!(err, Mismatch::Dropped { repeated: true, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("runs each test once"), "{err}");
    }

    #[test]
    fn a_crash_without_results_cannot_be_pinned_on_a_test_in_junit() {
        let got = attribute(
            &["a", "b"],
            Vec::new(),
            Outcome::Signal { signal: 11 },
            false,
        )
        .expect("a crash, not a mismatch");
        assert!(got.unattributed);
        assert!(got.results.is_empty());
    }

    #[test]
    fn prove_verbose_and_quiet_give_each_file_its_verdict_and_wait_status() {
        let asked = ["t/a.t", "t/b.t", "t/c.t"];
        for output in [PROVE_VERBOSE, PROVE_QUIET] {
            let reported = parse_tap(output.as_bytes(), &asked);
            let got = attribute(&asked, reported, Outcome::Fail { code: 1 }, true).expect("ok");
            assert_eq!(
                outcomes(&got),
                [
                    Outcome::Pass,
                    Outcome::Fail { code: 1 },
                    Outcome::Signal { signal: 11 }
                ],
                "{output}"
            );
        }
        let reported = parse_tap(PROVE_VERBOSE.as_bytes(), &asked);
        let b = String::from_utf8_lossy(&reported[1].output);
        assert!(b.contains("#   Failed test 'bad'"), "{b}");
    }

    #[test]
    fn prove_killed_mid_file_pins_the_crash_on_that_file() {
        let asked = ["t/a.t", "t/b.t", "t/c.t"];
        let output = "t/a.t .. \n1..1\nok 1\nok\nt/b.t .. \n1..3\nok 1\n";
        let reported = parse_tap(output.as_bytes(), &asked);
        let got = attribute(&asked, reported, Outcome::Timeout, true).expect("ok");
        assert_eq!(outcomes(&got), [Outcome::Pass, Outcome::Timeout]);
    }

    #[test]
    fn plain_tap_names_tests_by_description_and_keeps_diagnostics() {
        let output = "TAP version 13\n1..3\nok 1 - a b\nnot ok 2 - it's; rm\n# got 2\nnot ok 3 - later # TODO not yet\n";
        let asked = ["a b", "it's; rm", "later"];
        let reported = parse_tap(output.as_bytes(), &asked);
        assert_eq!(reported[1].output, b"# got 2\n");
        let got = attribute(&asked, reported, Outcome::Fail { code: 1 }, true).expect("ok");
        assert_eq!(
            outcomes(&got),
            [Outcome::Pass, Outcome::Failed, Outcome::Pass]
        );
    }

    #[test]
    fn plain_tap_that_stops_early_blames_the_next_test() {
        let output = "1..3\nok 1 - a\n";
        let reported = parse_tap(output.as_bytes(), &["a", "b", "c"]);
        let got = attribute(
            &["a", "b", "c"],
            reported,
            Outcome::Signal { signal: 6 },
            true,
        )
        .expect("ok");
        assert_eq!(
            outcomes(&got),
            [Outcome::Pass, Outcome::Signal { signal: 6 }]
        );
    }

    #[test]
    fn a_forked_child_names_each_test_and_the_one_it_died_in() {
        let lines = concat!(
            "{\"start\": \"t.py::a\"}\n",
            "{\"test\": \"t.py::a\", \"outcome\": \"passed\", \"duration\": 0.25, \"output\": \"\"}\n",
            "not the helper's\n",
            "{\"start\": \"t.py::b\"}\n",
            "{\"test\": \"t.py::b\", \"outcome\": \"failed\", \"duration\": 0.5, \"output\": \"E assert 0\"}\n",
            "{\"start\": \"t.py::c\"}\n",
            "{\"test\": \"t.py::c\", \"outcome\": \"skipped\", \"duration\": 0, \"output\": \"\"}\n",
            "{\"start\": \"t.py::d\"}\n",
        );
        let reported = parse_forked(lines.as_bytes());
        let outcomes: Vec<Option<Outcome>> = reported.iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Some(Outcome::Pass),
                Some(Outcome::Failed),
                Some(Outcome::Pass),
                None
            ]
        );
        assert_eq!(reported[0].duration, Some(Duration::from_millis(250)));
        assert_eq!(reported[1].output, b"E assert 0");
        let asked = ["t.py::a", "t.py::b", "t.py::c", "t.py::d", "t.py::e"];
        let attributed =
            attribute(&asked, reported, Outcome::Signal { signal: 9 }, true).expect("in order");
        assert_eq!(attributed.results.len(), 4);
        assert_eq!(attributed.results[3].0, Outcome::Signal { signal: 9 });
        assert!(!attributed.unattributed);
    }

    #[test]
    fn notes_are_the_note_lines_whoever_wrote_them() {
        let lines = concat!(
            "{\"note\": \"pytest-xdist is off\"}\n",
            "{\"note\":\"rspec-retry is off\"}\n",
            "{\"start\": \"note\"}\n",
            "{\"test\": \"note\", \"outcome\": \"failed\", \"output\": \"a \\\"note\\\": x\"}\n",
            "not the helper's: \"note\"\n",
        );
        assert_eq!(
            notes(lines.as_bytes()),
            ["pytest-xdist is off", "rspec-retry is off"]
        );
    }

    #[test]
    fn results_after_a_failure_may_be_missing() {
        let output = "not ok 1 - a\n";
        let reported = parse_tap(output.as_bytes(), &["a", "b"]);
        let got = attribute(&["a", "b"], reported, Outcome::Fail { code: 1 }, true).expect("ok");
        assert_eq!(outcomes(&got), [Outcome::Failed]);
        assert!(!got.unattributed);
    }

    /// What rspec 3.12's JSON formatter wrote for `a_spec.rb[1:3:1] b_spec.rb[1:1]
    /// b_spec.rb[1:2] a_spec.rb[1:2] b_spec.rb[1:3]` (a pending, a failure, a skip), trimmed.
    const RSPEC_JSON: &str = r#"{"version":"3.12.0","messages":["Run options: include {:ids=>{}}"],"examples":[{"id":"./spec/a_spec.rb[1:3:1]","description":"three","full_description":"a inner three","status":"passed","file_path":"./spec/a_spec.rb","line_number":6,"run_time":0.25,"pending_message":null},{"id":"./spec/b_spec.rb[1:1]","full_description":"b one","status":"passed","run_time":3.5993e-05,"pending_message":null},{"id":"./spec/b_spec.rb[1:2]","full_description":"b pending","status":"pending","run_time":0.008,"pending_message":"later"},{"id":"./spec/a_spec.rb[1:2]","description":"two","full_description":"a two","status":"failed","file_path":"./spec/a_spec.rb","line_number":4,"run_time":0.00011,"pending_message":null,"exception":{"class":"RSpec::Expectations::ExpectationNotMetError","message":"\nexpected: 0\n     got: 1\n\n(compared using ==)\n","backtrace":["./spec/a_spec.rb:4:in `block (2 levels) in <top (required)>'"]}},{"id":"./spec/b_spec.rb[1:3]","full_description":"b skipped","status":"pending","run_time":4.4858e-05,"pending_message":"nope"}],"summary":{"example_count":5,"failure_count":1,"pending_count":2},"summary_line":"5 examples, 1 failure, 2 pending"}"#;

    /// What jest 30's `--json --outputFile` wrote for `__tests__/a.test.js __tests__/b.test.js`
    /// (a fails one test and skips one), trimmed.
    const JEST_JSON: &str = r#"{"numFailedTestSuites":1,"numTotalTestSuites":2,"success":false,"testResults":[{"assertionResults":[{"failureMessages":[],"fullName":"a","status":"passed"},{"failureMessages":["Error: expect(received).toBe(expected)\n\nExpected: 2\nReceived: 1\n    at Object.toBe (/p/__tests__/a.test.js:2:35)"],"fullName":"a fails","status":"failed"},{"failureMessages":[],"fullName":"a skip","status":"pending"}],"startTime":1795882416800,"endTime":1795882416950,"message":"  ● a fails\n\n    expect(received).toBe(expected) // Object.is equality\n\n    Expected: 2\n    Received: 1\n","name":"/p/__tests__/a.test.js","status":"failed"},{"assertionResults":[{"failureMessages":[],"fullName":"b skip","status":"pending"}],"startTime":1795882416951,"endTime":1795882416960,"message":"","name":"/p/__tests__/b.test.js","status":"passed"}],"wasInterrupted":false}"#;

    #[test]
    fn rspec_json_gives_each_example_its_outcome_time_and_failure_text() {
        let asked = [
            "spec/a_spec.rb[1:3:1]",
            "spec/b_spec.rb[1:1]",
            "./spec/b_spec.rb[1:2]",
            "spec/a_spec.rb[1:2]",
            "spec/b_spec.rb[1:3]",
        ];
        let reported = parse_json(RSPEC_JSON.as_bytes(), &asked).expect("rspec's JSON");
        assert_eq!(reported.len(), 5);
        assert_eq!(reported[0].id, "spec/a_spec.rb[1:3:1]");
        assert_eq!(reported[0].duration, Some(Duration::from_millis(250)));
        let failure = String::from_utf8_lossy(&reported[3].output);
        assert!(
            failure.starts_with("a two\nRSpec::Expectations::ExpectationNotMetError: expected: 0"),
            "{failure}"
        );
        assert!(failure.contains("# ./spec/a_spec.rb:4:in"), "{failure}");
        assert_eq!(reported[2].output, b"pending: later\n");
        let got = attribute(&asked, reported, Outcome::Fail { code: 1 }, false).expect("in order");
        // Pending and skipped examples pass, as <skipped> does in JUnit.
        assert_eq!(
            outcomes(&got),
            [
                Outcome::Pass,
                Outcome::Pass,
                Outcome::Pass,
                Outcome::Failed,
                Outcome::Pass
            ]
        );
    }

    #[test]
    fn rspec_json_in_another_order_is_a_mismatch() {
        let asked = ["spec/b_spec.rb[1:1]", "spec/a_spec.rb[1:3:1]"];
        let reported = parse_json(RSPEC_JSON.as_bytes(), &asked).expect("rspec's JSON");
        let err = attribute(&asked, reported, Outcome::Fail { code: 1 }, false).expect_err("bad");
        assert!(
            matches!(err, Mismatch::Reordered { position: 0, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn jest_json_gives_each_file_its_outcome_time_and_message() {
        let asked = ["__tests__/a.test.js", "__tests__/b.test.js"];
        let reported = parse_json(JEST_JSON.as_bytes(), &asked).expect("jest's JSON");
        assert_eq!(reported[0].id, "/p/__tests__/a.test.js");
        assert_eq!(reported[0].duration, Some(Duration::from_millis(150)));
        let message = String::from_utf8_lossy(&reported[0].output);
        assert!(message.contains("● a fails"), "{message}");
        assert!(reported[1].output.is_empty());
        let got = attribute(&asked, reported, Outcome::Fail { code: 1 }, false).expect("in order");
        // A file whose only test is skipped passes.
        assert_eq!(outcomes(&got), [Outcome::Failed, Outcome::Pass]);
        // A failed file without a message keeps its tests' failure messages.
        let bare = JEST_JSON.replace("  ● a fails", "").replace(
            r#"\n\n    expect(received).toBe(expected) // Object.is equality\n\n    Expected: 2\n    Received: 1\n"#,
            "",
        );
        let reported = parse_json(bare.as_bytes(), &asked).expect("jest's JSON");
        let message = String::from_utf8_lossy(&reported[0].output);
        assert!(message.starts_with("Error: expect(received)"), "{message}");
    }

    #[test]
    fn a_jest_path_matches_only_the_file_it_ends_with() {
        // `a.test.js` must not match `/p/__tests__/a.test.js`'s neighbour `aa.test.js`.
        let asked = ["__tests__/b.test.js", "a.test.js"];
        let json = JEST_JSON.replace("/p/__tests__/a.test.js", "/p/aa.test.js");
        let reported = parse_json(json.as_bytes(), &asked).expect("jest's JSON");
        let err = attribute(&asked, reported, Outcome::Fail { code: 1 }, false).expect_err("bad");
        assert!(
            matches!(err, Mismatch::Unknown { position: 0, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_missing_or_partial_json_file_is_an_error_or_a_crash_never_a_pass() {
        // Cut short (the runner was killed while writing): an error that says where.
        let cut = &RSPEC_JSON[..RSPEC_JSON.len() / 2];
        let err = parse_json(cut.as_bytes(), &[]).expect_err("partial");
        assert!(err.contains("EOF"), "{err}");
        let err = parse_json(b"", &[]).expect_err("empty");
        assert!(err.contains("EOF"), "{err}");
        // JSON of another shape.
        let err = parse_json(br#"{"tests": []}"#, &[]).expect_err("another shape");
        assert!(err.contains("neither rspec's JSON"), "{err}");
        // Fewer results than asked and a failing runner: the tests after the last did not run,
        // and a JSON file cannot say which was running.
        let reported = parse_json(br#"{"examples":[]}"#, &["spec/a_spec.rb[1:1]"]).expect("ok");
        let got = attribute(
            &["spec/a_spec.rb[1:1]"],
            reported,
            Outcome::Signal { signal: 9 },
            false,
        )
        .expect("a crash");
        assert!(got.unattributed);
    }
}
