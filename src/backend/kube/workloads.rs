//! This deployment's pods as the engine's neutral workloads: which are
//! ours (signed, labels that parse, named as their labels say) and which
//! are foreign, and the state of each in Zoe's words. Pure.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Pod, Service};

use super::objects::workload_labels;
use crate::backend::labels;
use crate::backend::trust;
use crate::config::deployment_key::DeploymentKey;
use crate::model::{BackendState, ExecutionId, ForeignContainer, StopReason, Workload};

/// The annotation with the node the console meant a pod for (the
/// scheduler may bind it elsewhere; a pod not bound yet is shown there).
pub const MEANT_FOR: &str = "org.zoe-console.node";

/// What one of this deployment's pods is.
pub enum Found {
    Ours(Box<Workload>),
    Foreign(ForeignContainer),
}

/// A pod carrying this deployment's labels, classified; `services` are the
/// execution's Services (for the node ports of the instance).
pub fn classify_pod(key: &DeploymentKey, pod: &Pod, services: &[&Service]) -> Option<Found> {
    let name = pod.metadata.name.clone()?;
    let id = pod.metadata.uid.clone().unwrap_or_else(|| name.clone());
    let labels = workload_labels(&pod.metadata);
    let (state, status, stopped, exit_code, oom) = state_of(pod);
    if let Err(why) = super::owned::pod_trust(key, &name, &labels) {
        return Some(Found::Foreign(trust::foreign(
            id, name, status, &labels, why,
        )));
    }
    let execution_id = ExecutionId::parse(labels.get(labels::EXECUTION_ID)?).ok()?;
    let memory = labels
        .get(labels::MEMORY)
        .and_then(|v| labels::parse_memory(v).ok())
        .unwrap_or(0);
    let cores = labels
        .get(labels::CORES)
        .and_then(|v| labels::parse_cores(v).ok())
        .unwrap_or(0.0);
    let instance = labels
        .get(labels::SERVICE_NAME)
        .cloned()
        .unwrap_or_default();
    let ports = node_ports(&name, services);
    Some(Found::Ours(Box::new(Workload {
        id: name.clone(),
        name,
        execution_id,
        essential: labels.get(labels::ESSENTIAL).is_none_or(|v| v == "true"),
        instance,
        state,
        engine_status: status,
        stopped,
        exit_code,
        oom_killed: oom,
        memory_reserved: memory,
        cores_reserved: cores,
        memory_limit: memory,
        cores_limit: cores,
        memory_in_use: None,
        cores_in_use: None,
        ports,
        labels,
    })))
}

/// The node ports of a pod's exposing Service: `"8888/tcp"` → node port.
fn node_ports(pod: &str, services: &[&Service]) -> Vec<(String, u16)> {
    services
        .iter()
        .filter(|s| {
            s.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("NodePort")
                && s.spec.as_ref().and_then(|s| s.selector.as_ref()).is_some()
        })
        .filter(|s| {
            // the exposing Service of this pod: same instance and execution
            s.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.name == pod)
        })
        .flat_map(|s| service_node_ports(s))
        .collect()
}

/// The node ports a Service gives its ports: `"8888/tcp"` → node port.
pub fn service_node_ports(service: &Service) -> Vec<(String, u16)> {
    service
        .spec
        .iter()
        .flat_map(|spec| spec.ports.iter().flatten())
        .filter_map(|p| {
            let node_port = u16::try_from(p.node_port?).ok()?;
            let proto = p.protocol.as_deref().unwrap_or("TCP").to_ascii_lowercase();
            Some((format!("{}/{proto}", p.port), node_port))
        })
        .collect()
}

/// A pod's state in Zoe's words: (state, the engine's own status, why it
/// is not running, exit code, killed for memory).
pub fn state_of(pod: &Pod) -> (BackendState, String, Option<StopReason>, Option<i64>, bool) {
    let status = pod.status.as_ref();
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("Pending");
    let terminated = status
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .find_map(|c| c.state.as_ref()?.terminated.as_ref());
    let exit_code = terminated.map(|t| i64::from(t.exit_code));
    let oom = terminated.and_then(|t| t.reason.as_deref()) == Some("OOMKilled");
    if pod.metadata.deletion_timestamp.is_some() {
        return (
            BackendState::Destroyed,
            "Terminating".into(),
            Some(StopReason::Removed),
            exit_code,
            oom,
        );
    }
    match phase {
        "Running" => (BackendState::Started, "Running".into(), None, None, false),
        "Succeeded" | "Failed" => {
            let word = terminated
                .and_then(|t| t.reason.clone())
                .unwrap_or_else(|| phase.to_string());
            if oom {
                (
                    BackendState::OomKilled,
                    word,
                    Some(StopReason::OutOfMemory),
                    exit_code,
                    true,
                )
            } else {
                let code = exit_code.unwrap_or(if phase == "Succeeded" { 0 } else { 1 });
                (
                    BackendState::Dead,
                    word,
                    Some(StopReason::Exited(code)),
                    Some(code),
                    false,
                )
            }
        }
        _ => {
            if let Some(why) = unschedulable(pod) {
                return (
                    BackendState::Undefined,
                    format!("Pending: {why}"),
                    None,
                    None,
                    false,
                );
            }
            let waiting = waiting_reason(pod);
            let bound = pod
                .spec
                .as_ref()
                .and_then(|s| s.node_name.as_ref())
                .is_some();
            let word = match waiting {
                Some((reason, _)) => reason,
                None if bound => "ContainerCreating".into(),
                None => "Pending".into(),
            };
            let state = if bound {
                BackendState::Created
            } else {
                BackendState::Undefined
            };
            (state, word, None, None, false)
        }
    }
}

/// The scheduler's message for a pod it cannot place.
pub fn unschedulable(pod: &Pod) -> Option<String> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        .map(|c| {
            c.message
                .clone()
                .or_else(|| c.reason.clone())
                .unwrap_or_else(|| "not scheduled".into())
        })
}

/// Whether the scheduler bound the pod to a node.
pub fn scheduled(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_ref())
        .is_some()
}

/// Why a container waits (reason, message), e.g. `ErrImagePull`.
pub fn waiting_reason(pod: &Pod) -> Option<(String, String)> {
    pod.status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .iter()
        .find_map(|c| {
            let w = c.state.as_ref()?.waiting.as_ref()?;
            Some((
                w.reason.clone().unwrap_or_default(),
                w.message.clone().unwrap_or_default(),
            ))
        })
}

/// A waiting reason that will not pass by itself: the launch fails with it.
pub fn is_fatal_wait(reason: &str) -> bool {
    matches!(
        reason,
        "ErrImagePull"
            | "ImagePullBackOff"
            | "InvalidImageName"
            | "CreateContainerConfigError"
            | "CreateContainerError"
            | "ErrImageNeverPull"
    )
}

/// The labels of a pod merged with its annotations (as created).
pub fn merged(pod: &Pod) -> HashMap<String, String> {
    workload_labels(&pod.metadata)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        ContainerState, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
        PodCondition, PodSpec, PodStatus,
    };

    fn pod(phase: &str) -> Pod {
        Pod {
            spec: Some(PodSpec::default()),
            status: Some(PodStatus {
                phase: Some(phase.into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn terminated(mut p: Pod, code: i32, reason: &str) -> Pod {
        if let Some(s) = p.status.as_mut() {
            s.container_statuses = Some(vec![ContainerStatus {
                name: "c".into(),
                state: Some(ContainerState {
                    terminated: Some(ContainerStateTerminated {
                        exit_code: code,
                        reason: Some(reason.into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }]);
        }
        p
    }

    #[test]
    fn phases_map_like_containers_do() {
        assert_eq!(state_of(&pod("Running")).0, BackendState::Started);
        let failed = state_of(&terminated(pod("Failed"), 3, "Error"));
        assert_eq!(
            (failed.0, failed.2, failed.3),
            (BackendState::Dead, Some(StopReason::Exited(3)), Some(3))
        );
        let oom = state_of(&terminated(pod("Failed"), 137, "OOMKilled"));
        assert_eq!(
            (oom.0, oom.1.as_str(), oom.4),
            (BackendState::OomKilled, "OOMKilled", true)
        );
        assert_eq!(state_of(&pod("Succeeded")).2, Some(StopReason::Exited(0)));
        let mut deleting = pod("Running");
        deleting.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                "2026-11-29T12:00:00Z".parse().unwrap(),
            ));
        assert_eq!(state_of(&deleting).0, BackendState::Destroyed);
    }

    #[test]
    fn a_pending_pod_says_why() {
        let mut p = pod("Pending");
        if let Some(s) = p.status.as_mut() {
            s.conditions = Some(vec![PodCondition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: Some("Unschedulable".into()),
                message: Some("0/3 nodes are available: 3 Insufficient cpu.".into()),
                ..Default::default()
            }]);
        }
        let (state, word, ..) = state_of(&p);
        assert_eq!(state, BackendState::Undefined);
        assert_eq!(
            word,
            "Pending: 0/3 nodes are available: 3 Insufficient cpu."
        );
        let mut bound = pod("Pending");
        if let Some(spec) = bound.spec.as_mut() {
            spec.node_name = Some("n1".into());
        }
        if let Some(s) = bound.status.as_mut() {
            s.container_statuses = Some(vec![ContainerStatus {
                name: "c".into(),
                state: Some(ContainerState {
                    waiting: Some(ContainerStateWaiting {
                        reason: Some("ErrImagePull".into()),
                        message: Some("not found".into()),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }]);
        }
        let (state, word, ..) = state_of(&bound);
        assert_eq!(
            (state, word.as_str()),
            (BackendState::Created, "ErrImagePull")
        );
        assert!(is_fatal_wait(&word));
    }
}
