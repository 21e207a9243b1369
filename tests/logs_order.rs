//! The merged log of an execution is ordered by time across its services:
//! three services whose lines interleave in time, one round a second
//! (`alpha k` at 0 s, `bravo k` at 0.25 s, `alpha k+` at 0.5 s, `charlie
//! k` at 0.75 s), come out `alpha 0, bravo 0, alpha 0+, charlie 0, alpha
//! 1, …` from `zoe logs EXEC` (read once and followed) and in the terminal
//! UI's merged view: not one whole service after the other, nor one line
//! of each in turn (alpha says twice as much). Against the real `local`
//! test engine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::engines::{
    Engines, Setup, custom_shop, engines, execution_id, one_host, service_running,
};
use common::tmux::{open_zoe, ready};
use serde_json::json;

const SERVICES: [&str; 3] = ["alpha", "bravo", "charlie"];
const ROUNDS: usize = 5;

/// Lines in a round.
const PER_ROUND: usize = 4;

/// The lines in true time order: `alpha 0`, `bravo 0`, `alpha 0+`,
/// `charlie 0`, …
fn expected() -> Vec<String> {
    (0..ROUNDS)
        .flat_map(|k| {
            [
                format!("alpha {k}"),
                format!("bravo {k}"),
                format!("alpha {k}+"),
                format!("charlie {k}"),
            ]
        })
        .collect()
}

/// A setup on the `local` engine whose shop runs the three talkers: each
/// waits for the same instant (a few seconds from now, so all three have
/// started), then for its part of the second, then prints a line a second
/// (alpha two, half a second apart).
fn talkers(e: &Engines, shop: &std::path::Path) -> Setup {
    let start = chrono::Utc::now().timestamp() + 8;
    let services: Vec<_> = SERVICES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (offset, say) = match i {
                0 => ("0", "echo alpha $k; sleep 0.5; echo alpha $k+; sleep 0.5"),
                1 => ("0.25", "echo bravo $k; sleep 1"),
                _ => ("0.75", "echo charlie $k; sleep 1"),
            };
            let command = format!(
                "sh -c 'until [ $(date +%s) -ge {start} ]; do sleep 0.05; done; sleep {offset}; \
                 for k in {rounds}; do {say}; done; \
                 trap \"exit 0\" TERM; while true; do sleep 1; done'",
                rounds = (0..ROUNDS)
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            service_running(name, &command)
        })
        .collect();
    custom_shop(shop, json!(services));
    Setup::with_shop(&one_host("local", &e.docker_host("local")), shop)
}

/// The texts of `zoe logs` lines (`alpha0  | alpha 0` → `alpha 0`).
fn texts(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split_once(" | ").map(|(_, text)| text.to_string()))
        .collect()
}

#[test]
fn a_merged_backlog_is_ordered_by_time_in_the_cli_and_the_terminal_ui() {
    let Some(e) = engines() else {
        return;
    };
    let shop = tempfile::tempdir().unwrap();
    let setup = talkers(&e, shop.path());
    let id = execution_id(&setup.json(&["start", "custom-0"]));
    // every line printed: the whole log is backlog now
    let deadline = Instant::now() + Duration::from_secs(60);
    let once = loop {
        let run = setup.zoe(&["logs", &id]);
        assert_eq!(run.code, 0, "zoe logs: {}", run.stderr);
        if texts(&run.stdout).len() >= ROUNDS * PER_ROUND || Instant::now() > deadline {
            break run.stdout;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(texts(&once), expected(), "read once:\n{once}");
    // the prefix names the instance
    assert!(
        once.lines().next().unwrap().starts_with("alpha0 "),
        "{once}"
    );

    // with timestamps: never going back in time
    let stamped = setup.zoe(&["logs", &id, "-t"]);
    let stamps: Vec<chrono::DateTime<chrono::FixedOffset>> = stamped
        .stdout
        .lines()
        .map(|l| {
            let (_, rest) = l.split_once(" | ").unwrap();
            chrono::DateTime::parse_from_rfc3339(rest.split(' ').next().unwrap()).unwrap()
        })
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] <= w[1]),
        "{}",
        stamped.stdout
    );

    // followed: the backlog comes in the same order
    let mut follow = setup
        .command(&["logs", &id, "-f"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut lines = Vec::new();
    let mut out = BufReader::new(follow.stdout.take().unwrap());
    while lines.len() < ROUNDS * PER_ROUND {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        lines.push(line);
    }
    let took = started.elapsed();
    let _ = follow.kill();
    let _ = follow.wait();
    eprintln!("zoe logs -f: the merged backlog of 3 services came in {took:?}");
    assert_eq!(
        texts(&lines.concat()),
        expected(),
        "followed:\n{}",
        lines.concat()
    );
    assert!(took < Duration::from_secs(10), "{took:?}");

    // the terminal UI's merged view: the same order on screen
    let Some(_) = ready() else {
        return;
    };
    let pane = open_zoe(&setup, "");
    pane.wait_for("the first screen", 20, |s| s.contains("shop"));
    pane.keys(&[":"]);
    pane.text(&format!("logs {id}"));
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the merged log", 30, |s| s.contains("charlie 4"));
    let shown: Vec<String> = screen
        .lines()
        .filter_map(|l| {
            let (_, rest) = l.split_once(" │ ")?;
            // `│charlie0 │ 14:03:07 charlie 4   │`: after the time
            let rest = rest.trim_end_matches(['│', ' ']);
            let text = rest.split_once(' ').map_or(rest, |(_, t)| t);
            Some(text.trim().to_string())
        })
        .filter(|t| SERVICES.iter().any(|s| t.starts_with(s)))
        .collect();
    assert_eq!(shown, expected(), "the terminal UI:\n{screen}");
    // the services, numbered for their toggles
    assert!(
        screen.contains("1 alpha0") && screen.contains("3 charlie0"),
        "{screen}"
    );
    pane.keys(&["2"]);
    let screen = pane.wait_for("bravo hidden", 10, |s| s.contains("bravo0 (hidden)"));
    assert!(!screen.contains("bravo 3"), "{screen}");
    assert!(screen.contains("15/20 lines"), "{screen}");
}
