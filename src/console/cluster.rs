//! The Docker hosts of the cluster. Each host is connected and read on its
//! own task with its own deadline, so a dead or slow host is reported
//! offline with the reason and never holds up the others.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bollard::Docker;
use tokio::sync::Mutex;

use crate::backend::NodeSnapshot;
use crate::backend::docker::node::snapshot;
use crate::backend::docker::{DockerError, connect};
use crate::config::docker_conf::DockerHost;

/// How long reading one host may take before it is shown offline.
pub const SNAPSHOT_DEADLINE: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct Cluster {
    hosts: Arc<Vec<HostHandle>>,
}

struct HostHandle {
    host: DockerHost,
    client: Mutex<Option<Docker>>,
    /// Seen offline at the last read: the log says when that changes.
    offline: AtomicBool,
}

impl Cluster {
    pub fn new(hosts: Vec<DockerHost>) -> Cluster {
        let hosts = hosts
            .into_iter()
            .map(|host| HostHandle {
                host,
                client: Mutex::new(None),
                offline: AtomicBool::new(false),
            })
            .collect();
        Cluster {
            hosts: Arc::new(hosts),
        }
    }

    pub fn hosts(&self) -> impl Iterator<Item = &DockerHost> {
        self.hosts.iter().map(|h| &h.host)
    }

    pub fn host(&self, name: &str) -> Option<&DockerHost> {
        self.hosts().find(|h| h.name == name)
    }

    /// A connected client for `name`, reconnecting when the last one failed.
    pub async fn client(&self, name: &str) -> Result<Docker, DockerError> {
        let Some(handle) = self.hosts.iter().find(|h| h.host.name == name) else {
            return Err(DockerError::Connect {
                host: name.into(),
                address: String::new(),
                why: "no such host in the configuration".into(),
            });
        };
        let mut slot = handle.client.lock().await;
        if let Some(client) = slot.as_ref() {
            return Ok(client.clone());
        }
        let client = connect(&handle.host)
            .await
            .inspect_err(|e| tracing::debug!("connecting: {e}"))?;
        tracing::debug!("connected to host {name} ({})", handle.host.address);
        *slot = Some(client.clone());
        Ok(client)
    }

    /// Forgets a host's client so the next call reconnects (after errors).
    pub async fn forget(&self, name: &str) {
        if let Some(handle) = self.hosts.iter().find(|h| h.host.name == name) {
            *handle.client.lock().await = None;
        }
    }

    /// Reads one host; offline (with the reason) when it cannot be read.
    pub async fn snapshot(&self, name: &str, deployment: &str, with_usage: bool) -> NodeSnapshot {
        let Some(host) = self.host(name).cloned() else {
            return NodeSnapshot::offline(
                name,
                String::new(),
                String::new(),
                Vec::new(),
                "no such host".into(),
            );
        };
        let offline = |why: String| {
            NodeSnapshot::offline(
                &host.name,
                host.address.to_string(),
                host.external_address.clone(),
                host.labels.clone(),
                why,
            )
        };
        let deadline = if with_usage {
            SNAPSHOT_DEADLINE * 2
        } else {
            SNAPSHOT_DEADLINE
        };
        let read = async {
            let client = self.client(name).await?;
            snapshot(&host, &client, deployment, with_usage).await
        };
        let was_offline = |now: bool| {
            self.hosts
                .iter()
                .find(|h| h.host.name == name)
                .is_some_and(|h| h.offline.swap(now, Ordering::Relaxed))
        };
        let why = match tokio::time::timeout(deadline, read).await {
            Ok(Ok(node)) => {
                if was_offline(false) {
                    tracing::info!("host {name} is back online");
                }
                return node;
            }
            Ok(Err(err)) => err.to_string(),
            Err(_) => format!("host {name}: no answer within {} s", deadline.as_secs()),
        };
        // reconnect next time
        self.forget(name).await;
        if was_offline(true) {
            tracing::debug!("host {name} still offline: {why}");
        } else {
            tracing::warn!("host {name} skipped, offline: {why}");
        }
        offline(why)
    }

    /// Reads every host concurrently, each on its own task.
    pub async fn snapshot_all(&self, deployment: &str, with_usage: bool) -> Vec<NodeSnapshot> {
        let tasks: Vec<_> = self
            .hosts()
            .map(|h| {
                let cluster = self.clone();
                let name = h.name.clone();
                let deployment = deployment.to_string();
                tokio::spawn(async move { cluster.snapshot(&name, &deployment, with_usage).await })
            })
            .collect();
        let mut nodes = Vec::with_capacity(tasks.len());
        for (task, host) in tasks.into_iter().zip(self.hosts()) {
            nodes.push(task.await.unwrap_or_else(|e| {
                tracing::warn!("host {} skipped: reading it failed: {e}", host.name);
                NodeSnapshot::offline(
                    &host.name,
                    host.address.to_string(),
                    host.external_address.clone(),
                    host.labels.clone(),
                    format!("reading the host failed: {e}"),
                )
            }));
        }
        nodes
    }
}
