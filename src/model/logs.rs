//! Log lines and what to ask of a log, whatever the engine.

use std::sync::Arc;

/// One line of a container's output, exactly as the container wrote it
/// (without its newline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The service instance, shared by every line of its log.
    pub instance: Arc<str>,
    pub stderr: bool,
    /// RFC 3339 with nanoseconds, as Docker sends it.
    pub timestamp: String,
    /// The line as text; invalid UTF-8 is replaced (U+FFFD) here and kept
    /// as it was in `raw`.
    pub text: String,
    /// The original bytes, only when they are not valid UTF-8.
    pub raw: Option<Vec<u8>>,
    /// The output ended without a newline after this line.
    pub unterminated: bool,
}

impl LogLine {
    /// A line of `bytes` (taken as they are: no copy when they are UTF-8).
    pub fn new(instance: Arc<str>, stderr: bool, timestamp: String, bytes: Vec<u8>) -> LogLine {
        let (text, raw) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let bytes = e.into_bytes();
                (String::from_utf8_lossy(&bytes).into_owned(), Some(bytes))
            }
        };
        LogLine {
            instance,
            stderr,
            timestamp,
            text,
            raw,
            unterminated: false,
        }
    }

    /// The bytes the container wrote.
    pub fn bytes(&self) -> &[u8] {
        self.raw.as_deref().unwrap_or(self.text.as_bytes())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub follow: bool,
    /// Last N lines; `None` = all.
    pub tail: Option<u64>,
    /// Only lines stamped at or after this. Docker takes whole seconds;
    /// the fraction is applied here, line by line.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Each line's timestamp is wanted (to show it). A follow and `since`
    /// get timestamps anyway (to resume a broken stream where it broke, to
    /// drop lines before a fraction of a second); without any of the
    /// three, the engine is not asked for them: it sends the log faster.
    pub timestamps: bool,
}

impl LogRequest {
    /// Whether the engine is asked for each line's timestamp.
    pub fn stamped(&self) -> bool {
        self.timestamps || self.follow || self.since.is_some()
    }
}

/// What a followed log hands out: a line, a stream lost (why, in its
/// place), or the end of one instance's log (once, after its last line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogItem {
    Line(LogLine),
    Lost(String),
    Ended(Arc<str>),
}
