//! Keys as data: every binding names a command, so the footer and the help
//! screen are generated from the same table the dispatcher reads, and a
//! settings file can remap them later without touching the views.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    Suspend,
    Help,
    CommandMode,
    Filter,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    NextView,
    ShopView,
    ExecutionsView,
    NodesView,
    Refresh,
    ToggleMouse,
}

const ALL: &[Command] = &[
    Command::Quit,
    Command::Suspend,
    Command::Help,
    Command::CommandMode,
    Command::Filter,
    Command::Up,
    Command::Down,
    Command::Top,
    Command::Bottom,
    Command::PageUp,
    Command::PageDown,
    Command::Open,
    Command::Back,
    Command::NextView,
    Command::ShopView,
    Command::ExecutionsView,
    Command::NodesView,
    Command::Refresh,
    Command::ToggleMouse,
];

impl Command {
    /// The name used in the settings' `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Suspend => "suspend",
            Command::Help => "help",
            Command::CommandMode => "command",
            Command::Filter => "filter",
            Command::Up => "up",
            Command::Down => "down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::PageUp => "page_up",
            Command::PageDown => "page_down",
            Command::Open => "open",
            Command::Back => "back",
            Command::NextView => "next_view",
            Command::ShopView => "shop",
            Command::ExecutionsView => "executions",
            Command::NodesView => "nodes",
            Command::Refresh => "refresh",
            Command::ToggleMouse => "mouse",
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        ALL.iter().copied().find(|c| c.name() == name)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Suspend => "suspend (fg in the shell comes back)",
            Command::Help => "help",
            Command::CommandMode => "command (:shop :ps :nodes :theme NAME :q)",
            Command::Filter => "filter",
            Command::Up => "up",
            Command::Down => "down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::PageUp => "page up",
            Command::PageDown => "page down",
            Command::Open => "open",
            Command::Back => "back / clear",
            Command::NextView => "next view",
            Command::ShopView => "shop",
            Command::ExecutionsView => "executions",
            Command::NodesView => "nodes",
            Command::Refresh => "refresh now",
            Command::ToggleMouse => "mouse on/off (off: the terminal's copy works)",
        }
    }
}

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
                    "`{text}` is not a key (a character, enter, esc, tab, up, down, pgup, pgdn, home, end, f1…, ctrl-x)"
                ));
            }
        };
        Ok(Key {
            code,
            ctrl,
            label: text.to_string(),
        })
    }

    pub fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        // shifted letters arrive as upper case (with or without SHIFT), so
        // only CONTROL is compared besides the code
        event.code == self.code && ctrl == self.ctrl
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub bindings: Vec<(Key, Command)>,
}

const DEFAULTS: &[(&str, Command)] = &[
    ("q", Command::Quit),
    ("ctrl-c", Command::Quit),
    ("ctrl-z", Command::Suspend),
    ("?", Command::Help),
    (":", Command::CommandMode),
    ("/", Command::Filter),
    ("k", Command::Up),
    ("up", Command::Up),
    ("j", Command::Down),
    ("down", Command::Down),
    ("g", Command::Top),
    ("home", Command::Top),
    ("G", Command::Bottom),
    ("end", Command::Bottom),
    ("pgup", Command::PageUp),
    ("ctrl-b", Command::PageUp),
    ("pgdn", Command::PageDown),
    ("ctrl-f", Command::PageDown),
    ("enter", Command::Open),
    ("l", Command::Open),
    ("esc", Command::Back),
    ("h", Command::Back),
    ("tab", Command::NextView),
    ("1", Command::ShopView),
    ("2", Command::ExecutionsView),
    ("3", Command::NodesView),
    ("ctrl-r", Command::Refresh),
    ("m", Command::ToggleMouse),
];

impl Default for Keymap {
    fn default() -> Keymap {
        let bindings = DEFAULTS
            .iter()
            .filter_map(|(k, c)| Key::parse(k).ok().map(|key| (key, *c)))
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with the settings' `[keys]` table applied: each named
    /// command gets exactly the keys listed. Unknown commands or keys are
    /// errors that name them.
    pub fn with_overrides(
        overrides: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (name, keys) in overrides {
            let command = Command::from_name(name).ok_or_else(|| {
                let names: Vec<&str> = ALL.iter().map(|c| c.name()).collect();
                format!(
                    "[keys] {name}: no such command (commands: {})",
                    names.join(", ")
                )
            })?;
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k).map_err(|why| format!("[keys] {name}: {why}")))
                .collect::<Result<Vec<_>, _>>()?;
            map.bindings.retain(|(key, c)| {
                *c != command
                    && !parsed
                        .iter()
                        .any(|p| p.code == key.code && p.ctrl == key.ctrl)
            });
            map.bindings
                .extend(parsed.into_iter().map(|k| (k, command)));
        }
        Ok(map)
    }

    pub fn command(&self, event: &KeyEvent) -> Option<Command> {
        self.bindings
            .iter()
            .find(|(k, _)| k.matches(event))
            .map(|(_, c)| *c)
    }

    /// Every key bound to `command`, e.g. `j/down`.
    pub fn keys_for(&self, command: Command) -> String {
        self.bindings
            .iter()
            .filter(|(_, c)| *c == command)
            .map(|(k, _)| k.label.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The first key bound to `command`, for short hints.
    pub fn first_key(&self, command: Command) -> String {
        self.bindings
            .iter()
            .find(|(_, c)| *c == command)
            .map(|(k, _)| k.label.clone())
            .unwrap_or_default()
    }

    /// Commands in the order they were bound, each once.
    pub fn commands(&self) -> Vec<Command> {
        let mut seen = Vec::new();
        for (_, c) in &self.bindings {
            if !seen.contains(c) {
                seen.push(*c);
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventKind;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: ratatui::crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn default_keys_dispatch() {
        let map = Keymap::default();
        assert_eq!(
            map.command(&press(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Command::Down)
        );
        assert_eq!(
            map.command(&press(KeyCode::Down, KeyModifiers::NONE)),
            Some(Command::Down)
        );
        assert_eq!(
            map.command(&press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Command::Bottom)
        );
        assert_eq!(
            map.command(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Command::Quit)
        );
        assert_eq!(
            map.command(&press(KeyCode::Char('c'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            map.command(&press(KeyCode::Char('z'), KeyModifiers::CONTROL)),
            Some(Command::Suspend)
        );
        assert_eq!(map.keys_for(Command::Down), "j down");
        assert_eq!(map.first_key(Command::Filter), "/");
    }

    #[test]
    fn the_settings_can_remap_keys() {
        let mut overrides = std::collections::BTreeMap::new();
        overrides.insert("quit".to_string(), vec!["x".to_string()]);
        overrides.insert(
            "down".to_string(),
            vec!["n".to_string(), "down".to_string()],
        );
        let map = Keymap::with_overrides(&overrides).unwrap();
        assert_eq!(
            map.command(&press(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Command::Quit)
        );
        assert_eq!(
            map.command(&press(KeyCode::Char('q'), KeyModifiers::NONE)),
            None,
            "q is no longer quit"
        );
        assert_eq!(
            map.command(&press(KeyCode::Char('n'), KeyModifiers::NONE)),
            Some(Command::Down)
        );
        assert_eq!(
            map.command(&press(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        overrides.insert("fly".to_string(), vec!["f".to_string()]);
        assert!(
            Keymap::with_overrides(&overrides)
                .unwrap_err()
                .contains("[keys] fly: no such command")
        );
        let mut bad = std::collections::BTreeMap::new();
        bad.insert("help".to_string(), vec!["hyper-h".to_string()]);
        assert!(
            Keymap::with_overrides(&bad)
                .unwrap_err()
                .contains("[keys] help: `hyper-h` is not a key")
        );
        for c in ALL {
            assert_eq!(Command::from_name(c.name()), Some(*c));
        }
    }

    #[test]
    fn keys_parse_and_refuse_nonsense() {
        assert_eq!(Key::parse("f5").unwrap().code, KeyCode::F(5));
        assert!(Key::parse("ctrl-x").unwrap().ctrl);
        assert!(Key::parse("hyper-q").is_err());
        assert!(Key::parse("").is_err());
    }
}
