//! The terminal UI: `zoe` with no verb, on a terminal. The UI task owns all
//! UI state; it redraws only when something changed, draws its first frame
//! before any host answers, and restores the terminal on quit, panic,
//! SIGTERM and SIGHUP (an SSH drop).

pub mod app;
pub mod keymap;
pub mod style;
pub mod view;

use std::io::{self, Write};
use std::path::PathBuf;

use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};

use crate::config::Settings;
use crate::config::docker_conf::DockerHost;
use crate::config::theme::Theme;
use crate::console::launch::now_secs;
use crate::console::service::{Ask, Report, spawn};
use crate::shop::Shop;
use app::{App, ExecutionRow, Request, Update};

/// Everything the TUI needs, resolved by the caller.
pub struct Setup {
    pub settings: Settings,
    pub shop: Shop,
    pub user: String,
    pub hosts: Vec<DockerHost>,
    pub cache: PathBuf,
    pub theme: Theme,
    pub themes_dir: PathBuf,
    pub readonly: bool,
}

/// Puts the terminal back however we leave.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> io::Result<TerminalGuard> {
        enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)?;
        Ok(guard)
    }
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(out, LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

pub fn run(setup: Setup) -> io::Result<()> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(ui_loop(setup))
}

async fn ui_loop(setup: Setup) -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut app = App::new(
        setup.shop,
        setup.theme,
        setup.user,
        setup.settings.deployment_name.clone(),
    );
    app.themes_dir = Some(setup.themes_dir);
    app.readonly = setup.readonly;
    let deployment = setup.settings.deployment_name.clone();
    let (ask, mut reports) = spawn(setup.settings, setup.hosts, setup.cache);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let _guard = TerminalGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.clear()?;
    let mut keys = EventStream::new();
    loop {
        if app.dirty {
            terminal.draw(|frame| view::draw(frame, &mut app))?;
            app.dirty = false;
        }
        tokio::select! {
            event = keys.next() => match event {
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => match app.on_key(key) {
                    Request::Quit => break,
                    Request::Refresh => {
                        let _ = ask.send(Ask::Refresh);
                    }
                    Request::None => {}
                },
                Some(Ok(TermEvent::Resize(..))) => app.dirty = true,
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            },
            report = reports.recv() => match report {
                Some(report) => app.on_update(to_update(report, &deployment)),
                None => app.on_update(Update::Failed("the engine stopped".into())),
            },
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
        }
    }
    let _ = ask.send(Ask::Stop);
    Ok(())
}

fn to_update(report: Report, _deployment: &str) -> Update {
    match report {
        Report::Failed(why) => Update::Failed(why),
        Report::Seen {
            nodes,
            records,
            views,
        } => {
            let now = now_secs();
            let executions = records
                .into_iter()
                .map(|r| {
                    let view = views.iter().find(|v| v.id == r.id);
                    ExecutionRow {
                        up: view.map_or_else(
                            || "0".into(),
                            |v| {
                                format!(
                                    "{}/{}",
                                    v.up(),
                                    v.expected.map_or(v.instances.len(), |e| (e as usize)
                                        .max(v.instances.len()))
                                )
                            },
                        ),
                        age: age(now.saturating_sub(r.submitted)),
                        hosts: r.hosts.join(","),
                        reason: r.reason.clone().unwrap_or_default(),
                        id: r.id,
                        name: r.name,
                        entry: r.entry,
                        owner: r.owner,
                        status: r.status,
                    }
                })
                .collect();
            Update::Cluster { nodes, executions }
        }
    }
}

pub fn age(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
