//! The audit trail in the cache (schema v4, table `audit`): one row per
//! launch, relaunch and termination, with who did it and when.

use rusqlite::params;

use super::{StateError, Store};
use crate::model::audit::{AuditEntry, AuditSource};

impl Store {
    /// Adds a line to the audit trail of execution `id`.
    pub fn add_audit(
        &self,
        deployment: &str,
        id: &str,
        at: u64,
        user: &str,
        action: &str,
        detail: Option<&str>,
    ) -> Result<(), StateError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO audit (deployment, id, at, user, action, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![deployment, id, at as i64, user, action, detail],
            )
            .map(|_| ())
        })
    }

    /// The audit trail of execution `id`, oldest first.
    pub fn audit(&self, deployment: &str, id: &str) -> Result<Vec<AuditEntry>, StateError> {
        let mut stmt = self
            .db()
            .prepare(
                "SELECT at, user, action, detail FROM audit WHERE deployment = ?1 AND id = ?2 ORDER BY at, rowid",
            )
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(params![deployment, id], |r| {
                Ok(AuditEntry {
                    at: r.get::<_, i64>(0)?.max(0) as u64,
                    user: r.get(1)?,
                    action: r.get(2)?,
                    detail: r.get(3)?,
                    source: AuditSource::Cache,
                })
            })
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }
}

impl Store {
    /// Every audit line of the deployment: (execution, line), oldest first.
    pub fn audits(&self, deployment: &str) -> Result<Vec<(String, AuditEntry)>, StateError> {
        let mut stmt = self
            .db()
            .prepare(
                "SELECT id, at, user, action, detail FROM audit WHERE deployment = ?1 ORDER BY at, rowid",
            )
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(params![deployment], |r| {
                Ok((
                    r.get(0)?,
                    AuditEntry {
                        at: r.get::<_, i64>(1)?.max(0) as u64,
                        user: r.get(2)?,
                        action: r.get(3)?,
                        detail: r.get(4)?,
                        source: AuditSource::Cache,
                    },
                ))
            })
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_trail_is_kept_per_execution_oldest_first() {
        let store = Store::open_in_memory().unwrap();
        store
            .add_audit(
                "d",
                "a1",
                20,
                "bob",
                "terminated",
                Some("terminated by bob"),
            )
            .unwrap();
        store
            .add_audit("d", "a1", 10, "bob", "launched", None)
            .unwrap();
        store
            .add_audit("d", "b2", 10, "eve", "launched", None)
            .unwrap();
        store
            .add_audit("other", "a1", 5, "x", "launched", None)
            .unwrap();
        let trail = store.audit("d", "a1").unwrap();
        let actions: Vec<(&str, &str)> = trail
            .iter()
            .map(|e| (e.user.as_str(), e.action.as_str()))
            .collect();
        assert_eq!(actions, [("bob", "launched"), ("bob", "terminated")]);
        assert_eq!(trail[1].detail.as_deref(), Some("terminated by bob"));
        let all = store.audits("d").unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[2].0, "a1");
    }

    #[test]
    fn a_version_3_cache_opens_and_gets_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE executions (
                    id TEXT NOT NULL, deployment TEXT NOT NULL, name TEXT NOT NULL, entry TEXT NOT NULL,
                    owner TEXT NOT NULL, description TEXT, parameters TEXT NOT NULL DEFAULT '{}',
                    status TEXT NOT NULL, reason TEXT, submitted INTEGER NOT NULL, started INTEGER, ended INTEGER,
                    hosts TEXT NOT NULL DEFAULT '', endpoints TEXT NOT NULL DEFAULT '[]', launcher TEXT NOT NULL DEFAULT '',
                    restarts TEXT NOT NULL DEFAULT '{}', cleaned INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (deployment, id));
                 CREATE TABLE status_log (deployment TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT);
                 CREATE TABLE nodes (deployment TEXT NOT NULL, name TEXT NOT NULL, snapshot TEXT NOT NULL, seen INTEGER NOT NULL, PRIMARY KEY (deployment, name));
                 CREATE TABLE cleanups (deployment TEXT NOT NULL, id TEXT NOT NULL, host TEXT NOT NULL,
                    since INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
                    last_error TEXT, left_over TEXT, by TEXT NOT NULL, close_as TEXT NOT NULL, close_reason TEXT,
                    PRIMARY KEY (deployment, id, host));
                 PRAGMA user_version = 3;",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert!(store.audit("d", "a1").unwrap().is_empty());
        store
            .add_audit("d", "a1", 1, "bob", "launched", None)
            .unwrap();
        assert_eq!(store.audit("d", "a1").unwrap().len(), 1);
        let version: i32 = store
            .db()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 4);
    }
}
