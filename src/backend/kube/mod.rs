//! Kubernetes clusters as targets.

mod log_resume;
pub mod logs;
