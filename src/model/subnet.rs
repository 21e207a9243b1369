//! IPv4 subnets and the pool execution networks get theirs from: parsing a
//! CIDR, overlap, and picking a free subnet of the pool (pure: the caller
//! reads what the host uses and creates the network).

use std::fmt;
use std::net::Ipv4Addr;

/// An IPv4 network, `address/prefix`, its host bits zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv4Subnet {
    address: u32,
    prefix: u8,
}

impl Ipv4Subnet {
    /// 10.213.0.0/16: the settings' default pool.
    pub const DEFAULT_POOL: Ipv4Subnet = Ipv4Subnet {
        address: 0x0ad5_0000,
        prefix: 16,
    };

    /// `address/prefix`; None when host bits are set or the prefix is over 32.
    pub fn new(address: Ipv4Addr, prefix: u8) -> Option<Ipv4Subnet> {
        let address = u32::from(address);
        (prefix <= 32 && address & !mask(prefix) == 0).then_some(Ipv4Subnet { address, prefix })
    }

    /// The network of `address/prefix`, host bits cleared (how an engine may
    /// report one); None for a prefix over 32.
    pub fn containing(address: Ipv4Addr, prefix: u8) -> Option<Ipv4Subnet> {
        (prefix <= 32).then(|| Ipv4Subnet {
            address: u32::from(address) & mask(prefix),
            prefix,
        })
    }

    /// Parses `10.213.0.0/16`; the error says what is wrong and, for an
    /// address with host bits set, which network was probably meant.
    pub fn parse(text: &str) -> Result<Ipv4Subnet, String> {
        let (address, prefix) = text.split_once('/').ok_or_else(|| {
            format!(
                "`{text}` is not an IPv4 subnet: write it as address/prefix, e.g. 10.213.0.0/16"
            )
        })?;
        let address: Ipv4Addr = address.parse().map_err(|_| {
            format!("`{text}`: `{address}` is not an IPv4 address (e.g. 10.213.0.0)")
        })?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32).ok_or_else(|| {
            format!("`{text}`: the prefix `/{prefix}` must be a number from 0 to 32")
        })?;
        Ipv4Subnet::new(address, prefix).ok_or_else(|| {
            let network = Ipv4Addr::from(u32::from(address) & mask(prefix));
            format!("`{text}` has host bits set: did you mean {network}/{prefix}?")
        })
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// The first address.
    pub fn address(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.address)
    }

    /// Addresses in it, network and broadcast included.
    pub fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    fn first(&self) -> u64 {
        u64::from(self.address)
    }

    fn last(&self) -> u64 {
        self.first() + self.size() - 1
    }

    /// Whether the two share an address.
    pub fn overlaps(&self, other: &Ipv4Subnet) -> bool {
        self.first() <= other.last() && other.first() <= self.last()
    }

    /// Addresses a container can get in a bridge network of this subnet:
    /// all but the network and broadcast addresses and the gateway's.
    pub fn container_addresses(&self) -> u64 {
        self.size().saturating_sub(3)
    }
}

fn mask(prefix: u8) -> u32 {
    match prefix {
        0 => 0,
        p => u32::MAX << (32 - u32::from(p.min(32))),
    }
}

impl serde::Serialize for Ipv4Subnet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Ipv4Subnet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ipv4Subnet::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Ipv4Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address(), self.prefix)
    }
}

/// Where execution networks get their subnets: `pool` cut into subnets of
/// `/prefix` (the settings' `network_pool` and `network_prefix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubnetPool {
    pub pool: Ipv4Subnet,
    pub prefix: u8,
}

/// The longest `network_prefix`: a /29 leaves 5 addresses for containers.
pub const LONGEST_PREFIX: u8 = 29;
/// The shortest `network_pool` prefix.
pub const SHORTEST_POOL_PREFIX: u8 = 8;

impl SubnetPool {
    /// The pool, when `prefix` cuts it into subnets of at least a /29.
    pub fn new(pool: Ipv4Subnet, prefix: u8) -> Result<SubnetPool, String> {
        if pool.prefix < SHORTEST_POOL_PREFIX || pool.prefix > LONGEST_PREFIX {
            return Err(format!(
                "network_pool {pool}: its prefix must be between /{SHORTEST_POOL_PREFIX} and /{LONGEST_PREFIX}"
            ));
        }
        if prefix < pool.prefix || prefix > LONGEST_PREFIX {
            return Err(format!(
                "network_prefix = {prefix}: must be between {} (network_pool {pool}'s prefix) and {LONGEST_PREFIX}",
                pool.prefix
            ));
        }
        Ok(SubnetPool { pool, prefix })
    }

    /// How many subnets the pool holds (executions per host).
    pub fn subnets(&self) -> u64 {
        1u64 << (self.prefix - self.pool.prefix)
    }

    /// Containers one execution network holds.
    pub fn containers_per_subnet(&self) -> u64 {
        (1u64 << (32 - u32::from(self.prefix))).saturating_sub(3)
    }

    /// The subnet at `index` (below [`SubnetPool::subnets`]).
    fn subnet(&self, index: u64) -> Ipv4Subnet {
        let size = 1u64 << (32 - u32::from(self.prefix));
        Ipv4Subnet {
            // below 2^32: index < subnets, so the sum stays in the pool
            address: (self.pool.first() + index * size) as u32,
            prefix: self.prefix,
        }
    }

    /// A subnet of the pool that overlaps none of `used`: the first free one
    /// at or after `start` (taken modulo the number of subnets), wrapping
    /// around. Different starts (derived from the execution id) make two
    /// consoles launching at once rarely pick the same one.
    pub fn pick(&self, used: &[Ipv4Subnet], start: u64) -> Result<Ipv4Subnet, Exhausted> {
        let size = 1u64 << (32 - u32::from(self.prefix));
        // what is used inside the pool, as sorted, merged address ranges
        let mut ranges: Vec<(u64, u64)> = used
            .iter()
            .filter(|u| u.overlaps(&self.pool))
            .map(|u| {
                (
                    u.first().max(self.pool.first()),
                    u.last().min(self.pool.last()),
                )
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (first, last) in ranges {
            match merged.last_mut() {
                Some(prev) if first <= prev.1.saturating_add(1) => prev.1 = prev.1.max(last),
                _ => merged.push((first, last)),
            }
        }
        let count = self.subnets();
        let start = start % count;
        // the first free index in [from, to), jumping over used ranges
        let free_in = |from: u64, to: u64| -> Option<u64> {
            let mut index = from;
            while index < to {
                let first = self.pool.first() + index * size;
                let last = first + size - 1;
                let at = merged.partition_point(|r| r.1 < first);
                match merged.get(at) {
                    Some(&(used_first, used_last)) if used_first <= last => {
                        // past the end of that range
                        index = (used_last + 1 - self.pool.first()).div_ceil(size);
                    }
                    _ => return Some(index),
                }
            }
            None
        };
        free_in(start, count)
            .or_else(|| free_in(0, start))
            .map(|index| self.subnet(index))
            .ok_or(Exhausted {
                pool: *self,
                networks: used.iter().filter(|u| u.overlaps(&self.pool)).count(),
            })
    }
}

/// Every subnet of the pool overlaps a network on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exhausted {
    pub pool: SubnetPool,
    /// Networks on the host using addresses of the pool.
    pub networks: usize,
}

impl fmt::Display for Exhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pool = &self.pool;
        write!(
            f,
            "no free /{} subnet left in network_pool {}: all {} overlap the {} network(s) on the host using its addresses; wait for executions to end or terminate some, or set a larger network_pool (or a longer network_prefix: more, smaller networks) in the settings",
            pool.prefix,
            pool.pool,
            pool.subnets(),
            self.networks
        )
    }
}

/// A start index for [`SubnetPool::pick`] derived from `seed` (an
/// execution id): FNV-1a, stable across runs and machines.
pub fn start_index(seed: &str) -> u64 {
    seed.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
#[path = "subnet_tests.rs"]
mod tests;
