//! The Linux kernel keyring by hand, where the keyutils store offers
//! nothing: joining a session keyring of our own when the thread sits on
//! the user-default one, and listing zoe's keys in the user's persistent
//! keyring (the store cannot be searched).

use super::secrets::{INDEX, SERVICE};

/// `KEYCTL_GET_PERSISTENT`
const KEYCTL_GET_PERSISTENT: libc::c_long = 22;
/// `KEYCTL_READ`
const KEYCTL_READ: libc::c_long = 11;

/// The description of key `id` ("TYPE;UID;GID;PERM;DESCRIPTION"), if it
/// can be described.
fn describe_key(id: libc::c_long) -> Option<String> {
    let mut buf = vec![0u8; 4200];
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    let len = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_DESCRIBE,
            id,
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    let len = usize::try_from(len).ok()?.min(buf.len());
    Some(
        String::from_utf8_lossy(&buf[..len])
            .trim_end_matches('\0')
            .to_string(),
    )
}

/// The entry names of zoe's keys in the user's persistent keyring (where
/// the keyutils store links every value it sets).
pub(super) fn kernel_entry_names() -> Result<Vec<String>, String> {
    // SAFETY: no memory of ours is passed; links the persistent keyring
    // into the session keyring and returns its id.
    let ring = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_GET_PERSISTENT,
            -1 as libc::c_long,
            KEY_SPEC_SESSION_KEYRING,
        )
    };
    if ring < 0 {
        return Err(format!(
            "no persistent keyring ({})",
            std::io::Error::last_os_error()
        ));
    }
    let mut ids = vec![0i32; 4096];
    // SAFETY: the kernel writes at most the buffer's byte length.
    let len = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_READ,
            ring,
            ids.as_mut_ptr(),
            ids.len() * std::mem::size_of::<i32>(),
        )
    };
    let Ok(len) = usize::try_from(len) else {
        return Err(format!(
            "cannot read the persistent keyring ({})",
            std::io::Error::last_os_error()
        ));
    };
    let count = (len / std::mem::size_of::<i32>()).min(ids.len());
    let suffix = format!("@{SERVICE}");
    let mut names = Vec::new();
    for id in &ids[..count] {
        let Some(text) = describe_key(libc::c_long::from(*id)) else {
            continue;
        };
        let mut fields = text.splitn(5, ';');
        let (Some("user"), Some(description)) = (fields.next(), fields.nth(3)) else {
            continue;
        };
        if let Some(name) = description
            .strip_prefix("keyring:")
            .and_then(|d| d.strip_suffix(suffix.as_str()))
            && name != INDEX
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// `KEYCTL_JOIN_SESSION_KEYRING`
const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
/// `KEYCTL_DESCRIBE`
const KEYCTL_DESCRIBE: libc::c_long = 6;
/// `KEY_SPEC_SESSION_KEYRING`
const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;

/// Joins a fresh anonymous session keyring when the calling thread sits on
/// the user-default session keyring (`_uid_ses.UID`, where nothing ran
/// pam_keyinit: the kernel refuses to add keys there). A session keyring set
/// up by a login or `keyctl session` is kept.
pub(super) fn ensure_session_keyring() -> Result<(), String> {
    if !on_user_default_session() {
        return Ok(());
    }
    // SAFETY: keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL) takes no memory of
    // ours; it only replaces this thread's session keyring.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    if rc < 0 {
        let err = std::io::Error::last_os_error();
        return Err(format!(
            "cannot join a session keyring of the kernel keyring ({err})"
        ));
    }
    Ok(())
}

/// Whether the thread's session keyring is the user-default one (or there
/// is none that can be described).
fn on_user_default_session() -> bool {
    let mut buf = [0u8; 512];
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    let len = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_DESCRIBE,
            KEY_SPEC_SESSION_KEYRING,
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    let Ok(len) = usize::try_from(len) else {
        return true;
    };
    let text = String::from_utf8_lossy(&buf[..len.min(buf.len())]);
    // "keyring;UID;GID;PERM;DESCRIPTION\0"
    let description = text
        .trim_end_matches('\0')
        .rsplit(';')
        .next()
        .unwrap_or_default()
        .to_string();
    description.starts_with("_uid_ses.")
}
