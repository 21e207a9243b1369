//! The log file of the real `zoe` binary: where it is, what level, who may
//! read it, how big it may get. No daemon needed: the one host configured
//! is a port nothing listens on, so it is skipped as offline (and logged).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A private HOME with settings naming one dead host.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("docker.conf"),
            "[dead]\ndocker_address: tcp://127.0.0.1:9\nexternal_address: 127.0.0.1\nuse_tls: no\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("zoe.toml"),
            format!(
                "docker_config = \"docker.conf\"\nshop = \"{}/shop\"\ndeployment_name = \"logtest\"\n",
                env!("CARGO_MANIFEST_DIR")
            ),
        )
        .unwrap();
        Home { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Where the log goes by default: `$HOME/.local/state/zoe/zoe.log`.
    fn log(&self) -> PathBuf {
        self.path().join(".local/state/zoe/zoe.log")
    }

    fn zoe(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zoe"));
        cmd.args(args)
            .env("HOME", self.path())
            .env("ZOE_CONFIG", self.path().join("zoe.toml"))
            .env("USER", "tester")
            .env_remove("XDG_STATE_HOME")
            .env_remove("XDG_CACHE_HOME")
            .env_remove("ZOE_LOG")
            .env_remove("DOCKER_HOST");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn zoe_log_debug_writes_a_debug_entry_to_the_file_and_nothing_to_the_terminal() {
    let home = Home::new();
    let run = home.zoe(&["ps"], &[("ZOE_LOG", "debug")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let log = read(&home.log());
    assert!(
        log.lines()
            .any(|l| l.contains(" DEBUG ") && l.contains("zoe ps: starting")),
        "a debug line for the verb: {log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains(" WARN ") && l.contains("host dead skipped, offline")),
        "the skipped host: {log}"
    );
    let pid_and_time = log
        .lines()
        .all(|l| l.get(..4).is_some_and(|y| y.parse::<u32>().is_ok()) && l.contains("] "));
    assert!(pid_and_time, "every line has a time and a pid: {log}");
    for stream in [&run.stdout, &run.stderr] {
        assert!(
            !stream.contains("DEBUG") && !stream.contains("zoe ps: starting"),
            "never on the terminal: {stream}"
        );
    }
    assert_eq!(mode(&home.log()), 0o600, "only its owner reads it");
    assert_eq!(mode(home.log().parent().unwrap()), 0o700);

    // `zoe config paths` names this very file
    let paths = home.zoe(&["config", "paths", "-o", "json"], &[]);
    let paths: serde_json::Value = serde_json::from_str(&paths.stdout).unwrap();
    assert_eq!(paths["log_file"], home.log().display().to_string());
}

#[test]
fn the_level_is_info_by_default_and_v_raises_it() {
    let home = Home::new();
    assert_eq!(home.zoe(&["ps"], &[]).code, 0);
    let log = read(&home.log());
    assert!(log.contains(" WARN "), "{log}");
    assert!(!log.contains(" DEBUG "), "info by default: {log}");

    assert_eq!(home.zoe(&["ps", "-v"], &[]).code, 0);
    assert!(read(&home.log()).contains("DEBUG zoe_console::cli: zoe ps: starting"));

    // XDG_STATE_HOME moves it, as `zoe config paths` says
    let state = home.path().join("elsewhere");
    let run = home.zoe(
        &["ps", "-v"],
        &[("XDG_STATE_HOME", state.to_str().unwrap())],
    );
    assert_eq!(run.code, 0);
    assert!(read(&state.join("zoe/zoe.log")).contains("zoe ps: starting"));
}

#[test]
fn a_bad_zoe_log_or_an_unwritable_log_is_a_warning_not_a_failure() {
    let home = Home::new();
    let run = home.zoe(&["ps"], &[("ZOE_LOG", "zoe_console=loud")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: ZOE_LOG=`zoe_console=loud` is not a log filter"),
        "{}",
        run.stderr
    );
    assert!(read(&home.log()).contains(" WARN "), "info still logged");

    // the state directory is a file: nothing can be logged, the verb works
    let blocked = home.path().join("blocked");
    std::fs::write(&blocked, "").unwrap();
    let run = home.zoe(&["ps"], &[("XDG_STATE_HOME", blocked.to_str().unwrap())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot create the directory of the log file")
            && run.stderr.contains("XDG_STATE_HOME"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_big_log_is_set_aside_at_start() {
    let home = Home::new();
    std::fs::create_dir_all(home.log().parent().unwrap()).unwrap();
    let big = vec![b'x'; 6 << 20];
    std::fs::write(home.log(), &big).unwrap();
    assert_eq!(home.zoe(&["ps"], &[]).code, 0);
    let old = home.log().with_file_name("zoe.log.1");
    assert_eq!(std::fs::metadata(&old).unwrap().len(), big.len() as u64);
    assert_eq!(mode(&old), 0o600);
    let log = read(&home.log());
    assert!(log.len() < 4096 && log.contains(" WARN "), "{log}");
    // a second start: small, so appended to
    assert_eq!(home.zoe(&["ps"], &[]).code, 0);
    assert!(read(&home.log()).len() > log.len());
    assert_eq!(std::fs::metadata(&old).unwrap().len(), big.len() as u64);
}
