use super::*;
use crate::backend::BackendState;
use crate::model::{ExecutionView, InstanceView};

fn record(id: &str, status: ExecutionStatus, submitted: u64, launcher: &str) -> ExecutionRecord {
    ExecutionRecord {
        id: id.into(),
        name: format!("name-{id}"),
        entry: "demo-0".into(),
        owner: "alice".into(),
        deployment: "prod".into(),
        description: Some("{\"name\":\"demo\"}".into()),
        parameters: vec![("worker-service_count".into(), "3".into())],
        status,
        reason: None,
        submitted,
        started: None,
        ended: None,
        hosts: vec![],
        endpoints: Vec::new(),
        launcher: launcher.into(),
        restarts: Vec::new(),
    }
}

const ALL: Answered<'static> = Answered {
    hosts: &[],
    all_configured: true,
    looked_at: u64::MAX,
    foreign: &[],
};

fn answered(hosts: &[String], all: bool) -> Answered<'_> {
    Answered {
        hosts,
        all_configured: all,
        looked_at: u64::MAX,
        foreign: &[],
    }
}

fn view(id: &str, status: ExecutionStatus, submitted: u64) -> ExecutionView {
    ExecutionView {
        id: id.into(),
        name: format!("name-{id}"),
        owner: "bob".into(),
        entry: "demo-0".into(),
        submitted: Some(submitted),
        status,
        reason: (status == ExecutionStatus::Error)
            .then(|| "Essential service m0 died: it exited with code 1".to_string()),
        expected: Some(1),
        instances: vec![InstanceView {
            instance: "m0".into(),
            host: "h1".into(),
            container: "c".into(),
            essential: true,
            state: BackendState::Started,
            engine_status: "running".into(),
            stopped: None,
            exit_code: None,
            ports: vec![],
        }],
        hosts: vec!["h1".into()],
        will_end: Some(false),
        description: Some("{\"name\":\"demo\"}".into()),
        parameters: vec![("p".into(), "1".into())],
        fs_ids: None,
        endpoints: None,
    }
}

/// A launcher tag for a process on this machine that no longer exists.
fn dead_launcher() -> String {
    format!("{}:{}", machine_id(), u32::MAX - 7)
}

#[test]
fn records_round_trip_with_a_timeline() {
    let store = Store::open_in_memory().unwrap();
    assert!(
        store
            .insert(&record("a1", ExecutionStatus::Submitted, 100, ""))
            .unwrap()
    );
    assert!(
        !store
            .insert(&record("a1", ExecutionStatus::Submitted, 100, ""))
            .unwrap(),
        "no duplicates"
    );
    assert!(
        store
            .set_status("prod", "a1", ExecutionStatus::Starting, None, 101)
            .unwrap()
    );
    assert!(
        store
            .set_status("prod", "a1", ExecutionStatus::Running, None, 103)
            .unwrap()
    );
    assert!(
        !store
            .set_status("prod", "a1", ExecutionStatus::Running, None, 104)
            .unwrap(),
        "no change, no log line"
    );
    store
        .set_placement(
            "prod",
            "a1",
            &["h1".into(), "h2".into()],
            &[crate::model::record::Endpoint {
                instance: "m0".into(),
                name: "page".into(),
                url: "http://x".into(),
            }],
        )
        .unwrap();
    assert!(
        store
            .set_status(
                "prod",
                "a1",
                ExecutionStatus::Terminated,
                Some("user alice request"),
                200
            )
            .unwrap()
    );
    assert!(
        !store
            .set_status("prod", "a1", ExecutionStatus::Running, None, 201)
            .unwrap(),
        "ended stays ended"
    );
    let r = store.get("prod", "a1").unwrap().unwrap();
    assert_eq!(
        (r.status, r.started, r.ended),
        (ExecutionStatus::Terminated, Some(103), Some(200))
    );
    assert_eq!(r.reason.as_deref(), Some("user alice request"));
    assert_eq!(r.hosts, ["h1", "h2"]);
    assert_eq!(
        r.parameters,
        vec![("worker-service_count".to_string(), "3".to_string())]
    );
    let statuses: Vec<String> = store
        .timeline("prod", "a1")
        .unwrap()
        .into_iter()
        .map(|(_, s, _)| s)
        .collect();
    assert_eq!(statuses, ["submitted", "starting", "running", "terminated"]);
    assert!(store.list("prod", false).unwrap().is_empty());
    assert_eq!(store.list("prod", true).unwrap().len(), 1);
    assert!(
        store.list("other", true).unwrap().is_empty(),
        "deployments are separate"
    );
}

#[test]
fn reconcile_rebuilds_what_the_cluster_has() {
    let store = Store::open_in_memory().unwrap();
    let report = reconcile(
        &store,
        "prod",
        &[view("x1", ExecutionStatus::Running, 50)],
        ALL,
        100,
    )
    .unwrap();
    assert_eq!(report.rebuilt, ["x1"]);
    let r = store.get("prod", "x1").unwrap().unwrap();
    assert_eq!(
        (r.owner.as_str(), r.status, r.submitted),
        ("bob", ExecutionStatus::Running, 50)
    );
    assert_eq!(r.parameters, vec![("p".to_string(), "1".to_string())]);
    // again: nothing new, nothing duplicated
    let again = reconcile(
        &store,
        "prod",
        &[view("x1", ExecutionStatus::Running, 50)],
        ALL,
        101,
    )
    .unwrap();
    assert_eq!(again, ReconcileReport::default());
    assert_eq!(store.list("prod", true).unwrap().len(), 1);
}

#[test]
fn reconcile_follows_status_changes_with_their_reason() {
    let store = Store::open_in_memory().unwrap();
    store
        .insert(&record("x1", ExecutionStatus::Running, 50, ""))
        .unwrap();
    let report = reconcile(
        &store,
        "prod",
        &[view("x1", ExecutionStatus::Error, 50)],
        ALL,
        100,
    )
    .unwrap();
    assert_eq!(report.updated, [("x1".into(), ExecutionStatus::Error)]);
    let r = store.get("prod", "x1").unwrap().unwrap();
    assert_eq!(
        r.reason.as_deref(),
        Some("Essential service m0 died: it exited with code 1")
    );
}

#[test]
fn vanished_containers_close_the_record_only_when_every_host_answered() {
    let store = Store::open_in_memory().unwrap();
    store
        .insert(&record("gone", ExecutionStatus::Running, 50, ""))
        .unwrap();
    let partial = reconcile(&store, "prod", &[], answered(&[], false), 1000).unwrap();
    assert!(
        partial.closed.is_empty(),
        "a host was offline: it may still hold them"
    );
    let report = reconcile(&store, "prod", &[], ALL, 1000).unwrap();
    assert_eq!(report.closed, ["gone"]);
    let r = store.get("prod", "gone").unwrap().unwrap();
    assert_eq!(
        (r.status, r.reason.as_deref()),
        (
            ExecutionStatus::Error,
            Some("its containers vanished from the cluster")
        )
    );
}

#[test]
fn launches_in_progress_are_left_alone_and_interrupted_ones_reported() {
    let store = Store::open_in_memory().unwrap();
    store
        .insert(&record(
            "mine",
            ExecutionStatus::Starting,
            990,
            &launcher_tag(),
        ))
        .unwrap();
    store
        .insert(&record(
            "dead",
            ExecutionStatus::Starting,
            990,
            &dead_launcher(),
        ))
        .unwrap();
    store
        .insert(&record(
            "halfway",
            ExecutionStatus::Starting,
            990,
            &dead_launcher(),
        ))
        .unwrap();
    store
        .insert(&record(
            "finished",
            ExecutionStatus::Starting,
            990,
            &dead_launcher(),
        ))
        .unwrap();
    store
        .insert(&record(
            "waiting",
            ExecutionStatus::Queued,
            990,
            &dead_launcher(),
        ))
        .unwrap();
    let views = [
        view("halfway", ExecutionStatus::Starting, 990),
        view("finished", ExecutionStatus::Running, 990),
    ];
    let report = reconcile(&store, "prod", &views, ALL, 1000).unwrap();
    let mut interrupted = report.interrupted.clone();
    interrupted.sort();
    assert_eq!(interrupted, ["dead", "halfway"]);
    assert_eq!(report.closed, ["waiting"]);
    assert_eq!(
        store.get("prod", "mine").unwrap().unwrap().status,
        ExecutionStatus::Starting,
        "its console is alive"
    );
    assert_eq!(
        store.get("prod", "finished").unwrap().unwrap().status,
        ExecutionStatus::Running,
        "it made it: keep it"
    );
}

#[test]
fn two_consoles_can_write_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = Store::open(&path).unwrap();
                for i in 0..50 {
                    let id = format!("w{w}e{i}");
                    store
                        .insert(&record(&id, ExecutionStatus::Submitted, i, ""))
                        .unwrap();
                    store
                        .set_status("prod", &id, ExecutionStatus::Running, None, i + 1)
                        .unwrap();
                    let _ = store.list("prod", true).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let store = Store::open(&path).unwrap();
    let all = store.list("prod", true).unwrap();
    assert_eq!(all.len(), 200);
    assert!(all.iter().all(|r| r.status == ExecutionStatus::Running));
    let ok: String = store
        .conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

#[test]
fn a_garbage_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(err.to_string().contains("state.db"), "{err}");
}

#[test]
fn records_on_hosts_this_console_cannot_see_are_not_closed() {
    let store = Store::open_in_memory().unwrap();
    let mut far = record("far", ExecutionStatus::Running, 50, "");
    far.hosts = vec!["h2".into()];
    store.insert(&far).unwrap();
    let mut near = record("near", ExecutionStatus::Running, 50, "");
    near.hosts = vec!["h1".into()];
    store.insert(&near).unwrap();
    // this console only knows h1 (and it answered)
    let hosts = vec!["h1".to_string()];
    let report = reconcile(&store, "prod", &[], answered(&hosts, true), 1000).unwrap();
    assert_eq!(report.closed, ["near"]);
    assert_eq!(
        store.get("prod", "far").unwrap().unwrap().status,
        ExecutionStatus::Running
    );
}

#[test]
fn a_kill_in_progress_is_closed_by_its_cleanup_not_by_a_look() {
    let store = Store::open_in_memory().unwrap();
    store
        .insert(&record("k", ExecutionStatus::Running, 50, ""))
        .unwrap();
    store
        .plan_cleanup(
            "prod",
            "k",
            &["h".to_string()],
            ExecutionStatus::Terminated,
            Some("terminated by alice with zoe kill"),
            "m:1",
            60,
            60,
        )
        .unwrap();
    // half its containers are gone already: not an error, not running
    reconcile(
        &store,
        "prod",
        &[view("k", ExecutionStatus::Error, 50)],
        ALL,
        61,
    )
    .unwrap();
    assert_eq!(
        store.get("prod", "k").unwrap().unwrap().status,
        ExecutionStatus::CleaningUp
    );
    // none seen: still cleaning up until the host confirms it
    reconcile(&store, "prod", &[], ALL, 62).unwrap();
    assert_eq!(
        store.get("prod", "k").unwrap().unwrap().status,
        ExecutionStatus::CleaningUp
    );
    store.cleanup_done("prod", "k", "h", 63).unwrap();
    let r = store.get("prod", "k").unwrap().unwrap();
    assert_eq!(
        (r.status, r.reason.as_deref()),
        (
            ExecutionStatus::Terminated,
            Some("terminated by alice with zoe kill")
        )
    );
}

#[test]
fn an_active_status_clears_an_old_reason() {
    let store = Store::open_in_memory().unwrap();
    store
        .insert(&record("q", ExecutionStatus::Submitted, 50, ""))
        .unwrap();
    store
        .set_status(
            "prod",
            "q",
            ExecutionStatus::Queued,
            Some("no node can take it"),
            51,
        )
        .unwrap();
    store
        .set_status("prod", "q", ExecutionStatus::Running, None, 52)
        .unwrap();
    assert_eq!(store.get("prod", "q").unwrap().unwrap().reason, None);
}

#[test]
fn rebuilt_records_get_their_times() {
    let store = Store::open_in_memory().unwrap();
    reconcile(
        &store,
        "prod",
        &[
            view("ran", ExecutionStatus::Running, 40),
            view("died", ExecutionStatus::Error, 30),
        ],
        ALL,
        100,
    )
    .unwrap();
    let ran = store.get("prod", "ran").unwrap().unwrap();
    assert_eq!((ran.started, ran.ended), (Some(40), None));
    let died = store.get("prod", "died").unwrap().unwrap();
    assert_eq!(
        (died.status, died.ended),
        (ExecutionStatus::Error, Some(100))
    );
    assert!(died.reason.unwrap().contains("m0 died"));
}

#[test]
fn restarts_are_counted_per_instance() {
    let store = Store::open_in_memory().unwrap();
    store
        .insert(&record("r", ExecutionStatus::Running, 1, ""))
        .unwrap();
    store.add_restart("prod", "r", "w1").unwrap();
    store.add_restart("prod", "r", "w1").unwrap();
    store.add_restart("prod", "r", "w2").unwrap();
    store.add_restart("prod", "nosuch", "w1").unwrap();
    assert_eq!(
        store.get("prod", "r").unwrap().unwrap().restarts,
        [("w1".to_string(), 2), ("w2".to_string(), 1)]
    );
}

#[test]
fn a_version_1_cache_is_upgraded_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE executions (id TEXT NOT NULL, deployment TEXT NOT NULL, name TEXT NOT NULL, entry TEXT NOT NULL,
                owner TEXT NOT NULL, description TEXT, parameters TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL, reason TEXT,
                submitted INTEGER NOT NULL, started INTEGER, ended INTEGER, hosts TEXT NOT NULL DEFAULT '',
                endpoints TEXT NOT NULL DEFAULT '[]', launcher TEXT NOT NULL DEFAULT '', PRIMARY KEY (deployment, id));
             CREATE TABLE status_log (deployment TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT);
             CREATE TABLE nodes (deployment TEXT NOT NULL, name TEXT NOT NULL, snapshot TEXT NOT NULL, seen INTEGER NOT NULL, PRIMARY KEY (deployment, name));
             INSERT INTO executions (id, deployment, name, entry, owner, status, submitted) VALUES ('old', 'prod', 'n', 'e', 'o', 'running', 5);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let r = store.get("prod", "old").unwrap().unwrap();
    assert!(r.restarts.is_empty());
    store.add_restart("prod", "old", "w0").unwrap();
    assert_eq!(
        store.get("prod", "old").unwrap().unwrap().restarts,
        [("w0".to_string(), 1)]
    );
}

#[test]
fn an_emptied_cache_file_is_reported_and_a_new_one_is_made_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zoe/state.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.notice(), None, "a new cache is no news");
    store
        .insert(&record("a", ExecutionStatus::Running, 1, ""))
        .unwrap();
    drop(store);
    let names: Vec<String> = std::fs::read_dir(dir.path().join("zoe"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["state.db"], "nothing of its making is left");

    std::fs::File::create(&path).unwrap(); // truncated to 0 bytes
    let store = Store::open(&path).unwrap();
    let notice = store.notice().expect("said");
    assert!(
        notice.contains(&path.display().to_string()) && notice.contains("empty"),
        "{notice}"
    );
    assert!(store.list("prod", true).unwrap().is_empty());
    drop(store);
    assert_eq!(Store::open(&path).unwrap().notice(), None, "said once");
}

/// A file that refuses to grow: SQLite's own `max_page_count` gives the
/// same SQLITE_FULL as a full disk, deterministically.
fn store_that_cannot_grow(path: &std::path::Path, for_reading: bool) -> Store {
    let store = if for_reading {
        Store::open_for_reading(path)
    } else {
        Store::open(path)
    }
    .unwrap();
    let pages: i64 = store
        .conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    store
        .conn
        .pragma_update(None, "max_page_count", pages)
        .unwrap();
    store
}

fn big(id: &str) -> ExecutionRecord {
    let mut r = record(id, ExecutionStatus::Running, 2, "");
    r.description = Some("x".repeat(200_000));
    r
}

#[test]
fn a_full_disk_is_not_damage_and_readers_go_on_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    Store::open(&path)
        .unwrap()
        .insert(&record("old", ExecutionStatus::Running, 1, ""))
        .unwrap();

    // a console that writes is told, and not told to remove the file
    let writer = store_that_cannot_grow(&path, false);
    let err = writer.insert(&big("new")).expect_err("refused");
    assert_eq!(err.trouble, Trouble::Full);
    assert!(err.is_unwritable());
    assert!(!err.to_string().contains("remove"), "{err}");
    assert!(writer.unsaved().is_none());
    drop(writer);

    // a console that reads goes on in memory, and says why
    let reader = store_that_cannot_grow(&path, true);
    assert!(reader.unsaved().is_none());
    assert!(reader.insert(&big("new")).unwrap());
    assert_eq!(reader.unsaved().map(|e| e.trouble), Some(Trouble::Full));
    reader
        .set_status("prod", "old", ExecutionStatus::Error, Some("gone"), 5)
        .unwrap();
    let ids: Vec<String> = reader
        .list("prod", true)
        .unwrap()
        .into_iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(
        ids,
        ["new", "old"],
        "what the file held, and what came after"
    );
    drop(reader);
    let file = Store::open(&path).unwrap();
    assert!(file.get("prod", "new").unwrap().is_none(), "not written");
    assert_eq!(
        file.get("prod", "old").unwrap().unwrap().status,
        ExecutionStatus::Running
    );
}

#[test]
fn reconcile_fills_in_the_endpoints_a_launch_could_not_record() {
    let store = Store::open_in_memory().unwrap();
    store
        .insert(&record(
            "e1",
            ExecutionStatus::Submitted,
            1,
            &dead_launcher(),
        ))
        .unwrap();
    let endpoints = vec![crate::model::record::Endpoint {
        instance: "m0".into(),
        name: "Web".into(),
        url: "http://10.0.0.1:32000/".into(),
    }];
    let mut running = view("e1", ExecutionStatus::Running, 1);
    running.endpoints = Some(endpoints.clone());
    reconcile(&store, "prod", &[running.clone()], ALL, 10).unwrap();
    let r = store.get("prod", "e1").unwrap().unwrap();
    assert_eq!(r.status, ExecutionStatus::Running);
    assert_eq!(r.hosts, ["h1"]);
    assert_eq!(r.endpoints, endpoints);
    // and a record rebuilt from the cluster has them from the start
    let mut other = view("e2", ExecutionStatus::Running, 1);
    other.endpoints = Some(endpoints.clone());
    reconcile(&store, "prod", &[running, other], ALL, 10).unwrap();
    assert_eq!(
        store.get("prod", "e2").unwrap().unwrap().endpoints,
        endpoints
    );
}

#[test]
fn a_record_started_after_the_look_began_is_not_judged_by_it() {
    // a launch recorded and running while a look that began before it was
    // still reading the hosts: that look saw none of its containers
    let store = Store::open_in_memory().unwrap();
    let mut r = record("fresh1", ExecutionStatus::Running, 100, &dead_launcher());
    r.started = Some(102);
    store.insert(&r).unwrap();
    let look = Answered {
        hosts: &[],
        all_configured: true,
        looked_at: 101,
        foreign: &[],
    };
    let report = reconcile(&store, "prod", &[], look, 103).unwrap();
    assert!(report.closed.is_empty(), "{report:?}");
    assert_eq!(
        store.get("prod", "fresh1").unwrap().unwrap().status,
        ExecutionStatus::Running
    );
    // a look that began after it started does judge it
    let later = Answered {
        looked_at: 103,
        ..look
    };
    let report = reconcile(&store, "prod", &[], later, 104).unwrap();
    assert_eq!(report.closed, vec!["fresh1".to_string()]);
}

#[test]
fn a_launch_under_way_stays_its_launchers_to_close_even_when_all_runs() {
    // another console is finishing its launch (its last containers are up,
    // it has not written `running` yet): a look does not decide for it, so
    // the terminate guard still holds
    let store = Store::open_in_memory().unwrap();
    let live = crate::state::launcher_tag(); // this process: alive
    store
        .insert(&record("l1", ExecutionStatus::Starting, 1000, &live))
        .unwrap();
    let (report, status) = look(&store, "l1", ExecutionStatus::Running, 1000, 1001);
    assert!(report.updated.is_empty(), "{report:?}");
    assert_eq!(status, ExecutionStatus::Starting);
}

/// One look (every host answered) that saw `id` as `seen` (submitted at
/// `submitted`), at `now`: its report and the record's status after it.
fn look(
    store: &Store,
    id: &str,
    seen: ExecutionStatus,
    submitted: u64,
    now: u64,
) -> (ReconcileReport, ExecutionStatus) {
    let report = reconcile(store, "prod", &[view(id, seen, submitted)], ALL, now).unwrap();
    (report, store.get("prod", id).unwrap().unwrap().status)
}

#[test]
fn a_host_that_did_not_answer_stays_among_the_records_hosts() {
    let store = Store::open_in_memory().unwrap();
    let mut r = record("spread", ExecutionStatus::Running, 50, "");
    r.hosts = vec!["h1".into(), "h2".into()];
    store.insert(&r).unwrap();
    // h2 is offline: the look sees only h1's containers
    let online = vec!["h1".to_string()];
    reconcile(
        &store,
        "prod",
        &[view("spread", ExecutionStatus::Running, 50)],
        answered(&online, false),
        60,
    )
    .unwrap();
    assert_eq!(
        store.get("prod", "spread").unwrap().unwrap().hosts,
        ["h1", "h2"],
        "h2 may still hold some of it"
    );
    // both answered, and h2 holds nothing: it goes
    let online = vec!["h1".to_string(), "h2".to_string()];
    reconcile(
        &store,
        "prod",
        &[view("spread", ExecutionStatus::Running, 50)],
        answered(&online, true),
        70,
    )
    .unwrap();
    assert_eq!(store.get("prod", "spread").unwrap().unwrap().hosts, ["h1"]);
}

#[test]
fn a_record_whose_containers_turned_foreign_says_so() {
    let store = Store::open_in_memory().unwrap();
    store
        .insert(&record("old1", ExecutionStatus::Running, 50, ""))
        .unwrap();
    let claims = vec!["old1".to_string()];
    let look = Answered {
        foreign: &claims,
        ..ALL
    };
    reconcile(&store, "prod", &[], look, 60).unwrap();
    let r = store.get("prod", "old1").unwrap().unwrap();
    assert_eq!(r.status, ExecutionStatus::Error);
    assert!(
        r.reason.as_deref().unwrap().contains("foreign now"),
        "{r:?}"
    );
}

#[test]
fn a_record_being_cleaned_up_keeps_its_status_until_its_cleanup_closes_it() {
    let store = Store::open_in_memory().unwrap();
    store
        .insert(&record("q2", ExecutionStatus::Submitted, 50, ""))
        .unwrap();
    store
        .plan_cleanup(
            "prod",
            "q2",
            &["h".to_string()],
            ExecutionStatus::Terminated,
            Some("terminated by alice with zoe kill"),
            "m:1",
            60,
            60,
        )
        .unwrap();
    // a console that decided on `queued` before the kill writes it late
    assert!(
        !store
            .set_status("prod", "q2", ExecutionStatus::Queued, Some("no room"), 61)
            .unwrap()
    );
    assert_eq!(
        store.get("prod", "q2").unwrap().unwrap().status,
        ExecutionStatus::CleaningUp
    );
    // a second plan (a kill of it) keeps what the first one decided
    store
        .plan_cleanup(
            "prod",
            "q2",
            &["h".to_string(), "k".to_string()],
            ExecutionStatus::Error,
            Some("other"),
            "m:2",
            62,
            62,
        )
        .unwrap();
    assert!(
        store
            .cleanups("prod")
            .unwrap()
            .iter()
            .all(|c| c.close_as == ExecutionStatus::Terminated
                && c.close_reason.as_deref() == Some("terminated by alice with zoe kill"))
    );
    // an older console's `cleaning up` without rows is adopted once
    store
        .insert(&record("o3", ExecutionStatus::Running, 50, ""))
        .unwrap();
    store
        .set_status(
            "prod",
            "o3",
            ExecutionStatus::CleaningUp,
            Some("killed"),
            70,
        )
        .unwrap();
    assert!(
        store
            .adopt_cleanup("prod", "o3", &["h".to_string()], "m:3", 71)
            .unwrap()
    );
    assert!(
        !store
            .adopt_cleanup("prod", "o3", &["h".to_string()], "m:3", 72)
            .unwrap()
    );
    assert!(
        !store
            .adopt_cleanup("prod", "q2", &["z".to_string()], "m:3", 72)
            .unwrap()
    );
}

#[test]
fn a_stale_look_never_moves_a_running_record_back_to_starting() {
    // the launch wrote `running` after a look had read the hosts while its
    // last container was still being created
    let store = Store::open_in_memory().unwrap();
    let live = crate::state::launcher_tag(); // this process: alive
    store
        .insert(&record("late1", ExecutionStatus::Running, 50, &live))
        .unwrap();
    assert_eq!(
        look(&store, "late1", ExecutionStatus::Starting, 50, 60).1,
        ExecutionStatus::Running
    );
    // an essential death still ends it
    assert_eq!(
        look(&store, "late1", ExecutionStatus::Error, 50, 61).1,
        ExecutionStatus::Error
    );
}

#[test]
fn nodes_are_written_only_when_they_changed_or_their_seen_is_old() {
    let store = Store::open_in_memory().unwrap();
    let mut node = crate::model::NodeSnapshot::offline(
        "a",
        "unix:///x".into(),
        String::new(),
        Vec::new(),
        "down".into(),
    );
    node.error = None;
    node.cores_total = 4.0;
    let seen = |store: &Store| store.nodes("prod").unwrap()[0].2;
    store.save_nodes("prod", &[node.clone()], 100).unwrap();
    assert_eq!(seen(&store), 100);
    // the same node a little later: nothing written
    store.save_nodes("prod", &[node.clone()], 130).unwrap();
    assert_eq!(seen(&store), 100);
    // changed: written at once
    node.cores_total = 8.0;
    store.save_nodes("prod", &[node.clone()], 131).unwrap();
    assert_eq!(seen(&store), 131);
    assert!(
        store.nodes("prod").unwrap()[0]
            .1
            .contains("\"cores_total\":8.0")
    );
    // unchanged but long unwritten: written for its `seen`
    store
        .save_nodes("prod", &[node], 131 + NODES_REWRITE_SECS)
        .unwrap();
    assert_eq!(seen(&store), 131 + NODES_REWRITE_SECS);
}
