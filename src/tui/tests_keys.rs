//! Keys from the keymap's table: `?` in each view lists that view's keys,
//! a `[keys]` remap of a view key moves it, and text being typed is never
//! taken for a command.

use super::*;
use crate::tui::keymap::{Command, Context, Keymap, TABLE};

/// The app in `view` (the log view of the first execution for `Logs`).
fn app_in(view: View) -> App {
    let mut a = app("default");
    match view {
        View::Shop => {}
        View::Executions => {
            a.on_key(key(KeyCode::Char('2')));
        }
        View::Nodes => {
            a.on_key(key(KeyCode::Char('3')));
        }
        View::Logs => {
            a.on_key(key(KeyCode::Char('2')));
            a.on_key(key(KeyCode::Char('l')));
        }
    }
    assert_eq!(a.view, view);
    a
}

/// `?` in `view` lists every command of that view with its keys and what
/// it does there, and no command of another view.
fn help_lists_the_keys_of(view: View) {
    let mut a = app_in(view);
    a.on_key(key(KeyCode::Char('?')));
    assert_eq!(a.mode, Mode::Help);
    let screen = render(&mut a, 160, 48);
    let context = Context::from(view);
    assert!(screen.contains(&format!(" {} ", view.title())), "{screen}");
    for spec in TABLE {
        let c = spec.command;
        let described = c.describe_in(context);
        if spec.context == context {
            // commands that do alike share a line (`1–9`, `left right`)
            let mut keys = a.keymap.keys_in(context, c);
            if described == crate::tui::keymap::TOGGLE {
                keys = vec!["1–9"];
            }
            if described.contains("half a page") {
                keys = vec!["ctrl-d/u"];
            }
            assert!(
                screen
                    .lines()
                    .any(|l| l.contains(described) && keys.iter().all(|k| l.contains(*k))),
                "{view:?} help lacks {} ({keys:?} {described}):\n{screen}",
                c.name()
            );
        } else if !matches!(
            spec.context,
            Context::Global | Context::Form | Context::Confirm
        ) {
            assert!(
                !screen.contains(spec.describe),
                "{view:?} help shows {} of another view:\n{screen}",
                c.name()
            );
        } else if described != c.describe() {
            assert!(screen.contains(described), "{described}:\n{screen}");
        }
    }
    assert!(
        screen.contains("q ctrl-c"),
        "the global keys too:\n{screen}"
    );
    a.on_key(key(KeyCode::Char('x')));
    assert_eq!(a.mode, Mode::Normal, "any key closes it");
}

#[test]
fn help_in_the_shop_lists_its_keys() {
    help_lists_the_keys_of(View::Shop);
}

#[test]
fn help_in_executions_lists_its_keys() {
    help_lists_the_keys_of(View::Executions);
}

#[test]
fn help_in_nodes_lists_its_keys() {
    help_lists_the_keys_of(View::Nodes);
}

#[test]
fn help_in_the_log_view_lists_its_keys() {
    help_lists_the_keys_of(View::Logs);
}

#[test]
fn help_of_each_view() {
    for (name, view) in [
        ("executions", View::Executions),
        ("nodes", View::Nodes),
        ("logs", View::Logs),
    ] {
        for (w, h) in [(80, 24), (160, 48)] {
            let mut a = app_in(view);
            a.on_key(key(KeyCode::Char('?')));
            snapshot(&format!("help-{name}-{w}x{h}"), &render(&mut a, w, h));
        }
    }
}

fn remapped(pairs: &[(&str, &str)]) -> Keymap {
    let text: String = std::iter::once("[keys]\n".to_string())
        .chain(
            pairs
                .iter()
                .map(|(name, key)| format!("\"{name}\" = [\"{key}\"]\n")),
        )
        .collect();
    let settings = crate::config::Settings::parse(&text, std::path::Path::new("zoe.toml")).unwrap();
    Keymap::with_overrides(&settings.keys).unwrap()
}

#[test]
fn a_remapped_terminate_key_terminates_and_the_old_one_does_not() {
    let mut a = app_in(View::Executions);
    a.keymap = remapped(&[("executions.terminate", "x")]);
    assert_eq!(a.on_key(key(KeyCode::Char('t'))), Request::None);
    assert_eq!(a.mode, Mode::Normal, "t no longer terminates");
    assert!(a.pending.is_none());
    // it says so in the status line, where the hints then come back
    assert!(
        a.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("`t` does nothing in the executions view")),
        "{:?}",
        a.message
    );
    a.message = None;
    let screen = render(&mut a, 160, 48);
    assert!(
        screen.contains("x terminate"),
        "the hints follow:\n{screen}"
    );
    assert!(!screen.contains("t terminate"), "{screen}");
    a.on_key(key(KeyCode::Char('x')));
    assert_eq!(a.mode, Mode::Confirm);
    assert_eq!(
        a.on_key(key(KeyCode::Char('y'))),
        Request::Terminate("1ibx0a2b3c".into())
    );
    a.on_key(key(KeyCode::Char('?')));
    let screen = render(&mut a, 160, 48);
    assert!(
        screen.contains("x  ") && screen.contains("terminate (asks first)"),
        "{screen}"
    );
    // t still toggles the timestamps of the log view
    a.on_key(key(KeyCode::Esc));
    a.on_key(key(KeyCode::Char('l')));
    a.on_key(key(KeyCode::Char('t')));
    assert_eq!(
        a.logs.as_ref().unwrap().time,
        crate::tui::logs::TimeFormat::Full
    );
}

#[test]
fn form_and_confirm_keys_remap_too() {
    let mut a = app("default");
    a.keymap = remapped(&[("form.launch", "f5"), ("confirm.yes", "j")]);
    for c in "/web".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    a.on_key(key(KeyCode::Enter));
    a.on_key(key(KeyCode::Char('s')));
    assert_eq!(a.on_key(key(KeyCode::Enter)), Request::None);
    assert_eq!(a.mode, Mode::Form, "enter no longer launches");
    assert!(render(&mut a, 100, 30).contains("f5 launch"));
    assert!(matches!(a.on_key(key(KeyCode::F(5))), Request::Launch(_)));
    let mut a = app_in(View::Executions);
    a.keymap = remapped(&[("confirm.yes", "j")]);
    a.on_key(key(KeyCode::Char('t')));
    assert!(render(&mut a, 80, 24).contains("j yes"));
    assert!(matches!(
        a.on_key(key(KeyCode::Char('j'))),
        Request::Terminate(_)
    ));
}

#[test]
fn typed_text_is_never_taken_for_a_command() {
    // the executions filter
    let mut a = app_in(View::Executions);
    for c in "/tarq?:".chars() {
        assert_eq!(a.on_key(key(KeyCode::Char(c))), Request::None);
    }
    assert_eq!(
        (a.mode, a.executions.filter.as_str()),
        (Mode::Filter, "tarq?:")
    );
    // the shop filter, from the nodes view
    let mut a = app_in(View::Nodes);
    for c in "/s1q".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!((a.view, a.shop.filter.as_str()), (View::Shop, "s1q"));
    // the log filter
    let mut a = app_in(View::Logs);
    for c in "/fwtnNsq0$12".chars() {
        assert_eq!(a.on_key(key(KeyCode::Char(c))), Request::None);
    }
    let logs = a.logs.as_ref().unwrap();
    assert_eq!((a.mode, a.prompt.value()), (Mode::LogSearch, "fwtnNsq0$12"));
    assert_eq!(logs.filter.text, "fwtnNsq0$12");
    assert!(logs.follow && !logs.wrap && logs.time == crate::tui::logs::TimeFormat::Short);
    // the : line
    let mut a = app("default");
    for c in ":q2".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!((a.mode, a.prompt.value()), (Mode::Command, "q2"));
    // the form's name field: q, ?, :, s, t and tab-less letters are typed
    let mut a = app("default");
    for c in "/web".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    a.on_key(key(KeyCode::Enter));
    a.on_key(key(KeyCode::Char('s')));
    a.on_key(key(KeyCode::End));
    for c in "q?:st+".chars() {
        assert_eq!(a.on_key(key(KeyCode::Char(c))), Request::None);
    }
    assert_eq!(a.mode, Mode::Form);
    assert!(
        a.form.as_ref().unwrap().fields[0]
            .value()
            .ends_with("q?:st+"),
        "{}",
        a.form.as_ref().unwrap().fields[0].value()
    );
    // even a global key remapped to a letter: ctrl is needed for suspend
    let mut a = app("default");
    a.keymap = remapped(&[("quit", "x")]);
    a.on_key(key(KeyCode::Char('/')));
    assert_eq!(a.on_key(key(KeyCode::Char('x'))), Request::None);
    assert_eq!(a.shop.filter, "x");
}

#[test]
fn every_view_command_acts_where_it_belongs() {
    // each view's own commands, by their default keys
    let mut a = app_in(View::Executions);
    a.on_key(key(KeyCode::Char('o')));
    assert_eq!(a.executions.sort, crate::tui::app::ExecSort::Name);
    a.on_key(key(KeyCode::Char('a')));
    assert!(!a.executions.show_all);
    a.on_key(key(KeyCode::Char('a')));
    assert!(
        matches!(a.on_key(key(KeyCode::Char('r'))), Request::Relaunch(_)),
        "r relaunches"
    );
    let mut a = app_in(View::Logs);
    a.on_update(Update::log((0..5).map(|n| log_line(n, "w0")).collect()));
    for c in "fwt".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    let logs = a.logs.as_ref().unwrap();
    assert!(!logs.follow && logs.wrap && logs.time == crate::tui::logs::TimeFormat::Full);
    a.logs.as_mut().unwrap().search = "(3)".into();
    a.on_key(key(KeyCode::Char('n')));
    assert_eq!(a.logs.as_ref().unwrap().matched, Some(3));
    a.on_key(key(KeyCode::Char('N')));
    assert_eq!(a.logs.as_ref().unwrap().matched, Some(3));
    assert!(matches!(
        a.on_key(key(KeyCode::Char('s'))),
        Request::SaveLogs { .. }
    ));
    // and not in another view: o and a do nothing in the shop
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('o')));
    a.on_key(key(KeyCode::Char('a')));
    assert_eq!(a.executions.sort, crate::tui::app::ExecSort::Newest);
    assert!(a.executions.show_all);
    assert!(
        Command::Terminate.context() == Context::Executions
            && Command::Timestamps.context() == Context::Logs
    );
}
