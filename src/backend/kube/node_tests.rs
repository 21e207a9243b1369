use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, NodeAddress, NodeCondition, NodeSpec, NodeStatus, PodSpec, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use super::*;
use crate::backend::kube::requests::tests::container;

fn quantities(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, Quantity>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
            .collect(),
    )
}

fn ready(status: &str, reason: Option<&str>, message: Option<&str>) -> NodeCondition {
    NodeCondition {
        type_: "Ready".into(),
        status: status.into(),
        reason: reason.map(str::to_string),
        message: message.map(str::to_string),
        last_heartbeat_time: "2024-05-01T10:00:00Z".parse().ok().map(Time),
        ..Default::default()
    }
}

fn node(name: &str) -> Node {
    Node {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(
                [
                    ("kubernetes.io/hostname", name),
                    ("node-role.kubernetes.io/worker", ""),
                    ("gpu", "a100"),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ),
            ..Default::default()
        },
        spec: Some(NodeSpec::default()),
        status: Some(NodeStatus {
            allocatable: quantities(&[("cpu", "3900m"), ("memory", "32817048Ki"), ("pods", "110")]),
            capacity: quantities(&[("cpu", "4"), ("memory", "32919448Ki"), ("pods", "110")]),
            conditions: Some(vec![ready("True", Some("KubeletReady"), None)]),
            addresses: Some(vec![
                NodeAddress {
                    type_: "Hostname".into(),
                    address: name.into(),
                },
                NodeAddress {
                    type_: "InternalIP".into(),
                    address: "10.0.0.5".into(),
                },
            ]),
            ..Default::default()
        }),
    }
}

fn taint(key: &str, value: Option<&str>, effect: &str) -> Taint {
    Taint {
        key: key.into(),
        value: value.map(str::to_string),
        effect: effect.into(),
        ..Default::default()
    }
}

fn toleration(
    key: Option<&str>,
    operator: &str,
    value: Option<&str>,
    effect: Option<&str>,
) -> Toleration {
    Toleration {
        key: key.map(str::to_string),
        operator: operator.into(),
        value: value.map(str::to_string),
        effect: effect.map(str::to_string),
    }
}

fn with_taints(mut n: Node, taints: Vec<Taint>) -> Node {
    if let Some(spec) = n.spec.as_mut() {
        spec.taints = Some(taints);
    }
    n
}

#[test]
fn allocatable_room_is_read_with_the_full_grammar() {
    let (room, problems) = allocatable(&node("n1"));
    assert!(problems.is_empty());
    assert_eq!(
        room,
        Allocatable {
            cpu_millis: 3900,
            memory: 32817048 * 1024,
            pods: 110
        }
    );
    // no allocatable: the capacity
    let mut n = node("n1");
    if let Some(s) = n.status.as_mut() {
        s.allocatable = None;
    }
    assert_eq!(allocatable(&n).0.cpu_millis, 4000);
    // a quantity that does not parse counts 0 and is said
    if let Some(s) = n.status.as_mut() {
        s.allocatable = quantities(&[("cpu", "lots"), ("memory", "1Gi")]);
    }
    let (room, problems) = allocatable(&n);
    assert_eq!((room.cpu_millis, room.memory, room.pods), (0, 1 << 30, 110));
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].contains("allocatable cpu: `lots`"),
        "{problems:?}"
    );
}

#[test]
fn readiness_says_why_not() {
    assert_eq!(not_ready(&node("n1")), None);
    let mut n = node("n1");
    let set = |n: &mut Node, c: Vec<NodeCondition>| {
        if let Some(s) = n.status.as_mut() {
            s.conditions = Some(c);
        }
    };
    set(
        &mut n,
        vec![ready(
            "False",
            Some("KubeletNotReady"),
            Some("PLEG is not healthy"),
        )],
    );
    assert_eq!(
        not_ready(&n).as_deref(),
        Some("NotReady: KubeletNotReady PLEG is not healthy")
    );
    set(
        &mut n,
        vec![ready("Unknown", Some("NodeStatusUnknown"), None)],
    );
    assert_eq!(
        not_ready(&n).as_deref(),
        Some("kubelet not reporting since 2024-05-01T10:00:00Z")
    );
    set(&mut n, vec![]);
    assert!(not_ready(&n).unwrap().starts_with("NotReady"));
    assert_eq!(unschedulable(&n, &[]), not_ready(&n));
}

#[test]
fn tolerations_match_as_kubernetes_matches_them() {
    let t = taint("dedicated", Some("gpu"), "NoSchedule");
    let yes = [
        toleration(Some("dedicated"), "Equal", Some("gpu"), Some("NoSchedule")),
        toleration(Some("dedicated"), "", Some("gpu"), None),
        toleration(Some("dedicated"), "Exists", None, None),
        toleration(Some("dedicated"), "Exists", None, Some("NoSchedule")),
        toleration(None, "Exists", None, None),
        toleration(Some(""), "Exists", None, Some("")),
    ];
    for tol in &yes {
        assert!(tolerates(tol, &t), "{tol:?}");
    }
    let no = [
        toleration(Some("dedicated"), "Equal", Some("cpu"), None),
        toleration(Some("dedicated"), "Equal", None, None),
        toleration(Some("other"), "Exists", None, None),
        toleration(Some("dedicated"), "Exists", None, Some("NoExecute")),
        toleration(None, "Exists", None, Some("PreferNoSchedule")),
        toleration(Some("dedicated"), "Bogus", Some("gpu"), None),
    ];
    for tol in &no {
        assert!(!tolerates(tol, &t), "{tol:?}");
    }
    // a taint without value matches Equal with no (or an empty) value
    let bare = taint("spot", None, "NoExecute");
    assert!(tolerates(
        &toleration(Some("spot"), "Equal", None, None),
        &bare
    ));
    assert!(tolerates(
        &toleration(Some("spot"), "Equal", Some(""), None),
        &bare
    ));
}

#[test]
fn taints_cordons_and_the_first_reason() {
    let n = with_taints(
        node("n1"),
        vec![
            taint("soft", None, "PreferNoSchedule"),
            taint("dedicated", Some("gpu"), "NoSchedule"),
            taint("spot", None, "NoExecute"),
        ],
    );
    let shown: Vec<String> = taints(&n).iter().map(taint_text).collect();
    assert_eq!(
        shown,
        [
            "soft:PreferNoSchedule",
            "dedicated=gpu:NoSchedule",
            "spot:NoExecute"
        ]
    );
    let keys = |tols: &[Toleration]| -> Vec<String> {
        untolerated(&n, tols)
            .iter()
            .map(|t| t.key.clone())
            .collect()
    };
    assert_eq!(keys(&[]), ["dedicated", "spot"]);
    let gpu = toleration(Some("dedicated"), "Equal", Some("gpu"), Some("NoSchedule"));
    assert_eq!(keys(std::slice::from_ref(&gpu)), ["spot"]);
    assert_eq!(
        unschedulable(&n, &[]).as_deref(),
        Some("tainted dedicated=gpu:NoSchedule (not tolerated)")
    );
    assert_eq!(
        unschedulable(&n, std::slice::from_ref(&gpu)).as_deref(),
        Some("tainted spot:NoExecute (not tolerated)")
    );
    let all = toleration(None, "Exists", None, None);
    assert_eq!(unschedulable(&n, std::slice::from_ref(&all)), None);

    // cordoned: said before the taints, unless its taint is tolerated
    let mut c = with_taints(
        node("n2"),
        vec![
            taint(UNSCHEDULABLE_TAINT, None, "NoSchedule"),
            taint("dedicated", Some("gpu"), "NoSchedule"),
        ],
    );
    if let Some(s) = c.spec.as_mut() {
        s.unschedulable = Some(true);
    }
    assert!(cordoned(&c, &[]));
    assert_eq!(
        unschedulable(&c, &[]).as_deref(),
        Some("cordoned (SchedulingDisabled)")
    );
    let cordon = toleration(Some(UNSCHEDULABLE_TAINT), "Exists", None, None);
    assert!(!cordoned(&c, std::slice::from_ref(&cordon)));
    assert_eq!(unschedulable(&c, &[cordon, gpu]), None, "both tolerated");
    // not ready comes first
    if let Some(s) = c.status.as_mut() {
        s.conditions = Some(vec![ready("False", Some("KubeletNotReady"), None)]);
    }
    assert_eq!(
        unschedulable(&c, &[]).as_deref(),
        Some("NotReady: KubeletNotReady")
    );
}

#[test]
fn labels_roles_and_address() {
    let mut n = node("n1");
    assert_eq!(
        labels(&n),
        [
            "gpu=a100",
            "kubernetes.io/hostname=n1",
            "node-role.kubernetes.io/worker="
        ]
    );
    assert_eq!(
        crate::model::node::placement_labels(&labels(&n)),
        [
            "gpu",
            "gpu=a100",
            "kubernetes.io/hostname",
            "kubernetes.io/hostname=n1",
            "node-role.kubernetes.io/worker",
            "node-role.kubernetes.io/worker="
        ]
    );
    assert_eq!(roles(&n), ["worker"]);
    if let Some(l) = n.metadata.labels.as_mut() {
        l.insert("kubernetes.io/role".into(), "master".into());
        l.insert(
            "node-role.kubernetes.io/control-plane".into(),
            String::new(),
        );
        l.insert("node-role.kubernetes.io/master".into(), String::new());
    }
    assert_eq!(roles(&n), ["control-plane", "master", "worker"]);
    assert_eq!(address(&n), "10.0.0.5");
    if let Some(s) = n.status.as_mut()
        && let Some(a) = s.addresses.as_mut()
    {
        a.push(NodeAddress {
            type_: "ExternalIP".into(),
            address: "203.0.113.7".into(),
        });
    }
    assert_eq!(address(&n), "203.0.113.7");
    if let Some(s) = n.status.as_mut() {
        s.addresses = Some(vec![NodeAddress {
            type_: "Hostname".into(),
            address: "n1.local".into(),
        }]);
    }
    assert_eq!(address(&n), "n1.local");
    assert_eq!(address(&Node::default()), "");
}

fn pod(
    name: &str,
    ns: &str,
    node: &str,
    phase: &str,
    containers: Vec<Container>,
    ours: bool,
) -> Pod {
    let labels = ours.then(|| {
        [(TYPE, TYPE_APP_SERVICE), (DEPLOYMENT, "prod")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    });
    Pod {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(ns.into()),
            labels,
            ..Default::default()
        },
        spec: Some(PodSpec {
            node_name: Some(node.into()),
            containers,
            ..Default::default()
        }),
        status: Some(PodStatus {
            phase: Some(phase.into()),
            ..Default::default()
        }),
    }
}

fn key() -> DeploymentKey {
    DeploymentKey::from_bytes([5; 32])
}

/// A pod of `prod` on n1 as the console makes it: `instance`'s labels
/// (of the demo execution `abc123`), signed with `key()`.
fn signed_pod(instance: &str, phase: &str, containers: Vec<Container>) -> Pod {
    use crate::backend::labels::container_labels;
    let (description, instances) = crate::backend::labels::tests::demo();
    let mut i = instances[0].clone();
    i.name = instance.into();
    i.dns_name = format!("{instance}-abc123-prod");
    let mut labels = container_labels(
        &crate::backend::labels::tests::demo_execution(&description),
        &i,
    );
    crate::backend::signature::sign_container(&key(), &mut labels);
    let mut pod = pod(&i.dns_name, "zapps", "n1", phase, containers, false);
    pod.metadata.labels = Some(labels.into_iter().collect());
    pod
}

#[test]
fn a_snapshot_splits_requests_into_all_pods_and_ours() {
    let n = with_taints(node("n1"), vec![taint("spot", None, "NoExecute")]);
    let c = |cpu: &str, mem: &str| vec![container("c", Some(cpu), Some(mem))];
    let pods = [
        pod("web", "other", "n1", "Running", c("500m", "1Gi"), false),
        signed_pod("w0", "Running", c("1", "2Gi")),
        signed_pod("w1", "Pending", c("250m", "512Mi")),
        signed_pod("done", "Succeeded", c("4", "8Gi")),
        // our labels without a signature: requested, not reserved
        pod("copy", "zapps", "n1", "Running", c("2", "1Gi"), true),
        pod("failed", "other", "n1", "Failed", c("4", "8Gi"), false),
        pod("elsewhere", "other", "n2", "Running", c("4", "8Gi"), false),
        pod("broken", "other", "n1", "Running", c("one", "1Gi"), false),
    ];
    let refs: Vec<&Pod> = pods.iter().collect();
    let s = node_snapshot("prod-cluster", &n, &refs, "prod", &key(), &[], Vec::new());
    assert_eq!(s.name, "prod-cluster/n1");
    assert_eq!(s.target, "prod-cluster");
    assert_eq!(s.domain, "prod-cluster");
    assert_eq!(s.address, "10.0.0.5");
    assert_eq!(s.external_address, "10.0.0.5");
    assert!(s.is_online());
    assert_eq!(s.cores_total, 3.9);
    assert_eq!(s.memory_total, 32817048 * 1024);
    assert_eq!(s.cores_reserved, 1.25);
    assert_eq!(s.memory_reserved, (2 << 30) + (512 << 20));
    assert_eq!(s.cores_allocated, s.cores_reserved);
    assert_eq!(s.memory_allocated, s.memory_reserved);
    assert_eq!(s.detail.cores_requested, Some(3.75));
    assert_eq!(s.detail.memory_requested, Some((4 << 30) + (512 << 20)));
    assert_eq!(s.container_count, 5, "web, w0, w1, copy and broken");
    // signed with another key: not ours either
    let other = node_snapshot(
        "prod-cluster",
        &n,
        &refs,
        "prod",
        &DeploymentKey::from_bytes([6; 32]),
        &[],
        Vec::new(),
    );
    assert_eq!(other.memory_reserved, 0);
    assert_eq!(other.detail.cores_requested, Some(3.75));
    assert_eq!(s.detail.max_workloads, Some(110));
    assert!(s.detail.memory_fills && s.detail.pulls_images);
    assert!(s.images.is_empty());
    assert_eq!(
        s.detail.unschedulable.as_deref(),
        Some("tainted spot:NoExecute (not tolerated)")
    );
    assert_eq!(s.detail.roles, ["worker"]);
    assert_eq!(s.detail.taints, ["spot:NoExecute"]);
    assert!(s.labels.contains(&"gpu=a100".to_string()));
    assert!(!s.labels.contains(&"gpu".to_string()), "shown as key=value");
    assert!(
        s.placement_view().labels.contains(&"gpu".to_string()),
        "placement also matches the key"
    );
    let partial = s.detail.partial.unwrap();
    assert!(
        partial.starts_with("pod other/broken: spec.containers[0] (c).resources.requests.cpu"),
        "{partial}"
    );
    assert!(partial.ends_with("(counted as 0)"), "{partial}");

    let empty = node_snapshot("c", &node("n1"), &[], "prod", &key(), &[], Vec::new());
    assert_eq!(empty.detail.cores_requested, Some(0.0));
    assert_eq!(empty.detail.partial, None);
    assert_eq!(empty.detail.unschedulable, None);
    assert_eq!(empty.container_count, 0);
}
