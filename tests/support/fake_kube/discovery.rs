//! Discovery (`/version`, `/api`, `/apis`, `/api/v1`) and metrics.k8s.io
//! (`kubectl top node`).

use std::sync::Arc;

use axum::http::HeaderMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIGroupList, APIResource, APIResourceList, APIVersions, GroupVersionForDiscovery,
    ServerAddressByClientCIDR,
};
use k8s_openapi::apimachinery::pkg::version::Info;
use serde_json::json;

use super::Shared;
use super::status::{Answer, Failure, json_body};
use super::store::now;

pub fn version() -> Answer {
    let info = Info {
        major: "1".into(),
        minor: "33".into(),
        git_version: "v1.33.0-fake".into(),
        git_commit: "0000000000000000000000000000000000000000".into(),
        git_tree_state: "clean".into(),
        build_date: "2025-01-01T00:00:00Z".into(),
        go_version: "go1.24.0".into(),
        compiler: "gc".into(),
        platform: "linux/amd64".into(),
        ..Default::default()
    };
    Ok(json_body(&info))
}

pub fn api(headers: &HeaderMap) -> Answer {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    Ok(json_body(&APIVersions {
        versions: vec!["v1".into()],
        server_address_by_client_cidrs: vec![ServerAddressByClientCIDR {
            client_cidr: "0.0.0.0/0".into(),
            server_address: host,
        }],
    }))
}

const METRICS: &str = "metrics.k8s.io";

pub fn apis(shared: &Arc<Shared>) -> Answer {
    let mut groups = Vec::new();
    if shared.lock().settings.metrics {
        let version = GroupVersionForDiscovery {
            group_version: format!("{METRICS}/v1beta1"),
            version: "v1beta1".into(),
        };
        groups.push(APIGroup {
            name: METRICS.into(),
            versions: vec![version.clone()],
            preferred_version: Some(version),
            server_address_by_client_cidrs: None,
        });
    }
    Ok(json_body(&APIGroupList { groups }))
}

fn resource(name: &str, kind: &str, namespaced: bool, verbs: &str, short: &str) -> APIResource {
    APIResource {
        name: name.into(),
        singular_name: if name.contains('/') {
            String::new()
        } else {
            kind.to_lowercase()
        },
        kind: kind.into(),
        namespaced,
        verbs: verbs.split(' ').map(str::to_string).collect(),
        short_names: (!short.is_empty()).then(|| vec![short.to_string()]),
        categories: (kind == "Pod" || kind == "Service").then(|| vec!["all".to_string()]),
        ..Default::default()
    }
}

pub fn core_v1() -> Answer {
    const ALL: &str = "create delete deletecollection get list patch update watch";
    const NO_COLLECTION: &str = "create delete get list patch update watch";
    Ok(json_body(&APIResourceList {
        group_version: "v1".into(),
        resources: vec![
            resource("pods", "Pod", true, ALL, "po"),
            resource("pods/log", "Pod", true, "get", ""),
            resource("pods/binding", "Binding", true, "create", ""),
            resource("pods/status", "Pod", true, "get patch update", ""),
            resource("nodes", "Node", false, ALL, "no"),
            resource("services", "Service", true, NO_COLLECTION, "svc"),
            resource("namespaces", "Namespace", false, NO_COLLECTION, "ns"),
            resource("events", "Event", true, ALL, "ev"),
            resource("secrets", "Secret", true, ALL, ""),
        ],
    }))
}

fn metrics_on(shared: &Arc<Shared>) -> Result<(), Failure> {
    if shared.lock().settings.metrics {
        Ok(())
    } else {
        Err(Failure::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ))
    }
}

pub fn metrics_group(shared: &Arc<Shared>) -> Answer {
    metrics_on(shared)?;
    Ok(json_body(&APIResourceList {
        group_version: format!("{METRICS}/v1beta1"),
        resources: vec![
            resource("nodes", "NodeMetrics", false, "get list", ""),
            resource("pods", "PodMetrics", true, "get list", ""),
        ],
    }))
}

/// NodeMetricsList (metrics.k8s.io is not in k8s-openapi: plain JSON in
/// its documented shape).
pub fn node_metrics(shared: &Arc<Shared>, only: Option<&str>) -> Answer {
    metrics_on(shared)?;
    let world = shared.lock();
    let t = now();
    let items: Vec<_> = world
        .nodes
        .keys()
        .map(|(_, name)| name)
        .filter(|name| only.is_none_or(|o| o == name.as_str()))
        .map(|name| {
            let (cpu, memory) = world
                .settings
                .usage
                .get(name)
                .cloned()
                .unwrap_or_else(|| ("0".into(), "0".into()));
            json!({
                "metadata": {"name": name, "creationTimestamp": t,
                             "labels": {"kubernetes.io/hostname": name}},
                "timestamp": t, "window": "10s",
                "usage": {"cpu": cpu, "memory": memory},
            })
        })
        .collect();
    if let Some(name) = only {
        let mut item = items.into_iter().next().ok_or_else(|| {
            Failure::new(
                404,
                "NotFound",
                format!("nodemetrics.metrics.k8s.io \"{name}\" not found"),
            )
        })?;
        item["kind"] = json!("NodeMetrics");
        item["apiVersion"] = json!("metrics.k8s.io/v1beta1");
        return Ok(json_body(&item));
    }
    Ok(json_body(&json!({
        "kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {}, "items": items,
    })))
}

pub fn pod_metrics(shared: &Arc<Shared>) -> Answer {
    metrics_on(shared)?;
    Ok(json_body(&json!({
        "kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {}, "items": [],
    })))
}
