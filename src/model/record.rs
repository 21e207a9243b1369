//! One execution as the local state cache remembers it.

use super::{ExecutionId, ExecutionStatus};

/// One execution as the cache remembers it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExecutionRecord {
    pub id: ExecutionId,
    pub name: String,
    pub entry: String,
    pub owner: String,
    pub deployment: String,
    /// The submitted description, JSON.
    pub description: Option<String>,
    /// Parameter values used: (field name, value); a JSON object in JSON.
    #[serde(serialize_with = "as_object")]
    pub parameters: Vec<(String, String)>,
    pub status: ExecutionStatus,
    pub reason: Option<String>,
    pub submitted: u64,
    pub started: Option<u64>,
    pub ended: Option<u64>,
    pub hosts: Vec<String>,
    /// Where users reach its published ports.
    pub endpoints: Vec<Endpoint>,
    /// `<machine>:<pid>` of the console that launched it.
    pub launcher: String,
    /// Restarts per instance (dead elastic services placed again).
    pub restarts: Vec<(String, u32)>,
}

fn as_object<S: serde::Serializer>(
    parameters: &[(String, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(parameters.len()))?;
    for (k, v) in parameters {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// A user-visible address of a published port.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Endpoint {
    pub instance: String,
    pub name: String,
    pub url: String,
}

/// Parameter values as the cache and the labels keep them: a JSON object.
pub fn parameters_to_json(parameters: &[(String, String)]) -> String {
    serde_json::Value::Object(
        parameters
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
    .to_string()
}

/// ... and back; what is not an object of texts is no parameters (a value
/// that is not a text is kept as its JSON).
pub fn parameters_from_json(text: &str) -> Vec<(String, String)> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                (k, v)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Endpoints as the cache keeps them: a JSON array; unreadable is none.
pub fn endpoints_from_json(text: &str) -> Vec<Endpoint> {
    serde_json::from_str(text).unwrap_or_default()
}

pub fn endpoints_to_json(endpoints: &[Endpoint]) -> String {
    serde_json::to_string(endpoints).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_endpoints_round_trip_and_bad_json_is_empty() {
        let params = vec![("worker-service_count".to_string(), "3".to_string())];
        assert_eq!(parameters_from_json(&parameters_to_json(&params)), params);
        assert_eq!(
            parameters_from_json("{\"n\": 4.0}"),
            vec![("n".into(), "4.0".into())]
        );
        assert!(parameters_from_json("[1]").is_empty());
        let endpoints = vec![Endpoint {
            instance: "master0".into(),
            name: "page".into(),
            url: "http://127.0.0.1:1/".into(),
        }];
        assert_eq!(
            endpoints_from_json(&endpoints_to_json(&endpoints)),
            endpoints
        );
        assert!(endpoints_from_json("garbage").is_empty());
    }
}
