//! A failure's life in the controller, from found to shrunk: it waits while an earlier
//! failure of the same test is handled (it may be that one again), is recognised as a known one
//! (its sequence, a flaky test, a victim of many interchangeable polluters) or shrunk (the shrink
//! runs on a thread of its own and asks for each candidate; spare workers run the candidates it
//! says are likely next). What comes after the shrink (confirmation, leftover-state checks, the
//! verbose rerun, the report) is `verdict`'s. Each step is a unit of work the controller hands
//! to a worker like any other; this module decides only what the failure needs next.

use super::messages::{Context, Failed, Look, Reply, SequenceRun, Stop, Tag, Unit};
use super::{Controller, shrink};
use crate::model::{Classification, Outcome, TestId};
use crate::reduce::{self, Answer, Costs, Limits, Probe, Shrunk};
use crate::report::{Again, Event, Purpose};
use std::sync::mpsc::{self, Sender};

/// A shrink candidate run ahead of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ahead {
    /// Waiting for a free worker.
    Queued,
    /// On a worker.
    Running,
    /// Its answer, waiting for the question.
    Done(Answer),
    /// Asked for, or given up.
    Used,
}

/// A unique failure found earlier in the run.
pub(super) struct Known {
    /// Its failure id (the report's handle on it).
    pub(super) id: usize,
    pub(super) victim: TestId,
    pub(super) outcome: Outcome,
    pub(super) minimal: Vec<TestId>,
    /// Its test fails now and then whatever ran before it: any later failure of it the same
    /// way is this one again.
    pub(super) flaky: bool,
}

/// Where a failure is in its handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// An earlier failure of the same test, failing the same way, is still being handled: this
    /// one may turn out to be that one again.
    Waiting,
    /// Its shrink is running.
    Shrinking,
    /// Its shrink's result is being run again before it is called verified.
    Confirming,
    /// Its test is being run again where it first passed.
    Checking,
    /// Its verbose rerun is running.
    Rerunning,
    /// Reported (as new, or as an earlier one again), or stopped.
    Done,
}

/// Where a failure's verbose rerun is. A confirmation's first run of the minimal sequence is
/// the verbose rerun (see `verdict`); without a confirmation it runs after the checks.
#[derive(Debug, Default)]
pub(super) enum Verbose {
    /// Not run (yet).
    #[default]
    NotRun,
    /// Handed to a worker as the confirmation's first run.
    Confirming,
    /// Ran as the confirmation's first run: counted there, reported with the failure, never run
    /// again.
    Ran(Box<SequenceRun>),
}

/// One failure being handled: found in an iteration, then shrunk, checked, rerun, reported.
pub(super) struct Failure {
    pub(super) ctx: Context,
    pub(super) victim: TestId,
    pub(super) outcome: Outcome,
    /// The failing sequence as first run, ending with the victim.
    pub(super) failing: Vec<TestId>,
    pub(super) output: Vec<u8>,
    pub(super) costs: Costs,
    pub(super) phase: Phase,
    /// Where the shrink's answers go.
    pub(super) reply: Option<Sender<Reply>>,
    /// The shrink asked for a candidate and waits for the answer.
    pub(super) awaiting: bool,
    /// The candidate it asked for, when that one is already running ahead of time.
    pub(super) waiting_on: Option<usize>,
    /// Candidates run ahead of time (the shrink said they are likely next), by index in
    /// [`Tag::Ahead`], and how far each is.
    ahead: Vec<(Vec<TestId>, Ahead)>,
    /// Test executions of runs ahead of time that the shrink never asked for.
    pub(super) wasted: u64,
    /// Why a candidate run stopped the shrink.
    pub(super) stop: Option<Stop>,
    pub(super) shrunk: Option<Shrunk>,
    pub(super) classification: Option<Classification>,
    pub(super) leftover: bool,
    /// Its number for the log's name (1-based), given when its verbose rerun is first handed
    /// out or when it settles as a unique failure, whichever comes first; 0 before.
    pub(super) unique: usize,
    /// The failure ids behind the causes its shrink tried first, in the order given.
    pub(super) cause_ids: Vec<usize>,
    /// A failure to wait for: the first failure of the same batch.
    pub(super) after: Option<usize>,
    /// The confirmation of its shrink's result, while it runs and after.
    pub(super) confirm: Option<reduce::confirm::Confirm>,
    /// Candidate runs and test executions of a first shrink, redone on one worker alone.
    pub(super) extra_tries: usize,
    pub(super) extra_executions: u64,
    /// The confirmation's runs so far.
    pub(super) confirmation: crate::report::Confirmation,
    /// Its verbose rerun, when it is (or was) the confirmation's first run.
    pub(super) verbose: Verbose,
    /// Its shrink runs on one worker with nothing beside it: the first shrink, run beside other
    /// workers, gave this result (names), which did not hold up alone.
    pub(super) solo: Option<Vec<String>>,
    /// What changed in the suite folder between the first setup and its run alone, when
    /// something did (described): it may trip over what an earlier sequence left.
    pub(super) changed_files: Option<String>,
    /// Its confirmation was cut short (a signal): not verified.
    pub(super) unconfirmed: bool,
}

impl Failure {
    /// A failure of `victim` (`outcome`) in the iteration of `ctx`, at the end of `failing`,
    /// waiting to be handled.
    fn new(
        ctx: Context,
        victim: TestId,
        outcome: Outcome,
        failing: Vec<TestId>,
        costs: Costs,
    ) -> Self {
        Failure {
            ctx,
            victim,
            outcome,
            failing,
            output: Vec::new(),
            costs,
            phase: Phase::Waiting,
            reply: None,
            awaiting: false,
            waiting_on: None,
            ahead: Vec::new(),
            wasted: 0,
            stop: None,
            shrunk: None,
            classification: None,
            leftover: false,
            unique: 0,
            cause_ids: Vec::new(),
            after: None,
            confirm: None,
            extra_tries: 0,
            extra_executions: 0,
            confirmation: crate::report::Confirmation::default(),
            verbose: Verbose::NotRun,
            solo: None,
            changed_files: None,
            unconfirmed: false,
        }
    }
}

impl<'c, 'a: 'c> Controller<'c, 'a> {
    /// A failure was found in the iteration of `ctx`: report it, and start handling it (once
    /// failure `after` is handled, if given). Returns its id.
    pub(super) fn found<'s>(
        &mut self,
        scope: &'s std::thread::Scope<'s, '_>,
        ctx: Context,
        failed: Failed,
        failing: Vec<TestId>,
        costs: Costs,
        after: Option<usize>,
    ) -> usize {
        let names = self.names;
        let id = self.failures.len();
        self.report(&Event::FailureFound {
            id,
            iteration: ctx.iteration,
            seed: ctx.seed,
            test: names.shown(failed.test),
            outcome: failed.outcome,
            original: self.to_names(&failing),
            output: &failed.output,
            dropped: failed.dropped,
        });
        let mut failure = Failure::new(ctx, failed.test, failed.outcome, failing, costs);
        failure.output = failed.output;
        failure.after = after;
        self.failures.push(failure);
        self.start(scope, id);
        id
    }

    /// A stopped run's failures, taken up again (`smoke resume`): failure id `i` is `failures[i]`.
    /// Finished ones are known (a later failure holding one is that one again); the others
    /// are returned, to be shrunk again from their shortest failing sequence so far.
    pub(super) fn resume_failures(&mut self, failures: Vec<super::ResumedFailure>) -> Vec<usize> {
        let mut unfinished = Vec::new();
        for (id, r) in failures.into_iter().enumerate() {
            if r.unfinished {
                unfinished.push(id);
            } else {
                self.known.push(Known {
                    id,
                    victim: r.victim,
                    outcome: r.outcome,
                    minimal: r.sequence.clone(),
                    flaky: false,
                });
            }
            let prefix = r.sequence.len().saturating_sub(1);
            let ctx = Context {
                iteration: r.iteration,
                seed: r.seed,
            };
            // What each test cost is not in the report: alike.
            let costs = Costs {
                tests: vec![1.0; prefix],
                per_run: 1.0,
            };
            let mut failure = Failure::new(ctx, r.victim, r.outcome, r.sequence, costs);
            failure.output = r.output;
            if !r.unfinished {
                failure.phase = Phase::Done;
            }
            self.failures.push(failure);
        }
        unfinished
    }

    /// Candidate `n` of failure `id`, run ahead of time, is on a worker now.
    pub(super) fn ahead_started(&mut self, id: usize, n: usize) {
        self.failures[id].ahead[n].1 = Ahead::Running;
    }

    /// A candidate the shrink of failure `id` asked for ran.
    pub(super) fn candidate_done(&mut self, id: usize, length: usize, run: &SequenceRun) {
        let probe = self.verdict(id, length, run);
        self.answer(id, probe, run.executed);
    }

    /// Candidate `n` of failure `id`, run ahead of time, ran: answer the shrink if it asked for
    /// it meanwhile, else keep the answer for when it does.
    pub(super) fn ahead_done(&mut self, id: usize, n: usize, length: usize, run: &SequenceRun) {
        let probe = self.verdict(id, length, run);
        let answer = Answer {
            probe,
            executed: run.executed,
        };
        let f = &mut self.failures[id];
        if f.waiting_on == Some(n) {
            f.waiting_on = None;
            self.answer(id, probe, run.executed);
        } else if f.ahead[n].1 == Ahead::Running && f.phase == Phase::Shrinking {
            f.ahead[n].1 = Ahead::Done(answer);
        } else {
            f.wasted += run.executed as u64;
        }
    }

    /// The shrink of failure `id` asks for `candidate`: answer from a run made ahead of time,
    /// or queue it.
    pub(super) fn probe(&mut self, id: usize, candidate: Vec<TestId>) {
        self.thinking -= 1;
        self.failures[id].awaiting = true;
        if self.stopping() {
            if self.interrupt.is_raised() {
                self.failures[id].stop = Some(Stop::Interrupted);
            }
            self.answer(id, Probe::Stop, 0);
            return;
        }
        // Run ahead of time already? Its answer is ready, or will be.
        let f = &mut self.failures[id];
        if let Some(n) = f.ahead.iter().position(|(c, _)| *c == candidate) {
            match f.ahead[n].1 {
                Ahead::Done(answer) => {
                    f.ahead[n].1 = Ahead::Used;
                    self.answer(id, answer.probe, answer.executed);
                    return;
                }
                Ahead::Running => {
                    f.ahead[n].1 = Ahead::Used;
                    f.waiting_on = Some(n);
                    return;
                }
                Ahead::Queued | Ahead::Used => {
                    f.ahead[n].1 = Ahead::Used;
                    self.ahead.retain(|u| u.tag != Tag::Ahead(id, n));
                }
            }
        }
        let f = &self.failures[id];
        self.queue.push_back(Unit {
            tag: Tag::Candidate(id),
            sequence: candidate,
            ctx: f.ctx,
            purpose: Purpose::Candidate,
            log: None,
            probe: false,
            look: Look::No,
            solo: f.solo.is_some(),
        });
    }

    /// The shrink of failure `id` panicked (a bug) while working out its next question: stop
    /// the run with an error rather than wait for it.
    pub(super) fn shrink_lost(&mut self, id: usize) {
        self.thinking -= 1;
        let iteration = self.failures[id].ctx.iteration;
        self.fail(anyhow::anyhow!(
            "the shrink of the failure found in iteration {iteration} stopped unexpectedly (a \
             bug in smoke: please report it with this report)"
        ));
        self.close(id);
    }

    /// The shrink of failure `id` ended.
    pub(super) fn shrink_ended(&mut self, id: usize, shrunk: Shrunk) {
        self.thinking -= 1;
        let f = &mut self.failures[id];
        f.reply = None;
        f.awaiting = false;
        // What ran ahead of time and was never asked for was spent all the same.
        for (_, state) in &mut f.ahead {
            if let Ahead::Done(answer) = *state {
                f.wasted += answer.executed as u64;
            }
            *state = Ahead::Used;
        }
        self.ahead
            .retain(|u| !matches!(u.tag, Tag::Ahead(a, _) if a == id));
        self.shrunk(id, shrunk);
    }

    /// Start handling failure `id`, unless an earlier failure of the same test, failing the
    /// same way, is still being handled: then it waits, to be recognised as that one again.
    pub(super) fn start<'s>(&mut self, scope: &'s std::thread::Scope<'s, '_>, id: usize) {
        let f = &self.failures[id];
        // Only a waiting failure starts: one that two closed failures both woke is started
        // once, and a second shrink of the same failure would wait forever for its answers.
        if f.phase != Phase::Waiting {
            return;
        }
        let busy = self.failures[..id]
            .iter()
            .any(|e| e.phase != Phase::Done && e.victim == f.victim && e.outcome == f.outcome)
            || f.after
                .is_some_and(|a| self.failures[a].phase != Phase::Done);
        if busy {
            return;
        }
        if self.stopping() {
            self.unshrunk(id);
            return;
        }
        let (victim, outcome) = (f.victim, f.outcome);
        let prefix = f.failing[..f.failing.len() - 1].to_vec();
        let prefix = &prefix;
        // A prefix that holds a known minimal sequence of this failure, in order, is that
        // failure again: no need to shrink it again. So is any failure of a test known to be
        // flaky, failing the same way.
        if let Some(of) = self.known.iter().find(|k| {
            k.victim == victim
                && k.outcome == outcome
                && (k.flaky || reduce::contains_in_order(prefix, &k.minimal[..k.minimal.len() - 1]))
        }) {
            let (of, again) = (
                of.id,
                if of.flaky {
                    Again::Flaky
                } else {
                    Again::Sequence
                },
            );
            self.repeated(id, of, 0, 0, again);
            return;
        }
        // A test that already fails after several different polluters has interchangeable
        // ones (a fixture, a module they all import): one more is that group again.
        let polluted: Vec<&Known> = self
            .known
            .iter()
            .filter(|k| k.victim == victim && k.outcome == outcome && k.minimal.len() > 1)
            .collect();
        if polluted.len() >= crate::report::MANY_POLLUTERS {
            let of = polluted[0].id;
            self.repeated(id, of, 0, 0, Again::ManyPolluters);
            return;
        }
        // What broke other tests may well be what broke this one: try those first, cheapest
        // first (one run each), before narrowing.
        let mut causes: Vec<(Vec<TestId>, usize)> = Vec::new();
        for k in &self.known {
            let polluters = k.minimal[..k.minimal.len() - 1].to_vec();
            if !polluters.is_empty()
                && k.victim != victim
                && !causes.iter().any(|(c, _)| *c == polluters)
            {
                causes.push((polluters, k.id));
            }
        }
        causes.sort_by_key(|(c, _)| c.len());
        let (causes, cause_ids): (Vec<_>, Vec<_>) = causes.into_iter().unzip();
        self.failures[id].cause_ids = cause_ids;
        let f = &self.failures[id];
        let request = shrink::Request {
            causes,
            id,
            prefix: prefix.clone(),
            victim,
            costs: f.costs.clone(),
            limits: Limits {
                retries: self.config.retries,
                max_executions: self.config.max_reduce,
            },
            method: reduce::Method {
                reducer: self.config.reduce,
                seed: f.ctx.seed,
            },
        };
        let (reply, replies) = mpsc::channel();
        let f = &mut self.failures[id];
        f.reply = Some(reply);
        f.phase = Phase::Shrinking;
        self.thinking += 1;
        let to_controller = self.to_controller.clone();
        // A panic (a bug) is reported to the controller by the shrink itself, and must not
        // take the whole run down when the threads are joined.
        let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                shrink::run(request, to_controller, replies)
            }));
        });
        if let Err(e) = spawned {
            self.thinking -= 1;
            let iteration = self.failures[id].ctx.iteration;
            self.fail(anyhow::anyhow!(
                "cannot start a thread to shrink the failure found in iteration {iteration}: {e} \
                 (the machine's limit on threads or memory); run fewer --jobs"
            ));
            self.close(id);
        }
    }

    /// Failure `id` cannot be shrunk: a signal came first. Report it as found, not reduced, and
    /// why (an error that stops the run reports itself).
    pub(super) fn unshrunk(&mut self, id: usize) {
        if self.interrupt.is_raised() {
            let f = &self.failures[id];
            let event = Event::FailureShrunk {
                id,
                same_cause: None,
                classification: None,
                minimal: self.to_names(&f.failing),
                tries: 0,
                executions: 0,
                proven: false,
                reproduced: reduce::Rate { failed: 1, runs: 1 },
                stopped_by: Some(Stop::Interrupted.describe()),
                replay: self.replay_command(&f.failing),
                log: None,
                rerun: None,
                hint: None,
                confirmation: crate::report::Confirmation::default(),
            };
            self.report(&event);
        }
        self.failures[id].phase = Phase::Done;
    }

    /// A signal came: every shrink waiting for an answer is told to stop now (work queued for
    /// a worker is called off at the next dispatch), so the run ends even when nothing runs.
    pub(super) fn interrupted(&mut self) {
        for id in 0..self.failures.len() {
            if self.failures[id].awaiting {
                self.failures[id].stop = Some(Stop::Interrupted);
                self.answer(id, Probe::Stop, 0);
            }
        }
    }

    /// A unit of failure work that can no longer run (smoke is stopping): tell whoever waits
    /// for it.
    pub(super) fn cancel(&mut self, unit: Unit) {
        match unit.tag {
            Tag::Candidate(id) => {
                if self.interrupt.is_raised() {
                    self.failures[id].stop = Some(Stop::Interrupted);
                }
                self.answer(id, Probe::Stop, 0);
            }
            Tag::Check(id) => self.rerun(id),
            Tag::Confirm(id) => {
                let f = &mut self.failures[id];
                f.unconfirmed = true;
                if matches!(f.verbose, Verbose::Confirming) {
                    // The verbose rerun never started: it did not run.
                    f.verbose = Verbose::NotRun;
                }
                self.settled(id);
            }
            Tag::Rerun(id) => self.finish(id, None),
            Tag::Ahead(..) | Tag::Iteration(_) | Tag::BugMode | Tag::Replay(_) => {}
        }
    }

    /// Failure `id` is failure `of` again: counted there, not reported again.
    pub(super) fn repeated(
        &mut self,
        id: usize,
        of: usize,
        tries: usize,
        executions: u64,
        again: Again,
    ) {
        let iteration = self.failures[id].ctx.iteration;
        self.report(&Event::FailureRepeated {
            id,
            of,
            iteration,
            tries,
            executions,
            again,
        });
        self.close(id);
    }

    /// Failure `id` is handled: start any failure that was waiting for it.
    pub(super) fn close(&mut self, id: usize) {
        self.failures[id].phase = Phase::Done;
        let waiting =
            (id + 1..self.failures.len()).filter(|&w| self.failures[w].phase == Phase::Waiting);
        self.to_start.extend(waiting);
    }

    /// Whether a candidate of failure `id` reproduced it: only when its last test (the victim)
    /// failed with the same outcome and, with `--match`, output that matches. Another test
    /// failing first is not a reproduction; a run cut short stops the shrink.
    pub(super) fn verdict(&mut self, id: usize, length: usize, run: &SequenceRun) -> Probe {
        match (run.stop, &run.failure) {
            (Some(why), _) => {
                self.failures[id].stop = Some(why);
                Probe::Stop
            }
            (None, Some(failed))
                if failed.position + 1 == length
                    && failed.outcome == self.failures[id].outcome
                    && self.matches(&failed.output) =>
            {
                Probe::Fails
            }
            (None, _) => Probe::Passes,
        }
    }

    /// The shrink of failure `id` says what it will likely ask next: queue those candidates to
    /// run ahead of time on workers that would idle, dropping earlier guesses not yet started
    /// that it no longer makes. At most one per spare worker is kept waiting.
    pub(super) fn prefetch(&mut self, id: usize, candidates: Vec<Vec<TestId>>) {
        if self.stopping() || self.workers.len() < 2 || self.failures[id].solo.is_some() {
            return;
        }
        let f = &mut self.failures[id];
        for (candidate, state) in &mut f.ahead {
            if *state == Ahead::Queued && !candidates.contains(candidate) {
                *state = Ahead::Used;
            }
        }
        self.ahead.retain(|u| match u.tag {
            Tag::Ahead(a, n) => a != id || f.ahead[n].1 == Ahead::Queued,
            _ => true,
        });
        let spare = self.workers.len() - 1;
        for candidate in candidates.into_iter().take(spare) {
            if f.ahead.iter().any(|(c, _)| *c == candidate) {
                continue;
            }
            let n = f.ahead.len();
            self.ahead.push_back(Unit {
                tag: Tag::Ahead(id, n),
                sequence: candidate.clone(),
                ctx: f.ctx,
                purpose: Purpose::Candidate,
                log: None,
                probe: false,
                look: Look::No,
                solo: false,
            });
            f.ahead.push((candidate, Ahead::Queued));
        }
    }

    /// Answer the shrink of failure `id`, if it waits for an answer (once per question: a
    /// shrink told to stop early is not told again when its candidate ends).
    pub(super) fn answer(&mut self, id: usize, probe: Probe, executed: usize) {
        let f = &mut self.failures[id];
        if !f.awaiting {
            return;
        }
        f.awaiting = false;
        if let Some(reply) = &f.reply
            && reply.send(Answer { probe, executed }).is_ok()
        {
            self.thinking += 1;
        }
    }
}
