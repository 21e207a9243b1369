//! What a role may see and do beyond executions (those are `access`): the
//! shop entries it is shown, resource overrides, `--all-users`, foreign
//! containers and the per-node detail of other users' instances. Pure
//! functions, here once; the console and the engine apply them for both
//! fronts, and every refusal says what, why (role and capability) and what
//! to do.

use super::access::Asking;
use crate::model::NodeSnapshot;
use crate::model::access::{Identity, Role};
use crate::shop::params::{Field, FieldError};
use crate::shop::{Shop, Visibility};

/// What a refusal tells the user to do about a missing capability.
pub fn ask_for(capability: &str) -> String {
    format!("ask an administrator for a role with {capability}")
}

/// Whether `role` is shown an entry with `visibility`: Zoe HEAD's
/// `enabled_for` / `disabled_for` unless the role has
/// `can_access_full_zapp_shop`, and 2017.12's guest rule for a guest role
/// (`guest_access: true`, or the role named in `enabled_for`).
pub fn shows_entry(role: &Role, visibility: &Visibility) -> bool {
    let full = role.capabilities.can_access_full_zapp_shop;
    if !visibility.visible_to(&role.name, full) {
        return false;
    }
    // a custom role limited as a guest follows the guest rule too
    full || !role.guest
        || visibility.guest_access
        || visibility.enabled_for.iter().any(|r| r == &role.name)
}

/// The shop as `identity` is shown it: the entries its role may not see are
/// gone (so listing, completion, `zoe start` and the start form never see
/// them; naming one is "no entry" like a missing one). Unknown who asks:
/// the shop as it is (nothing can be launched without an identity).
pub fn visible_shop(mut shop: Shop, identity: Result<&Identity, &str>) -> Shop {
    if let Ok(identity) = identity {
        shop.entries
            .retain(|e| shows_entry(&identity.role, &e.visibility));
    }
    shop
}

/// Memory/cores overrides need `can_customize_resources`: one error per
/// overridden group otherwise.
pub fn check_overrides(
    identity: Result<&Identity, &str>,
    memory: &[(String, f64)],
    cores: &[(String, f64)],
) -> Vec<FieldError> {
    let role = match identity {
        Ok(i) if i.can().can_customize_resources => return Vec::new(),
        Ok(i) => i.role.name.as_str(),
        Err(_) => "unknown",
    };
    let message = format!(
        "your role `{role}` may not change resources (can_customize_resources); launch without it, or {}",
        ask_for("can_customize_resources")
    );
    memory
        .iter()
        .map(|(g, _)| Field::Memory(g.clone()))
        .chain(cores.iter().map(|(g, _)| Field::Cores(g.clone())))
        .map(|field| FieldError {
            field,
            message: message.clone(),
        })
        .collect()
}

/// Why the start form shows the resources read-only, when it does.
pub fn resources_locked(identity: Result<&Identity, &str>) -> Option<String> {
    match identity {
        Ok(i) if i.can().can_customize_resources => None,
        Ok(i) => Some(format!(
            "resources as the entry sets them: changing them needs can_customize_resources (your role is `{}`)",
            i.role.name
        )),
        Err(_) => Some("resources as the entry sets them: who you are is unknown".into()),
    }
}

/// `--all-users` is accepted (and needed by nobody) for a role with
/// `can_operate_others`, refused for the others.
pub fn check_all_users(identity: Result<&Identity, &str>, all_users: bool) -> Result<(), String> {
    if !all_users {
        return Ok(());
    }
    match identity {
        Ok(i) if i.can().can_operate_others => Ok(()),
        Ok(i) => Err(format!(
            "--all-users: your role `{}` may not act on other users' executions (can_operate_others); {}",
            i.role.name,
            ask_for("can_operate_others")
        )),
        Err(why) => Err(format!(
            "--all-users: who you are is unknown ({why}), so you may not act on other users' executions"
        )),
    }
}

/// Choosing other clusters, contexts or namespaces than the settings'
/// (`--kubeconfig`, `--context`, `--namespace`, `:ctx`, `:ns`): in a shared
/// deployment the targets are the administrator's, so only a role with
/// `can_change_config` may.
pub fn check_retarget(identity: Result<&Identity, &str>, what: &str) -> Result<(), String> {
    match identity {
        Ok(i) if i.shared && !i.can().can_change_config => Err(format!(
            "{what}: your role `{}` may not choose other clusters, contexts or namespaces than the deployment's (can_change_config); {}",
            i.role.name,
            ask_for("can_change_config")
        )),
        _ => Ok(()),
    }
}

/// A capability who asks must have for `what` (which does `doing`), or
/// the refusal.
pub fn require(asking: &Asking, capability: &str, what: &str, doing: &str) -> Result<(), String> {
    let has = asking
        .can()
        .list()
        .iter()
        .any(|(name, on)| *name == capability && *on);
    if has {
        Ok(())
    } else {
        Err(format!(
            "{what}: your role `{}` may not {doing} ({capability}); {}",
            asking.role_name(),
            ask_for(capability)
        ))
    }
}

/// The nodes as who asks may see them. With `can_see_status`, whole.
/// Without: every node's capacity and its reserved/in-use totals stay
/// (placement is understood from them), but only their own instances are
/// listed; the others' are counted in `detail.others`; the foreign
/// containers and the image lists (whose images are whose is not known)
/// are left out, and only the networks of their own executions stay (a
/// network's name holds its execution's id).
pub fn shown_nodes(asking: &Asking, mut nodes: Vec<NodeSnapshot>) -> Vec<NodeSnapshot> {
    if asking.can().can_see_status {
        return nodes;
    }
    let own: std::collections::HashSet<crate::model::ExecutionId> = nodes
        .iter()
        .flat_map(|node| &node.services)
        .filter(|w| {
            asking.sees(
                w.labels
                    .get(crate::backend::labels::OWNER)
                    .map_or("", String::as_str),
            )
        })
        .map(|w| w.execution_id.clone())
        .collect();
    for node in &mut nodes {
        node.networks.retain(|n| own.contains(&n.execution_id));
        node.images.clear();
        let before = node.services.len();
        node.services.retain(|w| {
            let owner = w
                .labels
                .get(crate::backend::labels::OWNER)
                .map_or("", String::as_str);
            asking.sees(owner)
        });
        node.detail.others = (before - node.services.len()) as u32;
        node.foreign.clear();
    }
    nodes
}

impl super::engine::Engine {
    /// The nodes as who asks may see them (see [`shown_nodes`]).
    pub fn shown_nodes(&self, nodes: Vec<NodeSnapshot>) -> Vec<NodeSnapshot> {
        shown_nodes(&self.asking, nodes)
    }

    /// Listing the foreign containers needs `can_see_status`.
    pub fn may_list_foreign(&self) -> Result<(), super::engine::EngineError> {
        require(
            &self.asking,
            "can_see_status",
            "ps --foreign",
            "list foreign containers",
        )
        .map_err(super::engine::EngineError::Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access::{AuthSource, Quota};

    pub(crate) fn identity(user: &str, role: &str) -> Identity {
        Identity {
            user: user.into(),
            role: Role::builtin(role).unwrap(),
            quota: Quota::unlimited(),
            fs_uid: 1000,
            source: AuthSource::Os("test".into()),
            shared: true,
        }
    }

    fn vis(enabled: &[&str], disabled: &[&str], guest: bool) -> Visibility {
        Visibility {
            enabled_for: enabled.iter().map(|s| s.to_string()).collect(),
            disabled_for: disabled.iter().map(|s| s.to_string()).collect(),
            guest_access: guest,
        }
    }

    #[test]
    fn entries_are_shown_by_role() {
        let user = Role::builtin("user").unwrap();
        let guest = Role::builtin("guest").unwrap();
        let admin = Role::builtin("admin").unwrap();
        let plain = vis(&["all"], &[], false);
        let for_guests = vis(&["all"], &[], true);
        let no_users = vis(&["all"], &["user"], false);
        assert!(shows_entry(&user, &plain) && shows_entry(&user, &for_guests));
        assert!(!shows_entry(&user, &no_users));
        assert!(shows_entry(&admin, &no_users), "full shop access");
        assert!(!shows_entry(&guest, &plain));
        assert!(shows_entry(&guest, &for_guests));
        // a custom role limited as a guest needs guest_access too
        let visitor = Role {
            name: "visitor".into(),
            ..Role::builtin("guest").unwrap()
        };
        assert!(!shows_entry(&visitor, &plain));
        assert!(shows_entry(&visitor, &for_guests));
        assert!(shows_entry(&visitor, &vis(&["visitor"], &[], false)));
    }

    #[test]
    fn overrides_need_can_customize_resources() {
        let user = identity("alice", "user");
        let errors = check_overrides(Ok(&user), &[("master".into(), 1.0)], &[]);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "--memory master: your role `user` may not change resources (can_customize_resources); launch without it, or ask an administrator for a role with can_customize_resources"
        );
        assert!(check_overrides(Ok(&user), &[], &[]).is_empty());
        let su = identity("sue", "superuser");
        assert!(check_overrides(Ok(&su), &[("m".into(), 1.0)], &[("m".into(), 2.0)]).is_empty());
        assert_eq!(
            check_overrides(Ok(&identity("gus", "guest")), &[], &[("w".into(), 2.0)])[0].field,
            Field::Cores("w".into())
        );
        assert!(
            resources_locked(Ok(&user))
                .unwrap()
                .contains("can_customize_resources")
        );
        assert_eq!(resources_locked(Ok(&su)), None);
    }

    #[test]
    fn all_users_is_refused_to_a_role_that_may_not() {
        let user = identity("alice", "user");
        assert_eq!(check_all_users(Ok(&user), false), Ok(()));
        assert_eq!(
            check_all_users(Ok(&user), true).unwrap_err(),
            "--all-users: your role `user` may not act on other users' executions (can_operate_others); ask an administrator for a role with can_operate_others"
        );
        assert_eq!(
            check_all_users(Ok(&identity("root", "admin")), true),
            Ok(())
        );
        assert!(check_all_users(Err("no user"), true).is_err());
    }

    #[test]
    fn require_names_the_role_and_the_capability() {
        let user = Asking::of_identity(Ok(&identity("alice", "user")), false);
        assert_eq!(
            require(&user, "can_operate_others", "kill --foreign", "remove foreign containers"),
            Err("kill --foreign: your role `user` may not remove foreign containers (can_operate_others); ask an administrator for a role with can_operate_others".into())
        );
        let admin = Asking::of_identity(Ok(&identity("root", "admin")), false);
        assert_eq!(
            require(&admin, "can_see_status", "ps --foreign", "list"),
            Ok(())
        );
    }

    fn workload(execution: &str, owner: &str) -> crate::model::Workload {
        let mut labels = std::collections::HashMap::new();
        labels.insert(crate::backend::labels::OWNER.to_string(), owner.to_string());
        crate::model::Workload {
            id: format!("c-{execution}"),
            name: format!("svc-{execution}"),
            execution_id: crate::model::ExecutionId::parse(execution).unwrap(),
            instance: "svc0".into(),
            essential: true,
            state: crate::model::BackendState::Started,
            engine_status: "running".into(),
            stopped: None,
            exit_code: None,
            oom_killed: false,
            memory_reserved: 1,
            cores_reserved: 0.5,
            memory_limit: 1,
            cores_limit: 0.5,
            memory_in_use: None,
            cores_in_use: None,
            ports: Vec::new(),
            labels,
        }
    }

    #[test]
    fn nodes_show_others_instances_only_with_can_see_status() {
        let mut node = NodeSnapshot::offline(
            "local",
            String::new(),
            String::new(),
            Vec::new(),
            "x".into(),
        );
        node.error = None;
        node.cores_reserved = 1.0;
        node.services = vec![
            workload("1aaaaaaaaa", "alice"),
            workload("1bbbbbbbbb", "bob"),
        ];
        node.images = vec!["bob-secret-project/model:1".into()];
        let network = |id: &str| crate::model::ExecutionNetwork {
            name: format!("zoe-{id}"),
            execution_id: crate::model::ExecutionId::parse(id).unwrap(),
        };
        node.networks = vec![network("1aaaaaaaaa"), network("1bbbbbbbbb")];
        let alice = Asking::of_identity(Ok(&identity("alice", "user")), false);
        let shown = shown_nodes(&alice, vec![node.clone()]);
        assert_eq!(shown[0].services.len(), 1);
        assert_eq!(shown[0].services[0].execution_id.as_str(), "1aaaaaaaaa");
        assert_eq!(shown[0].detail.others, 1);
        assert_eq!(shown[0].cores_reserved, 1.0, "totals stay");
        let networks: Vec<&str> = shown[0]
            .networks
            .iter()
            .map(|n| n.execution_id.as_str())
            .collect();
        assert_eq!(networks, ["1aaaaaaaaa"], "no other user's execution id");
        assert!(shown[0].images.is_empty(), "no other user's images");
        let su = Asking::of_identity(Ok(&identity("sue", "superuser")), false);
        let shown = shown_nodes(&su, vec![node]);
        assert_eq!((shown[0].services.len(), shown[0].detail.others), (2, 0));
        assert_eq!((shown[0].networks.len(), shown[0].images.len()), (2, 1));
    }
}
