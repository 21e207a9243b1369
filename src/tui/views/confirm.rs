//! The confirmation of a destructive action: `y` goes ahead, any other key
//! cancels.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{centered, panel};
use crate::tui::app::{App, Mode, Pending, Request};

/// The key after the question.
pub fn on_key(app: &mut App, key: KeyEvent) -> Request {
    app.mode = Mode::Normal;
    let pending = app.pending.take();
    match (key.code, pending) {
        (KeyCode::Char('y' | 'Y'), Some(Pending::Terminate(id))) => {
            app.message = Some((format!("terminating {id}…"), false));
            Request::Terminate(id)
        }
        _ => {
            app.message = Some(("cancelled".into(), false));
            Request::None
        }
    }
}

pub fn draw_confirm(frame: &mut Frame<'_>, app: &App) {
    if app.mode != Mode::Confirm {
        return;
    }
    let Some(Pending::Terminate(id)) = &app.pending else {
        return;
    };
    let rect = centered(frame.area(), 60, 5);
    let text = vec![
        Line::from(Span::styled(format!("Terminate {id}?"), app.styles.warning)),
        Line::from(Span::styled(
            "Its services are stopped and removed, with their network.",
            app.styles.muted,
        )),
        Line::from(vec![
            Span::styled("y", app.styles.accent),
            Span::raw(" yes   "),
            Span::styled("any other key", app.styles.accent),
            Span::raw(" no"),
        ]),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(text).block(panel(app, " confirm ".into())),
        rect,
    );
}
