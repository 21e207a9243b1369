//! Kubernetes clusters as targets (kube-rs): each ZApp service instance a
//! bare Pod with a headless Service named as its DNS name (and a NodePort
//! Service for its declared ports); nodes, pods and Services watched, not
//! polled. The client and its credentials (`client`), following logs
//! (`logs`, `log_resume`), the mapping of ZApps
//! onto objects (`names`, `objects`, `volumes`) and of nodes onto node
//! snapshots (`quantity`, `requests`, `node`); which pods and Services this
//! deployment made (`owned`: signed, the rest foreign).

pub mod client;
mod log_resume;
pub mod logs;
pub mod names;
pub mod node;
pub mod objects;
pub mod owned;
pub mod pull_secret;
pub mod quantity;
pub mod requests;
pub mod volumes;

mod actions;
pub mod cluster;
pub mod exec;
pub mod look;
mod metrics;
pub mod tidy;
pub mod vanished;
pub mod workloads;
