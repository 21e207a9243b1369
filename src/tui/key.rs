//! A key as the settings write it (`j`, `G`, `enter`, `ctrl-r`, `f5`) and
//! whether a key press is that key.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key as written in a keymap: `j`, `G`, `?`, `enter`, `esc`, `tab`,
/// `up`, `down`, `pgup`, `pgdn`, `home`, `end`, `ctrl-c`, `f5`…
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub label: String,
}

impl Key {
    pub fn parse(text: &str) -> Result<Key, String> {
        let (ctrl, name) = match text.strip_prefix("ctrl-") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let code = match name {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') => KeyCode::F(
                f[1..]
                    .parse()
                    .map_err(|_| format!("`{text}` is not a key"))?,
            ),
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            _ => {
                return Err(format!(
                    "`{text}` is not a key (a character, enter, esc, tab, backtab, up, down, pgup, pgdn, home, end, f1…, ctrl-x)"
                ));
            }
        };
        Ok(Key {
            code,
            ctrl,
            label: text.to_string(),
        })
    }

    /// The same key (labels aside: `pgup` and `pgup` typed twice).
    pub fn same(&self, other: &Key) -> bool {
        self.code == other.code && self.ctrl == other.ctrl
    }

    /// A plain character: typed text where text is typed.
    pub fn types_text(&self) -> bool {
        !self.ctrl && matches!(self.code, KeyCode::Char(_))
    }

    pub fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        // shifted letters arrive as upper case (with or without SHIFT), so
        // only CONTROL is compared besides the code
        event.code == self.code && ctrl == self.ctrl
    }
}
