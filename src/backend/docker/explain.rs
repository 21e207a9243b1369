//! bollard's errors in words: what happened and what to fix, instead of
//! hyper's chain (`Error in the hyper legacy client: client error
//! (Connect)…`) or an empty text with a status code. The cause is found by
//! type (rustls' error, the I/O error kind, Docker's HTTP status) where the
//! chain has one, by hyper's words where it has not.

use std::error::Error;

use rustls::{AlertDescription, CertificateError};

use crate::config::docker_conf::TlsFiles;

/// What the words may name: the TLS files of the host, when it has them,
/// and the host name of its address.
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    pub tls: Option<&'a TlsFiles>,
    pub host_name: Option<&'a str>,
}

/// Why connecting failed (the daemon never gave a usable answer).
pub fn connect_failure(err: &bollard::errors::Error, target: Target<'_>) -> String {
    use bollard::errors::Error as E;
    match err {
        E::DockerResponseServerError {
            status_code,
            message,
        } if *status_code == 400 && message.contains("HTTP request to an HTTPS server") => {
            "the daemon expects TLS on this port (it refused a plain HTTP request): set use_tls: yes \
             with tls_ca, tls_cert and tls_key, or use its plain port"
                .to_string()
        }
        E::DockerResponseServerError {
            status_code,
            message,
        } => format!(
            "the server answered {} to Docker's /version{}: it is not a Docker daemon (or not one this console \
             can talk to); check the port in docker_address",
            status(*status_code),
            quoted(message)
        ),
        _ => cause(err, target).unwrap_or_else(|| chain_text(err)),
    }
}

/// Why a Docker API call failed, for any call: Docker's own message with
/// its status (a status alone in words), else the cause in words.
pub fn call_failure(err: &bollard::errors::Error) -> String {
    if let bollard::errors::Error::DockerResponseServerError {
        status_code,
        message,
    } = err
    {
        let message = message.trim();
        return if message.is_empty() {
            format!(
                "the daemon answered {} without a message (HTTP {status_code})",
                status(*status_code)
            )
        } else {
            format!("{message} (HTTP {status_code})")
        };
    }
    cause(err, Target::default()).unwrap_or_else(|| chain_text(err))
}

/// The cause found down the chain, in words; None when nothing known is.
fn cause(err: &(dyn Error + 'static), target: Target<'_>) -> Option<String> {
    let links = links(err);
    if let Some(tls) = links.iter().find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return Some(tls_failure(tls, target));
    }
    if let Some(e) = links
        .iter()
        .find_map(|e| e.downcast_ref::<bollard::errors::Error>())
        && let bollard::errors::Error::SocketNotFoundError(path) = e
    {
        return Some(format!(
            "no socket at {path}: is the daemon running, and is docker_address right?"
        ));
    }
    let texts: Vec<String> = links.iter().map(|e| e.to_string()).collect();
    if texts.iter().any(|t| t.starts_with("dns error")) {
        let name = target.host_name.unwrap_or("the host name");
        return Some(format!(
            "cannot resolve the host name `{name}`: check docker_address (and this machine's DNS)"
        ));
    }
    for io in links
        .iter()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
    {
        use std::io::ErrorKind as K;
        let words = match io.kind() {
            K::ConnectionRefused => Some(
                "connection refused: nothing listens on that port; is the daemon running, and is docker_address right?"
                    .to_string(),
            ),
            K::PermissionDenied => Some(
                "permission denied on the daemon's socket: run as root or as a member of its group (usually `docker`)"
                    .to_string(),
            ),
            K::TimedOut => Some("the connection timed out: is the host up, and is the port open in its firewall?".to_string()),
            K::HostUnreachable | K::NetworkUnreachable => Some(format!(
                "the host cannot be reached ({io}): check docker_address and the network"
            )),
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                Some(closed(target))
            }
            _ => None,
        };
        if words.is_some() {
            return words;
        }
    }
    if texts
        .iter()
        .any(|t| t.contains("connection closed before message completed"))
    {
        return Some(closed(target));
    }
    None
}

fn closed(target: Target<'_>) -> String {
    let hint = if target.tls.is_some() {
        "is it the daemon's TLS port?"
    } else {
        "does it expect TLS (use_tls: yes)?"
    };
    format!(
        "the server closed the connection without answering: check that docker_address is a Docker daemon's port ({hint})"
    )
}

fn tls_failure(err: &rustls::Error, target: Target<'_>) -> String {
    let file = |pick: fn(&TlsFiles) -> &std::path::Path| {
        target
            .tls
            .map(|t| format!(" {}", pick(t).display()))
            .unwrap_or_default()
    };
    let (cert, key, ca) = (file(|t| &t.cert), file(|t| &t.key), file(|t| &t.ca));
    match err {
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::AccessDenied => format!(
                "the daemon refused the client certificate (TLS alert {alert:?}): tls_cert{cert} is expired, \
                 not signed by a CA the daemon trusts (its --tlscacert), or not made for client authentication \
                 (extendedKeyUsage clientAuth); see `openssl x509 -noout -dates -issuer -ext extendedKeyUsage -in{cert}`"
            ),
            AlertDescription::CertificateRequired | AlertDescription::NoCertificate => format!(
                "the daemon requires a client certificate and none was sent (TLS alert {alert:?}): set tls_cert and tls_key"
            ),
            AlertDescription::DecryptError => format!(
                "the daemon could not verify the client's signature (TLS alert DecryptError): tls_key{key} \
                 does not belong to tls_cert{cert}; use the key the certificate was issued for"
            ),
            AlertDescription::HandshakeFailure
            | AlertDescription::ProtocolVersion
            | AlertDescription::InsufficientSecurity => format!(
                "the daemon and this console share no TLS version or cipher (TLS alert {alert:?}): \
                 the daemon must accept TLS 1.2 or 1.3 with a modern cipher"
            ),
            _ => format!("the daemon ended the TLS handshake (TLS alert {alert:?})"),
        },
        rustls::Error::InvalidCertificate(why) => server_certificate(why, &ca, target),
        rustls::Error::InvalidMessage(_) => {
            "the server does not speak TLS (it answered in plain text): set use_tls: no for this host, \
             or use the daemon's TLS port (usually 2376)"
                .to_string()
        }
        other => format!("the TLS handshake failed: {other}"),
    }
}

fn server_certificate(why: &CertificateError, ca: &str, target: Target<'_>) -> String {
    let name = target.host_name.unwrap_or("this address");
    match why {
        CertificateError::UnknownIssuer | CertificateError::BadSignature => format!(
            "the daemon's certificate is not signed by tls_ca{ca} (unknown issuer): point tls_ca at the \
             certificate of the CA that signed the daemon's (dockerd --tlscert)"
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => format!(
            "the daemon's certificate has expired ({why}): renew it on the daemon (dockerd --tlscert)"
        ),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => format!(
            "the daemon's certificate is not valid yet ({why}): check the clocks of both machines"
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!(
                "the daemon's certificate is not valid for `{name}` ({why}): use a name or address its \
                 subjectAltName lists in docker_address, or reissue it for this one"
            )
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            format!(
                "the daemon's certificate is not made for a server ({why}): reissue it with extendedKeyUsage serverAuth"
            )
        }
        other => format!("the daemon's certificate was refused: {other}"),
    }
}

/// The error and its sources, looking inside I/O errors too (their
/// `source` skips the error they wrap, which is where rustls' is).
fn links<'a>(err: &'a (dyn Error + 'static)) -> Vec<&'a (dyn Error + 'static)> {
    let mut out: Vec<&'a (dyn Error + 'static)> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next
        && out.len() < 32
    {
        out.push(e);
        next = match e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    out
}

/// The chain as text, without hyper's wrappers ("Error in the hyper legacy
/// client", "client error (Connect)"), for causes not known above.
fn chain_text(err: &(dyn Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in links(err) {
        let text = e.to_string();
        let wrapper = text.starts_with("Error in the hyper legacy client")
            || text.starts_with("client error (")
            || text.is_empty();
        if !wrapper && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    if parts.is_empty() {
        "no reason given".into()
    } else {
        parts.join(": ")
    }
}

/// `404 Not Found`-like words for an HTTP status.
fn status(code: u16) -> String {
    let words = match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    };
    format!("HTTP {code} {words}").trim_end().to_string()
}

fn quoted(message: &str) -> String {
    let message = message.trim();
    if message.is_empty() {
        " without a message".into()
    } else {
        format!(" (`{message}`)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error as IoError, ErrorKind};
    use std::path::PathBuf;

    /// An error with a source, as hyper's wrappers are.
    #[derive(Debug)]
    struct Wrapper(&'static str, IoError);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Wrapper {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.1)
        }
    }

    fn files() -> TlsFiles {
        TlsFiles {
            cert: PathBuf::from("/etc/zoe/cert.pem"),
            key: PathBuf::from("/etc/zoe/key.pem"),
            ca: PathBuf::from("/etc/zoe/ca.pem"),
        }
    }

    fn explain(err: impl Error + Send + Sync + 'static, tls: bool) -> String {
        let files = files();
        let target = Target {
            tls: tls.then_some(&files),
            host_name: Some("docker1.example"),
        };
        let wrapped = Wrapper("client error (SendRequest)", IoError::other(err));
        cause(&wrapped, target).unwrap_or_else(|| chain_text(&wrapped))
    }

    fn tls(err: rustls::Error) -> IoError {
        IoError::new(ErrorKind::InvalidData, err)
    }

    #[test]
    fn each_tls_failure_says_what_to_fix() {
        let refused = explain(
            tls(rustls::Error::AlertReceived(
                AlertDescription::BadCertificate,
            )),
            true,
        );
        assert!(
            refused.contains("refused the client certificate")
                && refused.contains("tls_cert /etc/zoe/cert.pem is expired"),
            "{refused}"
        );
        let key = explain(
            tls(rustls::Error::AlertReceived(AlertDescription::DecryptError)),
            true,
        );
        assert!(
            key.contains("tls_key /etc/zoe/key.pem does not belong to tls_cert /etc/zoe/cert.pem"),
            "{key}"
        );
        let none = explain(
            tls(rustls::Error::AlertReceived(
                AlertDescription::CertificateRequired,
            )),
            true,
        );
        assert!(none.contains("none was sent"), "{none}");
        let issuer = explain(
            tls(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
            true,
        );
        assert!(
            issuer.contains("not signed by tls_ca /etc/zoe/ca.pem"),
            "{issuer}"
        );
        let name = explain(
            tls(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName,
            )),
            true,
        );
        assert!(name.contains("not valid for `docker1.example`"), "{name}");
        let plain = explain(
            tls(rustls::Error::InvalidMessage(
                rustls::InvalidMessage::InvalidContentType,
            )),
            true,
        );
        assert!(
            plain.contains("does not speak TLS") && plain.contains("use_tls: no"),
            "{plain}"
        );
        for text in [refused, key, none, issuer, name, plain] {
            assert!(!text.contains("client error"), "{text}");
        }
    }

    #[test]
    fn network_failures_are_not_blamed_on_certificates() {
        let refused = explain(IoError::from(ErrorKind::ConnectionRefused), true);
        assert!(
            refused.contains("connection refused") && refused.contains("is the daemon running"),
            "{refused}"
        );
        assert!(!refused.contains("certificate"), "{refused}");
        let dns = Wrapper(
            "dns error",
            IoError::other("failed to lookup address information"),
        );
        let files = files();
        let target = Target {
            tls: Some(&files),
            host_name: Some("nowhere.invalid"),
        };
        let words = cause(&dns, target).unwrap_or_default();
        assert!(
            words.contains("`nowhere.invalid`") && words.contains("docker_address"),
            "{words}"
        );
        assert!(!words.contains("certificate"), "{words}");
        let closed = explain(
            IoError::other("connection closed before message completed"),
            false,
        );
        assert!(
            closed.contains("closed the connection") && closed.contains("use_tls: yes"),
            "{closed}"
        );
    }

    #[test]
    fn statuses_without_a_message_are_said_in_words() {
        let empty = bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message: String::new(),
        };
        assert_eq!(
            call_failure(&empty),
            "the daemon answered HTTP 404 Not Found without a message (HTTP 404)"
        );
        let at_connect = connect_failure(&empty, Target::default());
        assert!(
            at_connect.contains("HTTP 404 Not Found") && at_connect.contains("not a Docker daemon"),
            "{at_connect}"
        );
        let https = bollard::errors::Error::DockerResponseServerError {
            status_code: 400,
            message: "Client sent an HTTP request to an HTTPS server.\n".into(),
        };
        assert!(connect_failure(&https, Target::default()).contains("expects TLS"));
        let said = bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message: "No such container: x ".into(),
        };
        assert_eq!(call_failure(&said), "No such container: x (HTTP 404)");
    }

    #[test]
    fn unknown_chains_lose_hypers_wrappers() {
        let odd = Wrapper(
            "Error in the hyper legacy client: client error (Connect)",
            IoError::other("something odd"),
        );
        assert_eq!(chain_text(&odd), "something odd");
    }
}
