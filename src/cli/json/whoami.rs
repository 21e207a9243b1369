//! `zoe whoami -o json`.

use serde::Serialize;

use super::Cores;
use crate::console::whoami::WhoAmI;
use crate::model::access::Capabilities;

#[derive(Debug, Serialize)]
pub struct Whoami<'a> {
    pub user: &'a str,
    /// How the console knows who you are: `login name`, `$USER`,
    /// `settings`, `sudo`, `password file`, `LDAP`.
    pub source: String,
    pub role: Role<'a>,
    /// A shared deployment (several users, roles), not a personal install.
    pub shared: bool,
    pub quota: Quota<'a>,
    pub usage: Usage<'a>,
}

#[derive(Debug, Serialize)]
pub struct Role<'a> {
    pub name: &'a str,
    /// 2017.12's guest: one active execution at most.
    pub guest: bool,
    /// Zoe's seven capabilities, each true or false.
    pub capabilities: &'a Capabilities,
}

/// Each limit; 0 means unlimited, as in Zoe.
#[derive(Debug, Serialize)]
pub struct Quota<'a> {
    pub name: &'a str,
    pub concurrent_executions: u32,
    /// Bytes.
    pub memory: u64,
    pub cores: Cores,
    /// Seconds from submission.
    pub runtime_limit_secs: u64,
}

#[derive(Debug, Serialize)]
pub struct Usage<'a> {
    /// Active executions the quota counts.
    pub executions: u32,
    /// Bytes reserved (Σ `memory.min` of their instances).
    pub memory: u64,
    /// Cores reserved (Σ `cores.min`).
    pub cores: Cores,
    /// `cluster` (a look every host answered) or `cache` (some did not:
    /// the figures are the cache's, see `unanswered`).
    pub from: &'static str,
    /// Hosts that did not answer.
    pub unanswered: &'a [String],
}

impl<'a> Whoami<'a> {
    pub fn of(who: &'a WhoAmI) -> Whoami<'a> {
        let i = &who.identity;
        Whoami {
            user: &i.user,
            source: i.source.describe(),
            role: Role {
                name: &i.role.name,
                guest: i.role.guest,
                capabilities: &i.role.capabilities,
            },
            shared: i.shared,
            quota: Quota {
                name: &i.quota.name,
                concurrent_executions: i.quota.concurrent_executions,
                memory: i.quota.memory,
                cores: Cores(i.quota.cores),
                runtime_limit_secs: i.quota.runtime_limit_secs,
            },
            usage: Usage {
                executions: who.usage.executions,
                memory: who.usage.memory,
                cores: Cores(who.usage.cores),
                from: if who.unanswered.is_empty() {
                    "cluster"
                } else {
                    "cache"
                },
                unanswered: &who.unanswered,
            },
        }
    }
}
