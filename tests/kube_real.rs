//! The console on a real Kubernetes cluster, through the real `zoe`
//! binary, with kubectl as the independent client: web-hello-0 is
//! launched, listed, inspected, its log read, killed, and nothing of it is
//! left in the namespace.
//!
//! Runs only when `ZOE_TEST_KUBECONFIG` names a kubeconfig (skipped, with a
//! line saying so, otherwise; `ZOE_TEST_REQUIRE_KUBERNETES=1` turns the
//! skip into a failure). The cluster must be able to run the sample
//! shop's image, `zoe-demo/busybox:1` (e.g. `kind load docker-image
//! zoe-demo/busybox:1`), or `ZOE_TEST_KUBE_IMAGE` names another image with
//! busybox's `sh` and `httpd` (e.g. `busybox:1.36`). Optional:
//! `ZOE_TEST_KUBE_CONTEXT` (else the kubeconfig's current context),
//! `ZOE_TEST_KUBE_NAMESPACE` (else the context's, else `default`),
//! `ZOE_TEST_KUBE_LOG_TEXT` (the log line awaited; default the web
//! service's own startup line), `ZOE_TEST_KUBECTL` (else kubectl on PATH).
//!
//! What it creates carries a fresh deployment name and execution id; if
//! the test fails half-way, the objects of its execution are deleted by
//! label on the way out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::cluster_cli::{kubectl_path, stdout_ok, zoe_in_home};
use serde_json::Value;

/// The kubeconfig of the cluster to test on, or `None` with a line saying
/// the test is skipped (a failure under `ZOE_TEST_REQUIRE_KUBERNETES=1`).
fn kubeconfig() -> Option<PathBuf> {
    match std::env::var_os("ZOE_TEST_KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(path) => {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "ZOE_TEST_KUBECONFIG={}: no such file",
                path.display()
            );
            Some(path)
        }
        None => {
            let why = "ZOE_TEST_KUBECONFIG is not set: the real-cluster test did not run \
                       (set it to a kubeconfig whose cluster may run test pods)";
            assert!(
                std::env::var("ZOE_TEST_REQUIRE_KUBERNETES").as_deref() != Ok("1"),
                "ZOE_TEST_REQUIRE_KUBERNETES=1 but {why}"
            );
            eprintln!("SKIPPED: {why}");
            None
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The sample shop's web-hello entry copied into `dir`, its image replaced
/// by `$ZOE_TEST_KUBE_IMAGE` when set.
fn shop(dir: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("shop/web-hello");
    let root = dir.join("shop");
    let to = root.join("web-hello");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
    if let Some(image) = env("ZOE_TEST_KUBE_IMAGE") {
        let file = to.join("web-hello.json");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("\"zoe-demo/busybox:1\""),
            "the sample's image"
        );
        let text = text.replace("\"zoe-demo/busybox:1\"", &format!("\"{image}\""));
        std::fs::write(&file, text).unwrap();
    }
    root
}

/// A console home on the cluster: the settings name it as cluster `real`.
struct Real {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    context: Option<String>,
    namespace: Option<String>,
    shop: PathBuf,
    /// The execution to clean up if the test stops half-way.
    launched: Option<String>,
}

impl Real {
    fn new(kubeconfig: PathBuf) -> Real {
        let dir = tempfile::tempdir().unwrap();
        let shop = shop(dir.path());
        let suffix = std::process::id();
        let context = env("ZOE_TEST_KUBE_CONTEXT");
        // the context in the settings (a `--context` flag would name the
        // target after the context)
        let context_line = context
            .as_ref()
            .map(|c| format!("context = \"{c}\"\n"))
            .unwrap_or_default();
        std::fs::create_dir_all(dir.path().join("config/zoe")).unwrap();
        std::fs::write(
            dir.path().join("config/zoe/config.toml"),
            format!(
                "deployment_name = \"zoe-real-test-{suffix}\"\n[[kubernetes]]\nname = \"real\"\n{context_line}unschedulable_timeout_secs = 120\n"
            ),
        )
        .unwrap();
        Real {
            dir,
            kubeconfig,
            context,
            namespace: env("ZOE_TEST_KUBE_NAMESPACE"),
            shop,
            launched: None,
        }
    }

    /// `--kubeconfig`, and `-n` when given, for zoe and kubectl alike
    /// (both default to the context's namespace); `--context` for kubectl
    /// (zoe has it in the settings).
    fn cluster_flags(&self, kubectl: bool) -> Vec<String> {
        let mut flags = vec![
            "--kubeconfig".to_string(),
            self.kubeconfig.display().to_string(),
        ];
        if let Some(context) = self.context.as_ref().filter(|_| kubectl) {
            flags.extend(["--context".to_string(), context.clone()]);
        }
        if let Some(ns) = &self.namespace {
            flags.extend(["-n".to_string(), ns.clone()]);
        }
        flags
    }

    fn zoe(&self, args: &[&str]) -> Output {
        zoe_in_home(self.dir.path())
            .arg("--shop")
            .arg(&self.shop)
            .args(args)
            .args(self.cluster_flags(false))
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        stdout_ok(&format!("zoe {args:?}"), &self.zoe(args))
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("zoe {args:?}: {e}: {out}"))
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        std::process::Command::new(kubectl_path())
            .args(args)
            .args(self.cluster_flags(true))
            .arg("--request-timeout=20s")
            .env("HOME", self.dir.path())
            .output()
            .unwrap()
    }

    /// The names of the Pods and Services of execution `id`, by kubectl.
    fn objects_of(&self, id: &str) -> Vec<String> {
        let selector = format!("zoe_execution_id={id}");
        let out = self.kubectl(&["get", "pods,services", "-l", &selector, "-o", "name"]);
        assert!(
            out.status.success(),
            "kubectl get: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Real {
    /// A test that stopped half-way leaves nothing behind.
    fn drop(&mut self) {
        if let Some(id) = self.launched.take() {
            let selector = format!("zoe_execution_id={id}");
            let out = self.kubectl(&["delete", "pods,services", "-l", &selector, "--wait=false"]);
            eprintln!(
                "cleanup of execution {id}: kubectl delete -l {selector}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

fn wait_for<T>(what: &str, within: Duration, mut done: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + within;
    loop {
        if let Some(found) = done() {
            return found;
        }
        assert!(Instant::now() < until, "waited {within:?} for {what}");
        std::thread::sleep(Duration::from_secs(2));
    }
}

#[test]
fn web_hello_runs_on_a_real_cluster_and_leaves_nothing() {
    let Some(kubeconfig) = kubeconfig() else {
        return;
    };
    let mut real = Real::new(kubeconfig);
    let nodes = real.json(&["nodes"]);
    assert!(
        nodes.to_string().contains("real/"),
        "the cluster's nodes show as real/<node>: {nodes}"
    );

    let out = real.ok(&[
        "start",
        "web-hello-0",
        "--name",
        "real-test",
        "--on",
        "real",
    ]);
    let id = out
        .lines()
        .find(|l| !l.contains(':') && !l.trim().is_empty())
        .unwrap_or_else(|| panic!("no execution id in: {out}"))
        .trim()
        .to_string();
    real.launched = Some(id.clone());

    // ps lists it, inspect places its one instance on a node of the cluster
    let ps = real.json(&["ps"]);
    assert!(ps.to_string().contains(&id), "{ps}");
    let inspect = real.json(&["inspect", &id]);
    let instances = inspect["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 1, "{inspect}");
    let host = instances[0]["host"].as_str().unwrap_or_default();
    assert!(host.starts_with("real/"), "{inspect}");
    let objects = real.objects_of(&id);
    assert!(
        objects.iter().filter(|o| o.starts_with("pod/")).count() == 1,
        "{objects:?}"
    );

    // its log, once the container runs
    let text = env("ZOE_TEST_KUBE_LOG_TEXT")
        .unwrap_or_else(|| "serving a greeting page on port 8080".to_string());
    wait_for(
        "the web service's log line",
        Duration::from_secs(300),
        || {
            let out = real.zoe(&["logs", &id]);
            let logs = String::from_utf8_lossy(&out.stdout).into_owned();
            logs.contains(&text).then_some(())
        },
    );

    // kill, then nothing of it is left
    real.ok(&["kill", &id]);
    wait_for("no Pod or Service left", Duration::from_secs(120), || {
        real.objects_of(&id).is_empty().then_some(())
    });
    real.launched = None;
    let ps = real.json(&["ps", "-a"]);
    assert!(ps.to_string().contains("terminated"), "{ps}");
}
