//! How fresh the data on screen is, for the header: `updated 2s ago` after
//! the last look, `cached 3m ago · asking 2 hosts…` while only the state
//! cache's view is known, and a spinner while something is in flight (a
//! look, a launch, a termination). The label changes at most once a second
//! while the age is in seconds, once a minute after: the UI's 1 s clock
//! redraws only when it changed, and the spinner's timer runs only while
//! something is in flight.

use ratatui::text::Span;

use crate::tui::app::App;

/// The spinner's frames, one per [`SPIN_EVERY`].
const SPINNER: [&str; 8] = ["⣾", "⣽", "⣻", "⢿", "⡿", "⣟", "⣯", "⣷"];

/// How often the spinner turns while something is in flight.
pub const SPIN_EVERY: std::time::Duration = std::time::Duration::from_millis(125);

/// The spinner's current frame, when something is in flight.
pub fn spinner(app: &App) -> Option<&'static str> {
    app.data
        .busy()
        .then(|| SPINNER[app.data.spin % SPINNER.len()])
}

/// `asking 2 hosts…` (`1 host`, or `the hosts` when none is named).
pub fn asking(app: &App) -> String {
    match app.data.asking.len() {
        0 => "asking the hosts…".to_string(),
        1 => "asking 1 host…".to_string(),
        n => format!("asking {n} hosts…"),
    }
}

/// The header's freshness words, long (`updated 2s ago`) or short
/// (`2s ago`, for narrow terminals). What the UI's clock compares to know
/// whether the header changed.
pub fn label(app: &App) -> String {
    text(app, false)
}

fn text(app: &App, short: bool) -> String {
    let ago = |at: u64| {
        if app.now <= at {
            "just now".to_string()
        } else {
            format!("{} ago", app.age(at))
        }
    };
    match (app.data.cached, app.data.seen_at, app.data.loading) {
        (Some(seen), _, _) if short => format!("cached {}", ago(seen)),
        (Some(seen), _, _) => format!("cached {} · {}", ago(seen), asking(app)),
        (None, _, true) => asking(app),
        (None, Some(at), false) if short => ago(at),
        (None, Some(at), false) => format!("updated {}", ago(at)),
        (None, None, false) => String::new(),
    }
}

/// The header's freshness spans: the words (long, or short when `short`)
/// and the spinner while something is in flight.
pub fn spans(app: &App, short: bool) -> Vec<Span<'static>> {
    let s = &app.styles;
    let mut spans = Vec::new();
    let words = text(app, short);
    if !words.is_empty() {
        // cached data is dimmed: it may be old
        let style = if app.data.cached.is_some() || app.data.loading {
            s.muted
        } else {
            s.info
        };
        spans.push(Span::styled(words, style));
    }
    if let Some(frame) = spinner(app) {
        spans.push(Span::styled(format!(" {frame}"), s.accent));
    }
    spans
}
