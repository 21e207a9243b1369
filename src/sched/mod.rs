//! Placement (Zoe's fit rules and `average`/`waterfill`/`random` policies,
//! see <https://github.com/DistributedSystemsGroup/zoe/tree/master/zoe_master/scheduler>):
//! pure functions from a snapshot of the nodes and the instances an
//! execution needs to a plan, or to a "why not" for every node. No I/O;
//! the same code answers `zoe start --dry-run`, the start form's live
//! preview and the real launch.
//!
//! Rules, following Zoe unless said otherwise:
//! * a node fits an instance when it is online, not labelled `disabled`,
//!   carries every label the instance asks for, has strictly more free
//!   memory than the instance reserves (Zoe's strict `<`), and at least as
//!   many free cores;
//! * image presence is a preference, not a rule (Zoe refuses nodes without
//!   the image because it never pulls; we pull when needed);
//! * essential instances are placed all-or-nothing; elastic ones go where
//!   there is room and the rest are deferred (placed later, when room frees);
//! * `same_host`: when the execution's network only spans one host (a local
//!   bridge network, the default), every instance goes on the same node so
//!   they can reach each other by DNS name.

mod queue;

pub use queue::{QueueOrder, QueuedExecution, ScheduleOutcome, schedule};

use std::fmt;

pub use crate::model::NodeView;
use crate::model::{PlacementPolicy, format_bytes, format_cores};

/// What one instance asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub instance: String,
    pub essential: bool,
    pub memory: u64,
    pub cores: f64,
    pub labels: Vec<String>,
    pub image: String,
}

/// Why a node cannot take an instance (or an execution).
#[derive(Debug, Clone, PartialEq)]
pub enum WhyNot {
    Offline { reason: String },
    Disabled,
    Labels { missing: Vec<String> },
    Memory { needed: u64, free: u64 },
    Cores { needed: f64, free: f64 },
}

impl fmt::Display for WhyNot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WhyNot::Offline { reason } => write!(f, "offline: {reason}"),
            WhyNot::Disabled => {
                f.write_str("host disabled by the administrator (label `disabled`)")
            }
            WhyNot::Labels { missing } => write!(
                f,
                "lacks label{} {}",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            ),
            WhyNot::Memory { needed, free } => write!(
                f,
                "memory short by {}: needs {}, {} free",
                format_bytes((needed + 1).saturating_sub(*free)),
                format_bytes(*needed),
                format_bytes(*free)
            ),
            WhyNot::Cores { needed, free } => write!(
                f,
                "cores short by {}: needs {}, {} free",
                format_cores(needed - free),
                format_cores(*needed),
                format_cores(free.max(0.0))
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub instance: String,
    pub node: String,
    pub essential: bool,
}

/// A node's answer for the instance that could not be placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub node: String,
    pub why: WhyNot,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub placements: Vec<Placement>,
    /// Elastic instances with no room now, and why per node.
    pub deferred: Vec<(String, Vec<Refusal>)>,
}

/// Nothing fits: which instance, and why not on each node.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The essential instance that could not be placed (`None` when the
    /// whole execution had to fit on one node and none could take it).
    pub instance: Option<String>,
    pub refusals: Vec<Refusal>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.instance {
            Some(instance) => write!(f, "no node can take {instance}")?,
            None => f.write_str("no node can take the whole execution")?,
        }
        if self.refusals.is_empty() {
            return f.write_str(": no nodes are configured");
        }
        for r in &self.refusals {
            write!(f, "\n  {}: {}", r.node, r.why)?;
        }
        Ok(())
    }
}

/// Free capacity as the simulation consumes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    nodes: Vec<SimNode>,
}

#[derive(Debug, Clone, PartialEq)]
struct SimNode {
    view: NodeView,
    free_memory: u64,
    free_cores: f64,
    count: u32,
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

    fn check(node: &SimNode, demand: &Demand) -> Result<(), WhyNot> {
        if let Some(reason) = &node.view.offline {
            return Err(WhyNot::Offline {
                reason: reason.clone(),
            });
        }
        if node.view.is_disabled() {
            return Err(WhyNot::Disabled);
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
        if demand.memory >= node.free_memory {
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

    fn take(&mut self, node: usize, demand: &Demand) {
        let n = &mut self.nodes[node];
        n.free_memory = n.free_memory.saturating_sub(demand.memory);
        n.free_cores -= demand.cores;
        n.count += 1;
    }

    /// Node indexes in the order the policy prefers them.
    fn order(
        &self,
        policy: PlacementPolicy,
        image: &str,
        pick: &mut dyn FnMut(usize) -> usize,
    ) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.nodes.len()).collect();
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

    /// Places one instance on the first node (in policy order) that fits.
    fn place_one(
        &mut self,
        demand: &Demand,
        policy: PlacementPolicy,
        pick: &mut dyn FnMut(usize) -> usize,
    ) -> Result<usize, Vec<Refusal>> {
        let mut refusals = Vec::new();
        for i in self.order(policy, &demand.image, pick) {
            match Self::check(&self.nodes[i], demand) {
                Ok(()) => {
                    self.take(i, demand);
                    return Ok(i);
                }
                Err(why) => refusals.push(Refusal {
                    node: self.nodes[i].view.name.clone(),
                    why,
                }),
            }
        }
        refusals.sort_by(|a, b| a.node.cmp(&b.node));
        Err(refusals)
    }

    fn name(&self, i: usize) -> String {
        self.nodes[i].view.name.clone()
    }
}

/// Plans one execution on the simulated nodes (consuming capacity there).
pub fn plan(
    sim: &mut Simulation,
    demands: &[Demand],
    policy: PlacementPolicy,
    same_host: bool,
    pick: &mut dyn FnMut(usize) -> usize,
) -> Result<Plan, Rejection> {
    if same_host {
        plan_same_host(sim, demands, policy, pick)
    } else {
        plan_spread(sim, demands, policy, pick)
    }
}

fn plan_spread(
    sim: &mut Simulation,
    demands: &[Demand],
    policy: PlacementPolicy,
    pick: &mut dyn FnMut(usize) -> usize,
) -> Result<Plan, Rejection> {
    let before = sim.clone();
    let mut placements = Vec::new();
    for d in demands.iter().filter(|d| d.essential) {
        match sim.place_one(d, policy, pick) {
            Ok(node) => placements.push(Placement {
                instance: d.instance.clone(),
                node: sim.name(node),
                essential: true,
            }),
            Err(refusals) => {
                *sim = before;
                return Err(Rejection {
                    instance: Some(d.instance.clone()),
                    refusals,
                });
            }
        }
    }
    let mut deferred = Vec::new();
    for d in demands.iter().filter(|d| !d.essential) {
        match sim.place_one(d, policy, pick) {
            Ok(node) => placements.push(Placement {
                instance: d.instance.clone(),
                node: sim.name(node),
                essential: false,
            }),
            Err(refusals) => deferred.push((d.instance.clone(), refusals)),
        }
    }
    Ok(Plan {
        placements,
        deferred,
    })
}

fn plan_same_host(
    sim: &mut Simulation,
    demands: &[Demand],
    policy: PlacementPolicy,
    pick: &mut dyn FnMut(usize) -> usize,
) -> Result<Plan, Rejection> {
    // The node choice uses the first essential instance's image preference.
    let image = demands.first().map(|d| d.image.as_str()).unwrap_or("");
    let essentials: Vec<&Demand> = demands.iter().filter(|d| d.essential).collect();
    let total = Demand {
        instance: String::new(),
        essential: true,
        memory: essentials
            .iter()
            .fold(0u64, |sum, d| sum.saturating_add(d.memory)),
        cores: essentials.iter().map(|d| d.cores).sum(),
        labels: union_labels(&essentials),
        image: image.to_string(),
    };
    let mut refusals = Vec::new();
    for i in sim.order(policy, image, pick) {
        // every essential fits, one after the other, on this node
        let mut trial = sim.clone();
        let failed = essentials
            .iter()
            .find_map(|d| match Simulation::check(&trial.nodes[i], d) {
                Ok(()) => {
                    trial.take(i, d);
                    None
                }
                Err(why) => Some(why),
            });
        match failed {
            Some(why) => {
                // report the whole execution's needs where they are what failed
                let why = match Simulation::check(&sim.nodes[i], &total) {
                    Err(total_why)
                        if !matches!(
                            why,
                            WhyNot::Labels { .. } | WhyNot::Offline { .. } | WhyNot::Disabled
                        ) =>
                    {
                        total_why
                    }
                    _ => why,
                };
                refusals.push(Refusal {
                    node: sim.name(i),
                    why,
                });
            }
            None => {
                *sim = trial;
                let node = sim.name(i);
                let mut placements: Vec<Placement> = essentials
                    .iter()
                    .map(|d| Placement {
                        instance: d.instance.clone(),
                        node: node.clone(),
                        essential: true,
                    })
                    .collect();
                let mut deferred = Vec::new();
                for d in demands.iter().filter(|d| !d.essential) {
                    match Simulation::check(&sim.nodes[i], d) {
                        Ok(()) => {
                            sim.take(i, d);
                            placements.push(Placement {
                                instance: d.instance.clone(),
                                node: node.clone(),
                                essential: false,
                            });
                        }
                        Err(why) => deferred.push((
                            d.instance.clone(),
                            vec![Refusal {
                                node: node.clone(),
                                why,
                            }],
                        )),
                    }
                }
                return Ok(Plan {
                    placements,
                    deferred,
                });
            }
        }
    }
    refusals.sort_by(|a, b| a.node.cmp(&b.node));
    Err(Rejection {
        instance: None,
        refusals,
    })
}

fn union_labels(demands: &[&Demand]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for d in demands {
        for l in &d.labels {
            if !labels.contains(l) {
                labels.push(l.clone());
            }
        }
    }
    labels
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
