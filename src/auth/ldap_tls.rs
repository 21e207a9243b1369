//! Reaching the LDAP server: TLS (`ldaps://` or StartTLS) with the CA of
//! `ca_file` or the system's roots, plain `ldap://` only to this machine,
//! and what went wrong connecting in the words the user needs.

use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};

use super::signin::SignInError;
use crate::config::access_settings::LdapSetting;

pub fn unreachable(ldap: &LdapSetting, why: &str) -> SignInError {
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

/// The URI's scheme, lowercased (`LDAPS://h` → `ldaps`): schemes are
/// case-insensitive (RFC 3986), so every comparison goes through this.
fn scheme(uri: &str) -> Option<String> {
    uri.split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase())
}

/// How to reach the server: `Ok(true)` for TLS (ldaps:// or StartTLS),
/// `Ok(false)` for plain loopback LDAP; StartTLS on anything but
/// `ldap://`, or plain LDAP across a network, is refused.
fn tls_wanted(ldap: &LdapSetting) -> Result<bool, SignInError> {
    let scheme = scheme(&ldap.uri);
    if ldap.starttls && scheme.as_deref() != Some("ldap") {
        return Err(SignInError::Setup(format!(
            "[ldap] uri {} with starttls = true: StartTLS upgrades an ldap:// connection only; \
             use an ldap://… uri with starttls, or ldaps://… with starttls = false",
            ldap.uri
        )));
    }
    if ldap.starttls || scheme.as_deref() == Some("ldaps") {
        return Ok(true);
    }
    if loopback_plain(&ldap.uri) {
        return Ok(false);
    }
    Err(SignInError::Setup(format!(
        "[ldap] uri {} sends passwords in clear: use ldaps:// or set starttls = true",
        ldap.uri
    )))
}

/// Whether the URI is plain `ldap://` to this machine (where no TLS is
/// acceptable: nothing crosses a network).
fn loopback_plain(uri: &str) -> bool {
    if scheme(uri).as_deref() != Some("ldap") {
        return false;
    }
    let rest = uri.split_once("://").map_or("", |(_, rest)| rest);
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

pub async fn connect(ldap: &LdapSetting) -> Result<Ldap, SignInError> {
    let tls = tls_wanted(ldap)?;
    let mut settings = LdapConnSettings::new()
        .set_conn_timeout(Duration::from_secs(u64::from(ldap.timeout_secs.max(1))))
        .set_starttls(ldap.starttls);
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
    fn plain_ldap_only_to_this_machine() {
        assert!(loopback_plain("ldap://127.0.0.1:3890/"));
        assert!(loopback_plain("ldap://localhost"));
        assert!(!loopback_plain("ldap://ldap.example.com"));
        assert!(!loopback_plain("ldaps://127.0.0.1"));
        assert!(loopback_plain("LDAP://127.0.0.1:3890/"));
        assert!(!loopback_plain("LDAPS://127.0.0.1"));
    }

    fn with(uri: &str, starttls: bool) -> LdapSetting {
        LdapSetting {
            uri: uri.into(),
            starttls,
            ..LdapSetting::default()
        }
    }

    #[test]
    fn scheme_is_compared_without_case() {
        assert!(matches!(
            tls_wanted(&with("LDAPS://ldap.example.com", false)),
            Ok(true)
        ));
        assert!(matches!(
            tls_wanted(&with("Ldap://ldap.example.com", true)),
            Ok(true)
        ));
        assert!(matches!(
            tls_wanted(&with("LDAP://localhost", false)),
            Ok(false)
        ));
        let err = tls_wanted(&with("LDAP://ldap.example.com", false))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("sends passwords in clear"), "{err}");
    }

    #[test]
    fn starttls_only_with_ldap_scheme() {
        for uri in [
            "ldaps://ldap.example.com",
            "LDAPS://ldap.example.com",
            "ldapi://%2Frun%2Fslapd",
            "ldap.example.com",
        ] {
            let err = tls_wanted(&with(uri, true))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.contains("[ldap] uri") && err.contains("starttls = true"),
                "{uri}: {err}"
            );
        }
    }
}
