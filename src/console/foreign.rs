//! Foreign containers: those that carry this deployment's labels but were
//! not made by it (unsigned, badly signed, misnamed, Zoe master's, labels
//! that do not parse). The engine never counts, adopts, grows, ends or
//! removes them; an admin may list them and remove one by name, on purpose.

use super::engine::{Engine, EngineError};
use crate::model::{ForeignContainer, ForeignKind, NodeSnapshot};

/// Shortest id prefix `zoe kill --foreign` takes.
pub const MIN_ID_PREFIX: usize = 4;

/// A foreign container and the host it is on.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ForeignOnHost {
    pub host: String,
    #[serde(flatten)]
    pub container: ForeignContainer,
}

/// Every foreign container of the online nodes, by host.
pub fn foreign_of(nodes: &[NodeSnapshot]) -> Vec<ForeignOnHost> {
    nodes
        .iter()
        .filter(|n| n.is_online())
        .flat_map(|n| {
            n.foreign.iter().map(|f| ForeignOnHost {
                host: n.name.clone(),
                container: f.clone(),
            })
        })
        .collect()
}

/// What `query` (an id prefix of at least [`MIN_ID_PREFIX`] characters, or
/// an exact name) names among the nodes: the one foreign container, or why
/// not (an execution's container, nothing, several).
pub fn pick_foreign(nodes: &[NodeSnapshot], query: &str) -> Result<ForeignOnHost, EngineError> {
    let matches = |id: &str, name: &str| {
        name == query || (query.len() >= MIN_ID_PREFIX && id.starts_with(query))
    };
    let found: Vec<ForeignOnHost> = foreign_of(nodes)
        .into_iter()
        .filter(|f| matches(&f.container.id, &f.container.name))
        .collect();
    let ours: Vec<(&str, &crate::model::Workload)> = nodes
        .iter()
        .filter(|n| n.is_online())
        .flat_map(|n| n.services.iter().map(move |s| (n.name.as_str(), s)))
        .filter(|(_, s)| matches(&s.id, &s.name))
        .collect();
    match (found.as_slice(), ours.as_slice()) {
        ([one], []) => Ok(one.clone()),
        ([], [(_, service)]) => Err(EngineError::Refused(format!(
            "{query} is an execution of this deployment: use zoe kill {}",
            service.execution_id
        ))),
        ([], []) => {
            let offline: Vec<&str> = nodes
                .iter()
                .filter(|n| !n.is_online())
                .map(|n| n.name.as_str())
                .collect();
            let short = if query.len() < MIN_ID_PREFIX {
                format!(" (give at least {MIN_ID_PREFIX} characters of its id, or its exact name)")
            } else {
                String::new()
            };
            let hosts = if offline.is_empty() {
                String::new()
            } else {
                format!("; offline, not searched: {}", offline.join(", "))
            };
            Err(EngineError::Refused(format!(
                "no foreign container `{query}` on the online hosts{short}{hosts}; `zoe ps --foreign` lists them"
            )))
        }
        _ => {
            let mut names: Vec<String> = found
                .iter()
                .map(|f| {
                    format!(
                        "{} {} on {}",
                        short_id(&f.container.id),
                        f.container.name,
                        f.host
                    )
                })
                .collect();
            names.extend(ours.iter().map(|(host, s)| {
                format!(
                    "{} {} on {host} (execution {})",
                    short_id(&s.id),
                    s.name,
                    s.execution_id
                )
            }));
            Err(EngineError::Refused(format!(
                "`{query}` names several containers: {}; give more of the id",
                names.join(", ")
            )))
        }
    }
}

fn short_id(id: &str) -> String {
    crate::model::text::short_id(id)
}

impl Engine {
    /// Removes one foreign container (stopped with the grace period first),
    /// asked for by an admin by id prefix or exact name. Refused in
    /// read-only mode, for an execution's container, for what is not found
    /// or is ambiguous.
    pub async fn remove_foreign(&self, query: &str) -> Result<ForeignOnHost, EngineError> {
        self.refuse_if_readonly("removing a foreign container")?;
        // it removes what nobody owns: an admin's act
        super::roles::require(
            &self.asking,
            "can_operate_others",
            "kill --foreign",
            "remove foreign containers",
        )
        .map_err(EngineError::Refused)?;
        let seen = self.observe(super::observe::Wait::Every).await?;
        let target = pick_foreign(&seen.nodes, query)?;
        let kind: ForeignKind = target.container.kind;
        tracing::info!(
            "removing foreign container {} ({}, {}) on {} as asked",
            short_id(&target.container.id),
            target.container.name,
            kind.as_str(),
            target.host
        );
        self.cluster
            .remove(
                &target.host,
                &target.container.id,
                self.settings.stop_grace_secs,
            )
            .await
            .map_err(|e| {
                EngineError::Failed(format!(
                    "foreign container {} on {}: {e}",
                    target.container.name, target.host
                ))
            })?;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, foreign: &[(&str, &str)], services: &[(&str, &str)]) -> NodeSnapshot {
        let mut n = NodeSnapshot::offline(name, String::new(), String::new(), vec![], "x".into());
        n.error = None;
        n.foreign = foreign
            .iter()
            .map(|(id, name)| ForeignContainer {
                id: id.to_string(),
                name: name.to_string(),
                kind: ForeignKind::BadSignature,
                claims: None,
                state: "running".into(),
                reason: "r".into(),
            })
            .collect();
        n.services = services
            .iter()
            .map(|(id, name)| crate::model::Workload {
                id: id.to_string(),
                name: name.to_string(),
                execution_id: "abc123".into(),
                instance: "w0".into(),
                essential: true,
                state: crate::model::BackendState::Started,
                engine_status: "running".into(),
                stopped: None,
                exit_code: None,
                oom_killed: false,
                memory_reserved: 0,
                cores_reserved: 0.0,
                memory_limit: 0,
                cores_limit: 0.0,
                memory_in_use: None,
                cores_in_use: None,
                ports: vec![],
                labels: Default::default(),
            })
            .collect();
        n
    }

    fn refusal(nodes: &[NodeSnapshot], query: &str) -> String {
        pick_foreign(nodes, query).unwrap_err().to_string()
    }

    #[test]
    fn one_foreign_container_is_picked_by_id_prefix_or_name() {
        let mut offline = node("c", &[("ffff0000", "hidden")], &[]);
        offline.error = Some("down".into());
        let nodes = [
            node(
                "a",
                &[("abcd1111", "forged-a"), ("abce2222", "forged-b")],
                &[],
            ),
            node("b", &[("9999aaaa", "x")], &[("abcf3333", "w0-abc123-prod")]),
            offline,
        ];
        let got = pick_foreign(&nodes, "abcd").unwrap();
        assert_eq!(
            (got.host.as_str(), got.container.name.as_str()),
            ("a", "forged-a")
        );
        assert_eq!(pick_foreign(&nodes, "x").unwrap().host, "b", "exact name");
        assert_eq!(
            pick_foreign(&nodes, "forged-b").unwrap().container.id,
            "abce2222"
        );
        // too short to be an id prefix
        let why = refusal(&nodes, "abc");
        assert!(why.contains("at least 4"), "{why}");
        // ambiguous across containers
        let why = refusal(&nodes, "abc1");
        assert!(why.contains("no foreign container"), "{why}");
        let nodes2 = [node("a", &[("abcd1111", "p"), ("abcd2222", "q")], &[])];
        let why = refusal(&nodes2, "abcd");
        assert!(why.contains("several") && why.contains("abcd1111"), "{why}");
        // an execution's container
        let why = refusal(&nodes, "w0-abc123-prod");
        assert!(why.contains("use zoe kill abc123"), "{why}");
        assert!(refusal(&nodes, "abcf3").contains("zoe kill abc123"));
        // offline hosts are not searched, and said so
        let why = refusal(&nodes, "hidden");
        assert!(why.contains("offline, not searched: c"), "{why}");
    }
}
