//! Opening the cache file: created whole or not at all, migrated in one
//! transaction, and — for consoles that only read — replaced by a copy in
//! memory when the file cannot be written.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use super::{SCHEMA_VERSION, StateError, Store};

impl Store {
    /// Opens (creating if needed) the cache file, ready to read and write.
    pub fn open(path: &Path) -> Result<Store, StateError> {
        let notice = prepare_file(path)?;
        let conn = Connection::open(path).map_err(|e| StateError::sqlite(path, &e))?;
        let store = Store::over(conn, path, notice);
        // Another console may be switching the file to WAL right now: wait
        // for it rather than fail.
        let mut attempts = 0;
        loop {
            match store.setup() {
                Ok(()) => return Ok(store),
                Err(e) if is_busy(&e) && attempts < 100 => {
                    if attempts == 0 {
                        tracing::debug!("state cache {}: busy ({e}), waiting", path.display());
                    }
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(StateError::sqlite(path, &e)),
            }
        }
    }

    /// Opens the cache for a console that only needs to read it: when the
    /// file cannot be written (read-only, disk full), now or at a later
    /// write, the console goes on with a copy in memory of what the file
    /// holds, and `unsaved` says why. Damage is still an error.
    pub fn open_for_reading(path: &Path) -> Result<Store, StateError> {
        match Store::open(path) {
            Ok(mut store) => {
                store.spill = true;
                Ok(store)
            }
            Err(e) if e.is_unwritable() => {
                tracing::warn!("{e}; reading it without saving");
                let mut memory = blank(path)?;
                let notice = match read_only(path).and_then(|file| copy(&file, &mut memory)) {
                    Ok(()) => None,
                    // nothing to read: no history yet
                    Err(_) if !path.exists() => None,
                    Err(why) => {
                        // unreadable too: the cluster still answers, without history
                        memory = blank(path)?;
                        Some(format!(
                            "state cache {} cannot be read either ({why}): the history of ended executions is not shown",
                            path.display()
                        ))
                    }
                };
                let store = Store::over(memory, path, notice);
                store.setup().map_err(|e| StateError::sqlite(path, &e))?;
                let _ = store.unsaved.set(e);
                Ok(store)
            }
            Err(e) => Err(e),
        }
    }

    pub fn open_in_memory() -> Result<Store, StateError> {
        let path = Path::new(":memory:");
        let store = Store::over(blank(path)?, path, None);
        store.setup().map_err(|e| StateError::sqlite(path, &e))?;
        Ok(store)
    }

    fn over(conn: Connection, path: &Path, notice: Option<String>) -> Store {
        if let Some(notice) = &notice {
            tracing::warn!("{notice}");
        }
        Store {
            conn,
            path: path.to_path_buf(),
            spill: false,
            memory: OnceCell::new(),
            unsaved: OnceCell::new(),
            notice,
        }
    }

    /// Why the cache on disk is not being written (the console goes on in
    /// memory), when it is not.
    pub fn unsaved(&self) -> Option<&StateError> {
        self.unsaved.get()
    }

    /// Something the user should know about the file that is not an error
    /// (it was found emptied, or could not be read).
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// A write the file refused for a reason that is not damage: continue
    /// in a copy in memory, when this store may (`open_for_reading`).
    pub(super) fn spill_to_memory(&self, refused: StateError) -> Result<(), StateError> {
        if !self.spill || !refused.is_unwritable() || self.memory.get().is_some() {
            return Err(refused);
        }
        let mut memory = blank(&self.path)?;
        copy(&self.conn, &mut memory).map_err(|why| StateError {
            why: format!("{}; copying it to memory failed too: {why}", refused.why),
            ..refused.clone()
        })?;
        tracing::warn!(
            "state cache {}: going on in memory, without saving",
            self.path.display()
        );
        let _ = self.memory.set(memory);
        let _ = self.unsaved.set(refused);
        Ok(())
    }

    pub(super) fn setup(&self) -> rusqlite::Result<()> {
        let conn = self.db();
        conn.busy_timeout(Duration::from_secs(15))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // The version is read inside the write transaction that migrates, so
        // two consoles opening a new cache at once cannot both migrate.
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let version: i32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version < 1 {
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS executions (
                    id TEXT NOT NULL, deployment TEXT NOT NULL, name TEXT NOT NULL, entry TEXT NOT NULL,
                    owner TEXT NOT NULL, description TEXT, parameters TEXT NOT NULL DEFAULT '{}',
                    status TEXT NOT NULL, reason TEXT, submitted INTEGER NOT NULL, started INTEGER, ended INTEGER,
                    hosts TEXT NOT NULL DEFAULT '', endpoints TEXT NOT NULL DEFAULT '[]', launcher TEXT NOT NULL DEFAULT '',
                    PRIMARY KEY (deployment, id));
                 CREATE TABLE IF NOT EXISTS status_log (
                    deployment TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT);
                 CREATE INDEX IF NOT EXISTS status_log_by_execution ON status_log (deployment, id, at);
                 CREATE TABLE IF NOT EXISTS nodes (
                    deployment TEXT NOT NULL, name TEXT NOT NULL, snapshot TEXT NOT NULL, seen INTEGER NOT NULL,
                    PRIMARY KEY (deployment, name));",
            )?;
        }
        if version < 2 {
            // v2: how often each service was placed again after dying
            tx.execute_batch(
                "ALTER TABLE executions ADD COLUMN restarts TEXT NOT NULL DEFAULT '{}';",
            )?;
        }
        if version < 3 {
            // v3: what must still be removed, per execution and host, until
            // the host confirms nothing of it is left; and whether a record
            // was closed by such a cleanup (anything of it found later is a
            // leftover)
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS cleanups (
                    deployment TEXT NOT NULL, id TEXT NOT NULL, host TEXT NOT NULL,
                    since INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
                    last_error TEXT, left_over TEXT, by TEXT NOT NULL,
                    close_as TEXT NOT NULL, close_reason TEXT,
                    PRIMARY KEY (deployment, id, host));
                 ALTER TABLE executions ADD COLUMN cleaned INTEGER NOT NULL DEFAULT 0;",
            )?;
        }
        if version < 4 {
            // v4: the audit trail (who launched, relaunched and terminated
            // what, and when)
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS audit (
                    deployment TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL,
                    user TEXT NOT NULL, action TEXT NOT NULL, detail TEXT);
                 CREATE INDEX IF NOT EXISTS audit_by_execution ON audit (deployment, id, at);",
            )?;
        }
        if version < SCHEMA_VERSION {
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        tx.commit()
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// Makes sure the cache file exists. A new cache is built whole under a
/// temporary name and linked into place, so an empty (0-byte) cache file is
/// never one another console is creating: it was emptied (truncated by
/// hand, or by a file system that lost it), which is said, not hidden.
fn prepare_file(path: &Path) -> Result<Option<String>, StateError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| StateError::io(path, format!("cannot create {}", dir.display()), &e))?;
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() == 0 => Ok(Some(format!(
            "state cache {} was empty (0 bytes): a new one was started; executions still on the cluster \
             are rebuilt from their labels, the history of ended ones is lost",
            path.display()
        ))),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create_whole(path)?;
            Ok(None)
        }
        Err(e) => Err(StateError::io(path, "cannot look at it".into(), &e)),
    }
}

fn create_whole(path: &Path) -> Result<(), StateError> {
    // unique among consoles on any machine sharing the directory, and
    // among threads of one process
    let mut random = [0u8; 8];
    let _ = getrandom::fill(&mut random);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        ".new-{}-{:016x}",
        super::launcher_tag().replace(['/', ':'], "-"),
        u64::from_le_bytes(random)
    ));
    let temporary = path.with_file_name(name);
    let built = (|| {
        let store = Store::over(
            Connection::open(&temporary).map_err(|e| StateError::sqlite(&temporary, &e))?,
            &temporary,
            None,
        );
        store
            .setup()
            .map_err(|e| StateError::sqlite(&temporary, &e))
        // closing the last connection moves the WAL into the file
    })();
    // Linking fails when another console made it first (use theirs), or
    // where the file system has no hard links: then SQLite creates it in
    // place, as it would anyway.
    let linked = built.map(|()| {
        let _ = std::fs::hard_link(&temporary, path);
    });
    for leftover in ["", "-wal", "-shm"] {
        let mut file = temporary.clone().into_os_string();
        file.push(leftover);
        let _ = std::fs::remove_file(PathBuf::from(file));
    }
    linked
}

fn blank(path: &Path) -> Result<Connection, StateError> {
    Connection::open_in_memory().map_err(|e| StateError::sqlite(path, &e))
}

/// The file opened to read only. Through the WAL index when one can be
/// made; else (a read-only directory without one, a full disk) as an
/// immutable file, which skips what the WAL alone may still hold (the last
/// console to close a cache moves its WAL into the file).
fn read_only(path: &Path) -> Result<Connection, String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
    let usable = |conn: Connection| -> rusqlite::Result<Connection> {
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
        Ok(conn)
    };
    let uri = |extra: &str| format!("file:{}?mode=ro{extra}", uri_path(path));
    Connection::open_with_flags(uri(""), flags)
        .and_then(usable)
        .or_else(|_| Connection::open_with_flags(uri("&immutable=1"), flags).and_then(usable))
        .map_err(|e| e.to_string())
}

/// A path as the path part of an SQLite `file:` URI: every byte but the
/// plain ones percent-encoded.
fn uri_path(path: &Path) -> String {
    path.as_os_str()
        .as_encoded_bytes()
        .iter()
        .map(|b| match b {
            b'/' | b'.' | b'-' | b'_' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => {
                char::from(*b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Copies the whole database of `from` into `to`.
fn copy(from: &Connection, to: &mut Connection) -> Result<(), String> {
    let backup = rusqlite::backup::Backup::new(from, to).map_err(|e| e.to_string())?;
    backup
        .run_to_completion(1000, Duration::ZERO, None)
        .map_err(|e| e.to_string())
}
