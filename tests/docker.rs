//! Integration tests against real Docker daemons started by
//! `scripts/engines.sh` (the README's test command starts them). Without
//! them these tests are skipped with a message, unless ZOE_REQUIRE_ENGINES=1
//! (set by scripts/test.sh), in which case they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::engines::{
    REMOTE, Setup, container_of, custom_shop, engines, execution_id, service, two_hosts, wait_for,
};
use serde_json::{Value, json};

#[test]
fn master_and_three_workers_launch_talk_stream_and_leave_nothing() {
    let Some(e) = engines() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let nodes = setup.zoe(&["nodes", "-o", "json"]);
    assert_eq!(nodes.code, 0, "{}", nodes.stderr);
    let nodes: Value = serde_json::from_str(&nodes.stdout).unwrap();
    assert_eq!(nodes.as_array().unwrap().len(), 2);
    assert!(
        nodes
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["error"].is_null() && n["cores_total"].as_f64().unwrap() > 0.0)
    );

    let run = setup.zoe(&[
        "start",
        "master-workers-0",
        "-p",
        "worker=3",
        "--name",
        "mw-test",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let launched: Value = serde_json::from_str(&run.stdout).unwrap();
    let id = execution_id(&launched);
    let containers = launched["containers"].as_array().unwrap();
    let workers: Vec<&Value> = containers
        .iter()
        .filter(|c| c["instance"].as_str().unwrap().starts_with("worker"))
        .collect();
    assert_eq!(workers.len(), 3);
    let host = containers[0]["host"].as_str().unwrap().to_string();
    assert!(
        containers.iter().all(|c| c["host"] == host.as_str()),
        "one host for a per-execution bridge network"
    );
    assert!(
        launched["endpoints"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );

    // every worker reaches the master by its DNS name
    let master = format!("master0-{id}-{}", setup.deployment);
    wait_for(
        "every worker to reach the master",
        Duration::from_secs(30),
        || {
            let logs = setup.zoe(&["logs", &id, "worker"]);
            (0..3).all(|n| {
                logs.stdout
                    .contains(&format!("worker{n}: reached master {master}"))
            })
        },
    );

    // `zoe logs -f` streams: new lines keep arriving
    let mut child = setup
        .command(&["logs", &id, "worker0", "-f", "--tail", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(10));
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let streamed = String::from_utf8_lossy(&out.stdout);
    assert!(
        streamed
            .lines()
            .filter(|l| l.contains("reached master"))
            .count()
            >= 2,
        "{streamed}"
    );

    let ps = setup.zoe(&["ps", "-o", "json"]);
    let views: Value = serde_json::from_str(&ps.stdout).unwrap();
    let view = views
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id.as_str())
        .unwrap();
    assert_eq!(view["status"], "running");
    assert_eq!(view["name"], "mw-test");

    let kill = setup.zoe(&["kill", "mw-test"]);
    assert_eq!(kill.code, 0, "{}", kill.stderr);
    for h in ["local", "remote"] {
        assert_eq!(
            e.leftovers(h, &id),
            (0, 0),
            "containers/networks left on {h}"
        );
    }
    assert_eq!(
        setup.zoe(&["kill", &id]).code,
        1,
        "a second kill finds nothing"
    );
}

#[test]
fn placement_honours_labels_and_capacity_and_says_why_not() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    custom_shop(
        shop.path(),
        json!([service("needs-ssd", "zoe-demo/busybox:1", 0, &["ssd"])]),
    );
    let setup = Setup::with_shop(&two_hosts(&e, "ssd"), shop.path());
    let plan = setup.zoe(&["start", "custom-0", "--dry-run", "-o", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(
        plan["placements"][0]["node"], "local",
        "only local has the ssd label"
    );

    custom_shop(
        shop.path(),
        json!([service("needs-gpu", "zoe-demo/busybox:1", 0, &["gpu"])]),
    );
    let run = setup.zoe(&["start", "custom-0"]);
    assert_eq!(run.code, 3, "no room: {}", run.stderr);
    assert!(
        run.stderr.contains("local: lacks label gpu")
            && run.stderr.contains("remote: lacks label gpu"),
        "{}",
        run.stderr
    );

    custom_shop(
        shop.path(),
        json!([service("too-big", "zoe-demo/busybox:1", 0, &[])]),
    );
    let run = setup.zoe(&["start", "custom-0", "--memory", "too-big=60", "--dry-run"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stdout.contains("local: memory short by")
            && run.stdout.contains("remote: memory short by"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_missing_image_at_step_two_is_an_error_and_leaves_nothing() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    custom_shop(
        shop.path(),
        json!([
            service("first", "zoe-demo/busybox:1", 0, &[]),
            service("second", "zoe-demo/missing:1", 1, &[])
        ]),
    );
    let setup = Setup::with_shop(&two_hosts(&e, ""), shop.path());
    let run = setup.zoe(&["start", "custom-0", "--name", "missing-image"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("image zoe-demo/missing:1 is not present and cannot be pulled"),
        "{}",
        run.stderr
    );
    let id = run.stderr.split(':').next().unwrap().trim().to_string();
    assert!(
        run.stderr.contains(&format!("{id}: error")),
        "{}",
        run.stderr
    );
    for h in ["local", "remote"] {
        assert_eq!(e.leftovers(h, &id), (0, 0), "left on {h}");
    }
}

#[test]
fn an_unreachable_host_is_offline_and_the_others_keep_working() {
    let Some(e) = engines() else { return };
    let conf = format!(
        "{}\n[dead]\ndocker_address: tcp://127.0.0.1:1\nexternal_address: 127.0.0.1\n",
        two_hosts(&e, "")
    );
    let setup = Setup::new(&conf);
    let started = Instant::now();
    let nodes = setup.zoe(&["nodes"]);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "a dead host must not stall the others"
    );
    assert_eq!(nodes.code, 1, "exit 1 when a host is offline");
    assert!(nodes.stdout.contains("dead    offline"), "{}", nodes.stdout);
    assert!(
        nodes
            .stdout
            .contains("dead: host dead (tcp://127.0.0.1:1): cannot connect"),
        "{}",
        nodes.stdout
    );
    assert!(
        nodes.stdout.contains("2 of 3 nodes online"),
        "{}",
        nodes.stdout
    );

    let id = execution_id(&setup.json(&["start", "web-hello-0"]));
    // it never touched the dead host, so killing it only needs the live ones
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
    for h in ["local", "remote"] {
        assert_eq!(e.leftovers(h, &id), (0, 0));
    }
}

#[test]
fn a_dead_essential_service_ends_its_execution_with_the_reason() {
    let Some(e) = engines() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let run = setup.zoe(&["start", "web-hello-0", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let launched: Value = serde_json::from_str(&run.stdout).unwrap();
    let id = execution_id(&launched);
    let (host, container) = (
        launched["containers"][0]["host"]
            .as_str()
            .unwrap()
            .to_string(),
        launched["containers"][0]["container"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let killed = e.docker(&host, &["kill", &container]);
    assert!(killed.status.success());
    let ps = setup.zoe(&["ps", "-a", "-o", "json"]);
    let views: Value = serde_json::from_str(&ps.stdout).unwrap();
    let view = views
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id.as_str())
        .unwrap();
    assert_eq!(view["status"], "error");
    assert_eq!(
        view["reason"],
        "Essential service web0 died: it exited with code 137"
    );
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
    assert_eq!(e.leftovers(&host, &id), (0, 0));
}

#[test]
fn tls_host_needs_the_right_ca() {
    let Some(e) = engines() else { return };
    let Some(tls) = e.tls("other-ca.pem") else {
        return;
    };
    let conf = |ca: &str| {
        format!(
            "[secure]\ndocker_address: tcp://127.0.0.1:23760\nexternal_address: 127.0.0.1\nuse_tls: yes\ntls_cert: {0}/cert.pem\ntls_key: {0}/key.pem\ntls_ca: {0}/{ca}\n",
            tls.display()
        )
    };
    let good = Setup::new(&conf("ca.pem"));
    let nodes = good.zoe(&["nodes"]);
    assert_eq!(nodes.code, 0, "{}{}", nodes.stdout, nodes.stderr);
    assert!(nodes.stdout.contains("secure  online"), "{}", nodes.stdout);

    let bad = Setup::new(&conf("other-ca.pem"));
    let nodes = bad.zoe(&["nodes"]);
    assert_eq!(nodes.code, 1);
    assert!(
        nodes
            .stdout
            .contains("secure: host secure (tcp://127.0.0.1:23760): cannot connect"),
        "{}",
        nodes.stdout
    );
    assert!(
        nodes.stdout.contains("certificate"),
        "the reason names the certificate problem: {}",
        nodes.stdout
    );
}

fn ps_rows(setup: &Setup) -> Vec<Value> {
    let run = setup.zoe(&["ps", "-a", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str::<Value>(&run.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn the_cache_survives_kill_9_during_a_launch() {
    use std::io::{BufRead, BufReader};
    let Some(e) = engines() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let mut child = setup
        .command(&[
            "start",
            "master-workers-0",
            "-p",
            "worker=8",
            "--name",
            "kill9-test",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut id = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.contains(": creating worker") {
            id = line.split(':').next().unwrap().to_string();
            break;
        }
    }
    assert!(!id.is_empty(), "the launch never got to creating workers");
    child.kill().unwrap(); // SIGKILL, mid-launch
    child.wait().unwrap();

    let rows = ps_rows(&setup);
    let mine: Vec<&Value> = rows.iter().filter(|r| r["id"] == id.as_str()).collect();
    assert_eq!(mine.len(), 1, "neither lost nor duplicated: {rows:?}");
    let status = mine[0]["status"].as_str().unwrap();
    eprintln!(
        "after kill -9 the execution is {status}: {}",
        mine[0]["reason"]
    );
    if status == "error" {
        assert!(
            mine[0]["reason"]
                .as_str()
                .unwrap()
                .contains("launch interrupted"),
            "{:?}",
            mine[0]
        );
        for h in ["local", "remote"] {
            assert_eq!(
                e.leftovers(h, &id),
                (0, 0),
                "the interrupted launch was cleaned up on {h}"
            );
        }
    } else {
        // the launch won the race and completed before the kill
        assert_eq!(status, "running");
        assert_eq!(setup.zoe(&["kill", &id]).code, 0);
    }
    // a second console looking again changes nothing
    let again = ps_rows(&setup);
    assert_eq!(again.iter().filter(|r| r["id"] == id.as_str()).count(), 1);
}

#[test]
fn two_consoles_share_one_cache() {
    let Some(e) = engines() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let children: Vec<_> = ["both-a", "both-b"]
        .iter()
        .map(|name| {
            setup
                .command(&[
                    "start",
                    "batch-counter-0",
                    "-p",
                    "STEPS=2",
                    "--name",
                    name,
                    "-o",
                    "json",
                ])
                .output()
        })
        .collect();
    let mut ids = Vec::new();
    for child in children {
        let out = child.unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ids.push(execution_id(&serde_json::from_slice(&out.stdout).unwrap()));
    }
    // at the same time: two consoles reading and writing the cache
    let readers: Vec<_> = (0..2)
        .map(|_| {
            setup
                .command(&["ps", "-a", "-o", "json"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut r in readers {
        assert!(r.wait().unwrap().success());
    }
    let rows = ps_rows(&setup);
    for id in &ids {
        assert_eq!(rows.iter().filter(|r| r["id"] == id.as_str()).count(), 1);
    }
    // the batch jobs finish on their own: the cache learns it from the cluster
    wait_for("both batch jobs to finish", Duration::from_secs(30), || {
        let rows = ps_rows(&setup);
        ids.iter().all(|id| {
            rows.iter()
                .any(|r| r["id"] == id.as_str() && r["status"] == "terminated")
        })
    });
    for id in &ids {
        setup.zoe(&["kill", id]);
    }
}

#[test]
fn start_wait_queues_until_there_is_room() {
    let Some(_engines) = engines() else { return };
    // only the remote host, so two big executions cannot both fit
    let setup = Setup::new(REMOTE);
    let big = format!("web={:.1}", memory_gib(&setup) * 0.6);
    let first_id = execution_id(&setup.json(&[
        "start",
        "web-hello-0",
        "--memory",
        &big,
        "--name",
        "big-first",
    ]));

    let now = setup.zoe(&[
        "start",
        "web-hello-0",
        "--memory",
        &big,
        "--name",
        "big-second",
    ]);
    assert_eq!(
        now.code, 3,
        "without --wait: no room, exit 3: {}",
        now.stderr
    );
    assert!(
        now.stderr.contains("remote: memory short by"),
        "{}",
        now.stderr
    );

    let waiting = setup
        .command(&[
            "start",
            "web-hello-0",
            "--memory",
            &big,
            "--name",
            "big-waits",
            "--wait",
            "-o",
            "json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(
        "the second execution to be queued",
        Duration::from_secs(20),
        || {
            ps_rows(&setup)
                .iter()
                .any(|r| r["name"] == "big-waits" && r["status"] == "queued")
        },
    );
    assert_eq!(setup.zoe(&["kill", &first_id]).code, 0);
    let out = waiting.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second_id = execution_id(&serde_json::from_slice(&out.stdout).unwrap());
    let inspect: Value =
        serde_json::from_str(&setup.zoe(&["inspect", &second_id, "-o", "json"]).stdout).unwrap();
    let statuses: Vec<&str> = inspect["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"queued") && statuses.last() == Some(&"running"),
        "{statuses:?}"
    );
    assert_eq!(setup.zoe(&["kill", &second_id]).code, 0);
}

/// The memory of the setup's first host, in GiB.
fn memory_gib(setup: &Setup) -> f64 {
    serde_json::from_str::<Value>(&setup.zoe(&["nodes", "-o", "json"]).stdout).unwrap()[0]
        ["memory_total"]
        .as_f64()
        .unwrap()
        / (1u64 << 30) as f64
}

fn instances(setup: &Setup, id: &str) -> Vec<Value> {
    setup.json(&["inspect", id])["instances"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn supervise_ends_an_execution_whose_essential_service_died() {
    let Some(e) = engines() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let launched = setup.json(&["start", "master-workers-0", "-p", "worker=1"]);
    let id = execution_id(&launched);
    let (host, master) = container_of(&launched, "master0");
    e.docker_ok(&host, &["kill", &master]);

    let pass = setup.zoe(&["supervise", "--once"]);
    assert_eq!(pass.code, 0, "{}", pass.stderr);
    assert!(
        pass.stdout.contains(&format!(
            "{id}: ended: Essential service master0 died: it exited with code 137"
        )),
        "{}",
        pass.stdout
    );
    let rows = ps_rows(&setup);
    let row = rows.iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!(row["status"], "error");
    assert!(
        instances(&setup, &id)
            .iter()
            .all(|i| i["state"] != "started"),
        "nothing of it runs any more"
    );
    // its stopped containers keep their logs until it is killed
    assert!(
        setup
            .zoe(&["logs", &id, "worker0"])
            .stdout
            .contains("worker0:")
    );
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
    assert_eq!(e.leftovers(&host, &id), (0, 0));
}

#[test]
fn supervise_ends_an_execution_whose_essential_container_was_removed_at_once() {
    let Some(e) = engines() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let launched = setup.json(&["start", "master-workers-0", "-p", "worker=1"]);
    let id = execution_id(&launched);
    let (host, master) = container_of(&launched, "master0");
    // the launch is over (the record says running): a removed essential
    // container has gone, not "still being created", well within the
    // launch window
    std::thread::sleep(std::time::Duration::from_secs(3));
    e.docker_ok(&host, &["rm", "-f", &master]);
    let pass = setup.zoe(&["supervise", "--once"]);
    assert_eq!(pass.code, 0, "{}", pass.stderr);
    assert!(
        pass.stdout.contains(&format!(
            "{id}: ended: 1 essential service vanished from the cluster"
        )),
        "{}",
        pass.stdout
    );
    let rows = ps_rows(&setup);
    let row = rows.iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!(row["status"], "error");
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
    assert_eq!(e.leftovers(&host, &id), (0, 0));
}

#[test]
fn supervise_places_a_dead_elastic_service_again() {
    let Some(e) = engines() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let launched = setup.json(&["start", "master-workers-0", "-p", "worker=1"]);
    let id = execution_id(&launched);
    let (host, elastic) = container_of(&launched, "extra-worker1");
    e.docker_ok(&host, &["kill", &elastic]);
    assert_eq!(
        ps_rows(&setup)
            .iter()
            .find(|r| r["id"] == id.as_str())
            .unwrap()["status"],
        "running",
        "an elastic death does not end it"
    );

    let pass = setup.zoe(&["supervise", "--once"]);
    assert!(
        pass.stdout
            .contains(&format!("{id}: removed dead elastic service extra-worker1")),
        "{}",
        pass.stdout
    );
    assert!(
        pass.stdout.contains(&format!(
            "{id}: started elastic service extra-worker1 on {host}"
        )),
        "{}",
        pass.stdout
    );
    let again = instances(&setup, &id)
        .into_iter()
        .find(|i| i["instance"] == "extra-worker1")
        .unwrap();
    assert_eq!(again["state"], "started");
    assert_ne!(
        again["container"].as_str().unwrap(),
        &elastic[..12],
        "a new container"
    );
    let inspect = setup.json(&["inspect", &id]);
    assert_eq!(
        inspect["execution"]["restarts"],
        json!({"extra-worker1": 1}),
        "the restart is counted"
    );
    let master = format!("master0-{id}-{}", setup.deployment);
    wait_for(
        "the new elastic worker to reach the master",
        Duration::from_secs(30),
        || {
            setup
                .zoe(&["logs", &id, "extra-worker1"])
                .stdout
                .contains(&format!("reached master {master}"))
        },
    );
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
}

#[test]
fn elastic_services_without_room_start_when_room_frees() {
    let Some(_engines) = engines() else { return };
    let setup = Setup::new(REMOTE);
    let gib = memory_gib(&setup);
    let filler_id = execution_id(&setup.json(&[
        "start",
        "web-hello-0",
        "--memory",
        &format!("web={:.2}", gib * 0.55),
        "--name",
        "filler",
    ]));
    let run = setup.zoe(&[
        "start",
        "master-workers-0",
        "-p",
        "worker=1",
        "--memory",
        &format!("extra-worker={:.2}", gib * 0.2),
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let launched: Value = serde_json::from_str(&run.stdout).unwrap();
    let id = execution_id(&launched);
    let deferred: Vec<&str> = launched["deferred"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        !deferred.is_empty(),
        "some elastic workers found no room: {launched}"
    );

    assert!(
        setup.zoe(&["supervise", "--once"]).stdout.is_empty(),
        "still no room: nothing to do"
    );
    assert_eq!(setup.zoe(&["kill", &filler_id]).code, 0);
    let pass = setup.zoe(&["supervise", "--once"]);
    for name in &deferred {
        assert!(
            pass.stdout
                .contains(&format!("{id}: started elastic service {name} on remote")),
            "{}",
            pass.stdout
        );
    }
    let up = instances(&setup, &id)
        .iter()
        .filter(|i| i["state"] == "started")
        .count();
    assert_eq!(up, 5, "master, worker, three extra workers");
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
}

#[test]
fn a_missing_image_is_pulled_from_a_registry_with_progress() {
    let Some(e) = engines() else { return };
    let registry = std::env::var("ZOE_REGISTRY").unwrap_or_else(|_| "127.0.0.1:25000".into());
    let image = format!("{registry}/zoe-demo/busybox:1");
    // start from a daemon that does not have it
    let _ = e.docker("remote", &["rmi", "-f", &image]);
    let shop = tempfile::tempdir().unwrap();
    custom_shop(shop.path(), json!([service("pulled", &image, 0, &[])]));
    let setup = Setup::with_shop(REMOTE, shop.path());
    let run = setup.zoe(&["start", "custom-0", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("pulled {image} on remote")),
        "{}",
        run.stderr
    );
    let id = execution_id(&serde_json::from_str(&run.stdout).unwrap());
    assert!(
        e.docker_ok("remote", &["images", "-q", &image]).len() >= 12,
        "the image is now on the host"
    );
    assert!(
        instances(&setup, &id)
            .iter()
            .all(|i| i["state"] == "started")
    );
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
}

#[test]
fn killing_a_queued_execution_stops_the_console_waiting_for_it() {
    let Some(_engines) = engines() else { return };
    let setup = Setup::new(REMOTE);
    let gib = memory_gib(&setup);
    let big = format!("web={:.2}", gib * 0.6);
    let holder =
        execution_id(&setup.json(&["start", "web-hello-0", "--memory", &big, "--name", "holder"]));
    let waiting = setup
        .command(&[
            "start",
            "web-hello-0",
            "--memory",
            &big,
            "--name",
            "never",
            "--wait",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("it to be queued", Duration::from_secs(20), || {
        ps_rows(&setup)
            .iter()
            .any(|r| r["name"] == "never" && r["status"] == "queued")
    });
    assert_eq!(setup.zoe(&["kill", "never"]).code, 0);
    let out = waiting.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("was terminated while it waited"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        ps_rows(&setup)
            .iter()
            .all(|r| r["name"] != "never" || r["status"] == "terminated")
    );
    assert_eq!(setup.zoe(&["kill", &holder]).code, 0);
}
