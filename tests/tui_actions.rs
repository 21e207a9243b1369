//! Acting on one instance, against the real daemons: `zoe exec` from a
//! shell (exit codes, piped input), and in the terminal UI (tmux) the
//! inspect pane's instance list: a shell and back, the raw container JSON,
//! the URL copied with OSC 52, restarts of an elastic and of an essential
//! instance. Needs the test engines (and tmux for the UI); skipped without
//! them unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::Instant;

use common::engines::{Setup, engines, execution_id, one_host};
use serde_json::Value;

/// The master + workers entry started on the local daemon: its id.
fn start_master_workers(setup: &Setup, name: &str) -> String {
    let run = setup.zoe(&["start", "master-workers-0", "--name", name, "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let launched: Value = serde_json::from_str(&run.stdout).unwrap();
    execution_id(&launched)
}

#[test]
fn zoe_exec_passes_exit_codes_and_piped_input() {
    let Some(e) = engines() else { return };
    let conf = one_host("local", &e.docker_host("local"));
    let setup = Setup::new(&conf);
    let id = start_master_workers(&setup, "exec-cli");

    // the command's exit code is zoe's
    let run = setup.zoe(&["exec", &id, "master0", "--", "sh", "-c", "exit 3"]);
    assert_eq!(run.code, 3, "{}", run.stderr);

    // without a terminal on stdin: plain input and output
    let mut child = setup
        .command(&["exec", &id, "worker0", "--", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hi\n").unwrap();
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    eprintln!("echo hi | zoe exec … -- cat: {:?}", started.elapsed());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");

    // the default command is a shell reading stdin
    let mut child = setup
        .command(&["exec", &id, "master0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"echo MARK-$((6*7)); echo $SERVICE_NAME\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("MARK-42"), "{stdout}");
    assert_eq!(out.status.code(), Some(0));

    // an unknown instance is named, with the ones there are
    let run = setup.zoe(&["exec", &id, "nosuch0", "--", "true"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no instance `nosuch0`") && run.stderr.contains("master0"),
        "{}",
        run.stderr
    );
    // read-only refuses it, saying so
    let run = setup.zoe(&["--readonly", "exec", &id, "master0", "--", "true"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
    // another user's execution: a `user` of the deployment is told there
    // is no such execution (its role sees only its own)
    let mallory = setup.other_config("mallory", &conf);
    let mut settings = std::fs::read_to_string(&mallory).unwrap();
    settings.push_str("user = \"mallory\"\n[users.mallory]\nrole = \"user\"\n");
    std::fs::write(&mallory, settings).unwrap();
    let run = setup
        .command_with(&mallory, &["exec", &id, "master0", "--", "true"])
        .output()
        .unwrap();
    assert_ne!(run.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains(&format!("no execution `{id}`")),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// The containers of execution `id` on the local daemon: (instance, id,
/// state, started at), by instance.
fn containers(e: &common::engines::Engines, id: &str) -> Vec<(String, String, String, String)> {
    let ids = e.docker_ok(
        "local",
        &[
            "ps",
            "-aq",
            "--no-trunc",
            "--filter",
            &format!("label=zoe_execution_id={id}"),
        ],
    );
    let mut out: Vec<(String, String, String, String)> = ids
        .split_whitespace()
        .map(|c| {
            let line = e.docker_ok(
                "local",
                &[
                    "inspect",
                    "--format",
                    "{{index .Config.Labels \"zoe_service_name\"}} {{.Id}} {{.State.Status}} {{.State.StartedAt}}",
                    c,
                ],
            );
            let f: Vec<&str> = line.split_whitespace().collect();
            (f[0].into(), f[1].into(), f[2].into(), f[3].into())
        })
        .collect();
    out.sort();
    out
}

fn status_of(setup: &Setup, id: &str) -> String {
    let listed = setup.json(&["ps"]);
    listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .map(|r| r["status"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The TUI on the executions view with `id` running, its instance list
/// focused (the first instance selected).
fn instance_list(setup: &Setup, id: &str) -> common::tmux::Pane {
    let pane = common::tmux::open_zoe(setup, "");
    pane.wait_for("the host online", 30, |s| s.contains("1/1 hosts online"));
    pane.keys(&["2"]);
    pane.wait_for("the execution running", 30, |s| {
        s.lines().any(|l| l.contains(id) && l.contains(" running "))
    });
    pane.keys(&["Enter"]);
    pane.wait_for("the instance list", 10, |s| {
        s.contains("INSTANCE") && s.contains("s shell") && s.contains("master0")
    });
    pane
}

/// The lines of the inspect pane (from its title down, the status line
/// left out), with their colours and attributes (`capture-pane -e`): what
/// is selected shows.
fn inspect_pane(pane: &common::tmux::Pane) -> Vec<String> {
    let screen = pane.tmux(&["capture-pane", "-p", "-e"]);
    let lines: Vec<String> = screen.lines().map(str::to_string).collect();
    let from = lines
        .iter()
        .position(|l| l.contains(" inspect — "))
        .expect("the inspect pane");
    lines[from..lines.len() - 1].to_vec()
}

#[test]
fn a_shell_in_an_instance_and_back_to_the_same_place() {
    let Some(e) = common::tmux::ready() else {
        return;
    };
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    let id = start_master_workers(&setup, "exec-tui");
    let pane = instance_list(&setup, &id);
    // master0: after the three extra workers
    pane.keys(&["j", "j", "j"]);
    pane.wait_for("master0 selected", 5, |_| true);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before = inspect_pane(&pane);
    assert!(before.iter().any(|l| l.contains("master0")), "{before:?}");

    pane.keys(&["s"]);
    pane.wait_for("the shell", 20, |s| {
        s.contains("zoe: shell in master0") && s.contains('#')
    });
    assert_eq!(pane.show("#{alternate_on}"), "0", "the normal screen");
    pane.line("echo MARK-$((6*7)) $SERVICE_NAME");
    pane.wait_for("the command's output", 10, |s| {
        s.contains("MARK-42 master0")
    });
    // the terminal's size was passed on
    pane.line("stty size");
    pane.wait_for("the size", 10, |s| s.contains("36 120"));
    pane.line("exit");
    pane.wait_for("the terminal UI again", 20, |s| {
        s.contains("back from the shell in master0")
    });
    assert_eq!(pane.show("#{alternate_on}"), "1", "full screen again");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let after = inspect_pane(&pane);
    assert_eq!(before, after, "the same view, the same selection");
    // and the keys work as before: the list is still focused
    pane.keys(&["j"]);
    pane.wait_for("worker0 selected", 5, |_| true);
    assert_ne!(inspect_pane(&pane), after, "the selection moved");

    // a resize while in the shell reaches its terminal, and the UI is
    // drawn at the new size when it comes back
    pane.keys(&["s"]);
    pane.wait_for("the shell again", 20, |s| {
        s.contains("zoe: shell in worker0") && s.trim_end().ends_with("/ #")
    });
    pane.tmux(&["resize-window", "-x", "100", "-y", "30"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    pane.line("stty size");
    pane.wait_for("the new size", 10, |s| s.contains("30 100"));
    pane.line("exit 4");
    let screen = pane.wait_for("the terminal UI again", 20, |s| {
        s.contains("back from the shell in worker0") && s.contains("(exit 4)")
    });
    assert!(
        screen.lines().all(|l| l.chars().count() <= 100) && screen.contains("INSTANCE"),
        "{screen}"
    );
    pane.keys(&["C-c"]);
}

#[test]
fn raw_json_and_the_url_copied_with_osc_52() {
    let Some(e) = common::tmux::ready() else {
        return;
    };
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    let id = start_master_workers(&setup, "json-tui");
    let inspected = setup.json(&["inspect", &id]);
    let url = inspected["endpoints"][0]["url"]
        .as_str()
        .expect("master0's URL")
        .to_string();
    let pane = instance_list(&setup, &id);
    pane.keys(&["j", "j", "j"]);

    // `y`: the container's JSON, scrollable, closed by q
    pane.keys(&["y"]);
    let screen = pane.wait_for("the JSON", 20, |s| s.contains("\"Id\": \""));
    assert!(
        screen.contains(&format!("master0-{id}-{}", setup.deployment)),
        "{screen}"
    );
    pane.keys(&["G"]);
    pane.wait_for("the last line", 5, |s| {
        s.lines()
            .any(|l| l.trim_end() == "│}" || l.starts_with("│}"))
    });
    pane.keys(&["q"]);
    pane.wait_for("the list again", 5, |s| {
        s.contains("INSTANCE") && !s.contains("\"Id\"")
    });

    // `c`: OSC 52 with the URL, in the pane's raw output
    let raw = setup.dir.path().join("pane-output");
    pane.tmux(&["pipe-pane", "-o", &format!("cat >> '{}'", raw.display())]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    pane.keys(&["c"]);
    pane.wait_for("copied", 5, |s| s.contains("copied URL"));
    let encoded = std::process::Command::new("sh")
        .args(["-c", &format!("printf %s '{url}' | base64 -w0")])
        .output()
        .unwrap();
    let expected = format!("\x1b]52;c;{}\x07", String::from_utf8_lossy(&encoded.stdout));
    let mut found = false;
    for _ in 0..30 {
        let bytes = std::fs::read(&raw).unwrap_or_default();
        if String::from_utf8_lossy(&bytes).contains(&expected) {
            found = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(found, "no {expected:?} in the pane's output");
    // `w` without a graphical session shows the URL
    pane.keys(&["w"]);
    pane.wait_for("the URL shown", 5, |s| {
        s.lines().last().is_some_and(|l| l.contains(&url)) || s.contains(&url)
    });
    pane.keys(&["C-c"]);
}

#[test]
fn restart_an_elastic_instance_and_an_essential_one_asks_first() {
    let Some(e) = common::tmux::ready() else {
        return;
    };
    let setup = Setup::new(&one_host("local", &e.docker_host("local")));
    let id = start_master_workers(&setup, "restart-tui");
    let before = containers(&e, &id);
    assert_eq!(before.len(), 6, "{before:?}");
    let pane = instance_list(&setup, &id);

    // extra-worker1 (extra-worker0 is the group's essential one): removed
    // and placed again, a new container
    pane.keys(&["j", "R"]);
    let started = Instant::now();
    pane.wait_for("the restart", 60, |s| {
        s.contains("extra-worker1 of") && s.contains("restarted")
    });
    eprintln!("elastic restart took {:?}", started.elapsed());
    let after = containers(&e, &id);
    assert_eq!(after.len(), 6, "{after:?}");
    assert_eq!(after[1].0, "extra-worker1");
    assert_ne!(after[1].1, before[1].1, "a new container");
    assert_eq!(after[1].2, "running");
    assert_eq!(after[0], before[0], "the others untouched");
    assert_eq!(&after[2..], &before[2..], "the others untouched");
    assert_eq!(status_of(&setup, &id), "running");

    // master0 is essential: it asks; n leaves it alone
    pane.keys(&["j", "j", "R"]);
    pane.wait_for("the question", 5, |s| {
        s.contains(&format!("Restart master0 of {id}?"))
    });
    pane.keys(&["n"]);
    pane.wait_for("cancelled", 5, |s| s.contains("cancelled"));
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(containers(&e, &id), after, "nothing restarted");

    // y: restarted in place (same container, started again), and the
    // execution is not ended by supervision
    pane.keys(&["R"]);
    pane.wait_for("the question", 5, |s| s.contains("Restart master0"));
    pane.keys(&["y"]);
    pane.wait_for("the restart", 60, |s| {
        s.contains("master0 of") && s.contains("restarted in place")
    });
    let restarted = containers(&e, &id);
    let master = restarted.iter().find(|c| c.0 == "master0").unwrap();
    let was = after.iter().find(|c| c.0 == "master0").unwrap();
    assert_eq!(master.1, was.1, "the same container");
    assert_ne!(master.3, was.3, "started again");
    assert_eq!(master.2, "running");
    // two supervision passes later it still runs
    std::thread::sleep(std::time::Duration::from_secs(12));
    assert_eq!(status_of(&setup, &id), "running");
    let screen = pane.screen();
    assert!(
        screen
            .lines()
            .any(|l| l.contains(&id) && l.contains(" running ")),
        "{screen}"
    );
    pane.keys(&["C-c"]);
}
