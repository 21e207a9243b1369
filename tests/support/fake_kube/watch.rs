//! Lists and watches: lists carry the global resourceVersion; a watch
//! streams newline-delimited WatchEvents, from a synthetic ADDED of the
//! current state (resourceVersion unset or 0) or a replay of the history
//! after N (410 Expired when N is older than the ring), then live changes,
//! bookmarks when asked, closing after timeoutSeconds.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use futures::SinkExt;
use futures::channel::mpsc;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, Secret, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::Shared;
use super::selectors::Selector;
use super::status::{Answer, Failure, json_body};
use super::store::{Change, Kind, Stored, World};
use super::table;

/// How often an idle watch that allows bookmarks gets one.
pub const BOOKMARK_EVERY: Duration = Duration::from_secs(30);

fn flag(q: &HashMap<String, String>, k: &str) -> bool {
    q.get(k).is_some_and(|v| v == "true" || v == "1")
}

pub fn list_or_watch(
    shared: &Arc<Shared>,
    kind: Kind,
    ns: Option<&str>,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Answer {
    let selector = Selector::parse(
        kind,
        q.get("labelSelector").map(String::as_str),
        q.get("fieldSelector").map(String::as_str),
    )?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .unwrap_or_default();
    let as_table = (accept.contains("as=Table") && table::has_table(kind))
        .then(|| q.get("includeObject").cloned().unwrap_or_default());
    if flag(q, "watch") {
        return watch(shared, kind, ns, selector, q, as_table);
    }
    let world = shared.lock();
    if as_table.is_some() {
        let items: Vec<Value> = world
            .values(kind, ns)
            .into_iter()
            .filter(|v| selector.matches(v))
            .collect();
        let include = q.get("includeObject").map(String::as_str);
        return Ok(json_body(&table::table(world.rv, kind, &items, include)));
    }
    Ok(match kind {
        Kind::Pod => list::<Pod>(&world, ns, &selector),
        Kind::Node => list::<Node>(&world, None, &selector),
        Kind::Service => list::<Service>(&world, ns, &selector),
        Kind::Namespace => list::<Namespace>(&world, None, &selector),
        Kind::Event => list::<Event>(&world, ns, &selector),
        Kind::Secret => list::<Secret>(&world, ns, &selector),
    })
}

/// A typed list (`k8s_openapi::List<T>`) of what the selector picks.
pub fn list<T: Stored + k8s_openapi::ListableResource>(
    world: &World,
    ns: Option<&str>,
    selector: &Selector,
) -> Response {
    let items: Vec<T> = T::map_ref(world)
        .iter()
        .filter(|((n, _), _)| ns.is_none_or(|ns| ns == n))
        .filter(|(_, o)| serde_json::to_value(*o).is_ok_and(|v| selector.matches(&v)))
        .map(|(_, o)| o.clone())
        .collect();
    let list = k8s_openapi::List::<T> {
        items,
        metadata: ListMeta {
            resource_version: Some(world.rv.to_string()),
            ..Default::default()
        },
    };
    json_body(&list)
}

/// How a watch shows objects: themselves, or (kubectl's `get -w`) as a
/// one-row Table with `includeObject`.
#[derive(Clone)]
struct Shape {
    kind: Kind,
    table: Option<String>,
}

impl Shape {
    fn line(&self, typ: &str, object: &Value) -> Bytes {
        match &self.table {
            None => line(typ, object),
            Some(include) => {
                let rv = object
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(0);
                let include = (!include.is_empty()).then_some(include.as_str());
                line(
                    typ,
                    &table::table(rv, self.kind, std::slice::from_ref(object), include),
                )
            }
        }
    }
}

fn line(typ: &str, object: &Value) -> Bytes {
    let mut text = json!({"type": typ, "object": object}).to_string();
    text.push('\n');
    Bytes::from(text)
}

fn bookmark(kind: Kind, rv: u64, initial_end: bool) -> Bytes {
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    let api_version = "v1";
    line(
        "BOOKMARK",
        &json!({"kind": kind.kind(), "apiVersion": api_version, "metadata": metadata}),
    )
}

/// What a change looks like through a selector: ADDED/MODIFIED/DELETED as
/// the object enters, stays in or leaves it.
fn seen(
    change: &Change,
    kind: Kind,
    ns: Option<&str>,
    selector: &Selector,
) -> Option<&'static str> {
    if change.kind != kind || ns.is_some_and(|ns| ns != change.namespace) {
        return None;
    }
    let now = selector.matches(&change.object);
    let before = change.old.as_ref().is_some_and(|o| selector.matches(o));
    match (change.typ, before, now) {
        ("DELETED", _, true) => Some("DELETED"),
        ("ADDED", _, true) => Some("ADDED"),
        ("MODIFIED", true, true) => Some("MODIFIED"),
        ("MODIFIED", false, true) => Some("ADDED"),
        ("MODIFIED", true, false) => Some("DELETED"),
        _ => None,
    }
}

fn watch(
    shared: &Arc<Shared>,
    kind: Kind,
    ns: Option<&str>,
    selector: Selector,
    q: &HashMap<String, String>,
    as_table: Option<String>,
) -> Answer {
    let shape = Shape {
        kind,
        table: as_table,
    };
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800);
    let bookmarks = flag(q, "allowWatchBookmarks");
    let initial_events = flag(q, "sendInitialEvents");
    let from = match q.get("resourceVersion").map(String::as_str) {
        None | Some("") | Some("0") => None,
        Some(rv) => Some(
            rv.parse::<u64>()
                .map_err(|_| Failure::bad_request(format!("invalid resource version \"{rv}\"")))?,
        ),
    };
    let world = shared.lock();
    let mut first: Vec<Bytes> = Vec::new();
    let mut last_rv = world.rv;
    match from {
        Some(rv) if !initial_events => match world.since(rv) {
            None => {
                let expired = Failure::expired(rv, world.floor).0;
                let mut status = serde_json::to_value(&expired).unwrap_or_default();
                status["kind"] = json!("Status");
                status["apiVersion"] = json!("v1");
                return Ok(stream_of(vec![line("ERROR", &status)]));
            }
            Some(changes) => {
                for change in changes {
                    if let Some(typ) = seen(&change, kind, ns, &selector) {
                        first.push(shape.line(typ, &change.object));
                    }
                }
            }
        },
        _ => {
            for object in world.values(kind, ns) {
                if selector.matches(&object) {
                    first.push(shape.line("ADDED", &object));
                }
            }
            if initial_events {
                first.push(bookmark(kind, last_rv, true));
            }
        }
    }
    if from.is_some() && !initial_events {
        last_rv = world.rv;
    }
    let mut changes = world.changes.subscribe();
    let mut cut = shared.watch_cut.subscribe();
    drop(world);
    let (mut tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(256);
    let ns = ns.map(str::to_string);
    tokio::spawn(async move {
        for bytes in first {
            if tx.send(Ok(bytes)).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
        let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
        ticker.tick().await;
        loop {
            let out = tokio::select! {
                change = changes.recv() => match change {
                    Ok(change) if change.rv > last_rv => {
                        last_rv = change.rv;
                        seen(&change, kind, ns.as_deref(), &selector)
                            .map(|typ| shape.line(typ, &change.object))
                    }
                    Ok(_) => None,
                    Err(RecvError::Lagged(_)) => {
                        let expired = Failure::expired(last_rv, last_rv).0;
                        let status = serde_json::to_value(&expired).unwrap_or_default();
                        let _ = tx.send(Ok(line("ERROR", &status))).await;
                        return;
                    }
                    Err(RecvError::Closed) => return,
                },
                _ = cut.changed() => {
                    let _ = tx.send(Err(std::io::Error::other("watch cut by the fake"))).await;
                    return;
                }
                _ = ticker.tick() => bookmarks.then(|| bookmark(kind, last_rv, false)),
                _ = tokio::time::sleep_until(deadline) => {
                    if bookmarks {
                        let _ = tx.send(Ok(bookmark(kind, last_rv, false))).await;
                    }
                    return;
                }
            };
            if let Some(bytes) = out
                && tx.send(Ok(bytes)).await.is_err()
            {
                return;
            }
        }
    });
    Ok(stream_body(Body::from_stream(rx)))
}

fn stream_of(lines: Vec<Bytes>) -> Response {
    let body: Vec<u8> = lines.iter().flat_map(|b| b.to_vec()).collect();
    stream_body(Body::from(body))
}

fn stream_body(body: Body) -> Response {
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
