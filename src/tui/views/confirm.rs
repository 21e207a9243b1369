//! The confirmation of a destructive action: `y` (the keymap's
//! `confirm.yes`) goes ahead, any other key cancels.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{centered, panel};
use crate::tui::app::{App, Mode, Pending, Request};
use crate::tui::keymap::{Command, Context};

/// The key after the question.
pub fn on_key(app: &mut App, key: KeyEvent) -> Request {
    app.mode = Mode::Normal;
    let pending = app.pending.take();
    match (app.keymap.command_in(Context::Confirm, &key), pending) {
        (Some(Command::Yes), Some(Pending::Terminate(id))) => {
            app.message = Some((format!("terminating {id}…"), false));
            Request::Terminate(id)
        }
        (Some(Command::Yes), Some(Pending::RestartInstance { id, instance })) => {
            app.message = Some((format!("restarting {instance}…"), false));
            Request::RestartInstance { id, instance }
        }
        (Some(Command::Yes), Some(Pending::Quit(_))) => Request::Quit,
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
    let (id, question, detail, width) = match &app.pending {
        Some(Pending::Terminate(id)) => (
            id,
            format!("Terminate {id}"),
            "Its services are stopped and removed, with their network.",
            60,
        ),
        Some(Pending::RestartInstance { id, instance }) => (
            id,
            format!("Restart {instance} of {id}"),
            "It is essential: the execution ends if it does not come back.",
            68,
        ),
        Some(Pending::Quit(busy)) => {
            let rect = centered(frame.area(), 64, 6);
            let text = vec![
                Line::from(Span::styled(
                    format!("{busy} is under way. Quit anyway?"),
                    app.styles.warning,
                )),
                Line::from(Span::styled(
                    "It goes on without this console; the next zoe finishes or cleans it up.",
                    app.styles.muted,
                )),
                answers(app),
            ];
            frame.render_widget(Clear, rect);
            frame.render_widget(
                Paragraph::new(text)
                    .block(panel(app, " confirm ".into()))
                    .wrap(ratatui::widgets::Wrap { trim: false }),
                rect,
            );
            return;
        }
        None => return,
    };
    let rect = centered(frame.area(), width, 5);
    // another user's (a role with can_operate_others): say whose
    let whose = app
        .data
        .executions
        .iter()
        .find(|e| e.id == *id && e.owner != app.user)
        .map(|e| format!(" of {}", e.owner))
        .unwrap_or_default();
    let text = vec![
        Line::from(Span::styled(
            format!("{question}{whose}?"),
            app.styles.warning,
        )),
        Line::from(Span::styled(detail, app.styles.muted)),
        answers(app),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(text).block(panel(app, " confirm ".into())),
        rect,
    );
}

/// `y yes   any other key no`, with the keymap's key.
fn answers(app: &App) -> Line<'static> {
    Line::from(vec![
        Span::styled(
            app.keymap
                .first_key_in(Context::Confirm, Command::Yes)
                .unwrap_or("-")
                .to_string(),
            app.styles.accent,
        ),
        Span::raw(" yes   "),
        Span::styled("any other key", app.styles.accent),
        Span::raw(" no"),
    ])
}
