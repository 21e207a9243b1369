//! Registry credentials as the console hands them to a backend for a pull,
//! and which registry an image comes from. Pure; the password never shows
//! in `Debug`.

use super::text::base64;

/// The registry key of Docker Hub (images without a registry part).
pub const DOCKER_HUB: &str = "docker.io";

/// Credentials for one registry (`HOST[:PORT]`).
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryAuth {
    pub host: String,
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryAuth")
            .field("host", &self.host)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl RegistryAuth {
    /// The address Docker and Kubernetes know the registry by: Docker
    /// Hub's is its v1 index URL, others their `HOST[:PORT]`.
    pub fn server_address(&self) -> String {
        server_address(&self.host)
    }

    /// A `kubernetes.io/dockerconfigjson` document for these credentials.
    pub fn docker_config_json(&self) -> String {
        let auth = base64(format!("{}:{}", self.user, self.password).as_bytes());
        serde_json::json!({
            "auths": {
                self.server_address(): {
                    "username": self.user,
                    "password": self.password,
                    "auth": auth,
                }
            }
        })
        .to_string()
    }

    /// `Basic …` for an HTTP Authorization header.
    pub fn basic_authorization(&self) -> String {
        format!(
            "Basic {}",
            base64(format!("{}:{}", self.user, self.password).as_bytes())
        )
    }
}

/// The address of registry `host` as Docker and Kubernetes name it.
pub fn server_address(host: &str) -> String {
    if host == DOCKER_HUB {
        "https://index.docker.io/v1/".to_string()
    } else {
        host.to_string()
    }
}

/// The registry an image reference comes from, as Docker decides it: the
/// part before the first `/` when it contains `.` or `:` or is
/// `localhost`, else Docker Hub (`docker.io`).
pub fn registry_of(image: &str) -> String {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            let first = first.to_ascii_lowercase();
            match first.as_str() {
                "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_string(),
                _ => first,
            }
        }
        _ => DOCKER_HUB.to_string(),
    }
}

/// Whether `host` (`HOST[:PORT]`) is a well-formed registry address: a
/// host name or IP (IPv6 in brackets) and an optional port, nothing else.
pub fn check_host(host: &str) -> Result<(), String> {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    };
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!("`{port}` is not a port number"));
    }
    let bare = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    let ok = !bare.is_empty()
        && bare.len() <= 253
        && bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !bare.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(
            "a registry is HOST or HOST:PORT (e.g. registry.example.com, 127.0.0.1:5000), \
             without a scheme or path"
                .to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_as_docker_decides() {
        for (image, registry) in [
            ("busybox", "docker.io"),
            ("library/busybox:1", "docker.io"),
            ("zoe-demo/busybox:1", "docker.io"),
            ("127.0.0.1:25001/private/busybox:1", "127.0.0.1:25001"),
            ("localhost/x", "localhost"),
            ("Registry.Example.com/a/b@sha256:00", "registry.example.com"),
            ("index.docker.io/library/x", "docker.io"),
            ("host:5000/x", "host:5000"),
        ] {
            assert_eq!(registry_of(image), registry, "{image}");
        }
    }

    #[test]
    fn debug_never_shows_the_password() {
        let auth = RegistryAuth {
            host: "h:1".into(),
            user: "u".into(),
            password: "hunter2".into(),
        };
        let text = format!("{auth:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("h:1"));
    }

    #[test]
    fn base64_and_docker_config() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        let auth = RegistryAuth {
            host: "127.0.0.1:25001".into(),
            user: "user".into(),
            password: "pass".into(),
        };
        let doc: serde_json::Value =
            serde_json::from_str(&auth.docker_config_json()).unwrap_or_default();
        assert_eq!(doc["auths"]["127.0.0.1:25001"]["auth"], "dXNlcjpwYXNz");
        assert_eq!(auth.basic_authorization(), "Basic dXNlcjpwYXNz");
    }

    #[test]
    fn hosts_are_checked() {
        for ok in [
            "registry.example.com",
            "127.0.0.1:25001",
            "localhost:5000",
            "[::1]:5000",
        ] {
            assert_eq!(check_host(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "https://x",
            "x/y",
            "x:0",
            "x:99999",
            "a b",
            "-x",
            "x:port",
        ] {
            assert!(check_host(bad).is_err(), "{bad}");
        }
    }
}
