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
            .contains("outside 512–4096")
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
            .any(|e| e.contains("STEPS-environment") && e.contains("outside 1–10")),
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
    assert!(
        errs[0]
            .message
            .contains("below the 6 MiB a container may have")
    );
}

#[test]
fn values_docker_refuses_are_refused_and_its_minimum_is_accepted() {
    // Docker's 6 MiB minimum: exactly 6 MiB passes, a byte less does not
    let six = 6.0 / 1024.0;
    let mut d = desc();
    assert!(apply_overrides(&mut d, &[("master".into(), six)], &[], LIMITS).is_ok());
    assert_eq!(d.services[0].resources.memory.min, Some(MIN_MEMORY_BYTES));
    let errs = apply_overrides(&mut d, &[("master".into(), 0.005)], &[], LIMITS).unwrap_err();
    assert!(
        errs[0]
            .to_string()
            .starts_with("--memory master: 0.005 GiB (5.12 MiB) is below the 6 MiB"),
        "{}",
        errs[0]
    );
    assert!(
        errs[0].message.contains("at least 0.006 GiB"),
        "{}",
        errs[0]
    );
    // a hint that is itself accepted
    assert!(apply_overrides(&mut d, &[("master".into(), 0.006)], &[], LIMITS).is_ok());
    // cores: 1 % of a core at least; zero and negative are no cores
    assert!(apply_overrides(&mut d, &[], &[("worker".into(), MIN_CORES)], LIMITS).is_ok());
    for bad in [0.005, 0.0, -1.0] {
        let errs = apply_overrides(&mut d, &[], &[("worker".into(), bad)], LIMITS).unwrap_err();
        assert!(errs[0].to_string().starts_with("--cores worker: "), "{bad}");
    }
}

#[test]
fn ranges_read_with_a_dash() {
    assert_eq!(range_text(1, 8), "1–8");
    assert_eq!(check_int(9, 1, 8, 1).unwrap_err(), "9 is outside 1–8");
}

#[test]
fn manifest_labels_are_merged_not_nested() {
    let mut d = desc();
    apply_manifest_labels(&mut d, &["labs".into(), "ssd".into()]);
    assert_eq!(d.services[0].labels(), ["labs", "ssd"]);
    assert_eq!(d.services[1].labels(), ["ssd", "labs"]);
}

/// Every "nearest" value a step error suggests, parsed back from the message.
fn suggested(message: &str) -> Vec<i64> {
    let Some(at) = message.find("nearest: ") else {
        return Vec::new();
    };
    message[at + "nearest: ".len()..]
        .trim_end_matches(')')
        .split(" or ")
        .map(|n| n.parse().unwrap())
        .collect()
}

#[test]
fn int_steps_near_the_64_bit_limits_do_not_overflow() {
    // item 8: (n - min) and below + step overflowed i64
    let cases = [
        (
            i64::MIN,
            i64::MAX,
            3,
            vec!["0", "1", "-1", "9223372036854775807"],
        ),
        (
            i64::MIN,
            i64::MAX,
            i64::MAX,
            vec!["1", "-2", "9223372036854775806"],
        ),
        (i64::MIN + 1, i64::MAX, 2, vec!["9223372036854775806", "0"]),
        (
            i64::MAX - 10,
            i64::MAX,
            4,
            vec!["9223372036854775806", "9223372036854775805"],
        ),
        (i64::MIN, i64::MIN + 10, 4, vec!["-9223372036854775805"]),
        (-5, i64::MAX, i64::MAX, vec!["0", "9223372036854775801"]),
    ];
    for (min, max, step, values) in cases {
        let p = param(ParamKind::Environment, "N", int(min, max, step), None);
        for text in values {
            let n: i64 = text.parse().unwrap();
            let on_step = (i128::from(n) - i128::from(min)) % i128::from(step) == 0;
            match parse_value(&p, text) {
                Ok(ParamValue::Int(got)) => {
                    assert!(on_step && got == n, "{min} {max} {step}: {text}")
                }
                Ok(other) => panic!("{other:?}"),
                Err(why) => {
                    assert!(!on_step, "{min} {max} {step}: {text}: {why}");
                    for s in suggested(&why) {
                        assert!(
                            (min..=max).contains(&s),
                            "{min}..={max} step {step}: {text}: {why}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn suggested_nearest_values_stay_within_bounds() {
    // item 8: "nearest" used to include below + step even past max
    let p = param(ParamKind::Environment, "N", int(0, 10, 4), None);
    let why = parse_value(&p, "9").unwrap_err();
    assert_eq!(suggested(&why), [8], "{why}");
    let why = parse_value(&p, "5").unwrap_err();
    assert_eq!(suggested(&why), [4, 8], "{why}");
    // a range narrower than the step has only min
    let p = param(ParamKind::Environment, "N", int(3, 5, 10), None);
    let why = parse_value(&p, "4").unwrap_err();
    assert_eq!(suggested(&why), [3], "{why}");
    // exhaustive on small ranges: every suggestion is in range and on the step
    for min in -7i64..=3 {
        for max in min..=min + 12 {
            for step in 1i64..=6 {
                let p = param(ParamKind::Environment, "N", int(min, max, step), None);
                for n in min..=max {
                    if let Err(why) = parse_value(&p, &n.to_string()) {
                        let s = suggested(&why);
                        assert!(!s.is_empty(), "{why}");
                        for v in s {
                            assert!(
                                (min..=max).contains(&v) && (v - min) % step == 0,
                                "{min}..={max} step {step}: {n}: {why}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn stepping_stays_on_the_grid_within_bounds() {
    // item 8, for the terminal form's +/-: no overflow at the 64-bit limits,
    // never past min..=max, and an off-grid value moves onto the grid
    // i64::MAX - i64::MIN = 2^64 - 1 is a multiple of 3: MAX is on the grid
    assert_eq!(
        step_int(i64::MAX - 1, i64::MIN, i64::MAX, 3, true),
        i64::MAX
    );
    assert_eq!(step_int(i64::MAX, i64::MIN, i64::MAX, 3, true), i64::MAX);
    assert_eq!(
        step_int(i64::MIN, i64::MIN, i64::MAX, i64::MAX, false),
        i64::MIN
    );
    assert_eq!(step_int(i64::MIN, i64::MIN, i64::MAX, i64::MAX, true), -1);
    assert_eq!(
        step_int(-1, i64::MIN, i64::MAX, i64::MAX, true),
        i64::MAX - 1
    );
    assert_eq!(step_int(8, 0, 10, 4, true), 8, "12 is past max");
    assert_eq!(step_int(5, 0, 10, 4, true), 8);
    assert_eq!(step_int(5, 0, 10, 4, false), 4);
    assert_eq!(step_int(0, 0, 10, 4, false), 0);
    assert_eq!(
        step_int(99, 0, 10, 4, false),
        8,
        "clamped to 10, then down onto the grid"
    );
    for min in -7i64..=3 {
        for max in min..=min + 12 {
            for step in 1i64..=6 {
                for current in min - 2..=max + 2 {
                    for up in [true, false] {
                        let next = step_int(current, min, max, step, up);
                        assert!(
                            (min..=max).contains(&next) && (next - min) % step == 0,
                            "{current} in {min}..={max} step {step}, up {up}: {next}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn whole_numbers_in_any_json_spelling() {
    assert_eq!(whole_number("4"), Some(4));
    assert_eq!(whole_number(" 4.0 "), Some(4));
    assert_eq!(whole_number("4e0"), Some(4));
    assert_eq!(whole_number("1e+16"), Some(10_000_000_000_000_000));
    assert_eq!(whole_number("-0.0"), Some(0));
    assert_eq!(whole_number("9223372036854775807"), Some(i64::MAX));
    assert_eq!(whole_number("9.3e18"), None, "past i64");
    assert_eq!(whole_number("-9.223372036854775808e18"), Some(i64::MIN));
    for bad in ["4.5", "", "inf", "NaN", "e", "1e400", "0x10", "four"] {
        assert_eq!(whole_number(bad), None, "{bad}");
    }
}

#[test]
fn a_default_keeps_its_text_and_a_typed_value_is_checked_as_before() {
    // item 13 at the level of values: Zoe submits the pre-filled str() of
    // the default unchanged
    let p = param(ParamKind::Environment, "STEPS", int(1, 10, 1), Some("4.0"));
    assert_eq!(parse_default(&p, "4.0"), Ok(ParamValue::Text("4.0".into())));
    assert_eq!(parse_default(&p, "4"), Ok(ParamValue::Int(4)));
    assert!(
        parse_default(&p, "40.0")
            .unwrap_err()
            .contains("outside 1–10")
    );
    assert!(
        parse_default(&p, "4.5")
            .unwrap_err()
            .contains("not a whole number")
    );
    assert!(
        parse_value(&p, "4.0")
            .unwrap_err()
            .contains("not a whole number")
    );
    let values = resolve_values(std::slice::from_ref(&p), &[]).unwrap();
    assert_eq!(values[0].1.as_text(), "4.0");
    let values = resolve_values(std::slice::from_ref(&p), &given(&[("STEPS", "4.0")])).unwrap();
    assert_eq!(values[0].1.as_text(), "4.0", "the untouched form field");
    let values = resolve_values(std::slice::from_ref(&p), &given(&[("STEPS", "6")])).unwrap();
    assert_eq!(values[0].1, ParamValue::Int(6));
    assert!(resolve_values(std::slice::from_ref(&p), &given(&[("STEPS", "6.0")])).is_err());
    // a command keeps the text too; a service count is the number
    let cmd = param(ParamKind::Command, "worker", int(1, 10, 1), Some("2.0"));
    let mut d = desc();
    apply_parameters(&mut d, &resolve_values(&[cmd], &[]).unwrap());
    assert_eq!(d.services[1].command.as_deref(), Some("2.0"));
    let count = param(
        ParamKind::ServiceCount,
        "worker",
        int(1, 10, 1),
        Some("2.0"),
    );
    let mut d = desc();
    apply_parameters(&mut d, &resolve_values(&[count], &[]).unwrap());
    assert_eq!(d.services[1].total_count, 2);
}
