//! Registry credentials on a Kubernetes target, against the fake API
//! server: a launch whose image needs a registry with credentials in the
//! (real, kernel) keyring makes one image pull secret of type
//! `kubernetes.io/dockerconfigjson` for the execution before its pods,
//! which list it in `imagePullSecrets`; terminating removes it. The fake
//! treats Secrets as the API server does (409, invalid data refused).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/fake_kube/mod.rs"]
mod fake_kube;
#[path = "support/kube_console.rs"]
mod kube_console;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use common::engines::{custom_shop, service};
use kube_console::Cluster;
use serde_json::json;

/// `zoe ARGS` in the console home with `input` on stdin.
fn zoe_with_stdin(c: &Cluster, args: &[&str], input: &str) -> std::process::Output {
    let mut child = c
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_launch_with_stored_credentials_makes_a_pull_secret_that_goes_with_the_execution() {
    let mut c = Cluster::two_nodes();
    // a registry of this test alone: the keyring is root's, shared
    let registry = format!("reg-{}.test:5000", std::process::id());
    let image = format!("{registry}/private/busybox:1");
    let shop = tempfile::tempdir().unwrap();
    // one essential instance and one elastic
    let mut private = service("private", &image, 0, &[]);
    private["total_count"] = json!(2);
    custom_shop(shop.path(), json!([private]));
    c.shop = shop.path().to_path_buf();
    let password = format!("pw-{}", std::process::id());

    // without credentials: no secret, no imagePullSecrets
    let id = c.start(&["custom-0", "--name", "anonymous"]);
    assert!(c.fake.secrets().is_empty(), "no credentials, no secret");
    let pod = c.fake.pod("zapps", &c.pod_of(&id, "private0")).unwrap();
    assert!(pod.spec.unwrap().image_pull_secrets.is_none());
    c.ok(&["kill", &id]);

    let out = zoe_with_stdin(
        &c,
        &[
            "registry",
            "login",
            &registry,
            "-u",
            "puller",
            "--password-stdin",
            "--no-check",
        ],
        &password,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let id = c.start(&["custom-0", "--name", "private"]);
    let secrets = c.fake.secrets();
    assert_eq!(secrets.len(), 1, "one pull secret");
    let secret = &secrets[0];
    let name = secret.metadata.name.clone().unwrap();
    assert_eq!(name, format!("{id}-kt-pull"));
    assert_eq!(
        secret.type_.as_deref(),
        Some("kubernetes.io/dockerconfigjson")
    );
    let labels = secret.metadata.labels.as_ref().unwrap();
    assert_eq!(labels["zoe_execution_id"], id);
    assert_eq!(labels["zoe_deployment_name"], "kt");
    assert!(
        secret
            .metadata
            .annotations
            .as_ref()
            .unwrap()
            .contains_key("org.zoe-console.signature"),
        "signed like our Services"
    );
    let config: serde_json::Value =
        serde_json::from_slice(&secret.data.as_ref().unwrap()[".dockerconfigjson"].0).unwrap();
    let entry = &config["auths"][registry.as_str()];
    assert_eq!(entry["username"], "puller");
    assert_eq!(entry["password"], password.as_str());
    // made before the pod
    let pod = c.fake.pod("zapps", &c.pod_of(&id, "private0")).unwrap();
    let rv = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        meta.resource_version
            .clone()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(
        rv(&secret.metadata) < rv(&pod.metadata),
        "secret before pod"
    );
    let pull = pod.spec.unwrap().image_pull_secrets.unwrap();
    assert_eq!(pull.len(), 1);
    assert_eq!(pull[0].name, name);
    // kubectl sees it as the API server would show it
    let shown = c.kubectl(&["get", "secret", &name, "-n", "zapps", "-o", "json"]);
    assert!(shown.contains("kubernetes.io/dockerconfigjson"), "{shown}");

    // supervision (another process) places the failed elastic pod again
    // with the same pull secret
    c.wait_running();
    let elastic = c.pod_of(&id, "private1");
    let before = c.fake.pod("zapps", &elastic).unwrap().metadata.uid;
    c.fake
        .finish_pod("zapps", &elastic, fake_kube::Outcome::Failed(1))
        .unwrap();
    c.ok(&["supervise", "--once"]);
    c.wait("the elastic pod again", Duration::from_secs(20), |f| {
        f.pod("zapps", &elastic)
            .is_some_and(|p| p.metadata.uid != before)
    });
    let again = c.fake.pod("zapps", &elastic).unwrap();
    let pull = again.spec.unwrap().image_pull_secrets.unwrap_or_default();
    assert_eq!(pull.len(), 1, "the new pod pulls with the secret too");
    assert_eq!(pull[0].name, name);
    assert_eq!(c.fake.secrets().len(), 1, "still one secret");

    // terminating removes it with the pods and Services
    c.ok(&["kill", &id]);
    c.wait("the pull secret gone", Duration::from_secs(20), |f| {
        f.secrets().is_empty()
    });
    let out = c.zoe(&["registry", "logout", &registry]);
    assert!(out.status.success());
}

#[test]
fn the_fake_treats_secrets_as_the_api_server_does() {
    let c = Cluster::two_nodes();
    let file = c.dir.path().join("secret.json");
    let secret = |name: &str, data: &str| {
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
               "metadata": {"name": name, "namespace": "zapps"},
               "data": {".dockerconfigjson": data}})
        .to_string()
    };
    let kubectl = |body: String| {
        std::fs::write(&file, body).unwrap();
        std::process::Command::new(kube_console::kubectl_path())
            .args(["create", "--validate=false", "-f"])
            .arg(&file)
            .env("HOME", c.dir.path())
            .env("KUBECONFIG", &c.kubeconfig)
            .output()
            .unwrap()
    };
    // {"auths":{}} in base64
    let good = "eyJhdXRocyI6e319";
    let out = kubectl(secret("ok", good));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = kubectl(secret("ok", good));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("AlreadyExists") || err.contains("already exists"),
        "{err}"
    );
    // "not json" in base64
    let bad = kubectl(secret("bad", "bm90IGpzb24="));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("is invalid") && err.contains(".dockerconfigjson"),
        "{err}"
    );
    assert!(!err.contains("not json"), "contents never echoed: {err}");
    let bad_name = kubectl(secret("Bad_Name", good));
    assert!(!bad_name.status.success());
    let names: Vec<_> = c
        .fake
        .secrets()
        .into_iter()
        .map(|s| s.metadata.name.unwrap())
        .collect();
    assert_eq!(names, ["ok"]);
    let out = std::process::Command::new(kube_console::kubectl_path())
        .args(["delete", "secret", "ok", "-n", "zapps"])
        .env("HOME", c.dir.path())
        .env("KUBECONFIG", &c.kubeconfig)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(c.fake.secrets().is_empty());
}

/// The pull secret is removed by its known name: a namespace where Secrets
/// may not be listed still loses it; a refused delete (403) is reported,
/// by name, and the secret counts as left (the cleanup is not done).
#[test]
fn the_pull_secret_is_removed_by_name_and_a_refused_delete_is_reported() {
    let mut c = Cluster::two_nodes();
    let registry = format!("reg-{}-byname.test:5000", std::process::id());
    let image = format!("{registry}/private/busybox:1");
    let shop = tempfile::tempdir().unwrap();
    custom_shop(shop.path(), json!([service("private", &image, 0, &[])]));
    c.shop = shop.path().to_path_buf();
    let out = zoe_with_stdin(
        &c,
        &[
            "registry",
            "login",
            &registry,
            "-u",
            "puller",
            "--password-stdin",
            "--no-check",
        ],
        &format!("pw-{}", std::process::id()),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // listing Secrets is forbidden: the kill deletes it by name all the same
    let id = c.start(&["custom-0", "--name", "nolist"]);
    assert_eq!(c.fake.secrets().len(), 1);
    c.fake.forbid_secret_list(true);
    c.ok(&["kill", &id]);
    c.wait("the pull secret gone", Duration::from_secs(20), |f| {
        f.secrets().is_empty()
    });
    c.fake.forbid_secret_list(false);

    // reading it is forbidden (a role with create and delete only): deleted
    // by name all the same
    let id = c.start(&["custom-0", "--name", "noget"]);
    assert_eq!(c.fake.secrets().len(), 1);
    c.fake.forbid_secret_get(true);
    c.ok(&["kill", &id]);
    c.wait("the pull secret gone", Duration::from_secs(20), |f| {
        f.secrets().is_empty()
    });
    c.fake.forbid_secret_get(false);

    // deleting is forbidden: said, by name, and the secret is still there
    let id = c.start(&["custom-0", "--name", "nodelete"]);
    let name = format!("{id}-kt-pull");
    assert_eq!(c.fake.secrets().len(), 1);
    c.fake.forbid_secret_delete(true);
    let out = c.zoe(&["kill", &id]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "the cleanup is not done: {said}");
    assert!(
        said.contains(&format!("deleting secret {name}")),
        "the refusal names the secret: {said}"
    );
    assert_eq!(c.fake.secrets().len(), 1, "still there");
    // allowed again: a second kill finishes the cleanup
    c.fake.forbid_secret_delete(false);
    let out = c.zoe(&["kill", &id]);
    assert!(
        out.status.success() || c.fake.secrets().is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.wait("the pull secret gone", Duration::from_secs(20), |f| {
        f.secrets().is_empty()
    });
    let out = c.zoe(&["registry", "logout", &registry]);
    assert!(out.status.success());
}
