//! Pure: shrinking a failing sequence to the few tests that still make the failing test (the
//! victim) fail the same way, for the fewest test executions.
//!
//! The algorithms only see an [`Oracle`]: "does this candidate (some prefix tests, then the
//! victim) fail the same way, and how many tests did finding out run?". Running processes,
//! comparing failure kinds and matching output belong to the oracle the runner builds; here there
//! is no process, clock or terminal, so every step is tested against fake oracles with planted
//! culprits, and the cost of every step is counted.
//!
//! The steps, in order:
//! 1. **alone**: the victim alone. If it fails, the failure is `fails-alone` and `[victim]` is
//!    minimal.
//! 2. **narrowing** (`chunks`): binary-half search over the prefix, split by measured duration,
//!    that infers the part it does not run (it runs the end of each part nearer to an end of the
//!    prefix), and switches to ddmin-style complement reduction over several chunks when the
//!    failure needs tests from both parts. The first failing candidate
//!    confirms the original failure; if nothing ever fails again, the failure is `flaky` and is
//!    not reduced.
//!    With `--reduce testsmoke` (`testsmoke`), Apache::TestSmoke's own reduction narrows
//!    instead: binary halves, then random windows, round after round (see that module).
//! 3. **one-minimal**: drop single tests until a whole pass drops none. This is also the proof:
//!    the result was seen to fail, and each single removal was seen to pass (`retries + 1` times).
//!
//! Every candidate keeps the relative order of the original sequence and ends with the victim.
//! No candidate is run twice: verdicts are remembered by exact sequence. `--retries N` makes a
//! candidate count as passing only after N+1 clean runs; a candidate that fails after a clean
//! run makes the failure `flaky`, with the observed rate, and it is still shrunk.

mod chunks;
pub mod confirm;
#[cfg(test)]
mod tests;
mod testsmoke;

use crate::model::{Classification, TestId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// The oracle's verdict on one run of a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The victim failed the same way, at the end of the candidate.
    Fails,
    /// It did not (it passed, failed differently, or another test failed first).
    Passes,
    /// Stop shrinking now (interrupted, or setup failed): keep what is known so far.
    Stop,
}

/// One run of a candidate: the verdict and how many tests it ran (a run that stops at another
/// test's failure costs only up to there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    pub probe: Probe,
    pub executed: usize,
}

/// Runs candidate sequences for the shrinker.
pub trait Oracle {
    /// Run `candidate` (prefix tests, then the victim last) once.
    fn probe(&mut self, candidate: &[TestId]) -> Answer;

    /// Called after each successful reduction with the new shortest failing sequence.
    fn reduced(&mut self, _step: &Reduction, _sequence: &[TestId]) {}

    /// The candidates the shrink is likely to ask next, likeliest first, not yet asked. An
    /// oracle with idle workers may run them ahead of time, so that the answer is ready when the
    /// question comes; the shrink asks exactly what it would have asked without this.
    fn prefetch(&mut self, _candidates: &[Vec<TestId>]) {}
}

/// How much one shrink may spend, and how sure a pass must be.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Extra runs before a candidate counts as passing (`--retries`).
    pub retries: u32,
    /// Test executions one shrink may spend (`--max-reduce`); `None`: no cap.
    pub max_executions: Option<u64>,
}

/// What a test costs to run, in any one unit (the runner uses seconds measured in the failing
/// run). Used only to decide where to split; a wrong guess costs time, never correctness.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Costs {
    /// One per prefix position.
    pub tests: Vec<f64>,
    /// Paid by every candidate run whatever it holds: the victim, setup and teardown.
    pub per_run: f64,
}

/// The algorithm that found a reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// The victim alone still fails.
    Alone,
    /// Part of the prefix, with the rest dropped, still fails.
    BinaryHalf,
    /// The failure needs tests from several parts; one part's half could be dropped (ddmin-style
    /// complement reduction).
    Complement,
    /// One test could be dropped.
    OneMinimal,
    /// The tests that made another test fail earlier in the run make this one fail too.
    KnownCause,
    /// `--reduce testsmoke`: the upper or lower half of the current sequence still fails.
    TestsmokeBinary,
    /// `--reduce testsmoke`: a random window (the tests from a random left one to a random
    /// right one after it) still fails.
    TestsmokeWindow,
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Algorithm::Alone => "alone",
            Algorithm::BinaryHalf => "binary-half",
            Algorithm::Complement => "complement",
            Algorithm::OneMinimal => "one-minimal",
            Algorithm::KnownCause => "known-cause",
            Algorithm::TestsmokeBinary => "testsmoke-binary",
            Algorithm::TestsmokeWindow => "testsmoke-window",
        })
    }
}

/// Which narrowing a shrink uses (`--reduce`). Both start with the victim alone and the known
/// causes, and both end with the same 1-minimal proof: they differ in how the prefix is cut
/// down in between.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reducer {
    /// smoke's own: binary-half search by duration with inference, then complement reduction.
    #[default]
    Smoke,
    /// Apache::TestSmoke's: binary halves, then random windows, in rounds.
    Testsmoke,
}

impl fmt::Display for Reducer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reducer::Smoke => "smoke",
            Reducer::Testsmoke => "testsmoke",
        })
    }
}

/// The narrowing to use, and the seed its random choices are drawn from (the failing
/// iteration's seed, so that a shrink is the same every time it is replayed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Method {
    pub reducer: Reducer,
    pub seed: u64,
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

/// Why a shrink ended before it finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Halt {
    /// The oracle said [`Probe::Stop`].
    Oracle,
    /// The next run would have passed [`Limits::max_executions`].
    Budget,
}

/// How often sequences that fail did fail: `failed` of `runs`. The original run counts (1 of 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub failed: u32,
    pub runs: u32,
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.failed, self.runs)
    }
}

/// What a shrink found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    /// The index, in the causes it was given, of the one that reproduced the failure.
    pub cause: Option<usize>,
    /// `None` when the shrink halted before the failure was seen again.
    pub classification: Option<Classification>,
    /// The shortest sequence seen to fail the same way, victim last. When the failure never came
    /// back, the original.
    pub minimal: Vec<TestId>,
    /// Every successful reduction, in order.
    pub reductions: Vec<Reduction>,
    /// How many candidate runs the oracle made (retries included).
    pub tries: usize,
    /// How many tests those runs executed.
    pub executions: u64,
    /// Why it ended early; `None`: finished, and `minimal` is verified 1-minimal (it failed, and
    /// every single removal passed) unless the failure never came back.
    pub halted: Option<Halt>,
    /// How often the sequences that fail failed when run.
    pub reproduced: Rate,
}

impl Shrunk {
    /// Finished, and the failure came back: `minimal` was seen to fail and every single removal
    /// was seen to pass (`retries + 1` times each).
    pub fn proven_minimal(&self) -> bool {
        self.halted.is_none() && self.came_back()
    }

    /// Some candidate failed the same way again after the original run.
    pub fn came_back(&self) -> bool {
        self.reproduced.failed > 1
    }
}

/// How many single removals the one-minimal pass tells the oracle about ahead of the one it
/// asks.
const PREFETCH_AHEAD: usize = 8;

/// The positions in `hay` of `needle`'s tests, in order, each as early as it can be; `None`
/// when `hay` does not hold them in that order.
fn embed(hay: &[TestId], needle: &[TestId]) -> Option<Vec<usize>> {
    let mut positions = Vec::with_capacity(needle.len());
    let mut from = 0;
    for n in needle {
        let at = from + hay[from..].iter().position(|h| h == n)?;
        positions.push(at);
        from = at + 1;
    }
    Some(positions)
}

/// True when `needle` occurs in `hay` in order, gaps allowed (a subsequence).
pub fn contains_in_order(hay: &[TestId], needle: &[TestId]) -> bool {
    let mut rest = hay.iter();
    needle.iter().all(|n| rest.any(|h| h == n))
}

/// Shrink the failure of `victim` after `prefix`, with smoke's narrowing and no known causes.
pub fn shrink(
    prefix: &[TestId],
    victim: TestId,
    costs: &Costs,
    limits: Limits,
    oracle: &mut dyn Oracle,
) -> Shrunk {
    shrink_by(
        Method::default(),
        prefix,
        victim,
        costs,
        limits,
        &[],
        oracle,
    )
}

/// [`shrink`], trying `causes` first: the tests that made other victims fail earlier in the run
/// (each in order, cheapest first). When the prefix holds a cause, in order, that cause followed
/// by the victim is run first: if it fails the same way, that one run attributes the failure,
/// the victim alone is run for the proof (if it fails alone after all, it is that), and
/// [`Shrunk::cause`] says which cause. One polluter that breaks many tests then costs one run
/// per further victim, plus one for its proof, instead of a shrink each. `method` picks the
/// narrowing that runs when no cause does.
pub fn shrink_by(
    method: Method,
    prefix: &[TestId],
    victim: TestId,
    costs: &Costs,
    limits: Limits,
    causes: &[Vec<TestId>],
    oracle: &mut dyn Oracle,
) -> Shrunk {
    let mut search = Search {
        method,
        causes,
        cause: None,
        prefix,
        victim,
        costs: chunks::Weights::new(costs, prefix.len()),
        limits,
        oracle,
        memo: HashMap::new(),
        best: (0..prefix.len()).collect(),
        confirmed: false,
        reductions: Vec::new(),
        tries: 0,
        executions: 0,
        reproduced: Rate { failed: 1, runs: 1 },
        inconsistent: false,
    };
    let result = search.run();
    let (classification, halted) = match result {
        Ok(class) => (Some(class), None),
        Err(halt) => (
            search
                .confirmed
                .then(|| search.classify(Classification::OrderDependent)),
            Some(halt),
        ),
    };
    let minimal = search.sequence(&search.best);
    Shrunk {
        cause: search.cause,
        classification,
        minimal,
        reductions: search.reductions,
        tries: search.tries,
        executions: search.executions,
        halted,
        reproduced: search.reproduced,
    }
}

/// The state of one shrink. Candidates are held as positions in the original prefix (so that
/// costs stay attached to them) and asked of the oracle as test ids.
struct Search<'a> {
    /// The narrowing, and the seed of its random choices.
    method: Method,
    prefix: &'a [TestId],
    /// Known causes to try first (see [`shrink_by`]).
    causes: &'a [Vec<TestId>],
    /// The cause that reproduced the failure.
    cause: Option<usize>,
    victim: TestId,
    costs: chunks::Weights,
    limits: Limits,
    oracle: &'a mut dyn Oracle,
    /// Verdicts by exact candidate, so that no candidate runs twice.
    memo: HashMap<Vec<TestId>, bool>,
    /// Positions of the shortest prefix seen to fail (before confirmation: all of them).
    best: Vec<usize>,
    /// Whether some candidate has failed the same way since the original run.
    confirmed: bool,
    reductions: Vec<Reduction>,
    tries: usize,
    executions: u64,
    reproduced: Rate,
    /// A candidate failed after a clean run of the same candidate.
    inconsistent: bool,
}

impl Search<'_> {
    fn run(&mut self) -> Result<Classification, Halt> {
        // While the victim runs alone, the first narrowing probe can run beside it.
        let whole: Vec<usize> = (0..self.prefix.len()).collect();
        let first = match self.method.reducer {
            Reducer::Smoke => self.probe_for(&vec![whole]),
            Reducer::Testsmoke => testsmoke::first(&whole),
        };
        // A known cause first: when it reproduces, that one run attributes the failure, and
        // the victim alone (which the proof needs anyway) shows whether the cause is needed.
        if self.known_cause()? {
            if self.check(&[])? {
                self.cause = None;
                self.accept(Algorithm::Alone, Vec::new());
                return Ok(self.classify(Classification::FailsAlone));
            }
            self.one_minimal()?;
            return Ok(self.classify(Classification::OrderDependent));
        }
        self.prefetch(first.into_iter().collect());
        if self.check(&[])? {
            self.accept(Algorithm::Alone, Vec::new());
            return Ok(self.classify(Classification::FailsAlone));
        }
        let narrowed = match self.method.reducer {
            _ if self.prefix.is_empty() => false,
            Reducer::Smoke => self.narrow()?,
            Reducer::Testsmoke => self.testsmoke()?,
        };
        if !narrowed {
            return Ok(Classification::Flaky);
        }
        self.one_minimal()?;
        Ok(self.classify(Classification::OrderDependent))
    }

    /// Try each known cause the prefix holds, in order, followed by the victim: true (and the
    /// best so far) when one fails the same way.
    fn known_cause(&mut self) -> Result<bool, Halt> {
        for (i, cause) in self.causes.iter().enumerate() {
            let Some(positions) = embed(self.prefix, cause) else {
                continue;
            };
            if positions.is_empty() {
                continue;
            }
            if self.check(&positions)? {
                self.accept(Algorithm::KnownCause, positions);
                self.cause = Some(i);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A failure seen to pass and fail on the same sequence is flaky, whatever else it is.
    fn classify(&self, class: Classification) -> Classification {
        if self.inconsistent {
            Classification::Flaky
        } else {
            class
        }
    }

    /// Make sure the best sequence has failed again since the original run. False when it
    /// does not come back: the failure is flaky.
    fn confirm(&mut self) -> Result<bool, Halt> {
        if !self.confirmed {
            let best = self.best.clone();
            self.confirmed = self.check(&best)?;
        }
        Ok(self.confirmed)
    }

    /// Drop single tests until a whole pass drops none: then every single removal of the result
    /// has been seen to pass, so it is 1-minimal.
    fn one_minimal(&mut self) -> Result<(), Halt> {
        loop {
            let mut dropped = false;
            let mut i = 0;
            while i < self.best.len() {
                let mut candidate = self.best.clone();
                candidate.remove(i);
                // Most removals of a nearly minimal sequence pass: the ones after this one are
                // likely next.
                let ahead = (i + 1..self.best.len())
                    .take(PREFETCH_AHEAD)
                    .map(|j| {
                        let mut next = self.best.clone();
                        next.remove(j);
                        next
                    })
                    .collect();
                self.prefetch(ahead);
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

    /// Tell the oracle what is likely asked next (positions, likeliest first), leaving out what
    /// is already known.
    fn prefetch(&mut self, likely: Vec<Vec<usize>>) {
        let mut candidates: Vec<Vec<TestId>> = Vec::new();
        for positions in likely {
            let candidate = self.sequence(&positions);
            if !self.memo.contains_key(&candidate) && !candidates.contains(&candidate) {
                candidates.push(candidate);
            }
        }
        if !candidates.is_empty() {
            self.oracle.prefetch(&candidates);
        }
    }

    /// The candidate for `positions`: their tests in order, then the victim.
    fn sequence(&self, positions: &[usize]) -> Vec<TestId> {
        let mut candidate: Vec<TestId> = positions.iter().map(|&p| self.prefix[p]).collect();
        candidate.push(self.victim);
        candidate
    }

    /// Whether `positions` followed by the victim fails the same way: asked of the oracle at most
    /// once per distinct candidate, and up to `retries + 1` times before it counts as passing.
    fn check(&mut self, positions: &[usize]) -> Result<bool, Halt> {
        let candidate = self.sequence(positions);
        if let Some(&fails) = self.memo.get(&candidate) {
            return Ok(fails);
        }
        let mut fails = false;
        for run in 1..=self.limits.retries + 1 {
            if let Some(max) = self.limits.max_executions
                && self.executions + candidate.len() as u64 > max
            {
                return Err(Halt::Budget);
            }
            self.tries += 1;
            let answer = self.oracle.probe(&candidate);
            self.executions += answer.executed as u64;
            match answer.probe {
                Probe::Stop => return Err(Halt::Oracle),
                Probe::Passes => {}
                Probe::Fails => {
                    fails = true;
                    self.reproduced.failed += 1;
                    self.reproduced.runs += run;
                    self.inconsistent |= run > 1;
                    break;
                }
            }
        }
        self.memo.insert(candidate, fails);
        Ok(fails)
    }

    /// Record a reduction to `positions` (which have just been seen to fail).
    fn accept(&mut self, algorithm: Algorithm, positions: Vec<usize>) {
        self.confirmed = true;
        self.best = positions;
        let sequence = self.sequence(&self.best);
        let step = Reduction {
            algorithm,
            length: sequence.len(),
        };
        self.reductions.push(step);
        self.oracle.reduced(&step, &sequence);
    }
}
