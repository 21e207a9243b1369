//! The one line editor every text prompt uses (the `/` filters, the `:`
//! line, the log search): readline keys, the same everywhere. `ctrl-a` /
//! `home` and `ctrl-e` / `end` go to the start and end, left/right (and
//! `ctrl-b`/`ctrl-f`) move by a character, `alt-b`/`alt-f` (and
//! ctrl-left/right) by a word, `ctrl-u` kills to the start, `ctrl-k` to the
//! end, `ctrl-w` (and alt-backspace) the word before the cursor, `ctrl-y`
//! yanks what was killed, backspace/delete remove a character; enter
//! submits, esc and `ctrl-c` cancel. Keys it has no use for (up, down,
//! tab…) come back as `Ignored` for the prompt to use (history,
//! completion). The editing itself is tui-input's.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui::text::Span;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

/// What a key did to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The text or the cursor changed (or the key was an editing key that
    /// had nothing to do, like backspace at the start).
    Edited,
    /// Enter: the line is done.
    Submit,
    /// Esc or ctrl-c: the prompt is dropped.
    Cancel,
    /// Not an editing key: the prompt may use it.
    Ignored,
}

/// A line being typed, with its cursor.
#[derive(Debug, Clone, Default)]
pub struct LineEditor {
    input: Input,
}

impl PartialEq for LineEditor {
    fn eq(&self, other: &LineEditor) -> bool {
        self.value() == other.value() && self.cursor() == other.cursor()
    }
}

impl LineEditor {
    /// A line holding `text`, the cursor at its end.
    pub fn with(text: &str) -> LineEditor {
        LineEditor {
            input: Input::new(text.to_string()),
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    /// The cursor, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.input.cursor()
    }

    /// Replaces the text; the cursor goes to its end.
    pub fn set(&mut self, text: &str) {
        self.input = Input::new(text.to_string());
    }

    pub fn clear(&mut self) {
        self.input.reset();
    }

    /// Handles one key (see the module doc).
    pub fn handle(&mut self, key: &KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Enter => return Outcome::Submit,
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Char('c') if ctrl => return Outcome::Cancel,
            _ => {}
        }
        // terminals send alt-x as ALT (tui-input only knows META)
        let request = match key.code {
            KeyCode::Char('b') if alt && !ctrl => Some(InputRequest::GoToPrevWord),
            KeyCode::Char('f') if alt && !ctrl => Some(InputRequest::GoToNextWord),
            KeyCode::Char('d') if alt && !ctrl => Some(InputRequest::DeleteNextWord),
            // ctrl-h is what many terminals send for backspace
            KeyCode::Char('h') if ctrl => Some(InputRequest::DeletePrevChar),
            // readline's ctrl-u kills to the start, not the whole line
            KeyCode::Char('u') if ctrl => Some(InputRequest::DeleteFromStart),
            KeyCode::Char(_) if alt && !ctrl => None,
            _ => to_input_request(&Event::Key(*key)),
        };
        match request {
            Some(request) => {
                self.input.handle(request);
                Outcome::Edited
            }
            None => Outcome::Ignored,
        }
    }

    /// The line as spans for `width` columns: the part around the cursor
    /// (scrolled horizontally when the line is longer), the cursor shown as
    /// a reversed cell.
    pub fn spans(&self, width: usize, style: Style) -> Vec<Span<'static>> {
        let width = width.max(2);
        let chars: Vec<char> = self.value().chars().collect();
        let cursor = self.cursor().min(chars.len());
        // keep the cursor in view, with one cell for it at the end
        let start = (cursor + 1).saturating_sub(width);
        let end = (start + width).min(chars.len());
        let before: String = chars[start..cursor].iter().collect();
        let at: String = chars.get(cursor).map_or(" ".to_string(), char::to_string);
        let after: String = if cursor < end {
            chars[cursor + 1..end].iter().collect()
        } else {
            String::new()
        };
        let mut spans = Vec::new();
        if start > 0 {
            spans.push(Span::styled("…", style));
            spans.push(Span::styled(
                before.chars().skip(1).collect::<String>(),
                style,
            ));
        } else {
            spans.push(Span::styled(before, style));
        }
        spans.push(Span::styled(
            at,
            style.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
        spans.push(Span::styled(after, style));
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyEventKind, KeyEventState};

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    fn ctrl(c: char) -> KeyEvent {
        press(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn alt(c: char) -> KeyEvent {
        press(KeyCode::Char(c), KeyModifiers::ALT)
    }

    fn typed(text: &str) -> LineEditor {
        let mut line = LineEditor::default();
        for c in text.chars() {
            assert_eq!(
                line.handle(&press(KeyCode::Char(c), KeyModifiers::NONE)),
                Outcome::Edited
            );
        }
        line
    }

    #[test]
    fn readline_keys_edit_instead_of_typing_letters() {
        let mut line = typed("logs demo web");
        line.handle(&ctrl('w'));
        assert_eq!(line.value(), "logs demo ");
        line.handle(&ctrl('a'));
        assert_eq!(line.cursor(), 0);
        line.handle(&ctrl('e'));
        assert_eq!(line.cursor(), 10);
        line.handle(&press(KeyCode::Home, KeyModifiers::NONE));
        line.handle(&press(KeyCode::Right, KeyModifiers::NONE));
        line.handle(&ctrl('k'));
        assert_eq!(line.value(), "l");
        let mut line = typed("one two three");
        line.handle(&alt('b'));
        assert_eq!(line.cursor(), 8, "alt-b: a word back");
        line.handle(&ctrl('u'));
        assert_eq!((line.value(), line.cursor()), ("three", 0));
        line.handle(&alt('f'));
        assert_eq!(line.cursor(), 5, "alt-f: a word on");
        line.handle(&press(KeyCode::Left, KeyModifiers::NONE));
        line.handle(&press(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(line.value(), "thre");
        line.handle(&ctrl('h'));
        assert_eq!(line.value(), "the");
        // no letter was inserted by any of these
        assert!(!line.value().contains(['a', 'u', 'w', 'k', 'b', 'f']));
    }

    #[test]
    fn enter_submits_esc_and_ctrl_c_cancel_other_keys_are_left_to_the_prompt() {
        let mut line = typed("x");
        assert_eq!(
            line.handle(&press(KeyCode::Enter, KeyModifiers::NONE)),
            Outcome::Submit
        );
        assert_eq!(
            line.handle(&press(KeyCode::Esc, KeyModifiers::NONE)),
            Outcome::Cancel
        );
        assert_eq!(line.handle(&ctrl('c')), Outcome::Cancel);
        for code in [KeyCode::Up, KeyCode::Down, KeyCode::Tab, KeyCode::BackTab] {
            assert_eq!(
                line.handle(&press(code, KeyModifiers::NONE)),
                Outcome::Ignored
            );
        }
        assert_eq!(line.handle(&alt('x')), Outcome::Ignored);
        assert_eq!(line.value(), "x");
    }

    #[test]
    fn a_long_line_scrolls_to_keep_the_cursor_in_view() {
        let line = typed("abcdefghijklmnopqrstuvwxyz");
        let text: String = line
            .spans(10, Style::default())
            .iter()
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(text, "…stuvwxyz ", "the end and the cursor after it");
        let mut line = line;
        line.handle(&ctrl('a'));
        let spans = line.spans(10, Style::default());
        let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "abcdefghij");
        assert_eq!(spans[1].content, "a", "the cursor on the first character");
    }
}
