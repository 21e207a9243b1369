//! Builders of k8s-openapi objects for the fake and its tests (nodes,
//! namespaces, a simple pod), and the defaults the API server fills in on
//! create.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, Node, Pod, Service, Taint, Toleration};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A JSON value as a k8s-openapi type; a shape the type refuses is a bug of
/// the fake, said on stderr.
pub fn typed<T: DeserializeOwned + Default>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("fake_kube: built an object its type refuses: {e}");
            T::default()
        }
    }
}

pub fn namespace(name: &str) -> Namespace {
    typed(json!({
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }))
}

/// A node to add with `FakeKube::add_node`: Ready, schedulable, with its
/// allocatable cpu, memory and pods, an InternalIP and the usual labels.
#[derive(Clone, Debug)]
pub struct NodeBuilder {
    pub name: String,
    pub cpu: String,
    pub memory: String,
    pub pods: u32,
    pub labels: BTreeMap<String, String>,
    pub roles: Vec<String>,
    pub internal_ip: Option<String>,
    pub taints: Vec<(String, String, String)>,
    pub unschedulable: bool,
}

pub fn node(name: &str) -> NodeBuilder {
    NodeBuilder {
        name: name.to_string(),
        cpu: "4".into(),
        memory: "8Gi".into(),
        pods: 110,
        labels: BTreeMap::new(),
        roles: Vec::new(),
        internal_ip: None,
        taints: Vec::new(),
        unschedulable: false,
    }
}

impl NodeBuilder {
    pub fn cpu(mut self, quantity: &str) -> Self {
        self.cpu = quantity.into();
        self
    }
    pub fn memory(mut self, quantity: &str) -> Self {
        self.memory = quantity.into();
        self
    }
    pub fn pods(mut self, pods: u32) -> Self {
        self.pods = pods;
        self
    }
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }
    pub fn role(mut self, role: &str) -> Self {
        self.roles.push(role.into());
        self
    }
    pub fn ip(mut self, ip: &str) -> Self {
        self.internal_ip = Some(ip.into());
        self
    }
    /// A taint `key=value:effect` (NoSchedule, PreferNoSchedule, NoExecute).
    pub fn taint(mut self, key: &str, value: &str, effect: &str) -> Self {
        self.taints.push((key.into(), value.into(), effect.into()));
        self
    }
    pub fn cordoned(mut self) -> Self {
        self.unschedulable = true;
        self
    }

    /// The Node; `serial` numbers its default InternalIP.
    pub fn build(&self, serial: u64) -> Node {
        let mut labels = json!({
            "kubernetes.io/hostname": self.name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": "amd64",
        });
        for role in &self.roles {
            labels[format!("node-role.kubernetes.io/{role}")] = json!("");
        }
        for (k, v) in &self.labels {
            labels[k] = json!(v);
        }
        let ip = self
            .internal_ip
            .clone()
            .unwrap_or_else(|| format!("10.0.0.{}", 10 + serial % 240));
        let mut taints: Vec<Value> = self
            .taints
            .iter()
            .map(|(k, v, e)| json!({"key": k, "value": v, "effect": e}))
            .collect();
        if self.unschedulable {
            taints.push(json!({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}));
        }
        let now = super::store::now();
        let resources = json!({
            "cpu": self.cpu, "memory": self.memory, "pods": self.pods.to_string(),
            "ephemeral-storage": "100Gi",
        });
        let condition = |t: &str, s: &str, reason: &str, message: &str| {
            json!({"type": t, "status": s, "reason": reason, "message": message,
                   "lastHeartbeatTime": now, "lastTransitionTime": now})
        };
        typed(json!({
            "metadata": {"name": self.name, "labels": labels},
            "spec": {
                "podCIDR": format!("10.244.{}.0/24", serial % 250),
                "unschedulable": self.unschedulable.then_some(true),
                "taints": (!taints.is_empty()).then_some(taints),
            },
            "status": {
                "capacity": resources,
                "allocatable": resources,
                "conditions": [
                    condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                ],
                "addresses": [
                    {"type": "InternalIP", "address": ip},
                    {"type": "Hostname", "address": self.name},
                ],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {
                    "architecture": "amd64",
                    "bootID": format!("boot-{serial}"),
                    "containerRuntimeVersion": "containerd://1.7.0",
                    "kernelVersion": "6.1.0-fake",
                    "kubeProxyVersion": "",
                    "kubeletVersion": "v1.33.0",
                    "machineID": format!("machine-{serial}"),
                    "operatingSystem": "linux",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "systemUUID": format!("uuid-{serial}"),
                },
            },
        }))
    }
}

/// A plain pod: one container `main` running `image`, no resources.
pub fn pod(namespace: &str, name: &str, image: &str) -> Pod {
    typed(json!({
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": [{"name": "main", "image": image}]},
    }))
}

/// The API server's defaults on a new pod (what kubectl and Go's decoder
/// expect to find).
pub fn default_pod(pod: &mut Pod) {
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".into());
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.security_context.get_or_insert_with(Default::default);
    spec.enable_service_links.get_or_insert(true);
    spec.priority.get_or_insert(0);
    spec.preemption_policy
        .get_or_insert_with(|| "PreemptLowerPriority".into());
    spec.service_account_name
        .get_or_insert_with(|| "default".into());
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        if !tolerations.iter().any(|t| t.key.as_deref() == Some(key)) {
            tolerations.push(Toleration {
                key: Some(key.into()),
                operator: Some("Exists".into()),
                effect: Some("NoExecute".into()),
                toleration_seconds: Some(300),
                value: None,
            });
        }
    }
    let containers = spec
        .init_containers
        .iter_mut()
        .flatten()
        .chain(spec.containers.iter_mut());
    for c in containers {
        let image = c.image.clone().unwrap_or_default();
        let tag = image.rsplit('/').next().unwrap_or_default();
        let policy = if tag.contains(':') && !tag.ends_with(":latest") {
            "IfNotPresent"
        } else {
            "Always"
        };
        c.image_pull_policy.get_or_insert_with(|| policy.into());
        c.termination_message_path
            .get_or_insert_with(|| "/dev/termination-log".into());
        c.termination_message_policy
            .get_or_insert_with(|| "File".into());
        for port in c.ports.iter_mut().flatten() {
            port.protocol.get_or_insert_with(|| "TCP".into());
        }
        let resources = c.resources.get_or_insert_with(Default::default);
        if let Some(limits) = resources.limits.clone() {
            let requests = resources.requests.get_or_insert_with(BTreeMap::new);
            for (k, v) in limits {
                requests.entry(k).or_insert(v);
            }
        }
    }
    let qos = qos_class(pod);
    let status = pod.status.get_or_insert_with(Default::default);
    status.phase.get_or_insert_with(|| "Pending".into());
    status.qos_class.get_or_insert(qos);
}

fn qos_class(pod: &Pod) -> String {
    let Some(spec) = &pod.spec else {
        return "BestEffort".into();
    };
    let all: Vec<_> = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .collect();
    let any = all.iter().any(|c| {
        c.resources.as_ref().is_some_and(|r| {
            r.requests.as_ref().is_some_and(|m| !m.is_empty())
                || r.limits.as_ref().is_some_and(|m| !m.is_empty())
        })
    });
    if !any {
        return "BestEffort".into();
    }
    let guaranteed = all.iter().all(|c| {
        let Some(r) = &c.resources else { return false };
        ["cpu", "memory"].iter().all(|k| {
            let l: Option<&Quantity> = r.limits.as_ref().and_then(|m| m.get(*k));
            let q: Option<&Quantity> = r.requests.as_ref().and_then(|m| m.get(*k));
            l.is_some() && l == q
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
    .into()
}

/// The API server's defaults on a new Service: type, cluster IP, port
/// protocol and targetPort, node ports.
pub fn default_service(service: &mut Service, serial: u64) {
    let Some(spec) = service.spec.as_mut() else {
        return;
    };
    let typ = spec.type_.get_or_insert_with(|| "ClusterIP".into()).clone();
    spec.session_affinity.get_or_insert_with(|| "None".into());
    spec.ip_families.get_or_insert_with(|| vec!["IPv4".into()]);
    spec.ip_family_policy
        .get_or_insert_with(|| "SingleStack".into());
    spec.internal_traffic_policy
        .get_or_insert_with(|| "Cluster".into());
    if spec.cluster_ip.is_none() {
        spec.cluster_ip = Some(format!("10.96.{}.{}", serial / 250 % 250, 1 + serial % 250));
    }
    spec.cluster_ips = spec.cluster_ip.clone().map(|ip| vec![ip]);
    for (i, port) in spec.ports.iter_mut().flatten().enumerate() {
        port.protocol.get_or_insert_with(|| "TCP".into());
        if port.target_port.is_none() {
            port.target_port =
                Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(port.port));
        }
        if (typ == "NodePort" || typ == "LoadBalancer") && port.node_port.is_none() {
            port.node_port = Some(30000 + ((serial as i32 * 7 + i as i32) % 2768));
        }
    }
    if typ == "NodePort" || typ == "LoadBalancer" {
        spec.external_traffic_policy
            .get_or_insert_with(|| "Cluster".into());
    }
}

/// A taint as k8s-openapi has it.
pub fn taint(key: &str, value: &str, effect: &str) -> Taint {
    Taint {
        key: key.into(),
        value: (!value.is_empty()).then(|| value.to_string()),
        effect: effect.into(),
        time_added: None,
    }
}
