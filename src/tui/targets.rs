//! The nodes grouped by the target they belong to (a Docker host, a
//! cluster), in the order the engine reported them: for the header (which
//! names each cluster's context and namespace) and the nodes view (a
//! heading row per cluster). Only the engine's neutral words are read.

use crate::model::NodeSnapshot;

/// One target and its nodes (indices into the reported nodes).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetGroup {
    pub name: String,
    /// The engine's word for what it is (`cluster`); `None`: a Docker host.
    pub kind: Option<String>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub nodes: Vec<usize>,
    /// Nodes that answered.
    pub online: usize,
    /// Nodes that answered and take new work.
    pub schedulable: usize,
}

impl TargetGroup {
    /// A Docker host (its own one-node target).
    pub fn is_host(&self) -> bool {
        self.kind.is_none()
    }

    /// `context fake ns zapps` (what is known of it).
    pub fn where_(&self) -> String {
        let mut parts = Vec::new();
        if let Some(context) = &self.context {
            parts.push(format!("context {context}"));
        }
        if let Some(ns) = &self.namespace {
            parts.push(format!("ns {ns}"));
        }
        if parts.is_empty() {
            "current context".to_string()
        } else {
            parts.join(" ")
        }
    }
}

/// The targets of `nodes`, in the order their first node comes.
pub fn groups(nodes: &[NodeSnapshot]) -> Vec<TargetGroup> {
    let mut groups: Vec<TargetGroup> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let at = match groups.iter().position(|g| g.name == n.target) {
            Some(at) => at,
            None => {
                groups.push(TargetGroup {
                    name: n.target.clone(),
                    kind: n.detail.target_kind.clone(),
                    context: None,
                    namespace: None,
                    nodes: Vec::new(),
                    online: 0,
                    schedulable: 0,
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[at];
        g.nodes.push(i);
        if g.context.is_none() {
            g.context.clone_from(&n.detail.context);
        }
        if g.namespace.is_none() {
            g.namespace.clone_from(&n.detail.namespace);
        }
        if n.is_online() {
            g.online += 1;
            if n.detail.unschedulable.is_none() {
                g.schedulable += 1;
            }
        }
    }
    groups
}

/// A node's name within its target: a cluster's nodes drop the
/// `cluster/` prefix (the heading names the cluster).
pub fn short_name(node: &NodeSnapshot) -> &str {
    node.name
        .strip_prefix(node.target.as_str())
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(&node.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, target: &str, cluster: bool, online: bool) -> NodeSnapshot {
        let mut n =
            NodeSnapshot::offline(name, String::new(), String::new(), Vec::new(), "x".into());
        n.target = target.into();
        if online {
            n.error = None;
        }
        if cluster {
            n.detail.target_kind = Some("cluster".into());
            n.detail.context = Some("fake".into());
            n.detail.namespace = Some("zapps".into());
        }
        n
    }

    #[test]
    fn nodes_group_by_target_in_the_order_reported() {
        let mut cordoned = node("fake/n2", "fake", true, true);
        cordoned.detail.unschedulable = Some("cordoned".into());
        let nodes = [
            node("local", "local", false, true),
            node("fake/n1", "fake", true, true),
            cordoned,
            node("remote", "remote", false, false),
        ];
        let g = groups(&nodes);
        assert_eq!(
            g.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
            ["local", "fake", "remote"]
        );
        assert!(g[0].is_host() && !g[1].is_host());
        assert_eq!(g[1].nodes, [1, 2]);
        assert_eq!((g[1].online, g[1].schedulable), (2, 1));
        assert_eq!(g[1].where_(), "context fake ns zapps");
        assert_eq!(g[2].online, 0);
        assert_eq!(short_name(&nodes[1]), "n1");
        assert_eq!(short_name(&nodes[0]), "local");
    }
}
