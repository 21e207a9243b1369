//! Live data on screen: how fresh it is (the header's words and spinner,
//! redrawn by the clock only when they change), the cache's view on the
//! first screen until the hosts answer, the nodes view's placeholder, its
//! figures never cut at any width and an offline host's whole reason.

use super::*;
use crate::tui::data::Data;

/// The header line of a rendering.
fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

/// The sample app with long figures: a big host with a long name, usage
/// read, and the sample's offline host.
fn long_totals(a: &mut App) {
    let mut nodes = a.data.nodes.clone();
    nodes[0].memory_total = 1023 * GIB + 512 * (1 << 20);
    nodes[0].memory_reserved = 512 << 20;
    nodes[0].cores_total = 128.0;
    nodes[0].cores_reserved = 12.25;
    let mut big = nodes[0].clone();
    big.name = "gpu-node-with-a-long-name-01".into();
    big.target = big.name.clone();
    big.domain = big.name.clone();
    big.services.clear();
    nodes.insert(1, big);
    let executions = a.data.executions.clone();
    a.on_update(Update::Cluster { nodes, executions });
    a.on_update(Update::Usage(vec![crate::console::usage::NodeUsage {
        node: "local".into(),
        cores: 0.0312,
        memory: 7_235_174,
        services: Default::default(),
    }]));
    a.on_key(key(KeyCode::Char('3')));
}

#[test]
fn nodes_view_with_long_totals() {
    at_both_sizes("nodes-long", long_totals);
    for (w, h) in [(80, 24), (120, 36), (160, 48)] {
        let mut a = app("default");
        long_totals(&mut a);
        let screen = render(&mut a, w, h);
        for figure in [
            "12.25 / 128",
            "512 MiB / 1023.5 GiB",
            "0.03 cores / 6.9 MiB",
            "24.5 / 256 cores",
            "1 GiB / 2 TiB",
        ] {
            assert!(screen.contains(figure), "{w}x{h}: {figure:?} in\n{screen}");
        }
        // at 80 the long name is cut (with …) rather than a figure
        let whole = screen.contains("gpu-node-with-a-long-name-01");
        assert_eq!(whole, w > 80, "{w}x{h}\n{screen}");
        assert_eq!(screen.contains("gpu-node…"), w == 80, "{w}x{h}\n{screen}");
    }
}

/// The sample app with the offline host selected, its reason long.
fn offline_selected(a: &mut App) {
    let mut nodes = a.data.nodes.clone();
    nodes[1].error = Some(LONG_REASON.into());
    let executions = a.data.executions.clone();
    a.on_update(Update::Cluster { nodes, executions });
    a.on_key(key(KeyCode::Char('3')));
    a.on_key(key(KeyCode::Char('j')));
}

const LONG_REASON: &str = "host remote (tcp://127.0.0.1:23750): no answer within 20 s \
    (the daemon may be hung, or a firewall drops the packets): check that dockerd runs \
    there and listens on 23750, or take the host out of docker.conf (/etc/zoe/docker.conf)";

#[test]
fn an_offline_hosts_whole_reason_is_readable_at_80x24() {
    at_both_sizes("nodes-offline", offline_selected);
    let mut a = app("default");
    offline_selected(&mut a);
    let screen = render(&mut a, 80, 24);
    // every word of the reason, in order, in the selected host's pane
    let shown: Vec<&str> = screen
        .lines()
        .filter(|l| l.starts_with('│'))
        .flat_map(|l| l.trim_matches('│').split_whitespace())
        .collect();
    let words: Vec<&str> = LONG_REASON.split_whitespace().collect();
    assert!(
        shown.windows(words.len()).any(|w| w == words.as_slice()),
        "{screen}"
    );
}

#[test]
fn the_nodes_view_never_starts_blank() {
    at_both_sizes("nodes-placeholder", |a| {
        a.data = Data {
            loading: true,
            asking: vec!["local".into(), "remote".into()],
            ..Data::default()
        };
        a.on_key(key(KeyCode::Char('3')));
    });
    let mut a = app("default");
    a.data = Data {
        loading: true,
        asking: vec!["local".into(), "remote".into()],
        ..Data::default()
    };
    a.on_key(key(KeyCode::Char('3')));
    let screen = render(&mut a, 80, 24);
    assert!(
        screen.contains("asking 2 hosts… (local, remote)"),
        "{screen}"
    );
    assert!(header(&screen).contains("asking 2 hosts…"), "{screen}");
}

/// The first screen from the cache: seen 3 minutes ago, a look under way.
fn cached(a: &mut App) {
    let (nodes, executions) = (a.data.nodes.clone(), a.data.executions.clone());
    a.data = Data {
        loading: true,
        asking: vec!["local".into(), "remote".into()],
        ..Data::default()
    };
    a.on_update(Update::Cached {
        nodes,
        executions,
        seen: NOW - 180,
    });
    a.on_update(Update::Looking(true));
    a.data.spin = 2;
}

#[test]
fn the_first_screen_shows_the_cache_marked_as_cached() {
    at_both_sizes("executions-cached", |a| {
        cached(a);
        a.on_key(key(KeyCode::Char('2')));
    });
    at_both_sizes("nodes-cached", |a| {
        cached(a);
        a.on_key(key(KeyCode::Char('3')));
    });
    let mut a = app("default");
    cached(&mut a);
    a.on_key(key(KeyCode::Char('2')));
    let screen = render(&mut a, 160, 48);
    assert!(
        header(&screen).contains("cached 3m ago · asking 2 hosts… ⣻"),
        "{screen}"
    );
    assert!(
        screen.contains("nightly"),
        "the cached executions: {screen}"
    );
    // the hosts answered: fresh data, no more marker
    let (nodes, executions) = (a.data.nodes.clone(), a.data.executions.clone());
    a.on_update(Update::Looking(false));
    a.on_update(Update::Cluster { nodes, executions });
    assert_eq!(a.data.cached, None);
    let screen = render(&mut a, 160, 48);
    assert!(
        header(&screen).contains("1/2 hosts online · updated just now"),
        "{screen}"
    );
    // a cache's view arriving late never replaces fresh data
    a.on_update(Update::Cached {
        nodes: Vec::new(),
        executions: Vec::new(),
        seen: NOW - 999,
    });
    assert_eq!((a.data.cached, a.data.nodes.len()), (None, 2));
}

#[test]
fn the_header_says_how_fresh_and_spins_while_in_flight() {
    at_both_sizes("header-fresh", |a| {
        a.now = NOW + 12;
        a.data.looking = true;
        a.data.spin = 5;
    });
    let mut a = app("default");
    a.now = NOW + 12;
    let screen = render(&mut a, 160, 48);
    assert!(header(&screen).contains("· updated 12s ago "), "{screen}");
    // at 80 columns the short words keep the view tabs on the line
    let screen = render(&mut a, 80, 24);
    assert!(header(&screen).contains("· 12s ago"), "{screen}");
    assert!(header(&screen).contains("3 nodes"), "{screen}");
    assert!(!header(&screen).contains("⣾"), "no spinner when idle");
    a.data.terminating = vec!["1ibx0a2b3c".into()];
    assert!(header(&render(&mut a, 80, 24)).contains("⣾"));
    a.data.terminating.clear();
    a.data.launching = Some("1ibx0a2b3c".into());
    assert!(a.data.busy());
}

#[test]
fn the_clock_redraws_only_when_the_header_changes() {
    let mut a = app("default");
    // the shop shows no ages: only the header's words can change
    assert_eq!(a.view, View::Shop);
    a.dirty = false;
    a.tick(NOW + 1);
    assert!(a.dirty, "just now -> 1s ago");
    a.tick(NOW + 125);
    a.dirty = false;
    a.tick(NOW + 126);
    assert!(!a.dirty, "2m ago both times: nothing to redraw");
    a.tick(NOW + 180);
    assert!(a.dirty, "3m ago");
}
