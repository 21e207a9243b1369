//! Launch on the targets (the heart of the engine): place → network →
//! images → containers in `startup_order` steps (in parallel within a step)
//! → endpoints. On a failure the engine removes everything created for the
//! execution, on every host (`cleanup`).

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use super::Prepared;
use super::events::{Event, Events};
use crate::backend::labels::{self, ExecutionLabels};
use crate::backend::{BackendError, Targets, execution_network};
use crate::config::Settings;
use crate::model::NodeSnapshot;
use crate::model::instance::{ContainerPlan, PullProgress, Started};
use crate::model::{ExecutionId, ExecutionStatus};
use crate::sched::{Demand, Simulation, plan_within};
pub use crate::sched::{Plan, Refusal, Rejection};
use crate::shop::template::substitute;

pub use crate::model::record::Endpoint;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Launched {
    pub execution: ExecutionId,
    /// (instance, host, container id)
    pub containers: Vec<(String, String, String)>,
    /// Elastic instances that found no room yet.
    pub deferred: Vec<String>,
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LaunchError {
    #[error("{0}")]
    NoRoom(Rejection),
    /// Starting failed; `hosts` may hold what was created.
    #[error("{reason}")]
    Failed { reason: String, hosts: Vec<String> },
    /// A target found no room after all (a cluster's scheduler could not
    /// place an essential pod): what was created is removed and the
    /// execution waits in the queue; `hosts` may hold what was created.
    #[error("{reason}")]
    Unschedulable { reason: String, hosts: Vec<String> },
}

/// Why starting the planned instances failed, and whether it was for want
/// of room.
struct StartFailure {
    reason: String,
    no_room: bool,
}

impl From<String> for StartFailure {
    fn from(reason: String) -> StartFailure {
        StartFailure {
            reason,
            no_room: false,
        }
    }
}

/// What placement needs from an execution.
pub fn demands(prepared: &Prepared) -> Vec<Demand> {
    prepared
        .instances
        .iter()
        .map(|i| Demand {
            instance: i.name.clone(),
            essential: i.essential,
            memory: i.memory_bytes,
            cores: i.cores,
            labels: i.labels.clone(),
            image: i.image.clone(),
        })
        .collect()
}

/// Plans the execution on the given nodes (on its target's only, when it
/// names one) without creating anything.
pub fn plan_on(
    nodes: &[NodeSnapshot],
    prepared: &Prepared,
    settings: &Settings,
) -> Result<Plan, Rejection> {
    let views: Vec<_> = nodes.iter().map(NodeSnapshot::placement_view).collect();
    let mut sim = Simulation::new(&views);
    let mut pick = random_pick();
    plan_within(
        &mut sim,
        &demands(prepared),
        settings.placement_policy,
        prepared.target.as_deref(),
        &mut pick,
    )
}

fn random_pick() -> impl FnMut(usize) -> usize {
    move |n: usize| {
        let mut byte = [0u8; 8];
        let _ = getrandom::fill(&mut byte);
        (u64::from_le_bytes(byte) % n.max(1) as u64) as usize
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Launches a prepared execution. On failure nothing of it remains.
pub async fn launch(
    cluster: &Targets,
    settings: &Settings,
    prepared: &Prepared,
    nodes: &[NodeSnapshot],
    events: &Events,
) -> Result<Launched, LaunchError> {
    let id = prepared.identity.id.clone();
    tracing::info!(
        "launch {id} (`{}` of {} by {}): {} instances",
        prepared.identity.name,
        prepared.entry_id,
        prepared.identity.owner,
        prepared.instances.len()
    );
    events.emit(Event::Status {
        execution: id.clone(),
        status: ExecutionStatus::Submitted,
        reason: None,
    });
    let plan = plan_on(nodes, prepared, settings).map_err(|rejection| {
        tracing::info!("launch {id}: nothing fits now: {rejection}");
        events.emit(Event::Status {
            execution: id.clone(),
            status: ExecutionStatus::Queued,
            reason: Some(rejection.to_string()),
        });
        LaunchError::NoRoom(rejection)
    })?;
    events.emit(Event::Placed {
        execution: id.clone(),
        placements: plan
            .placements
            .iter()
            .map(|p| (p.instance.clone(), p.node.clone()))
            .collect(),
        deferred: plan.deferred.iter().map(|(i, _)| i.clone()).collect(),
    });
    events.emit(Event::Status {
        execution: id.clone(),
        status: ExecutionStatus::Starting,
        reason: None,
    });
    tracing::debug!(
        "launch {id}: placed {}",
        plan.placements
            .iter()
            .map(|p| format!("{}→{}", p.instance, p.node))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let checked = check_targets(cluster, prepared, &plan, nodes);
    let started = match checked {
        Ok(()) => start_planned(cluster, settings, prepared, &plan, events).await,
        Err(reason) => Err(StartFailure::from(reason)),
    };
    match started {
        Ok(launched) => {
            tracing::info!(
                "launch {id}: running, {} ({} elastic deferred)",
                crate::model::text::count(
                    launched.containers.len() as u64,
                    "container",
                    "containers"
                ),
                launched.deferred.len()
            );
            events.emit(Event::Status {
                execution: id,
                status: ExecutionStatus::Running,
                reason: None,
            });
            Ok(launched)
        }
        Err(StartFailure { reason, no_room }) => {
            // the caller removes what was created (recorded first, retried
            // until every host confirms: see `cleanup`)
            let mut hosts: Vec<String> = plan.placements.iter().map(|p| p.node.clone()).collect();
            hosts.sort();
            hosts.dedup();
            if no_room {
                tracing::info!("launch {id}: no room after all, back to the queue: {reason}");
                return Err(LaunchError::Unschedulable { reason, hosts });
            }
            tracing::warn!("launch {id} failed, rolling back: {reason}");
            Err(LaunchError::Failed { reason, hosts })
        }
    }
}

/// What a target would refuse of the instances placed on it (names a
/// cluster cannot take…), found before anything is created.
fn check_targets(
    cluster: &Targets,
    prepared: &Prepared,
    plan: &Plan,
    nodes: &[NodeSnapshot],
) -> Result<(), String> {
    let target_of = |node: &str| {
        nodes
            .iter()
            .find(|n| n.name == node)
            .map_or(node.to_string(), |n| n.target.clone())
    };
    let mut by_target: BTreeMap<String, Vec<crate::model::Instance>> = BTreeMap::new();
    for p in &plan.placements {
        if let Some(instance) = prepared.instances.iter().find(|i| i.name == p.instance) {
            by_target
                .entry(target_of(&p.node))
                .or_default()
                .push(instance.clone());
        }
    }
    for (target, instances) in &by_target {
        cluster
            .check_instances(target, instances)
            .map_err(|problems| format!("{target}: {}", problems.join("; ")))?;
    }
    Ok(())
}

async fn start_planned(
    cluster: &Targets,
    settings: &Settings,
    prepared: &Prepared,
    plan: &Plan,
    events: &Events,
) -> Result<Launched, StartFailure> {
    let id = prepared.identity.id.clone();
    let deployment = settings.deployment_name.as_str();
    let host_of: HashMap<&str, &str> = plan
        .placements
        .iter()
        .map(|p| (p.instance.as_str(), p.node.as_str()))
        .collect();
    let mut hosts: Vec<&str> = host_of.values().copied().collect();
    hosts.sort();
    hosts.dedup();

    // Network and images, every host in parallel.
    let network = execution_network(&id, settings.network.as_deref());
    // only the execution's own networks get a subnet of the pool
    let pool = &settings.subnet_pool();
    // the registries' credentials kept in the OS keyring, for the pulls
    let credentials = &super::secrets::credentials_for(
        prepared
            .instances
            .iter()
            .filter(|i| host_of.contains_key(i.name.as_str()))
            .map(|i| i.image.as_str()),
    );
    let prepare_hosts = hosts.iter().map(|host| {
        let network = network.clone();
        let id = id.clone();
        let mut images: Vec<&str> = prepared
            .instances
            .iter()
            .filter(|i| host_of.get(i.name.as_str()) == Some(host))
            .map(|i| i.image.as_str())
            .collect();
        images.sort();
        images.dedup();
        async move {
            if settings.network.is_none() {
                let pool = pool.as_ref().map_err(|why| format!("settings: {why}"))?;
                let created = cluster
                    .prepare_network(host, &network, deployment, &id, pool)
                    .await
                    .map_err(|e| e.to_string())?;
                events.emit(Event::Network {
                    execution: id.clone(),
                    host: host.to_string(),
                    network: network.clone(),
                    created,
                });
            }
            let auths: Vec<_> = images
                .iter()
                .filter_map(|image| credentials.get(&crate::model::registry::registry_of(image)))
                .map(|auth| (auth.host.clone(), auth.clone()))
                .collect::<BTreeMap<_, _>>()
                .into_values()
                .collect();
            cluster
                .prepare_pull_secret(host, deployment, id.as_str(), &auths)
                .await
                .map_err(|e| e.to_string())?;
            for image in images {
                let mut report = |p: PullProgress| {
                    events.emit(Event::Pulling {
                        execution: id.clone(),
                        host: host.to_string(),
                        image: image.to_string(),
                        status: p.status,
                        current: p.current,
                        total: p.total,
                    });
                };
                let auth = credentials.get(&crate::model::registry::registry_of(image));
                let pulled = cluster
                    .ensure_image(host, image, auth, &mut report)
                    .await
                    .map_err(|e| e.to_string())?;
                events.emit(Event::ImageReady {
                    execution: id.clone(),
                    host: host.to_string(),
                    image: image.to_string(),
                    pulled,
                });
            }
            Ok::<(), String>(())
        }
    });
    futures::future::try_join_all(prepare_hosts).await?;

    // Containers, one startup_order step at a time, in parallel within a step.
    let submitted = now_secs();
    let execution_labels = ExecutionLabels {
        id: &id,
        name: &prepared.identity.name,
        owner: &prepared.identity.owner,
        deployment,
        entry: &prepared.entry_id,
        submitted,
        description: &prepared.description,
        parameters: &prepared.parameters,
        fs_uid: prepared.identity.fs_uid,
        fs_gid: prepared.identity.fs_gid,
    };
    let mut steps: BTreeMap<i64, Vec<&crate::model::Instance>> = BTreeMap::new();
    for instance in prepared
        .instances
        .iter()
        .filter(|i| host_of.contains_key(i.name.as_str()))
    {
        steps
            .entry(instance.startup_order)
            .or_default()
            .push(instance);
    }
    let mut containers = Vec::new();
    let mut endpoints = Vec::new();
    for (_, step) in steps {
        let starts = step.into_iter().map(|instance| {
            let host = host_of
                .get(instance.name.as_str())
                .copied()
                .unwrap_or_default();
            let network = network.clone();
            let labels = labels::container_labels(&execution_labels, instance);
            let id = id.clone();
            async move {
                start_instance(cluster, host, instance, &network, labels, &id, events)
                    .await
                    .map(|started| (instance, host, started))
                    .map_err(|e| StartFailure {
                        no_room: matches!(e, BackendError::NoRoom { .. }),
                        reason: e.to_string(),
                    })
            }
        });
        let mut failure = None;
        for result in futures::future::join_all(starts).await {
            match result {
                Ok((instance, host, started)) => {
                    let external = cluster.external_address(host);
                    endpoints.extend(endpoints_of(instance, &external, &started.ports));
                    containers.push((instance.name.clone(), host.to_string(), started.id));
                }
                // a failure for want of room wins: the execution queues
                Err(f) => {
                    if failure.as_ref().is_none_or(|s: &StartFailure| !s.no_room) {
                        failure = Some(f);
                    }
                }
            }
        }
        if let Some(failure) = failure {
            return Err(failure);
        }
    }
    Ok(Launched {
        execution: id,
        containers,
        deferred: plan.deferred.iter().map(|(i, _)| i.clone()).collect(),
        endpoints,
    })
}

/// Creates and starts one instance on `host`, reporting it on the event
/// stream (creating, then running or failed). Used by launch and by
/// supervision.
pub async fn start_instance(
    cluster: &Targets,
    host: &str,
    instance: &crate::model::Instance,
    network: &str,
    labels: HashMap<String, String>,
    execution: &ExecutionId,
    events: &Events,
) -> Result<Started, BackendError> {
    let ids = || (execution.clone(), instance.name.clone(), host.to_string());
    // on a cluster, the pull secret of the registries' credentials (made
    // by the launch already; by supervision placing an instance again)
    if cluster.uses_pull_secrets(host) {
        let auths: Vec<_> = super::secrets::credentials_for([instance.image.as_str()])
            .into_values()
            .collect();
        let deployment = labels
            .get(crate::backend::labels::DEPLOYMENT)
            .map(String::as_str)
            .unwrap_or_default();
        cluster
            .prepare_pull_secret(host, deployment, execution.as_str(), &auths)
            .await?;
    }
    let (e, i, h) = ids();
    events.emit(Event::Creating {
        execution: e,
        instance: i,
        host: h,
    });
    let result = cluster
        .start(
            host,
            ContainerPlan {
                instance,
                network,
                labels,
                binds: Vec::new(),
            },
        )
        .await;
    let (execution, instance, host) = ids();
    match &result {
        Ok(started) => events.emit(Event::Running {
            execution,
            instance,
            host,
            container: started.id.clone(),
        }),
        Err(err) => {
            tracing::warn!("{execution}: starting {instance} on {host} failed: {err}");
            events.emit(Event::InstanceFailed {
                execution,
                instance,
                host,
                reason: err.to_string(),
            });
        }
    }
    result
}

/// URLs of an instance's published ports: `url_template` with `{ip_port}`
/// = `<external address>:<host port>` and `{proxy_path}` empty (Zoe crashes
/// on it without its Træfik proxy; we substitute nothing).
pub fn endpoints_of(
    instance: &crate::model::Instance,
    external: &str,
    ports: &[(String, u16)],
) -> Vec<Endpoint> {
    endpoints_of_ports(&instance.name, &instance.ports, external, ports)
}

/// The same from the ports a description declares for the instance's group.
pub fn endpoints_of_ports(
    instance: &str,
    declared: &[crate::model::description::Port],
    external: &str,
    ports: &[(String, u16)],
) -> Vec<Endpoint> {
    declared
        .iter()
        .filter_map(|port| {
            let host_port = ports.iter().find(|(k, _)| *k == port.key())?.1;
            let ip_port = format!("{external}:{host_port}");
            let lookup = |k: &str| match k {
                "ip_port" => Some(ip_port.clone()),
                "proxy_path" => Some(String::new()),
                _ => None,
            };
            let url = substitute(&port.url_template, &lookup, &|| {
                vec!["ip_port".into(), "proxy_path".into()]
            })
            .unwrap_or_else(|_| format!("http://{ip_port}/"));
            Some(Endpoint {
                instance: instance.to_string(),
                name: port.name.clone(),
                url,
            })
        })
        .collect()
}

/// Outcome of removing an execution from the hosts.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Removal {
    pub containers: usize,
    /// Hosts that could not be cleaned, and why.
    pub failed: Vec<(String, String)>,
}
