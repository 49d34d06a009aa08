//! A failure's life in the controller, from found to reported: it waits while an earlier
//! failure of the same test is handled (it may be that one again), is recognised as a known one
//! or shrunk (the shrink runs on a thread of its own and asks for each candidate; spare workers
//! run the candidates it says are likely next), is run again where its test first passed when it
//! fails alone (does state survive setup?), gets its verbose rerun, and is reported. Each step is
//! a unit of work the controller hands to a worker like any other; this module decides only what
//! the failure needs next.

use super::messages::{Context, Failed, Look, Reply, SequenceRun, Stop, Tag, Unit};
use super::worker::not_runnable;
use super::{Controller, shrink};
use crate::error::ConfigError;
use crate::model::{Classification, Outcome, TestId};
use crate::order;
use crate::reduce::{self, Answer, Costs, Halt, Limits, Probe, Shrunk};
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
    id: usize,
    victim: TestId,
    outcome: Outcome,
    minimal: Vec<TestId>,
    /// Its test fails now and then whatever ran before it: any later failure of it the same
    /// way is this one again.
    flaky: bool,
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

/// One failure being handled: found in an iteration, then shrunk, checked, rerun, reported.
pub(super) struct Failure {
    ctx: Context,
    victim: TestId,
    outcome: Outcome,
    /// The failing sequence as first run, ending with the victim.
    failing: Vec<TestId>,
    output: Vec<u8>,
    costs: Costs,
    phase: Phase,
    /// Where the shrink's answers go.
    reply: Option<Sender<Reply>>,
    /// The shrink asked for a candidate and waits for the answer.
    awaiting: bool,
    /// The candidate it asked for, when that one is already running ahead of time.
    waiting_on: Option<usize>,
    /// Candidates run ahead of time (the shrink said they are likely next), by index in
    /// [`Tag::Ahead`], and how far each is.
    ahead: Vec<(Vec<TestId>, Ahead)>,
    /// Test executions of runs ahead of time that the shrink never asked for.
    wasted: u64,
    /// Why a candidate run stopped the shrink.
    stop: Option<Stop>,
    shrunk: Option<Shrunk>,
    classification: Option<Classification>,
    leftover: bool,
    /// Its number among the unique failures (for the log's name), once it is one.
    unique: usize,
    /// The failure ids behind the causes its shrink tried first, in the order given.
    cause_ids: Vec<usize>,
    /// A failure to wait for: the first failure of the same batch.
    after: Option<usize>,
    /// The confirmation of its shrink's result, while it runs and after.
    confirm: Option<reduce::confirm::Confirm>,
    /// Candidate runs and test executions of a first shrink, redone on one worker alone.
    extra_tries: usize,
    extra_executions: u64,
    /// The confirmation's runs so far.
    confirmation: crate::report::Confirmation,
    /// Its shrink runs on one worker with nothing beside it: the first shrink, run beside other
    /// workers, gave this result (names), which did not hold up alone.
    solo: Option<Vec<String>>,
    /// What changed in the suite folder between the first setup and its run alone, when
    /// something did (described): it may trip over what an earlier sequence left.
    changed_files: Option<String>,
    /// Its confirmation was cut short (a signal): not verified.
    unconfirmed: bool,
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

    /// Failure `id`'s test ran again where it first passed: if it failed there now, the state
    /// after setup has changed since (leftover state).
    pub(super) fn check_done(&mut self, id: usize, length: usize, run: &SequenceRun) {
        let outcome = self.failures[id].outcome;
        let leftover = run.stop.is_none()
            && run
                .failure
                .as_ref()
                .is_some_and(|f| f.position + 1 == length && f.outcome == outcome);
        self.failures[id].leftover = leftover;
        if leftover {
            self.failures[id].classification = Some(Classification::LeftoverState);
        }
        self.rerun(id);
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
    fn unshrunk(&mut self, id: usize) {
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
                self.failures[id].unconfirmed = true;
                self.settled(id);
            }
            Tag::Rerun(id) => self.finish(id, None),
            Tag::Ahead(..) | Tag::Iteration(_) | Tag::BugMode | Tag::Replay(_) => {}
        }
    }

    /// Failure `id` is failure `of` again: counted there, not reported again.
    fn repeated(&mut self, id: usize, of: usize, tries: usize, executions: u64, again: Again) {
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
    fn close(&mut self, id: usize) {
        self.failures[id].phase = Phase::Done;
        let waiting =
            (id + 1..self.failures.len()).filter(|&w| self.failures[w].phase == Phase::Waiting);
        self.to_start.extend(waiting);
    }

    /// Whether a candidate of failure `id` reproduced it: only when its last test (the victim)
    /// failed with the same outcome and, with `--match`, output that matches. Another test
    /// failing first is not a reproduction; a run cut short stops the shrink.
    fn verdict(&mut self, id: usize, length: usize, run: &SequenceRun) -> Probe {
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

    /// The shrink of failure `id` ended: stop on a runner that cannot run, count it on an
    /// earlier failure with the same minimal sequence, or go on to the check and the rerun.
    fn shrunk(&mut self, id: usize, shrunk: Shrunk) {
        let f = &self.failures[id];
        let (victim, outcome) = (f.victim, f.outcome);
        let not_found = matches!(outcome, Outcome::Fail { code: 126 | 127 });
        if not_found
            && shrunk.classification == Some(Classification::FailsAlone)
            && !self.any_passed
            && self.error.is_none()
        {
            // Nothing has passed yet and the first failure is the shell's "cannot run": the
            // run template is broken, not the test. Every test would fail the same way.
            let name = self.names.shown(victim);
            let error = ConfigError::new(format!(
                "the run command cannot run the tests: '{name}' ended with {outcome} ({}) \
                 even alone, and no test has passed; check the run template '{}' and PATH. \
                 It printed:\n{}",
                not_runnable(outcome),
                self.config.execution.template(),
                String::from_utf8_lossy(&f.output).trim_end()
            ));
            self.fail(error.into());
            self.failures[id].phase = Phase::Done;
            return;
        }
        if let Some(of) = self
            .known
            .iter()
            .find(|k| k.victim == victim && k.outcome == outcome && k.minimal == shrunk.minimal)
        {
            let of = of.id;
            self.repeated(id, of, shrunk.tries, shrunk.executions, Again::Sequence);
            return;
        }
        let stopping = self.stopping();
        let f = &mut self.failures[id];
        f.classification = shrunk.classification;
        // A proven result is run again before it is called verified (see `reduce::confirm`);
        // with several workers, on one worker alone. A fails-alone result's first run also
        // looks at the suite folder, to compare it with the first setup's.
        let confirm = shrunk.proven_minimal()
            && matches!(
                shrunk.classification,
                Some(Classification::OrderDependent | Classification::FailsAlone)
            );
        // A failure the shrink found flaky (it did not come back) gets its rate measured.
        let measure =
            shrunk.halted.is_none() && shrunk.classification == Some(Classification::Flaky);
        let minimal = shrunk.minimal.clone();
        f.shrunk = Some(shrunk);
        if confirm && !stopping {
            f.confirm = Some(reduce::confirm::Confirm::new(minimal));
        } else if measure && !stopping {
            f.confirm = Some(reduce::confirm::Confirm::rate_only(minimal));
        }
        if f.confirm.is_some() {
            f.phase = Phase::Confirming;
            self.confirm_next(id);
        } else {
            self.settled(id);
        }
    }

    /// Queue the next run the confirmation of failure `id` wants, or settle it.
    fn confirm_next(&mut self, id: usize) {
        let f = &self.failures[id];
        let Some(check) = f.confirm.as_ref().and_then(reduce::confirm::Confirm::next) else {
            self.confirmed(id);
            return;
        };
        let first = f.confirm.as_ref().is_some_and(|c| c.rate().runs == 0);
        let baseline = matches!(self.baseline, super::Baseline::Taken(Some(_)));
        let look = if first && baseline && f.classification == Some(Classification::FailsAlone) {
            Look::Keep
        } else {
            Look::No
        };
        let ctx = f.ctx;
        let solo = self.workers.len() > 1;
        self.queue.push_back(Unit {
            tag: Tag::Confirm(id),
            sequence: check.sequence,
            ctx,
            purpose: Purpose::Confirm,
            log: None,
            probe: false,
            look,
            solo,
        });
    }

    /// A confirming run of failure `id` ended.
    pub(super) fn confirm_done(&mut self, id: usize, length: usize, run: SequenceRun) {
        if run.stop.is_some() {
            self.failures[id].stop = run.stop;
            self.failures[id].unconfirmed = true;
            self.settled(id);
            return;
        }
        let failed = self.verdict(id, length, &run) == Probe::Fails;
        if let (Some(seen), super::Baseline::Taken(Some(before))) = (&run.look, &self.baseline)
            && !before.cut
            && !seen.cut
        {
            let mut changes = crate::probe::compare(before, seen, &Default::default());
            changes.retain(|c| !self.config.probes.state_ignored(&c.path));
            if !changes.is_empty() {
                const SHOWN: usize = 5;
                let shown: Vec<&crate::probe::FileChange> = changes.iter().take(SHOWN).collect();
                let mut said = crate::probe::describe_all(&shown);
                if changes.len() > SHOWN {
                    said.push_str(&format!(" and {} more", changes.len() - SHOWN));
                }
                self.failures[id].changed_files = Some(said);
            }
        }
        let alone = self.workers.len() > 1;
        let f = &mut self.failures[id];
        f.confirmation.runs += 1;
        f.confirmation.executions += run.executed as u64;
        f.confirmation.alone = alone;
        if let Some(confirm) = &mut f.confirm {
            confirm.record(failed);
        }
        self.confirm_next(id);
    }

    /// The confirmation of failure `id` ended: it held, or it did not. A result that did not
    /// hold up beside other workers is shrunk again on one worker alone; one that did not hold
    /// up alone is flaky, with its rate.
    fn confirmed(&mut self, id: usize) {
        let (stopping, workers, names) = (self.stopping(), self.workers.len(), self.names);
        let f = &mut self.failures[id];
        let disagreed = f
            .confirm
            .as_ref()
            .and_then(reduce::confirm::Confirm::disagreement)
            .is_some();
        if disagreed && workers > 1 && f.solo.is_none() && !stopping {
            let shrunk = f.shrunk.take();
            let first = shrunk
                .as_ref()
                .map(|s| s.minimal.clone())
                .unwrap_or_default();
            if let Some(s) = shrunk {
                f.extra_tries += s.tries;
                f.extra_executions += s.executions + f.wasted;
                f.wasted = 0;
            }
            f.solo = Some(first.iter().map(|&t| names.shown(t).to_string()).collect());
            f.confirm = None;
            f.classification = None;
            f.changed_files = None;
            f.phase = Phase::Waiting;
            self.to_start.push(id);
            return;
        }
        if disagreed {
            f.classification = Some(Classification::Flaky);
        }
        self.settled(id);
    }

    /// Failure `id`'s result is as sure as it gets: it is a unique failure now. A result that
    /// fails alone is checked against leftover state: the suite folder changed since the first
    /// setup, or its test passed earlier in this run (then that iteration runs again up to
    /// where it passed). Then the verbose rerun.
    fn settled(&mut self, id: usize) {
        let f = &self.failures[id];
        let (victim, outcome) = (f.victim, f.outcome);
        let minimal = f
            .shrunk
            .as_ref()
            .map(|s| s.minimal.clone())
            .unwrap_or_default();
        let flaky = f.classification == Some(Classification::Flaky);
        self.known.push(Known {
            id,
            victim,
            outcome,
            minimal,
            flaky,
        });
        let f = &mut self.failures[id];
        f.unique = self.known.len();
        let fails_alone = f.classification == Some(Classification::FailsAlone);
        if fails_alone && f.changed_files.is_some() {
            f.leftover = true;
            f.classification = Some(Classification::LeftoverState);
            self.rerun(id);
            return;
        }
        // It fails alone right after setup, yet it passed earlier in this run: run that
        // iteration again up to where it passed. If it fails there now, setup does not reset
        // what an earlier sequence left behind, and "fails alone" says nothing about it.
        let check = self.first_pass.get(&victim).copied();
        match check {
            Some((ctx, position)) if fails_alone && !self.stopping() => {
                let c = self.config;
                let mut sequence = match self.driven.get(&ctx.iteration) {
                    Some(driven) => driven.clone(),
                    None => order::plan(c.order, self.selection, c.times, ctx.iteration, c.seed),
                };
                sequence.truncate(position + 1);
                self.failures[id].phase = Phase::Checking;
                let solo = self.workers.len() > 1;
                self.queue.push_back(Unit {
                    tag: Tag::Check(id),
                    sequence,
                    ctx,
                    purpose: Purpose::Check,
                    log: None,
                    probe: false,
                    look: Look::No,
                    solo,
                });
            }
            _ => self.rerun(id),
        }
    }

    /// Run failure `id`'s minimal sequence once more with every command's output logged (the
    /// verbose rerun), unless it was not classified or smoke is stopping.
    fn rerun(&mut self, id: usize) {
        let f = &self.failures[id];
        if f.classification.is_none() || self.stopping() {
            self.finish(id, None);
            return;
        }
        let minimal = f
            .shrunk
            .as_ref()
            .map(|s| s.minimal.clone())
            .unwrap_or_default();
        let log = (self.log_path)(f.unique);
        let ctx = f.ctx;
        self.failures[id].phase = Phase::Rerunning;
        // Its result counts (a rerun that passes makes the failure flaky): alone, too.
        let solo = self.workers.len() > 1;
        self.queue.push_back(Unit {
            tag: Tag::Rerun(id),
            sequence: minimal,
            ctx,
            purpose: Purpose::Rerun,
            log: Some(log),
            probe: true,
            look: Look::No,
            solo,
        });
    }

    /// Report failure `id` as shrunk. `rerun` is its verbose rerun, if one ran.
    pub(super) fn finish(&mut self, id: usize, rerun: Option<SequenceRun>) {
        let Some(shrunk) = self.failures[id].shrunk.take() else {
            self.close(id);
            return;
        };
        let f = &self.failures[id];
        let (outcome, leftover) = (f.outcome, f.leftover);
        let mut classification = f.classification;
        let mut reproduced = shrunk.reproduced;
        // The confirmation's runs of the minimal sequence count in the rate too.
        if let Some(confirm) = &f.confirm {
            reproduced.failed += confirm.rate().failed;
            reproduced.runs += confirm.rate().runs;
        }
        // The verbose rerun is one more run of a failing sequence: it counts in the reproduction
        // rate, and a rerun that does not fail the same way makes the failure flaky.
        let (mut log, mut rerun_outcome) = (None, None);
        let mut probed = None;
        if let Some(run) = rerun {
            probed = run.probe.clone();
            log = Some((self.log_path)(f.unique));
            if run.stop.is_none() {
                let (how, again) = match &run.failure {
                    Some(failed) if failed.position + 1 == shrunk.minimal.len() => (
                        failed.outcome,
                        failed.outcome == outcome && self.matches(&failed.output),
                    ),
                    _ => (Outcome::Pass, false),
                };
                rerun_outcome = Some(how);
                reproduced.runs += 1;
                if again {
                    reproduced.failed += 1;
                } else if !leftover {
                    classification = Some(Classification::Flaky);
                }
            }
        }
        let stopped_by = match shrunk.halted {
            Some(Halt::Oracle) => f.stop.map(Stop::describe),
            Some(Halt::Budget) => Some(format!(
                "--max-reduce {}: the next candidate would have gone past it, after {} test \
                 execution(s)",
                self.config.max_reduce.unwrap_or_default(),
                shrunk.executions
            )),
            None => None,
        };
        let hint = self.hint(id, leftover);
        let same_cause = shrunk.cause.and_then(|i| f.cause_ids.get(i).copied());
        if let Some(probe) = &probed {
            self.report(&Event::StateProbed {
                id,
                probe: probe.as_ref(),
            });
        }
        let f = &self.failures[id];
        let event = Event::FailureShrunk {
            id,
            same_cause,
            classification,
            minimal: self.to_names(&shrunk.minimal),
            tries: shrunk.tries + f.extra_tries,
            executions: shrunk.executions + f.wasted + f.extra_executions,
            // Verified: proven 1-minimal by the shrink, and confirmed (held up when run again,
            // alone when workers run side by side), with no sign of leftover state.
            proven: shrunk.proven_minimal()
                && !leftover
                && !f.unconfirmed
                && classification != Some(Classification::Flaky),
            reproduced,
            stopped_by,
            replay: self.replay_command(&shrunk.minimal),
            log,
            rerun: rerun_outcome,
            hint,
            confirmation: f.confirmation,
        };
        self.report(&event);
        self.close(id);
    }

    /// What a result suggests beyond its classification.
    fn hint(&self, id: usize, leftover: bool) -> Option<String> {
        let f = &self.failures[id];
        let (victim, outcome) = (self.names.shown(f.victim), f.outcome);
        let setup = match &self.config.setup {
            Some(_) => "the setup command leaves it in place",
            None => "there is no setup command",
        };
        let mut hints = Vec::new();
        if let Some(first) = &f.solo {
            hints.push(format!(
                "with --jobs {} the first shrink, run beside the other workers, gave {}, which \
                 did not hold up on one worker alone: the workers share state (files, a \
                 database), so smoke shrank it again with nothing else running. Give each \
                 worker its own state ({{worker}} in setup, $SMOKE_WORKER) or use --workdir \
                 fresh",
                self.workers.len(),
                crate::shell::join(first)
            ));
        }
        if leftover && let Some(files) = &f.changed_files {
            hints.push(format!(
                "'{victim}' fails alone after setup, but the suite folder is not as the first \
                 setup left it: {files}. State left by an earlier sequence survives between \
                 sequences, and it may be what the test trips over, so \"fails alone\" is not \
                 verified. Make setup reset it ({setup}), run each sequence in a fresh working \
                 folder (--workdir fresh), or, for files nothing reads (a log), leave them out \
                 with state-ignore"
            ));
        } else if leftover {
            hints.push(format!(
                "'{victim}' passed earlier in this run but fails alone after setup now: state \
                 left by an earlier sequence (a file, a database row) survives between \
                 sequences. Make setup reset it ({setup}), or run each sequence in a fresh \
                 working folder; until then later failures may all be this one"
            ));
        } else if matches!(outcome, Outcome::Fail { code: 126 | 127 }) {
            hints.push(format!(
                "{outcome} is the shell's \"{}\": the test, or a program it calls, could not be \
                 run; check the run template '{}' and PATH",
                not_runnable(outcome),
                self.config.execution.template()
            ));
        }
        (!hints.is_empty()).then(|| hints.join("; "))
    }
}
