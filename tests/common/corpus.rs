//! The real Zoe descriptions under `../shared/corpus/` (beside the
//! repository): where they are, and their JSON files.

use std::path::{Path, PathBuf};

/// The corpus directory, or `None` with a message saying the tests that
/// need it are skipped.
pub fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; the corpus tests need ../shared beside the repository",
            dir.display()
        );
        None
    }
}

/// Every `.json` file below `dir`, appended to `out` (in directory order).
pub fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Whether `path` is one of the corpus's descriptions (not a shop
/// manifest, not a schema).
pub fn is_description(path: &Path) -> bool {
    !path.ends_with("manifest.json") && !path.to_string_lossy().contains("schema")
}
