//! Reconcile on a Kubernetes cluster through the real `zoe` binary against
//! the fake API server: records whose pods all vanished are closed, orphan
//! Services (ours, selecting no pod, old enough) are removed, and an
//! elastic pod the scheduler cannot place is deleted and placed again
//! later by supervision.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/fake_kube/mod.rs"]
mod fake_kube;
#[path = "support/kube_console.rs"]
mod kube_console;

use std::time::Duration;

use fake_kube::Outcome;
use kube_console::Cluster;
use zoe_console::backend::kube::tidy::ORPHAN_SERVICE_AGE;

fn service_names(c: &Cluster) -> Vec<String> {
    let mut names: Vec<String> = c
        .fake
        .services()
        .into_iter()
        .map(|s| s.metadata.name.unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_record_whose_pods_all_vanished_is_closed_and_its_old_services_removed() {
    let (c, id) = Cluster::master_workers();
    let other = c.start(&["web-hello-0", "--name", "w"]);
    c.wait_running();
    let services = service_names(&c);
    let of_other: Vec<String> = c
        .fake
        .services()
        .into_iter()
        .filter(|s| s.metadata.labels.as_ref().unwrap()["zoe_execution_id"] == other)
        .map(|s| s.metadata.name.unwrap())
        .collect();
    assert!(!of_other.is_empty());
    // every pod of `mw` deleted while no console runs (no garbage
    // collector in the fake: their Services stay)
    for pod in c.pods_of(&id) {
        c.fake.delete_pod("zapps", &pod).unwrap();
    }
    std::thread::sleep(Duration::from_secs(2));
    let record = c.record(&id);
    assert_eq!(record["status"], "error", "{record}");
    assert_eq!(
        record["reason"], "its containers vanished from the cluster",
        "{record}"
    );
    assert_eq!(c.record(&other)["status"], "running");
    // young orphans are kept (a launch may be between its pod and its
    // Services)
    assert_eq!(service_names(&c), services);
    // older than the longest launch step: removed; not those of `w`, however old
    for name in &services {
        c.fake
            .backdate_service("zapps", name, ORPHAN_SERVICE_AGE + Duration::from_secs(1))
            .unwrap();
    }
    c.ok(&["supervise", "--once"]);
    c.wait("only the Services of w", Duration::from_secs(5), |f| {
        let mut left: Vec<String> = f
            .services()
            .into_iter()
            .map(|s| s.metadata.name.unwrap())
            .collect();
        left.sort();
        let mut expected = of_other.clone();
        expected.sort();
        left == expected
    });
    assert!(
        c.kubectl(&["get", "svc", "-n", "zapps", "-o", "name"])
            .lines()
            .count()
            == of_other.len()
    );
}

#[test]
fn an_elastic_pod_the_scheduler_cannot_place_is_deleted_and_placed_again_later() {
    let (c, id) = Cluster::master_workers();
    let elastic = c.pod_of(&id, "extra-worker2");
    // the scheduler stops placing anything; the elastic worker fails
    c.fake.set_scheduler(false);
    c.fake
        .finish_pod("zapps", &elastic, Outcome::Failed(1))
        .unwrap();
    // a pass removes it and makes it again (console sees room): pending
    c.ok(&["supervise", "--once"]);
    let pending = c.fake.pod("zapps", &elastic).expect("made again");
    assert!(pending.spec.as_ref().unwrap().node_name.is_none());
    // past the target's unschedulable timeout (3 s): a look deletes it
    std::thread::sleep(Duration::from_secs(4));
    c.ok(&["ps"]);
    c.wait(
        "the pending elastic pod deleted",
        Duration::from_secs(5),
        |f| {
            f.pod("zapps", &elastic)
                .is_none_or(|p| p.metadata.uid != pending.metadata.uid)
        },
    );
    assert!(
        c.fake.pod("zapps", &elastic).is_none(),
        "not made again by a look that does not supervise"
    );
    // room again: supervision places it
    c.fake.set_scheduler(true);
    c.ok(&["supervise", "--once"]);
    c.wait("the elastic worker running", Duration::from_secs(10), |f| {
        f.pod("zapps", &elastic)
            .is_some_and(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
    });
    assert_eq!(c.record(&id)["status"], "running");
}

/// A record does not say which namespace its pods are in: a look in
/// another namespace (`-n`) is another target (`fake@other`), whose nodes
/// are other hosts, so it does not find the first namespace's executions
/// gone and close them while their pods run.
#[test]
fn a_look_in_another_namespace_closes_nothing_of_the_first() {
    let c = Cluster::two_nodes();
    c.fake.add_namespace("other");
    let id = c.start(&["web-hello-0", "--name", "w"]);
    c.wait_running();
    let pods = c.pods_of(&id);
    assert!(!pods.is_empty());
    // a look begun in a later second than the launch judges it
    std::thread::sleep(Duration::from_millis(1100));
    for args in [&["ps", "-n", "other"][..], &["ps", "-a", "-n", "other"]] {
        c.ok(args);
        let record = c.record(&id);
        assert_eq!(record["status"], "running", "after zoe {args:?}: {record}");
    }
    let nodes = c.json(&["nodes", "-n", "other"]);
    assert!(nodes.to_string().contains("fake@other/n1"), "{nodes}");
    c.ok(&["supervise", "--once", "-n", "other"]);
    assert_eq!(c.record(&id)["status"], "running");
    assert_eq!(c.pods_of(&id), pods, "its pods still exist");
    let ps = c.json(&["ps"]);
    assert!(
        ps.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id && r["status"] == "running"),
        "{ps}"
    );
    // with no -n, the plain name (the entry sets no namespace: even
    // `-n zapps`, its context's, is named `fake@zapps`, on the safe side)
    let nodes = c.json(&["nodes"]);
    assert!(nodes.to_string().contains("\"fake/n1\""), "{nodes}");
}

/// `--context NAME` with no cluster in the settings: a target named after
/// the context (its nodes `fake/n1`); with `-n` beside it, `fake@other`.
#[test]
fn a_context_alone_names_the_target_and_a_namespace_beside_it_too() {
    let c = Cluster::two_nodes();
    c.fake.add_namespace("other");
    std::fs::write(
        c.dir.path().join("config/zoe/config.toml"),
        "deployment_name = \"kt\"\n",
    )
    .unwrap();
    let nodes = c.json(&["--context", "fake", "nodes"]);
    assert!(nodes.to_string().contains("\"fake/n1\""), "{nodes}");
    let nodes = c.json(&["--context", "fake", "-n", "other", "nodes"]);
    assert!(nodes.to_string().contains("\"fake@other/n1\""), "{nodes}");
}

/// A launch whose console was killed is cleaned up where it was placed:
/// a look in another namespace cannot reach those nodes, so it neither
/// finds nothing there nor closes the record while its pods are left.
#[test]
fn an_interrupted_launch_is_not_closed_by_a_look_in_another_namespace() {
    let c = Cluster::two_nodes();
    c.fake.add_namespace("other");
    c.fake.set_scheduler(false);
    let mut launch = c.spawn("start", &["start", "web-hello-0", "--name", "w"]);
    c.wait("a pending pod", Duration::from_secs(10), |f| {
        !f.pods().is_empty()
    });
    launch.child.kill().unwrap();
    launch.child.wait().unwrap();
    let id = c.fake.pods()[0].metadata.labels.as_ref().unwrap()["zoe_execution_id"].clone();
    std::thread::sleep(Duration::from_millis(1100));
    assert!(!c.pods_of(&id).is_empty(), "its pod is left before");
    for _ in 0..3 {
        c.ok(&["supervise", "--once", "-n", "other"]);
        std::thread::sleep(Duration::from_millis(500));
    }
    // (`c.record` would look in the namespace it was launched in)
    let ps = c.json(&["ps", "-a", "-n", "other"]);
    let record = ps
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap();
    assert!(!c.pods_of(&id).is_empty(), "its pod is left: {record}");
    assert!(
        ["starting", "cleaning up", "submitted"].contains(&record["status"].as_str().unwrap()),
        "not closed while its pod is left: {record}"
    );
    // where it was placed: cleaned up and closed
    c.ok(&["supervise", "--once"]);
    c.wait("its pod gone", Duration::from_secs(10), |_| {
        c.pods_of(&id).is_empty()
    });
    let record = c.record(&id);
    assert_eq!(record["status"], "error", "{record}");
}
