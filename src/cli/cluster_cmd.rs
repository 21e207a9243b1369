//! `zoe nodes|start|ps|inspect|logs|kill`: the cluster verbs.

use std::fmt::Write as _;
use std::time::Duration;

use futures::StreamExt;

use super::table::Table;
use super::{
    CliError, Command, Context, Outcome, Output, open_console, print_stdout, shop_cmd, to_json,
};
use crate::backend::NodeSnapshot;
use crate::backend::docker::logs::{LogRequest, follow};
use crate::config::hosts::load_hosts;
use crate::console::cluster::Cluster;
use crate::console::events::{Event, Events};
use crate::console::executions::{ExecutionView, executions_from_nodes};
use crate::console::launch::{LaunchError, launch, now_secs, plan_on, remove_execution};
use crate::console::{Console, LaunchRequest};
use crate::model::{ExecutionStatus, format_bytes, format_cores};

/// Exit code when nothing fits now.
pub const EXIT_NO_ROOM: u8 = 3;

pub fn run(ctx: &Context, command: Command) -> Result<Outcome, CliError> {
    let hosts = load_hosts(&ctx.loaded.settings, &|k: &str| ctx.env.get(k).cloned())
        .map_err(CliError::new)?;
    for problem in &hosts.problems {
        eprintln!("zoe: {problem}");
    }
    if hosts.hosts.is_empty() {
        return Err(CliError::new(format!(
            "no usable Docker host in {}",
            hosts.source
        )));
    }
    let cluster = Cluster::new(hosts.hosts);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match command {
            Command::Nodes => nodes(ctx, &cluster).await,
            Command::Start {
                launch: args,
                dry_run,
                wait,
            } => {
                let console = open_console(ctx, None)?;
                let entry = args.entry.clone();
                start(ctx, &console, &cluster, &entry, args.into(), dry_run, wait).await
            }
            Command::Ps { all } => ps(ctx, &cluster, all).await,
            Command::Inspect { execution } => inspect(ctx, &cluster, &execution).await,
            Command::Logs {
                execution,
                service,
                follow,
                tail,
                since,
                timestamps,
            } => {
                let since = match since.as_deref().map(parse_since).transpose() {
                    Ok(since) => since,
                    Err(why) => {
                        return Err(CliError {
                            message: why,
                            code: 2,
                        });
                    }
                };
                logs(
                    ctx,
                    &cluster,
                    &execution,
                    service.as_deref(),
                    LogRequest {
                        follow,
                        tail,
                        since,
                    },
                    timestamps,
                )
                .await
            }
            Command::Kill { execution } => kill(ctx, &cluster, &execution).await,
            Command::Shop(_) | Command::Config(_) => {
                Err(CliError::new("internal: not a cluster verb"))
            }
        }
    })
}

async fn nodes(ctx: &Context, cluster: &Cluster) -> Result<Outcome, CliError> {
    let nodes = cluster
        .snapshot_all(&ctx.loaded.settings.deployment_name, true)
        .await;
    let code = if nodes.iter().all(NodeSnapshot::is_online) {
        0
    } else {
        1
    };
    if ctx.output == Output::Json {
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
        if let Some(error) = &n.error {
            table.row(vec![
                n.name.clone(),
                "offline".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                n.labels.join(","),
                n.address.clone(),
            ]);
            let _ = error;
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

async fn start(
    ctx: &Context,
    console: &Console,
    cluster: &Cluster,
    query: &str,
    request: LaunchRequest,
    dry_run: bool,
    wait: bool,
) -> Result<Outcome, CliError> {
    let prepared = shop_cmd::prepare(console, query, &request, "start")?;
    let settings = &ctx.loaded.settings;
    if dry_run {
        let nodes = cluster.snapshot_all(&settings.deployment_name, false).await;
        let planned = plan_on(&nodes, &prepared, settings);
        let mut out = String::new();
        let code = match &planned {
            Ok(plan) => {
                let mut table = Table::new(&["INSTANCE", "ROLE", "NODE"]);
                for p in &plan.placements {
                    table.row(vec![
                        p.instance.clone(),
                        super::role(p.essential).into(),
                        p.node.clone(),
                    ]);
                }
                for (instance, refusals) in &plan.deferred {
                    let why: Vec<String> = refusals
                        .iter()
                        .map(|r| format!("{}: {}", r.node, r.why))
                        .collect();
                    table.row(vec![
                        instance.clone(),
                        super::role(false).into(),
                        format!("later (no room now: {})", why.join("; ")),
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
        if ctx.output == Output::Json {
            let value = match planned {
                Ok(plan) => {
                    serde_json::json!({"fits": true, "placements": plan.placements.iter().map(|p| serde_json::json!({"instance": p.instance, "node": p.node, "essential": p.essential})).collect::<Vec<_>>(), "deferred": plan.deferred.iter().map(|(i, r)| serde_json::json!({"instance": i, "why_not": r.iter().map(|x| serde_json::json!({"node": x.node, "why": x.why.to_string()})).collect::<Vec<_>>()})).collect::<Vec<_>>()})
                }
                Err(rejection) => {
                    serde_json::json!({"fits": false, "instance": rejection.instance, "why_not": rejection.refusals.iter().map(|x| serde_json::json!({"node": x.node, "why": x.why.to_string()})).collect::<Vec<_>>()})
                }
            };
            return Ok(Outcome {
                stdout: to_json(&value),
                code,
            });
        }
        return Ok(Outcome { stdout: out, code });
    }

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if let Some(line) = progress_line(&event) {
                eprintln!("{line}");
            }
        }
    });
    let result = launch(cluster, settings, &prepared, &Events::new(tx)).await;
    let _ = printer.await;
    let launched = match result {
        Ok(launched) => launched,
        Err(LaunchError::NoRoom(rejection)) => {
            return Err(CliError {
                message: rejection.to_string(),
                code: EXIT_NO_ROOM,
            });
        }
        Err(LaunchError::Failed { reason }) => {
            return Err(CliError::new(format!(
                "execution {} failed and was removed: {reason}",
                prepared.identity.id
            )));
        }
    };
    let mut out = if ctx.output == Output::Json {
        to_json(&launched)
    } else {
        let mut text = format!("{}\n", launched.execution);
        for e in &launched.endpoints {
            let _ = writeln!(text, "{}: {} {}", e.instance, e.name, e.url);
        }
        text
    };
    if !wait {
        return Ok(Outcome::ok(out));
    }
    print_stdout(&out);
    out = String::new();
    let id = launched.execution.clone();
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let nodes = cluster.snapshot_all(&settings.deployment_name, false).await;
        let Some(view) = executions_from_nodes(&nodes, now_secs())
            .into_iter()
            .find(|v| v.id == id)
        else {
            return Err(CliError::new(format!(
                "execution {id} vanished from the cluster"
            )));
        };
        if !view.status.is_active() {
            eprintln!(
                "{id}: {}{}",
                view.status,
                view.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
            let code = if view.status == ExecutionStatus::Terminated {
                0
            } else {
                1
            };
            return Ok(Outcome { stdout: out, code });
        }
    }
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
                let _ = write!(line, "; waiting for room: {}", deferred.join(" "));
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
        } => format!(
            "{execution}: {status}{}",
            reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        _ => return None,
    })
}

/// Finds an execution by id, or by a name that only one execution has.
fn find<'a>(views: &'a [ExecutionView], query: &str) -> Result<&'a ExecutionView, CliError> {
    if let Some(v) = views.iter().find(|v| v.id == query) {
        return Ok(v);
    }
    let named: Vec<&ExecutionView> = views.iter().filter(|v| v.name == query).collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(CliError::new(format!(
            "no execution `{query}` on the cluster; `zoe ps -a` lists them"
        ))),
        many => Err(CliError::new(format!(
            "several executions are named `{query}`: use an id ({})",
            many.iter()
                .map(|v| v.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn age(submitted: Option<u64>) -> String {
    let Some(t) = submitted else {
        return "-".into();
    };
    let secs = now_secs().saturating_sub(t);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

fn warn_offline(nodes: &[NodeSnapshot]) {
    for n in nodes.iter().filter(|n| !n.is_online()) {
        eprintln!(
            "zoe: warning: {} is offline, its executions are not shown: {}",
            n.name,
            n.error.as_deref().unwrap_or_default()
        );
    }
}

async fn ps(ctx: &Context, cluster: &Cluster, all: bool) -> Result<Outcome, CliError> {
    let nodes = cluster
        .snapshot_all(&ctx.loaded.settings.deployment_name, false)
        .await;
    warn_offline(&nodes);
    let views: Vec<ExecutionView> = executions_from_nodes(&nodes, now_secs())
        .into_iter()
        .filter(|v| all || v.status.is_active())
        .collect();
    if ctx.output == Output::Json {
        return Ok(Outcome::ok(to_json(&views)));
    }
    let mut table = Table::new(&[
        "ID", "NAME", "ENTRY", "OWNER", "STATUS", "UP", "HOSTS", "AGE", "REASON",
    ]);
    for v in &views {
        let total = v
            .expected
            .map_or(v.instances.len(), |e| (e as usize).max(v.instances.len()));
        table.row(vec![
            v.id.clone(),
            v.name.clone(),
            v.entry.clone(),
            v.owner.clone(),
            v.status.to_string(),
            format!("{}/{}", v.up(), total),
            v.hosts.join(","),
            age(v.submitted),
            v.reason.clone().unwrap_or_default(),
        ]);
    }
    Ok(Outcome::ok(if views.is_empty() {
        "no executions\n".into()
    } else {
        table.render()
    }))
}

async fn inspect(ctx: &Context, cluster: &Cluster, query: &str) -> Result<Outcome, CliError> {
    let nodes = cluster
        .snapshot_all(&ctx.loaded.settings.deployment_name, false)
        .await;
    warn_offline(&nodes);
    let views = executions_from_nodes(&nodes, now_secs());
    let v = find(&views, query)?;
    if ctx.output == Output::Json {
        return Ok(Outcome::ok(to_json(v)));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} `{}` ({}) of {} by {}",
        v.id,
        v.name,
        v.status,
        if v.entry.is_empty() { "?" } else { &v.entry },
        v.owner
    );
    if let Some(reason) = &v.reason {
        let _ = writeln!(out, "reason: {reason}");
    }
    let mut table = Table::new(&[
        "INSTANCE",
        "ROLE",
        "HOST",
        "CONTAINER",
        "STATE",
        "EXIT",
        "PORTS",
    ]);
    for i in &v.instances {
        let external = cluster
            .host(&i.host)
            .map(|h| h.external_address.clone())
            .unwrap_or_default();
        table.row(vec![
            i.instance.clone(),
            super::role(i.essential).into(),
            i.host.clone(),
            i.container.clone(),
            i.state.as_str().into(),
            if i.state == crate::backend::BackendState::Started {
                String::new()
            } else {
                i.exit_code.map(|c| c.to_string()).unwrap_or_default()
            },
            i.ports
                .iter()
                .map(|(k, p)| format!("{k}→{external}:{p}"))
                .collect::<Vec<_>>()
                .join(" "),
        ]);
    }
    out.push_str(&table.render());
    Ok(Outcome::ok(out))
}

async fn logs(
    ctx: &Context,
    cluster: &Cluster,
    query: &str,
    service: Option<&str>,
    request: LogRequest,
    timestamps: bool,
) -> Result<Outcome, CliError> {
    let nodes = cluster
        .snapshot_all(&ctx.loaded.settings.deployment_name, false)
        .await;
    warn_offline(&nodes);
    let views = executions_from_nodes(&nodes, now_secs());
    let v = find(&views, query)?;
    let chosen: Vec<_> = v
        .instances
        .iter()
        .filter(|i| {
            service.is_none_or(|s| {
                i.instance == s || i.instance.trim_end_matches(|c: char| c.is_ascii_digit()) == s
            })
        })
        .collect();
    if chosen.is_empty() {
        let names: Vec<&str> = v.instances.iter().map(|i| i.instance.as_str()).collect();
        return Err(CliError::new(format!(
            "execution {} has no service `{}`; services: {}",
            v.id,
            service.unwrap_or_default(),
            names.join(", ")
        )));
    }
    let width = chosen.iter().map(|i| i.instance.len()).max().unwrap_or(0);
    let prefix = chosen.len() > 1;
    let mut streams = Vec::new();
    for i in &chosen {
        let docker = cluster
            .client(&i.host)
            .await
            .map_err(|e| CliError::new(e.to_string()))?;
        let container = nodes
            .iter()
            .flat_map(|n| &n.services)
            .find(|s| s.execution_id == v.id && s.instance == i.instance)
            .map(|s| s.id.clone())
            .unwrap_or_default();
        streams.push(Box::pin(follow(
            docker,
            container,
            i.instance.clone(),
            request.clone(),
        )));
    }
    let mut merged = futures::stream::select_all(streams);
    while let Some(item) = merged.next().await {
        let mut line = String::new();
        match item {
            Ok(l) => {
                if prefix {
                    let _ = write!(line, "{:width$} | ", l.instance);
                }
                if timestamps {
                    let _ = write!(line, "{} ", l.timestamp);
                }
                line.push_str(&l.text);
                line.push('\n');
                print_stdout(&line);
            }
            Err(why) => eprintln!("zoe: {why}"),
        }
    }
    Ok(Outcome::ok(String::new()))
}

async fn kill(ctx: &Context, cluster: &Cluster, query: &str) -> Result<Outcome, CliError> {
    let settings = &ctx.loaded.settings;
    let nodes = cluster.snapshot_all(&settings.deployment_name, false).await;
    let views = executions_from_nodes(&nodes, now_secs());
    let (id, known) = match find(&views, query) {
        Ok(v) => (v.id.clone(), true),
        // An id no online host shows may still have leftovers (a network, a
        // host that came back): clean up anyway, but say if there was nothing.
        Err(_) if crate::model::ExecutionId::parse(query).is_ok() => (query.to_string(), false),
        Err(e) => return Err(e),
    };
    let grace = i32::try_from(settings.stop_grace_secs).unwrap_or(10);
    let removal = remove_execution(cluster, settings, &id, &[], grace, &Events::none()).await;
    if !known && removal.containers == 0 && removal.failed.is_empty() {
        return Err(CliError::new(format!(
            "no execution `{query}` on the cluster; `zoe ps -a` lists them"
        )));
    }
    let mut out = String::new();
    if ctx.output == Output::Json {
        out = to_json(
            &serde_json::json!({"execution": id, "removed": removal.containers, "failed": removal.failed}),
        );
    } else {
        let _ = writeln!(out, "{id}: removed {} containers", removal.containers);
    }
    if removal.failed.is_empty() {
        return Ok(Outcome::ok(out));
    }
    let mut message = format!("{id}: could not clean up every host:");
    for (host, why) in &removal.failed {
        let _ = write!(message, "\n  {host}: {why}");
    }
    print_stdout(&out);
    Err(CliError::new(message))
}

/// `30s`, `10m`, `2h`, `1d` ago, or Unix seconds.
pub fn parse_since(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Ok(n);
    }
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: i64 = number
        .parse()
        .map_err(|_| format!("--since `{text}`: use 30s, 10m, 2h, 1d or Unix seconds"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => {
            return Err(format!(
                "--since `{text}`: use 30s, 10m, 2h, 1d or Unix seconds"
            ));
        }
    };
    Ok(now_secs() as i64 - secs)
}
