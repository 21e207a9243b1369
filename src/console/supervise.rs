//! One supervision pass, what Zoe's scheduler loop does between requests
//! (dead services, then elastic growth), for a console that talks to the
//! hosts directly:
//! * an execution whose essential service stopped is ended: its other
//!   services are stopped (kept, so their logs stay readable) and the
//!   reason recorded;
//! * an elastic service that died is removed and placed again;
//! * elastic services that found no room at launch are started as soon as
//!   there is room, on the execution's host when its network is host-local.
//!
//! The TUI runs it periodically; `zoe supervise` runs it headless. It
//! tends only the executions of the owners `tends` accepts: who asks may
//! operate them (their own; everybody's with `can_operate_others`).

use super::events::{Event, Events};
use super::executions::ExecutionView;
use super::launch::{now_secs, start_instance};
use super::observe::{Wait, observe};
use crate::backend::Targets;
use crate::backend::execution_network;
use crate::backend::labels::{self, ExecutionLabels};
use crate::backend::{BackendState, NodeSnapshot};
use crate::config::Settings;
use crate::model::{ExecutionId, ExecutionIdentity, ExecutionStatus};
use crate::sched::{Demand, Simulation, plan};
use crate::shop::expand::{Instance, expand};
use crate::state::{StateError, Store};

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SuperviseReport {
    /// Executions ended because an essential service stopped: (id, reason).
    pub ended: Vec<(ExecutionId, String)>,
    /// Elastic services started: (execution, instance, host).
    pub started: Vec<(ExecutionId, String, String)>,
    /// Dead elastic services removed before being placed again.
    pub removed: Vec<(ExecutionId, String)>,
    /// Things that could not be done now, and why.
    pub problems: Vec<String>,
    /// Services of ended executions still to stop, when the caller asked to
    /// stop them itself (so that a long grace period holds nothing up):
    /// (execution, host, workload).
    #[serde(skip)]
    pub to_stop: Vec<(ExecutionId, String, String)>,
}

/// One pass over the executions whose owner `tends` accepts; returns what
/// was done and the cluster as seen before it.
pub async fn supervise_pass(
    cluster: &Targets,
    settings: &Settings,
    store: &Store,
    events: &Events,
    detach_stops: bool,
    tends: &dyn Fn(&str) -> bool,
) -> Result<(SuperviseReport, super::observe::Observation), StateError> {
    // hosts that do not answer in time are judged at a later pass
    let seen = observe(cluster, settings, store, Wait::Answer, true).await?;
    let mut report = SuperviseReport::default();
    let mut nodes = seen.nodes.clone();
    // Executions whose essential service stopped: their end is recorded and
    // announced first (a front shows it at once), then what still runs of
    // all of them is stopped at the same time.
    // Not those being terminated (the terminating console closes them as
    // it means to) nor launches another live console still has under way.
    let mut ending: Vec<&ExecutionView> = Vec::new();
    for view in seen
        .views
        .iter()
        .filter(|v| !v.status.is_active() && tends(&v.owner))
    {
        let busy = store
            .get(&settings.deployment_name, &view.id)?
            .is_some_and(|r| {
                r.status == ExecutionStatus::CleaningUp
                    || matches!(
                        r.status,
                        ExecutionStatus::Submitted | ExecutionStatus::Starting
                    ) && !r.launcher.is_empty()
                        && !crate::state::launcher_is_gone(&r.launcher)
            });
        if !busy {
            ending.push(view);
        }
    }
    for view in &ending {
        let changed = match &view.reason {
            Some(reason) => store.set_status(
                &settings.deployment_name,
                &view.id,
                view.status,
                Some(reason),
                now_secs(),
            )?,
            None => false,
        };
        let still_running = view
            .instances
            .iter()
            .any(|i| i.state == BackendState::Started);
        if changed || still_running {
            events.emit(Event::Status {
                execution: view.id.clone(),
                status: view.status,
                reason: view.reason.clone(),
            });
        }
    }
    for view in &ending {
        let running = running_of(view, &seen.nodes);
        if !running.is_empty() {
            report
                .ended
                .push((view.id.clone(), view.reason.clone().unwrap_or_default()));
            report.to_stop.extend(running);
        }
    }
    if !detach_stops {
        let to_stop = std::mem::take(&mut report.to_stop);
        report
            .problems
            .extend(stop_all(cluster, settings, &to_stop).await);
    }
    for view in &seen.views {
        if !view.status.is_active() || !tends(&view.owner) {
            continue;
        }
        // only what the cache holds as alive is grown: not one being
        // cleaned up or that ended (whatever its containers say)
        let Some(record) = store.get(&settings.deployment_name, &view.id)? else {
            continue;
        };
        if !record.status.is_active() || record.status == ExecutionStatus::CleaningUp {
            tracing::debug!("supervise: {} is {}: not grown", view.id, record.status);
            continue;
        }
        // another console is still creating it: not ours to touch yet
        if matches!(
            record.status,
            ExecutionStatus::Submitted | ExecutionStatus::Starting
        ) && !record.launcher.is_empty()
            && !crate::state::launcher_is_gone(&record.launcher)
        {
            tracing::debug!(
                "supervise: {} is being launched by another console: left alone",
                view.id
            );
            continue;
        }
        if view.status == ExecutionStatus::Running {
            grow_elastic(cluster, settings, view, &mut nodes, events, &mut report).await;
        }
    }
    for (id, instance) in &report.removed {
        store.add_restart(&settings.deployment_name, id, instance)?;
    }
    log_report(&report);
    Ok((report, seen))
}

/// What a pass did, for the log file.
fn log_report(report: &SuperviseReport) {
    for (id, reason) in &report.ended {
        tracing::info!("supervise: ended {id}: {reason}");
    }
    for (id, instance) in &report.removed {
        tracing::info!("supervise: {id}: removed dead elastic service {instance}");
    }
    for (id, instance, host) in &report.started {
        tracing::info!("supervise: {id}: started elastic service {instance} on {host}");
    }
    for problem in &report.problems {
        tracing::warn!("supervise: {problem}");
    }
}

/// What still runs of an execution: (execution, host, workload).
fn running_of(view: &ExecutionView, nodes: &[NodeSnapshot]) -> Vec<(ExecutionId, String, String)> {
    nodes
        .iter()
        .flat_map(|n| n.services.iter().map(move |s| (n.name.as_str(), s)))
        .filter(|(_, s)| s.execution_id == view.id && s.state == BackendState::Started)
        .map(|(host, s)| (view.id.clone(), host.to_string(), s.id.clone()))
        .collect()
}

/// Stops services of ended executions, every one at once, each with the
/// grace period; what could not be stopped.
pub async fn stop_all(
    cluster: &Targets,
    settings: &Settings,
    to_stop: &[(ExecutionId, String, String)],
) -> Vec<String> {
    let stops = to_stop.iter().map(|(id, host, workload)| async move {
        cluster
            .stop(host, workload, settings.stop_grace_secs)
            .await
            .map_err(|e| format!("{id}: {e}"))
    });
    futures::future::join_all(stops)
        .await
        .into_iter()
        .filter_map(Result::err)
        .collect()
}

/// Rebuilds the instances of an execution from its labels.
fn rebuild(
    view: &ExecutionView,
    settings: &Settings,
) -> Result<(crate::model::Description, Vec<Instance>), String> {
    let text = view
        .description
        .as_deref()
        .ok_or("its containers carry no description (not started by zoe-console)")?;
    let description = crate::shop::validate::parse_stored(text)?;
    let (fs_uid, fs_gid) = view.fs_ids.unwrap_or((0, settings.fs_gid));
    let identity = ExecutionIdentity {
        id: ExecutionId::parse(&view.id)?,
        name: view.name.clone(),
        owner: view.owner.clone(),
        deployment: settings.deployment_name.clone(),
        fs_uid,
        fs_gid,
    };
    let instances = expand(&description, &identity).map_err(|errs| {
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok((description, instances))
}

async fn grow_elastic(
    cluster: &Targets,
    settings: &Settings,
    view: &ExecutionView,
    nodes: &mut [NodeSnapshot],
    events: &Events,
    report: &mut SuperviseReport,
) {
    let dead: Vec<_> = view
        .instances
        .iter()
        .filter(|i| {
            !i.essential
                && matches!(
                    i.state,
                    BackendState::Dead | BackendState::OomKilled | BackendState::Destroyed
                )
        })
        .collect();
    let present: Vec<&str> = view
        .instances
        .iter()
        .filter(|i| !dead.iter().any(|d| d.instance == i.instance))
        .map(|i| i.instance.as_str())
        .collect();
    let (description, instances) = match rebuild(view, settings) {
        Ok(rebuilt) => rebuilt,
        Err(why) => {
            if !dead.is_empty() {
                report.problems.push(format!(
                    "{}: cannot place elastic services again: {why}",
                    view.id
                ));
            }
            return;
        }
    };
    let missing: Vec<&Instance> = instances
        .iter()
        .filter(|i| !i.essential && !present.contains(&i.name.as_str()))
        .collect();
    if missing.is_empty() {
        return;
    }
    // dead elastic containers go first (as in Zoe: terminated, then re-placed)
    for d in &dead {
        let container = nodes
            .iter()
            .flat_map(|n| &n.services)
            .find(|s| s.execution_id == view.id && s.instance == d.instance)
            .map(|s| s.id.clone());
        if let Some(container) = container {
            match cluster.remove(&d.host, &container, 0).await {
                Ok(()) => report.removed.push((view.id.clone(), d.instance.clone())),
                Err(e) => {
                    report.problems.push(format!("{}: {e}", view.id));
                    return;
                }
            }
        }
    }
    // where: the online nodes of the domain the execution runs in (its
    // instances reach each other only there)
    let domains: Vec<&str> = nodes
        .iter()
        .filter(|n| view.hosts.contains(&n.name))
        .map(|n| n.domain.as_str())
        .collect();
    let candidates: Vec<_> = nodes
        .iter()
        .filter(|n| n.is_online() && domains.contains(&n.domain.as_str()))
        .map(NodeSnapshot::placement_view)
        .collect();
    let demands: Vec<Demand> = missing
        .iter()
        .map(|i| Demand {
            instance: i.name.clone(),
            essential: false,
            memory: i.memory_bytes,
            cores: i.cores,
            labels: i.labels.clone(),
            image: i.image.clone(),
        })
        .collect();
    let mut sim = Simulation::new(&candidates);
    let mut first = |_: usize| 0;
    let Ok(planned) = plan(&mut sim, &demands, settings.placement_policy, &mut first) else {
        return;
    };
    let network = execution_network(&view.id, settings.network.as_deref());
    let execution_labels = labels_of(view, settings, &description);
    for placement in &planned.placements {
        let Some(instance) = missing.iter().find(|i| i.name == placement.instance) else {
            continue;
        };
        let host = placement.node.as_str();
        let labels = labels::container_labels(&execution_labels, instance);
        let started =
            start_instance(cluster, host, instance, &network, labels, &view.id, events).await;
        match started {
            Ok(s) => {
                events.emit(Event::Running {
                    execution: view.id.clone(),
                    instance: instance.name.clone(),
                    host: host.to_string(),
                    container: s.id,
                });
                report
                    .started
                    .push((view.id.clone(), instance.name.clone(), host.to_string()));
                // later executions in this pass see the room taken
                if let Some(node) = nodes.iter_mut().find(|n| n.name == host) {
                    node.take(instance.memory_bytes, instance.cores);
                }
            }
            Err(e) => report
                .problems
                .push(format!("{}: {} on {host}: {e}", view.id, instance.name)),
        }
    }
}

/// Makes one instance of an execution again on `host`, exactly as its
/// launch made it (the description on its labels, the same labels): what
/// an essential restart does on a target that cannot restart a workload in
/// place (a pod is deleted and made again). The workload id it got.
pub(super) async fn recreate_instance(
    cluster: &Targets,
    settings: &Settings,
    view: &ExecutionView,
    instance: &str,
    host: &str,
    events: &Events,
) -> Result<String, String> {
    let (description, instances) = rebuild(view, settings)?;
    let Some(planned) = instances.iter().find(|i| i.name == instance) else {
        return Err(format!(
            "{}: its description has no instance {instance}",
            view.id
        ));
    };
    let network = execution_network(&view.id, settings.network.as_deref());
    let execution_labels = labels_of(view, settings, &description);
    let labels = labels::container_labels(&execution_labels, planned);
    start_instance(cluster, host, planned, &network, labels, &view.id, events)
        .await
        .map(|started| started.id)
        .map_err(|e| format!("{}: {instance} on {host}: {e}", view.id))
}

/// The labels an instance of `view` is made again with: what its
/// containers carried (the description rebuilt from them).
fn labels_of<'a>(
    view: &'a ExecutionView,
    settings: &'a Settings,
    description: &'a crate::model::Description,
) -> ExecutionLabels<'a> {
    ExecutionLabels {
        id: &view.id,
        name: &view.name,
        owner: &view.owner,
        deployment: &settings.deployment_name,
        entry: &view.entry,
        submitted: view.submitted.unwrap_or_else(now_secs),
        description,
        parameters: &view.parameters,
        fs_uid: view.fs_ids.map_or(0, |ids| ids.0),
        fs_gid: view.fs_ids.map_or(settings.fs_gid, |ids| ids.1),
    }
}
