//! The nodes view: per-host capacity (reserved by ZApps and in use),
//! online or not and why, the ZApp instances on the selected host, and the
//! queue of executions waiting for room. Its keys are the global ones
//! (move, switch view); `/` from here filters the shop.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use super::block;
use crate::model::{ExecutionStatus, format_bytes, format_cores};
use crate::tui::app::App;
use crate::tui::data::ExecutionRow;

/// The nodes view's own state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodesState {
    pub selected: usize,
}

pub fn move_by(app: &mut App, delta: isize) {
    let rows = app.data.nodes.len();
    super::step(&mut app.nodes.selected, delta, rows);
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

pub fn draw_nodes(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let wide = area.width >= 120;
    let gauge = if wide { 16 } else { 6 };
    let offline: Vec<_> = app
        .data
        .nodes
        .iter()
        .filter_map(|n| n.error.as_ref().map(|e| (n.name.as_str(), e.as_str())))
        .collect();
    let table_height = (app.data.nodes.len() as u16 + 3).max(4);
    let [table_area, below, totals_area] = Layout::vertical([
        Constraint::Length(table_height),
        Constraint::Min(0),
        Constraint::Length(1 + offline.len() as u16),
    ])
    .areas(area);
    draw_node_details(frame, app, below);
    let rows: Vec<Row> = app
        .data
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
    let title = format!(" nodes ({}) ", app.data.nodes.len());
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(app.styles.accent))
        .block(block(app, title))
        .row_highlight_style(app.styles.selected);
    let mut state = TableState::default()
        .with_selected((!app.data.nodes.is_empty()).then_some(app.nodes.selected));
    frame.render_stateful_widget(table, table_area, &mut state);
    let online: Vec<_> = app.data.nodes.iter().filter(|n| n.is_online()).collect();
    let totals = format!(
        " cluster: {} of {} online · {} / {} cores · {} / {} memory reserved",
        online.len(),
        app.data.nodes.len(),
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
    let node = app.data.nodes.get(app.nodes.selected);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(n) = node {
        for c in &n.services {
            let style = if c.state == crate::model::BackendState::Started {
                s.success
            } else {
                s.muted
            };
            lines.push(Line::from(vec![
                Span::raw(format!("{:<16}{:<12}", c.instance, c.execution_id)),
                Span::styled(format!("{:<9}", c.engine_status), style),
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
            let kind = match f.kind {
                crate::model::ForeignKind::ZoeMaster => "Zoe master",
                other => other.as_str(),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{:<28}", f.name), s.warning),
                Span::styled(format!("foreign ({kind}): "), s.warning),
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
    let waiting: Vec<&ExecutionRow> = app
        .data
        .executions
        .iter()
        .filter(|e| e.status == ExecutionStatus::Queued)
        .collect();
    let mut lines: Vec<Line> = Vec::new();
    for e in &waiting {
        lines.push(Line::from(vec![
            Span::styled(format!("{} {} ", e.id, e.name), s.warning),
            Span::styled(app.age(e.submitted), s.muted),
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
