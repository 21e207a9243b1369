//! Where the console keeps its files, following the XDG base directories.

use std::path::{Path, PathBuf};

/// Reads an environment variable; injected so tests need not touch the
/// process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The log file's name in the state directory.
pub const LOG_FILE_NAME: &str = "zoe.log";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Paths {
    /// Default settings file: `$XDG_CONFIG_HOME/zoe/config.toml`.
    pub config_file: PathBuf,
    /// `$XDG_CACHE_HOME/zoe`: the local state cache lives here.
    pub cache_dir: PathBuf,
    /// `$XDG_STATE_HOME/zoe`: logs live here, never on the terminal.
    pub state_dir: PathBuf,
    pub log_file: PathBuf,
    /// `$XDG_CONFIG_HOME/zoe/themes`: user themes, next to the built-in ones.
    pub themes_dir: PathBuf,
    /// `$XDG_CONFIG_HOME/zoe/deployment.key`: the deployment key, unless
    /// the settings' `deployment_key_file` names another.
    pub deployment_key_file: PathBuf,
}

impl Paths {
    pub fn from_env(env: EnvLookup<'_>) -> Paths {
        let home = env("HOME")
            .filter(|h| !h.is_empty())
            .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
        let base = |var: &str, fallback: &str| -> PathBuf {
            env(var)
                .filter(|v| Path::new(v).is_absolute())
                .map_or_else(|| home.join(fallback), PathBuf::from)
                .join("zoe")
        };
        let config_dir = base("XDG_CONFIG_HOME", ".config");
        let state_dir = base("XDG_STATE_HOME", ".local/state");
        Paths {
            config_file: config_dir.join("config.toml"),
            cache_dir: base("XDG_CACHE_HOME", ".cache"),
            log_file: state_dir.join(LOG_FILE_NAME),
            themes_dir: config_dir.join("themes"),
            deployment_key_file: config_dir.join(super::deployment_key::KEY_FILE_NAME),
            state_dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_variables_win_over_home() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/a".to_string()),
            "XDG_CONFIG_HOME" => Some("/cfg".to_string()),
            "XDG_CACHE_HOME" => Some("relative/ignored".to_string()),
            _ => None,
        };
        let paths = Paths::from_env(&env);
        assert_eq!(paths.config_file, PathBuf::from("/cfg/zoe/config.toml"));
        assert_eq!(
            paths.deployment_key_file,
            PathBuf::from("/cfg/zoe/deployment.key")
        );
        assert_eq!(
            paths.cache_dir,
            PathBuf::from("/home/a/.cache/zoe"),
            "relative XDG paths are ignored, per the spec"
        );
        assert_eq!(paths.state_dir, PathBuf::from("/home/a/.local/state/zoe"));
        assert_eq!(
            paths.log_file,
            PathBuf::from("/home/a/.local/state/zoe/zoe.log")
        );
    }
}
