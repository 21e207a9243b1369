use super::*;
use ratatui::crossterm::event::KeyEventKind;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use std::collections::BTreeMap;

fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent {
        code,
        modifiers,
        kind: KeyEventKind::Press,
        state: ratatui::crossterm::event::KeyEventState::NONE,
    }
}

fn char(c: char) -> KeyEvent {
    press(KeyCode::Char(c), KeyModifiers::NONE)
}

fn overrides(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(name, keys)| {
            (
                name.to_string(),
                keys.iter().map(|k| k.to_string()).collect(),
            )
        })
        .collect()
}

#[test]
fn default_keys_dispatch() {
    let map = Keymap::default();
    let shop = Context::Shop;
    assert_eq!(map.command_in(shop, &char('j')), Some(Command::Down));
    assert_eq!(
        map.command_in(shop, &press(KeyCode::Down, KeyModifiers::NONE)),
        Some(Command::Down)
    );
    assert_eq!(
        map.command_in(shop, &press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
        Some(Command::Bottom)
    );
    assert_eq!(
        map.command_in(shop, &press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Command::Quit)
    );
    assert_eq!(map.command_in(shop, &char('c')), None);
    assert_eq!(
        map.command_in(
            Context::Global,
            &press(KeyCode::Char('z'), KeyModifiers::CONTROL)
        ),
        Some(Command::Suspend)
    );
    assert_eq!(map.keys_in(shop, Command::Down), ["j", "down"]);
    assert_eq!(map.first_key_in(shop, Command::Filter), Some("/"));
}

#[test]
fn a_view_key_shadows_a_global_one_there_only() {
    let map = Keymap::default();
    assert_eq!(
        map.command_in(Context::Executions, &char('l')),
        Some(Command::Logs)
    );
    assert_eq!(
        map.command_in(Context::Shop, &char('l')),
        Some(Command::Open)
    );
    assert_eq!(
        map.command_in(Context::Executions, &char('t')),
        Some(Command::Terminate)
    );
    assert_eq!(
        map.command_in(Context::Logs, &char('t')),
        Some(Command::Timestamps)
    );
    assert_eq!(map.command_in(Context::Nodes, &char('t')), None);
    assert_eq!(map.keys_in(Context::Executions, Command::Open), ["enter"]);
    assert_eq!(map.keys_in(Context::Shop, Command::Open), ["enter", "l"]);
    // keys of a view never act elsewhere, global ones never in the form
    assert_eq!(map.command_in(Context::Shop, &char('o')), None);
    assert_eq!(map.command_in(Context::Form, &char('q')), None);
    assert_eq!(
        map.command_in(Context::Form, &press(KeyCode::BackTab, KeyModifiers::SHIFT)),
        Some(Command::PreviousField)
    );
    assert_eq!(
        map.command_in(Context::Confirm, &char('Y')),
        Some(Command::Yes)
    );
    // ctrl-t is not t
    assert_eq!(
        map.command_in(
            Context::Executions,
            &press(KeyCode::Char('t'), KeyModifiers::CONTROL)
        ),
        None
    );
}

#[test]
fn every_command_has_one_row_and_a_name_that_reads_back() {
    let mut names = Vec::new();
    for spec in TABLE {
        let c = spec.command;
        assert_eq!(
            TABLE.iter().filter(|s| s.command == c).count(),
            1,
            "{c:?} twice"
        );
        assert_eq!(Command::from_name(&c.name()), Some(c), "{}", c.name());
        assert!(!names.contains(&c.name()), "{} twice", c.name());
        names.push(c.name());
        for key in spec.keys {
            assert!(Key::parse(key).is_ok(), "{key}");
        }
    }
    assert_eq!(Command::Terminate.name(), "executions.terminate");
    assert_eq!(Command::PageUp.name(), "page_up");
    // no two commands of one place share a default key
    let map = Keymap::default();
    for (i, (key, c)) in map.bindings.iter().enumerate() {
        for (other, d) in &map.bindings[i + 1..] {
            assert!(
                !(key.same(other) && c.context() == d.context()),
                "{} is both {} and {}",
                key.label,
                c.name(),
                d.name()
            );
        }
    }
}

#[test]
fn the_settings_can_remap_keys() {
    let map =
        Keymap::with_overrides(&overrides(&[("quit", &["x"]), ("down", &["n", "down"])])).unwrap();
    let shop = Context::Shop;
    assert_eq!(map.command_in(shop, &char('x')), Some(Command::Quit));
    assert_eq!(
        map.command_in(shop, &char('q')),
        None,
        "q is no longer quit"
    );
    assert_eq!(map.command_in(shop, &char('n')), Some(Command::Down));
    assert_eq!(map.command_in(shop, &char('j')), None);
    // in the log view, n is still the next match
    assert_eq!(
        map.command_in(Context::Logs, &char('n')),
        Some(Command::NextMatch)
    );
}

#[test]
fn a_view_key_is_remapped_by_its_qualified_name() {
    let map = Keymap::with_overrides(&overrides(&[("executions.terminate", &["x"])])).unwrap();
    let executions = Context::Executions;
    assert_eq!(
        map.command_in(executions, &char('x')),
        Some(Command::Terminate)
    );
    assert_eq!(map.command_in(executions, &char('t')), None);
    assert_eq!(
        map.command_in(Context::Logs, &char('t')),
        Some(Command::Timestamps),
        "t keeps its meaning in the log view"
    );
    assert_eq!(map.keys_in(executions, Command::Terminate), ["x"]);
    // taking a key from another command of the same view
    let map = Keymap::with_overrides(&overrides(&[("logs.save", &["t"])])).unwrap();
    assert_eq!(
        map.command_in(Context::Logs, &char('t')),
        Some(Command::Save)
    );
    assert!(map.keys_in(Context::Logs, Command::Timestamps).is_empty());
    assert_eq!(
        map.command_in(executions, &char('t')),
        Some(Command::Terminate)
    );
}

#[test]
fn bad_overrides_are_errors_that_name_them() {
    let error = |pairs: &[(&str, &[&str])]| Keymap::with_overrides(&overrides(pairs)).unwrap_err();
    assert!(error(&[("fly", &["f"])]).contains("[keys] fly: no such command"));
    assert!(
        error(&[("executions.fly", &["f"])]).contains("[keys] executions.fly: no such command")
    );
    let why = error(&[("terminate", &["x"])]);
    assert!(why.contains("did you mean executions.terminate?"), "{why}");
    assert!(error(&[("help", &["hyper-h"])]).contains("[keys] help: `hyper-h` is not a key"));
    let why = error(&[("form.launch", &["x"])]);
    assert!(
        why.contains("[keys] form.launch: `x` would be typed"),
        "{why}"
    );
    assert!(Keymap::with_overrides(&overrides(&[("form.launch", &["f5"])])).is_ok());
    assert!(Keymap::with_overrides(&overrides(&[("form.step_up", &["="])])).is_ok());
    let why = error(&[("quit", &["x"]), ("refresh", &["x"])]);
    assert!(
        why.contains("[keys] `x` is given to both quit and refresh"),
        "{why}"
    );
}

#[test]
fn help_lists_the_keys_of_the_view_then_the_global_ones() {
    let map = Keymap::default();
    let (own, everywhere) = map.help(View::Executions, false);
    assert!(own.contains(&("t".to_string(), "terminate (asks first)")));
    assert!(own.contains(&("enter".to_string(), "inspect: its instance list")));
    assert!(own.contains(&("/".to_string(), "filter executions")));
    assert!(own.contains(&("q ctrl-c".to_string(), "close inspect / quit")));
    assert!(!everywhere.iter().any(|(_, d)| *d == "filter / search"));
    let (_, everywhere) = map.help(View::Nodes, false);
    assert!(everywhere.contains(&("q ctrl-c".to_string(), "quit")));
    let (own, _) = map.help(View::Executions, true);
    assert!(
        !own.iter().any(|(_, d)| d.contains("terminate")),
        "read-only hides what changes the cluster"
    );
    let (own, _) = map.help(View::Logs, false);
    assert!(own.contains(&("t".to_string(), "time: short/rfc3339/off")));
    assert!(own.contains(&("esc h".to_string(), "clear the filter / back")));
    assert!(own.contains(&("1–9".to_string(), super::TOGGLE)), "{own:?}");
    assert!(own.contains(&("ctrl-f".to_string(), "search: highlight, jump")));
    assert!(own.contains(&("ctrl-d/u".to_string(), "half a page down / up")));
    assert!(own.contains(&("left right".to_string(), "scroll sideways")));
    assert!(own.contains(&("/".to_string(), "filter lines (regex)")));
}

#[test]
fn keys_parse_and_refuse_nonsense() {
    assert_eq!(Key::parse("f5").unwrap().code, KeyCode::F(5));
    assert_eq!(Key::parse("backtab").unwrap().code, KeyCode::BackTab);
    assert!(Key::parse("ctrl-x").unwrap().ctrl);
    assert!(Key::parse("hyper-q").is_err());
    assert!(Key::parse("").is_err());
}

#[test]
fn a_keymap_with_no_way_out_or_one_key_for_two_actions_is_refused() {
    let error = |pairs: &[(&str, &[&str])]| Keymap::with_overrides(&overrides(pairs)).unwrap_err();
    let why = error(&[("quit", &[])]);
    assert!(
        why.contains("[keys] quit = []: that leaves no way out (quit)"),
        "{why}"
    );
    assert!(error(&[("back", &[])]).contains("[keys] back = []: that leaves no way out"));
    assert!(error(&[("form.cancel", &[])]).contains("[keys] form.cancel = []"));
    let why = error(&[("refresh", &["ctrl-c"])]);
    assert!(
        why.contains("[keys] refresh: `ctrl-c` always quits and cannot be given to refresh"),
        "{why}"
    );
    // a view's key against a global one: both would act in that view
    let why = error(&[("executions.sort", &["x"]), ("refresh", &["x"])]);
    assert!(
        why.contains("`x` is given to both executions.sort and refresh"),
        "{why}"
    );
    // two views may use one key for different things
    assert!(
        Keymap::with_overrides(&overrides(&[
            ("executions.sort", &["x"]),
            ("logs.wrap", &["x"])
        ]))
        .is_ok()
    );
    // ctrl-c stays quit whatever quit is given
    let map = Keymap::with_overrides(&overrides(&[("quit", &["x"])])).unwrap();
    assert_eq!(
        map.command_in(
            Context::Shop,
            &press(KeyCode::Char('c'), KeyModifiers::CONTROL)
        ),
        Some(Command::Quit)
    );
    assert_eq!(map.keys_in(Context::Nodes, Command::Quit), ["x", "ctrl-c"]);
}

#[test]
fn shift_tab_and_h_have_their_commands() {
    let map = Keymap::default();
    assert_eq!(
        map.command_in(
            Context::Nodes,
            &press(KeyCode::BackTab, KeyModifiers::SHIFT)
        ),
        Some(Command::PreviousView)
    );
    assert_eq!(
        map.command_in(Context::Executions, &char('h')),
        Some(Command::HideEnded)
    );
    assert_eq!(
        map.command_in(Context::Logs, &char('h')),
        Some(Command::Back)
    );
}
