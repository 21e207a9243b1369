//! README Markdown to styled lines: headings, emphasis, inline code
//! (styled, without its backticks), code blocks, lists (with numbers or
//! bullets), block quotes, links (text, then the address), rules, and
//! tables with aligned columns. `render_wrapped` also wraps the lines at a
//! width, a list item's lines indented under its text (not under its
//! bullet); tables and code are not wrapped.

use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::style::Styles;

/// A rendered line and how its wrapped continuation is indented (`None`:
/// never wrapped).
type Block = (Line<'static>, Option<usize>);

/// The lines, unwrapped.
pub fn render(markdown: &str, styles: &Styles) -> Vec<Line<'static>> {
    blocks(markdown, styles)
        .into_iter()
        .map(|(l, _)| l)
        .collect()
}

/// The lines wrapped at `width` columns.
pub fn render_wrapped(markdown: &str, styles: &Styles, width: usize) -> Vec<Line<'static>> {
    blocks(markdown, styles)
        .into_iter()
        .flat_map(|(line, indent)| match indent {
            Some(indent) => wrap(line, indent, width),
            None => vec![line],
        })
        .collect()
}

/// A table being read: its alignments and rows of cells (the first row the
/// head).
#[derive(Default)]
struct Table {
    alignments: Vec<Alignment>,
    rows: Vec<Vec<Vec<Span<'static>>>>,
    row: Vec<Vec<Span<'static>>>,
    head: bool,
}

fn blocks(markdown: &str, styles: &Styles) -> Vec<Block> {
    let mut lines: Vec<Block> = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    // the hanging indent of the line being built
    let mut indent = 0usize;
    let mut stack: Vec<Style> = vec![Style::default()];
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut in_code = false;
    let mut quote = 0usize;
    let mut link: Option<String> = None;
    let mut table: Option<Table> = None;
    let flush = |lines: &mut Vec<Block>, current: &mut Vec<Span<'static>>, indent: usize| {
        if !current.is_empty() {
            lines.push((Line::from(std::mem::take(current)), Some(indent)));
        }
    };
    let blank = |lines: &mut Vec<Block>| {
        if lines.last().is_some_and(|(l, _)| !l.spans.is_empty()) {
            lines.push((Line::default(), None));
        }
    };
    for event in Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    ) {
        let style = stack.last().copied().unwrap_or_default();
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading { .. } => {
                    flush(&mut lines, &mut current, indent);
                    blank(&mut lines);
                    indent = 0;
                    stack.push(styles.title);
                }
                Tag::Paragraph => {
                    if lists.is_empty() {
                        flush(&mut lines, &mut current, indent);
                        blank(&mut lines);
                        indent = 0;
                    }
                    if quote > 0 {
                        current.push(Span::styled("│ ".repeat(quote), styles.muted));
                        indent = 2 * quote;
                    }
                }
                Tag::Emphasis => stack.push(style.add_modifier(Modifier::ITALIC)),
                Tag::Strong => stack.push(style.add_modifier(Modifier::BOLD)),
                Tag::Strikethrough => stack.push(style.add_modifier(Modifier::CROSSED_OUT)),
                Tag::CodeBlock(_) => {
                    flush(&mut lines, &mut current, indent);
                    blank(&mut lines);
                    in_code = true;
                }
                Tag::List(start) => {
                    flush(&mut lines, &mut current, indent);
                    if lists.is_empty() {
                        blank(&mut lines);
                    }
                    lists.push(start);
                }
                Tag::Item => {
                    flush(&mut lines, &mut current, indent);
                    let depth = lists.len().saturating_sub(1);
                    let marker = match lists.last_mut() {
                        Some(Some(n)) => {
                            *n += 1;
                            format!("{}. ", *n - 1)
                        }
                        _ => "• ".to_string(),
                    };
                    let lead = format!("{}{marker}", "  ".repeat(depth));
                    indent = lead.chars().count();
                    current.push(Span::styled(lead, styles.accent));
                }
                Tag::BlockQuote(_) => {
                    flush(&mut lines, &mut current, indent);
                    quote += 1;
                }
                Tag::Table(alignments) => {
                    flush(&mut lines, &mut current, indent);
                    blank(&mut lines);
                    table = Some(Table {
                        alignments,
                        ..Table::default()
                    });
                }
                Tag::TableHead => {
                    stack.push(styles.accent);
                    if let Some(t) = table.as_mut() {
                        t.head = true;
                    }
                }
                Tag::TableRow | Tag::TableCell => current.clear(),
                Tag::Link { dest_url, .. } => {
                    link = Some(dest_url.to_string());
                    stack.push(styles.highlight.add_modifier(Modifier::UNDERLINED));
                }
                _ => stack.push(style),
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(_) | TagEnd::Paragraph => {
                    if matches!(tag, TagEnd::Heading(_)) {
                        stack.pop();
                    }
                    flush(&mut lines, &mut current, indent);
                }
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                    stack.pop();
                }
                TagEnd::CodeBlock => {
                    in_code = false;
                    blank(&mut lines);
                }
                TagEnd::List(_) => {
                    flush(&mut lines, &mut current, indent);
                    lists.pop();
                }
                TagEnd::Item => flush(&mut lines, &mut current, indent),
                TagEnd::BlockQuote(_) => {
                    flush(&mut lines, &mut current, indent);
                    quote = quote.saturating_sub(1);
                }
                TagEnd::TableCell => {
                    if let Some(t) = table.as_mut() {
                        t.row.push(std::mem::take(&mut current));
                    }
                }
                TagEnd::TableHead | TagEnd::TableRow => {
                    if matches!(tag, TagEnd::TableHead) {
                        stack.pop();
                    }
                    if let Some(t) = table.as_mut() {
                        let row = std::mem::take(&mut t.row);
                        t.rows.push(row);
                    }
                }
                TagEnd::Table => {
                    if let Some(t) = table.take() {
                        lines.extend(table_lines(&t, styles).into_iter().map(|l| (l, None)));
                    }
                    blank(&mut lines);
                }
                TagEnd::Link => {
                    stack.pop();
                    if let Some(url) = link.take() {
                        current.push(Span::styled(format!(" ({url})"), styles.muted));
                    }
                }
                _ => {
                    stack.pop();
                }
            },
            Event::Text(text) if in_code => {
                for raw in text.lines() {
                    lines.push((
                        Line::from(Span::styled(format!("    {raw}"), styles.muted)),
                        None,
                    ));
                }
            }
            Event::Text(text) => current.push(Span::styled(text.to_string(), style)),
            Event::Code(code) => current.push(Span::styled(
                code.to_string(),
                styles.accent.add_modifier(Modifier::BOLD),
            )),
            Event::SoftBreak => current.push(Span::raw(" ")),
            Event::HardBreak => flush(&mut lines, &mut current, indent),
            Event::Rule => {
                flush(&mut lines, &mut current, indent);
                lines.push((Line::from(Span::styled("─".repeat(40), styles.muted)), None));
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                current.push(Span::styled(html.to_string(), styles.muted))
            }
            _ => {}
        }
    }
    flush(&mut lines, &mut current, indent);
    lines
}

fn width_of(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| s.content.chars().count()).sum()
}

/// A table's lines: each column as wide as its widest cell, aligned as the
/// table says, `│` between columns and a rule under the head.
fn table_lines(table: &Table, styles: &Styles) -> Vec<Line<'static>> {
    let columns = table.rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            table
                .rows
                .iter()
                .filter_map(|r| r.get(c))
                .map(|cell| width_of(cell))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let mut spans: Vec<Span<'static>> = Vec::new();
        for (c, width) in widths.iter().enumerate() {
            if c > 0 {
                spans.push(Span::styled(" │ ", styles.muted));
            }
            let cell = row.get(c).cloned().unwrap_or_default();
            let room = width - width_of(&cell).min(*width);
            let (left, right) = match table.alignments.get(c) {
                Some(Alignment::Right) => (room, 0),
                Some(Alignment::Center) => (room / 2, room - room / 2),
                _ => (0, room),
            };
            if left > 0 {
                spans.push(Span::raw(" ".repeat(left)));
            }
            spans.extend(cell);
            // the last column is not padded out
            if right > 0 && c + 1 < widths.len() {
                spans.push(Span::raw(" ".repeat(right)));
            }
        }
        out.push(Line::from(spans));
        if i == 0 && table.head {
            let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
            out.push(Line::from(Span::styled(rule.join("─┼─"), styles.muted)));
        }
    }
    out
}

/// `line` cut into lines of at most `width` columns at spaces (a word
/// longer than a line is cut), each continuation starting `indent` columns
/// in.
pub fn wrap(line: Line<'static>, indent: usize, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let indent = if indent * 2 > width { 0 } else { indent };
    if width_of(&line.spans) <= width {
        return vec![line];
    }
    // pieces: runs of spaces or of other characters, with their style
    let mut pieces: Vec<(String, Style, bool)> = Vec::new();
    for span in &line.spans {
        let mut word = String::new();
        let mut spaces = false;
        for c in span.content.chars() {
            let is_space = c == ' ';
            if !word.is_empty() && is_space != spaces {
                pieces.push((std::mem::take(&mut word), span.style, spaces));
            }
            spaces = is_space;
            word.push(c);
        }
        if !word.is_empty() {
            pieces.push((word, span.style, spaces));
        }
    }
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    // whether the line being filled has a word yet
    let mut worded = false;
    let break_line = |out: &mut Vec<Line<'static>>, spans: &mut Vec<Span<'static>>| {
        // the spaces before a break are not drawn
        while spans.last().is_some_and(|s| s.content.trim().is_empty()) {
            spans.pop();
        }
        out.push(Line::from(std::mem::take(spans)));
        if indent > 0 {
            spans.push(Span::raw(" ".repeat(indent)));
        }
        indent
    };
    for (text, style, space) in pieces {
        let n = text.chars().count();
        if space {
            // spaces where a line was broken are dropped
            if (!worded && !out.is_empty()) || used + n > width {
                continue;
            }
            spans.push(Span::styled(text, style));
            used += n;
            continue;
        }
        // (a word no line could hold is cut where it is)
        if worded && used + n > width && n <= width - indent {
            used = break_line(&mut out, &mut spans);
        }
        // a word longer than a whole line is cut
        let mut rest: Vec<char> = text.chars().collect();
        while used + rest.len() > width {
            let room = width.saturating_sub(used);
            if room > 0 {
                let head: String = rest.drain(..room).collect();
                spans.push(Span::styled(head, style));
            }
            used = break_line(&mut out, &mut spans);
        }
        used += rest.len();
        spans.push(Span::styled(rest.into_iter().collect::<String>(), style));
        worded = true;
    }
    if worded {
        out.push(Line::from(spans));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::theme::load_theme;

    fn text(md: &str) -> Vec<String> {
        let styles = Styles::from_theme(&load_theme("default", None, false).unwrap());
        render(md, &styles)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn markdown_becomes_readable_lines() {
        assert_eq!(
            text("| a | b |\n|---|---|\n| 1 | 2 |\n"),
            ["a │ b", "──┼──", "1 │ 2", ""]
        );
        let md = "# Title\n\nSome *words* and `code`,\nsoft broken.\n\n- one\n- two\n  1. nested\n\n```\nline a\nline b\n```\n\n> quoted\n\nSee [the docs](http://x/).\n";
        assert_eq!(
            text(md),
            [
                "Title",
                "",
                "Some words and code, soft broken.",
                "",
                "• one",
                "• two",
                "  1. nested",
                "",
                "    line a",
                "    line b",
                "",
                "│ quoted",
                "",
                "See the docs (http://x/).",
            ]
        );
    }

    #[test]
    fn every_sample_readme_renders() {
        let shop = crate::console::catalog::load_shop(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shop"),
            &crate::console::catalog::Limits::default(),
        );
        for e in &shop.entries {
            assert!(text(e.readme.as_deref().unwrap()).len() > 5, "{}", e.id);
        }
    }

    fn wrapped(md: &str, width: usize) -> Vec<String> {
        let styles = Styles::from_theme(&load_theme("default", None, false).unwrap());
        render_wrapped(md, &styles, width)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn tables_are_aligned_columns() {
        let md = "| Service | Cores | Memory |\n|:--|--:|:-:|\n| master | 1 | 512 MiB |\n| worker-long-name | 0.5 | 1 GiB |\n";
        assert_eq!(
            text(md),
            [
                "Service          │ Cores │ Memory",
                "─────────────────┼───────┼────────",
                "master           │     1 │ 512 MiB",
                "worker-long-name │   0.5 │  1 GiB",
                "",
            ]
        );
        // a table is never wrapped (its columns would fall apart)
        assert_eq!(wrapped(md, 20)[2], "master           │     1 │ 512 MiB");
    }

    #[test]
    fn inline_code_is_styled_without_its_backticks() {
        let styles = Styles::from_theme(&load_theme("default", None, false).unwrap());
        let lines = render("Run `zoe nodes` now.", &styles);
        let code = lines[0]
            .spans
            .iter()
            .find(|s| s.content == "zoe nodes")
            .expect("the code on its own");
        assert_eq!(code.style, styles.accent.add_modifier(Modifier::BOLD));
        assert!(!lines[0].spans.iter().any(|s| s.content.contains('`')));
    }

    #[test]
    fn wrapped_bullets_are_indented_under_their_text() {
        let md = "- one two three four five six seven\n  1. alpha beta gamma delta epsilon\n\nplain words that wrap at the left edge\n";
        assert_eq!(
            wrapped(md, 16),
            [
                "• one two three",
                "  four five six",
                "  seven",
                "  1. alpha beta",
                "     gamma delta",
                "     epsilon",
                "",
                "plain words that",
                "wrap at the left",
                "edge",
            ]
        );
        // a word longer than the line is cut, never lost
        assert_eq!(
            wrapped("- abcdefghijklmnopqrstuvwxyz", 10),
            ["• abcdefgh", "  ijklmnop", "  qrstuvwx", "  yz"]
        );
    }
}
