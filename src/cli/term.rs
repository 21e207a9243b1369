//! Writing to a terminal safely. Text that comes from containers, labels,
//! shop files or settings is hostile input: on a terminal, an escape
//! sequence in it could set the window title, write the clipboard (OSC 52),
//! clear the screen, switch to the alternate screen or turn mouse reporting
//! on, and leave it so after `zoe` exits. So whatever the CLI writes to a
//! terminal shows control characters visibly instead of obeying them;
//! piped output keeps its bytes (`zoe logs` is byte-exact, as `docker logs`).

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

pub use crate::model::text::visible;

/// Writes to stdout, made safe when it is a terminal; a closed pipe
/// (`zoe shop list | head -1`) is not an error.
pub fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let text = if stdout.is_terminal() {
        visible(text)
    } else {
        Cow::Borrowed(text)
    };
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush());
}

/// Writes one line to stderr, made safe when it is a terminal.
pub fn print_stderr(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let line = if stderr.is_terminal() {
        visible(line)
    } else {
        Cow::Borrowed(line)
    };
    let _ = writeln!(stderr, "{line}");
}

/// `eprintln!` that never lets hostile text act on the terminal.
#[macro_export]
macro_rules! warn_line {
    ($($arg:tt)*) => {
        $crate::cli::term::print_stderr(&format!($($arg)*))
    };
}
