//! The one event stream the engine reports everything on.

use tokio::sync::mpsc::UnboundedSender;

use crate::model::{ExecutionId, ExecutionStatus};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Where each instance goes; deferred elastic instances wait for room.
    Placed {
        execution: ExecutionId,
        placements: Vec<(String, String)>,
        deferred: Vec<String>,
    },
    Network {
        execution: ExecutionId,
        host: String,
        network: String,
        created: bool,
    },
    Pulling {
        execution: ExecutionId,
        host: String,
        image: String,
        status: String,
        current: u64,
        total: u64,
    },
    ImageReady {
        execution: ExecutionId,
        host: String,
        image: String,
        pulled: bool,
    },
    Creating {
        execution: ExecutionId,
        instance: String,
        host: String,
    },
    Running {
        execution: ExecutionId,
        instance: String,
        host: String,
        container: String,
    },
    InstanceFailed {
        execution: ExecutionId,
        instance: String,
        host: String,
        reason: String,
    },
    Removed {
        execution: ExecutionId,
        host: String,
        containers: usize,
    },
    Status {
        execution: ExecutionId,
        status: ExecutionStatus,
        reason: Option<String>,
    },
}

/// Where events go; a sink with no receiver drops them.
#[derive(Clone, Default)]
pub struct Events {
    tx: Option<UnboundedSender<Event>>,
}

impl Events {
    pub fn new(tx: UnboundedSender<Event>) -> Events {
        Events { tx: Some(tx) }
    }

    pub fn none() -> Events {
        Events { tx: None }
    }

    pub fn emit(&self, event: Event) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(event);
        }
    }
}

/// Applies an engine event to the cache: status changes and placements.
pub fn record_event(
    store: &crate::state::Store,
    deployment: &str,
    event: &Event,
    now: u64,
) -> Result<(), crate::state::StateError> {
    match event {
        Event::Status {
            execution,
            status,
            reason,
        } => {
            store.set_status(deployment, execution, *status, reason.as_deref(), now)?;
        }
        Event::Placed {
            execution,
            placements,
            ..
        } => {
            let mut hosts: Vec<String> = placements.iter().map(|(_, h)| h.clone()).collect();
            hosts.sort();
            hosts.dedup();
            let endpoints = store
                .get(deployment, execution)?
                .map(|r| r.endpoints)
                .unwrap_or_default();
            store.set_placement(deployment, execution, &hosts, &endpoints)?;
        }
        _ => {}
    }
    Ok(())
}
