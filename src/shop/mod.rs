//! The ZApp shop: loading, descriptions, parameters, templates and
//! expansion into instances. Pure logic plus plain file reads; no
//! network, no runtime.

pub mod expand;
pub mod json_path;
pub mod loader;
pub mod manifest;
pub mod params;
pub mod problem;
pub mod template;
pub mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

pub use loader::load_shop;
pub use manifest::{ParamKind, ParamType, Parameter};
pub use problem::{Problem, Severity};
pub use validate::Limits;

use crate::model::Description;

/// A loaded shop: the entries that are usable and every problem found.
#[derive(Debug, Clone)]
pub struct Shop {
    pub root: PathBuf,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    /// Ids of entries declared in a manifest that could not be loaded.
    pub broken: Vec<String>,
}

/// One shop entry (one element of a manifest's `zapps`).
#[derive(Debug, Clone)]
pub struct Entry {
    /// `<directory>-<index>`, as in Zoe's web shop.
    pub id: String,
    pub dir: PathBuf,
    pub index: usize,
    pub category: String,
    pub name: String,
    pub description_file: PathBuf,
    /// Validated, with Zoe's defaults applied.
    pub description: Description,
    pub readme_file: PathBuf,
    /// The Markdown text, when the file could be read.
    pub readme: Option<String>,
    pub logo_file: PathBuf,
    /// The logo path, when it exists and is a PNG.
    pub logo: Option<PathBuf>,
    pub parameters: Vec<Parameter>,
    /// Manifest `labels`: added to every service group at start.
    pub labels: Vec<String>,
    pub visibility: Visibility,
    /// The directory's `images` list (not read by Zoe; used to pre-pull).
    pub images: Vec<String>,
}

/// Who may see an entry: hidden if the role is in `disabled_for`, or not in
/// `enabled_for` when that lacks `"all"`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Visibility {
    pub enabled_for: Vec<String>,
    pub disabled_for: Vec<String>,
    /// 2017.12 only: whether the `guest` role sees the entry.
    pub guest_access: bool,
}

impl Visibility {
    /// HEAD's rule, plus the 2017.12 guest rule: a role with full-shop access
    /// sees everything; otherwise an entry is hidden when the role is in
    /// `disabled_for`, or is not in `enabled_for` while `"all"` is not
    /// either. The role `guest` additionally needs `guest_access: true` or to
    /// be named in `enabled_for` (2017.12 manifests know only the flag).
    pub fn visible_to(&self, role: &str, full_shop_access: bool) -> bool {
        if full_shop_access {
            return true;
        }
        let named = self.enabled_for.iter().any(|r| r == role);
        if self.disabled_for.iter().any(|r| r == role) {
            return false;
        }
        if !named && !self.enabled_for.iter().any(|r| r == "all") {
            return false;
        }
        role != "guest" || self.guest_access || named
    }

    pub fn is_restricted(&self) -> bool {
        !self.disabled_for.is_empty() || !self.enabled_for.iter().any(|r| r == "all")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    NotFound {
        query: String,
        broken: Option<String>,
    },
    Ambiguous {
        query: String,
        candidates: Vec<(String, String)>,
    },
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::NotFound {
                query,
                broken: Some(id),
            } => write!(
                f,
                "shop entry `{id}` failed to load; run `zoe shop check` to see why"
            )
            .and_then(|_| {
                if query != id {
                    write!(f, " (matched `{query}`)")
                } else {
                    Ok(())
                }
            }),
            LookupError::NotFound {
                query,
                broken: None,
            } => write!(
                f,
                "no shop entry matches `{query}`; run `zoe shop list` to see the ids and names"
            ),
            LookupError::Ambiguous { query, candidates } => {
                write!(f, "`{query}` matches several shop entries; use an id:")?;
                for (id, name) in candidates {
                    write!(f, "\n  {id}  {name}")?;
                }
                Ok(())
            }
        }
    }
}

impl Shop {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Finds an entry by id, exact name (any case), or a unique
    /// case-insensitive part of its name or id.
    pub fn find(&self, query: &str) -> Result<&Entry, LookupError> {
        if let Some(entry) = self.entry(query) {
            return Ok(entry);
        }
        if self.broken.iter().any(|id| id == query) {
            return Err(LookupError::NotFound {
                query: query.into(),
                broken: Some(query.into()),
            });
        }
        let needle = query.to_lowercase();
        let exact: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.name.to_lowercase() == needle)
            .collect();
        if let [one] = exact.as_slice() {
            return Ok(one);
        }
        let partial: Vec<&Entry> = if exact.len() > 1 {
            exact
        } else {
            self.entries
                .iter()
                .filter(|e| e.name.to_lowercase().contains(&needle) || e.id.contains(&needle))
                .collect()
        };
        match partial.as_slice() {
            [one] => Ok(one),
            [] => Err(LookupError::NotFound {
                query: query.into(),
                broken: self.broken.iter().find(|id| id.contains(&needle)).cloned(),
            }),
            many => Err(LookupError::Ambiguous {
                query: query.into(),
                candidates: many
                    .iter()
                    .map(|e| (e.id.clone(), e.name.clone()))
                    .collect(),
            }),
        }
    }

    /// Entries grouped by category (categories and entries sorted by name).
    pub fn by_category(&self) -> Vec<(&str, Vec<&Entry>)> {
        let mut entries: Vec<&Entry> = self.entries.iter().collect();
        entries.sort_by(|a, b| {
            (a.category.as_str(), a.name.as_str(), &a.id).cmp(&(
                b.category.as_str(),
                b.name.as_str(),
                &b.id,
            ))
        });
        let mut groups: Vec<(&str, Vec<&Entry>)> = Vec::new();
        for entry in entries {
            match groups.last_mut() {
                Some((category, list)) if *category == entry.category => list.push(entry),
                _ => groups.push((entry.category.as_str(), vec![entry])),
            }
        }
        groups
    }
}

/// Shown for an empty or blank category in tables and headings (the data
/// keeps the exact string, as Zoe does).
pub const NO_CATEGORY: &str = "(no category)";
/// Shown for an empty or blank entry name.
pub const NO_NAME: &str = "(no name)";

impl Entry {
    /// The category for display: [`NO_CATEGORY`] when it is blank.
    pub fn category_label(&self) -> &str {
        if self.category.trim().is_empty() {
            NO_CATEGORY
        } else {
            &self.category
        }
    }

    /// The name for display: [`NO_NAME`] when it is blank.
    pub fn name_label(&self) -> &str {
        if self.name.trim().is_empty() {
            NO_NAME
        } else {
            &self.name
        }
    }

    pub fn dir_name(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    pub fn relative<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.dir).unwrap_or(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vis(enabled: &[&str], disabled: &[&str], guest: bool) -> Visibility {
        Visibility {
            enabled_for: enabled.iter().map(|s| s.to_string()).collect(),
            disabled_for: disabled.iter().map(|s| s.to_string()).collect(),
            guest_access: guest,
        }
    }

    #[test]
    fn head_visibility_rules() {
        let default = vis(&["all"], &[], false);
        assert!(default.visible_to("user", false));
        let no_students = vis(&["all"], &["student"], false);
        assert!(!no_students.visible_to("student", false));
        assert!(no_students.visible_to("user", false));
        assert!(
            no_students.visible_to("student", true),
            "full shop access sees everything"
        );
        let labs_only = vis(&["labs"], &[], false);
        assert!(labs_only.visible_to("labs", false));
        assert!(!labs_only.visible_to("user", false));
        let both = vis(&["labs"], &["labs"], false);
        assert!(
            !both.visible_to("labs", false),
            "disabled_for wins over enabled_for"
        );
    }

    #[test]
    fn legacy_guest_rule() {
        assert!(!vis(&["all"], &[], false).visible_to("guest", false));
        assert!(vis(&["all"], &[], true).visible_to("guest", false));
        assert!(vis(&["guest"], &[], false).visible_to("guest", false));
        assert!(!vis(&["all"], &["guest"], true).visible_to("guest", false));
    }
}
