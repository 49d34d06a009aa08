//! Pure: what CI kept of a failing run, read as evidence for `smoke reproduce`. [`read`] takes
//! one file's bytes (a JUnit XML file, a console log, or a plain list of test names) and returns
//! the tests in the order they ran, which failed, and the seed of a runner that shuffled;
//! [`combine`] merges the files of one run; [`Index`] maps the names an artifact uses to the
//! suite's own test ids, never guessing. The caller reads the files: nothing here touches the
//! file system, a process or the clock. Parsers live in `junit` (quick-xml) and `log` (anchored
//! patterns per runner); the plain names list and the sniffing of what a file is live here.

mod index;
mod junit;
mod log;
#[cfg(test)]
mod tests;

pub use index::{Found, Index};

use std::collections::HashMap;

/// What kind of artifact a file was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A JUnit XML report.
    Junit,
    /// A console log.
    Log,
    /// A plain list of test names, one a line.
    Names,
}

/// A runner whose seed line a log can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedRunner {
    /// `Using --randomly-seed=1234`
    PytestRandomly,
    /// `Randomized with seed 12345`
    Rspec,
    /// `Seed:        1234` (`--randomize --showSeed`)
    Jest,
    /// `-test.shuffle 1700000000`
    Go,
    /// `Note: Randomizing tests' orders with a seed of 123 .`
    Gtest,
    /// `Random Seed:   1234` (PHPUnit 9: `Random seed: 1234`)
    Phpunit,
}

impl std::fmt::Display for SeedRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SeedRunner::PytestRandomly => "pytest-randomly",
            SeedRunner::Rspec => "rspec",
            SeedRunner::Jest => "jest",
            SeedRunner::Go => "go",
            SeedRunner::Gtest => "gtest",
            SeedRunner::Phpunit => "phpunit",
        })
    }
}

/// A shuffling runner's seed, as the artifact wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    /// Whose seed it is.
    pub runner: SeedRunner,
    /// The seed as written (digits).
    pub value: String,
}

/// One test as the artifact records it, in run order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ran {
    /// The name as the artifact spells it, in the most id-like form available (pytest -v: the
    /// node id; GoogleTest: `Suite.Test`; go test -v: `pkg::TestX` once the package line came;
    /// JUnit: `classname.name`, or `name` when it already starts with the classname).
    pub name: String,
    /// Other spellings that may match the suite's id (JUnit's bare `name` and its `file` and
    /// `filepath` attributes, go's bare test name).
    pub also: Vec<String>,
    /// It failed (or errored) in the artifact.
    pub failed: bool,
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// What kind of file it was.
    pub kind: Kind,
    /// The formats recognised, for messages ("JUnit XML", "pytest -v output", "GoogleTest
    /// output", "go test -v output", "TAP", "prove output", "jest output", "rspec output",
    /// "test names"; several joined with ", ").
    pub format: String,
    /// Tests in the order they ran (empty when the log has only a seed). A test named twice
    /// (a rerun, a teardown error after a pass) keeps its first position and failed if any
    /// of its runs failed; a names file is kept as written.
    pub ran: Vec<Ran>,
    /// Failing tests named where the artifact does not give their run position (pytest's
    /// short summary, rspec's `rspec ./spec/a_spec.rb:12 # desc`, go's `--- FAIL` without -v,
    /// GoogleTest's `[  FAILED  ]` for a test it never showed running): names only.
    pub failed_elsewhere: Vec<String>,
    /// The shuffling runner's seed, if any: the one in force where the first failure happened
    /// (go prints one per package), else the first.
    pub seed: Option<Seed>,
    /// JUnit: the earliest testsuite `timestamp` (as written), to order several files of one
    /// run.
    pub started: Option<String>,
}

/// The evidence of one run, from one or several files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// JUnit when any file was JUnit (its order is the one kept), else the files' kind.
    pub kind: Kind,
    /// The formats of the files, joined with " + ".
    pub format: String,
    /// The files' labels, in the order their tests were taken.
    pub files: Vec<String>,
    /// Tests in the order they ran, across the files.
    pub ran: Vec<Ran>,
    /// Failing tests named without a run position.
    pub failed_elsewhere: Vec<String>,
    /// The shuffling runner's seed, if any file had one.
    pub seed: Option<Seed>,
}

/// Why a file (or a set of files) is not evidence; the message names what it is instead.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EvidenceError(pub String);

/// What the error for an unrecognised log lists.
const LOOKED_FOR: &str = "looked for: pytest -v lines, [ RUN ] lines of GoogleTest, === RUN of \
    go test -v, TAP ok/not ok lines, prove and jest PASS/FAIL lines, JUnit XML; seed lines of \
    pytest-randomly, rspec, jest, go, GoogleTest, PHPUnit";

/// The longest line a names file may have.
const LONGEST_NAME: usize = 1000;

/// Parse one file's bytes; `label` is the path as the user gave it (for messages).
///
/// What the bytes are is decided from their content, never from the label: a UTF-8 BOM is
/// skipped; empty or blank, binary (NUL bytes, mostly not UTF-8, gzip or zip) and HTML pages
/// are errors; XML (`<?xml`, `<testsuites`, `<testsuite`, or any other element that parses) is
/// JUnit or an error naming its root element; anything else is a console log, decoded lossily.
/// A log with nothing the log parsers know may still be a plain list of test names (`Kind::Names`):
///
/// - lines are trimmed; blank lines and lines starting with `#` are skipped;
/// - every other line must be at most 1000 characters, without control characters, with a
///   letter or digit;
/// - a line is one name; a name may contain spaces (rspec descriptions, pytest parameters),
///   but more than half of the lines must be single words (no whitespace outside `[...]`),
///   so that prose and logs, where most lines have spaces, are refused.
///
/// A JUnit file that records no failure is returned as it is (another file of the run may
/// hold the failure); [`combine`] decides.
pub fn read(label: &str, bytes: &[u8]) -> Result<Artifact, EvidenceError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let not = |what: &str| {
        EvidenceError(format!(
            "'{label}' is {what}, not a JUnit XML file or a console log"
        ))
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(EvidenceError(format!("'{label}' is empty")));
    }
    if let Some(what) = binary(bytes) {
        return Err(not(what));
    }
    let text = String::from_utf8_lossy(bytes);
    let head = text.trim_start();
    let html = || {
        EvidenceError(format!(
            "'{label}' is an HTML page, not a JUnit XML file or a console log (CI's page for \
             the run, perhaps): download the raw log or the JUnit artifact"
        ))
    };
    if is_html(head) {
        return Err(html());
    }
    let xml_for_sure = ["<?xml", "<testsuites", "<testsuite"]
        .iter()
        .any(|p| head.starts_with(p));
    let maybe_xml = head
        .strip_prefix('<')
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '!');
    if xml_for_sure || maybe_xml {
        let not_junit = |root: &str| {
            if root.eq_ignore_ascii_case("html") {
                html()
            } else {
                EvidenceError(format!(
                    "'{label}' is XML whose root element is <{root}>, not a JUnit XML file \
                     (<testsuites> or <testsuite>)"
                ))
            }
        };
        match junit::parse(bytes) {
            Ok(artifact) => return Ok(artifact),
            Err(junit::NotJunit::Root(root)) => return Err(not_junit(&root)),
            Err(junit::NotJunit::Malformed {
                root: Some(root), ..
            }) if xml_for_sure || root.eq_ignore_ascii_case("html") => {
                return Err(not_junit(&root));
            }
            Err(junit::NotJunit::Malformed { message, .. }) if xml_for_sure => {
                return Err(EvidenceError(format!(
                    "'{label}' is not well-formed XML ({message}): a JUnit file cut short, \
                     perhaps (the run was stopped before the report was written)"
                )));
            }
            // A log that happens to start with `<`: read it as a log.
            Err(junit::NotJunit::Malformed { .. }) => {}
        }
    }

    let lines = log::clean(&text);
    if let Some(parsed) = log::parse(&lines) {
        return Ok(Artifact {
            kind: Kind::Log,
            format: parsed.formats.join(", "),
            ran: parsed.ran,
            failed_elsewhere: parsed.failed_elsewhere,
            seed: parsed.seed,
            started: None,
        });
    }
    if let Some(ran) = names(&lines) {
        return Ok(Artifact {
            kind: Kind::Names,
            format: "test names".to_string(),
            ran,
            failed_elsewhere: Vec::new(),
            seed: None,
            started: None,
        });
    }
    Err(EvidenceError(format!(
        "'{label}' has no seed line and no test names smoke knows ({LOOKED_FOR})"
    )))
}

/// What binary content this is, if it is.
fn binary(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Some("a gzip file (unpack it first: gunzip)");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Some("a zip archive (CI hands out artifacts zipped: unzip it first)");
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Some("UTF-16 text (save it as UTF-8)");
    }
    if bytes.contains(&0) {
        return Some("a binary file");
    }
    if std::str::from_utf8(bytes).is_err() {
        let text = String::from_utf8_lossy(bytes);
        let chars = text.chars().count();
        let replaced = text
            .chars()
            .filter(|&c| c == char::REPLACEMENT_CHARACTER)
            .count();
        // A few stray bytes are a log with some other encoding's text in it; many are binary.
        if replaced * 10 > chars {
            return Some("a binary file");
        }
    }
    None
}

fn is_html(head: &str) -> bool {
    let start: String = head
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    start.starts_with("<!doctype html")
        || start.starts_with("<html")
        || (start.starts_with("<!--")
            && (start.contains("<!doctype html") || start.contains("<html")))
}

/// The lines of a plain names file, when the text is one (see [`read`] for the rule).
fn names(lines: &[String]) -> Option<Vec<Ran>> {
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if names.is_empty() {
        return None;
    }
    let fits = |name: &&str| {
        name.chars().count() <= LONGEST_NAME
            && !name.chars().any(char::is_control)
            && name.chars().any(char::is_alphanumeric)
    };
    if !names.iter().all(fits) {
        return None;
    }
    let words = names.iter().filter(|n| one_word(n)).count();
    if words * 2 <= names.len() {
        return None;
    }
    Some(
        names
            .into_iter()
            .map(|name| Ran {
                name: name.to_string(),
                also: Vec::new(),
                failed: false,
            })
            .collect(),
    )
}

/// No whitespace outside `[...]`.
fn one_word(name: &str) -> bool {
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if c.is_whitespace() && depth == 0 => return false,
            _ => {}
        }
    }
    true
}

/// Append `ran`, or fold it into the test of the same name already there: first position,
/// failed if either failed, spellings merged.
fn push_ran(ran: &mut Vec<Ran>, seen: &mut HashMap<String, usize>, test: Ran) {
    match seen.get(&test.name) {
        Some(&i) => {
            let first = &mut ran[i];
            first.failed |= test.failed;
            for spelling in test.also {
                if !first.also.contains(&spelling) {
                    first.also.push(spelling);
                }
            }
        }
        None => {
            seen.insert(test.name.clone(), ran.len());
            ran.push(test);
        }
    }
}

/// A JUnit timestamp as a comparable time: RFC 3339 (with an offset, as UTC) or without an
/// offset (GoogleTest writes local time without one; compared as written).
fn timestamp_key(stamp: &str) -> Option<chrono::NaiveDateTime> {
    let stamp = stamp.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(stamp) {
        return Some(t.naive_utc());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(stamp, f).ok())
}

/// Merge the files of one run (`(label, artifact)`, in the order given) into one [`Evidence`].
///
/// - JUnit files are ordered by their `started` timestamps when every one has one that parses
///   (stable), else kept in the order given; their tests are concatenated, a test in several
///   files keeping its first position and failed if it failed anywhere.
/// - Logs may come with JUnit files: they add their seed and their failures without a position
///   (`failed_elsewhere`); the order is the JUnit files'. Logs alone are concatenated in the
///   order given.
/// - A names file is the whole order: it must come alone.
/// - All the seeds found must be the same seed.
///
/// Errors: nothing given; a names file with anything else; different seeds; JUnit evidence
/// with no failed test at all ("give the JUnit file of the run that failed"). Logs and names
/// without a failure are returned: the caller decides what they are good for.
pub fn combine(artifacts: Vec<(String, Artifact)>) -> Result<Evidence, EvidenceError> {
    if artifacts.is_empty() {
        return Err(EvidenceError("no evidence given".to_string()));
    }
    if let Some((label, _)) = artifacts.iter().find(|(_, a)| a.kind == Kind::Names)
        && artifacts.len() > 1
    {
        let others = quoted(artifacts.iter().map(|(l, _)| l).filter(|l| *l != label));
        return Err(EvidenceError(format!(
            "'{label}' is a list of test names, which is the whole order on its own: give it \
             alone, without {others}"
        )));
    }

    let seeds: Vec<(&String, &Seed)> = artifacts
        .iter()
        .filter_map(|(l, a)| a.seed.as_ref().map(|s| (l, s)))
        .collect();
    if let Some((first_label, first)) = seeds.first()
        && let Some((label, other)) = seeds.iter().find(|(_, s)| s != first)
    {
        return Err(EvidenceError(format!(
            "'{first_label}' and '{label}' carry different seeds ({} {}, {} {}): give the \
             files of one run",
            first.runner, first.value, other.runner, other.value
        )));
    }
    let seed = seeds.first().map(|(_, s)| (*s).clone());

    let (mut junits, logs): (Vec<_>, Vec<_>) = artifacts
        .into_iter()
        .partition(|(_, a)| a.kind == Kind::Junit);
    let keys: Option<Vec<_>> = junits
        .iter()
        .map(|(_, a)| a.started.as_deref().and_then(timestamp_key))
        .collect();
    if let Some(keys) = keys {
        let mut keyed: Vec<_> = keys.into_iter().zip(junits).collect();
        keyed.sort_by_key(|(key, _)| *key);
        junits = keyed.into_iter().map(|(_, j)| j).collect();
    }

    let junit = !junits.is_empty();
    let kind = if junit { Kind::Junit } else { logs[0].1.kind };
    let mut formats: Vec<String> = Vec::new();
    let mut files = Vec::new();
    let mut ran = Vec::new();
    let mut seen = HashMap::new();
    let mut failed_elsewhere: Vec<String> = Vec::new();
    for (label, artifact) in junits.into_iter().chain(logs) {
        if !formats.contains(&artifact.format) && !artifact.format.is_empty() {
            formats.push(artifact.format);
        }
        files.push(label);
        // With JUnit files, a log's order of the same run is a second copy: the JUnit one
        // is kept, the log adds its seed and failures without a position.
        if !junit || artifact.kind == Kind::Junit {
            for test in artifact.ran {
                push_ran(&mut ran, &mut seen, test);
            }
        }
        for name in artifact.failed_elsewhere {
            if !failed_elsewhere.contains(&name) {
                failed_elsewhere.push(name);
            }
        }
    }

    if junit && failed_elsewhere.is_empty() && !ran.iter().any(|r| r.failed) {
        let verb = if files.len() == 1 {
            "records"
        } else {
            "record"
        };
        let which = quoted(files.iter());
        let tests = match ran.len() {
            0 => {
                return Err(EvidenceError(format!(
                    "{which} {verb} no test that ran: give the JUnit file of the run that failed"
                )));
            }
            1 => "1 test ran".to_string(),
            n => format!("{n} tests ran"),
        };
        return Err(EvidenceError(format!(
            "{which} {verb} no failed test ({tests}, all passed or skipped): give the JUnit \
             file of the run that failed"
        )));
    }
    Ok(Evidence {
        kind,
        format: formats.join(" + "),
        files,
        ran,
        failed_elsewhere,
        seed,
    })
}

/// `'a', 'b'`
fn quoted<'a>(labels: impl Iterator<Item = &'a String>) -> String {
    labels
        .map(|l| format!("'{l}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
