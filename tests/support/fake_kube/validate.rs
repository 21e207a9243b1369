//! What the API server refuses on create: names, labels, port names, env
//! names, Services without ports. Each error is (field path, message) in the
//! API server's words.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Container, Namespace, Pod, Secret, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::quantity;

pub type Errors = Vec<(String, String)>;

const DNS1123_LABEL: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const ENV_NAME: &str = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

pub fn dns1123_label(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if name.len() > 63 {
        out.push("must be no more than 63 characters".to_string());
    }
    let ok = !name.is_empty()
        && name.chars().all(|c| lower_alnum(c) || c == '-')
        && name.chars().next().is_some_and(lower_alnum)
        && name.chars().last().is_some_and(lower_alnum);
    if !ok {
        out.push(DNS1123_LABEL.to_string());
    }
    out
}

pub fn dns1123_subdomain(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if name.len() > 253 {
        out.push("must be no more than 253 characters".to_string());
    }
    let ok = name.split('.').all(|part| {
        !part.is_empty()
            && part.chars().all(|c| lower_alnum(c) || c == '-')
            && part.chars().next().is_some_and(lower_alnum)
            && part.chars().last().is_some_and(lower_alnum)
    });
    if !ok {
        out.push(DNS1123_SUBDOMAIN.to_string());
    }
    out
}

pub fn dns1035_label(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if name.len() > 63 {
        out.push("must be no more than 63 characters".to_string());
    }
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| lower_alnum(c) || c == '-')
        && name.chars().last().is_some_and(lower_alnum);
    if !ok {
        out.push(DNS1035_LABEL.to_string());
    }
    out
}

fn label_chars(text: &str) -> bool {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    text.chars()
        .all(|c| alnum(c) || c == '-' || c == '_' || c == '.')
        && text.chars().next().is_some_and(alnum)
        && text.chars().last().is_some_and(alnum)
}

/// IANA_SVC_NAME: at most 15 characters, lowercase alphanumerics and '-',
/// at least one letter, no '-' at either end nor two in a row.
pub fn port_name(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if name.len() > 15 {
        out.push("must be no more than 15 characters".to_string());
    }
    if !name.chars().all(|c| lower_alnum(c) || c == '-') {
        out.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if name.contains("--") {
        out.push("must not contain consecutive hyphens".into());
    }
    if !name.chars().any(|c| c.is_ascii_lowercase()) {
        out.push("must contain at least one letter (a-z)".into());
    }
    if name.starts_with('-') || name.ends_with('-') {
        out.push("must not begin or end with a hyphen".into());
    }
    out
}

fn push(errors: &mut Errors, field: &str, value: &str, messages: Vec<String>) {
    for m in messages {
        errors.push((
            field.to_string(),
            format!("Invalid value: \"{value}\": {m}"),
        ));
    }
}

/// Label keys (optional DNS subdomain prefix, name ≤ 63) and values (≤ 63).
pub fn labels(field: &str, labels: Option<&BTreeMap<String, String>>, errors: &mut Errors) {
    for (key, value) in labels.into_iter().flatten() {
        let (prefix, name) = match key.rsplit_once('/') {
            Some((p, n)) => (Some(p), n),
            None => (None, key.as_str()),
        };
        if let Some(prefix) = prefix {
            let mut bad = dns1123_subdomain(prefix);
            if prefix.is_empty() {
                bad = vec!["prefix part must be non-empty".into()];
            }
            push(
                errors,
                field,
                key,
                bad.into_iter()
                    .map(|m| format!("prefix part {m}"))
                    .collect(),
            );
        }
        let mut bad = Vec::new();
        if name.len() > 63 {
            bad.push("name part must be no more than 63 characters".to_string());
        }
        if !label_chars(name) {
            bad.push(QUALIFIED_NAME.to_string());
        }
        push(errors, field, key, bad);
        let mut bad = Vec::new();
        if value.len() > 63 {
            bad.push("must be no more than 63 characters".to_string());
        }
        if !value.is_empty() && !label_chars(value) {
            bad.push(LABEL_VALUE.to_string());
        }
        push(errors, &format!("{field}[{key}]"), value, bad);
    }
}

fn name_of(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

fn metadata(meta: &ObjectMeta, name_rule: fn(&str) -> Vec<String>, errors: &mut Errors) {
    match &meta.name {
        None => errors.push((
            "metadata.name".into(),
            "Required value: name or generateName is required".into(),
        )),
        Some(name) => push(errors, "metadata.name", name, name_rule(name)),
    }
    labels("metadata.labels", meta.labels.as_ref(), errors);
}

fn container(field: &str, c: &Container, names: &mut BTreeSet<String>, errors: &mut Errors) {
    push(
        errors,
        &format!("{field}.name"),
        &c.name,
        dns1123_label(&c.name),
    );
    if !names.insert(c.name.clone()) {
        errors.push((
            format!("{field}.name"),
            format!("Duplicate value: \"{}\"", c.name),
        ));
    }
    if c.image.as_deref().is_none_or(str::is_empty) {
        errors.push((format!("{field}.image"), "Required value".into()));
    }
    for (i, env) in c.env.iter().flatten().enumerate() {
        let ok = env
            .name
            .chars()
            .next()
            .is_some_and(|ch| !ch.is_ascii_digit())
            && env
                .name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' || ch == '.');
        if !ok {
            push(
                errors,
                &format!("{field}.env[{i}].name"),
                &env.name,
                vec![ENV_NAME.into()],
            );
        }
    }
    for (i, port) in c.ports.iter().flatten().enumerate() {
        if let Some(name) = &port.name {
            push(
                errors,
                &format!("{field}.ports[{i}].name"),
                name,
                port_name(name),
            );
        }
        if !(1..=65535).contains(&port.container_port) {
            errors.push((
                format!("{field}.ports[{i}].containerPort"),
                format!(
                    "Invalid value: {}: must be between 1 and 65535, inclusive",
                    port.container_port
                ),
            ));
        }
    }
    if let Some(res) = &c.resources {
        for (resource, request) in res.requests.iter().flatten() {
            let limit = res.limits.as_ref().and_then(|l| l.get(resource));
            if let (Some(r), Some(l)) = (
                quantity::milli(&request.0),
                limit.and_then(|l| quantity::milli(&l.0)),
            ) && r > l
            {
                errors.push((
                    format!("{field}.resources.requests"),
                    format!(
                        "Invalid value: \"{}\": must be less than or equal to {resource} limit of {}",
                        request.0,
                        limit.map(|l| l.0.as_str()).unwrap_or_default()
                    ),
                ));
            }
        }
    }
}

pub fn pod(pod: &Pod) -> Errors {
    let mut errors = Errors::new();
    metadata(&pod.metadata, dns1123_subdomain, &mut errors);
    let Some(spec) = &pod.spec else {
        errors.push(("spec".into(), "Required value".into()));
        return errors;
    };
    if spec.containers.is_empty() {
        errors.push(("spec.containers".into(), "Required value".into()));
    }
    let mut names = BTreeSet::new();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        container(
            &format!("spec.initContainers[{i}]"),
            c,
            &mut names,
            &mut errors,
        );
    }
    for (i, c) in spec.containers.iter().enumerate() {
        container(&format!("spec.containers[{i}]"), c, &mut names, &mut errors);
    }
    labels(
        "spec.nodeSelector",
        spec.node_selector.as_ref(),
        &mut errors,
    );
    errors
}

pub fn service(service: &Service) -> Errors {
    let mut errors = Errors::new();
    metadata(&service.metadata, dns1035_label, &mut errors);
    let Some(spec) = &service.spec else {
        errors.push(("spec.ports".into(), "Required value".into()));
        return errors;
    };
    labels("spec.selector", spec.selector.as_ref(), &mut errors);
    let headless = spec.cluster_ip.as_deref() == Some("None");
    let ports = spec.ports.as_deref().unwrap_or_default();
    if ports.is_empty() && !headless {
        errors.push(("spec.ports".into(), "Required value".into()));
    }
    let mut seen = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let field = format!("spec.ports[{i}]");
        match &port.name {
            Some(name) if !name.is_empty() => {
                push(&mut errors, &format!("{field}.name"), name, port_name(name));
                if !seen.insert(name.clone()) {
                    errors.push((
                        format!("{field}.name"),
                        format!("Duplicate value: \"{name}\""),
                    ));
                }
            }
            _ if ports.len() > 1 => errors.push((format!("{field}.name"), "Required value".into())),
            _ => {}
        }
        if !(1..=65535).contains(&port.port) {
            errors.push((
                format!("{field}.port"),
                format!(
                    "Invalid value: {}: must be between 1 and 65535, inclusive",
                    port.port
                ),
            ));
        }
    }
    if headless && spec.type_.as_deref().is_some_and(|t| t != "ClusterIP") {
        errors.push((
            "spec.clusterIPs[0]".into(),
            "Invalid value: \"None\": may only be set to \"None\" for ClusterIP services".into(),
        ));
    }
    errors
}

/// A Secret as the API server checks it: a DNS subdomain name, data keys
/// of `[-._a-zA-Z0-9]+`, at most 1 MiB of data, and what its type needs
/// (`kubernetes.io/dockerconfigjson`: a `.dockerconfigjson` key holding a
/// JSON object; the server never echoes secret contents).
pub fn secret(secret: &Secret) -> Errors {
    let mut errors = Errors::new();
    metadata(&secret.metadata, dns1123_subdomain, &mut errors);
    let data = secret.data.clone().unwrap_or_default();
    let mut total = 0;
    for (key, value) in &data {
        total += value.0.len();
        let ok = !key.is_empty()
            && key != "."
            && key != ".."
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !ok {
            errors.push((
                format!("data[{key}]"),
                format!(
                    "Invalid value: \"{key}\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
                ),
            ));
        }
    }
    if total > 1024 * 1024 {
        errors.push((
            "data".into(),
            "Too long: must have at most 1048576 bytes".into(),
        ));
    }
    match secret.type_.as_deref() {
        None | Some("Opaque") => {}
        Some("kubernetes.io/dockerconfigjson") => match data.get(".dockerconfigjson") {
            None => errors.push(("data[.dockerconfigjson]".into(), "Required value".into())),
            Some(bytes) => {
                let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&bytes.0);
                if !parsed.as_ref().is_ok_and(|v| v.is_object()) {
                    errors.push((
                        "data[.dockerconfigjson]".into(),
                        "Invalid value: \"<secret contents redacted>\": invalid JSON".into(),
                    ));
                }
            }
        },
        Some("kubernetes.io/basic-auth") => {
            if !data.contains_key("username") && !data.contains_key("password") {
                errors.push(("data[username]".into(), "Required value".into()));
            }
        }
        // other types (custom ones too) are not checked by the server
        Some(_) => {}
    }
    errors
}

pub fn namespace(namespace: &Namespace) -> Errors {
    let mut errors = Errors::new();
    metadata(&namespace.metadata, dns1123_label, &mut errors);
    errors
}

pub fn display_name(meta: &ObjectMeta) -> String {
    name_of(meta)
}
