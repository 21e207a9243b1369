//! What the console remembers from one run to the next: the `:` line's
//! history (bounded, walked with up/down) and whether the executions view
//! hides ended executions. Kept as JSON in the state directory
//! (`tui.json`); the UI loop reads it at start and writes it when it
//! changed. A missing or unreadable file is an empty memory, never an
//! error that stops the console.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Lines of history kept.
pub const HISTORY_LINES: usize = 200;

/// The file's name in the state directory.
pub const FILE_NAME: &str = "tui.json";

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Remembered {
    /// Oldest first.
    pub history: Vec<String>,
    pub hide_ended: bool,
}

impl Remembered {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(FILE_NAME)
    }

    /// What the file holds; nothing when it is missing or unreadable
    /// (with why, for the log).
    pub fn load(state_dir: &Path) -> (Remembered, Option<String>) {
        let path = Remembered::path(state_dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str::<Remembered>(&text) {
                Ok(mut r) => {
                    r.history = bounded(std::mem::take(&mut r.history));
                    (r, None)
                }
                Err(e) => (
                    Remembered::default(),
                    Some(format!(
                        "{}: not readable ({e}); starting with an empty history",
                        path.display()
                    )),
                ),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Remembered::default(), None),
            Err(e) => (
                Remembered::default(),
                Some(format!("{}: cannot read it: {e}", path.display())),
            ),
        }
    }

    /// Writes the file (through a temporary file, so a crash leaves the
    /// old one whole).
    pub fn save(&self, state_dir: &Path) -> Result<(), String> {
        let path = Remembered::path(state_dir);
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let temporary = state_dir.join(format!("{FILE_NAME}.tmp"));
        // the `:` history is its user's alone: a folder and a file only
        // they may read
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(state_dir)
            .and_then(|()| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&temporary)
            })
            .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
            .and_then(|()| std::fs::rename(&temporary, &path))
            .map_err(|e| {
                format!(
                    "cannot remember the history in {}: {e} (check that the directory is writable)",
                    path.display()
                )
            })
    }
}

fn bounded(mut lines: Vec<String>) -> Vec<String> {
    // a line with control characters (a tampered file) is never shown
    lines.retain(|l| !l.trim().is_empty() && !l.chars().any(char::is_control));
    let extra = lines.len().saturating_sub(HISTORY_LINES);
    lines.drain(..extra);
    lines
}

/// The `:` line's history and where up/down are in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Oldest first.
    pub lines: Vec<String>,
    /// The line shown, while walking the history.
    at: Option<usize>,
    /// What was typed before walking.
    draft: String,
}

impl History {
    pub fn new(lines: Vec<String>) -> History {
        History {
            lines: bounded(lines),
            ..History::default()
        }
    }

    /// A line was run: it becomes the newest (once), the walk starts over.
    pub fn push(&mut self, line: &str) {
        let line = line.trim();
        self.at = None;
        self.draft.clear();
        if line.is_empty() {
            return;
        }
        self.lines.retain(|l| l != line);
        self.lines.push(line.to_string());
        self.lines = bounded(std::mem::take(&mut self.lines));
    }

    /// Up: the line before the one shown (`typed` is kept to come back
    /// to); `None` at the oldest.
    pub fn older(&mut self, typed: &str) -> Option<&str> {
        let at = match self.at {
            None => {
                self.draft = typed.to_string();
                self.lines.len().checked_sub(1)?
            }
            Some(at) => at.checked_sub(1)?,
        };
        self.at = Some(at);
        self.lines.get(at).map(String::as_str)
    }

    /// Down: the line after the one shown, and past the newest what was
    /// typed; `None` when not walking.
    pub fn newer(&mut self) -> Option<&str> {
        let at = self.at?;
        if at + 1 < self.lines.len() {
            self.at = Some(at + 1);
            self.lines.get(at + 1).map(String::as_str)
        } else {
            self.at = None;
            Some(self.draft.as_str())
        }
    }

    /// The walk ends (the prompt closed).
    pub fn reset(&mut self) {
        self.at = None;
        self.draft.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_and_down_walk_the_history_and_come_back_to_what_was_typed() {
        let mut h = History::new(vec!["nodes".into(), "logs demo".into()]);
        assert_eq!(h.older("th"), Some("logs demo"));
        assert_eq!(h.older("ignored"), Some("nodes"));
        assert_eq!(h.older("ignored"), None, "the oldest stays");
        assert_eq!(h.newer(), Some("logs demo"));
        assert_eq!(h.newer(), Some("th"), "back to the draft");
        assert_eq!(h.newer(), None);
        h.push("nodes");
        assert_eq!(h.lines, ["logs demo", "nodes"], "once, newest last");
        h.push("   ");
        assert_eq!(h.lines.len(), 2);
        let h = History::new(vec!["nodes".into(), "theme \u{1b}]52;c;eA==\u{7}".into()]);
        assert_eq!(h.lines, ["nodes"], "control characters are dropped");
    }

    #[test]
    fn the_history_is_bounded() {
        let mut h = History::new((0..500).map(|n| format!("logs e{n}")).collect());
        assert_eq!(h.lines.len(), HISTORY_LINES);
        assert_eq!(h.lines[0], "logs e300");
        h.push("ps");
        assert_eq!(h.lines.len(), HISTORY_LINES);
        assert_eq!(h.lines.last().unwrap(), "ps");
    }

    #[test]
    fn remembered_across_runs_and_a_bad_file_is_an_empty_memory() {
        let dir = tempfile::tempdir().unwrap();
        let (r, why) = Remembered::load(dir.path());
        assert_eq!((r, why), (Remembered::default(), None));
        let r = Remembered {
            history: vec!["nodes".into(), "theme light".into()],
            hide_ended: true,
        };
        r.save(dir.path()).unwrap();
        assert_eq!(Remembered::load(dir.path()), (r, None));
        std::fs::write(Remembered::path(dir.path()), "{not json").unwrap();
        let (r, why) = Remembered::load(dir.path());
        assert_eq!(r, Remembered::default());
        assert!(why.unwrap().contains("tui.json: not readable"));
    }

    #[test]
    fn the_history_is_readable_by_its_user_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("users").join("alice");
        Remembered {
            history: vec!["logs 1abc".into()],
            hide_ended: false,
        }
        .save(&state)
        .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&dir.path().join("users")), 0o700);
        assert_eq!(mode(&Remembered::path(&state)), 0o600);
    }
}
