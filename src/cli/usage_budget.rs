//! How long `zoe nodes` waits for usage figures: the table never waits on
//! them more than a short budget ([`BUDGET`]) unless asked to (`--usage`).
//! Docker answers a stats request at its next sampling tick (about a
//! second), so on a Docker host running ZApps the figures usually miss the
//! budget and the table says `n/a (slow)` instead; a host running none
//! answers at once (nothing to read).

use std::future::Future;
use std::time::Duration;

/// What `zoe nodes` waits for usage by default.
pub const BUDGET: Duration = Duration::from_millis(300);

/// How usage figures are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageWait {
    /// Not at all (`--no-usage`).
    Skip,
    /// Up to this long; what is not in by then is marked slow.
    Budget(Duration),
    /// As long as they take (`--usage`).
    Full,
}

impl UsageWait {
    /// From the flags (clap refuses both at once).
    pub fn from_flags(usage: bool, no_usage: bool) -> UsageWait {
        match (usage, no_usage) {
            (_, true) => UsageWait::Skip,
            (true, false) => UsageWait::Full,
            (false, false) => UsageWait::Budget(BUDGET),
        }
    }
}

/// What came of reading usage.
#[derive(Debug, Clone, PartialEq)]
pub enum Usage<T> {
    Skipped,
    Read(T),
    /// Not in within the budget: the answer goes on without it.
    Slow,
}

/// Reads `usage` as `wait` says.
pub async fn read<T>(wait: UsageWait, usage: impl Future<Output = T>) -> Usage<T> {
    match wait {
        UsageWait::Skip => Usage::Skipped,
        UsageWait::Full => Usage::Read(usage.await),
        UsageWait::Budget(budget) => match tokio::time::timeout(budget, usage).await {
            Ok(read) => Usage::Read(read),
            Err(_) => Usage::Slow,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_choose_how_long_to_wait() {
        assert_eq!(
            UsageWait::from_flags(false, false),
            UsageWait::Budget(BUDGET)
        );
        assert_eq!(UsageWait::from_flags(true, false), UsageWait::Full);
        assert_eq!(UsageWait::from_flags(false, true), UsageWait::Skip);
    }

    #[tokio::test]
    async fn slow_usage_does_not_hold_the_answer_past_the_budget() {
        let started = std::time::Instant::now();
        let slow = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            7
        };
        assert_eq!(read(UsageWait::Budget(BUDGET), slow).await, Usage::Slow);
        let waited = started.elapsed();
        // the budget, give or take the scheduler: far from the 5 s
        assert!(
            waited >= BUDGET && waited < Duration::from_secs(2),
            "{waited:?}"
        );
    }

    #[tokio::test]
    async fn usage_in_time_is_shown_and_full_waits_it_out() {
        let quick = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            7
        };
        assert_eq!(read(UsageWait::Budget(BUDGET), quick).await, Usage::Read(7));
        let slower_than_budget = async {
            tokio::time::sleep(BUDGET + Duration::from_millis(200)).await;
            7
        };
        assert_eq!(
            read(UsageWait::Full, slower_than_budget).await,
            Usage::Read(7)
        );
        let never = std::future::pending::<u8>();
        assert_eq!(read(UsageWait::Skip, never).await, Usage::Skipped);
    }
}
