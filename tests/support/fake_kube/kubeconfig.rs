//! Kubeconfig files pointing at fakes: one context per fake (server,
//! namespace, optional token), several in one file.

use std::path::Path;

/// One context of a kubeconfig: its cluster and user are named after it.
#[derive(Clone, Debug)]
pub struct KubeContext {
    pub name: String,
    pub server: String,
    pub namespace: Option<String>,
    pub token: Option<String>,
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// The kubeconfig text; the first context is the current one.
pub fn render(contexts: &[KubeContext]) -> String {
    let mut clusters = String::new();
    let mut users = String::new();
    let mut entries = String::new();
    for c in contexts {
        let name = quoted(&c.name);
        clusters.push_str(&format!(
            "- name: {name}\n  cluster:\n    server: {}\n",
            quoted(&c.server)
        ));
        match &c.token {
            Some(token) => users.push_str(&format!(
                "- name: {name}\n  user:\n    token: {}\n",
                quoted(token)
            )),
            None => users.push_str(&format!("- name: {name}\n  user: {{}}\n")),
        }
        entries.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: {name}\n"
        ));
        if let Some(ns) = &c.namespace {
            entries.push_str(&format!("    namespace: {}\n", quoted(ns)));
        }
    }
    let current = contexts
        .first()
        .map(|c| quoted(&c.name))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Config\npreferences: {{}}\nclusters:\n{clusters}users:\n{users}contexts:\n{entries}current-context: {current}\n"
    )
}

pub fn write(path: &Path, contexts: &[KubeContext]) -> std::io::Result<()> {
    std::fs::write(path, render(contexts))
}
