//! The operating system's word on who runs the console (`auth = "os"`, and
//! the OS user a remembered sign-in belongs to): `SUDO_USER` when sudo ran
//! us as root or as the service account, else `user` from the settings,
//! else the login name, else the passwd name of our uid. Pure rules here;
//! the facts (uid, environment, /etc/passwd, the settings file's owner) are
//! read by the caller.

use crate::model::execution::check_label_value;

/// What the process knows about who runs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsFacts {
    /// `$SUDO_USER`, when set and not empty.
    pub sudo_user: Option<String>,
    /// Our (real) uid.
    pub uid: u32,
    /// The uid of the settings' `service_account`, from /etc/passwd.
    pub service_uid: Option<u32>,
    /// `user` in the settings.
    pub settings_user: Option<String>,
    /// `$USER`, else `$LOGNAME`.
    pub login_name: Option<String>,
    /// The passwd name of our uid.
    pub passwd_name: Option<String>,
}

/// Who the OS says is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsWord {
    pub user: String,
    /// `sudo`, `settings`, `login name` or `passwd`.
    pub source: &'static str,
    /// Run through sudo as root or the service account: the user is
    /// `SUDO_USER` and the settings must be the administrator's.
    pub under_sudo: bool,
    /// A `SUDO_USER` we did not believe (we run as an ordinary user, so
    /// anyone could have set it): for the `-v` log.
    pub ignored_sudo_user: Option<String>,
}

/// Whether we run as somebody sudo may have switched to on a user's
/// behalf: root, or the service account.
pub fn trusted_sudo_target(uid: u32, service_uid: Option<u32>) -> bool {
    uid == 0 || service_uid == Some(uid)
}

/// Decides who is asking from the facts; `settings_file` only for
/// messages.
pub fn decide(facts: &OsFacts, settings_file: &str) -> Result<OsWord, String> {
    let sudo_user = facts.sudo_user.clone().filter(|u| !u.is_empty());
    let trusted = trusted_sudo_target(facts.uid, facts.service_uid);
    let (user, source, under_sudo) = match (&sudo_user, trusted) {
        (Some(user), true) => (user.clone(), "sudo", true),
        _ => {
            let (user, source) = if let Some(user) = facts.settings_user.clone() {
                (user, "settings")
            } else if let Some(user) = facts.login_name.clone().filter(|u| !u.is_empty()) {
                (user, "login name")
            } else if let Some(user) = facts.passwd_name.clone() {
                (user, "passwd")
            } else {
                return Err(format!(
                    "cannot tell who you are: $USER is not set and uid {} has no passwd entry; set `user` in {settings_file}",
                    facts.uid
                ));
            };
            (user, source, false)
        }
    };
    check_label_value("user name", &user)
        .map_err(|why| format!("{why} (from {source}); set `user` in {settings_file}"))?;
    Ok(OsWord {
        user,
        source,
        under_sudo,
        ignored_sudo_user: if under_sudo { None } else { sudo_user },
    })
}

/// Under (trusted) sudo the settings are the administrator's: the file
/// must be owned by root or the service account and writable by nobody
/// else. `mode` is the file's permission bits.
pub fn check_admin_settings(
    file: &str,
    owner_uid: u32,
    mode: u32,
    service_uid: Option<u32>,
    service_account: Option<&str>,
) -> Result<(), String> {
    let owners = match service_account {
        Some(name) => format!("root or {name}"),
        None => "root".into(),
    };
    let what_to_do = format!(
        "under sudo the settings must be the administrator's (owned by {owners}, not writable by others)"
    );
    if owner_uid != 0 && service_uid != Some(owner_uid) {
        return Err(format!("{file} is owned by uid {owner_uid}: {what_to_do}"));
    }
    if mode & 0o022 != 0 {
        return Err(format!(
            "{file} is writable by its group or by others (mode {:o}): {what_to_do}",
            mode & 0o7777
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(sudo: Option<&str>, uid: u32, service: Option<u32>) -> OsFacts {
        OsFacts {
            sudo_user: sudo.map(str::to_string),
            uid,
            service_uid: service,
            settings_user: None,
            login_name: Some("runner".into()),
            passwd_name: Some("pw".into()),
        }
    }

    #[test]
    fn sudo_user_is_believed_only_as_root_or_the_service_account() {
        // (SUDO_USER, uid, service uid) -> (user, source, under sudo)
        type Row<'a> = (Option<&'a str>, u32, Option<u32>, &'a str, &'a str, bool);
        let table: [Row; 7] = [
            (Some("alice"), 0, None, "alice", "sudo", true),
            (Some("alice"), 0, Some(990), "alice", "sudo", true),
            (Some("alice"), 990, Some(990), "alice", "sudo", true),
            (
                Some("alice"),
                1000,
                Some(990),
                "runner",
                "login name",
                false,
            ),
            (Some("alice"), 1000, None, "runner", "login name", false),
            (None, 0, Some(990), "runner", "login name", false),
            (Some(""), 0, None, "runner", "login name", false),
        ];
        for (sudo, uid, service, user, source, under) in table {
            let word = decide(&facts(sudo, uid, service), "c.toml").unwrap();
            assert_eq!(
                (word.user.as_str(), word.source, word.under_sudo),
                (user, source, under),
                "SUDO_USER={sudo:?} uid={uid} service={service:?}"
            );
        }
        let word = decide(&facts(Some("alice"), 1000, Some(990)), "c.toml").unwrap();
        assert_eq!(word.ignored_sudo_user.as_deref(), Some("alice"));
        let word = decide(&facts(Some("alice"), 0, None), "c.toml").unwrap();
        assert_eq!(word.ignored_sudo_user, None);
    }

    #[test]
    fn without_sudo_settings_then_login_name_then_passwd() {
        let mut f = facts(None, 1000, None);
        f.settings_user = Some("set".into());
        assert_eq!(decide(&f, "c").unwrap().source, "settings");
        // sudo wins over the settings' user
        f.sudo_user = Some("alice".into());
        f.uid = 0;
        assert_eq!(decide(&f, "c").unwrap().user, "alice");
        let mut f = facts(None, 1000, None);
        f.login_name = None;
        let word = decide(&f, "c").unwrap();
        assert_eq!((word.user.as_str(), word.source), ("pw", "passwd"));
        f.passwd_name = None;
        let err = decide(&f, "c.toml").unwrap_err();
        assert!(err.contains("cannot tell who you are") && err.contains("c.toml"));
    }

    #[test]
    fn names_are_checked_as_labels() {
        let f = facts(Some("bad name!"), 0, None);
        let err = decide(&f, "c.toml").unwrap_err();
        assert!(err.contains("from sudo") && err.contains("c.toml"), "{err}");
    }

    #[test]
    fn the_settings_under_sudo_must_be_the_administrators() {
        assert!(check_admin_settings("/etc/zoe/config.toml", 0, 0o644, None, None).is_ok());
        assert!(
            check_admin_settings("/etc/zoe/c.toml", 990, 0o640, Some(990), Some("zoe")).is_ok()
        );
        let err = check_admin_settings("/home/m/evil.toml", 1000, 0o644, Some(990), Some("zoe"))
            .unwrap_err();
        assert_eq!(
            err,
            "/home/m/evil.toml is owned by uid 1000: under sudo the settings must be the \
             administrator's (owned by root or zoe, not writable by others)"
        );
        let err = check_admin_settings("/etc/c.toml", 0, 0o664, None, None).unwrap_err();
        assert!(
            err.contains("writable by its group") && err.contains("664"),
            "{err}"
        );
        assert!(check_admin_settings("/etc/c.toml", 0, 0o646, None, None).is_err());
    }
}
