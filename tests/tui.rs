//! The real terminal UI in tmux: it opens, and SIGTERM or SIGHUP (an SSH
//! drop) give the terminal back: alternate screen left, cursor visible,
//! cooked mode with echo. Needs tmux (scripts/test.sh installs it); without
//! it the tests are skipped with a message unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::tmux::{Pane, wait_until};
use std::path::Path;
use std::process::Command;

fn tmux_available() -> bool {
    if Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    if std::env::var("ZOE_REQUIRE_ENGINES").is_ok_and(|v| v == "1") {
        panic!("tmux is missing (scripts/test.sh installs it)");
    }
    eprintln!("SKIPPED: tmux is not installed");
    false
}

fn signal_restores_the_terminal(signal: &str) {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // a host that answers nothing: the UI must draw and stay responsive anyway
    std::fs::write(
        dir.path().join("docker.conf"),
        "[gone]\ndocker_address: tcp://127.0.0.1:1\nexternal_address: 127.0.0.1\nuse_tls: no\n",
    )
    .unwrap();
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("shop");
    std::fs::write(
        dir.path().join("zoe.toml"),
        format!(
            "docker_config = \"docker.conf\"\nshop = \"{}\"\n",
            shop.display()
        ),
    )
    .unwrap();
    let d = dir.path().display();
    let script = format!(
        "export ZOE_CONFIG={d}/zoe.toml XDG_CACHE_HOME={d} USER=tester; sh -c 'echo $$ > {d}/pid; exec {zoe}'; stty -a > {d}/stty; echo done > {d}/done; exec sleep 60",
        zoe = env!("CARGO_BIN_EXE_zoe")
    );
    let pane = Pane::start(dir.path().join("tmux.sock"), 80, 24, &script);
    pane.wait_for("the UI to draw", 20, |s| s.contains("1 shop"));
    assert_eq!(
        pane.show("#{alternate_on}"),
        "1",
        "the UI uses the alternate screen"
    );
    let screen = pane.screen();
    assert!(screen.contains("Master and workers"), "{screen}");

    let pid = std::fs::read_to_string(dir.path().join("pid"))
        .unwrap()
        .trim()
        .to_string();
    assert!(
        Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success()
    );
    wait_until("the UI to exit", || dir.path().join("done").exists());
    assert_eq!(
        pane.show("#{alternate_on}"),
        "0",
        "back on the normal screen"
    );
    assert_eq!(pane.show("#{cursor_flag}"), "1", "cursor visible");
    let stty = std::fs::read_to_string(dir.path().join("stty")).unwrap();
    assert!(
        stty.contains(" icanon") && !stty.contains("-icanon"),
        "cooked mode again: {stty}"
    );
    assert!(
        stty.contains(" echo ") && !stty.contains("-echo "),
        "echo on again: {stty}"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal("-TERM");
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores_the_terminal("-HUP");
}

#[test]
fn q_quits_and_restores_the_terminal() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("shop");
    std::fs::write(
        dir.path().join("zoe.toml"),
        format!(
            "shop = \"{}\"\n[[hosts]]\nname = \"gone\"\naddress = \"tcp://127.0.0.1:1\"\n",
            shop.display()
        ),
    )
    .unwrap();
    let script = format!(
        "export ZOE_CONFIG={d}/zoe.toml XDG_CACHE_HOME={d} USER=tester; {zoe}; echo exit=$? > {d}/done; exec sleep 60",
        zoe = env!("CARGO_BIN_EXE_zoe")
    );
    let pane = Pane::start(dir.path().join("tmux.sock"), 80, 24, &script);
    pane.wait_for("the UI to draw", 20, |s| s.contains("1 shop"));
    // the filter works while the only host never answers
    pane.keys(&["/"]);
    pane.text("spark");
    pane.keys(&["Enter"]);
    pane.wait_for("the filter to apply", 20, |s| s.contains("shop (2 of 7)"));
    pane.keys(&["q"]);
    wait_until("the UI to exit", || dir.path().join("done").exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("done"))
            .unwrap()
            .trim(),
        "exit=0"
    );
    assert_eq!(pane.show("#{alternate_on}"), "0");
}
