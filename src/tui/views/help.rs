//! The help popup (`?`): the keys, from the keymap; any key closes it.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{centered, panel};
use crate::tui::app::App;

pub fn draw_help(frame: &mut Frame<'_>, app: &App) {
    let commands = app.keymap.commands();
    let popup = centered(frame.area(), 64, commands.len() as u16 + 4);
    let lines: Vec<Line> = commands
        .iter()
        .map(|c| {
            Line::from(vec![
                Span::styled(
                    format!("  {:<16}", app.keymap.keys_for(*c)),
                    app.styles.accent,
                ),
                Span::raw(c.describe()),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(panel(app, " keys (any key closes) ".into())),
        popup,
    );
}
