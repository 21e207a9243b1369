use serde_json::json;

use super::*;
use crate::shop::validate::{Limits, validate_value};

fn desc() -> Description {
    let doc = json!({
        "name": "demo", "version": 3, "will_end": false, "size": 1,
        "services": [
            {"name": "master", "image": "i:1", "monitor": true, "startup_order": 0, "total_count": 1,
             "essential_count": 1, "ports": [], "volumes": [], "command": null,
             "resources": {"memory": {"min": 1073741824, "max": null}, "cores": {"min": 1, "max": null}},
             "environment": [["GREETING", "hi"], ["STEPS", "10"]]},
            {"name": "worker", "image": "i:1", "monitor": false, "startup_order": 1, "total_count": 4,
             "essential_count": 1, "ports": [], "volumes": [], "command": "old", "labels": ["ssd"],
             "resources": {"memory": {"min": null, "max": null}, "cores": {"min": null, "max": null}},
             "environment": [["GREETING", "hello"]]}
        ]
    });
    validate_value(&doc, &Limits::default())
        .unwrap()
        .description
}

fn param(kind: ParamKind, name: &str, value_type: ParamType, default: Option<&str>) -> Parameter {
    Parameter {
        kind,
        name: name.into(),
        readable_name: format!("{name} label"),
        description: String::new(),
        value_type,
        default: default.map(str::to_string),
    }
}

fn int(min: i64, max: i64, step: i64) -> ParamType {
    ParamType::Int { min, max, step }
}

fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn environment_replaces_existing_variables_in_every_group_only() {
    let params = vec![
        param(
            ParamKind::Environment,
            "GREETING",
            ParamType::String,
            Some("x"),
        ),
        param(
            ParamKind::Environment,
            "MISSING",
            ParamType::String,
            Some("y"),
        ),
    ];
    let mut d = desc();
    let values = resolve_values(&params, &given(&[("GREETING", "bonjour")])).unwrap();
    apply_parameters(&mut d, &values);
    assert_eq!(
        d.services[0].environment[0],
        ("GREETING".into(), "bonjour".into())
    );
    assert_eq!(
        d.services[1].environment[0],
        ("GREETING".into(), "bonjour".into())
    );
    assert!(
        d.services
            .iter()
            .all(|g| g.environment.iter().all(|(n, _)| n != "MISSING")),
        "not added"
    );
    assert_eq!(unused_parameters(&d, &params).len(), 1);
}

#[test]
fn int_environment_values_stay_strings() {
    let params = vec![param(
        ParamKind::Environment,
        "STEPS",
        int(1, 100, 1),
        Some("10"),
    )];
    let mut d = desc();
    apply_parameters(
        &mut d,
        &resolve_values(&params, &given(&[("STEPS", " 42 ")])).unwrap(),
    );
    assert_eq!(d.services[0].environment[1].1, "42");
}

#[test]
fn command_replaces_the_named_group() {
    let params = vec![param(
        ParamKind::Command,
        "worker",
        ParamType::String,
        Some("default cmd"),
    )];
    let mut d = desc();
    apply_parameters(&mut d, &resolve_values(&params, &[]).unwrap());
    assert_eq!(d.services[1].command.as_deref(), Some("default cmd"));
    assert_eq!(d.services[0].command, None);
    let err = resolve_values(&params, &given(&[("worker", "  ")])).unwrap_err();
    assert!(err[0].message.contains("cannot be empty"));
}

#[test]
fn service_count_sets_total_and_essential() {
    let params = vec![param(
        ParamKind::ServiceCount,
        "worker",
        int(1, 16, 1),
        Some("4"),
    )];
    let mut d = desc();
    apply_parameters(
        &mut d,
        &resolve_values(&params, &given(&[("worker", "3")])).unwrap(),
    );
    assert_eq!(
        (d.services[1].total_count, d.services[1].essential_count),
        (3, 3)
    );
    assert_eq!(d.services[1].elastic_count(), 0);
    // a service_count declared as text is still a number (Zoe calls int())
    let text_param = vec![param(
        ParamKind::ServiceCount,
        "worker",
        ParamType::String,
        Some("2"),
    )];
    let mut d = desc();
    apply_parameters(&mut d, &resolve_values(&text_param, &[]).unwrap());
    assert_eq!(d.services[1].total_count, 2);
    assert!(resolve_values(&text_param, &given(&[("worker", "two")])).is_err());
    assert!(resolve_values(&text_param, &given(&[("worker", "0")])).is_err());
}

#[test]
fn int_bounds_and_step() {
    let p = param(
        ParamKind::Environment,
        "RAM",
        int(512, 4096, 512),
        Some("1024"),
    );
    assert_eq!(parse_value(&p, "512"), Ok(ParamValue::Int(512)));
    assert_eq!(parse_value(&p, "4096"), Ok(ParamValue::Int(4096)));
    assert!(
        parse_value(&p, "0")
            .unwrap_err()
            .contains("outside 512..=4096")
    );
    assert!(parse_value(&p, "4608").unwrap_err().contains("outside"));
    let step = parse_value(&p, "1000").unwrap_err();
    assert!(step.contains("nearest: 512 or 1024"), "{step}");
    assert!(
        parse_value(&p, "1e3")
            .unwrap_err()
            .contains("not a whole number")
    );
    assert!(parse_value(&p, "").is_err());
    assert!(parse_value(&p, "99999999999999999999").is_err());
}

#[test]
fn required_values_and_unknown_names_are_errors_naming_the_parameter() {
    let params = vec![
        param(
            ParamKind::Environment,
            "PROJECT_KEY",
            ParamType::String,
            None,
        ),
        param(ParamKind::Environment, "STEPS", int(1, 10, 1), Some("3")),
    ];
    let errs = resolve_values(&params, &given(&[("NOPE", "1"), ("STEPS", "11")])).unwrap_err();
    let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|e| e
            .starts_with("parameter NOPE: unknown parameter `NOPE`; known: PROJECT_KEY, STEPS")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|e| e.contains("PROJECT_KEY-environment") && e.contains("has no default")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|e| e.contains("STEPS-environment") && e.contains("outside 1..=10")),
        "{text:?}"
    );
    // an empty string is a value, not a missing one
    assert!(resolve_values(&params, &given(&[("PROJECT_KEY", "")])).is_ok());
}

#[test]
fn repeated_names_need_the_form_field_name() {
    let params = vec![
        param(ParamKind::Command, "worker", ParamType::String, Some("c")),
        param(ParamKind::ServiceCount, "worker", int(1, 4, 1), Some("2")),
    ];
    assert!(
        find_parameter(&params, "worker")
            .unwrap_err()
            .contains("ambiguous")
    );
    assert_eq!(
        find_parameter(&params, "worker-service_count")
            .unwrap()
            .kind,
        ParamKind::ServiceCount
    );
    assert_eq!(
        find_parameter(&params, "worker-command").unwrap().kind,
        ParamKind::Command
    );
}

#[test]
fn a_later_value_wins() {
    let params = vec![param(
        ParamKind::Environment,
        "STEPS",
        int(1, 10, 1),
        Some("3"),
    )];
    let values = resolve_values(&params, &given(&[("STEPS", "4"), ("STEPS", "5")])).unwrap();
    assert_eq!(values[0].1, ParamValue::Int(5));
}

const LIMITS: OverrideLimits = OverrideLimits {
    max_memory_gib: 64.0,
    max_cores: 16.0,
};

#[test]
fn memory_override_is_floor_of_gib_and_clamped() {
    let mut d = desc();
    let notes = apply_overrides(&mut d, &[("worker".into(), 1.3)], &[], LIMITS).unwrap();
    assert!(notes.is_empty());
    assert_eq!(
        d.services[1].resources.memory.min,
        Some((1.3 * GIB as f64).floor() as u64)
    );
    let notes = apply_overrides(&mut d, &[("master".into(), 100.0)], &[], LIMITS).unwrap();
    assert_eq!(d.services[0].resources.memory.min, Some(64 * GIB));
    assert!(notes[0].contains("clamped"));
    // exactly the maximum: no note
    assert!(
        apply_overrides(&mut d, &[("master".into(), 64.0)], &[], LIMITS)
            .unwrap()
            .is_empty()
    );
    // only min changes
    assert_eq!(d.services[0].resources.memory.max, Some(64 * GIB));
}

#[test]
fn cores_override_is_clamped() {
    let mut d = desc();
    apply_overrides(
        &mut d,
        &[],
        &[("worker".into(), 0.25), ("master".into(), 40.0)],
        LIMITS,
    )
    .unwrap();
    assert_eq!(d.services[1].resources.cores.min, Some(0.25));
    assert_eq!(d.services[0].resources.cores.min, Some(16.0));
}

#[test]
fn every_group_given_is_overridden() {
    // 2017.12 stopped after the first group; we do not.
    let mut d = desc();
    apply_overrides(
        &mut d,
        &[("master".into(), 2.0), ("worker".into(), 3.0)],
        &[("master".into(), 2.0), ("worker".into(), 3.0)],
        LIMITS,
    )
    .unwrap();
    assert_eq!(d.services[0].memory_min(), 2 * GIB);
    assert_eq!(d.services[1].memory_min(), 3 * GIB);
    assert_eq!(d.services[1].cores_min(), 3.0);
}

#[test]
fn bad_overrides_name_the_group() {
    let mut d = desc();
    let errs = apply_overrides(
        &mut d,
        &[("nope".into(), 1.0), ("master".into(), 0.0)],
        &[("worker".into(), f64::NAN)],
        LIMITS,
    )
    .unwrap_err();
    let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert!(
        text[0].starts_with("--memory nope: no service group `nope`; groups: master, worker"),
        "{text:?}"
    );
    assert!(text[1].contains("positive"), "{text:?}");
    assert!(text[2].starts_with("--cores worker"), "{text:?}");
    let errs = apply_overrides(&mut d, &[("master".into(), 1e-12)], &[], LIMITS).unwrap_err();
    assert!(errs[0].message.contains("below the 1 KiB minimum"));
}

#[test]
fn manifest_labels_are_merged_not_nested() {
    let mut d = desc();
    apply_manifest_labels(&mut d, &["labs".into(), "ssd".into()]);
    assert_eq!(d.services[0].labels(), ["labs", "ssd"]);
    assert_eq!(d.services[1].labels(), ["ssd", "labs"]);
}
