//! Which cluster objects this deployment made, as on Docker: a pod is ours
//! when its labels (∪ annotations) parse, are signed with the deployment
//! key and name it as they say; a Service when its own signature (over the
//! deployment, execution, instance and role) verifies and its name is the
//! one those give it. Anything else carrying our labels is foreign: shown,
//! never counted nor removed unasked. Pure.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Pod, Service};

use super::objects::{ROLE, exposed_name, workload_labels};
use crate::backend::labels::SIGNATURE;
use crate::backend::signature::{service_verifies, sign_service};
use crate::backend::trust;
use crate::config::deployment_key::DeploymentKey;
use crate::model::ForeignKind;

/// Whether a pod named `name` with these merged labels is ours; if not,
/// what it is and why.
pub fn pod_trust(
    key: &DeploymentKey,
    name: &str,
    labels: &HashMap<String, String>,
) -> Result<(), (ForeignKind, String)> {
    // the pod is the lowercase DNS name its labels give it
    let expected = trust::expected_name(labels);
    let as_named = match expected {
        Some(expected) if expected.to_ascii_lowercase() == name => expected,
        _ => name.to_string(),
    };
    trust::classify(key, labels, &as_named)
}

/// Whether this deployment made the pod (see the module doc).
pub fn pod_is_ours(key: &DeploymentKey, pod: &Pod) -> bool {
    let Some(name) = pod.metadata.name.as_deref() else {
        return false;
    };
    pod_trust(key, name, &workload_labels(&pod.metadata)).is_ok()
}

/// Signs a Service made by `objects::instance_objects` (its signature goes
/// into an annotation: too long for a label value).
pub fn sign(key: &DeploymentKey, service: &mut Service) {
    let mut labels = workload_labels(&service.metadata);
    sign_service(key, &mut labels);
    if let Some(signature) = labels.remove(SIGNATURE) {
        service
            .metadata
            .annotations
            .get_or_insert_default()
            .insert(SIGNATURE.to_string(), signature);
    }
}

/// Whether this deployment made the Service (see the module doc).
pub fn service_is_ours(key: &DeploymentKey, service: &Service) -> bool {
    let labels = workload_labels(&service.metadata);
    if !service_verifies(key, &labels) {
        return false;
    }
    let (Some(name), Some(dns)) = (
        service.metadata.name.as_deref(),
        trust::expected_name(&labels),
    ) else {
        return false;
    };
    match labels.get(ROLE).map(String::as_str) {
        Some("dns") => name == dns.to_ascii_lowercase(),
        Some("ext") => name == exposed_name(&dns),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::labels::{DEPLOYMENT, EXECUTION_ID, SERVICE_NAME};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn key(byte: u8) -> DeploymentKey {
        DeploymentKey::from_bytes([byte; 32])
    }

    fn service(name: &str, role: &str) -> Service {
        Service {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: Some(
                    [
                        (DEPLOYMENT, "prod"),
                        (EXECUTION_ID, "abc123"),
                        (SERVICE_NAME, "Master0"),
                        (ROLE, role),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn only_signed_services_under_their_own_name_are_ours() {
        let mut headless = service("master0-abc123-prod", "dns");
        let mut exposed = service("master0-abc123-prod-ext", "ext");
        assert!(!service_is_ours(&key(1), &headless), "unsigned");
        sign(&key(1), &mut headless);
        sign(&key(1), &mut exposed);
        assert!(service_is_ours(&key(1), &headless));
        assert!(service_is_ours(&key(1), &exposed));
        assert!(!service_is_ours(&key(2), &headless), "another deployment's");
        // the labels and signature copied onto another Service
        let mut copy = headless.clone();
        copy.metadata.name = Some("copy".into());
        assert!(!service_is_ours(&key(1), &copy));
        // a role changed after signing
        let mut changed = exposed.clone();
        if let Some(labels) = changed.metadata.labels.as_mut() {
            labels.insert(ROLE.into(), "dns".into());
        }
        assert!(!service_is_ours(&key(1), &changed));
    }
}
