//! The fake Kubernetes API server with a demo cluster, for trying the
//! console by hand, tmux runs and screenshots (see scripts/fake-kube.sh):
//! three nodes (n2 cordoned, n3 with a `gpu` label), foreign pods in
//! kube-system and `analytics`, scheduler, kubelet and metrics on, running
//! containers printing a line every second.
//!
//!     cargo run --example fake_kube -- [--port 26443] [--kubeconfig PATH]
//!
//! Loopback only, plain HTTP, no token: kubectl and zoe both work with it.

#[path = "../tests/support/fake_kube/mod.rs"]
mod fake_kube;

use std::path::PathBuf;
use std::time::Duration;

use fake_kube::{FakeKube, Outcome, node, objects};
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

fn demo_pod(ns: &str, name: &str, node: &str, cpu: &str, memory: &str) -> Pod {
    let spec: Value = json!({
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name.split('-').next()}},
        "spec": {
            "nodeName": node,
            "containers": [{
                "name": "main", "image": "registry.k8s.io/pause:3.10",
                "resources": {"requests": {"cpu": cpu, "memory": memory}},
            }],
        },
    });
    objects::typed(spec)
}

fn args() -> Result<(u16, PathBuf), String> {
    let mut port = 26443;
    let mut kubeconfig = PathBuf::from("/tmp/zoe-fake-kube/kubeconfig");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().unwrap_or_default();
                port = value
                    .parse()
                    .map_err(|_| format!("--port: \"{value}\" is not a port number"))?;
            }
            "--kubeconfig" => {
                kubeconfig = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--kubeconfig needs a path")?;
            }
            other => {
                return Err(format!(
                    "unknown argument \"{other}\"; usage: fake_kube [--port N] [--kubeconfig PATH]"
                ));
            }
        }
    }
    Ok((port, kubeconfig))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (port, kubeconfig) = args()?;
    let fake = FakeKube::start_on(port)
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    fake.add_node(node("n1").cpu("4").memory("8Gi").role("control-plane"));
    fake.add_node(node("n2").cpu("4").memory("8Gi").cordoned());
    fake.add_node(node("n3").cpu("8").memory("32Gi").label("gpu", "a100"));
    fake.add_namespace("zapps");
    for (ns, name, node, cpu, memory) in [
        (
            "kube-system",
            "coredns-7db6d8ff4d-x2x9q",
            "n1",
            "100m",
            "70Mi",
        ),
        ("kube-system", "kube-proxy-4kq8s", "n1", "50m", "32Mi"),
        ("kube-system", "kube-proxy-9fzt2", "n2", "50m", "32Mi"),
        ("kube-system", "kube-proxy-m2c7d", "n3", "50m", "32Mi"),
        ("analytics", "notebook-0", "n3", "1", "2Gi"),
        ("analytics", "report-28911", "n1", "500m", "512Mi"),
    ] {
        fake.add_pod(demo_pod(ns, name, node, cpu, memory));
        fake.run_pod(ns, name)?;
    }
    fake.finish_pod("analytics", "report-28911", Outcome::Succeeded)?;
    fake.set_metrics(true);
    fake.set_usage("n1", "640m", "2100Mi");
    fake.set_usage("n2", "120m", "900Mi");
    fake.set_usage("n3", "1350m", "6Gi");
    fake.set_chatter(Some(Duration::from_secs(1)));
    fake.set_scheduler(true);
    fake.set_kubelet(true);
    fake.set_stop_after(Some(Duration::from_secs(1)));
    if let Some(dir) = kubeconfig.parent() {
        std::fs::create_dir_all(dir)?;
    }
    fake.write_kubeconfig(&kubeconfig, "fake", Some("zapps"), None)
        .map_err(|e| format!("cannot write the kubeconfig {}: {e}", kubeconfig.display()))?;
    println!("fake Kubernetes API server on {}", fake.url());
    println!(
        "kubeconfig (context fake, namespace zapps): {}",
        kubeconfig.display()
    );
    println!("try: KUBECONFIG={} kubectl get nodes", kubeconfig.display());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
