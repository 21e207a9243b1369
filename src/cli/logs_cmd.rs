//! `zoe logs`: one service or all services of an execution, merged with a
//! service prefix; following survives broken streams (see backend logs).

use std::io::{IsTerminal, Write};

use futures::{FutureExt, StreamExt};

use super::cluster_cmd::{Session, engine_error};
use super::{CliError, Outcome};
use crate::console::launch::now_secs;
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

/// `30s`, `10m`, `2h`, `1d` ago, or Unix seconds.
pub fn parse_since(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return if (0..=i64::from(i32::MAX)).contains(&n) {
            Ok(n)
        } else {
            Err(format!(
                "--since {n}: Unix seconds must be between 0 and {}",
                i32::MAX
            ))
        };
    }
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let usage = || format!("--since `{text}`: use 30s, 10m, 2h, 1d or Unix seconds");
    let n: i64 = number.parse().map_err(|_| usage())?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(usage()),
    };
    let secs = n
        .checked_mul(unit_secs)
        .filter(|s| *s <= now_secs() as i64)
        .ok_or_else(|| format!("--since `{text}` reaches back before 1970"))?;
    Ok(now_secs() as i64 - secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_durations_and_seconds() {
        assert_eq!(parse_since("1700000000"), Ok(1_700_000_000));
        let now = now_secs() as i64;
        assert!((parse_since("10m").unwrap() - (now - 600)).abs() <= 1);
        assert!((parse_since("2h").unwrap() - (now - 7200)).abs() <= 1);
        assert!(parse_since("10x").is_err());
        assert!(parse_since("m").is_err());
        assert!(parse_since("200000000000000d").is_err(), "no overflow");
        assert!(parse_since("99999999999").is_err());
    }
}
