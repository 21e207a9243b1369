//! `:ctx` and `:ns` of the terminal UI: the contexts of the merged
//! kubeconfig and the namespaces of the cluster, listed for the status
//! line; switching the cluster target to another context or namespace
//! gives a new list of targets (the Docker hosts kept) that the engine
//! service reopens with.

use super::engine::{Engine, EngineError};
use crate::config::hosts::TargetConfig;
use crate::config::kube::KubeTarget;
use crate::model::NodeSnapshot;

/// The cluster target `:ctx` and `:ns` act on: the first one.
pub fn cluster(targets: &[TargetConfig]) -> Option<&KubeTarget> {
    targets.iter().find_map(|t| match t {
        TargetConfig::Kubernetes(k) => Some(k),
        TargetConfig::Docker(_) => None,
    })
}

/// What the engine last reported of a target's context and namespace.
fn seen<'a>(nodes: &'a [NodeSnapshot], target: &str) -> Option<&'a NodeSnapshot> {
    nodes
        .iter()
        .find(|n| n.target == target && n.detail.context.is_some())
}

/// The contexts of the cluster target's kubeconfig (or the default one
/// when there is no cluster), one a line, the one in use marked `*`.
pub fn contexts_text(targets: &[TargetConfig], nodes: &[NodeSnapshot]) -> Result<String, String> {
    let target = cluster(targets);
    let files = target.map(|t| t.kubeconfig.clone()).unwrap_or_default();
    let contexts = super::kube_contexts(&files, &|k: &str| std::env::var(k).ok())?;
    if contexts.is_empty() {
        return Err("the kubeconfig has no contexts".into());
    }
    let in_use = target.and_then(|t| {
        seen(nodes, &t.name)
            .and_then(|n| n.detail.context.clone())
            .or_else(|| t.context.clone())
            .or_else(|| contexts.iter().find(|c| c.current).map(|c| c.name.clone()))
    });
    let width = contexts
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut text = match target {
        Some(t) => format!("contexts (* used by {}; :ctx NAME switches):", t.name),
        None => "contexts (no cluster target yet; :ctx NAME adds one):".to_string(),
    };
    for c in &contexts {
        let mark = if in_use.as_deref() == Some(c.name.as_str()) {
            '*'
        } else {
            ' '
        };
        let ns = c.namespace.as_deref().unwrap_or("default");
        text.push_str(&format!(
            "\n{mark} {:<width$}  {}  ns {ns}",
            crate::model::text::visible(&c.name),
            crate::model::text::visible(&c.server)
        ));
    }
    Ok(text)
}

/// The targets with the cluster target on context `name` (a new cluster
/// target when there is none); refused when the kubeconfig has no such
/// context. A namespace chosen before (settings, `-n`, `:ns`) is kept.
/// The target is then named after what it reads (`b`, `b@zapps`: see
/// `KubeTarget::look_at`), so its look never judges records of another.
pub fn with_context(targets: &[TargetConfig], name: &str) -> Result<Vec<TargetConfig>, String> {
    let files = cluster(targets)
        .map(|t| t.kubeconfig.clone())
        .unwrap_or_default();
    let contexts = super::kube_contexts(&files, &|k: &str| std::env::var(k).ok())?;
    if !contexts.iter().any(|c| c.name == name) {
        let names: Vec<&str> = contexts.iter().map(|c| c.name.as_str()).collect();
        return Err(format!(
            "no context `{}` in the kubeconfig; its contexts: {} (:ctx lists them)",
            crate::model::text::visible(name),
            names.join(", ")
        ));
    }
    let mut targets = targets.to_vec();
    match targets.iter_mut().find_map(|t| match t {
        TargetConfig::Kubernetes(k) => Some(k),
        TargetConfig::Docker(_) => None,
    }) {
        Some(k) => k.look_at(Some(name), None),
        None => {
            let mut k = KubeTarget::new(&crate::config::targets::target_name_of(name));
            k.context = Some(name.to_string());
            if targets.iter().any(|t| t.name() == k.name) {
                return Err(format!(
                    "a Docker host is named `{}`: add a [[kubernetes]] entry with another name",
                    k.name
                ));
            }
            targets.push(TargetConfig::Kubernetes(k));
        }
    }
    unique(targets)
}

/// `told` ("lab now uses namespace x: looking…"), saying the cluster
/// target's new name when a switch gave it one.
pub fn renamed(told: String, targets: &[TargetConfig]) -> String {
    match cluster(targets) {
        Some(k) if !told.starts_with(&format!("{} ", k.name)) => {
            let (what, rest) = told.split_once(':').unwrap_or((told.as_str(), ""));
            let sep = if rest.is_empty() { "" } else { ":" };
            format!("{what}, as target {}{sep}{rest}", k.name)
        }
        _ => told,
    }
}

/// The targets, unless the cluster target's new name is another's.
fn unique(targets: Vec<TargetConfig>) -> Result<Vec<TargetConfig>, String> {
    if let Some(k) = cluster(&targets)
        && targets.iter().filter(|t| t.name() == k.name).count() > 1
    {
        return Err(format!(
            "another target is named `{}`: that is what the cluster target would be named there; give one of them another `name` in the settings",
            crate::model::text::visible(&k.name)
        ));
    }
    Ok(targets)
}

/// The targets with the cluster target in namespace `name`, when the
/// cluster has it (`namespaces`: what it listed); named `lab@name` unless
/// that is where it was made to look.
pub fn with_namespace(
    targets: &[TargetConfig],
    name: &str,
    namespaces: &[String],
) -> Result<Vec<TargetConfig>, String> {
    let mut targets = targets.to_vec();
    let Some(k) = targets.iter_mut().find_map(|t| match t {
        TargetConfig::Kubernetes(k) => Some(k),
        TargetConfig::Docker(_) => None,
    }) else {
        return Err(no_cluster());
    };
    if !namespaces.iter().any(|n| n == name) {
        return Err(format!(
            "no namespace `{}` on cluster {}; its namespaces: {} (:ns lists them)",
            crate::model::text::visible(name),
            k.name,
            namespaces.join(", ")
        ));
    }
    k.look_at(None, Some(name));
    unique(targets)
}

/// The namespaces one a line, the one in use marked `*`.
pub fn namespaces_text(target: &str, in_use: Option<&str>, namespaces: &[String]) -> String {
    let mut text = format!("namespaces of {target} (* in use; :ns NAME switches):");
    for n in namespaces {
        let mark = if in_use == Some(n.as_str()) { '*' } else { ' ' };
        text.push_str(&format!("\n{mark} {}", crate::model::text::visible(n)));
    }
    text
}

pub fn no_cluster() -> String {
    "no cluster target: `:ctx NAME` adds one (or start zoe with --context NAME)".into()
}

impl Engine {
    /// The namespaces of cluster target `target`, and the one in use as
    /// the last look saw it.
    pub async fn namespaces(&self, target: &str) -> Result<Vec<String>, EngineError> {
        self.cluster
            .namespaces(target, self.deployment())
            .await
            .map_err(|e| EngineError::Refused(e.to_string()))
    }
}

/// The namespace the engine last reported for `target`.
pub fn namespace_in_use(nodes: &[NodeSnapshot], target: &KubeTarget) -> Option<String> {
    seen(nodes, &target.name)
        .and_then(|n| n.detail.namespace.clone())
        .or_else(|| target.namespace.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("kubeconfig");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\ncontexts:\n- name: a\n  context:\n    cluster: c\n    namespace: zapps\n- name: b\n  context:\n    cluster: c\nusers: []\n",
        )
        .unwrap();
        path
    }

    fn cluster_target(file: &std::path::Path) -> TargetConfig {
        let mut k = KubeTarget::new("lab");
        k.kubeconfig = vec![file.to_path_buf()];
        TargetConfig::Kubernetes(k)
    }

    #[test]
    fn contexts_are_listed_with_the_one_in_use_and_switched_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = kubeconfig(dir.path());
        let targets = vec![cluster_target(&file)];
        let text = contexts_text(&targets, &[]).unwrap();
        assert!(text.contains("* a  http://127.0.0.1:1  ns zapps"), "{text}");
        assert!(
            text.contains("  b  http://127.0.0.1:1  ns default"),
            "{text}"
        );
        let switched = with_context(&targets, "b").unwrap();
        assert_eq!(cluster(&switched).unwrap().context.as_deref(), Some("b"));
        assert_eq!(
            cluster(&switched).unwrap().name,
            "b",
            "another context, another target: named after it"
        );
        let text = contexts_text(&switched, &[]).unwrap();
        assert!(text.contains("* b "), "{text}");
        let err = with_context(&targets, "nope").unwrap_err();
        assert!(
            err.contains("no context `nope`") && err.contains("a, b"),
            "{err}"
        );
    }

    #[test]
    fn namespaces_switch_only_to_one_the_cluster_has() {
        let dir = tempfile::tempdir().unwrap();
        let targets = vec![cluster_target(&kubeconfig(dir.path()))];
        let listed = vec!["default".to_string(), "zapps".to_string()];
        let switched = with_namespace(&targets, "zapps", &listed).unwrap();
        assert_eq!(
            cluster(&switched).unwrap().namespace.as_deref(),
            Some("zapps")
        );
        let err = with_namespace(&targets, "nope", &listed).unwrap_err();
        assert!(err.contains("no namespace `nope` on cluster lab"), "{err}");
        assert_eq!(
            with_namespace(&[], "zapps", &listed).unwrap_err(),
            no_cluster()
        );
        assert_eq!(cluster(&switched).unwrap().name, "lab@zapps");
        let text = namespaces_text("lab", Some("zapps"), &listed);
        assert!(text.ends_with("\n  default\n* zapps"), "{text}");
    }

    /// A look elsewhere is another target, so its nodes are other hosts
    /// and the records of the first look are not judged by it; back where
    /// it was made, the target has its name again.
    #[test]
    fn a_target_looking_elsewhere_is_named_after_what_it_reads() {
        let dir = tempfile::tempdir().unwrap();
        let mut k = KubeTarget::new("lab");
        k.kubeconfig = vec![kubeconfig(dir.path())];
        k.context = Some("a".into());
        k.namespace = Some("zapps".into());
        let targets = vec![TargetConfig::Kubernetes(k)];
        let listed = vec!["default".to_string(), "zapps".to_string()];
        let name = |t: &[TargetConfig]| cluster(t).unwrap().name.clone();
        let other = with_namespace(&targets, "default", &listed).unwrap();
        assert_eq!(name(&other), "lab@default");
        let back = with_namespace(&other, "zapps", &listed).unwrap();
        assert_eq!(name(&back), "lab");
        // another context keeps the namespace chosen: both in the name
        let b = with_context(&other, "b").unwrap();
        assert_eq!(name(&b), "b@default");
        assert_eq!(cluster(&b).unwrap().namespace.as_deref(), Some("default"));
        let home = with_namespace(&with_context(&b, "a").unwrap(), "zapps", &listed).unwrap();
        assert_eq!(name(&home), "lab");
        assert_eq!(
            renamed("lab now uses context b: looking…".into(), &b),
            "lab now uses context b, as target b@default: looking…"
        );
        assert_eq!(
            renamed("lab now uses namespace zapps: looking…".into(), &home),
            "lab now uses namespace zapps: looking…"
        );
        assert!(!name(&b).contains('/'));
        // a name another target has: refused
        let mut taken = targets.clone();
        taken.push(TargetConfig::Kubernetes(KubeTarget::new("lab@default")));
        let err = with_namespace(&taken, "default", &listed).unwrap_err();
        assert!(
            err.contains("another target is named `lab@default`"),
            "{err}"
        );
    }
}
