//! In-process state: what changed inside the runner's own process, test by test, during a
//! probed sequence (the verbose rerun of a minimal sequence, a replay's first run). smoke's
//! runner helpers (the pytest plugin, the rspec helpers, the jest reporter) snapshot the
//! process's reachable state (module globals, class attributes, methods, the environment, the
//! working folder, ...) before the first test and after each, and write what each test changed
//! as JSON lines to the file smoke names in [`ENV`]: a `begin` line (what one snapshot holds,
//! the names that changed between two snapshots with nothing run between them), a line per test
//! (`{"test": NAME, "changes": [...]}`) and `note`s. This module reads those lines into the
//! report model ([`StateDiff`]), drops what changes on its own, marks what was still changed
//! when the failing test started, and says who changed it in one sentence.
//!
//! Pure: the worker sets the variable and reads the file; the helpers take the snapshots.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The variable that tells a runner helper where to write its state lines.
pub const ENV: &str = "SMOKE_STATE";
/// The most changes one failure's report keeps (the rest are counted in `cut`).
pub const CHANGES: usize = 500;
/// The most changes the one-line summary names before "and N more".
const SUMMARY_CHANGES: usize = 3;
/// The most members of a container change the summary names.
const SUMMARY_MEMBERS: usize = 3;
/// The most notes kept.
const NOTES: usize = 20;

/// One change a test made to the runner's state (JSON `failures[].state_diff[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    /// The test that made it, as smoke names it.
    #[serde(default)]
    pub test: String,
    /// What kind of state: `module-global`, `class-attribute`, `env`, `cwd`, `sys-path`,
    /// `method`, `constant`, `core-module`, ... (the helper's word).
    pub kind: String,
    /// Its name as a user would write it: `arrow.locales._locale_map`, `ENV['HOME']`.
    pub name: String,
    /// The value before the test, for people (`dict (3 keys)`); `null`: it did not exist.
    pub before: Option<String>,
    /// The value after the test; `null`: it was deleted.
    pub after: Option<String>,
    /// A container's keys or members the test added (bounded by the helper).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    /// A container's keys or members the test removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// Still changed when the failing test started (no later test undid it): what the failing
    /// test met. Always `false` for the failing test's own changes.
    #[serde(default)]
    pub present: bool,
}

/// What the runner helper saw during one probed sequence (JSON `failures[].state`, the list of
/// changes itself is `failures[].state_diff`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateDiff {
    /// The helper that looked (`pytest`, `rspec`, `jest`).
    pub runner: Option<String>,
    /// How many names one snapshot held.
    pub names: Option<u64>,
    /// Milliseconds one snapshot took.
    pub snapshot_ms: Option<u64>,
    /// Names left out as noise: they changed between two snapshots with no test between them,
    /// or in every test of the sequence with no key or member of their own (a counter).
    pub noise: Vec<String>,
    /// How many tests' lines were read.
    pub tests: usize,
    /// Every change, in the order the tests ran (at most [`CHANGES`]).
    #[serde(skip)]
    pub changes: Vec<StateChange>,
    /// Changes not kept.
    #[serde(default)]
    pub cut: usize,
    /// What the helper said of its own limits (a time budget reached, a value it could not
    /// read), and lines smoke could not read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The failing test, last in the sequence, when it failed there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victim: Option<String>,
    /// One sentence: who left what for the failing test (`t1 added 'foo' to reg.MAP; t2
    /// failed with it present`); `null` when nothing the tests before it changed was still
    /// changed when it started.
    pub summary: Option<String>,
}

/// One line of a helper's file.
#[derive(Deserialize)]
#[serde(untagged)]
enum Line {
    Begin { begin: Begin },
    Test { test: String, changes: Vec<Raw> },
    Note { note: String },
}

#[derive(Deserialize)]
struct Begin {
    runner: Option<String>,
    names: Option<u64>,
    #[serde(default)]
    noise: Vec<String>,
    seconds: Option<f64>,
}

#[derive(Deserialize)]
struct Raw {
    kind: String,
    name: String,
    before: Option<String>,
    after: Option<String>,
    #[serde(default)]
    added: Vec<String>,
    #[serde(default)]
    removed: Vec<String>,
}

/// Read a helper's lines for a sequence of `length` tests whose last one, `victim`, failed
/// (`None`: it did not; then no change is marked present and there is no summary). `None`
/// when the helper wrote nothing (it was not loaded, or the runner died before the first
/// test).
pub fn read(text: &str, length: usize, victim: Option<&str>) -> Option<StateDiff> {
    let failed = victim.is_some();
    let mut diff = StateDiff {
        victim: victim.map(str::to_string),
        ..StateDiff::default()
    };
    let mut steps: Vec<(String, Vec<Raw>)> = Vec::new();
    let mut unreadable = 0;
    let mut begun = false;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Line>(line) {
            Ok(Line::Begin { begin }) => {
                begun = true;
                diff.runner = begin.runner;
                diff.names = begin.names;
                diff.snapshot_ms = begin
                    .seconds
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(|s| (s * 1000.0).round() as u64);
                diff.noise = begin.noise;
            }
            Ok(Line::Test { test, changes }) => steps.push((test, changes)),
            Ok(Line::Note { note }) => {
                if diff.notes.len() < NOTES && !diff.notes.contains(&note) {
                    diff.notes.push(note);
                }
            }
            Err(_) => unreadable += 1,
        }
    }
    if !begun && steps.is_empty() {
        return None;
    }
    if unreadable > 0 {
        diff.notes.push(format!(
            "{unreadable} line(s) of the runner helper's state file could not be read"
        ));
    }
    diff.tests = steps.len();
    // A name every test changed, with no key or member of its own, changes on its own (a
    // counter every test bumps): noise, as a name that changed with no test run is.
    let counters: BTreeSet<String> = if steps.len() >= 2 {
        let scalar_names = |changes: &[Raw]| -> BTreeSet<String> {
            changes
                .iter()
                .filter(|c| c.added.is_empty() && c.removed.is_empty())
                .map(|c| c.name.clone())
                .collect()
        };
        let mut every = scalar_names(&steps[0].1);
        for (_, changes) in &steps[1..] {
            let these = scalar_names(changes);
            every.retain(|n| these.contains(n));
        }
        every
    } else {
        BTreeSet::new()
    };
    diff.noise.extend(counters.iter().cloned());
    diff.noise.sort();
    diff.noise.dedup();
    // The failing test is the last of the sequence; its own line, when the helper wrote it
    // (a test that killed its process has none), is not part of what it met.
    let before_victim = if failed && steps.len() >= length {
        length.saturating_sub(1)
    } else {
        steps.len()
    };
    let mut all = Vec::new();
    for (i, (test, changes)) in steps.into_iter().enumerate() {
        for c in changes {
            if counters.contains(&c.name) {
                continue;
            }
            all.push((
                i < before_victim,
                StateChange {
                    test: test.clone(),
                    kind: c.kind,
                    name: c.name,
                    before: c.before,
                    after: c.after,
                    added: c.added,
                    removed: c.removed,
                    present: false,
                },
            ));
        }
    }
    if failed {
        mark_present(&mut all);
    }
    let mut changes: Vec<StateChange> = all.into_iter().map(|(_, c)| c).collect();
    diff.summary = victim
        .filter(|_| length >= 2)
        .and_then(|v| summary(&changes, v));
    diff.cut = changes.len().saturating_sub(CHANGES);
    changes.truncate(CHANGES);
    diff.changes = changes;
    Some(diff)
}

/// Mark the changes made before the failing test (`.0`) that were still in place when it
/// started. A container's change stands while a member it added (or removed) was not removed
/// (or added back) by a later test; any other name's last change stands when the name's value
/// then differs from its value before its first change.
fn mark_present(all: &mut [(bool, StateChange)]) {
    let mut first_before: BTreeMap<&str, Option<String>> = BTreeMap::new();
    let mut last: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (pre, c)) in all.iter().enumerate() {
        if *pre {
            first_before
                .entry(c.name.as_str())
                .or_insert_with(|| c.before.clone());
            last.insert(c.name.as_str(), i);
        }
    }
    let mut standing: Vec<usize> = Vec::new();
    for (i, (pre, c)) in all.iter().enumerate() {
        if !*pre || (c.added.is_empty() && c.removed.is_empty()) {
            continue;
        }
        let later = || all[i + 1..].iter().filter(|(p, l)| *p && l.name == c.name);
        let added_stays = c
            .added
            .iter()
            .any(|m| !later().any(|(_, l)| l.removed.contains(m)));
        let removed_stays = c
            .removed
            .iter()
            .any(|m| !later().any(|(_, l)| l.added.contains(m)));
        if added_stays || removed_stays {
            standing.push(i);
        }
    }
    for (name, &i) in &last {
        let container = all
            .iter()
            .any(|(p, c)| *p && c.name == *name && !(c.added.is_empty() && c.removed.is_empty()));
        if !container && first_before.get(name).is_some_and(|b| *b != all[i].1.after) {
            standing.push(i);
        }
    }
    for i in standing {
        all[i].1.present = true;
    }
}

/// The sentence for the changes marked present, grouped by the test that made them, in the
/// order they were made, and the failing test (`victim`) that met them.
fn summary(changes: &[StateChange], victim: &str) -> Option<String> {
    let present: Vec<&StateChange> = changes.iter().filter(|c| c.present).collect();
    if present.is_empty() {
        return None;
    }
    let mut by_test: Vec<(&str, Vec<String>)> = Vec::new();
    for c in present.iter().take(SUMMARY_CHANGES) {
        let phrase = phrase(c);
        match by_test.iter_mut().find(|(t, _)| *t == c.test) {
            Some((_, phrases)) => phrases.push(phrase),
            None => by_test.push((&c.test, vec![phrase])),
        }
    }
    let mut parts: Vec<String> = by_test
        .into_iter()
        .map(|(test, phrases)| format!("{test} {}", phrases.join(", ")))
        .collect();
    let more = present.len().saturating_sub(SUMMARY_CHANGES);
    if more > 0 {
        parts.push(format!(
            "and {more} more change(s) (the report's state_diff has them all)"
        ));
    }
    let many = present.len() > 1 || present.iter().any(|c| c.added.len() > 1);
    Some(format!(
        "{}; {victim} failed with {} in place",
        parts.join("; "),
        if many { "them" } else { "it" }
    ))
}

/// One change for people: `added 'foo', 'bar' to reg.MAP`, `set ENV['X'] to '1'`, `changed
/// Dir.pwd from '/a' to '/b'`, `deleted pkg.x`.
pub fn phrase(c: &StateChange) -> String {
    let members = |list: &[String]| {
        let shown: Vec<&str> = list
            .iter()
            .take(SUMMARY_MEMBERS)
            .map(String::as_str)
            .collect();
        let more = list.len().saturating_sub(SUMMARY_MEMBERS);
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    let name = &c.name;
    match (
        c.added.is_empty(),
        c.removed.is_empty(),
        &c.before,
        &c.after,
    ) {
        (false, true, _, _) => format!("added {} to {name}", members(&c.added)),
        (true, false, _, _) => format!("removed {} from {name}", members(&c.removed)),
        (false, false, _, _) => format!(
            "added {} to and removed {} from {name}",
            members(&c.added),
            members(&c.removed)
        ),
        (true, true, None, Some(after)) => format!("set {name} (new) to {after}"),
        (true, true, Some(_), None) => format!("deleted {name}"),
        (true, true, Some(before), Some(after)) => {
            format!("changed {name} from {before} to {after}")
        }
        (true, true, None, None) => format!("changed {name}"),
    }
}

/// `changes` with `hide` applied to every value and name, and the values of secret-looking
/// environment variables replaced whole.
pub fn redacted_changes(
    mut changes: Vec<StateChange>,
    hide: impl Fn(&str) -> String,
    secret: impl Fn(&str) -> bool,
) -> Vec<StateChange> {
    for c in &mut changes {
        let is_secret = c.kind == "env" && secret(&c.name);
        for value in [&mut c.before, &mut c.after].into_iter().flatten() {
            *value = if is_secret {
                "<redacted>".to_string()
            } else {
                hide(value)
            };
        }
        c.name = hide(&c.name);
        for m in c.added.iter_mut().chain(&mut c.removed) {
            *m = hide(m);
        }
    }
    changes
}

impl StateDiff {
    /// The same, with `hide` applied to every value and name (secret values in the report's
    /// environment), and the values of secret-looking environment variables replaced whole.
    pub fn redacted(
        mut self,
        hide: impl Fn(&str) -> String,
        secret: impl Fn(&str) -> bool,
    ) -> Self {
        self.changes = redacted_changes(self.changes, &hide, &secret);
        if let Some(victim) = &self.victim
            && self.summary.is_some()
            && self
                .changes
                .iter()
                .any(|c| c.kind == "env" && secret(&c.name))
        {
            self.summary = summary(&self.changes, victim);
        }
        self.summary = self.summary.map(|s| hide(&s));
        for n in &mut self.notes {
            *n = hide(n);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(items: &[&str]) -> String {
        items.join("\n")
    }

    const BEGIN: &str =
        r#"{"begin": {"runner": "pytest", "names": 1200, "noise": ["time.x"], "seconds": 0.01}}"#;

    #[test]
    fn a_polluters_added_keys_are_named_beside_it_and_the_victims_own_changes_are_not() {
        let text = lines(&[
            BEGIN,
            r#"{"test": "t/a.py::test_custom", "changes": [{"kind": "module-global", "name": "arrow.locales._locale_map", "before": "dict (3 keys)", "after": "dict (5 keys)", "added": ["'foo'", "'foo_bar'"]}]}"#,
            r#"{"test": "t/b.py::test_locales", "changes": [{"kind": "env", "name": "os.environ['X']", "before": null, "after": "'1'"}]}"#,
        ]);
        let d = read(&text, 2, Some("v")).unwrap();
        assert_eq!(d.runner.as_deref(), Some("pytest"));
        assert_eq!(d.tests, 2);
        assert_eq!(d.changes.len(), 2);
        assert!(d.changes[0].present && !d.changes[1].present);
        assert_eq!(
            d.summary.as_deref(),
            Some(
                "t/a.py::test_custom added 'foo', 'foo_bar' to arrow.locales._locale_map; \
                 v failed with them in place"
            )
        );
    }

    #[test]
    fn a_counter_every_test_bumps_is_noise_but_a_registry_every_test_fills_is_not() {
        let step = |test: &str, n: u32, key: &str| {
            format!(
                r#"{{"test": "{test}", "changes": [{{"kind": "module-global", "name": "pkg.COUNT", "before": "{n}", "after": "{}"}}, {{"kind": "module-global", "name": "pkg.REG", "before": "dict", "after": "dict", "added": ["'{key}'"]}}]}}"#,
                n + 1
            )
        };
        let text = lines(&[BEGIN, &step("p", 0, "a"), &step("v", 1, "b")]);
        let d = read(&text, 2, Some("v")).unwrap();
        assert!(d.noise.contains(&"pkg.COUNT".to_string()));
        assert!(d.changes.iter().all(|c| c.name == "pkg.REG"));
        assert_eq!(
            d.summary.as_deref(),
            Some("p added 'a' to pkg.REG; v failed with it in place")
        );
    }

    #[test]
    fn a_change_a_later_test_undoes_is_not_present() {
        let text = lines(&[
            BEGIN,
            r#"{"test": "p", "changes": [{"kind": "cwd", "name": "os.getcwd()", "before": "'/a'", "after": "'/tmp'"}]}"#,
            r#"{"test": "c", "changes": [{"kind": "cwd", "name": "os.getcwd()", "before": "'/tmp'", "after": "'/a'"}]}"#,
            r#"{"test": "v", "changes": []}"#,
        ]);
        let d = read(&text, 3, Some("v")).unwrap();
        assert!(d.changes.iter().all(|c| !c.present));
        assert_eq!(d.summary, None);
        // The cleaner's change is still listed: the report says what it undid.
        assert_eq!(d.changes[1].test, "c");
    }

    #[test]
    fn a_victim_that_killed_its_process_has_no_line_and_everything_before_it_counts() {
        let text = lines(&[
            BEGIN,
            r#"{"test": "p", "changes": [{"kind": "method", "name": "Clock.now", "before": "<method at lib/clock.rb:3>", "after": "<method at spec/clock_spec.rb:9>"}]}"#,
        ]);
        let d = read(&text, 2, Some("v")).unwrap();
        assert!(d.changes[0].present);
        assert_eq!(
            d.summary.as_deref(),
            Some(
                "p changed Clock.now from <method at lib/clock.rb:3> to \
                 <method at spec/clock_spec.rb:9>; v failed with it in place"
            )
        );
    }

    #[test]
    fn no_lines_is_none_and_bad_lines_are_noted_not_fatal() {
        assert_eq!(read("", 2, Some("v")), None);
        let d = read(
            &lines(&[BEGIN, "{not json", r#"{"note": "cut at 20000 names"}"#]),
            2,
            Some("v"),
        )
        .unwrap();
        assert_eq!(d.tests, 0);
        assert!(d.notes.iter().any(|n| n.contains("20000")));
        assert!(d.notes.iter().any(|n| n.contains("could not be read")));
    }

    #[test]
    fn a_run_that_passed_marks_nothing_and_says_nothing() {
        let text = lines(&[
            BEGIN,
            r#"{"test": "p", "changes": [{"kind": "env", "name": "ENV['X']", "before": null, "after": "'1'"}]}"#,
            r#"{"test": "v", "changes": []}"#,
        ]);
        let d = read(&text, 2, None).unwrap();
        assert_eq!(d.changes.len(), 1);
        assert!(!d.changes[0].present);
        assert_eq!(d.summary, None);
    }

    #[test]
    fn secret_env_values_are_hidden_whole() {
        let text = lines(&[
            BEGIN,
            r#"{"test": "p", "changes": [{"kind": "env", "name": "os.environ['API_TOKEN']", "before": null, "after": "'hunter2'"}]}"#,
            r#"{"test": "v", "changes": []}"#,
        ]);
        let d = read(&text, 2, Some("v"))
            .unwrap()
            .redacted(str::to_string, |n| n.contains("TOKEN"));
        assert_eq!(d.changes[0].after.as_deref(), Some("<redacted>"));
        assert!(!d.summary.unwrap().contains("hunter2"));
    }

    #[test]
    fn phrases_say_what_happened() {
        let c = |before: Option<&str>, after: Option<&str>, added: &[&str], removed: &[&str]| {
            phrase(&StateChange {
                test: "t".into(),
                kind: "k".into(),
                name: "N".into(),
                before: before.map(Into::into),
                after: after.map(Into::into),
                added: added.iter().map(|s| s.to_string()).collect(),
                removed: removed.iter().map(|s| s.to_string()).collect(),
                present: true,
            })
        };
        assert_eq!(c(None, Some("'1'"), &[], &[]), "set N (new) to '1'");
        assert_eq!(c(Some("'1'"), None, &[], &[]), "deleted N");
        assert_eq!(c(Some("1"), Some("2"), &[], &[]), "changed N from 1 to 2");
        assert_eq!(
            c(Some("d"), Some("d"), &["a", "b", "c", "d", "e"], &[]),
            "added a, b, c and 2 more to N"
        );
        assert_eq!(c(Some("d"), Some("d"), &[], &["x"]), "removed x from N");
    }
}
