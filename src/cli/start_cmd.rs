//! `zoe start`: plan (`--dry-run`), or record, launch and report; with
//! `--wait`, wait in the queue while nothing fits.

use std::fmt::Write as _;

use super::args::LaunchArgs;
use super::session::{Session, engine_error};
use super::table::Table;
use super::{CliError, Outcome, Output, json, open_console, role, shop_cmd, to_json};
use crate::console::engine::EngineError;
use crate::console::events::{Event, Events};
use crate::console::{LaunchRequest, Prepared};
use crate::model::ExecutionStatus;

/// Exit code when nothing fits now.
pub const EXIT_NO_ROOM: u8 = 3;

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
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let launching = async {
        let progress = Events::new(tx);
        let result = s.engine.launch(&prepared, wait, &progress).await;
        drop(progress);
        result
    };
    let printing = async {
        while let Some(event) = rx.recv().await {
            if let Some(line) = progress_line(&event) {
                crate::warn_line!("{line}");
            }
        }
    };
    let (result, ()) = futures::join!(launching, printing);
    s.show_notices();
    let launched = result.map_err(|e| match e {
        EngineError::NoRoom { message, .. } => CliError {
            message: format!("{message}\n(use --wait to queue until there is room)"),
            code: EXIT_NO_ROOM,
        },
        other => engine_error(other),
    })?;
    let out = if s.ctx.output == Output::Json {
        to_json(&json::actions::Started::of(&launched))
    } else {
        let mut text = format!("{}\n", launched.execution);
        for e in &launched.endpoints {
            let _ = writeln!(text, "{}: {} {}", e.instance, e.name, e.url);
        }
        text
    };
    Ok(Outcome::ok(out))
}

async fn dry_run_report(s: &Session<'_>, prepared: &Prepared) -> Result<Outcome, CliError> {
    let (planned, _) = s.engine.plan(prepared).await.map_err(engine_error)?;
    s.show_notices();
    // what the launch would leave of the quota, or Zoe's refusal (exit 1)
    let verdict = s.engine.quota_preview(prepared).map_err(engine_error)?;
    let (admits, quota_line) = match &verdict {
        Ok(line) => (true, line.as_str()),
        Err(why) => (false, why.as_str()),
    };
    let over_quota = |code: u8| if admits { code } else { 1 };
    if s.ctx.output == Output::Json {
        use json::actions::{Deferred, DryRun, Placement, why_not};
        let on = prepared.target.as_deref();
        let (value, code) = match &planned {
            Ok(plan) => (
                DryRun::Fits {
                    fits: true,
                    on,
                    placements: plan
                        .placements
                        .iter()
                        .map(|p| Placement {
                            instance: &p.instance,
                            node: &p.node,
                            essential: p.essential,
                        })
                        .collect(),
                    deferred: plan
                        .deferred
                        .iter()
                        .map(|(instance, r)| Deferred {
                            instance,
                            why_not: why_not(r),
                        })
                        .collect(),
                },
                0,
            ),
            Err(rejection) => (
                DryRun::NoRoom {
                    fits: false,
                    on,
                    instance: rejection.instance.as_deref(),
                    why_not: why_not(&rejection.refusals),
                },
                EXIT_NO_ROOM,
            ),
        };
        let value = json::actions::DryRunWithQuota {
            plan: value,
            quota: json::actions::QuotaVerdict {
                admits,
                message: quota_line,
            },
        };
        return Ok(Outcome {
            stdout: to_json(&value),
            code: over_quota(code),
        });
    }
    let mut out = String::new();
    if let Some(target) = &prepared.target {
        let _ = writeln!(out, "on target {target} only");
    }
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
            if s.engine.settings().network.is_none() {
                out.push_str("(all services of an execution go on one host: its network is a per-host bridge)\n");
            }
            0
        }
        Err(rejection) => {
            let _ = writeln!(out, "{rejection}");
            EXIT_NO_ROOM
        }
    };
    let _ = writeln!(out, "{quota_line}");
    Ok(Outcome {
        stdout: out,
        code: over_quota(code),
    })
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
        } if *containers > 0 => format!(
            "{execution}: removed {} from {host}",
            crate::model::text::count(*containers as u64, "container", "containers")
        ),
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
