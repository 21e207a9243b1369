//! Headless verbs for people and scripts: aligned tables or `-o json`.
//!
//! One file per verb family: `shop_cmd` (shop list/show/check/render),
//! `config_cmd` (config paths/show), and the cluster verbs, dispatched by
//! `session`: `nodes_cmd`, `start_cmd`, `executions_cmd` (ps, inspect),
//! `logs_cmd`, `kill_cmd`, `supervise_cmd`, `foreign_cmd` (ps and kill
//! `--foreign`); `help_cmd` (completions and man pages from the clap
//! definition); `json` (the typed shapes of `-o json`).

pub mod args;
mod config_cmd;
mod exec_cmd;
mod executions_cmd;
mod foreign_cmd;
mod help_cmd;
pub mod json;
mod kill_cmd;
pub mod log_file;
mod login_cmd;
mod logs_cmd;
mod nodes_cmd;
mod password;
mod secret_cmd;
mod session;
mod shop_cmd;
mod start_cmd;
mod supervise_cmd;
pub mod table;
pub mod term;
mod usage_budget;
mod whoami_cmd;

use std::path::{Path, PathBuf};

pub use args::{Cli, Command, ConfigCommand, Output, RegistryCommand, SecretCommand, ShopCommand};

use crate::config::{EnvLookup, LoadedSettings, Paths, ShopOrigin, load_settings, resolve_shop};
use crate::console::access::Asking;
use crate::console::catalog::load_shop;
use crate::console::{Console, Owner};

/// A failure to report on stderr, with the exit code to use.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: u8,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            code: 1,
        }
    }
}

impl<E: std::error::Error> From<E> for CliError {
    fn from(err: E) -> CliError {
        CliError::new(err.to_string())
    }
}

/// What a verb produced: text for stdout, and the exit code.
pub struct Outcome {
    pub stdout: String,
    pub code: u8,
}

impl Outcome {
    fn ok(stdout: String) -> Outcome {
        Outcome { stdout, code: 0 }
    }
}

/// Everything a verb may need from the process, resolved once.
pub struct Context {
    pub loaded: LoadedSettings,
    pub paths: Paths,
    pub shop_dir: PathBuf,
    pub shop_origin: ShopOrigin,
    pub output: Output,
    pub user_from_env: Option<String>,
    /// `--readonly` or `readonly = true` in the settings.
    pub readonly: bool,
    /// `--all-users` was given (refused to a role without
    /// `can_operate_others`, see `console::roles::check_all_users`).
    pub all_users: bool,
    /// The process environment variables the verbs read.
    pub env: std::collections::HashMap<String, String>,
    /// `--context`, `--namespace`, `--kubeconfig`.
    pub kube_flags: crate::config::targets::KubeFlags,
    /// The operating system's word on who runs us (the sudo rule).
    pub os_word: Result<crate::console::signin::OsWord, String>,
    /// Who asks, resolved on first need (a sign-in is verified once).
    pub identity: std::sync::OnceLock<Result<crate::model::access::Identity, String>>,
}

pub fn run(cli: Cli, env: EnvLookup<'_>, cwd: &Path) -> Result<Outcome, CliError> {
    let paths = Paths::from_env(env);
    for warning in log_file::init(&paths.log_file, cli.verbose, env("ZOE_LOG").as_deref()) {
        crate::warn_line!("zoe: warning: {warning}");
    }
    let verb = verb_name(cli.command.as_ref());
    tracing::debug!("zoe {verb}: starting");
    let result = run_verb(cli, env, cwd, paths);
    match &result {
        Ok(outcome) => tracing::debug!("zoe {verb}: done, exit {}", outcome.code),
        Err(err) => tracing::info!("zoe {verb}: exit {}: {}", err.code, err.message),
    }
    result
}

/// What `zoe` was asked to do, for the log (not its arguments: they may
/// hold parameter values).
fn verb_name(command: Option<&Command>) -> &'static str {
    match command {
        None => "(no verb)",
        Some(Command::Shop(ShopCommand::List)) => "shop list",
        Some(Command::Shop(ShopCommand::Show { .. })) => "shop show",
        Some(Command::Shop(ShopCommand::Check { .. })) => "shop check",
        Some(Command::Shop(ShopCommand::Render { .. })) => "shop render",
        Some(Command::Config(ConfigCommand::Paths)) => "config paths",
        Some(Command::Config(ConfigCommand::Show)) => "config show",
        Some(Command::Config(ConfigCommand::Contexts)) => "config contexts",
        Some(Command::Nodes { .. }) => "nodes",
        Some(Command::Start { .. }) => "start",
        Some(Command::Ps { foreign: true, .. }) => "ps --foreign",
        Some(Command::Ps { .. }) => "ps",
        Some(Command::Inspect { .. }) => "inspect",
        Some(Command::Logs { .. }) => "logs",
        Some(Command::Supervise { .. }) => "supervise",
        Some(Command::Kill { foreign: true, .. }) => "kill --foreign",
        Some(Command::Kill { .. }) => "kill",
        Some(Command::Completions { .. }) => "completions",
        Some(Command::Man { .. }) => "man",
        Some(Command::Exec { .. }) => "exec",
        Some(Command::Login { .. }) => "login",
        Some(Command::Logout) => "logout",
        Some(Command::Secret(SecretCommand::Set { .. })) => "secret set",
        Some(Command::Secret(SecretCommand::Delete { .. })) => "secret delete",
        Some(Command::Secret(SecretCommand::Status)) => "secret status",
        Some(Command::Registry(RegistryCommand::Login { .. })) => "registry login",
        Some(Command::Registry(RegistryCommand::Logout { .. })) => "registry logout",
        Some(Command::Registry(RegistryCommand::List)) => "registry list",
        Some(Command::Whoami) => "whoami",
    }
}

fn run_verb(cli: Cli, env: EnvLookup<'_>, cwd: &Path, paths: Paths) -> Result<Outcome, CliError> {
    if let Some(flag) = tui_only_flag(&cli) {
        return Err(CliError {
            message: format!(
                "{flag} is for the terminal UI (`zoe` with no verb); `zoe {}` does not take it",
                verb_name(cli.command.as_ref())
            ),
            code: 2,
        });
    }
    if cli.output == Output::Json && matches!(cli.command, Some(Command::Logs { .. })) {
        return Err(CliError {
            message: "zoe logs writes the services' own lines (byte for byte when piped), not \
                      JSON: leave -o json out"
                .into(),
            code: 2,
        });
    }
    // generated from the clap definition: no settings needed
    match &cli.command {
        Some(Command::Completions { shell }) => return help_cmd::completions(*shell),
        Some(Command::Man { verb }) => return help_cmd::man(verb),
        _ => {}
    }
    // under sudo, what the caller names is read with the service account's
    // rights: it must be the administrator's, checked before it is read
    let sudo_suspect = crate::console::signin::maybe_under_sudo(
        env("SUDO_USER").as_deref(),
        env("SUDO_UID").as_deref(),
    );
    if sudo_suspect {
        let named = cli
            .config
            .clone()
            .or_else(|| {
                env("ZOE_CONFIG")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(|| {
                paths
                    .config_file
                    .is_file()
                    .then(|| paths.config_file.clone())
            });
        if let Some(file) = named {
            crate::console::signin::check_named_under_sudo("the settings file", &file)
                .map_err(CliError::new)?;
        }
        let kubeconfigs = cli.kubeconfig.iter().cloned().chain(
            env("KUBECONFIG")
                .unwrap_or_default()
                .split(':')
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .collect::<Vec<_>>(),
        );
        for file in kubeconfigs {
            crate::console::signin::check_named_under_sudo(
                "a kubeconfig (its credential plugins would run as the service account)",
                &file,
            )
            .map_err(CliError::new)?;
        }
    }
    let loaded = load_settings(cli.config.as_deref(), env, &paths)?;
    let os_word = crate::console::signin::os_word(
        &loaded.settings,
        &loaded.file,
        env("SUDO_USER"),
        env("USER")
            .or_else(|| env("LOGNAME"))
            .filter(|u| !u.is_empty()),
    );
    // run by sudo for a user the OS's word cannot name: nothing runs
    if let Err(why) = &os_word
        && sudo_suspect
    {
        return Err(CliError::new(format!(
            "zoe runs by sudo for SUDO_USER {}, who cannot be named: {why}",
            crate::model::text::visible(&env("SUDO_USER").unwrap_or_default())
        )));
    }
    // run by sudo as another account, but the settings do not name it as
    // the service account: who asks cannot be trusted, so nothing runs
    if let Ok(word) = &os_word
        && sudo_suspect
        && !word.under_sudo
    {
        return Err(CliError::new(format!(
            "zoe runs as uid {} for SUDO_USER {}, but {} names no `service_account` with that uid: in a shared deployment set service_account to the account users run zoe as; otherwise run zoe as yourself, without sudo",
            crate::console::signin::own_uid(),
            crate::model::text::visible(&env("SUDO_USER").unwrap_or_default()),
            loaded.file.display()
        )));
    }
    if let Ok(word) = &os_word
        && word.under_sudo
        && loaded.origin != crate::config::ConfigOrigin::BuiltIn
    {
        crate::console::signin::check_settings_under_sudo(&loaded.settings, &loaded.file)
            .map_err(CliError::new)?;
    }
    let (shop_dir, shop_origin) = match resolve_shop(cli.shop.as_deref(), &loaded.settings, cwd) {
        // under sudo the working directory is the caller's: its ./shop is
        // not the deployment's
        (_, ShopOrigin::WorkingDirectory) if sudo_suspect => (
            PathBuf::from(crate::config::settings::ZOE_SHOP_PATH),
            ShopOrigin::ZoeDefault,
        ),
        chosen => chosen,
    };
    let readonly = cli.readonly || loaded.settings.readonly;
    if let Some(ns) = &cli.namespace {
        crate::config::kube_settings::check_namespace(ns)
            .map_err(|why| CliError::new(format!("--namespace: {why}")))?;
    }
    let kube_flags = crate::config::targets::KubeFlags {
        context: cli.context.clone().filter(|c| !c.is_empty()),
        namespace: cli.namespace.clone(),
        kubeconfig: cli.kubeconfig.clone(),
    };
    let ctx = Context {
        os_word,
        identity: std::sync::OnceLock::new(),
        kube_flags,
        readonly,
        all_users: cli.all_users,
        loaded,
        paths,
        shop_dir,
        shop_origin,
        output: cli.output,
        user_from_env: env("USER")
            .or_else(|| env("LOGNAME"))
            .filter(|u| !u.is_empty()),
        env: [
            "DOCKER_HOST",
            "DOCKER_TLS_VERIFY",
            "DOCKER_CERT_PATH",
            "HOME",
            "KUBECONFIG",
            "NO_COLOR",
            "SUDO_USER",
            "ZOE_DOCKER_CONFIG",
        ]
        .into_iter()
        .filter_map(|k| env(k).map(|v| (k.to_string(), v)))
        .collect(),
    };
    let needs_sign_in = ctx.loaded.settings.auth != crate::config::access_settings::AuthKind::Os
        && !matches!(
            cli.command,
            Some(
                Command::Config(_)
                    | Command::Login { .. }
                    | Command::Logout
                    | Command::Secret(_)
                    | Command::Registry(_)
            )
        );
    let tui = cli.command.is_none()
        && ctx.output == Output::Table
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    if needs_sign_in && !tui {
        resolve_identity(&ctx).map_err(CliError::new)?;
    }
    if !(tui && needs_sign_in) {
        for (flag, given) in [
            ("--context", ctx.kube_flags.context.is_some()),
            ("--namespace", ctx.kube_flags.namespace.is_some()),
            ("--kubeconfig", ctx.kube_flags.kubeconfig.is_some()),
            (
                "$KUBECONFIG",
                sudo_suspect && ctx.env.contains_key("KUBECONFIG"),
            ),
        ] {
            if given {
                crate::console::roles::check_retarget(
                    resolve_identity(&ctx).as_ref().map_err(String::as_str),
                    flag,
                )
                .map_err(CliError::new)?;
            }
        }
    }
    // --all-users adds nothing to a role that may act on others'
    // executions, and is refused to one that may not
    if ctx.all_users && !(tui && needs_sign_in) {
        crate::console::roles::check_all_users(
            resolve_identity(&ctx).as_ref().map_err(String::as_str),
            true,
        )
        .map_err(CliError::new)?;
    }
    if tui {
        return tui_cmd(&ctx, cli.theme.as_deref(), ctx.readonly, cli.no_mouse);
    }
    match cli.command {
        None => shop_cmd::list(&open_console(&ctx, None)?, ctx.output).map(|mut outcome| {
            if ctx.output == Output::Table {
                outcome
                    .stdout
                    .push_str("\nRun `zoe --help` for every command.\n");
            }
            outcome
        }),
        Some(Command::Shop(ShopCommand::Check { dir })) => shop_cmd::check(&ctx, dir.as_deref()),
        Some(Command::Shop(command)) => {
            let console = open_console(&ctx, None)?;
            shop_cmd::run(&console, command, ctx.output)
        }
        Some(Command::Config(command)) => config_cmd::run(&ctx, command),
        Some(Command::Login {
            user,
            password_stdin,
        }) => login_cmd::login(&ctx, user, password_stdin),
        Some(Command::Logout) => login_cmd::logout(&ctx),
        Some(Command::Secret(command)) => {
            check_keeper(&ctx, "zoe secret")?;
            secret_cmd::secret(&ctx, command)
        }
        Some(Command::Registry(command)) => {
            check_keeper(&ctx, "zoe registry")?;
            secret_cmd::registry(&ctx, command)
        }
        Some(command) => session::run(&ctx, command),
    }
}

/// A flag of the terminal UI given with a verb (`zoe --theme dark nodes`),
/// which would otherwise be ignored without a word.
pub fn tui_only_flag(cli: &Cli) -> Option<&'static str> {
    cli.command.as_ref()?;
    if cli.theme.is_some() {
        Some("--theme")
    } else if cli.no_mouse {
        Some("--no-mouse")
    } else {
        None
    }
}

/// The keyring holds the deployment's secrets (the LDAP bind password,
/// registry credentials, everybody's remembered sign-ins): run as the
/// service account itself, that account's owner keeps them; through sudo,
/// only a role with `can_change_config` may set, remove or list them.
fn check_keeper(ctx: &Context, verb: &str) -> Result<(), CliError> {
    if !ctx.os_word.as_ref().is_ok_and(|w| w.under_sudo) {
        return Ok(());
    }
    let refusal = |why: String| {
        CliError::new(format!(
            "{verb}: under sudo the deployment's secrets are the administrator's: {why}; an administrator may also run it as the service account itself (e.g. `su - zoe -c 'zoe secret set ldap-bind'`)"
        ))
    };
    match resolve_identity(ctx) {
        Ok(identity) if identity.can().can_change_config => Ok(()),
        Ok(identity) => Err(refusal(format!(
            "your role `{}` may not keep or list them (can_change_config)",
            identity.role.name
        ))),
        Err(why) => Err(refusal(format!("who you are is unknown ({why})"))),
    }
}

/// A shop the caller names (`--shop`, `zoe shop check DIR`): in a shared
/// deployment only for a role with `can_access_api` (Zoe's "custom JSON
/// upload"), and under sudo only the administrator's.
fn check_own_shop(
    ctx: &Context,
    dir: &Path,
    identity: Result<&crate::model::access::Identity, &String>,
) -> Result<(), CliError> {
    let under_sudo = ctx.os_word.as_ref().is_ok_and(|w| w.under_sudo);
    if under_sudo {
        crate::console::signin::check_named_under_sudo("the shop", dir).map_err(CliError::new)?;
    }
    if let Ok(identity) = identity
        && identity.shared
        && !identity.can().can_access_api
    {
        return Err(CliError::new(format!(
            "shop {}: your role `{}` may not use a shop of its own (can_access_api); leave --shop out for the deployment's shop",
            dir.display(),
            identity.role.name
        )));
    }
    Ok(())
}

/// Loads the shop and builds the engine.
pub fn open_console(ctx: &Context, shop_dir: Option<&Path>) -> Result<Console, CliError> {
    let identity = resolve_identity(ctx);
    match shop_dir {
        Some(dir) => check_own_shop(ctx, dir, identity.as_ref())?,
        None if ctx.shop_origin == ShopOrigin::Flag => {
            check_own_shop(ctx, &ctx.shop_dir, identity.as_ref())?
        }
        None => {}
    }
    let settings = ctx.loaded.settings.clone();
    let shop = load_shop(shop_dir.unwrap_or(&ctx.shop_dir), &settings.limits());
    Ok(Console::for_identity(settings, shop, identity))
}

/// Opens the terminal UI.
fn tui_cmd(
    ctx: &Context,
    theme: Option<&str>,
    readonly: bool,
    no_mouse: bool,
) -> Result<Outcome, CliError> {
    let settings = ctx.loaded.settings.clone();
    let user = resolve_owner(ctx)
        .map(|o| o.name)
        .unwrap_or_else(|_| "?".into());
    let loaded = crate::config::targets::load_targets(
        &settings,
        &|k: &str| ctx.env.get(k).cloned(),
        &ctx.kube_flags,
    )
    .map_err(CliError::new)?;
    let no_color = ctx.env.get("NO_COLOR").is_some_and(|v| !v.is_empty());
    let name = theme.unwrap_or(&settings.theme);
    let theme = crate::config::theme::load_theme(name, Some(&ctx.paths.themes_dir), no_color)
        .map_err(CliError::new)?;
    let (identity, user) = match resolve_identity(ctx) {
        Err(why) if settings.auth != crate::config::access_settings::AuthKind::Os => {
            match tui_sign_in(ctx, &theme, why)? {
                Some(identity) => {
                    let user = identity.user.clone();
                    (Ok(identity), user)
                }
                None => return Ok(Outcome::ok(String::new())),
            }
        }
        identity => (identity, user),
    };
    if ctx.shop_origin == ShopOrigin::Flag {
        check_own_shop(ctx, &ctx.shop_dir, identity.as_ref())?;
    }
    let under_sudo = ctx.os_word.as_ref().is_ok_and(|w| w.under_sudo);
    for (flag, given) in [
        ("--context", ctx.kube_flags.context.is_some()),
        ("--namespace", ctx.kube_flags.namespace.is_some()),
        ("--kubeconfig", ctx.kube_flags.kubeconfig.is_some()),
        (
            "$KUBECONFIG",
            under_sudo && ctx.env.contains_key("KUBECONFIG"),
        ),
    ] {
        if given {
            crate::console::roles::check_retarget(identity.as_ref().map_err(String::as_str), flag)
                .map_err(CliError::new)?;
        }
    }
    let shop = load_shop(&ctx.shop_dir, &settings.limits());
    let setup = crate::tui::Setup {
        console: Console::for_identity(settings, shop, identity),
        user,
        targets: loaded.targets,
        cache: ctx.paths.cache_dir.join("state.db"),
        key_file: crate::config::deployment_key::key_path(&ctx.loaded.settings, &ctx.paths),
        theme,
        themes_dir: ctx.paths.themes_dir.clone(),
        state_dir: ctx.paths.state_dir.clone(),
        readonly,
        all_users: ctx.all_users,
        keymap: crate::tui::keymap::Keymap::with_overrides(&ctx.loaded.settings.keys)
            .map_err(|why| CliError::new(format!("{}: {why}", ctx.loaded.file.display())))?,
        mouse: ctx.loaded.settings.mouse && !no_mouse,
        sudo_user: ctx
            .os_word
            .as_ref()
            .ok()
            .filter(|w| w.under_sudo)
            .map(|w| w.user.clone()),
    };
    crate::tui::run(setup)?;
    Ok(Outcome::ok(String::new()))
}

/// The TUI's sign-in screen (auth = "csv"/"ldap" without a valid
/// remembered sign-in): None when the user quits. `why` is shown first
/// unless it is only "not signed in".
fn tui_sign_in(
    ctx: &Context,
    theme: &crate::config::theme::Theme,
    why: String,
) -> Result<Option<crate::model::access::Identity>, CliError> {
    use crate::console::signin;
    let settings = &ctx.loaded.settings;
    let file = &ctx.loaded.file;
    let os = ctx.os_word.clone().map_err(CliError::new)?;
    let against = match settings.auth {
        crate::config::access_settings::AuthKind::Ldap => format!("LDAP {}", settings.ldap.uri),
        _ => format!(
            "the password file {}",
            signin::csv_file(settings, file).display()
        ),
    };
    let first_error = (!why.starts_with("not signed in")).then_some(why);
    let identity = crate::tui::signin::run(
        theme,
        &against,
        "",
        first_error,
        |user, password, remember| {
            let verified =
                signin::verify(settings, file, user, password).map_err(|e| e.to_string())?;
            let identity = signin::identity(settings, file, &os, Some(&verified))?;
            if remember
                && let Err(why) = signin::remember(settings, &os.user, &verified.user, password)
            {
                tracing::warn!("the sign-in of {} is not remembered: {why}", identity.user);
            }
            Ok(identity)
        },
    )?;
    Ok(identity)
}

/// Who asks the engine to act: the user executions are started as, with
/// their role.
fn asking(ctx: &Context) -> Asking {
    Asking::of_identity(
        resolve_identity(ctx).as_ref().map_err(String::as_str),
        ctx.all_users,
    )
}

/// Who asks, with their role and quota: the OS's word under `auth =
/// "os"`, else the sign-in remembered by `zoe login` (verified again) or
/// the one the TUI's sign-in screen made. Resolved once per run.
fn resolve_identity(ctx: &Context) -> Result<crate::model::access::Identity, String> {
    ctx.identity
        .get_or_init(|| {
            let os = ctx.os_word.clone()?;
            crate::console::signin::remembered_identity(&ctx.loaded.settings, &ctx.loaded.file, &os)
        })
        .clone()
}

/// Who we run as: the identity's user when there is one, else the OS's
/// word (`SUDO_USER` under sudo, `user` in the settings, `$USER`/`$LOGNAME`,
/// the passwd entry of our uid). Only launching and acting on an execution
/// need it, so a failure is kept for the engine to report then.
fn resolve_owner(ctx: &Context) -> Result<Owner, String> {
    let settings = &ctx.loaded.settings;
    let fs_uid = settings
        .fs_uid
        .unwrap_or_else(crate::console::signin::own_uid);
    match resolve_identity(ctx) {
        Ok(identity) => Ok(Owner {
            name: identity.user,
            fs_uid,
        }),
        Err(why) => match (&ctx.os_word, settings.auth) {
            (Ok(os), crate::config::access_settings::AuthKind::Os) => Ok(Owner {
                name: os.user.clone(),
                fs_uid,
            }),
            _ => Err(why),
        },
    }
}

pub use term::{print_stderr, print_stdout};

/// How tables name an instance's kind.
pub(crate) fn role(essential: bool) -> &'static str {
    if essential { "essential" } else { "elastic" }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value)
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}
