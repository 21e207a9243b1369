//! Following one pod container's log (`GET …/pods/{pod}/log`), as a stream
//! of the same lines and batches as a Docker container's.
//!
//! Timestamps are always asked for: they go in [`LogLine::timestamp`],
//! never in the text, and they are what a broken stream resumes from. A
//! followed stream that ends while the container still runs (the API
//! server or kubelet closed it, the network broke) is reopened from the
//! second of the last line, skipping what was delivered already
//! ([`ResumeFilter`]); it ends when the container has terminated and its
//! log is read to the end. An API server that cannot be reached is asked
//! again a bounded number of times, with a growing pause, then the stream
//! ends with an error item.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{AsyncBufRead, AsyncBufReadExt, Stream};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;

pub use super::log_resume::ResumeFilter;
/// The longest line kept whole, in bytes (as on Docker): a longer one is
/// handed out in pieces of this size.
pub use crate::backend::log_batch::MAX_LINE_BYTES;
use crate::backend::log_batch::{
    Batch, Batches, Gathered, gather, lines_of_batches, lost, reopening, resumed,
};
pub use crate::model::logs::{LogLine, LogRequest};

/// How many times in a row a stream is reopened without a line coming.
const MAX_ATTEMPTS: u32 = 20;

/// The pause before reopening, growing with the attempts.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * u64::from(attempt.clamp(1, 8)))
}

/// Follows (or reads once) the log of `container` in `pod`.
pub fn follow(
    client: kube::Client,
    namespace: String,
    pod: String,
    container: String,
    instance: Arc<str>,
    request: LogRequest,
) -> impl Stream<Item = Result<LogLine, String>> + Send + 'static {
    lines_of_batches(Follower {
        pods: Api::namespaced(client, &namespace),
        namespace,
        pod,
        container,
        instance,
        resume: ResumeFilter::since_at(request.since),
        request,
        attempts: 0,
        open: None,
        done: false,
        continuing: None,
    })
}

/// The bytes of one line (without its newline), and whether it ended
/// with one.
type RawLine = std::io::Result<(Vec<u8>, bool)>;

type LineStream = Pin<Box<dyn Stream<Item = RawLine> + Send>>;

/// The lines of a log body, each at most [`MAX_LINE_BYTES`] long.
fn lines_of(body: impl AsyncBufRead + Send + 'static) -> LineStream {
    let body: Pin<Box<dyn AsyncBufRead + Send>> = Box::pin(body);
    Box::pin(futures::stream::unfold(
        (body, false),
        |(mut body, over)| async move {
            if over {
                return None;
            }
            let mut line = Vec::new();
            loop {
                let buf = match body.fill_buf().await {
                    Ok(buf) => buf,
                    Err(e) => return Some((Err(e), (body, true))),
                };
                if buf.is_empty() {
                    if line.is_empty() {
                        return None;
                    }
                    return Some((Ok((line, false)), (body, true)));
                }
                let room = MAX_LINE_BYTES - line.len();
                let (used, ended) = match buf.iter().take(room).position(|b| *b == b'\n') {
                    Some(i) => {
                        line.extend_from_slice(&buf[..i]);
                        (i + 1, true)
                    }
                    None => {
                        let n = buf.len().min(room);
                        line.extend_from_slice(&buf[..n]);
                        (n, false)
                    }
                };
                body.consume_unpin(used);
                if ended {
                    return Some((Ok((line, true)), (body, false)));
                }
                if line.len() >= MAX_LINE_BYTES {
                    // a piece of a longer line: the rest follows
                    return Some((Ok((line, false)), (body, false)));
                }
            }
        },
    ))
}

/// The timestamp the API puts before every line (`2026-11-22T04:50:01.123456789Z `)
/// and the rest; none when the line does not start with one.
fn split_timestamp(line: &[u8]) -> (Option<(String, DateTime<Utc>)>, &[u8]) {
    let Some(space) = line.iter().take(40).position(|b| *b == b' ') else {
        return (None, line);
    };
    let stamp = std::str::from_utf8(&line[..space])
        .ok()
        .and_then(|ts| Some((ts.to_string(), DateTime::parse_from_rfc3339(ts).ok()?)));
    match stamp {
        Some((ts, at)) => (Some((ts, at.to_utc())), &line[space + 1..]),
        None => (None, line),
    }
}

/// Where the container is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    /// Running, or yet to run: its log goes on.
    Alive,
    /// Terminated, or the pod is over: its log is complete.
    Over,
    /// The pod is gone, and its log with it.
    Gone,
}

struct Follower {
    pods: Api<Pod>,
    namespace: String,
    pod: String,
    container: String,
    /// Shared by every line handed out.
    instance: Arc<str>,
    request: LogRequest,
    resume: ResumeFilter,
    attempts: u32,
    open: Option<LineStream>,
    done: bool,
    /// The last piece handed over ended without a newline (a line longer
    /// than the longest kept, in pieces): whether that line was new. The
    /// next piece goes on that line: it carries no timestamp of its own
    /// and shares the line's verdict.
    continuing: Option<bool>,
}

impl Batches for Follower {
    fn next_batch(&mut self) -> impl Future<Output = Option<Batch>> + Send {
        self.next()
    }
}

impl Follower {
    fn params(&self) -> LogParams {
        let resuming = self.resume.started();
        let since = if resuming || self.request.since.is_some() {
            self.resume.since_second()
        } else {
            None
        };
        LogParams {
            container: Some(self.container.clone()),
            follow: self.request.follow,
            timestamps: true,
            tail_lines: match (resuming, self.request.tail) {
                (false, Some(n)) => Some(i64::try_from(n).unwrap_or(i64::MAX)),
                _ => None,
            },
            // a whole second already: kube rounds to the nearest one
            since_time: since.and_then(|s| k8s_openapi::jiff::Timestamp::from_second(s).ok()),
            ..LogParams::default()
        }
    }

    async fn open(&mut self) -> Result<LineStream, kube::Error> {
        let params = self.params();
        self.resume.reopen();
        // a new stream starts with a whole line
        self.continuing = None;
        let body = self.pods.log_stream(&self.pod, &params).await?;
        Ok(lines_of(body))
    }

    fn where_(&self) -> String {
        format!(
            "{} (pod {}/{}, container {})",
            self.instance, self.namespace, self.pod, self.container
        )
    }

    /// The next batch of lines, an error, or `None` at the end.
    async fn next(&mut self) -> Option<Batch> {
        loop {
            if self.done {
                return None;
            }
            let mut stream = match self.open.take() {
                Some(stream) => stream,
                None => match self.open().await {
                    Ok(stream) => stream,
                    Err(e) => {
                        if let Some(error) = self.broke(Some(describe(&e))).await {
                            return Some(error);
                        }
                        continue;
                    }
                },
            };
            let mut lines = Vec::new();
            let gathered = gather(&mut stream, &mut lines, |item, lines| {
                let (bytes, newline) = item.map_err(|e| e.to_string())?;
                self.take(&bytes, newline, lines);
                Ok(())
            })
            .await;
            if !lines.is_empty() {
                resumed(self.attempts, || self.where_());
                self.attempts = 0;
            }
            let error = match gathered {
                Gathered::Open => {
                    self.open = Some(stream);
                    return Some(lines);
                }
                Gathered::Ended => None,
                Gathered::Broke(error) => Some(error),
            };
            if let Some(error) = self.broke(error).await {
                lines.extend(error);
            }
            if lines.is_empty() {
                continue; // reopened (or over: `done` ends it)
            }
            return Some(lines);
        }
    }

    /// The stream ended (cleanly, or with `error`): whether to reopen it
    /// (after a pause) or to stop, with an error item when it was lost.
    async fn broke(&mut self, error: Option<String>) -> Option<Vec<Result<LogLine, String>>> {
        let state = if self.request.follow {
            container_state(&self.pods, &self.pod, &self.container).await
        } else {
            Some(Container::Over)
        };
        if state == Some(Container::Over) && self.request.follow {
            // Over: one last read to the end of the log, for the lines
            // written between a break and the end (none repeated)
            self.request.follow = false;
            self.attempts = 0;
            return None;
        }
        let over = matches!(state, Some(Container::Over | Container::Gone));
        if over && error.is_none() {
            self.done = true;
            return None;
        }
        if !over && self.attempts < MAX_ATTEMPTS {
            self.attempts += 1;
            let why = error.as_deref().unwrap_or("it ended");
            let unreachable = if state.is_none() {
                " (API server unreachable)"
            } else {
                ""
            };
            reopening(
                &self.where_(),
                &format!("{why}{unreachable}"),
                self.attempts,
            );
            tokio::time::sleep(backoff(self.attempts)).await;
            return None;
        }
        self.done = true;
        let why = match (error, state) {
            (Some(why), Some(Container::Gone)) => format!("{why}; the pod is gone"),
            (Some(why), _) => why,
            (None, _) => "the API server cannot be reached".to_string(),
        };
        lost(&self.where_(), &why, self.attempts);
        Some(vec![Err(format!(
            "{}: log stream lost: {why}; check that the cluster answers (`kubectl -n {} logs {} -c {}`)",
            self.instance, self.namespace, self.pod, self.container
        ))])
    }

    /// Turns one line of the body into a [`LogLine`], unless a resume
    /// re-sent it.
    fn take(&mut self, bytes: &[u8], newline: bool, lines: &mut Vec<Result<LogLine, String>>) {
        let (ts, text, new) = match self.continuing {
            // the rest of a long line: its text as it is, its head's verdict
            Some(new) => (String::new(), bytes, new),
            None => {
                let (stamp, text) = split_timestamp(bytes);
                let (ts, at) = match stamp {
                    Some((ts, at)) => (ts, Some(at)),
                    None => (String::new(), None),
                };
                let new = self.resume.admit(at, text);
                (ts, text, new)
            }
        };
        self.continuing = (!newline).then_some(new);
        if new {
            let mut line = LogLine::new(self.instance.clone(), false, ts, text.to_vec());
            line.unterminated = !newline;
            lines.push(Ok(line));
        }
    }
}

/// Whether the container still runs (or is yet to); `None` when the API
/// server cannot be asked.
async fn container_state(pods: &Api<Pod>, pod: &str, container: &str) -> Option<Container> {
    match pods.get(pod).await {
        Ok(pod) => Some(state_of(&pod, container)),
        Err(kube::Error::Api(status)) if status.code == 404 => Some(Container::Gone),
        Err(_) => None,
    }
}

/// Where `container` of `pod` is, from the pod's status.
fn state_of(pod: &Pod, container: &str) -> Container {
    let Some(status) = &pod.status else {
        return Container::Alive;
    };
    if matches!(status.phase.as_deref(), Some("Succeeded" | "Failed")) {
        return Container::Over;
    }
    let terminated = status
        .container_statuses
        .iter()
        .flatten()
        .find(|c| c.name == container)
        .and_then(|c| c.state.as_ref())
        .is_some_and(|s| s.terminated.is_some());
    if terminated || pod.metadata.deletion_timestamp.is_some() && !has_running(pod) {
        Container::Over
    } else {
        Container::Alive
    }
}

fn has_running(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.state.as_ref().is_some_and(|s| s.running.is_some()))
        })
}

/// An API error in a sentence: the server's own message when it sent one.
fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) if !status.message.is_empty() => {
            format!("{} ({})", status.message, status.code)
        }
        other => super::client::render_error(other),
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    #[test]
    fn timestamps_are_split_off() {
        let (stamp, text) = split_timestamp(b"2026-11-22T04:50:01.123456789Z hello world");
        assert_eq!(text, b"hello world");
        let (ts, at) = stamp.unwrap();
        assert_eq!(ts, "2026-11-22T04:50:01.123456789Z");
        assert_eq!(at.timestamp_subsec_nanos(), 123_456_789);
        assert_eq!(split_timestamp(b"2026-11-22 is a date").0, None);
        assert_eq!(split_timestamp(b"no stamp").1, b"no stamp");
        assert_eq!(split_timestamp(b"2026-11-22T04:50:01Z ").1, b"");
    }

    async fn read_all(body: &[u8]) -> Vec<(Vec<u8>, bool)> {
        let reader = futures::io::Cursor::new(body.to_vec());
        lines_of(reader)
            .map(|l| l.unwrap())
            .collect::<Vec<_>>()
            .await
    }

    #[tokio::test]
    async fn lines_are_bounded_and_the_last_may_lack_a_newline() {
        let lines = read_all(b"one\r\ntwo\n\nlast").await;
        assert_eq!(
            lines,
            [
                (b"one\r".to_vec(), true),
                (b"two".to_vec(), true),
                (Vec::new(), true),
                (b"last".to_vec(), false)
            ]
        );
        let mut long = vec![b'x'; MAX_LINE_BYTES * 2 + 10];
        long.push(b'\n');
        long.extend_from_slice(b"next\n");
        let lines = read_all(&long).await;
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].0.len(), MAX_LINE_BYTES);
        assert!(!lines[0].1);
        assert_eq!(lines[1].0.len(), MAX_LINE_BYTES);
        assert_eq!((lines[2].0.len(), lines[2].1), (10, true));
        assert_eq!(lines[3], (b"next".to_vec(), true));
    }

    #[test]
    fn the_container_state_decides_whether_to_reopen() {
        let pod = |json: serde_json::Value| -> Pod { serde_json::from_value(json).unwrap() };
        let running = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "w0", "image": "i", "imageID": "", "ready": true, "restartCount": 0,
                 "state": {"running": {"startedAt": "2026-11-22T04:50:01Z"}}},
                {"name": "side", "image": "i", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0}}}
            ]}
        }));
        assert_eq!(state_of(&running, "w0"), Container::Alive);
        assert_eq!(state_of(&running, "side"), Container::Over);
        let pending =
            pod(serde_json::json!({"metadata": {"name": "p"}, "status": {"phase": "Pending"}}));
        assert_eq!(state_of(&pending, "w0"), Container::Alive);
        let failed =
            pod(serde_json::json!({"metadata": {"name": "p"}, "status": {"phase": "Failed"}}));
        assert_eq!(state_of(&failed, "w0"), Container::Over);
    }

    #[tokio::test]
    async fn the_rest_of_a_long_line_shares_its_heads_verdict_after_a_resume() {
        let config = kube::Config::new("http://127.0.0.1:9".parse().unwrap());
        let client = kube::Client::try_from(config).unwrap();
        let mut follower = Follower {
            pods: Api::namespaced(client, "ns"),
            namespace: "ns".into(),
            pod: "p".into(),
            container: "c".into(),
            instance: Arc::from("w0"),
            resume: ResumeFilter::default(),
            request: LogRequest {
                follow: true,
                tail: None,
                since: None,
                timestamps: false,
            },
            attempts: 0,
            open: None,
            done: false,
            continuing: None,
        };
        let head = b"2026-11-22T04:50:01.000000001Z 2026-11-22T04:50:02Z looks like a stamp";
        let mut lines = Vec::new();
        follower.take(head, false, &mut lines);
        follower.take(b"2026-11-22T04:50:03Z rest", true, &mut lines);
        assert_eq!(lines.len(), 2);
        let rest = lines[1].as_ref().unwrap();
        assert_eq!(
            rest.text, "2026-11-22T04:50:03Z rest",
            "a continuation is text, never a timestamp"
        );
        // the stream breaks and is opened again from that second: the
        // whole long line comes again, and is skipped whole
        follower.resume.reopen();
        follower.continuing = None;
        let mut again = Vec::new();
        follower.take(head, false, &mut again);
        follower.take(b"2026-11-22T04:50:03Z rest", true, &mut again);
        follower.take(b"2026-11-22T04:50:01.5Z new", true, &mut again);
        let texts: Vec<&str> = again
            .iter()
            .map(|l| l.as_ref().unwrap().text.as_str())
            .collect();
        assert_eq!(texts, ["new"], "nothing of the long line repeated");
    }
}
