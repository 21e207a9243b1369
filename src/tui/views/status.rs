//! The frame's edges: the header (who, where, backend health, views) and
//! the status line (the keys that work here, the line being typed,
//! messages).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, Mode, View};
use crate::tui::keymap::Command;

pub fn draw_header(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let s = &app.styles;
    let online = app.data.nodes.iter().filter(|n| n.is_online()).count();
    let health = if app.data.loading {
        Span::styled("connecting…", s.info)
    } else if online == app.data.nodes.len() {
        Span::styled(
            format!("{online}/{} hosts online", app.data.nodes.len()),
            s.success,
        )
    } else {
        Span::styled(
            format!("{online}/{} hosts online", app.data.nodes.len()),
            s.error,
        )
    };
    let mut spans = vec![
        Span::styled(" zoe ", s.title),
        Span::styled(format!("{}@{} ", app.user, app.deployment), s.base),
        health,
        Span::raw("  "),
    ];
    for (i, view) in [View::Shop, View::Executions, View::Nodes]
        .into_iter()
        .enumerate()
    {
        let style = if view == app.view {
            s.selected
        } else {
            s.muted
        };
        spans.push(Span::styled(format!(" {} {} ", i + 1, view.title()), style));
    }
    if app.readonly {
        spans.push(Span::styled(" read-only ", s.warning));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn hint(app: &App, command: Command, label: &str) -> Vec<Span<'static>> {
    vec![
        Span::styled(app.keymap.first_key(command), app.styles.accent),
        Span::styled(format!(" {label}  "), app.styles.muted),
    ]
}

fn key_hint(app: &App, key: &str, label: &str) -> Vec<Span<'static>> {
    vec![
        Span::styled(key.to_string(), app.styles.accent),
        Span::styled(format!(" {label}  "), app.styles.muted),
    ]
}

pub fn draw_status(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let s = &app.styles;
    let line = match app.mode {
        Mode::Filter => {
            let text = if app.view == View::Executions {
                &app.executions.filter
            } else {
                &app.shop.filter
            };
            Line::from(vec![
                Span::styled("/", s.accent),
                Span::styled(format!("{text}▏"), s.highlight),
            ])
        }
        Mode::Command => Line::from(vec![
            Span::styled(":", s.accent),
            Span::styled(format!("{}▏", app.command), s.highlight),
        ]),
        Mode::LogSearch => {
            let text = app
                .logs
                .as_ref()
                .map(|l| l.search.clone())
                .unwrap_or_default();
            Line::from(vec![
                Span::styled("search /", s.accent),
                Span::styled(format!("{text}▏"), s.highlight),
            ])
        }
        _ => match &app.message {
            Some((text, true)) => Line::from(Span::styled(text.clone(), s.error)),
            Some((text, false)) => Line::from(Span::styled(text.clone(), s.info)),
            None => {
                let mut spans = Vec::new();
                let act = !app.readonly;
                match app.view {
                    _ if app.mode == Mode::Form => {
                        spans.extend(key_hint(app, "tab", "next field"));
                        spans.extend(key_hint(app, "+/-", "step"));
                        spans.extend(key_hint(app, "enter", "launch"));
                        spans.extend(key_hint(app, "esc", "cancel"));
                    }
                    View::Shop if app.shop.detail => {
                        spans.extend(hint(app, Command::Back, "back"));
                        spans.extend(hint(app, Command::Down, "scroll"));
                        if act {
                            spans.extend(key_hint(app, "s", "start"));
                        }
                    }
                    View::Shop => {
                        spans.extend(hint(app, Command::Filter, "filter"));
                        spans.extend(hint(app, Command::Open, "open"));
                        if act {
                            spans.extend(key_hint(app, "s", "start"));
                        }
                    }
                    View::Executions => {
                        spans.extend(hint(app, Command::Filter, "filter"));
                        spans.extend(key_hint(app, "o", "sort"));
                        spans.extend(key_hint(app, "a", "mine/all"));
                        spans.extend(hint(app, Command::Open, "inspect"));
                        spans.extend(key_hint(app, "l", "logs"));
                        if act {
                            spans.extend(key_hint(app, "t", "terminate"));
                            spans.extend(key_hint(app, "r", "relaunch"));
                        }
                    }
                    View::Logs => {
                        spans.extend(key_hint(app, "f", "follow"));
                        spans.extend(key_hint(app, "w", "wrap"));
                        spans.extend(key_hint(app, "t", "time"));
                        spans.extend(hint(app, Command::Filter, "search"));
                        spans.extend(key_hint(app, "n/N", "next/prev"));
                        spans.extend(key_hint(app, "s", "save"));
                        spans.extend(hint(app, Command::Back, "back"));
                    }
                    View::Nodes => {}
                }
                if app.mode != Mode::Form && app.view != View::Logs {
                    spans.extend(hint(app, Command::NextView, "next view"));
                }
                spans.extend(hint(app, Command::CommandMode, "command"));
                spans.extend(hint(app, Command::Help, "help"));
                spans.extend(hint(app, Command::Quit, "quit"));
                Line::from(spans)
            }
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}
