use super::*;
use crate::model::GIB;

fn node(name: &str, memory_gib: u64, cores: f64) -> NodeView {
    NodeView {
        name: name.into(),
        offline: None,
        labels: Vec::new(),
        cores_total: cores,
        memory_total: memory_gib * GIB,
        cores_reserved: 0.0,
        memory_reserved: 0,
        container_count: 0,
        images: None,
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
        Err(WhyNot::Memory {
            needed: 2 * GIB,
            free: 2 * GIB
        })
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
    let err = plan(
        &mut sim,
        &[demand("x0", true, 1, 0.1)],
        PlacementPolicy::Average,
        false,
        &mut first,
    )
    .unwrap_err();
    assert_eq!(
        err.refusals[0].why,
        WhyNot::Memory {
            needed: GIB,
            free: GIB
        }
    );
}

#[test]
fn average_spreads_and_prefers_generic_nodes() {
    let mut labelled = node("labelled", 64, 16.0);
    labelled.labels = vec!["gpu".into()];
    let mut busy = node("busy", 64, 16.0);
    busy.container_count = 5;
    let mut sim = Simulation::new(&[labelled, busy, node("idle", 64, 16.0)]);
    let demands: Vec<Demand> = (0..3)
        .map(|i| demand(&format!("w{i}"), true, 1, 1.0))
        .collect();
    let p = plan(
        &mut sim,
        &demands,
        PlacementPolicy::Average,
        false,
        &mut first,
    )
    .unwrap();
    // idle (0 containers) takes w0 and then w1.. until its count passes busy's
    assert_eq!(
        nodes_of(&p),
        [("w0", "idle"), ("w1", "idle"), ("w2", "idle")]
    );
    let mut sim = Simulation::new(&[node("a", 64, 16.0), node("b", 64, 16.0)]);
    let p = plan(
        &mut sim,
        &demands,
        PlacementPolicy::Average,
        false,
        &mut first,
    )
    .unwrap();
    assert_eq!(
        nodes_of(&p),
        [("w0", "a"), ("w1", "b"), ("w2", "a")],
        "spreads"
    );
}

#[test]
fn waterfill_packs() {
    let mut sim = Simulation::new(&[node("a", 64, 16.0), node("b", 64, 16.0)]);
    let demands: Vec<Demand> = (0..3)
        .map(|i| demand(&format!("w{i}"), true, 1, 1.0))
        .collect();
    let p = plan(
        &mut sim,
        &demands,
        PlacementPolicy::Waterfill,
        false,
        &mut first,
    )
    .unwrap();
    assert_eq!(nodes_of(&p), [("w0", "a"), ("w1", "a"), ("w2", "a")]);
}

#[test]
fn image_presence_is_preferred_not_required() {
    let mut with = node("z-has-image", 64, 16.0);
    with.images = Some(vec!["i:1".into()]);
    let mut sim = Simulation::new(&[node("a", 64, 16.0), with]);
    let p = plan(
        &mut sim,
        &[demand("x0", true, 1, 1.0)],
        PlacementPolicy::Average,
        false,
        &mut first,
    )
    .unwrap();
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
    let p = plan(
        &mut sim,
        &demands,
        PlacementPolicy::Random,
        false,
        &mut |n| n - 1,
    )
    .unwrap();
    assert_eq!(nodes_of(&p), [("x0", "a")]);
    let mut sim = Simulation::new(&[
        node("a", 64, 16.0),
        node("b", 64, 16.0),
        node("c", 64, 16.0),
    ]);
    let p = plan(
        &mut sim,
        &demands,
        PlacementPolicy::Random,
        false,
        &mut first,
    )
    .unwrap();
    assert_eq!(nodes_of(&p), [("x0", "b")]);
}

#[test]
fn essentials_are_all_or_nothing() {
    let mut sim = Simulation::new(&[node("a", 4, 4.0)]);
    let before = sim.clone();
    let demands = [demand("m0", true, 2, 1.0), demand("w0", true, 2, 1.0)];
    let err = plan(
        &mut sim,
        &demands,
        PlacementPolicy::Average,
        false,
        &mut first,
    )
    .unwrap_err();
    assert_eq!(err.instance.as_deref(), Some("w0"));
    assert_eq!(
        err.refusals,
        [Refusal {
            node: "a".into(),
            why: WhyNot::Memory {
                needed: 2 * GIB,
                free: 2 * GIB
            }
        }]
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
    let p = plan(
        &mut sim,
        &demands,
        PlacementPolicy::Average,
        false,
        &mut first,
    )
    .unwrap();
    assert_eq!(nodes_of(&p), [("w0", "a"), ("w1", "a")]);
    assert_eq!(p.deferred.len(), 1);
    assert_eq!(p.deferred[0].0, "w2");
    assert!(matches!(p.deferred[0].1[0].why, WhyNot::Memory { .. }));
}

#[test]
fn same_host_keeps_an_execution_together() {
    let mut sim = Simulation::new(&[node("a", 3, 8.0), node("b", 8, 8.0)]);
    let demands = [
        demand("m0", true, 1, 1.0),
        demand("w0", true, 1, 1.0),
        demand("w1", true, 1, 1.0),
        demand("e0", false, 4, 1.0),
        demand("e1", false, 4, 1.0),
    ];
    let p = plan(
        &mut sim,
        &demands,
        PlacementPolicy::Average,
        true,
        &mut first,
    )
    .unwrap();
    // a cannot take 3 GiB with 3 GiB (strict), so all essentials go to b
    assert!(p.placements.iter().all(|x| x.node == "b"), "{p:?}");
    assert_eq!(p.placements.len(), 4, "one elastic fits next to them");
    assert_eq!(p.deferred.len(), 1);

    let mut sim = Simulation::new(&[node("a", 3, 8.0), node("b", 3, 8.0)]);
    let err = plan(
        &mut sim,
        &demands,
        PlacementPolicy::Average,
        true,
        &mut first,
    )
    .unwrap_err();
    assert_eq!(err.instance, None);
    assert_eq!(err.refusals.len(), 2);
    assert_eq!(
        err.refusals[0].why,
        WhyNot::Memory {
            needed: 3 * GIB,
            free: 3 * GIB
        },
        "reports the total"
    );
    assert!(err.to_string().starts_with(
        "no node can take the whole execution\n  a: memory short by 1 B: needs 3 GiB"
    ));
}

#[test]
fn no_nodes_says_so() {
    let mut sim = Simulation::new(&[]);
    let err = plan(
        &mut sim,
        &[demand("x0", true, 1, 1.0)],
        PlacementPolicy::Average,
        false,
        &mut first,
    )
    .unwrap_err();
    assert!(err.to_string().ends_with("no nodes are configured"));
}

fn queued(id: &str, size: u64, memory_gib: u64) -> QueuedExecution {
    QueuedExecution {
        id: id.into(),
        size,
        demands: vec![demand(&format!("{id}0"), true, memory_gib, 1.0)],
        same_host: true,
    }
}

#[test]
fn fifo_blocks_at_the_head_of_the_line() {
    let mut sim = Simulation::new(&[node("a", 8, 8.0)]);
    let queue = [
        queued("small", 1, 2),
        queued("big", 100, 6),
        queued("tiny", 1, 1),
    ];
    let out = schedule(
        &mut sim,
        &queue,
        QueueOrder::Fifo,
        PlacementPolicy::Average,
        &mut first,
    );
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
