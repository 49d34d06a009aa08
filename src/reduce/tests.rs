//! The shrinker against fake oracles with planted culprits: results, proofs, and what they cost
//! (oracle calls and test executions) against the bounds in docs/benchmarks.md
//! ("Shrinking") and docs/guide.md ("How shrinking works").

use super::*;
use crate::order::SmokeRng;
use proptest::prelude::*;
use std::collections::HashSet;

/// A fake oracle from a predicate over the whole candidate. Counts calls and executions (every
/// test of the candidate runs), refuses to be asked the same candidate twice unless `retries`
/// allow it, and can stop after a number of calls.
struct Fake<F: FnMut(&[TestId]) -> bool> {
    fails: F,
    calls: usize,
    executed: u64,
    seen: HashSet<Vec<TestId>>,
    reduced: Vec<(Reduction, Vec<TestId>)>,
    stop_after: Option<usize>,
    may_repeat: bool,
}

fn fake<F: FnMut(&[TestId]) -> bool>(fails: F) -> Fake<F> {
    Fake {
        fails,
        calls: 0,
        executed: 0,
        seen: HashSet::new(),
        reduced: Vec::new(),
        stop_after: None,
        may_repeat: false,
    }
}

impl<F: FnMut(&[TestId]) -> bool> Oracle for Fake<F> {
    fn probe(&mut self, candidate: &[TestId]) -> Answer {
        assert!(
            self.seen.insert(candidate.to_vec()) || self.may_repeat,
            "ran {candidate:?} twice"
        );
        if self.stop_after == Some(self.calls) {
            return Answer {
                probe: Probe::Stop,
                executed: 0,
            };
        }
        self.calls += 1;
        self.executed += candidate.len() as u64;
        let probe = if (self.fails)(candidate) {
            Probe::Fails
        } else {
            Probe::Passes
        };
        Answer {
            probe,
            executed: candidate.len(),
        }
    }

    fn reduced(&mut self, step: &Reduction, sequence: &[TestId]) {
        self.reduced.push((*step, sequence.to_vec()));
    }
}

const VICTIM: TestId = 100_000;

fn prefix(n: usize) -> Vec<TestId> {
    (0..n).collect()
}

fn shrink_with<F: FnMut(&[TestId]) -> bool>(p: &[TestId], oracle: &mut Fake<F>) -> Shrunk {
    shrink(p, VICTIM, &Costs::default(), Limits::default(), oracle)
}

/// The planted failure "the victim fails when all of `culprits` ran before it, in order".
fn needs(culprits: Vec<TestId>) -> impl FnMut(&[TestId]) -> bool {
    move |c: &[TestId]| contains_in_order(&c[..c.len() - 1], &culprits)
}

/// Checks what every finished shrink must hold: the result fails, keeps order, ends with the
/// victim, and each single removal passes.
fn assert_one_minimal(
    original: &[TestId],
    minimal: &[TestId],
    mut fails: impl FnMut(&[TestId]) -> bool,
) {
    assert_eq!(minimal.last(), Some(&VICTIM));
    assert!(fails(minimal), "{minimal:?} does not fail");
    let mut with_victim = original.to_vec();
    with_victim.push(VICTIM);
    assert!(contains_in_order(&with_victim, minimal), "order lost");
    for i in 0..minimal.len() - 1 {
        let mut smaller = minimal.to_vec();
        smaller.remove(i);
        assert!(!fails(&smaller), "{minimal:?} is not 1-minimal");
    }
}

/// A random permutation of `0..n` from `seed` (positions for planted culprits).
fn shuffled(n: usize, seed: u64) -> Vec<TestId> {
    let mut p = prefix(n);
    crate::order::shuffle(&mut p, &mut SmokeRng::from_seed(seed));
    p
}

fn median(mut xs: Vec<u64>) -> u64 {
    xs.sort_unstable();
    xs[xs.len() / 2]
}

#[test]
fn a_single_polluter_far_away_shrinks_to_the_pair() {
    let p = prefix(400);
    let mut oracle = fake(|c: &[TestId]| c.contains(&17));
    let shrunk = shrink_with(&p, &mut oracle);
    assert_eq!(shrunk.classification, Some(Classification::OrderDependent));
    assert_eq!(shrunk.minimal, [17, VICTIM]);
    assert!(shrunk.proven_minimal());
    assert_eq!(shrunk.tries, oracle.calls);
    assert_eq!(shrunk.executions, oracle.executed);
    assert_eq!(
        oracle.reduced.last().map(|r| r.1.clone()),
        Some(vec![17, VICTIM])
    );
}

#[test]
fn one_polluter_costs_at_most_the_bisection_bound_at_every_size() {
    // k + 2·log2 k + 4 test executions (median over positions), and 1-minimal always.
    for k in [50usize, 400, 2000] {
        let mut costs = Vec::new();
        let log2k = (k as f64).log2();
        for seed in 0..41 {
            let culprit = shuffled(k, seed)[0];
            let mut oracle = fake(needs(vec![culprit]));
            let shrunk = shrink_with(&prefix(k), &mut oracle);
            assert_eq!(shrunk.minimal, [culprit, VICTIM]);
            assert!(shrunk.proven_minimal());
            // Each probe keeps at least 35% of the chunk: at most log(k)/log(1/0.65) probes,
            // plus alone and the final check.
            let most = (k as f64).ln() / (1.0f64 / 0.65).ln() + 3.0;
            assert!(
                oracle.calls as f64 <= most,
                "k = {k}: {} calls",
                oracle.calls
            );
            costs.push(shrunk.executions);
        }
        let bound = k as f64 + 2.0 * log2k + 4.0;
        let m = median(costs);
        assert!((m as f64) <= bound, "k = {k}: median {m} > {bound}");
    }
}

#[test]
fn two_polluters_both_needed_are_found_within_five_k() {
    let k = 400;
    let mut costs = Vec::new();
    for seed in 0..41 {
        let s = shuffled(k, seed);
        let mut pair = vec![s[0], s[1]];
        pair.sort_unstable();
        let mut oracle = fake(needs(pair.clone()));
        let shrunk = shrink_with(&prefix(k), &mut oracle);
        assert!(oracle.calls <= 80, "seed {seed}: {} calls", oracle.calls);
        let mut expected = pair.clone();
        expected.push(VICTIM);
        assert_eq!(shrunk.minimal, expected, "seed {seed}");
        assert!(shrunk.proven_minimal());
        costs.push(shrunk.executions);
    }
    let m = median(costs);
    assert!(m <= 5 * k as u64, "median {m} > 5k");
}

/// What detect-test-pollution spends on one polluter among `k` tests before the victim: the
/// victim alone, then bisection that runs the first half of what is left (with the victim) and
/// keeps it if the victim fails, then the pair once more. (Its run of the whole suite before
/// bisecting, like smoke's failing iteration, is not counted.)
fn dtp_executions(k: usize, culprit: TestId) -> u64 {
    let mut left: Vec<TestId> = prefix(k);
    let mut spent = 1;
    while left.len() > 1 {
        let half = left.len() / 2;
        spent += half as u64 + 1;
        left = if left[..half].contains(&culprit) {
            left[..half].to_vec()
        } else {
            left[half..].to_vec()
        };
    }
    spent + 2
}

#[test]
fn a_polluter_at_either_end_costs_less_than_plain_bisection() {
    // The far end is detect-test-pollution's own case (polluter first, victim last); the near
    // end is a test's own earlier run (`--times`) or the last polluter after a cleaner.
    for k in [49usize, 50, 400, 2000] {
        for culprit in [0, k - 1] {
            let mut oracle = fake(needs(vec![culprit]));
            let shrunk = shrink_with(&prefix(k), &mut oracle);
            assert_eq!(shrunk.minimal, [culprit, VICTIM]);
            assert!(shrunk.proven_minimal());
            let dtp = dtp_executions(k, culprit);
            assert!(
                (shrunk.executions as f64) <= 0.8 * dtp as f64,
                "k = {k}, culprit at {culprit}: {} executions, plain bisection {dtp}",
                shrunk.executions
            );
        }
    }
    // dtp's own figure at 50 tests: 54.
    assert_eq!(dtp_executions(49, 0), 54);
}

#[test]
fn two_polluters_at_the_ends_cost_at_most_four_k() {
    for k in [50usize, 400, 2000] {
        for pair in [[0, 1], [0, k - 1], [k - 2, k - 1], [0, k / 2]] {
            let mut oracle = fake(needs(pair.to_vec()));
            let shrunk = shrink_with(&prefix(k), &mut oracle);
            assert_eq!(shrunk.minimal, [pair[0], pair[1], VICTIM]);
            assert!(shrunk.proven_minimal());
            assert!(
                shrunk.executions <= 4 * k as u64,
                "k = {k}, {pair:?}: {} executions",
                shrunk.executions
            );
        }
    }
}

#[test]
fn three_polluters_and_a_repeated_test_reach_one_minimal() {
    let p = prefix(300);
    let mut oracle = fake(needs(vec![10, 150, 290]));
    let shrunk = shrink_with(&p, &mut oracle);
    assert_eq!(shrunk.minimal, [10, 150, 290, VICTIM]);
    assert_one_minimal(&p, &shrunk.minimal, needs(vec![10, 150, 290]));

    // Test 7 fails the third time it runs: its two earlier runs are the culprits.
    let t = 7;
    let mut p: Vec<TestId> = (0..30).collect();
    p.push(t);
    let third = |c: &[TestId]| c.iter().filter(|&&x| x == t).count() >= 3;
    let mut oracle = fake(third);
    let shrunk = shrink(&p, t, &Costs::default(), Limits::default(), &mut oracle);
    assert_eq!(shrunk.minimal, [t, t, t]);
    assert_eq!(shrunk.classification, Some(Classification::OrderDependent));
}

/// 3 pollutes, 9 cleans up after it: fails when a 3 has no 9 after it.
fn polluted_unless_cleaned(c: &[TestId]) -> bool {
    let last3 = c.iter().rposition(|&t| t == 3);
    let last9 = c.iter().rposition(|&t| t == 9);
    matches!((last3, last9), (Some(a), b) if b.is_none_or(|b| b < a))
}

#[test]
fn a_cleaner_between_polluter_and_victim_is_dropped() {
    let p = vec![1, 3, 4, 9, 2, 3, 6];
    let mut oracle = fake(polluted_unless_cleaned);
    let shrunk = shrink_with(&p, &mut oracle);
    assert_eq!(shrunk.minimal, [3, VICTIM]);
}

#[test]
fn a_test_that_fails_alone_is_classified_after_one_run() {
    let mut oracle = fake(|_: &[TestId]| true);
    let shrunk = shrink_with(&prefix(50), &mut oracle);
    assert_eq!(shrunk.classification, Some(Classification::FailsAlone));
    assert_eq!(shrunk.minimal, [VICTIM]);
    assert!(shrunk.proven_minimal());
    assert_eq!(oracle.calls, 1);
    assert_eq!(shrunk.executions, 1);
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
    assert!(!shrunk.proven_minimal());
    assert_eq!(shrunk.reproduced, Rate { failed: 1, runs: 1 });
    assert!(
        oracle.seen.contains(&original),
        "the original was run again"
    );
    // Never more than a few times the prefix before giving up.
    assert!(shrunk.executions <= 6 * 21, "{}", shrunk.executions);
}

#[test]
fn the_first_reduction_confirms_the_failure_without_a_full_rerun() {
    for culprit in [0, 5, 12, 15] {
        let p = prefix(16);
        let mut oracle = fake(needs(vec![culprit]));
        shrink_with(&p, &mut oracle);
        let mut original = p.clone();
        original.push(VICTIM);
        assert!(!oracle.seen.contains(&original), "culprit {culprit}");
    }
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
fn a_stop_keeps_the_best_sequence_so_far_and_says_it_is_not_proven() {
    let p = prefix(256);
    let mut oracle = fake(needs(vec![200]));
    oracle.stop_after = Some(4);
    let shrunk = shrink_with(&p, &mut oracle);
    assert_eq!(shrunk.halted, Some(Halt::Oracle));
    assert!(!shrunk.proven_minimal());
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
    assert_eq!(shrunk.halted, Some(Halt::Oracle));
}

#[test]
fn the_budget_caps_test_executions_and_keeps_the_best_so_far() {
    let p = prefix(400);
    for max in [0u64, 1, 150, 300] {
        let mut oracle = fake(needs(vec![3, 390]));
        let limits = Limits {
            retries: 0,
            max_executions: Some(max),
        };
        let shrunk = shrink(&p, VICTIM, &Costs::default(), limits, &mut oracle);
        assert_eq!(shrunk.halted, Some(Halt::Budget), "max {max}");
        assert!(shrunk.executions <= max, "{} > {max}", shrunk.executions);
        assert_eq!(shrunk.executions, oracle.executed);
        assert!(!shrunk.proven_minimal());
        assert!(needs(vec![3, 390])(&shrunk.minimal));
    }
    // A budget that is enough changes nothing.
    let mut oracle = fake(needs(vec![3, 390]));
    let limits = Limits {
        retries: 0,
        max_executions: Some(100_000),
    };
    let shrunk = shrink(&p, VICTIM, &Costs::default(), limits, &mut oracle);
    assert_eq!(shrunk.halted, None);
    assert_eq!(shrunk.minimal, [3, 390, VICTIM]);
}

#[test]
fn retries_make_a_pass_count_only_after_clean_runs_and_measure_the_rate() {
    // The victim fails after 5 only every other time it is run so.
    let p = prefix(40);
    let mut flips = 0u32;
    let mut oracle = fake(move |c: &[TestId]| {
        if c[..c.len() - 1].contains(&5) {
            flips += 1;
            flips % 2 == 0
        } else {
            false
        }
    });
    oracle.may_repeat = true;
    let limits = Limits {
        retries: 2,
        max_executions: None,
    };
    let shrunk = shrink(&p, VICTIM, &Costs::default(), limits, &mut oracle);
    assert_eq!(shrunk.minimal, [5, VICTIM]);
    assert_eq!(shrunk.classification, Some(Classification::Flaky));
    assert!(shrunk.proven_minimal(), "shrunk, and verified with retries");
    let rate = shrunk.reproduced;
    assert!(rate.failed < rate.runs, "{rate}");
    assert!(rate.failed > 1, "{rate}");
    // A candidate that passes was run three times.
    assert!(oracle.calls > shrunk.reductions.len() * 2);
}

#[test]
fn without_retries_a_steady_failure_is_not_called_flaky() {
    let mut oracle = fake(needs(vec![9]));
    let limits = Limits {
        retries: 3,
        max_executions: None,
    };
    oracle.may_repeat = true;
    let shrunk = shrink(&prefix(30), VICTIM, &Costs::default(), limits, &mut oracle);
    assert_eq!(shrunk.classification, Some(Classification::OrderDependent));
    assert_eq!(shrunk.reproduced.failed, shrunk.reproduced.runs);
}

#[test]
fn slow_tests_are_split_by_time_so_they_do_not_dominate() {
    // 400 tests, the last 20 of them slow (50 units each, the rest one unit): one slow file's
    // tests, kept together as rotate and repeat orders keep them. Splitting by count runs the
    // whole slow block in the first probe; splitting by time runs part of it. (With slow tests
    // scattered at random, both cost the same on average.)
    let k = 400;
    let (mut timed, mut counted) = (0.0, 0.0);
    for seed in 0..41 {
        let mut tests = vec![1.0; k];
        for slow in &mut tests[k - 20..] {
            *slow = 50.0;
        }
        let culprit = shuffled(k, seed)[0];
        let time_of =
            |c: &[TestId]| -> f64 { c[..c.len() - 1].iter().map(|&t| tests[t]).sum::<f64>() + 1.0 };
        let measured = Costs {
            tests: tests.clone(),
            per_run: 1.0,
        };
        for (costs, total) in [(&measured, &mut timed), (&Costs::default(), &mut counted)] {
            let mut spent = 0.0;
            let mut oracle = fake(|c: &[TestId]| {
                spent += time_of(c);
                c.contains(&culprit)
            });
            let shrunk = shrink(&prefix(k), VICTIM, costs, Limits::default(), &mut oracle);
            assert_eq!(shrunk.minimal, [culprit, VICTIM]);
            *total += spent;
        }
    }
    // Measured: about 52,000 units by time against 69,000 by count.
    assert!(
        timed < 0.85 * counted,
        "by time {timed}, by count {counted}"
    );
}

#[test]
fn the_same_oracle_gives_the_same_reductions() {
    let p = prefix(90);
    let run = || {
        let mut oracle = fake(needs(vec![10, 44, 80]));
        shrink_with(&p, &mut oracle)
    };
    assert_eq!(run(), run());
}

/// Prints the cost of each planted case, per test of the prefix (`cargo test --release --lib
/// shrink_costs -- --ignored --nocapture`): one culprit at every place, two and three needed
/// culprits at 301 seeded places each; the benchmark proper is `cargo bench --bench shrink`, on
/// the real binary. Compare the means with `scripts/shrink-floor.py`.
#[test]
#[ignore]
fn shrink_costs() {
    for k in [50usize, 400, 2000] {
        for (name, count) in [("one", 1usize), ("two", 2), ("three", 3)] {
            let places: Vec<Vec<TestId>> = if count == 1 {
                (0..k).map(|p| vec![p]).collect()
            } else {
                (0..301)
                    .map(|seed| {
                        let mut culprits = shuffled(k, seed)[..count].to_vec();
                        culprits.sort_unstable();
                        culprits
                    })
                    .collect()
            };
            let costs: Vec<u64> = places
                .into_iter()
                .map(|culprits| shrink_with(&prefix(k), &mut fake(needs(culprits))).executions)
                .collect();
            let per_k = |x: f64| x / k as f64;
            let mean = costs.iter().sum::<u64>() as f64 / costs.len() as f64;
            let max = costs.iter().max().copied().unwrap_or(0);
            println!(
                "k={k:5} {name:6} mean {:.2}·k median {:.2}·k max {:.2}·k",
                per_k(mean),
                per_k(median(costs) as f64),
                per_k(max as f64),
            );
        }
        let mut oracle = fake(|_: &[TestId]| false);
        let flaky = shrink_with(&prefix(k), &mut oracle).executions;
        println!("k={k:5} never fails again: {flaky}");
    }
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
        weights in prop::collection::vec(0.0f64..10.0, 60),
    ) {
        let fails = needs(culprits.clone());
        let mut oracle = fake(needs(culprits.clone()));
        let costs = Costs { tests: weights[..p.len()].to_vec(), per_run: weights[0] };
        let shrunk = shrink(&p, VICTIM, &costs, Limits::default(), &mut oracle);
        prop_assert!(shrunk.proven_minimal());
        assert_one_minimal(&p, &shrunk.minimal, fails);
        prop_assert_eq!(shrunk.minimal.len(), culprits.len() + 1);
    }

    #[test]
    fn a_cleaner_anywhere_still_gives_a_one_minimal_result(
        p in prop::collection::vec(0usize..12, 1..50),
    ) {
        let mut p = p;
        p.push(3); // the last 3 comes after every 9: the original fails
        let mut oracle = fake(polluted_unless_cleaned);
        let shrunk = shrink_with(&p, &mut oracle);
        prop_assert!(shrunk.proven_minimal());
        assert_one_minimal(&p, &shrunk.minimal, polluted_unless_cleaned);
    }
}

/// An oracle that remembers what it was told would come next, with `width` workers: when a
/// candidate is asked, the spare `width - 1` workers start the first of the candidates it was
/// told would come after it, so the next question is answered at once when it is one of them.
struct Ahead<F: FnMut(&[TestId]) -> bool> {
    inner: Fake<F>,
    width: usize,
    /// Told before the question now being asked: what comes after it.
    told: HashSet<Vec<TestId>>,
    /// Running on the spare workers while this question runs.
    running: HashSet<Vec<TestId>>,
    asked: usize,
    hits: usize,
}

impl<F: FnMut(&[TestId]) -> bool> Oracle for Ahead<F> {
    fn probe(&mut self, candidate: &[TestId]) -> Answer {
        self.asked += 1;
        if self.running.contains(candidate) {
            self.hits += 1;
        }
        self.running = std::mem::take(&mut self.told);
        self.inner.probe(candidate)
    }

    fn prefetch(&mut self, candidates: &[Vec<TestId>]) {
        self.told = candidates.iter().take(self.width - 1).cloned().collect();
    }
}

#[test]
fn prefetching_changes_nothing_and_mostly_guesses_right() {
    for (n, culprit) in [(100, 7), (100, 63), (400, 391), (400, 120)] {
        let plain = shrink_with(&prefix(n), &mut fake(needs(vec![culprit])));
        for width in [2, 4] {
            let mut ahead = Ahead {
                inner: fake(needs(vec![culprit])),
                width,
                told: HashSet::new(),
                running: HashSet::new(),
                asked: 0,
                hits: 0,
            };
            let shrunk = shrink(
                &prefix(n),
                VICTIM,
                &Costs::default(),
                Limits::default(),
                &mut ahead,
            );
            assert_eq!(shrunk, plain, "the same shrink whatever was prefetched");
            // With 4 workers both outcomes of every probe are covered: every question but the
            // first (the victim alone) was running already. With 2, the likelier outcome: at
            // least half of them.
            let later = ahead.asked - 1;
            let enough = if width == 4 {
                ahead.hits >= later
            } else {
                2 * ahead.hits >= later
            };
            assert!(
                enough,
                "n {n}, culprit {culprit}, width {width}: {} of {} asked were ready",
                ahead.hits, ahead.asked
            );
        }
    }
}

#[test]
fn a_known_cause_is_tried_first_and_proven_from_there() {
    // 7 pollutes; this victim fails after it, as an earlier victim did.
    let mut oracle = fake(needs(vec![7]));
    let shrunk = shrink_by(
        Method::default(),
        &prefix(60),
        VICTIM,
        &Costs::default(),
        Limits::default(),
        &[vec![3, 9], vec![7]],
        &mut oracle,
    );
    assert_eq!(shrunk.minimal, [7, VICTIM]);
    assert_eq!(shrunk.cause, Some(1));
    assert!(shrunk.proven_minimal());
    // The first cause (3 9: passes), the second (7: fails), then the victim alone for the
    // proof (it passes: 7 is needed); the proof's only removal is that, already known.
    assert_eq!(shrunk.tries, 3, "{:?}", oracle.reduced);
    assert_eq!(shrunk.reductions[0].algorithm, Algorithm::KnownCause);

    // A cause the prefix does not hold, or that does not reproduce, changes nothing.
    let plain = shrink_with(&prefix(60), &mut fake(needs(vec![42])));
    let mut oracle = fake(needs(vec![42]));
    let knowing = shrink_by(
        Method::default(),
        &prefix(60),
        VICTIM,
        &Costs::default(),
        Limits::default(),
        &[vec![99], vec![7]],
        &mut oracle,
    );
    assert_eq!(knowing.minimal, plain.minimal);
    assert_eq!(knowing.cause, None);
    assert_eq!(
        knowing.tries,
        plain.tries + 1,
        "one run for the cause it held (7)"
    );
}

// --reduce testsmoke: Apache::TestSmoke's binary halves and random windows, then the proof.

fn testsmoke_with<F: FnMut(&[TestId]) -> bool>(
    p: &[TestId],
    seed: u64,
    oracle: &mut Fake<F>,
) -> Shrunk {
    let method = Method {
        reducer: Reducer::Testsmoke,
        seed,
    };
    shrink_by(
        method,
        p,
        VICTIM,
        &Costs::default(),
        Limits::default(),
        &[],
        oracle,
    )
}

fn algorithms(shrunk: &Shrunk) -> Vec<Algorithm> {
    shrunk.reductions.iter().map(|r| r.algorithm).collect()
}

#[test]
fn testsmoke_finds_one_polluter_by_halves_and_proves_it() {
    for seed in 0..20 {
        let p = prefix(200);
        let culprit = shuffled(200, seed)[0];
        let mut oracle = fake(needs(vec![culprit]));
        let shrunk = testsmoke_with(&p, seed, &mut oracle);
        assert_eq!(shrunk.minimal, [culprit, VICTIM], "seed {seed}");
        assert!(shrunk.proven_minimal());
        assert_eq!(shrunk.classification, Some(Classification::OrderDependent));
        assert_one_minimal(&p, &shrunk.minimal, needs(vec![culprit]));
        // One culprit is always in one half: binary search alone finds it.
        assert!(
            algorithms(&shrunk)
                .iter()
                .all(|a| *a == Algorithm::TestsmokeBinary),
            "seed {seed}: {:?}",
            algorithms(&shrunk)
        );
        assert_eq!(shrunk.executions, oracle.executed);
    }
}

#[test]
fn testsmoke_finds_two_polluters_both_needed_with_windows() {
    let mut windows = 0;
    for seed in 0..20 {
        let k = 120;
        let s = shuffled(k, seed + 100);
        let mut pair = vec![s[0], s[1]];
        pair.sort_unstable();
        let mut oracle = fake(needs(pair.clone()));
        let shrunk = testsmoke_with(&prefix(k), seed, &mut oracle);
        let mut expected = pair.clone();
        expected.push(VICTIM);
        assert_eq!(shrunk.minimal, expected, "seed {seed}");
        assert!(shrunk.proven_minimal());
        assert_one_minimal(&prefix(k), &shrunk.minimal, needs(pair));
        windows += algorithms(&shrunk)
            .iter()
            .filter(|a| **a == Algorithm::TestsmokeWindow)
            .count();
    }
    assert!(windows > 0, "no random window ever reduced");
}

#[test]
fn testsmoke_drops_a_cleaner_between_polluter_and_victim() {
    let p = vec![1, 3, 4, 9, 2, 3, 6];
    for seed in 0..10 {
        let mut oracle = fake(polluted_unless_cleaned);
        let shrunk = testsmoke_with(&p, seed, &mut oracle);
        assert_eq!(shrunk.minimal, [3, VICTIM], "seed {seed}");
        assert!(shrunk.proven_minimal());
    }
    // A cleaner right after the only polluter: nothing but the polluter can stay.
    let p: Vec<TestId> = vec![5, 3, 7, 9, 8, 3, 1, 9, 3, 2];
    let mut oracle = fake(polluted_unless_cleaned);
    let shrunk = testsmoke_with(&p, 7, &mut oracle);
    assert_one_minimal(&p, &shrunk.minimal, polluted_unless_cleaned);
    assert_eq!(shrunk.minimal, [3, VICTIM]);
}

#[test]
fn testsmoke_is_deterministic_for_a_seed_and_the_seed_matters() {
    let run = |seed: u64| {
        let mut oracle = fake(needs(vec![11, 40, 77]));
        let shrunk = testsmoke_with(&prefix(90), seed, &mut oracle);
        assert_eq!(shrunk.minimal, [11, 40, 77, VICTIM]);
        assert!(shrunk.proven_minimal());
        (shrunk.reductions, shrunk.executions, oracle.reduced)
    };
    assert_eq!(run(3), run(3));
    let differ = (0..10).any(|seed| run(seed).1 != run(seed + 10).1);
    assert!(differ, "the seed changes nothing");
}

#[test]
fn testsmoke_keeps_memo_budget_and_flakiness_as_smoke_does() {
    // Never fails again: flaky, and the whole prefix was asked once (the confirmation).
    let mut oracle = fake(|_: &[TestId]| false);
    let shrunk = testsmoke_with(&prefix(30), 1, &mut oracle);
    assert_eq!(shrunk.classification, Some(Classification::Flaky));
    assert_eq!(
        shrunk.minimal,
        [(0..30).collect::<Vec<_>>(), vec![VICTIM]].concat()
    );
    assert!(!shrunk.proven_minimal());
    // The budget stops it and keeps the best so far.
    let mut oracle = fake(needs(vec![3, 250]));
    let limits = Limits {
        retries: 0,
        max_executions: Some(400),
    };
    let method = Method {
        reducer: Reducer::Testsmoke,
        seed: 1,
    };
    let shrunk = shrink_by(
        method,
        &prefix(300),
        VICTIM,
        &Costs::default(),
        limits,
        &[],
        &mut oracle,
    );
    assert_eq!(shrunk.halted, Some(Halt::Budget));
    assert!(shrunk.executions <= 400);
    assert!(needs(vec![3, 250])(&shrunk.minimal));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn testsmoke_keeps_the_failure_is_one_minimal_and_keeps_order(
        (p, culprits) in planted(),
        seed in 0u64..1000,
    ) {
        let mut oracle = fake(needs(culprits.clone()));
        let shrunk = testsmoke_with(&p, seed, &mut oracle);
        prop_assert!(shrunk.proven_minimal());
        assert_one_minimal(&p, &shrunk.minimal, needs(culprits.clone()));
        prop_assert_eq!(shrunk.minimal.len(), culprits.len() + 1);
    }
}
