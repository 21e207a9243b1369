//! Container engines behind one set of plain types: Docker hosts now,
//! Kubernetes later. No UI types here.

pub mod command;
pub mod docker;
pub mod error;
pub mod kube;
pub mod labels;
mod log_batch;
pub mod signature;
mod targets;
pub mod trust;

pub use docker::exec::{Attached, Output as AttachedOutput};
pub use kube::client::contexts as cluster_contexts;
pub use kube::exec::Program;
pub use targets::{Cleaned, SNAPSHOT_DEADLINE, Shell, Targets, execution_network};

pub use crate::model::node::{
    BackendState, ForeignContainer, ForeignKind, NodeSnapshot, StopReason, Workload,
};
pub use error::BackendError;

#[cfg(test)]
mod tests {
    use super::*;

    use super::docker::node::state_of;

    #[test]
    fn engine_status_maps_like_zoe() {
        for (status, state) in [
            ("running", BackendState::Started),
            ("restarting", BackendState::Started),
            ("removing", BackendState::Started),
            ("paused", BackendState::Dead),
            ("exited", BackendState::Dead),
            ("dead", BackendState::Dead),
            ("created", BackendState::Created),
            ("", BackendState::Undefined),
        ] {
            assert_eq!(state_of(status), state, "{status}");
        }
    }
}
