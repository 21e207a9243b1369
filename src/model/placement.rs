//! What placement and admission work with: the nodes as placement sees
//! them, the queue order, the administrative limits.

use super::description::GIB;

/// What placement knows about one node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeView {
    pub name: String,
    /// The target it belongs to (a Docker host, a cluster): `start --on`
    /// keeps an execution to one.
    pub target: String,
    /// Nodes of one domain can hold one execution together (its instances
    /// reach each other by name); an execution never spans domains.
    pub domain: String,
    /// `None` when online; the reason it is not, otherwise.
    pub offline: Option<String>,
    /// Online but taking no new work, and why (cordoned, not ready, a
    /// taint that is not tolerated).
    pub unschedulable: Option<String>,
    pub labels: Vec<String>,
    pub cores_total: f64,
    pub memory_total: u64,
    /// Taken already: by ZApp services on a Docker host, by every pod's
    /// requests on a cluster node.
    pub cores_reserved: f64,
    pub memory_reserved: u64,
    /// Running containers (all of them, as Zoe counts).
    pub container_count: u32,
    /// The most workloads the node takes (a cluster node's pod count).
    pub max_count: Option<u32>,
    /// Memory may be filled to the last byte (kube-scheduler's `<=`), not
    /// only below it (Zoe's strict `<`).
    pub memory_fills: bool,
    /// Images present, when known and when they matter (`None` where the
    /// engine pulls images itself).
    pub images: Option<Vec<String>>,
}

impl NodeView {
    pub fn is_disabled(&self) -> bool {
        self.labels.iter().any(|l| l == "disabled")
    }
}

/// Which queued execution goes first: oldest (FIFO) or smallest `size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueOrder {
    #[default]
    Fifo,
    Size,
}

/// Administrative limits (Zoe's `max-memory-limit` and `max-core-limit`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_memory_bytes: u64,
    pub max_cores: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_memory_bytes: 64 * GIB,
            max_cores: 16.0,
        }
    }
}

/// Administrative maxima for overrides (Zoe's `max-memory-limit`, GiB, and
/// `max-core-limit`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverrideLimits {
    pub max_memory_gib: f64,
    pub max_cores: f64,
}
