//! Resuming a pod's log where a broken stream left it, with no line lost
//! or repeated.
//!
//! The API takes `sinceTime` in whole seconds only (kube even rounds it to
//! the nearest second, which could skip the rest of a second: we hand it a
//! second already rounded down). A resume asks again from the second of
//! the last line delivered, so the server sends that whole second again;
//! the lines of that second already delivered are known by their
//! timestamp and text, counted (two identical lines with one timestamp are
//! two lines), and skipped once each. Lines before an exact `since` (the
//! fraction the API cannot take) are dropped too.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::{DateTime, Utc};

/// One line of the second being tracked: its nanoseconds and a hash of
/// its text (a flood of long lines costs a few bytes each, not a copy).
type Key = (u32, u64);

/// The lines delivered within one second, counted.
#[derive(Debug, Clone, Default, PartialEq)]
struct Second {
    at: i64,
    lines: HashMap<Key, u32>,
}

/// Decides, line by line, what is new after a (re)open.
#[derive(Debug, Default)]
pub struct ResumeFilter {
    /// Lines before this are not wanted (`since`, to the nanosecond).
    floor: Option<DateTime<Utc>>,
    /// The last second with delivered lines, and those lines.
    delivered: Option<Second>,
    /// After a reopen: the lines of that second still to be skipped.
    skipping: Option<Second>,
}

fn key(at: DateTime<Utc>, text: &[u8]) -> Key {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    (at.timestamp_subsec_nanos(), hasher.finish())
}

impl ResumeFilter {
    /// A filter that also drops lines stamped before `since`.
    pub fn since_at(since: Option<DateTime<Utc>>) -> ResumeFilter {
        ResumeFilter {
            floor: since,
            ..ResumeFilter::default()
        }
    }

    /// Whether anything was delivered yet.
    pub fn started(&self) -> bool {
        self.delivered.is_some()
    }

    /// The whole second to ask for on a reopen (`sinceTime`): the second of
    /// the last line delivered; else the second of `since`, rounded down.
    pub fn since_second(&self) -> Option<i64> {
        match &self.delivered {
            Some(second) => Some(second.at),
            None => self.floor.map(|t| t.timestamp()),
        }
    }

    /// The stream was reopened from [`ResumeFilter::since_second`]: what
    /// comes next starts over at the beginning of that second.
    pub fn reopen(&mut self) {
        self.skipping = self.delivered.clone();
    }

    /// Whether a line stamped `at` with `text` is new; counts it as
    /// delivered when it is. A line without a readable timestamp cannot be
    /// placed and is always new.
    pub fn admit(&mut self, at: Option<DateTime<Utc>>, text: &[u8]) -> bool {
        let Some(at) = at else {
            return true;
        };
        if self.floor.is_some_and(|floor| at < floor) {
            return false;
        }
        let second = at.timestamp();
        let key = key(at, text);
        if let Some(skip) = &mut self.skipping {
            if second < skip.at {
                return false; // sent again from before the second asked for
            }
            if second == skip.at {
                if let Some(count) = skip.lines.get_mut(&key)
                    && *count > 0
                {
                    *count -= 1;
                    return false;
                }
            } else {
                self.skipping = None; // past the second: all is new
            }
        }
        match &mut self.delivered {
            Some(last) if last.at == second => *last.lines.entry(key).or_default() += 1,
            Some(last) if last.at > second => {} // out of order: keep the newer second
            slot => {
                *slot = Some(Second {
                    at: second,
                    lines: HashMap::from([(key, 1)]),
                });
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ts: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(ts).ok().map(|t| t.to_utc())
    }

    /// What the server sends from `since` (a whole second) on.
    fn resend(log: &[(String, String)], since: i64) -> impl Iterator<Item = &(String, String)> {
        log.iter()
            .filter(move |(ts, _)| at(ts).is_some_and(|t| t.timestamp() >= since))
    }

    /// A log of `n` lines, `per_second` per second, texts repeating.
    fn log(n: usize, per_second: usize, nanos_shared: bool) -> Vec<(String, String)> {
        (0..n)
            .map(|i| {
                let second = i / per_second;
                let nanos = if nanos_shared {
                    0
                } else {
                    i % per_second * 1000
                };
                (
                    format!("2026-11-22T04:50:{second:02}.{nanos:09}Z"),
                    format!("line {}", i % 3),
                )
            })
            .collect()
    }

    /// Delivers `log`, cutting the stream after each position in `cuts`.
    fn deliver(log: &[(String, String)], cuts: &[usize]) -> Vec<(String, String)> {
        let mut f = ResumeFilter::default();
        let mut got = Vec::new();
        let mut from = 0i64;
        let mut cuts = cuts.iter().copied().peekable();
        let mut sent_in_this_stream = 0;
        let mut stream: Vec<&(String, String)> = resend(log, from).collect();
        let mut i = 0;
        while i < stream.len() {
            let (ts, text) = stream[i];
            if f.admit(at(ts), text.as_bytes()) {
                got.push((ts.clone(), text.clone()));
            }
            i += 1;
            sent_in_this_stream += 1;
            if cuts.peek() == Some(&got.len()) && sent_in_this_stream > 0 {
                cuts.next();
                from = f.since_second().unwrap_or(0);
                f.reopen();
                stream = resend(log, from).collect();
                i = 0;
                sent_in_this_stream = 0;
            }
        }
        got
    }

    #[test]
    fn a_cut_in_the_middle_of_a_second_loses_and_repeats_nothing() {
        let log = log(50, 10, false);
        for cut in 1..50 {
            assert_eq!(deliver(&log, &[cut]), log, "cut after {cut}");
        }
        assert_eq!(deliver(&log, &[3, 7, 12, 20, 21, 40]), log);
    }

    #[test]
    fn identical_lines_sharing_a_timestamp_are_counted() {
        // ten lines per second all stamped .000000000, texts repeating
        // (`line 0`, `line 1`, `line 2`, `line 0`…): same (time, text) pairs
        let log = log(40, 10, true);
        for cut in 1..40 {
            assert_eq!(deliver(&log, &[cut]), log, "cut after {cut}");
        }
        assert_eq!(deliver(&log, &[1, 2, 3, 15, 16, 33]), log);
    }

    #[test]
    fn a_cut_at_the_end_of_a_second_and_a_second_cut_at_once() {
        let log = log(30, 10, false);
        assert_eq!(deliver(&log, &[10]), log);
        assert_eq!(deliver(&log, &[10, 10]), log, "reopened twice, nothing new");
        let mut f = ResumeFilter::default();
        for (ts, text) in &log {
            assert!(f.admit(at(ts), text.as_bytes()));
        }
        assert_eq!(f.since_second(), at(&log[29].0).map(|t| t.timestamp()));
        f.reopen();
        for (ts, text) in resend(&log, f.since_second().unwrap_or(0)) {
            assert!(!f.admit(at(ts), text.as_bytes()), "{ts} {text} repeated");
        }
    }

    #[test]
    fn lines_before_an_exact_since_are_dropped() {
        let since = at("2026-11-22T04:50:01.5Z");
        let mut f = ResumeFilter::since_at(since);
        assert_eq!(
            f.since_second(),
            since.map(|t| t.timestamp()),
            "rounded down"
        );
        let kept: Vec<&str> = [
            "2026-11-22T04:50:01.0Z",
            "2026-11-22T04:50:01.499999999Z",
            "2026-11-22T04:50:01.5Z",
            "2026-11-22T04:50:01.7Z",
        ]
        .into_iter()
        .filter(|ts| f.admit(at(ts), b"x"))
        .collect();
        assert_eq!(kept, ["2026-11-22T04:50:01.5Z", "2026-11-22T04:50:01.7Z"]);
        assert!(f.admit(None, b"no timestamp: always new"));
    }
}
