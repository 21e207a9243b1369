//! THE engine both fronts use: every rule lives here once. The CLI awaits
//! these operations; the terminal UI's engine task serves its requests
//! through the same ones.
//!
//! * observe: every target read at once, the cache reconciled with it;
//! * launch: read-only check → admission (quota) → record → refuse what
//!   fits on no target even when empty → wait in the queue (when asked) →
//!   place → start → record;
//! * terminate: read-only check → the owner's own, unless the role has
//!   `can_operate_others` (`access`) → guard (a launch another console still has under way) →
//!   stop and remove → record;
//! * follow logs (merged, resumable; the owner's own, like terminate),
//!   relaunch values (`access`), supervise.
//!
//! A cache that stops taking writes (read-only file, disk full) never hides
//! what happened on the cluster: the operation goes on and the engine keeps
//! a notice the front shows (stderr, status line); the next reconcile fills
//! the cache in from the labels.

use std::cell::RefCell;
use std::time::Duration;

use futures::{Stream, StreamExt};

use super::Prepared;
use super::access::{Action, Asking};
use super::cleanup::{CleanupOutcome, CleanupPlan, clean_up, hosts_of};
use super::events::{Event, Events, record_event};
use super::launch::{LaunchError, Launched, Removal, launch, now_secs, plan_on};
use super::observe::{Observation, Wait, observe};
use super::queue::plan_when_empty;
use super::supervise::{SuperviseReport, supervise_pass};
use super::target::check_target;
use crate::backend::Targets;
use crate::config::Settings;
use crate::model::view::LAUNCH_WINDOW_SECS;
use crate::model::{ExecutionId, ExecutionStatus, LogItem, LogRequest, NodeSnapshot};
use crate::sched::{Plan, Rejection};
use crate::state::{ExecutionRecord, PendingCleanup, StateError, Store, launcher_is_gone};

/// How often an execution waiting in the queue looks for room again.
pub const QUEUE_POLL: Duration = Duration::from_secs(3);

/// Why an operation did not happen; what to do is in the text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The cache could not be read or written where it had to be.
    #[error("{0}")]
    Cache(String),
    /// Refused by a rule: read-only, quota, a launch under way, no such
    /// execution.
    #[error("{0}")]
    Refused(String),
    /// Nothing fits now (it would fit when room frees up).
    #[error("{message}")]
    NoRoom {
        message: String,
        rejection: Rejection,
    },
    /// It fits on no target even when every target is empty.
    #[error("{0}")]
    NeverFits(String),
    /// The launch failed; what it had created was removed.
    #[error("{0}")]
    Failed(String),
}

impl From<StateError> for EngineError {
    fn from(e: StateError) -> EngineError {
        EngineError::Cache(e.to_string())
    }
}

/// The engine of one console: the settings, the targets, the cache.
pub struct Engine {
    pub(super) settings: Settings,
    pub(super) cluster: Targets,
    pub(super) store: Store,
    readonly: bool,
    /// Who asks (see `access`): only their own executions, unless their
    /// role has `can_operate_others`.
    pub(super) asking: Asking,
    /// Things the user should know that did not stop the operation (the
    /// cache refused a write…), each once, for the front to show.
    notices: RefCell<Vec<String>>,
    /// Every notice given, so each is given once.
    told: RefCell<std::collections::HashSet<String>>,
    /// Workloads a detached stop is under way for.
    stopping: RefCell<std::collections::HashSet<String>>,
    /// Looks hold it shared; an essential instance's restart holds it
    /// alone, so that no look of this engine sees the instance down for a
    /// moment and ends its execution (see `instances`).
    pub(super) looks: tokio::sync::RwLock<()>,
}

/// After a target refused room the console saw: the least wait before the
/// queue tries again, and the most it waits for a change on the targets.
const REQUEUE_PAUSE: Duration = Duration::from_secs(5);
const REQUEUE_WAIT: Duration = Duration::from_secs(60);

impl Engine {
    pub fn new(settings: Settings, cluster: Targets, store: Store, readonly: bool) -> Engine {
        Engine {
            settings,
            cluster,
            store,
            readonly,
            asking: Asking::unknown(),
            notices: RefCell::new(Vec::new()),
            told: RefCell::new(std::collections::HashSet::new()),
            stopping: RefCell::new(std::collections::HashSet::new()),
            looks: tokio::sync::RwLock::new(()),
        }
    }

    /// Reads the deployment key at `key_file` (making it on first use),
    /// opens the cache at `cache` and makes the engine. `reading` verbs go
    /// on in memory when the cache cannot be written. Also returns what the
    /// cache wants the user to know (an emptied file made anew…).
    pub fn open(
        settings: Settings,
        targets: Vec<crate::config::hosts::TargetConfig>,
        cache: &std::path::Path,
        key_file: &std::path::Path,
        reading: bool,
        readonly: bool,
    ) -> Result<(Engine, Option<String>), EngineError> {
        // without the key nothing on the cluster can be told ours
        let (key, made) =
            crate::config::deployment_key::load_or_make(key_file).map_err(EngineError::Refused)?;
        let store = if reading {
            Store::open_for_reading(cache)
        } else {
            Store::open(cache)
        }?;
        let notice = store.notice().map(str::to_string);
        let deadline = Duration::from_secs(u64::from(settings.host_timeout_secs));
        let shared_network = settings.network.is_some();
        let engine = Engine::new(
            settings,
            Targets::new(targets, key)
                .with_deadline(deadline)
                .with_shared_network(shared_network),
            store,
            readonly,
        );
        if made {
            tracing::warn!("made a new deployment key at {}", key_file.display());
            engine.notice(format!(
                "made a new deployment key at {}: every console of this deployment must use this one file (copy it, mode 0600, and set `deployment_key_file`); containers signed with another key show as foreign",
                key_file.display()
            ));
        }
        Ok((engine, notice))
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn deployment(&self) -> &str {
        &self.settings.deployment_name
    }

    /// Lets the clusters' credential plugins talk to the user (a verb on a
    /// terminal), or not (the default: the terminal UI holds the screen).
    pub fn set_interactive(&self, interactive: bool) {
        self.cluster.set_interactive(interactive);
    }

    pub fn is_readonly(&self) -> bool {
        self.readonly
    }

    /// The address users reach published ports of a target at.
    pub fn external_address(&self, target: &str) -> String {
        self.cluster.external_address(target)
    }

    /// Notices gathered since the last call (each at most once).
    pub fn take_notices(&self) -> Vec<String> {
        if let Some(why) = self.store.unsaved() {
            self.notice(format!(
                "{why}; answering from the cluster without saving to the cache"
            ));
        }
        std::mem::take(&mut *self.notices.borrow_mut())
    }

    /// Keeps a notice for the front, once per engine: a cache that keeps
    /// refusing writes is said once, not at every look.
    fn notice(&self, text: String) {
        if self.told.borrow_mut().insert(text.clone()) {
            self.notices.borrow_mut().push(text);
        }
    }

    /// A cache write that failed after the cluster was changed: a notice,
    /// never a failure.
    fn keep<T>(&self, what: &str, result: Result<T, StateError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                tracing::warn!("the state cache could not record {what}: {e}");
                self.notice(format!(
                    "the state cache could not record {what}: {e}; the next look at the cluster fills it in"
                ));
                None
            }
        }
    }

    pub(super) fn refuse_if_readonly(&self, what: &str) -> Result<(), EngineError> {
        if self.readonly {
            return Err(EngineError::Refused(format!(
                "read-only: {what} is not allowed (started with --readonly or `readonly = true` in the settings)"
            )));
        }
        Ok(())
    }

    /// One look at the cluster, reconciling the cache with it; `wait`
    /// says how long slow hosts are waited for.
    /// Only the executions who asks may see are in its `views`; the nodes
    /// are whole (placement needs them; [`Engine::shown_nodes`] makes them
    /// what the role may see).
    pub async fn observe(&self, wait: Wait) -> Result<Observation, EngineError> {
        let _look = self.looks.read().await;
        let seen = observe(
            &self.cluster,
            &self.settings,
            &self.store,
            wait,
            !self.readonly,
        )
        .await?;
        Ok(self.shown(seen))
    }

    /// An observation with only the executions who asks may see.
    fn shown(&self, mut seen: Observation) -> Observation {
        seen.views.retain(|v| self.asking.sees(&v.owner));
        seen
    }

    /// Ticks when a host answers after a look stopped waiting for it.
    pub fn late_answers(&self) -> tokio::sync::watch::Receiver<u64> {
        self.cluster.late_answers()
    }

    /// What the online nodes' running services use now (about a second:
    /// beside an answer, never in its way).
    pub async fn usage(&self, nodes: &[NodeSnapshot]) -> Vec<super::usage::NodeUsage> {
        super::usage::read(&self.cluster, nodes).await
    }

    /// The executions the cache knows (`all`: ended ones too), newest
    /// first: those who asks may see.
    pub fn records(&self, all: bool) -> Result<Vec<ExecutionRecord>, EngineError> {
        let mut records = self.store.list(self.deployment(), all)?;
        records.retain(|r| self.asking.sees(&r.owner));
        Ok(records)
    }

    /// An execution's status changes: (time, status, reason).
    pub fn timeline(&self, id: &str) -> Result<Vec<(u64, String, Option<String>)>, EngineError> {
        Ok(self.store.timeline(self.deployment(), id)?)
    }

    /// Finds an execution by id, or by a name only one has (active ones
    /// preferred), among those who asks may see: another user's is "no
    /// execution" like a missing one (see `access`).
    pub fn find(&self, query: &str) -> Result<ExecutionRecord, EngineError> {
        if let Some(r) = self.store.get(self.deployment(), query)?
            && self.asking.sees(&r.owner)
        {
            return Ok(r);
        }
        let all = self.records(true)?;
        let candidates: Vec<super::resolve::Candidate<'_>> = all
            .iter()
            .map(|r| super::resolve::Candidate {
                id: r.id.as_str(),
                name: &r.name,
                active: r.status.is_active(),
            })
            .collect();
        let i = super::resolve::pick(query, &candidates)
            .map_err(|why| EngineError::Refused(format!("{why}{}", self.asking.hint())))?;
        all.get(i)
            .cloned()
            .ok_or_else(|| EngineError::Refused(super::access::not_found(query, &self.asking)))
    }

    /// Where the execution would go now, without creating anything.
    pub async fn plan(
        &self,
        prepared: &Prepared,
    ) -> Result<(Result<Plan, Rejection>, Vec<NodeSnapshot>), EngineError> {
        let seen = self.observe(Wait::Answer).await?;
        check_target(&seen.nodes, prepared.target.as_deref()).map_err(EngineError::Refused)?;
        Ok((plan_on(&seen.nodes, prepared, &self.settings), seen.nodes))
    }

    /// Launches a prepared execution: admit, record, refuse what can never
    /// fit, wait in the queue when `wait` (else refuse what does not fit
    /// now), place, start, record. Progress goes to `progress` (and into the
    /// cache). On failure nothing of it remains on the cluster.
    pub async fn launch(
        &self,
        prepared: &Prepared,
        wait: bool,
        progress: &Events,
    ) -> Result<Launched, EngineError> {
        self.refuse_if_readonly("launching")?;
        // what the cache knows first (a refusal then leaves no record);
        // what other consoles started is counted once the hosts are read
        self.admit(prepared, &[])?;
        let deployment = self.deployment().to_string();
        let id = prepared.identity.id.clone();
        let record = super::launch_record(prepared, &deployment);
        // Recorded before anything is created: a crash from here on is found
        // and cleaned up by the next console that looks at the cluster.
        self.store
            .insert(&record)
            .map_err(|e| EngineError::Cache(format!("{e}; nothing was started")))?;
        self.audit_launch(prepared, record.submitted);
        let close = |reason: String| {
            self.keep(
                "the refusal",
                self.store.set_status(
                    &deployment,
                    &id,
                    ExecutionStatus::Terminated,
                    Some(&reason),
                    now_secs(),
                ),
            );
        };
        // What can never fit is refused outright, queue or not (judged only
        // when every target answered: an offline one may be the big one).
        // Each attempt places on the nodes seen just before it, read once:
        // this look, or the queue's last one.
        let mut nodes = self.cluster.snapshot_all(&deployment, None).await.nodes;
        if let Err(e) = self.admit(prepared, &nodes) {
            close(format!("not started: {e}"));
            return Err(e);
        }
        if let Err(message) = check_target(&nodes, prepared.target.as_deref()) {
            close(format!("not started: {message}"));
            return Err(EngineError::Refused(message));
        }
        if nodes.iter().all(NodeSnapshot::is_online)
            && let Err(rejection) = plan_when_empty(&nodes, prepared, &self.settings)
        {
            let message = format!("it fits on no host even when every host is empty: {rejection}");
            close(format!("not started: {message}"));
            return Err(EngineError::NeverFits(message));
        }
        loop {
            if wait {
                match self.wait_for_room(prepared, progress).await {
                    Ok(seen) => nodes = seen,
                    Err(e) => {
                        // it must not stay queued, holding room, after this
                        if let Ok(Some(r)) = self.store.get(&deployment, &id)
                            && matches!(
                                r.status,
                                ExecutionStatus::Submitted | ExecutionStatus::Queued
                            )
                        {
                            close(format!("not started: {e}"));
                        }
                        return Err(e);
                    }
                }
            }
            let result = self.run_launch(prepared, &nodes, progress).await;
            match result {
                Ok(launched) => {
                    let mut hosts: Vec<String> = launched
                        .containers
                        .iter()
                        .map(|(_, h, _)| h.clone())
                        .collect();
                    hosts.sort();
                    hosts.dedup();
                    self.keep(
                        "where the execution runs",
                        self.store
                            .set_placement(&deployment, &id, &hosts, &launched.endpoints),
                    );
                    return Ok(launched);
                }
                // the room seen by the queue pass was taken meanwhile: wait again
                Err(LaunchError::NoRoom(_)) if wait => continue,
                Err(LaunchError::NoRoom(rejection)) => {
                    close(format!("not started: {rejection}"));
                    return Err(EngineError::NoRoom {
                        message: rejection.to_string(),
                        rejection,
                    });
                }
                Err(LaunchError::Failed { reason, hosts }) => {
                    return Err(self.roll_back(&id, hosts, reason, progress).await);
                }
                Err(LaunchError::Unschedulable { reason, hosts }) => {
                    self.requeue(&id, hosts, &reason, progress).await?;
                    if wait {
                        // the console saw room the target did not have:
                        // try again once something changed there (or after
                        // a while), never at once
                        tokio::time::sleep(REQUEUE_PAUSE).await;
                        let mut changes = Box::pin(self.changes());
                        let _ = tokio::time::timeout(REQUEUE_WAIT, changes.next()).await;
                        continue;
                    }
                    close(format!("not started: {reason}"));
                    let rejection = crate::sched::Rejection {
                        instance: None,
                        refusals: vec![crate::sched::Refusal {
                            node: String::new(),
                            why: crate::sched::WhyNot::Unschedulable {
                                reason: reason.clone(),
                            },
                        }],
                    };
                    return Err(EngineError::NoRoom {
                        message: format!("nothing fits now: {reason}"),
                        rejection,
                    });
                }
            }
        }
    }

    /// One launch attempt; its events are recorded in the cache, then
    /// passed on.
    async fn run_launch(
        &self,
        prepared: &Prepared,
        nodes: &[NodeSnapshot],
        progress: &Events,
    ) -> Result<Launched, LaunchError> {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let launching = async {
            let events = Events::new(tx);
            let result = launch(&self.cluster, &self.settings, prepared, nodes, &events).await;
            drop(events);
            result
        };
        let recording = async {
            while let Some(event) = rx.recv().await {
                self.record(&event);
                progress.emit(event);
            }
        };
        let (result, ()) = futures::join!(launching, recording);
        result
    }

    /// Applies an event to the cache; a refused write becomes a notice.
    pub(super) fn record(&self, event: &Event) {
        self.keep(
            "a status change",
            record_event(&self.store, self.deployment(), event, now_secs()),
        );
    }

    /// Records a cleanup and carries it out (`cleanup::clean_up`); a cache
    /// that refused to record `what` becomes a notice.
    pub(super) async fn clean_up(
        &self,
        what: &str,
        plan: CleanupPlan<'_>,
        events: &Events,
    ) -> CleanupOutcome {
        let (outcome, write) =
            clean_up(&self.cluster, &self.settings, &self.store, plan, events).await;
        if let Some(e) = write {
            self.keep::<()>(what, Err(e));
        }
        outcome
    }

    /// Removes what a failed launch created: recorded first, then carried
    /// out; what a host could not confirm is retried at every later look.
    async fn roll_back(
        &self,
        id: &ExecutionId,
        hosts: Vec<String>,
        reason: String,
        progress: &Events,
    ) -> EngineError {
        let plan = CleanupPlan {
            id,
            hosts,
            close_as: ExecutionStatus::Error,
            reason: Some(reason.clone()),
            grace_secs: 0,
            settle: true,
            offline: Vec::new(),
        };
        let outcome = self.clean_up("the rollback", plan, progress).await;
        let closed = outcome.closed.is_some();
        progress.emit(Event::Status {
            execution: id.clone(),
            status: if closed {
                ExecutionStatus::Error
            } else {
                ExecutionStatus::CleaningUp
            },
            reason: Some(reason.clone()),
        });
        if closed {
            return EngineError::Failed(format!("execution {id} failed and was removed: {reason}"));
        }
        let left: Vec<String> = outcome
            .failed
            .iter()
            .map(|(host, why)| format!("{host} ({why})"))
            .collect();
        EngineError::Failed(format!(
            "execution {id} failed: {reason}; not everything it created could be removed yet from {}: every later look retries (zoe ps, zoe supervise, the terminal UI), and `zoe ps` shows it as cleaning up until then",
            if left.is_empty() {
                "its hosts".to_string()
            } else {
                left.join(", ")
            }
        ))
    }

    /// Removes what a launch created when a target found no room after all
    /// (recorded first, like a rollback), and puts the execution back in
    /// the queue with the target's reason.
    async fn requeue(
        &self,
        id: &ExecutionId,
        hosts: Vec<String>,
        reason: &str,
        progress: &Events,
    ) -> Result<(), EngineError> {
        let plan = CleanupPlan {
            id,
            hosts,
            close_as: ExecutionStatus::Queued,
            reason: Some(reason.to_string()),
            grace_secs: 0,
            settle: true,
            offline: Vec::new(),
        };
        let outcome = self
            .clean_up("the return to the queue", plan, progress)
            .await;
        if outcome.closed.is_none() {
            return Err(self
                .roll_back(id, Vec::new(), reason.to_string(), progress)
                .await);
        }
        progress.emit(Event::Status {
            execution: id.clone(),
            status: ExecutionStatus::Queued,
            reason: Some(reason.to_string()),
        });
        Ok(())
    }

    /// Terminates an execution, or removes what is left of one in any
    /// state: stops its services (with the grace period), removes its
    /// containers and network wherever they are, and closes its record once
    /// every host confirms nothing is left (until then it shows as
    /// `cleaning up`, and every later look retries). Refused while another
    /// console is still launching it, and for another user's execution
    /// without `can_operate_others` (see `access`). `how` ends the reason:
    /// `terminated by alice with zoe kill`, or `user alice request with zoe
    /// kill` for another user's.
    pub async fn terminate(&self, query: &str, how: &str) -> Result<Termination, EngineError> {
        self.refuse_if_readonly("terminating")?;
        // a look that cleans nothing up by itself: this kill carries out
        // (at once) whatever is pending for its execution, and says so;
        // like every look, it waits while an instance restarts in place
        let seen = {
            let _look = self.looks.read().await;
            observe(
                &self.cluster,
                &self.settings,
                &self.store,
                Wait::Every,
                false,
            )
            .await?
        };
        let record = self.find(query)?;
        self.may(&record, Action::Terminate)?;
        let by = self.asking.termination_reason(&record.owner, how);
        let launching = matches!(
            record.status,
            ExecutionStatus::Submitted | ExecutionStatus::Starting
        );
        // a launcher on this machine is known alive or dead by its process;
        // one elsewhere is trusted for the launch window only
        let recent = now_secs().saturating_sub(record.submitted) < LAUNCH_WINDOW_SECS;
        let local = crate::state::launcher_is_local(&record.launcher);
        if launching
            && (recent || local)
            && !launcher_is_gone(&record.launcher)
            && !record.launcher.is_empty()
        {
            // Zoe refuses a terminate request while an execution starts: its
            // containers are still being created and would be left behind
            return Err(EngineError::Refused(format!(
                "execution {} is being launched by another console right now; terminate it once it is running",
                record.id
            )));
        }
        let pending = self.pending_of(&record.id)?;
        let on_cluster = seen.nodes.iter().any(|n| {
            n.services.iter().any(|s| s.execution_id == record.id)
                || n.networks.iter().any(|w| w.execution_id == record.id)
        });
        if !record.status.is_active() && !on_cluster && pending.is_empty() {
            let offline: Vec<&str> = seen
                .nodes
                .iter()
                .filter(|n| !n.is_online())
                .map(|n| n.name.as_str())
                .collect();
            return Err(EngineError::Refused(format!(
                "execution {} has already ended ({}): nothing of it is left on the hosts{}",
                record.id,
                record.status,
                if offline.is_empty() {
                    String::new()
                } else {
                    format!(
                        " that answered ({} did not: try again when it is back)",
                        offline.join(", ")
                    )
                }
            )));
        }
        // what the record becomes once nothing is left: a live execution is
        // terminated; one that ended keeps its end; one being cleaned up
        // keeps what its cleanup planned
        let (close_as, reason) = match record.status {
            // its console died mid-launch: that is what happened to it
            _ if seen.report.interrupted.contains(&record.id) => (
                ExecutionStatus::Error,
                Some(super::cleanup::INTERRUPTED.to_string()),
            ),
            ExecutionStatus::CleaningUp => (ExecutionStatus::Terminated, record.reason.clone()),
            status if status.is_active() => (ExecutionStatus::Terminated, Some(by)),
            status => (status, record.reason.clone()),
        };
        self.audit_terminate(&record, reason.as_deref());
        // a launch cut short may still have requests under way
        let settle = matches!(
            record.status,
            ExecutionStatus::CleaningUp
                | ExecutionStatus::Submitted
                | ExecutionStatus::Starting
                | ExecutionStatus::Queued
        );
        let plan = self.ending_plan(&record, &seen.nodes, &pending, close_as, reason, settle);
        let outcome = self
            .clean_up("the termination", plan, &Events::none())
            .await;
        Ok(Termination {
            id: record.id,
            removal: Removal {
                containers: outcome.removed,
                failed: outcome.failed,
            },
        })
    }

    /// The cleanups pending on execution `id`.
    pub(super) fn pending_of(&self, id: &ExecutionId) -> Result<Vec<PendingCleanup>, StateError> {
        Ok(self
            .store
            .cleanups(self.deployment())?
            .into_iter()
            .filter(|p| p.id == *id)
            .collect())
    }

    /// The cleanup that ends `record`: every host that may hold something
    /// of it, the grace period, and the hosts the look found offline
    /// (recorded, tried by a later look once they answer).
    pub(super) fn ending_plan<'a>(
        &self,
        record: &'a ExecutionRecord,
        nodes: &[NodeSnapshot],
        pending: &[PendingCleanup],
        close_as: ExecutionStatus,
        reason: Option<String>,
        settle: bool,
    ) -> CleanupPlan<'a> {
        CleanupPlan {
            id: &record.id,
            hosts: hosts_of(
                &record.id,
                Some(record),
                nodes,
                pending,
                &self.cluster.names(),
            ),
            close_as,
            reason,
            grace_secs: self.settings.stop_grace_secs,
            settle,
            offline: nodes
                .iter()
                .filter(|n| !n.is_online())
                .map(|n| n.name.clone())
                .collect(),
        }
    }

    /// The log of an execution (all services merged, or one instance or
    /// group), each line once; several instances' backlogs merged by time
    /// (see `log_merge`), each instance's end said once.
    pub async fn follow_logs(
        &self,
        query: &str,
        service: Option<&str>,
        request: LogRequest,
    ) -> Result<LogFollow, EngineError> {
        let seen = self.observe(Wait::Answer).await?;
        let record = self.find(query)?;
        self.may(&record, Action::ReadLogs)?;
        let unanswered: Vec<String> = seen
            .nodes
            .iter()
            .filter(|n| !n.is_online() && record.hosts.contains(&n.name))
            .map(|n| format!("{} ({})", n.name, n.error.as_deref().unwrap_or_default()))
            .collect();
        if !unanswered.is_empty() {
            // what the hosts that answered have is followed; the user hears
            // of the rest
            self.notice(format!(
                "execution {} has services on hosts that did not answer, whose logs are not shown: {}",
                record.id,
                unanswered.join("; ")
            ));
        }
        let Some(view) = seen.views.iter().find(|v| v.id == record.id) else {
            if !unanswered.is_empty() {
                return Err(EngineError::Refused(format!(
                    "execution {} has no containers on the hosts that answered; try again when {} answers",
                    record.id,
                    unanswered.join(", ")
                )));
            }
            return Err(EngineError::Refused(format!(
                "execution {} has no containers left on the cluster ({}), so no logs",
                record.id, record.status
            )));
        };
        let names: Vec<&str> = view.instances.iter().map(|i| i.instance.as_str()).collect();
        let wanted = super::resolve::instances_of(view.id.as_str(), &names, service)
            .map_err(EngineError::Refused)?;
        let chosen: Vec<_> = view
            .instances
            .iter()
            .filter(|i| wanted.contains(&i.instance.as_str()))
            .collect();
        let instances: Vec<String> = chosen.iter().map(|i| i.instance.clone()).collect();
        // several logs are merged by time: each line's timestamp is needed
        let mut request = request;
        request.timestamps |= chosen.len() > 1;
        let settle = request.follow.then(super::log_merge::Settle::default);
        let mut streams: Vec<_> = chosen
            .iter()
            .map(|i| {
                let workload = seen
                    .nodes
                    .iter()
                    .flat_map(|n| &n.services)
                    .find(|c| c.execution_id == view.id && c.instance == i.instance)
                    .map(|c| c.id.clone())
                    .unwrap_or_default();
                Box::pin(
                    self.cluster
                        .follow_logs(&i.host, &workload, &i.instance, request.clone()),
                )
            })
            .collect();
        let names: Vec<std::sync::Arc<str>> = instances
            .iter()
            .map(|i| std::sync::Arc::from(i.as_str()))
            .collect();
        // one service's log as it is: merging costs a little on every line
        let lines: std::pin::Pin<Box<dyn Stream<Item = LogItem> + Send>> =
            match (streams.pop(), streams.is_empty(), names.first()) {
                (Some(only), true, Some(name)) => {
                    Box::pin(super::log_merge::single(name.clone(), only))
                }
                (last, _, _) => Box::pin(super::log_merge::merge_by_time(
                    names,
                    streams.into_iter().chain(last).collect(),
                    settle,
                )),
            };
        Ok(LogFollow {
            execution: view.id.clone(),
            instances,
            lines,
        })
    }

    /// A `()` whenever something of this deployment changes on any target
    /// (a container started, died, was removed…): the cue to look again.
    pub fn changes(&self) -> impl Stream<Item = ()> + 'static + use<> {
        let deployment = self.deployment().to_string();
        futures::stream::select_all(
            self.cluster
                .names()
                .into_iter()
                .map(|name| self.cluster.watch(&name, &deployment).boxed_local()),
        )
    }

    /// One supervision pass (what Zoe's scheduler loop does). With
    /// `detach_stops`, the services of executions that ended are not stopped
    /// here but listed in the report's `to_stop`, for the caller to stop
    /// with [`Engine::stop_all`] without waiting (a grace period can be long).
    pub async fn supervise(
        &self,
        events: &Events,
        detach_stops: bool,
    ) -> Result<(SuperviseReport, Observation), EngineError> {
        self.refuse_if_readonly("supervising (it starts and stops services)")?;
        let (mut report, seen) = {
            let _look = self.looks.read().await;
            supervise_pass(
                &self.cluster,
                &self.settings,
                &self.store,
                events,
                detach_stops,
                &|owner: &str| self.asking.sees(owner),
            )
            .await?
        };
        // the runtime limit, through the termination's own cleanup (which
        // looks again: not under this pass's look)
        self.end_past_runtime(&seen, &mut report, events).await;
        Ok((report, self.shown(seen)))
    }

    /// Stops what a detached supervision pass left to stop; the problems.
    /// Each workload once: one a stop is already under way for is skipped.
    pub async fn stop_all(&self, to_stop: &[(ExecutionId, String, String)]) -> Vec<String> {
        let mine: Vec<(ExecutionId, String, String)> = {
            let mut stopping = self.stopping.borrow_mut();
            to_stop
                .iter()
                .filter(|(_, _, workload)| stopping.insert(workload.clone()))
                .cloned()
                .collect()
        };
        let problems = super::supervise::stop_all(&self.cluster, &self.settings, &mine).await;
        let mut stopping = self.stopping.borrow_mut();
        for (_, _, workload) in &mine {
            stopping.remove(workload);
        }
        drop(stopping);
        for problem in &problems {
            tracing::warn!("supervise: {problem}");
        }
        problems
    }
}

/// What a termination did.
#[derive(Debug, Clone, PartialEq)]
pub struct Termination {
    pub id: ExecutionId,
    pub removal: Removal,
}

/// A followed log: the instances read, and their lines merged. The lines
/// may be read on a task of their own (they are `Send`): the HTTP
/// connection hands over each of Docker's messages to its reader, and
/// between two tasks that costs far less than waking the caller's
/// `block_on` each time.
pub struct LogFollow {
    pub execution: ExecutionId,
    pub instances: Vec<String>,
    pub lines: std::pin::Pin<Box<dyn Stream<Item = LogItem> + Send>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{StateError, Trouble};

    #[test]
    fn a_notice_is_given_once_however_often_it_recurs() {
        let engine = Engine::new(
            Settings::default(),
            Targets::new(
                Vec::new(),
                crate::config::deployment_key::DeploymentKey::from_bytes([0; 32]),
            ),
            Store::open_in_memory().unwrap(),
            false,
        );
        let full = || -> Result<(), StateError> {
            Err(StateError {
                path: "state.db".into(),
                why: "database or disk is full".into(),
                trouble: Trouble::Full,
            })
        };
        engine.keep("a status change", full());
        engine.keep("a status change", full());
        assert_eq!(engine.take_notices().len(), 1);
        // the next look finds the disk still full: nothing new to say
        engine.keep("a status change", full());
        assert!(engine.take_notices().is_empty());
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn a_console_that_makes_the_deployment_key_says_so_once() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("keys/deployment.key");
        let open = || {
            Engine::open(
                Settings::default(),
                Vec::new(),
                &dir.path().join("state.db"),
                &key,
                false,
                false,
            )
            .unwrap()
            .0
        };
        let first = open().take_notices();
        assert!(
            first
                .iter()
                .any(|n| n.contains("made a new deployment key") && n.contains("deployment.key")),
            "{first:?}"
        );
        assert!(open().take_notices().is_empty(), "the key is there now");
    }
}
