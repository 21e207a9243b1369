//! What the engine reported, shared by every view: the nodes, the
//! executions, the progress of the launch under way. Views read it; only
//! engine reports (`Update`) change it. Each view's own UI state
//! (selection, scroll, filter, sort) lives with the view, in `views/`.

use crate::console::events::Event;
use crate::console::executions::InstanceView;
use crate::console::launch::Launched;
use crate::model::ExecutionStatus;
use crate::model::LogLine;
use crate::model::NodeSnapshot;

/// One row of the executions view.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRow {
    pub id: String,
    pub name: String,
    pub entry: String,
    pub owner: String,
    pub status: ExecutionStatus,
    pub up: String,
    pub hosts: String,
    /// When it was submitted (Unix seconds): its age is drawn from this
    /// and the clock, so it ticks.
    pub submitted: u64,
    pub reason: String,
    pub parameters: Vec<(String, String)>,
    pub instances: Vec<InstanceView>,
    /// (instance, name, url)
    pub endpoints: Vec<(String, String, String)>,
    /// Restarts per instance.
    pub restarts: Vec<(String, u32)>,
}

/// What the engine reported, for the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Cluster {
        nodes: Vec<NodeSnapshot>,
        executions: Vec<ExecutionRow>,
    },
    Failed(String),
    /// Something to know that stopped nothing (the cache refused a write).
    Notice(String),
    Progress(Event),
    Launched(Result<Launched, String>),
    Terminated {
        id: String,
        result: Result<usize, String>,
    },
    /// Lines of the log followed for this execution.
    Log {
        execution: String,
        lines: Vec<LogLine>,
    },
    LogError {
        execution: String,
        message: String,
    },
}

impl Update {
    /// Lines for whatever log is being followed (tests).
    #[cfg(test)]
    pub fn log(lines: Vec<LogLine>) -> Update {
        Update::Log {
            execution: "1ibx0a2b3c".into(),
            lines,
        }
    }
}

/// The cluster as last reported.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub nodes: Vec<NodeSnapshot>,
    /// Newest first, as the engine lists them.
    pub executions: Vec<ExecutionRow>,
    /// Waiting for the first cluster reply.
    pub loading: bool,
    /// Progress of the launch under way: (instance, host, state).
    pub launch: Vec<(String, String, String)>,
    /// The execution this console is launching, while it is.
    pub launching: Option<String>,
}

impl Data {
    /// Follows the launch under way; returns an error to show when the
    /// execution failed as a whole.
    pub fn on_progress(&mut self, event: Event) -> Option<String> {
        let mut set = |instance: &str, host: &str, state: String| match self
            .launch
            .iter_mut()
            .find(|(i, _, _)| i == instance)
        {
            Some(row) => {
                row.1 = host.to_string();
                row.2 = state;
            }
            None => self
                .launch
                .push((instance.to_string(), host.to_string(), state)),
        };
        match event {
            Event::Placed {
                placements,
                deferred,
                ..
            } => {
                for (instance, host) in placements {
                    set(&instance, &host, "placed".into());
                }
                for instance in deferred {
                    set(&instance, "", "waiting for room (elastic)".into());
                }
            }
            Event::Pulling {
                host,
                image,
                current,
                total,
                ..
            } => {
                let pct = (current * 100)
                    .checked_div(total)
                    .map(|p| format!(" {p}% of {}", crate::model::format_bytes(total)))
                    .unwrap_or_default();
                // the instances placed on that host are waiting for it
                for row in self.launch.iter_mut().filter(|(_, h, state)| {
                    *h == host && (state == "placed" || state.starts_with("pulling"))
                }) {
                    row.2 = format!("pulling {image}{pct}");
                }
            }
            Event::Creating { instance, host, .. } => set(&instance, &host, "creating".into()),
            Event::Running { instance, host, .. } => set(&instance, &host, "running".into()),
            Event::InstanceFailed {
                instance,
                host,
                reason,
                ..
            } => set(&instance, &host, format!("failed: {reason}")),
            Event::Status {
                status: ExecutionStatus::Error,
                reason: Some(reason),
                ..
            } => return Some(reason),
            _ => {}
        }
        None
    }

    /// The launch under way ended (either way).
    pub fn launch_ended(&mut self) {
        self.launch.clear();
        self.launching = None;
    }
}

/// The execution an engine event is about.
pub fn event_execution(event: &Event) -> &str {
    match event {
        Event::Placed { execution, .. }
        | Event::Network { execution, .. }
        | Event::Pulling { execution, .. }
        | Event::ImageReady { execution, .. }
        | Event::Creating { execution, .. }
        | Event::Running { execution, .. }
        | Event::InstanceFailed { execution, .. }
        | Event::Removed { execution, .. }
        | Event::Status { execution, .. } => execution,
    }
}
