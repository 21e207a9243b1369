//! The queue, as the engine waits in it: a launch that finds no room is
//! recorded as `queued` with the reason and waits until a scheduling pass
//! over every queued execution of the deployment (FIFO or SIZE) picks it;
//! what can never fit is found before, by placing it on empty targets.

use super::Prepared;
use super::engine::{Engine, EngineError, QUEUE_POLL};
use super::events::{Event, Events};
use super::launch::{demands, plan_on};
use crate::config::Settings;
use crate::model::{ExecutionRecord, ExecutionStatus, NodeSnapshot};
use crate::sched::{Demand, QueuedExecution, Rejection, Simulation, schedule};
use crate::state::launcher_is_gone;

impl Engine {
    /// Waits, recorded as `queued` with the reason, until a scheduling pass
    /// over every queued execution of this deployment (FIFO or SIZE, as
    /// configured) picks this one.
    pub(super) async fn wait_for_room(
        &self,
        prepared: &Prepared,
        progress: &Events,
    ) -> Result<Vec<NodeSnapshot>, EngineError> {
        let id = prepared.identity.id.clone();
        let mut last_reason = String::new();
        loop {
            let seen = self.observe(super::observe::Wait::Every).await?;
            // killed while waiting? (another console may have done it)
            match self.store.get(self.deployment(), &id)? {
                Some(r)
                    if matches!(
                        r.status,
                        ExecutionStatus::Submitted | ExecutionStatus::Queued
                    ) => {}
                Some(r) => {
                    return Err(EngineError::Refused(format!(
                        "execution {id} was {} while it waited for room{}",
                        r.status,
                        r.reason.map(|why| format!(": {why}")).unwrap_or_default()
                    )));
                }
                None => {
                    return Err(EngineError::Cache(format!(
                        "execution {id} vanished from the state cache while it waited"
                    )));
                }
            }
            match self.queue_pass(prepared, &seen.nodes)? {
                // the nodes this was decided on: the launch places on them
                None => return Ok(seen.nodes),
                Some(reason) => {
                    if reason != last_reason {
                        let event = Event::Status {
                            execution: id.clone(),
                            status: ExecutionStatus::Queued,
                            reason: Some(reason.clone()),
                        };
                        self.record(&event);
                        progress.emit(event);
                        last_reason = reason;
                    }
                }
            }
            tokio::time::sleep(QUEUE_POLL).await;
        }
    }

    /// One scheduling pass over the queue: `None` when this execution may
    /// go now, else why it waits.
    fn queue_pass(
        &self,
        prepared: &Prepared,
        nodes: &[NodeSnapshot],
    ) -> Result<Option<String>, EngineError> {
        let settings = &self.settings;
        let id = prepared.identity.id.clone();
        let records = self.store.list(self.deployment(), false)?;
        let queued: Vec<QueuedExecution> = records
            .iter()
            .filter(|r| r.id == id || r.status == ExecutionStatus::Queued)
            .filter_map(|r| {
                let (size, demands) = if r.id == id {
                    (prepared.description.size, demands(prepared))
                } else {
                    queued_demands(r)?
                };
                Some(QueuedExecution {
                    id: r.id.clone(),
                    size,
                    demands,
                    target: (r.id == id).then(|| prepared.target.clone()).flatten(),
                })
            })
            .rev() // the cache lists newest first; the queue is oldest first
            .collect();
        let views: Vec<_> = nodes.iter().map(NodeSnapshot::placement_view).collect();
        let mut sim = Simulation::new(&views);
        let mut pick = |n: usize| n.saturating_sub(1);
        // Launches other consoles have under way hold their room already,
        // even before their containers exist (pulls can take minutes).
        for record in &records {
            let in_flight = matches!(
                record.status,
                ExecutionStatus::Submitted | ExecutionStatus::Starting
            ) && record.id != id
                && !launcher_is_gone(&record.launcher);
            if let Some((_, demands)) = in_flight.then(|| queued_demands(record)).flatten() {
                let _ =
                    crate::sched::plan(&mut sim, &demands, settings.placement_policy, &mut pick);
            }
        }
        let pass = schedule(
            &mut sim,
            &queued,
            settings.scheduler_policy,
            settings.placement_policy,
            &mut pick,
        );
        if pass.launch.iter().any(|(q, _)| *q == id) {
            return Ok(None);
        }
        Ok(Some(match pass.waiting.iter().find(|(q, _)| *q == id) {
            Some((_, Some(rejection))) => rejection.to_string(),
            _ => "waiting for the executions queued before it".to_string(),
        }))
    }
}

/// Plans the execution on the targets as if each were empty: whether it
/// could ever fit.
pub(super) fn plan_when_empty(
    nodes: &[NodeSnapshot],
    prepared: &Prepared,
    settings: &Settings,
) -> Result<(), Rejection> {
    let empty: Vec<NodeSnapshot> = nodes
        .iter()
        .map(|n| {
            let mut n = n.clone();
            n.cores_reserved = 0.0;
            n.memory_reserved = 0;
            n.container_count = 0;
            n.detail.cores_requested = n.detail.cores_requested.map(|_| 0.0);
            n.detail.memory_requested = n.detail.memory_requested.map(|_| 0);
            n
        })
        .collect();
    if empty.is_empty() {
        return Ok(()); // nothing known: no grounds to refuse
    }
    plan_on(&empty, prepared, settings).map(|_| ())
}

/// What a queued execution recorded by another console asks for, rebuilt
/// from its stored description.
fn queued_demands(record: &ExecutionRecord) -> Option<(u64, Vec<Demand>)> {
    let description = crate::shop::validate::parse_stored(record.description.as_deref()?).ok()?;
    let mut demands = Vec::new();
    for group in &description.services {
        for n in 0..group.total_count {
            demands.push(Demand {
                instance: format!("{}{n}", group.name),
                essential: n < group.essential_count,
                memory: group.memory_min(),
                cores: group.cores_min(),
                labels: group.labels().to_vec(),
                image: group.image.clone(),
            });
        }
    }
    Some((description.size, demands))
}
