//! How the log view matches and stamps a line: the `/` filter (a regex,
//! smart case) and the timestamps' formats (`t` goes round them).

use chrono::{DateTime, FixedOffset, Local};
use regex::{Regex, RegexBuilder};

/// How timestamps are shown; `t` goes round: short → full → none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// Local time, `14:03:07` (with the date when the lines span days).
    Short,
    /// As the engine sent it: RFC 3339, UTC, nanoseconds.
    Full,
    Off,
}

impl TimeFormat {
    pub fn next(self) -> TimeFormat {
        match self {
            TimeFormat::Short => TimeFormat::Full,
            TimeFormat::Full => TimeFormat::Off,
            TimeFormat::Off => TimeFormat::Short,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TimeFormat::Short => "time",
            TimeFormat::Full => "rfc3339",
            TimeFormat::Off => "notime",
        }
    }
}

/// A regex filter: smart case (case-insensitive unless the pattern has an
/// upper-case letter).
#[derive(Debug, Clone)]
pub struct LineFilter {
    pub text: String,
    regex: Option<Regex>,
    /// Why the text is no regex (the lines are then not filtered).
    pub error: Option<String>,
}

impl PartialEq for LineFilter {
    fn eq(&self, other: &LineFilter) -> bool {
        self.text == other.text
    }
}

impl LineFilter {
    pub fn new(text: &str) -> LineFilter {
        if text.is_empty() {
            return LineFilter {
                text: String::new(),
                regex: None,
                error: None,
            };
        }
        let sensitive = text.chars().any(char::is_uppercase);
        match RegexBuilder::new(text)
            .case_insensitive(!sensitive)
            .size_limit(1 << 20)
            .build()
        {
            Ok(regex) => LineFilter {
                text: text.to_string(),
                regex: Some(regex),
                error: None,
            },
            Err(e) => LineFilter {
                text: text.to_string(),
                regex: None,
                error: Some(format!(
                    "not a regex: {}",
                    e.to_string().lines().last().unwrap_or("invalid").trim()
                )),
            },
        }
    }

    /// Whether lines are filtered.
    pub fn active(&self) -> bool {
        self.regex.is_some()
    }

    pub fn matches(&self, text: &str) -> bool {
        self.regex.as_ref().is_none_or(|r| r.is_match(text))
    }

    /// Where it matches in `text` (byte ranges), for highlighting.
    pub fn find_in(&self, text: &str) -> Vec<(usize, usize)> {
        self.regex
            .as_ref()
            .map(|r| {
                r.find_iter(text)
                    .filter(|m| !m.is_empty())
                    .map(|m| (m.start(), m.end()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `14:03:07` (or `11-29 14:03:07` with the date) in `zone` (local time
/// without one); what cannot be read as it is.
pub fn short_time(timestamp: &str, zone: Option<FixedOffset>, with_date: bool) -> String {
    let Ok(at) = DateTime::parse_from_rfc3339(timestamp) else {
        return timestamp.to_string();
    };
    let format = if with_date {
        "%m-%d %H:%M:%S"
    } else {
        "%H:%M:%S"
    };
    match zone {
        Some(zone) => at.with_timezone(&zone).format(format).to_string(),
        None => at.with_timezone(&Local).format(format).to_string(),
    }
}
