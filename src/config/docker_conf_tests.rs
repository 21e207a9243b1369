use super::*;

#[test]
fn zoe_sample_parses_to_one_tls_host() {
    // corpus/integration_tests/sample_docker.conf, verbatim
    let text = "[DEFAULT]\nuse_tls: yes\ntls_cert: /certs/cert.pem\ntls_key: /certs/key.pem\ntls_ca: /certs/ca.pem\n\n[gitlab-builder]\ndocker_address: 192.168.47.12:2375\nexternal_address: 192.168.47.12\n";
    let parsed = parse_docker_conf(text);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.hosts.len(), 1);
    let h = &parsed.hosts[0];
    assert_eq!(h.name, "gitlab-builder");
    assert_eq!(
        h.address,
        DockerAddress::Tcp {
            host: "192.168.47.12".into(),
            port: 2375
        }
    );
    assert_eq!(h.external_address, "192.168.47.12");
    assert_eq!(
        h.tls.as_ref().map(|t| t.ca.clone()),
        Some(PathBuf::from("/certs/ca.pem"))
    );
    assert!(h.labels.is_empty());
}

#[test]
fn hosts_override_defaults() {
    let text = "[DEFAULT]\nuse_tls = yes\ntls_cert = /c\ntls_key = /k\ntls_ca = /a\nlabels = ssd\n\n[a]\ndocker_address = unix:///run/d.sock\nexternal_address = 10.0.0.1\nuse_tls = no\n\n[b]\ndocker_address = tcp://127.0.0.1:23750\nexternal_address = 127.0.0.1\nLABELS = gpu, ssd ,,disabled\n";
    let parsed = parse_docker_conf(text);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let (a, b) = (&parsed.hosts[0], &parsed.hosts[1]);
    assert_eq!(
        a.address,
        DockerAddress::Unix {
            path: "/run/d.sock".into()
        }
    );
    assert!(a.tls.is_none(), "a host may turn TLS off");
    assert_eq!(a.labels, ["ssd"], "labels are inherited");
    assert_eq!(
        b.labels,
        ["gpu", "ssd", "disabled"],
        "keys are case-insensitive, labels trimmed"
    );
    assert!(b.tls.is_some());
    assert!(b.is_disabled() && !a.is_disabled());
}

#[test]
fn address_is_a_warned_alias() {
    let parsed = parse_docker_conf(
        "[h]\naddress: 127.0.0.1:2375\nexternal_address: 127.0.0.1\nuse_tls: no\n",
    );
    assert_eq!(parsed.hosts.len(), 1);
    assert_eq!(parsed.problems.len(), 1);
    assert!(!parsed.problems[0].error);
    assert_eq!(parsed.problems[0].line, Some(2));
    assert!(parsed.problems[0].to_string().contains("rename it"));
}

#[test]
fn a_broken_host_is_skipped_and_the_others_load() {
    let text = "[good]\ndocker_address: 127.0.0.1:1\nexternal_address: 127.0.0.1\nuse_tls: false\n\n[incomplete]\ndocker_address: 127.0.0.1:2\n\n[tlsless]\ndocker_address: 127.0.0.1:3\nexternal_address: 127.0.0.1\nuse_tls: on\ntls_cert: /c\n\n[badport]\ndocker_address: 127.0.0.1:99999\nexternal_address: x\nuse_tls: 0\n\n[badbool]\ndocker_address: 127.0.0.1:4\nexternal_address: x\nuse_tls: maybe\n";
    let parsed = parse_docker_conf(text);
    assert_eq!(
        parsed
            .hosts
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["good"]
    );
    let text: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert!(
        text.contains(
            &"line 6: [incomplete] error: missing external_address, use_tls; host skipped"
                .to_string()
        ),
        "{text:#?}"
    );
    assert!(
        text.contains(
            &"line 9: [tlsless] error: missing tls_key, tls_ca; host skipped".to_string()
        ),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("line 16: [badport] error: `127.0.0.1:99999`")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("line 23: [badbool] error: use_tls `maybe`")),
        "{text:#?}"
    );
}

#[test]
fn syntax_problems_are_located() {
    let parsed = parse_docker_conf(
        "orphan = 1\n[h]\njunk line\ndocker_address: 127.0.0.1:1\nexternal_address: e\nuse_tls: no\nuse_tls: no\n[h]\n[]\n",
    );
    let text: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert!(
        text[0].starts_with("line 1: error: `orphan` is outside any [section]"),
        "{text:#?}"
    );
    assert!(
        text[1].starts_with("line 3: [h] error: `junk line` is not"),
        "{text:#?}"
    );
    assert!(
        text[2].starts_with("line 7: [h] warning: `use_tls` is set twice"),
        "{text:#?}"
    );
    assert!(
        text[3].starts_with("line 8: [h] error: this section is defined twice"),
        "{text:#?}"
    );
    assert!(
        text[4].starts_with("line 9: error: empty section name"),
        "{text:#?}"
    );
    assert_eq!(parsed.hosts.len(), 1);
}

#[test]
fn comments_continuations_and_unknown_keys() {
    let text = "# hosts\n; more\n[h]\ndocker_address = 127.0.0.1:1  \nexternal_address = 127.0.0.1\nuse_tls = no\nlabels = a,\n  b\ncolour = red\n";
    let parsed = parse_docker_conf(text);
    assert_eq!(parsed.hosts[0].labels, ["a", "b"]);
    assert_eq!(parsed.problems.len(), 1);
    assert!(parsed.problems[0].message.contains("unknown key `colour`"));
}

#[test]
fn no_hosts_is_an_error() {
    let parsed = parse_docker_conf("[DEFAULT]\nuse_tls: no\n");
    assert!(parsed.hosts.is_empty());
    assert!(parsed.problems[0].error && parsed.problems[0].message.contains("no Docker host"));
}

#[test]
fn address_forms() {
    let tcp = |h: &str, p| DockerAddress::Tcp {
        host: h.into(),
        port: p,
    };
    assert_eq!(
        DockerAddress::parse("127.0.0.1:2375"),
        Ok(tcp("127.0.0.1", 2375))
    );
    assert_eq!(
        DockerAddress::parse("tcp://docker-1:2376"),
        Ok(tcp("docker-1", 2376))
    );
    assert_eq!(DockerAddress::parse("https://h:1/"), Ok(tcp("h", 1)));
    assert_eq!(
        DockerAddress::parse("tcp://[::1]:2375"),
        Ok(tcp("::1", 2375))
    );
    assert_eq!(
        DockerAddress::parse("unix:///var/run/docker.sock")
            .unwrap()
            .to_string(),
        "unix:///var/run/docker.sock"
    );
    for bad in [
        "",
        "host",
        "unix://relative.sock",
        "tcp://h:0",
        "tcp://h:x",
        ":2375",
        "tcp://a/b:1",
    ] {
        assert!(DockerAddress::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(parse_bool(" Yes "), Some(true));
    assert_eq!(parse_bool("OFF"), Some(false));
    assert_eq!(parse_bool("y"), None);
}
