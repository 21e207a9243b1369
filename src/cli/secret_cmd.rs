//! `zoe secret set|delete|status` and `zoe registry login|logout|list`:
//! secrets in the OS keyring, through `console::secrets`. Values are read
//! from the terminal (no echo) or stdin, and never printed.

use std::io::IsTerminal;

use super::args::SecretName;
use super::password::{read_line_from_tty, read_secret};
use super::table::Table;
use super::{CliError, Context, Outcome, Output, RegistryCommand, SecretCommand, to_json};
use crate::console::secrets::{self, LoginVerdict, Named};
use crate::model::text::visible;

fn named(name: SecretName) -> Named {
    match name {
        SecretName::LdapBind => Named::LdapBind,
    }
}

pub fn secret(ctx: &Context, command: SecretCommand) -> Result<Outcome, CliError> {
    let settings = &ctx.loaded.settings;
    let deployment = visible(&settings.deployment_name).into_owned();
    match command {
        SecretCommand::Set { name } => {
            let named = named(name);
            let value = read_secret(&format!("{} (not shown): ", named.label()), false)
                .map_err(CliError::new)?;
            let store = secrets::set_secret(settings, named, &value).map_err(CliError::new)?;
            Ok(Outcome::ok(format!(
                "{} of deployment {deployment} kept in {store}\n",
                named.label()
            )))
        }
        SecretCommand::Delete { name } => {
            let named = named(name);
            let (removed, store) =
                secrets::delete_secret(settings, named).map_err(CliError::new)?;
            Ok(Outcome::ok(if removed {
                format!(
                    "{} of deployment {deployment} removed from {store}\n",
                    named.label()
                )
            } else {
                format!(
                    "{} of deployment {deployment} was not in {store}: nothing to remove\n",
                    named.label()
                )
            }))
        }
        SecretCommand::Status => {
            let status = secrets::secret_status(settings).map_err(CliError::new)?;
            if ctx.output == Output::Json {
                return Ok(Outcome::ok(to_json(&status)));
            }
            let list = |items: &[String]| {
                if items.is_empty() {
                    "none".to_string()
                } else {
                    items
                        .iter()
                        .map(|i| visible(i).into_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            let mut table = Table::new(&["SECRET", "STATE"]);
            table.row(vec![
                "ldap-bind".into(),
                if status.ldap_bind { "set" } else { "not set" }.into(),
            ]);
            table.row(vec![
                "remembered sign-ins".into(),
                list(&status.remembered_sign_ins),
            ]);
            table.row(vec!["registries".into(), list(&status.registries)]);
            Ok(Outcome::ok(format!(
                "Secrets of deployment {deployment} in {} (names only):\n{}",
                status.store,
                table.render()
            )))
        }
    }
}

pub fn registry(ctx: &Context, command: RegistryCommand) -> Result<Outcome, CliError> {
    match command {
        RegistryCommand::Login {
            host,
            username,
            password_stdin,
            no_check,
        } => {
            let user = match username {
                Some(user) => user,
                None if std::io::stdin().is_terminal() && !password_stdin => {
                    read_line_from_tty(&format!("Username for {}: ", visible(&host)))
                        .map_err(CliError::new)?
                }
                None => {
                    return Err(CliError::new(format!(
                        "zoe registry login {}: --username USER is needed when the password \
                         comes from stdin",
                        visible(&host)
                    )));
                }
            };
            let password = read_secret(
                &format!(
                    "Password for {} at {} (not shown): ",
                    visible(&user),
                    visible(&host)
                ),
                password_stdin,
            )
            .map_err(CliError::new)?;
            let done = secrets::registry_login(&host, user.trim(), &password, !no_check)
                .map_err(CliError::new)?;
            let checked = match &done.verdict {
                LoginVerdict::Accepted | LoginVerdict::Refused => {
                    "checked with the registry".to_string()
                }
                LoginVerdict::Unchecked(why) => format!("not checked: {why}"),
            };
            Ok(Outcome::ok(format!(
                "credentials of {} for registry {} kept in {} ({checked})\n",
                visible(user.trim()),
                visible(&host),
                done.store
            )))
        }
        RegistryCommand::Logout { host } => {
            let (removed, store) = secrets::registry_logout(&host).map_err(CliError::new)?;
            Ok(Outcome::ok(if removed {
                format!(
                    "credentials for registry {} removed from {store}\n",
                    visible(&host)
                )
            } else {
                format!(
                    "no credentials for registry {} in {store}: nothing to remove\n",
                    visible(&host)
                )
            }))
        }
        RegistryCommand::List => {
            let (list, store) = secrets::registry_list().map_err(CliError::new)?;
            if ctx.output == Output::Json {
                return Ok(Outcome::ok(to_json(&list)));
            }
            if list.is_empty() {
                return Ok(Outcome::ok(format!(
                    "no registry credentials in {store} (zoe registry login HOST adds some)\n"
                )));
            }
            let mut table = Table::new(&["REGISTRY", "USER"]);
            for login in &list {
                table.row(vec![
                    visible(&login.host).into_owned(),
                    visible(&login.user).into_owned(),
                ]);
            }
            Ok(Outcome::ok(format!("In {store}:\n{}", table.render())))
        }
    }
}
