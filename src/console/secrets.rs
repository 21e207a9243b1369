//! What the fronts do with secrets, through `auth::secrets` (the OS
//! keyring): `zoe secret …` (the LDAP bind password), `zoe registry …`
//! (registry credentials), and the credentials a launch pulls with. Every
//! message names the store; none holds a secret.

use std::collections::BTreeMap;

use crate::auth::registry::{self as registry_store, Verdict};
use crate::auth::secrets::{Keyring, Secret, SecretError};
use crate::config::Settings;
use crate::model::registry::{RegistryAuth, check_host, registry_of};
use crate::model::text::visible;

pub use crate::auth::registry::Verdict as LoginVerdict;

/// The OS keyring (see `auth::secrets::Keyring::open`).
pub fn open_keyring() -> Result<Keyring, String> {
    Keyring::open().map_err(|e| e.to_string())
}

/// A secret the console knows by name, for `zoe secret`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// The LDAP service DN's password of this deployment.
    LdapBind,
}

impl Named {
    pub fn label(self) -> &'static str {
        match self {
            Named::LdapBind => "ldap-bind",
        }
    }
}

fn secret_of(named: Named, settings: &Settings) -> Secret<'_> {
    match named {
        Named::LdapBind => Secret::LdapBind {
            deployment: &settings.deployment_name,
        },
    }
}

fn say(e: SecretError) -> String {
    e.to_string()
}

/// Keeps `value` as the secret; the store's name.
pub fn set_secret(settings: &Settings, named: Named, value: &str) -> Result<&'static str, String> {
    if value.is_empty() {
        return Err(format!(
            "{}: an empty value is not kept (`zoe secret delete {}` forgets it)",
            named.label(),
            named.label()
        ));
    }
    let keyring = open_keyring()?;
    keyring
        .set(&secret_of(named, settings), value)
        .map_err(say)?;
    Ok(keyring.store_name())
}

/// Forgets the secret: whether there was one, and the store's name.
pub fn delete_secret(settings: &Settings, named: Named) -> Result<(bool, &'static str), String> {
    let keyring = open_keyring()?;
    let removed = keyring.delete(&secret_of(named, settings)).map_err(say)?;
    Ok((removed, keyring.store_name()))
}

/// Which secrets are kept (names only), for `zoe secret status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SecretStatus {
    /// "the kernel keyring", …
    pub store: String,
    pub deployment: String,
    /// `ldap-bind` and whether it is set.
    pub ldap_bind: bool,
    /// Users of this deployment with a remembered sign-in.
    pub remembered_sign_ins: Vec<String>,
    /// Registries with credentials.
    pub registries: Vec<String>,
}

pub fn secret_status(settings: &Settings) -> Result<SecretStatus, String> {
    let keyring = open_keyring()?;
    let names = keyring.names().map_err(say)?;
    let deployment = settings.deployment_name.clone();
    let signin_prefix = format!("signin/{deployment}/");
    Ok(SecretStatus {
        store: keyring.store_name().to_string(),
        ldap_bind: names.contains(
            &Secret::LdapBind {
                deployment: &deployment,
            }
            .entry_name(),
        ),
        remembered_sign_ins: names
            .iter()
            .filter_map(|n| n.strip_prefix(&signin_prefix).map(str::to_string))
            .collect(),
        registries: names
            .iter()
            .filter_map(|n| n.strip_prefix("registry/").map(str::to_string))
            .collect(),
        deployment,
    })
}

/// What `zoe registry login` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedIn {
    pub store: &'static str,
    /// Accepted, or unchecked and why (a refusal is an error: nothing kept).
    pub verdict: Verdict,
}

/// The registry `HOST[:PORT]` as pulls name it: checked, lowercased
/// (`Registry.Example.com` is the registry of `registry.example.com/app`).
fn registry_key(host: &str) -> Result<String, String> {
    check_host(host).map_err(|why| format!("registry `{}`: {why}", visible(host)))?;
    Ok(host.to_ascii_lowercase())
}

/// Checks the credentials against the registry where it can (a loopback
/// registry's `GET /v2/`) unless `check` is false, then keeps them. A
/// refusal keeps nothing.
pub fn registry_login(
    host: &str,
    user: &str,
    password: &str,
    check: bool,
) -> Result<LoggedIn, String> {
    let host = &registry_key(host)?;
    if user.is_empty() {
        return Err("a user name is needed: --username USER".into());
    }
    if password.is_empty() {
        return Err(format!(
            "no password given for {} at registry {}: nothing kept",
            visible(user),
            visible(host)
        ));
    }
    let keyring = open_keyring()?;
    let auth = RegistryAuth {
        host: host.to_string(),
        user: user.to_string(),
        password: password.to_string(),
    };
    let verdict = if check {
        registry_store::verify(&auth)
    } else {
        Verdict::Unchecked("--no-check: the first pull checks them".into())
    };
    if verdict == Verdict::Refused {
        return Err(format!(
            "wrong user or password for {}: the registry refused {}; nothing kept",
            visible(host),
            visible(user)
        ));
    }
    registry_store::store(&keyring, &auth).map_err(say)?;
    Ok(LoggedIn {
        store: keyring.store_name(),
        verdict,
    })
}

/// Forgets a registry's credentials: whether there were some, and the
/// store's name.
pub fn registry_logout(host: &str) -> Result<(bool, &'static str), String> {
    let host = &registry_key(host)?;
    let keyring = open_keyring()?;
    let removed = registry_store::forget(&keyring, host).map_err(say)?;
    Ok((removed, keyring.store_name()))
}

/// A registry with credentials (never the password).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegistryLogin {
    pub host: String,
    pub user: String,
}

/// The registries with credentials, and the store's name.
pub fn registry_list() -> Result<(Vec<RegistryLogin>, &'static str), String> {
    let keyring = open_keyring()?;
    let mut list = Vec::new();
    for host in keyring.registry_hosts().map_err(say)? {
        if let Some(auth) = registry_store::load(&keyring, &host).map_err(say)? {
            list.push(RegistryLogin {
                host: auth.host,
                user: auth.user,
            });
        }
    }
    Ok((list, keyring.store_name()))
}

/// The credentials kept for the registries these images come from, by
/// registry. Without a usable keyring there are none (a pull that needs
/// them then says `zoe registry login HOST`, which names the store's
/// trouble); the reason goes to the log (never a secret).
pub fn credentials_for<'a>(
    images: impl IntoIterator<Item = &'a str>,
) -> BTreeMap<String, RegistryAuth> {
    let mut registries: Vec<String> = images.into_iter().map(registry_of).collect();
    registries.sort();
    registries.dedup();
    let mut found = BTreeMap::new();
    if registries.is_empty() {
        return found;
    }
    let keyring = match Keyring::open() {
        Ok(k) => k,
        Err(e) => {
            tracing::debug!("no registry credentials for this launch: {e}");
            return found;
        }
    };
    for registry in registries {
        match registry_store::load(&keyring, &registry) {
            Ok(Some(auth)) => {
                tracing::debug!(
                    "pulling from {} with the credentials of {} kept in {}",
                    visible(&registry),
                    visible(&auth.user),
                    keyring.store_name()
                );
                found.insert(registry, auth);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("{e}"),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_hosts_are_kept_lowercase_as_pulls_name_them() {
        assert_eq!(
            registry_key("Registry.Example.com:5000").as_deref(),
            Ok("registry.example.com:5000")
        );
        assert_eq!(
            registry_key("Registry.Example.com").ok(),
            Some(registry_of("registry.example.com/app:1"))
        );
        assert!(registry_key("https://Registry.Example.com").is_err());
    }
}
