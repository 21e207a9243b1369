//! Colour themes: TOML files of semantic roles (`themes/*.toml`), each
//! optionally inheriting from another. The shipped themes are built in;
//! files in `~/.config/zoe/themes/` add to or replace them. `NO_COLOR`
//! always selects `mono`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::model::text::line_col;

/// The roles every theme resolves, in display order.
pub const ROLES: &[&str] = &[
    "fg",
    "bg",
    "muted",
    "accent",
    "highlight",
    "selection_fg",
    "selection_bg",
    "success",
    "warning",
    "error",
    "info",
];

const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// The terminal's own colour.
    Reset,
    /// One of the 16 named terminal colours, by index (black = 0 … white = 15).
    Indexed(u8),
    Rgb(u8, u8, u8),
}

const NAMES: &[&str] = &[
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "gray",
    "darkgray",
    "lightred",
    "lightgreen",
    "lightyellow",
    "lightblue",
    "lightmagenta",
    "lightcyan",
    "white",
];

impl Color {
    pub fn parse(text: &str) -> Result<Color, String> {
        let lower = text.trim().to_lowercase();
        if lower == "reset" || lower == "default" {
            return Ok(Color::Reset);
        }
        if let Some(i) = NAMES.iter().position(|n| *n == lower) {
            return Ok(Color::Indexed(i as u8));
        }
        if let Some(hex) = lower.strip_prefix('#')
            && hex.len() == 6
            && let Ok(v) = u32::from_str_radix(hex, 16)
        {
            return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        Err(format!(
            "`{text}` is not a colour: use a name ({}), #rrggbb or reset",
            NAMES.join(", ")
        ))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    inherits: Option<String>,
    bold: Option<bool>,
    monochrome: Option<bool>,
    #[serde(default)]
    colors: BTreeMap<String, String>,
}

/// A resolved theme: every role has a colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub colors: BTreeMap<String, Color>,
    /// Emphasis in bold everywhere (high contrast).
    pub bold: bool,
    /// No colours: emphasis by bold and reverse video only.
    pub monochrome: bool,
}

impl Theme {
    pub fn color(&self, role: &str) -> Color {
        self.colors.get(role).copied().unwrap_or(Color::Reset)
    }
}

/// Names of the themes available (built in, plus user files).
pub fn theme_names(user_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(dir) = user_dir
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "toml")
                && let Some(stem) = path.file_stem()
            {
                names.push(stem.to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Loads theme `name` (user file first, then built in), following
/// `inherits` to a base. `no_color` (the `NO_COLOR` convention) forces mono.
pub fn load_theme(name: &str, user_dir: Option<&Path>, no_color: bool) -> Result<Theme, String> {
    let name = if no_color { "mono" } else { name };
    let mut chain: Vec<(String, ThemeFile)> = Vec::new();
    let mut next = Some(name.to_string());
    while let Some(current) = next.take() {
        if chain.iter().any(|(n, _)| *n == current) {
            let path: Vec<&str> = chain.iter().map(|(n, _)| n.as_str()).collect();
            return Err(format!(
                "theme `{name}`: `inherits` goes round in a circle ({} → {current})",
                path.join(" → ")
            ));
        }
        let (origin, text) = source(&current, user_dir).ok_or_else(|| {
            format!(
                "no theme `{current}`; available: {}",
                theme_names(user_dir).join(", ")
            )
        })?;
        let file: ThemeFile = toml::from_str(&text).map_err(|err| {
            let at = err
                .span()
                .map(|s| line_col(&text, s.start))
                .map(|(l, c)| format!(":{l}:{c}"))
                .unwrap_or_default();
            format!("{origin}{at}: {}", err.message().trim())
        })?;
        for (role, value) in &file.colors {
            if !ROLES.contains(&role.as_str()) {
                return Err(format!(
                    "{origin}: unknown colour role `{role}` (roles: {})",
                    ROLES.join(", ")
                ));
            }
            Color::parse(value).map_err(|why| format!("{origin}: {role}: {why}"))?;
        }
        next = file.inherits.clone();
        chain.push((current, file));
    }
    let mut theme = Theme {
        name: name.to_string(),
        colors: BTreeMap::new(),
        bold: false,
        monochrome: false,
    };
    for (_, file) in chain.iter().rev() {
        for (role, value) in &file.colors {
            theme.colors.insert(role.clone(), Color::parse(value)?);
        }
        theme.bold = file.bold.unwrap_or(theme.bold);
        theme.monochrome = file.monochrome.unwrap_or(theme.monochrome);
    }
    if let Some(missing) = ROLES.iter().find(|r| !theme.colors.contains_key(**r)) {
        return Err(format!(
            "theme `{name}` gives no colour for `{missing}`: set it or inherit from `default`"
        ));
    }
    Ok(theme)
}

fn source(name: &str, user_dir: Option<&Path>) -> Option<(String, String)> {
    let safe = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if safe && let Some(dir) = user_dir {
        let path = dir.join(format!("{name}.toml"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Some((path.display().to_string(), text));
        }
    }
    BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, text)| (format!("themes/{n}.toml"), text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_resolves_every_role() {
        for (name, _) in BUILT_IN {
            let theme = load_theme(name, None, false).unwrap();
            assert_eq!(theme.colors.len(), ROLES.len(), "{name}");
        }
        assert!(load_theme("mono", None, false).unwrap().monochrome);
        assert!(load_theme("high-contrast", None, false).unwrap().bold);
    }

    #[test]
    fn inheritance_overrides_only_what_is_set() {
        let light = load_theme("light", None, false).unwrap();
        assert_eq!(light.color("accent"), Color::Indexed(4), "blue");
        assert_eq!(light.color("bg"), Color::Reset, "inherited from default");
        assert_eq!(light.color("success"), Color::Rgb(0x2e, 0x7d, 0x32));
    }

    #[test]
    fn no_color_means_mono() {
        let theme = load_theme("light", None, true).unwrap();
        assert_eq!(theme.name, "mono");
        assert!(theme.colors.values().all(|c| *c == Color::Reset));
    }

    #[test]
    fn user_themes_inherit_and_errors_are_located() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "inherits = \"light\"\n[colors]\naccent = \"#ff8800\"\n",
        )
        .unwrap();
        let mine = load_theme("mine", Some(dir.path()), false).unwrap();
        assert_eq!(mine.color("accent"), Color::Rgb(255, 136, 0));
        assert_eq!(mine.color("selection_bg"), Color::Indexed(4), "from light");
        assert!(theme_names(Some(dir.path())).contains(&"mine".to_string()));

        std::fs::write(
            dir.path().join("bad.toml"),
            "inherits = \"default\"\n[colors]\naccent = \"chartreuse\"\n",
        )
        .unwrap();
        let err = load_theme("bad", Some(dir.path()), false).unwrap_err();
        assert!(
            err.contains("bad.toml: accent: `chartreuse` is not a colour"),
            "{err}"
        );
        std::fs::write(
            dir.path().join("typo.toml"),
            "inherits = \"default\"\ncolours = 1\n",
        )
        .unwrap();
        assert!(
            load_theme("typo", Some(dir.path()), false)
                .unwrap_err()
                .contains("typo.toml:2:1")
        );
        std::fs::write(
            dir.path().join("role.toml"),
            "[colors]\nbackground = \"red\"\n",
        )
        .unwrap();
        assert!(
            load_theme("role", Some(dir.path()), false)
                .unwrap_err()
                .contains("unknown colour role `background`")
        );
        std::fs::write(dir.path().join("a.toml"), "inherits = \"b\"\n").unwrap();
        std::fs::write(dir.path().join("b.toml"), "inherits = \"a\"\n").unwrap();
        assert!(
            load_theme("a", Some(dir.path()), false)
                .unwrap_err()
                .contains("circle")
        );
        std::fs::write(dir.path().join("partial.toml"), "[colors]\nfg = \"red\"\n").unwrap();
        assert!(
            load_theme("partial", Some(dir.path()), false)
                .unwrap_err()
                .contains("gives no colour for")
        );
        assert!(
            load_theme("nope", None, false)
                .unwrap_err()
                .contains("available: default, high-contrast, light, mono")
        );
    }

    #[test]
    fn colours_parse() {
        assert_eq!(Color::parse("Red"), Ok(Color::Indexed(1)));
        assert_eq!(Color::parse("#00FF7f"), Ok(Color::Rgb(0, 255, 127)));
        assert_eq!(Color::parse("reset"), Ok(Color::Reset));
        assert!(Color::parse("#12345").is_err());
        assert!(Color::parse("").is_err());
    }
}
