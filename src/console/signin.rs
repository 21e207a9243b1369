//! Who is asking, for both fronts: the operating system's word (with the
//! sudo rule), signing in with the password file or LDAP, and the sign-in
//! remembered in the OS keyring. Thin wrappers over `auth/`, which the
//! fronts may not call themselves.

use std::path::{Path, PathBuf};

use crate::auth::os::{OsFacts, check_admin_settings, decide};
use crate::auth::secrets::{Keyring, Secret};
use crate::auth::signin::Remembered;
use crate::config::Settings;
use crate::config::access_settings::{AuthKind, grant, is_shared};
use crate::model::access::{AuthSource, Identity};

pub use crate::auth::os::OsWord;
pub use crate::auth::signin::{SignInError, Verified};

/// The OS's word on who runs us: see [`crate::auth::os::decide`].
/// `sudo_user` is `$SUDO_USER`, `login_name` `$USER` else `$LOGNAME`.
pub fn os_word(
    settings: &Settings,
    settings_file: &Path,
    sudo_user: Option<String>,
    login_name: Option<String>,
) -> Result<OsWord, String> {
    let uid = own_uid();
    let facts = OsFacts {
        sudo_user,
        uid,
        service_uid: service_uid(settings),
        settings_user: settings.user.clone(),
        login_name,
        passwd_name: passwd_entry(|name, id| (id == uid).then(|| name.to_string())),
    };
    let word = decide(&facts, &settings_file.display().to_string())?;
    if let Some(ignored) = &word.ignored_sudo_user {
        tracing::info!(
            "SUDO_USER={} ignored: we run as uid {uid}, neither root nor the service account, so anyone could have set it",
            crate::model::text::visible(ignored)
        );
    }
    tracing::debug!("who is asking: {} (from {})", word.user, word.source);
    Ok(word)
}

/// Under (trusted) sudo, the settings file must be the administrator's.
pub fn check_settings_under_sudo(settings: &Settings, file: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(file).map_err(|err| {
        format!(
            "{}: {err}; under sudo the settings must be an existing file of the administrator's",
            file.display()
        )
    })?;
    check_admin_settings(
        &file.display().to_string(),
        meta.uid(),
        meta.mode(),
        service_uid(settings),
        settings.service_account.as_deref(),
    )
}

fn service_uid(settings: &Settings) -> Option<u32> {
    let account = settings.service_account.as_deref()?;
    passwd_entry(|name, id| (name == account).then_some(id))
}

/// Whether sudo may have run us for somebody (see
/// [`crate::auth::os::maybe_under_sudo`]): then every file the caller names
/// must be the administrator's.
pub fn maybe_under_sudo(sudo_user: Option<&str>, sudo_uid: Option<&str>) -> bool {
    crate::auth::os::maybe_under_sudo(sudo_user, sudo_uid, own_uid())
}

/// Under sudo, `path` (named by the caller as `what`) must be the
/// administrator's: it, every folder above it and, when links lead
/// elsewhere, where they lead, owned by root or the account we run as and
/// writable by nobody else (a sticky folder such as /tmp lets nobody else
/// replace what is in it) — so nothing can be swapped in between this
/// check and the read. A path that does not exist is refused: somebody
/// could create it before it is read.
pub fn check_named_under_sudo(what: &str, path: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let own = own_uid();
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| format!("{}: the working folder cannot be read: {e}", path.display()))?
            .join(path)
    };
    let mut chains = vec![absolute.clone()];
    if let Ok(real) = std::fs::canonicalize(&absolute)
        && real != absolute
    {
        chains.push(real);
    }
    for chain in &chains {
        for part in chain.ancestors() {
            let meta = match std::fs::symlink_metadata(part) {
                Ok(meta) => meta,
                // made later, by whoever may write its folder, it would be
                // read then: under sudo a named file must exist already
                Err(_) if part == chain.as_path() => {
                    return Err(format!(
                        "{}: no such file; under sudo, {what} must be an existing file of the administrator's",
                        path.display()
                    ));
                }
                Err(_) => continue,
            };
            let mode = if meta.file_type().is_symlink() {
                // a link's own bits mean nothing: who owns it and its folder does
                0
            } else if meta.is_dir() && meta.mode() & 0o1000 != 0 {
                meta.mode() & !0o022
            } else {
                meta.mode()
            };
            let shown = if part == chain.as_path() {
                path.display().to_string()
            } else {
                format!("{} (a folder above {})", part.display(), path.display())
            };
            crate::auth::os::check_admin_file(what, &shown, meta.uid(), mode, own)?;
        }
    }
    Ok(())
}

/// Our own uid, read from the owner of `/proc/self`.
pub fn own_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX)
}

fn passwd_entry<T>(pick: impl Fn(&str, u32) -> Option<T>) -> Option<T> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        if name.is_empty() {
            None
        } else {
            pick(name, id)
        }
    })
}

/// The password file, relative paths from the settings file's folder.
pub fn csv_file(settings: &Settings, settings_file: &Path) -> PathBuf {
    let file = &settings.csv.file;
    if file.is_absolute() {
        file.clone()
    } else {
        settings_file
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(file)
    }
}

/// Checks a user name and password with the deployment's `auth`.
pub fn verify(
    settings: &Settings,
    settings_file: &Path,
    user: &str,
    password: &str,
) -> Result<Verified, SignInError> {
    match settings.auth {
        AuthKind::Os => Err(SignInError::Setup(format!(
            "nothing to sign in to: auth = \"os\" in {}",
            settings_file.display()
        ))),
        AuthKind::Csv => crate::auth::csv::verify(
            &csv_file(settings, settings_file),
            settings_file,
            user,
            password,
        ),
        AuthKind::Ldap => {
            let bind_password = match &settings.ldap.bind_dn {
                None => None,
                Some(_) => {
                    let keyring =
                        Keyring::open().map_err(|err| SignInError::Setup(err.to_string()))?;
                    keyring
                        .get(&Secret::LdapBind {
                            deployment: &settings.deployment_name,
                        })
                        .map_err(|err| SignInError::Setup(err.to_string()))?
                }
            };
            crate::auth::ldap::verify(&settings.ldap, bind_password.as_deref(), user, password)
        }
    }
}

/// "password file" / "LDAP".
pub fn auth_name(settings: &Settings) -> &'static str {
    match settings.auth {
        AuthKind::Os => "the OS",
        AuthKind::Csv => "the password file",
        AuthKind::Ldap => "LDAP",
    }
}

/// The identity of a verified user (or of the OS's word when `verified`
/// is None), with their role and quota.
pub fn identity(
    settings: &Settings,
    settings_file: &Path,
    os: &OsWord,
    verified: Option<&Verified>,
) -> Result<Identity, String> {
    let shared = is_shared(settings, os.under_sudo);
    let (user, from_sign_in, source) = match verified {
        None => (os.user.clone(), None, AuthSource::Os(os.source.into())),
        Some(v) => {
            crate::model::execution::check_label_value("user name", &v.user).map_err(|why| {
                format!(
                    "{why}: this user name cannot own executions; ask the administrator for another"
                )
            })?;
            let source = match settings.auth {
                AuthKind::Ldap => AuthSource::Ldap,
                _ => AuthSource::Csv,
            };
            (v.user.clone(), v.role.as_deref(), source)
        }
    };
    let (role, quota) = grant(settings, &user, from_sign_in, shared)
        .map_err(|why| format!("{why} (in {})", settings_file.display()))?;
    let identity = Identity {
        user,
        role,
        quota,
        fs_uid: settings.fs_uid.unwrap_or_else(own_uid),
        source,
        shared,
    };
    tracing::info!(
        "identity: {} (role {}, quota {}, from {}{})",
        identity.user,
        identity.role.name,
        identity.quota.name,
        identity.source.describe(),
        if shared { ", shared deployment" } else { "" }
    );
    Ok(identity)
}

fn open_keyring() -> Result<Keyring, String> {
    Keyring::open().map_err(|err| err.to_string())
}

/// Remembers a verified sign-in of `os_user`; returns the store's name.
pub fn remember(
    settings: &Settings,
    os_user: &str,
    user: &str,
    password: &str,
) -> Result<&'static str, String> {
    let keyring = open_keyring()?;
    let value = Remembered {
        user: user.into(),
        password: password.into(),
    };
    keyring
        .set(
            &Secret::SignIn {
                deployment: &settings.deployment_name,
                os_user,
            },
            &value.to_json(),
        )
        .map_err(|err| err.to_string())?;
    Ok(keyring.store_name())
}

/// Forgets the remembered sign-in of `os_user`: whether there was one.
pub fn forget(settings: &Settings, os_user: &str) -> Result<bool, String> {
    open_keyring()?
        .delete(&Secret::SignIn {
            deployment: &settings.deployment_name,
            os_user,
        })
        .map_err(|err| err.to_string())
}

/// The identity of the remembered sign-in of `os.user`, verified again
/// now (a removed user or a changed password stops working at once).
pub fn remembered_identity(
    settings: &Settings,
    settings_file: &Path,
    os: &OsWord,
) -> Result<Identity, String> {
    let kind = match settings.auth {
        AuthKind::Os => return identity(settings, settings_file, os, None),
        AuthKind::Csv => "csv",
        AuthKind::Ldap => "ldap",
    };
    let not_signed_in = || {
        format!(
            "not signed in: run `zoe login` (auth = \"{kind}\" in {})",
            settings_file.display()
        )
    };
    let keyring = open_keyring().map_err(|why| format!("{}: {why}", not_signed_in()))?;
    let stored = keyring
        .get(&Secret::SignIn {
            deployment: &settings.deployment_name,
            os_user: &os.user,
        })
        .map_err(|err| format!("{}: {err}", not_signed_in()))?;
    let Some(remembered) = stored.as_deref().and_then(Remembered::from_json) else {
        return Err(not_signed_in());
    };
    let verified = verify(
        settings,
        settings_file,
        &remembered.user,
        &remembered.password,
    )
    .map_err(|why| {
        format!(
            "the remembered sign-in of `{}` no longer works: {why}; run `zoe login` again",
            remembered.user
        )
    })?;
    identity(settings, settings_file, os, Some(&verified))
}

/// "signed in as alice (role admin, from LDAP)".
pub fn describe(identity: &Identity) -> String {
    format!(
        "signed in as {} (role {}, from {})",
        identity.user,
        identity.role.name,
        identity.source.describe()
    )
}
