//! Every description of `../shared/corpus/`, expanded with its default
//! parameters, maps to the Kubernetes objects of its instances, or is
//! refused by the preflight naming the rule it breaks (before anything
//! would be created). Skipped, with a message, when the corpus is absent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Pod, Service};
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

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; the corpus tests need ../shared beside the repository",
            dir.display()
        );
        None
    }
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

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
        if path.ends_with("manifest.json")
            || path.to_string_lossy().contains("schema")
            || covered.contains(&path.canonicalize().unwrap())
        {
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

/// Maps every description; returns how many mapped and how many the
/// preflight refused (each refusal naming its rule).
fn map_all(all: &[(String, Description)]) -> (usize, usize) {
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
    for (name, description) in all {
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
            let objects = instance_objects(instance, &labels, &target, "zapps", None, 10)
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
            pods.push(pod.metadata.name.clone().unwrap());
        }
        let distinct: HashSet<&String> = pods.iter().collect();
        assert_eq!(distinct.len(), pods.len(), "{name}: pod names collide");
        println!("MAPPED  {name}: {} pods", pods.len());
        mapped += 1;
    }
    println!("{mapped} mapped, {refused} refused by the preflight");
    assert_eq!(mapped + refused, all.len());
    (mapped, refused)
}

#[test]
fn every_corpus_description_maps_to_objects_or_is_refused_with_the_rule() {
    let Some(corpus) = corpus() else { return };
    let all = descriptions(&corpus);
    assert!(all.len() >= 29, "{} descriptions", all.len());
    let (mapped, _refused) = map_all(&all);
    assert!(mapped > 0);
}

#[test]
fn every_sample_shop_entry_maps_to_objects() {
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("shop");
    let all = shop_descriptions(&[shop], &mut HashSet::new());
    assert!(all.len() >= 6, "{} entries", all.len());
    assert_eq!(map_all(&all), (all.len(), 0));
}
