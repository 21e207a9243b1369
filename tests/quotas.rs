//! Quotas, the runtime limit, the audit trail and `zoe whoami` as a user
//! meets them through `zoe`, against the real daemons: a quota of one
//! execution refuses the next launch with Zoe's message (naming the quota),
//! a launch asking more cores than the quota is refused naming the excess,
//! a guest is refused a second execution whatever their quota, another
//! console's execution counts, `zoe supervise` ends an execution past its
//! runtime limit with `Run time quota exceeded` leaving nothing behind, and
//! `zoe inspect` shows who launched and terminated what. Without the test
//! engines these tests are skipped with a message, unless
//! ZOE_REQUIRE_ENGINES=1, in which case they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::engines::{Engines, Run, Setup, engines, execution_id, one_host, service_running};
use serde_json::{Value, json};

/// Runs until stopped.
const FOREVER: &str = "sh -c 'echo up; trap \"exit 0\" TERM; while true; do sleep 1; done'";

/// A one-entry shop (`custom-0`, open to guests) whose one service runs
/// until stopped and reserves `cores` cores.
fn shop_of(dir: &Path, cores: f64) {
    let mut service = service_running("app", FOREVER);
    service["resources"]["cores"]["min"] = json!(cores);
    let zapp = dir.join("custom");
    std::fs::create_dir_all(&zapp).unwrap();
    std::fs::write(
        zapp.join("manifest.json"),
        json!({"version": 1, "zapps": [{"category": "Tests", "name": "Custom", "description": "app.json",
               "readable_descr": "README.md", "parameters": [], "guest_access": true}]})
        .to_string(),
    )
    .unwrap();
    std::fs::write(zapp.join("README.md"), "# Custom\n").unwrap();
    std::fs::write(zapp.join("logo.png"), b"\x89PNG\r\n\x1a\n").unwrap();
    std::fs::write(
        zapp.join("app.json"),
        json!({"name": "custom", "version": 3, "will_end": false, "size": 1, "services": [service]})
            .to_string(),
    )
    .unwrap();
}

/// A setup on `local` whose shop asks `cores`, its settings ending with
/// `extra` (top-level keys first, then tables).
fn setup_with(e: &Engines, shop: &Path, cores: f64, extra: &str) -> Setup {
    shop_of(shop, cores);
    let setup = Setup::with_shop(&one_host("local", &e.docker_host("local")), shop);
    append(&setup.config, extra);
    setup
}

fn append(file: &Path, extra: &str) {
    let mut text = std::fs::read_to_string(file).unwrap();
    text.push_str(extra);
    std::fs::write(file, text).unwrap();
}

/// `bob`, a user with the quota `tiny`.
fn bob_with(quota: &str) -> String {
    format!(
        "user = \"bob\"\n[users.bob]\nrole = \"user\"\nquota = \"tiny\"\n[quotas.tiny]\n{quota}"
    )
}

fn refused(run: &Run, needle: &str, what: &str) {
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

fn start(setup: &Setup) -> String {
    execution_id(&setup.json(&["start", "custom-0"]))
}

/// The containers of the setup's deployment on `local` (any state).
fn containers(e: &Engines, setup: &Setup) -> usize {
    let label = format!("label=zoe_deployment_name={}", setup.deployment);
    e.docker_ok("local", &["ps", "-aq", "--filter", &label])
        .lines()
        .count()
}

fn executions(setup: &Setup) -> usize {
    setup.json(&["ps", "-a"]).as_array().unwrap().len()
}

#[test]
fn a_quota_of_one_execution_refuses_the_next_launch_with_zoes_message() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = setup_with(
        &e,
        shop.path(),
        0.5,
        &bob_with("concurrent_executions = 1\ncores = 1\n"),
    );
    let first = start(&setup);
    let before = containers(&e, &setup);

    // the preview says so, and the launch is refused
    let dry = setup.zoe(&["start", "custom-0", "--dry-run"]);
    assert_eq!(dry.code, 1, "{}{}", dry.stdout, dry.stderr);
    assert!(
        dry.stdout
            .contains("you cannot run more than 1 execution at a time (quota `tiny`, 1 active)"),
        "{}",
        dry.stdout
    );
    let second = setup.zoe(&["start", "custom-0", "--name", "second"]);
    refused(
        &second,
        "quota exceeded: you cannot run more than 1 execution at a time (quota `tiny`, 1 active)",
        "a second start",
    );
    assert_eq!(containers(&e, &setup), before, "nothing created");
    assert_eq!(executions(&setup), 1, "the refused one was never recorded");

    // what whoami says of it: bob, a user, 1 of 1 execution, 0.5 of 1 core
    let who = setup.json(&["whoami"]);
    assert_eq!(who["user"], "bob");
    assert_eq!(who["role"]["name"], "user");
    assert_eq!(who["role"]["guest"], false);
    assert_eq!(who["role"]["capabilities"]["can_operate_others"], false);
    assert_eq!(who["shared"], true);
    assert_eq!(who["quota"]["name"], "tiny");
    assert_eq!(who["quota"]["concurrent_executions"], 1);
    assert_eq!(who["quota"]["cores"], 1.0);
    assert_eq!(who["quota"]["memory"], 0);
    assert_eq!(who["usage"]["executions"], 1);
    assert_eq!(who["usage"]["cores"], 0.5);
    assert_eq!(who["usage"]["from"], "cluster");
    let text = setup.zoe(&["whoami"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    for line in [
        "user    bob (",
        "role    user",
        "can_operate_others         no",
        "guest   no",
        "shared  yes",
        "quota   tiny",
        "executions  1 of 1",
        "memory      32 MiB of unlimited",
        "cores       0.5 of 1",
        "runtime     unlimited",
    ] {
        assert!(text.stdout.contains(line), "`{line}` in:\n{}", text.stdout);
    }

    // room again once the first one is gone
    assert_eq!(setup.zoe(&["kill", &first]).code, 0);
    let third = setup.zoe(&["start", "custom-0", "-o", "json"]);
    assert_eq!(third.code, 0, "{}", third.stderr);
}

#[test]
fn a_launch_asking_more_cores_than_the_quota_is_refused_naming_the_excess() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = setup_with(
        &e,
        shop.path(),
        1.5,
        &bob_with("concurrent_executions = 5\ncores = 1\n"),
    );
    let run = setup.zoe(&["start", "custom-0"]);
    refused(
        &run,
        "quota exceeded: you requested 0.5 cores more than your quota `tiny` allows (0 in use, 1.5 asked, limit 1)",
        "1.5 cores with a quota of 1",
    );
    assert_eq!(containers(&e, &setup), 0);
    assert_eq!(executions(&setup), 0);
}

#[test]
fn a_guest_is_refused_a_second_execution_whatever_the_quota() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = setup_with(
        &e,
        shop.path(),
        0.1,
        "user = \"gus\"\n[users.gus]\nrole = \"guest\"\nquota = \"roomy\"\n[quotas.roomy]\nconcurrent_executions = 10\n",
    );
    start(&setup);
    let second = setup.zoe(&["start", "custom-0", "--name", "second"]);
    refused(
        &second,
        "quota exceeded: guests cannot run more than one execution at a time (1 active)",
        "a guest's second start",
    );
    let who = setup.json(&["whoami"]);
    assert_eq!(who["role"]["guest"], true);
    assert_eq!(who["quota"]["concurrent_executions"], 10);
    assert_eq!(executions(&setup), 1);
}

#[test]
fn another_consoles_execution_counts_and_shows_what_its_labels_say() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = setup_with(
        &e,
        shop.path(),
        0.1,
        &bob_with("concurrent_executions = 1\n"),
    );
    let first = start(&setup);
    // another console of the deployment: same settings, its own cache,
    // which has never seen `first`
    let elsewhere = tempfile::tempdir().unwrap();
    let second = setup.zoe_in(elsewhere.path(), &["start", "custom-0", "--name", "second"]);
    refused(
        &second,
        "you cannot run more than 1 execution at a time (quota `tiny`, 1 active)",
        "a start from another console",
    );
    // its cache knows `first` from its labels only: launched by bob
    let run = setup.zoe_in(elsewhere.path(), &["inspect", &first, "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let inspect: Value = serde_json::from_str(&run.stdout).unwrap();
    let audit = inspect["audit"].as_array().unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["user"], "bob");
    assert_eq!(audit[0]["action"], "launched");
    assert_eq!(audit[0]["source"], "labels");
    // this console's own: launched by bob, recorded here
    let here = setup.json(&["inspect", &first]);
    assert_eq!(here["audit"][0]["source"], "cache");
    assert_eq!(here["audit"][0]["user"], "bob");
}

#[test]
fn supervise_ends_an_execution_past_its_runtime_limit() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    // 0.001 h: about 4 s from submission
    let setup = setup_with(
        &e,
        shop.path(),
        0.1,
        &bob_with("runtime_limit_hours = 0.001\n"),
    );
    let id = start(&setup);
    let early = setup.zoe(&["supervise", "--once"]);
    assert_eq!(early.code, 0, "{}", early.stderr);
    assert!(!early.stdout.contains(&id), "too early: {}", early.stdout);
    std::thread::sleep(Duration::from_secs(6));
    let pass = setup.zoe(&["supervise", "--once"]);
    assert_eq!(pass.code, 0, "{}", pass.stderr);
    assert!(
        pass.stdout
            .contains(&format!("{id}: ended: Run time quota exceeded")),
        "{}",
        pass.stdout
    );
    let inspect = setup.json(&["inspect", &id]);
    assert_eq!(inspect["execution"]["status"], "terminated", "{inspect}");
    assert_eq!(inspect["execution"]["reason"], "Run time quota exceeded");
    assert_eq!(e.leftovers("local", &id), (0, 0), "nothing left on local");
    let audit = inspect["audit"].as_array().unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last["user"], "supervision", "{audit:?}");
    assert_eq!(last["action"], "terminated");
    assert_eq!(last["detail"], "Run time quota exceeded");
    let text = setup.zoe(&["inspect", &id]);
    assert!(
        text.stdout
            .contains("supervision  terminated: Run time quota exceeded"),
        "{}",
        text.stdout
    );
}

#[test]
fn inspect_shows_who_launched_and_terminated_by_owner_and_by_admin() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = setup_with(&e, shop.path(), 0.1, &bob_with(""));
    // the owner's own
    let own = start(&setup);
    assert_eq!(setup.zoe(&["kill", &own]).code, 0);
    let inspect = setup.json(&["inspect", &own]);
    let audit = inspect["audit"].as_array().unwrap();
    let lines: Vec<(&str, &str)> = audit
        .iter()
        .map(|a| (a["user"].as_str().unwrap(), a["action"].as_str().unwrap()))
        .collect();
    assert_eq!(lines, [("bob", "launched"), ("bob", "terminated")]);
    assert!(audit[0]["at"].as_u64().unwrap() > 0);
    assert!(
        audit[1]["detail"].as_str().unwrap().contains("bob"),
        "{audit:?}"
    );
    let text = setup.zoe(&["inspect", &own]);
    assert!(text.stdout.contains("\nHISTORY\n"), "{}", text.stdout);
    assert!(text.stdout.contains("bob   launched"), "{}", text.stdout);
    assert!(
        text.stdout.contains("bob   terminated: "),
        "{}",
        text.stdout
    );

    // an admin's console on the same cache ends bob's other execution
    let other = start(&setup);
    let admin = setup.other_config("admin", &one_host("local", &e.docker_host("local")));
    append(
        &admin,
        "user = \"root\"\n[users.root]\nrole = \"admin\"\n[users.bob]\nrole = \"user\"\n",
    );
    let kill = setup
        .command_with(&admin, &["kill", &other, "--all-users"])
        .output()
        .unwrap();
    assert!(
        kill.status.success(),
        "{}",
        String::from_utf8_lossy(&kill.stderr)
    );
    let inspect = setup.json(&["inspect", &other]);
    let last = inspect["audit"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["user"], "root", "{inspect}");
    assert_eq!(last["action"], "terminated");
    assert_eq!(e.leftovers("local", &other), (0, 0));
}

#[test]
fn whoami_on_a_personal_install_is_an_unlimited_admin() {
    let Some(e) = engines() else { return };
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    let who = setup.json(&["whoami"]);
    assert_eq!(who["user"], "tester");
    assert_eq!(who["role"]["name"], "admin");
    assert_eq!(who["shared"], false);
    let caps = who["role"]["capabilities"].as_object().unwrap();
    assert_eq!(caps.len(), 7);
    assert!(caps.values().all(|v| v == true), "{caps:?}");
    assert_eq!(who["quota"]["name"], "unlimited");
    for limit in ["concurrent_executions", "memory", "runtime_limit_secs"] {
        assert_eq!(who["quota"][limit], 0, "{limit}");
    }
    assert_eq!(who["usage"]["executions"], 0);
    let text = setup.zoe(&["whoami"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    for line in [
        "user    tester (",
        "role    admin",
        "can_see_status             yes",
        "can_access_full_zapp_shop  yes",
        "shared  no (a personal install: you are its admin)",
        "quota   unlimited",
        "executions  0 of unlimited",
        "cores       0 of unlimited",
    ] {
        assert!(text.stdout.contains(line), "`{line}` in:\n{}", text.stdout);
    }
}
