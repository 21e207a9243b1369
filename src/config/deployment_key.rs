//! The deployment key: 32 random bytes every console of one deployment
//! shares (one file, mode 0600). The labels of what a console creates are
//! signed with it, so that only containers and networks this deployment
//! made are adopted, grown, counted or removed.
//!
//! The file is made on first use, atomically: a temporary file in the same
//! folder (created exclusively, 0600, synced), then hard-linked to the final
//! name. When the link finds the name taken, another console won the race
//! and its key is read instead.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::Paths;
use super::settings::Settings;

/// The file's name in the config folder, unless the settings name another.
pub const KEY_FILE_NAME: &str = "deployment.key";

/// Bytes in a key.
pub const KEY_BYTES: usize = 32;

/// The deployment key. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DeploymentKey([u8; KEY_BYTES]);

impl DeploymentKey {
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> DeploymentKey {
        DeploymentKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; KEY_BYTES] {
        &self.0
    }

    /// A fresh random key.
    pub fn generate() -> Result<DeploymentKey, String> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| format!("no random bytes for a new key: {e}"))?;
        Ok(DeploymentKey(bytes))
    }

    /// The key as the file holds it: 64 lowercase hex digits.
    fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads 64 hex digits (surrounding whitespace allowed).
    fn from_hex(text: &str) -> Option<DeploymentKey> {
        let text = text.trim();
        if text.len() != KEY_BYTES * 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut bytes = [0u8; KEY_BYTES];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(DeploymentKey(bytes))
    }
}

impl std::fmt::Debug for DeploymentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeploymentKey(…)")
    }
}

/// Where the key is: `deployment_key_file` of the settings (already made
/// absolute from the settings file's folder), else `deployment.key` in the
/// config folder.
pub fn key_path(settings: &Settings, paths: &Paths) -> PathBuf {
    settings
        .deployment_key_file
        .clone()
        .unwrap_or_else(|| paths.deployment_key_file.clone())
}

/// Reads the key at `path`, making it (and its folder, 0700) on first use.
/// Every error names the file and says what to do.
pub fn load_or_create(path: &Path) -> Result<DeploymentKey, String> {
    load_or_make(path).map(|(key, _)| key)
}

/// The same, and whether this call made the key (a console with a key of
/// its own sees every other console's containers as foreign: the user
/// should know one was made).
pub fn load_or_make(path: &Path) -> Result<(DeploymentKey, bool), String> {
    match read(path) {
        Ok(key) => return Ok((key, false)),
        Err(ReadError::Bad(why)) => return Err(why),
        Err(ReadError::Missing) => {}
    }
    create(path)?;
    match read(path) {
        Ok(key) => Ok((key, true)),
        Err(ReadError::Bad(why)) => Err(why),
        Err(ReadError::Missing) => Err(format!(
            "deployment key {}: it was made but is gone again; run the command again",
            path.display()
        )),
    }
}

/// Why the key could not be read: not there yet, or anything else (the
/// text says what to do).
enum ReadError {
    Missing,
    Bad(String),
}

fn read(path: &Path) -> Result<DeploymentKey, ReadError> {
    let what = || format!("deployment key {}", path.display());
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(e) => {
            return Err(ReadError::Bad(format!(
                "{}: cannot be read: {e}; check the path and its folder's permissions",
                what()
            )));
        }
    };
    if !meta.is_file() {
        return Err(ReadError::Bad(format!(
            "{}: is not a file; point `deployment_key_file` at the deployment's key file",
            what()
        )));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ReadError::Bad(format!(
            "{}: group or others may read or write it (mode {mode:03o}); whoever can read it can forge this deployment's containers: run `chmod 600 {}`",
            what(),
            path.display()
        )));
    }
    let text = fs::read_to_string(path).map_err(|e| {
        ReadError::Bad(format!(
            "{}: cannot be read: {e}; it must be readable by the user running zoe (mode 0600)",
            what()
        ))
    })?;
    DeploymentKey::from_hex(&text).ok_or_else(|| {
        ReadError::Bad(format!(
            "{}: is not a key (64 hex digits expected); copy the deployment's key file here (mode 0600), or remove this file to make a new key (containers signed with the old key are then foreign)",
            what()
        ))
    })
}

/// Makes the key file unless another console makes it first.
fn create(path: &Path) -> Result<(), String> {
    let what = || format!("deployment key {}", path.display());
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)
        .map_err(|e| {
            format!(
                "{}: its folder cannot be made: {e}; make {} or set `deployment_key_file`",
                what(),
                folder.display()
            )
        })?;
    let key = DeploymentKey::generate().map_err(|why| format!("{}: {why}", what()))?;
    let name = path.file_name().map_or_else(
        || KEY_FILE_NAME.into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| format!("{}: no random bytes: {e}", what()))?;
    let temp = folder.join(format!(
        ".{name}.{}.tmp",
        suffix
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(format!("{}\n", key.to_hex()).as_bytes())?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(format!(
            "{}: cannot be written in {}: {e}; make the folder writable or set `deployment_key_file`",
            what(),
            folder.display()
        ));
    }
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => {
            // the link is durable once the folder is
            if let Ok(dir) = fs::File::open(folder) {
                let _ = dir.sync_all();
            }
            tracing::info!("made a new deployment key at {}", path.display());
            Ok(())
        }
        // another console made it first: theirs is the key
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!(
            "{}: cannot be made: {e}; make the folder writable or set `deployment_key_file`",
            what()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_key_is_made_once_with_mode_0600_and_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/zoe/deployment.key");
        let key = load_or_create(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 65, "{text}");
        assert!(text.ends_with('\n'));
        assert_eq!(load_or_create(&path).unwrap(), key);
        // no temporary file is left behind
        let left: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1);
        assert_eq!(format!("{key:?}"), "DeploymentKey(…)");
        assert!(!format!("{key:?}").contains(&text.trim()[..8]));
    }

    #[test]
    fn two_consoles_making_the_key_at_once_share_one() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("deployment.key");
            let keys: Vec<DeploymentKey> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..4)
                    .map(|_| s.spawn(|| load_or_create(&path).unwrap()))
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert!(keys.iter().all(|k| *k == keys[0]));
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        }
    }

    #[test]
    fn a_key_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deployment.key");
        load_or_create(&path).unwrap();
        for m in [0o640, 0o604, 0o620, 0o666] {
            fs::set_permissions(&path, fs::Permissions::from_mode(m)).unwrap();
            let why = load_or_create(&path).unwrap_err();
            assert!(
                why.contains(&format!("chmod 600 {}", path.display())),
                "{why}"
            );
        }
    }

    #[test]
    fn garbage_is_refused_and_whitespace_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deployment.key");
        let write = |text: &str| {
            let _ = fs::remove_file(&path);
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        };
        let hex = "0123456789abcdef".repeat(4);
        write(&format!("  {hex}\n\n"));
        assert_eq!(load_or_create(&path).unwrap().as_bytes()[..2], [0x01, 0x23]);
        for bad in [
            String::new(),
            "short".to_string(),
            format!("{hex}00"),
            format!("{}zz", &hex[..62]),
            format!("{} {}", &hex[..32], &hex[32..]),
            "é".repeat(32),
        ] {
            write(&bad);
            let why = load_or_create(&path).unwrap_err();
            assert!(why.contains("64 hex digits"), "{bad}: {why}");
            assert!(why.contains(&path.display().to_string()), "{why}");
        }
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        assert!(load_or_create(&path).unwrap_err().contains("not a file"));
    }
}
