//! `zoe login [USER]` and `zoe logout`: signing in with the password file
//! or LDAP and remembering it in the OS keyring, or forgetting it. The
//! password comes from the terminal without echo, or from stdin with
//! `--password-stdin`; never from argv or the environment.

use super::password::{read_line_from_tty, read_secret};
use super::{CliError, Context, Outcome};
use crate::config::access_settings::AuthKind;
use crate::console::signin;

pub fn login(
    ctx: &Context,
    user: Option<String>,
    password_stdin: bool,
) -> Result<Outcome, CliError> {
    let settings = &ctx.loaded.settings;
    let os = ctx.os_word.clone().map_err(CliError::new)?;
    if settings.auth == AuthKind::Os {
        return Ok(Outcome::ok(format!(
            "nothing to sign in to: auth = \"os\" (you are {})\n",
            os.user
        )));
    }
    let user = match user {
        Some(user) => user,
        None => read_line_from_tty("User: ").map_err(|why| {
            CliError::new(format!(
                "zoe login: {why}; or give the user: `zoe login USER`"
            ))
        })?,
    };
    let password = read_secret("Password: ", password_stdin)
        .map_err(|why| CliError::new(format!("zoe login: {why}")))?;
    let verified = signin::verify(settings, &ctx.loaded.file, &user, &password)
        .map_err(|why| CliError::new(why.to_string()))?;
    let identity = signin::identity(settings, &ctx.loaded.file, &os, Some(&verified))
        .map_err(CliError::new)?;
    let store = signin::remember(settings, &os.user, &verified.user, &password).map_err(|why| {
        CliError::new(format!(
            "{}, but it cannot be remembered: {why}",
            signin::describe(&identity)
        ))
    })?;
    let mut out = format!(
        "{}; remembered in {store} — `zoe logout` forgets it\n",
        signin::describe(&identity)
    );
    for note in &verified.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    Ok(Outcome::ok(out))
}

pub fn logout(ctx: &Context) -> Result<Outcome, CliError> {
    let os = ctx.os_word.clone().map_err(CliError::new)?;
    let forgot = signin::forget(&ctx.loaded.settings, &os.user).map_err(CliError::new)?;
    Ok(Outcome::ok(if forgot {
        "signed out: the remembered sign-in is forgotten\n".into()
    } else {
        "no remembered sign-in to forget\n".into()
    }))
}
