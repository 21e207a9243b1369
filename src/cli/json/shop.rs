//! `zoe shop list -o json` (and `zoe -o json`): the shop's usable entries,
//! with what each reserves, and how many could not be loaded.

use std::path::Path;

use serde::Serialize;

use super::Cores;
use crate::console::catalog::{Entry, Shop};

/// One usable entry.
#[derive(Debug, Serialize)]
pub struct ListEntry<'a> {
    pub id: &'a str,
    pub category: &'a str,
    pub name: &'a str,
    /// Service groups.
    pub services: usize,
    /// Instances with the default parameters.
    pub instances: u64,
    /// Reserved by all instances together, in bytes.
    pub memory_bytes: u64,
    pub cores: Cores,
    /// Parameters a user may set.
    pub parameters: usize,
    /// A batch job (ends on its own).
    pub will_end: bool,
    /// Only some roles may see it.
    pub restricted: bool,
}

impl<'a> ListEntry<'a> {
    pub fn of(e: &'a Entry, (memory_bytes, cores): (u64, f64)) -> ListEntry<'a> {
        ListEntry {
            id: &e.id,
            category: &e.category,
            name: &e.name,
            services: e.description.services.len(),
            instances: e.description.total_instances(),
            memory_bytes,
            cores: Cores(cores),
            parameters: e.parameters.len(),
            will_end: e.description.will_end,
            restricted: e.visibility.is_restricted(),
        }
    }
}

/// The whole list.
#[derive(Debug, Serialize)]
pub struct List<'a> {
    pub shop: &'a Path,
    pub entries: Vec<ListEntry<'a>>,
    /// Ids of entries declared in a manifest that could not be loaded.
    pub broken: &'a [String],
    pub errors: usize,
    pub warnings: usize,
}

impl<'a> List<'a> {
    pub fn of(shop: &'a Shop, entries: Vec<ListEntry<'a>>) -> List<'a> {
        List {
            shop: &shop.root,
            entries,
            broken: &shop.broken,
            errors: shop.errors(),
            warnings: shop.warnings(),
        }
    }
}
