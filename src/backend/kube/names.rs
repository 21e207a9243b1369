//! Names Kubernetes would refuse, refused before anything is created: every
//! message names the instance or field, the value and the rule it breaks
//! (the API server's own rules: RFC 1035 and 1123 names, qualified label
//! keys, label values, IANA port names, environment variable names).

use std::collections::{HashMap, HashSet};

use crate::config::kube::{KubeTarget, VolumeSource};
use crate::model::Instance;

/// Longest DNS label (Service, container, port-less names).
pub const MAX_LABEL: usize = 63;
/// Longest DNS subdomain (pod names, label key prefixes).
pub const MAX_SUBDOMAIN: usize = 253;

fn lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Why `text` is no RFC 1035 label (a Service name): `None` when it is one.
pub fn rfc1035_label(text: &str) -> Option<&'static str> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > MAX_LABEL {
        Some("must be 1 to 63 characters long")
    } else if !b.iter().all(|&c| lower_alnum(c) || c == b'-') {
        Some("may only contain lowercase letters, digits and `-`")
    } else if !b[0].is_ascii_lowercase() {
        Some("must start with a letter")
    } else if !b.last().is_some_and(|&c| lower_alnum(c)) {
        Some("must end with a letter or a digit")
    } else {
        None
    }
}

/// Why `text` is no RFC 1123 label (a container name).
pub fn rfc1123_label(text: &str) -> Option<&'static str> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > MAX_LABEL {
        Some("must be 1 to 63 characters long")
    } else if !b.iter().all(|&c| lower_alnum(c) || c == b'-') {
        Some("may only contain lowercase letters, digits and `-`")
    } else if !lower_alnum(b[0]) || !b.last().is_some_and(|&c| lower_alnum(c)) {
        Some("must start and end with a letter or a digit")
    } else {
        None
    }
}

/// Why `text` is no RFC 1123 subdomain (a pod or secret name).
pub fn rfc1123_subdomain(text: &str) -> Option<&'static str> {
    if text.is_empty() || text.len() > MAX_SUBDOMAIN {
        return Some("must be 1 to 253 characters long");
    }
    text.split('.')
        .find_map(|part| rfc1123_label(part).map(|_| "must be dot-separated parts of lowercase letters, digits and `-`, each starting and ending with a letter or digit"))
}

/// Why `text` is no label value: at most 63 characters of letters,
/// digits, `-`, `_`, `.`, starting and ending with a letter or digit; empty
/// is allowed.
pub fn label_value(text: &str) -> Option<&'static str> {
    let b = text.as_bytes();
    if b.is_empty() {
        return None;
    }
    if b.len() > MAX_LABEL {
        Some("a label value must be at most 63 characters long")
    } else if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    {
        Some("a label value may only contain letters, digits, `-`, `_` and `.`")
    } else if !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        Some("a label value must start and end with a letter or a digit")
    } else {
        None
    }
}

/// Why `text` is no qualified name (a label or annotation key):
/// `[prefix/]name`, the prefix a DNS subdomain, the name as a label value
/// but not empty.
pub fn label_key(text: &str) -> Option<&'static str> {
    let (prefix, name) = match text.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, text),
    };
    if let Some(prefix) = prefix
        && rfc1123_subdomain(prefix).is_some()
    {
        return Some(
            "a label key's prefix must be a DNS subdomain (lowercase, at most 253 characters)",
        );
    }
    if name.is_empty() {
        return Some("a label key's name must not be empty");
    }
    label_value(name).map(|_| {
        "a label key's name must be at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or a digit"
    })
}

/// Why `text` is no IANA service name (a port name): 1–15 lowercase
/// letters, digits and `-`, at least one letter, no `-` at an end or twice
/// in a row.
pub fn port_name(text: &str) -> Option<&'static str> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > 15 {
        Some("a port name must be 1 to 15 characters long")
    } else if !b.iter().all(|&c| lower_alnum(c) || c == b'-') {
        Some("a port name may only contain lowercase letters, digits and `-`")
    } else if !b.iter().any(u8::is_ascii_lowercase) {
        Some("a port name must contain a letter")
    } else if b[0] == b'-' || b[b.len() - 1] == b'-' || text.contains("--") {
        Some("a port name must not start or end with `-` nor hold `--`")
    } else {
        None
    }
}

/// Why `text` is no environment variable name every API server takes
/// (before `RelaxedEnvironmentVariableValidation`): letters, digits, `_`,
/// `-`, `.`, not starting with a digit.
pub fn env_name(text: &str) -> Option<&'static str> {
    let b = text.as_bytes();
    if b.is_empty() {
        Some("an environment variable name must not be empty")
    } else if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    {
        Some("an environment variable name may only contain letters, digits, `_`, `-` and `.`")
    } else if b[0].is_ascii_digit() {
        Some("an environment variable name must not start with a digit")
    } else {
        None
    }
}

/// The name of a declared port, on the pod and on its Services.
pub fn port_name_of(port: &crate::model::Port) -> String {
    format!("{}-{}", port.protocol.as_str(), port.port_number)
}

/// Refuses, before anything is created, every name of `instances` the
/// cluster would refuse; one message per problem (each group's problems
/// once).
pub fn preflight(instances: &[Instance], target: &KubeTarget) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut seen_groups = HashSet::new();
    let mut named: HashSet<(&str, bool)> = HashSet::new();
    let mut lowered: HashMap<String, &str> = HashMap::new();
    for instance in instances {
        let dns = instance.dns_name.to_ascii_lowercase();
        if let Some(other) = lowered.insert(dns.clone(), &instance.name) {
            problems.push(format!(
                "instances `{other}` and `{}`: both are named `{dns}` on Kubernetes (names are lowercase there); rename one group",
                instance.name
            ));
        }
        let group = &instance.group;
        // every instance's name (a later one can be longer: `worker10`),
        // each kind of problem said once per group
        if let Some(rule) = rfc1035_label(&dns) {
            let too_long = dns.len() > MAX_LABEL;
            let rule = if too_long {
                format!(
                    "is {} characters, over the 63 of a Kubernetes Service name (RFC 1035 label): shorten the group or deployment name",
                    dns.len()
                )
            } else if instance
                .group
                .starts_with(|c: char| !c.is_ascii_alphabetic())
            {
                "a Kubernetes Service name must start with a letter (RFC 1035 label)".to_string()
            } else {
                format!("a Kubernetes Service name {rule} (RFC 1035 label)")
            };
            if named.insert((group.as_str(), too_long)) {
                problems.push(format!("service group `{group}` (name `{dns}`): {rule}"));
            }
        }
        if !seen_groups.insert(instance.group.as_str()) {
            continue;
        }
        if let Some(rule) = label_value(&instance.name) {
            problems.push(format!(
                "service group `{group}`, instance `{}`: {rule} (label `zoe_service_name`)",
                instance.name
            ));
        }
        check_ports(instance, &mut problems);
        for (name, _) in &instance.environment {
            if let Some(rule) = env_name(name) {
                problems.push(format!(
                    "service group `{group}`, environment variable `{name}`: {rule}"
                ));
            }
        }
        for label in &instance.labels {
            let (key, value) = label.split_once('=').unwrap_or((label, ""));
            if let Some(rule) = label_key(key).or_else(|| label_value(value)) {
                problems.push(format!(
                    "service group `{group}`, node label `{label}`: {rule} (it becomes node affinity)"
                ));
            }
        }
        check_volumes(instance, &mut problems);
    }
    check_target(target, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn check_ports(instance: &Instance, problems: &mut Vec<String>) {
    let group = &instance.group;
    let mut seen = HashSet::new();
    for port in &instance.ports {
        if port.port_number == 0 {
            problems.push(format!(
                "service group `{group}`, port `{}`: port 0 is not a port (1 to 65535)",
                port.name
            ));
        }
        if !matches!(port.protocol.as_str(), "tcp" | "udp") {
            problems.push(format!(
                "service group `{group}`, port `{}`: only tcp and udp ports are supported",
                port.name
            ));
        }
        let name = port_name_of(port);
        if let Some(rule) = port_name(&name) {
            problems.push(format!("service group `{group}`, port `{name}`: {rule}"));
        }
        if !seen.insert(name.clone()) {
            problems.push(format!(
                "service group `{group}`: port {} is declared twice",
                port.key()
            ));
        }
    }
}

fn check_volumes(instance: &Instance, problems: &mut Vec<String>) {
    let group = &instance.group;
    let mut mounts = HashSet::new();
    if instance.shm_bytes.is_some() {
        mounts.insert("/dev/shm".to_string());
    }
    for volume in &instance.volumes {
        if volume.path.is_empty() || volume.path.split('/').any(|part| part == "..") {
            problems.push(format!(
                "service group `{group}`, volume `{}`: host path `{}` must not be empty nor contain `..`",
                volume.name, volume.path
            ));
        }
        if !mounts.insert(volume.mount_point()) {
            problems.push(format!(
                "service group `{group}`, volume `{}`: mount point `{}` is used twice",
                volume.name,
                volume.mount_point()
            ));
        }
    }
}

fn check_target(target: &KubeTarget, problems: &mut Vec<String>) {
    let at = format!("settings of cluster `{}`", target.name);
    for secret in &target.image_pull_secrets {
        if let Some(rule) = rfc1123_subdomain(secret) {
            problems.push(format!(
                "{at}, image pull secret `{secret}`: a secret name {rule}"
            ));
        }
    }
    if let Some(policy) = &target.image_pull_policy
        && !matches!(policy.as_str(), "Always" | "IfNotPresent" | "Never")
    {
        problems.push(format!(
            "{at}: image pull policy `{policy}` is not Always, IfNotPresent or Never"
        ));
    }
    for t in &target.tolerations {
        let key = t.key.as_deref().unwrap_or("");
        let rule = if !matches!(t.operator.as_str(), "" | "Equal" | "Exists") {
            Some("the operator must be Equal or Exists".to_string())
        } else if t.operator == "Exists" && t.value.as_deref().is_some_and(|v| !v.is_empty()) {
            Some("an Exists toleration takes no value".to_string())
        } else if key.is_empty() && t.operator != "Exists" {
            Some("a toleration without key must use Exists".to_string())
        } else if !key.is_empty()
            && let Some(rule) = label_key(key)
        {
            Some(rule.to_string())
        } else if let Some(rule) = label_value(t.value.as_deref().unwrap_or("")) {
            Some(rule.to_string())
        } else if let Some(effect) = t.effect.as_deref()
            && !matches!(effect, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute")
        {
            Some(format!(
                "effect `{effect}` is not NoSchedule, PreferNoSchedule or NoExecute"
            ))
        } else {
            None
        };
        if let Some(rule) = rule {
            problems.push(format!("{at}, toleration of `{key}`: {rule}"));
        }
    }
    for mapping in &target.volumes {
        if let VolumeSource::Pvc { claim } = &mapping.source
            && let Some(rule) = rfc1123_subdomain(claim)
        {
            problems.push(format!(
                "{at}, volume `{}`: claim name `{claim}` {rule}",
                mapping.host_path
            ));
        }
    }
}

#[cfg(test)]
#[path = "names_tests.rs"]
pub(crate) mod tests;
