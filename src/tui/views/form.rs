//! The start form on screen: its fields with errors as you type, the live
//! placement preview, the launch progress panel, and what its keys do:
//! tab/down and shift-tab/up move between fields, `+`/`-` step a number,
//! enter launches, esc cancels (the keymap's defaults); every other key
//! edits the focused field.
//! The form's logic (fields, validation, preview) is `tui::form`.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::panel;
use crate::tui::app::{App, Mode, Request};
use crate::tui::data::LaunchStep;
use crate::tui::form::{Form, Preview};
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
    form.refresh(&app.console, &app.data.nodes);
    app.form = Some(form);
    app.mode = Mode::Form;
    app.data.launch.clear();
}

/// The status line's hints in the form: (commands, label).
pub const HINTS: &[(&[Command], &str)] = &[
    (&[Command::NextField], "next field"),
    (&[Command::StepUp, Command::StepDown], "step"),
    (&[Command::Launch], "launch"),
    (&[Command::Cancel], "cancel"),
];

/// Keys while the form is open: the keymap's `form.*` commands; every
/// other key edits the focused field, and so do `+`/`-` in a text field.
pub fn on_key(app: &mut App, key: KeyEvent) -> Request {
    let command = app.keymap.command_in(Context::Form, &key);
    let Some(form) = app.form.as_mut() else {
        app.mode = Mode::Normal;
        return Request::None;
    };
    let mut changed = false;
    match command {
        Some(Command::Cancel) => {
            app.form = None;
            app.mode = Mode::Normal;
            return Request::None;
        }
        Some(Command::NextField) => form.next(),
        Some(Command::PreviousField) => form.previous(),
        Some(Command::Launch) => {
            form.refresh(&app.console, &app.data.nodes);
            let Some(prepared) = form.prepared.clone() else {
                app.message = Some(("fix the fields in red first".into(), true));
                return Request::None;
            };
            app.message = Some((format!("launching {}…", prepared.identity.id), false));
            app.data.launching = Some(prepared.identity.id.to_string());
            app.form = None;
            app.mode = Mode::Normal;
            return Request::Launch(Box::new(prepared));
        }
        Some(Command::StepUp) if form.step(true) => changed = true,
        Some(Command::StepDown) if form.step(false) => changed = true,
        // everything else edits the focused field: characters, backspace,
        // delete, left/right, home/end, ctrl-w…
        _ => {
            if let Some(f) = form.focused() {
                use tui_input::backend::crossterm::EventHandler;
                changed = f
                    .input
                    .handle_event(&ratatui::crossterm::event::Event::Key(key))
                    .is_some_and(|c| c.value);
            }
        }
    }
    if changed {
        form.refresh(&app.console, &app.data.nodes);
    }
    Request::None
}

pub fn draw_form(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(form) = &app.form else { return };
    let s = &app.styles;
    let wide = area.width >= 120;
    let [fields_area, preview_area] = if wide {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area)
    } else {
        Layout::vertical([Constraint::Min(6), Constraint::Length(7)]).areas(area)
    };
    let mut lines = Vec::new();
    let label_width = form
        .fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(10)
        .min(28);
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label: String = f.label.chars().take(label_width).collect();
        let mut spans = vec![Span::styled(
            format!(
                "{}{label:<label_width$} ",
                if focused { "▶ " } else { "  " }
            ),
            if focused { s.accent } else { s.muted },
        )];
        if focused {
            // the cursor where tui-input has it
            let chars: Vec<char> = f.value().chars().collect();
            let at = f.input.cursor().min(chars.len());
            let before: String = chars[..at].iter().collect();
            let under: String = chars.get(at).map_or(" ".to_string(), |c| c.to_string());
            let after: String = chars
                .get(at + 1..)
                .map(|r| r.iter().collect())
                .unwrap_or_default();
            spans.push(Span::styled(before, s.highlight));
            spans.push(Span::styled(under, s.selected));
            spans.push(Span::styled(after, s.highlight));
        } else {
            spans.push(Span::styled(f.value().to_string(), s.base));
        }
        if let Some((min, max, _)) = f.int {
            spans.push(Span::styled(format!("  {min}..{max} (+/-)"), s.muted));
        }
        lines.push(Line::from(spans));
        if let Some(error) = &f.error {
            lines.push(Line::from(Span::styled(format!("    {error}"), s.error)));
        }
    }
    for g in &form.general {
        lines.push(Line::from(Span::styled(g.clone(), s.error)));
    }
    // keep the focused field on screen
    let focus_line = lines
        .iter()
        .position(|l| {
            l.spans
                .first()
                .is_some_and(|sp| sp.content.starts_with('▶'))
        })
        .unwrap_or(0);
    let visible = usize::from(fields_area.height.saturating_sub(2));
    let scroll = focus_line.saturating_sub(visible.saturating_sub(2)) as u16;
    let key = |command| {
        app.keymap
            .first_key_in(Context::Form, command)
            .unwrap_or("-")
    };
    let title = format!(
        " start {} — {} launches, {} cancels, {} moves ",
        form.entry_name,
        key(Command::Launch),
        key(Command::Cancel),
        key(Command::NextField)
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(panel(app, title))
            .scroll((scroll, 0)),
        fields_area,
    );

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
        preview_area,
    );
}

pub fn draw_launch(frame: &mut Frame<'_>, app: &App, area: Rect) {
    if app.data.launch.is_empty() {
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
    let lines: Vec<Line> = app
        .data
        .launch
        .iter()
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
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(panel(app, " launching ".into())),
        rect,
    );
}
