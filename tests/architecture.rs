//! Layers point down only. This test reads every file under `src/` and
//! fails, naming the file, the line and the edge, when a layer names a
//! module it may not use (`crate::<layer>` in a `use` line or a path).
//! Test code (files named `tests.rs` or `*_tests.rs`, and whatever follows
//! `#[cfg(test)]` in a file) may reach anywhere.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// Which layers each layer may use, besides itself.
const ALLOWED: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("shop", &["model"]),
    ("sched", &["model"]),
    ("config", &["model"]),
    ("backend", &["model", "config"]),
    ("state", &["model"]),
    ("auth", &["model", "config"]),
    (
        "console",
        &[
            "model", "config", "shop", "sched", "backend", "state", "auth",
        ],
    ),
    ("tui", &["model", "config", "console"]),
    ("cli", &["model", "config", "console", "tui"]),
];

/// Files outside the layers: the crate root and the binary.
const ROOTS: &[&str] = &["lib.rs", "main.rs"];

fn layer_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::<name>` in a line of code (comments skipped).
fn crate_paths(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.push(name);
        }
        rest = after;
    }
    found
}

/// The forbidden edges of the source tree at `src`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let Some(layer) = layer_of(src, &file) else {
            continue;
        };
        if ROOTS.contains(&format!("{layer}.rs").as_str()) {
            continue;
        }
        let Some((_, allowed)) = ALLOWED.iter().find(|(l, _)| *l == layer) else {
            found.push(format!(
                "{}: layer `{layer}` is not in the table of tests/architecture.rs: add it",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            for used in crate_paths(line) {
                let is_layer = ALLOWED.iter().any(|(l, _)| *l == used);
                if used == layer || !is_layer || allowed.contains(&used.as_str()) {
                    continue;
                }
                found.push(format!(
                    "{}:{}: `{layer}` uses `{used}` ({layer} -> {used} is not allowed; allowed: {})",
                    file.display(),
                    n + 1,
                    if allowed.is_empty() {
                        "nothing".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ));
            }
        }
    }
    found
}

#[test]
fn layers_only_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "forbidden edges between layers:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_catches_an_upward_edge() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("state")).unwrap();
    std::fs::create_dir_all(src.join("model")).unwrap();
    std::fs::write(
        src.join("state/mod.rs"),
        "use crate::model::X;\nuse crate::console::events::Event; // upward\n#[cfg(test)]\nuse crate::cli::Y;\n",
    )
    .unwrap();
    std::fs::write(src.join("model/mod.rs"), "fn f() { crate::tui::run(); }\n").unwrap();
    let found = violations(src);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].contains("model/mod.rs:1: `model` uses `tui`"),
        "{found:?}"
    );
    assert!(
        found[1].contains("state/mod.rs:2: `state` uses `console`"),
        "{found:?}"
    );
}

#[test]
fn no_engine_library_is_named_above_the_backend() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let named: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(src.join("backend")))
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            text.lines()
                .enumerate()
                .filter(|(_, l)| {
                    // bollard; kube-rs and k8s-openapi (the settings'
                    // `config::kube` is no engine library)
                    l.contains("bollard")
                        || l.contains("k8s_openapi")
                        || l.contains("backend::kube")
                        || l.contains("use kube")
                        || l.contains(" kube::")
                        || l.contains("(kube::")
                })
                .map(|(n, _)| format!("{}:{}", f.display(), n + 1))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        named.is_empty(),
        "an engine library (bollard, kube, k8s-openapi) named outside src/backend: {named:?}"
    );
}
