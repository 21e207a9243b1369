//! The one-line inputs: a list's filter (after `/`) and the `:` command
//! line, with the commands it runs (`:shop`, `:ps`, `:nodes`, `:logs EXEC
//! [SERVICE]`, `:ctx [CONTEXT]`, `:ns [NAMESPACE]`, `:theme NAME`,
//! `:refresh`, `:q`). Every character typed
//! goes into the line; enter ends it, esc drops it.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Mode, Request, View};
use super::style::Styles;
use super::views::logs;
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
            // the same answer, in the same words, as `zoe logs`
            let service = words.next();
            match logs_target(&app.data.executions, query, service) {
                Ok(id) => return logs::open(app, id, service.map(str::to_string)),
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
