//! The real `zoe` binary and kubectl for the tests on a cluster (the fake
//! API server's, or a real one): a private home, and kubectl found once.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `zoe` in the private home `home`: nothing inherited from the
/// environment but PATH, the XDG directories under `home`, user alice.
pub fn zoe_in_home(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zoe"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("ZOE_USER", "alice");
    command
}

/// The stdout of a run that succeeded; otherwise the test fails with both
/// streams.
pub fn stdout_ok(what: &str, out: &Output) -> String {
    assert!(
        out.status.success(),
        "{what}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// kubectl from `$ZOE_TEST_KUBECTL` or PATH.
pub fn kubectl_path() -> PathBuf {
    if let Some(path) = std::env::var_os("ZOE_TEST_KUBECTL").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("kubectl"))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "kubectl not found (neither $ZOE_TEST_KUBECTL nor on PATH): install Debian's \
                 kubernetes-client (`apt-get install -y kubernetes-client`) or set ZOE_TEST_KUBECTL"
            )
        })
}
