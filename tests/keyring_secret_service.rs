//! The Secret Service store against a REAL one: each test starts a private
//! session bus with `dbus-run-session` and gnome-keyring's Secret Service
//! in it (unlocked with a test password, HOME in a temporary directory, as
//! deps.md §3 shows), then runs the real `zoe` binary in that session (its
//! `DBUS_SESSION_BUS_ADDRESS`), one process per step: registry
//! credentials, the LDAP bind password and a remembered sign-in (`zoe
//! login` / `zoe logout`) kept by one process and found by the next, a
//! locked keyring, and the fallback to the kernel keyring when the session
//! bus has nothing that answers. No engines needed.
//! gnome-keyring and dbus are installed by `scripts/test.sh`; without them
//! these tests fail under CI (`CI=true` or `ZOE_REQUIRE_ENGINES=1`) and are
//! skipped elsewhere.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::engines::{REMOTE, Run, Setup, one_host};
use common::signin::{add_settings, files_containing, last_identity};

/// The test password of the login keyring.
const KEYRING_PASSWORD: &str = "kr-test-pw";

fn ci() -> bool {
    common::engines::required() || std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether the session tools are here; fails under CI when they are not.
fn tools() -> bool {
    let missing: Vec<&str> = ["dbus-run-session", "gnome-keyring-daemon"]
        .into_iter()
        .filter(|p| !installed(p))
        .collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!(
        "{} not installed: scripts/test.sh installs gnome-keyring and dbus",
        missing.join(" and ")
    );
    assert!(!ci(), "{why}");
    eprintln!("SKIPPED: {why}");
    false
}

/// A private D-Bus session with gnome-keyring's Secret Service in it; ends
/// (bus and keyring daemon) when dropped.
struct Session {
    child: Child,
    bus: String,
    _home: tempfile::TempDir,
}

impl Session {
    /// With the login keyring unlocked (created on first use).
    fn unlocked() -> Session {
        Session::start(tempfile::tempdir().expect("a HOME"), true)
    }

    /// In `home`; `unlock` false starts the daemon without the password, so
    /// an existing login keyring stays locked.
    fn start(home: tempfile::TempDir, unlock: bool) -> Session {
        let daemon = if unlock {
            format!(
                "eval \"$(printf %s '{KEYRING_PASSWORD}' | gnome-keyring-daemon --unlock --components=secrets)\""
            )
        } else {
            "eval \"$(gnome-keyring-daemon --start --components=secrets </dev/null)\"".to_string()
        };
        // the session lives as long as `cat` reads our stdin
        let script = format!("{daemon} >/dev/null; echo \"BUS=$DBUS_SESSION_BUS_ADDRESS\"; cat");
        let mut child = Command::new("dbus-run-session")
            .args(["--", "bash", "-c", &script])
            .env("HOME", home.path())
            .env("XDG_RUNTIME_DIR", home.path())
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-run-session runs");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the session says its bus");
        let bus = line
            .trim()
            .strip_prefix("BUS=")
            .unwrap_or_default()
            .to_string();
        assert!(
            bus.starts_with("unix:"),
            "no session bus from dbus-run-session: `{line}`"
        );
        Session {
            child,
            bus,
            _home: home,
        }
    }

    /// Ends the session, keeping its HOME (the login keyring file).
    fn end(mut self) -> tempfile::TempDir {
        self.stop();
        let home = tempfile::tempdir().expect("a placeholder");
        std::mem::replace(&mut self._home, home)
    }

    fn stop(&mut self) {
        // closing stdin ends `cat`, then the session and its daemons
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `zoe ARGS` of `setup` in this session, `input` on stdin.
    fn zoe(&self, setup: &Setup, args: &[&str], input: &str) -> Run {
        let mut cmd = setup.command(args);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env_remove("ZOE_KEYRING");
        run_with_stdin(cmd, input)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run_with_stdin(mut cmd: Command, input: &str) -> Run {
    let mut child = cmd
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
    child.wait_with_output().expect("zoe ends").into()
}

/// No file under `dir` (the setup's settings, cache, log file) holds `value`.
fn assert_nowhere_in(dir: &std::path::Path, value: &str) {
    let mut files = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d)
            .expect("a readable directory")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files += 1;
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains(value), "{} holds the secret", path.display());
            }
        }
    }
    assert!(files > 0, "nothing written under {}", dir.display());
}

fn json(run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("JSON output")
}

#[test]
fn registry_credentials_kept_by_one_process_are_listed_by_another() {
    if !tools() {
        return;
    }
    let session = Session::unlocked();
    let setup = Setup::new(REMOTE);
    let status = json(&session.zoe(&setup, &["secret", "status", "-o", "json"], ""));
    assert_eq!(status["store"], "the Secret Service", "{status}");
    let table = session.zoe(&setup, &["secret", "status"], "");
    assert!(
        table.stdout.contains("in the Secret Service"),
        "{}",
        table.stdout
    );

    let host = "127.0.0.1:25977";
    let password = format!("ss-reg-{}", std::process::id());
    let login = session.zoe(
        &setup,
        &[
            "registry",
            "login",
            host,
            "--username",
            "robot",
            "--no-check",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(
        login.stdout.contains("kept in the Secret Service"),
        "{}",
        login.stdout
    );

    let list = json(&session.zoe(&setup, &["registry", "list", "-o", "json"], ""));
    let text = list.to_string();
    assert!(
        text.contains(host) && text.contains("robot"),
        "another process sees the login: {text}"
    );
    assert!(!text.contains(&password), "{text}");
    assert_nowhere_in(setup.dir.path(), &password);
    let status = json(&session.zoe(&setup, &["secret", "status", "-o", "json"], ""));
    assert_eq!(status["registries"], serde_json::json!([host]), "{status}");

    let logout = session.zoe(&setup, &["registry", "logout", host], "");
    assert_eq!(logout.code, 0, "{}", logout.stderr);
    assert!(
        logout.stdout.contains("removed from the Secret Service"),
        "{}",
        logout.stdout
    );
    let list = session.zoe(&setup, &["registry", "list"], "");
    assert!(
        list.stdout
            .contains("no registry credentials in the Secret Service"),
        "{}",
        list.stdout
    );
}

#[test]
fn a_secret_survives_a_new_process_and_delete_removes_it() {
    if !tools() {
        return;
    }
    let session = Session::unlocked();
    let setup = Setup::new(REMOTE);
    let value = format!("ss-bind-{}", std::process::id());
    let set = session.zoe(&setup, &["secret", "set", "ldap-bind"], &value);
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert!(
        set.stdout.contains("kept in the Secret Service"),
        "{}",
        set.stdout
    );
    let status = json(&session.zoe(&setup, &["secret", "status", "-o", "json"], ""));
    assert_eq!(
        status["ldap_bind"], true,
        "a new process finds it: {status}"
    );
    assert_eq!(status["store"], "the Secret Service");
    assert!(!status.to_string().contains(&value));

    // another deployment of the same user does not see it
    let other = Setup::new(REMOTE);
    let theirs = json(&session.zoe(&other, &["secret", "status", "-o", "json"], ""));
    assert_eq!(theirs["ldap_bind"], false, "{theirs}");

    // forcing the kernel keyring in the same session: not there
    let mut cmd = setup.command(&["secret", "status", "-o", "json"]);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", &session.bus)
        .env("ZOE_KEYRING", "keyutils");
    let forced = json(&run_with_stdin(cmd, ""));
    assert_eq!(forced["store"], "the kernel keyring", "{forced}");
    assert_eq!(forced["ldap_bind"], false, "{forced}");

    assert_nowhere_in(setup.dir.path(), &value);

    let delete = session.zoe(&setup, &["secret", "delete", "ldap-bind"], "");
    assert_eq!(delete.code, 0, "{}", delete.stderr);
    assert!(
        delete.stdout.contains("removed from the Secret Service"),
        "{}",
        delete.stdout
    );
    let status = json(&session.zoe(&setup, &["secret", "status", "-o", "json"], ""));
    assert_eq!(status["ldap_bind"], false, "{status}");
    let again = session.zoe(&setup, &["secret", "delete", "ldap-bind"], "");
    assert!(
        again.stdout.contains("nothing to remove"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_remembered_sign_in_survives_a_new_process_and_logout_removes_it() {
    if !tools() {
        return;
    }
    let session = Session::unlocked();
    // auth = "csv" and a host nobody answers on: no engine needed
    let setup = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    let password = format!("ann-ss-{}", std::process::id());
    std::fs::write(
        setup.dir.path().join("zoepass.csv"),
        format!("ann,{password},admin\n"),
    )
    .unwrap();
    add_settings(&setup, "auth = \"csv\"\n[csv]\nfile = \"zoepass.csv\"\n");
    let before = session.zoe(&setup, &["shop", "list"], "");
    assert!(before.stderr.contains("not signed in"), "{}", before.stderr);

    let login = session.zoe(
        &setup,
        &["login", "ann", "--password-stdin"],
        &format!("{password}\n"),
    );
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(
        login.stdout.contains("remembered in the Secret Service"),
        "{}",
        login.stdout
    );
    // a new process of the same OS user in the session is signed in
    let later = session.zoe(&setup, &["-v", "shop", "list"], "");
    assert_eq!(later.code, 0, "{}", later.stderr);
    assert!(
        last_identity(&setup).starts_with("ann (role admin"),
        "{}",
        last_identity(&setup)
    );
    let status = json(&session.zoe(&setup, &["secret", "status", "-o", "json"], ""));
    assert_eq!(
        status["remembered_sign_ins"],
        serde_json::json!(["tester"]),
        "{status}"
    );
    // kept in the Secret Service, not in the kernel keyring
    let mut cmd = setup.command(&["shop", "list"]);
    cmd.env("ZOE_KEYRING", "keyutils");
    let elsewhere = run_with_stdin(cmd, "");
    assert!(
        elsewhere.stderr.contains("not signed in"),
        "{}",
        elsewhere.stderr
    );
    // only in the password file itself: not in the cache, the log or the settings
    assert_eq!(
        files_containing(setup.dir.path(), &password),
        vec![setup.dir.path().join("zoepass.csv")]
    );

    let logout = session.zoe(&setup, &["logout"], "");
    assert_eq!(
        logout.stdout, "signed out: the remembered sign-in is forgotten\n",
        "{}",
        logout.stderr
    );
    let again = session.zoe(&setup, &["logout"], "");
    assert_eq!(again.stdout, "no remembered sign-in to forget\n");
    let after = session.zoe(&setup, &["shop", "list"], "");
    assert!(after.stderr.contains("not signed in"), "{}", after.stderr);
    let status = json(&session.zoe(&setup, &["secret", "status", "-o", "json"], ""));
    assert_eq!(
        status["remembered_sign_ins"],
        serde_json::json!([]),
        "{status}"
    );
}

#[test]
fn a_locked_keyring_says_which_store_and_what_to_do() {
    if !tools() {
        return;
    }
    // a first session creates the login keyring with the test password...
    let session = Session::unlocked();
    let setup = Setup::new(REMOTE);
    let set = session.zoe(&setup, &["secret", "set", "ldap-bind"], "first-value");
    assert_eq!(set.code, 0, "{}", set.stderr);
    let home = session.end();
    // ...which the next one, started without it, finds locked (no prompt
    // can be shown here: the service reports it dismissed)
    let locked = Session::start(home, false);
    let started = Instant::now();
    let value = "second-value-never-shown";
    let refused = locked.zoe(&setup, &["secret", "set", "ldap-bind"], value);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    let msg = &refused.stderr;
    assert!(msg.contains("in the Secret Service"), "{msg}");
    assert!(msg.contains("unlock the login keyring"), "{msg}");
    assert!(msg.contains("ZOE_KEYRING=keyutils"), "{msg}");
    assert!(
        !msg.contains(value) && !msg.contains("first-value"),
        "{msg}"
    );
    let status = locked.zoe(&setup, &["secret", "status"], "");
    assert_eq!(status.code, 1, "{}", status.stdout);
    assert!(
        status
            .stderr
            .contains("cannot list zoe's secrets in the Secret Service"),
        "{}",
        status.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// `zoe secret status` with the session bus at `address` (nothing there
/// that answers): the kernel keyring, within the probe's bound.
fn falls_back(address: &str) {
    let setup = Setup::new(REMOTE);
    let started = Instant::now();
    let mut cmd = setup.command(&["secret", "status", "-o", "json"]);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", address)
        .env_remove("ZOE_KEYRING");
    let status = json(&run_with_stdin(cmd, ""));
    assert_eq!(status["store"], "the kernel keyring", "{status}");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn a_session_bus_with_nothing_there_falls_back_to_the_kernel_keyring_promptly() {
    // no session needed: a socket path nobody listens on...
    let dir = tempfile::tempdir().expect("a directory");
    falls_back(&format!(
        "unix:path={}",
        dir.path().join("no-bus").display()
    ));
    // ...and one that accepts connections but never answers
    let path = dir.path().join("mute-bus");
    let _listener = UnixListener::bind(&path).expect("a socket");
    falls_back(&format!("unix:path={}", path.display()));
}

#[test]
fn forcing_the_secret_service_without_one_says_what_to_do() {
    let dir = tempfile::tempdir().expect("a directory");
    let setup = Setup::new(REMOTE);
    let mut cmd = setup.command(&["registry", "list"]);
    cmd.env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", dir.path().join("no-bus").display()),
    )
    .env("ZOE_KEYRING", "secret-service");
    let run = run_with_stdin(cmd, "");
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("no keyring: ZOE_KEYRING=secret-service"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no Secret Service answers"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("ZOE_KEYRING=keyutils"),
        "{}",
        run.stderr
    );
}
