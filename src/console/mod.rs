//! The engine both fronts use. For now it turns a shop entry plus the user's
//! choices into a launch-ready execution: parameters, overrides, manifest
//! labels, validation and expansion, with every problem tied to the input
//! field it comes from (so a form can show it as you type), and launches,
//! lists and terminates executions on the cluster.

pub mod access;
pub mod admission;
pub mod audit;
pub mod cached;
pub mod catalog;
pub mod cleanup;
pub mod engine;
pub mod events;
pub mod executions;
pub mod foreign;
pub mod fs_uid;
pub mod instances;
pub mod launch;
pub mod log_merge;
pub mod observe;
pub mod queue;
pub mod quota;
pub mod resolve;
pub mod retarget;
pub mod roles;
pub mod runtime;
pub mod secrets;
pub mod service;
pub mod shell;
pub mod signin;
pub mod supervise;
pub mod target;
pub mod usage;
pub mod whoami;

use crate::config::Settings;
use crate::model::access::Identity;
use crate::model::execution::check_label_value;
use crate::model::{Description, ExecutionId, ExecutionIdentity};
use crate::shop::expand::{Instance, expand};
use crate::shop::params::{
    Field, FieldError, apply_manifest_labels, apply_overrides, apply_parameters, resolve_values,
};
use crate::shop::validate::check_semantics;
use crate::shop::{Entry, LookupError, Shop};

/// The user executions are started as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub name: String,
    pub fs_uid: u32,
}

/// What the user chose in the start form or on the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LaunchRequest {
    /// `-p NAME=VALUE`, in the order given (a later one wins).
    pub params: Vec<(String, String)>,
    /// `--memory GROUP=GIB`.
    pub memory: Vec<(String, f64)>,
    /// `--cores GROUP=N`.
    pub cores: Vec<(String, f64)>,
    /// Execution name; default: derived from the description name.
    pub name: Option<String>,
    /// `--on TARGET`: only that target's nodes are candidates.
    pub target: Option<String>,
}

/// An execution ready to be placed and started.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub entry_id: String,
    pub identity: ExecutionIdentity,
    /// The final description, exactly as it would be submitted.
    pub description: Description,
    pub instances: Vec<Instance>,
    /// Every parameter's field name and the value used.
    pub parameters: Vec<(String, String)>,
    /// Things the user should know (values clamped to maxima).
    pub notes: Vec<String>,
    /// The one target it must run on (`--on`), if any.
    pub target: Option<String>,
    /// The execution this one relaunches (for the audit trail).
    pub relaunch_of: Option<String>,
}

pub struct Console {
    settings: Settings,
    shop: Shop,
    /// Who launches; why not, when it could not be determined.
    owner: Result<Owner, String>,
    /// Who asks, with their role and quota.
    identity: Result<Identity, String>,
}

impl Console {
    /// A console for `owner` as a personal install sees them (the
    /// settings' role and quota for that name).
    pub fn new(settings: Settings, shop: Shop, owner: Result<Owner, String>) -> Console {
        let identity = owner.clone().and_then(|o| {
            let shared = crate::config::access_settings::is_shared(&settings, false);
            let (role, quota) =
                crate::config::access_settings::grant(&settings, &o.name, None, shared)?;
            Ok(Identity {
                user: o.name,
                role,
                quota,
                fs_uid: o.fs_uid,
                source: crate::model::access::AuthSource::Os("settings".into()),
                shared,
            })
        });
        let shop = roles::visible_shop(shop, identity.as_ref().map_err(String::as_str));
        Console {
            settings,
            shop,
            owner,
            identity,
        }
    }

    /// A console for a verified identity (see `auth/`).
    pub fn for_identity(
        settings: Settings,
        shop: Shop,
        identity: Result<Identity, String>,
    ) -> Console {
        // under sudo, ZOE_UID is the asking person's, not the service account's
        let identity = identity.map(|mut i| {
            i.fs_uid = fs_uid::for_identity(settings.fs_uid, &i, fs_uid::passwd_uid);
            i
        });
        let shop = roles::visible_shop(shop, identity.as_ref().map_err(String::as_str));
        Console {
            settings,
            shop,
            owner: identity.as_ref().map_err(Clone::clone).map(|i| Owner {
                name: i.user.clone(),
                fs_uid: i.fs_uid,
            }),
            identity,
        }
    }

    /// Who asks: their name, role and quota; why unknown, when it is.
    pub fn identity(&self) -> Result<&Identity, &str> {
        self.identity.as_ref().map_err(String::as_str)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The shop as who asks is shown it: entries their role may not see
    /// (`enabled_for`, `disabled_for`, `guest_access`) are not in it (see
    /// [`roles::visible_shop`]).
    pub fn shop(&self) -> &Shop {
        &self.shop
    }

    /// Why the start form shows the resources read-only (a role without
    /// `can_customize_resources`), when it does.
    pub fn resources_locked(&self) -> Option<String> {
        roles::resources_locked(self.identity())
    }

    pub fn owner(&self) -> Result<&Owner, &str> {
        self.owner.as_ref().map_err(String::as_str)
    }

    pub fn find_entry(&self, query: &str) -> Result<&Entry, LookupError> {
        self.shop.find(query)
    }

    /// Builds the execution for `entry` with a fresh id.
    pub fn prepare(
        &self,
        entry: &Entry,
        request: &LaunchRequest,
    ) -> Result<Prepared, Vec<FieldError>> {
        self.prepare_with_id(entry, request, ExecutionId::generate())
    }

    /// Builds the execution with a given id. Pure: nothing is created.
    pub fn prepare_with_id(
        &self,
        entry: &Entry,
        request: &LaunchRequest,
        id: ExecutionId,
    ) -> Result<Prepared, Vec<FieldError>> {
        let owner = self.owner.as_ref().map_err(|why| {
            vec![FieldError {
                field: Field::Owner,
                message: why.clone(),
            }]
        })?;
        // overrides need can_customize_resources; parameters are applied
        // for every role, as in Zoe 2017.12
        let mut errors = roles::check_overrides(self.identity(), &request.memory, &request.cores);
        if !errors.is_empty() {
            return Err(errors);
        }
        let name = request
            .name
            .clone()
            .unwrap_or_else(|| default_execution_name(&entry.description.name));
        if let Err(why) = check_label_value("execution name", &name) {
            errors.push(FieldError {
                field: Field::ExecutionName,
                message: why,
            });
        }

        let mut description = entry.description.clone();
        let mut parameters = Vec::new();
        match resolve_values(&entry.parameters, &request.params) {
            Ok(values) => {
                apply_parameters(&mut description, &values);
                parameters = values
                    .iter()
                    .map(|(p, v)| (p.field_name(), v.as_text()))
                    .collect();
            }
            Err(errs) => errors.extend(errs),
        }
        let notes = match apply_overrides(
            &mut description,
            &request.memory,
            &request.cores,
            self.settings.override_limits(),
        ) {
            Ok(notes) => notes,
            Err(errs) => {
                errors.extend(errs);
                Vec::new()
            }
        };
        apply_manifest_labels(&mut description, &entry.labels);
        if !errors.is_empty() {
            return Err(errors);
        }

        let (violations, _warnings) = check_semantics(&mut description, &self.settings.limits());
        errors.extend(violations.into_iter().map(|v| FieldError {
            field: Field::Description,
            message: v.to_string(),
        }));
        if !errors.is_empty() {
            return Err(errors);
        }

        let identity = ExecutionIdentity {
            id,
            name,
            owner: owner.name.clone(),
            deployment: self.settings.deployment_name.clone(),
            fs_uid: owner.fs_uid,
            fs_gid: self.settings.fs_gid,
        };
        let instances = expand(&description, &identity).map_err(|errs| {
            errs.into_iter()
                .map(|e| FieldError {
                    field: Field::Description,
                    message: e.to_string(),
                })
                .collect::<Vec<_>>()
        })?;
        Ok(Prepared {
            entry_id: entry.id.clone(),
            identity,
            description,
            instances,
            parameters,
            notes,
            target: request.target.clone(),
            relaunch_of: None,
        })
    }
}

/// The cache record of an execution about to be launched by this process
/// (written before anything is created, so a crash leaves a trace).
pub fn launch_record(prepared: &Prepared, deployment: &str) -> crate::state::ExecutionRecord {
    crate::state::ExecutionRecord {
        id: prepared.identity.id.clone(),
        name: prepared.identity.name.clone(),
        entry: prepared.entry_id.clone(),
        owner: prepared.identity.owner.clone(),
        deployment: deployment.to_string(),
        description: Some(serde_json::to_string(&prepared.description).unwrap_or_default()),
        parameters: prepared.parameters.clone(),
        status: crate::model::ExecutionStatus::Submitted,
        reason: None,
        submitted: launch::now_secs(),
        started: None,
        ended: None,
        hosts: Vec::new(),
        endpoints: Vec::new(),
        launcher: crate::state::launcher_tag(),
        restarts: Vec::new(),
    }
}

/// Zoe pre-fills the execution name with the description's name; ours must
/// also be a valid label value, so other characters become `-`.
/// The contexts of the merged kubeconfig (`given` files, else
/// `$KUBECONFIG`, else `~/.kube/config`), the current one marked: for
/// `zoe config contexts` and `:ctx`.
pub fn kube_contexts(
    given: &[std::path::PathBuf],
    env: crate::config::EnvLookup<'_>,
) -> Result<Vec<crate::config::kube::ContextInfo>, String> {
    crate::backend::cluster_contexts(given, env)
}

/// Runs each cluster's credential plugin once with the terminal, before
/// the terminal UI takes the screen (a plugin may prompt); the engine then
/// runs them non-interactively. What failed, one line each.
pub async fn sign_in_clusters(
    targets: &[crate::config::hosts::TargetConfig],
    deadline: std::time::Duration,
) -> Vec<String> {
    crate::backend::Targets::sign_in(targets, deadline).await
}

pub fn default_execution_name(app_name: &str) -> String {
    let cleaned: String = app_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.is_empty() {
        "zapp".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_are_valid_labels() {
        assert_eq!(default_execution_name("spark-jupyter"), "spark-jupyter");
        assert_eq!(default_execution_name("@team-app"), "team-app");
        assert_eq!(default_execution_name("a@b"), "a-b");
        assert_eq!(default_execution_name("@@@"), "zapp");
        for name in ["x", "@@@", &"y".repeat(200), "-a-"] {
            assert!(
                check_label_value("n", &default_execution_name(name)).is_ok(),
                "{name}"
            );
        }
    }
}
