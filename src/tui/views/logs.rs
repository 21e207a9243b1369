//! The log view: the followed execution's lines (one colour per service),
//! and what its keys do: `f` follow/pause, `w` wrap, `t` timestamps, `/`
//! search with `n`/`N` for next/previous, `s` save to a file, esc back to
//! the executions (which stops the follow); keys as in the keymap's
//! defaults. The buffer itself, bounded, is `tui::logs::LogView`; only the
//! visible window is drawn.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::panel;
use crate::tui::app::{App, Mode, Request, View};
use crate::tui::keymap::Command;
use crate::tui::line::Outcome;

/// The status line's hints here: (commands, label).
pub const HINTS: &[(&[Command], &str)] = &[
    (&[Command::Follow], "follow"),
    (&[Command::Wrap], "wrap"),
    (&[Command::Timestamps], "time"),
    (&[Command::Filter], "search"),
    (&[Command::NextMatch, Command::PreviousMatch], "next/prev"),
    (&[Command::Save], "save"),
    (&[Command::Back], "back"),
];

/// This view's own commands (the keymap's `logs.*`).
pub fn run(app: &mut App, command: Command) -> Option<Request> {
    let logs = app.logs.as_mut()?;
    match command {
        Command::Follow => logs.follow = !logs.follow,
        Command::Wrap => logs.wrap = !logs.wrap,
        Command::Timestamps => logs.timestamps = !logs.timestamps,
        Command::NextMatch => {
            logs.find(true);
        }
        Command::PreviousMatch => {
            logs.find(false);
        }
        Command::Save => return Some(Request::SaveLogs(logs.contents())),
        _ => return None,
    }
    Some(Request::None)
}

/// `/`: type a search.
pub fn search(app: &mut App) {
    app.mode = Mode::LogSearch;
    app.prompt.clear();
    if let Some(logs) = app.logs.as_mut() {
        logs.search.clear();
    }
}

/// Keys while typing a search (the line editor's keys): enter finds, esc
/// and ctrl-c drop it.
pub fn search_key(app: &mut App, key: KeyEvent) -> Request {
    let outcome = app.prompt.handle(&key);
    let Some(logs) = app.logs.as_mut() else {
        app.mode = Mode::Normal;
        return Request::None;
    };
    match outcome {
        Outcome::Cancel => {
            logs.search.clear();
            app.prompt.clear();
            app.mode = Mode::Normal;
        }
        Outcome::Submit => {
            app.mode = Mode::Normal;
            if !logs.find(true) {
                app.message = Some((format!("`{}` not found", logs.search), true));
            }
        }
        Outcome::Edited => logs.search = app.prompt.value().to_string(),
        Outcome::Ignored => {}
    }
    Request::None
}

/// Esc: back to the executions; the follow stops.
pub fn back(app: &mut App) -> Request {
    app.view = View::Executions;
    app.logs = None;
    Request::StopLogs
}

pub fn move_by(app: &mut App, delta: isize) {
    let page = app.page;
    if let Some(logs) = app.logs.as_mut() {
        logs.scroll(delta, page);
    }
}

pub fn draw_logs(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(logs) = &app.logs else { return };
    let s = &app.styles;
    let inner_height = usize::from(area.height.saturating_sub(2));
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let prefix = |l: &crate::model::LogLine| {
        (if logs.service.is_none() {
            l.instance.len() + 3
        } else {
            0
        }) + if logs.timestamps {
            l.timestamp.len() + 1
        } else {
            0
        }
    };
    // Following with wrap on: long lines take several rows, so count rows
    // back from the newest line to keep it on screen.
    let first = if logs.wrap && logs.follow {
        let mut rows = 0;
        let mut first = logs.lines.len();
        for l in logs.lines.iter().rev() {
            let width = prefix(l) + l.text.chars().count();
            rows += width.div_ceil(inner_width).max(1);
            if rows > inner_height {
                break;
            }
            first -= 1;
        }
        first.min(logs.lines.len().saturating_sub(1))
    } else {
        logs.first_visible(inner_height)
    };
    let width = logs
        .lines
        .iter()
        .skip(first)
        .take(inner_height)
        .map(|l| l.instance.len())
        .max()
        .unwrap_or(0);
    let multi = logs.service.is_none();
    let lines: Vec<Line> = logs
        .lines
        .iter()
        .enumerate()
        .skip(first)
        .take(inner_height)
        .map(|(i, l)| {
            let mut spans = Vec::new();
            if multi {
                // one colour per service, from its name
                let palette = [s.accent, s.info, s.success, s.warning, s.highlight];
                let hash = l.instance.bytes().fold(0usize, |h, b| {
                    h.wrapping_mul(31).wrapping_add(usize::from(b))
                });
                spans.push(Span::styled(
                    format!("{:width$} │ ", l.instance),
                    palette[hash % palette.len()],
                ));
            }
            if logs.timestamps {
                spans.push(Span::styled(format!("{} ", l.timestamp), s.muted));
            }
            let style = if logs.matched == Some(i) {
                s.selected
            } else if logs.matches(l) {
                s.highlight
            } else if l.stderr {
                s.warning
            } else {
                s.base
            };
            spans.push(Span::styled(l.text.clone(), style));
            Line::from(spans)
        })
        .collect();
    let mut flags = [
        if logs.follow { "follow" } else { "paused" },
        if logs.wrap { "wrap" } else { "nowrap" },
        if logs.timestamps { "time" } else { "notime" },
    ]
    .join(" ");
    if logs.dropped > 0 {
        flags.push_str(&format!(" · {} old lines dropped", logs.dropped));
    }
    let title = format!(
        " logs {}{} [{flags}] ",
        logs.execution,
        logs.service
            .as_deref()
            .map(|s| format!(" {s}"))
            .unwrap_or_default()
    );
    let mut paragraph = Paragraph::new(lines).block(panel(app, title));
    if logs.wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    frame.render_widget(paragraph, area);
    if let Some(error) = &logs.error {
        let rect = Rect {
            x: area.x + 1,
            y: area.y + area.height.saturating_sub(2),
            width: area.width.saturating_sub(2),
            height: 1,
        };
        frame.render_widget(Paragraph::new(Span::styled(error.clone(), s.error)), rect);
    }
}
