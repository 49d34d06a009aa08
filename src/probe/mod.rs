//! State probes: what the tests' shared state looked like before the first test of a probed
//! sequence and after every test, and what each test changed. A probed sequence is the verbose
//! rerun of a minimal sequence, or the first run of each sequence `smoke replay` replays.
//!
//! Two kinds of probe, both optional: a command (`[suite] probe`) whose stdout is the state
//! (`ls -la state/`, `psql -c 'select count(*) from users'`), compared line by line as a unified
//! diff; and `probe-files`, a built-in look at files (created, deleted, modified by size, mode
//! and content hash, never their contents). Lines that differ between two runs of the probe
//! before the first test are noise (a timestamp, a pid), learned as patterns and dropped from
//! then on, as AREX finds noise by replaying the same thing twice; `probe-ignore` regexes drop
//! lines the user knows are noise.
//!
//! Pure: this module turns observations into the report's [`ProbeRecord`]; running the command
//! is the worker's (through `exec`), reading the files is [`files`]'. A probe that fails or
//! hangs is recorded as such and changes no verdict.

pub mod files;
pub mod state;
pub mod suite;

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

/// The probe's time limit when the suite sets no `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of one probe run's stdout is compared (the rest is cut, and the record says so).
pub const OUTPUT_BYTES: usize = 1024 * 1024;
/// The most lines of one step's diff a report keeps.
pub const DIFF_LINES: usize = 200;
/// The most bytes of one step's diff a report keeps.
pub const DIFF_BYTES: usize = 16 * 1024;
/// The most file changes of one step a report keeps.
pub const FILE_CHANGES: usize = 200;
/// The most entries one look at the files takes in (the rest is cut, and the record says so).
pub const FILE_ENTRIES: usize = 100_000;
/// How long one diff of two probe outputs may look for the smallest diff before it settles for
/// a larger, still correct one (an output that changes everywhere would otherwise take hours).
pub const DIFF_TIME: Duration = Duration::from_secs(2);

/// What to probe, validated (`[suite] probe`, `probe-ignore`, `probe-files` and their flags).
#[derive(Clone, Debug, Default)]
pub struct Probes {
    /// A shell command whose stdout is the shared state.
    pub command: Option<String>,
    /// Lines of the command's output matching any of these are dropped before comparing.
    pub ignore: Vec<Regex>,
    /// Paths (relative to the sequence's working folder) whose files are watched.
    pub files: Vec<String>,
    /// The limit for one run of the command.
    pub timeout: Duration,
    /// Paths of the suite folder the leftover-state check leaves out (`state-ignore`): a
    /// pattern that matches a folder covers what is in it.
    pub state_ignore: Vec<glob::Pattern>,
    /// Ask smoke's helper inside a batch runner what each test changed in the runner's process
    /// ([`state`]); on unless `--no-state-diff` or `[suite] state-diff = false`.
    pub inside: bool,
}

impl Probes {
    /// Whether `path` (as a look at the suite folder names it) is left out by `state-ignore`.
    pub fn state_ignored(&self, path: &str) -> bool {
        let mut prefix = String::new();
        path.split('/').any(|part| {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            self.state_ignore.iter().any(|p| p.matches(&prefix))
        })
    }

    /// Whether anything is probed at all.
    pub fn any(&self) -> bool {
        self.command.is_some() || !self.files.is_empty()
    }
}

/// What the probes saw during one probed sequence: the report model (JSON `probe`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRecord {
    /// The probe command, if one was set.
    pub command: Option<String>,
    /// The `probe-files` paths.
    pub files: Vec<String>,
    /// Batch mode: the whole sequence ran as one command, so the probes ran before and after
    /// it, not between its tests; there is one step, for all of them.
    pub batch: bool,
    /// Lines that differed between the two runs of the probe command before the first test:
    /// ignored from then on (as patterns: a timestamp's later values too).
    pub noise_lines: usize,
    /// Paths that differed between the two looks at the files before the first test: ignored.
    pub noise_files: usize,
    /// Lines of the first probe output `probe-ignore` dropped.
    pub ignored_lines: usize,
    /// How the probe command failed before the first test, if it did (then there is no
    /// noise learned, and the first good output is the base).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_error: Option<String>,
    /// What each test (or the batch) changed, in order.
    pub steps: Vec<ProbeStep>,
    /// One sentence for people: which test left what behind, and what the last test did with
    /// it (`t/03 created state/lock (0 bytes); t/17 failed with it present`); `null` when no
    /// test changed anything.
    pub summary: Option<String>,
}

/// The probes after one test (or, in batch mode, after the whole batch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeStep {
    /// The tests that ran since the previous probe: one, or every test of a batch.
    pub tests: Vec<String>,
    /// How it ended: `ok`, `exit 1`, `timeout`, ... (a batch: its first failure, else `ok`).
    pub result: String,
    /// The probe output's unified diff against the previous good output, `null` when it did
    /// not change (or could not be compared).
    pub diff: Option<String>,
    /// Lines the diff adds and removes (of the whole diff, also when it is cut).
    pub added: usize,
    pub removed: usize,
    /// Lines of the diff not kept (it is bounded).
    #[serde(default)]
    pub diff_cut: usize,
    /// Files created, deleted and modified under the `probe-files` paths.
    pub files: Vec<FileChange>,
    /// File changes not kept (they are bounded).
    #[serde(default)]
    pub files_cut: usize,
    /// The probe command failed or hung here: how (`exit 3: ...`, `timeout after 30s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One file that changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    /// As `probe-files` names it (`state/cache.lock`).
    pub path: String,
    pub change: Change,
    /// Before the test (`null` when created).
    pub before: Option<FileState>,
    /// After the test (`null` when deleted).
    pub after: Option<FileState>,
}

/// Created, deleted or modified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Created,
    Deleted,
    Modified,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Change::Created => "created",
            Change::Deleted => "deleted",
            Change::Modified => "modified",
        })
    }
}

/// A file as the probe sees it: never its contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    /// `file`, `dir`, `symlink` or `other`.
    pub kind: String,
    /// Bytes (a file), or the target's length (a symlink); 0 for folders.
    pub size: u64,
    /// Permission bits, in octal (`0644`).
    pub mode: String,
    /// A file's content hash (SHA-256, hex), or a symlink's target; `null` for folders and
    /// files that could not be read.
    pub sha256: Option<String>,
}

impl FileState {
    /// Whether `other` is a change of this state worth reporting. A folder's size and hash mean
    /// nothing (its entries are listed themselves).
    fn differs(&self, other: &FileState) -> bool {
        self.kind != other.kind
            || self.mode != other.mode
            || (self.kind != "dir" && (self.size != other.size || self.sha256 != other.sha256))
    }
}

/// One look at the files: path (as reported) → state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub entries: BTreeMap<String, FileState>,
    /// More than [`FILE_ENTRIES`] entries were found: the rest were not looked at.
    pub cut: bool,
}

/// One run of the probe command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Its stdout, as text (at most [`OUTPUT_BYTES`] of it).
    Ok(String),
    /// It failed or hung: how, said for people (`exit 3: no such table`, `timeout after 30s`).
    Failed(String),
}

/// What the probes saw at one point.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observation {
    /// The probe command's run (`None`: no command).
    pub output: Option<Output>,
    /// The files (`None`: no `probe-files`).
    pub files: Option<Snapshot>,
}

/// A line's pieces: runs of letters and digits, and every other character alone.
fn tokens(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else {
            if let Some(s) = start.take() {
                out.push(&line[s..i]);
            }
            out.push(&line[i..i + c.len_utf8()]);
        }
    }
    if let Some(s) = start {
        out.push(&line[s..]);
    }
    out
}

fn is_word(token: &str) -> bool {
    token.chars().next().is_some_and(char::is_alphanumeric)
}

/// A noisy line's shape: its pieces, with `None` where any run of letters and digits may stand.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pattern(Vec<Option<String>>);

impl Pattern {
    /// Two values of one noisy line: what differs, or holds a digit, is free.
    fn of_pair(a: &str, b: &str) -> Option<Pattern> {
        let (ta, tb) = (tokens(a), tokens(b));
        (ta.len() == tb.len()).then(|| {
            Pattern(
                ta.iter()
                    .zip(&tb)
                    .map(|(x, y)| {
                        let free = is_word(x)
                            && is_word(y)
                            && (x != y || x.chars().any(|c| c.is_ascii_digit()));
                        (!free).then(|| x.to_string())
                    })
                    .collect(),
            )
        })
    }

    /// A noisy line seen once: its numbers are free.
    fn of_line(line: &str) -> Pattern {
        Pattern(
            tokens(line)
                .into_iter()
                .map(|t| {
                    let free = is_word(t) && t.chars().any(|c| c.is_ascii_digit());
                    (!free).then(|| t.to_string())
                })
                .collect(),
        )
    }

    fn matches(&self, line: &str) -> bool {
        let t = tokens(line);
        t.len() == self.0.len()
            && self.0.iter().zip(&t).all(|(p, t)| match p {
                Some(literal) => literal == t,
                None => is_word(t),
            })
    }
}

/// What the two runs of the probe before the first test say is noise.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Noise {
    /// Noisy lines with nothing free: matched whole.
    exact: HashSet<String>,
    /// The others, by [`shape`], so a line is only checked against patterns it could match.
    shaped: HashMap<String, BTreeSet<Pattern>>,
    /// Lines that differed between the two runs.
    lines: usize,
}

/// A line's (or pattern's) shape: its characters that are not letters or digits, with a slot
/// for each run of letters and digits. Only a line of the same shape can match a pattern.
fn shape<'t>(pieces: impl Iterator<Item = Option<&'t str>>) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Some(t) if !is_word(t) => out.push_str(t),
            _ => out.push('\u{0}'),
        }
    }
    out
}

impl Noise {
    /// Learn from two outputs of the same state (lines already filtered by `probe-ignore`).
    /// The diff between them gives up on minimality after [`DIFF_TIME`] (an output that
    /// changes everywhere), so this ends in bounded time.
    pub fn learn(first: &[String], second: &[String]) -> Noise {
        let mut noise = Noise::default();
        let deadline = std::time::Instant::now() + DIFF_TIME;
        let ops = similar::capture_diff_slices_deadline(
            similar::Algorithm::Myers,
            first,
            second,
            Some(deadline),
        );
        for op in ops {
            let (old, new) = (op.old_range(), op.new_range());
            if matches!(op, similar::DiffOp::Equal { .. }) {
                continue;
            }
            let pairs = old.len().min(new.len());
            noise.lines += old.len().max(new.len());
            for k in 0..pairs {
                let (a, b) = (&first[old.start + k], &second[new.start + k]);
                match Pattern::of_pair(a, b) {
                    Some(p) => noise.add(p),
                    None => {
                        noise.add(Pattern::of_line(a));
                        noise.add(Pattern::of_line(b));
                    }
                }
            }
            for line in first[old.start + pairs..old.end]
                .iter()
                .chain(&second[new.start + pairs..new.end])
            {
                noise.add(Pattern::of_line(line));
            }
        }
        noise
    }

    fn add(&mut self, pattern: Pattern) {
        if pattern.0.iter().all(Option::is_some) {
            self.exact
                .insert(pattern.0.into_iter().flatten().collect::<String>());
        } else {
            let key = shape(pattern.0.iter().map(Option::as_deref));
            self.shaped.entry(key).or_default().insert(pattern);
        }
    }

    /// How many lines differed between the two runs.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// Whether `line` is one of the noisy lines (any later value of it).
    pub fn matches(&self, line: &str) -> bool {
        if self.exact.contains(line) {
            return true;
        }
        if self.shaped.is_empty() {
            return false;
        }
        let key = shape(tokens(line).into_iter().map(Some));
        self.shaped
            .get(&key)
            .is_some_and(|patterns| patterns.iter().any(|p| p.matches(line)))
    }
}

/// The lines of `output` that are compared, and how many `ignore` dropped.
pub fn filter(output: &str, ignore: &[Regex], noise: &Noise) -> (Vec<String>, usize) {
    let mut dropped = 0;
    let mut kept = Vec::new();
    for line in output.lines() {
        if ignore.iter().any(|re| re.is_match(line)) {
            dropped += 1;
        } else if !noise.matches(line) {
            kept.push(line.to_string());
        }
    }
    (kept, dropped)
}

/// A unified diff of `before` → `after` (lines), bounded by [`DIFF_LINES`] and [`DIFF_BYTES`]:
/// the diff (`None` when equal), lines added, removed, and diff lines not kept.
pub fn diff(
    before: &[String],
    after: &[String],
    label: &str,
) -> (Option<String>, usize, usize, usize) {
    if before == after {
        return (None, 0, 0, 0);
    }
    let join = |lines: &[String]| {
        let mut text = lines.join("\n");
        if !lines.is_empty() {
            text.push('\n');
        }
        text
    };
    let (old, new) = (join(before), join(after));
    let text = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(DIFF_TIME)
        .diff_lines(&old, &new);
    let whole = text
        .unified_diff()
        .context_radius(2)
        .header(&format!("before {label}"), &format!("after {label}"))
        .to_string();
    let (mut added, mut removed) = (0, 0);
    for change in text.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let mut kept = String::new();
    let mut cut = 0;
    for (n, line) in whole.lines().enumerate() {
        if cut > 0 || n >= DIFF_LINES || kept.len() + line.len() + 1 > DIFF_BYTES {
            cut += 1;
            continue;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    (Some(kept), added, removed, cut)
}

/// The files that changed from `before` to `after`, paths in `noisy` left out.
pub fn compare(before: &Snapshot, after: &Snapshot, noisy: &BTreeSet<String>) -> Vec<FileChange> {
    let mut changes = Vec::new();
    let paths: BTreeSet<&String> = before.entries.keys().chain(after.entries.keys()).collect();
    for path in paths {
        if noisy.contains(path) {
            continue;
        }
        let (b, a) = (before.entries.get(path), after.entries.get(path));
        let change = match (b, a) {
            (None, Some(_)) => Change::Created,
            (Some(_), None) => Change::Deleted,
            (Some(b), Some(a)) if b.differs(a) => Change::Modified,
            _ => continue,
        };
        changes.push(FileChange {
            path: path.clone(),
            change,
            before: b.cloned(),
            after: a.cloned(),
        });
    }
    changes
}

/// Builds a [`ProbeRecord`] from the observations of one probed sequence.
#[derive(Debug)]
pub struct Prober {
    record: ProbeRecord,
    ignore: Vec<Regex>,
    noise: Noise,
    noisy_paths: BTreeSet<String>,
    /// The last good probe output, filtered.
    lines: Option<Vec<String>>,
    /// The last look at the files.
    snapshot: Option<Snapshot>,
}

impl Prober {
    /// Start from the two observations made before the first test (same state, twice).
    pub fn new(probes: &Probes, batch: bool, first: Observation, second: Observation) -> Self {
        let mut record = ProbeRecord {
            command: probes.command.clone(),
            files: probes.files.clone(),
            batch,
            noise_lines: 0,
            noise_files: 0,
            ignored_lines: 0,
            baseline_error: None,
            steps: Vec::new(),
            summary: None,
        };
        let bare = Noise::default();
        let mut noise = Noise::default();
        let mut lines = None;
        match (first.output, second.output) {
            (Some(Output::Ok(a)), Some(Output::Ok(b))) => {
                let (a, dropped) = filter(&a, &probes.ignore, &bare);
                let (b, _) = filter(&b, &probes.ignore, &bare);
                noise = Noise::learn(&a, &b);
                record.ignored_lines = dropped;
                record.noise_lines = noise.lines();
                lines = Some(b.into_iter().filter(|l| !noise.matches(l)).collect());
            }
            (Some(Output::Failed(why)), other) | (other, Some(Output::Failed(why))) => {
                record.baseline_error = Some(why);
                if let Some(Output::Ok(text)) = other {
                    let (kept, dropped) = filter(&text, &probes.ignore, &bare);
                    record.ignored_lines = dropped;
                    lines = Some(kept);
                }
            }
            _ => {}
        }
        let mut noisy_paths = BTreeSet::new();
        let snapshot = match (first.files, second.files) {
            (Some(a), Some(b)) => {
                noisy_paths = compare(&a, &b, &BTreeSet::new())
                    .into_iter()
                    .map(|c| c.path)
                    .collect();
                record.noise_files = noisy_paths.len();
                Some(b)
            }
            (a, b) => b.or(a),
        };
        Prober {
            record,
            ignore: probes.ignore.clone(),
            noise,
            noisy_paths,
            lines,
            snapshot,
        }
    }

    /// The probes after `tests` ran (one test, or a whole batch), which ended as `result`.
    pub fn after(&mut self, tests: Vec<String>, result: String, seen: Observation) {
        let label = match tests.as_slice() {
            [one] => one.clone(),
            many => format!("the batch of {} tests", many.len()),
        };
        let mut step = ProbeStep {
            tests,
            result,
            diff: None,
            added: 0,
            removed: 0,
            diff_cut: 0,
            files: Vec::new(),
            files_cut: 0,
            error: None,
        };
        match seen.output {
            Some(Output::Ok(text)) => {
                let (now, _) = filter(&text, &self.ignore, &self.noise);
                if let Some(before) = &self.lines {
                    let (diff, added, removed, cut) = diff(before, &now, &label);
                    (step.diff, step.added, step.removed, step.diff_cut) =
                        (diff, added, removed, cut);
                }
                self.lines = Some(now);
            }
            Some(Output::Failed(why)) => step.error = Some(why),
            None => {}
        }
        if let Some(now) = seen.files {
            if let Some(before) = &self.snapshot {
                let mut changes = compare(before, &now, &self.noisy_paths);
                step.files_cut = changes.len().saturating_sub(FILE_CHANGES);
                changes.truncate(FILE_CHANGES);
                step.files = changes;
            }
            self.snapshot = Some(now);
        }
        self.record.steps.push(step);
    }

    /// The record, with its summary.
    pub fn finish(mut self) -> ProbeRecord {
        self.record.summary = summary(&self.record);
        self.record
    }
}

/// File changes as one phrase, grouped by kind in the order first seen: `created state/a (5
/// bytes) and state/b (0 bytes), deleted state/c (was 2 bytes)`.
pub fn describe_all(changes: &[&FileChange]) -> String {
    let mut groups: Vec<(Change, Vec<String>)> = Vec::new();
    for c in changes {
        let phrase = describe(c);
        let bare = phrase
            .strip_prefix(&format!("{} ", c.change))
            .unwrap_or(&phrase)
            .to_string();
        match groups.iter_mut().find(|(k, _)| *k == c.change) {
            Some((_, list)) => list.push(bare),
            None => groups.push((c.change, vec![bare])),
        }
    }
    let groups: Vec<String> = groups
        .into_iter()
        .map(|(kind, list)| format!("{kind} {}", join_and(&list)))
        .collect();
    groups.join(", ")
}

/// A file change as a short phrase: `created state/lock (0 bytes)`.
pub fn describe(c: &FileChange) -> String {
    let bytes = |s: &FileState| match s.kind.as_str() {
        "dir" => "folder".to_string(),
        "symlink" => "symlink".to_string(),
        _ => format!("{} bytes", s.size),
    };
    match (c.change, &c.before, &c.after) {
        (Change::Created, _, Some(a)) => format!("created {} ({})", c.path, bytes(a)),
        (Change::Deleted, Some(b), _) => format!("deleted {} (was {})", c.path, bytes(b)),
        (_, Some(b), Some(a)) => {
            let mut what = Vec::new();
            if b.kind != a.kind {
                what.push(format!("{} -> {}", b.kind, a.kind));
            }
            if b.size != a.size {
                what.push(format!("{} -> {} bytes", b.size, a.size));
            }
            if b.mode != a.mode {
                what.push(format!("mode {} -> {}", b.mode, a.mode));
            }
            if b.sha256 != a.sha256 && a.kind != "dir" {
                what.push("content".to_string());
            }
            format!("modified {} ({})", c.path, what.join(", "))
        }
        _ => format!("{} {}", c.change, c.path),
    }
}

/// Which test left what behind and what the last test did with it, in one sentence (see
/// [`ProbeRecord::summary`]). A file counts when the last test found it as some earlier test
/// left it (changed since the first probe); the probe output, when an earlier test changed it.
pub fn summary(record: &ProbeRecord) -> Option<String> {
    let (last, earlier) = record.steps.split_last()?;
    // The paths the tests before the last one left other than the first probe saw them
    // (created and deleted again is nothing), each with how: its net change. Every change
    // of such a path is named, under the test that made it.
    let mut ends: BTreeMap<&str, (Option<&FileState>, Option<&FileState>)> = BTreeMap::new();
    for step in earlier {
        for c in &step.files {
            ends.entry(&c.path)
                .and_modify(|e| e.1 = c.after.as_ref())
                .or_insert((c.before.as_ref(), c.after.as_ref()));
        }
    }
    let net: BTreeMap<&str, Change> = ends
        .into_iter()
        .filter_map(|(path, ends)| match ends {
            (None, Some(_)) => Some((path, Change::Created)),
            (Some(_), None) => Some((path, Change::Deleted)),
            (Some(b), Some(a)) if b.differs(a) => Some((path, Change::Modified)),
            _ => None,
        })
        .collect();
    let mut by_step: BTreeMap<usize, Vec<&FileChange>> = BTreeMap::new();
    for (i, step) in earlier.iter().enumerate() {
        for c in &step.files {
            if net.contains_key(c.path.as_str()) {
                by_step.entry(i).or_default().push(c);
            }
        }
    }
    let mut clauses = Vec::new();
    // A test that runs more than once is named with its run.
    let named = |i: usize| {
        let name = who(&record.steps[i].tests);
        let runs: Vec<usize> = (0..record.steps.len())
            .filter(|&j| who(&record.steps[j].tests) == name)
            .collect();
        match runs.iter().position(|&j| j == i) {
            Some(k) if runs.len() > 1 => format!("{name} (run {})", k + 1),
            _ => name,
        }
    };
    for (i, step) in earlier.iter().enumerate() {
        let mut parts = Vec::new();
        if let Some(changes) = by_step.get(&i) {
            parts.push(describe_all(changes));
        }
        if step.diff.is_some() {
            parts.push(format!(
                "changed the probe output (+{} -{} lines)",
                step.added, step.removed
            ));
        }
        if !parts.is_empty() {
            clauses.push(format!("{} {}", named(i), join_and(&parts)));
        }
    }
    let verb = if last.result == "ok" {
        "passed"
    } else {
        "failed"
    };
    let kinds: Vec<Change> = net.values().copied().collect();
    let what = match kinds.as_slice() {
        [] => None,
        [first, ..] if kinds.iter().all(|k| k == first) => {
            let it = if kinds.len() == 1 { "it" } else { "them" };
            Some(match first {
                Change::Created => format!("with {it} present"),
                Change::Deleted => format!("with {it} missing"),
                Change::Modified => format!("with {it} changed"),
            })
        }
        _ => Some("with these changes in place".to_string()),
    };
    if record.batch {
        // One step: the batch itself.
        let mut parts = Vec::new();
        if !last.files.is_empty() {
            parts.push(describe_all(&last.files.iter().collect::<Vec<_>>()));
        }
        if last.diff.is_some() {
            parts.push(format!(
                "changed the probe output (+{} -{} lines)",
                last.added, last.removed
            ));
        }
        return (!parts.is_empty()).then(|| {
            format!(
                "{} {} (batch mode: probed before and after the whole batch, not between its \
                 tests); {}",
                who(&last.tests),
                join_and(&parts),
                if last.result == "ok" {
                    "every test passed".to_string()
                } else {
                    format!("a test failed ({})", last.result)
                }
            )
        });
    }
    if clauses.is_empty() {
        return None;
    }
    let mut sentence = clauses.join("; ");
    sentence.push_str(&format!("; {} {verb}", named(earlier.len())));
    if let Some(what) = what {
        sentence.push(' ');
        sentence.push_str(&what);
    }
    Some(sentence)
}

/// The tests of a step, for a sentence.
fn who(tests: &[String]) -> String {
    match tests {
        [one] => one.clone(),
        many => format!("the batch of {} tests", many.len()),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl ProbeRecord {
    /// Every text it holds passed through `apply` (the report's redaction).
    pub fn redacted(mut self, apply: impl Fn(&str) -> String) -> Self {
        self.command = self.command.as_deref().map(&apply);
        self.baseline_error = self.baseline_error.as_deref().map(&apply);
        self.summary = self.summary.as_deref().map(&apply);
        for step in &mut self.steps {
            step.diff = step.diff.as_deref().map(&apply);
            step.error = step.error.as_deref().map(&apply);
            for c in &mut step.files {
                c.path = apply(&c.path);
            }
        }
        self
    }
}

#[cfg(test)]
mod tests;
