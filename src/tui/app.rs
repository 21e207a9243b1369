//! Everything the TUI shows, owned by the UI task: what the engine
//! reported (`data`, shared by every view) apart from each view's own UI
//! state (`shop`, `executions`, `nodes`, `logs`: selection, scroll,
//! filter, sort), the mode and the keymap. Keys change it through
//! commands, engine reports replace its data. No I/O here: views draw it,
//! tests drive it, and what must happen elsewhere is returned as a
//! `Request`.
//!
//! Where a key is handled: the keymap (`keymap.rs`) turns it into a
//! command for the current view or mode; a view's own commands are run in
//! `views/<view>.rs`, the global ones (quit, help, move, switch view)
//! here, typed text (filters, the `:` line) in `command_line.rs`.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command_line::{self, Completion};
use super::form::Form;
use super::keymap::{Command, Context, Keymap};
use super::line::LineEditor;
use super::logs::LogView;
use super::remembered::History;
use super::style::Styles;
use super::views::executions::ExecutionsState;
use super::views::inspect::InstanceList;
use super::views::json::JsonPane;
use super::views::nodes::NodesState;
use super::views::shop::{ShopState, visible_entries};
use super::views::{confirm, executions, form, inspect, json, logs, nodes, shop};
use crate::config::theme::Theme;
use crate::console::catalog::Entry;
use crate::console::events::Event;
use crate::console::launch::Launched;
use crate::console::{Console, Prepared};
use crate::model::ExecutionStatus;

pub use super::data::{Data, ExecutionRow, Update};
pub use super::views::executions::ExecSort;
pub use super::views::shop::fuzzy_contains;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Shop,
    Executions,
    Nodes,
    Logs,
}

impl View {
    pub fn title(self) -> &'static str {
        match self {
            View::Shop => "shop",
            View::Executions => "executions",
            View::Nodes => "nodes",
            View::Logs => "logs",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Command,
    Help,
    /// The start form is open.
    Form,
    /// Waiting for y/n on a destructive action.
    Confirm,
    /// Typing a search in the log view.
    LogSearch,
}

/// What the UI asks the loop or the engine to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    None,
    Quit,
    /// Give the terminal back and stop, as ctrl-z does in a shell.
    Suspend,
    Refresh,
    Launch(Box<Prepared>),
    Terminate(crate::model::ExecutionId),
    /// Ask the engine for the values to relaunch it with.
    Relaunch(crate::model::ExecutionId),
    FollowLogs {
        id: crate::model::ExecutionId,
        service: Option<String>,
    },
    StopLogs,
    /// Write the log view's lines to `name` in the state directory's
    /// `logs/`, or to `path` (a file, or a directory for `name`).
    SaveLogs {
        name: String,
        text: String,
        path: Option<String>,
    },
    /// Turn mouse capture on or off.
    Mouse(bool),
    /// `:ctx`: list the kubeconfig's contexts.
    Contexts,
    /// `:ctx NAME`: switch the cluster target to that context.
    UseContext(String),
    /// `:ns`: list the cluster's namespaces.
    Namespaces,
    /// `:ns NAME`: switch the cluster target to that namespace.
    UseNamespace(String),
    /// A shell in an instance: the terminal is handed over until it exits.
    Shell {
        id: crate::model::ExecutionId,
        instance: String,
    },
    /// Restart one instance.
    RestartInstance {
        id: crate::model::ExecutionId,
        instance: String,
    },
    /// The raw description of an instance (the JSON pane).
    Describe {
        id: crate::model::ExecutionId,
        instance: String,
    },
    /// Put this text on the terminal's clipboard (OSC 52).
    Clipboard(String),
    /// Open this URL in a browser when there is a graphical session, else
    /// show it.
    OpenUrl(String),
}

/// A destructive action waiting for `y`.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Terminate(crate::model::ExecutionId),
    /// An essential instance's restart.
    RestartInstance {
        id: crate::model::ExecutionId,
        instance: String,
    },
    /// Quitting while an action is in flight (what is under way).
    Quit(String),
}

pub struct App {
    pub view: View,
    pub mode: Mode,
    pub console: Console,
    /// What the engine reported.
    pub data: Data,
    pub shop: ShopState,
    pub executions: ExecutionsState,
    pub nodes: NodesState,
    /// The log view: its buffer and toggles, while it is shown.
    pub logs: Option<LogView>,
    pub form: Option<Form>,
    pub pending: Option<Pending>,
    /// The line editor of the prompt open (`:`, `/`, the log search).
    pub prompt: LineEditor,
    /// The completions shown under the `:` line.
    pub completion: Option<Completion>,
    /// The `:` line's history (remembered across runs).
    pub history: History,
    /// Help shows the `:` commands (`:help`) rather than the keys.
    pub line_help: bool,
    /// The kubeconfig's contexts, for completing `:ctx`.
    pub contexts: Vec<String>,
    /// Namespaces the last `:ns` listed, for completing `:ns`.
    pub namespaces: Vec<String>,
    /// What the last frame drew where, for clicks.
    pub hits: std::cell::RefCell<super::mouse::Hits>,
    /// Something remembered across runs changed (the loop writes it).
    pub remember_changed: bool,
    /// A message for the status line: (text, is an error).
    pub message: Option<(String, bool)>,
    /// The clock (Unix seconds), set every second while ages are shown.
    pub now: u64,
    /// The zone times of day are shown in (`None`: the machine's local
    /// time; tests fix one).
    pub zone: Option<chrono::FixedOffset>,
    pub user: String,
    pub deployment: String,
    pub readonly: bool,
    /// `--all-users` was given (only a role with `can_operate_others` is
    /// let through; the header says so).
    pub all_users: bool,
    pub theme: Theme,
    pub styles: Styles,
    pub keymap: Keymap,
    pub themes_dir: Option<std::path::PathBuf>,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// Rows visible in the main area, for paging (set by the view).
    pub page: usize,
    /// Mouse capture is on.
    pub mouse: bool,
    /// The inspect pane's instance list.
    pub instances: InstanceList,
    /// The raw JSON of an instance, while shown.
    pub json: Option<JsonPane>,
    /// Under sudo: the user's own state directory, the only place logs
    /// are saved (no path is asked for).
    pub save_only_in: Option<std::path::PathBuf>,
}

impl App {
    /// The time of day of `at` (Unix seconds), `14:03:07`, in the UI's zone.
    pub fn time_of_day(&self, at: u64) -> String {
        let at = crate::model::time::unix(at);
        match self.zone {
            Some(zone) => at.with_timezone(&zone).format("%H:%M:%S").to_string(),
            None => at
                .with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string(),
        }
    }

    /// How long ago `at` (Unix seconds) was, by the UI's clock.
    pub fn age(&self, at: u64) -> String {
        crate::model::time::age(
            crate::model::time::unix(at),
            crate::model::time::unix(self.now),
        )
    }

    /// Whether the screen shows usage figures (the engine reads them only
    /// then).
    pub fn shows_usage(&self) -> bool {
        self.view == View::Nodes
    }

    /// The clock moved on: whether the screen shows ages that changed.
    pub fn tick(&mut self, now: u64) {
        if now != self.now {
            let fresh = super::views::freshness::label(self);
            self.now = now;
            if matches!(self.view, View::Executions | View::Nodes)
                || self.form.is_some()
                || super::views::freshness::label(self) != fresh
            {
                self.dirty = true;
            }
        }
    }

    pub fn new(console: Console, theme: Theme, user: String) -> App {
        let styles = Styles::from_theme(&theme);
        let deployment = console.settings().deployment_name.clone();
        App {
            view: View::Shop,
            mode: Mode::Normal,
            console,
            data: Data {
                loading: true,
                ..Data::default()
            },
            shop: ShopState::default(),
            executions: ExecutionsState::default(),
            nodes: NodesState::default(),
            logs: None,
            form: None,
            pending: None,
            prompt: LineEditor::default(),
            completion: None,
            history: History::default(),
            line_help: false,
            contexts: Vec::new(),
            namespaces: Vec::new(),
            hits: std::cell::RefCell::default(),
            remember_changed: false,
            message: None,
            now: 0,
            zone: None,
            user,
            deployment,
            readonly: false,
            all_users: false,
            theme,
            styles,
            keymap: Keymap::default(),
            themes_dir: None,
            dirty: true,
            page: 10,
            mouse: false,
            instances: InstanceList::default(),
            json: None,
            save_only_in: None,
        }
    }

    /// The shop entries the filter lets through, in the order shown.
    pub fn visible_entries(&self) -> Vec<&Entry> {
        visible_entries(self.console.shop(), &self.shop.filter)
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.visible_entries().get(self.shop.selected).copied()
    }

    /// The role of who runs the console, for the header (`unknown` when
    /// who it is is unknown).
    pub fn role(&self) -> &str {
        self.console
            .identity()
            .map_or("unknown", |i| i.role.name.as_str())
    }

    /// The commands the role may not use: left out of the hints and `?`,
    /// and pressing their key says why (see `unmapped::withheld`).
    pub fn withheld(&self) -> Vec<Command> {
        let can = self
            .console
            .identity()
            .map(|i| i.role.capabilities)
            .unwrap_or_default();
        if can.can_operate_others {
            Vec::new()
        } else {
            vec![Command::Mine]
        }
    }

    /// The nodes as the role may see them (see `console::roles`).
    fn shown_nodes(
        &self,
        nodes: Vec<crate::model::NodeSnapshot>,
    ) -> Vec<crate::model::NodeSnapshot> {
        let asking = crate::console::access::Asking::of_identity(self.console.identity(), false);
        crate::console::roles::shown_nodes(&asking, nodes)
    }

    /// The executions shown, in the order shown.
    pub fn visible_executions(&self) -> Vec<&ExecutionRow> {
        self.executions.visible(&self.data.executions, &self.user)
    }

    pub fn selected_execution(&self) -> Option<&ExecutionRow> {
        self.visible_executions()
            .get(self.executions.selected)
            .copied()
    }

    /// Where keys go now: a view, or the instance list or JSON pane over
    /// it.
    pub fn context(&self) -> Context {
        match self.view {
            View::Executions if self.json.is_some() => Context::Json,
            View::Executions if self.executions.inspect && self.instances.focused => {
                Context::Inspect
            }
            view => Context::from(view),
        }
    }

    fn move_by(&mut self, delta: isize) {
        match self.context() {
            Context::Inspect => return inspect::move_by(self, delta),
            Context::Json => {
                let height = self.page.max(1);
                if let Some(pane) = self.json.as_mut() {
                    pane.scroll(delta, height);
                }
                return;
            }
            _ => {}
        }
        match self.view {
            View::Shop => shop::move_by(self, delta),
            View::Executions => executions::move_by(self, delta),
            View::Nodes => nodes::move_by(self, delta),
            View::Logs => logs::move_by(self, delta),
        }
    }

    pub fn on_update(&mut self, update: Update) {
        self.dirty = true;
        match update {
            Update::Cluster {
                mut nodes,
                executions,
            } => {
                // other users' instances only with can_see_status
                nodes = self.shown_nodes(nodes);
                crate::console::usage::apply(&mut nodes, &self.data.usage);
                self.data.nodes = nodes;
                self.data.seen_at = Some(self.now);
                // keep the same execution selected when rows move; the one
                // the form just launched, once it is listed
                let selected = match self.data.select_when_listed.take() {
                    Some(id) if executions.iter().any(|e| e.id == id) => Some(id),
                    pending => {
                        self.data.select_when_listed = pending;
                        self.selected_execution().map(|e| e.id.clone())
                    }
                };
                self.data.executions = executions;
                if let Some(id) = selected
                    && let Some(i) = self.visible_executions().iter().position(|e| e.id == id)
                {
                    self.executions.selected = i;
                }
                self.data.loading = false;
                self.data.cached = None;
                self.nodes.selected = self
                    .nodes
                    .selected
                    .min(self.data.nodes.len().saturating_sub(1));
                self.executions.selected = self
                    .executions
                    .selected
                    .min(self.visible_executions().len().saturating_sub(1));
                super::views::inspect::check_focus(self);
                if let Some(form) = self.form.as_mut() {
                    form.refresh(&self.console, &self.data.nodes);
                }
            }
            Update::Cached {
                nodes,
                executions,
                seen,
            } => {
                let nodes = self.shown_nodes(nodes);
                self.data.show_cached(nodes, executions, seen);
            }
            Update::Looking(on) => self.data.looking = on,
            Update::Usage(usage) => {
                crate::console::usage::apply(&mut self.data.nodes, &usage);
                self.data.usage = usage;
            }
            Update::Failed(why) => {
                self.data.loading = false;
                self.message = Some((why, true));
            }
            Update::ShellNotOpened(why) => {
                super::views::inspect::shell_failed(self);
                if let Some(why) = why {
                    self.message = Some((why, true));
                }
            }
            Update::Notice(text) => self.message = Some((format!("warning: {text}"), true)),
            Update::Told(text) => {
                // the names listed, for completing `:ns` and `:ctx`
                if text.starts_with("namespaces of ") {
                    self.namespaces = super::line_commands::names_in_listing(&text);
                } else if text.starts_with("contexts (") {
                    self.contexts = super::line_commands::names_in_listing(&text);
                }
                self.message = Some((text, false))
            }
            // events can arrive after the launch reported its end: only the
            // launch under way has a progress panel
            // a status change shows at once in the executions table (an
            // execution being torn down, a launch waiting in the queue)
            Update::Progress(Event::Status {
                execution,
                status,
                reason,
            }) if self.data.executions.iter().any(|e| e.id == execution)
                || self.data.launching.as_deref() == Some(execution.as_str()) =>
            {
                if let Some(row) = self.data.executions.iter_mut().find(|e| e.id == execution) {
                    row.status = status;
                    row.reason = reason.clone().unwrap_or_default();
                }
                if self.data.launching.as_deref() == Some(execution.as_str()) {
                    if status == ExecutionStatus::Queued {
                        // accepted: it starts by itself when there is room
                        // (shown in executions), so its form closes
                        if form::launched_here(self, execution.as_str()) {
                            form::close_after_launch(self);
                            self.data.launch_ended();
                        }
                        self.message = Some((
                            format!(
                                "{execution} waits in the queue: {}; it starts by itself when there is room",
                                reason.as_deref().unwrap_or("no room now")
                            ),
                            false,
                        ));
                    } else if let Some(error) = self.data.on_progress(Event::Status {
                        execution,
                        status,
                        reason,
                    }) {
                        self.message = Some((error, true));
                    }
                }
            }
            Update::Progress(event)
                if self.data.launching.as_deref() == Some(super::data::event_execution(&event)) =>
            {
                if let Some(error) = self.data.on_progress(event) {
                    self.message = Some((error, true));
                }
            }
            Update::Progress(_) => {}
            Update::Launched { id, result } => self.launch_ended(id, result),
            Update::Terminated { id, result: Ok(n) } => {
                self.data.terminating.retain(|t| *t != id);
                self.message = Some((
                    format!(
                        "{id} terminated: {}",
                        crate::model::text::count(n as u64, "container", "containers") + " removed"
                    ),
                    false,
                ))
            }
            Update::Terminated {
                id,
                result: Err(why),
            } => {
                self.data.terminating.retain(|t| *t != id);
                self.message = Some((format!("{id}: {why}"), true))
            }
            // the form opens only if nothing else was started meanwhile
            Update::Relaunch(Ok(values)) => {
                if self.mode == Mode::Normal && self.form.is_none() {
                    executions::relaunch_with(self, values);
                }
            }
            Update::Relaunch(Err(why)) => self.message = Some((why, true)),
            Update::Described(Ok((title, json))) => {
                self.message = None;
                if self.view == View::Executions {
                    self.json = Some(JsonPane::new(title, &json));
                }
            }
            Update::Described(Err(why)) | Update::Restarted(Err(why)) => {
                self.message = Some((why, true))
            }
            Update::Restarted(Ok(text)) => self.message = Some((text, false)),
            // nothing to show: back where the log was asked from, and why
            Update::LogRefused { execution, message } => {
                if self.logs.as_ref().is_some_and(|l| l.execution == execution) {
                    self.logs = None;
                    if self.view == View::Logs {
                        self.view = View::Executions;
                    }
                }
                self.message = Some((message, true));
            }
            // lines of a log no longer shown are dropped
            Update::Log { execution, lines } => {
                if let Some(logs) = self.logs.as_mut().filter(|l| l.execution == execution) {
                    logs.push(lines);
                }
            }
            Update::LogOpened {
                execution,
                instances,
            } => {
                if let Some(logs) = self.logs.as_mut().filter(|l| l.execution == execution) {
                    logs.opened(&instances);
                }
            }
            Update::LogEnded {
                execution,
                instance,
            } => {
                if let Some(logs) = self.logs.as_mut().filter(|l| l.execution == execution) {
                    logs.ended(&instance);
                }
            }
            Update::LogError { execution, message } => {
                if let Some(logs) = self.logs.as_mut().filter(|l| l.execution == execution) {
                    logs.error = Some(message);
                }
            }
        }
    }

    /// A launch of this console ended: its form (still open) closes on
    /// success and keeps its values on failure; the progress shown goes
    /// when it was this launch's.
    fn launch_ended(&mut self, id: crate::model::ExecutionId, result: Result<Launched, String>) {
        let here = form::launched_here(self, id.as_str());
        let current = self.data.launching.as_deref() == Some(id.as_str());
        match result {
            Ok(launched) => {
                if here {
                    form::close_after_launch(self);
                    self.data.select_when_listed = Some(id);
                }
                let urls: Vec<String> = launched.endpoints.iter().map(|e| e.url.clone()).collect();
                let more = if urls.is_empty() {
                    String::new()
                } else {
                    format!(": {}", urls.join(" "))
                };
                self.message = Some((format!("{} is running{more}", launched.execution), false));
                if self.view == View::Shop {
                    self.view = View::Executions;
                    self.executions.selected = 0;
                }
            }
            // the form stays with its values and says why
            Err(why) if here => form::launch_failed(self, why),
            Err(why) => self.message = Some((why, true)),
        }
        if current {
            self.data.launch_ended();
        }
    }

    /// Handles a key. Leaving the log view by any route stops the follow.
    pub fn on_key(&mut self, key: KeyEvent) -> Request {
        let before = self.view;
        let request = self.handle_key(key);
        if let Request::Terminate(id) = &request {
            self.data.terminating.push(id.clone());
        }
        if before == View::Logs
            && self.view != View::Logs
            && self.logs.take().is_some()
            && request == Request::None
        {
            return Request::StopLogs;
        }
        request
    }

    fn handle_key(&mut self, key: KeyEvent) -> Request {
        self.dirty = true;
        // from every mode, as the terminal's own ctrl-z would; a modifier
        // is required so a remap to a plain letter cannot eat typed text
        if key.modifiers.contains(KeyModifiers::CONTROL)
            && self.keymap.command_in(Context::Global, &key) == Some(Command::Suspend)
        {
            return Request::Suspend;
        }
        match self.mode {
            Mode::Filter => return command_line::edit(self, key, true),
            Mode::Command => return command_line::edit(self, key, false),
            Mode::LogSearch => return logs::search_key(self, key),
            _ if super::leave::is_ctrl_c(&key) => return Request::Quit,
            // `:` in the keys' help shows the `:` commands
            Mode::Help if !self.line_help && key.code == KeyCode::Char(':') => {
                self.line_help = true;
                return Request::None;
            }
            Mode::Help => {
                self.mode = Mode::Normal;
                self.line_help = false;
                return Request::None;
            }
            Mode::Confirm => return confirm::on_key(self, key),
            Mode::Form => {
                // a view's key while the form launches: the form closes,
                // the key acts in the view
                if !form::leaves_while_launching(self, &key) {
                    return form::on_key(self, key);
                }
            }
            Mode::Normal => {}
        }
        let context = self.context();
        let Some(command) = self.keymap.command_in(context, &key) else {
            self.message = Some((super::unmapped::does_nothing(&key, context), false));
            return Request::None;
        };
        if super::keymap::IDLE.contains(&(command, context)) {
            self.message = Some((super::unmapped::does_nothing(&key, context), false));
            return Request::None;
        }
        if self.withheld().contains(&command)
            && let Some(why) = super::unmapped::withheld(command, self.role())
        {
            self.message = Some((why, true));
            return Request::None;
        }
        // the pane or list over the view first, then the view's own
        let own = match context {
            Context::Json => json::run(self, command),
            Context::Inspect => inspect::run(self, command),
            _ => None,
        };
        if let Some(request) = own {
            return request;
        }
        let own = match command.context() {
            Context::Shop => shop::run(self, command),
            Context::Executions => executions::run(self, command),
            Context::Logs => logs::run(self, command),
            _ => None,
        };
        if let Some(request) = own {
            return request;
        }
        self.message = None;
        self.global(command)
    }

    /// The keymap's commands that work in every view.
    fn global(&mut self, command: Command) -> Request {
        let page = self.page.max(1) as isize;
        match command {
            Command::Quit => return super::leave::quit(self),
            Command::Suspend => return Request::Suspend,
            Command::Help => self.mode = Mode::Help,
            Command::CommandMode => command_line::open_command(self),
            Command::Filter => match self.view {
                View::Logs => logs::search(self),
                View::Executions => command_line::open_filter(self),
                View::Shop | View::Nodes => shop::filter(self),
            },
            Command::Up => self.move_by(-1),
            Command::Down => self.move_by(1),
            Command::PageUp => self.move_by(-page),
            Command::PageDown => self.move_by(page),
            Command::Top => match (self.view, self.logs.as_mut()) {
                (View::Logs, Some(logs)) => logs.top(),
                _ => self.move_by(isize::MIN / 2),
            },
            Command::Bottom => match (self.view, self.logs.as_mut()) {
                (View::Logs, Some(logs)) => logs.bottom(),
                _ => self.move_by(isize::MAX / 2),
            },
            Command::Open => match self.view {
                View::Shop => shop::open(self),
                View::Executions => executions::open(self),
                View::Nodes | View::Logs => {}
            },
            Command::Back => match self.view {
                View::Logs => return logs::back(self),
                _ if self.shop.detail => self.shop.detail = false,
                View::Executions => executions::back(self),
                View::Shop | View::Nodes => command_line::set_filter(self, ""),
            },
            Command::NextView => {
                self.shop.detail = false;
                self.view = match self.view {
                    View::Shop => View::Executions,
                    View::Executions => View::Nodes,
                    View::Nodes | View::Logs => View::Shop,
                }
            }
            Command::PreviousView => {
                self.shop.detail = false;
                self.view = match self.view {
                    View::Shop => View::Nodes,
                    View::Executions => View::Shop,
                    View::Nodes | View::Logs => View::Executions,
                }
            }
            Command::ShopView => self.view = View::Shop,
            Command::ExecutionsView => self.view = View::Executions,
            Command::NodesView => self.view = View::Nodes,
            Command::Refresh => return Request::Refresh,
            Command::ToggleMouse => {
                self.mouse = !self.mouse;
                self.message = Some((
                    if self.mouse {
                        "mouse on: the wheel scrolls"
                    } else {
                        "mouse off: the terminal's selection and copy work"
                    }
                    .into(),
                    false,
                ));
                return Request::Mouse(self.mouse);
            }
            // a view's command that did not apply (no row selected…)
            _ => {}
        }
        Request::None
    }

    /// A left click (mouse on): a tab switches view, a row is selected;
    /// leaving the log view stops its follow, as a key does.
    pub fn on_click(&mut self, column: u16, row: u16) -> Request {
        let before = self.view;
        if super::mouse::click(self, column, row) {
            self.message = None;
            self.dirty = true;
        }
        if before == View::Logs && self.view != View::Logs && self.logs.take().is_some() {
            return Request::StopLogs;
        }
        Request::None
    }

    /// The mouse wheel scrolls whatever list or text is shown.
    pub fn on_scroll(&mut self, down: bool) {
        if matches!(self.mode, Mode::Normal) {
            self.move_by(if down { 3 } else { -3 });
            self.dirty = true;
        }
    }

    /// `:shop`, `:ps`, `:nodes`, `:logs EXEC`, `:ctx [NAME]`, `:ns [NAME]`,
    /// `:theme NAME`, `:q`.
    pub fn run_command(&mut self, line: &str) -> Request {
        command_line::run(self, line)
    }
}
