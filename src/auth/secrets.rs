//! The OS keyring: the only place secrets live (remembered sign-ins, the
//! LDAP bind password, registry credentials). Nothing here writes a secret to
//! a file, argv, the environment, the log or an error message.
//!
//! Stores (chosen at run time by [`Keyring::open`]): the Linux kernel keyring
//! (keyutils) on headless machines, where the process first joins a session
//! keyring of its own when it sits on the user-default one (otherwise the
//! kernel refuses `add_key` with EACCES), and the values live in the user's
//! persistent keyring so a later process reads them back; the Secret Service
//! when a desktop session offers one on its session bus (`secret_service.rs`:
//! every call bounded in time and on a thread of its own).

use std::collections::BTreeSet;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};

use super::keyutils::{ensure_session_keyring, kernel_entry_names};
use super::secret_service;

/// The service name of every entry we keep.
pub const SERVICE: &str = "zoe-console";
/// The entry that lists the names of the others (names only, never values),
/// because the mock store cannot be searched by service (the kernel keyring
/// is listed by hand, the Secret Service searched by attribute).
pub(super) const INDEX: &str = "index";

/// One secret the console keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret<'a> {
    /// A remembered sign-in of `os_user` to `deployment` (value: whatever the sign-in code stores).
    SignIn {
        deployment: &'a str,
        os_user: &'a str,
    },
    /// The LDAP service DN's password.
    LdapBind { deployment: &'a str },
    /// Credentials for a registry (`HOST[:PORT]`).
    Registry { host: &'a str },
}

impl Secret<'_> {
    /// The entry's user name in the store, e.g. `registry/127.0.0.1:25001`.
    pub fn entry_name(&self) -> String {
        match self {
            Secret::SignIn {
                deployment,
                os_user,
            } => format!("signin/{deployment}/{os_user}"),
            Secret::LdapBind { deployment } => format!("ldap-bind/{deployment}"),
            // Host names are case-insensitive and image references name
            // them in lowercase (`registry_of`): one entry per registry.
            Secret::Registry { host } => format!("registry/{}", host.to_ascii_lowercase()),
        }
    }

    /// What the secret is, for messages (never its value).
    pub fn describe(&self) -> String {
        match self {
            Secret::SignIn {
                deployment,
                os_user,
            } => format!(
                "the remembered sign-in of {} to deployment {}",
                crate::model::text::visible(os_user),
                crate::model::text::visible(deployment)
            ),
            Secret::LdapBind { deployment } => format!(
                "the LDAP bind password of deployment {}",
                crate::model::text::visible(deployment)
            ),
            Secret::Registry { host } => format!(
                "the credentials for registry {}",
                crate::model::text::visible(host)
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No usable store: the text says what to do (join a session keyring / start a Secret Service…).
    #[error("{0}")]
    NoStore(String),
    /// The store refused or failed: what, which store, what to do. Never the secret itself.
    #[error("{0}")]
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    KernelKeyring,
    SecretService,
    #[cfg(test)]
    Mock,
}

/// The store the console keeps its secrets in.
pub struct Keyring {
    store: Arc<CredentialStore>,
    kind: Kind,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("store", &self.store_name())
            .finish()
    }
}

/// How to run where the kernel keyring is not usable.
const NO_STORE_HELP: &str = "run zoe on Linux with the kernel keyring (keyutils), e.g. under \
     `keyctl session - zoe …` when the kernel refuses the session keyring, or in a desktop \
     session whose Secret Service (e.g. gnome-keyring) runs on the session bus";

/// What to do when the Secret Service refuses (locked, a prompt) or fails.
const SECRET_SERVICE_HELP: &str = "unlock the login keyring (log in to the desktop session, or \
     `gnome-keyring-daemon --unlock` / your keyring manager, e.g. seahorse), or keep zoe's secrets \
     in the kernel keyring instead with ZOE_KEYRING=keyutils";

impl Keyring {
    /// Chooses the store at run time. `ZOE_KEYRING=keyutils|secret-service`
    /// forces one. Otherwise: the Secret Service when `DBUS_SESSION_BUS_ADDRESS`
    /// is set and a Secret Service answers on that bus within
    /// [`secret_service::PROBE`] (a desktop session), else the Linux kernel
    /// keyring (keyutils), joining a session keyring of our own when the
    /// process sits on the user-default one (deps.md §3: otherwise add_key
    /// gets EACCES).
    pub fn open() -> Result<Keyring, SecretError> {
        match std::env::var("ZOE_KEYRING").ok().as_deref() {
            Some("keyutils") => Self::open_keyutils(),
            Some("secret-service") => Self::open_secret_service(secret_service::FORCED_PROBE)
                .map_err(|why| {
                    SecretError::NoStore(format!(
                        "no keyring: ZOE_KEYRING=secret-service asks for the Secret Service, but \
                         {why}; start one in this session (e.g. gnome-keyring, unlocked) or use \
                         the kernel keyring: unset ZOE_KEYRING or set ZOE_KEYRING=keyutils"
                    ))
                }),
            None | Some("") => {
                let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
                if !bus.is_empty() {
                    match Self::open_secret_service(secret_service::PROBE) {
                        Ok(k) => return Ok(k),
                        Err(why) => tracing::debug!("{why}: using the kernel keyring"),
                    }
                }
                Self::open_keyutils()
            }
            Some(other) => Err(SecretError::NoStore(format!(
                "no keyring: ZOE_KEYRING={} is not a store zoe knows; use ZOE_KEYRING=keyutils \
                 (the kernel keyring) or ZOE_KEYRING=secret-service, or unset it to choose by \
                 the session",
                crate::model::text::visible(other)
            ))),
        }
    }

    fn open_secret_service(limit: std::time::Duration) -> Result<Keyring, String> {
        let store = secret_service::connect(limit)?;
        Ok(Keyring {
            store,
            kind: Kind::SecretService,
        })
    }

    fn open_keyutils() -> Result<Keyring, SecretError> {
        ensure_session_keyring().map_err(no_store)?;
        let store = linux_keyutils_keyring_store::Store::new().map_err(|e| {
            SecretError::NoStore(format!(
                "no keyring: the kernel keyring cannot be opened ({}); {NO_STORE_HELP}",
                describe_error(&e)
            ))
        })?;
        Ok(Keyring {
            store,
            kind: Kind::KernelKeyring,
        })
    }

    /// A keyring on keyring-core's in-memory mock store (unit tests only).
    #[cfg(test)]
    pub(crate) fn mock() -> Result<Keyring, SecretError> {
        let store = keyring_core::mock::Store::new()
            .map_err(|e| SecretError::Failed(describe_error(&e)))?;
        Ok(Keyring {
            store,
            kind: Kind::Mock,
        })
    }

    /// "the kernel keyring" / "the Secret Service", for messages.
    pub fn store_name(&self) -> &'static str {
        match self.kind {
            Kind::KernelKeyring => "the kernel keyring",
            Kind::SecretService => "the Secret Service",
            #[cfg(test)]
            Kind::Mock => "the mock keyring",
        }
    }

    pub fn get(&self, secret: &Secret) -> Result<Option<String>, SecretError> {
        let entry = self.entry(&secret.entry_name(), &secret.describe())?;
        match self.run(move || entry.get_password()) {
            Ok(value) => Ok(Some(value)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.failed("read", &secret.describe(), &e)),
        }
    }

    pub fn set(&self, secret: &Secret, value: &str) -> Result<(), SecretError> {
        let name = secret.entry_name();
        let entry = self.entry(&name, &secret.describe())?;
        let value = value.to_string();
        self.run(move || entry.set_password(&value))
            .map_err(|e| self.failed("store", &secret.describe(), &e))?;
        self.update_index(|names| {
            names.insert(name.clone());
        })
    }

    /// true when something was removed.
    pub fn delete(&self, secret: &Secret) -> Result<bool, SecretError> {
        let name = secret.entry_name();
        let entry = self.entry(&name, &secret.describe())?;
        let removed = match self.run(move || entry.delete_credential()) {
            Ok(()) => true,
            Err(keyring_core::Error::NoEntry) => false,
            Err(e) => return Err(self.failed("remove", &secret.describe(), &e)),
        };
        self.update_index(|names| {
            names.remove(&name);
        })?;
        Ok(removed)
    }

    /// The entry names (see [`Secret::entry_name`]) the store holds for
    /// zoe, e.g. `registry/127.0.0.1:25001`: names only, never values.
    pub fn names(&self) -> Result<Vec<String>, SecretError> {
        let listed: Vec<String> = match self.kind {
            // what the user's persistent keyring holds (no shared index to
            // race on between processes)
            Kind::KernelKeyring => {
                ensure_session_keyring().map_err(no_store)?;
                kernel_entry_names().map_err(|why| {
                    SecretError::Failed(format!(
                        "cannot list zoe's secrets in the kernel keyring: {why}; check it with \
                         `keyctl show @u`"
                    ))
                })?
            }
            // searched by the service attribute: what the service lists
            // exists, no need to read any value
            Kind::SecretService => {
                return secret_service::entry_names(&self.store, SERVICE)
                    .map(|names| names.into_iter().filter(|n| n != INDEX).collect())
                    .map_err(|e| self.failed("list", "zoe's secrets", &e));
            }
            #[cfg(test)]
            Kind::Mock => self.read_index()?.into_iter().collect::<Vec<_>>(),
        };
        let mut present = Vec::new();
        for name in listed {
            let entry = self.entry(&name, "a secret")?;
            match entry.get_password() {
                Ok(_) => present.push(name),
                Err(keyring_core::Error::NoEntry) => {}
                Err(e) => return Err(self.failed("read", "a secret", &e)),
            }
        }
        Ok(present)
    }

    /// The registry hosts that have credentials stored.
    pub fn registry_hosts(&self) -> Result<Vec<String>, SecretError> {
        Ok(self
            .names()?
            .into_iter()
            .filter_map(|n| n.strip_prefix("registry/").map(str::to_string))
            .collect())
    }

    fn entry(&self, name: &str, what: &str) -> Result<Entry, SecretError> {
        if self.kind == Kind::KernelKeyring {
            // the session keyring belongs to the thread: one that sits on the
            // user-default keyring joins its own before touching the store
            ensure_session_keyring().map_err(no_store)?;
        }
        Entry::new_in_store(&self.store, SERVICE, name).map_err(|e| self.failed("open", what, &e))
    }

    /// Runs one operation of the store: the Secret Service's on a thread of
    /// its own, bounded in time (see `secret_service.rs`).
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> keyring_core::Result<T> + Send + 'static,
    ) -> keyring_core::Result<T> {
        match self.kind {
            Kind::SecretService => secret_service::call(f),
            _ => f(),
        }
    }

    fn read_index(&self) -> Result<BTreeSet<String>, SecretError> {
        let entry = self.entry(INDEX, "the list of zoe's secrets")?;
        match entry.get_password() {
            Ok(text) => Ok(text
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()),
            Err(keyring_core::Error::NoEntry) => Ok(BTreeSet::new()),
            Err(e) => Err(self.failed("read", "the list of zoe's secrets", &e)),
        }
    }

    fn update_index(&self, change: impl FnOnce(&mut BTreeSet<String>)) -> Result<(), SecretError> {
        if matches!(self.kind, Kind::KernelKeyring | Kind::SecretService) {
            // listed from the store itself (see `names`)
            return Ok(());
        }
        let mut names = self.read_index()?;
        let before = names.clone();
        change(&mut names);
        if names == before {
            return Ok(());
        }
        let entry = self.entry(INDEX, "the list of zoe's secrets")?;
        let result = if names.is_empty() {
            match entry.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
                Err(e) => Err(e),
            }
        } else {
            let text: Vec<&str> = names.iter().map(String::as_str).collect();
            entry.set_password(&text.join("\n"))
        };
        result.map_err(|e| self.failed("update", "the list of zoe's secrets", &e))
    }

    fn failed(&self, action: &str, what: &str, e: &keyring_core::Error) -> SecretError {
        let store = self.store_name();
        if self.kind == Kind::SecretService {
            let why = match e {
                keyring_core::Error::NoStorageAccess(_) => {
                    " (the collection is locked, or the service wants to prompt for its password)"
                }
                _ => "",
            };
            return SecretError::Failed(format!(
                "cannot {action} {what} in {store}: {}{why}; {SECRET_SERVICE_HELP}",
                describe_error(e)
            ));
        }
        let help = match e {
            keyring_core::Error::NoStorageAccess(_) => {
                "; the store refused access: run zoe in a session keyring of its own \
                 (`keyctl session - zoe …`) or check `keyctl show @s`"
            }
            _ => "; check the store with `keyctl show @u` and try again",
        };
        SecretError::Failed(format!(
            "cannot {action} {what} in {store}: {}{help}",
            describe_error(e)
        ))
    }
}

/// A kernel keyring that cannot be used, with what to do.
fn no_store(why: String) -> SecretError {
    SecretError::NoStore(format!("no keyring: {why}; {NO_STORE_HELP}"))
}

/// The error without any secret bytes some variants carry.
pub(super) fn describe_error(e: &keyring_core::Error) -> String {
    use keyring_core::Error as E;
    match e {
        E::PlatformFailure(inner) => format!("the store failed: {inner}"),
        E::NoStorageAccess(inner) => format!("no access to the store: {inner}"),
        E::NoEntry => "no such entry".to_string(),
        E::BadEncoding(_) => "the stored value is not UTF-8".to_string(),
        E::BadDataFormat(_, _) => "the stored value is not in the expected format".to_string(),
        E::BadStoreFormat(what) => format!("the store is not in the expected format: {what}"),
        E::TooLong(attr, limit) => format!("the {attr} is longer than the store's {limit}"),
        E::Invalid(attr, why) => format!("invalid {attr}: {why}"),
        E::Ambiguous(found) => format!("{} entries match", found.len()),
        E::NoDefaultStore => "no store".to_string(),
        E::NotSupportedByStore(what) => format!("not supported by the store: {what}"),
        _ => "an unknown failure of the store".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        let s = Secret::SignIn {
            deployment: "prod",
            os_user: "alice",
        };
        assert_eq!(s.entry_name(), "signin/prod/alice");
        assert_eq!(
            Secret::LdapBind { deployment: "prod" }.entry_name(),
            "ldap-bind/prod"
        );
        assert_eq!(
            Secret::Registry {
                host: "127.0.0.1:25001"
            }
            .entry_name(),
            "registry/127.0.0.1:25001"
        );
        assert_eq!(
            Secret::Registry {
                host: "Registry.Example.com:5000"
            }
            .entry_name(),
            "registry/registry.example.com:5000"
        );
    }

    /// Makes the store fail the next operation on `secret` with `err`.
    fn fail_next(k: &Keyring, secret: &Secret, err: keyring_core::Error) {
        let Ok(entry) = k.entry(&secret.entry_name(), "test") else {
            unreachable!("the mock builds entries")
        };
        if let Some(cred) = entry.as_any().downcast_ref::<keyring_core::mock::Cred>() {
            cred.set_error(err);
        }
    }

    #[test]
    fn a_refusing_store_says_which_store_and_what_to_do() -> Result<(), SecretError> {
        let k = Keyring::mock()?;
        let r = Secret::Registry {
            host: "reg.example:5000",
        };
        let denied = || {
            keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::from(
                std::io::ErrorKind::PermissionDenied,
            )))
        };
        fail_next(&k, &r, denied());
        let msg = k.set(&r, "hunter2").err().map(|e| e.to_string());
        let msg = msg.unwrap_or_default();
        assert!(
            msg.starts_with(
                "cannot store the credentials for registry reg.example:5000 in the mock keyring"
            ),
            "{msg}"
        );
        assert!(msg.contains("keyctl session"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
        fail_next(&k, &r, denied());
        assert!(matches!(k.get(&r), Err(SecretError::Failed(_))));
        // a missing entry is no error
        assert_eq!(k.get(&r)?, None);
        assert!(!k.delete(&r)?);
        Ok(())
    }

    #[test]
    fn undecodable_values_are_reported_without_their_bytes() -> Result<(), SecretError> {
        let k = Keyring::mock()?;
        let s = Secret::LdapBind { deployment: "prod" };
        fail_next(
            &k,
            &s,
            keyring_core::Error::BadEncoding(b"hunter2\xff".to_vec()),
        );
        let msg = k.get(&s).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("not UTF-8") && msg.contains("LDAP bind password"),
            "{msg}"
        );
        assert!(!msg.contains("hunter2"), "{msg}");
        Ok(())
    }

    #[test]
    fn failures_name_the_store_and_never_the_value() {
        let e = keyring_core::Error::BadEncoding(b"hunter2".to_vec());
        let Ok(k) = Keyring::mock() else {
            unreachable!("the mock store opens")
        };
        let msg = k
            .failed("read", &Secret::LdapBind { deployment: "d" }.describe(), &e)
            .to_string();
        assert!(msg.contains("the mock keyring"), "{msg}");
        assert!(msg.contains("LDAP bind password"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn a_refusing_secret_service_says_unlock_it_or_use_the_kernel_keyring()
    -> Result<(), SecretError> {
        // the mock's store under the Secret Service's name: the messages only
        let k = Keyring {
            kind: Kind::SecretService,
            ..Keyring::mock()?
        };
        assert_eq!(k.store_name(), "the Secret Service");
        let locked = keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other(
            "SS error: prompt dismissed",
        )));
        let what = Secret::Registry { host: "reg:5000" }.describe();
        let msg = k.failed("store", &what, &locked).to_string();
        assert!(
            msg.starts_with(
                "cannot store the credentials for registry reg:5000 in the Secret Service"
            ),
            "{msg}"
        );
        assert!(msg.contains("the collection is locked"), "{msg}");
        assert!(msg.contains("unlock the login keyring"), "{msg}");
        assert!(msg.contains("ZOE_KEYRING=keyutils"), "{msg}");
        assert!(!msg.contains("keyctl"), "{msg}");
        let broken = keyring_core::Error::BadEncoding(b"hunter2".to_vec());
        let msg = k.failed("read", &what, &broken).to_string();
        assert!(
            !msg.contains("hunter2") && msg.contains("ZOE_KEYRING=keyutils"),
            "{msg}"
        );
        Ok(())
    }
}
