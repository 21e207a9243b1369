//! The terminal UI by role (see `console::roles`): the header says who and
//! which role; a `user` is not offered everybody's executions (`a` says
//! why), sees the start form's resources read-only and only its own
//! instances on the nodes; a `guest` is shown only the entries marked for
//! guests.

use super::*;
use crate::model::access::{AuthSource, Identity, Quota, Role};

/// The usual test app, as `alice` with the built-in role `role`; the shop's
/// first entry (by id) marked `guest_access`.
fn app_as(role: &str) -> App {
    let mut a = app("default");
    let mut shop = load_shop(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("shop"),
        &Limits::default(),
    );
    shop.entries.sort_by(|x, y| x.id.cmp(&y.id));
    shop.entries[0].visibility.guest_access = true;
    let identity = Identity {
        user: "alice".into(),
        role: Role::builtin(role).unwrap(),
        quota: Quota::unlimited(),
        fs_uid: 1000,
        source: AuthSource::Os("test".into()),
        shared: true,
    };
    a.console = crate::console::Console::for_identity(
        crate::config::Settings::default(),
        shop,
        Ok(identity),
    );
    // alice's instance, and one of bob's beside it
    let mut nodes = a.data.nodes.clone();
    let mine = &mut nodes[0].services[0];
    mine.labels.insert("zoe_owner".into(), "alice".into());
    let mut bobs = mine.clone();
    bobs.execution_id = "1ibzzzzzzz".into();
    bobs.name = "master0-1ibzzzzzzz-prod".into();
    bobs.labels.insert("zoe_owner".into(), "bob".into());
    nodes[0].services.push(bobs);
    let executions = a.data.executions.clone();
    a.on_update(Update::Cluster { nodes, executions });
    a
}

fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

#[test]
fn the_header_says_who_and_which_role() {
    let mut a = app_as("user");
    assert!(header(&render(&mut a, 160, 48)).contains(" alice · user@prod "));
    // narrow: the role stays, the view tabs too
    let screen = render(&mut a, 80, 24);
    assert!(header(&screen).contains(" alice·user "), "{screen}");
    assert!(header(&screen).contains("3 nodes"), "{screen}");
    let mut g = app_as("guest");
    assert!(header(&render(&mut g, 160, 48)).contains(" alice · guest@prod "));
}

#[test]
fn a_user_is_not_offered_everybodys_executions() {
    at_roles("executions-user", "user", |a| {
        a.on_key(key(KeyCode::Char('2')));
    });
    let mut a = app_as("user");
    a.on_key(key(KeyCode::Char('2')));
    let screen = render(&mut a, 160, 48);
    assert!(!screen.contains("mine/all"), "{screen}");
    // the key says why instead of toggling
    a.on_key(key(KeyCode::Char('a')));
    let (text, error) = a.message.clone().unwrap();
    assert!(
        error
            && text.contains("your role `user` sees only your own executions")
            && text.contains("can_operate_others"),
        "{text}"
    );
    assert!(a.executions.show_all, "untouched");
    // and `?` leaves it out
    a.message = None;
    a.on_key(key(KeyCode::Char('?')));
    let help = render(&mut a, 160, 48);
    assert!(!help.contains("mine / everybody's"), "{help}");
    // an admin has it
    let mut admin = app_as("admin");
    admin.on_key(key(KeyCode::Char('2')));
    assert!(render(&mut admin, 160, 48).contains("mine/all"));
    admin.on_key(key(KeyCode::Char('?')));
    assert!(render(&mut admin, 160, 48).contains("mine / everybody's"));
}

#[test]
fn a_user_sees_the_start_forms_resources_read_only() {
    let open = |a: &mut App| {
        for c in "/master".chars() {
            a.on_key(key(KeyCode::Char(c)));
        }
        a.on_key(key(KeyCode::Enter));
        a.on_key(key(KeyCode::Char('s')));
    };
    at_roles("form-user", "user", open);
    let mut a = app_as("user");
    open(&mut a);
    let form = a.form.as_ref().unwrap();
    assert!(form.fields.iter().all(|f| !matches!(
        f.field,
        crate::console::catalog::Field::Memory(_) | crate::console::catalog::Field::Cores(_)
    )));
    assert!(
        form.locked
            .last()
            .unwrap()
            .contains("can_customize_resources")
    );
    // what it launches: the entry's resources, no override
    assert!(form.prepared.is_some(), "{:?}", form.general);
    let screen = render(&mut a, 160, 48);
    assert!(
        screen.contains("changing them needs can_customize_resources"),
        "{screen}"
    );
    // a superuser edits them
    let mut su = app_as("superuser");
    open(&mut su);
    assert!(su.form.as_ref().unwrap().locked.is_empty());
    assert!(render(&mut su, 160, 48).contains("memory (GiB)"));
}

#[test]
fn a_user_sees_only_their_own_instances_on_the_nodes() {
    at_roles("nodes-user", "user", |a| {
        a.on_key(key(KeyCode::Char('3')));
    });
    let mut a = app_as("user");
    a.on_key(key(KeyCode::Char('3')));
    let screen = render(&mut a, 160, 48);
    assert!(!screen.contains("1ibzzzzzzz"), "{screen}");
    assert!(
        screen.contains("others: 1 instances of other users"),
        "{screen}"
    );
    let mut su = app_as("superuser");
    su.on_key(key(KeyCode::Char('3')));
    assert!(render(&mut su, 160, 48).contains("1ibzzzzzzz"));
}

#[test]
fn a_guest_is_shown_only_the_entries_for_guests() {
    at_roles("shop-guest", "guest", |_| {});
    let a = app_as("guest");
    assert_eq!(a.console.shop().entries.len(), 1);
    assert!(a.console.shop().entries[0].visibility.guest_access);
    assert!(app_as("user").console.shop().entries.len() > 1);
}

fn at_roles(name: &str, role: &str, setup: impl Fn(&mut App)) {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = app_as(role);
        setup(&mut a);
        snapshot(&format!("{name}-{w}x{h}"), &render(&mut a, w, h));
    }
}
