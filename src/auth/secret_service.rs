//! The Secret Service (the keyring of a desktop session, e.g. gnome-keyring
//! or KDE Wallet, on the D-Bus session bus), through keyring-core's zbus
//! store. Every call runs on a thread of its own and is waited for at most a
//! bounded time: zbus's blocking calls start a tokio runtime of their own,
//! which must not happen on a thread of ours that runs one, and a session
//! bus that accepts but never answers (or a service waiting on a prompt
//! nobody sees) must not hang `zoe`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};

/// How long `Keyring::open` waits for a Secret Service on the session bus
/// before it takes the kernel keyring instead.
pub(super) const PROBE: Duration = Duration::from_millis(1500);
/// How long `ZOE_KEYRING=secret-service` waits for the service to answer.
pub(super) const FORCED_PROBE: Duration = Duration::from_secs(5);
/// How long one read, write or search may take (the service may show the
/// user an unlock prompt first).
pub(super) const ANSWER: Duration = Duration::from_secs(60);

/// The attribute the store files every entry's service name under (the
/// zbus store's own name for it).
const SERVICE_ATTRIBUTE: &str = "service";
/// The attribute the store files every entry's user (our entry name) under.
const USER_ATTRIBUTE: &str = "username";

/// Runs `f` on a thread of its own and waits at most `limit` for it; `None`
/// when it did not finish in time (the thread is left to end by itself).
pub(super) fn bounded<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("zoe-secret-service".into())
        .spawn(move || {
            // the receiver may have given up: nothing to tell then
            let _ = tx.send(f());
        });
    if spawned.is_err() {
        return None;
    }
    rx.recv_timeout(limit).ok()
}

/// Connects to the Secret Service on the session bus (opens an encrypted
/// session with it, so a bus without the service fails here), within
/// `limit`. The error says why, without advice (the caller adds it).
pub(super) fn connect(limit: Duration) -> Result<Arc<CredentialStore>, String> {
    let bus = match std::env::var("DBUS_SESSION_BUS_ADDRESS") {
        Ok(a) if !a.is_empty() => format!("the session bus at {}", crate::model::text::visible(&a)),
        _ => "the session bus (DBUS_SESSION_BUS_ADDRESS is not set)".to_string(),
    };
    match bounded(limit, zbus_secret_service_keyring_store::Store::new) {
        Some(Ok(store)) => {
            let store: Arc<CredentialStore> = store;
            Ok(store)
        }
        Some(Err(e)) => Err(format!(
            "no Secret Service answers on {bus} ({})",
            super::secrets::describe_error(&e)
        )),
        None => Err(format!(
            "no Secret Service answered on {bus} within {:.1} s",
            limit.as_secs_f64()
        )),
    }
}

/// Runs a store operation within [`ANSWER`]; running out of time is
/// reported as a refused access (the service is most likely waiting on an
/// unlock prompt).
pub(super) fn call<T: Send + 'static>(
    f: impl FnOnce() -> keyring_core::Result<T> + Send + 'static,
) -> keyring_core::Result<T> {
    bounded(ANSWER, f).unwrap_or_else(|| {
        Err(keyring_core::Error::NoStorageAccess(Box::new(
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "the Secret Service did not answer within {} s (waiting for an unlock \
                     prompt?)",
                    ANSWER.as_secs()
                ),
            ),
        )))
    })
}

/// The entry names (the `username` attribute) of the items filed under
/// `service`: the Secret Service is searched by attribute, no index needed.
/// Reads attributes only, never a secret.
pub(super) fn entry_names(
    store: &Arc<CredentialStore>,
    service: &str,
) -> keyring_core::Result<Vec<String>> {
    let store = store.clone();
    let service = service.to_string();
    call(move || {
        let spec = HashMap::from([(SERVICE_ATTRIBUTE, service.as_str())]);
        let found: Vec<Entry> = store.search(&spec)?;
        let mut names = Vec::new();
        for entry in found {
            let attributes = match entry.get_attributes() {
                Ok(a) => a,
                // removed by another process meanwhile
                Err(keyring_core::Error::NoEntry) => continue,
                Err(e) => return Err(e),
            };
            if attributes.get(SERVICE_ATTRIBUTE).map(String::as_str) != Some(service.as_str()) {
                continue;
            }
            if let Some(name) = attributes.get(USER_ATTRIBUTE) {
                names.push(name.clone());
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_that_hangs_is_given_up_in_time() {
        let started = std::time::Instant::now();
        let r = bounded(Duration::from_millis(100), || {
            std::thread::sleep(Duration::from_secs(5));
            1
        });
        assert_eq!(r, None);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(bounded(Duration::from_secs(5), || 2), Some(2));
    }

    /// zbus's blocking calls start a runtime of their own, which panics on
    /// a thread that runs one: ours run on a thread of their own.
    #[tokio::test]
    async fn connecting_from_async_code_does_not_panic() {
        // whatever the bus here (none on a test machine, a desktop's
        // elsewhere): an answer or an error, in time, never a panic
        let outcome = connect(PROBE).map(|_| ());
        if let Err(why) = outcome {
            assert!(why.starts_with("no Secret Service answer"), "{why}");
        }
    }
}
