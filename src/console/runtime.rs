//! Zoe's runtime limit, enforced by supervision (`zoe supervise` and the
//! terminal UI's own passes): an execution Zoe's quota counts whose owner's
//! quota has a runtime limit, submitted longer ago than that, is
//! terminated with the reason `Run time quota exceeded` through the normal
//! termination (record, cleanup, nothing left behind), and its audit trail
//! says supervision did it.
//!
//! The owner's quota comes from the settings by the owner's name
//! (`[users.NAME] quota`, `default_quota`, `[quota]`…): a supervisor may be
//! an admin tending other users' executions, whose sign-in role it cannot
//! know.

use super::engine::Engine;
use super::events::{Event, Events};
use super::launch::now_secs;
use super::observe::Observation;
use super::quota::{RUNTIME_EXCEEDED, holds_quota, past_runtime};
use super::supervise::SuperviseReport;
use crate::model::ExecutionStatus;
use crate::model::audit::{SUPERVISION, TERMINATED};
use crate::state::ExecutionRecord;

impl Engine {
    /// Whether the deployment is shared, for the quota the settings give
    /// an owner (as the asking identity says when it is known).
    fn deployment_is_shared(&self) -> bool {
        match &self.asking.identity {
            Ok(identity) => identity.shared,
            Err(_) => crate::config::access_settings::is_shared(&self.settings, false),
        }
    }

    /// The executions past their owner's runtime limit at `now`.
    pub(super) fn past_runtime_limit(
        &self,
        now: u64,
    ) -> Result<Vec<ExecutionRecord>, crate::state::StateError> {
        let shared = self.deployment_is_shared();
        Ok(self
            .store
            .list(self.deployment(), false)?
            .into_iter()
            .filter(|r| holds_quota(r.status))
            // a supervisor tends only what its user may operate
            .filter(|r| self.asking.sees(&r.owner))
            // another console is still creating it: ended once it is up
            .filter(|r| {
                !(matches!(
                    r.status,
                    ExecutionStatus::Submitted | ExecutionStatus::Starting
                ) && !r.launcher.is_empty()
                    && !crate::state::launcher_is_gone(&r.launcher))
            })
            .filter(|r| {
                match crate::config::access_settings::grant(&self.settings, &r.owner, None, shared)
                {
                    Ok((_, quota)) => past_runtime(&quota, r.submitted, now),
                    Err(why) => {
                        tracing::warn!("supervise: {}: no quota for {}: {why}", r.id, r.owner);
                        false
                    }
                }
            })
            .collect())
    }

    /// Ends every execution past its runtime limit (see the module).
    pub(super) async fn end_past_runtime(
        &self,
        seen: &Observation,
        report: &mut SuperviseReport,
        events: &Events,
    ) {
        let over = match self.past_runtime_limit(now_secs()) {
            Ok(over) => over,
            Err(e) => {
                report
                    .problems
                    .push(format!("the runtime limit could not be checked: {e}"));
                return;
            }
        };
        for record in over {
            tracing::info!(
                "supervise: {} of {} submitted at {}: {RUNTIME_EXCEEDED}",
                record.id,
                record.owner,
                record.submitted
            );
            let pending = self.pending_of(&record.id).unwrap_or_default();
            let _ = self.store.add_audit(
                self.deployment(),
                record.id.as_str(),
                now_secs(),
                SUPERVISION,
                TERMINATED,
                Some(RUNTIME_EXCEEDED),
            );
            events.emit(Event::Status {
                execution: record.id.clone(),
                status: ExecutionStatus::Terminated,
                reason: Some(RUNTIME_EXCEEDED.to_string()),
            });
            let plan = self.ending_plan(
                &record,
                &seen.nodes,
                &pending,
                ExecutionStatus::Terminated,
                Some(RUNTIME_EXCEEDED.to_string()),
                record.status != ExecutionStatus::Running,
            );
            let outcome = self.clean_up("the runtime limit", plan, events).await;
            for (host, why) in &outcome.failed {
                report.problems.push(format!(
                    "{}: {host}: {why} (tried again at every later look)",
                    record.id
                ));
            }
            report
                .ended
                .push((record.id.clone(), RUNTIME_EXCEEDED.to_string()));
        }
    }
}
