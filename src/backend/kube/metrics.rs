//! What pods use now, from the cluster's metrics-server (when it has one:
//! without, the log says so once and no figures are shown).

use std::sync::atomic::Ordering;

use serde::Deserialize;

use super::cluster::Cluster;
use super::quantity;

/// `PodMetricsList` of `metrics.k8s.io/v1beta1`, as far as read.
#[derive(Deserialize)]
struct PodMetricsList {
    #[serde(default)]
    items: Vec<PodMetrics>,
}

#[derive(Deserialize)]
struct PodMetrics {
    metadata: Named,
    #[serde(default)]
    containers: Vec<ContainerMetrics>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct ContainerMetrics {
    usage: Usage,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    cpu: Option<String>,
    #[serde(default)]
    memory: Option<String>,
}

impl Cluster {
    /// What the given pods use now: (pod, memory bytes, cores), for those
    /// the metrics-server knows.
    pub async fn usage(&self, pods: &[String]) -> Vec<(String, u64, f64)> {
        let Some(live) = self.connection() else {
            return Vec::new();
        };
        let path = format!(
            "/apis/metrics.k8s.io/v1beta1/namespaces/{}/pods",
            live.conn.namespace
        );
        let request = match http::Request::get(path).body(Vec::new()) {
            Ok(request) => request,
            Err(_) => return Vec::new(),
        };
        let list: PodMetricsList = match live.conn.client.request(request).await {
            Ok(list) => list,
            Err(e) => {
                if !self.no_metrics_said.swap(true, Ordering::Relaxed) {
                    tracing::info!(
                        "cluster {}: no usage figures (no metrics-server?): {}",
                        self.target.name,
                        super::client::api_error(e, &live.conn, "reading pod metrics")
                    );
                }
                return Vec::new();
            }
        };
        self.no_metrics_said.store(false, Ordering::Relaxed);
        list.items
            .into_iter()
            .filter(|m| pods.contains(&m.metadata.name))
            .map(|m| {
                let (memory, millis) = m.containers.iter().fold((0u64, 0u64), |(mem, cpu), c| {
                    let add_mem = c
                        .usage
                        .memory
                        .as_deref()
                        .and_then(|q| quantity::bytes(q).ok())
                        .unwrap_or(0);
                    let add_cpu = c
                        .usage
                        .cpu
                        .as_deref()
                        .and_then(|q| quantity::cpu_millis(q).ok())
                        .unwrap_or(0);
                    (mem.saturating_add(add_mem), cpu.saturating_add(add_cpu))
                });
                (m.metadata.name, memory, millis as f64 / 1000.0)
            })
            .collect()
    }
}
