//! LDAP sign-in (`auth = "ldap"`, spec §9.4), Zoe's procedure made safe:
//! an empty password is refused here; TLS (`ldaps://` or StartTLS) with the
//! CA verified; bind with the service DN; search the base DN for
//! `(uid=<user>)` with the value escaped; exactly one entry; the password
//! verified by comparing `userPassword`, else by binding as the user;
//! always unbind. Roles from 2017.12's gid numbers and from group DNs
//! ([`super::ldap_roles`]).

use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry, ldap_escape};

use super::ldap_roles::{Found, role_of};
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

fn unreachable(ldap: &LdapSetting, why: &str) -> SignInError {
    SignInError::Setup(format!(
        "the LDAP server {} cannot be reached: {why}; check [ldap] uri and that the server runs",
        ldap.uri
    ))
}

/// Where the server's certificate is checked against, for messages.
fn trust_source(ldap: &LdapSetting) -> String {
    match &ldap.ca_file {
        Some(file) => format!("ca_file {}", file.display()),
        None => "the system's roots".into(),
    }
}

/// Rustls settings trusting `ca_file` (PEM), else the system's roots.
fn tls_config(ldap: &LdapSetting) -> Result<Arc<rustls::ClientConfig>, SignInError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match &ldap.ca_file {
        Some(file) => {
            let bad = |why: String| {
                SignInError::Setup(format!(
                    "[ldap] ca_file {}: {why}; give the PEM file of the CA that signed the LDAP server's certificate",
                    file.display()
                ))
            };
            let certs = CertificateDer::pem_file_iter(file).map_err(|err| bad(err.to_string()))?;
            for cert in certs {
                let cert = cert.map_err(|err| bad(err.to_string()))?;
                roots.add(cert).map_err(|err| bad(err.to_string()))?;
            }
            if roots.is_empty() {
                return Err(bad("no certificate in it".into()));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(SignInError::Setup(format!(
                    "no CA certificates on this system to check the LDAP server {} with: set [ldap] ca_file",
                    ldap.uri
                )));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| SignInError::Setup(format!("TLS for LDAP: {err}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Whether the URI is plain `ldap://` to this machine (where no TLS is
/// acceptable: nothing crosses a network).
fn loopback_plain(uri: &str) -> bool {
    let rest = match uri.strip_prefix("ldap://") {
        Some(rest) => rest,
        None => return false,
    };
    let host = rest.split('/').next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// What went wrong reaching the server, in the words the user needs.
pub fn classify_connect_error(
    ldap: &LdapSetting,
    err: &(dyn std::error::Error + 'static),
) -> SignInError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut texts = Vec::new();
    while let Some(e) = source {
        if let Some(tls) = e.downcast_ref::<rustls::Error>()
            && matches!(tls, rustls::Error::InvalidCertificate(_))
        {
            return untrusted(ldap, &tls.to_string());
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if let Some(inner) = io.get_ref()
                && let Some(tls) = inner.downcast_ref::<rustls::Error>()
                && matches!(tls, rustls::Error::InvalidCertificate(_))
            {
                return untrusted(ldap, &tls.to_string());
            }
            if matches!(
                io.kind(),
                ConnectionRefused
                    | TimedOut
                    | HostUnreachable
                    | NetworkUnreachable
                    | AddrNotAvailable
            ) {
                return unreachable(ldap, &io.to_string());
            }
        }
        texts.push(e.to_string());
        source = e.source();
    }
    let text = texts.join(": ");
    if text.contains("invalid peer certificate") || text.contains("UnknownIssuer") {
        return untrusted(ldap, &text);
    }
    if text.contains("timeout") || text.contains("timed out") || text.contains("refused") {
        return unreachable(ldap, &text);
    }
    SignInError::Setup(format!("the LDAP server {}: {text}", ldap.uri))
}

fn untrusted(ldap: &LdapSetting, why: &str) -> SignInError {
    SignInError::Setup(format!(
        "the LDAP server {}'s certificate is not trusted by {} ({why}); set [ldap] ca_file to the CA that signed it",
        ldap.uri,
        trust_source(ldap)
    ))
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

async fn connect(ldap: &LdapSetting) -> Result<Ldap, SignInError> {
    let tls = ldap.uri.starts_with("ldaps://") || ldap.starttls;
    if !tls && !loopback_plain(&ldap.uri) {
        return Err(SignInError::Setup(format!(
            "[ldap] uri {} sends passwords in clear: use ldaps:// or set starttls = true",
            ldap.uri
        )));
    }
    let mut settings = LdapConnSettings::new()
        .set_conn_timeout(Duration::from_secs(u64::from(ldap.timeout_secs.max(1))))
        .set_starttls(ldap.starttls && ldap.uri.starts_with("ldap://"));
    if tls {
        settings = settings.set_config(tls_config(ldap)?);
    }
    let (conn, handle) = LdapConnAsync::with_settings(settings, &ldap.uri)
        .await
        .map_err(|err| classify_connect_error(ldap, &err))?;
    tokio::spawn(async move {
        let _ = conn.drive().await;
    });
    Ok(handle)
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
    let found = groups_of(handle, ldap, &entry, user).await?;
    check_password(handle, ldap, &entry.dn, user, password).await?;
    let (role, note) = role_of(ldap, &found);
    Ok(Verified {
        user: user.into(),
        role: Some(role.into()),
        notes: note.into_iter().collect(),
    })
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
    fn connection_failures_are_classified() {
        let s = setting();
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let err = classify_connect_error(&s, &refused).to_string();
        assert!(
            err.contains("ldaps://127.0.0.1:6360/ cannot be reached"),
            "{err}"
        );
        let bad_ca = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let err = classify_connect_error(&s, &bad_ca).to_string();
        assert!(
            err.contains("certificate is not trusted by the system's roots")
                && err.contains("ca_file"),
            "{err}"
        );
        let s = LdapSetting {
            ca_file: Some("/etc/zoe/ca.pem".into()),
            ..setting()
        };
        let err = classify_connect_error(&s, &bad_ca).to_string();
        assert!(
            err.contains("not trusted by ca_file /etc/zoe/ca.pem"),
            "{err}"
        );
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
    fn plain_ldap_only_to_this_machine() {
        assert!(loopback_plain("ldap://127.0.0.1:3890/"));
        assert!(loopback_plain("ldap://localhost"));
        assert!(!loopback_plain("ldap://ldap.example.com"));
        assert!(!loopback_plain("ldaps://127.0.0.1"));
    }

    #[test]
    fn an_empty_password_is_refused_before_asking() {
        assert_eq!(
            verify(&setting(), None, "ann", ""),
            Err(SignInError::EmptyPassword)
        );
    }
}
