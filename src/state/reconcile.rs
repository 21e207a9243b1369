//! Bringing the cache in line with the cluster, both ways:
//! * an execution the cluster has but the cache does not (launched by
//!   another console, or lost in a crash) is rebuilt from its labels;
//! * an active record whose containers are gone is closed with that reason
//!   (only when every host answered: an offline host may still hold them);
//! * a launch whose console died mid-way (`kill -9`) is reported as
//!   interrupted, for the caller to clean up and close.

use super::{ExecutionRecord, StateError, Store, launcher_is_gone};
use crate::console::executions::{ExecutionView, LAUNCH_WINDOW_SECS};
use crate::model::ExecutionStatus;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ReconcileReport {
    /// Rebuilt from the cluster's labels.
    pub rebuilt: Vec<String>,
    /// Status changed to what the cluster shows: (id, new status).
    pub updated: Vec<(String, ExecutionStatus)>,
    /// Closed because their containers vanished.
    pub closed: Vec<String>,
    /// Launches whose console is gone before they were running: the caller
    /// removes what they left and closes them.
    pub interrupted: Vec<String>,
}

/// `complete`: every host answered, so what the cluster lacks is really gone.
pub fn reconcile(
    store: &Store,
    deployment: &str,
    views: &[ExecutionView],
    complete: bool,
    now: u64,
) -> Result<ReconcileReport, StateError> {
    let mut report = ReconcileReport::default();
    for view in views {
        match store.get(deployment, &view.id)? {
            None => {
                let record = ExecutionRecord {
                    id: view.id.clone(),
                    name: view.name.clone(),
                    entry: view.entry.clone(),
                    owner: view.owner.clone(),
                    deployment: deployment.to_string(),
                    description: view.description.clone(),
                    parameters: serde_json::Value::Object(
                        view.parameters
                            .iter()
                            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                            .collect(),
                    )
                    .to_string(),
                    status: view.status,
                    reason: view.reason.clone(),
                    submitted: view.submitted.unwrap_or(now),
                    started: None,
                    ended: None,
                    hosts: view.hosts.clone(),
                    endpoints: "[]".into(),
                    launcher: String::new(),
                };
                if store.insert(&record)? {
                    if !view.status.is_active() {
                        // an ended execution still on the cluster: record when we learnt it
                        store.set_status(
                            deployment,
                            &view.id,
                            view.status,
                            view.reason.as_deref(),
                            now,
                        )?;
                    }
                    report.rebuilt.push(view.id.clone());
                }
            }
            Some(record) if record.status.is_active() => {
                let launching = matches!(
                    record.status,
                    ExecutionStatus::Submitted | ExecutionStatus::Starting
                );
                if launching
                    && view.status != ExecutionStatus::Running
                    && launcher_is_gone(&record.launcher)
                {
                    report.interrupted.push(view.id.clone());
                    continue;
                }
                if launching && view.status == ExecutionStatus::Starting {
                    continue; // its console is still creating containers
                }
                if record.status != view.status
                    && store.set_status(
                        deployment,
                        &view.id,
                        view.status,
                        view.reason.as_deref(),
                        now,
                    )?
                {
                    report.updated.push((view.id.clone(), view.status));
                }
                if record.hosts != view.hosts {
                    store.set_placement(deployment, &view.id, &view.hosts, &record.endpoints)?;
                }
            }
            Some(_) => {}
        }
    }
    for record in store.list(deployment, false)? {
        if views.iter().any(|v| v.id == record.id) {
            continue;
        }
        let gone = launcher_is_gone(&record.launcher);
        match record.status {
            ExecutionStatus::Submitted | ExecutionStatus::Starting if gone => {
                report.interrupted.push(record.id.clone())
            }
            ExecutionStatus::Queued if gone => {
                store.set_status(
                    deployment,
                    &record.id,
                    ExecutionStatus::Terminated,
                    Some("the console that was waiting for room stopped"),
                    now,
                )?;
                report.closed.push(record.id.clone());
            }
            // still being launched, or waiting for room, by a live console
            ExecutionStatus::Submitted | ExecutionStatus::Starting | ExecutionStatus::Queued
                if now.saturating_sub(record.submitted) < LAUNCH_WINDOW_SECS
                    || !gone && !record.launcher.is_empty() => {}
            _ if complete => {
                store.set_status(
                    deployment,
                    &record.id,
                    ExecutionStatus::Error,
                    Some("its containers vanished from the cluster"),
                    now,
                )?;
                report.closed.push(record.id.clone());
            }
            _ => {}
        }
    }
    Ok(report)
}
