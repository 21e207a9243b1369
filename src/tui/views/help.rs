//! The help popup (`?`): the keys of the view it was opened in (with what
//! the global ones mean there), then the keys that work everywhere, then
//! the `:` commands, all from the keymap; any key closes it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{centered, panel};
use crate::tui::app::App;
use crate::tui::keymap::HelpLine;

/// Side by side from this inner width on, one under the other below it.
const TWO_COLUMNS: u16 = 70;

pub fn draw_help(frame: &mut Frame<'_>, app: &App) {
    let context = app.context();
    let place = match context {
        crate::tui::keymap::Context::Inspect => "instance list",
        crate::tui::keymap::Context::Json => "JSON pane",
        _ => app.view.title(),
    };
    let (own, everywhere) = app
        .keymap
        .help_without(context, app.readonly, &app.withheld());
    let own = section(app, place, &own);
    let everywhere = section(app, "everywhere", &everywhere);
    let commands = crate::tui::line_commands::summary();
    let footer = Line::from(vec![
        Span::styled(" commands (: here lists them) ", app.styles.title),
        Span::styled(commands.clone(), app.styles.muted),
    ]);
    let area = frame.area();
    let width = area.width.min(100);
    let two = width.saturating_sub(2) >= TWO_COLUMNS;
    let rows = if two {
        own.len().max(everywhere.len())
    } else {
        own.len() + 1 + everywhere.len()
    };
    // the `:` commands wrap onto a second line when the popup is narrow
    let footer_width = " commands (: here lists them) ".len() + commands.chars().count();
    let foot_height: u16 = if footer_width <= usize::from(width.saturating_sub(2)) {
        1
    } else {
        2
    };
    let popup = centered(area, width, rows as u16 + 3 + foot_height);
    let block = panel(app, format!(" keys: {place} (any key closes) "));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let [body, _, foot] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(foot_height),
    ])
    .areas(inner);
    if two {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(body);
        frame.render_widget(Paragraph::new(own), left);
        frame.render_widget(Paragraph::new(everywhere), right);
    } else {
        let mut lines = own;
        lines.push(Line::default());
        lines.extend(everywhere);
        frame.render_widget(Paragraph::new(lines), body);
    }
    frame.render_widget(
        Paragraph::new(footer).wrap(ratatui::widgets::Wrap { trim: false }),
        foot,
    );
}

/// A heading, then one line per command: its keys, what it does.
fn section(app: &App, heading: &str, lines: &[HelpLine]) -> Vec<Line<'static>> {
    let width = lines
        .iter()
        .map(|(keys, _)| keys.chars().count())
        .max()
        .unwrap_or(0)
        .min(14);
    let mut out = vec![Line::from(Span::styled(
        format!(" {heading}"),
        app.styles.title,
    ))];
    out.extend(lines.iter().map(|(keys, what)| {
        Line::from(vec![
            Span::styled(format!("  {keys:<width$}  "), app.styles.accent),
            Span::raw(*what),
        ])
    }));
    out
}
