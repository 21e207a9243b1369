//! What the console does on a cluster: create an instance's Pod and
//! Services and wait until the scheduler bound it; delete a pod; remove
//! everything of an execution and confirm it is gone; follow a pod's log;
//! read what pods use (metrics-server).

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use kube::ResourceExt;
use kube::api::{DeleteParams, ListParams, PostParams};
use kube::runtime::reflector::ObjectRef;

use super::cluster::{Cluster, Live, execution_selector};
use super::owned::{pod_is_ours, service_is_ours};
use super::workloads::{MEANT_FOR, is_fatal_wait, unschedulable, waiting_reason};
use crate::backend::Cleaned;
use crate::backend::{BackendError, labels};
use crate::config::kube::KubePlacement;
use crate::model::instance::{ContainerPlan, Started};
use crate::model::{LogLine, LogRequest};

/// A pod's own grace period when deleted without one (as Docker's stop).
const POD_GRACE_SECS: u32 = 10;

/// How long a removal waits to see its objects gone, beyond the grace.
const GONE_WITHIN: Duration = Duration::from_secs(30);

impl Cluster {
    /// The connection made by an earlier look (what acts on a workload
    /// found by one), or why there is none.
    fn connected(&self) -> Result<Arc<Live>, BackendError> {
        self.connection().ok_or_else(|| BackendError::Unreachable {
            target: self.target.name.clone(),
            address: String::new(),
            why: "not connected yet".into(),
        })
    }

    /// The address users reach node ports of node `name` (`cluster/node`)
    /// at: the settings' override, else the node's external, else its
    /// internal address.
    pub fn node_address(&self, name: &str) -> String {
        if let Some(address) = &self.target.external_address {
            return address.clone();
        }
        let node = name
            .strip_prefix(self.target.name.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or_default();
        self.connection()
            .as_ref()
            .and_then(|live| live.nodes.get(&ObjectRef::new(node)))
            .map(|n| super::node::address(&n))
            .unwrap_or_default()
    }

    /// Creates one instance: its Pod, then its headless Service and, when
    /// it has ports, its exposing Service; then waits until the scheduler
    /// bound the pod. An essential pod the scheduler cannot place within
    /// the target's timeout is a `NoRoom` with the scheduler's message.
    pub async fn start(
        &self,
        name: &str,
        plan: ContainerPlan<'_>,
    ) -> Result<Started, BackendError> {
        let deployment = plan
            .labels
            .get(labels::DEPLOYMENT)
            .cloned()
            .unwrap_or_default();
        let live = self.live(&deployment).await?;
        let node = name
            .strip_prefix(self.target.name.as_str())
            .and_then(|rest| rest.strip_prefix('/'));
        let pinned = match self.target.placement {
            KubePlacement::Pinned => node,
            KubePlacement::Scheduler => None,
        };
        let mut objects = super::objects::instance_objects(
            plan.instance,
            &plan.labels,
            &self.target,
            &live.conn.namespace,
            pinned,
            POD_GRACE_SECS,
        )
        .map_err(|e| BackendError::refused(&self.target.name, "checking names", e.to_string()))?;
        if let Some(node) = node {
            objects
                .pod
                .annotations_mut()
                .insert(MEANT_FOR.into(), node.to_string());
        }
        // the registries' credentials, made before the pods (see `pull_secret`)
        let execution = plan.labels.get(labels::EXECUTION_ID);
        if let Some(secret) = execution.and_then(|id| self.pull_secret_of(&deployment, id))
            && let Some(spec) = objects.pod.spec.as_mut()
        {
            spec.image_pull_secrets
                .get_or_insert_default()
                .push(k8s_openapi::api::core::v1::LocalObjectReference { name: secret });
        }
        let pod_name = objects.pod.name_any();
        let pod = live
            .pod_api()
            .create(&PostParams::default(), &objects.pod)
            .await
            .map_err(|e| live.error(e, &format!("creating pod {pod_name}")))?;
        super::objects::owned_by(&mut objects.headless, &pod);
        super::owned::sign(&self.key, &mut objects.headless);
        let services = live.service_api();
        services
            .create(&PostParams::default(), &objects.headless)
            .await
            .map_err(|e| {
                live.error(
                    e,
                    &format!("creating service {}", objects.headless.name_any()),
                )
            })?;
        let mut ports = Vec::new();
        if let Some(mut exposed) = objects.exposed {
            super::objects::owned_by(&mut exposed, &pod);
            super::owned::sign(&self.key, &mut exposed);
            let made = services
                .create(&PostParams::default(), &exposed)
                .await
                .map_err(|e| live.error(e, &format!("creating service {}", exposed.name_any())))?;
            ports = super::workloads::service_node_ports(&made);
        }
        self.wait_scheduled(&live, &pod_name, plan.instance.essential)
            .await?;
        Ok(Started {
            id: pod_name,
            ports,
        })
    }

    /// Waits until the scheduler bound a pod; an essential pod it cannot
    /// place within the timeout, or a pod that cannot start, is an error.
    async fn wait_scheduled(
        &self,
        live: &Live,
        pod: &str,
        essential: bool,
    ) -> Result<(), BackendError> {
        let timeout = Duration::from_secs(u64::from(self.target.unschedulable_timeout_secs));
        let until = tokio::time::Instant::now() + timeout;
        let key = ObjectRef::new(pod).within(&live.conn.namespace);
        let mut changes = live.changes();
        loop {
            // (not in the store: not seen yet by the watcher, or deleted)
            let mut message = None;
            if let Some(found) = live.ours.get(&key) {
                if let Some((reason, text)) = waiting_reason(&found)
                    && is_fatal_wait(&reason)
                {
                    return Err(BackendError::refused(
                        &self.target.name,
                        format!("starting pod {pod}"),
                        format!("{reason}: {text}"),
                    ));
                }
                if super::workloads::scheduled(&found) {
                    return Ok(());
                }
                message = unschedulable(&found);
            }
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                let why = message
                    .unwrap_or_else(|| format!("not scheduled within {} s", timeout.as_secs()));
                return Err(if essential {
                    BackendError::NoRoom {
                        target: self.target.name.clone(),
                        what: format!("pod {pod}"),
                        why,
                    }
                } else {
                    // an elastic pod is not waited for longer: supervision
                    // sees it pending
                    return Ok(());
                });
            }
            let _ = tokio::time::timeout(left.min(Duration::from_secs(2)), changes.changed()).await;
        }
    }

    /// Deletes one pod (with `grace_secs`) and the Services made for it
    /// (ours only: signed), and waits until it is gone (so that its name
    /// can be used again).
    pub async fn remove(&self, pod: &str, grace_secs: u32) -> Result<(), BackendError> {
        let live = self.delete_pod(pod, grace_secs).await?;
        let key = ObjectRef::new(pod).within(&live.conn.namespace);
        let within = Duration::from_secs(u64::from(grace_secs)) + GONE_WITHIN;
        wait_until(&live, within, || live.ours.get(&key).is_none()).await;
        Ok(())
    }

    /// Deletes one pod (with `grace_secs`) and the Services made for it,
    /// without waiting for it to be gone; the connection used.
    pub(super) async fn delete_pod(
        &self,
        pod: &str,
        grace_secs: u32,
    ) -> Result<Arc<Live>, BackendError> {
        let live = self.connected()?;
        let params = DeleteParams {
            grace_period_seconds: Some(grace_secs),
            ..Default::default()
        };
        live.deletions.deleting_pod(pod);
        match live.pod_api().delete(pod, &params).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => return Err(live.error(e, &format!("deleting pod {pod}"))),
        }
        let owned: Vec<String> = live
            .services
            .state()
            .iter()
            .filter(|s| {
                s.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.kind == "Pod" && o.name == pod)
            })
            .filter(|s| service_is_ours(&self.key, s))
            .map(|s| s.name_any())
            .collect();
        for service in owned {
            delete_service(&live, &service).await?;
        }
        Ok(live)
    }

    /// Removes the execution's pods and Services this deployment made
    /// (signed; as on Docker, whatever else carries its labels is foreign
    /// and left alone, and does not count as left): the pods in one
    /// collection delete when every pod of the execution is ours, else one
    /// by one; then each Service (the API has no collection delete for
    /// Services). Waits until they are gone and says what is left, by name.
    pub async fn clean_execution(
        &self,
        deployment: &str,
        execution_id: &str,
        grace_secs: u32,
    ) -> Result<Cleaned, BackendError> {
        let _one_at_a_time = self.cleaning.lock().await;
        let live = self.live(deployment).await?;
        let selector = execution_selector(deployment, execution_id);
        let listed = ListParams::default().labels(&selector);
        let params = DeleteParams {
            grace_period_seconds: Some(grace_secs),
            ..Default::default()
        };
        let mut cleaned = Cleaned::default();
        // what the API server holds (not the watchers' view: a pod made a
        // moment ago may not have reached them yet), ours and not
        let listed_all = || async {
            let pods = live.pod_api().list(&listed).await;
            let services = live.service_api().list(&listed).await;
            match (pods, services) {
                (Ok(pods), Ok(services)) => Ok((pods.items, services.items)),
                (Err(e), _) | (_, Err(e)) => Err(live.error(e, "listing the execution's objects")),
            }
        };
        let left = || async {
            let (pods, services) = listed_all().await?;
            Ok::<_, BackendError>((
                pods.into_iter()
                    .filter(|p| pod_is_ours(&self.key, p))
                    .collect::<Vec<_>>(),
                services
                    .into_iter()
                    .filter(|s| service_is_ours(&self.key, s))
                    .collect::<Vec<_>>(),
            ))
        };
        live.deletions.deleting_execution(execution_id);
        let (all_pods, all_services) = listed_all().await?;
        let (pods, foreign): (Vec<_>, Vec<_>) = all_pods
            .into_iter()
            .partition(|p| pod_is_ours(&self.key, p));
        // (another node of the same execution was cleaned just before)
        let undeleted: Vec<String> = pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .map(ResourceExt::name_any)
            .collect();
        if !undeleted.is_empty() && foreign.is_empty() {
            match live.pod_api().delete_collection(&params, &listed).await {
                Ok(either) => {
                    cleaned.removed = either.left().map_or(0, |list| list.items.len());
                }
                Err(e) => cleaned
                    .errors
                    .push(live.error(e, "deleting the execution's pods").to_string()),
            }
        } else {
            for pod in undeleted {
                match live.pod_api().delete(&pod, &params).await {
                    Ok(_) => cleaned.removed += 1,
                    Err(kube::Error::Api(status)) if status.code == 404 => {}
                    Err(e) => cleaned
                        .errors
                        .push(live.error(e, &format!("deleting pod {pod}")).to_string()),
                }
            }
        }
        for service in all_services
            .iter()
            .filter(|s| service_is_ours(&self.key, s))
        {
            if let Err(e) = delete_service(&live, &service.name_any()).await {
                cleaned.errors.push(e.to_string());
            }
        }
        let (_, errors) = self
            .remove_pull_secret(&live, deployment, execution_id)
            .await;
        cleaned.errors.extend(errors);
        // gone: the watchers say so, then the API server confirms
        let until =
            tokio::time::Instant::now() + Duration::from_secs(u64::from(grace_secs)) + GONE_WITHIN;
        let mut changes = live.changes();
        loop {
            let (pods, services) = left().await?;
            cleaned.left = pods
                .iter()
                .map(|p| format!("pod {}", p.name_any()))
                .chain(services.iter().map(|s| format!("service {}", s.name_any())))
                .collect();
            let wait = until.saturating_duration_since(tokio::time::Instant::now());
            if cleaned.left.is_empty() || wait.is_zero() {
                cleaned
                    .left
                    .extend(self.pull_secret_left(&live, deployment, execution_id).await);
                return Ok(cleaned);
            }
            let _ = tokio::time::timeout(wait.min(Duration::from_secs(1)), changes.changed()).await;
        }
    }

    /// Follows a pod's log (see `logs`).
    pub async fn follow_logs(
        &self,
        pod: String,
        instance: String,
        request: LogRequest,
    ) -> BoxStream<'static, Result<LogLine, String>> {
        match self.connected() {
            Ok(live) => super::logs::follow(
                live.conn.client.clone(),
                live.conn.namespace.clone(),
                pod,
                instance.to_ascii_lowercase(),
                Arc::from(instance.as_str()),
                request,
            )
            .boxed(),
            Err(e) => futures::stream::iter([Err(e.to_string())]).boxed(),
        }
    }
}

/// Deletes a Service; gone is fine.
pub(super) async fn delete_service(live: &Live, name: &str) -> Result<(), BackendError> {
    match live
        .service_api()
        .delete(name, &DeleteParams::default())
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(live.error(e, &format!("deleting service {name}"))),
    }
}

/// Waits (on the watchers' news) until `done`, at most `within`.
async fn wait_until(live: &Live, within: Duration, done: impl Fn() -> bool) {
    let until = tokio::time::Instant::now() + within;
    let mut changes = live.changes();
    while !done() {
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return;
        }
        let _ = tokio::time::timeout(left.min(Duration::from_millis(500)), changes.changed()).await;
    }
}
