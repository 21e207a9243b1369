//! The one error every engine reports, typed so that callers match on what
//! happened (unreachable, not found, conflict, timeout, refused), never on
//! the message. The engine's own words are kept in `why`, for display.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The target cannot be reached or connected to.
    #[error("host {target} ({address}): cannot connect: {why}")]
    Unreachable {
        target: String,
        address: String,
        why: String,
    },
    /// The object asked for does not exist (any more).
    #[error("host {target}: {what}: {why}")]
    NotFound {
        target: String,
        what: String,
        why: String,
    },
    /// The object exists already, or is in a state that forbids the action.
    #[error("host {target}: {what}: {why}")]
    Conflict {
        target: String,
        what: String,
        why: String,
    },
    /// No answer within the deadline.
    #[error("host {target}: {what} did not answer within {secs} s")]
    Timeout {
        target: String,
        what: String,
        secs: u64,
    },
    /// Nothing can take the work now (a cluster's scheduler found no node
    /// for an essential pod in time): the execution waits in the queue.
    #[error("host {target}: {what}: {why}")]
    NoRoom {
        target: String,
        what: String,
        why: String,
    },
    /// The engine answered no, with its reason.
    #[error("host {target}: {what}: {why}")]
    Refused {
        target: String,
        what: String,
        why: String,
    },
    /// The target's credentials were rejected or could not be had (a
    /// cluster's 401, a failing exec plugin); `why` names the context and
    /// server and says how to log in again.
    #[error("{target}: {why}")]
    Unauthorized { target: String, why: String },
    /// The target's own configuration is wrong (a cluster's kubeconfig
    /// missing, its context unknown); `why` names the file.
    #[error("{target}: {why}")]
    Misconfigured { target: String, why: String },
    /// What was read is too old to continue from (a cluster's 410 Gone):
    /// read it whole again.
    #[error("{target}: {what}: {why}")]
    Expired {
        target: String,
        what: String,
        why: String,
    },
}

impl BackendError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, BackendError::NotFound { .. })
    }

    /// An engine refusal for `what` on `target`.
    pub fn refused(target: &str, what: impl Into<String>, why: impl Into<String>) -> BackendError {
        BackendError::Refused {
            target: target.to_string(),
            what: what.into(),
            why: why.into(),
        }
    }
}
