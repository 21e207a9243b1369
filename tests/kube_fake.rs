//! The fake Kubernetes API server (tests/support/fake_kube) against
//! independent clients: kubectl (it decodes what the fake serves with Go's
//! typed structs) and kube-rs. No Docker needed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/fake_kube/mod.rs"]
mod fake_kube;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::cluster_cli::kubectl_path;
use fake_kube::{FakeKube, Outcome, node};
use k8s_openapi::api::core::v1::{Node, Pod, Service};
use kube::api::{Api, DeleteParams, ListParams, LogParams, PostParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// kubectl with a private HOME and the fake's kubeconfig.
struct Kubectl {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Kubectl {
    fn new(fake: &FakeKube) -> Kubectl {
        let dir = tempfile::tempdir().unwrap();
        fake.write_kubeconfig(&dir.path().join("kubeconfig"), "fake", Some("zapps"), None)
            .unwrap();
        Kubectl {
            dir,
            path: kubectl_path(),
        }
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.path);
        command
            .args(args)
            .arg("--request-timeout=10s")
            .env("HOME", self.dir.path())
            .env("KUBECONFIG", self.dir.path().join("kubeconfig"))
            .kill_on_drop(true);
        command
    }

    /// Runs kubectl; its stdout, failing the test on an error.
    async fn run(&self, args: &[&str]) -> String {
        let out = self.command(args).output().await.unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {stderr}\n{stdout}"
        );
        stdout
    }
}

fn pod(ns: &str, name: &str, spec: Value) -> Pod {
    typed(
        json!({"metadata": {"name": name, "namespace": ns, "labels": {"app": name}}, "spec": spec}),
    )
}

fn container(name: &str, requests: Option<(&str, &str)>, limits: Option<(&str, &str)>) -> Value {
    let mut resources = json!({});
    if let Some((cpu, memory)) = requests {
        resources["requests"] = json!({"cpu": cpu, "memory": memory});
    }
    if let Some((cpu, memory)) = limits {
        resources["limits"] = json!({"cpu": cpu, "memory": memory});
    }
    json!({"name": name, "image": "zoe-demo/busybox:1", "resources": resources})
}

/// Three nodes (n2 cordoned, n3 with a gpu label) and pods on n1 in three
/// namespaces: one with an init container, overhead and a limits-only
/// container, a Running kube-system one, a Completed and a Failed one.
async fn cluster() -> FakeKube {
    let fake = FakeKube::start().await.unwrap();
    fake.add_node(node("n1").cpu("4").memory("8Gi").role("control-plane"));
    fake.add_node(node("n2").cpu("2").memory("4Gi").cordoned());
    fake.add_node(node("n3").cpu("8").memory("16Gi").label("gpu", "a100"));
    fake.add_namespace("zapps");
    let mut web = pod(
        "zapps",
        "web",
        json!({
            "nodeName": "n1",
            "initContainers": [container("setup", Some(("500m", "64Mi")), None)],
            "containers": [
                container("c1", Some(("100m", "128Mi")), None),
                container("c2", None, Some(("200m", "256Mi"))),
            ],
            "overhead": {"cpu": "50m", "memory": "32Mi"},
        }),
    );
    web.metadata.labels = Some([("app".to_string(), "web".to_string())].into());
    fake.add_pod(web);
    fake.run_pod("zapps", "web").unwrap();
    let dns =
        json!({"nodeName": "n1", "containers": [container("dns", Some(("100m", "70Mi")), None)]});
    fake.add_pod(pod("kube-system", "dns", dns));
    fake.run_pod("kube-system", "dns").unwrap();
    let big = json!({"nodeName": "n1", "containers": [container("job", Some(("1", "1Gi")), None)]});
    fake.add_pod(pod("other", "done", big.clone()));
    fake.run_pod("other", "done").unwrap();
    fake.finish_pod("other", "done", Outcome::Succeeded)
        .unwrap();
    fake.add_pod(pod("kube-system", "failed", big));
    fake.run_pod("kube-system", "failed").unwrap();
    fake.finish_pod("kube-system", "failed", Outcome::Failed(2))
        .unwrap();
    fake
}

fn names(list: &Value) -> BTreeSet<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_decodes_lists_and_shows_tables() {
    let fake = cluster().await;
    let k = Kubectl::new(&fake);
    let nodes: Value = serde_json::from_str(&k.run(&["get", "nodes", "-o", "json"]).await).unwrap();
    assert_eq!(names(&nodes), ["n1", "n2", "n3"].map(String::from).into());
    let pods: Value =
        serde_json::from_str(&k.run(&["get", "pods", "-A", "-o", "json"]).await).unwrap();
    let held: BTreeSet<String> = fake
        .pods()
        .iter()
        .map(|p| p.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(names(&pods), held);
    assert_eq!(held.len(), 4);

    let table = k.run(&["get", "pods"]).await;
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        "{table}"
    );
    let row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&row[..4], ["web", "2/2", "Running", "0"], "{table}");
    let wide = k.run(&["get", "pods", "-A", "-o", "wide"]).await;
    assert!(
        wide.lines().next().unwrap().contains("IP") && wide.contains("NODE"),
        "{wide}"
    );
    assert!(
        wide.contains("Completed") && wide.contains("Error"),
        "{wide}"
    );

    let table = k.run(&["get", "nodes"]).await;
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("n2") && l.contains("Ready,SchedulingDisabled")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("n1") && l.contains("control-plane")),
        "{table}"
    );

    let selected = k
        .run(&["get", "pods", "-A", "-l", "app in (web,dns)", "-o", "name"])
        .await;
    assert_eq!(selected.lines().count(), 2, "{selected}");
    let not_done = k
        .run(&[
            "get",
            "pods",
            "-A",
            "--field-selector",
            "status.phase!=Succeeded,status.phase!=Failed",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(not_done.lines().count(), 2, "{not_done}");
}

/// The line of a resource in `describe node`'s "Allocated resources".
fn allocated<'a>(describe: &'a str, resource: &str) -> &'a str {
    let section = describe
        .split("Allocated resources:")
        .nth(1)
        .expect(describe);
    section
        .lines()
        .find(|l| l.split_whitespace().next() == Some(resource))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect(describe)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_describes_nodes_and_pods() {
    let fake = cluster().await;
    let k = Kubectl::new(&fake);
    let describe = k.run(&["describe", "node", "n1"]).await;
    // web: max(100m + 200m, 500m init) + 50m overhead = 550m;
    //      max(128Mi + 256Mi, 64Mi) + 32Mi = 416Mi; dns: 100m, 70Mi;
    //      the Completed and Failed pods count for nothing
    assert_eq!(allocated(&describe, "cpu"), "650m", "{describe}");
    assert_eq!(allocated(&describe, "memory"), "486Mi", "{describe}");
    let describe = k.run(&["describe", "node", "n2"]).await;
    assert_eq!(allocated(&describe, "cpu"), "0", "{describe}");
    assert!(describe.contains("Unschedulable:      true"), "{describe}");

    let describe = k.run(&["describe", "pod", "web"]).await;
    assert!(describe.contains("Status:           Running"), "{describe}");
    assert!(describe.contains("Node:             n1/"), "{describe}");
    let describe = k
        .run(&["describe", "pod", "failed", "-n", "kube-system"])
        .await;
    assert!(describe.contains("Exit Code:    2"), "{describe}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_logs_follow_and_delete() {
    let fake = cluster().await;
    let k = Kubectl::new(&fake);
    fake.append_log("zapps", "web", "c1", "one");
    fake.append_log("zapps", "web", "c1", "two");
    let logs = k.run(&["logs", "web", "-c", "c1"]).await;
    assert_eq!(logs, "one\ntwo\n");
    let tail = k
        .run(&["logs", "web", "-c", "c1", "--tail=1", "--timestamps"])
        .await;
    let truth = fake.log_lines("zapps", "web", "c1");
    assert_eq!(tail, format!("{} two\n", truth[1].at));

    let follow = k
        .command(&["logs", "-f", "web", "-c", "c1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    fake.append_log("zapps", "web", "c1", "three");
    tokio::time::sleep(Duration::from_millis(300)).await;
    fake.finish_pod("zapps", "web", Outcome::Succeeded).unwrap();
    let out = tokio::time::timeout(Duration::from_secs(10), follow.wait_with_output())
        .await
        .expect("kubectl logs -f ends when the container ends")
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "one\ntwo\nthree\n");

    // an unknown container is a 400 kubectl shows
    let out = k
        .command(&["logs", "dns", "-n", "kube-system", "-c", "nope"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("container nope is not valid for pod dns")
    );

    // graceful delete: deletionTimestamp, then gone after the 1 s grace
    let spec = json!({"nodeName": "n3", "terminationGracePeriodSeconds": 1,
                      "containers": [container("main", None, None)]});
    fake.add_pod(pod("zapps", "short", spec));
    fake.run_pod("zapps", "short").unwrap();
    let started = Instant::now();
    let out = k.run(&["delete", "pod", "short"]).await;
    assert!(out.contains("pod \"short\" deleted"), "{out}");
    assert!(fake.pod("zapps", "short").is_none());
    assert!(started.elapsed() < Duration::from_secs(8));

    let headless: Service = typed(json!({
        "metadata": {"name": "web-0", "namespace": "zapps"},
        "spec": {"clusterIP": "None", "selector": {"app": "web"}},
    }));
    fake.add_service(headless);
    let ip = k
        .run(&["get", "svc", "web-0", "-o", "jsonpath={.spec.clusterIP}"])
        .await;
    assert_eq!(ip, "None");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_top_node_with_metrics() {
    let fake = cluster().await;
    let k = Kubectl::new(&fake);
    let out = k.command(&["top", "node"]).output().await.unwrap();
    assert!(!out.status.success(), "no metrics API yet");
    fake.set_metrics(true);
    fake.set_usage("n1", "250m", "1Gi");
    let top = k.run(&["top", "node"]).await;
    let n1: Vec<&str> = top
        .lines()
        .find(|l| l.starts_with("n1"))
        .expect(&top)
        .split_whitespace()
        .collect();
    assert_eq!(&n1[1..3], ["250m", "6%"], "{top}");
}

fn client(fake: &FakeKube) -> kube::Client {
    kube::Client::try_from(kube::Config::new(fake.url().parse().unwrap())).unwrap()
}

fn api_error(e: kube::Error) -> (u16, String, String) {
    match e {
        kube::Error::Api(status) => (status.code, status.reason.clone(), status.message.clone()),
        other => panic!("not an API error: {other:?}"),
    }
}

#[tokio::test]
async fn kube_create_conflict_and_invalid() {
    let fake = FakeKube::start().await.unwrap();
    fake.add_namespace("zapps");
    let pods: Api<Pod> = Api::namespaced(client(&fake), "zapps");
    let web = pod(
        "zapps",
        "web",
        json!({"containers": [container("main", None, Some(("1", "1Gi")))]}),
    );
    let created = pods.create(&PostParams::default(), &web).await.unwrap();
    assert!(created.metadata.uid.is_some() && created.metadata.resource_version.is_some());
    let spec = created.spec.unwrap();
    assert_eq!(spec.restart_policy.as_deref(), Some("Always"));
    let requests = spec.containers[0]
        .resources
        .as_ref()
        .unwrap()
        .requests
        .clone()
        .unwrap();
    assert_eq!(requests["cpu"].0, "1", "requests default to limits");
    assert_eq!(created.status.unwrap().phase.as_deref(), Some("Pending"));
    let (code, reason, _) = api_error(pods.create(&PostParams::default(), &web).await.unwrap_err());
    assert_eq!((code, reason.as_str()), (409, "AlreadyExists"));

    let bad_name = pod(
        "zapps",
        "Web_1",
        json!({"containers": [container("main", None, None)]}),
    );
    let (code, _, message) = api_error(
        pods.create(&PostParams::default(), &bad_name)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422);
    assert!(
        message.contains("metadata.name") && message.contains("RFC 1123 subdomain"),
        "{message}"
    );
    let mut bad_label = pod(
        "zapps",
        "ok",
        json!({"containers": [container("main", None, None)]}),
    );
    bad_label.metadata.labels = Some([("zoe/bad key".to_string(), "x".to_string())].into());
    let (code, _, message) = api_error(
        pods.create(&PostParams::default(), &bad_label)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422);
    assert!(message.contains("metadata.labels"), "{message}");
    let bad_env = pod(
        "zapps",
        "env",
        json!({"containers": [{"name": "main", "image": "x:1", "env": [{"name": "1BAD", "value": "v"}]}]}),
    );
    let (code, _, message) = api_error(
        pods.create(&PostParams::default(), &bad_env)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422);
    assert!(message.contains("env[0].name"), "{message}");

    let services: Api<Service> = Api::namespaced(client(&fake), "zapps");
    let portless: Service =
        typed(json!({"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}}}));
    let (code, _, message) = api_error(
        services
            .create(&PostParams::default(), &portless)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422);
    assert!(message.contains("spec.ports: Required value"), "{message}");
    let bad_port: Service = typed(
        json!({"metadata": {"name": "web"}, "spec": {"ports": [{"name": "http_port", "port": 80}]}}),
    );
    let (code, _, message) = api_error(
        services
            .create(&PostParams::default(), &bad_port)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422);
    assert!(
        message.contains("spec.ports[0].name") && message.contains("alpha-numeric"),
        "{message}"
    );
    let digit: Service =
        typed(json!({"metadata": {"name": "1web"}, "spec": {"clusterIP": "None"}}));
    let (code, _, message) = api_error(
        services
            .create(&PostParams::default(), &digit)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 422);
    assert!(message.contains("DNS-1035 label"), "{message}");
    let headless: Service =
        typed(json!({"metadata": {"name": "web-0"}, "spec": {"clusterIP": "None"}}));
    services
        .create(&PostParams::default(), &headless)
        .await
        .unwrap();
    let (code, reason, _) = api_error(
        services
            .delete_collection(&DeleteParams::default(), &ListParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (405, "MethodNotAllowed"));

    let missing: Api<Pod> = Api::namespaced(client(&fake), "nowhere");
    let (code, _, _) = api_error(
        missing
            .create(&PostParams::default(), &web)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 400, "the body's namespace is not the URL's");
    let nowhere = pod(
        "nowhere",
        "web",
        json!({"containers": [container("main", None, None)]}),
    );
    let (code, _, message) = api_error(
        missing
            .create(&PostParams::default(), &nowhere)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 404);
    assert_eq!(message, "namespaces \"nowhere\" not found");
}

#[tokio::test]
async fn kube_scheduler_binds_or_says_why_not() {
    let fake = FakeKube::start().await.unwrap();
    fake.add_node(node("n1").cpu("1").memory("1Gi"));
    fake.add_node(node("n2").cpu("8").memory("8Gi").cordoned());
    fake.add_node(
        node("n3")
            .cpu("8")
            .memory("8Gi")
            .taint("dedicated", "gpu", "NoSchedule"),
    );
    fake.add_namespace("zapps");
    let pods: Api<Pod> = Api::namespaced(client(&fake), "zapps");
    let big = pod(
        "zapps",
        "big",
        json!({"containers": [container("main", Some(("2", "512Mi")), None)]}),
    );
    pods.create(&PostParams::default(), &big).await.unwrap();
    let small = pod(
        "zapps",
        "small",
        json!({"containers": [container("main", Some(("500m", "512Mi")), None)]}),
    );
    pods.create(&PostParams::default(), &small).await.unwrap();
    fake.set_scheduler(true);
    fake.set_kubelet(true);
    assert!(
        fake.wait_for(Duration::from_secs(5), |f| {
            f.pod("zapps", "small")
                .and_then(|p| p.status?.phase)
                .as_deref()
                == Some("Running")
        })
        .await
    );
    let small = fake.pod("zapps", "small").unwrap();
    assert_eq!(small.spec.unwrap().node_name.as_deref(), Some("n1"));
    let status = small.status.unwrap();
    assert!(status.pod_ip.is_some() && status.host_ip.is_some());
    let big = fake.pod("zapps", "big").unwrap();
    let scheduled = big
        .status
        .unwrap()
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "PodScheduled")
        .unwrap();
    assert_eq!(scheduled.reason.as_deref(), Some("Unschedulable"));
    assert_eq!(
        scheduled.message.as_deref(),
        Some(
            "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."
        )
    );
    assert!(
        fake.events()
            .iter()
            .any(|e| e.reason.as_deref() == Some("FailedScheduling")
                && e.involved_object.name.as_deref() == Some("big"))
    );

    // required node affinity on a label nobody has
    let picky = pod(
        "zapps",
        "picky",
        json!({
            "containers": [container("main", None, None)],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}]}}},
        }),
    );
    fake.add_pod(picky);
    fake.schedule_now();
    let message = fake.fit_message("zapps", "picky").unwrap();
    assert!(
        message.contains("1 node(s) didn't match Pod's node affinity/selector"),
        "{message}"
    );
    fake.set_node_ready("n1", "False", "KubeletNotReady")
        .unwrap();
    let message = fake.fit_message("zapps", "small").unwrap_or_default();
    assert!(
        message.contains("{node.kubernetes.io/not-ready: }"),
        "{message}"
    );

    fake.finish_pod("zapps", "small", Outcome::OomKilled)
        .unwrap();
    let small = pods.get("small").await.unwrap();
    let state = &small.status.unwrap().container_statuses.unwrap()[0];
    let terminated = state.state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!(
        (terminated.exit_code, terminated.reason.as_deref()),
        (137, Some("OOMKilled"))
    );
}

#[tokio::test]
async fn kube_watcher_lists_watches_and_relists_after_410() {
    use futures::StreamExt;
    use kube::runtime::watcher::{self, Event};
    let fake = FakeKube::start().await.unwrap();
    fake.add_namespace("zapps");
    fake.set_immediate_delete(true);
    fake.add_pod(pod(
        "zapps",
        "first",
        json!({"containers": [container("main", None, None)]}),
    ));
    let pods: Api<Pod> = Api::namespaced(client(&fake), "zapps");
    let mut events = watcher::watcher(pods.clone(), watcher::Config::default()).boxed();
    let mut next_item = async || {
        tokio::time::timeout(Duration::from_secs(5), events.next())
            .await
            .expect("a watch event within 5 s")
            .unwrap()
    };
    let mut next = async || next_item().await.unwrap();
    assert!(matches!(next().await, Event::Init));
    assert!(
        matches!(next().await, Event::InitApply(p) if p.metadata.name.as_deref() == Some("first"))
    );
    assert!(matches!(next().await, Event::InitDone));
    pods.create(
        &PostParams::default(),
        &pod(
            "zapps",
            "second",
            json!({"containers": [container("main", None, None)]}),
        ),
    )
    .await
    .unwrap();
    assert!(
        matches!(next().await, Event::Apply(p) if p.metadata.name.as_deref() == Some("second"))
    );
    pods.delete("first", &DeleteParams::default())
        .await
        .unwrap();
    assert!(
        matches!(next().await, Event::Delete(p) if p.metadata.name.as_deref() == Some("first"))
    );

    // a change the watcher does not see, the history compacted, the watch
    // cut: its resumed watch gets 410 and it lists again
    fake.add_pod(pod(
        "default",
        "elsewhere",
        json!({"containers": [container("main", None, None)]}),
    ));
    fake.compact();
    fake.clear_requests();
    fake.cut_watches();
    match next_item().await {
        Err(watcher::Error::WatchError(status)) => assert_eq!(status.code, 410),
        other => panic!("expected the 410 of the resumed watch, got {other:?}"),
    }
    let mut next = async || next_item().await.unwrap();
    assert!(matches!(next().await, Event::Init));
    assert!(
        matches!(next().await, Event::InitApply(p) if p.metadata.name.as_deref() == Some("second"))
    );
    assert!(matches!(next().await, Event::InitDone));
    let requests = fake.requests();
    assert!(requests.iter().any(|r| r.watch), "{requests:?}");
    assert!(
        requests
            .iter()
            .any(|r| !r.watch && r.path == "/api/v1/namespaces/zapps/pods"),
        "{requests:?}"
    );

    // the raw answer to a stale resourceVersion: an ERROR event, 410 Expired
    let stale = pods
        .watch(&WatchParams::default().timeout(5), "1")
        .await
        .unwrap()
        .boxed();
    let first = stale.into_future().await.0.unwrap().unwrap();
    match first {
        WatchEvent::Error(e) => assert_eq!((e.code, e.reason.as_str()), (410, "Expired")),
        other => panic!("expected 410, got {other:?}"),
    }
}

#[tokio::test]
async fn kube_idle_watchers_make_few_requests() {
    use futures::StreamExt;
    use kube::runtime::watcher;
    let fake = FakeKube::start().await.unwrap();
    fake.add_node(node("n1"));
    let client = client(&fake);
    let nodes = watcher::watcher(Api::<Node>::all(client.clone()), watcher::Config::default());
    let pods = watcher::watcher(Api::<Pod>::all(client), watcher::Config::default());
    let drain = tokio::spawn(
        futures::stream::select(nodes.map(|_| ()), pods.map(|_| ())).for_each(|()| async {}),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    fake.clear_requests();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let requests = fake.requests();
    for path in ["/api/v1/nodes", "/api/v1/pods"] {
        let n = requests.iter().filter(|r| r.path == path).count();
        assert!(n <= 2, "{n} requests to {path} in 10 s idle: {requests:?}");
    }
    drain.abort();
}

#[tokio::test]
async fn kube_log_stream_cut_midway_ends() {
    use futures::{AsyncBufReadExt, StreamExt};
    let fake = FakeKube::start().await.unwrap();
    fake.add_node(node("n1"));
    fake.add_pod(pod(
        "default",
        "talker",
        json!({"nodeName": "n1", "containers": [container("main", None, None)]}),
    ));
    fake.run_pod("default", "talker").unwrap();
    for line in ["a", "b", "c"] {
        fake.append_log("default", "talker", "main", line);
    }
    let pods: Api<Pod> = Api::default_namespaced(client(&fake));
    let params = LogParams {
        follow: true,
        timestamps: true,
        ..Default::default()
    };
    let mut lines = pods.log_stream("talker", &params).await.unwrap().lines();
    for _ in 0..3 {
        lines.next().await.unwrap().unwrap();
    }
    fake.cut_log_streams();
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = lines.next().await {}
    })
    .await;
    assert!(end.is_ok(), "the cut stream ends");
    let truth = fake.log_lines("default", "talker", "main");
    assert_eq!(truth.len(), 3);
    assert_eq!(
        pods.logs("talker", &LogParams::default()).await.unwrap(),
        "a\nb\nc\n"
    );
    // resuming from the last timestamp: sinceTime counts whole seconds (kube
    // rounds it, so a client floors it itself), and the last line comes
    // again with those of its second before it
    let last = truth[2].at;
    let floor = k8s_openapi::jiff::Timestamp::from_second(last.as_second()).unwrap();
    let since = LogParams {
        since_time: Some(floor),
        timestamps: true,
        ..Default::default()
    };
    let again = pods.logs("talker", &since).await.unwrap();
    assert!(again.ends_with(&format!("{last} c\n")), "{again}");
}

#[tokio::test]
async fn kube_token_required() {
    let fake = FakeKube::start().await.unwrap();
    fake.require_token(Some("s3cret"));
    let nodes: Api<Node> = Api::all(client(&fake));
    let (code, reason, _) = api_error(nodes.list(&ListParams::default()).await.unwrap_err());
    assert_eq!((code, reason.as_str()), (401, "Unauthorized"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    fake.write_kubeconfig(&path, "fake", Some("zapps"), Some("s3cret"))
        .unwrap();
    let kubeconfig = kube::config::Kubeconfig::read_from(&path).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    assert_eq!(config.default_namespace, "zapps");
    let nodes: Api<Node> = Api::all(kube::Client::try_from(config).unwrap());
    nodes.list(&ListParams::default()).await.unwrap();
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.authorization.as_deref(), Some("Bearer s3cret"));
}

#[tokio::test]
async fn kube_forbidden_cluster_pod_list() {
    let fake = FakeKube::start().await.unwrap();
    fake.forbid_cluster_pods(true);
    let all: Api<Pod> = Api::all(client(&fake));
    let (code, reason, message) = api_error(all.list(&ListParams::default()).await.unwrap_err());
    assert_eq!((code, reason.as_str()), (403, "Forbidden"));
    assert!(message.contains("at the cluster scope"));
    let default: Api<Pod> = Api::default_namespaced(client(&fake));
    default.list(&ListParams::default()).await.unwrap();
}
