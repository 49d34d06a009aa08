//! `smoke diagnose`: beyond the minimal sequence, what iFixFlakies names for a failure, for any
//! suite. For each failure of a report:
//!
//! - **polluters**: every test t of the suite for which `[t, V]` makes the victim V fail the
//!   same way (not only the one the shrink kept);
//! - **cleaners**: for an order-dependent failure `[P…, V]`, every test C for which
//!   `[P…, C, V]` passes: C undoes what the polluters left, and its code shows what they forgot;
//! - **state-setters**: for a victim B that fails alone, every test S for which `[S, B]` passes:
//!   B silently depends on S (it is *brittle*).
//!
//! Each candidate is one short sequence (setup and teardown around it), run on the run's
//! workers (its `--jobs`, or diagnose's own) like a replay, in the suite the run had (see
//! `config::from_report`). `--max-diagnose N` caps the test executions per failure; a list cut
//! short says so. Progress goes to stderr: before each failure, its candidate runs and an
//! estimate of their time from the run's own test times ([`estimate`]), then `candidate i of n`
//! at each tenth. A sequence already run for an earlier failure of the report (the same
//! victim) is not run again. A victim of the same polluters as a failure diagnosed whole is
//! tried against that one's polluters and cleaners only (they are one root cause: the state
//! those polluters leave), and its lists say so; `--each-victim` scans the whole suite for it
//! too.
//! [`candidates`], [`classify`] and [`estimate`] are pure; [`run`] is the edge. The report's
//! model and its forms are pure too, in `report::diagnosis`; the report and its suite come
//! from the session, as for `replay`. This module never calls `replay`.

use super::session::Session;
use crate::cli::DiagnoseArgs;
use crate::error::exit;
use crate::model::TestId;
use crate::report::diagnosis::{
    DiagnoseReport, Diagnosis, lines, render_html, render_json, render_text,
};
use crate::report::export::ReportFiles;
use crate::report::replay::{Head, choose, find};
use crate::runner::Replayed;
use crate::term::{errln, outln};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The changes `cleaner` made, in a run of `[polluters…, cleaner, victim]`, to names the
/// polluters had changed: what it undid of what they left.
fn undone(
    cleaner: &str,
    polluters: &[String],
    changes: &[crate::probe::state::StateChange],
) -> Vec<crate::probe::state::StateChange> {
    let touched: Vec<&str> = changes
        .iter()
        .filter(|c| polluters.contains(&c.test))
        .map(|c| c.name.as_str())
        .collect();
    changes
        .iter()
        .filter(|c| c.test == cleaner && touched.contains(&c.name.as_str()))
        .cloned()
        .collect()
}

/// What a candidate looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// `[t, V]` fails the same way: t pollutes V.
    Polluter,
    /// `[P…, C, V]` passes: C cleans up after P.
    Cleaner,
    /// `[S, B]` passes: B needs S.
    StateSetter,
}

/// One candidate sequence: the test it is about, what it looks for, and the sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub test: TestId,
    pub search: Search,
    pub sequence: Vec<TestId>,
}

/// The candidates for a failure whose minimal sequence is `minimal` (the victim last), over
/// the suite's tests `suite`, at most `budget` test executions in all: polluters, then
/// cleaners, for an order-dependent failure; state-setters for one that fails alone. Also says whether the budget cut the lists short.
pub fn candidates(minimal: &[TestId], suite: &[TestId], budget: u64) -> (Vec<Candidate>, bool) {
    let Some((&victim, polluters)) = minimal.split_last() else {
        return (Vec::new(), false);
    };
    let mut all = Vec::new();
    // A victim that fails alone fails after anything: it has no polluters to look for.
    if !polluters.is_empty() {
        for &t in suite.iter().filter(|&&t| t != victim) {
            all.push(Candidate {
                test: t,
                search: Search::Polluter,
                sequence: vec![t, victim],
            });
        }
    }
    if polluters.is_empty() {
        for &s in suite.iter().filter(|&&s| s != victim) {
            all.push(Candidate {
                test: s,
                search: Search::StateSetter,
                sequence: vec![s, victim],
            });
        }
    } else {
        for &c in suite
            .iter()
            .filter(|&&c| c != victim && !polluters.contains(&c))
        {
            let mut sequence = polluters.to_vec();
            sequence.push(c);
            sequence.push(victim);
            all.push(Candidate {
                test: c,
                search: Search::Cleaner,
                sequence,
            });
        }
    }
    let mut spent = 0u64;
    let mut kept = Vec::new();
    for candidate in all {
        spent += candidate.sequence.len() as u64;
        if spent > budget {
            return (kept, true);
        }
        kept.push(candidate);
    }
    (kept, false)
}

/// Whether a candidate's run is a find: a polluter's when the victim (last) failed the same
/// way, a cleaner's or state-setter's when the run passed. A run cut short finds nothing.
pub fn classify(
    search: Search,
    length: usize,
    run: &Replayed,
    same_way: impl Fn(&Replayed) -> bool,
) -> bool {
    if run.stopped.is_some() {
        return false;
    }
    match search {
        Search::Polluter => run
            .failed
            .as_ref()
            .is_some_and(|f| f.position + 1 == length && same_way(run)),
        Search::Cleaner | Search::StateSetter => run.failed.is_none(),
    }
}

/// `smoke diagnose`: returns the exit code (0 diagnosed, 2 when a failure could not be, 128 +
/// the signal when stopped).
pub(crate) fn run(args: DiagnoseArgs, session: &Session) -> anyhow::Result<u8> {
    let rerun = session.rerun(
        "diagnose",
        &args.from,
        args.config.as_deref(),
        args.trust_report,
        &crate::cli::ProbeArgs::default(),
        args.jobs,
    )?;
    let (recorded, config, names) = (&rerun.recorded, &rerun.config, &rerun.names);
    let (label, same_output) = (&rerun.label, &rerun.same_output);
    let chosen = choose(recorded, args.failure, &args.from)?;
    let suite: Vec<TestId> = (0..names.len()).collect();
    let budget = args.max_diagnose.unwrap_or(u64::MAX);

    let files = session.report_files(args.config.as_deref(), &args.output, "smoke-diagnose")?;
    let redactor = Session::redactor(&config.env);
    let mut diagnosis = DiagnoseReport {
        head: Head::new(
            "diagnose",
            session.started,
            &session.argv,
            &redactor,
            &args.from,
            label.clone(),
        ),
        failures: Vec::new(),
    };
    write(&files, &diagnosis)?;

    let quiet = args.output.quiet;
    let per_test = seconds_per_test(recorded);
    // Each candidate run's result, by sequence: a sequence asked for again (the same victim in
    // two failures) is not run twice.
    let mut seen: HashMap<Vec<TestId>, Replayed> = HashMap::new();
    let mut interrupted = None;
    let total = chosen.len();
    // Root causes diagnosed whole: their polluters (the minimal sequence less its victim), the
    // failure's number, and the tests found polluting or cleaning there.
    let mut causes: Vec<(Vec<TestId>, usize, Vec<TestId>)> = Vec::new();
    for (n, f) in chosen {
        let mut d = Diagnosis::new(n, f);
        let (minimal, missing) = find(names, &f.minimal);
        if !missing.is_empty() || interrupted.is_some() {
            d.missing = missing;
            d.incomplete = interrupted.is_some();
            diagnosis.failures.push(d);
            continue;
        }
        let polluters = minimal[..minimal.len() - 1].to_vec();
        // A victim of polluters already diagnosed with another victim: their polluters and
        // cleaners are the likely ones; try those, not the whole suite again.
        let known = causes
            .iter()
            .find(|(p, _, _)| !p.is_empty() && *p == polluters && !args.each_victim);
        let scope: Vec<TestId> = match known {
            Some((_, first, found)) => {
                d.among_those_of = Some(*first);
                found.clone()
            }
            None => suite.clone(),
        };
        let (wanted, cut) = candidates(&minimal, &scope, budget);
        let to_run: Vec<Vec<TestId>> = {
            let mut fresh: Vec<Vec<TestId>> = Vec::new();
            for c in &wanted {
                if !seen.contains_key(&c.sequence) && !fresh.contains(&c.sequence) {
                    fresh.push(c.sequence.clone());
                }
            }
            fresh
        };
        if !quiet {
            errln!(
                "smoke: diagnosing failure {n} ({} of {total}): {}",
                diagnosis.failures.len() + 1,
                estimate(&wanted, &to_run, per_test, config.jobs)
            );
        }
        let mut progress = Progress {
            failure: n,
            total: to_run.len(),
            started: 0,
            shown: 0,
            quiet,
        };
        let no_log = |_: usize| PathBuf::new();
        let executors = Session::executors(config);
        let runner = session.runner(config, names, executors, &mut progress, &no_log)?;
        let (runs, signal) = runner.replay(to_run.clone(), 1, false)?;
        for (sequence, ran) in to_run.into_iter().zip(runs) {
            if let Some(run) = ran.into_iter().next() {
                seen.insert(sequence, run);
            }
        }
        let same_way = |run: &Replayed| {
            run.failed.as_ref().is_some_and(|failed| {
                failed.outcome.to_string() == f.failure
                    && same_output
                        .as_ref()
                        .is_none_or(|re| re.is_match(&String::from_utf8_lossy(&failed.output)))
            })
        };
        for candidate in &wanted {
            let Some(run) = seen.get(&candidate.sequence) else {
                continue;
            };
            d.runs += 1;
            d.executions +=
                run.failed
                    .as_ref()
                    .map_or(candidate.sequence.len(), |f| f.position + 1) as u64;
            if classify(candidate.search, candidate.sequence.len(), run, same_way) {
                let name = names.shown(candidate.test).to_string();
                match candidate.search {
                    Search::Polluter => d.polluters.push(name),
                    Search::Cleaner => d.cleaners.push(name),
                    Search::StateSetter => d.state_setters.push(name),
                }
            }
        }
        // What each cleaner undid, seen from inside the runner: one more run of [P…, C, V]
        // each, with smoke's helper looking (only cleaners pay for it).
        if !d.cleaners.is_empty() && config.probes.inside && signal.is_none() {
            let cleaning: Vec<Vec<TestId>> = wanted
                .iter()
                .filter(|c| c.search == Search::Cleaner)
                .filter(|c| d.cleaners.iter().any(|n| n == names.shown(c.test)))
                .map(|c| c.sequence.clone())
                .collect();
            progress.total += cleaning.len();
            let executors = Session::executors(config);
            let runner = session.runner(config, names, executors, &mut progress, &no_log)?;
            let (runs, stopped) = runner.replay(cleaning.clone(), 1, true)?;
            interrupted = interrupted.or(stopped);
            for (sequence, ran) in cleaning.iter().zip(runs) {
                let Some(state) = ran.into_iter().next().and_then(|r| r.state) else {
                    continue;
                };
                let shown = |t: &TestId| names.shown(*t).to_string();
                let cleaner = shown(&sequence[sequence.len() - 2]);
                let polluters: Vec<String> =
                    sequence[..sequence.len() - 2].iter().map(shown).collect();
                let changes = undone(&cleaner, &polluters, &state.changes);
                if !changes.is_empty() {
                    d.undone.push(crate::report::diagnosis::Undone {
                        cleaner,
                        changes: crate::probe::state::redacted_changes(
                            changes,
                            |t| redactor.apply(t),
                            crate::report::Redactor::looks_secret,
                        ),
                    });
                }
            }
        }
        if minimal.len() == 1 && !d.state_setters.is_empty() {
            d.classification = Some("brittle".to_string());
        }
        if d.among_those_of.is_none() {
            let mut found: Vec<TestId> = Vec::new();
            for c in &wanted {
                let name = names.shown(c.test);
                let kept = d.polluters.iter().chain(&d.cleaners).any(|p| p == name);
                if kept && !found.contains(&c.test) {
                    found.push(c.test);
                }
            }
            causes.push((polluters, n, found));
        }
        d.incomplete = cut || signal.is_some() || d.runs < wanted.len();
        interrupted = interrupted.or(signal);
        if !quiet {
            outln!("{}", lines(&d));
        }
        diagnosis.failures.push(d);
        write(&files, &diagnosis)?;
    }
    diagnosis
        .head
        .finish(interrupted.is_some(), chrono::Local::now());
    write(&files, &diagnosis)?;
    if args.output.quiet {
        for d in &diagnosis.failures {
            outln!("{}", lines(d));
        }
    } else {
        for d in diagnosis.failures.iter().filter(|d| !d.missing.is_empty()) {
            outln!("{}", lines(d));
        }
    }
    outln!(
        "report: {}\nreport: {}\nreport: {}",
        files.text.display(),
        files.json.display(),
        files.html.display()
    );
    Ok(match interrupted {
        Some(signal) => crate::interrupt::exit_code(signal),
        None if diagnosis.failures.iter().any(|d| !d.missing.is_empty()) => exit::ERROR,
        None => exit::OK,
    })
}

/// What a failure's candidates will take: the sequences of `wanted` still `to_run` (the rest
/// were run for an earlier failure), their test executions at most, and, when the report says
/// how long its tests took (`per_test` seconds each), about how long on `jobs` workers.
pub fn estimate(
    wanted: &[Candidate],
    to_run: &[Vec<TestId>],
    per_test: Option<f64>,
    jobs: usize,
) -> String {
    let executions: usize = to_run.iter().map(Vec::len).sum();
    let known = wanted.len().saturating_sub(to_run.len());
    let mut line = format!(
        "{} candidate runs, up to {executions} test executions",
        to_run.len()
    );
    if known > 0 {
        let _ = write!(line, " ({known} more known from an earlier failure)");
    }
    if let Some(per_test) = per_test {
        let seconds = executions as f64 * per_test / jobs.max(1) as f64;
        let about = std::time::Duration::from_secs(seconds.ceil() as u64);
        let _ = write!(
            line,
            ", about {} on {jobs} worker(s)",
            humantime::format_duration(about)
        );
    }
    line
}

/// How long a test took on average in the run of `report`, setup and teardown included (its
/// iterations' time over the tests they ran); `None` when it does not say.
fn seconds_per_test(report: &crate::report::record::RunReport) -> Option<f64> {
    let (seconds, tests) = report
        .iterations
        .iter()
        .fold((0.0, 0usize), |(s, t), i| (s + i.seconds, t + i.executed));
    (tests > 0 && seconds > 0.0).then(|| seconds / tests as f64)
}

/// Progress on stderr while a failure's candidates run: `candidate i of n` at each tenth, and
/// at the last.
struct Progress {
    failure: usize,
    total: usize,
    started: usize,
    /// The tenth last shown.
    shown: usize,
    quiet: bool,
}

impl crate::report::Reporter for Progress {
    fn handle(&mut self, event: &crate::report::Event) -> anyhow::Result<()> {
        if let crate::report::Event::SequenceStarted { .. } = event {
            self.started += 1;
            let tenth = self.started * 10 / self.total.max(1);
            if !self.quiet && (tenth > self.shown || self.started == self.total) {
                self.shown = tenth;
                errln!(
                    "smoke: diagnose: failure {}: candidate {} of {}",
                    self.failure,
                    self.started,
                    self.total
                );
            }
        }
        Ok(())
    }
}

/// Write the diagnosis report as it stands, in all three forms.
fn write(files: &ReportFiles, diagnosis: &DiagnoseReport) -> anyhow::Result<()> {
    files.write_rendered(
        &render_text(diagnosis),
        &render_json(diagnosis),
        Some(&render_html(diagnosis)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cleaner_undoes_what_it_changed_of_the_polluters_names_only() {
        let change = |test: &str, name: &str| crate::probe::state::StateChange {
            test: test.into(),
            kind: "cwd".into(),
            name: name.into(),
            before: Some("'/a'".into()),
            after: Some("'/b'".into()),
            added: Vec::new(),
            removed: Vec::new(),
            present: false,
        };
        let changes = [
            change("p", "os.getcwd()"),
            change("c", "os.getcwd()"),
            change("c", "pkg.OTHER"),
            change("v", "os.getcwd()"),
        ];
        let got = undone("c", &["p".to_string()], &changes);
        assert_eq!(got, [change("c", "os.getcwd()")]);
        assert!(undone("c", &["q".to_string()], &changes).is_empty());
    }

    #[test]
    fn the_estimate_counts_what_runs_and_what_is_known_already() {
        let (all, _) = candidates(&[2, 4], &[0, 1, 2, 3, 4], u64::MAX);
        let to_run: Vec<Vec<TestId>> = all.iter().map(|c| c.sequence.clone()).collect();
        assert_eq!(
            estimate(&all, &to_run, Some(0.5), 2),
            "7 candidate runs, up to 17 test executions, about 5s on 2 worker(s)"
        );
        assert_eq!(
            estimate(&all, &to_run[..3], None, 1),
            "3 candidate runs, up to 6 test executions (4 more known from an earlier failure)"
        );
    }

    #[test]
    fn candidates_look_for_polluters_then_cleaners_or_state_setters_within_the_budget() {
        // Minimal [2, 4] over tests 0..5: polluters [t, 4] for t != 4; cleaners [2, c, 4] for
        // c not 2 or 4.
        let (all, cut) = candidates(&[2, 4], &[0, 1, 2, 3, 4], u64::MAX);
        assert!(!cut);
        let polluters: Vec<&Vec<TestId>> = all
            .iter()
            .filter(|c| c.search == Search::Polluter)
            .map(|c| &c.sequence)
            .collect();
        assert_eq!(
            polluters,
            [&vec![0, 4], &vec![1, 4], &vec![2, 4], &vec![3, 4]]
        );
        let cleaners: Vec<&Vec<TestId>> = all
            .iter()
            .filter(|c| c.search == Search::Cleaner)
            .map(|c| &c.sequence)
            .collect();
        assert_eq!(cleaners, [&vec![2, 0, 4], &vec![2, 1, 4], &vec![2, 3, 4]]);
        // Fails alone: state-setters only (it fails after anything, so no polluters).
        let (all, _) = candidates(&[1], &[0, 1, 2], u64::MAX);
        assert!(all.iter().all(|c| c.search == Search::StateSetter));
        let setters: Vec<TestId> = all
            .iter()
            .filter(|c| c.search == Search::StateSetter)
            .map(|c| c.test)
            .collect();
        assert_eq!(setters, [0, 2]);
        // A budget of 5 test executions: two pairs, then cut.
        let (some, cut) = candidates(&[2, 4], &[0, 1, 2, 3, 4], 5);
        assert_eq!(some.len(), 2);
        assert!(cut);
    }
}
