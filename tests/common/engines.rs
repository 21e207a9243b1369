//! The real Docker daemons started by `scripts/engines.sh` (the README's
//! test command starts them), and a private `zoe` setup on them. Without
//! them a test is skipped with a message, unless ZOE_REQUIRE_ENGINES=1 (set
//! by scripts/test.sh), in which case it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zoe_console::model::{ExecutionId, ExecutionStatus};
use zoe_console::state::{ExecutionRecord, Store, launcher_tag};

/// The `remote` test engine (plain TCP), alone.
pub const REMOTE: &str =
    "[remote]\ndocker_address: tcp://127.0.0.1:23750\nexternal_address: 127.0.0.1\nuse_tls: no\n";

/// The engines' directory: `$ZOE_ENGINES_DIR`, else /tmp/zoe-engines.
pub struct Engines {
    pub dir: PathBuf,
}

impl Engines {
    /// The engines when their `local` daemon's socket is there, without a
    /// message when not.
    fn if_up() -> Option<Engines> {
        let dir = PathBuf::from(
            std::env::var("ZOE_ENGINES_DIR").unwrap_or_else(|_| "/tmp/zoe-engines".into()),
        );
        dir.join("local/docker.sock")
            .exists()
            .then_some(Engines { dir })
    }

    /// `DOCKER_HOST` of the unix-socket daemon (`local`) or the TCP one.
    pub fn docker_host(&self, host: &str) -> String {
        match host {
            "local" => format!("unix://{}/local/docker.sock", self.dir.display()),
            _ => "tcp://127.0.0.1:23750".to_string(),
        }
    }

    fn docker_command(&self, host: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new("docker");
        cmd.args(args).env("DOCKER_HOST", self.docker_host(host));
        cmd
    }

    /// The docker CLI pointed at one of the daemons.
    pub fn docker(&self, host: &str, args: &[&str]) -> Output {
        self.docker_command(host, args)
            .output()
            .expect("the docker CLI runs")
    }

    /// The docker CLI, which must succeed: its output, trimmed.
    pub fn docker_ok(&self, host: &str, args: &[&str]) -> String {
        let out = self.docker(host, args);
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The TLS engine's certificates (`tls/` of the engines), when `file`
    /// is among them; else None (the test is skipped, or fails with
    /// ZOE_REQUIRE_ENGINES=1).
    pub fn tls(&self, file: &str) -> Option<PathBuf> {
        let tls = self.dir.join("tls");
        if tls.join(file).is_file() {
            return Some(tls);
        }
        skip_or_fail("the TLS engine is not running: ZOE_ENGINES_TLS=1 scripts/engines.sh start");
        None
    }

    /// Containers (any state) and networks of an execution on one daemon.
    pub fn leftovers(&self, host: &str, id: &str) -> (usize, usize) {
        let count = |o: Output| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| !l.is_empty())
                .count()
        };
        let execution = format!("label=zoe_execution_id={id}");
        let network = format!("name=zoe-{id}");
        (
            count(self.docker(host, &["ps", "-aq", "--filter", &execution])),
            count(self.docker(host, &["network", "ls", "-q", "--filter", &network])),
        )
    }
}

/// The engines, or None (the test is skipped) when they are not running.
/// With ZOE_REQUIRE_ENGINES=1 their absence fails the test instead.
pub fn engines() -> Option<Engines> {
    if let Some(e) = Engines::if_up().filter(|e| e.dir.join("docker.conf").is_file()) {
        return Some(e);
    }
    skip_or_fail(
        "the test engines are not running: run scripts/engines.sh start (scripts/test.sh does)",
    );
    None
}

/// Skips (with a message) or, with ZOE_REQUIRE_ENGINES=1, fails.
pub fn skip_or_fail(why: &str) {
    assert!(!required(), "{why}");
    eprintln!("SKIPPED: {why}");
}

pub fn required() -> bool {
    std::env::var("ZOE_REQUIRE_ENGINES").is_ok_and(|v| v == "1")
}

pub fn sample_shop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("shop")
}

/// What a `zoe` run ended with: its standard output as text and as bytes.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub bytes: Vec<u8>,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
            bytes: out.stdout,
        }
    }
}

/// A private configuration in a temporary directory: the given docker.conf
/// text (`docker.conf`), a shop (the sample one unless told), settings
/// (`zoe.toml`) and, by default, the state cache (`zoe/state.db`). On drop
/// every container and network of its deployment is removed from the
/// engines, also when a test failed half-way.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    /// Each setup is its own Zoe deployment, so tests running at once on the
    /// same daemons never see (or supervise) each other's executions.
    pub deployment: String,
    shop: PathBuf,
}

static SETUPS: AtomicUsize = AtomicUsize::new(0);

/// The deployment key every settings file of a setup names (relative to
/// the setup's directory): all its consoles share one key, as the consoles
/// of one deployment must.
const KEY_FILE: &str = "deployment.key";

impl Setup {
    /// With the sample shop.
    pub fn new(docker_conf: &str) -> Setup {
        Setup::with_shop(docker_conf, &sample_shop())
    }

    pub fn with_shop(docker_conf: &str, shop: &Path) -> Setup {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let n = SETUPS.fetch_add(1, Ordering::SeqCst);
        let mut setup = Setup {
            dir,
            config: PathBuf::new(),
            deployment: format!("t{}x{n}", std::process::id()),
            shop: shop.to_path_buf(),
        };
        setup.config = setup.settings("zoe.toml", "docker.conf", docker_conf);
        // made now, as an admin would before sharing it: no console of the
        // setup then says it made one
        setup.key();
        setup
    }

    /// Another settings file of the same deployment, shop and directory,
    /// `NAME.toml` with the hosts `docker_conf` (in `NAME.conf`): for
    /// [`Setup::command_with`].
    pub fn other_config(&self, name: &str, docker_conf: &str) -> PathBuf {
        self.settings(
            &format!("{name}.toml"),
            &format!("{name}.conf"),
            docker_conf,
        )
    }

    fn settings(&self, file: &str, conf_file: &str, docker_conf: &str) -> PathBuf {
        std::fs::write(self.dir.path().join(conf_file), docker_conf).expect("docker.conf written");
        let settings = self.dir.path().join(file);
        std::fs::write(
            &settings,
            format!(
                "docker_config = \"{conf_file}\"\nshop = \"{}\"\nstop_grace_secs = 2\ndeployment_name = \"{}\"\ndeployment_key_file = \"{KEY_FILE}\"\n",
                self.shop.display(),
                self.deployment
            ),
        )
        .expect("settings written");
        settings
    }

    /// The setup's deployment key file (made by the first `zoe` that needs
    /// it).
    pub fn key_file(&self) -> PathBuf {
        self.dir.path().join(KEY_FILE)
    }

    /// The setup's deployment key, made now if no `zoe` made it yet.
    pub fn key(&self) -> zoe_console::config::deployment_key::DeploymentKey {
        zoe_console::config::deployment_key::load_or_create(&self.key_file())
            .expect("the deployment key")
    }

    /// Where the state cache is unless told: `XDG_CACHE_HOME`, the setup's
    /// directory.
    pub fn cache_home(&self) -> &Path {
        self.dir.path()
    }

    /// The setup's own state cache, `zoe/state.db` under
    /// [`Setup::cache_home`].
    pub fn cache(&self) -> PathBuf {
        self.cache_home().join("zoe/state.db")
    }

    /// Records in the setup's cache an execution `id` (of `custom-0`, on
    /// `hosts`) that another console on this machine, the live process
    /// `pid`, is launching right now: `starting`, its launcher tag
    /// `machine:pid`.
    pub fn insert_in_flight(&self, id: &str, pid: u32, hosts: &[&str]) {
        let tag = launcher_tag();
        let (machine, _) = tag.rsplit_once(':').expect("a launcher tag");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("a clock after 1970")
            .as_secs();
        let store = Store::open(&self.cache()).expect("the state cache opens");
        let inserted = store
            .insert(&ExecutionRecord {
                id: ExecutionId::parse(id).expect("an execution id"),
                name: "in-flight".into(),
                entry: "custom-0".into(),
                owner: "tester".into(),
                deployment: self.deployment.clone(),
                description: None,
                parameters: Vec::new(),
                status: ExecutionStatus::Starting,
                reason: None,
                submitted: now,
                started: None,
                ended: None,
                hosts: hosts.iter().map(|h| (*h).into()).collect(),
                endpoints: Vec::new(),
                launcher: format!("{machine}:{pid}"),
                restarts: Vec::new(),
            })
            .expect("the record is written");
        assert!(inserted, "{id} was already in the cache");
    }

    /// `zoe ARGS` with this setup's settings and its own state cache.
    pub fn command(&self, args: &[&str]) -> Command {
        zoe_command(&self.config, self.cache_home(), args)
    }

    /// `zoe ARGS` with the state cache under `cache_home` (its
    /// `zoe/state.db`).
    pub fn command_in(&self, cache_home: &Path, args: &[&str]) -> Command {
        zoe_command(&self.config, cache_home, args)
    }

    /// `zoe ARGS` with the settings `config` (see [`Setup::other_config`]).
    pub fn command_with(&self, config: &Path, args: &[&str]) -> Command {
        zoe_command(config, self.cache_home(), args)
    }

    pub fn zoe(&self, args: &[&str]) -> Run {
        self.command(args).output().expect("zoe runs").into()
    }

    pub fn zoe_in(&self, cache_home: &Path, args: &[&str]) -> Run {
        self.command_in(cache_home, args)
            .output()
            .expect("zoe runs")
            .into()
    }

    /// `zoe ARGS` with its standard output (and error) on a terminal, through
    /// `script`: the bytes the terminal would receive.
    pub fn zoe_on_terminal(&self, args: &[&str]) -> Vec<u8> {
        let mut line = format!("'{}'", env!("CARGO_BIN_EXE_zoe"));
        for a in args {
            line.push_str(&format!(" '{a}'"));
        }
        let mut script = Command::new("script");
        zoe_env(&mut script, &self.config, self.cache_home())
            .args(["-qefc", &line, "/dev/null"])
            .output()
            .expect("script runs")
            .stdout
    }

    /// `zoe ARGS -o json`, which must succeed, parsed.
    pub fn json(&self, args: &[&str]) -> Value {
        let run = self.zoe(&[args, &["-o", "json"]].concat());
        assert_eq!(run.code, 0, "zoe {args:?}: {}", run.stderr);
        serde_json::from_str(&run.stdout).expect("JSON output")
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let Some(engines) = Engines::if_up() else {
            return;
        };
        let label = format!("label=zoe_deployment_name={}", self.deployment);
        for host in ["local", "remote"] {
            // never a panic here: it may run while a failed test unwinds
            let docker = |args: &[&str]| {
                engines
                    .docker_command(host, args)
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
}

/// The real `zoe` with the settings `config` and the state cache under
/// `cache_home`.
fn zoe_command(config: &Path, cache_home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zoe"));
    zoe_env(&mut cmd, config, cache_home).args(args);
    cmd
}

/// The environment of a `zoe` run: the settings `config`, the state cache
/// under `cache_home` (and the log file beside it, never the user's own),
/// user `tester`, never a `DOCKER_HOST` of the caller's, nor its desktop
/// session bus (a developer's Secret Service would be used instead of the
/// kernel keyring; tests wanting one set their own).
fn zoe_env<'a>(cmd: &'a mut Command, config: &Path, cache_home: &Path) -> &'a mut Command {
    cmd.env("ZOE_CONFIG", config)
        .env("XDG_CACHE_HOME", cache_home)
        .env("XDG_STATE_HOME", cache_home.join("state"))
        .env("USER", "tester")
        .env_remove("DOCKER_HOST")
        // run as root, a SUDO_USER of the caller's would be believed
        .env_remove("SUDO_USER")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
}

/// docker.conf with the two plain daemons.
pub fn two_hosts(e: &Engines, local_labels: &str) -> String {
    format!(
        "[DEFAULT]\nuse_tls: no\n\n[local]\ndocker_address: {}\nexternal_address: 127.0.0.1\nlabels: {local_labels}\n\n[remote]\ndocker_address: {}\nexternal_address: 127.0.0.1\n",
        e.docker_host("local"),
        e.docker_host("remote")
    )
}

/// docker.conf with one host at `address`.
pub fn one_host(name: &str, address: &str) -> String {
    format!(
        "[DEFAULT]\nuse_tls: no\n\n[{name}]\ndocker_address: {address}\nexternal_address: 127.0.0.1\n"
    )
}

/// Polls `check` every half second; fails after `timeout`.
pub fn wait_for(what: &str, timeout: Duration, check: impl FnMut() -> bool) {
    poll(what, timeout, Duration::from_millis(500), check);
}

/// Polls `check` every `every`; fails after `timeout`.
pub fn poll(what: &str, timeout: Duration, every: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check() {
            return;
        }
        std::thread::sleep(every);
    }
    panic!("timed out waiting for {what}");
}

/// The execution id in the JSON answer of `zoe start`.
pub fn execution_id(started: &Value) -> String {
    started["execution"]
        .as_str()
        .expect("an execution id")
        .to_string()
}

/// The host and container id of `instance` in the JSON answer of `zoe start`.
pub fn container_of(launched: &Value, instance: &str) -> (String, String) {
    let c = launched["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .find(|c| c["instance"] == instance)
        .expect("the instance");
    (
        c["host"].as_str().expect("a host").to_string(),
        c["container"].as_str().expect("a container id").to_string(),
    )
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

/// A service group of one essential instance of `image` that says `up` and
/// runs until stopped, started at `order` (the first one is monitored) on
/// a host with `labels`.
pub fn service(name: &str, image: &str, order: i64, labels: &[&str]) -> Value {
    let mut service = service_running(
        name,
        "sh -c 'echo up; trap \"exit 0\" TERM; while true; do sleep 1; done'",
    );
    service["image"] = json!(image);
    service["monitor"] = json!(order == 0);
    service["startup_order"] = json!(order);
    service["labels"] = json!(labels);
    service
}
