//! The `ZOE_UID` an execution's containers get: the settings' `fs_uid`
//! when set; else, under sudo, the uid of the person sudo says is asking
//! (their passwd entry), not the account the console runs as; else the
//! identity's (our own uid).

use crate::model::access::{AuthSource, Identity};

/// The uid for `identity`'s containers; `lookup` gives a user's uid from
/// the passwd database.
pub fn for_identity(
    settings_fs_uid: Option<u32>,
    identity: &Identity,
    lookup: impl Fn(&str) -> Option<u32>,
) -> u32 {
    if let Some(uid) = settings_fs_uid {
        return uid;
    }
    match &identity.source {
        AuthSource::Os(source) if source == "sudo" => {
            lookup(&identity.user).unwrap_or(identity.fs_uid)
        }
        _ => identity.fs_uid,
    }
}

/// The uid of `user` in the passwd database (files, NSS), if any.
pub fn passwd_uid(user: &str) -> Option<u32> {
    let name = std::ffi::CString::new(user).ok()?;
    // SAFETY: passwd is plain data; getpwnam_r fills it and points into
    // `buf`, which outlives the read of pw_uid.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: valid pointers and the buffer's real length.
    let rc = unsafe {
        libc::getpwnam_r(
            name.as_ptr(),
            &mut entry,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    (rc == 0 && !found.is_null()).then_some(entry.pw_uid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access::{Quota, Role};

    fn identity(user: &str, source: AuthSource) -> Identity {
        Identity {
            user: user.into(),
            role: Role::builtin("user").unwrap(),
            quota: Quota::unlimited(),
            fs_uid: 999,
            source,
            shared: true,
        }
    }

    #[test]
    fn under_sudo_each_person_gets_their_own_uid() {
        let lookup = |user: &str| match user {
            "alice" => Some(1001),
            "bob" => Some(1002),
            _ => None,
        };
        let sudo = |u: &str| identity(u, AuthSource::Os("sudo".into()));
        assert_eq!(for_identity(None, &sudo("alice"), lookup), 1001);
        assert_eq!(for_identity(None, &sudo("bob"), lookup), 1002);
        assert_eq!(for_identity(None, &sudo("carol"), lookup), 999, "no entry");
        assert_eq!(
            for_identity(Some(5), &sudo("alice"), lookup),
            5,
            "settings win"
        );
        // a password-file name is not an OS account (a CSV `root` is not uid 0)
        assert_eq!(
            for_identity(None, &identity("alice", AuthSource::Csv), lookup),
            999
        );
        let login = identity("alice", AuthSource::Os("login name".into()));
        assert_eq!(for_identity(None, &login, lookup), 999);
    }

    #[test]
    fn passwd_lookup() {
        assert_eq!(passwd_uid("root"), Some(0));
        assert_eq!(passwd_uid("no-such-user-zoe-test"), None);
        assert_eq!(passwd_uid("a\0b"), None);
    }
}
