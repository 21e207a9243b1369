//! Admission at submission, for both fronts (`Engine::launch`): the
//! asking user's quota (their identity's; the settings' for the owner's
//! name when the engine was told no identity) against what Zoe's quota
//! counts of theirs, the cache's records first and then the executions the
//! hosts just read hold that the cache has no record of (other consoles'
//! launches). The rules and messages are `quota`'s.

use super::Prepared;
use super::engine::{Engine, EngineError};
use super::launch::now_secs;
use super::quota::{Quota, admit, demand_of, leaves, reserved_by, usage_from, usage_of};
use crate::model::{ExecutionStatus, NodeSnapshot};
use crate::state::ExecutionRecord;

impl Engine {
    /// Admission: the asking user's executions Zoe's quota counts and this
    /// one against their quota, a guest's one execution (see `quota`).
    /// What counts: the cache's active records, and the executions on
    /// `nodes` (just read) it has no record of, which other consoles
    /// started; never `prepared` itself.
    pub(super) fn admit(
        &self,
        prepared: &Prepared,
        nodes: &[NodeSnapshot],
    ) -> Result<(), EngineError> {
        let (quota, guest) = self.quota_of_launcher(&prepared.identity.owner)?;
        let own = &prepared.identity.id;
        let records: Vec<ExecutionRecord> = self
            .store
            .list(self.deployment(), false)?
            .into_iter()
            .filter(|r| r.id != *own)
            .collect();
        let elsewhere: Vec<_> = super::executions::executions_from_nodes(nodes, now_secs(), &[])
            .into_iter()
            .filter(|v| v.id != *own && !records.iter().any(|r| r.id == v.id))
            .collect();
        let mut counted: Vec<(&str, ExecutionStatus, (u64, f64))> = records
            .iter()
            .map(|r| (r.owner.as_str(), r.status, reserved_by(r)))
            .collect();
        counted.extend(elsewhere.iter().map(|v| {
            let reserved = v
                .description
                .as_deref()
                .and_then(|d| crate::shop::validate::parse_stored(d).ok())
                .map_or((0, 0.0), |d| demand_of(&d));
            (v.owner.as_str(), v.status, reserved)
        }));
        let usage = usage_from(counted.into_iter(), &prepared.identity.owner);
        admit(&quota, guest, &usage, &prepared.description).map_err(EngineError::Refused)
    }

    /// Whether the asking user's quota admits `prepared` now, and what it
    /// would leave of it (`zoe start --dry-run`): as the launch judges it,
    /// from the cache as the last look left it.
    pub fn quota_preview(
        &self,
        prepared: &Prepared,
    ) -> Result<Result<String, String>, EngineError> {
        let (quota, guest) = self.quota_of_launcher(&prepared.identity.owner)?;
        let records = self.store.list(self.deployment(), false)?;
        let usage = usage_of(&records, &prepared.identity.owner);
        Ok(leaves(&quota, guest, &usage, &prepared.description))
    }

    /// The quota (and guest limit) of who launches as `owner`: the asking
    /// identity's; the settings' for that name when the engine was told no
    /// identity.
    fn quota_of_launcher(&self, owner: &str) -> Result<(Quota, bool), EngineError> {
        match &self.asking.identity {
            Ok(identity) if identity.user == owner => {
                Ok((identity.quota.clone(), identity.role.guest))
            }
            _ => {
                let shared = crate::config::access_settings::is_shared(&self.settings, false);
                let (role, quota) =
                    crate::config::access_settings::grant(&self.settings, owner, None, shared)
                        .map_err(EngineError::Refused)?;
                Ok((quota, role.guest))
            }
        }
    }
}
