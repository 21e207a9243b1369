//! `zoe nodes|ps|inspect|kill`, and the dispatch of every cluster verb.
//! Each verb first looks at the cluster (`observe`), which also reconciles
//! the local state cache with it.

use std::fmt::Write as _;

use super::table::Table;
use super::{CliError, Command, Context, Outcome, Output, logs_cmd, role, start_cmd, to_json};
use crate::config::hosts::load_hosts;
use crate::console::engine::{Engine, EngineError};
use crate::console::events::Events;
use crate::console::observe::Observation;
use crate::model::{ExecutionView, NodeSnapshot, format_bytes, format_cores, time};

/// What every cluster verb works with: the engine, and how to talk.
pub struct Session<'a> {
    pub ctx: &'a Context,
    pub engine: Engine,
}

impl Session<'_> {
    pub async fn observe(&self, with_usage: bool) -> Result<Observation, CliError> {
        let seen = self
            .engine
            .observe(with_usage)
            .await
            .map_err(engine_error)?;
        self.show_notices();
        for n in seen.nodes.iter().filter(|n| !n.is_online()) {
            crate::warn_line!(
                "zoe: warning: {} is offline: {}",
                n.name,
                n.error.as_deref().unwrap_or_default()
            );
        }
        Ok(seen)
    }

    /// What the engine wants the user to know (the cache refused a write…),
    /// each once, on stderr.
    pub fn show_notices(&self) {
        for notice in self.engine.take_notices() {
            crate::warn_line!("zoe: warning: {notice}");
        }
    }
}

/// An engine refusal as the CLI reports it: the text says what to do;
/// nothing fits now is exit 3.
pub fn engine_error(err: EngineError) -> CliError {
    match err {
        EngineError::NoRoom { message, .. } | EngineError::NeverFits(message) => CliError {
            message,
            code: start_cmd::EXIT_NO_ROOM,
        },
        other => CliError::new(other.to_string()),
    }
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
    let (engine, notice) = Engine::open(
        ctx.loaded.settings.clone(),
        hosts.targets(),
        &cache,
        only_reads(&command),
        ctx.readonly,
    )
    .map_err(engine_error)?;
    if let Some(notice) = notice {
        crate::warn_line!("zoe: warning: {notice}");
    }
    let session = Session { ctx, engine };
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
    let records = s.engine.records(all).map_err(engine_error)?;
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
            r.id.to_string(),
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
    let record = s.engine.find(query).map_err(engine_error)?;
    let view = seen.views.iter().find(|v| v.id == record.id);
    let timeline = s.engine.timeline(&record.id).map_err(engine_error)?;
    if s.ctx.output == Output::Json {
        let value = serde_json::json!({
            "execution": record,
            "instances": view.map(|v| &v.instances),
            "timeline": timeline.iter().map(|(at, st, why)| serde_json::json!({"at": at, "status": st, "reason": why})).collect::<Vec<_>>(),
            "endpoints": record.endpoints,
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
    if !record.parameters.is_empty() {
        let list: Vec<String> = record
            .parameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(out, "parameters: {}", list.join(" "));
    }
    {
        for e in &record.endpoints {
            let _ = writeln!(out, "endpoint: {} {}: {}", e.instance, e.name, e.url);
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
            let external = s.engine.external_address(&i.host);
            let stopped = i.state != crate::model::BackendState::Started;
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
    loop {
        let (report, _) = s
            .engine
            .supervise(&Events::none(), false)
            .await
            .map_err(engine_error)?;
        s.show_notices();
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
    let who = s
        .ctx
        .user_from_env
        .clone()
        .unwrap_or_else(|| "a user".into());
    let done = s
        .engine
        .terminate(query, &format!("{who} with zoe kill"))
        .await
        .map_err(engine_error)?;
    s.show_notices();
    let (record, removal) = (done.id, done.removal);
    let mut out = String::new();
    if s.ctx.output == Output::Json {
        out = to_json(
            &serde_json::json!({"execution": record, "removed": removal.containers, "failed": removal.failed}),
        );
    } else {
        let _ = writeln!(out, "{record}: removed {} containers", removal.containers);
    }
    if removal.failed.is_empty() {
        return Ok(Outcome::ok(out));
    }
    let mut message = format!(
        "{record}: could not clean up every host (run `zoe kill {record}` again when they are back):"
    );
    for (host, why) in &removal.failed {
        let _ = write!(message, "\n  {host}: {why}");
    }
    super::print_stdout(&out);
    Err(CliError::new(message))
}
