//! Container labels: Zoe's `zoe_*` ones (its tooling filters on
//! `zoe_deployment_name`), so existing Zoe tooling keeps working, plus ours,
//! so that another console on another machine can rebuild an execution
//! from the cluster alone.

use std::collections::HashMap;

use crate::model::Description;
use crate::model::Instance;

pub const EXECUTION_NAME: &str = "zoe_execution_name";
pub const EXECUTION_ID: &str = "zoe_execution_id";
pub const SERVICE_NAME: &str = "zoe_service_name";
pub const SERVICE_ID: &str = "zoe_service_id";
pub const OWNER: &str = "zoe_owner";
pub const DEPLOYMENT: &str = "zoe_deployment_name";
pub const TYPE: &str = "zoe_type";
pub const TYPE_APP_SERVICE: &str = "app_service";

/// Our own labels, namespaced so they never clash with Zoe's.
pub const ESSENTIAL: &str = "org.zoe-console.essential";
pub const GROUP: &str = "org.zoe-console.group";
pub const ENTRY: &str = "org.zoe-console.entry";
pub const MONITOR: &str = "org.zoe-console.monitor";
pub const SUBMITTED: &str = "org.zoe-console.submitted";
/// The submitted description, compact JSON.
pub const DESCRIPTION: &str = "org.zoe-console.description";
/// Parameter values used, compact JSON object.
pub const PARAMETERS: &str = "org.zoe-console.parameters";
/// The owner's uid and the group id given to the containers.
pub const UID: &str = "org.zoe-console.uid";
pub const GID: &str = "org.zoe-console.gid";
/// Reserved memory (bytes) and cores of the instance, as placed.
pub const MEMORY: &str = "org.zoe-console.memory";
pub const CORES: &str = "org.zoe-console.cores";
/// Label on networks the console created for one execution.
pub const NETWORK_OF: &str = "org.zoe-console.network-of";
/// What a cluster Service of ours is for: `dns` (headless) or `ext`
/// (exposed).
pub const SERVICE_ROLE: &str = "org.zoe-console.role";
/// HMAC of the labels above with the deployment key (`signature`).
pub const SIGNATURE: &str = "org.zoe-console.signature";
/// What every label of ours starts with.
pub const OURS_PREFIX: &str = "org.zoe-console.";

/// Whether any label is ours: containers made by a Zoe master carry only
/// Zoe's.
pub fn carries_ours(labels: &HashMap<String, String>) -> bool {
    labels.keys().any(|k| k.starts_with(OURS_PREFIX))
}

/// Largest memory reservation a label may claim: 1 PiB.
pub const MAX_MEMORY_BYTES: u64 = 1 << 50;
/// Largest core reservation a label may claim.
pub const MAX_CORES: f64 = 65_536.0;
/// Longest execution name, owner or entry a label may carry, in bytes.
pub const MAX_TEXT_BYTES: usize = 256;
/// Longest description or parameter list a label may carry, in bytes.
pub const MAX_JSON_BYTES: usize = 1 << 20;

/// A memory reservation label: whole bytes, at most [`MAX_MEMORY_BYTES`].
pub fn parse_memory(text: &str) -> Result<u64, String> {
    let value: u64 = text
        .parse()
        .map_err(|_| format!("memory `{}` is not a whole number of bytes", shorten(text)))?;
    if value > MAX_MEMORY_BYTES {
        return Err(format!("memory {value} is above {MAX_MEMORY_BYTES} bytes"));
    }
    Ok(value)
}

/// A core reservation label: a finite number from 0 to [`MAX_CORES`].
pub fn parse_cores(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("cores `{}` is not a number", shorten(text)))?;
    if !value.is_finite() || !(0.0..=MAX_CORES).contains(&value) {
        return Err(format!(
            "cores `{}` is not a number from 0 to {MAX_CORES}",
            shorten(text)
        ));
    }
    Ok(value)
}

/// At most 40 characters of a label value, for messages.
fn shorten(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

/// Whether a service container's labels can be trusted: every label the
/// engine relies on parses strictly (an id and an instance name that can
/// be a DNS name, finite bounded reservations, booleans, bounded texts and
/// JSON). A container whose labels do not is shown as foreign ("bad
/// labels") and never counted, adopted or acted on. Labels that are absent
/// (containers made by Zoe itself carry only Zoe's) are not an error.
pub fn check_labels(labels: &HashMap<String, String>) -> Result<(), String> {
    let id = labels
        .get(EXECUTION_ID)
        .ok_or_else(|| format!("no `{EXECUTION_ID}` label"))?;
    crate::model::ExecutionId::parse(id).map_err(|_| {
        format!(
            "`{EXECUTION_ID}` = `{}` is not an execution id (1 to 16 lowercase letters and digits)",
            shorten(id)
        )
    })?;
    let service = labels
        .get(SERVICE_NAME)
        .ok_or_else(|| format!("no `{SERVICE_NAME}` label"))?;
    crate::model::execution::check_label_value("service name", service)
        .map_err(|why| format!("`{SERVICE_NAME}`: {}", shorten(&why)))?;
    if let Some(v) = labels.get(MEMORY) {
        parse_memory(v).map_err(|why| format!("`{MEMORY}`: {why}"))?;
    }
    if let Some(v) = labels.get(CORES) {
        parse_cores(v).map_err(|why| format!("`{CORES}`: {why}"))?;
    }
    for key in [ESSENTIAL, MONITOR] {
        if let Some(v) = labels.get(key)
            && v != "true"
            && v != "false"
        {
            return Err(format!("`{key}` = `{}` is not true or false", shorten(v)));
        }
    }
    for key in [UID, GID] {
        if let Some(v) = labels.get(key) {
            v.parse::<u32>()
                .map_err(|_| format!("`{key}` = `{}` is not a user or group id", shorten(v)))?;
        }
    }
    if let Some(v) = labels.get(SUBMITTED) {
        v.parse::<u64>()
            .map_err(|_| format!("`{SUBMITTED}` = `{}` is not a time", shorten(v)))?;
    }
    for key in [EXECUTION_NAME, OWNER, DEPLOYMENT, ENTRY, GROUP] {
        if labels.get(key).is_some_and(|v| v.len() > MAX_TEXT_BYTES) {
            return Err(format!("`{key}` is longer than {MAX_TEXT_BYTES} bytes"));
        }
    }
    for key in [DESCRIPTION, PARAMETERS] {
        if let Some(v) = labels.get(key) {
            if v.len() > MAX_JSON_BYTES {
                return Err(format!("`{key}` is longer than {MAX_JSON_BYTES} bytes"));
            }
            if !serde_json::from_str::<serde_json::Value>(v).is_ok_and(|v| v.is_object()) {
                return Err(format!("`{key}` is not a JSON object"));
            }
        }
    }
    Ok(())
}

/// What every container of an execution shares.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionLabels<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub owner: &'a str,
    pub deployment: &'a str,
    pub entry: &'a str,
    /// Seconds since the Unix epoch.
    pub submitted: u64,
    pub description: &'a Description,
    pub parameters: &'a [(String, String)],
    pub fs_uid: u32,
    pub fs_gid: u32,
}

/// The labels of one instance's container.
pub fn container_labels(
    execution: &ExecutionLabels<'_>,
    instance: &Instance,
) -> HashMap<String, String> {
    let parameters: serde_json::Map<String, serde_json::Value> = execution
        .parameters
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let mut labels = HashMap::new();
    let mut put = |k: &str, v: String| {
        labels.insert(k.to_string(), v);
    };
    put(EXECUTION_NAME, execution.name.to_string());
    put(EXECUTION_ID, execution.id.to_string());
    put(SERVICE_NAME, instance.name.clone());
    put(SERVICE_ID, format!("{}-{}", execution.id, instance.name));
    put(OWNER, execution.owner.to_string());
    put(DEPLOYMENT, execution.deployment.to_string());
    put(TYPE, TYPE_APP_SERVICE.to_string());
    put(ESSENTIAL, instance.essential.to_string());
    put(GROUP, instance.group.clone());
    put(ENTRY, execution.entry.to_string());
    put(MONITOR, instance.monitor.to_string());
    put(UID, execution.fs_uid.to_string());
    put(GID, execution.fs_gid.to_string());
    put(MEMORY, instance.memory_bytes.to_string());
    put(CORES, instance.cores.to_string());
    put(SUBMITTED, execution.submitted.to_string());
    put(
        DESCRIPTION,
        serde_json::to_string(execution.description).unwrap_or_default(),
    );
    put(
        PARAMETERS,
        serde_json::Value::Object(parameters).to_string(),
    );
    labels
}

/// An execution as rebuilt from one of its containers' labels.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledExecution {
    pub id: crate::model::ExecutionId,
    pub name: String,
    pub owner: String,
    pub deployment: String,
    /// Empty for containers created by Zoe itself.
    pub entry: String,
    pub submitted: Option<u64>,
    /// The description, when the container carries ours.
    pub description: Option<serde_json::Value>,
    pub parameters: Vec<(String, String)>,
    pub fs_uid: Option<u32>,
    pub fs_gid: Option<u32>,
}

/// Reads the execution part of a container's labels; `None` if it is not a
/// service container of a console (one made by a Zoe master carries none
/// of our labels: it is foreign), or its labels cannot be trusted
/// ([`check_labels`]). Whether they are signed is the backend's to say
/// before a container is listed as a service at all.
pub fn execution_from_labels(labels: &HashMap<String, String>) -> Option<LabelledExecution> {
    if labels.get(TYPE).map(String::as_str) != Some(TYPE_APP_SERVICE)
        || !carries_ours(labels)
        || check_labels(labels).is_err()
    {
        return None;
    }
    let get = |k: &str| labels.get(k).cloned();
    let parameters = get(PARAMETERS)
        .and_then(|text| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text).ok()
        })
        .map(|map| {
            map.into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Some(LabelledExecution {
        id: crate::model::ExecutionId::parse(&get(EXECUTION_ID)?).ok()?,
        name: get(EXECUTION_NAME).unwrap_or_default(),
        owner: get(OWNER).unwrap_or_default(),
        deployment: get(DEPLOYMENT)?,
        entry: get(ENTRY).unwrap_or_default(),
        submitted: get(SUBMITTED).and_then(|s| s.parse().ok()),
        description: get(DESCRIPTION).and_then(|text| serde_json::from_str(&text).ok()),
        parameters,
        fs_uid: get(UID).and_then(|v| v.parse().ok()),
        fs_gid: get(GID).and_then(|v| v.parse().ok()),
    })
}

/// The Docker filter that selects this deployment's service containers.
pub fn deployment_filter(deployment: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![
            format!("{DEPLOYMENT}={deployment}"),
            format!("{TYPE}={TYPE_APP_SERVICE}"),
        ],
    )])
}

/// ... and the containers of one execution.
pub fn execution_filter(deployment: &str, execution_id: &str) -> HashMap<String, Vec<String>> {
    let mut filter = deployment_filter(deployment);
    if let Some(list) = filter.get_mut("label") {
        list.push(format!("{EXECUTION_ID}={execution_id}"));
    }
    filter
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{ExecutionId, ExecutionIdentity};
    use crate::shop::expand::expand;
    use crate::shop::validate::{Limits, validate_value};

    /// The one-master description `demo`, expanded for execution `abc123`
    /// (`run`, of alice, in `prod`): what label tests label.
    pub(crate) fn demo() -> (crate::model::Description, Vec<Instance>) {
        let doc = serde_json::json!({"name": "demo", "version": 3, "will_end": false, "size": 1, "services": [
            {"name": "master", "image": "i:1", "monitor": true, "startup_order": 0, "total_count": 1, "essential_count": 1,
             "resources": {"memory": {"min": null, "max": null}, "cores": {"min": null, "max": null}},
             "ports": [], "environment": [], "volumes": [], "command": null}]});
        let description = validate_value(&doc, &Limits::default())
            .unwrap()
            .description;
        let identity = ExecutionIdentity {
            id: ExecutionId::parse("abc123").unwrap(),
            name: "run".into(),
            owner: "alice".into(),
            deployment: "prod".into(),
            fs_uid: 1,
            fs_gid: 2,
        };
        let instances = expand(&description, &identity).unwrap();
        (description, instances)
    }

    /// The execution labels of [`demo`]'s execution, of `description`.
    pub(crate) fn demo_execution(description: &crate::model::Description) -> ExecutionLabels<'_> {
        ExecutionLabels {
            id: "abc123",
            name: "run",
            owner: "alice",
            deployment: "prod",
            entry: "demo-0",
            submitted: 1,
            description,
            parameters: &[],
            fs_uid: 1,
            fs_gid: 2,
        }
    }

    #[test]
    fn labels_round_trip_and_follow_zoe() {
        let (description, instances) = demo();
        let params = vec![("worker-service_count".to_string(), "3".to_string())];
        let ex = ExecutionLabels {
            id: "abc123",
            name: "run",
            owner: "alice",
            deployment: "prod",
            entry: "demo-0",
            submitted: 1700000000,
            description: &description,
            parameters: &params,
            fs_uid: 1,
            fs_gid: 2,
        };
        let labels = container_labels(&ex, &instances[0]);
        assert_eq!(labels[EXECUTION_ID], "abc123");
        assert_eq!(labels[SERVICE_NAME], "master0");
        assert_eq!(labels[TYPE], "app_service");
        assert_eq!(labels[DEPLOYMENT], "prod");
        let back = execution_from_labels(&labels).unwrap();
        assert_eq!(back.id, "abc123");
        assert_eq!(back.entry, "demo-0");
        assert_eq!(back.submitted, Some(1700000000));
        assert_eq!(back.parameters, params);
        let rebuilt = validate_value(&back.description.unwrap(), &Limits::default())
            .unwrap()
            .description;
        assert_eq!(rebuilt, description);
    }

    /// The labels a Zoe master gives `master0` of its execution 42 in
    /// `prod`: Zoe's own, none of ours.
    pub(crate) fn zoe_master_labels() -> HashMap<String, String> {
        [
            (TYPE, "app_service"),
            (EXECUTION_ID, "42"),
            (SERVICE_NAME, "master0"),
            (DEPLOYMENT, "prod"),
            (OWNER, "bob"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn zoe_master_containers_are_not_adopted() {
        let labels = zoe_master_labels();
        // Zoe's labels parse, but only a console's containers are adopted
        assert_eq!(check_labels(&labels), Ok(()));
        assert!(!carries_ours(&labels));
        assert!(execution_from_labels(&labels).is_none());
        assert!(execution_from_labels(&HashMap::new()).is_none());
    }

    fn good() -> HashMap<String, String> {
        [
            (TYPE, "app_service"),
            (EXECUTION_ID, "abc123"),
            (SERVICE_NAME, "worker0"),
            (DEPLOYMENT, "prod"),
            (OWNER, "bob"),
            (MEMORY, "1073741824"),
            (CORES, "0.5"),
            (ESSENTIAL, "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn label_values_are_parsed_strictly() {
        assert_eq!(check_labels(&good()), Ok(()));
        let long_id = "a".repeat(10_000);
        let huge = u64::MAX.to_string();
        let bad: Vec<(&str, &str)> = vec![
            (MEMORY, &huge),
            (MEMORY, "-1"),
            (MEMORY, "1e9"),
            (MEMORY, "1125899906842625"),
            (CORES, "NaN"),
            (CORES, "inf"),
            (CORES, "-inf"),
            (CORES, "-8"),
            (CORES, "1e300"),
            (CORES, ""),
            (EXECUTION_ID, &long_id),
            (EXECUTION_ID, "ABC"),
            (EXECUTION_ID, "a\u{1b}[2J"),
            (SERVICE_NAME, "w\u{1b}]0;x\u{7}"),
            (SERVICE_NAME, &long_id),
            (ESSENTIAL, "yes"),
            (UID, "-1"),
            (EXECUTION_NAME, &long_id),
            (DESCRIPTION, "{not json"),
            (PARAMETERS, "[1]"),
        ];
        for (key, value) in bad {
            let mut labels = good();
            labels.insert(key.to_string(), value.to_string());
            let why = check_labels(&labels).expect_err(key);
            assert!(why.chars().count() < 200, "{why}");
            assert!(execution_from_labels(&labels).is_none(), "{key}={value}");
        }
        let mut labels = good();
        labels.remove(EXECUTION_ID);
        assert!(check_labels(&labels).is_err());
        assert_eq!(parse_memory("0"), Ok(0));
        assert_eq!(parse_cores("8"), Ok(8.0));
        // display text is not judged, only bounded: it is shown escaped
        let mut labels = good();
        labels.insert(EXECUTION_NAME.into(), "\u{1b}]0;pwned\u{7}".into());
        assert_eq!(check_labels(&labels), Ok(()));
    }
}
