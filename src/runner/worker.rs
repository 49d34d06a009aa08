//! A worker: runs the sequences the controller hands it, one at a time, on its own
//! [`Executor`], and says what happens as [`Progress`] messages. It decides nothing: which
//! sequence, why, and what the result means are the controller's (`super`).
//!
//! A sequence is: setup, the tests in order (stopping at the first failure, except in bug mode),
//! then teardown. In batch mode the tests are one command, whose results `batch` reads and
//! matches to the order asked; after that, a sequence's outcome is the same shape either way.
//! A failing setup or teardown abandons the sequence. A raised [`Interrupt`] (or the
//! controller's cancel flag) stops before the next step; the command that was running has
//! already been killed by the signal thread, and teardown still runs once.

use super::messages::{Context, Failed, Msg, Progress, SequenceRun, Stop, Tag, Unit};
use crate::batch::{self, Format, Mismatch};
use crate::config::Config;
use crate::control::{Driver, Step};
use crate::error::ConfigError;
use crate::exec::{
    BatchArgs, BatchExtras, BatchFinished, Collect, Executor, ForkPlan, Forked, Job,
};
use crate::execution::{BatchTemplate, Execution, ForkRunner, Workdir};
use crate::interrupt::Interrupt;
use crate::model::{Hook, Outcome, TestId, TestNames};
use crate::probe::files::{FileProbe, Leave};
use crate::probe::{Observation, Output, Prober};
use crate::report::Purpose;
use crate::shell;
use anyhow::{Context as _, Result};
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

/// The least weight of a test the runner timed (see `run_batch`): the resolution of pytest's
/// JUnit times.
const MIN_TEST_TIME: Duration = Duration::from_millis(1);

/// Above this many bytes of names (each with a separator), a fresh pytest gets them in a file,
/// as `@FILE`, instead of one argument each: well under the usual limit of a command line
/// (2 MiB on Linux, 1 MiB on macOS, with the environment), so it always fits.
const ARGS_FILE_ABOVE: usize = 100 * 1024;

/// Whether a sequence for `purpose` stops at its first failure: everything but bug mode, and
/// iterations unless `--keep-going` asks for their later failures too.
fn stops_at_failure(config: &Config, purpose: Purpose) -> bool {
    match purpose {
        Purpose::BugMode => false,
        Purpose::Iteration => !config.keep_going,
        _ => true,
    }
}

/// A unit handed over and not yet reported done; dropped undone only by a panic, which it
/// reports as an error.
struct Pending {
    to_controller: Sender<Msg>,
    worker: usize,
    tag: super::messages::Tag,
    length: usize,
    done: bool,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.to_controller.send(Msg::Done {
                worker: self.worker,
                tag: self.tag,
                length: self.length,
                result: Err(anyhow::anyhow!(
                    "worker {} stopped in the middle of a sequence (a bug in smoke: please \
                     report it with this report)",
                    self.worker
                )),
            });
        }
    }
}

/// One worker and what it needs to run sequences.
pub(super) struct Worker<'a> {
    /// 1-based; every command gets it as `SMOKE_WORKER`.
    pub number: usize,
    pub config: &'a Config,
    pub names: &'a TestNames,
    pub exec: Box<dyn Executor + Send + 'a>,
    pub interrupt: &'a Interrupt,
    /// Raised by the controller when the run stops on an error: finish up as if interrupted.
    pub cancel: &'a AtomicBool,
    pub to_controller: Sender<Msg>,
    /// The fresh working folder of the sequence running now (`--workdir fresh`).
    pub fresh: Option<tempfile::TempDir>,
    /// The file probe (`probe-files`), which remembers hashes between looks.
    pub file_probe: FileProbe,
    /// The outside driver that chooses an iteration's tests (`--controller`, `--control-dir`):
    /// only ever on the one worker such a run has.
    pub driver: Option<&'a mut dyn Driver>,
    /// Why the fork server could not run a batch, each said once.
    pub no_fork: std::collections::HashSet<String>,
}

impl Worker<'_> {
    /// Run each unit handed over, until the controller hangs up.
    pub fn serve(mut self, units: Receiver<Unit>) {
        for unit in units {
            let (tag, length) = (unit.tag, unit.sequence.len());
            // Should running the unit panic (a bug), the controller still hears that it ended,
            // instead of waiting for it forever.
            let mut pending = Pending {
                to_controller: self.to_controller.clone(),
                worker: self.number,
                tag,
                length,
                done: false,
            };
            let result = self.run_unit(unit);
            pending.done = true;
            let done = Msg::Done {
                worker: self.number,
                tag,
                length,
                result,
            };
            if self.to_controller.send(done).is_err() {
                return;
            }
        }
    }

    /// One unit: its sequence, logged in full when it asks for a log.
    fn run_unit(&mut self, unit: Unit) -> Result<SequenceRun> {
        if self.config.workdir == Workdir::Fresh {
            // A new empty folder for every sequence, removed after it: what a test leaves in
            // its working folder reaches neither the next sequence nor another worker.
            self.fresh = Some(
                tempfile::Builder::new()
                    .prefix("smoke-workdir-")
                    .tempdir()
                    .context("cannot create a fresh working folder (--workdir fresh)")?,
            );
        }
        if let Some(path) = &unit.log {
            self.exec.set_log(Some(path))?;
        }
        let run = match (unit.tag, self.driver.take()) {
            (Tag::Iteration(_), Some(driver)) => {
                let run = self.run_driven(driver, unit.ctx, unit.purpose);
                self.driver = Some(driver);
                run
            }
            (_, driver) => {
                self.driver = driver;
                self.run_sequence(&unit.sequence, unit.ctx, unit.purpose, unit.probe)
            }
        };
        if unit.log.is_some() {
            self.exec.set_log(None)?;
        }
        self.fresh = None;
        run
    }

    /// The variables every command gets (see [`Context::env`]), and where the suite is, and
    /// with `--workdir fresh`, the sequence's working folder.
    fn env(&self, ctx: Context, test: Option<&OsStr>) -> Vec<(&'static str, OsString)> {
        let mut env = ctx.env(self.number, test);
        env.push(("SMOKE_SUITE_DIR", self.config.dir.clone().into_os_string()));
        if let Some(dir) = self.workdir() {
            env.push(("SMOKE_WORKDIR", dir.as_os_str().to_owned()));
        }
        env
    }

    /// Where this sequence's commands run, when not in the suite folder.
    fn workdir(&self) -> Option<&Path> {
        self.fresh.as_ref().map(tempfile::TempDir::path)
    }

    /// Whether to stop before the next step: a signal, or the controller's cancel.
    fn stopping(&self) -> bool {
        self.interrupt.is_raised() || self.cancel.load(Ordering::SeqCst)
    }

    /// Tell the controller; a controller that is gone (it stopped on an error) hears nothing.
    fn emit(&self, progress: Progress) {
        let _ = self.to_controller.send(Msg::Progress {
            worker: self.number,
            progress,
        });
    }

    /// Setup, the tests, teardown. Stops at the first failure unless in bug mode. With `probe`
    /// (and probes configured), the state probes run twice after setup and again after every
    /// test (in batch mode, after the batch), and the run carries what they saw.
    pub(super) fn run_sequence(
        &mut self,
        sequence: &[TestId],
        ctx: Context,
        purpose: Purpose,
        probe: bool,
    ) -> Result<SequenceRun> {
        let mut run = SequenceRun::default();
        self.emit(Progress::SequenceStarted {
            purpose,
            length: sequence.len(),
            batch: matches!(self.config.execution, Execution::Batch(_)),
        });
        if self.stopping() {
            run.stop = Some(Stop::Interrupted);
            return Ok(run);
        }
        if let Some(stop) = self.run_hook(Hook::Setup, ctx, purpose, &mut run.hooks)? {
            run.stop = Some(stop);
            if stop == Stop::HookFailed(Hook::Setup) {
                return Ok(run);
            }
        }
        let batch = matches!(self.config.execution, Execution::Batch(_));
        let mut prober = None;
        if run.stop.is_none() && probe && self.config.probes.any() {
            // The same state twice: what differs between the two is noise.
            let first = self.observe(ctx);
            let second = self.observe(ctx);
            prober = Some(Prober::new(&self.config.probes, batch, first, second));
            if self.stopping() {
                run.stop = Some(Stop::Interrupted);
            }
        }
        if run.stop.is_none() {
            match &self.config.execution {
                Execution::PerTest(template) => self.run_each(
                    &template.script,
                    sequence,
                    ctx,
                    purpose,
                    &mut run,
                    &mut prober,
                )?,
                Execution::Batch(template) => {
                    self.run_batch(template, sequence, ctx, purpose, &mut run)?;
                    if let Some(prober) = &mut prober
                        && !self.stopping()
                    {
                        let seen = self.observe(ctx);
                        let result = run
                            .failure
                            .as_ref()
                            .map_or("ok".to_string(), |f| f.outcome.to_string());
                        let tests = sequence
                            .iter()
                            .map(|&t| self.names.shown(t).to_string())
                            .collect();
                        prober.after(tests, result, seen);
                    }
                }
            }
        }
        run.probe = prober.map(|p| Box::new(p.finish()));
        // Teardown runs once per sequence, also after an interrupt.
        if let Some(stop) = self.run_hook(Hook::Teardown, ctx, purpose, &mut run.hooks)? {
            run.stop = run.stop.or(Some(stop));
        }
        Ok(run)
    }

    /// A driven iteration: setup, then each test the driver names until it says `check` or
    /// `stop` (running on past failures: every one is a failure of its own, as in a batch),
    /// then teardown. A driver that fails ends the tests there; the run keeps what ran.
    fn run_driven(
        &mut self,
        driver: &mut dyn Driver,
        ctx: Context,
        purpose: Purpose,
    ) -> Result<SequenceRun> {
        let mut run = SequenceRun {
            driven: Some(Vec::new()),
            ..SequenceRun::default()
        };
        self.emit(Progress::SequenceStarted {
            purpose,
            length: 0,
            batch: false,
        });
        if self.stopping() {
            run.stop = Some(Stop::Interrupted);
            return Ok(run);
        }
        if let Some(stop) = self.run_hook(Hook::Setup, ctx, purpose, &mut run.hooks)? {
            run.stop = Some(stop);
            if stop == Stop::HookFailed(Hook::Setup) {
                return Ok(run);
            }
        }
        if run.stop.is_none() {
            let Execution::PerTest(template) = &self.config.execution else {
                return Err(anyhow::anyhow!(
                    "a driven sequence runs in per-test mode only (the config refuses batch)"
                ));
            };
            let script = template.script.clone();
            if let Err(error) = self.drive(driver, &script, ctx, purpose, &mut run)? {
                run.driver_error = Some(error);
            }
        }
        if let Some(stop) = self.run_hook(Hook::Teardown, ctx, purpose, &mut run.hooks)? {
            run.stop = run.stop.or(Some(stop));
        }
        Ok(run)
    }

    /// The tests of a driven sequence. The outer `Err`: smoke could not run a test; the inner
    /// one: the driver failed.
    fn drive(
        &mut self,
        driver: &mut dyn Driver,
        script: &str,
        ctx: Context,
        purpose: Purpose,
        run: &mut SequenceRun,
    ) -> Result<Result<()>> {
        if let Err(error) = driver.start(ctx.iteration, ctx.seed) {
            return Ok(Err(error));
        }
        loop {
            let step = match driver.next(&|| self.stopping()) {
                Ok(Some(step)) => step,
                Ok(None) => {
                    run.stop = Some(Stop::Interrupted);
                    return Ok(Ok(()));
                }
                Err(error) => return Ok(Err(error)),
            };
            let test = match step {
                Step::Run(test) => test,
                Step::Check => return Ok(Ok(())),
                Step::Stop => {
                    run.end_run = true;
                    return Ok(Ok(()));
                }
            };
            let driven = run.driven.get_or_insert_with(Vec::new);
            let position = driven.len();
            driven.push(test);
            let Some((outcome, duration)) =
                self.run_test(script, test, position, ctx, purpose, run)?
            else {
                return Ok(Ok(()));
            };
            if let Err(error) = driver.finished(test, outcome, duration) {
                return Ok(Err(error));
            }
        }
    }

    /// One test of a driven sequence at `position`, recorded in `run`: its outcome and time,
    /// or `None` when a signal cut it short.
    fn run_test(
        &mut self,
        script: &str,
        test: TestId,
        position: usize,
        ctx: Context,
        purpose: Purpose,
        run: &mut SequenceRun,
    ) -> Result<Option<(Outcome, Duration)>> {
        let length = position + 1;
        self.emit(Progress::TestStarted {
            test,
            position,
            length,
        });
        let raw = self.names.raw(test);
        let mut args = vec![raw];
        args.extend(self.names.args(test).iter().map(|a| a.as_os_str()));
        let workdir = self.workdir().map(Path::to_path_buf);
        let finished = self.exec.run(&Job {
            script,
            args,
            env: self.env(ctx, Some(raw)),
            dir: workdir.as_deref(),
            label: self.names.shown(test),
            kill_leftovers: true,
            timeout: self.config.timeout,
            collect: Collect::Nothing,
        })?;
        if self.stopping() {
            self.emit(Progress::TestInterrupted {
                purpose,
                test,
                duration: finished.duration,
            });
            run.stop = Some(Stop::Interrupted);
            return Ok(None);
        }
        run.executed += 1;
        run.durations.push(finished.duration);
        self.emit(Progress::TestFinished {
            purpose,
            test,
            position,
            length,
            outcome: finished.outcome,
            duration: finished.duration,
            output: finished.output.clone(),
        });
        if finished.outcome.passed() {
            run.passed.push(position);
        } else {
            run.failed += 1;
            let failed = Failed {
                position,
                test,
                outcome: finished.outcome,
                output: finished.output,
                dropped: finished.dropped,
            };
            if run.failure.is_none() {
                run.failure = Some(failed);
            } else {
                run.later_failures.push(failed);
            }
        }
        Ok(Some((finished.outcome, finished.duration)))
    }

    /// Per-test mode: each test in its own process, stopping at the first failure unless in bug
    /// mode or interrupted.
    fn run_each(
        &mut self,
        script: &str,
        sequence: &[TestId],
        ctx: Context,
        purpose: Purpose,
        run: &mut SequenceRun,
        prober: &mut Option<Prober>,
    ) -> Result<()> {
        let stop_at_failure = stops_at_failure(self.config, purpose);
        for (position, &test) in sequence.iter().enumerate() {
            let name = self.names.shown(test);
            let raw = self.names.raw(test);
            self.emit(Progress::TestStarted {
                test,
                position,
                length: sequence.len(),
            });
            let mut args = vec![raw];
            args.extend(self.names.args(test).iter().map(|a| a.as_os_str()));
            let workdir = self.workdir().map(Path::to_path_buf);
            let finished = self.exec.run(&Job {
                script,
                args,
                env: self.env(ctx, Some(raw)),
                dir: workdir.as_deref(),
                label: name,
                kill_leftovers: true,
                timeout: self.config.timeout,
                collect: Collect::Nothing,
            })?;
            if self.stopping() {
                self.emit(Progress::TestInterrupted {
                    purpose,
                    test,
                    duration: finished.duration,
                });
                run.stop = Some(Stop::Interrupted);
                break;
            }
            run.executed += 1;
            run.durations.push(finished.duration);
            if finished.outcome.passed() {
                run.passed.push(position);
            }
            self.emit(Progress::TestFinished {
                purpose,
                test,
                position,
                length: sequence.len(),
                outcome: finished.outcome,
                duration: finished.duration,
                output: finished.output.clone(),
            });
            if let Some(prober) = prober {
                let seen = self.observe(ctx);
                prober.after(vec![name.to_string()], finished.outcome.to_string(), seen);
            }
            // A signal during the probe: this test's result stands, the next does not start.
            let stop_now = prober.is_some() && self.stopping();
            if stop_now {
                run.stop = Some(Stop::Interrupted);
            }
            if !finished.outcome.passed() {
                run.failed += 1;
                let failed = Failed {
                    position,
                    test,
                    outcome: finished.outcome,
                    output: finished.output,
                    dropped: finished.dropped,
                };
                if run.failure.is_none() {
                    run.failure = Some(failed);
                } else if purpose == Purpose::Iteration {
                    run.later_failures.push(failed);
                }
                if stop_at_failure {
                    break;
                }
            }
            if stop_now {
                break;
            }
        }
        Ok(())
    }

    /// Run the whole sequence as one batch command and learn each test's outcome from the
    /// runner's results. The time limit is the per-test timeout times the sequence's length. A
    /// runner that reorders or drops tests is an error; one that dies without saying in which
    /// test abandons the sequence, like a failing hook.
    fn run_batch(
        &mut self,
        template: &BatchTemplate,
        sequence: &[TestId],
        ctx: Context,
        purpose: Purpose,
        run: &mut SequenceRun,
    ) -> Result<()> {
        let length = u32::try_from(sequence.len()).unwrap_or(u32::MAX);
        let workdir = self.workdir().map(Path::to_path_buf);
        let job = Job {
            script: &template.script,
            args: sequence.iter().map(|&t| self.names.raw(t)).collect(),
            env: self.env(ctx, None),
            dir: workdir.as_deref(),
            label: "(batch)",
            kill_leftovers: true,
            timeout: self.config.timeout.map(|t| {
                t.saturating_mul(length)
                    .min(crate::config::MAX_COMMAND_LIMIT)
            }),
            collect: match template.format {
                Format::Junit => Collect::JunitFile,
                Format::Tap => Collect::Stdout,
                Format::Json => Collect::JsonFile,
            },
        };
        let extras = self.batch_extras(template, &job.args, purpose)?;
        let fresh = |exec: &mut Box<dyn Executor + Send + '_>| -> Result<_> {
            let BatchFinished { finished, stream } = exec.run_batch(&job, &extras)?;
            Ok((finished, false, stream))
        };
        let (finished, forked, stream) = match fork_plan(self.config, self.names, template, purpose)
        {
            Some(plan) => match self.exec.run_forked(&job, &plan)? {
                Forked::Ran(finished) => (finished, true, None),
                Forked::Unavailable(why) => {
                    if self.no_fork.insert(why.clone()) {
                        self.emit(Progress::Warning(format!(
                            "{} runs a fresh process for this batch: the fork server \
                                 cannot take it ({why}); --no-fork-server turns it off",
                            plan.runner
                        )));
                    }
                    fresh(&mut self.exec)?
                }
            },
            None => fresh(&mut self.exec)?,
        };
        if self.stopping() {
            run.stop = Some(Stop::Interrupted);
            return Ok(());
        }
        let asked: Vec<&str> = sequence.iter().map(|&t| self.names.shown(t)).collect();
        let ended = finished.outcome;
        let said = || {
            let mut said = String::from_utf8_lossy(&finished.output)
                .trim_end()
                .to_string();
            if let (Format::Tap, Some(stdout)) = (template.format, &finished.results) {
                let stdout = String::from_utf8_lossy(stdout);
                let lines: Vec<&str> = stdout.trim_end().lines().collect();
                said = format!(
                    "{}\n{said}",
                    lines[lines.len().saturating_sub(20)..].join("\n")
                );
            }
            said.trim().to_string()
        };
        let no_results = match (template.format, &finished.results) {
            _ if forked => finished.results.is_none(),
            (Format::Tap, Some(stdout)) => !batch::looks_like_tap(stdout, &asked),
            (Format::Tap, None) => true,
            (Format::Junit, results) => results.is_none(),
            (Format::Json, results) => results.is_none(),
        };
        if no_results && matches!(ended, Outcome::Fail { code: 126 | 127 }) {
            return Err(ConfigError::new(format!(
                "the batch command '{}' could not start the runner ({ended}: {}); check the \
                 command and PATH. It printed:\n{}",
                template.template,
                not_runnable(ended),
                said()
            ))
            .into());
        }
        let stdout_empty = finished.results.as_deref().is_none_or(<[u8]>::is_empty);
        if template.format == Format::Tap && no_results && (!stdout_empty || ended.passed()) {
            return Err(ConfigError::new(format!(
                "the batch command '{}' printed no TAP on stdout ({ended}), so smoke cannot \
                 tell which test did what. If the runner writes JUnit XML, put {{junit}} where \
                 it takes the path (pytest: --junitxml={{junit}}) or set format = \"junit\" \
                 (--format junit); if it can print TAP, make it (prove -v, a TAP reporter). \
                 It printed:\n{}",
                template.template,
                said()
            ))
            .into());
        }
        // A fresh runner that died wrote no JUnit XML (or half of it); smoke's plugin said as it
        // went which tests started and ended, so the test it died in is still known.
        // A test that ended its process with status 0 (`os._exit(0)`) is a crash too: it
        // started and never ended.
        let died_in_a_test = stream.as_deref().is_some_and(|lines| {
            batch::parse_forked(lines)
                .last()
                .is_some_and(|r| r.outcome.is_none())
        });
        let junit_lost = template.format == Format::Junit
            && (!ended.passed() || died_in_a_test)
            && finished
                .results
                .as_deref()
                .is_none_or(|xml| batch::parse_junit(xml).is_err());
        let streamed = stream.as_deref().filter(|_| junit_lost && !forked);
        let reported = match (template.format, &finished.results) {
            _ if forked => batch::parse_forked(finished.results.as_deref().unwrap_or_default()),
            _ if streamed.is_some() => batch::parse_forked(streamed.unwrap_or_default()),
            (Format::Tap, results) => {
                batch::parse_tap(results.as_deref().unwrap_or_default(), &asked)
            }
            (Format::Junit, results) => whole_file(
                template,
                results.as_deref(),
                ended,
                batch::parse_junit,
                ("JUnit XML", "{junit}"),
                "where the runner takes its report path (pytest: --junitxml={junit})",
            )?,
            (Format::Json, results) => whole_file(
                template,
                results.as_deref(),
                ended,
                |json| batch::parse_json(json, &asked),
                ("JSON results", "{json}"),
                "where the runner takes its results path (rspec: --format json --out {json}; \
                 jest: --json --outputFile={json})",
            )?,
        };
        let says_which = forked || template.format == Format::Tap;
        let attributed = batch::attribute(&asked, reported, ended, says_which)
            .map_err(|m| self.order_error(template, &m))?;
        if attributed.unattributed {
            let mut said = match streamed {
                // Every test that started also ended: the runner died outside the tests.
                Some(_) => format!(
                    "smoke: the batch ended ({ended}) after {} of {} results and before any \
                     failure, outside any test (every test that started also ended: in \
                     collection, a fixture's teardown, a plugin); the tests after the last \
                     result did not run. Its output is below.\n",
                    attributed.results.len(),
                    sequence.len(),
                ),
                None => format!(
                    "smoke: the batch ended ({ended}) after {} of {} results and before any \
                     failure, and {} does not say which test was running; the tests after the \
                     last result did not run. Its output is below; per-test mode (--mode \
                     per-test) shows which test crashes.\n",
                    attributed.results.len(),
                    sequence.len(),
                    match template.format {
                        Format::Junit => "its JUnit XML",
                        Format::Tap => "its TAP",
                        Format::Json => "its JSON results file",
                    }
                ),
            }
            .into_bytes();
            said.extend_from_slice(&finished.output);
            run.executed += attributed.results.len();
            self.emit(Progress::HookFailed {
                hook: Hook::Batch,
                iteration: ctx.iteration_of(purpose),
                command: template.template.clone(),
                outcome: ended,
                output: said,
            });
            run.stop = Some(Stop::HookFailed(Hook::Batch));
            return Ok(());
        }
        // Formats without times (TAP) share the batch's time evenly. The batch's own cost is
        // its wall time minus the times the runner reported (start-up and collection: the
        // fixed cost of every candidate the shrinker weighs). A test's weight is its reported
        // time, but at least MIN_TEST_TIME: pytest writes 0.000 for fast tests (its JUnit
        // times have three decimals), and a weight of zero would make every test alike and
        // the fixed cost look like that of one test.
        let count = u32::try_from(attributed.results.len().max(1)).unwrap_or(u32::MAX);
        let share = finished.duration / count;
        let mut tests_time = Duration::ZERO;
        for (position, (outcome, reported, output)) in attributed.results.into_iter().enumerate() {
            let test = sequence[position];
            tests_time += reported.unwrap_or(share);
            let duration = reported.map_or(share, |d| d.max(MIN_TEST_TIME));
            self.emit(Progress::TestStarted {
                test,
                position,
                length: sequence.len(),
            });
            self.emit(Progress::TestFinished {
                purpose,
                test,
                position,
                length: sequence.len(),
                outcome,
                duration,
                output: output.clone(),
            });
            if outcome.passed() {
                run.passed.push(position);
            }
            run.executed += 1;
            run.durations.push(duration);
            if !outcome.passed() {
                run.failed += 1;
                // The runner's words about the test; its own output if it said nothing.
                let (output, dropped) = if output.is_empty() {
                    (finished.output.clone(), finished.dropped)
                } else {
                    (output, 0)
                };
                let failed = Failed {
                    position,
                    test,
                    outcome,
                    output,
                    dropped,
                };
                if run.failure.is_none() {
                    run.failure = Some(failed);
                } else if purpose == Purpose::Iteration {
                    run.later_failures.push(failed);
                }
            }
        }
        run.hooks += finished.duration.saturating_sub(tests_time);
        // Every test passed, yet the runner says the run failed (a coverage threshold, an
        // error in a session fixture): that is not a clean run, and smoke says so, as for a
        // failed setup.
        let complete = run.executed == sequence.len();
        if complete && run.failure.is_none() && !ended.passed() && !self.config.ignore_runner_exit {
            let mut note = format!(
                "smoke: the batch runner reported all {} tests as passed but exited with {ended}: \
                 something outside the tests failed (a coverage threshold, a session fixture, \
                 a plugin). The sequence was abandoned; pass --ignore-runner-exit (or set \
                 [suite] ignore-runner-exit = true) if that exit status is expected. Its \
                 output:\n",
                sequence.len()
            )
            .into_bytes();
            note.extend_from_slice(&finished.output);
            self.emit(Progress::HookFailed {
                hook: Hook::Batch,
                iteration: ctx.iteration_of(purpose),
                command: template.template.clone(),
                outcome: ended,
                output: note,
            });
            run.stop = Some(Stop::HookFailed(Hook::Batch));
        }
        Ok(())
    }

    /// What a fresh batch gets beyond its names. With pytest (when smoke can hand it options:
    /// `{tests}`, or `@{tests-file}`): smoke's plugin streaming each test's start and end (JUnit
    /// XML is written only at the end, so a crash would leave no word of its test), and
    /// `--maxfail=1` where the sequence stops at its first failure; with rspec (`{tests}`),
    /// `--fail-fast` there. The names go in a file for
    /// `{tests-file}`, and for pytest as `@FILE` when they would not fit on a command line; a
    /// name that cannot be one line of such a file is refused.
    fn batch_extras(
        &self,
        template: &BatchTemplate,
        names: &[&OsStr],
        purpose: Purpose,
    ) -> Result<BatchExtras<'static>> {
        let pytest = self.config.runs_pytest;
        let options_in_file = !template.takes_names() && template.reads_args_file();
        let placed = pytest && (template.takes_names() || options_in_file);
        let names_len: usize = names.iter().map(|n| n.len() + 1).sum();
        let args = if !template.takes_names() {
            BatchArgs::Nothing
        } else if pytest && names_len > ARGS_FILE_ABOVE {
            BatchArgs::AtFile
        } else {
            BatchArgs::Names
        };
        let pytest_file = args == BatchArgs::AtFile || (pytest && template.reads_args_file());
        if template.takes_tests_file() || args == BatchArgs::AtFile {
            let breaks = |c: char| {
                // Where Python's str.splitlines() splits: pytest reads its @file that way.
                c == '\n'
                    || (pytest_file
                        && matches!(
                            c,
                            '\r' | '\x0b' | '\x0c' | '\x1c'
                                ..='\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
                        ))
            };
            if let Some(name) = names.iter().find(|n| n.to_string_lossy().contains(breaks)) {
                let why = if template.takes_tests_file() {
                    format!(
                        "the batch template '{}' reads the names from {{tests-file}}, one per \
                         line",
                        template.template
                    )
                } else {
                    format!(
                        "this sequence's names ({names_len} bytes) are too long for a command \
                         line, so pytest reads them from a file (@FILE), one per line"
                    )
                };
                return Err(ConfigError::new(format!(
                    "the test name {} holds a line break, and {why}: rename the test, or leave \
                     it out of the selection",
                    crate::shell::quote(&name.to_string_lossy())
                ))
                .into());
            }
        }
        let mut options: Vec<&'static OsStr> = Vec::new();
        if placed && stops_at_failure(self.config, purpose) {
            options.push(OsStr::new("--maxfail=1"));
        }
        // rspec takes options among the example ids, so `{tests}` can carry its stop too.
        let rspec = self.config.deduplicating_runner == Some("rspec");
        if rspec && template.takes_names() && stops_at_failure(self.config, purpose) {
            options.push(OsStr::new("--fail-fast"));
        }
        Ok(BatchExtras {
            options,
            stream: placed && template.format == Format::Junit,
            tests_file: template.takes_tests_file(),
            options_in_file,
            args,
        })
    }

    /// The error for a batch runner that did not run what was asked, with the option that
    /// keeps the order.
    fn order_error(&self, template: &BatchTemplate, mismatch: &Mismatch) -> anyhow::Error {
        let hint = match (mismatch, self.config.preset) {
            (Mismatch::Dropped { repeated: true, .. }, _) => {
                "run each test once per sequence: --times 1 (the default in batch mode), and no \
                 name twice on the command line"
                    .to_string()
            }
            (_, Some(preset)) if !preset.order_hint().is_empty() => preset.order_hint().to_string(),
            _ if template.template.contains("pytest") => {
                crate::preset::Preset::Pytest.order_hint().to_string()
            }
            _ => "make the runner run exactly the tests it is given, in the order given, or use \
                  per-test mode (--mode per-test)"
                .to_string(),
        };
        ConfigError::new(format!(
            "the batch command '{}' did not run the sequence smoke asked for: {mismatch}. \
             Its results cannot be trusted, so smoke stops here; {hint}",
            template.template
        ))
        .into()
    }

    /// Run setup or teardown if configured, adding its time to `spent`. `Some` when it failed or
    /// was interrupted.
    fn run_hook(
        &mut self,
        hook: Hook,
        ctx: Context,
        purpose: Purpose,
        spent: &mut Duration,
    ) -> Result<Option<Stop>> {
        let command = match hook {
            Hook::Setup => &self.config.setup,
            Hook::Teardown => &self.config.teardown,
            // The batch command is not a hook; it only reports as one when it dies unattributed.
            Hook::Batch => &None,
        };
        let Some(command) = command else {
            return Ok(None);
        };
        let label = format!("({hook})");
        let script = shell::hook_script(command);
        let workdir = self.workdir().map(Path::to_path_buf);
        let finished = self.exec.run(&Job {
            script: &script,
            args: Vec::new(),
            env: self.env(ctx, None),
            dir: workdir.as_deref(),
            label: &label,
            kill_leftovers: false,
            timeout: self.config.timeout,
            collect: Collect::Nothing,
        })?;
        *spent += finished.duration;
        if self.stopping() && hook == Hook::Setup {
            return Ok(Some(Stop::Interrupted));
        }
        if finished.outcome.passed() {
            return Ok(None);
        }
        self.emit(Progress::HookFailed {
            hook,
            iteration: ctx.iteration_of(purpose),
            command: command.clone(),
            outcome: finished.outcome,
            output: finished.output,
        });
        Ok(Some(Stop::HookFailed(hook)))
    }
}

impl Worker<'_> {
    /// One look by every probe: the probe command's run (a run that fails, hangs or cannot
    /// start is recorded as such, never an error of the sequence) and the files.
    fn observe(&mut self, ctx: Context) -> Observation {
        let probes = &self.config.probes;
        let workdir = self.workdir().map(Path::to_path_buf);
        let output = probes.command.as_ref().map(|command| {
            let script = shell::hook_script(command);
            let ran = self.exec.run(&Job {
                script: &script,
                args: Vec::new(),
                env: self.env(ctx, None),
                dir: workdir.as_deref(),
                label: "(probe)",
                kill_leftovers: true,
                timeout: Some(probes.timeout),
                collect: Collect::StdoutHead(crate::probe::OUTPUT_BYTES),
            });
            match ran {
                // Killed with the run by a signal: not the probe's failure.
                Ok(_) if self.interrupt.is_raised() => Output::Failed("interrupted".to_string()),
                Ok(f) if f.outcome.passed() => {
                    let mut stdout = f.results.unwrap_or_default();
                    stdout.truncate(crate::probe::OUTPUT_BYTES);
                    Output::Ok(String::from_utf8_lossy(&stdout).into_owned())
                }
                Ok(f) => {
                    let how = match f.outcome {
                        Outcome::Timeout => format!(
                            "timeout after {}",
                            humantime::format_duration(probes.timeout)
                        ),
                        other => other.to_string(),
                    };
                    let said = String::from_utf8_lossy(&f.output);
                    let said: Vec<&str> = said.trim().lines().rev().take(3).collect();
                    let said: Vec<&str> = said.into_iter().rev().collect();
                    if said.is_empty() {
                        Output::Failed(how)
                    } else {
                        Output::Failed(format!("{how}: {}", said.join(" / ")))
                    }
                }
                Err(e) => Output::Failed(format!("could not run: {e:#}")),
            }
        });
        let files = (!probes.files.is_empty()).then(|| {
            let root = workdir.as_deref().unwrap_or(&self.config.dir);
            // smoke's own reports and logs grow while the probes run: left out.
            let leave = match &self.config.report {
                crate::config::ReportTarget::Dir(d)
                | crate::config::ReportTarget::DefaultDir(d) => Leave::Folder(d.clone()),
                crate::config::ReportTarget::File(p) => Leave::Named {
                    dir: p.parent().map(Path::to_path_buf).unwrap_or_default(),
                    prefix: p
                        .file_stem()
                        .map(|s| format!("{}.", s.to_string_lossy()))
                        .unwrap_or_default(),
                },
            };
            self.file_probe.look(root, &probes.files, &[leave])
        });
        Observation { output, files }
    }
}

/// The results of a runner that writes them whole at its end (JUnit XML, JSON), read with
/// `parse`. A runner that failed may have left none or half a file: no results (the caller
/// tells a crash from there). One that ended well must have written a whole one: the error names
/// `what` it is and its `placeholder`, and says `where_` to put that.
fn whole_file(
    template: &BatchTemplate,
    results: Option<&[u8]>,
    ended: Outcome,
    parse: impl Fn(&[u8]) -> Result<Vec<batch::Reported>, String>,
    (what, placeholder): (&str, &str),
    where_: &str,
) -> Result<Vec<batch::Reported>> {
    match results {
        Some(bytes) => match parse(bytes) {
            Ok(reported) => Ok(reported),
            Err(_) if !ended.passed() => Ok(Vec::new()),
            Err(e) => Err(ConfigError::new(format!(
                "cannot read the {what} the batch command '{}' wrote: {e}",
                template.template
            ))
            .into()),
        },
        None if ended.passed() => Err(ConfigError::new(format!(
            "the batch command '{}' exited 0 but wrote no {what} at {placeholder}: put \
             {placeholder} {where_}",
            template.template
        ))
        .into()),
        None => Ok(Vec::new()),
    }
}

/// How to fork a batch from a server that loaded the suite once, when the run uses one.
/// Bug mode runs past the first failure, and iterations with `--keep-going` (their later
/// failures are recorded); every other sequence stops at its first.
fn fork_plan<'t>(
    config: &Config,
    names: &'t TestNames,
    template: &'t BatchTemplate,
    purpose: Purpose,
) -> Option<ForkPlan<'t>> {
    Some(ForkPlan {
        runner: config.fork_server?,
        script: &template.script,
        tests: (0..names.len()).map(|test| names.raw(test)).collect(),
        // Collecting is not a test: a --timeout of seconds must not stop the server starting.
        startup: config.timeout.map_or(crate::suite::LIST_TIMEOUT, |t| {
            t.max(crate::suite::LIST_TIMEOUT)
        }),
        test_timeout: config.timeout,
        stop_at_failure: stops_at_failure(config, purpose),
        options_in_file: config.fork_server == Some(ForkRunner::Pytest)
            && !template.takes_names()
            && template.reads_args_file(),
    })
}

/// What the shell means by exit 126 and 127.
pub(super) fn not_runnable(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Fail { code: 126 } => "found but not executable",
        _ => "command not found",
    }
}
