//! The inspect pane's instance list: enter in the executions view opens
//! the pane with its list focused, `esc`/`q` gives the focus back to the
//! executions (enter focuses it again, esc then closes the pane). On the
//! selected instance: `l` its logs, `s` a shell in it (the screen comes
//! back as it was), `R` a restart (an essential one asks first), `y` its
//! container or pod as JSON, `c` its URL to the clipboard (OSC 52), `w` its
//! URL opened or shown (keys as in the keymap's defaults).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table, TableState};

use crate::console::executions::InstanceView;
use crate::model::BackendState;
use crate::tui::app::{App, Mode, Pending, Request};
use crate::tui::data::ExecutionRow;
use crate::tui::keymap::Command;

/// The instance list's own state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceList {
    /// The keys go to the list (not to the executions table).
    pub focused: bool,
    pub selected: usize,
    /// The execution whose instances the list was focused on: the list
    /// acts on no other (when it leaves the view, the focus goes back).
    pub execution: Option<crate::model::ExecutionId>,
    /// The shell asked for and not opened yet: (execution, instance).
    pub shell_asked: Option<(crate::model::ExecutionId, String)>,
}

/// The status line's hints while the list has the focus.
pub const HINTS: &[(&[Command], &str)] = &[
    (&[Command::InstanceLogs], "logs"),
    (&[Command::Shell], "shell"),
    (&[Command::RestartInstance], "restart"),
    (&[Command::RawJson], "json"),
    (&[Command::CopyUrl], "copy URL"),
    (&[Command::OpenUrl], "open URL"),
    (&[Command::LeaveInstances], "back"),
];

/// The selected execution's instances, in the order shown.
fn instances(app: &App) -> Vec<InstanceView> {
    app.selected_execution()
        .map(|row| row.instances.clone())
        .unwrap_or_default()
}

/// The instance the list's selection is on, with its execution: only the
/// execution the list was focused on.
pub fn selected(app: &App) -> Option<(ExecutionRow, InstanceView)> {
    let row = app.selected_execution()?.clone();
    if app.instances.execution.as_ref() != Some(&row.id) {
        return None;
    }
    let instance = row
        .instances
        .get(
            app.instances
                .selected
                .min(row.instances.len().saturating_sub(1)),
        )?
        .clone();
    Some((row, instance))
}

/// The URLs of an instance (its endpoints).
pub fn urls(row: &ExecutionRow, instance: &str) -> Vec<String> {
    row.endpoints
        .iter()
        .filter(|(i, _, _)| i == instance)
        .map(|(_, _, url)| url.clone())
        .collect()
}

/// Focuses the list (enter in the executions view); says so when the
/// execution has no instance to act on.
pub fn focus(app: &mut App) {
    if instances(app).is_empty() {
        app.message = Some((
            "no instances to act on: nothing of this execution runs on the hosts".into(),
            false,
        ));
        return;
    }
    let id = app.selected_execution().map(|e| e.id.clone());
    if app.instances.execution != id {
        app.instances.selected = 0;
        app.instances.execution = id;
    }
    app.instances.focused = true;
    let count = instances(app).len();
    app.instances.selected = app.instances.selected.min(count.saturating_sub(1));
}

/// After the rows changed: when the execution the list was focused on is
/// no longer the one selected (it ended and is hidden, or went), the
/// focus goes back to the table and the status line says why, so no key
/// acts on another execution's instance.
pub fn check_focus(app: &mut App) {
    if !app.instances.focused {
        return;
    }
    let here = app.selected_execution().map(|e| e.id.clone());
    if here != app.instances.execution {
        app.instances.focused = false;
        let gone = app
            .instances
            .execution
            .as_ref()
            .map_or_else(String::new, |id| format!("{id} "));
        app.message = Some((
            format!("{gone}is no longer listed: back to the executions"),
            false,
        ));
    }
}

/// Gives the focus back to the executions table.
pub fn leave(app: &mut App) {
    app.instances.focused = false;
}

pub fn move_by(app: &mut App, delta: isize) {
    let rows = instances(app).len();
    super::step(&mut app.instances.selected, delta, rows);
}

/// The list's own commands (the keymap's `inspect.*`), and what the
/// global ones mean here; `None` for a global command that acts as
/// anywhere else.
pub fn run(app: &mut App, command: Command) -> Option<Request> {
    let page = app.page.max(1) as isize;
    match command {
        Command::Up => move_by(app, -1),
        Command::Down => move_by(app, 1),
        Command::PageUp => move_by(app, -page),
        Command::PageDown => move_by(app, page),
        Command::Top => move_by(app, isize::MIN / 2),
        Command::Bottom => move_by(app, isize::MAX / 2),
        Command::LeaveInstances | Command::Back => leave(app),
        Command::InstanceLogs => return Some(logs(app)),
        Command::Shell => return Some(shell(app)),
        Command::RestartInstance => return Some(restart(app)),
        Command::RawJson => return Some(raw_json(app)),
        Command::CopyUrl => return Some(copy_url(app)),
        Command::OpenUrl => return Some(open_url(app)),
        // leaving the view leaves the list
        Command::NextView
        | Command::PreviousView
        | Command::ShopView
        | Command::ExecutionsView
        | Command::NodesView
        | Command::Quit => {
            leave(app);
            return None;
        }
        _ => return None,
    }
    Some(Request::None)
}

/// `l`: the logs view on that one instance.
fn logs(app: &mut App) -> Request {
    let Some((row, instance)) = selected(app) else {
        return Request::None;
    };
    super::logs::open(app, row.id, Some(instance.instance))
}

/// `s`: a shell in the instance (the engine checks who may).
fn shell(app: &mut App) -> Request {
    let Some((row, instance)) = selected(app) else {
        return Request::None;
    };
    if app.readonly {
        app.message = Some((
            "read-only: a shell in an instance is hidden (started with --readonly)".into(),
            true,
        ));
        return Request::None;
    }
    if instance.state != BackendState::Started {
        app.message = Some((
            format!(
                "{} is not running ({}): no shell in it",
                instance.instance, instance.engine_status
            ),
            true,
        ));
        return Request::None;
    }
    if let Some((_, asked)) = &app.instances.shell_asked {
        app.message = Some((format!("a shell in {asked} is being opened"), false));
        return Request::None;
    }
    app.instances.shell_asked = Some((row.id.clone(), instance.instance.clone()));
    app.message = Some((format!("opening a shell in {}…", instance.instance), false));
    Request::Shell {
        id: row.id,
        instance: instance.instance,
    }
}

/// `R`: restart; an essential instance asks first (its execution ends if
/// it does not come back).
fn restart(app: &mut App) -> Request {
    let Some((row, instance)) = selected(app) else {
        return Request::None;
    };
    if app.readonly {
        app.message = Some((
            "read-only: restarting is hidden (started with --readonly)".into(),
            true,
        ));
        return Request::None;
    }
    if instance.essential {
        app.pending = Some(Pending::RestartInstance {
            id: row.id,
            instance: instance.instance,
        });
        app.mode = Mode::Confirm;
        return Request::None;
    }
    app.message = Some((format!("restarting {}…", instance.instance), false));
    Request::RestartInstance {
        id: row.id,
        instance: instance.instance,
    }
}

/// `y`: ask the engine for the raw description.
fn raw_json(app: &mut App) -> Request {
    let Some((row, instance)) = selected(app) else {
        return Request::None;
    };
    app.message = Some((format!("reading {}…", instance.instance), false));
    Request::Describe {
        id: row.id,
        instance: instance.instance,
    }
}

/// `c`: the URL to the terminal's clipboard.
fn copy_url(app: &mut App) -> Request {
    let Some((row, instance)) = selected(app) else {
        return Request::None;
    };
    match urls(&row, &instance.instance).into_iter().next() {
        Some(url) => {
            app.message = Some((format!("copied URL {url}"), false));
            Request::Clipboard(url)
        }
        None => {
            app.message = Some((format!("{} has no URL", instance.instance), false));
            Request::None
        }
    }
}

/// `w`: the URL opened (graphical session) or shown to select.
fn open_url(app: &mut App) -> Request {
    let Some((row, instance)) = selected(app) else {
        return Request::None;
    };
    match urls(&row, &instance.instance).into_iter().next() {
        Some(url) => Request::OpenUrl(url),
        None => {
            app.message = Some((format!("{} has no URL", instance.instance), false));
            Request::None
        }
    }
}

/// The instance list, in the lower part of the inspect pane: instance,
/// service, kind, host, state, URL (each column as wide as its widest
/// cell); the selection shows while it is focused.
pub fn draw_list(frame: &mut Frame<'_>, app: &App, row: &ExecutionRow, area: Rect) {
    let s = &app.styles;
    let wide = area.width >= 100;
    // the cells' text first, to size the columns by it
    let texts: Vec<[String; 6]> = row
        .instances
        .iter()
        .map(|i| {
            let exit = match (i.state, i.exit_code) {
                (BackendState::Started, _) | (_, None) => String::new(),
                (_, Some(code)) => format!(" {code}"),
            };
            let restarts = row
                .restarts
                .iter()
                .find(|(n, _)| *n == i.instance)
                .map(|(_, c)| format!(" ↻{c}"))
                .unwrap_or_default();
            [
                i.instance.clone(),
                i.instance
                    .trim_end_matches(|c: char| c.is_ascii_digit())
                    .to_string(),
                if i.essential { "essential" } else { "elastic" }.to_string(),
                i.host.clone(),
                format!("{}{exit}{restarts}", i.engine_status),
                i.container.clone(),
            ]
        })
        .collect();
    // narrow: the service is the instance's name without its number
    let columns: &[usize] = if wide {
        &[0, 1, 2, 3, 4, 5]
    } else {
        &[0, 2, 3, 4]
    };
    const TITLES: [&str; 6] = ["INSTANCE", "SERVICE", "KIND", "HOST", "STATE", "CONTAINER"];
    let mut header: Vec<&str> = columns.iter().map(|&n| TITLES[n]).collect();
    let mut widths: Vec<Constraint> = columns
        .iter()
        .map(|&n| {
            let title = TITLES[n];
            let widest = texts
                .iter()
                .map(|t| t[n].chars().count())
                .max()
                .unwrap_or(0)
                .max(title.len())
                .min(24);
            Constraint::Length(widest as u16)
        })
        .collect();
    header.push("URL");
    widths.push(Constraint::Min(10));
    let rows: Vec<Row> = row
        .instances
        .iter()
        .zip(&texts)
        .map(|(i, t)| {
            let state_style = if i.state == BackendState::Started {
                s.success
            } else {
                s.warning
            };
            let mut cells: Vec<Cell> = columns
                .iter()
                .map(|&n| match n {
                    2 | 5 => Cell::from(Span::styled(t[n].clone(), s.muted)),
                    4 => Cell::from(Span::styled(t[n].clone(), state_style)),
                    _ => Cell::from(t[n].clone()),
                })
                .collect();
            cells.push(Cell::from(Span::styled(
                urls(row, &i.instance).join(" "),
                s.highlight,
            )));
            Row::new(cells)
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(s.accent))
        .row_highlight_style(s.selected);
    let mut state = TableState::default().with_selected(
        (app.instances.focused && !row.instances.is_empty()).then_some(
            app.instances
                .selected
                .min(row.instances.len().saturating_sub(1)),
        ),
    );
    frame.render_stateful_widget(table, area, &mut state);
}

/// Whether the shell the engine found may take the terminal now: the one
/// asked for, while the list is still where it was asked from (no form,
/// prompt or other view opened meanwhile). Forgets the asking either way.
pub fn shell_wanted(app: &mut App, execution: &crate::model::ExecutionId, instance: &str) -> bool {
    let asked = app.instances.shell_asked.take();
    let same = asked.is_some_and(|(e, i)| e == *execution && i == instance);
    let here = app.mode == Mode::Normal && app.context() == crate::tui::keymap::Context::Inspect;
    if same && !here {
        app.message = Some((
            format!("the shell in {instance} was not opened: the view changed"),
            false,
        ));
    }
    same && here
}

/// The engine could not open the shell asked for.
pub fn shell_failed(app: &mut App) {
    app.instances.shell_asked = None;
}
