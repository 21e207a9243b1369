//! Finding one's way in the real terminal UI, in tmux against the local
//! Docker daemons: `q` and esc close what is open and `q` quits from a top
//! view, ctrl-c drops a prompt and otherwise quits, `:help` and tab
//! completion on the `:` line, shift-tab, a mouse click on a view's tab
//! (raw SGR mouse reports typed into the pane), `h` and the `:` history
//! remembered from one run to the next, and a keymap with no way out
//! refused with the file named. Needs tmux and the test engines; skipped
//! without them unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::engines::{Setup, execution_id, two_hosts};
use common::tmux::{Pane, open_zoe, ready};

fn wait_online(pane: &Pane) {
    pane.wait_for("both hosts online", 30, |s| s.contains("2/2 hosts online"));
}

/// A left click at the 0-based `(column, row)`, as a terminal with SGR
/// mouse reporting sends it (press, then release).
fn click(pane: &Pane, column: usize, row: usize) {
    pane.text(&format!(
        "\x1b[<0;{};{}M\x1b[<0;{};{}m",
        column + 1,
        row + 1,
        column + 1,
        row + 1
    ));
}

/// Where `text` starts on the screen: (column, row), 0-based.
fn find(screen: &str, text: &str) -> (usize, usize) {
    screen
        .lines()
        .enumerate()
        .find_map(|(row, line)| {
            line.find(text)
                .map(|byte| (line[..byte].chars().count(), row))
        })
        .unwrap_or_else(|| panic!("`{text}` is not on the screen:\n{screen}"))
}

#[test]
fn q_esc_help_completion_shift_tab_and_a_click_on_a_tab() {
    let Some(e) = ready() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let pane = open_zoe(&setup, "");
    wait_online(&pane);

    // an entry's README: q closes it, and so does esc
    for close in ["q", "Escape"] {
        pane.keys(&["Enter"]);
        pane.wait_for("the entry", 5, |s| !s.contains(" shop (8) "));
        pane.keys(&[close]);
        pane.wait_for("the entry closed", 5, |s| s.contains(" shop (8) "));
    }
    // help: q closes it; `:` in it lists the `:` commands
    pane.keys(&["?"]);
    pane.wait_for("help", 5, |s| s.contains("keys: shop"));
    pane.keys(&["q"]);
    pane.wait_for("help closed", 5, |s| !s.contains("keys: shop"));
    pane.keys(&["?", ":"]);
    pane.wait_for("the : commands", 5, |s| {
        s.contains("commands (: then the command") && s.contains(":logs EXEC [SERVICE]")
    });
    pane.keys(&["Escape"]);
    pane.wait_for("help closed", 5, |s| !s.contains("commands (: then"));

    // the : line: tab completes, :help lists the commands
    pane.keys(&[":"]);
    pane.text("thm");
    pane.keys(&["C-w"]);
    pane.text("the");
    pane.keys(&["Tab"]);
    pane.wait_for("the completed command", 5, |s| {
        s.lines().any(|l| l.trim_end() == ":theme")
    });
    pane.keys(&["Tab"]);
    pane.wait_for("the themes offered", 5, |s| {
        s.contains("completions (tab: next") && s.contains("high-contrast")
    });
    pane.keys(&["C-u"]);
    pane.text("help");
    pane.keys(&["Enter"]);
    pane.wait_for(":help", 5, |s| s.contains(":theme [NAME]"));
    pane.keys(&["Escape"]);

    // shift-tab: the previous view (from the shop, the nodes)
    pane.keys(&["BTab"]);
    pane.wait_for("the nodes view", 5, |s| s.contains(" nodes (2) "));
    pane.keys(&["BTab"]);
    pane.wait_for("the executions view", 5, |s| s.contains(" executions ("));

    // the mouse (on by default): a click on the nodes tab switches view;
    // off (`m`), a click is the terminal's
    pane.keys(&["m"]);
    pane.wait_for("the mouse off", 5, |s| s.contains("mouse off"));
    let screen = pane.screen();
    let (column, row) = find(&screen, "3 nodes");
    click(&pane, column + 2, row);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        pane.screen().contains(" executions ("),
        "mouse off: no switch"
    );
    pane.keys(&["m"]);
    pane.wait_for("the mouse on", 5, |s| s.contains("mouse on"));
    click(&pane, column + 2, row);
    pane.wait_for("the nodes view, clicked", 5, |s| s.contains(" nodes (2) "));
    let screen = pane.screen();
    let (column, row) = find(&screen, "1 shop");
    click(&pane, column, row);
    pane.wait_for("the shop, clicked", 5, |s| s.contains(" shop (8) "));

    // q from a top view quits
    pane.keys(&["q"]);
    pane.wait_for("zoe to end", 10, |s| s.contains("exited 0"));
}

#[test]
fn ctrl_c_drops_a_prompt_and_otherwise_quits() {
    let Some(e) = ready() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let pane = open_zoe(&setup, "");
    wait_online(&pane);
    pane.keys(&[":"]);
    pane.text("nodes");
    pane.keys(&["C-c"]);
    pane.wait_for("the prompt dropped", 5, |s| {
        s.contains(" shop (8) ") && !s.lines().any(|l| l.starts_with(":nodes"))
    });
    pane.keys(&["/"]);
    pane.text("spark");
    pane.keys(&["C-c"]);
    pane.wait_for("the filter dropped", 5, |s| s.contains(" shop (8) "));
    assert!(!pane.screen().contains("exited"), "still running");
    // from help too, at once
    pane.keys(&["?"]);
    pane.wait_for("help", 5, |s| s.contains("keys: shop"));
    pane.keys(&["C-c"]);
    pane.wait_for("zoe to end", 10, |s| s.contains("exited 0"));
    assert_eq!(pane.show("#{alternate_on}"), "0");
}

#[test]
fn hidden_ended_executions_and_the_history_are_remembered_across_runs() {
    let Some(e) = ready() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    // an execution that ended (terminated, nothing left)
    let id = execution_id(&setup.json(&["start", "web-hello-0", "--name", "gone"]));
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);

    let pane = open_zoe(&setup, "");
    wait_online(&pane);
    pane.keys(&["2"]);
    pane.wait_for("the ended execution", 20, |s| {
        s.contains(&id) && s.contains("terminated")
    });
    pane.keys(&["h"]);
    pane.wait_for("it hidden", 5, |s| {
        s.contains("1 hidden") && !s.contains(&id)
    });
    pane.keys(&[":"]);
    pane.text("nodes");
    pane.keys(&["Enter"]);
    pane.wait_for("the nodes view", 5, |s| s.contains(" nodes (2) "));
    pane.keys(&["q"]);
    pane.wait_for("zoe to end", 10, |s| s.contains("exited 0"));
    drop(pane);
    let state = setup.dir.path().join("state/zoe/tui.json");
    let remembered: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(remembered["hide_ended"], true, "{remembered}");
    assert_eq!(remembered["history"], serde_json::json!(["nodes"]));

    // the next run starts where this one left (a pane of its own tmux
    // server: the first one's socket may linger)
    let d = setup.dir.path().display();
    let script = format!(
        "unset DOCKER_HOST DBUS_SESSION_BUS_ADDRESS; export ZOE_CONFIG={config} XDG_CACHE_HOME={d} XDG_STATE_HOME={d}/state USER=tester; {zoe}; echo exited $?; exec sleep 120",
        config = setup.config.display(),
        zoe = env!("CARGO_BIN_EXE_zoe")
    );
    let pane = Pane::start(setup.dir.path().join("tmux-again.sock"), 120, 36, &script);
    wait_online(&pane);
    pane.keys(&["2"]);
    pane.wait_for("still hidden", 20, |s| s.contains("1 hidden"));
    pane.keys(&[":", "Up"]);
    pane.wait_for("the history", 5, |s| {
        s.lines().any(|l| l.trim_end() == ":nodes")
    });
    pane.keys(&["Escape", "q"]);
}

#[test]
fn a_keymap_with_no_way_out_is_refused_naming_the_file() {
    let Some(e) = ready() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let mut settings = std::fs::read_to_string(&setup.config).unwrap();
    settings.push_str("\n[keys]\nquit = []\n");
    std::fs::write(&setup.config, settings).unwrap();
    let pane = open_zoe(&setup, "");
    let screen = pane.wait_for("zoe to refuse", 20, |s| s.contains("exited "));
    assert!(
        screen.contains(&format!(
            "{}: [keys] quit = []: that leaves no way out",
            setup.config.display()
        )) || screen
            .replace('\n', "")
            .contains("[keys] quit = []: that leaves no way out"),
        "{screen}"
    );
    assert!(!screen.contains("exited 0"), "{screen}");
}
