//! The TOML settings file. Every key is optional; unknown keys and bad
//! values are errors that name the key, the file, the line and the column.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

use super::paths::{EnvLookup, Paths};
use crate::model::Limits;
use crate::model::OverrideLimits;
use crate::model::execution::{check_deployment_name, check_label_value};
use crate::model::subnet::{Ipv4Subnet, SubnetPool};
use crate::model::text::line_col;
use crate::model::{GIB, PlacementPolicy};

/// `network_pool`'s default: 10.213.0.0/16, outside Docker's own default
/// address pools (172.17–31.x, 192.168.x), so the daemon's networks and
/// ours do not compete for the same addresses.
pub const DEFAULT_NETWORK_POOL: Ipv4Subnet = Ipv4Subnet::DEFAULT_POOL;
/// `network_prefix`'s default: /25, i.e. 512 execution networks per host
/// of 125 containers each (a /24 would give 256 of 253: too few
/// executions for 250 at once with any headroom).
pub const DEFAULT_NETWORK_PREFIX: u8 = 25;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Namespaces container names, labels and paths (Zoe's `deployment-name`).
    #[serde(deserialize_with = "deployment_name")]
    pub deployment_name: String,
    /// Owner of executions; default: the login name (`$USER`).
    #[serde(
        deserialize_with = "user_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub user: Option<String>,
    /// Numeric uid given to containers as `ZOE_UID`; default: our own uid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fs_uid: Option<u32>,
    /// `ZOE_GID` (Zoe's `fs-group-id`).
    pub fs_gid: u32,
    /// The ZApp shop directory; relative paths start at this file's folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shop: Option<PathBuf>,
    /// Memory cap per service in GiB (Zoe's `max-memory-limit`).
    #[serde(deserialize_with = "positive")]
    pub max_memory_gib: f64,
    /// Cores cap per service (Zoe's `max-core-limit`).
    #[serde(deserialize_with = "positive")]
    pub max_cores: f64,
    pub placement_policy: PlacementPolicy,
    /// Order of executions waiting for room: "fifo" or "size" (smaller first).
    pub scheduler_policy: crate::model::QueueOrder,
    /// Lines kept per log stream.
    #[serde(deserialize_with = "buffer_lines")]
    pub log_buffer_lines: usize,
    #[serde(deserialize_with = "theme_name")]
    pub theme: String,
    /// Zoe's `docker.conf` listing the Docker hosts; relative paths start at
    /// this file's folder. Default: `$DOCKER_HOST`, else the local socket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_config: Option<PathBuf>,
    /// A network shared by all hosts (overlay/swarm) to attach every service
    /// to. Default: a bridge network per execution, which keeps all services
    /// of an execution on one host so they can reach each other by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// The addresses the per-execution networks get their subnets from
    /// (IPv4 CIDR); each execution network on a host takes one free
    /// `/network_prefix` of it. Not used with `network`.
    #[serde(deserialize_with = "network_pool")]
    pub network_pool: Ipv4Subnet,
    /// The prefix length of each execution network's subnet: between the
    /// pool's prefix and 29.
    #[serde(deserialize_with = "prefix_length")]
    pub network_prefix: u8,
    /// The deployment key every console of this deployment shares (labels
    /// are signed with it); relative paths start at this file's folder.
    /// Default: `deployment.key` in the config folder, made on first use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_key_file: Option<PathBuf>,
    /// Seconds a service gets to stop before it is killed.
    pub stop_grace_secs: u32,
    /// Seconds a host may take to answer a look before it is shown offline
    /// (and left out of that look: placement, cleanups).
    #[serde(deserialize_with = "host_timeout")]
    pub host_timeout_secs: u32,
    /// Milliseconds an answer (`zoe ps`, `zoe nodes`, the terminal UI)
    /// waits for the slower hosts once one host has answered (and at least
    /// as long again as that host took): a host slower than that is shown
    /// as not answering and fills in when it does. What places or removes
    /// containers always waits for every host (up to `host_timeout_secs`).
    #[serde(deserialize_with = "host_patience")]
    pub host_patience_ms: u32,
    /// Docker hosts listed here, in addition to `docker_config`'s.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<HostSetting>,
    /// Kubernetes clusters (`[[kubernetes]]`), beside the Docker hosts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kubernetes: Vec<super::kube_settings::KubeSetting>,
    /// Zoe's `kube-config-file`: a kubeconfig whose current context is one
    /// cluster target (named "kubernetes").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kube_config_file: Option<PathBuf>,
    /// Zoe's `kube-namespace`, for `kube_config_file` (default `default`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::kube_settings::kube_namespace"
    )]
    pub kube_namespace: Option<String>,
    /// Terminal UI: use the mouse (wheel scrolls); off keeps the terminal's
    /// own selection and copy.
    pub mouse: bool,
    /// Refuse everything that changes the cluster (launch, terminate,
    /// supervise, relaunch), in both fronts; `--readonly` does the same.
    pub readonly: bool,
    /// The older `[quota]`: the `default` quota (Zoe's limits; 0 =
    /// unlimited), which every user without one of their own gets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaSetting>,
    /// How users sign in: "os" (default), "csv" or "ldap".
    pub auth: super::access_settings::AuthKind,
    /// The account a shared deployment runs the console as through sudo:
    /// `SUDO_USER` is believed only when we run as it (or as root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// The role of users without one (default: `user` in a shared
    /// deployment, `admin` in a personal one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_role: Option<String>,
    /// The quota of users without one (default: `default` in a shared
    /// deployment, `unlimited` in a personal one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_quota: Option<String>,
    /// `[csv]`: Zoe's password file (`auth = "csv"`).
    pub csv: super::access_settings::CsvSetting,
    /// `[ldap]`: the directory (`auth = "ldap"`).
    pub ldap: super::access_settings::LdapSetting,
    /// `[roles.NAME]`: custom roles.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub roles: super::access_settings::Named<super::access_settings::RoleSetting>,
    /// `[quotas.NAME]`: named quotas.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub quotas: super::access_settings::Named<QuotaSetting>,
    /// `[users.NAME]`: a user's role and quota.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub users: super::access_settings::Named<super::access_settings::UserSetting>,
    /// Terminal UI key bindings: command name → keys (replacing its
    /// defaults). A view's commands are named `view.command`, written either
    /// `"executions.terminate" = [...]` or as a table `[keys.executions]`.
    #[serde(
        skip_serializing_if = "std::collections::BTreeMap::is_empty",
        deserialize_with = "key_bindings"
    )]
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
}

/// `[keys]`: `command = [keys]`, and `view.command = [keys]` either quoted
/// or as a `[keys.view]` table (TOML reads an unquoted dotted key as one).
fn key_bindings<'de, D>(
    deserializer: D,
) -> Result<std::collections::BTreeMap<String, Vec<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Binding {
        Keys(Vec<String>),
        View(std::collections::BTreeMap<String, Vec<String>>),
    }
    let raw = std::collections::BTreeMap::<String, Binding>::deserialize(deserializer)
        .map_err(|_| {
            serde::de::Error::custom(
                "[keys] takes `command = [\"key\", …]` or, for a view's command, `view.command = [\"key\", …]` (e.g. `executions.terminate = [\"x\"]`)",
            )
        })?;
    let mut keys = std::collections::BTreeMap::new();
    for (name, binding) in raw {
        match binding {
            Binding::Keys(list) => {
                keys.insert(name, list);
            }
            Binding::View(commands) => {
                for (command, list) in commands {
                    keys.insert(format!("{name}.{command}"), list);
                }
            }
        }
    }
    Ok(keys)
}

pub use super::access_settings::QuotaSetting;

/// A Docker host in the settings file (`[[hosts]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSetting {
    pub name: String,
    /// `unix:///path`, `tcp://host:port` or `host:port`.
    pub address: String,
    /// Where users reach published ports; default: the address's host
    /// (127.0.0.1 for a unix socket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_address: Option<String>,
    /// Client certificate, key and CA: all three turn TLS on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ca: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            deployment_name: "prod".into(),
            user: None,
            fs_uid: None,
            fs_gid: 5001,
            shop: None,
            max_memory_gib: 64.0,
            max_cores: 16.0,
            placement_policy: PlacementPolicy::Average,
            scheduler_policy: crate::model::QueueOrder::Fifo,
            log_buffer_lines: 10_000,
            theme: "default".into(),
            docker_config: None,
            network: None,
            network_pool: DEFAULT_NETWORK_POOL,
            network_prefix: DEFAULT_NETWORK_PREFIX,
            deployment_key_file: None,
            stop_grace_secs: 10,
            host_timeout_secs: 20,
            host_patience_ms: 300,
            hosts: Vec::new(),
            kubernetes: Vec::new(),
            kube_config_file: None,
            kube_namespace: None,
            mouse: true,
            keys: std::collections::BTreeMap::new(),
            readonly: false,
            quota: None,
            auth: super::access_settings::AuthKind::Os,
            service_account: None,
            default_role: None,
            default_quota: None,
            csv: super::access_settings::CsvSetting::default(),
            ldap: super::access_settings::LdapSetting::default(),
            roles: std::collections::BTreeMap::new(),
            quotas: std::collections::BTreeMap::new(),
            users: std::collections::BTreeMap::new(),
        }
    }
}

impl Settings {
    pub fn limits(&self) -> Limits {
        Limits {
            max_memory_bytes: (self.max_memory_gib * GIB as f64).floor() as u64,
            max_cores: self.max_cores,
        }
    }

    pub fn override_limits(&self) -> OverrideLimits {
        OverrideLimits {
            max_memory_gib: self.max_memory_gib,
            max_cores: self.max_cores,
        }
    }

    /// Where execution networks get their subnets.
    pub fn subnet_pool(&self) -> Result<SubnetPool, String> {
        SubnetPool::new(self.network_pool, self.network_prefix)
    }

    pub fn parse(text: &str, file: &Path) -> Result<Settings, ConfigError> {
        let settings: Settings = Settings::parse_keys(text, file)?;
        // the keys one by one were fine: now how they go together
        super::kube_settings::check_names(&settings, text, file)?;
        super::access_settings::check_references(&settings).map_err(|message| {
            let key = message.split(':').next().unwrap_or_default();
            let first = key.split('.').take(2).collect::<Vec<_>>().join(".");
            let line = text
                .lines()
                .position(|l| l.contains(&first) || l.trim_start().starts_with(key))
                .map(|i| i + 1);
            ConfigError::Invalid {
                file: file.to_path_buf(),
                line,
                column: line.map(|_| 1),
                message,
            }
        })?;
        if let Err(why) = settings.subnet_pool() {
            let key = if why.starts_with("network_prefix") {
                "network_prefix"
            } else {
                "network_pool"
            };
            let line = text
                .lines()
                .position(|l| {
                    l.trim_start()
                        .strip_prefix(key)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                })
                .map(|i| i + 1);
            return Err(ConfigError::Invalid {
                file: file.to_path_buf(),
                line,
                column: line.map(|_| 1),
                message: format!(
                    "{why}; e.g. network_pool = \"10.213.0.0/16\" with network_prefix = 25 gives 512 execution networks per host of 125 containers each"
                ),
            });
        }
        Ok(settings)
    }

    fn parse_keys(text: &str, file: &Path) -> Result<Settings, ConfigError> {
        toml::from_str(text).map_err(|err| {
            let (line, column) = err.span().map_or((None, None), |span| {
                let (l, c) = line_col(text, span.start);
                (Some(l), Some(c))
            });
            ConfigError::Invalid {
                file: file.to_path_buf(),
                line,
                column,
                message: err.message().trim().to_string(),
            }
        })
    }
}

fn deployment_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    check_deployment_name(&text).map_err(D::Error::custom)?;
    Ok(text)
}

fn user_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    check_label_value("user", &text).map_err(D::Error::custom)?;
    Ok(Some(text))
}

fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    if value.is_finite() && value > 0.0 && value <= 1e6 {
        Ok(value)
    } else {
        Err(D::Error::custom(format!(
            "must be a number greater than 0, found {value}"
        )))
    }
}

fn network_pool<'de, D: Deserializer<'de>>(d: D) -> Result<Ipv4Subnet, D::Error> {
    let text = String::deserialize(d).map_err(|_| {
        D::Error::custom("network_pool: must be an IPv4 subnet such as \"10.213.0.0/16\"")
    })?;
    Ipv4Subnet::parse(&text).map_err(|why| D::Error::custom(format!("network_pool: {why}")))
}

fn prefix_length<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let value = i64::deserialize(d)?;
    u8::try_from(value)
        .ok()
        .filter(|v| *v <= 32)
        .ok_or_else(|| {
            D::Error::custom(format!(
                "network_prefix: must be a prefix length up to 29 (e.g. 25: subnets of 125 containers), found {value}"
            ))
        })
}

/// A whole number of `unit` within `low..=high`.
fn whole_in<'de, D: Deserializer<'de>>(
    d: D,
    low: i64,
    high: i64,
    unit: &str,
) -> Result<u32, D::Error> {
    let value = i64::deserialize(d)?;
    match u32::try_from(value) {
        Ok(fits) if (low..=high).contains(&value) => Ok(fits),
        _ => Err(D::Error::custom(format!(
            "must be between {low} and {high} {unit}, found {value}"
        ))),
    }
}

fn host_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    whole_in(d, 1, 600, "seconds")
}

fn host_patience<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    whole_in(d, 0, 600_000, "milliseconds")
}

fn buffer_lines<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let value = i64::deserialize(d)?;
    if (100..=10_000_000).contains(&value) {
        Ok(value as usize)
    } else {
        Err(D::Error::custom(format!(
            "must be between 100 and 10000000 lines, found {value}"
        )))
    }
}

fn theme_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(text)
    } else {
        Err(D::Error::custom(format!(
            "theme `{text}` is not a theme name (lowercase letters, digits, `-`, `_`; a file themes/<name>.toml)"
        )))
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{}{}: {message}", file.display(), position(*line, *column))]
    Invalid {
        file: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error("settings file {} (from {origin}) cannot be read: {why}", file.display())]
    Unreadable {
        file: PathBuf,
        origin: String,
        why: String,
    },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

/// Where the settings came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigOrigin {
    /// `--config FILE`
    Flag,
    /// `$ZOE_CONFIG`
    Environment,
    /// The XDG default path, which exists.
    Default,
    /// Nothing found: built-in defaults.
    BuiltIn,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoadedSettings {
    pub settings: Settings,
    pub origin: ConfigOrigin,
    /// The file read, or the default path that was looked for.
    pub file: PathBuf,
}

/// Finds and reads the settings: `--config FILE`, else `$ZOE_CONFIG`, else
/// the XDG default path if it exists, else built-in defaults. A file named
/// explicitly must exist.
pub fn load_settings(
    flag: Option<&Path>,
    env: EnvLookup<'_>,
    paths: &Paths,
) -> Result<LoadedSettings, ConfigError> {
    let (file, origin) = match (flag, env("ZOE_CONFIG").filter(|v| !v.is_empty())) {
        (Some(file), _) => (file.to_path_buf(), ConfigOrigin::Flag),
        (None, Some(file)) => (PathBuf::from(file), ConfigOrigin::Environment),
        (None, None) if paths.config_file.is_file() => {
            (paths.config_file.clone(), ConfigOrigin::Default)
        }
        (None, None) => {
            return Ok(LoadedSettings {
                settings: Settings::default(),
                origin: ConfigOrigin::BuiltIn,
                file: paths.config_file.clone(),
            });
        }
    };
    let text = fs::read_to_string(&file).map_err(|err| ConfigError::Unreadable {
        file: file.clone(),
        origin: match origin {
            ConfigOrigin::Flag => "--config".into(),
            ConfigOrigin::Environment => "ZOE_CONFIG".into(),
            _ => "the default location".into(),
        },
        why: err.to_string(),
    })?;
    let mut settings = Settings::parse(&text, &file)?;
    let base = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let kubeconfigs = settings
        .kubernetes
        .iter_mut()
        .flat_map(|k| k.kubeconfig.iter_mut());
    for path in [
        &mut settings.shop,
        &mut settings.docker_config,
        &mut settings.deployment_key_file,
        &mut settings.kube_config_file,
    ]
    .into_iter()
    .flatten()
    .chain(kubeconfigs)
    {
        if let Some(text) = path.to_str().filter(|t| t.starts_with('~')) {
            *path = super::kube::expand_home(text, env);
        }
        if path.is_relative() {
            *path = base.join(&*path);
        }
    }
    Ok(LoadedSettings {
        settings,
        origin,
        file,
    })
}

/// Where the shop path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShopOrigin {
    Flag,
    Settings,
    WorkingDirectory,
    ZoeDefault,
}

/// Zoe's default `zapp-shop-path`.
pub const ZOE_SHOP_PATH: &str = "/var/lib/zoe-apps";

/// `--shop DIR`, else the settings' `shop`, else `./shop` when it exists
/// (like Zoe looking for its config in the working directory first), else
/// Zoe's default `/var/lib/zoe-apps`.
pub fn resolve_shop(flag: Option<&Path>, settings: &Settings, cwd: &Path) -> (PathBuf, ShopOrigin) {
    if let Some(dir) = flag {
        return (dir.to_path_buf(), ShopOrigin::Flag);
    }
    if let Some(dir) = &settings.shop {
        return (dir.clone(), ShopOrigin::Settings);
    }
    let local = cwd.join("shop");
    if local.is_dir() {
        return (PathBuf::from("shop"), ShopOrigin::WorkingDirectory);
    }
    (PathBuf::from(ZOE_SHOP_PATH), ShopOrigin::ZoeDefault)
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
