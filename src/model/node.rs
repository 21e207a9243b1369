//! What a node (a Docker host, a Kubernetes node) has and carries, in
//! neutral words: every engine fills these in, nothing above the backend
//! knows which engine it talks to.

use std::collections::HashMap;

use super::ExecutionId;

/// A container's state as Zoe sees it: anything but `started` counts as dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendState {
    Undefined,
    Created,
    Started,
    Dead,
    OomKilled,
    Destroyed,
}

impl BackendState {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendState::Undefined => "undefined",
            BackendState::Created => "created",
            BackendState::Started => "started",
            BackendState::Dead => "dead",
            BackendState::OomKilled => "oom-killed",
            BackendState::Destroyed => "destroyed",
        }
    }
}

/// Why a workload is not running, in neutral words; the engine's own word
/// is kept apart (`engine_status`) for display only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "why", content = "code")]
pub enum StopReason {
    /// Its main process ended with this exit code.
    Exited(i64),
    /// The kernel killed it for using more memory than its limit.
    OutOfMemory,
    /// Frozen by the engine (still holds its resources).
    Paused,
    /// The engine says it is dead or being removed.
    Removed,
}

/// One ZApp service instance (a container, a pod) found on a node.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Workload {
    pub id: String,
    pub name: String,
    pub execution_id: ExecutionId,
    pub instance: String,
    pub essential: bool,
    pub state: BackendState,
    /// The engine's own status word (`running`, `exited`…), for display.
    pub engine_status: String,
    /// Why it is not running, when it is not.
    pub stopped: Option<StopReason>,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub memory_reserved: u64,
    pub cores_reserved: f64,
    pub memory_limit: u64,
    pub cores_limit: f64,
    pub memory_in_use: Option<u64>,
    pub cores_in_use: Option<f64>,
    /// Published ports: `"8080/tcp"` → host port.
    pub ports: Vec<(String, u16)>,
    #[serde(skip)]
    pub labels: HashMap<String, String>,
}

impl Workload {
    /// Whether the container counts against the node's reservations. Zoe
    /// counts containers in any state; we do not count stopped ones (they
    /// use nothing, and we keep stopped containers of ended executions so
    /// their logs stay readable until `zoe kill` removes them).
    pub fn holds_resources(&self) -> bool {
        !matches!(
            self.state,
            BackendState::Dead | BackendState::OomKilled | BackendState::Destroyed
        )
    }
}

/// Why a container that matches this deployment's labels is not one of its
/// services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForeignKind {
    /// It carries Zoe's own labels and none of ours: made by a Zoe master
    /// (or by hand), never by a console.
    ZoeMaster,
    /// Our labels, but a missing or wrong signature, or a name that is not
    /// the one its labels give it: not made by this deployment.
    BadSignature,
    /// Labels that do not parse.
    BadLabels,
}

impl ForeignKind {
    /// How tables name it.
    pub fn as_str(self) -> &'static str {
        match self {
            ForeignKind::ZoeMaster => "zoe master",
            ForeignKind::BadSignature => "bad signature",
            ForeignKind::BadLabels => "bad labels",
        }
    }
}

/// A container that claims to be one of this deployment's ZApp services but
/// was not made by it (see [`ForeignKind`]): shown, never counted, adopted,
/// grown, ended or removed unasked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ForeignContainer {
    pub id: String,
    pub name: String,
    pub kind: ForeignKind,
    /// The execution id it claims, made safe and short (it is hostile
    /// text), when it claims one.
    pub claims: Option<String>,
    /// The engine's status word (`running`, `exited`…).
    pub state: String,
    /// Why it is not trusted.
    pub reason: String,
}

/// A network the console made for one execution, found on a node (it may
/// outlive the execution's containers when a cleanup was cut short).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExecutionNetwork {
    pub name: String,
    pub execution_id: ExecutionId,
}

/// What a node of a cluster tells beyond a Docker host's figures (all
/// empty on a Docker host).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct NodeDetail {
    /// Online but taking no new work, and why (not ready, cordoned, a
    /// taint that is not tolerated).
    pub unschedulable: Option<String>,
    /// Requested by every workload on the node, ZApp or not, when the
    /// engine counts them (Kubernetes: the pods of every namespace);
    /// placement takes free room from these instead of `*_reserved`.
    pub cores_requested: Option<f64>,
    pub memory_requested: Option<u64>,
    /// The most workloads the node takes (Kubernetes: allocatable pods).
    pub max_workloads: Option<u32>,
    /// Memory may be filled to the last byte (the Kubernetes scheduler's
    /// `<=`), not only below it (Zoe's strict `<`).
    pub memory_fills: bool,
    /// The engine pulls images itself: which images a node has is no
    /// placement preference.
    pub pulls_images: bool,
    /// Why the figures are partial (e.g. not allowed to list the pods of
    /// other namespaces).
    pub partial: Option<String>,
    /// Roles (`node-role.kubernetes.io/<role>`).
    pub roles: Vec<String>,
    /// Taints, `key=value:Effect`.
    pub taints: Vec<String>,
    /// What the target is, in a word for display only (`cluster`); `None`
    /// on a Docker host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_kind: Option<String>,
    /// The credentials' context the target is reached with, as the engine
    /// resolved it (display only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Where the target's workloads live (display only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Instances of other users on the node that who asks may not see in
    /// detail (a role without `can_see_status`): counted, not listed.
    #[serde(skip)]
    pub others: u32,
}

/// What a node has and carries (an unreachable node is offline, never a
/// placement target), or why it cannot be read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NodeSnapshot {
    pub name: String,
    /// The target it belongs to: a Docker host is its own target; a node
    /// of a Kubernetes cluster belongs to the cluster's.
    pub target: String,
    /// Nodes of one domain can hold one execution together (its instances
    /// reach each other by name); an execution never spans domains.
    pub domain: String,
    pub address: String,
    pub external_address: String,
    /// `Some(reason)` when the node is offline.
    pub error: Option<String>,
    pub labels: Vec<String>,
    pub cores_total: f64,
    pub memory_total: u64,
    pub cores_reserved: f64,
    pub memory_reserved: u64,
    pub cores_allocated: f64,
    pub memory_allocated: u64,
    pub cores_in_use: Option<f64>,
    pub memory_in_use: Option<u64>,
    /// Running containers, ZApp or not.
    pub container_count: u32,
    pub images: Vec<String>,
    pub services: Vec<Workload>,
    /// Containers labelled as this deployment's that it did not make.
    pub foreign: Vec<ForeignContainer>,
    /// The executions' own networks on the node.
    pub networks: Vec<ExecutionNetwork>,
    #[serde(flatten)]
    pub detail: NodeDetail,
}

impl NodeSnapshot {
    pub fn offline(
        name: &str,
        address: String,
        external_address: String,
        labels: Vec<String>,
        error: String,
    ) -> NodeSnapshot {
        NodeSnapshot {
            name: name.to_string(),
            target: name.to_string(),
            domain: name.to_string(),
            address,
            external_address,
            error: Some(error),
            labels,
            cores_total: 0.0,
            memory_total: 0,
            cores_reserved: 0.0,
            memory_reserved: 0,
            cores_allocated: 0.0,
            memory_allocated: 0,
            cores_in_use: None,
            memory_in_use: None,
            container_count: 0,
            images: Vec::new(),
            services: Vec::new(),
            foreign: Vec::new(),
            networks: Vec::new(),
            detail: NodeDetail::default(),
        }
    }

    pub fn is_online(&self) -> bool {
        self.error.is_none()
    }

    /// Counts one more workload of this size on the node (what a pass
    /// just started, so that later placements see the room taken): in the
    /// figures placement reads, requested-by-all where the engine counts
    /// it as well as reserved.
    pub fn take(&mut self, memory: u64, cores: f64) {
        self.memory_reserved = self.memory_reserved.saturating_add(memory);
        self.cores_reserved += cores;
        if let Some(requested) = self.detail.memory_requested.as_mut() {
            *requested = requested.saturating_add(memory);
        }
        if let Some(requested) = self.detail.cores_requested.as_mut() {
            *requested += cores;
        }
        self.container_count += 1;
    }

    /// The placement view of this node. Free room is what every workload
    /// requested when the engine counts them, else what ZApps reserved.
    pub fn placement_view(&self) -> super::NodeView {
        let detail = &self.detail;
        super::NodeView {
            name: self.name.clone(),
            target: self.target.clone(),
            domain: self.domain.clone(),
            offline: self.error.clone(),
            unschedulable: detail.unschedulable.clone(),
            labels: placement_labels(&self.labels),
            cores_total: self.cores_total,
            memory_total: self.memory_total,
            cores_reserved: detail.cores_requested.unwrap_or(self.cores_reserved),
            memory_reserved: detail.memory_requested.unwrap_or(self.memory_reserved),
            container_count: self.container_count,
            max_count: detail.max_workloads,
            memory_fills: detail.memory_fills,
            images: (!detail.pulls_images).then(|| self.images.clone()),
        }
    }
}

/// The labels placement matches an instance's labels against: each label
/// as it is and, for a `key=value` label, its key too (an instance asking
/// for `key` asks for the key, whatever its value).
pub fn placement_labels(labels: &[String]) -> Vec<String> {
    let mut all: Vec<String> = Vec::with_capacity(labels.len() * 2);
    for label in labels {
        if let Some((key, _)) = label.split_once('=')
            && !all.iter().any(|l| l == key)
        {
            all.push(key.to_string());
        }
        if !all.contains(label) {
            all.push(label.clone());
        }
    }
    all
}

#[cfg(test)]
mod take_tests {
    use super::*;

    #[test]
    fn room_taken_shows_in_what_placement_reads() {
        let mut docker =
            NodeSnapshot::offline("h", String::new(), String::new(), Vec::new(), String::new());
        docker.error = None;
        docker.memory_total = 1000;
        docker.cores_total = 4.0;
        docker.take(100, 1.0);
        let view = docker.placement_view();
        assert_eq!(
            (
                view.memory_reserved,
                view.cores_reserved,
                view.container_count
            ),
            (100, 1.0, 1)
        );
        let mut node = docker.clone();
        node.detail.memory_requested = Some(500);
        node.detail.cores_requested = Some(2.0);
        node.take(100, 1.0);
        let view = node.placement_view();
        assert_eq!(
            (view.memory_reserved, view.cores_reserved),
            (600, 3.0),
            "requested by all, plus this"
        );
    }
}
