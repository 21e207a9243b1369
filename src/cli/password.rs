//! Reading a secret from the person at the terminal (no echo, from
//! `/dev/tty`) or from stdin when stdin is not a terminal; never from argv
//! or the environment.

use std::io::{BufRead, IsTerminal, Read, Write};

/// Reads a secret: from stdin when `from_stdin` or stdin is not a
/// terminal (the whole input, one trailing newline dropped), else from the
/// terminal after `prompt`, without echo.
pub fn read_secret(prompt: &str, from_stdin: bool) -> Result<String, String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read the secret from stdin: {e}"))?;
        return Ok(strip_newline(text));
    }
    read_from_tty(prompt, false)
}

/// Reads one line (a user name) from the terminal, with echo.
pub fn read_line_from_tty(prompt: &str) -> Result<String, String> {
    read_from_tty(prompt, true)
}

fn strip_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

/// Reads a line from `/dev/tty` after `prompt`, echo off unless `echo`
/// (restored afterwards, also on error).
fn read_from_tty(prompt: &str, echo: bool) -> Result<String, String> {
    use std::os::fd::AsRawFd;
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| {
            format!(
                "no terminal to read from ({e}): give it on stdin instead, e.g. `printf %s \"$PW\" | zoe …`"
            )
        })?;
    let fd = tty.as_raw_fd();
    let mut writer = &tty;
    writer
        .write_all(prompt.as_bytes())
        .and_then(|()| writer.flush())
        .map_err(|e| format!("cannot write to the terminal: {e}"))?;
    // SAFETY: termios is plain data; tcgetattr fills it for an open fd.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is the open terminal, `saved` a valid termios.
    let have_termios = unsafe { libc::tcgetattr(fd, &mut saved) } == 0;
    if have_termios && !echo {
        let mut quiet = saved;
        quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
        quiet.c_lflag |= libc::ICANON;
        // SAFETY: as above.
        unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) };
    }
    let mut line = String::new();
    let read = std::io::BufReader::new(&tty).read_line(&mut line);
    if have_termios && !echo {
        // SAFETY: restores what tcgetattr returned.
        unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &saved) };
        let _ = writer.write_all(b"\n");
    }
    read.map_err(|e| format!("cannot read from the terminal: {e}"))?;
    Ok(strip_newline(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_dropped() {
        assert_eq!(strip_newline("pw\n".into()), "pw");
        assert_eq!(strip_newline("pw\r\n".into()), "pw");
        assert_eq!(strip_newline("pw\n\n".into()), "pw\n");
        assert_eq!(strip_newline("pw".into()), "pw");
    }
}
