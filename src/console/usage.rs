//! Usage figures (CPU and memory in use): read beside the answers that show
//! them, never in their way. Docker answers a stats request at its next
//! sampling tick (about a second) and spends several milliseconds of its
//! own CPU per container, so usage is asked for only when shown: `zoe nodes
//! --usage`, the terminal UI's nodes view at a modest rate.

use std::collections::HashMap;

use crate::backend::{BackendState, NodeSnapshot, Targets};

/// What one node uses now, summed over its running ZApp services.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeUsage {
    pub node: String,
    pub cores: f64,
    pub memory: u64,
    /// Per service (workload id): (memory bytes, cores).
    pub services: HashMap<String, (u64, f64)>,
}

/// Reads the usage of every running service of the online nodes, all hosts
/// at once. A node whose running services all went unanswered has no
/// figures (not zeros).
pub async fn read(cluster: &Targets, nodes: &[NodeSnapshot]) -> Vec<NodeUsage> {
    let asks = nodes.iter().filter(|n| n.is_online()).map(|n| {
        let running: Vec<String> = n
            .services
            .iter()
            .filter(|s| s.state == BackendState::Started)
            .map(|s| s.id.clone())
            .collect();
        async move {
            if running.is_empty() {
                return Some(usage_of(&n.name, Vec::new()));
            }
            let samples = cluster.usage(&n.name, &running).await;
            (!samples.is_empty()).then(|| usage_of(&n.name, samples))
        }
    });
    futures::future::join_all(asks)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// One node's usage from its services' samples.
fn usage_of(node: &str, samples: Vec<(String, u64, f64)>) -> NodeUsage {
    let services: HashMap<String, (u64, f64)> = samples
        .into_iter()
        .filter(|(_, _, cores)| cores.is_finite() && *cores >= 0.0)
        .map(|(id, memory, cores)| (id, (memory, cores)))
        .collect();
    NodeUsage {
        node: node.to_string(),
        cores: services.values().map(|(_, c)| c).sum(),
        memory: services
            .values()
            .fold(0, |sum, (m, _)| sum.saturating_add(*m)),
        services,
    }
}

/// Puts usage figures into the nodes they were read from (a node read
/// again since keeps its new services; those without a figure have none).
pub fn apply(nodes: &mut [NodeSnapshot], usage: &[NodeUsage]) {
    for node in nodes.iter_mut().filter(|n| n.is_online()) {
        let Some(found) = usage.iter().find(|u| u.node == node.name) else {
            continue;
        };
        node.cores_in_use = Some(found.cores);
        node.memory_in_use = Some(found.memory);
        for service in &mut node.services {
            let sample = found.services.get(&service.id);
            service.memory_in_use = sample.map(|(m, _)| *m);
            service.cores_in_use = sample.map(|(_, c)| *c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, online: bool) -> NodeSnapshot {
        let mut n =
            NodeSnapshot::offline(name, String::new(), String::new(), Vec::new(), "x".into());
        if online {
            n.error = None;
        }
        n
    }

    #[test]
    fn sums_per_node_and_drops_figures_that_are_not_numbers() {
        let u = usage_of(
            "a",
            vec![
                ("c1".into(), 100, 0.5),
                ("c2".into(), u64::MAX, 0.25),
                ("c3".into(), 7, f64::NAN),
                ("c4".into(), 7, -1.0),
            ],
        );
        assert_eq!(u.cores, 0.75);
        assert_eq!(u.memory, u64::MAX, "saturates");
        assert_eq!(u.services.len(), 2);
    }

    #[test]
    fn applies_to_the_online_node_of_that_name_only() {
        let mut nodes = vec![node("a", true), node("b", false), node("c", true)];
        let usage = vec![
            usage_of("a", vec![("c1".into(), 10, 1.0)]),
            usage_of("b", vec![("c2".into(), 20, 2.0)]),
        ];
        apply(&mut nodes, &usage);
        assert_eq!(
            (nodes[0].cores_in_use, nodes[0].memory_in_use),
            (Some(1.0), Some(10))
        );
        assert_eq!(nodes[1].cores_in_use, None, "offline: no figures");
        assert_eq!(nodes[2].cores_in_use, None, "nothing read for it");
    }
}
