//! `auth = "os"` through the real binary: `SUDO_USER` believed as root
//! (the tests run as root), and under sudo the settings must be the
//! administrator's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::fs::PermissionsExt;

use common::engines::{Setup, one_host};
use common::signin::{last_identity, zoe_with_stdin};

fn as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

#[test]
fn sudo_user_is_who_asks_when_we_run_as_root() {
    if !as_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let s = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    let run = zoe_with_stdin(&s, &["-v", "shop", "list"], "", &[("SUDO_USER", "bob")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        last_identity(&s)
            .starts_with("bob (role user, quota default, from sudo, shared deployment)"),
        "{}",
        last_identity(&s)
    );
    let run = s.zoe(&["-v", "shop", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        last_identity(&s).starts_with("tester (role admin, quota unlimited, from login name)"),
        "{}",
        last_identity(&s)
    );
}

#[test]
fn under_sudo_the_settings_must_be_the_administrators() {
    if !as_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let s = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    std::os::unix::fs::chown(&s.config, Some(1000), None).unwrap();
    let run = zoe_with_stdin(&s, &["shop", "list"], "", &[("SUDO_USER", "bob")]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "zoe: error: {} is owned by uid 1000: under sudo the settings must be the administrator's (owned by root, not writable by others)",
            s.config.display()
        )
    );
    // without sudo, your own settings are yours to use
    assert_eq!(s.zoe(&["shop", "list"]).code, 0);
    std::os::unix::fs::chown(&s.config, Some(0), None).unwrap();
    std::fs::set_permissions(&s.config, std::fs::Permissions::from_mode(0o666)).unwrap();
    let run = zoe_with_stdin(&s, &["shop", "list"], "", &[("SUDO_USER", "bob")]);
    assert!(
        run.stderr
            .contains("is writable by its group or by others (mode 666)"),
        "{}",
        run.stderr
    );
}
