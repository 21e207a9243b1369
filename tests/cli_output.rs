//! What the command line writes for people and programs: shell completions
//! and the man page generated from the clap definition, the terminal UI's
//! flags refused after a verb, and `-o json` typed all the way down for
//! every verb, read from a real execution on the test daemons.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use clap::CommandFactory;
use common::engines::{Setup, engines, execution_id, one_host};
use serde_json::Value;

/// `zoe ARGS` without settings of the caller's.
fn zoe(args: &[&str]) -> (i32, String, String) {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zoe"))
        .args(args)
        .env_remove("ZOE_CONFIG")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_CACHE_HOME", home.path())
        .env("XDG_STATE_HOME", home.path())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The verbs of the clap definition (`help` aside).
fn verbs() -> Vec<String> {
    zoe_console::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|n| n != "help")
        .collect()
}

#[test]
fn bash_accepts_the_bash_completions_and_zsh_fish_name_every_verb() {
    let (code, script, stderr) = zoe(&["completions", "bash"]);
    assert_eq!(code, 0, "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zoe.bash");
    std::fs::write(&file, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    // sourced, it registers the completion for `zoe`
    let registered = Command::new("bash")
        .arg("-c")
        .arg(format!("source '{}' && complete -p zoe", file.display()))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&registered.stdout).contains("zoe"),
        "{}",
        String::from_utf8_lossy(&registered.stderr)
    );
    for shell in ["bash", "zsh", "fish"] {
        let (code, script, stderr) = zoe(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(!script.trim().is_empty(), "{shell}: empty");
        for verb in verbs() {
            assert!(script.contains(&verb), "{shell}: no `{verb}`");
        }
    }
    assert!(zoe(&["completions", "tcsh"]).0 == 2, "an unknown shell");
}

#[test]
fn the_man_page_is_roff_and_names_every_verb() {
    let (code, page, stderr) = zoe(&["man"]);
    assert_eq!(code, 0, "{stderr}");
    let head: Vec<&str> = page.lines().take(3).collect();
    assert!(head.iter().all(|l| l.starts_with('.')), "{head:?}");
    assert!(
        head.iter().any(|l| l.starts_with(".TH zoe 1")),
        "a roff title: {head:?}"
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS"] {
        assert!(page.contains(section), "{section}");
    }
    let verbs = verbs();
    assert!(verbs.len() >= 11, "{verbs:?}");
    for verb in &verbs {
        // each verb listed with its own page, `zoe-nodes(1)`
        let named = format!("zoe\\-{}(1)", verb.replace('-', "\\-"));
        assert!(page.contains(&named), "{named} missing");
        let (code, own, stderr) = zoe(&["man", verb]);
        assert_eq!(code, 0, "{verb}: {stderr}");
        assert!(own.contains(&format!(".TH zoe-{verb} 1")), "{verb}: {own}");
    }
    let (code, _, stderr) = zoe(&["man", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no verb `nope`") && stderr.contains("inspect"));
}

#[test]
fn a_terminal_ui_flag_with_a_verb_and_json_logs_are_usage_errors() {
    let (code, _, stderr) = zoe(&["--theme", "dark", "shop", "list"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--theme is for the terminal UI") && stderr.contains("zoe shop list"),
        "{stderr}"
    );
    let (code, _, stderr) = zoe(&["logs", "demo", "-o", "json"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("leave -o json out"), "{stderr}");
    let (code, _, stderr) = zoe(&["nodes", "--no-mouse"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, help, _) = zoe(&["nodes", "--help"]);
    assert_eq!(code, 0);
    assert!(
        !help.contains("--theme") && !help.contains("--no-mouse"),
        "{help}"
    );
    let (_, help, _) = zoe(&["--help"]);
    assert!(
        help.contains("--theme") && help.contains("Examples:"),
        "{help}"
    );
}

/// Keys whose value may be `null`: absent scalars (a reason, an end time,
/// an exit code, usage not read). A list is never among them.
const MAY_BE_NULL: &[&str] = &[
    "reason",
    "started",
    "ended",
    "stopped",
    "exit_code",
    "error",
    "cores_in_use",
    "memory_in_use",
    "unschedulable",
    "cores_requested",
    "memory_requested",
    "max_workloads",
    "partial",
    "claims",
    "command",
    "work_dir",
    "shm_bytes",
    "network",
    "readme",
    "logo",
    "on",
    "user",
    "fs_uid",
    "port",
    "detail",
];

/// Keys that hold a list wherever they hold one (`shop list` counts
/// `services` and `instances`): never `null` nor text.
const LISTS: &[&str] = &[
    "instances",
    "endpoints",
    "hosts",
    "ports",
    "timeline",
    "services",
    "foreign",
    "networks",
    "labels",
    "images",
    "roles",
    "taints",
    "entries",
    "broken",
    "containers",
    "deferred",
    "placements",
    "failed",
    "problems",
    "volumes",
    "environment",
    "audit",
    "unanswered",
];

/// Walks a JSON answer: no string holds JSON (an object or an array), no
/// `null` but for the scalars that may be absent, no list key as text,
/// every number of cores written as asked (at most three decimals).
fn check_typed(what: &str, value: &Value, path: &str, problems: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            if let Ok(inner) = serde_json::from_str::<Value>(text)
                && (inner.is_object() || inner.is_array())
            {
                problems.push(format!("{what} {path}: JSON inside a string: {text}"));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_typed(what, item, &format!("{path}[{i}]"), problems);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let here = format!("{path}.{key}");
                if item.is_null() && !MAY_BE_NULL.contains(&key.as_str()) {
                    problems.push(format!("{what} {here}: null"));
                }
                if LISTS.contains(&key.as_str()) && (item.is_null() || item.is_string()) {
                    problems.push(format!("{what} {here}: not a list: {item}"));
                }
                if key.contains("cores")
                    && let Some(n) = item.as_f64()
                    && (n * 1000.0).round() / 1000.0 != n
                {
                    problems.push(format!("{what} {here}: cores {n} not as asked"));
                }
                check_typed(what, item, &here, problems);
            }
        }
        _ => {}
    }
}

fn assert_typed(what: &str, value: &Value) {
    let mut problems = Vec::new();
    check_typed(what, value, "", &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_walk_catches_json_in_strings_null_lists_and_odd_cores() {
    let bad = serde_json::json!({
        "endpoints": "[]",
        "instances": null,
        "cores": 0.30000000000000004,
        "nested": [{"description": "{\"name\": \"x\"}"}],
        "reason": null,
        "command": "sh -c 'echo [1]'",
    });
    let mut problems = Vec::new();
    check_typed("t", &bad, "", &mut problems);
    assert_eq!(problems.len(), 6, "{problems:#?}");
}

#[test]
fn every_verb_answers_typed_json() {
    let Some(e) = engines() else { return };
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    // 0.1 + 0.2 + 3 × 0.1 cores: a float sum that is not 0.6 unrounded
    let launched = setup.json(&[
        "start",
        "master-workers-0",
        "-p",
        "worker=1",
        "--cores",
        "worker=0.2",
        "--name",
        "typed",
    ]);
    assert_typed("start", &launched);
    let id = execution_id(&launched);
    let container = &launched["containers"][0];
    assert!(
        container["instance"].is_string()
            && container["host"] == "local"
            && container["container"].is_string(),
        "{launched}"
    );

    let inspect = setup.json(&["inspect", &id]);
    assert_typed("inspect", &inspect);
    assert_eq!(inspect["audit"][0]["action"], "launched", "{inspect}");
    assert_typed("whoami", &setup.json(&["whoami"]));
    let execution = &inspect["execution"];
    assert!(execution["description"].is_object(), "{execution}");
    let worker = execution["description"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "worker")
        .unwrap();
    assert_eq!(worker["resources"]["cores"]["min"].as_f64(), Some(0.2));
    assert!(execution["parameters"].is_object(), "{execution}");
    assert!(execution["restarts"].is_object(), "{execution}");
    assert!(inspect["endpoints"].as_array().unwrap().len() == 1);
    let master = inspect["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["instance"] == "master0")
        .unwrap();
    let port = &master["ports"][0];
    let published = port["published"].as_u64().unwrap();
    assert_eq!(port["port"], 8080, "{port}");
    assert_eq!(port["protocol"], "tcp", "{port}");
    assert_eq!(port["address"], format!("127.0.0.1:{published}"));
    assert_eq!(
        inspect["endpoints"][0]["url"],
        format!("http://127.0.0.1:{published}/")
    );

    let nodes = setup.json(&["nodes"]);
    assert_typed("nodes", &nodes);
    let local = &nodes[0];
    assert_eq!(
        local["cores_reserved"].as_f64(),
        Some(0.6),
        "0.1 + 0.2 + 3 × 0.1, as asked: {local}"
    );
    let worker0 = local["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["instance"] == "worker0")
        .unwrap();
    assert_eq!(worker0["cores_reserved"].as_f64(), Some(0.2));
    assert_typed("nodes --usage", &setup.json(&["nodes", "--usage"]));

    let ps = setup.json(&["ps"]);
    assert_typed("ps", &ps);
    assert_eq!(ps[0]["up"], 5, "{ps}");

    for args in [
        &["shop", "list"][..],
        &["shop", "show", "master-workers-0"],
        &[
            "shop",
            "render",
            "master-workers-0",
            "--cores",
            "worker=0.2",
        ],
        &["shop", "check"],
        &["config", "show"],
        &["config", "paths"],
        &["ps", "--foreign"],
        &["supervise", "--once"],
    ] {
        assert_typed(&args.join(" "), &setup.json(args));
    }
    // fits (exit 0) or not now (exit 3, other tests share the daemon):
    // typed either way
    let plan = setup.zoe(&["start", "master-workers-0", "--dry-run", "-o", "json"]);
    assert!(plan.code == 0 || plan.code == 3, "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_typed("start --dry-run", &plan);
    assert!(plan["fits"].is_boolean(), "{plan}");

    let killed = setup.json(&["kill", &id]);
    assert_typed("kill", &killed);
    assert_eq!(killed["execution"], id.as_str());
    assert_eq!(killed["removed"], 5, "{killed}");
    assert_eq!(killed["failed"], serde_json::json!([]));
    // gone from the cluster: no instances, a list all the same
    let all = setup.json(&["ps", "-a"]);
    assert_typed("ps -a", &all);
    let row = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["up"], 0, "{row}");
    assert_eq!(row["instances"], serde_json::json!([]), "{row}");
}
