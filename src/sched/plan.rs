//! Planning one execution: on one node per domain (Docker hosts with their
//! own bridge networks), spread within one domain (a cluster, Docker hosts
//! sharing a network), or, with several domains of several kinds, in the
//! first domain that takes every essential instance.

use std::collections::BTreeMap;

use super::{Demand, Placement, Plan, Rejection, Simulation, WhyNot};
use crate::model::PlacementPolicy;

/// Plans one execution on the simulated nodes (consuming capacity there).
pub fn plan(
    sim: &mut Simulation,
    demands: &[Demand],
    policy: PlacementPolicy,
    pick: &mut dyn FnMut(usize) -> usize,
) -> Result<Plan, Rejection> {
    plan_within(sim, demands, policy, None, pick)
}

/// [`plan`], on the nodes of one target only when `target` is given (the
/// other nodes keep their room for later plans of the same simulation).
pub fn plan_within(
    sim: &mut Simulation,
    demands: &[Demand],
    policy: PlacementPolicy,
    target: Option<&str>,
    pick: &mut dyn FnMut(usize) -> usize,
) -> Result<Plan, Rejection> {
    let among: Vec<usize> = (0..sim.len())
        .filter(|&i| target.is_none_or(|t| sim.view(i).target == t))
        .collect();
    let mut domains: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in &among {
        *domains.entry(sim.view(i).domain.as_str()).or_default() += 1;
    }
    let (one_node, one_domain) = (domains.values().all(|&n| n == 1), domains.len() == 1);
    let mut planner = Planner {
        sim,
        demands,
        policy,
        pick,
    };
    if one_node {
        planner.one_node(&among)
    } else if one_domain {
        planner.spread(&among)
    } else {
        planner.domains(&among)
    }
}

/// One execution's plan in the making: the simulation it consumes
/// capacity in, what it asks for, and how nodes are chosen.
struct Planner<'a> {
    sim: &'a mut Simulation,
    demands: &'a [Demand],
    policy: PlacementPolicy,
    pick: &'a mut dyn FnMut(usize) -> usize,
}

/// `d` placed on `node`.
fn placed(d: &Demand, node: String) -> Placement {
    Placement {
        instance: d.instance.clone(),
        node,
        essential: d.essential,
    }
}

impl Planner<'_> {
    /// Several domains: each in the order the policy prefers its best
    /// node, spread within it; the first that takes every essential wins.
    fn domains(&mut self, among: &[usize]) -> Result<Plan, Rejection> {
        let image = self
            .demands
            .iter()
            .find(|d| d.essential)
            .or(self.demands.first())
            .map_or("", |d| d.image.as_str());
        let mut domains: Vec<String> = Vec::new();
        for i in self.sim.order(among, self.policy, image, self.pick) {
            let domain = &self.sim.view(i).domain;
            if !domains.contains(domain) {
                domains.push(domain.clone());
            }
        }
        let mut refusals = Vec::new();
        let mut failed_on: Vec<Option<String>> = Vec::new();
        for domain in &domains {
            let nodes: Vec<usize> = among
                .iter()
                .copied()
                .filter(|&i| self.sim.view(i).domain == *domain)
                .collect();
            match self.spread(&nodes) {
                Ok(plan) => return Ok(plan),
                Err(rejection) => {
                    failed_on.push(rejection.instance);
                    refusals.extend(rejection.refusals);
                }
            }
        }
        refusals.sort_by(|a, b| a.node.cmp(&b.node));
        let instance = match failed_on.split_first() {
            Some((first, rest)) if rest.iter().all(|x| x == first) => first.clone(),
            _ => None,
        };
        Err(Rejection { instance, refusals })
    }

    /// Within one domain: each instance on the node the policy prefers,
    /// the essentials all or nothing.
    fn spread(&mut self, among: &[usize]) -> Result<Plan, Rejection> {
        let sim = &mut *self.sim;
        let before = sim.clone();
        let mut placements = Vec::new();
        for d in self.demands.iter().filter(|d| d.essential) {
            match sim.place_one(among, d, self.policy, self.pick) {
                Ok(node) => placements.push(placed(d, sim.name(node))),
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
        for d in self.demands.iter().filter(|d| !d.essential) {
            match sim.place_one(among, d, self.policy, self.pick) {
                Ok(node) => placements.push(placed(d, sim.name(node))),
                Err(refusals) => deferred.push((d.instance.clone(), refusals)),
            }
        }
        Ok(Plan {
            placements,
            deferred,
        })
    }

    /// Every domain is one node: the whole execution goes on one of them.
    fn one_node(&mut self, among: &[usize]) -> Result<Plan, Rejection> {
        let (sim, demands) = (&mut *self.sim, self.demands);
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
        for i in sim.order(among, self.policy, image, self.pick) {
            // every essential fits, one after the other, on this node
            let mut trial = sim.clone();
            let failed =
                essentials
                    .iter()
                    .find_map(|d| match Simulation::check(&trial.nodes[i], d) {
                        Ok(()) => {
                            trial.take(i, d);
                            None
                        }
                        Err(why) => Some(why),
                    });
            let Some(why) = failed else {
                *sim = trial;
                return Ok(fill_node(sim, i, &essentials, demands));
            };
            // report the whole execution's needs where they are what failed
            let why = match Simulation::check(&sim.nodes[i], &total) {
                Err(total_why)
                    if !matches!(
                        why,
                        WhyNot::Labels { .. }
                            | WhyNot::Offline { .. }
                            | WhyNot::Disabled
                            | WhyNot::Unschedulable { .. }
                            | WhyNot::Full { .. }
                    ) =>
                {
                    total_why
                }
                _ => why,
            };
            refusals.push(sim.refusal(i, why));
        }
        refusals.sort_by(|a, b| a.node.cmp(&b.node));
        Err(Rejection {
            instance: None,
            refusals,
        })
    }
}

/// The essentials are on node `i` already: the plan, with the elastic
/// instances that still fit there.
fn fill_node(sim: &mut Simulation, i: usize, essentials: &[&Demand], demands: &[Demand]) -> Plan {
    let node = sim.name(i);
    let mut placements: Vec<Placement> =
        essentials.iter().map(|d| placed(d, node.clone())).collect();
    let mut deferred = Vec::new();
    for d in demands.iter().filter(|d| !d.essential) {
        match Simulation::check(&sim.nodes[i], d) {
            Ok(()) => {
                sim.take(i, d);
                placements.push(placed(d, node.clone()));
            }
            Err(why) => deferred.push((d.instance.clone(), vec![sim.refusal(i, why)])),
        }
    }
    Plan {
        placements,
        deferred,
    }
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
