//! `zoe nodes` against the real daemons: the table answers without waiting
//! for usage figures (Docker gives them at its next sampling tick, about a
//! second), within a short budget; `--usage` waits for them, `--no-usage`
//! reads none. The budget logic itself (slow usage cut off) is unit-tested
//! in src/cli/usage_budget.rs, as a daemon may not be slowed down here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::engines::{Setup, engines, execution_id, two_hosts};

/// The IN USE cell of `host`'s row.
fn in_use(table: &str, host: &str) -> String {
    let header = table.lines().next().unwrap();
    let at = header.find("IN USE").unwrap();
    let end = header.find("CONTAINERS").unwrap();
    let row = table
        .lines()
        .find(|l| l.starts_with(&format!("{host} ")))
        .unwrap_or_else(|| panic!("no row for {host}:\n{table}"));
    row.chars()
        .skip(at)
        .take(end - at)
        .collect::<String>()
        .trim()
        .to_string()
}

#[test]
fn nodes_answers_without_waiting_for_usage_and_usage_waits_when_asked() {
    let Some(e) = engines() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    // nothing of ours runs: usage is known at once (nothing to read)
    let started = Instant::now();
    let run = setup.zoe(&["nodes"]);
    let idle = started.elapsed();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(in_use(&run.stdout, "local"), "none", "{}", run.stdout);
    assert_eq!(in_use(&run.stdout, "remote"), "none", "{}", run.stdout);
    assert!(
        run.stdout.contains("cluster: 2 of 2 nodes online"),
        "{}",
        run.stdout
    );

    // one service running on remote
    let launched = setup.json(&["start", "web-hello-0", "--on", "remote"]);
    let id = execution_id(&launched);
    let started = Instant::now();
    let run = setup.zoe(&["nodes"]);
    let budgeted = started.elapsed();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let remote = in_use(&run.stdout, "remote");
    // within the budget, or marked slow and said so; never waited out
    assert!(
        remote == "n/a (slow)" && run.stdout.contains("`zoe nodes --usage` waits for it")
            || remote.contains("cores,"),
        "{}",
        run.stdout
    );
    assert_eq!(in_use(&run.stdout, "local"), "none", "{}", run.stdout);

    let started = Instant::now();
    let run = setup.zoe(&["nodes", "--usage"]);
    let waited = started.elapsed();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let remote = in_use(&run.stdout, "remote");
    assert!(
        remote.contains("cores,") && !remote.contains(" 0 B"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("n/a (slow)"), "{}", run.stdout);

    let started = Instant::now();
    let run = setup.zoe(&["nodes", "--no-usage"]);
    let skipped = started.elapsed();
    assert_eq!(in_use(&run.stdout, "remote"), "-", "{}", run.stdout);
    assert_eq!(setup.zoe(&["nodes", "--usage", "--no-usage"]).code, 2);
    eprintln!(
        "zoe nodes: idle {idle:?}, with a ZApp {budgeted:?} (budget 300 ms), --usage {waited:?}, --no-usage {skipped:?}"
    );
    // generous bounds (a shared, busy machine): the default answer must
    // not wait for Docker's sampling tick as --usage does
    assert!(budgeted < Duration::from_millis(1500), "{budgeted:?}");
    assert!(
        budgeted + Duration::from_millis(300) < waited,
        "{budgeted:?} vs {waited:?}"
    );
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
}
