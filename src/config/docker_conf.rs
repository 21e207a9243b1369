//! Zoe's `docker.conf`: an INI file, one section per Docker host (see
//! <https://github.com/DistributedSystemsGroup/zoe/blob/master/zoe_master/backends/docker/config.py>),
//! read with Python `configparser` semantics — `key: value` or
//! `key = value`, `#`/`;` comment lines, case-insensitive keys, indented
//! continuation lines, and a `[DEFAULT]` section whose keys every host
//! inherits unless it sets its own.
//!
//! Zoe's quirks and how we treat them:
//! * the docs say `address`, the code reads `docker_address`: we
//!   accept `address` as an alias, with a warning.
//! * labels are split on `,` without trimming in Zoe: we trim them and
//!   drop empty ones (`gpu, ssd` means `gpu` and `ssd`).
//! * `external_address` must be an IP literal in Zoe (a database
//!   column type): we also accept a host name, it only ends up in URLs.
//! * A host section missing a required key is skipped with an error, as in
//!   Zoe; the other hosts still load.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// How to reach a Docker Engine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DockerAddress {
    /// `unix:///run/docker.sock`
    Unix { path: PathBuf },
    /// `tcp://host:port`, `host:port`, `http://…`, `https://…`
    Tcp { host: String, port: u16 },
}

impl fmt::Display for DockerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DockerAddress::Unix { path } => write!(f, "unix://{}", path.display()),
            DockerAddress::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
        }
    }
}

impl DockerAddress {
    /// Parses the forms the Docker client and Zoe accept.
    pub fn parse(text: &str) -> Result<DockerAddress, String> {
        let text = text.trim();
        if let Some(path) = text.strip_prefix("unix://") {
            if path.starts_with('/') {
                return Ok(DockerAddress::Unix {
                    path: PathBuf::from(path),
                });
            }
            return Err(format!(
                "`{text}`: a unix socket address needs an absolute path, like unix:///run/docker.sock"
            ));
        }
        let rest = ["tcp://", "http://", "https://"]
            .iter()
            .find_map(|scheme| text.strip_prefix(scheme))
            .unwrap_or(text);
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() => {
                let port: u16 = port
                    .parse()
                    .map_err(|_| format!("`{text}`: `{port}` is not a port number"))?;
                (host, port)
            }
            _ => {
                return Err(format!(
                    "`{text}` is not a Docker address: use host:port, tcp://host:port or unix:///path"
                ));
            }
        };
        if port == 0 || host.contains('/') || host.contains(char::is_whitespace) {
            return Err(format!(
                "`{text}` is not a Docker address: use host:port, tcp://host:port or unix:///path"
            ));
        }
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        Ok(DockerAddress::Tcp { host, port })
    }
}

/// Client certificate, key and the CA that must have signed the daemon's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
}

/// One Docker host from `docker.conf`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DockerHost {
    /// The section name: the node name used in placement and display.
    pub name: String,
    pub address: DockerAddress,
    /// Where users reach published ports.
    pub external_address: String,
    pub tls: Option<TlsFiles>,
    pub labels: Vec<String>,
}

impl DockerHost {
    /// The label `disabled` drains a host: nothing new is placed on it.
    pub fn is_disabled(&self) -> bool {
        self.labels.iter().any(|l| l == "disabled")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfProblem {
    pub line: Option<usize>,
    pub section: Option<String>,
    pub error: bool,
    pub message: String,
}

impl fmt::Display for ConfProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(section) = &self.section {
            write!(f, "[{section}] ")?;
        }
        write!(
            f,
            "{}: {}",
            if self.error { "error" } else { "warning" },
            self.message
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedHosts {
    pub hosts: Vec<DockerHost>,
    pub problems: Vec<ConfProblem>,
}

/// A value and the line it came from.
type Values = BTreeMap<String, (String, usize)>;

/// Parses `docker.conf` text. Never fails as a whole: each problem is
/// reported with its line and section, and every good host is returned.
pub fn parse_docker_conf(text: &str) -> ParsedHosts {
    let mut out = ParsedHosts::default();
    let (defaults, sections) = parse_ini(text, &mut out.problems);
    for (name, line, own) in sections {
        let mut values = defaults.clone();
        values.extend(own);
        if let Some(host) = host_from(&name, line, &values, &mut out.problems) {
            out.hosts.push(host);
        }
    }
    if out.hosts.is_empty() && !out.problems.iter().any(|p| p.error) {
        out.problems.push(ConfProblem {
            line: None,
            section: None,
            error: true,
            message: "no Docker host is defined: add a section like [host1] with docker_address and external_address".into(),
        });
    }
    out
}

/// configparser-style reading: `[DEFAULT]` values and the other sections in
/// file order.
fn parse_ini(
    text: &str,
    problems: &mut Vec<ConfProblem>,
) -> (Values, Vec<(String, usize, Values)>) {
    let mut defaults = Values::new();
    let mut sections: Vec<(String, usize, Values)> = Vec::new();
    let mut current: Option<usize> = None; // index into sections; None = before any / DEFAULT
    let mut in_default = false;
    let mut last_key: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            if trimmed.is_empty() {
                last_key = None;
            }
            continue;
        }
        let indented = line.len() != trimmed.len();
        if indented && let Some(key) = &last_key {
            // a continuation line extends the previous value
            let target = if in_default {
                Some(&mut defaults)
            } else {
                current.map(|c| &mut sections[c].2)
            };
            if let Some((value, _)) = target.and_then(|values| values.get_mut(key)) {
                value.push('\n');
                value.push_str(trimmed);
            }
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            let name = name.trim().to_string();
            last_key = None;
            if name == "DEFAULT" {
                in_default = true;
                current = None;
            } else if sections.iter().any(|(n, _, _)| *n == name) {
                problems.push(ConfProblem {
                    line: Some(line_no),
                    section: Some(name.clone()),
                    error: true,
                    message: "this section is defined twice; the second one is ignored".into(),
                });
                in_default = false;
                current = None;
            } else if name.is_empty() {
                problems.push(ConfProblem {
                    line: Some(line_no),
                    section: None,
                    error: true,
                    message: "empty section name".into(),
                });
                in_default = false;
                current = None;
            } else {
                in_default = false;
                sections.push((name, line_no, Values::new()));
                current = Some(sections.len() - 1);
            }
            continue;
        }
        let split = trimmed.find([':', '=']);
        let Some(at) = split else {
            problems.push(ConfProblem {
                line: Some(line_no),
                section: current.map(|c| sections[c].0.clone()),
                error: true,
                message: format!("`{trimmed}` is not `key: value` or `key = value`"),
            });
            continue;
        };
        let key = trimmed[..at].trim().to_lowercase();
        let value = trimmed[at + 1..].trim().to_string();
        let target = if in_default {
            Some(&mut defaults)
        } else {
            current.map(|c| &mut sections[c].2)
        };
        match target {
            Some(values) => {
                if values.insert(key.clone(), (value, line_no)).is_some() {
                    problems.push(ConfProblem {
                        line: Some(line_no),
                        section: current.map(|c| sections[c].0.clone()),
                        error: false,
                        message: format!("`{key}` is set twice; the last value wins"),
                    });
                }
                last_key = Some(key);
            }
            None => problems.push(ConfProblem {
                line: Some(line_no),
                section: None,
                error: true,
                message: format!("`{key}` is outside any [section]"),
            }),
        }
    }
    (defaults, sections)
}

const KNOWN_KEYS: &[&str] = &[
    "docker_address",
    "address",
    "external_address",
    "use_tls",
    "tls_cert",
    "tls_key",
    "tls_ca",
    "labels",
];

fn host_from(
    name: &str,
    line: usize,
    values: &Values,
    problems: &mut Vec<ConfProblem>,
) -> Option<DockerHost> {
    let section = Some(name.to_string());
    let mut problem = |line: usize, error: bool, message: String| {
        problems.push(ConfProblem {
            line: Some(line),
            section: section.clone(),
            error,
            message,
        });
    };
    for (key, (_, at)) in values {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            problem(
                *at,
                false,
                format!(
                    "unknown key `{key}` is ignored (known: {})",
                    KNOWN_KEYS.join(", ")
                ),
            );
        }
    }
    let address = match (values.get("docker_address"), values.get("address")) {
        (Some(v), _) => Some(v),
        (None, Some(v)) => {
            problem(v.1, false, "`address` is read as `docker_address` (Zoe itself ignores `address` and skips the host): rename it".into());
            Some(v)
        }
        (None, None) => None,
    };
    let mut missing = Vec::new();
    if address.is_none() {
        missing.push("docker_address");
    }
    let external = values.get("external_address");
    if external.is_none() {
        missing.push("external_address");
    }
    let use_tls = match values.get("use_tls") {
        None => {
            missing.push("use_tls");
            None
        }
        Some((value, at)) => match parse_bool(value) {
            Some(b) => Some(b),
            None => {
                problem(
                    *at,
                    true,
                    format!(
                        "use_tls `{value}` is not a boolean (yes/no, true/false, on/off, 1/0); host skipped"
                    ),
                );
                return None;
            }
        },
    };
    let tls = if use_tls == Some(true) {
        let file =
            |key: &str, missing: &mut Vec<&'static str>, static_key: &'static str| match values
                .get(key)
            {
                Some((v, _)) if !v.is_empty() => Some(PathBuf::from(v)),
                _ => {
                    missing.push(static_key);
                    None
                }
            };
        let cert = file("tls_cert", &mut missing, "tls_cert");
        let key = file("tls_key", &mut missing, "tls_key");
        let ca = file("tls_ca", &mut missing, "tls_ca");
        match (cert, key, ca) {
            (Some(cert), Some(key), Some(ca)) => Some(TlsFiles { cert, key, ca }),
            _ => None,
        }
    } else {
        None
    };
    if !missing.is_empty() {
        problem(
            line,
            true,
            format!("missing {}; host skipped", missing.join(", ")),
        );
        return None;
    }
    let (address_text, address_line) = address?;
    let address = match DockerAddress::parse(address_text) {
        Ok(a) => a,
        Err(why) => {
            problem(*address_line, true, format!("{why}; host skipped"));
            return None;
        }
    };
    let (external, external_line) = external?;
    if external.is_empty() || external.contains(char::is_whitespace) || external.contains('/') {
        problem(
            *external_line,
            true,
            format!(
                "external_address `{external}` must be an IP address or a host name; host skipped"
            ),
        );
        return None;
    }
    let labels = values
        .get("labels")
        .map(|(v, _)| {
            v.split([',', '\n'])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Some(DockerHost {
        name: name.to_string(),
        address,
        external_address: external.clone(),
        tls,
        labels,
    })
}

/// configparser's booleans.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
#[path = "docker_conf_tests.rs"]
mod tests;
