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
