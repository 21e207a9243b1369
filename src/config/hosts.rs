//! Which Docker hosts the console talks to: the settings' `docker_config`
//! (Zoe's docker.conf), else `$ZOE_DOCKER_CONFIG`, plus any `[[hosts]]` of
//! the settings; with none of those, `$DOCKER_HOST` like the docker CLI
//! (with `$DOCKER_TLS_VERIFY` and `$DOCKER_CERT_PATH`), else the local
//! socket.

use std::path::{Path, PathBuf};

use super::docker_conf::{DockerAddress, DockerHost, TlsFiles, parse_docker_conf};
use super::paths::EnvLookup;
use super::settings::{HostSetting, Settings};

pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// One place ZApps run, as configured: a Docker host or a Kubernetes
/// cluster. Nothing above the backend looks inside.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetConfig {
    Docker(DockerHost),
    Kubernetes(super::kube::KubeTarget),
}

impl TargetConfig {
    pub fn name(&self) -> &str {
        match self {
            TargetConfig::Docker(host) => &host.name,
            TargetConfig::Kubernetes(cluster) => &cluster.name,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hosts {
    pub hosts: Vec<DockerHost>,
    /// Where the list came from, for `zoe nodes` and errors.
    pub source: String,
    /// Problems in docker.conf or the settings' hosts, as `file:line: …` text.
    pub problems: Vec<String>,
}

impl Hosts {
    /// The configured hosts as targets.
    pub fn targets(&self) -> Vec<TargetConfig> {
        self.hosts
            .iter()
            .cloned()
            .map(TargetConfig::Docker)
            .collect()
    }
}

pub fn load_hosts(settings: &Settings, env: EnvLookup<'_>) -> Result<Hosts, String> {
    let from_file = from_docker_conf(settings, env)?;
    if from_file.is_none() && settings.hosts.is_empty() {
        return from_environment(env);
    }
    let mut hosts = from_file.unwrap_or_default();
    for setting in &settings.hosts {
        match host_from_setting(setting) {
            Ok(host) if hosts.hosts.iter().any(|h| h.name == host.name) => {
                hosts.problems.push(format!(
                    "settings [[hosts]] `{}`: a host with this name is already defined; skipped",
                    host.name
                ))
            }
            Ok(host) => hosts.hosts.push(host),
            Err(why) => hosts.problems.push(format!(
                "settings [[hosts]] `{}`: {why}; skipped",
                setting.name
            )),
        }
    }
    if !settings.hosts.is_empty() {
        hosts.source = if hosts.source.is_empty() {
            "the settings file".into()
        } else {
            format!("{} and the settings file", hosts.source)
        };
    }
    Ok(hosts)
}

/// Hosts from Zoe's docker.conf (`docker_config`, else `$ZOE_DOCKER_CONFIG`).
fn from_docker_conf(settings: &Settings, env: EnvLookup<'_>) -> Result<Option<Hosts>, String> {
    let from_env = env("ZOE_DOCKER_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let Some(file) = settings.docker_config.as_ref().or(from_env.as_ref()) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("docker_config {}: {e}", file.display()))?;
    let parsed = parse_docker_conf(&text);
    let problems = parsed
        .problems
        .iter()
        .map(|p| match p.line {
            Some(line) => {
                let text = p.to_string();
                let rest = text
                    .split_once(": ")
                    .map_or(text.clone(), |(_, rest)| rest.to_string());
                format!("{}:{line}: {rest}", file.display())
            }
            None => format!("{}: {p}", file.display()),
        })
        .collect();
    Ok(Some(Hosts {
        hosts: parsed.hosts,
        source: file.display().to_string(),
        problems,
    }))
}

/// A `[[hosts]]` entry of the settings as a Docker host.
fn host_from_setting(h: &HostSetting) -> Result<DockerHost, String> {
    if h.name.trim().is_empty() {
        return Err("`name` must not be empty".into());
    }
    let address = DockerAddress::parse(&h.address)?;
    let tls = match (&h.tls_cert, &h.tls_key, &h.tls_ca) {
        (Some(cert), Some(key), Some(ca)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
            ca: ca.clone(),
        }),
        (None, None, None) => None,
        _ => return Err("TLS needs all three of tls_cert, tls_key and tls_ca".into()),
    };
    let external_address = h
        .external_address
        .clone()
        .unwrap_or_else(|| match &address {
            DockerAddress::Tcp { host, .. } => host.clone(),
            DockerAddress::Unix { .. } => "127.0.0.1".into(),
        });
    let labels = h
        .labels
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    Ok(DockerHost {
        name: h.name.clone(),
        address,
        external_address,
        tls,
        labels,
    })
}

/// `$DOCKER_HOST` like the docker CLI, else the default socket.
fn from_environment(env: EnvLookup<'_>) -> Result<Hosts, String> {
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
    fn hosts_from_the_settings_file() {
        let settings: Settings = toml::from_str(
            "[[hosts]]\nname = \"a\"\naddress = \"tcp://10.0.0.5:2376\"\nlabels = [\" gpu \"]\ntls_cert = \"/c\"\ntls_key = \"/k\"\ntls_ca = \"/ca\"\n\n\
             [[hosts]]\nname = \"b\"\naddress = \"unix:///run/d.sock\"\n\n[[hosts]]\nname = \"a\"\naddress = \"h:1\"\n\n\
             [[hosts]]\nname = \"c\"\naddress = \"h:1\"\ntls_ca = \"/ca\"\n",
        )
        .unwrap();
        let hosts = load_hosts(&settings, &env_of(&[("DOCKER_HOST", "tcp://1.2.3.4:1")])).unwrap();
        let names: Vec<&str> = hosts.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            ["a", "b"],
            "settings hosts replace $DOCKER_HOST: {:?}",
            hosts.problems
        );
        assert_eq!(hosts.hosts[0].external_address, "10.0.0.5");
        assert_eq!(hosts.hosts[0].labels, ["gpu"]);
        assert!(hosts.hosts[0].tls.is_some());
        assert_eq!(hosts.hosts[1].external_address, "127.0.0.1");
        assert!(
            hosts.problems[0].contains("`a`: a host with this name is already defined"),
            "{:?}",
            hosts.problems
        );
        assert!(
            hosts.problems[1].contains("`c`: TLS needs all three"),
            "{:?}",
            hosts.problems
        );
        assert!(
            toml::from_str::<Settings>("[[hosts]]\nname = \"x\"\naddress = \"h:1\"\ncolour = 1\n")
                .is_err(),
            "unknown keys are errors"
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
