//! The fake kubelet and the control loop: bound pods go Running, pods end
//! (Succeeded, Failed, OOMKilled), graceful deletes complete, running
//! containers chatter; every 50 ms while the fake runs.

use std::sync::Weak;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStatus,
    Node, Pod, PodIP,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::Shared;
use super::scheduler::{self, condition};
use super::status::Failure;
use super::store::{Key, World, now};

/// How a pod ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every container exits 0: phase Succeeded, reason Completed.
    Succeeded,
    /// The main container exits with this code: phase Failed, reason Error.
    Failed(i32),
    /// Killed for memory: exit 137, reason OOMKilled, phase Failed.
    OomKilled,
}

/// FNV-1a: stable made-up digests.
fn digest(text: &str) -> u64 {
    text.bytes().fold(1469598103934665603, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    })
}

fn image_id(image: &str) -> String {
    format!("docker.io/library/{image}@sha256:{:064x}", digest(image))
}

fn container_id(ns: &str, pod: &str, container: &str) -> String {
    format!(
        "containerd://{:064x}",
        digest(&format!("{ns}/{pod}/{container}"))
    )
}

/// A container's status in `state`, as the kubelet reports it (started
/// while running).
fn container_status(
    ns: &str,
    pod: &str,
    c: &Container,
    ready: bool,
    state: ContainerState,
) -> ContainerStatus {
    ContainerStatus {
        name: c.name.clone(),
        image: c.image.clone().unwrap_or_default(),
        image_id: image_id(c.image.as_deref().unwrap_or_default()),
        container_id: Some(container_id(ns, pod, &c.name)),
        ready,
        restart_count: 0,
        started: Some(state.running.is_some()),
        state: Some(state),
        ..Default::default()
    }
}

/// The state of a container that ran from `started_at` to `finished_at`
/// and exited with `exit_code` for `reason`.
fn terminated(
    container_id: String,
    exit_code: i32,
    reason: &str,
    started_at: Time,
    finished_at: Time,
) -> ContainerState {
    ContainerState {
        terminated: Some(ContainerStateTerminated {
            exit_code,
            reason: Some(reason.into()),
            started_at: Some(started_at),
            finished_at: Some(finished_at),
            container_id: Some(container_id),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Moves a bound Pending pod to Running, as the kubelet reports it.
pub fn run(world: &mut World, ns: &str, name: &str) -> Result<Pod, Failure> {
    let mut pod = world
        .get::<Pod>(ns, name)
        .cloned()
        .ok_or_else(|| Failure::not_found("pods", name))?;
    let spec = pod.spec.clone().unwrap_or_default();
    let node_name = spec
        .node_name
        .clone()
        .ok_or_else(|| Failure::bad_request(format!("pod {name} is not bound to a node")))?;
    let node = world
        .get::<Node>("", &node_name)
        .cloned()
        .unwrap_or_default();
    let host_ip = node
        .status
        .as_ref()
        .and_then(|s| s.addresses.as_ref())
        .and_then(|a| a.iter().find(|a| a.type_ == "InternalIP"))
        .map(|a| a.address.clone())
        .unwrap_or_default();
    let subnet = node
        .spec
        .as_ref()
        .and_then(|s| s.pod_cidr.as_deref())
        .and_then(|c| c.strip_suffix(".0/24"))
        .unwrap_or("10.244.0")
        .to_string();
    let serial = world.next_serial();
    let pod_ip = format!("{subnet}.{}", 2 + serial % 250);
    let started = now();
    let terminated_init = spec.init_containers.iter().flatten().map(|c| {
        let id = container_id(ns, name, &c.name);
        let done = terminated(id, 0, "Completed", started.clone(), started.clone());
        container_status(ns, name, c, true, done)
    });
    let running: Vec<ContainerStatus> = spec
        .containers
        .iter()
        .map(|c| {
            let running = ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: Some(started.clone()),
                }),
                ..Default::default()
            };
            container_status(ns, name, c, true, running)
        })
        .collect();
    let init: Vec<ContainerStatus> = terminated_init.collect();
    let status = pod.status.get_or_insert_with(Default::default);
    status.phase = Some("Running".into());
    status.host_ip = Some(host_ip.clone());
    status.host_ips = Some(vec![k8s_openapi::api::core::v1::HostIP { ip: host_ip }]);
    status.pod_ip = Some(pod_ip.clone());
    status.pod_ips = Some(vec![PodIP { ip: pod_ip }]);
    status.start_time = Some(started.clone());
    status.container_statuses = Some(running);
    status.init_container_statuses = (!init.is_empty()).then_some(init);
    let mut conditions = status.conditions.take().unwrap_or_default();
    conditions.retain(|c| c.type_ == "PodScheduled");
    for typ in [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
    ] {
        conditions.push(condition(typ, "True", None, None));
    }
    status.conditions = Some(conditions);
    Ok(world.put(pod))
}

/// Ends a running (or pending) pod's containers with the outcome.
pub fn finish(world: &mut World, ns: &str, name: &str, outcome: &Outcome) -> Result<Pod, Failure> {
    let mut pod = world
        .get::<Pod>(ns, name)
        .cloned()
        .ok_or_else(|| Failure::not_found("pods", name))?;
    let spec = pod.spec.clone().unwrap_or_default();
    let (phase, code, reason) = match outcome {
        Outcome::Succeeded => ("Succeeded", 0, "Completed"),
        Outcome::Failed(code) => ("Failed", *code, "Error"),
        Outcome::OomKilled => ("Failed", 137, "OOMKilled"),
    };
    let ended = now();
    let status = pod.status.get_or_insert_with(Default::default);
    let previous = status.container_statuses.take().unwrap_or_default();
    let statuses = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let started_at = previous
                .iter()
                .find(|p| p.name == c.name)
                .and_then(|p| p.state.as_ref())
                .and_then(|s| s.running.as_ref())
                .and_then(|r| r.started_at.clone())
                .unwrap_or_else(|| ended.clone());
            // the first container carries the outcome, the others exit 0
            let (code, reason) = if i == 0 {
                (code, reason)
            } else {
                (0, "Completed")
            };
            let id = container_id(ns, name, &c.name);
            let done = terminated(id, code, reason, started_at, ended.clone());
            container_status(ns, name, c, false, done)
        })
        .collect();
    status.phase = Some(phase.into());
    status.container_statuses = Some(statuses);
    let mut conditions = status.conditions.take().unwrap_or_default();
    for c in conditions.iter_mut() {
        if c.type_ == "Ready" || c.type_ == "ContainersReady" {
            c.status = "False".into();
            c.reason = Some("PodCompleted".into());
            c.last_transition_time = Some(ended.clone());
        }
    }
    status.conditions = Some(conditions);
    Ok(world.put(pod))
}

/// Running containers print a line each `every` (for the demo).
fn chatter(world: &mut World) {
    let mut lines = Vec::new();
    for ((ns, name), pod) in &world.pods {
        for cs in pod
            .status
            .iter()
            .flat_map(|s| s.container_statuses.iter().flatten())
        {
            if cs.state.as_ref().is_some_and(|s| s.running.is_some()) {
                lines.push((ns.clone(), name.clone(), cs.name.clone()));
            }
        }
    }
    for key in lines {
        let n = world.logs.chatter.entry(key.clone()).or_default();
        *n += 1;
        let text = format!("{} {}: tick {n}", key.1, key.2);
        world.logs.append(key, &text);
    }
}

/// Graceful deletes whose grace is over.
fn reap(world: &mut World, at: Instant) {
    let due: Vec<Key> = world
        .deleting
        .iter()
        .filter(|(_, deadline)| **deadline <= at)
        .map(|(k, _)| k.clone())
        .collect();
    for (ns, name) in due {
        world.remove::<Pod>(&ns, &name);
    }
}

/// The control loop; ends when the fake is dropped.
pub async fn control_loop(shared: Weak<Shared>) {
    let mut last_chatter = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let mut world = shared.lock();
        let before = (
            world.rv,
            world.logs.lines.values().map(Vec::len).sum::<usize>(),
        );
        reap(&mut world, Instant::now());
        if world.settings.scheduler {
            scheduler::schedule(&mut world);
        }
        if world.settings.kubelet {
            let bound: Vec<Key> = world
                .pods
                .iter()
                .filter(|(_, p)| {
                    p.spec.as_ref().is_some_and(|s| s.node_name.is_some())
                        && p.metadata.deletion_timestamp.is_none()
                        && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Pending")
                })
                .map(|(k, _)| k.clone())
                .collect();
            for (ns, name) in bound {
                let _ = run(&mut world, &ns, &name);
            }
        }
        if let Some(every) = world.settings.chatter
            && last_chatter.elapsed() >= every
        {
            last_chatter = Instant::now();
            chatter(&mut world);
        }
        let after = (
            world.rv,
            world.logs.lines.values().map(Vec::len).sum::<usize>(),
        );
        drop(world);
        if before != after {
            shared.poke();
        }
    }
}
