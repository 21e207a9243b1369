//! `zoe login [USER]` and `zoe logout`: signing in with the password file
//! or LDAP and remembering it in the OS keyring, or forgetting it. The
//! password comes from the terminal without echo, or from stdin with
//! `--password-stdin`; never from argv or the environment.

use std::io::{BufRead, Write};

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
        None => prompt_user().map_err(|why| {
            CliError::new(format!(
                "zoe login: {why}; or give the user: `zoe login USER`"
            ))
        })?,
    };
    let password = if password_stdin {
        read_stdin_line().map_err(|err| {
            CliError::new(format!(
                "zoe login --password-stdin: cannot read stdin: {err}"
            ))
        })?
    } else {
        read_password("Password: ").map_err(|why| {
            CliError::new(format!(
                "zoe login: {why}; or pipe it in with --password-stdin"
            ))
        })?
    };
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

/// The first line of stdin, without its line end.
fn read_stdin_line() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(trim_line_end(line))
}

fn trim_line_end(mut line: String) -> String {
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    line
}

fn open_tty() -> Result<std::fs::File, String> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|err| format!("no terminal to ask on (/dev/tty: {err})"))
}

fn prompt_user() -> Result<String, String> {
    let mut tty = open_tty()?;
    tty.write_all(b"User: ").map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::BufReader::new(tty)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(trim_line_end(line))
}

/// Reads a line from the terminal with echo off (termios), restoring the
/// terminal afterwards.
fn read_password(prompt: &str) -> Result<String, String> {
    use std::os::fd::AsRawFd;
    let mut tty = open_tty()?;
    tty.write_all(prompt.as_bytes())
        .map_err(|e| e.to_string())?;
    let fd = tty.as_raw_fd();
    // SAFETY: termios is plain data; tcgetattr fills it for a valid fd.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: fd is an open terminal we own for the duration of the call.
    if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
        return Err(format!(
            "cannot switch echo off: {}",
            std::io::Error::last_os_error()
        ));
    }
    let mut quiet = saved;
    quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
    quiet.c_lflag |= libc::ICANON;
    // SAFETY: as above, with a termios derived from the terminal's own.
    if unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) } != 0 {
        return Err(format!(
            "cannot switch echo off: {}",
            std::io::Error::last_os_error()
        ));
    }
    let mut line = String::new();
    let read = std::io::BufReader::new(&tty).read_line(&mut line);
    // SAFETY: restores the settings read above on the same fd.
    unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &saved) };
    let _ = tty.write_all(b"\n");
    read.map_err(|e| e.to_string())?;
    Ok(trim_line_end(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_are_trimmed_but_spaces_kept() {
        assert_eq!(trim_line_end("pw \n".into()), "pw ");
        assert_eq!(trim_line_end("pw\r\n".into()), "pw");
        assert_eq!(trim_line_end("pw".into()), "pw");
        assert_eq!(trim_line_end("\n".into()), "");
    }
}
