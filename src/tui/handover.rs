//! `s` in the instance list: the terminal UI steps aside for a shell in an
//! instance and comes back exactly where it was. The screen is given back
//! (normal screen, cooked mode, cursor shown, mouse reporting off), the
//! command runs with the terminal (see `console::shell`), and once it
//! exits full screen is taken again and every cell redrawn; the UI's
//! state (view, selection, scroll) was never touched.
//!
//! The key reader is dropped before (it would take the shell's keys) and
//! made anew after, by the caller. Signals meanwhile: a ctrl-c or ctrl-\
//! typed before the shell took the terminal is the shell's, not a reason
//! to quit; a hang-up or a kill still ends the UI once the shell ended.

use std::io;

use super::terminal::{self, Screen, Signaled, Signals};
use crate::console::shell::ShellTarget;

/// What happened: the screen (new), the command's exit code or why it
/// did not run, and a signal to die of, if one came.
pub struct Back {
    pub screen: Screen,
    pub result: Result<i32, String>,
    pub died_of: Option<libc::c_int>,
}

pub async fn hand_over(
    screen: Screen,
    target: &ShellTarget,
    mouse: bool,
    signals: &mut Signals,
) -> io::Result<Back> {
    drop(screen);
    terminal::restore_terminal();
    // a line that says where the user is, above the shell's prompt
    println!(
        "zoe: shell in {} of {} on {} — exit returns to zoe\r",
        crate::model::text::visible(&target.target.instance),
        target.target.execution,
        crate::model::text::visible(&target.target.host),
    );
    let run = target.run(&[], true);
    tokio::pin!(run);
    let mut died_of = None;
    let result = loop {
        tokio::select! {
            result = &mut run => break result,
            signaled = signals.recv() => match signaled {
                Signaled::Die(signal) if signal != libc::SIGINT && signal != libc::SIGQUIT => {
                    died_of = Some(signal);
                }
                _ => {}
            },
        }
    };
    let screen = terminal::resume_screen(mouse)?;
    Ok(Back {
        screen,
        result,
        died_of,
    })
}

/// The status line after the shell: its exit code, or why it did not run.
pub fn outcome(target: &ShellTarget, result: &Result<i32, String>) -> (String, bool) {
    let who = format!("{} of {}", target.target.instance, target.target.execution);
    match result {
        Ok(0) => (format!("back from the shell in {who}"), false),
        Ok(code) => (format!("back from the shell in {who} (exit {code})"), false),
        Err(why) => (format!("no shell in {who}: {why}"), true),
    }
}
