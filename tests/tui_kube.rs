//! The terminal UI with one Docker host (`local`, a real daemon) and one
//! fake Kubernetes cluster (tests/support/fake_kube) in tmux: the nodes
//! view shows both grouped by target and the header names the cluster's
//! context and namespace; a ZApp pinned to the cluster by the start form's
//! target field reaches running, its merged logs show the pod's lines,
//! terminate empties the fake; `:ctx` and `:ns` list and switch. And a
//! credential plugin that talks on stderr does not scribble over the
//! screen. Needs tmux and the test engines (run under the Docker lock).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "support/fake_kube/mod.rs"]
mod fake_kube;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::engines::{Setup, one_host};
use common::tmux::{open_zoe, ready};
use fake_kube::{FakeKube, node};

/// A fake cluster (context `fake`, namespace `zapps`, n1 and a cordoned
/// n2) on its own runtime, alive as long as this is.
struct Fake {
    fake: FakeKube,
    _runtime: tokio::runtime::Runtime,
}

impl Fake {
    fn start() -> Fake {
        let (fake, runtime) = FakeKube::start_on_own_runtime().unwrap();
        fake.add_node(node("n1").cpu("4").memory("8Gi").role("worker"));
        fake.add_node(node("n2").cpu("4").memory("8Gi").cordoned());
        fake.add_namespace("zapps");
        fake.add_namespace("team-b");
        fake.set_scheduler(true);
        fake.set_kubelet(true);
        fake.set_chatter(Some(Duration::from_millis(500)));
        fake.set_stop_after(Some(Duration::from_millis(300)));
        Fake {
            fake,
            _runtime: runtime,
        }
    }

    /// This deployment's pods and Services left in the fake.
    fn ours(&self, deployment: &str) -> (usize, usize) {
        let ours = |labels: Option<&std::collections::BTreeMap<String, String>>| {
            labels.is_some_and(|l| l.values().any(|v| v == deployment))
        };
        (
            self.fake
                .pods()
                .iter()
                .filter(|p| ours(p.metadata.labels.as_ref()))
                .count(),
            self.fake
                .services()
                .iter()
                .filter(|s| ours(s.metadata.labels.as_ref()))
                .count(),
        )
    }
}

/// The setup's settings with a `[[kubernetes]]` entry for `kubeconfig`.
fn add_cluster(setup: &Setup, kubeconfig: &Path) {
    let mut settings = std::fs::read_to_string(&setup.config).unwrap();
    settings.push_str(&format!(
        "\n[[kubernetes]]\nname = \"fake\"\nkubeconfig = \"{}\"\ncontext = \"fake\"\nunschedulable_timeout_secs = 5\n",
        kubeconfig.display()
    ));
    std::fs::write(&setup.config, settings).unwrap();
}

fn wait(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < until, "waited {within:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_docker_host_and_a_cluster_side_by_side_in_the_terminal_ui() {
    let Some(e) = ready() else { return };
    let cluster = Fake::start();
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    let kubeconfig = setup.dir.path().join("kubeconfig");
    cluster
        .fake
        .write_kubeconfig(&kubeconfig, "fake", Some("zapps"), None)
        .unwrap();
    add_cluster(&setup, &kubeconfig);
    let pane = open_zoe(&setup, "");
    pane.wait_for("the header to name the cluster", 30, |s| {
        s.contains("1/1 hosts online · fake: context fake ns zapps")
    });

    // the nodes view: the host and the cluster's nodes under its heading
    pane.keys(&["3"]);
    let screen = pane.wait_for("both targets in the nodes view", 10, |s| {
        s.contains("Docker hosts · 1/1 online")
            && s.contains("fake · cluster · context fake ns zapps · 1/2 nodes take work")
    });
    assert!(screen.contains(" local "), "{screen}");
    assert!(
        screen
            .lines()
            .any(|l| l.contains(" n2 ") && l.contains("no work")),
        "{screen}"
    );

    // :ctx lists the kubeconfig's contexts, :ns the cluster's namespaces
    pane.keys(&[":"]);
    pane.text("ctx");
    pane.keys(&["Enter"]);
    pane.wait_for("the contexts", 10, |s| s.contains("* fake"));
    pane.keys(&[":"]);
    pane.text("ns");
    pane.keys(&["Enter"]);
    pane.wait_for("the namespaces", 10, |s| {
        s.contains("* zapps") && s.contains("  team-b")
    });
    pane.keys(&[":"]);
    pane.text("ns nowhere");
    pane.keys(&["Enter"]);
    pane.wait_for("an unknown namespace refused", 10, |s| {
        s.contains("no namespace `nowhere` on cluster fake")
    });
    pane.keys(&[":"]);
    pane.text("ctx nowhere");
    pane.keys(&["Enter"]);
    pane.wait_for("an unknown context refused", 10, |s| {
        s.contains("no context `nowhere` in the kubeconfig")
    });

    // web-hello pinned to the cluster by the form's target field
    pane.keys(&["1", "/"]);
    pane.text("web");
    pane.keys(&["Enter", "Enter"]);
    pane.wait_for("the entry", 10, |s| s.contains("SERVICES"));
    pane.keys(&["s"]);
    pane.wait_for("the form", 10, |s| s.contains("Target (+/- to choose)"));
    // the target field is the last: shift-tab from the first, then the
    // last choice (any, local, fake)
    pane.keys(&["BTab", "-"]);
    pane.wait_for("the preview on the cluster", 10, |s| s.contains("fake/n1"));
    let id = pane.launch_until_running("1/1");
    assert_eq!(cluster.ours(&setup.deployment).0, 1, "one pod on the fake");
    assert_eq!(e.leftovers("local", &id).0, 0, "nothing on the Docker host");

    // the merged logs show the pod's lines
    pane.keys(&["l"]);
    pane.wait_for("the pod's lines in the merged logs", 30, |s| {
        s.lines().any(|l| l.contains("│ ") && l.contains("tick"))
    });

    // terminate empties the fake
    pane.terminate(&id);
    wait("the fake to be empty", Duration::from_secs(20), || {
        cluster.ours(&setup.deployment) == (0, 0)
    });
    pane.keys(&["q"]);
}

/// An exec plugin that counts its runs in `dir/count`, says something on
/// stderr and hands out `plugin-token`; the kubeconfig's user runs it.
fn plugin_kubeconfig(fake: &FakeKube, dir: &Path) -> PathBuf {
    let script = dir.join("plugin.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nn=$(cat {count} 2>/dev/null || echo 0)\necho $((n+1)) > {count}\necho PLUGIN-STDERR-MARKER >&2\nprintf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"plugin-token\"}}}}'\n",
            count = dir.join("count").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    fake.write_kubeconfig(&kubeconfig, "fake", Some("zapps"), None)
        .unwrap();
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    let exec = format!(
        "  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: IfAvailable\n",
        script.display()
    );
    assert!(text.contains("  user: {}\n"), "{text}");
    std::fs::write(&kubeconfig, text.replace("  user: {}\n", &exec)).unwrap();
    kubeconfig
}

fn runs(dir: &Path) -> u32 {
    std::fs::read_to_string(dir.join("count"))
        .map(|t| t.trim().parse().unwrap())
        .unwrap_or(0)
}

#[test]
fn a_credential_plugin_talks_before_the_terminal_ui_never_over_it() {
    let Some(e) = ready() else { return };
    let cluster = Fake::start();
    cluster.fake.require_token(Some("plugin-token"));
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    let kubeconfig = plugin_kubeconfig(&cluster.fake, setup.dir.path());
    add_cluster(&setup, &kubeconfig);
    let pane = open_zoe(&setup, "");
    pane.wait_for("the cluster online through the plugin's token", 30, |s| {
        s.contains("fake: context fake ns zapps") && !s.contains("offline")
    });
    assert_eq!(pane.show("#{alternate_on}"), "1");
    let before = runs(setup.dir.path());
    assert!(
        before >= 2,
        "once on the terminal, then by the engine: {before}"
    );
    // the engine made again: the plugin runs while the UI holds the screen
    pane.keys(&[":"]);
    pane.text("ctx fake");
    pane.keys(&["Enter"]);
    pane.wait_for("the switch", 10, |s| {
        s.contains("fake now uses context fake")
    });
    wait("the plugin to run again", Duration::from_secs(20), || {
        runs(setup.dir.path()) > before
    });
    pane.keys(&["3"]);
    let screen = pane.wait_for("the cluster's nodes", 20, |s| s.contains(" n1 "));
    assert!(!screen.contains("PLUGIN-STDERR-MARKER"), "{screen}");
    // quit: the plain terminal shows what the plugin said before the UI
    // took the screen (it could prompt there)
    pane.keys(&["q"]);
    let screen = pane.wait_for("zoe to end", 10, |s| s.contains("exited 0"));
    assert!(screen.contains("PLUGIN-STDERR-MARKER"), "{screen}");
}
