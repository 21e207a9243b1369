//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: the server-side
//! columns kubectl prints (pods, nodes, services, namespaces).

use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::store::Kind;

pub fn has_table(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Pod | Kind::Node | Kind::Service | Kind::Namespace
    )
}

/// String columns: `shown` by default (priority 0), then `wide` ones
/// (priority 1, for `-o wide`).
fn columns(shown: &[&str], wide: &[&str]) -> Vec<Value> {
    let shown = shown.iter().map(|name| (name, 0));
    let wide = wide.iter().map(|name| (name, 1));
    shown
        .chain(wide)
        .map(|(name, priority)| {
            let format = if *name == "Name" { "name" } else { "" };
            json!({"name": name, "type": "string", "format": format, "description": name, "priority": priority})
        })
        .collect()
}

/// kubectl's short age: `45s`, `3m12s`, `17m`, `5h3m`, `20h`, `3d4h`, `40d`.
pub fn age(created: Option<&str>) -> String {
    let Some(created) = created.and_then(|c| c.parse::<Timestamp>().ok()) else {
        return "<unknown>".into();
    };
    let secs = (Timestamp::now().as_second() - created.as_second()).max(0);
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86400);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 600 => format!("{m}m{}s", s % 60),
        s if s < 3 * 3600 => format!("{m}m"),
        s if s < 8 * 3600 => format!("{h}h{}m", m % 60),
        s if s < 48 * 3600 => format!("{h}h"),
        s if s < 8 * 86400 => format!("{d}d{}h", h % 24),
        _ => format!("{d}d"),
    }
}

/// The age of an object from its creationTimestamp.
fn age_of(object: &Value) -> String {
    age(object
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str))
}

/// The array at `pointer`, empty when there is none.
fn list<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn or_none(s: String) -> String {
    if s.is_empty() { "<none>".into() } else { s }
}

/// The STATUS column of a pod, as kubectl's printer derives it.
fn pod_status(pod: &Value) -> String {
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        return "Terminating".into();
    }
    let mut status = text(pod, "/status/reason");
    if status.is_empty() {
        status = text(pod, "/status/phase");
    }
    let containers = list(pod, "/status/containerStatuses");
    for cs in containers {
        let waiting = text(cs, "/state/waiting/reason");
        let terminated = text(cs, "/state/terminated/reason");
        if !waiting.is_empty() {
            status = waiting;
        } else if !terminated.is_empty() {
            status = terminated;
        }
    }
    if status == "Pending" && pod.pointer("/spec/nodeName").is_some() && containers.is_empty() {
        status = "ContainerCreating".into();
    }
    status
}

fn pod_row(pod: &Value) -> Vec<Value> {
    let statuses = list(pod, "/status/containerStatuses");
    let total = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let ready = statuses
        .iter()
        .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
        .count();
    let restarts: i64 = statuses
        .iter()
        .filter_map(|c| c.get("restartCount").and_then(Value::as_i64))
        .sum();
    vec![
        json!(text(pod, "/metadata/name")),
        json!(format!("{ready}/{total}")),
        json!(pod_status(pod)),
        json!(restarts.to_string()),
        json!(age_of(pod)),
        json!(or_none(text(pod, "/status/podIP"))),
        json!(or_none(text(pod, "/spec/nodeName"))),
        json!("<none>"),
        json!("<none>"),
    ]
}

fn node_row(node: &Value) -> Vec<Value> {
    let conditions = list(node, "/status/conditions");
    let ready = conditions
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        .map(|c| text(c, "/status"));
    let mut status = match ready.as_deref() {
        Some("True") => "Ready".to_string(),
        Some("False") => "NotReady".to_string(),
        _ => "Unknown".to_string(),
    };
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    let roles: Vec<String> = node
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let address = |typ: &str| {
        node.pointer("/status/addresses")
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter()
                    .find(|a| a.get("type").and_then(Value::as_str) == Some(typ))
            })
            .map(|a| text(a, "/address"))
            .unwrap_or_default()
    };
    vec![
        json!(text(node, "/metadata/name")),
        json!(status),
        json!(or_none(roles.join(","))),
        json!(age_of(node)),
        json!(text(node, "/status/nodeInfo/kubeletVersion")),
        json!(or_none(address("InternalIP"))),
        json!(or_none(address("ExternalIP"))),
        json!(text(node, "/status/nodeInfo/osImage")),
        json!(text(node, "/status/nodeInfo/kernelVersion")),
        json!(text(node, "/status/nodeInfo/containerRuntimeVersion")),
    ]
}

fn service_row(svc: &Value) -> Vec<Value> {
    let ports: Vec<String> = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|ports| {
            ports
                .iter()
                .map(|p| {
                    let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
                    let proto = text(p, "/protocol");
                    match p.get("nodePort").and_then(Value::as_i64) {
                        Some(n) => format!("{port}:{n}/{proto}"),
                        None => format!("{port}/{proto}"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let selector: Vec<String> = svc
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .map(|s| {
            s.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    vec![
        json!(text(svc, "/metadata/name")),
        json!(text(svc, "/spec/type")),
        json!(text(svc, "/spec/clusterIP")),
        json!("<none>"),
        json!(or_none(ports.join(","))),
        json!(age_of(svc)),
        json!(or_none(selector.join(","))),
    ]
}

fn namespace_row(ns: &Value) -> Vec<Value> {
    vec![
        json!(text(ns, "/metadata/name")),
        json!(text(ns, "/status/phase")),
        json!(age_of(ns)),
    ]
}

/// A meta.k8s.io/v1 Table of the items; `include` is includeObject
/// (None, Metadata (the default) or Object).
pub fn table(rv: u64, kind: Kind, items: &[Value], include: Option<&str>) -> Value {
    let columns = match kind {
        Kind::Pod => columns(
            &["Name", "Ready", "Status", "Restarts", "Age"],
            &["IP", "Node", "Nominated Node", "Readiness Gates"],
        ),
        Kind::Node => columns(
            &["Name", "Status", "Roles", "Age", "Version"],
            &[
                "Internal-IP",
                "External-IP",
                "OS-Image",
                "Kernel-Version",
                "Container-Runtime",
            ],
        ),
        Kind::Service => columns(
            &[
                "Name",
                "Type",
                "Cluster-IP",
                "External-IP",
                "Port(s)",
                "Age",
            ],
            &["Selector"],
        ),
        _ => columns(&["Name", "Status", "Age"], &[]),
    };
    let rows: Vec<Value> = items
        .iter()
        .map(|item| {
            let cells = match kind {
                Kind::Pod => pod_row(item),
                Kind::Node => node_row(item),
                Kind::Service => service_row(item),
                _ => namespace_row(item),
            };
            let object = match include {
                Some("None") => Value::Null,
                Some("Object") => item.clone(),
                _ => json!({
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": item.get("metadata").cloned().unwrap_or_default(),
                }),
            };
            json!({"cells": cells, "object": object})
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv.to_string()},
        "columnDefinitions": columns,
        "rows": rows,
    })
}
