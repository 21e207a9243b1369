//! The TLS files of a host, checked before connecting: each must be a
//! readable PEM file holding what its key says, and the client key must be
//! the certificate's. Otherwise the connection fails later with a vaguer
//! reason, or (a certificate file without a certificate) goes on without a
//! client certificate at all.

use std::io::Read;
use std::path::Path;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::docker_conf::TlsFiles;

/// PEM files are small; more than this is not one (`/dev/zero`…).
const MAX_PEM_BYTES: u64 = 1 << 20;

pub fn check(tls: &TlsFiles) -> Result<(), String> {
    let ca = read("tls_ca", &tls.ca)?;
    certificates(
        "tls_ca",
        &tls.ca,
        &ca,
        "the certificate of the CA that signed the daemon's",
    )?;
    let cert = read("tls_cert", &tls.cert)?;
    let chain = certificates("tls_cert", &tls.cert, &cert, "the client certificate")?;
    let key = read("tls_key", &tls.key)?;
    let key = private_key(&tls.key, &key)?;
    let provider = rustls::crypto::ring::default_provider();
    match rustls::sign::CertifiedKey::from_der(chain, key, &provider) {
        Ok(_) => Ok(()),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(format!(
                "tls_key {} does not belong to tls_cert {} (the key's public half is not the certificate's): \
             use the key the certificate was issued for",
                tls.key.display(),
                tls.cert.display()
            ))
        }
        Err(e) => Err(format!(
            "tls_key {} cannot be used with tls_cert {}: {e}",
            tls.key.display(),
            tls.cert.display()
        )),
    }
}

fn read(what: &str, path: &Path) -> Result<Vec<u8>, String> {
    use std::os::unix::fs::FileTypeExt;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            format!("{what} {shown} does not exist: set {what} to a PEM file")
        }
        _ => format!("{what} {shown} cannot be read: {e}"),
    })?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(format!(
            "{what} {shown} is a directory: set {what} to a PEM file in it"
        ));
    }
    if kind.is_fifo() || kind.is_socket() {
        return Err(format!(
            "{what} {shown} is not a file: set {what} to a PEM file"
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_PEM_BYTES).read_to_end(&mut bytes))
        .map_err(|e| format!("{what} {shown} cannot be read: {e}"))?;
    Ok(bytes)
}

fn certificates(
    what: &str,
    path: &Path,
    bytes: &[u8],
    should_be: &str,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let shown = path.display();
    let found: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            format!(
                "{what} {shown} holds a damaged PEM block ({e}): set {what} to {should_be}, in PEM"
            )
        })?;
    if found.is_empty() {
        return Err(format!(
            "{what} {shown} holds no PEM certificate (no `-----BEGIN CERTIFICATE-----` block{}): set {what} to {should_be}, in PEM",
            if bytes.is_empty() {
                "; it is empty"
            } else {
                ""
            }
        ));
    }
    Ok(found)
}

fn private_key(path: &Path, bytes: &[u8]) -> Result<PrivateKeyDer<'static>, String> {
    let shown = path.display();
    match PrivateKeyDer::from_pem_slice(bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) if contains(bytes, b"ENCRYPTED") => Err(format!(
            "tls_key {shown} is encrypted with a passphrase, which the console cannot ask for: \
             decrypt it (`openssl pkey -in {shown} -out key.pem`) and set tls_key to that"
        )),
        Err(pem::Error::NoItemsFound) => Err(format!(
            "tls_key {shown} holds no PEM private key (no `-----BEGIN … PRIVATE KEY-----` block{}): \
             set tls_key to the private key of tls_cert, in PEM",
            if bytes.is_empty() {
                "; it is empty"
            } else {
                ""
            }
        )),
        Err(e) => Err(format!(
            "tls_key {shown} holds a damaged PEM block ({e}): set tls_key to the private key of tls_cert, in PEM"
        )),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn files(dir: &Path, cert: &str, key: &str, ca: &str) -> TlsFiles {
        for (name, text) in [("cert.pem", cert), ("key.pem", key), ("ca.pem", ca)] {
            std::fs::write(dir.join(name), text).unwrap();
        }
        TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
            ca: dir.join("ca.pem"),
        }
    }

    #[test]
    fn files_that_hold_nothing_usable_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = files(dir.path(), "", "", "");
        let why = check(&empty).unwrap_err();
        assert!(
            why.contains("tls_ca")
                && why.contains("no PEM certificate")
                && why.contains("it is empty"),
            "{why}"
        );

        let dev_null = TlsFiles {
            ca: PathBuf::from("/dev/null"),
            ..empty.clone()
        };
        let why = check(&dev_null).unwrap_err();
        assert!(
            why.starts_with("tls_ca /dev/null holds no PEM certificate"),
            "{why}"
        );

        let missing = TlsFiles {
            ca: dir.path().join("nope.pem"),
            ..empty.clone()
        };
        assert!(check(&missing).unwrap_err().contains("does not exist"));
        let directory = TlsFiles {
            ca: dir.path().to_path_buf(),
            ..empty
        };
        assert!(check(&directory).unwrap_err().contains("is a directory"));
    }

    #[test]
    fn a_key_file_without_a_key_is_named() {
        let dir = tempfile::tempdir().unwrap();
        // any well-formed certificate will do to get past the certificate checks
        let cert = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        let tls = files(dir.path(), cert, "not a key\n", cert);
        let why = check(&tls).unwrap_err();
        assert!(
            why.starts_with(&format!(
                "tls_key {} holds no PEM private key",
                tls.key.display()
            )),
            "{why}"
        );
        let tls = files(
            dir.path(),
            cert,
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n",
            cert,
        );
        assert!(
            check(&tls)
                .unwrap_err()
                .contains("encrypted with a passphrase")
        );
    }
}
