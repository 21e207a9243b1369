//! Admission before placement: Zoe's quota rules (spec §9.1; 0 =
//! unlimited) and 2017.12's guest limit, as pure checks on what the cache
//! (reconciled by the last look, so other consoles' executions count) says
//! the user has active; what a launch would leave of the quota (the start
//! form's line); and the runtime limit supervision enforces.

use crate::model::record::ExecutionRecord;
use crate::model::{Description, ExecutionStatus, format_bytes, format_cores};

pub use crate::model::access::Quota;

/// Zoe's termination reason for an execution past its runtime limit.
pub const RUNTIME_EXCEEDED: &str = "Run time quota exceeded";

/// What an owner already has active (Zoe's list, see [`holds_quota`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    pub executions: u32,
    pub memory: u64,
    pub cores: f64,
}

/// The statuses Zoe's quota counts: `submitted`, `queued` (2017.12's
/// `scheduled`), `starting` (with its `image download` step) and
/// `running`. Not `cleaning up`: an execution being terminated no longer
/// counts, though it is still active for everything else.
pub fn holds_quota(status: ExecutionStatus) -> bool {
    matches!(
        status,
        ExecutionStatus::Submitted
            | ExecutionStatus::Queued
            | ExecutionStatus::Starting
            | ExecutionStatus::Running
    )
}

/// Σ over the description's groups of `min × total_count` (after
/// validation defaults), as Zoe counts a new execution.
pub fn demand_of(description: &Description) -> (u64, f64) {
    let cores = description
        .services
        .iter()
        .map(|g| g.cores_min() * f64::from(g.total_count))
        .sum();
    (description.memory_demand(), cores)
}

/// What one execution reserves: Σ over its instances of `memory.min` /
/// `cores.min`, from the description it was launched with (nothing when
/// it has none readable).
pub fn reserved_by(record: &ExecutionRecord) -> (u64, f64) {
    record
        .description
        .as_deref()
        .and_then(|d| crate::shop::validate::parse_stored(d).ok())
        .map_or((0, 0.0), |d| demand_of(&d))
}

/// What `user` has that the quota counts, from (owner, status, reserved)
/// of each execution (the terminal UI's rows).
pub fn usage_from<'a>(
    executions: impl Iterator<Item = (&'a str, ExecutionStatus, (u64, f64))>,
    user: &str,
) -> Usage {
    executions
        .filter(|(owner, status, _)| *owner == user && holds_quota(*status))
        .fold(Usage::default(), |u, (_, _, (memory, cores))| Usage {
            executions: u.executions.saturating_add(1),
            memory: u.memory.saturating_add(memory),
            cores: u.cores + cores,
        })
}

/// What `user`'s counted executions reserve: Σ over their instances of
/// `cores.min` / `memory.min` (from the description each was launched
/// with; one without a readable description counts as an execution only).
pub fn usage_of(records: &[ExecutionRecord], user: &str) -> Usage {
    usage_from(
        records
            .iter()
            .map(|r| (r.owner.as_str(), r.status, reserved_by(r))),
        user,
    )
}

fn executions(n: u64) -> String {
    crate::model::text::count(n, "execution", "executions")
}

/// Zoe's admission: a guest (2017.12) has one active execution at most;
/// then the concurrent-executions limit, then the cores and memory limits
/// (saying by how much, of what, and which quota).
pub fn admit(
    quota: &Quota,
    guest: bool,
    usage: &Usage,
    description: &Description,
) -> Result<(), String> {
    if guest && usage.executions >= 1 {
        return Err(format!(
            "quota exceeded: guests cannot run more than one execution at a time ({} active); end it first (zoe kill)",
            usage.executions
        ));
    }
    if quota.concurrent_executions != 0 && usage.executions >= quota.concurrent_executions {
        return Err(format!(
            "quota exceeded: you cannot run more than {} at a time (quota `{}`, {} active); end one first (zoe kill)",
            executions(u64::from(quota.concurrent_executions)),
            quota.name,
            usage.executions
        ));
    }
    if quota.memory == 0 && quota.cores == 0.0 {
        return Ok(());
    }
    let (memory, cores) = demand_of(description);
    if quota.cores != 0.0 && usage.cores + cores > quota.cores + 1e-9 {
        return Err(format!(
            "quota exceeded: you requested {} cores more than your quota `{}` allows ({} in use, {} asked, limit {})",
            format_cores(usage.cores + cores - quota.cores),
            quota.name,
            format_cores(usage.cores),
            format_cores(cores),
            format_cores(quota.cores)
        ));
    }
    let total = usage.memory.saturating_add(memory);
    if quota.memory != 0 && total > quota.memory {
        return Err(format!(
            "quota exceeded: you requested {} of memory more than your quota `{}` allows ({} in use, {} asked, limit {})",
            format_bytes(total - quota.memory),
            quota.name,
            format_bytes(usage.memory),
            format_bytes(memory),
            format_bytes(quota.memory)
        ));
    }
    Ok(())
}

/// The start form's quota line: what the launch would leave of each
/// limit (`quota default: this launch leaves 3 of 5 executions, 20.5 of
/// 32 GiB, 17 of 20 cores`), or Zoe's refusal (`Err`).
pub fn leaves(
    quota: &Quota,
    guest: bool,
    usage: &Usage,
    description: &Description,
) -> Result<String, String> {
    admit(quota, guest, usage, description)?;
    let (memory, cores) = demand_of(description);
    let mut parts = Vec::new();
    let limit = if guest {
        1
    } else {
        quota.concurrent_executions
    };
    if limit != 0 {
        let left = limit.saturating_sub(usage.executions.saturating_add(1));
        parts.push(format!("{left} of {}", executions(u64::from(limit))));
    }
    if quota.memory != 0 {
        let left = quota
            .memory
            .saturating_sub(usage.memory.saturating_add(memory));
        parts.push(format!(
            "{} of {}",
            format_bytes(left),
            format_bytes(quota.memory)
        ));
    }
    if quota.cores != 0.0 {
        let left = (quota.cores - usage.cores - cores).max(0.0);
        parts.push(format!(
            "{} of {} cores",
            format_cores(left),
            format_cores(quota.cores)
        ));
    }
    if parts.is_empty() {
        return Ok(format!("quota {}: no limit", quota.name));
    }
    Ok(format!(
        "quota {}: this launch leaves {}",
        quota.name,
        parts.join(", ")
    ))
}

/// Whether an execution submitted at `submitted` is past the runtime
/// limit at `now` (Zoe: `time_submit + runtime_limit < now`; 0 = none).
pub fn past_runtime(quota: &Quota, submitted: u64, now: u64) -> bool {
    quota.runtime_limit_secs != 0 && submitted.saturating_add(quota.runtime_limit_secs) < now
}

/// A limit as `whoami` shows it: `unlimited` for 0.
pub fn limit_text(value: f64, shown: impl Fn(f64) -> String) -> String {
    if value == 0.0 {
        "unlimited".into()
    } else {
        shown(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GIB;
    use crate::shop::validate::{Limits, validate_value};

    fn two_gib_times_three() -> Description {
        let doc = serde_json::json!({"name": "quota-test", "version": 3, "will_end": false, "size": 1, "services": [
            {"name": "worker", "image": "i:1", "monitor": true, "startup_order": 0, "total_count": 3, "essential_count": 1,
             "resources": {"memory": {"min": 2147483648u64, "max": null}, "cores": {"min": 0.5, "max": null}},
             "ports": [], "environment": [], "volumes": [], "command": null}]});
        validate_value(&doc, &Limits::default())
            .unwrap()
            .description
    }

    #[test]
    fn huge_demands_saturate_instead_of_overflowing() {
        // memory.min × total_count summed over groups overflowed u64 (a
        // panic in a debug build, a wrapped small sum that passes the quota
        // in a release build)
        let doc = serde_json::json!({"name": "quota-test", "version": 3, "will_end": false, "size": 1, "services": [
            {"name": "big", "image": "i:1", "monitor": true, "startup_order": 0, "total_count": 1000000, "essential_count": 1,
             "resources": {"memory": {"min": 1u64 << 60, "max": null}, "cores": {"min": 0.5, "max": null}},
             "ports": [], "environment": [], "volumes": [], "command": null},
            {"name": "big2", "image": "i:1", "monitor": true, "startup_order": 0, "total_count": 1, "essential_count": 1,
             "resources": {"memory": {"min": u64::MAX, "max": null}, "cores": {"min": 0.5, "max": null}},
             "ports": [], "environment": [], "volumes": [], "command": null}]});
        let limits = Limits {
            max_memory_bytes: u64::MAX,
            max_cores: 16.0,
        };
        let d = validate_value(&doc, &limits).unwrap().description;
        assert_eq!(demand_of(&d).0, u64::MAX);
        let quota = Quota {
            memory: 4 * GIB,
            ..Quota::default()
        };
        let usage = Usage {
            memory: GIB,
            ..Usage::default()
        };
        assert!(
            admit(&quota, false, &usage, &d)
                .unwrap_err()
                .contains("of memory more than your quota")
        );
    }

    #[test]
    fn unlimited_admits_everything() {
        assert!(
            admit(
                &Quota::default(),
                false,
                &Usage {
                    executions: 1000,
                    memory: u64::MAX / 2,
                    cores: 1e6
                },
                &two_gib_times_three()
            )
            .is_ok()
        );
    }

    #[test]
    fn concurrent_executions() {
        let q = Quota {
            concurrent_executions: 5,
            ..Quota::default()
        };
        assert!(
            admit(
                &q,
                false,
                &Usage {
                    executions: 4,
                    ..Usage::default()
                },
                &two_gib_times_three()
            )
            .is_ok()
        );
        let err = admit(
            &q,
            false,
            &Usage {
                executions: 5,
                ..Usage::default()
            },
            &two_gib_times_three(),
        )
        .unwrap_err();
        assert!(err.contains("more than 5 executions"));
    }

    #[test]
    fn memory_and_cores_count_every_instance() {
        let d = two_gib_times_three();
        assert_eq!(demand_of(&d), (6 * GIB, 1.5));
        let q = Quota {
            memory: 32 * GIB,
            cores: 20.0,
            ..Quota::default()
        };
        assert!(
            admit(
                &q,
                false,
                &Usage {
                    memory: 26 * GIB,
                    cores: 18.5,
                    ..Usage::default()
                },
                &d
            )
            .is_ok(),
            "exactly at the limits"
        );
        let err = admit(
            &q,
            false,
            &Usage {
                memory: 27 * GIB,
                ..Usage::default()
            },
            &d,
        )
        .unwrap_err();
        assert!(
            err.contains("1 GiB of memory more than your quota"),
            "{err}"
        );
        let err = admit(
            &q,
            false,
            &Usage {
                cores: 19.0,
                ..Usage::default()
            },
            &d,
        )
        .unwrap_err();
        assert!(err.contains("0.5 cores more than your quota"), "{err}");
    }

    fn tiny() -> Quota {
        Quota {
            name: "tiny".into(),
            concurrent_executions: 1,
            cores: 1.0,
            ..Quota::default()
        }
    }

    #[test]
    fn a_refusal_names_the_quota_and_the_excess() {
        let d = two_gib_times_three();
        let err = admit(
            &tiny(),
            false,
            &Usage {
                executions: 1,
                ..Usage::default()
            },
            &d,
        )
        .unwrap_err();
        assert!(
            err.contains("cannot run more than 1 execution at a time (quota `tiny`, 1 active)"),
            "{err}"
        );
        let roomy = Quota {
            concurrent_executions: 5,
            ..tiny()
        };
        let usage = Usage {
            executions: 1,
            cores: 1.0,
            ..Usage::default()
        };
        let err = admit(&roomy, false, &usage, &d).unwrap_err();
        assert!(
            err.contains(
                "you requested 1.5 cores more than your quota `tiny` allows (1 in use, 1.5 asked, limit 1)"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_guest_has_one_execution_whatever_the_quota() {
        let d = two_gib_times_three();
        let one = Usage {
            executions: 1,
            ..Usage::default()
        };
        assert!(admit(&Quota::unlimited(), true, &Usage::default(), &d).is_ok());
        let err = admit(&Quota::unlimited(), true, &one, &d).unwrap_err();
        assert!(
            err.contains("guests cannot run more than one execution"),
            "{err}"
        );
        assert!(admit(&Quota::unlimited(), false, &one, &d).is_ok());
    }

    #[test]
    fn the_form_line_says_what_the_launch_leaves() {
        let d = two_gib_times_three();
        let usage = Usage {
            executions: 1,
            memory: 5 * GIB + GIB / 2,
            cores: 1.5,
        };
        assert_eq!(
            leaves(&Quota::zoe_default(), false, &usage, &d).unwrap(),
            "quota default: this launch leaves 3 of 5 executions, 20.5 GiB of 32 GiB, 17 of 20 cores"
        );
        assert_eq!(
            leaves(&Quota::unlimited(), false, &usage, &d).unwrap(),
            "quota unlimited: no limit"
        );
        assert!(leaves(&tiny(), false, &usage, &d).is_err());
    }

    #[test]
    fn quota_counts_zoes_active_statuses_and_the_runtime_from_submission() {
        use ExecutionStatus::*;
        let counted: Vec<ExecutionStatus> = [
            Submitted, Queued, Starting, Running, CleaningUp, Terminated, Error,
        ]
        .into_iter()
        .filter(|s| holds_quota(*s))
        .collect();
        assert_eq!(counted, [Submitted, Queued, Starting, Running]);
        let q = Quota {
            runtime_limit_secs: 4,
            ..Quota::default()
        };
        assert!(!past_runtime(&q, 100, 104));
        assert!(past_runtime(&q, 100, 105));
        assert!(!past_runtime(&Quota::unlimited(), 0, u64::MAX));
    }
}
