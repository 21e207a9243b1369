//! The `:` line's panels: the completions offered by `tab` (over the
//! status line, the one in the line marked) and `:help`, the list of `:`
//! commands with one line each (any key closes it).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{centered, panel};
use crate::tui::app::App;
use crate::tui::line_commands::help_lines;

/// The completions, in columns, just above the `:` line at `status`.
pub fn draw_completion(frame: &mut Frame<'_>, app: &App, status: Rect) {
    let Some(completion) = &app.completion else {
        return;
    };
    let area = frame.area();
    let s = &app.styles;
    let inner_width = area.width.saturating_sub(2).max(1);
    let shown: Vec<String> = completion
        .candidates
        .iter()
        .map(|c| crate::model::text::visible(c).into_owned())
        .collect();
    let column = shown
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        .saturating_add(2)
        .min(usize::from(inner_width));
    let per_line = (usize::from(inner_width) / column.max(1)).max(1);
    let mut lines: Vec<Line> = shown
        .chunks(per_line)
        .enumerate()
        .map(|(row, chunk)| {
            Line::from(
                chunk
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let style = if completion.index == Some(row * per_line + i) {
                            s.selected
                        } else {
                            s.base
                        };
                        Span::styled(format!("{c:<column$}"), style)
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                "nothing to complete for `{}`",
                crate::model::text::visible(&completion.word)
            ),
            s.muted,
        )));
    }
    let room = status.y.saturating_sub(area.y + 1);
    let height = (lines.len() as u16 + 2).min(room);
    if height < 3 {
        return;
    }
    let rect = Rect {
        x: area.x,
        y: status.y - height,
        width: area.width,
        height,
    };
    let title = format!(
        " {} (tab: next, shift-tab: previous) ",
        crate::model::text::count(
            completion.candidates.len() as u64,
            "completion",
            "completions"
        )
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(panel(app, title)), rect);
}

/// `:help`: every `:` command, what it takes and what it does.
pub fn draw_line_help(frame: &mut Frame<'_>, app: &App) {
    let s = &app.styles;
    let lines_of = help_lines();
    let width = lines_of
        .iter()
        .map(|(usage, _)| usage.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<Line> = lines_of
        .iter()
        .map(|(usage, what)| {
            Line::from(vec![
                Span::styled(format!(" {usage:<width$}  "), s.accent),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        " tab completes commands and their arguments, up/down walk the history",
        s.muted,
    )));
    let area = frame.area();
    let popup = centered(area, area.width.min(100), lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(panel(
                app,
                " commands (: then the command; any key closes) ".into(),
            ))
            .wrap(Wrap { trim: false }),
        popup,
    );
}
