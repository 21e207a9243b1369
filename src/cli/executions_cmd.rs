//! `zoe ps` (the executions this cache knows, with what the cluster holds
//! of each) and `zoe inspect` (one execution: instances, endpoints,
//! timeline).

use std::fmt::Write as _;

use super::session::{Session, engine_error};
use super::table::Table;
use super::{CliError, Outcome, Output, json, role, to_json};
use crate::model::{ExecutionView, time};

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

pub async fn ps(s: &Session<'_>, all: bool) -> Result<Outcome, CliError> {
    let seen = s.observe().await?;
    let records = s.engine.records(all).map_err(engine_error)?;
    if s.ctx.output == Output::Json {
        let external = |host: &str| s.engine.external_address(host);
        let rows: Vec<json::executions::PsRow<'_>> = records
            .iter()
            .map(|r| {
                let view = seen.views.iter().find(|v| v.id == r.id);
                json::executions::PsRow::of(r, view, &external)
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

pub async fn inspect(s: &Session<'_>, query: &str) -> Result<Outcome, CliError> {
    let seen = s.observe().await?;
    let record = s.engine.find(query).map_err(engine_error)?;
    let view = seen.views.iter().find(|v| v.id == record.id);
    let timeline = s.engine.timeline(&record.id).map_err(engine_error)?;
    let trail = s.engine.audit(&record).map_err(engine_error)?;
    if s.ctx.output == Output::Json {
        let external = |host: &str| s.engine.external_address(host);
        let mut value = json::executions::Inspect::of(&record, view, &timeline, &external);
        value.audit = trail;
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
    for e in &record.endpoints {
        let _ = writeln!(out, "endpoint: {} {}: {}", e.instance, e.name, e.url);
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
    out.push_str("\nHISTORY\n");
    let mut table = Table::new(&["TIME", "USER", "ACTION"]);
    for e in &trail {
        table.row(vec![
            time::local_time(time::unix(e.at), &chrono::Local),
            crate::model::text::visible(&e.user).into_owned(),
            crate::console::audit::action_text(e),
        ]);
    }
    for line in table.render().lines() {
        let _ = writeln!(out, "  {line}");
    }
    Ok(Outcome::ok(out))
}
