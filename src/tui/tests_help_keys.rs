//! Every key `?` lists in a view does something there: pressed on a
//! representative state of that view (a few, so a key that needs room to
//! move or a filter to clear gets one), it changes what the app holds or
//! shows, or asks for something. The status line's "does nothing here"
//! (`unmapped::does_nothing`) does not count.

use super::*;
use crate::tui::keymap::Context;
use crate::tui::keymap::Key;
use crate::tui::unmapped::is_does_nothing;

/// States of `view` to press keys on.
fn states_of(view: View) -> Vec<App> {
    let base = || {
        let mut a = app("default");
        match view {
            View::Shop | View::Nodes => {}
            View::Executions => {
                a.on_key(key(KeyCode::Char('2')));
            }
            View::Logs => {
                a.on_key(key(KeyCode::Char('2')));
                a.on_key(key(KeyCode::Char('l')));
                a.on_update(Update::log((0..200).map(|n| log_line(n, "w0")).collect()));
                a.logs.as_mut().unwrap().search = "(4".into();
            }
        }
        if view == View::Nodes {
            a.on_key(key(KeyCode::Char('3')));
        }
        assert_eq!(a.view, view);
        a
    };
    let mut states = vec![base()];
    // moved down as far as it goes
    let mut a = base();
    a.on_key(key(KeyCode::End));
    states.push(a);
    // with the filters set
    let mut a = base();
    a.shop.filter = "o".into();
    a.executions.filter = "a".into();
    states.push(a);
    // with the logs paused
    let mut a = base();
    if let Some(logs) = a.logs.as_mut() {
        logs.follow = false;
        logs.top = 50;
    }
    states.push(a);
    // without wrap, a long line scrolled sideways a little
    let mut a = base();
    if a.logs.is_some() {
        let mut long = log_line(200, "w0");
        long.text = "x".repeat(400);
        a.on_update(Update::log(vec![long]));
        if let Some(logs) = a.logs.as_mut() {
            logs.wrap = false;
            logs.hscroll = 10;
        }
    }
    states.push(a);
    states
}

/// Everything a key could change, as text.
fn fingerprint(a: &mut App) -> String {
    let screen = render(a, 160, 48);
    format!(
        "{screen}{:?}{:?}{:?}{:?}{:?}{:?}{:?}{}{:?}{}{}{:?}{:?}",
        a.view,
        a.mode,
        a.shop,
        a.executions,
        a.nodes,
        a.logs,
        a.message,
        a.form.is_some(),
        a.pending,
        a.mouse,
        a.line_help,
        a.instances,
        a.json
    )
}

/// The key event for a label of the keymap.
fn event(label: &str) -> KeyEvent {
    let parsed = Key::parse(label).unwrap();
    let mut modifiers = KeyModifiers::NONE;
    if parsed.ctrl {
        modifiers |= KeyModifiers::CONTROL;
    }
    match parsed.code {
        KeyCode::BackTab => modifiers |= KeyModifiers::SHIFT,
        KeyCode::Char(c) if c.is_uppercase() => modifiers |= KeyModifiers::SHIFT,
        _ => {}
    }
    KeyEvent {
        code: parsed.code,
        modifiers,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }
}

fn does_something(view: View, label: &str) -> bool {
    states_of(view).into_iter().any(|mut a| {
        let before = fingerprint(&mut a);
        let request = a.on_key(event(label));
        if a.message
            .as_ref()
            .is_some_and(|(text, _)| is_does_nothing(text))
        {
            return false;
        }
        request != Request::None || fingerprint(&mut a) != before
    })
}

/// The keys of one word of a help line: `1–9` is `1` … `9`, `ctrl-d/u`
/// is `ctrl-d` and `ctrl-u`.
fn expand(word: &str) -> Vec<String> {
    if let Some((a, b)) = word.split_once('–')
        && let (Ok(a), Ok(b)) = (a.parse::<u8>(), b.parse::<u8>())
    {
        return (a..=b).map(|d| d.to_string()).collect();
    }
    if let Some((head, tail)) = word.split_once('/')
        && let Some(prefix) = head.strip_suffix(|c: char| c.is_ascii_alphabetic())
        && !tail.is_empty()
    {
        return vec![head.to_string(), format!("{prefix}{tail}")];
    }
    vec![word.to_string()]
}

#[test]
fn help_words_are_expanded_to_keys() {
    assert_eq!(expand("1–3"), ["1", "2", "3"]);
    assert_eq!(expand("ctrl-d/u"), ["ctrl-d", "ctrl-u"]);
    assert_eq!(expand("/"), ["/"]);
    assert_eq!(expand("$"), ["$"]);
}

#[test]
fn every_key_listed_in_help_does_something_in_its_view() {
    let mut idle = Vec::new();
    let mut tried = 0;
    for view in [View::Shop, View::Executions, View::Nodes, View::Logs] {
        let a = app("default");
        let (own, everywhere) = a.keymap.help(view, false);
        for (keys, what) in own.iter().chain(&everywhere) {
            for label in keys.split(' ').flat_map(expand) {
                tried += 1;
                if !does_something(view, &label) {
                    idle.push(format!("{view:?}: {label} ({what})"));
                }
            }
        }
    }
    assert!(tried > 80, "{tried} keys tried");
    assert!(
        idle.is_empty(),
        "keys listed in ? that do nothing:\n{}",
        idle.join("\n")
    );
}

#[test]
fn the_nothing_here_message_is_not_doing_something() {
    // a key bound to nothing says so in the status line (which changes the
    // screen); the check above must not count that as acting
    let mut a = app("default");
    a.on_key(event("Z"));
    assert!(
        a.message.as_ref().is_some_and(|(t, _)| is_does_nothing(t)),
        "{:?}",
        a.message
    );
    assert!(!does_something(View::Shop, "Z"));
    assert!(does_something(View::Shop, "j"));
}

/// States of the inspect pane's instance list (focused, on its first, a
/// middle and its last instance) and of the JSON pane over it.
fn states_in(context: Context) -> Vec<App> {
    ["extra-worker0", "master0", "worker1"]
        .into_iter()
        .map(|name| {
            let mut a = super::actions::with_instances();
            super::actions::select(&mut a, name);
            if context == Context::Json {
                let long: serde_json::Value = (0..100)
                    .map(|n| (format!("k{n:03}"), n.into()))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
                a.on_update(Update::Described(Ok((name.into(), long))));
                let _ = render(&mut a, 160, 48);
                a.on_key(event("j"));
            }
            assert_eq!(a.context(), context);
            a
        })
        .collect()
}

#[test]
fn every_key_listed_in_the_instance_list_and_json_pane_help_does_something() {
    let mut idle = Vec::new();
    let mut tried = 0;
    for context in [Context::Inspect, Context::Json] {
        let (own, _) = states_in(context)[0].keymap.help_in(context, false);
        assert!(!own.is_empty(), "{context:?} lists keys");
        for (keys, what) in &own {
            for label in keys.split(' ').flat_map(expand) {
                tried += 1;
                let acts = states_in(context).into_iter().any(|mut a| {
                    let before = fingerprint(&mut a);
                    let request = a.on_key(event(&label));
                    let said_nothing = a
                        .message
                        .as_ref()
                        .is_some_and(|(text, _)| is_does_nothing(text));
                    !said_nothing && (request != Request::None || fingerprint(&mut a) != before)
                });
                if !acts {
                    idle.push(format!("{context:?}: {label} ({what})"));
                }
            }
        }
    }
    assert!(tried > 15, "{tried} keys tried");
    assert!(
        idle.is_empty(),
        "keys listed in ? that do nothing:\n{}",
        idle.join("\n")
    );
}
