//! A tmux session driving the real binary, shared by the terminal UI tests.
//! The server is killed when the pane is dropped, also when a test fails.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::engines::{Engines, Setup, engines, skip_or_fail};

/// The engines, when tmux is there too; else None (the test is skipped,
/// or fails with ZOE_REQUIRE_ENGINES=1).
pub fn ready() -> Option<Engines> {
    let e = engines()?;
    let tmux = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if tmux {
        return Some(e);
    }
    skip_or_fail("tmux is needed (scripts/test.sh installs it)");
    None
}

/// The terminal UI (`zoe ARGS`) of `setup` in a 120×36 pane, with the same
/// settings, cache and user as [`Setup::zoe`]; when it ends the pane says
/// `exited CODE` and stays a while.
pub fn open_zoe(setup: &Setup, args: &str) -> Pane {
    let d = setup.dir.path().display();
    let script = format!(
        "unset DOCKER_HOST SUDO_USER DBUS_SESSION_BUS_ADDRESS; export ZOE_CONFIG={config} XDG_CACHE_HOME={d} XDG_STATE_HOME={d}/state USER=tester; {zoe} {args}; echo exited $?; exec sleep 120",
        config = setup.config.display(),
        zoe = env!("CARGO_BIN_EXE_zoe")
    );
    Pane::start(setup.dir.path().join("tmux.sock"), 120, 36, &script)
}

pub struct Pane {
    socket: PathBuf,
}

impl Pane {
    /// A detached session of `width`×`height` running `script` with `sh -c`,
    /// on its own server at `socket`.
    pub fn start(socket: PathBuf, width: u16, height: u16, script: &str) -> Pane {
        let pane = Pane { socket };
        let (w, h) = (width.to_string(), height.to_string());
        let started = Command::new("tmux")
            .arg("-S")
            .arg(&pane.socket)
            .args(["new-session", "-d", "-x", &w, "-y", &h, "sh", "-c", script])
            .status()
            .unwrap();
        assert!(started.success(), "tmux new-session failed");
        pane
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    /// A tmux format of the pane, e.g. `#{alternate_on}`.
    pub fn show(&self, format: &str) -> String {
        self.tmux(&["display", "-p", format]).trim().to_string()
    }

    /// Key names, one at a time with a pause, as a person would type them.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Literal text.
    pub fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }

    /// A command line typed into a shell running in the pane, then Enter.
    pub fn line(&self, line: &str) {
        self.text(line);
        self.keys(&["Enter"]);
    }

    /// Launches from the open start form (`Enter`) and waits until the
    /// executions view shows it running with `up` (e.g. `7/7`); its id.
    pub fn launch_until_running(&self, up: &str) -> String {
        self.keys(&["Enter"]);
        let screen = self.wait_for("the execution to run", 60, |s| {
            s.lines().any(|l| l.contains(" running ") && l.contains(up))
        });
        // the id on the running row itself (another row may name an
        // ended execution of the same entry)
        screen
            .lines()
            .filter(|l| l.contains(" running ") && l.contains(up))
            .find_map(|l| {
                l.split(|c: char| !c.is_ascii_alphanumeric())
                    .find(|w| w.len() == 10 && w.starts_with('1'))
            })
            .unwrap_or_else(|| panic!("no execution id on the running row:\n{screen}"))
            .to_string()
    }

    /// From a sub-view of the executions view: `t` on the selected
    /// execution `id`, confirmed, and waits until it says it terminated.
    pub fn terminate(&self, id: &str) {
        self.keys(&["Escape", "t"]);
        self.wait_for("the confirmation", 5, |s| {
            s.contains(&format!("Terminate {id}?"))
        });
        self.keys(&["y"]);
        self.wait_for("the termination", 60, |s| {
            s.contains(&format!("{id} terminated"))
        });
    }

    /// Polls the screen until `check` holds; fails with the screen after `secs`.
    pub fn wait_for(&self, what: &str, secs: u64, check: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(150));
        }
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .status();
    }
}

/// Polls `check` for up to 20 seconds.
pub fn wait_until(what: &str, check: impl FnMut() -> bool) {
    super::engines::poll(
        what,
        Duration::from_secs(20),
        Duration::from_millis(100),
        check,
    );
}
