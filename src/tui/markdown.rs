//! README Markdown to styled lines: headings, emphasis, inline code, code
//! blocks, lists (with numbers or bullets), block quotes, links (text, then
//! the address), rules. Wrapping is left to the paragraph that shows them.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::style::Styles;

pub fn render(markdown: &str, styles: &Styles) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut stack: Vec<Style> = vec![Style::default()];
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut in_code = false;
    let mut quote = 0usize;
    let mut link: Option<String> = None;
    let mut cells = 0usize;
    let flush = |lines: &mut Vec<Line<'static>>, current: &mut Vec<Span<'static>>| {
        if !current.is_empty() {
            lines.push(Line::from(std::mem::take(current)));
        }
    };
    let blank = |lines: &mut Vec<Line<'static>>| {
        if lines.last().is_some_and(|l| !l.spans.is_empty()) {
            lines.push(Line::default());
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
                    flush(&mut lines, &mut current);
                    blank(&mut lines);
                    stack.push(styles.title);
                }
                Tag::Paragraph => {
                    if lists.is_empty() {
                        flush(&mut lines, &mut current);
                        blank(&mut lines);
                    }
                    if quote > 0 {
                        current.push(Span::styled("│ ".repeat(quote), styles.muted));
                    }
                }
                Tag::Emphasis => stack.push(style.add_modifier(Modifier::ITALIC)),
                Tag::Strong => stack.push(style.add_modifier(Modifier::BOLD)),
                Tag::Strikethrough => stack.push(style.add_modifier(Modifier::CROSSED_OUT)),
                Tag::CodeBlock(_) => {
                    flush(&mut lines, &mut current);
                    blank(&mut lines);
                    in_code = true;
                }
                Tag::List(start) => {
                    flush(&mut lines, &mut current);
                    if lists.is_empty() {
                        blank(&mut lines);
                    }
                    lists.push(start);
                }
                Tag::Item => {
                    flush(&mut lines, &mut current);
                    let depth = lists.len().saturating_sub(1);
                    let marker = match lists.last_mut() {
                        Some(Some(n)) => {
                            *n += 1;
                            format!("{}. ", *n - 1)
                        }
                        _ => "• ".to_string(),
                    };
                    current.push(Span::styled(
                        format!("{}{marker}", "  ".repeat(depth)),
                        styles.accent,
                    ));
                }
                Tag::BlockQuote(_) => {
                    flush(&mut lines, &mut current);
                    quote += 1;
                }
                Tag::Table(_) => {
                    flush(&mut lines, &mut current);
                    blank(&mut lines);
                }
                Tag::TableHead => {
                    stack.push(styles.accent);
                    cells = 0;
                }
                Tag::TableRow => cells = 0,
                Tag::TableCell => {
                    if cells > 0 {
                        current.push(Span::styled(" │ ", styles.muted));
                    }
                    cells += 1;
                }
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
                    flush(&mut lines, &mut current);
                }
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                    stack.pop();
                }
                TagEnd::CodeBlock => {
                    in_code = false;
                    blank(&mut lines);
                }
                TagEnd::List(_) => {
                    flush(&mut lines, &mut current);
                    lists.pop();
                }
                TagEnd::Item => flush(&mut lines, &mut current),
                TagEnd::BlockQuote(_) => {
                    flush(&mut lines, &mut current);
                    quote = quote.saturating_sub(1);
                }
                TagEnd::TableCell => {}
                TagEnd::TableHead => {
                    stack.pop();
                    flush(&mut lines, &mut current);
                }
                TagEnd::TableRow => flush(&mut lines, &mut current),
                TagEnd::Table => {
                    flush(&mut lines, &mut current);
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
                    lines.push(Line::from(Span::styled(format!("    {raw}"), styles.muted)));
                }
            }
            Event::Text(text) => current.push(Span::styled(text.to_string(), style)),
            Event::Code(code) => current.push(Span::styled(format!("`{code}`"), styles.accent)),
            Event::SoftBreak => current.push(Span::raw(" ")),
            Event::HardBreak => flush(&mut lines, &mut current),
            Event::Rule => {
                flush(&mut lines, &mut current);
                lines.push(Line::from(Span::styled("─".repeat(40), styles.muted)));
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                current.push(Span::styled(html.to_string(), styles.muted))
            }
            _ => {}
        }
    }
    flush(&mut lines, &mut current);
    lines
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
            ["a │ b", "1 │ 2", ""]
        );
        let md = "# Title\n\nSome *words* and `code`,\nsoft broken.\n\n- one\n- two\n  1. nested\n\n```\nline a\nline b\n```\n\n> quoted\n\nSee [the docs](http://x/).\n";
        assert_eq!(
            text(md),
            [
                "Title",
                "",
                "Some words and `code`, soft broken.",
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
}
