//! Every description of `../shared/corpus/` and every sample-shop entry,
//! expanded with its default parameters, maps to the Kubernetes objects of
//! its instances, which the fake API server (tests/support/fake_kube, with
//! the API server's validation of names, labels, ports and env) accepts
//! with a 201 when POSTed by kube-rs; or it is refused by the preflight
//! naming the rule it breaks (before anything would be created). The corpus
//! test is skipped, with a message, when the corpus is absent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/fake_kube/mod.rs"]
mod fake_kube;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use common::corpus::{corpus, is_description, json_files};
use fake_kube::FakeKube;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::PostParams;
use zoe_console::backend::kube::names::preflight;
use zoe_console::backend::kube::objects::{instance_objects, workload_labels};
use zoe_console::backend::labels::{ExecutionLabels, container_labels};
use zoe_console::backend::signature::{container_verifies, sign_container};
use zoe_console::config::deployment_key::DeploymentKey;
use zoe_console::config::kube::KubeTarget;
use zoe_console::model::{Description, ExecutionId, ExecutionIdentity};
use zoe_console::shop::expand::expand;
use zoe_console::shop::load_shop;
use zoe_console::shop::params::{apply_manifest_labels, apply_parameters, resolve_values};
use zoe_console::shop::validate::{Limits, validate_value};

/// The entries of these shops with their default parameters (a parameter
/// without default gets a placeholder) and manifest labels applied; their
/// description files go into `covered`.
fn shop_descriptions(
    shops: &[PathBuf],
    covered: &mut HashSet<PathBuf>,
) -> Vec<(String, Description)> {
    let mut out = Vec::new();
    for shop in shops {
        let shop = load_shop(shop, &Limits::default());
        for entry in &shop.entries {
            covered.insert(entry.description_file.canonicalize().unwrap());
            let given: Vec<(String, String)> = entry
                .parameters
                .iter()
                .filter(|p| p.default.is_none())
                .map(|p| (p.name.clone(), "placeholder".to_string()))
                .collect();
            let values = resolve_values(&entry.parameters, &given)
                .unwrap_or_else(|e| panic!("{}: {e:?}", entry.id));
            let mut description = entry.description.clone();
            apply_parameters(&mut description, &values);
            apply_manifest_labels(&mut description, &entry.labels);
            out.push((
                format!("{} ({})", entry.id, shop.root.display()),
                description,
            ));
        }
    }
    out
}

/// Every description of the corpus, named: the shops' entries, and the
/// files no manifest lists as they are.
fn descriptions(corpus: &Path) -> Vec<(String, Description)> {
    let mut covered = HashSet::new();
    let mut out = shop_descriptions(
        &[
            corpus.join("contrib"),
            corpus.join("legacy-2017.12/contrib/zapp-shop-sample"),
        ],
        &mut covered,
    );
    let mut files = Vec::new();
    json_files(corpus, &mut files);
    files.sort();
    for path in files {
        if !is_description(&path) || covered.contains(&path.canonicalize().unwrap()) {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let description = validate_value(&value, &Limits::default())
            .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
            .description;
        out.push((path.display().to_string(), description));
    }
    out
}

/// What the API server would get: the object as JSON, read back.
fn round_trip_pod(pod: &Pod) -> Pod {
    serde_json::from_value(serde_json::to_value(pod).unwrap()).unwrap()
}

fn round_trip_service(service: &Service) -> Service {
    serde_json::from_value(serde_json::to_value(service).unwrap()).unwrap()
}

/// The fake API server (no scheduler, no kubelet: the objects only have to
/// be accepted) and a kube-rs client on it.
struct Server {
    fake: FakeKube,
    client: kube::Client,
}

impl Server {
    async fn start() -> Server {
        let fake = FakeKube::start().await.unwrap();
        fake.set_scheduler(false);
        fake.set_kubelet(false);
        let config = kube::Config::new(fake.url().parse().unwrap());
        let client = kube::Client::try_from(config).unwrap();
        Server { fake, client }
    }

    /// POSTs `object` to `/api/v1/namespaces/{ns}/{plural}`; the status
    /// code and the body (the object made, or the Status of a refusal).
    async fn post<T: serde::Serialize>(&self, ns: &str, plural: &str, object: &T) -> (u16, String) {
        let request = kube::core::Request::new(format!("/api/v1/namespaces/{ns}/{plural}"))
            .create(&PostParams::default(), serde_json::to_vec(object).unwrap())
            .unwrap();
        let response = self
            .client
            .send(request.map(kube::client::Body::from))
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect_bytes().await.unwrap();
        (status, String::from_utf8_lossy(&body).to_string())
    }

    /// POSTs `object` and fails the test, with the server's Status, unless
    /// it is created (201).
    async fn create<T: serde::Serialize>(&self, name: &str, ns: &str, plural: &str, object: &T) {
        let (status, body) = self.post(ns, plural, object).await;
        assert_eq!(status, 201, "{name}: POST {plural} refused: {body}");
    }
}

/// Maps every description and POSTs its objects to the fake, each
/// description in a namespace of its own; returns how many were created
/// and how many the preflight refused (each refusal naming its rule).
async fn map_all(all: &[(String, Description)]) -> (usize, usize) {
    let server = Server::start().await;
    let key = DeploymentKey::from_bytes([3; 32]);
    let target = KubeTarget::new("lab");
    let identity = ExecutionIdentity {
        id: ExecutionId::generate(),
        name: "run".into(),
        owner: "alice".into(),
        deployment: "prod".into(),
        fs_uid: 1000,
        fs_gid: 5001,
    };
    let (mut mapped, mut refused) = (0, 0);
    for (index, (name, description)) in all.iter().enumerate() {
        let instances = match expand(description, &identity) {
            Ok(instances) => instances,
            Err(errors) => panic!("{name}: does not expand: {errors:?}"),
        };
        if let Err(problems) = preflight(&instances, &target) {
            println!("REFUSED {name}:");
            for p in &problems {
                println!("    {p}");
                assert!(
                    p.contains("must") || p.contains("twice") || p.contains("only"),
                    "{name}: the rule is not named: {p}"
                );
            }
            refused += 1;
            continue;
        }
        let ns = format!("corpus-{index}");
        server.fake.add_namespace(&ns);
        let params = Vec::new();
        let execution = ExecutionLabels {
            id: identity.id.as_str(),
            name: &identity.name,
            owner: &identity.owner,
            deployment: &identity.deployment,
            entry: "corpus-0",
            submitted: 1_700_000_000,
            description,
            parameters: &params,
            fs_uid: identity.fs_uid,
            fs_gid: identity.fs_gid,
        };
        let mut pods = Vec::new();
        for instance in &instances {
            let mut labels = container_labels(&execution, instance);
            sign_container(&key, &mut labels);
            let objects = instance_objects(instance, &labels, &target, &ns, None, 10)
                .unwrap_or_else(|e| panic!("{name}: passed the preflight but {e}"));
            let pod = round_trip_pod(&objects.pod);
            assert_eq!(pod, objects.pod, "{name}");
            let merged = workload_labels(&pod.metadata);
            assert_eq!(merged, labels, "{name}: labels merge back");
            assert!(container_verifies(&key, &merged), "{name}");
            assert_eq!(round_trip_service(&objects.headless), objects.headless);
            assert_eq!(
                objects.exposed.is_some(),
                !instance.ports.is_empty(),
                "{name}: {}",
                instance.name
            );
            server.create(name, &ns, "pods", &objects.pod).await;
            server
                .create(name, &ns, "services", &objects.headless)
                .await;
            if let Some(exposed) = &objects.exposed {
                server.create(name, &ns, "services", exposed).await;
            }
            pods.push(pod.metadata.name.clone().unwrap());
        }
        let distinct: HashSet<&String> = pods.iter().collect();
        assert_eq!(distinct.len(), pods.len(), "{name}: pod names collide");
        let stored: HashSet<String> = server
            .fake
            .pods()
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some(ns.as_str()))
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        assert_eq!(stored, distinct.into_iter().cloned().collect(), "{name}");
        println!("CREATED {name}: {} pods", pods.len());
        mapped += 1;
    }
    println!("{mapped} created, {refused} refused by the preflight");
    assert_eq!(mapped + refused, all.len());
    (mapped, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_description_is_created_on_the_fake_or_refused_with_the_rule() {
    let Some(corpus) = corpus() else { return };
    let all = descriptions(&corpus);
    assert!(all.len() >= 29, "{} descriptions", all.len());
    let (mapped, _refused) = map_all(&all).await;
    assert!(mapped > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_shop_entry_is_created_on_the_fake() {
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("shop");
    let all = shop_descriptions(&[shop], &mut HashSet::new());
    assert!(all.len() >= 6, "{} entries", all.len());
    assert_eq!(map_all(&all).await, (all.len(), 0));
}

/// The 201s above mean something: the same fake refuses, with a 422 naming
/// the field, a pod whose name the API server would refuse.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_refuses_a_pod_the_api_server_would_refuse() {
    let server = Server::start().await;
    server.fake.add_namespace("zapps");
    let mut pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "Not_A_Name"},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]}
    }))
    .unwrap();
    let (status, body) = server.post("zapps", "pods", &pod).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("metadata.name"), "{body}");
    pod.metadata.name = Some("a-name".into());
    let (status, body) = server.post("zapps", "pods", &pod).await;
    assert_eq!(status, 201, "{body}");
}
