//! `zoe supervise`: a supervision pass through the engine (end executions
//! that lost an essential service, replace dead elastic services, start
//! elastic ones that waited for room), once or every `--interval` seconds.

use std::fmt::Write as _;
use std::time::Duration;

use futures::StreamExt;

use super::session::{Session, engine_error};
use super::{CliError, Outcome, Output, to_json};
use crate::console::events::Events;

/// How long a pass waits after a change for the changes that come with it.
const SETTLE: Duration = Duration::from_millis(300);

pub async fn supervise(s: &Session<'_>, once: bool, interval: u64) -> Result<Outcome, CliError> {
    // a change on a target (a service died, was removed…) is looked at
    // at once, not at the next pass
    let mut changes = std::pin::pin!(s.engine.changes());
    loop {
        let (report, _) = s
            .engine
            .supervise(&Events::none(), false)
            .await
            .map_err(engine_error)?;
        s.show_notices();
        let mut out = String::new();
        if s.ctx.output == Output::Json {
            out = to_json(&super::json::actions::Supervised::of(&report));
        } else {
            for (id, reason) in &report.ended {
                let _ = writeln!(out, "{id}: ended: {reason}");
            }
            for (id, instance) in &report.removed {
                let _ = writeln!(out, "{id}: removed dead elastic service {instance}");
            }
            for (id, instance, host) in &report.started {
                let _ = writeln!(out, "{id}: started elastic service {instance} on {host}");
            }
            for problem in &report.problems {
                let _ = writeln!(out, "problem: {problem}");
            }
        }
        if once {
            return Ok(Outcome::ok(out));
        }
        super::print_stdout(&out);
        let pass = tokio::time::sleep(std::time::Duration::from_secs(interval.max(1)));
        tokio::select! {
            () = pass => {}
            Some(()) = changes.next() => {
                // what comes with it (a pod and its Services) in one pass
                let settle = tokio::time::sleep(SETTLE);
                tokio::pin!(settle);
                loop {
                    tokio::select! {
                        () = &mut settle => break,
                        more = changes.next() => if more.is_none() { break },
                    }
                }
            }
        }
    }
}
