//! Everything the TUI shows, owned by the UI task; keys change it through
//! commands, engine reports replace its data. No I/O here: views draw it,
//! tests drive it, and what must happen elsewhere is returned as a Request.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::form::Form;
use super::keymap::{Command, Keymap};
use super::logs::LogView;
use super::style::Styles;
use crate::backend::NodeSnapshot;
use crate::backend::docker::logs::LogLine;
use crate::config::theme::{Theme, load_theme};
use crate::console::events::Event;
use crate::console::executions::InstanceView;
use crate::console::launch::Launched;
use crate::console::{Console, Prepared};
use crate::model::ExecutionStatus;
use crate::shop::{Entry, Shop};

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

/// One row of the executions view.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRow {
    pub id: String,
    pub name: String,
    pub entry: String,
    pub owner: String,
    pub status: ExecutionStatus,
    pub up: String,
    pub hosts: String,
    pub age: String,
    pub reason: String,
    pub parameters: Vec<(String, String)>,
    pub instances: Vec<InstanceView>,
    /// (instance, name, url)
    pub endpoints: Vec<(String, String, String)>,
    /// Restarts per instance.
    pub restarts: Vec<(String, u32)>,
}

/// What the engine reported, for the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Cluster {
        nodes: Vec<NodeSnapshot>,
        executions: Vec<ExecutionRow>,
    },
    Failed(String),
    Progress(Event),
    Launched(Result<Launched, String>),
    Terminated {
        id: String,
        result: Result<usize, String>,
    },
    /// Lines of the log followed for this execution.
    Log {
        execution: String,
        lines: Vec<LogLine>,
    },
    LogError {
        execution: String,
        message: String,
    },
}

impl Update {
    /// Lines for whatever log is being followed (tests).
    #[cfg(test)]
    pub fn log(lines: Vec<LogLine>) -> Update {
        Update::Log {
            execution: "1ibx0a2b3c".into(),
            lines,
        }
    }
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
    Terminate(String),
    FollowLogs {
        id: String,
        service: Option<String>,
    },
    StopLogs,
    SaveLogs(String),
    /// Turn mouse capture on or off.
    Mouse(bool),
}

/// Order of the executions view (`o` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecSort {
    Newest,
    Name,
    Status,
}

impl ExecSort {
    pub fn label(self) -> &'static str {
        match self {
            ExecSort::Newest => "newest",
            ExecSort::Name => "name",
            ExecSort::Status => "status",
        }
    }
}

/// A destructive action waiting for `y`.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Terminate(String),
}

pub struct App {
    pub view: View,
    pub mode: Mode,
    pub console: Console,
    pub filter: String,
    pub command: String,
    pub shop_selected: usize,
    pub detail: bool,
    pub detail_scroll: u16,
    pub nodes: Vec<NodeSnapshot>,
    pub nodes_selected: usize,
    pub executions: Vec<ExecutionRow>,
    pub executions_selected: usize,
    /// The inspect pane of the selected execution is open.
    pub inspect: bool,
    /// Filter of the executions view (`/` there).
    pub executions_filter: String,
    pub executions_sort: ExecSort,
    /// Everybody's executions, or only the user's.
    pub show_all: bool,
    pub form: Option<Form>,
    /// Progress of the launch under way: (instance, host, state).
    pub launch: Vec<(String, String, String)>,
    /// The execution this console is launching, while it is.
    pub launching: Option<String>,
    pub logs: Option<LogView>,
    pub pending: Option<Pending>,
    /// Waiting for the first cluster reply.
    pub loading: bool,
    /// A message for the status line: (text, is an error).
    pub message: Option<(String, bool)>,
    pub user: String,
    pub deployment: String,
    pub readonly: bool,
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
}

impl App {
    pub fn new(console: Console, theme: Theme, user: String) -> App {
        let styles = Styles::from_theme(&theme);
        let deployment = console.settings().deployment_name.clone();
        App {
            view: View::Shop,
            mode: Mode::Normal,
            console,
            filter: String::new(),
            command: String::new(),
            shop_selected: 0,
            detail: false,
            detail_scroll: 0,
            nodes: Vec::new(),
            nodes_selected: 0,
            executions: Vec::new(),
            executions_selected: 0,
            inspect: false,
            executions_filter: String::new(),
            executions_sort: ExecSort::Newest,
            show_all: true,
            form: None,
            launch: Vec::new(),
            launching: None,
            logs: None,
            pending: None,
            loading: true,
            message: None,
            user,
            deployment,
            readonly: false,
            theme,
            styles,
            keymap: Keymap::default(),
            themes_dir: None,
            dirty: true,
            page: 10,
            mouse: false,
        }
    }

    pub fn shop(&self) -> &Shop {
        self.console.shop()
    }

    /// Shop entries that match the filter (every word, any case, fuzzily:
    /// its characters in order in the name, category or id), by category
    /// then name.
    pub fn visible_entries(&self) -> Vec<&Entry> {
        let words: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut found: Vec<(bool, &Entry)> = self
            .shop()
            .by_category()
            .into_iter()
            .flat_map(|(_, entries)| entries)
            .filter_map(|e| {
                let hay = format!("{} {} {}", e.name, e.category, e.id).to_lowercase();
                let fuzzy = words.iter().all(|w| fuzzy_contains(&hay, w));
                // exact substrings rank before looser, fuzzy matches
                fuzzy.then(|| (!words.iter().all(|w| hay.contains(w.as_str())), e))
            })
            .collect();
        found.sort_by_key(|(loose, _)| *loose);
        found.into_iter().map(|(_, e)| e).collect()
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.visible_entries().get(self.shop_selected).copied()
    }

    /// Executions after the own/all switch, the filter and the sort.
    pub fn visible_executions(&self) -> Vec<&ExecutionRow> {
        let words: Vec<String> = self
            .executions_filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut rows: Vec<&ExecutionRow> = self
            .executions
            .iter()
            .filter(|e| self.show_all || e.owner == self.user)
            .filter(|e| {
                let hay = format!("{} {} {} {} {}", e.id, e.name, e.entry, e.owner, e.status)
                    .to_lowercase();
                words.iter().all(|w| hay.contains(w))
            })
            .collect();
        match self.executions_sort {
            ExecSort::Newest => {} // the engine lists newest first
            ExecSort::Name => rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id))),
            ExecSort::Status => rows.sort_by_key(|e| (!e.status.is_active(), e.status.as_str())),
        }
        rows
    }

    pub fn selected_execution(&self) -> Option<&ExecutionRow> {
        self.visible_executions()
            .get(self.executions_selected)
            .copied()
    }

    fn rows(&self) -> usize {
        match self.view {
            View::Shop => self.visible_entries().len(),
            View::Executions => self.visible_executions().len(),
            View::Nodes => self.nodes.len(),
            View::Logs => 0,
        }
    }

    fn move_by(&mut self, delta: isize) {
        if self.view == View::Logs {
            let page = self.page;
            if let Some(logs) = self.logs.as_mut() {
                logs.scroll(delta, page);
            }
            return;
        }
        if self.detail && self.view == View::Shop {
            let scroll =
                (i64::from(self.detail_scroll) + delta as i64).clamp(0, i64::from(u16::MAX));
            self.detail_scroll = scroll as u16;
            return;
        }
        let rows = self.rows();
        let selected = match self.view {
            View::Shop => &mut self.shop_selected,
            View::Executions => &mut self.executions_selected,
            View::Nodes | View::Logs => &mut self.nodes_selected,
        };
        *selected = if rows == 0 {
            0
        } else {
            (*selected as isize)
                .saturating_add(delta)
                .clamp(0, rows as isize - 1) as usize
        };
    }

    pub fn on_update(&mut self, update: Update) {
        self.dirty = true;
        match update {
            Update::Cluster { nodes, executions } => {
                self.nodes = nodes;
                // keep the same execution selected when rows move
                let selected = self.selected_execution().map(|e| e.id.clone());
                self.executions = executions;
                if let Some(id) = selected
                    && let Some(i) = self.visible_executions().iter().position(|e| e.id == id)
                {
                    self.executions_selected = i;
                }
                self.loading = false;
                self.nodes_selected = self.nodes_selected.min(self.nodes.len().saturating_sub(1));
                self.executions_selected = self
                    .executions_selected
                    .min(self.visible_executions().len().saturating_sub(1));
                if let Some(form) = self.form.as_mut() {
                    form.refresh(&self.console, &self.nodes);
                }
            }
            Update::Failed(why) => {
                self.loading = false;
                self.message = Some((why, true));
            }
            // events can arrive after the launch reported its end: only the
            // launch under way has a progress panel
            Update::Progress(event)
                if self.launching.as_deref() == Some(event_execution(&event)) =>
            {
                self.on_progress(event)
            }
            Update::Progress(_) => {}
            Update::Launched(Ok(launched)) => {
                let urls: Vec<String> = launched.endpoints.iter().map(|e| e.url.clone()).collect();
                let more = if urls.is_empty() {
                    String::new()
                } else {
                    format!(": {}", urls.join(" "))
                };
                self.message = Some((format!("{} is running{more}", launched.execution), false));
                self.launch.clear();
                self.launching = None;
                if self.view == View::Shop {
                    self.view = View::Executions;
                    self.executions_selected = 0;
                }
            }
            Update::Launched(Err(why)) => {
                self.message = Some((why, true));
                self.launch.clear();
                self.launching = None;
            }
            Update::Terminated { id, result: Ok(n) } => {
                self.message = Some((format!("{id} terminated: {n} containers removed"), false))
            }
            Update::Terminated {
                id,
                result: Err(why),
            } => self.message = Some((format!("{id}: could not clean every host: {why}"), true)),
            // lines of a log no longer shown are dropped
            Update::Log { execution, lines } => {
                if let Some(logs) = self.logs.as_mut().filter(|l| l.execution == execution) {
                    logs.push(lines);
                }
            }
            Update::LogError { execution, message } => {
                if let Some(logs) = self.logs.as_mut().filter(|l| l.execution == execution) {
                    logs.error = Some(message);
                }
            }
        }
    }

    fn on_progress(&mut self, event: Event) {
        let mut set = |instance: &str, host: &str, state: String| match self
            .launch
            .iter_mut()
            .find(|(i, _, _)| i == instance)
        {
            Some(row) => {
                row.1 = host.to_string();
                row.2 = state;
            }
            None => self
                .launch
                .push((instance.to_string(), host.to_string(), state)),
        };
        match event {
            Event::Placed {
                placements,
                deferred,
                ..
            } => {
                for (instance, host) in placements {
                    set(&instance, &host, "placed".into());
                }
                for instance in deferred {
                    set(&instance, "", "waiting for room (elastic)".into());
                }
            }
            Event::Pulling {
                host,
                image,
                current,
                total,
                ..
            } => {
                let pct = (current * 100)
                    .checked_div(total)
                    .map(|p| format!(" {p}% of {}", crate::model::format_bytes(total)))
                    .unwrap_or_default();
                // the instances placed on that host are waiting for it
                for row in self.launch.iter_mut().filter(|(_, h, state)| {
                    *h == host && (state == "placed" || state.starts_with("pulling"))
                }) {
                    row.2 = format!("pulling {image}{pct}");
                }
            }
            Event::Creating { instance, host, .. } => set(&instance, &host, "creating".into()),
            Event::Running { instance, host, .. } => set(&instance, &host, "running".into()),
            Event::InstanceFailed {
                instance,
                host,
                reason,
                ..
            } => set(&instance, &host, format!("failed: {reason}")),
            Event::Status {
                status: ExecutionStatus::Error,
                reason: Some(reason),
                ..
            } => self.message = Some((reason, true)),
            _ => {}
        }
    }

    /// Handles a key. Leaving the log view by any route stops the follow.
    pub fn on_key(&mut self, key: KeyEvent) -> Request {
        let before = self.view;
        let request = self.handle_key(key);
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
            && self.keymap.command(&key) == Some(Command::Suspend)
        {
            return Request::Suspend;
        }
        match self.mode {
            Mode::Filter => return self.edit_line(key, true),
            Mode::Command => return self.edit_line(key, false),
            Mode::LogSearch => {
                let Some(logs) = self.logs.as_mut() else {
                    self.mode = Mode::Normal;
                    return Request::None;
                };
                match key.code {
                    KeyCode::Esc => {
                        logs.search.clear();
                        self.mode = Mode::Normal;
                    }
                    KeyCode::Enter => {
                        self.mode = Mode::Normal;
                        if !logs.find(true) {
                            self.message = Some((format!("`{}` not found", logs.search), true));
                        }
                    }
                    KeyCode::Backspace => {
                        logs.search.pop();
                    }
                    KeyCode::Char(c) => logs.search.push(c),
                    _ => {}
                }
                return Request::None;
            }
            Mode::Help => {
                self.mode = Mode::Normal;
                return Request::None;
            }
            Mode::Confirm => {
                self.mode = Mode::Normal;
                let pending = self.pending.take();
                return match (key.code, pending) {
                    (KeyCode::Char('y' | 'Y'), Some(Pending::Terminate(id))) => {
                        self.message = Some((format!("terminating {id}…"), false));
                        Request::Terminate(id)
                    }
                    _ => {
                        self.message = Some(("cancelled".into(), false));
                        Request::None
                    }
                };
            }
            Mode::Form => return self.form_key(key),
            Mode::Normal => {}
        }
        if let Some(request) = self.view_key(key) {
            return request;
        }
        let Some(command) = self.keymap.command(&key) else {
            return Request::None;
        };
        self.message = None;
        let page = self.page.max(1) as isize;
        match command {
            Command::Quit => return Request::Quit,
            Command::Suspend => return Request::Suspend,
            Command::Help => self.mode = Mode::Help,
            Command::CommandMode => self.mode = Mode::Command,
            Command::Filter => {
                if self.view == View::Logs {
                    self.mode = Mode::LogSearch;
                    if let Some(logs) = self.logs.as_mut() {
                        logs.search.clear();
                    }
                } else if self.view == View::Executions {
                    self.mode = Mode::Filter;
                } else {
                    self.view = View::Shop;
                    self.detail = false;
                    self.mode = Mode::Filter;
                }
            }
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
                View::Shop if self.selected_entry().is_some() => {
                    self.detail = true;
                    self.detail_scroll = 0;
                }
                View::Executions if self.selected_execution().is_some() => {
                    self.inspect = !self.inspect
                }
                _ => {}
            },
            Command::Back => {
                if self.view == View::Logs {
                    self.view = View::Executions;
                    self.logs = None;
                    return Request::StopLogs;
                }
                if self.detail {
                    self.detail = false;
                } else if self.inspect {
                    self.inspect = false;
                } else if self.view == View::Executions {
                    self.executions_filter.clear();
                } else {
                    self.filter.clear();
                }
            }
            Command::NextView => {
                self.detail = false;
                self.view = match self.view {
                    View::Shop => View::Executions,
                    View::Executions => View::Nodes,
                    View::Nodes | View::Logs => View::Shop,
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

    /// Keys that belong to one view (actions), checked before the keymap.
    fn view_key(&mut self, key: KeyEvent) -> Option<Request> {
        let KeyCode::Char(c) = key.code else {
            return None;
        };
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return None;
        }
        match (self.view, c) {
            (View::Shop, 's') => {
                self.open_form(None);
                Some(Request::None)
            }
            (View::Executions, 'o') => {
                self.executions_sort = match self.executions_sort {
                    ExecSort::Newest => ExecSort::Name,
                    ExecSort::Name => ExecSort::Status,
                    ExecSort::Status => ExecSort::Newest,
                };
                Some(Request::None)
            }
            (View::Executions, 'a') => {
                self.show_all = !self.show_all;
                self.executions_selected = 0;
                Some(Request::None)
            }
            (View::Executions, 'l') => {
                let row = self.selected_execution()?.clone();
                self.logs = Some(LogView::new(
                    row.id.clone(),
                    None,
                    self.console.settings().log_buffer_lines,
                ));
                self.view = View::Logs;
                Some(Request::FollowLogs {
                    id: row.id,
                    service: None,
                })
            }
            (View::Executions, 't') => {
                let row = self.selected_execution()?.clone();
                if self.readonly {
                    self.message = Some((
                        "read-only: terminating is hidden (started with --readonly)".into(),
                        true,
                    ));
                } else if !row.status.is_active() && row.instances.is_empty() {
                    self.message = Some((format!("{} has already ended", row.id), true));
                } else {
                    self.pending = Some(Pending::Terminate(row.id));
                    self.mode = Mode::Confirm;
                }
                Some(Request::None)
            }
            (View::Executions, 'r') => {
                let row = self.selected_execution()?.clone();
                if self.shop().entry(&row.entry).is_none() {
                    self.message = Some((
                        format!("cannot relaunch: entry `{}` is not in this shop", row.entry),
                        true,
                    ));
                } else {
                    self.open_form(Some((row.entry.clone(), row.parameters.clone())));
                }
                Some(Request::None)
            }
            (View::Logs, 'f') => self.logs.as_mut().map(|l| {
                l.follow = !l.follow;
                Request::None
            }),
            (View::Logs, 'w') => self.logs.as_mut().map(|l| {
                l.wrap = !l.wrap;
                Request::None
            }),
            (View::Logs, 't') => self.logs.as_mut().map(|l| {
                l.timestamps = !l.timestamps;
                Request::None
            }),
            (View::Logs, 'n' | 'N') => self.logs.as_mut().map(|l| {
                l.find(c == 'n');
                Request::None
            }),
            (View::Logs, 's') => self.logs.as_ref().map(|l| Request::SaveLogs(l.contents())),
            _ => None,
        }
    }

    fn open_form(&mut self, relaunch: Option<(String, Vec<(String, String)>)>) {
        if self.readonly {
            self.message = Some((
                "read-only: launching is hidden (started with --readonly)".into(),
                true,
            ));
            return;
        }
        let entry = match &relaunch {
            Some((id, _)) => self.shop().entry(id),
            None => self.selected_entry(),
        };
        let Some(entry) = entry else { return };
        let values = relaunch.map(|(_, v)| v).unwrap_or_default();
        let mut form = Form::new(entry, &values);
        form.refresh(&self.console, &self.nodes);
        self.form = Some(form);
        self.mode = Mode::Form;
        self.launch.clear();
    }

    fn form_key(&mut self, key: KeyEvent) -> Request {
        let Some(form) = self.form.as_mut() else {
            self.mode = Mode::Normal;
            return Request::None;
        };
        let mut changed = false;
        match key.code {
            KeyCode::Esc => {
                self.form = None;
                self.mode = Mode::Normal;
                return Request::None;
            }
            KeyCode::Tab | KeyCode::Down => form.next(),
            KeyCode::BackTab | KeyCode::Up => form.previous(),
            KeyCode::Enter => {
                form.refresh(&self.console, &self.nodes);
                let Some(prepared) = form.prepared.clone() else {
                    self.message = Some(("fix the fields in red first".into(), true));
                    return Request::None;
                };
                self.message = Some((format!("launching {}…", prepared.identity.id), false));
                self.launching = Some(prepared.identity.id.to_string());
                self.form = None;
                self.mode = Mode::Normal;
                return Request::Launch(Box::new(prepared));
            }
            KeyCode::Char('+') if form.step(true) => changed = true,
            KeyCode::Char('-') if form.step(false) => changed = true,
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
            form.refresh(&self.console, &self.nodes);
        }
        Request::None
    }

    /// The filter or the `:` line.
    fn edit_line(&mut self, key: KeyEvent, filter: bool) -> Request {
        let executions = self.view == View::Executions;
        let line = match (filter, executions) {
            (true, true) => &mut self.executions_filter,
            (true, false) => &mut self.filter,
            (false, _) => &mut self.command,
        };
        match key.code {
            KeyCode::Esc => {
                line.clear();
                self.mode = Mode::Normal;
            }
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                if !filter {
                    let text = std::mem::take(&mut self.command);
                    return self.run_command(&text);
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
                self.executions_selected = 0;
            } else {
                self.shop_selected = 0;
            }
        }
        Request::None
    }

    /// `:shop`, `:ps`, `:nodes`, `:logs EXEC`, `:theme NAME`, `:q`.
    pub fn run_command(&mut self, line: &str) -> Request {
        let mut words = line.split_whitespace();
        self.detail = false;
        match (words.next(), words.next()) {
            (Some("q" | "quit" | "q!"), _) => return Request::Quit,
            (Some("shop"), _) => self.view = View::Shop,
            (Some("ps" | "executions" | "exec"), _) => self.view = View::Executions,
            (Some("nodes" | "node"), _) => self.view = View::Nodes,
            (Some("logs"), Some(query)) => {
                let Some(row) = self
                    .executions
                    .iter()
                    .find(|e| e.id == query || e.name == query)
                    .cloned()
                else {
                    self.message = Some((format!("no execution `{query}`"), true));
                    return Request::None;
                };
                let service = words.next().map(str::to_string);
                self.logs = Some(LogView::new(
                    row.id.clone(),
                    service.clone(),
                    self.console.settings().log_buffer_lines,
                ));
                self.view = View::Logs;
                return Request::FollowLogs {
                    id: row.id,
                    service,
                };
            }
            (Some("logs"), None) => {
                self.message = Some(("usage: :logs EXECUTION [SERVICE]".into(), true))
            }
            (Some("theme"), Some(name)) => {
                match load_theme(name, self.themes_dir.as_deref(), false) {
                    Ok(theme) => {
                        self.styles = Styles::from_theme(&theme);
                        self.theme = theme;
                    }
                    Err(why) => self.message = Some((why, true)),
                }
            }
            (Some("refresh"), _) => return Request::Refresh,
            (None, _) => {}
            (Some(other), _) => {
                self.message = Some((
                    format!(
                        "unknown command `:{other}`; try :shop, :ps, :nodes, :logs EXEC, :theme NAME, :q"
                    ),
                    true,
                ));
            }
        }
        Request::None
    }
}

/// The execution an engine event is about.
fn event_execution(event: &Event) -> &str {
    match event {
        Event::Placed { execution, .. }
        | Event::Network { execution, .. }
        | Event::Pulling { execution, .. }
        | Event::ImageReady { execution, .. }
        | Event::Creating { execution, .. }
        | Event::Running { execution, .. }
        | Event::InstanceFailed { execution, .. }
        | Event::Removed { execution, .. }
        | Event::Status { execution, .. } => execution,
    }
}

/// `needle`'s characters appear in `hay` in order (`mwk` finds
/// "master-workers").
pub fn fuzzy_contains(hay: &str, needle: &str) -> bool {
    let mut hay = hay.chars();
    needle.chars().all(|c| hay.any(|h| h == c))
}
