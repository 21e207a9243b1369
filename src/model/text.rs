//! Text that came from outside (containers, labels, shop files, settings)
//! made fit for a terminal: control characters and escape sequences are
//! written out visibly instead of being obeyed.

use std::borrow::Cow;

/// Whether `c` would act on a terminal (or, for bidirectional overrides,
/// reorder what is shown) instead of being shown.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` with every control character (C0 but newline and tab, DEL, the
/// 8-bit C1 set such as CSI U+009B) and every bidirectional override
/// written out visibly: ESC becomes `\x1b`, so `ESC[2J` shows as `\x1b[2J`.
/// A carriage return that ends a line (CRLF) is dropped.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && matches!(chars.peek(), None | Some('\n')) {
            continue;
        }
        if is_unsafe(c) {
            let code = u32::from(c);
            if code <= 0xff {
                out.push_str(&format!("\\x{code:02x}"));
            } else {
                out.push_str(&format!("\\u{{{code:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A workload id as tables show it: a long hexadecimal engine id (a
/// container's) cut to its first 12 characters, as `docker ps` does; any
/// other (a pod's name) whole.
pub fn short_id(id: &str) -> String {
    if id.len() >= 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        id.chars().take(12).collect()
    } else {
        id.to_string()
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = src.as_bytes().get(..offset).unwrap_or_default();
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// `n` with its noun in the right number: `1 instance`, `2 instances`,
/// `0 cores`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A number of cores with its noun: `1 core`, `0.5 cores`, `2 cores`
/// (`shown` is the figure as printed).
pub fn cores(shown: &str) -> String {
    let one = shown.parse::<f64>().is_ok_and(|v| v == 1.0);
    format!("{shown} {}", if one { "core" } else { "cores" })
}

/// Standard base64 with padding (RFC 4648): registry credentials, OSC 52.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_ids_are_cut_and_pod_names_kept() {
        let id = "f".repeat(64);
        assert_eq!(short_id(&id), "ffffffffffff");
        assert_eq!(short_id("web0-1abc-prod"), "web0-1abc-prod");
        assert_eq!(short_id("abc"), "abc");
    }

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        let hostile = [
            ("\u{1b}]0;pwned\u{7}", "\\x1b]0;pwned\\x07"),
            ("\u{1b}]2;title\u{1b}\\", "\\x1b]2;title\\x1b\\"),
            (
                "\u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\",
                "\\x1b]8;;http://evil\\x1b\\link\\x1b]8;;\\x1b\\",
            ),
            (
                "\u{1b}]52;c;cm0gLXJmIH4=\u{7}",
                "\\x1b]52;c;cm0gLXJmIH4=\\x07",
            ),
            ("\u{1b}[2J", "\\x1b[2J"),
            ("\u{1b}[?1049h", "\\x1b[?1049h"),
            ("\u{1b}[?1000h", "\\x1b[?1000h"),
            ("\u{1b}[?25l", "\\x1b[?25l"),
            ("\u{9b}31m", "\\x9b31m"),
            ("\u{7}", "\\x07"),
            ("a\u{7f}b\u{0}c", "a\\x7fb\\x00c"),
            ("\u{202e}txt.exe", "\\u{202e}txt.exe"),
            ("over\rwrite", "over\\x0dwrite"),
        ];
        for (input, shown) in hostile {
            let out = visible(input);
            assert_eq!(out, shown, "{input:?}");
            assert!(!out.chars().any(is_unsafe), "{out:?}");
        }
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for text in ["plain", "tabs\tand\nnewlines\n", "é ü 日本 ⏎ —", ""] {
            assert!(matches!(visible(text), Cow::Borrowed(_)), "{text:?}");
        }
        assert_eq!(visible("crlf\r\nend\r"), "crlf\nend");
    }

    #[test]
    fn nouns_agree_with_their_number() {
        assert_eq!(count(1, "instance", "instances"), "1 instance");
        assert_eq!(count(0, "instance", "instances"), "0 instances");
        assert_eq!(count(3, "container", "containers"), "3 containers");
        assert_eq!(cores("1"), "1 core");
        assert_eq!(cores("1.0"), "1.0 core");
        assert_eq!(cores("0.5"), "0.5 cores");
        assert_eq!(cores("2"), "2 cores");
    }
}
