//! One module per view or panel: its UI state, its commands and its
//! drawing, side by side. A key becomes a command through the keymap
//! (`keymap.rs`: default keys, descriptions, `[keys]` names); a view's own
//! commands are carried out by `run` in its module, so "what does `t` do
//! in executions" is answered in `executions.rs`. Each module also lists
//! its status-line hints. Global commands (quit, help, move, switch view)
//! are in `app.rs`, the filters and the `:` line in `command_line.rs`.

pub mod command;
pub mod confirm;
pub mod executions;
pub mod form;
pub mod form_fields;
pub mod freshness;
pub mod help;
pub mod inspect;
pub mod json;
pub mod logs;
pub mod logs_draw;
pub mod node_columns;
pub mod node_details;
pub mod nodes;
pub mod shop;
pub mod status;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::Block;

use super::app::{App, Mode, View};

/// Draws a frame: the header, the current view (with its panels over
/// it), the status line and any popup.
pub fn draw(frame: &mut Frame<'_>, app: &mut App) {
    // a message longer than a line (a refusal with a reason per host) gets
    // the lines it needs, up to a third of the screen
    let area = frame.area();
    let status_height = status::message_height(app, area.width)
        .min((area.height / 3).max(1))
        .max(1);
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(status_height),
    ])
    .areas(area);
    frame.render_widget(Block::new().style(app.styles.base), frame.area());
    // what can be clicked is noted again by what this frame draws
    app.hits.borrow_mut().rows = None;
    status::draw_header(frame, app, header);
    app.page = usize::from(body.height.saturating_sub(3));
    match app.view {
        _ if app.mode == Mode::Form => form::draw_form(frame, app, body),
        View::Shop if app.shop.detail => shop::draw_entry(frame, app, body),
        View::Shop => shop::draw_shop(frame, app, body),
        View::Executions => {
            executions::draw_executions(frame, app, body);
            if app.executions.inspect {
                executions::draw_inspect(frame, app, body);
            }
            json::draw_json(frame, app, body);
        }
        View::Nodes => nodes::draw_nodes(frame, app, body),
        View::Logs => logs::draw_logs(frame, app, body),
    }
    form::draw_launch(frame, app, body);
    status::draw_status(frame, app, status);
    confirm::draw_confirm(frame, app);
    if app.mode == Mode::Command {
        command::draw_completion(frame, app, status);
    }
    if app.mode == Mode::Help {
        if app.line_help {
            command::draw_line_help(frame, app);
        } else {
            help::draw_help(frame, app);
        }
    }
}

/// A bordered block with the view's title.
pub fn block<'a>(app: &App, title: String) -> Block<'a> {
    Block::bordered()
        .border_style(app.styles.muted)
        .title(Span::styled(title, app.styles.title))
}

/// A block drawn over other views: the same, on the theme's background.
pub fn panel<'a>(app: &App, title: String) -> Block<'a> {
    block(app, title).style(app.styles.base)
}

/// A centered rectangle of at most `width` × `height`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (w, h) = (width.min(area.width), height.min(area.height));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Moves a selection by `delta` within `rows` rows.
pub fn step(selected: &mut usize, delta: isize, rows: usize) {
    *selected = if rows == 0 {
        0
    } else {
        (*selected as isize)
            .saturating_add(delta)
            .clamp(0, rows as isize - 1) as usize
    };
}
