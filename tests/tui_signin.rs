//! The terminal UI's sign-in screen in tmux, with `auth = "csv"`: a wrong
//! password shows its message and the typed password never reaches the
//! screen; the right one (remembered) opens the shop, and a later run
//! needs no sign-in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use common::engines::{Setup, one_host};
use common::signin::{add_settings, files_containing};
use common::tmux::open_zoe;

fn tmux_available() -> bool {
    if Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    let required = std::env::var("ZOE_REQUIRE_ENGINES").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    assert!(!required, "tmux is missing (scripts/test.sh installs it)");
    eprintln!("SKIPPED: tmux is not installed");
    false
}

#[test]
fn the_sign_in_screen_refuses_a_wrong_password_and_never_shows_one() {
    if !tmux_available() {
        return;
    }
    // a host nobody answers on: the shop shows all the same
    let s = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    std::fs::write(
        s.dir.path().join("zoepass.csv"),
        "ann,Right-Horse-81,admin\n",
    )
    .unwrap();
    add_settings(&s, "auth = \"csv\"\n[csv]\nfile = \"zoepass.csv\"\n");
    let pane = open_zoe(&s, "");
    pane.wait_for("the sign-in screen", 20, |s| s.contains("zoe: sign in"));
    pane.text("ann");
    pane.keys(&["Tab"]);
    pane.text("Wrong-Horse-72");
    let screen = pane.wait_for("the password typed", 5, |s| s.contains("••••••••••••••"));
    assert!(!screen.contains("Wrong-Horse"), "{screen}");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the refusal", 10, |s| {
        s.contains("wrong password for `ann`")
    });
    assert!(
        !screen.contains("Wrong-Horse") && !screen.contains("•••"),
        "the password is cleared:\n{screen}"
    );
    assert!(
        screen.contains("User       ann"),
        "the user is kept:\n{screen}"
    );
    // focus is back on the password
    pane.text("Right-Horse-81");
    pane.keys(&["Tab", "Space"]);
    let screen = pane.wait_for("remember me ticked", 5, |s| s.contains("[x] remember me"));
    assert!(!screen.contains("Right-Horse"), "{screen}");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the shop", 20, |s| {
        !s.contains("zoe: sign in") && s.contains("ann")
    });
    assert!(!screen.contains("Horse"), "{screen}");
    pane.keys(&["q"]);
    pane.wait_for("the UI to quit", 10, |s| s.contains("exited 0"));
    // remembered: the next run goes straight in
    let run = s.zoe(&["-v", "shop", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for secret in ["Right-Horse-81", "Wrong-Horse-72"] {
        // the cache and the log (the setup's folder also holds the password file)
        let mut found = files_containing(&s.cache_home().join("zoe"), secret);
        found.extend(files_containing(&s.cache_home().join("state"), secret));
        assert!(found.is_empty(), "{secret} in {found:?}");
    }
    assert_eq!(s.zoe(&["logout"]).code, 0);
}

#[test]
fn esc_on_the_sign_in_screen_quits() {
    if !tmux_available() {
        return;
    }
    let s = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    add_settings(&s, "auth = \"csv\"\n[csv]\nfile = \"zoepass.csv\"\n");
    let pane = open_zoe(&s, "");
    pane.wait_for("the sign-in screen", 20, |s| s.contains("zoe: sign in"));
    pane.keys(&["Escape"]);
    pane.wait_for("zoe to end", 10, |s| s.contains("exited 0"));
}
