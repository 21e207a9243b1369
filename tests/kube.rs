//! The console on a Kubernetes cluster, through the real `zoe` binary,
//! against the fake API server (tests/support/fake_kube) with kubectl as
//! the independent client. No Docker needed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/fake_kube/mod.rs"]
mod fake_kube;
#[path = "support/kube_console.rs"]
mod kube_console;

use std::time::Duration;

use fake_kube::{FakeKube, Outcome, node};
use k8s_openapi::api::core::v1::Pod;
use kube_console::{Cluster, typed};
use serde_json::{Value, json};

/// A pod bound to `node` with the given requests, in `phase`.
fn bound_pod(ns: &str, name: &str, node: &str, cpu: &str, memory: &str, phase: &str) -> Pod {
    typed(json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "nodeName": node,
            "initContainers": [{"name": "init", "image": "busybox",
                "resources": {"requests": {"cpu": "1", "memory": "64Mi"}}}],
            "containers": [
                {"name": "a", "image": "busybox", "resources": {"requests": {"cpu": cpu, "memory": memory}}},
                {"name": "b", "image": "busybox", "resources": {"limits": {"cpu": "100m", "memory": "32Mi"}}}
            ],
            "overhead": {"cpu": "10m", "memory": "1Mi"}
        },
        "status": {"phase": phase}
    }))
}

/// kubectl describe node's "Allocated resources" requests: (cpu, memory)
/// as printed.
fn allocated(describe: &str) -> (String, String) {
    let at = describe.find("Allocated resources").unwrap();
    let mut cpu = String::new();
    let mut memory = String::new();
    for line in describe[at..].lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.first() {
            Some(&"cpu") if cpu.is_empty() => cpu = words[1].to_string(),
            Some(&"memory") if memory.is_empty() => memory = words[1].to_string(),
            _ => {}
        }
    }
    (cpu, memory)
}

fn quantity_bytes(q: &str) -> u64 {
    zoe_console::backend::kube::quantity::bytes(q).unwrap()
}

fn quantity_millis(q: &str) -> u64 {
    zoe_console::backend::kube::quantity::cpu_millis(q).unwrap()
}

/// n2 cordoned, n3 NotReady, n4 tainted `dedicated=gpu:NoSchedule`.
fn three_nodes_taking_no_work(fake: &FakeKube) {
    fake.add_node(node("n2").cpu("4").memory("8Gi").cordoned());
    fake.add_node(node("n3").cpu("4").memory("8Gi"));
    fake.set_node_ready("n3", "False", "KubeletNotReady")
        .unwrap();
    fake.add_node(node("n4").cpu("2").memory("4Gi"));
    fake.taint("n4", "dedicated", "gpu", "NoSchedule").unwrap();
}

#[test]
fn nodes_show_what_kubectl_describe_node_allocates_and_why_not() {
    let c = Cluster::new("");
    c.fake.set_scheduler(false);
    c.fake
        .add_node(node("n1").cpu("7800m").memory("32817048Ki"));
    three_nodes_taking_no_work(&c.fake);
    for ns in ["kube-system", "team-a", "team-b"] {
        c.fake.add_namespace(ns);
    }
    c.fake.add_pod(bound_pod(
        "kube-system",
        "dns",
        "n1",
        "250m",
        "128Mi",
        "Running",
    ));
    c.fake
        .add_pod(bound_pod("team-a", "etl", "n1", "1500m", "1Gi", "Running"));
    c.fake
        .add_pod(bound_pod("team-b", "done", "n1", "2", "2Gi", "Succeeded"));
    c.fake
        .add_pod(bound_pod("team-b", "broke", "n4", "1", "1Gi", "Failed"));
    c.fake
        .add_pod(bound_pod("team-b", "web", "n4", "500m", "256Mi", "Pending"));

    let nodes = c.json(&["nodes"]);
    let nodes = nodes.as_array().unwrap();
    assert_eq!(nodes.len(), 4, "{nodes:?}");
    for n in nodes {
        let name = n["name"].as_str().unwrap();
        let short = name.strip_prefix("fake/").unwrap();
        let (cpu, memory) = allocated(&c.kubectl(&["describe", "node", short]));
        let cores = n["cores_requested"].as_f64().unwrap();
        assert_eq!(
            (cores * 1000.0).round() as u64,
            quantity_millis(&cpu),
            "{name}: cpu requested as kubectl describe node says"
        );
        assert_eq!(
            n["memory_requested"].as_u64().unwrap(),
            quantity_bytes(&memory),
            "{name}: memory requested as kubectl describe node says"
        );
        assert_eq!(n["target"], "fake");
    }
    let by = |name: &str| nodes.iter().find(|n| n["name"] == name).unwrap();
    // n1: dns + etl (init containers, overhead and limits counted), not `done`
    assert_eq!(by("fake/n1")["cores_total"].as_f64(), Some(7.8));
    assert_eq!(
        by("fake/n1")["memory_total"].as_u64(),
        Some(32_817_048 * 1024)
    );
    assert_eq!(
        by("fake/n1")["cores_reserved"].as_f64(),
        Some(0.0),
        "no ZApps yet"
    );
    assert!(
        by("fake/n2")["unschedulable"]
            .as_str()
            .unwrap()
            .contains("cordoned")
    );
    assert!(
        by("fake/n3")["unschedulable"]
            .as_str()
            .unwrap()
            .contains("NotReady")
    );
    assert!(
        by("fake/n4")["unschedulable"]
            .as_str()
            .unwrap()
            .contains("dedicated=gpu:NoSchedule")
    );

    // the "why not" of every node before launch
    let out = c.zoe(&["start", "web-hello-0", "--dry-run"]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("fake/n1"), "only n1 takes work: {text}");

    // RBAC forbids the cluster-wide list: partial figures, no crash
    c.fake.forbid_cluster_pods(true);
    let nodes = c.json(&["nodes"]);
    assert!(
        nodes[0]["partial"]
            .as_str()
            .is_some_and(|p| p.contains("namespace zapps")),
        "{nodes:?}"
    );
}

/// `zoe nodes` on a cluster: the reason word in STATUS, pods of the most
/// a node takes, roles and the node's own labels in LABELS, within 120
/// columns; `-o json` keeps every label and field.
#[test]
fn the_nodes_table_of_a_cluster_is_narrow_and_json_keeps_everything() {
    let c = Cluster::new("");
    c.fake.set_scheduler(false);
    c.fake.add_node(
        node("n1")
            .cpu("4")
            .memory("8Gi")
            .pods(30)
            .role("control-plane")
            .label("gpu", "a100"),
    );
    three_nodes_taking_no_work(&c.fake);
    c.fake.add_namespace("team-a");
    for name in ["a", "b"] {
        c.fake
            .add_pod(bound_pod("team-a", name, "n1", "100m", "64Mi", "Running"));
    }

    let table = c.ok(&["nodes"]);
    for line in table.lines() {
        assert!(
            line.chars().count() <= 120,
            "wider than 120: {line}\n{table}"
        );
    }
    let header = table.lines().next().unwrap();
    assert!(
        header.contains(" STATUS ") && header.contains(" LABELS "),
        "{table}"
    );
    let row = |node: &str| -> Vec<String> {
        table
            .lines()
            .find(|l| l.starts_with(&format!("fake/{node} ")))
            .unwrap_or_else(|| panic!("no row for {node}: {table}"))
            .split("  ")
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
            .map(str::to_string)
            .collect()
    };
    assert_eq!(row("n1")[1], "online", "{table}");
    assert_eq!(row("n2")[1], "cordoned", "{table}");
    assert_eq!(row("n3")[1], "NotReady", "{table}");
    assert_eq!(row("n4")[1], "tainted", "{table}");
    let n1 = row("n1");
    assert!(n1.contains(&"2/30 pods".to_string()), "{n1:?}");
    assert!(
        n1.contains(&"role:control-plane,gpu=a100".to_string()),
        "roles first, then the node's own labels: {n1:?}"
    );
    assert!(!table.contains("kubernetes.io/hostname"), "{table}");
    assert!(table.contains("`zoe nodes -o json` has them"), "{table}");

    let nodes = c.json(&["nodes"]);
    let n1 = nodes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "fake/n1")
        .unwrap();
    let labels: Vec<&str> = n1["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(labels.contains(&"kubernetes.io/hostname=n1"), "{labels:?}");
    assert!(labels.contains(&"gpu=a100"), "{labels:?}");
    assert_eq!(n1["roles"], json!(["control-plane"]));
    assert_eq!(n1["max_workloads"], 30);
    assert_eq!(n1["container_count"], 2);
    let n4 = nodes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "fake/n4")
        .unwrap();
    assert!(
        n4["unschedulable"]
            .as_str()
            .unwrap()
            .contains("dedicated=gpu:NoSchedule"),
        "the whole reason stays in the JSON: {n4}"
    );
}

#[test]
fn a_dask_zapp_launches_as_pods_and_headless_services_and_terminates_clean() {
    let c = Cluster::two_nodes();
    c.fake
        .add_node(node("n3").cpu("4").memory("8Gi").cordoned());
    let out = c.ok(&["start", "dask-0", "--name", "d1", "-p", "worker=3"]);
    let id = out
        .lines()
        .find(|l| !l.contains(':') && !l.trim().is_empty())
        .unwrap()
        .trim()
        .to_string();
    let pods: Vec<Pod> = c
        .fake
        .pods()
        .into_iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some("zapps"))
        .collect();
    assert_eq!(pods.len(), 5, "scheduler, 3 workers, notebook");
    for pod in &pods {
        let spec = pod.spec.as_ref().unwrap();
        assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
        assert_eq!(spec.automount_service_account_token, Some(false));
        assert_eq!(spec.enable_service_links, Some(false));
        let container = &spec.containers[0];
        assert!(container.command.is_none(), "the image's entrypoint stays");
        assert_eq!(container.args.as_ref().unwrap()[0], "sh");
        let resources = container.resources.as_ref().unwrap();
        assert_eq!(resources.requests, resources.limits, "requests = limits");
        let labels = pod.metadata.labels.as_ref().unwrap();
        assert_eq!(labels["zoe_execution_id"], id);
        assert_eq!(labels["zoe_deployment_name"], "kt");
        let notes = pod.metadata.annotations.as_ref().unwrap();
        assert!(notes.contains_key("org.zoe-console.description"));
        assert!(notes.contains_key("org.zoe-console.signature"));
    }
    // steps in startup_order: the scheduler was made before every other pod
    let created = |name: &str| {
        pods.iter()
            .find(|p| p.metadata.name.as_deref().unwrap().starts_with(name))
            .unwrap()
            .metadata
            .resource_version
            .clone()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    for other in ["worker0", "worker1", "worker2", "notebook0"] {
        assert!(created("scheduler0") < created(other), "{other}");
    }
    // every {dns_name#…} value names a headless Service selecting one pod
    let services = c.fake.services();
    let worker = pods
        .iter()
        .find(|p| p.metadata.name.as_deref().unwrap().starts_with("worker1"))
        .unwrap();
    let env = worker.spec.as_ref().unwrap().containers[0]
        .env
        .clone()
        .unwrap();
    let host = env
        .iter()
        .find(|e| e.name == "DASK_SCHEDULER_HOST")
        .and_then(|e| e.value.clone())
        .unwrap();
    let headless = services
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(host.to_ascii_lowercase().as_str()))
        .unwrap_or_else(|| panic!("no Service named {host}"));
    let spec = headless.spec.as_ref().unwrap();
    assert_eq!(spec.cluster_ip.as_deref(), Some("None"));
    let selector = spec.selector.as_ref().unwrap();
    let selected: Vec<_> = pods
        .iter()
        .filter(|p| {
            let labels = p.metadata.labels.as_ref().unwrap();
            selector.iter().all(|(k, v)| labels.get(k) == Some(v))
        })
        .collect();
    assert_eq!(selected.len(), 1, "{selector:?}");
    assert_eq!(
        c.kubectl(&[
            "get",
            "svc",
            "-n",
            "zapps",
            &host.to_ascii_lowercase(),
            "-o",
            "jsonpath={.spec.clusterIP}"
        ]),
        "None"
    );
    // NodePorts only for groups with ports (scheduler and notebook)
    let exposed: Vec<_> = services
        .iter()
        .filter(|s| s.spec.as_ref().unwrap().type_.as_deref() == Some("NodePort"))
        .collect();
    assert_eq!(exposed.len(), 2);

    // kubectl sees what zoe inspect shows
    c.wait("running pods", Duration::from_secs(10), |f| {
        f.pods()
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some("zapps"))
            .all(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
    });
    let listed = c.kubectl(&[
        "get",
        "pods",
        "-n",
        "zapps",
        "-l",
        &format!("zoe_execution_id={id}"),
        "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName}{\"\\n\"}{end}",
    ]);
    let mut from_kubectl: Vec<(String, String)> = listed
        .lines()
        .map(|l| {
            let (pod, node) = l.split_once(' ').unwrap();
            (
                pod[..pod.find('-').unwrap()].to_string(),
                format!("fake/{node}"),
            )
        })
        .collect();
    from_kubectl.sort();
    let inspect = c.json(&["inspect", &id]);
    let mut from_zoe: Vec<(String, String)> = inspect["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["instance"].as_str().unwrap().to_string(),
                i["host"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    from_zoe.sort();
    assert_eq!(
        from_kubectl, from_zoe,
        "kubectl get pods -l agrees with zoe inspect"
    );
    let kubectl_names: Vec<String> = listed
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    // logs of the pods, merged, as kubectl shows them
    let pod = kubectl_names[0].as_str();
    c.fake.append_log(
        "zapps",
        pod,
        &pod[..pod.find('-').unwrap()],
        "hello from the pod",
    );
    let logs = c.ok(&["logs", &id]);
    assert!(logs.contains("hello from the pod"), "{logs}");
    assert!(
        c.kubectl(&["logs", "-n", "zapps", pod])
            .contains("hello from the pod")
    );

    // terminate: one collection delete of pods, one delete per Service
    c.fake.clear_requests();
    c.ok(&["kill", &id]);
    let requests = c.fake.requests();
    let collection_deletes = requests
        .iter()
        .filter(|r| r.method == "DELETE" && r.path == "/api/v1/namespaces/zapps/pods")
        .count();
    assert_eq!(collection_deletes, 1, "{requests:?}");
    let service_deletes = requests
        .iter()
        .filter(|r| {
            r.method == "DELETE" && r.path.starts_with("/api/v1/namespaces/zapps/services/")
        })
        .count();
    assert_eq!(service_deletes, 7, "5 headless + 2 NodePort");
    c.wait("an empty namespace", Duration::from_secs(20), |f| {
        f.pods()
            .iter()
            .all(|p| p.metadata.namespace.as_deref() != Some("zapps"))
            && f.services().is_empty()
    });
    let ps = c.json(&["ps", "-a"]);
    assert!(ps.to_string().contains("terminated"), "{ps}");
}

#[test]
fn an_unschedulable_essential_goes_back_to_the_queue_and_leaves_nothing() {
    let c = Cluster::new("");
    c.fake.add_node(node("n1").cpu("4").memory("8Gi"));
    // the console sees room; the scheduler binds nothing (a node full of
    // pods it does not know of yet, say): the scheduler's message wins
    c.fake.set_scheduler(false);
    let out = c.zoe(&["start", "web-hello-0", "--name", "w"]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "nothing fits now: {text}");
    assert!(
        text.contains("not scheduled") || text.contains("nodes are available"),
        "{text}"
    );
    c.wait("no pods nor services", Duration::from_secs(10), |f| {
        f.pods().is_empty() && f.services().is_empty()
    });
    let timeline = c.ok(&["inspect", "w"]);
    assert!(timeline.contains("queued"), "{timeline}");
}

#[test]
fn a_failed_elastic_pod_is_recreated_alone() {
    let c = Cluster::two_nodes();
    // master-workers: extra-worker has 3 instances, 1 essential
    c.ok(&["start", "master-workers-0", "--name", "d"]);
    let name_of = |prefix: &str| {
        c.fake
            .pods()
            .iter()
            .map(|p| p.metadata.name.clone().unwrap())
            .find(|n| n.starts_with(prefix))
            .unwrap()
    };
    c.wait("running pods", Duration::from_secs(10), |f| {
        f.pods()
            .iter()
            .all(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
    });
    // an elastic worker fails: only it is made again
    let elastic = name_of("extra-worker2");
    let before = c.fake.pod("zapps", &elastic).unwrap().metadata.uid.clone();
    let uids = |f: &fake_kube::FakeKube| -> Vec<(String, Option<String>)> {
        let mut all: Vec<_> = f
            .pods()
            .into_iter()
            .map(|p| (p.metadata.name.unwrap(), p.metadata.uid))
            .filter(|(name, _)| *name != elastic)
            .collect();
        all.sort();
        all
    };
    let others = uids(&c.fake);
    assert_eq!(others.len(), 5, "{others:?}");
    c.fake
        .finish_pod("zapps", &elastic, Outcome::Failed(1))
        .unwrap();
    c.ok(&["supervise", "--once"]);
    c.wait("the elastic worker again", Duration::from_secs(20), |f| {
        f.pod("zapps", &elastic)
            .is_some_and(|p| p.metadata.uid != before)
    });
    assert_eq!(uids(&c.fake), others, "the other pods were left alone");
    let ps = c.json(&["ps", "-a"]);
    let record = c.record(ps[0]["id"].as_str().unwrap());
    assert_eq!(record["status"], "running", "{record}");
}

#[test]
fn names_kubernetes_would_refuse_are_refused_before_anything_is_made() {
    let mut c = Cluster::new("");
    c.fake.add_node(node("n1").cpu("4").memory("8Gi"));
    // a shop of one entry whose group starts with a digit (Zoe allows it)
    let shop = c.dir.path().join("shop");
    let entry = shop.join("digits");
    std::fs::create_dir_all(&entry).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shop/web-hello");
    let mut description: Value =
        serde_json::from_str(&std::fs::read_to_string(source.join("web-hello.json")).unwrap())
            .unwrap();
    // a good group first, the bad one in a later step: without a check
    // before anything is made, the first would be created
    let mut late = description["services"][0].clone();
    late["name"] = json!("2web");
    late["startup_order"] = json!(1);
    description["services"].as_array_mut().unwrap().push(late);
    std::fs::write(entry.join("digits.json"), description.to_string()).unwrap();
    std::fs::write(
        entry.join("manifest.json"),
        json!({"version": 1, "zapps": [{"category": "Tests", "name": "Digits",
            "description": "digits.json", "readable_descr": "README.md", "parameters": []}]})
        .to_string(),
    )
    .unwrap();
    std::fs::write(entry.join("README.md"), "# Digits\n").unwrap();
    c.shop = shop;
    c.fake.clear_requests();
    let out = c.zoe(&["start", "digits-0", "--name", "digits"]);
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("2web"), "names the group: {text}");
    assert!(
        text.contains("start with a letter"),
        "names the rule: {text}"
    );
    let creates = c
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(creates, 0, "nothing was created");
    assert!(c.fake.pods().is_empty() && c.fake.services().is_empty());
}
