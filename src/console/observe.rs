//! One look at the cluster: every host read concurrently, executions rebuilt
//! from labels, the cache reconciled both ways, interrupted launches cleaned
//! up, nodes remembered.

use super::events::Events;
use super::executions::{ExecutionView, executions_from_nodes};
use super::launch::{now_secs, remove_execution};
use crate::backend::NodeSnapshot;
use crate::backend::Targets;
use crate::config::Settings;
use crate::model::ExecutionStatus;
use crate::state::{Answered, ReconcileReport, StateError, Store, reconcile};

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

pub async fn observe(
    cluster: &Targets,
    settings: &Settings,
    store: &Store,
    with_usage: bool,
) -> Result<Observation, StateError> {
    let deployment = settings.deployment_name.as_str();
    let looked_at = now_secs();
    let nodes = cluster.snapshot_all(deployment, with_usage).await;
    let now = now_secs();
    let mut views = executions_from_nodes(&nodes, now);
    let online: Vec<String> = nodes
        .iter()
        .filter(|n| n.is_online())
        .map(|n| n.name.clone())
        .collect();
    let answered = Answered {
        hosts: &online,
        all_configured: online.len() == nodes.len(),
        looked_at,
    };
    let report = reconcile(store, deployment, &views, answered, now)?;
    for id in &report.interrupted {
        // The console that launched it died mid-way: remove what it left.
        // Requests it had sent may still be creating containers: until a
        // pass finds nothing more to remove (a few at most), go again.
        let mut removal = remove_execution(cluster, settings, id, &[], 0, &Events::none()).await;
        for _ in 0..3 {
            if removal.containers == 0 || !removal.failed.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(750)).await;
            removal = remove_execution(cluster, settings, id, &[], 0, &Events::none()).await;
        }
        let reason = if removal.failed.is_empty() {
            "launch interrupted: the console that started it stopped; what it had created was removed".to_string()
        } else {
            format!(
                "launch interrupted: the console that started it stopped; could not clean {} host(s)",
                removal.failed.len()
            )
        };
        store.set_status(deployment, id, ExecutionStatus::Error, Some(&reason), now)?;
        views.retain(|v| v.id != *id);
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
