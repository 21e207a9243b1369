//! `zoe logs` of a ZApp on a Kubernetes cluster, through the real binary
//! against the fake API server: followed across cut streams while lines
//! keep coming, compared per instance with the fake's ground truth and
//! with kubectl; `--tail`, `--since` and `--timestamps`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/fake_kube/mod.rs"]
mod fake_kube;
#[path = "support/kube_console.rs"]
mod kube_console;

use std::collections::BTreeMap;
use std::time::Duration;

use fake_kube::node;
use k8s_openapi::jiff::Timestamp;
use kube_console::Cluster;

/// The Dask ZApp with one worker: 3 pods (scheduler0, worker0, notebook0);
/// its id and the pod of each instance.
fn three_pods() -> (Cluster, String, BTreeMap<String, String>) {
    let c = Cluster::new("");
    c.fake.add_node(node("n1").cpu("4").memory("8Gi"));
    c.fake.add_node(node("n2").cpu("4").memory("8Gi"));
    let id = c.start(&["dask-0", "--name", "d", "-p", "worker=1"]);
    c.wait_running();
    let pods: BTreeMap<String, String> = c
        .pods_of(&id)
        .into_iter()
        .map(|p| (p[..p.find('-').unwrap()].to_string(), p))
        .collect();
    assert_eq!(pods.len(), 3, "{pods:?}");
    (c, id, pods)
}

/// The fake's ground truth of an instance's log: (timestamp, text).
fn truth(c: &Cluster, pod: &str, instance: &str) -> Vec<(Timestamp, String)> {
    c.fake
        .log_lines("zapps", pod, instance)
        .into_iter()
        .map(|l| (l.at, l.text))
        .collect()
}

/// `zoe logs` output of several instances, split by instance prefix.
fn by_instance(out: &str) -> BTreeMap<String, Vec<String>> {
    let mut split: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in out.lines() {
        let (instance, text) = line
            .split_once(" | ")
            .unwrap_or_else(|| panic!("no prefix: {line:?}"));
        split
            .entry(instance.trim().to_string())
            .or_default()
            .push(text.to_string());
    }
    split
}

fn texts(lines: &[(Timestamp, String)]) -> Vec<String> {
    lines.iter().map(|(_, t)| t.clone()).collect()
}

#[test]
fn following_three_pods_across_cut_streams_loses_and_repeats_nothing() {
    let (c, id, pods) = three_pods();
    for (instance, pod) in &pods {
        c.fake
            .append_log("zapps", pod, instance, "before following");
    }
    c.fake.set_chatter(Some(Duration::from_millis(100)));
    let follow = c.spawn("logs", &["logs", "-f", &id]);
    std::thread::sleep(Duration::from_millis(1500));
    // the streams break mid-way while the containers keep printing
    c.fake.cut_log_streams();
    std::thread::sleep(Duration::from_millis(700));
    for (instance, pod) in &pods {
        c.fake.append_log("zapps", pod, instance, "between cuts");
    }
    c.fake.cut_log_streams();
    std::thread::sleep(Duration::from_millis(1200));
    c.fake.cut_log_streams();
    std::thread::sleep(Duration::from_millis(500));
    c.fake.set_chatter(None);
    // everything printed reaches zoe
    let expected: usize = pods
        .iter()
        .map(|(instance, pod)| truth(&c, pod, instance).len())
        .sum();
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while follow.output().lines().count() < expected && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let out = follow.output();
    drop(follow);
    let printed = by_instance(&out);
    for (instance, pod) in &pods {
        let truth = texts(&truth(&c, pod, instance));
        assert!(truth.len() > 20, "{instance}: chatter went on: {truth:?}");
        assert_eq!(
            printed.get(instance).cloned().unwrap_or_default(),
            truth,
            "{instance}: zoe logs -f printed each line once, in order"
        );
        let kubectl: Vec<String> = c
            .kubectl(&["logs", "-n", "zapps", pod])
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(kubectl, truth, "{instance}: kubectl logs agrees");
    }
}

#[test]
fn tail_since_and_timestamps_match_the_ground_truth() {
    let (c, id, pods) = three_pods();
    for round in 0..3 {
        for (instance, pod) in &pods {
            for n in 0..4 {
                c.fake
                    .append_log("zapps", pod, instance, &format!("round {round} line {n}"));
            }
        }
        std::thread::sleep(Duration::from_millis(1100));
    }
    // --tail N: the last N lines of each
    let printed = by_instance(&c.ok(&["logs", &id, "--tail", "3"]));
    for (instance, pod) in &pods {
        let truth = texts(&truth(&c, pod, instance));
        assert_eq!(printed[instance], truth[truth.len() - 3..], "{instance}");
    }
    // --since a time: the lines at or after it
    let (scheduler, pod) = pods.iter().next().unwrap();
    let all = truth(&c, pod, scheduler);
    let from = all[4].0;
    let since = Timestamp::from_second(from.as_second()).unwrap();
    let printed = by_instance(&c.ok(&["logs", &id, "--since", &since.to_string()]));
    for (instance, pod) in &pods {
        let expected: Vec<String> = truth(&c, pod, instance)
            .into_iter()
            .filter(|(at, _)| *at >= since)
            .map(|(_, t)| t)
            .collect();
        assert_eq!(printed[instance], expected, "{instance} since {since}");
        assert!(expected.len() < 12, "{instance}: some lines are older");
    }
    // --timestamps: each line's own time
    let printed = by_instance(&c.ok(&["logs", &id, "--timestamps"]));
    for (instance, pod) in &pods {
        let shown: Vec<(Timestamp, String)> = printed[instance]
            .iter()
            .map(|l| {
                let (ts, text) = l.split_once(' ').unwrap();
                (ts.parse().unwrap(), text.to_string())
            })
            .collect();
        assert_eq!(shown, truth(&c, pod, instance), "{instance}");
    }
}
