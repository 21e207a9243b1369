//! The settings' clusters: `[[kubernetes]]` entries, and Zoe's
//! `kube_config_file` / `kube_namespace` pair. Each value is checked as it
//! is read (so an error names the file, line and column, what is wrong
//! and what is allowed); how the entries go together (unique names, no
//! `/` in a name) is checked by `check_names` once all keys are read.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

use super::kube::{
    DEFAULT_UNSCHEDULABLE_TIMEOUT_SECS, Expose, KubePlacement, KubeTarget, Toleration,
    VolumeMapping, VolumeSource,
};
use super::settings::{ConfigError, Settings};

/// The name of the cluster target made from Zoe's `kube_config_file`, and
/// of an entry with neither `name` nor `context`.
pub const DEFAULT_CLUSTER_NAME: &str = "kubernetes";

/// A cluster in the settings file (`[[kubernetes]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubeSetting {
    /// Default: the context's name, else "kubernetes".
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "target_name"
    )]
    pub name: Option<String>,
    /// A kubeconfig path or a list of them (merged as kubectl merges
    /// `$KUBECONFIG`). Default: `$KUBECONFIG`, else `~/.kube/config`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many_paths"
    )]
    pub kubeconfig: Vec<PathBuf>,
    /// Default: the kubeconfig's current-context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Default: the context's namespace, else `default`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "namespace"
    )]
    pub namespace: Option<String>,
    #[serde(default)]
    pub expose: ExposeSetting,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<TolerationSetting>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<VolumeSetting>,
    #[serde(default)]
    pub placement: PlacementSetting,
    #[serde(
        default = "default_timeout",
        deserialize_with = "unschedulable_timeout"
    )]
    pub unschedulable_timeout_secs: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_address: Option<String>,
}

fn default_timeout() -> u32 {
    DEFAULT_UNSCHEDULABLE_TIMEOUT_SECS
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExposeSetting {
    #[default]
    Nodeport,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlacementSetting {
    #[default]
    Scheduler,
    Pinned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Operator {
    #[default]
    Equal,
    Exists,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

/// A toleration every pod of the cluster carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RawToleration")]
pub struct TolerationSetting {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub operator: Operator,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToleration {
    key: Option<String>,
    #[serde(default)]
    operator: Operator,
    value: Option<String>,
    effect: Option<Effect>,
}

impl TryFrom<RawToleration> for TolerationSetting {
    type Error = String;

    fn try_from(raw: RawToleration) -> Result<Self, String> {
        let key = raw.key.filter(|k| !k.is_empty());
        match raw.operator {
            Operator::Exists if raw.value.as_deref().is_some_and(|v| !v.is_empty()) => {
                return Err(
                    "a toleration with operator = \"Exists\" takes no `value` (it matches any value)"
                        .into(),
                );
            }
            Operator::Equal if key.is_none() => {
                return Err(
                    "a toleration without `key` must have operator = \"Exists\" (it then tolerates every taint)"
                        .into(),
                );
            }
            _ => {}
        }
        Ok(TolerationSetting {
            key,
            operator: raw.operator,
            value: raw.value,
            effect: raw.effect,
        })
    }
}

/// A host path served from shared storage: `{ host_path, nfs =
/// "server:/export" }` or `{ host_path, pvc = "claim" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RawVolume")]
pub struct VolumeSetting {
    pub host_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nfs: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pvc: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVolume {
    host_path: String,
    nfs: Option<String>,
    pvc: Option<String>,
}

impl TryFrom<RawVolume> for VolumeSetting {
    type Error = String;

    fn try_from(raw: RawVolume) -> Result<Self, String> {
        if !raw.host_path.starts_with('/') {
            return Err(format!(
                "volumes: host_path `{}` must be an absolute path (e.g. \"/mnt/data\")",
                raw.host_path
            ));
        }
        match (&raw.nfs, &raw.pvc) {
            (Some(nfs), None) => {
                nfs_parts(nfs)?;
            }
            (None, Some(pvc)) if !pvc.is_empty() => {}
            _ => {
                return Err(format!(
                    "volumes: host_path `{}` needs exactly one of nfs = \"server:/export\" or pvc = \"claim\"",
                    raw.host_path
                ));
            }
        }
        Ok(VolumeSetting {
            host_path: raw.host_path,
            nfs: raw.nfs,
            pvc: raw.pvc,
        })
    }
}

/// `server:/export` split.
fn nfs_parts(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((server, path)) if !server.is_empty() && path.starts_with('/') => {
            Ok((server.to_string(), path.to_string()))
        }
        _ => Err(format!(
            "volumes: nfs = \"{text}\" is not server:/export (e.g. \"nas.lan:/export/data\")"
        )),
    }
}

fn target_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let name = String::deserialize(d)?;
    check_target_name(&name).map_err(D::Error::custom)?;
    Ok(Some(name))
}

/// A target's name: not empty, no `/` (node names are `<target>/<node>`),
/// no white space or control characters.
pub fn check_target_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a target name must not be empty".into());
    }
    if name.contains('/') || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "target name `{name}` must not contain `/` or spaces (nodes are named <target>/<node>)"
        ));
    }
    Ok(())
}

fn namespace<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let ns = String::deserialize(d)?;
    check_namespace(&ns).map_err(D::Error::custom)?;
    Ok(Some(ns))
}

/// A Kubernetes namespace name (RFC 1123 label).
pub fn check_namespace(ns: &str) -> Result<(), String> {
    let ok = !ns.is_empty()
        && ns.len() <= 63
        && ns
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !ns.starts_with('-')
        && !ns.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "namespace `{ns}` is not a namespace name (lowercase letters, digits and `-`, at most 63, starting and ending with a letter or digit)"
        ))
    }
}

/// Zoe's `kube_namespace`.
pub(super) fn kube_namespace<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    check_namespace(&text).map_err(|why| D::Error::custom(format!("kube_namespace: {why}")))?;
    Ok(Some(text))
}

fn one_or_many_paths<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Paths {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    match Paths::deserialize(d) {
        Ok(Paths::One(p)) => Ok(vec![p]),
        Ok(Paths::Many(list)) => Ok(list),
        Err(_) => Err(D::Error::custom(
            "kubeconfig: must be a path or a list of paths (e.g. \"~/.kube/config\")",
        )),
    }
}

fn unschedulable_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let value = i64::deserialize(d)?;
    match u32::try_from(value) {
        Ok(fits) if (1..=3600).contains(&value) => Ok(fits),
        _ => Err(D::Error::custom(format!(
            "unschedulable_timeout_secs: must be between 1 and 3600 seconds, found {value}"
        ))),
    }
}

impl KubeSetting {
    /// The target's name: `name`, else the context's, else "kubernetes".
    pub fn target_name(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.context.clone())
            .unwrap_or_else(|| DEFAULT_CLUSTER_NAME.to_string())
    }

    pub fn target(&self) -> KubeTarget {
        let mut t = KubeTarget::new(&self.target_name());
        t.kubeconfig = self.kubeconfig.clone();
        t.context = self.context.clone();
        t.namespace = self.namespace.clone();
        t.expose = match self.expose {
            ExposeSetting::Nodeport => Expose::NodePort,
            ExposeSetting::None => Expose::None,
        };
        t.tolerations = self
            .tolerations
            .iter()
            .map(|s| Toleration {
                key: s.key.clone(),
                operator: format!("{:?}", s.operator),
                value: s.value.clone(),
                effect: s.effect.map(|e| format!("{e:?}")),
            })
            .collect();
        t.image_pull_secrets = self.image_pull_secrets.clone();
        t.image_pull_policy = self.image_pull_policy.map(|p| format!("{p:?}"));
        t.volumes = self
            .volumes
            .iter()
            .filter_map(|v| {
                let source = match (&v.nfs, &v.pvc) {
                    (Some(nfs), _) => {
                        let (server, path) = nfs_parts(nfs).ok()?;
                        VolumeSource::Nfs { server, path }
                    }
                    (None, Some(claim)) => VolumeSource::Pvc {
                        claim: claim.clone(),
                    },
                    (None, None) => return None,
                };
                Some(VolumeMapping {
                    host_path: v.host_path.clone(),
                    source,
                })
            })
            .collect();
        t.placement = match self.placement {
            PlacementSetting::Scheduler => KubePlacement::Scheduler,
            PlacementSetting::Pinned => KubePlacement::Pinned,
        };
        t.unschedulable_timeout_secs = self.unschedulable_timeout_secs;
        t.external_address = self.external_address.clone();
        t
    }
}

/// The settings' clusters as targets: Zoe's `kube_config_file` (its
/// current context, namespace `kube_namespace` else Zoe's `default`), then
/// every `[[kubernetes]]` entry.
pub fn kube_targets(settings: &Settings) -> Vec<KubeTarget> {
    let mut targets = Vec::new();
    if let Some(file) = &settings.kube_config_file {
        let mut t = KubeTarget::new(DEFAULT_CLUSTER_NAME);
        t.kubeconfig = vec![file.clone()];
        t.namespace = Some(
            settings
                .kube_namespace
                .clone()
                .unwrap_or_else(|| "default".to_string()),
        );
        targets.push(t);
    }
    targets.extend(settings.kubernetes.iter().map(KubeSetting::target));
    targets
}

/// How the clusters go together: unique names among all targets (the
/// `[[hosts]]` too), `kube_namespace` only with `kube_config_file`.
pub fn check_names(settings: &Settings, text: &str, file: &Path) -> Result<(), ConfigError> {
    let invalid = |line: Option<usize>, message: String| ConfigError::Invalid {
        file: file.to_path_buf(),
        line,
        column: line.map(|_| 1),
        message,
    };
    if settings.kube_namespace.is_some() && settings.kube_config_file.is_none() {
        return Err(invalid(
            line_of(text, "kube_namespace"),
            "kube_namespace: goes with kube_config_file (Zoe's pair); for a [[kubernetes]] entry set its `namespace`".into(),
        ));
    }
    let mut seen: Vec<String> = settings.hosts.iter().map(|h| h.name.clone()).collect();
    for target in kube_targets(settings) {
        check_target_name(&target.name)
            .map_err(|why| invalid(line_of_value(text, &target.name), why))?;
        if seen.contains(&target.name) {
            return Err(invalid(
                line_of_value(text, &target.name),
                format!(
                    "[[kubernetes]]: a target named `{}` is already defined; names must be unique among [[hosts]], [[kubernetes]] and kube_config_file (\"{DEFAULT_CLUSTER_NAME}\"): set `name`",
                    target.name
                ),
            ));
        }
        seen.push(target.name);
    }
    Ok(())
}

/// The line setting `key`, 1-based.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// The last line holding `"value"`, 1-based.
fn line_of_value(text: &str, value: &str) -> Option<usize> {
    let quoted = format!("\"{value}\"");
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&quoted))
        .map(|(i, _)| i + 1)
        .last()
}
