//! Create, get and delete of pods, services, namespaces and nodes, as the
//! API server does them (validation, defaults, 409, graceful pod delete).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod, Secret, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{DeleteOptions, ListMeta, Time};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde::de::DeserializeOwned;

use super::Shared;
use super::objects::{default_pod, default_service};
use super::selectors::Selector;
use super::status::{Answer, Failure, json_body, json_with};
use super::store::{Kind, Stored, World};
use super::validate;

/// A body as a k8s-openapi value, or 400 as the API server says it.
fn decode<T: DeserializeOwned + k8s_openapi::Resource>(body: &Bytes) -> Result<T, Failure> {
    serde_json::from_slice(body).map_err(|e| {
        Failure::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: {e}",
            T::KIND,
            T::VERSION,
            T::KIND
        ))
    })
}

/// Namespace of the URL against the object's; the namespace must exist.
fn place<T: Stored>(world: &mut World, obj: &mut T, ns: &str) -> Result<(), Failure> {
    let meta = obj.metadata_mut();
    if meta.namespace.as_deref().is_some_and(|n| n != ns) {
        return Err(Failure::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    meta.namespace = Some(ns.to_string());
    if meta.name.as_deref().is_none_or(str::is_empty)
        && let Some(prefix) = meta.generate_name.clone()
    {
        let serial = world.next_serial();
        meta.name = Some(format!("{prefix}{:05x}", serial * 7919 % 0xfffff));
    }
    if world.get::<Namespace>("", ns).is_none() {
        return Err(Failure::not_found("namespaces", ns));
    }
    Ok(())
}

fn name_of<T: Stored>(obj: &T) -> String {
    obj.metadata().name.clone().unwrap_or_default()
}

pub fn create_pod(shared: &Arc<Shared>, ns: &str, body: &Bytes) -> Answer {
    let mut pod: Pod = decode(body)?;
    let mut world = shared.lock();
    place(&mut world, &mut pod, ns)?;
    let name = name_of(&pod);
    let errors = validate::pod(&pod);
    if !errors.is_empty() {
        return Err(Failure::invalid("Pod", &name, errors));
    }
    if world.get::<Pod>(ns, &name).is_some() {
        return Err(Failure::already_exists("pods", &name));
    }
    pod.status = None;
    default_pod(&mut pod);
    let pod = world.create(pod);
    Ok(json_with(StatusCode::CREATED, &pod))
}

pub fn create_service(shared: &Arc<Shared>, ns: &str, body: &Bytes) -> Answer {
    let mut service: Service = decode(body)?;
    let mut world = shared.lock();
    place(&mut world, &mut service, ns)?;
    let name = name_of(&service);
    let errors = validate::service(&service);
    if !errors.is_empty() {
        return Err(Failure::invalid("Service", &name, errors));
    }
    if world.get::<Service>(ns, &name).is_some() {
        return Err(Failure::already_exists("services", &name));
    }
    let serial = world.next_serial();
    default_service(&mut service, serial);
    service.status = Some(Default::default());
    let service = world.create(service);
    Ok(json_with(StatusCode::CREATED, &service))
}

/// A Secret as the API server creates one: validated (name, type, data
/// keys and, for the typed ones, the data they need), 409 when the name
/// is taken.
pub fn create_secret(shared: &Arc<Shared>, ns: &str, body: &Bytes) -> Answer {
    let mut secret: Secret = decode(body)?;
    let mut world = shared.lock();
    place(&mut world, &mut secret, ns)?;
    let name = name_of(&secret);
    // stringData is write-only: merged into data
    if let Some(strings) = secret.string_data.take() {
        let data = secret.data.get_or_insert_with(Default::default);
        for (k, v) in strings {
            data.insert(k, k8s_openapi::ByteString(v.into_bytes()));
        }
    }
    let errors = validate::secret(&secret);
    if !errors.is_empty() {
        return Err(Failure::invalid("Secret", &name, errors));
    }
    if world.get::<Secret>(ns, &name).is_some() {
        return Err(Failure::already_exists("secrets", &name));
    }
    if secret.type_.is_none() {
        secret.type_ = Some("Opaque".into());
    }
    let secret = world.create(secret);
    Ok(json_with(StatusCode::CREATED, &secret))
}

pub fn delete_secret(shared: &Arc<Shared>, ns: &str, name: &str) -> Answer {
    let mut world = shared.lock();
    let secret = world
        .remove::<Secret>(ns, name)
        .ok_or_else(|| Failure::not_found("secrets", name))?;
    Ok(json_body(&secret))
}

pub fn create_namespace(shared: &Arc<Shared>, body: &Bytes) -> Answer {
    let mut namespace: Namespace = decode(body)?;
    let name = namespace.metadata.name.clone().unwrap_or_default();
    let errors = validate::namespace(&namespace);
    if !errors.is_empty() {
        return Err(Failure::invalid("Namespace", &name, errors));
    }
    let mut world = shared.lock();
    if world.get::<Namespace>("", &name).is_some() {
        return Err(Failure::already_exists("namespaces", &name));
    }
    namespace
        .metadata
        .labels
        .get_or_insert_with(Default::default)
        .insert("kubernetes.io/metadata.name".into(), name);
    namespace.spec = Some(k8s_openapi::api::core::v1::NamespaceSpec {
        finalizers: Some(vec!["kubernetes".into()]),
    });
    namespace.status = Some(k8s_openapi::api::core::v1::NamespaceStatus {
        phase: Some("Active".into()),
        conditions: None,
    });
    let namespace = world.create(namespace);
    Ok(json_with(StatusCode::CREATED, &namespace))
}

pub fn get<T: Stored>(shared: &Arc<Shared>, ns: &str, name: &str) -> Answer {
    let world = shared.lock();
    if T::STORED.namespaced()
        && world.get::<Namespace>("", ns).is_none()
        && T::STORED != Kind::Event
    {
        return Err(Failure::not_found(T::STORED.plural(), name));
    }
    let obj = world
        .get::<T>(ns, name)
        .ok_or_else(|| Failure::not_found(T::STORED.plural(), name))?;
    Ok(json_body(obj))
}

/// Grace from DeleteOptions or the query, else the pod's own.
fn grace(body: &Bytes, q: &HashMap<String, String>, pod: &Pod) -> Result<i64, Failure> {
    let options: Option<DeleteOptions> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(
            serde_json::from_slice(body)
                .map_err(|e| Failure::bad_request(format!("invalid DeleteOptions: {e}")))?,
        )
    };
    let from_query = q.get("gracePeriodSeconds").and_then(|g| g.parse().ok());
    Ok(options
        .and_then(|o| o.grace_period_seconds)
        .or(from_query)
        .or_else(|| {
            pod.spec
                .as_ref()
                .and_then(|s| s.termination_grace_period_seconds)
        })
        .unwrap_or(30)
        .max(0))
}

/// Deletes a pod as the API server does: at once when unbound, finished,
/// with grace 0 or when the fake deletes immediately; else marks it
/// (deletionTimestamp) and the control loop removes it after the grace.
fn delete_pod_in(world: &mut World, ns: &str, name: &str, grace: i64) -> Option<Pod> {
    let mut pod = world.get::<Pod>(ns, name).cloned()?;
    let bound = pod.spec.as_ref().is_some_and(|s| s.node_name.is_some());
    let phase = pod.status.as_ref().and_then(|s| s.phase.clone());
    let finished = matches!(phase.as_deref(), Some("Succeeded") | Some("Failed"));
    if world.settings.immediate_delete || grace == 0 || !bound || finished {
        return world.remove::<Pod>(ns, name);
    }
    let key = (ns.to_string(), name.to_string());
    let mut wait = Duration::from_secs(grace as u64);
    if world.settings.kubelet
        && let Some(stop) = world.settings.stop_after
    {
        wait = wait.min(stop);
    }
    let deadline = Instant::now() + wait;
    let earlier = world.deleting.get(&key).is_some_and(|d| *d <= deadline);
    if pod.metadata.deletion_timestamp.is_some() && earlier {
        return Some(pod);
    }
    world.deleting.insert(key, deadline);
    pod.metadata.deletion_timestamp =
        Some(Time(Timestamp::now() + SignedDuration::from_secs(grace)));
    pod.metadata.deletion_grace_period_seconds = Some(grace);
    Some(world.put(pod))
}

pub fn delete_pod(
    shared: &Arc<Shared>,
    ns: &str,
    name: &str,
    q: &HashMap<String, String>,
    body: &Bytes,
) -> Answer {
    let mut world = shared.lock();
    let pod = world
        .get::<Pod>(ns, name)
        .cloned()
        .ok_or_else(|| Failure::not_found("pods", name))?;
    let grace = grace(body, q, &pod)?;
    let pod = delete_pod_in(&mut world, ns, name, grace).unwrap_or(pod);
    drop(world);
    shared.poke();
    Ok(json_body(&pod))
}

/// DELETE on the pod collection: every pod the selectors pick; a PodList.
pub fn delete_pods(
    shared: &Arc<Shared>,
    ns: &str,
    q: &HashMap<String, String>,
    body: &Bytes,
) -> Answer {
    let selector = Selector::parse(
        Kind::Pod,
        q.get("labelSelector").map(String::as_str),
        q.get("fieldSelector").map(String::as_str),
    )?;
    let mut world = shared.lock();
    let picked: Vec<Pod> = world
        .pods
        .iter()
        .filter(|((n, _), _)| n == ns)
        .filter(|(_, p)| serde_json::to_value(p).is_ok_and(|v| selector.matches(&v)))
        .map(|(_, p)| p.clone())
        .collect();
    let mut items = Vec::new();
    for pod in picked {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let grace = grace(body, q, &pod)?;
        items.extend(delete_pod_in(&mut world, ns, &name, grace));
    }
    let list = k8s_openapi::List::<Pod> {
        items,
        metadata: ListMeta {
            resource_version: Some(world.rv.to_string()),
            ..Default::default()
        },
    };
    drop(world);
    shared.poke();
    Ok(json_body(&list))
}

pub fn delete_service(shared: &Arc<Shared>, ns: &str, name: &str) -> Answer {
    let mut world = shared.lock();
    let service = world
        .remove::<Service>(ns, name)
        .ok_or_else(|| Failure::not_found("services", name))?;
    Ok(json_body(&service))
}

pub fn method_not_allowed() -> Failure {
    Failure::new(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    )
}

pub fn get_node(shared: &Arc<Shared>, name: &str) -> Answer {
    get::<Node>(shared, "", name)
}
