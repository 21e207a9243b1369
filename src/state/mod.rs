//! The local state cache: execution history (entry, parameters,
//! description, owner, status timeline, reasons, endpoints) and the
//! last-known nodes, in one SQLite file under the XDG cache directory.
//!
//! The cluster stays the source of truth: `reconcile` brings the cache in
//! line with what the containers' labels say, both ways. SQLite in WAL mode
//! with a busy timeout and short transactions lets several consoles share
//! one cache; a crash (even `kill -9`) mid-write leaves the last committed
//! state.

mod audit;
mod cleanup;
mod error;
mod open;
mod reconcile;

pub use cleanup::{Closed, PendingCleanup};
pub use error::{StateError, Trouble};
pub use reconcile::{Answered, ReconcileReport, reconcile};

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::model::{ExecutionId, ExecutionStatus};

const SCHEMA_VERSION: i32 = 4;

pub use crate::model::record::ExecutionRecord;

pub struct Store {
    /// The cache file (or a database in memory, see `open.rs`).
    conn: Connection,
    path: PathBuf,
    /// A write the file refuses (read-only, disk full) goes on in memory.
    spill: bool,
    /// The copy in memory writes went on in, once the file refused one.
    memory: OnceCell<Connection>,
    /// Why the file is not being written, once it is not.
    unsaved: OnceCell<StateError>,
    notice: Option<String>,
}

/// How long an unchanged node goes without being written again.
pub const NODES_REWRITE_SECS: u64 = 300;

impl Store {
    /// Where reads and writes go: the file, or the copy in memory once the
    /// file refused a write.
    fn db(&self) -> &Connection {
        self.memory.get().unwrap_or(&self.conn)
    }

    /// Runs `body` in a write transaction that takes the write lock up
    /// front, so two consoles queue on the busy timeout instead of failing
    /// on an upgrade. A refusal that is not damage may move the store to
    /// memory (see `spill_to_memory`) and the write is done there.
    fn write<T>(
        &self,
        body: impl Fn(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StateError> {
        let attempt = |conn: &Connection| -> rusqlite::Result<T> {
            let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
            let value = body(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        match attempt(self.db()) {
            Ok(value) => Ok(value),
            Err(e) => {
                let refused = self.fail(e);
                tracing::warn!("cache write failed: {refused}");
                self.spill_to_memory(refused)?;
                attempt(self.db()).map_err(|e| self.fail(e))
            }
        }
    }

    fn fail(&self, e: rusqlite::Error) -> StateError {
        StateError::sqlite(&self.path, &e)
    }

    /// Records a new execution; a second insert of the same id is ignored.
    pub fn insert(&self, record: &ExecutionRecord) -> Result<bool, StateError> {
        let inserted = self.write(|tx| {
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO executions (id, deployment, name, entry, owner, description, parameters, status, reason,
                    submitted, started, ended, hosts, endpoints, launcher)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    record.id.as_str(), record.deployment, record.name, record.entry, record.owner, record.description,
                    crate::model::record::parameters_to_json(&record.parameters), record.status.as_str(), record.reason, record.submitted as i64,
                    record.started.map(|t| t as i64), record.ended.map(|t| t as i64), record.hosts.join(","),
                    crate::model::record::endpoints_to_json(&record.endpoints), record.launcher
                ],
            )?;
            if inserted > 0 {
                tx.execute(
                    "INSERT INTO status_log (deployment, id, at, status, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![record.deployment, record.id.as_str(), record.submitted as i64, record.status.as_str(), record.reason],
                )?;
            }
            Ok(inserted)
        })?;
        Ok(inserted > 0)
    }

    /// Moves an execution to `status` (logged in its timeline when it
    /// changes). Ended executions stay ended.
    pub fn set_status(
        &self,
        deployment: &str,
        id: &str,
        status: ExecutionStatus,
        reason: Option<&str>,
        at: u64,
    ) -> Result<bool, StateError> {
        let at = at as i64;
        self.write(|tx| {
            let current: Option<(String, Option<String>)> = status_and_reason(tx, deployment, id)?;
            let Some((old, old_reason)) = current else {
                return Ok(false);
            };
            let old = ExecutionStatus::parse(&old).unwrap_or(ExecutionStatus::Error);
            // ended stays ended; one being cleaned up is closed by its
            // cleanup alone (`cleanup_done`), never by a status change a
            // console decided on before the kill
            if !old.is_active()
                || (old == ExecutionStatus::CleaningUp && status != ExecutionStatus::CleaningUp)
                || (old == status && old_reason.as_deref() == reason)
            {
                return Ok(false);
            }
            tx.execute(
            "UPDATE executions SET status = ?3,
                reason = CASE WHEN ?3 IN ('terminated', 'error', 'cleaning up') THEN COALESCE(?4, reason) ELSE ?4 END,
                started = CASE WHEN ?3 = 'running' AND started IS NULL THEN ?5 ELSE started END,
                ended = CASE WHEN ?3 IN ('terminated', 'error') THEN ?5 ELSE ended END
             WHERE deployment = ?1 AND id = ?2",
            params![deployment, id, status.as_str(), reason, at],
            )?;
            tx.execute("INSERT INTO status_log (deployment, id, at, status, reason) VALUES (?1, ?2, ?3, ?4, ?5)", params![deployment, id, at, status.as_str(), reason])?;
            Ok(true)
        })
    }

    pub fn set_placement(
        &self,
        deployment: &str,
        id: &str,
        hosts: &[String],
        endpoints: &[crate::model::record::Endpoint],
    ) -> Result<(), StateError> {
        self.write(|tx| {
            tx.execute("UPDATE executions SET hosts = ?3, endpoints = ?4 WHERE deployment = ?1 AND id = ?2", params![deployment, id, hosts.join(","), crate::model::record::endpoints_to_json(endpoints)])
        })?;
        Ok(())
    }

    pub fn get(&self, deployment: &str, id: &str) -> Result<Option<ExecutionRecord>, StateError> {
        self.db()
            .query_row(
                &format!("{SELECT} WHERE deployment = ?1 AND id = ?2"),
                params![deployment, id],
                row_to_record,
            )
            .optional()
            .map_err(|e| self.fail(e))
    }

    /// Executions of the deployment, newest first.
    pub fn list(
        &self,
        deployment: &str,
        include_ended: bool,
    ) -> Result<Vec<ExecutionRecord>, StateError> {
        let filter = if include_ended {
            ""
        } else {
            " AND status NOT IN ('terminated', 'error')"
        };
        let mut stmt = self
            .db()
            .prepare(&format!(
                "{SELECT} WHERE deployment = ?1{filter} ORDER BY submitted DESC, id DESC"
            ))
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(params![deployment], row_to_record)
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }

    /// The status timeline of an execution: (time, status, reason).
    pub fn timeline(
        &self,
        deployment: &str,
        id: &str,
    ) -> Result<Vec<(u64, String, Option<String>)>, StateError> {
        let mut stmt = self
            .db()
            .prepare("SELECT at, status, reason FROM status_log WHERE deployment = ?1 AND id = ?2 ORDER BY at, rowid")
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(params![deployment, id], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }

    /// Counts one more restart of `instance` (a dead elastic service placed
    /// again).
    pub fn add_restart(
        &self,
        deployment: &str,
        id: &str,
        instance: &str,
    ) -> Result<(), StateError> {
        self.write(|tx| {
            let current: Option<String> = tx
                .query_row(
                    "SELECT restarts FROM executions WHERE deployment = ?1 AND id = ?2",
                    params![deployment, id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(current) = current else {
                return Ok(());
            };
            let mut map: std::collections::BTreeMap<String, u32> =
                serde_json::from_str(&current).unwrap_or_default();
            *map.entry(instance.to_string()).or_default() += 1;
            tx.execute(
                "UPDATE executions SET restarts = ?3 WHERE deployment = ?1 AND id = ?2",
                params![
                    deployment,
                    id,
                    serde_json::to_string(&map).unwrap_or_default()
                ],
            )?;
            Ok(())
        })
    }

    /// Remembers the nodes as last seen (for an instant first screen).
    ///
    /// A node unchanged since it was last written is written again only
    /// when that was [`NODES_REWRITE_SECS`] ago or more (for its `seen`):
    /// a look that finds nothing new writes nothing.
    pub fn save_nodes(
        &self,
        deployment: &str,
        nodes: &[crate::model::NodeSnapshot],
        at: u64,
    ) -> Result<(), StateError> {
        let known: std::collections::HashMap<String, (String, u64)> = self
            .nodes(deployment)?
            .into_iter()
            .map(|(name, json, seen)| (name, (json, seen)))
            .collect();
        let changed: Vec<(&str, String)> = nodes
            .iter()
            .map(|node| {
                (
                    node.name.as_str(),
                    serde_json::to_string(node).unwrap_or_default(),
                )
            })
            .filter(|(name, json)| {
                known.get(*name).is_none_or(|(was, seen)| {
                    was != json || at.saturating_sub(*seen) >= NODES_REWRITE_SECS
                })
            })
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            for (name, json) in &changed {
                tx.execute(
                    "INSERT INTO nodes (deployment, name, snapshot, seen) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (deployment, name) DO UPDATE SET snapshot = excluded.snapshot, seen = excluded.seen",
                    params![deployment, name, json, at as i64],
                )?;
            }
            Ok(())
        })
    }

    /// Last-known nodes: (name, snapshot JSON, seen).
    pub fn nodes(&self, deployment: &str) -> Result<Vec<(String, String, u64)>, StateError> {
        let mut stmt = self
            .db()
            .prepare("SELECT name, snapshot, seen FROM nodes WHERE deployment = ?1 ORDER BY name")
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(params![deployment], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
            })
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }
}

const SELECT: &str = "SELECT id, name, entry, owner, deployment, description, parameters, status, reason, submitted, started, ended, hosts, endpoints, launcher, restarts FROM executions";

/// An execution's status and reason as stored; `None` when unknown.
pub(crate) fn status_and_reason(
    tx: &Transaction<'_>,
    deployment: &str,
    id: &str,
) -> rusqlite::Result<Option<(String, Option<String>)>> {
    tx.query_row(
        "SELECT status, reason FROM executions WHERE deployment = ?1 AND id = ?2",
        params![deployment, id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

fn row_to_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<ExecutionRecord> {
    let status: String = r.get(7)?;
    let hosts: String = r.get(12)?;
    let id: String = r.get(0)?;
    let id = ExecutionId::parse(&id).map_err(|why| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, why.into())
    })?;
    Ok(ExecutionRecord {
        id,
        name: r.get(1)?,
        entry: r.get(2)?,
        owner: r.get(3)?,
        deployment: r.get(4)?,
        description: r.get(5)?,
        parameters: crate::model::record::parameters_from_json(&r.get::<_, String>(6)?),
        status: ExecutionStatus::parse(&status).unwrap_or(ExecutionStatus::Error),
        reason: r.get(8)?,
        submitted: r.get::<_, i64>(9)? as u64,
        started: r.get::<_, Option<i64>>(10)?.map(|t| t as u64),
        ended: r.get::<_, Option<i64>>(11)?.map(|t| t as u64),
        hosts: hosts
            .split(',')
            .filter(|h| !h.is_empty())
            .map(str::to_string)
            .collect(),
        endpoints: crate::model::record::endpoints_from_json(&r.get::<_, String>(13)?),
        launcher: r.get(14)?,
        restarts: serde_json::from_str::<std::collections::BTreeMap<String, u32>>(
            &r.get::<_, String>(15)?,
        )
        .map(|m| m.into_iter().collect())
        .unwrap_or_default(),
    })
}

/// `<machine>:<pid>` of this process, to tell whether a launch is still
/// being driven by a live console.
pub fn launcher_tag() -> String {
    format!("{}:{}", machine_id(), std::process::id())
}

/// True when `tag` names a process on this machine that is gone.
pub fn launcher_is_gone(tag: &str) -> bool {
    match tag.rsplit_once(':') {
        Some((machine, pid)) if machine == machine_id() => match pid.parse::<u32>() {
            Ok(pid) => !Path::new(&format!("/proc/{pid}")).exists(),
            Err(_) => true,
        },
        _ => false,
    }
}

/// Whether the launcher tag names a process on this machine (whose life
/// can be checked).
pub fn launcher_is_local(tag: &str) -> bool {
    tag.rsplit_once(':')
        .is_some_and(|(machine, _)| machine == machine_id())
}

fn machine_id() -> String {
    std::fs::read_to_string("/etc/machine-id")
        .or_else(|_| std::fs::read_to_string("/proc/sys/kernel/hostname"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
