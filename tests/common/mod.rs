//! Helpers shared by integration tests; each test crate uses only some of them.

#![allow(dead_code)]

pub mod cluster_cli;
pub mod corpus;
pub mod engines;
pub mod signin;
pub mod tmux;
