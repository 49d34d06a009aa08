//! Pure: shrinking a failing sequence to the few tests that still make the failing test (the
//! victim) fail the same way.
//!
//! The algorithms only see an [`Oracle`]: "does this candidate (some prefix tests, then the
//! victim) fail the same way?". Running processes, comparing failure kinds and matching output
//! belong to the oracle the runner builds; here there is no process, clock or terminal, so every
//! step can be tested against fake oracles with planted culprits.
//!
//! The steps, in order:
//! 1. **alone**: the victim alone. If it fails, the failure is `fails-alone` and `[victim]` is
//!    minimal.
//! 2. **binary-half**: try the upper half of the current prefix, then the lower half, and keep
//!    whichever still fails, recursively. The first failing candidate confirms the original
//!    failure; if the upper half does not fail before anything has, the whole original sequence
//!    is run again, and if that passes the failure is `flaky` and is not reduced.
//! 3. **random-window**: a few random contiguous windows of the prefix (drawn from the
//!    iteration's generator, so a seed replays them); a success goes back to step 2.
//! 4. **one-minimal**: drop single tests until a full pass drops none. Every single removal of the
//!    result has then been seen to pass, so the result is 1-minimal.
//!
//! Every candidate keeps the relative order of the original sequence and ends with the victim,
//! and no candidate is run twice: results are remembered by exact sequence.

use crate::model::{Classification, TestId};
use crate::order::SmokeRng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// How many random windows are drawn, in a row, before the window step gives up.
const WINDOW_TRIES: usize = 8;

/// The oracle's answer for one candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The victim failed the same way, at the end of the candidate.
    Fails,
    /// It did not (it passed, failed differently, or another test failed first).
    Passes,
    /// Stop shrinking now (interrupted, or setup failed): keep what is known so far.
    Stop,
}

/// Runs candidate sequences for the shrinker.
pub trait Oracle {
    /// Run `candidate` (prefix tests, then the victim last) and say whether it fails the same way.
    fn probe(&mut self, candidate: &[TestId]) -> Probe;

    /// Called after each successful reduction with the new shortest failing sequence.
    fn reduced(&mut self, _step: &Reduction, _sequence: &[TestId]) {}
}

/// The algorithm that found a reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// The victim alone still fails.
    Alone,
    /// Half of the prefix still fails.
    BinaryHalf,
    /// A contiguous window of the prefix still fails.
    RandomWindow,
    /// One test could be dropped.
    OneMinimal,
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Algorithm::Alone => "alone",
            Algorithm::BinaryHalf => "binary-half",
            Algorithm::RandomWindow => "random-window",
            Algorithm::OneMinimal => "one-minimal",
        })
    }
}

/// One successful reduction: which algorithm, and the length of the new failing sequence
/// (victim included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reduction {
    /// The step that found it.
    pub algorithm: Algorithm,
    /// Length of the sequence it left, victim included.
    pub length: usize,
}

/// What a shrink found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    /// `None` when the shrink was stopped before the failure was classified.
    pub classification: Option<Classification>,
    /// The shortest sequence seen to fail the same way, victim last. For `flaky`, the original.
    pub minimal: Vec<TestId>,
    /// Every successful reduction, in order.
    pub reductions: Vec<Reduction>,
    /// How many candidates the oracle ran.
    pub tries: usize,
    /// False when the oracle said [`Probe::Stop`]: `minimal` is then not proven minimal.
    pub complete: bool,
}

/// Shrink the failure of `victim` after `prefix`. `rng` should be the iteration's generator, so
/// that the random windows are part of what the seed replays.
pub fn shrink(
    prefix: &[TestId],
    victim: TestId,
    rng: &mut SmokeRng,
    oracle: &mut dyn Oracle,
) -> Shrunk {
    let mut search = Search {
        victim,
        oracle,
        rng,
        memo: HashMap::new(),
        current: prefix.to_vec(),
        confirmed: false,
        reductions: Vec::new(),
        tries: 0,
    };
    let result = search.run();
    let (classification, complete) = match result {
        Ok(class) => (Some(class), true),
        // Fails-alone and flaky are decided without a stop, so a confirmed failure that was
        // stopped mid-shrink can only be order-dependent.
        Err(Stopped) => (
            search.confirmed.then_some(Classification::OrderDependent),
            false,
        ),
    };
    let mut minimal = search.current;
    minimal.push(victim);
    Shrunk {
        classification,
        minimal,
        reductions: search.reductions,
        tries: search.tries,
        complete,
    }
}

/// The oracle asked to stop.
struct Stopped;

struct Search<'a> {
    victim: TestId,
    oracle: &'a mut dyn Oracle,
    rng: &'a mut SmokeRng,
    /// Results by exact candidate, so that no candidate runs twice.
    memo: HashMap<Vec<TestId>, bool>,
    /// The shortest prefix seen to fail (before confirmation: the original prefix).
    current: Vec<TestId>,
    /// Whether some candidate has failed the same way again since the original run.
    confirmed: bool,
    reductions: Vec<Reduction>,
    tries: usize,
}

impl Search<'_> {
    fn run(&mut self) -> Result<Classification, Stopped> {
        if self.check(&[])? {
            self.accept(Algorithm::Alone, Vec::new());
            return Ok(Classification::FailsAlone);
        }
        loop {
            if !self.bisect()? {
                return Ok(Classification::Flaky);
            }
            if !self.random_windows()? {
                break;
            }
        }
        self.one_minimal()?;
        Ok(Classification::OrderDependent)
    }

    /// Binary-half reduction. Returns false when the failure did not reproduce at all.
    fn bisect(&mut self) -> Result<bool, Stopped> {
        while self.current.len() >= 2 {
            let mid = self.current.len() / 2;
            let upper = self.current[mid..].to_vec();
            if self.check(&upper)? {
                self.accept(Algorithm::BinaryHalf, upper);
                continue;
            }
            if !self.confirm()? {
                return Ok(false);
            }
            let lower = self.current[..mid].to_vec();
            if self.check(&lower)? {
                self.accept(Algorithm::BinaryHalf, lower);
                continue;
            }
            break;
        }
        self.confirm()
    }

    /// Make sure the current sequence has failed again since the original run.
    fn confirm(&mut self) -> Result<bool, Stopped> {
        if !self.confirmed {
            let current = self.current.clone();
            self.confirmed = self.check(&current)?;
        }
        Ok(self.confirmed)
    }

    /// Up to [`WINDOW_TRIES`] random contiguous windows. Returns true on the first that fails.
    fn random_windows(&mut self) -> Result<bool, Stopped> {
        for _ in 0..WINDOW_TRIES {
            let n = self.current.len();
            if n < 2 {
                return Ok(false);
            }
            let len = 1 + self.rng.below(n - 1);
            let start = self.rng.below(n - len + 1);
            let window = self.current[start..start + len].to_vec();
            if self.check(&window)? {
                self.accept(Algorithm::RandomWindow, window);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Drop single tests until a whole pass drops none.
    fn one_minimal(&mut self) -> Result<(), Stopped> {
        loop {
            let mut dropped = false;
            let mut i = 0;
            while i < self.current.len() {
                let mut candidate = self.current.clone();
                candidate.remove(i);
                if self.check(&candidate)? {
                    self.accept(Algorithm::OneMinimal, candidate);
                    dropped = true;
                } else {
                    i += 1;
                }
            }
            if !dropped {
                return Ok(());
            }
        }
    }

    /// Whether `prefix` followed by the victim fails the same way (asking the oracle at most once
    /// per distinct candidate).
    fn check(&mut self, prefix: &[TestId]) -> Result<bool, Stopped> {
        let mut candidate = Vec::with_capacity(prefix.len() + 1);
        candidate.extend_from_slice(prefix);
        candidate.push(self.victim);
        if let Some(&fails) = self.memo.get(&candidate) {
            return Ok(fails);
        }
        self.tries += 1;
        let fails = match self.oracle.probe(&candidate) {
            Probe::Fails => true,
            Probe::Passes => false,
            Probe::Stop => return Err(Stopped),
        };
        self.memo.insert(candidate, fails);
        Ok(fails)
    }

    /// Record a reduction to `prefix` (which has just been seen to fail).
    fn accept(&mut self, algorithm: Algorithm, prefix: Vec<TestId>) {
        self.confirmed = true;
        self.current = prefix;
        let step = Reduction {
            algorithm,
            length: self.current.len() + 1,
        };
        self.reductions.push(step);
        let mut sequence = self.current.clone();
        sequence.push(self.victim);
        self.oracle.reduced(&step, &sequence);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    /// A fake oracle from a predicate over the whole candidate; counts calls and refuses to be
    /// asked the same candidate twice.
    struct Fake<F: FnMut(&[TestId]) -> bool> {
        fails: F,
        calls: usize,
        seen: HashSet<Vec<TestId>>,
        reduced: Vec<(Reduction, Vec<TestId>)>,
        stop_after: Option<usize>,
    }

    fn fake<F: FnMut(&[TestId]) -> bool>(fails: F) -> Fake<F> {
        Fake {
            fails,
            calls: 0,
            seen: HashSet::new(),
            reduced: Vec::new(),
            stop_after: None,
        }
    }

    impl<F: FnMut(&[TestId]) -> bool> Oracle for Fake<F> {
        fn probe(&mut self, candidate: &[TestId]) -> Probe {
            assert!(
                self.seen.insert(candidate.to_vec()),
                "ran {candidate:?} twice"
            );
            if self.stop_after == Some(self.calls) {
                return Probe::Stop;
            }
            self.calls += 1;
            if (self.fails)(candidate) {
                Probe::Fails
            } else {
                Probe::Passes
            }
        }

        fn reduced(&mut self, step: &Reduction, sequence: &[TestId]) {
            self.reduced.push((*step, sequence.to_vec()));
        }
    }

    /// True when `needle` occurs in `hay` as a subsequence (in order, gaps allowed).
    fn contains_in_order(hay: &[TestId], needle: &[TestId]) -> bool {
        let mut it = hay.iter();
        needle.iter().all(|n| it.any(|h| h == n))
    }

    fn is_subsequence_keeping_order(original: &[TestId], minimal: &[TestId]) -> bool {
        contains_in_order(original, minimal)
    }

    const VICTIM: TestId = 1000;

    fn prefix(n: usize) -> Vec<TestId> {
        (0..n).collect()
    }

    fn shrink_with<F: FnMut(&[TestId]) -> bool>(p: &[TestId], oracle: &mut Fake<F>) -> Shrunk {
        shrink(p, VICTIM, &mut SmokeRng::from_seed(1), oracle)
    }

    #[test]
    fn a_single_polluter_far_away_shrinks_to_the_pair() {
        let p = prefix(400);
        let mut oracle = fake(|c: &[TestId]| c.contains(&17));
        let shrunk = shrink_with(&p, &mut oracle);
        assert_eq!(shrunk.classification, Some(Classification::OrderDependent));
        assert_eq!(shrunk.minimal, [17, VICTIM]);
        assert!(shrunk.complete);
        // Bisection finds it in about log2(400) halvings; the 1-minimal check costs one more.
        assert!(oracle.calls <= 30, "{} calls", oracle.calls);
        assert_eq!(shrunk.tries, oracle.calls);
        assert_eq!(
            oracle.reduced.last().map(|r| r.1.clone()),
            Some(vec![17, VICTIM])
        );
    }

    #[test]
    fn two_polluters_in_different_halves_are_both_kept() {
        let p = prefix(64);
        let mut oracle = fake(|c: &[TestId]| contains_in_order(c, &[5, 50]));
        let shrunk = shrink_with(&p, &mut oracle);
        assert_eq!(shrunk.minimal, [5, 50, VICTIM]);
        assert_eq!(shrunk.classification, Some(Classification::OrderDependent));
    }

    #[test]
    fn a_cleaner_between_polluter_and_victim_is_dropped() {
        // 3 pollutes, 9 cleans up after it: fails when 3 is present and no 9 follows it.
        let p = vec![1, 3, 4, 9, 2, 3, 6];
        let mut oracle = fake(|c: &[TestId]| {
            let last3 = c.iter().rposition(|&t| t == 3);
            let last9 = c.iter().rposition(|&t| t == 9);
            matches!((last3, last9), (Some(a), b) if b.is_none_or(|b| b < a))
        });
        let shrunk = shrink_with(&p, &mut oracle);
        assert_eq!(shrunk.minimal, [3, VICTIM]);
    }

    #[test]
    fn a_test_that_fails_the_third_time_shrinks_to_three_runs_of_itself() {
        let t = 7;
        let mut p: Vec<TestId> = (0..30).collect();
        p.push(t); // second run of 7 (the first is at index 7); the victim is the third
        let mut oracle = fake(|c: &[TestId]| c.iter().filter(|&&x| x == t).count() >= 3);
        let shrunk = shrink(&p, t, &mut SmokeRng::from_seed(3), &mut oracle);
        assert_eq!(shrunk.minimal, [t, t, t]);
        assert_eq!(shrunk.classification, Some(Classification::OrderDependent));
    }

    #[test]
    fn a_test_that_fails_alone_is_classified_after_one_run() {
        let mut oracle = fake(|_: &[TestId]| true);
        let shrunk = shrink_with(&prefix(50), &mut oracle);
        assert_eq!(shrunk.classification, Some(Classification::FailsAlone));
        assert_eq!(shrunk.minimal, [VICTIM]);
        assert_eq!(oracle.calls, 1);
        assert_eq!(
            shrunk.reductions,
            [Reduction {
                algorithm: Algorithm::Alone,
                length: 1
            }]
        );
    }

    #[test]
    fn a_failure_that_does_not_come_back_is_flaky_and_not_reduced() {
        let p = prefix(20);
        let mut oracle = fake(|_: &[TestId]| false);
        let shrunk = shrink_with(&p, &mut oracle);
        assert_eq!(shrunk.classification, Some(Classification::Flaky));
        let mut original = p.clone();
        original.push(VICTIM);
        assert_eq!(shrunk.minimal, original);
        assert!(shrunk.reductions.is_empty());
        // alone, the upper half, then the full rerun that decides it
        assert_eq!(oracle.calls, 3);
        assert!(oracle.seen.contains(&original));
    }

    #[test]
    fn the_first_reduction_confirms_the_failure_without_a_full_rerun() {
        let p = prefix(16);
        let mut oracle = fake(|c: &[TestId]| c.contains(&12));
        shrink_with(&p, &mut oracle);
        let mut original = p.clone();
        original.push(VICTIM);
        assert!(!oracle.seen.contains(&original));
    }

    #[test]
    fn an_empty_prefix_that_passes_alone_is_flaky() {
        let mut oracle = fake(|_: &[TestId]| false);
        let shrunk = shrink_with(&[], &mut oracle);
        assert_eq!(shrunk.classification, Some(Classification::Flaky));
        assert_eq!(shrunk.minimal, [VICTIM]);
        assert_eq!(oracle.calls, 1);
    }

    #[test]
    fn a_stop_keeps_the_best_sequence_so_far_and_says_it_is_incomplete() {
        let p = prefix(256);
        let mut oracle = fake(|c: &[TestId]| c.contains(&200));
        oracle.stop_after = Some(3);
        let shrunk = shrink_with(&p, &mut oracle);
        assert!(!shrunk.complete);
        assert_eq!(shrunk.classification, Some(Classification::OrderDependent));
        assert!(shrunk.minimal.contains(&200));
        assert!(shrunk.minimal.len() < 257);
        assert_eq!(shrunk.minimal.last(), Some(&VICTIM));
    }

    #[test]
    fn a_stop_before_anything_reproduced_leaves_it_unclassified() {
        let mut oracle = fake(|_: &[TestId]| true);
        oracle.stop_after = Some(0);
        let shrunk = shrink_with(&prefix(5), &mut oracle);
        assert_eq!(shrunk.classification, None);
        assert!(!shrunk.complete);
    }

    #[test]
    fn the_same_seed_and_oracle_give_the_same_reductions() {
        let p = prefix(90);
        let run = || {
            let mut oracle = fake(|c: &[TestId]| contains_in_order(c, &[10, 44, 80]));
            shrink(&p, VICTIM, &mut SmokeRng::from_seed(42), &mut oracle)
        };
        assert_eq!(run(), run());
    }

    /// A planted failure: the victim fails when all `culprits` ran before it in that order.
    fn planted() -> impl Strategy<Value = (Vec<TestId>, Vec<TestId>)> {
        (1usize..60)
            .prop_flat_map(|n| {
                let p = prop::collection::vec(0usize..15, n);
                (p, prop::collection::vec(0usize..n, 1..4))
            })
            .prop_map(|(p, picks)| {
                let mut picks = picks;
                picks.sort_unstable();
                picks.dedup();
                let culprits = picks.iter().map(|&i| p[i]).collect();
                (p, culprits)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn shrinking_keeps_the_failure_is_one_minimal_and_keeps_order(
            (p, culprits) in planted(),
            seed in any::<u64>(),
        ) {
            let fails = |c: &[TestId]| contains_in_order(&c[..c.len() - 1], &culprits);
            let mut oracle = fake(fails);
            let shrunk = shrink(&p, VICTIM, &mut SmokeRng::from_seed(seed), &mut oracle);
            let m = &shrunk.minimal;
            prop_assert!(shrunk.complete);
            prop_assert_eq!(m.last(), Some(&VICTIM));
            prop_assert!(fails(m), "minimal {:?} does not fail", m);
            let mut original = p.clone();
            original.push(VICTIM);
            prop_assert!(is_subsequence_keeping_order(&original, m));
            for i in 0..m.len() - 1 {
                let mut smaller = m.clone();
                smaller.remove(i);
                prop_assert!(!fails(&smaller), "{:?} is not 1-minimal: {:?} fails", m, smaller);
            }
            prop_assert_eq!(m.len(), culprits.len() + 1);
        }
    }
}
