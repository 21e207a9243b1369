//! End to end, as a user would: the real binary in tmux against the two
//! local Docker daemons. Filter the shop, open the master + workers entry,
//! change the worker count and see the preview change, launch, watch it
//! reach `running`, open the merged logs and find a worker's line,
//! terminate, and check on the daemons that nothing is left. Needs tmux and
//! the test engines (scripts/test.sh provides both); skipped without them
//! unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::engines::{Setup, two_hosts};
use common::tmux::{open_zoe, ready};

#[test]
fn from_shop_to_logs_to_terminate_in_the_terminal_ui() {
    let Some(e) = ready() else { return };
    let setup = Setup::new(&two_hosts(&e, ""));
    let pane = open_zoe(&setup, "");
    pane.wait_for("both hosts online", 30, |s| s.contains("2/2 hosts online"));

    // filter the shop and open the master + workers entry
    pane.keys(&["/"]);
    pane.text("master");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the filter", 5, |s| s.contains("shop (1 of 8)"));
    assert!(screen.contains("Master and workers"), "{screen}");
    pane.keys(&["Enter"]);
    pane.wait_for("the entry", 5, |s| {
        s.contains("SERVICES") && s.contains("extra-worker")
    });

    // the start form: the preview follows the worker count
    pane.keys(&["s"]);
    pane.wait_for("the preview", 10, |s| {
        s.contains("placement preview: 6 instances")
    });
    pane.keys(&["Tab", "+"]);
    let screen = pane.wait_for("the preview to change", 10, |s| {
        s.contains("placement preview: 7 instances")
    });
    assert!(screen.contains("worker2"), "{screen}");

    // launch and watch it reach running
    let id = pane.launch_until_running("7/7");
    assert_eq!(
        e.leftovers("local", &id).0 + e.leftovers("remote", &id).0,
        7
    );
    // its endpoint is shown once the engine recorded it
    pane.wait_for("the endpoint", 20, |s| s.contains("http://127.0.0.1:"));

    // merged logs: a line from a worker, with its service prefix
    pane.keys(&["l"]);
    pane.wait_for("a worker's line in the merged logs", 30, |s| {
        s.lines()
            .any(|l| l.contains("worker") && l.contains("│ ") && l.contains("reached master"))
    });

    // terminate (with confirmation) and check the daemons
    pane.terminate(&id);
    assert_eq!(
        e.leftovers("local", &id).0 + e.leftovers("remote", &id).0,
        0,
        "nothing is left on either daemon"
    );
    pane.wait_for("the list to show it ended", 30, |s| {
        s.lines()
            .any(|l| l.contains(&id) && l.contains("terminated"))
    });
    pane.keys(&["q"]);
}
