//! Apache::TestSmoke's own reduction (`--reduce testsmoke`), as its `run_iter` and
//! `reduce_stream` do it, narrowing the prefix in place of smoke's [`chunks`](super::chunks).
//! Pure: its random choices come from a [`SmokeRng`] seeded with the failing iteration's seed,
//! never from the OS, so the same failure shrinks along the same candidates every time.
//!
//! In rounds, while the sequence that fails holds more than one test before the victim:
//! 1. **binary** (`testsmoke-binary`): the upper half of the current prefix, then the victim; if
//!    that does not fail, the lower half. (For an odd length the upper half is the longer,
//!    as in TestSmoke.)
//! 2. **random window** (`testsmoke-window`): otherwise, a random left test and a random right
//!    test at or after it; the tests from left to right, then the victim. A window already asked
//!    (or the whole prefix) is drawn again, up to [`MAX_REDRAWS`] times; when every draw was
//!    already asked, the reduction ends.
//!
//! The first candidate that fails the same way becomes the current sequence and a new round
//! starts from it (binary halves first again). A round of [`MAX_REDUCTION_TRIES`] candidates
//! (the two halves included) with no failure ends the reduction, as in TestSmoke
//! (`MAX_REDUCTION_TRIES => 50`, and 50 redraws of an already seen window).
//!
//! Each candidate is asked through [`Search::check`], so the memo, `--retries` and
//! `--max-reduce` apply exactly as for smoke's narrowing (a half already asked is answered from
//! the memo, where TestSmoke would have ended its round). What TestSmoke does not do, smoke then
//! does: the same-failure check (the oracle's) and the 1-minimal proof, so the result is proven
//! like any other.

use super::{Algorithm, Halt, Search};
use crate::order::SmokeRng;

/// Candidates one round may try without a failure before the reduction gives up
/// (TestSmoke's `MAX_REDUCTION_TRIES`).
pub(super) const MAX_REDUCTION_TRIES: usize = 50;

/// Draws of a random window already asked before the round gives up (TestSmoke's
/// `$max_repeat_tries`).
pub(super) const MAX_REDRAWS: usize = 50;

/// The first candidate of a round over `items` (two or more positions): its upper half.
fn upper(items: &[usize]) -> Vec<usize> {
    items[items.len() / 2..].to_vec()
}

/// The first candidate TestSmoke asks after the victim alone, for the prefetch.
pub(super) fn first(items: &[usize]) -> Option<Vec<usize>> {
    (items.len() > 1).then(|| upper(items))
}

impl Search<'_> {
    /// Narrow the prefix TestSmoke's way. True when the failure came back (some candidate, or
    /// at the end the whole prefix, failed the same way again); false: it is flaky.
    pub(super) fn testsmoke(&mut self) -> Result<bool, Halt> {
        let mut rng = SmokeRng::from_seed(self.method.seed);
        'rounds: while self.best.len() > 1 {
            let items = self.best.clone();
            let half = items.len() / 2;
            let mut reduced = false;
            for attempt in 0..MAX_REDUCTION_TRIES {
                let (algorithm, candidate) = match attempt {
                    0 => (Algorithm::TestsmokeBinary, upper(&items)),
                    1 => (Algorithm::TestsmokeBinary, items[..half].to_vec()),
                    _ => match self.window(&items, &mut rng) {
                        Some(window) => (Algorithm::TestsmokeWindow, window),
                        None => break 'rounds,
                    },
                };
                if attempt == 0 {
                    self.prefetch(vec![items[..half].to_vec()]);
                }
                if self.check(&candidate)? {
                    self.accept(algorithm, candidate);
                    reduced = true;
                    break;
                }
            }
            if !reduced {
                break;
            }
        }
        self.confirm()
    }

    /// A random window of `items` not asked yet and shorter than `items`: left uniform over
    /// the positions, right uniform from left to the end (TestSmoke's draw). `None` after
    /// [`MAX_REDRAWS`] draws of windows already asked.
    fn window(&self, items: &[usize], rng: &mut SmokeRng) -> Option<Vec<usize>> {
        let n = items.len();
        for _ in 0..MAX_REDRAWS {
            let left = rng.below(n);
            let right = left + rng.below(n - left);
            let window = &items[left..=right];
            if window.len() < n && !self.memo.contains_key(&self.sequence(window)) {
                return Some(window.to_vec());
            }
        }
        None
    }
}
