//! Edge: what a person sees. Results (failures, minimal sequences, bug-mode lines, the summary,
//! report paths) go to stdout; progress and diagnostics to stderr. On a terminal, and unless
//! `--quiet`, an indicatif bar on stderr shows the tests done in the current sequence, the
//! iteration and the failures so far, or the candidate being tried while shrinking; it is hidden
//! when stderr is not a terminal, so CI logs get plain lines.

use super::record::RunReport;
use super::{
    Event, IterationStatus, Mode, Proof, Purpose, Redactor, Reporter, lossy, minimal_label,
    one_line, printable, quote_tail,
};
use crate::config::Verbosity;
use crate::model::Order;
use crate::shell;
use crate::term::{errln, outln};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// How many lines of a failing test's output the console shows.
const OUTPUT_LINES: usize = 20;

/// The closing summary line, from the finished report.
pub fn summary(report: &RunReport, interrupted: Option<i32>) -> String {
    let s = &report.stats;
    let mut line = match report.mode {
        Mode::BugMode => {
            format!(
                "summary: {} tests, {} passed, {} failed",
                report.tests.len(),
                report.passed_tests(),
                report.failed_tests()
            )
        }
        Mode::Smoke => {
            let o = &report.options;
            let whole = match (o.shard, report.merged_from.len()) {
                (Some(shard), _) => format!(
                    "{shard}: {} of {} iteration(s) (of {} in the whole run)",
                    s.iterations_run,
                    shard.count(o.iterations),
                    o.iterations
                ),
                (None, 0) => format!("{} of {} iteration(s)", s.iterations_run, o.iterations),
                (None, shards) => format!(
                    "{shards} shards merged: {} of {} iteration(s)",
                    s.iterations_run, o.iterations
                ),
            };
            let mut line = format!(
                "summary: {whole}, {} tests run, {} failure(s) found, {} unique",
                s.test_executions, s.failures_found, s.unique_failures,
            );
            // The headline: one polluter that breaks ten tests is one bug, not ten.
            let causes = crate::report::render::root_causes(report);
            if !causes.is_empty() {
                let victims: usize = causes.iter().map(|(_, v)| v.len()).sum();
                line.push_str(&format!(
                    " ({} root cause{} behind {victims} of them)",
                    causes.len(),
                    if causes.len() == 1 { "" } else { "s" }
                ));
            }
            if s.unmatched_failures > 0 {
                line.push_str(&format!(
                    ", {} more ignored (output does not match --match)",
                    s.unmatched_failures
                ));
            }
            // Only the seeded orders need the seed to replay; random is nothing without it.
            if report.options.order.is_seeded() {
                line.push_str(&format!("; base seed {}", report.options.seed));
            }
            line
        }
    };
    if let Some(signal) = interrupted {
        line.push_str(&format!(" (interrupted by signal {signal})"));
    }
    line
}

/// The bar's look while it counts the tests of a sequence.
fn counting_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
        .expect("the template is valid")
}

/// The bar's look while a batch runs: one command, whose results come at its end.
fn batch_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
        .expect("the template is valid")
}

/// The progress bar, drawn to `target`. It has no length until the first sequence sets one, so
/// nothing (no `0/0`) is drawn before.
fn styled_bar(target: ProgressDrawTarget) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(counting_style());
    bar
}

/// Prints events for a person.
pub struct Console {
    verbosity: Verbosity,
    bar: ProgressBar,
    /// The bar's two looks: counting tests, or (batch mode) one command running.
    counting: ProgressStyle,
    batch: ProgressStyle,
    mode: Mode,
    /// Workers running side by side.
    jobs: usize,
    /// Seeded orders name each iteration's seed; the others have none worth a word.
    order: Order,
    iterations: u32,
    iteration: u32,
    failures: u32,
    unique: u32,
    /// The number each failure id was reported under (`FAILURE n`), so that a later failure
    /// that is one of them again names it by that number, not by its id.
    numbers: std::collections::HashMap<usize, u32>,
    shrinking: bool,
    tries: usize,
    purpose: Purpose,
    batch_length: Option<usize>,
    bug_failed: usize,
    unmatched_shown: bool,
    redactor: Redactor,
    /// The state probes' sentence about the failure being reported next.
    probed: Option<String>,
    /// What smoke's helper inside the runner said of it.
    inside: Option<String>,
}

impl Console {
    /// A console reporter; the bar shows only on a terminal and without `--quiet`.
    pub fn new(verbosity: Verbosity) -> Self {
        let visible = verbosity != Verbosity::Quiet && std::io::stderr().is_terminal();
        // indicatif ignores a failing draw target (a terminal hung up under a running smoke),
        // as `term` does for lines; the test below pins that.
        let bar = if visible {
            styled_bar(ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        Console::with_bar(verbosity, bar)
    }

    fn with_bar(verbosity: Verbosity, bar: ProgressBar) -> Self {
        Console {
            verbosity,
            bar,
            counting: counting_style(),
            batch: batch_style(),
            mode: Mode::Smoke,
            jobs: 1,
            order: Order::Random,
            iterations: 0,
            iteration: 0,
            failures: 0,
            unique: 0,
            numbers: std::collections::HashMap::new(),
            shrinking: false,
            tries: 0,
            purpose: Purpose::Iteration,
            batch_length: None,
            bug_failed: 0,
            unmatched_shown: false,
            redactor: Redactor::default(),
            probed: None,
            inside: None,
        }
    }

    /// A line on stdout (results).
    fn out(&self, text: &str) {
        self.bar.suspend(|| outln!("{text}"));
    }

    /// A line on stderr (diagnostics), shown even when quiet.
    fn diagnostic(&self, text: &str) {
        self.bar.suspend(|| errln!("{text}"));
    }

    /// A line on stderr (progress), unless quiet.
    fn progress(&self, text: &str) {
        if self.verbosity != Verbosity::Quiet {
            self.diagnostic(text);
        }
    }

    /// Hide secret values in the output it shows.
    pub fn redacting(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The end of a command's output, secrets hidden and control characters escaped.
    fn output_block(&self, output: &[u8]) -> String {
        quote_tail(
            &printable(&self.redactor.apply(&lossy(output))),
            OUTPUT_LINES,
            "in the report",
        )
        .trim_end()
        .to_string()
    }

    fn update_message(&self) {
        let what = match (self.mode, self.purpose, self.shrinking) {
            (Mode::BugMode, ..) => format!("bug mode · {} failed", self.bug_failed),
            (_, Purpose::Rerun, _) => format!("verbose rerun of failure {}", self.failures),
            (_, Purpose::Confirm, _) => format!("confirming failure {}", self.failures),
            (_, Purpose::Replay, _) => "replaying recorded failures".to_string(),
            (_, _, true) => format!(
                "shrinking failure {} (candidate {})",
                self.failures, self.tries
            ),
            _ => format!(
                "iteration {}/{} · {} failure(s)",
                self.iteration, self.iterations, self.failures
            ),
        };
        self.bar.set_message(match self.batch_length {
            Some(length) => format!("batch of {length} tests running · {what}"),
            None => what,
        });
    }
}

impl Reporter for Console {
    fn handle(&mut self, event: &Event) -> anyhow::Result<()> {
        match event {
            Event::RunStarted {
                mode,
                tests,
                order,
                times,
                iterations,
                seed,
                seed_given,
                jobs,
            } => {
                self.mode = *mode;
                self.jobs = *jobs;
                if *jobs > 1 {
                    // Sequences run side by side: the bar counts iterations instead of tests.
                    self.bar.set_position(0);
                    self.bar.set_length(u64::from(*iterations));
                }
                self.order = *order;
                self.iterations = *iterations;
                // A drawn seed means nothing to a fixed order: tests still get it as
                // SMOKE_SEED, but it only earns a word when the user chose it.
                let given = if *seed_given {
                    format!(", SMOKE_SEED {seed}")
                } else {
                    String::new()
                };
                self.progress(&match mode {
                    Mode::BugMode => format!(
                        "smoke: bug mode, {tests} test run(s) in order, not stopping at \
                         failures{given}"
                    ),
                    Mode::Smoke if order.is_seeded() => format!(
                        "smoke: {tests} tests, order {order}, times {times}, {iterations} \
                         iteration(s), seed {seed}"
                    ),
                    Mode::Smoke if order.is_deterministic() => {
                        format!("smoke: {tests} tests, order {order}, times {times}{given}")
                    }
                    Mode::Smoke => format!(
                        "smoke: {tests} tests, order {order}, times {times}, {iterations} \
                         iteration(s){given}"
                    ),
                });
            }
            Event::IterationStarted { index, .. } => {
                self.iteration = *index;
            }
            Event::SequenceStarted {
                purpose,
                length,
                batch,
            } => {
                if self.jobs <= 1 {
                    // Position first: a length set first would show the last sequence's count
                    // over the new length (`819/1`).
                    self.bar.set_position(0);
                    self.bar.set_length(*length as u64);
                }
                self.purpose = *purpose;
                if *purpose == Purpose::Candidate {
                    self.tries += 1;
                }
                self.batch_length = batch.then_some(*length);
                self.bar.set_style(if *batch {
                    self.batch.clone()
                } else {
                    self.counting.clone()
                });
                if !self.bar.is_hidden() {
                    self.bar.enable_steady_tick(Duration::from_millis(200));
                }
                self.update_message();
            }
            Event::TestStarted {
                worker,
                test,
                position,
                length,
            } => {
                // A driven sequence's length is known only as it grows.
                if self.jobs <= 1 && self.bar.length().is_some_and(|l| (*length as u64) > l) {
                    self.bar.set_length(*length as u64);
                }
                if self.verbosity == Verbosity::Verbose && self.batch_length.is_none() {
                    let worker = if self.jobs > 1 {
                        format!("worker {worker} ")
                    } else {
                        String::new()
                    };
                    self.progress(&format!(
                        "  {worker}[{}/{}] {}",
                        position + 1,
                        length,
                        one_line(test)
                    ));
                }
            }
            Event::TestFinished {
                purpose,
                test,
                outcome,
                duration,
                output,
                ..
            } => {
                if self.jobs <= 1 {
                    self.bar.inc(1);
                }
                if *purpose == Purpose::BugMode {
                    let dots = ".".repeat(50usize.saturating_sub(test.chars().count()).max(3));
                    let test = one_line(test);
                    let seconds = duration.as_secs_f64();
                    if outcome.passed() {
                        self.out(&format!("{test} {dots} ok ({seconds:.2}s)"));
                    } else {
                        self.bug_failed += 1;
                        self.out(&format!("{test} {dots} FAILED ({outcome}) ({seconds:.2}s)"));
                        let block = self.output_block(output);
                        if !block.is_empty() {
                            self.out(&block);
                        }
                    }
                    self.update_message();
                }
            }
            Event::TestInterrupted { purpose, test, .. } => {
                if *purpose == Purpose::BugMode {
                    let dots = ".".repeat(50usize.saturating_sub(test.chars().count()).max(3));
                    self.out(&format!("{} {dots} interrupted", one_line(test)));
                }
            }
            Event::HookFailed {
                hook,
                command,
                outcome,
                output,
                ..
            } => {
                let block = self.output_block(output);
                let what = match hook {
                    crate::model::Hook::Batch => "the batch runner".to_string(),
                    hook => hook.to_string(),
                };
                self.diagnostic(&format!(
                    "smoke: {what} failed ({outcome}): {}",
                    one_line(command)
                ));
                if !block.is_empty() {
                    self.diagnostic(&block);
                }
            }
            Event::Warning { text } => {
                self.diagnostic(&format!("smoke: warning: {}", one_line(text)));
            }
            Event::IterationFinished {
                index,
                seed,
                length,
                executed,
                failed,
                status,
                output,
                ..
            } => {
                let what = match (status, failed) {
                    (IterationStatus::Failed | IterationStatus::Unmatched, Some((test, how))) => {
                        format!("{status}: {} ({how})", one_line(test))
                    }
                    _ => status.to_string(),
                };
                // An even mirror iteration is known by the one before it, not by its seed.
                let seed = match self.order {
                    Order::Mirror if index % 2 == 0 => {
                        format!(" (seed {seed}, iteration {} reversed)", index - 1)
                    }
                    order if order.is_seeded() || order == Order::External => {
                        format!(" (seed {seed})")
                    }
                    _ => String::new(),
                };
                self.progress(&format!(
                    "iteration {index}/{}{seed}: {executed}/{length} tests, {what}",
                    self.iterations
                ));
                if self.jobs > 1 {
                    self.bar.inc(1);
                }
                // The first time, show why --match missed; the report keeps every one.
                if let (IterationStatus::Unmatched, Some(output)) = (status, output)
                    && !self.unmatched_shown
                {
                    self.unmatched_shown = true;
                    let block = self.output_block(output);
                    self.progress(&format!(
                        "  not shrunk: its output does not match --match; it ends:\n{block}"
                    ));
                }
            }
            Event::FailureFound {
                test,
                outcome,
                original,
                ..
            } => {
                self.failures += 1;
                self.shrinking = true;
                self.tries = 0;
                self.progress(&format!(
                    "  shrinking: {} {} after {} test(s)",
                    one_line(test),
                    super::render::failed_as(&outcome.to_string()),
                    original.len() - 1
                ));
                self.update_message();
            }
            Event::Reduced {
                reduction,
                sequence,
                ..
            } => {
                let shown = if sequence.len() <= 8 {
                    format!(": {}", shell::join(sequence))
                } else {
                    String::new()
                };
                self.progress(&format!(
                    "  {:<14} -> {} tests{shown}",
                    reduction.algorithm, reduction.length
                ));
            }
            Event::FailureShrunk {
                id,
                confirmation,
                classification,
                minimal,
                tries,
                executions,
                proven,
                reproduced,
                stopped_by,
                replay,
                log,
                rerun,
                hint,
                ..
            } => {
                self.shrinking = false;
                self.unique += 1;
                self.numbers.insert(*id, self.unique);
                let class = classification.map_or("not classified".to_string(), |c| c.to_string());
                let proof = Proof {
                    classification: *classification,
                    stopped_by: stopped_by.as_deref(),
                    proven: *proven,
                    reproduced: *reproduced,
                    tries: *tries,
                    executions: *executions,
                    confirmation: Some(*confirmation),
                };
                self.out(&format!(
                    "FAILURE {}: {} ({proof})\n  {} ({} tests): {}\n  replay: {replay}",
                    self.unique,
                    class,
                    minimal_label(*proven),
                    minimal.len(),
                    shell::join(minimal),
                ));
                if let Some(hint) = hint {
                    self.out(&format!("  hint: {}", one_line(hint)));
                }
                if let Some(log) = log {
                    let rerun = rerun.map_or(String::new(), |o| format!(" (verbose rerun: {o})"));
                    self.out(&format!("  log: {}{rerun}", log.display()));
                }
                let said: Vec<String> = [self.inside.take(), self.probed.take()]
                    .into_iter()
                    .flatten()
                    .collect();
                if !said.is_empty() {
                    self.out(&format!(
                        "  state: {}",
                        one_line(&self.redactor.apply(&said.join("; ")))
                    ));
                }
            }
            Event::StateProbed { probe, .. } => {
                self.probed = Some(crate::report::render::probe_headline(probe));
            }
            Event::StateInside { state, .. } => {
                self.inside = Some(crate::report::render::inside_headline(state));
            }
            Event::FailureRepeated {
                of, tries, again, ..
            } => {
                self.shrinking = false;
                // A failure of a resumed run's earlier part keeps its report number, id + 1.
                let of = self
                    .numbers
                    .get(of)
                    .map_or(of + 1, |&n| usize::try_from(n).unwrap_or(usize::MAX));
                self.progress(&if *again == crate::report::Again::Flaky {
                    format!("  failure {of} again (its test is flaky): counted, not shrunk again")
                } else if *again == crate::report::Again::ManyPolluters {
                    format!(
                        "  failure {of} again (its test fails after any of {} or more different \
                         tests): counted, not shrunk again",
                        crate::report::MANY_POLLUTERS
                    )
                } else if *tries == 0 {
                    format!(
                        "  failure {of} again (the failing run holds its minimal sequence): \
                         counted, not shrunk again"
                    )
                } else {
                    format!("  same minimal sequence as failure {of}: counted, not reported again")
                });
            }
            Event::RunFinished { .. } => {
                self.bar.finish_and_clear();
            }
            // Named with its failure, in `FailureShrunk`.
            Event::LogFinished { .. } => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Hook, Order, Outcome};
    use std::io;
    use std::time::Duration;

    /// A terminal that hung up: every write fails (EIO, as after SIGHUP).
    #[derive(Debug)]
    struct HungUp;

    impl indicatif::TermLike for HungUp {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(libc::EIO))
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(libc::EIO))
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(libc::EIO))
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(libc::EIO))
        }
        fn write_line(&self, _: &str) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(libc::EIO))
        }
        fn write_str(&self, _: &str) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(libc::EIO))
        }
        fn clear_line(&self) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(libc::EIO))
        }
        fn flush(&self) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(libc::EIO))
        }
    }

    #[test]
    fn a_progress_bar_on_a_terminal_that_hung_up_does_not_panic() {
        let bar = styled_bar(ProgressDrawTarget::term_like(Box::new(HungUp)));
        let mut console = Console::with_bar(Verbosity::Verbose, bar);
        let events = [
            Event::RunStarted {
                mode: Mode::Smoke,
                tests: 1,
                order: Order::Rotate,
                times: 1,
                iterations: 1,
                seed: 1,
                seed_given: false,
                jobs: 1,
            },
            Event::IterationStarted {
                index: 1,
                seed: 1,
                length: 1,
            },
            Event::SequenceStarted {
                purpose: Purpose::Iteration,
                length: 1,
                batch: true,
            },
            Event::TestStarted {
                worker: 1,
                test: "a",
                position: 0,
                length: 1,
            },
            Event::TestFinished {
                purpose: Purpose::Iteration,
                test: "a",
                position: 0,
                length: 1,
                outcome: Outcome::Pass,
                duration: Duration::from_millis(1),
                output: b"",
            },
            Event::HookFailed {
                hook: Hook::Teardown,
                iteration: Some(1),
                command: "false",
                outcome: Outcome::Fail { code: 1 },
                output: b"no\n",
            },
            Event::RunFinished { interrupted: None },
        ];
        for event in &events {
            console.handle(event).expect("the console never fails");
        }
    }

    #[test]
    fn the_summary_says_which_shard_ran_or_that_shards_were_merged() {
        let mut report = crate::report::record::tests::header();
        report.options.iterations = 10;
        report.stats.iterations_run = 3;
        report.options.shard = crate::shard::Shard::new(2, 3);
        assert_eq!(
            summary(&report, None),
            "summary: shard 2 of 3: 3 of 3 iteration(s) (of 10 in the whole run), 0 tests run, 0 \
             failure(s) found, 0 unique; base seed 1"
        );
        report.options.shard = None;
        report.stats.iterations_run = 10;
        let shard = |k| crate::report::record::MergedShard {
            file: format!("shard-{k}.json"),
            shard: crate::shard::Shard::new(k, 2).expect("valid"),
            status: "completed".into(),
            started_at: "t".into(),
            finished_at: None,
            iterations_run: 5,
            failures_found: 0,
        };
        report.merged_from = vec![shard(1), shard(2)];
        assert!(
            summary(&report, None).starts_with("summary: 2 shards merged: 10 of 10 iteration(s),"),
            "{}",
            summary(&report, None)
        );
    }
}
