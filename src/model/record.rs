//! One execution as the local state cache remembers it.

use super::ExecutionStatus;

/// One execution as the cache remembers it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExecutionRecord {
    pub id: String,
    pub name: String,
    pub entry: String,
    pub owner: String,
    pub deployment: String,
    /// The submitted description, JSON.
    pub description: Option<String>,
    /// Parameter values, JSON object.
    pub parameters: String,
    pub status: ExecutionStatus,
    pub reason: Option<String>,
    pub submitted: u64,
    pub started: Option<u64>,
    pub ended: Option<u64>,
    pub hosts: Vec<String>,
    /// Endpoints, JSON array of {instance, name, url}.
    pub endpoints: String,
    /// `<machine>:<pid>` of the console that launched it.
    pub launcher: String,
    /// Restarts per instance (dead elastic services placed again).
    pub restarts: Vec<(String, u32)>,
}
