//! Clicks, with the mouse on (`m`): a click on a tab of the header
//! switches view, a click on a row of a list (shop, executions, nodes)
//! selects it; with the inspect pane open the pane follows. Where the tabs
//! and rows were drawn is noted while drawing (`Hits`), so a click is
//! mapped by the same geometry the user saw.

use ratatui::layout::{Position, Rect};

use super::app::{App, Mode, View};

/// Where the last frame drew what can be clicked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hits {
    /// The header's view tabs.
    pub tabs: Vec<(Rect, View)>,
    /// The rows of the list of the view shown.
    pub rows: Option<Rows>,
}

/// A list's rows on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub view: View,
    /// The area of the rows (below the column names, inside the border).
    pub area: Rect,
    /// The first row shown (the table's scroll).
    pub offset: usize,
    /// The item each table row stands for (`None`: a heading); empty when
    /// row `i` is item `i`.
    pub items: Vec<Option<usize>>,
}

impl Rows {
    /// The item under `(column, row)`.
    pub fn item_at(&self, column: u16, row: u16) -> Option<usize> {
        if !self.area.contains(Position::new(column, row)) {
            return None;
        }
        let table_row = self.offset + usize::from(row - self.area.y);
        if self.items.is_empty() {
            Some(table_row)
        } else {
            self.items.get(table_row).copied().flatten()
        }
    }
}

/// The rows area of a bordered table with a header row drawn in `area`.
pub fn table_rows(area: Rect) -> Rect {
    let inner = area.inner(ratatui::layout::Margin::new(1, 1));
    Rect {
        y: inner.y.saturating_add(1),
        height: inner.height.saturating_sub(1),
        ..inner
    }
}

/// A left click at `(column, row)`: whether it changed anything.
pub fn click(app: &mut App, column: u16, row: u16) -> bool {
    // with the mouse off the terminal sends no clicks; a report that comes
    // anyway (typed, a confused terminal) is not acted on
    if app.mode != Mode::Normal || !app.mouse {
        return false;
    }
    let hits = app.hits.borrow().clone();
    let at = Position::new(column, row);
    if let Some((_, view)) = hits.tabs.iter().find(|(r, _)| r.contains(at)) {
        if app.view != *view {
            app.shop.detail = false;
            app.view = *view;
            return true;
        }
        return false;
    }
    let Some(rows) = hits.rows.filter(|r| r.view == app.view) else {
        return false;
    };
    let Some(item) = rows.item_at(column, row) else {
        return false;
    };
    match app.view {
        View::Shop if !app.shop.detail && item < app.visible_entries().len() => {
            app.shop.selected = item;
        }
        View::Executions if item < app.visible_executions().len() => {
            app.executions.selected = item;
        }
        View::Nodes if item < app.data.nodes.len() => app.nodes.selected = item,
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_found_under_the_pointer_with_the_scroll_and_headings() {
        let rows = Rows {
            view: View::Nodes,
            area: table_rows(Rect::new(0, 1, 80, 10)),
            offset: 0,
            items: vec![None, Some(0), Some(1), None, Some(2)],
        };
        assert_eq!(rows.area, Rect::new(1, 3, 78, 7));
        assert_eq!(rows.item_at(5, 3), None, "a heading");
        assert_eq!(rows.item_at(5, 4), Some(0));
        assert_eq!(rows.item_at(5, 7), Some(2));
        assert_eq!(rows.item_at(0, 4), None, "the border");
        assert_eq!(rows.item_at(5, 2), None, "the column names");
        let scrolled = Rows {
            offset: 5,
            items: Vec::new(),
            ..rows
        };
        assert_eq!(scrolled.item_at(5, 3), Some(5));
    }
}
