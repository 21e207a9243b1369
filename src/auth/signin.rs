//! Signing in with a user name and password (`auth = "csv"` or `"ldap"`):
//! what a verified sign-in yields, the reasons one is refused (each its own
//! message, none holding a password), and the form a remembered sign-in
//! takes in the keyring.

use serde::{Deserialize, Serialize};

/// A user name and password that checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub user: String,
    /// The role the sign-in names (the password file's third column, LDAP
    /// groups); `[users.NAME] role` still wins (`grant`).
    pub role: Option<String>,
    /// Things to say with the result ("no group matched: guest").
    pub notes: Vec<String>,
}

/// Why a sign-in was refused. The texts say what, where and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("wrong password for `{user}`")]
    WrongPassword { user: String },
    /// `place`: "the password file FILE" / "the LDAP directory URI".
    #[error("no user `{user}` in {place}")]
    UnknownUser { user: String, place: String },
    #[error("an empty password is refused (some LDAP servers take it as an anonymous bind)")]
    EmptyPassword,
    #[error("account `{user}` is locked or disabled on the LDAP server {uri}: {detail}")]
    Locked {
        user: String,
        uri: String,
        detail: String,
    },
    /// Reaching the server, its certificate, the service bind, the
    /// password file: the whole text.
    #[error("{0}")]
    Setup(String),
}

/// A sign-in remembered in the keyring (`Secret::SignIn`): kept as JSON,
/// verified again on every use.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Remembered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remembered")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Remembered {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Option<Remembered> {
        serde_json::from_str(text).ok()
    }
}

/// Equal byte strings, compared without stopping at the first difference
/// (the time taken does not tell how much of a password was right).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_is_eq() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abc "));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(!constant_time_eq(b"a\0", b"a"));
    }

    #[test]
    fn a_remembered_sign_in_never_shows_its_password() {
        let r = Remembered {
            user: "ann".into(),
            password: "s3cret".into(),
        };
        assert!(!format!("{r:?}").contains("s3cret"));
        assert_eq!(Remembered::from_json(&r.to_json()), Some(r));
        assert_eq!(Remembered::from_json("nope"), None);
    }

    #[test]
    fn messages_hold_no_password() {
        let e = SignInError::WrongPassword { user: "x".into() };
        assert_eq!(e.to_string(), "wrong password for `x`");
        let e = SignInError::UnknownUser {
            user: "x".into(),
            place: "the password file /f.csv".into(),
        };
        assert_eq!(e.to_string(), "no user `x` in the password file /f.csv");
    }
}
