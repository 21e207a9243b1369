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
use std::time::{Duration, SystemTime};

use bollard::Docker;
use futures::{Stream, StreamExt};
use tokio::sync::{Mutex, watch};

pub use super::docker::cleanup::Cleaned;
use super::docker::{self, spawn};
use super::error::BackendError;
use super::kube;
use super::signature;
use crate::config::deployment_key::DeploymentKey;
use crate::config::docker_conf::DockerHost;
use crate::config::hosts::TargetConfig;
use crate::model::instance::{ContainerPlan, PullProgress, Started};
use crate::model::subnet::SubnetPool;
use crate::model::{LogLine, LogRequest, NodeSnapshot};

#[path = "targets_act.rs"]
mod act;
pub use act::Shell;

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
    /// Counts reads that answered after a look stopped waiting for them.
    late: Arc<watch::Sender<u64>>,
    /// The Docker hosts share one network (the settings' `network`): they
    /// are one placement domain.
    shared_network: bool,
}

/// The placement domain of Docker hosts that share a network.
pub const SHARED_DOCKER_DOMAIN: &str = "docker";

/// A read of one target under way, which several looks may wait for.
struct Reading {
    /// When it was asked for.
    asked_at: SystemTime,
    /// Its result (the target's nodes), once it has one.
    result: watch::Receiver<Option<Vec<NodeSnapshot>>>,
    /// A look stopped waiting for it: its answer is announced.
    late: Arc<AtomicBool>,
}

/// One look at every target: the nodes, and when the oldest read used was
/// asked for (a look that joined a read already under way is as old as
/// that read).
pub struct Look {
    pub nodes: Vec<NodeSnapshot>,
    pub asked_at: SystemTime,
}

/// One target, by kind of engine.
enum Engine {
    Docker {
        host: DockerHost,
        client: Mutex<Option<Docker>>,
        /// Its containers as inspected by earlier looks.
        inspections: docker::node::Inspections,
        /// The read under way, if any: a look joins it rather than asking
        /// a host that is slow to answer once more.
        reading: std::sync::Mutex<Option<Reading>>,
        /// Why the last read that ended found it offline (`None`: it
        /// answered); the log says when that changes.
        last_why: std::sync::Mutex<Option<String>>,
    },
    Kubernetes {
        cluster: kube::cluster::Cluster,
        reading: std::sync::Mutex<Option<Reading>>,
        last_why: std::sync::Mutex<Option<String>>,
    },
}

impl Engine {
    fn name(&self) -> &str {
        match self {
            Engine::Docker { host, .. } => &host.name,
            Engine::Kubernetes { cluster, .. } => &cluster.target.name,
        }
    }

    /// Whether `name` (a target, or a node of a cluster: `cluster/node`)
    /// is this target's.
    fn answers_to(&self, name: &str) -> bool {
        match self {
            Engine::Docker { host, .. } => host.name == name,
            Engine::Kubernetes { cluster, .. } => {
                let target = cluster.target.name.as_str();
                name == target
                    || name
                        .strip_prefix(target)
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        }
    }

    fn last_why(&self) -> &std::sync::Mutex<Option<String>> {
        match self {
            Engine::Docker { last_why, .. } | Engine::Kubernetes { last_why, .. } => last_why,
        }
    }

    fn reading_slot(&self) -> &std::sync::Mutex<Option<Reading>> {
        match self {
            Engine::Docker { reading, .. } | Engine::Kubernetes { reading, .. } => reading,
        }
    }

    /// Keeps why the last read found it offline (`None`: it answered);
    /// whether it was offline before.
    fn remember_why(&self, why: Option<String>) -> bool {
        let mut last = self
            .last_why()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::mem::replace(&mut *last, why).is_some()
    }

    /// A snapshot for a target that has not answered after `waited`: why
    /// its last read failed, if it did, or that it is slow.
    fn not_answering(&self, waited: Duration) -> NodeSnapshot {
        let last = self
            .last_why()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        self.offline(match last {
            Some(why) => format!("{why} (asking again)"),
            None => format!(
                "no answer after {:.1} s (hung or busy?): not waited for, so the other hosts answer at once",
                waited.as_secs_f64()
            ),
        })
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
            Engine::Kubernetes { cluster, .. } => kube::look::offline(&cluster.target, why),
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
        let key = Arc::new(key);
        let engines = configs
            .into_iter()
            .map(|config| match config {
                TargetConfig::Docker(host) => Engine::Docker {
                    host,
                    client: Mutex::new(None),
                    inspections: docker::node::Inspections::default(),
                    reading: std::sync::Mutex::new(None),
                    last_why: std::sync::Mutex::new(None),
                },
                TargetConfig::Kubernetes(target) => Engine::Kubernetes {
                    cluster: kube::cluster::Cluster::new(target, key.clone()),
                    reading: std::sync::Mutex::new(None),
                    last_why: std::sync::Mutex::new(None),
                },
            })
            .collect();
        Targets {
            engines: Arc::new(engines),
            deadline: SNAPSHOT_DEADLINE,
            key,
            late: Arc::new(watch::Sender::new(0)),
            shared_network: false,
        }
    }

    /// The same targets; with `shared`, the Docker hosts share one network
    /// and so one placement domain (else each host is its own).
    pub fn with_shared_network(mut self, shared: bool) -> Targets {
        self.shared_network = shared;
        self
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
            Ok(Engine::Kubernetes { cluster, .. }) => cluster.node_address(name),
            Err(_) => String::new(),
        }
    }

    /// Runs the credential plugin of each cluster of `configs` once with
    /// the terminal, before a full-screen front takes it (see
    /// [`kube::client::sign_in`]); what failed, one line each (the looks
    /// that follow report it again, in their place).
    pub async fn sign_in(configs: &[TargetConfig], deadline: Duration) -> Vec<String> {
        let mut problems = Vec::new();
        for config in configs {
            if let TargetConfig::Kubernetes(target) = config {
                let env = |k: &str| std::env::var(k).ok();
                if let Err(e) = kube::client::sign_in(target, &env, deadline).await {
                    problems.push(e.to_string());
                }
            }
        }
        problems
    }

    /// The namespaces of cluster `name` (connecting when it is not).
    pub async fn namespaces(
        &self,
        name: &str,
        deployment: &str,
    ) -> Result<Vec<String>, BackendError> {
        let Some(cluster) = self.cluster(name) else {
            return Err(BackendError::refused(
                name,
                "listing namespaces",
                "it is a Docker host, not a cluster",
            ));
        };
        cluster.live(deployment).await?.namespaces().await
    }

    /// Lets credential plugins of clusters talk to the user, or not (not
    /// while the terminal UI holds the screen).
    pub fn set_interactive(&self, interactive: bool) {
        for engine in self.engines.iter() {
            if let Engine::Kubernetes { cluster, .. } = engine {
                cluster.set_interactive(interactive);
            }
        }
    }

    fn engine(&self, name: &str) -> Result<&Engine, BackendError> {
        self.engines
            .iter()
            .find(|e| e.answers_to(name))
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
            Engine::Kubernetes { cluster, .. } => Err(BackendError::refused(
                name,
                "a Docker operation",
                format!("{} is a Kubernetes cluster", cluster.target.name),
            )),
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
        match self.engine(name) {
            Ok(Engine::Docker { client, .. }) => *client.lock().await = None,
            Ok(Engine::Kubernetes { cluster, .. }) => cluster.forget().await,
            Err(_) => {}
        }
    }

    /// The cluster `name` belongs to, when it is one.
    fn cluster(&self, name: &str) -> Option<&kube::cluster::Cluster> {
        match self.engine(name) {
            Ok(Engine::Kubernetes { cluster, .. }) => Some(cluster),
            _ => None,
        }
    }

    /// Reads one target: its nodes; offline (with the reason) when it
    /// cannot be read.
    async fn snapshot(&self, name: &str, deployment: &str) -> Vec<NodeSnapshot> {
        let engine = match self.engine(name) {
            Ok(engine) => engine,
            Err(_) => {
                return vec![NodeSnapshot::offline(
                    name,
                    String::new(),
                    String::new(),
                    Vec::new(),
                    "no such host".into(),
                )];
            }
        };
        let deadline = self.deadline;
        let read = async {
            match engine {
                Engine::Docker { inspections, .. } => {
                    let (client, host) = self.docker(name).await?;
                    let mut node =
                        docker::node::snapshot(host, &client, deployment, &self.key, inspections)
                            .await?;
                    if self.shared_network {
                        node.domain = SHARED_DOCKER_DOMAIN.into();
                    }
                    Ok(vec![node])
                }
                Engine::Kubernetes { cluster, .. } => {
                    let live = cluster.live(deployment).await?;
                    // a watcher that met an error retries by itself: only a
                    // server that does not answer is offline (and then the
                    // connection is made again), not a broken watch
                    if live.trouble().is_some() {
                        kube::client::probe(&live.conn).await?;
                    }
                    kube::look::nodes(&cluster.target, &live, deployment, &self.key)
                }
            }
        };
        let why = match tokio::time::timeout(deadline, read).await {
            Ok(Ok(nodes)) => {
                if engine.remember_why(None) {
                    tracing::info!("host {name} is back online");
                }
                return nodes;
            }
            Ok(Err(err)) => err.to_string(),
            Err(_) => format!("host {name}: no answer within {} s", deadline.as_secs()),
        };
        // reconnect next time
        self.forget(name).await;
        if engine.remember_why(Some(why.clone())) {
            tracing::debug!("host {name} still offline: {why}");
        } else {
            tracing::warn!("host {name} skipped, offline: {why}");
        }
        vec![engine.offline(why)]
    }

    /// The read of target `index` under way, or a new one started on its
    /// own task (so that it goes on when a look stops waiting for it).
    fn reading(
        &self,
        index: usize,
        deployment: &str,
    ) -> (
        SystemTime,
        Arc<AtomicBool>,
        watch::Receiver<Option<Vec<NodeSnapshot>>>,
    ) {
        let mut slot = self.engines[index]
            .reading_slot()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(under_way) = slot.as_ref()
            && under_way.result.borrow().is_none()
            && under_way.result.has_changed().is_ok()
        {
            return (
                under_way.asked_at,
                under_way.late.clone(),
                under_way.result.clone(),
            );
        }
        let (tx, rx) = watch::channel(None);
        let late = Arc::new(AtomicBool::new(false));
        let (targets, name, deployment, announce) = (
            self.clone(),
            self.engines[index].name().to_string(),
            deployment.to_string(),
            late.clone(),
        );
        tokio::spawn(async move {
            let node = targets.snapshot(&name, &deployment).await;
            let _ = tx.send(Some(node));
            if announce.load(Ordering::Relaxed) {
                targets.late.send_modify(|n| *n = n.wrapping_add(1));
            }
        });
        let asked_at = SystemTime::now();
        *slot = Some(Reading {
            asked_at,
            result: rx.clone(),
            late: late.clone(),
        });
        (asked_at, late, rx)
    }

    /// Reads every target at once, each on its own task. With `patience`,
    /// once the first target answered the others are waited for only as
    /// long again as that took, and at least `patience`: a target that
    /// takes longer is shown offline as not answering yet, its read goes
    /// on, and [`Targets::late_answers`] ticks when it ends. Without, every
    /// target is waited for (up to the deadline): what places or removes
    /// containers must see every host.
    pub async fn snapshot_all(&self, deployment: &str, patience: Option<Duration>) -> Look {
        let started = tokio::time::Instant::now();
        let readings: Vec<_> = (0..self.engines.len())
            .map(|i| self.reading(i, deployment))
            .collect();
        let asked_at = readings
            .iter()
            .map(|(at, _, _)| *at)
            .min()
            .unwrap_or_else(SystemTime::now);
        let mut waiting: futures::stream::FuturesUnordered<_> = readings
            .iter()
            .enumerate()
            .map(|(i, (_, _, result))| {
                let mut result = result.clone();
                async move {
                    let answer = result
                        .wait_for(Option::is_some)
                        .await
                        .map(|node| node.clone());
                    (i, answer)
                }
            })
            .collect();
        let mut nodes: Vec<Option<Vec<NodeSnapshot>>> = vec![None; self.engines.len()];
        let mut cutoff: Option<tokio::time::Instant> = None;
        loop {
            let next = match cutoff {
                Some(at) => match tokio::time::timeout_at(at, waiting.next()).await {
                    Ok(next) => next,
                    Err(_) => break,
                },
                None => waiting.next().await,
            };
            let Some((i, answer)) = next else { break };
            let engine = &self.engines[i];
            nodes[i] = Some(match answer {
                Ok(Some(nodes)) => nodes,
                _ => vec![engine.offline("reading the host failed (see the log file)".into())],
            });
            if let (Some(patience), None) = (patience, cutoff) {
                cutoff = Some(tokio::time::Instant::now() + patience.max(started.elapsed()));
            }
        }
        let waited = started.elapsed();
        let nodes = nodes
            .into_iter()
            .zip(readings)
            .zip(self.engines.iter())
            .flat_map(|((node, (_, late, _)), engine)| {
                node.unwrap_or_else(|| {
                    late.store(true, Ordering::Relaxed);
                    vec![engine.not_answering(waited)]
                })
            })
            .collect();
        Look { nodes, asked_at }
    }

    /// Ticks whenever a target answers after a look stopped waiting for it:
    /// the cue to look again.
    pub fn late_answers(&self) -> watch::Receiver<u64> {
        self.late.subscribe()
    }

    /// What the given workloads of `name` use now: (workload, memory bytes,
    /// cores), for those that answered. About a second; run it beside the
    /// answer that shows it, never in its way.
    pub async fn usage(&self, name: &str, workloads: &[String]) -> Vec<(String, u64, f64)> {
        if let Some(cluster) = self.cluster(name) {
            return cluster.usage(workloads).await;
        }
        let read = async {
            let (client, _) = self.docker(name).await?;
            Ok::<_, BackendError>(docker::node::usage(&client, workloads).await)
        };
        match tokio::time::timeout(self.deadline, read).await {
            Ok(Ok(usage)) => usage,
            Ok(Err(e)) => {
                tracing::debug!("usage of {name}: {e}");
                Vec::new()
            }
            Err(_) => {
                tracing::debug!(
                    "usage of {name}: no answer within {} s",
                    self.deadline.as_secs()
                );
                Vec::new()
            }
        }
    }

    /// Makes the network an execution's services share on `name`, its
    /// subnet a free one of `pool`; whether it was created (false: it
    /// existed).
    pub async fn prepare_network(
        &self,
        name: &str,
        network: &str,
        deployment: &str,
        execution_id: &str,
        pool: &SubnetPool,
    ) -> Result<bool, BackendError> {
        // a cluster's pods share its network: nothing to make
        if self.cluster(name).is_some() {
            return Ok(false);
        }
        let (client, _) = self.docker(name).await?;
        spawn::ensure_network(
            &client,
            name,
            network,
            deployment,
            execution_id,
            &self.key,
            pool,
        )
        .await
    }

    /// Whether target `name` pulls images with a pull secret (a cluster)
    /// rather than with credentials in the pull itself (a Docker host).
    pub fn uses_pull_secrets(&self, name: &str) -> bool {
        self.cluster(name).is_some()
    }

    /// Makes the execution's image pull secret with these credentials on
    /// target `name` when it is a cluster (Docker hosts pull with them
    /// directly); whether there is one.
    pub async fn prepare_pull_secret(
        &self,
        name: &str,
        deployment: &str,
        execution_id: &str,
        auths: &[crate::model::registry::RegistryAuth],
    ) -> Result<bool, BackendError> {
        match self.cluster(name) {
            Some(cluster) => {
                cluster
                    .prepare_pull_secret(deployment, execution_id, auths)
                    .await
            }
            None => Ok(false),
        }
    }

    /// Makes sure `image` is on `name`, pulling it with progress (and the
    /// registry's credentials, when given) when it is missing; whether it
    /// was pulled.
    pub async fn ensure_image(
        &self,
        name: &str,
        image: &str,
        auth: Option<&crate::model::registry::RegistryAuth>,
        progress: &mut (dyn FnMut(PullProgress) + Send),
    ) -> Result<bool, BackendError> {
        // a cluster's nodes pull what their pods need
        if self.cluster(name).is_some() {
            return Ok(false);
        }
        let (client, _) = self.docker(name).await?;
        spawn::ensure_image(&client, name, image, auth, progress).await
    }

    /// Checks, before anything is created, that target `name` can take
    /// these instances as they are (a cluster refuses names Kubernetes
    /// would refuse); every problem, with the rule broken.
    pub fn check_instances(
        &self,
        name: &str,
        instances: &[crate::model::Instance],
    ) -> Result<(), Vec<String>> {
        match self.engine(name) {
            Ok(Engine::Kubernetes { cluster, .. }) => {
                kube::names::preflight(instances, &cluster.target)
            }
            _ => Ok(()),
        }
    }

    /// Creates and starts one instance on `name`, its labels signed.
    pub async fn start(
        &self,
        name: &str,
        mut plan: ContainerPlan<'_>,
    ) -> Result<Started, BackendError> {
        signature::sign_container(&self.key, &mut plan.labels);
        if let Some(cluster) = self.cluster(name) {
            return cluster.start(name, plan).await;
        }
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
        // a pod cannot be stopped and kept: it is deleted
        if let Some(cluster) = self.cluster(name) {
            return cluster.remove(workload, grace_secs).await;
        }
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
        if let Some(cluster) = self.cluster(name) {
            return cluster.remove(workload, grace_secs).await;
        }
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
        if let Some(cluster) = self.cluster(name) {
            return cluster
                .clean_execution(deployment, execution_id, grace_secs)
                .await;
        }
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

    /// Removes what this deployment left behind on the targets without a
    /// use (a cluster's Services whose pod is gone, elastic pods the
    /// scheduler could not place in time): what was removed, in words.
    /// Docker hosts have nothing of the kind (an ended execution's network
    /// is the console's leftover cleanup's).
    pub async fn tidy(&self) -> Vec<String> {
        let mut done = Vec::new();
        for engine in self.engines.iter() {
            if let Engine::Kubernetes { cluster, .. } = engine {
                done.extend(cluster.tidy().await);
            }
        }
        done
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
            if let Some(cluster) = targets.cluster(&name) {
                return cluster.follow_logs(workload, instance, request).await;
            }
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
                if let Some(cluster) = targets.cluster(&name) {
                    return match cluster.live(&deployment).await {
                        Ok(live) => Some((tokio_stream_of(live.changes()).boxed(), 1)),
                        Err(e) => {
                            tracing::debug!("watching {name}: {e}");
                            Some((futures::stream::empty().boxed(), failures + 1))
                        }
                    };
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

/// A `()` for every tick of a watch channel, ending when its sender goes.
fn tokio_stream_of(changes: watch::Receiver<u64>) -> impl Stream<Item = ()> + Send + 'static {
    futures::stream::unfold(changes, |mut rx| async move {
        rx.changed().await.ok()?;
        Some(((), rx))
    })
}
