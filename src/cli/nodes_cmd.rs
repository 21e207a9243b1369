//! `zoe nodes`: each host's capacity (total, reserved by ZApps, in use),
//! labels and containers, offline hosts with why, and the cluster's sums.

use std::fmt::Write as _;

use super::session::Session;
use super::table::Table;
use super::{CliError, Outcome, Output, to_json};
use crate::model::{NodeSnapshot, format_bytes, format_cores};

pub async fn nodes(s: &Session<'_>, usage: bool) -> Result<Outcome, CliError> {
    let mut nodes = s.observe().await?.nodes;
    if usage {
        let read = s.engine.usage(&nodes).await;
        crate::console::usage::apply(&mut nodes, &read);
    }
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
            } else if let Some(why) = &n.detail.unschedulable {
                // a cluster node that takes no new work: the first words
                why.split(':').next().unwrap_or(why).to_string()
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
                "{}: foreign ({}), not counted or touched: {} ({}): {}",
                n.name,
                f.kind.as_str(),
                f.name,
                crate::model::text::short_id(&f.id),
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
