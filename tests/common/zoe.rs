//! The real `zoe` binary against the test engines of `scripts/engines.sh`,
//! with a private configuration and state cache per test.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The engines' directory (`$ZOE_ENGINES_DIR`, else /tmp/zoe-engines), or
/// None (the test is skipped) when they are not running. With
/// ZOE_REQUIRE_ENGINES=1 their absence fails the test instead.
pub fn engines() -> Option<PathBuf> {
    if let Some(dir) = engines_dir_if_up().filter(|d| d.join("docker.conf").is_file()) {
        return Some(dir);
    }
    skip_or_fail("the test engines are not running: run scripts/engines.sh start");
    None
}

/// Skips (with a message) or, with ZOE_REQUIRE_ENGINES=1, fails.
pub fn skip_or_fail(why: &str) {
    if required() {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
}

pub fn required() -> bool {
    std::env::var("ZOE_REQUIRE_ENGINES").is_ok_and(|v| v == "1")
}

pub fn sample_shop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("shop")
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A private configuration (docker.conf text, the sample shop, its own
/// deployment name) in a temporary directory.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub deployment: String,
}

static SETUPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Setup {
    pub fn new(docker_conf: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("docker.conf"), docker_conf).unwrap();
        let config = dir.path().join("zoe.toml");
        let n = SETUPS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let deployment = format!("e{}x{n}", std::process::id());
        std::fs::write(
            &config,
            format!(
                "docker_config = \"docker.conf\"\nshop = \"{}\"\nstop_grace_secs = 2\ndeployment_name = \"{deployment}\"\n",
                sample_shop().display()
            ),
        )
        .unwrap();
        Setup {
            dir,
            config,
            deployment,
        }
    }

    /// `zoe ARGS` with this setup's settings and the state cache under
    /// `cache_home` (its `zoe/state.db`).
    pub fn command(&self, cache_home: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zoe"));
        cmd.args(args)
            .env("ZOE_CONFIG", &self.config)
            .env("XDG_CACHE_HOME", cache_home)
            .env("USER", "tester")
            .env_remove("DOCKER_HOST");
        cmd
    }

    pub fn zoe(&self, cache_home: &Path, args: &[&str]) -> Run {
        let out = self.command(cache_home, args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }
}

/// Whatever a test left on the engines, also when it failed half-way:
/// every container and network of its deployment.
impl Drop for Setup {
    fn drop(&mut self) {
        let Some(engines) = engines_dir_if_up() else {
            return;
        };
        let label = format!("label=zoe_deployment_name={}", self.deployment);
        for host in [
            format!("unix://{}/local/docker.sock", engines.display()),
            "tcp://127.0.0.1:23750".to_string(),
        ] {
            let docker = |args: &[&str]| {
                Command::new("docker")
                    .args(args)
                    .env("DOCKER_HOST", &host)
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

fn engines_dir_if_up() -> Option<PathBuf> {
    let dir = PathBuf::from(
        std::env::var("ZOE_ENGINES_DIR").unwrap_or_else(|_| "/tmp/zoe-engines".into()),
    );
    dir.join("local/docker.sock").exists().then_some(dir)
}

/// The `remote` test engine (plain TCP), alone.
pub const REMOTE: &str =
    "[remote]\ndocker_address: tcp://127.0.0.1:23750\nexternal_address: 127.0.0.1\nuse_tls: no\n";
