//! What placement and admission work with: the nodes as placement sees
//! them, the queue order, the administrative limits.

use super::description::GIB;

/// What placement knows about one node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeView {
    pub name: String,
    /// `None` when online; the reason it is not, otherwise.
    pub offline: Option<String>,
    pub labels: Vec<String>,
    pub cores_total: f64,
    pub memory_total: u64,
    /// Reserved by ZApp services already there.
    pub cores_reserved: f64,
    pub memory_reserved: u64,
    /// Running containers (all of them, as Zoe counts).
    pub container_count: u32,
    /// Images present, when known.
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
