//! The shop view: the ZApp list with its fuzzy filter, an entry's detail
//! (services, parameters, README), and what its keys do: `/` filters,
//! enter opens an entry, `s` opens the start form (keys as in the
//! keymap's defaults).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::block;
use crate::console::catalog::{Entry, ParamType, Shop};
use crate::model::{format_bytes, format_cores};
use crate::tui::app::{App, Request, View};
use crate::tui::keymap::Command;

/// The shop view's own state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShopState {
    /// The filter typed after `/`.
    pub filter: String,
    pub selected: usize,
    /// The selected entry's detail is open.
    pub detail: bool,
    pub detail_scroll: u16,
    /// The furthest the open entry scrolls (its last page at the top), as
    /// the last frame drew it.
    pub detail_max: std::cell::Cell<Option<u16>>,
}

/// Shop entries that match the filter (every word, any case, fuzzily:
/// its characters in order in the name, category or id), by category
/// then name.
pub fn visible_entries<'a>(shop: &'a Shop, filter: &str) -> Vec<&'a Entry> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    let mut found: Vec<(bool, &Entry)> = shop
        .by_category()
        .into_iter()
        .flat_map(|(_, entries)| entries)
        .filter_map(|e| {
            let hay = format!("{} {} {}", e.name, e.category, e.id).to_lowercase();
            let fuzzy = words.iter().all(|w| fuzzy_contains(&hay, w));
            // exact substrings rank before looser, fuzzy matches
            fuzzy.then(|| (!words.iter().all(|w| hay.contains(w.as_str())), e))
        })
        .collect();
    found.sort_by_key(|(loose, _)| *loose);
    found.into_iter().map(|(_, e)| e).collect()
}

/// `needle`'s characters appear in `hay` in order (`mwk` finds
/// "master-workers").
pub fn fuzzy_contains(hay: &str, needle: &str) -> bool {
    let mut hay = hay.chars();
    needle.chars().all(|c| hay.any(|h| h == c))
}

/// The status line's hints here: (commands, label).
pub const HINTS: &[(&[Command], &str)] = &[
    (&[Command::Filter], "filter"),
    (&[Command::Open], "open"),
    (&[Command::Start], "start"),
];

/// The hints while an entry is open.
pub const DETAIL_HINTS: &[(&[Command], &str)] = &[
    (&[Command::Back], "back"),
    (&[Command::Down], "scroll"),
    (&[Command::Start], "start"),
];

/// This view's own commands (the keymap's `shop.*`).
pub fn run(app: &mut App, command: Command) -> Option<Request> {
    match command {
        Command::Start => {
            super::form::open(app, None);
            Some(Request::None)
        }
        _ => None,
    }
}

/// `/`: filter the shop (from any view but executions and logs).
pub fn filter(app: &mut App) {
    app.view = View::Shop;
    app.shop.detail = false;
    crate::tui::command_line::open_filter(app);
}

/// Enter: open the selected entry.
pub fn open(app: &mut App) {
    if app.selected_entry().is_some() {
        app.shop.detail = true;
        app.shop.detail_scroll = 0;
        app.shop.detail_max.set(None);
    }
}

/// Moves the selection, or scrolls the open entry.
pub fn move_by(app: &mut App, delta: isize) {
    if app.shop.detail {
        let max = app.shop.detail_max.get().unwrap_or(u16::MAX);
        let scroll = (i64::from(app.shop.detail_scroll) + delta as i64).clamp(0, i64::from(max));
        app.shop.detail_scroll = scroll as u16;
        return;
    }
    let rows = app.visible_entries().len();
    super::step(&mut app.shop.selected, delta, rows);
}

pub fn draw_shop(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let entries = app.visible_entries();
    let wide = area.width >= 120;
    let [list_area, preview] = if wide {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area)
    } else {
        [area, Rect::default()]
    };
    let title = if app.shop.filter.is_empty() {
        format!(" shop ({}) ", entries.len())
    } else {
        format!(
            " shop ({} of {}) /{} ",
            entries.len(),
            app.console.shop().entries.len(),
            app.shop.filter
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
        TableState::default().with_selected((!entries.is_empty()).then_some(app.shop.selected));
    frame.render_stateful_widget(table, list_area, &mut state);
    app.hits.borrow_mut().rows = Some(crate::tui::mouse::Rows {
        view: View::Shop,
        area: crate::tui::mouse::table_rows(list_area),
        offset: state.offset(),
        items: Vec::new(),
    });
    if entries.is_empty() {
        let inner = Rect {
            x: list_area.x + 2,
            y: list_area.y + 2,
            width: list_area.width.saturating_sub(4),
            height: 1,
        };
        let text = if app.console.shop().entries.is_empty() {
            "the shop has no usable entries (zoe shop check says why)"
        } else {
            "nothing matches the filter"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, app.styles.muted)), inner);
    }
    if wide && let Some(entry) = entries.get(app.shop.selected) {
        let text = entry_text(app, entry, usize::from(preview.width.saturating_sub(2)));
        frame.render_widget(
            Paragraph::new(text).block(block(app, format!(" {} ", entry.id))),
            preview,
        );
    }
}

pub fn draw_entry(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(entry) = app.selected_entry() else {
        return;
    };
    let text = entry_text(app, entry, usize::from(area.width.saturating_sub(2)));
    // the last page at the top at most: never a blank screen
    let max = u16::try_from(
        text.len()
            .saturating_sub(usize::from(area.height.saturating_sub(2))),
    )
    .unwrap_or(u16::MAX);
    app.shop.detail_max.set(Some(max));
    let scroll = app.shop.detail_scroll.min(max);
    let paragraph = Paragraph::new(text)
        .block(block(app, format!(" {} ({}) ", entry.name, entry.id)))
        .scroll((scroll, 0));
    frame.render_widget(paragraph, area);
}

/// An entry's detail: what it runs, with what, its parameters and README,
/// wrapped at `width` columns.
fn entry_text(app: &App, entry: &Entry, width: usize) -> Vec<Line<'static>> {
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
                " ×{count}  {}  {}  {}",
                g.resources
                    .memory
                    .min
                    .map_or_else(|| "no limit".into(), format_bytes),
                crate::model::text::cores(&format_cores(g.cores_min())),
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
                ParamType::Int { min, max, .. } => {
                    format!(" ({})", crate::console::catalog::range_text(min, max))
                }
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
    let mut lines: Vec<Line<'static>> = lines
        .into_iter()
        .flat_map(|l| crate::tui::markdown::wrap(l, 4, width))
        .collect();
    match &entry.readme {
        Some(readme) => lines.extend(crate::tui::markdown::render_wrapped(readme, s, width)),
        None => lines.push(Line::from(Span::styled("(README missing)", s.warning))),
    }
    lines
}
