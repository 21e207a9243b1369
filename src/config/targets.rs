//! Every place ZApps run: the Docker hosts (`hosts`) and the clusters of
//! the settings (`kube_settings`), as the command line's `--context`,
//! `--namespace` and `--kubeconfig` change them (kubectl's meaning).

use std::path::{Path, PathBuf};

use super::hosts::{DEFAULT_SOCKET, Hosts, TargetConfig, load_hosts};
use super::kube::KubeTarget;
use super::kube_settings::kube_targets;
use super::paths::EnvLookup;
use super::settings::Settings;

/// `--context`, `--namespace`, `--kubeconfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeFlags {
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub kubeconfig: Option<PathBuf>,
}

/// The targets, where they came from, and what was skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadedTargets {
    pub targets: Vec<TargetConfig>,
    /// For messages: "docker.conf and 2 clusters from the settings file".
    pub source: String,
    /// Entries skipped, as `file:line: …` or `settings …: …` text.
    pub problems: Vec<String>,
}

/// The Docker hosts and clusters to use.
///
/// * `--context NAME` with no cluster in the settings: one cluster, that
///   context of `--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config`;
///   with clusters configured: only those using that context (or a new
///   target for it, from the first cluster's kubeconfig, when none does).
///   Docker hosts stay either way.
/// * `--namespace` replaces every cluster's namespace; a cluster then
///   reading another namespace than configured is named `<name>@<ns>`
///   (`KubeTarget::look_at`). `--kubeconfig` replaces every cluster's
///   kubeconfig files.
/// * The implicit Docker host (nothing configured: the default socket) is
///   kept beside clusters only when its socket exists.
pub fn load_targets(
    settings: &Settings,
    env: EnvLookup<'_>,
    flags: &KubeFlags,
) -> Result<LoadedTargets, String> {
    let hosts = load_hosts(settings, env)?;
    let implicit = settings.docker_config.is_none()
        && settings.hosts.is_empty()
        && env("ZOE_DOCKER_CONFIG").is_none_or(|v| v.is_empty())
        && env("DOCKER_HOST").is_none_or(|v| v.is_empty());
    let socket = implicit && Path::new(DEFAULT_SOCKET).exists();
    Ok(select(
        hosts,
        implicit,
        socket,
        kube_targets(settings),
        flags,
    ))
}

/// `load_targets` past the file reads: `implicit` says the only Docker
/// host is the default socket, `socket_exists` whether it is there.
pub fn select(
    hosts: Hosts,
    implicit: bool,
    socket_exists: bool,
    configured: Vec<KubeTarget>,
    flags: &KubeFlags,
) -> LoadedTargets {
    let mut problems = hosts.problems;
    let from_settings = !configured.is_empty();
    let mut clusters = match &flags.context {
        None => configured,
        Some(context) => {
            let using: Vec<KubeTarget> = configured
                .iter()
                .filter(|t| t.context.as_deref() == Some(context.as_str()))
                .cloned()
                .collect();
            if using.is_empty() {
                let mut t = KubeTarget::new(&target_name_of(context));
                t.context = Some(context.clone());
                t.kubeconfig = configured
                    .first()
                    .map(|c| c.kubeconfig.clone())
                    .unwrap_or_default();
                vec![t]
            } else {
                using
            }
        }
    };
    for cluster in &mut clusters {
        // another namespace than configured is another target (`lab@ns`):
        // see `KubeTarget::look_at`
        if let Some(ns) = &flags.namespace {
            cluster.look_at(None, Some(ns));
        }
        if let Some(file) = &flags.kubeconfig {
            cluster.kubeconfig = vec![file.clone()];
        }
    }
    let docker: Vec<_> = if implicit && !clusters.is_empty() && !socket_exists {
        Vec::new()
    } else {
        hosts.hosts
    };
    let mut targets: Vec<TargetConfig> = docker.into_iter().map(TargetConfig::Docker).collect();
    let count = clusters.len();
    for cluster in clusters {
        if let Some(taken) = targets.iter().find(|t| t.name() == cluster.name) {
            let by = match taken {
                TargetConfig::Docker(_) => "a Docker host",
                TargetConfig::Kubernetes(_) => "another cluster",
            };
            problems.push(format!(
                "cluster `{}`: {by} has this name; skipped (set `name` in its [[kubernetes]] entry)",
                cluster.name
            ));
            continue;
        }
        targets.push(TargetConfig::Kubernetes(cluster));
    }
    let clusters_source = match (count, from_settings, &flags.context) {
        (0, _, _) => None,
        (_, false, Some(context)) => Some(format!("context {context} of the kubeconfig")),
        (1, _, _) => Some("1 cluster from the settings file".to_string()),
        (n, _, _) => Some(format!("{n} clusters from the settings file")),
    };
    let source = match clusters_source {
        None => hosts.source,
        Some(clusters)
            if targets
                .iter()
                .all(|t| matches!(t, TargetConfig::Kubernetes(_))) =>
        {
            clusters
        }
        Some(clusters) => format!("{} and {clusters}", hosts.source),
    };
    LoadedTargets {
        targets,
        source,
        problems,
    }
}

/// A context's name as a target name: no `/` (EKS contexts are ARNs with
/// one), nor spaces.
pub fn target_name_of(context: &str) -> String {
    let name: String = context
        .chars()
        .map(|c| {
            if c == '/' || c.is_whitespace() || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    if name.is_empty() {
        super::kube_settings::DEFAULT_CLUSTER_NAME.to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::docker_conf::{DockerAddress, DockerHost};

    fn host(name: &str) -> DockerHost {
        DockerHost {
            name: name.into(),
            address: DockerAddress::Unix {
                path: PathBuf::from("/x.sock"),
            },
            external_address: "127.0.0.1".into(),
            tls: None,
            labels: Vec::new(),
        }
    }

    fn hosts(names: &[&str]) -> Hosts {
        Hosts {
            hosts: names.iter().map(|n| host(n)).collect(),
            source: "docker.conf".into(),
            problems: Vec::new(),
        }
    }

    fn cluster(name: &str, context: Option<&str>) -> KubeTarget {
        let mut t = KubeTarget::new(name);
        t.context = context.map(str::to_string);
        t.kubeconfig = vec![PathBuf::from(format!("/k/{name}"))];
        t
    }

    fn flags(context: Option<&str>, namespace: Option<&str>) -> KubeFlags {
        KubeFlags {
            context: context.map(str::to_string),
            namespace: namespace.map(str::to_string),
            kubeconfig: None,
        }
    }

    fn names(loaded: &LoadedTargets) -> Vec<String> {
        loaded
            .targets
            .iter()
            .map(|t| match t {
                TargetConfig::Docker(h) => format!("docker:{}", h.name),
                TargetConfig::Kubernetes(k) => format!(
                    "kube:{}@{}/{}",
                    k.name,
                    k.context.as_deref().unwrap_or("-"),
                    k.namespace.as_deref().unwrap_or("-")
                ),
            })
            .collect()
    }

    #[test]
    fn context_without_clusters_adds_one_beside_the_docker_hosts() {
        let loaded = select(
            hosts(&["a"]),
            false,
            false,
            Vec::new(),
            &flags(Some("b"), None),
        );
        assert_eq!(names(&loaded), ["docker:a", "kube:b@b/-"]);
        let TargetConfig::Kubernetes(k) = &loaded.targets[1] else {
            panic!()
        };
        assert!(k.kubeconfig.is_empty(), "$KUBECONFIG or ~/.kube/config");
        assert_eq!(loaded.source, "docker.conf and context b of the kubeconfig");
        // an EKS-style context name makes a target name without `/`
        let loaded = select(
            hosts(&[]),
            false,
            false,
            Vec::new(),
            &flags(Some("arn:aws:eks:eu:1:cluster/lab"), None),
        );
        assert_eq!(loaded.targets[0].name(), "arn:aws:eks:eu:1:cluster-lab");
    }

    #[test]
    fn context_with_clusters_keeps_those_using_it() {
        let configured = vec![cluster("one", Some("a")), cluster("two", Some("b"))];
        let loaded = select(
            hosts(&["d"]),
            false,
            false,
            configured.clone(),
            &flags(Some("b"), None),
        );
        assert_eq!(names(&loaded), ["docker:d", "kube:two@b/-"]);
        // none uses it: a new target, from the first cluster's kubeconfig
        let loaded = select(
            hosts(&["d"]),
            false,
            false,
            configured,
            &flags(Some("c"), None),
        );
        assert_eq!(names(&loaded), ["docker:d", "kube:c@c/-"]);
        let TargetConfig::Kubernetes(k) = &loaded.targets[1] else {
            panic!()
        };
        assert_eq!(k.kubeconfig, [PathBuf::from("/k/one")]);
    }

    #[test]
    fn namespace_and_kubeconfig_flags_override_every_cluster() {
        let mut configured = vec![cluster("one", Some("a")), cluster("two", None)];
        configured[0].namespace = Some("set".into());
        let mut f = flags(None, Some("ns"));
        f.kubeconfig = Some(PathBuf::from("/flag"));
        let loaded = select(hosts(&[]), false, false, configured, &f);
        assert_eq!(names(&loaded), ["kube:one@ns@a/ns", "kube:two@ns@-/ns"]);
        for t in &loaded.targets {
            let TargetConfig::Kubernetes(k) = t else {
                panic!()
            };
            assert_eq!(k.kubeconfig, [PathBuf::from("/flag")]);
        }
    }

    #[test]
    fn a_cluster_reading_another_namespace_is_another_target() {
        // the namespace configured: the plain name
        let mut lab = cluster("lab", None);
        lab.namespace = Some("zapps".into());
        let loaded = select(
            hosts(&[]),
            false,
            false,
            vec![lab.clone()],
            &flags(None, Some("zapps")),
        );
        assert_eq!(names(&loaded), ["kube:lab@-/zapps"]);
        let loaded = select(
            hosts(&[]),
            false,
            false,
            vec![lab],
            &flags(None, Some("other")),
        );
        assert_eq!(names(&loaded), ["kube:lab@other@-/other"]);
        // --context alone names the target after it; -n beside it too
        let none = || hosts(&[]);
        let b = |ns| {
            names(&select(
                none(),
                false,
                false,
                Vec::new(),
                &flags(Some("b"), ns),
            ))
        };
        assert_eq!(b(None), ["kube:b@b/-"]);
        assert_eq!(b(Some("x")), ["kube:b@x@b/x"]);
        // a name taken by another cluster: skipped, said
        let loaded = select(
            hosts(&[]),
            false,
            false,
            vec![cluster("lab", None), {
                let mut t = cluster("lab@x", None);
                t.namespace = Some("x".into());
                t
            }],
            &flags(None, Some("x")),
        );
        assert_eq!(names(&loaded), ["kube:lab@x@-/x"]);
        assert!(
            loaded.problems[0].contains("another cluster has this name"),
            "{:?}",
            loaded.problems
        );
    }

    #[test]
    fn the_implicit_socket_stays_beside_clusters_only_when_it_exists() {
        let local = || hosts(&["local"]);
        let configured = || vec![cluster("k", None)];
        let none = flags(None, None);
        assert_eq!(
            names(&select(local(), true, false, configured(), &none)),
            ["kube:k@-/-"]
        );
        assert_eq!(
            names(&select(local(), true, true, configured(), &none)),
            ["docker:local", "kube:k@-/-"]
        );
        // no cluster: the default socket as before, even if absent
        assert_eq!(
            names(&select(local(), true, false, Vec::new(), &none)),
            ["docker:local"]
        );
        // a configured host stays, socket or not
        assert_eq!(
            names(&select(local(), false, false, configured(), &none)),
            ["docker:local", "kube:k@-/-"]
        );
        // --context with nothing configured: the cluster alone
        assert_eq!(
            names(&select(
                local(),
                true,
                false,
                Vec::new(),
                &flags(Some("x"), None)
            )),
            ["kube:x@x/-"]
        );
    }

    #[test]
    fn a_cluster_named_like_a_docker_host_is_skipped_with_a_problem() {
        let loaded = select(
            hosts(&["lab"]),
            false,
            false,
            vec![cluster("lab", None)],
            &flags(None, None),
        );
        assert_eq!(names(&loaded), ["docker:lab"]);
        assert!(
            loaded.problems[0].contains("cluster `lab`"),
            "{:?}",
            loaded.problems
        );
    }

    #[test]
    fn load_targets_reads_settings_and_environment() {
        let settings: Settings = toml::from_str(
            "[[kubernetes]]\nname = \"k\"\ncontext = \"c\"\n[[hosts]]\nname = \"h\"\naddress = \"h:1\"\n",
        )
        .unwrap();
        let env = |_: &str| None;
        let loaded = load_targets(&settings, &env, &KubeFlags::default()).unwrap();
        assert_eq!(names(&loaded), ["docker:h", "kube:k@c/-"]);
        assert_eq!(
            loaded.source,
            "the settings file and 1 cluster from the settings file"
        );
        // $DOCKER_HOST is a configured host: kept beside the cluster
        let env = |k: &str| (k == "DOCKER_HOST").then(|| "tcp://10.0.0.1:2375".to_string());
        let only_kube: Settings = toml::from_str("[[kubernetes]]\nname = \"k\"\n").unwrap();
        let loaded = load_targets(&only_kube, &env, &KubeFlags::default()).unwrap();
        assert_eq!(names(&loaded), ["docker:docker", "kube:k@-/-"]);
    }
}
