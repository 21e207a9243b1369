//! Drawing: a header (who, where, backend health, views), the current view,
//! and a status line (keys that work here, the filter, `:` commands,
//! messages). Only visible rows are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use super::app::{App, Mode, View};
use super::keymap::Command;
use super::panels::{draw_confirm, draw_form, draw_inspect, draw_launch, draw_logs};
use crate::model::{ExecutionStatus, format_bytes, format_cores};
use crate::shop::{Entry, ParamType};

pub fn draw(frame: &mut Frame<'_>, app: &mut App) {
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(Block::new().style(app.styles.base), frame.area());
    draw_header(frame, app, header);
    app.page = usize::from(body.height.saturating_sub(3));
    match app.view {
        _ if app.mode == Mode::Form => draw_form(frame, app, body),
        View::Shop if app.detail => draw_entry(frame, app, body),
        View::Shop => draw_shop(frame, app, body),
        View::Executions => {
            draw_executions(frame, app, body);
            if app.inspect {
                draw_inspect(frame, app, body);
            }
        }
        View::Nodes => draw_nodes(frame, app, body),
        View::Logs => draw_logs(frame, app, body),
    }
    draw_launch(frame, app, body);
    draw_status(frame, app, status);
    draw_confirm(frame, app);
    if app.mode == Mode::Help {
        draw_help(frame, app);
    }
}

fn draw_header(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let s = &app.styles;
    let online = app.nodes.iter().filter(|n| n.is_online()).count();
    let health = if app.loading {
        Span::styled("connecting…", s.info)
    } else if online == app.nodes.len() {
        Span::styled(
            format!("{online}/{} hosts online", app.nodes.len()),
            s.success,
        )
    } else {
        Span::styled(
            format!("{online}/{} hosts online", app.nodes.len()),
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

fn draw_status(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let s = &app.styles;
    let line = match app.mode {
        Mode::Filter => {
            let text = if app.view == View::Executions {
                &app.executions_filter
            } else {
                &app.filter
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
                    View::Shop if app.detail => {
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

fn block<'a>(app: &App, title: String) -> Block<'a> {
    Block::bordered()
        .border_style(app.styles.muted)
        .title(Span::styled(title, app.styles.title))
}

fn draw_shop(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let entries = app.visible_entries();
    let wide = area.width >= 120;
    let [list_area, preview] = if wide {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area)
    } else {
        [area, Rect::default()]
    };
    let title = if app.filter.is_empty() {
        format!(" shop ({}) ", entries.len())
    } else {
        format!(
            " shop ({} of {}) /{} ",
            entries.len(),
            app.shop().entries.len(),
            app.filter
        )
    };
    let rows: Vec<Row> = entries
        .iter()
        .map(|e| {
            let d = &e.description;
            let memory = d.memory_demand();
            Row::new(vec![
                Cell::from(e.category_label().to_string()).style(app.styles.muted),
                Cell::from(e.name_label().to_string()),
                Cell::from(d.total_instances().to_string()),
                Cell::from(format_bytes(memory)),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(14),
            Constraint::Min(16),
            Constraint::Length(4),
            Constraint::Length(10),
        ],
    )
    .header(Row::new(["CATEGORY", "NAME", "SVC", "MEMORY"]).style(app.styles.accent))
    .block(block(app, title))
    .row_highlight_style(app.styles.selected);
    let mut state =
        TableState::default().with_selected((!entries.is_empty()).then_some(app.shop_selected));
    frame.render_stateful_widget(table, list_area, &mut state);
    if entries.is_empty() {
        let inner = Rect {
            x: list_area.x + 2,
            y: list_area.y + 2,
            width: list_area.width.saturating_sub(4),
            height: 1,
        };
        let text = if app.shop().entries.is_empty() {
            "the shop has no usable entries (zoe shop check says why)"
        } else {
            "nothing matches the filter"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, app.styles.muted)), inner);
    }
    if wide && let Some(entry) = entries.get(app.shop_selected) {
        let text = entry_text(app, entry);
        frame.render_widget(
            Paragraph::new(text)
                .block(block(app, format!(" {} ", entry.id)))
                .wrap(Wrap { trim: false }),
            preview,
        );
    }
}

fn draw_entry(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(entry) = app.selected_entry() else {
        return;
    };
    let text = entry_text(app, entry);
    let paragraph = Paragraph::new(text)
        .block(block(app, format!(" {} ({}) ", entry.name, entry.id)))
        .wrap(Wrap { trim: false })
        .scroll((app.detail_scroll, 0));
    frame.render_widget(paragraph, area);
}

/// An entry's detail: what it runs, with what, its parameters and README.
fn entry_text(app: &App, entry: &Entry) -> Text<'static> {
    let s = &app.styles;
    let d = &entry.description;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(entry.name_label().to_string(), s.title),
            Span::styled(format!("  {}", entry.category_label()), s.muted),
        ]),
        Line::from(Span::styled(
            format!(
                "{} · size {}",
                if d.will_end {
                    "batch job, ends on its own"
                } else {
                    "interactive, runs until terminated"
                },
                d.size
            ),
            s.muted,
        )),
        Line::default(),
        Line::from(Span::styled("SERVICES", s.accent)),
    ];
    for g in &d.services {
        let count = if g.elastic_count() > 0 {
            format!("{} ({} elastic)", g.total_count, g.elastic_count())
        } else {
            g.total_count.to_string()
        };
        let ports: Vec<String> = g.ports.iter().map(|p| p.key()).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<14}", g.name), s.highlight),
            Span::raw(format!(
                " ×{count}  {}  {} cores  {}",
                g.resources
                    .memory
                    .min
                    .map_or_else(|| "no limit".into(), format_bytes),
                format_cores(g.cores_min()),
                ports.join(",")
            )),
        ]));
        lines.push(Line::from(Span::styled(
            format!("    {}", g.image),
            s.muted,
        )));
    }
    if !entry.parameters.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled("PARAMETERS", s.accent)));
        for p in &entry.parameters {
            let range = match p.value_type {
                ParamType::Int { min, max, .. } => format!(" ({min}..{max})"),
                ParamType::String => String::new(),
            };
            let default = p.default.clone().unwrap_or_else(|| "required".into());
            lines.push(Line::from(vec![
                Span::styled(format!("  {}", p.readable_name), s.highlight),
                Span::raw(format!(" = {default}{range}")),
            ]));
        }
    }
    lines.push(Line::default());
    match &entry.readme {
        Some(readme) => lines.extend(super::markdown::render(readme, s)),
        None => lines.push(Line::from(Span::styled("(README missing)", s.warning))),
    }
    Text::from(lines)
}

fn status_style(app: &App, status: ExecutionStatus) -> Style {
    match status {
        ExecutionStatus::Running => app.styles.success,
        ExecutionStatus::Error => app.styles.error,
        ExecutionStatus::Queued | ExecutionStatus::CleaningUp => app.styles.warning,
        ExecutionStatus::Submitted | ExecutionStatus::Starting => app.styles.info,
        ExecutionStatus::Terminated => app.styles.muted,
    }
}

fn draw_executions(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let wide = area.width >= 120;
    let very_wide = area.width >= 150;
    let visible = app.visible_executions();
    let rows: Vec<Row> = visible
        .iter()
        .map(|e| {
            let mut cells = vec![
                Cell::from(e.id.clone()),
                Cell::from(e.name.clone()),
                Cell::from(Span::styled(
                    e.status.to_string(),
                    status_style(app, e.status),
                )),
                Cell::from(e.up.clone()),
                Cell::from(e.age.clone()),
            ];
            if wide {
                cells.insert(2, Cell::from(e.entry.clone()));
                cells.insert(3, Cell::from(e.owner.clone()));
                cells.push(Cell::from(e.hosts.clone()));
                let url = e
                    .endpoints
                    .first()
                    .map(|(_, _, url)| url.clone())
                    .unwrap_or_default();
                cells.push(Cell::from(Span::styled(url, app.styles.highlight)));
            }
            cells.push(Cell::from(Span::styled(e.reason.clone(), app.styles.muted)));
            Row::new(cells)
        })
        .collect();
    let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
        let mut header = vec![
            "ID", "NAME", "ENTRY", "OWNER", "STATUS", "UP", "AGE", "HOSTS",
        ];
        let mut widths = vec![
            Constraint::Length(11),
            Constraint::Length(16),
            Constraint::Length(18),
            Constraint::Length(10),
            Constraint::Length(11),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(14),
        ];
        if very_wide {
            header.push("ENDPOINT");
            widths.push(Constraint::Length(26));
        }
        header.push("REASON");
        widths.push(Constraint::Min(10));
        (header, widths)
    } else {
        (
            vec!["ID", "NAME", "STATUS", "UP", "AGE", "REASON"],
            vec![
                Constraint::Length(11),
                Constraint::Length(14),
                Constraint::Length(11),
                Constraint::Length(5),
                Constraint::Length(5),
                Constraint::Min(8),
            ],
        )
    };
    let mut title = format!(" executions ({}", visible.len());
    if visible.len() != app.executions.len() {
        title.push_str(&format!(" of {}", app.executions.len()));
    }
    title.push_str(&format!(
        ") {} · sorted by {}",
        if app.show_all { "everybody's" } else { "mine" },
        app.executions_sort.label()
    ));
    if !app.executions_filter.is_empty() {
        title.push_str(&format!(" · /{}", app.executions_filter));
    }
    title.push(' ');
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(app.styles.accent))
        .block(block(app, title))
        .row_highlight_style(app.styles.selected);
    let mut state = TableState::default()
        .with_selected((!app.executions.is_empty()).then_some(app.executions_selected));
    frame.render_stateful_widget(table, area, &mut state);
    if app.executions.is_empty() {
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1,
        };
        let text = if app.loading {
            "asking the hosts…"
        } else {
            "no executions: pick a ZApp in the shop (1)"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, app.styles.muted)), inner);
    }
}

/// `████░░░░` with `width` cells for `used` of `total`.
pub fn bar(used: f64, total: f64, width: usize) -> String {
    let ratio = if total > 0.0 {
        (used / total).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let full = (ratio * width as f64).round() as usize;
    format!("{}{}", "█".repeat(full), "░".repeat(width - full))
}

fn draw_nodes(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let wide = area.width >= 120;
    let gauge = if wide { 16 } else { 6 };
    let offline: Vec<_> = app
        .nodes
        .iter()
        .filter_map(|n| n.error.as_ref().map(|e| (n.name.as_str(), e.as_str())))
        .collect();
    let table_height = (app.nodes.len() as u16 + 3).max(4);
    let [table_area, below, totals_area] = Layout::vertical([
        Constraint::Length(table_height),
        Constraint::Min(0),
        Constraint::Length(1 + offline.len() as u16),
    ])
    .areas(area);
    draw_node_details(frame, app, below);
    let rows: Vec<Row> = app
        .nodes
        .iter()
        .map(|n| {
            if let Some(error) = &n.error {
                return Row::new(vec![
                    Cell::from(n.name.clone()),
                    Cell::from(Span::styled("offline", app.styles.error)),
                    Cell::from(Span::styled(
                        if error.is_empty() { "" } else { "see below" },
                        app.styles.muted,
                    )),
                ]);
            }
            let state = if n.labels.iter().any(|l| l == "disabled") {
                Span::styled("disabled", app.styles.warning)
            } else {
                Span::styled("online", app.styles.success)
            };
            let cores = format!(
                "{} {}/{}",
                bar(n.cores_reserved, n.cores_total, gauge),
                format_cores(n.cores_reserved),
                format_cores(n.cores_total)
            );
            let memory = format!(
                "{} {}/{}",
                bar(n.memory_reserved as f64, n.memory_total as f64, gauge),
                format_bytes(n.memory_reserved),
                format_bytes(n.memory_total)
            );
            let mut cells = vec![
                Cell::from(n.name.clone()),
                Cell::from(state),
                Cell::from(cores),
                Cell::from(memory),
                Cell::from(n.services.len().to_string()),
            ];
            if wide {
                let in_use = match (n.cores_in_use, n.memory_in_use) {
                    (Some(c), Some(m)) => format!(
                        "{} / {}",
                        format_cores((c * 100.0).round() / 100.0),
                        format_bytes(m)
                    ),
                    _ => "-".into(),
                };
                cells.push(Cell::from(in_use));
                cells.push(Cell::from(n.container_count.to_string()));
                cells.push(Cell::from(n.labels.join(",")));
            }
            Row::new(cells)
        })
        .collect();
    let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
        (
            vec![
                "NODE",
                "STATUS",
                "CORES RESERVED",
                "MEMORY RESERVED",
                "ZAPPS",
                "IN USE",
                "RUNNING",
                "LABELS",
            ],
            vec![
                Constraint::Length(12),
                Constraint::Length(9),
                Constraint::Length(28),
                Constraint::Length(40),
                Constraint::Length(6),
                Constraint::Length(20),
                Constraint::Length(8),
                Constraint::Min(8),
            ],
        )
    } else {
        (
            vec!["NODE", "STATUS", "CORES", "MEMORY", "ZAPPS"],
            vec![
                Constraint::Length(10),
                Constraint::Length(8),
                Constraint::Length(16),
                Constraint::Length(28),
                Constraint::Min(5),
            ],
        )
    };
    let title = format!(" nodes ({}) ", app.nodes.len());
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(app.styles.accent))
        .block(block(app, title))
        .row_highlight_style(app.styles.selected);
    let mut state =
        TableState::default().with_selected((!app.nodes.is_empty()).then_some(app.nodes_selected));
    frame.render_stateful_widget(table, table_area, &mut state);
    let online: Vec<_> = app.nodes.iter().filter(|n| n.is_online()).collect();
    let totals = format!(
        " cluster: {} of {} online · {} / {} cores · {} / {} memory reserved",
        online.len(),
        app.nodes.len(),
        format_cores(online.iter().map(|n| n.cores_reserved).sum()),
        format_cores(online.iter().map(|n| n.cores_total).sum()),
        format_bytes(online.iter().map(|n| n.memory_reserved).sum()),
        format_bytes(online.iter().map(|n| n.memory_total).sum()),
    );
    let mut lines = vec![Line::from(Span::styled(totals, app.styles.muted))];
    for (name, error) in offline {
        lines.push(Line::from(vec![
            Span::styled(format!(" {name}: "), app.styles.error),
            Span::styled(error.to_string(), app.styles.muted),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), totals_area);
}

/// Under the nodes: the ZApp instances on the selected node, and the queue
/// of executions waiting for room with the reason.
fn draw_node_details(frame: &mut Frame<'_>, app: &App, area: Rect) {
    if area.height < 3 {
        return;
    }
    let [here, queue] = if area.width >= 120 {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area)
    } else {
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area)
    };
    let s = &app.styles;
    let node = app.nodes.get(app.nodes_selected);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(n) = node {
        for c in &n.services {
            let style = if c.state == crate::backend::BackendState::Started {
                s.success
            } else {
                s.muted
            };
            lines.push(Line::from(vec![
                Span::raw(format!("{:<16}{:<12}", c.instance, c.execution_id)),
                Span::styled(format!("{:<9}", c.docker_status), style),
                Span::styled(
                    format!(
                        "{} {} cores",
                        format_bytes(c.memory_reserved),
                        format_cores(c.cores_reserved)
                    ),
                    s.muted,
                ),
            ]));
        }
        for f in &n.foreign {
            lines.push(Line::from(vec![
                Span::styled(format!("{:<28}", f.name), s.warning),
                Span::styled("foreign (bad labels): ", s.warning),
                Span::styled(f.reason.clone(), s.muted),
            ]));
        }
        if n.services.is_empty() && n.foreign.is_empty() {
            lines.push(Line::from(Span::styled(
                if n.is_online() {
                    "no ZApp instances"
                } else {
                    "offline"
                },
                s.muted,
            )));
        }
    }
    let title = node.map_or(" instances ".to_string(), |n| {
        format!(" instances on {} ({}) ", n.name, n.services.len())
    });
    frame.render_widget(Paragraph::new(lines).block(block(app, title)), here);
    let waiting: Vec<&super::app::ExecutionRow> = app
        .executions
        .iter()
        .filter(|e| e.status == ExecutionStatus::Queued)
        .collect();
    let mut lines: Vec<Line> = Vec::new();
    for e in &waiting {
        lines.push(Line::from(vec![
            Span::styled(format!("{} {} ", e.id, e.name), s.warning),
            Span::styled(e.age.clone(), s.muted),
        ]));
        for why in e.reason.lines().take(3) {
            lines.push(Line::from(Span::styled(
                format!("  {}", why.trim()),
                s.muted,
            )));
        }
    }
    if waiting.is_empty() {
        lines.push(Line::from(Span::styled(
            "nothing is waiting for room",
            s.muted,
        )));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(app, format!(" queue ({}) ", waiting.len())))
            .wrap(Wrap { trim: false }),
        queue,
    );
}

fn draw_help(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    let width = area.width.min(64);
    let commands = app.keymap.commands();
    let height = (commands.len() as u16 + 4).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
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
        Paragraph::new(lines)
            .block(block(app, " keys (any key closes) ".into()).style(app.styles.base)),
        popup,
    );
}
