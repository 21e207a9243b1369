//! The objects of one service instance on a cluster (research brief §7.1,
//! §7.2): a bare Pod made as the Docker backend makes a container (same
//! image, args, environment, limits, volumes and labels), a headless
//! Service named exactly the instance's DNS name, and for instances with
//! ports a NodePort Service. Labels that are valid label values stay
//! labels; the rest (description, parameters, signature…) become
//! annotations, and [`workload_labels`] merges them back.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use k8s_openapi::api::core::v1::{
    Affinity, Container, ContainerPort, EnvVar, EnvVarSource, LocalObjectReference, NodeAffinity,
    NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, ObjectFieldSelector, Pod, PodSpec,
    ResourceRequirements, Service, ServicePort, ServiceSpec, Toleration,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::names::{self, MAX_LABEL, label_key, label_value, port_name_of};
use super::quantity::{format_cpu, format_memory};
use super::volumes::volumes;
use crate::backend::command::split_command;
use crate::backend::labels::{DEPLOYMENT, EXECUTION_ID, SERVICE_NAME};
use crate::config::kube::{Expose, KubeTarget};
use crate::model::Instance;

/// The label every object of ours carries beside Zoe's.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY_VALUE: &str = "zoe-console";
/// The annotation kubectl and k9s read to pick the container.
pub const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";
/// What a Service is for: `dns` (headless) or `ext` (exposed).
pub const ROLE: &str = crate::backend::labels::SERVICE_ROLE;
/// The placeholder port of a headless Service without declared ports.
pub const PLACEHOLDER_PORT: i32 = 65535;
/// Annotations of one object may hold at most this many bytes.
pub const MAX_ANNOTATION_BYTES: usize = 256 * 1024;

/// Why an instance cannot be mapped: the preflight's messages, or a label
/// the objects cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    pub instance: String,
    pub problems: Vec<String>,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "instance `{}` cannot run on Kubernetes: {}",
            self.instance,
            self.problems.join("; ")
        )
    }
}

impl std::error::Error for NameError {}

/// The objects of one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceObjects {
    pub pod: Pod,
    /// Named exactly the instance's DNS name (lowercase): `{dns_name#…}`
    /// resolves to the pod on any port.
    pub headless: Service,
    /// A NodePort Service when the instance has ports and the target
    /// exposes them.
    pub exposed: Option<Service>,
}

/// The name of the exposing Service: `<dns name>-ext`, or `x<hash>` when
/// that is too long for a Service name (stable, and as unique as the DNS
/// name).
pub fn exposed_name(dns_name: &str) -> String {
    let dns = dns_name.to_ascii_lowercase();
    let name = format!("{dns}-ext");
    if name.len() <= MAX_LABEL {
        return name;
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, dns.as_bytes());
    let hex: String = digest.as_ref()[..10]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("x{hex}")
}

/// Labels ∪ annotations of an object of ours, minus the two keys only the
/// cluster side adds: the container labels it was made from.
pub fn workload_labels(meta: &ObjectMeta) -> HashMap<String, String> {
    meta.labels
        .iter()
        .flatten()
        .chain(meta.annotations.iter().flatten())
        .filter(|(k, _)| k.as_str() != MANAGED_BY && k.as_str() != DEFAULT_CONTAINER)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Sets the Service's owner to the created pod (by its uid), so the
/// cluster's garbage collector removes it with the pod.
pub fn owned_by(service: &mut Service, pod: &Pod) {
    let (Some(name), Some(uid)) = (pod.metadata.name.clone(), pod.metadata.uid.clone()) else {
        return;
    };
    service.metadata.owner_references = Some(vec![OwnerReference {
        api_version: "v1".to_string(),
        kind: "Pod".to_string(),
        name,
        uid,
        ..Default::default()
    }]);
}

type Map = BTreeMap<String, String>;

/// Splits the container labels into labels (valid label values) and
/// annotations (the rest), adding ours.
fn split_labels(
    labels: &HashMap<String, String>,
    container: &str,
) -> Result<(Map, Map), Vec<String>> {
    let mut kept = Map::new();
    let mut annotations = Map::new();
    let mut problems = Vec::new();
    for (key, value) in labels {
        if let Some(rule) = label_key(key) {
            problems.push(format!("label `{key}`: {rule}"));
        } else if label_value(value).is_none() {
            kept.insert(key.clone(), value.clone());
        } else {
            annotations.insert(key.clone(), value.clone());
        }
    }
    kept.insert(MANAGED_BY.to_string(), MANAGED_BY_VALUE.to_string());
    annotations.insert(DEFAULT_CONTAINER.to_string(), container.to_string());
    let size: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > MAX_ANNOTATION_BYTES {
        problems.push(format!(
            "the annotations (description, parameters…) take {size} bytes, over the {MAX_ANNOTATION_BYTES} Kubernetes allows on one object"
        ));
    }
    if problems.is_empty() {
        Ok((kept, annotations))
    } else {
        Err(problems)
    }
}

/// The objects of `instance` in `namespace` (see the module doc).
/// `labels` are its signed container labels; `pinned_node` fixes the pod
/// to a node (with or without the `<target>/` prefix).
pub fn instance_objects(
    instance: &Instance,
    labels: &HashMap<String, String>,
    target: &KubeTarget,
    namespace: &str,
    pinned_node: Option<&str>,
    grace_secs: u32,
) -> Result<InstanceObjects, NameError> {
    let refuse = |problems: Vec<String>| NameError {
        instance: instance.name.clone(),
        problems,
    };
    names::preflight(std::slice::from_ref(instance), target).map_err(refuse)?;
    let container_name = instance.name.to_ascii_lowercase();
    let (pod_labels, annotations) = split_labels(labels, &container_name).map_err(refuse)?;
    let mut selector = Map::new();
    for key in [DEPLOYMENT, EXECUTION_ID, SERVICE_NAME] {
        match pod_labels.get(key) {
            Some(value) => selector.insert(key.to_string(), value.clone()),
            None => {
                return Err(refuse(vec![format!(
                    "label `{key}` is missing or no valid label value: the Services could not select the pod"
                )]));
            }
        };
    }
    let args = match &instance.command {
        Some(command) => {
            Some(split_command(command).map_err(|why| refuse(vec![format!("command: {why}")]))?)
        }
        None => None,
    };
    let name = instance.dns_name.to_ascii_lowercase();
    let meta = |name: &str, labels: Map, annotations: Option<Map>| ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(namespace.to_string()),
        labels: Some(labels),
        annotations,
        ..Default::default()
    };
    let (volumes, mounts) = volumes(instance, target);
    let container = Container {
        name: container_name,
        image: Some(instance.image.clone()),
        image_pull_policy: Some(
            target
                .image_pull_policy
                .clone()
                .unwrap_or_else(|| "IfNotPresent".to_string()),
        ),
        args,
        working_dir: instance.work_dir.clone(),
        env: Some(environment(instance)),
        ports: (!instance.ports.is_empty()).then(|| {
            instance
                .ports
                .iter()
                .map(|p| ContainerPort {
                    name: Some(port_name_of(p)),
                    container_port: i32::from(p.port_number),
                    protocol: Some(p.protocol.as_str().to_ascii_uppercase()),
                    ..Default::default()
                })
                .collect()
        }),
        resources: resources(instance),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        ..Default::default()
    };
    let pod = Pod {
        metadata: meta(&name, pod_labels.clone(), Some(annotations)),
        spec: Some(PodSpec {
            restart_policy: Some("Never".to_string()),
            enable_service_links: Some(false),
            automount_service_account_token: Some(false),
            termination_grace_period_seconds: Some(i64::from(grace_secs)),
            image_pull_secrets: (!target.image_pull_secrets.is_empty()).then(|| {
                target
                    .image_pull_secrets
                    .iter()
                    .map(|s| LocalObjectReference { name: s.clone() })
                    .collect()
            }),
            tolerations: (!target.tolerations.is_empty()).then(|| {
                target
                    .tolerations
                    .iter()
                    .map(|t| Toleration {
                        key: t.key.clone(),
                        operator: Some(t.operator.clone()).filter(|o| !o.is_empty()),
                        value: t.value.clone(),
                        effect: t.effect.clone(),
                        ..Default::default()
                    })
                    .collect()
            }),
            affinity: Some(affinity(instance, target, pinned_node)),
            containers: vec![container],
            volumes: (!volumes.is_empty()).then_some(volumes),
            ..Default::default()
        }),
        status: None,
    };
    let service_labels = |role: &str| {
        let mut labels = pod_labels.clone();
        labels.insert(ROLE.to_string(), role.to_string());
        labels
    };
    let ports: Vec<ServicePort> = instance
        .ports
        .iter()
        .map(|p| ServicePort {
            name: Some(port_name_of(p)),
            port: i32::from(p.port_number),
            target_port: Some(IntOrString::Int(i32::from(p.port_number))),
            protocol: Some(p.protocol.as_str().to_ascii_uppercase()),
            ..Default::default()
        })
        .collect();
    let headless = Service {
        metadata: meta(&name, service_labels("dns"), None),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".to_string()),
            publish_not_ready_addresses: Some(true),
            selector: Some(selector.clone()),
            ports: Some(if ports.is_empty() {
                vec![ServicePort {
                    name: Some("zoe".to_string()),
                    port: PLACEHOLDER_PORT,
                    target_port: Some(IntOrString::Int(PLACEHOLDER_PORT)),
                    protocol: Some("TCP".to_string()),
                    ..Default::default()
                }]
            } else {
                ports.clone()
            }),
            ..Default::default()
        }),
        status: None,
    };
    let exposed = (!ports.is_empty() && target.expose == Expose::NodePort).then(|| Service {
        metadata: meta(
            &exposed_name(&instance.dns_name),
            service_labels("ext"),
            None,
        ),
        spec: Some(ServiceSpec {
            type_: Some("NodePort".to_string()),
            selector: Some(selector),
            ports: Some(ports),
            ..Default::default()
        }),
        status: None,
    });
    Ok(InstanceObjects {
        pod,
        headless,
        exposed,
    })
}

/// The environment as on Docker, plus where the pod runs.
fn environment(instance: &Instance) -> Vec<EnvVar> {
    let field = |name: &str, path: &str| EnvVar {
        name: name.to_string(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.to_string(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    instance
        .environment
        .iter()
        .map(|(name, value)| EnvVar {
            name: name.clone(),
            value: Some(value.clone()),
            ..Default::default()
        })
        .chain([
            field("ZOE_POD_IP", "status.podIP"),
            field("ZOE_NODE_NAME", "spec.nodeName"),
        ])
        .collect()
}

/// Whole millicores of `cores` (at least 1 when not 0).
pub fn millicores(cores: f64) -> u64 {
    if !cores.is_finite() || cores <= 0.0 {
        return 0;
    }
    ((cores * 1000.0).round() as u64).max(1)
}

/// requests = limits = `cores.min` / `memory.min`; 0 is no limit.
fn resources(instance: &Instance) -> Option<ResourceRequirements> {
    let mut list = BTreeMap::new();
    let millis = millicores(instance.cores);
    if millis > 0 {
        list.insert("cpu".to_string(), Quantity(format_cpu(millis)));
    }
    if instance.memory_bytes > 0 {
        list.insert(
            "memory".to_string(),
            Quantity(format_memory(instance.memory_bytes)),
        );
    }
    (!list.is_empty()).then(|| ResourceRequirements {
        requests: Some(list.clone()),
        limits: Some(list),
        ..Default::default()
    })
}

/// The ZApp labels as required node affinity, `disabled` nodes excluded,
/// and the chosen node when pinned.
fn affinity(instance: &Instance, target: &KubeTarget, pinned_node: Option<&str>) -> Affinity {
    let requirement =
        |key: &str, operator: &str, values: Option<Vec<String>>| NodeSelectorRequirement {
            key: key.to_string(),
            operator: operator.to_string(),
            values,
        };
    let mut expressions: Vec<NodeSelectorRequirement> = instance
        .labels
        .iter()
        .map(|label| match label.split_once('=') {
            Some((key, value)) => requirement(key, "In", Some(vec![value.to_string()])),
            None => requirement(label, "Exists", None),
        })
        .collect();
    expressions.push(requirement("disabled", "DoesNotExist", None));
    let fields = pinned_node.map(|node| {
        let prefix = format!("{}/", target.name);
        let node = node.strip_prefix(&prefix).unwrap_or(node);
        vec![requirement(
            "metadata.name",
            "In",
            Some(vec![node.to_string()]),
        )]
    });
    Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: vec![NodeSelectorTerm {
                    match_expressions: Some(expressions),
                    match_fields: fields,
                }],
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
#[path = "objects_tests.rs"]
mod tests;
