//! Roles against the real daemons, through the real `zoe` (the CLI; the
//! terminal UI is tests/tui_roles.rs). One deployment, several settings
//! files of it, each naming its user; `[users]` gives the roles (so the
//! deployment is shared): alice and bob `user`, root `admin`, sue
//! `superuser`, gus `guest`.
//!
//! * bob launches; alice does not see it in `ps` / `ps -o json` and gets
//!   "no execution" from `inspect`, `logs`, `kill` and `exec` (as for a
//!   missing one, with the role's hint); `--all-users` is refused her;
//! * root sees it without any flag, kills it, and the record says
//!   `user root request …` (inspect and bob's `ps -a`);
//! * a guest is shown only the `guest_access` entry; `zoe start` of the
//!   other is "no shop entry matches", as for a missing one;
//! * `--memory` is refused a `user`, accepted for a `superuser`;
//! * `zoe nodes` lists bob's instances for root, not for alice;
//! * alice's `zoe supervise` leaves bob's execution alone, root's tends it.
//!
//! Needs the test engines; skipped without them unless
//! ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::engines::{
    Engines, Run, Setup, container_of, custom_shop, engines, execution_id, one_host, service,
    wait_for,
};
use serde_json::{Value, json};

/// Who has which role, as every settings file of the deployment says.
pub const USERS: &str = "[users.alice]\nrole = \"user\"\n[users.bob]\nrole = \"user\"\n[users.root]\nrole = \"admin\"\n[users.sue]\nrole = \"superuser\"\n[users.gus]\nrole = \"guest\"\n";

/// A Setup on the `local` daemon with a two-entry shop (`custom-0` marked
/// `guest_access`, `custom-1` not), its settings as alice.
fn team(e: &Engines, shop: &Path) -> (Setup, String) {
    custom_shop(shop, json!([service("svc", "zoe-demo/busybox:1", 0, &[])]));
    let manifest = json!({"version": 1, "zapps": [
        {"category": "Tests", "name": "Custom", "description": "app.json", "readable_descr": "README.md", "parameters": [], "guest_access": true},
        {"category": "Tests", "name": "Hidden", "description": "app.json", "readable_descr": "README.md", "parameters": []}
    ]});
    std::fs::write(
        shop.join("custom").join("manifest.json"),
        manifest.to_string(),
    )
    .unwrap();
    let conf = one_host("local", &e.docker_host("local"));
    let setup = Setup::with_shop(&conf, shop);
    append(&setup.config, &format!("user = \"alice\"\n{USERS}"));
    (setup, conf)
}

/// Another settings file of the deployment, as `user`.
fn as_user(setup: &Setup, conf: &str, user: &str) -> PathBuf {
    let file = setup.other_config(user, conf);
    append(&file, &format!("user = \"{user}\"\n{USERS}"));
    file
}

fn append(file: &Path, text: &str) {
    let mut settings = std::fs::read_to_string(file).unwrap();
    settings.push_str(text);
    std::fs::write(file, settings).unwrap();
}

fn run(setup: &Setup, config: &Path, args: &[&str]) -> Run {
    setup.command_with(config, args).output().unwrap().into()
}

fn json_of(setup: &Setup, config: &Path, args: &[&str]) -> Value {
    let out = run(setup, config, &[args, &["-o", "json"]].concat());
    assert_eq!(out.code, 0, "zoe {args:?}: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn ids(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// `zoe nodes -o json`: the executions whose instances are listed.
fn listed(nodes: &Value) -> Vec<String> {
    nodes
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["services"].as_array().unwrap().clone())
        .map(|s| s["execution_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_user_sees_only_their_own_executions_and_an_admin_sees_and_ends_everybodys() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let (setup, conf) = team(&e, shop.path());
    let bob = as_user(&setup, &conf, "bob");
    let root = as_user(&setup, &conf, "root");
    let started = json_of(&setup, &bob, &["start", "custom-0", "--name", "bobs"]);
    let bobs = execution_id(&started);
    wait_for("bob's log line", Duration::from_secs(20), || {
        let out = run(&setup, &bob, &["logs", &bobs]);
        out.code == 0 && out.stdout.contains("up")
    });

    // alice: not listed, and naming it is "no execution" with the hint
    let ps = setup.zoe(&["ps", "-a"]);
    assert_eq!(ps.code, 0, "{}", ps.stderr);
    assert!(!ps.stdout.contains(&bobs), "{}", ps.stdout);
    assert!(!ids(&setup.json(&["ps", "-a"])).contains(&bobs));
    let missing = format!("no execution `{bobs}`");
    let hint = "(your role `user` sees only your own executions)";
    for args in [
        vec!["inspect", bobs.as_str()],
        vec!["logs", bobs.as_str()],
        vec!["kill", bobs.as_str()],
        vec!["exec", bobs.as_str(), "svc0", "--", "true"],
    ] {
        let out = setup.zoe(&args);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(&missing) && out.stderr.contains(hint),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
    // a missing one gets the very same words
    let out = setup.zoe(&["inspect", "1nosuchexe"]);
    assert!(
        out.stderr.contains("no execution `1nosuchexe`") && out.stderr.contains(hint),
        "{}",
        out.stderr
    );
    // by name too
    let out = setup.zoe(&["kill", "bobs"]);
    assert!(out.stderr.contains("no execution `bobs`"), "{}", out.stderr);
    // --all-users is refused, saying why and what to do
    let out = setup.zoe(&["--all-users", "kill", &bobs]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "--all-users: your role `user` may not act on other users' executions (can_operate_others)"
        ) && out.stderr.contains("ask an administrator"),
        "{}",
        out.stderr
    );
    assert_eq!(running(&e, &bobs), 1, "bob's container still runs");
    // nor does alice see bob's instances on the nodes; root does
    let nodes = json_of(&setup, &setup.config, &["nodes", "--no-usage"]);
    assert!(!listed(&nodes).contains(&bobs), "{nodes}");
    assert_eq!(nodes[0]["others"], 1, "{nodes}");
    let table = setup.zoe(&["nodes", "--no-usage"]);
    assert!(
        table.stdout.contains("others: 1 instances of other users"),
        "{}",
        table.stdout
    );
    let nodes = json_of(&setup, &root, &["nodes", "--no-usage"]);
    assert!(listed(&nodes).contains(&bobs), "{nodes}");
    assert!(nodes[0].get("others").is_none(), "{nodes}");
    // foreign containers: listing needs can_see_status, removing
    // can_operate_others
    let out = setup.zoe(&["ps", "--foreign"]);
    assert!(
        out.code == 1 && out.stderr.contains("(can_see_status)"),
        "{}",
        out.stderr
    );
    let out = setup.zoe(&["kill", "--foreign", "abc"]);
    assert!(
        out.code == 1 && out.stderr.contains("(can_operate_others)"),
        "{}",
        out.stderr
    );

    // root: sees it with no flag, reads it, ends it; --all-users is accepted
    let ps = json_of(&setup, &root, &["ps"]);
    assert!(ids(&ps).contains(&bobs), "{ps}");
    let table = run(&setup, &root, &["ps"]);
    assert!(table.stdout.contains("OWNER"), "{}", table.stdout);
    let logs = run(&setup, &root, &["--all-users", "logs", &bobs]);
    assert!(
        logs.code == 0 && logs.stdout.contains("up"),
        "{}",
        logs.stderr
    );
    let kill = run(&setup, &root, &["kill", &bobs]);
    assert_eq!(kill.code, 0, "{}", kill.stderr);
    assert_eq!(e.leftovers("local", &bobs), (0, 0));
    let inspected = json_of(&setup, &root, &["inspect", &bobs]);
    assert_eq!(
        inspected["execution"]["reason"], "user root request with zoe kill",
        "{inspected}"
    );
    let ps = json_of(&setup, &bob, &["ps", "-a"]);
    let row = ps
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == bobs.as_str())
        .unwrap_or_else(|| panic!("{ps}"))
        .clone();
    assert_eq!(row["reason"], "user root request with zoe kill");
}

#[test]
fn a_guest_is_shown_only_guest_entries_and_overrides_need_can_customize_resources() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let (setup, conf) = team(&e, shop.path());
    let gus = as_user(&setup, &conf, "gus");
    let sue = as_user(&setup, &conf, "sue");
    // the entries' ids as a user sees them: both
    let list = run(&setup, &setup.config, &["shop", "list"]);
    assert!(
        list.stdout.contains("Custom") && list.stdout.contains("Hidden"),
        "{}",
        list.stdout
    );
    let list = run(&setup, &gus, &["shop", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout.contains("Custom") && !list.stdout.contains("Hidden"),
        "{}",
        list.stdout
    );
    for args in [
        vec!["shop", "show", "custom-1"],
        vec!["start", "custom-1", "--dry-run"],
    ] {
        let out = run(&setup, &gus, &args);
        assert_ne!(out.code, 0, "{args:?}: {}", out.stdout);
        assert!(
            out.stderr.contains("no shop entry matches `custom-1`"),
            "{args:?}: {}",
            out.stderr
        );
    }
    // what a missing entry gets
    let missing = run(&setup, &gus, &["shop", "show", "nosuch-0"]);
    assert_eq!(
        missing.stderr.replace("nosuch-0", "custom-1"),
        run(&setup, &gus, &["shop", "show", "custom-1"]).stderr
    );

    // --memory: refused to a user, saying why; a superuser's is launched
    let out = setup.zoe(&["start", "custom-0", "--memory", "svc=0.0625"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains(
            "--memory svc: your role `user` may not change resources (can_customize_resources)"
        ),
        "{}",
        out.stderr
    );
    let out = setup.zoe(&["start", "custom-0", "--cores", "svc=0.2"]);
    assert!(
        out.stderr.contains("--cores svc: your role `user`"),
        "{}",
        out.stderr
    );
    assert!(setup.json(&["ps", "-a"]).as_array().unwrap().is_empty());
    let started = json_of(
        &setup,
        &sue,
        &["start", "custom-0", "--memory", "svc=0.0625"],
    );
    let id = execution_id(&started);
    let inspected = json_of(&setup, &sue, &["inspect", &id]);
    assert!(
        inspected.to_string().contains("67108864"),
        "the override is launched: {inspected}"
    );
    assert_eq!(run(&setup, &sue, &["kill", &id]).code, 0);
    assert_eq!(e.leftovers("local", &id), (0, 0));
}

#[test]
fn supervise_tends_only_the_executions_its_user_may_operate() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    // two essential services: when the first dies, supervision ends the
    // execution and stops the second
    custom_shop(
        shop.path(),
        json!([
            service("svc", "zoe-demo/busybox:1", 0, &[]),
            service("side", "zoe-demo/busybox:1", 1, &[])
        ]),
    );
    let conf = one_host("local", &e.docker_host("local"));
    let setup = Setup::with_shop(&conf, shop.path());
    append(&setup.config, &format!("user = \"alice\"\n{USERS}"));
    let bob = as_user(&setup, &conf, "bob");
    let root = as_user(&setup, &conf, "root");
    let launched = json_of(&setup, &bob, &["start", "custom-0"]);
    let bobs = execution_id(&launched);
    let (host, svc) = container_of(&launched, "svc0");
    std::thread::sleep(Duration::from_secs(3));
    e.docker_ok(&host, &["kill", &svc]);
    // alice's supervision leaves bob's execution alone
    let pass = setup.zoe(&["supervise", "--once"]);
    assert_eq!(pass.code, 0, "{}", pass.stderr);
    assert!(!pass.stdout.contains(&bobs), "{}", pass.stdout);
    assert_eq!(running(&e, &bobs), 1, "side0 still runs");
    // root's ends it
    let pass = run(&setup, &root, &["supervise", "--once"]);
    assert_eq!(pass.code, 0, "{}", pass.stderr);
    assert!(
        pass.stdout
            .contains(&format!("{bobs}: ended: Essential service svc0 died")),
        "{}",
        pass.stdout
    );
    assert_eq!(running(&e, &bobs), 0);
    assert_eq!(run(&setup, &bob, &["kill", &bobs]).code, 0);
    assert_eq!(e.leftovers("local", &bobs), (0, 0));
}

/// The running containers of execution `id` on the `local` daemon.
fn running(e: &Engines, id: &str) -> usize {
    e.docker_ok(
        "local",
        &[
            "ps",
            "-q",
            "--filter",
            &format!("label=zoe_execution_id={id}"),
            "--filter",
            "status=running",
        ],
    )
    .lines()
    .count()
}
