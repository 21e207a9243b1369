//! Acting on one instance of an execution (the inspect pane's keys, `zoe
//! exec`): find it where it runs, under the same owner rule as terminate
//! and logs (`access`), only among the workloads this deployment made
//! (signed); read its raw description; restart it.
//!
//! A restart of an elastic instance is what supervision does to a dead
//! one: removed, then placed again by a supervision pass (the same path,
//! not a second one). An essential instance is restarted in place (a
//! container keeps its id; a pod is deleted and made again on its node)
//! while this engine's looks wait, so that no look sees it down for a
//! moment and ends its execution as "an essential service stopped".

use super::access::Action;
use super::engine::{Engine, EngineError};
use super::events::Events;
use super::observe::Wait;
use crate::model::{BackendState, ExecutionId, ExecutionView};

/// One instance, where it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceTarget {
    pub execution: ExecutionId,
    pub instance: String,
    /// The target (or `cluster/node`) it runs on.
    pub host: String,
    /// The container or pod.
    pub workload: String,
    pub essential: bool,
    pub state: BackendState,
}

/// What a restart did.
#[derive(Debug, Clone, PartialEq)]
pub struct Restarted {
    pub target: InstanceTarget,
    /// Where it runs now and as what (an elastic one may move).
    pub host: String,
    pub workload: String,
}

impl Engine {
    /// Instance `instance` of execution `query`, when the user may do
    /// `action` to it; with the execution as seen now.
    pub(super) async fn instance_target(
        &self,
        query: &str,
        instance: &str,
        action: Action,
    ) -> Result<(InstanceTarget, ExecutionView), EngineError> {
        let seen = self.observe(Wait::Answer).await?;
        let record = self.find(query)?;
        self.may(&record, action)?;
        let Some(view) = seen.views.into_iter().find(|v| v.id == record.id) else {
            return Err(EngineError::Refused(format!(
                "execution {} has no containers on the hosts that answered ({})",
                record.id, record.status
            )));
        };
        let names = || {
            view.instances
                .iter()
                .map(|i| i.instance.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(found) = view.instances.iter().find(|i| i.instance == instance) else {
            return Err(EngineError::Refused(format!(
                "execution {} has no instance `{instance}`; its instances: {}",
                view.id,
                names()
            )));
        };
        // only what this deployment made and signed is in `services`
        let workload = seen
            .nodes
            .iter()
            .filter(|n| n.name == found.host)
            .flat_map(|n| &n.services)
            .find(|s| s.execution_id == view.id && s.instance == instance)
            .map(|s| s.id.clone())
            .ok_or_else(|| {
                EngineError::Refused(format!(
                    "instance {instance} of {} is not among the containers this deployment made on {}",
                    view.id, found.host
                ))
            })?;
        let target = InstanceTarget {
            execution: view.id.clone(),
            instance: instance.to_string(),
            host: found.host.clone(),
            workload,
            essential: found.essential,
            state: found.state,
        };
        Ok((target, view))
    }

    /// The raw description of an instance's container (or pod), as the
    /// engine gives it.
    pub async fn describe_instance(
        &self,
        query: &str,
        instance: &str,
    ) -> Result<(InstanceTarget, serde_json::Value), EngineError> {
        let (target, _) = self
            .instance_target(query, instance, Action::Describe)
            .await?;
        let json = self
            .cluster
            .describe(&target.host, &target.workload)
            .await
            .map_err(|e| EngineError::Failed(e.to_string()))?;
        Ok((target, json))
    }

    /// Restarts one instance (see the module's notes); refused in
    /// read-only mode, for another user's execution without
    /// `--all-users`, and for an execution that is not running.
    pub async fn restart_instance(
        &self,
        query: &str,
        instance: &str,
        events: &Events,
    ) -> Result<Restarted, EngineError> {
        self.refuse_if_readonly("restarting an instance")?;
        let (target, view) = self
            .instance_target(query, instance, Action::Restart)
            .await?;
        if view.status != crate::model::ExecutionStatus::Running {
            return Err(EngineError::Refused(format!(
                "execution {} is {}: only a running execution's instances are restarted (relaunch it instead)",
                view.id, view.status
            )));
        }
        let grace = self.settings.stop_grace_secs;
        let restarted = if target.essential {
            self.restart_essential(&target, &view, grace, events)
                .await?
        } else {
            self.restart_elastic(&target, grace, events).await?
        };
        if let Err(e) = self
            .store
            .add_restart(self.deployment(), &target.execution, instance)
        {
            tracing::warn!("the state cache could not count the restart: {e}");
        }
        tracing::info!(
            "restarted {} of {} ({} → {} on {})",
            target.instance,
            target.execution,
            target.workload,
            restarted.1,
            restarted.0
        );
        Ok(Restarted {
            target,
            host: restarted.0,
            workload: restarted.1,
        })
    }

    /// Removed, then placed again by a supervision pass: (host, workload).
    async fn restart_elastic(
        &self,
        target: &InstanceTarget,
        grace: u32,
        events: &Events,
    ) -> Result<(String, String), EngineError> {
        self.cluster
            .remove(&target.host, &target.workload, grace)
            .await
            .map_err(|e| EngineError::Failed(e.to_string()))?;
        let (mut report, _) = self.supervise(events, true).await?;
        let to_stop = std::mem::take(&mut report.to_stop);
        if !to_stop.is_empty() {
            self.stop_all(&to_stop).await;
        }
        let placed = report
            .started
            .iter()
            .find(|(id, name, _)| *id == target.execution && *name == target.instance)
            .map(|(_, _, host)| host.clone());
        let Some(host) = placed else {
            let why = if report.problems.is_empty() {
                "no room for it now".to_string()
            } else {
                report.problems.join("; ")
            };
            return Err(EngineError::Failed(format!(
                "{} of {} was removed but not placed again yet ({why}); supervision places it when it can",
                target.instance, target.execution
            )));
        };
        let seen = self.observe(Wait::Answer).await?;
        let workload = seen
            .nodes
            .iter()
            .filter(|n| n.name == host)
            .flat_map(|n| &n.services)
            .find(|s| s.execution_id == target.execution && s.instance == target.instance)
            .map(|s| s.id.clone())
            .unwrap_or_default();
        Ok((host, workload))
    }

    /// In place, while this engine's looks wait: (host, workload).
    async fn restart_essential(
        &self,
        target: &InstanceTarget,
        view: &ExecutionView,
        grace: u32,
        events: &Events,
    ) -> Result<(String, String), EngineError> {
        let _alone = self.looks.write().await;
        let kept = self
            .cluster
            .restart_in_place(&target.host, &target.workload, grace)
            .await
            .map_err(|e| EngineError::Failed(e.to_string()))?;
        if kept {
            return Ok((target.host.clone(), target.workload.clone()));
        }
        self.cluster
            .remove(&target.host, &target.workload, grace)
            .await
            .map_err(|e| EngineError::Failed(e.to_string()))?;
        let workload = super::supervise::recreate_instance(
            &self.cluster,
            &self.settings,
            view,
            &target.instance,
            &target.host,
            events,
        )
        .await
        .map_err(|why| {
            EngineError::Failed(format!(
                "{} was removed but could not be made again: {why}; the execution ends at the next look",
                target.instance
            ))
        })?;
        Ok((target.host.clone(), workload))
    }
}

/// The terminal UI's asks about one instance, answered as reports.
pub(super) async fn serve(
    engine: &Engine,
    ask: super::service::Ask,
    events: &Events,
) -> super::service::Report {
    use super::service::{Ask, Report};
    match ask {
        Ask::Shell { id, instance } => Report::Shell(
            engine
                .shell(&id, &instance)
                .await
                .map_err(|e| e.to_string()),
        ),
        Ask::Describe { id, instance } => Report::Described(
            engine
                .describe_instance(&id, &instance)
                .await
                .map(|(t, json)| {
                    (
                        format!("{} of {} on {}", t.instance, t.execution, t.host),
                        json,
                    )
                })
                .map_err(|e| e.to_string()),
        ),
        Ask::RestartInstance { id, instance } => Report::Restarted(
            engine
                .restart_instance(&id, &instance, events)
                .await
                .map(|r| restarted_text(&r))
                .map_err(|e| format!("{instance} of {id}: {e}")),
        ),
        other => Report::Failed(format!("internal: {other:?} is not about an instance")),
    }
}

/// What a restart did, in words.
pub fn restarted_text(r: &Restarted) -> String {
    let t = &r.target;
    if r.workload == t.workload {
        format!(
            "{} of {} restarted in place on {}",
            t.instance, t.execution, r.host
        )
    } else {
        format!(
            "{} of {} restarted on {} (container {})",
            t.instance,
            t.execution,
            r.host,
            crate::model::text::short_id(&r.workload)
        )
    }
}
