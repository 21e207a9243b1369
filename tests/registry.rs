//! Private registries against the real Docker daemons and the registry
//! with htpasswd auth of `scripts/auth-registry.sh` (started by
//! `scripts/engines.sh start`): credentials kept in the REAL kernel keyring
//! by `zoe registry login` (one process) are used by a launch (another),
//! missing or wrong ones fail the launch with what to do and leave nothing,
//! and no test password reaches the cache, the log file or `zoe config show`.
//!
//! The registry key in the keyring is the host, shared by every process of
//! root: each test uses its own spelling of the registry (127.0.0.1:25001,
//! localhost:25001), which Docker and zoe treat as two registries.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;

use common::engines::{Engines, Setup, custom_shop, engines, one_host, service, skip_or_fail};
use serde_json::json;

/// The registry with htpasswd auth and its test user and password, or None
/// (skipped; a failure with ZOE_REQUIRE_ENGINES=1) when it is not running.
fn auth_registry(e: &Engines) -> Option<(String, String, String)> {
    let registry =
        std::env::var("ZOE_AUTH_REGISTRY").unwrap_or_else(|_| "127.0.0.1:25001".to_string());
    let creds = std::env::var("ZOE_AUTH_REGISTRY_CREDENTIALS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| e.dir.join("auth-registry/credentials"));
    let Ok(text) = std::fs::read_to_string(&creds) else {
        skip_or_fail(&format!(
            "the registry with htpasswd auth is not set up ({} missing): scripts/engines.sh start",
            creds.display()
        ));
        return None;
    };
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_default()
            .to_string()
    };
    let up = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "3",
        ])
        .arg(format!("http://{registry}/v2/"))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    if up != "401" {
        skip_or_fail(&format!(
            "the registry with htpasswd auth does not answer on {registry} (got `{up}`): scripts/engines.sh start"
        ));
        return None;
    }
    Some((registry, field("user"), field("password")))
}

/// `zoe ARGS` with `input` on stdin (not a terminal), and `-v` so it logs.
fn zoe_with_stdin(setup: &Setup, args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = setup
        .command(&[args, &["-v"]].concat())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zoe runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("stdin written");
    let out = child.wait_with_output().expect("zoe ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// A one-service shop of `image` on the daemon `host` alone.
fn setup_for(e: &Engines, host: &str, image: &str) -> (Setup, tempfile::TempDir) {
    let shop = tempfile::tempdir().expect("a shop directory");
    custom_shop(shop.path(), json!([service("private", image, 0, &[])]));
    let setup = Setup::with_shop(&one_host(host, &e.docker_host(host)), shop.path());
    (setup, shop)
}

/// The execution id at the start of a failed `zoe start`'s stderr.
fn failed_id(stderr: &str) -> String {
    stderr
        .split(':')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Neither `secrets` in the setup's cache file, its log file, nor `zoe
/// config show`.
fn assert_nothing_leaks(setup: &Setup, secrets: &[&str]) {
    let paths = setup.json(&["config", "paths"]);
    let log_file = PathBuf::from(paths["log_file"].as_str().expect("the log file"));
    let log = std::fs::read(&log_file).unwrap_or_default();
    assert!(!log.is_empty(), "zoe -v logged into {}", log_file.display());
    let mut cache = std::fs::read(setup.cache()).expect("the cache file");
    for extra in ["-wal", "-journal"] {
        let mut path = setup.cache().into_os_string();
        path.push(extra);
        cache.extend(std::fs::read(PathBuf::from(path)).unwrap_or_default());
    }
    let show = setup.zoe(&["config", "show", "-v"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    for secret in secrets {
        let needle = secret.as_bytes();
        let found = |hay: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(!found(&log), "a test password in {}", log_file.display());
        assert!(!found(&cache), "a test password in the cache");
        assert!(
            !show.stdout.contains(secret),
            "a test password in config show"
        );
        assert!(
            !show.stderr.contains(secret),
            "a test password in config show"
        );
    }
}

#[test]
fn a_private_image_is_pulled_with_the_stored_credentials_and_refused_without() {
    let Some(e) = engines() else { return };
    let Some((registry, user, password)) = auth_registry(&e) else {
        return;
    };
    let image = format!("{registry}/private/busybox:1");
    let (setup, _shop) = setup_for(&e, "local", &image);
    let _ = e.docker("local", &["rmi", "-f", &image]);

    // (a) login in one process, the password on stdin, checked with the registry
    let (code, out, err) = zoe_with_stdin(
        &setup,
        &[
            "registry",
            "login",
            &registry,
            "--username",
            &user,
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("kept in the kernel keyring (checked with the registry)"),
        "{out}"
    );
    // (e) another process finds it (the kernel's persistent keyring)
    let list = setup.json(&["registry", "list"]);
    assert!(
        list.as_array()
            .expect("a list")
            .iter()
            .any(|r| r["host"] == registry.as_str() && r["user"] == user.as_str()),
        "{list}"
    );
    let table = setup.zoe(&["registry", "list"]);
    assert!(!table.stdout.contains(&password), "{}", table.stdout);

    // a launch (a third process) pulls the private image with them and runs
    let run = setup.zoe(&["start", "custom-0", "-o", "json", "-v"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("pulled {image} on local")),
        "{}",
        run.stderr
    );
    let id = common::engines::execution_id(&serde_json::from_str(&run.stdout).expect("JSON"));
    assert_eq!(setup.zoe(&["kill", &id, "-v"]).code, 0);

    // (b) logged out, the image gone again: the launch fails naming the
    // registry and what to do, and leaves nothing
    let out = setup.zoe(&["registry", "logout", &registry, "-v"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("removed from the kernel keyring"),
        "{}",
        out.stdout
    );
    let list = setup.json(&["registry", "list"]);
    assert!(
        list.as_array()
            .expect("a list")
            .iter()
            .all(|r| r["host"] != registry.as_str()),
        "{list}"
    );
    let _ = e.docker("local", &["rmi", "-f", &image]);
    let run = setup.zoe(&["start", "custom-0", "-v"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "the registry {registry} wants credentials to pull it: zoe registry login {registry}"
        )),
        "{}",
        run.stderr
    );
    let id = failed_id(&run.stderr);
    assert_eq!(e.leftovers("local", &id), (0, 0), "left behind");

    // (d) with an LDAP bind password kept too: no test password anywhere
    let bind_pw = format!("bind-{}", std::process::id());
    let (code, out, err) = zoe_with_stdin(&setup, &["secret", "set", "ldap-bind"], &bind_pw);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("kept in the kernel keyring"), "{out}");
    let status = setup.json(&["secret", "status"]);
    assert_eq!(status["ldap_bind"], true, "{status}");
    assert_eq!(status["store"], "the kernel keyring", "{status}");
    assert_nothing_leaks(&setup, &[&password, &bind_pw]);
    let out = setup.zoe(&["secret", "delete", "ldap-bind"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(setup.json(&["secret", "status"])["ldap_bind"], false);
}

#[test]
fn wrong_credentials_are_refused_at_login_and_at_the_pull() {
    let Some(e) = engines() else { return };
    let Some((registry, user, password)) = auth_registry(&e) else {
        return;
    };
    // the same registry under another name: its own keyring entry
    let port = registry.rsplit_once(':').map_or("25001", |(_, p)| p);
    let registry = format!("localhost:{port}");
    let image = format!("{registry}/private/busybox:1");
    let (setup, _shop) = setup_for(&e, "local", &image);
    let _ = e.docker("local", &["rmi", "-f", &image]);
    let wrong = format!("wrong-{}", std::process::id());

    // (c) checked at login: nothing kept
    let (code, _, err) = zoe_with_stdin(
        &setup,
        &[
            "registry",
            "login",
            &registry,
            "-u",
            &user,
            "--password-stdin",
        ],
        &wrong,
    );
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("wrong user or password for {registry}")),
        "{err}"
    );
    assert!(!err.contains(&wrong), "{err}");
    // kept unchecked, the pull finds out
    let (code, out, err) = zoe_with_stdin(
        &setup,
        &[
            "registry",
            "login",
            &registry,
            "-u",
            &user,
            "--password-stdin",
            "--no-check",
        ],
        &wrong,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("not checked"), "{out}");
    let run = setup.zoe(&["start", "custom-0", "-v"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "the registry {registry} refused the credentials stored for it; zoe registry login {registry} again"
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&wrong), "{}", run.stderr);
    let id = failed_id(&run.stderr);
    assert_eq!(e.leftovers("local", &id), (0, 0), "left behind");
    assert_nothing_leaks(&setup, &[&password, &wrong]);
    assert_eq!(setup.zoe(&["registry", "logout", &registry]).code, 0);
}

#[test]
fn a_missing_store_says_what_to_do() {
    // no engines needed: the store is refused before anything else
    let setup = Setup::new(common::engines::REMOTE);
    let run: common::engines::Run = setup
        .command(&["registry", "list"])
        .env("ZOE_KEYRING", "secret-service")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("zoe runs")
        .into();
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no keyring:"), "{}", run.stderr);
    assert!(run.stderr.contains("no Secret Service"), "{}", run.stderr);
    assert!(
        run.stderr.contains("ZOE_KEYRING=keyutils"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_secret_kept_by_one_process_is_read_by_the_next_and_deleted_for_all() {
    // no engines needed: the real kernel keyring, each `zoe` in a session
    // keyring of its own (as users get it)
    let setup = Setup::new(common::engines::REMOTE);
    let value = format!("kept-{}", std::process::id());
    let (code, out, err) = zoe_with_stdin(&setup, &["secret", "set", "ldap-bind"], &value);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("kept in the kernel keyring"), "{out}");
    let status = setup.json(&["secret", "status"]);
    assert_eq!(
        status["ldap_bind"], true,
        "another process finds it: {status}"
    );
    assert_eq!(status["deployment"], setup.deployment.as_str());
    let table = setup.zoe(&["secret", "status"]);
    assert!(table.stdout.contains("ldap-bind"), "{}", table.stdout);
    assert!(!table.stdout.contains(&value), "{}", table.stdout);
    let out = setup.zoe(&["secret", "delete", "ldap-bind"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("removed from the kernel keyring"),
        "{}",
        out.stdout
    );
    assert_eq!(setup.json(&["secret", "status"])["ldap_bind"], false);
    let again = setup.zoe(&["secret", "delete", "ldap-bind"]);
    assert!(
        again.stdout.contains("nothing to remove"),
        "{}",
        again.stdout
    );
    // never from argv: there is no argument for the value
    let refused = setup.zoe(&["secret", "set", "ldap-bind", &value]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
}

/// The `zoe` a test starts never inherits the caller's desktop session bus
/// (a developer's Secret Service would hold the secrets the kernel-keyring
/// tests look for); a test that wants one sets it after.
#[test]
fn zoe_runs_never_see_the_callers_session_bus() {
    let setup = Setup::new("[DEFAULT]\n");
    for cmd in [
        setup.command(&["registry", "list"]),
        setup.command_in(setup.dir.path(), &["registry", "list"]),
    ] {
        let bus = cmd
            .get_envs()
            .find(|(name, _)| *name == "DBUS_SESSION_BUS_ADDRESS")
            .map(|(_, value)| value);
        assert_eq!(bus, Some(None), "DBUS_SESSION_BUS_ADDRESS is removed");
    }
}
