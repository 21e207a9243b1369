//! Reading a secret from the person at the terminal (no echo, from
//! `/dev/tty`) or from stdin when stdin is not a terminal; never from argv
//! or the environment.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicI32, Ordering};

/// The longest secret read from stdin, in bytes.
pub const MAX_SECRET: usize = 4096;

/// Reads a secret: from stdin when `from_stdin` or stdin is not a
/// terminal (its first line only, at most [`MAX_SECRET`] bytes, the line
/// end dropped), else from the terminal after `prompt`, without echo.
pub fn read_secret(prompt: &str, from_stdin: bool) -> Result<String, String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        return first_line(std::io::stdin().lock(), MAX_SECRET);
    }
    read_from_tty(prompt, false)
}

/// The first line of `input` without its `\n` / `\r\n`, refused when
/// longer than `cap` bytes (never reading more than that past it).
fn first_line(input: impl BufRead, cap: usize) -> Result<String, String> {
    let mut bytes = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(2);
    input
        .take(limit)
        .read_until(b'\n', &mut bytes)
        .map_err(|e| format!("cannot read the secret from stdin: {e}"))?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    if bytes.len() > cap {
        return Err(format!(
            "the secret on stdin is longer than {cap} bytes on its first line: \
             give only the secret, on one line"
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| "the secret on stdin is not UTF-8 text: give it as text, on one line".into())
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

/// The terminal whose echo is off while a secret is read (-1: none), and
/// its settings before: what a SIGINT/SIGTERM handler restores.
static QUIET_FD: AtomicI32 = AtomicI32::new(-1);

struct SavedTermios(std::cell::UnsafeCell<std::mem::MaybeUninit<libc::termios>>);
// SAFETY: written only while QUIET_FD is -1 (before arming, one reader of
// the terminal at a time), read by the handler only after it is armed.
unsafe impl Sync for SavedTermios {}
static SAVED: SavedTermios =
    SavedTermios(std::cell::UnsafeCell::new(std::mem::MaybeUninit::uninit()));

/// On SIGINT/SIGTERM while echo is off: the terminal's settings back, then
/// the signal's default action (the process ends as it would have).
extern "C" fn restore_and_die(signal: libc::c_int) {
    let fd = QUIET_FD.swap(-1, Ordering::AcqRel);
    if fd >= 0 {
        // SAFETY: armed only after SAVED was written; tcsetattr, signal and
        // raise are async-signal-safe.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, (*SAVED.0.get()).as_ptr()) };
    }
    // SAFETY: as above.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// While alive, SIGINT and SIGTERM restore `saved` on `fd` first (the
/// previous handlers come back on drop).
struct EchoGuard {
    fd: libc::c_int,
    saved: libc::termios,
    previous: [(libc::c_int, libc::sigaction); 2],
}

impl EchoGuard {
    fn arm(fd: libc::c_int, saved: libc::termios) -> EchoGuard {
        // SAFETY: not armed (QUIET_FD is -1 outside a guard), so no
        // handler reads SAVED while it is written.
        unsafe { (*SAVED.0.get()).write(saved) };
        QUIET_FD.store(fd, Ordering::Release);
        let mut previous = [
            (libc::SIGINT, zeroed_sigaction()),
            (libc::SIGTERM, zeroed_sigaction()),
        ];
        for (signal, old) in &mut previous {
            let mut action = zeroed_sigaction();
            action.sa_sigaction = restore_and_die as extern "C" fn(libc::c_int) as usize;
            // SAFETY: valid sigaction structs; the handler is async-signal-safe.
            unsafe {
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(*signal, &action, old);
            }
        }
        EchoGuard {
            fd,
            saved,
            previous,
        }
    }
}

impl Drop for EchoGuard {
    fn drop(&mut self) {
        // the terminal first: a signal from here on finds echo back on
        // SAFETY: restores what tcgetattr returned.
        unsafe { libc::tcsetattr(self.fd, libc::TCSAFLUSH, &self.saved) };
        QUIET_FD.store(-1, Ordering::Release);
        for (signal, old) in &self.previous {
            // SAFETY: puts back what sigaction returned.
            unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
        }
    }
}

fn zeroed_sigaction() -> libc::sigaction {
    // SAFETY: sigaction is plain data; all-zero is a valid (default) value.
    unsafe { std::mem::zeroed() }
}

/// Reads a line from `/dev/tty` after `prompt`, echo off unless `echo`
/// (restored afterwards, also on error, SIGINT or SIGTERM).
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
    let guard = if have_termios && !echo {
        let guard = EchoGuard::arm(fd, saved);
        let mut quiet = saved;
        quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
        quiet.c_lflag |= libc::ICANON;
        // SAFETY: as above.
        unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) };
        Some(guard)
    } else {
        None
    };
    let mut line = String::new();
    let read = std::io::BufReader::new(&tty).read_line(&mut line);
    if let Some(guard) = guard {
        drop(guard);
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

    #[test]
    fn stdin_gives_its_first_line_only() {
        let read = |text: &str| first_line(text.as_bytes(), 8);
        assert_eq!(read("pw\nmore\n").as_deref(), Ok("pw"));
        assert_eq!(read("pw\r\nmore").as_deref(), Ok("pw"));
        assert_eq!(read("pw").as_deref(), Ok("pw"));
        assert_eq!(read("").as_deref(), Ok(""));
        assert_eq!(read("12345678\r\n").as_deref(), Ok("12345678"));
        let long = read("123456789\n").err().unwrap_or_default();
        assert!(long.contains("longer than 8 bytes"), "{long}");
        let endless = read(&"x".repeat(100_000)).err().unwrap_or_default();
        assert!(endless.contains("longer than 8 bytes"), "{endless}");
        assert!(read("\u{ff}").is_ok());
        assert!(first_line(&[0xff_u8, b'\n'][..], 8).is_err());
    }

    #[test]
    fn the_stdin_cap_is_4_kib() {
        let ok = "p".repeat(MAX_SECRET) + "\n";
        assert_eq!(
            first_line(ok.as_bytes(), MAX_SECRET).map(|s| s.len()),
            Ok(MAX_SECRET)
        );
        let over = "p".repeat(MAX_SECRET + 1);
        assert!(first_line(over.as_bytes(), MAX_SECRET).is_err());
    }

    /// A SIGTERM while echo is off gives the terminal its echo back
    /// (a pseudo-terminal stands for it; the signal goes to a child).
    #[test]
    fn a_signal_while_echo_is_off_restores_echo() {
        let mut master: libc::c_int = -1;
        let mut slave: libc::c_int = -1;
        // SAFETY: openpty fills the two fds.
        let opened = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(opened, 0);
        let echo_on = |fd: libc::c_int| {
            // SAFETY: plain data filled by tcgetattr.
            let mut t: libc::termios = unsafe { std::mem::zeroed() };
            // SAFETY: fd is open.
            assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
            t.c_lflag & libc::ECHO != 0
        };
        assert!(echo_on(slave));
        // SAFETY: the child only arms the guard, turns echo off and waits
        // for the signal; it never returns into the test harness.
        let child = unsafe { libc::fork() };
        if child == 0 {
            let mut saved: libc::termios = unsafe { std::mem::zeroed() };
            unsafe { libc::tcgetattr(slave, &mut saved) };
            let _guard = EchoGuard::arm(slave, saved);
            let mut quiet = saved;
            quiet.c_lflag &= !libc::ECHO;
            unsafe {
                libc::tcsetattr(slave, libc::TCSANOW, &quiet);
                libc::write(master, b"k\n".as_ptr().cast(), 2);
                libc::pause();
                libc::_exit(3);
            }
        }
        assert!(child > 0);
        // The child says it is ready on the master side: read it from the slave.
        let mut byte = [0u8; 1];
        // SAFETY: slave is open; one byte is read.
        unsafe { libc::read(slave, byte.as_mut_ptr().cast(), 1) };
        assert!(!echo_on(slave), "the child turned echo off");
        // SAFETY: child is our child.
        unsafe { libc::kill(child, libc::SIGTERM) };
        let mut status = 0;
        // SAFETY: waits for our child.
        unsafe { libc::waitpid(child, &mut status, 0) };
        assert!(libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGTERM);
        assert!(echo_on(slave), "echo restored by the handler");
    }
}
