//! The terminal UI by role, in tmux against the real daemons: one
//! deployment, roles from `[users]` (alice and bob `user`, gus `guest`).
//! Alice's header says `alice · user`; her executions view shows her own
//! execution and not bob's, `a` (everybody's) says why it is not for her
//! role, her start form shows the resources read-only, and terminating
//! her own works. Gus's shop shows only the entry marked `guest_access`.
//!
//! Needs the test engines and tmux; skipped without them unless
//! ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::engines::{Engines, Setup, custom_shop, execution_id, one_host, service};
use common::tmux::{Pane, ready};
use serde_json::json;

const USERS: &str =
    "[users.alice]\nrole = \"user\"\n[users.bob]\nrole = \"user\"\n[users.gus]\nrole = \"guest\"\n";

/// A Setup on `local` as alice, with a two-entry shop: `Custom` for
/// guests too, `Hidden` not.
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

fn append(file: &Path, text: &str) {
    let mut settings = std::fs::read_to_string(file).unwrap();
    settings.push_str(text);
    std::fs::write(file, settings).unwrap();
}

/// The terminal UI with the settings `config`, 160×40.
fn open(setup: &Setup, config: &Path, socket: &str) -> Pane {
    let d = setup.dir.path().display();
    let script = format!(
        "unset DOCKER_HOST DBUS_SESSION_BUS_ADDRESS; export ZOE_CONFIG={config} XDG_CACHE_HOME={d} XDG_STATE_HOME={d}/state USER=tester; {zoe}; exec sleep 60",
        config = config.display(),
        zoe = env!("CARGO_BIN_EXE_zoe")
    );
    let pane = Pane::start(setup.dir.path().join(socket), 160, 40, &script);
    pane.wait_for("the host online", 30, |s| s.contains("1/1 hosts online"));
    pane
}

#[test]
fn a_user_sees_and_ends_only_their_own_and_a_guest_only_guest_entries() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    let (setup, conf) = team(&e, shop.path());
    let bob = setup.other_config("bob", &conf);
    append(&bob, &format!("user = \"bob\"\n{USERS}"));
    let out = setup
        .command_with(&bob, &["start", "custom-0", "--name", "bobs", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bobs = execution_id(&serde_json::from_slice(&out.stdout).unwrap());

    let pane = open(&setup, &setup.config, "tmux-alice.sock");
    let screen = pane.screen();
    assert!(
        screen.lines().next().unwrap().contains("alice · user@"),
        "{screen}"
    );
    // her start form: the resources read-only, and why
    pane.keys(&["s"]);
    let screen = pane.wait_for("the start form", 10, |s| s.contains("placement preview"));
    assert!(
        screen.contains("svc: 0.03125 GiB, 0.1 cores")
            && screen.contains("changing them needs can_customize_resources")
            && !screen.contains("memory (GiB)"),
        "{screen}"
    );
    let mine = pane.launch_until_running("1/1");
    assert_ne!(mine, bobs);
    // bob's is not in her executions view, `a` says why
    let screen = pane.screen();
    assert!(!screen.contains(&bobs), "{screen}");
    assert!(!screen.contains("mine/all"), "{screen}");
    pane.keys(&["a"]);
    pane.wait_for("why not everybody's", 5, |s| {
        s.contains("your role `user` sees only your own executions")
    });
    // terminating her own works
    pane.terminate(&mine);
    pane.keys(&["q"]);
    drop(pane);
    assert_eq!(e.leftovers("local", &mine), (0, 0));
    assert_eq!(
        e.docker_ok(
            "local",
            &[
                "ps",
                "-q",
                "--filter",
                &format!("label=zoe_execution_id={bobs}")
            ]
        )
        .lines()
        .count(),
        1,
        "bob's still runs"
    );

    // gus, a guest: only the entry for guests
    let gus = setup.other_config("gus", &conf);
    append(&gus, &format!("user = \"gus\"\n{USERS}"));
    let pane = open(&setup, &gus, "tmux-gus.sock");
    let screen = pane.wait_for("the shop", 10, |s| s.contains("shop (1)"));
    assert!(
        screen.contains("Custom") && !screen.contains("Hidden"),
        "{screen}"
    );
    assert!(
        screen.lines().next().unwrap().contains("gus · guest@"),
        "{screen}"
    );
    pane.keys(&["q"]);
}
