//! The frame's edges: the header (who, where, backend health, views) and
//! the status line (the keys that work here, the line being typed,
//! messages).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{executions, form, logs, shop};
use crate::tui::app::{App, Mode, View};
use crate::tui::keymap::{Command, Context};

pub fn draw_header(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let s = &app.styles;
    // who (user · role) and where; without the deployment when the view
    // tabs would not fit otherwise
    let who = format!("{} · {}@{} ", app.user, app.role(), app.deployment);
    let mut spans = vec![Span::styled(" zoe ", s.title), Span::styled(who, s.base)];
    let mut fresh = super::freshness::spans(app, false);
    let short = super::freshness::spans(app, true);
    spans.extend(health(app));
    let mut tabs = Vec::new();
    for (view, command) in [
        (View::Shop, Command::ShopView),
        (View::Executions, Command::ExecutionsView),
        (View::Nodes, Command::NodesView),
    ] {
        let style = if view == app.view {
            s.selected
        } else {
            s.muted
        };
        let key = app
            .keymap
            .first_key_in(Context::Global, command)
            .map(|k| format!("{k} "))
            .unwrap_or_default();
        tabs.push(Span::styled(format!(" {key}{} ", view.title()), style));
    }
    // the targets come first, then how fresh the data is (short when the
    // long words do not fit), the view tabs only when they fit too
    let width = |spans: &[Span]| -> usize { spans.iter().map(|s| s.content.chars().count()).sum() };
    let used = width(&spans);
    let tabs_width = width(&tabs);
    let sep = |fresh: &[Span]| usize::from(!fresh.is_empty() && !app.data.loading) * 3;
    if used + sep(&fresh) + width(&fresh) + 2 + tabs_width > usize::from(area.width) {
        fresh = short;
    }
    if used + sep(&fresh) + width(&fresh) + 2 + tabs_width > usize::from(area.width) {
        spans[1] = Span::styled(format!("{}·{} ", app.user, app.role()), s.base);
    }
    if !fresh.is_empty() && !app.data.loading {
        spans.push(Span::styled(" · ", s.muted));
    }
    spans.extend(fresh);
    spans.push(Span::raw("  "));
    let mut hits = app.hits.borrow_mut();
    hits.tabs.clear();
    if width(&spans) + tabs_width <= usize::from(area.width) {
        let mut x = area.x + width(&spans) as u16;
        for (span, view) in tabs.iter().zip([View::Shop, View::Executions, View::Nodes]) {
            let width = span.content.chars().count() as u16;
            hits.tabs.push((Rect::new(x, area.y, width, 1), view));
            x += width;
        }
        spans.extend(tabs);
    }
    drop(hits);
    if app.readonly {
        spans.push(Span::styled(" read-only ", s.warning));
    }
    if app.all_users {
        spans.push(Span::styled(" all users ", s.warning));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The Docker hosts online and, for each cluster, its context and
/// namespace: `2/2 hosts online · fake: context fake ns zapps`.
fn health(app: &App) -> Vec<Span<'static>> {
    let s = &app.styles;
    if app.data.loading {
        // what is known yet: the freshness words say it (asking, cached)
        return Vec::new();
    }
    let groups = crate::tui::targets::groups(&app.data.nodes);
    let hosts: Vec<_> = groups.iter().filter(|g| g.is_host()).collect();
    let mut spans = Vec::new();
    if !hosts.is_empty() || groups.is_empty() {
        let online = hosts.iter().filter(|g| g.online > 0).count();
        let style = if online == hosts.len() {
            s.success
        } else {
            s.error
        };
        spans.push(Span::styled(
            format!("{online}/{} hosts online", hosts.len()),
            style,
        ));
    }
    for g in groups.iter().filter(|g| !g.is_host()) {
        if !spans.is_empty() {
            spans.push(Span::styled(" · ", s.muted));
        }
        let style = if g.online == 0 { s.error } else { s.success };
        spans.push(Span::styled(format!("{}: ", g.name), style));
        spans.push(Span::styled(g.where_(), s.base));
        if g.online == 0 {
            spans.push(Span::styled(" offline", s.error));
        }
    }
    spans
}

/// The view's global keys, after its own hints.
const VIEW_TAIL: &[(&[Command], &str)] = &[
    (&[Command::NextView], "next view"),
    (&[Command::CommandMode], "command"),
    (&[Command::Help], "help"),
    (&[Command::Quit], "quit"),
];

/// The log view has no next view (esc leaves it).
const LOGS_TAIL: &[(&[Command], &str)] = &[
    (&[Command::CommandMode], "command"),
    (&[Command::Help], "help"),
    (&[Command::Quit], "quit"),
];

/// `key label` for each hint whose commands have a key in `context` (the
/// keys of a pair joined: `n/N next/prev`); what changes the cluster is
/// left out in read-only mode.
fn hints(app: &App, context: Context, hints: &[(&[Command], &str)]) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (commands, label) in hints {
        if app.readonly && commands.iter().any(|c| c.changes_cluster()) {
            continue;
        }
        let withheld = app.withheld();
        if commands.iter().any(|c| withheld.contains(c)) {
            continue;
        }
        let keys: Vec<&str> = commands
            .iter()
            .filter_map(|c| app.keymap.first_key_in(context, *c))
            .collect();
        if keys.is_empty() {
            continue;
        }
        spans.push(Span::styled(keys.join("/"), app.styles.accent));
        spans.push(Span::styled(format!(" {label}  "), app.styles.muted));
    }
    spans
}

/// Lines the message needs at `width` columns (1 when there is none or
/// something is being typed).
pub fn message_height(app: &App, width: u16) -> u16 {
    let typing = matches!(app.mode, Mode::Filter | Mode::Command | Mode::LogSearch);
    match &app.message {
        Some((text, _)) if !typing => {
            let width = usize::from(width.max(1));
            let lines: usize = text
                .lines()
                .map(|l| l.chars().count().div_ceil(width).max(1))
                .sum();
            u16::try_from(lines.max(1)).unwrap_or(u16::MAX)
        }
        _ => 1,
    }
}

pub fn draw_status(frame: &mut Frame<'_>, app: &App, area: Rect) {
    if let (Some((text, error)), 2..) = (&app.message, area.height) {
        let style = if *error {
            app.styles.error
        } else {
            app.styles.info
        };
        let lines: Vec<Line> = text
            .lines()
            .map(|l| Line::from(Span::styled(l.to_string(), style)))
            .collect();
        frame.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            area,
        );
        return;
    }
    let s = &app.styles;
    let line = match app.mode {
        Mode::Filter => prompt_line(app, "/", area.width),
        Mode::Command => prompt_line(app, ":", area.width),
        Mode::LogSearch => logs::prompt_line(app, area.width),
        _ => match &app.message {
            Some((text, true)) => Line::from(Span::styled(text.clone(), s.error)),
            Some((text, false)) => Line::from(Span::styled(text.clone(), s.info)),
            None => {
                let (context, own, tail) = match app.view {
                    _ if app.mode == Mode::Form => (Context::Form, form::hints(app), &[][..]),
                    _ if app.context() == Context::Json => {
                        (Context::Json, super::json::HINTS, &[][..])
                    }
                    _ if app.context() == Context::Inspect => {
                        (Context::Inspect, super::inspect::HINTS, VIEW_TAIL)
                    }
                    View::Shop if app.shop.detail => (Context::Shop, shop::DETAIL_HINTS, VIEW_TAIL),
                    View::Shop => (Context::Shop, shop::HINTS, VIEW_TAIL),
                    View::Executions => (Context::Executions, executions::HINTS, VIEW_TAIL),
                    View::Logs => (Context::Logs, logs::HINTS, LOGS_TAIL),
                    View::Nodes => (Context::Nodes, &[][..], VIEW_TAIL),
                };
                let mut spans = hints(app, context, own);
                spans.extend(hints(app, context, tail));
                Line::from(spans)
            }
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// A prompt: its sign, then the line being typed with its cursor
/// (scrolled to keep the cursor in view).
fn prompt_line(app: &App, sign: &str, width: u16) -> Line<'static> {
    let room = usize::from(width).saturating_sub(sign.chars().count());
    let mut spans = vec![Span::styled(sign.to_string(), app.styles.accent)];
    spans.extend(app.prompt.spans(room, app.styles.highlight));
    Line::from(spans)
}
