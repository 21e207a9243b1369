//! Removing what an execution left on one Docker host, and confirming that
//! nothing is left: its containers (only those whose labels are ours), then
//! its own network, then a second look. Also lists the executions' own
//! networks, which can outlive their containers when a cleanup was cut
//! short.

use std::collections::HashMap;

use bollard::Docker;
use bollard::query_parameters::{InspectNetworkOptions, ListNetworksOptions};

use super::client::{DockerError, call};
use super::spawn;
use crate::backend::labels;
use crate::backend::signature::network_verifies;
use crate::config::deployment_key::DeploymentKey;
use crate::model::{ExecutionId, ExecutionNetwork};

/// What one cleanup of an execution on a host did and found.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Cleaned {
    /// Containers removed by this cleanup.
    pub removed: usize,
    /// What is still there after it (`2 containers`, `network zoe-x`):
    /// empty when the host holds nothing of the execution any more.
    pub left: Vec<String>,
    /// Why removals failed.
    pub errors: Vec<String>,
}

/// The execution id a network was made for, when it is one of this
/// deployment's execution networks: its labels say so and are signed with
/// the deployment key.
pub fn network_owner(
    network_labels: &HashMap<String, String>,
    deployment: &str,
    key: &DeploymentKey,
) -> Option<ExecutionId> {
    if network_labels.get(labels::DEPLOYMENT).map(String::as_str) != Some(deployment)
        || !network_verifies(key, network_labels)
    {
        return None;
    }
    ExecutionId::parse(network_labels.get(labels::NETWORK_OF)?).ok()
}

/// The deployment's execution networks on the host.
pub async fn execution_networks(
    docker: &Docker,
    host: &str,
    deployment: &str,
    key: &DeploymentKey,
) -> Result<Vec<ExecutionNetwork>, DockerError> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![
            labels::NETWORK_OF.to_string(),
            format!("{}={deployment}", labels::DEPLOYMENT),
        ],
    )]);
    let found = call(
        host,
        "listing the executions' networks",
        15,
        docker.list_networks(Some(ListNetworksOptions {
            filters: Some(filters),
        })),
    )
    .await?;
    let mut networks: Vec<ExecutionNetwork> = found
        .into_iter()
        .filter_map(|n| {
            let execution_id = network_owner(&n.labels.unwrap_or_default(), deployment, key)?;
            let name = n.name?;
            // only the name the console gives: anything else is not ours
            (name == spawn::execution_network_name(&execution_id))
                .then_some(ExecutionNetwork { name, execution_id })
        })
        .collect();
    networks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(networks)
}

/// Whether the execution's own network is on the host; the number of
/// containers attached to it when it is.
async fn own_network(
    docker: &Docker,
    host: &str,
    deployment: &str,
    execution_id: &str,
    key: &DeploymentKey,
) -> Result<Option<usize>, DockerError> {
    let name = spawn::execution_network_name(execution_id);
    match call(
        host,
        &format!("inspecting network {name}"),
        15,
        docker.inspect_network(&name, None::<InspectNetworkOptions>),
    )
    .await
    {
        Ok(network) => {
            let ours = network_owner(&network.labels.unwrap_or_default(), deployment, key)
                .is_some_and(|id| id.as_str() == execution_id);
            Ok(ours.then(|| network.containers.map_or(0, |c| c.len())))
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Stops (with `grace_secs`) and removes the execution's containers, then
/// its own network (`zoe-<id>`, when this deployment made it: a network
/// shared by all executions, named in the settings, never is), then looks
/// again. An error only when the host cannot be asked at all.
pub async fn clean_execution(
    docker: &Docker,
    host: &str,
    deployment: &str,
    execution_id: &str,
    grace_secs: u32,
    key: &DeploymentKey,
) -> Result<Cleaned, DockerError> {
    let mut cleaned = Cleaned::default();
    let ids = spawn::execution_containers(docker, host, deployment, execution_id, key).await?;
    let removals = ids
        .iter()
        .map(|id| spawn::remove_container(docker, host, id, grace_secs));
    for (id, result) in ids.iter().zip(futures::future::join_all(removals).await) {
        match result {
            Ok(()) => cleaned.removed += 1,
            Err(e) => cleaned.errors.push(format!(
                "container {}: {e}",
                id.chars().take(12).collect::<String>()
            )),
        }
    }
    let network = spawn::execution_network_name(execution_id);
    if own_network(docker, host, deployment, execution_id, key)
        .await?
        .is_some()
        && let Err(e) = spawn::remove_network(docker, host, &network).await
    {
        cleaned.errors.push(e.to_string());
    }
    // what is there now: a request the host was still carrying out may
    // have made something after the list above
    let containers = spawn::execution_containers(docker, host, deployment, execution_id, key)
        .await?
        .len();
    if containers > 0 {
        cleaned.left.push(if containers == 1 {
            "1 container".to_string()
        } else {
            format!("{containers} containers")
        });
    }
    if let Some(attached) = own_network(docker, host, deployment, execution_id, key).await? {
        cleaned.left.push(if attached > containers {
            // containers that are not this execution's keep it in use
            format!(
                "network {network} ({} of others attached: `docker network disconnect {network} CONTAINER` on {host}, or `zoe kill --foreign`)",
                crate::model::text::count((attached - containers) as u64, "container", "containers")
            )
        } else {
            format!("network {network}")
        });
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_deployments_signed_execution_networks_are_ours() {
        let key = DeploymentKey::from_bytes([7; 32]);
        let signed = |pairs: &[(&str, &str)], key: &DeploymentKey| -> HashMap<String, String> {
            let mut labels: HashMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            crate::backend::signature::sign_network(key, &mut labels);
            labels
        };
        let ours = signed(
            &[(labels::DEPLOYMENT, "prod"), (labels::NETWORK_OF, "abc123")],
            &key,
        );
        assert_eq!(
            network_owner(&ours, "prod", &key).map(|id| id.as_str().to_string()),
            Some("abc123".to_string())
        );
        assert_eq!(network_owner(&ours, "test", &key), None);
        // made by someone without the key, or changed since
        let other = DeploymentKey::from_bytes([8; 32]);
        assert_eq!(network_owner(&ours, "prod", &other), None);
        let mut changed = ours.clone();
        changed.insert(labels::NETWORK_OF.into(), "abc124".into());
        assert_eq!(network_owner(&changed, "prod", &key), None);
        let mut unsigned = ours.clone();
        unsigned.retain(|k, _| k == labels::DEPLOYMENT || k == labels::NETWORK_OF);
        assert_eq!(network_owner(&unsigned, "prod", &key), None);
        let bad = signed(
            &[
                (labels::DEPLOYMENT, "prod"),
                (labels::NETWORK_OF, "A\u{1b}[2J"),
            ],
            &key,
        );
        assert_eq!(network_owner(&bad, "prod", &key), None);
        assert_eq!(network_owner(&HashMap::new(), "prod", &key), None);
    }
}
