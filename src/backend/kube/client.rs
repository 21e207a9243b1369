//! A cluster target's client: the kubeconfig read and merged as kubectl
//! does, the context picked, credentials (inline tokens, token files,
//! client certificates, exec plugins: all kube's) set up, and the API's
//! refusals turned into `BackendError`s that name the context and server.
//!
//! Secrets: no token, key or plugin output (stdout) ever goes into an
//! error or the log. kube's own `Display` of an exec failure prints the
//! plugin's command with its environment and its whole output, so auth
//! errors are always rendered here, never with `to_string()`.

use std::future::Future;
use std::path::PathBuf;

use kube::config::{ExecInteractiveMode, KubeConfigOptions, Kubeconfig, KubeconfigError};

use crate::backend::BackendError;
use crate::config::EnvLookup;
use crate::config::kube::{ContextInfo, KubeTarget, kubeconfig_paths};

/// A client for one cluster target, and what it was built from (shown in
/// the header and named in errors).
#[derive(Clone)]
pub struct Connected {
    pub client: kube::Client,
    /// The target's name (as in the settings).
    pub target: String,
    pub context: String,
    pub cluster: String,
    /// The API server URL.
    pub server: String,
    /// The kubeconfig user's name (never its credentials).
    pub user: String,
    /// Where the target's objects live: the target's, else the context's,
    /// else `default`.
    pub namespace: String,
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connected")
            .field("target", &self.target)
            .field("context", &self.context)
            .field("cluster", &self.cluster)
            .field("server", &self.server)
            .field("user", &self.user)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// Builds the client of a cluster target. The kubeconfig is read now
/// (with `env`: `$KUBECONFIG`, `$HOME`); the returned future owns all it
/// needs (it is `Send`, so it can be spawned). No request is made: an
/// exec plugin, though, runs while the client is built (on a blocking
/// thread). With `interactive` false every exec plugin is run with
/// `interactiveMode: Never`: no stdin, its stderr captured, so nothing it
/// says reaches the terminal (use that while the TUI owns the screen).
pub fn connect(
    target: &KubeTarget,
    env: EnvLookup<'_>,
    interactive: bool,
) -> impl Future<Output = Result<Connected, BackendError>> + Send + 'static {
    let name = target.name.clone();
    let paths = kubeconfig_paths(&target.kubeconfig, env);
    let context = target.context.clone();
    let namespace = target.namespace.clone();
    async move {
        let misconfigured = |why: String| BackendError::Misconfigured {
            target: name.clone(),
            why,
        };
        let mut kubeconfig = read_kubeconfig(&paths).map_err(misconfigured)?;
        if !interactive {
            for auth in &mut kubeconfig.auth_infos {
                if let Some(exec) = auth.auth_info.as_mut().and_then(|a| a.exec.as_mut()) {
                    exec.interactive_mode = Some(ExecInteractiveMode::Never);
                }
            }
        }
        let picked =
            pick_context(&kubeconfig, context.as_deref(), &paths).map_err(misconfigured)?;
        let options = KubeConfigOptions {
            context: Some(picked.name.clone()),
            ..KubeConfigOptions::default()
        };
        let proxy_in_kubeconfig = picked.proxy_url;
        let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|e| {
                misconfigured(format!(
                    "context {} in {}: {}",
                    picked.name,
                    list(&paths),
                    kubeconfig_error(&e)
                ))
            })?;
        if !proxy_in_kubeconfig && config.proxy_url.is_some() {
            // $HTTPS_PROXY: this build has no proxy support (kube's
            // `http-proxy` feature); going direct beats failing
            tracing::info!("cluster {name}: $HTTPS_PROXY ignored (no proxy support in this build)");
            config.proxy_url = None;
        }
        let namespace = namespace
            .or(picked.namespace)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".to_string());
        config.default_namespace = namespace.clone();
        let server = config.cluster_url.to_string();
        let server = server.trim_end_matches('/').to_string();
        // the exec plugin (if any) runs here, synchronously: off the
        // runtime's threads
        let built = tokio::task::spawn_blocking(move || kube::Client::try_from(config))
            .await
            .map_err(|e| misconfigured(format!("building the client failed: {e}")))?;
        let connected_without_client = |client| Connected {
            client,
            target: name.clone(),
            context: picked.name.clone(),
            cluster: picked.cluster.clone(),
            server: server.clone(),
            user: picked.user.clone(),
            namespace: namespace.clone(),
        };
        match built {
            Ok(client) => Ok(connected_without_client(client)),
            Err(err) => Err(BackendError::Unauthorized {
                target: name.clone(),
                why: format!(
                    "no client for context {} ({}): {}",
                    picked.name,
                    server,
                    render_error(&err)
                ),
            }),
        }
    }
}

/// Runs the target's exec credential plugin once with the terminal (it may
/// prompt), before the terminal UI takes the screen: a plugin that caches
/// what it got (most do) then answers the UI's non-interactive runs
/// without asking. Nothing happens when the context has no plugin. The
/// first request waits `deadline` at most; the plugin itself as long as
/// the user takes.
pub async fn sign_in(
    target: &KubeTarget,
    env: EnvLookup<'_>,
    deadline: std::time::Duration,
) -> Result<(), BackendError> {
    let paths = kubeconfig_paths(&target.kubeconfig, env);
    let uses_plugin = read_kubeconfig(&paths).is_ok_and(|kubeconfig| {
        pick_context(&kubeconfig, target.context.as_deref(), &paths).is_ok_and(|picked| {
            kubeconfig.auth_infos.iter().any(|a| {
                a.name == picked.user && a.auth_info.as_ref().is_some_and(|i| i.exec.is_some())
            })
        })
    });
    if !uses_plugin {
        return Ok(());
    }
    let connected = connect(target, env, true).await?;
    match tokio::time::timeout(deadline, probe(&connected)).await {
        Ok(answer) => answer.map(|_| ()),
        Err(_) => Err(BackendError::Unreachable {
            target: target.name.clone(),
            address: connected.server.clone(),
            why: format!("no answer within {} s", deadline.as_secs()),
        }),
    }
}

/// Asks the server its version: the cheapest request that proves the
/// server answers and takes our credentials.
pub async fn probe(connected: &Connected) -> Result<String, BackendError> {
    connected
        .client
        .apiserver_version()
        .await
        .map(|info| info.git_version)
        .map_err(|err| api_error(err, connected, "reading the server version"))
}

/// A kube error as a `BackendError` that says what was being done, on
/// which context and server, and what to do.
pub fn api_error(err: kube::Error, connected: &Connected, doing: &str) -> BackendError {
    let target = connected.target.clone();
    let what = doing.to_string();
    match &err {
        kube::Error::Api(status) => {
            let why = if status.message.is_empty() {
                status.reason.clone()
            } else {
                status.message.clone()
            };
            match status.code {
                401 => BackendError::Unauthorized {
                    target,
                    why: format!(
                        "{doing}: credentials rejected by {} for context {}: {why}; log in again (e.g. run the context's exec plugin or `kubectl --context {} get ns`, or refresh the token), then retry",
                        connected.server, connected.context, connected.context
                    ),
                },
                403 => BackendError::Refused {
                    target,
                    what,
                    why: format!(
                        "forbidden for user {} of context {}: {why}",
                        connected.user, connected.context
                    ),
                },
                404 => BackendError::NotFound { target, what, why },
                409 => BackendError::Conflict { target, what, why },
                410 => BackendError::Expired { target, what, why },
                422 => BackendError::Refused {
                    target,
                    what,
                    why: format!("invalid: {why}"),
                },
                code => BackendError::Refused {
                    target,
                    what,
                    why: format!("{} answered {code}: {why}", connected.server),
                },
            }
        }
        _ if matches!(err, kube::Error::Auth(_)) || auth_error_in(&err).is_some() => {
            BackendError::Unauthorized {
                target,
                why: format!(
                    "{doing}: credentials for context {} ({}) unavailable: {}",
                    connected.context,
                    connected.server,
                    render_error(&err)
                ),
            }
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => BackendError::Unreachable {
            target,
            address: connected.server.clone(),
            why: format!("{doing}: {}", render_error(&err)),
        },
        _ => BackendError::Refused {
            target,
            what,
            why: render_error(&err),
        },
    }
}

/// The contexts of the merged kubeconfig (`given` files, else
/// `$KUBECONFIG`, else `~/.kube/config`), the current one marked.
pub fn contexts(given: &[PathBuf], env: EnvLookup<'_>) -> Result<Vec<ContextInfo>, String> {
    let paths = kubeconfig_paths(given, env);
    let kubeconfig = read_kubeconfig(&paths)?;
    Ok(kubeconfig
        .contexts
        .iter()
        .map(|named| {
            let context = named.context.as_ref();
            let cluster = context.map(|c| c.cluster.clone()).unwrap_or_default();
            let server = kubeconfig
                .clusters
                .iter()
                .find(|c| c.name == cluster)
                .and_then(|c| c.cluster.as_ref())
                .and_then(|c| c.server.clone())
                .unwrap_or_default();
            ContextInfo {
                name: named.name.clone(),
                cluster,
                server,
                namespace: context.and_then(|c| c.namespace.clone()),
                user: context.and_then(|c| c.user.clone()).unwrap_or_default(),
                current: kubeconfig.current_context.as_deref() == Some(named.name.as_str()),
            }
        })
        .collect())
}

/// The kubeconfig files merged as kubectl merges `$KUBECONFIG`: missing
/// files skipped, the first file to set a key wins; none readable is an
/// error naming every path tried.
pub fn read_kubeconfig(paths: &[PathBuf]) -> Result<Kubeconfig, String> {
    let mut merged: Option<Kubeconfig> = None;
    for path in paths {
        if !path.exists() {
            continue;
        }
        let next = Kubeconfig::read_from(path)
            .map_err(|e| format!("kubeconfig {}: {}", path.display(), kubeconfig_error(&e)))?;
        merged = Some(match merged {
            None => next,
            Some(m) => m
                .merge(next)
                .map_err(|e| format!("kubeconfig {}: {}", path.display(), kubeconfig_error(&e)))?,
        });
    }
    merged.ok_or_else(|| {
        format!(
            "no kubeconfig found (tried {}); set `kubeconfig` in the settings' [[kubernetes]] entry, $KUBECONFIG or --kubeconfig",
            list(paths)
        )
    })
}

/// What the picked context says.
struct Picked {
    name: String,
    cluster: String,
    user: String,
    namespace: Option<String>,
    proxy_url: bool,
}

fn pick_context(
    kubeconfig: &Kubeconfig,
    wanted: Option<&str>,
    paths: &[PathBuf],
) -> Result<Picked, String> {
    let names = || {
        let all: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if all.is_empty() {
            "it has none".to_string()
        } else {
            format!("its contexts: {}", all.join(", "))
        }
    };
    let name = match wanted.or(kubeconfig.current_context.as_deref()) {
        Some(name) if !name.is_empty() => name,
        _ => {
            return Err(format!(
                "kubeconfig {} has no current-context; name one with `context` in the settings or --context ({})",
                list(paths),
                names()
            ));
        }
    };
    let Some(context) = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.as_ref())
    else {
        return Err(format!(
            "context `{name}` is not in kubeconfig {} ({})",
            list(paths),
            names()
        ));
    };
    let cluster = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == context.cluster)
        .and_then(|c| c.cluster.as_ref());
    let Some(cluster) = cluster else {
        return Err(format!(
            "context `{name}` names cluster `{}`, which kubeconfig {} does not define",
            context.cluster,
            list(paths)
        ));
    };
    Ok(Picked {
        name: name.to_string(),
        cluster: context.cluster.clone(),
        user: context.user.clone().unwrap_or_default(),
        namespace: context.namespace.clone(),
        proxy_url: cluster.proxy_url.as_deref().is_some_and(|p| !p.is_empty()),
    })
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A kubeconfig error without the YAML it failed on (a snippet could hold
/// a token).
fn kubeconfig_error(err: &KubeconfigError) -> String {
    match err {
        KubeconfigError::Parse(_) => {
            "not a valid kubeconfig (YAML of kind Config); check it with `kubectl config view`"
                .to_string()
        }
        KubeconfigError::ReadConfig(io, _) => format!("cannot be read: {io}"),
        other => other.to_string(),
    }
}

/// The auth error somewhere in `err`'s chain of causes, if any.
fn auth_error_in(err: &kube::Error) -> Option<&kube::client::AuthError> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(auth) = e.downcast_ref::<kube::client::AuthError>() {
            return Some(auth);
        }
        cause = e.source();
    }
    None
}

/// A kube error as text with no secret in it: auth errors are described
/// here (kube's own text carries the plugin's environment and output);
/// others are their chain of causes.
pub(super) fn render_error(err: &kube::Error) -> String {
    if let Some(auth) = auth_error_in(err) {
        return render_auth_error(auth);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cause = e.source();
    }
    parts.join(": ")
}

fn render_auth_error(err: &kube::client::AuthError) -> String {
    use kube::client::AuthError as A;
    match err {
        A::AuthExecRun { out, .. } => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let said = last_line(&stderr);
            if said.is_empty() {
                format!("the exec credential plugin failed ({})", out.status)
            } else {
                format!("the exec credential plugin failed ({}): {said}", out.status)
            }
        }
        A::AuthExecStart(io) => format!("the exec credential plugin could not be started: {io}"),
        A::AuthExecParse(_) => {
            "the exec credential plugin did not print an ExecCredential".to_string()
        }
        A::AuthExecSerialize(_) => "the exec credential plugin's input could not be made".into(),
        A::AuthExec(text) => format!("exec credential: {}", last_line(text)),
        A::ExecPluginFailed => "the exec credential plugin gave no credential".to_string(),
        A::MalformedTokenExpirationDate(_) => {
            "the exec credential plugin gave a malformed expirationTimestamp".to_string()
        }
        A::InvalidBearerToken(_) => "the token is not a valid HTTP header value".to_string(),
        A::InvalidBasicAuth(_) => "the user name or password is not a valid header value".into(),
        other => other.to_string(),
    }
}

/// The last non-empty line, shortened: what a plugin says last is usually
/// why it failed.
fn last_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or_default();
    let mut short: String = line.chars().take(300).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}
