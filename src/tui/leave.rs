//! Leaving: `q` closes what is open over a view and quits from a top view
//! (asking first while an action of this console is under way), and
//! `ctrl-c`, which quits from everywhere but a prompt whatever the keymap
//! says. (Esc's closing is the keymap's `back`, in `app.rs`.)

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Mode, Pending, Request, View};
use super::views::logs;

/// `q` (the keymap's quit): closes what is open over a view (the log
/// view, the inspect pane, an entry's README); from a top view quits,
/// asking first while a launch or a termination is under way.
pub fn quit(app: &mut App) -> Request {
    match app.view {
        View::Logs => return logs::leave(app),
        View::Shop if app.shop.detail => {
            app.shop.detail = false;
            return Request::None;
        }
        View::Executions if app.executions.inspect => {
            app.executions.inspect = false;
            super::views::inspect::leave(app);
            return Request::None;
        }
        _ => {}
    }
    let mut busy: Vec<String> = Vec::new();
    if let Some(id) = &app.data.launching {
        busy.push(format!("launching {id}"));
    }
    busy.extend(
        app.data
            .terminating
            .iter()
            .map(|id| format!("terminating {id}")),
    );
    if busy.is_empty() {
        return Request::Quit;
    }
    app.pending = Some(Pending::Quit(busy.join(", ")));
    app.mode = Mode::Confirm;
    Request::None
}

/// ctrl-c: quits from everywhere but a prompt (where it drops the line);
/// no keymap can take it away.
pub fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c')
}
