//! A Docker daemon killed mid-session, and restarted. Its own test binary:
//! cargo runs test binaries one after another, so killing the shared
//! `remote` daemon here cannot disturb the tests in tests/docker.rs.
//! Skipped without the test engines unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn engines_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(
        std::env::var("ZOE_ENGINES_DIR").unwrap_or_else(|_| "/tmp/zoe-engines".into()),
    );
    if dir.join("remote/dockerd.pid").is_file() && dir.join("local/docker.sock").exists() {
        return Some(dir);
    }
    if std::env::var("ZOE_REQUIRE_ENGINES").is_ok_and(|v| v == "1") {
        panic!(
            "the test engines are not running: run scripts/engines.sh start (scripts/test.sh does)"
        );
    }
    eprintln!("SKIPPED: no test engines; run scripts/engines.sh start");
    None
}

fn config(dir: &tempfile::TempDir, engines: &std::path::Path, hosts: &[&str]) -> PathBuf {
    let mut conf = String::from("[DEFAULT]\nuse_tls: no\n");
    for host in hosts {
        let address = if *host == "local" {
            format!("unix://{}/local/docker.sock", engines.display())
        } else {
            "tcp://127.0.0.1:23750".into()
        };
        conf.push_str(&format!(
            "\n[{host}]\ndocker_address: {address}\nexternal_address: 127.0.0.1\n"
        ));
    }
    let name = hosts.join("-");
    std::fs::write(dir.path().join(format!("{name}.conf")), conf).unwrap();
    let file = dir.path().join(format!("{name}.toml"));
    let shop = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("shop");
    std::fs::write(
        &file,
        format!("docker_config = \"{name}.conf\"\nshop = \"{}\"\ndeployment_name = \"loss{}\"\nstop_grace_secs = 2\n", shop.display(), std::process::id()),
    )
    .unwrap();
    file
}

fn zoe(config: &std::path::Path, cache: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zoe"));
    cmd.args(args)
        .env("ZOE_CONFIG", config)
        .env("XDG_CACHE_HOME", cache)
        .env("USER", "tester")
        .env_remove("DOCKER_HOST");
    cmd
}

#[test]
fn a_daemon_killed_mid_session_goes_offline_and_comes_back_without_losing_log_lines() {
    let Some(engines) = engines_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let remote_only = config(&dir, &engines, &["remote"]);
    let both = config(&dir, &engines, &["local", "remote"]);

    // A batch job on the remote host that counts for 25 seconds, followed live.
    let out = zoe(
        &remote_only,
        dir.path(),
        &["start", "batch-counter-0", "-p", "STEPS=25", "-o", "json"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = serde_json::from_slice::<Value>(&out.stdout).unwrap()["execution"]
        .as_str()
        .unwrap()
        .to_string();
    let mut follower = zoe(&remote_only, dir.path(), &["logs", &id, "-f"])
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

    // Kill the remote daemon (SIGKILL: no goodbye).
    let pid = std::fs::read_to_string(engines.join("remote/dockerd.pid"))
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
    let nodes = zoe(&both, dir.path(), &["nodes"]).output().unwrap();
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
    let web = zoe(&both, dir.path(), &["start", "web-hello-0", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        web.status.success(),
        "{}",
        String::from_utf8_lossy(&web.stderr)
    );
    let web_id = serde_json::from_slice::<Value>(&web.stdout).unwrap()["execution"]
        .as_str()
        .unwrap()
        .to_string();
    let ps = zoe(&both, dir.path(), &["ps", "-o", "json"])
        .output()
        .unwrap();
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
        zoe(&both, dir.path(), &["kill", &web_id])
            .status()
            .unwrap()
            .success()
    );

    // Bring the daemon back (live-restore keeps the counter running).
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let restart = Command::new(root.join("scripts/engines.sh"))
        .arg("start")
        .env("ZOE_ENGINES_TLS", "1")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(restart.success());

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
        zoe(&remote_only, dir.path(), &["kill", &id])
            .status()
            .unwrap()
            .success()
    );
}
