//! What one Docker host has and carries: capacity, ZApp
//! reservations, limits, usage, images and the ZApp containers on it.

use std::collections::HashMap;

use bollard::Docker;
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptions, ListImagesOptions, StatsOptions,
};
use futures::StreamExt;

use super::client::{DockerError, call};
use crate::backend::{labels, trust};
use crate::config::deployment_key::DeploymentKey;
use crate::config::docker_conf::DockerHost;
use crate::model::{BackendState, ExecutionId, NodeSnapshot, StopReason, Workload};

/// What inspecting a ZApp container told, kept per container id: the
/// limits and name never change, and the state only with the list's, so a
/// look inspects a container again only when its state moved.
#[derive(Debug, Clone)]
struct Inspected {
    name: String,
    status: String,
    exit_code: Option<i64>,
    oom_killed: bool,
    memory_limit: u64,
    cores_limit: f64,
    ports: Vec<(String, u16)>,
}

/// The inspections of one host's ZApp containers, from earlier looks.
#[derive(Debug, Default)]
pub struct Inspections(std::sync::Mutex<HashMap<String, Inspected>>);

impl Inspections {
    /// The inspection of `id` when the list says nothing changed since.
    fn current(&self, id: &str, state: &str, status_text: &str) -> Option<Inspected> {
        let known = self.0.lock().ok()?.get(id).cloned()?;
        let same_exit = state != "exited" || exit_code_of(status_text) == known.exit_code;
        (known.status == state && same_exit).then_some(known)
    }

    /// Keeps what was inspected; forgets containers no longer listed.
    fn keep(&self, seen: Vec<(String, Inspected)>) {
        if let Ok(mut known) = self.0.lock() {
            *known = seen.into_iter().collect();
        }
    }
}

/// The exit code in a list's status text (`Exited (137) 2 minutes ago`).
fn exit_code_of(status_text: &str) -> Option<i64> {
    let rest = status_text.strip_prefix("Exited (")?;
    rest[..rest.find(')')?].parse().ok()
}

/// Reads the node's state: capacity, what its ZApp containers reserve,
/// images and networks (never usage figures: see [`usage`]). Containers
/// are inspected only when new or when their state changed since the last
/// look (`known`). Only containers this deployment made (signed with
/// `key`, see [`trust`]) are its services; the others carrying its labels
/// are listed as foreign.
pub async fn snapshot(
    host: &DockerHost,
    docker: &Docker,
    deployment: &str,
    key: &DeploymentKey,
    known: &Inspections,
) -> Result<NodeSnapshot, DockerError> {
    let name = host.name.as_str();
    // four questions at once: one round trip's wait, not four
    let (info, zoe, networks, images) = tokio::try_join!(
        call(name, "reading engine info", 15, docker.info()),
        call(
            name,
            "listing ZApp containers",
            15,
            docker.list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(labels::deployment_filter(deployment)),
                ..Default::default()
            })),
        ),
        super::cleanup::execution_networks(docker, name, deployment, key),
        call(
            name,
            "listing images",
            15,
            docker.list_images(Some(ListImagesOptions::default())),
        ),
    )?;

    let memory_total = info.mem_total.unwrap_or(0).max(0) as u64;
    let mut services = Vec::with_capacity(zoe.len());
    let mut foreign = Vec::new();
    // Limits come from inspect (the list does not carry HostConfig.Memory):
    // what is new or changed is inspected, all at once.
    let inspections = futures::future::join_all(zoe.iter().map(|summary| async move {
        let id = summary.id.clone()?;
        let state = summary.state.map(|s| s.to_string()).unwrap_or_default();
        let status_text = summary.status.as_deref().unwrap_or_default();
        if let Some(inspected) = known
            .current(&id, &state, status_text)
            .or_else(|| listed(summary))
        {
            return Some((summary, id, Ok(inspected)));
        }
        let result = call(
            name,
            "inspecting a ZApp container",
            15,
            docker.inspect_container(&id, None::<InspectContainerOptions>),
        )
        .await
        .map(inspected);
        Some((summary, id, result))
    }))
    .await;
    let mut kept = Vec::with_capacity(inspections.len());
    for (summary, id, inspect) in inspections.into_iter().flatten() {
        let inspect = match inspect {
            Ok(inspect) => inspect,
            Err(e) if e.is_not_found() => continue, // removed meanwhile
            // anything else: the node cannot be read reliably right now
            Err(e) => return Err(e),
        };
        kept.push((id.clone(), inspect.clone()));
        let labels = summary.labels.clone().unwrap_or_default();
        let Inspected {
            name: container_name,
            status,
            exit_code,
            oom_killed,
            memory_limit,
            cores_limit,
            ports,
        } = inspect;
        if let Err(why) = trust::classify(key, &labels, &container_name) {
            foreign.push(trust::foreign(id, container_name, status, &labels, why));
            continue;
        }
        services.push(Workload {
            id,
            name: container_name,
            // checked by check_labels: present and valid
            execution_id: match labels
                .get(labels::EXECUTION_ID)
                .map(|id| ExecutionId::parse(id))
            {
                Some(Ok(id)) => id,
                _ => continue,
            },
            instance: labels
                .get(labels::SERVICE_NAME)
                .cloned()
                .unwrap_or_default(),
            essential: labels.get(labels::ESSENTIAL).is_none_or(|v| v == "true"),
            state: state_of(&status),
            stopped: stop_reason(&status, exit_code, oom_killed),
            engine_status: status,
            exit_code,
            oom_killed,
            // checked by check_labels: present means valid
            memory_reserved: labels
                .get(labels::MEMORY)
                .and_then(|v| labels::parse_memory(v).ok())
                .unwrap_or(if memory_limit == memory_total {
                    0
                } else {
                    memory_limit
                }),
            cores_reserved: labels
                .get(labels::CORES)
                .and_then(|v| labels::parse_cores(v).ok())
                .unwrap_or(cores_limit),
            memory_limit,
            cores_limit,
            memory_in_use: None,
            cores_in_use: None,
            ports,
            labels,
        });
    }
    known.keep(kept);
    let mut image_names: Vec<String> = Vec::new();
    for image in images {
        for tag in image.repo_tags {
            if let Some(bare) = tag.strip_suffix(":latest") {
                image_names.push(bare.to_string());
            }
            image_names.push(tag);
        }
    }
    image_names.sort();
    image_names.dedup();
    let mut node_labels = host.labels.clone();
    node_labels.sort();
    Ok(NodeSnapshot {
        name: host.name.clone(),
        target: host.name.clone(),
        domain: host.name.clone(),
        address: host.address.to_string(),
        external_address: host.external_address.clone(),
        error: None,
        labels: node_labels,
        cores_total: info.ncpu.unwrap_or(0).max(0) as f64,
        memory_total,
        cores_reserved: sum_cores(
            services
                .iter()
                .filter(|s| s.holds_resources())
                .map(|s| s.cores_reserved),
        ),
        memory_reserved: sum_bytes(
            services
                .iter()
                .filter(|s| s.holds_resources())
                .map(|s| s.memory_reserved),
        ),
        cores_allocated: sum_cores(services.iter().map(|s| s.cores_limit)),
        memory_allocated: sum_bytes(
            services
                .iter()
                .map(|s| s.memory_limit)
                .filter(|m| *m != memory_total),
        ),
        cores_in_use: None,
        memory_in_use: None,
        // every running container, ZApp or not, as the engine counts them
        container_count: info
            .containers_running
            .unwrap_or(0)
            .clamp(0, i64::from(u32::MAX)) as u32,
        images: image_names,
        services,
        foreign,
        networks,
        detail: Default::default(),
    })
}

/// What the list tells of a running container this deployment made (its
/// limits are its signed reservations, as it was created with them), so
/// that it needs no inspect; `None` for anything else, which is inspected.
fn listed(summary: &bollard::models::ContainerSummary) -> Option<Inspected> {
    if summary.state.map(|s| s.to_string()).as_deref() != Some("running") {
        return None;
    }
    let labels = summary.labels.as_ref()?;
    let memory_limit = labels::parse_memory(labels.get(labels::MEMORY)?).ok()?;
    let cores = labels::parse_cores(labels.get(labels::CORES)?).ok()?;
    let cores_limit = super::spawn::cpu_quota(cores) as f64 / super::spawn::CPU_PERIOD as f64;
    // its own name (the others are links' aliases: `/linker/alias`)
    let name = summary
        .names
        .iter()
        .flatten()
        .map(|n| n.trim_start_matches('/'))
        .find(|n| !n.contains('/'))?
        .to_string();
    let mut ports: Vec<(String, u16)> = Vec::new();
    for port in summary.ports.iter().flatten() {
        let kind = port
            .typ
            .map_or_else(|| "tcp".to_string(), |t| t.to_string());
        let key = format!("{}/{kind}", port.private_port);
        if let Some(public) = port.public_port
            && !ports.iter().any(|(k, _)| *k == key)
        {
            ports.push((key, public));
        }
    }
    ports.sort();
    Some(Inspected {
        name,
        status: "running".into(),
        // what inspect says of a container that has not exited
        exit_code: Some(0),
        oom_killed: false,
        memory_limit,
        cores_limit,
        ports,
    })
}

/// What a look keeps of an inspected container.
fn inspected(inspect: bollard::models::ContainerInspectResponse) -> Inspected {
    let state = inspect.state.clone().unwrap_or_default();
    let host_config = inspect.host_config.clone().unwrap_or_default();
    Inspected {
        name: inspect
            .name
            .clone()
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        status: state.status.map(|s| s.to_string()).unwrap_or_default(),
        exit_code: state.exit_code,
        oom_killed: state.oom_killed.unwrap_or(false),
        memory_limit: host_config.memory.unwrap_or(0).max(0) as u64,
        cores_limit: match (host_config.cpu_quota, host_config.cpu_period) {
            (Some(q), Some(p)) if q > 0 && p > 0 => q as f64 / p as f64,
            _ => host_config.nano_cpus.map_or(0.0, |n| n as f64 / 1e9),
        },
        ports: {
            let mut ports = published_ports(inspect.network_settings.as_ref());
            ports.sort();
            ports
        },
    }
}

/// A sum of byte counts that saturates instead of wrapping.
fn sum_bytes(values: impl Iterator<Item = u64>) -> u64 {
    values.fold(0, u64::saturating_add)
}

/// A sum of core counts that ignores what is not a finite, non-negative
/// number (limits read from the engine, reservations already checked).
fn sum_cores(values: impl Iterator<Item = f64>) -> f64 {
    values.filter(|c| c.is_finite() && *c >= 0.0).sum()
}

/// Docker container status → the state Zoe gives it.
pub fn state_of(status: &str) -> BackendState {
    match status {
        "running" | "restarting" | "removing" => BackendState::Started,
        "paused" | "exited" | "dead" => BackendState::Dead,
        "created" => BackendState::Created,
        _ => BackendState::Undefined,
    }
}

/// Why a container is not running, in neutral words.
fn stop_reason(status: &str, exit_code: Option<i64>, oom_killed: bool) -> Option<StopReason> {
    if oom_killed {
        return Some(StopReason::OutOfMemory);
    }
    match status {
        "paused" => Some(StopReason::Paused),
        "exited" => Some(StopReason::Exited(exit_code.unwrap_or(-1))),
        "dead" | "removing" => Some(StopReason::Removed),
        _ => None,
    }
}

/// Published ports of an inspected container: `"8080/tcp"` → host port.
pub fn published_ports(settings: Option<&bollard::models::NetworkSettings>) -> Vec<(String, u16)> {
    settings
        .and_then(|n| n.ports.clone())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(key, bindings)| {
            Some((
                key,
                bindings?.first()?.host_port.clone()?.parse::<u16>().ok()?,
            ))
        })
        .collect()
}

/// How many containers' stats are asked for at once: the daemon reads each
/// container's cgroups (several milliseconds of its CPU) and answers at its
/// next sampling tick (about a second), so a bound keeps a host with
/// hundreds of containers from being flooded.
const STATS_AT_ONCE: usize = 16;

/// What the given containers use now: (container id, memory bytes, cores),
/// for those that answered. One sample each (about a second), read
/// concurrently, at most [`STATS_AT_ONCE`] at a time; never on the path
/// of an answer that does not show usage.
pub async fn usage(docker: &Docker, ids: &[String]) -> Vec<(String, u64, f64)> {
    futures::stream::iter(ids.iter().cloned())
        .map(|id| async move {
            let sample = sample(docker, &id).await;
            sample.map(|(memory, cores)| (id, memory, cores))
        })
        .buffer_unordered(STATS_AT_ONCE)
        .filter_map(|found| async move { found })
        .collect()
        .await
}

/// One stats sample: (memory bytes, cores) in use.
async fn sample(docker: &Docker, id: &str) -> Option<(u64, f64)> {
    let mut stream = docker.stats(
        id,
        Some(StatsOptions {
            stream: false,
            one_shot: false,
        }),
    );
    let sample = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next())
        .await
        .ok()??
        .ok()?;
    let memory = sample
        .memory_stats
        .as_ref()
        .and_then(|m| m.usage)
        .unwrap_or(0);
    let cpu = sample.cpu_stats.as_ref()?;
    let pre = sample.precpu_stats.as_ref()?;
    let total = cpu.cpu_usage.as_ref()?.total_usage? as f64;
    let pre_total = pre.cpu_usage.as_ref()?.total_usage.unwrap_or(0) as f64;
    let system =
        cpu.system_cpu_usage.unwrap_or(0) as f64 - pre.system_cpu_usage.unwrap_or(0) as f64;
    let online = f64::from(cpu.online_cpus.unwrap_or(1).max(1));
    let cores = if system > 0.0 {
        (total - pre_total).max(0.0) / system * online
    } else {
        0.0
    };
    Some((memory, cores))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{
        ContainerSummary, ContainerSummaryStateEnum, PortSummary, PortSummaryTypeEnum,
    };

    fn summary(state: ContainerSummaryStateEnum, labels: &[(&str, &str)]) -> ContainerSummary {
        ContainerSummary {
            id: Some("c1".into()),
            names: Some(vec!["/other/alias".into(), "/web0-1abc-prod".into()]),
            state: Some(state),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ports: Some(vec![
                PortSummary {
                    ip: Some("::".into()),
                    private_port: 80,
                    public_port: Some(32768),
                    typ: Some(PortSummaryTypeEnum::TCP),
                },
                PortSummary {
                    ip: Some("0.0.0.0".into()),
                    private_port: 80,
                    public_port: Some(32768),
                    typ: Some(PortSummaryTypeEnum::TCP),
                },
                PortSummary {
                    ip: None,
                    private_port: 9000,
                    public_port: None,
                    typ: Some(PortSummaryTypeEnum::TCP),
                },
            ]),
            ..Default::default()
        }
    }

    #[test]
    fn a_running_container_with_its_reservations_needs_no_inspect() {
        let reserved = [(labels::MEMORY, "67108864"), (labels::CORES, "0.5")];
        let found = listed(&summary(ContainerSummaryStateEnum::RUNNING, &reserved)).unwrap();
        assert_eq!(
            found.name, "web0-1abc-prod",
            "its own name, not a link's alias"
        );
        assert_eq!((found.memory_limit, found.cores_limit), (67_108_864, 0.5));
        assert_eq!(
            found.ports,
            vec![("80/tcp".to_string(), 32768)],
            "published ones, once"
        );
        assert_eq!(
            (found.status.as_str(), found.exit_code, found.oom_killed),
            ("running", Some(0), false)
        );
        // the quota's floor, as the container was created with
        let tiny = [(labels::MEMORY, "0"), (labels::CORES, "0")];
        assert_eq!(
            listed(&summary(ContainerSummaryStateEnum::RUNNING, &tiny))
                .unwrap()
                .cores_limit,
            0.01
        );
    }

    #[test]
    fn anything_else_is_inspected() {
        let reserved = [(labels::MEMORY, "67108864"), (labels::CORES, "0.5")];
        assert!(
            listed(&summary(ContainerSummaryStateEnum::EXITED, &reserved)).is_none(),
            "exit code and OOM come from inspect"
        );
        assert!(
            listed(&summary(
                ContainerSummaryStateEnum::RUNNING,
                &[(labels::MEMORY, "1")]
            ))
            .is_none()
        );
        assert!(
            listed(&summary(
                ContainerSummaryStateEnum::RUNNING,
                &[(labels::MEMORY, "-1"), (labels::CORES, "1")]
            ))
            .is_none()
        );
    }

    #[test]
    fn an_inspection_is_reused_only_while_the_state_stays() {
        let known = Inspections::default();
        let exited = Inspected {
            name: "x".into(),
            status: "exited".into(),
            exit_code: Some(3),
            oom_killed: false,
            memory_limit: 0,
            cores_limit: 0.0,
            ports: Vec::new(),
        };
        known.keep(vec![("c1".into(), exited)]);
        assert!(
            known
                .current("c1", "exited", "Exited (3) 2 minutes ago")
                .is_some()
        );
        assert!(
            known
                .current("c1", "exited", "Exited (0) 1 second ago")
                .is_none(),
            "exited again, otherwise"
        );
        assert!(known.current("c1", "running", "Up 2 seconds").is_none());
        assert!(known.current("c2", "exited", "Exited (3) now").is_none());
        known.keep(Vec::new());
        assert!(
            known
                .current("c1", "exited", "Exited (3) 2 minutes ago")
                .is_none(),
            "forgotten once not listed"
        );
        assert_eq!(exit_code_of("Exited (137) 5 minutes ago"), Some(137));
        assert_eq!(exit_code_of("Up 5 minutes"), None);
        assert_eq!(exit_code_of("Exited (x"), None);
    }
}
