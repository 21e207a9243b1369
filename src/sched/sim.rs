//! Free capacity as a placement simulation consumes it, and the fit rules
//! of one node for one instance.

use super::{Demand, NodeView, Refusal, WhyNot};
use crate::model::PlacementPolicy;

/// Free capacity as the simulation consumes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    pub(super) nodes: Vec<SimNode>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct SimNode {
    pub(super) view: NodeView,
    pub(super) free_memory: u64,
    pub(super) free_cores: f64,
    pub(super) count: u32,
}

impl Simulation {
    pub fn new(nodes: &[NodeView]) -> Simulation {
        let nodes = nodes
            .iter()
            .map(|n| SimNode {
                view: n.clone(),
                free_memory: n.memory_total.saturating_sub(n.memory_reserved),
                free_cores: n.cores_total - n.cores_reserved,
                count: n.container_count,
            })
            .collect();
        Simulation { nodes }
    }

    /// Whether `node` takes `demand` now; the first rule it breaks when not.
    pub(super) fn check(node: &SimNode, demand: &Demand) -> Result<(), WhyNot> {
        if let Some(reason) = &node.view.offline {
            return Err(WhyNot::Offline {
                reason: reason.clone(),
            });
        }
        if node.view.is_disabled() {
            return Err(WhyNot::Disabled);
        }
        if let Some(reason) = &node.view.unschedulable {
            return Err(WhyNot::Unschedulable {
                reason: reason.clone(),
            });
        }
        let missing: Vec<String> = demand
            .labels
            .iter()
            .filter(|l| !node.view.labels.contains(l))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(WhyNot::Labels { missing });
        }
        if let Some(max) = node.view.max_count
            && node.count >= max
        {
            return Err(WhyNot::Full { max });
        }
        let short = if node.view.memory_fills {
            demand.memory > node.free_memory
        } else {
            demand.memory >= node.free_memory
        };
        if short {
            return Err(WhyNot::Memory {
                needed: demand.memory,
                free: node.free_memory,
            });
        }
        if demand.cores > node.free_cores + 1e-9 {
            return Err(WhyNot::Cores {
                needed: demand.cores,
                free: node.free_cores,
            });
        }
        Ok(())
    }

    pub(super) fn take(&mut self, node: usize, demand: &Demand) {
        let n = &mut self.nodes[node];
        n.free_memory = n.free_memory.saturating_sub(demand.memory);
        n.free_cores -= demand.cores;
        n.count += 1;
    }

    /// The indexes of `among` in the order the policy prefers them.
    pub(super) fn order(
        &self,
        among: &[usize],
        policy: PlacementPolicy,
        image: &str,
        pick: &mut dyn FnMut(usize) -> usize,
    ) -> Vec<usize> {
        let mut idx: Vec<usize> = among.to_vec();
        let has_image = |i: usize| {
            self.nodes[i]
                .view
                .images
                .as_ref()
                .is_some_and(|imgs| imgs.iter().any(|x| x == image))
        };
        match policy {
            PlacementPolicy::Random => {
                // Fisher–Yates with the injected source of randomness.
                for i in (1..idx.len()).rev() {
                    idx.swap(i, pick(i + 1) % (i + 1));
                }
            }
            PlacementPolicy::Average | PlacementPolicy::Waterfill => {
                idx.sort_by(|&a, &b| {
                    let (na, nb) = (&self.nodes[a], &self.nodes[b]);
                    let count = if policy == PlacementPolicy::Average {
                        na.count.cmp(&nb.count)
                    } else {
                        nb.count.cmp(&na.count)
                    };
                    na.view
                        .labels
                        .len()
                        .cmp(&nb.view.labels.len())
                        .then(has_image(b).cmp(&has_image(a)))
                        .then(count)
                        .then(na.view.name.cmp(&nb.view.name))
                });
            }
        }
        idx
    }

    /// Places one instance on the first node of `among` (in policy order)
    /// that fits.
    pub(super) fn place_one(
        &mut self,
        among: &[usize],
        demand: &Demand,
        policy: PlacementPolicy,
        pick: &mut dyn FnMut(usize) -> usize,
    ) -> Result<usize, Vec<Refusal>> {
        let mut refusals = Vec::new();
        for i in self.order(among, policy, &demand.image, pick) {
            match Self::check(&self.nodes[i], demand) {
                Ok(()) => {
                    self.take(i, demand);
                    return Ok(i);
                }
                Err(why) => refusals.push(self.refusal(i, why)),
            }
        }
        refusals.sort_by(|a, b| a.node.cmp(&b.node));
        Err(refusals)
    }

    pub(super) fn name(&self, i: usize) -> String {
        self.nodes[i].view.name.clone()
    }

    pub(super) fn refusal(&self, i: usize, why: WhyNot) -> Refusal {
        Refusal {
            node: self.name(i),
            why,
        }
    }

    pub(super) fn view(&self, i: usize) -> &NodeView {
        &self.nodes[i].view
    }

    pub(super) fn len(&self) -> usize {
        self.nodes.len()
    }
}
