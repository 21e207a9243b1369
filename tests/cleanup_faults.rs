//! Cleanup that does not give up, tried the way faults happen: the host
//! hangs (`SIGSTOP` of its dockerd) or dies mid-launch while the console is
//! killed and another `zoe` runs during the outage; a `zoe kill` killed
//! between the containers and the network. Every launch must leave nothing
//! on the host once two later supervision passes ran, and its record must
//! be closed with the reason.
//!
//! Its own test binary, and its tests one at a time: they stop and kill the
//! shared `remote` daemon, which would disturb any test running beside
//! them (cargo runs test binaries one after another). Skipped without the
//! test engines unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::engines::{
    Engines, REMOTE, Setup, custom_shop, engines, execution_id, one_host, service, skip_or_fail,
    two_hosts,
};
use common::tmux;
use serde_json::Value;

/// One test at a time: each one stops or kills the remote daemon.
static SERIAL: Mutex<()> = Mutex::new(());

/// Faulted launches of each kind (the note of the change reports them).
const HUNG_LAUNCHES: usize = 20;
const KILLED_LAUNCHES: usize = 5;

/// The settings' `host_timeout_secs` of these tests: some hangs last
/// longer, so the `zoe ps -a` run meanwhile finds the host offline (and
/// cannot clean up), others end while it waits.
const HOST_TIMEOUT_SECS: u64 = 3;

fn random_ms(low: u64, high: u64) -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    low + u64::from_le_bytes(bytes) % (high - low).max(1)
}

fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// The remote daemon's process, which the tests signal; a guard that always
/// lets it go on (and brings it back if it was killed), even when a test
/// fails half-way, so that no later test finds it frozen or dead.
struct Daemon {
    pid_file: PathBuf,
}

impl Daemon {
    fn remote(e: &Engines) -> Option<Daemon> {
        let pid_file = e.dir.join("remote/dockerd.pid");
        if !pid_file.is_file() {
            skip_or_fail("no pid file of the remote engine: run scripts/engines.sh start");
            return None;
        }
        Some(Daemon { pid_file })
    }

    fn pid(&self) -> String {
        std::fs::read_to_string(&self.pid_file)
            .unwrap()
            .trim()
            .to_string()
    }

    fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{signal} of the remote dockerd failed");
    }

    fn alive(&self) -> bool {
        let pid = self.pid();
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.split_whitespace().nth(2) != Some("Z"))
    }

    /// Kills it (no goodbye) and its containerd with it, as a machine
    /// losing its engine does (the containers live on), and waits until
    /// both are gone: a dockerd started while the old containerd is still
    /// dying waits for it in vain.
    fn kill(&self) {
        let containerd = self
            .pid_file
            .with_file_name("exec/containerd/containerd.pid");
        let containerd = std::fs::read_to_string(containerd).unwrap_or_default();
        self.signal("KILL");
        let _ = Command::new("kill")
            .args(["-KILL", containerd.trim()])
            .stderr(Stdio::null())
            .status();
        let gone = |pid: &str| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map_or(true, |stat| stat.split_whitespace().nth(2) == Some("Z"))
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.alive() || !(containerd.trim().is_empty() || gone(containerd.trim())) {
            assert!(Instant::now() < deadline, "dockerd outlived SIGKILL");
            sleep_ms(50);
        }
    }

    /// Starts it again (`scripts/engines.sh start` is idempotent).
    fn restart(&self) {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let out = Command::new(root.join("scripts/engines.sh"))
            .arg("start")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "scripts/engines.sh start could not bring the daemon back: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = std::fs::read_to_string(&self.pid_file).unwrap_or_default();
        let _ = Command::new("kill")
            .args(["-CONT", pid.trim()])
            .stderr(Stdio::null())
            .status();
        if !self.alive() {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            let _ = Command::new(root.join("scripts/engines.sh"))
                .arg("start")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// A shop whose one ZApp has three steps of services (so a launch spends a
/// while creating containers), on the remote daemon alone.
fn three_step_setup() -> (tempfile::TempDir, Setup) {
    let shop = tempfile::tempdir().unwrap();
    custom_shop(
        shop.path(),
        serde_json::json!([
            service("first", "zoe-demo/busybox:1", 0, &[]),
            service("second", "zoe-demo/busybox:1", 1, &[]),
            service("third", "zoe-demo/busybox:1", 1, &[]),
            service("fourth", "zoe-demo/busybox:1", 2, &[]),
        ]),
    );
    let setup = Setup::with_shop(REMOTE, shop.path());
    // a host that hangs longer than this is offline for the look that waits
    let mut settings = std::fs::read_to_string(&setup.config).unwrap();
    settings.push_str(&format!("host_timeout_secs = {HOST_TIMEOUT_SECS}\n"));
    std::fs::write(&setup.config, settings).unwrap();
    (shop, setup)
}

/// Containers (any state) and networks of the setup's deployment on the
/// remote daemon.
fn deployment_leftovers(e: &Engines, setup: &Setup) -> (usize, usize) {
    let label = format!("label=zoe_deployment_name={}", setup.deployment);
    let count = |args: &[&str]| {
        e.docker_ok("remote", args)
            .lines()
            .filter(|l| !l.is_empty())
            .count()
    };
    (
        count(&["ps", "-aq", "--filter", &label]),
        count(&["network", "ls", "-q", "--filter", &label]),
    )
}

fn wait_child(child: &mut Child, what: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not end within {} s", limit.as_secs());
        }
        sleep_ms(50);
    }
}

fn quiet(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The records the cache has of the setup's executions named `name`.
fn records_named(setup: &Setup, name: &str) -> Vec<Value> {
    let all = setup.json(&["ps", "-a"]);
    all.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == name)
        .cloned()
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// dockerd stopped (SIGSTOP), then let go on (SIGCONT).
    Hang,
    /// dockerd killed (SIGKILL), then started again.
    Death,
}

/// One faulted launch: start, fault the daemon while containers are being
/// created, kill the console, run `zoe ps -a` during the outage, end the
/// outage, two supervision passes. Returns the leftovers then, and whether
/// the launch had finished before the fault (then it is killed normally).
fn faulted_launch(
    e: &Engines,
    daemon: &Daemon,
    setup: &Setup,
    fault: Fault,
    n: usize,
) -> ((usize, usize), bool) {
    let name = format!("f{n}");
    let mut launch = quiet(setup.command(&["start", "custom", "--name", &name]));
    if n.is_multiple_of(2) {
        // while its containers are being created: as soon as the first one
        // exists, and a random moment later
        let label = format!("label=zoe_deployment_name={}", setup.deployment);
        let deadline = Instant::now() + Duration::from_secs(20);
        while e
            .docker_ok("remote", &["ps", "-aq", "--filter", &label])
            .is_empty()
            && launch.try_wait().unwrap().is_none()
            && Instant::now() < deadline
        {
            sleep_ms(10);
        }
        sleep_ms(random_ms(0, 400));
    } else {
        // any moment of the launch: placing, the network, the image…
        sleep_ms(random_ms(0, 1500));
    }
    match fault {
        Fault::Hang => daemon.signal("STOP"),
        Fault::Death => daemon.kill(),
    }
    // the console dies too (reaped at once: a zombie still looks alive)
    let _ = launch.kill();
    let _ = launch.wait();
    // any zoe command during the outage
    let mut during = quiet(setup.command(&["ps", "-a"]));
    if n % 4 < 2 {
        // longer than the host may take: the look during the outage ends,
        // the host offline
        wait_child(
            &mut during,
            "zoe ps -a during the outage",
            Duration::from_secs(60),
        );
        sleep_ms(random_ms(0, 1000));
    } else {
        // the look waits for the host, which comes back meanwhile
        sleep_ms(random_ms(100, 1500));
    }
    match fault {
        Fault::Hang => daemon.signal("CONT"),
        Fault::Death => daemon.restart(),
    }
    wait_child(
        &mut during,
        "zoe ps -a during the outage",
        Duration::from_secs(120),
    );
    let mut passes = String::new();
    for _ in 0..2 {
        let pass = setup.zoe(&["supervise", "--once"]);
        assert!(
            pass.code == 0 || pass.code == 1,
            "supervise --once: {}",
            pass.stderr
        );
        passes.push_str(&format!("[exit {}] {}", pass.code, pass.stderr));
    }
    let records = records_named(setup, &name);
    let finished = records.iter().any(|r| r["status"] == "running");
    if finished {
        // the launch was done before the fault: not a leftover, an execution
        let id = records[0]["id"].as_str().unwrap().to_string();
        let kill = setup.zoe(&["kill", &id]);
        assert_eq!(kill.code, 0, "{}", kill.stderr);
    } else {
        for r in &records {
            assert!(
                r["status"] == "error" || r["status"] == "terminated",
                "launch {n} ({fault:?}) is not closed after two passes: {r}\nthe passes said: {passes}\nits log: {}",
                std::fs::read_to_string(setup.cache_home().join("state/zoe/zoe.log"))
                    .unwrap_or_default()
            );
            assert!(
                r["reason"].as_str().is_some_and(|why| !why.is_empty()),
                "launch {n} closed without a reason: {r}"
            );
        }
    }
    (deployment_leftovers(e, setup), finished)
}

fn faulted_launches(fault: Fault, count: usize) {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(e) = engines() else { return };
    let Some(daemon) = Daemon::remote(&e) else {
        return;
    };
    let (_shop, setup) = three_step_setup();
    let mut left = Vec::new();
    let mut finished = 0;
    for n in 0..count {
        let (leftovers, done) = faulted_launch(&e, &daemon, &setup, fault, n);
        finished += usize::from(done);
        if leftovers != (0, 0) {
            left.push((n, leftovers));
        }
    }
    eprintln!(
        "{fault:?}: {count} faulted launches ({finished} had finished before the fault), {} left something behind: {left:?}",
        left.len()
    );
    assert!(
        left.is_empty(),
        "launches that left (containers, networks) behind after two supervision passes: {left:?}"
    );
}

#[test]
fn launches_on_a_host_that_hangs_mid_launch_leave_nothing_behind() {
    faulted_launches(Fault::Hang, HUNG_LAUNCHES);
}

#[test]
fn launches_on_a_host_that_dies_mid_launch_leave_nothing_behind() {
    faulted_launches(Fault::Death, KILLED_LAUNCHES);
}

/// A proxy to the remote daemon that passes everything on until a client
/// asks to remove a network: that request is held (never passed on) and
/// announced, so a test can kill the client right between the containers
/// and the network.
fn network_removal_trap() -> (u16, mpsc::Receiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(server) = TcpStream::connect("127.0.0.1:23750") else {
                continue;
            };
            let tx = tx.clone();
            let (mut from_client, mut to_server) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let mut buf = [0u8; 16 << 10];
                while let Ok(n) = from_client.read(&mut buf) {
                    let chunk = &buf[..n];
                    let removes_network = chunk.starts_with(b"DELETE ")
                        && chunk.windows(10).any(|w| w == b"/networks/");
                    if removes_network {
                        let _ = tx.send(());
                        // held: read on until the client goes, pass nothing
                        while matches!(from_client.read(&mut buf), Ok(n) if n > 0) {}
                        break;
                    }
                    if n == 0 || to_server.write_all(chunk).is_err() {
                        break;
                    }
                }
                let _ = to_server.shutdown(std::net::Shutdown::Both);
            });
            std::thread::spawn(move || {
                let (mut from_server, mut to_client) = (server, client);
                let _ = std::io::copy(&mut from_server, &mut to_client);
                let _ = to_client.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    (port, rx)
}

#[test]
fn a_kill_interrupted_between_containers_and_network_is_finished_later() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(e) = engines() else { return };
    let (port, removing_network) = network_removal_trap();
    let (_shop, setup) = three_step_setup();
    // the same host, `remote`, reached through the trap
    let trapped = setup.other_config(
        "trapped",
        &one_host("remote", &format!("tcp://127.0.0.1:{port}")),
    );
    // then finished by `zoe kill` again, and by a supervision pass
    for finish in ["kill", "supervise"] {
        let started = setup.json(&["start", "custom"]);
        let id = execution_id(&started);
        let mut kill = setup
            .command_with(&trapped, &["kill", &id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        removing_network
            .recv_timeout(Duration::from_secs(90))
            .expect("zoe kill never came to removing the network");
        let _ = kill.kill();
        let _ = kill.wait();
        assert_eq!(
            e.leftovers("remote", &id),
            (0, 1),
            "the containers are gone and the network is left"
        );
        // a read-only look changes nothing and shows what is going on
        let look = setup.json(&["--readonly", "ps"]);
        let row = look
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} is not listed by zoe ps: {look}"));
        assert_eq!(row["status"], "cleaning up", "{row}");
        assert_eq!(e.leftovers("remote", &id), (0, 1));

        let run = match finish {
            "kill" => setup.zoe(&["kill", &id]),
            _ => setup.zoe(&["supervise", "--once"]),
        };
        assert_eq!(run.code, 0, "zoe {finish}: {}", run.stderr);
        assert_eq!(
            e.leftovers("remote", &id),
            (0, 0),
            "zoe {finish} removed the network"
        );
        let shown = setup.json(&["inspect", &id]);
        assert_eq!(shown["execution"]["status"], "terminated", "{shown}");
        assert!(
            shown["execution"]["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("terminated by tester")),
            "{shown}"
        );
    }
    // an execution that ended with nothing left: said so, nothing done
    let started = setup.json(&["start", "custom"]);
    let id = execution_id(&started);
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
    let again = setup.zoe(&["kill", &id]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("nothing of it is left"),
        "{}",
        again.stderr
    );
}

/// A hung host (its dockerd stopped) holds no answer up, although the
/// settings let a host take ten minutes: `zoe ps` and `zoe nodes` answer
/// with the healthy host and show the hung one as not answering; the
/// terminal UI shows the healthy host's data at once, then fills the hung
/// one in by itself when it answers again. (Every look used to wait for
/// every host.)
#[test]
fn a_hung_host_holds_no_answer_up() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(e) = tmux::ready() else { return };
    let Some(daemon) = Daemon::remote(&e) else {
        return;
    };
    let setup = Setup::new(&two_hosts(&e, ""));
    let mut settings = std::fs::read_to_string(&setup.config).unwrap();
    settings.push_str("host_timeout_secs = 600\n");
    std::fs::write(&setup.config, settings).unwrap();

    daemon.signal("STOP");
    for verb in [&["ps"][..], &["nodes"]] {
        let mut run = setup
            .command(verb)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_child(
            &mut run,
            &format!("zoe {verb:?} with a hung host"),
            Duration::from_secs(30),
        );
        let out = run.wait_with_output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            stderr.contains("remote is offline: no answer after"),
            "zoe {verb:?} says which host did not answer: {stderr}"
        );
        if verb == ["nodes"] {
            let local = stdout
                .lines()
                .find(|l| l.starts_with("local"))
                .unwrap_or_default();
            let remote = stdout
                .lines()
                .find(|l| l.starts_with("remote"))
                .unwrap_or_default();
            assert!(local.contains("online"), "{stdout}");
            assert!(remote.contains("offline"), "{stdout}");
            assert_eq!(out.status.code(), Some(1), "a host offline is exit 1");
        } else {
            assert_eq!(out.status.code(), Some(0), "{stderr}");
        }
    }

    let pane = tmux::open_zoe(&setup, "");
    pane.wait_for("the terminal UI", 20, |s| s.contains("executions"));
    pane.keys(&["3"]);
    let row = |screen: &str, node: &str| {
        screen
            .lines()
            .find(|l| l.trim_start_matches(['│', ' ']).starts_with(node))
            .unwrap_or_default()
            .to_string()
    };
    pane.wait_for("the healthy host's data while the other hangs", 20, |s| {
        row(s, "local").contains("online") && row(s, "remote").contains("offline")
    });
    daemon.signal("CONT");
    pane.wait_for("the hung host filled in once it answers", 30, |s| {
        row(s, "local").contains("online") && row(s, "remote").contains("online")
    });
    drop(pane);
    drop(daemon);
}
