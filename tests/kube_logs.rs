//! Following a pod's log against a minimal stub of the API server (the
//! log and the pod, nothing else): a stream cut in the middle of a second
//! resumes with no line lost or repeated, and the log ends when the
//! container has terminated.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::{Stream, StreamExt};
use zoe_console::backend::kube::logs::follow;
use zoe_console::model::logs::{LogLine, LogRequest};

/// 40 lines over 4 seconds; lines 20–29 share one timestamp and repeat
/// their text (two identical lines with one timestamp are two lines).
fn ground_truth() -> Vec<(String, String)> {
    (0..40)
        .map(|i| {
            let second = i / 10;
            let nanos = if second == 2 {
                0
            } else {
                (i % 10) * 100_000_000 + 7
            };
            let text = if second == 2 {
                format!("same {}", i % 2)
            } else {
                format!("line {i}")
            };
            (format!("2026-11-22T04:50:0{second}.{nanos:09}Z"), text)
        })
        .collect()
}

#[derive(Default)]
struct Stub {
    /// The query of every log request.
    requests: Vec<std::collections::HashMap<String, String>>,
    /// Lines the first stream sends before it breaks.
    cut_after: usize,
    /// The container has terminated (after the first stream broke).
    terminated: bool,
}

type Shared = Arc<Mutex<Stub>>;

async fn log(
    State(stub): State<Shared>,
    Path((_ns, _pod)): Path<(String, String)>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let (first, cut_after) = {
        let mut s = stub.lock().unwrap();
        s.requests.push(query.clone());
        let first = s.requests.len() == 1;
        if !first {
            s.terminated = true; // it ends while the second stream runs
        }
        (first, s.cut_after)
    };
    let since = query
        .get("sinceTime")
        .map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc());
    let lines: Vec<String> = ground_truth()
        .into_iter()
        .filter(|(ts, _)| {
            since.is_none_or(|s| chrono::DateTime::parse_from_rfc3339(ts).unwrap() >= s)
        })
        .map(|(ts, text)| format!("{ts} {text}\n"))
        .collect();
    let chunks: Vec<Result<Bytes, std::io::Error>> = if first && cut_after < lines.len() {
        // the first `cut_after` lines, half of the next one, then the
        // connection breaks
        let mut chunks: Vec<_> = lines[..cut_after]
            .iter()
            .map(|l| Ok(Bytes::from(l.clone())))
            .collect();
        let half = &lines[cut_after][..10];
        chunks.push(Ok(Bytes::from(half.to_string())));
        chunks.push(Err(std::io::Error::other("connection reset")));
        chunks
    } else {
        lines.into_iter().map(|l| Ok(Bytes::from(l))).collect()
    };
    // each chunk a moment after the last, so that what comes before the
    // break reaches the client before the connection is dropped
    let chunks = futures::stream::iter(chunks).then(|chunk| async move {
        if chunk.is_err() {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        chunk
    });
    Body::from_stream(chunks).into_response()
}

async fn pod(State(stub): State<Shared>, Path((ns, pod)): Path<(String, String)>) -> Response {
    let terminated = stub.lock().unwrap().terminated;
    let state = if terminated {
        serde_json::json!({"terminated": {"exitCode": 0}})
    } else {
        serde_json::json!({"running": {"startedAt": "2026-11-22T04:50:00Z"}})
    };
    let body = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": pod, "namespace": ns},
        "status": {
            "phase": if terminated { "Succeeded" } else { "Running" },
            "containerStatuses": [{"name": "w0", "image": "i", "imageID": "", "ready": !terminated,
                "restartCount": 0, "state": state}]
        }
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

async fn serve(stub: Shared) -> kube::Client {
    let app = Router::new()
        .route("/api/v1/namespaces/{ns}/pods/{pod}/log", get(log))
        .route("/api/v1/namespaces/{ns}/pods/{pod}", get(pod))
        .with_state(stub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = kube::Config::new(format!("http://{address}").parse().unwrap());
    kube::Client::try_from(config).unwrap()
}

/// Follows container w0 of pod ns/p, its instance named w0.
fn follow_w0(
    client: kube::Client,
    request: LogRequest,
) -> impl Stream<Item = Result<LogLine, String>> {
    follow(
        client,
        "ns".into(),
        "p".into(),
        "w0".into(),
        "w0".into(),
        request,
    )
}

#[tokio::test]
async fn a_stream_cut_mid_second_resumes_with_nothing_lost_or_repeated() {
    for cut_after in [5, 14, 20, 23, 29, 30] {
        let stub = Arc::new(Mutex::new(Stub {
            cut_after,
            ..Stub::default()
        }));
        let client = serve(stub.clone()).await;
        let request = LogRequest {
            follow: true,
            tail: None,
            since: None,
            timestamps: false,
        };
        let lines: Vec<_> = tokio::time::timeout(
            Duration::from_secs(30),
            follow_w0(client, request).collect::<Vec<_>>(),
        )
        .await
        .expect("the log ends once the container has terminated");
        let got: Vec<(String, String)> = lines
            .into_iter()
            .map(|l| {
                let l = l.unwrap();
                assert_eq!(&*l.instance, "w0");
                assert!(!l.unterminated);
                (l.timestamp, l.text)
            })
            .collect();
        assert_eq!(got, ground_truth(), "cut after {cut_after} lines");
        let requests = stub.lock().unwrap().requests.clone();
        assert!(
            requests
                .iter()
                .all(|q| q.get("timestamps").map(String::as_str) == Some("true")
                    && q.get("container").map(String::as_str) == Some("w0")),
            "{requests:?}"
        );
        assert_eq!(requests[0].get("follow").map(String::as_str), Some("true"));
        assert_eq!(requests[0].get("sinceTime"), None);
        // reopened from the whole second of the last line delivered
        let second = ground_truth()[cut_after - 1].0[..19].to_string() + "Z";
        assert_eq!(requests[1].get("sinceTime"), Some(&second), "{requests:?}");
    }
}

#[tokio::test]
async fn tail_and_an_exact_since_are_honoured() {
    let stub = Arc::new(Mutex::new(Stub {
        cut_after: usize::MAX,
        terminated: true,
        ..Stub::default()
    }));
    let client = serve(stub.clone()).await;
    let since = chrono::DateTime::parse_from_rfc3339("2026-11-22T04:50:03.45Z")
        .unwrap()
        .to_utc();
    let request = LogRequest {
        follow: false,
        tail: Some(3),
        since: Some(since),
        timestamps: true,
    };
    let lines: Vec<String> = follow_w0(client, request)
        .map(|l| l.unwrap().text)
        .collect()
        .await;
    // the stub sends the whole second; the fraction before .45 is dropped
    assert_eq!(
        lines,
        ["line 35", "line 36", "line 37", "line 38", "line 39"]
    );
    let requests = stub.lock().unwrap().requests.clone();
    assert_eq!(requests[0].get("tailLines").map(String::as_str), Some("3"));
    assert_eq!(
        requests[0].get("sinceTime").map(String::as_str),
        Some("2026-11-22T04:50:03Z"),
        "rounded down, not to the nearest second"
    );
    assert_eq!(requests[0].get("follow"), None);
}
