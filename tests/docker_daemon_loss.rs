//! A Docker daemon killed mid-session, and restarted. Its own test binary:
//! cargo runs test binaries one after another, so killing the shared
//! `remote` daemon here cannot disturb the tests in tests/docker.rs.
//! Skipped without the test engines unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::engines::{Setup, engines, execution_id, one_host, skip_or_fail, two_hosts};
use serde_json::Value;

#[test]
fn a_daemon_killed_mid_session_goes_offline_and_comes_back_without_losing_log_lines() {
    let Some(e) = engines() else { return };
    let pid_file = e.dir.join("remote/dockerd.pid");
    if !pid_file.is_file() {
        skip_or_fail("no pid file of the remote engine: run scripts/engines.sh start");
        return;
    }
    let setup = Setup::new(&two_hosts(&e, ""));
    let remote_only = setup.other_config("remote", &one_host("remote", &e.docker_host("remote")));

    // A batch job on the remote host that counts for 25 seconds, followed live.
    let out = setup
        .command_with(
            &remote_only,
            &["start", "batch-counter-0", "-p", "STEPS=25", "-o", "json"],
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = execution_id(&serde_json::from_slice(&out.stdout).unwrap());
    let mut follower = setup
        .command_with(&remote_only, &["logs", &id, "-f"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follower.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    std::thread::sleep(Duration::from_secs(5));

    // Kill the remote daemon (SIGKILL: no goodbye); whatever happens next,
    // it is started again before the test ends, so a failure here cannot
    // leave the shared daemon down for the tests after it.
    let _restart = Restart;
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_string();
    assert!(
        Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(500));

    // The console neither hangs nor panics: remote offline, local online.
    let started = Instant::now();
    let nodes = setup.command(&["nodes"]).output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "a dead host must not stall the console"
    );
    let text = String::from_utf8_lossy(&nodes.stdout);
    assert_eq!(nodes.status.code(), Some(1), "{text}");
    assert!(
        text.contains("remote  offline") && text.contains("local   online"),
        "{text}"
    );
    assert!(!String::from_utf8_lossy(&nodes.stderr).contains("panicked"));
    // ...and the other host keeps working.
    let web = setup
        .command(&["start", "web-hello-0", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        web.status.success(),
        "{}",
        String::from_utf8_lossy(&web.stderr)
    );
    let web_id = execution_id(&serde_json::from_slice(&web.stdout).unwrap());
    let ps = setup.command(&["ps", "-o", "json"]).output().unwrap();
    assert!(ps.status.success());
    let rows: Value = serde_json::from_slice(&ps.stdout).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == web_id.as_str() && r["status"] == "running")
    );
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id.as_str()),
        "the counter is not closed while its host is offline"
    );
    assert!(
        setup
            .command(&["kill", &web_id])
            .status()
            .unwrap()
            .success()
    );

    // Bring the daemon back (live-restore keeps the counter running).
    assert!(start_engines());

    // The follower resumes and ends with the job: every step exactly once.
    let deadline = Instant::now() + Duration::from_secs(90);
    while follower.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the log follower never finished");
        std::thread::sleep(Duration::from_millis(250));
    }
    let lines = reader.join().unwrap();
    for step in 1..=25 {
        let wanted = format!("step {step}/25");
        let count = lines.iter().filter(|l| l.ends_with(&wanted)).count();
        assert_eq!(
            count,
            1,
            "`{wanted}` seen {count} times in:\n{}",
            lines.join("\n")
        );
    }
    assert!(
        lines.iter().any(|l| l.contains("done: counted to 25")),
        "{}",
        lines.join("\n")
    );
    assert!(
        setup
            .command_with(&remote_only, &["kill", &id])
            .status()
            .unwrap()
            .success()
    );
}

/// `scripts/engines.sh start` (idempotent): brings a killed daemon back.
fn start_engines() -> bool {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Command::new(root.join("scripts/engines.sh"))
        .arg("start")
        .env("ZOE_ENGINES_TLS", "1")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts the engines again when dropped, on a failed assertion too.
struct Restart;

impl Drop for Restart {
    fn drop(&mut self) {
        start_engines();
    }
}
