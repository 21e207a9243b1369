//! The inspect pane's instance list and what its keys ask for (logs of
//! one instance, a shell, restarts, the raw JSON, the URL copied or
//! opened), the JSON pane, and the status line's word for a key that does
//! nothing; snapshots of the list and the JSON pane at both sizes.

use super::*;
use crate::console::executions::InstanceView;
use crate::model::BackendState;

fn instance(name: &str, essential: bool, state: BackendState, status: &str) -> InstanceView {
    InstanceView {
        instance: name.into(),
        host: "local".into(),
        container: format!("c0ffee{}", name.len()),
        essential,
        state,
        engine_status: status.into(),
        stopped: None,
        exit_code: (state != BackendState::Started).then_some(137),
        ports: Vec::new(),
    }
}

/// The default app with the first execution's instances known, in the
/// executions view.
pub(super) fn with_instances() -> App {
    let mut a = app("default");
    let rows = a.data.executions.clone();
    let mut rows: Vec<ExecutionRow> = rows;
    rows[0].instances = vec![
        instance("extra-worker0", false, BackendState::Started, "running"),
        instance("extra-worker1", false, BackendState::Dead, "exited"),
        instance("master0", true, BackendState::Started, "running"),
        instance("worker0", true, BackendState::Started, "running"),
        instance("worker1", true, BackendState::Started, "running"),
    ];
    let nodes = a.data.nodes.clone();
    a.on_update(Update::Cluster {
        nodes,
        executions: rows,
    });
    a.on_key(key(KeyCode::Char('2')));
    a
}

fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

/// Enter focuses the list; `G`/`k` move in it; the selection is on
/// `name`.
pub(super) fn select(a: &mut App, name: &str) {
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.context(), crate::tui::keymap::Context::Inspect);
    a.on_key(ch('g'));
    while super::super::views::inspect::selected(a).is_some_and(|(_, i)| i.instance != name) {
        let before = a.instances.selected;
        a.on_key(ch('j'));
        assert_ne!(before, a.instances.selected, "{name} is not in the list");
    }
}

#[test]
fn inspect_list() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = with_instances();
        select(&mut a, "master0");
        snapshot(&format!("inspect-list-{w}x{h}"), &render(&mut a, w, h));
    }
}

#[test]
fn json_pane() {
    let json = serde_json::json!({
        "Id": "3e3eacc02f25aa",
        "Name": "/master0-1ibx0a2b3c-prod",
        "State": {"Status": "running", "Running": true, "ExitCode": 0},
        "Config": {"Env": ["SERVICE_NAME=master0", "EVIL=\u{9b}31m"], "Labels": {"zoe_owner": "alice"}},
        "HostConfig": {"Memory": 67108864, "NanoCpus": 100000000},
    });
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = with_instances();
        select(&mut a, "master0");
        assert_eq!(
            a.on_key(ch('y')),
            Request::Describe {
                id: "1ibx0a2b3c".into(),
                instance: "master0".into()
            }
        );
        a.on_update(Update::Described(Ok((
            "master0 of 1ibx0a2b3c on local".into(),
            json.clone(),
        ))));
        assert_eq!(a.context(), crate::tui::keymap::Context::Json);
        let screen = render(&mut a, w, h);
        assert!(screen.contains("\"Id\": \"3e3eacc02f25aa\""), "{screen}");
        assert!(!screen.contains('\u{9b}'), "escaped: {screen}");
        snapshot(&format!("json-pane-{w}x{h}"), &screen);
    }
}

#[test]
fn the_json_pane_scrolls_and_closes_where_it_was() {
    let mut a = with_instances();
    select(&mut a, "worker0");
    let long: serde_json::Value = (0..100)
        .map(|n| (format!("k{n:03}"), n.into()))
        .collect::<serde_json::Map<_, _>>()
        .into();
    a.on_update(Update::Described(Ok(("worker0".into(), long))));
    let _ = render(&mut a, 80, 24);
    a.on_key(ch('G'));
    let screen = render(&mut a, 80, 24);
    assert!(
        screen.contains("\"k099\": 99"),
        "G shows the last line:\n{screen}"
    );
    assert!(!screen.contains("\"k000\""), "{screen}");
    a.on_key(ch('g'));
    a.on_key(ch('j'));
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains("\"k000\": 0"), "{screen}");
    a.on_key(key(KeyCode::PageDown));
    assert!(!render(&mut a, 80, 24).contains("\"k000\""));
    a.on_key(ch('q'));
    assert!(a.json.is_none(), "q closes the pane, not the console");
    assert_eq!(a.context(), crate::tui::keymap::Context::Inspect);
    assert_eq!(
        super::super::views::inspect::selected(&a)
            .unwrap()
            .1
            .instance,
        "worker0",
        "back where it was"
    );
}

#[test]
fn instance_keys_ask_for_their_action() {
    let mut a = with_instances();
    select(&mut a, "master0");
    let id: crate::model::ExecutionId = "1ibx0a2b3c".into();
    assert_eq!(
        a.on_key(ch('s')),
        Request::Shell {
            id: id.clone(),
            instance: "master0".into()
        }
    );
    assert_eq!(
        a.on_key(ch('c')),
        Request::Clipboard("http://127.0.0.1:32768/".into())
    );
    assert!(a.message.as_ref().unwrap().0.contains("copied URL"));
    assert_eq!(
        a.on_key(ch('w')),
        Request::OpenUrl("http://127.0.0.1:32768/".into())
    );
    // an essential restart asks first; n leaves it alone
    assert_eq!(a.on_key(ch('R')), Request::None);
    assert_eq!(a.mode, Mode::Confirm);
    let screen = render(&mut a, 80, 24);
    assert!(
        screen.contains("Restart master0 of 1ibx0a2b3c?"),
        "{screen}"
    );
    assert_eq!(a.on_key(ch('n')), Request::None);
    assert_eq!(a.mode, Mode::Normal);
    a.on_key(ch('R'));
    assert_eq!(
        a.on_key(ch('y')),
        Request::RestartInstance {
            id: id.clone(),
            instance: "master0".into()
        }
    );
    // an elastic one restarts at once
    a.on_key(ch('g'));
    assert_eq!(
        a.on_key(ch('R')),
        Request::RestartInstance {
            id: id.clone(),
            instance: "extra-worker0".into()
        }
    );
    // no URL, no shell in a stopped one: said, nothing asked
    assert_eq!(a.on_key(ch('c')), Request::None);
    assert!(
        a.message
            .as_ref()
            .unwrap()
            .0
            .contains("extra-worker0 has no URL")
    );
    a.on_key(ch('j'));
    assert_eq!(a.on_key(ch('s')), Request::None);
    assert!(a.message.as_ref().unwrap().0.contains("not running"));
    // `l`: the logs of that one instance
    assert_eq!(
        a.on_key(ch('l')),
        Request::FollowLogs {
            id,
            service: Some("extra-worker1".into())
        }
    );
    assert_eq!(a.view, View::Logs);
}

#[test]
fn esc_and_q_leave_the_list_then_esc_closes_the_pane() {
    let mut a = with_instances();
    select(&mut a, "worker1");
    a.on_key(key(KeyCode::Esc));
    assert_eq!(a.context(), crate::tui::keymap::Context::Executions);
    assert!(a.executions.inspect, "the pane stays");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.context(), crate::tui::keymap::Context::Inspect);
    assert_eq!(
        a.on_key(ch('q')),
        Request::None,
        "q leaves the list, not zoe"
    );
    assert_eq!(a.context(), crate::tui::keymap::Context::Executions);
    a.on_key(key(KeyCode::Esc));
    assert!(!a.executions.inspect);
    // `?` in the list lists the list's keys
    a.on_key(key(KeyCode::Enter));
    a.on_key(ch('?'));
    let screen = render(&mut a, 160, 48);
    for (keys, what) in [
        ("s", "a shell in it"),
        ("R", "restart it"),
        ("y", "its container/pod as JSON"),
        ("c", "copy its URL (OSC 52)"),
        ("w", "open its URL"),
        ("esc q", "back to the executions list"),
    ] {
        assert!(
            screen.contains(&format!("{keys}  ")) && screen.contains(what),
            "{keys} {what}:\n{screen}"
        );
    }
    assert!(screen.contains("keys: instance list"), "{screen}");
}

#[test]
fn read_only_hides_the_shell_and_restart() {
    let mut a = with_instances();
    a.readonly = true;
    select(&mut a, "master0");
    assert_eq!(a.on_key(ch('s')), Request::None);
    assert!(a.message.as_ref().unwrap().0.contains("read-only"));
    assert_eq!(a.on_key(ch('R')), Request::None);
    assert_eq!(a.mode, Mode::Normal);
    // reading stays open
    assert!(matches!(a.on_key(ch('y')), Request::Describe { .. }));
}

#[test]
fn a_key_that_does_nothing_says_so() {
    let mut a = app("default");
    assert_eq!(a.on_key(ch('x')), Request::None);
    assert_eq!(
        a.message.as_ref().map(|(m, _)| m.as_str()),
        Some("`x` does nothing in the shop view — `?` lists the keys")
    );
    a.on_key(ch('3'));
    a.on_key(key(KeyCode::Enter));
    assert!(
        a.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("`enter` does nothing in the nodes view")),
        "{:?}",
        a.message
    );
    let mut a = with_instances();
    select(&mut a, "master0");
    a.on_key(ch('/'));
    assert!(
        a.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("`/` does nothing in the instance list")),
        "{:?}",
        a.message
    );
}

#[test]
fn the_list_lets_go_when_its_execution_is_no_longer_listed() {
    let mut a = with_instances();
    select(&mut a, "extra-worker0");
    let first = a.selected_execution().unwrap().id.clone();
    // the execution goes (ended and hidden, or gone): the row under the
    // selection is now another one, which the list must not act on
    let rows: Vec<ExecutionRow> = a
        .data
        .executions
        .iter()
        .filter(|e| e.id != first)
        .cloned()
        .map(|mut e| {
            e.instances = vec![instance(
                "extra-worker0",
                false,
                BackendState::Started,
                "running",
            )];
            e
        })
        .collect();
    let nodes = a.data.nodes.clone();
    a.on_update(Update::Cluster {
        nodes,
        executions: rows,
    });
    assert!(!a.instances.focused);
    assert!(
        a.message.as_ref().unwrap().0.contains("no longer listed"),
        "{:?}",
        a.message
    );
    assert!(super::super::views::inspect::selected(&a).is_none());
    // enter focuses the list again, on the row selected now, from its top
    a.on_key(key(KeyCode::Enter));
    assert!(a.instances.focused);
    assert_ne!(a.instances.execution.as_ref(), Some(&first));
    assert_eq!(a.instances.selected, 0);
}

#[test]
fn a_second_shell_while_one_is_being_opened_is_not_asked() {
    let mut a = with_instances();
    select(&mut a, "master0");
    assert!(matches!(a.on_key(ch('s')), Request::Shell { .. }));
    assert_eq!(a.on_key(ch('s')), Request::None);
    assert!(a.message.as_ref().unwrap().0.contains("being opened"));
    // the view changed meanwhile: the shell found is not taken
    a.on_key(key(KeyCode::Char(':')));
    let id = a.instances.shell_asked.clone().unwrap().0;
    assert!(!super::super::views::inspect::shell_wanted(
        &mut a, &id, "master0"
    ));
    assert!(a.instances.shell_asked.is_none());
}
