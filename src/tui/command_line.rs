//! The one-line inputs: a list's filter (after `/`) and the `:` command
//! line, with the commands it runs (`:shop`, `:ps`, `:nodes`, `:logs EXEC
//! [SERVICE]`, `:ctx [CONTEXT]`, `:ns [NAMESPACE]`, `:theme NAME`,
//! `:refresh`, `:q`). Every character typed
//! goes into the line; enter ends it, esc drops it.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Mode, Request, View};
use super::logs::LogView;
use super::style::Styles;
use crate::config::theme::load_theme;

/// A key while typing the filter (`filter`) or the `:` line.
pub fn edit(app: &mut App, key: KeyEvent, filter: bool) -> Request {
    let executions = app.view == View::Executions;
    let line = match (filter, executions) {
        (true, true) => &mut app.executions.filter,
        (true, false) => &mut app.shop.filter,
        (false, _) => &mut app.command,
    };
    match key.code {
        KeyCode::Esc => {
            line.clear();
            app.mode = Mode::Normal;
        }
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            if !filter {
                let text = std::mem::take(&mut app.command);
                return run(app, &text);
            }
        }
        KeyCode::Backspace => {
            line.pop();
        }
        KeyCode::Char(c) => line.push(c),
        _ => {}
    }
    if filter {
        if executions {
            app.executions.selected = 0;
        } else {
            app.shop.selected = 0;
        }
    }
    Request::None
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
            let Some(row) = app
                .data
                .executions
                .iter()
                .find(|e| e.id == query || e.name == query)
                .cloned()
            else {
                app.message = Some((format!("no execution `{query}`"), true));
                return Request::None;
            };
            let service = words.next().map(str::to_string);
            app.logs = Some(LogView::new(
                row.id.clone(),
                service.clone(),
                app.console.settings().log_buffer_lines,
            ));
            app.view = View::Logs;
            return Request::FollowLogs {
                id: row.id,
                service,
            };
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
        (Some("refresh"), _) => return Request::Refresh,
        // the engine answers (the list, the switch, or why not) in the
        // status line
        (Some("ctx" | "context"), None) => return Request::Contexts,
        (Some("ctx" | "context"), Some(name)) => return Request::UseContext(name.to_string()),
        (Some("ns" | "namespace"), None) => return Request::Namespaces,
        (Some("ns" | "namespace"), Some(name)) => return Request::UseNamespace(name.to_string()),
        (None, _) => {}
        (Some(other), _) => {
            app.message = Some((
                format!(
                    "unknown command `:{other}`; try :shop, :ps, :nodes, :logs EXEC, :ctx, :ns, :theme NAME, :q"
                ),
                true,
            ));
        }
    }
    Request::None
}
