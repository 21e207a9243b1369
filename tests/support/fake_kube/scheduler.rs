//! The fake kube-scheduler: binds Pending pods with kube-scheduler's filter
//! rules (unschedulable, taints/tolerations, node affinity, pod count,
//! requests ≤ allocatable) or marks them Unschedulable with its message and
//! a FailedScheduling event.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, Node, NodeSelectorRequirement, Pod, PodCondition, Taint, Toleration,
};
use serde_json::json;

use super::objects::typed;
use super::quantity::{get, milli};
use super::status::Failure;
use super::store::{World, now};

/// A pod's effective requests in thousandths: max(sum of containers,
/// largest init container) + overhead, as the scheduler and
/// `kubectl describe node` count them.
pub fn pod_requests(pod: &Pod) -> BTreeMap<String, i128> {
    let mut total: BTreeMap<String, i128> = BTreeMap::new();
    let Some(spec) = &pod.spec else { return total };
    for (k, v) in spec.containers.iter().flat_map(container_requests) {
        *total.entry(k.clone()).or_default() += v;
    }
    let init = spec.init_containers.iter().flatten();
    for (k, v) in init.flat_map(container_requests) {
        let e = total.entry(k.clone()).or_default();
        *e = (*e).max(v);
    }
    for (k, q) in spec.overhead.iter().flatten() {
        *total.entry(k.clone()).or_default() += milli(&q.0).unwrap_or(0);
    }
    total
}

/// One container's requests in thousandths.
fn container_requests(c: &Container) -> impl Iterator<Item = (&String, i128)> {
    c.resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .into_iter()
        .flatten()
        .map(|(k, q)| (k, milli(&q.0).unwrap_or(0)))
}

/// A pod that holds its node's resources: bound and not finished.
pub fn holds_node(pod: &Pod) -> Option<&str> {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if matches!(phase, Some("Succeeded") | Some("Failed")) {
        return None;
    }
    pod.spec.as_ref().and_then(|s| s.node_name.as_deref())
}

fn tolerates(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| {
        let effect_ok = t
            .effect
            .as_deref()
            .is_none_or(|e| e.is_empty() || e == taint.effect);
        let key_ok = match t.key.as_deref() {
            None | Some("") => t.operator.as_deref() == Some("Exists"),
            Some(k) => k == taint.key,
        };
        let value_ok = t.operator.as_deref() == Some("Exists")
            || t.value.as_deref().unwrap_or_default() == taint.value.as_deref().unwrap_or_default();
        effect_ok && key_ok && value_ok
    })
}

fn expression(req: &NodeSelectorRequirement, value: Option<&str>) -> bool {
    let values = req.values.as_deref().unwrap_or_default();
    match req.operator.as_str() {
        "In" => value.is_some_and(|v| values.iter().any(|x| x == v)),
        "NotIn" => value.is_none_or(|v| !values.iter().any(|x| x == v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" | "Lt" => {
            let (Some(v), Some(x)) = (
                value.and_then(|v| v.parse::<i64>().ok()),
                values.first().and_then(|x| x.parse::<i64>().ok()),
            ) else {
                return false;
            };
            if req.operator == "Gt" { v > x } else { v < x }
        }
        _ => false,
    }
}

/// nodeSelector and required node affinity.
fn affinity_ok(pod: &Pod, node: &Node) -> bool {
    let Some(spec) = &pod.spec else { return true };
    let labels = node.metadata.labels.clone().unwrap_or_default();
    let name = node.metadata.name.clone().unwrap_or_default();
    let selector_ok = spec
        .node_selector
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| {
            a.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    let affinity_ok = required.is_none_or(|r| {
        r.node_selector_terms.iter().any(|term| {
            let exprs = term.match_expressions.as_deref().unwrap_or_default();
            let fields = term.match_fields.as_deref().unwrap_or_default();
            (!exprs.is_empty() || !fields.is_empty())
                && exprs
                    .iter()
                    .all(|e| expression(e, labels.get(&e.key).map(String::as_str)))
                && fields
                    .iter()
                    .all(|f| f.key == "metadata.name" && expression(f, Some(name.as_str())))
        })
    });
    selector_ok && affinity_ok
}

/// Why the node cannot take the pod, in kube-scheduler's words (empty:
/// it fits). The flag tells whether preemption could help (resources).
pub fn why_not(world: &World, pod: &Pod, node: &Node) -> (Vec<String>, bool) {
    let spec = pod.spec.clone().unwrap_or_default();
    let tolerations = spec.tolerations.clone().unwrap_or_default();
    let node_spec = node.spec.clone().unwrap_or_default();
    let unschedulable_taint = Taint {
        key: "node.kubernetes.io/unschedulable".into(),
        effect: "NoSchedule".into(),
        value: None,
        time_added: None,
    };
    if node_spec.unschedulable == Some(true) && !tolerates(&tolerations, &unschedulable_taint) {
        return (vec!["node(s) were unschedulable".into()], false);
    }
    for taint in node_spec.taints.iter().flatten() {
        if (taint.effect == "NoSchedule" || taint.effect == "NoExecute")
            && !tolerates(&tolerations, taint)
        {
            let value = taint.value.clone().unwrap_or_default();
            return (
                vec![format!(
                    "node(s) had untolerated taint {{{}: {value}}}",
                    taint.key
                )],
                false,
            );
        }
    }
    if !affinity_ok(pod, node) {
        return (
            vec!["node(s) didn't match Pod's node affinity/selector".into()],
            false,
        );
    }
    let node_name = node.metadata.name.clone().unwrap_or_default();
    let allocatable = node.status.as_ref().and_then(|s| s.allocatable.as_ref());
    let mut used: BTreeMap<String, i128> = BTreeMap::new();
    let mut count = 0;
    for other in world.pods.values() {
        if holds_node(other) == Some(node_name.as_str()) {
            count += 1;
            for (k, v) in pod_requests(other) {
                *used.entry(k).or_default() += v;
            }
        }
    }
    let mut reasons = Vec::new();
    if (count + 1) * 1000 > get(allocatable, "pods") {
        reasons.push("Too many pods".to_string());
    }
    for (resource, need) in pod_requests(pod) {
        if need > 0
            && used.get(&resource).copied().unwrap_or(0) + need > get(allocatable, &resource)
        {
            reasons.push(format!("Insufficient {resource}"));
        }
    }
    (reasons, true)
}

/// "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were
/// unschedulable. preemption: 0/3 nodes are available: ..."
pub fn fit_message(world: &World, pod: &Pod) -> Option<String> {
    let total = world.nodes.len();
    if total == 0 {
        return Some("no nodes available to schedule pods".into());
    }
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut preemption: BTreeMap<&str, usize> = BTreeMap::new();
    for node in world.nodes.values() {
        let (why, resources) = why_not(world, pod, node);
        if why.is_empty() {
            return None;
        }
        for reason in why {
            *reasons.entry(reason).or_default() += 1;
        }
        let p = if resources {
            "No preemption victims found for incoming pod"
        } else {
            "Preemption is not helpful for scheduling"
        };
        *preemption.entry(p).or_default() += 1;
    }
    let histogram = |m: Vec<String>| {
        let mut m = m;
        m.sort();
        m.join(", ")
    };
    let filters = histogram(reasons.iter().map(|(k, v)| format!("{v} {k}")).collect());
    let preempt = histogram(preemption.iter().map(|(k, v)| format!("{v} {k}")).collect());
    Some(format!(
        "0/{total} nodes are available: {filters}. preemption: 0/{total} nodes are available: {preempt}."
    ))
}

fn set_condition(pod: &mut Pod, condition: PodCondition) {
    let status = pod.status.get_or_insert_with(Default::default);
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    conditions.retain(|c| c.type_ != condition.type_);
    conditions.push(condition);
}

pub fn condition(
    typ: &str,
    status: &str,
    reason: Option<&str>,
    message: Option<&str>,
) -> PodCondition {
    PodCondition {
        type_: typ.into(),
        status: status.into(),
        reason: reason.map(str::to_string),
        message: message.map(str::to_string),
        last_transition_time: Some(now()),
        ..Default::default()
    }
}

/// Records an Event about a pod (Scheduled, FailedScheduling, ...).
pub fn event(
    world: &mut World,
    pod: &Pod,
    typ: &str,
    reason: &str,
    message: &str,
    component: &str,
) {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let serial = world.next_serial();
    let t = now();
    let event: k8s_openapi::api::core::v1::Event = typed(json!({
        "metadata": {"name": format!("{name}.{serial:016x}"), "namespace": ns},
        "involvedObject": {
            "kind": "Pod", "apiVersion": "v1", "namespace": ns, "name": name,
            "uid": pod.metadata.uid, "resourceVersion": pod.metadata.resource_version,
        },
        "reason": reason, "message": message, "type": typ,
        "source": {"component": component},
        "reportingComponent": component,
        "firstTimestamp": t, "lastTimestamp": t, "count": 1,
    }));
    world.create(event);
}

/// Binds a pod to a node (as the scheduler's Binding does).
pub fn bind(world: &mut World, ns: &str, name: &str, node: &str) -> Result<Pod, Failure> {
    let mut pod = world
        .get::<Pod>(ns, name)
        .cloned()
        .ok_or_else(|| Failure::not_found("pods", name))?;
    if world.get::<Node>("", node).is_none() {
        return Err(Failure::not_found("nodes", node));
    }
    if let Some(bound) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
        return Err(Failure::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on pods/binding \"{name}\": pod {name} is already assigned to node \"{bound}\""
            ),
        ));
    }
    pod.spec.get_or_insert_with(Default::default).node_name = Some(node.into());
    set_condition(&mut pod, condition("PodScheduled", "True", None, None));
    let pod = world.put(pod);
    let message = format!("Successfully assigned {ns}/{name} to {node}");
    event(
        world,
        &pod,
        "Normal",
        "Scheduled",
        &message,
        "default-scheduler",
    );
    Ok(pod)
}

/// One pass of the scheduler over the Pending, unbound pods.
pub fn schedule(world: &mut World) {
    let pending: Vec<Pod> = world
        .pods
        .values()
        .filter(|p| {
            let spec = p.spec.as_ref();
            spec.is_some_and(|s| s.node_name.is_none())
                && spec.and_then(|s| s.scheduler_name.as_deref()) == Some("default-scheduler")
                && p.metadata.deletion_timestamp.is_none()
                && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Pending")
        })
        .cloned()
        .collect();
    for pod in pending {
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        match fit_message(world, &pod) {
            None => {
                let node = world
                    .nodes
                    .values()
                    .filter(|n| why_not(world, &pod, n).0.is_empty())
                    .min_by_key(|n| {
                        let node = n.metadata.name.as_deref();
                        world
                            .pods
                            .values()
                            .filter(|p| holds_node(p) == node)
                            .count()
                    })
                    .and_then(|n| n.metadata.name.clone());
                if let Some(node) = node {
                    let _ = bind(world, &ns, &name, &node);
                }
            }
            Some(message) => {
                let known = pod
                    .status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled"))
                    .and_then(|c| c.message.clone());
                if known.as_deref() == Some(message.as_str()) {
                    continue;
                }
                let mut pod = pod.clone();
                let c = condition(
                    "PodScheduled",
                    "False",
                    Some("Unschedulable"),
                    Some(&message),
                );
                set_condition(&mut pod, c);
                let pod = world.put(pod);
                event(
                    world,
                    &pod,
                    "Warning",
                    "FailedScheduling",
                    &message,
                    "default-scheduler",
                );
            }
        }
    }
}
