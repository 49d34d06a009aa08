//! Pure: one JUnit XML file as evidence (quick-xml): the testcases in the order they ran, which
//! failed, the earliest testsuite timestamp and the seed some runners write into the file
//! (GoogleTest's `random_seed`, written only when it shuffled; rspec_junit_formatter's `seed`
//! property, written even when the order was not random: the order in `ran` is what ran). It
//! reads bytes it is given; it must not read files or decide what a missing failure means (see
//! `combine`).

use super::{Artifact, Kind, Ran, Seed, SeedRunner, push_ran};
use quick_xml::events::Event;
use std::collections::HashMap;

/// Why the bytes are not a JUnit file.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum NotJunit {
    /// Not well-formed XML: the parser's message, with a line and column, and the root
    /// element when it was not a JUnit one.
    Malformed {
        message: String,
        root: Option<String>,
    },
    /// Well-formed, but the root element is this one.
    Root(String),
}

/// One `<testcase>` as written.
struct Case {
    name: String,
    classname: String,
    file: Option<String>,
    filepath: Option<String>,
    timestamp: Option<String>,
    failed: bool,
    /// GoogleTest's `status="notrun"`: a disabled test, listed but never run.
    not_run: bool,
}

/// The attributes of an open `<testsuite>` its testcases inherit.
#[derive(Default, Clone)]
struct Suite {
    name: String,
    file: Option<String>,
    filepath: Option<String>,
}

/// The children of a `<testcase>` that say it failed: JUnit's own, and Surefire's reruns
/// (a flaky test failed at least once before it passed).
const FAILED: [&[u8]; 6] = [
    b"failure",
    b"error",
    b"flakyFailure",
    b"flakyError",
    b"rerunFailure",
    b"rerunError",
];

/// Parse JUnit XML. Testcases are taken in document order, or in the order of their own
/// `timestamp` attributes (stable) when every testcase has one that parses. GoogleTest's
/// disabled tests (`status="notrun"`) are left out: they never ran. A test that appears twice
/// (a rerun) keeps its first position and failed if any of its runs failed.
pub(super) fn parse(xml: &[u8]) -> Result<Artifact, NotJunit> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut open: Vec<Vec<u8>> = Vec::new();
    let mut suites: Vec<Suite> = Vec::new();
    let mut cases: Vec<Case> = Vec::new();
    let mut current: Option<Case> = None;
    let mut stamps: Vec<String> = Vec::new();
    let mut seed: Option<Seed> = None;
    let mut rooted = false;
    // A root element that is not JUnit's: the rest is only checked for well-formedness, so
    // that a log starting with `<` is not called XML.
    let mut foreign: Option<String> = None;
    let malformed = |foreign: &Option<String>, pos: u64, message: String| {
        let (line, column) = line_column(xml, pos);
        NotJunit::Malformed {
            message: format!("line {line}, column {column}: {message}"),
            root: foreign.clone(),
        }
    };
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => {
                return Err(malformed(&foreign, reader.error_position(), e.to_string()));
            }
        };
        let at = reader.buffer_position();
        let (element, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = element {
            let tag = e.name().as_ref().to_vec();
            if !rooted {
                if tag != b"testsuites" && tag != b"testsuite" {
                    foreign = Some(String::from_utf8_lossy(&tag).into_owned());
                }
                rooted = true;
            }
            let attr = |key: &[u8]| {
                crate::batch::attribute_value(e, key).map_err(|m| malformed(&foreign, at, m))
            };
            // Under a foreign root no element means anything.
            let known: &[u8] = if foreign.is_some() { b"" } else { &tag };
            match known {
                b"testsuites" | b"testsuite" => {
                    if let Some(stamp) = attr(b"timestamp")? {
                        stamps.push(stamp);
                    }
                    if let Some(value) = attr(b"random_seed")? {
                        seed.get_or_insert(Seed {
                            runner: SeedRunner::Gtest,
                            value,
                        });
                    }
                    if tag == b"testsuite" && !empty {
                        let outer = suites.last().cloned().unwrap_or_default();
                        suites.push(Suite {
                            name: attr(b"name")?.unwrap_or_default(),
                            file: attr(b"file")?.or(outer.file),
                            filepath: attr(b"filepath")?.or(outer.filepath),
                        });
                    }
                }
                b"testcase" => {
                    let suite = suites.last().cloned().unwrap_or_default();
                    let case = Case {
                        name: attr(b"name")?.unwrap_or_default(),
                        classname: attr(b"classname")?.unwrap_or_default(),
                        file: attr(b"file")?.or(suite.file),
                        filepath: attr(b"filepath")?.or(suite.filepath),
                        timestamp: attr(b"timestamp")?,
                        failed: false,
                        not_run: attr(b"status")?.as_deref() == Some("notrun"),
                    };
                    if empty {
                        cases.push(case);
                    } else {
                        current = Some(case);
                    }
                }
                b"property" if current.is_none() => {
                    // rspec_junit_formatter names its suite "rspec" (plus TEST_ENV_NUMBER).
                    let rspec = suites.last().is_some_and(|s| s.name.starts_with("rspec"));
                    if rspec
                        && attr(b"name")?.as_deref() == Some("seed")
                        && let Some(value) = attr(b"value")?
                    {
                        seed.get_or_insert(Seed {
                            runner: SeedRunner::Rspec,
                            value,
                        });
                    }
                }
                name if FAILED.contains(&name) => {
                    if let Some(case) = current.as_mut() {
                        case.failed = true;
                    }
                }
                _ => {}
            }
            if !empty {
                open.push(tag);
            }
            buf.clear();
            continue;
        }
        match event {
            Event::End(e) => {
                open.pop();
                match e.name().as_ref() {
                    b"testcase" => cases.extend(current.take()),
                    b"testsuite" => {
                        suites.pop();
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if let Some(tag) = open.last() {
        return Err(NotJunit::Malformed {
            message: format!(
                "the file ends inside <{}> (cut short?)",
                String::from_utf8_lossy(tag)
            ),
            root: foreign,
        });
    }
    if !rooted {
        // No element at all (a prolog and comments only).
        return Err(NotJunit::Malformed {
            message: "no root element".to_string(),
            root: None,
        });
    }
    if let Some(root) = foreign {
        return Err(NotJunit::Root(root));
    }

    cases.retain(|c| !c.not_run);
    let keys: Option<Vec<_>> = cases
        .iter()
        .map(|c| c.timestamp.as_deref().and_then(super::timestamp_key))
        .collect();
    if let Some(keys) = keys {
        let mut keyed: Vec<_> = keys.into_iter().zip(cases).collect();
        keyed.sort_by_key(|(key, _)| *key);
        cases = keyed.into_iter().map(|(_, c)| c).collect();
    }

    let mut ran = Vec::new();
    let mut seen = HashMap::new();
    for case in cases {
        push_ran(&mut ran, &mut seen, ran_of(case));
    }
    Ok(Artifact {
        kind: Kind::Junit,
        format: "JUnit XML".to_string(),
        ran,
        failed_elsewhere: Vec::new(),
        seed,
        started: earliest(stamps),
    })
}

/// A testcase as a [`Ran`]: `classname.name` (unless the name already starts with the
/// classname), with the bare name and the file attributes as other spellings.
fn ran_of(case: Case) -> Ran {
    let name = if case.classname.is_empty() || case.name.starts_with(&case.classname) {
        case.name.clone()
    } else {
        format!("{}.{}", case.classname, case.name)
    };
    let mut also = Vec::new();
    for spelling in [Some(case.name), case.file, case.filepath]
        .into_iter()
        .flatten()
    {
        if !spelling.is_empty() && spelling != name && !also.contains(&spelling) {
            also.push(spelling);
        }
    }
    Ran {
        name,
        also,
        failed: case.failed,
    }
}

/// The earliest of the timestamps as written: by time where they parse, else the first.
fn earliest(stamps: Vec<String>) -> Option<String> {
    let parsed = stamps
        .iter()
        .filter_map(|s| super::timestamp_key(s).map(|k| (k, s)))
        .min_by_key(|(k, _)| *k)
        .map(|(_, s)| s.clone());
    parsed.or_else(|| stamps.into_iter().next())
}

/// 1-based line and column of a byte offset.
fn line_column(bytes: &[u8], offset: u64) -> (usize, usize) {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(artifact: &Artifact) -> Vec<(&str, bool)> {
        artifact
            .ran
            .iter()
            .map(|r| (r.name.as_str(), r.failed))
            .collect()
    }

    #[test]
    fn classname_joins_name_unless_already_there() {
        let xml = br#"<testsuite name="s" file="./spec/a_spec.rb">
            <testcase classname="pkg" name="TestA"/>
            <testcase classname="pkg" name="pkg.TestB"><error message="boom"/></testcase>
            <testcase classname="" name="bare" filepath="x/y.rb"/>
            <testcase name="skipped"><skipped/></testcase>
        </testsuite>"#;
        let artifact = parse(xml).expect("junit");
        assert_eq!(
            names(&artifact),
            [
                ("pkg.TestA", false),
                ("pkg.TestB", true),
                ("bare", false),
                ("skipped", false)
            ]
        );
        assert_eq!(artifact.ran[0].also, ["TestA", "./spec/a_spec.rb"]);
        assert_eq!(artifact.ran[2].also, ["./spec/a_spec.rb", "x/y.rb"]);
        assert_eq!(artifact.started, None);
        assert_eq!(artifact.seed, None);
    }

    #[test]
    fn testcase_timestamps_order_the_run_when_all_have_one() {
        let xml = br#"<testsuites><testsuite name="a" timestamp="2024-05-01T10:00:05Z">
            <testcase name="late" timestamp="2024-05-01T10:00:09Z"/>
            <testcase name="early" timestamp="2024-05-01T10:00:01Z"/>
            <testcase name="same-as-early" timestamp="2024-05-01T10:00:01Z"/>
          </testsuite><testsuite name="b" timestamp="2024-05-01T10:00:00+00:00"/></testsuites>"#;
        let artifact = parse(xml).expect("junit");
        assert_eq!(
            names(&artifact),
            [("early", false), ("same-as-early", false), ("late", false)]
        );
        assert_eq!(
            artifact.started.as_deref(),
            Some("2024-05-01T10:00:00+00:00")
        );

        let partial = br#"<testsuite name="a">
            <testcase name="late" timestamp="2024-05-01T10:00:09Z"/>
            <testcase name="early"/>
          </testsuite>"#;
        let artifact = parse(partial).expect("junit");
        assert_eq!(names(&artifact), [("late", false), ("early", false)]);
    }

    #[test]
    fn not_junit_and_malformed() {
        assert_eq!(
            parse(b"<?xml version=\"1.0\"?>\n<coverage/>").map(|_| ()),
            Err(NotJunit::Root("coverage".to_string()))
        );
        assert_eq!(
            parse(b"<testsuite>\n  <testcase name=\"a\">").map(|_| ()),
            Err(NotJunit::Malformed {
                message: "the file ends inside <testcase> (cut short?)".to_string(),
                root: None
            })
        );
        let Err(NotJunit::Malformed {
            message,
            root: None,
        }) = parse(b"<testsuite>\n<testcase name=\"a></testsuite>")
        else {
            panic!("malformed")
        };
        assert!(message.starts_with("line 2, column "), "{message}");
        assert_eq!(
            parse(b"<?xml version=\"1.0\"?><!-- nothing -->").map(|_| ()),
            Err(NotJunit::Malformed {
                message: "no root element".to_string(),
                root: None
            })
        );
        let Err(NotJunit::Malformed { root, .. }) = parse(b"<frozen importlib>: warning\n") else {
            panic!("malformed")
        };
        assert_eq!(root.as_deref(), Some("frozen"));
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column(b"ab\ncd", 0), (1, 1));
        assert_eq!(line_column(b"ab\ncd", 4), (2, 2));
        assert_eq!(line_column(b"ab", 99), (1, 3));
    }
}
