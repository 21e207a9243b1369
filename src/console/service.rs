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

use super::Prepared;
use super::cluster::Cluster;
use super::events::{Event, Events};
use super::executions::ExecutionView;
use super::launch::{LaunchError, Launched, launch, now_secs, remove_execution};
use super::observe::observe;
use super::supervise::supervise_pass;
use crate::backend::NodeSnapshot;
use crate::backend::docker::logs::{LogLine, LogRequest, follow};
use crate::config::Settings;
use crate::config::docker_conf::DockerHost;
use crate::model::ExecutionStatus;
use crate::state::{ExecutionRecord, Store, record_event};

/// Name of the engine's thread (a panic hook tells it from the UI's).
pub const ENGINE_THREAD: &str = "zoe-engine";

/// How often the cluster is looked at when nobody asks.
pub const REFRESH_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Seen {
        nodes: Vec<NodeSnapshot>,
        records: Vec<ExecutionRecord>,
        views: Vec<ExecutionView>,
    },
    Failed(String),
    /// Progress of a launch or termination.
    Engine(Event),
    Launched(Result<Launched, String>),
    Terminated {
        id: String,
        result: Result<usize, String>,
    },
    /// Lines of the followed log of `execution`, in order.
    Log {
        execution: String,
        lines: Vec<LogLine>,
    },
    LogError {
        execution: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Refresh,
    Stop,
    Launch(Box<Prepared>),
    Terminate {
        id: String,
        by: String,
    },
    /// Follow the log of an execution (all services, or one); replaces the
    /// stream followed before.
    FollowLogs {
        id: String,
        service: Option<String>,
        tail: u64,
    },
    StopLogs,
}

/// Starts the service; returns where to ask and where reports arrive.
pub fn spawn(
    settings: Settings,
    hosts: Vec<DockerHost>,
    cache: PathBuf,
) -> (UnboundedSender<Ask>, UnboundedReceiver<Report>) {
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
                LocalSet::new()
                    .block_on(&runtime, serve(settings, hosts, cache, ask_rx, report_tx));
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
    settings: Settings,
    hosts: Vec<DockerHost>,
    cache: PathBuf,
    mut asks: UnboundedReceiver<Ask>,
    reports: UnboundedSender<Report>,
) {
    let store = match Store::open(&cache) {
        Ok(store) => std::rc::Rc::new(store),
        Err(e) => {
            // the error says what to do (only damage advises removing it)
            tracing::warn!("the engine cannot open the cache: {e}");
            let _ = reports.send(Report::Failed(e.to_string()));
            return;
        }
    };
    let cluster = Cluster::new(hosts);
    let deployment = settings.deployment_name.clone();
    // engine events from actions, recorded in the cache here, then forwarded
    let (event_tx, mut event_rx) = unbounded_channel::<Event>();
    // results of actions, recorded here too before the front sees them
    let (done_tx, mut done_rx) = unbounded_channel::<Report>();
    let mut logs: Option<tokio::task::JoinHandle<()>> = None;
    let mut next_look = tokio::time::Instant::now();
    // one look at a time; its result comes back here
    let (look_tx, mut look_rx) = unbounded_channel::<Report>();
    let mut looking = false;
    let mut refresh_pending = false;
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(next_look), if !looking => {
                // a look at the cluster with supervision (what Zoe's
                // scheduler loop does), on its own task so that asks are
                // served while a slow host is being waited for
                looking = true;
                let (cluster, settings, store, events, done) = (cluster.clone(), settings.clone(), store.clone(), Events::new(event_tx.clone()), look_tx.clone());
                tokio::task::spawn_local(async move {
                    let deployment = settings.deployment_name.clone();
                    let seen = match supervise_pass(&cluster, &settings, &store, &events, true).await {
                        // when supervision changed something, look again to show it
                        Ok((did, _)) if !(did.ended.is_empty() && did.started.is_empty() && did.removed.is_empty()) => observe(&cluster, &settings, &store, true).await,
                        Ok((_, seen)) => Ok(seen),
                        Err(e) => Err(e),
                    };
                    let report = match (seen, store.list(&deployment, true)) {
                        (Ok(seen), Ok(records)) => Report::Seen { nodes: seen.nodes, records, views: seen.views },
                        (Err(e), _) | (_, Err(e)) => Report::Failed(e.to_string()),
                    };
                    let _ = done.send(report);
                });
            }
            looked = look_rx.recv() => {
                if let Some(report) = looked {
                    looking = false;
                    if reports.send(report).is_err() {
                        return;
                    }
                    // look again soon if something asked for it meanwhile
                    next_look = tokio::time::Instant::now() + if refresh_pending { Duration::from_millis(200) } else { REFRESH_EVERY };
                    refresh_pending = false;
                }
            }
            event = event_rx.recv() => {
                if let Some(event) = event {
                    let _ = record_event(&store, &deployment, &event, now_secs());
                    let _ = reports.send(Report::Engine(event));
                }
            }
            done = done_rx.recv() => {
                if let Some(report) = done {
                    // drain the events the action sent before its result
                    while let Ok(event) = event_rx.try_recv() {
                        let _ = record_event(&store, &deployment, &event, now_secs());
                        let _ = reports.send(Report::Engine(event));
                    }
                    if let Report::Launched(Ok(launched)) = &report {
                        let store = &*store;
                        let mut hosts: Vec<String> = launched.containers.iter().map(|(_, h, _)| h.clone()).collect();
                        hosts.sort();
                        hosts.dedup();
                        let endpoints = serde_json::to_string(&launched.endpoints).unwrap_or_else(|_| "[]".into());
                        let _ = store.set_placement(&deployment, &launched.execution, &hosts, &endpoints);
                    }
                    let _ = reports.send(report);
                    next_look = tokio::time::Instant::now(); refresh_pending |= looking;
                }
            }
            ask = asks.recv() => match ask {
                None | Some(Ask::Stop) => return,
                Some(Ask::Refresh) => {
                    next_look = tokio::time::Instant::now();
                    refresh_pending |= looking;
                }
                Some(Ask::Launch(prepared)) => {
                    let record = super::launch_record(&prepared, &deployment);
                    if let Err(e) = store.insert(&record) {
                        let _ = reports.send(Report::Launched(Err(e.to_string())));
                        continue;
                    }
                    let (cluster, settings, reports, events) = (cluster.clone(), settings.clone(), done_tx.clone(), Events::new(event_tx.clone()));
                    tokio::task::spawn_local(async move {
                        let result = launch(&cluster, &settings, &prepared, &events).await.map_err(|e| match e {
                            LaunchError::NoRoom(r) => format!("nothing fits now: {r}"),
                            LaunchError::Failed { reason } => format!("failed and was removed: {reason}"),
                        });
                        let _ = reports.send(Report::Launched(result));
                    });
                    next_look = tokio::time::Instant::now() + Duration::from_secs(1); refresh_pending |= looking;
                }
                Some(Ask::Terminate { id, by }) => {
                    let record = store.get(&deployment, &id).ok().flatten();
                    let _ = store.set_status(&deployment, &id, ExecutionStatus::CleaningUp, Some(&format!("terminated by {by} from the console")), now_secs());
                    let hosts = record.map(|r| r.hosts).unwrap_or_default();
                    let (cluster, settings, reports, events) = (cluster.clone(), settings.clone(), done_tx.clone(), Events::new(event_tx.clone()));
                    let grace = i32::try_from(settings.stop_grace_secs).unwrap_or(10);
                    tokio::task::spawn_local(async move {
                        let removal = remove_execution(&cluster, &settings, &id, &hosts, grace, &events).await;
                        let result = if removal.failed.is_empty() {
                            events.emit(Event::Status { execution: id.clone(), status: ExecutionStatus::Terminated, reason: None });
                            Ok(removal.containers)
                        } else {
                            Err(removal.failed.iter().map(|(h, why)| format!("{h}: {why}")).collect::<Vec<_>>().join("; "))
                        };
                        let _ = reports.send(Report::Terminated { id, result });
                    });
                    next_look = tokio::time::Instant::now() + Duration::from_secs(1); refresh_pending |= looking;
                }
                Some(Ask::FollowLogs { id, service, tail }) => {
                    if let Some(task) = logs.take() {
                        task.abort();
                    }
                    logs = Some(tokio::task::spawn_local(follow_logs(cluster.clone(), settings.clone(), id, service, tail, reports.clone())));
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
    cluster: Cluster,
    settings: Settings,
    id: String,
    service: Option<String>,
    tail: u64,
    reports: UnboundedSender<Report>,
) {
    let nodes = cluster.snapshot_all(&settings.deployment_name, false).await;
    let containers: Vec<(String, String, String)> = nodes
        .iter()
        .flat_map(|n| n.services.iter().map(move |s| (n.name.clone(), s)))
        .filter(|(_, s)| s.execution_id == id)
        .filter(|(_, s)| {
            service.as_deref().is_none_or(|want| {
                s.instance == want
                    || s.instance.trim_end_matches(|c: char| c.is_ascii_digit()) == want
            })
        })
        .map(|(host, s)| (host, s.id.clone(), s.instance.clone()))
        .collect();
    if containers.is_empty() {
        let message = format!("execution {id} has no containers to read logs from");
        let _ = reports.send(Report::LogError {
            execution: id.clone(),
            message,
        });
        return;
    }
    let mut streams = Vec::new();
    for (host, container, instance) in containers {
        match cluster.client(&host).await {
            Ok(docker) => streams.push(Box::pin(follow(
                docker,
                container,
                instance,
                LogRequest {
                    follow: true,
                    tail: Some(tail),
                    since: None,
                },
            ))),
            Err(e) => {
                let _ = reports.send(Report::LogError {
                    execution: id.clone(),
                    message: e.to_string(),
                });
            }
        }
    }
    let mut merged = futures::stream::select_all(streams).ready_chunks(512);
    while let Some(chunk) = merged.next().await {
        let mut lines = Vec::with_capacity(chunk.len());
        for item in chunk {
            match item {
                Ok(line) => lines.push(line),
                Err(why) => {
                    let _ = reports.send(Report::LogError {
                        execution: id.clone(),
                        message: why,
                    });
                }
            }
        }
        if !lines.is_empty()
            && reports
                .send(Report::Log {
                    execution: id.clone(),
                    lines,
                })
                .is_err()
        {
            return;
        }
    }
}
