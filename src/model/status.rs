//! Execution statuses, Zoe's: submitted, queued, starting, running,
//! cleaning up, terminated, error.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ExecutionStatus {
    #[serde(rename = "submitted")]
    Submitted,
    #[serde(rename = "queued")]
    Queued,
    #[serde(rename = "starting")]
    Starting,
    #[serde(rename = "running")]
    Running,
    #[serde(rename = "cleaning up")]
    CleaningUp,
    #[serde(rename = "terminated")]
    Terminated,
    #[serde(rename = "error")]
    Error,
}

impl ExecutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Submitted => "submitted",
            ExecutionStatus::Queued => "queued",
            ExecutionStatus::Starting => "starting",
            ExecutionStatus::Running => "running",
            ExecutionStatus::CleaningUp => "cleaning up",
            ExecutionStatus::Terminated => "terminated",
            ExecutionStatus::Error => "error",
        }
    }

    /// Zoe's "active" statuses.
    pub fn is_active(self) -> bool {
        !matches!(self, ExecutionStatus::Terminated | ExecutionStatus::Error)
    }

    pub fn parse(text: &str) -> Option<ExecutionStatus> {
        [
            ExecutionStatus::Submitted,
            ExecutionStatus::Queued,
            ExecutionStatus::Starting,
            ExecutionStatus::Running,
            ExecutionStatus::CleaningUp,
            ExecutionStatus::Terminated,
            ExecutionStatus::Error,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

impl fmt::Display for ExecutionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
