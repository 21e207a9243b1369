//! Applying shop parameters and per-group memory/cores overrides to a copy
//! of a description.
//!
//! Zoe's quirks and how we treat them:
//! * HEAD applies parameters only for roles that may customise
//!   resources; we apply them for everybody, like 2017.12 and like the form
//!   shows them (a role rule can be layered on top by the caller).
//! * the 2017.12 override loop stopped after the first group: fixed,
//!   every group given is overridden.
//! * manifest `labels` were appended as one nested list (HEAD bug):
//!   fixed, they are merged into each group's labels (union, order kept).
//! * `environment` parameters only replace variables that already exist, and
//!   `service_count` sets both total and essential count (no elastic
//!   instances left in that group): both as in Zoe.
//! * A default reaches the container as the text Zoe's form is pre-filled
//!   with and submits: an int default written `4.0` stays `4.0`. A value the
//!   user types for an int is checked and written as a whole number. For a
//!   service count Zoe's int() fails on `4.0`; we take the count it means.

use std::fmt;

use super::manifest::{ParamKind, ParamType, Parameter};
use crate::model::{Description, GIB, format_bytes, format_cores};

/// Which input a problem belongs to, so a form can show it next to the field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "field", content = "name", rename_all = "snake_case")]
pub enum Field {
    /// A parameter, by its `<name>-<kind>` field name.
    Parameter(String),
    /// The memory override of a service group.
    Memory(String),
    /// The cores override of a service group.
    Cores(String),
    /// The execution name.
    ExecutionName,
    /// Who the execution belongs to.
    Owner,
    /// The whole description (expansion, validation after overrides).
    Description,
    /// The one target it must run on (`--on`).
    Target,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Field::Parameter(name) => write!(f, "parameter {name}: {}", self.message),
            Field::Memory(group) => write!(f, "--memory {group}: {}", self.message),
            Field::Cores(group) => write!(f, "--cores {group}: {}", self.message),
            Field::ExecutionName => write!(f, "execution name: {}", self.message),
            Field::Owner => write!(f, "owner: {}", self.message),
            Field::Description => f.write_str(&self.message),
            Field::Target => write!(f, "--on: {}", self.message),
        }
    }
}

/// A typed parameter value, checked against its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    Text(String),
    Int(i64),
}

impl ParamValue {
    pub fn as_text(&self) -> String {
        match self {
            ParamValue::Text(s) => s.clone(),
            ParamValue::Int(n) => n.to_string(),
        }
    }
}

/// Checks one value typed by the user against the parameter's rules.
pub fn parse_value(param: &Parameter, text: &str) -> Result<ParamValue, String> {
    let bounds = match param.value_type {
        ParamType::Int { min, max, step } => Some((min, max, step)),
        // Zoe calls int() on a service count whatever its declared type.
        ParamType::String if param.kind == ParamKind::ServiceCount => None,
        ParamType::String => {
            if param.kind == ParamKind::Command && text.trim().is_empty() {
                return Err("a command cannot be empty".into());
            }
            return Ok(ParamValue::Text(text.to_string()));
        }
    };
    let n: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))?;
    check_number(param, n, bounds)?;
    Ok(ParamValue::Int(n))
}

/// Checks a parameter's default, the text Zoe pre-fills its form with and
/// submits unchanged. For an int parameter the number's value must pass the
/// rules, however it is written (`4`, `4.0`, `1e+16`), and the text reaches
/// the container as written: `4.0` stays `4.0`, unlike a typed value. A
/// service count is the exception, it is always the number (Zoe's int()
/// would fail on `4.0`; we take the count it obviously means).
pub fn parse_default(param: &Parameter, text: &str) -> Result<ParamValue, String> {
    let counted = param.kind == ParamKind::ServiceCount;
    let bounds = match param.value_type {
        ParamType::Int { min, max, step } => Some((min, max, step)),
        ParamType::String if counted => None,
        ParamType::String => return parse_value(param, text),
    };
    let n = whole_number(text).ok_or_else(|| format!("`{text}` is not a whole number"))?;
    check_number(param, n, bounds)?;
    Ok(if counted || n.to_string() == text {
        ParamValue::Int(n)
    } else {
        ParamValue::Text(text.to_string())
    })
}

/// The value of a number written any way JSON or Python allow (`4`, `4.0`,
/// `4e0`, `1e+16`), when it is whole and fits in 64 bits.
pub fn whole_number(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Some(n);
    }
    let is_number = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    let f: f64 = text.parse().ok().filter(|_| is_number)?;
    // 2^63 is the first float past i64::MAX; every whole float below it
    // converts exactly.
    (f.is_finite() && f.fract() == 0.0 && f >= -(2f64.powi(63)) && f < 2f64.powi(63))
        .then_some(f as i64)
}

fn check_number(param: &Parameter, n: i64, bounds: Option<(i64, i64, i64)>) -> Result<(), String> {
    if let Some((min, max, step)) = bounds {
        check_int(n, min, max, step)?;
    }
    if param.kind == ParamKind::ServiceCount && !(1..=i64::from(u16::MAX)).contains(&n) {
        return Err(format!(
            "a service count must be between 1 and {}, found {n}",
            u16::MAX
        ));
    }
    Ok(())
}

/// Checks a whole number against an int parameter's `min`, `max` and
/// `step` (the values `min + k × step` up to `max`). Bounds may lie anywhere
/// in 64 bits, where `n - min` or `below + step` overflow, so the arithmetic
/// is done in i128; the nearest values suggested always lie within
/// `min..=max`.
pub fn check_int(n: i64, min: i64, max: i64, step: i64) -> Result<(), String> {
    if n < min || n > max {
        return Err(format!("{n} is outside {}", range_text(min, max)));
    }
    if step <= 0 {
        return Ok(());
    }
    let (wide, low, high, stride) = (
        i128::from(n),
        i128::from(min),
        i128::from(max),
        i128::from(step),
    );
    let off = (wide - low) % stride;
    if off == 0 {
        return Ok(());
    }
    let below = wide - off;
    let above = below + stride;
    let nearest = if above <= high {
        format!("{below} or {above}")
    } else {
        below.to_string()
    };
    Err(format!(
        "{n} is not on the step {step} from {min} (nearest: {nearest})"
    ))
}

/// A range as users read it: `1–8` (an en dash, not Rust's `1..=8`).
pub fn range_text(min: impl fmt::Display, max: impl fmt::Display) -> String {
    format!("{min}–{max}")
}

/// The least memory a container may be given: Docker refuses a limit
/// below 6 MiB ("Minimum memory limit allowed is 6MB").
pub const MIN_MEMORY_BYTES: u64 = 6 << 20;

/// The least cores a container may be given: its CPU quota is at least 1 %
/// of a core (the kernel's minimum CFS quota at Docker's period).
pub const MIN_CORES: f64 = 0.01;

/// One step up or down from `current` for an int input: the next value on
/// the grid `min + k × step`, never past `min..=max` (i128 inside, as
/// [`check_int`]). A value off the grid moves to its neighbour on it.
pub fn step_int(current: i64, min: i64, max: i64, step: i64, up: bool) -> i64 {
    if min > max {
        return current;
    }
    let (low, high, stride) = (i128::from(min), i128::from(max), i128::from(step.max(1)));
    let at = i128::from(current.clamp(min, max));
    let off = (at - low) % stride;
    let last = high - (high - low) % stride;
    let next = if up {
        (at - off + stride).min(last)
    } else if off != 0 {
        at - off
    } else {
        (at - stride).max(low)
    };
    // within min..=max, so it fits
    i64::try_from(next).unwrap_or(current)
}

/// Finds the parameter a `-p KEY=VALUE` names: its `<name>-<kind>` form
/// field name, or its plain name when that is unambiguous.
pub fn find_parameter<'p>(params: &'p [Parameter], key: &str) -> Result<&'p Parameter, String> {
    if let Some(p) = params.iter().find(|p| p.field_name() == key) {
        return Ok(p);
    }
    let matches: Vec<&Parameter> = params.iter().filter(|p| p.name == key).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => {
            let known: Vec<String> = params.iter().map(|p| p.name.clone()).collect();
            Err(if known.is_empty() {
                format!("unknown parameter `{key}`: this entry has no parameters")
            } else {
                format!("unknown parameter `{key}`; known: {}", known.join(", "))
            })
        }
        many => {
            let names: Vec<String> = many.iter().map(|p| p.field_name()).collect();
            Err(format!(
                "`{key}` is ambiguous; use one of {}",
                names.join(", ")
            ))
        }
    }
}

/// Resolves every parameter's value: the user's, else the default. Returns
/// the values in parameter order, or every problem found.
pub fn resolve_values(
    params: &[Parameter],
    given: &[(String, String)],
) -> Result<Vec<(Parameter, ParamValue)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut chosen: Vec<Option<String>> = params.iter().map(|p| p.default.clone()).collect();
    for (key, value) in given {
        match find_parameter(params, key) {
            Ok(p) => {
                if let Some(slot) = params.iter().position(|q| q == p) {
                    chosen[slot] = Some(value.clone());
                }
            }
            Err(why) => errors.push(FieldError {
                field: Field::Parameter(key.clone()),
                message: why,
            }),
        }
    }
    let mut values = Vec::new();
    for (param, text) in params.iter().zip(chosen) {
        let field = Field::Parameter(param.field_name());
        match text {
            None => errors.push(FieldError {
                field,
                message: format!(
                    "`{}` ({}) has no default: give a value with -p {}=VALUE",
                    param.name, param.readable_name, param.name
                ),
            }),
            Some(text) => match checked(param, &text) {
                Ok(v) => values.push((param.clone(), v)),
                Err(why) => errors.push(FieldError {
                    field,
                    message: why,
                }),
            },
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// Checks a value for a parameter. The pre-filled default given back
/// unchanged (a form field left alone, a relaunch) is the default, which
/// Zoe submits as it is; anything else is a value typed by the user.
fn checked(param: &Parameter, text: &str) -> Result<ParamValue, String> {
    if param.default.as_deref() == Some(text) {
        parse_default(param, text)
    } else {
        parse_value(param, text)
    }
}

/// Applies resolved parameter values to the description: `environment` sets
/// existing variables, `command` the first matching group's command,
/// `service_count` a group's total and essential counts.
pub fn apply_parameters(description: &mut Description, values: &[(Parameter, ParamValue)]) {
    for (param, value) in values {
        match (param.kind, value) {
            (ParamKind::Environment, value) => {
                for group in &mut description.services {
                    for (name, slot) in &mut group.environment {
                        if *name == param.name {
                            *slot = value.as_text();
                        }
                    }
                }
            }
            (ParamKind::Command, value) => {
                if let Some(group) = description.group_mut(&param.name) {
                    group.command = Some(value.as_text());
                }
            }
            (ParamKind::ServiceCount, ParamValue::Int(n)) => {
                let count = u32::try_from(*n).unwrap_or(u32::MAX);
                for group in description
                    .services
                    .iter_mut()
                    .filter(|g| g.name == param.name)
                {
                    group.total_count = count;
                    group.essential_count = count;
                }
            }
            // parse_value always yields Int for a service count.
            (ParamKind::ServiceCount, ParamValue::Text(_)) => {}
        }
    }
}

/// Warnings about parameters that cannot have any effect on a description.
pub fn unused_parameters(description: &Description, params: &[Parameter]) -> Vec<String> {
    params
        .iter()
        .filter_map(|p| match p.kind {
            ParamKind::Environment => {
                let used = description.services.iter().any(|g| g.environment.iter().any(|(n, _)| *n == p.name));
                (!used).then(|| format!("environment parameter `{}` names a variable no service group has, so it changes nothing (Zoe only replaces existing variables)", p.name))
            }
            ParamKind::Command | ParamKind::ServiceCount => description.group(&p.name).is_none().then(|| {
                format!("{} parameter `{}` names no service group of the description", p.kind.as_str(), p.name)
            }),
        })
        .collect()
}

pub use crate::model::OverrideLimits;

/// Applies `--memory GROUP=GIB` and `--cores GROUP=N` overrides, as Zoe's form:
/// values at or above the maximum are clamped to it (with a note), memory is
/// `floor(GiB × 2^30)` bytes, and only `min` changes.
pub fn apply_overrides(
    description: &mut Description,
    memory: &[(String, f64)],
    cores: &[(String, f64)],
    limits: OverrideLimits,
) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let groups: Vec<String> = description
        .services
        .iter()
        .map(|g| g.name.clone())
        .collect();
    let unknown =
        |group: &str| format!("no service group `{group}`; groups: {}", groups.join(", "));
    for (group_name, gib) in memory {
        let field = Field::Memory(group_name.clone());
        let Some(group) = description.group_mut(group_name) else {
            errors.push(FieldError {
                field,
                message: unknown(group_name),
            });
            continue;
        };
        if !gib.is_finite() || *gib <= 0.0 {
            errors.push(FieldError {
                field,
                message: format!("{gib} GiB: memory must be a positive number of GiB"),
            });
            continue;
        }
        let bytes = if *gib >= limits.max_memory_gib {
            if *gib > limits.max_memory_gib {
                notes.push(format!(
                    "memory of `{group_name}` clamped to the maximum, {} GiB",
                    format_cores(limits.max_memory_gib)
                ));
            }
            (limits.max_memory_gib * GIB as f64).floor() as u64
        } else {
            (gib * GIB as f64).floor() as u64
        };
        if bytes < MIN_MEMORY_BYTES {
            errors.push(FieldError {
                field,
                message: format!(
                    "{gib} GiB ({}) is below the {} a container may have (Docker refuses less): give at least 0.006 GiB",
                    format_bytes(bytes),
                    format_bytes(MIN_MEMORY_BYTES)
                ),
            });
            continue;
        }
        group.resources.memory.min = Some(bytes);
    }
    for (group_name, value) in cores {
        let field = Field::Cores(group_name.clone());
        let Some(group) = description.group_mut(group_name) else {
            errors.push(FieldError {
                field,
                message: unknown(group_name),
            });
            continue;
        };
        if !value.is_finite() || *value <= 0.0 {
            errors.push(FieldError {
                field,
                message: format!("{value}: cores must be a positive number"),
            });
            continue;
        }
        if *value < MIN_CORES {
            errors.push(FieldError {
                field,
                message: format!(
                    "{value} cores is below the {MIN_CORES} a container may have (its CPU quota is at least 1 % of a core)"
                ),
            });
            continue;
        }
        let cores = if *value >= limits.max_cores {
            if *value > limits.max_cores {
                notes.push(format!(
                    "cores of `{group_name}` clamped to the maximum, {}",
                    format_cores(limits.max_cores)
                ));
            }
            limits.max_cores
        } else {
            *value
        };
        group.resources.cores.min = Some(cores);
    }
    if errors.is_empty() {
        Ok(notes)
    } else {
        Err(errors)
    }
}

/// Merges manifest labels into every service group (union, order kept).
pub fn apply_manifest_labels(description: &mut Description, labels: &[String]) {
    if labels.is_empty() {
        return;
    }
    for group in &mut description.services {
        let list = group.labels.get_or_insert_with(Vec::new);
        for label in labels {
            if !list.contains(label) {
                list.push(label.clone());
            }
        }
    }
}

#[cfg(test)]
#[path = "params_tests.rs"]
mod tests;
