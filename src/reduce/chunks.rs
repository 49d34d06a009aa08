//! Narrowing: binary-half search that infers what it does not run, and ddmin-style complement
//! reduction when the failure needs tests from several places.
//!
//! The failing prefix is held as chunks (runs of positions in order), each believed *needed*:
//! dropping the whole chunk was seen, or inferred, to make the failure go away. At first there is
//! one chunk, the whole prefix (the victim alone passes). A step splits the heaviest chunk by
//! measured duration and runs the candidate that keeps only one end of it (the end nearer to an
//! end of the prefix, see [`keeps_upper`]). If that fails, the rest of the chunk is gone. If it
//! passes, the rest holds a culprit, and the step *infers*, without a run, that the part it kept
//! holds none (true whenever one culprit is all there is). When every chunk is one test, the
//! result is run once; if it fails, every inference was right. If it passes, some inference was
//! wrong: the states since the last seen failure are run from the top until the first that
//! passes, and the chunk split there is replaced by its two parts, both needed. That is the
//! complement reduction over several chunks (Zeller and Hildebrandt's ddmin, refining only the
//! chunks that hold culprits), and it goes on with inference as before.
//!
//! Costs: one culprit is found in about k + log2 k test executions (k = prefix length) when each
//! probe keeps half of the chunk. When a run's fixed cost (the victim, setup) is small next to the
//! tests, keeping less than half is cheaper on average (about 0.8·k), and [`keep_share`] picks the
//! share from the measured costs. A culprit at either end of the prefix costs about 0.55·k to
//! 0.8·k; the dearest places (every probe passing) are in the middle.

use super::{Algorithm, Costs, Halt, Search};

/// Costs per prefix position, cleaned up: never zero, never NaN, and rounded to a power of two
/// times the median test's cost. Timing noise then rarely changes a split, so the same failing
/// run shrinks along the same candidates run after run, while a test twice as slow or more still
/// weighs more.
#[derive(Clone, Debug)]
pub(super) struct Weights {
    tests: Vec<f64>,
    per_run: f64,
}

impl Weights {
    /// From measured costs; equal weights when none were measured (or none make sense).
    pub(super) fn new(costs: &Costs, len: usize) -> Self {
        let usable = costs.tests.len() == len
            && costs.tests.iter().all(|w| w.is_finite() && *w >= 0.0)
            && costs.per_run.is_finite()
            && costs.per_run >= 0.0;
        let mut sorted: Vec<f64> = if usable {
            costs.tests.clone()
        } else {
            Vec::new()
        };
        sorted.sort_by(f64::total_cmp);
        let median = sorted.get(len / 2).copied().unwrap_or(0.0);
        if median <= 0.0 {
            return Weights {
                tests: vec![1.0; len],
                per_run: 1.0,
            };
        }
        // In units of the median test, to the nearest power of two; at least 1/64 (a test
        // measured at zero still costs a process start).
        let unit = |w: f64| (w / median).max(1.0 / 64.0).log2().round().exp2();
        Weights {
            tests: costs.tests.iter().map(|&w| unit(w)).collect(),
            per_run: unit(costs.per_run),
        }
    }

    fn of(&self, positions: &[usize]) -> f64 {
        positions.iter().map(|&p| self.tests[p]).sum()
    }
}

/// The least share a probe keeps. Keeping less is cheaper when one culprit is all there is, but
/// when two are needed a wrong inference becomes likelier and dearer to undo: at 0.35 one culprit
/// costs about 0.8·k and a needed pair about 3.4·k (k = 400), where halving costs k and 3.1·k.
const MIN_SHARE: f64 = 0.35;

/// The share of a chunk's weight that the next probe keeps (its upper end), when the rest of the
/// candidate costs `fixed`. One culprit, placed anywhere in the chunk with equal chance, is found
/// for about `weight / (2 (1 - f))` in tests plus `fixed · ln(len) / H(f)` in runs (H: the
/// entropy of the split, in nats): keeping half wins when runs are dear (a slow setup, or other
/// chunks kept whole), less when tests are.
pub(super) fn keep_share(weight: f64, len: usize, fixed: f64) -> f64 {
    let steps = (len as f64).ln();
    let cost = |f: f64| {
        let entropy = -(f * f.ln() + (1.0 - f) * (1.0 - f).ln());
        weight / (2.0 * (1.0 - f)) + fixed * steps / entropy
    };
    // MIN_SHARE, 0.4, 0.45, 0.5
    (0..4)
        .map(|i| MIN_SHARE + f64::from(i) * 0.05)
        .min_by(|a, b| cost(*a).total_cmp(&cost(*b)))
        .unwrap_or(0.5)
}

/// Whether a probe of `chunk` keeps its upper end (the end nearer the victim) rather than its
/// lower end: it keeps the end nearer to an end of the prefix (`len` tests), the upper one on a
/// tie. Culprits sit near the ends more often than in the middle: a test's own earlier runs
/// (`--times`) and the last polluter after a cleaner sit just before the victim, and a suite's
/// set-up-like first tests at the far end. The first probe keeps the upper part of the prefix;
/// when it passes, the culprit is in the lower part, and the next probe keeps the lower end of
/// that. Where culprits sit with equal chance, the cost is the same either way; it moves the
/// dearest places (all probes passing, about k + 1.6·log2 k) from the far end to the middle.
fn keeps_upper(chunk: &[usize], len: usize) -> bool {
    let (Some(&first), Some(&last)) = (chunk.first(), chunk.last()) else {
        return true;
    };
    len - 1 - last <= first
}

/// Split `chunk` (two or more positions) into a lower and an upper part, the upper holding about
/// `share` of its weight; neither part is empty.
fn split(chunk: &[usize], weights: &Weights, share: f64) -> (Vec<usize>, Vec<usize>) {
    let lower_weight = weights.of(chunk) * (1.0 - share);
    let mut cumulative = 0.0;
    let mut best = (f64::INFINITY, 1);
    for (j, &p) in chunk.iter().enumerate().take(chunk.len() - 1) {
        cumulative += weights.tests[p];
        let miss = (cumulative - lower_weight).abs();
        if miss < best.0 {
            best = (miss, j + 1);
        }
    }
    let (lower, upper) = chunk.split_at(best.1);
    (lower.to_vec(), upper.to_vec())
}

/// The prefix as chunks of positions, in order.
type Chunks = Vec<Vec<usize>>;

/// A removal made without a run: chunk `chunk` kept only the part the probe dropped, because the
/// candidate that kept only the `probed` part passed.
struct Inference {
    chunk: usize,
    /// The part the probe kept, which passed: inferred to hold no culprit.
    probed: Vec<usize>,
    /// The part inferred to hold the culprit.
    rest: Vec<usize>,
}

impl Inference {
    /// The two parts in their order in the prefix.
    fn parts(self) -> [Vec<usize>; 2] {
        if self.probed.first() < self.rest.first() {
            [self.probed, self.rest]
        } else {
            [self.rest, self.probed]
        }
    }
}

/// `base` with the inferences applied.
fn apply(base: &Chunks, chain: &[Inference]) -> Chunks {
    let mut state = base.clone();
    for inference in chain {
        state[inference.chunk] = inference.rest.clone();
    }
    state
}

/// Binary-half while there is one chunk, complement reduction over several.
fn algorithm(state: &Chunks) -> Algorithm {
    if state.len() == 1 {
        Algorithm::BinaryHalf
    } else {
        Algorithm::Complement
    }
}

impl Search<'_> {
    /// Narrow the prefix to one test per needed chunk. Returns false when the failure never came
    /// back (nothing failed again, including the original run once more).
    pub(super) fn narrow(&mut self) -> Result<bool, Halt> {
        // `base` fails: it was seen to, or it is the original (confirmed on the way, or at the
        // end). `chain`: the inferences made since.
        let mut base: Chunks = vec![(0..self.prefix.len()).collect()];
        let mut chain: Vec<Inference> = Vec::new();
        let mut refined_unconfirmed = false;
        loop {
            let state = apply(&base, &chain);
            if let Some(c) = self.heaviest(&state) {
                let (probed, rest) = self.split_heaviest(&state, c);
                let mut kept = state;
                kept[c] = probed.clone();
                let positions = kept.concat();
                // What comes next either way: if this passes, the rest is inferred to hold the
                // culprit (likelier: the probe keeps at most half), and the probe after that
                // too; if it fails, the next split of what it kept.
                let mut pass = apply(&base, &chain);
                pass[c] = rest.clone();
                let mut likely: Vec<Vec<usize>> = self.probe_for(&pass).into_iter().collect();
                if let Some(c2) = self.heaviest(&pass) {
                    let (_, rest2) = self.split_heaviest(&pass, c2);
                    pass[c2] = rest2;
                    likely.extend(self.probe_for(&pass));
                }
                likely.extend(self.probe_for(&kept));
                self.prefetch(likely);
                if self.check(&positions)? {
                    self.accept(algorithm(&kept), positions);
                    base = kept;
                    chain.clear();
                } else {
                    chain.push(Inference {
                        chunk: c,
                        probed,
                        rest,
                    });
                    // After a wrong inference while nothing has failed again, a needed pair makes
                    // about half of the probes fail, and a failure that never comes back makes
                    // none fail: at the first probe that passes, rerun the original. So such a
                    // failure costs about 3.3·k before it is called flaky, and a needed pair
                    // 3.4·k to shrink (confirming at the wrong inference itself: 2·k and 4.4·k).
                    if refined_unconfirmed && !self.confirm()? {
                        return Ok(false);
                    }
                }
                continue;
            }

            // Every chunk is one test.
            if chain.is_empty() {
                return self.confirm();
            }
            let positions = state.concat();
            if self.check(&positions)? {
                self.accept(algorithm(&state), positions);
                return Ok(true);
            }

            // Some inference was wrong. The states since `base` shrink one into the next, so run
            // them from the top: the first that passes is where the failure needed both halves.
            let mut broke = chain.len() - 1;
            for i in 0..chain.len() - 1 {
                let s = apply(&base, &chain[..=i]);
                let positions = s.concat();
                if self.check(&positions)? {
                    self.accept(algorithm(&s), positions);
                } else {
                    broke = i;
                    break;
                }
            }
            if !self.confirmed {
                // The state before the break is the original, never seen to fail again: a
                // failure that never comes back looks just like this. The second time, rerun it.
                if refined_unconfirmed && !self.confirm()? {
                    return Ok(false);
                }
                refined_unconfirmed = true;
            }
            let mut fails = apply(&base, &chain[..broke]);
            let inference = chain.swap_remove(broke);
            let chunk = inference.chunk;
            fails.splice(chunk..=chunk, inference.parts());
            base = fails;
            chain.clear();
        }
    }

    /// Split chunk `c` of `state` the way the next probe does: (probed, rest), the probed part
    /// being what the probe keeps, taken from the end of the chunk nearer to an end of the
    /// prefix (see [`keeps_upper`]).
    fn split_heaviest(&self, state: &Chunks, c: usize) -> (Vec<usize>, Vec<usize>) {
        let chunk = &state[c];
        let weight = self.costs.of(chunk);
        let fixed = self.costs.per_run + self.costs.of(&state.concat()) - weight;
        let share = keep_share(weight, chunk.len(), fixed);
        if keeps_upper(chunk, self.prefix.len()) {
            let (lower, upper) = split(chunk, &self.costs, share);
            (upper, lower)
        } else {
            split(chunk, &self.costs, 1.0 - share)
        }
    }

    /// The positions the narrowing would probe next from `state`: its heaviest chunk's upper
    /// part with the rest, or, when every chunk is one test, the whole state.
    pub(super) fn probe_for(&self, state: &Chunks) -> Option<Vec<usize>> {
        match self.heaviest(state) {
            Some(c) => {
                let (probed, _) = self.split_heaviest(state, c);
                let mut kept = state.clone();
                kept[c] = probed;
                Some(kept.concat())
            }
            None => Some(state.concat()).filter(|p| !p.is_empty()),
        }
    }

    /// The heaviest chunk that can still be split.
    fn heaviest(&self, state: &Chunks) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, chunk) in state.iter().enumerate() {
            let weight = self.costs.of(chunk);
            if chunk.len() >= 2 && best.is_none_or(|(_, w)| weight > w) {
                best = Some((i, weight));
            }
        }
        best.map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn equal(len: usize) -> Weights {
        Weights::new(&Costs::default(), len)
    }

    #[test]
    fn a_split_follows_measured_time_not_count() {
        // Ten tests; the first takes as long as the other nine together.
        let mut tests = vec![9.0];
        tests.extend([1.0; 9]);
        let w = Weights::new(
            &Costs {
                tests,
                per_run: 1.0,
            },
            10,
        );
        let chunk: Vec<usize> = (0..10).collect();
        let (lower, upper) = split(&chunk, &w, 0.5);
        assert_eq!(lower, [0]);
        assert_eq!(upper.len(), 9);
        let (lower, upper) = split(&chunk, &equal(10), 0.5);
        assert_eq!((lower.len(), upper.len()), (5, 5));
    }

    #[test]
    fn a_split_never_leaves_a_part_empty() {
        let w = Weights::new(
            &Costs {
                tests: vec![0.0, 100.0],
                per_run: 0.0,
            },
            2,
        );
        for share in [0.05, 0.5, 0.95] {
            let (lower, upper) = split(&[0, 1], &w, share);
            assert_eq!((lower, upper), (vec![0], vec![1]));
        }
    }

    #[test]
    fn timing_noise_does_not_change_the_weights_but_a_slow_test_does() {
        let w = Weights::new(
            &Costs {
                tests: vec![1.0, 1.2, 0.9, 1.3, 0.8, 40.0, 0.0],
                per_run: 2.1,
            },
            7,
        );
        assert_eq!(w.tests, [1.0, 1.0, 1.0, 1.0, 1.0, 32.0, 1.0 / 64.0]);
        assert_eq!(w.per_run, 2.0);
    }

    #[test]
    fn unusable_costs_mean_equal_weights() {
        for costs in [
            Costs::default(),
            Costs {
                tests: vec![1.0, f64::NAN],
                per_run: 1.0,
            },
            Costs {
                tests: vec![0.0, 0.0],
                per_run: 0.0,
            },
        ] {
            let w = Weights::new(&costs, 2);
            assert_eq!(w.tests, [1.0, 1.0]);
            assert_eq!(w.per_run, 1.0);
        }
    }

    #[test]
    fn the_share_is_half_when_runs_are_dear_and_less_when_tests_are() {
        assert_eq!(keep_share(400.0, 400, 10_000.0), 0.5);
        assert_eq!(keep_share(400.0, 400, 1.0), MIN_SHARE);
        let shares: Vec<f64> = (0..15)
            .map(|i| keep_share(400.0, 400, f64::from(1 << i)))
            .collect();
        assert!(shares.windows(2).all(|w| w[0] <= w[1]), "{shares:?}");
        assert!(
            shares.iter().any(|&s| s > MIN_SHARE && s < 0.5),
            "{shares:?}"
        );
    }
}
