//! The controller on fake executors: no processes, fast. Each test plants an order bug in a
//! function of what ran since the last setup and checks what the report says.

use super::*;
use crate::cli::Cli;
use crate::exec::Job;
use crate::exec::fake::FakeExecutor;
use crate::model::Classification;
use crate::model::Outcome;
use crate::report::record::{Recorder, RunReport};
use clap::Parser;
use std::path::Path;

fn config(args: &[&str]) -> Config {
    let mut argv = vec!["smoke", "--run", "sh {test}", "--seed", "5"];
    argv.extend_from_slice(args);
    Config::from_parts(
        Cli::try_parse_from(argv).expect("valid"),
        Path::new("/s"),
        None,
        || 0,
    )
    .expect("valid config")
}

/// The job's `$1` as text (the fake suites' names are all UTF-8).
fn arg<'j>(job: &Job<'j>) -> Option<&'j str> {
    job.args
        .first()
        .map(|a| a.to_str().expect("UTF-8 test names"))
}

struct Recording(Recorder);

impl Reporter for Recording {
    fn handle(&mut self, event: &Event) -> Result<()> {
        self.0.apply(event);
        Ok(())
    }
}

fn recording() -> Recording {
    Recording(Recorder::new(crate::report::record::tests::header()))
}

/// What a run on the fake executor left: its summary, the report, the jobs the executor
/// ran (label, `$1`), the logs it opened and which jobs ran while one was open (indexes in
/// `ran`).
struct Driven {
    summary: Summary,
    report: RunReport,
    ran: Vec<(String, Option<String>)>,
    logs: Vec<PathBuf>,
    logged: Vec<usize>,
}

/// Run smoke (or bug mode, with `--bug-mode` in `args`) over the fake executor; the test
/// names are appended to `args` and all are selected. `outcome` decides each job; `interrupt`
/// may be raised from it.
fn drive(
    args: &[&str],
    names: &[&str],
    interrupt: &Interrupt,
    outcome: impl FnMut(&Job) -> Outcome + Send,
) -> Driven {
    let mut argv = args.to_vec();
    argv.extend_from_slice(names);
    let config = config(&argv);
    let names = TestNames::new(names.iter().map(std::ffi::OsString::from).collect());
    let selection: Vec<TestId> = (0..names.len()).collect();
    let exec = FakeExecutor::new(outcome);
    let executors: Vec<WorkerExecutor> = (0..config.jobs)
        .map(|_| Box::new(exec.clone()) as WorkerExecutor)
        .collect();
    let mut reporter = recording();
    let log = |n: usize| PathBuf::from(format!("r.failure-{n}.log"));
    let runner = Runner::new(&config, &names, executors, &mut reporter, interrupt, &log);
    let summary = if config.bug_mode {
        runner.bug_mode(&selection)
    } else {
        runner.smoke(&selection)
    }
    .expect("runs");
    Driven {
        summary,
        report: reporter.0.report().clone(),
        ran: exec.ran(),
        logs: exec.logs(),
        logged: exec.logged(),
    }
}

/// The job's worker, from its `SMOKE_WORKER`.
fn worker_of(job: &Job) -> String {
    job.env
        .iter()
        .find(|(name, _)| *name == "SMOKE_WORKER")
        .map(|(_, value)| value.to_string_lossy().into_owned())
        .expect("every job gets SMOKE_WORKER")
}

/// Run smoke mode where `fails(tests run since the last setup on that worker)` decides each
/// test.
fn run_fake(
    args: &[&str],
    names: &[&str],
    fails: impl FnMut(&[String]) -> Outcome + Send,
) -> (Summary, RunReport, Vec<(String, Option<String>)>) {
    let d = run_fake_logged(args, names, fails);
    (d.summary, d.report, d.ran)
}

/// [`run_fake`], keeping everything the run left.
fn run_fake_logged(
    args: &[&str],
    names: &[&str],
    mut fails: impl FnMut(&[String]) -> Outcome + Send,
) -> Driven {
    let mut since_setup: HashMap<String, Vec<String>> = HashMap::new();
    drive(args, names, &Interrupt::new(), |job: &Job| {
        let ran = since_setup.entry(worker_of(job)).or_default();
        match arg(job) {
            None => {
                if job.label == "(setup)" {
                    ran.clear();
                }
                Outcome::Pass
            }
            Some(test) => {
                ran.push(test.to_string());
                fails(ran)
            }
        }
    })
}

/// The sequences that ran (each from its setup on, so the run needs a setup command), in
/// order: their tests, and whether they ran with a log open (the verbose rerun).
fn sequences(d: &Driven) -> Vec<(Vec<&str>, bool)> {
    let mut sequences: Vec<(Vec<&str>, bool)> = Vec::new();
    for (i, (label, test)) in d.ran.iter().enumerate() {
        match test {
            None if label == "(setup)" => sequences.push((Vec::new(), d.logged.contains(&i))),
            Some(test) => sequences.last_mut().expect("setup first").0.push(test),
            None => {}
        }
    }
    sequences
}

/// `victim` fails (exit 1) when `polluter` ran earlier since the last setup.
fn polluted(polluter: &'static str, victim: &'static str) -> impl FnMut(&[String]) -> Outcome {
    move |ran: &[String]| {
        let last = ran.last().expect("a test ran");
        if last == victim && ran[..ran.len() - 1].iter().any(|t| t == polluter) {
            Outcome::Fail { code: 1 }
        } else {
            Outcome::Pass
        }
    }
}

const TESTS: [&str; 8] = ["a", "b", "p", "c", "d", "e", "v", "f"];

#[test]
fn an_order_dependent_failure_is_shrunk_to_the_pair_and_reported() {
    let (summary, report, _) = run_fake(&["--setup", "x", "-n", "6"], &TESTS, polluted("p", "v"));
    assert!(summary.failures >= 1);
    assert_eq!(
        report.failures.len(),
        1,
        "later finds of the same pair are repeats"
    );
    let f = &report.failures[0];
    assert_eq!(f.minimal, ["p", "v"]);
    assert_eq!(f.classification, Some(Classification::OrderDependent));
    assert!(f.proven_minimal);
    assert_eq!(f.rerun.as_deref(), Some("exit 1"));
    assert_eq!(f.log.as_deref(), Some("r.failure-1.log"));
    assert_eq!(
        f.replay.as_deref(),
        Some("cd /s && smoke --run 'sh {test}' --setup x --order rotate --times 1 p v")
    );
    assert_eq!(f.seen as usize, summary.failures);
    assert_eq!(report.iterations.len(), 6);
}

#[test]
fn a_prefix_holding_a_known_minimal_sequence_is_not_shrunk_again() {
    let (summary, report, _) = run_fake(&["--setup", "x", "-n", "8"], &TESTS, polluted("p", "v"));
    let f = &report.failures[0];
    assert!(f.seen >= 2, "the seed finds the pair more than once");
    assert_eq!(f.seen as usize, summary.failures);
    assert_eq!(
        report.stats.reduction_tries, f.tries as u64,
        "only the first find spent candidate runs"
    );
    assert_eq!(report.stats.reduction_executions, f.shrink_executions);
}

#[test]
fn the_budget_stops_a_shrink_and_says_why() {
    let (_, report, ran) = run_fake(
        &["--setup", "x", "--order", "rotate", "--max-reduce", "5"],
        &TESTS,
        polluted("p", "v"),
    );
    let f = &report.failures[0];
    assert!(!f.proven_minimal);
    assert!(f.shrink_executions <= 5, "{}", f.shrink_executions);
    assert_eq!(
        f.stopped_by.as_deref(),
        Some(
            "--max-reduce 5: the next candidate would have gone past it, after 4 test \
             execution(s)"
        )
    );
    assert!(f.minimal.len() < f.original.len() || f.classification.is_none());
    // The iteration ran 16 tests, the shrink at most 5, the verbose rerun what is left.
    let tests = ran.iter().filter(|r| r.1.is_some()).count();
    assert!(tests <= 16 + 5 + f.minimal.len(), "{tests}");
}

#[test]
fn a_verified_pair_s_verbose_rerun_is_the_first_of_its_confirming_runs() {
    let args = ["--setup", "x", "--order", "rotate", "--times", "1"];
    for jobs in ["1", "2"] {
        let mut with_jobs = args.to_vec();
        with_jobs.extend(["--jobs", jobs]);
        let d = run_fake_logged(&with_jobs, &TESTS, polluted("p", "v"));
        let f = &d.report.failures[0];
        assert_eq!(f.minimal, ["p", "v"]);
        assert!(f.proven_minimal);
        assert_eq!(f.rerun.as_deref(), Some("exit 1"));
        assert_eq!(f.log.as_deref(), Some("r.failure-1.log"));
        assert_eq!(
            d.logs,
            [PathBuf::from("r.failure-1.log")],
            "one verbose rerun"
        );
        // The confirmation: the pair 4 more times, the verbose rerun first, then v alone twice.
        // Nothing after it: the rerun is not a run of its own.
        let ran = sequences(&d);
        let pair = (vec!["p", "v"], false);
        let alone = (vec!["v"], false);
        assert_eq!(
            ran[ran.len() - 6..],
            [
                (vec!["p", "v"], true),
                pair.clone(),
                pair.clone(),
                pair,
                alone.clone(),
                alone
            ],
            "jobs {jobs}: {ran:?}"
        );
        assert_eq!(ran.iter().filter(|s| s.1).count(), 1);
        assert_eq!(
            f.confirmation,
            Some(crate::report::Confirmation {
                runs: 6,
                executions: 10,
                alone: jobs == "2",
                verbose_rerun: true,
            })
        );
        // One sequence fewer than with a rerun after the confirmation: the iteration, the
        // candidates and the confirmation are every sequence that ran.
        assert_eq!(
            d.report.stats.sequence_runs,
            1 + f.tries as u64 + 6,
            "jobs {jobs}"
        );
        assert_eq!(f.reproduced.failed, f.reproduced.runs);
    }
}

#[test]
fn a_verbose_rerun_that_passes_disagrees_and_the_rate_is_measured() {
    let args = ["--setup", "x", "--order", "rotate", "--times", "1"];
    // v fails after p, except on its `spare`-th polluted run.
    let drive_with = |spare: usize| {
        let mut polluted_runs = 0;
        run_fake_logged(&args, &TESTS, move |ran: &[String]| {
            let last = ran.last().expect("a test ran");
            if last == "v" && ran.iter().any(|t| t == "p") {
                polluted_runs += 1;
                if polluted_runs != spare {
                    return Outcome::Fail { code: 1 };
                }
            }
            Outcome::Pass
        })
    };
    let steady = drive_with(0);
    let f = &steady.report.failures[0];
    assert_eq!(f.classification, Some(Classification::OrderDependent));
    assert_eq!(f.rerun.as_deref(), Some("exit 1"));
    assert_eq!(f.reproduced.failed, f.reproduced.runs);
    // The polluted runs of v: the original, the shrink's, then the confirmation's 4, the
    // verbose rerun first.
    let runs = f.reproduced.runs as usize;
    let before = runs - crate::reduce::confirm::FAILS as usize;

    let flaky = drive_with(before + 1);
    let f = &flaky.report.failures[0];
    assert_eq!(f.rerun.as_deref(), Some("ok"), "the rerun passed");
    assert_eq!(
        f.log.as_deref(),
        Some("r.failure-1.log"),
        "its log is still the report's"
    );
    assert_eq!(f.classification, Some(Classification::Flaky));
    assert!(!f.proven_minimal);
    // A disagreement: the pair ran until the rate's 10 runs, the rerun the first of them.
    let rate = crate::reduce::confirm::RATE_RUNS;
    assert_eq!(
        (f.reproduced.failed, f.reproduced.runs),
        (before as u32 + rate - 1, before as u32 + rate)
    );
    let ran = sequences(&flaky);
    let tail: Vec<(Vec<&str>, bool)> = (0..rate).map(|i| (vec!["p", "v"], i == 0)).collect();
    assert_eq!(ran[ran.len() - rate as usize..], tail[..], "{ran:?}");
    assert_eq!(flaky.logs.len(), 1, "never rerun again");
    let confirmation = f.confirmation.expect("confirmation runs ran");
    assert_eq!(confirmation.runs, rate as usize);
    assert!(confirmation.verbose_rerun);
}

#[test]
fn the_report_counts_every_test_the_executor_ran() {
    let (_, report, ran) = run_fake(
        &["--setup", "x", "--teardown", "y"],
        &TESTS,
        polluted("p", "v"),
    );
    let tests = ran.iter().filter(|r| r.1.is_some()).count() as u64;
    assert_eq!(report.stats.test_executions, tests);
    let setups = ran.iter().filter(|r| r.0 == "(setup)").count() as u64;
    let teardowns = ran.iter().filter(|r| r.0 == "(teardown)").count() as u64;
    assert_eq!(
        setups, report.stats.sequence_runs,
        "setup before every sequence"
    );
    assert_eq!(teardowns, setups);
}

#[test]
fn a_failure_alone_is_classified_without_shrinking() {
    let (_, report, _) = run_fake(&["--setup", "x", "-n", "1"], &TESTS, |ran: &[String]| {
        if ran.last().is_some_and(|t| t == "e") {
            Outcome::Fail { code: 2 }
        } else {
            Outcome::Pass
        }
    });
    let f = &report.failures[0];
    assert_eq!(f.classification, Some(Classification::FailsAlone));
    assert_eq!(f.minimal, ["e"]);
    assert_eq!(f.failure, "exit 2");
}

#[test]
fn another_test_failing_first_is_not_a_reproduction() {
    // v fails after p; but w fails (exit 9) whenever it runs after p too. A candidate where w
    // fails first must not count as v reproducing.
    let (_, report, _) = run_fake(
        &["--setup", "x", "--order", "rotate", "--times", "1"],
        &["p", "w", "v"],
        |ran: &[String]| {
            let last = ran.last().expect("ran");
            let polluted = ran.iter().any(|t| t == "p");
            match last.as_str() {
                "w" if polluted && ran.len() > 2 => Outcome::Fail { code: 9 },
                "v" if polluted => Outcome::Fail { code: 1 },
                _ => Outcome::Pass,
            }
        },
    );
    assert_eq!(report.failures[0].minimal, ["p", "v"]);
}

#[test]
fn a_different_failure_kind_is_not_the_same_failure() {
    // v fails with exit 1 after p and q; after p alone it times out. The minimal sequence must
    // keep q, because [p, v] fails differently.
    let (_, report, _) = run_fake(
        &["--setup", "x", "--order", "rotate", "--times", "1"],
        &["p", "x", "q", "v"],
        |ran: &[String]| {
            let has = |n: &str| ran.iter().any(|t| t == n);
            match ran.last().expect("ran").as_str() {
                "v" if has("p") && has("q") => Outcome::Fail { code: 1 },
                "v" if has("p") => Outcome::Timeout,
                _ => Outcome::Pass,
            }
        },
    );
    assert_eq!(report.failures[0].minimal, ["p", "q", "v"]);
}

#[test]
fn a_failure_that_does_not_come_back_is_flaky_and_gets_its_verbose_rerun_after_the_rate() {
    // v fails once, on the 7th test run, never again: flaky, its rate measured (no
    // confirmation), then the verbose rerun as a run of its own.
    let mut calls = 0;
    let d = run_fake_logged(
        &["--setup", "x", "--order", "rotate", "--times", "1"],
        &TESTS,
        move |ran: &[String]| {
            calls += 1;
            if calls == 7 && ran.last().is_some_and(|t| t == "v") {
                Outcome::Fail { code: 1 }
            } else {
                Outcome::Pass
            }
        },
    );
    let f = &d.report.failures[0];
    assert_eq!(f.classification, Some(Classification::Flaky));
    assert_eq!(f.minimal.len(), 7);
    let confirmation = f.confirmation.as_ref().expect("the rate was measured");
    assert!(!confirmation.verbose_rerun);
    let ran = sequences(&d);
    let (last, logged) = ran.last().expect("ran");
    assert!(*logged, "the verbose rerun ran last: {ran:?}");
    assert_eq!(last.len(), 7);
    assert_eq!(ran.iter().filter(|s| s.1).count(), 1);
    assert_eq!(f.rerun.as_deref(), Some("ok"));
}

#[test]
fn a_failing_setup_abandons_the_iteration_without_running_tests() {
    let d = drive(
        &["--setup", "false", "-n", "2"],
        &["a", "b"],
        &Interrupt::new(),
        |job: &Job| {
            if job.label == "(setup)" {
                Outcome::Fail { code: 3 }
            } else {
                Outcome::Pass
            }
        },
    );
    assert_eq!(
        d.summary.failures, 0,
        "a setup failure is not a test failure"
    );
    assert_eq!(d.summary.hook_failures, 2);
    assert_eq!(d.report.iterations[0].result, "setup failed, abandoned");
    assert_eq!(d.report.hook_failures.len(), 2);
    assert_eq!(d.report.hook_failures[0].result, "exit 3");
    assert!(d.ran.iter().all(|r| r.1.is_none()), "no test ran");
}

#[test]
fn an_interrupt_stops_after_the_running_test_and_still_tears_down() {
    let interrupt = Interrupt::new();
    let flag = interrupt.clone();
    let args = ["--teardown", "t", "--order", "rotate"];
    let d = drive(&args, &["a", "b", "c"], &interrupt, move |job: &Job| {
        if arg(job) == Some("b") {
            flag.raise(2);
        }
        Outcome::Pass
    });
    assert_eq!(d.summary.interrupted, Some(2));
    assert_eq!(d.report.status, "interrupted");
    assert_eq!(d.report.iterations.len(), 1);
    assert_eq!(d.report.iterations[0].result, "interrupted");
    let labels: Vec<&str> = d.ran.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        labels,
        ["a", "b", "(teardown)"],
        "c never starts; teardown runs once"
    );
}

#[test]
fn an_interrupt_while_shrinking_keeps_the_best_sequence_and_says_it_is_not_proven() {
    // v fails after p and q. The interrupt comes with the setup after the first shorter
    // candidate that fails (a reduction).
    let interrupt = Interrupt::new();
    let flag = interrupt.clone();
    let last_failing = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = last_failing.clone();
    let (mut since_setup, mut setups, mut reproduced) = (Vec::new(), 0, false);
    let args = ["--setup", "s", "--order", "rotate", "--times", "1"];
    let names = ["p", "a", "b", "c", "d", "e", "q", "f", "v"];
    let d = drive(&args, &names, &interrupt, move |job: &Job| {
        let Some(test) = arg(job) else {
            since_setup.clear();
            setups += 1;
            if reproduced {
                flag.raise(2);
            }
            return Outcome::Pass;
        };
        since_setup.push(test.to_string());
        let has = |n: &str| since_setup.iter().any(|t| t == n);
        if test == "v" && has("p") && has("q") {
            if setups > 1 && since_setup.len() < 9 {
                reproduced = true;
                *seen.lock().expect("not poisoned") = since_setup.clone();
            }
            Outcome::Fail { code: 1 }
        } else {
            Outcome::Pass
        }
    });
    assert_eq!(d.summary.interrupted, Some(2));
    let f = &d.report.failures[0];
    assert!(!f.proven_minimal);
    assert_eq!(f.stopped_by.as_deref(), Some("interrupted"));
    let best = last_failing.lock().expect("not poisoned").clone();
    assert!(best.len() < names.len(), "a reduction was made: {best:?}");
    assert_eq!(f.minimal, best, "the best sequence before the interrupt");
    assert_eq!(f.classification, Some(Classification::OrderDependent));
    assert_eq!(f.log, None, "no verbose rerun after an interrupt");
    assert_eq!(d.report.status, "interrupted");
    assert!(d.logs.is_empty());
}

#[test]
fn bug_mode_runs_every_test_once_without_stopping() {
    let args = ["--setup", "s", "--bug-mode"];
    let d = drive(&args, &["a", "b", "c"], &Interrupt::new(), |job: &Job| {
        if arg(job) == Some("b") {
            Outcome::Fail { code: 1 }
        } else {
            Outcome::Pass
        }
    });
    assert_eq!(d.summary.failures, 1);
    let labels: Vec<&str> = d.ran.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(labels, ["(setup)", "a", "b", "c"]);
    let results: Vec<&str> = d.report.tests.iter().map(|t| t.result.as_str()).collect();
    assert_eq!(results, ["ok", "exit 1", "ok"]);
    assert_eq!(d.report.tests[1].output.as_deref(), Some("output of b\n"));
}

#[test]
fn state_that_survives_setup_is_not_called_a_verified_fails_alone() {
    // Once p has run, v fails in every later sequence: setup does not undo what p left.
    let mut polluted = false;
    let d = run_fake_logged(
        &["--setup", "x", "-n", "4"],
        &TESTS,
        move |ran: &[String]| {
            let last = ran.last().expect("ran");
            if last == "p" {
                polluted = true;
            }
            if last == "v" && polluted {
                Outcome::Fail { code: 1 }
            } else {
                Outcome::Pass
            }
        },
    );
    let f = &d.report.failures[0];
    assert_eq!(f.minimal, ["v"]);
    assert_eq!(f.classification, Some(Classification::LeftoverState));
    assert!(!f.proven_minimal, "never verified");
    let hint = f.hint.as_deref().expect("a hint");
    assert!(hint.contains("survives between sequences"), "{hint}");
    // The verbose rerun was the confirmation's first run; the check after it (which found the
    // leftover state) is not followed by another.
    assert_eq!(d.logs.len(), 1, "{:?}", d.logs);
    assert_eq!(f.rerun.as_deref(), Some("exit 1"));
    assert_eq!(f.log.as_deref(), Some("r.failure-1.log"));
    let ran = sequences(&d);
    let first = ran.iter().position(|s| s.1).expect("a verbose rerun");
    assert_eq!(ran[first].0, ["v"]);
    assert!(!ran.last().expect("ran").1, "the check ran last: {ran:?}");
}

#[test]
fn a_test_that_needs_a_test_before_it_stays_fails_alone() {
    // v passes only right after s (s sets its state up). Repeat: s s v v, the second v
    // fails. Alone it fails too; run again where it passed (s s v), it passes: nothing
    // survives setup, it just needs s.
    let d = run_fake_logged(
        &["--setup", "x", "--order", "repeat", "--times", "2"],
        &["s", "v"],
        |ran: &[String]| {
            let before = &ran[..ran.len() - 1];
            match ran.last().expect("ran").as_str() {
                "v" if before.last().map(String::as_str) != Some("s") => Outcome::Fail { code: 1 },
                _ => Outcome::Pass,
            }
        },
    );
    let f = &d.report.failures[0];
    assert_eq!(f.classification, Some(Classification::FailsAlone));
    assert!(f.proven_minimal);
    assert_eq!(f.hint, None);
    let ran = sequences(&d);
    // v alone 4 times, the verbose rerun first; then the check, and no rerun after it.
    assert_eq!(
        ran[ran.len() - 5..],
        [
            (vec!["v"], true),
            (vec!["v"], false),
            (vec!["v"], false),
            (vec!["v"], false),
            (vec!["s", "s", "v"], false)
        ],
        "the check ran the iteration again up to where v passed: {ran:?}"
    );
    assert_eq!(d.logs.len(), 1);
    assert_eq!(f.rerun.as_deref(), Some("exit 1"));
    let confirmation = f.confirmation.expect("confirmed");
    assert_eq!((confirmation.runs, confirmation.verbose_rerun), (4, true));
}

#[test]
fn failures_that_do_not_match_are_ignored_and_keep_their_output() {
    let (summary, report, _) = run_fake(
        &["--setup", "x", "-n", "3", "--match", "never"],
        &TESTS,
        polluted("p", "v"),
    );
    assert_eq!(summary.failures, 0, "nothing matched: exit 0");
    assert!(summary.unmatched >= 1);
    assert!(report.failures.is_empty());
    assert_eq!(report.stats.failures_found, 0);
    assert_eq!(report.stats.unmatched_failures as usize, summary.unmatched);
    let it = report
        .iterations
        .iter()
        .find(|i| i.output.is_some())
        .expect("an ignored failure keeps its output");
    assert_eq!(it.output.as_deref(), Some("output of v\n"));
    assert!(
        report
            .iterations
            .iter()
            .all(|i| i.output.is_none() || i.failed_test.is_some())
    );
}

#[test]
fn bug_mode_lists_the_test_a_signal_stopped() {
    let interrupt = Interrupt::new();
    let flag = interrupt.clone();
    let d = drive(
        &["--bug-mode"],
        &["a", "b", "c"],
        &interrupt,
        move |job: &Job| {
            if arg(job) == Some("b") {
                flag.raise(2);
            }
            Outcome::Pass
        },
    );
    let results: Vec<(&str, &str)> = d
        .report
        .tests
        .iter()
        .map(|t| (t.test.as_str(), t.result.as_str()))
        .collect();
    assert_eq!(results, [("a", "ok"), ("b", "interrupted")]);
    assert_eq!(d.report.failed_tests(), 0);
}

#[test]
fn the_third_run_failure_shrinks_to_three_runs() {
    let (_, report, _) = run_fake(
        &["--setup", "x", "--order", "repeat", "--times", "3"],
        &["a", "t", "b"],
        |ran: &[String]| {
            let runs = ran.iter().filter(|x| *x == "t").count();
            if ran.last().is_some_and(|x| x == "t") && runs >= 3 {
                Outcome::Fail { code: 1 }
            } else {
                Outcome::Pass
            }
        },
    );
    assert_eq!(report.failures[0].minimal, ["t", "t", "t"]);
}

#[test]
fn workers_find_the_same_failures_as_one_process_and_report_iterations_in_order() {
    // Two planted bugs: v after p, and w after q.
    let names = ["a", "p", "b", "v", "q", "c", "w", "d"];
    let two_bugs = |ran: &[String]| {
        let (last, before) = ran.split_last().expect("a test ran");
        let after = |x: &str| before.iter().any(|t| t == x);
        match last.as_str() {
            "v" if after("p") => Outcome::Fail { code: 1 },
            "w" if after("q") => Outcome::Fail { code: 2 },
            _ => Outcome::Pass,
        }
    };
    let failures = |report: &RunReport| {
        let mut found: Vec<(String, String, Vec<String>)> = report
            .failures
            .iter()
            .map(|f| (f.test.clone(), f.failure.clone(), f.minimal.clone()))
            .collect();
        found.sort();
        found
    };
    let args = ["--setup", "x", "-n", "12"];
    let (one, alone, _) = run_fake(&args, &names, two_bugs);
    let mut three = args.to_vec();
    three.extend(["--jobs", "3"]);
    let (many, parallel, ran) = run_fake(&three, &names, two_bugs);
    assert_eq!(failures(&alone), failures(&parallel));
    assert_eq!(failures(&alone).len(), 2, "{:?}", failures(&alone));
    assert_eq!(
        one.failures, many.failures,
        "every failing iteration counted"
    );
    let indexes: Vec<u32> = parallel.iterations.iter().map(|i| i.index).collect();
    assert_eq!(indexes, (1..=12).collect::<Vec<u32>>());
    let seeds: Vec<u64> = parallel.iterations.iter().map(|i| i.seed).collect();
    let seeds_alone: Vec<u64> = alone.iterations.iter().map(|i| i.seed).collect();
    assert_eq!(
        seeds, seeds_alone,
        "iteration i has seed base + i - 1 on any worker"
    );
    assert_eq!(
        parallel.stats.test_executions,
        ran.iter().filter(|r| r.1.is_some()).count() as u64,
        "every test any worker ran is counted"
    );
}

#[test]
fn every_command_names_its_worker_and_work_spreads_over_them() {
    let workers = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = workers.clone();
    let d = drive(
        &["--setup", "x", "-n", "9", "--jobs", "3"],
        &["a", "b", "c"],
        &Interrupt::new(),
        move |job: &Job| {
            seen.lock().expect("not poisoned").push(worker_of(job));
            // Slow enough that every worker gets an iteration.
            std::thread::sleep(std::time::Duration::from_millis(2));
            Outcome::Pass
        },
    );
    assert_eq!(d.summary.failures, 0);
    let mut used = workers.lock().expect("not poisoned").clone();
    used.sort();
    used.dedup();
    assert_eq!(used, ["1", "2", "3"]);
    assert_eq!(d.report.iterations.len(), 9);
}

#[test]
fn spare_workers_run_likely_candidates_ahead_and_the_shrink_comes_out_the_same() {
    let mut names: Vec<String> = (0..30).map(|i| format!("t{i:02}")).collect();
    names.insert(4, "p".into());
    names.push("v".into());
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let args = ["--setup", "x", "--order", "rotate", "--times", "1"];
    let (_, alone, _) = run_fake(&args, &names, polluted("p", "v"));
    let mut three = args.to_vec();
    three.extend(["--jobs", "3"]);
    let (_, parallel, ran) = run_fake(&three, &names, polluted("p", "v"));
    let (a, p) = (&alone.failures[0], &parallel.failures[0]);
    assert_eq!(p.minimal, ["p", "v"]);
    assert_eq!(
        (&a.minimal, &a.reductions, a.tries),
        (&p.minimal, &p.reductions, p.tries),
        "the same questions, in the same order, with the same answers"
    );
    assert!(
        parallel.stats.sequence_runs > alone.stats.sequence_runs,
        "candidates ran ahead of time: {} vs {} sequences",
        parallel.stats.sequence_runs,
        alone.stats.sequence_runs
    );
    assert!(
        p.shrink_executions >= a.shrink_executions,
        "what ran ahead is counted"
    );
    assert_eq!(
        parallel.stats.test_executions,
        ran.iter().filter(|r| r.1.is_some()).count() as u64
    );
}

#[test]
fn a_shard_runs_only_its_iterations_under_the_whole_run_s_indexes_and_seeds() {
    let args = ["--setup", "x", "-n", "7"];
    let (_, whole, whole_ran) = run_fake(&args, &TESTS, |_| Outcome::Pass);
    let mut shards = Vec::new();
    let mut ran = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let mut sharded = args.to_vec();
        sharded.extend(["--shard", &shard]);
        let (summary, report, jobs) = run_fake(&sharded, &TESTS, |_| Outcome::Pass);
        assert_eq!(summary.failures, 0);
        ran.push(jobs);
        shards.push(report.iterations);
    }
    let indexes = |its: &[crate::report::record::IterationRecord]| -> Vec<(u32, u64)> {
        its.iter().map(|i| (i.index, i.seed)).collect()
    };
    assert_eq!(indexes(&shards[0]), [(1, 5), (4, 8), (7, 11)]);
    assert_eq!(indexes(&shards[1]), [(2, 6), (5, 9)]);
    assert_eq!(indexes(&shards[2]), [(3, 7), (6, 10)]);
    // Together they ran exactly the whole run's sequences, job for job.
    let mut together: Vec<_> = shards.concat();
    together.sort_by_key(|i| i.index);
    assert_eq!(together, whole.iterations);
    let per_iteration = TESTS.len() * 2 + 1;
    let whole_chunks: Vec<_> = whole_ran.chunks(per_iteration).collect();
    for (k, jobs) in ran.iter().enumerate() {
        for (n, chunk) in jobs.chunks(per_iteration).enumerate() {
            let index = k + 1 + 3 * n;
            assert_eq!(chunk, whole_chunks[index - 1], "iteration {index}");
        }
    }
}

#[test]
fn a_worker_that_panics_ends_the_run_with_an_error_not_a_hang() {
    let config = config(&["--setup", "x", "-n", "3", "--jobs", "2", "a", "b"]);
    let names = TestNames::new(vec!["a".into(), "b".into()]);
    let exec = FakeExecutor::new(|job: &Job| {
        if arg(job) == Some("b") {
            panic!("a bug in an executor");
        }
        Outcome::Pass
    });
    let executors: Vec<WorkerExecutor> = (0..config.jobs)
        .map(|_| Box::new(exec.clone()) as WorkerExecutor)
        .collect();
    let mut reporter = recording();
    let log = |n: usize| PathBuf::from(format!("r.failure-{n}.log"));
    let interrupt = Interrupt::new();
    let runner = Runner::new(&config, &names, executors, &mut reporter, &interrupt, &log);
    let error = runner.smoke(&[0, 1]).expect_err("the run stops on the bug");
    assert!(
        error
            .to_string()
            .contains("stopped in the middle of a sequence"),
        "{error}"
    );
}

#[test]
fn a_failure_found_as_a_signal_comes_is_reported_unshrunk_and_says_why() {
    // The signal comes during the teardown of the iteration that found the failure.
    let interrupt = Interrupt::new();
    let flag = interrupt.clone();
    let d = drive(
        &["--teardown", "t", "--order", "rotate", "--times", "1"],
        &["p", "v"],
        &interrupt,
        move |job: &Job| match arg(job) {
            Some("v") => Outcome::Fail { code: 1 },
            Some(_) => Outcome::Pass,
            None => {
                flag.raise(2);
                Outcome::Pass
            }
        },
    );
    assert_eq!(d.summary.interrupted, Some(2));
    let f = &d.report.failures[0];
    assert_eq!(f.minimal, ["p", "v"]);
    assert_eq!(f.classification, None);
    assert_eq!(f.stopped_by.as_deref(), Some("interrupted"));
    assert!(!f.proven_minimal);
    let tests = d.ran.iter().filter(|r| r.1.is_some()).count();
    assert_eq!(tests, 2, "nothing ran after the signal: {:?}", d.ran);
}

#[test]
fn a_polluter_that_broke_one_test_is_tried_first_on_the_next() {
    // p breaks both v and w.
    let tests = ["a", "p", "b", "c", "v", "d", "e", "w", "f", "g"];
    let breaks_both = |ran: &[String]| {
        let (last, before) = ran.split_last().expect("a test ran");
        if (last == "v" || last == "w") && before.iter().any(|t| t == "p") {
            Outcome::Fail { code: 1 }
        } else {
            Outcome::Pass
        }
    };
    let (_, report, _) = run_fake(&["--setup", "x", "-n", "12"], &tests, breaks_both);
    assert_eq!(report.failures.len(), 2, "{:?}", report.failures);
    let (first, second) = (&report.failures[0], &report.failures[1]);
    assert_eq!(first.same_cause_as, None);
    assert_eq!(second.same_cause_as.as_deref(), Some(first.test.as_str()));
    assert_eq!(second.minimal, ["p", second.test.as_str()]);
    assert!(second.proven_minimal);
    assert_eq!(
        second.tries, 2,
        "the known polluter (which attributes it), then the victim alone: no narrowing"
    );
    assert_eq!(
        second.reductions[0].algorithm,
        crate::reduce::Algorithm::KnownCause
    );
}

/// A driver playing back a script of steps (an `Err` is a driver failure), recording what it
/// was told.
struct Scripted {
    script: VecDeque<std::result::Result<crate::control::Step, &'static str>>,
    told: Vec<String>,
}

impl crate::control::Driver for Scripted {
    fn start(&mut self, iteration: u32, seed: u64) -> Result<()> {
        self.told.push(format!("start {iteration} {seed}"));
        Ok(())
    }

    fn next(&mut self, _stopping: &dyn Fn() -> bool) -> Result<Option<crate::control::Step>> {
        match self.script.pop_front() {
            Some(Ok(step)) => Ok(Some(step)),
            Some(Err(why)) => Err(anyhow::anyhow!(why)),
            None => Ok(Some(crate::control::Step::Stop)),
        }
    }

    fn finished(&mut self, test: TestId, outcome: Outcome, _duration: Duration) -> Result<()> {
        self.told.push(format!("result {test} {outcome}"));
        Ok(())
    }
}

/// Run `--order external` over TESTS with `script` driving, v failing after p.
fn run_driven(
    script: Vec<std::result::Result<crate::control::Step, &'static str>>,
) -> (Result<Summary>, RunReport, Vec<String>, Vec<String>) {
    let mut args = vec![
        "--setup",
        "x",
        "--order",
        "external",
        "--controller",
        "x",
        "-n",
        "5",
    ];
    args.extend_from_slice(&TESTS);
    let config = config(&args);
    let names = TestNames::new(TESTS.iter().map(std::ffi::OsString::from).collect());
    let selection: Vec<TestId> = (0..names.len()).collect();
    let mut since_setup: Vec<String> = Vec::new();
    let mut fails = polluted("p", "v");
    let exec = FakeExecutor::new(move |job: &Job| match arg(job) {
        None => {
            since_setup.clear();
            Outcome::Pass
        }
        Some(test) => {
            since_setup.push(test.to_string());
            fails(&since_setup)
        }
    });
    let mut reporter = recording();
    let log = |n: usize| PathBuf::from(format!("r.failure-{n}.log"));
    let interrupt = Interrupt::new();
    let mut driver = Scripted {
        script: script.into(),
        told: Vec::new(),
    };
    let summary = Runner::new(
        &config,
        &names,
        vec![Box::new(exec.clone()) as WorkerExecutor],
        &mut reporter,
        &interrupt,
        &log,
    )
    .driven_by(&mut driver)
    .smoke(&selection);
    let ran = exec.ran().into_iter().filter_map(|(_, t)| t).collect();
    (summary, reporter.0.report().clone(), driver.told, ran)
}

#[test]
fn a_driven_sequence_runs_on_past_failures_is_recorded_and_shrunk_without_the_driver() {
    use crate::control::Step::{Check, Run};
    // TESTS: a b p c d e v f; the driver runs a p v f, checks, then runs b and stops.
    let (summary, report, told, ran) = run_driven(vec![
        Ok(Run(0)),
        Ok(Run(2)),
        Ok(Run(6)),
        Ok(Run(7)),
        Ok(Check),
        Ok(Run(1)),
    ]);
    let summary = summary.expect("runs");
    assert_eq!(summary.failures, 1);
    assert_eq!(
        told,
        [
            "start 1 5",
            "result 0 ok",
            "result 2 ok",
            "result 6 exit 1",
            "result 7 ok",
            "start 2 6",
            "result 1 ok",
        ],
        "asked only for its own sequences, never while shrinking"
    );
    assert_eq!(ran[..4], ["a", "p", "v", "f"]);
    assert_eq!(ran.last().map(String::as_str), Some("b"));
    assert_eq!(report.iterations.len(), 2);
    assert_eq!(
        report.iterations[0].driven.as_deref(),
        Some(&["a", "p", "v", "f"].map(String::from)[..])
    );
    assert_eq!(report.iterations[0].length, 4);
    assert_eq!(
        report.iterations[1].result,
        "passed, then the controller said stop"
    );
    let f = &report.failures[0];
    assert_eq!(f.original, ["a", "p", "v"]);
    assert_eq!(f.minimal, ["p", "v"]);
    assert!(f.proven_minimal);
}

#[test]
fn a_driver_that_fails_stops_the_run_keeping_the_iteration_so_far() {
    use crate::control::Step::Run;
    let (summary, report, _, ran) = run_driven(vec![Ok(Run(0)), Ok(Run(1)), Err("it broke")]);
    let error = summary.expect_err("the driver's error stops the run");
    assert_eq!(error.to_string(), "it broke");
    assert_eq!(ran, ["a", "b"]);
    assert_eq!(report.iterations.len(), 1);
    assert_eq!(
        report.iterations[0].result,
        "controller failed, run stopped"
    );
    assert_eq!(
        report.iterations[0].driven.as_deref(),
        Some(&["a", "b"].map(String::from)[..])
    );
}
