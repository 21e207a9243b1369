//! The log view's keys: `f` follow/pause, `w` wrap, `t` timestamps (short
//! → RFC 3339 → none), `/` filter (regex, smart case) with esc to clear
//! it, `ctrl-f` search (highlight and jump) with `n`/`N`, `ctrl-d`/`ctrl-u`
//! half pages, space a page, `left`/`right`/`0`/`$` horizontal scroll
//! without wrap, `1`..`9` hide/show a service of a merged log, `s` save to
//! a file (asks where when the state directory refuses it), esc back to
//! the executions (which stops the follow); keys as in the keymap's
//! defaults. The buffer itself, bounded, is `tui::logs::LogView`; drawing
//! is in `logs_draw.rs`.

use ratatui::crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

pub use super::logs_draw::draw_logs;
use crate::tui::app::{App, Mode, Request, View};
use crate::tui::keymap::Command;
use crate::tui::line::Outcome;
use crate::tui::logs::{LogView, Prompt};

/// The status line's hints here: (commands, label).
pub const HINTS: &[(&[Command], &str)] = &[
    (&[Command::Follow], "follow"),
    (&[Command::Wrap], "wrap"),
    (&[Command::Timestamps], "time"),
    (&[Command::Filter], "filter"),
    (&[Command::Search], "search"),
    (&[Command::NextMatch, Command::PreviousMatch], "next/prev"),
    (&[Command::Save], "save"),
    (&[Command::Back], "back"),
];

/// This view's own commands (the keymap's `logs.*`).
pub fn run(app: &mut App, command: Command) -> Option<Request> {
    let page = app.page.max(2);
    let logs = app.logs.as_mut()?;
    let mut told = None;
    match command {
        Command::Follow => logs.follow = !logs.follow,
        Command::Wrap => logs.wrap = !logs.wrap,
        Command::Timestamps => logs.time = logs.time.next(),
        Command::NextMatch | Command::PreviousMatch => {
            let forward = command == Command::NextMatch;
            if logs.search.is_empty() {
                told = Some(("no search: ctrl-f searches".to_string(), true));
            } else if !logs.find(forward) {
                told = Some((format!("`{}` not found", logs.search), true));
            }
        }
        Command::Save => {
            return Some(Request::SaveLogs {
                name: logs.file_name(chrono::Utc::now()),
                text: logs.contents(),
                path: None,
            });
        }
        Command::Search => open_prompt(app, Prompt::Search),
        Command::HalfPageDown => logs.scroll(page as isize / 2, page),
        Command::HalfPageUp => logs.scroll(-(page as isize / 2), page),
        Command::SpacePage => logs.scroll(page as isize, page),
        Command::ScrollLeft | Command::ScrollRight | Command::LineStart | Command::LineEnd
            if logs.wrap =>
        {
            told = Some((
                "wrap is on: w turns it off to scroll sideways".to_string(),
                true,
            ));
        }
        Command::ScrollLeft => logs.hscroll_by(-(crate::tui::logs::HSCROLL_STEP as isize)),
        Command::ScrollRight => logs.hscroll_by(crate::tui::logs::HSCROLL_STEP as isize),
        Command::LineStart => logs.hscroll = 0,
        Command::LineEnd => logs.hscroll_end(),
        Command::ToggleService(n) => {
            told = Some(match logs.toggle(usize::from(n)) {
                Ok((name, true)) => (format!("{name} hidden ({n} shows it again)"), false),
                Ok((name, false)) => (format!("{name} shown"), false),
                Err(why) => (why, true),
            });
        }
        _ => return None,
    }
    if told.is_some() {
        app.message = told;
    }
    Some(Request::None)
}

fn open_prompt(app: &mut App, prompt: Prompt) {
    let Some(logs) = app.logs.as_mut() else {
        return;
    };
    let text = match prompt {
        Prompt::Filter => logs.filter.text.clone(),
        Prompt::Search => String::new(),
        // a path typed before and refused stays, to be mended
        Prompt::SavePath => app.prompt.value().to_string(),
    };
    logs.prompt = Some(prompt);
    app.prompt.set(&text);
    app.mode = Mode::LogSearch;
}

/// `/`: type a filter (the lines shown change as it is typed).
pub fn search(app: &mut App) {
    open_prompt(app, Prompt::Filter);
}

/// Keys while the prompt is open: enter keeps (or saves), esc and ctrl-c
/// drop.
pub fn search_key(app: &mut App, key: KeyEvent) -> Request {
    let outcome = app.prompt.handle(&key);
    let Some(logs) = app.logs.as_mut() else {
        app.mode = Mode::Normal;
        return Request::None;
    };
    let prompt = logs.prompt.unwrap_or(Prompt::Search);
    match outcome {
        Outcome::Cancel => return close(app, prompt, false),
        Outcome::Submit => return close(app, prompt, true),
        Outcome::Edited | Outcome::Ignored => {}
    }
    if prompt == Prompt::Filter {
        logs.set_filter(app.prompt.value());
    }
    Request::None
}

/// Ends the prompt: `keep` (enter) or not (esc).
fn close(app: &mut App, prompt: Prompt, keep: bool) -> Request {
    app.mode = Mode::Normal;
    let Some(logs) = app.logs.as_mut() else {
        return Request::None;
    };
    logs.prompt = None;
    let input = app.prompt.value().to_string();
    if !(prompt == Prompt::SavePath && keep) {
        app.prompt.clear();
    }
    match (prompt, keep) {
        (Prompt::Filter, false) => logs.set_filter(""),
        (Prompt::Filter, true) => {
            if let Some(why) = &logs.filter.error {
                app.message = Some((
                    format!("`{}` is {why}; lines not filtered", logs.filter.text),
                    true,
                ));
            }
        }
        (Prompt::Search, false) => {
            logs.search.clear();
            logs.matched = None;
        }
        (Prompt::Search, true) => {
            logs.search = input;
            if !logs.search.is_empty() && !logs.find(true) {
                app.message = Some((format!("`{}` not found", logs.search), true));
            }
        }
        (Prompt::SavePath, false) => app.message = Some(("not saved".into(), false)),
        (Prompt::SavePath, true) if input.trim().is_empty() => {
            app.message = Some(("not saved: no path given".into(), true));
        }
        (Prompt::SavePath, true) => {
            return Request::SaveLogs {
                name: logs.file_name(chrono::Utc::now()),
                text: logs.contents(),
                path: Some(input.trim().to_string()),
            };
        }
    }
    Request::None
}

/// What saving did: the path in the status line, or (the state directory
/// refused it) a prompt for another path, the reason above it.
pub fn saved(app: &mut App, result: Result<std::path::PathBuf, String>, asked: bool) {
    match result {
        Ok(path) => {
            let lines = app.logs.as_ref().map_or(0, |l| l.counter().0);
            app.message = Some((format!("saved {lines} lines to {}", path.display()), false));
        }
        Err(why) if app.save_only_in.is_some() => {
            let dir = app.save_only_in.clone().unwrap_or_default();
            app.message = Some((crate::tui::per_user::only_here(&why, &dir), true));
        }
        Err(why) => {
            app.message = Some((format!("{why}; type a path to save to (esc: don't)"), true));
            if !asked {
                app.prompt.clear();
            }
            open_prompt(app, Prompt::SavePath);
        }
    }
}

/// The prompt as the status line shows it.
pub fn prompt_line(app: &App, width: u16) -> Line<'static> {
    let s = &app.styles;
    let Some(logs) = &app.logs else {
        return Line::default();
    };
    let (label, note) = match logs.prompt {
        Some(Prompt::Filter) => {
            let (shown, total) = logs.counter();
            let note = match &logs.filter.error {
                Some(why) => Span::styled(format!("  {why}"), s.error),
                None if logs.filter.active() => {
                    Span::styled(format!("  {shown}/{total} lines"), s.muted)
                }
                None => Span::raw(""),
            };
            ("filter /", note)
        }
        Some(Prompt::SavePath) => ("save to: ", Span::raw("")),
        Some(Prompt::Search) | None => ("search: ", Span::raw("")),
    };
    let room =
        usize::from(width).saturating_sub(label.chars().count() + note.content.chars().count());
    let mut spans = vec![Span::styled(label, s.accent)];
    spans.extend(app.prompt.spans(room, s.highlight));
    spans.push(note);
    Line::from(spans)
}

/// Esc: clears the filter when there is one, else back to the executions
/// (the follow stops).
pub fn back(app: &mut App) -> Request {
    if let Some(logs) = app.logs.as_mut()
        && !logs.filter.text.is_empty()
    {
        logs.set_filter("");
        return Request::None;
    }
    leave(app)
}

/// `q`: back to the executions at once (the follow stops), filter or not.
pub fn leave(app: &mut App) -> Request {
    app.view = View::Executions;
    app.logs = None;
    Request::StopLogs
}

pub fn move_by(app: &mut App, delta: isize) {
    let page = app.page;
    if let Some(logs) = app.logs.as_mut() {
        logs.scroll(delta, page);
    }
}

/// A new log view for `execution` (every service, or one).
pub fn open(
    app: &mut App,
    execution: crate::model::ExecutionId,
    service: Option<String>,
) -> Request {
    app.logs = Some(LogView::new(
        execution.clone(),
        service.clone(),
        app.console.settings().log_buffer_lines,
    ));
    app.view = View::Logs;
    Request::FollowLogs {
        id: execution,
        service,
    }
}
