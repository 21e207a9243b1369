//! Admission before placement: Zoe's quota rules (0 = unlimited) as a pure
//! check. Until users, roles and quotas exist every owner has the unlimited
//! quota (all zeros), so everything is admitted; the users issue plugs a
//! real quota in here.

use crate::model::Description;

pub use crate::model::access::Quota;

/// What an owner already has running (active executions).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    pub executions: u32,
    pub memory: u64,
    pub cores: f64,
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

/// Zoe's admission: refuse past the concurrent-executions
/// limit, then past the cores or memory limit (saying by how much).
pub fn admit(quota: &Quota, usage: &Usage, description: &Description) -> Result<(), String> {
    if quota.concurrent_executions != 0 && usage.executions >= quota.concurrent_executions {
        return Err(format!(
            "quota: you cannot run more than {} at a time",
            crate::model::text::count(
                u64::from(quota.concurrent_executions),
                "execution",
                "executions"
            )
        ));
    }
    if quota.memory == 0 && quota.cores == 0.0 {
        return Ok(());
    }
    let (memory, cores) = demand_of(description);
    if quota.cores != 0.0 && usage.cores + cores > quota.cores + 1e-9 {
        return Err(format!(
            "quota: {} more cores than allowed ({} in use, {} asked, limit {})",
            crate::model::format_cores(usage.cores + cores - quota.cores),
            crate::model::format_cores(usage.cores),
            crate::model::format_cores(cores),
            crate::model::format_cores(quota.cores)
        ));
    }
    let total = usage.memory.saturating_add(memory);
    if quota.memory != 0 && total > quota.memory {
        return Err(format!(
            "quota: {} more memory than allowed ({} in use, {} asked, limit {})",
            crate::model::format_bytes(total - quota.memory),
            crate::model::format_bytes(usage.memory),
            crate::model::format_bytes(memory),
            crate::model::format_bytes(quota.memory)
        ));
    }
    Ok(())
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
            admit(&quota, &usage, &d)
                .unwrap_err()
                .contains("more memory than allowed")
        );
    }

    #[test]
    fn unlimited_admits_everything() {
        assert!(
            admit(
                &Quota::default(),
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
            &Usage {
                memory: 27 * GIB,
                ..Usage::default()
            },
            &d,
        )
        .unwrap_err();
        assert!(err.contains("1 GiB more memory than allowed"), "{err}");
        let err = admit(
            &q,
            &Usage {
                cores: 19.0,
                ..Usage::default()
            },
            &d,
        )
        .unwrap_err();
        assert!(err.contains("0.5 more cores than allowed"), "{err}");
    }
}
