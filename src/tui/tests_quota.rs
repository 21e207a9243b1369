//! The quota in the terminal UI: the start form says what a launch would
//! leave of the user's quota, or Zoe's refusal in the error colour, as the
//! fields change; the inspect pane shows the audit trail's last lines.

use super::*;
use crate::model::audit::{AuditEntry, AuditSource};

/// `alice` with the quota `small` (5 executions, 8 GiB, `cores` cores)
/// in a shared deployment; her `demo` (running) holds 2 GiB and 1 core.
fn quota_app(cores: &str) -> App {
    let mut a = app("default");
    let settings: crate::config::Settings = toml::from_str(&format!(
        "[users.alice]\nrole = \"user\"\nquota = \"small\"\n[quotas.small]\nconcurrent_executions = 5\nmemory_gib = 8\ncores = {cores}\n"
    ))
    .unwrap();
    let shop = a.console.shop().clone();
    let owner = crate::console::Owner {
        name: "alice".into(),
        fs_uid: 1000,
    };
    a.console = crate::console::Console::new(settings, shop, Ok(owner));
    let mut executions = a.data.executions.clone();
    for row in &mut executions {
        if row.status == ExecutionStatus::Running {
            row.reserved = (2 * GIB, 1.0);
        }
    }
    let nodes = a.data.nodes.clone();
    a.on_update(Update::Cluster { nodes, executions });
    a
}

fn open_form(a: &mut App) {
    a.on_key(key(KeyCode::Char('/')));
    for c in "master".chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    a.on_key(key(KeyCode::Enter));
    a.on_key(key(KeyCode::Char('s')));
    assert_eq!(a.mode, Mode::Form);
}

#[test]
fn the_start_form_says_what_the_launch_leaves_of_the_quota() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = quota_app("4");
        open_form(&mut a);
        let screen = render(&mut a, w, h);
        assert!(
            screen.contains("quota small: this launch leaves"),
            "{screen}"
        );
        snapshot(&format!("form-quota-{w}x{h}"), &screen);
    }
}

#[test]
fn the_start_form_says_over_quota_as_the_fields_change() {
    let mut a = quota_app("1.7");
    open_form(&mut a);
    // 6 instances of 0.1 core fit in 1.7 with the 1 in use, 7 just; 8 do not
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains("this launch leaves"), "{screen}");
    focus_workers(&mut a);
    a.on_key(key(KeyCode::Char('+')));
    a.on_key(key(KeyCode::Char('+')));
    for (w, h) in [(80, 24), (160, 48)] {
        let screen = render(&mut a, w, h);
        assert!(screen.contains("over quota"), "{screen}");
        snapshot(&format!("form-over-quota-{w}x{h}"), &screen);
    }
}

fn focus_workers(a: &mut App) {
    for _ in 0..40 {
        let form = a.form.as_ref().unwrap();
        if form.fields[form.focus].label == "Workers" {
            return;
        }
        a.on_key(key(KeyCode::Tab));
    }
    panic!("no Workers field");
}

#[test]
fn the_inspect_pane_shows_the_audit_trail_newest_last() {
    let entry = |at: u64, user: &str, action: &str, detail: Option<&str>, source| AuditEntry {
        at,
        user: user.into(),
        action: action.into(),
        detail: detail.map(str::to_string),
        source,
    };
    at_both_sizes("inspect-audit", |a| {
        a.zone = chrono::FixedOffset::east_opt(0);
        let mut executions = a.data.executions.clone();
        executions[0].audit = vec![
            entry(NOW - 300, "alice", "launched", None, AuditSource::Labels),
            entry(
                NOW - 200,
                "alice",
                "relaunched",
                Some("relaunch of 1ibwz9y8x7"),
                AuditSource::Cache,
            ),
            entry(
                NOW - 60,
                "root",
                "terminated",
                Some("terminated by root (owner alice, --all-users) in the terminal UI"),
                AuditSource::Cache,
            ),
            entry(
                NOW - 5,
                "supervision",
                "terminated",
                Some("Run time quota exceeded"),
                AuditSource::Cache,
            ),
        ];
        let nodes = a.data.nodes.clone();
        a.on_update(Update::Cluster { nodes, executions });
        a.on_key(key(KeyCode::Char('2')));
        a.on_key(key(KeyCode::Enter));
    });
}
