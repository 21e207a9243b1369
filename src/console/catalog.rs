//! The shop as both fronts browse it: entries by category, their
//! parameters and how a typed value is read. The fronts reach the shop
//! through here only, so that everything they use comes from the engine.

pub use crate::shop::params::{Field, step_int, whole_number};
pub use crate::shop::params::{MIN_CORES, MIN_MEMORY_BYTES, range_text};
pub use crate::shop::validate::parse_stored;
pub use crate::shop::{Entry, Limits, ParamType, Shop, load_shop};
