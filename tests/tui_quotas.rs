//! Quotas, the runtime limit and the audit trail in the terminal UI,
//! against the real daemons (the real binary in tmux, 120×36): the start
//! form says the launch is over the quota before it is tried, and keeps its
//! values when the engine refuses it; the UI's own supervision ends an
//! execution past its runtime limit with `Run time quota exceeded`, shown
//! in the executions view, nothing left behind; a relaunch from the UI is
//! recorded as one and the inspect pane shows it.
//!
//! Needs tmux and the test engines (scripts/test.sh provides both); skipped
//! without them unless ZOE_REQUIRE_ENGINES=1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::engines::{Engines, Setup, custom_shop, execution_id, one_host, service};
use common::tmux::{Pane, open_zoe, ready, wait_until};
use serde_json::json;

fn setup_with(e: &Engines, shop: &std::path::Path, extra: &str) -> Setup {
    custom_shop(shop, json!([service("app", "zoe-demo/busybox:1", 0, &[])]));
    let setup = Setup::with_shop(&one_host("local", &e.docker_host("local")), shop);
    let mut text = std::fs::read_to_string(&setup.config).unwrap();
    text.push_str(extra);
    std::fs::write(&setup.config, text).unwrap();
    setup
}

fn open(setup: &Setup) -> Pane {
    let pane = open_zoe(setup, "");
    pane.wait_for("the host online", 30, |s| s.contains("1/1 hosts online"));
    pane
}

fn open_form(pane: &Pane) {
    pane.keys(&["1", "s"]);
    pane.wait_for("the start form", 10, |s| s.contains("placement preview"));
}

#[test]
fn the_form_says_over_quota_and_keeps_its_values_when_refused() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = setup_with(&e, shop.path(), "[quota]\nconcurrent_executions = 1\n");
    execution_id(&setup.json(&["start", "custom-0"]));
    let pane = open(&setup);
    open_form(&pane);
    pane.wait_for("the quota line", 15, |s| {
        s.contains("over quota: you cannot run more than 1 execution at")
    });
    pane.text("kept");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the refusal under the form", 15, |s| {
        s.contains("launch failed")
            && s.contains("quota exceeded: you cannot run more than 1 execution at a time")
    });
    assert!(screen.contains("kept"), "the typed value stays:\n{screen}");
    assert!(
        screen.contains("start Custom"),
        "the form stays open:\n{screen}"
    );
    let listed = setup.json(&["ps", "-a"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    pane.keys(&["Escape", "q"]);
}

#[test]
fn the_uis_supervision_ends_an_execution_past_its_runtime_limit() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    // 0.001 h: about 4 s from submission, for everybody (the old [quota])
    let setup = setup_with(&e, shop.path(), "[quota]\nruntime_limit_hours = 0.001\n");
    let pane = open(&setup);
    open_form(&pane);
    let id = pane.launch_until_running("1/1");
    pane.keys(&["2"]);
    pane.wait_for("the reason in the executions view", 40, |s| {
        s.lines()
            .any(|l| l.contains(&id) && l.contains("Run time quota exceeded"))
    });
    // terminated once its service stopped (the grace period)
    wait_until("the record closed", || {
        setup.json(&["inspect", &id])["execution"]["status"] == "terminated"
    });
    let inspect = setup.json(&["inspect", &id]);
    assert_eq!(inspect["execution"]["reason"], "Run time quota exceeded");
    wait_until("nothing of it left on local", || {
        e.leftovers("local", &id) == (0, 0)
    });
    let last = inspect["audit"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["user"], "supervision", "{inspect}");
    pane.keys(&["q"]);
}

#[test]
fn a_relaunch_from_the_ui_is_recorded_and_shown_in_the_inspect_pane() {
    let Some(e) = ready() else { return };
    let shop = tempfile::tempdir().unwrap();
    let setup = setup_with(&e, shop.path(), "");
    let first = execution_id(&setup.json(&["start", "custom-0"]));
    let pane = open(&setup);
    pane.keys(&["2"]);
    pane.wait_for("the execution listed", 15, |s| s.contains(&first));
    pane.keys(&["r"]);
    pane.wait_for("the start form filled in", 15, |s| {
        s.contains("placement preview")
    });
    let second = pane.launch_until_running("1/1");
    let second = if second == first {
        // the row found first may be the old one: the newest is the other
        let listed = setup.json(&["ps"]);
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .find(|id| *id != first)
            .unwrap()
    } else {
        second
    };
    let inspect = setup.json(&["inspect", &second]);
    let audit = inspect["audit"].as_array().unwrap();
    assert_eq!(audit[0]["user"], "tester", "{audit:?}");
    assert_eq!(audit[0]["action"], "relaunched");
    assert_eq!(audit[0]["detail"], format!("relaunch of {first}"));
    // the inspect pane of the new one: it follows the selected row (both
    // may have been submitted in the same second: either is listed first)
    pane.keys(&["2", "g", "Enter", "Escape"]);
    let heading = format!("{second} `custom`");
    let shown = format!("tester relaunched: relaunch of {first}");
    let on_second = pane.wait_for("the inspect pane", 15, |s| s.contains(" inspect — "));
    if !on_second.contains(&heading) {
        pane.keys(&["j"]);
    }
    pane.wait_for("the audit line in the inspect pane", 15, |s| {
        s.contains(&heading) && s.contains(&shown)
    });
    pane.keys(&["Escape", "q"]);
}
