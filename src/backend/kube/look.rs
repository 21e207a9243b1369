//! A look at a cluster: its nodes as the engine's neutral snapshots, built
//! from what the watchers keep (no request to the API server).

use std::collections::HashMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;
use kube::runtime::reflector::ObjectRef;

use super::cluster::{Live, pods_by_node};
use super::workloads::{Found, MEANT_FOR, classify_pod};
use crate::backend::BackendError;
use crate::config::deployment_key::DeploymentKey;
use crate::config::kube::KubeTarget;
use crate::model::{ForeignContainer, NodeSnapshot, Workload};

/// How a cluster target is named on screen (display only).
pub const KIND: &str = "cluster";

/// The snapshot of a cluster that cannot be read, and why: its context and
/// namespace as configured (the kubeconfig's current context and the
/// context's namespace when not set).
pub fn offline(target: &KubeTarget, why: String) -> NodeSnapshot {
    let mut node = NodeSnapshot::offline(
        &target.name,
        String::new(),
        target.external_address.clone().unwrap_or_default(),
        Vec::new(),
        why,
    );
    node.detail.pulls_images = true;
    node.detail.memory_fills = true;
    node.detail.target_kind = Some(KIND.into());
    node.detail.context = target.context.clone();
    node.detail.namespace = target.namespace.clone();
    node
}

/// The nodes of a connected cluster, with this deployment's pods on them.
pub fn nodes(
    target: &KubeTarget,
    live: &Live,
    deployment: &str,
    key: &DeploymentKey,
) -> Result<Vec<NodeSnapshot>, BackendError> {
    if let Some(why) = live.trouble() {
        tracing::debug!("cluster {}: a watcher retries: {why}", target.name);
    }
    let mut nodes = live.nodes.state();
    nodes.sort_by_key(|n| n.name_any());
    if nodes.is_empty() {
        let mut none = offline(
            target,
            format!(
                "cluster {} (context {}) has no nodes",
                live.conn.server, live.conn.context
            ),
        );
        none.detail.context = Some(live.conn.context.clone());
        none.detail.namespace = Some(live.conn.namespace.clone());
        return Ok(vec![none]);
    }
    let pods = live.pods.state();
    let by_node = pods_by_node(&pods);
    let services = live.services.state();
    let mut ours: HashMap<String, Vec<Workload>> = HashMap::new();
    let mut foreign: HashMap<String, Vec<ForeignContainer>> = HashMap::new();
    let first = nodes.first().map(|n| n.name_any()).unwrap_or_default();
    let pod_services: Vec<_> = services.iter().map(Arc::as_ref).collect();
    for pod in live.ours.state() {
        let node = node_of(&pod, &nodes, &first);
        match classify_pod(key, &pod, &pod_services) {
            Some(Found::Ours(w)) => ours.entry(node).or_default().push(*w),
            Some(Found::Foreign(f)) => foreign.entry(node).or_default().push(f),
            None => {}
        }
    }
    // deleted from outside: shown destroyed for a while (see `vanished`)
    for pod in live.deletions.vanished() {
        if live.ours.get(&ObjectRef::from_obj(pod.as_ref())).is_some() {
            continue;
        }
        let node = node_of(&pod, &nodes, &first);
        if let Some(Found::Ours(mut w)) = classify_pod(key, &deleted(&pod), &pod_services) {
            w.engine_status = "Deleted".into();
            ours.entry(node).or_default().push(*w);
        }
    }
    let none: Vec<Arc<Pod>> = Vec::new();
    Ok(nodes
        .iter()
        .map(|node| {
            let name = node.name_any();
            let on_node: Vec<&Pod> = by_node
                .get(&name)
                .unwrap_or(&none)
                .iter()
                .map(Arc::as_ref)
                .collect();
            let mut snapshot = super::node::node_snapshot(
                &target.name,
                node,
                &on_node,
                deployment,
                key,
                &target.tolerations,
                ours.remove(&name).unwrap_or_default(),
            );
            snapshot.foreign = foreign.remove(&name).unwrap_or_default();
            if let Some(address) = &target.external_address {
                snapshot.external_address = address.clone();
            }
            snapshot.detail.context = Some(live.conn.context.clone());
            snapshot.detail.namespace = Some(live.conn.namespace.clone());
            if snapshot.detail.partial.is_none() {
                snapshot.detail.partial = live.partial.clone();
            }
            snapshot
        })
        .collect())
}

/// A pod as it was when it was deleted: destroyed, removed.
fn deleted(pod: &Pod) -> Pod {
    let mut pod = pod.clone();
    if pod.metadata.deletion_timestamp.is_none() {
        pod.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                k8s_openapi::jiff::Timestamp::now(),
            ));
    }
    pod
}

/// The node a pod is shown on: where it is bound, else where the console
/// meant it to go, else the first node.
fn node_of(pod: &Pod, nodes: &[Arc<k8s_openapi::api::core::v1::Node>], first: &str) -> String {
    if let Some(bound) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) {
        return bound;
    }
    pod.annotations()
        .get(MEANT_FOR)
        .filter(|meant| nodes.iter().any(|n| n.name_any() == **meant))
        .cloned()
        .unwrap_or_else(|| first.to_string())
}
