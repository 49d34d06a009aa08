//! Orchestration: the controller. It plans each iteration, hands sequences to workers, shrinks
//! each failure, and is the only one that talks to the reporters, so the report stays ordered
//! and has one writer. cargo-nextest's runner is the model: a dispatcher that decides
//! (`Controller`), executors that run (`worker`), and one stream of typed messages between them
//! (`messages`).
//!
//! - **Workers** (`--jobs N`, threads) each own an [`Executor`] and run whole sequences
//!   (iterations, shrink candidates, checks, verbose reruns), one at a time, sending
//!   `Progress` messages as they go. They decide nothing.
//! - **Shrinks** run the pure shrinker on a thread each (`shrink`); every candidate it wants is a
//!   request to the controller, which runs it on a free worker like any other sequence.
//! - **The controller** runs units in a fixed priority (the oldest failure's work first, then
//!   the next iteration), and hands out new work only once every shrink has said what it wants
//!   next, so with `--jobs 1` the run is exactly the one-process-at-a-time run: each failure is
//!   shrunk before the next iteration starts. Iterations are reported in index order whatever
//!   worker finishes first; a failure waits while an earlier failure of the same test is being
//!   shrunk, so that it can be recognised as that failure again instead of shrunk twice.
//!
//! Never prints and never spawns by itself: processes go through [`Executor`]s, words through a
//! [`Reporter`], so the whole loop runs in tests on fake executors.

mod failure;
mod messages;
mod shrink;
#[cfg(test)]
mod tests;
mod verdict;
mod worker;

use crate::config::Config;
use crate::control::Driver;
use crate::exec::Executor;
use crate::interrupt::{self, Interrupt};
use crate::model::{TestId, TestNames};
use crate::order;
use crate::reduce::{Costs, Probe};
use crate::report::{Event, IterationStatus, Mode, Purpose, Reporter};
use crate::shell;
use anyhow::Result;
use failure::{Failure, Known};
use messages::{Context, Look, Msg, Progress, SequenceRun, Stop, Tag, Unit};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;
use worker::Worker;
pub use worker::early_fork_plan;

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

/// How one run of a sequence ended in `smoke replay`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// Why the run stopped short (`interrupted`, `setup failed`), if it did.
    pub stopped: Option<String>,
    /// The first test that failed, if one did.
    pub failed: Option<ReplayFailure>,
    /// What the state probes saw (the first run of each sequence, when probes are set).
    pub probe: Option<crate::probe::ProbeRecord>,
    /// What smoke's helper inside the runner saw each test change (the first run of each
    /// sequence, in batch mode with pytest, rspec or jest).
    pub state: Option<crate::probe::state::StateDiff>,
}

/// The first test that failed in a replayed run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayFailure {
    /// Its position in the sequence.
    pub position: usize,
    pub test: TestId,
    pub outcome: crate::model::Outcome,
    /// The end of its output.
    pub output: Vec<u8>,
}

/// A stopped run taken up again (`smoke resume`): what it had done.
#[derive(Clone, Debug, Default)]
pub struct Resume {
    /// Iterations that ended, not to run again.
    pub done: std::collections::BTreeSet<u32>,
    /// Its failures in report order: failure id `i` is the report's failure `i`.
    pub failures: Vec<ResumedFailure>,
}

/// A failure of a stopped run.
#[derive(Clone, Debug)]
pub struct ResumedFailure {
    pub iteration: u32,
    pub seed: u64,
    pub victim: TestId,
    pub outcome: crate::model::Outcome,
    /// Its minimal sequence, or (unfinished) its shortest failing sequence so far; the victim
    /// last.
    pub sequence: Vec<TestId>,
    /// Its shrink did not end: shrink it again from `sequence`.
    pub unfinished: bool,
    /// The end of its output, as recorded.
    pub output: Vec<u8>,
}

/// An executor a worker owns: it runs on that worker's thread.
pub type WorkerExecutor<'a> = Box<dyn Executor + Send + 'a>;

/// Runs a suite for one [`Config`].
pub struct Runner<'a> {
    config: &'a Config,
    names: &'a TestNames,
    executors: Vec<WorkerExecutor<'a>>,
    reporter: &'a mut dyn Reporter,
    interrupt: &'a Interrupt,
    log_path: &'a dyn Fn(usize) -> PathBuf,
    driver: Option<&'a mut dyn Driver>,
}

impl<'a> Runner<'a> {
    /// A runner for the suite `names` (as resolved) under `config`, with one worker per
    /// executor (at least one). `log_path(n)` names the verbose-rerun log of the n-th unique
    /// failure.
    pub fn new(
        config: &'a Config,
        names: &'a TestNames,
        executors: Vec<WorkerExecutor<'a>>,
        reporter: &'a mut dyn Reporter,
        interrupt: &'a Interrupt,
        log_path: &'a dyn Fn(usize) -> PathBuf,
    ) -> Self {
        assert!(!executors.is_empty(), "a run needs at least one worker");
        Runner {
            config,
            names,
            executors,
            reporter,
            interrupt,
            log_path,
            driver: None,
        }
    }

    /// Let `driver` choose each iteration's tests (`--controller`, `--control-dir`); the run
    /// must have one worker. Shrinking and the other sequences run as for any order.
    pub fn driven_by(mut self, driver: &'a mut dyn Driver) -> Self {
        assert_eq!(self.executors.len(), 1, "a driven run has one worker");
        self.driver = Some(driver);
        self
    }

    /// Smoke mode: the iterations, shrinking each failure.
    pub fn smoke(self, selection: &[TestId]) -> Result<Summary> {
        Ok(self
            .drive(Mode::Smoke, selection, None, Resume::default())?
            .0)
    }

    /// `smoke resume`: a stopped run's unfinished shrinks, then the iterations it had not done,
    /// with their own seeds.
    pub fn resume(self, selection: &[TestId], resume: Resume) -> Result<Summary> {
        Ok(self.drive(Mode::Smoke, selection, None, resume)?.0)
    }

    /// Bug mode: setup once, each test once in order without stopping, teardown.
    pub fn bug_mode(self, selection: &[TestId]) -> Result<Summary> {
        Ok(self
            .drive(Mode::BugMode, selection, None, Resume::default())?
            .0)
    }

    /// `smoke replay`: run each of `sequences` `runs` times (setup and teardown around each
    /// run), shrinking nothing, and say how each run ended, by sequence. With `probe`, the
    /// first run of each is probed (the state probes, smoke's helper inside the runner). No run
    /// events reach the reporters, only the sequences' progress.
    pub fn replay(
        self,
        sequences: Vec<Vec<TestId>>,
        runs: u32,
        probe: bool,
    ) -> Result<(Vec<Vec<Replayed>>, Option<i32>)> {
        let (summary, replayed) = self.drive(
            Mode::Smoke,
            &[],
            Some((sequences, runs, probe)),
            Resume::default(),
        )?;
        Ok((replayed, summary.interrupted))
    }

    /// Start the workers, run the controller to the end, and stop them.
    fn drive(
        self,
        mode: Mode,
        selection: &[TestId],
        replay: Option<(Vec<Vec<TestId>>, u32, bool)>,
        resume: Resume,
    ) -> Result<(Summary, Vec<Vec<Replayed>>)> {
        let Runner {
            config,
            names,
            executors,
            reporter,
            interrupt,
            log_path,
            mut driver,
        } = self;
        let cancel = AtomicBool::new(false);
        few_heap_arenas(executors.len());
        let (to_controller, inbox) = mpsc::channel();
        // A signal wakes the controller even when it waits with nothing running (every shrink
        // waiting for an answer): one signal always ends the run.
        let woken = to_controller.clone();
        let _wake = interrupt.wake(move || {
            let _ = woken.send(Msg::Interrupted);
        });
        std::thread::scope(|scope| {
            let mut workers = Vec::new();
            for (i, exec) in executors.into_iter().enumerate() {
                let (hand, units) = mpsc::channel();
                let worker = Worker {
                    warned: std::collections::HashSet::new(),
                    number: i + 1,
                    config,
                    names,
                    exec,
                    interrupt,
                    cancel: &cancel,
                    to_controller: to_controller.clone(),
                    fresh: None,
                    file_probe: crate::probe::files::FileProbe::default(),
                    // Shortened to the workers' lifetime (a coercion, as `&mut` cannot shorten it).
                    driver: driver.take().map(|d| -> &mut dyn Driver { d }),
                    look: messages::Look::No,
                };
                // A panic (a bug) is reported to the controller as an error of the unit, and
                // must not take the whole run down when the threads are joined.
                let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        worker.serve(units)
                    }));
                });
                if let Err(e) = spawned {
                    // Hanging up on the workers started so far ends them.
                    return Err(anyhow::anyhow!(
                        "cannot start worker {} of {}: {e} (the machine's limit on threads or \
                         memory); run fewer --jobs",
                        i + 1,
                        config.jobs
                    ));
                }
                workers.push(hand);
            }
            let mut controller = Controller {
                config,
                names,
                reporter,
                interrupt,
                log_path,
                cancel: &cancel,
                mode,
                selection,
                to_controller,
                workers,
                free: Vec::new(),
                running: 0,
                next_iteration: 1,
                planned: HashMap::new(),
                finished: BTreeMap::new(),
                started: VecDeque::new(),
                failures: Vec::new(),
                queue: VecDeque::new(),
                ahead: VecDeque::new(),
                thinking: 0,
                known: Vec::new(),
                numbered: 0,
                first_pass: HashMap::new(),
                any_passed: false,
                counts: Counts::default(),
                bug_run: None,
                replaying: replay.is_some(),
                replayed: Vec::new(),
                to_start: Vec::new(),
                error: None,
                done_before: resume.done,
                resumed: Vec::new(),
                driven: HashMap::new(),
                ended_by_driver: false,
                baseline: if mode == Mode::Smoke && replay.is_none() {
                    Baseline::Wanted
                } else {
                    Baseline::Unwanted
                },
                solo_running: false,
            };
            controller.resumed = controller.resume_failures(resume.failures);
            // The earlier part's failures hold the numbers before (see `ReportFiles::log_path`).
            controller.numbered = controller.known.len();
            controller.free = (0..controller.workers.len()).rev().collect();
            if let Some((sequences, runs, probe)) = replay {
                controller.queue_replays(sequences, runs, probe);
            }
            let result = controller
                .run(scope, inbox)
                .map(|summary| (summary, std::mem::take(&mut controller.replayed)));
            // Hanging up ends the workers' loops and any shrink still waiting for an answer.
            drop(controller);
            result
        })
    }
}

/// With many workers, let glibc's malloc share a few arenas among the threads instead of
/// reserving one (64 MiB of address space) per thread: under a limit on address space
/// (`ulimit -v`, a container's) the threads' arenas would use it up before a thread could
/// start, and a failed allocation aborts the process, where a thread that cannot start is a
/// clear error (exit 2). The workers mostly wait for processes and seldom allocate at the
/// same time; the cost of sharing was not measured.
fn few_heap_arenas(workers: usize) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if workers > 8 {
        // SAFETY: mallopt only sets a malloc parameter; any value is valid for M_ARENA_MAX.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = workers;
}

/// Counters for the summary.
#[derive(Default)]
struct Counts {
    failures: usize,
    unmatched: usize,
    hook_failures: usize,
}

/// The controller's state; see the module docs.
struct Controller<'c, 'a> {
    config: &'a Config,
    names: &'a TestNames,
    reporter: &'c mut dyn Reporter,
    interrupt: &'a Interrupt,
    log_path: &'a dyn Fn(usize) -> PathBuf,
    cancel: &'c AtomicBool,
    mode: Mode,
    selection: &'c [TestId],
    to_controller: Sender<Msg>,
    /// Where each worker takes its units.
    workers: Vec<Sender<Unit>>,
    /// Workers with nothing to do (indexes into `workers`, the lowest last).
    free: Vec<usize>,
    /// Units handed out and not yet done.
    running: usize,
    /// The next iteration to start.
    next_iteration: u32,
    /// The sequences of started iterations not yet reported.
    planned: HashMap<u32, Vec<TestId>>,
    /// Finished iterations waiting for the ones before them to be reported.
    finished: BTreeMap<u32, SequenceRun>,
    /// Started iterations not yet reported, in the order they are reported.
    started: VecDeque<u32>,
    /// Every failure found, by id.
    failures: Vec<Failure>,
    /// Failure work waiting for a worker, oldest first.
    queue: VecDeque<Unit>,
    /// Shrink candidates to run ahead of time when a worker is free, likeliest first.
    ahead: VecDeque<Unit>,
    /// Shrinks that are working out what to try next (not waiting for an answer).
    thinking: usize,
    known: Vec<Known>,
    /// Failure numbers given so far (for the logs' names; see `Failure::unique`). A number is
    /// never given twice: a log is created only where none is.
    numbered: usize,
    /// Where each test first passed in an iteration (its context and position): a test that
    /// later fails alone is run there again, to tell state that survives setup from a test that
    /// needs the tests before it.
    first_pass: HashMap<TestId, (Context, usize)>,
    /// Whether any test has passed in this run.
    any_passed: bool,
    counts: Counts,
    bug_run: Option<SequenceRun>,
    /// `smoke replay`: no run events, only the recorded sequences.
    replaying: bool,
    /// How each run of each replayed sequence ended.
    replayed: Vec<Vec<Replayed>>,
    /// Waiting failures to try to start again (an earlier one of the same test is done).
    to_start: Vec<usize>,
    /// The error that stops the run, once one happened.
    error: Option<anyhow::Error>,
    /// A resumed run: the iterations done before, not to run again.
    done_before: std::collections::BTreeSet<u32>,
    /// A resumed run: the failures whose shrinks start again first.
    resumed: Vec<usize>,
    /// The sequences driven iterations ran (a driver chose them), by iteration: what a check
    /// runs again.
    driven: HashMap<u32, Vec<TestId>>,
    /// The driver said `stop`: no further iteration starts.
    ended_by_driver: bool,
    /// The suite folder's files after the first setup, to tell a test that fails alone from
    /// one that trips over what an earlier sequence left.
    baseline: Baseline,
    /// A unit that must run with nothing beside it is running.
    solo_running: bool,
}

/// Where the run's look at the suite folder is.
enum Baseline {
    /// Not wanted: `smoke replay`, bug mode.
    Unwanted,
    /// The next iteration takes it.
    Wanted,
    /// Iteration `index` is taking it; nothing else starts until it is taken, so that no test
    /// has run when it is.
    Taking(u32),
    /// Taken (`None`: that iteration's setup failed or a signal came first).
    Taken(Option<Box<crate::probe::suite::SuiteLook>>),
}

impl<'c, 'a: 'c> Controller<'c, 'a> {
    /// The whole run: start, hand out work until there is none, finish.
    fn run<'s>(
        &mut self,
        scope: &'s std::thread::Scope<'s, '_>,
        inbox: Receiver<Msg>,
    ) -> Result<Summary> {
        let c = self.config;
        let (times, iterations) = match self.mode {
            Mode::Smoke => (c.times, c.iterations),
            Mode::BugMode => (1, 1),
        };
        if !self.replaying {
            self.report(&Event::RunStarted {
                mode: self.mode,
                tests: self.selection.len(),
                order: c.order,
                times,
                iterations,
                seed: c.seed,
                seed_given: c.seed_given,
                jobs: self.workers.len(),
            });
        }
        for id in std::mem::take(&mut self.resumed) {
            self.start(scope, id);
        }
        if self.mode == Mode::BugMode && !self.replaying {
            self.queue.push_back(Unit {
                tag: Tag::BugMode,
                sequence: self.selection.to_vec(),
                ctx: Context {
                    iteration: 1,
                    seed: c.seed,
                },
                purpose: Purpose::BugMode,
                log: None,
                probe: false,
                look: Look::No,
                solo: false,
            });
        }
        loop {
            // Hand out work only when every shrink has said what it wants next: the choice is
            // then the same however fast the threads are.
            if self.thinking == 0 {
                self.dispatch();
            }
            if self.running == 0 && self.thinking == 0 && self.queue.is_empty() {
                break;
            }
            let Ok(msg) = inbox.recv() else {
                break;
            };
            self.handle(scope, msg);
            // Starting one may close it (it is a known failure again), which wakes others.
            while !self.to_start.is_empty() {
                for id in std::mem::take(&mut self.to_start) {
                    self.start(scope, id);
                }
            }
        }
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let interrupted = self.interrupt.signal();
        if !self.replaying {
            self.report(&Event::RunFinished { interrupted });
        }
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        Ok(match self.bug_run.take() {
            Some(run) => Summary {
                failures: run.failed,
                unmatched: 0,
                hook_failures: usize::from(matches!(run.stop, Some(Stop::HookFailed(_)))),
                interrupted,
            },
            None => Summary {
                failures: self.counts.failures,
                unmatched: self.counts.unmatched,
                hook_failures: self.counts.hook_failures,
                interrupted,
            },
        })
    }

    /// Queue every run of every sequence to replay, sequence by sequence.
    fn queue_replays(&mut self, sequences: Vec<Vec<TestId>>, runs: u32, probe: bool) {
        self.replayed = vec![Vec::new(); sequences.len()];
        for (n, sequence) in sequences.into_iter().enumerate() {
            for run in 0..runs {
                self.queue.push_back(Unit {
                    tag: Tag::Replay(n),
                    sequence: sequence.clone(),
                    ctx: Context {
                        iteration: u32::try_from(n + 1).unwrap_or(u32::MAX),
                        seed: self.config.seed,
                    },
                    purpose: Purpose::Replay,
                    log: None,
                    // The first run of each sequence is probed, when asked (and probes or
                    // smoke's helper in the runner look).
                    probe: probe && run == 0,
                    look: Look::No,
                    solo: false,
                });
            }
        }
    }

    /// Whether to start nothing new: a signal, or an error.
    fn stopping(&self) -> bool {
        self.interrupt.is_raised() || self.error.is_some()
    }

    /// Give free workers work: failures' work first (oldest failure first), then shrink
    /// candidates ahead of time, then the next iteration.
    fn dispatch(&mut self) {
        // Nothing new starts once smoke is stopping: failure work waiting for a worker is
        // called off, and whoever waits for it told.
        if self.stopping() {
            self.ahead.clear();
            while let Some(unit) = self.queue.pop_front() {
                self.cancel(unit);
            }
        }
        while let Some(&worker) = self.free.last() {
            // Nothing starts beside a solo unit, nor before the first setup's look is taken.
            if self.solo_running || matches!(self.baseline, Baseline::Taking(_)) {
                return;
            }
            let solo = self.queue.front().is_some_and(|u| u.solo);
            if solo && self.running > 0 {
                // It waits for the others to end, and nothing new starts meanwhile.
                return;
            }
            self.solo_running = solo;
            let unit = match self.queue.pop_front() {
                Some(unit) => unit,
                None => match self.ahead.pop_front() {
                    Some(unit) => {
                        if let Tag::Ahead(id, n) = unit.tag {
                            self.ahead_started(id, n);
                        }
                        unit
                    }
                    None => match self.next_unit() {
                        Some(unit) => unit,
                        None => return,
                    },
                },
            };
            self.free.pop();
            self.running += 1;
            if self.workers[worker].send(unit).is_err() {
                // A worker thread that is gone panicked; nothing more can run there.
                self.running -= 1;
                self.fail(anyhow::anyhow!(
                    "worker {} stopped unexpectedly",
                    worker + 1
                ));
            }
        }
    }

    /// The next iteration to start, if there is one to start now.
    fn next_unit(&mut self) -> Option<Unit> {
        let c = self.config;
        // A shard runs its share of the iterations; indexes and seeds stay the whole run's.
        while self.next_iteration <= c.iterations
            && (!c.runs_iteration(self.next_iteration)
                || self.done_before.contains(&self.next_iteration))
        {
            self.next_iteration += 1;
        }
        // `smoke reproduce`: each iteration is one more try of the same order, so one waits
        // for the one before it and none follows a failure.
        let tried = c.until_found && (!self.started.is_empty() || self.counts.failures > 0);
        if self.mode != Mode::Smoke
            || self.replaying
            || self.stopping()
            || self.ended_by_driver
            || tried
            || self.next_iteration > c.iterations
        {
            return None;
        }
        let index = self.next_iteration;
        self.next_iteration += 1;
        self.started.push_back(index);
        let seed = order::iteration_seed(c.seed, index);
        let sequence = order::plan(c.order, self.selection, c.times, index, c.seed);
        let look = if matches!(self.baseline, Baseline::Wanted) {
            self.baseline = Baseline::Taking(index);
            Look::Baseline
        } else {
            Look::No
        };
        self.report(&Event::IterationStarted {
            index,
            seed,
            length: sequence.len(),
        });
        self.planned.insert(index, sequence.clone());
        Some(Unit {
            tag: Tag::Iteration(index),
            sequence,
            ctx: Context {
                iteration: index,
                seed,
            },
            purpose: Purpose::Iteration,
            log: None,
            probe: false,
            look,
            solo: false,
        })
    }

    fn handle<'s>(&mut self, scope: &'s std::thread::Scope<'s, '_>, msg: Msg) {
        match msg {
            Msg::Progress { worker, progress } => self.progress(worker, progress),
            Msg::Done {
                worker,
                tag,
                length,
                result,
            } => {
                self.running -= 1;
                if self.running == 0 {
                    self.solo_running = false;
                }
                self.free.push(worker - 1);
                self.free.sort_unstable_by(|a, b| b.cmp(a));
                match result {
                    Ok(run) => self.done(scope, tag, length, run),
                    Err(error) => self.fail(error),
                }
            }
            Msg::Probe { id, candidate } => self.probe(id, candidate),
            Msg::Prefetch { id, candidates } => self.prefetch(id, candidates),
            Msg::Reduced { id, step, sequence } => {
                let sequence = self.to_names(&sequence);
                self.report(&Event::Reduced {
                    id,
                    reduction: step,
                    sequence,
                });
            }
            Msg::Shrunk { id, shrunk } => self.shrink_ended(id, shrunk),
            Msg::Lost { id } => self.shrink_lost(id),
            Msg::Interrupted => self.interrupted(),
        }
    }

    /// A worker's progress, as report events.
    fn progress(&mut self, worker: usize, progress: Progress) {
        let names = self.names;
        match progress {
            Progress::SequenceStarted {
                purpose,
                length,
                batch,
            } => self.report(&Event::SequenceStarted {
                purpose,
                length,
                batch,
            }),
            Progress::TestStarted {
                test,
                position,
                length,
            } => self.report(&Event::TestStarted {
                worker,
                test: names.shown(test),
                position,
                length,
            }),
            Progress::TestFinished {
                purpose,
                test,
                position,
                length,
                outcome,
                duration,
                output,
            } => self.report(&Event::TestFinished {
                purpose,
                test: names.shown(test),
                position,
                length,
                outcome,
                duration,
                output: &output,
            }),
            Progress::TestInterrupted {
                purpose,
                test,
                duration,
            } => self.report(&Event::TestInterrupted {
                purpose,
                test: names.shown(test),
                duration,
            }),
            Progress::HookFailed {
                hook,
                iteration,
                command,
                outcome,
                output,
            } => self.report(&Event::HookFailed {
                hook,
                iteration,
                command: &command,
                outcome,
                output: &output,
            }),
            Progress::Warning(text) => self.report(&Event::Warning { text: &text }),
            Progress::Baseline(snapshot) => self.baseline = Baseline::Taken(Some(snapshot)),
        }
    }

    /// A unit finished.
    fn done<'s>(
        &mut self,
        scope: &'s std::thread::Scope<'s, '_>,
        tag: Tag,
        length: usize,
        run: SequenceRun,
    ) {
        if !run.passed.is_empty() {
            self.any_passed = true;
        }
        match tag {
            Tag::Iteration(index) => {
                if matches!(self.baseline, Baseline::Taking(i) if i == index) {
                    // Its setup failed, or a signal came first: there is no baseline.
                    self.baseline = Baseline::Taken(None);
                }
                self.finished.insert(index, run);
                while let Some(&next) = self.started.front() {
                    let Some(run) = self.finished.remove(&next) else {
                        break;
                    };
                    self.started.pop_front();
                    self.iteration_done(scope, next, run);
                }
            }
            Tag::Candidate(id) => self.candidate_done(id, length, &run),
            Tag::Ahead(id, n) => self.ahead_done(id, n, length, &run),
            Tag::Check(id) => self.check_done(id, length, &run),
            Tag::Confirm(id) => self.confirm_done(id, length, run),
            Tag::Rerun(id) => self.finish(id, Some(run)),
            Tag::BugMode => self.bug_run = Some(run),
            Tag::Replay(n) => {
                let replayed = Replayed {
                    stopped: run.stop.map(Stop::describe),
                    failed: run.failure.map(|f| ReplayFailure {
                        position: f.position,
                        test: f.test,
                        outcome: f.outcome,
                        output: f.output,
                    }),
                    probe: run.probe.map(|p| *p),
                    state: run.state.map(|s| *s),
                };
                self.replayed[n].push(replayed);
            }
        }
    }

    /// Report iteration `index`, and start handling its failure.
    fn iteration_done<'s>(
        &mut self,
        scope: &'s std::thread::Scope<'s, '_>,
        index: u32,
        mut run: SequenceRun,
    ) {
        let planned = self.planned.remove(&index).unwrap_or_default();
        let driven = run.driven.take();
        let sequence = driven.clone().unwrap_or(planned);
        if let Some(driven) = &driven {
            self.driven.insert(index, driven.clone());
        }
        self.ended_by_driver |= run.end_run;
        let driver_error = run.driver_error.take();
        let seed = order::iteration_seed(self.config.seed, index);
        let ctx = Context {
            iteration: index,
            seed,
        };
        for &position in &run.passed {
            self.first_pass
                .entry(sequence[position])
                .or_insert((ctx, position));
        }
        let matched = run.failure.as_ref().is_none_or(|f| self.matches(&f.output));
        let status = match (run.stop, &run.failure) {
            _ if driver_error.is_some() => IterationStatus::DriverFailed,
            (Some(Stop::Interrupted), _) => IterationStatus::Interrupted,
            (Some(Stop::HookFailed(hook)), _) => IterationStatus::HookFailed(hook),
            (None, None) if run.end_run => IterationStatus::Stopped,
            (None, None) => IterationStatus::Passed,
            (None, Some(_)) if matched => IterationStatus::Failed,
            (None, Some(_)) => IterationStatus::Unmatched,
        };
        let names = self.names;
        self.report(&Event::IterationFinished {
            index,
            seed,
            length: sequence.len(),
            executed: run.executed,
            failed: run
                .failure
                .as_ref()
                .map(|f| (names.shown(f.test), f.outcome)),
            status,
            output: run
                .failure
                .as_ref()
                .filter(|_| status == IterationStatus::Unmatched)
                .map(|f| f.output.as_slice()),
            duration: run.durations.iter().sum::<Duration>() + run.hooks,
            driven: driven.as_deref().map(|d| self.to_names(d)),
        });
        if let Some(error) = driver_error {
            self.fail(error);
            return;
        }
        match status {
            IterationStatus::Unmatched => self.counts.unmatched += 1,
            IterationStatus::HookFailed(_) => self.counts.hook_failures += 1,
            _ => {}
        }
        let (IterationStatus::Failed, Some(failed)) = (status, run.failure) else {
            return;
        };
        let costs = |position: usize| Costs {
            tests: run.durations[..position]
                .iter()
                .map(Duration::as_secs_f64)
                .collect(),
            per_run: (run.durations[position] + run.hooks).as_secs_f64(),
        };
        self.counts.failures += 1;
        let first_costs = costs(failed.position);
        let failing = sequence[..=failed.position].to_vec();
        let first = self.found(scope, ctx, failed, failing, first_costs, None);
        // A batch runs on past its first failure: each later one is a failure of its own,
        // handled once the first is (so the first's polluters can be tried on it first: one
        // polluter often breaks several tests).
        for later in run.later_failures {
            if !self.matches(&later.output) {
                continue;
            }
            self.counts.failures += 1;
            let later_costs = costs(later.position);
            let failing = sequence[..=later.position].to_vec();
            self.found(scope, ctx, later, failing, later_costs, Some(first));
        }
    }

    /// Stop the run on `error`: start nothing more, cut running commands short, let every
    /// shrink end, and report the error when all has stopped.
    fn fail(&mut self, error: anyhow::Error) {
        if self.error.is_none() {
            self.error = Some(error);
        }
        self.cancel.store(true, Ordering::SeqCst);
        interrupt::kill_running_groups();
        self.queue.clear();
        self.ahead.clear();
        // Shrinks waiting for an answer stop now; the others at their next question.
        for id in 0..self.failures.len() {
            self.answer(id, Probe::Stop, 0);
        }
    }

    /// Hand an event to the reporters; one that cannot be written stops the run.
    fn report(&mut self, event: &Event) {
        if let Err(error) = self.reporter.handle(event) {
            self.fail(error);
        }
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
}
