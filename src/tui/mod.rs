//! The terminal UI: `zoe` with no verb, on a terminal. The UI task owns all
//! UI state; it redraws only when something changed, draws its first frame
//! before any host answers, and restores the terminal on quit, panic and
//! every catchable terminating signal (SIGHUP for an SSH drop, SIGINT,
//! SIGTERM, SIGQUIT…), then dies of that signal. SIGTSTP or ctrl-z give the
//! terminal back and stop; SIGCONT (`fg`) takes it again and redraws.

pub mod app;
pub mod clipboard;
pub mod command_line;
pub mod data;
pub mod form;
pub mod form_field;
pub mod frame;
pub mod handover;
pub mod key;
pub mod keymap;
pub mod leave;
pub mod line;
pub mod line_commands;
pub mod log_text;
pub mod logs;
pub mod markdown;
pub mod mouse;
pub mod per_user;
pub mod remembered;
pub mod signin;
pub mod style;
pub mod targets;
pub mod terminal;
pub mod unmapped;
pub mod views;

use std::io::{self, Write};
use std::path::PathBuf;
use std::pin::Pin;

use futures::StreamExt;
use ratatui::crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream, KeyEventKind,
    MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;

use crate::config::hosts::TargetConfig;
use crate::config::theme::Theme;
use crate::console::Console;
use crate::console::access::Asking;
use crate::console::launch::now_secs;
use crate::console::service::{Ask, EngineSetup, Report, spawn};
use app::{App, ExecutionRow, Request, Update};
use frame::{FrameLimiter, Redraw};
use terminal::{Signaled, Signals, TerminalGuard, restore_terminal};

/// Everything the TUI needs, resolved by the caller.
pub struct Setup {
    pub console: Console,
    pub user: String,
    pub targets: Vec<TargetConfig>,
    pub cache: PathBuf,
    /// The deployment key file (made on first use).
    pub key_file: PathBuf,
    pub theme: Theme,
    pub themes_dir: PathBuf,
    /// Where `s` in the log view saves.
    pub state_dir: PathBuf,
    pub readonly: bool,
    /// `--all-users` was given (accepted only for a role with
    /// `can_operate_others`, which acts on everybody's anyway).
    pub all_users: bool,
    pub keymap: keymap::Keymap,
    pub mouse: bool,
    /// Run through sudo for this user (`SUDO_USER`): the `:` history and
    /// view settings go in `state_dir/users/NAME`, and logs are saved only
    /// there (no path is asked for).
    pub sudo_user: Option<String>,
}

pub fn run(setup: Setup) -> io::Result<()> {
    let previous = std::panic::take_hook();
    let log_file = setup.state_dir.join(crate::config::paths::LOG_FILE_NAME);
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some(crate::console::service::ENGINE_THREAD) {
            // the UI is still running: never print over it; keep the details
            // in the log file, written directly (whatever ZOE_LOG filters)
            let _ = std::fs::create_dir_all(log_file.parent().unwrap_or(std::path::Path::new(".")));
            if let Ok(mut f) = std::os::unix::fs::OpenOptionsExt::mode(
                std::fs::OpenOptions::new().create(true).append(true),
                0o600,
            )
            .open(&log_file)
            {
                let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                let pid = std::process::id();
                let line = format!("{now} [{pid}] ERROR zoe_console::tui: engine panic: {info}\n");
                let _ = f.write_all(line.as_bytes()); // one append
            }
            return;
        }
        restore_terminal();
        previous(info);
    }));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if let Some(signal) = runtime.block_on(ui_loop(setup))? {
        // the terminal is back: now die of it, as the sender expects
        terminal::die_of(signal);
    }
    Ok(())
}

/// Runs until quit; `Some(signal)` when a terminating signal ended it.
async fn ui_loop(setup: Setup) -> io::Result<Option<libc::c_int>> {
    let settings = setup.console.settings().clone();
    let mut app = App::new(setup.console, setup.theme, setup.user.clone());
    app.themes_dir = Some(setup.themes_dir);
    app.readonly = setup.readonly;
    app.all_users = setup.all_users;
    let asking = Asking::of_identity(app.console.identity(), setup.all_users);
    app.keymap = setup.keymap;
    app.mouse = setup.mouse;
    app.data.asking = setup.targets.iter().map(|t| t.name().to_string()).collect();
    let state_dir = per_user::state_dir(&setup.state_dir, setup.sudo_user.as_deref())
        .map_err(io::Error::other)?;
    if setup.sudo_user.is_some() {
        app.save_only_in = Some(state_dir.clone());
    }
    let (remembered, unreadable) = remembered::Remembered::load(&state_dir);
    if let Some(why) = unreadable {
        tracing::warn!("{why}");
    }
    app.history = remembered::History::new(remembered.history);
    app.executions.hide_ended = remembered.hide_ended;
    // the kubeconfig's contexts, for completing `:ctx` (none: no kubeconfig)
    let kubeconfigs = crate::console::retarget::cluster(&setup.targets)
        .map(|t| t.kubeconfig.clone())
        .unwrap_or_default();
    app.contexts = crate::console::kube_contexts(&kubeconfigs, &|k: &str| std::env::var(k).ok())
        .map(|list| list.into_iter().map(|c| c.name).collect())
        .unwrap_or_default();
    // credential plugins may prompt now, on the plain terminal; the engine
    // then runs them without it (their words never reach the screen)
    let deadline = std::time::Duration::from_secs(u64::from(settings.host_timeout_secs.max(1)));
    for problem in crate::console::sign_in_clusters(&setup.targets, deadline).await {
        tracing::warn!("before the terminal UI: {problem}");
    }
    let (ask, mut reports) = spawn(EngineSetup {
        settings,
        targets: setup.targets,
        cache: setup.cache,
        key_file: setup.key_file,
        readonly: setup.readonly,
        asking,
    });
    let mut signals = Signals::new()?;
    let _guard = TerminalGuard::enter(app.mouse)?;
    let mut terminal = terminal::fresh_screen()?;
    let mut keys = EventStream::new();
    let mut engine_gone = false;
    let mut died_of = None;
    // ages tick: once a second the clock moves on (a redraw only when the
    // view shows ages)
    let mut clock = tokio::time::interval(std::time::Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    app.now = now_secs();
    // which log follow is current: what an earlier one still sends is dropped
    let mut following: u64 = 0;
    // keys are drawn at once, reports at most once a frame; the frame timer
    // is there only while a redraw waits for it
    let mut frames = FrameLimiter::default();
    let mut frame_timer: Option<Pin<Box<tokio::time::Sleep>>> = None;
    // whether the engine was told the screen shows usage figures
    let mut usage_shown = false;
    // the spinner's timer: only while something is in flight
    let mut spinner: Option<tokio::time::Interval> = None;
    loop {
        match (app.data.busy(), spinner.is_some()) {
            (true, false) => {
                let mut every = tokio::time::interval(views::freshness::SPIN_EVERY);
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                spinner = Some(every);
            }
            (false, true) => spinner = None,
            _ => {}
        }
        if app.shows_usage() != usage_shown {
            usage_shown = app.shows_usage();
            let _ = ask.send(Ask::Usage(usage_shown));
        }
        let now = std::time::Instant::now();
        match frames.decide(app.dirty, now) {
            Redraw::Now => {
                terminal.draw(|frame| views::draw(frame, &mut app))?;
                app.dirty = false;
                frames.drawn(now);
                frame_timer = None;
            }
            Redraw::At(at) => {
                if frame_timer.is_none() {
                    let at = tokio::time::Instant::from_std(at);
                    frame_timer = Some(Box::pin(tokio::time::sleep_until(at)));
                }
            }
            Redraw::Idle => frame_timer = None,
        }
        tokio::select! {
            () = next_frame(&mut frame_timer) => {
                frame_timer = None;
                frames.urgent();
            }
            _ = clock.tick() => app.tick(now_secs()),
            () = next_spin(&mut spinner) => {
                app.data.spin = app.data.spin.wrapping_add(1);
                app.dirty = true;
            }
            event = keys.next() => match event {
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                    frames.urgent();
                    let request = app.on_key(key);
                    let sent = match request {
                        Request::Quit => break,
                        Request::Suspend => {
                            terminal::suspend();
                            terminal = terminal::resume(terminal, app.mouse)?;
                            Ok(())
                        }
                        Request::None => Ok(()),
                        Request::Refresh => ask.send(Ask::Refresh),
                        Request::Launch(prepared) => ask.send(Ask::Launch(prepared)),
                        Request::Terminate(id) => ask.send(Ask::Terminate { id }),
                        Request::Relaunch(id) => ask.send(Ask::Relaunch { id }),
                        Request::FollowLogs { id, service } => {
                            following += 1;
                            ask.send(Ask::FollowLogs { id, service, tail: 1000, follow: following })
                        }
                        Request::StopLogs => ask.send(Ask::StopLogs),
                        Request::Contexts => ask.send(Ask::Contexts),
                        Request::UseContext(name) => ask.send(Ask::UseContext(name)),
                        Request::Namespaces => ask.send(Ask::Namespaces),
                        Request::UseNamespace(name) => ask.send(Ask::UseNamespace(name)),
                        Request::Mouse(on) => {
                            let _ = if on { execute!(io::stdout(), EnableMouseCapture) } else { execute!(io::stdout(), DisableMouseCapture) };
                            Ok(())
                        }
                        Request::Shell { id, instance } => ask.send(Ask::Shell { id, instance }),
                        Request::RestartInstance { id, instance } => ask.send(Ask::RestartInstance { id, instance }),
                        Request::Describe { id, instance } => ask.send(Ask::Describe { id, instance }),
                        Request::Clipboard(text) => {
                            if let Err(e) = clipboard::copy(&text) {
                                app.message = Some((format!("cannot write to the terminal: {e}"), true));
                            }
                            Ok(())
                        }
                        Request::OpenUrl(url) => {
                            app.message = Some(clipboard::open_url(&url));
                            Ok(())
                        }
                        Request::SaveLogs { name, text, path } => {
                            // under sudo only the user's own directory
                            let path = path.filter(|_| app.save_only_in.is_none());
                            let saved = save_logs(&state_dir, &name, path.as_deref(), &text);
                            views::logs::saved(&mut app, saved, path.is_some());
                            Ok(())
                        }
                    };
                    if sent.is_err() {
                        app.on_update(Update::Failed("the engine stopped".into()));
                    }
                    remember(&mut app, &state_dir);
                }
                Some(Ok(TermEvent::Resize(..))) => {
                    frames.urgent();
                    app.dirty = true;
                }
                Some(Ok(TermEvent::Mouse(mouse))) => match mouse.kind {
                    MouseEventKind::ScrollDown => {
                        frames.urgent();
                        app.on_scroll(true);
                    }
                    MouseEventKind::ScrollUp => {
                        frames.urgent();
                        app.on_scroll(false);
                    }
                    MouseEventKind::Down(MouseButton::Left) => {
                        frames.urgent();
                        if app.on_click(mouse.column, mouse.row) == Request::StopLogs {
                            let _ = ask.send(Ask::StopLogs);
                        }
                    }
                    _ => {}
                },
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            },
            report = reports.recv(), if !engine_gone => match report {
                // the terminal goes to a shell in an instance, and comes back
                Some(Report::Shell(Ok(target)))
                    if views::inspect::shell_wanted(&mut app, &target.target.execution, &target.target.instance) =>
                {
                    // the old reader first: a new one waits for the lock
                    // the old one's thread holds while it waits for keys
                    drop(keys);
                    let back = handover::hand_over(terminal, &target, app.mouse, &mut signals).await?;
                    keys = EventStream::new();
                    terminal = back.screen;
                    app.message = Some(handover::outcome(&target, &back.result));
                    app.dirty = true;
                    frames.urgent();
                    let _ = ask.send(Ask::Refresh);
                    if let Some(signal) = back.died_of {
                        died_of = Some(signal);
                        break;
                    }
                }
                Some(report) => {
                    // an action finished: look at the cluster now to show its outcome
                    if matches!(report, Report::Launched { .. } | Report::Terminated { .. }) {
                        let _ = ask.send(Ask::Refresh);
                    }
                    if is_current(&report, following) {
                        app.on_update(to_update(report));
                    }
                }
                None => {
                    engine_gone = true;
                    let why = match app.message.take() {
                        Some((error, true)) => format!("{error} (the engine stopped: restart zoe)"),
                        _ => "the engine stopped: the cluster is no longer watched; restart zoe".to_string(),
                    };
                    app.on_update(Update::Failed(why));
                }
            },
            signaled = signals.recv() => match signaled {
                Signaled::Die(signal) => {
                    died_of = Some(signal);
                    break;
                }
                Signaled::Stop => {
                    terminal::suspend();
                    terminal = terminal::resume(terminal, app.mouse)?;
                    frames.urgent();
                    app.dirty = true;
                }
                // also after our own stop: a second full redraw is cheap
                Signaled::Continue => {
                    terminal = terminal::resume(terminal, app.mouse)?;
                    frames.urgent();
                    app.dirty = true;
                }
            },
        }
    }
    let _ = ask.send(Ask::Stop);
    remember(&mut app, &state_dir);
    Ok(died_of)
}

/// Until the frame timer goes off; never when there is none.
async fn next_frame(timer: &mut Option<Pin<Box<tokio::time::Sleep>>>) {
    match timer {
        Some(timer) => timer.as_mut().await,
        None => std::future::pending().await,
    }
}

/// Writes what is remembered across runs when it changed; a failure is
/// said in the status line (the console goes on).
fn remember(app: &mut App, state_dir: &std::path::Path) {
    if !std::mem::take(&mut app.remember_changed) {
        return;
    }
    let remembered = remembered::Remembered {
        history: app.history.lines.clone(),
        hide_ended: app.executions.hide_ended,
    };
    if let Err(why) = remembered.save(state_dir) {
        app.message = Some((why, true));
    }
}

/// The spinner's next step; never when it does not turn.
async fn next_spin(spinner: &mut Option<tokio::time::Interval>) {
    match spinner {
        Some(every) => {
            every.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Writes the log view's lines to `name` under the state directory's
/// `logs/`, or to `path` (a directory: `name` in it; `~/` is the home
/// directory); the file written, or why not.
pub fn save_logs(
    state_dir: &std::path::Path,
    name: &str,
    path: Option<&str>,
    text: &str,
) -> Result<PathBuf, String> {
    let file = match path {
        None => state_dir.join("logs").join(name),
        Some(p) => {
            let p = match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
                (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
                _ => PathBuf::from(p),
            };
            if p.is_dir() { p.join(name) } else { p }
        }
    };
    let dir = file.parent().unwrap_or(std::path::Path::new("."));
    // a new file, readable by its owner only (logs may hold secrets); a
    // file already there is never overwritten
    let write = || -> io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::create_dir_all(dir)?;
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)?;
        out.write_all(text.as_bytes())?;
        out.flush()
    };
    write().map(|()| file.clone()).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => {
            format!("{} already exists (not overwritten)", file.display())
        }
        _ => format!("cannot save the log to {}: {e}", file.display()),
    })
}

/// Whether a report is still wanted: log lines only from the current
/// follow (the one before may still have batches under way).
fn is_current(report: &Report, following: u64) -> bool {
    match report {
        Report::Log { follow, .. }
        | Report::LogError { follow, .. }
        | Report::LogRefused { follow, .. }
        | Report::LogOpened { follow, .. }
        | Report::LogEnded { follow, .. } => *follow == following,
        _ => true,
    }
}

fn to_update(report: Report) -> Update {
    match report {
        Report::Failed(why) => Update::Failed(why),
        Report::Usage(usage) => Update::Usage(usage),
        Report::Looking(on) => Update::Looking(on),
        // the cache's rows are made as a look's are (without what only the
        // cluster tells: instances, up counts)
        Report::Cached(seen) => match to_update(Report::Seen {
            nodes: seen.nodes,
            records: seen.records,
            views: Vec::new(),
            audits: std::collections::HashMap::new(),
        }) {
            Update::Cluster { nodes, executions } => Update::Cached {
                nodes,
                executions,
                seen: seen.seen,
            },
            other => other,
        },
        Report::Notice(text) => Update::Notice(text),
        Report::Told(text) => Update::Told(text),
        Report::Engine(event) => Update::Progress(event),
        Report::Launched { id, result } => Update::Launched { id, result },
        Report::Terminated { id, result } => Update::Terminated { id, result },
        Report::Relaunch(result) => Update::Relaunch(result),
        // a shell the list no longer wants (`shell_wanted` said why), or
        // why the engine could not open it
        Report::Shell(result) => Update::ShellNotOpened(result.err()),
        Report::Described(result) => Update::Described(result),
        Report::Restarted(result) => Update::Restarted(result),
        Report::Log {
            execution, lines, ..
        } => Update::Log { execution, lines },
        Report::LogError {
            execution, message, ..
        } => Update::LogError { execution, message },
        Report::LogRefused {
            execution, message, ..
        } => Update::LogRefused { execution, message },
        Report::LogOpened {
            execution,
            instances,
            ..
        } => Update::LogOpened {
            execution,
            instances,
        },
        Report::LogEnded {
            execution,
            instance,
            ..
        } => Update::LogEnded {
            execution,
            instance,
        },
        Report::Seen {
            nodes,
            records,
            views,
            mut audits,
        } => {
            let executions = records
                .into_iter()
                .map(|r| {
                    let view = views.iter().find(|v| v.id == r.id);
                    let parameters = r.parameters.clone();
                    let endpoints = r
                        .endpoints
                        .iter()
                        .map(|e| (e.instance.clone(), e.name.clone(), e.url.clone()))
                        .collect();
                    ExecutionRow {
                        audit: audits.remove(r.id.as_str()).unwrap_or_default(),
                        reserved: crate::console::quota::reserved_by(&r),
                        restarts: r.restarts.clone(),
                        parameters,
                        endpoints,
                        instances: view.map(|v| v.instances.clone()).unwrap_or_default(),
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
                        submitted: r.submitted,
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

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
