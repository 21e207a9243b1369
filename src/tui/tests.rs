//! Snapshot tests: each view rendered on ratatui's TestBackend at 80×24 and
//! 160×48, and the shop in every theme (text and a fingerprint of the
//! styles), compared with insta with the accepted snapshots in
//! `src/tui/snapshots/*.snap`.
//!
//! A missing or changed snapshot fails the test until someone reviews and
//! accepts it. Locally insta writes the new rendering beside the old one as
//! `*.snap.new`; on CI (`CI` set) or with `INSTA_UPDATE=no` it writes
//! nothing and only fails. After a deliberate change:
//!
//! * `cargo insta review` (with `cargo install cargo-insta`) shows each
//!   difference and asks to accept or reject it; `cargo insta accept` takes
//!   them all; or
//! * without cargo-insta: `INSTA_UPDATE=always cargo test --lib tui::`
//!   rewrites the `.snap` files in place; read `git diff src/tui/snapshots`
//!   before committing, and delete stray `*.snap.new` files.

use std::path::PathBuf;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

use super::app::{App, ExecutionRow, Mode, Request, Update, View};
use super::views::draw;
use crate::backend::NodeSnapshot;
use crate::config::theme::load_theme;
use crate::model::{ExecutionStatus, GIB};
use crate::shop::{Limits, load_shop};

/// The UI's clock in these tests.
const NOW: u64 = 1_795_000_000;

fn app(theme: &str) -> App {
    let shop = load_shop(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("shop"),
        &Limits::default(),
    );
    let owner = crate::console::Owner {
        name: "alice".into(),
        fs_uid: 1000,
    };
    let console = crate::console::Console::new(crate::config::Settings::default(), shop, Ok(owner));
    let mut app = App::new(
        console,
        load_theme(theme, None, false).unwrap(),
        "alice".into(),
    );
    app.now = NOW;
    let mut local = NodeSnapshot::offline(
        "local",
        "unix:///run/docker.sock".into(),
        "127.0.0.1".into(),
        vec!["ssd".into()],
        String::new(),
    );
    local.error = None;
    local.cores_total = 8.0;
    local.cores_reserved = 2.5;
    local.memory_total = 32 * GIB;
    local.memory_reserved = 12 * GIB;
    local.container_count = 7;
    local.services.push(crate::model::Workload {
        id: "3e3eacc02f25".into(),
        name: "master0-1ibx0a2b3c-prod".into(),
        execution_id: "1ibx0a2b3c".into(),
        instance: "master0".into(),
        essential: true,
        state: crate::backend::BackendState::Started,
        engine_status: "running".into(),
        stopped: None,
        exit_code: Some(0),
        oom_killed: false,
        memory_reserved: 64 << 20,
        cores_reserved: 0.1,
        memory_limit: 64 << 20,
        cores_limit: 0.1,
        memory_in_use: None,
        cores_in_use: None,
        ports: vec![("8080/tcp".into(), 32768)],
        labels: std::collections::HashMap::new(),
    });
    let remote = NodeSnapshot::offline(
        "remote",
        "tcp://127.0.0.1:23750".into(),
        "127.0.0.1".into(),
        vec![],
        "host remote (tcp://127.0.0.1:23750): cannot connect: connection refused".into(),
    );
    let row = |id: &str, name: &str, status, up: &str, reason: &str| ExecutionRow {
        id: id.into(),
        name: name.into(),
        entry: "master-workers-0".into(),
        owner: "alice".into(),
        status,
        up: up.into(),
        hosts: "local".into(),
        submitted: NOW - 300,
        reason: reason.into(),
        parameters: vec![("worker-service_count".into(), "2".into())],
        instances: Vec::new(),
        endpoints: vec![(
            "master0".into(),
            "Master status page".into(),
            "http://127.0.0.1:32768/".into(),
        )],
        restarts: vec![("extra-worker1".into(), 2)],
        audit: Vec::new(),
        reserved: (0, 0.0),
    };
    app.on_update(Update::Cluster {
        nodes: vec![local, remote],
        executions: vec![
            row("1ibx0a2b3c", "demo", ExecutionStatus::Running, "6/6", ""),
            row(
                "1ibwz9y8x7",
                "nightly",
                ExecutionStatus::Error,
                "2/4",
                "Essential service master0 died: it exited with code 137",
            ),
            row(
                "1ibwz1q2w3",
                "waits",
                ExecutionStatus::Queued,
                "0",
                "no node can take the whole execution",
            ),
        ],
    });
    app
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent {
        code,
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }
}

fn text_of(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    let mut out = String::new();
    for row in buffer.content().chunks(width) {
        let line: String = row.iter().map(|c| c.symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn render(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| draw(f, app)).unwrap();
    text_of(terminal.backend().buffer())
}

/// Compares `actual` with the accepted `src/tui/snapshots/{name}.snap`.
/// A missing or different snapshot fails the test (see the module doc).
fn snapshot(name: &str, actual: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, actual));
}

fn at_both_sizes(name: &str, setup: impl Fn(&mut App)) {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = app("default");
        setup(&mut a);
        snapshot(&format!("{name}-{w}x{h}"), &render(&mut a, w, h));
    }
}

#[test]
fn shop_view() {
    at_both_sizes("shop", |_| {});
}

#[test]
fn shop_filtered() {
    at_both_sizes("shop-filter", |a| {
        for c in "/work".chars() {
            a.on_key(key(KeyCode::Char(c)));
        }
    });
}

#[test]
fn entry_detail() {
    at_both_sizes("entry", |a| {
        a.on_key(key(KeyCode::Char('j')));
        a.on_key(key(KeyCode::Char('j')));
        a.on_key(key(KeyCode::Char('j')));
        a.on_key(key(KeyCode::Enter));
    });
}

#[test]
fn executions_view() {
    at_both_sizes("executions", |a| {
        a.on_key(key(KeyCode::Char('2')));
        a.on_key(key(KeyCode::Char('j')));
    });
}

#[test]
fn nodes_view() {
    at_both_sizes("nodes", |a| {
        a.on_key(key(KeyCode::Char('3')));
    });
}

#[test]
fn nodes_view_with_foreign_containers() {
    use crate::model::{ForeignContainer, ForeignKind};
    at_both_sizes("nodes-foreign", |a| {
        let foreign = |id: &str, name: &str, kind, reason: &str| ForeignContainer {
            id: id.into(),
            name: name.into(),
            kind,
            claims: Some("1ibx0a2b3c".into()),
            state: "running".into(),
            reason: reason.into(),
        };
        a.data.nodes[0].foreign = vec![
            foreign(
                "aa11bb22cc33",
                "worker0-1ibx0a2b3c-prod",
                ForeignKind::BadSignature,
                "it carries no signature: not made by a console of this deployment",
            ),
            foreign(
                "dd44ee55ff66",
                "master0-42-prod",
                ForeignKind::ZoeMaster,
                "it carries only Zoe's labels",
            ),
            foreign(
                "0a1b2c3d4e5f",
                "evil",
                ForeignKind::BadLabels,
                "`org.zoe-console.cores` = `NaN` is not a number",
            ),
        ];
        a.on_key(key(KeyCode::Char('3')));
    });
}

#[test]
fn help_view() {
    at_both_sizes("help", |a| {
        a.on_key(key(KeyCode::Char('?')));
    });
}

#[test]
fn command_mode_line() {
    at_both_sizes("command", |a| {
        for c in ":theme li".chars() {
            a.on_key(key(KeyCode::Char(c)));
        }
    });
}

/// The styles a frame uses, in order of first use: a theme's fingerprint.
fn styles_of(buffer: &Buffer) -> String {
    let mut seen: Vec<String> = Vec::new();
    for cell in buffer.content() {
        let s = format!("{:?}/{:?}/{:?}", cell.fg, cell.bg, cell.modifier);
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen.join("\n")
}

#[test]
fn shop_in_every_theme() {
    for theme in ["default", "light", "high-contrast", "mono"] {
        let mut a = app(theme);
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|f| draw(f, &mut a)).unwrap();
        let buffer = terminal.backend().buffer();
        snapshot(
            &format!("theme-{theme}"),
            &format!("{}\n{}\n", text_of(buffer), styles_of(buffer)),
        );
    }
}

#[test]
fn keys_move_filter_and_switch_views() {
    let mut a = app("default");
    assert_eq!(a.view, View::Shop);
    a.on_key(key(KeyCode::Char('G')));
    assert_eq!(a.shop.selected, a.visible_entries().len() - 1);
    a.on_key(key(KeyCode::Char('g')));
    assert_eq!(a.shop.selected, 0);
    a.on_key(key(KeyCode::Tab));
    assert_eq!(a.view, View::Executions);
    a.on_key(key(KeyCode::Char('1')));
    a.on_key(key(KeyCode::Char('/')));
    assert_eq!((a.view, a.mode), (View::Shop, Mode::Filter));
    for c in "spark".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!(a.visible_entries().len(), 2);
    a.on_key(key(KeyCode::Esc));
    assert!(a.shop.filter.is_empty());
    assert_eq!(a.run_command("nodes"), super::app::Request::None);
    assert_eq!(a.view, View::Nodes);
    assert_eq!(a.run_command("q"), super::app::Request::Quit);
    a.run_command("theme nosuch");
    assert!(
        a.message
            .as_ref()
            .is_some_and(|(m, err)| *err && m.contains("no theme `nosuch`"))
    );
    a.run_command("theme mono");
    assert!(a.theme.monochrome);
    a.run_command("bogus");
    assert!(
        a.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("unknown command `:bogus`"))
    );
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8)] {
        for view in ['1', '2', '3', '?'] {
            let mut a = app("default");
            a.on_key(key(KeyCode::Char(view)));
            let _ = render(&mut a, w, h);
        }
    }
}

#[test]
fn start_form_with_live_preview() {
    at_both_sizes("form", |a| {
        // master and workers: open the form, add a worker
        for c in "/master".chars() {
            a.on_key(key(KeyCode::Char(c)));
        }
        a.on_key(key(KeyCode::Enter));
        a.on_key(key(KeyCode::Char('s')));
        a.on_key(key(KeyCode::Tab));
        a.on_key(key(KeyCode::Char('+')));
    });
}

#[test]
fn start_form_shows_errors_and_why_not() {
    let mut a = app("default");
    for c in "/master".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    a.on_key(key(KeyCode::Enter));
    a.on_key(key(KeyCode::Char('s')));
    assert_eq!(a.mode, Mode::Form);
    // the worker count: type a value out of range
    a.on_key(key(KeyCode::Tab));
    a.on_key(key(KeyCode::Backspace));
    for c in "99".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    let screen = render(&mut a, 100, 30);
    assert!(screen.contains("99 is outside 1–8"), "{screen}");
    assert!(screen.contains("fix the fields in red"), "{screen}");
    assert_eq!(
        a.on_key(key(KeyCode::Enter)),
        Request::None,
        "nothing launches while a field is wrong"
    );
    // a memory nobody has: the preview says why not on each node
    a.on_key(key(KeyCode::Backspace));
    a.on_key(key(KeyCode::Backspace));
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Tab));
    for _ in 0..8 {
        a.on_key(key(KeyCode::Backspace));
    }
    for c in "40".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    let screen = render(&mut a, 100, 30);
    assert!(screen.contains("memory short by"), "{screen}");
    assert!(screen.contains("remote: offline"), "{screen}");
    // back to a size that fits: enter launches
    for _ in 0..2 {
        a.on_key(key(KeyCode::Backspace));
    }
    a.on_key(key(KeyCode::Char('1')));
    match a.on_key(key(KeyCode::Enter)) {
        Request::Launch(prepared) => assert_eq!(
            prepared
                .instances
                .iter()
                .filter(|i| i.group == "worker")
                .count(),
            2
        ),
        other => panic!("{other:?}"),
    }
    // the form stays open while it launches (see tests_form.rs)
    assert_eq!(a.mode, Mode::Form);
    assert!(a.form.as_ref().unwrap().is_launching());
}

#[test]
fn readonly_hides_launching_and_terminating() {
    let mut a = app("default");
    a.readonly = true;
    a.on_key(key(KeyCode::Char('s')));
    assert_ne!(a.mode, Mode::Form);
    a.on_key(key(KeyCode::Char('2')));
    assert_eq!(a.on_key(key(KeyCode::Char('t'))), Request::None);
    assert_ne!(a.mode, Mode::Confirm);
    assert!(!render(&mut a, 80, 24).contains("terminate"));
}

#[test]
fn terminate_asks_first() {
    at_both_sizes("confirm", |a| {
        a.on_key(key(KeyCode::Char('2')));
        a.on_key(key(KeyCode::Char('t')));
    });
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('t')));
    assert_eq!(
        a.on_key(key(KeyCode::Char('n'))),
        Request::None,
        "anything but y cancels"
    );
    a.on_key(key(KeyCode::Char('t')));
    assert_eq!(
        a.on_key(key(KeyCode::Char('y'))),
        Request::Terminate("1ibx0a2b3c".into())
    );
}

#[test]
fn inspect_pane() {
    at_both_sizes("inspect", |a| {
        a.on_key(key(KeyCode::Char('2')));
        a.on_key(key(KeyCode::Enter));
    });
}

/// The engine's answer to `r` for the first execution (with `workers`).
fn relaunch_values(workers: &str) -> Update {
    Update::Relaunch(Ok(crate::console::access::Relaunch {
        id: "1ibx0a2b3c".into(),
        entry: "master-workers-0".into(),
        parameters: vec![("worker-service_count".into(), workers.into())],
        name: "demo".into(),
        memory: vec![("worker".into(), 3 << 29)],
        cores: vec![("master".into(), 0.25)],
    }))
}

#[test]
fn relaunch_prefills_the_form() {
    // `r` asks the engine (which checks the owner); its answer opens the form
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('2')));
    assert_eq!(
        a.on_key(key(KeyCode::Char('r'))),
        Request::Relaunch("1ibx0a2b3c".into())
    );
    assert_eq!(a.mode, Mode::Normal, "no form before the engine answers");
    a.on_update(relaunch_values("3"));
    assert_eq!(a.mode, Mode::Form);
    let form = a.form.as_ref().unwrap();
    assert!(
        form.fields
            .iter()
            .any(|f| f.label == "Workers" && f.value() == "3")
    );
    // an answer arriving while something else is under way opens nothing
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('r')));
    a.on_key(key(KeyCode::Char(':')));
    a.on_update(relaunch_values("3"));
    assert!(a.form.is_none() && a.mode == Mode::Command);
    // read-only: nothing is asked
    let mut a = app("default");
    a.readonly = true;
    a.on_key(key(KeyCode::Char('2')));
    assert_eq!(a.on_key(key(KeyCode::Char('r'))), Request::None);
    assert!(a.message.as_ref().unwrap().0.contains("read-only"));
}

/// The engine's refusal of another user's execution (see
/// `console::access`).
const NOT_YOURS: &str = "no execution `1ibx0a2b3c`; `zoe ps -a` lists them (your role `user` sees only your own executions)";

#[test]
fn another_users_execution_is_refused_with_the_engines_reason() {
    // relaunch: no form, the reason in the status line
    let mut a = app("default");
    a.data.executions[0].owner = "bob".into();
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('r')));
    a.on_update(Update::Relaunch(Err(NOT_YOURS.into())));
    assert!(a.form.is_none() && a.mode == Mode::Normal);
    assert_eq!(a.message, Some((NOT_YOURS.into(), true)));
    assert!(render(&mut a, 160, 48).contains("sees only your own executions"));
    // logs: back to the executions, nothing half-open, the reason shown
    assert!(matches!(
        a.on_key(key(KeyCode::Char('l'))),
        Request::FollowLogs { .. }
    ));
    assert_eq!(a.view, View::Logs);
    a.on_update(Update::LogRefused {
        execution: "1ibx0a2b3c".into(),
        message: NOT_YOURS.into(),
    });
    assert_eq!(a.view, View::Executions);
    assert!(a.logs.is_none());
    assert!(a.message.as_ref().unwrap().0.contains("no execution"));
    let screen = render(&mut a, 160, 48);
    assert!(screen.contains("no execution `1ibx0a2b3c`"), "{screen}");
    // a refusal for a log no longer shown leaves the view alone
    a.on_key(key(KeyCode::Char('l')));
    a.on_update(Update::LogRefused {
        execution: "1ibwz9y8x7".into(),
        message: "no".into(),
    });
    assert_eq!(a.view, View::Logs);
    a.on_key(key(KeyCode::Esc));
    // terminate: confirmed, then refused by the engine; nothing changes
    a.on_key(key(KeyCode::Char('t')));
    assert_eq!(
        a.on_key(key(KeyCode::Char('y'))),
        Request::Terminate("1ibx0a2b3c".into())
    );
    a.on_update(Update::Terminated {
        id: "1ibx0a2b3c".into(),
        result: Err(NOT_YOURS.into()),
    });
    assert_eq!(a.data.executions[0].status, ExecutionStatus::Running);
    let (text, error) = a.message.clone().unwrap();
    assert!(error && text.contains(NOT_YOURS), "{text}");
}

#[test]
fn all_users_shows_in_the_header_and_the_confirmation_says_whose() {
    let mut a = app("default");
    a.data.executions[0].owner = "bob".into();
    a.on_key(key(KeyCode::Char('2')));
    assert!(!render(&mut a, 160, 48).contains("all users"));
    a.all_users = true;
    a.on_key(key(KeyCode::Char('t')));
    let screen = render(&mut a, 160, 48);
    assert!(
        screen.lines().next().unwrap().ends_with(" all users"),
        "{screen}"
    );
    assert!(screen.contains("Terminate 1ibx0a2b3c of bob?"), "{screen}");
    // one's own: no owner named
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('t')));
    assert!(render(&mut a, 160, 48).contains("Terminate 1ibx0a2b3c?"));
}

fn log_line(n: usize, instance: &str) -> crate::backend::docker::logs::LogLine {
    crate::backend::docker::logs::LogLine {
        instance: instance.into(),
        stderr: n.is_multiple_of(7),
        timestamp: format!("2026-11-22T05:00:{:02}.000000000Z", n % 60),
        text: format!(
            "{instance}: reached master master0-1ibx0a2b3c-prod, it says: master ok ({n})"
        ),
        raw: None,
        unterminated: false,
    }
}

#[test]
fn log_view() {
    at_both_sizes("logs", |a| {
        a.on_key(key(KeyCode::Char('2')));
        assert!(matches!(
            a.on_key(key(KeyCode::Char('l'))),
            Request::FollowLogs { .. }
        ));
        a.on_update(Update::log(
            (0..60)
                .map(|n| {
                    log_line(
                        n,
                        if n % 2 == 0 {
                            "worker0"
                        } else {
                            "extra-worker1"
                        },
                    )
                })
                .collect(),
        ));
        a.logs.as_mut().unwrap().zone = chrono::FixedOffset::east_opt(0);
        a.on_key(key(KeyCode::Char('t')));
        a.on_key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL));
        for c in "(42)".chars() {
            a.on_key(key(KeyCode::Char(c)));
        }
        a.on_key(key(KeyCode::Enter));
    });
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('l')));
    assert_eq!(a.on_key(key(KeyCode::Esc)), Request::StopLogs);
    assert_eq!(a.view, View::Executions);
}

#[test]
fn a_flood_of_long_log_lines_renders_only_the_window() {
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('l')));
    let huge = crate::backend::docker::logs::LogLine {
        instance: "w0".into(),
        stderr: false,
        timestamp: String::new(),
        text: "x".repeat(100_000),
        raw: None,
        unterminated: false,
    };
    a.on_update(Update::log(vec![huge; 50]));
    a.on_update(Update::log(
        (0..20_000).map(|n| log_line(n, "w0")).collect(),
    ));
    a.on_key(key(KeyCode::Char('w')));
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains("old lines dropped"), "{screen}");
    assert!(a.logs.as_ref().unwrap().lines.len() <= 10_000);
}

#[test]
fn executions_filter_sort_and_mine() {
    let mut a = app("default");
    a.data.executions[2].owner = "bob".into();
    a.on_key(key(KeyCode::Char('2')));
    assert_eq!(a.visible_executions().len(), 3);
    for c in "/error".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    a.on_key(key(KeyCode::Enter));
    assert_eq!(
        a.visible_executions()
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["nightly"]
    );
    a.on_key(key(KeyCode::Esc));
    assert_eq!(a.visible_executions().len(), 3, "esc clears the filter");
    a.on_key(key(KeyCode::Char('o')));
    assert_eq!(
        a.visible_executions()
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["demo", "nightly", "waits"],
        "by name"
    );
    a.on_key(key(KeyCode::Char('o')));
    assert_eq!(
        a.visible_executions()[2].name,
        "nightly",
        "ended ones last by status"
    );
    a.on_key(key(KeyCode::Char('a')));
    assert!(
        a.visible_executions().iter().all(|e| e.owner == "alice"),
        "mine only"
    );
    assert!(render(&mut a, 80, 24).contains("mine"));
}

#[test]
fn the_wheel_scrolls_and_m_toggles_the_mouse() {
    let mut a = app("default");
    a.on_scroll(true);
    assert_eq!(a.shop.selected, 3);
    a.on_scroll(false);
    assert_eq!(a.shop.selected, 0);
    assert_eq!(a.on_key(key(KeyCode::Char('m'))), Request::Mouse(true));
    assert_eq!(a.on_key(key(KeyCode::Char('m'))), Request::Mouse(false));
    assert!(
        a.message
            .as_ref()
            .is_some_and(|(m, _)| m.contains("copy work"))
    );
}

#[test]
fn launch_progress_per_instance_including_pulls() {
    use crate::console::events::Event;
    let mut a = app("default");
    a.data.launching = Some("x1".into());
    let ex = || crate::model::ExecutionId::from("x1");
    a.on_update(Update::Progress(Event::Placed {
        execution: ex(),
        placements: vec![("web0".into(), "local".into())],
        deferred: vec!["web1".into()],
    }));
    a.on_update(Update::Progress(Event::Pulling {
        execution: ex(),
        host: "local".into(),
        image: "img:1".into(),
        status: "Downloading".into(),
        current: 512 << 20,
        total: 1 << 30,
    }));
    assert_eq!(
        a.data.launch[0].step.to_string(),
        "pulling img:1 50% of 1 GiB"
    );
    a.on_update(Update::Progress(Event::Creating {
        execution: ex(),
        instance: "web0".into(),
        host: "local".into(),
    }));
    a.on_update(Update::Progress(Event::InstanceFailed {
        execution: ex(),
        instance: "web0".into(),
        host: "local".into(),
        reason: "boom".into(),
    }));
    assert_eq!(
        a.data.launch[0].step,
        crate::tui::data::LaunchStep::Failed("boom".into())
    );
    assert_eq!(
        a.data.launch[1].step,
        crate::tui::data::LaunchStep::WaitingForRoom
    );
    // events of another execution, or after the end, are not shown
    a.on_update(Update::Progress(Event::Creating {
        execution: "other".into(),
        instance: "z0".into(),
        host: "local".into(),
    }));
    assert_eq!(a.data.launch.len(), 2);
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains("failed: boom"), "{screen}");
}

#[test]
fn the_shop_filter_is_fuzzy() {
    assert!(super::app::fuzzy_contains(
        "master and workers distributed",
        "mwk"
    ));
    assert!(!super::app::fuzzy_contains("master", "mz"));
    let mut a = app("default");
    for c in "/jupy".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!(
        a.visible_entries()
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["jupyter-0"]
    );
}

#[test]
fn form_fields_edit_with_a_cursor() {
    let mut a = app("default");
    for c in "/web".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    a.on_key(key(KeyCode::Enter));
    a.on_key(key(KeyCode::Char('s')));
    // the execution name: go home, insert, go to the end, delete a word
    a.on_key(key(KeyCode::Home));
    for c in "my-".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!(a.form.as_ref().unwrap().fields[0].value(), "my-web-hello");
    a.on_key(key(KeyCode::End));
    a.on_key(key(KeyCode::Left));
    a.on_key(key(KeyCode::Left));
    a.on_key(key(KeyCode::Delete));
    assert_eq!(a.form.as_ref().unwrap().fields[0].value(), "my-web-helo");
    // `+` in a text field is just a character
    a.on_key(key(KeyCode::Char('+')));
    assert_eq!(a.form.as_ref().unwrap().fields[0].value(), "my-web-hel+o");
    assert!(
        a.form.as_ref().unwrap().fields[0].error.is_some(),
        "and an invalid name says so at once"
    );
}

#[test]
fn leaving_the_log_view_any_way_stops_the_follow_and_stale_lines_are_dropped() {
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('l')));
    // (1..9 toggle services here: the : line switches view)
    a.on_key(key(KeyCode::Char(':')));
    for c in "shop".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!(
        a.on_key(key(KeyCode::Enter)),
        Request::StopLogs,
        "switching view stops it"
    );
    assert!(a.logs.is_none());
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('l')));
    assert_eq!(a.on_key(key(KeyCode::Tab)), Request::StopLogs);
    // lines of another execution never land in the view
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('l')));
    a.on_update(Update::Log {
        execution: "someone-else".into(),
        lines: vec![log_line(1, "w0")],
    });
    assert!(a.logs.as_ref().unwrap().lines.is_empty());
}

#[test]
fn following_with_wrap_keeps_the_newest_line_on_screen() {
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('l')));
    let mut lines: Vec<_> = (0..30)
        .map(|n| crate::backend::docker::logs::LogLine {
            instance: "w0".into(),
            stderr: false,
            timestamp: String::new(),
            text: format!("{n} {}", "long text ".repeat(20)),
            raw: None,
            unterminated: false,
        })
        .collect();
    lines.push(crate::backend::docker::logs::LogLine {
        instance: "w0".into(),
        stderr: false,
        timestamp: String::new(),
        text: "THE NEWEST LINE".into(),
        raw: None,
        unterminated: false,
    });
    a.on_update(Update::log(lines));
    a.on_key(key(KeyCode::Char('w')));
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains("THE NEWEST LINE"), "{screen}");
}

#[test]
fn a_launch_panel_fits_any_terminal() {
    let mut a = app("default");
    a.data.launching = Some("x1".into());
    a.data.launch = (0..40)
        .map(|n| crate::tui::data::LaunchRow {
            instance: format!("w{n}"),
            host: "local".into(),
            step: crate::tui::data::LaunchStep::Creating,
        })
        .collect();
    for (w, h) in [(80, 4), (80, 5), (30, 6), (80, 24)] {
        let _ = render(&mut a, w, h);
    }
}

#[path = "tests_keys.rs"]
mod keys;

#[path = "tests_actions.rs"]
mod actions;

#[path = "tests_targets.rs"]
mod targets;

#[path = "tests_nav.rs"]
mod nav;

#[path = "tests_help_keys.rs"]
mod help_keys;

#[path = "tests_form.rs"]
mod form;

#[path = "tests_quota.rs"]
mod quota;

#[test]
fn ages_tick_and_status_changes_show_at_once() {
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('2')));
    let before = render(&mut a, 160, 48);
    assert!(before.contains("5m"), "{before}");
    a.dirty = false;
    a.tick(NOW + 65);
    assert!(a.dirty, "a new second redraws the executions view");
    let after = render(&mut a, 160, 48);
    assert!(after.contains("6m") && !after.contains(" 5m "), "{after}");
    // an execution being torn down shows it before the next look
    a.on_update(Update::Progress(crate::console::events::Event::Status {
        execution: "1ibx0a2b3c".into(),
        status: crate::model::ExecutionStatus::Error,
        reason: Some("Essential service master0 died: it exited with code 137".into()),
    }));
    let row = a
        .data
        .executions
        .iter()
        .find(|e| e.id == "1ibx0a2b3c")
        .unwrap();
    assert_eq!(row.status, crate::model::ExecutionStatus::Error);
    assert!(row.reason.contains("code 137"));
    let screen = render(&mut a, 160, 48);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("1ibx0a2b3c") && l.contains("error")),
        "{screen}"
    );
}

#[test]
fn log_batches_of_an_earlier_follow_are_dropped() {
    // Esc then `l` again: the first follow's batches may still be queued
    use crate::console::service::Report;
    let batch = |follow| Report::Log {
        execution: "1ibx0a2b3c".into(),
        follow,
        lines: vec![log_line(1, "w0")],
    };
    assert!(!super::is_current(&batch(1), 2));
    assert!(super::is_current(&batch(2), 2));
    let error = Report::LogError {
        execution: "1ibx0a2b3c".into(),
        follow: 1,
        message: "lost".into(),
    };
    assert!(!super::is_current(&error, 2));
    assert!(super::is_current(&Report::Notice("x".into()), 2));
}

#[path = "tests_live.rs"]
mod live;

#[cfg(test)]
#[path = "tests_logs.rs"]
mod logs_view;

#[path = "tests_roles.rs"]
mod roles;
