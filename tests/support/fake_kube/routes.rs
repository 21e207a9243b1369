//! The HTTP face: the router of every endpoint, the record of requests and
//! the bearer-token check.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod, Secret, Service};

use super::Shared;
use super::status::{Answer, Failure};
use super::store::{Kind, RequestRecord};
use super::{discovery, logs, resources, watch};

type St = State<Arc<Shared>>;
type Q = Query<HashMap<String, String>>;

fn answer(a: Answer) -> Response {
    match a {
        Ok(r) => r,
        Err(f) => f.into_response(),
    }
}

async fn guard(State(shared): St, request: Request, next: Next) -> Response {
    let query = request.uri().query().unwrap_or_default().to_string();
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|a| a.to_str().ok())
        .map(str::to_string);
    let watch = query
        .split('&')
        .any(|kv| kv == "watch=true" || kv == "watch=1");
    let token = {
        let mut world = shared.lock();
        world.requests.push(RequestRecord {
            method: request.method().to_string(),
            path: request.uri().path().to_string(),
            query,
            authorization: authorization.clone(),
            watch,
            at: Instant::now(),
        });
        world.settings.token.clone()
    };
    if let Some(token) = token
        && authorization.as_deref() != Some(format!("Bearer {token}").as_str())
    {
        return Failure::new(401, "Unauthorized", "Unauthorized").into_response();
    }
    next.run(request).await
}

fn forbidden_cluster_pods(
    shared: &Arc<Shared>,
    q: &HashMap<String, String>,
) -> Result<(), Failure> {
    if shared.lock().settings.forbid_cluster_pods {
        let verb = if q.get("watch").is_some_and(|w| w == "true") {
            "watch"
        } else {
            "list"
        };
        return Err(Failure::new(
            403,
            "Forbidden",
            format!("pods is forbidden: User \"system:serviceaccount:zapps:zoe\" cannot {verb} resource \"pods\" in API group \"\" at the cluster scope"),
        )
        .with_details("pods", "", vec![]));
    }
    Ok(())
}

/// 403 for `verb` on Secrets when the control hand forbids it.
fn forbidden_secrets(forbid: bool, verb: &str) -> Result<(), Failure> {
    if forbid {
        return Err(Failure::new(
            403,
            "Forbidden",
            format!("secrets is forbidden: User \"system:serviceaccount:zapps:zoe\" cannot {verb} resource \"secrets\" in API group \"\" in the namespace \"zapps\""),
        )
        .with_details("secrets", "", vec![]));
    }
    Ok(())
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/version", get(|| async { answer(discovery::version()) }))
        .route("/api", get(|h: HeaderMap| async move { answer(discovery::api(&h)) }))
        .route("/apis", get(|State(s): St| async move { answer(discovery::apis(&s)) }))
        .route("/api/v1", get(|| async { answer(discovery::core_v1()) }))
        .route(
            "/apis/metrics.k8s.io/v1beta1",
            get(|State(s): St| async move { answer(discovery::metrics_group(&s)) }),
        )
        .route(
            "/apis/metrics.k8s.io/v1beta1/nodes",
            get(|State(s): St| async move { answer(discovery::node_metrics(&s, None)) }),
        )
        .route(
            "/apis/metrics.k8s.io/v1beta1/nodes/{name}",
            get(|State(s): St, Path(n): Path<String>| async move {
                answer(discovery::node_metrics(&s, Some(&n)))
            }),
        )
        .route(
            "/apis/metrics.k8s.io/v1beta1/pods",
            get(|State(s): St| async move { answer(discovery::pod_metrics(&s)) }),
        )
        .route(
            "/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods",
            get(|State(s): St| async move { answer(discovery::pod_metrics(&s)) }),
        )
        .route(
            "/api/v1/nodes",
            get(|State(s): St, Query(q): Q, h: HeaderMap| async move {
                answer(watch::list_or_watch(&s, Kind::Node, None, &q, &h))
            }),
        )
        .route(
            "/api/v1/nodes/{name}",
            get(|State(s): St, Path(n): Path<String>| async move {
                answer(resources::get_node(&s, &n))
            }),
        )
        .route(
            "/api/v1/pods",
            get(|State(s): St, Query(q): Q, h: HeaderMap| async move {
                answer(
                    forbidden_cluster_pods(&s, &q)
                        .and_then(|()| watch::list_or_watch(&s, Kind::Pod, None, &q, &h)),
                )
            }),
        )
        .route(
            "/api/v1/namespaces/{ns}/pods",
            get(|State(s): St, Path(ns): Path<String>, Query(q): Q, h: HeaderMap| async move {
                answer(watch::list_or_watch(&s, Kind::Pod, Some(&ns), &q, &h))
            })
            .post(|State(s): St, Path(ns): Path<String>, b: Bytes| async move {
                answer(resources::create_pod(&s, &ns, &b))
            })
            .delete(|State(s): St, Path(ns): Path<String>, Query(q): Q, b: Bytes| async move {
                answer(resources::delete_pods(&s, &ns, &q, &b))
            }),
        )
        .route(
            "/api/v1/namespaces/{ns}/pods/{name}",
            get(|State(s): St, Path((ns, n)): Path<(String, String)>| async move {
                answer(resources::get::<Pod>(&s, &ns, &n))
            })
            .delete(
                |State(s): St, Path((ns, n)): Path<(String, String)>, Query(q): Q, b: Bytes| async move {
                    answer(resources::delete_pod(&s, &ns, &n, &q, &b))
                },
            ),
        )
        .route(
            "/api/v1/namespaces/{ns}/pods/{name}/log",
            get(|State(s): St, Path((ns, n)): Path<(String, String)>, Query(q): Q| async move {
                answer(logs::pod_log(&s, &ns, &n, &q))
            }),
        )
        .route(
            "/api/v1/services",
            get(|State(s): St, Query(q): Q, h: HeaderMap| async move {
                answer(watch::list_or_watch(&s, Kind::Service, None, &q, &h))
            }),
        )
        .route(
            "/api/v1/namespaces/{ns}/services",
            get(|State(s): St, Path(ns): Path<String>, Query(q): Q, h: HeaderMap| async move {
                answer(watch::list_or_watch(&s, Kind::Service, Some(&ns), &q, &h))
            })
            .post(|State(s): St, Path(ns): Path<String>, b: Bytes| async move {
                answer(resources::create_service(&s, &ns, &b))
            })
            .delete(|| async { resources::method_not_allowed().into_response() }),
        )
        .route(
            "/api/v1/namespaces/{ns}/services/{name}",
            get(|State(s): St, Path((ns, n)): Path<(String, String)>| async move {
                answer(resources::get::<Service>(&s, &ns, &n))
            })
            .delete(|State(s): St, Path((ns, n)): Path<(String, String)>| async move {
                answer(resources::delete_service(&s, &ns, &n))
            }),
        )
        .route(
            "/api/v1/secrets",
            get(|State(s): St, Query(q): Q, h: HeaderMap| async move {
                answer(watch::list_or_watch(&s, Kind::Secret, None, &q, &h))
            }),
        )
        .route(
            "/api/v1/namespaces/{ns}/secrets",
            get(|State(s): St, Path(ns): Path<String>, Query(q): Q, h: HeaderMap| async move {
                let forbid = s.lock().settings.forbid_secret_list;
                answer(
                    forbidden_secrets(forbid, "list")
                        .and_then(|()| watch::list_or_watch(&s, Kind::Secret, Some(&ns), &q, &h)),
                )
            })
            .post(|State(s): St, Path(ns): Path<String>, b: Bytes| async move {
                answer(resources::create_secret(&s, &ns, &b))
            }),
        )
        .route(
            "/api/v1/namespaces/{ns}/secrets/{name}",
            get(|State(s): St, Path((ns, n)): Path<(String, String)>| async move {
                let forbid = s.lock().settings.forbid_secret_get;
                answer(
                    forbidden_secrets(forbid, "get")
                        .and_then(|()| resources::get::<Secret>(&s, &ns, &n)),
                )
            })
            .delete(|State(s): St, Path((ns, n)): Path<(String, String)>| async move {
                let forbid = s.lock().settings.forbid_secret_delete;
                answer(
                    forbidden_secrets(forbid, "delete")
                        .and_then(|()| resources::delete_secret(&s, &ns, &n)),
                )
            }),
        )
        .route(
            "/api/v1/namespaces",
            get(|State(s): St, Query(q): Q, h: HeaderMap| async move {
                answer(watch::list_or_watch(&s, Kind::Namespace, None, &q, &h))
            })
            .post(|State(s): St, b: Bytes| async move {
                answer(resources::create_namespace(&s, &b))
            }),
        )
        .route(
            "/api/v1/namespaces/{ns}",
            get(|State(s): St, Path(ns): Path<String>| async move {
                answer(resources::get::<Namespace>(&s, "", &ns))
            }),
        )
        .route(
            "/api/v1/events",
            get(|State(s): St, Query(q): Q, h: HeaderMap| async move {
                answer(watch::list_or_watch(&s, Kind::Event, None, &q, &h))
            }),
        )
        .route(
            "/api/v1/namespaces/{ns}/events",
            get(|State(s): St, Path(ns): Path<String>, Query(q): Q, h: HeaderMap| async move {
                answer(watch::list_or_watch(&s, Kind::Event, Some(&ns), &q, &h))
            }),
        )
        .route(
            "/api/v1/namespaces/{ns}/events/{name}",
            get(|State(s): St, Path((ns, n)): Path<(String, String)>| async move {
                answer(resources::get::<Event>(&s, &ns, &n))
            }),
        )
        .fallback(|| async {
            Failure::new(404, "NotFound", "the server could not find the requested resource")
                .into_response()
        })
        .method_not_allowed_fallback(|| async { resources::method_not_allowed().into_response() })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}
