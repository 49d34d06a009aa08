//! Pure: the confirmation of a shrink's result before smoke calls it verified.
//!
//! A shrink that ends "1-minimal" saw its minimal sequence fail and each single removal pass,
//! `--retries + 1` times each: with the default, once. A test that fails at random (30 % of
//! its runs, say) passes that proof often enough to be reported as an order bug with a bogus
//! polluter, and a sequence that failed because another worker touched the same files passes
//! it too. So the result is run again: the minimal sequence until it has failed [`FAILS`] more
//! times, then each single removal until it has passed [`PASSES`] more times, stopping at the
//! first run that disagrees. After a disagreement the result does not hold up: the minimal
//! sequence runs until it has run [`RATE_RUNS`] times here, to say how often it fails. A 30 %
//! failure survives the confirmation of a fails-alone or a pair with a chance below 1 %
//! (0.3^4); a test that fails most of its runs alone is, fairly, one that fails alone.
//!
//! This module decides what runs next and what the runs mean; the runner runs them (on one
//! worker, alone, when several work side by side). The runner makes the first run of the minimal
//! sequence ([`Confirm::is_first`]) its verbose rerun, logged in full and probed: that run is
//! one of the [`FAILS`], not one more.

use super::Rate;
use crate::model::TestId;

/// More failing runs the minimal sequence needs (beyond the shrink's) to be verified.
pub const FAILS: u32 = 4;
/// More passing runs each single removal needs.
pub const PASSES: u32 = 2;
/// Runs of the minimal sequence, in all, that measure its rate once the result did not hold.
pub const RATE_RUNS: u32 = 10;

/// What a confirming run is expected to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The victim fails the same way at the end.
    Fails,
    /// It does not.
    Passes,
}

/// One run the confirmation wants next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub sequence: Vec<TestId>,
    pub expect: Expect,
}

/// The run that did not go as the shrink said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disagreement {
    /// The minimal sequence passed.
    MinimalPassed,
    /// The minimal sequence without the test at this position failed the same way.
    RemovalFailed(usize),
}

/// Where the confirmation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Running the minimal sequence, expecting failures.
    Minimal,
    /// Running the minimal sequence without the test at this position, expecting passes.
    Removal(usize),
    /// It did not hold up: measuring the minimal sequence's rate.
    Rate,
    Done,
}

/// The confirmation of one minimal sequence (victim last).
#[derive(Clone, Debug)]
pub struct Confirm {
    minimal: Vec<TestId>,
    stage: Stage,
    /// Runs made in the current stage.
    in_stage: u32,
    /// Runs of the minimal sequence made here, and how many failed.
    rate: Rate,
    disagreement: Option<Disagreement>,
}

impl Confirm {
    /// Confirm `minimal`, the victim last.
    pub fn new(minimal: Vec<TestId>) -> Self {
        Confirm {
            minimal,
            stage: Stage::Minimal,
            in_stage: 0,
            rate: Rate { failed: 0, runs: 0 },
            disagreement: None,
        }
    }

    /// Only measure how often `sequence` fails: a failure the shrink already found flaky (it
    /// did not come back) gets its rate, not a confirmation.
    pub fn rate_only(sequence: Vec<TestId>) -> Self {
        Confirm {
            stage: Stage::Rate,
            ..Confirm::new(sequence)
        }
    }

    /// The run wanted next; `None` once the confirmation is over.
    pub fn next(&self) -> Option<Check> {
        match self.stage {
            Stage::Minimal | Stage::Rate => Some(Check {
                sequence: self.minimal.clone(),
                expect: Expect::Fails,
            }),
            Stage::Removal(i) => {
                let mut sequence = self.minimal.clone();
                sequence.remove(i);
                Some(Check {
                    sequence,
                    expect: Expect::Passes,
                })
            }
            Stage::Done => None,
        }
    }

    /// Whether the run [`next`](Self::next) wants is the confirmation's first run of the
    /// minimal sequence, expected to fail (never a rate measurement's run, nor the first run of
    /// a [`rate_only`](Self::rate_only) one).
    pub fn is_first(&self) -> bool {
        self.stage == Stage::Minimal && self.in_stage == 0
    }

    /// The run asked for by [`next`](Self::next) ended: `failed` when the victim failed the
    /// same way at its end.
    pub fn record(&mut self, failed: bool) {
        self.in_stage += 1;
        match self.stage {
            Stage::Minimal | Stage::Rate => {
                self.rate.runs += 1;
                self.rate.failed += u32::from(failed);
            }
            Stage::Removal(_) | Stage::Done => {}
        }
        match self.stage {
            Stage::Minimal if !failed => self.disagree(Disagreement::MinimalPassed),
            Stage::Minimal if self.in_stage >= FAILS => self.after_removal(None),
            Stage::Removal(i) if failed => self.disagree(Disagreement::RemovalFailed(i)),
            Stage::Removal(i) if self.in_stage >= PASSES => self.after_removal(Some(i)),
            Stage::Rate if self.rate.runs >= RATE_RUNS => self.stage = Stage::Done,
            _ => {}
        }
    }

    /// Go on to the removal after `done` (the first, after the minimal's runs), or finish.
    fn after_removal(&mut self, done: Option<usize>) {
        let next = done.map_or(0, |i| i + 1);
        self.in_stage = 0;
        // The victim itself is never dropped: without it nothing can fail.
        self.stage = if next + 1 < self.minimal.len() {
            Stage::Removal(next)
        } else {
            Stage::Done
        };
    }

    fn disagree(&mut self, why: Disagreement) {
        self.disagreement = Some(why);
        self.in_stage = 0;
        self.stage = if self.rate.runs >= RATE_RUNS {
            Stage::Done
        } else {
            Stage::Rate
        };
    }

    /// Whether every run is made.
    pub fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }

    /// The run that disagreed with the shrink, if one did: then the result does not hold up.
    pub fn disagreement(&self) -> Option<Disagreement> {
        self.disagreement
    }

    /// How often the minimal sequence failed in the runs made here.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// The minimal sequence being confirmed.
    pub fn minimal(&self) -> &[TestId] {
        &self.minimal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: &[usize]) -> Vec<TestId> {
        n.to_vec()
    }

    /// Answer every run with `answer(sequence)` until the confirmation ends; the runs made.
    fn drive(confirm: &mut Confirm, mut answer: impl FnMut(&[TestId]) -> bool) -> Vec<Check> {
        let mut made = Vec::new();
        while let Some(check) = confirm.next() {
            let failed = answer(&check.sequence);
            made.push(check);
            confirm.record(failed);
            assert!(made.len() < 100, "a confirmation ends");
        }
        made
    }

    #[test]
    fn a_pair_that_holds_runs_the_minimal_then_each_removal_and_agrees() {
        let mut confirm = Confirm::new(ids(&[3, 7]));
        let made = drive(&mut confirm, |s| s == ids(&[3, 7]).as_slice());
        let expected: Vec<Check> = std::iter::repeat_n(
            Check {
                sequence: ids(&[3, 7]),
                expect: Expect::Fails,
            },
            FAILS as usize,
        )
        .chain(std::iter::repeat_n(
            Check {
                sequence: ids(&[7]),
                expect: Expect::Passes,
            },
            PASSES as usize,
        ))
        .collect();
        assert_eq!(made, expected);
        assert!(confirm.is_done());
        assert_eq!(confirm.disagreement(), None);
        assert_eq!(
            confirm.rate(),
            Rate {
                failed: FAILS,
                runs: FAILS
            }
        );
    }

    #[test]
    fn only_the_first_run_of_the_minimal_is_the_first() {
        let mut confirm = Confirm::new(ids(&[3, 7]));
        assert!(confirm.is_first());
        confirm.record(true);
        assert!(!confirm.is_first());
        // It passed at once: a disagreement, then the rate, with no first run again.
        let mut passed = Confirm::new(ids(&[3, 7]));
        passed.record(false);
        assert_eq!(passed.disagreement(), Some(Disagreement::MinimalPassed));
        assert!(!passed.is_first());
        assert!(!Confirm::rate_only(ids(&[3, 7])).is_first());
    }

    #[test]
    fn a_fails_alone_result_runs_only_the_victim() {
        let mut confirm = Confirm::new(ids(&[5]));
        let made = drive(&mut confirm, |_| true);
        assert_eq!(made.len(), FAILS as usize);
        assert_eq!(confirm.disagreement(), None);
    }

    #[test]
    fn a_minimal_that_passes_once_is_measured_over_the_rate_runs() {
        // Fails every third run: the second run disagrees, then the rate is measured.
        let mut confirm = Confirm::new(ids(&[1, 2]));
        let mut n = 0;
        let made = drive(&mut confirm, |_| {
            n += 1;
            n % 3 == 1
        });
        assert_eq!(confirm.disagreement(), Some(Disagreement::MinimalPassed));
        assert_eq!(made.len(), RATE_RUNS as usize);
        assert!(made.iter().all(|c| c.sequence == ids(&[1, 2])));
        assert_eq!(
            confirm.rate(),
            Rate {
                failed: 4,
                runs: RATE_RUNS
            }
        );
    }

    #[test]
    fn a_rate_only_confirmation_runs_the_sequence_the_rate_runs_and_never_disagrees() {
        let mut confirm = Confirm::rate_only(ids(&[2, 8]));
        let mut n = 0;
        let made = drive(&mut confirm, |_| {
            n += 1;
            n % 2 == 0
        });
        assert_eq!(made.len(), RATE_RUNS as usize);
        assert_eq!(
            confirm.rate(),
            Rate {
                failed: 5,
                runs: 10
            }
        );
        assert_eq!(confirm.disagreement(), None);
    }

    #[test]
    fn a_removal_that_fails_disagrees_and_names_the_dropped_test() {
        // 9 fails alone now and then: the removal of 4 fails on its second run.
        let mut confirm = Confirm::new(ids(&[4, 6, 9]));
        let mut alone = 0;
        drive(&mut confirm, |s| {
            if s == ids(&[6, 9]).as_slice() {
                alone += 1;
                alone == 2
            } else {
                s == ids(&[4, 6, 9]).as_slice()
            }
        });
        assert_eq!(confirm.disagreement(), Some(Disagreement::RemovalFailed(0)));
        assert_eq!(confirm.rate().runs, RATE_RUNS);
        assert_eq!(
            confirm.rate().failed,
            RATE_RUNS,
            "the minimal always failed"
        );
    }

    #[test]
    fn every_removal_is_checked_in_order_and_the_victim_is_never_dropped() {
        let mut confirm = Confirm::new(ids(&[1, 2, 3, 9]));
        let made = drive(&mut confirm, |s| s.len() == 4);
        let removals: Vec<Vec<TestId>> = made
            .iter()
            .filter(|c| c.expect == Expect::Passes)
            .map(|c| c.sequence.clone())
            .collect();
        let mut expected = Vec::new();
        for dropped in [1, 2, 3] {
            let kept: Vec<usize> = [1, 2, 3, 9].into_iter().filter(|&t| t != dropped).collect();
            for _ in 0..PASSES {
                expected.push(ids(&kept));
            }
        }
        assert_eq!(removals, expected);
        assert!(confirm.disagreement().is_none());
    }
}
