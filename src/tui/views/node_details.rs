//! Under the nodes table: the selected node in full (why it is offline,
//! however long the reason, wrapped; its figures with their units; what a
//! cluster node tells beyond a host's), its ZApp instances and foreign
//! containers, and the queue of executions waiting for room.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use super::node_columns as columns;
use super::nodes::{cores_taken, memory_taken};
use crate::model::{ExecutionStatus, NodeSnapshot, format_bytes, format_cores};
use crate::tui::app::App;
use crate::tui::data::ExecutionRow;

/// Under the nodes: the ZApp instances on the selected node, and the queue
/// of executions waiting for room with the reason.
pub fn draw_node_details(frame: &mut Frame<'_>, app: &App, area: Rect) {
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
        lines.extend(summary_lines(app, n));
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
        if n.detail.others > 0 {
            // a role without can_see_status: counted, not listed
            lines.push(Line::from(Span::styled(
                format!(
                    "others: {} instances of other users (listed with can_see_status)",
                    n.detail.others
                ),
                s.muted,
            )));
        }
        if n.services.is_empty() && n.foreign.is_empty() && n.detail.others == 0 && n.is_online() {
            lines.push(Line::from(Span::styled("no ZApp instances", s.muted)));
        }
    }
    let title = node.map_or(" instances ".to_string(), |n| match n.is_online() {
        true => format!(" instances on {} ({}) ", n.name, n.services.len()),
        false => format!(" {} ", n.name),
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

/// The selected node in full, wrapped: why it is offline (the whole
/// reason, however long), or its figures with their units (the table may
/// have left some out at this width).
fn summary_lines(app: &App, n: &NodeSnapshot) -> Vec<Line<'static>> {
    let s = &app.styles;
    if let Some(why) = &n.error {
        return vec![Line::from(vec![
            Span::styled("offline: ", s.error),
            Span::styled(
                if why.is_empty() {
                    "no answer yet".to_string()
                } else {
                    why.clone()
                },
                s.muted,
            ),
        ])];
    }
    vec![Line::from(Span::styled(
        format!(
            "reserved {} cores, {} · in use {}",
            columns::cores_text(cores_taken(n), n.cores_total),
            columns::memory_text(memory_taken(n), n.memory_total),
            columns::in_use_text(n)
        ),
        s.muted,
    ))]
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
