//! Foreign objects on a cluster through the real `zoe` binary against the
//! fake API server: pods and Services that carry an execution's labels but
//! were not made by this deployment (no or a wrong signature, another name)
//! are shown by `zoe ps --foreign`, reserve no room, and survive `zoe
//! kill` and the tidying of looks and supervision passes, as on Docker.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/fake_kube/mod.rs"]
mod fake_kube;
#[path = "support/kube_console.rs"]
mod kube_console;

use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube_console::Cluster;
use serde_json::Value;
use zoe_console::backend::kube::tidy::ORPHAN_SERVICE_AGE;

const SIGNATURE: &str = "org.zoe-console.signature";

/// A copy of `pod` under `name`, as another client would make it: its
/// labels and annotations kept, its signature dropped, not bound yet.
fn foreign_pod(pod: &Pod, name: &str) -> Pod {
    let mut copy = Pod {
        metadata: pod.metadata.clone(),
        spec: pod.spec.clone(),
        status: None,
    };
    copy.metadata.name = Some(name.into());
    copy.metadata.uid = None;
    copy.metadata.resource_version = None;
    copy.metadata.creation_timestamp = None;
    if let Some(notes) = copy.metadata.annotations.as_mut() {
        notes.remove(SIGNATURE);
    }
    if let Some(spec) = copy.spec.as_mut() {
        spec.node_name = None;
    }
    copy
}

/// A copy of `service` under `name` selecting no pod, owned by nobody;
/// its signature kept or dropped.
fn foreign_service(service: &Service, name: &str, keep_signature: bool) -> Service {
    let mut copy = Service {
        metadata: service.metadata.clone(),
        spec: service.spec.clone(),
        status: None,
    };
    copy.metadata.name = Some(name.into());
    copy.metadata.uid = None;
    copy.metadata.resource_version = None;
    copy.metadata.creation_timestamp = None;
    copy.metadata.owner_references = None;
    if !keep_signature && let Some(notes) = copy.metadata.annotations.as_mut() {
        notes.remove(SIGNATURE);
    }
    if let Some(spec) = copy.spec.as_mut() {
        spec.cluster_ip = None;
        spec.cluster_ips = None;
        spec.selector = Some([("app".to_string(), "nothing".to_string())].into());
    }
    copy
}

fn n1(nodes: &Value) -> &Value {
    nodes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "fake/n1")
        .unwrap()
}

fn alive(c: &Cluster, pod: &str) -> bool {
    c.fake
        .pod("zapps", pod)
        .is_some_and(|p| p.metadata.deletion_timestamp.is_none())
}

fn service_there(c: &Cluster, name: &str) -> bool {
    c.fake
        .services()
        .iter()
        .any(|s| s.metadata.name.as_deref() == Some(name))
}

#[test]
fn foreign_pods_and_services_of_an_execution_are_shown_never_counted_nor_removed() {
    let c = Cluster::new("");
    c.fake
        .add_node(fake_kube::node("n1").cpu("8").memory("16Gi"));
    let id = c.start(&["web-hello-0", "--name", "w"]);
    c.wait_running();
    let ours = c.pods_of(&id);
    assert_eq!(ours.len(), 1, "{ours:?}");
    let pod = c.fake.pod("zapps", &ours[0]).unwrap();
    let headless = c
        .fake
        .services()
        .into_iter()
        .find(|s| s.metadata.name.as_deref() == Some(ours[0].as_str()))
        .unwrap();
    assert!(
        headless.metadata.annotations.as_ref().unwrap()[SIGNATURE].len() == 64,
        "our Services are signed"
    );
    let before = c.json(&["nodes"]);

    // a running copy of our pod's labels on n1, with its own requests
    let mut running = foreign_pod(&pod, "intruder");
    running.spec.as_mut().unwrap().node_name = Some("n1".into());
    let resources = running.spec.as_mut().unwrap().containers[0]
        .resources
        .get_or_insert_default();
    for list in [&mut resources.requests, &mut resources.limits] {
        *list = Some(
            [
                ("cpu".to_string(), Quantity("2".into())),
                ("memory".to_string(), Quantity("1Gi".into())),
            ]
            .into(),
        );
    }
    c.fake.add_pod(running);
    // an elastic copy the scheduler cannot place
    let mut stuck = foreign_pod(&pod, "stuck");
    stuck
        .metadata
        .labels
        .as_mut()
        .unwrap()
        .insert("org.zoe-console.essential".into(), "false".into());
    let resources = stuck.spec.as_mut().unwrap().containers[0]
        .resources
        .get_or_insert_default();
    for list in [&mut resources.requests, &mut resources.limits] {
        *list = Some([("cpu".to_string(), Quantity("100".into()))].into());
    }
    c.fake.add_pod(stuck);
    // Services with the execution's labels selecting no pod: unsigned, and
    // signed but under another name
    c.fake
        .add_service(foreign_service(&headless, "unsigned", false));
    c.fake
        .add_service(foreign_service(&headless, "renamed", true));
    c.wait("the intruder running", Duration::from_secs(10), |f| {
        f.pod("zapps", "intruder")
            .and_then(|p| p.status?.phase)
            .as_deref()
            == Some("Running")
    });

    // shown as foreign
    let foreign = c.json(&["ps", "--foreign"]);
    let text = foreign.to_string();
    assert!(
        text.contains("intruder") && text.contains("stuck"),
        "{foreign}"
    );
    let table = c.ok(&["ps", "--foreign"]);
    assert!(table.contains("intruder"), "{table}");

    // requested by all, reserved by none of ours
    let after = c.json(&["nodes"]);
    assert_eq!(
        n1(&after)["memory_reserved"],
        n1(&before)["memory_reserved"],
        "{after}"
    );
    assert_eq!(
        n1(&after)["memory_requested"].as_u64().unwrap(),
        n1(&before)["memory_requested"].as_u64().unwrap() + (1 << 30),
        "{after}"
    );

    // past the unschedulable timeout (3 s) and the orphan age: a look and
    // a supervision pass tidy nothing foreign
    for name in ["unsigned", "renamed"] {
        c.fake
            .backdate_service("zapps", name, ORPHAN_SERVICE_AGE + Duration::from_secs(1))
            .unwrap();
    }
    std::thread::sleep(Duration::from_secs(4));
    let pending = c.fake.pod("zapps", "stuck").unwrap();
    assert!(
        pending.spec.unwrap().node_name.is_none(),
        "stuck is unbound"
    );
    c.ok(&["ps"]);
    c.ok(&["supervise", "--once"]);
    std::thread::sleep(Duration::from_millis(500));
    for name in ["intruder", "stuck"] {
        assert!(alive(&c, name), "{name} removed by tidying");
    }
    for name in ["unsigned", "renamed"] {
        assert!(service_there(&c, name), "{name} removed by tidying");
    }

    // kill removes ours (one by one: a foreign pod shares the selector),
    // leaves the foreign ones, and the record closes
    c.fake.clear_requests();
    c.ok(&["kill", &id]);
    let requests = c.fake.requests();
    assert!(
        !requests
            .iter()
            .any(|r| r.method == "DELETE" && r.path == "/api/v1/namespaces/zapps/pods"),
        "no collection delete: {requests:?}"
    );
    c.wait("our pod gone", Duration::from_secs(20), |f| {
        f.pod("zapps", &ours[0]).is_none()
    });
    assert!(!service_there(&c, &ours[0]), "our Service removed");
    for name in ["intruder", "stuck"] {
        assert!(alive(&c, name), "{name} removed by kill");
    }
    for name in ["unsigned", "renamed"] {
        assert!(service_there(&c, name), "{name} removed by kill");
    }
    assert_eq!(c.record(&id)["status"], "terminated");
    let foreign = c.json(&["ps", "--foreign"]).to_string();
    assert!(foreign.contains("intruder"), "{foreign}");
}
