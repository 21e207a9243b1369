//! The fake Kubernetes API server (tests/support/fake_kube) against
//! independent clients: kubectl and kube-rs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/fake_kube/mod.rs"]
mod fake_kube;

use fake_kube::FakeKube;

#[tokio::test]
async fn starts() {
    let fake = FakeKube::start().await.unwrap();
    assert!(fake.url().starts_with("http://127.0.0.1:"));
}
