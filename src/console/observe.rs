//! One look at the cluster: every host read concurrently, executions rebuilt
//! from labels, the cache reconciled both ways, pending cleanups retried
//! (interrupted launches, leftovers), nodes remembered.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::cleanup::{INTERRUPTED, find_leftovers, hosts_of, retry_due};
use super::executions::{ExecutionView, executions_from_nodes};
use super::launch::now_secs;
use crate::backend::NodeSnapshot;
use crate::backend::Targets;
use crate::config::Settings;
use crate::model::{ExecutionId, ExecutionStatus};
use crate::state::{Answered, ReconcileReport, StateError, Store, launcher_tag, reconcile};

/// How long a look waits for the hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Every host, up to its deadline: for what places or removes
    /// containers.
    Every,
    /// The hosts that answer in time for an answer (the settings'
    /// `host_patience_ms` after the first one): for what only shows.
    Answer,
}

pub struct Observation {
    pub nodes: Vec<NodeSnapshot>,
    pub views: Vec<ExecutionView>,
    pub report: ReconcileReport,
}

impl Observation {
    /// Every host answered.
    pub fn complete(&self) -> bool {
        self.nodes.iter().all(NodeSnapshot::is_online)
    }
}

/// One look: every target read at once (`wait` says for how long), the
/// cache reconciled with what answered. When
/// `may_change` (not read-only), what must be cleaned up is recorded and
/// whatever is due is retried: interrupted launches, leftovers of ended
/// executions, cleanups an earlier console could not finish.
pub async fn observe(
    cluster: &Targets,
    settings: &Settings,
    store: &Store,
    wait: Wait,
    may_change: bool,
) -> Result<Observation, StateError> {
    let deployment = settings.deployment_name.as_str();
    let patience = match wait {
        Wait::Every => None,
        Wait::Answer => Some(Duration::from_millis(u64::from(settings.host_patience_ms))),
    };
    let look = cluster.snapshot_all(deployment, patience).await;
    // a read joined while under way is as old as when it was asked for
    let looked_at = unix_secs(look.asked_at).min(now_secs());
    let mut nodes = look.nodes;
    let now = now_secs();
    let launched = launched_before(store, deployment, looked_at)?;
    let mut views = executions_from_nodes(&nodes, now, &launched);
    let online: Vec<String> = nodes
        .iter()
        .filter(|n| n.is_online())
        .map(|n| n.name.clone())
        .collect();
    let foreign: Vec<String> = nodes
        .iter()
        .flat_map(|n| n.foreign.iter().filter_map(|f| f.claims.clone()))
        .collect();
    let answered = Answered {
        hosts: &online,
        all_configured: online.len() == nodes.len(),
        looked_at,
        foreign: &foreign,
    };
    let report = reconcile(store, deployment, &views, answered, now)?;
    if may_change {
        let configured = cluster.names();
        for id in &report.interrupted {
            // The console that launched it died mid-way: what it left is
            // removed from wherever it may be (its requests may still be
            // under way on a host that hung: the cleanup looks again).
            let record = store.get(deployment, id)?;
            let hosts = hosts_of(id, record.as_ref(), &nodes, &[], &configured);
            tracing::warn!(
                "launch of {id} was interrupted (its console stopped): cleaning up {}",
                hosts.join(", ")
            );
            store.plan_cleanup(
                deployment,
                id,
                &hosts,
                ExecutionStatus::Error,
                Some(INTERRUPTED),
                &launcher_tag(),
                now,
                now,
            )?;
        }
        for done in cluster.tidy().await {
            tracing::info!("{done}");
        }
        let leftovers = find_leftovers(store, deployment, &nodes, &views, &configured, now)?;
        for (host, id) in &leftovers.networks {
            tracing::info!("{id} ended: removing its network left alone on {host}");
            match cluster.clean_execution(host, deployment, id, 0).await {
                Ok(cleaned) if cleaned.left.is_empty() => {
                    for node in nodes.iter_mut().filter(|n| n.name == *host) {
                        node.networks.retain(|n| n.execution_id != *id);
                    }
                }
                Ok(cleaned) => tracing::warn!(
                    "{id}: {host} still holds {}: tried again at the next look",
                    cleaned.left.join(", ")
                ),
                Err(e) => tracing::warn!("{id}: removing its network from {host}: {e}"),
            }
        }
        for outcome in retry_due(cluster, settings, store, &online).await? {
            if outcome.closed.is_some() {
                let id = &outcome.id;
                // nothing of it is left: the look shows it so
                views.retain(|v| v.id != *id);
                for node in &mut nodes {
                    node.services.retain(|s| s.execution_id != *id);
                    node.networks.retain(|n| n.execution_id != *id);
                }
            }
        }
    }
    // the nodes as last seen are a convenience: never a reason to fail
    if let Err(e) = store.save_nodes(deployment, &nodes, now) {
        tracing::warn!("the state cache could not record the nodes: {e}");
    }
    Ok(Observation {
        nodes,
        views,
        report,
    })
}

/// A launch that wrote `running` this many seconds before a look began is
/// over for that look (a cluster's watchers may lag the API server a
/// little behind what another console just made).
pub const LAUNCH_SETTLED_SECS: u64 = 2;

/// The executions whose launch the cache says is over before the look
/// began: running, with their placement recorded. A missing essential
/// service of theirs has gone (not "still being created").
fn launched_before(
    store: &Store,
    deployment: &str,
    looked_at: u64,
) -> Result<Vec<ExecutionId>, StateError> {
    Ok(store
        .list(deployment, false)?
        .into_iter()
        .filter(|r| {
            r.status == ExecutionStatus::Running
                && !r.hosts.is_empty()
                && r.started
                    .is_some_and(|at| at.saturating_add(LAUNCH_SETTLED_SECS) <= looked_at)
        })
        .map(|r| r.id)
        .collect())
}

/// Unix seconds of a point in time (0 before the epoch).
fn unix_secs(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
