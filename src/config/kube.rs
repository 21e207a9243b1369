//! Kubernetes clusters as targets, as configured: which kubeconfig and
//! context, which namespace, and how ZApps are mapped onto the cluster
//! (ports, tolerations, image pulls, volumes, placement). Plain settings:
//! reading the kubeconfig and connecting is the backend's.

use std::path::PathBuf;

/// One cluster the console launches on.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeTarget {
    /// The target's name (the context's unless the settings give one).
    pub name: String,
    /// Kubeconfig files, merged as kubectl merges `$KUBECONFIG` (first
    /// wins); empty: `$KUBECONFIG`, else `~/.kube/config`.
    pub kubeconfig: Vec<PathBuf>,
    /// The context; `None`: the kubeconfig's `current-context`.
    pub context: Option<String>,
    /// The namespace; `None`: the context's, else `default`.
    pub namespace: Option<String>,
    /// How services' declared ports are reached from outside.
    pub expose: Expose,
    pub tolerations: Vec<Toleration>,
    /// Secrets (in the namespace) to pull images with.
    pub image_pull_secrets: Vec<String>,
    /// `Always`, `IfNotPresent` (default) or `Never`.
    pub image_pull_policy: Option<String>,
    /// Host paths mounted from elsewhere than the node's disk.
    pub volumes: Vec<VolumeMapping>,
    pub placement: KubePlacement,
    /// How long an essential pod may stay unschedulable before the
    /// execution goes back to the queue.
    pub unschedulable_timeout_secs: u32,
    /// The address users reach node ports at (default: each node's
    /// external, else internal address).
    pub external_address: Option<String>,
}

impl KubeTarget {
    /// A cluster with every setting at its default.
    pub fn new(name: &str) -> KubeTarget {
        KubeTarget {
            name: name.to_string(),
            kubeconfig: Vec::new(),
            context: None,
            namespace: None,
            expose: Expose::NodePort,
            tolerations: Vec::new(),
            image_pull_secrets: Vec::new(),
            image_pull_policy: None,
            volumes: Vec::new(),
            placement: KubePlacement::Scheduler,
            unschedulable_timeout_secs: DEFAULT_UNSCHEDULABLE_TIMEOUT_SECS,
            external_address: None,
        }
    }
}

pub const DEFAULT_UNSCHEDULABLE_TIMEOUT_SECS: u32 = 30;

/// How declared ports are exposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expose {
    /// A NodePort Service per instance with ports.
    #[default]
    NodePort,
    /// None: reachable inside the cluster only.
    None,
}

/// Who picks each pod's node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KubePlacement {
    /// The cluster's scheduler; the console predicts and admits.
    #[default]
    Scheduler,
    /// Each pod is pinned to the node the console chose.
    Pinned,
}

/// A toleration every pod carries (Kubernetes' own fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    pub key: Option<String>,
    /// `Equal` (default) or `Exists`.
    pub operator: String,
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule`, `NoExecute`; `None`: all.
    pub effect: Option<String>,
}

/// A host path that comes from shared storage on the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeMapping {
    /// The host path as the ZApp names it (a prefix of its volumes' paths).
    pub host_path: String,
    pub source: VolumeSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeSource {
    Nfs { server: String, path: String },
    Pvc { claim: String },
}
