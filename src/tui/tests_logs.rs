//! The log view: its new panes (filtered, a service hidden, ends marked,
//! scrolled sideways) at 80×24 and 160×48, wrap under the text, `:logs`
//! answers, saving when the state directory refuses it.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{app, at_both_sizes, key, render};
use crate::model::LogLine;
use crate::tui::app::{App, Mode, Request, Update, View};

const SERVICES: [&str; 3] = ["master0", "worker0", "worker1"];

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn typed(a: &mut App, text: &str) {
    for c in text.chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
}

fn stamped(n: usize, instance: &str, text: String) -> LogLine {
    LogLine {
        instance: instance.into(),
        stderr: false,
        timestamp: format!("2026-11-29T14:{:02}:{:02}.000000000Z", n / 60, n % 60),
        text,
        raw: None,
        unterminated: false,
    }
}

/// The merged log of the demo execution: three services, 40 lines in time
/// order, short timestamps in UTC.
fn merged_log(a: &mut App) {
    a.on_key(key(KeyCode::Char('2')));
    assert!(matches!(
        a.on_key(key(KeyCode::Char('l'))),
        Request::FollowLogs { service: None, .. }
    ));
    a.logs.as_mut().unwrap().zone = chrono::FixedOffset::east_opt(0);
    a.on_update(Update::LogOpened {
        execution: "1ibx0a2b3c".into(),
        instances: SERVICES.iter().map(|s| s.to_string()).collect(),
    });
    a.on_update(Update::log(
        (0..40)
            .map(|n| {
                let service = SERVICES[n % 3];
                let text = if n % 5 == 0 {
                    format!("{service} step {n}: ERROR connection refused by master0-1ibx0a2b3c-prod:7077, retrying in 5 s with backoff")
                } else {
                    format!("{service} step {n}: ok")
                };
                stamped(n, service, text)
            })
            .collect(),
    ));
}

#[test]
fn log_view_filtered() {
    at_both_sizes("logs-filtered", |a| {
        merged_log(a);
        typed(a, "/error");
        a.on_key(key(KeyCode::Enter));
        let logs = a.logs.as_ref().unwrap();
        assert_eq!(logs.counter(), (8, 40));
    });
}

#[test]
fn log_view_with_a_hidden_service() {
    at_both_sizes("logs-hidden", |a| {
        merged_log(a);
        a.on_key(key(KeyCode::Char('2')));
        assert_eq!(a.view, View::Logs, "2 toggles a service here");
        assert_eq!(a.logs.as_ref().unwrap().hidden.len(), 1);
        a.message = None;
    });
}

#[test]
fn log_view_with_ends_marked() {
    at_both_sizes("logs-ended", |a| {
        merged_log(a);
        for s in SERVICES {
            a.on_update(Update::LogEnded {
                execution: "1ibx0a2b3c".into(),
                instance: s.into(),
            });
        }
        // marked once, however often said
        a.on_update(Update::LogEnded {
            execution: "1ibx0a2b3c".into(),
            instance: "worker0".into(),
        });
    });
}

#[test]
fn log_view_scrolled_sideways() {
    at_both_sizes("logs-nowrap-scrolled", |a| {
        merged_log(a);
        a.on_key(key(KeyCode::Char('t')));
        a.on_key(key(KeyCode::Char('t')));
        for _ in 0..3 {
            a.on_key(key(KeyCode::Right));
        }
        assert_eq!(a.logs.as_ref().unwrap().hscroll, 24);
    });
}

#[test]
fn the_ends_are_marked_with_the_exit_code_when_known() {
    let mut a = app("default");
    merged_log(&mut a);
    a.on_update(Update::LogEnded {
        execution: "1ibx0a2b3c".into(),
        instance: "worker1".into(),
    });
    let screen = render(&mut a, 120, 40);
    assert!(screen.contains("── worker1 ended ──"), "{screen}");
    assert!(!screen.contains("every service"), "{screen}");
}

#[test]
fn wrapped_lines_go_on_under_the_text_not_the_prefix() {
    let mut a = app("default");
    merged_log(&mut a);
    a.on_key(key(KeyCode::Char('w')));
    let screen = render(&mut a, 60, 20);
    let rows: Vec<&str> = screen.lines().collect();
    // `master0 │ 14:00:30 ` is 20 columns, after the border
    let first = rows
        .iter()
        .position(|r| r.contains("master0 step 30: ERROR"))
        .unwrap_or_else(|| panic!("{screen}"));
    let next = rows[first + 1];
    let text_column = rows[first].find("master0 step").unwrap();
    assert_eq!(
        next.chars().skip(1).take_while(|c| *c == ' ').count(),
        rows[first][..text_column].chars().count() - 1,
        "{screen}"
    );
}

#[test]
fn paging_keys_and_the_search_on_its_own_key() {
    let mut a = app("default");
    merged_log(&mut a);
    a.page = 10;
    a.on_key(ctrl('u'));
    let logs = a.logs.as_ref().unwrap();
    assert!(!logs.follow);
    assert_eq!(logs.top, 25, "half a page up from the last 10 of 40");
    a.on_key(key(KeyCode::Char(' ')));
    let logs = a.logs.as_ref().unwrap();
    assert!(logs.follow, "a page down to the end follows");
    assert_eq!(logs.first_visible(10), 30);
    a.on_key(key(KeyCode::Char('g')));
    a.on_key(ctrl('d'));
    assert_eq!(a.logs.as_ref().unwrap().top, 5);
    // ctrl-f searches (and highlights), / filters
    a.on_key(ctrl('f'));
    typed(&mut a, "step 7:");
    a.on_key(key(KeyCode::Enter));
    let logs = a.logs.as_ref().unwrap();
    assert_eq!(logs.search, "step 7:");
    assert_eq!(logs.counter(), (40, 40), "a search hides nothing");
    assert!(logs.matched.is_some());
    // esc clears a filter first, then leaves
    typed(&mut a, "/master");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(
        a.logs.as_ref().unwrap().counter().0,
        19,
        "master0 and the lines naming it"
    );
    assert_eq!(a.on_key(key(KeyCode::Esc)), Request::None);
    assert_eq!(a.logs.as_ref().unwrap().counter().0, 40);
    assert_eq!(a.on_key(key(KeyCode::Esc)), Request::StopLogs);
}

#[test]
fn an_invalid_regex_says_so_in_the_prompt() {
    let mut a = app("default");
    merged_log(&mut a);
    typed(&mut a, "/step (1");
    let screen = render(&mut a, 120, 30);
    let status = screen.lines().last().unwrap();
    assert!(
        status.contains("filter /step (1") && status.contains("not a regex"),
        "{status}"
    );
    a.on_key(key(KeyCode::Backspace));
    typed(&mut a, "1)");
    let screen = render(&mut a, 120, 30);
    assert!(
        screen.lines().last().unwrap().contains("11/40 lines"),
        "{screen}"
    );
}

#[test]
fn logs_with_an_ambiguous_name_or_a_missing_service_says_so_as_the_cli_does() {
    let mut a = app("default");
    a.data.executions[1].name = "demo".into();
    a.data.executions[1].status = crate::model::ExecutionStatus::Running;
    a.on_key(key(KeyCode::Char(':')));
    typed(&mut a, "logs demo");
    assert_eq!(a.on_key(key(KeyCode::Enter)), Request::None);
    assert_eq!(
        a.message.as_ref().map(|m| m.0.as_str()),
        Some("several executions are named `demo`: use an id (1ibx0a2b3c, 1ibwz9y8x7)")
    );
    assert_ne!(a.view, View::Logs);
    a.on_key(key(KeyCode::Char(':')));
    typed(&mut a, "logs nothing");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(
        a.message.as_ref().map(|m| m.0.as_str()),
        Some("no execution `nothing`; `zoe ps -a` lists them")
    );
    // a service it does not have
    let mut inst = crate::model::InstanceView {
        instance: "master0".into(),
        host: "local".into(),
        container: "c0".into(),
        essential: true,
        state: crate::model::BackendState::Started,
        engine_status: "running".into(),
        stopped: None,
        exit_code: None,
        ports: Vec::new(),
    };
    a.data.executions[0].instances.push(inst.clone());
    inst.instance = "worker0".into();
    a.data.executions[0].instances.push(inst);
    a.on_key(key(KeyCode::Char(':')));
    typed(&mut a, "logs 1ibx0a2b3c db");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(
        a.message.as_ref().map(|m| m.0.as_str()),
        Some("execution 1ibx0a2b3c has no service `db`; services: master0, worker0")
    );
    a.on_key(key(KeyCode::Char(':')));
    typed(&mut a, "logs 1ibx0a2b3c worker");
    assert!(matches!(
        a.on_key(key(KeyCode::Enter)),
        Request::FollowLogs { .. }
    ));
    assert_eq!(a.view, View::Logs);
}

#[test]
fn saving_where_the_state_directory_refuses_asks_for_a_path() {
    let dir = tempfile::tempdir().unwrap();
    // a state "directory" that is a file: no one, root included, writes
    // under it
    let state = dir.path().join("state");
    std::fs::write(&state, b"").unwrap();
    let mut a = app("default");
    merged_log(&mut a);
    let Request::SaveLogs { name, text, path } = a.on_key(key(KeyCode::Char('s'))) else {
        panic!("s saves");
    };
    assert!(
        name.starts_with("1ibx0a2b3c-all-") && name.ends_with(".log"),
        "{name}"
    );
    assert_eq!(path, None);
    let result = crate::tui::save_logs(&state, &name, None, &text);
    crate::tui::views::logs::saved(&mut a, result, false);
    assert_eq!(a.mode, Mode::LogSearch);
    let (message, error) = a.message.clone().unwrap();
    assert!(
        error && message.contains("cannot save the log to") && message.contains("type a path"),
        "{message}"
    );
    let screen = render(&mut a, 120, 30);
    assert!(
        screen.lines().last().unwrap().contains("save to:"),
        "{screen}"
    );
    let target = dir.path().join("mine.log");
    typed(&mut a, target.to_str().unwrap());
    let Request::SaveLogs {
        path: Some(path),
        text,
        name,
    } = a.on_key(key(KeyCode::Enter))
    else {
        panic!("enter saves there");
    };
    let result = crate::tui::save_logs(&state, &name, Some(&path), &text);
    crate::tui::views::logs::saved(&mut a, result, true);
    assert_eq!(a.mode, Mode::Normal);
    let (message, error) = a.message.clone().unwrap();
    assert!(
        !error && message == format!("saved 40 lines to {}", target.display()),
        "{message}"
    );
    let saved = std::fs::read_to_string(&target).unwrap();
    assert!(
        saved.starts_with("2026-11-29T14:00:00.000000000Z master0 | master0 step 0"),
        "{saved}"
    );
    // into a directory: the file's own name there
    let into = dir.path().join("logs");
    std::fs::create_dir_all(&into).unwrap();
    let file = crate::tui::save_logs(&state, &name, Some(into.to_str().unwrap()), &text).unwrap();
    assert_eq!(file, into.join(&name));
}

#[test]
fn under_sudo_a_refused_save_asks_for_no_path() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::write(&state, b"").unwrap();
    let mine = crate::tui::per_user::state_dir(&state, Some("alice")).unwrap();
    assert_eq!(mine, state.join("users/alice"));
    let mut a = app("default");
    a.save_only_in = Some(mine.clone());
    merged_log(&mut a);
    let Request::SaveLogs { name, text, path } = a.on_key(key(KeyCode::Char('s'))) else {
        panic!("s saves");
    };
    assert_eq!(path, None);
    let result = crate::tui::save_logs(&mine, &name, None, &text);
    crate::tui::views::logs::saved(&mut a, result, false);
    assert_eq!(a.mode, Mode::Normal, "no path prompt");
    let (message, error) = a.message.clone().unwrap();
    assert!(
        error
            && message.contains("cannot save the log to")
            && message.contains(&format!(
                "under sudo, logs are saved only in {}",
                mine.join("logs").display()
            ))
            && !message.contains("type a path"),
        "{message}"
    );
    let screen = render(&mut a, 120, 30);
    assert!(
        !screen.lines().last().unwrap().contains("save to:"),
        "{screen}"
    );
}

#[test]
fn a_saved_log_is_new_and_private_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = crate::tui::save_logs(dir.path(), "x-all-1.log", None, "line\n").unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "line\n");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // a path typed onto an existing file: refused, the file untouched
    let other = dir.path().join("keep.txt");
    std::fs::write(&other, "mine").unwrap();
    let why =
        crate::tui::save_logs(dir.path(), "x", Some(other.to_str().unwrap()), "log").unwrap_err();
    assert!(why.contains("already exists"), "{why}");
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "mine");
}
