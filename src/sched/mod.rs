//! Placement (Zoe's fit rules and `average`/`waterfill`/`random` policies,
//! see <https://github.com/DistributedSystemsGroup/zoe/tree/master/zoe_master/scheduler>):
//! pure functions from a snapshot of the nodes and the instances an
//! execution needs to a plan, or to a "why not" for every node. No I/O;
//! the same code answers `zoe start --dry-run`, the start form's live
//! preview and the real launch.
//!
//! Rules, following Zoe unless said otherwise:
//! * a node fits an instance when it is online, schedulable, not labelled
//!   `disabled`, carries every label the instance asks for, has room for
//!   one more workload (a cluster node's pod count), has strictly more free
//!   memory than the instance reserves (Zoe's strict `<`; a cluster node
//!   may be filled to the byte, kube-scheduler's `<=`), and at least as
//!   many free cores;
//! * image presence is a preference, not a rule (Zoe refuses nodes without
//!   the image because it never pulls; we pull when needed);
//! * essential instances are placed all-or-nothing; elastic ones go where
//!   there is room and the rest are deferred (placed later, when room frees);
//! * domains: the nodes of one domain can hold one execution together (its
//!   instances reach each other by DNS name); an execution never spans
//!   domains. A Docker host with its own bridge network is a domain of one
//!   node (every instance goes on it), a cluster is one domain.

mod plan;
mod queue;
mod sim;

pub use plan::{plan, plan_within};
pub use queue::{QueueOrder, QueuedExecution, ScheduleOutcome, schedule};
pub use sim::Simulation;

use std::fmt;

pub use crate::model::NodeView;
use crate::model::{format_bytes, format_cores};

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
    Offline {
        reason: String,
    },
    Disabled,
    /// Online but taking no new work (cordoned, not ready, a taint).
    Unschedulable {
        reason: String,
    },
    Labels {
        missing: Vec<String>,
    },
    /// As many workloads as it takes (a cluster node's pod count).
    Full {
        max: u32,
    },
    Memory {
        needed: u64,
        free: u64,
    },
    Cores {
        needed: f64,
        free: f64,
    },
}

impl fmt::Display for WhyNot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WhyNot::Offline { reason } => write!(f, "offline: {reason}"),
            WhyNot::Disabled => {
                f.write_str("host disabled by the administrator (label `disabled`)")
            }
            WhyNot::Unschedulable { reason } => f.write_str(reason),
            WhyNot::Full { max } => write!(f, "pod count full: {max} of {max}"),
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
    /// whole execution had to fit on one node and none could take it, or
    /// when the domains failed on different instances).
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

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
