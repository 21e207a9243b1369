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
    pub id: crate::model::ExecutionId,
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
    /// Who launched, relaunched and terminated it, oldest first.
    pub audit: Vec<crate::model::audit::AuditEntry>,
    /// What it reserves against its owner's quota: (bytes, cores).
    pub reserved: (u64, f64),
}

/// What the engine reported, for the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Cluster {
        nodes: Vec<NodeSnapshot>,
        executions: Vec<ExecutionRow>,
    },
    /// What the nodes' services use now (read beside the looks, only while
    /// a view shows it).
    Usage(Vec<crate::console::usage::NodeUsage>),
    /// What the state cache last saw (`seen`: Unix seconds), shown marked
    /// as cached until the hosts answer.
    Cached {
        nodes: Vec<NodeSnapshot>,
        executions: Vec<ExecutionRow>,
        seen: u64,
    },
    /// A look at the cluster began or ended.
    Looking(bool),
    Failed(String),
    /// Something to know that stopped nothing (the cache refused a write).
    Notice(String),
    /// An answer to show as it is (`:ctx`, `:ns`).
    Told(String),
    Progress(Event),
    /// A launch of this console ended, and how.
    Launched {
        id: crate::model::ExecutionId,
        result: Result<Launched, String>,
    },
    Terminated {
        id: crate::model::ExecutionId,
        result: Result<usize, String>,
    },
    /// The values to relaunch with (the engine's answer to `r`), or why
    /// not.
    Relaunch(Result<crate::console::access::Relaunch, String>),
    /// An instance's raw description (title, JSON), or why not.
    Described(Result<(String, serde_json::Value), String>),
    /// A shell asked for was not opened: why (the engine's words), or
    /// nothing when the view had changed meanwhile.
    ShellNotOpened(Option<String>),
    /// An instance restarted (what to say), or why not.
    Restarted(Result<String, String>),
    /// Lines of the log followed for this execution.
    Log {
        execution: crate::model::ExecutionId,
        lines: Vec<LogLine>,
    },
    LogError {
        execution: crate::model::ExecutionId,
        message: String,
    },
    /// The follow began: the instances it reads, in order.
    LogOpened {
        execution: crate::model::ExecutionId,
        instances: Vec<String>,
    },
    /// One instance's log ended.
    LogEnded {
        execution: crate::model::ExecutionId,
        instance: String,
    },
    /// The log could not be followed at all (another user's execution…).
    LogRefused {
        execution: crate::model::ExecutionId,
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
    /// When the nodes were last seen (the UI's clock), for the age of the
    /// capacity the placement preview uses.
    pub seen_at: Option<u64>,
    /// Progress of the launch under way, per instance.
    pub launch: Vec<LaunchRow>,
    /// The execution this console is launching, while it is.
    pub launching: Option<String>,
    /// The last usage figures read: put into the nodes of every look until
    /// the next figures arrive.
    pub usage: Vec<crate::console::usage::NodeUsage>,
    /// The nodes and executions shown are the cache's, last seen then
    /// (Unix seconds): no host answered yet.
    pub cached: Option<u64>,
    /// A look at the cluster is under way.
    pub looking: bool,
    /// Terminations asked for and not answered yet.
    pub terminating: Vec<crate::model::ExecutionId>,
    /// The spinner's step (it turns only while something is in flight).
    pub spin: usize,
    /// The targets being asked (their names), for the placeholders shown
    /// before anything is known.
    pub asking: Vec<String>,
    /// The execution the start form launched: selected in the executions
    /// view once a look lists it.
    pub select_when_listed: Option<crate::model::ExecutionId>,
}

impl Data {
    /// Something is in flight: a look, a launch, a termination.
    pub fn busy(&self) -> bool {
        self.looking || self.launching.is_some() || !self.terminating.is_empty()
    }

    /// The cache's nodes and executions, while nothing fresher is known.
    pub fn show_cached(
        &mut self,
        nodes: Vec<NodeSnapshot>,
        executions: Vec<ExecutionRow>,
        seen: u64,
    ) {
        if !self.loading {
            return;
        }
        self.nodes = nodes;
        self.executions = executions;
        self.cached = Some(seen);
    }

    /// Follows the launch under way; returns an error to show when the
    /// execution failed as a whole.
    pub fn on_progress(&mut self, event: Event) -> Option<String> {
        let mut set = |instance: &str, host: &str, step: LaunchStep| match self
            .launch
            .iter_mut()
            .find(|row| row.instance == instance)
        {
            Some(row) => {
                row.host = host.to_string();
                row.step = step;
            }
            None => self.launch.push(LaunchRow {
                instance: instance.to_string(),
                host: host.to_string(),
                step,
            }),
        };
        match event {
            Event::Placed {
                placements,
                deferred,
                ..
            } => {
                for (instance, host) in placements {
                    set(&instance, &host, LaunchStep::Placed);
                }
                for instance in deferred {
                    set(&instance, "", LaunchStep::WaitingForRoom);
                }
            }
            Event::Pulling {
                host,
                image,
                current,
                total,
                ..
            } => {
                // the instances placed on that host are waiting for it
                for row in self.launch.iter_mut().filter(|row| {
                    row.host == host
                        && matches!(row.step, LaunchStep::Placed | LaunchStep::Pulling { .. })
                }) {
                    row.step = LaunchStep::Pulling {
                        image: image.clone(),
                        current,
                        total,
                    };
                }
            }
            Event::Creating { instance, host, .. } => set(&instance, &host, LaunchStep::Creating),
            Event::Running { instance, host, .. } => set(&instance, &host, LaunchStep::Running),
            Event::InstanceFailed {
                instance,
                host,
                reason,
                ..
            } => set(&instance, &host, LaunchStep::Failed(reason)),
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

/// One instance of the launch under way.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchRow {
    pub instance: String,
    pub host: String,
    pub step: LaunchStep,
}

/// Where an instance of a launch is.
#[derive(Debug, Clone, PartialEq)]
pub enum LaunchStep {
    Placed,
    /// Elastic, no room now: supervision starts it when there is.
    WaitingForRoom,
    Pulling {
        image: String,
        current: u64,
        total: u64,
    },
    Creating,
    Running,
    Failed(String),
}

impl std::fmt::Display for LaunchStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LaunchStep::Placed => f.write_str("placed"),
            LaunchStep::WaitingForRoom => f.write_str("waiting for room (elastic)"),
            LaunchStep::Pulling {
                image,
                current,
                total,
            } => {
                write!(f, "pulling {image}")?;
                if let Some(pct) = (current * 100).checked_div(*total) {
                    write!(f, " {pct}% of {}", crate::model::format_bytes(*total))?;
                }
                Ok(())
            }
            LaunchStep::Creating => f.write_str("creating"),
            LaunchStep::Running => f.write_str("running"),
            LaunchStep::Failed(why) => write!(f, "failed: {why}"),
        }
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
