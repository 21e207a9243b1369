//! The real terminal UI in tmux: it opens, and every terminating signal
//! (SIGTERM, SIGHUP for an SSH drop, SIGINT, SIGQUIT) gives the terminal
//! back before the program dies of it: alternate screen left, cursor
//! visible, mouse reporting off, cooked mode with echo. SIGTSTP and ctrl-z
//! suspend it the same way and `fg` brings it back raw and redrawn; a
//! window size of 65535×65535 does not kill it. Needs tmux (scripts/test.sh
//! installs it); without it the tests are skipped with a message unless
//! ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::tmux::{Pane, wait_until};
use std::path::Path;
use std::process::Command;

fn tmux_available() -> bool {
    if Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    if std::env::var("ZOE_REQUIRE_ENGINES").is_ok_and(|v| v == "1") {
        panic!("tmux is missing (scripts/test.sh installs it)");
    }
    eprintln!("SKIPPED: tmux is not installed");
    false
}

/// Settings with one host that answers nothing (the UI must draw and stay
/// responsive anyway) and the shell line that exports them, moves into
/// `dir` and forbids core files (SIGQUIT dumps core by convention).
fn setup(dir: &Path) -> String {
    std::fs::write(
        dir.join("docker.conf"),
        "[gone]\ndocker_address: tcp://127.0.0.1:1\nexternal_address: 127.0.0.1\nuse_tls: no\n",
    )
    .unwrap();
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("shop");
    std::fs::write(
        dir.join("zoe.toml"),
        format!(
            "docker_config = \"docker.conf\"\nshop = \"{}\"\n",
            shop.display()
        ),
    )
    .unwrap();
    let d = dir.display();
    format!("export ZOE_CONFIG={d}/zoe.toml XDG_CACHE_HOME={d} USER=tester; cd {d}; ulimit -c 0")
}

/// The shell command that starts the UI and leaves its pid in `dir/pid`.
fn launch(dir: &Path) -> String {
    format!(
        "sh -c 'echo $$ > {}/pid; exec {}'",
        dir.display(),
        env!("CARGO_BIN_EXE_zoe")
    )
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The state letter of a live process (`T` when stopped); `None` once gone.
fn process_state(pid: &str) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    rest.chars().next().filter(|c| *c != 'Z')
}

fn assert_ui_up(pane: &Pane) {
    assert_eq!(pane.show("#{alternate_on}"), "1", "on the alternate screen");
    assert_eq!(pane.show("#{cursor_flag}"), "0", "cursor hidden");
    assert_eq!(pane.show("#{mouse_any_flag}"), "1", "mouse reporting on");
}

/// The terminal as the program left it; `stty` is `stty -a` run after it.
fn assert_given_back(pane: &Pane, stty: &str) {
    assert_screen_given_back(pane);
    assert_cooked(stty);
}

fn assert_screen_given_back(pane: &Pane) {
    assert_eq!(
        pane.show("#{alternate_on}"),
        "0",
        "back on the normal screen; screen:\n{}",
        pane.screen()
    );
    assert_eq!(pane.show("#{cursor_flag}"), "1", "cursor visible");
    assert_eq!(pane.show("#{mouse_any_flag}"), "0", "mouse reporting off");
}

fn assert_cooked(stty: &str) {
    assert!(
        stty.contains(" icanon") && !stty.contains("-icanon"),
        "cooked mode again: {stty}"
    );
    assert!(
        stty.contains(" echo ") && !stty.contains("-echo "),
        "echo on again: {stty}"
    );
}

/// `kill -SIGNAL` the UI: the terminal is given back and the program dies
/// of the signal (the shell sees 128 + its number).
fn signal_restores_the_terminal(signal: &str, number: i32) {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let script = format!(
        "{env}; {launch}; echo $? > {d}/status; stty -a > {d}/stty; echo done > {d}/done; exec sleep 60",
        env = setup(dir.path()),
        launch = launch(dir.path())
    );
    let pane = Pane::start(dir.path().join("tmux.sock"), 80, 24, &script);
    pane.wait_for("the UI to draw", 20, |s| s.contains("1 shop"));
    assert_ui_up(&pane);
    let screen = pane.screen();
    assert!(screen.contains("Master and workers"), "{screen}");

    let pid = read(dir.path(), "pid");
    assert!(
        Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success()
    );
    wait_until("the UI to exit", || dir.path().join("done").exists());
    assert_given_back(&pane, &read(dir.path(), "stty"));
    assert_eq!(
        read(dir.path(), "status"),
        (128 + number).to_string(),
        "killed by {signal}, as the shell should see it"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal("-TERM", 15);
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores_the_terminal("-HUP", 1);
}

#[test]
fn sigint_restores_the_terminal() {
    signal_restores_the_terminal("-INT", 2);
}

#[test]
fn sigquit_restores_the_terminal() {
    signal_restores_the_terminal("-QUIT", 3);
}

/// Started from an interactive shell with job control, the UI is stopped
/// by `suspend`: the shell gets a cooked terminal on the normal screen;
/// `fg` brings the UI back raw and redrawn: `then` and a lone `q` (no
/// Enter) quit it.
fn suspend_and_fg(suspend: impl FnOnce(&Pane, &str), then: &[&str]) {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let script = format!("{}; export PS1='shell$ '; exec sh -i", setup(dir.path()));
    let pane = Pane::start(dir.path().join("tmux.sock"), 80, 24, &script);
    pane.wait_for("the shell", 20, |s| s.contains("shell$"));
    pane.line(&launch(dir.path()));
    pane.wait_for("the UI to draw", 20, |s| s.contains("1 shop"));
    assert_ui_up(&pane);
    let pid = read(dir.path(), "pid");

    suspend(&pane, &pid);
    wait_until("the UI to stop", || process_state(&pid) == Some('T'));
    pane.wait_for("the shell to say so", 20, |s| s.contains("Stopped"));
    assert_screen_given_back(&pane);
    pane.line(&format!("stty -a > {d}/stopped"));
    wait_until("stty in the shell", || {
        !read(dir.path(), "stopped").is_empty()
    });
    assert_cooked(&read(dir.path(), "stopped"));

    pane.line("fg");
    wait_until("the UI to come back", || {
        pane.show("#{alternate_on}") == "1" && pane.screen().contains("1 shop")
    });
    assert!(
        process_state(&pid).is_some_and(|s| s != 'T'),
        "running again"
    );
    assert_ui_up(&pane);
    // raw again: a lone key acts, no Enter needed
    pane.keys(then);
    pane.keys(&["q"]);
    wait_until("the UI to quit", || process_state(&pid).is_none());
    pane.line(&format!("echo exit=$? > {d}/done; stty -a > {d}/stty"));
    wait_until("the shell", || dir.path().join("done").exists());
    assert_eq!(read(dir.path(), "done"), "exit=0");
    assert_given_back(&pane, &read(dir.path(), "stty"));
}

#[test]
fn sigtstp_suspends_and_fg_resumes() {
    suspend_and_fg(
        |_, pid| {
            assert!(
                Command::new("kill")
                    .args(["-TSTP", pid])
                    .status()
                    .unwrap()
                    .success()
            );
        },
        &[],
    );
}

#[test]
fn ctrl_z_suspends_and_fg_resumes() {
    // while typing a filter, too; Enter then leaves the filter
    suspend_and_fg(|pane, _| pane.keys(&["/", "s", "C-z"]), &["Enter"]);
}

/// A terminal that reports 65535×65535 (at start and on a resize) must not
/// make the UI allocate a buffer of that size: it stays up, answers keys
/// and quits cleanly.
#[test]
fn a_huge_window_size_is_survived() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let script = format!(
        "{env}; stty rows 65535 cols 65535; {launch}; echo exit=$? > {d}/done; exec sleep 60",
        env = setup(dir.path()),
        launch = launch(dir.path())
    );
    let pane = Pane::start(dir.path().join("tmux.sock"), 80, 24, &script);
    wait_until("the UI to start", || !read(dir.path(), "pid").is_empty());
    let pid = read(dir.path(), "pid");
    let tty = pane.show("#{pane_tty}");
    let resize = |rows: &str, cols: &str| {
        assert!(
            Command::new("stty")
                .args(["-F", &tty, "rows", rows, "cols", cols])
                .status()
                .unwrap()
                .success()
        );
    };
    let still_up = |when: &str| {
        std::thread::sleep(std::time::Duration::from_secs(3));
        assert!(
            process_state(&pid).is_some(),
            "the UI died {when}: {}",
            read(dir.path(), "done")
        );
    };
    still_up("at 65535×65535");
    resize("24", "80");
    pane.wait_for("the UI to draw at 80×24", 20, |s| s.contains("1 shop"));
    resize("65535", "65535");
    still_up("on a resize to 65535×65535");
    resize("24", "80");
    pane.wait_for("the UI to draw at 80×24", 20, |s| s.contains("1 shop"));
    pane.keys(&["q"]);
    wait_until("the UI to quit", || dir.path().join("done").exists());
    assert_eq!(read(dir.path(), "done"), "exit=0");
    assert_eq!(pane.show("#{alternate_on}"), "0");
}

#[test]
fn q_quits_and_restores_the_terminal() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("shop");
    std::fs::write(
        dir.path().join("zoe.toml"),
        format!(
            "shop = \"{}\"\n[[hosts]]\nname = \"gone\"\naddress = \"tcp://127.0.0.1:1\"\n",
            shop.display()
        ),
    )
    .unwrap();
    let script = format!(
        "export ZOE_CONFIG={d}/zoe.toml XDG_CACHE_HOME={d} USER=tester; {zoe}; echo exit=$? > {d}/done; exec sleep 60",
        zoe = env!("CARGO_BIN_EXE_zoe")
    );
    let pane = Pane::start(dir.path().join("tmux.sock"), 80, 24, &script);
    pane.wait_for("the UI to draw", 20, |s| s.contains("1 shop"));
    // the filter works while the only host never answers
    pane.keys(&["/"]);
    pane.text("spark");
    pane.keys(&["Enter"]);
    pane.wait_for("the filter to apply", 20, |s| s.contains("shop (2 of 8)"));
    pane.keys(&["q"]);
    wait_until("the UI to exit", || dir.path().join("done").exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("done"))
            .unwrap()
            .trim(),
        "exit=0"
    );
    assert_eq!(pane.show("#{alternate_on}"), "0");
}
