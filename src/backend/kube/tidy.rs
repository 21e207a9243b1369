//! What a look that may change things removes from a cluster, from what
//! the watchers keep: this deployment's Services whose pod is gone (an
//! interrupted launch, a pod deleted from outside), and elastic pods the
//! scheduler could not place within the target's timeout (supervision
//! places them again when there is room; until then they hold no place).
//! Only what this deployment made (signed pods and Services): foreign
//! objects carrying its labels are never removed unasked.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::jiff::Timestamp;
use kube::ResourceExt;

use super::cluster::Cluster;
use super::owned::{pod_is_ours, service_is_ours};
use crate::backend::labels;

/// A Service of ours that selects no pod is an orphan once it is older
/// than this: longer than any launch step takes between creating a pod
/// and its Services (so a launch under way never loses one).
pub const ORPHAN_SERVICE_AGE: Duration = Duration::from_secs(120);

/// Seconds from `at` to `now` (0 when `at` is unknown or later).
fn age(at: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>, now: Timestamp) -> u64 {
    at.map_or(0, |t| {
        u64::try_from(now.as_second().saturating_sub(t.0.as_second())).unwrap_or(0)
    })
}

fn selects(selector: &BTreeMap<String, String>, pod: &Pod) -> bool {
    let labels = pod.labels();
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The names of our Services (of an execution) that select none of our
/// pods and are older than `older_than`.
pub fn orphan_services(
    services: &[&Service],
    pods: &[&Pod],
    now: Timestamp,
    older_than: Duration,
) -> Vec<String> {
    services
        .iter()
        .filter(|s| s.labels().contains_key(labels::EXECUTION_ID))
        .filter(|s| age(s.metadata.creation_timestamp.as_ref(), now) >= older_than.as_secs())
        .filter(|s| {
            let selector = s.spec.as_ref().and_then(|spec| spec.selector.as_ref());
            selector.is_some_and(|sel| !sel.is_empty() && !pods.iter().any(|p| selects(sel, p)))
        })
        .map(|s| s.name_any())
        .collect()
}

/// The names of our elastic pods still not bound to a node after
/// `timeout` (not being deleted already).
pub fn stuck_elastic(pods: &[&Pod], now: Timestamp, timeout: Duration) -> Vec<String> {
    pods.iter()
        .filter(|p| {
            super::workloads::merged(p)
                .get(labels::ESSENTIAL)
                .map(String::as_str)
                == Some("false")
        })
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| !super::workloads::scheduled(p))
        .filter(|p| age(p.metadata.creation_timestamp.as_ref(), now) >= timeout.as_secs())
        .map(|p| p.name_any())
        .collect()
}

impl Cluster {
    /// Removes orphan Services and elastic pods stuck unscheduled (when
    /// connected); what was removed, in words.
    pub async fn tidy(&self) -> Vec<String> {
        let Some(live) = self.connection() else {
            return Vec::new();
        };
        let now = Timestamp::now();
        // only what this deployment made (signed): the rest is foreign
        let pods = live.ours.state();
        let pods: Vec<&Pod> = pods
            .iter()
            .map(AsRef::as_ref)
            .filter(|p| pod_is_ours(&self.key, p))
            .collect();
        let timeout = Duration::from_secs(u64::from(self.target.unschedulable_timeout_secs));
        let mut done = Vec::new();
        for pod in stuck_elastic(&pods, now, timeout) {
            // (not waited for: a look must not stall on it)
            match self.delete_pod(&pod, 0).await {
                Ok(_) => done.push(format!(
                    "elastic pod {pod} not scheduled within {} s: deleted (placed again when there is room)",
                    timeout.as_secs()
                )),
                Err(e) => tracing::warn!("{e}"),
            }
        }
        let services = live.services.state();
        let services: Vec<&Service> = services
            .iter()
            .map(AsRef::as_ref)
            .filter(|s| service_is_ours(&self.key, s))
            .collect();
        for service in orphan_services(&services, &pods, now, ORPHAN_SERVICE_AGE) {
            match super::actions::delete_service(&live, &service).await {
                Ok(()) => done.push(format!("service {service} selected no pod: deleted")),
                Err(e) => tracing::warn!("{e}"),
            }
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn at(secs: i64) -> Option<Time> {
        Some(Time(Timestamp::from_second(secs).unwrap_or_default()))
    }

    fn pod(name: &str, essential: &str, created: i64, bound: bool) -> Pod {
        let mut pod = Pod::default();
        pod.metadata.name = Some(name.into());
        pod.metadata.creation_timestamp = at(created);
        pod.metadata.labels = Some(
            [
                (labels::ESSENTIAL.to_string(), essential.to_string()),
                ("app".to_string(), name.to_string()),
            ]
            .into_iter()
            .collect(),
        );
        pod.spec = Some(Default::default());
        if bound && let Some(spec) = pod.spec.as_mut() {
            spec.node_name = Some("n1".into());
        }
        pod
    }

    fn service(name: &str, selects: &str, created: i64) -> Service {
        let mut s = Service::default();
        s.metadata.name = Some(name.into());
        s.metadata.creation_timestamp = at(created);
        s.metadata.labels = Some(
            [(labels::EXECUTION_ID.to_string(), "e1".to_string())]
                .into_iter()
                .collect(),
        );
        s.spec = Some(k8s_openapi::api::core::v1::ServiceSpec {
            selector: Some([("app".to_string(), selects.to_string())].into()),
            ..Default::default()
        });
        s
    }

    #[test]
    fn an_old_service_that_selects_no_pod_is_an_orphan() {
        let now = Timestamp::from_second(10_000).unwrap_or_default();
        let pods = [pod("a", "true", 0, true)];
        let pods: Vec<&Pod> = pods.iter().collect();
        let services = [
            service("has-pod", "a", 0),
            service("old-orphan", "gone", 10_000 - 121),
            service("young-orphan", "gone", 10_000 - 60),
        ];
        let services: Vec<&Service> = services.iter().collect();
        assert_eq!(
            orphan_services(&services, &pods, now, ORPHAN_SERVICE_AGE),
            ["old-orphan"]
        );
    }

    #[test]
    fn only_elastic_pods_unbound_past_the_timeout_are_stuck() {
        let now = Timestamp::from_second(10_000).unwrap_or_default();
        let pods = [
            pod("old-elastic", "false", 10_000 - 30, false),
            pod("young-elastic", "false", 10_000 - 1, false),
            pod("bound-elastic", "false", 0, true),
            pod("essential", "true", 0, false),
        ];
        let pods: Vec<&Pod> = pods.iter().collect();
        assert_eq!(
            stuck_elastic(&pods, now, Duration::from_secs(10)),
            ["old-elastic"]
        );
    }
}
