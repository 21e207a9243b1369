//! The one engine interface: every place ZApps run (a *target*: a Docker
//! host now, a Kubernetes cluster next) behind the same operations, in
//! neutral types, with one typed error.
//!
//! Why an enum of engines and not a trait: the set of engines is closed and
//! known (Docker, then Kubernetes), every operation must exist for each (a
//! new variant does not compile until it does), the operations are async
//! (a trait would need boxed futures or `async-trait` to be object safe),
//! and a `Targets` must be `Clone + Send` to be shared by the engine's
//! tasks. Callers never see which variant they talk to.
//!
//! Each target is connected and read on its own task with its own deadline,
//! so a dead or slow target is reported offline with the reason and never
//! holds up the others.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bollard::Docker;
use futures::{Stream, StreamExt};
use tokio::sync::Mutex;

pub use super::docker::cleanup::Cleaned;
use super::docker::{self, spawn};
use super::error::BackendError;
use super::signature;
use crate::config::deployment_key::DeploymentKey;
use crate::config::docker_conf::DockerHost;
use crate::config::hosts::TargetConfig;
use crate::model::instance::{ContainerPlan, PullProgress, Started};
use crate::model::{LogLine, LogRequest, NodeSnapshot};

/// How long reading one target may take before it is shown offline, unless
/// the settings say otherwise.
pub const SNAPSHOT_DEADLINE: Duration = Duration::from_secs(20);

/// The configured targets and their connections.
#[derive(Clone)]
pub struct Targets {
    engines: Arc<Vec<Engine>>,
    /// How long reading one target may take before it is shown offline.
    deadline: Duration,
    /// Signs what is created; what does not verify is foreign.
    key: Arc<DeploymentKey>,
}

/// One target, by kind of engine.
enum Engine {
    Docker {
        host: DockerHost,
        client: Mutex<Option<Docker>>,
        /// Seen offline at the last read: the log says when that changes.
        offline: AtomicBool,
    },
}

impl Engine {
    fn name(&self) -> &str {
        match self {
            Engine::Docker { host, .. } => &host.name,
        }
    }

    /// Records whether the target was readable; whether it was offline
    /// before.
    fn was_offline(&self, now: bool) -> bool {
        match self {
            Engine::Docker { offline, .. } => offline.swap(now, Ordering::Relaxed),
        }
    }

    /// A snapshot saying the target cannot be read, and why.
    fn offline(&self, why: String) -> NodeSnapshot {
        match self {
            Engine::Docker { host, .. } => NodeSnapshot::offline(
                &host.name,
                host.address.to_string(),
                host.external_address.clone(),
                host.labels.clone(),
                why,
            ),
        }
    }
}

/// The network an execution's services share on a target: the one named in
/// the settings, or the execution's own.
pub fn execution_network(execution_id: &str, shared: Option<&str>) -> String {
    shared.map_or_else(
        || spawn::execution_network_name(execution_id),
        str::to_string,
    )
}

impl Targets {
    /// The targets; `key` is the deployment key their workloads and
    /// networks are signed with.
    pub fn new(configs: Vec<TargetConfig>, key: DeploymentKey) -> Targets {
        let engines = configs
            .into_iter()
            .map(|config| match config {
                TargetConfig::Docker(host) => Engine::Docker {
                    host,
                    client: Mutex::new(None),
                    offline: AtomicBool::new(false),
                },
            })
            .collect();
        Targets {
            engines: Arc::new(engines),
            deadline: SNAPSHOT_DEADLINE,
            key: Arc::new(key),
        }
    }

    /// The same targets, read with another deadline (the settings'
    /// `host_timeout_secs`).
    pub fn with_deadline(mut self, deadline: Duration) -> Targets {
        self.deadline = deadline.max(Duration::from_secs(1));
        self
    }

    /// The targets' names, in configuration order.
    pub fn names(&self) -> Vec<String> {
        self.engines.iter().map(|e| e.name().to_string()).collect()
    }

    /// The address users reach published ports of `name` at.
    pub fn external_address(&self, name: &str) -> String {
        match self.engine(name) {
            Ok(Engine::Docker { host, .. }) => host.external_address.clone(),
            Err(_) => String::new(),
        }
    }

    fn engine(&self, name: &str) -> Result<&Engine, BackendError> {
        self.engines
            .iter()
            .find(|e| e.name() == name)
            .ok_or_else(|| BackendError::Unreachable {
                target: name.into(),
                address: String::new(),
                why: "no such host in the configuration".into(),
            })
    }

    /// A connected Docker client for `name`, reconnecting when the last one
    /// failed.
    async fn docker(&self, name: &str) -> Result<(Docker, &DockerHost), BackendError> {
        match self.engine(name)? {
            Engine::Docker { host, client, .. } => {
                let mut slot = client.lock().await;
                if let Some(client) = slot.as_ref() {
                    return Ok((client.clone(), host));
                }
                let connected = docker::connect(host)
                    .await
                    .inspect_err(|e| tracing::debug!("connecting: {e}"))?;
                tracing::debug!("connected to host {name} ({})", host.address);
                *slot = Some(connected.clone());
                Ok((connected, host))
            }
        }
    }

    /// Forgets a target's connection so the next call reconnects.
    pub async fn forget(&self, name: &str) {
        if let Ok(Engine::Docker { client, .. }) = self.engine(name) {
            *client.lock().await = None;
        }
    }

    /// Reads one target; offline (with the reason) when it cannot be read.
    pub async fn snapshot(&self, name: &str, deployment: &str, with_usage: bool) -> NodeSnapshot {
        let engine = match self.engine(name) {
            Ok(engine) => engine,
            Err(_) => {
                return NodeSnapshot::offline(
                    name,
                    String::new(),
                    String::new(),
                    Vec::new(),
                    "no such host".into(),
                );
            }
        };
        let deadline = if with_usage {
            self.deadline * 2
        } else {
            self.deadline
        };
        let read = async {
            let (client, host) = self.docker(name).await?;
            docker::node::snapshot(host, &client, deployment, &self.key, with_usage).await
        };
        let why = match tokio::time::timeout(deadline, read).await {
            Ok(Ok(node)) => {
                if engine.was_offline(false) {
                    tracing::info!("host {name} is back online");
                }
                return node;
            }
            Ok(Err(err)) => err.to_string(),
            Err(_) => format!("host {name}: no answer within {} s", deadline.as_secs()),
        };
        // reconnect next time
        self.forget(name).await;
        if engine.was_offline(true) {
            tracing::debug!("host {name} still offline: {why}");
        } else {
            tracing::warn!("host {name} skipped, offline: {why}");
        }
        engine.offline(why)
    }

    /// Reads every target concurrently, each on its own task.
    pub async fn snapshot_all(&self, deployment: &str, with_usage: bool) -> Vec<NodeSnapshot> {
        let tasks: Vec<_> = self
            .engines
            .iter()
            .map(|e| {
                let targets = self.clone();
                let name = e.name().to_string();
                let deployment = deployment.to_string();
                tokio::spawn(async move { targets.snapshot(&name, &deployment, with_usage).await })
            })
            .collect();
        let mut nodes = Vec::with_capacity(tasks.len());
        for (task, engine) in tasks.into_iter().zip(self.engines.iter()) {
            nodes.push(task.await.unwrap_or_else(|e| {
                tracing::warn!("host {} skipped: reading it failed: {e}", engine.name());
                engine.offline(format!("reading the host failed: {e}"))
            }));
        }
        nodes
    }

    /// Makes the network an execution's services share on `name`; whether
    /// it was created (false: it existed).
    pub async fn prepare_network(
        &self,
        name: &str,
        network: &str,
        deployment: &str,
        execution_id: &str,
    ) -> Result<bool, BackendError> {
        let (client, _) = self.docker(name).await?;
        spawn::ensure_network(&client, name, network, deployment, execution_id, &self.key).await
    }

    /// Makes sure `image` is on `name`, pulling it with progress when it is
    /// missing; whether it was pulled.
    pub async fn ensure_image(
        &self,
        name: &str,
        image: &str,
        progress: &mut (dyn FnMut(PullProgress) + Send),
    ) -> Result<bool, BackendError> {
        let (client, _) = self.docker(name).await?;
        spawn::ensure_image(&client, name, image, progress).await
    }

    /// Creates and starts one instance on `name`, its labels signed.
    pub async fn start(
        &self,
        name: &str,
        mut plan: ContainerPlan<'_>,
    ) -> Result<Started, BackendError> {
        signature::sign_container(&self.key, &mut plan.labels);
        let (client, _) = self.docker(name).await?;
        spawn::create_and_start(&client, name, plan).await
    }

    /// Stops a workload, giving it `grace_secs` to end by itself.
    pub async fn stop(
        &self,
        name: &str,
        workload: &str,
        grace_secs: u32,
    ) -> Result<(), BackendError> {
        let (client, _) = self.docker(name).await?;
        spawn::stop_container(&client, name, workload, grace_secs).await
    }

    /// Stops (with `grace_secs`) and removes a workload; gone is fine.
    pub async fn remove(
        &self,
        name: &str,
        workload: &str,
        grace_secs: u32,
    ) -> Result<(), BackendError> {
        let (client, _) = self.docker(name).await?;
        spawn::remove_container(&client, name, workload, grace_secs).await
    }

    /// Stops (with `grace_secs`) and removes every workload of an
    /// execution on `name` (only those this deployment made: signed,
    /// parsed, named as their labels say), then its own network (if it made
    /// it), then looks again: what was removed and what is still there.
    pub async fn clean_execution(
        &self,
        name: &str,
        deployment: &str,
        execution_id: &str,
        grace_secs: u32,
    ) -> Result<Cleaned, BackendError> {
        let (client, _) = self.docker(name).await?;
        docker::cleanup::clean_execution(
            &client,
            name,
            deployment,
            execution_id,
            grace_secs,
            &self.key,
        )
        .await
    }

    /// Follows one workload's log: lines in order, each exactly once, even
    /// across broken streams and engine restarts (see `docker::logs`).
    pub fn follow_logs(
        &self,
        name: &str,
        workload: &str,
        instance: &str,
        request: LogRequest,
    ) -> impl Stream<Item = Result<LogLine, String>> + Send + 'static + use<> {
        let targets = self.clone();
        let (name, workload, instance) =
            (name.to_string(), workload.to_string(), instance.to_string());
        futures::stream::once(async move {
            match targets.docker(&name).await {
                Ok((client, _)) => {
                    docker::logs::follow(client, workload, instance, request).boxed()
                }
                Err(e) => futures::stream::iter([Err(e.to_string())]).boxed(),
            }
        })
        .flatten()
    }
}

impl Targets {
    /// Changes to this deployment's workloads on `name` as they happen
    /// (started, died, killed for memory, removed…), so that a watcher
    /// looks at once instead of waiting for its next periodic look. The
    /// stream reconnects by itself when the target goes away and comes
    /// back; it never ends.
    pub fn watch(&self, name: &str, deployment: &str) -> impl Stream<Item = ()> + 'static + use<> {
        let targets = self.clone();
        let (name, deployment) = (name.to_string(), deployment.to_string());
        futures::stream::unfold(0u32, move |failures| {
            let targets = targets.clone();
            let (name, deployment) = (name.clone(), deployment.clone());
            async move {
                // a target that is down: try again, less often over time
                // (and never in a tight loop when a stream ends at once)
                let wait = Duration::from_secs(1 + u64::from(failures.min(6)) * 5);
                if failures > 0 {
                    tokio::time::sleep(wait).await;
                }
                match targets.docker(&name).await {
                    // one item per change; when the connection breaks, the
                    // next round reconnects (the periodic look covers the gap)
                    Ok((client, _)) => {
                        Some((docker::events::changes(client, deployment).boxed(), 1))
                    }
                    Err(e) => {
                        tracing::debug!("watching {name}: {e}");
                        Some((futures::stream::empty().boxed(), failures + 1))
                    }
                }
            }
        })
        .flatten()
    }
}
