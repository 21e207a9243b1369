//! The audit trail of an execution: who launched, relaunched and
//! terminated it, and when (the cache keeps it; `zoe inspect` and the
//! terminal UI's inspect pane show it). Never a secret: a user name, an
//! action and a short detail (the other execution of a relaunch, the
//! reason of a termination).

use serde::Serialize;

/// One line of an execution's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: u64,
    /// Who acted: a user name, or `supervision` for what supervision did
    /// on its own (the runtime limit).
    pub user: String,
    /// `launched`, `relaunched`, `terminated`.
    pub action: String,
    /// The relaunched execution, the termination's reason…
    pub detail: Option<String>,
    /// Where it is known from: `cache` (this console's record of what was
    /// done) or `labels` (an execution another console started: only its
    /// owner and submission are known).
    pub source: AuditSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditSource {
    Cache,
    Labels,
}

/// Who a supervision pass acts as, in the audit trail.
pub const SUPERVISION: &str = "supervision";

pub const LAUNCHED: &str = "launched";
pub const RELAUNCHED: &str = "relaunched";
pub const TERMINATED: &str = "terminated";
