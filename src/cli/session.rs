//! What every cluster verb shares: the engine opened on the configured
//! hosts (`Session`), how an engine refusal becomes an exit code, and the
//! dispatch of each cluster verb to its file (`nodes_cmd`, `start_cmd`,
//! `executions_cmd` for ps and inspect, `logs_cmd`, `kill_cmd`,
//! `supervise_cmd`). Each verb first looks at the cluster (`observe`),
//! which also reconciles the local state cache with it.

use super::{
    CliError, Command, Context, Outcome, exec_cmd, executions_cmd, foreign_cmd, kill_cmd, logs_cmd,
    nodes_cmd, start_cmd, supervise_cmd, whoami_cmd,
};
use crate::config::targets::load_targets;
use crate::console::engine::{Engine, EngineError};
use crate::console::observe::{Observation, Wait};

/// What every cluster verb works with: the engine, and how to talk.
pub struct Session<'a> {
    pub ctx: &'a Context,
    pub engine: Engine,
}

impl Session<'_> {
    /// A look for an answer: hosts that do not answer in time are shown
    /// offline (`host_patience_ms`).
    pub async fn observe(&self) -> Result<Observation, CliError> {
        let seen = self
            .engine
            .observe(Wait::Answer)
            .await
            .map_err(engine_error)?;
        self.show_notices();
        for n in seen.nodes.iter().filter(|n| !n.is_online()) {
            crate::warn_line!(
                "zoe: warning: {} is offline: {}",
                n.name,
                n.error.as_deref().unwrap_or_default()
            );
        }
        Ok(seen)
    }

    /// What the engine wants the user to know (the cache refused a write…),
    /// each once, on stderr.
    pub fn show_notices(&self) {
        for notice in self.engine.take_notices() {
            crate::warn_line!("zoe: warning: {notice}");
        }
    }
}

/// An engine refusal as the CLI reports it: the text says what to do;
/// nothing fits now is exit 3.
pub fn engine_error(err: EngineError) -> CliError {
    match err {
        EngineError::NoRoom { message, .. } | EngineError::NeverFits(message) => CliError {
            message,
            code: start_cmd::EXIT_NO_ROOM,
        },
        other => CliError::new(other.to_string()),
    }
}

/// Verbs that only read: they answer from the cluster even when the cache
/// cannot be written.
fn only_reads(command: &Command) -> bool {
    matches!(
        command,
        Command::Nodes { .. }
            | Command::Ps { .. }
            | Command::Inspect { .. }
            | Command::Logs { .. }
            | Command::Whoami
            | Command::Start { dry_run: true, .. }
    )
}

pub fn run(ctx: &Context, command: Command) -> Result<Outcome, CliError> {
    let loaded = load_targets(
        &ctx.loaded.settings,
        &|k: &str| ctx.env.get(k).cloned(),
        &ctx.kube_flags,
    )
    .map_err(CliError::new)?;
    for problem in &loaded.problems {
        crate::warn_line!("zoe: {problem}");
    }
    if loaded.targets.is_empty() {
        return Err(CliError::new(format!(
            "no usable target in {}",
            loaded.source
        )));
    }
    let cache = ctx.paths.cache_dir.join("state.db");
    let key_file = crate::config::deployment_key::key_path(&ctx.loaded.settings, &ctx.paths);
    let (engine, notice) = Engine::open(
        ctx.loaded.settings.clone(),
        loaded.targets,
        &cache,
        &key_file,
        only_reads(&command),
        ctx.readonly,
    )
    .map_err(engine_error)?;
    if let Some(notice) = notice {
        crate::warn_line!("zoe: warning: {notice}");
    }
    let engine = engine.with_asking(super::asking(ctx));
    // a verb runs on the terminal: a credential plugin may prompt on it
    engine.set_interactive(true);
    let session = Session { ctx, engine };
    // One thread: a verb is one flow of work, and the network tasks it
    // spawns (one per host, the HTTP connections) run beside it on the
    // same thread, so a log's chunks never hop between threads (on a
    // multi-thread runtime every chunk cost a wake-up of another thread).
    // Nothing in a verb blocks the thread for long.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match command {
            Command::Nodes { usage, no_usage } => nodes_cmd::nodes(&session, usage, no_usage).await,
            Command::Start {
                launch,
                dry_run,
                wait,
            } => start_cmd::start(&session, launch, dry_run, wait).await,
            Command::Ps { foreign: true, .. } => foreign_cmd::list(&session).await,
            Command::Ps { all, .. } => executions_cmd::ps(&session, all).await,
            Command::Inspect { execution } => executions_cmd::inspect(&session, &execution).await,
            Command::Logs {
                execution,
                service,
                follow,
                tail,
                since,
                timestamps,
                raw,
            } => {
                let options = logs_cmd::LogOptions {
                    follow,
                    tail,
                    since: since.as_deref(),
                    timestamps,
                    raw,
                };
                logs_cmd::logs(&session, &execution, service.as_deref(), &options).await
            }
            Command::Kill {
                execution,
                foreign: true,
            } => foreign_cmd::remove(&session, &execution).await,
            Command::Kill { execution, .. } => kill_cmd::kill(&session, &execution).await,
            Command::Exec {
                execution,
                instance,
                command,
            } => exec_cmd::exec(&session, &execution, &instance, &command).await,
            Command::Supervise { once, interval } => {
                supervise_cmd::supervise(&session, once, interval).await
            }
            Command::Whoami => whoami_cmd::whoami(&session).await,
            Command::Shop(_)
            | Command::Config(_)
            | Command::Secret(_)
            | Command::Registry(_)
            | Command::Completions { .. }
            | Command::Man { .. }
            | Command::Login { .. }
            | Command::Logout => Err(CliError::new("internal: not a cluster verb")),
        }
    })
}
