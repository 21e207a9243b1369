//! Container logs: the ground truth kept per container, and the `log`
//! endpoint (container, follow, timestamps, sinceTime, sinceSeconds,
//! tailLines, limitBytes, previous) as text/plain, chunked when following.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use futures::SinkExt;
use futures::channel::mpsc;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::{SignedDuration, Timestamp};

use super::Shared;
use super::status::{Answer, Failure};
use super::store::World;

/// (namespace, pod, container)
pub type LogKey = (String, String, String);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub at: Timestamp,
    pub text: String,
}

#[derive(Default)]
pub struct LogStore {
    pub lines: HashMap<LogKey, Vec<LogLine>>,
    /// Bumped to cut every open stream.
    pub cut: u64,
    /// Per container, the number of chatter lines printed.
    pub chatter: HashMap<LogKey, u64>,
}

impl LogStore {
    pub fn append(&mut self, key: LogKey, text: &str) -> LogLine {
        let lines = self.lines.entry(key).or_default();
        let mut at = Timestamp::now();
        if let Some(last) = lines.last()
            && last.at >= at
        {
            at = last.at + SignedDuration::from_nanos(1);
        }
        let line = LogLine {
            at,
            text: text.to_string(),
        };
        lines.push(line.clone());
        line
    }
}

pub struct LogQuery {
    pub container: Option<String>,
    pub follow: bool,
    pub timestamps: bool,
    pub since_time: Option<Timestamp>,
    pub since_seconds: Option<i64>,
    pub tail_lines: Option<usize>,
    pub limit_bytes: Option<usize>,
    pub previous: bool,
}

fn flag(q: &HashMap<String, String>, k: &str) -> bool {
    q.get(k).is_some_and(|v| v == "true" || v == "1")
}

impl LogQuery {
    pub fn parse(q: &HashMap<String, String>) -> Result<LogQuery, Failure> {
        let number = |k: &str| -> Result<Option<i64>, Failure> {
            q.get(k)
                .map(|v| {
                    v.parse::<i64>().map_err(|_| {
                        Failure::bad_request(format!("invalid value for {k}: \"{v}\""))
                    })
                })
                .transpose()
        };
        // metav1.Time in a query has whole seconds: the fraction is dropped
        let since_time = q
            .get("sinceTime")
            .map(|v| {
                v.parse::<Timestamp>()
                    .map(|t| Timestamp::from_second(t.as_second()).unwrap_or(t))
                    .map_err(|e| Failure::bad_request(format!("invalid sinceTime \"{v}\": {e}")))
            })
            .transpose()?;
        Ok(LogQuery {
            container: q.get("container").filter(|c| !c.is_empty()).cloned(),
            follow: flag(q, "follow"),
            timestamps: flag(q, "timestamps"),
            since_time,
            since_seconds: number("sinceSeconds")?,
            tail_lines: number("tailLines")?.map(|n| n.max(0) as usize),
            limit_bytes: number("limitBytes")?.map(|n| n.max(0) as usize),
            previous: flag(q, "previous"),
        })
    }
}

/// The container of a pod the query names (or its only one).
fn container_of(pod: &Pod, name: &str, asked: Option<&str>) -> Result<String, Failure> {
    let spec = pod.spec.clone().unwrap_or_default();
    let all: Vec<String> = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .map(|c| c.name.clone())
        .collect();
    match asked {
        Some(c) if all.iter().any(|a| a == c) => Ok(c.to_string()),
        Some(c) => Err(Failure::bad_request(format!(
            "container {c} is not valid for pod {name}"
        ))),
        None if spec.containers.len() == 1 => Ok(spec.containers[0].name.clone()),
        None => Err(Failure::bad_request(format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            spec.containers
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ))),
    }
}

/// The container's state: None while it has not started, Some(ended).
fn started(pod: &Pod, container: &str) -> Option<bool> {
    let status = pod.status.as_ref()?;
    let all = status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten());
    for cs in all.filter(|cs| cs.name == container) {
        let state = cs.state.as_ref()?;
        if state.terminated.is_some() {
            return Some(true);
        }
        if state.running.is_some() {
            return Some(false);
        }
    }
    None
}

fn render(line: &LogLine, timestamps: bool) -> String {
    if timestamps {
        format!("{} {}\n", line.at, line.text)
    } else {
        format!("{}\n", line.text)
    }
}

/// Where a stream stands: lines sent, bytes sent, whether it must end.
enum Next {
    Lines(Vec<String>, usize),
    End,
    Cut,
}

fn next_lines(world: &World, key: &LogKey, from: usize, timestamps: bool, cut: u64) -> Next {
    if world.logs.cut != cut {
        return Next::Cut;
    }
    let lines = world
        .logs
        .lines
        .get(key)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let new: Vec<String> = lines
        .iter()
        .skip(from)
        .map(|l| render(l, timestamps))
        .collect();
    let ended = match world.get::<Pod>(&key.0, &key.1) {
        None => true,
        Some(pod) => started(pod, &key.2) == Some(true),
    };
    if new.is_empty() && ended {
        Next::End
    } else {
        Next::Lines(new, lines.len())
    }
}

pub fn pod_log(shared: &Arc<Shared>, ns: &str, name: &str, q: &HashMap<String, String>) -> Answer {
    let query = LogQuery::parse(q)?;
    let world = shared.lock();
    let pod = world
        .get::<Pod>(ns, name)
        .ok_or_else(|| Failure::not_found("pods", name))?;
    let container = container_of(pod, name, query.container.as_deref())?;
    if query.previous {
        return Err(Failure::bad_request(format!(
            "previous terminated container \"{container}\" in pod \"{name}\" not found"
        )));
    }
    if started(pod, &container).is_none() {
        return Err(Failure::bad_request(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"
        )));
    }
    let key: LogKey = (ns.into(), name.into(), container);
    let all = world.logs.lines.get(&key).cloned().unwrap_or_default();
    let since = query.since_time.or_else(|| {
        query
            .since_seconds
            .map(|s| Timestamp::now() - SignedDuration::from_secs(s))
    });
    let mut shown: Vec<&LogLine> = all
        .iter()
        .filter(|l| since.is_none_or(|s| l.at >= s))
        .collect();
    if let Some(tail) = query.tail_lines {
        let skip = shown.len().saturating_sub(tail);
        shown.drain(..skip);
    }
    let mut text: String = shown.iter().map(|l| render(l, query.timestamps)).collect();
    let limit = query.limit_bytes.unwrap_or(usize::MAX);
    if !query.follow || text.len() >= limit {
        text.truncate(limit.min(text.len()));
        return Ok(plain(Body::from(text)));
    }
    let cut = world.logs.cut;
    let from = all.len();
    drop(world);
    let (mut tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    let shared = shared.clone();
    let timestamps = query.timestamps;
    tokio::spawn(async move {
        let mut sent = text.len();
        if !text.is_empty() && tx.send(Ok(Bytes::from(text))).await.is_err() {
            return;
        }
        let mut from = from;
        let mut tick = shared.tick.subscribe();
        loop {
            let next = next_lines(&shared.lock(), &key, from, timestamps, cut);
            match next {
                Next::End => return,
                Next::Cut => {
                    let cut = std::io::Error::other("log stream cut by the fake");
                    let _ = tx.send(Err(cut)).await;
                    return;
                }
                Next::Lines(lines, upto) => {
                    from = upto;
                    for mut line in lines {
                        if sent + line.len() > limit {
                            line.truncate(limit - sent);
                        }
                        sent += line.len();
                        if tx.send(Ok(Bytes::from(line))).await.is_err() {
                            return;
                        }
                        if sent >= limit {
                            return;
                        }
                    }
                }
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), tick.changed()).await;
        }
    });
    Ok(plain(Body::from_stream(rx)))
}

fn plain(body: Body) -> Response {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}
