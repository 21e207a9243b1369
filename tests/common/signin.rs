//! Signing in from tests: settings for `auth = "csv"`/`"ldap"`, `zoe login`
//! with the password on stdin, the log of a run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::engines::{Run, Setup};

/// Appends `text` to the setup's settings (top-level keys first: call it
/// before adding tables, or give the tables in `text`).
pub fn add_settings(setup: &Setup, text: &str) {
    let mut settings = std::fs::read_to_string(&setup.config).expect("settings read");
    settings.push_str(text);
    std::fs::write(&setup.config, settings).expect("settings written");
}

/// `zoe ARGS` with `stdin` fed to it and extra environment variables.
pub fn zoe_with_stdin(setup: &Setup, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut cmd = setup.command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zoe runs");
    // zoe may end without reading it (a broken pipe then)
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("zoe ends").into()
}

/// `zoe login USER --password-stdin` with `password` on stdin.
pub fn login(setup: &Setup, user: &str, password: &str) -> Run {
    zoe_with_stdin(
        setup,
        &["login", user, "--password-stdin"],
        &format!("{password}\n"),
        &[],
    )
}

/// The log file of the setup's runs.
pub fn log_file(setup: &Setup) -> PathBuf {
    setup.cache_home().join("state/zoe/zoe.log")
}

/// The `identity:` line a verb logged last (`-v`).
pub fn last_identity(setup: &Setup) -> String {
    let log = std::fs::read_to_string(log_file(setup)).unwrap_or_default();
    log.lines()
        .rev()
        .find_map(|l| l.split_once("identity: ").map(|(_, rest)| rest.to_string()))
        .unwrap_or_default()
}

/// Every file under `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                found.push(path);
            }
        }
    }
    found
}
