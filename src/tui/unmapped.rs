//! What the status line says for a key that does nothing where it was
//! pressed, instead of ignoring it silently.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::Context;

/// A key press as the keymap writes keys: `x`, `R`, `ctrl-x`, `f5`, `enter`.
pub fn label(key: &KeyEvent) -> String {
    let name = match key.code {
        KeyCode::Char(' ') => "space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "enter".into(),
        KeyCode::Esc => "esc".into(),
        KeyCode::Tab => "tab".into(),
        KeyCode::BackTab => "shift-tab".into(),
        KeyCode::Backspace => "backspace".into(),
        KeyCode::Delete => "delete".into(),
        KeyCode::Insert => "insert".into(),
        KeyCode::Up => "up".into(),
        KeyCode::Down => "down".into(),
        KeyCode::Left => "left".into(),
        KeyCode::Right => "right".into(),
        KeyCode::PageUp => "pgup".into(),
        KeyCode::PageDown => "pgdn".into(),
        KeyCode::Home => "home".into(),
        KeyCode::End => "end".into(),
        KeyCode::F(n) => format!("f{n}"),
        other => format!("{other:?}").to_lowercase(),
    };
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        format!("ctrl-{name}")
    } else {
        name
    }
}

/// Where a key was pressed, in words.
fn place(context: Context) -> &'static str {
    match context {
        Context::Global => "here",
        Context::Shop => "the shop view",
        Context::Executions => "the executions view",
        Context::Nodes => "the nodes view",
        Context::Logs => "the logs view",
        Context::Form => "the start form",
        Context::Confirm => "a confirmation",
        Context::Inspect => "the instance list",
        Context::Json => "the JSON pane",
    }
}

/// What the status line says for a key whose action the role may not take
/// (it is left out of the hints and `?`): what and why.
pub fn withheld(command: super::keymap::Command, role: &str) -> Option<String> {
    match command {
        super::keymap::Command::Mine => Some(format!(
            "your role `{role}` sees only your own executions: everybody's needs can_operate_others"
        )),
        _ => None,
    }
}

/// "`x` does nothing in the shop view — `?` lists the keys".
pub fn does_nothing(key: &KeyEvent, context: Context) -> String {
    format!(
        "`{}` does nothing in {} — `?` lists the keys",
        crate::model::text::visible(&label(key)),
        place(context)
    )
}

/// Whether a status line is `does_nothing`'s (tests tell it apart from a
/// key that acted).
pub fn is_does_nothing(text: &str) -> bool {
    text.starts_with('`')
        && text.ends_with(" — `?` lists the keys")
        && text.contains("` does nothing in ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unmapped_key_is_named_with_its_place() {
        let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(
            does_nothing(&x, Context::Shop),
            "`x` does nothing in the shop view — `?` lists the keys"
        );
        let ctrl = KeyEvent::new(KeyCode::Char('e'), KeyModifiers::CONTROL);
        assert_eq!(label(&ctrl), "ctrl-e");
        let f = KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE);
        assert!(
            does_nothing(&f, Context::Inspect).contains("`f5` does nothing in the instance list")
        );
    }
}
