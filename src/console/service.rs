//! The engine as a service for a long-running front (the TUI): it runs on
//! its own thread (the cache connection never crosses threads), looks at the
//! cluster every few seconds or when asked, runs actions (launch, terminate,
//! follow logs) beside that, and reports everything on one channel. The
//! front never waits for it.

use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::LocalSet;

use std::rc::Rc;

use super::Prepared;
use super::access::{Asking, Relaunch};
use super::engine::Engine;
use super::events::{Event, Events};
use super::launch::Launched;
use super::observe::Wait;
use super::usage::NodeUsage;
use crate::config::Settings;
use crate::config::hosts::TargetConfig;
use crate::model::{
    ExecutionId, ExecutionRecord, ExecutionView, LogItem, LogLine, LogRequest, NodeSnapshot,
};

/// Name of the engine's thread (a panic hook tells it from the UI's).
pub const ENGINE_THREAD: &str = "zoe-engine";

/// How often the cluster is looked at when nobody asks: a safety net, as
/// the engines' event streams bring changes at once.
pub const REFRESH_EVERY: Duration = Duration::from_secs(10);

/// How often usage figures are read while shown: every 15 s, less often
/// with many containers (each costs the engine several milliseconds of CPU:
/// half a second of interval per container keeps that near 1 % of a core).
pub fn usage_every(running: usize) -> Duration {
    Duration::from_secs(15).max(Duration::from_millis(500).saturating_mul(running as u32))
}

#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Seen {
        nodes: Vec<NodeSnapshot>,
        records: Vec<ExecutionRecord>,
        views: Vec<ExecutionView>,
        /// Each execution's audit trail, by id.
        audits: std::collections::HashMap<String, Vec<crate::model::audit::AuditEntry>>,
    },
    /// What the nodes' services use now: while a front shows it.
    Usage(Vec<NodeUsage>),
    /// What the state cache last saw, sent once at the start before any
    /// host answered: shown marked as cached until the first `Seen`.
    Cached(super::cached::LastSeen),
    /// A look at the cluster began (`true`) or ended (`false`): a front
    /// shows that something is in flight.
    Looking(bool),
    Failed(String),
    /// Something the user should know that stopped nothing (the cache
    /// refused a write…).
    Notice(String),
    /// An answer to show as it is (the contexts or namespaces listed, a
    /// switch done).
    Told(String),
    /// Progress of a launch or termination.
    Engine(Event),
    /// A launch ended: which execution (its outcome may arrive while
    /// another launch is under way), and how.
    Launched {
        id: ExecutionId,
        result: Result<Launched, String>,
    },
    Terminated {
        id: ExecutionId,
        result: Result<usize, String>,
    },
    /// The values to relaunch an execution with, or why not (another
    /// user's, read-only…).
    Relaunch(Result<Relaunch, String>),
    /// Lines of the followed log of `execution`, in order; `follow` is the
    /// number of the ask they answer (a front drops what an earlier follow
    /// of the same log still sent).
    Log {
        execution: ExecutionId,
        follow: u64,
        lines: Vec<LogLine>,
    },
    LogError {
        execution: ExecutionId,
        follow: u64,
        message: String,
    },
    /// The follow began: the instances read, in the order of the merge
    /// (the log view numbers its services so).
    LogOpened {
        execution: ExecutionId,
        follow: u64,
        instances: Vec<String>,
    },
    /// One instance's log ended (after its last line).
    LogEnded {
        execution: ExecutionId,
        follow: u64,
        instance: String,
    },
    /// The follow did not start: refused (another user's execution…) or
    /// nothing to read (no containers left).
    LogRefused {
        execution: ExecutionId,
        follow: u64,
        message: String,
    },
    /// An instance to run a shell in (the front hands it the terminal), or
    /// why not.
    Shell(Result<super::shell::ShellTarget, String>),
    /// An instance's raw description: (title, JSON), or why not.
    Described(Result<(String, serde_json::Value), String>),
    /// An instance restarted (what was done, in words), or why not.
    Restarted(Result<String, String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Refresh,
    /// Whether the screen shows usage figures: while it does, they are read
    /// beside the looks at a modest rate (see [`usage_every`]).
    Usage(bool),
    Stop,
    Launch(Box<Prepared>),
    /// Terminate it (the engine knows who asks: the reason names them).
    Terminate {
        id: ExecutionId,
    },
    /// The values to relaunch it with (answered by `Report::Relaunch`).
    Relaunch {
        id: ExecutionId,
    },
    /// Follow the log of an execution (all services, or one); replaces the
    /// stream followed before.
    FollowLogs {
        id: ExecutionId,
        service: Option<String>,
        tail: u64,
        /// Numbers this follow; its reports carry it.
        follow: u64,
    },
    StopLogs,
    /// List the contexts of the kubeconfig (answered by `Told`).
    Contexts,
    /// Switch the cluster target to this context: the targets are made
    /// again (the Docker hosts kept).
    UseContext(String),
    /// List the namespaces of the cluster target.
    Namespaces,
    /// Switch the cluster target to this namespace.
    UseNamespace(String),
    /// Find an instance to run a shell in (answered by `Report::Shell`).
    Shell {
        id: ExecutionId,
        instance: String,
    },
    /// An instance's raw description (answered by `Report::Described`).
    Describe {
        id: ExecutionId,
        instance: String,
    },
    /// Restart one instance (answered by `Report::Restarted`).
    RestartInstance {
        id: ExecutionId,
        instance: String,
    },
}

/// What the service's engine is opened with.
pub struct EngineSetup {
    pub settings: Settings,
    pub targets: Vec<TargetConfig>,
    /// The state cache file.
    pub cache: PathBuf,
    /// The deployment key file.
    pub key_file: PathBuf,
    pub readonly: bool,
    /// Who is asking (their own executions only, unless all users).
    pub asking: Asking,
}

/// Starts the service; returns where to ask and where reports arrive.
pub fn spawn(setup: EngineSetup) -> (UnboundedSender<Ask>, UnboundedReceiver<Report>) {
    let (ask_tx, ask_rx) = unbounded_channel::<Ask>();
    let (report_tx, report_rx) = unbounded_channel::<Report>();
    let spawned = std::thread::Builder::new()
        .name(ENGINE_THREAD.into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                let _ = report_tx.send(Report::Failed("cannot start the engine's runtime".into()));
                return;
            };
            let reports = report_tx.clone();
            let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                LocalSet::new().block_on(&runtime, serve(setup, ask_rx, report_tx));
            }));
            if served.is_err() {
                let _ = reports.send(Report::Failed(
                    "the engine stopped after an internal error (see the log file); restart zoe"
                        .into(),
                ));
            }
        });
    if let Err(e) = spawned {
        // the receiver then closes at once, and the front says so
        eprintln!("zoe: cannot start the engine thread: {e}");
    }
    (ask_tx, report_rx)
}

async fn serve(
    setup: EngineSetup,
    mut asks: UnboundedReceiver<Ask>,
    reports: UnboundedSender<Report>,
) {
    let EngineSetup {
        settings,
        targets,
        cache,
        key_file,
        readonly,
        asking,
    } = setup;
    let mut targets_now = targets.clone();
    let reopen = {
        let (settings, asking) = (settings.clone(), asking.clone());
        let (cache, key_file) = (cache.clone(), key_file.clone());
        move |targets: Vec<TargetConfig>| {
            Engine::open(settings.clone(), targets, &cache, &key_file, true, readonly)
                .map(|(engine, _)| Rc::new(engine.with_asking(asking.clone())))
                .map_err(|e| e.to_string())
        }
    };
    // `:ns NAME` checked against the cluster: the new targets come back here
    let (retarget_tx, mut retarget_rx) =
        unbounded_channel::<Result<(Vec<TargetConfig>, String), String>>();
    // a cache that cannot be written (read-only, disk full) must not blind
    // the console: it goes on in memory, with a notice
    let mut engine = match Engine::open(settings, targets, &cache, &key_file, true, readonly) {
        Ok((engine, notice)) => {
            if let Some(notice) = notice {
                let _ = reports.send(Report::Notice(notice));
            }
            Rc::new(engine.with_asking(asking))
        }
        Err(e) => {
            // the error says what to do (only damage advises removing it)
            tracing::warn!("the engine cannot start: {e}");
            let _ = reports.send(Report::Failed(e.to_string()));
            return;
        }
    };
    // progress of actions (already recorded in the cache by the engine)
    let (event_tx, mut event_rx) = unbounded_channel::<Event>();
    // results of actions: passed on after the events they sent before
    let (done_tx, mut done_rx) = unbounded_channel::<Report>();
    let mut logs: Option<tokio::task::JoinHandle<()>> = None;
    let mut next_look = tokio::time::Instant::now();
    // one look at a time; its result comes back here
    let (look_tx, mut look_rx) = unbounded_channel::<Report>();
    let mut looking = false;
    let mut refresh_pending = false;
    // changes on the targets (a container died…): look at once, not at the
    // next periodic look
    let mut changes = engine.changes();
    // a host answered after a look stopped waiting for it: look again
    let mut late = engine.late_answers();
    // usage figures: read while shown, on their own task, beside the looks
    let (usage_tx, mut usage_rx) = unbounded_channel::<Vec<NodeUsage>>();
    let mut usage_shown = false;
    let mut usage_reading = false;
    let mut next_usage = tokio::time::Instant::now();
    let mut last_nodes: Vec<NodeSnapshot> = Vec::new();
    // the first screen: what the cache last saw, until the hosts answer
    match engine.last_seen() {
        Ok(Some(seen)) => {
            let _ = reports.send(Report::Cached(seen));
        }
        Ok(None) => {}
        Err(e) => tracing::warn!("the nodes last seen could not be read from the cache: {e}"),
    }
    let notify = |engine: &Engine, reports: &UnboundedSender<Report>| {
        for notice in engine.take_notices() {
            let _ = reports.send(Report::Notice(notice));
        }
    };
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(next_look), if !looking => {
                // a look at the cluster with supervision (what Zoe's
                // scheduler loop does; a read-only console only looks), on
                // its own task so that asks are served while a slow host is
                // being waited for
                looking = true;
                let _ = reports.send(Report::Looking(true));
                let (engine, events, done) = (engine.clone(), Events::new(event_tx.clone()), look_tx.clone());
                tokio::task::spawn_local(async move {
                    let seen = if engine.is_readonly() {
                        engine.observe(Wait::Answer).await
                    } else {
                        match engine.supervise(&events, true).await {
                            Ok((mut did, seen)) => {
                                // stopping an ended execution's services waits
                                // out their grace period: on its own task, so
                                // the looks go on (their end shows as Docker
                                // reports each stop)
                                let to_stop = std::mem::take(&mut did.to_stop);
                                if !to_stop.is_empty() {
                                    let engine = engine.clone();
                                    tokio::task::spawn_local(async move { engine.stop_all(&to_stop).await; });
                                }
                                // when supervision changed something, look again to show it
                                if did.ended.is_empty() && did.started.is_empty() && did.removed.is_empty() {
                                    Ok(seen)
                                } else {
                                    engine.observe(Wait::Answer).await
                                }
                            }
                            Err(e) => Err(e),
                        }
                    };
                    let report = match (seen, engine.records(true)) {
                        (Ok(seen), Ok(records)) => {
                            let audits = engine.audits(&records).unwrap_or_default();
                            Report::Seen { nodes: seen.nodes, records, views: seen.views, audits }
                        }
                        (Err(e), _) | (_, Err(e)) => Report::Failed(e.to_string()),
                    };
                    let _ = done.send(report);
                });
            }
            looked = look_rx.recv() => {
                if let Some(report) = looked {
                    looking = false;
                    let _ = reports.send(Report::Looking(false));
                    if let Report::Seen { nodes, .. } = &report {
                        last_nodes.clone_from(nodes);
                    }
                    notify(&engine, &reports);
                    if reports.send(report).is_err() {
                        return;
                    }
                    // look again soon if something asked for it meanwhile
                    next_look = tokio::time::Instant::now() + if refresh_pending { Duration::from_millis(200) } else { REFRESH_EVERY };
                    refresh_pending = false;
                }
            }
            () = tokio::time::sleep_until(next_usage), if usage_shown && !usage_reading && !last_nodes.is_empty() => {
                usage_reading = true;
                let (engine, nodes, done) = (engine.clone(), last_nodes.clone(), usage_tx.clone());
                tokio::task::spawn_local(async move {
                    let _ = done.send(engine.usage(&nodes).await);
                });
            }
            read = usage_rx.recv() => {
                if let Some(usage) = read {
                    usage_reading = false;
                    let running = usage.iter().map(|u| u.services.len()).sum();
                    next_usage = tokio::time::Instant::now() + usage_every(running);
                    if usage_shown && reports.send(Report::Usage(usage)).is_err() {
                        return;
                    }
                }
            }
            Ok(()) = late.changed() => {
                if looking {
                    refresh_pending = true;
                } else {
                    next_look = next_look.min(tokio::time::Instant::now());
                }
            }
            switched = retarget_rx.recv() => match switched {
                Some(Ok((targets, told))) => match reopen(targets.clone()) {
                    Ok(reopened) => {
                        engine = reopened;
                        targets_now = targets;
                        changes = engine.changes();
                        late = engine.late_answers();
                        next_look = tokio::time::Instant::now();
                        refresh_pending |= looking;
                        let _ = reports.send(Report::Told(told));
                    }
                    Err(why) => { let _ = reports.send(Report::Failed(why)); }
                },
                Some(Err(why)) => { let _ = reports.send(Report::Failed(why)); }
                None => {}
            },
            Some(()) = changes.next() => {
                if looking {
                    refresh_pending = true;
                } else {
                    next_look = next_look.min(tokio::time::Instant::now() + Duration::from_millis(300));
                }
            }
            event = event_rx.recv() => {
                if let Some(event) = event {
                    let _ = reports.send(Report::Engine(event));
                }
            }
            done = done_rx.recv() => {
                if let Some(report) = done {
                    // pass on the events the action sent before its result
                    while let Ok(event) = event_rx.try_recv() {
                        let _ = reports.send(Report::Engine(event));
                    }
                    notify(&engine, &reports);
                    let _ = reports.send(report);
                    next_look = tokio::time::Instant::now(); refresh_pending |= looking;
                }
            }
            ask = asks.recv() => match ask {
                None | Some(Ask::Stop) => return,
                Some(Ask::Refresh) => {
                    next_look = tokio::time::Instant::now();
                    refresh_pending |= looking;
                    next_usage = tokio::time::Instant::now();
                }
                Some(Ask::Usage(shown)) => {
                    // shown again: figures at once (the last ones may be old)
                    if shown && !usage_shown {
                        next_usage = tokio::time::Instant::now();
                    }
                    usage_shown = shown;
                }
                Some(Ask::Launch(prepared)) => {
                    // the same launch as `zoe start --wait`: admitted, recorded,
                    // refused when it can never fit, queued until there is room
                    let (engine, reports, events) = (engine.clone(), done_tx.clone(), Events::new(event_tx.clone()));
                    tokio::task::spawn_local(async move {
                        let result = engine.launch(&prepared, true, &events).await.map_err(|e| e.to_string());
                        let _ = reports.send(Report::Launched { id: prepared.identity.id.clone(), result });
                    });
                    next_look = tokio::time::Instant::now() + Duration::from_secs(1); refresh_pending |= looking;
                }
                Some(Ask::Terminate { id }) => {
                    let (engine, reports) = (engine.clone(), done_tx.clone());
                    tokio::task::spawn_local(async move {
                        let result = match engine.terminate(&id, "in the terminal UI").await {
                            Ok(done) if done.removal.failed.is_empty() => Ok(done.removal.containers),
                            Ok(done) => Err(format!("not everything could be removed yet (every later look retries; `cleaning up` until then): {}", done.removal.failed.iter().map(|(h, why)| format!("{h}: {why}")).collect::<Vec<_>>().join("; "))),
                            Err(e) => Err(e.to_string()),
                        };
                        let _ = reports.send(Report::Terminated { id, result });
                    });
                    next_look = tokio::time::Instant::now() + Duration::from_secs(1); refresh_pending |= looking;
                }
                Some(Ask::Relaunch { id }) => {
                    let _ = reports.send(Report::Relaunch(engine.relaunch(&id).map_err(|e| e.to_string())));
                }
                Some(Ask::FollowLogs { id, service, tail, follow }) => {
                    if let Some(task) = logs.take() {
                        task.abort();
                    }
                    logs = Some(tokio::task::spawn_local(follow_logs(engine.clone(), id, service, tail, follow, reports.clone())));
                }
                Some(Ask::Contexts) => {
                    let listed = super::retarget::contexts_text(&targets_now, &last_nodes);
                    let _ = reports.send(listed.map_or_else(Report::Failed, Report::Told));
                }
                Some(Ask::UseContext(name)) => {
                    if let Err(why) = super::roles::check_retarget(engine.asking.identity.as_ref().map_err(String::as_str), ":ctx") {
                        let _ = reports.send(Report::Failed(why));
                        continue;
                    }
                    let told = super::retarget::cluster(&targets_now).map_or_else(
                        || format!("cluster target on context {name}: looking…"),
                        |k| format!("{} now uses context {name}: looking…", k.name),
                    );
                    let _ = retarget_tx.send(super::retarget::with_context(&targets_now, &name).map(|t| { let told = super::retarget::renamed(told, &t); (t, told) }));
                }
                Some(ask @ (Ask::Namespaces | Ask::UseNamespace(_))) => {
                    if let Ask::UseNamespace(_) = ask
                        && let Err(why) = super::roles::check_retarget(engine.asking.identity.as_ref().map_err(String::as_str), ":ns")
                    {
                        let _ = reports.send(Report::Failed(why));
                        continue;
                    }
                    let Some(target) = super::retarget::cluster(&targets_now).cloned() else {
                        let _ = reports.send(Report::Failed(super::retarget::no_cluster()));
                        continue;
                    };
                    let (engine, reports, retarget, targets, nodes) = (engine.clone(), reports.clone(), retarget_tx.clone(), targets_now.clone(), last_nodes.clone());
                    tokio::task::spawn_local(async move {
                        let listed = match engine.namespaces(&target.name).await {
                            Ok(listed) => listed,
                            Err(e) => {
                                let _ = reports.send(Report::Failed(format!("cannot list the namespaces of {}: {e}", target.name)));
                                return;
                            }
                        };
                        match ask {
                            Ask::UseNamespace(name) => {
                                let told = format!("{} now uses namespace {name}: looking…", target.name);
                                let _ = retarget.send(super::retarget::with_namespace(&targets, &name, &listed).map(|t| { let told = super::retarget::renamed(told, &t); (t, told) }));
                            }
                            _ => {
                                let in_use = super::retarget::namespace_in_use(&nodes, &target);
                                let _ = reports.send(Report::Told(super::retarget::namespaces_text(&target.name, in_use.as_deref(), &listed)));
                            }
                        }
                    });
                }
                Some(ask @ (Ask::Shell { .. } | Ask::Describe { .. } | Ask::RestartInstance { .. })) => {
                    let restarting = matches!(ask, Ask::RestartInstance { .. });
                    let (engine, reports, events) = (engine.clone(), done_tx.clone(), Events::new(event_tx.clone()));
                    tokio::task::spawn_local(async move {
                        let _ = reports.send(super::instances::serve(&engine, ask, &events).await);
                    });
                    if restarting {
                        next_look = tokio::time::Instant::now() + Duration::from_secs(1); refresh_pending |= looking;
                    }
                }
                Some(Ask::StopLogs) => {
                    if let Some(task) = logs.take() {
                        task.abort();
                    }
                }
            },
        }
    }
}

/// Follows the execution's services, merged, and reports lines in batches.
async fn follow_logs(
    engine: Rc<Engine>,
    id: ExecutionId,
    service: Option<String>,
    tail: u64,
    number: u64,
    reports: UnboundedSender<Report>,
) {
    let request = LogRequest {
        follow: true,
        tail: Some(tail),
        since: None,
        timestamps: true,
    };
    let follow = match engine.follow_logs(&id, service.as_deref(), request).await {
        Ok(follow) => follow,
        Err(e) => {
            let _ = reports.send(Report::LogRefused {
                execution: id.clone(),
                follow: number,
                message: e.to_string(),
            });
            return;
        }
    };
    // the lines are read on a task of their own (see `LogFollow`); this
    // one's abort (the log view left) ends that task too
    let mut reader = AbortOnDrop(tokio::spawn(report_lines(follow, id, number, reports)));
    let _ = (&mut reader.0).await;
}

/// A task that ends when its handle is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends the lines of a log to the UI in batches, errors in their place.
async fn report_lines(
    follow: super::engine::LogFollow,
    id: ExecutionId,
    number: u64,
    reports: UnboundedSender<Report>,
) {
    let _ = reports.send(Report::LogOpened {
        execution: id.clone(),
        follow: number,
        instances: follow.instances.clone(),
    });
    let mut merged = follow.lines.ready_chunks(512);
    while let Some(chunk) = merged.next().await {
        let mut lines = Vec::with_capacity(chunk.len());
        for item in chunk {
            // what is not a line is reported in its place: the lines
            // before it first
            let other = match item {
                LogItem::Line(line) => {
                    lines.push(line);
                    continue;
                }
                LogItem::Lost(message) => Report::LogError {
                    execution: id.clone(),
                    follow: number,
                    message,
                },
                LogItem::Ended(instance) => Report::LogEnded {
                    execution: id.clone(),
                    follow: number,
                    instance: instance.to_string(),
                },
            };
            if !lines.is_empty() {
                let _ = reports.send(Report::Log {
                    execution: id.clone(),
                    follow: number,
                    lines: std::mem::take(&mut lines),
                });
            }
            let _ = reports.send(other);
        }
        if !lines.is_empty()
            && reports
                .send(Report::Log {
                    execution: id.clone(),
                    follow: number,
                    lines,
                })
                .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_read_less_often_on_hosts_with_many_containers() {
        assert_eq!(usage_every(0), Duration::from_secs(15));
        assert_eq!(usage_every(30), Duration::from_secs(15));
        assert_eq!(usage_every(102), Duration::from_secs(51));
        assert_eq!(
            usage_every(usize::MAX),
            Duration::from_millis(500) * u32::MAX
        );
    }
}
