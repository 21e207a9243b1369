//! The cluster the engine works on: every configured target behind the
//! backend's one interface.

pub use crate::backend::Targets as Cluster;
