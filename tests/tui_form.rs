//! The start form end to end, in tmux against the two local Docker
//! daemons: a relaunch keeps the name, the parameters and the memory
//! override (the containers of both executions get the same memory); a
//! launch that fails for real keeps the form open with every value and
//! the engine's error beside it, and a fix launches. Needs tmux and the
//! test engines (scripts/test.sh provides both); skipped without them
//! unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::engines::{Engines, Setup, execution_id, two_hosts};
use common::tmux::{Pane, open_zoe, ready};

// (`Pane::launch_until_running` takes the first id on the screen: with
// the form open while launching, and an ended execution of the same
// entry listed, that may be another one; this file waits by name.)

/// floor(0.1 × 2^30): the bytes a `0.1` GiB memory field gives.
const TENTH_GIB: u64 = 107_374_182;

/// The form of the shop entry the filter `filter` finds.
fn open_form(pane: &Pane, filter: &str, title: &str) {
    pane.wait_for("both hosts online", 30, |s| s.contains("2/2 hosts online"));
    pane.keys(&["/"]);
    pane.text(filter);
    pane.keys(&["Enter", "s"]);
    pane.wait_for("the form", 10, |s| {
        s.contains(&format!("start {title}")) && s.contains("placement preview")
    });
}

/// (memory limit, memory label) of every container of execution `id`,
/// on whichever daemon holds them.
fn memory_of(e: &Engines, id: &str) -> Vec<(u64, u64)> {
    let filter = format!("label=zoe_execution_id={id}");
    let mut found = Vec::new();
    for host in ["local", "remote"] {
        let ids = e.docker_ok(host, &["ps", "-aq", "--filter", &filter]);
        for container in ids.lines().filter(|l| !l.is_empty()) {
            let out = e.docker_ok(
                host,
                &[
                    "inspect",
                    "-f",
                    "{{.HostConfig.Memory}} {{index .Config.Labels \"org.zoe-console.memory\"}}",
                    container,
                ],
            );
            let mut parts = out.split_whitespace().map(|p| p.parse::<u64>().unwrap());
            found.push((parts.next().unwrap(), parts.next().unwrap()));
        }
    }
    found
}

/// Launches from the open form (enter) and waits until the executions
/// view shows execution `name` running, the form gone; its id.
fn launch_until_running(pane: &Pane, name: &str) -> String {
    pane.keys(&["Enter"]);
    let is_id = |w: &&str| {
        w.len() == 10 && w.starts_with('1') && w.chars().all(|c| c.is_ascii_alphanumeric())
    };
    let running = |s: &str| {
        s.lines()
            .find(|l| l.contains(&format!(" {name} ")) && l.contains(" running "))
            .and_then(|l| l.split(['│', ' ']).find(is_id))
            .map(str::to_string)
    };
    let screen = pane.wait_for("the execution to run, the form gone", 60, |s| {
        !s.contains("placement preview") && running(s).is_some()
    });
    running(&screen).unwrap()
}

/// The line of the form that shows the field `label`.
fn field_line<'s>(screen: &'s str, label: &str) -> &'s str {
    screen
        .lines()
        .find(|l| l.contains(&format!(" {label} ")))
        .unwrap_or_else(|| panic!("no field {label}:\n{screen}"))
}

#[test]
fn a_relaunch_keeps_the_name_parameters_and_memory_override() {
    let Some(e) = ready() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let pane = open_zoe(&setup, "");
    open_form(&pane, "hello", "Hello web page");

    // a name, a parameter and a memory override, each typed over the value
    // shown (a focused field is selected as a whole)
    pane.text("kept-name");
    pane.keys(&["Tab"]);
    pane.text("Bonjour relaunch");
    pane.keys(&["Tab"]);
    pane.text("0.1");
    let screen = pane.wait_for("the values typed", 5, |s| {
        field_line(s, "web memory (GiB)").contains("0.1")
    });
    assert!(
        field_line(&screen, "Greeting").contains("Bonjour relaunch"),
        "{screen}"
    );
    let first = launch_until_running(&pane, "kept-name");
    assert_eq!(memory_of(&e, &first), [(TENTH_GIB, TENTH_GIB)]);

    // terminate it, then `r` on it: the form has everything again
    pane.terminate(&first);
    pane.keys(&["r"]);
    let screen = pane.wait_for("the relaunch form", 10, |s| {
        s.contains("start Hello web page") && s.contains("placement preview")
    });
    assert!(
        field_line(&screen, "Execution name").contains("kept-name"),
        "{screen}"
    );
    assert!(
        field_line(&screen, "Greeting").contains("Bonjour relaunch"),
        "{screen}"
    );
    assert!(
        field_line(&screen, "web memory (GiB)").contains("0.1 "),
        "{screen}"
    );

    // launched as it is: the new execution gets the same memory
    let second = launch_until_running(&pane, "kept-name");
    assert_ne!(first, second, "{second}");
    assert_eq!(memory_of(&e, &second), [(TENTH_GIB, TENTH_GIB)]);
    let screen = pane.screen();
    assert!(
        screen
            .lines()
            .any(|l| l.contains(&second) && l.contains("kept-name")),
        "the same name: {screen}"
    );
    pane.terminate(&second);
    assert_eq!(
        e.leftovers("local", &second).0 + e.leftovers("remote", &second).0,
        0
    );
    pane.keys(&["q"]);
}

#[test]
fn a_relaunch_of_an_execution_another_console_started_keeps_its_overrides() {
    let Some(e) = ready() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    // another console (its own cache) starts it with overrides
    let other = tempfile::tempdir().unwrap();
    let started = setup.zoe_in(
        other.path(),
        &[
            "start",
            "web-hello-0",
            "--name",
            "elsewhere",
            "-p",
            "GREETING=from the other console",
            "--memory",
            "web=0.1",
            "--cores",
            "web=0.25",
            "-o",
            "json",
        ],
    );
    assert_eq!(started.code, 0, "{}", started.stderr);
    let id = execution_id(&serde_json::from_str(&started.stdout).unwrap());

    // this console knows it from the cluster's labels only
    let pane = open_zoe(&setup, "");
    pane.wait_for("both hosts online", 30, |s| s.contains("2/2 hosts online"));
    pane.keys(&["2"]);
    pane.wait_for("the execution", 20, |s| {
        s.lines()
            .any(|l| l.contains(&id) && l.contains(" running "))
    });
    pane.keys(&["r"]);
    let screen = pane.wait_for("the relaunch form", 10, |s| {
        s.contains("start Hello web page") && s.contains("placement preview")
    });
    assert!(
        field_line(&screen, "Execution name").contains("elsewhere"),
        "{screen}"
    );
    assert!(
        field_line(&screen, "Greeting").contains("from the other console"),
        "{screen}"
    );
    assert!(
        field_line(&screen, "web memory (GiB)").contains("0.1 "),
        "{screen}"
    );
    assert!(
        field_line(&screen, "web cores").contains("0.25 "),
        "{screen}"
    );
    pane.keys(&["Escape", "q"]);
    let killed = setup.zoe_in(other.path(), &["kill", &id]);
    assert_eq!(killed.code, 0, "{}", killed.stderr);
    assert_eq!(
        e.leftovers("local", &id).0 + e.leftovers("remote", &id).0,
        0
    );
}

#[test]
fn a_failed_launch_keeps_the_form_and_its_values_and_a_fix_launches() {
    let Some(e) = ready() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let pane = open_zoe(&setup, "");
    open_form(&pane, "Environment", "Environment and command");

    // a greeting, and a command that does not exist: the form accepts it,
    // the engine cannot start it
    pane.keys(&["Tab"]);
    pane.text("kept greeting");
    pane.keys(&["Tab", "Tab"]);
    pane.text("/no/such/zoe-binary --flag");
    pane.wait_for("the command typed", 5, |s| {
        field_line(s, "Command").contains("/no/such/zoe-binary --flag")
    });
    let started = std::time::Instant::now();
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the failure beside the form", 60, |s| {
        s.contains("launch failed") && s.contains("zoe-binary")
    });
    eprintln!(
        "the launch failed and the form said why within {:?}",
        started.elapsed()
    );
    // the form is still there with every value
    assert!(screen.contains("start Environment and command"), "{screen}");
    assert!(
        field_line(&screen, "Greeting").contains("kept greeting"),
        "{screen}"
    );
    assert!(
        field_line(&screen, "Command").contains("/no/such/zoe-binary --flag"),
        "{screen}"
    );
    // the error beside the form is the engine's, about that command
    assert!(
        screen
            .lines()
            .skip_while(|l| !l.contains("launch failed"))
            .take(12)
            .any(|l| l.contains("no such file") || l.contains("not found")),
        "{screen}"
    );

    // fix the command (still focused) and launch again: it runs, the form
    // closes, the executions view shows it
    pane.keys(&["C-u"]);
    pane.text("sleep 60");
    pane.wait_for("the fixed command", 5, |s| {
        field_line(s, "Command").contains("sleep 60")
    });
    let id = launch_until_running(&pane, "env-command");
    let screen = pane.screen();
    assert!(
        !screen.contains("start Environment and command"),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.contains(&id) && l.contains(" running ")),
        "{screen}"
    );
    pane.terminate(&id);
    assert_eq!(
        e.leftovers("local", &id).0 + e.leftovers("remote", &id).0,
        0
    );
    pane.keys(&["q"]);
}
