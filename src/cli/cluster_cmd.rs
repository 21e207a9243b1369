//! `zoe nodes|ps|inspect|kill`, and the dispatch of every cluster verb.
//! Each verb first looks at the cluster (`observe`), which also reconciles
//! the local state cache with it.

use std::fmt::Write as _;

use super::table::Table;
use super::{CliError, Command, Context, Outcome, Output, logs_cmd, role, start_cmd, to_json};
use crate::backend::NodeSnapshot;
use crate::config::hosts::load_hosts;
use crate::console::cluster::Cluster;
use crate::console::events::Events;
use crate::console::executions::ExecutionView;
use crate::console::launch::{now_secs, remove_execution};
use crate::console::observe::{Observation, observe};
use crate::model::{ExecutionStatus, format_bytes, format_cores, time};
use crate::state::{ExecutionRecord, Store};

/// What every cluster verb works with.
pub struct Session<'a> {
    pub ctx: &'a Context,
    pub cluster: Cluster,
    pub store: Store,
    /// Whether the user was told that the cache is not being written.
    warned_unsaved: std::cell::Cell<bool>,
}

impl Session<'_> {
    pub fn deployment(&self) -> &str {
        &self.ctx.loaded.settings.deployment_name
    }

    pub async fn observe(&self, with_usage: bool) -> Result<Observation, CliError> {
        let seen = observe(
            &self.cluster,
            &self.ctx.loaded.settings,
            &self.store,
            with_usage,
        )
        .await
        .map_err(cache_error)?;
        self.warn_if_unsaved();
        for n in seen.nodes.iter().filter(|n| !n.is_online()) {
            crate::warn_line!(
                "zoe: warning: {} is offline: {}",
                n.name,
                n.error.as_deref().unwrap_or_default()
            );
        }
        Ok(seen)
    }

    /// Once: the cache refused a write (read-only, disk full) and this
    /// verb, which only reads, goes on from the cluster without saving.
    fn warn_if_unsaved(&self) {
        if let Some(why) = self.store.unsaved()
            && !self.warned_unsaved.replace(true)
        {
            eprintln!(
                "zoe: warning: {why}; answering from the cluster without saving to the cache"
            );
        }
    }
}

/// The error's own text says what to do: only damage advises removing the
/// file.
pub fn cache_error(err: crate::state::StateError) -> CliError {
    CliError::new(err.to_string())
}

/// Verbs that only read: they answer from the cluster even when the cache
/// cannot be written.
fn only_reads(command: &Command) -> bool {
    matches!(
        command,
        Command::Nodes
            | Command::Ps { .. }
            | Command::Inspect { .. }
            | Command::Logs { .. }
            | Command::Start { dry_run: true, .. }
    )
}

pub fn run(ctx: &Context, command: Command) -> Result<Outcome, CliError> {
    let hosts = load_hosts(&ctx.loaded.settings, &|k: &str| ctx.env.get(k).cloned())
        .map_err(CliError::new)?;
    for problem in &hosts.problems {
        crate::warn_line!("zoe: {problem}");
    }
    if hosts.hosts.is_empty() {
        return Err(CliError::new(format!(
            "no usable Docker host in {}",
            hosts.source
        )));
    }
    let cache = ctx.paths.cache_dir.join("state.db");
    let store = if only_reads(&command) {
        Store::open_for_reading(&cache)
    } else {
        Store::open(&cache)
    }
    .map_err(cache_error)?;
    if let Some(notice) = store.notice() {
        eprintln!("zoe: warning: {notice}");
    }
    let session = Session {
        ctx,
        cluster: Cluster::new(hosts.hosts),
        store,
        warned_unsaved: std::cell::Cell::new(false),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match command {
            Command::Nodes => nodes(&session).await,
            Command::Start {
                launch,
                dry_run,
                wait,
            } => start_cmd::start(&session, launch, dry_run, wait).await,
            Command::Ps { all } => ps(&session, all).await,
            Command::Inspect { execution } => inspect(&session, &execution).await,
            Command::Logs {
                execution,
                service,
                follow,
                tail,
                since,
                timestamps,
                raw,
            } => {
                let options = logs_cmd::LogOptions {
                    follow,
                    tail,
                    since: since.as_deref(),
                    timestamps,
                    raw,
                };
                logs_cmd::logs(&session, &execution, service.as_deref(), &options).await
            }
            Command::Kill { execution } => kill(&session, &execution).await,
            Command::Supervise { once, interval } => supervise(&session, once, interval).await,
            Command::Shop(_) | Command::Config(_) => {
                Err(CliError::new("internal: not a cluster verb"))
            }
        }
    })
}

async fn nodes(s: &Session<'_>) -> Result<Outcome, CliError> {
    let nodes = s.observe(true).await?.nodes;
    let code = if nodes.iter().all(NodeSnapshot::is_online) {
        0
    } else {
        1
    };
    if s.ctx.output == Output::Json {
        return Ok(Outcome {
            stdout: to_json(&nodes),
            code,
        });
    }
    let mut table = Table::new(&[
        "NODE",
        "STATUS",
        "CORES RES/TOTAL",
        "MEMORY RES/TOTAL",
        "IN USE",
        "CONTAINERS",
        "ZAPPS",
        "LABELS",
        "ADDRESS",
    ]);
    for n in &nodes {
        if !n.is_online() {
            let dash = || "-".to_string();
            table.row(vec![
                n.name.clone(),
                "offline".into(),
                dash(),
                dash(),
                dash(),
                dash(),
                dash(),
                n.labels.join(","),
                n.address.clone(),
            ]);
            continue;
        }
        let in_use = match (n.cores_in_use, n.memory_in_use) {
            (Some(c), Some(m)) => format!(
                "{} cores, {}",
                format_cores((c * 100.0).round() / 100.0),
                format_bytes(m)
            ),
            _ => "-".into(),
        };
        table.row(vec![
            n.name.clone(),
            if n.labels.iter().any(|l| l == "disabled") {
                "disabled".into()
            } else {
                "online".into()
            },
            format!(
                "{} / {}",
                format_cores(n.cores_reserved),
                format_cores(n.cores_total)
            ),
            format!(
                "{} / {}",
                format_bytes(n.memory_reserved),
                format_bytes(n.memory_total)
            ),
            in_use,
            n.container_count.to_string(),
            n.services.len().to_string(),
            n.labels.join(","),
            n.address.clone(),
        ]);
    }
    let mut out = table.render();
    for n in nodes.iter().filter(|n| !n.is_online()) {
        let _ = writeln!(
            out,
            "{}: {}",
            n.name,
            n.error.as_deref().unwrap_or_default()
        );
    }
    for n in &nodes {
        for f in &n.foreign {
            let _ = writeln!(
                out,
                "{}: foreign (bad labels), not counted or touched: {} ({}): {}",
                n.name,
                f.name,
                f.id.chars().take(12).collect::<String>(),
                f.reason
            );
        }
    }
    let online: Vec<&NodeSnapshot> = nodes.iter().filter(|n| n.is_online()).collect();
    let _ = writeln!(
        out,
        "cluster: {} of {} nodes online, {} / {} cores and {} / {} memory reserved",
        online.len(),
        nodes.len(),
        format_cores(online.iter().map(|n| n.cores_reserved).sum()),
        format_cores(online.iter().map(|n| n.cores_total).sum()),
        format_bytes(online.iter().map(|n| n.memory_reserved).sum()),
        format_bytes(online.iter().map(|n| n.memory_total).sum())
    );
    Ok(Outcome { stdout: out, code })
}

/// Finds an execution in the cache by id, or by a name only one has
/// (active ones preferred).
pub fn find(store: &Store, deployment: &str, query: &str) -> Result<ExecutionRecord, CliError> {
    if let Some(r) = store.get(deployment, query).map_err(cache_error)? {
        return Ok(r);
    }
    let all = store.list(deployment, true).map_err(cache_error)?;
    let named: Vec<&ExecutionRecord> = all.iter().filter(|r| r.name == query).collect();
    let active: Vec<&ExecutionRecord> = named
        .iter()
        .copied()
        .filter(|r| r.status.is_active())
        .collect();
    match (active.as_slice(), named.as_slice()) {
        ([one], _) | ([], [one]) => Ok((*one).clone()),
        (_, []) => Err(CliError::new(format!(
            "no execution `{query}`; `zoe ps -a` lists them"
        ))),
        _ => Err(CliError::new(format!(
            "several executions are named `{query}`: use an id ({})",
            named
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn age(since: u64) -> String {
    time::age(time::unix(since), chrono::Utc::now())
}

fn up_of(view: Option<&ExecutionView>) -> String {
    match view {
        Some(v) => {
            let total = v
                .expected
                .map_or(v.instances.len(), |e| (e as usize).max(v.instances.len()));
            format!("{}/{}", v.up(), total)
        }
        None => "0".into(),
    }
}

async fn ps(s: &Session<'_>, all: bool) -> Result<Outcome, CliError> {
    let seen = s.observe(false).await?;
    let records = s.store.list(s.deployment(), all).map_err(cache_error)?;
    if s.ctx.output == Output::Json {
        let rows: Vec<serde_json::Value> = records
            .iter()
            .map(|r| {
                let view = seen.views.iter().find(|v| v.id == r.id);
                serde_json::json!({
                    "id": r.id, "name": r.name, "entry": r.entry, "owner": r.owner, "status": r.status,
                    "reason": r.reason, "submitted": r.submitted, "started": r.started, "ended": r.ended,
                    "hosts": r.hosts, "up": view.map(|v| v.up()), "instances": view.map(|v| &v.instances),
                })
            })
            .collect();
        return Ok(Outcome::ok(to_json(&rows)));
    }
    let mut table = Table::new(&[
        "ID", "NAME", "ENTRY", "OWNER", "STATUS", "UP", "HOSTS", "AGE", "REASON",
    ]);
    for r in &records {
        table.row(vec![
            r.id.clone(),
            r.name.clone(),
            r.entry.clone(),
            r.owner.clone(),
            r.status.to_string(),
            up_of(seen.views.iter().find(|v| v.id == r.id)),
            r.hosts.join(","),
            age(r.submitted),
            r.reason.clone().unwrap_or_default(),
        ]);
    }
    Ok(Outcome::ok(if records.is_empty() {
        "no executions\n".into()
    } else {
        table.render()
    }))
}

async fn inspect(s: &Session<'_>, query: &str) -> Result<Outcome, CliError> {
    let seen = s.observe(false).await?;
    let record = find(&s.store, s.deployment(), query)?;
    let view = seen.views.iter().find(|v| v.id == record.id);
    let timeline = s
        .store
        .timeline(s.deployment(), &record.id)
        .map_err(cache_error)?;
    if s.ctx.output == Output::Json {
        let value = serde_json::json!({
            "execution": record,
            "instances": view.map(|v| &v.instances),
            "timeline": timeline.iter().map(|(at, st, why)| serde_json::json!({"at": at, "status": st, "reason": why})).collect::<Vec<_>>(),
            "endpoints": serde_json::from_str::<serde_json::Value>(&record.endpoints).unwrap_or_default(),
        });
        return Ok(Outcome::ok(to_json(&value)));
    }
    let mut out = String::new();
    let entry = if record.entry.is_empty() {
        "?"
    } else {
        &record.entry
    };
    let _ = writeln!(
        out,
        "{} `{}` ({}) of {} by {}",
        record.id, record.name, record.status, entry, record.owner
    );
    if let Some(reason) = &record.reason {
        let _ = writeln!(out, "reason: {reason}");
    }
    if let Ok(serde_json::Value::Object(params)) =
        serde_json::from_str::<serde_json::Value>(&record.parameters)
        && !params.is_empty()
    {
        let list: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect();
        let _ = writeln!(out, "parameters: {}", list.join(" "));
    }
    if let Ok(serde_json::Value::Array(endpoints)) =
        serde_json::from_str::<serde_json::Value>(&record.endpoints)
    {
        for e in endpoints {
            let _ = writeln!(
                out,
                "endpoint: {} {}: {}",
                e["instance"].as_str().unwrap_or_default(),
                e["name"].as_str().unwrap_or_default(),
                e["url"].as_str().unwrap_or_default()
            );
        }
    }
    if let Some(v) = view {
        let mut table = Table::new(&[
            "INSTANCE",
            "ROLE",
            "HOST",
            "CONTAINER",
            "STATE",
            "EXIT",
            "RESTARTS",
            "PORTS",
        ]);
        for i in &v.instances {
            let external = s
                .cluster
                .host(&i.host)
                .map(|h| h.external_address.clone())
                .unwrap_or_default();
            let stopped = i.state != crate::backend::BackendState::Started;
            table.row(vec![
                i.instance.clone(),
                role(i.essential).into(),
                i.host.clone(),
                i.container.clone(),
                i.state.as_str().into(),
                if stopped {
                    i.exit_code.map(|c| c.to_string()).unwrap_or_default()
                } else {
                    String::new()
                },
                record
                    .restarts
                    .iter()
                    .find(|(n, _)| *n == i.instance)
                    .map(|(_, c)| c.to_string())
                    .unwrap_or_default(),
                i.ports
                    .iter()
                    .map(|(k, p)| format!("{k}→{external}:{p}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ]);
        }
        out.push('\n');
        out.push_str(&table.render());
    }
    out.push_str("\nTIMELINE\n");
    for (at, status, reason) in timeline {
        let _ = writeln!(
            out,
            "  {}  {:>4} ago  {status}{}",
            time::local_time(time::unix(at), &chrono::Local),
            age(at),
            reason.map(|r| format!(": {r}")).unwrap_or_default()
        );
    }
    Ok(Outcome::ok(out))
}

async fn supervise(s: &Session<'_>, once: bool, interval: u64) -> Result<Outcome, CliError> {
    let settings = &s.ctx.loaded.settings;
    loop {
        let (report, _) = crate::console::supervise::supervise_pass(
            &s.cluster,
            settings,
            &s.store,
            &Events::none(),
            false,
        )
        .await
        .map_err(cache_error)?;
        let mut out = String::new();
        if s.ctx.output == Output::Json {
            out = to_json(&report);
        } else {
            for (id, reason) in &report.ended {
                let _ = writeln!(out, "{id}: ended: {reason}");
            }
            for (id, instance) in &report.removed {
                let _ = writeln!(out, "{id}: removed dead elastic service {instance}");
            }
            for (id, instance, host) in &report.started {
                let _ = writeln!(out, "{id}: started elastic service {instance} on {host}");
            }
            for problem in &report.problems {
                let _ = writeln!(out, "problem: {problem}");
            }
        }
        if once {
            return Ok(Outcome::ok(out));
        }
        super::print_stdout(&out);
        tokio::time::sleep(std::time::Duration::from_secs(interval.max(1))).await;
    }
}

async fn kill(s: &Session<'_>, query: &str) -> Result<Outcome, CliError> {
    let settings = &s.ctx.loaded.settings;
    let seen = s.observe(false).await?;
    let record = find(&s.store, s.deployment(), query)?;
    let launching = matches!(
        record.status,
        ExecutionStatus::Submitted | ExecutionStatus::Starting
    );
    let recent = now_secs().saturating_sub(record.submitted)
        < crate::console::executions::LAUNCH_WINDOW_SECS;
    if launching
        && recent
        && !crate::state::launcher_is_gone(&record.launcher)
        && !record.launcher.is_empty()
    {
        // spec §5.1: a terminate request while starting is refused (unsafe)
        return Err(CliError::new(format!(
            "execution {} is being launched by another console right now; kill it once it is running",
            record.id
        )));
    }
    let on_cluster = seen.views.iter().any(|v| v.id == record.id);
    if !record.status.is_active() && !on_cluster {
        return Err(CliError::new(format!(
            "execution {} has already ended ({}): nothing to stop",
            record.id, record.status
        )));
    }
    let now = now_secs();
    let who = s
        .ctx
        .user_from_env
        .clone()
        .unwrap_or_else(|| "a user".into());
    let _ = s.store.set_status(
        s.deployment(),
        &record.id,
        ExecutionStatus::CleaningUp,
        Some(&format!("terminated by {who} with zoe kill")),
        now,
    );
    let grace = i32::try_from(settings.stop_grace_secs).unwrap_or(10);
    // Where it is known to be (the cache and the cluster agree on that);
    // every host only when nothing says where.
    let mut hosts = record.hosts.clone();
    if let Some(view) = seen.views.iter().find(|v| v.id == record.id) {
        hosts.extend(view.hosts.iter().cloned());
    }
    hosts.sort();
    hosts.dedup();
    let removal = remove_execution(
        &s.cluster,
        settings,
        &record.id,
        &hosts,
        grace,
        &Events::none(),
    )
    .await;
    let mut out = String::new();
    if s.ctx.output == Output::Json {
        out = to_json(
            &serde_json::json!({"execution": record.id, "removed": removal.containers, "failed": removal.failed}),
        );
    } else {
        let _ = writeln!(
            out,
            "{}: removed {} containers",
            record.id, removal.containers
        );
    }
    if removal.failed.is_empty() {
        s.store
            .set_status(
                s.deployment(),
                &record.id,
                ExecutionStatus::Terminated,
                None,
                now_secs(),
            )
            .map_err(cache_error)?;
        return Ok(Outcome::ok(out));
    }
    let mut message = format!(
        "{}: could not clean up every host (run `zoe kill {}` again when they are back):",
        record.id, record.id
    );
    for (host, why) in &removal.failed {
        let _ = write!(message, "\n  {host}: {why}");
    }
    super::print_stdout(&out);
    Err(CliError::new(message))
}
