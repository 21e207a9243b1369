//! Fuzz-style robustness: truncated, mutated and hostile manifests,
//! descriptions and settings. Nothing may panic; every failure must be an
//! error value. Deterministic (seeded) so a failure can be replayed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use zoe_console::config::Settings;
use zoe_console::shop::json_path::{JsonPath, locate};
use zoe_console::shop::{
    load_shop,
    validate::{Limits, validate_value},
};

/// xorshift64*: tiny and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("shop");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/contrib");
    for root in [sample, corpus] {
        let Ok(dirs) = fs::read_dir(&root) else {
            continue;
        };
        for dir in dirs.flatten() {
            for file in fs::read_dir(dir.path()).into_iter().flatten().flatten() {
                let path = file.path();
                if path.extension().is_some_and(|e| e == "json") {
                    out.push((
                        path.file_name().unwrap().to_string_lossy().into_owned(),
                        fs::read_to_string(&path).unwrap(),
                    ));
                }
            }
        }
    }
    assert!(!out.is_empty(), "no seed files found");
    out
}

const TOKENS: &[&str] = &[
    "null",
    "true",
    "-1",
    "0",
    "1e309",
    "18446744073709551616",
    "-0.0",
    "\"\"",
    "[]",
    "{}",
    "\"\\u0000\"",
    "\"{dns_name#x}\"",
    "\"../../etc/passwd\"",
    "\"/etc/passwd\"",
    "\"é\"",
    "[[[[",
    "}}}}",
    ",",
    ":",
    "\"",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 => {
                bytes.truncate(at);
            }
            1 if at < bytes.len() => bytes[at] = (rng.next() & 0xff) as u8,
            2 if at < bytes.len() => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                bytes.splice(at..at, token.iter().copied());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Replaces a random value in the JSON tree by a hostile one.
fn mutate_tree(value: &mut Value, rng: &mut Rng, depth: usize) {
    let hostile = [
        Value::Null,
        json!(-1),
        json!(1e300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(i64::MAX),
        json!(4.0),
        json!(0.5),
        json!(""),
        json!("x".repeat(5000)),
        json!([]),
        json!({}),
        json!([["A"]]),
        json!({"min": null}),
        json!("{unknown}"),
        json!("}"),
    ];
    let pick = |rng: &mut Rng| hostile[rng.below(hostile.len())].clone();
    match value {
        Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[rng.below(keys.len())];
            match rng.below(4) {
                0 => {
                    map.remove(key);
                }
                1 if depth < 6 => mutate_tree(map.get_mut(key).unwrap(), rng, depth + 1),
                2 => {
                    map.insert(format!("{key}_extra"), pick(rng));
                }
                _ => {
                    map.insert(key.clone(), pick(rng));
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = rng.below(items.len());
            match rng.below(3) {
                0 => {
                    items.remove(i);
                }
                1 if depth < 6 => mutate_tree(&mut items[i], rng, depth + 1),
                _ => {
                    let copy = items[i].clone();
                    items.push(copy);
                }
            }
        }
        other => *other = pick(rng),
    }
}

fn check_description(text: &str) {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        let _ = validate_value(&value, &Limits::default());
        let _ = validate_value(
            &value,
            &Limits {
                max_memory_bytes: 0,
                max_cores: 0.0,
            },
        );
        let _ = locate(
            text,
            &JsonPath::root().key("services").index(3).key("resources"),
        );
    }
}

#[test]
fn every_truncation_of_every_seed_is_handled() {
    for (_, text) in seeds() {
        let bytes = text.as_bytes();
        let step = (bytes.len() / 300).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            check_description(&String::from_utf8_lossy(&bytes[..cut]));
        }
    }
}

#[test]
fn random_byte_and_token_mutations_are_handled() {
    let mut rng = Rng(0x5eed_2026);
    for (_, text) in seeds() {
        for _ in 0..300 {
            check_description(&mutate(&text, &mut rng));
        }
    }
}

#[test]
fn structural_mutations_are_handled_and_reported_as_errors_or_warnings() {
    let mut rng = Rng(42);
    let mut rejected = 0;
    for (name, text) in seeds() {
        let Ok(original) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if name == "manifest.json" {
            continue;
        }
        for _ in 0..300 {
            let mut value = original.clone();
            mutate_tree(&mut value, &mut rng, 0);
            match validate_value(&value, &Limits::default()) {
                Ok(v) => {
                    // Whatever passed must serialise and validate again.
                    let back: Value =
                        serde_json::from_str(&v.description.to_json_pretty()).unwrap();
                    assert!(
                        validate_value(&back, &Limits::default()).is_ok(),
                        "{name}: {value}"
                    );
                }
                Err(errors) => {
                    assert!(!errors.is_empty());
                    assert!(errors.iter().all(|e| !e.message.is_empty()));
                    rejected += 1;
                }
            }
        }
    }
    assert!(
        rejected > 100,
        "mutations should mostly be rejected, got {rejected}"
    );
}

#[test]
fn hostile_documents() {
    let deep_array = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let wide = format!(
        "{{\"name\":\"abc\",\"version\":3,\"will_end\":true,\"size\":1,\"services\":[{}]}}",
        vec!["{}"; 200_000].join(",")
    );
    let many_env = json!({"name": "abc", "version": 3, "will_end": true, "size": 1, "services": [{
        "name": "svc", "image": "i:1", "monitor": true, "startup_order": 0, "total_count": 1, "essential_count": 1,
        "resources": {"memory": {"min": null, "max": null}, "cores": {"min": null, "max": null}},
        "ports": [], "volumes": [], "command": null,
        "environment": (0..100_000).map(|i| json!([format!("V{i}"), "x"])).collect::<Vec<_>>()
    }]})
    .to_string();
    for doc in [
        deep_array.as_str(),
        deep_object.as_str(),
        wide.as_str(),
        many_env.as_str(),
        "",
        "\u{feff}{}",
        "\0",
        "nul",
    ] {
        check_description(doc);
        let _ = locate(doc, &JsonPath::root().key("a").index(0));
    }
}

fn shop_with(manifest: &str, description: &str) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("z");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("manifest.json"), manifest).unwrap();
    fs::write(dir.join("app.json"), description).unwrap();
    let path = root.path().to_path_buf();
    (root, path)
}

#[test]
fn the_loader_survives_mutated_manifests_and_descriptions() {
    let manifest = json!({"version": 1, "zapps": [
        {"category": "C", "name": "N", "description": "app.json", "readable_descr": "README.md", "parameters": [
            {"kind": "environment", "name": "STEPS", "readable_name": "S", "description": "d", "type": "int", "default": 3, "min": 1, "max": 9, "step": 2}
        ]}
    ]})
    .to_string();
    let seeds = seeds();
    let description = &seeds.iter().find(|(n, _)| n != "manifest.json").unwrap().1;
    let mut rng = Rng(7);
    for round in 0..150 {
        let (m, d) = if round % 2 == 0 {
            (mutate(&manifest, &mut rng), description.clone())
        } else {
            (manifest.clone(), mutate(description, &mut rng))
        };
        let (_guard, root) = shop_with(&m, &d);
        let shop = load_shop(&root, &Limits::default());
        // Either it loaded, or it said why.
        assert!(
            !shop.entries.is_empty() || shop.errors() > 0,
            "silent failure for manifest {m}"
        );
        for p in &shop.problems {
            assert!(!p.message.is_empty());
        }
    }
}

#[test]
fn the_loader_survives_structural_mutations_of_manifests() {
    // bounds at the 64-bit limits, floats for integers, empty strings...
    let manifest = json!({"version": 1, "zapps": [
        {"category": "C", "name": "N", "description": "app.json", "readable_descr": "README.md", "parameters": [
            {"kind": "environment", "name": "STEPS", "readable_name": "S", "description": "d", "type": "int", "default": 3, "min": 1, "max": 9, "step": 2},
            {"kind": "service_count", "name": "job", "readable_name": "N", "description": "d", "type": "int", "default": 2, "min": 1, "max": 9, "step": 1}
        ]}
    ]});
    let seeds = seeds();
    let description = &seeds.iter().find(|(n, _)| n != "manifest.json").unwrap().1;
    let mut rng = Rng(13);
    for _ in 0..300 {
        let mut m = manifest.clone();
        for _ in 0..1 + rng.below(3) {
            // mostly inside a parameter, where the numbers are
            let pointer = match rng.below(3) {
                0 => String::new(),
                i => format!("/zapps/0/parameters/{}", i - 1),
            };
            let target = if m.pointer(&pointer).is_some() {
                m.pointer_mut(&pointer).unwrap()
            } else {
                &mut m
            };
            mutate_tree(target, &mut rng, 0);
        }
        let (_guard, root) = shop_with(&m.to_string(), description);
        let shop = load_shop(&root, &Limits::default());
        let declared = m["zapps"].as_array().map_or(1, Vec::len);
        assert!(
            declared == 0 || !shop.entries.is_empty() || shop.errors() > 0,
            "silent failure for manifest {m}"
        );
        for entry in &shop.entries {
            // every loaded default resolves or says why, without panicking
            let _ = zoe_console::shop::params::resolve_values(&entry.parameters, &[]);
        }
    }
}

#[test]
fn settings_survive_garbage() {
    let mut rng = Rng(99);
    let example = include_str!("../config/zoe.toml");
    for _ in 0..500 {
        let text = mutate(example, &mut rng);
        if let Err(err) = Settings::parse(&text, Path::new("zoe.toml")) {
            assert!(err.to_string().starts_with("zoe.toml"), "{err}");
        }
    }
}
