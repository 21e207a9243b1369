//! Executions as the cluster shows them: containers grouped by their
//! execution labels, across hosts, with a status derived the way Zoe's
//! scheduler would see it. Pure: unit-tested without Docker.

use std::collections::BTreeMap;

use crate::backend::labels::execution_from_labels;
use crate::model::ExecutionStatus;
use crate::model::{BackendState, NodeSnapshot, StopReason};

pub use crate::model::view::{ExecutionView, InstanceView, LAUNCH_WINDOW_SECS};

/// Groups every ZApp container of the nodes into executions, newest first.
/// `launched`: the executions whose launch the cache says is over (running,
/// placement recorded, before the look began): an essential missing from
/// them has gone, whatever the launch window says.
pub fn executions_from_nodes(
    nodes: &[NodeSnapshot],
    now: u64,
    launched: &[crate::model::ExecutionId],
) -> Vec<ExecutionView> {
    let mut by_id: BTreeMap<crate::model::ExecutionId, ExecutionView> = BTreeMap::new();
    // per execution: (instance, its group, the host's external address, published ports)
    let mut published: BTreeMap<crate::model::ExecutionId, Vec<Published<'_>>> = BTreeMap::new();
    for node in nodes {
        for service in &node.services {
            let Some(labelled) = execution_from_labels(&service.labels) else {
                continue;
            };
            let view = by_id.entry(labelled.id.clone()).or_insert_with(|| {
                let description = labelled.description.as_ref();
                ExecutionView {
                    id: labelled.id.clone(),
                    name: labelled.name.clone(),
                    owner: labelled.owner.clone(),
                    entry: labelled.entry.clone(),
                    submitted: labelled.submitted,
                    status: ExecutionStatus::Running,
                    reason: None,
                    expected: description.and_then(expected_essentials),
                    instances: Vec::new(),
                    hosts: Vec::new(),
                    will_end: description
                        .and_then(|d| d.get("will_end"))
                        .and_then(|v| v.as_bool()),
                    description: description.map(|d| d.to_string()),
                    parameters: labelled.parameters.clone(),
                    fs_ids: labelled.fs_uid.zip(labelled.fs_gid),
                    endpoints: None,
                }
            });
            if !service.ports.is_empty() {
                published
                    .entry(labelled.id.clone())
                    .or_default()
                    .push(Published {
                        instance: &service.instance,
                        group: service.labels.get(crate::backend::labels::GROUP),
                        external: &node.external_address,
                        ports: &service.ports,
                    });
            }
            view.instances.push(InstanceView {
                instance: service.instance.clone(),
                host: node.name.clone(),
                container: crate::model::text::short_id(&service.id),
                essential: service.essential,
                state: if service.oom_killed {
                    BackendState::OomKilled
                } else {
                    service.state
                },
                engine_status: service.engine_status.clone(),
                stopped: service.stopped,
                exit_code: service.exit_code,
                ports: service.ports.clone(),
            });
            if !view.hosts.contains(&node.name) {
                view.hosts.push(node.name.clone());
            }
        }
    }
    let mut views: Vec<ExecutionView> = by_id.into_values().collect();
    for view in &mut views {
        view.instances.sort_by(|a, b| a.instance.cmp(&b.instance));
        view.hosts.sort();
        let (status, reason) = derive_status(view, now, launched.contains(&view.id));
        view.status = status;
        view.reason = reason;
        view.endpoints = endpoints(
            view,
            published.get(view.id.as_str()).map_or(&[], Vec::as_slice),
        );
    }
    views.sort_by(|a, b| b.submitted.cmp(&a.submitted).then(b.id.cmp(&a.id)));
    views
}

struct Published<'a> {
    instance: &'a str,
    group: Option<&'a String>,
    external: &'a str,
    ports: &'a [(String, u16)],
}

/// The endpoints of an execution as its launch reported them, rebuilt from
/// the description on its labels and the ports its containers publish (so
/// a cache that missed the launch's report learns them from the cluster).
fn endpoints(
    view: &ExecutionView,
    published: &[Published<'_>],
) -> Option<Vec<crate::model::record::Endpoint>> {
    let description = view.description.as_deref()?;
    let mut list = Vec::new();
    if !published.is_empty() {
        let description = crate::shop::validate::parse_stored(description).ok()?;
        for p in published {
            // `<group><n>`; the group label says which when names are ambiguous
            let group = description.services.iter().find(|g| match p.group {
                Some(group) => g.name == *group,
                None => p
                    .instance
                    .strip_prefix(g.name.as_str())
                    .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n < g.total_count)),
            });
            if let Some(group) = group {
                list.extend(super::launch::endpoints_of_ports(
                    p.instance,
                    &group.ports,
                    p.external,
                    p.ports,
                ));
            }
        }
    }
    list.sort_by(|a, b| (&a.instance, &a.name).cmp(&(&b.instance, &b.name)));
    Some(list)
}

/// Σ essential_count over the description's groups.
fn expected_essentials(description: &serde_json::Value) -> Option<u64> {
    let groups = description.get("services")?.as_array()?;
    Some(
        groups
            .iter()
            .filter_map(|g| g.get("essential_count").and_then(|v| v.as_u64()))
            .sum(),
    )
}

/// Status from the containers alone, Zoe's rule: an essential
/// instance that is dead ends the execution (a batch ZApp whose services all
/// exited 0 has finished); all essential instances started means running;
/// otherwise it is starting. An essential instance that is missing counts
/// as gone once the launch is over (`launched`: another console may still
/// be creating it before that, for the launch window).
pub fn derive_status(
    view: &ExecutionView,
    now: u64,
    launched: bool,
) -> (ExecutionStatus, Option<String>) {
    let essentials: Vec<&InstanceView> = view.instances.iter().filter(|i| i.essential).collect();
    let dead: Vec<&&InstanceView> = essentials
        .iter()
        .filter(|i| {
            matches!(
                i.state,
                BackendState::Dead | BackendState::OomKilled | BackendState::Destroyed
            )
        })
        .collect();
    if !dead.is_empty() {
        // Any essential instance that stops ends the execution (as in Zoe).
        // A clean exit (code 0) means it finished: terminated, with that
        // reason. A crash is shown as an error, with how it died.
        let clean = |i: &InstanceView| {
            i.state == BackendState::Dead && i.stopped == Some(StopReason::Exited(0))
        };
        let crashed = dead.iter().find(|i| !clean(i));
        let Some(first) = crashed else {
            let names: Vec<&str> = dead.iter().map(|i| i.instance.as_str()).collect();
            return (
                ExecutionStatus::Terminated,
                Some(format!(
                    "finished: essential service {} exited with code 0",
                    names.join(", ")
                )),
            );
        };
        let how = match (first.state, first.stopped) {
            (BackendState::OomKilled, _) | (_, Some(StopReason::OutOfMemory)) => {
                "was killed for using too much memory".to_string()
            }
            (_, Some(StopReason::Paused)) => "was paused".to_string(),
            (_, Some(StopReason::Exited(code))) => format!("exited with code {code}"),
            (_, Some(StopReason::Removed)) => "was removed".to_string(),
            (_, None) => format!("is {}", first.engine_status),
        };
        return (
            ExecutionStatus::Error,
            Some(format!(
                "Essential service {} died: it {how}",
                first.instance
            )),
        );
    }
    let started = essentials
        .iter()
        .filter(|i| i.state == BackendState::Started)
        .count();
    if let Some(expected) = view.expected
        && (started as u64) < expected
    {
        let missing = expected.saturating_sub(essentials.len() as u64);
        let launching = !launched
            && view
                .submitted
                .is_none_or(|t| now.saturating_sub(t) < LAUNCH_WINDOW_SECS);
        if missing > 0 && essentials.len() as u64 == started as u64 && !launching {
            return (
                ExecutionStatus::Error,
                Some(format!(
                    "{} vanished from the cluster",
                    crate::model::text::count(missing, "essential service", "essential services")
                )),
            );
        }
        return (ExecutionStatus::Starting, None);
    }
    if started == essentials.len() {
        (ExecutionStatus::Running, None)
    } else {
        (ExecutionStatus::Starting, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(name: &str, essential: bool, state: BackendState, exit: Option<i64>) -> InstanceView {
        let engine_status = match state {
            BackendState::Started => "running",
            BackendState::Created => "created",
            _ => "exited",
        };
        InstanceView {
            instance: name.into(),
            host: "h".into(),
            container: "c".into(),
            essential,
            state,
            engine_status: engine_status.into(),
            stopped: match state {
                BackendState::Dead => Some(StopReason::Exited(exit.unwrap_or(-1))),
                BackendState::OomKilled => Some(StopReason::OutOfMemory),
                _ => None,
            },
            exit_code: exit,
            ports: Vec::new(),
        }
    }

    #[test]
    fn a_paused_essential_service_is_not_a_clean_finish() {
        let mut paused = inst("m0", true, BackendState::Dead, Some(0));
        paused.engine_status = "paused".into();
        paused.stopped = Some(StopReason::Paused);
        let (status, reason) = derive_status(&view(vec![paused], Some(1)), NOW, false);
        assert_eq!(status, ExecutionStatus::Error);
        assert_eq!(
            reason.as_deref(),
            Some("Essential service m0 died: it was paused")
        );
    }

    const NOW: u64 = 10_000;

    fn view(instances: Vec<InstanceView>, expected: Option<u64>) -> ExecutionView {
        ExecutionView {
            id: "x".into(),
            name: "n".into(),
            owner: "o".into(),
            entry: "e".into(),
            submitted: Some(NOW - 1000),
            status: ExecutionStatus::Starting,
            reason: None,
            expected,
            instances,
            hosts: Vec::new(),
            will_end: None,
            description: None,
            parameters: Vec::new(),
            fs_ids: None,
            endpoints: None,
        }
    }

    #[test]
    fn running_when_every_essential_is_up() {
        let v = view(
            vec![
                inst("m0", true, BackendState::Started, None),
                inst("w1", false, BackendState::Created, None),
            ],
            Some(1),
        );
        assert_eq!(
            derive_status(&v, NOW, false),
            (ExecutionStatus::Running, None)
        );
    }

    #[test]
    fn an_essential_death_is_an_error_with_the_reason() {
        let v = view(
            vec![
                inst("m0", true, BackendState::Started, None),
                inst("w0", true, BackendState::Dead, Some(137)),
            ],
            Some(2),
        );
        let (status, reason) = derive_status(&v, NOW, false);
        assert_eq!(status, ExecutionStatus::Error);
        assert_eq!(
            reason.as_deref(),
            Some("Essential service w0 died: it exited with code 137")
        );
        let oom = view(
            vec![inst("m0", true, BackendState::OomKilled, Some(137))],
            Some(1),
        );
        assert!(
            derive_status(&oom, NOW, false)
                .1
                .unwrap()
                .contains("too much memory")
        );
    }

    #[test]
    fn an_elastic_death_does_not_end_the_execution() {
        let v = view(
            vec![
                inst("m0", true, BackendState::Started, None),
                inst("w1", false, BackendState::Dead, Some(1)),
            ],
            Some(1),
        );
        assert_eq!(derive_status(&v, NOW, false).0, ExecutionStatus::Running);
    }

    #[test]
    fn a_clean_essential_exit_ends_the_execution_as_terminated() {
        let v = view(
            vec![
                inst("client0", true, BackendState::Dead, Some(0)),
                inst("server0", true, BackendState::Started, None),
            ],
            Some(2),
        );
        let (status, reason) = derive_status(&v, NOW, false);
        assert_eq!(status, ExecutionStatus::Terminated);
        assert_eq!(
            reason.as_deref(),
            Some("finished: essential service client0 exited with code 0")
        );
    }

    #[test]
    fn a_batch_that_exited_cleanly_has_finished() {
        let v = view(vec![inst("c0", true, BackendState::Dead, Some(0))], Some(1));
        assert_eq!(derive_status(&v, NOW, false).0, ExecutionStatus::Terminated);
    }

    #[test]
    fn a_vanished_essential_container_counts_as_dead() {
        // A container removed behind our back is treated as dead (Zoe misses it).
        let v = view(vec![inst("m0", true, BackendState::Started, None)], Some(2));
        let (status, reason) = derive_status(&v, NOW, false);
        assert_eq!(status, ExecutionStatus::Error);
        assert!(reason.unwrap().contains("vanished"));
        // ...but not while it is still being launched
        let mut young = v.clone();
        young.submitted = Some(NOW - 5);
        assert_eq!(
            derive_status(&young, NOW, false).0,
            ExecutionStatus::Starting
        );
        // ...unless the launch is over (the cache says running)
        let (status, reason) = derive_status(&young, NOW, true);
        assert_eq!(status, ExecutionStatus::Error);
        assert!(reason.unwrap().contains("vanished"));
    }

    #[test]
    fn an_essential_removed_from_outside_ends_the_execution() {
        let mut gone = inst("m0", true, BackendState::Destroyed, None);
        gone.engine_status = "deleted".into();
        gone.stopped = Some(StopReason::Removed);
        let v = view(
            vec![gone, inst("w0", true, BackendState::Started, None)],
            Some(2),
        );
        let (status, reason) = derive_status(&v, NOW, false);
        assert_eq!(status, ExecutionStatus::Error);
        assert_eq!(
            reason.as_deref(),
            Some("Essential service m0 died: it was removed")
        );
    }

    #[test]
    fn still_being_created_is_starting() {
        let v = view(vec![inst("m0", true, BackendState::Created, None)], Some(1));
        assert_eq!(derive_status(&v, NOW, false).0, ExecutionStatus::Starting);
    }
}
