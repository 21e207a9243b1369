//! Only what this deployment made is its own: next to a real execution,
//! containers made with `docker run` that copy its labels (unsigned, badly
//! signed, under another name), that claim its id and die, that look like a
//! Zoe master's or whose labels do not parse are foreign: never adopted,
//! grown (by `zoe supervise` or the terminal UI), counted, ended or removed
//! by `zoe kill`; listed by `zoe ps --foreign`, removed one by one with
//! `zoe kill --foreign`. A network of an execution's name that the
//! deployment did not create is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::engines::{Engines, Setup, container_of, execution_id, one_host, wait_for};
use common::tmux::open_zoe;
use serde_json::{Value, json};

/// The labels of a container, as Docker reports them (image labels too).
fn labels_of(e: &Engines, container: &str) -> HashMap<String, String> {
    let text = e.docker_ok(
        "local",
        &["inspect", "-f", "{{json .Config.Labels}}", container],
    );
    serde_json::from_str(&text).unwrap()
}

/// `docker run -d --name NAME` with `labels`, running `command`; its id.
fn run_forged(
    e: &Engines,
    name: &str,
    labels: &HashMap<String, String>,
    command: &[&str],
) -> String {
    let mut args: Vec<String> = ["run", "-d", "--name", name].map(String::from).to_vec();
    for (k, v) in labels {
        args.extend(["--label".to_string(), format!("{k}={v}")]);
    }
    args.push("zoe-demo/busybox:1".into());
    args.extend(command.iter().map(|s| s.to_string()));
    e.docker_ok(
        "local",
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )
}

/// Containers of the setup's deployment on `local`, any state.
fn deployment_containers(e: &Engines, setup: &Setup) -> Vec<String> {
    let filter = format!("label=zoe_deployment_name={}", setup.deployment);
    e.docker_ok("local", &["ps", "-aq", "--no-trunc", "--filter", &filter])
        .lines()
        .map(str::to_string)
        .collect()
}

fn exists(e: &Engines, container: &str) -> bool {
    e.docker("local", &["inspect", container]).status.success()
}

fn dir_is_empty(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

#[test]
fn forged_containers_are_foreign_and_never_adopted_grown_counted_ended_or_removed() {
    let Some(e) = common::tmux::ready() else {
        return;
    };
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    let dep = setup.deployment.clone();
    let launched = setup.json(&["start", "master-workers-0", "-p", "worker=1"]);
    let id = execution_id(&launched);
    let real: Vec<String> = launched["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["container"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(real.len(), 5, "{launched}");
    let (_, master) = container_of(&launched, "master0");
    let (_, essential_extra) = container_of(&launched, "extra-worker0");
    let node_before = setup.json(&["nodes"])[0].clone();

    // A host folder an elastic service made from a forged description
    // would mount, and write into.
    let loot = tempfile::tempdir().unwrap();
    let copied = labels_of(&e, &essential_extra);
    assert!(copied.contains_key("org.zoe-console.signature"));
    let mut description: Value =
        serde_json::from_str(&copied["org.zoe-console.description"]).unwrap();
    for service in description["services"].as_array_mut().unwrap() {
        if service["name"] == "extra-worker" {
            service["volumes"] = json!([{"name": "loot", "path": loot.path(), "read_only": false}]);
            service["command"] =
                json!("sh -c 'echo pwned > /mnt/loot/pwned; trap \"exit 0\" TERM; sleep 600'");
        }
    }
    // one essential extra worker running and two elastic ones missing: if
    // it were adopted, supervision would grow them from this description
    let forged_execution = |fid: &str| {
        let mut labels = copied.clone();
        labels.insert("zoe_execution_id".into(), fid.into());
        labels.insert("zoe_service_id".into(), format!("{fid}-extra-worker0"));
        labels.insert(
            "org.zoe-console.description".into(),
            description.to_string(),
        );
        labels
    };
    // (a) copied labels, forged description, signature removed
    let mut a = forged_execution("forgeda1");
    a.remove("org.zoe-console.signature");
    let a_id = run_forged(
        &e,
        &format!("extra-worker0-forgeda1-{dep}"),
        &a,
        &["sleep", "600"],
    );
    // (b) the same with a wrong signature (the real container's)
    let b = forged_execution("forgedb1");
    assert_eq!(
        b["org.zoe-console.signature"],
        copied["org.zoe-console.signature"]
    );
    let b_id = run_forged(
        &e,
        &format!("extra-worker0-forgedb1-{dep}"),
        &b,
        &["sleep", "600"],
    );
    // (c) the real master's labels, signature and all, under another name:
    // an essential service of the real execution that exits at once
    let master_labels = labels_of(&e, &master);
    assert_eq!(master_labels["org.zoe-console.essential"], "true");
    let c_id = run_forged(
        &e,
        &format!("copy-of-master-{dep}"),
        &master_labels,
        &["sh", "-c", "exit 3"],
    );
    // (d) what a Zoe master makes: only Zoe's labels
    let zoe_labels: HashMap<String, String> = [
        ("zoe_type", "app_service"),
        ("zoe_deployment_name", dep.as_str()),
        ("zoe_execution_id", "42"),
        ("zoe_execution_name", "zoe-run"),
        ("zoe_service_name", "master0"),
        ("zoe_owner", "bob"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let d_id = run_forged(
        &e,
        &format!("master0-42-{dep}"),
        &zoe_labels,
        &["sleep", "600"],
    );
    // (e) labels that do not parse
    let mut bad = master_labels.clone();
    bad.insert("org.zoe-console.cores".into(), "NaN".into());
    let e_id = run_forged(&e, &format!("bad-cores-{dep}"), &bad, &["sleep", "600"]);
    let forged = [&a_id, &b_id, &c_id, &d_id, &e_id];

    wait_for(
        "the forged master copy to exit",
        Duration::from_secs(20),
        || e.docker_ok("local", &["inspect", "-f", "{{.State.Running}}", &c_id]) == "false",
    );
    let before = deployment_containers(&e, &setup);
    assert_eq!(before.len(), real.len() + forged.len());

    // supervision: nothing grown, nothing ended
    for _ in 0..2 {
        let pass = setup.zoe(&["supervise", "--once"]);
        assert_eq!(pass.code, 0, "{}{}", pass.stdout, pass.stderr);
        assert!(!pass.stdout.contains("started elastic"), "{}", pass.stdout);
        assert!(!pass.stdout.contains("ended"), "{}", pass.stdout);
    }
    let mut after = deployment_containers(&e, &setup);
    let mut expected = before.clone();
    after.sort();
    expected.sort();
    assert_eq!(after, expected, "nothing was created or removed");
    assert!(dir_is_empty(loot.path()), "the host folder is untouched");

    // never adopted: only the real execution, and it still runs
    let ps = setup.json(&["ps"]);
    let rows = ps.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{ps}");
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["status"], "running", "{ps}");
    let all = setup.json(&["ps", "-a"]).to_string();
    for fid in ["forgeda1", "forgedb1", "\"42\""] {
        assert!(!all.contains(fid), "{fid} has no record: {all}");
    }
    assert_ne!(setup.zoe(&["inspect", "forgeda1"]).code, 0);

    // never counted
    let node = setup.json(&["nodes"])[0].clone();
    for field in ["memory_reserved", "cores_reserved"] {
        assert_eq!(node[field], node_before[field], "{field}: {node}");
    }
    assert_eq!(node["services"].as_array().unwrap().len(), real.len());
    let table = setup.zoe(&["nodes"]).stdout;
    for kind in [
        "foreign (bad signature)",
        "foreign (zoe master)",
        "foreign (bad labels)",
    ] {
        assert!(table.contains(kind), "{kind} in\n{table}");
    }

    // each listed by ps --foreign with its kind
    let listed = setup.json(&["ps", "--foreign"]);
    let kind_of = |container: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == container)
            .map(|f| (f["kind"].clone(), f["claims"].clone(), f["host"].clone()))
    };
    assert_eq!(listed.as_array().unwrap().len(), forged.len(), "{listed}");
    for (container, kind, claims) in [
        (&a_id, "bad-signature", "forgeda1"),
        (&b_id, "bad-signature", "forgedb1"),
        (&c_id, "bad-signature", id.as_str()),
        (&d_id, "zoe-master", "42"),
        (&e_id, "bad-labels", id.as_str()),
    ] {
        assert_eq!(
            kind_of(container),
            Some((json!(kind), json!(claims), json!("local"))),
            "{listed}"
        );
    }
    let text = setup.zoe(&["ps", "--foreign"]).stdout;
    assert!(
        text.contains("KIND") && text.contains("zoe master") && text.contains("bad signature"),
        "{text}"
    );

    // the terminal UI supervises too: with the forged execution present
    // through at least two of its looks, it grows nothing
    let pane = open_zoe(&setup, "");
    pane.wait_for("the host online", 30, |s| s.contains("1/1 hosts online"));
    std::thread::sleep(Duration::from_secs(22));
    pane.keys(&["2"]);
    let screen = pane.wait_for("the executions", 10, |s| s.contains(&id));
    assert!(!screen.contains("forgeda1"), "{screen}");
    pane.keys(&["q"]);
    drop(pane);
    let mut after = deployment_containers(&e, &setup);
    after.sort();
    assert_eq!(
        after, expected,
        "the terminal UI created or removed nothing"
    );
    assert!(dir_is_empty(loot.path()), "the host folder is untouched");

    // removing one on purpose: foreign only, not in read-only mode
    let refused = setup.zoe(&["kill", "--foreign", &master[..12]]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains(&format!(
            "is an execution of this deployment: use zoe kill {id}"
        )),
        "{}",
        refused.stderr
    );
    let readonly = setup.zoe(&["--readonly", "kill", "--foreign", &d_id[..12]]);
    assert_ne!(readonly.code, 0);
    assert!(readonly.stderr.contains("read-only"), "{}", readonly.stderr);
    assert!(exists(&e, &d_id));
    let removed = setup.zoe(&["kill", "--foreign", &d_id[..12]]);
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    assert!(
        removed.stdout.contains(&format!("master0-42-{dep}")),
        "{}",
        removed.stdout
    );
    assert!(!exists(&e, &d_id), "removed");
    let by_name = setup.zoe(&["kill", "--foreign", &format!("bad-cores-{dep}")]);
    assert_eq!(by_name.code, 0, "{}", by_name.stderr);
    assert!(!exists(&e, &e_id), "removed by name");
    let gone = setup.zoe(&["kill", "--foreign", &d_id[..12]]);
    assert!(
        gone.stderr.contains("no foreign container"),
        "{}",
        gone.stderr
    );

    // kill removes the real execution only
    let kill = setup.zoe(&["kill", &id]);
    assert_eq!(kill.code, 0, "{}", kill.stderr);
    for container in &real {
        assert!(!exists(&e, container), "{container} removed");
    }
    for container in [&a_id, &b_id, &c_id] {
        assert!(exists(&e, container), "forged {container} left in place");
    }
    assert_eq!(e.leftovers("local", &id).1, 0, "its network is removed");
    assert!(dir_is_empty(loot.path()));
}

#[test]
fn a_network_of_the_execution_name_that_the_deployment_did_not_make_is_refused() {
    let Some(e) = common::engines::engines() else {
        return;
    };
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    let conf = std::fs::read_to_string(setup.dir.path().join("docker.conf")).unwrap();
    let targets = zoe_console::backend::Targets::new(
        zoe_console::config::docker_conf::parse_docker_conf(&conf)
            .hosts
            .into_iter()
            .map(zoe_console::config::hosts::TargetConfig::Docker)
            .collect(),
        setup.key(),
    );
    let execution = format!("n{}", std::process::id());
    let network = format!("zoe-{execution}");
    e.docker_ok(
        "local",
        &[
            "network",
            "create",
            "--label",
            &format!("org.zoe-console.network-of={execution}"),
            "--label",
            &format!("zoe_deployment_name={}", setup.deployment),
            &network,
        ],
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pool = zoe_console::config::settings::Settings::default()
        .subnet_pool()
        .unwrap();
    let prepare = || {
        runtime.block_on(targets.prepare_network(
            "local",
            &network,
            &setup.deployment,
            &execution,
            &pool,
        ))
    };
    let refused = prepare().unwrap_err().to_string();
    assert!(
        refused.contains(&format!(
            "a network named {network} exists on local that this deployment did not create"
        )),
        "{refused}"
    );
    // an execution's own network is removed; one it did not make is not
    // (nor is it counted as left of the execution)
    let cleaned = runtime
        .block_on(targets.clean_execution("local", &setup.deployment, &execution, 0))
        .unwrap();
    assert_eq!((cleaned.removed, cleaned.left.len()), (0, 0), "{cleaned:?}");
    assert!(
        e.docker("local", &["network", "inspect", &network])
            .status
            .success()
    );
    e.docker_ok("local", &["network", "rm", &network]);
    assert_eq!(prepare(), Ok(true), "made and signed");
    assert_eq!(prepare(), Ok(false), "its own: used as it is");
    let labels = e.docker_ok(
        "local",
        &["network", "inspect", "-f", "{{json .Labels}}", &network],
    );
    assert!(labels.contains("org.zoe-console.signature"), "{labels}");
    let cleaned = runtime
        .block_on(targets.clean_execution("local", &setup.deployment, &execution, 0))
        .unwrap();
    assert!(cleaned.left.is_empty(), "{cleaned:?}");
    assert!(
        !e.docker("local", &["network", "inspect", &network])
            .status
            .success()
    );
}
