//! A command run inside a container, attached (as `docker exec -i [-t]`
//! and oxker do it, through the engine's API): its output as a stream of
//! bytes, its input as a writer, the TTY resized on demand, its exit code
//! once it ended. Also the container's own description (`docker inspect`)
//! and an in-place restart.

use std::pin::Pin;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::{
    InspectContainerOptions, ResizeExecOptions, RestartContainerOptions,
};
use futures::{Stream, StreamExt};

use super::client::{DockerError, call, classify};
use crate::backend::error::BackendError;

/// What an attached command writes: to the terminal's stdout or stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Out(Vec<u8>),
    Err(Vec<u8>),
}

/// A command running in a container, attached.
pub struct Attached {
    pub output: Pin<Box<dyn Stream<Item = Result<Output, String>> + Send>>,
    pub input: Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
    pub control: Control,
}

/// What is left to ask the engine about a running command: resize its
/// TTY, read its exit code.
#[derive(Clone)]
pub struct Control {
    docker: Docker,
    host: String,
    exec: String,
}

impl Control {
    /// Tells the command's TTY its new size (columns, rows).
    pub async fn resize(&self, width: u16, height: u16) -> Result<(), DockerError> {
        let options = ResizeExecOptions {
            w: i32::from(width),
            h: i32::from(height),
        };
        call(
            &self.host,
            "resizing the shell's terminal",
            10,
            self.docker.resize_exec(&self.exec, options),
        )
        .await
    }

    /// The command's exit code, once it ended.
    pub async fn exit_code(&self) -> Result<Option<i64>, DockerError> {
        let inspected = call(
            &self.host,
            "reading the exit code of the command",
            10,
            self.docker.inspect_exec(&self.exec),
        )
        .await?;
        Ok(inspected.exit_code)
    }
}

/// Starts `command` in container `id` on `host`, attached to its input and
/// output, with a TTY of `size` (columns, rows) when `tty`.
pub async fn attach(
    docker: &Docker,
    host: &str,
    id: &str,
    command: &[String],
    tty: Option<(u16, u16)>,
) -> Result<Attached, DockerError> {
    let options = CreateExecOptions {
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(tty.is_some()),
        cmd: Some(command.to_vec()),
        env: tty.map(|_| vec!["TERM=xterm-256color".to_string()]),
        ..Default::default()
    };
    let created = call(
        host,
        "creating the command in the container",
        30,
        docker.create_exec(id, options),
    )
    .await?;
    let control = Control {
        docker: docker.clone(),
        host: host.to_string(),
        exec: created.id.clone(),
    };
    let start = StartExecOptions {
        detach: false,
        tty: tty.is_some(),
        output_capacity: None,
    };
    let started = call(
        host,
        "starting the command in the container",
        30,
        docker.start_exec(&created.id, Some(start)),
    )
    .await?;
    let StartExecResults::Attached { output, input } = started else {
        return Err(BackendError::refused(
            host,
            "starting the command in the container",
            "the engine did not attach to it",
        ));
    };
    if let Some((width, height)) = tty {
        // the first size; later ones follow the terminal (a failure here
        // only leaves the default 80×24)
        if let Err(e) = control.resize(width, height).await {
            tracing::debug!("exec resize: {e}");
        }
    }
    let host_name = host.to_string();
    let output = output.map(move |item| match item {
        Ok(LogOutput::StdErr { message }) => Ok(Output::Err(message.to_vec())),
        Ok(
            LogOutput::StdOut { message }
            | LogOutput::Console { message }
            | LogOutput::StdIn { message },
        ) => Ok(Output::Out(message.to_vec())),
        Err(e) => Err(classify(&host_name, "reading the command's output", &e).to_string()),
    });
    Ok(Attached {
        output: Box::pin(output),
        input,
        control,
    })
}

/// The container's description as the engine gives it (`docker inspect`).
pub async fn describe(
    docker: &Docker,
    host: &str,
    id: &str,
) -> Result<serde_json::Value, DockerError> {
    let inspected = call(
        host,
        "inspecting the container",
        30,
        docker.inspect_container(id, None::<InspectContainerOptions>),
    )
    .await?;
    serde_json::to_value(&inspected).map_err(|e| {
        BackendError::refused(host, "inspecting the container", format!("unreadable: {e}"))
    })
}

/// Restarts container `id` in place (same container, same id), giving it
/// `grace_secs` to stop.
pub async fn restart(
    docker: &Docker,
    host: &str,
    id: &str,
    grace_secs: u32,
) -> Result<(), DockerError> {
    let options = RestartContainerOptions {
        signal: None,
        t: Some(i32::try_from(grace_secs).unwrap_or(i32::MAX)),
    };
    call(
        host,
        "restarting the container",
        u64::from(grace_secs) + 60,
        docker.restart_container(id, Some(options)),
    )
    .await
}
