//! The bridge between the pure shrinker (`reduce::shrink`, a loop that asks an [`Oracle`]) and
//! the controller: each shrink runs on a thread of its own, and its oracle sends every candidate
//! to the controller as a [`Msg::Probe`] and waits for the answer. The controller decides where
//! and when each candidate runs, next to iterations and other shrinks; the shrinker decides only
//! what to try next, as it does with one process at a time.

use super::messages::{Msg, Reply};
use crate::model::TestId;
use crate::reduce::{self, Answer, Costs, Limits, Method, Oracle, Probe, Reduction};
use std::sync::mpsc::{Receiver, Sender};

/// What one shrink needs, owned, so it can run on its own thread.
pub(super) struct Request {
    pub id: usize,
    pub prefix: Vec<TestId>,
    pub victim: TestId,
    pub costs: Costs,
    pub limits: Limits,
    /// The narrowing (`--reduce`), seeded with the failing iteration's seed.
    pub method: Method,
    /// What made other victims fail earlier in the run, cheapest first: tried first.
    pub causes: Vec<Vec<TestId>>,
}

/// Run the shrink to its end and hand the result to the controller.
pub(super) fn run(request: Request, to_controller: Sender<Msg>, replies: Receiver<Reply>) {
    // Should the shrink panic (a bug), the controller still hears that it ended.
    let mut lost = Lost {
        id: request.id,
        to_controller: to_controller.clone(),
        armed: true,
    };
    let mut oracle = ChannelOracle {
        id: request.id,
        to_controller: to_controller.clone(),
        replies,
    };
    let shrunk = reduce::shrink_by(
        request.method,
        &request.prefix,
        request.victim,
        &request.costs,
        request.limits,
        &request.causes,
        &mut oracle,
    );
    lost.armed = false;
    let _ = to_controller.send(Msg::Shrunk {
        id: request.id,
        shrunk,
    });
}

/// Says the shrink is lost when dropped armed: only a panic drops it so.
struct Lost {
    id: usize,
    to_controller: Sender<Msg>,
    armed: bool,
}

impl Drop for Lost {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.to_controller.send(Msg::Lost { id: self.id });
        }
    }
}

/// Asks the controller to run each candidate. A controller that has hung up (smoke is stopping
/// on an error) answers "stop".
struct ChannelOracle {
    id: usize,
    to_controller: Sender<Msg>,
    replies: Receiver<Reply>,
}

impl Oracle for ChannelOracle {
    fn probe(&mut self, candidate: &[TestId]) -> Answer {
        let stop = Answer {
            probe: Probe::Stop,
            executed: 0,
        };
        let asked = Msg::Probe {
            id: self.id,
            candidate: candidate.to_vec(),
        };
        if self.to_controller.send(asked).is_err() {
            return stop;
        }
        self.replies.recv().unwrap_or(stop)
    }

    fn prefetch(&mut self, candidates: &[Vec<TestId>]) {
        let _ = self.to_controller.send(Msg::Prefetch {
            id: self.id,
            candidates: candidates.to_vec(),
        });
    }

    fn reduced(&mut self, step: &Reduction, sequence: &[TestId]) {
        let _ = self.to_controller.send(Msg::Reduced {
            id: self.id,
            step: *step,
            sequence: sequence.to_vec(),
        });
    }
}
