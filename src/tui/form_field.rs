//! One field of the start form: its text with a cursor, how keys edit it
//! and how it is shown in a width too small for it.
//!
//! Editing follows the dialog boxes people know:
//! * a field that gets the focus is *fresh*: its whole value is selected,
//!   and the first character typed replaces it (type `4` into a count
//!   showing `2` and it reads `4`); backspace or delete clear it; a move
//!   (left/right, home/end, ctrl-a/ctrl-e) keeps the value and starts
//!   editing it where the cursor goes;
//! * `+`/`-` step a number (or go through a field's choices) while it is
//!   not being typed into, that is while it is fresh; once typing began,
//!   and in an empty field, they type themselves (a minus sign);
//! * readline keys edit: ctrl-u deletes to the start, ctrl-k to the end,
//!   ctrl-w the word before the cursor, ctrl-a/ctrl-e go to either end;
//! * a value longer than its room scrolls sideways with the cursor, which
//!   stays visible; `…` marks text cut off on either side.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::backend::crossterm::EventHandler;
use tui_input::{Input, InputRequest};

use crate::console::catalog::Field;

#[derive(Debug, Clone)]
pub struct FormField {
    pub field: Field,
    pub label: String,
    /// The text being edited, with its cursor.
    pub input: Input,
    /// Bounds and step of an int parameter: `+`/`-` step it.
    pub int: Option<(i64, i64, i64)>,
    /// The values `+`/`-` go through (the target: `any`, then each
    /// target's name).
    pub choices: Vec<String>,
    pub error: Option<String>,
    /// Something to know about the value that is no error (it was
    /// clamped).
    pub note: Option<String>,
    /// Selected as a whole: the next character typed replaces it.
    pub fresh: bool,
    /// The first character shown when the value is wider than its room.
    pub scroll: usize,
}

impl PartialEq for FormField {
    fn eq(&self, other: &FormField) -> bool {
        self.field == other.field
            && self.label == other.label
            && self.value() == other.value()
            && self.int == other.int
            && self.error == other.error
            && self.note == other.note
    }
}

/// What a key did to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edited {
    /// The value changed (the form checks it again).
    Value,
    /// Only the cursor or the selection moved.
    Cursor,
    /// The key means nothing in a field.
    Nothing,
}

impl FormField {
    pub fn new(field: Field, label: String, value: String, int: Option<(i64, i64, i64)>) -> Self {
        FormField {
            field,
            label,
            input: Input::new(value),
            int,
            choices: Vec::new(),
            error: None,
            note: None,
            fresh: true,
            scroll: 0,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    /// A new value, selected as a whole (a step, a choice, a relaunch).
    pub fn set_value(&mut self, value: String) {
        self.input = Input::new(value);
        self.fresh = true;
    }

    /// Whether `+`/`-` step this field now: it has steps or choices, and
    /// is not being typed into.
    pub fn steps(&self) -> bool {
        (self.int.is_some() || !self.choices.is_empty()) && self.fresh && !self.value().is_empty()
    }

    /// The focus comes to this field: its value is selected, and shown
    /// from its start.
    pub fn focus(&mut self) {
        self.fresh = true;
        self.input = Input::new(self.value().to_string());
        self.scroll = 0;
    }

    /// Applies a key that is no command of the form.
    pub fn edit(&mut self, key: KeyEvent) -> Edited {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let typed = match key.code {
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => Some(c),
            _ => None,
        };
        if self.fresh {
            self.fresh = false;
            match key.code {
                _ if typed.is_some() => self.input = Input::default(),
                KeyCode::Backspace | KeyCode::Delete => {
                    let had = !self.value().is_empty();
                    self.input = Input::default();
                    return if had { Edited::Value } else { Edited::Cursor };
                }
                // a move from the selection starts at the end, as the
                // cursor is there
                _ => {}
            }
        }
        // readline's ctrl-u: what is before the cursor (tui-input would
        // delete the whole line)
        if ctrl && key.code == KeyCode::Char('u') {
            let chars: Vec<char> = self.value().chars().collect();
            let at = self.input.cursor().min(chars.len());
            if at == 0 {
                return Edited::Nothing;
            }
            let rest: String = chars[at..].iter().collect();
            self.input = Input::new(rest).with_cursor(0);
            return Edited::Value;
        }
        if let Some(c) = typed {
            // tui-input types plain and shifted characters only
            return match self.input.handle(InputRequest::InsertChar(c)) {
                Some(_) => Edited::Value,
                None => Edited::Nothing,
            };
        }
        match self.input.handle_event(&Event::Key(key)) {
            Some(changed) if changed.value => Edited::Value,
            Some(_) => Edited::Cursor,
            None => Edited::Nothing,
        }
    }

    /// The value as shown in `width` columns: the text, where the cursor
    /// is in it (in columns), and whether text is cut off before and after.
    /// A field without the focus is shown from its start. With the focus,
    /// the scroll offset moves only as far as needed to keep the cursor in
    /// view (readline's way), so moving inside a long value does not make
    /// it jump; a column is kept for the cursor past the end.
    pub fn window(&mut self, width: usize, focused: bool) -> Window {
        let shown: Vec<(String, usize)> = self
            .value()
            .chars()
            .map(|c| {
                let text = crate::model::text::visible(&c.to_string()).into_owned();
                let w = ratatui::text::Span::raw(text.as_str()).width();
                (text, w)
            })
            .collect();
        let width = width.max(2);
        let len = shown.len();
        let cursor = if focused {
            self.input.cursor().min(len)
        } else {
            0
        };
        let at_end = focused && cursor == len;
        let sum = |from: usize, to: usize| shown[from..to].iter().map(|(_, w)| w).sum::<usize>();
        if !focused {
            self.scroll = 0;
        }
        let before = |scroll: usize| usize::from(scroll > 0);
        self.scroll = self.scroll.min(cursor);
        // the cursor's cell and everything from the scroll to it fit, with
        // a column left for `…` after it
        let cursor_width = shown.get(cursor).map_or(1, |(_, w)| *w);
        while self.scroll < cursor
            && before(self.scroll) + sum(self.scroll, cursor) + cursor_width + 1 > width
        {
            self.scroll += 1;
        }
        // no room left unused on the right while text is cut on the left
        // (keeping the cursor's column past the end, so a move left does
        // not scroll)
        while self.scroll > 0
            && before(self.scroll - 1) + sum(self.scroll - 1, len) + usize::from(focused) <= width
        {
            self.scroll -= 1;
        }
        let cut_before = self.scroll > 0;
        let mut text = String::new();
        let mut used = before(self.scroll);
        let mut cursor_column = used;
        let mut cut_after = false;
        for (i, (piece, w)) in shown.iter().enumerate().skip(self.scroll) {
            // the last column is for `…`, or the cursor past the end
            let limit = if i + 1 == len && !at_end {
                width
            } else {
                width - 1
            };
            if used + w > limit {
                cut_after = true;
                break;
            }
            if i == cursor {
                cursor_column = used;
            }
            text.push_str(piece);
            used += w;
        }
        if at_end {
            cursor_column = used;
        }
        Window {
            text,
            cursor: cursor_column,
            cut_before,
            cut_after,
        }
    }
}

/// A field's value as it fits in its room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The characters shown (after the `…` of `cut_before`).
    pub text: String,
    /// The cursor's column from the start of the room.
    pub cursor: usize,
    pub cut_before: bool,
    pub cut_after: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyEventKind, KeyEventState};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: KeyModifiers::NONE,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent {
            modifiers: KeyModifiers::CONTROL,
            ..key(KeyCode::Char(c))
        }
    }

    fn field(value: &str) -> FormField {
        FormField::new(Field::ExecutionName, "Name".into(), value.into(), None)
    }

    fn count(value: &str) -> FormField {
        FormField::new(
            Field::Parameter("n-service_count".into()),
            "Count".into(),
            value.into(),
            Some((-5, 8, 1)),
        )
    }

    #[test]
    fn typing_into_a_fresh_field_replaces_its_value() {
        let mut f = count("2");
        assert!(f.fresh && f.steps(), "a field just focused steps with +/-");
        assert_eq!(f.edit(key(KeyCode::Char('4'))), Edited::Value);
        assert_eq!(f.value(), "4", "the default is replaced, not appended to");
        f.edit(key(KeyCode::Char('2')));
        assert_eq!(f.value(), "42", "then typing goes on");
        assert!(!f.steps(), "typing began: +/- are characters now");
        // focus again: fresh again
        f.focus();
        assert!(f.steps());
    }

    #[test]
    fn a_move_keeps_the_value_and_backspace_clears_a_fresh_one() {
        let mut f = field("web-hello");
        assert_eq!(f.edit(key(KeyCode::Home)), Edited::Cursor);
        f.edit(key(KeyCode::Char('x')));
        assert_eq!(f.value(), "xweb-hello", "a move first: the value stays");
        let mut f = field("web-hello");
        assert_eq!(f.edit(key(KeyCode::Backspace)), Edited::Value);
        assert_eq!(f.value(), "");
        f.edit(key(KeyCode::Char('a')));
        assert_eq!(f.value(), "a", "an empty field is typed fresh");
    }

    #[test]
    fn minus_types_a_sign_once_typing_began_or_in_an_empty_field() {
        // typing began: `-` is a character (the form does not step)
        let mut f = count("2");
        f.edit(key(KeyCode::End));
        assert!(!f.steps());
        f.edit(key(KeyCode::Home));
        f.edit(key(KeyCode::Char('-')));
        assert_eq!(f.value(), "-2");
        // an empty field types a sign
        let mut f = count("2");
        f.edit(key(KeyCode::Backspace));
        assert!(!f.steps(), "nothing to step from");
        f.edit(key(KeyCode::Char('-')));
        f.edit(key(KeyCode::Char('3')));
        assert_eq!(f.value(), "-3");
        // an empty field that was never typed into does too
        let f = count("");
        assert!(!f.steps());
    }

    #[test]
    fn readline_keys_edit_the_field() {
        let mut f = field("spark submit --master local");
        f.edit(key(KeyCode::End));
        assert_eq!(f.edit(ctrl('w')), Edited::Value);
        assert_eq!(f.value(), "spark submit --master ");
        f.edit(ctrl('a'));
        assert_eq!(f.input.cursor(), 0);
        f.edit(ctrl('e'));
        for _ in 0..9 {
            f.edit(key(KeyCode::Left));
        }
        // ctrl-u: to the start only, as in readline
        f.edit(ctrl('u'));
        assert_eq!(f.value(), "--master ");
        assert_eq!(f.input.cursor(), 0);
        f.edit(ctrl('k'));
        assert_eq!(f.value(), "");
        // control keys never type their letter
        f.edit(ctrl('x'));
        assert_eq!(f.value(), "");
    }

    #[test]
    fn a_long_value_scrolls_with_a_visible_cursor() {
        let long: String = ('a'..='z').collect();
        let mut f = field(&long);
        // without the focus: shown from its start, the end cut off
        let w = f.window(10, false);
        assert_eq!(w.text, "abcdefghi");
        assert!(!w.cut_before && w.cut_after);
        // with it, the cursor at the end: the last characters, the cursor
        // in the last column
        f.edit(key(KeyCode::End));
        let w = f.window(10, true);
        assert!(w.cut_before && !w.cut_after, "{w:?}");
        assert_eq!(w.text, "stuvwxyz");
        assert_eq!(w.cursor, 9, "the cursor is in the room's last column");
        // moving left inside the window does not scroll
        let scroll = f.scroll;
        f.edit(key(KeyCode::Left));
        f.edit(key(KeyCode::Left));
        let w = f.window(10, true);
        assert_eq!(f.scroll, scroll, "no jump while the cursor is in view");
        // the cursor is on `y`: one `…` column, then the text
        assert_eq!(w.text.chars().nth(w.cursor - 1), Some('y'));
        // further left: scrolls just enough
        for _ in 0..10 {
            f.edit(key(KeyCode::Left));
        }
        let w = f.window(10, true);
        assert_eq!(w.text.chars().nth(w.cursor - 1), Some('o'), "{w:?}");
        assert!(w.cut_before && w.cut_after);
        // home: back to the start
        f.edit(key(KeyCode::Home));
        let w = f.window(10, true);
        assert_eq!((f.scroll, w.cursor), (0, 0));
        assert!(w.text.starts_with('a'));
        // short values are shown whole
        let mut f = field("abc");
        f.edit(key(KeyCode::End));
        let w = f.window(10, true);
        assert_eq!(
            (w.text.as_str(), w.cursor, w.cut_before, w.cut_after),
            ("abc", 3, false, false)
        );
        // control characters are shown visibly, never obeyed
        let mut f = field("a\u{1b}[2Jb");
        let w = f.window(40, false);
        assert!(!w.text.contains('\u{1b}'), "{w:?}");
    }

    #[test]
    fn the_cursor_is_always_inside_the_room() {
        let long = "x".repeat(50);
        let mut f = field(&long);
        f.edit(key(KeyCode::End));
        for width in 3..20 {
            for _ in 0..50 {
                let w = f.window(width, true);
                let shown = ratatui::text::Span::raw(w.text.as_str()).width()
                    + usize::from(w.cut_before)
                    + usize::from(w.cut_after);
                assert!(w.cursor < width, "{width} {w:?}");
                assert!(shown <= width, "{width} {w:?}");
                if !w.cut_before {
                    assert_eq!(f.scroll, 0);
                }
                f.edit(key(KeyCode::Left));
            }
            f.edit(key(KeyCode::End));
        }
    }
}
