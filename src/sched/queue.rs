//! The queue of executions waiting for room, scanned in order on every
//! pass: FIFO keeps arrival order, SIZE lets smaller `size` values go
//! first. Both stop at the first execution that does not fit (head-of-line
//! blocking, as in Zoe), so a big job is never starved by a stream of
//! small ones behind it in FIFO.

use super::{Demand, Plan, Rejection, Simulation, plan_within};
use crate::model::PlacementPolicy;

pub use crate::model::QueueOrder;

#[derive(Debug, Clone, PartialEq)]
pub struct QueuedExecution {
    pub id: crate::model::ExecutionId,
    /// The description's `size` (smaller runs first with SIZE).
    pub size: u64,
    pub demands: Vec<Demand>,
    /// The one target it must run on (`start --on`), if any.
    pub target: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleOutcome {
    /// Executions to start now, with their plans, in order.
    pub launch: Vec<(crate::model::ExecutionId, Plan)>,
    /// Executions left waiting and why (the blocking one has the reason;
    /// those behind it are waiting for it).
    pub waiting: Vec<(crate::model::ExecutionId, Option<Rejection>)>,
}

/// One scheduling pass over the queue, on a simulation of the nodes.
pub fn schedule(
    sim: &mut Simulation,
    queue: &[QueuedExecution],
    order: QueueOrder,
    policy: PlacementPolicy,
    pick: &mut dyn FnMut(usize) -> usize,
) -> ScheduleOutcome {
    let mut ordered: Vec<&QueuedExecution> = queue.iter().collect();
    if order == QueueOrder::Size {
        ordered.sort_by_key(|q| q.size); // stable: arrival order among equals
    }
    let mut outcome = ScheduleOutcome {
        launch: Vec::new(),
        waiting: Vec::new(),
    };
    let mut blocked = false;
    for q in ordered {
        if blocked {
            outcome.waiting.push((q.id.clone(), None));
            continue;
        }
        match plan_within(sim, &q.demands, policy, q.target.as_deref(), pick) {
            Ok(p) => outcome.launch.push((q.id.clone(), p)),
            Err(rejection) => {
                outcome.waiting.push((q.id.clone(), Some(rejection)));
                blocked = true;
            }
        }
    }
    outcome
}
