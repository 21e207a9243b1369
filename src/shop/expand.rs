//! Expanding a description into service instances (`<group><n>`, the first
//! `essential_count` essential) with their names, substituted environment
//! values and Zoe's injected variables (`EXECUTION_ID`, `ZOE_USER`, …).
//!
//! Zoe's quirks and how we treat them:
//! * only environment *values* are substituted, as in Zoe HEAD; the
//!   `command` is passed through untouched (pass DNS names to a command
//!   through a variable).
//! * Duplicate variable names: the later one wins, as in Docker; we keep only
//!   that one so what is shown is what the container sees.
//! * `REVERSE_PROXY_PATH_<port>` is only injected by Zoe when its Træfik proxy
//!   is configured; we have no proxy, so it is never set.

use std::collections::HashSet;
use std::fmt;

use super::template::{TemplateError, substitute};
use crate::model::execution::MAX_DNS_LABEL;
use crate::model::{Description, ExecutionIdentity};

/// Where every container mounts its owner's workspace (`ZOE_WORKSPACE`).
pub const WORKSPACE_MOUNT: &str = "/mnt/workspace";

pub use crate::model::Instance;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    pub group: String,
    pub variable: Option<String>,
    pub message: String,
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.variable {
            Some(var) => write!(
                f,
                "service `{}`, variable {var}: {}",
                self.group, self.message
            ),
            None => write!(f, "service `{}`: {}", self.group, self.message),
        }
    }
}

/// Instance names of a description, in order: `(group index, counter, name)`.
pub fn instance_names(description: &Description) -> Vec<(usize, u32, String)> {
    let mut names = Vec::new();
    for (g, group) in description.services.iter().enumerate() {
        for n in 0..group.total_count {
            names.push((g, n, format!("{}{n}", group.name)));
        }
    }
    names
}

/// Expands every group into its instances. All problems are reported at
/// once; nothing is half-expanded.
pub fn expand(
    description: &Description,
    identity: &ExecutionIdentity,
) -> Result<Vec<Instance>, Vec<ExpandError>> {
    let names = instance_names(description);
    let all_instances: HashSet<&str> = names.iter().map(|(_, _, n)| n.as_str()).collect();
    let mut errors = Vec::new();
    let mut reported = HashSet::new();
    let mut instances = Vec::with_capacity(names.len());
    if all_instances.len() != names.len() {
        // e.g. groups `worker` (12 instances) and `worker1` (2): `worker10`
        // would be two different containers with one name.
        let mut seen = HashSet::new();
        for (g, _, name) in &names {
            if !seen.insert(name.as_str()) {
                errors.push(ExpandError {
                    group: description.services[*g].name.clone(),
                    variable: None,
                    message: format!(
                        "instance name `{name}` is produced by two groups; rename one group"
                    ),
                });
            }
        }
        return Err(errors);
    }

    for (g, counter, name) in &names {
        let group = &description.services[*g];
        let dns_name = identity.dns_name(name);
        if dns_name.len() > MAX_DNS_LABEL {
            if reported.insert((group.name.clone(), String::new())) {
                errors.push(ExpandError {
                    group: group.name.clone(),
                    variable: None,
                    message: format!(
                        "name `{dns_name}` is {} characters, over the 63 a DNS name allows: shorten the group or deployment name",
                        dns_name.len()
                    ),
                });
            }
            continue;
        }
        let lookup = |key: &str| -> Option<String> {
            match key {
                "execution_id" => Some(identity.id.to_string()),
                "execution_name" => Some(identity.name.clone()),
                "user_name" => Some(identity.owner.clone()),
                "deployment_name" => Some(identity.deployment.clone()),
                "dns_name#self" => Some(dns_name.clone()),
                _ => {
                    let target = key.strip_prefix("dns_name#")?;
                    all_instances
                        .contains(target)
                        .then(|| identity.dns_name(target))
                }
            }
        };
        let known = || {
            let mut keys: Vec<String> = [
                "execution_id",
                "execution_name",
                "user_name",
                "deployment_name",
                "dns_name#self",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            keys.extend(names.iter().map(|(_, _, n)| format!("dns_name#{n}")));
            keys
        };
        let mut environment = Vec::with_capacity(group.environment.len() + 7);
        for (var, template) in &group.environment {
            match substitute(template, &lookup, &known) {
                Ok(value) => environment.push((var.clone(), value)),
                Err(err) => {
                    if reported.insert((group.name.clone(), var.clone())) {
                        errors.push(template_error(&group.name, var, &err));
                    }
                }
            }
        }
        environment.extend([
            ("EXECUTION_ID".to_string(), identity.id.to_string()),
            ("DEPLOY_NAME".to_string(), identity.deployment.clone()),
            ("ZOE_UID".to_string(), identity.fs_uid.to_string()),
            ("ZOE_GID".to_string(), identity.fs_gid.to_string()),
            ("ZOE_USER".to_string(), identity.owner.clone()),
            ("SERVICE_NAME".to_string(), name.clone()),
            ("ZOE_WORKSPACE".to_string(), WORKSPACE_MOUNT.to_string()),
        ]);
        instances.push(Instance {
            name: name.clone(),
            group: group.name.clone(),
            index: *counter,
            essential: *counter < group.essential_count,
            dns_name,
            image: group.image.clone(),
            command: group.command.clone(),
            work_dir: group.work_dir.clone(),
            environment: last_wins(environment),
            memory_bytes: group.memory_min(),
            cores: group.cores_min(),
            shm_bytes: group.resources.shm.filter(|s| *s > 0),
            ports: group.ports.clone(),
            labels: group.labels().to_vec(),
            volumes: group.volumes.clone(),
            network: group.network.clone(),
            startup_order: group.startup_order,
            monitor: group.monitor,
        });
    }
    if errors.is_empty() {
        Ok(instances)
    } else {
        Err(errors)
    }
}

fn template_error(group: &str, var: &str, err: &TemplateError) -> ExpandError {
    ExpandError {
        group: group.to_string(),
        variable: Some(var.to_string()),
        message: err.to_string(),
    }
}

/// Keeps the last value of each name, at the position of that last value.
fn last_wins(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    let mut kept: Vec<(String, String)> = pairs
        .into_iter()
        .rev()
        .filter(|(k, _)| seen.insert(k.clone()))
        .collect();
    kept.reverse();
    kept
}

#[cfg(test)]
#[path = "expand_tests.rs"]
mod tests;
