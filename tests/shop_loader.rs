//! The shop loader on real directories: one broken thing never hides the
//! others, every problem is located, nothing escapes a ZApp directory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use zoe_console::shop::{LookupError, Severity, Shop, load_shop, validate::Limits};

fn description(name: &str) -> Value {
    json!({
        "name": name, "version": 3, "will_end": true, "size": 1,
        "services": [{
            "name": "job", "image": "zoe-demo/busybox:1", "monitor": true, "startup_order": 0,
            "total_count": 1, "essential_count": 1, "ports": [], "volumes": [], "command": null,
            "resources": {"memory": {"min": 67108864, "max": null}, "cores": {"min": 0.1, "max": null}},
            "environment": [["STEPS", "3"]]
        }]
    })
}

fn entry(name: &str, file: &str) -> Value {
    json!({"category": "Tests", "name": name, "description": file, "readable_descr": "README.md", "parameters": []})
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A ZApp directory with a valid description `app.json`, README and logo.
fn zapp(root: &Path, dir: &str, manifest: Value) {
    let d = root.join(dir);
    write(
        &d.join("manifest.json"),
        &serde_json::to_string_pretty(&manifest).unwrap(),
    );
    write(
        &d.join("app.json"),
        &serde_json::to_string_pretty(&description("app")).unwrap(),
    );
    write(&d.join("README.md"), "# App\n");
    fs::write(d.join("logo.png"), b"\x89PNG\r\n\x1a\nrest").unwrap();
}

fn load(root: &Path) -> Shop {
    load_shop(root, &Limits::default())
}

fn problems_text(shop: &Shop) -> String {
    shop.problems.iter().map(|p| format!("{p}\n")).collect()
}

#[test]
fn a_good_shop_loads_with_no_problems() {
    let root = tempfile::tempdir().unwrap();
    zapp(
        root.path(),
        "alpha",
        json!({"version": 1, "zapps": [entry("Alpha", "app.json"), entry("Alpha two", "app.json")]}),
    );
    let shop = load(root.path());
    assert!(shop.problems.is_empty(), "{}", problems_text(&shop));
    let ids: Vec<&str> = shop.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["alpha-0", "alpha-1"]);
    let e = &shop.entries[0];
    assert_eq!(e.readme.as_deref(), Some("# App\n"));
    assert!(e.logo.is_some());
    assert_eq!(e.visibility.enabled_for, ["all"]);
}

#[test]
fn one_broken_directory_never_hides_the_others() {
    let root = tempfile::tempdir().unwrap();
    zapp(
        root.path(),
        "good",
        json!({"version": 1, "zapps": [entry("Good", "app.json")]}),
    );
    zapp(root.path(), "syntax", json!({}));
    write(
        &root.path().join("syntax/manifest.json"),
        "{\n  \"version\": 1,\n  \"zapps\": [\n    {\"name\": \"x\",}\n  ]\n}\n",
    );
    zapp(
        root.path(),
        "badversion",
        json!({"version": 2, "zapps": [entry("B", "app.json")]}),
    );
    zapp(
        root.path(),
        "baddesc",
        json!({"version": 1, "zapps": [entry("Bad description", "app.json"), entry("Other", "other.json")]}),
    );
    write(
        &root.path().join("baddesc/app.json"),
        "{\"name\": \"app\", \"version\": 3,\n \"will_end\": true, \"size\": 1, \"services\": [{\"name\": \"x\"}]}",
    );
    write(
        &root.path().join("baddesc/other.json"),
        &description("other").to_string(),
    );
    fs::create_dir_all(root.path().join("no-manifest")).unwrap();
    write(&root.path().join("stray-file.json"), "{}");

    let shop = load(root.path());
    let ids: Vec<&str> = shop.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["baddesc-1", "good-0"], "{}", problems_text(&shop));
    assert_eq!(shop.broken, ["baddesc-0"]);
    let text = problems_text(&shop);
    // JSON syntax errors carry line and column
    assert!(
        text.contains("syntax/manifest.json:4:18: error: invalid JSON: trailing comma"),
        "{text}"
    );
    assert!(
        text.contains("badversion/manifest.json:2:14: error: unsupported manifest version 2"),
        "{text}"
    );
    // description errors name the file, line, entry and service
    assert!(text.contains("baddesc/app.json:2:53: error: [baddesc-0] service `x`: services[0].name: must be at least 3 characters long"), "{text}");
    assert!(
        text.contains("[baddesc-0] service `x`: services[0]: missing required field `image`"),
        "{text}"
    );
    assert!(
        !text.contains("no-manifest") && !text.contains("stray-file"),
        "ignored: {text}"
    );
}

#[test]
fn a_broken_entry_hides_only_itself() {
    let root = tempfile::tempdir().unwrap();
    let mut broken = entry("Broken", "app.json");
    broken.as_object_mut().unwrap().remove("category");
    zapp(
        root.path(),
        "multi",
        json!({"version": 1, "zapps": [broken, entry("Fine", "app.json")]}),
    );
    let shop = load(root.path());
    assert_eq!(shop.entries.len(), 1);
    assert_eq!(
        shop.entries[0].id, "multi-1",
        "ids keep their manifest index"
    );
    assert_eq!(shop.broken, ["multi-0"]);
    assert!(problems_text(&shop).contains("[multi-0] missing required field `category`"));
    match shop.find("multi-0") {
        Err(
            err @ LookupError::NotFound {
                broken: Some(_), ..
            },
        ) => assert!(err.to_string().contains("zoe shop check")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_readme_and_logo_are_warnings() {
    let root = tempfile::tempdir().unwrap();
    zapp(
        root.path(),
        "bare",
        json!({"version": 1, "zapps": [entry("Bare", "app.json")]}),
    );
    fs::remove_file(root.path().join("bare/README.md")).unwrap();
    fs::write(root.path().join("bare/logo.png"), "GIF89a").unwrap();
    let shop = load(root.path());
    assert_eq!(shop.entries.len(), 1);
    assert_eq!(shop.errors(), 0);
    assert_eq!(shop.warnings(), 2, "{}", problems_text(&shop));
    let text = problems_text(&shop);
    assert!(text.contains("README.md: file not found"), "{text}");
    assert!(text.contains("is not a PNG file"), "{text}");
    assert!(shop.entries[0].readme.is_none() && shop.entries[0].logo.is_none());
}

#[test]
fn paths_that_escape_the_zapp_directory_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(
        &outside.path().join("secret.json"),
        &description("secret").to_string(),
    );
    zapp(
        root.path(),
        "escape",
        json!({"version": 1, "zapps": [
            entry("Dotdot", "../escape/app.json"),
            entry("Absolute", &outside.path().join("secret.json").display().to_string()),
            entry("Link", "link.json"),
            {"category": "T", "name": "Readme link", "description": "app.json", "readable_descr": "sub/../../x.md", "parameters": []},
            {"category": "T", "name": "Logo link", "description": "app.json", "readable_descr": "README.md", "logo": "logo-link.png", "parameters": []},
            entry("Inner link", "inner.json"),
        ]}),
    );
    std::os::unix::fs::symlink(
        outside.path().join("secret.json"),
        root.path().join("escape/link.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.json"),
        root.path().join("escape/logo-link.png"),
    )
    .unwrap();
    std::os::unix::fs::symlink("app.json", root.path().join("escape/inner.json")).unwrap();
    std::fs::write(outside.path().join("secret-list"), "private/image:1\n").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret-list"),
        root.path().join("escape/images"),
    )
    .unwrap();
    let shop = load(root.path());
    let text = problems_text(&shop);
    assert_eq!(
        shop.entries
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["escape-5"],
        "{text}"
    );
    assert_eq!(
        text.matches("no absolute paths, no `..`").count(),
        3,
        "{text}"
    );
    assert_eq!(
        text.matches("outside the ZApp directory").count(),
        3,
        "description, logo and images links: {text}"
    );
    assert!(
        shop.entries[0].images.is_empty(),
        "the images link was not followed"
    );
    assert!(
        !text.contains("secret\""),
        "nothing outside was read: {text}"
    );
}

#[test]
fn a_manifest_linked_from_outside_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(
        &outside.path().join("manifest.json"),
        &json!({"version": 1, "zapps": []}).to_string(),
    );
    fs::create_dir_all(root.path().join("linked")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("manifest.json"),
        root.path().join("linked/manifest.json"),
    )
    .unwrap();
    let shop = load(root.path());
    assert!(
        problems_text(&shop).contains("outside the ZApp directory"),
        "{}",
        problems_text(&shop)
    );
}

#[test]
fn parameters_are_read_with_both_int_spellings() {
    let root = tempfile::tempdir().unwrap();
    let mut e = entry("Params", "app.json");
    e["parameters"] = json!([
        {"kind": "environment", "name": "STEPS", "readable_name": "Steps", "description": "d", "type": "int", "default": 3, "min": 1, "max": 10, "step": 1},
        {"kind": "environment", "name": "STEPS2", "readable_name": "Steps", "description": "d", "type": "integer", "default": 3.0, "min": 1, "max": 10, "step": 1},
        {"kind": "environment", "name": "NAME", "readable_name": "Name", "description": "d", "type": "float", "default": "x"},
        {"kind": "volume", "name": "V", "readable_name": "V", "description": "d", "type": "string", "default": "x"},
        {"kind": "service_count", "name": "nosuch", "readable_name": "N", "description": "d", "type": "int", "default": 20, "min": 1, "max": 10, "step": 1}
    ]);
    zapp(root.path(), "params", json!({"version": 1, "zapps": [e]}));
    let shop = load(root.path());
    let text = problems_text(&shop);
    let entry = &shop.entries[0];
    assert_eq!(entry.parameters.len(), 4, "{text}");
    assert!(
        matches!(
            entry.parameters[1].value_type,
            zoe_console::shop::ParamType::Int { .. }
        ),
        "`integer` is an int"
    );
    // Zoe shows and submits str(3.0), "3.0" (item 13)
    assert_eq!(entry.parameters[1].default.as_deref(), Some("3.0"));
    assert!(
        text.contains("type `float`") && text.contains("treated as text"),
        "{text}"
    );
    assert!(
        text.contains("unknown parameter kind `volume` is ignored"),
        "{text}"
    );
    assert!(
        text.contains("default does not pass its own rules: 20 is outside 1–10"),
        "{text}"
    );
    assert!(text.contains("names no service group"), "{text}");
    assert!(
        text.contains("`STEPS2` names a variable no service group has"),
        "{text}"
    );
    assert!(
        shop.problems
            .iter()
            .all(|p| p.severity == Severity::Warning),
        "{text}"
    );
}

#[test]
fn odd_directory_names_and_huge_files() {
    let root = tempfile::tempdir().unwrap();
    zapp(
        root.path(),
        "Mixed_Case",
        json!({"version": 1, "zapps": [entry("Mixed", "app.json")]}),
    );
    zapp(
        root.path(),
        "huge",
        json!({"version": 1, "zapps": [entry("Huge", "app.json")]}),
    );
    fs::write(root.path().join("huge/app.json"), vec![b' '; 5 << 20]).unwrap();
    let shop = load(root.path());
    let text = problems_text(&shop);
    assert!(text.contains("directory name `Mixed_Case`"), "{text}");
    assert_eq!(
        shop.entry("Mixed_Case-0").map(|e| e.name.as_str()),
        Some("Mixed")
    );
    assert!(text.contains("larger than 4096 KiB"), "{text}");
}

#[test]
fn a_missing_shop_is_one_clear_error() {
    let shop = load(Path::new("/nonexistent/shop"));
    assert_eq!(shop.errors(), 1);
    assert!(problems_text(&shop).contains("--shop DIR"));
}

#[test]
fn lookup_by_id_name_or_unique_part() {
    let root = tempfile::tempdir().unwrap();
    zapp(
        root.path(),
        "spark",
        json!({"version": 1, "zapps": [entry("Spark notebook", "app.json"), entry("Spark batch", "app.json")]}),
    );
    zapp(
        root.path(),
        "web",
        json!({"version": 1, "zapps": [entry("Hello web", "app.json")]}),
    );
    let shop = load(root.path());
    assert_eq!(shop.find("spark-1").unwrap().name, "Spark batch");
    assert_eq!(shop.find("spark NOTEBOOK").unwrap().id, "spark-0");
    assert_eq!(shop.find("hello").unwrap().id, "web-0");
    match shop.find("spark") {
        Err(err @ LookupError::Ambiguous { .. }) => {
            let text = err.to_string();
            assert!(
                text.contains("spark-0  Spark notebook") && text.contains("spark-1  Spark batch"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        shop.find("nothing"),
        Err(LookupError::NotFound { broken: None, .. })
    ));
    let grouped = shop.by_category();
    assert_eq!(grouped.len(), 1);
    assert_eq!(
        grouped[0]
            .1
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["Hello web", "Spark batch", "Spark notebook"]
    );
}

fn int_param(name: &str, default: Value, min: Value, max: Value, step: Value) -> Value {
    json!({"kind": "environment", "name": name, "readable_name": name, "description": "d",
           "type": "int", "default": default, "min": min, "max": max, "step": step})
}

#[test]
fn int_bounds_near_the_64_bit_limits_load() {
    // item 8: the default's step check overflowed, and a debug build
    // panicked while loading the shop.
    let root = tempfile::tempdir().unwrap();
    let mut e = entry("Huge", "app.json");
    e["parameters"] = json!([
        int_param(
            "STEPS",
            json!(5),
            json!(i64::MIN),
            json!(i64::MAX),
            json!(3)
        ),
        int_param(
            "BIG",
            json!(1),
            json!(i64::MIN),
            json!(i64::MAX),
            json!(i64::MAX)
        ),
        int_param(
            "TOP",
            json!(i64::MAX - 1),
            json!(i64::MAX - 10),
            json!(i64::MAX),
            json!(4)
        ),
    ]);
    zapp(root.path(), "huge", json!({"version": 1, "zapps": [e]}));
    let shop = load(root.path());
    let text = problems_text(&shop);
    assert_eq!(shop.entries.len(), 1, "{text}");
    // the nearest values suggested lie within min..=max
    assert!(
        text.contains("9223372036854775806 is not on the step 4 from 9223372036854775797 (nearest: 9223372036854775805)"),
        "{text}"
    );
    assert!(
        text.contains("1 is not on the step 9223372036854775807 from -9223372036854775808 (nearest: -1 or 9223372036854775806)"),
        "{text}"
    );
    assert!(
        text.contains("default does not pass its own rules: 5 is not on the step 3"),
        "{text}"
    );
}

#[test]
fn manifest_version_is_compared_numerically() {
    // item 10: Zoe checks `version != 1`, and 1.0 == 1 in Python.
    let root = tempfile::tempdir().unwrap();
    zapp(
        root.path(),
        "float",
        json!({"version": 1.0, "zapps": [entry("Float", "app.json")]}),
    );
    let d = root.path().join("exponent");
    zapp(root.path(), "exponent", json!({}));
    write(
        &d.join("manifest.json"),
        &format!(
            "{{\"version\": 1e0, \"zapps\": [{}]}}",
            entry("Exponent", "app.json")
        ),
    );
    zapp(
        root.path(),
        "half",
        json!({"version": 1.5, "zapps": [entry("Half", "app.json")]}),
    );
    zapp(
        root.path(),
        "text",
        json!({"version": "1", "zapps": [entry("Text", "app.json")]}),
    );
    // Python also has True == 1; we refuse it: a version is a number
    zapp(
        root.path(),
        "yes",
        json!({"version": true, "zapps": [entry("Yes", "app.json")]}),
    );
    let shop = load(root.path());
    let text = problems_text(&shop);
    let ids: Vec<&str> = shop.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["exponent-0", "float-0"], "{text}");
    assert!(text.contains("unsupported manifest version 1.5"), "{text}");
    assert!(text.contains("unsupported manifest version true"), "{text}");
    assert!(
        text.contains("unsupported manifest version \"1\""),
        "{text}"
    );
}

#[test]
fn a_parameter_declared_twice_loads_and_the_last_value_applies() {
    // item 11: Zoe's form has two inputs with one field name; the last one's
    // value is submitted and applied for both declarations.
    use zoe_console::shop::params::{ParamValue, apply_parameters, resolve_values};
    let root = tempfile::tempdir().unwrap();
    let mut e = entry("Twice", "app.json");
    e["parameters"] = json!([
        {"kind": "environment", "name": "STEPS", "readable_name": "First", "description": "d", "type": "string", "default": "1"},
        {"kind": "command", "name": "job", "readable_name": "Cmd", "description": "d", "type": "string", "default": "run"},
        int_param("STEPS", json!(7), json!(1), json!(10), json!(1)),
    ]);
    zapp(root.path(), "twice", json!({"version": 1, "zapps": [e]}));
    let shop = load(root.path());
    let text = problems_text(&shop);
    assert!(shop.broken.is_empty(), "{text}");
    assert_eq!(shop.errors(), 0, "{text}");
    assert!(text.contains("declared twice"), "{text}");
    let entry = shop.entry("twice-0").unwrap();
    let steps: Vec<_> = entry
        .parameters
        .iter()
        .filter(|p| p.name == "STEPS")
        .collect();
    assert!(!steps.is_empty());
    // the defaults: the last declaration's value
    let values = resolve_values(&entry.parameters, &[]).unwrap();
    let mut d = entry.description.clone();
    apply_parameters(&mut d, &values);
    assert_eq!(d.services[0].environment[0].1, "7");
    // a value given by name is not ambiguous, and is checked by the last
    // declaration's rules
    let given = vec![("STEPS".to_string(), "9".to_string())];
    let values = resolve_values(&entry.parameters, &given).unwrap();
    assert!(
        values
            .iter()
            .filter(|(p, _)| p.name == "STEPS")
            .all(|(_, v)| *v == ParamValue::Int(9)),
        "{values:?}"
    );
    let mut d = entry.description.clone();
    apply_parameters(&mut d, &values);
    assert_eq!(d.services[0].environment[0].1, "9");
    let given = vec![("STEPS-environment".to_string(), "11".to_string())];
    assert!(resolve_values(&entry.parameters, &given).is_err());
}

#[test]
fn an_empty_category_or_blank_name_still_loads() {
    // item 12: Zoe groups entries by the exact category string, "" included.
    let root = tempfile::tempdir().unwrap();
    let mut empty = entry("No category", "app.json");
    empty["category"] = json!("");
    let mut blank = entry("  ", "app.json");
    blank["category"] = json!(" ");
    zapp(
        root.path(),
        "odd",
        json!({"version": 1, "zapps": [empty, blank, entry("Normal", "app.json")]}),
    );
    let shop = load(root.path());
    let text = problems_text(&shop);
    assert!(shop.broken.is_empty(), "{text}");
    assert_eq!(shop.errors(), 0, "{text}");
    let ids: Vec<&str> = shop.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["odd-0", "odd-1", "odd-2"], "{text}");
    assert_eq!(shop.entry("odd-0").unwrap().category, "");
    assert_eq!(shop.entry("odd-1").unwrap().name, "  ");
    let grouped: Vec<(&str, usize)> = shop
        .by_category()
        .into_iter()
        .map(|(c, e)| (c, e.len()))
        .collect();
    assert_eq!(grouped, [("", 1), (" ", 1), ("Tests", 1)]);
    // a category that is not a string is still an error
    let mut bad = entry("Bad", "app.json");
    bad["category"] = json!(3);
    zapp(root.path(), "bad", json!({"version": 1, "zapps": [bad]}));
    let shop = load(root.path());
    assert_eq!(shop.broken, ["bad-0"], "{}", problems_text(&shop));
}

#[test]
fn an_int_default_keeps_its_text() {
    // item 13: Zoe puts str(default) in its form, so 4.0 reaches the
    // container as "4.0"; a value typed by the user is checked as before.
    use zoe_console::shop::params::{apply_parameters, resolve_values};
    let root = tempfile::tempdir().unwrap();
    let mut e = entry("Text", "app.json");
    e["parameters"] = json!([int_param(
        "STEPS",
        json!(4.0),
        json!(1),
        json!(10),
        json!(1)
    )]);
    zapp(root.path(), "text", json!({"version": 1, "zapps": [e]}));
    let shop = load(root.path());
    let text = problems_text(&shop);
    assert_eq!(shop.problems.len(), 0, "{text}");
    let entry = shop.entry("text-0").unwrap();
    assert_eq!(entry.parameters[0].default.as_deref(), Some("4.0"));
    let apply = |given: &[(&str, &str)]| {
        let given: Vec<(String, String)> = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let values = resolve_values(&entry.parameters, &given).map_err(|e| e[0].to_string())?;
        let mut d = entry.description.clone();
        apply_parameters(&mut d, &values);
        Ok::<String, String>(d.services[0].environment[0].1.clone())
    };
    assert_eq!(apply(&[]).as_deref(), Ok("4.0"));
    // the pre-filled text submitted unchanged (a form, a relaunch) is the default
    assert_eq!(apply(&[("STEPS", "4.0")]).as_deref(), Ok("4.0"));
    assert_eq!(apply(&[("STEPS", " 5 ")]).as_deref(), Ok("5"));
    assert!(
        apply(&[("STEPS", "5.0")])
            .unwrap_err()
            .contains("not a whole number")
    );
}
