//! The state cache when it cannot be written: a disk that fills up during a
//! launch, a file or directory that is read-only. The cluster is the truth:
//! what ran is reported, verbs that only read still answer, and nothing
//! calls the file damaged. Real file systems, not mocks: a small tmpfs that
//! really fills up, `chattr +i` (an immutable file stops root too, unlike
//! permissions; tests run as root), a read-only bind mount. Needs root and
//! the test engines; skipped without them unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::engines::{REMOTE, Setup, engines, skip_or_fail};
use serde_json::Value;

/// A tmpfs of its own, small enough to fill in a moment; unmounted on drop.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: &Path) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            skip_or_fail("cannot mount a tmpfs (the cache tests need root)");
            return None;
        }
        Some(Tmpfs {
            dir: dir.to_path_buf(),
        })
    }

    /// Writes a file until the file system says it is full (ENOSPC).
    fn fill(&self) {
        let mut file = std::fs::File::create(self.dir.join("filler")).unwrap();
        let chunk = [0u8; 4096];
        while file.write_all(&chunk).is_ok() {}
        // not even one more byte fits
        assert!(file.write_all(&[0]).is_err());
    }

    fn free(&self) {
        std::fs::remove_file(self.dir.join("filler")).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// `chattr +i`: not even root can write, rename or remove it; undone on drop.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Immutable {
        let done = Command::new("chattr").arg("+i").arg(path).status().unwrap();
        assert!(done.success(), "chattr +i {}", path.display());
        Immutable(path.to_path_buf())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// `source` bind-mounted read-only at `target`; unmounted on drop.
struct ReadOnlyBind(PathBuf);

impl ReadOnlyBind {
    fn mount(source: &Path, target: &Path) -> ReadOnlyBind {
        std::fs::create_dir_all(target).unwrap();
        let run = |args: &[&str]| {
            let ok = Command::new("mount")
                .args(args)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "mount {args:?}");
        };
        run(&[
            "--bind",
            &source.display().to_string(),
            &target.display().to_string(),
        ]);
        let bind = ReadOnlyBind(target.to_path_buf());
        run(&["-o", "remount,bind,ro", &target.display().to_string()]);
        bind
    }
}

impl Drop for ReadOnlyBind {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// What every message about a cache that cannot be written must not say:
/// only real damage may advise removing the file.
fn assert_not_called_damaged(what: &str, stderr: &str) {
    assert!(
        !stderr.contains("remove it") && !stderr.contains("damaged"),
        "{what}: a cache that cannot be written is not damaged: {stderr}"
    );
}

/// Item 4 of issue 7. The launch reads every configured host after it has
/// recorded the execution; one host here is a listener of the test that
/// holds that first connection until the test has filled the cache's file
/// system, so every later write of the launch finds the disk full, exactly
/// at that point, every run.
#[test]
fn start_prints_the_id_and_endpoints_when_the_cache_disk_fills() {
    let Some(_engines) = engines() else { return };
    let stall = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = stall.local_addr().unwrap().port();
    let setup = Setup::new(&format!(
        "{REMOTE}\n[stall]\ndocker_address: tcp://127.0.0.1:{port}\nexternal_address: 127.0.0.1\nuse_tls: no\n"
    ));
    let Some(cache) = Tmpfs::mount(&setup.dir.path().join("cache")) else {
        return;
    };
    let (asked_tx, asked_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        for (n, connection) in stall.incoming().enumerate() {
            if n == 0 {
                let _ = asked_tx.send(());
                let _ = go_rx.recv();
            }
            drop(connection); // never a Docker daemon: offline
        }
    });
    let child = setup
        .command_in(&cache.dir, &["start", "web-hello-0", "--name", "full-disk"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    asked_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the launch never read the hosts");
    cache.fill();
    go_tx.send(()).unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    let id = stdout.lines().next().unwrap_or_default().to_string();
    eprintln!("zoe start with the disk full:\n{stdout}{stderr}");
    cache.free();
    let cleanup = || setup.zoe_in(&cache.dir, &["kill", &id]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the execution runs, so start succeeds: {stdout}{stderr}"
    );
    assert_eq!(id.len(), 10, "the first line is the id: {stdout}");
    let url = stdout
        .lines()
        .find_map(|l| l.strip_prefix("web0: Web page "))
        .unwrap_or_else(|| panic!("the endpoint is printed: {stdout}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let db = cache.dir.join("zoe/state.db");
    assert!(
        stderr.contains("warning") && stderr.contains(&db.display().to_string()),
        "a warning names the cache: {stderr}"
    );
    assert!(stderr.contains("disk is full"), "and says why: {stderr}");
    assert_not_called_damaged("start", &stderr);

    // The next verb, with room again, fills the cache in from the cluster.
    let inspect = setup.zoe_in(&cache.dir, &["inspect", &id, "-o", "json"]);
    assert_eq!(inspect.code, 0, "{}", inspect.stderr);
    let seen: Value = serde_json::from_str(&inspect.stdout).unwrap();
    assert_eq!(seen["execution"]["status"], "running", "{seen}");
    assert_eq!(seen["execution"]["hosts"], serde_json::json!(["remote"]));
    assert_eq!(seen["endpoints"][0]["url"], url.as_str(), "{seen}");
    assert_eq!(seen["endpoints"][0]["instance"], "web0", "{seen}");
    assert_eq!(cleanup().code, 0);
}

/// Item 7 of issue 7: `ps`, `nodes`, `inspect` and `logs` answer from the
/// cluster (warning on stderr, exit 0) when the cache cannot be written;
/// a verb that must write refuses before doing anything, saying why.
#[test]
fn read_only_verbs_answer_from_the_cluster_when_the_cache_cannot_be_written() {
    let Some(_engines) = engines() else { return };
    let setup = Setup::new(REMOTE);
    let home = setup.dir.path();
    let main = home.join("main");
    // made before the launch, so it knows nothing of it: answering needs
    // the cluster (and a write, to rebuild the execution)
    let other = home.join("other");
    let first = setup.zoe_in(&other, &["ps"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let started = setup.zoe_in(&main, &["start", "web-hello-0", "--name", "ro-cache"]);
    assert_eq!(started.code, 0, "{}", started.stderr);
    let id = started.stdout.lines().next().unwrap().to_string();
    let pristine = home.join("pristine.db");
    std::fs::copy(other.join("zoe/state.db"), &pristine).unwrap();

    let check = |cache_home: &Path, how: &str| {
        let ps = setup.zoe_in(cache_home, &["ps", "-o", "json"]);
        assert_eq!(ps.code, 0, "{how}: ps: {}", ps.stderr);
        let rows: Value = serde_json::from_str(&ps.stdout).unwrap();
        assert!(
            rows.as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == id.as_str()
                    && r["status"] == "running"
                    && r["hosts"] == serde_json::json!(["remote"])),
            "{how}: ps shows the execution from the cluster: {rows}"
        );
        let nodes = setup.zoe_in(cache_home, &["nodes"]);
        let inspect = setup.zoe_in(cache_home, &["inspect", &id]);
        let logs = setup.zoe_in(cache_home, &["logs", &id]);
        for (verb, run) in [
            ("ps", &ps),
            ("nodes", &nodes),
            ("inspect", &inspect),
            ("logs", &logs),
        ] {
            assert_eq!(run.code, 0, "{how}: {verb}: {}{}", run.stdout, run.stderr);
            assert!(
                run.stderr.contains("warning") && run.stderr.contains("state.db"),
                "{how}: {verb} warns that the cache is not written: {}",
                run.stderr
            );
            assert_not_called_damaged(&format!("{how}: {verb}"), &run.stderr);
        }
        // ...and a log entry
        let state = home.join("state").join(how.replace(' ', "-"));
        let logged = setup
            .command_in(cache_home, &["ps"])
            .env("XDG_STATE_HOME", &state)
            .output()
            .unwrap();
        assert!(logged.status.success(), "{how}: ps with a log file");
        let log = std::fs::read_to_string(state.join("zoe/zoe.log")).unwrap_or_default();
        assert!(
            log.contains(" WARN ") && log.contains("state.db"),
            "{how}: the log records it: {log}"
        );
        assert!(nodes.stdout.contains("remote"), "{how}: {}", nodes.stdout);
        assert!(inspect.stdout.contains("web0"), "{how}: {}", inspect.stdout);
        assert!(
            logs.stdout.contains("serving a greeting page"),
            "{how}: {}",
            logs.stdout
        );
        // a verb that writes first refuses, with the reason
        let start = setup.zoe_in(cache_home, &["start", "web-hello-0", "--name", "never"]);
        assert_eq!(start.code, 1, "{how}: start: {}", start.stdout);
        assert!(
            start.stderr.contains("state.db") && start.stderr.contains("cannot be written"),
            "{how}: start: {}",
            start.stderr
        );
        assert_not_called_damaged(&format!("{how}: start"), &start.stderr);
        eprintln!("{how}:\n  ps: {}  start: {}", ps.stderr, start.stderr);
    };

    // 1. the file is immutable
    {
        let _immutable = Immutable::set(&other.join("zoe/state.db"));
        check(&other, "immutable file");
    }
    // 2. its directory is on a read-only mount (nothing can be created)
    {
        std::fs::copy(&pristine, other.join("zoe/state.db")).unwrap();
        for extra in ["state.db-wal", "state.db-shm"] {
            let _ = std::fs::remove_file(other.join("zoe").join(extra));
        }
        let _mount = ReadOnlyBind::mount(&other, &home.join("ro"));
        check(&home.join("ro"), "read-only mount");
    }
    // 3. the disk is full: opening works, the first write fails
    {
        let Some(full) = Tmpfs::mount(&home.join("full")) else {
            return;
        };
        std::fs::create_dir_all(full.dir.join("zoe")).unwrap();
        std::fs::copy(&pristine, full.dir.join("zoe/state.db")).unwrap();
        // an open connection keeps the WAL index (-shm) in place, so the
        // console's open needs no room: only its writes do
        let held = rusqlite::Connection::open(full.dir.join("zoe/state.db")).unwrap();
        let _: i64 = held
            .query_row("SELECT count(*) FROM executions", [], |r| r.get(0))
            .unwrap();
        full.fill();
        check(&full.dir, "disk full");
        drop(held);
    }
    // the cache that could not be written still does not know it
    assert_eq!(setup.zoe_in(&main, &["kill", &id]).code, 0);
}

/// Only real damage advises removing the file.
#[test]
fn a_damaged_cache_is_called_damaged_and_an_emptied_one_is_reported() {
    let Some(_engines) = engines() else { return };
    let setup = Setup::new(REMOTE);
    let home = setup.dir.path().join("cache");
    std::fs::create_dir_all(home.join("zoe")).unwrap();
    let db = home.join("zoe/state.db");
    std::fs::write(&db, vec![b'x'; 8192]).unwrap();
    let damaged = setup.zoe_in(&home, &["ps"]);
    assert_eq!(damaged.code, 1);
    assert!(
        damaged.stderr.contains("remove it") && damaged.stderr.contains(&db.display().to_string()),
        "{}",
        damaged.stderr
    );

    // truncated to nothing: started again, and said so
    std::fs::remove_file(&db).unwrap();
    assert_eq!(setup.zoe_in(&home, &["ps"]).code, 0);
    std::fs::File::create(&db).unwrap();
    let emptied = setup.zoe_in(&home, &["ps"]);
    assert_eq!(emptied.code, 0, "{}", emptied.stderr);
    assert!(
        emptied.stderr.contains("warning")
            && emptied.stderr.contains(&db.display().to_string())
            && emptied.stderr.contains("empty"),
        "an emptied cache is reported: {}",
        emptied.stderr
    );
    let again = setup.zoe_in(&home, &["ps"]);
    assert!(
        !again.stderr.contains("empty"),
        "only once: {}",
        again.stderr
    );
}
