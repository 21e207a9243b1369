//! The start form: it stays open while it launches, with the progress
//! per instance inside it; a failure keeps every value and says why
//! beside the fields; a relaunch fills in everything the execution was
//! started with; values Docker refuses are refused as you type, a clamped
//! one says so; `-`, fresh typing and long values in narrow fields.

use super::*;
use crate::console::events::Event;
use crate::tui::form::Launch;

/// The start form of the entry the shop filter `filter` finds.
fn form_of(filter: &str) -> App {
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('/')));
    for c in filter.chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
    a.on_key(key(KeyCode::Enter));
    a.on_key(key(KeyCode::Char('s')));
    assert_eq!(a.mode, Mode::Form);
    a
}

fn type_text(a: &mut App, text: &str) {
    for c in text.chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
}

/// Tab until the field labelled `label` has the focus.
fn focus(a: &mut App, label: &str) {
    for _ in 0..40 {
        let form = a.form.as_ref().unwrap();
        if form.fields[form.focus].label == label {
            return;
        }
        a.on_key(key(KeyCode::Tab));
    }
    panic!("no field {label}");
}

fn value(a: &App, label: &str) -> String {
    let form = a.form.as_ref().unwrap();
    form.fields
        .iter()
        .find(|f| f.label == label)
        .unwrap()
        .value()
        .to_string()
}

/// The master + workers form with 3 workers and 1.5 GiB per worker,
/// launched: the id it launches.
fn launched_form() -> (App, String) {
    let mut a = form_of("master");
    focus(&mut a, "Workers");
    a.on_key(key(KeyCode::Char('+')));
    focus(&mut a, "worker memory (GiB)");
    type_text(&mut a, "1.5");
    let id = match a.on_key(key(KeyCode::Enter)) {
        Request::Launch(prepared) => prepared.identity.id.to_string(),
        other => panic!("{other:?}"),
    };
    (a, id)
}

fn progress(a: &mut App, id: &str) {
    let ex = || crate::model::ExecutionId::from(id);
    a.on_update(Update::Progress(Event::Placed {
        execution: ex(),
        placements: vec![
            ("master0".into(), "local".into()),
            ("worker0".into(), "local".into()),
            ("worker1".into(), "local".into()),
        ],
        deferred: vec![],
    }));
    a.on_update(Update::Progress(Event::Running {
        execution: ex(),
        instance: "master0".into(),
        host: "local".into(),
        container: "c0".into(),
    }));
    a.on_update(Update::Progress(Event::Creating {
        execution: ex(),
        instance: "worker0".into(),
        host: "local".into(),
    }));
}

#[test]
fn the_form_stays_open_while_it_launches_with_the_progress_inside() {
    let (mut a, id) = launched_form();
    assert_eq!(a.mode, Mode::Form, "the form stays");
    assert!(matches!(&a.form.as_ref().unwrap().launch, Launch::Launching(l) if l.as_str() == id));
    progress(&mut a, &id);
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains(&format!("launching {id}")), "{screen}");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("master0") && l.contains("running")),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.contains("worker0") && l.contains("creating")),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.contains("worker1") && l.contains("placed")),
        "{screen}"
    );
    // the progress is in the form, not drawn again over it
    assert_eq!(screen.matches("master0").count(), 1, "{screen}");
    // the status line's hints say what esc does now
    a.message = None;
    let screen = render(&mut a, 80, 24);
    assert!(
        screen.contains("esc close the form (the launch goes on)"),
        "{screen}"
    );
    // keys wait while it launches: nothing is typed, and it says what esc does
    let before = value(&a, "worker memory (GiB)");
    a.on_key(key(KeyCode::Char('9')));
    assert_eq!(value(&a, "worker memory (GiB)"), before);
    assert!(
        a.message.as_ref().unwrap().0.contains("the launch goes on"),
        "{:?}",
        a.message
    );
    // it succeeds: the form closes and the executions view shows it
    a.on_update(Update::Launched {
        id: id.as_str().into(),
        result: Ok(crate::console::launch::Launched {
            execution: id.as_str().into(),
            containers: Vec::new(),
            deferred: Vec::new(),
            endpoints: Vec::new(),
        }),
    });
    assert!(a.form.is_none());
    assert_eq!((a.mode, a.view), (Mode::Normal, View::Executions));
    assert!(a.message.as_ref().unwrap().0.contains("is running"));
    // the next look lists it: it is the execution selected
    let mut rows = a.data.executions.clone();
    let mut new = rows[1].clone();
    new.id = id.as_str().into();
    new.submitted = NOW - 1;
    rows.insert(2, new);
    a.on_key(key(KeyCode::Char('j')));
    a.on_update(Update::Cluster {
        nodes: a.data.nodes.clone(),
        executions: rows,
    });
    assert_eq!(a.selected_execution().unwrap().id.as_str(), id);
}

#[test]
fn the_form_while_launching() {
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut a, id) = launched_form();
        progress(&mut a, &id);
        // ids are random: the snapshot shows a fixed one
        let screen = render(&mut a, w, h).replace(&id, "1launching");
        snapshot(&format!("form-launching-{w}x{h}"), &screen);
    }
}

/// What the engine says when the launch failed.
const FAILURE: &str = "worker1 on local: cannot start: OCI runtime create failed: exec: \"/no/such\": stat /no/such: no such file or directory; rolled back: 3 containers removed";

fn failed(id: &str) -> Update {
    Update::Launched {
        id: id.into(),
        result: Err(FAILURE.into()),
    }
}

#[test]
fn a_failed_launch_keeps_the_form_its_values_and_says_why() {
    let (mut a, first) = launched_form();
    progress(&mut a, &first);
    a.on_update(failed(&first));
    assert_eq!(a.mode, Mode::Form, "the form stays");
    let form = a.form.as_ref().unwrap();
    assert_eq!(form.launch, Launch::Failed(FAILURE.into()));
    // nothing typed is lost
    assert_eq!(value(&a, "Workers"), "3");
    assert_eq!(value(&a, "worker memory (GiB)"), "1.5");
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains("launch failed"), "{screen}");
    assert!(screen.contains("no such file"), "{screen}");
    assert!(screen.contains("placement preview"), "{screen}");
    // fix a value and launch again: a new execution, the values kept
    focus(&mut a, "Workers");
    a.on_key(key(KeyCode::Char('-')));
    assert_eq!(value(&a, "Workers"), "2");
    match a.on_key(key(KeyCode::Enter)) {
        Request::Launch(prepared) => {
            assert_ne!(prepared.identity.id.as_str(), first, "a new id");
            let worker = prepared
                .description
                .services
                .iter()
                .find(|g| g.name == "worker")
                .unwrap();
            assert_eq!(worker.resources.memory.min, Some(3 << 29));
            assert_eq!(worker.total_count, 2);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_form_after_a_failed_launch() {
    for (w, h) in [(80, 24), (160, 48)] {
        let (mut a, id) = launched_form();
        progress(&mut a, &id);
        a.on_update(failed(&id));
        snapshot(&format!("form-failed-{w}x{h}"), &render(&mut a, w, h));
    }
}

#[test]
fn esc_while_launching_closes_the_form_and_the_launch_goes_on() {
    let (mut a, id) = launched_form();
    progress(&mut a, &id);
    assert_eq!(a.on_key(key(KeyCode::Esc)), Request::None);
    assert!(a.form.is_none() && a.mode == Mode::Normal);
    let message = &a.message.as_ref().unwrap().0;
    assert!(
        message.contains(&format!("the launch of {id} goes on")),
        "{message}"
    );
    // its progress shows over the view until it ends
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains(" launching "), "{screen}");
    // another launch meanwhile: its own form, its own outcome
    a.on_key(key(KeyCode::Char('s')));
    let second = match a.on_key(key(KeyCode::Enter)) {
        Request::Launch(prepared) => prepared.identity.id,
        other => panic!("{other:?}"),
    };
    // the first one fails: the form open is not the one that failed
    a.on_update(Update::Launched {
        id: id.as_str().into(),
        result: Err(FAILURE.into()),
    });
    assert!(a.form.as_ref().unwrap().is_launching());
    assert_eq!(a.message.as_ref().unwrap().0, FAILURE);
    assert_eq!(a.data.launching.as_deref(), Some(second.as_str()));
    a.on_update(Update::Launched {
        id: second,
        result: Err(FAILURE.into()),
    });
    assert!(matches!(a.form.as_ref().unwrap().launch, Launch::Failed(_)));
}

#[test]
fn going_to_another_view_while_launching_closes_the_form_and_goes_there() {
    let (mut a, id) = launched_form();
    // a field's key does nothing while it launches, tab stays the form's
    a.on_key(key(KeyCode::Char('x')));
    a.on_key(key(KeyCode::Tab));
    assert!(a.form.is_some());
    assert_eq!(a.view, View::Shop);
    // `2`: the executions view, the launch goes on
    a.on_key(key(KeyCode::Char('2')));
    assert!(a.form.is_none() && a.mode == Mode::Normal);
    assert_eq!(a.view, View::Executions);
    assert_eq!(a.data.launching.as_deref(), Some(id.as_str()));
}

#[test]
fn a_launch_that_waits_in_the_queue_closes_the_form() {
    let (mut a, id) = launched_form();
    a.on_update(Update::Progress(Event::Status {
        execution: id.as_str().into(),
        status: ExecutionStatus::Queued,
        reason: Some("no room now".into()),
    }));
    assert!(a.form.is_none() && a.mode == Mode::Normal);
    assert!(a.data.launching.is_none(), "another launch may start");
    assert!(
        a.message.as_ref().unwrap().0.contains("waits in the queue"),
        "{:?}",
        a.message
    );
}

#[test]
fn a_relaunch_fills_in_name_parameters_memory_and_cores() {
    let mut a = app("default");
    a.on_key(key(KeyCode::Char('2')));
    a.on_key(key(KeyCode::Char('r')));
    a.on_update(relaunch_values("3"));
    assert_eq!(a.mode, Mode::Form);
    assert_eq!(value(&a, "Execution name"), "demo");
    assert_eq!(value(&a, "Workers"), "3");
    assert_eq!(value(&a, "worker memory (GiB)"), "1.5");
    assert_eq!(value(&a, "master cores"), "0.25");
    // launched as it is: the same values again
    match a.on_key(key(KeyCode::Enter)) {
        Request::Launch(prepared) => {
            assert_eq!(prepared.identity.name, "demo");
            let group = |name: &str| {
                prepared
                    .description
                    .services
                    .iter()
                    .find(|g| g.name == name)
                    .unwrap()
                    .clone()
            };
            assert_eq!(group("worker").resources.memory.min, Some(3 << 29));
            assert_eq!(group("master").resources.cores.min, Some(0.25));
            assert_eq!(group("worker").total_count, 3);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn memory_docker_refuses_is_refused_as_you_type_and_a_clamp_says_so() {
    let mut a = form_of("master");
    focus(&mut a, "master memory (GiB)");
    type_text(&mut a, "0.005");
    let screen = render(&mut a, 120, 36);
    assert!(
        screen.contains("below the 6 MiB a container may have"),
        "{screen}"
    );
    assert!(!a.form.as_ref().unwrap().is_valid());
    assert_eq!(a.on_key(key(KeyCode::Enter)), Request::None);
    // above the maximum: accepted, clamped, and said next to the field
    a.on_key(ctrl('u'));
    type_text(&mut a, "900");
    assert_eq!(value(&a, "master memory (GiB)"), "900");
    let screen = render(&mut a, 120, 36);
    assert!(
        screen.contains("clamped to 64 GiB — this deployment allows 6 MiB–64 GiB"),
        "{screen}"
    );
    // cores: zero is no cores, above the maximum is clamped
    focus(&mut a, "master cores");
    type_text(&mut a, "0");
    let screen = render(&mut a, 120, 36);
    assert!(
        screen.contains("cores must be a positive number"),
        "{screen}"
    );
    a.on_key(key(KeyCode::Backspace));
    type_text(&mut a, "99");
    let screen = render(&mut a, 120, 36);
    assert!(
        screen.contains("clamped to 16 — this deployment allows 0.01–16 cores"),
        "{screen}"
    );
}

#[test]
fn minus_steps_a_fresh_number_and_types_a_sign_once_typing_began() {
    let mut a = form_of("master");
    focus(&mut a, "Workers");
    assert_eq!(value(&a, "Workers"), "2");
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains("1–8 (+/-)"), "ranges read 1–8: {screen}");
    // fresh: `-` steps
    a.on_key(key(KeyCode::Char('-')));
    assert_eq!(value(&a, "Workers"), "1");
    // typing replaces the value shown, then `-` is a character
    type_text(&mut a, "5");
    assert_eq!(value(&a, "Workers"), "5", "the value shown is replaced");
    a.on_key(key(KeyCode::Home));
    a.on_key(key(KeyCode::Char('-')));
    assert_eq!(value(&a, "Workers"), "-5");
    let screen = render(&mut a, 80, 24);
    assert!(screen.contains("-5 is outside 1–8"), "{screen}");
    assert!(!screen.contains("(+/-)"), "no steps while typing: {screen}");
    // an emptied field is typed fresh, `-` included
    a.on_key(key(KeyCode::End));
    a.on_key(ctrl('u'));
    assert_eq!(value(&a, "Workers"), "");
    type_text(&mut a, "-3");
    assert_eq!(value(&a, "Workers"), "-3");
    // leaving and coming back: fresh again, `+` steps (into the range)
    a.on_key(key(KeyCode::Tab));
    a.on_key(key(KeyCode::BackTab));
    a.on_key(key(KeyCode::Char('+')));
    assert_eq!(value(&a, "Workers"), "2");
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent {
        modifiers: KeyModifiers::CONTROL,
        ..key(KeyCode::Char(c))
    }
}

#[test]
fn a_long_command_scrolls_sideways_with_a_visible_cursor() {
    let mut a = form_of("environment");
    focus(&mut a, "Command");
    let command = value(&a, "Command");
    assert!(command.len() > 80, "{command}");
    // the end of the value, with the text before it cut
    a.on_key(key(KeyCode::End));
    let screen = render(&mut a, 80, 24);
    let line = screen.lines().find(|l| l.contains("▶ Command")).unwrap();
    assert!(line.contains("…") && line.contains("done'"), "{line}");
    // readline keys: ctrl-w deletes the word before the cursor
    a.on_key(ctrl('w'));
    assert!(!value(&a, "Command").ends_with("done'"));
    // home: its start, the end cut
    a.on_key(ctrl('a'));
    let screen = render(&mut a, 80, 24);
    let line = screen.lines().find(|l| l.contains("▶ Command")).unwrap();
    assert!(
        line.contains("sh -c") && line.trim_end().ends_with("…│"),
        "{line}"
    );
    // every line fits in 80 columns
    assert!(screen.lines().all(|l| l.chars().count() <= 80));
}
