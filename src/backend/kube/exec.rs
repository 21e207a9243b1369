//! A shell in a pod, as k9s does it: `kubectl exec -it` with the target's
//! kubeconfig, context and namespace (kubectl owns the terminal meanwhile),
//! and the pod's own description as the API gives it.

use std::path::PathBuf;

use super::cluster::Cluster;
use crate::backend::BackendError;

/// A program to run with the terminal: its arguments (the program first)
/// and what to add to its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
}

/// `kubectl exec` into `pod` (its first container) with `command`:
/// interactive with a TTY when `tty`, else with stdin only.
pub fn kubectl_exec(
    kubeconfig: &[PathBuf],
    context: &str,
    namespace: &str,
    pod: &str,
    command: &[String],
    tty: bool,
) -> Program {
    let mut argv = vec!["kubectl".to_string()];
    if !context.is_empty() {
        argv.extend(["--context".to_string(), context.to_string()]);
    }
    argv.extend([
        "--namespace".to_string(),
        namespace.to_string(),
        "exec".to_string(),
        if tty { "-it" } else { "-i" }.to_string(),
        pod.to_string(),
        "--".to_string(),
    ]);
    argv.extend(command.iter().cloned());
    // several files merge as in $KUBECONFIG (kubectl's --kubeconfig takes
    // one); none: kubectl reads $KUBECONFIG or ~/.kube/config as we did
    let env = if kubeconfig.is_empty() {
        Vec::new()
    } else {
        let joined = kubeconfig
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(":");
        vec![("KUBECONFIG".to_string(), joined)]
    };
    Program { argv, env }
}

impl Cluster {
    /// The `kubectl exec` of `command` in `pod`, on the context and
    /// namespace this target uses now.
    pub fn shell(&self, pod: &str, command: &[String], tty: bool) -> Result<Program, BackendError> {
        let live = self.connection().ok_or_else(|| BackendError::Unreachable {
            target: self.target.name.clone(),
            address: String::new(),
            why: "not connected yet".into(),
        })?;
        Ok(kubectl_exec(
            &self.target.kubeconfig,
            &live.conn.context,
            &live.conn.namespace,
            pod,
            command,
            tty,
        ))
    }

    /// The pod as the API server gives it (`kubectl get pod -o json`).
    pub async fn describe(&self, pod: &str) -> Result<serde_json::Value, BackendError> {
        let live = self.connection().ok_or_else(|| BackendError::Unreachable {
            target: self.target.name.clone(),
            address: String::new(),
            why: "not connected yet".into(),
        })?;
        let got = live
            .pod_api()
            .get(pod)
            .await
            .map_err(|e| live.error(e, &format!("reading pod {pod}")))?;
        serde_json::to_value(&got).map_err(|e| {
            BackendError::refused(
                &self.target.name,
                format!("reading pod {pod}"),
                e.to_string(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_exec_names_context_namespace_pod_and_command() {
        let program = kubectl_exec(
            &[],
            "lab",
            "zapps",
            "master0-1abc-prod",
            &["sh".to_string()],
            true,
        );
        assert_eq!(
            program.argv,
            [
                "kubectl",
                "--context",
                "lab",
                "--namespace",
                "zapps",
                "exec",
                "-it",
                "master0-1abc-prod",
                "--",
                "sh"
            ]
        );
        assert!(program.env.is_empty());
    }

    #[test]
    fn kubectl_exec_without_a_terminal_keeps_stdin_and_merges_kubeconfigs() {
        let program = kubectl_exec(
            &[PathBuf::from("/a/config"), PathBuf::from("/b/config")],
            "",
            "default",
            "w0",
            &["sh".to_string(), "-c".to_string(), "exit 3".to_string()],
            false,
        );
        assert_eq!(
            program.argv,
            [
                "kubectl",
                "--namespace",
                "default",
                "exec",
                "-i",
                "w0",
                "--",
                "sh",
                "-c",
                "exit 3"
            ]
        );
        assert_eq!(
            program.env,
            [("KUBECONFIG".to_string(), "/a/config:/b/config".to_string())]
        );
    }
}
