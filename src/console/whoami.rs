//! `zoe whoami`: who the console takes you for, your role and quota, and
//! what you use of it now (from a look at the cluster, or from the cache
//! when hosts do not answer, said so).

use super::engine::{Engine, EngineError};
use super::observe::Wait;
use super::quota::{Usage, usage_of};
use crate::model::access::Identity;

/// Who asks and what they use.
#[derive(Debug, Clone, PartialEq)]
pub struct WhoAmI {
    pub identity: Identity,
    pub usage: Usage,
    /// The hosts that did not answer (then `usage` is the cache's figure
    /// as the last complete look left it).
    pub unanswered: Vec<String>,
}

impl Engine {
    /// The asking identity and their current use of their quota.
    pub async fn whoami(&self) -> Result<WhoAmI, EngineError> {
        let identity = self.asking.identity.clone().map_err(EngineError::Refused)?;
        let seen = self.observe(Wait::Answer).await?;
        let unanswered = seen
            .nodes
            .iter()
            .filter(|n| !n.is_online())
            .map(|n| n.name.clone())
            .collect();
        let records = self.store.list(self.deployment(), false)?;
        Ok(WhoAmI {
            usage: usage_of(&records, &identity.user),
            identity,
            unanswered,
        })
    }
}
