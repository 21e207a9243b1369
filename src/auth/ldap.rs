//! LDAP sign-in (`auth = "ldap"`, spec §9.4), Zoe's procedure made safe:
//! an empty password is refused here; TLS (`ldaps://` or StartTLS, see
//! [`super::ldap_tls`]) with the CA verified; bind with the service DN; search the base DN for
//! `(uid=<user>)` with the value escaped; exactly one entry; the password
//! verified by comparing `userPassword`, else by binding as the user;
//! always unbind. Roles from 2017.12's gid numbers and from group DNs
//! ([`super::ldap_roles`]).

use std::time::Duration;

use ldap3::{Ldap, Scope, SearchEntry, ldap_escape};

use super::ldap_roles::{Found, role_of};
use super::ldap_tls::{connect, unreachable};
use super::signin::{SignInError, Verified};
use crate::config::access_settings::LdapSetting;

/// The search filter for a user name: its value escaped, so `*`, `(`,
/// `)` and `\` match only themselves.
pub fn user_filter(user: &str) -> String {
    format!("(uid={})", ldap_escape(user))
}

/// Checks a user name and password against the directory. `bind_password`
/// is the service DN's (from the keyring). Runs on a thread of its own
/// with its own runtime, so it may be called from anywhere.
pub fn verify(
    ldap: &LdapSetting,
    bind_password: Option<&str>,
    user: &str,
    password: &str,
) -> Result<Verified, SignInError> {
    if password.is_empty() {
        return Err(SignInError::EmptyPassword);
    }
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|err| {
                        SignInError::Setup(format!("cannot start the LDAP client: {err}"))
                    })?;
                let limit = Duration::from_secs(u64::from(ldap.timeout_secs.max(1)));
                runtime.block_on(async {
                    match tokio::time::timeout(limit, sign_in(ldap, bind_password, user, password))
                        .await
                    {
                        Ok(result) => result,
                        Err(_) => Err(unreachable(
                            ldap,
                            &format!("no answer within {} s", limit.as_secs()),
                        )),
                    }
                })
            })
            .join()
            .unwrap_or_else(|_| Err(SignInError::Setup("the LDAP client failed".into())))
    })
}

/// The answer to the user's own bind (or a refused compare's fallback).
pub fn classify_user_bind(
    ldap: &LdapSetting,
    user: &str,
    rc: u32,
    text: &str,
) -> Result<(), SignInError> {
    let lower = text.to_lowercase();
    let lock_words = [
        "lock", "disabled", "expired", "data 775", "data 533", "data 532", "data 701",
    ];
    match rc {
        0 => Ok(()),
        49 if lock_words.iter().any(|w| lower.contains(w)) => Err(locked(ldap, user, rc, text)),
        49 => Err(SignInError::WrongPassword { user: user.into() }),
        53 | 19 => Err(locked(ldap, user, rc, text)),
        _ => Err(SignInError::Setup(format!(
            "the LDAP server {} refused the sign-in of `{user}`: {}",
            ldap.uri,
            rc_text(rc, text)
        ))),
    }
}

fn locked(ldap: &LdapSetting, user: &str, rc: u32, text: &str) -> SignInError {
    SignInError::Locked {
        user: user.into(),
        uri: ldap.uri.clone(),
        detail: format!(
            "account locked ({}); ask the directory's administrator",
            rc_text(rc, text)
        ),
    }
}

fn rc_text(rc: u32, text: &str) -> String {
    let name = match rc {
        19 => "constraintViolation",
        32 => "noSuchObject",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        53 => "unwillingToPerform",
        _ => "",
    };
    let text = crate::model::text::visible(text);
    match (name, text.is_empty()) {
        ("", true) => format!("result code {rc}"),
        ("", false) => format!("result code {rc}: {text}"),
        (name, true) => format!("{name}, result code {rc}"),
        (name, false) => format!("{name}, result code {rc}: {text}"),
    }
}

async fn sign_in(
    ldap: &LdapSetting,
    bind_password: Option<&str>,
    user: &str,
    password: &str,
) -> Result<Verified, SignInError> {
    let mut handle = connect(ldap).await?;
    let result = with_connection(&mut handle, ldap, bind_password, user, password).await;
    let _ = handle.unbind().await;
    result
}

fn op_failed(ldap: &LdapSetting, what: &str, err: ldap3::LdapError) -> SignInError {
    SignInError::Setup(format!(
        "the LDAP server {} failed to {what}: {err}",
        ldap.uri
    ))
}

async fn with_connection(
    handle: &mut Ldap,
    ldap: &LdapSetting,
    bind_password: Option<&str>,
    user: &str,
    password: &str,
) -> Result<Verified, SignInError> {
    if let Some(dn) = &ldap.bind_dn {
        let Some(secret) = bind_password.filter(|p| !p.is_empty()) else {
            return Err(SignInError::Setup(format!(
                "[ldap] bind_dn {dn} has no password in the keyring: set it with `zoe secret set ldap-bind`"
            )));
        };
        let answer = handle
            .simple_bind(dn, secret)
            .await
            .map_err(|err| op_failed(ldap, "bind", err))?;
        if answer.rc != 0 {
            return Err(SignInError::Setup(format!(
                "the LDAP server {} refused bind_dn {dn} ({}): check its password with `zoe secret set ldap-bind`",
                ldap.uri,
                rc_text(answer.rc, &answer.text)
            )));
        }
    }
    let filter = user_filter(user);
    let (mut entries, _) = handle
        .search(&ldap.base_dn, Scope::Subtree, &filter, vec![ldap.group_attribute.as_str(), "uid"])
        .await
        .map_err(|err| op_failed(ldap, "search", err))?
        .non_error()
        .map_err(|err| {
            SignInError::Setup(format!(
                "the LDAP server {} refused to search base_dn {} for {filter}: {}; check [ldap] base_dn and what bind_dn may read",
                ldap.uri,
                ldap.base_dn,
                crate::model::text::visible(&err.to_string())
            ))
        })?;
    if entries.len() > 1 {
        return Err(SignInError::Setup(format!(
            "{} entries under {} on {} have uid={}: refusing to guess; ask the directory's administrator",
            entries.len(),
            ldap.base_dn,
            ldap.uri,
            crate::model::text::visible(user)
        )));
    }
    let Some(entry) = entries.pop().map(SearchEntry::construct) else {
        return Err(SignInError::UnknownUser {
            user: user.into(),
            place: format!("the LDAP directory {} (under {})", ldap.uri, ldap.base_dn),
        });
    };
    // the directory's spelling of the name (uid matches without regard to
    // case): `BOB` and `bob` are one user, with one role and one quota
    let user = directory_uid(&entry, user);
    let user = user.as_str();
    let found = groups_of(handle, ldap, &entry, user).await?;
    check_password(handle, ldap, &entry.dn, user, password).await?;
    let (role, note) = role_of(ldap, &found);
    Ok(Verified {
        user: user.into(),
        role: Some(role.into()),
        notes: note.into_iter().collect(),
    })
}

/// The entry's own `uid` value that the typed name matched (LDAP compares
/// uid without regard to case); the typed name when the entry shows none.
fn directory_uid(entry: &SearchEntry, typed: &str) -> String {
    entry
        .attrs
        .get("uid")
        .into_iter()
        .flatten()
        .find(|v| v.eq_ignore_ascii_case(typed))
        .cloned()
        .unwrap_or_else(|| typed.to_string())
}

/// Verifies the password: compare `userPassword`; when the server will
/// not (no access, or it holds a hash), bind as the user.
async fn check_password(
    handle: &mut Ldap,
    ldap: &LdapSetting,
    dn: &str,
    user: &str,
    password: &str,
) -> Result<(), SignInError> {
    if let Ok(answer) = handle.compare(dn, "userPassword", password).await
        && answer.0.rc == 6
    {
        return Ok(());
    }
    // the password policy control: OpenLDAP's ppolicy says "account
    // locked" in its response, not in the result's text
    let ask = ldap3::controls::RawControl {
        ctype: PPOLICY.into(),
        crit: false,
        val: None,
    };
    let answer = handle
        .with_controls(ask)
        .simple_bind(dn, password)
        .await
        .map_err(|err| op_failed(ldap, "bind as the user", err))?;
    let policy_error = answer
        .ctrls
        .iter()
        .find(|c| c.1.ctype == PPOLICY)
        .and_then(|c| c.1.val.as_deref())
        .and_then(ppolicy_error);
    if answer.rc != 0 && policy_error == Some(1) {
        return Err(locked(ldap, user, answer.rc, "ppolicy: accountLocked"));
    }
    classify_user_bind(ldap, user, answer.rc, &answer.text)
}

/// The password policy control (draft-behera-ldap-password-policy).
const PPOLICY: &str = "1.3.6.1.4.1.42.2.27.8.5.1";

/// The `error` of a password policy response (`SEQUENCE { warning [0]
/// OPTIONAL, error [1] ENUMERATED OPTIONAL }`): 1 is accountLocked.
pub fn ppolicy_error(value: &[u8]) -> Option<u8> {
    let (&tag, rest) = value.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (&len, mut body) = rest.split_first()?;
    if len & 0x80 != 0 {
        return None;
    }
    body = body.get(..usize::from(len))?;
    while let [tag, len, rest @ ..] = body {
        let len = usize::from(*len);
        if *tag == 0x81 && len == 1 {
            return rest.first().copied();
        }
        body = rest.get(len..)?;
    }
    None
}

/// The user's gid values, the posixGroups listing them, and the group DNs
/// of the settings they belong to.
async fn groups_of(
    handle: &mut Ldap,
    ldap: &LdapSetting,
    entry: &SearchEntry,
    user: &str,
) -> Result<Found, SignInError> {
    let mut found = Found::default();
    for (name, values) in &entry.attrs {
        if name.eq_ignore_ascii_case(&ldap.group_attribute) {
            found.gids.extend(values.iter().cloned());
        }
    }
    let filter = format!(
        "(&(objectClass=posixGroup)(memberUid={}))",
        ldap_escape(user)
    );
    if let Ok(result) = handle
        .search(&ldap.base_dn, Scope::Subtree, &filter, vec!["gidNumber"])
        .await
        && let Ok((groups, _)) = result.success()
    {
        for group in groups.into_iter().map(SearchEntry::construct) {
            for (name, values) in group.attrs {
                if name.eq_ignore_ascii_case("gidNumber") {
                    found.gids.extend(values);
                }
            }
        }
    }
    let member = format!(
        "(|(member={dn})(uniqueMember={dn})(memberUid={uid}))",
        dn = ldap_escape(entry.dn.as_str()),
        uid = ldap_escape(user)
    );
    let groups = ldap
        .admin_groups
        .iter()
        .chain(&ldap.user_groups)
        .chain(&ldap.guest_groups);
    for group in groups {
        let listed = match handle
            .search(group, Scope::Base, &member, vec!["1.1"])
            .await
        {
            Ok(result) => match result.success() {
                Ok((entries, _)) => !entries.is_empty(),
                Err(err) => {
                    tracing::warn!("LDAP group {group} on {}: {err}", ldap.uri);
                    false
                }
            },
            Err(err) => return Err(op_failed(ldap, "search a group", err)),
        };
        if listed {
            found.group_dns.push(group.clone());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting() -> LdapSetting {
        LdapSetting {
            uri: "ldaps://127.0.0.1:6360/".into(),
            ..LdapSetting::default()
        }
    }

    #[test]
    fn the_directory_spells_the_user_name() {
        let entry = SearchEntry {
            dn: "uid=bob,ou=people,dc=example,dc=test".into(),
            attrs: [("uid".to_string(), vec!["bob".to_string()])].into(),
            bin_attrs: Default::default(),
        };
        assert_eq!(directory_uid(&entry, "BOB"), "bob");
        assert_eq!(directory_uid(&entry, "Bob"), "bob");
        let bare = SearchEntry {
            dn: "cn=x".into(),
            attrs: Default::default(),
            bin_attrs: Default::default(),
        };
        assert_eq!(directory_uid(&bare, "x"), "x");
    }

    #[test]
    fn user_names_are_escaped_in_the_filter() {
        assert_eq!(user_filter("ann"), "(uid=ann)");
        assert_eq!(user_filter("*"), "(uid=\\2a)");
        assert_eq!(user_filter("ann*"), "(uid=ann\\2a)");
        assert_eq!(user_filter("*)(uid=*"), "(uid=\\2a\\29\\28uid=\\2a)");
        assert_eq!(
            user_filter("ann)(|(uid=*"),
            "(uid=ann\\29\\28|\\28uid=\\2a)"
        );
        assert_eq!(user_filter("a\\b"), "(uid=a\\5cb)");
        assert_eq!(user_filter("a\0b"), "(uid=a\\00b)");
    }

    #[test]
    fn user_bind_answers_are_classified() {
        let s = setting();
        assert_eq!(classify_user_bind(&s, "ann", 0, ""), Ok(()));
        assert_eq!(
            classify_user_bind(&s, "ann", 49, ""),
            Err(SignInError::WrongPassword { user: "ann".into() })
        );
        for (rc, text) in [
            (49, "Account locked"),
            (
                49,
                "80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 775",
            ),
            (53, "account is disabled"),
            (53, ""),
        ] {
            let err = classify_user_bind(&s, "ann", rc, text)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("account locked") && err.contains("127.0.0.1:6360"),
                "{err}"
            );
        }
        let err = classify_user_bind(&s, "ann", 80, "other")
            .unwrap_err()
            .to_string();
        assert!(err.contains("result code 80: other"), "{err}");
    }

    #[test]
    fn the_password_policy_response_is_read() {
        // error: accountLocked
        assert_eq!(ppolicy_error(&[0x30, 0x03, 0x81, 0x01, 0x01]), Some(1));
        // a warning (graceAuthNsRemaining 2) then error passwordExpired
        assert_eq!(
            ppolicy_error(&[0x30, 0x07, 0xa0, 0x02, 0x81, 0x00, 0x81, 0x01, 0x00]),
            Some(0)
        );
        assert_eq!(ppolicy_error(&[0x30, 0x00]), None);
        assert_eq!(ppolicy_error(&[0x30, 0x05, 0x81]), None);
        assert_eq!(ppolicy_error(&[]), None);
        assert_eq!(ppolicy_error(&[0x04, 0x01, 0x00]), None);
    }

    #[test]
    fn an_empty_password_is_refused_before_asking() {
        assert_eq!(
            verify(&setting(), None, "ann", ""),
            Err(SignInError::EmptyPassword)
        );
    }
}
