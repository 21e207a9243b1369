//! `zoe exec EXEC INSTANCE [-- CMD...]`: a command (default: a shell) in
//! one instance of your execution (with `can_operate_others`: anyone's), with this
//! terminal; interactive with a TTY when stdin is a terminal, plain input
//! and output otherwise (`echo ls | zoe exec …`). zoe exits with the
//! command's exit code.

use super::session::{Session, engine_error};
use super::{CliError, Outcome};
use crate::console::shell::stdin_is_terminal;

pub async fn exec(
    s: &Session<'_>,
    query: &str,
    instance: &str,
    command: &[String],
) -> Result<Outcome, CliError> {
    let target = s
        .engine
        .shell(query, instance)
        .await
        .map_err(engine_error)?;
    s.show_notices();
    let code = target
        .run(command, stdin_is_terminal())
        .await
        .map_err(|why| {
            CliError::new(format!("{instance} of {}: {why}", target.target.execution))
        })?;
    Ok(Outcome {
        stdout: String::new(),
        code: exit_code(code),
    })
}

/// A command's exit code as a process's (0–255; a negative one is a
/// failure).
fn exit_code(code: i32) -> u8 {
    u8::try_from(code).unwrap_or(if code < 0 { 1 } else { 255 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_pass_through_within_a_byte() {
        assert_eq!(exit_code(0), 0);
        assert_eq!(exit_code(3), 3);
        assert_eq!(exit_code(255), 255);
        assert_eq!(exit_code(256), 255);
        assert_eq!(exit_code(-1), 1);
    }
}
