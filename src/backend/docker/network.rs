//! The network of one execution on a Docker host: `zoe-<execution id>`,
//! created labelled and signed with the deployment key; one of that name
//! the deployment did not create is never used nor removed. Its subnet
//! comes from the settings' pool (see `subnets`), never from the daemon's
//! default address pools, which run out at a few dozen networks.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::NetworkCreateRequest;
use bollard::query_parameters::InspectNetworkOptions;

use super::client::{DockerError, call};
use crate::backend::labels;
use crate::backend::signature::{network_verifies, sign_network};
use crate::config::deployment_key::DeploymentKey;
use crate::model::subnet::SubnetPool;

/// Longest Linux interface name.
const IFNAME_MAX: usize = 15;

/// The bridge network of one execution: `zoe-<execution id>`, with the same
/// interface name so a host firewall rule can accept `zoe-+`.
pub fn execution_network_name(execution_id: &str) -> String {
    let name = format!("zoe-{execution_id}");
    name.chars().take(IFNAME_MAX).collect()
}

/// Creates the execution's network unless it exists, labelled and signed
/// with `key`, with a free subnet of `pool`. One of that name that this
/// deployment did not create (its signature does not verify) is refused,
/// never used: its owner could see and reach the services attached to it.
pub async fn ensure_network(
    docker: &Docker,
    host: &str,
    name: &str,
    deployment: &str,
    execution_id: &str,
    key: &DeploymentKey,
    pool: &SubnetPool,
) -> Result<bool, DockerError> {
    match call(
        host,
        "inspecting a network",
        15,
        docker.inspect_network(name, None::<InspectNetworkOptions>),
    )
    .await
    {
        Ok(existing) => {
            let labels = existing.labels.unwrap_or_default();
            let ours = network_verifies(key, &labels)
                && labels.get(labels::NETWORK_OF).map(String::as_str) == Some(execution_id)
                && labels.get(labels::DEPLOYMENT).map(String::as_str) == Some(deployment);
            if !ours {
                return Err(DockerError::refused(
                    host,
                    format!("preparing network {name}"),
                    format!(
                        "a network named {name} exists on {host} that this deployment did not create; remove it (`docker network rm {name}` on {host}) or launch again for a new execution id"
                    ),
                ));
            }
            return Ok(false);
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e),
    }
    let mut network_labels = HashMap::from([
        (labels::NETWORK_OF.to_string(), execution_id.to_string()),
        (labels::DEPLOYMENT.to_string(), deployment.to_string()),
    ]);
    sign_network(key, &mut network_labels);
    let request = NetworkCreateRequest {
        name: name.to_string(),
        driver: Some("bridge".to_string()),
        options: Some(HashMap::from([(
            "com.docker.network.bridge.name".to_string(),
            name.to_string(),
        )])),
        labels: Some(network_labels),
        ..Default::default()
    };
    let subnet = super::subnets::create_in_pool(docker, host, request, pool, execution_id).await?;
    tracing::debug!("host {host}: network {name} created with subnet {subnet}");
    Ok(true)
}

pub async fn remove_network(docker: &Docker, host: &str, name: &str) -> Result<(), DockerError> {
    match call(
        host,
        &format!("removing network {name}"),
        30,
        docker.remove_network(name),
    )
    .await
    {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_names_fit_an_interface_name() {
        assert_eq!(execution_network_name("k3x9f2a7qp"), "zoe-k3x9f2a7qp");
        assert_eq!(execution_network_name("0123456789abcdef").len(), 15);
    }
}
