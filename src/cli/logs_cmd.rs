//! `zoe logs`: one service or all services of an execution, merged with a
//! service prefix; following survives broken streams (see backend logs).

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use futures::{FutureExt, StreamExt};

use super::session::{Session, engine_error};
use super::{CliError, Outcome};
use crate::model::{LogLine, LogRequest};

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
    };
    let mut follow = s
        .engine
        .follow_logs(query, service, request)
        .await
        .map_err(engine_error)?;
    s.show_notices();
    let width = follow.instances.iter().map(String::len).max().unwrap_or(0);
    let prefix = follow.instances.len() > 1;
    let merged = &mut follow.lines;
    let stdout = std::io::stdout();
    // Container output is hostile: on a terminal it is shown, not obeyed
    // (unless --raw); into a pipe or file it goes byte for byte.
    let safe = stdout.is_terminal() && !options.raw;
    let mut out = std::io::BufWriter::with_capacity(64 << 10, stdout.lock());
    let mut closed = false;
    while let Some(item) = merged.next().await {
        // write every line that is ready, then flush once
        let mut item = Some(item);
        while let Some(next) = item.take() {
            match next {
                Ok(l) if !closed => {
                    closed =
                        write_line(&mut out, &l, width, prefix, options.timestamps, safe).is_err();
                }
                Ok(_) => {}
                Err(why) => {
                    let _ = out.flush();
                    crate::warn_line!("zoe: {why}");
                }
            }
            item = merged.next().now_or_never().flatten();
        }
        if !closed && out.flush().is_err() {
            closed = true;
        }
        if closed {
            break; // `zoe logs -f | head`: the reader is gone
        }
    }
    Ok(Outcome::ok(String::new()))
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
