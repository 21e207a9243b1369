//! The real Docker daemons started by `scripts/engines.sh` (the README's
//! test command starts them), and a private `zoe` setup on them. Without
//! them a test is skipped with a message, unless ZOE_REQUIRE_ENGINES=1 (set
//! by scripts/test.sh), in which case it fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Engines {
    pub dir: PathBuf,
}

impl Engines {
    /// `DOCKER_HOST` of the unix-socket daemon (`local`) or the TCP one.
    pub fn docker_host(&self, host: &str) -> String {
        match host {
            "local" => format!("unix://{}/local/docker.sock", self.dir.display()),
            _ => "tcp://127.0.0.1:23750".to_string(),
        }
    }

    /// The docker CLI pointed at one of the daemons.
    pub fn docker(&self, host: &str, args: &[&str]) -> std::process::Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", self.docker_host(host))
            .output()
            .expect("the docker CLI runs")
    }
}

pub fn engines() -> Option<Engines> {
    let dir = PathBuf::from(
        std::env::var("ZOE_ENGINES_DIR").unwrap_or_else(|_| "/tmp/zoe-engines".into()),
    );
    let up = dir.join("local/docker.sock").exists() && dir.join("docker.conf").is_file();
    if up {
        return Some(Engines { dir });
    }
    assert!(
        !std::env::var("ZOE_REQUIRE_ENGINES").is_ok_and(|v| v == "1"),
        "the test engines are not running: run scripts/engines.sh start (scripts/test.sh does)"
    );
    eprintln!(
        "SKIPPED: no test engines in {}; run scripts/engines.sh start",
        dir.display()
    );
    None
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub bytes: Vec<u8>,
}

/// A private configuration: the given docker.conf text and shop.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    /// Each setup is its own Zoe deployment, so tests running at once on the
    /// same daemons never see (or supervise) each other's executions.
    pub deployment: String,
}

static SETUPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Setup {
    pub fn new(docker_conf: &str, shop: &Path) -> Setup {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("docker.conf"), docker_conf).expect("docker.conf written");
        let config = dir.path().join("zoe.toml");
        let n = SETUPS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let deployment = format!("s{}x{n}", std::process::id());
        std::fs::write(
            &config,
            format!(
                "docker_config = \"docker.conf\"\nshop = \"{}\"\nstop_grace_secs = 2\ndeployment_name = \"{deployment}\"\n",
                shop.display()
            ),
        )
        .expect("settings written");
        Setup {
            dir,
            config,
            deployment,
        }
    }

    /// `zoe` with this setup's settings and its own state cache.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zoe"));
        cmd.args(args)
            .env("ZOE_CONFIG", &self.config)
            .env("XDG_CACHE_HOME", self.dir.path())
            .env("USER", "tester")
            .env_remove("DOCKER_HOST");
        cmd
    }

    pub fn zoe(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().expect("zoe runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
            bytes: out.stdout,
        }
    }

    /// `zoe ARGS` with its standard output (and error) on a terminal, through
    /// `script`: the bytes the terminal would receive.
    pub fn zoe_on_terminal(&self, args: &[&str]) -> Vec<u8> {
        let mut line = format!("'{}'", env!("CARGO_BIN_EXE_zoe"));
        for a in args {
            line.push_str(&format!(" '{a}'"));
        }
        let out = Command::new("script")
            .args(["-qefc", &line, "/dev/null"])
            .env("ZOE_CONFIG", &self.config)
            .env("XDG_CACHE_HOME", self.dir.path())
            .env("USER", "tester")
            .env_remove("DOCKER_HOST")
            .output()
            .expect("script runs");
        out.stdout
    }

    /// `zoe ARGS -o json`, which must succeed, parsed.
    pub fn json(&self, args: &[&str]) -> Value {
        let run = self.zoe(&[args, &["-o", "json"]].concat());
        assert_eq!(run.code, 0, "zoe {args:?}: {}", run.stderr);
        serde_json::from_str(&run.stdout).expect("JSON output")
    }
}

/// docker.conf with the two plain daemons.
pub fn two_hosts(e: &Engines, local_labels: &str) -> String {
    format!(
        "[DEFAULT]\nuse_tls: no\n\n[local]\ndocker_address: unix://{}/local/docker.sock\nexternal_address: 127.0.0.1\nlabels: {local_labels}\n\n[remote]\ndocker_address: tcp://127.0.0.1:23750\nexternal_address: 127.0.0.1\n",
        e.dir.display()
    )
}

/// docker.conf with one host at `address`.
pub fn one_host(name: &str, address: &str) -> String {
    format!(
        "[DEFAULT]\nuse_tls: no\n\n[{name}]\ndocker_address: {address}\nexternal_address: 127.0.0.1\n"
    )
}

pub fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("timed out waiting for {what}");
}

/// A one-entry shop whose description is `services` (JSON array).
pub fn custom_shop(dir: &Path, services: Value) {
    let zapp = dir.join("custom");
    std::fs::create_dir_all(&zapp).expect("shop directory");
    std::fs::write(zapp.join("manifest.json"), json!({"version": 1, "zapps": [{"category": "Tests", "name": "Custom", "description": "app.json", "readable_descr": "README.md", "parameters": []}]}).to_string()).expect("manifest");
    std::fs::write(zapp.join("README.md"), "# Custom\n").expect("README");
    std::fs::write(zapp.join("logo.png"), b"\x89PNG\r\n\x1a\n").expect("logo");
    std::fs::write(
        zapp.join("app.json"),
        json!({"name": "custom", "version": 3, "will_end": false, "size": 1, "services": services})
            .to_string(),
    )
    .expect("description");
}

/// A service group of one essential instance running `command` on the
/// demo image.
pub fn service_running(name: &str, command: &str) -> Value {
    json!({"name": name, "image": "zoe-demo/busybox:1", "monitor": true, "startup_order": 0, "total_count": 1, "essential_count": 1,
           "resources": {"memory": {"min": 33554432, "max": null}, "cores": {"min": 0.1, "max": null}},
           "ports": [], "environment": [], "volumes": [],
           "command": command})
}
