//! `zoe logs --since` against a real daemon (the `remote` test engine of
//! `scripts/engines.sh`): absolute times, durations, and a bad value.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use common::engines::{
    REMOTE, Setup, custom_shop, engines, execution_id, one_host, service_running,
};
use serde_json::json;

/// A setup on `docker_conf` whose shop (in `shop`) has one entry,
/// `custom-0`: one `talker` running `command`.
fn talker_setup(docker_conf: &str, shop: &Path, command: &str) -> Setup {
    custom_shop(shop, json!([service_running("talker", command)]));
    Setup::with_shop(docker_conf, shop)
}

/// `zoe logs ID ARGS` (with timestamps), which must succeed: its lines.
fn logs(setup: &Setup, id: &str, args: &[&str]) -> Vec<(DateTime<Utc>, String)> {
    let run = setup.zoe(&[&["logs", id, "-t"], args].concat());
    assert_eq!(run.code, 0, "zoe logs {args:?}: {}", run.stderr);
    run.stdout
        .lines()
        .map(|line| {
            let (ts, text) = line.split_once(' ').unwrap();
            (
                DateTime::parse_from_rfc3339(ts).unwrap().to_utc(),
                text.to_string(),
            )
        })
        .collect()
}

fn texts(lines: &[(DateTime<Utc>, String)]) -> Vec<&str> {
    lines.iter().map(|(_, text)| text.as_str()).collect()
}

fn rfc3339(at: DateTime<Utc>, precision: SecondsFormat) -> String {
    at.to_rfc3339_opts(precision, true)
}

/// A container prints `first`, waits 3 s and prints `second`: `--since`
/// with a time between them gets only `second`, in every form of time.
#[test]
fn since_an_absolute_time_or_a_duration_ago() {
    if engines().is_none() {
        return;
    }
    let shop = tempfile::tempdir().unwrap();
    let setup = talker_setup(
        REMOTE,
        shop.path(),
        "sh -c 'echo first; sleep 3; echo second; trap \"exit 0\" TERM; while true; do sleep 1; done'",
    );
    let id = execution_id(&setup.json(&["start", "custom-0"]));
    let deadline = Instant::now() + Duration::from_secs(60);
    let all = loop {
        let all = logs(&setup, &id, &[]);
        if all.len() >= 2 || Instant::now() > deadline {
            break all;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(texts(&all), ["first", "second"], "{all:?}");
    let (first, second) = (all[0].0, all[1].0);
    assert!(second - first >= TimeDelta::milliseconds(2500), "{all:?}");

    // whole seconds, as in the issue: the second after `first` began
    let between = DateTime::from_timestamp(first.timestamp() + 1, 0).unwrap();
    assert!(first < between && between < second);
    let absolute = rfc3339(between, SecondsFormat::Secs);
    assert!(
        absolute.ends_with('Z') && absolute.len() == 20,
        "{absolute}"
    );
    assert_eq!(
        texts(&logs(&setup, &id, &["--since", &absolute])),
        ["second"]
    );
    // the same instant with an offset
    let paris = chrono::FixedOffset::east_opt(3600).unwrap();
    let offset = between.with_timezone(&paris).to_rfc3339();
    assert!(offset.ends_with("+01:00"), "{offset}");
    assert_eq!(texts(&logs(&setup, &id, &["--since", &offset])), ["second"]);
    // Unix seconds
    let unix = between.timestamp().to_string();
    assert_eq!(texts(&logs(&setup, &id, &["--since", &unix])), ["second"]);
    // finer than Docker's whole seconds: `first`'s own instant keeps it,
    // a nanosecond later drops it, although Docker sends it for its second
    let exact = rfc3339(first, SecondsFormat::Nanos);
    assert_eq!(
        texts(&logs(&setup, &id, &["--since", &exact])),
        ["first", "second"]
    );
    let just_after = rfc3339(first + TimeDelta::nanoseconds(1), SecondsFormat::Nanos);
    assert_eq!(
        texts(&logs(&setup, &id, &["--since", &just_after])),
        ["second"]
    );
    // a date: the local midnight that began the day of `first`
    let date = first
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        texts(&logs(&setup, &id, &["--since", &date])),
        ["first", "second"]
    );

    // durations ago: 90 s reaches back before both lines; a moment after
    // `second`, a second ago reaches neither
    assert_eq!(
        texts(&logs(&setup, &id, &["--since", "90s"])),
        ["first", "second"]
    );
    let elapsed = (Utc::now() - second).num_seconds();
    assert!(
        elapsed < 85,
        "the test ran too slowly to check 90s: {elapsed} s"
    );
    assert_eq!(
        texts(&logs(&setup, &id, &["--since", "1ms"])),
        Vec::<&str>::new(),
        "nothing was printed in the last millisecond"
    );
    let future = rfc3339(Utc::now() + TimeDelta::hours(1), SecondsFormat::Secs);
    assert!(logs(&setup, &id, &["--since", &future]).is_empty());

    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
}

/// A bad `--since` is a usage error (exit 2) that names the value and every
/// form accepted, before any host is asked: none is reachable here.
#[test]
fn a_bad_since_names_the_accepted_forms() {
    let shop = tempfile::tempdir().unwrap();
    let setup = talker_setup(
        &one_host("remote", "tcp://127.0.0.1:9"),
        shop.path(),
        "true",
    );
    for bad in [
        "yesterday",
        "10x",
        "2026-11-29T25:00Z",
        "2026-11-29 at noon",
    ] {
        let run = setup.zoe(&["logs", "someid", "--since", bad]);
        assert_eq!(run.code, 2, "{bad}: {}{}", run.stdout, run.stderr);
        for form in [
            &format!("`{bad}`"),
            "90s",
            "3d",
            "2026-11-29T10:00:00Z",
            "+01:00",
            "2026-11-29",
            "Unix seconds",
        ] {
            assert!(
                run.stderr.contains(form),
                "{bad}: names {form}: {}",
                run.stderr
            );
        }
    }
    let run = setup.zoe(&["logs", "someid", "--since", "1960-01-01"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("before 1970"), "{}", run.stderr);
}
