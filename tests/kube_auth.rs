//! Cluster credentials and contexts through `connect` and a list call,
//! against a tiny stub API server on loopback that records the
//! `Authorization` header of every request (no Docker, no cluster).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use k8s_openapi::api::core::v1::Pod;
use zoe_console::backend::kube::client::{Connected, api_error, connect, contexts, probe};
use zoe_console::config::kube::KubeTarget;

/// One request the stub saw: its path and `Authorization` header.
type Request = (String, Option<String>);

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Request>>>);

impl Seen {
    fn all(&self) -> Vec<Request> {
        self.0.lock().unwrap().clone()
    }
    fn auths(&self) -> Vec<Option<String>> {
        self.all().into_iter().map(|(_, a)| a).collect()
    }
}

#[derive(Clone)]
struct Stub {
    seen: Seen,
    /// Only this bearer token is accepted (`None`: any).
    require: Option<String>,
}

fn record(stub: &Stub, path: String, headers: &HeaderMap) -> Option<Response> {
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_string());
    stub.seen.0.lock().unwrap().push((path, auth.clone()));
    match &stub.require {
        Some(token) if auth.as_deref() != Some(&format!("Bearer {token}")) => {
            let status = serde_json::json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {},
                "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401
            });
            Some((StatusCode::UNAUTHORIZED, axum::Json(status)).into_response())
        }
        _ => None,
    }
}

async fn version(State(stub): State<Stub>, headers: HeaderMap) -> Response {
    if let Some(refused) = record(&stub, "/version".into(), &headers) {
        return refused;
    }
    let info = k8s_openapi::apimachinery::pkg::version::Info {
        git_version: "v1.33.0-stub".into(),
        major: "1".into(),
        minor: "33".into(),
        ..Default::default()
    };
    axum::Json(info).into_response()
}

async fn pods(
    State(stub): State<Stub>,
    UrlPath(ns): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = record(&stub, format!("/api/v1/namespaces/{ns}/pods"), &headers) {
        return refused;
    }
    let list = k8s_openapi::List::<Pod>::default();
    axum::Json(list).into_response()
}

/// A stub on a free loopback port; returns its URL and what it sees.
async fn stub(require: Option<&str>) -> (String, Seen) {
    let seen = Seen::default();
    let state = Stub {
        seen: seen.clone(),
        require: require.map(str::to_string),
    };
    let app = Router::new()
        .route("/version", get(version))
        .route("/api/v1/namespaces/{ns}/pods", get(pods))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// A kubeconfig: `(context, server, namespace, user yaml)` per context;
/// the first is current.
fn kubeconfig(dir: &Path, contexts: &[(&str, &str, Option<&str>, &str)]) -> PathBuf {
    let mut text = String::from("apiVersion: v1\nkind: Config\n");
    text.push_str(&format!("current-context: {}\nclusters:\n", contexts[0].0));
    for (name, server, _, _) in contexts {
        text.push_str(&format!(
            "- name: {name}-cluster\n  cluster:\n    server: {server}\n"
        ));
    }
    text.push_str("users:\n");
    for (name, _, _, user) in contexts {
        text.push_str(&format!("- name: {name}-user\n  user:\n{user}\n"));
    }
    text.push_str("contexts:\n");
    for (name, _, ns, _) in contexts {
        text.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}-cluster\n    user: {name}-user\n"
        ));
        if let Some(ns) = ns {
            text.push_str(&format!("    namespace: {ns}\n"));
        }
    }
    let file = dir.join("kubeconfig");
    std::fs::write(&file, text).unwrap();
    file
}

fn token_user(token: &str) -> String {
    format!("    token: {token}")
}

fn target(kubeconfig: &Path, context: Option<&str>, namespace: Option<&str>) -> KubeTarget {
    let mut t = KubeTarget::new("k");
    t.kubeconfig = vec![kubeconfig.to_path_buf()];
    t.context = context.map(str::to_string);
    t.namespace = namespace.map(str::to_string);
    t
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// Connects to the current context of `kubeconfig`, with no environment.
async fn connect_current(kubeconfig: &Path) -> Connected {
    connect(&target(kubeconfig, None, None), &no_env, false)
        .await
        .unwrap()
}

/// Two stubs, and a kubeconfig whose context `a` (current; namespace
/// `ns-a`, token `token-a`) reaches the first and `b` (`ns-b`, `token-b`)
/// the second: the file, b's URL, and what each stub sees.
async fn two_clusters(dir: &Path) -> (PathBuf, String, Seen, Seen) {
    let (url_a, seen_a) = stub(None).await;
    let (url_b, seen_b) = stub(None).await;
    let file = kubeconfig(
        dir,
        &[
            ("a", &url_a, Some("ns-a"), &token_user("token-a")),
            ("b", &url_b, Some("ns-b"), &token_user("token-b")),
        ],
    );
    (file, url_b, seen_a, seen_b)
}

/// Writes an executable script.
fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

async fn list_pods(c: &Connected) -> Result<(), zoe_console::backend::BackendError> {
    kube::Api::<Pod>::namespaced(c.client.clone(), &c.namespace)
        .list(&Default::default())
        .await
        .map(|_| ())
        .map_err(|e| api_error(e, c, "listing pods"))
}

#[tokio::test]
async fn an_inline_token_reaches_the_server_as_bearer() {
    let (url, seen) = stub(Some("tok-inline-1")).await;
    let dir = tempfile::tempdir().unwrap();
    let file = kubeconfig(
        dir.path(),
        &[("a", &url, Some("team-a"), &token_user("tok-inline-1"))],
    );
    let c = connect_current(&file).await;
    assert_eq!(
        (c.context.as_str(), c.namespace.as_str()),
        ("a", "team-a"),
        "the context's namespace is the default"
    );
    assert_eq!(c.server, url);
    assert_eq!(probe(&c).await.unwrap(), "v1.33.0-stub");
    list_pods(&c).await.unwrap();
    let all = seen.all();
    assert_eq!(all[1].0, "/api/v1/namespaces/team-a/pods");
    assert!(
        all.iter()
            .all(|(_, a)| a.as_deref() == Some("Bearer tok-inline-1")),
        "{all:?}"
    );
}

#[tokio::test]
async fn the_targets_namespace_overrides_the_contexts() {
    let (url, seen) = stub(None).await;
    let dir = tempfile::tempdir().unwrap();
    let file = kubeconfig(dir.path(), &[("a", &url, Some("team-a"), &token_user("t"))]);
    let c = connect(&target(&file, None, Some("other")), &no_env, false)
        .await
        .unwrap();
    list_pods(&c).await.unwrap();
    assert_eq!(seen.all()[0].0, "/api/v1/namespaces/other/pods");
    // no namespace anywhere: `default`
    let file = kubeconfig(dir.path(), &[("a", &url, None, &token_user("t"))]);
    let c = connect_current(&file).await;
    assert_eq!(c.namespace, "default");
}

#[tokio::test]
async fn the_named_context_reaches_only_its_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let (file, url_b, seen_a, seen_b) = two_clusters(dir.path()).await;
    let c = connect(&target(&file, Some("b"), None), &no_env, false)
        .await
        .unwrap();
    assert_eq!(
        (c.cluster.as_str(), c.user.as_str()),
        ("b-cluster", "b-user")
    );
    list_pods(&c).await.unwrap();
    assert!(seen_a.all().is_empty(), "{:?}", seen_a.all());
    assert_eq!(
        seen_b.all(),
        [(
            "/api/v1/namespaces/ns-b/pods".to_string(),
            Some("Bearer token-b".to_string())
        )]
    );
    // an unknown context is refused with the list of contexts
    let err = connect(&target(&file, Some("c"), None), &no_env, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("context `c` is not in kubeconfig"), "{err}");
    assert!(err.contains("a, b"), "{err}");
    // the listing for `:ctx` and `zoe config contexts`
    let listed = contexts(&[file], &no_env).unwrap();
    let names: Vec<(&str, bool)> = listed
        .iter()
        .map(|c| (c.name.as_str(), c.current))
        .collect();
    assert_eq!(names, [("a", true), ("b", false)]);
    assert_eq!(listed[1].server, url_b);
}

#[tokio::test]
async fn a_rejected_token_names_the_context_and_server_not_the_token() {
    let (url, _seen) = stub(Some("the-right-one")).await;
    let dir = tempfile::tempdir().unwrap();
    let file = kubeconfig(
        dir.path(),
        &[("prod", &url, None, &token_user("sekrit-wrong-token"))],
    );
    let c = connect_current(&file).await;
    let err = list_pods(&c).await.unwrap_err();
    assert!(
        matches!(err, zoe_console::backend::BackendError::Unauthorized { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("context prod"), "{text}");
    assert!(text.contains(&url), "{text}");
    assert!(text.contains("credentials rejected"), "{text}");
    assert!(!text.contains("sekrit"), "{text}");
    assert!(!format!("{err:?} {c:?}").contains("sekrit"));
}

#[tokio::test]
async fn missing_kubeconfig_files_are_skipped_and_none_is_an_error() {
    let (url, _seen) = stub(None).await;
    let dir = tempfile::tempdir().unwrap();
    let file = kubeconfig(dir.path(), &[("a", &url, None, &token_user("t"))]);
    let missing = dir.path().join("missing");
    let env = {
        let list = format!("{}:{}", missing.display(), file.display());
        move |k: &str| (k == "KUBECONFIG").then(|| list.clone())
    };
    let c = connect(&KubeTarget::new("k"), &env, false).await.unwrap();
    assert_eq!(c.context, "a");
    let only_missing = {
        let list = missing.display().to_string();
        move |k: &str| (k == "KUBECONFIG").then(|| list.clone())
    };
    let err = connect(&KubeTarget::new("k"), &only_missing, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no kubeconfig found") && err.contains(&missing.display().to_string()),
        "{err}"
    );
}

/// An exec plugin that counts its runs in `dir/count`, says something on
/// stderr, and hands out `exec-token-<n>` valid for `valid_secs`.
fn exec_plugin(dir: &Path, valid_secs: u32) -> String {
    let script = dir.join("plugin.sh");
    let count = dir.join("count");
    executable(
        &script,
        &format!(
            "#!/bin/sh\nn=$(cat {count} 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > {count}\n\
             echo PLUGIN-STDERR-MARKER >&2\n\
             exp=$(date -u -d '+{valid_secs} seconds' +%Y-%m-%dT%H:%M:%SZ)\n\
             printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"exec-token-%s\",\"expirationTimestamp\":\"%s\"}}}}' $n $exp\n",
            count = count.display()
        ),
    );
    format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: IfAvailable",
        script.display()
    )
}

fn runs(dir: &Path) -> u32 {
    std::fs::read_to_string(dir.join("count"))
        .map(|t| t.trim().parse().unwrap())
        .unwrap_or(0)
}

#[tokio::test]
async fn an_exec_plugin_runs_again_after_its_credential_expires() {
    let (url, seen) = stub(None).await;
    let dir = tempfile::tempdir().unwrap();
    // kube refreshes a credential 60 s before it expires: 63 s gives a
    // credential good for about 3 s
    let user = exec_plugin(dir.path(), 63);
    let file = kubeconfig(dir.path(), &[("a", &url, None, &user)]);
    let c = connect_current(&file).await;
    // kube 5 runs the plugin while building the client, three times
    // (TLS identity twice, then the auth layer)
    let built = runs(dir.path());
    assert!(built >= 1, "the plugin runs when the client is built");
    list_pods(&c).await.unwrap();
    assert_eq!(runs(dir.path()), built, "a valid credential is reused");
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    list_pods(&c).await.unwrap();
    assert_eq!(
        runs(dir.path()),
        built + 1,
        "an expired credential is fetched again"
    );
    let auths = seen.auths();
    assert_eq!(auths.len(), 2);
    let first = auths[0].as_deref().unwrap();
    assert!(
        (1..=built).any(|n| first == format!("Bearer exec-token-{n}")),
        "{auths:?}"
    );
    assert_eq!(
        auths[1],
        Some(format!("Bearer exec-token-{}", built + 1)),
        "the new credential is sent"
    );
}

/// Run in a child process by `a_quiet_plugin_does_not_write_to_our_stderr`:
/// connects with the kubeconfig in `$ZOE_TEST_CHILD_KUBECONFIG`.
#[tokio::test]
async fn child_connects_with_an_exec_plugin() {
    let Some(file) = std::env::var_os("ZOE_TEST_CHILD_KUBECONFIG") else {
        return;
    };
    let interactive = std::env::var_os("ZOE_TEST_CHILD_INTERACTIVE").is_some();
    let t = target(Path::new(&file), None, None);
    connect(&t, &no_env, interactive).await.unwrap();
}

#[tokio::test]
async fn a_quiet_plugin_does_not_write_to_our_stderr() {
    let (url, _seen) = stub(None).await;
    let dir = tempfile::tempdir().unwrap();
    let user = exec_plugin(dir.path(), 3600);
    let file = kubeconfig(dir.path(), &[("a", &url, None, &user)]);
    let child = |interactive: bool| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "--exact",
            "child_connects_with_an_exec_plugin",
            "--nocapture",
        ])
        .env("ZOE_TEST_CHILD_KUBECONFIG", &file)
        .stdin(std::process::Stdio::null());
        if interactive {
            cmd.env("ZOE_TEST_CHILD_INTERACTIVE", "1");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let quiet = child(false);
    assert!(!quiet.contains("PLUGIN-STDERR-MARKER"), "{quiet}");
    let ran = runs(dir.path());
    assert!(ran >= 1, "the plugin ran");
    // the check can see it: interactively the plugin has our stderr
    let loud = child(true);
    assert!(loud.contains("PLUGIN-STDERR-MARKER"), "{loud}");
    assert!(runs(dir.path()) > ran);
}

#[tokio::test]
async fn a_failing_plugin_is_reported_without_its_output() {
    let (url, _seen) = stub(None).await;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("fail.sh");
    executable(
        &script,
        "#!/bin/sh\necho '{\"status\":{\"token\":\"leaked-stdout-token\"}}'\necho 'error: session expired, run login' >&2\nexit 3\n",
    );
    let user = format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      env:\n      - name: SECRET_ENV\n        value: env-sekrit",
        script.display()
    );
    let file = kubeconfig(dir.path(), &[("a", &url, None, &user)]);
    let err = connect(&target(&file, None, None), &no_env, false)
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("session expired, run login"), "{text}");
    assert!(text.contains("context a"), "{text}");
    assert!(!text.contains("leaked-stdout-token"), "{text}");
    assert!(!text.contains("env-sekrit"), "{text}");
}

/// `--context b` (and `--namespace`) with no cluster in the settings:
/// `$KUBECONFIG`'s context b is the only cluster reached.
#[tokio::test]
async fn the_context_flag_without_settings_reaches_only_that_cluster() {
    use zoe_console::config::hosts::TargetConfig;
    use zoe_console::config::targets::{KubeFlags, load_targets};
    let dir = tempfile::tempdir().unwrap();
    let (file, _, seen_a, seen_b) = two_clusters(dir.path()).await;
    let list = file.display().to_string();
    let env = move |k: &str| match k {
        "KUBECONFIG" => Some(list.clone()),
        "DOCKER_HOST" => Some("tcp://127.0.0.1:1".to_string()),
        _ => None,
    };
    for (namespace, expected) in [(None, "ns-b"), (Some("flagged"), "flagged")] {
        let flags = KubeFlags {
            context: Some("b".into()),
            namespace: namespace.map(str::to_string),
            kubeconfig: None,
        };
        let loaded = load_targets(&Default::default(), &env, &flags).unwrap();
        let clusters: Vec<&KubeTarget> = loaded
            .targets
            .iter()
            .filter_map(|t| match t {
                TargetConfig::Kubernetes(k) => Some(k),
                TargetConfig::Docker(_) => None,
            })
            .collect();
        assert_eq!(loaded.targets.len(), 2, "the Docker host stays");
        assert_eq!(clusters.len(), 1);
        let c = connect(clusters[0], &env, false).await.unwrap();
        list_pods(&c).await.unwrap();
        assert_eq!(
            seen_b.all().last().unwrap().0,
            format!("/api/v1/namespaces/{expected}/pods")
        );
    }
    assert!(seen_a.all().is_empty(), "{:?}", seen_a.all());
    assert_eq!(seen_b.all().len(), 2);
}

#[test]
fn zoe_config_contexts_lists_the_merged_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("one");
    std::fs::create_dir(&first).unwrap();
    let one = kubeconfig(
        &first,
        &[(
            "a",
            "https://a.example:6443",
            Some("ns-a"),
            &token_user("secret-a"),
        )],
    );
    let second = dir.path().join("two");
    std::fs::create_dir(&second).unwrap();
    let two = kubeconfig(
        &second,
        &[
            ("b", "https://b.example:6443", None, &token_user("secret-b")),
            ("a", "https://shadowed.example", None, &token_user("x")),
        ],
    );
    let home = dir.path().join("home");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zoe"))
            .args(args)
            .env_clear()
            .env("HOME", &home)
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env(
                "KUBECONFIG",
                format!(
                    "{}:{}:{}",
                    one.display(),
                    dir.path().join("missing").display(),
                    two.display()
                ),
            )
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, out, err) = run(&["config", "contexts", "-o", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows: Vec<(String, String, bool)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["server"].as_str().unwrap().to_string(),
                c["current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("a".to_string(), "https://a.example:6443".to_string(), true),
            ("b".to_string(), "https://b.example:6443".to_string(), false)
        ],
        "the first file to set a key wins"
    );
    assert!(!out.contains("secret"), "{out}");
    let (code, table, _) = run(&["config", "contexts"]);
    assert_eq!(code, Some(0));
    assert!(table.starts_with("CURRENT"), "{table}");
    assert!(table.lines().nth(1).unwrap().starts_with('*'), "{table}");
    // --kubeconfig wins over $KUBECONFIG
    let (_, out, _) = run(&[
        "config",
        "contexts",
        "-o",
        "json",
        "--kubeconfig",
        two.to_str().unwrap(),
    ]);
    assert!(out.contains("shadowed.example"), "{out}");
    let (code, _, err) = run(&["config", "contexts", "--kubeconfig", "/nonexistent/k"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("no kubeconfig found") && err.contains("/nonexistent/k"),
        "{err}"
    );
}
