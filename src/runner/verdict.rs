//! A shrunk failure's way to its report: the confirmation of the shrink's result
//! (`reduce::confirm` decides the runs; with several workers they run alone), a shrink redone
//! on one worker when the result did not hold up beside others, the leftover-state checks of a
//! test that fails alone (the suite folder against the first setup's, and the iteration where it
//! first passed), the verbose rerun, and the `FailureShrunk` event with its proof and hint. Each
//! step is a unit the controller hands to a worker; this module decides only what comes next
//! and what the runs mean.
//!
//! The verbose rerun (every command's output logged, the state probes and smoke's helper in the
//! runner looking) is the confirmation's first run of the minimal sequence when there is a
//! confirmation: one of its failing runs, counted and judged like the others, not one more run
//! after them. Without a confirmation (smoke stopping, a result not proven, not classified, or
//! only its rate measured) it runs last, as its own run, and counts in the reproduction rate.

use super::Controller;
use super::failure::{Known, Phase, Verbose};
use super::messages::{Look, SequenceRun, Stop, Tag, Unit};
use super::worker::not_runnable;
use crate::error::ConfigError;
use crate::model::{Classification, Outcome};
use crate::order;
use crate::reduce::{self, Halt, Probe, Shrunk};
use crate::report::{Again, Event, Purpose};

impl<'c, 'a: 'c> Controller<'c, 'a> {
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

    /// The shrink of failure `id` ended: stop on a runner that cannot run, count it on an
    /// earlier failure with the same minimal sequence, or go on to the check and the rerun.
    pub(super) fn shrunk(&mut self, id: usize, shrunk: Shrunk) {
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
    pub(super) fn confirm_next(&mut self, id: usize) {
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
        // The first run of the minimal sequence is the verbose rerun: logged and probed.
        let verbose = matches!(f.verbose, Verbose::NotRun)
            && f.confirm
                .as_ref()
                .is_some_and(reduce::confirm::Confirm::is_first);
        let ctx = f.ctx;
        let solo = self.workers.len() > 1;
        let (purpose, log) = if verbose {
            let log = (self.log_path)(self.number(id));
            self.failures[id].verbose = Verbose::Confirming;
            (Purpose::Rerun, Some(log))
        } else {
            (Purpose::Confirm, None)
        };
        self.queue.push_back(Unit {
            tag: Tag::Confirm(id),
            sequence: check.sequence,
            ctx,
            purpose,
            probe: log.is_some(),
            log,
            look,
            solo,
        });
    }

    /// Failure `id`'s number for its log's name: the next one, the first time it is asked.
    fn number(&mut self, id: usize) -> usize {
        if self.failures[id].unique == 0 {
            self.numbered += 1;
            self.failures[id].unique = self.numbered;
        }
        self.failures[id].unique
    }

    /// A confirming run of failure `id` ended; when it was the verbose rerun, it is kept for
    /// the failure's report.
    pub(super) fn confirm_done(&mut self, id: usize, length: usize, mut run: SequenceRun) {
        let verbose = matches!(self.failures[id].verbose, Verbose::Confirming);
        if run.stop.is_some() {
            let f = &mut self.failures[id];
            f.stop = run.stop;
            f.unconfirmed = true;
            if verbose {
                // Cut short, as a verbose rerun after the confirmation would have been: its log
                // is reported, its result is not.
                f.verbose = Verbose::Ran(Box::new(run));
            }
            self.settled(id);
            return;
        }
        let failed = self.verdict(id, length, &run) == Probe::Fails;
        if let (Some(seen), super::Baseline::Taken(Some(before))) = (&run.look, &self.baseline)
            && let Some(changes) = crate::probe::suite::leftovers(before, seen)
            && !changes.is_empty()
        {
            const SHOWN: usize = 5;
            let shown: Vec<&crate::probe::FileChange> = changes.iter().take(SHOWN).collect();
            let mut said = crate::probe::describe_all(&shown);
            if changes.len() > SHOWN {
                said.push_str(&format!(" and {} more", changes.len() - SHOWN));
            }
            self.failures[id].changed_files = Some(said);
        }
        let alone = self.workers.len() > 1;
        let f = &mut self.failures[id];
        f.confirmation.runs += 1;
        f.confirmation.executions += run.executed as u64;
        f.confirmation.alone = alone;
        if verbose {
            f.confirmation.verbose_rerun = true;
            run.look = None;
            f.verbose = Verbose::Ran(Box::new(run));
        }
        if let Some(confirm) = &mut f.confirm {
            confirm.record(failed);
        }
        if verbose {
            self.log_finished(id);
        }
        self.confirm_next(id);
    }

    /// Failure `id`'s verbose rerun ran as a confirming run: its log is finished, though the
    /// failure is reported only after the runs that follow it.
    fn log_finished(&mut self, id: usize) {
        let log = (self.log_path)(self.failures[id].unique);
        self.report(&Event::LogFinished { id, log: &log });
    }

    /// The confirmation of failure `id` ended: it held, or it did not. A result that did not
    /// hold up beside other workers is shrunk again on one worker alone; one that did not hold
    /// up alone is flaky, with its rate.
    pub(super) fn confirmed(&mut self, id: usize) {
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
            if !matches!(f.verbose, Verbose::NotRun) {
                // Its verbose rerun ran the first shrink's result, which did not hold up: that
                // log stays as it is (it says so), and the result shrunk again gets a verbose
                // rerun of its own, in a log under a new number.
                f.verbose = Verbose::NotRun;
                f.confirmation.verbose_rerun = false;
                f.unique = 0;
            }
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
    pub(super) fn settled(&mut self, id: usize) {
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
        self.number(id);
        let f = &mut self.failures[id];
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
    /// verbose rerun), unless it ran already as the confirmation's first run, it was not
    /// classified, or smoke is stopping.
    pub(super) fn rerun(&mut self, id: usize) {
        if let Verbose::Ran(run) = std::mem::take(&mut self.failures[id].verbose) {
            self.finish(id, Some(*run));
            return;
        }
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
        let ctx = f.ctx;
        let log = (self.log_path)(self.number(id));
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

    /// Report failure `id` as shrunk. `rerun` is its verbose rerun, if one ran (on its own, or
    /// as the confirmation's first run).
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
        // A verbose rerun on its own is one more run of a failing sequence: it counts in the
        // reproduction rate, and a rerun that does not fail the same way makes the failure
        // flaky. One that was the confirmation's first run is counted, and judged, there.
        let confirming = f.confirmation.verbose_rerun;
        let (mut log, mut rerun_outcome) = (None, None);
        let (mut probed, mut inside) = (None, None);
        if let Some(run) = rerun {
            probed = run.probe.clone();
            inside = run.state.clone();
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
                if !confirming {
                    reproduced.runs += 1;
                    if again {
                        reproduced.failed += 1;
                    } else if !leftover {
                        classification = Some(Classification::Flaky);
                    }
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
        if let Some(state) = &inside {
            self.report(&Event::StateInside {
                id,
                state: state.as_ref(),
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
    pub(super) fn hint(&self, id: usize, leftover: bool) -> Option<String> {
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
