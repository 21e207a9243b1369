//! `zoe logs --since` against a real daemon (the `remote` test engine of
//! `scripts/engines.sh`): absolute times, durations, and a bad value. The
//! few helpers are local to this file on purpose (they join the shared
//! ones in tests/common later).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

const REMOTE: &str = "tcp://127.0.0.1:23750";

/// Whether the test engines run; without them the test is skipped, or
/// fails with ZOE_REQUIRE_ENGINES=1.
fn engines_up() -> bool {
    let dir = PathBuf::from(
        std::env::var("ZOE_ENGINES_DIR").unwrap_or_else(|_| "/tmp/zoe-engines".into()),
    );
    if dir.join("docker.conf").is_file() {
        return true;
    }
    let why = "the test engines are not running: run scripts/engines.sh start";
    if std::env::var("ZOE_REQUIRE_ENGINES").is_ok_and(|v| v == "1") {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
    false
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A private configuration (the remote engine, a one-entry shop), its own
/// deployment name, state cache and log directory; what it left on the
/// engine is removed on drop.
struct Setup {
    dir: tempfile::TempDir,
    config: PathBuf,
    deployment: String,
}

impl Setup {
    fn new(docker_address: &str, command: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        std::fs::write(
            path.join("docker.conf"),
            format!("[remote]\ndocker_address: {docker_address}\nexternal_address: 127.0.0.1\nuse_tls: no\n"),
        )
        .unwrap();
        let zapp = path.join("shop/custom");
        std::fs::create_dir_all(&zapp).unwrap();
        std::fs::write(zapp.join("manifest.json"), json!({"version": 1, "zapps": [{"category": "Tests", "name": "Custom", "description": "app.json", "readable_descr": "README.md", "parameters": []}]}).to_string()).unwrap();
        std::fs::write(zapp.join("README.md"), "# Custom\n").unwrap();
        std::fs::write(
            zapp.join("app.json"),
            json!({"name": "custom", "version": 3, "will_end": false, "size": 1, "services": [{
                "name": "talker", "image": "zoe-demo/busybox:1", "monitor": true, "startup_order": 0,
                "total_count": 1, "essential_count": 1,
                "resources": {"memory": {"min": 33554432, "max": null}, "cores": {"min": 0.1, "max": null}},
                "ports": [], "environment": [], "volumes": [], "labels": [], "command": command}]})
            .to_string(),
        )
        .unwrap();
        // private to this setup: a drop removes what carries it
        static SETUPS: AtomicUsize = AtomicUsize::new(0);
        let n = SETUPS.fetch_add(1, Ordering::SeqCst);
        let deployment = format!("s{}x{n}", std::process::id());
        let config = path.join("zoe.toml");
        std::fs::write(
            &config,
            format!(
                "docker_config = \"docker.conf\"\nshop = \"{}\"\nstop_grace_secs = 1\ndeployment_name = \"{deployment}\"\n",
                path.join("shop").display()
            ),
        )
        .unwrap();
        Setup {
            dir,
            config,
            deployment,
        }
    }

    fn zoe(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_zoe"))
            .args(args)
            .env("ZOE_CONFIG", &self.config)
            .env("HOME", self.dir.path())
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("USER", "tester")
            .env_remove("DOCKER_HOST")
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    /// `zoe logs ID ARGS` (with timestamps), which must succeed: its lines.
    fn logs(&self, id: &str, args: &[&str]) -> Vec<(DateTime<Utc>, String)> {
        let run = self.zoe(&[&["logs", id, "-t"], args].concat());
        assert_eq!(run.code, 0, "zoe logs {args:?}: {}", run.stderr);
        run.stdout
            .lines()
            .map(|line| {
                let (ts, text) = line.split_once(' ').unwrap();
                (
                    DateTime::parse_from_rfc3339(ts).unwrap().to_utc(),
                    text.to_string(),
                )
            })
            .collect()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let label = format!("label=zoe_deployment_name={}", self.deployment);
        let docker = |args: &[&str]| {
            Command::new("docker")
                .args(args)
                .env("DOCKER_HOST", REMOTE)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
                .unwrap_or_default()
        };
        for (list, remove) in [
            (vec!["ps", "-aq", "--filter", &label], vec!["rm", "-f"]),
            (
                vec!["network", "ls", "-q", "--filter", &label],
                vec!["network", "rm"],
            ),
        ] {
            let ids = docker(&list);
            let ids: Vec<&str> = ids.split_whitespace().collect();
            if !ids.is_empty() {
                docker(&[remove, ids].concat());
            }
        }
    }
}

fn texts(lines: &[(DateTime<Utc>, String)]) -> Vec<&str> {
    lines.iter().map(|(_, text)| text.as_str()).collect()
}

fn rfc3339(at: DateTime<Utc>, precision: SecondsFormat) -> String {
    at.to_rfc3339_opts(precision, true)
}

/// A container prints `first`, waits 3 s and prints `second`: `--since`
/// with a time between them gets only `second`, in every form of time.
#[test]
fn since_an_absolute_time_or_a_duration_ago() {
    if !engines_up() {
        return;
    }
    let setup = Setup::new(
        REMOTE,
        "sh -c 'echo first; sleep 3; echo second; trap \"exit 0\" TERM; while true; do sleep 1; done'",
    );
    let started = setup.zoe(&["start", "custom-0", "-o", "json"]);
    assert_eq!(started.code, 0, "{}", started.stderr);
    let started: Value = serde_json::from_str(&started.stdout).unwrap();
    let id = started["execution"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let all = loop {
        let all = setup.logs(&id, &[]);
        if all.len() >= 2 || Instant::now() > deadline {
            break all;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(texts(&all), ["first", "second"], "{all:?}");
    let (first, second) = (all[0].0, all[1].0);
    assert!(second - first >= TimeDelta::milliseconds(2500), "{all:?}");

    // whole seconds, as in the issue: the second after `first` began
    let between = DateTime::from_timestamp(first.timestamp() + 1, 0).unwrap();
    assert!(first < between && between < second);
    let absolute = rfc3339(between, SecondsFormat::Secs);
    assert!(
        absolute.ends_with('Z') && absolute.len() == 20,
        "{absolute}"
    );
    assert_eq!(texts(&setup.logs(&id, &["--since", &absolute])), ["second"]);
    // the same instant with an offset
    let paris = chrono::FixedOffset::east_opt(3600).unwrap();
    let offset = between.with_timezone(&paris).to_rfc3339();
    assert!(offset.ends_with("+01:00"), "{offset}");
    assert_eq!(texts(&setup.logs(&id, &["--since", &offset])), ["second"]);
    // Unix seconds
    let unix = between.timestamp().to_string();
    assert_eq!(texts(&setup.logs(&id, &["--since", &unix])), ["second"]);
    // finer than Docker's whole seconds: `first`'s own instant keeps it,
    // a nanosecond later drops it, although Docker sends it for its second
    let exact = rfc3339(first, SecondsFormat::Nanos);
    assert_eq!(
        texts(&setup.logs(&id, &["--since", &exact])),
        ["first", "second"]
    );
    let just_after = rfc3339(first + TimeDelta::nanoseconds(1), SecondsFormat::Nanos);
    assert_eq!(
        texts(&setup.logs(&id, &["--since", &just_after])),
        ["second"]
    );
    // a date: the local midnight that began the day of `first`
    let date = first
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        texts(&setup.logs(&id, &["--since", &date])),
        ["first", "second"]
    );

    // durations ago: 90 s reaches back before both lines; a moment after
    // `second`, a second ago reaches neither
    assert_eq!(
        texts(&setup.logs(&id, &["--since", "90s"])),
        ["first", "second"]
    );
    let elapsed = (Utc::now() - second).num_seconds();
    assert!(
        elapsed < 85,
        "the test ran too slowly to check 90s: {elapsed} s"
    );
    assert_eq!(
        texts(&setup.logs(&id, &["--since", "1ms"])),
        Vec::<&str>::new(),
        "nothing was printed in the last millisecond"
    );
    let future = rfc3339(Utc::now() + TimeDelta::hours(1), SecondsFormat::Secs);
    assert!(setup.logs(&id, &["--since", &future]).is_empty());

    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
}

/// A bad `--since` is a usage error (exit 2) that names the value and every
/// form accepted, before any host is asked: none is reachable here.
#[test]
fn a_bad_since_names_the_accepted_forms() {
    let setup = Setup::new("tcp://127.0.0.1:9", "true");
    for bad in [
        "yesterday",
        "10x",
        "2026-11-29T25:00Z",
        "2026-11-29 at noon",
    ] {
        let run = setup.zoe(&["logs", "someid", "--since", bad]);
        assert_eq!(run.code, 2, "{bad}: {}{}", run.stdout, run.stderr);
        for form in [
            &format!("`{bad}`"),
            "90s",
            "3d",
            "2026-11-29T10:00:00Z",
            "+01:00",
            "2026-11-29",
            "Unix seconds",
        ] {
            assert!(
                run.stderr.contains(form),
                "{bad}: names {form}: {}",
                run.stderr
            );
        }
    }
    let run = setup.zoe(&["logs", "someid", "--since", "1960-01-01"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("before 1970"), "{}", run.stderr);
}
