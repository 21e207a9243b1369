//! `zoe whoami`: user, where the console got it, role and its seven
//! capabilities, guest or not, the quota (each limit, `unlimited` for 0)
//! and its current use, and whether the deployment is shared.

use std::fmt::Write as _;

use super::session::{Session, engine_error};
use super::{CliError, Outcome, Output, json, to_json};
use crate::console::quota::limit_text;
use crate::model::{format_bytes, format_cores};

pub async fn whoami(s: &Session<'_>) -> Result<Outcome, CliError> {
    let who = s.engine.whoami().await.map_err(engine_error)?;
    s.show_notices();
    if s.ctx.output == Output::Json {
        return Ok(Outcome::ok(to_json(&json::whoami::Whoami::of(&who))));
    }
    let i = &who.identity;
    let q = &i.quota;
    let u = &who.usage;
    let yes = |on: bool| if on { "yes" } else { "no" };
    let mut out = String::new();
    let _ = writeln!(out, "user    {} ({})", i.user, i.source.describe());
    let _ = writeln!(out, "role    {}", i.role.name);
    for (name, on) in i.role.capabilities.list() {
        let _ = writeln!(out, "        {name:<26} {}", yes(on));
    }
    let _ = writeln!(
        out,
        "guest   {}",
        if i.role.guest {
            "yes (one active execution at most)"
        } else {
            "no"
        }
    );
    let _ = writeln!(
        out,
        "shared  {}",
        if i.shared {
            "yes (a shared deployment)"
        } else {
            "no (a personal install: you are its admin)"
        }
    );
    let _ = writeln!(out, "quota   {}", q.name);
    let executions_limit = if i.role.guest && q.concurrent_executions != 1 {
        format!(
            "{} (1 as a guest)",
            limit_text(f64::from(q.concurrent_executions), |v| format!("{v}"))
        )
    } else {
        limit_text(f64::from(q.concurrent_executions), |v| format!("{v}"))
    };
    let _ = writeln!(
        out,
        "        executions  {} of {executions_limit}",
        u.executions
    );
    let _ = writeln!(
        out,
        "        memory      {} of {}",
        format_bytes(u.memory),
        limit_text(q.memory as f64, |v| format_bytes(v as u64))
    );
    let _ = writeln!(
        out,
        "        cores       {} of {}",
        format_cores(u.cores),
        limit_text(q.cores, format_cores)
    );
    let _ = writeln!(
        out,
        "        runtime     {}",
        limit_text(q.runtime_limit_secs as f64, |v| format!(
            "{} from submission",
            runtime_text(v as u64)
        ))
    );
    if !who.unanswered.is_empty() {
        let _ = writeln!(
            out,
            "(current use from the cache: {} did not answer)",
            who.unanswered.join(", ")
        );
    }
    Ok(Outcome::ok(out))
}

/// `24 h`, `1 h 30 min`, `4 s`.
fn runtime_text(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_read_as_hours_minutes_seconds() {
        assert_eq!(runtime_text(86_400), "24 h");
        assert_eq!(runtime_text(5_400), "1 h 30 min");
        assert_eq!(runtime_text(4), "4 s");
    }
}
