//! Drawing of the action panels: the start form with its live placement
//! preview, launch progress, the inspect pane, confirmations, and the log
//! view (only the visible window of the buffer is touched).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::app::{App, Mode, Pending};
use super::form::Preview;

fn block<'a>(app: &App, title: String) -> Block<'a> {
    Block::bordered()
        .border_style(app.styles.muted)
        .title(Span::styled(title, app.styles.title))
        .style(app.styles.base)
}

/// A centered rectangle of at most `width` × `height`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (w, h) = (width.min(area.width), height.min(area.height));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

pub fn draw_form(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(form) = &app.form else { return };
    let s = &app.styles;
    let wide = area.width >= 120;
    let [fields_area, preview_area] = if wide {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area)
    } else {
        Layout::vertical([Constraint::Min(6), Constraint::Length(7)]).areas(area)
    };
    let mut lines = Vec::new();
    let label_width = form
        .fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(10)
        .min(28);
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label: String = f.label.chars().take(label_width).collect();
        let mut spans = vec![Span::styled(
            format!(
                "{}{label:<label_width$} ",
                if focused { "▶ " } else { "  " }
            ),
            if focused { s.accent } else { s.muted },
        )];
        if focused {
            // the cursor where tui-input has it
            let chars: Vec<char> = f.value().chars().collect();
            let at = f.input.cursor().min(chars.len());
            let before: String = chars[..at].iter().collect();
            let under: String = chars.get(at).map_or(" ".to_string(), |c| c.to_string());
            let after: String = chars
                .get(at + 1..)
                .map(|r| r.iter().collect())
                .unwrap_or_default();
            spans.push(Span::styled(before, s.highlight));
            spans.push(Span::styled(under, s.selected));
            spans.push(Span::styled(after, s.highlight));
        } else {
            spans.push(Span::styled(f.value().to_string(), s.base));
        }
        if let Some((min, max, _)) = f.int {
            spans.push(Span::styled(format!("  {min}..{max} (+/-)"), s.muted));
        }
        lines.push(Line::from(spans));
        if let Some(error) = &f.error {
            lines.push(Line::from(Span::styled(format!("    {error}"), s.error)));
        }
    }
    for g in &form.general {
        lines.push(Line::from(Span::styled(g.clone(), s.error)));
    }
    // keep the focused field on screen
    let focus_line = lines
        .iter()
        .position(|l| {
            l.spans
                .first()
                .is_some_and(|sp| sp.content.starts_with('▶'))
        })
        .unwrap_or(0);
    let visible = usize::from(fields_area.height.saturating_sub(2));
    let scroll = focus_line.saturating_sub(visible.saturating_sub(2)) as u16;
    let title = format!(
        " start {} — enter launches, esc cancels, tab moves ",
        form.entry_name
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(app, title))
            .scroll((scroll, 0)),
        fields_area,
    );

    let preview: Vec<Line> = match &form.preview {
        Preview::Invalid => vec![Line::from(Span::styled(
            "fix the fields in red to see where it would run",
            s.muted,
        ))],
        Preview::NoNodes => vec![Line::from(Span::styled(
            "waiting for the hosts to answer…",
            s.muted,
        ))],
        Preview::NoRoom(why) => why
            .lines()
            .map(|l| Line::from(Span::styled(l.to_string(), s.warning)))
            .collect(),
        Preview::Fits { placed, later } => {
            let mut out: Vec<Line> = placed
                .iter()
                .map(|(instance, node, essential)| {
                    Line::from(vec![
                        Span::styled(
                            format!("{instance:<16}"),
                            if *essential { s.base } else { s.muted },
                        ),
                        Span::styled(format!("→ {node}"), s.success),
                    ])
                })
                .collect();
            out.extend(later.iter().map(|i| {
                Line::from(Span::styled(
                    format!("{i:<16}  later: no room now (elastic)"),
                    s.warning,
                ))
            }));
            out
        }
    };
    let title = match &form.preview {
        Preview::Fits { placed, later } if later.is_empty() => {
            format!(" placement preview: {} instances ", placed.len())
        }
        Preview::Fits { placed, later } => format!(
            " placement preview: {} now, {} later ",
            placed.len(),
            later.len()
        ),
        _ => " placement preview ".to_string(),
    };
    frame.render_widget(
        Paragraph::new(preview)
            .block(block(app, title))
            .wrap(Wrap { trim: false }),
        preview_area,
    );
}

pub fn draw_launch(frame: &mut Frame<'_>, app: &App, area: Rect) {
    if app.launch.is_empty() {
        return;
    }
    let height = (app.launch.len() as u16 + 2)
        .min(area.height / 2)
        .max(3)
        .min(area.height);
    let rect = Rect {
        x: area.x,
        y: area.y + area.height - height,
        width: area.width,
        height,
    };
    let lines: Vec<Line> = app
        .launch
        .iter()
        .map(|(instance, host, state)| {
            let style = if state.starts_with("failed") {
                app.styles.error
            } else if state == "running" {
                app.styles.success
            } else {
                app.styles.info
            };
            Line::from(vec![
                Span::raw(format!("{instance:<18}{host:<12}")),
                Span::styled(state.clone(), style),
            ])
        })
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(block(app, " launching ".into())),
        rect,
    );
}

pub fn draw_inspect(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(row) = app.selected_execution() else {
        return;
    };
    let s = &app.styles;
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} `{}` ", row.id, row.name), s.title),
        Span::styled(row.status.to_string(), s.accent),
        Span::styled(format!("  of {} by {}", row.entry, row.owner), s.muted),
    ])];
    if !row.reason.is_empty() {
        lines.push(Line::from(Span::styled(row.reason.clone(), s.warning)));
    }
    for (instance, name, url) in &row.endpoints {
        lines.push(Line::from(vec![
            Span::styled(format!("{instance} {name}: "), s.muted),
            Span::styled(url.clone(), s.highlight),
        ]));
    }
    for i in &row.instances {
        let ports: Vec<String> = i.ports.iter().map(|(k, p)| format!("{k}→{p}")).collect();
        let exit = if i.state == crate::backend::BackendState::Started {
            String::new()
        } else {
            i.exit_code
                .map(|c| format!(" exit {c}"))
                .unwrap_or_default()
        };
        lines.push(Line::from(vec![
            Span::raw(format!(
                "  {:<16}{:<10}{:<14}",
                i.instance,
                if i.essential { "essential" } else { "elastic" },
                i.host
            )),
            Span::styled(
                format!("{}{exit}", i.docker_status),
                if i.state == crate::backend::BackendState::Started {
                    s.success
                } else {
                    s.warning
                },
            ),
            Span::styled(format!("  {} {}", i.container, ports.join(" ")), s.muted),
            Span::styled(
                row.restarts
                    .iter()
                    .find(|(n, _)| *n == i.instance)
                    .map(|(_, c)| format!("  restarted {c}×"))
                    .unwrap_or_default(),
                s.warning,
            ),
        ]));
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect {
        x: area.x,
        y: area.y + area.height - height,
        width: area.width,
        height,
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(
                app,
                " inspect — l logs, t terminate, r relaunch ".into(),
            ))
            .wrap(Wrap { trim: false }),
        rect,
    );
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
        Paragraph::new(text).block(block(app, " confirm ".into())),
        rect,
    );
}

pub fn draw_logs(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(logs) = &app.logs else { return };
    let s = &app.styles;
    let inner_height = usize::from(area.height.saturating_sub(2));
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let prefix = |l: &crate::backend::docker::logs::LogLine| {
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
    let mut paragraph = Paragraph::new(lines).block(block(app, title));
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
