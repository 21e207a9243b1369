//! The control hand of a test: nodes, foreign pods, the scheduler and the
//! kubelet, logs, auth and RBAC switches, the watch history, metrics, the
//! request record and a look at the store.

use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, Namespace, Node, NodeCondition, Pod, Secret, Service};

use super::FakeKube;
use super::kubeconfig::{self, KubeContext};
use super::kubelet::{self, Outcome};
use super::logs::LogLine;
use super::objects::{self, NodeBuilder, default_pod, default_service, taint};
use super::scheduler;
use super::store::{RequestRecord, now};

fn failed(f: super::status::Failure) -> String {
    f.0.message.unwrap_or_default()
}

impl FakeKube {
    // ---- kubeconfig

    /// A context for this fake, to write with others in one file.
    pub fn context(&self, name: &str, namespace: Option<&str>, token: Option<&str>) -> KubeContext {
        KubeContext {
            name: name.into(),
            server: self.url(),
            namespace: namespace.map(str::to_string),
            token: token.map(str::to_string),
        }
    }

    /// Writes a kubeconfig with one context (the current one) for this fake.
    pub fn write_kubeconfig(
        &self,
        path: &Path,
        context: &str,
        namespace: Option<&str>,
        token: Option<&str>,
    ) -> std::io::Result<()> {
        kubeconfig::write(path, &[self.context(context, namespace, token)])
    }

    // ---- nodes

    pub fn add_node(&self, node: NodeBuilder) -> Node {
        let mut world = self.shared.lock();
        let serial = world.next_serial();
        let built = node.build(serial);
        world.create(built)
    }

    fn change_node(&self, name: &str, change: impl FnOnce(&mut Node)) -> Result<Node, String> {
        let mut world = self.shared.lock();
        let mut node = world
            .get::<Node>("", name)
            .cloned()
            .ok_or_else(|| format!("no node {name}"))?;
        change(&mut node);
        Ok(world.put(node))
    }

    /// The node's Ready condition: "True", "False" or "Unknown", with a
    /// reason; the node lifecycle controller's not-ready/unreachable
    /// NoSchedule taint comes and goes with it.
    pub fn set_node_ready(&self, name: &str, status: &str, reason: &str) -> Result<Node, String> {
        self.change_node(name, |node| {
            let t = now();
            let conditions = node
                .status
                .get_or_insert_with(Default::default)
                .conditions
                .get_or_insert_with(Vec::new);
            conditions.retain(|c| c.type_ != "Ready");
            conditions.push(NodeCondition {
                type_: "Ready".into(),
                status: status.into(),
                reason: Some(reason.into()),
                message: Some(format!("fake: {reason}")),
                last_heartbeat_time: Some(t.clone()),
                last_transition_time: Some(t),
            });
            let spec = node.spec.get_or_insert_with(Default::default);
            let taints = spec.taints.get_or_insert_with(Vec::new);
            taints.retain(|t| {
                t.key != "node.kubernetes.io/not-ready" && t.key != "node.kubernetes.io/unreachable"
            });
            match status {
                "False" => taints.push(taint("node.kubernetes.io/not-ready", "", "NoSchedule")),
                "Unknown" => taints.push(taint("node.kubernetes.io/unreachable", "", "NoSchedule")),
                _ => {}
            }
            if taints.is_empty() {
                spec.taints = None;
            }
        })
    }

    /// Cordons (or uncordons) a node: spec.unschedulable and its taint.
    pub fn cordon(&self, name: &str, cordoned: bool) -> Result<Node, String> {
        self.change_node(name, |node| {
            let spec = node.spec.get_or_insert_with(Default::default);
            spec.unschedulable = cordoned.then_some(true);
            let taints = spec.taints.get_or_insert_with(Vec::new);
            taints.retain(|t| t.key != "node.kubernetes.io/unschedulable");
            if cordoned {
                taints.push(taint("node.kubernetes.io/unschedulable", "", "NoSchedule"));
            }
            if taints.is_empty() {
                spec.taints = None;
            }
        })
    }

    /// Adds a taint `key=value:effect`.
    pub fn taint(&self, name: &str, key: &str, value: &str, effect: &str) -> Result<Node, String> {
        self.change_node(name, |node| {
            let spec = node.spec.get_or_insert_with(Default::default);
            spec.taints
                .get_or_insert_with(Vec::new)
                .push(taint(key, value, effect));
        })
    }

    // ---- namespaces, pods, services from outside

    pub fn add_namespace(&self, name: &str) -> Namespace {
        let mut world = self.shared.lock();
        if let Some(ns) = world.get::<Namespace>("", name) {
            return ns.clone();
        }
        world.create(objects::namespace(name))
    }

    /// Adds a pod as another client would, in any namespace (made if
    /// missing), with the API server's defaults; a given nodeName and status
    /// (Running, Succeeded, Failed, ...) are kept.
    pub fn add_pod(&self, mut pod: Pod) -> Pod {
        let ns = pod
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        self.add_namespace(&ns);
        pod.metadata.namespace = Some(ns);
        default_pod(&mut pod);
        let mut world = self.shared.lock();
        world.create(pod)
    }

    pub fn add_service(&self, mut service: Service) -> Service {
        let ns = service
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        self.add_namespace(&ns);
        service.metadata.namespace = Some(ns);
        let mut world = self.shared.lock();
        let serial = world.next_serial();
        default_service(&mut service, serial);
        world.create(service)
    }

    /// Makes a Service look created `ago` earlier (as if it had been left
    /// there that long).
    pub fn backdate_service(&self, ns: &str, name: &str, ago: Duration) -> Result<Service, String> {
        let mut world = self.shared.lock();
        let mut service = world
            .get::<Service>(ns, name)
            .cloned()
            .ok_or_else(|| format!("no service {ns}/{name}"))?;
        let created = service
            .metadata
            .creation_timestamp
            .as_ref()
            .map_or_else(k8s_openapi::jiff::Timestamp::now, |t| t.0);
        let ago = k8s_openapi::jiff::SignedDuration::try_from(ago).map_err(|e| e.to_string())?;
        service.metadata.creation_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                created.checked_sub(ago).map_err(|e| e.to_string())?,
            ));
        Ok(world.put(service))
    }

    // ---- scheduler and kubelet

    /// The automatic scheduler (binds Pending pods every 50 ms) on or off.
    pub fn set_scheduler(&self, on: bool) {
        self.shared.lock().settings.scheduler = on;
    }

    /// The automatic kubelet (bound pods go Running) on or off.
    pub fn set_kubelet(&self, on: bool) {
        self.shared.lock().settings.kubelet = on;
    }

    /// One scheduler pass now.
    pub fn schedule_now(&self) {
        scheduler::schedule(&mut self.shared.lock());
    }

    /// kube-scheduler's message for a pod that fits nowhere (None: it fits).
    pub fn fit_message(&self, ns: &str, name: &str) -> Option<String> {
        let world = self.shared.lock();
        let pod = world.get::<Pod>(ns, name)?;
        scheduler::fit_message(&world, pod)
    }

    pub fn bind(&self, ns: &str, name: &str, node: &str) -> Result<Pod, String> {
        scheduler::bind(&mut self.shared.lock(), ns, name, node).map_err(failed)
    }

    /// The kubelet starts a bound pod: Running, podIP, container statuses.
    pub fn run_pod(&self, ns: &str, name: &str) -> Result<Pod, String> {
        let pod = kubelet::run(&mut self.shared.lock(), ns, name).map_err(failed)?;
        self.shared.poke();
        Ok(pod)
    }

    /// The pod's containers end: Succeeded, Failed(code) or OOMKilled.
    pub fn finish_pod(&self, ns: &str, name: &str, outcome: Outcome) -> Result<Pod, String> {
        let pod = kubelet::finish(&mut self.shared.lock(), ns, name, &outcome).map_err(failed)?;
        self.shared.poke();
        Ok(pod)
    }

    /// Deletes a pod from outside, at once (as `kubectl delete --now`
    /// after the kubelet confirmed).
    pub fn delete_pod(&self, ns: &str, name: &str) -> Option<Pod> {
        let pod = self.shared.lock().remove::<Pod>(ns, name);
        self.shared.poke();
        pod
    }

    /// Pod deletes skip the grace period (no deletionTimestamp phase).
    pub fn set_immediate_delete(&self, on: bool) {
        self.shared.lock().settings.immediate_delete = on;
    }

    /// With the kubelet on, a graceful delete ends this soon (containers
    /// that exit on SIGTERM) instead of after the whole grace period.
    pub fn set_stop_after(&self, after: Option<Duration>) {
        self.shared.lock().settings.stop_after = after;
    }

    // ---- logs

    /// A line printed by a container now (RFC 3339 nanosecond timestamp).
    pub fn append_log(&self, ns: &str, pod: &str, container: &str, line: &str) -> LogLine {
        let key = (ns.to_string(), pod.to_string(), container.to_string());
        let line = self.shared.lock().logs.append(key, line);
        self.shared.poke();
        line
    }

    /// The ground truth of a container's log.
    pub fn log_lines(&self, ns: &str, pod: &str, container: &str) -> Vec<LogLine> {
        let key = (ns.to_string(), pod.to_string(), container.to_string());
        self.shared
            .lock()
            .logs
            .lines
            .get(&key)
            .cloned()
            .unwrap_or_default()
    }

    /// Running containers print "<pod> <container>: tick N" every period.
    pub fn set_chatter(&self, every: Option<Duration>) {
        self.shared.lock().settings.chatter = every;
    }

    /// Cuts every open log stream now (the connection breaks mid-body).
    pub fn cut_log_streams(&self) {
        self.shared.lock().logs.cut += 1;
        self.shared.poke();
    }

    // ---- auth, RBAC, watches, metrics

    /// Every request must carry `Authorization: Bearer TOKEN` (None: no
    /// check); else 401.
    pub fn require_token(&self, token: Option<&str>) {
        self.shared.lock().settings.token = token.map(str::to_string);
    }

    /// Cluster-wide pod lists and watches get 403 Forbidden.
    pub fn forbid_cluster_pods(&self, forbid: bool) {
        self.shared.lock().settings.forbid_cluster_pods = forbid;
    }

    /// Listing Secrets (namespaced) gets 403 Forbidden.
    pub fn forbid_secret_list(&self, forbid: bool) {
        self.shared.lock().settings.forbid_secret_list = forbid;
    }

    /// Deleting a Secret gets 403 Forbidden.
    pub fn forbid_secret_delete(&self, forbid: bool) {
        self.shared.lock().settings.forbid_secret_delete = forbid;
    }

    /// Reading one Secret gets 403 Forbidden.
    pub fn forbid_secret_get(&self, forbid: bool) {
        self.shared.lock().settings.forbid_secret_get = forbid;
    }

    /// Forgets the watch history: a watch resuming from an older
    /// resourceVersion gets 410 Expired.
    pub fn compact(&self) {
        self.shared.lock().compact();
    }

    /// Cuts every open watch now (the connection breaks mid-body); clients
    /// resume from their last resourceVersion.
    pub fn cut_watches(&self) {
        self.shared
            .watch_cut
            .send_modify(|n| *n = n.wrapping_add(1));
    }

    /// The current global resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.shared.lock().rv
    }

    /// metrics.k8s.io served (and listed in /apis) or not (404).
    pub fn set_metrics(&self, on: bool) {
        self.shared.lock().settings.metrics = on;
    }

    /// A node's usage as metrics-server reports it (`"250m"`, `"1Gi"`).
    pub fn set_usage(&self, node: &str, cpu: &str, memory: &str) {
        self.shared
            .lock()
            .settings
            .usage
            .insert(node.into(), (cpu.into(), memory.into()));
    }

    // ---- record and store

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    pub fn pods(&self) -> Vec<Pod> {
        self.shared.lock().pods.values().cloned().collect()
    }

    pub fn pod(&self, ns: &str, name: &str) -> Option<Pod> {
        self.shared.lock().get::<Pod>(ns, name).cloned()
    }

    pub fn services(&self) -> Vec<Service> {
        self.shared.lock().services.values().cloned().collect()
    }

    pub fn secrets(&self) -> Vec<Secret> {
        self.shared.lock().secrets.values().cloned().collect()
    }

    pub fn nodes(&self) -> Vec<Node> {
        self.shared.lock().nodes.values().cloned().collect()
    }

    pub fn namespaces(&self) -> Vec<Namespace> {
        self.shared.lock().namespaces.values().cloned().collect()
    }

    pub fn events(&self) -> Vec<Event> {
        self.shared.lock().events.values().cloned().collect()
    }

    /// Waits until `done` holds (checked every 20 ms), at most `timeout`.
    pub async fn wait_for(&self, timeout: Duration, done: impl Fn(&FakeKube) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if done(self) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        done(self)
    }
}
