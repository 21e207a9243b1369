//! The nodes view: per-host capacity (reserved by ZApps and in use),
//! online or not and why, the ZApp instances on the selected host, and the
//! queue of executions waiting for room. Its keys are the global ones
//! (move, switch view); `/` from here filters the shop.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use super::block;
use crate::model::NodeSnapshot;
use crate::model::{ExecutionStatus, format_bytes, format_cores};
use crate::tui::app::{App, View};
use crate::tui::data::ExecutionRow;
use crate::tui::targets;

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
    // from 160 columns the long gauges; at 120 shorter ones, so every
    // column keeps its figures whole
    let roomy = area.width >= 160;
    let gauge = match (roomy, wide) {
        (true, _) => 16,
        (false, true) => 10,
        (false, false) => 6,
    };
    let offline: Vec<_> = app
        .data
        .nodes
        .iter()
        .filter_map(|n| n.error.as_ref().map(|e| (n.name.as_str(), e.as_str())))
        .collect();
    let groups = targets::groups(&app.data.nodes);
    // a heading per cluster (and one over the Docker hosts beside them)
    let headed = groups.iter().any(|g| !g.is_host());
    let mut rows: Vec<Row> = Vec::new();
    let mut row_of_node = vec![0; app.data.nodes.len()];
    let mut hosts_headed = false;
    // (row, text): drawn over the table's empty rows, across its columns
    let mut headings: Vec<(usize, String)> = Vec::new();
    for g in &groups {
        if g.is_host() && headed && !hosts_headed {
            hosts_headed = true;
            let hosts: Vec<_> = groups.iter().filter(|g| g.is_host()).collect();
            let online = hosts.iter().filter(|g| g.online > 0).count();
            headings.push((
                rows.len(),
                format!("Docker hosts · {online}/{} online", hosts.len()),
            ));
            rows.push(Row::new(Vec::<Cell>::new()));
        }
        if !g.is_host() {
            let kind = g.kind.as_deref().unwrap_or("target");
            headings.push((
                rows.len(),
                format!(
                    "{} · {kind} · {} · {}/{} nodes take work",
                    g.name,
                    g.where_(),
                    g.schedulable,
                    g.nodes.len()
                ),
            ));
            rows.push(Row::new(Vec::<Cell>::new()));
        }
        for &i in &g.nodes {
            row_of_node[i] = rows.len();
            rows.push(node_row(app, &app.data.nodes[i], wide, gauge, headed));
        }
    }
    let rows_count = rows.len();
    let table_height = (rows.len() as u16 + 3).max(4);
    let [table_area, below, totals_area] = Layout::vertical([
        Constraint::Length(table_height),
        Constraint::Min(0),
        Constraint::Length(1 + offline.len() as u16),
    ])
    .areas(area);
    draw_node_details(frame, app, below);
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
                Constraint::Length(if roomy { 28 } else { 20 }),
                Constraint::Length(if roomy { 40 } else { 28 }),
                Constraint::Length(6),
                Constraint::Length(if roomy { 20 } else { 16 }),
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
    let mut state =
        TableState::default().with_selected(row_of_node.get(app.nodes.selected).copied());
    frame.render_stateful_widget(table, table_area, &mut state);
    let mut items = vec![None; rows_count];
    for (node, row) in row_of_node.iter().enumerate() {
        if let Some(item) = items.get_mut(*row) {
            *item = Some(node);
        }
    }
    app.hits.borrow_mut().rows = Some(crate::tui::mouse::Rows {
        view: View::Nodes,
        area: crate::tui::mouse::table_rows(table_area),
        offset: state.offset(),
        items,
    });
    let inner = table_area.inner(ratatui::layout::Margin::new(1, 1));
    for (row, text) in headings {
        let Some(shown) = row.checked_sub(state.offset()) else {
            continue;
        };
        // below the column names
        let y = inner.y + 1 + shown as u16;
        if y < inner.bottom() {
            frame.render_widget(
                Paragraph::new(Span::styled(text, app.styles.accent)),
                Rect::new(inner.x, y, inner.width, 1),
            );
        }
    }
    let online: Vec<_> = app.data.nodes.iter().filter(|n| n.is_online()).collect();
    let totals = format!(
        " all targets: {} of {} nodes online · {}/{} cores · {}/{} memory taken",
        online.len(),
        app.data.nodes.len(),
        format_cores(online.iter().map(|n| cores_taken(n)).sum()),
        format_cores(online.iter().map(|n| n.cores_total).sum()),
        format_bytes(online.iter().map(|n| memory_taken(n)).sum()),
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
        lines.extend(cluster_lines(app, n));
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
                        "{} {}",
                        format_bytes(c.memory_reserved),
                        crate::model::text::cores(&format_cores(c.cores_reserved))
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
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(app, title))
            .wrap(Wrap { trim: false }),
        here,
    );
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

/// One node's row; under a heading, a cluster's node goes by its short
/// name, indented.
fn node_row(app: &App, n: &NodeSnapshot, wide: bool, gauge: usize, headed: bool) -> Row<'static> {
    let name = if headed {
        format!(" {}", targets::short_name(n))
    } else {
        n.name.clone()
    };

    if let Some(error) = &n.error {
        return Row::new(vec![
            Cell::from(name.clone()),
            Cell::from(Span::styled("offline", app.styles.error)),
            Cell::from(Span::styled(
                if error.is_empty() { "" } else { "see below" },
                app.styles.muted,
            )),
        ]);
    }
    let state = if n.labels.iter().any(|l| l == "disabled") {
        Span::styled("disabled", app.styles.warning)
    } else if n.detail.unschedulable.is_some() {
        Span::styled("no work", app.styles.warning)
    } else {
        Span::styled("online", app.styles.success)
    };
    let (cores_taken, memory_taken) = (cores_taken(n), memory_taken(n));
    let cores = format!(
        "{} {}/{}",
        bar(cores_taken, n.cores_total, gauge),
        format_cores(cores_taken),
        format_cores(n.cores_total)
    );
    let memory = format!(
        "{} {}/{}",
        bar(memory_taken as f64, n.memory_total as f64, gauge),
        format_bytes(memory_taken),
        format_bytes(n.memory_total)
    );
    let mut cells = vec![
        Cell::from(name.clone()),
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
        cells.push(Cell::from(shown_labels(n)));
    }
    Row::new(cells)
}

/// The labels column: a cluster node's roles and its own labels (not the
/// `kubernetes.io` ones every node has); a host's labels as they are.
fn shown_labels(n: &NodeSnapshot) -> String {
    if n.detail.target_kind.is_none() {
        return n.labels.join(",");
    }
    let own = n.labels.iter().filter(|l| {
        let key = l.split('=').next().unwrap_or_default();
        !key.contains("kubernetes.io/") && !key.contains("k8s.io/")
    });
    n.detail
        .roles
        .iter()
        .chain(own)
        .cloned()
        .collect::<Vec<_>>()
        .join(",")
}

/// What a cluster node tells beyond a host's figures: roles and taints,
/// why it takes no work, what every pod requested against what ZApps did,
/// and why the figures are partial. Nothing on a Docker host.
fn cluster_lines(app: &App, n: &NodeSnapshot) -> Vec<Line<'static>> {
    let s = &app.styles;
    let d = &n.detail;
    if d.target_kind.is_none() || !n.is_online() {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut about = Vec::new();
    if !d.roles.is_empty() {
        about.push(format!("roles {}", d.roles.join(",")));
    }
    if !d.taints.is_empty() {
        about.push(format!("taints {}", d.taints.join(",")));
    }
    if let Some(max) = d.max_workloads {
        about.push(format!("{}/{max} pods", n.container_count));
    }
    lines.push(Line::from(Span::styled(about.join(" · "), s.muted)));
    if let Some(why) = &d.unschedulable {
        lines.push(Line::from(vec![
            Span::styled("takes no work: ", s.warning),
            Span::styled(why.clone(), s.muted),
        ]));
    }
    if let (Some(cores), Some(memory)) = (d.cores_requested, d.memory_requested) {
        lines.push(Line::from(Span::styled(
            format!(
                "requested by all pods {} {} · by ZApps {} {}",
                crate::model::text::cores(&format_cores(cores)),
                format_bytes(memory),
                crate::model::text::cores(&format_cores(n.cores_reserved)),
                format_bytes(n.memory_reserved)
            ),
            s.muted,
        )));
    }
    if let Some(why) = &d.partial {
        lines.push(Line::from(vec![
            Span::styled("partial: ", s.warning),
            Span::styled(why.clone(), s.muted),
        ]));
    }
    lines
}

/// What placement counts as taken: on a cluster node every pod's requests,
/// on a host what ZApps reserved.
fn cores_taken(n: &NodeSnapshot) -> f64 {
    n.detail.cores_requested.unwrap_or(n.cores_reserved)
}

fn memory_taken(n: &NodeSnapshot) -> u64 {
    n.detail.memory_requested.unwrap_or(n.memory_reserved)
}
