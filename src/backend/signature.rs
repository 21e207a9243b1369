//! Signed labels: what this deployment creates carries an HMAC-SHA256,
//! made with the deployment key, of the labels the engine relies on. Only
//! what verifies is this deployment's; the rest is foreign.
//!
//! The signature covers a fixed list of label keys, never "all labels":
//! Docker merges the image's labels into a container's, and those are not
//! ours to vouch for. Each key is encoded with its length, its value with
//! its length, and an absent key differently from an empty value, after a
//! version and a purpose (container, network or cluster Service), so no
//! two label sets (nor a container's and a network's) encode alike.

use std::collections::HashMap;

use ring::hmac;

use super::labels::{
    CORES, DEPLOYMENT, DESCRIPTION, ENTRY, ESSENTIAL, EXECUTION_ID, EXECUTION_NAME, GID, GROUP,
    MEMORY, MONITOR, NETWORK_OF, OWNER, PARAMETERS, SERVICE_ID, SERVICE_NAME, SERVICE_ROLE,
    SIGNATURE, SUBMITTED, TYPE, UID,
};
use crate::config::deployment_key::DeploymentKey;

/// Names the encoding; a new encoding gets a new version.
const VERSION: &str = "zoe-console-signature-v1";

/// The labels a service container's signature covers: every label
/// `labels::container_labels` writes.
pub const CONTAINER_KEYS: [&str; 18] = [
    EXECUTION_NAME,
    EXECUTION_ID,
    SERVICE_NAME,
    SERVICE_ID,
    OWNER,
    DEPLOYMENT,
    TYPE,
    ESSENTIAL,
    GROUP,
    ENTRY,
    MONITOR,
    UID,
    GID,
    MEMORY,
    CORES,
    SUBMITTED,
    DESCRIPTION,
    PARAMETERS,
];

/// The labels an execution network's signature covers.
pub const NETWORK_KEYS: [&str; 2] = [NETWORK_OF, DEPLOYMENT];

/// The labels a cluster Service's signature covers (its name follows
/// from them: the checker compares).
pub const SERVICE_KEYS: [&str; 4] = [DEPLOYMENT, EXECUTION_ID, SERVICE_NAME, SERVICE_ROLE];

/// The bytes signed: version, purpose, then each key and its value (or
/// that it is absent), every field length-prefixed.
fn encode(purpose: &str, keys: &[&str], labels: &HashMap<String, String>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut field = |bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(bytes);
    };
    field(VERSION.as_bytes());
    field(purpose.as_bytes());
    for key in keys {
        field(key.as_bytes());
        match labels.get(*key) {
            None => field(b"absent"),
            Some(value) => {
                field(b"present");
                field(value.as_bytes());
            }
        }
    }
    out
}

fn signature(
    key: &DeploymentKey,
    purpose: &str,
    keys: &[&str],
    labels: &HashMap<String, String>,
) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
    hmac::sign(&key, &encode(purpose, keys, labels))
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `labels` carry a valid signature (compared in constant time).
fn verifies(
    key: &DeploymentKey,
    purpose: &str,
    keys: &[&str],
    labels: &HashMap<String, String>,
) -> bool {
    let Some(tag) = labels.get(SIGNATURE).and_then(|hex| from_hex(hex)) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
    hmac::verify(&key, &encode(purpose, keys, labels), &tag).is_ok()
}

/// 64 lowercase hex digits → 32 bytes.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    (0..32)
        .map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// Adds the signature to a service container's labels.
pub fn sign_container(key: &DeploymentKey, labels: &mut HashMap<String, String>) {
    labels.remove(SIGNATURE);
    let signed = signature(key, "container", &CONTAINER_KEYS, labels);
    labels.insert(SIGNATURE.to_string(), signed);
}

/// Whether a service container's labels are signed with `key`.
pub fn container_verifies(key: &DeploymentKey, labels: &HashMap<String, String>) -> bool {
    verifies(key, "container", &CONTAINER_KEYS, labels)
}

/// Adds the signature to an execution network's labels.
pub fn sign_network(key: &DeploymentKey, labels: &mut HashMap<String, String>) {
    labels.remove(SIGNATURE);
    let signed = signature(key, "network", &NETWORK_KEYS, labels);
    labels.insert(SIGNATURE.to_string(), signed);
}

/// Whether an execution network's labels are signed with `key`.
pub fn network_verifies(key: &DeploymentKey, labels: &HashMap<String, String>) -> bool {
    verifies(key, "network", &NETWORK_KEYS, labels)
}

/// Adds the signature to a cluster Service's labels.
pub fn sign_service(key: &DeploymentKey, labels: &mut HashMap<String, String>) {
    labels.remove(SIGNATURE);
    let signed = signature(key, "service", &SERVICE_KEYS, labels);
    labels.insert(SIGNATURE.to_string(), signed);
}

/// Whether a cluster Service's labels are signed with `key`.
pub fn service_verifies(key: &DeploymentKey, labels: &HashMap<String, String>) -> bool {
    verifies(key, "service", &SERVICE_KEYS, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> DeploymentKey {
        DeploymentKey::from_bytes([byte; 32])
    }

    fn labels() -> HashMap<String, String> {
        CONTAINER_KEYS
            .iter()
            .enumerate()
            .map(|(i, k)| (k.to_string(), format!("value{i}")))
            .collect()
    }

    fn signed() -> HashMap<String, String> {
        let mut labels = labels();
        sign_container(&key(7), &mut labels);
        labels
    }

    #[test]
    fn signed_labels_verify() {
        let labels = signed();
        assert_eq!(labels[SIGNATURE].len(), 64);
        assert!(
            labels[SIGNATURE]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert!(container_verifies(&key(7), &labels));
        // signing again gives the same signature
        let mut again = labels.clone();
        sign_container(&key(7), &mut again);
        assert_eq!(again, labels);
    }

    #[test]
    fn any_change_of_a_signed_label_fails() {
        for k in CONTAINER_KEYS {
            let mut changed = signed();
            changed.insert(k.to_string(), "other".into());
            assert!(!container_verifies(&key(7), &changed), "{k} changed");
            let mut emptied = signed();
            emptied.insert(k.to_string(), String::new());
            assert!(!container_verifies(&key(7), &emptied), "{k} emptied");
            let mut missing = signed();
            missing.remove(k);
            assert!(!container_verifies(&key(7), &missing), "{k} removed");
        }
        // a signed key added where the signer had none
        let mut fewer = labels();
        fewer.remove(DESCRIPTION);
        sign_container(&key(7), &mut fewer);
        assert!(container_verifies(&key(7), &fewer));
        fewer.insert(DESCRIPTION.into(), String::new());
        assert!(!container_verifies(&key(7), &fewer), "absent is not empty");
        // values shifted between neighbouring keys
        let mut shifted = signed();
        shifted.insert(EXECUTION_NAME.into(), "value0v".into());
        shifted.insert(EXECUTION_ID.into(), "alue1".into());
        assert!(!container_verifies(&key(7), &shifted));
    }

    #[test]
    fn another_key_or_a_bad_signature_fails() {
        let labels = signed();
        assert!(!container_verifies(&key(8), &labels));
        let good = labels[SIGNATURE].clone();
        for bad in [
            String::new(),
            good[..63].to_string(),
            good[..62].to_string(),
            format!("{good}00"),
            good.to_uppercase(),
            format!("{}zz", &good[..62]),
            "0".repeat(64),
            format!(" {}", &good[1..]),
        ] {
            let mut forged = labels.clone();
            forged.insert(SIGNATURE.into(), bad.clone());
            assert!(!container_verifies(&key(7), &forged), "{bad}");
        }
        let mut unsigned = labels.clone();
        unsigned.remove(SIGNATURE);
        assert!(!container_verifies(&key(7), &unsigned));
    }

    #[test]
    fn labels_outside_the_list_do_not_matter() {
        let mut labels = signed();
        labels.insert("maintainer".into(), "an image label".into());
        labels.insert("org.zoe-console.other".into(), "x".into());
        assert!(container_verifies(&key(7), &labels));
    }

    #[test]
    fn networks_have_their_own_signature() {
        let mut network: HashMap<String, String> = [(NETWORK_OF, "abc123"), (DEPLOYMENT, "prod")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        sign_network(&key(7), &mut network);
        assert!(network_verifies(&key(7), &network));
        assert!(!network_verifies(&key(8), &network));
        assert!(!container_verifies(&key(7), &network));
        let mut other = network.clone();
        other.insert(NETWORK_OF.into(), "abc124".into());
        assert!(!network_verifies(&key(7), &other));
        // a container's signature is no network's
        let container = signed();
        assert!(!network_verifies(&key(7), &container));
    }

    #[test]
    fn services_have_their_own_signature() {
        let mut service: HashMap<String, String> = [
            (DEPLOYMENT, "prod"),
            (EXECUTION_ID, "abc123"),
            (SERVICE_NAME, "master0"),
            (SERVICE_ROLE, "dns"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        sign_service(&key(7), &mut service);
        assert!(service_verifies(&key(7), &service));
        assert!(!service_verifies(&key(8), &service));
        assert!(!container_verifies(&key(7), &service));
        for changed in [EXECUTION_ID, SERVICE_NAME, SERVICE_ROLE, DEPLOYMENT] {
            let mut other = service.clone();
            other.insert(changed.into(), "x".into());
            assert!(!service_verifies(&key(7), &other), "{changed}");
        }
        // a container's signature is no Service's
        let mut container = signed();
        container.insert(SERVICE_ROLE.into(), "dns".into());
        assert!(!service_verifies(&key(7), &container));
    }
}
