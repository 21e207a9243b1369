//! Kubernetes clusters as targets: the client and its credentials
//! (`client`); more to come beside it.

pub mod client;
