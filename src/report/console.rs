//! Edge: what a person sees. Results (failures, minimal sequences, bug-mode lines, the summary,
//! report paths) go to stdout; progress and diagnostics to stderr. On a terminal, and unless
//! `--quiet`, an indicatif bar on stderr shows the tests done in the current sequence, the
//! iteration and the failures so far, or the candidate being tried while shrinking; it is hidden
//! when stderr is not a terminal, so CI logs get plain lines.

use super::record::RunReport;
use super::{Event, IterationStatus, Mode, Proof, Purpose, Redactor, Reporter, lossy, quote_tail};
use crate::config::Verbosity;
use crate::shell;
use crate::term::{errln, outln};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// How many lines of a failing test's output the console shows.
const OUTPUT_LINES: usize = 20;

/// The closing summary line, from the finished report.
pub fn summary(report: &RunReport, interrupted: Option<i32>) -> String {
    let s = &report.stats;
    let mut line = match report.mode {
        Mode::BugMode => {
            let failed = report.failed_tests();
            format!(
                "summary: {} tests, {} passed, {failed} failed",
                report.tests.len(),
                report.tests.len() - failed
            )
        }
        Mode::Smoke => format!(
            "summary: {} of {} iteration(s), {} tests run, {} failure(s) found, {} unique; base \
             seed {}",
            s.iterations_run,
            report.options.iterations,
            s.test_executions,
            s.failures_found,
            s.unique_failures,
            report.options.seed
        ),
    };
    if let Some(signal) = interrupted {
        line.push_str(&format!(" (interrupted by signal {signal})"));
    }
    line
}

/// The progress bar, drawn to `target`.
fn styled_bar(target: ProgressDrawTarget) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(0), target);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .expect("the template is valid"),
    );
    bar
}

/// Prints events for a person.
pub struct Console {
    verbosity: Verbosity,
    bar: ProgressBar,
    mode: Mode,
    iterations: u32,
    iteration: u32,
    failures: u32,
    unique: u32,
    shrinking: bool,
    tries: usize,
    bug_failed: usize,
    bug_total: usize,
    redactor: Redactor,
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
            mode: Mode::Smoke,
            iterations: 0,
            iteration: 0,
            failures: 0,
            unique: 0,
            shrinking: false,
            tries: 0,
            bug_failed: 0,
            bug_total: 0,
            redactor: Redactor::default(),
        }
    }

    /// A line on stdout (results).
    fn out(&self, text: &str) {
        self.bar.suspend(|| outln!("{text}"));
    }

    /// A line on stderr (progress), unless quiet.
    fn progress(&self, text: &str) {
        if self.verbosity != Verbosity::Quiet {
            self.bar.suspend(|| errln!("{text}"));
        }
    }

    /// Hide secret values in the output it shows.
    pub fn redacting(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    fn output_block(&self, output: &[u8]) -> String {
        quote_tail(
            &self.redactor.apply(&lossy(output)),
            OUTPUT_LINES,
            "in the report",
        )
        .trim_end()
        .to_string()
    }

    fn update_message(&self) {
        let msg = if self.shrinking {
            format!("shrinking (try {})", self.tries)
        } else if self.mode == Mode::BugMode {
            format!("{} failed", self.bug_failed)
        } else {
            format!(
                "iteration {}/{} · {} failure(s)",
                self.iteration, self.iterations, self.failures
            )
        };
        self.bar.set_message(msg);
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
                iterations_ignored,
            } => {
                self.mode = *mode;
                self.iterations = *iterations;
                if *mode == Mode::BugMode {
                    self.progress(&format!(
                        "smoke: bug mode, {tests} tests once each, seed {seed}"
                    ));
                } else {
                    self.progress(&format!(
                        "smoke: {tests} tests, order {order}, times {times}, {iterations} \
                         iteration(s), seed {seed}"
                    ));
                    if *iterations_ignored {
                        self.progress(&format!(
                            "smoke: --iterations is ignored: order {order} is the same every \
                             time, so it runs once"
                        ));
                    }
                }
            }
            Event::IterationStarted { index, .. } => {
                self.iteration = *index;
                self.update_message();
            }
            Event::SequenceStarted { purpose, length } => {
                self.bar.set_length(*length as u64);
                self.bar.set_position(0);
                if *purpose == Purpose::Candidate {
                    self.tries += 1;
                }
                self.update_message();
            }
            Event::TestStarted {
                test,
                position,
                length,
            } => {
                if self.verbosity == Verbosity::Verbose {
                    self.progress(&format!("  [{}/{}] {}", position + 1, length, test));
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
                self.bar.inc(1);
                if *purpose == Purpose::BugMode {
                    self.bug_total += 1;
                    let dots = ".".repeat(50usize.saturating_sub(test.chars().count()).max(3));
                    if outcome.passed() {
                        self.out(&format!(
                            "{test} {dots} ok ({:.2}s)",
                            duration.as_secs_f64()
                        ));
                    } else {
                        self.bug_failed += 1;
                        self.out(&format!(
                            "{test} {dots} FAILED ({outcome}) ({:.2}s)",
                            duration.as_secs_f64()
                        ));
                        let block = self.output_block(output);
                        if !block.is_empty() {
                            self.out(&block);
                        }
                    }
                    self.update_message();
                }
            }
            Event::HookFailed {
                hook,
                command,
                outcome,
                output,
            } => {
                let block = self.output_block(output);
                self.bar.suspend(|| {
                    errln!("smoke: {hook} failed ({outcome}): {command}");
                    if !block.is_empty() {
                        errln!("{block}");
                    }
                });
            }
            Event::IterationFinished {
                index,
                seed,
                length,
                executed,
                failed,
                status,
            } => {
                let what = match (status, failed) {
                    (IterationStatus::Failed | IterationStatus::Unmatched, Some((test, how))) => {
                        format!("{status}: {test} ({how})")
                    }
                    _ => status.to_string(),
                };
                self.progress(&format!(
                    "iteration {index}/{} (seed {seed}): {executed}/{length} tests, {what}",
                    self.iterations
                ));
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
                    "  shrinking: {test} failed ({outcome}) after {} test(s)",
                    original.len() - 1
                ));
            }
            Event::Reduced {
                reduction,
                sequence,
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
            } => {
                self.shrinking = false;
                self.unique += 1;
                let class = classification.map_or("not classified".to_string(), |c| c.to_string());
                let proof = Proof {
                    classification: *classification,
                    stopped_by: stopped_by.as_deref(),
                    proven: *proven,
                    reproduced: *reproduced,
                    tries: *tries,
                    executions: *executions,
                };
                self.out(&format!(
                    "FAILURE {}: {} ({proof})\n  minimal ({} tests): {}\n  replay: {replay}",
                    self.unique,
                    class,
                    minimal.len(),
                    shell::join(minimal),
                ));
                if let Some(log) = log {
                    let rerun = rerun.map_or(String::new(), |o| format!(" (verbose rerun: {o})"));
                    self.out(&format!("  log: {}{rerun}", log.display()));
                }
            }
            Event::FailureRepeated { of, tries, .. } => {
                self.shrinking = false;
                self.progress(&if *tries == 0 {
                    format!(
                        "  failure {} again (the failing run holds its minimal sequence): \
                         counted, not shrunk again",
                        of + 1
                    )
                } else {
                    format!(
                        "  same minimal sequence as failure {}: counted, not reported again",
                        of + 1
                    )
                });
            }
            Event::RunFinished { .. } => {
                self.bar.finish_and_clear();
            }
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
                iterations_ignored: false,
            },
            Event::IterationStarted {
                index: 1,
                seed: 1,
                length: 1,
            },
            Event::SequenceStarted {
                purpose: Purpose::Iteration,
                length: 1,
            },
            Event::TestStarted {
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
}
