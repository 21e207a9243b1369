//! Registry credentials in the OS keyring (`zoe registry login HOST`), and
//! checking them against the registry before they are kept. The value kept
//! is `{"user": …, "password": …}` under `registry/HOST`; nothing of it is
//! logged or shown.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::secrets::{Keyring, Secret, SecretError};
use crate::model::registry::RegistryAuth;
use crate::model::text::visible;

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    user: String,
    password: String,
}

/// Keeps `auth` in the keyring (replacing what was there for its host).
pub fn store(keyring: &Keyring, auth: &RegistryAuth) -> Result<(), SecretError> {
    let value = serde_json::to_string(&Stored {
        user: auth.user.clone(),
        password: auth.password.clone(),
    })
    .map_err(|_| SecretError::Failed("cannot encode the registry credentials".into()))?;
    keyring.set(&Secret::Registry { host: &auth.host }, &value)
}

/// The credentials kept for `host`, if any.
pub fn load(keyring: &Keyring, host: &str) -> Result<Option<RegistryAuth>, SecretError> {
    let Some(value) = keyring.get(&Secret::Registry { host })? else {
        return Ok(None);
    };
    let stored: Stored = serde_json::from_str(&value).map_err(|_| {
        SecretError::Failed(format!(
            "the entry for registry {} in {} is not zoe's (not {{user, password}}); \
             zoe registry login {} again",
            visible(host),
            keyring.store_name(),
            visible(host)
        ))
    })?;
    Ok(Some(RegistryAuth {
        host: host.to_ascii_lowercase(),
        user: stored.user,
        password: stored.password,
    }))
}

/// Forgets the credentials for `host`; whether there were some.
pub fn forget(keyring: &Keyring, host: &str) -> Result<bool, SecretError> {
    keyring.delete(&Secret::Registry { host })
}

/// What asking the registry said about credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The registry accepted them.
    Accepted,
    /// It refused them (401 to a basic-auth request).
    Refused,
    /// It could not tell here (not on loopback, token auth, no answer…):
    /// why; the first pull checks them.
    Unchecked(String),
}

/// Whether `host` is on this machine (there it speaks plain HTTP, as the
/// Docker daemon assumes for loopback registries).
pub fn is_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Asks a loopback registry's `GET /v2/` with the credentials (basic auth
/// over plain HTTP). Registries elsewhere speak HTTPS and mostly token
/// auth: those are not asked here (the first pull checks the credentials).
pub fn verify(auth: &RegistryAuth) -> Verdict {
    if !is_loopback(&auth.host) {
        return Verdict::Unchecked(format!(
            "{} is not on this machine: the first pull checks the credentials",
            visible(&auth.host)
        ));
    }
    let with_port = if auth.host.rsplit_once(':').is_some_and(|(_, p)| {
        !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) && !auth.host.ends_with(']')
    }) {
        auth.host.clone()
    } else {
        format!("{}:80", auth.host)
    };
    match get_v2(&with_port, &auth.host, &auth.basic_authorization()) {
        Ok((200, _)) => Verdict::Accepted,
        Ok((401, challenge)) if challenge.to_ascii_lowercase().starts_with("basic") => {
            Verdict::Refused
        }
        Ok((401, _)) => Verdict::Unchecked(
            "the registry uses token auth: the first pull checks the credentials".into(),
        ),
        Ok((status, _)) => Verdict::Unchecked(format!(
            "the registry answered HTTP {status} to GET /v2/: the first pull checks the credentials"
        )),
        Err(why) => Verdict::Unchecked(format!(
            "cannot ask the registry ({why}): the first pull checks the credentials"
        )),
    }
}

/// `GET /v2/` over plain HTTP: the status and the WWW-Authenticate header.
fn get_v2(address: &str, host: &str, authorization: &str) -> Result<(u16, String), String> {
    let timeout = Duration::from_secs(5);
    let addr = address
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .next()
        .ok_or_else(|| format!("{} resolves to no address", visible(address)))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "GET /v2/ HTTP/1.1\r\nHost: {host}\r\nAuthorization: {authorization}\r\n\
         User-Agent: zoe-console\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or("the answer is not HTTP")?;
    let challenge = lines
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("www-authenticate")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_default();
    Ok((status, challenge))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_host_case_does_not_matter() -> Result<(), SecretError> {
        let k = Keyring::mock()?;
        let auth = RegistryAuth {
            host: "Registry.Example.com".into(),
            user: "ann".into(),
            password: "pw".into(),
        };
        store(&k, &auth)?;
        let found = load(
            &k,
            &crate::model::registry::registry_of("registry.example.com/app:1"),
        )?;
        assert_eq!(
            found.map(|a| (a.host, a.user)),
            Some(("registry.example.com".to_string(), "ann".to_string()))
        );
        assert!(forget(&k, "REGISTRY.example.COM")?);
        assert!(load(&k, "registry.example.com")?.is_none());
        Ok(())
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "127.0.0.1:25001",
            "localhost",
            "localhost:5000",
            "[::1]:5000",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["registry.example.com", "10.0.0.1:5000", "example.com:443"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn a_foreign_value_is_refused_without_showing_it() -> Result<(), SecretError> {
        let keyring = Keyring::mock()?;
        keyring.set(&Secret::Registry { host: "h:1" }, "hunter2")?;
        let err = load(&keyring, "h:1").err().map(|e| e.to_string());
        let text = err.unwrap_or_default();
        assert!(text.contains("zoe registry login h:1"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        Ok(())
    }
}
