use super::*;
use crate::config::kube::{Toleration, VolumeMapping};
use crate::model::{Port, Protocol, Volume};

/// Instance `<group>0` of execution `abc123` in deployment `prod`.
pub(crate) fn instance(group: &str) -> Instance {
    let name = format!("{group}0");
    Instance {
        dns_name: format!("{name}-abc123-prod"),
        name,
        group: group.to_string(),
        index: 0,
        essential: true,
        image: "zoe-demo/busybox:1".into(),
        command: None,
        work_dir: None,
        environment: vec![("EXECUTION_ID".into(), "abc123".into())],
        memory_bytes: 0,
        cores: 0.1,
        shm_bytes: None,
        ports: Vec::new(),
        labels: Vec::new(),
        volumes: Vec::new(),
        network: None,
        startup_order: 0,
        monitor: true,
    }
}

pub(crate) fn port(number: u16, protocol: Protocol) -> Port {
    Port {
        name: "Jupyter Notebook".into(),
        port_number: number,
        protocol,
        url_template: "http://{ip_port}/".into(),
        proxy: None,
    }
}

fn refused(instances: &[Instance]) -> Vec<String> {
    preflight(instances, &KubeTarget::new("c")).expect_err("refused")
}

#[test]
fn rules_of_the_api_server() {
    assert_eq!(rfc1035_label("worker0-abc-prod"), None);
    assert!(rfc1035_label("2workers").is_some());
    assert!(rfc1035_label("a_b").is_some());
    assert!(rfc1035_label("a-").is_some());
    assert!(rfc1035_label(&"a".repeat(64)).is_some());
    assert_eq!(rfc1123_label("2workers"), None);
    assert_eq!(rfc1123_subdomain("a.b-c.d"), None);
    assert!(rfc1123_subdomain("a..b").is_some());
    assert!(rfc1123_subdomain("A").is_some());
    assert_eq!(label_value(""), None);
    assert_eq!(label_value("Spark_1.x"), None);
    assert!(label_value("{\"a\":1}").is_some());
    assert!(label_value(&"a".repeat(64)).is_some());
    assert_eq!(label_key("org.zoe-console.description"), None);
    assert_eq!(label_key("app.kubernetes.io/managed-by"), None);
    assert_eq!(label_key("gpu"), None);
    assert!(label_key("Example.com/x").is_some());
    assert!(label_key("a/").is_some());
    assert!(label_key("has space").is_some());
    assert_eq!(port_name("tcp-8888"), None);
    assert_eq!(port_name("zoe"), None);
    assert!(port_name("8888").is_some());
    assert!(port_name("Jupyter Notebook").is_some());
    assert!(port_name("tcp--1").is_some());
    assert!(port_name("a-very-long-port-name").is_some());
    assert_eq!(env_name("ZOE_USER"), None);
    assert_eq!(env_name("spark.driver-memory"), None);
    assert!(env_name("1X").is_some());
    assert!(env_name("A B").is_some());
    assert!(env_name("").is_some());
    assert_eq!(port_name_of(&port(8888, Protocol::Tcp)), "tcp-8888");
    assert_eq!(port_name_of(&port(53, Protocol::Udp)), "udp-53");
}

#[test]
fn good_names_pass() {
    let mut master = instance("spark-Master");
    master.ports = vec![port(8080, Protocol::Tcp), port(53, Protocol::Udp)];
    master.labels = vec!["gpu".into(), "zone=eu-1".into()];
    master.volumes = vec![Volume {
        name: "data".into(),
        path: "/mnt/data".into(),
        read_only: true,
    }];
    master.shm_bytes = Some(1 << 30);
    assert_eq!(
        preflight(&[master, instance("worker")], &KubeTarget::new("c")),
        Ok(())
    );
}

#[test]
fn a_group_starting_with_a_digit_is_refused_with_the_rule() {
    let mut second = instance("2workers");
    second.name = "2workers1".into();
    second.dns_name = "2workers1-abc123-prod".into();
    let problems = refused(&[instance("2workers"), second]);
    assert_eq!(
        problems,
        [
            "service group `2workers` (name `2workers0-abc123-prod`): a Kubernetes Service name must start with a letter (RFC 1035 label)"
        ]
    );
    let problems = refused(&[instance("spark_master")]);
    assert!(
        problems[0].contains("may only contain lowercase letters, digits and `-` (RFC 1035 label)"),
        "{problems:?}"
    );
    let mut long = instance("w");
    long.dns_name = format!("{}-abc123-prod", "w".repeat(60));
    let problems = refused(&[long]);
    assert!(problems[0].contains("over the 63"), "{problems:?}");
    // a later instance of a group can be the one too long (`w10`)
    let mut fits = instance("w");
    fits.dns_name = format!("w0-{}", "a".repeat(60));
    let mut later = instance("w");
    later.name = "w10".into();
    later.dns_name = format!("w10-{}", "a".repeat(60));
    let problems = refused(&[fits, later]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("w10-") && problems[0].contains("over the 63"),
        "{problems:?}"
    );
}

#[test]
fn names_that_collide_in_lowercase_are_refused() {
    let problems = refused(&[instance("Worker"), instance("worker")]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("`Worker0` and `worker0`"),
        "{problems:?}"
    );
}

#[test]
fn ports_env_labels_and_volumes_are_checked() {
    let mut i = instance("svc");
    i.ports = vec![
        port(8888, Protocol::Tcp),
        port(8888, Protocol::Tcp),
        port(0, Protocol::Udp),
    ];
    i.environment.push(("1BAD".into(), "x".into()));
    i.environment.push(("HAS SPACE".into(), "x".into()));
    i.labels = vec!["Bad Key".into(), "zone=not ok".into()];
    i.volumes = vec![
        Volume {
            name: "data".into(),
            path: "/srv/../etc".into(),
            read_only: false,
        },
        Volume {
            name: "data".into(),
            path: "/srv/data".into(),
            read_only: false,
        },
    ];
    let problems = refused(&[i]);
    let expect = [
        "port 8888/tcp is declared twice",
        "port `Jupyter Notebook`: port 0 is not a port",
        "environment variable `1BAD`: an environment variable name must not start with a digit",
        "environment variable `HAS SPACE`",
        "node label `Bad Key`",
        "node label `zone=not ok`: a label value may only contain",
        "host path `/srv/../etc` must not be empty nor contain `..`",
        "mount point `/mnt/data` is used twice",
    ];
    for e in expect {
        assert!(problems.iter().any(|p| p.contains(e)), "{e}: {problems:#?}");
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
    assert!(
        problems
            .iter()
            .all(|p| p.starts_with("service group `svc`"))
    );
}

#[test]
fn the_settings_of_the_cluster_are_checked() {
    let mut target = KubeTarget::new("lab");
    target.image_pull_secrets = vec!["Regcred".into()];
    target.image_pull_policy = Some("Sometimes".into());
    let tol = |key: Option<&str>, op: &str, value: Option<&str>, effect: Option<&str>| Toleration {
        key: key.map(str::to_string),
        operator: op.into(),
        value: value.map(str::to_string),
        effect: effect.map(str::to_string),
    };
    target.tolerations = vec![
        tol(Some("gpu"), "Exists", None, Some("NoSchedule")),
        tol(None, "Exists", None, None),
        tol(Some("gpu"), "Exists", Some("yes"), None),
        tol(None, "Equal", Some("x"), None),
        tol(Some("gpu"), "Maybe", None, None),
        tol(Some("gpu"), "Equal", Some("a"), Some("Never")),
    ];
    target.volumes = vec![VolumeMapping {
        host_path: "/data".into(),
        source: VolumeSource::Pvc {
            claim: "Data_Claim".into(),
        },
    }];
    let problems = preflight(&[instance("svc")], &target).expect_err("refused");
    assert_eq!(problems.len(), 7, "{problems:#?}");
    assert!(
        problems
            .iter()
            .all(|p| p.starts_with("settings of cluster `lab`"))
    );
    assert!(problems[0].contains("image pull secret `Regcred`"));
    assert!(problems[1].contains("`Sometimes`"));
}
