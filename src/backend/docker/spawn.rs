//! Creating and removing what an execution needs on one Docker host:
//! its images, its containers (named, labelled and limited as Zoe's do);
//! its network is `network`'s.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, NetworkingConfig, PortBinding,
};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, InspectContainerOptions, ListContainersOptions,
    RemoveContainerOptions, StartContainerOptions, StopContainerOptions,
};
use futures::StreamExt;

use super::client::{DockerError, call, describe};
use crate::backend::command::split_command;
use crate::backend::labels;
use crate::backend::trust;
use crate::config::deployment_key::DeploymentKey;
pub use crate::model::instance::{ContainerPlan, PullProgress, Started};
use crate::model::registry::RegistryAuth;

pub use super::network::{ensure_network, execution_network_name, remove_network};

/// Makes sure `image` is on the host, pulling it when missing (with the
/// registry's credentials when the console has some: never logged).
/// `progress` receives pull updates. A registry that wants credentials, or
/// refuses the ones given, is said so with what to do.
pub async fn ensure_image(
    docker: &Docker,
    host: &str,
    image: &str,
    auth: Option<&RegistryAuth>,
    progress: &mut (dyn FnMut(PullProgress) + Send),
) -> Result<bool, DockerError> {
    if call(host, "inspecting an image", 30, docker.inspect_image(image))
        .await
        .is_ok()
    {
        return Ok(false);
    }
    let (from_image, tag) = split_reference(image);
    let options = CreateImageOptions {
        from_image: Some(from_image),
        tag,
        ..Default::default()
    };
    let credentials = auth.map(|a| bollard::auth::DockerCredentials {
        username: Some(a.user.clone()),
        password: Some(a.password.clone()),
        serveraddress: Some(a.server_address()),
        ..Default::default()
    });
    let mut stream = docker.create_image(Some(options), None, credentials);
    let mut layers: HashMap<String, (u64, u64)> = HashMap::new();
    let failed = |why: String| {
        DockerError::refused(
            host,
            format!("image {image} is not present and cannot be pulled"),
            pull_refusal(image, auth.is_some(), why),
        )
    };
    loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(120), stream.next()).await;
        match next {
            Err(_) => return Err(failed("the registry sent nothing for 120 s".into())),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(failed(describe(&e))),
            Ok(Some(Ok(info))) => {
                if let Some(detail) = info.error_detail.and_then(|d| d.message) {
                    return Err(failed(detail));
                }
                if let (Some(id), Some(detail)) = (info.id, info.progress_detail) {
                    let entry = layers.entry(id).or_default();
                    entry.0 = detail.current.unwrap_or(entry.0 as i64).max(0) as u64;
                    entry.1 = detail.total.unwrap_or(entry.1 as i64).max(0) as u64;
                }
                progress(PullProgress {
                    status: info.status.unwrap_or_default(),
                    current: layers.values().map(|l| l.0).sum(),
                    total: layers.values().map(|l| l.1).sum(),
                });
            }
        }
    }
    // The stream may end without an error even when nothing was pulled.
    call(
        host,
        "inspecting the pulled image",
        30,
        docker.inspect_image(image),
    )
    .await
    .map_err(|e| failed(e.to_string()))?;
    Ok(true)
}

/// A pull failure in words: a registry that wants credentials or refused
/// them says which registry and what to do; anything else as it came.
fn pull_refusal(image: &str, had_credentials: bool, why: String) -> String {
    let lower = why.to_ascii_lowercase();
    let auth_trouble = [
        "no basic auth credentials",
        "unauthorized",
        "authentication required",
        "access denied",
        "access to the resource is denied",
        "status 401",
    ]
    .iter()
    .any(|m| lower.contains(m));
    if !auth_trouble {
        return why;
    }
    let registry = crate::model::registry::registry_of(image);
    let registry = crate::model::text::visible(&registry);
    if had_credentials {
        format!(
            "the registry {registry} refused the credentials stored for it; \
             zoe registry login {registry} again ({why})"
        )
    } else {
        format!(
            "the registry {registry} wants credentials to pull it: \
             zoe registry login {registry} ({why})"
        )
    }
}

/// `registry:5000/ns/name:tag` → (`registry:5000/ns/name`, `tag`); digests
/// stay in the name.
fn split_reference(image: &str) -> (String, Option<String>) {
    if image.contains('@') {
        return (image.to_string(), None);
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) => {
            let at = last_slash + colon;
            (image[..at].to_string(), Some(image[at + 1..].to_string()))
        }
        None => (image.to_string(), Some("latest".to_string())),
    }
}

/// The CFS period every container is given, in microseconds.
pub const CPU_PERIOD: i64 = 100_000;

/// The CFS quota for `cores` (at least 1 % of a core, as the kernel wants).
pub fn cpu_quota(cores: f64) -> i64 {
    ((cores * CPU_PERIOD as f64) as i64).max(1000)
}

/// Creates and starts one container, as Zoe does: memory limit = `memory.min`,
/// CPU quota = `cores.min`, every port published. On a start failure the
/// created container is removed again.
pub async fn create_and_start(
    docker: &Docker,
    host: &str,
    plan: ContainerPlan<'_>,
) -> Result<Started, DockerError> {
    let instance = plan.instance;
    let cmd = match &instance.command {
        Some(command) => Some(split_command(command).map_err(|why| {
            DockerError::refused(
                host,
                format!("preparing {}", instance.name),
                format!("command: {why}"),
            )
        })?),
        None => None,
    };
    let port_keys: Vec<String> = instance.ports.iter().map(|p| p.key()).collect();
    let port_bindings: HashMap<String, Option<Vec<PortBinding>>> = port_keys
        .iter()
        .map(|k| {
            (
                k.clone(),
                Some(vec![PortBinding {
                    host_ip: Some(String::new()),
                    host_port: Some(String::new()),
                }]),
            )
        })
        .collect();
    let mut binds: Vec<String> = instance
        .volumes
        .iter()
        .map(|v| {
            format!(
                "{}:{}:{}",
                v.path,
                v.mount_point(),
                if v.read_only { "ro" } else { "rw" }
            )
        })
        .collect();
    binds.extend(plan.binds);
    let host_config = HostConfig {
        memory: (instance.memory_bytes > 0).then_some(instance.memory_bytes as i64),
        cpu_period: Some(CPU_PERIOD),
        cpu_quota: Some(cpu_quota(instance.cores)),
        shm_size: instance.shm_bytes.map(|s| s as i64),
        port_bindings: (!port_bindings.is_empty()).then_some(port_bindings),
        binds: (!binds.is_empty()).then_some(binds),
        network_mode: Some(plan.network.to_string()),
        ..Default::default()
    };
    let body = ContainerCreateBody {
        image: Some(instance.image.clone()),
        hostname: Some(instance.dns_name.clone()),
        cmd,
        env: Some(
            instance
                .environment
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
        ),
        working_dir: instance.work_dir.clone(),
        labels: Some(plan.labels),
        exposed_ports: (!port_keys.is_empty()).then_some(port_keys),
        host_config: Some(host_config),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                plan.network.to_string(),
                EndpointSettings {
                    aliases: Some(vec![instance.dns_name.clone()]),
                    ..Default::default()
                },
            )])),
        }),
        ..Default::default()
    };
    let options = CreateContainerOptions {
        name: Some(instance.dns_name.clone()),
        ..Default::default()
    };
    let created = call(
        host,
        &format!("creating {}", instance.dns_name),
        60,
        docker.create_container(Some(options), body),
    )
    .await?;
    let started = call(
        host,
        &format!("starting {}", instance.dns_name),
        60,
        docker.start_container(&created.id, None::<StartContainerOptions>),
    )
    .await;
    if let Err(e) = started {
        let _ = remove_container(docker, host, &created.id, 0).await;
        return Err(e);
    }
    let inspect = call(
        host,
        &format!("inspecting {}", instance.dns_name),
        30,
        docker.inspect_container(&created.id, None::<InspectContainerOptions>),
    )
    .await?;
    let ports = super::node::published_ports(inspect.network_settings.as_ref());
    Ok(Started {
        id: created.id,
        ports,
    })
}

/// Stops a container, giving it `grace_secs` to end by itself (bollard's
/// own request timeout would cut a long grace period short, so the call
/// gets its own).
pub async fn stop_container(
    docker: &Docker,
    host: &str,
    id: &str,
    grace_secs: u32,
) -> Result<(), DockerError> {
    let grace = i32::try_from(grace_secs).unwrap_or(i32::MAX);
    let stop = StopContainerOptions {
        t: Some(grace),
        signal: None,
    };
    let patient = docker
        .clone()
        .with_timeout(std::time::Duration::from_secs(u64::from(grace_secs) + 30));
    match call(
        host,
        "stopping a container",
        u64::from(grace_secs) + 30,
        patient.stop_container(id, Some(stop)),
    )
    .await
    {
        // stopped already, or gone
        Err(DockerError::NotFound { .. } | DockerError::Conflict { .. }) => Ok(()),
        other => other,
    }
}

/// Stops a container with a grace period, then removes it. A container that
/// is already gone is not an error.
pub async fn remove_container(
    docker: &Docker,
    host: &str,
    id: &str,
    grace_secs: u32,
) -> Result<(), DockerError> {
    if grace_secs > 0 {
        // a failed stop is not final: the forced removal below kills it
        let _ = stop_container(docker, host, id, grace_secs).await;
    }
    let options = RemoveContainerOptions {
        force: true,
        v: true,
        link: false,
    };
    match call(
        host,
        "removing a container",
        60,
        docker.remove_container(id, Some(options)),
    )
    .await
    {
        Err(e) if e.is_not_found() => Ok(()),
        // a removal already under way (another console, or supervision)
        Err(DockerError::Conflict { .. }) => Ok(()),
        other => other,
    }
}

/// The containers of one execution of `deployment` on the host, whatever
/// their state; only those this deployment made ([`trust::classify`]): a
/// container with forged, unsigned or broken labels is not ours to touch.
pub async fn execution_containers(
    docker: &Docker,
    host: &str,
    deployment: &str,
    execution_id: &str,
    key: &DeploymentKey,
) -> Result<Vec<String>, DockerError> {
    let options = ListContainersOptions {
        all: true,
        filters: Some(labels::execution_filter(deployment, execution_id)),
        ..Default::default()
    };
    let found = call(
        host,
        "listing the execution's containers",
        30,
        docker.list_containers(Some(options)),
    )
    .await?;
    Ok(found
        .into_iter()
        .filter(|c| {
            let name = c
                .names
                .as_ref()
                .and_then(|n| n.first())
                .map_or("", |n| n.trim_start_matches('/'));
            c.labels
                .as_ref()
                .is_some_and(|l| trust::classify(key, l, name).is_ok())
        })
        .filter_map(|c| c.id)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_into_name_and_tag() {
        assert_eq!(
            split_reference("zoe-demo/busybox:1"),
            ("zoe-demo/busybox".into(), Some("1".into()))
        );
        assert_eq!(
            split_reference("localhost:5000/ns/img:2.0"),
            ("localhost:5000/ns/img".into(), Some("2.0".into()))
        );
        assert_eq!(
            split_reference("localhost:5000/img"),
            ("localhost:5000/img".into(), Some("latest".into()))
        );
        assert_eq!(
            split_reference("img@sha256:abc"),
            ("img@sha256:abc".into(), None)
        );
    }
}

#[cfg(test)]
mod pull_refusal_tests {
    use super::pull_refusal;

    #[test]
    fn registries_that_want_or_refuse_credentials_are_named_with_what_to_do() {
        let image = "127.0.0.1:25001/private/busybox:1";
        let without = pull_refusal(
            image,
            false,
            "Head \"http://127.0.0.1:25001/v2/private/busybox/manifests/1\": no basic auth credentials".into(),
        );
        assert!(
            without.starts_with("the registry 127.0.0.1:25001 wants credentials to pull it: zoe registry login 127.0.0.1:25001"),
            "{without}"
        );
        let wrong = pull_refusal(image, true, "unauthorized: authentication required".into());
        assert!(
            wrong.starts_with("the registry 127.0.0.1:25001 refused the credentials stored for it; zoe registry login 127.0.0.1:25001 again"),
            "{wrong}"
        );
        let hub = pull_refusal(
            "zoe-demo/missing:1",
            false,
            "pull access denied for zoe-demo/missing, repository does not exist or may require 'docker login'".into(),
        );
        assert!(hub.contains("zoe registry login docker.io"), "{hub}");
        // anything else as it came (a digest may hold "401")
        let other = "manifest for x@sha256:4011 not found: manifest unknown".to_string();
        assert_eq!(pull_refusal("x", false, other.clone()), other);
    }
}
