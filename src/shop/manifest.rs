//! The shop manifest, version 1 (the only one Zoe accepts), and its
//! parameters.
//!
//! Zoe's quirks and how we treat them:
//! * parameter `type`: Zoe's code knows `int`, its docs say `integer`;
//!   we accept both. Other types are text, with a warning.
//! * Unknown parameter kinds are ignored with a warning, as in Zoe.
//! * A manifest whose `version` is not 1 is skipped whole, as in Zoe, but we
//!   report it as an error so `zoe shop check` fails on it. Zoe compares
//!   with Python's `!=`, where `1.0 == 1`: any number equal to one is
//!   version 1. We differ on `true`, which Python also finds equal to 1: it
//!   is not a number, so the directory is skipped.
//! * `category` and `name` may be empty or blank: Zoe groups entries by the
//!   exact category string, "" included, and shows any name. They must still
//!   be strings.
//! * A parameter declared twice in one entry (same name and kind) gives two
//!   form fields with one field name; Zoe applies the value of the last one
//!   for both. We keep the last declaration only, with a warning.
//! * A default is the text Zoe pre-fills its form with, Python's `str()` of
//!   the JSON value: `4.0` stays `4.0` (not `4`), `true` is `True`, and a
//!   float is written as Python writes it (`1e+16`). A JSON integer beyond
//!   64 bits is read as a float here, so it is written as one.
//! * One broken entry hides only itself: the others of the same manifest
//!   still load and keep their `<dir>-<index>` ids.

use serde_json::{Map, Value};

use super::json_path::JsonPath;

/// Where a parameter's value goes: an environment variable, a group's
/// command, or a group's instance count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// Replaces the value of an existing environment variable in every group.
    Environment,
    /// Replaces the command of the named service group.
    Command,
    /// Sets total and essential count of the named service group.
    ServiceCount,
}

impl ParamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::Environment => "environment",
            ParamKind::Command => "command",
            ParamKind::ServiceCount => "service_count",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ParamType {
    String,
    Int { min: i64, max: i64, step: i64 },
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Parameter {
    pub kind: ParamKind,
    /// Variable name (environment) or service-group name (command, count).
    pub name: String,
    pub readable_name: String,
    pub description: String,
    #[serde(flatten)]
    pub value_type: ParamType,
    /// Pre-filled value as text; `None` (JSON null) means the user must type one.
    pub default: Option<String>,
}

impl Parameter {
    /// Zoe's web-form field name, `<name>-<kind>`; unique within an entry.
    pub fn field_name(&self) -> String {
        format!("{}-{}", self.name, self.kind.as_str())
    }
}

/// A manifest entry as written, before its files are read.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEntry {
    pub index: usize,
    pub category: String,
    pub name: String,
    pub description_file: String,
    pub readme_file: String,
    pub logo_file: String,
    pub parameters: Vec<Parameter>,
    pub labels: Vec<String>,
    pub enabled_for: Vec<String>,
    pub disabled_for: Vec<String>,
    pub guest_access: bool,
}

/// A problem found in a manifest, located by JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestIssue {
    pub path: JsonPath,
    pub error: bool,
    pub message: String,
}

/// Entries that could be read, and every issue found on the way.
#[derive(Debug, Default)]
pub struct ParsedManifest {
    pub entries: Vec<RawEntry>,
    pub issues: Vec<ManifestIssue>,
}

pub fn parse_manifest(value: &Value) -> ParsedManifest {
    let mut out = ParsedManifest::default();
    let root = JsonPath::root();
    let Some(obj) = value.as_object() else {
        out.error(
            &root,
            "a manifest must be a JSON object with `version` and `zapps`",
        );
        return out;
    };
    match obj.get("version") {
        // Zoe: `version != 1` in Python, so 1.0 and 1e0 are version 1.
        Some(Value::Number(n)) if n.as_f64() == Some(1.0) => {}
        Some(v) => {
            out.error(&root.key("version"), format!("unsupported manifest version {v}: only version 1 exists; this directory is skipped"));
            return out;
        }
        None => {
            out.error(
                &root,
                "missing required field `version` (must be 1); this directory is skipped",
            );
            return out;
        }
    }
    let Some(zapps) = obj.get("zapps").and_then(Value::as_array) else {
        out.error(
            &root.key("zapps"),
            "`zapps` must be an array of shop entries",
        );
        return out;
    };
    for key in obj
        .keys()
        .filter(|k| !["version", "zapps"].contains(&k.as_str()))
    {
        out.warn(
            &root.key(key),
            format!("unknown manifest field `{key}` is ignored"),
        );
    }
    for (index, item) in zapps.iter().enumerate() {
        let path = root.key("zapps").index(index);
        let before = out.issues.iter().filter(|i| i.error).count();
        let entry = parse_entry(item, index, &path, &mut out);
        let failed = out.issues.iter().filter(|i| i.error).count() > before;
        if let (Some(entry), false) = (entry, failed) {
            out.entries.push(entry);
        }
    }
    out
}

impl ParsedManifest {
    fn error(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.issues.push(ManifestIssue {
            path: path.clone(),
            error: true,
            message: message.into(),
        });
    }

    fn warn(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.issues.push(ManifestIssue {
            path: path.clone(),
            error: false,
            message: message.into(),
        });
    }
}

const ENTRY_KEYS: &[&str] = &[
    "category",
    "name",
    "description",
    "readable_descr",
    "parameters",
    "logo",
    "labels",
    "enabled_for",
    "disabled_for",
    "guest_access",
];

fn parse_entry(
    value: &Value,
    index: usize,
    path: &JsonPath,
    out: &mut ParsedManifest,
) -> Option<RawEntry> {
    let Some(obj) = value.as_object() else {
        out.error(path, "a shop entry must be an object");
        return None;
    };
    for key in obj.keys().filter(|k| !ENTRY_KEYS.contains(&k.as_str())) {
        out.warn(
            &path.key(key),
            format!("unknown entry field `{key}` is ignored"),
        );
    }
    // File names must name something; `category` and `name` may be empty.
    let text = |out: &mut ParsedManifest, key: &str, may_be_empty: bool| -> Option<String> {
        match obj.get(key) {
            Some(Value::String(s)) if may_be_empty || !s.trim().is_empty() => Some(s.clone()),
            Some(_) => {
                let what = if may_be_empty { "a" } else { "a non-empty" };
                out.error(&path.key(key), format!("`{key}` must be {what} string"));
                None
            }
            None => {
                out.error(path, format!("missing required field `{key}`"));
                None
            }
        }
    };
    // Zoe groups entries by the exact category string, "" included, and
    // shows whatever name is given: both may be empty or blank.
    let category = text(out, "category", true);
    let name = text(out, "name", true);
    let description_file = text(out, "description", false);
    let readme_file = text(out, "readable_descr", false);
    let logo_file = match obj.get("logo") {
        None => Some("logo.png".to_string()),
        Some(_) => text(out, "logo", false),
    };
    let parameters = match obj.get("parameters") {
        Some(Value::Array(items)) => {
            let mut params = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if let Some(p) = parse_parameter(item, &path.key("parameters").index(i), out) {
                    params.push((i, p));
                }
            }
            Some(keep_last_declarations(params, &path.key("parameters"), out))
        }
        Some(_) => {
            out.error(
                &path.key("parameters"),
                "`parameters` must be an array (it may be empty)",
            );
            None
        }
        None => {
            out.error(
                path,
                "missing required field `parameters` (use [] for none)",
            );
            None
        }
    };
    let labels = string_list(obj, "labels", path, out, Vec::new());
    let enabled_for = string_list(obj, "enabled_for", path, out, vec!["all".to_string()]);
    let disabled_for = string_list(obj, "disabled_for", path, out, Vec::new());
    let guest_access = match obj.get("guest_access") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            out.error(
                &path.key("guest_access"),
                "`guest_access` must be true or false",
            );
            false
        }
    };
    Some(RawEntry {
        index,
        category: category?,
        name: name?,
        description_file: description_file?,
        readme_file: readme_file?,
        logo_file: logo_file?,
        parameters: parameters?,
        labels: labels?,
        enabled_for: enabled_for?,
        disabled_for: disabled_for?,
        guest_access,
    })
}

fn string_list(
    obj: &Map<String, Value>,
    key: &str,
    path: &JsonPath,
    out: &mut ParsedManifest,
    default: Vec<String>,
) -> Option<Vec<String>> {
    match obj.get(key) {
        None => Some(default),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        Some(_) => {
            out.error(
                &path.key(key),
                format!("`{key}` must be an array of strings"),
            );
            None
        }
    }
}

fn parse_parameter(value: &Value, path: &JsonPath, out: &mut ParsedManifest) -> Option<Parameter> {
    let Some(obj) = value.as_object() else {
        out.error(path, "a parameter must be an object");
        return None;
    };
    let kind = match obj.get("kind").and_then(Value::as_str) {
        Some("environment") => ParamKind::Environment,
        Some("command") => ParamKind::Command,
        Some("service_count") => ParamKind::ServiceCount,
        Some(other) => {
            out.warn(&path.key("kind"), format!("unknown parameter kind `{other}` is ignored (known: environment, command, service_count)"));
            return None;
        }
        None => {
            out.error(
                path,
                "parameter needs a `kind` string (environment, command or service_count)",
            );
            return None;
        }
    };
    let mut text = |key: &str| match obj.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => {
            out.error(path, format!("parameter needs a string `{key}`"));
            None
        }
    };
    let name = text("name");
    let readable_name = text("readable_name");
    let description = text("description");
    let (name, readable_name, description) = (name?, readable_name?, description?);
    if name.is_empty() {
        out.error(&path.key("name"), "parameter `name` must not be empty");
        return None;
    }
    let type_name = obj.get("type").and_then(Value::as_str).unwrap_or("");
    let value_type = match type_name {
        "int" | "integer" => {
            let mut bound = |key: &str| match obj.get(key).and_then(as_whole) {
                Some(n) => Some(n),
                None => {
                    out.error(
                        path,
                        format!("int parameter `{name}` needs a whole-number `{key}` between {} and {} (64 bits)", i64::MIN, i64::MAX),
                    );
                    None
                }
            };
            let (min, max, step) = (bound("min"), bound("max"), bound("step"));
            let (min, max, step) = (min?, max?, step?);
            if min > max || step <= 0 {
                out.error(path, format!("int parameter `{name}` needs min ≤ max and step > 0 (found min {min}, max {max}, step {step})"));
                return None;
            }
            ParamType::Int { min, max, step }
        }
        "string" => ParamType::String,
        other => {
            out.warn(&path.key("type"), format!("parameter `{name}` has type `{other}`, which is neither `string` nor `int`: it is treated as text"));
            ParamType::String
        }
    };
    let default = match obj.get("default") {
        None => {
            out.error(
                path,
                format!("parameter `{name}` needs a `default` (null for none)"),
            );
            return None;
        }
        Some(Value::Null) => None,
        // Zoe's form shows str(default) and submits that text.
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(python_str(n)),
        Some(Value::Bool(true)) => Some("True".into()),
        Some(Value::Bool(false)) => Some("False".into()),
        Some(_) => {
            out.error(
                &path.key("default"),
                format!("parameter `{name}`: `default` must be a string, a number or null"),
            );
            return None;
        }
    };
    let param = Parameter {
        kind,
        name,
        readable_name,
        description,
        value_type,
        default,
    };
    if let Some(default) = &param.default
        && let Err(why) = super::params::parse_default(&param, default)
    {
        out.warn(
            &path.key("default"),
            format!("default does not pass its own rules: {why}"),
        );
    }
    Some(param)
}

/// A JSON number with no fractional part that fits in 64 bits, as i64.
fn as_whole(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        let f = value.as_f64().filter(|_| value.is_f64())?;
        // every whole float in -2^63..2^63 converts exactly
        (f.fract() == 0.0 && f >= -(2f64.powi(63)) && f < 2f64.powi(63)).then_some(f as i64)
    })
}

/// Keeps, of parameters declared more than once (same `<name>-<kind>`),
/// only the last declaration, at its place. Zoe's form then has two fields
/// with one name and submits only the last one's value, which it applies
/// for both declarations: one parameter with the last declaration's rules
/// and default does the same.
fn keep_last_declarations(
    params: Vec<(usize, Parameter)>,
    path: &JsonPath,
    out: &mut ParsedManifest,
) -> Vec<Parameter> {
    let mut kept: Vec<Parameter> = Vec::with_capacity(params.len());
    for (index, p) in params.iter().enumerate() {
        let last = params[index + 1..]
            .iter()
            .rev()
            .find(|(_, q)| q.field_name() == p.1.field_name());
        match last {
            Some((at, _)) => out.warn(
                &path.index(p.0),
                format!(
                    "parameter `{}` ({}) is declared twice; as in Zoe, the value of the last declaration (parameters[{at}]) applies to both, so this one is ignored: remove it",
                    p.1.name,
                    p.1.kind.as_str()
                ),
            ),
            None => kept.push(p.1.clone()),
        }
    }
    kept
}

/// Python's `str()` of a JSON number as Python's `json` reads it: an
/// integer stays an integer, a float (anything with `.` or an exponent) is
/// written the way Python writes floats: the shortest digits that read back
/// the same, positional from 1e-4 up to 1e16 with at least one decimal
/// (`4.0`), else in exponent form with a sign and two digits at least
/// (`1e+16`, `1.5e-07`).
fn python_str(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    // Rust's `{:e}` also prints the shortest digits that round-trip.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    // The decimal point sits after `point` digits (Python's `decpt`).
    let point = exponent + 1;
    let body = if -4 < point && point <= 16 {
        match usize::try_from(point) {
            Ok(0) | Err(_) => {
                let zeros = "0".repeat(point.unsigned_abs() as usize);
                format!("0.{zeros}{digits}")
            }
            Ok(at) if at >= digits.len() => {
                format!("{digits}{}.0", "0".repeat(at - digits.len()))
            }
            Ok(at) => format!("{}.{}", &digits[..at], &digits[at..]),
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let dot = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{first}{dot}{rest}e{exp_sign}{:02}",
            exponent.unsigned_abs()
        )
    };
    format!("{sign}{body}")
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
