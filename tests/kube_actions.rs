//! Acting on one instance on a Kubernetes cluster (the fake API server of
//! tests/support/fake_kube), through the engine both fronts use: a pod's
//! object as JSON, an elastic pod restarted (deleted, placed again by
//! supervision), an essential pod restarted (made again on its node)
//! without supervision ending its execution. No Docker needed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/fake_kube/mod.rs"]
mod fake_kube;
#[path = "support/kube_console.rs"]
mod kube_console;

use std::path::PathBuf;

use kube_console::Cluster;
use zoe_console::config::deployment_key::key_path;
use zoe_console::config::targets::{KubeFlags, load_targets};
use zoe_console::config::{Paths, load_settings};
use zoe_console::console::access::Asking;
use zoe_console::console::engine::Engine;
use zoe_console::console::events::Events;

/// The engine of the console home of `c`, asked by the execution's owner.
fn engine(c: &Cluster, owner: &str) -> Engine {
    let home = c.dir.path().to_path_buf();
    let kubeconfig = c.kubeconfig.clone();
    let env = move |k: &str| -> Option<String> {
        let at = |p: PathBuf| Some(p.display().to_string());
        match k {
            "HOME" => at(home.clone()),
            "XDG_CONFIG_HOME" => at(home.join("config")),
            "XDG_CACHE_HOME" => at(home.join("cache")),
            "XDG_STATE_HOME" => at(home.join("state")),
            "KUBECONFIG" => at(kubeconfig.clone()),
            _ => None,
        }
    };
    let paths = Paths::from_env(&env);
    let loaded = load_settings(None, &env, &paths).unwrap();
    let targets = load_targets(&loaded.settings, &env, &KubeFlags::default()).unwrap();
    let key = key_path(&loaded.settings, &paths);
    let (engine, _) = Engine::open(
        loaded.settings,
        targets.targets,
        &paths.cache_dir.join("state.db"),
        &key,
        false,
        false,
    )
    .unwrap();
    engine.with_asking(Asking {
        user: Ok(owner.into()),
        ..Asking::unknown()
    })
}

fn uid(c: &Cluster, pod: &str) -> Option<String> {
    c.fake.pod("zapps", pod).and_then(|p| p.metadata.uid)
}

#[test]
fn pods_are_described_and_restarted_elastic_and_essential() {
    let (c, id) = Cluster::master_workers();
    let owner = c.record(&id)["owner"].as_str().unwrap().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = engine(&c, &owner);
    runtime.block_on(async {
        // `y`: the pod's object
        let (target, json) = engine.describe_instance(&id, "master0").await.unwrap();
        assert_eq!(target.instance, "master0");
        let name = json["metadata"]["name"].as_str().unwrap();
        assert_eq!(name, c.pod_of(&id, "master0"));
        assert_eq!(json["metadata"]["labels"]["zoe_execution_id"], id.as_str());

        // an elastic pod: deleted and placed again, the others untouched
        let elastic = c.pod_of(&id, "extra-worker1");
        let before = uid(&c, &elastic);
        let others: Vec<(String, Option<String>)> = c
            .pods_of(&id)
            .into_iter()
            .filter(|p| *p != elastic)
            .map(|p| (p.clone(), uid(&c, &p)))
            .collect();
        let restarted = engine
            .restart_instance(&id, "extra-worker1", &Events::none())
            .await
            .unwrap();
        assert_eq!(restarted.target.instance, "extra-worker1");
        let now = c.pod_of(&id, "extra-worker1");
        assert!(uid(&c, &now).is_some());
        assert_ne!(uid(&c, &now), before, "a new pod");
        let still: Vec<(String, Option<String>)> = others
            .iter()
            .map(|(p, _)| (p.clone(), uid(&c, p)))
            .collect();
        assert_eq!(still, others, "the other pods were left alone");

        // an essential pod: made again on its node; supervision does not
        // end the execution
        let master = c.pod_of(&id, "master0");
        let before = uid(&c, &master);
        let node_before = c
            .fake
            .pod("zapps", &master)
            .and_then(|p| p.spec.and_then(|s| s.node_name));
        engine
            .restart_instance(&id, "master0", &Events::none())
            .await
            .unwrap();
        let master = c.pod_of(&id, "master0");
        assert_ne!(uid(&c, &master), before, "a new pod");
        let node_after = c
            .fake
            .pod("zapps", &master)
            .and_then(|p| p.spec.and_then(|s| s.node_name));
        assert_eq!(node_after, node_before, "on the same node");
        let (report, _) = engine.supervise(&Events::none(), false).await.unwrap();
        assert!(report.ended.is_empty(), "{report:?}");
    });
    c.wait_running();
    assert_eq!(c.record(&id)["status"], "running");
    assert_eq!(c.pods_of(&id).len(), 6);
}
