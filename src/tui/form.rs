//! The start form: execution name, every parameter as a typed field, the
//! per-group memory and cores, errors next to the field as you type, and a
//! live placement preview (which instance goes where, or why nothing fits)
//! recomputed from the nodes already on screen at every change.

use crate::console::catalog::{Entry, ParamType};
use crate::console::catalog::{Field, MIN_CORES, MIN_MEMORY_BYTES, range_text};
use crate::console::catalog::{step_int, whole_number};
use crate::console::launch::plan_on;
use crate::console::{Console, LaunchRequest, Prepared};
use crate::model::NodeSnapshot;
use crate::model::{ExecutionId, GIB, format_cores};

pub use super::form_field::{Edited, FormField};

/// The target field's value when placement may choose any target.
pub const ANY: &str = "any";

/// The key a relaunch's values carry the target under (never a
/// parameter's: those are `<name>-<kind>`).
pub const TARGET_KEY: &str = "--on";

/// The key a relaunch's values carry the execution name under.
pub const NAME_KEY: &str = "--name";

/// The key a relaunch's values carry a group's memory (GiB) under.
pub fn memory_key(group: &str) -> String {
    format!("--memory {group}")
}

/// The key a relaunch's values carry a group's cores under.
pub fn cores_key(group: &str) -> String {
    format!("--cores {group}")
}

/// Bytes as the shortest number of GiB that gives them back exactly as a
/// memory field is read (`floor(GiB × 2^30)`): 64 MiB is `0.0625`, and
/// the 107374182 bytes of `0.1` are `0.1` again.
pub fn gib_text(bytes: u64) -> String {
    let gib = bytes as f64 / GIB as f64;
    for digits in 0..=12 {
        let text = format!("{gib:.digits$}");
        let text = if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        };
        if text
            .parse::<f64>()
            .is_ok_and(|v| (v * GIB as f64).floor() as u64 == bytes)
        {
            return text;
        }
    }
    format!("{gib}")
}

/// Where the form's launch is.
#[derive(Debug, Clone, PartialEq)]
pub enum Launch {
    /// Being filled in.
    Editing,
    /// Sent: the progress shows in the form until it ends.
    Launching(ExecutionId),
    /// It failed: why, shown next to the fields, which keep their values.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    /// (instance, node, essential); elastic instances with no room now.
    Fits {
        placed: Vec<(String, String, bool)>,
        later: Vec<String>,
    },
    NoRoom(String),
    /// The inputs do not make an execution yet.
    Invalid,
    /// No node has answered yet.
    NoNodes,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub entry_id: String,
    pub entry_name: String,
    pub fields: Vec<FormField>,
    pub focus: usize,
    /// Problems that belong to no single field.
    pub general: Vec<String>,
    pub preview: Preview,
    /// The execution as it would be launched now, when valid.
    pub prepared: Option<Prepared>,
    /// Whether it was launched, and how that went.
    pub launch: Launch,
    /// The execution this form relaunches (`r`), for the audit trail.
    pub relaunch_of: Option<String>,
    /// Fixed while the form is filled in, so the preview's names are
    /// stable (a new one after a failed launch).
    id: ExecutionId,
    /// The resources shown read-only (a role without
    /// `can_customize_resources`): one line each, then why.
    pub locked: Vec<String>,
}

impl Form {
    /// A form pre-filled with the defaults, or with `values` (a relaunch).
    pub fn new(entry: &Entry, values: &[(String, String)]) -> Form {
        let given = |key: &str| {
            values
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let mut fields = vec![FormField::new(
            Field::ExecutionName,
            "Execution name".into(),
            given(NAME_KEY)
                .unwrap_or_else(|| crate::console::default_execution_name(&entry.description.name)),
            None,
        )];
        for p in &entry.parameters {
            let int = match p.value_type {
                ParamType::Int { min, max, step } => Some((min, max, step)),
                ParamType::String => None,
            };
            let value = given(&p.field_name())
                .or_else(|| p.default.clone())
                .unwrap_or_default();
            fields.push(FormField::new(
                Field::Parameter(p.field_name()),
                p.readable_name.clone(),
                value,
                int,
            ));
        }
        for g in &entry.description.services {
            // the shortest text that gives the bytes back, so an untouched
            // field changes nothing
            let memory = given(&memory_key(&g.name))
                .or_else(|| g.resources.memory.min.map(gib_text))
                .unwrap_or_default();
            fields.push(FormField::new(
                Field::Memory(g.name.clone()),
                format!("{} memory (GiB)", g.name),
                memory,
                None,
            ));
            fields.push(FormField::new(
                Field::Cores(g.name.clone()),
                format!("{} cores", g.name),
                given(&cores_key(&g.name)).unwrap_or_else(|| format_cores(g.cores_min())),
                None,
            ));
        }
        // where it runs: anywhere placement chooses, or one target (`--on`)
        let mut target = FormField::new(
            Field::Target,
            "Target (+/- to choose)".into(),
            given(TARGET_KEY).unwrap_or_else(|| ANY.into()),
            None,
        );
        target.choices = vec![ANY.into()];
        fields.push(target);
        Form {
            entry_id: entry.id.clone(),
            entry_name: entry.name_label().to_string(),
            fields,
            focus: 0,
            general: Vec::new(),
            preview: Preview::Invalid,
            prepared: None,
            launch: Launch::Editing,
            relaunch_of: None,
            id: ExecutionId::generate(),
            locked: Vec::new(),
        }
    }

    /// For a role that may not change resources: no memory or cores
    /// fields (the entry's values are launched), each group's resources
    /// shown read-only instead, then `why`.
    pub fn lock_resources(&mut self, entry: &Entry, why: String) {
        self.fields
            .retain(|f| !matches!(f.field, Field::Memory(_) | Field::Cores(_)));
        self.focus = self.focus.min(self.fields.len().saturating_sub(1));
        self.locked = entry
            .description
            .services
            .iter()
            .map(|g| {
                format!(
                    "{}: {} GiB, {}",
                    g.name,
                    g.resources.memory.min.map(gib_text).unwrap_or_default(),
                    crate::model::text::cores(&format_cores(g.cores_min()))
                )
            })
            .collect();
        self.locked.push(why);
    }

    /// The choices as a launch request; a field that is not a number where
    /// one is needed becomes an error of that field.
    fn request(&mut self, limits: crate::model::OverrideLimits) -> LaunchRequest {
        let mut request = LaunchRequest::default();
        for f in &mut self.fields {
            f.error = None;
            f.note = clamp_note(f, limits);
            match &f.field {
                Field::ExecutionName => request.name = Some(f.value().trim().to_string()),
                Field::Parameter(key) => request.params.push((key.clone(), f.value().to_string())),
                Field::Memory(group) | Field::Cores(group) if f.value().trim().is_empty() => {
                    let _ = group; // empty: keep the description's value
                }
                Field::Memory(group) => match f.value().trim().parse::<f64>() {
                    Ok(v) => request.memory.push((group.clone(), v)),
                    Err(_) => f.error = Some(format!("`{}` is not a number of GiB", f.value())),
                },
                Field::Cores(group) => match f.value().trim().parse::<f64>() {
                    Ok(v) => request.cores.push((group.clone(), v)),
                    Err(_) => f.error = Some(format!("`{}` is not a number", f.value())),
                },
                Field::Target => {
                    let value = f.value().trim();
                    if !value.is_empty() && value != ANY {
                        request.target = Some(value.to_string());
                    }
                }
                Field::Owner | Field::Description => {}
            }
        }
        request
    }

    /// Validates everything and recomputes the preview.
    pub fn refresh(&mut self, console: &Console, nodes: &[NodeSnapshot]) {
        self.general.clear();
        self.prepared = None;
        let request = self.request(console.settings().override_limits());
        let Some(entry) = console.shop().entry(&self.entry_id) else {
            self.general
                .push("this entry is no longer in the shop".into());
            self.preview = Preview::Invalid;
            return;
        };
        // the targets to choose from, and the one chosen must be one of them
        let mut names: Vec<String> = vec![ANY.into()];
        for n in nodes {
            if !names.contains(&n.target) {
                names.push(n.target.clone());
            }
        }
        if let Some(f) = self.fields.iter_mut().find(|f| f.field == Field::Target) {
            f.choices = names;
            if !nodes.is_empty()
                && let Err(why) =
                    crate::console::target::check_target(nodes, request.target.as_deref())
            {
                f.error = Some(why);
            }
        }
        let typed_errors = self.fields.iter().any(|f| f.error.is_some());
        match console.prepare_with_id(entry, &request, self.id.clone()) {
            Ok(prepared) if !typed_errors => self.prepared = Some(prepared),
            Ok(_) => {}
            Err(errors) => {
                for e in errors {
                    match self.fields.iter_mut().find(|f| f.field == e.field) {
                        Some(f) if f.error.is_none() => f.error = Some(e.message),
                        Some(_) => {}
                        None => self.general.push(e.to_string()),
                    }
                }
            }
        }
        self.preview = match &self.prepared {
            None => Preview::Invalid,
            Some(_) if nodes.is_empty() => Preview::NoNodes,
            Some(prepared) => match plan_on(nodes, prepared, console.settings()) {
                Ok(plan) => Preview::Fits {
                    placed: plan
                        .placements
                        .iter()
                        .map(|p| (p.instance.clone(), p.node.clone(), p.essential))
                        .collect(),
                    later: plan.deferred.iter().map(|(i, _)| i.clone()).collect(),
                },
                Err(rejection) => Preview::NoRoom(rejection.to_string()),
            },
        };
    }

    pub fn focused(&mut self) -> Option<&mut FormField> {
        self.fields.get_mut(self.focus)
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len().max(1);
        if let Some(f) = self.focused() {
            f.focus();
        }
    }

    pub fn previous(&mut self) {
        self.focus = (self.focus + self.fields.len().max(1) - 1) % self.fields.len().max(1);
        if let Some(f) = self.focused() {
            f.focus();
        }
    }

    /// `+`/`-` on an int field: one step within its bounds; on a field
    /// with choices, the next or previous one.
    /// Not while the field is being typed into: `+`/`-` are characters
    /// then (see `form_field`).
    pub fn step(&mut self, up: bool) -> bool {
        let Some(f) = self.focused() else {
            return false;
        };
        if !f.steps() {
            return false;
        }
        if !f.choices.is_empty() {
            let n = f.choices.len();
            let at = f.choices.iter().position(|c| c == f.value()).unwrap_or(0);
            let next = if up { (at + 1) % n } else { (at + n - 1) % n };
            let value = f.choices[next].clone();
            f.set_value(value);
            return true;
        }
        let Some((min, max, step)) = f.int else {
            return false;
        };
        let current = whole_number(f.value()).unwrap_or(min);
        f.set_value(step_int(current, min, max, step, up).to_string());
        true
    }

    pub fn is_valid(&self) -> bool {
        self.prepared.is_some()
    }

    /// A key that is no form command edits the focused field; whether
    /// the value changed.
    pub fn edit(&mut self, key: ratatui::crossterm::event::KeyEvent) -> bool {
        self.focused().is_some_and(|f| f.edit(key) == Edited::Value)
    }

    /// The launch was sent.
    pub fn launching(&mut self, id: ExecutionId) {
        self.launch = Launch::Launching(id);
    }

    pub fn is_launching(&self) -> bool {
        matches!(self.launch, Launch::Launching(_))
    }

    /// The launch failed: the form stays with every value, says why, and
    /// a launch again is a new execution (a new id: the failed one keeps
    /// its record).
    pub fn failed(&mut self, why: String, console: &Console, nodes: &[NodeSnapshot]) {
        self.launch = Launch::Failed(why);
        self.id = ExecutionId::generate();
        self.refresh(console, nodes);
    }
}

/// What a memory or cores value above the deployment's maximum becomes,
/// said next to its field (the launch clamps it, as Zoe does).
fn clamp_note(f: &FormField, limits: crate::model::OverrideLimits) -> Option<String> {
    let value: f64 = f.value().trim().parse().ok()?;
    match &f.field {
        Field::Memory(_) if value.is_finite() && value > limits.max_memory_gib => Some(format!(
            "clamped to {} GiB — this deployment allows {}",
            format_cores(limits.max_memory_gib),
            range_text(
                crate::model::format_bytes(MIN_MEMORY_BYTES),
                format!("{} GiB", format_cores(limits.max_memory_gib))
            )
        )),
        Field::Cores(_) if value.is_finite() && value > limits.max_cores => Some(format!(
            "clamped to {} — this deployment allows {} cores",
            format_cores(limits.max_cores),
            range_text(MIN_CORES, format_cores(limits.max_cores))
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::Owner;
    use crate::console::catalog::{Limits, load_shop};

    fn console() -> Console {
        let shop = load_shop(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shop"),
            &Limits::default(),
        );
        Console::new(
            crate::config::Settings::default(),
            shop,
            Ok(Owner {
                name: "alice".into(),
                fs_uid: 1000,
            }),
        )
    }

    fn node(name: &str, memory_gib: u64) -> NodeSnapshot {
        let mut n = NodeSnapshot::offline(
            name,
            String::new(),
            String::new(),
            Vec::new(),
            String::new(),
        );
        n.error = None;
        n.cores_total = 4.0;
        n.memory_total = memory_gib * GIB;
        n
    }

    #[test]
    fn defaults_are_valid_and_the_preview_places_everything() {
        let console = console();
        let entry = console.shop().entry("master-workers-0").unwrap();
        let mut form = Form::new(entry, &[]);
        form.refresh(&console, &[node("a", 8), node("b", 8)]);
        assert!(
            form.is_valid(),
            "{:?} {:?}",
            form.general,
            form.fields
                .iter()
                .filter_map(|f| f.error.clone())
                .collect::<Vec<_>>()
        );
        match &form.preview {
            Preview::Fits { placed, later } => {
                assert_eq!(placed.len(), 6);
                assert!(later.is_empty());
                let host = &placed[0].1;
                assert!(
                    placed.iter().all(|p| &p.1 == host),
                    "one host for the execution"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_sit_next_to_their_field_and_the_preview_follows_every_change() {
        let console = console();
        let entry = console.shop().entry("master-workers-0").unwrap();
        let mut form = Form::new(entry, &[]);
        let workers = form
            .fields
            .iter()
            .position(|f| f.field == Field::Parameter("worker-service_count".into()))
            .unwrap();
        form.focus = workers;
        // step up within bounds
        assert!(form.step(true));
        form.refresh(&console, &[node("a", 8)]);
        match &form.preview {
            Preview::Fits { placed, .. } => assert_eq!(
                placed.iter().filter(|p| p.0.starts_with("worker")).count(),
                3
            ),
            other => panic!("{other:?}"),
        }
        // out of range: an error on that field, no preview
        form.fields[workers].set_value("99".into());
        form.refresh(&console, &[node("a", 8)]);
        assert!(
            form.fields[workers]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("outside 1–8"))
        );
        assert_eq!(form.preview, Preview::Invalid);
        // a bad name is the name field's error
        form.fields[workers].set_value("2".into());
        form.fields[0].set_value("has space".into());
        form.refresh(&console, &[node("a", 8)]);
        assert!(form.fields[0].error.is_some());
        form.fields[0].set_value("ok".into());
        // memory too big for any node: the preview says why not
        let memory = form
            .fields
            .iter()
            .position(|f| f.field == Field::Memory("master".into()))
            .unwrap();
        form.fields[memory].set_value("60".into());
        form.refresh(&console, &[node("a", 8)]);
        assert!(
            matches!(&form.preview, Preview::NoRoom(why) if why.contains("a: memory short by")),
            "{:?}",
            form.preview
        );
        form.fields[memory].set_value("lots".into());
        form.refresh(&console, &[node("a", 8)]);
        assert!(
            form.fields[memory]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("not a number"))
        );
        assert!(!form.is_valid());
    }

    #[test]
    fn the_target_field_pins_the_execution_to_one_target() {
        let console = console();
        let entry = console.shop().entry("web-hello-0").unwrap();
        let mut form = Form::new(entry, &[]);
        let mut cluster = node("lab/n1", 8);
        cluster.target = "lab".into();
        let nodes = [node("local", 8), cluster];
        form.refresh(&console, &nodes);
        let target = form
            .fields
            .iter()
            .position(|f| f.field == Field::Target)
            .unwrap();
        assert_eq!(form.fields[target].value(), ANY);
        assert_eq!(form.fields[target].choices, [ANY, "local", "lab"]);
        form.focus = target;
        assert!(form.step(false), "- goes round to the last");
        form.refresh(&console, &nodes);
        assert_eq!(form.fields[target].value(), "lab");
        assert_eq!(
            form.prepared.as_ref().unwrap().target.as_deref(),
            Some("lab")
        );
        match &form.preview {
            Preview::Fits { placed, .. } => assert!(placed.iter().all(|p| p.1 == "lab/n1")),
            other => panic!("{other:?}"),
        }
        // typed: a name that is no target is that field's error
        form.fields[target].set_value("nowhere".into());
        form.refresh(&console, &nodes);
        assert!(
            form.fields[target]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("no target `nowhere`")),
            "{:?}",
            form.fields[target].error
        );
        assert!(!form.is_valid());
    }

    #[test]
    fn memory_is_shown_as_the_shortest_gib_that_gives_its_bytes_back() {
        for (bytes, text) in [
            (64 << 20, "0.0625"),
            (107_374_182, "0.1"),
            (3 << 29, "1.5"),
            (8 * GIB, "8"),
            (6 << 20, "0.005859375"),
        ] {
            assert_eq!(gib_text(bytes), text);
        }
        // whatever the bytes, the text reads back to them exactly
        for bytes in [1, 1023, 100_000_000, 123_456_789_012, (1 << 50) - 1] {
            let back: f64 = gib_text(bytes).parse().unwrap();
            assert_eq!((back * GIB as f64).floor() as u64, bytes, "{bytes}");
        }
    }

    #[test]
    fn relaunch_values_fill_name_memory_and_cores() {
        let console = console();
        let entry = console.shop().entry("master-workers-0").unwrap();
        let form = Form::new(
            entry,
            &[
                (NAME_KEY.into(), "again".into()),
                (memory_key("worker"), "0.1".into()),
                (cores_key("master"), "0.5".into()),
            ],
        );
        let value = |field: Field| {
            form.fields
                .iter()
                .find(|f| f.field == field)
                .unwrap()
                .value()
                .to_string()
        };
        assert_eq!(value(Field::ExecutionName), "again");
        assert_eq!(value(Field::Memory("worker".into())), "0.1");
        assert_eq!(value(Field::Cores("master".into())), "0.5");
        // the others keep the entry's
        assert_eq!(value(Field::Memory("master".into())), "0.0625");
    }

    #[test]
    fn relaunch_prefills_the_values_used() {
        let console = console();
        let entry = console.shop().entry("batch-counter-0").unwrap();
        let form = Form::new(entry, &[("STEPS-environment".into(), "42".into())]);
        assert!(
            form.fields
                .iter()
                .any(|f| f.field == Field::Parameter("STEPS-environment".into())
                    && f.value() == "42")
        );
    }
}
