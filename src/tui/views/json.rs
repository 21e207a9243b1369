//! The raw JSON of an instance (`y` in the instance list): the container's
//! `docker inspect` or the pod's object, pretty-printed, every line shown
//! through `visible` (it holds labels and environment values: hostile
//! text), over the view; j/k, pgup/pgdn, g/G scroll, esc/q close.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::panel;
use crate::tui::app::{App, Request};
use crate::tui::keymap::Command;

/// The pane: what it shows and how far it is scrolled.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPane {
    pub title: String,
    pub lines: Vec<String>,
    /// The first line shown.
    pub top: usize,
}

impl JsonPane {
    /// `json` pretty-printed, each line made safe to show.
    pub fn new(title: String, json: &serde_json::Value) -> JsonPane {
        let text = serde_json::to_string_pretty(json).unwrap_or_else(|e| e.to_string());
        let lines = text
            .lines()
            .map(|l| crate::model::text::visible(l).into_owned())
            .collect();
        JsonPane {
            title,
            lines,
            top: 0,
        }
    }

    /// Scrolls by `delta` lines, never past the last page.
    pub fn scroll(&mut self, delta: isize, height: usize) {
        let last = self.lines.len().saturating_sub(height.max(1));
        self.top = (self.top as isize)
            .saturating_add(delta)
            .clamp(0, last as isize) as usize;
    }
}

/// The status line's hints while the pane is open.
pub const HINTS: &[(&[Command], &str)] = &[
    (&[Command::Down, Command::Up], "scroll"),
    (&[Command::Top, Command::Bottom], "top/bottom"),
    (&[Command::CloseJson], "close"),
];

/// The pane's commands and what the global ones mean here; `None` for a
/// global command that acts as anywhere else (it closes the pane first
/// when it leaves the view).
pub fn run(app: &mut App, command: Command) -> Option<Request> {
    let height = app.page.max(1);
    let pane = app.json.as_mut()?;
    let page = height as isize;
    match command {
        Command::Up => pane.scroll(-1, height),
        Command::Down => pane.scroll(1, height),
        Command::PageUp => pane.scroll(-page, height),
        Command::PageDown => pane.scroll(page, height),
        Command::Top => pane.scroll(isize::MIN / 2, height),
        Command::Bottom => pane.scroll(isize::MAX / 2, height),
        Command::CloseJson | Command::Back => app.json = None,
        Command::NextView
        | Command::PreviousView
        | Command::ShopView
        | Command::ExecutionsView
        | Command::NodesView => {
            app.json = None;
            return None;
        }
        _ => return None,
    }
    Some(Request::None)
}

/// The pane over the whole body.
pub fn draw_json(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(pane) = &app.json else {
        return;
    };
    let height = usize::from(area.height.saturating_sub(2));
    let shown: Vec<Line> = pane
        .lines
        .iter()
        .skip(pane.top)
        .take(height)
        .map(|l| Line::from(Span::raw(l.clone())))
        .collect();
    let last = (pane.top + height).min(pane.lines.len());
    let title = format!(
        " {} — lines {}–{last} of {} ",
        pane.title,
        (pane.top + 1).min(last),
        pane.lines.len()
    );
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(shown).block(panel(app, title)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolling_stops_at_the_last_page_and_the_first_line() {
        let json = serde_json::json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]});
        let mut pane = JsonPane::new("x".into(), &json);
        assert_eq!(pane.lines.len(), 14);
        pane.scroll(100, 10);
        assert_eq!(pane.top, 4);
        pane.scroll(-1, 10);
        assert_eq!(pane.top, 3);
        pane.scroll(isize::MIN / 2, 10);
        assert_eq!(pane.top, 0);
    }

    #[test]
    fn hostile_text_is_shown_escaped() {
        // serde_json writes C0 controls as \u escapes by itself; C1 (CSI
        // U+009B) and bidi overrides it leaves as they are
        let json = serde_json::json!({"Env": ["X=\u{9b}31m", "Y=\u{202e}txt.exe"]});
        let pane = JsonPane::new("x".into(), &json);
        assert!(
            pane.lines
                .iter()
                .all(|l| !l.contains('\u{9b}') && !l.contains('\u{202e}')),
            "{:?}",
            pane.lines
        );
        assert!(
            pane.lines.iter().any(|l| l.contains("31m")),
            "{:?}",
            pane.lines
        );
    }
}
