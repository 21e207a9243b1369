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
    /// Name, context and namespace as first made (settings, `--context`),
    /// once `look_at` pointed the target elsewhere.
    pub origin: Option<Origin>,
}

/// What a cluster target read before `--namespace`, `:ctx` or `:ns`
/// pointed it elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub name: String,
    pub context: Option<String>,
    pub namespace: Option<String>,
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
            origin: None,
        }
    }

    /// The target reading `context` and `namespace` (`None`: unchanged)
    /// instead, named after what it reads: a record does not say which
    /// namespace its pods are in, so a look elsewhere must be another
    /// target (its nodes other hosts), or it would find a first look's
    /// executions gone and close them. Back where it was made, it gets
    /// its name back.
    ///
    /// * same context, same namespace: the name it was made with (`lab`);
    /// * same context, another namespace: `lab@other`;
    /// * another context: named after that context, as `--context`
    ///   names a target for it (`b`), with `@namespace` when one is set
    ///   (`b@zapps`: the context's own namespace may be another).
    pub fn look_at(&mut self, context: Option<&str>, namespace: Option<&str>) {
        let origin = self.origin.get_or_insert_with(|| Origin {
            name: self.name.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
        });
        if let Some(context) = context {
            self.context = Some(context.to_string());
        }
        if let Some(namespace) = namespace {
            self.namespace = Some(namespace.to_string());
        }
        self.name = if self.context != origin.context {
            let base = self
                .context
                .as_deref()
                .map_or_else(|| origin.name.clone(), super::targets::target_name_of);
            match &self.namespace {
                Some(ns) => format!("{base}@{ns}"),
                None => base,
            }
        } else if self.namespace != origin.namespace {
            match &self.namespace {
                Some(ns) => format!("{}@{ns}", origin.name),
                None => origin.name.clone(),
            }
        } else {
            origin.name.clone()
        };
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

/// One context of the merged kubeconfig, for `:ctx` and
/// `zoe config contexts` (no credentials: only the user's name).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContextInfo {
    pub name: String,
    pub cluster: String,
    /// The cluster's API server URL (empty when the cluster is missing).
    pub server: String,
    /// The context's namespace (`None`: `default`).
    pub namespace: Option<String>,
    pub user: String,
    /// The kubeconfig's `current-context`.
    pub current: bool,
}

/// The kubeconfig files to read, as kubectl picks them: the given paths
/// (settings or `--kubeconfig`), else `$KUBECONFIG` (`:`-separated, empty
/// entries ignored), else `~/.kube/config`. Missing files among them are
/// skipped by the reader; none at all is an error naming these paths.
pub fn kubeconfig_paths(given: &[PathBuf], env: super::EnvLookup<'_>) -> Vec<PathBuf> {
    if !given.is_empty() {
        return given.to_vec();
    }
    if let Some(list) = env("KUBECONFIG") {
        let paths: Vec<PathBuf> = list
            .split(':')
            .filter(|p| !p.is_empty())
            .map(|p| expand_home(p, env))
            .collect();
        if !paths.is_empty() {
            return paths;
        }
    }
    match env("HOME").filter(|h| !h.is_empty()) {
        Some(home) => vec![PathBuf::from(home).join(".kube").join("config")],
        None => vec![PathBuf::from(".kube/config")],
    }
}

/// `~` and `~/…` as the home directory (`$HOME`); other paths unchanged.
pub fn expand_home(path: &str, env: super::EnvLookup<'_>) -> PathBuf {
    let home = || env("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    match path.strip_prefix('~') {
        Some("") => home().unwrap_or_else(|| PathBuf::from(path)),
        Some(rest) if rest.starts_with('/') => home()
            .map(|h| h.join(rest.trim_start_matches('/')))
            .unwrap_or_else(|| PathBuf::from(path)),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_paths_like_kubectl() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/a".to_string()),
            "KUBECONFIG" => Some("~/one::/etc/two".to_string()),
            _ => None,
        };
        assert_eq!(
            kubeconfig_paths(&[], &env),
            [PathBuf::from("/home/a/one"), PathBuf::from("/etc/two")]
        );
        assert_eq!(
            kubeconfig_paths(&[PathBuf::from("/x")], &env),
            [PathBuf::from("/x")]
        );
        let home_only = |k: &str| (k == "HOME").then(|| "/home/a".to_string());
        assert_eq!(
            kubeconfig_paths(&[], &home_only),
            [PathBuf::from("/home/a/.kube/config")]
        );
        let empty = |k: &str| match k {
            "HOME" => Some("/h".to_string()),
            "KUBECONFIG" => Some(":".to_string()),
            _ => None,
        };
        assert_eq!(
            kubeconfig_paths(&[], &empty),
            [PathBuf::from("/h/.kube/config")]
        );
        assert_eq!(expand_home("~", &home_only), PathBuf::from("/home/a"));
        assert_eq!(expand_home("~x/y", &home_only), PathBuf::from("~x/y"));
    }
}
