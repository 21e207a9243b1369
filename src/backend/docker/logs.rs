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

/// Follows one container's log as a stream of lines, resuming after breaks
/// while the container still runs. Ends when the log ends (container
/// stopped, or not following).
pub fn follow(
    docker: Docker,
    container: String,
    instance: String,
    request: LogRequest,
) -> impl Stream<Item = Result<LogLine, String>> {
    let state = (
        docker,
        container,
        instance,
        request,
        String::new(),
        0u32,
        false,
    );
    futures::stream::unfold(
        state,
        |(docker, container, instance, request, last, attempts, done)| async move {
            if done {
                return None;
            }
            let mut lines = Vec::new();
            let mut last_seen = last.clone();
            let since = if last.is_empty() {
                request.since.unwrap_or(0)
            } else {
                timestamp_seconds(&last).unwrap_or(0)
            };
            let options = LogsOptions {
                follow: request.follow,
                stdout: true,
                stderr: true,
                since: i32::try_from(since).unwrap_or(0),
                until: 0,
                timestamps: true,
                tail: if last.is_empty() {
                    request
                        .tail
                        .map_or_else(|| "all".to_string(), |n| n.to_string())
                } else {
                    "all".to_string()
                },
            };
            let mut stream = docker.logs(&container, Some(options));
            let mut broken = None;
            // Read a batch: up to 256 lines, or whatever arrives within 200 ms.
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
                    None => break,
                    Some(None) => break,
                    Some(Some(Err(e))) => {
                        broken = Some(describe(&e));
                        break;
                    }
                    Some(Some(Ok(output))) => {
                        let (stderr, bytes) = match output {
                            LogOutput::StdErr { message } => (true, message),
                            LogOutput::StdOut { message }
                            | LogOutput::Console { message }
                            | LogOutput::StdIn { message } => (false, message),
                        };
                        let text = String::from_utf8_lossy(&bytes);
                        for raw in text.lines() {
                            let (ts, body) = split_timestamp(raw);
                            // after a resume, skip what was already delivered
                            if !last.is_empty() && !ts.is_empty() && ts <= last.as_str() {
                                continue;
                            }
                            if !ts.is_empty() {
                                last_seen = ts.to_string();
                            }
                            lines.push(Ok(LogLine {
                                instance: instance.clone(),
                                stderr,
                                timestamp: ts.to_string(),
                                text: body.to_string(),
                            }));
                        }
                        if lines.len() >= 256 {
                            // hand this batch out; the next unfold step resumes after it
                            return Some((
                                futures::stream::iter(lines),
                                (docker, container, instance, request, last_seen, 0, false),
                            ));
                        }
                    }
                }
            }
            let running = docker
                .inspect_container(&container, None::<InspectContainerOptions>)
                .await
                .ok()
                .and_then(|c| c.state)
                .and_then(|s| s.running)
                .unwrap_or(false);
            let follow = request.follow;
            let resume = follow && (running || broken.is_some()) && attempts < 30;
            if !lines.is_empty() {
                return Some((
                    futures::stream::iter(lines),
                    (docker, container, instance, request, last_seen, 0, !resume),
                ));
            }
            if resume {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempts.min(6) + 1)))
                    .await;
                return Some((
                    futures::stream::iter(lines),
                    (
                        docker,
                        container,
                        instance,
                        request,
                        last_seen,
                        attempts + 1,
                        false,
                    ),
                ));
            }
            match broken {
                Some(why) if follow => {
                    let error = vec![Err(format!("{instance}: log stream lost: {why}"))];
                    Some((
                        futures::stream::iter(error),
                        (
                            docker, container, instance, request, last_seen, attempts, true,
                        ),
                    ))
                }
                _ => None,
            }
        },
    )
    .flatten()
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
