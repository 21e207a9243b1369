//! Creating an execution network with its own subnet from the settings'
//! pool: read what every network on the host uses (any driver, the
//! daemon's default bridge included), pick a free subnet starting at an
//! index derived from the execution id, and when another console took the
//! same one meanwhile (the daemon answers that the pool overlaps), try the
//! next free one.

use std::net::Ipv4Addr;

use bollard::Docker;
use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters::ListNetworksOptions;

use super::client::{DockerError, call, classify};
use crate::model::subnet::{Ipv4Subnet, SubnetPool, start_index};

/// How many subnets one create tries before giving up, when each was taken
/// by another console between our look and our create.
const TRIES: usize = 10;

/// Seconds one network create may take.
const CREATE_SECS: u64 = 30;

/// Creates the network `request` describes with a free subnet of `pool` on
/// the host; the subnet it got.
pub async fn create_in_pool(
    docker: &Docker,
    host: &str,
    mut request: NetworkCreateRequest,
    pool: &SubnetPool,
    execution_id: &str,
) -> Result<Ipv4Subnet, DockerError> {
    let name = request.name.clone();
    let what = format!("creating network {name}");
    let start = start_index(execution_id);
    let mut taken: Vec<Ipv4Subnet> = Vec::new();
    for _ in 0..TRIES {
        let mut used = used_subnets(docker, host).await?;
        used.extend(taken.iter().copied());
        let subnet = pool
            .pick(&used, start)
            .map_err(|exhausted| DockerError::refused(host, what.clone(), exhausted.to_string()))?;
        request.ipam = Some(Ipam {
            driver: Some("default".to_string()),
            // the gateway is the subnet's first address, which Docker picks
            config: Some(vec![IpamConfig {
                subnet: Some(subnet.to_string()),
                ..Default::default()
            }]),
            options: None,
        });
        let created = tokio::time::timeout(
            std::time::Duration::from_secs(CREATE_SECS),
            docker.create_network(request.clone()),
        )
        .await;
        match created {
            Ok(Ok(_)) => return Ok(subnet),
            Ok(Err(e)) if pool_overlaps(&e) => {
                tracing::debug!("host {host}: {subnet} for {name} was taken meanwhile: {e}");
                taken.push(subnet);
            }
            Ok(Err(e)) => return Err(classify(host, &what, &e)),
            Err(_) => {
                return Err(DockerError::Timeout {
                    target: host.to_string(),
                    what,
                    secs: CREATE_SECS,
                });
            }
        }
    }
    Err(DockerError::refused(
        host,
        what,
        format!(
            "{TRIES} free subnets of network_pool {} in a row were taken by other networks while this launch created its own; launch again",
            pool.pool
        ),
    ))
}

/// The daemon's answer when the subnet asked for overlaps one in use
/// ("Pool overlaps with other one on this address space", 403).
fn pool_overlaps(err: &bollard::errors::Error) -> bool {
    matches!(
        err,
        bollard::errors::Error::DockerResponseServerError { message, .. }
            if message.to_ascii_lowercase().contains("overlap")
    )
}

/// The IPv4 subnets of every network on the host, whatever its driver or
/// owner (the default bridge, user networks, other deployments', swarm's).
async fn used_subnets(docker: &Docker, host: &str) -> Result<Vec<Ipv4Subnet>, DockerError> {
    let networks = call(
        host,
        "listing the networks' subnets",
        15,
        docker.list_networks(None::<ListNetworksOptions>),
    )
    .await?;
    Ok(networks
        .iter()
        .filter_map(|n| n.ipam.as_ref()?.config.as_ref())
        .flatten()
        .filter_map(|c| c.subnet.as_deref().and_then(ipv4_subnet))
        .collect())
}

/// An IPv4 subnet as the engine reports it (host bits may be set); None for
/// IPv6 or anything unreadable.
fn ipv4_subnet(text: &str) -> Option<Ipv4Subnet> {
    let (address, prefix) = text.split_once('/')?;
    Ipv4Subnet::containing(address.parse::<Ipv4Addr>().ok()?, prefix.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_subnets_are_read_leniently_and_ipv6_is_left_out() {
        assert_eq!(
            ipv4_subnet("172.17.0.0/16").map(|s| s.to_string()),
            Some("172.17.0.0/16".into())
        );
        assert_eq!(
            ipv4_subnet("10.1.2.3/16").map(|s| s.to_string()),
            Some("10.1.0.0/16".into())
        );
        assert_eq!(ipv4_subnet("fd00:1::/64"), None);
        assert_eq!(ipv4_subnet("10.0.0.0/40"), None);
        assert_eq!(ipv4_subnet("garbage"), None);
    }

    #[test]
    fn the_daemons_overlap_answer_is_recognised() {
        let overlap = bollard::errors::Error::DockerResponseServerError {
            status_code: 403,
            message: "Pool overlaps with other one on this address space".into(),
        };
        assert!(pool_overlaps(&overlap));
        let newer = bollard::errors::Error::DockerResponseServerError {
            status_code: 400,
            message: "invalid pool request: Pool overlaps with other one on this address space"
                .into(),
        };
        assert!(pool_overlaps(&newer));
        let other = bollard::errors::Error::DockerResponseServerError {
            status_code: 409,
            message: "network with name zoe-x already exists".into(),
        };
        assert!(!pool_overlaps(&other));
    }
}
