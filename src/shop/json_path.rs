//! JSON paths (`services[1].resources.memory.min`) and finding where a path
//! sits in the source text, so every violation can name its line and column.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JsonPath(pub Vec<Seg>);

impl JsonPath {
    pub fn root() -> JsonPath {
        JsonPath(Vec::new())
    }

    pub fn key(&self, key: &str) -> JsonPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        JsonPath(segs)
    }

    pub fn index(&self, index: usize) -> JsonPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        JsonPath(segs)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of the value at `path` in `src`,
/// or of the deepest enclosing value that exists. `None` only when `src` is
/// not JSON at all. Never panics, whatever the input.
pub fn locate(src: &str, path: &JsonPath) -> Option<(usize, usize)> {
    let mut scanner = Scanner {
        src: src.as_bytes(),
        pos: 0,
    };
    scanner.skip_ws();
    if scanner.pos >= scanner.src.len() {
        return None;
    }
    for seg in &path.0 {
        let here = scanner.pos;
        let found = match seg {
            Seg::Key(key) => scanner.enter_key(key),
            Seg::Index(index) => scanner.enter_index(*index),
        };
        if !found {
            scanner.pos = here;
            break;
        }
    }
    Some(line_col(src, scanner.pos))
}

pub use crate::model::text::line_col;

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// At an object: moves to the value of `key` and returns true.
    fn enter_key(&mut self, key: &str) -> bool {
        if self.peek() != Some(b'{') {
            return false;
        }
        self.pos += 1;
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return false;
            }
            let name = self.string();
            self.skip_ws();
            if self.peek() != Some(b':') {
                return false;
            }
            self.pos += 1;
            self.skip_ws();
            if name.as_deref() == Some(key) {
                return true;
            }
            if !self.skip_value() {
                return false;
            }
            self.skip_ws();
            if self.peek() != Some(b',') {
                return false;
            }
            self.pos += 1;
        }
    }

    /// At an array: moves to element `index` and returns true.
    fn enter_index(&mut self, index: usize) -> bool {
        if self.peek() != Some(b'[') {
            return false;
        }
        self.pos += 1;
        for _ in 0..index {
            self.skip_ws();
            if !self.skip_value() {
                return false;
            }
            self.skip_ws();
            if self.peek() != Some(b',') {
                return false;
            }
            self.pos += 1;
        }
        self.skip_ws();
        !matches!(self.peek(), None | Some(b']'))
    }

    /// Reads a string token, decoding escapes; leaves `pos` after it.
    fn string(&mut self) -> Option<String> {
        self.pos += 1; // opening quote
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let escaped = self.peek()?;
                    self.pos += 1;
                    match escaped {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let hex = self.src.get(self.pos..self.pos + 4)?;
                            self.pos += 4;
                            let code =
                                u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                            let ch = char::from_u32(code).unwrap_or('\u{fffd}');
                            out.extend_from_slice(ch.to_string().as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        None
    }

    /// Skips one value of any kind; false if the text ends first.
    fn skip_value(&mut self) -> bool {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return false,
                Some(b'"') => {
                    if self.string().is_none() {
                        return false;
                    }
                    if depth == 0 {
                        return true;
                    }
                }
                Some(b'{' | b'[') => {
                    depth += 1;
                    self.pos += 1;
                }
                Some(b'}' | b']') => {
                    if depth == 0 {
                        return true;
                    }
                    depth -= 1;
                    self.pos += 1;
                    if depth == 0 {
                        return true;
                    }
                }
                Some(b',' | b' ' | b'\t' | b'\n' | b'\r') if depth == 0 => return true,
                Some(_) => self.pos += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(segs: &[&str]) -> JsonPath {
        JsonPath(
            segs.iter()
                .map(|s| match s.parse::<usize>() {
                    Ok(n) => Seg::Index(n),
                    Err(_) => Seg::Key((*s).to_string()),
                })
                .collect(),
        )
    }

    const DOC: &str = "{\n  \"name\": \"x\",\n  \"services\": [\n    {\"a\": 1},\n    {\"image\": \"nginx\", \"resources\": {\"memory\": {\"min\": 12}}}\n  ]\n}\n";

    #[test]
    fn finds_nested_values() {
        assert_eq!(locate(DOC, &p(&["name"])), Some((2, 11)));
        assert_eq!(locate(DOC, &p(&["services", "1", "image"])), Some((5, 15)));
        assert_eq!(
            locate(DOC, &p(&["services", "1", "resources", "memory", "min"])),
            Some((5, 56))
        );
    }

    #[test]
    fn missing_parts_fall_back_to_the_deepest_existing_value() {
        assert_eq!(locate(DOC, &p(&["services", "0", "image"])), Some((4, 5)));
        assert_eq!(locate(DOC, &p(&["services", "7"])), Some((3, 15)));
        assert_eq!(locate(DOC, &p(&[])), Some((1, 1)));
    }

    #[test]
    fn escapes_and_unicode_keys() {
        let doc = "{\"a\\\"b\": [1, \"x,]}\"], \"é\": {\"k\": true}, \"z\": 3}";
        assert_eq!(locate(doc, &p(&["é", "k"])), Some((1, 34)));
        assert_eq!(locate(doc, &p(&["z"])), Some((1, 46)));
        assert_eq!(locate(doc, &p(&["a\"b", "1"])), Some((1, 14)));
    }

    #[test]
    fn never_panics_on_garbage() {
        for doc in [
            "",
            "{",
            "[",
            "{\"a\"",
            "{\"a\":",
            "\"\\u12",
            "{\"a\" 1}",
            "[1,",
            "}}}",
        ] {
            let _ = locate(doc, &p(&["a", "0", "b"]));
            let _ = locate(doc, &p(&["0", "0"]));
        }
    }

    #[test]
    fn paths_display_like_code() {
        assert_eq!(
            p(&["services", "2", "resources", "memory"]).to_string(),
            "services[2].resources.memory"
        );
        assert_eq!(JsonPath::root().to_string(), "(top level)");
    }
}
