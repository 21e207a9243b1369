//! The log view's state: a bounded buffer (old lines dropped, and
//! counted), follow, wrap, timestamps (short local, full RFC 3339, none),
//! a regex filter with its counter, per-service toggles, horizontal
//! scroll, a highlight-and-jump search with next/previous, and the end of
//! each service's log. Lines are capped in length so a 100,000-character
//! line costs no more than a screenful. Which entries are shown (filter
//! and toggles applied) is kept up to date as lines come, never
//! recomputed per frame.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Local, Utc};

pub use super::log_text::{LineFilter, TimeFormat, short_time};
use crate::model::LogLine;

/// Longest line kept, in characters; the rest is cut with a note.
pub const MAX_LINE_CHARS: usize = 4096;

/// Columns one `left`/`right` moves the text.
pub const HSCROLL_STEP: usize = 8;

/// One entry of the buffer: a line, or the end of a service's log.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Line(LogLine),
    Ended(Arc<str>),
}

impl Entry {
    pub fn instance(&self) -> &str {
        match self {
            Entry::Line(l) => &l.instance,
            Entry::Ended(i) => i,
        }
    }

    pub fn line(&self) -> Option<&LogLine> {
        match self {
            Entry::Line(l) => Some(l),
            Entry::Ended(_) => None,
        }
    }
}

/// What the log view's prompt is typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// `/`: the lines shown are those that match (a regex).
    Filter,
    /// `ctrl-f`: highlight and jump (plain text).
    Search,
    /// `s` could not write to the state directory: where to save.
    SavePath,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogView {
    pub execution: crate::model::ExecutionId,
    pub service: Option<String>,
    pub lines: VecDeque<Entry>,
    pub capacity: usize,
    /// Entries dropped from the front because the buffer was full.
    pub dropped: u64,
    /// Which entries are shown, by number (`dropped` + index), in order.
    shown: VecDeque<u64>,
    pub follow: bool,
    pub wrap: bool,
    pub time: TimeFormat,
    /// Short timestamps in this zone (`None`: the machine's local time).
    pub zone: Option<FixedOffset>,
    /// First shown entry on screen when not following (a position among
    /// the shown ones).
    pub top: usize,
    /// Columns the text is scrolled right, without wrap.
    pub hscroll: usize,
    /// The text's width at the last frame (for `$`).
    pub text_width: usize,
    pub filter: LineFilter,
    pub search: String,
    /// The entry (by number) of the current search match.
    pub matched: Option<u64>,
    /// The services, numbered for `1`..`9`, in the order of the merge.
    pub services: Vec<Arc<str>>,
    pub hidden: Vec<Arc<str>>,
    /// What the prompt types, while it is open.
    pub prompt: Option<Prompt>,
    pub error: Option<String>,
}

impl LogView {
    pub fn new(
        execution: crate::model::ExecutionId,
        service: Option<String>,
        capacity: usize,
    ) -> LogView {
        LogView {
            execution,
            service,
            lines: VecDeque::new(),
            capacity: capacity.max(1),
            dropped: 0,
            shown: VecDeque::new(),
            follow: true,
            wrap: false,
            time: TimeFormat::Short,
            zone: None,
            top: 0,
            hscroll: 0,
            text_width: 80,
            filter: LineFilter::new(""),
            search: String::new(),
            matched: None,
            services: Vec::new(),
            hidden: Vec::new(),
            prompt: None,
            error: None,
        }
    }

    /// Several services in one view: lines carry their service's name.
    pub fn merged(&self) -> bool {
        self.service.is_none() || self.services.len() > 1
    }

    /// The services the follow reads (the order `1`..`9` toggle them).
    pub fn opened(&mut self, instances: &[String]) {
        self.services = instances.iter().map(|i| Arc::from(i.as_str())).collect();
    }

    pub fn push(&mut self, lines: Vec<LogLine>) {
        for mut line in lines {
            // container output is hostile: escape sequences are shown, not
            // obeyed (and not silently dropped either)
            if let std::borrow::Cow::Owned(shown) = crate::model::text::visible(&line.text) {
                line.text = shown;
                line.raw = None;
            }
            if line.text.chars().count() > MAX_LINE_CHARS {
                let cut: String = line.text.chars().take(MAX_LINE_CHARS).collect();
                line.text = format!("{cut} … [line cut at {MAX_LINE_CHARS} characters]");
                line.raw = None;
            }
            if !self.services.iter().any(|s| **s == *line.instance) {
                self.services.push(line.instance.clone());
            }
            self.add(Entry::Line(line));
        }
    }

    /// The end of `instance`'s log: marked once.
    pub fn ended(&mut self, instance: &str) {
        let already = self
            .lines
            .iter()
            .any(|e| matches!(e, Entry::Ended(i) if **i == *instance));
        if !already {
            self.add(Entry::Ended(Arc::from(instance)));
        }
    }

    /// Every service's log ended.
    pub fn all_ended(&self) -> bool {
        !self.services.is_empty()
            && self.services.iter().all(|s| {
                self.lines
                    .iter()
                    .any(|e| matches!(e, Entry::Ended(i) if i == s))
            })
    }

    fn add(&mut self, entry: Entry) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            if self.shown.front() == Some(&self.dropped) {
                self.shown.pop_front();
                self.top = self.top.saturating_sub(1);
            }
            self.dropped += 1;
        }
        let number = self.dropped + self.lines.len() as u64;
        if self.passes(&entry) {
            self.shown.push_back(number);
        }
        self.lines.push_back(entry);
    }

    fn passes(&self, entry: &Entry) -> bool {
        if self.hidden.iter().any(|h| **h == *entry.instance()) {
            return false;
        }
        match entry {
            Entry::Line(l) => self.filter.matches(&l.text),
            // an end is shown unless a filter hides lines
            Entry::Ended(_) => !self.filter.active(),
        }
    }

    fn reshow(&mut self) {
        let shown = (0..self.lines.len())
            .filter(|i| self.passes(&self.lines[*i]))
            .map(|i| self.dropped + i as u64)
            .collect();
        self.shown = shown;
        self.top = self.top.min(self.shown.len().saturating_sub(1));
        if self.matched.is_some_and(|m| !self.shown.contains(&m)) {
            self.matched = None;
        }
    }

    /// The entries shown, in order.
    pub fn shown(&self) -> impl DoubleEndedIterator<Item = &Entry> + '_ {
        self.shown.iter().filter_map(|n| self.entry(*n))
    }

    /// How many entries are shown.
    pub fn shown_len(&self) -> usize {
        self.shown.len()
    }

    /// The entry numbered `n`.
    pub fn entry(&self, n: u64) -> Option<&Entry> {
        self.lines
            .get(usize::try_from(n.checked_sub(self.dropped)?).ok()?)
    }

    /// The number of the shown entry at position `i`.
    pub fn number_at(&self, i: usize) -> Option<u64> {
        self.shown.get(i).copied()
    }

    /// Lines shown / lines in the buffer (the ends not counted).
    pub fn counter(&self) -> (usize, usize) {
        let total = self.lines.iter().filter(|e| e.line().is_some()).count();
        let shown = self.shown().filter(|e| e.line().is_some()).count();
        (shown, total)
    }

    /// `/`: show only the lines that match `text` (empty: all).
    pub fn set_filter(&mut self, text: &str) {
        self.filter = LineFilter::new(text);
        self.reshow();
    }

    /// `1`..`9`: hide or show the `n`-th service (from 1); its name, or
    /// why nothing changed.
    pub fn toggle(&mut self, n: usize) -> Result<(String, bool), String> {
        let Some(name) = n
            .checked_sub(1)
            .and_then(|i| self.services.get(i))
            .filter(|_| self.services.len() > 1)
            .cloned()
        else {
            return Err(match self.services.len() {
                0 | 1 => "one service in this view: nothing to hide".to_string(),
                count => format!(
                    "no service {n} here: 1–{} toggle the services",
                    count.min(9)
                ),
            });
        };
        let hidden = if let Some(i) = self.hidden.iter().position(|h| *h == name) {
            self.hidden.remove(i);
            false
        } else {
            self.hidden.push(name.clone());
            true
        };
        self.reshow();
        Ok((name.to_string(), hidden))
    }

    /// The first shown position on screen in a window of `height` rows
    /// (one row per entry).
    pub fn first_visible(&self, height: usize) -> usize {
        if self.follow {
            self.shown.len().saturating_sub(height)
        } else {
            self.top.min(self.shown.len().saturating_sub(1))
        }
    }

    pub fn scroll(&mut self, delta: isize, height: usize) {
        let from = self.first_visible(height) as isize;
        self.follow = false;
        self.top = (from + delta).clamp(0, self.shown.len().saturating_sub(1) as isize) as usize;
        // back at the end: follow again
        if delta > 0 && self.top + height >= self.shown.len() {
            self.follow = true;
        }
    }

    pub fn bottom(&mut self) {
        self.follow = true;
    }

    pub fn top(&mut self) {
        self.follow = false;
        self.top = 0;
    }

    /// Moves the text `delta` columns right (left when negative), without
    /// wrap.
    pub fn hscroll_by(&mut self, delta: isize) {
        self.hscroll = self.hscroll.saturating_add_signed(delta);
        self.hscroll = self.hscroll.min(self.longest().saturating_sub(1));
    }

    /// `$`: the ends of the longest lines shown.
    pub fn hscroll_end(&mut self) {
        self.hscroll = self.longest().saturating_sub(self.text_width);
    }

    fn longest(&self) -> usize {
        self.shown()
            .filter_map(Entry::line)
            .map(|l| unicode_width::UnicodeWidthStr::width(l.text.as_str()))
            .max()
            .unwrap_or(0)
    }

    pub fn is_match(&self, line: &LogLine) -> bool {
        !self.search.is_empty()
            && line
                .text
                .to_lowercase()
                .contains(&self.search.to_lowercase())
    }

    /// Jumps to the next (or previous) shown line that matches the search.
    pub fn find(&mut self, forward: bool) -> bool {
        let n = self.shown.len();
        if n == 0 || self.search.is_empty() {
            return false;
        }
        let start = self
            .matched
            .and_then(|m| self.shown.iter().position(|s| *s == m))
            .unwrap_or(if forward { n - 1 } else { 0 });
        for step in 1..=n {
            let i = if forward {
                (start + step) % n
            } else {
                (start + n - step % n) % n
            };
            let number = self.shown[i];
            if self
                .entry(number)
                .and_then(Entry::line)
                .is_some_and(|l| self.is_match(l))
            {
                self.matched = Some(number);
                self.follow = false;
                self.top = i.saturating_sub(2);
                return true;
            }
        }
        false
    }

    /// A timestamp as shown (empty when off).
    pub fn stamp(&self, timestamp: &str, with_date: bool) -> String {
        match self.time {
            TimeFormat::Off => String::new(),
            TimeFormat::Full => timestamp.to_string(),
            TimeFormat::Short => short_time(timestamp, self.zone, with_date),
        }
    }

    /// Whether the shown lines span more than one day (short timestamps
    /// then carry the date).
    pub fn spans_days(&self) -> bool {
        let mut lines = self.shown().filter_map(Entry::line);
        let day = |l: &LogLine| {
            short_time(&l.timestamp, self.zone, true)
                .get(..5)
                .map(str::to_string)
        };
        match (lines.next(), lines.next_back()) {
            (Some(first), Some(last)) => day(first) != day(last),
            _ => false,
        }
    }

    /// The lines shown, as text for a file: RFC 3339 timestamp, service,
    /// text.
    pub fn contents(&self) -> String {
        let mut out = String::new();
        for e in self.shown() {
            match e {
                Entry::Line(l) => {
                    out.push_str(&format!("{} {} | {}\n", l.timestamp, l.instance, l.text))
                }
                Entry::Ended(i) => out.push_str(&format!("-- {i} ended --\n")),
            }
        }
        out
    }

    /// The file `s` saves to: `<execution>-<service>-<time>.log` (`all`
    /// for every service), the time local as `20261129-140307`.
    pub fn file_name(&self, now: DateTime<Utc>) -> String {
        let service: String = self
            .service
            .as_deref()
            .unwrap_or("all")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let time = match self.zone {
            Some(zone) => now.with_timezone(&zone).format("%Y%m%d-%H%M%S").to_string(),
            None => now
                .with_timezone(&Local)
                .format("%Y%m%d-%H%M%S")
                .to_string(),
        };
        format!("{}-{service}-{time}.log", self.execution)
    }
}

#[cfg(test)]
#[path = "logs_tests.rs"]
mod tests;
