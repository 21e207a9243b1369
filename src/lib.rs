//! zoe-console: a terminal console for Zoe Analytics ZApps.
//!
//! Layers, imports pointing down only: `cli` (and later `tui`) use
//! `console`, which uses `shop`, `config` and `model`.

pub mod auth;
pub mod backend;
pub mod cli;
pub mod config;
pub mod console;
pub mod model;
pub mod sched;
pub mod shop;
pub mod state;
pub mod tui;
