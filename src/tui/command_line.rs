//! The one-line inputs: a list's filter (after `/`) and the `:` command
//! line, with the commands it runs (the table is `line_commands.rs`:
//! `:shop`, `:ps`, `:nodes`, `:logs EXEC [SERVICE]`, `:ctx [CONTEXT]`,
//! `:ns [NAMESPACE]`, `:theme [NAME]`, `:refresh`, `:help`, `:q`). Keys
//! edit the line as readline does (`line.rs`); on the `:` line `tab`
//! completes (again: the next candidate, shift-tab the one before) and
//! up/down walk the history. Enter ends the line, esc and ctrl-c drop it.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Mode, Request, View};
use super::line::Outcome;
use super::line_commands::{self, common_prefix};
use super::style::Styles;
use super::views::logs;
use crate::config::theme::load_theme;

/// The completions shown under the `:` line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    pub candidates: Vec<String>,
    /// The candidate in the line, once tab cycles.
    pub index: Option<usize>,
    /// The line before the word completed.
    base: String,
    /// The word as typed.
    pub word: String,
}

/// Opens the `:` line.
pub fn open_command(app: &mut App) {
    app.mode = Mode::Command;
    app.prompt.clear();
    app.completion = None;
    app.history.reset();
}

/// Opens a list's filter, editing the one already set.
pub fn open_filter(app: &mut App) {
    app.mode = Mode::Filter;
    let text = if app.view == View::Executions {
        app.executions.filter.clone()
    } else {
        app.shop.filter.clone()
    };
    app.prompt.set(&text);
}

/// A key while typing the filter (`filter`) or the `:` line.
pub fn edit(app: &mut App, key: KeyEvent, filter: bool) -> Request {
    match app.prompt.handle(&key) {
        Outcome::Cancel => {
            app.mode = Mode::Normal;
            app.completion = None;
            app.history.reset();
            app.prompt.clear();
            if filter {
                set_filter(app, "");
            }
        }
        Outcome::Submit => {
            app.mode = Mode::Normal;
            app.completion = None;
            if !filter {
                let text = app.prompt.value().to_string();
                app.prompt.clear();
                if !text.trim().is_empty() {
                    app.history.push(&text);
                    app.remember_changed = true;
                }
                return run(app, &text);
            }
        }
        Outcome::Edited => {
            app.completion = None;
            if filter {
                let text = app.prompt.value().to_string();
                set_filter(app, &text);
            }
        }
        Outcome::Ignored if !filter => match key.code {
            KeyCode::Tab => complete(app, true),
            KeyCode::BackTab => complete(app, false),
            KeyCode::Up => {
                let typed = app.prompt.value().to_string();
                if let Some(line) = app.history.older(&typed).map(str::to_string) {
                    set_line(app, &line);
                }
            }
            KeyCode::Down => {
                if let Some(line) = app.history.newer().map(str::to_string) {
                    set_line(app, &line);
                }
            }
            _ => {}
        },
        Outcome::Ignored => {}
    }
    Request::None
}

fn set_line(app: &mut App, line: &str) {
    app.prompt.set(line);
    app.completion = None;
}

/// The filter of the view becomes `text`. While one is typed the best
/// match is selected; once it is cleared, the entry that was selected
/// stays selected.
pub fn set_filter(app: &mut App, text: &str) {
    if app.view == View::Executions {
        let kept = app.selected_execution().map(|e| e.id.clone());
        app.executions.filter = text.to_string();
        app.executions.selected = match kept {
            Some(id) if text.is_empty() => app
                .visible_executions()
                .iter()
                .position(|e| e.id == id)
                .unwrap_or(0),
            _ => 0,
        };
    } else {
        let kept = app.selected_entry().map(|e| e.id.clone());
        app.shop.filter = text.to_string();
        app.shop.selected = match kept {
            Some(id) if text.is_empty() => app
                .visible_entries()
                .iter()
                .position(|e| e.id == id)
                .unwrap_or(0),
            _ => 0,
        };
    }
}

/// Tab: completes the last word; again, the next candidate.
fn complete(app: &mut App, forward: bool) {
    if let Some(c) = app.completion.as_mut()
        && c.candidates.len() > 1
    {
        let n = c.candidates.len();
        let index = match (c.index, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        c.index = Some(index);
        let line = format!("{}{}", c.base, c.candidates[index]);
        app.prompt.set(&line);
        return;
    }
    let line = app.prompt.value().to_string();
    let (start, found) = line_commands::complete(app, &line);
    let base = line[..start].to_string();
    let word = line[start..].to_string();
    match found.len() {
        1 => {
            set_line(app, &format!("{base}{} ", found[0]));
        }
        _ => {
            let prefix = common_prefix(&found);
            if prefix.chars().count() > word.chars().count() {
                let line = format!("{base}{prefix}");
                app.prompt.set(&line);
            }
            app.completion = Some(Completion {
                candidates: found,
                index: None,
                base,
                word,
            });
        }
    }
}

/// Runs a `:` command.
pub fn run(app: &mut App, line: &str) -> Request {
    let mut words = line.split_whitespace();
    app.shop.detail = false;
    match (words.next(), words.next()) {
        (Some("q" | "quit" | "q!"), _) => return Request::Quit,
        (Some("shop"), _) => app.view = View::Shop,
        (Some("ps" | "executions" | "exec"), _) => app.view = View::Executions,
        (Some("nodes" | "node"), _) => app.view = View::Nodes,
        (Some("logs"), Some(query)) => {
            // the same answer, in the same words, as `zoe logs`
            let service = words.next();
            match logs_target(&app.data.executions, query, service) {
                Ok(id) => return logs::open(app, id, service.map(str::to_string)),
                // as the engine says it: another user's is no execution
                Err(why) if why.starts_with("no execution") => {
                    let asking =
                        crate::console::access::Asking::of_identity(app.console.identity(), false);
                    app.message = Some((format!("{why}{}", asking.hint()), true));
                }
                Err(why) => app.message = Some((why, true)),
            }
        }
        (Some("logs"), None) => {
            app.message = Some(("usage: :logs EXECUTION [SERVICE]".into(), true))
        }
        (Some("theme"), Some(name)) => match load_theme(name, app.themes_dir.as_deref(), false) {
            Ok(theme) => {
                app.styles = Styles::from_theme(&theme);
                app.theme = theme;
            }
            Err(why) => app.message = Some((why, true)),
        },
        (Some("theme"), None) => app.message = Some((themes(app), false)),
        (Some("help"), _) => {
            app.mode = Mode::Help;
            app.line_help = true;
        }
        (Some("refresh"), _) => return Request::Refresh,
        // the engine answers (the list, the switch, or why not) in the
        // status line
        (Some("ctx" | "context"), None) => return Request::Contexts,
        (Some("ctx" | "context"), Some(name)) => return Request::UseContext(name.to_string()),
        (Some("ns" | "namespace"), None) => return Request::Namespaces,
        (Some("ns" | "namespace"), Some(name)) => return Request::UseNamespace(name.to_string()),
        (None, _) => {}
        (Some(other), _) => {
            let shown = crate::model::text::visible(other);
            let hint = match line_commands::closest(other) {
                Some(name) => format!("did you mean :{name}? "),
                None => String::new(),
            };
            app.message = Some((
                format!("unknown command `:{shown}`; {hint}(:help lists the commands)"),
                true,
            ));
        }
    }
    Request::None
}

/// The execution `:logs QUERY [SERVICE]` means, or why none: an id or a
/// name (the active one of several), a service it has (an instance or
/// a group; one with no instance known yet is left to the engine).
pub fn logs_target(
    rows: &[super::app::ExecutionRow],
    query: &str,
    service: Option<&str>,
) -> Result<crate::model::ExecutionId, String> {
    use crate::console::resolve::{Candidate, instances_of, pick};
    let candidates: Vec<Candidate<'_>> = rows
        .iter()
        .map(|r| Candidate {
            id: r.id.as_str(),
            name: &r.name,
            active: r.status.is_active(),
        })
        .collect();
    let i = pick(query, &candidates)?;
    let row = rows
        .get(i)
        .ok_or_else(|| format!("no execution `{query}`"))?;
    let instances: Vec<&str> = row.instances.iter().map(|i| i.instance.as_str()).collect();
    if service.is_some() && !instances.is_empty() {
        instances_of(row.id.as_str(), &instances, service)?;
    }
    Ok(row.id.clone())
}

/// `:theme` alone: the themes, the one in use marked.
fn themes(app: &App) -> String {
    let names = crate::config::theme::theme_names(app.themes_dir.as_deref());
    let listed: Vec<String> = names
        .iter()
        .map(|n| {
            if *n == app.theme.name {
                format!("{n} (in use)")
            } else {
                n.clone()
            }
        })
        .collect();
    format!("themes: {}; :theme NAME switches", listed.join(", "))
}
