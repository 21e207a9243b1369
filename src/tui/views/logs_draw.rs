//! Drawing the log view: only the visible window of the shown entries
//! (filter and toggles applied). A merged log's lines start with their
//! service (one colour each) and the timestamp; wrapped lines go on under
//! the text, not under that prefix; without wrap the text scrolls
//! sideways, `‹`/`›` saying that it goes on. The title says the toggles'
//! state and the filter's counter; the services and their `1`..`9` are in
//! the bottom border, hidden ones dimmed and struck through.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthChar;

use crate::tui::app::App;
use crate::tui::logs::{Entry, LogView, TimeFormat};
use crate::tui::style::Styles;

/// One colour per service, by its number.
fn palette(s: &Styles) -> [Style; 5] {
    [s.accent, s.info, s.success, s.warning, s.highlight]
}

/// How the entries of one frame are drawn.
struct Layout<'a> {
    logs: &'a LogView,
    s: &'a Styles,
    /// Service names' width (0: no service prefix).
    name_width: usize,
    with_date: bool,
    /// Columns of the whole inner width.
    width: usize,
    /// The exit code of an instance, when known.
    exit: &'a dyn Fn(&str) -> Option<i64>,
    /// Number of the entry that ends the last service's log.
    last_end: Option<u64>,
}

impl Layout<'_> {
    fn service_style(&self, instance: &str) -> Style {
        let i = self
            .logs
            .services
            .iter()
            .position(|s| **s == *instance)
            .unwrap_or(0);
        palette(self.s)[i % 5]
    }

    /// The rows of one entry.
    fn rows(&self, number: u64, entry: &Entry) -> Vec<Line<'static>> {
        let s = self.s;
        let mut prefix = Vec::new();
        if self.name_width > 0 {
            prefix.push(Span::styled(
                format!("{:w$} │ ", entry.instance(), w = self.name_width),
                self.service_style(entry.instance()),
            ));
        }
        let line = match entry {
            Entry::Ended(instance) => {
                let code = (self.exit)(instance)
                    .map(|c| format!(" (exit {c})"))
                    .unwrap_or_default();
                let all = if self.last_end == Some(number) && self.logs.all_ended() {
                    " · every service's log ended"
                } else {
                    ""
                };
                prefix.push(Span::styled(
                    format!("── {instance} ended{code}{all} ──"),
                    s.muted,
                ));
                return vec![Line::from(prefix)];
            }
            Entry::Line(line) => line,
        };
        let stamp = self.logs.stamp(&line.timestamp, self.with_date);
        if !stamp.is_empty() {
            prefix.push(Span::styled(format!("{stamp} "), s.muted));
        }
        let used: usize = prefix.iter().map(|p| p.width()).sum();
        let text_width = self.width.saturating_sub(used).max(8);
        let style = if self.logs.matched == Some(number) {
            s.selected
        } else if self.logs.is_match(line) {
            s.highlight
        } else if line.stderr {
            s.warning
        } else {
            s.base
        };
        if self.logs.wrap {
            let mut rows = Vec::new();
            for (k, piece) in pieces(&line.text, text_width).into_iter().enumerate() {
                let mut spans = if k == 0 {
                    prefix.clone()
                } else {
                    vec![Span::raw(" ".repeat(used))]
                };
                spans.push(Span::styled(piece, style));
                rows.push(Line::from(spans));
            }
            return rows;
        }
        let (text, before, after) = window(&line.text, self.logs.hscroll, text_width);
        if before {
            prefix.push(Span::styled("‹", s.muted));
        }
        prefix.push(Span::styled(text, style));
        if after {
            prefix.push(Span::styled("›", s.muted));
        }
        vec![Line::from(prefix)]
    }
}

/// `text` cut into pieces of at most `width` columns (one empty piece for
/// an empty text).
pub fn pieces(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width && used > 0 {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
        used += w;
    }
    out
}

/// The part of `text` seen `from` columns on in `width` columns, and
/// whether it goes on before and after: a column at each end is given to
/// the `‹`/`›` marks then.
pub fn window(text: &str, from: usize, width: usize) -> (String, bool, bool) {
    let before = from > 0 && !text.is_empty();
    let mut col = 0;
    let mut out = String::new();
    let mut used = 0;
    let room = width.saturating_sub(usize::from(before));
    let mut after = false;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if col < from {
            col += w;
            continue;
        }
        if used + w > room {
            after = true;
            break;
        }
        out.push(c);
        used += w;
    }
    if after {
        // room for the mark
        while used + 1 > room {
            match out.pop() {
                Some(c) => used -= c.width().unwrap_or(0),
                None => break,
            }
        }
    }
    (out, before, after)
}

pub fn draw_logs(frame: &mut Frame<'_>, app: &mut App, area: Rect) {
    let inner_height = usize::from(area.height.saturating_sub(2));
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let data = &app.data;
    let s = &app.styles;
    let Some(logs) = app.logs.as_mut() else {
        return;
    };
    let name_width = if logs.merged() {
        logs.services
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
    } else {
        0
    };
    let stamp_width = match logs.time {
        TimeFormat::Off => 0,
        TimeFormat::Short => 9,
        TimeFormat::Full => 31,
    };
    logs.text_width =
        inner_width.saturating_sub(name_width + 3 * usize::from(name_width > 0) + stamp_width);
    let logs: &LogView = logs;
    let execution = logs.execution.clone();
    let exit = move |instance: &str| {
        data.executions
            .iter()
            .find(|e| e.id == execution)
            .and_then(|e| e.instances.iter().find(|i| i.instance == instance))
            .and_then(|i| i.exit_code)
    };
    let layout = Layout {
        logs,
        s,
        name_width,
        with_date: logs.time == TimeFormat::Short && logs.spans_days(),
        width: inner_width,
        exit: &exit,
        last_end: logs
            .lines
            .iter()
            .rposition(|e| matches!(e, Entry::Ended(_)))
            .map(|i| logs.dropped + i as u64),
    };
    let rows = visible_rows(&layout, inner_height);
    let block = Block::bordered()
        .border_style(s.muted)
        .style(s.base)
        .title(title(logs, s))
        .title_bottom(services_line(logs, s));
    frame.render_widget(Paragraph::new(rows).block(block), area);
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

/// The rows on screen: from the top position, or (following) the last
/// `height` rows.
fn visible_rows(layout: &Layout<'_>, height: usize) -> Vec<Line<'static>> {
    let logs = layout.logs;
    let n = logs.shown_len();
    if logs.follow {
        let mut rows: Vec<Line<'static>> = Vec::new();
        for i in (0..n).rev() {
            let Some(number) = logs.number_at(i) else {
                break;
            };
            let Some(entry) = logs.entry(number) else {
                break;
            };
            let mut these = layout.rows(number, entry);
            these.append(&mut rows);
            rows = these;
            if rows.len() >= height {
                break;
            }
        }
        let extra = rows.len().saturating_sub(height);
        rows.drain(..extra);
        return rows;
    }
    let mut rows = Vec::new();
    for i in logs.first_visible(height)..n {
        let Some(number) = logs.number_at(i) else {
            break;
        };
        let Some(entry) = logs.entry(number) else {
            break;
        };
        rows.extend(layout.rows(number, entry));
        if rows.len() >= height {
            break;
        }
    }
    rows.truncate(height);
    rows
}

fn title(logs: &LogView, s: &Styles) -> Line<'static> {
    let mut flags = [
        if logs.all_ended() {
            "ended"
        } else if logs.follow {
            "follow"
        } else {
            "paused"
        },
        if logs.wrap { "wrap" } else { "nowrap" },
        logs.time.label(),
    ]
    .join(" ");
    if !logs.wrap && logs.hscroll > 0 {
        flags.push_str(&format!(" →{}", logs.hscroll));
    }
    let mut spans = vec![Span::styled(
        format!(
            " logs {}{} [{flags}] ",
            logs.execution,
            logs.service
                .as_deref()
                .map(|s| format!(" {s}"))
                .unwrap_or_default()
        ),
        s.title,
    )];
    if logs.filter.active() || !logs.hidden.is_empty() {
        let (shown, total) = logs.counter();
        let what = if logs.filter.active() {
            format!(" /{}/ ", logs.filter.text)
        } else {
            " ".to_string()
        };
        spans.push(Span::styled(
            format!("{what}{shown}/{total} lines "),
            s.highlight,
        ));
    }
    if logs.dropped > 0 {
        spans.push(Span::styled(
            format!(" {} old lines dropped ", logs.dropped),
            s.muted,
        ));
    }
    Line::from(spans)
}

/// `1 worker0  2 worker1 …` in the services' colours, hidden ones struck.
fn services_line(logs: &LogView, s: &Styles) -> Line<'static> {
    if !logs.merged() || logs.services.len() < 2 {
        return Line::default();
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, name) in logs.services.iter().enumerate() {
        let style = if logs.hidden.contains(name) {
            s.muted.add_modifier(Modifier::CROSSED_OUT)
        } else {
            palette(s)[i % 5]
        };
        let key = if i < 9 {
            format!("{} ", i + 1)
        } else {
            String::new()
        };
        let hidden = if logs.hidden.contains(name) {
            " (hidden)"
        } else {
            ""
        };
        spans.push(Span::styled(format!("{key}{name}{hidden}"), style));
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_in_pieces_of_the_width() {
        assert_eq!(pieces("abcdefg", 3), ["abc", "def", "g"]);
        assert_eq!(pieces("", 3), [""]);
        // a wide character never straddles two rows
        assert_eq!(pieces("ab漢c", 3), ["ab", "漢c"]);
    }

    #[test]
    fn a_window_on_a_long_line_marks_what_goes_on() {
        assert_eq!(
            window("0123456789", 0, 20),
            ("0123456789".into(), false, false)
        );
        // cut on the right: the last column is the mark's
        assert_eq!(window("0123456789", 0, 5), ("0123".into(), false, true));
        // scrolled: a column for the mark on the left too
        assert_eq!(window("0123456789", 4, 5), ("456".into(), true, true));
        assert_eq!(window("0123456789", 6, 5), ("6789".into(), true, false));
        assert_eq!(window("", 6, 5), (String::new(), false, false));
    }
}
