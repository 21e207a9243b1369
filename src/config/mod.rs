//! Settings, paths and (later) host lists. Plain file reads, no network.

pub mod access_settings;
pub mod deployment_key;
pub mod docker_conf;
pub mod hosts;
pub mod kube;
pub mod kube_settings;
pub mod paths;
pub mod settings;
pub mod targets;
pub mod theme;

pub use paths::{EnvLookup, Paths};
pub use settings::{
    ConfigError, ConfigOrigin, LoadedSettings, Settings, ShopOrigin, load_settings, resolve_shop,
};
