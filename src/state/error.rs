//! What went wrong with the cache file, and what to do about it. Only real
//! damage is cured by removing the file; a file that cannot be written
//! (read-only, disk full) is not damaged and still reads.

use std::path::{Path, PathBuf};

/// The kind of trouble, which decides the advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// Not an SQLite database, or its pages are corrupt.
    Damaged,
    /// The file or its directory refuses writes: a read-only file, mount or
    /// directory, an immutable file, permissions.
    ReadOnly,
    /// No space left on the file system.
    Full,
    /// Another console held the lock longer than the busy timeout.
    Busy,
    /// Anything else (an I/O error…).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct StateError {
    pub path: PathBuf,
    /// SQLite's or the system's own words.
    pub why: String,
    pub trouble: Trouble,
}

impl StateError {
    pub(super) fn sqlite(path: &Path, err: &rusqlite::Error) -> StateError {
        StateError {
            path: path.to_path_buf(),
            why: err.to_string(),
            trouble: trouble_of(err),
        }
    }

    /// A failure of the file system around the file (creating its
    /// directory, linking a new cache into place).
    pub(super) fn io(path: &Path, what: String, err: &std::io::Error) -> StateError {
        use std::io::ErrorKind;
        let trouble = match err.kind() {
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded => Trouble::Full,
            ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied => Trouble::ReadOnly,
            _ => Trouble::Other,
        };
        StateError {
            path: path.to_path_buf(),
            why: format!("{what}: {err}"),
            trouble,
        }
    }

    /// The cache cannot be written, but what it holds is intact and can be
    /// read: a console that only reads may go on without saving.
    pub fn is_unwritable(&self) -> bool {
        matches!(self.trouble, Trouble::ReadOnly | Trouble::Full)
    }

    fn message(&self) -> String {
        let (path, why) = (self.path.display(), &self.why);
        match self.trouble {
            Trouble::Damaged => format!(
                "state cache {path} is damaged ({why}): remove it (and its -wal and -shm files); \
                 it is rebuilt from the cluster's labels, only the history of ended executions is lost"
            ),
            Trouble::ReadOnly => format!(
                "state cache {path} cannot be written ({why}): the file or its directory is read-only; \
                 make both writable, or set XDG_CACHE_HOME to a writable directory"
            ),
            Trouble::Full => format!(
                "state cache {path} cannot be written: the disk is full ({why}); free space on its file system"
            ),
            Trouble::Busy => format!(
                "state cache {path} stayed locked by another console ({why}); try again, or stop the `zoe` that holds it"
            ),
            Trouble::Other => format!(
                "state cache {path}: {why}; check that the file and its directory can be read and written"
            ),
        }
    }
}

fn trouble_of(err: &rusqlite::Error) -> Trouble {
    use rusqlite::ErrorCode;
    let Some(failure) = err.sqlite_error() else {
        return Trouble::Other;
    };
    match failure.code {
        ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => Trouble::Damaged,
        // SQLite opens a file it may not write read-only, and says so on
        // the first write; a read-only directory cannot hold the WAL files
        ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
            Trouble::ReadOnly
        }
        ErrorCode::DiskFull => Trouble::Full,
        // growing the WAL index (-shm) fails only for lack of room
        ErrorCode::SystemIoFailure
            if failure.extended_code == rusqlite::ffi::SQLITE_IOERR_SHMSIZE =>
        {
            Trouble::Full
        }
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Trouble::Busy,
        _ => Trouble::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn only_damage_advises_removing_the_file() {
        let path = Path::new("/home/u/.cache/zoe/state.db");
        let damaged = [rusqlite::ffi::SQLITE_CORRUPT, rusqlite::ffi::SQLITE_NOTADB];
        let not_damaged = [
            (rusqlite::ffi::SQLITE_READONLY, "read-only"),
            (rusqlite::ffi::SQLITE_CANTOPEN, "read-only"),
            (rusqlite::ffi::SQLITE_PERM, "read-only"),
            (rusqlite::ffi::SQLITE_FULL, "the disk is full"),
            (rusqlite::ffi::SQLITE_IOERR_SHMSIZE, "the disk is full"),
            (rusqlite::ffi::SQLITE_BUSY, "locked by another console"),
            (rusqlite::ffi::SQLITE_IOERR, "check that the file"),
        ];
        for code in damaged {
            let e = StateError::sqlite(path, &failure(code));
            assert_eq!(e.trouble, Trouble::Damaged);
            assert!(e.to_string().contains("remove it"), "{e}");
            assert!(!e.is_unwritable());
        }
        for (code, says) in not_damaged {
            let e = StateError::sqlite(path, &failure(code));
            let text = e.to_string();
            assert!(
                text.starts_with("state cache /home/u/.cache/zoe/state.db"),
                "{text}"
            );
            assert!(text.contains(says), "{code}: {text}");
            assert!(
                !text.contains("remove") && !text.contains("damaged"),
                "{code}: {text}"
            );
        }
        let full = StateError::io(
            path,
            "cannot create /home/u/.cache/zoe".into(),
            &std::io::Error::from(std::io::ErrorKind::StorageFull),
        );
        assert!(full.is_unwritable() && full.to_string().contains("disk is full"));
        let read_only = StateError::io(
            path,
            "cannot create /home/u/.cache/zoe".into(),
            &std::io::Error::from_raw_os_error(30), // EROFS
        );
        assert_eq!(read_only.trouble, Trouble::ReadOnly);
        assert!(
            read_only
                .to_string()
                .contains("cannot create /home/u/.cache/zoe")
        );
    }
}
