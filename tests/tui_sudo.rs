//! The terminal UI run through sudo for another user (`SUDO_USER`,
//! believed because the tests run as root), in tmux against the real
//! daemons: what it remembers across runs (the `:` history) goes in
//! `users/<SUDO_USER>/` under the state directory, so one person's
//! history never shows in another's.
//!
//! Needs the test engines and tmux; skipped without them unless
//! ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::engines::{Setup, one_host};
use common::tmux::{Pane, ready};

/// The terminal UI of `setup` run through sudo for `user`, 120×36.
fn open_as(setup: &Setup, user: &str) -> Pane {
    let d = setup.dir.path().display();
    let script = format!(
        "unset DOCKER_HOST DBUS_SESSION_BUS_ADDRESS; export SUDO_USER={user} ZOE_CONFIG={config} XDG_CACHE_HOME={d} XDG_STATE_HOME={d}/state USER=tester; {zoe}; echo exited $?; exec sleep 60",
        config = setup.config.display(),
        zoe = env!("CARGO_BIN_EXE_zoe")
    );
    let pane = Pane::start(
        setup.dir.path().join(format!("tmux-{user}.sock")),
        120,
        36,
        &script,
    );
    pane.wait_for("the host online", 30, |s| s.contains("1/1 hosts online"));
    pane
}

/// Every `tui.json` under `dir`.
fn remembered_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(remembered_files(&path));
        } else if path.file_name().is_some_and(|n| n == "tui.json") {
            found.push(path);
        }
    }
    found
}

#[test]
fn under_sudo_each_user_has_their_own_history() {
    let Some(e) = ready() else { return };
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    let state = setup.dir.path().join("state");

    let pane = open_as(&setup, "alice");
    pane.keys(&[":", "nodes", "Enter"]);
    pane.wait_for("the nodes view", 10, |s| s.contains("CORES"));
    pane.keys(&["q"]);
    pane.wait_for("the end", 10, |s| s.contains("exited 0"));
    drop(pane);
    let files = remembered_files(&state);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0].ends_with("users/alice/tui.json"),
        "alice's own: {files:?}"
    );
    assert!(
        std::fs::read_to_string(&files[0])
            .unwrap()
            .contains("nodes")
    );

    // bob's `:` history does not hold alice's line
    let pane = open_as(&setup, "bob");
    pane.keys(&[":", "Up"]);
    let screen = pane.screen();
    assert!(
        !screen.lines().last().unwrap_or("").contains("nodes"),
        "{screen}"
    );
    pane.keys(&["Escape", "q"]);
    pane.wait_for("the end", 10, |s| s.contains("exited 0"));
    drop(pane);
    for file in remembered_files(&state) {
        assert!(
            file.to_string_lossy().contains("/users/"),
            "nothing remembered outside users/: {file:?}"
        );
    }
}
