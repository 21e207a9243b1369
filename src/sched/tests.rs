use super::*;
use crate::model::{GIB, PlacementPolicy};

fn node(name: &str, memory_gib: u64, cores: f64) -> NodeView {
    NodeView {
        name: name.into(),
        target: "cluster".into(),
        domain: "cluster".into(),
        offline: None,
        unschedulable: None,
        labels: Vec::new(),
        cores_total: cores,
        memory_total: memory_gib * GIB,
        cores_reserved: 0.0,
        memory_reserved: 0,
        container_count: 0,
        max_count: None,
        memory_fills: false,
        images: None,
    }
}

/// A Docker host with its own bridge network: its own target and domain.
fn host(name: &str, memory_gib: u64, cores: f64) -> NodeView {
    NodeView {
        target: name.into(),
        domain: name.into(),
        ..node(name, memory_gib, cores)
    }
}

/// A cluster node that takes no new work, and why.
fn unschedulable(name: &str, why: &str) -> NodeView {
    NodeView {
        unschedulable: Some(why.into()),
        ..node(name, 64, 16.0)
    }
}

/// Memory refused for one byte: needs exactly the `gib` GiB that are free
/// (Zoe's strict `<`).
fn short_by_a_byte(gib: u64) -> WhyNot {
    WhyNot::Memory {
        needed: gib * GIB,
        free: gib * GIB,
    }
}

fn demand(instance: &str, essential: bool, memory_gib: u64, cores: f64) -> Demand {
    Demand {
        instance: instance.into(),
        essential,
        memory: memory_gib * GIB,
        cores,
        labels: Vec::new(),
        image: "i:1".into(),
    }
}

fn first(_: usize) -> usize {
    0
}

/// The plan of the Average policy, taking the first of equal nodes.
fn average(sim: &mut Simulation, demands: &[Demand]) -> Result<Plan, Rejection> {
    plan(sim, demands, PlacementPolicy::Average, &mut first)
}

/// The same, kept to the nodes of one target.
fn average_on(sim: &mut Simulation, demands: &[Demand], target: &str) -> Result<Plan, Rejection> {
    plan_within(
        sim,
        demands,
        PlacementPolicy::Average,
        Some(target),
        &mut first,
    )
}

fn nodes_of(p: &Plan) -> Vec<(&str, &str)> {
    p.placements
        .iter()
        .map(|x| (x.instance.as_str(), x.node.as_str()))
        .collect()
}

#[test]
fn fit_rules() {
    let mut offline = node("off", 8, 4.0);
    offline.offline = Some("connection refused".into());
    let mut disabled = node("dis", 8, 4.0);
    disabled.labels = vec!["disabled".into()];
    let mut gpu = node("gpu", 8, 4.0);
    gpu.labels = vec!["gpu".into()];
    let sim = Simulation::new(&[offline, disabled, gpu, node("small", 2, 1.0)]);
    let mut d = demand("a0", true, 2, 1.0);
    d.labels = vec!["gpu".into(), "ssd".into()];
    let why: Vec<String> = sim
        .nodes
        .iter()
        .map(|n| Simulation::check(n, &d).unwrap_err().to_string())
        .collect();
    assert_eq!(why[0], "offline: connection refused");
    assert!(why[1].contains("disabled"));
    assert_eq!(why[2], "lacks label ssd");
    assert_eq!(why[3], "lacks labels gpu, ssd");
    // memory is strict: 2 GiB does not fit in exactly 2 GiB free (Zoe's `<`)
    let d = demand("a0", true, 2, 1.0);
    assert_eq!(
        Simulation::check(&sim.nodes[3], &d),
        Err(short_by_a_byte(2))
    );
    assert_eq!(
        Simulation::check(&sim.nodes[3], &d)
            .unwrap_err()
            .to_string(),
        "memory short by 1 B: needs 2 GiB, 2 GiB free"
    );
    // cores are not: exactly enough fits
    let d = Demand {
        memory: GIB,
        ..demand("a0", true, 0, 1.0)
    };
    assert_eq!(Simulation::check(&sim.nodes[3], &d), Ok(()));
    let d = Demand {
        memory: GIB,
        ..demand("a0", true, 0, 1.5)
    };
    assert_eq!(
        Simulation::check(&sim.nodes[3], &d)
            .unwrap_err()
            .to_string(),
        "cores short by 0.5: needs 1.5, 1 free"
    );
}

#[test]
fn reservations_count_against_free_capacity() {
    let mut n = node("a", 8, 4.0);
    n.memory_reserved = 7 * GIB;
    n.cores_reserved = 3.5;
    let mut sim = Simulation::new(&[n]);
    let err = average(&mut sim, &[demand("x0", true, 1, 0.1)]).unwrap_err();
    assert_eq!(err.refusals[0].why, short_by_a_byte(1));
}

#[test]
fn average_spreads_and_prefers_generic_nodes() {
    let mut labelled = node("labelled", 64, 16.0);
    labelled.labels = vec!["gpu".into()];
    let mut busy = node("busy", 64, 16.0);
    busy.container_count = 5;
    let mut sim = Simulation::new(&[labelled, busy, node("idle", 64, 16.0)]);
    let demands = workers(3, 1);
    let p = average(&mut sim, &demands).unwrap();
    // idle (0 containers) takes w0 and then w1.. until its count passes busy's
    assert_eq!(
        nodes_of(&p),
        [("w0", "idle"), ("w1", "idle"), ("w2", "idle")]
    );
    let mut sim = Simulation::new(&[node("a", 64, 16.0), node("b", 64, 16.0)]);
    let p = average(&mut sim, &demands).unwrap();
    assert_eq!(
        nodes_of(&p),
        [("w0", "a"), ("w1", "b"), ("w2", "a")],
        "spreads"
    );
}

#[test]
fn waterfill_packs() {
    let mut sim = Simulation::new(&[node("a", 64, 16.0), node("b", 64, 16.0)]);
    let demands = workers(3, 1);
    let p = plan(&mut sim, &demands, PlacementPolicy::Waterfill, &mut first).unwrap();
    assert_eq!(nodes_of(&p), [("w0", "a"), ("w1", "a"), ("w2", "a")]);
}

#[test]
fn image_presence_is_preferred_not_required() {
    let mut with = node("z-has-image", 64, 16.0);
    with.images = Some(vec!["i:1".into()]);
    let mut sim = Simulation::new(&[node("a", 64, 16.0), with]);
    let p = average(&mut sim, &[demand("x0", true, 1, 1.0)]).unwrap();
    assert_eq!(nodes_of(&p), [("x0", "z-has-image")]);
}

#[test]
fn random_uses_the_given_randomness() {
    let demands = [demand("x0", true, 1, 1.0)];
    let mut sim = Simulation::new(&[
        node("a", 64, 16.0),
        node("b", 64, 16.0),
        node("c", 64, 16.0),
    ]);
    let p = plan(&mut sim, &demands, PlacementPolicy::Random, &mut |n| n - 1).unwrap();
    assert_eq!(nodes_of(&p), [("x0", "a")]);
    let mut sim = Simulation::new(&[
        node("a", 64, 16.0),
        node("b", 64, 16.0),
        node("c", 64, 16.0),
    ]);
    let p = plan(&mut sim, &demands, PlacementPolicy::Random, &mut first).unwrap();
    assert_eq!(nodes_of(&p), [("x0", "b")]);
}

#[test]
fn essentials_are_all_or_nothing() {
    // two nodes of one domain (one alone would be a host of its own)
    let mut off = node("z-off", 64, 64.0);
    off.offline = Some("unreachable".into());
    let mut sim = Simulation::new(&[node("a", 4, 4.0), off]);
    let before = sim.clone();
    let demands = [demand("m0", true, 2, 1.0), demand("w0", true, 2, 1.0)];
    let err = average(&mut sim, &demands).unwrap_err();
    assert_eq!(err.instance.as_deref(), Some("w0"));
    assert_eq!(
        err.refusals[0],
        Refusal {
            node: "a".into(),
            why: short_by_a_byte(2)
        }
    );
    assert_eq!(sim, before, "nothing stays reserved after a rejection");
    assert!(
        err.to_string()
            .starts_with("no node can take w0\n  a: memory short by")
    );
}

#[test]
fn elastic_instances_are_deferred_when_there_is_no_room() {
    let mut sim = Simulation::new(&[node("a", 5, 8.0)]);
    let demands = [
        demand("w0", true, 2, 1.0),
        demand("w1", false, 2, 1.0),
        demand("w2", false, 2, 1.0),
    ];
    let p = average(&mut sim, &demands).unwrap();
    assert_eq!(nodes_of(&p), [("w0", "a"), ("w1", "a")]);
    assert_eq!(p.deferred.len(), 1);
    assert_eq!(p.deferred[0].0, "w2");
    assert!(matches!(p.deferred[0].1[0].why, WhyNot::Memory { .. }));
}

#[test]
fn same_host_keeps_an_execution_together() {
    let mut sim = Simulation::new(&[host("a", 3, 8.0), host("b", 8, 8.0)]);
    let demands = [
        demand("m0", true, 1, 1.0),
        demand("w0", true, 1, 1.0),
        demand("w1", true, 1, 1.0),
        demand("e0", false, 4, 1.0),
        demand("e1", false, 4, 1.0),
    ];
    let p = average(&mut sim, &demands).unwrap();
    // a cannot take 3 GiB with 3 GiB (strict), so all essentials go to b
    assert!(p.placements.iter().all(|x| x.node == "b"), "{p:?}");
    assert_eq!(p.placements.len(), 4, "one elastic fits next to them");
    assert_eq!(p.deferred.len(), 1);

    let mut sim = Simulation::new(&[host("a", 3, 8.0), host("b", 3, 8.0)]);
    let err = average(&mut sim, &demands).unwrap_err();
    assert_eq!(err.instance, None);
    assert_eq!(err.refusals.len(), 2);
    assert_eq!(err.refusals[0].why, short_by_a_byte(3), "reports the total");
    assert!(err.to_string().starts_with(
        "no node can take the whole execution\n  a: memory short by 1 B: needs 3 GiB"
    ));
}

#[test]
fn no_nodes_says_so() {
    let mut sim = Simulation::new(&[]);
    let err = average(&mut sim, &[demand("x0", true, 1, 1.0)]).unwrap_err();
    assert!(err.to_string().ends_with("no nodes are configured"));
}

fn queued(id: &str, size: u64, memory_gib: u64) -> QueuedExecution {
    QueuedExecution {
        id: id.into(),
        size,
        demands: vec![demand(&format!("{id}0"), true, memory_gib, 1.0)],
        target: None,
    }
}

/// The queue taken in order, placed by the Average policy.
fn fifo(sim: &mut Simulation, queue: &[QueuedExecution]) -> ScheduleOutcome {
    schedule(
        sim,
        queue,
        QueueOrder::Fifo,
        PlacementPolicy::Average,
        &mut first,
    )
}

#[test]
fn fifo_blocks_at_the_head_of_the_line() {
    let mut sim = Simulation::new(&[node("a", 8, 8.0)]);
    let queue = [
        queued("small", 1, 2),
        queued("big", 100, 6),
        queued("tiny", 1, 1),
    ];
    let out = fifo(&mut sim, &queue);
    assert_eq!(
        out.launch
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>(),
        ["small"]
    );
    assert_eq!(out.waiting[0].0, "big");
    assert!(out.waiting[0].1.is_some(), "the blocked one says why");
    assert_eq!(
        out.waiting[1],
        ("tiny".into(), None),
        "behind it, waiting its turn"
    );
}

#[test]
fn size_lets_small_executions_go_first() {
    let mut sim = Simulation::new(&[node("a", 8, 8.0)]);
    let queue = [
        queued("big", 100, 6),
        queued("small", 1, 2),
        queued("tiny", 1, 1),
    ];
    let out = schedule(
        &mut sim,
        &queue,
        QueueOrder::Size,
        PlacementPolicy::Average,
        &mut first,
    );
    assert_eq!(
        out.launch
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>(),
        ["small", "tiny"]
    );
    assert_eq!(out.waiting.len(), 1);
}

fn names(refusals: &[Refusal]) -> Vec<(&str, String)> {
    refusals
        .iter()
        .map(|r| (r.node.as_str(), r.why.to_string()))
        .collect()
}

#[test]
fn cluster_nodes_say_why_they_take_no_work() {
    let cordoned = unschedulable("a-cordoned", "cordoned (SchedulingDisabled)");
    let tainted = unschedulable("b-tainted", "tainted gpu=only:NoSchedule");
    let not_ready = unschedulable(
        "c-not-ready",
        "NotReady: KubeletNotReady PLEG is not healthy",
    );
    let mut full = node("d-full", 64, 16.0);
    full.max_count = Some(110);
    full.container_count = 110;
    // offline and disabled come first, as on a Docker host
    let mut off = unschedulable("e-off", "cordoned (SchedulingDisabled)");
    off.offline = Some("unreachable".into());
    let mut labelled = unschedulable("f-labels", "cordoned (SchedulingDisabled)");
    labelled.labels = vec!["disabled".into()];
    let mut sim = Simulation::new(&[cordoned, tainted, not_ready, full, off, labelled]);
    let err = average(&mut sim, &[demand("x0", true, 1, 1.0)]).unwrap_err();
    assert_eq!(err.instance.as_deref(), Some("x0"));
    assert_eq!(
        names(&err.refusals),
        [
            ("a-cordoned", "cordoned (SchedulingDisabled)".to_string()),
            ("b-tainted", "tainted gpu=only:NoSchedule".to_string()),
            (
                "c-not-ready",
                "NotReady: KubeletNotReady PLEG is not healthy".to_string()
            ),
            ("d-full", "pod count full: 110 of 110".to_string()),
            ("e-off", "offline: unreachable".to_string()),
            (
                "f-labels",
                "host disabled by the administrator (label `disabled`)".to_string()
            ),
        ]
    );
    // an unschedulable node refuses before its labels are looked at
    let n = unschedulable("n", "cordoned (SchedulingDisabled)");
    let sim = Simulation::new(&[n]);
    let mut d = demand("x0", true, 1, 1.0);
    d.labels = vec!["gpu".into()];
    assert!(matches!(
        Simulation::check(&sim.nodes[0], &d),
        Err(WhyNot::Unschedulable { .. })
    ));
}

#[test]
fn the_pod_count_fills_as_the_plan_goes() {
    let mut n = node("a", 64, 16.0);
    n.max_count = Some(3);
    n.container_count = 1;
    let mut sim = Simulation::new(&[n, node("b", 1, 16.0)]);
    let demands = [
        demand("m0", true, 1, 1.0),
        demand("w0", true, 1, 1.0),
        demand("w1", false, 1, 1.0),
    ];
    let p = plan(&mut sim, &demands, PlacementPolicy::Waterfill, &mut first).unwrap();
    assert_eq!(nodes_of(&p), [("m0", "a"), ("w0", "a")]);
    assert_eq!(
        names(&p.deferred[0].1),
        [
            ("a", "pod count full: 3 of 3".to_string()),
            (
                "b",
                "memory short by 1 B: needs 1 GiB, 1 GiB free".to_string()
            )
        ]
    );
}

#[test]
fn memory_fills_to_the_byte_only_where_the_engine_says_so() {
    let zoe = node("zoe", 2, 4.0);
    let mut kube = node("kube", 2, 4.0);
    kube.memory_fills = true;
    let sim = Simulation::new(&[zoe, kube]);
    let exact = demand("x0", true, 2, 1.0);
    assert_eq!(
        Simulation::check(&sim.nodes[0], &exact),
        Err(short_by_a_byte(2)),
        "Zoe's strict <"
    );
    assert_eq!(
        Simulation::check(&sim.nodes[1], &exact),
        Ok(()),
        "kube-scheduler's <="
    );
    let over = Demand {
        memory: 2 * GIB + 1,
        ..exact
    };
    assert!(matches!(
        Simulation::check(&sim.nodes[1], &over),
        Err(WhyNot::Memory { .. })
    ));
}

/// A Docker host `docker` and a three-node cluster `k8s`.
fn host_and_cluster(host_gib: u64) -> Vec<NodeView> {
    let mut nodes = vec![host("docker", host_gib, 16.0)];
    for name in ["k8s-1", "k8s-2", "k8s-3"] {
        let mut n = node(name, 4, 4.0);
        n.target = "k8s".into();
        n.domain = "k8s".into();
        n.memory_fills = true;
        nodes.push(n);
    }
    nodes
}

fn workers(n: usize, memory_gib: u64) -> Vec<Demand> {
    (0..n)
        .map(|i| demand(&format!("w{i}"), true, memory_gib, 1.0))
        .collect()
}

#[test]
fn several_domains_choose_the_one_that_takes_every_essential() {
    // 3 × 3 GiB: too much for a 4 GiB host, fits one per cluster node
    let mut sim = Simulation::new(&host_and_cluster(4));
    let p = average(&mut sim, &workers(3, 3)).unwrap();
    assert_eq!(
        nodes_of(&p),
        [("w0", "k8s-1"), ("w1", "k8s-2"), ("w2", "k8s-3")]
    );
    // a big host is preferred when it is the policy's best node
    let mut sim = Simulation::new(&host_and_cluster(64));
    let p = average(&mut sim, &workers(3, 3)).unwrap();
    assert!(p.placements.iter().all(|x| x.node == "docker"), "{p:?}");
}

#[test]
fn an_execution_is_never_split_across_domains() {
    // 4 × 3 GiB: the host takes one (4 GiB), the cluster three: together
    // they would, but no single domain does
    let mut sim = Simulation::new(&host_and_cluster(4));
    let before = sim.clone();
    let err = average(&mut sim, &workers(4, 3)).unwrap_err();
    assert_eq!(sim, before, "nothing stays reserved");
    assert_eq!(err.refusals.len(), 4, "every node's refusal: {err}");
    assert_eq!(
        err.refusals
            .iter()
            .map(|r| r.node.as_str())
            .collect::<Vec<_>>(),
        ["docker", "k8s-1", "k8s-2", "k8s-3"]
    );
    // the host failed on w1, the cluster on w3: no one instance to name
    assert_eq!(err.instance, None);
    // both on the same one: named
    let mut sim = Simulation::new(&host_and_cluster(2));
    let err = average(&mut sim, &workers(1, 5)).unwrap_err();
    assert_eq!(err.instance.as_deref(), Some("w0"));
    assert!(
        err.to_string()
            .starts_with("no node can take w0\n  docker: memory")
    );
    // an elastic instance is deferred, not sent to the other domain
    let mut sim = Simulation::new(&host_and_cluster(64));
    let mut demands = workers(1, 3);
    demands.push(demand("e0", false, 200, 1.0));
    let p = average(&mut sim, &demands).unwrap();
    assert_eq!(nodes_of(&p), [("w0", "docker")]);
    assert_eq!(names(&p.deferred[0].1).len(), 1, "only the host was asked");
}

#[test]
fn elastic_instances_are_deferred_inside_their_domain() {
    let mut sim = Simulation::new(&host_and_cluster(1));
    let mut demands = workers(2, 3);
    demands.extend((0..3).map(|i| demand(&format!("e{i}"), false, 3, 1.0)));
    let p = average(&mut sim, &demands).unwrap();
    // w0 and w1 on two nodes, e0 on the third; 1 GiB is left on each: e1
    // and e2 wait, refused by the cluster's nodes (not sent to the host)
    assert_eq!(
        nodes_of(&p),
        [("w0", "k8s-1"), ("w1", "k8s-2"), ("e0", "k8s-3")]
    );
    assert_eq!(p.deferred.len(), 2);
    for (_, refusals) in &p.deferred {
        assert_eq!(
            refusals.iter().map(|r| r.node.as_str()).collect::<Vec<_>>(),
            ["k8s-1", "k8s-2", "k8s-3"]
        );
    }
}

#[test]
fn a_target_keeps_the_plan_to_its_nodes() {
    let mut sim = Simulation::new(&host_and_cluster(64));
    let p = average_on(&mut sim, &workers(1, 1), "k8s").unwrap();
    assert_eq!(nodes_of(&p), [("w0", "k8s-1")]);
    let err = average_on(&mut sim, &workers(1, 1), "nowhere").unwrap_err();
    assert!(err.to_string().ends_with("no nodes are configured"));
    // the queue passes it on
    let queue = [QueuedExecution {
        target: Some("k8s".into()),
        ..queued("q", 1, 1)
    }];
    let out = fifo(&mut sim, &queue);
    assert_eq!(nodes_of(&out.launch[0].1), [("q0", "k8s-2")]);
}

#[test]
fn a_snapshot_gives_placement_its_view() {
    use crate::model::NodeSnapshot;
    let mut docker = NodeSnapshot::offline(
        "local",
        String::new(),
        String::new(),
        Vec::new(),
        "x".into(),
    );
    docker.error = None;
    docker.memory_total = 8 * GIB;
    docker.memory_reserved = GIB;
    docker.cores_reserved = 1.0;
    docker.images = vec!["i:1".into()];
    let view = docker.placement_view();
    assert_eq!(
        (view.target.as_str(), view.domain.as_str()),
        ("local", "local")
    );
    assert_eq!((view.memory_reserved, view.cores_reserved), (GIB, 1.0));
    assert_eq!(view.images, Some(vec!["i:1".to_string()]));
    assert_eq!(
        (view.max_count, view.memory_fills, view.unschedulable),
        (None, false, None)
    );

    let mut kube = docker.clone();
    kube.name = "k1".into();
    kube.target = "lab".into();
    kube.domain = "lab".into();
    kube.detail.cores_requested = Some(2.5);
    kube.detail.memory_requested = Some(3 * GIB);
    kube.detail.max_workloads = Some(110);
    kube.detail.memory_fills = true;
    kube.detail.pulls_images = true;
    kube.detail.unschedulable = Some("cordoned (SchedulingDisabled)".into());
    let view = kube.placement_view();
    assert_eq!((view.target.as_str(), view.domain.as_str()), ("lab", "lab"));
    assert_eq!(
        (view.memory_reserved, view.cores_reserved),
        (3 * GIB, 2.5),
        "every pod's requests"
    );
    assert_eq!(view.images, None, "the engine pulls");
    assert_eq!(view.max_count, Some(110));
    assert!(view.memory_fills);
    assert_eq!(
        view.unschedulable.as_deref(),
        Some("cordoned (SchedulingDisabled)")
    );
}
