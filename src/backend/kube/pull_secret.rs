//! An execution's image pull secret on a cluster: one Secret of type
//! `kubernetes.io/dockerconfigjson` per execution that needs registry
//! credentials, named from the execution, labelled and signed like our
//! Services (role `pull`), created before the pods, listed in their
//! `imagePullSecrets`, removed with the execution. Its contents are never
//! logged nor put in an error message.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, PostParams};

use super::cluster::{Cluster, Live};
use super::objects::{MANAGED_BY, MANAGED_BY_VALUE, ROLE, workload_labels};
use crate::backend::BackendError;
use crate::backend::labels::{DEPLOYMENT, EXECUTION_ID, SIGNATURE, TYPE, TYPE_APP_SERVICE};
use crate::backend::signature::{service_verifies, sign_service};
use crate::config::deployment_key::DeploymentKey;
use crate::model::registry::RegistryAuth;

/// The role label of a pull secret (Services have `dns` and `ext`).
pub const PULL_ROLE: &str = "pull";
/// The Secret type kubelets read registry credentials from.
pub const DOCKER_CONFIG_JSON: &str = "kubernetes.io/dockerconfigjson";

/// The pull secret's name: `<execution id>-<deployment>-pull` (lowercase),
/// or `zoe-pull-<hash>` when that is no valid Secret name.
pub fn pull_secret_name(deployment: &str, execution_id: &str) -> String {
    let name = format!("{execution_id}-{deployment}-pull").to_ascii_lowercase();
    if super::names::rfc1123_subdomain(&name).is_none() {
        return name;
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, name.as_bytes());
    let hex: String = digest.as_ref()[..10]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("zoe-pull-{hex}")
}

/// The `.dockerconfigjson` of these credentials (one entry per registry).
pub fn docker_config(auths: &[RegistryAuth]) -> String {
    let mut entries = serde_json::Map::new();
    for auth in auths {
        let one: serde_json::Value =
            serde_json::from_str(&auth.docker_config_json()).unwrap_or_default();
        if let Some(map) = one.get("auths").and_then(|a| a.as_object()) {
            entries.extend(map.clone());
        }
    }
    serde_json::json!({ "auths": entries }).to_string()
}

/// The signed Secret (not yet created).
pub fn pull_secret(
    key: &DeploymentKey,
    namespace: &str,
    deployment: &str,
    execution_id: &str,
    auths: &[RegistryAuth],
) -> Secret {
    let mut labels: HashMap<String, String> = [
        (DEPLOYMENT, deployment),
        (EXECUTION_ID, execution_id),
        (ROLE, PULL_ROLE),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    sign_service(key, &mut labels);
    let signature = labels.remove(SIGNATURE).unwrap_or_default();
    let mut label_map: BTreeMap<String, String> = labels.into_iter().collect();
    label_map.insert(MANAGED_BY.into(), MANAGED_BY_VALUE.into());
    // what the execution's selector picks (see `cluster::execution_selector`)
    label_map.insert(TYPE.into(), TYPE_APP_SERVICE.into());
    Secret {
        metadata: ObjectMeta {
            name: Some(pull_secret_name(deployment, execution_id)),
            namespace: Some(namespace.to_string()),
            labels: Some(label_map),
            annotations: Some([(SIGNATURE.to_string(), signature)].into()),
            ..Default::default()
        },
        type_: Some(DOCKER_CONFIG_JSON.into()),
        data: Some(
            [(
                ".dockerconfigjson".to_string(),
                ByteString(docker_config(auths).into_bytes()),
            )]
            .into(),
        ),
        ..Default::default()
    }
}

/// Whether this deployment made the Secret: signed with its key, role
/// `pull`, named as its labels say.
pub fn pull_secret_is_ours(key: &DeploymentKey, secret: &Secret) -> bool {
    let labels = workload_labels(&secret.metadata);
    if !service_verifies(key, &labels) || labels.get(ROLE).map(String::as_str) != Some(PULL_ROLE) {
        return false;
    }
    let (Some(deployment), Some(id)) = (labels.get(DEPLOYMENT), labels.get(EXECUTION_ID)) else {
        return false;
    };
    secret.metadata.name.as_deref() == Some(pull_secret_name(deployment, id).as_str())
}

fn secret_api(live: &Live) -> Api<Secret> {
    Api::namespaced(live.conn.client.clone(), &live.conn.namespace)
}

impl Cluster {
    /// Creates the execution's pull secret with these credentials (none:
    /// nothing to make); one of ours already there (another node of the
    /// same launch made it) is kept. Whether there is one now.
    pub async fn prepare_pull_secret(
        &self,
        deployment: &str,
        execution_id: &str,
        auths: &[RegistryAuth],
    ) -> Result<bool, BackendError> {
        if auths.is_empty() {
            return Ok(false);
        }
        // made already by this console (the launch's, for each pod after it)
        if self.pull_secret_of(deployment, execution_id).is_some() {
            return Ok(true);
        }
        let live = self.live(deployment).await?;
        let secret = pull_secret(
            &self.key,
            &live.conn.namespace,
            deployment,
            execution_id,
            auths,
        );
        let name = secret.name_any();
        let api = secret_api(&live);
        match api.create(&PostParams::default(), &secret).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 409 => {
                let there = api
                    .get_opt(&name)
                    .await
                    .map_err(|e| live.error(e, &format!("reading secret {name}")))?;
                if !there.is_some_and(|s| pull_secret_is_ours(&self.key, &s)) {
                    return Err(BackendError::refused(
                        &self.target.name,
                        format!("creating the image pull secret {name}"),
                        "a Secret of that name exists that this deployment did not make: \
                         remove it (kubectl delete secret) or launch again",
                    ));
                }
            }
            Err(e) => {
                return Err(live.error(e, &format!("creating the image pull secret {name}")));
            }
        }
        self.pull_secrets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name);
        Ok(true)
    }

    /// The pull secret this console made for the execution, if any (for
    /// the pods' `imagePullSecrets`).
    pub(super) fn pull_secret_of(&self, deployment: &str, execution_id: &str) -> Option<String> {
        let name = pull_secret_name(deployment, execution_id);
        self.pull_secrets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&name)
            .then_some(name)
    }

    /// Deletes the execution's pull secret, by its known name (no list:
    /// a cluster that forbids listing Secrets must not keep one), when it
    /// is ours. Gone already (404) is fine; a refusal (403) or any other
    /// failure is returned, by name, and the cleanup is not done. A
    /// Secret it may not read is deleted by its name all the same; one it
    /// may neither read nor delete is ours to report only when this
    /// console made it (a cluster that forbids Secrets has none of ours
    /// otherwise).
    pub(super) async fn remove_pull_secret(
        &self,
        live: &Live,
        deployment: &str,
        execution_id: &str,
    ) -> (usize, Vec<String>) {
        let name = pull_secret_name(deployment, execution_id);
        let api = secret_api(live);
        let made_here = self
            .pull_secrets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&name);
        let outcome = match api.get_opt(&name).await {
            Ok(None) => Ok(0),
            Ok(Some(secret)) if !pull_secret_is_ours(&self.key, &secret) => Ok(0),
            Ok(Some(_)) => match api.delete(&name, &DeleteParams::default()).await {
                Ok(_) => Ok(1),
                Err(kube::Error::Api(status)) if status.code == 404 => Ok(0),
                Err(e) => Err(live
                    .error(e, &format!("deleting secret {name}"))
                    .to_string()),
            },
            // may not read it: delete it by its name all the same (a role
            // that may create and delete Secrets but not get them); only a
            // cluster that refuses both has none of ours, unless we made it
            Err(kube::Error::Api(status)) if status.code == 403 => {
                match api.delete(&name, &DeleteParams::default()).await {
                    Ok(_) => Ok(1),
                    Err(kube::Error::Api(status)) if status.code == 404 => Ok(0),
                    Err(kube::Error::Api(status)) if status.code == 403 && !made_here => Ok(0),
                    Err(e) => Err(live
                        .error(e, &format!("deleting secret {name}"))
                        .to_string()),
                }
            }
            Err(e) => Err(live.error(e, &format!("reading secret {name}")).to_string()),
        };
        match outcome {
            Ok(removed) => {
                self.pull_secrets
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&name);
                (removed, Vec::new())
            }
            Err(error) => (0, vec![error]),
        }
    }

    /// Our pull secret still there for the execution, by name.
    pub(super) async fn pull_secret_left(
        &self,
        live: &Live,
        deployment: &str,
        execution_id: &str,
    ) -> Vec<String> {
        let name = pull_secret_name(deployment, execution_id);
        match secret_api(live).get_opt(&name).await {
            Ok(Some(secret)) if pull_secret_is_ours(&self.key, &secret) => {
                vec![format!("secret {name}")]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> DeploymentKey {
        DeploymentKey::from_bytes([byte; 32])
    }

    fn auth(host: &str) -> RegistryAuth {
        RegistryAuth {
            host: host.into(),
            user: "u".into(),
            password: "p".into(),
        }
    }

    #[test]
    fn names_are_valid_secret_names() {
        assert_eq!(pull_secret_name("Prod", "abc123"), "abc123-prod-pull");
        let long = "x".repeat(300);
        let name = pull_secret_name(&long, "abc123");
        assert!(name.starts_with("zoe-pull-") && name.len() < 64, "{name}");
        assert!(super::super::names::rfc1123_subdomain(&name).is_none());
    }

    #[test]
    fn only_our_signed_secret_under_its_own_name_is_ours() {
        let secret = pull_secret(&key(1), "ns", "prod", "abc123", &[auth("h:1")]);
        assert!(pull_secret_is_ours(&key(1), &secret));
        assert!(
            !pull_secret_is_ours(&key(2), &secret),
            "another deployment's"
        );
        let mut renamed = secret.clone();
        renamed.metadata.name = Some("other".into());
        assert!(!pull_secret_is_ours(&key(1), &renamed));
        let mut unsigned = secret.clone();
        unsigned.metadata.annotations = None;
        assert!(!pull_secret_is_ours(&key(1), &unsigned));
        assert_eq!(secret.type_.as_deref(), Some(DOCKER_CONFIG_JSON));
    }

    #[test]
    fn the_config_holds_every_registry() {
        let doc: serde_json::Value =
            serde_json::from_str(&docker_config(&[auth("a:1"), auth("docker.io")]))
                .unwrap_or_default();
        assert!(doc["auths"]["a:1"]["auth"].is_string());
        assert!(doc["auths"]["https://index.docker.io/v1/"]["auth"].is_string());
    }
}
