//! `zoe logs`: one service or all services of an execution, merged with a
//! service prefix; following survives broken streams (see backend logs).

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use futures::{FutureExt, Stream, StreamExt};

use super::session::{Session, engine_error};
use super::{CliError, Outcome};
use crate::model::{LogItem, LogLine, LogRequest};

/// How `zoe logs` reads and writes.
pub struct LogOptions<'a> {
    pub follow: bool,
    pub tail: Option<u64>,
    pub since: Option<&'a str>,
    pub timestamps: bool,
    /// The bytes as they are even on a terminal.
    pub raw: bool,
}

pub async fn logs(
    s: &Session<'_>,
    query: &str,
    service: Option<&str>,
    options: &LogOptions<'_>,
) -> Result<Outcome, CliError> {
    let since = match options.since.map(parse_since).transpose() {
        Ok(since) => since,
        Err(why) => {
            return Err(CliError {
                message: why,
                code: 2,
            });
        }
    };
    let request = LogRequest {
        follow: options.follow,
        tail: options.tail,
        since,
        timestamps: options.timestamps,
    };
    let follow = s
        .engine
        .follow_logs(query, service, request)
        .await
        .map_err(engine_error)?;
    s.show_notices();
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    let copy = LineFormat {
        width: follow.instances.iter().map(String::len).max().unwrap_or(0),
        prefix: follow.instances.len() > 1,
        timestamps: options.timestamps,
        // Container output is hostile: on a terminal it is shown, not
        // obeyed (unless --raw); into a pipe or file it goes byte for byte.
        safe: terminal && !options.raw,
        policy: FlushPolicy {
            terminal,
            follow: options.follow,
        },
    };
    // On a task of its own (see `LogFollow`): Docker sends every line as a
    // message of its own, and the connection's task hands each over.
    tokio::spawn(copy_lines(follow.lines, copy, stdout))
        .await
        .map_err(|e| CliError::new(format!("internal: the log writer stopped: {e}")))?;
    Ok(Outcome::ok(String::new()))
}

/// How the lines are written.
#[derive(Debug, Clone, Copy)]
struct LineFormat {
    /// The width of the service prefix.
    width: usize,
    /// Each line starts with its service (a merged view).
    prefix: bool,
    timestamps: bool,
    /// Control characters shown visibly.
    safe: bool,
    policy: FlushPolicy,
}

/// Writes the lines to `out` until the log ends or the reader goes
/// (`zoe logs -f | head`); errors on stderr, in their place.
async fn copy_lines(
    mut lines: impl Stream<Item = LogItem> + Unpin,
    copy: LineFormat,
    out: impl Write,
) {
    let mut out = std::io::BufWriter::with_capacity(copy.policy.buffer_size(), out);
    let mut closed = false;
    while let Some(item) = lines.next().await {
        // write every line that is ready, then flush (or not) once
        let mut item = Some(item);
        while let Some(next) = item.take() {
            match next {
                LogItem::Line(l) if !closed => {
                    closed = write_line(
                        &mut out,
                        &l,
                        copy.width,
                        copy.prefix,
                        copy.timestamps,
                        copy.safe,
                    )
                    .is_err();
                }
                // the output stays the lines alone (scripts read it)
                LogItem::Line(_) | LogItem::Ended(_) => {}
                LogItem::Lost(why) => {
                    let _ = out.flush();
                    crate::warn_line!("zoe: {why}");
                }
            }
            item = lines.next().now_or_never().flatten();
        }
        if !closed && copy.policy.flush_when_idle() && out.flush().is_err() {
            closed = true;
        }
        if closed {
            return; // the reader is gone
        }
    }
    // a reader gone at the very end is no error of ours
    let _ = out.flush();
}

/// When the lines written reach the output. A terminal, or a reader
/// following the log, sees each line as soon as the log has nothing more
/// ready; otherwise (the whole log into a pipe or a file) the output is
/// written in big pieces: when the buffer is full and at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushPolicy {
    /// The output is a terminal.
    pub terminal: bool,
    /// `--follow`: the log goes on until the services end.
    pub follow: bool,
}

impl FlushPolicy {
    /// Whether to flush once every line that was ready is written and the
    /// log has to be waited for.
    pub fn flush_when_idle(self) -> bool {
        self.terminal || self.follow
    }

    /// The buffer's size, in bytes: what one write hands over at most.
    pub fn buffer_size(self) -> usize {
        if self.terminal { 64 << 10 } else { 256 << 10 }
    }
}

/// One line: the service prefix, the timestamp, then the container's bytes
/// (shown safely on a terminal).
fn write_line(
    out: &mut impl Write,
    line: &LogLine,
    width: usize,
    prefix: bool,
    timestamps: bool,
    safe: bool,
) -> std::io::Result<()> {
    if prefix {
        let instance = crate::cli::term::visible(&line.instance);
        write!(out, "{instance:width$} | ")?;
    }
    if timestamps {
        write!(out, "{} ", line.timestamp)?;
    }
    if safe {
        out.write_all(crate::cli::term::visible(&line.text).as_bytes())?;
    } else {
        out.write_all(line.bytes())?;
    }
    if !line.unterminated {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A `--since` value (see [`crate::model::time::parse_since`]) against
/// the clock and the local time zone of this machine.
pub fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    crate::model::time::parse_since(text, Utc::now(), &chrono::Local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_flushed_when_someone_watches_and_written_in_big_pieces_otherwise() {
        let policy = |terminal, follow| FlushPolicy { terminal, follow };
        // on a terminal, followed or not: each line as soon as nothing
        // more is ready
        assert!(policy(true, false).flush_when_idle());
        assert!(policy(true, true).flush_when_idle());
        // `zoe logs -f | grep`: the reader sees lines promptly too
        assert!(policy(false, true).flush_when_idle());
        // `zoe logs ID > file`: only when the buffer is full, and at the end
        assert!(!policy(false, false).flush_when_idle());
        assert!(policy(false, false).buffer_size() > policy(true, false).buffer_size());
    }

    #[test]
    fn a_line_is_written_with_its_prefix_timestamp_and_newline() {
        let mut line = LogLine::new("w0".into(), false, TS.into(), b"hi \x1b[2J".to_vec());
        let mut out = Vec::new();
        write_line(&mut out, &line, 4, true, true, false).unwrap();
        assert_eq!(out, format!("w0   | {TS} hi \x1b[2J\n").into_bytes());
        // on a terminal the escape is shown, not obeyed
        out.clear();
        write_line(&mut out, &line, 0, false, false, true).unwrap();
        assert_eq!(out, b"hi \\x1b[2J\n");
        // the last line of an output that ended without a newline
        line.unterminated = true;
        out.clear();
        write_line(&mut out, &line, 0, false, false, false).unwrap();
        assert_eq!(out, b"hi \x1b[2J");
    }

    const TS: &str = "2026-11-22T04:50:01.123456789Z";

    #[test]
    fn since_reads_the_clock_and_names_the_forms_when_wrong() {
        let now = Utc::now();
        let ago = parse_since("10m").unwrap();
        assert!(
            (now - ago - chrono::TimeDelta::minutes(10))
                .num_seconds()
                .abs()
                <= 1
        );
        assert_eq!(
            parse_since("2026-11-29T10:00:00Z").map(|t| t.timestamp()),
            Ok(1_795_946_400)
        );
        let err = parse_since("yesterday").unwrap_err();
        assert!(
            err.contains("`yesterday`") && err.contains("Unix seconds"),
            "{err}"
        );
    }
}
