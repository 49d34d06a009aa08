//! The report on disk: dated unique file names, and writing the text and JSON (rendered by
//! [`super::render`]) and the HTML (by [`super::html`]) after every unit of work through a temp file + rename, so a crash, a
//! `kill -9` or a Ctrl-C leaves the last complete report, never a half-written one.
//!
//! A test may remove the report folder (`rm -rf reports`, `git clean -fdx`): the folder is made
//! again, the report written again, and every finished failure log the report names is written
//! back from a descriptor held open on it. It must not decide what a report says (that is
//! [`super::record`]'s) nor open a log for writing (the executor writes them).

use super::html::render_html;
use super::record::{Recorder, RunReport};
use super::render::{render_json, render_text};
use super::{Event, Redactor, Reporter};
use crate::term::errln;
use anyhow::{Context, Result};
use chrono::{DateTime, Local};
use std::fs::{self, File};
use std::io::{Seek as _, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The report's file names. Clones share one write state, so every write of the run's
/// report goes through one lock.
#[derive(Clone, Debug)]
pub struct ReportFiles {
    /// The text report.
    pub text: PathBuf,
    /// The JSON report, beside it.
    pub json: PathBuf,
    /// The HTML report, beside it (a run's, a merge's and a replay's; diagnose writes none).
    pub html: PathBuf,
    state: Arc<Mutex<WriteState>>,
}

/// What the writes of one report share.
#[derive(Debug, Default)]
struct WriteState {
    /// The report folder vanished during the run and smoke has said so (once is enough).
    said_recreated: bool,
    /// The report got its final status from [`ReportFiles::seal_interrupted`]: later writes
    /// (the main thread, still running until the exit) must not undo it.
    sealed: bool,
    /// The finished failure logs the report names, each held open so that one a test removes
    /// can be written back (see [`ReportFiles::keep_log`]).
    kept: Vec<KeptLog>,
}

/// A finished failure log and a descriptor open on it: the file's content outlives its
/// removal for as long as the descriptor is open.
#[derive(Debug)]
struct KeptLog {
    path: PathBuf,
    file: File,
}

/// At most this many logs are held open (one descriptor each), well inside the common limit
/// of 1,024 open files; a run with more unique failures keeps the first ones.
const KEPT_LOGS: usize = 128;

impl ReportFiles {
    /// Choose and reserve the report's paths: `--report PATH`, or a dated name in `dir` made
    /// unique (`-2`, `-3`, ...) if another run already took it. Fails, before any test runs,
    /// when the folder cannot be created or written.
    pub fn create(target: &crate::config::ReportTarget, now: DateTime<Local>) -> Result<Self> {
        Self::create_named(target, now, "smoke-report")
    }

    /// [`create`](Self::create) for another kind of report: dated names start with `kind`
    /// (`smoke-replay-YYYY-MM-DDTHH-MM-SS.txt`).
    pub fn create_named(
        target: &crate::config::ReportTarget,
        now: DateTime<Local>,
        kind: &str,
    ) -> Result<Self> {
        use crate::config::ReportTarget;
        let files = match target {
            ReportTarget::File(text) => {
                let json = text.with_extension("json");
                let html = text.with_extension("html");
                if json == *text || html == *text {
                    anyhow::bail!(
                        "--report '{}' would put the text report and the {} report in one file: \
                         give it another ending, such as .txt",
                        text.display(),
                        if json == *text { "JSON" } else { "HTML" }
                    );
                }
                ensure_dir(text.parent().unwrap_or(Path::new(".")))?;
                // Nothing is opened at the report's own path: it is replaced by a rename when
                // written, so a symbolic link planted there is replaced, not followed.
                let files = ReportFiles::new(text.clone(), json, html);
                files.remove_old_logs()?;
                files
            }
            ReportTarget::DefaultDir(dir) if is_symlink(dir) => {
                anyhow::bail!(
                    "the report folder '{}' is a symbolic link (to '{}'); smoke follows it only \
                     when asked: pass --report-dir {} or set [report] dir",
                    dir.display(),
                    fs::read_link(dir).unwrap_or_default().display(),
                    dir.display()
                );
            }
            ReportTarget::Dir(dir) | ReportTarget::DefaultDir(dir) => {
                ensure_dir(dir)?;
                let stem = format!("{kind}-{}", now.format("%Y-%m-%dT%H-%M-%S"));
                let mut n = 1;
                loop {
                    let name = if n == 1 {
                        stem.clone()
                    } else {
                        format!("{stem}-{n}")
                    };
                    let text = dir.join(format!("{name}.txt"));
                    let json = dir.join(format!("{name}.json"));
                    let html = dir.join(format!("{name}.html"));
                    match File::options().write(true).create_new(true).open(&text) {
                        Ok(_) if !json.exists() && !html.exists() => {
                            break ReportFiles::new(text, json, html);
                        }
                        Ok(_) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                        Err(e) => {
                            return Err(e).with_context(|| {
                                format!(
                                    "cannot write a report in '{}' (choose another folder with \
                                     --report-dir)",
                                    dir.display()
                                )
                            });
                        }
                    }
                    n += 1;
                }
            }
        };
        Ok(files)
    }

    /// The files of the report whose JSON is `json`, to write the same report again (`smoke
    /// resume`): the text and HTML beside it, and its logs kept.
    pub fn reopen(json: &Path) -> Result<Self> {
        ensure_dir(
            json.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        )?;
        Ok(ReportFiles::new(
            json.with_extension("txt"),
            json.to_path_buf(),
            json.with_extension("html"),
        ))
    }

    fn new(text: PathBuf, json: PathBuf, html: PathBuf) -> Self {
        ReportFiles {
            text,
            json,
            html,
            state: Arc::default(),
        }
    }

    /// The folder that holds the reports and logs.
    fn dir(&self) -> &Path {
        match self.text.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        }
    }

    /// A report at an exact path replaces the one there before, so the logs of that one go too
    /// (they would be stale, and the new logs are created new). Only regular files named
    /// `<stem>.failure-<N>.log` are removed.
    fn remove_old_logs(&self) -> Result<()> {
        let dir = self.dir();
        let stem = self.text.file_stem().unwrap_or_default().to_string_lossy();
        let prefix = format!("{stem}.failure-");
        let Ok(entries) = fs::read_dir(dir) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_log = name
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".log"))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if is_log && entry.file_type().is_ok_and(|t| t.is_file()) {
                fs::remove_file(entry.path()).with_context(|| {
                    format!("cannot replace the old log '{}'", entry.path().display())
                })?;
            }
        }
        Ok(())
    }

    /// Where the verbose rerun of unique failure `n` (1-based) is logged.
    pub fn log_path(&self, n: usize) -> PathBuf {
        let stem = self.text.file_stem().unwrap_or_default().to_string_lossy();
        self.text.with_file_name(format!("{stem}.failure-{n}.log"))
    }

    /// [`log_path`](Self::log_path), with the report folder made again first if a test
    /// removed it. A folder that cannot be made is left for the log's creation to report.
    pub fn prepare_log(&self, n: usize) -> PathBuf {
        let _ = self.restore_dir(&mut self.lock());
        self.log_path(n)
    }

    /// Write the text, JSON and HTML reports, each through a temp file renamed over the old one;
    /// nothing once sealed.
    pub fn write(&self, report: &RunReport) -> Result<()> {
        let mut state = self.lock();
        if state.sealed {
            return Ok(());
        }
        self.write_reports(&mut state, report)
    }

    /// For a second signal, which exits at once without teardown: mark the report on disk
    /// `interrupted`, finished at `finished_at`, and write nothing more. The report is read back
    /// from the JSON, the last whole write (under the write lock, so no write is half-done
    /// behind it); one that had ended already keeps its status. Before the first write (still
    /// collecting the build parameters) nothing was recorded: the reserved, empty text report
    /// is removed rather than left behind looking like a report.
    pub fn seal_interrupted(&self, finished_at: String) -> Result<()> {
        let mut state = self.lock();
        state.sealed = true;
        if !self.json.exists() {
            if fs::metadata(&self.text).is_ok_and(|m| m.len() == 0) {
                let _ = fs::remove_file(&self.text);
            }
            return Ok(());
        }
        let json = fs::read_to_string(&self.json)
            .with_context(|| format!("cannot read the report '{}'", self.json.display()))?;
        let mut report: RunReport = serde_json::from_str(&json)
            .with_context(|| format!("cannot read the report '{}'", self.json.display()))?;
        if report.status != "running" {
            return Ok(());
        }
        report.status = "interrupted".to_string();
        report.completed = false;
        report.finished_at = Some(finished_at);
        self.write_reports(&mut state, &report)
    }

    /// Write a report of another kind (`smoke replay`'s, `smoke diagnose`'s), already rendered,
    /// through the same lock and temp-file-and-rename as a run's; the HTML when it has one.
    pub fn write_rendered(&self, text: &str, json: &str, html: Option<&str>) -> Result<()> {
        let mut state = self.lock();
        if state.sealed {
            return Ok(());
        }
        self.write_file(&mut state, &self.text, text.as_bytes())?;
        if let Some(html) = html {
            self.write_file(&mut state, &self.html, html.as_bytes())?;
        }
        self.write_file(&mut state, &self.json, json.as_bytes())
    }

    fn write_reports(&self, state: &mut WriteState, report: &RunReport) -> Result<()> {
        crate::trace::mark("report.write");
        // The JSON last: it is what a second signal reads back, so once it exists the text and
        // HTML reports do too.
        self.write_file(state, &self.text, render_text(report).as_bytes())?;
        self.write_file(state, &self.html, render_html(report).as_bytes())?;
        self.write_file(state, &self.json, render_json(report).as_bytes())?;
        let restored = self.restore_logs(state);
        crate::trace::mark("report.written");
        restored
    }

    /// Hold the finished log at `path` open, so that [`write`](Self::write) can write it back
    /// whenever a test has removed it. Called once its verbose rerun has ended (the executor
    /// closed it; [`Event::LogFinished`] when later runs of the confirmation follow it) and
    /// before the report first names it. A log that is already gone cannot be
    /// kept: with `--jobs`, another worker's test may remove it between its rerun's end and
    /// this call.
    fn keep_log(&self, path: &Path) {
        let mut state = self.lock();
        if state.kept.len() >= KEPT_LOGS || state.kept.iter().any(|k| k.path == path) {
            return;
        }
        if let Ok(file) = File::open(path) {
            state.kept.push(KeptLog {
                path: path.to_path_buf(),
                file,
            });
        }
    }

    /// Write back every kept log that is no longer at its path, from its open descriptor (the
    /// folder made again first). The restored file is held instead, so the removed one's space
    /// is freed. A log still in place, or replaced by another file, is left alone.
    fn restore_logs(&self, state: &mut WriteState) -> Result<()> {
        for i in 0..state.kept.len() {
            let gone = matches!(
                fs::symlink_metadata(&state.kept[i].path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound
            );
            if !gone {
                continue;
            }
            self.restore_dir(state)?;
            let kept = &mut state.kept[i];
            let restored = copy_back(&kept.file, &kept.path)
                .with_context(|| format!("cannot write the log '{}' again", kept.path.display()))?;
            if let Some(file) = restored {
                kept.file = file;
            }
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, WriteState> {
        // A panic elsewhere while holding the lock leaves nothing half-done in the state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write_file(&self, state: &mut WriteState, path: &Path, bytes: &[u8]) -> Result<()> {
        let written = match write_atomic(path, bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.restore_dir(state)?;
                write_atomic(path, bytes)
            }
            other => other,
        };
        written.with_context(|| format!("cannot write the report '{}'", path.display()))
    }

    /// Make the report folder again if it is gone: a test that runs `rm -rf reports` or `git
    /// clean -fdx` must not cost the run its report. Said once on stderr, since the user may
    /// want to know what their tests delete.
    fn restore_dir(&self, state: &mut WriteState) -> Result<()> {
        let dir = self.dir();
        if fs::symlink_metadata(dir).is_ok() {
            return Ok(());
        }
        ensure_dir(dir)?;
        if !state.said_recreated {
            state.said_recreated = true;
            errln!(
                "smoke: the report folder '{}' was removed while running (by a test?); created \
                 it again",
                dir.display()
            );
        }
        Ok(())
    }
}

fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create the report folder '{}' (choose another with --report-dir)",
            dir.display()
        )
    })
}

/// Copy what `from` holds into a new file at `path`, owner-only like the logs the executor
/// writes, folder included; `None` when a file appeared at `path` meanwhile (it is left alone).
fn copy_back(from: &File, path: &Path) -> std::io::Result<Option<File>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let mut to = match File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut from = from;
    from.rewind()?;
    std::io::copy(&mut from, &mut to)?;
    Ok(Some(to))
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Write `bytes` to a new temp file beside `path` (a random name, created exclusively) and rename
/// it over `path`: readers see the old report or the new one, never half of one, and a symbolic
/// link at `path` is replaced rather than written through.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".smoke-report.")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The reporter that keeps the report on disk up to date.
pub struct ReportWriter {
    recorder: Recorder,
    files: ReportFiles,
    clock: fn() -> DateTime<Local>,
    /// When the writer was made (the run's start, near enough): events are timed from it.
    started: DateTime<Local>,
    /// Where the findings also go as JUnit XML.
    junit: Option<PathBuf>,
}

impl ReportWriter {
    /// Write `header` to `files` now, and after every event that changes the report.
    pub fn new(
        header: RunReport,
        files: ReportFiles,
        clock: fn() -> DateTime<Local>,
        redactor: &Redactor,
    ) -> Result<Self> {
        Self::continuing(Recorder::new(header), files, clock, redactor)
    }

    /// Write what `recorder` holds (a stopped run's report, taken up again) to `files` now,
    /// and after every event that changes it.
    pub fn continuing(
        recorder: Recorder,
        files: ReportFiles,
        clock: fn() -> DateTime<Local>,
        redactor: &Redactor,
    ) -> Result<Self> {
        // A stopped run's logs (numbered from 1, as `smoke resume` numbers the new ones after
        // them) are the report's too.
        if !recorder.report().failures.is_empty() {
            for n in 1..=KEPT_LOGS {
                let log = files.log_path(n);
                if !log.is_file() {
                    break;
                }
                files.keep_log(&log);
            }
        }
        let writer = ReportWriter {
            recorder: recorder.redacting(redactor.clone()),
            files,
            clock,
            started: clock(),
            junit: None,
        };
        writer.files.write(writer.recorder.report())?;
        Ok(writer)
    }

    /// Also write the findings as JUnit XML to `path`, each time the report is written.
    pub fn with_junit(mut self, path: Option<PathBuf>) -> Result<Self> {
        self.junit = path;
        self.write_junit()?;
        Ok(self)
    }

    fn write_junit(&self) -> Result<()> {
        let Some(path) = &self.junit else {
            return Ok(());
        };
        let xml = super::junit::render_junit(
            self.recorder.report(),
            &self.files.text.display().to_string(),
        );
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            ensure_dir(dir)?;
        }
        write_atomic(path, xml.as_bytes())
            .with_context(|| format!("cannot write the JUnit XML '{}'", path.display()))
    }

    /// The report so far.
    pub fn report(&self) -> &RunReport {
        self.recorder.report()
    }

    /// Mark the report as ended by an error of smoke's own, and write it.
    pub fn fail(&mut self) -> Result<()> {
        self.recorder
            .fail((self.clock)().to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
        self.files.write(self.recorder.report())
    }
}

impl Reporter for ReportWriter {
    fn handle(&mut self, event: &Event) -> Result<()> {
        let elapsed = ((self.clock)() - self.started).num_milliseconds() as f64 / 1000.0;
        match event {
            Event::FailureShrunk { log: Some(log), .. } => self.files.keep_log(log),
            Event::LogFinished { log, .. } => self.files.keep_log(log),
            _ => {}
        }
        let changed = self.recorder.apply_at(event, Some(elapsed));
        if let Event::RunFinished { .. } = event {
            self.recorder
                .finish((self.clock)().to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
        }
        if changed {
            self.files.write(self.recorder.report())?;
            self.write_junit()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::tests::sample_report as report;
    use super::*;
    use crate::config::ReportTarget;
    use chrono::TimeZone;

    #[test]
    fn a_second_signal_before_the_first_write_leaves_no_empty_report() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let target = ReportTarget::Dir(dir.path().to_path_buf());
        let files = ReportFiles::create(&target, Local::now()).expect("reserved");
        let reserved: Vec<_> = fs::read_dir(dir.path()).expect("listed").collect();
        assert_eq!(reserved.len(), 1, "the text report is reserved");
        files.seal_interrupted("now".into()).expect("sealed");
        assert_eq!(fs::read_dir(dir.path()).expect("listed").count(), 0);
        // Sealed: a write that comes after (the main thread, still running) adds nothing.
        files.write(&report()).expect("ignored");
        assert_eq!(fs::read_dir(dir.path()).expect("listed").count(), 0);
    }

    #[test]
    fn dated_names_are_unique_per_run_and_writes_replace_whole_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = Local
            .with_ymd_and_hms(2026, 11, 22, 10, 5, 7)
            .single()
            .expect("valid date");
        let target = ReportTarget::Dir(dir.path().join("reports"));
        let a = ReportFiles::create(&target, now).expect("first");
        let b = ReportFiles::create(&target, now).expect("second");
        assert!(
            a.text
                .ends_with("reports/smoke-report-2026-11-22T10-05-07.txt")
        );
        assert!(
            a.json
                .ends_with("reports/smoke-report-2026-11-22T10-05-07.json")
        );
        assert!(
            b.text
                .ends_with("reports/smoke-report-2026-11-22T10-05-07-2.txt")
        );
        assert!(
            a.log_path(3)
                .ends_with("smoke-report-2026-11-22T10-05-07.failure-3.log")
        );
        a.write(&report()).expect("write");
        let json = fs::read_to_string(&a.json).expect("json");
        assert_eq!(
            serde_json::from_str::<RunReport>(&json).expect("parses"),
            report()
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("reports"))
            .expect("dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_report_folder_removed_during_the_run_is_made_again_for_reports_and_logs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let reports = dir.path().join("reports");
        let files =
            ReportFiles::create(&ReportTarget::Dir(reports.clone()), Local::now()).expect("create");
        fs::remove_dir_all(&reports).expect("rm -rf reports");
        files.write(&report()).expect("written again");
        assert!(files.json.is_file() && files.text.is_file());
        fs::remove_dir_all(&reports).expect("rm -rf reports");
        let log = files.clone().prepare_log(1);
        assert!(reports.is_dir(), "ready for the log");
        assert_eq!(log, files.log_path(1));
        assert!(files.lock().said_recreated, "clones share the state");
    }

    #[test]
    fn a_finished_log_removed_with_the_report_folder_is_written_back_at_each_write() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let reports = dir.path().join("reports");
        let files =
            ReportFiles::create(&ReportTarget::Dir(reports.clone()), Local::now()).expect("create");
        let (one, two) = (files.log_path(1), files.log_path(2));
        fs::write(&one, "=== v ===\nv saw p\n").expect("log 1");
        fs::write(&two, "never kept").expect("log 2");
        files.keep_log(&one);
        files.keep_log(&one);
        assert_eq!(files.lock().kept.len(), 1, "kept once");
        fs::remove_file(&two).expect("removed before it was kept");
        files.keep_log(&two);
        assert_eq!(files.lock().kept.len(), 1, "a log already gone is not kept");

        // Twice: the second time from the descriptor of the file written back the first time.
        for _ in 0..2 {
            fs::remove_dir_all(&reports).expect("rm -rf reports");
            files.write(&report()).expect("written again");
            assert_eq!(
                fs::read_to_string(&one).expect("back"),
                "=== v ===\nv saw p\n"
            );
            let mode = fs::metadata(&one).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            assert!(!two.exists(), "only kept logs come back");
        }

        // A file put in its place is left alone.
        fs::write(&one, "other").expect("replaced");
        files.write(&report()).expect("written");
        assert_eq!(fs::read_to_string(&one).expect("there"), "other");
    }

    #[test]
    fn a_resumed_report_keeps_the_logs_its_run_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let reports = dir.path().join("reports");
        let files =
            ReportFiles::create(&ReportTarget::Dir(reports.clone()), Local::now()).expect("create");
        files.write(&report()).expect("write");
        for n in 1..=2 {
            fs::write(files.log_path(n), format!("log {n}")).expect("log");
        }
        let again = ReportFiles::reopen(&files.json).expect("reopen");
        let redactor = Redactor::default();
        let _writer = ReportWriter::continuing(
            Recorder::new(report()),
            again.clone(),
            Local::now,
            &redactor,
        )
        .expect("written");
        fs::remove_dir_all(&reports).expect("rm -rf reports");
        again.write(&report()).expect("written again");
        for n in 1..=2 {
            assert_eq!(
                fs::read_to_string(again.log_path(n)).expect("back"),
                format!("log {n}")
            );
        }
    }

    #[test]
    fn sealing_marks_a_running_report_interrupted_and_stops_later_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = ReportTarget::Dir(dir.path().join("reports"));
        let files = ReportFiles::create(&target, Local::now()).expect("create");
        let running = report();
        assert_eq!(
            (running.status.as_str(), &running.finished_at),
            ("running", &None)
        );
        files.write(&running).expect("write");
        files
            .clone()
            .seal_interrupted("2026-11-22T10:06:00+01:00".into())
            .expect("sealed");
        files.write(&running).expect("a later write is a no-op");
        let back: RunReport =
            serde_json::from_str(&fs::read_to_string(&files.json).expect("json")).expect("parses");
        assert_eq!(back.status, "interrupted");
        assert_eq!(
            back.finished_at.as_deref(),
            Some("2026-11-22T10:06:00+01:00")
        );
        assert!(!back.completed);
        assert_eq!(back.iterations, running.iterations, "the rest is kept");
        let text = fs::read_to_string(&files.text).expect("text");
        assert!(text.contains("status            interrupted"), "{text}");

        // A report that had ended keeps its status.
        let files = ReportFiles::create(&target, Local::now()).expect("create");
        let mut completed = report();
        completed.status = "completed".into();
        completed.completed = true;
        completed.finished_at = Some("2026-11-22T10:05:59+01:00".into());
        files.write(&completed).expect("write");
        files.seal_interrupted("later".into()).expect("sealed");
        let back: RunReport =
            serde_json::from_str(&fs::read_to_string(&files.json).expect("json")).expect("parses");
        assert_eq!(back, completed);
    }

    #[test]
    fn an_unusable_report_folder_is_an_error_before_anything_runs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("not-a-dir");
        fs::write(&file, "x").expect("write");
        let now = Local::now();
        let err = ReportFiles::create(&ReportTarget::Dir(file.join("reports")), now)
            .expect_err("a file is in the way");
        assert!(
            format!("{err:#}").contains("cannot create the report folder"),
            "{err:#}"
        );
        let err = ReportFiles::create(&ReportTarget::File(dir.path().join("r.json")), now)
            .expect_err("same file");
        assert!(err.to_string().contains("give it another ending"), "{err}");
    }
}
