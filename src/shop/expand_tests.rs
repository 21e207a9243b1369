use serde_json::json;

use super::*;
use crate::model::ExecutionId;
use crate::shop::validate::{Limits, validate_value};

fn identity() -> ExecutionIdentity {
    ExecutionIdentity {
        id: ExecutionId::parse("k3x9f2a7qp").unwrap(),
        name: "my-run".into(),
        owner: "alice".into(),
        deployment: "prod".into(),
        fs_uid: 1001,
        fs_gid: 5001,
    }
}

fn desc(worker_env: serde_json::Value) -> Description {
    let doc = json!({
        "name": "demo", "version": 3, "will_end": false, "size": 1,
        "services": [
            {"name": "master", "image": "i:1", "monitor": true, "startup_order": 0, "total_count": 1,
             "essential_count": 1, "ports": [], "volumes": [], "command": "run {dns_name#self}",
             "resources": {"memory": {"min": 1073741824, "max": null}, "cores": {"min": 1, "max": null}},
             "environment": [["SELF", "{dns_name#self}"]]},
            {"name": "worker", "image": "i:1", "monitor": false, "startup_order": 1, "total_count": 3,
             "essential_count": 1, "ports": [], "volumes": [], "command": null,
             "resources": {"memory": {"min": null, "max": null}, "cores": {"min": null, "max": null}},
             "environment": worker_env}
        ]
    });
    validate_value(&doc, &Limits::default())
        .unwrap()
        .description
}

fn env_of<'a>(instance: &'a Instance, name: &str) -> Option<&'a str> {
    instance
        .environment
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn instances_are_numbered_per_group_essential_first() {
    let instances = expand(&desc(json!([])), &identity()).unwrap();
    let names: Vec<(&str, bool)> = instances
        .iter()
        .map(|i| (i.name.as_str(), i.essential))
        .collect();
    assert_eq!(
        names,
        vec![
            ("master0", true),
            ("worker0", true),
            ("worker1", false),
            ("worker2", false)
        ]
    );
    assert_eq!(instances[2].dns_name, "worker1-k3x9f2a7qp-prod");
    assert_eq!(instances[2].index, 1);
    assert_eq!(instances[1].cores, 0.1);
    assert_eq!(instances[1].memory_bytes, 0);
}

#[test]
fn dns_names_and_execution_variables_are_substituted() {
    let env = json!([
        ["MASTER", "{dns_name#master0}"],
        ["SELF", "{dns_name#self}"],
        ["PEER", "{dns_name#worker2}"],
        [
            "WHO",
            "{user_name}@{deployment_name}/{execution_name}/{execution_id}"
        ],
        ["LITERAL", "{{not a var}}"]
    ]);
    let instances = expand(&desc(env), &identity()).unwrap();
    let w1 = &instances[2];
    assert_eq!(env_of(w1, "MASTER"), Some("master0-k3x9f2a7qp-prod"));
    assert_eq!(env_of(w1, "SELF"), Some("worker1-k3x9f2a7qp-prod"));
    assert_eq!(
        env_of(w1, "PEER"),
        Some("worker2-k3x9f2a7qp-prod"),
        "elastic instances have DNS names too"
    );
    assert_eq!(env_of(w1, "WHO"), Some("alice@prod/my-run/k3x9f2a7qp"));
    assert_eq!(env_of(w1, "LITERAL"), Some("{not a var}"));
}

#[test]
fn the_command_is_not_substituted() {
    // Zoe HEAD substitutes environment values only, never the command.
    let instances = expand(&desc(json!([])), &identity()).unwrap();
    assert_eq!(instances[0].command.as_deref(), Some("run {dns_name#self}"));
}

#[test]
fn zoe_variables_are_appended_in_zoe_order() {
    let instances = expand(&desc(json!([["A", "1"]])), &identity()).unwrap();
    let names: Vec<&str> = instances[1]
        .environment
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "A",
            "EXECUTION_ID",
            "DEPLOY_NAME",
            "ZOE_UID",
            "ZOE_GID",
            "ZOE_USER",
            "SERVICE_NAME",
            "ZOE_WORKSPACE"
        ]
    );
    let w = &instances[1];
    assert_eq!(env_of(w, "EXECUTION_ID"), Some("k3x9f2a7qp"));
    assert_eq!(env_of(w, "DEPLOY_NAME"), Some("prod"));
    assert_eq!(env_of(w, "ZOE_UID"), Some("1001"));
    assert_eq!(env_of(w, "ZOE_GID"), Some("5001"));
    assert_eq!(env_of(w, "ZOE_USER"), Some("alice"));
    assert_eq!(env_of(w, "SERVICE_NAME"), Some("worker0"));
    assert_eq!(env_of(w, "ZOE_WORKSPACE"), Some("/mnt/workspace"));
}

#[test]
fn later_duplicates_win() {
    let instances = expand(
        &desc(json!([
            ["A", "1"],
            ["B", "2"],
            ["A", "3"],
            ["SERVICE_NAME", "mine"]
        ])),
        &identity(),
    )
    .unwrap();
    let w = &instances[1];
    assert_eq!(w.environment.iter().filter(|(k, _)| k == "A").count(), 1);
    assert_eq!(env_of(w, "A"), Some("3"));
    assert_eq!(
        env_of(w, "SERVICE_NAME"),
        Some("worker0"),
        "Zoe's variables come last and win"
    );
}

#[test]
fn unknown_variables_fail_before_anything_is_created() {
    let errs = expand(
        &desc(json!([["X", "{dns_name#nosuch0}"], ["Y", "{nope}"]])),
        &identity(),
    )
    .unwrap_err();
    assert_eq!(
        errs.len(),
        2,
        "one error per variable, not per instance: {errs:?}"
    );
    assert!(
        errs[0]
            .to_string()
            .starts_with("service `worker`, variable X: unknown variable `{dns_name#nosuch0}`")
    );
    assert!(
        errs[0].message.contains("{dns_name#worker2}"),
        "lists the known variables"
    );
    // an instance beyond total_count does not exist
    assert!(expand(&desc(json!([["X", "{dns_name#worker3}"]])), &identity()).is_err());
}

#[test]
fn names_longer_than_a_dns_label_are_refused() {
    let mut id = identity();
    id.deployment = "d".repeat(24);
    let mut d = desc(json!([]));
    d.services[1].name = "w".repeat(16);
    d.services[1].total_count = 10;
    d.services[1].essential_count = 10;
    // the longest names settings allow: 16 + "9" + 1 + 16 + 1 + 24 = 59, fits
    id.id = ExecutionId::parse("0123456789abcdef").unwrap();
    assert!(expand(&d, &id).is_ok());
    // a longer deployment name (only possible from a cluster's labels) does not
    id.deployment = "d".repeat(40);
    let errs = expand(&d, &id).unwrap_err();
    assert!(errs[0].message.contains("over the 63"), "{errs:?}");
}

#[test]
fn colliding_instance_names_are_refused() {
    let mut d = desc(json!([]));
    d.services[0].name = "worker1".into();
    d.services[1].total_count = 11;
    d.services[1].essential_count = 1;
    let errs = expand(&d, &identity()).unwrap_err();
    assert!(
        errs[0]
            .message
            .contains("`worker10` is produced by two groups"),
        "{errs:?}"
    );
}
