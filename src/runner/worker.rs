//! A worker: runs the sequences the controller hands it, one at a time, on its own
//! [`Executor`], and says what happens as [`Progress`] messages. It decides nothing: which
//! sequence, why, and what the result means are the controller's (`super`).
//!
//! A sequence is: setup, the tests in order (stopping at the first failure, except in bug mode),
//! then teardown. In batch mode the tests are one command (`batch_run`), whose results `batch`
//! reads and matches to the order asked; after that, a sequence's outcome is the same shape
//! either way.
//! A failing setup or teardown abandons the sequence. A raised [`Interrupt`] (or the
//! controller's cancel flag) stops before the next step; the command that was running has
//! already been killed by the signal thread, and teardown still runs once.

mod batch_run;
pub use batch_run::early_fork_plan;

use super::messages::{Context, Failed, Look, Msg, Progress, SequenceRun, Stop, Tag, Unit};
use crate::config::Config;
use crate::control::{Driver, Step};
use crate::exec::{BatchExtras, BatchFinished, Collect, Executor, Finished, Job, Stream};
use crate::execution::{Execution, Workdir};
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
    pub fresh: Option<crate::exec::PrivateDir>,
    /// The file probe (`probe-files`), which remembers hashes between looks.
    pub file_probe: FileProbe,
    /// The outside driver that chooses an iteration's tests (`--controller`, `--control-dir`):
    /// only ever on the one worker such a run has.
    pub driver: Option<&'a mut dyn Driver>,
    /// What was said once and need not be said again: why the fork server could not run a
    /// batch, a note from smoke's helper in the runner.
    pub warned: std::collections::HashSet<String>,
    /// The look at the suite folder the unit running now asked for, taken after its setup.
    pub look: Look,
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
                crate::exec::PrivateDir::new("smoke-workdir-")
                    .context("cannot create a fresh working folder (--workdir fresh)")?,
            );
        }
        if let Some(path) = &unit.log {
            self.exec.set_log(Some(path))?;
        }
        self.look = unit.look;
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
        self.fresh.as_ref().map(crate::exec::PrivateDir::path)
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
        let batch = matches!(self.config.execution, Execution::Batch(_));
        self.framed(
            SequenceRun::default(),
            ctx,
            purpose,
            sequence.len(),
            batch,
            |this, run| this.probed_tests(sequence, ctx, purpose, probe, run),
        )
    }

    /// The tests of [`run_sequence`](Self::run_sequence), with their probes, once setup ran.
    fn probed_tests(
        &mut self,
        sequence: &[TestId],
        ctx: Context,
        purpose: Purpose,
        probe: bool,
        run: &mut SequenceRun,
    ) -> Result<()> {
        let batch = matches!(self.config.execution, Execution::Batch(_));
        let mut prober = None;
        if probe && self.config.probes.any() {
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
                Execution::PerTest(template) => {
                    self.run_each(&template.script, sequence, ctx, purpose, run, &mut prober)?
                }
                Execution::Batch(template) => {
                    // The runner's own state, seen from inside by smoke's helper in it.
                    let inside = (probe && self.config.probes.inside && self.sees_inside(template))
                        .then(|| crate::exec::PrivateDir::new("smoke-state-"))
                        .transpose()
                        .context("cannot create a folder for the runner's state lines")?;
                    let state_file = inside.as_ref().map(|d| d.path().join("state.jsonl"));
                    self.run_batch(template, sequence, ctx, purpose, run, state_file.as_deref())?;
                    if let Some(path) = &state_file {
                        let victim = run
                            .failure
                            .as_ref()
                            .filter(|f| f.position + 1 == sequence.len())
                            .map(|f| self.names.shown(f.test));
                        let text = std::fs::read_to_string(path).unwrap_or_default();
                        run.state =
                            crate::probe::state::read(&text, sequence.len(), victim).map(Box::new);
                    }
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
        Ok(())
    }

    /// Whether smoke's helper runs inside this batch command's runner and can say what its
    /// tests changed in the process (pytest's plugin, rspec's and jest's helpers).
    fn sees_inside(&self, template: &crate::execution::BatchTemplate) -> bool {
        self.config.runs_pytest
            || self.config.fork_server.is_some()
            || template.loads_helper(crate::helpers::RSPEC_ORDER)
            || template.loads_helper(crate::helpers::JEST_REPORTER)
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
        let run = SequenceRun {
            driven: Some(Vec::new()),
            ..SequenceRun::default()
        };
        self.framed(run, ctx, purpose, 0, false, |this, run| {
            let Execution::PerTest(template) = &this.config.execution else {
                return Err(anyhow::anyhow!(
                    "a driven sequence runs in per-test mode only (the config refuses batch)"
                ));
            };
            let script = template.script.clone();
            if let Err(error) = this.drive(driver, &script, ctx, purpose, run)? {
                run.driver_error = Some(error);
            }
            Ok(())
        })
    }

    /// What every sequence is: said to start (`length` tests, in one `batch` or not), then
    /// setup, then `tests` unless setup failed or a signal came, then teardown, which runs once
    /// per sequence, also after an interrupt.
    fn framed(
        &mut self,
        mut run: SequenceRun,
        ctx: Context,
        purpose: Purpose,
        length: usize,
        batch: bool,
        tests: impl FnOnce(&mut Self, &mut SequenceRun) -> Result<()>,
    ) -> Result<SequenceRun> {
        self.emit(Progress::SequenceStarted {
            purpose,
            length,
            batch,
        });
        if self.stopping() {
            run.stop = Some(Stop::Interrupted);
            return Ok(run);
        }
        let look = std::mem::take(&mut self.look);
        // What setup writes from here on is its own work, not state left behind.
        let tick = (look == Look::Keep)
            .then(crate::probe::suite::Tick::now)
            .flatten();
        if let Some(stop) = self.run_hook(Hook::Setup, ctx, purpose, &mut run.hooks)? {
            run.stop = Some(stop);
            if stop == Stop::HookFailed(Hook::Setup) {
                return Ok(run);
            }
        }
        match look {
            _ if run.stop.is_some() => {}
            Look::No => {}
            Look::Baseline => {
                let seen = self.look_at_suite(None);
                self.emit(Progress::Baseline(Box::new(seen)));
            }
            Look::Keep => run.look = Some(Box::new(self.look_at_suite(tick))),
        }
        if run.stop.is_none() {
            tests(self, &mut run)?;
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
        let finished = self.run_one(&Job {
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

    /// Run one test's command in per-test mode. A pytest gets smoke's plugin (through
    /// `PYTEST_PLUGINS`, so the command line stays the user's), which turns off what would run
    /// the test again or elsewhere (pytest-xdist's workers, pytest-rerunfailures' reruns) and
    /// notes it: each note is said once.
    fn run_one(&mut self, job: &Job) -> Result<Finished> {
        if !self.config.runs_pytest {
            return self.exec.run(job);
        }
        let extras = BatchExtras {
            stream: Stream::Pytest,
            options_in_file: true,
            ..BatchExtras::default()
        };
        let BatchFinished { finished, stream } = self.exec.run_batch(job, &extras)?;
        self.say_notes(stream.as_deref());
        Ok(finished)
    }

    /// Say, once each, the notes among a helper's `lines`: what it changed in the runner for
    /// smoke (pytest-xdist's workers, pytest-rerunfailures' reruns, pytest-cov's coverage,
    /// rspec-retry's retries: turned off).
    pub(super) fn say_notes(&mut self, lines: Option<&[u8]>) {
        for note in crate::batch::notes(lines.unwrap_or_default()) {
            if self.warned.insert(note.clone()) {
                self.emit(Progress::Warning(note));
            }
        }
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
            let finished = self.run_one(&Job {
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
            let leave = self.reports();
            self.file_probe.look(root, &probes.files, &[leave])
        });
        Observation { output, files }
    }

    /// smoke's own reports and logs, which grow while the tests run: never part of a look.
    fn reports(&self) -> Leave {
        match &self.config.report {
            crate::config::ReportTarget::Dir(d) | crate::config::ReportTarget::DefaultDir(d) => {
                Leave::Folder(d.clone())
            }
            crate::config::ReportTarget::File(p) => Leave::Named {
                dir: p.parent().map(Path::to_path_buf).unwrap_or_default(),
                prefix: p
                    .file_stem()
                    .map(|s| format!("{}.", s.to_string_lossy()))
                    .unwrap_or_default(),
            },
        }
    }

    /// The suite folder's entries now, what setup wrote since `since` told apart (see
    /// [`crate::probe::suite`]).
    fn look_at_suite(
        &self,
        since: Option<crate::probe::suite::Tick>,
    ) -> crate::probe::suite::SuiteLook {
        let probes = &self.config.probes;
        crate::probe::suite::look(
            &self.config.dir,
            &[self.reports()],
            |path| probes.state_ignored(path),
            since,
        )
    }
}

/// What the shell means by exit 126 and 127.
pub(super) fn not_runnable(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Fail { code: 126 } => "found but not executable",
        _ => "command not found",
    }
}
