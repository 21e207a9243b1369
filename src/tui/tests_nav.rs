//! Finding one's way: the `:` line (completion, history, `:help`,
//! `:theme`, typos), readline keys in every prompt, q/esc/ctrl-c,
//! shift-tab, clicks, hiding ended executions, the REASON column, the
//! filters' messages and selection, the inspect pane following enter and
//! the README's clamped scroll.

use super::*;
use crate::tui::app::Pending;

fn ctrl(c: char) -> KeyEvent {
    KeyEvent {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }
}

fn typed(a: &mut App, text: &str) {
    for c in text.chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
}

/// The `:` line as typed so far.
fn line(a: &App) -> &str {
    a.prompt.value()
}

#[test]
fn tab_completes_commands_and_their_arguments() {
    let mut a = app("default");
    typed(&mut a, ":lo");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(line(&a), "logs ", "one candidate: completed");
    a.on_key(key(KeyCode::Tab));
    let offered = a.completion.clone().unwrap().candidates;
    assert_eq!(
        offered,
        [
            "1ibwz1q2w3",
            "1ibwz9y8x7",
            "1ibx0a2b3c",
            "demo",
            "nightly",
            "waits"
        ],
        "the executions, by id and name"
    );
    assert_eq!(line(&a), "logs ", "no common start to fill in");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(line(&a), "logs 1ibwz1q2w3", "tab again: the first one");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(line(&a), "logs 1ibwz9y8x7", "tab again: the next one");
    a.on_key(key(KeyCode::BackTab));
    assert_eq!(line(&a), "logs 1ibwz1q2w3", "shift-tab: the one before");
    // the start the candidates share is filled in
    let mut b = app("default");
    typed(&mut b, ":logs 1");
    b.on_key(key(KeyCode::Tab));
    assert_eq!(line(&b), "logs 1ib");
    assert_eq!(b.completion.as_ref().unwrap().candidates.len(), 3);
    // typing ends the cycle; the services of the execution named
    a.on_key(ctrl('w'));
    typed(&mut a, "demo ");
    assert!(a.completion.is_none());
    a.on_key(key(KeyCode::Tab));
    assert_eq!(
        a.completion.as_ref().unwrap().candidates,
        ["extra-worker", "master", "worker"],
        "its entry's services"
    );
    typed(&mut a, "w");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(line(&a), "logs demo worker ");
    // themes, contexts and namespaces
    let mut a = app("default");
    typed(&mut a, ":theme ");
    a.on_key(key(KeyCode::Tab));
    let themes = a.completion.clone().unwrap().candidates;
    assert!(themes.contains(&"light".to_string()) && themes.contains(&"mono".to_string()));
    typed(&mut a, "l");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(line(&a), "theme light ");
    let mut a = app("default");
    a.contexts = vec!["fake".into(), "prod-east".into()];
    typed(&mut a, ":ctx p");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(line(&a), "ctx prod-east ");
    let mut a = app("default");
    a.on_update(Update::Told(
        "namespaces of fake (* in use; :ns NAME switches):\n* zapps\n  team-b".into(),
    ));
    typed(&mut a, ":ns ");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(
        a.completion.as_ref().unwrap().candidates,
        ["team-b", "zapps"]
    );
    // a hostile name is never typed into the line
    let mut a = app("default");
    let mut evil = a.data.executions[0].clone();
    evil.name = "d\u{1b}]52;c;eA==\u{7}".into();
    a.data.executions.push(evil);
    typed(&mut a, ":logs d");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(line(&a), "logs demo ");
    // nothing to complete: said so
    let mut a = app("default");
    typed(&mut a, ":zz");
    a.on_key(key(KeyCode::Tab));
    assert!(render(&mut a, 80, 24).contains("nothing to complete for `zz`"));
}

#[test]
fn completion_candidates_pane() {
    at_both_sizes("completion", |a| {
        typed(a, ":logs ");
        a.on_key(key(KeyCode::Tab));
        a.on_key(key(KeyCode::Tab));
    });
}

#[test]
fn the_history_walks_with_up_and_down_and_is_remembered() {
    let mut a = app("default");
    for command in [":nodes", ":shop"] {
        typed(&mut a, command);
        a.on_key(key(KeyCode::Enter));
    }
    assert_eq!(a.history.lines, ["nodes", "shop"]);
    assert!(a.remember_changed, "the loop writes it to the state dir");
    typed(&mut a, ":th");
    a.on_key(key(KeyCode::Up));
    assert_eq!(line(&a), "shop");
    a.on_key(key(KeyCode::Up));
    assert_eq!(line(&a), "nodes");
    a.on_key(key(KeyCode::Down));
    assert_eq!(line(&a), "shop");
    a.on_key(key(KeyCode::Down));
    assert_eq!(line(&a), "th", "back to what was typed");
    a.on_key(key(KeyCode::Esc));
    assert_eq!(a.mode, Mode::Normal);
}

#[test]
fn every_prompt_edits_with_readline_keys_and_ctrl_c_cancels_it() {
    // the `:` line
    let mut a = app("default");
    typed(&mut a, ":logs demo web");
    a.on_key(ctrl('w'));
    a.on_key(ctrl('a'));
    a.on_key(key(KeyCode::Char('x')));
    assert_eq!(line(&a), "xlogs demo ");
    a.on_key(ctrl('e'));
    a.on_key(ctrl('u'));
    assert_eq!(line(&a), "");
    assert_eq!(a.on_key(ctrl('c')), Request::None, "ctrl-c drops the line");
    assert_eq!(a.mode, Mode::Normal);
    // the executions filter
    let mut a = app("default");
    typed(&mut a, "2/nightly x");
    a.on_key(ctrl('w'));
    assert_eq!(a.executions.filter, "nightly ");
    a.on_key(key(KeyCode::Home));
    a.on_key(ctrl('k'));
    assert_eq!(a.executions.filter, "");
    typed(&mut a, "dem");
    a.on_key(key(KeyCode::Left));
    a.on_key(key(KeyCode::Backspace));
    assert_eq!(a.executions.filter, "dm");
    a.on_key(ctrl('c'));
    assert_eq!((a.mode, a.executions.filter.as_str()), (Mode::Normal, ""));
    // the shop filter
    let mut a = app("default");
    typed(&mut a, "/web hello");
    a.on_key(ctrl('w'));
    assert_eq!(a.shop.filter, "web ");
    // the log filter follows the line as it is edited
    let mut a = app("default");
    typed(&mut a, "2l/line 4");
    a.on_key(ctrl('w'));
    assert_eq!(a.logs.as_ref().unwrap().filter.text, "line ");
    a.on_key(ctrl('a'));
    a.on_key(ctrl('k'));
    assert_eq!(a.logs.as_ref().unwrap().filter.text, "");
    assert_eq!(a.on_key(ctrl('c')), Request::None);
    assert_eq!((a.mode, a.view), (Mode::Normal, View::Logs));
    // the log search (ctrl-f)
    a.on_key(ctrl('f'));
    typed(&mut a, "line 4");
    a.on_key(ctrl('w'));
    a.on_key(ctrl('a'));
    a.on_key(ctrl('k'));
    assert_eq!(a.prompt.value(), "");
    typed(&mut a, "ok");
    assert_eq!(a.prompt.value(), "ok");
    assert_eq!(a.on_key(ctrl('c')), Request::None);
    assert_eq!(
        a.logs.as_ref().unwrap().search,
        "",
        "ctrl-c drops the search"
    );
    assert_eq!((a.mode, a.view), (Mode::Normal, View::Logs));
    // the cursor is drawn where it is, in every prompt
    let mut a = app("default");
    typed(&mut a, ":abc");
    a.on_key(key(KeyCode::Left));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| draw(f, &mut a)).unwrap();
    let cell = &terminal.backend().buffer()[(3, 23)];
    assert_eq!(cell.symbol(), "c");
    assert!(
        cell.modifier.contains(ratatui::style::Modifier::REVERSED),
        "the cursor on `c`"
    );
}

#[test]
fn help_lists_the_commands_and_typos_get_a_suggestion() {
    let mut a = app("default");
    typed(&mut a, ":help");
    a.on_key(key(KeyCode::Enter));
    assert_eq!((a.mode, a.line_help), (Mode::Help, true));
    let screen = render(&mut a, 100, 30);
    for (usage, what) in crate::tui::line_commands::help_lines() {
        assert!(
            screen.contains(&usage) && screen.contains(what),
            "{usage}:\n{screen}"
        );
    }
    a.on_key(key(KeyCode::Char('x')));
    assert_eq!(a.mode, Mode::Normal, "any key closes it");
    // from `?`, `:` shows them
    a.on_key(key(KeyCode::Char('?')));
    assert!(render(&mut a, 100, 30).contains("(: here lists them)"));
    a.on_key(key(KeyCode::Char(':')));
    assert!(a.line_help && a.mode == Mode::Help);
    // a typo
    let mut a = app("default");
    typed(&mut a, ":nods");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(
        a.message,
        Some((
            "unknown command `:nods`; did you mean :nodes? (:help lists the commands)".into(),
            true
        ))
    );
    // :theme alone lists them
    typed(&mut a, ":theme");
    a.on_key(key(KeyCode::Enter));
    let (text, error) = a.message.clone().unwrap();
    assert!(!error);
    assert!(
        text.starts_with("themes: ") && text.contains("default (in use)") && text.contains("mono"),
        "{text}"
    );
}

#[test]
fn line_help_pane() {
    at_both_sizes("line-help", |a| {
        typed(a, ":help");
        a.on_key(key(KeyCode::Enter));
    });
}

#[test]
fn q_and_esc_close_what_is_open_and_q_quits_from_a_top_view() {
    // the log view
    let mut a = app("default");
    typed(&mut a, "2l");
    assert_eq!(a.on_key(key(KeyCode::Char('q'))), Request::StopLogs);
    assert_eq!(a.view, View::Executions);
    // the inspect pane
    a.on_key(key(KeyCode::Enter));
    assert!(a.executions.inspect);
    assert_eq!(a.on_key(key(KeyCode::Char('q'))), Request::None);
    assert!(!a.executions.inspect);
    a.on_key(key(KeyCode::Enter));
    a.on_key(key(KeyCode::Esc));
    assert!(!a.executions.inspect);
    // an entry's README
    let mut a = app("default");
    a.on_key(key(KeyCode::Enter));
    assert!(a.shop.detail);
    assert_eq!(a.on_key(key(KeyCode::Char('q'))), Request::None);
    assert!(!a.shop.detail);
    // help, the form
    a.on_key(key(KeyCode::Char('?')));
    a.on_key(key(KeyCode::Char('q')));
    assert_eq!(a.mode, Mode::Normal);
    a.on_key(key(KeyCode::Char('s')));
    assert_eq!(a.mode, Mode::Form);
    a.on_key(key(KeyCode::Esc));
    assert_eq!(a.mode, Mode::Normal);
    // nothing open: quit
    assert_eq!(a.on_key(key(KeyCode::Char('q'))), Request::Quit);
}

#[test]
fn quitting_while_an_action_is_in_flight_asks_first() {
    let mut a = app("default");
    a.data.launching = Some("1ibzzzzzzz".into());
    assert_eq!(a.on_key(key(KeyCode::Char('q'))), Request::None);
    assert_eq!(a.mode, Mode::Confirm);
    assert_eq!(
        a.pending,
        Some(Pending::Quit("launching 1ibzzzzzzz".into()))
    );
    let screen = render(&mut a, 80, 24);
    assert!(
        screen.contains("launching 1ibzzzzzzz") && screen.contains("Quit anyway?"),
        "{screen}"
    );
    assert_eq!(a.on_key(key(KeyCode::Char('n'))), Request::None);
    assert_eq!(a.mode, Mode::Normal);
    a.on_key(key(KeyCode::Char('q')));
    assert_eq!(a.on_key(key(KeyCode::Char('y'))), Request::Quit);
    // a termination under way counts until its answer comes
    let mut a = app("default");
    typed(&mut a, "2t");
    assert!(matches!(
        a.on_key(key(KeyCode::Char('y'))),
        Request::Terminate(_)
    ));
    a.on_key(key(KeyCode::Char('q')));
    assert_eq!(
        a.pending,
        Some(Pending::Quit("terminating 1ibx0a2b3c".into()))
    );
    a.on_key(key(KeyCode::Char('n')));
    a.on_update(Update::Terminated {
        id: "1ibx0a2b3c".into(),
        result: Ok(1),
    });
    assert_eq!(
        a.message,
        Some(("1ibx0a2b3c terminated: 1 container removed".into(), false)),
        "one container, singular"
    );
    assert_eq!(a.on_key(key(KeyCode::Char('q'))), Request::Quit);
}

#[test]
fn quit_confirmation_pane() {
    at_both_sizes("confirm-quit", |a| {
        a.data.launching = Some("1ibzzzzzzz".into());
        a.on_key(key(KeyCode::Char('q')));
    });
}

#[test]
fn ctrl_c_always_quits_outside_a_prompt_whatever_the_keymap() {
    let mut a = app("default");
    a.data.launching = Some("1ibzzzzzzz".into());
    assert_eq!(a.on_key(ctrl('c')), Request::Quit, "without asking");
    let mut a = app("default");
    a.keymap = crate::tui::keymap::Keymap::with_overrides(
        &[("quit".to_string(), vec!["x".to_string()])]
            .into_iter()
            .collect(),
    )
    .unwrap();
    assert_eq!(a.on_key(key(KeyCode::Char('q'))), Request::None);
    assert_eq!(a.on_key(ctrl('c')), Request::Quit);
    for mode_key in ['?', 's'] {
        let mut a = app("default");
        a.on_key(key(KeyCode::Char(mode_key)));
        assert_ne!(a.mode, Mode::Normal);
        assert_eq!(a.on_key(ctrl('c')), Request::Quit, "from {:?}", a.mode);
    }
    let mut a = app("default");
    typed(&mut a, "2t");
    assert_eq!(a.mode, Mode::Confirm);
    assert_eq!(a.on_key(ctrl('c')), Request::Quit);
}

#[test]
fn shift_tab_goes_to_the_previous_view() {
    let mut a = app("default");
    let back = KeyEvent {
        code: KeyCode::BackTab,
        modifiers: KeyModifiers::SHIFT,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    };
    let mut seen = Vec::new();
    for _ in 0..3 {
        a.on_key(back);
        seen.push(a.view);
    }
    assert_eq!(seen, [View::Nodes, View::Executions, View::Shop]);
    a.on_key(key(KeyCode::Tab));
    assert_eq!(a.view, View::Executions, "tab goes the other way");
}

#[test]
fn clicks_select_rows_and_switch_tabs() {
    let mut a = app("default");
    a.mouse = true;
    let _ = render(&mut a, 160, 48);
    let tabs = a.hits.borrow().tabs.clone();
    let (nodes_tab, _) = tabs.iter().find(|(_, v)| *v == View::Nodes).unwrap();
    a.on_click(nodes_tab.x + 1, nodes_tab.y);
    assert_eq!(a.view, View::Nodes);
    let screen = render(&mut a, 160, 48);
    // the second node's row: its name on screen
    let y = screen
        .lines()
        .position(|l| l.starts_with("│remote"))
        .unwrap() as u16;
    a.on_click(3, y);
    assert_eq!(a.nodes.selected, 1);
    // executions: a click on the third row selects it; the open inspect
    // pane follows
    a.on_click(tabs[1].0.x + 1, 0);
    assert_eq!(a.view, View::Executions);
    a.on_key(key(KeyCode::Enter));
    let screen = render(&mut a, 160, 48);
    let y = screen
        .lines()
        .position(|l| l.contains("1ibwz1q2w3"))
        .unwrap() as u16;
    a.on_click(5, y);
    assert_eq!(a.selected_execution().unwrap().id, "1ibwz1q2w3");
    a.on_key(key(KeyCode::Enter));
    assert!(
        a.executions.inspect,
        "enter on another row switches, not closes"
    );
    let screen = render(&mut a, 160, 48);
    assert!(screen.contains("1ibwz1q2w3 `waits`"), "{screen}");
    // a click on the border or the column names does nothing
    a.on_click(0, 2);
    assert_eq!(a.selected_execution().unwrap().id, "1ibwz1q2w3");
    // nor any click with the mouse off
    a.mouse = false;
    a.on_click(tabs[0].0.x + 1, 0);
    assert_eq!(a.view, View::Executions);
}

#[test]
fn enter_on_another_row_switches_the_inspect_pane() {
    let mut a = app("default");
    typed(&mut a, "2");
    a.on_key(key(KeyCode::Enter));
    assert!(render(&mut a, 160, 48).contains("1ibx0a2b3c `demo`"));
    // (this fixture's executions have no instances on the hosts: the
    // keys stay with the executions table)
    assert!(!a.instances.focused);
    a.on_key(key(KeyCode::Char('j')));
    a.on_key(key(KeyCode::Enter));
    assert!(a.executions.inspect, "still open");
    let screen = render(&mut a, 160, 48);
    assert!(screen.contains("1ibwz9y8x7 `nightly`"), "{screen}");
    a.on_key(key(KeyCode::Esc));
    assert!(!a.executions.inspect, "esc closes it");
}

#[test]
fn h_hides_ended_executions_and_says_how_many() {
    let mut a = app("default");
    typed(&mut a, "2");
    a.on_key(key(KeyCode::Char('j')));
    a.on_key(key(KeyCode::Char('j')));
    assert_eq!(a.selected_execution().unwrap().name, "waits");
    a.on_key(key(KeyCode::Char('h')));
    assert!(a.executions.hide_ended && a.remember_changed);
    let names: Vec<&str> = a
        .visible_executions()
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["demo", "waits"],
        "nightly ended (error, nothing left)"
    );
    assert_eq!(
        a.selected_execution().unwrap().name,
        "waits",
        "the selection stays"
    );
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains("1 hidden"), "{screen}");
    a.on_key(key(KeyCode::Char('h')));
    assert_eq!(a.visible_executions().len(), 3);
    assert!(!render(&mut a, 80, 24).contains("hidden"));
}

#[test]
fn a_filter_with_no_match_says_so() {
    let mut a = app("default");
    typed(&mut a, "2/xyz");
    a.on_key(key(KeyCode::Enter));
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains("no execution matches 'xyz'"), "{screen}");
}

#[test]
fn the_reason_column_at_120_columns_shows_reasons() {
    let mut a = app("default");
    typed(&mut a, "2");
    let screen = render(&mut a, 120, 36);
    let header = screen.lines().find(|l| l.contains("REASON")).unwrap();
    assert!(!header.contains("ENDPOINT"), "{header}");
    assert!(!screen.contains("http://"), "no endpoint URL:\n{screen}");
    assert!(screen.contains("Essential servi"), "{screen}");
    assert!(screen.contains("no node can take"), "{screen}");
    snapshot("executions-120x36", &screen);
    // from 150 columns the endpoint has its own column, the reason too
    let screen = render(&mut a, 160, 48);
    assert!(screen.contains("ENDPOINT") && screen.contains("http://127.0.0.1:32768/"));
    assert!(screen.contains("no node can take the whole"));
}

#[test]
fn clearing_a_filter_keeps_the_selected_entry() {
    let mut a = app("default");
    typed(&mut a, "/web");
    a.on_key(key(KeyCode::Enter));
    let chosen = a.selected_entry().unwrap().id.clone();
    assert!(a.shop.selected == 0 && chosen.contains("web"));
    a.on_key(key(KeyCode::Esc));
    assert_eq!(a.shop.filter, "");
    assert_eq!(a.selected_entry().unwrap().id, chosen, "esc cleared it");
    assert_ne!(a.shop.selected, 0);
    // emptied by hand in the prompt, too
    typed(&mut a, "/dask");
    let chosen = a.selected_entry().unwrap().id.clone();
    a.on_key(ctrl('u'));
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.shop.filter, "");
    assert_eq!(a.selected_entry().unwrap().id, chosen);
    // executions
    let mut a = app("default");
    typed(&mut a, "2/wait");
    a.on_key(key(KeyCode::Enter));
    a.on_key(key(KeyCode::Esc));
    assert_eq!(a.selected_execution().unwrap().name, "waits");
}

#[test]
fn the_readme_scroll_stops_at_the_last_page() {
    let mut a = app("default");
    a.on_key(key(KeyCode::Enter));
    let top = render(&mut a, 80, 24);
    a.on_key(key(KeyCode::Char('G')));
    let bottom = render(&mut a, 80, 24);
    let max = a.shop.detail_max.get().unwrap();
    a.on_key(key(KeyCode::Char('G')));
    assert_eq!(a.shop.detail_scroll, max, "G: the last page, at once");
    assert_ne!(top, bottom);
    let body: Vec<&str> = bottom.lines().skip(2).take(20).collect();
    assert!(
        body.iter()
            .filter(|l| l.trim_matches(['│', ' ']).is_empty())
            .count()
            < 10,
        "the last page is full, not blank:\n{bottom}"
    );
    a.on_key(key(KeyCode::Char('k')));
    assert_eq!(a.shop.detail_scroll, max - 1, "k scrolls back at once");
}

#[test]
fn markdown_table_pane() {
    let styles =
        crate::tui::style::Styles::from_theme(&load_theme("default", None, false).unwrap());
    let md = "## Services\n\n| Group | Instances | Memory | Cores |\n|:--|--:|--:|:-:|\n| `master` | 1 essential | 512 MiB | 1 |\n| `worker` | 2 elastic | 1 GiB | 0.5 |\n\n- a bullet long enough to wrap on a narrow terminal, indented under its text\n- `code` without backticks\n";
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| {
                let lines = crate::tui::markdown::render_wrapped(md, &styles, 40);
                f.render_widget(ratatui::widgets::Paragraph::new(lines), f.area());
            })
            .unwrap();
        snapshot(
            &format!("markdown-table-{w}x{h}"),
            &text_of(terminal.backend().buffer()),
        );
    }
}
