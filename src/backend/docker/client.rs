//! Connecting to one Docker Engine, and turning bollard's errors into
//! messages a user can act on.

use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, Docker};

use crate::config::docker_conf::{DockerAddress, DockerHost};

/// Seconds bollard waits for one API response before giving up.
pub const REQUEST_TIMEOUT_SECS: u64 = 30;
/// How long connecting and the first ping may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub use crate::backend::error::BackendError as DockerError;
use crate::backend::error::BackendError;

/// What went wrong in a Docker call, in words (see `explain`).
pub fn describe(err: &bollard::errors::Error) -> String {
    super::explain::call_failure(err)
}

/// Builds a client for `host` and checks that the daemon answers.
pub async fn connect(host: &DockerHost) -> Result<Docker, DockerError> {
    let address = host.address.to_string();
    let fail = |why: String| BackendError::Unreachable {
        target: host.name.clone(),
        address: address.clone(),
        why,
    };
    let client = match (&host.address, &host.tls) {
        (DockerAddress::Unix { path }, _) => Docker::connect_with_unix(
            &path.display().to_string(),
            REQUEST_TIMEOUT_SECS,
            API_DEFAULT_VERSION,
        ),
        (DockerAddress::Tcp { host: h, port }, None) => Docker::connect_with_http(
            &format!("tcp://{h}:{port}"),
            REQUEST_TIMEOUT_SECS,
            API_DEFAULT_VERSION,
        ),
        (DockerAddress::Tcp { host: h, port }, Some(tls)) => {
            super::tls_files::check(tls).map_err(fail)?;
            Docker::connect_with_ssl(
                &format!("tcp://{h}:{port}"),
                &tls.key,
                &tls.cert,
                &tls.ca,
                REQUEST_TIMEOUT_SECS,
                API_DEFAULT_VERSION,
            )
        }
    }
    .map_err(|e| fail(describe(&e)))?;
    let target = super::explain::Target {
        tls: host.tls.as_ref(),
        host_name: match &host.address {
            DockerAddress::Tcp { host, .. } => Some(host.as_str()),
            DockerAddress::Unix { .. } => None,
        },
    };
    let negotiated = tokio::time::timeout(CONNECT_TIMEOUT, client.negotiate_version()).await;
    match negotiated {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(fail(super::explain::connect_failure(&e, target))),
        Err(_) => Err(fail(format!(
            "no answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

/// Runs one Docker call with a deadline, naming the host and what was done.
pub async fn call<T>(
    host: &str,
    what: &str,
    secs: u64,
    fut: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<T, DockerError> {
    match tokio::time::timeout(Duration::from_secs(secs), fut).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(classify(host, what, &e)),
        Err(_) => Err(BackendError::Timeout {
            target: host.to_string(),
            what: what.to_string(),
            secs,
        }),
    }
}

/// A failed Docker call as a typed error: by the HTTP status the daemon
/// answered with (404 not found, 409 conflict, 304 already done), else
/// refused; a transport failure means the daemon cannot be reached.
pub fn classify(host: &str, what: &str, err: &bollard::errors::Error) -> BackendError {
    use bollard::errors::Error as E;
    let (target, what, why) = (host.to_string(), what.to_string(), describe(err));
    match err {
        E::DockerResponseServerError {
            status_code: 404, ..
        } => BackendError::NotFound { target, what, why },
        E::DockerResponseServerError {
            status_code: 409 | 304,
            ..
        } => BackendError::Conflict { target, what, why },
        E::HyperResponseError { .. }
        | E::IOError { .. }
        | E::RequestTimeoutError
        | E::SocketNotFoundError(_) => BackendError::Unreachable {
            target,
            address: String::new(),
            why: format!("{what}: {why}"),
        },
        _ => BackendError::Refused { target, what, why },
    }
}
