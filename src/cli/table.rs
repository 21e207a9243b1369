//! Aligned plain-text tables for the CLI.

pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Columns separated by two spaces, padded to the widest cell; no
    /// trailing spaces. Newlines inside a cell are shown as `⏎`, and
    /// control characters visibly (cells hold names and labels: hostile
    /// text that must not act on a terminal, piped or not).
    pub fn render(&self) -> String {
        let clean = |s: &str| super::term::visible(&s.replace('\n', "⏎")).into_owned();
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(clean(cell).chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = clean(row.get(i).map(String::as_str).unwrap_or(""));
                line.push_str(&cell);
                if i + 1 < columns {
                    line.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_lines_have_no_trailing_space() {
        let mut t = Table::new(&["ID", "NAME"]);
        t.row(vec!["spark-0".into(), "Spark".into()]);
        t.row(vec!["a".into(), "".into()]);
        t.row(vec!["é".into(), "two\nlines".into()]);
        t.row(vec!["\u{1b}[2J".into(), "x".into()]);
        assert_eq!(
            t.render(),
            "ID       NAME\nspark-0  Spark\na\né        two⏎lines\n\\x1b[2J  x\n"
        );
    }
}
