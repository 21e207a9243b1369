//! The terminal the UI draws on: entering full screen and giving the
//! terminal back on every way out (quit, error, panic, a terminating
//! signal), stopping on SIGTSTP or ctrl-z like a job should and coming back
//! on SIGCONT, and a drawing area that never grows past [`MAX_COLS`] ×
//! [`MAX_ROWS`] whatever size the terminal reports.

use std::io::{self, Write};
use std::task::Poll;

use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::terminal::{
    self as term, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};
use ratatui::layout::{Position, Size};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// The widest area drawn, in columns. A terminal can report up to
/// 65535×65535 (a confused pty, `stty cols 65535 rows 65535`) and ratatui
/// keeps two buffers of that many cells: hundreds of gigabytes. 1000×500
/// cells (a few tens of megabytes for both buffers) is more than a 4K
/// screen shows at the smallest readable font; a bigger terminal gets the
/// UI in its top-left corner.
pub const MAX_COLS: u16 = 1000;
/// The tallest area drawn, in rows (see [`MAX_COLS`]).
pub const MAX_ROWS: u16 = 500;

/// `size` cut down to at most [`MAX_COLS`] × [`MAX_ROWS`].
pub fn drawable(size: Size) -> Size {
    Size {
        width: size.width.min(MAX_COLS),
        height: size.height.min(MAX_ROWS),
    }
}

/// A backend that reports at most [`MAX_COLS`] × [`MAX_ROWS`], so neither
/// the first frame nor a resize ever sizes a buffer by what the terminal
/// claims. Everything else goes to the wrapped backend.
pub struct Clamped<B>(pub B);

impl<B: Backend> Backend for Clamped<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.0.draw(content)
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.0.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.0.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.0.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.0.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.0.size().map(drawable)
    }

    /// Rows and columns clamped; the pixel size stays the window's.
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        let mut size = self.0.window_size()?;
        size.columns_rows = drawable(size.columns_rows);
        Ok(size)
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.flush()
    }
}

pub type Screen = Terminal<Clamped<CrosstermBackend<io::Stdout>>>;

/// Raw mode, alternate screen, hidden cursor, and mouse reporting if asked.
/// Dropping the guard gives the terminal back.
pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        enable_raw_mode()?;
        let guard = TerminalGuard;
        full_screen(mouse)?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn full_screen(mouse: bool) -> io::Result<()> {
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen, cursor::Hide)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

/// Cooked mode with echo, normal screen, mouse reporting off, cursor shown.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

/// A cleared screen and a terminal whose buffers are empty, so the next
/// draw paints every cell. (`Terminal::clear` would ask the terminal where
/// its cursor is, and that answer is read by the key reader thread once
/// keys are being read: a two-second stall.)
pub fn fresh_screen() -> io::Result<Screen> {
    execute!(io::stdout(), term::Clear(term::ClearType::All))?;
    Terminal::new(Clamped(CrosstermBackend::new(io::stdout())))
}

/// Gives the terminal back and stops the process, as SIGTSTP's default
/// action would; returns when continued. The kernel drops the stop when no
/// job-control shell could continue the process (an orphaned process group,
/// e.g. `ssh -t host zoe`); then this returns at once and the UI simply
/// comes back.
pub fn suspend() {
    restore_terminal();
    stop_as_sigtstp();
}

/// Full screen again after a stop, whatever the shell did to the terminal
/// meanwhile; the returned screen paints everything on its next draw.
/// `old` goes first: dropping a terminal shows the cursor.
pub fn resume(old: Screen, mouse: bool) -> io::Result<Screen> {
    drop(old);
    // crossterm skips enabling raw mode while it believes it is on (a stop
    // it did not see, e.g. SIGSTOP); going back to the saved mode first
    // makes the next call really set it
    let _ = disable_raw_mode();
    enable_raw_mode()?;
    full_screen(mouse)?;
    fresh_screen()
}

/// Full screen again after the terminal was handed to a program (a shell
/// in an instance): raw mode, the alternate screen, and a screen that
/// paints every cell on its next draw.
pub fn resume_screen(mouse: bool) -> io::Result<Screen> {
    let _ = disable_raw_mode();
    enable_raw_mode()?;
    full_screen(mouse)?;
    fresh_screen()
}

/// Signals whose default action kills the process and which can be
/// caught: each gives the terminal back first. SIGPIPE is not among them:
/// the Rust runtime ignores it (a write to a closed pipe or socket fails
/// with EPIPE instead), so it never ends the UI. Uncatchable (SIGKILL) and
/// fault signals (SIGSEGV…) are out of reach; the panic hook covers panics.
const DEADLY: &[libc::c_int] = &[
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGALRM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGXCPU,
    libc::SIGXFSZ,
];

/// What a signal asks of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signaled {
    /// Give the terminal back, then die of this signal.
    Die(libc::c_int),
    /// SIGTSTP: give the terminal back and stop.
    Stop,
    /// SIGCONT: full screen again and redraw everything.
    Continue,
}

/// The signals the UI handles, as one stream.
pub struct Signals(Vec<(libc::c_int, Signal)>);

impl Signals {
    /// Registers every handler; done before the terminal goes raw, so no
    /// signal can find it raw with nobody to restore it.
    pub fn new() -> io::Result<Signals> {
        let mut listeners = Vec::new();
        for &number in DEADLY.iter().chain(&[libc::SIGTSTP, libc::SIGCONT]) {
            listeners.push((number, signal(SignalKind::from_raw(number))?));
        }
        Ok(Signals(listeners))
    }

    pub async fn recv(&mut self) -> Signaled {
        let number = std::future::poll_fn(|cx| {
            for (number, listener) in &mut self.0 {
                if let Poll::Ready(Some(())) = listener.poll_recv(cx) {
                    return Poll::Ready(*number);
                }
            }
            Poll::Pending
        })
        .await;
        match number {
            libc::SIGTSTP => Signaled::Stop,
            libc::SIGCONT => Signaled::Continue,
            n => Signaled::Die(n),
        }
    }
}

/// Stops this process with SIGTSTP under its default action, then puts
/// the handler back. The handler installed by tokio has to step aside:
/// raising the signal through it would only be caught again.
fn stop_as_sigtstp() {
    // SAFETY: `sigaction` gets a zeroed (valid, empty mask, no flags)
    // struct whose handler is SIG_DFL, and a valid place for the previous
    // action, which is installed again unchanged once `raise` returns
    // (immediately, or after SIGCONT). `raise` only sends a signal to the
    // calling thread.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        let mut previous: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGTSTP, &default, &mut previous) != 0 {
            return;
        }
        libc::raise(libc::SIGTSTP);
        libc::sigaction(libc::SIGTSTP, &previous, std::ptr::null_mut());
    }
}

/// Dies of `signal` as its default action would (a core file for SIGQUIT
/// where the limits allow it), so the parent sees the conventional status:
/// 128 + the signal's number in a shell. Call with the terminal restored.
pub fn die_of(signal: libc::c_int) -> ! {
    // SAFETY: as in `stop_as_sigtstp`: a zeroed struct with SIG_DFL
    // replaces tokio's handler for a signal that is then raised on this
    // thread; nothing is restored because the process ends.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(signal, &default, std::ptr::null_mut());
        libc::raise(signal);
    }
    // only if the default action did not end the process
    std::process::exit(128 + signal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;

    #[test]
    fn a_huge_terminal_is_drawn_in_a_bounded_area() {
        assert_eq!(
            drawable(Size::new(u16::MAX, u16::MAX)),
            Size::new(MAX_COLS, MAX_ROWS)
        );
        assert_eq!(drawable(Size::new(80, 24)), Size::new(80, 24));
        assert_eq!(drawable(Size::new(2000, 40)), Size::new(MAX_COLS, 40));

        let mut terminal = Terminal::new(Clamped(TestBackend::new(80, 24))).unwrap();
        assert_eq!(terminal.size().unwrap(), Size::new(80, 24));
        // (a TestBackend of 65535×65535 would itself be the allocation
        // this avoids, so just past the cap)
        terminal.backend_mut().0.resize(MAX_COLS + 1, MAX_ROWS + 1);
        // the autoresize of a draw sizes the buffers by the clamped size
        let mut drawn = Size::default();
        terminal
            .draw(|frame| drawn = frame.area().as_size())
            .unwrap();
        assert_eq!(drawn, Size::new(MAX_COLS, MAX_ROWS));
        assert_eq!(
            terminal.backend_mut().window_size().unwrap().columns_rows,
            Size::new(MAX_COLS, MAX_ROWS)
        );
    }
}
