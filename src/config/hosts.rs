//! Which Docker hosts the console talks to: the settings' `docker_config`
//! (Zoe's docker.conf), else `$ZOE_DOCKER_CONFIG`, else `$DOCKER_HOST` like
//! the docker CLI (with `$DOCKER_TLS_VERIFY` and `$DOCKER_CERT_PATH`), else
//! the local socket.

use std::path::{Path, PathBuf};

use super::docker_conf::{DockerAddress, DockerHost, TlsFiles, parse_docker_conf};
use super::paths::EnvLookup;
use super::settings::Settings;

pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    pub hosts: Vec<DockerHost>,
    /// Where the list came from, for `zoe nodes` and errors.
    pub source: String,
    /// Problems in docker.conf, as `file:line: …` text.
    pub problems: Vec<String>,
}

pub fn load_hosts(settings: &Settings, env: EnvLookup<'_>) -> Result<Hosts, String> {
    let from_env = env("ZOE_DOCKER_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if let Some(file) = settings.docker_config.as_ref().or(from_env.as_ref()) {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("docker_config {}: {e}", file.display()))?;
        let parsed = parse_docker_conf(&text);
        let problems = parsed
            .problems
            .iter()
            .map(|p| match p.line {
                Some(line) => format!(
                    "{}:{line}: {}",
                    file.display(),
                    p.to_string()
                        .split_once(": ")
                        .map_or(p.to_string(), |(_, rest)| rest.to_string())
                ),
                None => format!("{}: {p}", file.display()),
            })
            .collect();
        return Ok(Hosts {
            hosts: parsed.hosts,
            source: file.display().to_string(),
            problems,
        });
    }
    if let Some(docker_host) = env("DOCKER_HOST").filter(|h| !h.is_empty()) {
        let address =
            DockerAddress::parse(&docker_host).map_err(|why| format!("$DOCKER_HOST: {why}"))?;
        let tls = match env("DOCKER_TLS_VERIFY").filter(|v| !v.is_empty() && v != "0") {
            Some(_) => {
                let dir = env("DOCKER_CERT_PATH")
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| env("HOME").map(|h| Path::new(&h).join(".docker")))
                    .unwrap_or_else(|| PathBuf::from(".docker"));
                Some(TlsFiles {
                    cert: dir.join("cert.pem"),
                    key: dir.join("key.pem"),
                    ca: dir.join("ca.pem"),
                })
            }
            None => None,
        };
        let external_address = match &address {
            DockerAddress::Tcp { host, .. } => host.clone(),
            DockerAddress::Unix { .. } => "127.0.0.1".to_string(),
        };
        let host = DockerHost {
            name: "docker".into(),
            address,
            external_address,
            tls,
            labels: Vec::new(),
        };
        return Ok(Hosts {
            hosts: vec![host],
            source: "$DOCKER_HOST".into(),
            problems: Vec::new(),
        });
    }
    let host = DockerHost {
        name: "local".into(),
        address: DockerAddress::Unix {
            path: PathBuf::from(DEFAULT_SOCKET),
        },
        external_address: "127.0.0.1".into(),
        tls: None,
        labels: Vec::new(),
    };
    Ok(Hosts {
        hosts: vec![host],
        source: format!("the default socket {DEFAULT_SOCKET}"),
        problems: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn docker_host_like_the_docker_cli() {
        let hosts = load_hosts(
            &Settings::default(),
            &env_of(&[
                ("DOCKER_HOST", "tcp://10.1.2.3:2376"),
                ("DOCKER_TLS_VERIFY", "1"),
                ("DOCKER_CERT_PATH", "/certs"),
            ]),
        )
        .unwrap();
        let h = &hosts.hosts[0];
        assert_eq!(
            h.address,
            DockerAddress::Tcp {
                host: "10.1.2.3".into(),
                port: 2376
            }
        );
        assert_eq!(h.external_address, "10.1.2.3");
        assert_eq!(
            h.tls.as_ref().map(|t| t.ca.clone()),
            Some(PathBuf::from("/certs/ca.pem"))
        );
        let plain = load_hosts(
            &Settings::default(),
            &env_of(&[
                ("DOCKER_HOST", "unix:///run/d.sock"),
                ("DOCKER_TLS_VERIFY", ""),
            ]),
        )
        .unwrap();
        assert!(plain.hosts[0].tls.is_none());
        assert!(
            load_hosts(
                &Settings::default(),
                &env_of(&[("DOCKER_HOST", "nonsense")])
            )
            .is_err()
        );
    }

    #[test]
    fn zoe_docker_config_comes_before_docker_host() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("d.conf");
        std::fs::write(
            &file,
            "[x]\ndocker_address: 127.0.0.1:1\nexternal_address: 127.0.0.1\nuse_tls: no\n",
        )
        .unwrap();
        let path = file.display().to_string();
        let env = move |k: &str| match k {
            "ZOE_DOCKER_CONFIG" => Some(path.clone()),
            "DOCKER_HOST" => Some("tcp://1.2.3.4:1".to_string()),
            _ => None,
        };
        assert_eq!(
            load_hosts(&Settings::default(), &env).unwrap().hosts[0].name,
            "x"
        );
    }

    #[test]
    fn default_socket_when_nothing_is_configured() {
        let hosts = load_hosts(&Settings::default(), &env_of(&[])).unwrap();
        assert_eq!(
            hosts.hosts[0].address.to_string(),
            "unix:///var/run/docker.sock"
        );
    }

    #[test]
    fn docker_conf_wins_and_problems_carry_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("docker.conf");
        std::fs::write(
            &file,
            "[a]\naddress: 127.0.0.1:1\nexternal_address: 127.0.0.1\nuse_tls: no\n",
        )
        .unwrap();
        let settings = Settings {
            docker_config: Some(file.clone()),
            ..Settings::default()
        };
        let hosts = load_hosts(&settings, &env_of(&[("DOCKER_HOST", "tcp://1.2.3.4:1")])).unwrap();
        assert_eq!(hosts.hosts[0].name, "a");
        assert_eq!(hosts.problems.len(), 1);
        assert!(
            hosts.problems[0].starts_with(&format!("{}:2: [a] warning:", file.display())),
            "{:?}",
            hosts.problems
        );
    }

    #[test]
    fn the_example_docker_conf_parses() {
        let text = include_str!("../../config/docker.conf");
        let parsed = parse_docker_conf(text);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.hosts.len(), 1);
    }
}
