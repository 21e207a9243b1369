//! The shapes of `-o json`, typed all the way down: every verb answers
//! with serde structs of its own (the README's "JSON output" documents
//! them), never with JSON inside a string, never `null` for a list, ports
//! as objects, cores rounded to the millicore they were asked in (`1.0`,
//! not `0.9999999999999999`), memory as integer bytes.
//!
//! The model's own `Serialize` stays as it is (the state cache and the
//! labels keep some of those types): these shapes are made from it here,
//! at the edge, so the answer a script reads changes only on purpose.
//!
//! One file per family: `executions` (ps, inspect), `nodes`, `shop`
//! (list), `actions` (start, kill, supervise). `shop show`, `shop render`,
//! `shop check`, `config` and `ps --foreign` write model types that are
//! typed already (a description in Zoe's own format, an instance…).

pub mod actions;
pub mod executions;
pub mod nodes;
pub mod shop;
pub mod whoami;

use serde::{Serialize, Serializer};

/// Cores as asked: rounded to the millicore (three decimals), `-0` as `0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cores(pub f64);

impl Cores {
    /// The value written: the nearest millicore.
    pub fn rounded(self) -> f64 {
        let rounded = (self.0 * 1000.0).round() / 1000.0;
        if rounded == 0.0 { 0.0 } else { rounded }
    }
}

impl Serialize for Cores {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.rounded())
    }
}

/// Optional cores, rounded the same way.
pub fn cores(value: Option<f64>) -> Option<Cores> {
    value.map(Cores)
}

/// A published port: the container's port and protocol, the port it is
/// published on (a Docker host's port, a Kubernetes node port) and the
/// address users reach it at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Port {
    /// The container's port; `null` when the engine named it oddly.
    pub port: Option<u16>,
    pub protocol: String,
    pub published: u16,
    /// `<external address>:<published>`.
    pub address: String,
}

/// The ports of a workload as the engine lists them (`"8080/tcp"` →
/// published port), with the external address of its host.
pub fn ports(published: &[(String, u16)], external: &str) -> Vec<Port> {
    published
        .iter()
        .map(|(key, host_port)| {
            let (port, protocol) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
            Port {
                port: port.parse().ok(),
                protocol: protocol.to_ascii_lowercase(),
                published: *host_port,
                address: format!("{external}:{host_port}"),
            }
        })
        .collect()
}

/// Pairs as a JSON object, in their order (parameters, restarts).
pub fn object<V: Clone + Into<serde_json::Value>>(
    pairs: &[(String, V)],
) -> serde_json::Map<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_are_written_as_asked() {
        let text = |c: f64| serde_json::to_string(&Cores(c)).unwrap();
        assert_eq!(text(0.9999999999999999), "1.0");
        assert_eq!(text(0.1 + 0.2), "0.3");
        assert_eq!(text(0.1 * 6.0), "0.6");
        assert_eq!(text(-0.0), "0.0");
        assert_eq!(text(-0.0000001), "0.0");
        assert_eq!(text(2.5), "2.5");
        assert_eq!(text(0.0074), "0.007");
        assert_eq!(serde_json::to_string(&cores(None)).unwrap(), "null");
    }

    #[test]
    fn ports_are_objects_with_their_address() {
        let list = ports(
            &[("8080/tcp".into(), 32768), ("53/UDP".into(), 30053)],
            "10.0.0.5",
        );
        assert_eq!(
            serde_json::to_value(&list).unwrap(),
            serde_json::json!([
                {"port": 8080, "protocol": "tcp", "published": 32768, "address": "10.0.0.5:32768"},
                {"port": 53, "protocol": "udp", "published": 30053, "address": "10.0.0.5:30053"},
            ])
        );
        // an odd name is kept as far as it reads
        assert_eq!(ports(&[("x".into(), 1)], "h")[0].port, None);
    }

    #[test]
    fn pairs_become_an_object_in_order() {
        let map = object(&[("b".to_string(), 2u32), ("a".to_string(), 1u32)]);
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"b":2,"a":1}"#);
    }
}
