//! A command (by default a shell) in one instance, with the terminal:
//! `zoe exec` and the inspect pane's `s`. The engine finds the instance
//! under the owner rule (`instances`); [`ShellTarget::run`] then runs the
//! command and hands it this process's terminal until it ends:
//!
//! * on a Docker host, attached through the engine's API (as oxker does):
//!   with a TTY when stdin is a terminal (raw mode, the size passed on at
//!   start and on every SIGWINCH), else plain input and output, so
//!   `echo ls | zoe exec …` and scripts work; stdin's end closes the
//!   command's input;
//! * on a cluster, `kubectl exec -it` with the target's kubeconfig,
//!   context and namespace (as k9s does), which owns the terminal itself.
//!
//! The command's exit code is the result.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::access::Action;
use super::engine::{Engine, EngineError};
use super::instances::InstanceTarget;
use crate::backend::{Shell, Targets};

/// The command run when none is given.
pub const DEFAULT_COMMAND: &str = "sh";

/// An instance found and allowed, ready to run a command in. `Send`: it
/// may be run on another thread than the engine's (the terminal UI's).
#[derive(Clone)]
pub struct ShellTarget {
    pub target: InstanceTarget,
    cluster: Targets,
}

impl std::fmt::Debug for ShellTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShellTarget")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl PartialEq for ShellTarget {
    fn eq(&self, other: &ShellTarget) -> bool {
        self.target == other.target
    }
}

impl Engine {
    /// Instance `instance` of execution `query`, to run commands in: the
    /// owner's own, unless `--all-users`; refused in read-only mode.
    pub async fn shell(&self, query: &str, instance: &str) -> Result<ShellTarget, EngineError> {
        self.refuse_if_readonly("running a command in an instance")?;
        let (target, _) = self.instance_target(query, instance, Action::Exec).await?;
        if target.state != crate::model::BackendState::Started {
            return Err(EngineError::Refused(format!(
                "instance {} of {} is not running ({:?}): nothing to run a command in",
                target.instance, target.execution, target.state
            )));
        }
        Ok(ShellTarget {
            target,
            cluster: self.cluster.clone(),
        })
    }
}

/// Whether this process's stdin is a terminal.
pub fn stdin_is_terminal() -> bool {
    // SAFETY: isatty only reads the descriptor's state.
    unsafe { libc::isatty(libc::STDIN_FILENO) == 1 }
}

impl ShellTarget {
    /// Runs `command` (empty: [`DEFAULT_COMMAND`]) with this process's
    /// terminal (`tty`: stdin is one, raw mode and resizes) until it
    /// ends; its exit code. The caller gives the terminal back as a shell
    /// expects it (normal screen, cooked mode) before, and takes it again
    /// after.
    pub async fn run(&self, command: &[String], tty: bool) -> Result<i32, String> {
        let command: Vec<String> = if command.is_empty() {
            vec![DEFAULT_COMMAND.to_string()]
        } else {
            command.to_vec()
        };
        // listening before the size is read: a resize from now on is seen
        let resized = if tty {
            Some(
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())
                    .map_err(|e| format!("cannot watch the terminal's size: {e}"))?,
            )
        } else {
            None
        };
        let size = tty.then(terminal_size);
        let shell = self
            .cluster
            .shell(&self.target.host, &self.target.workload, &command, size)
            .await
            .map_err(|e| e.to_string())?;
        match shell {
            Shell::Program(program) => run_program(&program).await,
            Shell::Attached(attached) => pump(attached, resized).await,
        }
    }
}

/// The terminal's size (columns, rows); 80×24 when unknown.
fn terminal_size() -> (u16, u16) {
    // SAFETY: TIOCGWINSZ fills a winsize; a zeroed one is valid.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) == 0 && size.ws_col > 0 {
            return (size.ws_col, size.ws_row);
        }
    }
    (80, 24)
}

/// `kubectl exec` with the terminal; its exit code.
async fn run_program(program: &crate::backend::Program) -> Result<i32, String> {
    let Some((name, args)) = program.argv.split_first() else {
        return Err("no program to run".into());
    };
    let mut command = tokio::process::Command::new(name);
    command.args(args).envs(program.env.iter().cloned());
    let status = match command.status().await {
        Ok(status) => status,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "`{name}` is not installed (or not on PATH): a shell in a pod runs `{}`; install kubectl and try again",
                program.argv.join(" ")
            ));
        }
        Err(e) => return Err(format!("cannot run `{name}`: {e}")),
    };
    Ok(status.code().unwrap_or(1))
}

/// Raw mode on stdin while it lives (a shell with a TTY gets every key);
/// the saved mode comes back when dropped.
struct RawMode(Option<libc::termios>);

impl RawMode {
    fn on() -> RawMode {
        // SAFETY: tcgetattr/tcsetattr on stdin with a zeroed termios that
        // tcgetattr fills; cfmakeraw only changes the copy.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut saved) != 0 {
                return RawMode(None);
            }
            let mut raw = saved;
            libc::cfmakeraw(&mut raw);
            if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw) != 0 {
                return RawMode(None);
            }
            RawMode(Some(saved))
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(saved) = &self.0 {
            // SAFETY: puts back the mode read by tcgetattr.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved);
            }
        }
    }
}

/// Reads stdin on a thread of its own until told to stop (it never stays
/// blocked in a read: the terminal's next key must go to whoever reads it
/// after the command ended); `None` at end of input.
fn read_stdin(stop: Arc<AtomicBool>) -> tokio::sync::mpsc::Receiver<Option<Vec<u8>>> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let spawned = std::thread::Builder::new()
        .name("zoe-exec-stdin".into())
        .spawn(move || {
            let mut buf = [0u8; 4096];
            while !stop.load(Ordering::Relaxed) {
                let mut fd = libc::pollfd {
                    fd: libc::STDIN_FILENO,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd, a 100 ms timeout.
                let ready = unsafe { libc::poll(&mut fd, 1, 100) };
                if ready <= 0 {
                    continue;
                }
                // SAFETY: reads at most buf.len() bytes into buf.
                let n =
                    unsafe { libc::read(libc::STDIN_FILENO, buf.as_mut_ptr().cast(), buf.len()) };
                let item = if n > 0 {
                    Some(buf[..n as usize].to_vec())
                } else {
                    None
                };
                let end = item.is_none();
                if tx.blocking_send(item).is_err() || end {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("exec: cannot read stdin: {e}");
    }
    rx
}

/// Copies stdin to the command and its output to stdout/stderr until it
/// ends; its exit code.
async fn pump(
    attached: crate::backend::Attached,
    resized: Option<tokio::signal::unix::Signal>,
) -> Result<i32, String> {
    let tty = resized.is_some();
    let crate::backend::Attached {
        mut output,
        mut input,
        control,
    } = attached;
    let _raw = tty.then(RawMode::on);
    let stop = Arc::new(AtomicBool::new(false));
    let mut keys = read_stdin(stop.clone());
    let mut resized = resized;
    let mut input_open = true;
    let mut failed = None;
    loop {
        tokio::select! {
            out = output.next() => match out {
                Some(Ok(crate::backend::AttachedOutput::Out(bytes))) => {
                    let mut stdout = std::io::stdout().lock();
                    let _ = stdout.write_all(&bytes);
                    let _ = stdout.flush();
                }
                Some(Ok(crate::backend::AttachedOutput::Err(bytes))) => {
                    let mut stderr = std::io::stderr().lock();
                    let _ = stderr.write_all(&bytes);
                    let _ = stderr.flush();
                }
                Some(Err(why)) => {
                    failed = Some(why);
                    break;
                }
                None => break,
            },
            key = keys.recv(), if input_open => match key {
                Some(Some(bytes)) => {
                    if input.write_all(&bytes).await.and(input.flush().await).is_err() {
                        input_open = false;
                    }
                }
                // end of input: the command sees it (`cat` ends)
                Some(None) | None => {
                    let _ = input.shutdown().await;
                    input_open = false;
                }
            },
            Some(()) = next_resize(&mut resized), if tty => {
                let (width, height) = terminal_size();
                if let Err(e) = control.resize(width, height).await {
                    tracing::debug!("exec resize: {e}");
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    if let Some(why) = failed {
        return Err(why);
    }
    // the engine may take a moment to record the end after the output
    // closed
    for _ in 0..50 {
        match control.exit_code().await {
            Ok(Some(code)) => return Ok(i32::try_from(code).unwrap_or(1)),
            Ok(None) => tokio::time::sleep(std::time::Duration::from_millis(40)).await,
            Err(e) => return Err(e.to_string()),
        }
    }
    Err("the command's output ended but the engine gave no exit code".into())
}

/// The next SIGWINCH, when listening; never otherwise.
async fn next_resize(resized: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match resized {
        Some(signal) => signal.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_kubectl_is_named_with_what_to_do() {
        let program = crate::backend::Program {
            argv: vec![
                "kubectl-not-installed-here".into(),
                "exec".into(),
                "-it".into(),
                "pod".into(),
            ],
            env: Vec::new(),
        };
        let why = run_program(&program).await.unwrap_err();
        assert!(
            why.contains("`kubectl-not-installed-here` is not installed")
                && why.contains("install kubectl"),
            "{why}"
        );
    }

    #[tokio::test]
    async fn a_program_s_exit_code_is_the_result() {
        let program = crate::backend::Program {
            argv: vec!["sh".into(), "-c".into(), "exit 5".into()],
            env: vec![("X".into(), "1".into())],
        };
        assert_eq!(run_program(&program).await, Ok(5));
    }
}
