//! The start form's fields on screen: label, value (scrolled sideways
//! around the cursor when wider than its room, `…` where it is cut), the
//! range of a number, and under each field its error or note, wrapped.
//! The selection of a fresh field and the cursor of one being typed into
//! are drawn, and the terminal's own cursor is put there too.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::panel;
use crate::console::catalog::range_text;
use crate::tui::app::App;
use crate::tui::form::{Form, Launch};
use crate::tui::keymap::{Command, Context};

/// `text` in lines of at most `width` characters, broken between words
/// (a word longer than a line is cut). Errors and notes are wrapped here,
/// not by the paragraph, so the focused field's line is known for
/// scrolling.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let (have, need) = (line.chars().count(), word.chars().count());
            let sep = usize::from(have > 0);
            if have + sep + need <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if have > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // a word longer than the line
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn draw_fields(frame: &mut Frame<'_>, app: &App, form: &mut Form, area: Rect) {
    let s = &app.styles;
    let mut lines = Vec::new();
    let label_width = form
        .fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(10)
        .min(28);
    let inner = usize::from(area.width.saturating_sub(2));
    let launching = form.is_launching();
    // (line, column) of the cursor
    let mut cursor: Option<(usize, usize)> = None;
    let mut focus_line = 0;
    for (i, f) in form.fields.iter_mut().enumerate() {
        let focused = i == form.focus && !launching;
        let label: String = f.label.chars().take(label_width).collect();
        let hint = match f.int {
            Some((min, max, _)) => format!("  {}", range_text(min, max)),
            None => String::new(),
        };
        let hint = if f.int.is_some() && focused && f.steps() {
            format!("{hint} (+/-)")
        } else {
            hint
        };
        let prefix = format!(
            "{}{label:<label_width$} ",
            if i == form.focus { "▶ " } else { "  " }
        );
        let room = inner
            .saturating_sub(prefix.chars().count() + hint.chars().count())
            .max(4);
        let window = f.window(room, focused);
        let mut spans = vec![Span::styled(
            prefix.clone(),
            if i == form.focus { s.accent } else { s.muted },
        )];
        if window.cut_before {
            spans.push(Span::styled("…", s.muted));
        }
        let text_style = match (focused, f.fresh) {
            // selected as a whole: typing replaces it
            (true, true) if !window.text.is_empty() => s.selected,
            (true, _) => s.highlight,
            (false, _) => s.base,
        };
        if focused && !f.fresh {
            // the cursor where it is, on the character under it
            let chars: Vec<char> = window.text.chars().collect();
            let mut column = usize::from(window.cut_before);
            let mut at = chars.len();
            for (n, c) in chars.iter().enumerate() {
                if column >= window.cursor {
                    at = n;
                    break;
                }
                column += Span::raw(c.to_string()).width();
            }
            let before: String = chars[..at].iter().collect();
            let under: String = chars.get(at).map_or(" ".to_string(), |c| c.to_string());
            let after: String = chars
                .get(at + 1..)
                .map(|r| r.iter().collect())
                .unwrap_or_default();
            spans.push(Span::styled(before, text_style));
            spans.push(Span::styled(under, s.selected));
            spans.push(Span::styled(after, text_style));
        } else {
            spans.push(Span::styled(window.text.clone(), text_style));
        }
        if window.cut_after {
            spans.push(Span::styled("…", s.muted));
        }
        if !hint.is_empty() {
            spans.push(Span::styled(hint, s.muted));
        }
        if i == form.focus {
            focus_line = lines.len();
        }
        if focused {
            cursor = Some((lines.len(), prefix.chars().count() + window.cursor));
        }
        lines.push(Line::from(spans));
        for (text, style) in [(&f.error, s.error), (&f.note, s.warning)] {
            if let Some(text) = text {
                lines.extend(
                    wrap(text, inner.saturating_sub(4))
                        .into_iter()
                        .map(|l| Line::from(Span::styled(format!("    {l}"), style))),
                );
            }
        }
    }
    for (i, line) in form.locked.iter().enumerate() {
        let style = if i + 1 == form.locked.len() {
            s.muted
        } else {
            s.base
        };
        lines.extend(
            wrap(line, inner.saturating_sub(2))
                .into_iter()
                .map(|l| Line::from(Span::styled(format!("  {l}"), style))),
        );
    }
    for g in &form.general {
        lines.extend(
            wrap(g, inner)
                .into_iter()
                .map(|l| Line::from(Span::styled(l, s.error))),
        );
    }
    // keep the focused field on screen
    let visible = usize::from(area.height.saturating_sub(2));
    let scroll = focus_line.saturating_sub(visible.saturating_sub(2));
    let key = |command| {
        app.keymap
            .first_key_in(Context::Form, command)
            .unwrap_or("-")
    };
    let title = match &form.launch {
        Launch::Launching(_) => format!(
            " start {} — launching ({} closes, it goes on) ",
            form.entry_name,
            key(Command::Cancel)
        ),
        Launch::Failed(_) => format!(
            " start {} — failed: fix, {} launches again ",
            form.entry_name,
            key(Command::Launch)
        ),
        Launch::Editing => format!(
            " start {} — {} launches, {} cancels, {} moves ",
            form.entry_name,
            key(Command::Launch),
            key(Command::Cancel),
            key(Command::NextField)
        ),
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(panel(app, title))
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        area,
    );
    // the terminal's own cursor too (for screen readers and terminals
    // that blink it)
    if let Some((line, column)) = cursor
        && line >= scroll
        && line - scroll < visible
        && column < inner
    {
        let (x, y) = (
            area.x + 1 + column as u16,
            area.y + 1 + (line - scroll) as u16,
        );
        frame.set_cursor_position(Position::new(x, y));
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn errors_wrap_between_words_and_cut_a_word_too_long() {
        assert_eq!(
            wrap("memory short by 4 GiB on local", 12),
            ["memory short", "by 4 GiB on", "local"]
        );
        assert_eq!(
            wrap("/a/very/long/path/name", 8),
            ["/a/very/", "long/pat", "h/name"]
        );
        assert_eq!(wrap("", 10), [""]);
        // every line fits, and nothing is lost but the spaces broken at
        let text = "execution 1abc failed and was removed: host remote: starting echo0: exec: \"/no/such/zoe-binary\": stat: no such file or directory";
        for width in 8..60 {
            let lines = wrap(text, width);
            assert!(lines.iter().all(|l| l.chars().count() <= width), "{width}");
            assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
        }
    }
}
