use crate::model::GIB;
use serde_json::{Value, json};

use super::*;

fn base() -> Value {
    json!({
        "name": "demo-app",
        "version": 3,
        "will_end": false,
        "size": 512,
        "services": [{
            "name": "master",
            "image": "zoe-demo/busybox:1",
            "monitor": true,
            "startup_order": 0,
            "total_count": 1,
            "essential_count": 1,
            "resources": {"memory": {"min": 67108864, "max": 67108864}, "cores": {"min": 0.5, "max": 1}},
            "ports": [{"name": "web", "port_number": 8080, "protocol": "tcp", "url_template": "http://{ip_port}/"}],
            "environment": [["A", "1"]],
            "volumes": [],
            "command": null
        }, {
            "name": "worker",
            "image": "zoe-demo/busybox:1",
            "monitor": false,
            "startup_order": 1,
            "total_count": 3,
            "essential_count": 1,
            "resources": {"memory": {"min": null, "max": null}, "cores": {"min": null, "max": null}},
            "ports": [],
            "environment": [["MASTER", "{dns_name#master0}"]],
            "volumes": [{"name": "data", "path": "/srv/data", "read_only": true}],
            "command": "sh -c 'sleep 1'"
        }]
    })
}

/// The base description with the value at `pointer` set (created if absent).
fn with(pointer: &str, value: Value) -> Value {
    let mut doc = base();
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    match doc.pointer_mut(parent).expect("parent exists in base") {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().expect("index")] = value,
        other => panic!("cannot set {key} in {other}"),
    }
    doc
}

fn without(parent: &str, key: &str) -> Value {
    let mut doc = base();
    doc.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("object")
        .remove(key);
    doc
}

fn errors(doc: &Value) -> Vec<String> {
    match validate_value(doc, &Limits::default()) {
        Ok(v) => panic!("expected errors, got {:?}", v.description.name),
        Err(errs) => errs.iter().map(ToString::to_string).collect(),
    }
}

fn assert_error(doc: &Value, needle: &str) {
    let errs = errors(doc);
    assert!(
        errs.iter().any(|e| e.contains(needle)),
        "no error containing {needle:?} in {errs:#?}"
    );
}

#[test]
fn a_valid_description_converts_to_typed_data() {
    let v = validate_value(&base(), &Limits::default()).unwrap();
    let d = v.description;
    assert_eq!(d.name, "demo-app");
    assert_eq!(d.services.len(), 2);
    assert_eq!(d.services[1].elastic_count(), 2);
    assert_eq!(d.services[1].volumes[0].mount_point(), "/mnt/data");
    assert_eq!(d.services[0].ports[0].key(), "8080/tcp");
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);
}

#[test]
fn semantic_defaults_are_applied() {
    let limits = Limits {
        max_memory_bytes: 8 * GIB,
        max_cores: 4.0,
    };
    let d = validate_value(&base(), &limits).unwrap().description;
    // Zoe's defaults: memory.max := limit for every group, cores.min null := 0.1
    assert!(
        d.services
            .iter()
            .all(|g| g.resources.memory.max == Some(8 * GIB))
    );
    assert_eq!(d.services[1].resources.cores.min, Some(0.1));
    assert_eq!(d.services[0].resources.cores.min, Some(0.5));
    // a null memory.min stays null (no limit) and counts as 0
    assert_eq!(d.services[1].resources.memory.min, None);
    assert_eq!(d.services[1].memory_min(), 0);
}

#[test]
fn round_trip_keeps_zoe_shape() {
    let d = validate_value(&base(), &Limits::default())
        .unwrap()
        .description;
    let back: Value = serde_json::from_str(&d.to_json_pretty()).unwrap();
    assert_eq!(
        back["services"][0]["command"],
        Value::Null,
        "command key must exist even when null"
    );
    assert!(back["services"][0].get("labels").is_none());
    assert_eq!(
        back["services"][1]["environment"][0],
        json!(["MASTER", "{dns_name#master0}"])
    );
    // the output validates again, to the same thing
    let again = validate_value(&back, &Limits::default())
        .unwrap()
        .description;
    assert_eq!(again, d);
}

#[test]
fn version_must_be_three() {
    assert_error(
        &with("/version", json!(4)),
        "version mismatch (expected 3, found 4)",
    );
    assert_error(&with("/version", json!(2)), "must be at least 3");
    assert_error(&with("/version", json!("3")), "must be a number");
}

#[test]
fn top_level_fields() {
    assert_error(&with("/name", json!("ab")), "at least 3 characters");
    assert_error(&with("/name", json!("a".repeat(129))), "at most 128");
    assert_error(&with("/name", json!("my app")), "may only contain");
    assert!(validate_value(&with("/name", json!("@team-app2")), &Limits::default()).is_ok());
    assert_error(&with("/size", json!(-1)), "whole number ≥ 0");
    assert_error(&with("/size", json!(1.5)), "whole number ≥ 0");
    assert_error(&with("/will_end", json!("no")), "true or false");
    assert_error(&without("", "size"), "missing required field `size`");
    let mut doc = base();
    doc["extra"] = json!(1);
    assert_error(&doc, "unknown field `extra`");
    assert_error(&with("/services", json!([])), "at least one service group");
    assert_error(&with("/services", json!({})), "must be an array");
    assert_error(&json!([1]), "must be an object");
}

#[test]
fn service_group_fields() {
    assert_error(&with("/services/0/name", json!("ab")), "at least 3");
    assert_error(
        &with("/services/0/name", json!("a".repeat(17))),
        "at most 16",
    );
    assert_error(
        &with("/services/0/name", json!("my_master")),
        "letters, digits and `-`",
    );
    assert_error(&with("/services/0/image", json!("")), "at least 1");
    assert_error(&with("/services/0/monitor", json!(1)), "true or false");
    assert_error(
        &with("/services/0/startup_order", json!(0.5)),
        "whole number",
    );
    assert!(
        validate_value(
            &with("/services/0/startup_order", json!(-2)),
            &Limits::default()
        )
        .is_ok(),
        "any sign"
    );
    assert_error(&with("/services/0/total_count", json!(0)), "at least 1");
    assert_error(&with("/services/0/essential_count", json!(0)), "at least 1");
    assert_error(
        &with("/services/0/replicas", json!(0)),
        "replicas: must be at least 1",
    );
    assert_error(&with("/services/0/command", json!("")), "at least 1");
    assert_error(
        &with("/services/0/command", json!(["sh"])),
        "must be a string",
    );
    assert_error(&with("/services/0/work_dir", json!("")), "at least 1");
    assert_error(&with("/services/0/network", json!("")), "at least 1");
    assert_error(
        &with("/services/0/labels", json!(["gpu", "gpu"])),
        "duplicate item",
    );
    assert_error(
        &with("/services/0/labels", json!(["gpu", ["x"]])),
        "must be a string",
    );
    assert_error(
        &without("/services/0", "command"),
        "missing required field `command`",
    );
    assert_error(
        &without("/services/0", "volumes"),
        "missing required field `volumes`",
    );
}

#[test]
fn errors_name_the_service_and_field() {
    let errs = errors(&with("/services/1/resources/memory/min", json!(512)));
    assert_eq!(
        errs,
        vec![
            "service `worker`: services[1].resources.memory.min: must be at least 1024, found 512"
                .to_string()
        ]
    );
}

#[test]
fn resources() {
    assert_error(
        &with("/services/0/resources/memory/min", json!(1500.5)),
        "whole number",
    );
    assert_error(
        &with("/services/0/resources/memory/max", json!("1G")),
        "must be a number",
    );
    assert_error(
        &with("/services/0/resources/cores/min", json!(0)),
        "greater than 0",
    );
    assert_error(
        &with("/services/0/resources/cores/min", json!(-1)),
        "greater than 0",
    );
    assert_error(
        &without("/services/0/resources/memory", "max"),
        "missing required field `max`",
    );
    assert_error(&with("/services/0/resources/shm", json!(-1)), "at least 0");
    assert_error(
        &with("/services/0/resources/shm_size", json!(1)),
        "did you mean `shm`",
    );
    assert!(
        validate_value(
            &with("/services/0/resources/shm", json!(67108864)),
            &Limits::default()
        )
        .is_ok()
    );
    // floats that are whole numbers pass `multipleOf: 1`
    assert!(
        validate_value(
            &with("/services/0/resources/memory/min", json!(1073741824.0)),
            &Limits::default()
        )
        .is_ok()
    );
}

#[test]
fn memory_above_the_administrative_limit_is_an_error() {
    let limits = Limits {
        max_memory_bytes: GIB,
        max_cores: 16.0,
    };
    let doc = with("/services/0/resources/memory/min", json!(2 * GIB));
    let errs = validate_value(&doc, &limits).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0]
            .to_string()
            .contains("reserves 2 GiB but the administrative limit is 1 GiB"),
        "{}",
        errs[0]
    );
    // exactly at the limit is fine
    assert!(
        validate_value(
            &with("/services/0/resources/memory/min", json!(GIB)),
            &limits
        )
        .is_ok()
    );
}

#[test]
fn ports() {
    assert_error(
        &with("/services/0/ports/0/port_number", json!(0)),
        "greater than 0",
    );
    assert_error(
        &with("/services/0/ports/0/port_number", json!(65536)),
        "at most 65535",
    );
    assert_error(
        &with("/services/0/ports/0/protocol", json!("http")),
        "\"tcp\" or \"udp\"",
    );
    assert_error(&with("/services/0/ports/0/name", json!("ab")), "at least 3");
    assert_error(
        &without("/services/0/ports/0", "url_template"),
        "missing required field `url_template`",
    );
    assert_error(
        &with("/services/0/ports/0/proxy", json!("yes")),
        "true or false",
    );
    let port = json!({"name": "web", "port_number": 8080, "protocol": "tcp", "url_template": "x"});
    assert_error(
        &with("/services/0/ports", json!([port.clone(), port])),
        "duplicate item",
    );
}

#[test]
fn environment_pairs() {
    assert_error(
        &with("/services/0/environment/0", json!(["A"])),
        "pair of two strings",
    );
    assert_error(
        &with("/services/0/environment/0", json!(["A", "1", "2"])),
        "pair of two strings",
    );
    assert_error(
        &with("/services/0/environment/0", json!(["A", 1])),
        "pair of two strings",
    );
    assert_error(
        &with("/services/0/environment", json!([["A", "1"], ["A", "1"]])),
        "duplicate item",
    );
    // the schema's `regex` is not enforced, so lowercase names load;
    // `uniqueItems` compares whole entries: the same name with different
    // values is allowed.
    let d = validate_value(
        &with(
            "/services/0/environment",
            json!([["nb_uid", "1"], ["nb_uid", "2"]]),
        ),
        &Limits::default(),
    );
    assert!(d.is_ok());
}

#[test]
fn volumes_need_all_three_keys() {
    assert_error(
        &without("/services/1/volumes/0", "read_only"),
        "missing required field `read_only`",
    );
    assert_error(
        &with("/services/1/volumes/0/name", json!("ab")),
        "at least 3",
    );
    assert_error(
        &with("/services/1/volumes/0/path", json!("/")),
        "at least 2",
    );
    let mut doc = base();
    doc["services"][1]["volumes"][0]["mode"] = json!("rw");
    let v = validate_value(&doc, &Limits::default()).unwrap();
    assert!(
        v.warnings
            .iter()
            .any(|w| w.message.contains("unknown volume field `mode`"))
    );
}

#[test]
fn at_least_one_monitor() {
    assert_error(
        &with("/services/0/monitor", json!(false)),
        "needs \"monitor\": true",
    );
}

#[test]
fn essential_count_cannot_exceed_total() {
    assert_error(
        &with("/services/1/essential_count", json!(4)),
        "total_count (3) is less than essential_count (4)",
    );
}

#[test]
fn duplicate_group_names_are_refused() {
    assert_error(&with("/services/1/name", json!("master")), "same name");
}

#[test]
fn images_without_tag_are_warnings() {
    let v = validate_value(
        &with("/services/0/image", json!("nginx")),
        &Limits::default(),
    )
    .unwrap();
    assert!(
        v.warnings
            .iter()
            .any(|w| w.message.contains("does not have a version tag"))
    );
    assert!(check_image_reference("nginx:alpine").is_ok());
    assert!(check_image_reference("zapps/pydatasci:10396").is_ok());
    assert!(check_image_reference("gcr.io/tensorflow/tensorflow:1.3.0-py3").is_ok());
    assert!(check_image_reference("img@sha256:abc").is_ok());
    assert!(check_image_reference("localhost:5000/zapps/x:1").is_ok());
    assert!(check_image_reference("tensorflow/magenta").is_err());
    assert!(check_image_reference("docker-registry:5000/zapps/spark2-master").is_err());
    assert!(check_image_reference("a/b/c/d:1").is_err());
    assert!(check_image_reference("name:").is_err());
}

#[test]
fn cores_above_max_are_a_warning() {
    let limits = Limits {
        max_memory_bytes: 64 * GIB,
        max_cores: 0.25,
    };
    let v = validate_value(&base(), &limits).unwrap();
    assert!(
        v.warnings
            .iter()
            .any(|w| w.message.contains("more than max_cores")),
        "{:?}",
        v.warnings
    );
}

#[test]
fn every_error_is_reported_at_once() {
    let mut doc = base();
    doc["services"][0]["name"] = json!("x");
    doc["services"][1]["total_count"] = json!(0);
    doc["size"] = json!("big");
    assert!(errors(&doc).len() >= 3);
}

#[test]
fn unique_items_compare_json_values_not_text() {
    // item 9: Zoe's jsonschema compares values: key order does not matter
    // and 8080 == 8080.0, so each of these lists has a duplicate.
    let port = json!({"name": "web", "port_number": 8080, "protocol": "tcp", "url_template": "x"});
    let reordered =
        json!({"protocol": "tcp", "url_template": "x", "port_number": 8080, "name": "web"});
    let float =
        json!({"name": "web", "port_number": 8080.0, "protocol": "tcp", "url_template": "x"});
    let exponent: Value = serde_json::from_str(
        r#"{"name": "web", "port_number": 8.08e3, "protocol": "tcp", "url_template": "x"}"#,
    )
    .unwrap();
    for other in [reordered, float, exponent] {
        assert_error(
            &with("/services/0/ports", json!([port.clone(), other])),
            "services[0].ports[1]: duplicate item",
        );
    }
    let volume = json!({"name": "data", "path": "/srv/data", "read_only": true});
    let reordered = json!({"read_only": true, "path": "/srv/data", "name": "data"});
    assert_error(
        &with("/services/1/volumes", json!([volume, reordered])),
        "services[1].volumes[1]: duplicate item",
    );
    // whole service groups too (the `services` list is unique as well)
    let doc = base();
    let mut group = doc["services"][1].clone();
    let mut swapped = serde_json::Map::new();
    for (k, v) in group.as_object().unwrap().iter().rev() {
        swapped.insert(k.clone(), v.clone());
    }
    group = Value::Object(swapped);
    group["startup_order"] = json!(1.0);
    assert_error(&with("/services/0", group), "services[1]: duplicate item");
}

#[test]
fn unique_items_keep_bools_apart_from_numbers() {
    // Modern jsonschema (and the JSON-schema test suite) treats true and 1
    // as different items, also nested; these lists are unique. (This held
    // before the item 9 fix too; it guards the new comparison.)
    let a = json!({"name": "web", "port_number": 8080, "protocol": "tcp", "url_template": "x", "proxy": true});
    let b = json!({"name": "web", "port_number": 8080, "protocol": "tcp", "url_template": "x", "proxy": false});
    assert!(
        validate_value(
            &with("/services/0/ports", json!([a, b])),
            &Limits::default()
        )
        .is_ok()
    );
    let distinct = [
        json!(1),
        json!(true),
        json!(0),
        json!(false),
        json!("1"),
        json!([1]),
        json!([true]),
        json!({"a": 0}),
        json!({"a": false}),
        json!(null),
        json!(1.5),
    ];
    assert!(unique_items(&distinct).is_empty());
    assert_eq!(unique_items(&[json!(1), json!(1.0)]), [1]);
    assert_eq!(unique_items(&[json!(-0.0), json!(0)]), [1]);
    assert_eq!(
        unique_items(&[json!({"a": [1, {"b": 2.0}]}), json!({"a": [1.0, {"b": 2}]})]),
        [1]
    );
    assert_eq!(
        unique_items(&[json!(u64::MAX), json!(u64::MAX as f64)]),
        Vec::<usize>::new(),
        "2^64 - 1 != 2^64"
    );
    assert_eq!(
        unique_items(&[json!(1u64 << 63), json!((1u64 << 63) as f64)]),
        [1]
    );
}

#[test]
fn description_version_is_compared_numerically() {
    // item 10: Zoe checks `version != 3`, and 3.0 == 3 in Python.
    let d = validate_value(&with("/version", json!(3.0)), &Limits::default());
    assert_eq!(d.map(|v| v.description.version), Ok(3));
    let parsed: Value = serde_json::from_str(
        &base()
            .to_string()
            .replace("\"version\":3", "\"version\":3e0"),
    )
    .unwrap();
    assert!(validate_value(&parsed, &Limits::default()).is_ok());
    assert_error(&with("/version", json!(3.5)), "must be a whole number");
    assert_error(&with("/version", json!(true)), "must be a number");
}
