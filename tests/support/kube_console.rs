//! A console home against a fake cluster, for the end-to-end tests that run
//! the real `zoe` binary (with kubectl as the independent client).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

pub use crate::common::cluster_cli::kubectl_path;
use crate::common::cluster_cli::{stdout_ok, zoe_in_home};
use crate::fake_kube::{FakeKube, node};

/// A fake cluster on its own runtime (alive as long as this is), and a
/// console home with a kubeconfig for it.
pub struct Cluster {
    pub fake: FakeKube,
    /// The shop the console reads (the sample shop unless a test says).
    pub shop: PathBuf,
    _runtime: tokio::runtime::Runtime,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl Cluster {
    pub fn new(settings: &str) -> Cluster {
        let (fake, runtime) = FakeKube::start_on_own_runtime().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        fake.write_kubeconfig(&kubeconfig, "fake", Some("zapps"), None)
            .unwrap();
        fake.add_namespace("zapps");
        fake.set_scheduler(true);
        fake.set_kubelet(true);
        fake.set_stop_after(Some(Duration::from_millis(300)));
        std::fs::create_dir_all(dir.path().join("config/zoe")).unwrap();
        std::fs::write(
            dir.path().join("config/zoe/config.toml"),
            format!(
                "deployment_name = \"kt\"\n{settings}\n[[kubernetes]]\nname = \"fake\"\nkubeconfig = \"{}\"\ncontext = \"fake\"\nunschedulable_timeout_secs = 3\n",
                kubeconfig.display()
            ),
        )
        .unwrap();
        Cluster {
            fake,
            shop: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/shop")),
            _runtime: runtime,
            dir,
            kubeconfig,
        }
    }

    /// Two nodes, n1 and n2, of 4 CPUs and 8 GiB each.
    pub fn two_nodes() -> Cluster {
        let c = Cluster::new("");
        c.fake.add_node(node("n1").cpu("4").memory("8Gi"));
        c.fake.add_node(node("n2").cpu("4").memory("8Gi"));
        c
    }

    /// `two_nodes` with master-workers running as `mw` (6 pods: master0,
    /// worker0-1 and extra-worker0 essential, extra-worker1-2 elastic);
    /// its execution id.
    pub fn master_workers() -> (Cluster, String) {
        let c = Cluster::two_nodes();
        let id = c.start(&["master-workers-0", "--name", "mw"]);
        c.wait_running();
        assert_eq!(c.pods_of(&id).len(), 6);
        (c, id)
    }

    /// The real `zoe` binary in this console home.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = zoe_in_home(self.dir.path());
        command
            .arg("--shop")
            .arg(&self.shop)
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig);
        command
    }

    pub fn zoe(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// A long-running `zoe` (killed when dropped); its output goes to
    /// `<name>.out` / `<name>.err` in the console home.
    pub fn spawn(&self, name: &str, args: &[&str]) -> Running {
        let out = std::fs::File::create(self.dir.path().join(format!("{name}.out"))).unwrap();
        let err = std::fs::File::create(self.dir.path().join(format!("{name}.err"))).unwrap();
        let child = self.command(args).stdout(out).stderr(err).spawn().unwrap();
        Running {
            child,
            out: self.dir.path().join(format!("{name}.out")),
        }
    }

    /// Starts a ZApp; its execution id.
    pub fn start(&self, args: &[&str]) -> String {
        let mut all = vec!["start"];
        all.extend(args);
        let out = self.ok(&all);
        out.lines()
            .find(|l| !l.contains(':') && !l.trim().is_empty())
            .unwrap()
            .trim()
            .to_string()
    }

    /// This deployment's pods of an execution, by name.
    pub fn pods_of(&self, id: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .fake
            .pods()
            .into_iter()
            .filter(|p| {
                p.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("zoe_execution_id"))
                    .is_some_and(|e| e == id)
            })
            .map(|p| p.metadata.name.unwrap())
            .collect();
        names.sort();
        names
    }

    /// The pod of an instance (`master0` → `master0-…`).
    pub fn pod_of(&self, id: &str, instance: &str) -> String {
        self.pods_of(id)
            .into_iter()
            .find(|p| p.starts_with(&format!("{instance}-")))
            .unwrap_or_else(|| panic!("no pod of {instance} in {id}"))
    }

    /// Waits until every pod of the fake runs.
    pub fn wait_running(&self) {
        self.wait("running pods", Duration::from_secs(10), |f| {
            f.pods()
                .iter()
                .all(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        });
    }

    /// The execution's record as `zoe ps -a` shows it (a look: it also
    /// reconciles).
    pub fn record(&self, id: &str) -> Value {
        let ps = self.json(&["ps", "-a"]);
        ps.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id} in {ps}"))
    }

    pub fn ok(&self, args: &[&str]) -> String {
        stdout_ok(&format!("zoe {args:?}"), &self.zoe(args))
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    pub fn kubectl(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(kubectl_path())
            .args(args)
            .args(["--request-timeout=10s"])
            .env("HOME", self.dir.path())
            .env("KUBECONFIG", &self.kubeconfig)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn wait(&self, what: &str, within: Duration, done: impl Fn(&FakeKube) -> bool) {
        let until = Instant::now() + within;
        while !done(&self.fake) {
            assert!(Instant::now() < until, "waited {within:?} for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

pub fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// A `zoe` process running beside the test, killed when dropped.
pub struct Running {
    pub child: Child,
    out: PathBuf,
}

impl Running {
    /// What it printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
