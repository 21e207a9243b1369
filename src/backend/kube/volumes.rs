//! The volumes of a pod: ZApp volumes as host paths (read-only honoured)
//! unless the target's volume map takes their path from NFS or a claim,
//! and `/dev/shm` in memory.

use k8s_openapi::api::core::v1::{
    EmptyDirVolumeSource, HostPathVolumeSource, NFSVolumeSource, PersistentVolumeClaimVolumeSource,
    Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::quantity::format_memory;
use crate::config::kube::{KubeTarget, VolumeSource};
use crate::model::Instance;

/// The mapping whose host path holds `path` (the longest one), and the
/// rest of the path below it.
fn mapped<'a>(target: &'a KubeTarget, path: &str) -> Option<(&'a VolumeSource, String)> {
    target
        .volumes
        .iter()
        .filter_map(|m| {
            let base = m.host_path.trim_end_matches('/');
            let rest = path.strip_prefix(base)?;
            (rest.is_empty() || rest.starts_with('/') || base.is_empty()).then(|| {
                (
                    base.len(),
                    &m.source,
                    rest.trim_start_matches('/').to_string(),
                )
            })
        })
        .max_by_key(|(len, _, _)| *len)
        .map(|(_, source, rest)| (source, rest))
}

/// The pod's volumes and the container's mounts: ZApp volumes as host
/// paths (or from the target's volume map), `/dev/shm` in memory.
pub fn volumes(instance: &Instance, target: &KubeTarget) -> (Vec<Volume>, Vec<VolumeMount>) {
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    for (i, v) in instance.volumes.iter().enumerate() {
        let name = format!("volume-{i}");
        let mut volume = Volume {
            name: name.clone(),
            ..Default::default()
        };
        let mut sub_path = None;
        match mapped(target, &v.path) {
            Some((VolumeSource::Nfs { server, path }, rest)) => {
                let path = if rest.is_empty() {
                    path.clone()
                } else {
                    format!("{}/{rest}", path.trim_end_matches('/'))
                };
                volume.nfs = Some(NFSVolumeSource {
                    server: server.clone(),
                    path,
                    read_only: Some(v.read_only),
                });
            }
            Some((VolumeSource::Pvc { claim }, rest)) => {
                volume.persistent_volume_claim = Some(PersistentVolumeClaimVolumeSource {
                    claim_name: claim.clone(),
                    read_only: Some(v.read_only),
                });
                sub_path = (!rest.is_empty()).then_some(rest);
            }
            None => {
                volume.host_path = Some(HostPathVolumeSource {
                    path: v.path.clone(),
                    ..Default::default()
                });
            }
        }
        volumes.push(volume);
        mounts.push(VolumeMount {
            name,
            mount_path: v.mount_point(),
            read_only: Some(v.read_only),
            sub_path,
            ..Default::default()
        });
    }
    if let Some(shm) = instance.shm_bytes {
        volumes.push(Volume {
            name: "shm".to_string(),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: Some("Memory".to_string()),
                size_limit: Some(Quantity(format_memory(shm))),
                ..Default::default()
            }),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name: "shm".to_string(),
            mount_path: "/dev/shm".to_string(),
            ..Default::default()
        });
    }
    (volumes, mounts)
}
