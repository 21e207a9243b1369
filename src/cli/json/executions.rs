//! `zoe ps -o json` (one row per execution) and `zoe inspect -o json` (one
//! execution: its record, instances, timeline and endpoints).

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Port, ports};
use crate::model::record::Endpoint;
use crate::model::{
    BackendState, ExecutionId, ExecutionRecord, ExecutionStatus, ExecutionView, InstanceView,
    StopReason,
};

/// One instance as the cluster shows it.
#[derive(Debug, Serialize)]
pub struct Instance<'a> {
    pub instance: &'a str,
    pub host: &'a str,
    /// The container's (or pod's) short id.
    pub container: &'a str,
    pub essential: bool,
    pub state: BackendState,
    /// The engine's own word (`running`, `exited`…).
    pub engine_status: &'a str,
    /// Why it is not running (`{"why": "exited", "code": 1}`…), when not.
    pub stopped: Option<StopReason>,
    pub exit_code: Option<i64>,
    pub ports: Vec<Port>,
}

impl<'a> Instance<'a> {
    /// `external` names the address users reach a host at.
    pub fn of(i: &'a InstanceView, external: &dyn Fn(&str) -> String) -> Instance<'a> {
        Instance {
            instance: &i.instance,
            host: &i.host,
            container: &i.container,
            essential: i.essential,
            state: i.state,
            engine_status: &i.engine_status,
            stopped: i.stopped,
            exit_code: i.exit_code,
            ports: ports(&i.ports, &external(&i.host)),
        }
    }
}

/// The instances of a view, `[]` when the cluster holds none.
pub fn instances<'a>(
    view: Option<&'a ExecutionView>,
    external: &dyn Fn(&str) -> String,
) -> Vec<Instance<'a>> {
    view.map(|v| {
        v.instances
            .iter()
            .map(|i| Instance::of(i, external))
            .collect()
    })
    .unwrap_or_default()
}

/// One row of `zoe ps -o json`.
#[derive(Debug, Serialize)]
pub struct PsRow<'a> {
    pub id: &'a ExecutionId,
    pub name: &'a str,
    pub entry: &'a str,
    pub owner: &'a str,
    pub status: ExecutionStatus,
    pub reason: Option<&'a str>,
    /// Unix seconds.
    pub submitted: u64,
    pub started: Option<u64>,
    pub ended: Option<u64>,
    pub hosts: &'a [String],
    /// Instances running now.
    pub up: usize,
    pub instances: Vec<Instance<'a>>,
}

impl<'a> PsRow<'a> {
    pub fn of(
        r: &'a ExecutionRecord,
        view: Option<&'a ExecutionView>,
        external: &dyn Fn(&str) -> String,
    ) -> PsRow<'a> {
        PsRow {
            id: &r.id,
            name: &r.name,
            entry: &r.entry,
            owner: &r.owner,
            status: r.status,
            reason: r.reason.as_deref(),
            submitted: r.submitted,
            started: r.started,
            ended: r.ended,
            hosts: &r.hosts,
            up: view.map_or(0, ExecutionView::up),
            instances: instances(view, external),
        }
    }
}

/// The execution as the cache remembers it, its description an object.
#[derive(Debug, Serialize)]
pub struct Execution<'a> {
    pub id: &'a ExecutionId,
    pub name: &'a str,
    pub entry: &'a str,
    pub owner: &'a str,
    pub deployment: &'a str,
    /// The submitted description (Zoe's format), `null` when unknown.
    pub description: Option<Value>,
    /// Parameter values by field name.
    pub parameters: Map<String, Value>,
    pub status: ExecutionStatus,
    pub reason: Option<&'a str>,
    pub submitted: u64,
    pub started: Option<u64>,
    pub ended: Option<u64>,
    pub hosts: &'a [String],
    pub endpoints: &'a [Endpoint],
    /// `<machine>:<pid>` of the console that launched it.
    pub launcher: &'a str,
    /// Restarts by instance (dead elastic services placed again).
    pub restarts: Map<String, Value>,
}

impl<'a> Execution<'a> {
    pub fn of(r: &'a ExecutionRecord) -> Execution<'a> {
        Execution {
            id: &r.id,
            name: &r.name,
            entry: &r.entry,
            owner: &r.owner,
            deployment: &r.deployment,
            description: r
                .description
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok()),
            parameters: super::object(&r.parameters),
            status: r.status,
            reason: r.reason.as_deref(),
            submitted: r.submitted,
            started: r.started,
            ended: r.ended,
            hosts: &r.hosts,
            endpoints: &r.endpoints,
            launcher: &r.launcher,
            restarts: super::object(&r.restarts),
        }
    }
}

/// One change of status.
#[derive(Debug, Serialize)]
pub struct Step<'a> {
    /// Unix seconds.
    pub at: u64,
    pub status: &'a str,
    pub reason: Option<&'a str>,
}

/// `zoe inspect -o json`.
#[derive(Debug, Serialize)]
pub struct Inspect<'a> {
    pub execution: Execution<'a>,
    pub instances: Vec<Instance<'a>>,
    pub timeline: Vec<Step<'a>>,
    pub endpoints: &'a [Endpoint],
    /// Who launched, relaunched and terminated it, oldest first: `{at,
    /// user, action, detail, source}` (`source`: `cache` or `labels`).
    pub audit: Vec<crate::model::audit::AuditEntry>,
}

impl<'a> Inspect<'a> {
    pub fn of(
        record: &'a ExecutionRecord,
        view: Option<&'a ExecutionView>,
        timeline: &'a [(u64, String, Option<String>)],
        external: &dyn Fn(&str) -> String,
    ) -> Inspect<'a> {
        Inspect {
            execution: Execution::of(record),
            instances: instances(view, external),
            timeline: timeline
                .iter()
                .map(|(at, status, reason)| Step {
                    at: *at,
                    status,
                    reason: reason.as_deref(),
                })
                .collect(),
            endpoints: &record.endpoints,
            audit: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ExecutionRecord {
        ExecutionRecord {
            id: ExecutionId::parse("1abcdefghi").unwrap(),
            name: "demo".into(),
            entry: "web-hello-0".into(),
            owner: "ann".into(),
            deployment: "prod".into(),
            description: Some(r#"{"name":"web","services":[{"cores":{"min":0.3}}]}"#.into()),
            parameters: vec![("STEPS".into(), "20".into())],
            status: ExecutionStatus::Running,
            reason: None,
            submitted: 10,
            started: Some(11),
            ended: None,
            hosts: vec!["local".into()],
            endpoints: Vec::new(),
            launcher: "m:1".into(),
            restarts: vec![("worker1".into(), 2)],
        }
    }

    #[test]
    fn inspect_has_objects_not_json_text_and_lists_not_null() {
        let record = record();
        let timeline = vec![(10, "submitted".to_string(), None)];
        let value =
            serde_json::to_value(Inspect::of(&record, None, &timeline, &|h| h.into())).unwrap();
        assert_eq!(value["execution"]["description"]["name"], "web");
        assert_eq!(
            value["execution"]["description"]["services"][0]["cores"]["min"],
            0.3
        );
        assert_eq!(value["execution"]["parameters"]["STEPS"], "20");
        assert_eq!(value["execution"]["restarts"]["worker1"], 2);
        assert_eq!(value["instances"], serde_json::json!([]));
        assert_eq!(value["endpoints"], serde_json::json!([]));
        assert_eq!(value["timeline"][0]["status"], "submitted");
    }

    fn keys(v: &serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }

    #[test]
    fn the_shapes_keep_the_model_field_names() {
        // a field added to the model fails here until it is added here
        let record = record();
        assert_eq!(
            keys(&serde_json::to_value(Execution::of(&record)).unwrap()),
            keys(&serde_json::to_value(&record).unwrap())
        );
        let instance = InstanceView {
            instance: "web0".into(),
            host: "local".into(),
            container: "3e3eacc02f25".into(),
            essential: true,
            state: BackendState::Dead,
            engine_status: "exited".into(),
            stopped: Some(StopReason::Exited(1)),
            exit_code: Some(1),
            ports: vec![("8080/tcp".into(), 32768)],
        };
        let ours = serde_json::to_value(Instance::of(&instance, &|_| "10.0.0.1".into())).unwrap();
        assert_eq!(keys(&ours), keys(&serde_json::to_value(&instance).unwrap()));
        assert_eq!(
            ours["stopped"],
            serde_json::json!({"why": "exited", "code": 1})
        );
        assert_eq!(ours["ports"][0]["address"], "10.0.0.1:32768");
    }

    #[test]
    fn a_row_without_instances_on_the_cluster_has_none_up() {
        let record = record();
        let value = serde_json::to_value(PsRow::of(&record, None, &|h| h.into())).unwrap();
        assert_eq!(value["up"], 0);
        assert_eq!(value["instances"], serde_json::json!([]));
    }
}
