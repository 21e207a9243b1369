//! `zoe kill`: terminate an execution through the engine (your own only,
//! unless the role has `can_operate_others`; its guard, then stop and remove everywhere, then
//! record who did it), and report what could not be cleaned up.

use std::fmt::Write as _;

use super::session::{Session, engine_error};
use super::{CliError, Outcome, Output, to_json};

pub async fn kill(s: &Session<'_>, query: &str) -> Result<Outcome, CliError> {
    let done = s
        .engine
        .terminate(query, "with zoe kill")
        .await
        .map_err(engine_error)?;
    s.show_notices();
    let (record, removal) = (done.id, done.removal);
    let mut out = String::new();
    if s.ctx.output == Output::Json {
        out = to_json(&super::json::actions::Killed::of(
            &record,
            removal.containers,
            &removal.failed,
        ));
    } else {
        let _ = writeln!(
            out,
            "{record}: removed {}",
            crate::model::text::count(removal.containers as u64, "container", "containers")
        );
    }
    if removal.failed.is_empty() {
        return Ok(Outcome::ok(out));
    }
    let mut message = format!(
        "{record}: not everything could be removed yet; every later look retries it (zoe ps, zoe supervise, the terminal UI) and `zoe ps` shows it as cleaning up until then, or run `zoe kill {record}` again:"
    );
    for (host, why) in &removal.failed {
        let _ = write!(message, "\n  {host}: {why}");
    }
    super::print_stdout(&out);
    Err(CliError::new(message))
}
