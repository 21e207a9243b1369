use serde_json::{Value, json};

use super::*;

fn manifest(parameters: Value) -> ParsedManifest {
    parse_manifest(&json!({"version": 1, "zapps": [{
        "category": "c", "name": "n", "description": "d.json", "readable_descr": "r.md",
        "parameters": parameters,
    }]}))
}

fn string_param(default: Value) -> Value {
    json!({"kind": "environment", "name": "X", "readable_name": "X", "description": "d",
           "type": "string", "default": default})
}

fn default_text(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).unwrap();
    let parsed = manifest(json!([string_param(value)]));
    assert!(
        parsed.issues.iter().all(|i| !i.error),
        "{:?}",
        parsed.issues
    );
    parsed.entries[0].parameters[0].default.clone()
}

#[test]
fn defaults_are_the_text_python_str_gives() {
    // item 13: Zoe's form shows str(default); JSON floats stay floats.
    for (json_text, python) in [
        ("4", "4"),
        ("4.0", "4.0"),
        ("-0.0", "-0.0"),
        ("4e0", "4.0"),
        ("1E2", "100.0"),
        ("2147483648", "2147483648"),
        ("-12", "-12"),
        ("18446744073709551615", "18446744073709551615"),
        ("0.1", "0.1"),
        ("0.0001", "0.0001"),
        ("0.00001", "1e-05"),
        ("1.5e-7", "1.5e-07"),
        ("1234567890123456.0", "1234567890123456.0"),
        ("1e16", "1e+16"),
        ("12345678901234567.0", "1.2345678901234568e+16"),
        ("1.5e300", "1.5e+300"),
        ("true", "True"),
        ("false", "False"),
        ("\"4.0\"", "4.0"),
        ("\" x \"", " x "),
    ] {
        assert_eq!(
            default_text(json_text).as_deref(),
            Some(python),
            "{json_text}"
        );
    }
    assert_eq!(default_text("null"), None);
}

#[test]
fn int_bounds_may_use_all_64_bits() {
    // item 8: bounds near the limits load (as integers or whole floats);
    // past 64 bits they are refused with the range in the message
    let param = |min: Value, max: Value| {
        json!([{"kind": "environment", "name": "X", "readable_name": "X", "description": "d",
                "type": "int", "default": 0, "min": min, "max": max, "step": 1}])
    };
    let parsed = manifest(param(json!(i64::MIN), json!(i64::MAX)));
    assert_eq!(
        parsed.entries[0].parameters[0].value_type,
        ParamType::Int {
            min: i64::MIN,
            max: i64::MAX,
            step: 1
        }
    );
    let parsed = manifest(param(json!(-9.2e18), json!(9.2e18)));
    assert_eq!(
        parsed.entries[0].parameters[0].value_type,
        ParamType::Int {
            min: -9_200_000_000_000_000_000,
            max: 9_200_000_000_000_000_000,
            step: 1
        }
    );
    let parsed = manifest(param(json!(0), json!(u64::MAX)));
    assert!(parsed.entries.is_empty());
    assert!(
        parsed.issues[0].message.contains(
            "needs a whole-number `max` between -9223372036854775808 and 9223372036854775807"
        ),
        "{:?}",
        parsed.issues
    );
}
