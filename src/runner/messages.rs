//! What the controller and its workers say to each other (cargo-nextest's
//! `internal_events.rs` is the model): the [`Unit`] of work a worker is handed, the [`Progress`]
//! it reports while running it, the [`SequenceRun`] it hands back, and the requests of the
//! shrinkers. Plain data: no I/O, no decisions.

use crate::model::{Hook, Outcome, TestId};
use crate::reduce::{Answer, Reduction, Shrunk};
use crate::report::Purpose;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::time::Duration;

/// Where a sequence runs: the iteration and its seed, handed to every command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Context {
    pub iteration: u32,
    pub seed: u64,
}

impl Context {
    /// The variables every command gets: `SMOKE_SEED`, `SMOKE_ITERATION`, `SMOKE_WORKER`, and
    /// for a test run on its own, `SMOKE_TEST`.
    pub fn env(self, worker: usize, test: Option<&OsStr>) -> Vec<(&'static str, OsString)> {
        let mut env = vec![
            ("SMOKE_SEED", self.seed.to_string().into()),
            ("SMOKE_ITERATION", self.iteration.to_string().into()),
            ("SMOKE_WORKER", worker.to_string().into()),
        ];
        env.extend(test.map(|t| ("SMOKE_TEST", t.to_owned())));
        env
    }

    /// The iteration a record of this sequence belongs to (bug mode has none).
    pub fn iteration_of(self, purpose: Purpose) -> Option<u32> {
        (purpose != Purpose::BugMode).then_some(self.iteration)
    }
}

/// What a unit is for, so the controller knows what its result answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tag {
    /// Iteration `index`'s sequence.
    Iteration(u32),
    /// A candidate of the shrink of failure `id`.
    Candidate(usize),
    /// Candidate `n` of failure `id`'s shrink, run ahead of time (likely asked next).
    Ahead(usize, usize),
    /// Failure `id`'s test again where it first passed (does state survive setup?).
    Check(usize),
    /// A run that confirms failure `id`'s shrink (its minimal sequence, or one single removal);
    /// the first run of the minimal sequence is its verbose rerun, logged and probed.
    Confirm(usize),
    /// Failure `id`'s verbose rerun, run on its own (its result was not confirmed).
    Rerun(usize),
    /// Bug mode's one pass.
    BugMode,
    /// A run of recorded sequence `n` in `smoke replay`.
    Replay(usize),
}

/// A sequence for a worker to run.
#[derive(Debug)]
pub(super) struct Unit {
    pub tag: Tag,
    pub sequence: Vec<TestId>,
    pub ctx: Context,
    pub purpose: Purpose,
    /// Log every command's whole output here (the verbose rerun).
    pub log: Option<PathBuf>,
    /// Run the state probes around its tests (the verbose rerun, a replay's first run).
    pub probe: bool,
    /// Look at the suite folder's files after setup, before the first test.
    pub look: Look,
    /// Run with nothing else running on any worker: what it says must not depend on what ran
    /// beside it (a confirmation, or a shrink redone on one worker).
    pub solo: bool,
}

/// Whether a unit looks at the suite folder after setup, and what for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Look {
    #[default]
    No,
    /// The run's baseline: said at once ([`Progress::Baseline`]), so the other workers can start.
    Baseline,
    /// Handed back with the run ([`SequenceRun::look`]).
    Keep,
}

/// What a worker says while it runs a unit; the controller turns it into report events.
#[derive(Debug)]
pub(super) enum Progress {
    SequenceStarted {
        purpose: Purpose,
        length: usize,
        batch: bool,
    },
    TestStarted {
        test: TestId,
        position: usize,
        length: usize,
    },
    TestFinished {
        purpose: Purpose,
        test: TestId,
        position: usize,
        length: usize,
        outcome: Outcome,
        duration: Duration,
        output: Vec<u8>,
    },
    TestInterrupted {
        purpose: Purpose,
        test: TestId,
        duration: Duration,
    },
    HookFailed {
        hook: Hook,
        iteration: Option<u32>,
        command: String,
        outcome: Outcome,
        output: Vec<u8>,
    },
    /// For the console and the report's warnings.
    Warning(String),
    /// The suite folder's files after the first setup, before any test: what later looks are
    /// compared with.
    Baseline(Box<crate::probe::suite::SuiteLook>),
}

/// Everything the controller hears, on one channel, in the order it happened.
pub(super) enum Msg {
    /// A worker's progress in its unit.
    Progress { worker: usize, progress: Progress },
    /// A worker finished its unit (`Err`: smoke itself could not go on).
    Done {
        worker: usize,
        tag: Tag,
        /// The length of the unit's sequence.
        length: usize,
        result: anyhow::Result<SequenceRun>,
    },
    /// The shrink of failure `id` asks for a candidate to be run.
    Probe { id: usize, candidate: Vec<TestId> },
    /// The shrink of failure `id` will likely ask for these next, likeliest first.
    Prefetch {
        id: usize,
        candidates: Vec<Vec<TestId>>,
    },
    /// The shrink of failure `id` found a shorter failing sequence.
    Reduced {
        id: usize,
        step: Reduction,
        sequence: Vec<TestId>,
    },
    /// The shrink of failure `id` ended.
    Shrunk { id: usize, shrunk: Shrunk },
    /// The shrink of failure `id` stopped without a result (a bug: it panicked).
    Lost { id: usize },
    /// A signal raised the interrupt flag: stop everything waiting, even with nothing running.
    Interrupted,
}

/// The controller's answer to a shrinker's [`Msg::Probe`].
pub(super) type Reply = Answer;

/// How one sequence went.
#[derive(Debug, Default)]
pub(super) struct SequenceRun {
    /// Tests run (interrupted ones not counted).
    pub executed: usize,
    /// The first failing test.
    pub failure: Option<Failed>,
    /// Why the sequence stopped short, if it did.
    pub stop: Option<Stop>,
    /// Tests that failed (bug mode runs past failures).
    pub failed: usize,
    /// How long each test that ran took, in order.
    pub durations: Vec<Duration>,
    /// What a run costs besides its tests: setup, teardown, and a batch runner's own time.
    pub hooks: Duration,
    /// The positions of the tests that passed.
    pub passed: Vec<usize>,
    /// Batch mode, and a driven sequence: the tests that failed after the first (the runner,
    /// or the driver, runs on past it).
    pub later_failures: Vec<Failed>,
    /// What the state probes saw, when the unit asked for them (boxed: most runs have none).
    pub probe: Option<Box<crate::probe::ProbeRecord>>,
    /// What smoke's helper in a batch runner saw each test change inside the runner's process,
    /// when the unit asked for probes.
    pub state: Option<Box<crate::probe::state::StateDiff>>,
    /// A driven iteration: the tests the driver chose, in the order they ran.
    pub driven: Option<Vec<TestId>>,
    /// The driver said `stop`: no further iteration starts.
    pub end_run: bool,
    /// The suite folder's files after setup, when the unit asked to keep them.
    pub look: Option<Box<crate::probe::suite::SuiteLook>>,
    /// The driver failed (a controller that crashed, said garbage or went silent): the
    /// iteration is reported as far as it got, then the run stops with this error.
    pub driver_error: Option<anyhow::Error>,
}

/// The first test that failed in a sequence.
#[derive(Debug)]
pub(super) struct Failed {
    pub position: usize,
    pub test: TestId,
    pub outcome: Outcome,
    /// The end of its output, and how many bytes before that were not kept.
    pub output: Vec<u8>,
    pub dropped: u64,
}

/// Why a sequence stopped short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stop {
    Interrupted,
    HookFailed(Hook),
}

impl Stop {
    /// As a shrink's `stopped_by` says it.
    pub fn describe(self) -> String {
        match self {
            Stop::Interrupted => "interrupted".to_string(),
            Stop::HookFailed(hook) => format!("{hook} failed"),
        }
    }
}
