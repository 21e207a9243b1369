//! Executions as the cluster shows them: instances grouped by execution,
//! with a status derived the way Zoe's scheduler would see it.

use super::{BackendState, ExecutionId, ExecutionStatus, StopReason};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InstanceView {
    pub instance: String,
    pub host: String,
    pub container: String,
    pub essential: bool,
    pub state: BackendState,
    /// The engine's own status word (`exited`, `paused`…), for display.
    pub engine_status: String,
    /// Why it is not running, when it is not.
    pub stopped: Option<StopReason>,
    pub exit_code: Option<i64>,
    pub ports: Vec<(String, u16)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExecutionView {
    pub id: ExecutionId,
    pub name: String,
    pub owner: String,
    pub entry: String,
    pub submitted: Option<u64>,
    pub status: ExecutionStatus,
    pub reason: Option<String>,
    /// Instances the description asks for (when known from our labels).
    pub expected: Option<u64>,
    pub instances: Vec<InstanceView>,
    pub hosts: Vec<String>,
    /// The description's `will_end` (batch), when known.
    pub will_end: Option<bool>,
    /// The submitted description (JSON), when the containers carry it.
    #[serde(skip)]
    pub description: Option<String>,
    #[serde(skip)]
    pub parameters: Vec<(String, String)>,
    #[serde(skip)]
    pub fs_ids: Option<(u32, u32)>,
    /// The endpoints (by instance and
    /// name) from the published ports and the description on the labels;
    /// None when the labels carry no description.
    #[serde(skip)]
    pub endpoints: Option<Vec<super::record::Endpoint>>,
}

impl ExecutionView {
    pub fn up(&self) -> usize {
        self.instances
            .iter()
            .filter(|i| i.state == BackendState::Started)
            .count()
    }
}

/// A launch still creating its containers within this many seconds of its
/// submission is "starting"; after that, missing containers have vanished.
pub const LAUNCH_WINDOW_SECS: u64 = 300;
