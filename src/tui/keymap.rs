//! Keys as data: one table names every command, where it acts (everywhere,
//! one view, the start form, a confirmation), its default keys and what it
//! does. The dispatcher, the help screen (`?`), the status line's hints and
//! the settings' `[keys]` overrides all read this table, so a key cannot
//! do one thing and be described as another.
//!
//! A view's own command shadows a global one on the same key in that view
//! (`l` follows the logs in executions and opens elsewhere). In `[keys]`,
//! global commands are named plainly (`quit`) and the others with their
//! place (`executions.terminate = ["x"]`, or `terminate` in a
//! `[keys.executions]` table).
//! Text being typed (filters, the `:` line, searches, the form's fields)
//! takes every character: the form's commands other than `+`/`-` may not
//! be bound to a character.

use ratatui::crossterm::event::KeyEvent;

use super::app::View;
pub use super::key::Key;

/// Where a command acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Every view (never while text is typed).
    Global,
    Shop,
    Executions,
    Nodes,
    Logs,
    /// The start form.
    Form,
    /// A question waiting for yes.
    Confirm,
    /// The inspect pane's instance list, focused.
    Inspect,
    /// The raw JSON of an instance, over the view.
    Json,
}

impl Context {
    /// The name that qualifies its commands in `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "",
            Context::Shop => "shop",
            Context::Executions => "executions",
            Context::Nodes => "nodes",
            Context::Logs => "logs",
            Context::Form => "form",
            Context::Confirm => "confirm",
            Context::Inspect => "inspect",
            Context::Json => "json",
        }
    }

    fn is_view(self) -> bool {
        matches!(
            self,
            Context::Shop
                | Context::Executions
                | Context::Nodes
                | Context::Logs
                | Context::Inspect
                | Context::Json
        )
    }
}

impl From<View> for Context {
    fn from(view: View) -> Context {
        match view {
            View::Shop => Context::Shop,
            View::Executions => Context::Executions,
            View::Nodes => Context::Nodes,
            View::Logs => Context::Logs,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    Suspend,
    Help,
    CommandMode,
    Filter,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    NextView,
    PreviousView,
    ShopView,
    ExecutionsView,
    NodesView,
    Refresh,
    ToggleMouse,
    // the shop
    Start,
    // executions
    Sort,
    Mine,
    Logs,
    Terminate,
    Relaunch,
    HideEnded,
    // the log view
    Follow,
    Wrap,
    Timestamps,
    NextMatch,
    PreviousMatch,
    Save,
    Search,
    HalfPageDown,
    HalfPageUp,
    SpacePage,
    ScrollLeft,
    ScrollRight,
    LineStart,
    LineEnd,
    /// Hide or show the n-th service (1 to 9) of a merged log.
    ToggleService(u8),
    // the start form
    NextField,
    PreviousField,
    StepUp,
    StepDown,
    Launch,
    Cancel,
    // a confirmation
    Yes,
    // the inspect pane's instance list
    InstanceLogs,
    Shell,
    RestartInstance,
    RawJson,
    CopyUrl,
    OpenUrl,
    LeaveInstances,
    // the raw JSON pane
    CloseJson,
}

/// One row of the table.
pub struct Spec {
    pub command: Command,
    pub context: Context,
    /// The name in `[keys]`, without its context.
    pub action: &'static str,
    pub keys: &'static [&'static str],
    pub describe: &'static str,
}

const fn spec(
    command: Command,
    context: Context,
    action: &'static str,
    keys: &'static [&'static str],
    describe: &'static str,
) -> Spec {
    Spec {
        command,
        context,
        action,
        keys,
        describe,
    }
}

use Command as C;
use Context as X;

/// Pairs of the log view's commands that share a help line.
const HALF: &str = "half a page down / up";
const SIDEWAYS: &str = "scroll sideways";
const ENDS: &str = "lines' start / end";

/// What `1`..`9` do in the log view (one help line for the nine).
pub const TOGGLE: &str = "show/hide n-th service";

/// Every command, in the order help lists them, with its default keys.
pub const TABLE: &[Spec] = &[
    spec(C::Quit, X::Global, "quit", &["q", "ctrl-c"], "quit"),
    spec(
        C::Suspend,
        X::Global,
        "suspend",
        &["ctrl-z"],
        "suspend (fg resumes)",
    ),
    spec(C::Help, X::Global, "help", &["?"], "the keys of this view"),
    spec(
        C::CommandMode,
        X::Global,
        "command",
        &[":"],
        "command line (below)",
    ),
    spec(C::Filter, X::Global, "filter", &["/"], "filter / search"),
    spec(C::Up, X::Global, "up", &["k", "up"], "up"),
    spec(C::Down, X::Global, "down", &["j", "down"], "down"),
    spec(C::Top, X::Global, "top", &["g", "home"], "top"),
    spec(C::Bottom, X::Global, "bottom", &["G", "end"], "bottom"),
    spec(
        C::PageUp,
        X::Global,
        "page_up",
        &["pgup", "ctrl-b"],
        "page up",
    ),
    spec(
        C::PageDown,
        X::Global,
        "page_down",
        &["pgdn", "ctrl-f"],
        "page down",
    ),
    spec(C::Open, X::Global, "open", &["enter", "l"], "open"),
    spec(C::Back, X::Global, "back", &["esc", "h"], "back / clear"),
    spec(C::NextView, X::Global, "next_view", &["tab"], "next view"),
    spec(
        C::PreviousView,
        X::Global,
        "previous_view",
        &["shift-tab"],
        "previous view",
    ),
    spec(C::ShopView, X::Global, "shop", &["1"], "shop view"),
    spec(
        C::ExecutionsView,
        X::Global,
        "executions",
        &["2"],
        "executions view",
    ),
    spec(C::NodesView, X::Global, "nodes", &["3"], "nodes view"),
    spec(C::Refresh, X::Global, "refresh", &["ctrl-r"], "refresh now"),
    spec(
        C::ToggleMouse,
        X::Global,
        "mouse",
        &["m"],
        "mouse on/off (off: copy)",
    ),
    spec(C::Start, X::Shop, "start", &["s"], "start: the launch form"),
    spec(
        C::Sort,
        X::Executions,
        "sort",
        &["o"],
        "sort: newest, name, status",
    ),
    spec(C::Mine, X::Executions, "mine", &["a"], "mine / everybody's"),
    spec(C::Logs, X::Executions, "logs", &["l"], "follow the logs"),
    spec(
        C::Terminate,
        X::Executions,
        "terminate",
        &["t"],
        "terminate (asks first)",
    ),
    spec(
        C::Relaunch,
        X::Executions,
        "relaunch",
        &["r"],
        "relaunch, same parameters",
    ),
    spec(
        C::HideEnded,
        X::Executions,
        "hide_ended",
        &["h"],
        "hide / show ended ones",
    ),
    spec(C::Follow, X::Logs, "follow", &["f"], "follow / pause"),
    spec(C::Wrap, X::Logs, "wrap", &["w"], "wrap long lines"),
    spec(
        C::Timestamps,
        X::Logs,
        "timestamps",
        &["t"],
        "time: short/rfc3339/off",
    ),
    spec(C::NextMatch, X::Logs, "next_match", &["n"], "next match"),
    spec(
        C::PreviousMatch,
        X::Logs,
        "previous_match",
        &["N"],
        "previous match",
    ),
    spec(C::Save, X::Logs, "save", &["s"], "save to a file"),
    spec(
        C::Search,
        X::Logs,
        "search",
        &["ctrl-f"],
        "search: highlight, jump",
    ),
    spec(
        C::HalfPageDown,
        X::Logs,
        "half_page_down",
        &["ctrl-d"],
        HALF,
    ),
    spec(C::HalfPageUp, X::Logs, "half_page_up", &["ctrl-u"], HALF),
    spec(C::SpacePage, X::Logs, "page", &["space"], "a page down"),
    spec(C::ScrollLeft, X::Logs, "scroll_left", &["left"], SIDEWAYS),
    spec(
        C::ScrollRight,
        X::Logs,
        "scroll_right",
        &["right"],
        SIDEWAYS,
    ),
    spec(C::LineStart, X::Logs, "line_start", &["0"], ENDS),
    spec(C::LineEnd, X::Logs, "line_end", &["$"], ENDS),
    spec(C::ToggleService(1), X::Logs, "service_1", &["1"], TOGGLE),
    spec(C::ToggleService(2), X::Logs, "service_2", &["2"], TOGGLE),
    spec(C::ToggleService(3), X::Logs, "service_3", &["3"], TOGGLE),
    spec(C::ToggleService(4), X::Logs, "service_4", &["4"], TOGGLE),
    spec(C::ToggleService(5), X::Logs, "service_5", &["5"], TOGGLE),
    spec(C::ToggleService(6), X::Logs, "service_6", &["6"], TOGGLE),
    spec(C::ToggleService(7), X::Logs, "service_7", &["7"], TOGGLE),
    spec(C::ToggleService(8), X::Logs, "service_8", &["8"], TOGGLE),
    spec(C::ToggleService(9), X::Logs, "service_9", &["9"], TOGGLE),
    spec(
        C::NextField,
        X::Form,
        "next",
        &["tab", "down"],
        "next field",
    ),
    spec(
        C::PreviousField,
        X::Form,
        "previous",
        &["backtab", "up"],
        "previous field",
    ),
    spec(
        C::StepUp,
        X::Form,
        "step_up",
        &["+"],
        "a number one step up",
    ),
    spec(
        C::StepDown,
        X::Form,
        "step_down",
        &["-"],
        "a number one step down",
    ),
    spec(C::Launch, X::Form, "launch", &["enter"], "launch"),
    spec(C::Cancel, X::Form, "cancel", &["esc"], "cancel"),
    spec(
        C::Yes,
        X::Confirm,
        "yes",
        &["y", "Y"],
        "yes (any other key: no)",
    ),
    spec(
        C::InstanceLogs,
        X::Inspect,
        "logs",
        &["l"],
        "this instance's logs",
    ),
    spec(
        C::Shell,
        X::Inspect,
        "shell",
        &["s"],
        "a shell in it (exit comes back)",
    ),
    spec(
        C::RestartInstance,
        X::Inspect,
        "restart",
        &["R"],
        "restart it (essential: asks)",
    ),
    spec(
        C::RawJson,
        X::Inspect,
        "json",
        &["y"],
        "its container/pod as JSON",
    ),
    spec(
        C::CopyUrl,
        X::Inspect,
        "copy_url",
        &["c"],
        "copy its URL (OSC 52)",
    ),
    spec(
        C::OpenUrl,
        X::Inspect,
        "open_url",
        &["w"],
        "open its URL / show it",
    ),
    spec(
        C::LeaveInstances,
        X::Inspect,
        "leave",
        &["esc", "q"],
        "back to the executions list",
    ),
    spec(
        C::CloseJson,
        X::Json,
        "close",
        &["esc", "q"],
        "close the JSON pane",
    ),
];

/// What a global command means in one view, where that differs from its
/// general description; help lists it with the view's own keys.
pub const MEANINGS: &[(Command, Context, &str)] = &[
    (C::Quit, X::Shop, "close the entry / quit"),
    (C::Quit, X::Executions, "close inspect / quit"),
    (C::Quit, X::Logs, "back to executions"),
    (C::Filter, X::Shop, "filter the shop"),
    (C::Open, X::Shop, "open the entry"),
    (C::Back, X::Shop, "close the entry / clear"),
    (C::Filter, X::Executions, "filter executions"),
    (C::Open, X::Executions, "inspect: its instance list"),
    (C::Back, X::Executions, "close inspect / clear"),
    (C::Filter, X::Nodes, "filter the shop"),
    (C::Back, X::Nodes, "clear the shop's filter"),
    (C::Filter, X::Logs, "filter lines (regex)"),
    (C::Top, X::Logs, "oldest line (pauses)"),
    (C::Bottom, X::Logs, "newest line (follows)"),
    (C::Back, X::Logs, "clear the filter / back"),
    (C::Up, X::Inspect, "previous instance"),
    (C::Down, X::Inspect, "next instance"),
    (C::Top, X::Inspect, "first instance"),
    (C::Bottom, X::Inspect, "last instance"),
    (C::Back, X::Inspect, "back to the executions list"),
    (C::Up, X::Json, "scroll up"),
    (C::Down, X::Json, "scroll down"),
    (C::PageUp, X::Json, "page up"),
    (C::PageDown, X::Json, "page down"),
    (C::Top, X::Json, "first line"),
    (C::Bottom, X::Json, "last line"),
    (C::Back, X::Json, "close the JSON pane"),
];

/// Global commands that do nothing in a view: help leaves them out there.
/// (A view's own tab key is one: it is the view shown.)
pub const IDLE: &[(Command, Context)] = &[
    (C::Open, X::Nodes),
    (C::Open, X::Logs),
    (C::Open, X::Inspect),
    (C::Filter, X::Inspect),
    (C::Open, X::Json),
    (C::Filter, X::Json),
    (C::ShopView, X::Shop),
    (C::ExecutionsView, X::Executions),
    (C::NodesView, X::Nodes),
];

impl Command {
    fn spec(self) -> &'static Spec {
        // every command has a row (a test checks it); Quit's is the first
        TABLE
            .iter()
            .find(|s| s.command == self)
            .unwrap_or(&TABLE[0])
    }

    pub fn context(self) -> Context {
        self.spec().context
    }

    /// The name used in the settings' `[keys]` table: `quit`,
    /// `executions.terminate`.
    pub fn name(self) -> String {
        let spec = self.spec();
        match spec.context {
            Context::Global => spec.action.to_string(),
            context => format!("{}.{}", context.name(), spec.action),
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        TABLE.iter().map(|s| s.command).find(|c| c.name() == name)
    }

    pub fn describe(self) -> &'static str {
        self.spec().describe
    }

    /// What it does in `context`.
    pub fn describe_in(self, context: Context) -> &'static str {
        self.meaning_in(context).unwrap_or(self.describe())
    }

    fn meaning_in(self, context: Context) -> Option<&'static str> {
        MEANINGS
            .iter()
            .find(|(c, x, _)| *c == self && *x == context)
            .map(|(_, _, m)| *m)
    }

    /// It changes the cluster: hidden in read-only mode.
    pub fn changes_cluster(self) -> bool {
        matches!(
            self,
            C::Start | C::Terminate | C::Relaunch | C::Shell | C::RestartInstance
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub bindings: Vec<(Key, Command)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        let bindings = TABLE
            .iter()
            .flat_map(|s| {
                s.keys
                    .iter()
                    .filter_map(|k| Key::parse(k).ok().map(|key| (key, s.command)))
            })
            .collect();
        Keymap { bindings }
    }
}

/// A help line: the keys, what the command does.
pub type HelpLine = (String, &'static str);

impl Keymap {
    /// The defaults with the settings' `[keys]` table applied: each named
    /// command gets exactly the keys listed, and loses them elsewhere in
    /// its place. Unknown commands, keys that are no keys, a key given to
    /// two commands that would both act in one view (of one place, or a
    /// view's and a global one), no key for a way out (quit, back, the
    /// form's cancel), `ctrl-c` for anything but quit (it always quits),
    /// and a character for a form command other than a step are errors
    /// that name them; the caller adds the file.
    pub fn with_overrides(
        overrides: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        let mut given: Vec<Command> = Vec::new();
        for (name, keys) in overrides {
            let command = Command::from_name(name).ok_or_else(|| unknown(name))?;
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k).map_err(|why| format!("[keys] {name}: {why}")))
                .collect::<Result<Vec<_>, _>>()?;
            if parsed.is_empty() && WAYS_OUT.contains(&command) {
                return Err(format!(
                    "[keys] {name} = []: that leaves no way out ({}); give it at least one key",
                    command.describe()
                ));
            }
            if command != C::Quit
                && let Some(key) = parsed.iter().find(|k| k.same(&ctrl_c()))
            {
                return Err(format!(
                    "[keys] {name}: `{}` always quits and cannot be given to {name}; pick another key",
                    key.label
                ));
            }
            if command.context() == Context::Form
                && !matches!(command, C::StepUp | C::StepDown)
                && let Some(key) = parsed.iter().find(|k| k.types_text())
            {
                return Err(format!(
                    "[keys] {name}: `{}` would be typed into the form's fields; use a key that types nothing (enter, esc, tab, f1…, ctrl-x)",
                    key.label
                ));
            }
            // one key, one action in a place: two commands of the file on
            // one key where both would act (the same place, or a view and
            // the global commands that work in it)
            if let Some((key, other)) = map.bindings.iter().find(|(key, c)| {
                given.contains(c)
                    && *c != command
                    && same_place(c.context(), command.context())
                    && parsed.iter().any(|p| p.same(key))
            }) {
                return Err(format!(
                    "[keys] `{}` is given to both {} and {name}; one key can do one thing in a view, so give one of them another key",
                    key.label,
                    other.name()
                ));
            }
            map.bindings.retain(|(key, c)| {
                *c != command
                    && !(c.context() == command.context() && parsed.iter().any(|p| p.same(key)))
            });
            map.bindings
                .extend(parsed.into_iter().map(|k| (k, command)));
            given.push(command);
        }
        // ctrl-c always quits, whatever the table says
        if !map
            .bindings
            .iter()
            .any(|(k, c)| *c == C::Quit && k.same(&ctrl_c()))
        {
            map.bindings.push((ctrl_c(), C::Quit));
        }
        Ok(map)
    }

    /// The command `event` means in `context`: its own commands first,
    /// then (in a view) the global ones.
    pub fn command_in(&self, context: Context, event: &KeyEvent) -> Option<Command> {
        let find = |place: Context| {
            self.bindings
                .iter()
                .find(|(k, c)| c.context() == place && k.matches(event))
                .map(|(_, c)| *c)
        };
        find(context).or_else(|| {
            if context.is_view() {
                find(Context::Global)
            } else {
                None
            }
        })
    }

    /// The keys that reach `command` in `context` (a global key that a
    /// command of the view shadows there is left out).
    pub fn keys_in(&self, context: Context, command: Command) -> Vec<&str> {
        self.bindings
            .iter()
            .filter(|(key, c)| {
                *c == command
                    && (c.context() == context
                        || (c.context() == Context::Global
                            && context.is_view()
                            && !self
                                .bindings
                                .iter()
                                .any(|(k, o)| o.context() == context && k.same(key))))
            })
            .map(|(k, _)| k.label.as_str())
            .collect()
    }

    /// The first key of `command` in `context`, for short hints.
    pub fn first_key_in(&self, context: Context, command: Command) -> Option<&str> {
        self.keys_in(context, command).first().copied()
    }

    /// The help of one view: its own keys (with what the global ones mean
    /// there), then the keys that work everywhere. Commands with no key
    /// here, and those that change the cluster when `readonly`, are left
    /// out.
    pub fn help(&self, view: View, readonly: bool) -> (Vec<HelpLine>, Vec<HelpLine>) {
        self.help_in(Context::from(view), readonly)
    }

    /// The help of one place (a view, the instance list, the JSON pane).
    pub fn help_in(&self, context: Context, readonly: bool) -> (Vec<HelpLine>, Vec<HelpLine>) {
        self.help_without(context, readonly, &[])
    }

    /// The help of one place without the commands the role may not use.
    pub fn help_without(
        &self,
        context: Context,
        readonly: bool,
        withheld: &[Command],
    ) -> (Vec<HelpLine>, Vec<HelpLine>) {
        let mut own: Vec<HelpLine> = Vec::new();
        let mut everywhere = Vec::new();
        for spec in TABLE {
            let command = spec.command;
            let keys = self.keys_in(context, command);
            if keys.is_empty()
                || (readonly && command.changes_cluster())
                || withheld.contains(&command)
                || IDLE.contains(&(command, context))
            {
                continue;
            }
            let line = (keys.join(" "), command.describe_in(context));
            if spec.context == context || command.meaning_in(context).is_some() {
                // `1`..`9`: one line
                if let Some(last) = own.last_mut()
                    && last.1 == line.1
                {
                    last.0 = joined_keys(&last.0, &line.0);
                    continue;
                }
                own.push(line);
            } else if spec.context == Context::Global {
                everywhere.push(line);
            }
        }
        (own, everywhere)
    }
}

/// The keys of two help lines that say the same: `1`, `2` … `9` as
/// `1–9` when they follow each other.
fn joined_keys(before: &str, next: &str) -> String {
    let last = before.rsplit(['–', ' ']).next().unwrap_or(before);
    let digit = |s: &str| s.parse::<u8>().ok().filter(|d| *d <= 9);
    match (digit(last), digit(next)) {
        (Some(a), Some(b)) if b == a + 1 => {
            let head = &before[..before.len() - last.len()];
            if head.ends_with('–') {
                format!("{head}{next}")
            } else {
                format!("{before}–{next}")
            }
        }
        // `ctrl-d ctrl-u` as `ctrl-d/u`
        _ => match (before.strip_prefix("ctrl-"), next.strip_prefix("ctrl-")) {
            (Some(a), Some(b)) if a.len() == 1 && b.len() == 1 => format!("{before}/{b}"),
            _ => format!("{before} {next}"),
        },
    }
}

/// Commands without which a place cannot be left (ctrl-c aside).
const WAYS_OUT: &[Command] = &[C::Quit, C::Back, C::Cancel];

fn ctrl_c() -> Key {
    Key {
        code: ratatui::crossterm::event::KeyCode::Char('c'),
        ctrl: true,
        label: "ctrl-c".into(),
    }
}

/// Whether commands of these places can both act on one key press.
fn same_place(a: Context, b: Context) -> bool {
    a == b || (a == Context::Global && b.is_view()) || (b == Context::Global && a.is_view())
}

/// The error for a name that is no command, with the nearest names.
fn unknown(name: &str) -> String {
    let qualified: Vec<String> = TABLE
        .iter()
        .filter(|s| s.action == name && s.context != Context::Global)
        .map(|s| s.command.name())
        .collect();
    if !qualified.is_empty() {
        return format!(
            "[keys] {name}: no such command; did you mean {}? (in TOML, quote a name with a dot: \"{}\" = [\"…\"])",
            qualified.join(" or "),
            qualified[0]
        );
    }
    let names: Vec<String> = TABLE.iter().map(|s| s.command.name()).collect();
    format!(
        "[keys] {name}: no such command (commands: {})",
        names.join(", ")
    )
}

#[cfg(test)]
#[path = "keymap_tests.rs"]
mod tests;
