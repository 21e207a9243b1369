//! Following a container's log. Timestamps are requested when following so
//! that a stream that breaks (daemon restart, network blip) resumes where
//! it was cut, without losing or repeating lines (and for `since` and when
//! they are shown); a log read once without them comes faster.
//!
//! Two things Docker does that a reader must undo:
//! * a line longer than 16 KiB is sent as several messages, each with the
//!   same timestamp and all but the last without a newline: they are joined
//!   back into one line ([`LineAssembler`]);
//! * on a resume, `since` only has whole-second precision and many lines can
//!   share one timestamp: lines already delivered are skipped by *position*
//!   (the timestamp and how many lines of that stream with that timestamp
//!   were delivered), never by "newer than the last one" ([`ResumeFilter`]).

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::{InspectContainerOptions, LogsOptions};
use chrono::{DateTime, Utc};
use futures::Stream;

use super::client::describe;

/// The longest line kept whole, in bytes. A longer one (a container that
/// never prints a newline) is handed out in pieces of this size, so memory
/// stays bounded whatever the container prints.
pub use crate::backend::log_batch::MAX_LINE_BYTES;
use crate::backend::log_batch::{
    Batch, Batches, Gathered, gather, lines_of_batches, lost, reopening, resumed,
};

pub use crate::model::logs::{LogLine, LogRequest};

/// The RFC 3339 timestamp Docker puts before every message, and the rest.
/// Only a real timestamp counts (`2026-11-22T04:50:01.123456789Z `), so a
/// message that happens to start with a date is not cut.
fn split_timestamp_bytes(message: &[u8]) -> (&[u8], &[u8]) {
    let Some(space) = message.iter().take(40).position(|b| *b == b' ') else {
        return (&[], message);
    };
    let ts = &message[..space];
    let looks_right = ts.len() >= 20
        && ts[4] == b'-'
        && ts[7] == b'-'
        && ts[10] == b'T'
        && ts[13] == b':'
        && ts[16] == b':'
        && ts
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b':' | b'.' | b'T' | b'Z' | b'+'));
    if looks_right {
        (ts, &message[space + 1..])
    } else {
        (&[], message)
    }
}

/// The instant of an RFC 3339 timestamp as Docker writes it
/// (`2026-11-22T04:50:01.123456789Z`). Timestamps compare by value, not as
/// text: a fraction may be written with fewer digits, and a zone other
/// than `Z` is honoured.
pub fn timestamp(ts: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(ts).ok().map(|t| t.to_utc())
}

/// Joins Docker's log messages back into lines, per stream: a message
/// without a newline is the first part of a line that goes on in the next
/// message (Docker splits lines longer than 16 KiB).
#[derive(Debug, Default)]
pub struct LineAssembler {
    /// Per stream (stdout, stderr): the timestamp and bytes of a line begun
    /// but not ended yet.
    pending: [Option<(String, Vec<u8>)>; 2],
    /// The messages carry no timestamp (none was asked for): a line that
    /// starts with a date is the container's own text.
    unstamped: bool,
}

impl LineAssembler {
    /// For messages with a timestamp before each (`stamped`) or without.
    pub fn new(stamped: bool) -> LineAssembler {
        LineAssembler {
            unstamped: !stamped,
            ..LineAssembler::default()
        }
    }

    /// Takes one message chunk of a stream; hands out the lines it ends as
    /// (timestamp, bytes).
    pub fn push(&mut self, stderr: bool, chunk: &[u8], out: &mut Vec<(String, Vec<u8>)>) {
        let pending = &mut self.pending[usize::from(stderr)];
        let mut rest = chunk;
        while !rest.is_empty() {
            let (ts, body) = if self.unstamped {
                (&rest[..0], rest)
            } else {
                split_timestamp_bytes(rest)
            };
            let (piece, after, ended) = match body.iter().position(|b| *b == b'\n') {
                Some(i) => (&body[..i], &body[i + 1..], true),
                None => (body, &body[body.len()..], false),
            };
            let line = pending
                .get_or_insert_with(|| (String::from_utf8_lossy(ts).into_owned(), Vec::new()));
            line.1.extend_from_slice(piece);
            while line.1.len() > MAX_LINE_BYTES {
                let tail = line.1.split_off(MAX_LINE_BYTES);
                let head = std::mem::replace(&mut line.1, tail);
                out.push((line.0.clone(), head));
            }
            if ended && let Some(done) = pending.take() {
                out.push(done);
            }
            rest = after;
        }
    }

    /// Lines begun but not ended: handed out when the output is over.
    pub fn finish(&mut self) -> Vec<(bool, String, Vec<u8>)> {
        let mut out = Vec::new();
        for (stream, pending) in self.pending.iter_mut().enumerate() {
            if let Some((ts, bytes)) = pending.take() {
                out.push((stream == 1, ts, bytes));
            }
        }
        out
    }

    /// Forgets lines begun: a resume sends them again from their start.
    pub fn reset(&mut self) {
        self.pending = [None, None];
    }
}

/// Where the delivered lines of one stream end: the last timestamp and how
/// many lines with that timestamp were delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    at: DateTime<Utc>,
    count: u64,
}

/// Skips, after a resume, exactly the lines already delivered, and lines
/// stamped before the `since` asked for (Docker only goes by the second).
#[derive(Debug, Default)]
pub struct ResumeFilter {
    floor: Option<DateTime<Utc>>,
    delivered: [Option<Position>; 2],
    skipping: [Option<Position>; 2],
}

impl ResumeFilter {
    /// A filter that also drops lines stamped before `since`.
    pub fn since_at(since: Option<DateTime<Utc>>) -> ResumeFilter {
        ResumeFilter {
            floor: since,
            ..ResumeFilter::default()
        }
    }

    /// The stream was reopened: what comes next starts over at `since`.
    pub fn reopen(&mut self) {
        self.skipping = self.delivered.clone();
    }

    /// Whether anything was delivered yet.
    pub fn started(&self) -> bool {
        self.delivered.iter().any(Option::is_some)
    }

    /// The second to reopen from: a second before the earliest
    /// last-delivered line of the streams. One connection delivers in file
    /// order, but the two streams are stamped separately, so a line of one
    /// stream can follow a slightly newer line of the other; the second of
    /// margin keeps those, and [`ResumeFilter::admit`] drops what repeats.
    pub fn since(&self) -> Option<i64> {
        self.delivered
            .iter()
            .flatten()
            .map(|p| p.at.timestamp().saturating_sub(1))
            .min()
    }

    /// Whether a line of `stderr`'s stream stamped `ts` is new; counts it
    /// as delivered when it is. Lines without a readable timestamp cannot
    /// be placed and are always new.
    pub fn admit(&mut self, stderr: bool, ts: &str) -> bool {
        let stream = usize::from(stderr);
        let Some(at) = timestamp(ts) else {
            return true;
        };
        if self.floor.is_some_and(|floor| at < floor) {
            return false;
        }
        if let Some(skip) = &mut self.skipping[stream] {
            if at < skip.at {
                return false;
            }
            if at == skip.at && skip.count > 0 {
                skip.count -= 1;
                return false;
            }
            self.skipping[stream] = None;
        }
        match &mut self.delivered[stream] {
            Some(p) if p.at == at => p.count += 1,
            slot => *slot = Some(Position { at, count: 1 }),
        }
        true
    }
}

/// Follows one container's log as a stream of lines. When following, a
/// stream that ends or breaks while the container still runs is reopened
/// and every line is still delivered exactly once. Errors are delivered,
/// never swallowed; a missing container is not retried.
pub fn follow(
    docker: Docker,
    container: String,
    instance: String,
    request: LogRequest,
) -> impl Stream<Item = Result<LogLine, String>> {
    lines_of_batches(Follower {
        docker,
        container,
        instance: instance.into(),
        resume: ResumeFilter::since_at(request.since),
        assembler: LineAssembler::new(request.stamped()),
        request,
        complete: Vec::new(),
        attempts: 0,
        open: None,
        multiplexed: false,
        done: false,
    })
}

type LogStream = Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>;

struct Follower {
    docker: Docker,
    container: String,
    /// Shared by every line handed out.
    instance: Arc<str>,
    request: LogRequest,
    assembler: LineAssembler,
    /// The lines a chunk ended (kept to spare an allocation per chunk).
    complete: Vec<(String, Vec<u8>)>,
    resume: ResumeFilter,
    attempts: u32,
    open: Option<LogStream>,
    /// The open stream carries stdout and stderr frames (no TTY).
    multiplexed: bool,
    done: bool,
}

impl Batches for Follower {
    fn next_batch(&mut self) -> impl Future<Output = Option<Batch>> + Send {
        self.next()
    }
}

impl Follower {
    /// The instance and its container, for the console's log.
    fn what(&self) -> String {
        format!("{} ({})", self.instance, short(&self.container))
    }

    fn open(&mut self) -> LogStream {
        let resuming = self.resume.started();
        let since = if resuming {
            self.resume.since().unwrap_or(0)
        } else {
            self.request.since.map_or(0, |t| t.timestamp())
        };
        self.assembler.reset();
        self.resume.reopen();
        self.multiplexed = false;
        let options = LogsOptions {
            follow: self.request.follow,
            stdout: true,
            stderr: true,
            since: i32::try_from(since).unwrap_or(i32::MAX),
            until: 0,
            timestamps: self.request.stamped(),
            tail: match (resuming, self.request.tail) {
                (false, Some(n)) => n.to_string(),
                _ => "all".to_string(),
            },
        };
        Box::pin(self.docker.logs(&self.container, Some(options)))
    }

    /// The next batch of lines (possibly empty after a resume), an error,
    /// or `None` at the end.
    async fn next(&mut self) -> Option<Batch> {
        loop {
            if self.done {
                return None;
            }
            let mut stream = match self.open.take() {
                Some(stream) => stream,
                None => self.open(),
            };
            let mut lines = Vec::new();
            let mut multiplexed = self.multiplexed;
            let mut missing = false; // the container is gone
            let gathered = gather(&mut stream, &mut lines, |item, lines| match item {
                Err(e) => {
                    missing = matches!(
                        e,
                        bollard::errors::Error::DockerResponseServerError {
                            status_code: 404,
                            ..
                        }
                    );
                    Err(describe(&e))
                }
                Ok(LogOutput::Console { .. }) if multiplexed => {
                    // bollard hands out what is left of a frame cut off at
                    // the end of the stream as console output: the stream
                    // broke in the middle of a message
                    Err("the stream was cut in the middle of a message".to_string())
                }
                Ok(output) => {
                    multiplexed |=
                        matches!(output, LogOutput::StdOut { .. } | LogOutput::StdErr { .. });
                    self.take(output, lines);
                    Ok(())
                }
            })
            .await;
            if !lines.is_empty() {
                resumed(self.attempts, || self.what());
                self.attempts = 0;
            }
            self.multiplexed = multiplexed;
            let error = match gathered {
                Gathered::Open => {
                    self.open = Some(stream);
                    return Some(lines);
                }
                Gathered::Ended => None,
                Gathered::Broke(error) => Some(error),
            };
            // unknown (daemon unreachable, e.g. restarting): keep trying
            let state = if missing {
                Some(false)
            } else {
                is_running(&self.docker, &self.container).await
            };
            let running = state != Some(false);
            let resume = self.request.follow && running && self.attempts < 60;
            if resume {
                let why = error.as_deref().unwrap_or("it ended");
                let daemon = if state.is_none() {
                    " (daemon unreachable)"
                } else {
                    ""
                };
                reopening(&self.what(), &format!("{why}{daemon}"), self.attempts + 1);
                if lines.is_empty() {
                    self.attempts += 1;
                    tokio::time::sleep(Duration::from_millis(
                        250 * u64::from(self.attempts.min(8)),
                    ))
                    .await;
                    continue;
                }
                return Some(lines);
            }
            self.done = true;
            // the output is over: a last line without a newline is
            // still a line (only after a clean end: after an error
            // it may be cut short)
            if error.is_none() {
                for (stderr, ts, bytes) in self.assembler.finish() {
                    if self.resume.admit(stderr, &ts) {
                        let mut line = LogLine::new(self.instance.clone(), stderr, ts, bytes);
                        line.unterminated = true;
                        lines.push(Ok(line));
                    }
                }
            }
            if let Some(why) = error {
                lost(&self.what(), &why, self.attempts);
                lines.push(Err(format!("{}: log stream lost: {why}", self.instance)));
            }
            if lines.is_empty() {
                return None;
            }
            return Some(lines);
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
        let mut complete = std::mem::take(&mut self.complete);
        self.assembler.push(stderr, &bytes, &mut complete);
        for (ts, body) in complete.drain(..) {
            if self.resume.admit(stderr, &ts) {
                lines.push(Ok(LogLine::new(self.instance.clone(), stderr, ts, body)));
            }
        }
        self.complete = complete;
    }
}

/// Whether `container` runs; `None` when the daemon cannot be asked (down
/// or restarting).
async fn is_running(docker: &Docker, container: &str) -> Option<bool> {
    match docker
        .inspect_container(container, None::<InspectContainerOptions>)
        .await
    {
        Ok(c) => Some(c.state.and_then(|s| s.running).unwrap_or(false)),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Some(false),
        Err(_) => None,
    }
}

/// A container id as `docker ps` shows it.
fn short(container: &str) -> &str {
    container.get(..12).unwrap_or(container)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (timestamp, text) of one `timestamps=true` line, as text.
    fn split_timestamp(line: &str) -> (&str, &str) {
        let (ts, rest) = split_timestamp_bytes(line.as_bytes());
        match (std::str::from_utf8(ts), std::str::from_utf8(rest)) {
            (Ok(ts), Ok(rest)) if !ts.is_empty() => (ts, rest),
            _ => ("", line),
        }
    }

    fn timestamp_seconds(ts: &str) -> Option<i64> {
        timestamp(ts).map(|t| t.timestamp())
    }

    const TS: &str = "2026-11-22T04:50:01.123456789Z";

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
        assert_eq!(
            split_timestamp("2026-11-22 is a date"),
            ("", "2026-11-22 is a date")
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
        // by value, not as text: .0573 is earlier than .057324683
        assert!(
            timestamp("2026-11-22T04:50:01.0573Z") < timestamp("2026-11-22T04:50:01.057324683Z")
        );
        let key = |ts: &str| timestamp(ts).map(|t| (t.timestamp(), t.timestamp_subsec_nanos()));
        assert_eq!(
            key("2026-11-22T04:50:01.5Z"),
            Some((1_795_323_001, 500_000_000))
        );
        assert_eq!(
            key(TS),
            Some((1_795_323_001, 123_456_789)),
            "nanoseconds, as Docker writes them"
        );
        assert_eq!(
            timestamp("2026-11-22T05:50:01.5+01:00"),
            timestamp("2026-11-22T04:50:01.5Z")
        );
        assert_eq!(timestamp("2026-11-22T04:50:01"), None, "no zone");
        assert_eq!(timestamp("2026-13-22T04:50:01Z"), None);
    }

    fn assemble(chunks: &[(bool, Vec<u8>)]) -> Vec<(bool, String, Vec<u8>)> {
        let mut a = LineAssembler::default();
        let mut out = Vec::new();
        for (stderr, chunk) in chunks {
            let mut lines = Vec::new();
            a.push(*stderr, chunk, &mut lines);
            out.extend(lines.into_iter().map(|(ts, b)| (*stderr, ts, b)));
        }
        out.extend(a.finish());
        out
    }

    fn msg(ts: &str, body: &str) -> Vec<u8> {
        format!("{ts} {body}").into_bytes()
    }

    #[test]
    fn without_timestamps_a_line_that_starts_with_a_date_is_kept_whole() {
        let mut a = LineAssembler::new(false);
        let mut out = Vec::new();
        let long = "b".repeat(20_000);
        a.push(false, format!("{TS} says the app\n").as_bytes(), &mut out);
        a.push(false, &long.as_bytes()[..16_384], &mut out);
        a.push(false, format!("{}\n", &long[16_384..]).as_bytes(), &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0],
            (String::new(), format!("{TS} says the app").into_bytes())
        );
        assert_eq!(out[1].1.len(), 20_000);
        // the request says which: stamped when followed, for since, or shown
        let plain = LogRequest {
            follow: false,
            tail: None,
            since: None,
            timestamps: false,
        };
        assert!(!plain.stamped());
        assert!(
            LogRequest {
                follow: true,
                ..plain.clone()
            }
            .stamped()
        );
        assert!(
            LogRequest {
                timestamps: true,
                ..plain.clone()
            }
            .stamped()
        );
        assert!(
            LogRequest {
                since: timestamp(TS),
                ..plain
            }
            .stamped()
        );
    }

    #[test]
    fn lines_split_by_docker_are_joined_whole() {
        // Docker sends a 40,000-byte line as 16 KiB messages, each stamped,
        // only the last with a newline; the other stream goes on meanwhile.
        let long = "a".repeat(40_000);
        let chunks = vec![
            (false, msg(TS, &long[..16_384])),
            (true, msg(TS, "err\n")),
            (false, msg(TS, &long[16_384..32_768])),
            (false, msg(TS, &format!("{}\n", &long[32_768..]))),
            (false, msg(TS, "next\n")),
            (false, msg(TS, "no newline at the end")),
        ];
        let lines = assemble(&chunks);
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], (true, TS.to_string(), b"err".to_vec()));
        assert_eq!(lines[1].2.len(), 40_000);
        assert_eq!(lines[1].1, TS);
        assert_eq!(lines[2].2, b"next");
        assert_eq!(lines[3].2, b"no newline at the end");
    }

    #[test]
    fn several_messages_in_one_chunk_and_bytes_kept_as_they_are() {
        let mut chunk = msg(TS, "one\r\n");
        chunk.extend(msg(TS, "tw\u{1b}[2Jo\n"));
        chunk.extend(b"2026-11-22T04:50:01.2Z \xff\xfe\n");
        let lines = assemble(&[(false, chunk)]);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].2, b"one\r");
        assert_eq!(lines[1].2, b"tw\x1b[2Jo");
        assert_eq!(lines[2].2, b"\xff\xfe");
        let line = LogLine::new("w0".into(), false, TS.into(), lines[2].2.clone());
        assert_eq!(line.bytes(), b"\xff\xfe");
        assert_eq!(line.text, "\u{fffd}\u{fffd}");
        let line = LogLine::new("w0".into(), false, TS.into(), b"ok".to_vec());
        assert_eq!((line.bytes(), line.raw.is_none()), (&b"ok"[..], true));
    }

    #[test]
    fn a_line_that_never_ends_is_cut_at_the_bound() {
        let mut a = LineAssembler::default();
        let mut out = Vec::new();
        let piece = vec![b'x'; 1 << 20];
        for _ in 0..20 {
            let mut chunk = format!("{TS} ").into_bytes();
            chunk.extend(&piece);
            a.push(false, &chunk, &mut out);
        }
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|(_, b)| b.len() == MAX_LINE_BYTES));
        assert_eq!(a.finish()[0].2.len(), (20 << 20) - 2 * MAX_LINE_BYTES);
    }

    #[test]
    fn a_resume_delivers_every_line_once_even_when_many_share_a_timestamp() {
        // 30 lines per stream, in groups of 10 sharing one timestamp; the
        // connection is cut after line 14 of stdout and 12 of stderr have
        // been delivered, in the middle of the second group.
        let ts = |n: usize| format!("2026-11-22T04:50:0{}.000000000Z", n / 10);
        let all: Vec<(bool, String, usize)> = (0..30)
            .flat_map(|n| [(false, ts(n), n), (true, ts(n), n)])
            .collect();
        let mut f = ResumeFilter::default();
        let mut got: Vec<(bool, usize)> = Vec::new();
        for (stderr, ts, n) in &all {
            if (!stderr && *n > 14) || (*stderr && *n > 12) {
                continue; // after the cut
            }
            assert!(f.admit(*stderr, ts));
            got.push((*stderr, *n));
        }
        f.reopen();
        let since = f.since().unwrap();
        // Docker resends everything from the whole second `since`
        for (stderr, ts, n) in &all {
            if timestamp_seconds(ts).unwrap() < since {
                continue;
            }
            if f.admit(*stderr, ts) {
                got.push((*stderr, *n));
            }
        }
        for stderr in [false, true] {
            let lines: Vec<usize> = got
                .iter()
                .filter(|(s, _)| *s == stderr)
                .map(|(_, n)| *n)
                .collect();
            assert_eq!(lines, (0..30).collect::<Vec<_>>(), "stderr={stderr}");
        }
        // a second cut right away, before anything new: nothing repeats
        f.reopen();
        for (stderr, ts, _) in &all {
            assert!(!f.admit(*stderr, ts));
        }
    }

    #[test]
    fn equal_timestamps_and_interleaved_streams_are_all_delivered() {
        // the old rule ("newer than the last line") dropped these
        let mut f = ResumeFilter::default();
        let delivered = (0..1000)
            .filter(|n| {
                f.admit(
                    n % 2 == 0,
                    if n % 3 == 0 {
                        TS
                    } else {
                        "2026-11-22T04:50:00Z"
                    },
                )
            })
            .count();
        assert_eq!(delivered, 1000);
    }

    #[test]
    fn lines_before_a_sub_second_since_are_dropped() {
        // Docker sends everything from the whole second; the rest of the
        // fraction is filtered here
        let since = timestamp("2026-11-22T04:50:01.5Z");
        let mut f = ResumeFilter::since_at(since);
        let kept: Vec<&str> = [
            "2026-11-22T04:50:01.0Z",
            "2026-11-22T04:50:01.499999999Z",
            "2026-11-22T04:50:01.5Z",
            "2026-11-22T04:50:01.7Z",
            "not a timestamp",
        ]
        .into_iter()
        .filter(|ts| f.admit(false, ts))
        .collect();
        assert_eq!(
            kept,
            [
                "2026-11-22T04:50:01.5Z",
                "2026-11-22T04:50:01.7Z",
                "not a timestamp"
            ]
        );
    }
}
