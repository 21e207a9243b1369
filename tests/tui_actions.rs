//! Acting on one instance, against the real daemons: `zoe exec` from a
//! shell (exit codes, piped input), and in the terminal UI (tmux) the
//! inspect pane's instance list: a shell and back, the raw container JSON,
//! the URL copied with OSC 52, restarts of an elastic and of an essential
//! instance. Needs the test engines (and tmux for the UI); skipped without
//! them unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::Instant;

use common::engines::{Setup, engines, execution_id, one_host};
use serde_json::Value;

/// The master + workers entry started on the local daemon: its id.
fn start_master_workers(setup: &Setup, name: &str) -> String {
    let run = setup.zoe(&["start", "master-workers-0", "--name", name, "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let launched: Value = serde_json::from_str(&run.stdout).unwrap();
    execution_id(&launched)
}

#[test]
fn zoe_exec_passes_exit_codes_and_piped_input() {
    let Some(e) = engines() else { return };
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    let id = start_master_workers(&setup, "exec-cli");

    // the command's exit code is zoe's
    let run = setup.zoe(&["exec", &id, "master0", "--", "sh", "-c", "exit 3"]);
    assert_eq!(run.code, 3, "{}", run.stderr);

    // without a terminal on stdin: plain input and output
    let mut child = setup
        .command(&["exec", &id, "worker0", "--", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hi\n").unwrap();
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    eprintln!("echo hi | zoe exec … -- cat: {:?}", started.elapsed());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");

    // the default command is a shell reading stdin
    let mut child = setup
        .command(&["exec", &id, "master0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"echo MARK-$((6*7)); echo $SERVICE_NAME\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("MARK-42"), "{stdout}");
    assert_eq!(out.status.code(), Some(0));

    // an unknown instance is named, with the ones there are
    let run = setup.zoe(&["exec", &id, "nosuch0", "--", "true"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no instance `nosuch0`") && run.stderr.contains("master0"),
        "{}",
        run.stderr
    );
    // another user's execution needs --all-users
    let run = setup
        .command(&["exec", &id, "master0", "--", "true"])
        .env("USER", "mallory")
        .output()
        .unwrap();
    assert_ne!(run.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("--all-users"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
