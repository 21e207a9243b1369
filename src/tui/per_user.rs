//! Under sudo several people run the console as one account: what the
//! TUI keeps across runs (`:` history, view settings) goes in a directory
//! of each person's own, and logs are saved only there (never to a path
//! typed in, which the account could write anywhere it may).

use std::path::{Path, PathBuf};

/// The state directory of `sudo_user` (`users/NAME` under `state_dir`),
/// or `state_dir` itself when not under sudo. The name comes from the
/// OS's word (`SUDO_USER`) and was checked as a label value; it is still
/// refused here unless it is one plain path component.
pub fn state_dir(state_dir: &Path, sudo_user: Option<&str>) -> Result<PathBuf, String> {
    let Some(user) = sudo_user else {
        return Ok(state_dir.to_path_buf());
    };
    let plain = !user.is_empty()
        && user != "."
        && user != ".."
        && !user.starts_with('-')
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '$'));
    if !plain {
        return Err(format!(
            "the user name `{}` (SUDO_USER) cannot name a directory under {}: \
             run the console as a user with a plain name",
            crate::model::text::visible(user),
            state_dir.join("users").display()
        ));
    }
    Ok(state_dir.join("users").join(user))
}

/// Why a log was not saved under sudo: the one directory it may go.
pub fn only_here(why: &str, dir: &Path) -> String {
    format!(
        "{why}; under sudo, logs are saved only in {}",
        dir.join("logs").display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sudo_user_has_a_directory_of_their_own() {
        let base = Path::new("/var/lib/zoe/state");
        assert_eq!(state_dir(base, None), Ok(base.to_path_buf()));
        assert_eq!(state_dir(base, Some("alice")), Ok(base.join("users/alice")));
        assert_ne!(state_dir(base, Some("bob")), state_dir(base, Some("alice")));
        for bad in ["", ".", "..", "../root", "a/b", "-x", "a\nb", "/etc"] {
            let err = state_dir(base, Some(bad)).err().unwrap_or_default();
            assert!(err.contains("SUDO_USER"), "{bad:?}: {err}");
        }
    }
}
