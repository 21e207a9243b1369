//! What `zoe nodes` says about each way a connection to a Docker host goes
//! wrong (item 6 of issue 7), against the real engines: the TLS one on
//! 127.0.0.1:23760 (certificates in $ZOE_ENGINES_DIR/tls), the plain one on
//! 127.0.0.1:23750 and the registry on 127.0.0.1:25000 (an HTTP server that
//! is not a Docker daemon). Wrong certificates are made with openssl in the
//! test's own directory. Skipped without the TLS engine unless
//! ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use common::engines::{Setup, engines};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Client certificates the daemon refuses, and files that are not what
/// their key says.
fn wrong_material(dir: &Path, tls: &Path) {
    let ca = tls.join("ca.pem").display().to_string();
    let ca_key = tls.join("ca-key.pem").display().to_string();
    openssl(dir, &["genrsa", "-out", "other-key.pem", "2048"]);
    // self-signed: not signed by the CA the daemon trusts
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "other-key.pem",
            "-days",
            "30",
            "-subj",
            "/CN=self",
            "-out",
            "self-signed.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "other-key.pem",
            "-subj",
            "/CN=client",
            "-out",
            "client.csr",
        ],
    );
    // signed by the right CA, but for servers only
    std::fs::write(dir.join("server-only.cnf"), "extendedKeyUsage=serverAuth\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-set_serial",
            "4242",
            "-days",
            "30",
            "-extfile",
            "server-only.cnf",
            "-out",
            "server-only.pem",
        ],
    );
    // signed by the right CA, for clients, but expired in 2020
    std::fs::create_dir_all(dir.join("ca")).unwrap();
    std::fs::write(dir.join("ca/index.txt"), "").unwrap();
    std::fs::write(dir.join("ca/serial"), "1000\n").unwrap();
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndir = ./ca\ndatabase = ./ca/index.txt\nnew_certs_dir = ./ca\nserial = ./ca/serial\n\
         default_md = sha256\npolicy = p\nx509_extensions = e\n[p]\ncommonName = supplied\n[e]\nextendedKeyUsage = clientAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            &ca,
            "-keyfile",
            &ca_key,
            "-in",
            "client.csr",
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20200201000000Z",
            "-out",
            "expired.pem",
        ],
    );
    std::fs::write(dir.join("empty.pem"), "").unwrap();
    std::fs::write(dir.join("not-pem.txt"), "this is not a key\n").unwrap();
}

/// The reason `zoe nodes` gives for `host` being offline.
fn reason<'a>(stdout: &'a str, host: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{host}: ")))
        .unwrap_or_else(|| panic!("no reason for {host}:\n{stdout}"))
}

#[test]
fn every_connection_failure_says_what_happened_and_what_to_fix() {
    let Some(engines) = engines() else { return };
    let Some(tls) = engines.tls("ca-key.pem") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    wrong_material(dir, &tls);
    let good = |f: &str| tls.join(f).display().to_string();
    let mine = |f: &str| dir.join(f).display().to_string();
    let tls_host = |name: &str, address: &str, cert: &str, key: &str, ca: &str| {
        format!(
            "[{name}]\ndocker_address: {address}\nexternal_address: 127.0.0.1\nuse_tls: yes\ntls_cert: {cert}\ntls_key: {key}\ntls_ca: {ca}\n\n"
        )
    };
    let plain_host = |name: &str, address: &str| {
        format!("[{name}]\ndocker_address: {address}\nexternal_address: 127.0.0.1\nuse_tls: no\n\n")
    };
    let secure = "tcp://127.0.0.1:23760";
    let (cert, key, ca) = (good("cert.pem"), good("key.pem"), good("ca.pem"));
    let conf = [
        tls_host("good", secure, &cert, &key, &ca),
        tls_host(
            "selfsigned",
            secure,
            &mine("self-signed.pem"),
            &mine("other-key.pem"),
            &ca,
        ),
        tls_host(
            "expired",
            secure,
            &mine("expired.pem"),
            &mine("other-key.pem"),
            &ca,
        ),
        tls_host(
            "serveronly",
            secure,
            &mine("server-only.pem"),
            &mine("other-key.pem"),
            &ca,
        ),
        tls_host("otherkey", secure, &cert, &mine("other-key.pem"), &ca),
        tls_host("emptycert", secure, &mine("empty.pem"), &key, &ca),
        tls_host("textkey", secure, &cert, &mine("not-pem.txt"), &ca),
        tls_host("devnullca", secure, &cert, &key, "/dev/null"),
        tls_host("wrongca", secure, &cert, &key, &good("other-ca.pem")),
        tls_host("tlstoplain", "tcp://127.0.0.1:23750", &cert, &key, &ca),
        tls_host(
            "noname",
            "tcp://no-such-host.invalid:23760",
            &cert,
            &key,
            &ca,
        ),
        plain_host("plaintotls", secure),
        plain_host("notdocker", "tcp://127.0.0.1:25000"),
        plain_host("refused", "tcp://127.0.0.1:1"),
    ]
    .concat();
    let setup = Setup::new(&conf);
    let run = setup.zoe(&["nodes"]);
    eprintln!("{}", run.stdout);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("good ") && l.contains(" online ")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("good: "), "{}", run.stdout);
    for raw in ["hyper", "client error (", ":  (", "SendRequest", "Connect)"] {
        assert!(!run.stdout.contains(raw), "no `{raw}` in:\n{}", run.stdout);
    }
    let has = |host: &str, words: &[&str]| {
        let why = reason(&run.stdout, host);
        for w in words {
            assert!(why.contains(w), "{host}: `{w}` missing in: {why}");
        }
        why.to_string()
    };
    for (host, file) in [
        ("selfsigned", "self-signed.pem"),
        ("expired", "expired.pem"),
        ("serveronly", "server-only.pem"),
    ] {
        has(
            host,
            &[
                "refused the client certificate",
                &mine(file),
                "tls_cert",
                "expired",
            ],
        );
    }
    has(
        "otherkey",
        &[
            "tls_key",
            &mine("other-key.pem"),
            "does not belong to",
            "tls_cert",
            &cert,
        ],
    );
    has(
        "emptycert",
        &["tls_cert", &mine("empty.pem"), "no PEM certificate"],
    );
    has(
        "textkey",
        &["tls_key", &mine("not-pem.txt"), "no PEM private key"],
    );
    let devnull = has("devnullca", &["tls_ca /dev/null", "no PEM certificate"]);
    assert!(!devnull.contains("does not exist"), "{devnull}");
    has(
        "wrongca",
        &["not signed by", "tls_ca", &good("other-ca.pem")],
    );
    has("tlstoplain", &["does not speak TLS", "use_tls: no"]);
    let noname = has("noname", &["no-such-host.invalid", "docker_address"]);
    assert!(!noname.contains("certificate"), "{noname}");
    has("plaintotls", &["expects TLS", "use_tls: yes"]);
    has(
        "notdocker",
        &["not a Docker daemon", "404", "docker_address"],
    );
    has("refused", &["refused", "is the daemon running"]);
}
