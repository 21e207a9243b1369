//! The nodes view: per-host capacity (reserved by ZApps and in use),
//! online or not and why, the ZApp instances on the selected host, and the
//! queue of executions waiting for room. Its keys are the global ones
//! (move, switch view); `/` from here filters the shop.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::node_columns as columns;
use super::{block, freshness};
use crate::model::NodeSnapshot;
use crate::tui::app::{App, View};
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
    let offline: Vec<_> = app
        .data
        .nodes
        .iter()
        .filter_map(|n| n.error.as_ref().map(|e| (n.name.as_str(), e.as_str())))
        .collect();
    let groups = targets::groups(&app.data.nodes);
    // a heading per cluster (and one over the Docker hosts beside them)
    let headed = groups.iter().any(|g| !g.is_host());
    let plan = columns::plan(
        area.width.saturating_sub(2),
        widest(&app.data.nodes, headed),
        wide,
    );
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
            rows.push(node_row(app, &app.data.nodes[i], &plan, headed));
        }
    }
    // before anything is known: a line in place of the rows
    let placeholder = rows.is_empty();
    let rows_count = rows.len();
    let table_height = (rows.len() as u16 + 3).max(4);
    let [table_area, below, totals_area] = Layout::vertical([
        Constraint::Length(table_height),
        Constraint::Min(0),
        Constraint::Length(1 + offline.len() as u16),
    ])
    .areas(area);
    super::node_details::draw_node_details(frame, app, below);
    let (cores_header, memory_header) = match (plan.cores >= 15, plan.memory >= 15) {
        (true, true) => ("CORES RESERVED", "MEMORY RESERVED"),
        _ => ("CORES", "MEMORY"),
    };
    let mut header = vec!["NODE", "STATUS", cores_header, memory_header, "ZAPPS"];
    let mut widths = vec![
        Constraint::Length(plan.name as u16),
        Constraint::Length(8),
        Constraint::Length(plan.cores as u16),
        Constraint::Length(plan.memory as u16),
        Constraint::Length(5),
    ];
    if let Some(w) = plan.in_use {
        header.push("IN USE");
        widths.push(Constraint::Length(w as u16));
    }
    if plan.running {
        header.push("RUNNING");
        widths.push(Constraint::Length(7));
    }
    if let Some(w) = plan.labels {
        header.push("LABELS");
        widths.push(Constraint::Min(w as u16));
    }
    let title = match app.data.cached {
        Some(seen) => format!(
            " nodes ({}) · cached {} ago ",
            app.data.nodes.len(),
            app.age(seen)
        ),
        None => format!(" nodes ({}) ", app.data.nodes.len()),
    };
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
    if placeholder {
        let text = if app.data.loading {
            let names = app.data.asking.join(", ");
            match names.is_empty() {
                true => freshness::asking(app),
                false => format!("{} ({names})", freshness::asking(app)),
            }
        } else {
            "no hosts: add one to docker.conf or a cluster to the settings (zoe config paths)"
                .to_string()
        };
        headings.push((0, text));
    }
    for (row, text) in headings {
        let Some(shown) = row.checked_sub(state.offset()) else {
            continue;
        };
        // below the column names
        let y = inner.y + 1 + shown as u16;
        if y < inner.bottom() {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    text,
                    if placeholder {
                        app.styles.muted
                    } else {
                        app.styles.accent
                    },
                )),
                Rect::new(inner.x, y, inner.width, 1),
            );
        }
    }
    let width = usize::from(totals_area.width);
    let totals = totals_line(&app.data.nodes, width);
    // no sums of nothing while the hosts are asked
    let mut lines = match app.data.nodes.is_empty() {
        true => Vec::new(),
        false => vec![Line::from(Span::styled(totals, app.styles.muted))],
    };
    // one line each: the selected node's pane has the whole reason
    for (name, error) in offline {
        let name = format!(" {name}: ");
        let room = width.saturating_sub(name.chars().count());
        lines.push(Line::from(vec![
            Span::styled(name, app.styles.error),
            Span::styled(columns::fit(error, room), app.styles.muted),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), totals_area);
}

/// The sums of the online nodes, in the longest words that fit `width`:
/// the figures and their units are never cut, the words around them go.
fn totals_line(nodes: &[NodeSnapshot], width: usize) -> String {
    let online: Vec<_> = nodes.iter().filter(|n| n.is_online()).collect();
    let cores = columns::cores_text(
        online.iter().map(|n| cores_taken(n)).sum(),
        online.iter().map(|n| n.cores_total).sum(),
    );
    let memory = columns::memory_text(
        online.iter().map(|n| memory_taken(n)).sum(),
        online.iter().map(|n| n.memory_total).sum(),
    );
    let (up, all) = (online.len(), nodes.len());
    [
        format!(" all targets: {up} of {all} nodes online · {cores} cores · {memory} memory taken"),
        format!(" {up}/{all} nodes online · {cores} cores · {memory} taken"),
        format!(" {up}/{all} online · {cores} cores · {memory}"),
        format!(" {cores} cores · {memory}"),
    ]
    .into_iter()
    .find(|line| line.chars().count() <= width)
    .unwrap_or_else(|| format!(" {cores} cores · {memory}"))
}

/// The widest texts of the nodes' figures (and names).
fn widest(nodes: &[NodeSnapshot], headed: bool) -> columns::Widest {
    let mut w = columns::Widest::default();
    for n in nodes {
        let name = if headed {
            1 + targets::short_name(n).chars().count()
        } else {
            n.name.chars().count()
        };
        w.name = w.name.max(name);
        if !n.is_online() {
            w.cores = w.cores.max("see below".len());
            continue;
        }
        w.cores = w.cores.max(
            columns::cores_text(cores_taken(n), n.cores_total)
                .chars()
                .count(),
        );
        w.memory = w.memory.max(
            columns::memory_text(memory_taken(n), n.memory_total)
                .chars()
                .count(),
        );
        w.in_use = w.in_use.max(columns::in_use_text(n).chars().count());
    }
    w
}

/// One node's row; under a heading, a cluster's node goes by its short
/// name, indented. What the cache last saw is dimmed.
fn node_row(app: &App, n: &NodeSnapshot, plan: &columns::Plan, headed: bool) -> Row<'static> {
    let name = if headed {
        format!(" {}", targets::short_name(n))
    } else {
        n.name.clone()
    };
    let name = columns::fit(&name, plan.name);
    if let Some(error) = &n.error {
        return Row::new(vec![
            Cell::from(name),
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
    let gauge = |used: f64, total: f64| match plan.gauge {
        0 => String::new(),
        g => format!("{} ", bar(used, total, g)),
    };
    let cores = format!(
        "{}{}",
        gauge(cores_taken, n.cores_total),
        columns::cores_text(cores_taken, n.cores_total)
    );
    let memory = format!(
        "{}{}",
        gauge(memory_taken as f64, n.memory_total as f64),
        columns::memory_text(memory_taken, n.memory_total)
    );
    let mut cells = vec![
        Cell::from(name),
        Cell::from(state),
        Cell::from(cores),
        Cell::from(memory),
        Cell::from(match n.detail.others {
            0 => n.services.len().to_string(),
            others => format!("{}+{others}", n.services.len()),
        }),
    ];
    if plan.in_use.is_some() {
        cells.push(Cell::from(columns::in_use_text(n)));
    }
    if plan.running {
        cells.push(Cell::from(n.container_count.to_string()));
    }
    if plan.labels.is_some() {
        cells.push(Cell::from(shown_labels(n)));
    }
    let row = Row::new(cells);
    if app.data.cached.is_some() {
        row.style(app.styles.muted)
    } else {
        row
    }
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

/// What placement counts as taken: on a cluster node every pod's requests,
/// on a host what ZApps reserved.
pub(super) fn cores_taken(n: &NodeSnapshot) -> f64 {
    n.detail.cores_requested.unwrap_or(n.cores_reserved)
}

pub(super) fn memory_taken(n: &NodeSnapshot) -> u64 {
    n.detail.memory_requested.unwrap_or(n.memory_reserved)
}
