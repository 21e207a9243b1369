//! `auth = "os"` through the real binary: `SUDO_USER` believed as root
//! (the tests run as root), and under sudo the settings must be the
//! administrator's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::fs::PermissionsExt;

use common::engines::{Setup, one_host};
use common::signin::{last_identity, zoe_with_stdin};

/// Whether we run as root (these tests act as sudo would); when not, the
/// test is skipped — or fails where the test command requires everything.
fn as_root() -> bool {
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if !root {
        assert!(!common::engines::required(), "this test needs root");
        eprintln!("skipped: needs root");
    }
    root
}

#[test]
fn sudo_user_is_who_asks_when_we_run_as_root() {
    if !as_root() {
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
        return;
    }
    let s = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    std::os::unix::fs::chown(&s.config, Some(1000), None).unwrap();
    let run = zoe_with_stdin(&s, &["shop", "list"], "", &[("SUDO_USER", "bob")]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "zoe: error: {} is owned by uid 1000: under sudo, the settings file must be the administrator's (owned by root, and writable by nobody else)",
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

#[test]
fn under_sudo_a_kubeconfig_or_shop_the_caller_names_must_be_the_administrators() {
    if !as_root() {
        return;
    }
    let s = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    let sudo = [("SUDO_USER", "bob"), ("SUDO_UID", "1000")];
    // a kubeconfig of the caller's: its exec plugins would run as the service account
    let kubeconfig = s.dir.path().join("mine.kubeconfig");
    std::fs::write(&kubeconfig, "apiVersion: v1\nkind: Config\n").unwrap();
    std::os::unix::fs::chown(&kubeconfig, Some(1000), None).unwrap();
    let run = zoe_with_stdin(
        &s,
        &["--kubeconfig", kubeconfig.to_str().unwrap(), "nodes"],
        "",
        &sudo,
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("is owned by uid 1000: under sudo, a kubeconfig"),
        "{}",
        run.stderr
    );
    // a shop of the caller's
    let shop = s.dir.path().join("myshop");
    std::fs::create_dir_all(&shop).unwrap();
    std::os::unix::fs::chown(&shop, Some(1000), None).unwrap();
    let run = zoe_with_stdin(
        &s,
        &["--shop", shop.to_str().unwrap(), "shop", "list"],
        "",
        &sudo,
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("is owned by uid 1000: under sudo, the shop"),
        "{}",
        run.stderr
    );
    // the administrator's shop, but a role without can_access_api
    std::os::unix::fs::chown(&shop, Some(0), None).unwrap();
    let run = zoe_with_stdin(
        &s,
        &["--shop", shop.to_str().unwrap(), "shop", "list"],
        "",
        &sudo,
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("your role `user` may not use a shop of its own (can_access_api)"),
        "{}",
        run.stderr
    );
    let run = zoe_with_stdin(&s, &["shop", "check", shop.to_str().unwrap()], "", &sudo);
    assert!(run.stderr.contains("can_access_api"), "{}", run.stderr);
    // a superuser may
    let mut settings = std::fs::read_to_string(&s.config).unwrap();
    settings.push_str("\n[users.bob]\nrole = \"superuser\"\n");
    std::fs::write(&s.config, settings).unwrap();
    let run = zoe_with_stdin(
        &s,
        &["--shop", shop.to_str().unwrap(), "shop", "list"],
        "",
        &sudo,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn run_by_sudo_as_an_account_the_settings_do_not_name_nothing_runs() {
    if !as_root() {
        return;
    }
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.path().join("config.toml");
    let run = |settings: &str, args: &[&str]| {
        std::fs::write(&config, settings).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_zoe"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env_clear()
            .env("HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path())
            .env("SUDO_USER", "bob")
            .env("SUDO_UID", "1000")
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap()
    };
    // uid 65534 is neither root nor a service account the settings name:
    // whoever set SUDO_USER cannot be believed, and nothing runs
    let out = run("deployment_name = \"t\"\n", &["config", "paths"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("zoe runs as uid 65534 for SUDO_USER bob")
            && stderr.contains("names no `service_account` with that uid"),
        "{stderr}"
    );
    // named as the service account, it is sudo's word: bob asks
    let out = run(
        "deployment_name = \"t\"\nservice_account = \"nobody\"\n",
        &["config", "paths"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn under_sudo_only_a_role_with_can_change_config_keeps_the_deployments_secrets() {
    if !as_root() {
        return;
    }
    let s = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    let sudo = [("SUDO_USER", "bob"), ("SUDO_UID", "1000")];
    for args in [
        &["secret", "status"][..],
        &["secret", "delete", "ldap-bind"],
        &["registry", "list"],
        &["registry", "logout", "registry.example.test"],
    ] {
        let run = zoe_with_stdin(&s, args, "", &sudo);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stdout);
        assert!(
            run.stderr
                .contains("under sudo the deployment's secrets are the administrator's")
                && run
                    .stderr
                    .contains("your role `user` may not keep or list them (can_change_config)"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let mut settings = std::fs::read_to_string(&s.config).unwrap();
    settings.push_str("\n[users.bob]\nrole = \"admin\"\n");
    std::fs::write(&s.config, settings).unwrap();
    let run = zoe_with_stdin(&s, &["registry", "list"], "", &sudo);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn under_sudo_a_missing_named_file_another_cluster_or_an_unnamable_user_is_refused() {
    if !as_root() {
        return;
    }
    let s = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    let sudo = [("SUDO_USER", "bob"), ("SUDO_UID", "1000")];
    // a file that does not exist yet could be made before it is read
    let later = s.dir.path().join("later.kubeconfig");
    let run = zoe_with_stdin(
        &s,
        &["--kubeconfig", later.to_str().unwrap(), "nodes"],
        "",
        &sudo,
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("no such file; under sudo, a kubeconfig"),
        "{}",
        run.stderr
    );
    // the administrator's kubeconfig, but a role that may not pick clusters
    std::fs::write(&later, "apiVersion: v1\nkind: Config\n").unwrap();
    let run = zoe_with_stdin(
        &s,
        &["--kubeconfig", later.to_str().unwrap(), "nodes"],
        "",
        &sudo,
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "--kubeconfig: your role `user` may not choose other clusters, contexts or namespaces"
        ),
        "{}",
        run.stderr
    );
    // a SUDO_USER that cannot own executions: nothing runs (and no check is skipped)
    let run = zoe_with_stdin(
        &s,
        &["secret", "status"],
        "",
        &[("SUDO_USER", "alice@corp.example"), ("SUDO_UID", "1000")],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains("who cannot be named"), "{}", run.stderr);
}
