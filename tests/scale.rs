//! Many executions on one Docker host: each execution's network gets a
//! small subnet of the settings' pool (not one of the daemon's default
//! address pools, which run out at a few dozen networks), and gives it back
//! when the execution ends. Against the real daemons started by
//! `scripts/engines.sh` (skipped without them unless ZOE_REQUIRE_ENGINES=1).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::engines::{Engines, Setup, custom_shop, engines, execution_id, one_host};
use serde_json::{Value, json};

/// Executions at once on the host: the brief's figure.
const EXECUTIONS: usize = 250;
/// `zoe` processes run at once.
const PARALLEL: usize = 10;

/// A setup on the `local` daemon alone, with the default network settings,
/// whose one ZApp is a single small container that ends at once when
/// killed.
fn small_zapp_setup(e: &Engines) -> Setup {
    let shop = tempfile::tempdir().unwrap().keep();
    custom_shop(
        &shop,
        json!([{"name": "sleeper", "image": "zoe-demo/busybox:1", "monitor": true, "startup_order": 0,
                "total_count": 1, "essential_count": 1,
                "resources": {"memory": {"min": 8388608, "max": null}, "cores": {"min": 0.004, "max": null}},
                "ports": [], "environment": [], "volumes": [], "command": "sleep 100000"}]),
    );
    let setup = Setup::with_shop(&one_host("local", &e.docker_host("local")), &shop);
    // `sleep` as PID 1 ignores SIGTERM: remove at once instead of waiting
    let settings = std::fs::read_to_string(&setup.config).unwrap();
    std::fs::write(
        &setup.config,
        settings.replace("stop_grace_secs = 2", "stop_grace_secs = 0"),
    )
    .unwrap();
    setup
}

/// Runs `job(i)` for i in 0..count on `PARALLEL` threads; the results in
/// order.
fn in_parallel<T: Send>(count: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..count).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count {
                        break;
                    }
                    let result = job(i);
                    results.lock().unwrap()[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

/// Starts `EXECUTIONS` executions, several `zoe start` at once; their ids.
fn start_all(setup: &Setup, round: usize) -> Vec<String> {
    in_parallel(EXECUTIONS, |i| {
        let name = format!("r{round}n{i}");
        let run = setup.zoe(&["start", "custom-0", "--name", &name, "-o", "json"]);
        assert_eq!(run.code, 0, "start {name}: {}", run.stderr);
        execution_id(&serde_json::from_str::<Value>(&run.stdout).unwrap())
    })
}

fn kill_all(setup: &Setup, ids: &[String]) {
    in_parallel(ids.len(), |i| {
        let run = setup.zoe(&["kill", &ids[i]]);
        assert_eq!(run.code, 0, "kill {}: {}", ids[i], run.stderr);
    });
}

/// The subnets of the deployment's networks on `local`, one per network.
fn subnets(e: &Engines, setup: &Setup) -> Vec<String> {
    let label = format!("label=zoe_deployment_name={}", setup.deployment);
    let ids = e.docker_ok("local", &["network", "ls", "-q", "--filter", &label]);
    let ids: Vec<&str> = ids.split_whitespace().collect();
    if ids.is_empty() {
        return Vec::new();
    }
    let format = [
        "network",
        "inspect",
        "-f",
        "{{range .IPAM.Config}}{{.Subnet}} {{end}}",
    ];
    e.docker_ok("local", &[&format[..], &ids].concat())
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

/// Every execution running at once, each in its own network with its own
/// /25 of 10.213.0.0/16.
fn check_all_running(e: &Engines, setup: &Setup, ids: &[String]) {
    let ps = setup.json(&["ps"]);
    let running: HashSet<&str> = ps
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["status"] == "running")
        .filter_map(|v| v["id"].as_str())
        .collect();
    for id in ids {
        assert!(running.contains(id.as_str()), "{id} is not running: {ps}");
    }
    let label = format!("label=zoe_deployment_name={}", setup.deployment);
    let containers = e.docker_ok(
        "local",
        &["ps", "-q", "--filter", &label, "--filter", "status=running"],
    );
    assert_eq!(containers.lines().count(), ids.len(), "running containers");
    let subnets = subnets(e, setup);
    assert_eq!(subnets.len(), ids.len(), "one network per execution");
    let distinct: HashSet<&String> = subnets.iter().collect();
    assert_eq!(distinct.len(), subnets.len(), "subnets shared: {subnets:?}");
    for subnet in &subnets {
        assert!(
            subnet.starts_with("10.213.") && subnet.ends_with("/25"),
            "{subnet} is not a /25 of the default pool"
        );
    }
}

#[test]
fn two_rounds_of_250_executions_run_at_once_on_one_host_and_leave_nothing() {
    let Some(e) = engines() else { return };
    // the Setup removes all of its deployment's containers and networks
    // when dropped, also when this test fails half-way
    let setup = small_zapp_setup(&e);
    let began = Instant::now();
    let mut all = Vec::new();
    for round in 0..2 {
        let ids = start_all(&setup, round);
        eprintln!(
            "round {round}: {} started after {:?}",
            ids.len(),
            began.elapsed()
        );
        check_all_running(&e, &setup, &ids);
        kill_all(&setup, &ids);
        eprintln!("round {round}: killed after {:?}", began.elapsed());
        // their subnets are free again: nothing of them is left
        assert_eq!(subnets(&e, &setup), Vec::<String>::new());
        all.extend(ids);
    }
    for id in &all {
        assert_eq!(e.leftovers("local", id), (0, 0), "{id} left something");
    }
    eprintln!("{} executions in {:?}", all.len(), began.elapsed());
}

#[test]
fn a_shared_network_is_used_as_it_is_and_gets_no_subnet_of_the_pool() {
    let Some(e) = engines() else { return };
    let setup = small_zapp_setup(&e);
    let shared = format!("{}-shared", setup.deployment);
    // labelled with the deployment so the Setup removes it at the end
    let label = format!("zoe_deployment_name={}", setup.deployment);
    e.docker_ok("local", &["network", "create", "--label", &label, &shared]);
    let settings = std::fs::read_to_string(&setup.config).unwrap();
    std::fs::write(&setup.config, format!("{settings}network = \"{shared}\"\n")).unwrap();
    let run = setup.zoe(&["start", "custom-0", "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let launched: Value = serde_json::from_str(&run.stdout).unwrap();
    let id = execution_id(&launched);
    let container = launched["containers"][0]["container"]
        .as_str()
        .unwrap()
        .to_string();
    let networks = e.docker_ok(
        "local",
        &[
            "inspect",
            "-f",
            "{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}",
            &container,
        ],
    );
    assert_eq!(networks, shared);
    assert_eq!(e.leftovers("local", &id), (1, 0), "no network of its own");
    let run = setup.zoe(&["kill", &id]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(e.leftovers("local", &id), (0, 0));
    // the shared network is not the execution's: it stays
    assert!(
        e.docker("local", &["network", "inspect", &shared])
            .status
            .success()
    );
}
