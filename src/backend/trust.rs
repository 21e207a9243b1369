//! Which containers are this deployment's: of those that carry its labels,
//! only the ones whose labels parse, are signed with the deployment key and
//! whose name is the one the labels give them. The rest is foreign: shown,
//! never counted, adopted, grown, ended or removed unasked. Pure.

use std::collections::HashMap;

use super::labels::{self, DEPLOYMENT, EXECUTION_ID, SERVICE_NAME, SIGNATURE};
use super::signature::container_verifies;
use crate::config::deployment_key::DeploymentKey;
use crate::model::{ForeignContainer, ForeignKind};

/// Longest claimed execution id shown.
const CLAIM_CHARS: usize = 16;

/// The name a service container of these labels is created with:
/// `<service name>-<execution id>-<deployment>` (its DNS name).
pub fn expected_name(labels: &HashMap<String, String>) -> Option<String> {
    Some(format!(
        "{}-{}-{}",
        labels.get(SERVICE_NAME)?,
        labels.get(EXECUTION_ID)?,
        labels.get(DEPLOYMENT)?
    ))
}

/// Whether a container carrying this deployment's labels, named `name`
/// (without Docker's leading `/`), is one of its services; if not, what it
/// is and why.
pub fn classify(
    key: &DeploymentKey,
    labels: &HashMap<String, String>,
    name: &str,
) -> Result<(), (ForeignKind, String)> {
    if !labels::carries_ours(labels) {
        return Err((
            ForeignKind::ZoeMaster,
            "it carries only Zoe's labels (made by a Zoe master or by hand), none of this console's"
                .into(),
        ));
    }
    labels::check_labels(labels).map_err(|why| (ForeignKind::BadLabels, why))?;
    if !labels.contains_key(SIGNATURE) {
        return Err((
            ForeignKind::BadSignature,
            "it carries no signature: not made by a console of this deployment".into(),
        ));
    }
    if !container_verifies(key, labels) {
        return Err((
            ForeignKind::BadSignature,
            "its signature does not match its labels with this deployment's key (made by another deployment, or forged)".into(),
        ));
    }
    let expected = expected_name(labels).unwrap_or_default();
    if name != expected {
        return Err((
            ForeignKind::BadSignature,
            format!(
                "it is named `{}`, not `{}` as its labels say (a copy of another container's labels)",
                bounded(name, 80),
                bounded(&expected, 80)
            ),
        ));
    }
    Ok(())
}

/// The execution id a container claims, made safe to show and short.
pub fn claimed_id(labels: &HashMap<String, String>) -> Option<String> {
    let id = labels.get(EXECUTION_ID)?;
    if id.is_empty() {
        return None;
    }
    let safe: String = id
        .chars()
        .take(CLAIM_CHARS)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '?'
            }
        })
        .collect();
    Some(if id.chars().count() > CLAIM_CHARS {
        format!("{safe}…")
    } else {
        safe
    })
}

/// A foreign container as nodes list it.
pub fn foreign(
    id: String,
    name: String,
    state: String,
    labels: &HashMap<String, String>,
    (kind, reason): (ForeignKind, String),
) -> ForeignContainer {
    ForeignContainer {
        id,
        name: bounded(&name, 128),
        kind,
        claims: claimed_id(labels),
        state: bounded(&state, 32),
        reason,
    }
}

/// At most `max` characters of `text`.
fn bounded(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        format!("{}…", text.chars().take(max).collect::<String>())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::labels::{DESCRIPTION, ESSENTIAL, MEMORY, container_labels};
    use crate::backend::signature::sign_container;

    fn key() -> DeploymentKey {
        DeploymentKey::from_bytes([3; 32])
    }

    /// The labels a launch gives `master0` of execution `abc123` in `prod`,
    /// signed.
    fn ours() -> HashMap<String, String> {
        let (description, instances) = crate::backend::labels::tests::demo();
        let mut labels = container_labels(
            &crate::backend::labels::tests::demo_execution(&description),
            &instances[0],
        );
        assert_eq!(instances[0].dns_name, "master0-abc123-prod");
        sign_container(&key(), &mut labels);
        labels
    }

    const NAME: &str = "master0-abc123-prod";

    fn kind(labels: &HashMap<String, String>, name: &str) -> Option<ForeignKind> {
        classify(&key(), labels, name).err().map(|(kind, _)| kind)
    }

    #[test]
    fn a_signed_container_with_its_own_name_is_ours() {
        assert_eq!(classify(&key(), &ours(), NAME), Ok(()));
        assert_eq!(expected_name(&ours()).as_deref(), Some(NAME));
        // image labels merged in by Docker do not matter
        let mut with_image = ours();
        with_image.insert("maintainer".into(), "x".into());
        assert_eq!(classify(&key(), &with_image, NAME), Ok(()));
    }

    #[test]
    fn what_this_deployment_did_not_make_is_foreign() {
        let mut unsigned = ours();
        unsigned.remove(SIGNATURE);
        assert_eq!(kind(&unsigned, NAME), Some(ForeignKind::BadSignature));
        let mut wrong = ours();
        wrong.insert(SIGNATURE.into(), "0".repeat(64));
        assert_eq!(kind(&wrong, NAME), Some(ForeignKind::BadSignature));
        assert_eq!(
            classify(&DeploymentKey::from_bytes([4; 32]), &ours(), NAME)
                .err()
                .map(|e| e.0),
            Some(ForeignKind::BadSignature)
        );
        // a forged description or essential flag on copied labels
        for (k, v) in [(DESCRIPTION, "{\"services\": []}"), (ESSENTIAL, "false")] {
            let mut forged = ours();
            forged.insert(k.into(), v.into());
            assert_eq!(kind(&forged, NAME), Some(ForeignKind::BadSignature), "{k}");
        }
        // a copy of the labels under another name
        let (k, why) = classify(&key(), &ours(), "copy").unwrap_err();
        assert_eq!(k, ForeignKind::BadSignature);
        assert!(why.contains("`copy`") && why.contains(NAME), "{why}");
        // labels that do not parse
        let mut bad = ours();
        bad.insert(MEMORY.into(), "-1".into());
        assert_eq!(kind(&bad, NAME), Some(ForeignKind::BadLabels));
        // a Zoe master's container: only Zoe's labels
        let zoe = crate::backend::labels::tests::zoe_master_labels();
        assert_eq!(kind(&zoe, "master0-42-prod"), Some(ForeignKind::ZoeMaster));
    }

    #[test]
    fn claimed_ids_are_safe_and_short() {
        let claim =
            |id: &str| claimed_id(&HashMap::from([(EXECUTION_ID.to_string(), id.to_string())]));
        assert_eq!(claim("abc123").as_deref(), Some("abc123"));
        assert_eq!(claim("a\u{1b}[2J").as_deref(), Some("a??2J"));
        assert_eq!(claim(&"x".repeat(10_000)).unwrap().chars().count(), 17);
        assert_eq!(claim(""), None);
        assert_eq!(claimed_id(&HashMap::new()), None);
        let f = foreign(
            "id".into(),
            "n".repeat(1000),
            "running".into(),
            &ours(),
            (ForeignKind::BadLabels, "why".into()),
        );
        assert!(f.name.chars().count() <= 129);
        assert_eq!(f.claims.as_deref(), Some("abc123"));
    }
}
