//! The settings of a shared deployment: how users sign in (`auth`,
//! `[csv]`, `[ldap]`), custom roles (`[roles.NAME]`), quotas
//! (`[quotas.NAME]`, and the older `[quota]` for everybody) and which user
//! gets which (`[users.NAME]`). [`grant`] turns a verified user name into
//! their role and quota, once, for both fronts.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

use super::settings::Settings;
use crate::model::access::{BUILTIN_ROLES, Capabilities, Quota, Role};

/// How users sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    /// The operating system says who runs the console (the login name, or
    /// `SUDO_USER` when run as the service account through sudo).
    #[default]
    Os,
    /// Zoe's password file (`[csv] file`).
    Csv,
    /// An LDAP directory (`[ldap]`).
    Ldap,
}

/// `[csv]`: Zoe's password file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsvSetting {
    /// `user,password` or `user,password,role` rows; relative paths start
    /// at the settings file's folder. Zoe's default name.
    pub file: PathBuf,
}

impl Default for CsvSetting {
    fn default() -> Self {
        CsvSetting {
            file: PathBuf::from("zoepass.csv"),
        }
    }
}

/// `[ldap]`: Zoe's LDAP options (spec §9.4), plus group DNs and TLS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LdapSetting {
    /// `ldap://host:port` or `ldaps://host:port` (Zoe's `ldap-server-uri`).
    pub uri: String,
    /// The service DN to bind with (`ldap-bind-user`); its password is a
    /// secret: `zoe secret set ldap-bind`. None: an anonymous search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind_dn: Option<String>,
    /// Searched (subtree) for `uid=<user>` (`ldap-base-dn`).
    pub base_dn: String,
    /// Upgrade an `ldap://` connection with StartTLS.
    pub starttls: bool,
    /// The CA that signed the server's certificate (PEM); default: the
    /// system's roots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Seconds to wait for the server.
    pub timeout_secs: u32,
    /// 2017.12's group ids (`ldap-admin-gid`, `ldap-user-gid`,
    /// `ldap-guest-gid`), read from `group_attribute` (`ldap-group-name`).
    pub admin_gid: String,
    pub user_gid: String,
    pub guest_gid: String,
    pub group_attribute: String,
    /// Beyond Zoe: members of these group DNs (`member`, `uniqueMember`
    /// or `memberUid` in the group entry) get the role.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admin_groups: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user_groups: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub guest_groups: Vec<String>,
}

impl Default for LdapSetting {
    fn default() -> Self {
        LdapSetting {
            uri: "ldap://localhost".into(),
            bind_dn: None,
            base_dn: String::new(),
            starttls: false,
            ca_file: None,
            timeout_secs: 10,
            admin_gid: "5000".into(),
            user_gid: "5001".into(),
            guest_gid: "5002".into(),
            group_attribute: "gidNumber".into(),
            admin_groups: Vec::new(),
            user_groups: Vec::new(),
            guest_groups: Vec::new(),
        }
    }
}

/// `[roles.NAME]`: a custom role's capabilities (all off unless given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleSetting {
    pub can_see_status: bool,
    pub can_change_config: bool,
    pub can_operate_others: bool,
    pub can_delete_executions: bool,
    pub can_access_api: bool,
    pub can_customize_resources: bool,
    pub can_access_full_zapp_shop: bool,
    /// Limited as 2017.12's guest: one execution, `guest_access` entries.
    pub guest: bool,
}

impl RoleSetting {
    fn role(&self, name: &str) -> Role {
        Role {
            name: name.to_string(),
            capabilities: Capabilities {
                can_see_status: self.can_see_status,
                can_change_config: self.can_change_config,
                can_operate_others: self.can_operate_others,
                can_delete_executions: self.can_delete_executions,
                can_access_api: self.can_access_api,
                can_customize_resources: self.can_customize_resources,
                can_access_full_zapp_shop: self.can_access_full_zapp_shop,
            },
            guest: self.guest,
        }
    }
}

/// `[quota]` and `[quotas.NAME]`: Zoe's limits; 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaSetting {
    /// Executions running at once.
    pub concurrent_executions: u32,
    /// Memory reserved by all running executions, GiB.
    #[serde(deserialize_with = "quota_amount")]
    pub memory_gib: f64,
    /// Cores reserved by all running executions.
    #[serde(deserialize_with = "quota_amount")]
    pub cores: f64,
    /// Hours from submission after which an execution is ended ("Run time
    /// quota exceeded"); fractions allowed.
    #[serde(deserialize_with = "quota_amount")]
    pub runtime_limit_hours: f64,
}

impl QuotaSetting {
    pub fn quota(&self, name: &str) -> Quota {
        Quota {
            name: name.to_string(),
            concurrent_executions: self.concurrent_executions,
            memory: (self.memory_gib * crate::model::GIB as f64) as u64,
            cores: self.cores,
            runtime_limit_secs: (self.runtime_limit_hours * 3600.0).round() as u64,
        }
    }
}

pub(super) fn quota_amount<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    if value.is_finite() && (0.0..=1e9).contains(&value) {
        Ok(value)
    } else {
        Err(D::Error::custom(format!(
            "must be a number from 0 (unlimited) up, found {value}"
        )))
    }
}

/// `[users.NAME]`: a user's role and quota by name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserSetting {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<String>,
}

/// Whether the settings describe a shared deployment: a sign-in other than
/// the OS's, or users given roles or quotas. `under_sudo`: the console runs
/// as the service account for another user.
pub fn is_shared(settings: &Settings, under_sudo: bool) -> bool {
    under_sudo || settings.auth != AuthKind::Os || !settings.users.is_empty()
}

/// The role named `name`: a custom `[roles.NAME]` or a built-in one.
pub fn role_named(settings: &Settings, name: &str) -> Option<Role> {
    match settings.roles.get(name) {
        Some(custom) => Some(custom.role(name)),
        None => Role::builtin(name),
    }
}

/// The quota named `name`: `[quotas.NAME]`, else `default` (the older
/// `[quota]`, else Zoe's) or `unlimited`.
pub fn quota_named(settings: &Settings, name: &str) -> Option<Quota> {
    if let Some(q) = settings.quotas.get(name) {
        return Some(q.quota(name));
    }
    match name {
        "default" => Some(
            settings
                .quota
                .map_or_else(Quota::zoe_default, |q| q.quota("default")),
        ),
        "unlimited" => Some(Quota::unlimited()),
        _ => None,
    }
}

/// The role and quota of `user`, verified by a sign-in that may name a
/// role of its own (the password file's third column, LDAP groups).
///
/// Role: `[users.NAME] role`, else the sign-in's, else `default_role`,
/// else `user` in a shared deployment and `admin` in a personal one (you
/// are the admin of your own cluster). Quota: `[users.NAME] quota`, else
/// `default_quota`, else `default` in a shared deployment (or wherever
/// `[quota]` is set) and `unlimited` in a personal one.
pub fn grant(
    settings: &Settings,
    user: &str,
    from_sign_in: Option<&str>,
    shared: bool,
) -> Result<(Role, Quota), String> {
    let entry = settings.users.get(user);
    let role_name = entry
        .and_then(|u| u.role.as_deref())
        .or(from_sign_in)
        .or(settings.default_role.as_deref())
        .unwrap_or(if shared { "user" } else { "admin" });
    let role = role_named(settings, role_name).ok_or_else(|| {
        format!(
            "user {user}: no role named `{role_name}` (roles: {}); define it under [roles.{role_name}] or pick another",
            role_names(settings).join(", ")
        )
    })?;
    let quota_name = entry
        .and_then(|u| u.quota.as_deref())
        .or(settings.default_quota.as_deref())
        .unwrap_or(if shared || settings.quota.is_some() {
            "default"
        } else {
            "unlimited"
        });
    let quota = quota_named(settings, quota_name).ok_or_else(|| {
        format!("user {user}: no quota named `{quota_name}`; define it under [quotas.{quota_name}] or pick another")
    })?;
    Ok((role, quota))
}

/// Every role name: the built-in ones, then the custom ones.
pub fn role_names(settings: &Settings) -> Vec<String> {
    let mut names: Vec<String> = BUILTIN_ROLES.iter().map(|s| s.to_string()).collect();
    for name in settings.roles.keys() {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// Settings that name a role or quota nobody defined, said with the key.
pub fn check_references(settings: &Settings) -> Result<(), String> {
    for (user, entry) in &settings.users {
        if let Some(role) = &entry.role
            && role_named(settings, role).is_none()
        {
            return Err(format!(
                "users.{user}.role: no role named `{role}` (roles: {})",
                role_names(settings).join(", ")
            ));
        }
        if let Some(quota) = &entry.quota
            && quota_named(settings, quota).is_none()
        {
            return Err(format!(
                "users.{user}.quota: no quota named `{quota}`; define [quotas.{quota}]"
            ));
        }
    }
    if let Some(role) = &settings.default_role
        && role_named(settings, role).is_none()
    {
        return Err(format!("default_role: no role named `{role}`"));
    }
    if let Some(quota) = &settings.default_quota
        && quota_named(settings, quota).is_none()
    {
        return Err(format!("default_quota: no quota named `{quota}`"));
    }
    if settings.roles.contains_key("admin") {
        return Err("roles.admin: the admin role cannot be redefined (as in Zoe)".into());
    }
    Ok(())
}

/// `BTreeMap` of custom entries, for the `Settings` fields.
pub type Named<T> = BTreeMap<String, T>;

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml: &str) -> Settings {
        Settings::parse(toml, std::path::Path::new("t.toml")).unwrap()
    }

    #[test]
    fn a_personal_install_makes_you_the_admin_without_limits() {
        let s = Settings::default();
        let (role, quota) = grant(&s, "alice", None, is_shared(&s, false)).unwrap();
        assert_eq!(role.name, "admin");
        assert_eq!(quota, Quota::unlimited());
        // the older [quota] still applies to everybody
        let s = settings("[quota]\nconcurrent_executions = 1\n");
        let (_, quota) = grant(&s, "alice", None, false).unwrap();
        assert_eq!(
            (quota.name.as_str(), quota.concurrent_executions),
            ("default", 1)
        );
    }

    #[test]
    fn a_shared_deployment_gives_users_the_user_role_and_zoes_default_quota() {
        let s = settings("[users.alice]\nrole = \"admin\"\n");
        assert!(is_shared(&s, false));
        let (role, quota) = grant(&s, "bob", None, true).unwrap();
        assert_eq!((role.name.as_str(), quota), ("user", Quota::zoe_default()));
        let (role, _) = grant(&s, "alice", Some("guest"), true).unwrap();
        assert_eq!(role.name, "admin", "the settings win over the sign-in");
        let (role, _) = grant(&s, "carol", Some("guest"), true).unwrap();
        assert_eq!(
            role.name, "guest",
            "the sign-in's role wins over the default"
        );
        assert!(Settings::default().auth == AuthKind::Os && is_shared(&Settings::default(), true));
    }

    #[test]
    fn custom_roles_and_quotas() {
        let s = settings(
            "default_role = \"analyst\"\n[roles.analyst]\ncan_customize_resources = true\n\
             [quotas.small]\nconcurrent_executions = 1\ncores = 1\nruntime_limit_hours = 0.001\n\
             [users.dan]\nquota = \"small\"\n",
        );
        let (role, quota) = grant(&s, "dan", None, true).unwrap();
        assert_eq!(role.name, "analyst");
        assert!(role.capabilities.can_customize_resources && !role.capabilities.can_see_status);
        assert_eq!(
            (
                quota.name.as_str(),
                quota.concurrent_executions,
                quota.cores,
                quota.runtime_limit_secs
            ),
            ("small", 1, 1.0, 4)
        );
    }

    #[test]
    fn unknown_names_are_refused_saying_which_key() {
        let err = Settings::parse(
            "[users.x]\nrole = \"boss\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("users.x.role") && err.contains("boss"),
            "{err}"
        );
        let err = Settings::parse(
            "[users.x]\nquota = \"tiny\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("users.x.quota"), "{err}");
        let err = Settings::parse(
            "[roles.admin]\nguest = true\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("roles.admin"), "{err}");
        let s = Settings::default();
        assert!(
            grant(&s, "a", Some("wizard"), true)
                .unwrap_err()
                .contains("no role named `wizard`")
        );
    }
}
