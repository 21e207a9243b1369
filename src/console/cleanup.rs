//! Cleanups the engine never gives up on. Whatever must be removed (a kill,
//! a failed launch's rollback, what an interrupted launch left, leftovers
//! found later) is recorded per host in the cache *before* anything is
//! removed (`state::cleanup`); then each host is cleaned and asked again
//! whether anything of the execution is left. Only when every host says
//! nothing is the record closed. Every later look retries what is due.

use std::collections::BTreeMap;
use std::time::Duration;

use super::events::{Event, Events};
use super::launch::now_secs;
use crate::backend::Targets;
use crate::config::Settings;
use crate::model::{ExecutionId, ExecutionRecord, ExecutionStatus, ExecutionView, NodeSnapshot};
use crate::state::{Closed, PendingCleanup, StateError, Store, launcher_tag};

/// The reason an interrupted launch is closed with once it is cleaned up.
pub const INTERRUPTED: &str =
    "launch interrupted: the console that started it stopped; what it had created was removed";

/// How long a host that was just cleaned is watched for things a request it
/// was still carrying out makes after all (a host that hung mid-launch
/// finishes the create requests it had when it comes back).
const SETTLE: Duration = Duration::from_secs(1);

/// What to remove, and what the record becomes afterwards.
#[derive(Debug, Clone)]
pub struct CleanupPlan<'a> {
    pub id: &'a ExecutionId,
    /// Where to look (every configured host when empty).
    pub hosts: Vec<String>,
    pub close_as: ExecutionStatus,
    pub reason: Option<String>,
    /// The grace period each service gets to stop.
    pub grace_secs: u32,
    /// Look again a moment after a host came out clean (anything but a kill
    /// of a running execution: requests may still be under way).
    pub settle: bool,
    /// Hosts recorded but not tried now (the look just found them offline):
    /// a later look tries them once they answer.
    pub offline: Vec<String>,
}

/// What one round of cleaning an execution did.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanupOutcome {
    pub id: ExecutionId,
    pub removed: usize,
    /// Hosts not clean yet, and why.
    pub failed: Vec<(String, String)>,
    /// Set when the record was closed: nothing of it is left.
    pub closed: Option<Closed>,
}

/// Where an execution may have left something: the hosts its record names,
/// those the cluster shows holding its containers or network, and those a
/// cleanup is pending on; every configured host when nothing says.
pub fn hosts_of(
    id: &ExecutionId,
    record: Option<&ExecutionRecord>,
    nodes: &[NodeSnapshot],
    pending: &[PendingCleanup],
    configured: &[String],
) -> Vec<String> {
    let mut hosts: Vec<String> = record.map(|r| r.hosts.clone()).unwrap_or_default();
    for node in nodes {
        let holds = node.services.iter().any(|s| s.execution_id == *id)
            || node.networks.iter().any(|n| n.execution_id == *id);
        if holds {
            hosts.push(node.name.clone());
        }
    }
    hosts.extend(
        pending
            .iter()
            .filter(|p| p.id == *id)
            .map(|p| p.host.clone()),
    );
    if hosts.is_empty() {
        hosts = configured.to_vec();
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Records the cleanup, then carries it out on every host it is pending on.
/// A cache that refuses the record does not stop the removal.
pub async fn clean_up(
    cluster: &Targets,
    settings: &Settings,
    store: &Store,
    plan: CleanupPlan<'_>,
    events: &Events,
) -> (CleanupOutcome, Option<StateError>) {
    let deployment = settings.deployment_name.as_str();
    let now = now_secs();
    let hosts = if plan.hosts.is_empty() {
        cluster.names()
    } else {
        plan.hosts.clone()
    };
    let planned = store.plan_cleanup(
        deployment,
        plan.id,
        &hosts,
        plan.close_as,
        plan.reason.as_deref(),
        &launcher_tag(),
        // other consoles leave it to this one while its services get their
        // grace period, and a minute more
        now.saturating_add(u64::from(settings.stop_grace_secs) + 60),
        now,
    );
    let mut rows: Vec<String> = store
        .cleanups(deployment)
        .map(|rows| {
            rows.into_iter()
                .filter(|r| r.id == *plan.id)
                .map(|r| r.host)
                .collect()
        })
        .unwrap_or_default();
    rows.extend(hosts);
    rows.sort();
    rows.dedup();
    let (offline, rows): (Vec<String>, Vec<String>) =
        rows.into_iter().partition(|h| plan.offline.contains(h));
    let (mut outcome, write) = run(
        cluster,
        settings,
        store,
        plan.id,
        &rows,
        plan.grace_secs,
        plan.settle,
        events,
    )
    .await;
    for host in offline {
        outcome.failed.push((
            host,
            "offline: cleaned up as soon as a look finds it answering".to_string(),
        ));
    }
    (outcome, planned.err().or(write))
}

/// Tries every cleanup that is due on the hosts that answered this look.
pub async fn retry_due(
    cluster: &Targets,
    settings: &Settings,
    store: &Store,
    online: &[String],
) -> Result<Vec<CleanupOutcome>, StateError> {
    let now = now_secs();
    let mut due: BTreeMap<ExecutionId, Vec<String>> = BTreeMap::new();
    for row in store.cleanups(&settings.deployment_name)? {
        if row.is_due(now) && online.contains(&row.host) {
            due.entry(row.id).or_default().push(row.host);
        }
    }
    // every execution at once: one slow host holds up only its own
    let none = Events::none();
    let runs = due.iter().map(|(id, hosts)| {
        tracing::info!("cleaning up {id} on {} (retry)", hosts.join(", "));
        run(cluster, settings, store, id, hosts, 0, true, &none)
    });
    let mut outcomes = Vec::new();
    for (outcome, write) in futures::future::join_all(runs).await {
        if let Some(e) = write {
            return Err(e);
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Cleans the execution on `hosts` at once and records each host's result:
/// clean hosts lose their row (the last one closes the record), the others
/// are put off with what is left and why.
#[allow(clippy::too_many_arguments)]
async fn run(
    cluster: &Targets,
    settings: &Settings,
    store: &Store,
    id: &ExecutionId,
    hosts: &[String],
    grace_secs: u32,
    settle: bool,
    events: &Events,
) -> (CleanupOutcome, Option<StateError>) {
    let deployment = settings.deployment_name.as_str();
    let clean = |host: String| async move {
        let result = cluster
            .clean_execution(&host, deployment, id, grace_secs)
            .await;
        (host, result)
    };
    let mut results = futures::future::join_all(hosts.iter().cloned().map(clean)).await;
    if settle
        && results
            .iter()
            .any(|(_, r)| r.as_ref().is_ok_and(|c| c.left.is_empty()))
    {
        tokio::time::sleep(SETTLE).await;
        for (host, result) in &mut results {
            if let Ok(first) = result
                && first.left.is_empty()
            {
                let again = cluster.clean_execution(host, deployment, id, 0).await;
                *result = again.map(|mut c| {
                    c.removed += first.removed;
                    if c.removed > first.removed {
                        tracing::warn!(
                            "cleaning up {id} on {host}: {} more appeared after the first pass and were removed",
                            c.removed - first.removed
                        );
                    }
                    c
                });
            }
        }
    }
    let mut outcome = CleanupOutcome {
        id: id.clone(),
        removed: 0,
        failed: Vec::new(),
        closed: None,
    };
    let mut write = None;
    let now = now_secs();
    let me = launcher_tag();
    for (host, result) in results {
        let recorded = match result {
            Ok(cleaned) => {
                outcome.removed += cleaned.removed;
                events.emit(Event::Removed {
                    execution: id.clone(),
                    host: host.clone(),
                    containers: cleaned.removed,
                });
                if cleaned.left.is_empty() {
                    store
                        .cleanup_done(deployment, id, &host, now)
                        .map(|closed| {
                            outcome.closed = outcome.closed.take().or(closed);
                        })
                } else {
                    let left = cleaned.left.join(", ");
                    let why = if cleaned.errors.is_empty() {
                        "it appeared while the host was being cleaned".to_string()
                    } else {
                        cleaned.errors.join("; ")
                    };
                    tracing::warn!("cleaning up {id} on {host}: {left} left: {why}");
                    outcome
                        .failed
                        .push((host.clone(), format!("{left} left: {why}")));
                    store.cleanup_failed(deployment, id, &host, &why, Some(&left), &me, now)
                }
            }
            Err(e) => {
                tracing::warn!("cleaning up {id} on {host}: {e}");
                outcome.failed.push((host.clone(), e.to_string()));
                store.cleanup_failed(deployment, id, &host, &e.to_string(), None, &me, now)
            }
        };
        if let Err(e) = recorded {
            write = write.or(Some(e));
        }
    }
    if let Some(closed) = &outcome.closed {
        tracing::info!(
            "{id}: nothing of it is left on the cluster; closed as {} ({} removed)",
            closed.status,
            crate::model::text::count(outcome.removed as u64, "container", "containers")
        );
    }
    (outcome, write)
}

/// What a look found left of executions that ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Leftovers {
    /// Executions whose record was opened again for a cleanup.
    pub planned: Vec<ExecutionId>,
    /// (host, execution): a network with none of its execution's containers
    /// beside it, of a run that ended by itself (its kept containers stay
    /// where they are): removed by itself, found again by the next look if
    /// that fails.
    pub networks: Vec<(String, ExecutionId)>,
}

/// Finds what is left of executions that ended: anything of one closed by
/// a cleanup (a request its host finished late) is planned for a cleanup
/// (its record shows `cleaning up` again); a network alone on a host is
/// listed for removal. Also gives a `cleaning up` record without pending
/// rows (a kill by an older console) its rows. Nothing is removed here.
pub fn find_leftovers(
    store: &Store,
    deployment: &str,
    nodes: &[NodeSnapshot],
    views: &[ExecutionView],
    configured: &[String],
    now: u64,
) -> Result<Leftovers, StateError> {
    let mut found = Leftovers::default();
    let mut seen: Vec<&ExecutionId> = views.iter().map(|v| &v.id).collect();
    seen.extend(
        nodes
            .iter()
            .flat_map(|n| n.networks.iter().map(|n| &n.execution_id)),
    );
    seen.sort();
    seen.dedup();
    let me = launcher_tag();
    for id in seen {
        let Some(record) = store.get(deployment, id)? else {
            continue; // another console's, or not ours to judge
        };
        if record.status.is_active() {
            continue;
        }
        let cleaned = store.was_cleaned(deployment, id)?;
        let mut hosts: Vec<String> = Vec::new();
        for node in nodes.iter().filter(|n| n.is_online()) {
            let containers = node.services.iter().any(|s| s.execution_id == *id);
            let network = node.networks.iter().any(|n| n.execution_id == *id);
            if cleaned && (containers || network) {
                hosts.push(node.name.clone());
            } else if network && !containers {
                found.networks.push((node.name.clone(), id.clone()));
            }
        }
        if hosts.is_empty() {
            continue;
        }
        tracing::warn!(
            "{id} was cleaned up ({}) but {} still {} something of it: cleaning up again",
            record.status,
            hosts.join(", "),
            if hosts.len() == 1 { "holds" } else { "hold" }
        );
        store.plan_cleanup(
            deployment,
            id,
            &hosts,
            record.status,
            record.reason.as_deref(),
            &me,
            now,
            now,
        )?;
        found.planned.push(id.clone());
    }
    for record in store.list(deployment, false)? {
        if record.status == ExecutionStatus::CleaningUp {
            let hosts = hosts_of(&record.id, Some(&record), nodes, &[], configured);
            if store.adopt_cleanup(deployment, &record.id, &hosts, &me, now)? {
                found.planned.push(record.id.clone());
            }
        }
    }
    Ok(found)
}
