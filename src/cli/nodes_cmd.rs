//! `zoe nodes`: each host's capacity (total, reserved by ZApps, in use),
//! labels and containers, offline hosts with why, and the cluster's sums.
//! A Kubernetes node's row stays narrow: its STATUS is the reason word
//! (cordoned, NotReady, tainted), CONTAINERS its pods of the most it takes,
//! and LABELS its roles and its own labels, without the well-known
//! `*kubernetes.io/` and `*k8s.io/` ones (`-o json` has every field).

use std::fmt::Write as _;

use super::session::Session;
use super::table::Table;
use super::usage_budget::{self, Usage, UsageWait};
use super::{CliError, Outcome, Output, to_json};
use crate::console::usage::NodeUsage;
use crate::model::{BackendState, NodeSnapshot, format_bytes, format_cores};

pub async fn nodes(s: &Session<'_>, usage: bool, no_usage: bool) -> Result<Outcome, CliError> {
    let mut nodes = s.observe().await?.nodes;
    let wait = UsageWait::from_flags(usage, no_usage);
    let slow = match usage_budget::read(wait, s.engine.usage(&nodes)).await {
        Usage::Read(read) => {
            crate::console::usage::apply(&mut nodes, &read);
            false
        }
        Usage::Skipped => false,
        Usage::Slow => {
            // a node running no ZApp service uses nothing: no need to wait
            let idle: Vec<_> = nodes
                .iter()
                .filter(|n| {
                    n.is_online() && !n.services.iter().any(|w| w.state == BackendState::Started)
                })
                .map(|n| NodeUsage {
                    node: n.name.clone(),
                    cores: 0.0,
                    memory: 0,
                    services: Default::default(),
                })
                .collect();
            crate::console::usage::apply(&mut nodes, &idle);
            true
        }
    };
    // other users' instances only with can_see_status (totals stay)
    let nodes = s.engine.shown_nodes(nodes);
    let code = if nodes.iter().all(NodeSnapshot::is_online) {
        0
    } else {
        1
    };
    if s.ctx.output == Output::Json {
        return Ok(Outcome {
            stdout: to_json(&super::json::nodes::nodes(&nodes)),
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
            // nothing of ours runs there: a short word keeps the table narrow
            (Some(c), Some(0)) if c <= 0.0 => "none".into(),
            (Some(c), Some(m)) => format!(
                "{}, {}",
                crate::model::text::cores(&format_cores((c * 100.0).round() / 100.0)),
                format_bytes(m)
            ),
            _ if slow && n.is_online() => "n/a (slow)".into(),
            _ => "-".into(),
        };
        table.row(vec![
            n.name.clone(),
            status(n),
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
            match n.detail.max_workloads {
                Some(max) => format!("{}/{max} pods", n.container_count),
                None => n.container_count.to_string(),
            },
            match n.detail.others {
                0 => n.services.len().to_string(),
                others => format!("{} +{others} others", n.services.len()),
            },
            labels(n),
            n.address.clone(),
        ]);
    }
    let mut out = table.render();
    let hidden = nodes
        .iter()
        .filter(|n| is_cluster_node(n))
        .map(|n| n.labels.iter().filter(|l| well_known(l)).count())
        .sum::<usize>();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "labels: {hidden} well-known Kubernetes labels (kubernetes.io, k8s.io) left out; `zoe nodes -o json` has them"
        );
    }
    let mut partial: Vec<(&str, &str)> = nodes
        .iter()
        .filter_map(|n| Some((n.target.as_str(), n.detail.partial.as_deref()?)))
        .collect();
    partial.dedup();
    for (target, why) in partial {
        let _ = writeln!(out, "{target}: requested figures partial: {why}");
    }
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
    let others: u32 = nodes.iter().map(|n| n.detail.others).sum();
    if others > 0 {
        let _ = writeln!(
            out,
            "others: {others} instances of other users, counted in the totals but not listed (that needs can_see_status; your role is `{}`)",
            s.engine.asking().role_name()
        );
    }
    if slow {
        let _ = writeln!(
            out,
            "usage: not read within {} ms (Docker gives it at its next sampling tick); `zoe nodes --usage` waits for it",
            usage_budget::BUDGET.as_millis()
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

/// A node of a cluster (a Docker host is its own target).
fn is_cluster_node(n: &NodeSnapshot) -> bool {
    n.target != n.name
}

/// The STATUS word: disabled, a cluster node's reason for taking no new
/// work (its first word: cordoned, NotReady, tainted), or online.
fn status(n: &NodeSnapshot) -> String {
    if n.labels.iter().any(|l| l == "disabled") {
        return "disabled".into();
    }
    match &n.detail.unschedulable {
        Some(why) => why
            .split(|c: char| c == ':' || c.is_whitespace())
            .next()
            .filter(|w| !w.is_empty())
            .unwrap_or(why)
            .to_string(),
        None => "online".into(),
    }
}

/// A label every cluster sets (`kubernetes.io/hostname`,
/// `beta.kubernetes.io/arch`, `node-role.kubernetes.io/…`,
/// `topology.kubernetes.io/zone`, `x.k8s.io/…`).
fn well_known(label: &str) -> bool {
    let key = label.split('=').next().unwrap_or(label);
    key.split_once('/').is_some_and(|(prefix, _)| {
        ["kubernetes.io", "k8s.io"]
            .iter()
            .any(|d| prefix == *d || prefix.ends_with(&format!(".{d}")))
    })
}

/// The LABELS cell: a Docker host's labels; a cluster node's roles
/// (`role:<role>`) and its labels but the well-known ones.
fn labels(n: &NodeSnapshot) -> String {
    if !is_cluster_node(n) {
        return n.labels.join(",");
    }
    n.detail
        .roles
        .iter()
        .map(|r| format!("role:{r}"))
        .chain(n.labels.iter().filter(|l| !well_known(l)).cloned())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_labels_are_the_kubernetes_ones() {
        for label in [
            "kubernetes.io/hostname=n1",
            "beta.kubernetes.io/arch=amd64",
            "node-role.kubernetes.io/control-plane=",
            "topology.kubernetes.io/zone=eu-1a",
            "cloud.google.com/gke-nodepool=a",
        ] {
            let expected = !label.starts_with("cloud.google.com");
            assert_eq!(well_known(label), expected, "{label}");
        }
        for label in [
            "gpu=a100",
            "kubernetes.io",
            "mykubernetes.io/x=1",
            "disabled",
        ] {
            assert!(!well_known(label), "{label}");
        }
        assert!(well_known("node.k8s.io/x=1"));
    }
}
