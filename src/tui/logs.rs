//! The log view's state: a bounded buffer (old lines dropped, and counted),
//! follow, wrap and timestamps toggles, search with next/previous. Lines
//! are capped in length so a 100,000-character line costs no more than a
//! screenful.

use std::collections::VecDeque;

use crate::model::LogLine;

/// Longest line kept, in characters; the rest is cut with a note.
pub const MAX_LINE_CHARS: usize = 4096;

#[derive(Debug, Clone, PartialEq)]
pub struct LogView {
    pub execution: crate::model::ExecutionId,
    pub service: Option<String>,
    pub lines: VecDeque<LogLine>,
    pub capacity: usize,
    /// Lines dropped from the front because the buffer was full.
    pub dropped: u64,
    pub follow: bool,
    pub wrap: bool,
    pub timestamps: bool,
    /// First line shown when not following.
    pub top: usize,
    pub search: String,
    /// Index of the current match.
    pub matched: Option<usize>,
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
            follow: true,
            wrap: false,
            timestamps: false,
            top: 0,
            search: String::new(),
            matched: None,
            error: None,
        }
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
            if self.lines.len() == self.capacity {
                self.lines.pop_front();
                self.dropped += 1;
                self.top = self.top.saturating_sub(1);
                self.matched = self.matched.and_then(|m| m.checked_sub(1));
            }
            self.lines.push_back(line);
        }
    }

    /// The first line to show in a window of `height` lines.
    pub fn first_visible(&self, height: usize) -> usize {
        if self.follow {
            self.lines.len().saturating_sub(height)
        } else {
            self.top.min(self.lines.len().saturating_sub(1))
        }
    }

    pub fn scroll(&mut self, delta: isize, height: usize) {
        let from = self.first_visible(height) as isize;
        self.follow = false;
        self.top = (from + delta).clamp(0, self.lines.len().saturating_sub(1) as isize) as usize;
    }

    pub fn bottom(&mut self) {
        self.follow = true;
    }

    pub fn top(&mut self) {
        self.follow = false;
        self.top = 0;
    }

    fn is_match(&self, i: usize) -> bool {
        !self.search.is_empty()
            && self
                .lines
                .get(i)
                .is_some_and(|l| l.text.to_lowercase().contains(&self.search.to_lowercase()))
    }

    /// Jumps to the next (or previous) line that matches the search.
    pub fn find(&mut self, forward: bool) -> bool {
        let n = self.lines.len();
        if n == 0 || self.search.is_empty() {
            return false;
        }
        let start = self.matched.unwrap_or(if forward { n - 1 } else { 0 });
        for step in 1..=n {
            let i = if forward {
                (start + step) % n
            } else {
                (start + n - step % n) % n
            };
            if self.is_match(i) {
                self.matched = Some(i);
                self.follow = false;
                self.top = i.saturating_sub(2);
                return true;
            }
        }
        false
    }

    pub fn matches(&self, line: &LogLine) -> bool {
        !self.search.is_empty()
            && line
                .text
                .to_lowercase()
                .contains(&self.search.to_lowercase())
    }

    /// The whole buffer as text, for saving to a file.
    pub fn contents(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            out.push_str(&format!("{} {} | {}\n", l.timestamp, l.instance, l.text));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize) -> LogLine {
        LogLine {
            instance: "w0".into(),
            stderr: false,
            timestamp: format!("t{n:05}"),
            text: format!("line {n}"),
            raw: None,
            unterminated: false,
        }
    }

    #[test]
    fn escape_sequences_in_lines_are_shown_visibly() {
        let mut v = LogView::new("x".into(), None, 10);
        let mut l = line(1);
        l.text = "\u{1b}]52;c;eA==\u{7}\u{1b}[2Jok".into();
        v.push(vec![l]);
        assert_eq!(v.lines[0].text, "\\x1b]52;c;eA==\\x07\\x1b[2Jok");
    }

    #[test]
    fn the_buffer_is_bounded_and_counts_what_it_dropped() {
        let mut v = LogView::new("x".into(), None, 100);
        v.push((0..250).map(line).collect());
        assert_eq!(v.lines.len(), 100);
        assert_eq!(v.dropped, 150);
        assert_eq!(v.lines.front().unwrap().text, "line 150");
    }

    #[test]
    fn huge_lines_are_cut() {
        let mut v = LogView::new("x".into(), None, 10);
        v.push(vec![LogLine {
            instance: "w0".into(),
            stderr: false,
            timestamp: String::new(),
            text: "x".repeat(100_000),
            raw: None,
            unterminated: false,
        }]);
        assert!(v.lines[0].text.chars().count() < MAX_LINE_CHARS + 60);
        assert!(v.lines[0].text.ends_with("characters]"));
    }

    #[test]
    fn follow_scroll_and_search() {
        let mut v = LogView::new("x".into(), None, 1000);
        v.push((0..100).map(line).collect());
        assert_eq!(v.first_visible(10), 90, "following shows the end");
        v.scroll(-20, 10);
        assert!(!v.follow);
        assert_eq!(v.first_visible(10), 70);
        v.search = "line 4".into();
        assert!(v.find(true));
        let first = v.matched.unwrap();
        assert!(v.find(true));
        assert!(v.matched.unwrap() > first || v.matched.unwrap() < first);
        assert!(v.find(false));
        v.search = "nothing like it".into();
        assert!(!v.find(true));
        v.bottom();
        assert_eq!(v.first_visible(10), 90);
        assert!(v.contents().starts_with("t00000 w0 | line 0\n"));
    }

    #[test]
    fn five_thousand_lines_a_second_stay_cheap() {
        // the view only ever touches the buffer and the visible window
        let mut v = LogView::new("x".into(), None, 10_000);
        for second in 0..5 {
            v.push((second * 5000..(second + 1) * 5000).map(line).collect());
        }
        assert_eq!(v.lines.len(), 10_000);
        assert_eq!(v.dropped, 15_000);
    }
}
