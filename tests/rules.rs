//! The engine's rules as a user meets them through `zoe`, against real
//! daemons: read-only refuses whatever would change the cluster (and
//! nothing else), the quota refuses a launch past it, a request larger than
//! any host is refused at once (queue or not) and its record closed, and a
//! launch another console still has under way cannot be killed. Without
//! the test engines these tests are skipped with a message, unless
//! ZOE_REQUIRE_ENGINES=1, in which case they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::engines::{
    Engines, Run, Setup, custom_shop, engines, execution_id, one_host, service, service_running,
    two_hosts, wait_for,
};
use serde_json::{Value, json};
use zoe_console::model::ExecutionStatus;
use zoe_console::state::Store;

/// Runs until stopped; prints `up` first.
const FOREVER: &str = "sh -c 'echo up; trap \"exit 0\" TERM; while true; do sleep 1; done'";

/// A setup on the `local` engine alone whose shop has one entry
/// (`custom-0`): `services`.
fn local_setup(e: &Engines, shop: &Path, services: Value) -> Setup {
    custom_shop(shop, services);
    Setup::with_shop(&one_host("local", &e.docker_host("local")), shop)
}

/// Adds `text` to the end of the setup's settings file.
fn append_settings(setup: &Setup, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&setup.config)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// The ids of the containers (any state) of the setup's deployment on
/// `host`, sorted.
fn containers(e: &Engines, setup: &Setup, host: &str) -> Vec<String> {
    let label = format!("label=zoe_deployment_name={}", setup.deployment);
    let listed = e.docker_ok(host, &["ps", "-aq", "--no-trunc", "--filter", &label]);
    let mut ids: Vec<String> = listed.lines().map(str::to_string).collect();
    ids.sort();
    ids
}

/// The executions the cache knows, ended ones too (`zoe ps -a -o json`).
fn all_executions(setup: &Setup) -> Vec<Value> {
    setup.json(&["ps", "-a"]).as_array().unwrap().clone()
}

fn status_of(setup: &Setup, id: &str) -> String {
    all_executions(setup)
        .iter()
        .find(|r| r["id"] == id)
        .map(|r| r["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("{id} is not in `zoe ps -a`"))
}

/// A refusal: exit 1, and `needle` in what `zoe` said.
fn assert_refused(run: &Run, needle: &str, what: &str) {
    assert_eq!(
        run.code, 1,
        "{what}: exit 1 expected\nstdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains(needle),
        "{what}: `{needle}` expected in: {}",
        run.stderr
    );
}

/// A running execution of `custom-0`, and its containers on `local`.
fn running_execution(e: &Engines, setup: &Setup) -> (String, Vec<String>) {
    let id = execution_id(&setup.json(&["start", "custom-0"]));
    assert_eq!(status_of(setup, &id), "running");
    (id, containers(e, setup, "local"))
}

/// With `flag` (`--readonly`, or nothing when the settings say it),
/// `start`, `kill` and `supervise` are refused and change nothing; the
/// verbs that read still answer.
fn assert_read_only(e: &Engines, setup: &Setup, flag: &[&str], id: &str, before: &[String]) {
    let zoe = |args: &[&str]| setup.zoe(&[flag, args].concat());
    let executions = all_executions(setup).len();

    let start = zoe(&["start", "custom-0"]);
    assert_refused(&start, "read-only", "start");
    assert!(start.stderr.contains("launching"), "{}", start.stderr);
    let kill = zoe(&["kill", id]);
    assert_refused(&kill, "read-only", "kill");
    assert!(kill.stderr.contains("terminating"), "{}", kill.stderr);
    let supervise = zoe(&["supervise", "--once"]);
    assert_refused(&supervise, "read-only", "supervise");

    assert_eq!(
        containers(e, setup, "local"),
        before,
        "nothing created or removed"
    );
    let running = e.docker_ok(
        "local",
        &["inspect", "-f", "{{.State.Running}}", &before[0]],
    );
    assert_eq!(running, "true", "the execution still runs");
    assert_eq!(all_executions(setup).len(), executions, "no new record");
    assert_eq!(status_of(setup, id), "running");

    let ps = zoe(&["ps", "-o", "json"]);
    assert_eq!(ps.code, 0, "ps: {}", ps.stderr);
    assert!(ps.stdout.contains(id), "{}", ps.stdout);
    let nodes = zoe(&["nodes", "-o", "json"]);
    assert_eq!(nodes.code, 0, "nodes: {}", nodes.stderr);
    let inspect = zoe(&["inspect", id, "-o", "json"]);
    assert_eq!(inspect.code, 0, "inspect: {}", inspect.stderr);
    let inspected: Value = serde_json::from_str(&inspect.stdout).unwrap();
    assert_eq!(inspected["execution"]["id"], id);
    wait_for("`up` in the logs", Duration::from_secs(20), || {
        let logs = zoe(&["logs", id]);
        assert_eq!(logs.code, 0, "logs: {}", logs.stderr);
        logs.stdout.contains("up")
    });
}

#[test]
fn readonly_flag_refuses_start_kill_and_supervise_and_reads_still_work() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = local_setup(&e, shop.path(), json!([service_running("app", FOREVER)]));
    let (id, before) = running_execution(&e, &setup);
    assert_eq!(before.len(), 1);
    assert_read_only(&e, &setup, &["--readonly"], &id, &before);
    // without the flag the same kill goes through
    let kill = setup.zoe(&["kill", &id]);
    assert_eq!(kill.code, 0, "{}", kill.stderr);
    assert_eq!(e.leftovers("local", &id), (0, 0));
}

#[test]
fn readonly_in_the_settings_refuses_the_same() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = local_setup(&e, shop.path(), json!([service_running("app", FOREVER)]));
    let (id, before) = running_execution(&e, &setup);
    append_settings(&setup, "readonly = true\n");
    assert_read_only(&e, &setup, &[], &id, &before);
}

#[test]
fn a_second_start_past_the_executions_quota_is_refused_and_leaves_nothing() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = local_setup(&e, shop.path(), json!([service_running("app", FOREVER)]));
    append_settings(&setup, "[quota]\nconcurrent_executions = 1\n");
    let (first, before) = running_execution(&e, &setup);

    let second = setup.zoe(&["start", "custom-0", "--name", "second"]);
    assert_refused(
        &second,
        "quota exceeded: you cannot run more than 1 execution at a time (quota `default`, 1 active)",
        "a second start",
    );
    assert_eq!(containers(&e, &setup, "local"), before);
    let ids: Vec<Value> = all_executions(&setup)
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(
        ids,
        vec![json!(first)],
        "the refused one was never recorded"
    );

    // room in the quota again once the first is gone
    assert_eq!(setup.zoe(&["kill", &first]).code, 0);
    let third = setup.zoe(&["start", "custom-0", "-o", "json"]);
    assert_eq!(third.code, 0, "{}", third.stderr);
}

#[test]
fn a_second_start_past_the_cores_quota_is_refused_and_leaves_nothing() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    // 0.1 core each: one fits in 0.15, two do not
    let setup = local_setup(&e, shop.path(), json!([service_running("app", FOREVER)]));
    append_settings(&setup, "[quota]\ncores = 0.15\n");
    let (first, before) = running_execution(&e, &setup);

    let second = setup.zoe(&["start", "custom-0", "--name", "second"]);
    assert_refused(
        &second,
        "you requested 0.05 cores more than your quota `default` allows (0.1 in use, 0.1 asked, limit 0.15)",
        "a second start",
    );
    assert!(
        second.stderr.contains("quota exceeded"),
        "{}",
        second.stderr
    );
    assert_eq!(containers(&e, &setup, "local"), before);
    assert_eq!(all_executions(&setup).len(), 1);
    assert_eq!(status_of(&setup, &first), "running");
}

/// Runs `command`, which must end by itself within `limit`.
fn run_within(mut command: Command, limit: Duration, what: &str) -> Run {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap().into(),
        Err(_) => {
            signal("KILL", pid);
            panic!("{what} did not end within {limit:?}: it waits instead of refusing");
        }
    }
}

#[test]
fn a_request_larger_than_any_host_is_refused_at_once_queue_or_not() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let mut huge = service_running("huge", FOREVER);
    huge["resources"]["cores"]["min"] = json!(64);
    custom_shop(shop.path(), json!([huge]));
    let setup = Setup::with_shop(&two_hosts(&e, ""), shop.path());
    // the shop's limit lets it through; the 2-core hosts never can
    append_settings(&setup, "max_cores = 128\n");

    for wait in [false, true] {
        let mut args = vec!["start", "custom-0"];
        if wait {
            args.push("--wait");
        }
        let run = run_within(
            setup.command(&args),
            Duration::from_secs(30),
            &format!("zoe {}", args.join(" ")),
        );
        assert_ne!(run.code, 0, "{args:?}: {}", run.stdout);
        let message = &run.stderr;
        assert!(
            message.contains("fits on no host even when every host is empty"),
            "{args:?}: {message}"
        );
        for host in ["local", "remote"] {
            assert!(
                message.contains(&format!("\n  {host}: ")),
                "{args:?}: the reason of {host} expected in: {message}"
            );
        }
    }

    let records = all_executions(&setup);
    assert_eq!(records.len(), 2, "{records:?}");
    for record in &records {
        assert_eq!(
            record["status"], "terminated",
            "closed, not queued: {record}"
        );
        assert!(
            record["reason"]
                .as_str()
                .is_some_and(|r| r.contains("fits on no host")),
            "{record}"
        );
    }
    assert!(setup.json(&["ps"]).as_array().unwrap().is_empty());
    assert!(containers(&e, &setup, "local").is_empty());
    assert!(containers(&e, &setup, "remote").is_empty());
}

#[test]
fn a_big_request_is_not_refused_for_ever_while_a_host_is_offline() {
    // the offline host may be the big one: the request is not judged as
    // "never fits" then, and `--wait` waits for it
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let mut huge = service_running("huge", FOREVER);
    huge["resources"]["cores"]["min"] = json!(64);
    custom_shop(shop.path(), json!([huge]));
    let conf = format!(
        "{}\n[away]\ndocker_address: tcp://127.0.0.1:9\nexternal_address: 127.0.0.1\nuse_tls: no\n",
        one_host("local", &e.docker_host("local"))
    );
    let setup = Setup::with_shop(&conf, shop.path());
    append_settings(&setup, "max_cores = 128\n");
    let now = setup.zoe(&["start", "custom-0"]);
    assert_eq!(now.code, 3, "nothing fits now: {}", now.stderr);
    assert!(
        !now.stderr.contains("even when every host is empty"),
        "not judged for ever with a host offline: {}",
        now.stderr
    );
    let mut waiting = setup
        .command(&["start", "custom-0", "--wait"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "--wait waits while a host that may be big is away"
    );
    signal("KILL", waiting.id());
    let _ = waiting.wait();
    assert!(containers(&e, &setup, "local").is_empty());
}

#[test]
fn a_kill_is_closed_as_terminated_even_while_supervision_runs() {
    // one essential service stops at once, the other only when its grace
    // period runs out: meanwhile a supervisor sees an essential service
    // that stopped, but the execution is being terminated, not dying
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    // it dies of the stop signal with an error code, as many programs do
    let quick = service_running(
        "quick",
        "sh -c 'trap \"exit 3\" TERM; while true; do sleep 1; done'",
    );
    let mut slow = service_running(
        "slow",
        "sh -c 'trap \"\" TERM; while true; do sleep 1; done'",
    );
    slow["monitor"] = json!(false);
    let setup = local_setup(&e, shop.path(), json!([quick, slow]));
    let id = execution_id(&setup.json(&["start", "custom-0"]));
    let mut supervisor = setup
        .command(&["supervise", "--interval", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let killed = setup.zoe(&["kill", &id]);
    signal("KILL", supervisor.id());
    let _ = supervisor.wait();
    assert_eq!(killed.code, 0, "{}", killed.stderr);
    assert_eq!(
        status_of(&setup, &id),
        "terminated",
        "{:?}",
        all_executions(&setup)
    );
    assert!(containers(&e, &setup, "local").is_empty());
}

/// Sends `SIG<name>` to a process.
fn signal(name: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status();
}

/// A `zoe start` process, stopped (SIGSTOP) while its launch is under way;
/// on drop it is let go and killed, also when the test failed.
struct FrozenLaunch {
    child: Option<Child>,
    id: String,
}

/// How many containers `custom-0` has in the guard test.
const INSTANCES: usize = 6;

impl FrozenLaunch {
    /// Starts `custom-0` and stops the process once its record says it is
    /// starting and some of its containers exist on `local`. None when the
    /// launch was over first, or all its containers were running by the
    /// time the daemon had answered what the stopped console had asked.
    fn try_new(e: &Engines, setup: &Setup, store: &Store) -> Option<FrozenLaunch> {
        let child = setup
            .command(&["start", "custom-0", "-o", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut frozen = FrozenLaunch {
            child: Some(child),
            id: String::new(),
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            let records = store.list(&setup.deployment, false).unwrap();
            let starting = records
                .iter()
                .find(|r| r.status == ExecutionStatus::Starting);
            if let Some(record) = starting
                && !containers(e, setup, "local").is_empty()
            {
                signal("STOP", pid);
                frozen.id = record.id.to_string();
                // the daemon finishes the requests the console had sent
                std::thread::sleep(Duration::from_secs(1));
                let record = store.get(&setup.deployment, &frozen.id).unwrap()?;
                let label = format!("label=zoe_execution_id={}", frozen.id);
                let running = e.docker_ok("local", &["ps", "-q", "--filter", &label]);
                let complete = running.lines().count() == INSTANCES;
                return (record.status == ExecutionStatus::Starting && !complete).then_some(frozen);
            }
            if frozen.child.as_mut()?.try_wait().unwrap().is_some() {
                return None;
            }
        }
        panic!("no launch under way seen within 30 s");
    }

    /// Lets the launch go on, and returns how it ended.
    fn resume(mut self) -> Run {
        let child = self.child.take().unwrap();
        signal("CONT", child.id());
        child.wait_with_output().unwrap().into()
    }
}

impl Drop for FrozenLaunch {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            signal("CONT", child.id());
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_launch_another_console_has_under_way_cannot_be_killed() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    // two startup steps of several instances, so the launch takes a while
    let head = service("head", "zoe-demo/busybox:1", 0, &[]);
    let mut workers = service("workers", "zoe-demo/busybox:1", 1, &[]);
    workers["total_count"] = json!(INSTANCES - 1);
    workers["essential_count"] = json!(INSTANCES - 1);
    let setup = local_setup(&e, shop.path(), json!([head, workers]));
    assert_eq!(setup.zoe(&["ps"]).code, 0, "the cache exists");
    let store = Store::open(&setup.cache()).unwrap();

    let mut attempts = 0;
    let frozen = loop {
        attempts += 1;
        if let Some(frozen) = FrozenLaunch::try_new(&e, &setup, &store) {
            break frozen;
        }
        assert!(
            attempts < 10,
            "every launch was over before it could be stopped"
        );
        // that one was over (or all but): clear it and try again
        wait_for("the console to be gone", Duration::from_secs(10), || {
            store
                .list(&setup.deployment, false)
                .unwrap()
                .iter()
                .all(|r| {
                    let kill = setup.zoe(&["kill", &r.id]);
                    kill.code == 0 || kill.stderr.contains("already ended")
                })
        });
    };
    let id = frozen.id.clone();
    let before = containers(&e, &setup, "local");
    assert!(!before.is_empty());

    let kill = setup.zoe(&["kill", &id]);
    assert_refused(&kill, "being launched by another console", "kill");
    assert!(kill.stderr.contains(&id), "{}", kill.stderr);
    let after = containers(&e, &setup, "local");
    assert!(
        before.iter().all(|c| after.contains(c)),
        "nothing removed: {before:?} then {after:?}"
    );
    let record = store.get(&setup.deployment, &id).unwrap().unwrap();
    assert_eq!(record.status, ExecutionStatus::Starting);

    // once its console has finished launching, the kill goes through
    let launched = frozen.resume();
    assert_eq!(launched.code, 0, "{}", launched.stderr);
    let launched: Value = serde_json::from_str(&launched.stdout).unwrap();
    assert_eq!(execution_id(&launched), id);
    assert_eq!(launched["containers"].as_array().unwrap().len(), INSTANCES);
    let kill = setup.zoe(&["kill", &id]);
    assert_eq!(kill.code, 0, "{}", kill.stderr);
    assert_eq!(e.leftovers("local", &id), (0, 0));
    assert_eq!(status_of(&setup, &id), "terminated");
}

/// A record another console on this machine is launching right now: its
/// launcher tag names a live process of ours (a `sleep`), and nothing of
/// it is on the cluster yet.
#[test]
fn a_recorded_launch_of_a_live_console_is_guarded_until_that_console_is_gone() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = local_setup(&e, shop.path(), json!([service_running("app", FOREVER)]));
    assert_eq!(setup.zoe(&["ps"]).code, 0, "the cache exists");
    let store = Store::open(&setup.cache()).unwrap();

    let mut console = Command::new("sleep").arg("120").spawn().unwrap();
    let id = "guard1test".to_string();
    setup.insert_in_flight(&id, console.id(), &["local"]);

    let kill = setup.zoe(&["kill", &id]);
    let _ = (console.kill(), console.wait());
    assert_refused(&kill, "being launched by another console", "kill");
    assert!(kill.stderr.contains(&id), "{}", kill.stderr);

    // its console is gone: the guard no longer stands in the way, and the
    // kill's own look at the cluster closes the interrupted launch (so
    // there is nothing left to stop)
    let kill = setup.zoe(&["kill", &id]);
    assert!(
        !kill.stderr.contains("being launched"),
        "the guard outlived its console: {}",
        kill.stderr
    );
    let record = store.get(&setup.deployment, &id).unwrap().unwrap();
    assert!(!record.status.is_active(), "{:?}", record.status);
    assert!(
        record
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("launch interrupted")),
        "{:?}",
        record.reason
    );
    assert_eq!(e.leftovers("local", &id), (0, 0));
}
