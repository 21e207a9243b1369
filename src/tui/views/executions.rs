//! The executions view: everybody's (or only the user's) executions,
//! filtered and sorted, with an inspect pane, and what its keys do: `/`
//! filters, `o` sorts, `a` switches mine/all, enter inspects, `l` follows
//! the logs, `t` terminates (after a `y`), `r` relaunches with the same
//! parameters (keys as in the keymap's defaults).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use super::{block, panel};
use crate::console::access::Relaunch;
use crate::model::ExecutionStatus;
use crate::tui::app::{App, Mode, Pending, Request, View};
use crate::tui::data::ExecutionRow;
use crate::tui::form::{NAME_KEY, cores_key, gib_text, memory_key};
use crate::tui::keymap::{Command, Context};

/// Order of the executions view (`o` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecSort {
    Newest,
    Name,
    Status,
}

impl ExecSort {
    pub fn label(self) -> &'static str {
        match self {
            ExecSort::Newest => "newest",
            ExecSort::Name => "name",
            ExecSort::Status => "status",
        }
    }

    fn next(self) -> ExecSort {
        match self {
            ExecSort::Newest => ExecSort::Name,
            ExecSort::Name => ExecSort::Status,
            ExecSort::Status => ExecSort::Newest,
        }
    }
}

/// The executions view's own state.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionsState {
    pub selected: usize,
    /// The inspect pane of the selected execution is open.
    pub inspect: bool,
    /// The filter typed after `/` here.
    pub filter: String,
    pub sort: ExecSort,
    /// Everybody's executions, or only the user's.
    pub show_all: bool,
    /// Ended executions are left out (`h`; remembered across runs).
    pub hide_ended: bool,
}

impl Default for ExecutionsState {
    fn default() -> ExecutionsState {
        ExecutionsState {
            selected: 0,
            inspect: false,
            filter: String::new(),
            sort: ExecSort::Newest,
            show_all: true,
            hide_ended: false,
        }
    }
}

impl ExecutionsState {
    /// `rows` after the own/all switch, the filter and the sort.
    pub fn visible<'a>(&self, rows: &'a [ExecutionRow], user: &str) -> Vec<&'a ExecutionRow> {
        let words: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut rows: Vec<&ExecutionRow> = rows
            .iter()
            .filter(|e| self.show_all || e.owner == user)
            .filter(|e| !self.hide_ended || !ended(e))
            .filter(|e| {
                let hay = format!("{} {} {} {} {}", e.id, e.name, e.entry, e.owner, e.status)
                    .to_lowercase();
                words.iter().all(|w| hay.contains(w))
            })
            .collect();
        match self.sort {
            ExecSort::Newest => {} // the engine lists newest first
            ExecSort::Name => rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id))),
            ExecSort::Status => rows.sort_by_key(|e| (!e.status.is_active(), e.status.as_str())),
        }
        rows
    }
}

/// An execution that ended and holds nothing on the cluster any more.
pub fn ended(e: &ExecutionRow) -> bool {
    !e.status.is_active() && e.instances.is_empty()
}

/// How many executions `h` hides now.
pub fn hidden(app: &App) -> usize {
    if !app.executions.hide_ended {
        return 0;
    }
    app.data
        .executions
        .iter()
        .filter(|e| (app.executions.show_all || e.owner == app.user) && ended(e))
        .count()
}

/// The status line's hints here: (commands, label).
pub const HINTS: &[(&[Command], &str)] = &[
    (&[Command::Filter], "filter"),
    (&[Command::Sort], "sort"),
    (&[Command::Mine], "mine/all"),
    (&[Command::Open], "inspect"),
    (&[Command::Logs], "logs"),
    (&[Command::Terminate], "terminate"),
    (&[Command::Relaunch], "relaunch"),
];

/// This view's own commands (the keymap's `executions.*`); `None` when
/// one does not apply (no execution selected).
pub fn run(app: &mut App, command: Command) -> Option<Request> {
    match command {
        Command::Sort => {
            app.executions.sort = app.executions.sort.next();
            Some(Request::None)
        }
        Command::Mine => {
            app.executions.show_all = !app.executions.show_all;
            app.executions.selected = 0;
            Some(Request::None)
        }
        Command::HideEnded => {
            let kept = app.selected_execution().map(|e| e.id.clone());
            app.executions.hide_ended = !app.executions.hide_ended;
            app.executions.selected = kept
                .and_then(|id| app.visible_executions().iter().position(|e| e.id == id))
                .unwrap_or(0);
            app.remember_changed = true;
            Some(Request::None)
        }
        Command::Logs => logs(app),
        Command::Terminate => terminate(app),
        Command::Relaunch => relaunch(app),
        _ => None,
    }
}

/// `l`: follow the selected execution's logs, every service merged.
fn logs(app: &mut App) -> Option<Request> {
    let id = app.selected_execution()?.id.clone();
    Some(super::logs::open(app, id, None))
}

/// `t`: terminate the selected execution, once confirmed with `y`.
fn terminate(app: &mut App) -> Option<Request> {
    let row = app.selected_execution()?.clone();
    if app.readonly {
        app.message = Some((
            "read-only: terminating is hidden (started with --readonly)".into(),
            true,
        ));
    } else if !row.status.is_active() && row.instances.is_empty() {
        app.message = Some((format!("{} has already ended", row.id), true));
    } else {
        app.pending = Some(Pending::Terminate(row.id));
        app.mode = Mode::Confirm;
    }
    Some(Request::None)
}

/// `r`: the start form again, filled with the parameters used; the
/// engine gives them (another user's only with `can_operate_others`).
fn relaunch(app: &mut App) -> Option<Request> {
    let row = app.selected_execution()?.clone();
    if app.readonly {
        app.message = Some((
            "read-only: launching is hidden (started with --readonly)".into(),
            true,
        ));
        return Some(Request::None);
    }
    app.message = Some((format!("relaunching {}…", row.id), false));
    Some(Request::Relaunch(row.id))
}

/// The engine's answer to `r`: the start form for the entry, filled with
/// the values used.
pub fn relaunch_with(app: &mut App, values: Relaunch) {
    if app.console.shop().entry(&values.entry).is_none() {
        app.message = Some((
            format!(
                "cannot relaunch {}: entry `{}` is not in this shop",
                values.id, values.entry
            ),
            true,
        ));
    } else {
        app.message = None;
        let mut given = values.parameters;
        given.push((NAME_KEY.to_string(), values.name));
        given.extend(
            values
                .memory
                .iter()
                .map(|(g, m)| (memory_key(g), gib_text(*m))),
        );
        given.extend(
            values
                .cores
                .iter()
                .map(|(g, c)| (cores_key(g), format!("{c}"))),
        );
        super::form::open(app, Some((values.entry, given)));
        if let Some(form) = app.form.as_mut() {
            form.relaunch_of = Some(values.id.to_string());
        }
    }
}

/// The inspect pane's title: what can be done with the execution, or
/// with the selected instance while the list has the focus.
fn inspect_title(app: &App) -> String {
    let mut title = " inspect".to_string();
    let mut sep = " — ";
    let (context, keys): (Context, &[(Command, &str)]) = if app.instances.focused {
        (
            Context::Inspect,
            &[
                (Command::InstanceLogs, "logs"),
                (Command::Shell, "shell"),
                (Command::RestartInstance, "restart"),
                (Command::RawJson, "json"),
                (Command::CopyUrl, "copy URL"),
                (Command::LeaveInstances, "back"),
            ],
        )
    } else {
        (
            Context::Executions,
            &[
                (Command::Open, "instances"),
                (Command::Logs, "logs"),
                (Command::Terminate, "terminate"),
                (Command::Relaunch, "relaunch"),
            ],
        )
    };
    for (command, what) in keys {
        if app.readonly && command.changes_cluster() {
            continue;
        }
        if let Some(key) = app.keymap.first_key_in(context, *command) {
            title.push_str(&format!("{sep}{key} {what}"));
            sep = ", ";
        }
    }
    title.push(' ');
    title
}

/// Enter: open the inspect pane on the selected execution with its
/// instance list focused; on another row while the pane is open, switch
/// the pane there (esc closes it).
pub fn open(app: &mut App) {
    if app.selected_execution().is_some() {
        app.executions.inspect = true;
        super::inspect::focus(app);
    }
}

/// Esc: close the inspect pane, else clear the filter.
pub fn back(app: &mut App) {
    if app.executions.inspect {
        app.executions.inspect = false;
        super::inspect::leave(app);
    } else {
        crate::tui::command_line::set_filter(app, "");
    }
}

pub fn move_by(app: &mut App, delta: isize) {
    let rows = app.visible_executions().len();
    super::step(&mut app.executions.selected, delta, rows);
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

pub fn draw_executions(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let wide = area.width >= 120;
    let very_wide = area.width >= 150;
    let visible = app.visible_executions();
    let rows: Vec<Row> = visible
        .iter()
        .map(|e| {
            let mut cells = vec![
                Cell::from(e.id.to_string()),
                Cell::from(e.name.clone()),
                Cell::from(Span::styled(
                    e.status.to_string(),
                    status_style(app, e.status),
                )),
                Cell::from(e.up.clone()),
                Cell::from(app.age(e.submitted)),
            ];
            if wide {
                cells.insert(2, Cell::from(e.entry.clone()));
                cells.insert(3, Cell::from(e.owner.clone()));
            }
            // hosts and the endpoint only where their columns are: below
            // 150 columns the room goes to the reason
            if very_wide {
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
        let mut header = vec!["ID", "NAME", "ENTRY", "OWNER", "STATUS", "UP", "AGE"];
        let mut widths = vec![
            Constraint::Length(11),
            Constraint::Length(16),
            Constraint::Length(18),
            Constraint::Length(10),
            Constraint::Length(11),
            Constraint::Length(5),
            Constraint::Length(5),
        ];
        if very_wide {
            header.extend(["HOSTS", "ENDPOINT"]);
            widths.extend([Constraint::Length(14), Constraint::Length(26)]);
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
    if visible.len() != app.data.executions.len() {
        title.push_str(&format!(" of {}", app.data.executions.len()));
    }
    title.push_str(&format!(
        ") {} · sorted by {}",
        // a role without can_operate_others is shown its own only
        if !app.withheld().contains(&Command::Mine) && app.executions.show_all {
            "everybody's"
        } else {
            "mine"
        },
        app.executions.sort.label()
    ));
    let hidden = hidden(app);
    if hidden > 0 {
        title.push_str(&format!(" · {hidden} hidden"));
    }
    if !app.executions.filter.is_empty() {
        title.push_str(&format!(" · /{}", app.executions.filter));
    }
    title.push(' ');
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(app.styles.accent))
        .block(block(app, title))
        .row_highlight_style(app.styles.selected);
    let mut state = TableState::default()
        .with_selected((!visible.is_empty()).then_some(app.executions.selected));
    frame.render_stateful_widget(table, area, &mut state);
    app.hits.borrow_mut().rows = Some(crate::tui::mouse::Rows {
        view: View::Executions,
        area: crate::tui::mouse::table_rows(area),
        offset: state.offset(),
        items: Vec::new(),
    });
    if visible.is_empty() && !app.data.executions.is_empty() {
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1,
        };
        let text = if app.executions.filter.is_empty() {
            let key = app
                .keymap
                .first_key_in(Context::Executions, Command::HideEnded)
                .unwrap_or("h");
            format!("every execution shown here has ended ({key} shows them)")
        } else {
            format!(
                "no execution matches '{}'",
                crate::model::text::visible(&app.executions.filter)
            )
        };
        frame.render_widget(Paragraph::new(Span::styled(text, app.styles.muted)), inner);
    }
    if app.data.executions.is_empty() {
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1,
        };
        let shop_key = app
            .keymap
            .first_key_in(Context::Executions, Command::ShopView);
        let text = match (app.data.loading, shop_key) {
            (true, _) => "asking the hosts…".to_string(),
            (false, Some(key)) => format!("no executions: pick a ZApp in the shop ({key})"),
            (false, None) => "no executions: pick a ZApp in the shop".to_string(),
        };
        frame.render_widget(Paragraph::new(Span::styled(text, app.styles.muted)), inner);
    }
}

/// The inspect pane over the lower part of the executions view: the
/// execution, then its instance list (`inspect`).
/// How many of the audit trail's lines the inspect pane shows.
const AUDIT_LINES: usize = 3;

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
    // endpoints of no instance listed (the others are in the URL column)
    for (instance, name, url) in &row.endpoints {
        if !row.instances.iter().any(|i| i.instance == *instance) {
            lines.push(Line::from(vec![
                Span::styled(format!("{instance} {name}: "), s.muted),
                Span::styled(url.clone(), s.highlight),
            ]));
        }
    }
    // the audit trail's last lines, newest last
    // (one line each, cut to the width: the pane's height counts lines)
    let width = usize::from(area.width.saturating_sub(2));
    for e in row.audit.iter().rev().take(AUDIT_LINES).rev() {
        let when = format!("{}  ", app.time_of_day(e.at));
        let user = crate::model::text::visible(&e.user).into_owned();
        let room = width.saturating_sub(when.chars().count() + user.chars().count() + 1);
        let action = crate::console::audit::action_text(e);
        let action = if action.chars().count() > room {
            let cut: String = action.chars().take(room.saturating_sub(1)).collect();
            format!("{cut}…")
        } else {
            action
        };
        lines.push(Line::from(vec![
            Span::styled(when, s.muted),
            Span::styled(user, s.accent),
            Span::raw(format!(" {action}")),
        ]));
    }
    let head = lines.len() as u16;
    let list = if row.instances.is_empty() {
        0
    } else {
        row.instances.len() as u16 + 1
    };
    let height = (head + list + 2).min(area.height);
    let rect = Rect {
        x: area.x,
        y: area.y + area.height - height,
        width: area.width,
        height,
    };
    frame.render_widget(Clear, rect);
    let block = panel(app, inspect_title(app));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [top, rest] = ratatui::layout::Layout::vertical([
        Constraint::Length(head.min(inner.height)),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    super::inspect::draw_list(frame, app, row, rest);
}
