//! Who is asking and what they may do: Zoe's roles (seven capabilities,
//! spec §9.1, plus 2017.12's guest, §9.2), its quotas and the identity a
//! sign-in yields. Plain types: the settings say which user gets which role
//! and quota (`config::access_settings`), `auth/` verifies who is asking,
//! and `console/` applies the rules once for both fronts.

use serde::{Deserialize, Serialize};

/// Zoe's seven role capabilities (spec §9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Capabilities {
    /// Per-node detail of every user's instances, the scheduler's queue.
    pub can_see_status: bool,
    /// Read other users, roles and quotas (`zoe whoami --user`, settings).
    pub can_change_config: bool,
    /// See, inspect, tail, relaunch and terminate other users' executions.
    pub can_operate_others: bool,
    /// Forget ended executions from the history.
    pub can_delete_executions: bool,
    /// Use a shop of one's own (`--shop`) under a shared deployment.
    pub can_access_api: bool,
    /// Memory/cores overrides (and, as in 2017.12, nothing else: shop
    /// parameters stay open to every role).
    pub can_customize_resources: bool,
    /// See entries hidden by `enabled_for` / `disabled_for`.
    pub can_access_full_zapp_shop: bool,
}

impl Capabilities {
    pub const ALL: Capabilities = Capabilities {
        can_see_status: true,
        can_change_config: true,
        can_operate_others: true,
        can_delete_executions: true,
        can_access_api: true,
        can_customize_resources: true,
        can_access_full_zapp_shop: true,
    };

    /// Each capability's name and whether it is granted, in Zoe's order.
    pub fn list(&self) -> [(&'static str, bool); 7] {
        [
            ("can_see_status", self.can_see_status),
            ("can_change_config", self.can_change_config),
            ("can_operate_others", self.can_operate_others),
            ("can_delete_executions", self.can_delete_executions),
            ("can_access_api", self.can_access_api),
            ("can_customize_resources", self.can_customize_resources),
            ("can_access_full_zapp_shop", self.can_access_full_zapp_shop),
        ]
    }
}

/// A role: a name, its capabilities and whether it is limited as 2017.12's
/// guest (one execution at most, only `guest_access` entries, no resource
/// overrides; shop parameters stay theirs to set, as in 2017.12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub capabilities: Capabilities,
    pub guest: bool,
}

/// The roles every deployment has.
pub const BUILTIN_ROLES: [&str; 4] = ["admin", "superuser", "user", "guest"];

impl Role {
    /// `admin`, `superuser`, `user` (Zoe HEAD) and `guest` (2017.12).
    pub fn builtin(name: &str) -> Option<Role> {
        let (capabilities, guest) = match name {
            "admin" => (Capabilities::ALL, false),
            "superuser" => (
                Capabilities {
                    can_see_status: true,
                    can_access_api: true,
                    can_customize_resources: true,
                    can_access_full_zapp_shop: true,
                    ..Capabilities::default()
                },
                false,
            ),
            "user" => (Capabilities::default(), false),
            "guest" => (Capabilities::default(), true),
            _ => return None,
        };
        Some(Role {
            name: name.to_string(),
            capabilities,
            guest,
        })
    }

    pub fn admin() -> Role {
        Role {
            name: "admin".into(),
            capabilities: Capabilities::ALL,
            guest: false,
        }
    }
}

/// Zoe's quota (spec §9.1): `0` means unlimited for every limit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Quota {
    /// Its name in the settings (`default`, `unlimited`, or one of
    /// `[quotas.NAME]`).
    pub name: String,
    pub concurrent_executions: u32,
    /// Bytes.
    pub memory: u64,
    pub cores: f64,
    /// Seconds from submission; Zoe counts hours.
    pub runtime_limit_secs: u64,
}

impl Quota {
    /// Zoe's `default` quota: 5 executions, 32 GiB, 20 cores, 24 h.
    pub fn zoe_default() -> Quota {
        Quota {
            name: "default".into(),
            concurrent_executions: 5,
            memory: 32 * super::GIB,
            cores: 20.0,
            runtime_limit_secs: 24 * 3600,
        }
    }

    /// No limit at all: a personal install's.
    pub fn unlimited() -> Quota {
        Quota {
            name: "unlimited".into(),
            ..Quota::default()
        }
    }
}

/// How the console knows who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthSource {
    /// The operating system: the login name, `SUDO_USER` under sudo, or
    /// `user` in the settings; the text says which.
    Os(String),
    /// Zoe's password file (`auth = "csv"`).
    Csv,
    /// An LDAP directory (`auth = "ldap"`).
    Ldap,
}

impl AuthSource {
    /// `sudo`, `login name`, `password file`, `LDAP`…
    pub fn describe(&self) -> String {
        match self {
            AuthSource::Os(via) => via.clone(),
            AuthSource::Csv => "password file".into(),
            AuthSource::Ldap => "LDAP".into(),
        }
    }
}

/// Who is asking, verified, with their role and quota.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// Their name, as executions record it (`zoe_owner`).
    pub user: String,
    pub role: Role,
    pub quota: Quota,
    /// `ZOE_UID` given to their containers.
    pub fs_uid: u32,
    pub source: AuthSource,
    /// A shared deployment (several users, roles): `false` for a personal
    /// install, where the one user is the admin of their own cluster.
    pub shared: bool,
}

impl Identity {
    pub fn can(&self) -> &Capabilities {
        &self.role.capabilities
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_roles_are_zoes() {
        let admin = Role::builtin("admin").unwrap();
        assert_eq!(admin, Role::admin());
        assert!(admin.capabilities.list().iter().all(|(_, on)| *on));
        let superuser = Role::builtin("superuser").unwrap().capabilities;
        let granted: Vec<&str> = superuser
            .list()
            .iter()
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(
            granted,
            [
                "can_see_status",
                "can_access_api",
                "can_customize_resources",
                "can_access_full_zapp_shop"
            ]
        );
        let user = Role::builtin("user").unwrap();
        assert!(!user.guest && user.capabilities == Capabilities::default());
        assert!(Role::builtin("guest").unwrap().guest);
        assert_eq!(Role::builtin("root"), None);
    }

    #[test]
    fn zoes_default_quota() {
        let q = Quota::zoe_default();
        assert_eq!(
            (
                q.concurrent_executions,
                q.memory,
                q.cores,
                q.runtime_limit_secs
            ),
            (5, 34_359_738_368, 20.0, 86_400)
        );
        let u = Quota::unlimited();
        assert_eq!(
            (u.concurrent_executions, u.memory, u.runtime_limit_secs),
            (0, 0, 0)
        );
    }
}
