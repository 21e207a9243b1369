//! The start form on screen: its fields with errors and notes as you
//! type, the live placement preview, the launch's progress per instance
//! and, when it failed, why — next to the fields, which keep every value.
//! Its keys: tab/down and shift-tab/up move between fields, `+`/`-` step
//! a number that is not being typed into, enter launches, esc cancels
//! (the keymap's defaults); every other key edits the focused field (see
//! `tui::form_field`). The form stays open until the launch succeeded
//! (or waits in the queue) or failed; esc while it is under way, or a
//! key to another view, closes the form and the launch goes on, its
//! progress over the views and its outcome in the status line.
//! The form's logic (fields, validation, preview) is `tui::form`.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::panel;
use crate::tui::app::{App, Mode, Request};
use crate::tui::data::{LaunchRow, LaunchStep};
use crate::tui::form::{Form, Launch, Preview};
use crate::tui::keymap::{Command, Context};

/// Opens the start form for the selected entry, or for `relaunch`'s entry
/// filled with its values.
pub fn open(app: &mut App, relaunch: Option<(String, Vec<(String, String)>)>) {
    if app.readonly {
        app.message = Some((
            "read-only: launching is hidden (started with --readonly)".into(),
            true,
        ));
        return;
    }
    let entry = match &relaunch {
        Some((id, _)) => app.console.shop().entry(id),
        None => app.selected_entry(),
    };
    let Some(entry) = entry else { return };
    let values = relaunch.map(|(_, v)| v).unwrap_or_default();
    let mut form = Form::new(entry, &values);
    if let Some(why) = app.console.resources_locked() {
        form.lock_resources(entry, why);
    }
    form.refresh(&app.console, &app.data.nodes);
    app.form = Some(form);
    app.mode = Mode::Form;
}

/// The status line's hints in the form: (commands, label).
pub const HINTS: &[(&[Command], &str)] = &[
    (&[Command::NextField], "next field"),
    (&[Command::StepUp, Command::StepDown], "step"),
    (&[Command::Launch], "launch"),
    (&[Command::Cancel], "cancel"),
];

/// The hints while the form launches: its fields wait.
const LAUNCHING_HINTS: &[(&[Command], &str)] =
    &[(&[Command::Cancel], "close the form (the launch goes on)")];

/// The status line's hints for the form as it is now.
pub fn hints(app: &App) -> &'static [(&'static [Command], &'static str)] {
    if app.form.as_ref().is_some_and(Form::is_launching) {
        LAUNCHING_HINTS
    } else {
        HINTS
    }
}

/// Keys while the form is open: the keymap's `form.*` commands; every
/// other key edits the focused field, and so do `+`/`-` in a field that is
/// being typed into. While the launch is under way the fields wait; esc
/// closes the form and the launch goes on.
pub fn on_key(app: &mut App, key: KeyEvent) -> Request {
    let command = app.keymap.command_in(Context::Form, &key);
    let Some(form) = app.form.as_mut() else {
        app.mode = Mode::Normal;
        return Request::None;
    };
    if let Launch::Launching(id) = &form.launch {
        let id = id.clone();
        app.message = Some(if command == Some(Command::Cancel) {
            app.form = None;
            app.mode = Mode::Normal;
            (
                format!("form closed; the launch of {id} goes on and shows in executions"),
                false,
            )
        } else {
            let esc = app
                .keymap
                .first_key_in(Context::Form, Command::Cancel)
                .unwrap_or("esc");
            (
                format!(
                    "launching {id}… ({esc} closes the form, or go to another view: the launch goes on)"
                ),
                false,
            )
        });
        return Request::None;
    }
    let mut changed = false;
    match command {
        Some(Command::Cancel) => {
            app.form = None;
            app.mode = Mode::Normal;
            return Request::None;
        }
        Some(Command::NextField) => form.next(),
        Some(Command::PreviousField) => form.previous(),
        Some(Command::Launch) => return launch(app),
        Some(Command::StepUp) if form.step(true) => changed = true,
        Some(Command::StepDown) if form.step(false) => changed = true,
        // everything else edits the focused field: characters, backspace,
        // delete, left/right, home/end, ctrl-w…
        _ => changed = form.edit(key),
    }
    if changed {
        form.refresh(&app.console, &app.data.nodes);
    }
    Request::None
}

/// Whether the open form launched `execution` (and waits for its end).
pub fn launched_here(app: &App, execution: &str) -> bool {
    app.form
        .as_ref()
        .is_some_and(|f| matches!(&f.launch, Launch::Launching(id) if id.as_str() == execution))
}

/// The form's launch went through: the form closes.
pub fn close_after_launch(app: &mut App) {
    app.form = None;
    if app.mode == Mode::Form {
        app.mode = Mode::Normal;
    }
}

/// The form's launch failed: the form stays, with every value, and says
/// why next to the fields.
pub fn launch_failed(app: &mut App, why: String) {
    if let Some(form) = app.form.as_mut() {
        form.failed(why, &app.console, &app.data.nodes);
        let enter = app
            .keymap
            .first_key_in(Context::Form, Command::Launch)
            .unwrap_or("enter");
        app.message = Some((
            format!(
                "the launch failed (why: under the form); fix a value and {enter} launches again"
            ),
            true,
        ));
    }
}

/// While the form launches, a key that goes to another view or to the
/// `:` line closes the form (the launch goes on, its progress over the
/// views) and then does what it does there; whether it did.
pub fn leaves_while_launching(app: &mut App, key: &KeyEvent) -> bool {
    let Some(Launch::Launching(id)) = app.form.as_ref().map(|f| &f.launch) else {
        return false;
    };
    // the form's own keys (tab moves between fields) stay the form's
    let leaves = app.keymap.command_in(Context::Form, key).is_none()
        && matches!(
            app.keymap.command_in(Context::Global, key),
            Some(
                Command::ShopView
                    | Command::ExecutionsView
                    | Command::NodesView
                    | Command::NextView
                    | Command::CommandMode
            )
        );
    if leaves {
        app.message = Some((
            format!("form closed; the launch of {id} goes on and shows in executions"),
            false,
        ));
        app.form = None;
        app.mode = Mode::Normal;
    }
    leaves
}

/// Enter: the launch, when every field is right.
fn launch(app: &mut App) -> Request {
    let Some(form) = app.form.as_mut() else {
        return Request::None;
    };
    form.refresh(&app.console, &app.data.nodes);
    let Some(mut prepared) = form.prepared.clone() else {
        app.message = Some(("fix the fields in red first".into(), true));
        return Request::None;
    };
    prepared.relaunch_of.clone_from(&form.relaunch_of);
    let id = prepared.identity.id.clone();
    form.launching(id.clone());
    app.message = Some((format!("launching {id}…"), false));
    app.data.launch.clear();
    app.data.launching = Some(id.to_string());
    Request::Launch(Box::new(prepared))
}

pub fn draw_form(frame: &mut Frame<'_>, app: &mut App, area: Rect) {
    let Some(mut form) = app.form.take() else {
        return;
    };
    draw_with(frame, app, &mut form, area);
    app.form = Some(form);
}

fn draw_with(frame: &mut Frame<'_>, app: &App, form: &mut Form, area: Rect) {
    let wide = area.width >= 120;
    // the progress beside the fields; a failure under them, across the
    // whole width (an engine's error is long)
    let inner_width = match &form.launch {
        Launch::Launching(_) if wide => area.width * 45 / 100,
        _ => area.width,
    }
    .saturating_sub(2);
    let side: Option<(String, Vec<Line<'static>>)> = match &form.launch {
        Launch::Editing => None,
        Launch::Launching(id) => Some((
            format!(" launching {id} "),
            launch_lines(app, &app.data.launch, "waiting for the engine…"),
        )),
        Launch::Failed(why) => {
            // wrapped here, so its height is known
            let width = usize::from(inner_width);
            let mut lines: Vec<Line> = why
                .lines()
                .flat_map(|l| super::form_fields::wrap(l, width))
                .map(|l| Line::from(Span::styled(l, app.styles.error)))
                .collect();
            lines.extend(
                super::form_fields::wrap(
                    "fix a value and launch again: a new execution, with these values",
                    width,
                )
                .into_iter()
                .map(|l| Line::from(Span::styled(l, app.styles.muted))),
            );
            Some((" launch failed ".to_string(), lines))
        }
    };
    let side_height = side.as_ref().map_or(0, |(_, lines)| {
        u16::try_from(lines.len() + 2).unwrap_or(u16::MAX)
    });
    let (fields_area, side_area, preview_area) = if wide {
        let (above, below) = match &form.launch {
            Launch::Failed(_) => {
                let [above, below] = Layout::vertical([
                    Constraint::Min(6),
                    Constraint::Length(side_height.min(area.height / 2)),
                ])
                .areas(area);
                (above, Some(below))
            }
            _ => (area, None),
        };
        let [fields, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(above);
        match &form.launch {
            Launch::Editing => (fields, None, Some(right)),
            Launch::Launching(_) => (fields, Some(right), None),
            Launch::Failed(_) => (fields, below, Some(right)),
        }
    } else {
        match &form.launch {
            Launch::Editing => {
                let [fields, bottom] =
                    Layout::vertical([Constraint::Min(6), Constraint::Length(7)]).areas(area);
                (fields, None, Some(bottom))
            }
            Launch::Launching(_) => {
                let [fields, bottom] = Layout::vertical([
                    Constraint::Min(6),
                    Constraint::Length(side_height.clamp(3, 10)),
                ])
                .areas(area);
                (fields, Some(bottom), None)
            }
            Launch::Failed(_) => {
                let [fields, preview, failure] = Layout::vertical([
                    Constraint::Min(5),
                    Constraint::Length(6),
                    Constraint::Length(side_height.clamp(3, 8)),
                ])
                .areas(area);
                (fields, Some(failure), Some(preview))
            }
        }
    };
    super::form_fields::draw_fields(frame, app, form, fields_area);
    if let (Some((title, lines)), Some(rect)) = (side, side_area) {
        frame.render_widget(
            Paragraph::new(lines)
                .block(panel(app, title))
                .wrap(Wrap { trim: false }),
            rect,
        );
    }
    if let Some(rect) = preview_area {
        draw_preview(frame, app, form, rect);
    }
}

fn draw_preview(frame: &mut Frame<'_>, app: &App, form: &Form, area: Rect) {
    let s = &app.styles;
    let preview: Vec<Line> = match &form.preview {
        Preview::Invalid => vec![Line::from(Span::styled(
            "fix the fields in red to see where it would run",
            s.muted,
        ))],
        Preview::NoNodes => vec![Line::from(Span::styled(
            "waiting for the hosts to answer…",
            s.muted,
        ))],
        Preview::NoRoom(why) => why
            .lines()
            .map(|l| Line::from(Span::styled(l.to_string(), s.warning)))
            .collect(),
        Preview::Fits { placed, later } => {
            let mut out: Vec<Line> = placed
                .iter()
                .map(|(instance, node, essential)| {
                    Line::from(vec![
                        Span::styled(
                            format!("{instance:<16}"),
                            if *essential { s.base } else { s.muted },
                        ),
                        Span::styled(format!("→ {node}"), s.success),
                    ])
                })
                .collect();
            out.extend(later.iter().map(|i| {
                Line::from(Span::styled(
                    format!("{i:<16}  later: no room now (elastic)"),
                    s.warning,
                ))
            }));
            out
        }
    };
    let preview: Vec<Line> = quota_line(app, form).into_iter().chain(preview).collect();
    let title = match &form.preview {
        Preview::Fits { placed, later } if later.is_empty() => {
            format!(
                " placement preview: {} ",
                crate::model::text::count(placed.len() as u64, "instance", "instances")
            )
        }
        Preview::Fits { placed, later } => format!(
            " placement preview: {} now, {} later ",
            placed.len(),
            later.len()
        ),
        _ => " placement preview ".to_string(),
    };
    // the capacity it uses is as old as the last look (a launch checks
    // again with fresh capacity, and queues when the room is gone)
    let title = match app.data.seen_at {
        Some(at) => format!("{title}· nodes seen {} ago ", app.age(at)),
        None => format!("{title}· no capacity seen yet "),
    };
    frame.render_widget(
        Paragraph::new(preview)
            .block(panel(app, title))
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// What the launch would leave of the user's quota, or Zoe's refusal in
/// the error colour; from the executions as the last look saw them. None
/// without a limit to tell of (a personal install's unlimited quota).
fn quota_line(app: &App, form: &Form) -> Option<Line<'static>> {
    let prepared = form.prepared.as_ref()?;
    let identity = app.console.identity().ok()?;
    let quota = &identity.quota;
    let limited = identity.role.guest
        || quota.concurrent_executions != 0
        || quota.memory != 0
        || quota.cores != 0.0;
    if !limited {
        return None;
    }
    let usage = crate::console::quota::usage_from(
        app.data
            .executions
            .iter()
            .map(|r| (r.owner.as_str(), r.status, r.reserved)),
        &identity.user,
    );
    Some(
        match crate::console::quota::leaves(
            quota,
            identity.role.guest,
            &usage,
            &prepared.description,
        ) {
            Ok(text) => Line::from(Span::styled(text, app.styles.muted)),
            Err(why) => Line::from(Span::styled(
                format!("over quota: {}", why.trim_start_matches("quota exceeded: ")),
                app.styles.error,
            )),
        },
    )
}

/// One line per instance of a launch: where it goes and how far it is.
fn launch_lines(app: &App, rows: &[LaunchRow], empty: &str) -> Vec<Line<'static>> {
    if rows.is_empty() {
        return vec![Line::from(Span::styled(
            empty.to_string(),
            app.styles.muted,
        ))];
    }
    rows.iter()
        .map(|row| {
            let style = match row.step {
                LaunchStep::Failed(_) => app.styles.error,
                LaunchStep::Running => app.styles.success,
                _ => app.styles.info,
            };
            Line::from(vec![
                Span::raw(format!("{:<18}{:<12}", row.instance, row.host)),
                Span::styled(row.step.to_string(), style),
            ])
        })
        .collect()
}

/// The progress of a launch whose form was closed, over the view.
pub fn draw_launch(frame: &mut Frame<'_>, app: &App, area: Rect) {
    if app.data.launch.is_empty() || app.mode == Mode::Form {
        return;
    }
    let height = (app.data.launch.len() as u16 + 2)
        .min(area.height / 2)
        .max(3)
        .min(area.height);
    let rect = Rect {
        x: area.x,
        y: area.y + area.height - height,
        width: area.width,
        height,
    };
    let lines = launch_lines(app, &app.data.launch, "");
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(panel(app, " launching ".into())),
        rect,
    );
}
