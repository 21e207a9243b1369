//! Everything the TUI shows, owned by the UI task; keys change it through
//! commands, worker updates replace its data. No I/O here: views draw it,
//! tests drive it.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::keymap::{Command, Keymap};
use super::style::Styles;
use crate::backend::NodeSnapshot;
use crate::config::theme::{Theme, load_theme};
use crate::model::ExecutionStatus;
use crate::shop::{Entry, Shop};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Shop,
    Executions,
    Nodes,
}

impl View {
    pub fn title(self) -> &'static str {
        match self {
            View::Shop => "shop",
            View::Executions => "executions",
            View::Nodes => "nodes",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Command,
    Help,
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
}

/// What the worker reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Cluster {
        nodes: Vec<NodeSnapshot>,
        executions: Vec<ExecutionRow>,
    },
    Failed(String),
}

/// What the UI asks of the worker or the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    None,
    Quit,
    Refresh,
}

pub struct App {
    pub view: View,
    pub mode: Mode,
    pub shop: Shop,
    pub filter: String,
    pub command: String,
    pub shop_selected: usize,
    pub detail: bool,
    pub detail_scroll: u16,
    pub nodes: Vec<NodeSnapshot>,
    pub nodes_selected: usize,
    pub executions: Vec<ExecutionRow>,
    pub executions_selected: usize,
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
    /// Rows visible in the main table, for paging (set by the view).
    pub page: usize,
}

impl App {
    pub fn new(shop: Shop, theme: Theme, user: String, deployment: String) -> App {
        let styles = Styles::from_theme(&theme);
        App {
            view: View::Shop,
            mode: Mode::Normal,
            shop,
            filter: String::new(),
            command: String::new(),
            shop_selected: 0,
            detail: false,
            detail_scroll: 0,
            nodes: Vec::new(),
            nodes_selected: 0,
            executions: Vec::new(),
            executions_selected: 0,
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
        }
    }

    /// Shop entries that match the filter (every word, any case, in the
    /// name, category or id), by category then name.
    pub fn visible_entries(&self) -> Vec<&Entry> {
        let words: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.shop
            .by_category()
            .into_iter()
            .flat_map(|(_, entries)| entries)
            .filter(|e| {
                let hay = format!("{} {} {}", e.name, e.category, e.id).to_lowercase();
                words.iter().all(|w| hay.contains(w))
            })
            .collect()
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.visible_entries().get(self.shop_selected).copied()
    }

    fn rows(&self) -> usize {
        match self.view {
            View::Shop => self.visible_entries().len(),
            View::Executions => self.executions.len(),
            View::Nodes => self.nodes.len(),
        }
    }

    fn selected_mut(&mut self) -> &mut usize {
        match self.view {
            View::Shop => &mut self.shop_selected,
            View::Executions => &mut self.executions_selected,
            View::Nodes => &mut self.nodes_selected,
        }
    }

    fn move_by(&mut self, delta: isize) {
        if self.detail && self.view == View::Shop {
            let scroll = (isize::from(self.detail_scroll as i16) + delta).max(0);
            self.detail_scroll = scroll.min(i16::MAX as isize) as u16;
            return;
        }
        let rows = self.rows();
        let selected = self.selected_mut();
        *selected = if rows == 0 {
            0
        } else {
            (*selected as isize + delta).clamp(0, rows as isize - 1) as usize
        };
    }

    pub fn on_update(&mut self, update: Update) {
        match update {
            Update::Cluster { nodes, executions } => {
                self.nodes = nodes;
                self.executions = executions;
                self.loading = false;
                self.nodes_selected = self.nodes_selected.min(self.nodes.len().saturating_sub(1));
                self.executions_selected = self
                    .executions_selected
                    .min(self.executions.len().saturating_sub(1));
            }
            Update::Failed(why) => {
                self.loading = false;
                self.message = Some((why, true));
            }
        }
        self.dirty = true;
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Request {
        self.dirty = true;
        match self.mode {
            Mode::Filter => {
                match key.code {
                    KeyCode::Esc => {
                        self.filter.clear();
                        self.mode = Mode::Normal;
                    }
                    KeyCode::Enter => self.mode = Mode::Normal,
                    KeyCode::Backspace => {
                        self.filter.pop();
                    }
                    KeyCode::Char(c) => self.filter.push(c),
                    _ => {}
                }
                self.shop_selected = 0;
                return Request::None;
            }
            Mode::Command => {
                match key.code {
                    KeyCode::Esc => {
                        self.command.clear();
                        self.mode = Mode::Normal;
                    }
                    KeyCode::Enter => {
                        self.mode = Mode::Normal;
                        let line = std::mem::take(&mut self.command);
                        return self.run_command(&line);
                    }
                    KeyCode::Backspace => {
                        self.command.pop();
                    }
                    KeyCode::Char(c) => self.command.push(c),
                    _ => {}
                }
                return Request::None;
            }
            Mode::Help => {
                self.mode = Mode::Normal;
                return Request::None;
            }
            Mode::Normal => {}
        }
        let Some(command) = self.keymap.command(&key) else {
            return Request::None;
        };
        self.message = None;
        let page = self.page.max(1) as isize;
        match command {
            Command::Quit => return Request::Quit,
            Command::Help => self.mode = Mode::Help,
            Command::CommandMode => self.mode = Mode::Command,
            Command::Filter => {
                self.view = View::Shop;
                self.detail = false;
                self.mode = Mode::Filter;
            }
            Command::Up => self.move_by(-1),
            Command::Down => self.move_by(1),
            Command::PageUp => self.move_by(-page),
            Command::PageDown => self.move_by(page),
            Command::Top => self.move_by(isize::MIN / 2),
            Command::Bottom => self.move_by(isize::MAX / 2),
            Command::Open => {
                if self.view == View::Shop && self.selected_entry().is_some() {
                    self.detail = true;
                    self.detail_scroll = 0;
                }
            }
            Command::Back => {
                if self.detail {
                    self.detail = false;
                } else {
                    self.filter.clear();
                }
            }
            Command::NextView => {
                self.detail = false;
                self.view = match self.view {
                    View::Shop => View::Executions,
                    View::Executions => View::Nodes,
                    View::Nodes => View::Shop,
                }
            }
            Command::ShopView => self.view = View::Shop,
            Command::ExecutionsView => self.view = View::Executions,
            Command::NodesView => self.view = View::Nodes,
            Command::Refresh => return Request::Refresh,
        }
        Request::None
    }

    /// `:shop`, `:ps`, `:nodes`, `:theme NAME`, `:q`.
    pub fn run_command(&mut self, line: &str) -> Request {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("q" | "quit" | "q!"), _) => return Request::Quit,
            (Some("shop"), _) => self.view = View::Shop,
            (Some("ps" | "executions" | "exec"), _) => self.view = View::Executions,
            (Some("nodes" | "node"), _) => self.view = View::Nodes,
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
                    format!("unknown command `:{other}`; try :shop, :ps, :nodes, :theme NAME, :q"),
                    true,
                ));
            }
        }
        self.detail = false;
        Request::None
    }
}
