//! Ownership against the real daemons, through the real `zoe`: users of
//! one deployment (settings files of one Setup, `user = "bob"`, `user =
//! "alice"`, `user = "root"`), their roles from `[users]`: alice and bob
//! `user`, root `admin`. Alice cannot kill bob's execution nor read its
//! logs (exit 1, "no execution" as for a missing one, his containers still
//! run), and `--all-users` does not change that; her own execution needs
//! no flag. Root (`can_operate_others`) reads and kills bob's without any
//! flag, and the reason says who as Zoe does (`user root request …`). The
//! terminal UI: alice's does not show bob's execution at all; root's
//! relaunches, tails and terminates it.
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

/// Who has which role, in every settings file of the deployment.
const USERS: &str = "[users.alice]\nrole = \"user\"\n[users.bob]\nrole = \"user\"\n[users.root]\nrole = \"admin\"\n";

/// A Setup on the `local` daemon with a one-service shop, its settings as
/// alice, and other settings files of the same deployment as bob and root.
fn alice_and_bob(e: &Engines, shop: &Path) -> (Setup, PathBuf, PathBuf) {
    custom_shop(shop, json!([service("svc", "zoe-demo/busybox:1", 0, &[])]));
    let conf = one_host("local", &e.docker_host("local"));
    let setup = Setup::with_shop(&conf, shop);
    append(&setup.config, &format!("user = \"alice\"\n{USERS}"));
    let bob = setup.other_config("bob", &conf);
    append(&bob, &format!("user = \"bob\"\n{USERS}"));
    let root = setup.other_config("root", &conf);
    append(&root, &format!("user = \"root\"\n{USERS}"));
    (setup, bob, root)
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

/// The reason `zoe ps -a` and `zoe inspect` give for execution `id`, as
/// the user of `config` sees them.
fn reasons(setup: &Setup, config: &Path, id: &str) -> (Value, Value) {
    let json = |args: &[&str]| -> Value {
        let out = setup
            .command_with(config, &[args, &["-o", "json"]].concat())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let ps = json(&["ps", "-a"]);
    let row = ps
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id} in zoe ps -a: {ps}"))
        .clone();
    let inspect = json(&["inspect", id]);
    (
        row["reason"].clone(),
        inspect["execution"]["reason"].clone(),
    )
}

#[test]
fn another_users_execution_is_killed_only_by_an_admin_and_the_reason_names_who() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let (setup, bob, root) = alice_and_bob(&e, shop.path());
    let bobs = start_as(&setup, &bob, "bobs");
    assert_eq!(running(&e, &bobs), 1);
    // bob reads his own logs
    wait_for("bob's log line", Duration::from_secs(20), || {
        let out = setup.command_with(&bob, &["logs", &bobs]).output().unwrap();
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("up")
    });

    // alice (the settings' user, role user) may not kill it, nor read its
    // logs: for her it does not exist
    let kill = setup.zoe(&["kill", &bobs]);
    assert_eq!(kill.code, 1, "{}", kill.stderr);
    assert!(
        kill.stderr.contains(&format!("no execution `{bobs}`"))
            && kill
                .stderr
                .contains("your role `user` sees only your own executions"),
        "{}",
        kill.stderr
    );
    assert_eq!(running(&e, &bobs), 1, "bob's container still runs");
    let logs = setup.zoe(&["logs", &bobs]);
    assert_eq!(logs.code, 1, "{}", logs.stderr);
    assert!(
        logs.stderr.contains(&format!("no execution `{bobs}`")) && logs.stdout.is_empty(),
        "{}",
        logs.stderr
    );
    // by name too, and --all-users does not change it
    assert_eq!(setup.zoe(&["kill", "bobs"]).code, 1);
    let kill = setup.zoe(&["--all-users", "kill", &bobs]);
    assert_eq!(kill.code, 1, "{}", kill.stderr);
    assert!(
        kill.stderr.contains("(can_operate_others)"),
        "{}",
        kill.stderr
    );
    assert_eq!(running(&e, &bobs), 1, "bob's container still runs");
    // untouched, as bob sees it
    let (reason, inspected) = reasons(&setup, &bob, &bobs);
    assert!(
        reason.is_null() && inspected.is_null(),
        "{reason} {inspected}"
    );
    // who asks comes from $USER when the settings name nobody
    let plain = setup.other_config("plain", &one_host("local", &e.docker_host("local")));
    append(&plain, USERS);
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
    let (reason, inspected) = reasons(&setup, &setup.config, &mine);
    assert_eq!(reason, "terminated by alice with zoe kill");
    assert_eq!(inspected, reason);

    // root (admin): logs, then the kill, with no flag; the reason says who
    let as_root = |args: &[&str]| setup.command_with(&root, args).output().unwrap();
    let logs = as_root(&["logs", &bobs]);
    assert!(
        logs.status.success(),
        "{}",
        String::from_utf8_lossy(&logs.stderr)
    );
    assert!(String::from_utf8_lossy(&logs.stdout).contains("up"));
    let kill = as_root(&["kill", &bobs]);
    assert!(
        kill.status.success(),
        "{}",
        String::from_utf8_lossy(&kill.stderr)
    );
    assert_eq!(e.leftovers("local", &bobs), (0, 0), "nothing of it is left");
    let (reason, inspected) = reasons(&setup, &root, &bobs);
    assert_eq!(reason, "user root request with zoe kill");
    assert_eq!(inspected, reason);
    let ps = setup.command_with(&bob, &["ps", "-a"]).output().unwrap();
    let ps = String::from_utf8_lossy(&ps.stdout);
    assert!(
        ps.lines()
            .any(|l| l.contains(&bobs) && l.contains("user root request with zoe kill")),
        "{ps}"
    );
}

/// The terminal UI with the settings `config` in a wide tmux pane, with
/// `args`.
fn open_tui(setup: &Setup, config: &Path, socket: &str, args: &str) -> Pane {
    let d = setup.dir.path().display();
    let script = format!(
        "unset DOCKER_HOST DBUS_SESSION_BUS_ADDRESS; export ZOE_CONFIG={config} XDG_CACHE_HOME={d} XDG_STATE_HOME={d}/state USER=tester; {zoe} {args}; exec sleep 60",
        config = config.display(),
        zoe = env!("CARGO_BIN_EXE_zoe")
    );
    let pane = Pane::start(setup.dir.path().join(socket), 200, 40, &script);
    pane.wait_for("the host online", 30, |s| s.contains("1/1 hosts online"));
    pane
}

#[test]
fn the_terminal_ui_hides_another_users_execution_and_an_admins_ends_it() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    let (setup, bob, root) = alice_and_bob(&e, shop.path());
    let bobs = start_as(&setup, &bob, "bobs");
    let mine = start_as(&setup, &setup.config, "mine");

    // alice: her own execution only; bob's is not there to act on
    let pane = open_tui(&setup, &setup.config, "tmux.sock", "");
    pane.keys(&["2"]);
    let screen = pane.wait_for("alice's execution", 20, |s| s.contains(&mine));
    assert!(!screen.contains(&bobs), "{screen}");
    assert!(
        screen.lines().next().unwrap().contains("alice · user@"),
        "{screen}"
    );
    // `:logs ID` of bob's: no execution, as for a missing one
    pane.line(&format!(":logs {bobs}"));
    pane.wait_for("the refusal to show the logs", 20, |s| {
        s.contains(&format!("no execution `{bobs}`"))
    });
    pane.keys(&["q"]);
    drop(pane);
    assert_eq!(running(&e, &bobs), 1, "bob's container still runs");
    let (reason, _) = reasons(&setup, &bob, &bobs);
    assert!(reason.is_null(), "{reason}");

    // root: bob's execution with no flag; relaunch, logs and terminate work
    let pane = open_tui(&setup, &root, "tmux-root.sock", "");
    pane.keys(&["2"]);
    let screen = pane.wait_for("bob's execution", 20, |s| {
        s.lines().any(|l| l.contains(&bobs) && l.contains(" bob "))
    });
    assert!(
        screen.lines().next().unwrap().contains("root · admin@"),
        "{screen}"
    );
    pane.keys(&["/"]);
    pane.text("bobs");
    pane.keys(&["Enter"]);
    pane.wait_for("only bob's execution", 10, |s| !s.contains(&mine));
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
    let (reason, inspected) = reasons(&setup, &root, &bobs);
    assert_eq!(reason, "user root request in the terminal UI");
    assert_eq!(inspected, reason);
    assert_eq!(
        setup.zoe(&["kill", &mine]).code,
        0,
        "alice ends her own execution"
    );
}
