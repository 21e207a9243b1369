//! `zoe config paths` and `zoe config show`.

use serde_json::json;

use super::table::Table;
use super::{CliError, ConfigCommand, Context, Outcome, Output, to_json};
use crate::config::{ConfigOrigin, ShopOrigin};

pub fn run(ctx: &Context, command: ConfigCommand) -> Result<Outcome, CliError> {
    match command {
        ConfigCommand::Paths => Ok(Outcome::ok(paths(ctx))),
        ConfigCommand::Show => show(ctx),
        ConfigCommand::Contexts => contexts(ctx),
    }
}

/// The kubeconfig's contexts, like `kubectl config get-contexts`.
fn contexts(ctx: &Context) -> Result<Outcome, CliError> {
    let given: Vec<_> = ctx.kube_flags.kubeconfig.iter().cloned().collect();
    let list = crate::console::kube_contexts(&given, &|k: &str| ctx.env.get(k).cloned())
        .map_err(CliError::new)?;
    if ctx.output == Output::Json {
        return Ok(Outcome::ok(to_json(&list)));
    }
    let mut table = Table::new(&["CURRENT", "NAME", "CLUSTER", "SERVER", "NAMESPACE", "USER"]);
    for c in &list {
        table.row(vec![
            if c.current { "*" } else { "" }.to_string(),
            c.name.clone(),
            c.cluster.clone(),
            c.server.clone(),
            c.namespace.clone().unwrap_or_default(),
            c.user.clone(),
        ]);
    }
    Ok(Outcome::ok(table.render()))
}

fn paths(ctx: &Context) -> String {
    let config_note = match ctx.loaded.origin {
        ConfigOrigin::Flag => "from --config",
        ConfigOrigin::Environment => "from $ZOE_CONFIG",
        ConfigOrigin::Default => "default location",
        ConfigOrigin::BuiltIn => "not found: built-in defaults in use",
    };
    let shop_note = match ctx.shop_origin {
        ShopOrigin::Flag => "from --shop",
        ShopOrigin::Settings => "from the settings file",
        ShopOrigin::WorkingDirectory => "./shop in the working directory",
        ShopOrigin::ZoeDefault => "Zoe's default",
    };
    let shop_note = if ctx.shop_dir.is_dir() {
        shop_note.to_string()
    } else {
        format!("{shop_note}; does not exist")
    };
    let key_file = crate::config::deployment_key::key_path(&ctx.loaded.settings, &ctx.paths);
    let key_note = format!(
        "deployment key ({}{}); every console of the deployment shares it",
        if ctx.loaded.settings.deployment_key_file.is_some() {
            "from the settings file"
        } else {
            "default location"
        },
        if key_file.exists() {
            ""
        } else {
            "; made on first use"
        }
    );
    if ctx.output == Output::Json {
        return to_json(&json!({
            "deployment_key_file": key_file,
            "config_file": ctx.loaded.file,
            "config_origin": ctx.loaded.origin,
            "shop": ctx.shop_dir,
            "shop_origin": ctx.shop_origin,
            "cache_dir": ctx.paths.cache_dir,
            "state_dir": ctx.paths.state_dir,
            "log_file": ctx.paths.log_file,
            "themes_dir": ctx.paths.themes_dir,
        }));
    }
    let mut table = Table::new(&["WHAT", "PATH", "NOTE"]);
    let row = |what: &str, path: &std::path::Path, note: &str| {
        vec![
            what.to_string(),
            path.display().to_string(),
            note.to_string(),
        ]
    };
    table.row(row("config", &ctx.loaded.file, config_note));
    table.row(row("shop", &ctx.shop_dir, &shop_note));
    table.row(row("key", &key_file, &key_note));
    table.row(row("cache", &ctx.paths.cache_dir, "local state cache"));
    table.row(row("state", &ctx.paths.state_dir, ""));
    table.row(row(
        "log",
        &ctx.paths.log_file,
        "the console logs here, never to the terminal",
    ));
    table.render()
}

fn show(ctx: &Context) -> Result<Outcome, CliError> {
    let no_color = ctx.env.get("NO_COLOR").is_some_and(|v| !v.is_empty());
    if let Err(why) = crate::config::theme::load_theme(
        &ctx.loaded.settings.theme,
        Some(&ctx.paths.themes_dir),
        no_color,
    ) {
        crate::warn_line!("zoe: warning: {}: theme: {why}", ctx.loaded.file.display());
    }
    let mut settings = ctx.loaded.settings.clone();
    settings.shop = Some(ctx.shop_dir.clone());
    // who the OS says runs us (SUDO_USER under sudo), as the verbs see it
    match &ctx.os_word {
        Ok(word) => settings.user = Some(word.user.clone()),
        Err(_) if settings.user.is_none() => settings.user = ctx.user_from_env.clone(),
        Err(_) => {}
    }
    let text = match ctx.output {
        Output::Json => to_json(&settings),
        Output::Table => {
            let body = toml::to_string(&settings)
                .map_err(|err| CliError::new(format!("cannot print settings: {err}")))?;
            format!(
                "# effective settings ({})\n{body}",
                ctx.loaded.file.display()
            )
        }
    };
    Ok(Outcome::ok(text))
}
