//! `zoe nodes -o json`: one object per node, with the ZApp services on it.

use serde::Serialize;

use super::{Cores, Port, cores, ports};
use crate::model::{
    BackendState, ExecutionId, ExecutionNetwork, ForeignContainer, NodeSnapshot, StopReason,
    Workload,
};

/// One node (a Docker host, a Kubernetes node).
#[derive(Debug, Serialize)]
pub struct Node<'a> {
    pub name: &'a str,
    pub target: &'a str,
    pub domain: &'a str,
    pub address: &'a str,
    pub external_address: &'a str,
    /// Why the node is offline; `null` when online.
    pub error: Option<&'a str>,
    pub labels: &'a [String],
    pub cores_total: Cores,
    pub memory_total: u64,
    pub cores_reserved: Cores,
    pub memory_reserved: u64,
    pub cores_allocated: Cores,
    pub memory_allocated: u64,
    /// Read only with `--usage`; `null` otherwise.
    pub cores_in_use: Option<Cores>,
    pub memory_in_use: Option<u64>,
    pub container_count: u32,
    pub images: &'a [String],
    pub services: Vec<Service<'a>>,
    /// Other users' instances on the node, counted but not listed (a
    /// role without `can_see_status`); absent when none are hidden.
    #[serde(skip_serializing_if = "is_zero")]
    pub others: u32,
    pub foreign: &'a [ForeignContainer],
    pub networks: &'a [ExecutionNetwork],
    pub unschedulable: Option<&'a str>,
    pub cores_requested: Option<Cores>,
    pub memory_requested: Option<u64>,
    pub max_workloads: Option<u32>,
    pub memory_fills: bool,
    pub pulls_images: bool,
    pub partial: Option<&'a str>,
    pub roles: &'a [String],
    pub taints: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<&'a str>,
}

impl<'a> Node<'a> {
    pub fn of(n: &'a NodeSnapshot) -> Node<'a> {
        let d = &n.detail;
        Node {
            name: &n.name,
            target: &n.target,
            domain: &n.domain,
            address: &n.address,
            external_address: &n.external_address,
            error: n.error.as_deref(),
            labels: &n.labels,
            cores_total: Cores(n.cores_total),
            memory_total: n.memory_total,
            cores_reserved: Cores(n.cores_reserved),
            memory_reserved: n.memory_reserved,
            cores_allocated: Cores(n.cores_allocated),
            memory_allocated: n.memory_allocated,
            cores_in_use: cores(n.cores_in_use),
            memory_in_use: n.memory_in_use,
            container_count: n.container_count,
            images: &n.images,
            services: n
                .services
                .iter()
                .map(|w| Service::of(w, &n.external_address))
                .collect(),
            others: d.others,
            foreign: &n.foreign,
            networks: &n.networks,
            unschedulable: d.unschedulable.as_deref(),
            cores_requested: cores(d.cores_requested),
            memory_requested: d.memory_requested,
            max_workloads: d.max_workloads,
            memory_fills: d.memory_fills,
            pulls_images: d.pulls_images,
            partial: d.partial.as_deref(),
            roles: &d.roles,
            taints: &d.taints,
            target_kind: d.target_kind.as_deref(),
            context: d.context.as_deref(),
            namespace: d.namespace.as_deref(),
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One ZApp service instance (a container, a pod) on the node.
#[derive(Debug, Serialize)]
pub struct Service<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub execution_id: &'a ExecutionId,
    pub instance: &'a str,
    pub essential: bool,
    pub state: BackendState,
    pub engine_status: &'a str,
    pub stopped: Option<StopReason>,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub memory_reserved: u64,
    pub cores_reserved: Cores,
    pub memory_limit: u64,
    pub cores_limit: Cores,
    pub memory_in_use: Option<u64>,
    pub cores_in_use: Option<Cores>,
    pub ports: Vec<Port>,
}

impl<'a> Service<'a> {
    fn of(w: &'a Workload, external: &str) -> Service<'a> {
        Service {
            id: &w.id,
            name: &w.name,
            execution_id: &w.execution_id,
            instance: &w.instance,
            essential: w.essential,
            state: w.state,
            engine_status: &w.engine_status,
            stopped: w.stopped,
            exit_code: w.exit_code,
            oom_killed: w.oom_killed,
            memory_reserved: w.memory_reserved,
            cores_reserved: Cores(w.cores_reserved),
            memory_limit: w.memory_limit,
            cores_limit: Cores(w.cores_limit),
            memory_in_use: w.memory_in_use,
            cores_in_use: cores(w.cores_in_use),
            ports: ports(&w.ports, external),
        }
    }
}

/// Every node.
pub fn nodes(list: &[NodeSnapshot]) -> Vec<Node<'_>> {
    list.iter().map(Node::of).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_keeps_every_field_of_the_snapshot() {
        let mut node = NodeSnapshot::offline(
            "h1",
            "tcp://h1:2375".into(),
            "10.0.0.1".into(),
            vec!["ssd".into()],
            "refused".into(),
        );
        node.cores_reserved = 0.1 + 0.2;
        node.detail.roles = vec!["worker".into()];
        node.services.push(Workload {
            id: "3e3eacc02f25".into(),
            name: "master0-1ibx0a2b3c-prod".into(),
            execution_id: ExecutionId::parse("1ibx0a2b3c").unwrap(),
            instance: "master0".into(),
            essential: true,
            state: BackendState::Started,
            engine_status: "running".into(),
            stopped: None,
            exit_code: Some(0),
            oom_killed: false,
            memory_reserved: 64 << 20,
            cores_reserved: 0.1,
            memory_limit: 64 << 20,
            cores_limit: 0.1,
            memory_in_use: None,
            cores_in_use: Some(0.000_4),
            ports: vec![("8080/tcp".into(), 32768)],
            labels: std::collections::HashMap::new(),
        });
        let ours = serde_json::to_value(Node::of(&node)).unwrap();
        let theirs = serde_json::to_value(&node).unwrap();
        // the same keys as the model's own form: field names stay stable,
        // and a field added to the model fails here until it is added here
        let keys = |v: &serde_json::Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&ours), keys(&theirs));
        assert_eq!(keys(&ours["services"][0]), keys(&theirs["services"][0]));
        assert_eq!(ours["cores_reserved"], 0.3);
        assert_eq!(ours["roles"], serde_json::json!(["worker"]));
        let service = &ours["services"][0];
        assert_eq!(service["cores_in_use"], 0.0);
        assert_eq!(
            service["ports"],
            serde_json::json!([{"port": 8080, "protocol": "tcp", "published": 32768,
                "address": "10.0.0.1:32768"}])
        );
    }
}
