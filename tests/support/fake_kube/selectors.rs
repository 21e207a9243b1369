//! Label selectors (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`) and
//! field selectors (`=`, `==`, `!=` on the fields each kind supports),
//! matched against the JSON form of an object.

use serde_json::Value;

use super::status::Failure;
use super::store::Kind;

#[derive(Debug, Clone)]
enum Label {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

#[derive(Debug, Clone, Default)]
pub struct Selector {
    labels: Vec<Label>,
    fields: Vec<(String, bool, String)>,
}

/// Splits on commas outside parentheses.
fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn set(text: &str) -> Option<Vec<String>> {
    let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.split(',').map(|v| v.trim().to_string()).collect())
}

fn label_term(term: &str) -> Option<Label> {
    if let Some(key) = term.strip_prefix('!') {
        return Some(Label::Absent(key.trim().to_string()));
    }
    if let Some((k, v)) = term.split_once("!=") {
        return Some(Label::Ne(k.trim().into(), v.trim().into()));
    }
    if let Some((k, v)) = term.split_once("==") {
        return Some(Label::Eq(k.trim().into(), v.trim().into()));
    }
    if let Some((k, v)) = term.split_once('=') {
        return Some(Label::Eq(k.trim().into(), v.trim().into()));
    }
    if let Some((k, v)) = term.split_once(" notin ") {
        return Some(Label::NotIn(k.trim().into(), set(v)?));
    }
    if let Some((k, v)) = term.split_once(" in ") {
        return Some(Label::In(k.trim().into(), set(v)?));
    }
    if term.contains(' ') || term.contains('(') {
        return None;
    }
    Some(Label::Exists(term.to_string()))
}

/// The fields a kind can be selected by (as the API server allows them).
fn field_allowed(kind: Kind, field: &str) -> bool {
    if field == "metadata.name" || field == "metadata.namespace" {
        return true;
    }
    match kind {
        Kind::Pod => matches!(
            field,
            "spec.nodeName"
                | "spec.restartPolicy"
                | "spec.schedulerName"
                | "spec.serviceAccountName"
                | "spec.hostNetwork"
                | "status.phase"
                | "status.podIP"
                | "status.nominatedNodeName"
        ),
        Kind::Node => field == "spec.unschedulable",
        Kind::Event => {
            field.starts_with("involvedObject.")
                || matches!(field, "reason" | "type" | "source" | "reportingComponent")
        }
        Kind::Namespace => field == "status.phase",
        Kind::Service => false,
        Kind::Secret => field == "type",
    }
}

impl Selector {
    pub fn parse(
        kind: Kind,
        labels: Option<&str>,
        fields: Option<&str>,
    ) -> Result<Selector, Failure> {
        let mut selector = Selector::default();
        for term in terms(labels.unwrap_or_default()) {
            let parsed = label_term(&term).ok_or_else(|| {
                Failure::bad_request(format!("unable to parse requirement: found '{term}'"))
            })?;
            selector.labels.push(parsed);
        }
        for term in terms(fields.unwrap_or_default()) {
            let (field, equal, value) = if let Some((f, v)) = term.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, true, v)
            } else {
                return Err(Failure::bad_request(format!(
                    "invalid selector: '{term}'; can't understand '{term}'"
                )));
            };
            let field = field.trim();
            if !field_allowed(kind, field) {
                return Err(Failure::bad_request(format!(
                    "field label not supported: {field}"
                )));
            }
            selector
                .fields
                .push((field.to_string(), equal, value.trim().to_string()));
        }
        Ok(selector)
    }

    pub fn matches(&self, object: &Value) -> bool {
        let labels = object.pointer("/metadata/labels");
        let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        let labels_ok = self.labels.iter().all(|term| match term {
            Label::Eq(k, v) => label(k) == Some(v.as_str()),
            Label::Ne(k, v) => label(k) != Some(v.as_str()),
            Label::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Label::NotIn(k, vs) => label(k).is_none_or(|l| !vs.iter().any(|v| v == l)),
            Label::Exists(k) => label(k).is_some(),
            Label::Absent(k) => label(k).is_none(),
        });
        labels_ok
            && self.fields.iter().all(|(field, equal, value)| {
                let pointer = format!("/{}", field.replace('.', "/"));
                let actual = match object.pointer(&pointer) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Bool(b)) => b.to_string(),
                    Some(Value::Object(o)) if field == "source" => o
                        .get("component")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    Some(other) if !other.is_null() => other.to_string(),
                    _ if field == "spec.unschedulable" => "false".into(),
                    _ => String::new(),
                };
                (actual == *value) == *equal
            })
    }
}
