//! Outside drivers: a program or a test harness, not an order, chooses each next test.
//!
//! Two forms share one seam, the [`Driver`] a worker asks for each next [`Step`] of an
//! iteration's sequence and tells each result: `--order external --controller CMD` (a process
//! speaking JSON lines on its stdin and stdout, `process`), and `--control-dir DIR` (any
//! harness that only runs commands: each `smoke op DIR` is one step of smoke's current order,
//! `smoke check DIR` ends the sequence; `fifo` is smoke's side, `client` the commands'). The
//! lines themselves are `protocol`, pure and unit-tested. Drivers are asked only for an
//! iteration's own sequence; shrinking, checks and reruns run recorded sequences as for any
//! order. This module decides nothing about failures and writes no report.

pub mod client;
pub mod fifo;
pub mod process;
pub mod protocol;

use crate::model::{Outcome, TestId};
pub use protocol::Step;
use std::time::Duration;

/// What a worker asks and tells an outside driver during one driven sequence.
pub trait Driver: Send {
    /// A sequence begins: setup has run.
    fn start(&mut self, iteration: u32, seed: u64) -> anyhow::Result<()>;
    /// What to run next; `None` when `stopping()` became true while waiting (a signal).
    fn next(&mut self, stopping: &dyn Fn() -> bool) -> anyhow::Result<Option<Step>>;
    /// The test the last [`Step::Run`] named ended so.
    fn finished(
        &mut self,
        test: TestId,
        outcome: Outcome,
        duration: Duration,
    ) -> anyhow::Result<()>;
}

/// How often a waiting driver looks at the interrupt flag.
pub(crate) const POLL: Duration = Duration::from_millis(20);

/// The tests a driver may name, each once, in the selection's order, as `(shown, id)`.
pub fn choices(names: &crate::model::TestNames, selection: &[TestId]) -> Vec<(String, TestId)> {
    let mut seen = std::collections::HashSet::new();
    selection
        .iter()
        .filter(|&&t| seen.insert(t))
        .map(|&t| (names.shown(t).to_string(), t))
        .collect()
}
