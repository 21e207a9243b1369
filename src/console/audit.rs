//! The audit trail as the engine keeps it: who launched, relaunched and
//! terminated an execution, and when (the cache's `audit` table), and what
//! `zoe inspect` and the inspect pane show of it. An execution another
//! console started has no trail in this cache: only what its labels say
//! (its owner launched it, at its submission) is shown, marked as such.

use std::collections::HashMap;

use super::Prepared;
use super::engine::{Engine, EngineError};
use super::launch::now_secs;
use crate::model::audit::{AuditEntry, AuditSource, LAUNCHED, RELAUNCHED, TERMINATED};
use crate::state::ExecutionRecord;

impl Engine {
    /// Who asks, as the audit trail names them.
    fn actor(&self) -> String {
        self.asking
            .user
            .clone()
            .unwrap_or_else(|_| "an unknown user".into())
    }

    /// Records the launch (or relaunch) of `prepared`; a cache that refuses
    /// is a notice, never a failure.
    pub(super) fn audit_launch(&self, prepared: &Prepared, at: u64) {
        let user = match &self.asking.user {
            Ok(user) => user.clone(),
            Err(_) => prepared.identity.owner.clone(),
        };
        let (action, detail) = match &prepared.relaunch_of {
            Some(old) => (RELAUNCHED, Some(format!("relaunch of {old}"))),
            None => (LAUNCHED, None),
        };
        let written = self.store.add_audit(
            self.deployment(),
            prepared.identity.id.as_str(),
            at,
            &user,
            action,
            detail.as_deref(),
        );
        if let Err(e) = written {
            tracing::warn!("the state cache could not record who launched: {e}");
        }
    }

    /// Records a termination asked by the asking user, with its reason.
    pub(super) fn audit_terminate(&self, record: &ExecutionRecord, reason: Option<&str>) {
        let written = self.store.add_audit(
            self.deployment(),
            record.id.as_str(),
            now_secs(),
            &self.actor(),
            TERMINATED,
            reason,
        );
        if let Err(e) = written {
            tracing::warn!("the state cache could not record who terminated: {e}");
        }
    }

    /// The audit trail of `record`, oldest first: the cache's, or, for an
    /// execution this cache has none of (another console started it), its
    /// launch by its owner as its labels say.
    pub fn audit(&self, record: &ExecutionRecord) -> Result<Vec<AuditEntry>, EngineError> {
        let trail = self.store.audit(self.deployment(), record.id.as_str())?;
        Ok(with_known_launch(record, trail))
    }

    /// The audit trails of `records` (see [`Engine::audit`]), by id: one
    /// read of the cache for all.
    pub fn audits(
        &self,
        records: &[ExecutionRecord],
    ) -> Result<HashMap<String, Vec<AuditEntry>>, EngineError> {
        let mut by_id: HashMap<String, Vec<AuditEntry>> = HashMap::new();
        for (id, entry) in self.store.audits(self.deployment())? {
            by_id.entry(id).or_default().push(entry);
        }
        Ok(records
            .iter()
            .map(|r| {
                let trail = by_id.remove(r.id.as_str()).unwrap_or_default();
                (r.id.to_string(), with_known_launch(r, trail))
            })
            .collect())
    }
}

/// The trail, with the launch its labels tell of first when this cache
/// recorded none (another console launched it).
fn with_known_launch(record: &ExecutionRecord, mut trail: Vec<AuditEntry>) -> Vec<AuditEntry> {
    let launched_here = trail
        .iter()
        .any(|e| e.action == LAUNCHED || e.action == RELAUNCHED);
    if !launched_here {
        trail.insert(
            0,
            AuditEntry {
                at: record.submitted,
                user: record.owner.clone(),
                action: LAUNCHED.into(),
                detail: None,
                source: AuditSource::Labels,
            },
        );
    }
    trail
}

/// An audit line's action as shown: `terminated: Run time quota exceeded`,
/// `relaunched: relaunch of 1abc…`, `launched (known from its labels)`.
pub fn action_text(entry: &AuditEntry) -> String {
    let mut text = entry.action.clone();
    if let Some(detail) = &entry.detail {
        text.push_str(": ");
        text.push_str(&crate::model::text::visible(detail));
    }
    if entry.source == AuditSource::Labels {
        text.push_str(" (known from its labels)");
    }
    text
}
