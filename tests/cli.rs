//! The `zoe` binary, run as a user would, against the sample shop.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `zoe` from the repository root with a private HOME, so no real
/// settings file is read.
fn zoe_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zoe"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("ZOE_CONFIG")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_STATE_HOME")
        .env("HOME", home.path())
        .env("USER", "tester");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn zoe(args: &[&str]) -> Run {
    zoe_in(&repo(), args, &[])
}

fn json(run: &Run) -> Value {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn env<'a>(instance: &'a Value, name: &str) -> Option<&'a str> {
    instance["environment"]
        .as_array()?
        .iter()
        .find(|pair| pair[0] == name)
        .and_then(|pair| pair[1].as_str())
}

#[test]
fn render_master_workers_with_a_worker_count() {
    let out = json(&zoe(&[
        "shop",
        "render",
        "master-workers-0",
        "-p",
        "worker=3",
        "--name",
        "demo",
        "-o",
        "json",
    ]));
    let id = out["execution"]["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 10);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(out["execution"]["name"], "demo");
    assert_eq!(out["execution"]["owner"], "tester");
    assert_eq!(out["execution"]["deployment"], "prod");
    assert_eq!(out["parameters"]["worker-service_count"], "3");

    // the description as submitted: the worker group now has 3 essential workers
    let groups = out["description"]["services"].as_array().unwrap();
    let worker = groups.iter().find(|g| g["name"] == "worker").unwrap();
    assert_eq!(
        (
            worker["total_count"].as_u64(),
            worker["essential_count"].as_u64()
        ),
        (Some(3), Some(3))
    );
    assert_eq!(
        worker["resources"]["memory"]["max"].as_u64(),
        Some(64 << 30),
        "memory.max is the admin limit"
    );

    let instances = out["instances"].as_array().unwrap();
    let names: Vec<&str> = instances
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    for expected in ["master0", "worker0", "worker1", "worker2"] {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert!(!names.contains(&"worker3"));
    let master_dns = format!("master0-{id}-prod");
    for inst in instances {
        let name = inst["name"].as_str().unwrap();
        assert_eq!(inst["dns_name"], format!("{name}-{id}-prod"));
        assert_eq!(env(inst, "SERVICE_NAME"), Some(name));
        assert_eq!(env(inst, "EXECUTION_ID"), Some(id.as_str()));
        assert_eq!(env(inst, "ZOE_USER"), Some("tester"));
        if name.starts_with("worker") || name.starts_with("extra-worker") {
            assert_eq!(
                env(inst, "MASTER_HOST"),
                Some(master_dns.as_str()),
                "{name} reaches the master by DNS name"
            );
        }
        if name.starts_with("worker") {
            assert_eq!(inst["essential"], true);
        }
    }
    // elastic extra workers: the first is essential, the rest are not
    let extra: Vec<(&str, bool)> = instances
        .iter()
        .filter(|i| i["group"] == "extra-worker")
        .map(|i| {
            (
                i["name"].as_str().unwrap(),
                i["essential"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(extra.len() >= 2, "{extra:?}");
    assert_eq!(extra[0], ("extra-worker0", true));
    assert!(
        extra[1..].iter().all(|(_, essential)| !essential),
        "{extra:?}"
    );
}

#[test]
fn render_text_shows_description_instances_and_environment() {
    let run = zoe(&["shop", "render", "Master and workers", "-p", "worker=2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.contains("DESCRIPTION\n{"), "{out}");
    assert!(out.contains("INSTANCES (in startup order)"), "{out}");
    assert!(
        out.contains("# parameters: worker-service_count=2"),
        "{out}"
    );
    let master_line = out
        .lines()
        .find(|l| l.starts_with("master0 (master0-"))
        .expect("master0 block");
    let master_dns = master_line
        .trim_start_matches("master0 (")
        .trim_end_matches(')');
    assert!(
        out.contains(&format!("    MASTER_HOST={master_dns}")),
        "{out}"
    );
    assert!(
        out.contains("worker1 (worker1-") && !out.contains("worker2 (worker2-"),
        "{out}"
    );
}

#[test]
fn two_renders_get_different_ids() {
    let a = json(&zoe(&["shop", "render", "batch-counter-0", "-o", "json"]));
    let b = json(&zoe(&["shop", "render", "batch-counter-0", "-o", "json"]));
    assert_ne!(a["execution"]["id"], b["execution"]["id"]);
}

#[test]
fn bad_choices_are_errors_naming_what_is_wrong() {
    let run = zoe(&[
        "shop",
        "render",
        "master-workers-0",
        "-p",
        "worker=99",
        "-p",
        "nope=1",
        "--memory",
        "ghost=1",
        "--name",
        "bad name",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let err = &run.stderr;
    assert!(
        err.contains("parameter worker-service_count: 99 is outside 1–8"),
        "{err}"
    );
    assert!(
        err.contains("parameter nope: unknown parameter `nope`; known: worker"),
        "{err}"
    );
    assert!(
        err.contains("--memory ghost: no service group `ghost`"),
        "{err}"
    );
    assert!(
        err.contains("execution name: execution name `bad name`"),
        "{err}"
    );

    let run = zoe(&["shop", "render", "jupyter-0"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("`JUPYTER_TOKEN`") && run.stderr.contains("-p JUPYTER_TOKEN=VALUE"),
        "{}",
        run.stderr
    );
    assert_eq!(
        zoe(&["shop", "render", "jupyter-0", "-p", "JUPYTER_TOKEN=s3cret"]).code,
        0
    );

    let run = zoe(&["shop", "show", "no-such-zapp"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no shop entry matches `no-such-zapp`"),
        "{}",
        run.stderr
    );

    let run = zoe(&["shop", "render", "master-workers-0", "-p", "novalue"]);
    assert_eq!(run.code, 2, "usage errors exit 2");
}

#[test]
fn overrides_are_clamped_to_the_maxima() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zoe.toml");
    std::fs::write(&config, "max_memory_gib = 2\nmax_cores = 1\n").unwrap();
    let config = config.display().to_string();
    let out = json(&zoe(&[
        "--config",
        &config,
        "shop",
        "render",
        "web-hello-0",
        "--memory",
        "web=8",
        "--cores",
        "web=0.25",
        "-o",
        "json",
    ]));
    let web = &out["description"]["services"][0];
    assert_eq!(web["resources"]["memory"]["min"].as_u64(), Some(2 << 30));
    assert_eq!(web["resources"]["cores"]["min"].as_f64(), Some(0.25));
    assert!(
        out["notes"][0].as_str().unwrap().contains("clamped"),
        "{}",
        out["notes"]
    );
}

#[test]
fn list_show_and_check_the_sample_shop() {
    let list = json(&zoe(&["shop", "list", "-o", "json"]));
    let entries = list["entries"].as_array().unwrap();
    assert!(entries.len() >= 6, "{list}");
    let categories: std::collections::HashSet<&str> = entries
        .iter()
        .map(|e| e["category"].as_str().unwrap())
        .collect();
    assert!(categories.len() >= 3, "{categories:?}");

    let table = zoe(&["shop", "list"]);
    assert!(table.stdout.starts_with("ID "), "{}", table.stdout);
    assert!(table.stdout.contains("master-workers-0"));

    let plain = zoe(&[]);
    assert_eq!(plain.code, 0);
    assert!(plain.stdout.contains("master-workers-0") && plain.stdout.contains("zoe --help"));

    let show = zoe(&["shop", "show", "master-workers-0"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    for part in [
        "SERVICES",
        "PARAMETERS",
        "README (README.md)",
        "extra-worker",
        "service_count",
    ] {
        assert!(
            show.stdout.contains(part),
            "missing {part}: {}",
            show.stdout
        );
    }
    let show = json(&zoe(&["shop", "show", "master-workers-0", "-o", "json"]));
    assert!(show["readme"].as_str().unwrap().len() > 100);
    assert!(show["logo"].as_str().unwrap().ends_with("logo.png"));

    let check = zoe(&["shop", "check"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert!(
        check.stdout.contains("0 errors, 0 warnings"),
        "the sample shop is clean: {}",
        check.stdout
    );
}

#[test]
fn check_reports_located_errors_and_fails() {
    let shop = tempfile::tempdir().unwrap();
    let dir = shop.path().join("broken");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        "{\"version\": 1,\n \"zapps\": [}\n",
    )
    .unwrap();
    let path = shop.path().display().to_string();
    let run = zoe(&["shop", "check", &path]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("broken/manifest.json:2:12: error: invalid JSON"),
        "{}",
        run.stdout
    );
    let out: Value =
        serde_json::from_str(&zoe(&["shop", "check", &path, "-o", "json"]).stdout).unwrap();
    assert_eq!(out["errors"], 1);
    assert_eq!(out["problems"][0]["line"], 2);
}

#[test]
fn config_paths_and_bad_settings() {
    let dir = tempfile::tempdir().unwrap();
    let xdg = dir.path().display().to_string();
    let run = zoe_in(
        &repo(),
        &["config", "paths", "-o", "json"],
        &[("XDG_CONFIG_HOME", &xdg), ("XDG_CACHE_HOME", &xdg)],
    );
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["config_file"], format!("{xdg}/zoe/config.toml"));
    assert_eq!(out["config_origin"], "built_in");
    assert_eq!(out["cache_dir"], format!("{xdg}/zoe"));
    assert_eq!(
        out["deployment_key_file"],
        format!("{xdg}/zoe/deployment.key"),
        "beside the default config file"
    );
    assert_eq!(out["shop"], "shop");
    assert_eq!(out["shop_origin"], "working_directory");

    std::fs::create_dir_all(dir.path().join("zoe")).unwrap();
    std::fs::write(
        dir.path().join("zoe/config.toml"),
        "deployment_name = \"lab\"\nmax_cores = 0\n",
    )
    .unwrap();
    let run = zoe_in(&repo(), &["shop", "list"], &[("XDG_CONFIG_HOME", &xdg)]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "{xdg}/zoe/config.toml:2:13: must be a number greater than 0"
        )),
        "{}",
        run.stderr
    );

    std::fs::write(
        dir.path().join("zoe/config.toml"),
        "deployment_name = \"lab\"\nshop = \"/nonexistent\"\ntheme = \"nosuch\"\n",
    )
    .unwrap();
    let run = zoe_in(&repo(), &["config", "show"], &[("XDG_CONFIG_HOME", &xdg)]);
    assert!(
        run.stderr
            .contains("no theme `nosuch`; available: default, high-contrast, light, mono"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("deployment_name = \"lab\"")
            && run.stdout.contains("user = \"tester\""),
        "{}",
        run.stdout
    );
    let run = zoe_in(&repo(), &["shop", "list"], &[("XDG_CONFIG_HOME", &xdg)]);
    assert!(run.stdout.contains("no usable entries"), "{}", run.stdout);
    assert!(run.stdout.contains("zoe shop check"), "{}", run.stdout);
    // NO_COLOR selects mono, which always exists: no theme warning then
    let run = zoe_in(
        &repo(),
        &["config", "show"],
        &[("XDG_CONFIG_HOME", &xdg), ("NO_COLOR", "1")],
    );
    assert!(!run.stderr.contains("no theme"), "{}", run.stderr);
}

#[test]
fn deployment_name_reaches_names_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zoe.toml");
    std::fs::write(
        &config,
        "deployment_name = \"lab\"\nuser = \"alice\"\nfs_uid = 4242\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let out = json(&zoe(&[
        "--config",
        &config,
        "shop",
        "render",
        "web-hello-0",
        "-o",
        "json",
    ]));
    let web = &out["instances"][0];
    assert!(web["dns_name"].as_str().unwrap().ends_with("-lab"));
    assert_eq!(env(web, "DEPLOY_NAME"), Some("lab"));
    assert_eq!(env(web, "ZOE_USER"), Some("alice"));
    assert_eq!(env(web, "ZOE_UID"), Some("4242"));
    assert_eq!(env(web, "ZOE_GID"), Some("5001"));
}

#[test]
fn closed_stdout_is_not_a_crash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zoe"))
        .args(["shop", "show", "master-workers-0"])
        .current_dir(repo())
        .env("USER", "tester")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn list_shows_an_empty_category_and_a_blank_name() {
    // item 12: Zoe lists an entry with category "" under an empty heading.
    let shop = tempfile::tempdir().unwrap();
    let src = repo().join("shop/batch-counter");
    let dir = shop.path().join("odd");
    std::fs::create_dir(&dir).unwrap();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("manifest.json")).unwrap()).unwrap();
    let mut first = manifest["zapps"][0].clone();
    for file in ["description", "readable_descr"] {
        let name = first[file].as_str().unwrap().to_string();
        std::fs::copy(src.join(&name), dir.join(&name)).unwrap();
    }
    first["category"] = Value::from("");
    let mut second = first.clone();
    second["category"] = Value::from("Named");
    second["name"] = Value::from(" ");
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::json!({"version": 1, "zapps": [first, second]}).to_string(),
    )
    .unwrap();
    let path = shop.path().display().to_string();
    let out = json(&zoe(&["--shop", &path, "shop", "list", "-o", "json"]));
    let entries = out["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{out}");
    assert_eq!(entries[0]["category"], "", "{out}");
    assert_eq!(entries[1]["name"], " ", "{out}");
    let table = zoe(&["--shop", &path, "shop", "list"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(
        lines[1].starts_with("odd-0") && lines[1].contains("(no category)"),
        "{}",
        table.stdout
    );
    assert!(
        lines[2].starts_with("odd-1") && lines[2].contains("(no name)"),
        "{}",
        table.stdout
    );
    let show = zoe(&["--shop", &path, "shop", "show", "odd-0"]);
    assert!(
        show.stdout.contains("Category:     (no category)"),
        "{}",
        show.stdout
    );
}

#[test]
fn a_deployment_key_others_may_read_stops_cluster_verbs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("keys/deployment.key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    std::fs::write(&key, format!("{}\n", "ab".repeat(32))).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let settings = dir.path().join("zoe.toml");
    // no daemon is asked: the key is read first
    std::fs::write(
        &settings,
        "deployment_key_file = \"keys/deployment.key\"\n[[hosts]]\nname = \"h\"\naddress = \"tcp://127.0.0.1:9\"\n",
    )
    .unwrap();
    let config = settings.display().to_string();
    for verb in [
        &["ps"][..],
        &["nodes"],
        &["kill", "x"],
        &["ps", "--foreign"],
    ] {
        let run = zoe_in(&repo(), verb, &[("ZOE_CONFIG", &config)]);
        assert_eq!(run.code, 1, "{verb:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "chmod 600 {}",
                dir.path().join("keys/deployment.key").display()
            )),
            "{verb:?}: {}",
            run.stderr
        );
    }
    // garbage is refused too, naming the file
    std::fs::write(&key, "not a key\n").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = zoe_in(&repo(), &["ps"], &[("ZOE_CONFIG", &config)]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("deployment.key") && run.stderr.contains("64 hex digits"),
        "{}",
        run.stderr
    );
    // a missing key is made, mode 0600, and the console says so (once)
    std::fs::remove_file(&key).unwrap();
    let run = zoe_in(&repo(), &["ps"], &[("ZOE_CONFIG", &config)]);
    assert!(
        run.stderr
            .contains(&format!("made a new deployment key at {}", key.display())),
        "{}",
        run.stderr
    );
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let run = zoe_in(&repo(), &["ps"], &[("ZOE_CONFIG", &config)]);
    assert!(!run.stderr.contains("deployment key"), "{}", run.stderr);
}
