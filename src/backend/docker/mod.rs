//! The Docker Engine backend (Zoe's `DockerEngine`: plain engines listed in
//! `docker.conf`).

pub mod cleanup;
pub mod client;
pub mod events;
pub mod exec;
mod explain;
pub mod logs;
pub mod network;
pub mod node;
pub mod spawn;
mod subnets;
mod tls_files;

pub use client::{DockerError, connect};
