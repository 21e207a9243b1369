//! The log file: every `tracing` event of the console goes to
//! `$XDG_STATE_HOME/zoe/zoe.log` (`zoe config paths` shows where), and
//! never to the terminal, so the TUI is never written over. What users
//! must see goes to stderr or the status line as before; the file keeps
//! the story for later: reconnects and retries, hosts skipped, launches and
//! terminations, supervision, cache write failures.
//!
//! Level: `info` unless `ZOE_LOG` says otherwise (`tracing`'s filter
//! syntax: `debug`, `zoe_console=trace`, `warn,zoe_console::console=debug`);
//! `-v` raises the console's own lines to `debug`, `-vv` to `trace` (and the
//! libraries' to `debug`). `info` by default because what is worth keeping
//! unasked — a launch, a termination, a host offline, a resumed stream —
//! is a few lines per command; `debug` adds a line per step.
//!
//! The file is only readable by its owner (0600, in a 0700 directory): it
//! names hosts, executions and users. It is kept small: when it is over
//! [`MAX_BYTES`] at start, it becomes `zoe.log.1` (replacing the one before)
//! and a new one is begun. Several consoles may write at once: each line is
//! one append, and carries the process id.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};

/// The size over which the file is set aside at start.
pub const MAX_BYTES: u64 = 5 << 20;

/// The filter when nothing asks for another.
const DEFAULT_FILTER: &str = "info";

/// Starts logging to `file`. `verbose` counts `-v`; `directives` is
/// `ZOE_LOG`. Returns warnings for the user (a bad `ZOE_LOG`, a file that
/// cannot be opened: then nothing is logged), never fails the command.
pub fn init(file: &Path, verbose: u8, directives: Option<&str>) -> Vec<String> {
    let mut warnings = Vec::new();
    let filter = match filter(verbose, directives) {
        Ok(filter) => filter,
        Err(why) => {
            warnings.push(why);
            filter(verbose, None).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
        }
    };
    let file = match open(file) {
        Ok(file) => file,
        Err(why) => {
            warnings.push(why);
            return warnings;
        }
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(file)
        .with_timer(WithPid(std::process::id()))
        .with_env_filter(filter)
        .finish();
    // only fails when a subscriber is already set (a second call)
    let _ = tracing::subscriber::set_global_default(subscriber);
    warnings
}

/// The filter from `ZOE_LOG` and `-v`.
fn filter(verbose: u8, directives: Option<&str>) -> Result<EnvFilter, String> {
    let base = directives
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(DEFAULT_FILTER);
    let extra = match verbose {
        0 => "",
        1 => ",zoe_console=debug",
        _ => ",debug,zoe_console=trace",
    };
    EnvFilter::builder()
        .parse(format!("{base}{extra}"))
        .map_err(|e| {
            format!(
                "ZOE_LOG=`{base}` is not a log filter ({e}): use a level (error, warn, info, debug, \
                 trace) or directives such as `zoe_console=debug`; it is ignored"
            )
        })
}

/// Opens the file to append, owner-only, after setting a big one aside.
fn open(path: &Path) -> Result<File, String> {
    let fail = |what: &str, e: io::Error| {
        format!(
            "cannot {what} the log file {}: {e}; nothing is logged (set XDG_STATE_HOME to a \
             writable directory)",
            path.display()
        )
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| fail("create the directory of", e))?;
    }
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_BYTES) {
        // another console may have done it a moment ago: then there is
        // nothing left to move
        let old = set_aside(path);
        if std::fs::rename(path, &old).is_ok() {
            let _ = std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o600));
        }
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| fail("open", e))?;
    // made by an older version, or by hand: not for other users' eyes
    if let Ok(meta) = file.metadata()
        && meta.permissions().mode() & 0o077 != 0
    {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| fail("restrict the permissions of", e))?;
    }
    Ok(file)
}

/// `zoe.log` → `zoe.log.1`.
pub fn set_aside(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".1");
    PathBuf::from(name)
}

/// The time (UTC, RFC 3339) and the process id, which tells the lines of
/// consoles running at once apart.
struct WithPid(u32);

impl FormatTime for WithPid {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        SystemTime.format_time(w)?;
        write!(w, " [{}]", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_from_zoe_log_and_verbosity() {
        let shown = |v: u8, d: Option<&str>| filter(v, d).map(|f| f.to_string());
        assert_eq!(shown(0, None), Ok("info".into()));
        assert_eq!(shown(0, Some("  ")), Ok("info".into()));
        assert_eq!(shown(0, Some("debug")), Ok("debug".into()));
        assert_eq!(shown(1, None), Ok("zoe_console=debug,info".into()));
        assert!(
            shown(2, Some("warn"))
                .unwrap()
                .contains("zoe_console=trace")
        );
        let err = filter(0, Some("zoe_console=loud")).unwrap_err();
        assert!(
            err.contains("ZOE_LOG=`zoe_console=loud`") && err.contains("zoe_console=debug"),
            "{err}"
        );
    }

    #[test]
    fn the_file_is_owner_only_and_set_aside_when_big() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/zoe/zoe.log");
        drop(open(&path).unwrap());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);

        std::fs::write(&path, vec![b'x'; MAX_BYTES as usize + 1]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(open(&path).unwrap());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "begun anew");
        assert_eq!(
            std::fs::metadata(set_aside(&path)).unwrap().len(),
            MAX_BYTES + 1
        );

        std::fs::write(&path, b"kept\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(open(&path).unwrap());
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"kept\n",
            "small: appended to"
        );
        assert_eq!(mode(&path), 0o600, "made owner-only");

        let blocked = dir.path().join("file");
        std::fs::write(&blocked, b"").unwrap();
        let err = open(&blocked.join("zoe.log")).unwrap_err();
        assert!(err.contains("XDG_STATE_HOME"), "{err}");
    }
}
