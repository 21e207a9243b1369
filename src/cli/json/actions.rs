//! The answers of the verbs that act: `zoe start` (and `--dry-run`),
//! `zoe kill`, `zoe supervise`.

use serde::Serialize;

use crate::console::launch::{Launched, Refusal};
use crate::console::supervise::SuperviseReport;
use crate::model::ExecutionId;
use crate::model::record::Endpoint;

/// A container made for an instance.
#[derive(Debug, Serialize)]
pub struct Container<'a> {
    pub instance: &'a str,
    pub host: &'a str,
    /// The container's (or pod's) full id.
    pub container: &'a str,
}

/// `zoe start -o json`.
#[derive(Debug, Serialize)]
pub struct Started<'a> {
    pub execution: &'a ExecutionId,
    pub containers: Vec<Container<'a>>,
    /// Elastic instances that found no room yet.
    pub deferred: &'a [String],
    pub endpoints: &'a [Endpoint],
}

impl<'a> Started<'a> {
    pub fn of(l: &'a Launched) -> Started<'a> {
        Started {
            execution: &l.execution,
            containers: l
                .containers
                .iter()
                .map(|(instance, host, container)| Container {
                    instance,
                    host,
                    container,
                })
                .collect(),
            deferred: &l.deferred,
            endpoints: &l.endpoints,
        }
    }
}

/// Why not on one node.
#[derive(Debug, Serialize)]
pub struct WhyNot {
    pub node: String,
    pub why: String,
}

pub fn why_not(refusals: &[Refusal]) -> Vec<WhyNot> {
    refusals
        .iter()
        .map(|r| WhyNot {
            node: r.node.clone(),
            why: r.why.to_string(),
        })
        .collect()
}

/// Where one instance would go.
#[derive(Debug, Serialize)]
pub struct Placement<'a> {
    pub instance: &'a str,
    pub node: &'a str,
    pub essential: bool,
}

/// An elastic instance that would wait for room.
#[derive(Debug, Serialize)]
pub struct Deferred<'a> {
    pub instance: &'a str,
    pub why_not: Vec<WhyNot>,
}

/// `zoe start --dry-run -o json`: it fits (where each instance would go),
/// or not (which instance, and why not on each node).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum DryRun<'a> {
    Fits {
        fits: bool,
        on: Option<&'a str>,
        placements: Vec<Placement<'a>>,
        deferred: Vec<Deferred<'a>>,
    },
    NoRoom {
        fits: bool,
        on: Option<&'a str>,
        /// The instance that fits nowhere (`null`: the execution as a whole).
        instance: Option<&'a str>,
        why_not: Vec<WhyNot>,
    },
}

/// `zoe start --dry-run -o json`: the plan, and whether the quota admits
/// the launch (`quota.admits`; `quota.message`: what it would leave of the
/// quota, or Zoe's refusal).
#[derive(Debug, Serialize)]
pub struct DryRunWithQuota<'a> {
    #[serde(flatten)]
    pub plan: DryRun<'a>,
    pub quota: QuotaVerdict<'a>,
}

#[derive(Debug, Serialize)]
pub struct QuotaVerdict<'a> {
    pub admits: bool,
    pub message: &'a str,
}

/// A host that could not be cleaned, and why.
#[derive(Debug, Serialize)]
pub struct HostProblem<'a> {
    pub host: &'a str,
    pub why: &'a str,
}

/// `zoe kill -o json`.
#[derive(Debug, Serialize)]
pub struct Killed<'a> {
    pub execution: &'a ExecutionId,
    /// Containers removed.
    pub removed: usize,
    pub failed: Vec<HostProblem<'a>>,
}

impl<'a> Killed<'a> {
    pub fn of(execution: &'a ExecutionId, removed: usize, failed: &'a [(String, String)]) -> Self {
        Killed {
            execution,
            removed,
            failed: failed
                .iter()
                .map(|(host, why)| HostProblem { host, why })
                .collect(),
        }
    }
}

/// An execution ended by supervision.
#[derive(Debug, Serialize)]
pub struct Ended<'a> {
    pub execution: &'a ExecutionId,
    pub reason: &'a str,
}

/// An elastic service acted on by supervision.
#[derive(Debug, Serialize)]
pub struct ElasticService<'a> {
    pub execution: &'a ExecutionId,
    pub instance: &'a str,
    /// Where it was started (`null` for a removal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<&'a str>,
}

/// `zoe supervise -o json`, one per pass.
#[derive(Debug, Serialize)]
pub struct Supervised<'a> {
    pub ended: Vec<Ended<'a>>,
    pub started: Vec<ElasticService<'a>>,
    pub removed: Vec<ElasticService<'a>>,
    pub problems: &'a [String],
}

impl<'a> Supervised<'a> {
    pub fn of(r: &'a SuperviseReport) -> Supervised<'a> {
        Supervised {
            ended: r
                .ended
                .iter()
                .map(|(execution, reason)| Ended { execution, reason })
                .collect(),
            started: r
                .started
                .iter()
                .map(|(execution, instance, host)| ElasticService {
                    execution,
                    instance,
                    host: Some(host),
                })
                .collect(),
            removed: r
                .removed
                .iter()
                .map(|(execution, instance)| ElasticService {
                    execution,
                    instance,
                    host: None,
                })
                .collect(),
            problems: &r.problems,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_launch_lists_its_containers_as_objects() {
        let launched = Launched {
            execution: ExecutionId::parse("1abcdefghi").unwrap(),
            containers: vec![("web0".into(), "local".into(), "f00d".into())],
            deferred: Vec::new(),
            endpoints: Vec::new(),
        };
        assert_eq!(
            serde_json::to_value(Started::of(&launched)).unwrap(),
            serde_json::json!({
                "execution": "1abcdefghi",
                "containers": [{"instance": "web0", "host": "local", "container": "f00d"}],
                "deferred": [],
                "endpoints": [],
            })
        );
    }

    #[test]
    fn a_kill_and_a_pass_name_their_parts() {
        let id = ExecutionId::parse("1abcdefghi").unwrap();
        let failed = vec![("remote".to_string(), "refused".to_string())];
        assert_eq!(
            serde_json::to_value(Killed::of(&id, 2, &failed)).unwrap(),
            serde_json::json!({"execution": "1abcdefghi", "removed": 2,
                "failed": [{"host": "remote", "why": "refused"}]})
        );
        let report = SuperviseReport {
            ended: vec![(id.clone(), "master0 exited".into())],
            started: vec![(id.clone(), "w1".into(), "local".into())],
            removed: vec![(id.clone(), "w1".into())],
            ..SuperviseReport::default()
        };
        assert_eq!(
            serde_json::to_value(Supervised::of(&report)).unwrap(),
            serde_json::json!({
                "ended": [{"execution": "1abcdefghi", "reason": "master0 exited"}],
                "started": [{"execution": "1abcdefghi", "instance": "w1", "host": "local"}],
                "removed": [{"execution": "1abcdefghi", "instance": "w1"}],
                "problems": [],
            })
        );
    }
}
