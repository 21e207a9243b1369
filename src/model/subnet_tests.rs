use super::*;

fn net(text: &str) -> Ipv4Subnet {
    Ipv4Subnet::parse(text).unwrap()
}

fn pool(text: &str, prefix: u8) -> SubnetPool {
    SubnetPool::new(net(text), prefix).unwrap()
}

#[test]
fn subnets_parse_strictly_and_say_what_is_wrong() {
    assert_eq!(net("10.213.0.0/16").to_string(), "10.213.0.0/16");
    assert_eq!(net("0.0.0.0/0").size(), 1 << 32);
    assert_eq!(net("10.0.0.7/32").size(), 1);
    let err = Ipv4Subnet::parse("10.213.1.0/16").unwrap_err();
    assert!(err.contains("did you mean 10.213.0.0/16"), "{err}");
    assert!(
        Ipv4Subnet::parse("10.213.0.0")
            .unwrap_err()
            .contains("address/prefix")
    );
    assert!(
        Ipv4Subnet::parse("10.213.0/16")
            .unwrap_err()
            .contains("not an IPv4 address")
    );
    assert!(
        Ipv4Subnet::parse("10.0.0.0/33")
            .unwrap_err()
            .contains("0 to 32")
    );
    assert!(Ipv4Subnet::parse("10.0.0.0/x").is_err());
    assert!(Ipv4Subnet::parse("fd00::/64").is_err());
    assert!(Ipv4Subnet::parse("").is_err());
}

#[test]
fn overlap_is_sharing_an_address() {
    assert!(net("10.0.0.0/8").overlaps(&net("10.213.4.0/24")));
    assert!(net("10.213.4.0/24").overlaps(&net("10.0.0.0/8")));
    assert!(net("10.213.0.0/25").overlaps(&net("10.213.0.0/25")));
    assert!(!net("10.213.0.0/25").overlaps(&net("10.213.0.128/25")));
    assert!(!net("10.213.0.128/25").overlaps(&net("10.213.0.0/25")));
    assert!(net("10.213.0.127/32").overlaps(&net("10.213.0.0/25")));
    assert!(net("0.0.0.0/0").overlaps(&net("255.255.255.255/32")));
}

#[test]
fn pools_hold_what_their_prefixes_say() {
    let p = pool("10.213.0.0/16", 25);
    assert_eq!((p.subnets(), p.containers_per_subnet()), (512, 125));
    let p = pool("10.213.0.0/16", 24);
    assert_eq!((p.subnets(), p.containers_per_subnet()), (256, 253));
    let p = pool("10.213.0.0/16", 16);
    assert_eq!(p.subnets(), 1);
    assert_eq!(pool("10.0.0.0/8", 29).subnets(), 1 << 21);
    assert_eq!(pool("10.0.0.0/8", 29).containers_per_subnet(), 5);
}

#[test]
fn bad_pools_and_prefixes_are_refused_with_the_range() {
    let err = SubnetPool::new(net("10.213.0.0/16"), 30).unwrap_err();
    assert!(err.contains("between 16") && err.contains("29"), "{err}");
    let err = SubnetPool::new(net("10.213.0.0/16"), 15).unwrap_err();
    assert!(err.contains("network_prefix = 15"), "{err}");
    let err = SubnetPool::new(net("10.0.0.0/7"), 24).unwrap_err();
    assert!(err.contains("network_pool 10.0.0.0/7"), "{err}");
    assert!(SubnetPool::new(net("10.0.0.0/30"), 30).is_err());
    assert!(SubnetPool::new(net("10.0.0.0/29"), 29).is_ok());
}

#[test]
fn an_empty_host_gives_the_start_subnet() {
    let p = pool("10.213.0.0/16", 25);
    assert_eq!(p.pick(&[], 0).unwrap(), net("10.213.0.0/25"));
    assert_eq!(p.pick(&[], 1).unwrap(), net("10.213.0.128/25"));
    assert_eq!(p.pick(&[], 511).unwrap(), net("10.213.255.128/25"));
    // the start wraps around the number of subnets
    assert_eq!(p.pick(&[], 512 + 2).unwrap(), net("10.213.1.0/25"));
    assert_eq!(p.pick(&[], u64::MAX).unwrap(), net("10.213.255.128/25"));
}

#[test]
fn used_subnets_are_skipped_and_the_walk_wraps() {
    let p = pool("10.213.0.0/16", 24);
    let used = [
        net("10.213.5.0/24"),
        net("10.213.6.0/25"),
        net("10.213.7.128/26"),
    ];
    assert_eq!(p.pick(&used, 5).unwrap(), net("10.213.8.0/24"));
    assert_eq!(p.pick(&used, 4).unwrap(), net("10.213.4.0/24"));
    // a wider network on the host blocks every subnet inside it
    let used = [net("10.213.0.0/17")];
    assert_eq!(p.pick(&used, 3).unwrap(), net("10.213.128.0/24"));
    // from the last subnet, wrapping to the start
    let used = [net("10.213.255.0/24"), net("10.213.0.0/23")];
    assert_eq!(p.pick(&used, 255).unwrap(), net("10.213.2.0/24"));
    // networks outside the pool do not matter; one covering it all does
    let used = [
        net("172.17.0.0/16"),
        net("10.212.0.0/16"),
        net("10.214.0.0/16"),
    ];
    assert_eq!(p.pick(&used, 9).unwrap(), net("10.213.9.0/24"));
    let err = p.pick(&[net("10.0.0.0/8")], 9).unwrap_err();
    assert_eq!(err.networks, 1);
}

#[test]
fn picks_never_overlap_what_is_used_nor_each_other() {
    // fill a pool one pick at a time from scattered starts, as launches do
    let p = pool("10.213.0.0/20", 25);
    let mut used = vec![
        net("10.213.3.64/26"),
        net("10.213.9.0/24"),
        net("10.0.0.0/16"),
    ];
    let mut picked = Vec::new();
    let mut seed = 7u64;
    loop {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        match p.pick(&used, seed >> 33) {
            Ok(subnet) => {
                assert_eq!(subnet.prefix(), 25);
                assert!(p.pool.overlaps(&subnet));
                assert!(
                    used.iter().all(|u| !u.overlaps(&subnet)),
                    "{subnet} overlaps one in use"
                );
                picked.push(subnet);
                used.push(subnet);
            }
            Err(exhausted) => {
                assert_eq!(exhausted.networks, picked.len() + 2);
                break;
            }
        }
    }
    // 32 subnets of /25 in a /20, less the one the /26 touches and the two
    // halves of the /24
    assert_eq!(picked.len(), 32 - 1 - 2);
    for (i, a) in picked.iter().enumerate() {
        for b in &picked[i + 1..] {
            assert!(!a.overlaps(b), "{a} and {b}");
        }
    }
}

#[test]
fn exhaustion_says_the_numbers_and_the_settings_to_change() {
    let p = pool("10.213.0.0/24", 25);
    let used = [net("10.213.0.0/25"), net("10.213.0.128/25")];
    let err = p.pick(&used, 0).unwrap_err();
    assert_eq!(err.networks, 2);
    let text = err.to_string();
    for part in [
        "no free /25 subnet",
        "network_pool 10.213.0.0/24",
        "all 2",
        "2 network(s)",
        "network_prefix",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
}

#[test]
fn a_large_pool_is_walked_by_jumps() {
    // 2^21 subnets, almost all used by one network: found at once
    let p = pool("10.0.0.0/8", 29);
    let used = [
        net("10.0.0.0/9"),
        net("10.128.0.0/10"),
        net("10.192.0.0/11"),
    ];
    assert_eq!(p.pick(&used, 0).unwrap(), net("10.224.0.0/29"));
    let used: Vec<Ipv4Subnet> = (0..2048u32)
        .map(|i| Ipv4Subnet::new(Ipv4Addr::from(0x0a00_0000 + i * 8), 29).unwrap())
        .collect();
    assert_eq!(p.pick(&used, 0).unwrap(), net("10.0.64.0/29"));
}

#[test]
fn start_indexes_spread_execution_ids() {
    assert_eq!(start_index("abc"), start_index("abc"));
    let ids = ["k3x9f2a7qp", "k3x9f2a7qq", "a0000000000", "zzzzzzzz"];
    let mut slots: Vec<u64> = ids.iter().map(|id| start_index(id) % 512).collect();
    slots.sort_unstable();
    slots.dedup();
    assert_eq!(slots.len(), ids.len());
}
