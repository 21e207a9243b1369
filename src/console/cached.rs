//! What the state cache last saw: the nodes and executions a front shows at
//! once, marked as cached, until the hosts answer. The nodes are read back
//! from their saved JSON tolerantly (a field that is missing or of another
//! shape is left at its empty value): this is a convenience for the first
//! screen, never a source for placement or for an action.

use serde_json::Value;

use super::engine::{Engine, EngineError};
use crate::model::{BackendState, ExecutionRecord, NodeSnapshot, Workload};

/// The nodes and executions as last seen, and when the oldest of those
/// nodes was seen (Unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct LastSeen {
    pub nodes: Vec<NodeSnapshot>,
    pub records: Vec<ExecutionRecord>,
    pub seen: u64,
}

impl Engine {
    /// What the cache last saw of this deployment; `None` when it knows no
    /// node (the first run, another deployment's cache).
    pub fn last_seen(&self) -> Result<Option<LastSeen>, EngineError> {
        let saved = self.store.nodes(self.deployment())?;
        let Some(seen) = saved.iter().map(|(_, _, seen)| *seen).min() else {
            return Ok(None);
        };
        let nodes = saved
            .iter()
            .filter_map(|(name, json, _)| node_from_json(name, json))
            .collect();
        Ok(Some(LastSeen {
            nodes,
            records: self.records(true)?,
            seen,
        }))
    }
}

/// A node from its saved JSON; `None` when it is not JSON at all.
pub fn node_from_json(name: &str, json: &str) -> Option<NodeSnapshot> {
    let v: Value = serde_json::from_str(json).ok()?;
    let text = |key: &str| v[key].as_str().unwrap_or_default().to_string();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut node = NodeSnapshot::offline(
        name,
        text("address"),
        text("external_address"),
        strings(&v["labels"]),
        String::new(),
    );
    node.error = v["error"].as_str().map(str::to_string);
    if !text("target").is_empty() {
        node.target = text("target");
    }
    if !text("domain").is_empty() {
        node.domain = text("domain");
    }
    node.cores_total = v["cores_total"].as_f64().unwrap_or(0.0);
    node.memory_total = v["memory_total"].as_u64().unwrap_or(0);
    node.cores_reserved = v["cores_reserved"].as_f64().unwrap_or(0.0);
    node.memory_reserved = v["memory_reserved"].as_u64().unwrap_or(0);
    node.container_count = v["container_count"]
        .as_u64()
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(0);
    node.detail.cores_requested = v["cores_requested"].as_f64();
    node.detail.memory_requested = v["memory_requested"].as_u64();
    node.detail.unschedulable = v["unschedulable"].as_str().map(str::to_string);
    node.detail.target_kind = v["target_kind"].as_str().map(str::to_string);
    node.detail.context = v["context"].as_str().map(str::to_string);
    node.detail.namespace = v["namespace"].as_str().map(str::to_string);
    node.detail.roles = strings(&v["roles"]);
    node.services = v["services"]
        .as_array()
        .map(|a| a.iter().filter_map(workload_from_json).collect())
        .unwrap_or_default();
    Some(node)
}

/// A ZApp instance from its saved JSON: what the screens show of it.
fn workload_from_json(v: &Value) -> Option<Workload> {
    let text = |key: &str| v[key].as_str().unwrap_or_default().to_string();
    let execution_id = crate::model::ExecutionId::parse(v["execution_id"].as_str()?).ok()?;
    let state = match v["state"].as_str().unwrap_or_default() {
        "started" => BackendState::Started,
        "created" => BackendState::Created,
        "dead" => BackendState::Dead,
        "oom-killed" => BackendState::OomKilled,
        "destroyed" => BackendState::Destroyed,
        _ => BackendState::Undefined,
    };
    Some(Workload {
        id: text("id"),
        name: text("name"),
        execution_id,
        instance: text("instance"),
        essential: v["essential"].as_bool().unwrap_or(false),
        state,
        engine_status: text("engine_status"),
        stopped: None,
        exit_code: v["exit_code"].as_i64(),
        oom_killed: v["oom_killed"].as_bool().unwrap_or(false),
        memory_reserved: v["memory_reserved"].as_u64().unwrap_or(0),
        cores_reserved: v["cores_reserved"].as_f64().unwrap_or(0.0),
        memory_limit: v["memory_limit"].as_u64().unwrap_or(0),
        cores_limit: v["cores_limit"].as_f64().unwrap_or(0.0),
        memory_in_use: None,
        cores_in_use: None,
        ports: Vec::new(),
        labels: std::collections::HashMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_node_reads_back_with_what_the_screens_show() {
        let mut n = NodeSnapshot::offline(
            "local",
            "unix:///s".into(),
            "127.0.0.1".into(),
            vec!["ssd".into()],
            String::new(),
        );
        n.error = None;
        n.cores_total = 6.0;
        n.memory_total = 25_000_000_000;
        n.cores_reserved = 0.5;
        n.memory_reserved = 512 << 20;
        n.container_count = 3;
        n.services.push(Workload {
            id: "abc".into(),
            name: "web0-1ibx0a2b3c-prod".into(),
            execution_id: crate::model::ExecutionId::parse("1ibx0a2b3c").unwrap(),
            instance: "web0".into(),
            essential: true,
            state: BackendState::Started,
            engine_status: "running".into(),
            stopped: None,
            exit_code: None,
            oom_killed: false,
            memory_reserved: 64 << 20,
            cores_reserved: 0.1,
            memory_limit: 64 << 20,
            cores_limit: 0.1,
            memory_in_use: Some(1),
            cores_in_use: Some(0.5),
            ports: vec![("80/tcp".into(), 32768)],
            labels: Default::default(),
        });
        let back = node_from_json("local", &serde_json::to_string(&n).unwrap()).unwrap();
        assert!(back.is_online());
        assert_eq!(
            (back.cores_total, back.memory_total, back.cores_reserved),
            (6.0, 25_000_000_000, 0.5)
        );
        assert_eq!(back.memory_reserved, 512 << 20);
        assert_eq!(back.labels, vec!["ssd".to_string()]);
        assert_eq!(back.container_count, 3);
        assert_eq!(back.services.len(), 1);
        assert_eq!(back.services[0].instance, "web0");
        assert_eq!(back.services[0].state, BackendState::Started);
        // usage figures are of the moment: never shown from the cache
        assert_eq!(back.services[0].cores_in_use, None);
    }

    #[test]
    fn an_offline_node_keeps_its_reason_and_junk_is_no_node() {
        let n = NodeSnapshot::offline("r", "tcp://x".into(), "".into(), vec![], "refused".into());
        let back = node_from_json("r", &serde_json::to_string(&n).unwrap()).unwrap();
        assert_eq!(back.error.as_deref(), Some("refused"));
        assert!(node_from_json("r", "not json").is_none());
        // another shape of a field: left empty, never a failure
        let odd = node_from_json("r", r#"{"cores_total":"six","services":[{"x":1}]}"#).unwrap();
        assert_eq!(odd.cores_total, 0.0);
        assert!(odd.services.is_empty());
    }
}
