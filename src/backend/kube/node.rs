//! A Kubernetes node as the console sees it: allocatable room, whether it
//! takes new work and why not (not ready, cordoned, a taint our pods do
//! not tolerate), labels and roles, its address; then the neutral
//! [`NodeSnapshot`] with the requests of the pods bound to it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod, Taint};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::quantity;
use super::requests::{Request, counts_on_node, pod_request};
use crate::backend::labels::{DEPLOYMENT, TYPE, TYPE_APP_SERVICE};
use crate::config::deployment_key::DeploymentKey;
use crate::config::kube::Toleration;
use crate::model::{NodeDetail, NodeSnapshot, Workload};

/// The room a node offers to pods (`status.allocatable`, else its
/// capacity, as the API server defaults it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allocatable {
    pub cpu_millis: u64,
    pub memory: u64,
    pub pods: u32,
}

/// The node's allocatable room; a quantity that does not parse counts 0
/// and is said in the error list.
pub fn allocatable(node: &Node) -> (Allocatable, Vec<String>) {
    let status = node.status.as_ref();
    let empty = BTreeMap::new();
    let allocatable = status.and_then(|s| s.allocatable.as_ref());
    let capacity = status.and_then(|s| s.capacity.as_ref());
    let get = |name: &str| -> Option<&Quantity> {
        allocatable
            .and_then(|a| a.get(name))
            .or_else(|| capacity.unwrap_or(&empty).get(name))
    };
    let mut problems = Vec::new();
    let mut read =
        |name: &str, parse: fn(&str) -> Result<u64, quantity::QuantityError>| match get(name)
            .map(|q| parse(&q.0))
        {
            None => 0,
            Some(Ok(value)) => value,
            Some(Err(e)) => {
                problems.push(format!("node allocatable {name}: {e}"));
                0
            }
        };
    let room = Allocatable {
        cpu_millis: read("cpu", quantity::cpu_millis),
        memory: read("memory", quantity::bytes),
        pods: u32::try_from(read("pods", quantity::bytes)).unwrap_or(u32::MAX),
    };
    (room, problems)
}

/// `None` when the node is Ready, else why not: `NotReady: <reason>
/// <message>`, `kubelet not reporting since <lastHeartbeatTime>`.
pub fn not_ready(node: &Node) -> Option<String> {
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"));
    let Some(ready) = ready else {
        return Some("NotReady: the node reports no Ready condition".to_string());
    };
    match ready.status.as_str() {
        "True" => None,
        "Unknown" => Some(match &ready.last_heartbeat_time {
            Some(t) => format!("kubelet not reporting since {}", t.0),
            None => "kubelet not reporting".to_string(),
        }),
        _ => {
            let words: Vec<&str> = [ready.reason.as_deref(), ready.message.as_deref()]
                .into_iter()
                .flatten()
                .filter(|w| !w.is_empty())
                .collect();
            Some(if words.is_empty() {
                "NotReady".to_string()
            } else {
                format!("NotReady: {}", words.join(" "))
            })
        }
    }
}

/// The taint a cordoned node carries (the scheduler lets pods that
/// tolerate it through).
const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

/// Whether `toleration` tolerates `taint`, as Kubernetes' `ToleratesTaint`:
/// an empty effect matches every effect, an empty key with `Exists` every
/// taint; `Equal` (or empty) compares values.
pub fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = toleration.effect.as_deref().filter(|e| !e.is_empty())
        && effect != taint.effect
    {
        return false;
    }
    if let Some(key) = toleration.key.as_deref().filter(|k| !k.is_empty())
        && key != taint.key
    {
        return false;
    }
    match toleration.operator.as_str() {
        "" | "Equal" => {
            toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
        }
        "Exists" => true,
        _ => false,
    }
}

/// A taint as kubectl writes it: `key=value:Effect` (`key:Effect` when it
/// has no value).
pub fn taint_text(taint: &Taint) -> String {
    match taint.value.as_deref().filter(|v| !v.is_empty()) {
        Some(value) => format!("{}={value}:{}", taint.key, taint.effect),
        None => format!("{}:{}", taint.key, taint.effect),
    }
}

fn taints(node: &Node) -> &[Taint] {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_deref())
        .unwrap_or(&[])
}

/// The NoSchedule and NoExecute taints none of `tolerations` tolerates
/// (PreferNoSchedule only steers the scheduler).
pub fn untolerated<'a>(node: &'a Node, tolerations: &[Toleration]) -> Vec<&'a Taint> {
    taints(node)
        .iter()
        .filter(|t| matches!(t.effect.as_str(), "NoSchedule" | "NoExecute"))
        .filter(|t| !tolerations.iter().any(|tol| tolerates(tol, t)))
        .collect()
}

/// Whether the node is cordoned (`spec.unschedulable`) and our pods do not
/// tolerate its unschedulable taint.
pub fn cordoned(node: &Node, tolerations: &[Toleration]) -> bool {
    let cordon = Taint {
        key: UNSCHEDULABLE_TAINT.to_string(),
        effect: "NoSchedule".to_string(),
        ..Default::default()
    };
    node.spec
        .as_ref()
        .and_then(|s| s.unschedulable)
        .unwrap_or(false)
        && !tolerations.iter().any(|t| tolerates(t, &cordon))
}

/// Why the node takes no new work, the first of: not ready, cordoned, a
/// taint not tolerated. A node full of pods is the placement's to say.
pub fn unschedulable(node: &Node, tolerations: &[Toleration]) -> Option<String> {
    if let Some(why) = not_ready(node) {
        return Some(why);
    }
    if cordoned(node, tolerations) {
        return Some("cordoned (SchedulingDisabled)".to_string());
    }
    untolerated(node, tolerations)
        .iter()
        .find(|t| t.key != UNSCHEDULABLE_TAINT)
        .map(|t| format!("tainted {} (not tolerated)", taint_text(t)))
}

fn node_labels(node: &Node) -> impl Iterator<Item = (&String, &String)> {
    node.metadata.labels.iter().flatten()
}

/// The node's labels, `key=value`.
pub fn labels(node: &Node) -> Vec<String> {
    node_labels(node).map(|(k, v)| format!("{k}={v}")).collect()
}

/// Roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role`,
/// sorted, once each.
pub fn roles(node: &Node) -> Vec<String> {
    let mut roles: Vec<String> = node_labels(node)
        .filter_map(|(k, v)| {
            if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                Some(role.to_string())
            } else if k == "kubernetes.io/role" {
                Some(v.clone())
            } else {
                None
            }
        })
        .filter(|r| !r.is_empty())
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// Where the node is reached: its ExternalIP, else InternalIP, else
/// Hostname; empty when it reports none.
pub fn address(node: &Node) -> String {
    let addresses = node
        .status
        .as_ref()
        .and_then(|s| s.addresses.as_deref())
        .unwrap_or(&[]);
    ["ExternalIP", "InternalIP", "Hostname"]
        .iter()
        .find_map(|kind| addresses.iter().find(|a| a.type_ == *kind))
        .map(|a| a.address.clone())
        .unwrap_or_default()
}

/// Whether a pod is a ZApp service of `deployment` that it made (its
/// labels say so and are signed with its key): an unsigned copy of its
/// labels reserves nothing (it still counts among all requests).
fn is_ours(pod: &Pod, deployment: &str, key: &DeploymentKey) -> bool {
    let labels = pod.metadata.labels.as_ref();
    let get = |k: &str| labels.and_then(|l| l.get(k)).map(String::as_str);
    get(TYPE) == Some(TYPE_APP_SERVICE)
        && get(DEPLOYMENT) == Some(deployment)
        && super::owned::pod_is_ours(key, pod)
}

fn cores(millis: u64) -> f64 {
    millis as f64 / 1000.0
}

/// The neutral snapshot of one node of cluster `target`: totals =
/// allocatable; `detail.*_requested` = what every unfinished pod bound to
/// it requests (all namespaces); `*_reserved` (= allocated) = what this
/// deployment's ZApp pods (signed with `key`) request. `pods_on_node` are the pods bound to
/// the node (finished ones are skipped here). `external_address` is the
/// node's address: the caller puts the settings' override in its place.
pub fn node_snapshot(
    target: &str,
    node: &Node,
    pods_on_node: &[&Pod],
    deployment: &str,
    key: &DeploymentKey,
    tolerations: &[Toleration],
    ours: Vec<Workload>,
) -> NodeSnapshot {
    let node_name = node.metadata.name.as_deref().unwrap_or_default();
    let (room, mut problems) = allocatable(node);
    let mut all = Request::default();
    let mut zapps = Request::default();
    let mut count = 0u32;
    for pod in pods_on_node
        .iter()
        .filter(|p| counts_on_node(p) == Some(node_name))
    {
        count = count.saturating_add(1);
        let request = match pod.spec.as_ref().map(pod_request) {
            Some(Ok(request)) => request,
            Some(Err(why)) => {
                let meta = &pod.metadata;
                problems.push(format!(
                    "pod {}/{}: {why} (counted as 0)",
                    meta.namespace.as_deref().unwrap_or_default(),
                    meta.name.as_deref().unwrap_or_default()
                ));
                Request::default()
            }
            None => Request::default(),
        };
        all = all.plus(request);
        if is_ours(pod, deployment, key) {
            zapps = zapps.plus(request);
        }
    }
    let partial = match problems.len() {
        0 => None,
        1 => problems.pop(),
        n => Some(format!("{}; and {} more", problems[0], n - 1)),
    };
    let address = address(node);
    NodeSnapshot {
        name: format!("{target}/{node_name}"),
        target: target.to_string(),
        domain: target.to_string(),
        external_address: address.clone(),
        address,
        error: None,
        labels: labels(node),
        cores_total: cores(room.cpu_millis),
        memory_total: room.memory,
        cores_reserved: cores(zapps.cpu_millis),
        memory_reserved: zapps.memory,
        cores_allocated: cores(zapps.cpu_millis),
        memory_allocated: zapps.memory,
        cores_in_use: None,
        memory_in_use: None,
        container_count: count,
        images: Vec::new(),
        services: ours,
        foreign: Vec::new(),
        networks: Vec::new(),
        detail: NodeDetail {
            unschedulable: unschedulable(node, tolerations),
            cores_requested: Some(cores(all.cpu_millis)),
            memory_requested: Some(all.memory),
            max_workloads: Some(room.pods),
            memory_fills: true,
            pulls_images: true,
            partial,
            roles: roles(node),
            taints: taints(node).iter().map(taint_text).collect(),
            target_kind: Some(super::look::KIND.into()),
            context: None,
            namespace: None,
            others: 0,
        },
    }
}

#[cfg(test)]
#[path = "node_tests.rs"]
mod tests;
