//! Cleanups that are never forgotten. What must be removed from a host is
//! written here *before* it is attempted (one row per execution and host),
//! and the row stays until the host confirms that nothing of the execution
//! is left. Meanwhile the execution shows as `cleaning up`, with the host,
//! what is left and the last error; every later look (a reconcile, a
//! supervision pass, the terminal UI) retries what is due, with backoff.
//! The record is closed only when its last row goes.

use rusqlite::{OptionalExtension, params};

use super::{StateError, Store, launcher_is_gone};
use crate::model::{ExecutionId, ExecutionStatus};

/// The longest wait between two tries of one cleanup, in seconds.
pub const MAX_BACKOFF_SECS: u64 = 60;

/// One host an execution must still be removed from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PendingCleanup {
    pub id: ExecutionId,
    pub host: String,
    /// When the cleanup was first recorded.
    pub since: u64,
    /// Tries that failed so far.
    pub attempts: u32,
    /// Not tried again before this time (unless asked to, or its console is
    /// gone).
    pub next_at: u64,
    pub last_error: Option<String>,
    /// What the last try found left (`2 containers, network zoe-x`).
    pub left_over: Option<String>,
    /// `<machine>:<pid>` of the console that recorded or last tried it.
    pub by: String,
    /// What the record becomes once nothing is left.
    pub close_as: ExecutionStatus,
    pub close_reason: Option<String>,
}

impl PendingCleanup {
    /// Whether a console should try it now: its next try is due, or the
    /// console that recorded it is gone before trying it (a kill cut
    /// short). After a try that found something it could not remove, the
    /// backoff holds, whoever asks.
    pub fn is_due(&self, now: u64) -> bool {
        self.next_at <= now || (self.attempts == 0 && launcher_is_gone(&self.by))
    }
}

/// A record closed because its last cleanup row went.
#[derive(Debug, Clone, PartialEq)]
pub struct Closed {
    pub status: ExecutionStatus,
    pub reason: Option<String>,
}

/// Seconds to wait after `attempts` failed tries: none after the first
/// (the next look tries again), then 2, 4, 8… up to a minute.
pub fn backoff_secs(attempts: u32) -> u64 {
    if attempts <= 1 {
        return 0;
    }
    1u64.checked_shl((attempts - 1).min(16))
        .unwrap_or(MAX_BACKOFF_SECS)
        .min(MAX_BACKOFF_SECS)
}

/// What an execution's cleanup closes it as, (status, reason): as its row
/// on `host` says, or its first row.
fn planned_close(
    tx: &rusqlite::Transaction<'_>,
    deployment: &str,
    id: &str,
    host: Option<&str>,
) -> rusqlite::Result<Option<(String, Option<String>)>> {
    tx.query_row(
        "SELECT close_as, close_reason FROM cleanups
         WHERE deployment = ?1 AND id = ?2 AND (?3 IS NULL OR host = ?3) LIMIT 1",
        params![deployment, id, host],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

impl Store {
    /// Records that the execution must be removed from `hosts` before
    /// anything is removed, and shows it as `cleaning up` with
    /// `close_reason` (an ended record is opened again: something of it is
    /// still on the cluster). Rows that exist already keep their history;
    /// `by` and `next_at` say who works on them and when others may try.
    /// What the record becomes at the end is decided once per execution:
    /// the first plan's, which later ones (a kill of it) keep.
    #[allow(clippy::too_many_arguments)]
    pub fn plan_cleanup(
        &self,
        deployment: &str,
        id: &str,
        hosts: &[String],
        close_as: ExecutionStatus,
        close_reason: Option<&str>,
        by: &str,
        next_at: u64,
        now: u64,
    ) -> Result<(), StateError> {
        self.write(|tx| {
            let first = planned_close(tx, deployment, id, None)?;
            let (close_as, close_reason) = match &first {
                Some((status, reason)) => (
                    ExecutionStatus::parse(status).unwrap_or(close_as),
                    reason.as_deref(),
                ),
                None => (close_as, close_reason),
            };
            for host in hosts {
                tx.execute(
                    "INSERT INTO cleanups (deployment, id, host, since, attempts, next_at, by, close_as, close_reason)
                     VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8)
                     ON CONFLICT (deployment, id, host) DO UPDATE SET by = excluded.by, next_at = excluded.next_at",
                    params![deployment, id, host, now as i64, next_at as i64, by, close_as.as_str(), close_reason],
                )?;
            }
            let status: Option<String> = tx
                .query_row(
                    "SELECT status FROM executions WHERE deployment = ?1 AND id = ?2",
                    params![deployment, id],
                    |r| r.get(0),
                )
                .optional()?;
            if status.is_some_and(|s| s != ExecutionStatus::CleaningUp.as_str()) {
                tx.execute(
                    "UPDATE executions SET status = ?3, reason = ?4, cleaned = 0
                     WHERE deployment = ?1 AND id = ?2",
                    params![deployment, id, ExecutionStatus::CleaningUp.as_str(), close_reason],
                )?;
                tx.execute(
                    "INSERT INTO status_log (deployment, id, at, status, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![deployment, id, now as i64, ExecutionStatus::CleaningUp.as_str(), close_reason],
                )?;
            }
            Ok(())
        })
    }

    /// Every cleanup still pending in the deployment, oldest first.
    pub fn cleanups(&self, deployment: &str) -> Result<Vec<PendingCleanup>, StateError> {
        let mut stmt = self
            .db()
            .prepare(
                "SELECT id, host, since, attempts, next_at, last_error, left_over, by, close_as, close_reason
                 FROM cleanups WHERE deployment = ?1 ORDER BY since, id, host",
            )
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(params![deployment], |r| {
                let id: String = r.get(0)?;
                let close_as: String = r.get(8)?;
                // a row whose id is not one (a damaged cache) is skipped
                let Ok(id) = ExecutionId::parse(&id) else {
                    return Ok(None);
                };
                Ok(Some(PendingCleanup {
                    id,
                    host: r.get(1)?,
                    since: r.get::<_, i64>(2)?.max(0) as u64,
                    attempts: r.get::<_, i64>(3)?.clamp(0, i64::from(u32::MAX)) as u32,
                    next_at: r.get::<_, i64>(4)?.max(0) as u64,
                    last_error: r.get(5)?,
                    left_over: r.get(6)?,
                    by: r.get(7)?,
                    close_as: ExecutionStatus::parse(&close_as)
                        .unwrap_or(ExecutionStatus::Terminated),
                    close_reason: r.get(9)?,
                }))
            })
            .map_err(|e| self.fail(e))?;
        let mut list = Vec::new();
        for row in rows {
            list.extend(row.map_err(|e| self.fail(e))?);
        }
        Ok(list)
    }

    /// A try that did not finish the cleanup on `host`: counted, and the
    /// record's reason says what is left and why. When the host answered
    /// but something stayed (`left_over`), the next try is put off (2 s,
    /// then longer); when it could not be asked at all, the next look that
    /// finds it answering tries again at once (looks skip hosts that do not
    /// answer, so a dead host is not hammered).
    #[allow(clippy::too_many_arguments)]
    pub fn cleanup_failed(
        &self,
        deployment: &str,
        id: &str,
        host: &str,
        error: &str,
        left_over: Option<&str>,
        by: &str,
        now: u64,
    ) -> Result<(), StateError> {
        self.write(|tx| {
            let row: Option<(i64, Option<String>)> = tx
                .query_row(
                    "SELECT attempts, close_reason FROM cleanups WHERE deployment = ?1 AND id = ?2 AND host = ?3",
                    params![deployment, id, host],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((attempts, close_reason)) = row else {
                return Ok(());
            };
            let attempts = attempts.clamp(0, i64::from(u32::MAX - 1)) as u32 + 1;
            let next_at = match left_over {
                Some(_) => now.saturating_add(backoff_secs(attempts)),
                None => now,
            };
            tx.execute(
                "UPDATE cleanups SET attempts = ?4, next_at = ?5, last_error = ?6, left_over = ?7, by = ?8
                 WHERE deployment = ?1 AND id = ?2 AND host = ?3",
                params![deployment, id, host, attempts, next_at as i64, error, left_over, by],
            )?;
            let progress = match left_over {
                Some(left) => format!("{host} still holds {left} ({error})"),
                None => format!("{host}: {error}"),
            };
            let reason = match close_reason {
                Some(why) => format!("{why}; cleaning up: {progress}; retried automatically"),
                None => format!("cleaning up: {progress}; retried automatically"),
            };
            tx.execute(
                "UPDATE executions SET reason = ?3 WHERE deployment = ?1 AND id = ?2 AND status = ?4",
                params![deployment, id, reason, ExecutionStatus::CleaningUp.as_str()],
            )?;
            Ok(())
        })
    }

    /// The host confirmed nothing of the execution is left: its row goes.
    /// When it was the last one, the record is closed as planned (and
    /// remembered as cleaned: anything of it found later is a leftover).
    pub fn cleanup_done(
        &self,
        deployment: &str,
        id: &str,
        host: &str,
        now: u64,
    ) -> Result<Option<Closed>, StateError> {
        self.write(|tx| {
            let Some((close_as, close_reason)) = planned_close(tx, deployment, id, Some(host))?
            else {
                return Ok(None);
            };
            tx.execute(
                "DELETE FROM cleanups WHERE deployment = ?1 AND id = ?2 AND host = ?3",
                params![deployment, id, host],
            )?;
            let left: i64 = tx.query_row(
                "SELECT COUNT(*) FROM cleanups WHERE deployment = ?1 AND id = ?2",
                params![deployment, id],
                |r| r.get(0),
            )?;
            if left > 0 {
                return Ok(None);
            }
            let status = ExecutionStatus::parse(&close_as).unwrap_or(ExecutionStatus::Terminated);
            let closed = tx.execute(
                "UPDATE executions SET status = ?3, reason = ?4, cleaned = 1,
                 ended = CASE WHEN ?3 = 'queued' THEN ended ELSE COALESCE(ended, ?5) END
                 WHERE deployment = ?1 AND id = ?2 AND status = ?6",
                params![
                    deployment,
                    id,
                    status.as_str(),
                    close_reason,
                    now as i64,
                    ExecutionStatus::CleaningUp.as_str()
                ],
            )?;
            if closed == 0 {
                return Ok(None);
            }
            tx.execute(
                "INSERT INTO status_log (deployment, id, at, status, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![deployment, id, now as i64, status.as_str(), close_reason],
            )?;
            Ok(Some(Closed {
                status,
                reason: close_reason,
            }))
        })
    }

    /// Gives a `cleaning up` record that has no pending rows (left by an
    /// older console) rows on `hosts`, in one transaction: nothing happens
    /// when another console planned or finished its cleanup meanwhile.
    /// Whether rows were added.
    pub fn adopt_cleanup(
        &self,
        deployment: &str,
        id: &str,
        hosts: &[String],
        by: &str,
        now: u64,
    ) -> Result<bool, StateError> {
        self.write(|tx| {
            let rows: i64 = tx.query_row(
                "SELECT COUNT(*) FROM cleanups WHERE deployment = ?1 AND id = ?2",
                params![deployment, id],
                |r| r.get(0),
            )?;
            let record: Option<(String, Option<String>)> = super::status_and_reason(tx, deployment, id)?;
            let Some((status, reason)) = record else {
                return Ok(false);
            };
            if rows > 0 || status != ExecutionStatus::CleaningUp.as_str() {
                return Ok(false);
            }
            for host in hosts {
                tx.execute(
                    "INSERT OR IGNORE INTO cleanups (deployment, id, host, since, attempts, next_at, by, close_as, close_reason)
                     VALUES (?1, ?2, ?3, ?4, 0, ?4, ?5, ?6, ?7)",
                    params![deployment, id, host, now as i64, by, ExecutionStatus::Terminated.as_str(), reason],
                )?;
            }
            Ok(!hosts.is_empty())
        })
    }

    /// Whether the record was closed by a cleanup (so anything of it still
    /// on the cluster is a leftover, not a kept container of an ended run).
    pub fn was_cleaned(&self, deployment: &str, id: &str) -> Result<bool, StateError> {
        self.db()
            .query_row(
                "SELECT cleaned FROM executions WHERE deployment = ?1 AND id = ?2",
                params![deployment, id],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|v| v.is_some_and(|v| v != 0))
            .map_err(|e| self.fail(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ExecutionRecord;

    fn record(id: &str, status: ExecutionStatus) -> ExecutionRecord {
        ExecutionRecord {
            id: ExecutionId::parse(id).unwrap(),
            name: "n".into(),
            entry: "e".into(),
            owner: "o".into(),
            deployment: "d".into(),
            description: None,
            parameters: Vec::new(),
            status,
            reason: None,
            submitted: 100,
            started: None,
            ended: None,
            hosts: vec!["a".into(), "b".into()],
            endpoints: Vec::new(),
            launcher: String::new(),
            restarts: Vec::new(),
        }
    }

    #[test]
    fn a_record_closes_only_when_every_host_confirmed() {
        let store = Store::open_in_memory().unwrap();
        store
            .insert(&record("x1", ExecutionStatus::Starting))
            .unwrap();
        let hosts = vec!["a".to_string(), "b".to_string()];
        store
            .plan_cleanup(
                "d",
                "x1",
                &hosts,
                ExecutionStatus::Error,
                Some("launch failed: boom"),
                "m:1",
                200,
                200,
            )
            .unwrap();
        let r = store.get("d", "x1").unwrap().unwrap();
        assert_eq!(r.status, ExecutionStatus::CleaningUp);
        assert_eq!(r.reason.as_deref(), Some("launch failed: boom"));
        assert_eq!(store.cleanups("d").unwrap().len(), 2);
        // b does not answer: counted, put off, said in the reason
        store
            .cleanup_failed(
                "d",
                "x1",
                "b",
                "no answer",
                Some("network zoe-x1"),
                "m:2",
                210,
            )
            .unwrap();
        let b = store
            .cleanups("d")
            .unwrap()
            .into_iter()
            .find(|c| c.host == "b")
            .unwrap();
        assert_eq!((b.attempts, b.next_at, b.by.as_str()), (1, 210, "m:2"));
        assert!(b.is_due(210), "the first retry is at the next look");
        let r = store.get("d", "x1").unwrap().unwrap();
        assert_eq!(r.status, ExecutionStatus::CleaningUp);
        assert!(
            r.reason
                .as_deref()
                .unwrap()
                .contains("b still holds network zoe-x1 (no answer)"),
            "{r:?}"
        );
        assert_eq!(store.cleanup_done("d", "x1", "a", 220).unwrap(), None);
        assert!(!store.was_cleaned("d", "x1").unwrap());
        let closed = store.cleanup_done("d", "x1", "b", 230).unwrap().unwrap();
        assert_eq!(closed.status, ExecutionStatus::Error);
        let r = store.get("d", "x1").unwrap().unwrap();
        assert_eq!(r.status, ExecutionStatus::Error);
        assert_eq!(r.reason.as_deref(), Some("launch failed: boom"));
        assert_eq!(r.ended, Some(230));
        assert!(store.was_cleaned("d", "x1").unwrap());
        assert!(store.cleanups("d").unwrap().is_empty());
        // done twice: nothing happens
        assert_eq!(store.cleanup_done("d", "x1", "b", 240).unwrap(), None);
        let timeline = store.timeline("d", "x1").unwrap();
        let statuses: Vec<&str> = timeline.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(statuses, ["starting", "cleaning up", "error"]);
    }

    #[test]
    fn an_ended_record_with_leftovers_is_opened_again_and_closed_as_it_was() {
        let store = Store::open_in_memory().unwrap();
        store
            .insert(&record("x2", ExecutionStatus::Running))
            .unwrap();
        store
            .set_status(
                "d",
                "x2",
                ExecutionStatus::Terminated,
                Some("finished"),
                150,
            )
            .unwrap();
        store
            .plan_cleanup(
                "d",
                "x2",
                &["a".to_string()],
                ExecutionStatus::Terminated,
                Some("finished"),
                "m:1",
                160,
                160,
            )
            .unwrap();
        let r = store.get("d", "x2").unwrap().unwrap();
        assert_eq!(
            (r.status, r.ended),
            (ExecutionStatus::CleaningUp, Some(150))
        );
        // planned again (a kill while it cleans up): one row, history kept
        store
            .cleanup_failed("d", "x2", "a", "refused", None, "m:1", 161)
            .unwrap();
        store
            .plan_cleanup(
                "d",
                "x2",
                &["a".to_string()],
                ExecutionStatus::Error,
                Some("other"),
                "m:3",
                170,
                170,
            )
            .unwrap();
        let rows = store.cleanups("d").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].attempts, rows[0].by.as_str(), rows[0].close_as),
            (1, "m:3", ExecutionStatus::Terminated)
        );
        let closed = store.cleanup_done("d", "x2", "a", 180).unwrap().unwrap();
        assert_eq!(
            (closed.status, closed.reason.as_deref()),
            (ExecutionStatus::Terminated, Some("finished"))
        );
    }

    #[test]
    fn a_host_that_could_not_be_asked_is_tried_at_the_next_look() {
        let store = Store::open_in_memory().unwrap();
        store
            .insert(&record("x3", ExecutionStatus::Starting))
            .unwrap();
        store
            .plan_cleanup(
                "d",
                "x3",
                &["a".to_string()],
                ExecutionStatus::Error,
                Some("launch failed"),
                "m:1",
                300,
                240,
            )
            .unwrap();
        // down: no backoff, the next look that finds it answering tries
        store
            .cleanup_failed("d", "x3", "a", "connection refused", None, "m:1", 250)
            .unwrap();
        let row = store.cleanups("d").unwrap().remove(0);
        assert_eq!((row.attempts, row.next_at), (1, 250));
        assert!(row.is_due(250));
        // it answered, but something stayed: put off
        store
            .cleanup_failed("d", "x3", "a", "conflict", Some("1 container"), "m:1", 251)
            .unwrap();
        let row = store.cleanups("d").unwrap().remove(0);
        assert_eq!((row.attempts, row.next_at), (2, 253));
        assert!(!row.is_due(252));
    }

    #[test]
    fn backoff_grows_to_a_minute() {
        assert_eq!(backoff_secs(0), 0);
        assert_eq!(backoff_secs(1), 0);
        assert_eq!(backoff_secs(2), 2);
        assert_eq!(backoff_secs(4), 8);
        assert_eq!(backoff_secs(7), 60);
        assert_eq!(backoff_secs(u32::MAX), 60);
    }
}
