//! Log lines and what to ask of a log, whatever the engine.

/// One line of a container's output, exactly as the container wrote it
/// (without its newline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub instance: String,
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
    pub fn new(instance: &str, stderr: bool, timestamp: &str, bytes: Vec<u8>) -> LogLine {
        let (text, raw) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let bytes = e.into_bytes();
                (String::from_utf8_lossy(&bytes).into_owned(), Some(bytes))
            }
        };
        LogLine {
            instance: instance.to_string(),
            stderr,
            timestamp: timestamp.to_string(),
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
}
