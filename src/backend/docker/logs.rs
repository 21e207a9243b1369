//! Following a container's log. Timestamps are always requested so that a
//! stream that breaks (daemon restart, network blip) resumes from the last
//! line seen, without losing or repeating lines.

use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::{InspectContainerOptions, LogsOptions};
use futures::{Stream, StreamExt};

use super::client::describe;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    pub instance: String,
    pub stderr: bool,
    /// RFC 3339 with nanoseconds, as Docker sends it.
    pub timestamp: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub follow: bool,
    /// Last N lines; `None` = all.
    pub tail: Option<u64>,
    /// Unix seconds.
    pub since: Option<i64>,
}

/// Splits a `timestamps=true` line into (timestamp, text).
pub fn split_timestamp(line: &str) -> (&str, &str) {
    match line.split_once(' ') {
        Some((ts, text)) if ts.len() >= 20 && ts.as_bytes()[4] == b'-' => (ts, text),
        _ => ("", line),
    }
}

/// Seconds since the epoch of an RFC 3339 UTC timestamp (`…Z`), for `since`.
pub fn timestamp_seconds(ts: &str) -> Option<i64> {
    let (date, time) = ts.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time.get(..8)?.split(':').map(|p| p.parse::<i64>());
    let (hh, mm, ss) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    // days from civil (Howard Hinnant's algorithm)
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Follows one container's log as a stream of lines. When following, a
/// stream that ends or breaks while the container still runs is reopened
/// from the last timestamp seen, skipping lines already delivered. Errors
/// are delivered, never swallowed; a missing container is not retried.
pub fn follow(
    docker: Docker,
    container: String,
    instance: String,
    request: LogRequest,
) -> impl Stream<Item = Result<LogLine, String>> {
    futures::stream::unfold(
        Follower {
            docker,
            container,
            instance,
            request,
            last: String::new(),
            attempts: 0,
            open: None,
            done: false,
        },
        |mut f| async move {
            let item = f.next().await?;
            Some((item, f))
        },
    )
    .flatten()
}

type LogStream =
    std::pin::Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>;

struct Follower {
    docker: Docker,
    container: String,
    instance: String,
    request: LogRequest,
    /// Timestamp of the last line delivered.
    last: String,
    attempts: u32,
    open: Option<LogStream>,
    done: bool,
}

impl Follower {
    fn open(&mut self) -> LogStream {
        let resuming = !self.last.is_empty();
        let since = if resuming {
            timestamp_seconds(&self.last).unwrap_or(0)
        } else {
            self.request.since.unwrap_or(0)
        };
        let options = LogsOptions {
            follow: self.request.follow,
            stdout: true,
            stderr: true,
            since: i32::try_from(since).unwrap_or(i32::MAX),
            until: 0,
            timestamps: true,
            tail: match (resuming, self.request.tail) {
                (false, Some(n)) => n.to_string(),
                _ => "all".to_string(),
            },
        };
        Box::pin(self.docker.logs(&self.container, Some(options)))
    }

    /// The next batch of lines (possibly empty after a resume), an error,
    /// or `None` at the end.
    async fn next(
        &mut self,
    ) -> Option<futures::stream::Iter<std::vec::IntoIter<Result<LogLine, String>>>> {
        loop {
            if self.done {
                return None;
            }
            let mut stream = match self.open.take() {
                Some(stream) => stream,
                None => self.open(),
            };
            let mut lines = Vec::new();
            let mut ended: Option<Option<String>> = None; // Some(None) = clean end, Some(Some(e)) = error
            // Wait for the first chunk as long as it takes; then gather more
            // for up to 200 ms so output comes in batches, not byte by byte.
            loop {
                let next = if lines.is_empty() {
                    stream.next().await.map(Some)
                } else {
                    match tokio::time::timeout(Duration::from_millis(200), stream.next()).await {
                        Ok(item) => item.map(Some),
                        Err(_) => Some(None),
                    }
                };
                match next {
                    None => {
                        ended = Some(None);
                        break;
                    }
                    Some(None) => break, // quiet for 200 ms: hand out what we have
                    Some(Some(Err(e))) => {
                        ended = Some(Some(describe(&e)));
                        break;
                    }
                    Some(Some(Ok(output))) => {
                        self.take(output, &mut lines);
                        if lines.len() >= 256 {
                            break;
                        }
                    }
                }
            }
            if !lines.is_empty() {
                self.attempts = 0;
            }
            match ended {
                None => {
                    self.open = Some(stream);
                    return Some(futures::stream::iter(lines));
                }
                Some(error) => {
                    let missing = error.as_deref().is_some_and(|e| e.contains("(HTTP 404)"));
                    // unknown (daemon unreachable, e.g. restarting): keep trying
                    let running = !missing && self.is_running().await != Some(false);
                    let resume = self.request.follow && running && self.attempts < 60;
                    if resume {
                        if lines.is_empty() {
                            self.attempts += 1;
                            tokio::time::sleep(Duration::from_millis(
                                250 * u64::from(self.attempts.min(8)),
                            ))
                            .await;
                        }
                        if lines.is_empty() {
                            continue;
                        }
                        return Some(futures::stream::iter(lines));
                    }
                    self.done = true;
                    if let Some(why) = error {
                        lines.push(Err(format!("{}: log stream lost: {why}", self.instance)));
                    }
                    if lines.is_empty() {
                        return None;
                    }
                    return Some(futures::stream::iter(lines));
                }
            }
        }
    }

    /// Turns one chunk into lines, skipping what a resume re-sent.
    fn take(&mut self, output: LogOutput, lines: &mut Vec<Result<LogLine, String>>) {
        let (stderr, bytes) = match output {
            LogOutput::StdErr { message } => (true, message),
            LogOutput::StdOut { message }
            | LogOutput::Console { message }
            | LogOutput::StdIn { message } => (false, message),
        };
        let text = String::from_utf8_lossy(&bytes);
        for raw in text.lines() {
            let (ts, body) = split_timestamp(raw);
            if !self.last.is_empty() && !ts.is_empty() && ts <= self.last.as_str() {
                continue;
            }
            if !ts.is_empty() {
                self.last = ts.to_string();
            }
            lines.push(Ok(LogLine {
                instance: self.instance.clone(),
                stderr,
                timestamp: ts.to_string(),
                text: body.to_string(),
            }));
        }
    }

    /// `None` when the daemon cannot be asked (down or restarting).
    async fn is_running(&self) -> Option<bool> {
        match self
            .docker
            .inspect_container(&self.container, None::<InspectContainerOptions>)
            .await
        {
            Ok(c) => Some(c.state.and_then(|s| s.running).unwrap_or(false)),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Some(false),
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_split_and_convert() {
        assert_eq!(
            split_timestamp("2026-11-22T04:50:01.123456789Z hello world"),
            ("2026-11-22T04:50:01.123456789Z", "hello world")
        );
        assert_eq!(
            split_timestamp("no timestamp here"),
            ("", "no timestamp here")
        );
        assert_eq!(timestamp_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            timestamp_seconds("2024-01-01T00:00:00.5Z"),
            Some(1_704_067_200)
        );
        assert_eq!(
            timestamp_seconds("2026-11-22T04:50:01.1Z"),
            Some(1_795_323_001)
        );
        assert_eq!(timestamp_seconds("garbage"), None);
    }
}
