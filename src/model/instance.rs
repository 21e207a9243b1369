//! One container-to-be: a service group's instance with everything its
//! engine needs to create it.

use std::collections::HashMap;

use super::description::{Port, Volume};

/// One container-to-be.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Instance {
    /// `<group><counter>`, e.g. `worker2`.
    pub name: String,
    pub group: String,
    pub index: u32,
    pub essential: bool,
    /// `<instance>-<execution id>-<deployment>`: container, host and DNS name.
    pub dns_name: String,
    pub image: String,
    pub command: Option<String>,
    pub work_dir: Option<String>,
    /// Final environment, in order, one entry per name.
    pub environment: Vec<(String, String)>,
    /// Reserved memory in bytes (0 = no limit).
    pub memory_bytes: u64,
    pub cores: f64,
    pub shm_bytes: Option<u64>,
    pub ports: Vec<Port>,
    pub labels: Vec<String>,
    pub volumes: Vec<Volume>,
    pub network: Option<String>,
    pub startup_order: i64,
    pub monitor: bool,
}

/// Progress of an image pull, for the event stream.
#[derive(Debug, Clone, PartialEq)]
pub struct PullProgress {
    pub status: String,
    pub current: u64,
    pub total: u64,
}

/// Everything a container needs beyond the instance itself.
pub struct ContainerPlan<'a> {
    pub instance: &'a Instance,
    pub network: &'a str,
    pub labels: HashMap<String, String>,
    /// Extra bind mounts, `host:container:mode`.
    pub binds: Vec<String>,
}

/// What Docker did: the container id and the published ports.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    pub id: String,
    pub ports: Vec<(String, u16)>,
}
