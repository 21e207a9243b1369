//! `zoe start`: plan (`--dry-run`), or record, launch and report; with
//! `--wait`, wait in the queue while nothing fits.

use std::fmt::Write as _;
use std::time::Duration;

use futures::StreamExt;

use super::args::LaunchArgs;
use super::cluster_cmd::{Session, cache_error};
use super::table::Table;
use super::{CliError, Outcome, Output, open_console, role, shop_cmd, to_json};
use crate::console::events::record_event;
use crate::console::events::{Event, Events};
use crate::console::launch::{LaunchError, demands, launch, now_secs, plan_on};
use crate::console::quota::{Quota, Usage, admit, demand_of};
use crate::console::{LaunchRequest, Prepared};
use crate::model::ExecutionStatus;
use crate::sched::{QueuedExecution, Simulation, schedule};
use crate::state::ExecutionRecord;

/// Exit code when nothing fits now.
pub const EXIT_NO_ROOM: u8 = 3;
/// How often a queued execution looks for room again.
const QUEUE_POLL: Duration = Duration::from_secs(3);

pub async fn start(
    s: &Session<'_>,
    args: LaunchArgs,
    dry_run: bool,
    wait: bool,
) -> Result<Outcome, CliError> {
    let console = open_console(s.ctx, None)?;
    let entry = args.entry.clone();
    let request: LaunchRequest = args.into();
    let prepared = shop_cmd::prepare(&console, &entry, &request, "start")?;
    if dry_run {
        return dry_run_report(s, &prepared).await;
    }
    let settings = &s.ctx.loaded.settings;
    let deployment = s.deployment().to_string();
    let id = prepared.identity.id.to_string();
    // Admission (spec §9.1): the owner's active executions against their
    // quota. Every owner is unlimited until users and quotas exist.
    let active: Vec<_> = s
        .store
        .list(&deployment, false)
        .map_err(cache_error)?
        .into_iter()
        .filter(|r| r.owner == prepared.identity.owner)
        .collect();
    let usage = active.iter().fold(
        Usage {
            executions: active.len() as u32,
            ..Usage::default()
        },
        |u, r| {
            let (memory, cores) = r
                .description
                .as_deref()
                .and_then(|d| crate::console::catalog::parse_stored(d).ok())
                .map_or((0, 0.0), |d| demand_of(&d));
            Usage {
                executions: u.executions,
                memory: u.memory.saturating_add(memory),
                cores: u.cores + cores,
            }
        },
    );
    admit(&Quota::default(), &usage, &prepared.description).map_err(CliError::new)?;
    let record = crate::console::launch_record(&prepared, &deployment);
    // Recorded before anything is created: a crash from here on is found
    // and cleaned up by the next console that looks at the cluster.
    s.store
        .insert(&record)
        .map_err(|e| CliError::new(format!("{e}; nothing was started")))?;
    // From here the cluster is the truth: a cache that stops taking writes
    // (disk full…) does not undo or hide a launch. The first refusal is
    // reported once it is over; the next verb's reconcile fills the cache
    // in from the containers' labels.
    let unsaved: std::cell::OnceCell<crate::state::StateError> = std::cell::OnceCell::new();

    let launched = loop {
        if wait {
            wait_for_room(s, &prepared).await?;
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let launching = async {
            let events = Events::new(tx);
            let result = launch(&s.cluster, settings, &prepared, &events).await;
            drop(events);
            result
        };
        let recording = tokio_stream_of(rx).for_each(|event| {
            if let Err(e) = record_event(&s.store, &deployment, &event, now_secs()) {
                let _ = unsaved.set(e);
            }
            if let Some(line) = progress_line(&event) {
                crate::warn_line!("{line}");
            }
            async {}
        });
        let (result, ()) = futures::join!(launching, recording);
        match result {
            Ok(launched) => break launched,
            // the room seen by the queue pass was taken meanwhile: wait again
            Err(LaunchError::NoRoom(_)) if wait => continue,
            Err(LaunchError::NoRoom(rejection)) => {
                let _ = s.store.set_status(
                    &deployment,
                    &id,
                    ExecutionStatus::Terminated,
                    Some(&format!("not started: {rejection}")),
                    now_secs(),
                );
                return Err(CliError {
                    message: format!("{rejection}\n(use --wait to queue until there is room)"),
                    code: EXIT_NO_ROOM,
                });
            }
            Err(LaunchError::Failed { reason }) => {
                return Err(CliError::new(format!(
                    "execution {id} failed and was removed: {reason}"
                )));
            }
        }
    };
    let mut hosts: Vec<String> = launched
        .containers
        .iter()
        .map(|(_, h, _)| h.clone())
        .collect();
    hosts.sort();
    hosts.dedup();
    let endpoints = serde_json::to_string(&launched.endpoints).unwrap_or_else(|_| "[]".into());
    if let Err(e) = s.store.set_placement(&deployment, &id, &hosts, &endpoints) {
        let _ = unsaved.set(e);
    }
    if let Some(e) = unsaved.get() {
        eprintln!(
            "zoe: warning: execution {id} runs, but {e}; the cache is brought up to date from the cluster by the next `zoe` command"
        );
    }
    let out = if s.ctx.output == Output::Json {
        to_json(&launched)
    } else {
        let mut text = format!("{id}\n");
        for e in &launched.endpoints {
            let _ = writeln!(text, "{}: {} {}", e.instance, e.name, e.url);
        }
        text
    };
    Ok(Outcome::ok(out))
}

fn tokio_stream_of<T>(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<T>,
) -> impl futures::Stream<Item = T> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Waits, recorded as `queued` with the reason, until a scheduling pass over
/// every queued execution of this deployment (FIFO or SIZE, as configured)
/// picks this one.
async fn wait_for_room(s: &Session<'_>, prepared: &Prepared) -> Result<(), CliError> {
    let settings = &s.ctx.loaded.settings;
    let id = prepared.identity.id.to_string();
    let mut announced = false;
    loop {
        let seen = s.observe(false).await?;
        // killed while waiting? (another console may have done it)
        match s.store.get(s.deployment(), &id).map_err(cache_error)? {
            Some(r)
                if matches!(
                    r.status,
                    ExecutionStatus::Submitted | ExecutionStatus::Queued
                ) => {}
            Some(r) => {
                return Err(CliError::new(format!(
                    "execution {id} was {} while it waited for room{}",
                    r.status,
                    r.reason.map(|why| format!(": {why}")).unwrap_or_default()
                )));
            }
            None => {
                return Err(CliError::new(format!(
                    "execution {id} vanished from the state cache while it waited"
                )));
            }
        }

        let queued: Vec<QueuedExecution> = s
            .store
            .list(s.deployment(), false)
            .map_err(cache_error)?
            .into_iter()
            .filter(|r| r.id == id || r.status == ExecutionStatus::Queued)
            .filter_map(|r| {
                let (size, demands) = if r.id == id {
                    (prepared.description.size, demands(prepared))
                } else {
                    queued_demands(&r)?
                };
                Some((
                    r.submitted,
                    QueuedExecution {
                        id: r.id,
                        size,
                        demands,
                        same_host: settings.network.is_none(),
                    },
                ))
            })
            .map(|(_, q)| q)
            .rev() // the cache lists newest first; the queue is oldest first
            .collect();
        let views: Vec<_> = seen
            .nodes
            .iter()
            .map(crate::model::NodeSnapshot::placement_view)
            .collect();
        let mut sim = Simulation::new(&views);
        let mut pick = |n: usize| n.saturating_sub(1);
        // Launches other consoles have under way hold their room already,
        // even before their containers exist (pulls can take minutes).
        for record in s.store.list(s.deployment(), false).map_err(cache_error)? {
            let in_flight = matches!(
                record.status,
                ExecutionStatus::Submitted | ExecutionStatus::Starting
            ) && record.id != id
                && !crate::state::launcher_is_gone(&record.launcher);
            if let Some((_, demands)) = in_flight.then(|| queued_demands(&record)).flatten() {
                let _ = crate::sched::plan(
                    &mut sim,
                    &demands,
                    settings.placement_policy,
                    settings.network.is_none(),
                    &mut pick,
                );
            }
        }
        let pass = schedule(
            &mut sim,
            &queued,
            settings.scheduler_policy,
            settings.placement_policy,
            &mut pick,
        );
        if pass.launch.iter().any(|(q, _)| *q == id) {
            return Ok(());
        }
        let reason = match pass.waiting.iter().find(|(q, _)| *q == id) {
            Some((_, Some(rejection))) => rejection.to_string(),
            _ => "waiting for the executions queued before it".to_string(),
        };
        s.store
            .set_status(
                s.deployment(),
                &id,
                ExecutionStatus::Queued,
                Some(&reason),
                now_secs(),
            )
            .map_err(cache_error)?;
        if !announced {
            crate::warn_line!("{id}: queued: {reason}");
            announced = true;
        }
        tokio::time::sleep(QUEUE_POLL).await;
    }
}

/// What a queued execution recorded by another console asks for, rebuilt
/// from its stored description.
fn queued_demands(record: &ExecutionRecord) -> Option<(u64, Vec<crate::sched::Demand>)> {
    let description = crate::console::catalog::parse_stored(record.description.as_deref()?).ok()?;
    let mut demands = Vec::new();
    for group in &description.services {
        for n in 0..group.total_count {
            demands.push(crate::sched::Demand {
                instance: format!("{}{n}", group.name),
                essential: n < group.essential_count,
                memory: group.memory_min(),
                cores: group.cores_min(),
                labels: group.labels().to_vec(),
                image: group.image.clone(),
            });
        }
    }
    Some((description.size, demands))
}

async fn dry_run_report(s: &Session<'_>, prepared: &Prepared) -> Result<Outcome, CliError> {
    let settings = &s.ctx.loaded.settings;
    let seen = s.observe(false).await?;
    let planned = plan_on(&seen.nodes, prepared, settings);
    let why = |r: &[crate::sched::Refusal]| -> Vec<serde_json::Value> {
        r.iter()
            .map(|x| serde_json::json!({"node": x.node, "why": x.why.to_string()}))
            .collect()
    };
    if s.ctx.output == Output::Json {
        let (value, code) = match &planned {
            Ok(plan) => (
                serde_json::json!({
                    "fits": true,
                    "placements": plan.placements.iter().map(|p| serde_json::json!({"instance": p.instance, "node": p.node, "essential": p.essential})).collect::<Vec<_>>(),
                    "deferred": plan.deferred.iter().map(|(i, r)| serde_json::json!({"instance": i, "why_not": why(r)})).collect::<Vec<_>>(),
                }),
                0,
            ),
            Err(rejection) => (
                serde_json::json!({"fits": false, "instance": rejection.instance, "why_not": why(&rejection.refusals)}),
                EXIT_NO_ROOM,
            ),
        };
        return Ok(Outcome {
            stdout: to_json(&value),
            code,
        });
    }
    let mut out = String::new();
    let code = match &planned {
        Ok(plan) => {
            let mut table = Table::new(&["INSTANCE", "ROLE", "NODE"]);
            for p in &plan.placements {
                table.row(vec![
                    p.instance.clone(),
                    role(p.essential).into(),
                    p.node.clone(),
                ]);
            }
            for (instance, refusals) in &plan.deferred {
                let list: Vec<String> = refusals
                    .iter()
                    .map(|r| format!("{}: {}", r.node, r.why))
                    .collect();
                table.row(vec![
                    instance.clone(),
                    role(false).into(),
                    format!("later (no room now: {})", list.join("; ")),
                ]);
            }
            out.push_str(&table.render());
            if settings.network.is_none() {
                out.push_str("(all services of an execution go on one host: its network is a per-host bridge)\n");
            }
            0
        }
        Err(rejection) => {
            let _ = writeln!(out, "{rejection}");
            EXIT_NO_ROOM
        }
    };
    Ok(Outcome { stdout: out, code })
}

fn progress_line(event: &Event) -> Option<String> {
    Some(match event {
        Event::Placed {
            execution,
            placements,
            deferred,
        } => {
            let list: Vec<String> = placements.iter().map(|(i, n)| format!("{i}→{n}")).collect();
            let mut line = format!("{execution}: placed {}", list.join(" "));
            if !deferred.is_empty() {
                let _ = write!(
                    line,
                    "; elastic, waiting for room (`zoe supervise` starts them when there is): {}",
                    deferred.join(" ")
                );
            }
            line
        }
        Event::Network {
            execution,
            host,
            network,
            created: true,
        } => format!("{execution}: network {network} created on {host}"),
        Event::Pulling {
            execution,
            host,
            image,
            current,
            total,
            ..
        } if *total > 0 => {
            format!(
                "{execution}: pulling {image} on {host}: {}%",
                current * 100 / total
            )
        }
        Event::ImageReady {
            execution,
            host,
            image,
            pulled: true,
        } => format!("{execution}: pulled {image} on {host}"),
        Event::Creating {
            execution,
            instance,
            host,
        } => format!("{execution}: creating {instance} on {host}"),
        Event::Running {
            execution,
            instance,
            host,
            ..
        } => format!("{execution}: {instance} running on {host}"),
        Event::InstanceFailed {
            execution,
            instance,
            host,
            reason,
        } => format!("{execution}: {instance} failed on {host}: {reason}"),
        Event::Removed {
            execution,
            host,
            containers,
        } if *containers > 0 => format!("{execution}: removed {containers} containers from {host}"),
        // the rejection itself is the command's error message
        Event::Status {
            status: ExecutionStatus::Queued,
            ..
        } => return None,
        Event::Status {
            execution,
            status,
            reason,
        } => {
            format!(
                "{execution}: {status}{}",
                reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            )
        }
        _ => return None,
    })
}
