//! Execution identity: ids, names, owners; an instance is named
//! `<instance>-<execution id>-<deployment>`.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Longest DNS label (RFC 1123); container and DNS names must fit in one.
pub const MAX_DNS_LABEL: usize = 63;

const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// Seconds from the Unix epoch to 2024-01-01T00:00:00Z; ids count from there.
const ID_EPOCH: u64 = 1_704_067_200;
const TIME_DIGITS: usize = 6;
const RANDOM_DIGITS: usize = 4;

/// An execution id: short, lowercase, DNS-safe, unique without coordination.
///
/// Generated ids are 10 base-36 characters: 6 encode the seconds since 2024
/// (so ids sort by creation time for 69 years) and 4 come from the OS random
/// source (1.7 million choices per second), so two consoles that never talk
/// to each other do not collide in practice. Ids read back from a cluster may
/// be anything Zoe produced, such as plain decimal numbers, so parsing accepts
/// 1 to 16 lowercase letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ExecutionId(String);

impl ExecutionId {
    pub fn generate() -> ExecutionId {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            .saturating_sub(ID_EPOCH);
        let mut random = [0u8; RANDOM_DIGITS];
        if getrandom::fill(&mut random).is_err() {
            // No OS randomness: fall back to the clock's sub-second noise.
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            random = nanos.to_le_bytes();
        }
        let mut id = base36(seconds, TIME_DIGITS);
        for byte in random {
            id.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
        }
        ExecutionId(id)
    }

    pub fn parse(text: &str) -> Result<ExecutionId, String> {
        let ok = (1..=16).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if ok {
            Ok(ExecutionId(text.to_string()))
        } else {
            Err(format!(
                "execution id `{text}` is not valid: use 1 to 16 lowercase letters and digits"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ExecutionId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ExecutionId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for ExecutionId {
    fn eq(&self, other: &String) -> bool {
        self.0 == *other
    }
}

/// Tests write ids as literals (not checked: tests may want odd ones).
#[cfg(test)]
impl From<&str> for ExecutionId {
    fn from(text: &str) -> ExecutionId {
        ExecutionId(text.to_string())
    }
}

/// An id is a text with rules: everywhere a text is read, it reads as one.
impl std::ops::Deref for ExecutionId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for ExecutionId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // pad, so that `{:<12}` lines up in tables
        f.pad(&self.0)
    }
}

fn base36(mut value: u64, digits: usize) -> String {
    let mut out = vec![b'0'; digits];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value % 36) as usize];
        value /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Checks a name that ends up in container labels, Kubernetes labels and
/// environment values: execution names and user names.
///
/// Zoe itself accepts anything here; we keep to what a Kubernetes label value
/// allows (1–63 characters of letters, digits, `-`, `_`, `.`, starting and
/// ending with a letter or digit) so the same execution can run on either
/// backend.
pub fn check_label_value(what: &str, text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if text.is_empty() || text.len() > MAX_DNS_LABEL {
        return Err(format!("{what} `{text}` must be 1 to 63 characters long"));
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(format!(
            "{what} `{text}` may only contain letters, digits, `-`, `_` and `.`"
        ));
    }
    if !edge_ok(bytes.first()) || !edge_ok(bytes.last()) {
        return Err(format!(
            "{what} `{text}` must start and end with a letter or a digit"
        ));
    }
    Ok(())
}

/// Checks a deployment name: lowercase DNS label characters, at most 24 so
/// that `<instance>-<execution id>-<deployment>` stays within 63 characters.
pub fn check_deployment_name(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let ok_char = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if text.is_empty() || text.len() > 24 {
        return Err(format!(
            "deployment name `{text}` must be 1 to 24 characters long"
        ));
    }
    if !bytes.iter().all(|b| ok_char(b) || *b == b'-')
        || !bytes.first().is_some_and(ok_char)
        || !bytes.last().is_some_and(ok_char)
    {
        return Err(format!(
            "deployment name `{text}` may only contain lowercase letters, digits and inner `-`"
        ));
    }
    Ok(())
}

/// Who and what an execution is, fixed before anything is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionIdentity {
    pub id: ExecutionId,
    /// The name the user gave this run (Zoe's "execution name").
    pub name: String,
    pub owner: String,
    pub deployment: String,
    /// Owner's filesystem uid (`ZOE_UID`).
    pub fs_uid: u32,
    /// Group id for workspaces (`ZOE_GID`, Zoe's `fs-group-id`).
    pub fs_gid: u32,
}

impl ExecutionIdentity {
    /// `<instance>-<execution id>-<deployment>`: container name, hostname and
    /// DNS name of one service instance (Zoe's names, so they resolve alike).
    pub fn dns_name(&self, instance: &str) -> String {
        format!("{instance}-{}-{}", self.id, self.deployment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_ids_are_short_dns_safe_and_distinct() {
        let ids: Vec<ExecutionId> = (0..2000).map(|_| ExecutionId::generate()).collect();
        for id in &ids {
            assert_eq!(id.as_str().len(), TIME_DIGITS + RANDOM_DIGITS);
            assert!(ExecutionId::parse(id.as_str()).is_ok(), "{id}");
        }
        let distinct: HashSet<&ExecutionId> = ids.iter().collect();
        // 2000 draws from 36^4 per second: about 1.2 pairs collide on
        // average (6 or more about once in 700 runs); 15 or more (about
        // once in 10^11) would mean the random part is broken.
        assert!(
            distinct.len() >= 1985,
            "only {} distinct ids",
            distinct.len()
        );
    }

    #[test]
    fn ids_sort_by_time() {
        assert_eq!(base36(0, 6), "000000");
        assert_eq!(base36(35, 6), "00000z");
        assert_eq!(base36(36, 6), "000010");
        assert!(base36(1_000_000, 6) < base36(1_000_001, 6));
    }

    #[test]
    fn zoe_numeric_ids_parse() {
        assert!(ExecutionId::parse("42").is_ok());
        assert!(ExecutionId::parse("").is_err());
        assert!(ExecutionId::parse("AB12").is_err());
        assert!(ExecutionId::parse("a-b").is_err());
        assert!(ExecutionId::parse("0123456789abcdefg").is_err());
    }

    #[test]
    fn label_values() {
        assert!(check_label_value("name", "spark-run_1.a").is_ok());
        assert!(check_label_value("name", "").is_err());
        assert!(check_label_value("name", "-x").is_err());
        assert!(check_label_value("name", "x.").is_err());
        assert!(check_label_value("name", "has space").is_err());
        assert!(check_label_value("name", &"a".repeat(64)).is_err());
        assert!(check_label_value("name", &"a".repeat(63)).is_ok());
    }

    #[test]
    fn deployment_names() {
        assert!(check_deployment_name("prod").is_ok());
        assert!(check_deployment_name("team-a2").is_ok());
        assert!(check_deployment_name("Prod").is_err());
        assert!(check_deployment_name("-prod").is_err());
        assert!(check_deployment_name("prod_1").is_err());
        assert!(check_deployment_name(&"a".repeat(25)).is_err());
    }

    #[test]
    fn dns_names_follow_zoe() {
        let identity = ExecutionIdentity {
            id: ExecutionId::parse("42").unwrap(),
            name: "run".into(),
            owner: "alice".into(),
            deployment: "prod".into(),
            fs_uid: 1000,
            fs_gid: 5001,
        };
        assert_eq!(identity.dns_name("spark-master0"), "spark-master0-42-prod");
    }
}
