//! The sign-in screen (`auth = "csv"` or `"ldap"` with no valid remembered
//! sign-in): shown before the views, since the console needs to know who
//! asks. A user field, a password field (masked with `•`, never drawn in
//! clear), a "remember me" checkbox; `tab`/`shift-tab` (and up/down) move
//! between them, `space` toggles the checkbox, `enter` signs in, `esc` or
//! `ctrl-c` quits. A refusal shows under the form with the fields kept and
//! the password cleared. The fields use the project's line editor.

use std::io;

use ratatui::Frame;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::line::{LineEditor, Outcome};
use super::style::Styles;
use crate::config::theme::Theme;

/// Which part of the form has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    User,
    Password,
    Remember,
}

/// The form's state (its `Debug` never shows the password being typed).
#[derive(Clone, PartialEq)]
pub struct SignInForm {
    /// "LDAP ldaps://…" / "the password file …": what is asked.
    pub against: String,
    pub user: LineEditor,
    pub password: LineEditor,
    pub remember: bool,
    pub focus: Focus,
    pub error: Option<String>,
    /// Signing in right now (the screen says so while it waits).
    pub busy: bool,
}

impl std::fmt::Debug for SignInForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInForm")
            .field("against", &self.against)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("remember", &self.remember)
            .field("focus", &self.focus)
            .field("error", &self.error)
            .field("busy", &self.busy)
            .finish()
    }
}

/// What a key asks the screen to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Stay,
    SignIn,
    Quit,
}

impl SignInForm {
    pub fn new(against: &str, user: &str) -> SignInForm {
        SignInForm {
            against: against.into(),
            user: LineEditor::with(user),
            password: LineEditor::default(),
            remember: false,
            focus: if user.is_empty() {
                Focus::User
            } else {
                Focus::Password
            },
            error: None,
            busy: false,
        }
    }

    fn next(&mut self, back: bool) {
        self.focus = match (self.focus, back) {
            (Focus::User, false) | (Focus::Remember, true) => Focus::Password,
            (Focus::Password, false) | (Focus::User, true) => Focus::Remember,
            (Focus::Remember, false) | (Focus::Password, true) => Focus::User,
        };
    }

    /// Handles one key.
    pub fn handle(&mut self, key: &KeyEvent) -> Step {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Step::Quit,
            KeyCode::Char('c') if ctrl => return Step::Quit,
            KeyCode::Enter => return Step::SignIn,
            KeyCode::Tab | KeyCode::Down => {
                self.next(false);
                return Step::Stay;
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.next(true);
                return Step::Stay;
            }
            _ => {}
        }
        match self.focus {
            Focus::Remember => {
                if key.code == KeyCode::Char(' ') {
                    self.remember = !self.remember;
                }
            }
            Focus::User => {
                if self.user.handle(key) == Outcome::Edited {
                    self.error = None;
                }
            }
            Focus::Password => {
                if self.password.handle(key) == Outcome::Edited {
                    self.error = None;
                }
            }
        }
        Step::Stay
    }

    /// After a refusal: the reason under the form, the password cleared.
    pub fn refused(&mut self, why: String) {
        self.error = Some(why);
        self.password.clear();
        self.busy = false;
        self.focus = if self.user.value().is_empty() {
            Focus::User
        } else {
            Focus::Password
        };
    }
}

/// The password as bullets, the cursor a reversed cell: never its text.
fn masked(editor: &LineEditor, width: usize, style: Style, focused: bool) -> Vec<Span<'static>> {
    let n = editor.value().chars().count();
    let cursor = editor.cursor().min(n);
    if !focused {
        return vec![Span::styled("•".repeat(n.min(width)), style)];
    }
    let shown = LineEditor::default();
    let mut mask = shown;
    mask.set(&"•".repeat(n));
    // put the mask's cursor where the password's is
    for _ in cursor..n {
        mask.handle(&KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
    }
    mask.spans(width, style)
}

/// Draws the screen.
pub fn draw(frame: &mut Frame, form: &SignInForm, styles: &Styles) {
    let area = frame.area();
    frame.render_widget(Block::default().style(styles.base), area);
    let width = area.width.clamp(20, 64);
    let height = 9u16.min(area.height);
    let [_, middle, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(width),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, rect, below] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height),
        Constraint::Fill(1),
    ])
    .areas(middle);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" zoe: sign in ", styles.title))
        .style(styles.base);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let field_width = usize::from(inner.width.saturating_sub(12)).max(4);
    let label = |text: &str, focused: bool| {
        Span::styled(
            format!("{text:<11}"),
            if focused { styles.accent } else { styles.muted },
        )
    };
    let mut user_line = vec![label("User", form.focus == Focus::User)];
    if form.focus == Focus::User {
        user_line.extend(form.user.spans(field_width, styles.base));
    } else {
        user_line.push(Span::styled(
            crate::model::text::visible(form.user.value()),
            styles.base,
        ));
    }
    let mut password_line = vec![label("Password", form.focus == Focus::Password)];
    password_line.extend(masked(
        &form.password,
        field_width,
        styles.base,
        form.focus == Focus::Password,
    ));
    let check = if form.remember { "[x]" } else { "[ ]" };
    let check_style = if form.focus == Focus::Remember {
        styles.base.add_modifier(Modifier::REVERSED)
    } else {
        styles.base
    };
    let lines = vec![
        Line::from(Span::styled(
            crate::model::text::visible(&form.against),
            styles.muted,
        )),
        Line::default(),
        Line::from(user_line),
        Line::from(password_line),
        Line::from(vec![
            label("", false),
            Span::styled(check, check_style),
            Span::styled(" remember me (in the OS keyring)", styles.base),
        ]),
        Line::default(),
        Line::from(Span::styled(
            "tab next · space remember me · enter sign in · esc quit",
            styles.muted,
        )),
    ];
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        },
    );
    let status = if form.busy {
        Some(Line::from(Span::styled("signing in…", styles.info)))
    } else {
        form.error
            .as_ref()
            .map(|why| Line::from(Span::styled(crate::model::text::visible(why), styles.error)))
    };
    if let Some(status) = status {
        let wide = Rect {
            x: area.x + area.width.saturating_sub(area.width.min(100)) / 2,
            width: area.width.min(100),
            ..below
        };
        frame.render_widget(
            Paragraph::new(status)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            wide,
        );
    }
}

/// Runs the screen until a sign-in succeeds (`sign_in` returns the value to
/// go on with) or the user quits (None). `sign_in(user, password,
/// remember)` says why it refused; `first_error` is shown at first (a
/// remembered sign-in that no longer works).
pub fn run<T>(
    theme: &Theme,
    against: &str,
    user: &str,
    first_error: Option<String>,
    mut sign_in: impl FnMut(&str, &str, bool) -> Result<T, String>,
) -> io::Result<Option<T>> {
    let styles = Styles::from_theme(theme);
    let _guard = super::terminal::TerminalGuard::enter(false)?;
    let mut screen = super::terminal::fresh_screen()?;
    let mut form = SignInForm::new(against, user);
    form.error = first_error;
    loop {
        screen.draw(|frame| draw(frame, &form, &styles))?;
        let Event::Key(key) = event::read()? else {
            continue;
        };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        match form.handle(&key) {
            Step::Stay => {}
            Step::Quit => return Ok(None),
            Step::SignIn => {
                form.busy = true;
                screen.draw(|frame| draw(frame, &form, &styles))?;
                let password = form.password.value().to_string();
                match sign_in(form.user.value(), &password, form.remember) {
                    Ok(value) => return Ok(Some(value)),
                    Err(why) => form.refused(why),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn typed(form: &mut SignInForm, text: &str) {
        for c in text.chars() {
            form.handle(&key(KeyCode::Char(c)));
        }
    }

    fn render(form: &SignInForm, w: u16, h: u16) -> String {
        let theme = crate::config::theme::load_theme("default", None, false).unwrap();
        let styles = Styles::from_theme(&theme);
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| draw(f, form, &styles)).unwrap();
        let buffer = terminal.backend().buffer();
        let mut out = String::new();
        for row in buffer.content().chunks(usize::from(w)) {
            let line: String = row.iter().map(|c| c.symbol()).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    fn snapshot(name: &str, actual: &str) {
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name, actual));
    }

    #[test]
    fn debug_never_shows_the_password() {
        let mut f = SignInForm::new("LDAP ldaps://127.0.0.1:6360/", "ann");
        typed(&mut f, "hunter2");
        assert_eq!(f.password.value(), "hunter2");
        let shown = format!("{f:?} {f:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("ann") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn keys_move_between_fields_toggle_and_submit() {
        let mut f = SignInForm::new("LDAP ldaps://127.0.0.1:6360/", "");
        assert_eq!(f.focus, Focus::User);
        typed(&mut f, "ann");
        f.handle(&key(KeyCode::Tab));
        typed(&mut f, "s3 cret");
        assert_eq!((f.user.value(), f.password.value()), ("ann", "s3 cret"));
        f.handle(&key(KeyCode::Tab));
        assert_eq!(f.focus, Focus::Remember);
        f.handle(&key(KeyCode::Char(' ')));
        assert!(f.remember);
        f.handle(&key(KeyCode::BackTab));
        assert_eq!(f.focus, Focus::Password);
        assert_eq!(f.handle(&key(KeyCode::Enter)), Step::SignIn);
        f.refused("wrong password for `ann`".into());
        assert_eq!(f.password.value(), "", "the password is cleared");
        assert_eq!(f.user.value(), "ann", "the user is kept");
        assert_eq!(f.handle(&key(KeyCode::Esc)), Step::Quit);
        assert_eq!(
            f.handle(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Step::Quit
        );
    }

    #[test]
    fn the_password_is_never_drawn() {
        let mut f = SignInForm::new("the password file /etc/zoe/zoepass.csv", "ann");
        typed(&mut f, "hunter2");
        for (w, h) in [(80, 24), (160, 48), (30, 8)] {
            let screen = render(&f, w, h);
            assert!(
                !screen.contains("hunter2") && !screen.contains("hunter"),
                "{screen}"
            );
            assert!(screen.contains("•••••••"), "{screen}");
        }
        f.handle(&key(KeyCode::Tab));
        assert!(!render(&f, 80, 24).contains("hunter2"));
    }

    #[test]
    fn snapshots() {
        for (w, h) in [(80, 24), (160, 48)] {
            let f = SignInForm::new("LDAP ldaps://ldap.example.com/", "");
            snapshot(&format!("signin-{w}x{h}"), &render(&f, w, h));
            let mut f = SignInForm::new("LDAP ldaps://ldap.example.com/", "ann");
            typed(&mut f, "pw");
            f.refused("wrong password for `ann`".into());
            snapshot(&format!("signin-error-{w}x{h}"), &render(&f, w, h));
        }
    }
}
