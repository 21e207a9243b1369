//! Scheduling knobs shared by settings and the placement code.

use serde::{Deserialize, Serialize};

/// How a node is chosen among those that fit: `average` spreads, `waterfill`
/// packs (both prefer nodes with fewer labels), `random` picks any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlacementPolicy {
    /// Prefer generic nodes, then the least loaded: spreads load.
    #[default]
    Average,
    /// Prefer generic nodes, then the most loaded: packs load.
    Waterfill,
    /// Any node that fits.
    Random,
}
