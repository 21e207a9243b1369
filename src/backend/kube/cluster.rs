//! One Kubernetes cluster as a target: its connection and the watchers
//! that keep its nodes, the pods that use them and this deployment's own
//! pods and Services in memory (list once, then watch: resumed after a
//! broken stream, relisted after `410 Gone`, by kube-runtime). A look at
//! the cluster reads these stores and asks the API server nothing.

use std::collections::HashMap;
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Node, Pod, Service};
use kube::api::{Api, ListParams};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use tokio::sync::watch;

use super::client::{Connected, api_error, connect};
use super::vanished::Deletions;
use crate::backend::BackendError;
use crate::backend::labels;
use crate::config::deployment_key::DeploymentKey;
use crate::config::kube::KubeTarget;

/// Pods that hold room on their node: bound and not ended (the field
/// selector `kubectl describe node` uses).
pub const UNFINISHED: &str = "status.phase!=Succeeded,status.phase!=Failed";

/// A cluster the console talks to; connected (and its watchers started) on
/// first use, and again after the connection was dropped.
pub struct Cluster {
    pub target: KubeTarget,
    live: tokio::sync::Mutex<Option<Arc<Live>>>,
    /// The same connection, for what must not wait while one is being
    /// made (an address, usage figures, a tidy-up).
    connected: std::sync::RwLock<Option<Arc<Live>>>,
    /// Whether an exec credential plugin may talk to the user (only before
    /// the terminal UI takes the screen).
    interactive: std::sync::atomic::AtomicBool,
    /// The log was told the cluster has no metrics-server.
    pub(super) no_metrics_said: std::sync::atomic::AtomicBool,
    /// One cleanup at a time: the nodes of one execution are cleaned as
    /// one (the first call removes everything, the others confirm).
    pub(super) cleaning: tokio::sync::Mutex<()>,
    /// Our pods deleted from outside, and our own deletes (kept across
    /// reconnections).
    deletions: Arc<Deletions>,
    /// The deployment key: what this deployment made is signed with it.
    pub(super) key: Arc<DeploymentKey>,
    /// The image pull secrets this console made (see `pull_secret`).
    pub(super) pull_secrets: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// A connected cluster and what its watchers keep.
pub struct Live {
    pub conn: Connected,
    pub nodes: Store<Node>,
    /// The pods that hold room on nodes (every namespace, unless that is
    /// forbidden: then this namespace's).
    pub pods: Store<Pod>,
    /// This deployment's pods in the namespace, in any phase.
    pub ours: Store<Pod>,
    /// This deployment's Services in the namespace.
    pub services: Store<Service>,
    /// Why the figures are partial, when they are.
    pub partial: Option<String>,
    /// Our pods deleted from outside, and our own deletes.
    pub deletions: Arc<Deletions>,
    /// The last error of each watcher (`None`: its last event was fine).
    health: watch::Sender<[Option<String>; 4]>,
    /// Ticks on every change of this deployment's pods and Services.
    changes: watch::Sender<u64>,
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Drop for Live {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Live {
    /// Why the stores cannot be trusted now (a watcher's last word was an
    /// error), if so.
    pub fn trouble(&self) -> Option<String> {
        self.health.borrow().iter().flatten().next().cloned()
    }

    /// Ticks on every change of this deployment's pods and Services.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// The Pod API of the namespace.
    pub fn pod_api(&self) -> Api<Pod> {
        Api::namespaced(self.conn.client.clone(), &self.conn.namespace)
    }

    /// The Service API of the namespace.
    pub fn service_api(&self) -> Api<Service> {
        Api::namespaced(self.conn.client.clone(), &self.conn.namespace)
    }

    /// The names of the cluster's namespaces, sorted.
    pub async fn namespaces(&self) -> Result<Vec<String>, BackendError> {
        let api: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(self.conn.client.clone());
        let list = api
            .list(&ListParams::default())
            .await
            .map_err(|e| self.error(e, "listing namespaces"))?;
        let mut names: Vec<String> = list
            .items
            .iter()
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        names.sort();
        Ok(names)
    }

    /// An API error of this cluster as the one backend error.
    pub fn error(&self, err: kube::Error, doing: &str) -> BackendError {
        api_error(err, &self.conn, doing)
    }
}

/// The label selector of this deployment's ZApp objects.
pub fn ours_selector(deployment: &str) -> String {
    format!(
        "{}={},{}={}",
        labels::TYPE,
        labels::TYPE_APP_SERVICE,
        labels::DEPLOYMENT,
        deployment
    )
}

/// The label selector of one execution's objects.
pub fn execution_selector(deployment: &str, execution_id: &str) -> String {
    format!(
        "{},{}={}",
        ours_selector(deployment),
        labels::EXECUTION_ID,
        execution_id
    )
}

impl Cluster {
    pub fn new(target: KubeTarget, key: Arc<DeploymentKey>) -> Cluster {
        Cluster {
            target,
            live: tokio::sync::Mutex::new(None),
            connected: std::sync::RwLock::new(None),
            interactive: std::sync::atomic::AtomicBool::new(false),
            no_metrics_said: std::sync::atomic::AtomicBool::new(false),
            cleaning: tokio::sync::Mutex::new(()),
            deletions: Arc::new(Deletions::default()),
            key,
            pull_secrets: std::sync::Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// Lets credential plugins talk to the user (before the terminal UI
    /// takes the screen), or not.
    pub fn set_interactive(&self, interactive: bool) {
        self.interactive
            .store(interactive, std::sync::atomic::Ordering::Relaxed);
    }

    /// The connected cluster with its watchers, connecting (and listing
    /// everything once) when it is not.
    pub async fn live(&self, deployment: &str) -> Result<Arc<Live>, BackendError> {
        let mut slot = self.live.lock().await;
        if let Some(live) = slot.as_ref() {
            return Ok(live.clone());
        }
        let interactive = self.interactive.load(std::sync::atomic::Ordering::Relaxed);
        let conn = connect(&self.target, &|k: &str| std::env::var(k).ok(), interactive).await?;
        let live = Arc::new(start_watchers(conn, deployment, self.deletions.clone()).await?);
        *slot = Some(live.clone());
        *self
            .connected
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(live.clone());
        Ok(live)
    }

    /// The connection when there is one, without connecting nor waiting
    /// for one being made.
    pub fn connection(&self) -> Option<Arc<Live>> {
        self.connected
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Drops the connection and its watchers: the next use reconnects.
    pub async fn forget(&self) {
        let mut slot = self.live.lock().await;
        *self
            .connected
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        *slot = None;
    }
}

/// Starts the four watchers and waits until each has listed once.
async fn start_watchers(
    conn: Connected,
    deployment: &str,
    deletions: Arc<Deletions>,
) -> Result<Live, BackendError> {
    let client = conn.client.clone();
    let ns = conn.namespace.clone();
    let (health, _) = watch::channel([None, None, None, None]);
    let (changes, _) = watch::channel(0u64);
    // cluster-wide pods, unless that is forbidden
    let all: Api<Pod> = Api::all(client.clone());
    let (pods_api, partial) = match all
        .list(&ListParams::default().fields(UNFINISHED).limit(1))
        .await
    {
        Ok(_) => (all, None),
        Err(kube::Error::Api(status)) if status.code == 403 => (
            Api::namespaced(client.clone(), &ns),
            Some(format!(
                "not allowed to list the pods of every namespace ({}): requested figures count only namespace {ns}",
                status.message
            )),
        ),
        Err(e) => return Err(api_error(e, &conn, "listing pods")),
    };
    let selector = ours_selector(deployment);
    let mut tasks = Vec::new();
    let (nodes, writer) = reflector::store();
    tasks.push(spawn_watch(
        0,
        watcher(Api::<Node>::all(client.clone()), watcher::Config::default()),
        writer,
        health.clone(),
        None,
        None,
    ));
    let (pods, writer) = reflector::store();
    tasks.push(spawn_watch(
        1,
        watcher(pods_api, watcher::Config::default().fields(UNFINISHED)).modify(slim_pod),
        writer,
        health.clone(),
        None,
        None,
    ));
    let (ours, writer) = reflector::store();
    tasks.push(spawn_watch(
        2,
        watcher(
            Api::<Pod>::namespaced(client.clone(), &ns),
            watcher::Config::default().labels(&selector),
        ),
        writer,
        health.clone(),
        Some(changes.clone()),
        Some(Box::new({
            let deletions = deletions.clone();
            move |event: &watcher::Event<Pod>| deletions.event(event)
        })),
    ));
    let (services, writer) = reflector::store();
    tasks.push(spawn_watch(
        3,
        watcher(
            Api::<Service>::namespaced(client.clone(), &ns),
            watcher::Config::default().labels(&selector),
        ),
        writer,
        health.clone(),
        Some(changes.clone()),
        None,
    ));
    let live = Live {
        conn,
        nodes,
        pods,
        ours,
        services,
        partial,
        deletions,
        health,
        changes,
        tasks,
    };
    // every store listed once, or the first error a watcher met
    let mut health = live.health.subscribe();
    let ready = async {
        let _ = tokio::join!(
            live.nodes.wait_until_ready(),
            live.pods.wait_until_ready(),
            live.ours.wait_until_ready(),
            live.services.wait_until_ready()
        );
    };
    tokio::select! {
        () = ready => Ok(live),
        why = async {
            loop {
                if let Some(why) = health.borrow_and_update().iter().flatten().next() {
                    return why.clone();
                }
                if health.changed().await.is_err() {
                    return "the watchers stopped".to_string();
                }
            }
        } => Err(BackendError::Unreachable {
            target: live.conn.context.clone(),
            address: live.conn.server.clone(),
            why,
        }),
    }
}

/// Drops what capacity never reads from the pods of every namespace (kept
/// in memory for the whole session).
fn slim_pod(pod: &mut Pod) {
    pod.metadata.managed_fields = None;
    pod.metadata.annotations = None;
    pod.metadata.owner_references = None;
    if let Some(spec) = pod.spec.as_mut() {
        spec.volumes = None;
        for c in spec
            .containers
            .iter_mut()
            .chain(spec.init_containers.iter_mut().flatten())
        {
            c.env = None;
            c.volume_mounts = None;
            c.args = None;
            c.command = None;
        }
    }
    if let Some(status) = pod.status.as_mut() {
        status.container_statuses = None;
        status.init_container_statuses = None;
    }
}

/// What a watcher's events are also told to (after its store took them).
type OnEvent<K> = Box<dyn Fn(&watcher::Event<K>) + Send + Sync>;

/// Runs one watcher into its store on a task of its own: every event
/// clears its error, every error is kept (the watcher retries with
/// backoff by itself).
fn spawn_watch<K, S>(
    index: usize,
    stream: S,
    writer: reflector::store::Writer<K>,
    health: watch::Sender<[Option<String>; 4]>,
    changes: Option<watch::Sender<u64>>,
    on_event: Option<OnEvent<K>>,
) -> tokio::task::AbortHandle
where
    K: kube::Resource + Clone + Send + Sync + 'static,
    K::DynamicType: Eq + std::hash::Hash + Clone + Default,
    S: futures::Stream<Item = Result<watcher::Event<K>, watcher::Error>> + Send + 'static,
{
    let stream = reflector::reflector(writer, stream.default_backoff());
    tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(item) = stream.next().await {
            match item {
                Ok(event) => {
                    if let Some(on_event) = &on_event {
                        on_event(&event);
                    }
                    health.send_if_modified(|h| h[index].take().is_some());
                    if let Some(changes) = &changes {
                        changes.send_modify(|n| *n = n.wrapping_add(1));
                    }
                }
                // a stale resource version: the watcher lists again by
                // itself, nothing is wrong with the cluster
                Err(watcher::Error::WatchError(status)) if status.code == 410 => {
                    tracing::debug!("watcher {index}: {} (listing again)", status.message);
                }
                Err(e) => {
                    let why = watch_error(&e);
                    tracing::debug!("watcher {index}: {why}");
                    health.send_if_modified(|h| {
                        let changed = h[index].as_deref() != Some(why.as_str());
                        h[index] = Some(why);
                        changed
                    });
                }
            }
        }
    })
    .abort_handle()
}

/// A watcher's error in words (never a credential).
fn watch_error(e: &watcher::Error) -> String {
    match e {
        watcher::Error::InitialListFailed(err)
        | watcher::Error::WatchStartFailed(err)
        | watcher::Error::WatchFailed(err) => match err {
            kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
            // (never kube's own text of a failed credential plugin: it
            // carries the plugin's command and output)
            other => super::client::render_error(other),
        },
        watcher::Error::WatchError(status) => format!("{} ({})", status.message, status.code),
        other => other.to_string(),
    }
}

/// Pods of the store by the node they are bound to.
pub fn pods_by_node(pods: &[Arc<Pod>]) -> HashMap<String, Vec<Arc<Pod>>> {
    let mut by_node: HashMap<String, Vec<Arc<Pod>>> = HashMap::new();
    for pod in pods {
        if let Some(node) = super::requests::counts_on_node(pod) {
            by_node
                .entry(node.to_string())
                .or_default()
                .push(pod.clone());
        }
    }
    by_node
}
