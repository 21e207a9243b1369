//! The engine as a service for a long-running front (the TUI): it runs on
//! its own thread (the cache connection never crosses threads), looks at the
//! cluster every few seconds or when asked, and reports what it saw on a
//! channel. The front never waits for it: it draws what it has.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::cluster::Cluster;
use super::executions::ExecutionView;
use super::observe::observe;
use crate::backend::NodeSnapshot;
use crate::config::Settings;
use crate::config::docker_conf::DockerHost;
use crate::state::{ExecutionRecord, Store};

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Refresh,
    Stop,
}

/// Starts the service; returns where to ask and where reports arrive.
pub fn spawn(
    settings: Settings,
    hosts: Vec<DockerHost>,
    cache: PathBuf,
) -> (UnboundedSender<Ask>, UnboundedReceiver<Report>) {
    let (ask_tx, mut ask_rx) = unbounded_channel::<Ask>();
    let (report_tx, report_rx) = unbounded_channel::<Report>();
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            let _ = report_tx.send(Report::Failed("cannot start the engine's runtime".into()));
            return;
        };
        runtime.block_on(async move {
            let store = match Store::open(&cache) {
                Ok(store) => store,
                Err(e) => {
                    let _ = report_tx.send(Report::Failed(format!(
                        "{e}; if the file is damaged, remove it"
                    )));
                    return;
                }
            };
            let cluster = Cluster::new(hosts);
            loop {
                let report = match observe(&cluster, &settings, &store, false).await {
                    Ok(seen) => match store.list(&settings.deployment_name, true) {
                        Ok(records) => Report::Seen {
                            nodes: seen.nodes,
                            records,
                            views: seen.views,
                        },
                        Err(e) => Report::Failed(e.to_string()),
                    },
                    Err(e) => Report::Failed(e.to_string()),
                };
                if report_tx.send(report).is_err() {
                    return; // the front is gone
                }
                tokio::select! {
                    ask = ask_rx.recv() => match ask {
                        Some(Ask::Refresh) => {}
                        Some(Ask::Stop) | None => return,
                    },
                    () = tokio::time::sleep(REFRESH_EVERY) => {}
                }
            }
        });
    });
    (ask_tx, report_rx)
}
