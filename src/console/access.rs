//! Who may see and act on an execution, by role (Zoe's rule, spec §9.1):
//! a role without `can_operate_others` sees and acts on its own
//! executions only; another user's is not shown at all, and naming it
//! gets the same "no execution" a missing one gets (with a hint that the
//! role sees only its own). A role with `can_operate_others` sees and acts
//! on everybody's; terminating another user's records
//! `user <name> request …` as the reason, as Zoe does.
//!
//! The rule is [`Asking::sees`] and [`may_act_on`], here once; the engine
//! applies it to listing, finding, terminating, logs, relaunch, exec,
//! restart, describe and supervision, for both fronts.

use super::Owner;
use super::engine::{Engine, EngineError};
use crate::model::ExecutionId;
use crate::model::access::{Capabilities, Identity};
use crate::state::ExecutionRecord;

/// Who asks the engine to act: the user the console runs as (the name its
/// executions are started with), their role, and whether `--all-users`
/// was given (which adds nothing to a role's rights: see
/// [`super::roles::check_all_users`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Asking {
    /// The user's name; why it is unknown, when it could not be
    /// determined (the text says what to set).
    pub user: Result<String, String>,
    /// `--all-users` was given (accepted only for a role that may act on
    /// others' executions anyway).
    pub all_users: bool,
    /// Who asks with their role and quota (see [`super::Console::identity`]);
    /// without it, no capability.
    pub identity: Result<Identity, String>,
}

impl Asking {
    /// The user executions are started as (see [`super::Console::owner`]),
    /// with no role: their own executions only.
    pub fn of(owner: Result<&Owner, &str>, all_users: bool) -> Asking {
        Asking {
            user: owner.map(|o| o.name.clone()).map_err(str::to_string),
            all_users,
            identity: Err("the console was not told the role of who runs it".into()),
        }
    }

    /// Who asks, from a verified identity.
    pub fn of_identity(identity: Result<&Identity, &str>, all_users: bool) -> Asking {
        Asking {
            user: identity.map(|i| i.user.clone()).map_err(str::to_string),
            all_users,
            identity: identity.cloned().map_err(str::to_string),
        }
    }

    /// Nobody the engine was told of: it may act on no execution.
    pub fn unknown() -> Asking {
        Asking {
            user: Err("the console was not told who runs it".into()),
            all_users: false,
            identity: Err("the console was not told who runs it".into()),
        }
    }

    /// The role's capabilities (none when the role is unknown).
    pub fn can(&self) -> Capabilities {
        self.identity
            .as_ref()
            .map(|i| i.role.capabilities)
            .unwrap_or_default()
    }

    /// The role's name, as refusals say it.
    pub fn role_name(&self) -> &str {
        self.identity
            .as_ref()
            .map_or("unknown", |i| i.role.name.as_str())
    }

    /// Whether executions of `owner` are shown to who asks and may be
    /// acted on: their own (an empty owner is nobody's), or anybody's with
    /// `can_operate_others`.
    pub fn sees(&self, owner: &str) -> bool {
        self.can().can_operate_others
            || matches!(&self.user, Ok(user) if !owner.is_empty() && user == owner)
    }

    /// What a "no execution" answer adds for a role that sees only its
    /// own executions (said whether or not the execution exists, so that
    /// another user's is not given away).
    pub fn hint(&self) -> String {
        if self.can().can_operate_others {
            String::new()
        } else {
            format!(
                " (your role `{}` sees only your own executions)",
                self.role_name()
            )
        }
    }

    /// The reason a termination of an execution of `owner` records: one's
    /// own `terminated by alice with zoe kill`; another user's as Zoe
    /// writes it, `user alice request with zoe kill`.
    pub fn termination_reason(&self, owner: &str, how: &str) -> String {
        match &self.user {
            Ok(user) if user == owner && !owner.is_empty() => {
                format!("terminated by {user} {how}")
            }
            Ok(user) => format!("user {user} request {how}"),
            Err(_) => format!("user (unknown) request {how}"),
        }
    }
}

/// What is done to an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Terminate,
    ReadLogs,
    Relaunch,
    /// Run a command (a shell) in one of its instances.
    Exec,
    /// Restart one of its instances.
    Restart,
    /// Read one of its instances' raw description (it holds its
    /// environment).
    Describe,
}

/// The rule: `asking` may do any action to `execution` of `owner` when it
/// sees it (see [`Asking::sees`]); otherwise the answer is the one a
/// missing execution gets, with the role's hint.
pub fn may_act_on(
    asking: &Asking,
    execution: &str,
    owner: &str,
    _action: Action,
) -> Result<(), EngineError> {
    if asking.sees(owner) {
        return Ok(());
    }
    Err(EngineError::Refused(not_found(execution, asking)))
}

/// "No execution" as a missing one gets it, with the role's hint.
pub fn not_found(query: &str, asking: &Asking) -> String {
    format!(
        "no execution `{query}`; `zoe ps -a` lists them{}",
        asking.hint()
    )
}

/// What a relaunch starts from: the execution's shop entry, its name, the
/// parameter values it was started with and the memory and cores each
/// service group was given (overrides included), as the cluster's labels
/// or the cache record hold them — so it works for an execution another
/// console started too.
#[derive(Debug, Clone, PartialEq)]
pub struct Relaunch {
    pub id: ExecutionId,
    pub entry: String,
    pub name: String,
    pub parameters: Vec<(String, String)>,
    /// Memory per service group, in bytes.
    pub memory: Vec<(String, u64)>,
    /// Cores per service group.
    pub cores: Vec<(String, f64)>,
}

impl Relaunch {
    /// From a record: the resources come from the description it was
    /// submitted with (none when it has none, or one that does not parse:
    /// the form then shows the entry's).
    pub fn of(record: ExecutionRecord) -> Relaunch {
        let description = record
            .description
            .as_deref()
            .and_then(|d| crate::shop::validate::parse_stored(d).ok());
        let groups = description.map(|d| d.services).unwrap_or_default();
        Relaunch {
            memory: groups
                .iter()
                .filter_map(|g| g.resources.memory.min.map(|m| (g.name.clone(), m)))
                .collect(),
            cores: groups
                .iter()
                .filter_map(|g| g.resources.cores.min.map(|c| (g.name.clone(), c)))
                .collect(),
            id: record.id,
            entry: record.entry,
            name: record.name,
            parameters: record.parameters,
        }
    }
}

impl Engine {
    /// Tells the engine who asks (by default nobody: it acts on no
    /// execution).
    pub fn with_asking(mut self, asking: Asking) -> Engine {
        self.asking = asking;
        self
    }

    /// The rule for `record` (see [`may_act_on`]).
    pub(super) fn may(&self, record: &ExecutionRecord, action: Action) -> Result<(), EngineError> {
        may_act_on(&self.asking, &record.id, &record.owner, action)
    }

    /// Who asks.
    pub fn asking(&self) -> &Asking {
        &self.asking
    }

    /// The values to relaunch an execution with (a start form filled with
    /// them); refused like a launch in read-only mode, and for another
    /// user's execution without `can_operate_others`.
    pub fn relaunch(&self, query: &str) -> Result<Relaunch, EngineError> {
        self.refuse_if_readonly("relaunching")?;
        let record = self.find(query)?;
        self.may(&record, Action::Relaunch)?;
        Ok(Relaunch::of(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access::{AuthSource, Quota, Role};

    /// `user` with the built-in role `role`.
    fn asking(user: &str, role: &str) -> Asking {
        let identity = Identity {
            user: user.into(),
            role: Role::builtin(role).unwrap(),
            quota: Quota::unlimited(),
            fs_uid: 1000,
            source: AuthSource::Os("test".into()),
            shared: true,
        };
        Asking::of_identity(Ok(&identity), false)
    }

    fn refusal(result: Result<(), EngineError>) -> String {
        match result {
            Err(EngineError::Refused(why)) => why,
            other => panic!("not refused: {other:?}"),
        }
    }

    const ACTIONS: [Action; 6] = [
        Action::Terminate,
        Action::ReadLogs,
        Action::Relaunch,
        Action::Exec,
        Action::Restart,
        Action::Describe,
    ];

    #[test]
    fn every_role_may_act_on_its_own_executions() {
        for role in ["admin", "superuser", "user", "guest"] {
            for action in ACTIONS {
                assert_eq!(
                    may_act_on(&asking("alice", role), "abc", "alice", action),
                    Ok(())
                );
            }
        }
    }

    #[test]
    fn another_users_execution_is_no_execution_without_can_operate_others() {
        for role in ["superuser", "user", "guest"] {
            for action in ACTIONS {
                let why = refusal(may_act_on(&asking("alice", role), "abc", "bob", action));
                assert_eq!(
                    why,
                    format!(
                        "no execution `abc`; `zoe ps -a` lists them (your role `{role}` sees only your own executions)"
                    )
                );
            }
            assert!(!asking("alice", role).sees("bob"));
        }
        // names are compared exactly
        assert!(!asking("Bob", "user").sees("bob"));
        assert!(!asking("bob ", "user").sees("bob"));
        // --all-users adds nothing to the rule
        let flagged = Asking {
            all_users: true,
            ..asking("alice", "user")
        };
        assert!(!flagged.sees("bob"));
    }

    #[test]
    fn can_operate_others_sees_and_acts_on_everybodys() {
        let admin = asking("root", "admin");
        for action in ACTIONS {
            assert_eq!(may_act_on(&admin, "abc", "bob", action), Ok(()));
        }
        assert!(admin.sees("") && admin.hint().is_empty());
        assert_eq!(
            admin.termination_reason("bob", "with zoe kill"),
            "user root request with zoe kill"
        );
        assert_eq!(
            admin.termination_reason("root", "in the terminal UI"),
            "terminated by root in the terminal UI"
        );
    }

    #[test]
    fn an_execution_without_owner_is_nobodys_own() {
        let nobody = Asking {
            user: Ok(String::new()),
            ..asking("", "user")
        };
        assert!(!nobody.sees(""));
        assert!(
            refusal(may_act_on(&nobody, "abc", "", Action::Terminate)).contains("no execution")
        );
    }

    #[test]
    fn who_is_unknown_acts_on_nothing() {
        let why = refusal(may_act_on(
            &Asking::unknown(),
            "abc",
            "bob",
            Action::ReadLogs,
        ));
        assert!(why.contains("your role `unknown`"), "{why}");
        // a name without a role: its own executions only
        let owner = Owner {
            name: "alice".into(),
            fs_uid: 1000,
        };
        let named = Asking::of(Ok(&owner), true);
        assert!(named.sees("alice") && !named.sees("bob"));
        assert_eq!(
            Asking::of(Err("no user"), false).user,
            Err("no user".to_string())
        );
    }

    /// An engine on no host, its cache holding bob's running execution
    /// `1bob` on a host it does not know (so the look keeps it running).
    fn engine_of(asking: Asking, readonly: bool) -> Engine {
        use crate::model::ExecutionStatus;
        let settings = crate::config::Settings::default();
        let store = crate::state::Store::open_in_memory().unwrap();
        store
            .insert(&ExecutionRecord {
                id: "1bob".into(),
                name: "demo".into(),
                entry: "master-workers-0".into(),
                owner: "bob".into(),
                deployment: settings.deployment_name.clone(),
                description: Some(
                    r#"{"name":"demo","version":3,"will_end":false,"size":512,"services":[{"name":"master","image":"img:1","monitor":true,"startup_order":0,"total_count":1,"essential_count":1,"resources":{"memory":{"min":107374182,"max":null},"cores":{"min":0.5,"max":null}},"ports":[],"environment":[],"volumes":[],"command":null}]}"#
                        .into(),
                ),
                parameters: vec![("worker-service_count".into(), "3".into())],
                status: ExecutionStatus::Running,
                reason: None,
                submitted: 1,
                started: Some(2),
                ended: None,
                hosts: vec!["elsewhere".into()],
                endpoints: Vec::new(),
                launcher: String::new(),
                restarts: Vec::new(),
            })
            .unwrap();
        Engine::new(
            settings,
            crate::backend::Targets::new(
                Vec::new(),
                crate::config::deployment_key::DeploymentKey::from_bytes([0; 32]),
            ),
            store,
            readonly,
        )
        .with_asking(asking)
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn the_engine_hides_another_users_execution_from_lists_finds_and_actions() {
        let alice = engine_of(asking("alice", "user"), false);
        assert!(alice.records(true).unwrap().is_empty());
        let hidden = "no execution `1bob`; `zoe ps -a` lists them (your role `user` sees only your own executions)";
        assert_eq!(alice.find("1bob").unwrap_err().to_string(), hidden);
        // by name too, and a missing one gets the same words
        assert!(
            alice
                .find("demo")
                .unwrap_err()
                .to_string()
                .starts_with("no execution `demo`")
        );
        assert!(
            alice
                .find("nosuch")
                .unwrap_err()
                .to_string()
                .ends_with("sees only your own executions)")
        );
        let why = block_on(alice.terminate("1bob", "with zoe kill")).unwrap_err();
        assert_eq!(why.to_string(), hidden);
        let why = block_on(alice.follow_logs(
            "1bob",
            None,
            crate::model::LogRequest {
                follow: false,
                tail: None,
                since: None,
                timestamps: false,
            },
        ))
        .err()
        .unwrap();
        assert_eq!(why.to_string(), hidden);
        assert_eq!(alice.relaunch("1bob").unwrap_err().to_string(), hidden);
        // bob himself may; so may an admin, with no flag
        let bob = engine_of(asking("bob", "user"), false);
        assert_eq!(bob.records(true).unwrap().len(), 1);
        let values = bob.relaunch("demo").unwrap();
        assert_eq!(values.parameters[0].1, "3");
        // everything it was started with: name, memory and cores too
        assert_eq!(values.name, "demo");
        assert_eq!(values.memory, [("master".to_string(), 107_374_182)]);
        assert_eq!(values.cores, [("master".to_string(), 0.5)]);
        let admin = engine_of(asking("root", "admin"), false);
        assert_eq!(admin.relaunch("1bob").unwrap().entry, "master-workers-0");
        // a read-only console relaunches nothing
        let readonly = engine_of(asking("bob", "user"), true);
        assert!(
            readonly
                .relaunch("1bob")
                .unwrap_err()
                .to_string()
                .contains("read-only")
        );
        // nobody told the engine who asks: refused
        let nobody = engine_of(Asking::unknown(), false);
        assert!(nobody.relaunch("1bob").is_err());
    }

    #[test]
    fn an_admin_terminating_another_users_execution_records_it_as_zoe_does() {
        let admin = engine_of(asking("root", "admin"), false);
        // (the host is unknown here: the record stays cleaning up)
        block_on(admin.terminate("1bob", "with zoe kill")).unwrap();
        let reason = admin.find("1bob").unwrap().reason.unwrap();
        assert!(
            reason.starts_with("user root request with zoe kill; cleaning up: elsewhere"),
            "{reason}"
        );
        // one's own: who, as before
        let bob = engine_of(asking("bob", "user"), false);
        block_on(bob.terminate("1bob", "in the terminal UI")).unwrap();
        let reason = bob.find("1bob").unwrap().reason.unwrap();
        assert!(
            reason.starts_with("terminated by bob in the terminal UI;"),
            "{reason}"
        );
    }
}
