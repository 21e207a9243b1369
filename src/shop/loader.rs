//! Reading a shop directory: every immediate sub-directory (no recursion)
//! with a `manifest.json`. One broken directory, entry or file never hides
//! the others; every problem is reported with its file and, for JSON, line and
//! column.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::json_path::{JsonPath, line_col, locate};
use super::manifest::{RawEntry, parse_manifest};
use super::params::unused_parameters;
use super::problem::{Problem, Severity};
use super::validate::{Limits, validate_value};
use super::{Entry, Shop, Visibility};

/// Manifests and descriptions larger than this are refused unread.
pub const MAX_JSON_BYTES: u64 = 4 << 20;
/// READMEs larger than this are refused unread.
pub const MAX_README_BYTES: u64 = 1 << 20;
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

pub fn load_shop(root: &Path, limits: &Limits) -> Shop {
    let mut shop = Shop {
        root: root.to_path_buf(),
        entries: Vec::new(),
        problems: Vec::new(),
        broken: Vec::new(),
    };
    let listing = match fs::read_dir(root) {
        Ok(listing) => listing,
        Err(err) => {
            shop.problems.push(problem(Severity::Error, root, None, None, format!(
                "cannot read the shop directory: {err}; set `shop` in the settings file or pass --shop DIR"
            )));
            return shop;
        }
    };
    let mut dirs: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.join("manifest.json").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        load_zapp_dir(&dir, limits, &mut shop);
    }
    shop
}

fn load_zapp_dir(dir: &Path, limits: &Limits, shop: &mut Shop) {
    let dir_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let manifest_path = dir.join("manifest.json");
    if !dir_name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'))
    {
        shop.problems.push(problem(Severity::Warning, dir, None, None, format!(
            "directory name `{dir_name}` has characters Zoe's web shop cannot route (it allows a-z, 0-9, `_`, `.`, `-`): rename it"
        )));
    }
    let Ok(canonical_dir) = dir.canonicalize() else {
        return;
    };
    if let Err(why) = resolve_inside(dir, &canonical_dir, "manifest.json") {
        shop.problems
            .push(problem(Severity::Error, &manifest_path, None, None, why));
        return;
    }
    let Some((text, value)) = read_json(&manifest_path, &mut shop.problems, None) else {
        return;
    };
    let parsed = parse_manifest(&value);
    for issue in &parsed.issues {
        let severity = if issue.error {
            Severity::Error
        } else {
            Severity::Warning
        };
        let entry = entry_id_of(&dir_name, &issue.path);
        shop.problems.push(located(
            severity,
            &manifest_path,
            &text,
            &issue.path,
            entry,
            issue.message.clone(),
        ));
    }
    // Entries that failed in the manifest itself.
    for issue in parsed.issues.iter().filter(|i| i.error) {
        if let Some(id) = entry_id_of(&dir_name, &issue.path)
            && !shop.broken.contains(&id)
        {
            shop.broken.push(id);
        }
    }
    let images = read_images(dir, &canonical_dir, &mut shop.problems);
    for raw in parsed.entries {
        let id = format!("{dir_name}-{}", raw.index);
        match load_entry(
            dir,
            &canonical_dir,
            &manifest_path,
            &text,
            &id,
            raw,
            limits,
            &mut shop.problems,
        ) {
            Some(mut entry) => {
                entry.images = images.clone();
                shop.entries.push(entry);
            }
            None => shop.broken.push(id),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn load_entry(
    dir: &Path,
    canonical_dir: &Path,
    manifest_path: &Path,
    manifest_text: &str,
    id: &str,
    raw: RawEntry,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> Option<Entry> {
    let entry_path = JsonPath::root().key("zapps").index(raw.index);
    let entry = Some(id.to_string());
    let refer = |problems: &mut Vec<Problem>, key: &str, severity: Severity, message: String| {
        problems.push(located(
            severity,
            manifest_path,
            manifest_text,
            &entry_path.key(key),
            entry.clone(),
            message,
        ));
    };

    let description_file = match resolve_inside(dir, canonical_dir, &raw.description_file) {
        Ok(path) => path,
        Err(why) => {
            refer(problems, "description", Severity::Error, why);
            return None;
        }
    };
    let (text, value) = read_json(&description_file, problems, Some(id))?;
    let validated = match validate_value(&value, limits) {
        Ok(validated) => validated,
        Err(violations) => {
            for v in violations {
                problems.push(located(
                    Severity::Error,
                    &description_file,
                    &text,
                    &v.path,
                    entry.clone(),
                    v.to_string(),
                ));
            }
            return None;
        }
    };
    for w in &validated.warnings {
        problems.push(located(
            Severity::Warning,
            &description_file,
            &text,
            &w.path,
            entry.clone(),
            w.to_string(),
        ));
    }
    for message in unused_parameters(&validated.description, &raw.parameters) {
        refer(problems, "parameters", Severity::Warning, message);
    }

    let (readme_file, readme) = match resolve_inside(dir, canonical_dir, &raw.readme_file) {
        Ok(path) => {
            let readme = match read_capped(&path, MAX_README_BYTES) {
                Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                Err(why) => {
                    refer(
                        problems,
                        "readable_descr",
                        Severity::Warning,
                        format!("README {}: {why}", path.display()),
                    );
                    None
                }
            };
            (path, readme)
        }
        Err(why) => {
            refer(problems, "readable_descr", Severity::Error, why);
            return None;
        }
    };
    let logo_key = "logo";
    let (logo_file, logo) = match resolve_inside(dir, canonical_dir, &raw.logo_file) {
        Ok(path) => {
            let logo = match read_head(&path, PNG_SIGNATURE.len()) {
                // keep the real path: what a UI opens later is what was checked
                Ok(head) if head == PNG_SIGNATURE => {
                    Some(path.canonicalize().unwrap_or_else(|_| path.clone()))
                }
                Ok(_) => {
                    refer(
                        problems,
                        logo_key,
                        Severity::Warning,
                        format!("logo {} is not a PNG file", path.display()),
                    );
                    None
                }
                Err(why) => {
                    refer(
                        problems,
                        logo_key,
                        Severity::Warning,
                        format!("logo {}: {why}", path.display()),
                    );
                    None
                }
            };
            (path, logo)
        }
        Err(why) => {
            refer(problems, logo_key, Severity::Error, why);
            return None;
        }
    };
    Some(Entry {
        id: id.to_string(),
        dir: dir.to_path_buf(),
        index: raw.index,
        category: raw.category,
        name: raw.name,
        description_file,
        description: validated.description,
        readme_file,
        readme,
        logo_file,
        logo,
        parameters: raw.parameters,
        labels: raw.labels,
        visibility: Visibility {
            enabled_for: raw.enabled_for,
            disabled_for: raw.disabled_for,
            guest_access: raw.guest_access,
        },
        images: Vec::new(),
    })
}

/// Resolves a file name from a manifest inside its ZApp directory, refusing
/// anything that escapes it: absolute paths, `..`, and symlinks that point
/// outside. A file that does not exist resolves (the caller reports it).
pub fn resolve_inside(dir: &Path, canonical_dir: &Path, name: &str) -> Result<PathBuf, String> {
    let relative = Path::new(name);
    let escapes = relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if name.is_empty() || escapes {
        return Err(format!(
            "`{name}` must be a file name inside the ZApp directory {} (no absolute paths, no `..`)",
            dir.display()
        ));
    }
    let path = dir.join(relative);
    match path.canonicalize() {
        Ok(real) if !real.starts_with(canonical_dir) => Err(format!(
            "`{name}` is a link to {}, outside the ZApp directory {}: refused",
            real.display(),
            dir.display()
        )),
        _ => Ok(path),
    }
}

/// Reads and parses a JSON file; reports a problem and returns `None` on
/// any failure (unreadable, too large, not UTF-8, syntax error).
fn read_json(
    path: &Path,
    problems: &mut Vec<Problem>,
    entry: Option<&str>,
) -> Option<(String, Value)> {
    let entry = entry.map(str::to_string);
    let bytes = match read_capped(path, MAX_JSON_BYTES) {
        Ok(bytes) => bytes,
        Err(why) => {
            problems.push(Problem {
                entry,
                ..problem(Severity::Error, path, None, None, why)
            });
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let (line, column) = line_col(
                &String::from_utf8_lossy(err.as_bytes()),
                err.utf8_error().valid_up_to(),
            );
            problems.push(Problem {
                entry,
                ..problem(
                    Severity::Error,
                    path,
                    Some(line),
                    Some(column),
                    "the file is not UTF-8 text".into(),
                )
            });
            return None;
        }
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(value) => Some((text, value)),
        Err(err) => {
            let message = format!("invalid JSON: {}", strip_position(&err.to_string()));
            problems.push(Problem {
                entry,
                ..problem(
                    Severity::Error,
                    path,
                    Some(err.line()),
                    Some(err.column()),
                    message,
                )
            });
            None
        }
    }
}

/// serde_json appends " at line L column C"; we print the position up front.
fn strip_position(message: &str) -> &str {
    message
        .find(" at line ")
        .map_or(message, |at| &message[..at])
}

fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let file = fs::File::open(path).map_err(|err| describe_io(&err))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| describe_io(&err))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "the file is larger than {} KiB and was not read",
            max / 1024
        ));
    }
    Ok(bytes)
}

fn read_head(path: &Path, len: usize) -> Result<Vec<u8>, String> {
    let file = fs::File::open(path).map_err(|err| describe_io(&err))?;
    let mut head = Vec::with_capacity(len);
    file.take(len as u64)
        .read_to_end(&mut head)
        .map_err(|err| describe_io(&err))?;
    Ok(head)
}

fn describe_io(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "file not found".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory, not a file".into(),
        _ => err.to_string(),
    }
}

/// The optional `images` list: one reference per line, `#` comments.
fn read_images(dir: &Path, canonical_dir: &Path, problems: &mut Vec<Problem>) -> Vec<String> {
    let path = dir.join("images");
    if !path.is_file() {
        return Vec::new();
    }
    if let Err(why) = resolve_inside(dir, canonical_dir, "images") {
        problems.push(problem(Severity::Warning, &path, None, None, why));
        return Vec::new();
    }
    match read_capped(&path, MAX_README_BYTES) {
        Ok(bytes) => String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
        Err(why) => {
            problems.push(problem(Severity::Warning, &path, None, None, why));
            Vec::new()
        }
    }
}

fn entry_id_of(dir_name: &str, path: &JsonPath) -> Option<String> {
    use super::json_path::Seg;
    match path.0.as_slice() {
        [Seg::Key(k), Seg::Index(i), ..] if k == "zapps" => Some(format!("{dir_name}-{i}")),
        _ => None,
    }
}

fn problem(
    severity: Severity,
    file: &Path,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
) -> Problem {
    Problem {
        severity,
        file: file.to_path_buf(),
        line,
        column,
        entry: None,
        message,
    }
}

fn located(
    severity: Severity,
    file: &Path,
    text: &str,
    path: &JsonPath,
    entry: Option<String>,
    message: String,
) -> Problem {
    let position = locate(text, path);
    Problem {
        severity,
        file: file.to_path_buf(),
        line: position.map(|p| p.0),
        column: position.map(|p| p.1),
        entry,
        message,
    }
}
