//! Validation of ZApp descriptions: the JSON-schema rules of the
//! v3 schema, checked by hand so each violation names its service and field,
//! then the semantic rules and defaults of Zoe's
//! <https://github.com/DistributedSystemsGroup/zoe/blob/master/zoe_lib/applications.py>.
//!
//! Zoe's quirks and how we treat them:
//! * `shm_size` vs `shm`: we follow the schema (`shm`); `shm_size` is
//!   refused with a hint.
//! * the schema's `regex` keyword is not JSON-schema, so Zoe never
//!   enforces it: we follow (env names like `NB_UID` must keep loading). The
//!   volume object has no `required` list but Zoe's code reads all three
//!   keys: we fix that and require `name`, `path` and `read_only`.
//! * Environment entries: the schema lets `["A"]` or `["A","B","C"]` through
//!   and Zoe then crashes; we fix that and require exactly two strings.
//! * `uniqueItems`: duplicate ports, variables or volumes are
//!   errors, as in Zoe; duplicate variable names with different values are
//!   allowed (the last one wins in the container). Items are compared as
//!   JSON values like Zoe's jsonschema does: key order does not matter,
//!   `8080` equals `8080.0`, `true` does not equal `1`.
//! * `essential_count > total_count` is a submit-time error in Zoe; we report
//!   it here, before anything would be created.
//! * Duplicate service-group names: Zoe accepts them and then creates two
//!   containers with the same name; we refuse them.
//! * images need a tag or digest on the Docker backend: a warning here
//!   (the description itself is valid, as in Zoe).

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value};

use super::json_path::JsonPath;
use crate::model::description::{
    CoreRange, Description, MemoryRange, Port, Protocol, Resources, ServiceGroup, Volume,
};
use crate::model::{DEFAULT_CORES, format_bytes, format_cores};

pub use crate::model::Limits;

/// One problem in a description: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub path: JsonPath,
    /// Name of the service group it concerns, when there is one.
    pub service: Option<String>,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(service) = &self.service {
            write!(f, "service `{service}`: ")?;
        }
        if self.path.is_root() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A description that passed validation, with its warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    pub description: Description,
    pub warnings: Vec<Violation>,
}

/// Parses and validates a description from JSON text.
pub fn validate_value(value: &Value, limits: &Limits) -> Result<Validated, Vec<Violation>> {
    let mut walker = Walker::default();
    let description = walker.description(value);
    match description {
        Some(mut description) if walker.errors.is_empty() => {
            let (errors, warnings) = check_semantics(&mut description, limits);
            walker.warnings.extend(warnings);
            if errors.is_empty() {
                Ok(Validated {
                    description,
                    warnings: walker.warnings,
                })
            } else {
                Err(errors)
            }
        }
        _ => Err(walker.errors),
    }
}

/// Zoe's semantic rules (version 3, `memory.min` within the limit, at least
/// one `monitor` service) on a typed description, applying Zoe's
/// defaults in place: `memory.max` becomes the administrative limit and a
/// null `cores.min` becomes 0.1. Returns (errors, warnings).
pub fn check_semantics(
    description: &mut Description,
    limits: &Limits,
) -> (Vec<Violation>, Vec<Violation>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let at = |i: usize, field: &str| {
        let path = JsonPath::root().key("services").index(i);
        field
            .split('.')
            .filter(|k| !k.is_empty())
            .fold(path, |p, k| match k.parse::<usize>() {
                Ok(n) => p.index(n),
                Err(_) => p.key(k),
            })
    };

    if description.version != 3 {
        errors.push(Violation {
            path: JsonPath::root().key("version"),
            service: None,
            message: format!(
                "version mismatch (expected 3, found {}): only ZApp format 3 is supported",
                description.version
            ),
        });
    }

    let mut seen = HashSet::new();
    for (i, group) in description.services.iter_mut().enumerate() {
        let service = Some(group.name.clone());
        let push = |list: &mut Vec<Violation>, field: &str, message: String| {
            list.push(Violation {
                path: at(i, field),
                service: service.clone(),
                message,
            });
        };
        if !seen.insert(group.name.clone()) {
            push(
                &mut errors,
                "name",
                "another service group has the same name; instance names would collide".into(),
            );
        }
        group.resources.memory.max = Some(limits.max_memory_bytes);
        if let Some(min) = group.resources.memory.min
            && min > limits.max_memory_bytes
        {
            push(
                &mut errors,
                "resources.memory.min",
                format!(
                    "reserves {} but the administrative limit is {}: lower it or raise max_memory_gib",
                    format_bytes(min),
                    format_bytes(limits.max_memory_bytes)
                ),
            );
        }
        if group.resources.cores.min.is_none() {
            group.resources.cores.min = Some(DEFAULT_CORES);
        }
        if group.cores_min() > limits.max_cores {
            push(
                &mut warnings,
                "resources.cores.min",
                format!(
                    "reserves {}, more than max_cores ({}): it can only run on a node that large",
                    crate::model::text::cores(&format_cores(group.cores_min())),
                    format_cores(limits.max_cores)
                ),
            );
        }
        if group.essential_count > group.total_count {
            push(
                &mut errors,
                "essential_count",
                format!(
                    "total_count ({}) is less than essential_count ({})",
                    group.total_count, group.essential_count
                ),
            );
        }
        if let Err(why) = check_image_reference(&group.image) {
            push(&mut warnings, "image", why);
        }
        let mut keys = HashSet::new();
        for (p, port) in group.ports.iter().enumerate() {
            if !keys.insert(port.key()) {
                push(
                    &mut warnings,
                    &format!("ports.{p}"),
                    format!(
                        "port {} is listed twice; only one can be published",
                        port.key()
                    ),
                );
            }
        }
    }

    if !description.services.iter().any(|g| g.monitor) {
        errors.push(Violation {
            path: JsonPath::root().key("services"),
            service: None,
            message: "at least one service group needs \"monitor\": true".into(),
        });
    }
    (errors, warnings)
}

/// Zoe's Docker image rule: an explicit `:tag` or `@digest` and
/// at most three `/`-separated components.
pub fn check_image_reference(image: &str) -> Result<(), String> {
    let parts: Vec<&str> = image.split('/').collect();
    if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "image `{image}` is not a reference the Docker backend accepts (at most registry/namespace/name:tag)"
        ));
    }
    let last = parts.last().copied().unwrap_or_default();
    let has_version = match last.find(['@', ':']) {
        Some(at) => at > 0 && at + 1 < last.len(),
        None => false,
    };
    if has_version {
        Ok(())
    } else {
        Err(format!(
            "image `{image}` does not have a version tag: the Docker backend refuses it; add `:<tag>` or `@<digest>`"
        ))
    }
}

const SERVICE_KEYS: &[&str] = &[
    "name",
    "image",
    "ports",
    "environment",
    "volumes",
    "monitor",
    "startup_order",
    "essential_count",
    "total_count",
    "replicas",
    "resources",
    "command",
    "work_dir",
    "labels",
    "network",
];
const SERVICE_REQUIRED: &[&str] = &[
    "name",
    "image",
    "ports",
    "environment",
    "volumes",
    "monitor",
    "startup_order",
    "essential_count",
    "total_count",
    "resources",
    "command",
];

#[derive(Default)]
struct Walker {
    errors: Vec<Violation>,
    warnings: Vec<Violation>,
    service: Option<String>,
}

impl Walker {
    fn err(&mut self, path: &JsonPath, message: impl Into<String>) {
        let service = self.service.clone();
        self.errors.push(Violation {
            path: path.clone(),
            service,
            message: message.into(),
        });
    }

    fn description(&mut self, value: &Value) -> Option<Description> {
        let root = JsonPath::root();
        let obj = self.object(
            value,
            &root,
            &["name", "will_end", "size", "version", "services"],
            &["name", "will_end", "size", "version", "services"],
        )?;
        let name = self.string(obj.get("name"), &root.key("name"), 3, Some(128));
        if let Some(name) = &name
            && !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '@')
        {
            self.err(
                &root.key("name"),
                format!("`{name}` may only contain letters, digits, `-` and `@`"),
            );
        }
        let will_end = self.boolean(obj.get("will_end"), &root.key("will_end"));
        let size = match obj.get("size") {
            None => None,
            Some(v) => match v.as_u64() {
                Some(n) => Some(n),
                None => {
                    self.err(
                        &root.key("size"),
                        format!(
                            "must be a whole number ≥ 0 (a JSON integer), found {}",
                            brief(v)
                        ),
                    );
                    None
                }
            },
        };
        let version = self.integral(
            obj.get("version"),
            &root.key("version"),
            Some(3.0),
            false,
            u32::MAX.into(),
        );
        let services_path = root.key("services");
        let mut services = Vec::new();
        if let Some(items) = self.array(obj.get("services"), &services_path, true) {
            if items.is_empty() {
                self.err(&services_path, "needs at least one service group");
            }
            for (i, item) in items.iter().enumerate() {
                if let Some(group) = self.service_group(item, &services_path.index(i)) {
                    services.push(group);
                }
                self.service = None;
            }
        }
        Some(Description {
            name: name?,
            version: version? as u32,
            will_end: will_end?,
            size: size?,
            services,
        })
    }

    fn service_group(&mut self, value: &Value, path: &JsonPath) -> Option<ServiceGroup> {
        self.service = value
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let obj = self.object(value, path, SERVICE_KEYS, SERVICE_REQUIRED)?;
        let name = self.string(obj.get("name"), &path.key("name"), 3, Some(16));
        if let Some(name) = &name
            && !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            self.err(
                &path.key("name"),
                format!("`{name}` may only contain letters, digits and `-`"),
            );
        }
        let image = self.string(obj.get("image"), &path.key("image"), 1, None);
        let monitor = self.boolean(obj.get("monitor"), &path.key("monitor"));
        let order = self.integral(
            obj.get("startup_order"),
            &path.key("startup_order"),
            None,
            false,
            1e15,
        );
        let total = self.integral(
            obj.get("total_count"),
            &path.key("total_count"),
            Some(1.0),
            false,
            1e6,
        );
        let essential = self.integral(
            obj.get("essential_count"),
            &path.key("essential_count"),
            Some(1.0),
            false,
            1e6,
        );
        let replicas = match obj.get("replicas") {
            Some(v) => {
                Some(self.integral(Some(v), &path.key("replicas"), Some(1.0), false, 1e6)?)
            }
            None => None,
        };
        let resources = obj
            .get("resources")
            .and_then(|v| self.resources(v, &path.key("resources")));
        let ports = self.list(obj.get("ports"), &path.key("ports"), Walker::port);
        let environment = self.list(
            obj.get("environment"),
            &path.key("environment"),
            Walker::env_var,
        );
        let volumes = self.list(obj.get("volumes"), &path.key("volumes"), Walker::volume);
        let command = match obj.get("command") {
            Some(Value::Null) | None => None,
            Some(v) => Some(self.string(Some(v), &path.key("command"), 1, None)?),
        };
        let work_dir = match obj.get("work_dir") {
            Some(v) => Some(self.string(Some(v), &path.key("work_dir"), 1, None)?),
            None => None,
        };
        let network = match obj.get("network") {
            Some(v) => Some(self.string(Some(v), &path.key("network"), 1, None)?),
            None => None,
        };
        let labels = match obj.get("labels") {
            Some(v) => Some(self.list(Some(v), &path.key("labels"), |w, v, p| {
                w.string(Some(v), p, 0, None)
            })?),
            None => None,
        };
        Some(ServiceGroup {
            name: name?,
            image: image?,
            monitor: monitor?,
            startup_order: order? as i64,
            total_count: total? as u32,
            essential_count: essential? as u32,
            resources: resources?,
            ports: ports?,
            environment: environment?,
            volumes: volumes?,
            command,
            work_dir,
            labels,
            network,
            replicas: replicas.map(|r| r as u32),
        })
    }

    fn resources(&mut self, value: &Value, path: &JsonPath) -> Option<Resources> {
        let obj = self.object(
            value,
            path,
            &["memory", "cores", "shm"],
            &["memory", "cores"],
        )?;
        let memory = obj.get("memory").and_then(|v| {
            let p = path.key("memory");
            let m = self.object(v, &p, &["min", "max"], &["min", "max"])?;
            let min = self.nullable(m.get("min"), &p.key("min"), |w, v, p| {
                w.integral(Some(v), p, Some(1024.0), false, u64::MAX as f64)
            });
            let max = self.nullable(m.get("max"), &p.key("max"), |w, v, p| {
                w.integral(Some(v), p, None, false, u64::MAX as f64)
            });
            Some(MemoryRange {
                min: min?.map(|n| n as u64),
                max: max?.map(|n| n.max(0.0) as u64),
            })
        });
        let cores = obj.get("cores").and_then(|v| {
            let p = path.key("cores");
            let c = self.object(v, &p, &["min", "max"], &["min", "max"])?;
            let min = self.nullable(c.get("min"), &p.key("min"), |w, v, p| {
                w.number(Some(v), p, Some(0.0), true)
            });
            let max = self.nullable(c.get("max"), &p.key("max"), |w, v, p| {
                w.number(Some(v), p, None, false)
            });
            Some(CoreRange {
                min: min?,
                max: max?,
            })
        });
        let shm = match obj.get("shm") {
            Some(v) => {
                Some(
                    self.integral(Some(v), &path.key("shm"), Some(0.0), false, u64::MAX as f64)?
                        as u64,
                )
            }
            None => None,
        };
        Some(Resources {
            memory: memory?,
            cores: cores?,
            shm,
        })
    }

    fn port(&mut self, value: &Value, path: &JsonPath) -> Option<Port> {
        let obj = self.object(
            value,
            path,
            &["name", "port_number", "protocol", "url_template", "proxy"],
            &["name", "port_number", "protocol", "url_template"],
        )?;
        let name = self.string(obj.get("name"), &path.key("name"), 3, None);
        let number = self.integral(
            obj.get("port_number"),
            &path.key("port_number"),
            Some(0.0),
            true,
            65535.0,
        );
        let protocol = match obj.get("protocol") {
            Some(Value::String(s)) if s == "tcp" => Some(Protocol::Tcp),
            Some(Value::String(s)) if s == "udp" => Some(Protocol::Udp),
            Some(other) => {
                self.err(
                    &path.key("protocol"),
                    format!("must be \"tcp\" or \"udp\", found {}", brief(other)),
                );
                None
            }
            None => None,
        };
        let url_template = self.string(obj.get("url_template"), &path.key("url_template"), 0, None);
        let proxy = match obj.get("proxy") {
            Some(v) => Some(self.boolean(Some(v), &path.key("proxy"))?),
            None => None,
        };
        Some(Port {
            name: name?,
            port_number: number? as u16,
            protocol: protocol?,
            url_template: url_template?,
            proxy,
        })
    }

    fn env_var(&mut self, value: &Value, path: &JsonPath) -> Option<(String, String)> {
        match value.as_array().map(Vec::as_slice) {
            Some([Value::String(name), Value::String(val)]) => Some((name.clone(), val.clone())),
            _ => {
                self.err(
                    path,
                    format!(
                        "must be a [\"NAME\", \"value\"] pair of two strings, found {}",
                        brief(value)
                    ),
                );
                None
            }
        }
    }

    fn volume(&mut self, value: &Value, path: &JsonPath) -> Option<Volume> {
        let Some(obj) = value.as_object() else {
            self.err(
                path,
                format!(
                    "must be an object {{name, path, read_only}}, found {}",
                    brief(value)
                ),
            );
            return None;
        };
        for key in obj
            .keys()
            .filter(|k| !["name", "path", "read_only"].contains(&k.as_str()))
        {
            let service = self.service.clone();
            self.warnings.push(Violation {
                path: path.key(key),
                service,
                message: format!("unknown volume field `{key}` is ignored"),
            });
        }
        for key in ["name", "path", "read_only"] {
            if !obj.contains_key(key) {
                self.err(
                    path,
                    format!("missing required field `{key}` (Zoe reads name, path and read_only)"),
                );
            }
        }
        let name = self.string(obj.get("name"), &path.key("name"), 3, None);
        let host = self.string(obj.get("path"), &path.key("path"), 2, None);
        let read_only = self.boolean(obj.get("read_only"), &path.key("read_only"));
        Some(Volume {
            name: name?,
            path: host?,
            read_only: read_only?,
        })
    }

    // ---- generic schema helpers -------------------------------------------

    fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &JsonPath,
        allowed: &[&str],
        required: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(obj) = value.as_object() else {
            self.err(path, format!("must be an object, found {}", brief(value)));
            return None;
        };
        for key in obj.keys().filter(|k| !allowed.contains(&k.as_str())) {
            let hint = match key.as_str() {
                "shm_size" => " (did you mean `shm`? Zoe's schema calls it `shm`)".to_string(),
                _ => format!(" (allowed: {})", allowed.join(", ")),
            };
            self.err(&path.key(key), format!("unknown field `{key}`{hint}"));
        }
        for key in required.iter().filter(|k| !obj.contains_key(**k)) {
            self.err(path, format!("missing required field `{key}`"));
        }
        Some(obj)
    }

    fn array<'v>(
        &mut self,
        value: Option<&'v Value>,
        path: &JsonPath,
        unique: bool,
    ) -> Option<&'v Vec<Value>> {
        let value = value?;
        let Some(items) = value.as_array() else {
            self.err(path, format!("must be an array, found {}", brief(value)));
            return None;
        };
        if unique {
            for i in unique_items(items) {
                self.err(
                    &path.index(i),
                    "duplicate item: every entry of this list must be unique",
                );
            }
        }
        Some(items)
    }

    /// An array whose items all convert; `None` if any item failed.
    fn list<T>(
        &mut self,
        value: Option<&Value>,
        path: &JsonPath,
        item: impl Fn(&mut Walker, &Value, &JsonPath) -> Option<T>,
    ) -> Option<Vec<T>> {
        let items = self.array(value, path, true)?;
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, v) in items.iter().enumerate() {
            match item(self, v, &path.index(i)) {
                Some(t) => out.push(t),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// `null` → `Some(None)`; a valid value → `Some(Some(v))`; else `None`.
    fn nullable<T>(
        &mut self,
        value: Option<&Value>,
        path: &JsonPath,
        inner: impl Fn(&mut Walker, &Value, &JsonPath) -> Option<T>,
    ) -> Option<Option<T>> {
        match value? {
            Value::Null => Some(None),
            v => inner(self, v, path).map(Some),
        }
    }

    fn string(
        &mut self,
        value: Option<&Value>,
        path: &JsonPath,
        min: usize,
        max: Option<usize>,
    ) -> Option<String> {
        let value = value?;
        let Some(text) = value.as_str() else {
            self.err(path, format!("must be a string, found {}", brief(value)));
            return None;
        };
        let len = text.chars().count();
        if len < min {
            self.err(
                path,
                format!("must be at least {min} characters long, found {len}"),
            );
            return None;
        }
        if let Some(max) = max
            && len > max
        {
            self.err(
                path,
                format!("must be at most {max} characters long, found {len}"),
            );
            return None;
        }
        Some(text.to_string())
    }

    fn boolean(&mut self, value: Option<&Value>, path: &JsonPath) -> Option<bool> {
        let value = value?;
        let b = value.as_bool();
        if b.is_none() {
            self.err(
                path,
                format!("must be true or false, found {}", brief(value)),
            );
        }
        b
    }

    fn number(
        &mut self,
        value: Option<&Value>,
        path: &JsonPath,
        minimum: Option<f64>,
        exclusive: bool,
    ) -> Option<f64> {
        let value = value?;
        let Some(n) = value.as_f64() else {
            self.err(path, format!("must be a number, found {}", brief(value)));
            return None;
        };
        if let Some(min) = minimum {
            let below = if exclusive { n <= min } else { n < min };
            if below {
                let relation = if exclusive {
                    "greater than"
                } else {
                    "at least"
                };
                self.err(path, format!("must be {relation} {min}, found {n}"));
                return None;
            }
        }
        Some(n)
    }

    /// A number with no fractional part (`multipleOf: 1`), within bounds.
    fn integral(
        &mut self,
        value: Option<&Value>,
        path: &JsonPath,
        minimum: Option<f64>,
        exclusive: bool,
        maximum: f64,
    ) -> Option<f64> {
        let n = self.number(value, path, minimum, exclusive)?;
        if n.fract() != 0.0 {
            self.err(path, format!("must be a whole number, found {n}"));
            return None;
        }
        if n > maximum {
            self.err(path, format!("must be at most {maximum}, found {n}"));
            return None;
        }
        Some(n)
    }
}

/// Indices of the items equal to an earlier item, as JSON values (what
/// Zoe's jsonschema compares for `uniqueItems`): the order of an object's
/// keys does not matter and numbers are equal by value, `8080 == 8080.0`
/// as in Python. `true` and `1` (or `false` and `0`) are different items,
/// also inside arrays and objects: Python has `True == 1`, but jsonschema
/// keeps booleans apart from numbers for `uniqueItems`, as JSON Schema
/// says.
fn unique_items(items: &[Value]) -> Vec<usize> {
    let mut seen = HashSet::new();
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            let mut key = String::new();
            canonical(item, &mut key);
            !seen.insert(key)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Writes a text that is the same for two JSON values exactly when they are
/// equal as `unique_items` compares them: object keys sorted, and each
/// number as its value (a whole float as the integer it equals).
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Number(n) => {
            out.push('n');
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                // Whole floats below 2^127 convert exactly, so one equal to
                // an integer gets that integer's text; -0.0 is 0.
                if f.fract() == 0.0 && f.abs() < 2f64.powi(127) {
                    out.push_str(&(f as i128).to_string());
                } else {
                    // Shortest digits that round-trip: one text per value.
                    out.push_str(&format!("{f:e}"));
                }
            }
        }
        Value::Array(items) => {
            out.push('[');
            for item in items {
                canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for key in keys {
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    canonical(v, out);
                }
                out.push(',');
            }
            out.push('}');
        }
        // null, booleans and strings: their JSON text is already canonical
        // and cannot be confused with a number's.
        other => out.push_str(&other.to_string()),
    }
}

/// A short rendering of a JSON value for messages.
fn brief(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "null".into(),
        Value::Bool(b) => return b.to_string(),
        Value::Number(n) => return n.to_string(),
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let text = value.to_string();
    if text.chars().count() <= 40 {
        format!("{kind} {text}")
    } else {
        let cut: String = text.chars().take(37).collect();
        format!("{kind} {cut}...")
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;

/// Reads back a description this console stored (cache or labels). It was
/// validated when submitted; the limits may have changed since, so none are
/// applied again.
pub fn parse_stored(text: &str) -> Result<Description, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("stored description: {e}"))?;
    validate_value(
        &value,
        &Limits {
            max_memory_bytes: u64::MAX,
            max_cores: f64::MAX,
        },
    )
    .map(|v| v.description)
    .map_err(|errs| {
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}
