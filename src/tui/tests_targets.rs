//! The Kubernetes side on screen: a Docker host beside a cluster whose
//! nodes are grouped under a heading naming its context and namespace, the
//! header naming them too, a cluster node's roles, taints, why it takes no
//! work and its requested figures; `:ctx` and `:ns` as they reach the
//! engine and what they show.

use super::*;
use crate::model::NodeDetail;

/// A node of the `fake` cluster (context `fake`, namespace `zapps`).
fn cluster_node(name: &str, cores: f64, memory_gib: u64) -> NodeSnapshot {
    let mut n = NodeSnapshot::offline(
        &format!("fake/{name}"),
        "10.0.0.1".into(),
        "10.0.0.1".into(),
        vec!["kubernetes.io/hostname=n1".into(), "gpu=a100".into()],
        String::new(),
    );
    n.error = None;
    n.target = "fake".into();
    n.domain = "fake".into();
    n.cores_total = cores;
    n.memory_total = memory_gib * GIB;
    n.container_count = 3;
    n.detail = NodeDetail {
        cores_requested: Some(1.25),
        memory_requested: Some(3 * GIB),
        max_workloads: Some(110),
        memory_fills: true,
        pulls_images: true,
        target_kind: Some("cluster".into()),
        context: Some("fake".into()),
        namespace: Some("zapps".into()),
        ..NodeDetail::default()
    };
    n
}

/// The sample app with the `fake` cluster's three nodes beside the hosts:
/// n1 a control plane, n2 cordoned, n3 tainted with a pod of ours.
pub fn with_cluster(a: &mut App) {
    let mut n1 = cluster_node("n1", 4.0, 8);
    n1.detail.roles = vec!["control-plane".into()];
    let mut n2 = cluster_node("n2", 4.0, 8);
    n2.detail.unschedulable = Some("cordoned (spec.unschedulable)".into());
    let mut n3 = cluster_node("n3", 8.0, 32);
    n3.detail.taints = vec!["dedicated=zapps:NoSchedule".into()];
    n3.detail.partial = Some("not allowed to list the pods of every namespace".into());
    let mut pod = a.data.nodes[0].services[0].clone();
    pod.instance = "scheduler0".into();
    pod.execution_id = "1ibx0a2b3d".into();
    n3.cores_reserved = 0.5;
    n3.memory_reserved = GIB;
    n3.services.push(pod);
    let mut nodes = a.data.nodes.clone();
    nodes.truncate(1);
    nodes.extend([n1, n2, n3]);
    let executions = a.data.executions.clone();
    a.on_update(Update::Cluster { nodes, executions });
}

#[test]
fn nodes_view_groups_a_host_and_a_cluster() {
    at_both_sizes("nodes-cluster", |a| {
        with_cluster(a);
        a.on_key(key(KeyCode::Char('3')));
        // the tainted node with the ZApp pod
        for _ in 0..3 {
            a.on_key(key(KeyCode::Char('j')));
        }
    });
}

#[test]
fn the_header_names_the_cluster_context_and_namespace() {
    let mut a = app("default");
    with_cluster(&mut a);
    let screen = render(&mut a, 120, 36);
    let header = screen.lines().next().unwrap();
    assert!(
        header.contains("1/1 hosts online · fake: context fake ns zapps"),
        "{header}"
    );
    // the view tabs when they fit
    assert!(header.contains("3 nodes"), "{header}");
    // at 80 columns the targets stay, the tabs go
    let screen = render(&mut a, 80, 24);
    let header = screen.lines().next().unwrap();
    assert!(header.contains("fake: context fake ns zapps"), "{header}");
}

#[test]
fn the_nodes_view_is_readable_at_120_by_36() {
    let mut a = app("default");
    with_cluster(&mut a);
    a.on_key(key(KeyCode::Char('3')));
    a.on_key(key(KeyCode::Char('j')));
    a.on_key(key(KeyCode::Char('j')));
    let screen = render(&mut a, 120, 36);
    for line in [
        "Docker hosts · 1/1 online",
        "fake · cluster · context fake ns zapps · 2/3 nodes take work",
        " n2 ",
        "no work",
        "takes no work: cordoned (spec.unschedulable)",
        "requested by all pods 1.25 cores 3 GiB · by ZApps 0 cores 0 B",
    ] {
        assert!(screen.contains(line), "{line:?} in\n{screen}");
    }
}

#[test]
fn ctx_and_ns_reach_the_engine_and_its_answer_shows_in_the_status_line() {
    let mut a = app("default");
    with_cluster(&mut a);
    assert_eq!(a.run_command("ctx"), Request::Contexts);
    assert_eq!(
        a.run_command("ctx other"),
        Request::UseContext("other".into())
    );
    assert_eq!(a.run_command("ns"), Request::Namespaces);
    assert_eq!(
        a.run_command("ns team-a"),
        Request::UseNamespace("team-a".into())
    );
    // typed on the `:` line
    for c in ":ctx lab".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    assert_eq!(
        a.on_key(key(KeyCode::Enter)),
        Request::UseContext("lab".into())
    );
    a.on_key(key(KeyCode::Char('3')));
    a.on_update(Update::Told(
        "contexts (* used by fake; :ctx NAME switches):\n* fake   http://127.0.0.1:26443  ns zapps\n  other  https://10.0.0.1:6443  ns default".into(),
    ));
    let screen = render(&mut a, 80, 24);
    assert!(
        screen.contains("* fake   http://127.0.0.1:26443  ns zapps"),
        "{screen}"
    );
    assert!(
        screen.contains("  other  https://10.0.0.1:6443  ns default"),
        "{screen}"
    );
    // an unknown name: the engine's refusal, as an error
    a.on_update(Update::Failed(
        "no context `nope` in the kubeconfig; its contexts: fake, other (:ctx lists them)".into(),
    ));
    assert!(render(&mut a, 80, 24).contains("no context `nope`"));
}

#[test]
fn every_figure_of_the_nodes_table_is_whole_at_120_columns() {
    let mut a = app("default");
    with_cluster(&mut a);
    a.on_key(key(KeyCode::Char('3')));
    let screen = render(&mut a, 120, 36);
    for figure in ["12 GiB / 32 GiB", "3 GiB / 32 GiB", "1.25 / 8", "2.5 / 8"] {
        assert!(screen.contains(figure), "{figure:?} in\n{screen}");
    }
}
