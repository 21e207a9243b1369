//! Ownership against the real daemons, through the real `zoe`: two users of
//! one deployment (two settings files of one Setup, `user = "bob"` and
//! `user = "alice"`). Alice cannot kill bob's execution nor read its logs
//! (exit 1, the message names bob and `--all-users`, his containers still
//! run); with `--all-users` she can, and the reason names both; her own
//! execution needs no flag. The terminal UI refuses terminate, relaunch
//! and logs of bob's execution with the engine's reason in the status
//! line, and does them with `--all-users`.
//!
//! Needs the test engines (and tmux for the terminal UI); skipped without
//! them unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::engines::{
    Engines, Setup, custom_shop, engines, execution_id, one_host, service, wait_for,
};
use common::tmux::{Pane, ready};
use serde_json::{Value, json};

/// A Setup on the `local` daemon with a one-service shop, its settings as
/// alice, and another settings file of the same deployment as bob.
fn alice_and_bob(e: &Engines, shop: &Path) -> (Setup, PathBuf) {
    custom_shop(shop, json!([service("svc", "zoe-demo/busybox:1", 0, &[])]));
    let conf = one_host("local", &e.docker_host("local"));
    let setup = Setup::with_shop(&conf, shop);
    append(&setup.config, "user = \"alice\"\n");
    let bob = setup.other_config("bob", &conf);
    append(&bob, "user = \"bob\"\n");
    (setup, bob)
}

fn append(file: &Path, text: &str) {
    let mut settings = std::fs::read_to_string(file).unwrap();
    settings.push_str(text);
    std::fs::write(file, settings).unwrap();
}

/// `zoe start custom-0 --name NAME` with the settings `config`: the id.
fn start_as(setup: &Setup, config: &Path, name: &str) -> String {
    let out = setup
        .command_with(config, &["start", "custom-0", "--name", name, "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    execution_id(&serde_json::from_slice(&out.stdout).unwrap())
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

/// The reason `zoe ps -a` and `zoe inspect` give for execution `id`.
fn reasons(setup: &Setup, id: &str) -> (Value, Value) {
    let ps = setup.json(&["ps", "-a"]);
    let row = ps
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id} in zoe ps -a: {ps}"))
        .clone();
    let inspect = setup.json(&["inspect", id]);
    (
        row["reason"].clone(),
        inspect["execution"]["reason"].clone(),
    )
}

#[test]
fn another_users_execution_is_killed_only_with_all_users_and_the_reason_names_who() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let (setup, bob) = alice_and_bob(&e, shop.path());
    let bobs = start_as(&setup, &bob, "bobs");
    assert_eq!(running(&e, &bobs), 1);
    // bob reads his own logs
    wait_for("bob's log line", Duration::from_secs(20), || {
        let out = setup.command_with(&bob, &["logs", &bobs]).output().unwrap();
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("up")
    });

    // alice (the settings' user) may not kill it, nor read its logs
    let kill = setup.zoe(&["kill", &bobs]);
    assert_eq!(kill.code, 1, "{}", kill.stderr);
    assert!(
        kill.stderr.contains(&format!("execution {bobs} of bob"))
            && kill.stderr.contains("only its owner may terminate it")
            && kill.stderr.contains("--all-users"),
        "{}",
        kill.stderr
    );
    assert_eq!(running(&e, &bobs), 1, "bob's container still runs");
    let logs = setup.zoe(&["logs", &bobs]);
    assert_eq!(logs.code, 1, "{}", logs.stderr);
    assert!(
        logs.stderr.contains(&format!("execution {bobs} of bob"))
            && logs.stderr.contains("read its logs")
            && logs.stderr.contains("--all-users")
            && logs.stdout.is_empty(),
        "{}",
        logs.stderr
    );
    // by name too
    assert_eq!(setup.zoe(&["kill", "bobs"]).code, 1);
    // still listed and inspected for everybody, and untouched
    let (reason, inspected) = reasons(&setup, &bobs);
    assert!(
        reason.is_null() && inspected.is_null(),
        "{reason} {inspected}"
    );
    // who asks comes from $USER when the settings name nobody
    let plain = setup.other_config("plain", &one_host("local", &e.docker_host("local")));
    let as_bob = setup
        .command_with(&plain, &["logs", &bobs])
        .env("USER", "bob")
        .output()
        .unwrap();
    assert!(
        as_bob.status.success(),
        "{}",
        String::from_utf8_lossy(&as_bob.stderr)
    );
    let as_tester = setup
        .command_with(&plain, &["logs", &bobs])
        .output()
        .unwrap();
    assert_eq!(as_tester.status.code(), Some(1));

    // alice kills her own execution without the flag
    let mine = start_as(&setup, &setup.config, "mine");
    let kill = setup.zoe(&["kill", &mine]);
    assert_eq!(kill.code, 0, "{}", kill.stderr);
    assert_eq!(e.leftovers("local", &mine), (0, 0));
    let (reason, inspected) = reasons(&setup, &mine);
    assert_eq!(reason, "terminated by alice with zoe kill");
    assert_eq!(inspected, reason);

    // with --all-users: logs, then the kill, and the reason says who and whose
    let logs = setup.zoe(&["--all-users", "logs", &bobs]);
    assert_eq!(logs.code, 0, "{}", logs.stderr);
    assert!(logs.stdout.contains("up"), "{}", logs.stdout);
    let kill = setup.zoe(&["--all-users", "kill", &bobs]);
    assert_eq!(kill.code, 0, "{}", kill.stderr);
    assert_eq!(e.leftovers("local", &bobs), (0, 0), "nothing of it is left");
    let (reason, inspected) = reasons(&setup, &bobs);
    assert_eq!(
        reason,
        "terminated by alice (owner bob, --all-users) with zoe kill"
    );
    assert_eq!(inspected, reason);
    let ps = setup.zoe(&["ps", "-a"]);
    assert!(
        ps.stdout.lines().any(
            |l| l.contains(&bobs) && l.contains("terminated by alice (owner bob, --all-users)")
        ),
        "{}",
        ps.stdout
    );
}

/// The terminal UI of `setup` (as its settings' user, alice) in a wide
/// tmux pane, with `args`.
fn open_tui(setup: &Setup, socket: &str, args: &str) -> Pane {
    let d = setup.dir.path().display();
    let script = format!(
        "unset DOCKER_HOST; export ZOE_CONFIG={config} XDG_CACHE_HOME={d} XDG_STATE_HOME={d}/state USER=tester; {zoe} {args}; exec sleep 60",
        config = setup.config.display(),
        zoe = env!("CARGO_BIN_EXE_zoe")
    );
    let pane = Pane::start(setup.dir.path().join(socket), 200, 40, &script);
    pane.wait_for("the host online", 30, |s| s.contains("1/1 hosts online"));
    pane
}

#[test]
fn the_terminal_ui_refuses_another_users_execution_unless_all_users() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    let (setup, bob) = alice_and_bob(&e, shop.path());
    let bobs = start_as(&setup, &bob, "bobs");

    let pane = open_tui(&setup, "tmux.sock", "");
    pane.keys(&["2"]);
    pane.wait_for("bob's execution", 20, |s| {
        s.lines().any(|l| l.contains(&bobs) && l.contains(" bob "))
    });
    // terminate: asked (saying whose), then refused by the engine
    pane.keys(&["t"]);
    pane.wait_for("the confirmation", 5, |s| {
        s.contains(&format!("Terminate {bobs} of bob?"))
    });
    pane.keys(&["y"]);
    pane.wait_for("the refusal to terminate", 30, |s| {
        s.contains("only its owner may terminate it") && s.contains("--all-users")
    });
    assert_eq!(running(&e, &bobs), 1, "bob's container still runs");
    // relaunch: no form
    pane.keys(&["r"]);
    let screen = pane.wait_for("the refusal to relaunch", 10, |s| {
        s.contains("only its owner may relaunch it")
    });
    assert!(!screen.contains("placement preview"), "{screen}");
    // logs: back to the executions with the reason
    pane.keys(&["l"]);
    let screen = pane.wait_for("the refusal to show the logs", 20, |s| {
        s.contains("only its owner may read its logs")
    });
    assert!(screen.contains(" executions ("), "{screen}");
    pane.keys(&["q"]);
    drop(pane);
    let (reason, _) = reasons(&setup, &bobs);
    assert!(reason.is_null(), "{reason}");

    // with --all-users: the header says so, and every action is done
    let pane = open_tui(&setup, "tmux-all.sock", "--all-users");
    pane.keys(&["2"]);
    let screen = pane.wait_for("bob's execution", 20, |s| {
        s.lines().any(|l| l.contains(&bobs) && l.contains(" bob "))
    });
    assert!(
        screen.lines().next().unwrap().contains("all users"),
        "{screen}"
    );
    pane.keys(&["r"]);
    pane.wait_for("the start form", 10, |s| s.contains("placement preview"));
    pane.keys(&["Escape", "l"]);
    pane.wait_for("bob's log line", 30, |s| {
        s.lines()
            .any(|l| l.trim_matches(['│', ' ']).ends_with("up"))
    });
    pane.keys(&["Escape", "t"]);
    pane.wait_for("the confirmation", 5, |s| {
        s.contains(&format!("Terminate {bobs} of bob?"))
    });
    pane.keys(&["y"]);
    pane.wait_for("the termination", 60, |s| {
        s.contains(&format!("{bobs} terminated"))
    });
    pane.keys(&["q"]);
    assert_eq!(e.leftovers("local", &bobs), (0, 0));
    let (reason, inspected) = reasons(&setup, &bobs);
    assert_eq!(
        reason,
        "terminated by alice (owner bob, --all-users) in the terminal UI"
    );
    assert_eq!(inspected, reason);
}
