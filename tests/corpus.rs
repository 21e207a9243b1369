//! Every real Zoe shop file under `../shared/corpus/` must load. Skipped,
//! with a message, when that directory is not beside the repository.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::corpus::{corpus, is_description, json_files};
use zoe_console::shop::{
    Severity, load_shop,
    validate::{Limits, validate_value},
};

fn is_missing_readme_or_logo(message: &str) -> bool {
    (message.contains("README") || message.contains("logo")) && message.ends_with("file not found")
}

#[test]
fn the_2018_contrib_shop_loads_with_only_missing_file_warnings() {
    let Some(corpus) = corpus() else { return };
    let shop = load_shop(&corpus.join("contrib"), &Limits::default());
    let ids: Vec<&str> = shop.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "jupyter-r-0",
            "pydatasci-0",
            "pydatasci-1",
            "pydatasci-2",
            "rapids.ai-0",
            "zapp-boinc-0",
            "zapp-spark-0",
            "zapp-spark-1"
        ]
    );
    assert!(shop.broken.is_empty());
    for p in &shop.problems {
        assert_eq!(p.severity, Severity::Warning, "{p}");
        assert!(
            is_missing_readme_or_logo(&p.message),
            "unexpected problem: {p}"
        );
    }
    // every entry misses both its README and its logo: one warning each
    assert_eq!(shop.warnings(), 2 * shop.entries.len());

    let spark = shop.entry("zapp-spark-0").unwrap();
    assert_eq!(spark.parameters.len(), 4);
    assert_eq!(spark.visibility.disabled_for, ["student"]);
    assert!(!spark.visibility.visible_to("student", false));
    assert_eq!(spark.images.len(), 3);
    let boinc = shop.entry("zapp-boinc-0").unwrap();
    assert_eq!(
        boinc.parameters[1].default, None,
        "PROJECT_KEY has a null default"
    );
}

#[test]
fn the_2017_legacy_shop_loads() {
    let Some(corpus) = corpus() else { return };
    let shop = load_shop(
        &corpus.join("legacy-2017.12/contrib/zapp-shop-sample"),
        &Limits::default(),
    );
    assert_eq!(shop.errors(), 0, "{:#?}", shop.problems);
    assert!(shop.broken.is_empty());
    assert_eq!(shop.entries.len(), 16);
    let dirs: std::collections::HashSet<String> =
        shop.entries.iter().map(|e| e.dir_name()).collect();
    let manifests = std::fs::read_dir(&shop.root)
        .unwrap()
        .filter(|d| d.as_ref().unwrap().path().join("manifest.json").is_file())
        .count();
    assert_eq!(dirs.len(), manifests, "every manifest contributes entries");
    let clouds = shop
        .entries
        .iter()
        .find(|e| e.dir_name() == "clouds-lab")
        .unwrap();
    assert!(clouds.visibility.guest_access);
    assert!(clouds.visibility.visible_to("guest", false));
    for p in &shop.problems {
        let untagged = p.message.contains("does not have a version tag");
        assert!(
            is_missing_readme_or_logo(&p.message) || untagged,
            "unexpected problem: {p}"
        );
    }
    // §13.3: magenta and syntaxnet images lack tags
    assert_eq!(
        shop.problems
            .iter()
            .filter(|p| p.message.contains("does not have a version tag"))
            .count(),
        2
    );
}

#[test]
fn every_description_in_the_corpus_validates() {
    let Some(corpus) = corpus() else { return };
    let mut files = Vec::new();
    json_files(&corpus, &mut files);
    let descriptions: Vec<&PathBuf> = files.iter().filter(|p| is_description(p)).collect();
    assert_eq!(descriptions.len(), 29, "spec §14 counts 29 descriptions");
    for path in descriptions {
        let text = std::fs::read_to_string(path).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        if let Err(errors) = validate_value(&value, &Limits::default()) {
            panic!("{}: {errors:#?}", path.display());
        }
    }
}

#[test]
fn zoe_shop_check_on_the_corpus_exits_zero_with_warnings() {
    let Some(corpus) = corpus() else { return };
    let output = Command::new(env!("CARGO_BIN_EXE_zoe"))
        .args(["shop", "check"])
        .arg(corpus.join("contrib"))
        .env("ZOE_CONFIG", "")
        .env("HOME", std::env::temp_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("warning: [zapp-spark-0] README"),
        "{stdout}"
    );
    assert!(
        stdout.contains("8 entries loaded, 0 could not be loaded; 0 errors, 16 warnings"),
        "{stdout}"
    );
}
