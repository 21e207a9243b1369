//! Supervision on a Kubernetes cluster through the real `zoe` binary
//! against the fake API server: essential pods that die or are deleted
//! from outside end their execution within seconds, by a long-running
//! `zoe supervise` and by `zoe supervise --once` passes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/fake_kube/mod.rs"]
mod fake_kube;
#[path = "support/kube_console.rs"]
mod kube_console;

use std::time::{Duration, Instant};

use fake_kube::{Outcome, node};
use kube_console::Cluster;

/// Within this long of an essential's death, its execution has ended.
const ENDS_WITHIN: Duration = Duration::from_secs(5);

/// Waits until `zoe supervise` (running beside) deleted every other pod of
/// the execution: it ended it by itself, within `ENDS_WITHIN` of `since`.
fn ended_by_supervise(c: &Cluster, id: &str, dead: &str, since: Instant) {
    let until = since + ENDS_WITHIN;
    loop {
        let left: Vec<String> = c
            .pods_of(id)
            .into_iter()
            .filter(|p| p != dead)
            .filter(|p| {
                c.fake
                    .pod("zapps", p)
                    .is_some_and(|p| p.metadata.deletion_timestamp.is_none())
            })
            .collect();
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < until,
            "{:?} after the death of {dead}, still running: {left:?}",
            since.elapsed()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs `zoe supervise --once` until the record ended, at most
/// `ENDS_WITHIN` after `since`; the record's reason.
fn ended_by_passes(c: &Cluster, id: &str, since: Instant) -> String {
    loop {
        c.ok(&["supervise", "--once"]);
        let record = c.record(id);
        if record["status"] != "running" && record["status"] != "starting" {
            assert_eq!(record["status"], "error", "{record}");
            return record["reason"].as_str().unwrap().to_string();
        }
        assert!(
            since.elapsed() < ENDS_WITHIN,
            "still {record} {:?} after the death",
            since.elapsed()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_failed_essential_pod_ends_its_execution_under_a_running_supervise() {
    let (c, id) = Cluster::master_workers();
    let supervise = c.spawn("supervise", &["supervise", "--interval", "60"]);
    // its first pass is over when it printed nothing and the pods still run
    std::thread::sleep(Duration::from_secs(2));
    let worker = c.pod_of(&id, "worker1");
    let since = Instant::now();
    c.fake
        .finish_pod("zapps", &worker, Outcome::Failed(3))
        .unwrap();
    ended_by_supervise(&c, &id, &worker, since);
    let record = c.record(&id);
    assert_eq!(record["status"], "error", "{record}");
    assert_eq!(
        record["reason"], "Essential service worker1 died: it exited with code 3",
        "{record}"
    );
    // it says so once the pods it stops are gone
    let until = Instant::now() + ENDS_WITHIN;
    while !supervise.output().contains("worker1 died") {
        assert!(Instant::now() < until, "{}", supervise.output());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_oom_killed_essential_pod_ends_its_execution_by_supervise_passes() {
    let (c, id) = Cluster::master_workers();
    let master = c.pod_of(&id, "master0");
    let since = Instant::now();
    c.fake
        .finish_pod("zapps", &master, Outcome::OomKilled)
        .unwrap();
    let reason = ended_by_passes(&c, &id, since);
    assert_eq!(
        reason,
        "Essential service master0 died: it was killed for using too much memory"
    );
    // the other pods were deleted by the passes
    c.wait("the other pods gone", ENDS_WITHIN, |f| {
        f.pods().iter().all(|p| {
            p.metadata.name.as_deref() == Some(master.as_str())
                || p.metadata.deletion_timestamp.is_some()
        })
    });
}

#[test]
fn kubectl_delete_pod_ends_its_execution_under_a_running_supervise() {
    let (c, id) = Cluster::master_workers();
    let supervise = c.spawn("supervise", &["supervise", "--interval", "60"]);
    std::thread::sleep(Duration::from_secs(2));
    let worker = c.pod_of(&id, "worker0");
    let since = Instant::now();
    // graceful: Terminating first, gone 300 ms later (the fake's kubelet)
    c.kubectl(&["delete", "pod", "-n", "zapps", &worker, "--wait=false"]);
    ended_by_supervise(&c, &id, &worker, since);
    let record = c.record(&id);
    assert_eq!(
        record["reason"], "Essential service worker0 died: it was removed",
        "{record}"
    );
    drop(supervise);
}

#[test]
fn a_pod_deleted_at_once_ends_its_execution_under_a_running_supervise() {
    let (c, id) = Cluster::master_workers();
    let supervise = c.spawn("supervise", &["supervise", "--interval", "60"]);
    std::thread::sleep(Duration::from_secs(2));
    let worker = c.pod_of(&id, "extra-worker0");
    let since = Instant::now();
    // no Terminating phase: the watcher sees only the DELETED event
    c.fake.delete_pod("zapps", &worker).unwrap();
    ended_by_supervise(&c, &id, &worker, since);
    let record = c.record(&id);
    assert_eq!(
        record["reason"], "Essential service extra-worker0 died: it was removed",
        "{record}"
    );
    drop(supervise);
}

#[test]
fn a_pod_already_gone_at_the_next_look_ends_its_execution_by_supervise_passes() {
    let (c, id) = Cluster::master_workers();
    let worker = c.pod_of(&id, "worker1");
    // gone while no console ran: no event of it is ever seen
    let since = Instant::now();
    c.fake.delete_pod("zapps", &worker).unwrap();
    let reason = ended_by_passes(&c, &id, since);
    assert!(reason.contains("vanished"), "{reason}");
}

#[test]
fn idle_watchers_ask_little_and_see_changes_after_a_relist() {
    let (c, id) = Cluster::master_workers();
    // a pass every second: passes read the watchers' stores, not the server
    let supervise = c.spawn("supervise", &["supervise", "--interval", "1"]);
    std::thread::sleep(Duration::from_secs(3));
    c.fake.clear_requests();
    std::thread::sleep(Duration::from_secs(10));
    let requests = c.fake.requests();
    let mut by_path: std::collections::BTreeMap<String, usize> = Default::default();
    for r in &requests {
        *by_path
            .entry(format!("{} {}", r.method, r.path))
            .or_default() += 1;
    }
    assert!(
        by_path.values().all(|n| *n <= 2),
        "idle for 10 s, at most 2 requests per watcher: {by_path:?}"
    );
    assert!(
        by_path.len() <= 4,
        "nothing but the 4 watchers asks: {by_path:?}"
    );
    // a change only the node watcher sees, the history forgotten and every
    // watch cut: the three pod and Service watchers resume from before it,
    // get 410 Expired and list again
    let before = c.fake.requests().len();
    c.fake.add_node(node("n3").cpu("4").memory("8Gi"));
    std::thread::sleep(Duration::from_millis(300));
    c.fake.compact();
    c.fake.cut_watches();
    c.wait("the watchers relisting", Duration::from_secs(10), |f| {
        f.requests()[before..]
            .iter()
            .filter(|r| !r.watch && r.method == "GET")
            .count()
            >= 3
    });
    std::thread::sleep(Duration::from_secs(2));
    // ...and still see what changes afterwards
    let master = c.pod_of(&id, "master0");
    let since = Instant::now();
    c.fake
        .finish_pod("zapps", &master, Outcome::Failed(2))
        .unwrap();
    ended_by_supervise(&c, &id, &master, since);
    assert_eq!(
        c.record(&id)["reason"],
        "Essential service master0 died: it exited with code 2"
    );
    drop(supervise);
}
