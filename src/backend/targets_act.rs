//! Acting on one workload of a target: a command in it (attached, or
//! `kubectl exec` on a cluster), its raw description, an in-place restart.

use super::Targets;
use crate::backend::docker::exec as docker_exec;
use crate::backend::error::BackendError;
use crate::backend::kube::exec::Program;

/// How a command reaches a workload.
pub enum Shell {
    /// Attached through the engine's API: the caller pumps the bytes.
    Attached(docker_exec::Attached),
    /// A program to run with the terminal (`kubectl exec`).
    Program(Program),
}

impl Targets {
    /// Runs `command` in `workload` on `name`: attached with a TTY of
    /// `tty` (columns, rows) when given, else with plain input and output.
    pub async fn shell(
        &self,
        name: &str,
        workload: &str,
        command: &[String],
        tty: Option<(u16, u16)>,
    ) -> Result<Shell, BackendError> {
        if let Some(cluster) = self.cluster(name) {
            return cluster
                .shell(workload, command, tty.is_some())
                .map(Shell::Program);
        }
        let (client, _) = self.docker(name).await?;
        docker_exec::attach(&client, name, workload, command, tty)
            .await
            .map(Shell::Attached)
    }

    /// The workload as the engine describes it (a container's `docker
    /// inspect`, a pod's object).
    pub async fn describe(
        &self,
        name: &str,
        workload: &str,
    ) -> Result<serde_json::Value, BackendError> {
        if let Some(cluster) = self.cluster(name) {
            return cluster.describe(workload).await;
        }
        let (client, _) = self.docker(name).await?;
        docker_exec::describe(&client, name, workload).await
    }

    /// Restarts a workload where it is, keeping it (a container: stopped
    /// with `grace_secs`, started again, same id); `false` when the target
    /// cannot (a pod is deleted and made again by the caller instead).
    pub async fn restart_in_place(
        &self,
        name: &str,
        workload: &str,
        grace_secs: u32,
    ) -> Result<bool, BackendError> {
        if self.cluster(name).is_some() {
            return Ok(false);
        }
        let (client, _) = self.docker(name).await?;
        docker_exec::restart(&client, name, workload, grace_secs)
            .await
            .map(|()| true)
    }
}
