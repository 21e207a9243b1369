//! The terminal UI's states and rules against the real daemons, as a user
//! sees them: the real binary in tmux (120×36), each test with its own
//! deployment, its state checked on the screen, with `zoe ps -a -o json`
//! (same settings and cache) and with the docker CLI.
//!
//! * pairs of launches 0.5, 1, 2 and 3 s apart stay `running` through two
//!   periodic refreshes, their containers still there;
//! * a launch that does not fit now is `queued`, and starts by itself
//!   within seconds of `zoe kill` freeing room, the TUI still open;
//! * a request larger than any host is refused with each host's reason,
//!   and leaves no queued execution;
//! * an essential container killed: the execution is shown as no longer
//!   running within seconds of a refresh, other keys and `ctrl-r` keep
//!   working during the teardown, and the final state (error, with the
//!   reason) is shown;
//! * the rules both fronts share: the quota refusal (the CLI's text), the
//!   read-only mode, the guard on a launch another console has under way.
//!
//! Needs tmux and the test engines (scripts/test.sh provides both); skipped
//! without them unless ZOE_REQUIRE_ENGINES=1. A failing test reports every
//! check that failed, with the screen, `zoe ps` and the daemons' view.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::engines::{
    Engines, Setup, custom_shop, execution_id, service, service_running, two_hosts,
};
use common::tmux::{Pane, open_zoe, ready};
use serde_json::{Value, json};

/// The `remote` daemon alone.
fn remote_only(e: &Engines) -> String {
    format!(
        "[DEFAULT]\nuse_tls: no\n\n[remote]\ndocker_address: {}\nexternal_address: 127.0.0.1\n",
        e.docker_host("remote")
    )
}

/// Adds settings to the setup's `zoe.toml`: top-level keys first, then
/// tables.
fn add_settings(setup: &Setup, extra: &str) {
    let mut text = std::fs::read_to_string(&setup.config).unwrap();
    text.push_str(extra);
    std::fs::write(&setup.config, text).unwrap();
}

/// The terminal UI (`zoe ARGS`) of this setup, in a 120×36 tmux pane, with
/// the same settings, cache and user as [`Setup::zoe`].
fn open_tui(setup: &Setup, args: &str) -> Pane {
    open_zoe(setup, args)
}

fn wait_online(pane: &Pane, hosts: usize) {
    let online = format!("{hosts}/{hosts} hosts online");
    pane.wait_for(&online, 30, |s| s.contains(&online));
}

/// From any view (not while typing): the shop, `s` on its only entry, and
/// the start form with its preview drawn. Enter then launches.
fn open_form(pane: &Pane) {
    pane.keys(&["1", "s"]);
    pane.wait_for("the start form", 10, |s| s.contains("placement preview"));
}

/// Polls the screen until `check` holds: the screen and how long it took,
/// or the last screen.
fn poll_screen(
    pane: &Pane,
    within: Duration,
    check: impl Fn(&str) -> bool,
) -> Result<(String, Duration), String> {
    let start = Instant::now();
    loop {
        let screen = pane.screen();
        if check(&screen) {
            return Ok((screen, start.elapsed()));
        }
        if start.elapsed() >= within {
            return Err(screen);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One row of the executions view (wide layout): id, status, `up/total`.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: String,
    status: String,
    up: String,
    line: String,
}

const STATUSES: &[&str] = &[
    "submitted",
    "queued",
    "starting",
    "running",
    "cleaning up",
    "terminated",
    "error",
];

/// The executions view's rows on `screen`: lines with the owner `tester`,
/// the status right after it.
fn rows(screen: &str) -> Vec<Row> {
    screen
        .lines()
        .filter_map(|l| {
            let l = l.trim_matches(|c: char| c == '│' || c.is_whitespace());
            let (head, tail) = l.split_once(" tester ")?;
            let id = head.split_whitespace().next()?.to_string();
            let tail = tail.trim_start();
            let status = STATUSES.iter().find(|s| tail.starts_with(*s))?;
            let up = tail[status.len()..]
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            Some(Row {
                id,
                status: status.to_string(),
                up,
                line: l.to_string(),
            })
        })
        .collect()
}

fn row_of(screen: &str, id: &str) -> Option<Row> {
    rows(screen).into_iter().find(|r| r.id == id)
}

/// `zoe ps -a -o json`: every execution of the deployment.
fn ps(setup: &Setup) -> Vec<Value> {
    let run = setup.zoe(&["ps", "-a", "-o", "json"]);
    assert_eq!(run.code, 0, "zoe ps: {}", run.stderr);
    serde_json::from_str::<Value>(&run.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn ps_row<'a>(rows: &'a [Value], id: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["id"] == id)
}

/// `id: status (reason)` for each row, for messages.
fn ps_summary(rows: &[Value]) -> String {
    rows.iter()
        .map(|r| {
            format!(
                "{}: {} up {} ({})",
                r["id"].as_str().unwrap_or("?"),
                r["status"].as_str().unwrap_or("?"),
                r["up"],
                r["reason"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Containers of an execution on both daemons: (all, running).
fn containers(e: &Engines, id: &str) -> (usize, usize) {
    let filter = format!("label=zoe_execution_id={id}");
    let count = |args: &[&str]| -> usize {
        ["local", "remote"]
            .iter()
            .map(|h| {
                String::from_utf8_lossy(&e.docker(h, args).stdout)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .count()
            })
            .sum()
    };
    (
        count(&["ps", "-aq", "--filter", &filter]),
        count(&["ps", "-q", "--filter", &filter]),
    )
}

/// Checks that fail the test at the end, all of them reported at once
/// with their evidence.
#[derive(Default)]
struct Findings {
    failed: Vec<String>,
}

impl Findings {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            let what = what();
            eprintln!("FAILED CHECK: {what}");
            self.failed.push(what);
        }
    }

    fn fail(&mut self, what: String) {
        self.check(false, || what);
    }

    fn finish(self) {
        assert!(
            self.failed.is_empty(),
            "{} check(s) failed:\n\n{}",
            self.failed.len(),
            self.failed.join("\n\n----\n\n")
        );
    }
}

/// A service that says `up` and runs until stopped.
fn quick(name: &str, order: i64) -> Value {
    service(name, "zoe-demo/busybox:1", order, &[])
}

/// Two launches from the TUI `gap` apart: both reach `running`, and after
/// two periodic refreshes (10 s each) both are still running, none closed
/// as an error, their containers all there.
fn pair_of_launches_stays_running(gap: Duration) {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    custom_shop(
        shop.path(),
        json!([quick("alpha", 0), quick("beta", 1), quick("gamma", 1)]),
    );
    let setup = Setup::with_shop(&two_hosts(&e, ""), shop.path());
    let pane = open_tui(&setup, "");
    wait_online(&pane, 2);
    let mut findings = Findings::default();

    open_form(&pane);
    let first = Instant::now();
    pane.tmux(&["send-keys", "Enter"]);
    open_form(&pane);
    let ready_at = first.elapsed();
    assert!(
        ready_at < gap,
        "the second form took {ready_at:?} to open: the gap of {gap:?} cannot be kept"
    );
    std::thread::sleep(gap - ready_at);
    let actual = first.elapsed();
    pane.tmux(&["send-keys", "Enter"]);
    eprintln!("second launch {actual:?} after the first (asked {gap:?})");

    // both reach running (as the executions view shows them), or one ends
    pane.keys(&["2"]);
    let settled = |s: &str| {
        let r = rows(s);
        (r.len() == 2 && r.iter().all(|r| r.status == "running" && r.up == "3/3"))
            || r.iter()
                .any(|r| ["error", "terminated"].contains(&r.status.as_str()))
    };
    let screen = match poll_screen(&pane, Duration::from_secs(60), settled) {
        Ok((screen, took)) => {
            eprintln!("settled {took:?} after the second launch");
            screen
        }
        Err(screen) => screen,
    };
    let ids: Vec<String> = rows(&screen).into_iter().map(|r| r.id).collect();
    if ids.len() != 2
        || rows(&screen)
            .iter()
            .any(|r| r.status != "running" || r.up != "3/3")
    {
        let listed = ps(&setup);
        let on_daemons: Vec<String> = listed
            .iter()
            .map(|r| {
                let id = r["id"].as_str().unwrap();
                let (all, running) = containers(&e, id);
                format!("{id}: {running} running of {all}")
            })
            .collect();
        findings.fail(format!(
            "the two launches {actual:?} apart did not both reach running 3/3 and stay so; screen:\n{screen}\nzoe ps: {}\ncontainers on the daemons: {}",
            ps_summary(&listed),
            on_daemons.join("; ")
        ));
        pane.keys(&["q"]);
        return findings.finish();
    }

    // two periodic refreshes: nothing may close either of them meanwhile
    let until = Instant::now() + Duration::from_secs(22);
    let mut seen_wrong: Option<String> = None;
    while Instant::now() < until {
        let screen = pane.screen();
        let now = rows(&screen);
        let wrong = ids.iter().any(|id| {
            now.iter()
                .find(|r| &r.id == id)
                .is_none_or(|r| r.status != "running")
        });
        if wrong && seen_wrong.is_none() {
            seen_wrong = Some(screen);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    if let Some(screen) = seen_wrong {
        findings.fail(format!(
            "launches {actual:?} apart: an execution left `running` on the screen within 22 s:\n{screen}"
        ));
    }
    let screen = pane.screen();
    let listed = ps(&setup);
    for id in &ids {
        let row = ps_row(&listed, id);
        findings.check(
            row.is_some_and(|r| r["status"] == "running"),
            || {
                format!(
                    "launches {actual:?} apart: {id} is not running for `zoe ps` after two refreshes: {}\nscreen:\n{screen}",
                    ps_summary(&listed)
                )
            },
        );
        let (all, running) = containers(&e, id);
        findings.check(running == 3 && all == 3, || {
            format!(
                "launches {actual:?} apart: {id} has {running} running of {all} containers on the daemons (3 expected)"
            )
        });
        findings.check(
            row_of(&screen, id).is_some_and(|r| r.status == "running" && r.up == "3/3"),
            || format!("launches {actual:?} apart: {id} is not shown running 3/3:\n{screen}"),
        );
    }
    findings.check(!listed.iter().any(|r| r["status"] == "error"), || {
        format!("an execution ended in error: {}", ps_summary(&listed))
    });
    findings.check(listed.len() == 2, || {
        format!("two executions expected: {}", ps_summary(&listed))
    });
    pane.keys(&["q"]);
    findings.finish();
}

#[test]
fn two_launches_half_a_second_apart_stay_running() {
    pair_of_launches_stays_running(Duration::from_millis(500));
}

#[test]
fn two_launches_one_second_apart_stay_running() {
    pair_of_launches_stays_running(Duration::from_secs(1));
}

#[test]
fn two_launches_two_seconds_apart_stay_running() {
    pair_of_launches_stays_running(Duration::from_secs(2));
}

#[test]
fn two_launches_three_seconds_apart_stay_running() {
    pair_of_launches_stays_running(Duration::from_secs(3));
}

/// The cores of the `remote` daemon, as `zoe nodes` reads them.
fn cores_total(setup: &Setup) -> f64 {
    let nodes = setup.json(&["nodes"]);
    let cores = nodes[0]["cores_total"].as_f64().unwrap();
    assert!(cores > 0.0, "{nodes}");
    cores
}

/// One essential service running until stopped, asking for `cores`.
fn hungry(cores: f64) -> Value {
    let mut s = quick("big", 0);
    s["resources"]["cores"]["min"] = json!(cores);
    s
}

#[test]
fn a_queued_launch_starts_by_itself_when_room_frees_up() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = Setup::with_shop(&remote_only(&e), shop.path());
    add_settings(&setup, "max_cores = 1024\n");
    let total = cores_total(&setup);
    // about two thirds of the host: one fits, two do not
    let cores = (total * 0.65 * 10.0).round() / 10.0;
    custom_shop(shop.path(), json!([hungry(cores)]));
    let mut findings = Findings::default();

    let first = setup.zoe(&["start", "custom-0", "--name", "first", "-o", "json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let first: Value = serde_json::from_str(&first.stdout).unwrap();
    let first = first["execution"].as_str().unwrap().to_string();

    let pane = open_tui(&setup, "");
    wait_online(&pane, 1);
    open_form(&pane);
    pane.keys(&["Enter"]);
    pane.keys(&["2"]);
    let (screen, _) = poll_screen(&pane, Duration::from_secs(20), |s| {
        rows(s).iter().any(|r| r.status == "queued")
    })
    .unwrap_or_else(|screen| {
        panic!(
            "the second launch ({cores} cores of {total}, {cores} taken) is not shown queued; screen:\n{screen}\nzoe ps: {}",
            ps_summary(&ps(&setup))
        )
    });
    let second = rows(&screen)
        .into_iter()
        .find(|r| r.status == "queued")
        .unwrap()
        .id;
    assert_ne!(second, first);
    let listed = ps(&setup);
    findings.check(
        ps_row(&listed, &second).is_some_and(|r| r["status"] == "queued"),
        || {
            format!(
                "{second} is not queued for `zoe ps`: {}",
                ps_summary(&listed)
            )
        },
    );
    // the nodes view lists it in the queue, with why
    pane.keys(&["3"]);
    if let Err(screen) = poll_screen(&pane, Duration::from_secs(5), |s| {
        s.contains(" queue (1) ") && s.contains(&second)
    }) {
        findings.fail(format!(
            "the nodes view does not list {second} in its queue:\n{screen}"
        ));
    }
    pane.keys(&["2"]);

    let kill = setup.zoe(&["kill", &first]);
    assert_eq!(kill.code, 0, "{}", kill.stderr);
    let freed = Instant::now();
    match poll_screen(&pane, Duration::from_secs(20), |s| {
        row_of(s, &second).is_some_and(|r| r.status == "running" && r.up == "1/1")
    }) {
        Ok((_, took)) => eprintln!("{second} running {took:?} after `zoe kill {first}`"),
        Err(screen) => findings.fail(format!(
            "{second} did not start within 20 s of `zoe kill` freeing room (queue polls every 3 s); screen:\n{screen}\nzoe ps: {}",
            ps_summary(&ps(&setup))
        )),
    }
    eprintln!("checked {:?} after the kill", freed.elapsed());
    let listed = ps(&setup);
    findings.check(
        ps_row(&listed, &second).is_some_and(|r| r["status"] == "running"),
        || {
            format!(
                "{second} is not running for `zoe ps`: {}",
                ps_summary(&listed)
            )
        },
    );
    let (all, running) = containers(&e, &second);
    findings.check(running == 1 && all == 1, || {
        format!("{second}: {running} running of {all} containers on the daemons (1 expected)")
    });
    pane.keys(&["q"]);
    findings.finish();
}

#[test]
fn a_request_larger_than_any_host_is_refused_with_each_hosts_reason() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = Setup::with_shop(&two_hosts(&e, ""), shop.path());
    add_settings(&setup, "max_cores = 1024\n");
    let nodes = setup.json(&["nodes"]);
    let largest = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["cores_total"].as_f64().unwrap())
        .fold(0.0, f64::max);
    let cores = (largest * 4.0 + 1.0).round();
    custom_shop(shop.path(), json!([hungry(cores)]));
    let mut findings = Findings::default();

    let pane = open_tui(&setup, "");
    wait_online(&pane, 2);
    open_form(&pane);
    pane.keys(&["Enter"]);
    // the form stays, and the refusal with a host's reason is shown under
    // it (the launch failed)…
    let reason = |s: &str, host: &str| s.contains(&format!("{host}: cores short by"));
    let refused =
        |s: &str| s.contains("launch failed") && ["local", "remote"].iter().any(|h| reason(s, h));
    match poll_screen(&pane, Duration::from_secs(15), refused) {
        Ok((screen, took)) => {
            eprintln!("refused after {took:?}:\n{screen}");
            // …naming every host with its reason
            findings.check(
                ["local", "remote"].iter().all(|h| reason(&screen, h)),
                || {
                    format!(
                        "the refusal of {cores} cores does not give every host's reason (local and remote); screen:\n{screen}"
                    )
                },
            );
        }
        Err(screen) => findings.fail(format!(
            "a request of {cores} cores (hosts of at most {largest}) is not shown refused with a host's reason; screen:\n{screen}"
        )),
    }
    // past a queue poll, nothing waits and nothing runs
    std::thread::sleep(Duration::from_secs(4));
    let listed = ps(&setup);
    findings.check(
        listed.iter().all(|r| {
            !["queued", "submitted", "starting", "running"].contains(&r["status"].as_str().unwrap())
        }),
        || {
            format!(
                "a request that fits nowhere is still waiting or running: {}",
                ps_summary(&listed)
            )
        },
    );
    for r in &listed {
        let id = r["id"].as_str().unwrap();
        findings.check(containers(&e, id).0 == 0, || {
            format!("{id} has containers on the daemons")
        });
    }
    // the form (still open after the failure) closes with esc
    pane.keys(&["Escape", "2"]);
    let screen = pane.wait_for("the executions view", 5, |s| s.contains(" executions ("));
    findings.check(!rows(&screen).iter().any(|r| r.status == "queued"), || {
        format!("a queued row is shown:\n{screen}")
    });
    pane.keys(&["q"]);
    findings.finish();
}

#[test]
fn a_killed_essential_container_is_shown_at_once_and_the_ui_stays_live() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    // five workers that ignore SIGTERM: each takes the whole grace period
    // (2 s) to stop, so the teardown lasts about 10 s
    let mut workers = service_running("worker", "sh -c 'while true; do sleep 1; done'");
    workers["total_count"] = json!(5);
    workers["essential_count"] = json!(5);
    workers["startup_order"] = json!(1);
    workers["monitor"] = json!(false);
    custom_shop(shop.path(), json!([quick("boss", 0), workers]));
    let setup = Setup::with_shop(&two_hosts(&e, ""), shop.path());
    let mut findings = Findings::default();

    let pane = open_tui(&setup, "");
    wait_online(&pane, 2);
    open_form(&pane);
    pane.keys(&["Enter"]);
    pane.keys(&["2"]);
    let (screen, _) = poll_screen(&pane, Duration::from_secs(60), |s| {
        rows(s)
            .iter()
            .any(|r| r.status == "running" && r.up == "6/6")
    })
    .unwrap_or_else(|screen| panic!("the execution never ran 6/6; screen:\n{screen}"));
    let id = rows(&screen)[0].id.clone();
    let listed = ps(&setup);
    let host = ps_row(&listed, &id).unwrap()["hosts"][0]
        .as_str()
        .unwrap()
        .to_string();
    let boss = e.docker_ok(
        &host,
        &[
            "ps",
            "-q",
            "--filter",
            &format!("label=zoe_execution_id={id}"),
            "--filter",
            "name=^boss0-",
        ],
    );
    assert!(!boss.is_empty(), "the boss container of {id} on {host}");

    // kill the essential service and ask for a refresh at once
    e.docker_ok(&host, &["kill", &boss]);
    pane.keys(&["C-r"]);
    let asked = Instant::now();
    match poll_screen(&pane, Duration::from_secs(5), |s| {
        row_of(s, &id).is_some_and(|r| r.status != "running")
    }) {
        Ok((screen, took)) => eprintln!(
            "shown as {} {took:?} after ctrl-r",
            row_of(&screen, &id).unwrap().status
        ),
        Err(screen) => findings.fail(format!(
            "{id} still shown running 5 s after its essential container was killed and ctrl-r pressed; screen:\n{screen}\nzoe ps: {}",
            ps_summary(&ps(&setup))
        )),
    }

    // during the teardown (once two workers stopped, so that a stale screen
    // shows more up than run): views switch, and ctrl-r shows the cluster
    // as it is
    let mid = Instant::now();
    while containers(&e, &id).1 > 3 && mid.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let before = containers(&e, &id).1;
    if before == 0 {
        // a teardown this short blocks nothing worth testing
        eprintln!(
            "the teardown was over before the keys could be tried ({:?} after ctrl-r)",
            asked.elapsed()
        );
    } else {
        pane.keys(&["3"]);
        if let Err(screen) =
            poll_screen(&pane, Duration::from_secs(2), |s| s.contains(" nodes (2) "))
        {
            findings.fail(format!(
                "`3` did not show the nodes view during the teardown:\n{screen}"
            ));
        }
        pane.keys(&["2"]);
        if let Err(screen) = poll_screen(&pane, Duration::from_secs(2), |s| {
            s.contains(" executions (") && row_of(s, &id).is_some()
        }) {
            findings.fail(format!(
                "`2` did not show the executions view during the teardown:\n{screen}"
            ));
        }
        let shown = row_of(&pane.screen(), &id).map(|r| r.up);
        let running_now = containers(&e, &id).1;
        pane.keys(&["C-r"]);
        let up_at_most = |r: &Row| {
            r.up.split('/')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n <= running_now)
        };
        match poll_screen(&pane, Duration::from_secs(4), |s| {
            row_of(s, &id).is_some_and(|r| up_at_most(&r))
        }) {
            Ok((screen, took)) => eprintln!(
                "during the teardown ctrl-r showed {:?} up (was {shown:?}; {running_now} running on the daemons) after {took:?}",
                row_of(&screen, &id).unwrap().up
            ),
            Err(screen) => findings.fail(format!(
                "ctrl-r during the teardown did not bring the screen up to date within 4 s: {running_now} containers of {id} were running when it was pressed (the screen showed {shown:?} up, now {:?}); screen:\n{screen}",
                row_of(&screen, &id).map(|r| r.up)
            )),
        }
        let still = containers(&e, &id).1;
        eprintln!(
            "teardown: {before} running when the keys were tried, {still} after; {:?} since ctrl-r",
            asked.elapsed()
        );
    }

    // the final state, with the reason
    match poll_screen(&pane, Duration::from_secs(60), |s| {
        row_of(s, &id).is_some_and(|r| r.status == "error")
    }) {
        Ok(_) => {
            pane.keys(&["Enter"]);
            if let Err(screen) = poll_screen(&pane, Duration::from_secs(5), |s| {
                s.contains("Essential service boss0 died")
            }) {
                findings.fail(format!(
                    "the inspect pane does not give the reason:\n{screen}"
                ));
            }
        }
        Err(screen) => findings.fail(format!(
            "{id} never shown as error within 60 s; screen:\n{screen}"
        )),
    }
    let listed = ps(&setup);
    findings.check(
        ps_row(&listed, &id).is_some_and(|r| {
            r["status"] == "error"
                && r["reason"]
                    .as_str()
                    .is_some_and(|why| why.contains("Essential service boss0 died"))
        }),
        || {
            format!(
                "`zoe ps` does not show the error with its reason: {}",
                ps_summary(&listed)
            )
        },
    );
    let (_, running) = containers(&e, &id);
    findings.check(running == 0, || {
        format!("{running} containers of {id} still run after the teardown")
    });
    pane.keys(&["q"]);
    findings.finish();
}

#[test]
fn a_launch_over_the_quota_gets_the_clis_refusal() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    custom_shop(shop.path(), json!([quick("alpha", 0)]));
    let setup = Setup::with_shop(&two_hosts(&e, ""), shop.path());
    add_settings(&setup, "[quota]\nconcurrent_executions = 1\n");
    let mut findings = Findings::default();

    let one = setup.zoe(&["start", "custom-0", "--name", "one", "-o", "json"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    let one: Value = serde_json::from_str(&one.stdout).unwrap();
    let one = one["execution"].as_str().unwrap().to_string();
    let cli = setup.zoe(&["start", "custom-0", "--name", "two"]);
    assert_eq!(cli.code, 1, "{}{}", cli.stdout, cli.stderr);
    // the CLI's refusal, up to where the TUI's failure panel may wrap it
    let refusal = "quota exceeded: you cannot run more than 1 execution at a time";
    assert!(
        cli.stderr.contains(refusal) && cli.stderr.contains("(quota `default`, 1 active)"),
        "the CLI's refusal names the quota: {}",
        cli.stderr
    );

    let pane = open_tui(&setup, "");
    wait_online(&pane, 2);
    open_form(&pane);
    pane.keys(&["Enter"]);
    // the form stays, the refusal under it
    match poll_screen(&pane, Duration::from_secs(15), |s| {
        s.contains("launch failed") && s.contains(refusal)
    }) {
        Ok((screen, _)) => eprintln!("refused:\n{screen}"),
        Err(screen) => findings.fail(format!(
            "the TUI does not show the CLI's refusal `{refusal}`; screen:\n{screen}"
        )),
    }
    std::thread::sleep(Duration::from_secs(2));
    let listed = ps(&setup);
    let active: Vec<&Value> = listed
        .iter()
        .filter(|r| !["terminated", "error"].contains(&r["status"].as_str().unwrap()))
        .collect();
    findings.check(active.len() == 1 && active[0]["id"] == one.as_str(), || {
        format!("only `one` may be active: {}", ps_summary(&listed))
    });
    pane.keys(&["q"]);
    findings.finish();
}

#[test]
fn readonly_refuses_launch_terminate_and_relaunch_in_the_tui() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    custom_shop(shop.path(), json!([quick("alpha", 0)]));
    let setup = Setup::with_shop(&two_hosts(&e, ""), shop.path());
    let mut findings = Findings::default();
    let started = setup.zoe(&["start", "custom-0", "--name", "kept", "-o", "json"]);
    assert_eq!(started.code, 0, "{}", started.stderr);
    let started: Value = serde_json::from_str(&started.stdout).unwrap();
    let id = started["execution"].as_str().unwrap().to_string();

    let pane = open_tui(&setup, "--readonly");
    wait_online(&pane, 2);
    let screen = pane.screen();
    findings.check(screen.contains("read-only"), || {
        format!("the header does not say read-only:\n{screen}")
    });
    // launching
    pane.keys(&["s"]);
    match poll_screen(&pane, Duration::from_secs(3), |s| {
        s.lines().last().is_some_and(|l| l.contains("read-only"))
    }) {
        Ok((screen, _)) => findings.check(!screen.contains("placement preview"), || {
            format!("the start form opened in read-only mode:\n{screen}")
        }),
        Err(screen) => findings.fail(format!(
            "`s` in read-only mode gives no read-only message:\n{screen}"
        )),
    }
    // terminating
    pane.keys(&["2"]);
    let screen = pane.wait_for("the execution", 20, |s| {
        row_of(s, &id).is_some_and(|r| r.status == "running")
    });
    findings.check(!screen.contains("t terminate"), || {
        format!("the terminate key is offered in read-only mode:\n{screen}")
    });
    pane.keys(&["t"]);
    match poll_screen(&pane, Duration::from_secs(3), |s| {
        s.lines().last().is_some_and(|l| l.contains("read-only"))
    }) {
        Ok((screen, _)) => findings.check(!screen.contains(&format!("Terminate {id}?")), || {
            format!("terminate asks for confirmation in read-only mode:\n{screen}")
        }),
        Err(screen) => findings.fail(format!(
            "`t` in read-only mode gives no read-only message:\n{screen}"
        )),
    }
    pane.keys(&["y"]);
    // relaunching (after a move clears the message)
    pane.keys(&["k"]);
    pane.wait_for("the message to clear", 3, |s| {
        s.lines().last().is_some_and(|l| !l.contains("read-only"))
    });
    pane.keys(&["r"]);
    match poll_screen(&pane, Duration::from_secs(3), |s| {
        s.lines().last().is_some_and(|l| l.contains("read-only"))
    }) {
        Ok((screen, _)) => findings.check(!screen.contains("placement preview"), || {
            format!("relaunch opened the start form in read-only mode:\n{screen}")
        }),
        Err(screen) => findings.fail(format!(
            "`r` in read-only mode gives no read-only message:\n{screen}"
        )),
    }
    std::thread::sleep(Duration::from_secs(2));
    let listed = ps(&setup);
    findings.check(
        listed.len() == 1 && ps_row(&listed, &id).is_some_and(|r| r["status"] == "running"),
        || format!("read-only changed the executions: {}", ps_summary(&listed)),
    );
    findings.check(containers(&e, &id).1 == 1, || {
        format!("{id}'s container no longer runs")
    });
    pane.keys(&["q"]);
    findings.finish();
}

/// A child process killed (by its id) when dropped, also when a test fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn terminate_in_the_tui_is_guarded_while_another_console_launches() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    custom_shop(shop.path(), json!([quick("alpha", 0)]));
    let setup = Setup::with_shop(&two_hosts(&e, ""), shop.path());
    let mut findings = Findings::default();
    assert_eq!(setup.zoe(&["ps"]).code, 0, "the cache is made");
    let other = Child(Command::new("sleep").arg("60").spawn().unwrap());
    let id = zoe_console::model::ExecutionId::generate()
        .as_str()
        .to_string();
    setup.insert_in_flight(&id, other.0.id(), &[]);
    assert!(Path::new(&format!("/proc/{}", other.0.id())).exists());

    let pane = open_tui(&setup, "");
    wait_online(&pane, 2);
    pane.keys(&["2"]);
    pane.wait_for("the launch under way", 20, |s| {
        row_of(s, &id).is_some_and(|r| r.status == "starting")
    });
    pane.keys(&["t"]);
    pane.wait_for("the confirmation", 5, |s| {
        s.contains(&format!("Terminate {id}?"))
    });
    pane.keys(&["y"]);
    match poll_screen(&pane, Duration::from_secs(15), |s| {
        s.contains("being launched by another console")
    }) {
        Ok((screen, _)) => eprintln!("guarded:\n{screen}"),
        Err(screen) => findings.fail(format!(
            "`t` on a launch another console has under way does not get the guard; screen:\n{screen}"
        )),
    }
    let listed = ps(&setup);
    findings.check(
        ps_row(&listed, &id).is_some_and(|r| r["status"] == "starting"),
        || format!("the guarded execution changed: {}", ps_summary(&listed)),
    );
    pane.keys(&["q"]);
    findings.finish();
}

/// Usage figures are read only while shown, beside the looks: `zoe nodes
/// --no-usage` leaves them out, `--usage` waits for them (plain `zoe
/// nodes` gives them 300 ms, see tests/nodes_usage.rs), and the terminal
/// UI fills them into its nodes view once it is on screen.
#[test]
fn usage_is_read_only_when_shown() {
    let Some(e) = ready() else { return };
    let setup = Setup::new(&remote_only(&e));
    let id = execution_id(&setup.json(&["start", "web-hello-0"]));
    let plain = setup.json(&["nodes", "--no-usage"]);
    assert!(plain[0]["memory_in_use"].is_null(), "{plain}");
    let node = setup.json(&["nodes", "--usage"])[0].clone();
    assert!(node["memory_in_use"].as_u64().unwrap() > 0, "{node}");
    let service = &node["services"][0];
    assert!(service["memory_in_use"].as_u64().unwrap() > 0, "{service}");
    assert!(service["cores_in_use"].as_f64().is_some(), "{service}");
    let table = setup.zoe(&["nodes", "--usage"]).stdout;
    assert!(
        table.contains(" cores, ") || table.contains(" core, "),
        "{table}"
    );

    let pane = open_tui(&setup, "");
    wait_online(&pane, 1);
    pane.keys(&["3"]);
    // `0.01 cores / 1.2 MiB` in the IN USE column (the reservations say
    // no `cores` before their slash)
    pane.wait_for("usage figures in the nodes view", 20, |s| {
        s.lines().any(|l| {
            l.contains("remote")
                && l.split(" cores / ").nth(1).is_some_and(|after| {
                    after
                        .split_whitespace()
                        .nth(1)
                        .is_some_and(|unit| unit.ends_with('B'))
                })
        })
    });
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
}
