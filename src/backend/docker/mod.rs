//! The Docker Engine backend (spec §7).

pub mod client;
pub mod logs;
pub mod node;
pub mod spawn;

pub use client::{DockerError, connect};
