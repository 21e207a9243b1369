use k8s_openapi::api::core::v1::Volume;

use super::*;
use crate::backend::kube::names::tests::{instance, port};
use crate::backend::labels::tests::demo;
use crate::backend::labels::{ExecutionLabels, SIGNATURE, container_labels};
use crate::backend::signature::{container_verifies, sign_container};
use crate::config::deployment_key::DeploymentKey;
use crate::config::kube::{Toleration as SettingsToleration, VolumeMapping, VolumeSource};
use crate::model::{Protocol, Volume as ZappVolume};

fn key() -> DeploymentKey {
    DeploymentKey::from_bytes([7; 32])
}

/// The signed labels of `instance`, as the Docker backend gives them.
fn signed(instance: &Instance) -> HashMap<String, String> {
    let (description, _) = demo();
    let params = vec![("notebook_memory".to_string(), "4 GiB {x}".to_string())];
    let execution = ExecutionLabels {
        id: "abc123",
        name: "run",
        owner: "alice",
        deployment: "prod",
        entry: "demo-0",
        submitted: 1_700_000_000,
        description: &description,
        parameters: &params,
        fs_uid: 1000,
        fs_gid: 5001,
    };
    let mut labels = container_labels(&execution, instance);
    sign_container(&key(), &mut labels);
    labels
}

fn notebook() -> Instance {
    let mut i = instance("Notebook");
    i.command = Some("sh -c 'exec jupyter lab --port 8888'".into());
    i.work_dir = Some("/home/jovyan".into());
    i.memory_bytes = 6 << 30;
    i.cores = 0.5;
    i.shm_bytes = Some(1536 << 20);
    i.ports = vec![port(8888, Protocol::Tcp), port(53, Protocol::Udp)];
    i.labels = vec!["gpu".into(), "zone=eu-1".into()];
    i.volumes = vec![
        ZappVolume {
            name: "data".into(),
            path: "/srv/data".into(),
            read_only: true,
        },
        ZappVolume {
            name: "scratch".into(),
            path: "/scratch".into(),
            read_only: false,
        },
    ];
    i
}

fn objects(i: &Instance, target: &KubeTarget, pinned: Option<&str>) -> InstanceObjects {
    instance_objects(i, &signed(i), target, "zapps", pinned, 30).expect("maps")
}

#[test]
fn the_pod_is_made_as_the_docker_container() {
    let i = notebook();
    let o = objects(&i, &KubeTarget::new("lab"), None);
    let meta = &o.pod.metadata;
    assert_eq!(meta.name.as_deref(), Some("notebook0-abc123-prod"));
    assert_eq!(meta.namespace.as_deref(), Some("zapps"));
    let spec = o.pod.spec.as_ref().unwrap();
    assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
    assert_eq!(spec.enable_service_links, Some(false));
    assert_eq!(spec.automount_service_account_token, Some(false));
    assert_eq!(spec.termination_grace_period_seconds, Some(30));
    assert_eq!(spec.image_pull_secrets, None);
    assert_eq!(spec.tolerations, None);
    let c = &spec.containers[0];
    assert_eq!(c.name, "notebook0");
    assert_eq!(c.image.as_deref(), Some("zoe-demo/busybox:1"));
    assert_eq!(c.image_pull_policy.as_deref(), Some("IfNotPresent"));
    assert_eq!(c.command, None, "the image's entrypoint is kept");
    assert_eq!(
        c.args.as_deref().unwrap(),
        ["sh", "-c", "exec jupyter lab --port 8888"]
    );
    assert_eq!(c.working_dir.as_deref(), Some("/home/jovyan"));
    let env = c.env.as_ref().unwrap();
    assert_eq!(env[0].name, "EXECUTION_ID");
    assert_eq!(env[0].value.as_deref(), Some("abc123"));
    let field = |name: &str| {
        env.iter()
            .find(|e| e.name == name)
            .and_then(|e| e.value_from.as_ref())
            .and_then(|v| v.field_ref.as_ref())
            .map(|f| f.field_path.clone())
    };
    assert_eq!(field("ZOE_POD_IP").as_deref(), Some("status.podIP"));
    assert_eq!(field("ZOE_NODE_NAME").as_deref(), Some("spec.nodeName"));
    let ports = c.ports.as_ref().unwrap();
    assert_eq!(ports[0].name.as_deref(), Some("tcp-8888"));
    assert_eq!(ports[0].container_port, 8888);
    assert_eq!(ports[0].protocol.as_deref(), Some("TCP"));
    assert_eq!(ports[1].name.as_deref(), Some("udp-53"));
    assert_eq!(ports[1].protocol.as_deref(), Some("UDP"));
    let resources = c.resources.as_ref().unwrap();
    let expected: BTreeMap<String, Quantity> = [
        ("cpu".to_string(), Quantity("500m".into())),
        ("memory".to_string(), Quantity("6Gi".into())),
    ]
    .into();
    assert_eq!(resources.requests.as_ref(), Some(&expected));
    assert_eq!(resources.limits.as_ref(), Some(&expected));

    // volumes: host paths with read-only honoured, shm in memory
    let volumes = spec.volumes.as_ref().unwrap();
    let mounts = c.volume_mounts.as_ref().unwrap();
    assert_eq!(volumes.len(), 3);
    assert_eq!(
        volumes[0].host_path.as_ref().map(|h| h.path.as_str()),
        Some("/srv/data")
    );
    assert_eq!(mounts[0].mount_path, "/mnt/data");
    assert_eq!(mounts[0].read_only, Some(true));
    assert_eq!(mounts[1].mount_path, "/mnt/scratch");
    assert_eq!(mounts[1].read_only, Some(false));
    let shm = volumes[2].empty_dir.as_ref().unwrap();
    assert_eq!(shm.medium.as_deref(), Some("Memory"));
    assert_eq!(shm.size_limit, Some(Quantity("1536Mi".into())));
    assert_eq!(mounts[2].mount_path, "/dev/shm");
    assert_eq!(mounts[2].name, volumes[2].name);
}

#[test]
fn zapp_labels_become_required_node_affinity() {
    let i = notebook();
    let terms = |o: &InstanceObjects| {
        o.pod
            .spec
            .as_ref()
            .and_then(|s| s.affinity.as_ref())
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|n| {
                n.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })
            .map(|s| s.node_selector_terms.clone())
            .unwrap()
    };
    let o = objects(&i, &KubeTarget::new("lab"), None);
    let terms_free = terms(&o);
    assert_eq!(terms_free.len(), 1, "one term: every requirement holds");
    let expressions: Vec<(String, String, Option<Vec<String>>)> = terms_free[0]
        .match_expressions
        .iter()
        .flatten()
        .map(|r| (r.key.clone(), r.operator.clone(), r.values.clone()))
        .collect();
    assert_eq!(
        expressions,
        [
            ("gpu".into(), "Exists".into(), None),
            ("zone".into(), "In".into(), Some(vec!["eu-1".to_string()])),
            ("disabled".into(), "DoesNotExist".into(), None),
        ]
    );
    assert_eq!(terms_free[0].match_fields, None);
    for pinned in ["lab/node-2", "node-2"] {
        let o = objects(&i, &KubeTarget::new("lab"), Some(pinned));
        let fields = terms(&o)[0].match_fields.clone().unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].key, "metadata.name");
        assert_eq!(fields[0].operator, "In");
        assert_eq!(fields[0].values, Some(vec!["node-2".to_string()]));
    }
}

#[test]
fn labels_and_annotations_merge_back_into_signed_labels() {
    let i = notebook();
    let labels = signed(&i);
    let o = instance_objects(&i, &labels, &KubeTarget::new("lab"), "zapps", None, 30).unwrap();
    let meta = &o.pod.metadata;
    let on_pod = meta.labels.as_ref().unwrap();
    let annotations = meta.annotations.as_ref().unwrap();
    assert_eq!(on_pod[MANAGED_BY], MANAGED_BY_VALUE);
    assert_eq!(on_pod[EXECUTION_ID], "abc123");
    assert_eq!(on_pod[SERVICE_NAME], "Notebook0");
    assert_eq!(annotations[DEFAULT_CONTAINER], "notebook0");
    // free-form values are annotations: the description, the parameters,
    // the 64-digit signature
    for key in [
        crate::backend::labels::DESCRIPTION,
        crate::backend::labels::PARAMETERS,
        SIGNATURE,
    ] {
        assert!(annotations.contains_key(key), "{key}");
        assert!(!on_pod.contains_key(key), "{key}");
    }
    for (k, v) in on_pod {
        assert_eq!(names::label_key(k), None, "{k}");
        assert_eq!(names::label_value(v), None, "{k}={v}");
    }
    let merged = workload_labels(meta);
    assert_eq!(merged, labels);
    assert!(container_verifies(&key(), &merged));
    // the Services carry the label part and their role
    let headless = o.headless.metadata.labels.as_ref().unwrap();
    assert_eq!(headless[ROLE], "dns");
    assert_eq!(headless[EXECUTION_ID], "abc123");
    assert_eq!(o.headless.metadata.annotations, None);
    let exposed = o.exposed.as_ref().unwrap();
    assert_eq!(exposed.metadata.labels.as_ref().unwrap()[ROLE], "ext");
}

#[test]
fn the_headless_service_is_named_as_the_dns_name_and_selects_the_pod() {
    let i = notebook();
    let o = objects(&i, &KubeTarget::new("lab"), None);
    assert_eq!(o.headless.metadata.name, o.pod.metadata.name);
    let spec = o.headless.spec.as_ref().unwrap();
    assert_eq!(spec.cluster_ip.as_deref(), Some("None"));
    assert_eq!(spec.publish_not_ready_addresses, Some(true));
    let selector = spec.selector.as_ref().unwrap();
    assert_eq!(selector.len(), 3);
    let pod_labels = o.pod.metadata.labels.as_ref().unwrap();
    for (k, v) in selector {
        assert_eq!(pod_labels.get(k), Some(v), "{k}");
    }
    let ports: Vec<(Option<String>, i32, Option<String>)> = spec
        .ports
        .iter()
        .flatten()
        .map(|p| (p.name.clone(), p.port, p.protocol.clone()))
        .collect();
    assert_eq!(
        ports,
        [
            (Some("tcp-8888".into()), 8888, Some("TCP".into())),
            (Some("udp-53".into()), 53, Some("UDP".into()))
        ]
    );
    let exposed = o.exposed.as_ref().unwrap();
    assert_eq!(
        exposed.metadata.name.as_deref(),
        Some("notebook0-abc123-prod-ext")
    );
    let ext = exposed.spec.as_ref().unwrap();
    assert_eq!(ext.type_.as_deref(), Some("NodePort"));
    assert_eq!(ext.selector, spec.selector);
    assert_eq!(ext.ports, spec.ports);

    // no ports: a placeholder port, no exposing Service
    let plain = instance("worker");
    let o = objects(&plain, &KubeTarget::new("lab"), None);
    let ports = o.headless.spec.as_ref().unwrap().ports.clone().unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0].name.as_deref(), Some("zoe"));
    assert_eq!(ports[0].port, 65535);
    assert_eq!(ports[0].protocol.as_deref(), Some("TCP"));
    assert!(o.exposed.is_none());
    let c = &o.pod.spec.as_ref().unwrap().containers[0];
    assert_eq!(c.args, None);
    assert_eq!(c.volume_mounts, None);
    // 0.1 cores, no memory limit
    let requests = c.resources.as_ref().unwrap().requests.clone().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests["cpu"], Quantity("100m".into()));

    // exposure turned off
    let mut target = KubeTarget::new("lab");
    target.expose = Expose::None;
    assert!(objects(&i, &target, None).exposed.is_none());
}

#[test]
fn long_exposed_names_fall_back_to_a_stable_hash() {
    let short = "notebook0-abc123-prod";
    assert_eq!(exposed_name(short), "notebook0-abc123-prod-ext");
    let at_limit = "a".repeat(59);
    assert_eq!(exposed_name(&at_limit).len(), 63);
    let long = "a".repeat(61);
    let name = exposed_name(&long);
    assert_eq!(name.len(), 21);
    assert!(name.starts_with('x'));
    assert_eq!(names::rfc1035_label(&name), None);
    assert_eq!(exposed_name(&long), name, "stable");
    assert_ne!(exposed_name(&"b".repeat(61)), name);
    assert_eq!(exposed_name(&long.to_uppercase()), name, "case-insensitive");
}

#[test]
fn the_target_settings_reach_the_pod() {
    let mut target = KubeTarget::new("lab");
    target.image_pull_secrets = vec!["regcred".into()];
    target.image_pull_policy = Some("Always".into());
    target.tolerations = vec![SettingsToleration {
        key: Some("dedicated".into()),
        operator: "Equal".into(),
        value: Some("zoe".into()),
        effect: Some("NoSchedule".into()),
    }];
    target.volumes = vec![
        VolumeMapping {
            host_path: "/srv".into(),
            source: VolumeSource::Nfs {
                server: "nfs.example".into(),
                path: "/export/srv".into(),
            },
        },
        VolumeMapping {
            host_path: "/scratch/".into(),
            source: VolumeSource::Pvc {
                claim: "scratch".into(),
            },
        },
    ];
    let mut i = notebook();
    i.volumes.push(ZappVolume {
        name: "deep".into(),
        path: "/scratch/alice/tmp".into(),
        read_only: true,
    });
    i.volumes.push(ZappVolume {
        name: "near".into(),
        path: "/srvx".into(),
        read_only: false,
    });
    let o = objects(&i, &target, None);
    let spec = o.pod.spec.as_ref().unwrap();
    assert_eq!(spec.image_pull_secrets.as_ref().unwrap()[0].name, "regcred");
    let tol = &spec.tolerations.as_ref().unwrap()[0];
    assert_eq!(tol.key.as_deref(), Some("dedicated"));
    assert_eq!(tol.operator.as_deref(), Some("Equal"));
    assert_eq!(tol.value.as_deref(), Some("zoe"));
    assert_eq!(tol.effect.as_deref(), Some("NoSchedule"));
    let c = &spec.containers[0];
    assert_eq!(c.image_pull_policy.as_deref(), Some("Always"));
    let volumes: &[Volume] = spec.volumes.as_ref().unwrap();
    let mounts = c.volume_mounts.as_ref().unwrap();
    let nfs = volumes[0].nfs.as_ref().unwrap();
    assert_eq!(
        (nfs.server.as_str(), nfs.path.as_str(), nfs.read_only),
        ("nfs.example", "/export/srv/data", Some(true))
    );
    assert!(volumes[0].host_path.is_none());
    let pvc = volumes[1].persistent_volume_claim.as_ref().unwrap();
    assert_eq!(pvc.claim_name, "scratch");
    assert_eq!(mounts[1].sub_path, None);
    let deep = volumes[2].persistent_volume_claim.as_ref().unwrap();
    assert_eq!(deep.claim_name, "scratch");
    assert_eq!(mounts[2].sub_path.as_deref(), Some("alice/tmp"));
    assert_eq!(mounts[2].read_only, Some(true));
    // `/srvx` is not below `/srv`
    assert_eq!(
        volumes[3].host_path.as_ref().map(|h| h.path.as_str()),
        Some("/srvx")
    );
}

#[test]
fn what_cannot_be_mapped_is_refused_with_the_rule() {
    let bad = instance("2workers");
    let err = instance_objects(
        &bad,
        &signed(&bad),
        &KubeTarget::new("lab"),
        "zapps",
        None,
        30,
    )
    .unwrap_err();
    assert_eq!(err.instance, "2workers0");
    assert!(
        err.to_string().contains("must start with a letter"),
        "{err}"
    );
    let i = instance("worker");
    let mut labels = signed(&i);
    labels.insert("not a key".into(), "x".into());
    let err =
        instance_objects(&i, &labels, &KubeTarget::new("lab"), "zapps", None, 30).unwrap_err();
    assert!(err.problems[0].starts_with("label `not a key`"), "{err}");
    let mut labels = signed(&i);
    labels.remove(EXECUTION_ID);
    assert!(instance_objects(&i, &labels, &KubeTarget::new("lab"), "zapps", None, 30).is_err());
    let mut labels = signed(&i);
    labels.insert(
        crate::backend::labels::DESCRIPTION.into(),
        "x".repeat(MAX_ANNOTATION_BYTES),
    );
    let err =
        instance_objects(&i, &labels, &KubeTarget::new("lab"), "zapps", None, 30).unwrap_err();
    assert!(err.problems[0].contains("annotations"), "{err}");
    let mut quoted = instance("worker");
    quoted.command = Some("sh -c 'oops".into());
    let err = instance_objects(
        &quoted,
        &signed(&quoted),
        &KubeTarget::new("lab"),
        "zapps",
        None,
        30,
    )
    .unwrap_err();
    assert!(err.problems[0].starts_with("command: unbalanced"), "{err}");
}

#[test]
fn services_are_owned_by_the_created_pod() {
    let i = notebook();
    let mut o = objects(&i, &KubeTarget::new("lab"), None);
    owned_by(&mut o.headless, &o.pod);
    assert_eq!(o.headless.metadata.owner_references, None, "no uid yet");
    o.pod.metadata.uid = Some("1234-uid".into());
    owned_by(&mut o.headless, &o.pod);
    let owner = &o.headless.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (
            owner.api_version.as_str(),
            owner.kind.as_str(),
            owner.name.as_str(),
            owner.uid.as_str()
        ),
        ("v1", "Pod", "notebook0-abc123-prod", "1234-uid")
    );
}

#[test]
fn millicores_round_to_the_nearest_and_keep_a_minimum() {
    assert_eq!(millicores(0.1), 100);
    assert_eq!(millicores(1.1), 1100);
    assert_eq!(millicores(0.0001), 1);
    assert_eq!(millicores(0.0), 0);
    assert_eq!(millicores(f64::NAN), 0);
    assert_eq!(millicores(2.0), 2000);
}

#[test]
fn the_objects_made_are_ours_once_their_services_are_signed() {
    use crate::backend::kube::owned::{pod_is_ours, service_is_ours, sign};
    let i = notebook();
    let mut o = objects(&i, &KubeTarget::new("lab"), None);
    let exposed = o.exposed.as_mut().expect("ports: exposed");
    assert!(pod_is_ours(&key(), &o.pod));
    assert!(!service_is_ours(&key(), &o.headless), "not signed yet");
    sign(&key(), &mut o.headless);
    sign(&key(), exposed);
    assert!(service_is_ours(&key(), &o.headless));
    assert!(service_is_ours(&key(), exposed));
    let other = DeploymentKey::from_bytes([8; 32]);
    assert!(!pod_is_ours(&other, &o.pod));
    assert!(!service_is_ours(&other, &o.headless));
    // the pod's labels copied onto a pod of another name
    let mut copy = o.pod.clone();
    copy.metadata.name = Some("copy".into());
    assert!(!pod_is_ours(&key(), &copy));
}
