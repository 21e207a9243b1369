//! Kubernetes clusters as targets: the mapping of ZApps onto pods and
//! services, and of nodes onto node snapshots.

pub mod names;
pub mod node;
pub mod objects;
pub mod quantity;
pub mod requests;
pub mod volumes;
