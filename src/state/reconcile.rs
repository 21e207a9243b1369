//! Bringing the cache in line with the cluster, both ways:
//! * an execution the cluster has but the cache does not (launched by
//!   another console, or lost in a crash) is rebuilt from its labels;
//! * an active record whose containers are gone is closed with that reason
//!   (only when every host answered: an offline host may still hold them);
//!   one being cleaned up is closed by its cleanup alone (`cleanup.rs`);
//! * a launch whose console died mid-way (`kill -9`) is reported as
//!   interrupted, for the caller to clean up and close.

use super::{ExecutionRecord, StateError, Store, launcher_is_gone};
use crate::model::view::{ExecutionView, LAUNCH_WINDOW_SECS};
use crate::model::{ExecutionId, ExecutionStatus};

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ReconcileReport {
    /// Rebuilt from the cluster's labels.
    pub rebuilt: Vec<ExecutionId>,
    /// Status changed to what the cluster shows: (id, new status).
    pub updated: Vec<(ExecutionId, ExecutionStatus)>,
    /// Closed because their containers vanished.
    pub closed: Vec<ExecutionId>,
    /// Launches whose console is gone before they were running: the caller
    /// removes what they left and closes them.
    pub interrupted: Vec<ExecutionId>,
}

/// Which hosts this console could read, and whether that was all of its
/// configured hosts. Only what those hosts lack is really gone.
#[derive(Debug, Clone, Copy)]
pub struct Answered<'a> {
    pub hosts: &'a [String],
    pub all_configured: bool,
    /// The second the look at the cluster began. A record launched or
    /// started at or after it may have containers this look could not see
    /// yet: it is not judged by this look (the next one does).
    pub looked_at: u64,
    /// Execution ids that foreign containers (unsigned, or signed with
    /// another key) on the answering hosts claim.
    pub foreign: &'a [String],
}

impl Answered<'_> {
    /// Absence from the cluster means something for this record: every host
    /// it was on answered (another console may know hosts we do not), and
    /// the look began after the record was launched and started.
    fn covers(&self, record: &ExecutionRecord) -> bool {
        let newer = record.submitted >= self.looked_at
            || record.started.is_some_and(|at| at >= self.looked_at);
        if newer {
            return false;
        }
        if record.hosts.is_empty() {
            self.all_configured
        } else {
            record.hosts.iter().all(|h| self.hosts.contains(h))
        }
    }
}

pub fn reconcile(
    store: &Store,
    deployment: &str,
    views: &[ExecutionView],
    answered: Answered<'_>,
    now: u64,
) -> Result<ReconcileReport, StateError> {
    let mut report = ReconcileReport::default();
    for view in views {
        match store.get(deployment, &view.id)? {
            None => {
                let submitted = view.submitted.unwrap_or(now);
                let record = ExecutionRecord {
                    id: view.id.clone(),
                    name: view.name.clone(),
                    entry: view.entry.clone(),
                    owner: view.owner.clone(),
                    deployment: deployment.to_string(),
                    description: view.description.clone(),
                    parameters: view.parameters.clone(),
                    status: view.status,
                    reason: view.reason.clone(),
                    submitted,
                    started: (view.status != ExecutionStatus::Starting).then_some(submitted),
                    ended: (!view.status.is_active()).then_some(now),
                    hosts: view.hosts.clone(),
                    endpoints: view.endpoints.clone().unwrap_or_default(),
                    launcher: String::new(),
                    restarts: Vec::new(),
                };
                if store.insert(&record)? {
                    report.rebuilt.push(view.id.clone());
                }
            }
            // being cleaned up: its cleanup closes it
            Some(record) if record.status == ExecutionStatus::CleaningUp => {}
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
                // its console is still creating containers: it writes the
                // outcome itself (and the terminate guard holds meanwhile)
                if launching
                    && (view.status == ExecutionStatus::Starting
                        || !record.launcher.is_empty() && !launcher_is_gone(&record.launcher))
                {
                    continue;
                }
                // an execution never goes back to starting once it ran: a
                // look that read the hosts while its last services were
                // still being created, and answers after the launch wrote
                // `running`, is stale (and would stay so while its launcher
                // lives, see above)
                let stale = record.status == ExecutionStatus::Running
                    && matches!(
                        view.status,
                        ExecutionStatus::Starting | ExecutionStatus::Submitted
                    );
                if record.status != view.status
                    && !stale
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
                // where it runs, and its endpoints when the record has none
                // (a launch whose cache writes failed could not keep them)
                let endpoints = match view.endpoints.as_deref() {
                    Some(found) if record.endpoints.is_empty() && !found.is_empty() => found,
                    _ => &record.endpoints,
                };
                // a host that did not answer may still hold some of it
                let mut hosts = view.hosts.clone();
                hosts.extend(
                    record
                        .hosts
                        .iter()
                        .filter(|h| !answered.hosts.contains(h))
                        .cloned(),
                );
                hosts.sort();
                hosts.dedup();
                if record.hosts != hosts || *endpoints != record.endpoints {
                    store.set_placement(deployment, &view.id, &hosts, endpoints)?;
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
            // closed by its cleanup once every host confirmed nothing is
            // left (`state::cleanup`), never by absence from one look
            ExecutionStatus::CleaningUp => {}
            _ if answered.covers(&record) => {
                // its containers may still run, but this deployment cannot
                // vouch for them (made before labels were signed, or with
                // another deployment key): say so, not "vanished"
                let why = if answered.foreign.iter().any(|c| *c == *record.id) {
                    "its containers are foreign now (not signed with this deployment's key: made by an older console, or one with another key): give this console the deployment's key file, or remove them with `zoe kill --foreign`"
                } else {
                    "its containers vanished from the cluster"
                };
                store.set_status(
                    deployment,
                    &record.id,
                    ExecutionStatus::Error,
                    Some(why),
                    now,
                )?;
                report.closed.push(record.id.clone());
            }
            _ => {}
        }
    }
    Ok(report)
}
