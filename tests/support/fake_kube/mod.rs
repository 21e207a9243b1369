//! An honest fake Kubernetes API server for the tests and the demo
//! (`examples/fake_kube.rs`): axum on 127.0.0.1, every object a k8s-openapi
//! value, errors as `Status` objects with the real codes, list + watch with
//! resourceVersions, pod logs, Tables and discovery enough for kubectl, and
//! a control hand (`FakeKube`) to play the scheduler, the kubelet and the
//! cluster's admin from a test.
//!
//! Included with `#[path = "support/fake_kube/mod.rs"] mod fake_kube;`.

#![allow(dead_code)]

mod control;
mod discovery;
pub mod kubeconfig;
mod kubelet;
mod logs;
pub mod objects;
mod quantity;
mod resources;
mod routes;
mod scheduler;
mod selectors;
mod status;
mod store;
mod table;
mod validate;
mod watch;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch as tick;

// re-exports for the tests and the demo (each uses some)
#[allow(unused_imports)]
pub use kubeconfig::KubeContext;
#[allow(unused_imports)]
pub use kubelet::Outcome;
#[allow(unused_imports)]
pub use logs::LogLine;
#[allow(unused_imports)]
pub use objects::{NodeBuilder, node, pod};
#[allow(unused_imports)]
pub use store::RequestRecord;

/// What the server's handlers and the control hand share.
pub struct Shared {
    world: Mutex<store::World>,
    /// Bumped when logs or pods change, to wake log followers.
    tick: tick::Sender<u64>,
    /// Bumped to cut every open watch.
    watch_cut: tick::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, store::World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn poke(&self) {
        self.tick.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// The fake API server and the hand that controls it; clones share it. It
/// serves until the tokio runtime that started it ends.
#[derive(Clone)]
pub struct FakeKube {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl FakeKube {
    /// Starts on a free port of 127.0.0.1, on a runtime of its own (it
    /// serves as long as the runtime lives): for tests that drive the real
    /// binary from plain threads.
    #[allow(dead_code)]
    pub fn start_on_own_runtime() -> std::io::Result<(FakeKube, tokio::runtime::Runtime)> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let fake = runtime.block_on(FakeKube::start())?;
        Ok((fake, runtime))
    }

    /// Starts on 127.0.0.1 on a free port.
    pub async fn start() -> std::io::Result<FakeKube> {
        FakeKube::start_on(0).await
    }

    /// Starts on 127.0.0.1:`port` (0: a free one).
    pub async fn start_on(port: u16) -> std::io::Result<FakeKube> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let (tick, _) = tick::channel(0);
        let (watch_cut, _) = tick::channel(0);
        let shared = Arc::new(Shared {
            world: Mutex::new(store::World::new()),
            tick,
            watch_cut,
        });
        let app = routes::router(shared.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("fake_kube: the server stopped: {e}");
            }
        });
        tokio::spawn(kubelet::control_loop(Arc::downgrade(&shared)));
        Ok(FakeKube { shared, addr })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
