//! The Docker Engine backend (spec §7).

pub mod client;
pub mod events;
mod explain;
pub mod logs;
pub mod node;
pub mod spawn;
mod tls_files;

pub use client::{DockerError, connect};
