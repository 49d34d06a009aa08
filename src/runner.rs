//! Orchestration: plan each iteration, run it, and shrink the first failure, emitting events to a
//! reporter. Never prints and never spawns by itself: processes go through an [`Executor`], words
//! through a [`Reporter`], so the whole loop runs in tests on a fake executor.
//!
//! A sequence is: setup, the tests in order (stopping at the first failure, except in bug mode),
//! then teardown. In batch mode the tests are one command, whose results `batch` reads and
//! matches to the order asked; after that, a sequence's outcome is the same shape either way.
//! A failing setup or teardown abandons the sequence. A raised [`Interrupt`] stops before the
//! next step; the command that was running has already been killed by the signal
//! thread, and teardown still runs once.

use crate::batch::{self, Format, Mismatch};
use crate::config::Config;
use crate::error::ConfigError;
use crate::exec::{Collect, Executor, Job};
use crate::execution::{BatchTemplate, Execution};
use crate::interrupt::Interrupt;
use crate::model::{Classification, Hook, Outcome, TestId, TestNames};
use crate::order::{self, SmokeRng};
use crate::reduce::{self, Answer, Costs, Halt, Limits, Oracle, Probe, Reduction};
use crate::report::{Event, IterationStatus, Mode, Purpose, Reporter};
use crate::shell;
use anyhow::Result;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::time::Duration;

/// What a run found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Failures found (repeats included). In bug mode: tests that failed.
    pub failures: usize,
    /// Failures ignored because their output does not match `--match`.
    pub unmatched: usize,
    /// Sequences abandoned because setup or teardown failed.
    pub hook_failures: usize,
    /// The signal that stopped the run, if one did.
    pub interrupted: Option<i32>,
}

/// Runs a suite for one [`Config`].
pub struct Runner<'a> {
    config: &'a Config,
    names: &'a TestNames,
    exec: &'a mut dyn Executor,
    reporter: &'a mut dyn Reporter,
    interrupt: &'a Interrupt,
    log_path: &'a dyn Fn(usize) -> PathBuf,
    known: Vec<Known>,
    /// Where each test first passed in an iteration (its context and position): a test that
    /// later fails alone is run there again, to tell state that survives setup from a test
    /// that needs the tests before it.
    first_pass: HashMap<TestId, (Context, usize)>,
    /// Whether any test has passed in this run.
    any_passed: bool,
}

/// A unique failure found earlier in the run.
struct Known {
    victim: TestId,
    outcome: Outcome,
    minimal: Vec<TestId>,
}

/// How one sequence went.
#[derive(Debug, Default)]
struct SequenceRun {
    /// Tests run (interrupted ones not counted).
    executed: usize,
    /// The first failing test.
    failure: Option<Failed>,
    /// Why the sequence stopped short, if it did.
    stop: Option<Stop>,
    /// Tests that failed (bug mode runs past failures).
    failed: usize,
    /// How long each test that ran took, in order.
    durations: Vec<Duration>,
    /// What a run costs besides its tests: setup, teardown, and a batch runner's own time.
    hooks: Duration,
}

/// The first test that failed in a sequence.
#[derive(Debug)]
struct Failed {
    position: usize,
    test: TestId,
    outcome: Outcome,
    /// The end of its output, and how many bytes before that were not kept.
    output: Vec<u8>,
    dropped: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    Interrupted,
    HookFailed(Hook),
}

impl Stop {
    fn describe(self) -> String {
        match self {
            Stop::Interrupted => "interrupted".to_string(),
            Stop::HookFailed(hook) => format!("{hook} failed"),
        }
    }
}

/// Where a sequence runs: the iteration and its seed, handed to every command.
#[derive(Clone, Copy)]
struct Context {
    iteration: u32,
    seed: u64,
}

impl Context {
    /// The variables every command gets: `SMOKE_SEED`, `SMOKE_ITERATION`, and for a test run
    /// on its own, `SMOKE_TEST`.
    fn env(self, test: Option<&OsStr>) -> Vec<(&'static str, OsString)> {
        let mut env = vec![
            ("SMOKE_SEED", self.seed.to_string().into()),
            ("SMOKE_ITERATION", self.iteration.to_string().into()),
        ];
        env.extend(test.map(|t| ("SMOKE_TEST", t.to_owned())));
        env
    }
}

impl<'a> Runner<'a> {
    /// A runner for the suite `names` (as resolved) under `config`. `log_path(n)` names the
    /// verbose-rerun log of the n-th unique failure.
    pub fn new(
        config: &'a Config,
        names: &'a TestNames,
        exec: &'a mut dyn Executor,
        reporter: &'a mut dyn Reporter,
        interrupt: &'a Interrupt,
        log_path: &'a dyn Fn(usize) -> PathBuf,
    ) -> Self {
        Runner {
            config,
            names,
            exec,
            reporter,
            interrupt,
            log_path,
            known: Vec::new(),
            first_pass: HashMap::new(),
            any_passed: false,
        }
    }

    /// Smoke mode: the iterations, shrinking each failure.
    pub fn smoke(&mut self, selection: &[TestId]) -> Result<Summary> {
        let c = self.config;
        self.reporter.handle(&Event::RunStarted {
            mode: Mode::Smoke,
            tests: selection.len(),
            order: c.order,
            times: c.times,
            iterations: c.iterations,
            seed: c.seed,
            seed_given: c.seed_given,
        })?;
        let (mut failures, mut unmatched, mut hook_failures) = (0, 0, 0);
        for index in 1..=c.iterations {
            // Indexes and seeds stay the whole run's; another machine runs the rest.
            if !c.runs_iteration(index) {
                continue;
            }
            if self.interrupt.is_raised() {
                break;
            }
            let seed = order::iteration_seed(c.seed, index);
            let sequence = order::plan(c.order, selection, c.times, &mut SmokeRng::from_seed(seed));
            self.reporter.handle(&Event::IterationStarted {
                index,
                seed,
                length: sequence.len(),
            })?;
            let ctx = Context {
                iteration: index,
                seed,
            };
            let run = self.run_sequence(&sequence, ctx, Purpose::Iteration)?;
            let matched = run.failure.as_ref().is_none_or(|f| self.matches(&f.output));
            let status = match (run.stop, &run.failure) {
                (Some(Stop::Interrupted), _) => IterationStatus::Interrupted,
                (Some(Stop::HookFailed(hook)), _) => IterationStatus::HookFailed(hook),
                (None, None) => IterationStatus::Passed,
                (None, Some(_)) if matched => IterationStatus::Failed,
                (None, Some(_)) => IterationStatus::Unmatched,
            };
            self.reporter.handle(&Event::IterationFinished {
                index,
                seed,
                length: sequence.len(),
                executed: run.executed,
                failed: run
                    .failure
                    .as_ref()
                    .map(|f| (self.names.shown(f.test), f.outcome)),
                status,
                output: run
                    .failure
                    .as_ref()
                    .filter(|_| status == IterationStatus::Unmatched)
                    .map(|f| f.output.as_slice()),
            })?;
            if status == IterationStatus::Interrupted {
                break;
            }
            match status {
                IterationStatus::Unmatched => unmatched += 1,
                IterationStatus::HookFailed(_) => hook_failures += 1,
                _ => {}
            }
            if let (IterationStatus::Failed, Some(failed)) = (status, &run.failure) {
                failures += 1;
                let costs = Costs {
                    tests: run.durations[..failed.position]
                        .iter()
                        .map(Duration::as_secs_f64)
                        .collect(),
                    per_run: (run.durations[failed.position] + run.hooks).as_secs_f64(),
                };
                let failing = &sequence[..=failed.position];
                self.shrink_failure(selection, ctx, failing, failed, &costs)?;
            }
        }
        let interrupted = self.interrupt.signal();
        self.reporter.handle(&Event::RunFinished { interrupted })?;
        Ok(Summary {
            failures,
            unmatched,
            hook_failures,
            interrupted,
        })
    }

    /// Bug mode: setup once, each test once in order without stopping, teardown.
    pub fn bug_mode(&mut self, selection: &[TestId]) -> Result<Summary> {
        let c = self.config;
        self.reporter.handle(&Event::RunStarted {
            mode: Mode::BugMode,
            tests: selection.len(),
            order: c.order,
            times: 1,
            iterations: 1,
            seed: c.seed,
            seed_given: c.seed_given,
        })?;
        let ctx = Context {
            iteration: 1,
            seed: c.seed,
        };
        let run = self.run_sequence(selection, ctx, Purpose::BugMode)?;
        let interrupted = self.interrupt.signal();
        self.reporter.handle(&Event::RunFinished { interrupted })?;
        Ok(Summary {
            failures: run.failed,
            unmatched: 0,
            hook_failures: usize::from(matches!(run.stop, Some(Stop::HookFailed(_)))),
            interrupted,
        })
    }

    fn shrink_failure(
        &mut self,
        selection: &[TestId],
        ctx: Context,
        failing: &[TestId],
        failed: &Failed,
        costs: &Costs,
    ) -> Result<()> {
        let (victim, outcome) = (failed.test, failed.outcome);
        let (prefix, _) = failing.split_at(failing.len() - 1);
        self.reporter.handle(&Event::FailureFound {
            iteration: ctx.iteration,
            seed: ctx.seed,
            test: self.names.shown(victim),
            outcome,
            original: self.to_names(failing),
            output: &failed.output,
            dropped: failed.dropped,
        })?;
        // A prefix that holds a known minimal sequence of this failure, in order, is that
        // failure again: no need to shrink it again.
        if let Some(of) = self.known.iter().position(|k| {
            k.victim == victim
                && k.outcome == outcome
                && reduce::contains_in_order(prefix, &k.minimal[..k.minimal.len() - 1])
        }) {
            return self.reporter.handle(&Event::FailureRepeated {
                of,
                iteration: ctx.iteration,
                tries: 0,
                executions: 0,
            });
        }
        let limits = Limits {
            retries: self.config.retries,
            max_executions: self.config.max_reduce,
        };
        let mut oracle = RunOracle {
            runner: self,
            ctx,
            expected: outcome,
            stop: None,
            error: None,
        };
        let shrunk = reduce::shrink(prefix, victim, costs, limits, &mut oracle);
        let (stop, error) = (oracle.stop, oracle.error);
        if let Some(error) = error {
            return Err(error);
        }
        let not_found = matches!(outcome, Outcome::Fail { code: 126 | 127 });
        if not_found
            && shrunk.classification == Some(Classification::FailsAlone)
            && !self.any_passed
        {
            // Nothing has passed yet and the first failure is the shell's "cannot run": the
            // run template is broken, not the test. Every test would fail the same way.
            return Err(ConfigError::new(format!(
                "the run command cannot run the tests: '{}' ended with {outcome} ({}) for '{}', \
                 even alone, and no test has passed; check the run template '{}' and PATH. \
                 It printed:\n{}",
                self.names.shown(victim),
                not_runnable(outcome),
                self.names.shown(victim),
                self.config.execution.template(),
                String::from_utf8_lossy(&failed.output).trim_end()
            ))
            .into());
        }

        if let Some(of) = self
            .known
            .iter()
            .position(|k| k.victim == victim && k.outcome == outcome && k.minimal == shrunk.minimal)
        {
            return self.reporter.handle(&Event::FailureRepeated {
                of,
                iteration: ctx.iteration,
                tries: shrunk.tries,
                executions: shrunk.executions,
            });
        }
        self.known.push(Known {
            victim,
            outcome,
            minimal: shrunk.minimal.clone(),
        });

        // The verbose rerun is one more run of a failing sequence: it counts in the reproduction
        // rate, and a rerun that does not fail the same way makes the failure flaky.
        let (mut classification, mut reproduced) = (shrunk.classification, shrunk.reproduced);
        // It fails alone right after setup, yet it passed earlier in this run: if it now fails
        // where it passed then, setup does not reset what an earlier sequence left behind, and
        // "fails alone" says nothing about it.
        let leftover = classification == Some(Classification::FailsAlone)
            && self.fails_where_it_passed(selection, victim, outcome)?;
        if leftover {
            classification = Some(Classification::LeftoverState);
        }
        let (mut log, mut rerun) = (None, None);
        if classification.is_some() && !self.interrupt.is_raised() {
            let (path, result) = self.verbose_rerun(ctx, &shrunk.minimal, outcome)?;
            log = Some(path);
            if let Some((how, again)) = result {
                rerun = Some(how);
                reproduced.runs += 1;
                if again {
                    reproduced.failed += 1;
                } else if !leftover {
                    classification = Some(Classification::Flaky);
                }
            }
        }

        let stopped_by = match shrunk.halted {
            Some(Halt::Oracle) => stop.map(Stop::describe),
            Some(Halt::Budget) => Some(format!(
                "--max-reduce {}: the next candidate would have gone past it, after {} test \
                 execution(s)",
                self.config.max_reduce.unwrap_or_default(),
                shrunk.executions
            )),
            None => None,
        };
        let hint = if leftover {
            Some(format!(
                "'{}' passed earlier in this run but fails alone after setup now: state left by \
                 an earlier sequence (a file, a database row) survives between sequences. Make \
                 setup reset it ({}), or run each sequence in a fresh working folder; until \
                 then later failures may all be this one",
                self.names.shown(victim),
                match &self.config.setup {
                    Some(_) => "the setup command leaves it in place",
                    None => "there is no setup command",
                }
            ))
        } else if not_found {
            Some(format!(
                "{outcome} is the shell's \"{}\": the test, or a program it calls, could not be \
                 run; check the run template '{}' and PATH",
                not_runnable(outcome),
                self.config.execution.template()
            ))
        } else {
            None
        };
        self.reporter.handle(&Event::FailureShrunk {
            classification,
            minimal: self.to_names(&shrunk.minimal),
            tries: shrunk.tries,
            executions: shrunk.executions,
            proven: shrunk.proven_minimal() && !leftover,
            reproduced,
            stopped_by,
            replay: self.replay_command(&shrunk.minimal),
            log,
            rerun,
            hint,
        })
    }

    /// Run `minimal` once more with every command's output logged. Returns the log's path and,
    /// unless setup failed or an interrupt came, how the failing test ended and whether that is
    /// the same failure again (`expected`, and `--match`).
    fn verbose_rerun(
        &mut self,
        ctx: Context,
        minimal: &[TestId],
        expected: Outcome,
    ) -> Result<(PathBuf, Option<(Outcome, bool)>)> {
        let path = (self.log_path)(self.known.len());
        self.exec.set_log(Some(&path))?;
        let result = self.run_sequence(minimal, ctx, Purpose::Rerun);
        self.exec.set_log(None)?;
        let run = result?;
        if run.stop.is_some() {
            return Ok((path, None));
        }
        let ended = match &run.failure {
            Some(f) if f.position == minimal.len() - 1 => {
                (f.outcome, f.outcome == expected && self.matches(&f.output))
            }
            _ => (Outcome::Pass, false),
        };
        Ok((path, Some(ended)))
    }

    /// Run the iteration where `test` first passed again, up to `test`: true when it now fails
    /// there with `outcome` (the state after setup has changed since). False when it never
    /// passed in an iteration, passes there again (it needs a test before it), or the check
    /// was cut short.
    fn fails_where_it_passed(
        &mut self,
        selection: &[TestId],
        test: TestId,
        outcome: Outcome,
    ) -> Result<bool> {
        let Some(&(ctx, position)) = self.first_pass.get(&test) else {
            return Ok(false);
        };
        if self.interrupt.is_raised() {
            return Ok(false);
        }
        let c = self.config;
        let mut sequence = order::plan(
            c.order,
            selection,
            c.times,
            &mut SmokeRng::from_seed(ctx.seed),
        );
        sequence.truncate(position + 1);
        let run = self.run_sequence(&sequence, ctx, Purpose::Check)?;
        Ok(run.stop.is_none()
            && run
                .failure
                .is_some_and(|f| f.position == position && f.outcome == outcome))
    }

    /// A command line that runs `minimal` again, exactly (names byte for byte).
    fn replay_command(&self, minimal: &[TestId]) -> String {
        let mut words: Vec<&str> = self.config.replay_base.iter().map(String::as_str).collect();
        words.extend(["--order", "rotate", "--times", "1"]);
        if minimal
            .iter()
            .any(|&t| self.names.shown(t).starts_with('-'))
        {
            words.push("--");
        }
        let mut line = shell::join(words);
        if let Some(dir) = &self.config.replay_dir {
            line = format!("cd {} && {line}", shell::quote(&dir.to_string_lossy()));
        }
        for &t in minimal {
            line.push(' ');
            line.push_str(&shell::quote_bytes(self.names.raw(t).as_bytes()));
        }
        line
    }

    /// Whether a failing test's output counts under `--match`.
    fn matches(&self, output: &[u8]) -> bool {
        self.config
            .match_output
            .as_ref()
            .is_none_or(|re| re.is_match(&String::from_utf8_lossy(output)))
    }

    fn to_names(&self, tests: &[TestId]) -> Vec<String> {
        tests
            .iter()
            .map(|&t| self.names.shown(t).to_string())
            .collect()
    }

    /// Setup, the tests, teardown. Stops at the first failure unless in bug mode.
    fn run_sequence(
        &mut self,
        sequence: &[TestId],
        ctx: Context,
        purpose: Purpose,
    ) -> Result<SequenceRun> {
        let mut run = SequenceRun::default();
        self.reporter.handle(&Event::SequenceStarted {
            purpose,
            length: sequence.len(),
            batch: matches!(self.config.execution, Execution::Batch(_)),
        })?;
        if self.interrupt.is_raised() {
            run.stop = Some(Stop::Interrupted);
            return Ok(run);
        }
        if let Some(stop) = self.run_hook(Hook::Setup, ctx, &mut run.hooks)? {
            run.stop = Some(stop);
            if stop == Stop::HookFailed(Hook::Setup) {
                return Ok(run);
            }
        }
        if run.stop.is_none() {
            match &self.config.execution {
                Execution::PerTest(template) => {
                    self.run_each(&template.script, sequence, ctx, purpose, &mut run)?
                }
                Execution::Batch(template) => {
                    self.run_batch(template, sequence, ctx, purpose, &mut run)?
                }
            }
        }
        // Teardown runs once per sequence, also after an interrupt.
        if let Some(stop) = self.run_hook(Hook::Teardown, ctx, &mut run.hooks)? {
            run.stop = run.stop.or(Some(stop));
        }
        Ok(run)
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
    ) -> Result<()> {
        let stop_at_failure = purpose != Purpose::BugMode;
        for (position, &test) in sequence.iter().enumerate() {
            let name = self.names.shown(test);
            let raw = self.names.raw(test);
            self.reporter.handle(&Event::TestStarted {
                test: name,
                position,
                length: sequence.len(),
            })?;
            let mut args = vec![raw];
            args.extend(self.names.args(test).iter().map(|a| a.as_os_str()));
            let finished = self.exec.run(&Job {
                script,
                args,
                env: ctx.env(Some(raw)),
                label: name,
                kill_leftovers: true,
                timeout: self.config.timeout,
                collect: Collect::Nothing,
            })?;
            if self.interrupt.is_raised() {
                self.reporter.handle(&Event::TestInterrupted {
                    purpose,
                    test: name,
                    duration: finished.duration,
                })?;
                run.stop = Some(Stop::Interrupted);
                break;
            }
            run.executed += 1;
            run.durations.push(finished.duration);
            self.note_outcome(test, finished.outcome, ctx, purpose, position);
            self.reporter.handle(&Event::TestFinished {
                purpose,
                test: name,
                position,
                length: sequence.len(),
                outcome: finished.outcome,
                duration: finished.duration,
                output: &finished.output,
            })?;
            if !finished.outcome.passed() {
                run.failed += 1;
                run.failure.get_or_insert(Failed {
                    position,
                    test,
                    outcome: finished.outcome,
                    output: finished.output,
                    dropped: finished.dropped,
                });
                if stop_at_failure {
                    break;
                }
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
        let finished = self.exec.run(&Job {
            script: &template.script,
            args: sequence.iter().map(|&t| self.names.raw(t)).collect(),
            env: ctx.env(None),
            label: "(batch)",
            kill_leftovers: true,
            timeout: self.config.timeout.map(|t| {
                t.saturating_mul(length)
                    .min(crate::config::MAX_COMMAND_LIMIT)
            }),
            collect: match template.format {
                Format::Junit => Collect::JunitFile,
                Format::Tap => Collect::Stdout,
            },
        })?;
        if self.interrupt.is_raised() {
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
            (Format::Tap, Some(stdout)) => !batch::looks_like_tap(stdout, &asked),
            (Format::Tap, None) => true,
            (Format::Junit, results) => results.is_none(),
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
        let reported = match (template.format, &finished.results) {
            (Format::Tap, results) => {
                batch::parse_tap(results.as_deref().unwrap_or_default(), &asked)
            }
            (Format::Junit, Some(xml)) => match batch::parse_junit(xml) {
                Ok(reported) => reported,
                // A runner killed while writing leaves half a file: no results.
                Err(_) if !ended.passed() => Vec::new(),
                Err(e) => {
                    return Err(ConfigError::new(format!(
                        "cannot read the JUnit XML the batch command '{}' wrote: {e}",
                        template.template
                    ))
                    .into());
                }
            },
            (Format::Junit, None) if ended.passed() => {
                return Err(ConfigError::new(format!(
                    "the batch command '{}' exited 0 but wrote no JUnit XML at {{junit}}: put \
                     {{junit}} where the runner takes its report path (pytest: \
                     --junitxml={{junit}})",
                    template.template
                ))
                .into());
            }
            (Format::Junit, None) => Vec::new(),
        };
        let attributed = batch::attribute(&asked, reported, ended, template.format == Format::Tap)
            .map_err(|m| self.order_error(template, &m))?;
        if attributed.unattributed {
            let mut said = format!(
                "smoke: the batch ended ({ended}) after {} of {} results and before any \
                 failure, and {} does not say which test was running; the tests after the last \
                 result did not run. Its output is below; per-test mode (--mode per-test) shows \
                 which test crashes.\n",
                attributed.results.len(),
                sequence.len(),
                match template.format {
                    Format::Junit => "its JUnit XML",
                    Format::Tap => "its TAP",
                }
            )
            .into_bytes();
            said.extend_from_slice(&finished.output);
            run.executed += attributed.results.len();
            self.reporter.handle(&Event::HookFailed {
                hook: Hook::Batch,
                command: &template.template,
                outcome: ended,
                output: &said,
            })?;
            run.stop = Some(Stop::HookFailed(Hook::Batch));
            return Ok(());
        }
        // Formats without times (TAP) share the batch's time evenly.
        let count = u32::try_from(attributed.results.len().max(1)).unwrap_or(u32::MAX);
        let share = finished.duration / count;
        let mut tests_time = Duration::ZERO;
        for (position, (outcome, duration, output)) in attributed.results.into_iter().enumerate() {
            let test = sequence[position];
            let name = self.names.shown(test);
            let duration = duration.unwrap_or(share);
            tests_time += duration;
            self.reporter.handle(&Event::TestStarted {
                test: name,
                position,
                length: sequence.len(),
            })?;
            self.reporter.handle(&Event::TestFinished {
                purpose,
                test: name,
                position,
                length: sequence.len(),
                outcome,
                duration,
                output: &output,
            })?;
            self.note_outcome(test, outcome, ctx, purpose, position);
            run.executed += 1;
            run.durations.push(duration);
            if !outcome.passed() {
                run.failed += 1;
                if run.failure.is_none() {
                    // The runner's words about the test; its own output if it said nothing.
                    let (output, dropped) = if output.is_empty() {
                        (finished.output.clone(), finished.dropped)
                    } else {
                        (output, 0)
                    };
                    run.failure = Some(Failed {
                        position,
                        test,
                        outcome,
                        output,
                        dropped,
                    });
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
            self.reporter.handle(&Event::HookFailed {
                hook: Hook::Batch,
                command: &template.template,
                outcome: ended,
                output: &note,
            })?;
            run.stop = Some(Stop::HookFailed(Hook::Batch));
        }
        Ok(())
    }

    /// Remember passes: that any test passed, and where each first passed in an iteration.
    fn note_outcome(
        &mut self,
        test: TestId,
        outcome: Outcome,
        ctx: Context,
        purpose: Purpose,
        position: usize,
    ) {
        if outcome.passed() {
            self.any_passed = true;
            if purpose == Purpose::Iteration {
                self.first_pass.entry(test).or_insert((ctx, position));
            }
        }
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
    fn run_hook(&mut self, hook: Hook, ctx: Context, spent: &mut Duration) -> Result<Option<Stop>> {
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
        let finished = self.exec.run(&Job {
            script: command,
            args: Vec::new(),
            env: ctx.env(None),
            label: &label,
            kill_leftovers: false,
            timeout: self.config.timeout,
            collect: Collect::Nothing,
        })?;
        *spent += finished.duration;
        if self.interrupt.is_raised() && hook == Hook::Setup {
            return Ok(Some(Stop::Interrupted));
        }
        if finished.outcome.passed() {
            return Ok(None);
        }
        self.reporter.handle(&Event::HookFailed {
            hook,
            command,
            outcome: finished.outcome,
            output: &finished.output,
        })?;
        Ok(Some(Stop::HookFailed(hook)))
    }
}

/// What the shell means by exit 126 and 127.
fn not_runnable(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Fail { code: 126 } => "found but not executable",
        _ => "command not found",
    }
}

/// Runs shrink candidates: a candidate reproduces only when its last test (the victim) fails
/// with the same outcome and, with `--match`, output that matches. Another test failing first
/// is not a reproduction.
struct RunOracle<'r, 'a> {
    runner: &'r mut Runner<'a>,
    ctx: Context,
    expected: Outcome,
    stop: Option<Stop>,
    error: Option<anyhow::Error>,
}

impl Oracle for RunOracle<'_, '_> {
    fn probe(&mut self, candidate: &[TestId]) -> Answer {
        let stop = Answer {
            probe: Probe::Stop,
            executed: 0,
        };
        let run = match self
            .runner
            .run_sequence(candidate, self.ctx, Purpose::Candidate)
        {
            Ok(run) => run,
            Err(error) => {
                self.error = Some(error);
                return stop;
            }
        };
        if let Some(why) = run.stop {
            self.stop = Some(why);
            return Answer {
                executed: run.executed,
                ..stop
            };
        }
        let probe = match run.failure {
            Some(f)
                if f.position == candidate.len() - 1
                    && f.outcome == self.expected
                    && self.runner.matches(&f.output) =>
            {
                Probe::Fails
            }
            _ => Probe::Passes,
        };
        Answer {
            probe,
            executed: run.executed,
        }
    }

    fn reduced(&mut self, step: &Reduction, sequence: &[TestId]) {
        if self.error.is_some() {
            return;
        }
        let event = Event::Reduced {
            reduction: *step,
            sequence: self.runner.to_names(sequence),
        };
        if let Err(error) = self.runner.reporter.handle(&event) {
            self.error = Some(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use crate::exec::fake::FakeExecutor;
    use crate::model::Classification;
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
    /// ran (label, `$1`) and the logs it opened.
    struct Driven {
        summary: Summary,
        report: RunReport,
        ran: Vec<(String, Option<String>)>,
        logs: Vec<PathBuf>,
    }

    /// Run smoke (or bug mode, with `--bug-mode` in `args`) over the fake executor; the test
    /// names are appended to `args` and all are selected. `outcome` decides each job; `interrupt`
    /// may be raised from it.
    fn drive(
        args: &[&str],
        names: &[&str],
        interrupt: &Interrupt,
        outcome: impl FnMut(&Job) -> Outcome,
    ) -> Driven {
        let mut argv = args.to_vec();
        argv.extend_from_slice(names);
        let config = config(&argv);
        let names = TestNames::new(names.iter().map(std::ffi::OsString::from).collect());
        let selection: Vec<TestId> = (0..names.len()).collect();
        let mut exec = FakeExecutor::new(outcome);
        let mut reporter = recording();
        let log = |n: usize| PathBuf::from(format!("r.failure-{n}.log"));
        let mut runner = Runner::new(&config, &names, &mut exec, &mut reporter, interrupt, &log);
        let summary = if config.bug_mode {
            runner.bug_mode(&selection)
        } else {
            runner.smoke(&selection)
        }
        .expect("runs");
        Driven {
            summary,
            report: reporter.0.report().clone(),
            ran: exec.ran,
            logs: exec.logs,
        }
    }

    /// Run smoke mode where `fails(tests run since the last setup)` decides each test.
    fn run_fake(
        args: &[&str],
        names: &[&str],
        mut fails: impl FnMut(&[String]) -> Outcome,
    ) -> (Summary, RunReport, Vec<(String, Option<String>)>) {
        let mut since_setup: Vec<String> = Vec::new();
        let d = drive(args, names, &Interrupt::new(), |job: &Job| match arg(job) {
            None => {
                if job.label == "(setup)" {
                    since_setup.clear();
                }
                Outcome::Pass
            }
            Some(test) => {
                since_setup.push(test.to_string());
                fails(&since_setup)
            }
        });
        (d.summary, d.report, d.ran)
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
        let (summary, report, _) =
            run_fake(&["--setup", "x", "-n", "6"], &TESTS, polluted("p", "v"));
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
        let (summary, report, _) =
            run_fake(&["--setup", "x", "-n", "8"], &TESTS, polluted("p", "v"));
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
    fn a_verbose_rerun_that_passes_makes_the_failure_flaky_and_counts_in_the_rate() {
        let args = ["--setup", "x", "--order", "rotate", "--times", "1"];
        // v fails after p, except on its `spare`-th polluted run.
        let drive_with = |spare: usize| {
            let mut polluted_runs = 0;
            run_fake(&args, &TESTS, move |ran: &[String]| {
                let last = ran.last().expect("a test ran");
                if last == "v" && ran.iter().any(|t| t == "p") {
                    polluted_runs += 1;
                    if polluted_runs != spare {
                        return Outcome::Fail { code: 1 };
                    }
                }
                Outcome::Pass
            })
            .1
        };
        let steady = drive_with(0);
        let f = &steady.failures[0];
        assert_eq!(f.classification, Some(Classification::OrderDependent));
        assert_eq!(f.rerun.as_deref(), Some("exit 1"));
        assert_eq!(f.reproduced.failed, f.reproduced.runs);
        // The polluted runs of v: the original, the shrink's, and the rerun last.
        let runs = f.reproduced.runs as usize;

        let flaky = drive_with(runs);
        let f = &flaky.failures[0];
        assert_eq!(f.rerun.as_deref(), Some("ok"));
        assert_eq!(f.classification, Some(Classification::Flaky));
        assert_eq!(
            (f.reproduced.failed, f.reproduced.runs),
            (runs as u32 - 1, runs as u32)
        );
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
    fn a_failure_that_does_not_come_back_is_flaky() {
        let mut calls = 0;
        let (_, report, _) = run_fake(
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
        assert_eq!(
            report.failures[0].classification,
            Some(Classification::Flaky)
        );
        assert_eq!(report.failures[0].minimal.len(), 7);
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
        let last_failing = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
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
                    *seen.borrow_mut() = since_setup.clone();
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
        let best = last_failing.borrow().clone();
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
        let (_, report, _) = run_fake(
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
        let f = &report.failures[0];
        assert_eq!(f.minimal, ["v"]);
        assert_eq!(f.classification, Some(Classification::LeftoverState));
        assert!(!f.proven_minimal, "never verified");
        let hint = f.hint.as_deref().expect("a hint");
        assert!(hint.contains("survives between sequences"), "{hint}");
    }

    #[test]
    fn a_test_that_needs_a_test_before_it_stays_fails_alone() {
        // v passes only right after s (s sets its state up). Repeat: s s v v, the second v
        // fails. Alone it fails too; run again where it passed (s s v), it passes: nothing
        // survives setup, it just needs s.
        let (_, report, ran) = run_fake(
            &["--setup", "x", "--order", "repeat", "--times", "2"],
            &["s", "v"],
            |ran: &[String]| {
                let before = &ran[..ran.len() - 1];
                match ran.last().expect("ran").as_str() {
                    "v" if before.last().map(String::as_str) != Some("s") => {
                        Outcome::Fail { code: 1 }
                    }
                    _ => Outcome::Pass,
                }
            },
        );
        let f = &report.failures[0];
        assert_eq!(f.classification, Some(Classification::FailsAlone));
        assert!(f.proven_minimal);
        assert_eq!(f.hint, None);
        let mut sequences: Vec<Vec<&str>> = Vec::new();
        for (label, test) in &ran {
            match test {
                None if label == "(setup)" => sequences.push(Vec::new()),
                Some(test) => sequences.last_mut().expect("setup first").push(test),
                None => {}
            }
        }
        assert!(
            sequences.contains(&vec!["s", "s", "v"]),
            "the check ran the iteration again up to where v passed: {sequences:?}"
        );
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
}
