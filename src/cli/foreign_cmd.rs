//! `zoe ps --foreign` (every container on the online hosts that carries
//! this deployment's labels but was not made by it) and `zoe kill --foreign
//! ID` (an admin removing one of them on purpose).

use std::fmt::Write as _;

use super::session::{Session, engine_error};
use super::table::Table;
use super::{CliError, Outcome, Output, to_json};
use crate::console::foreign::foreign_of;

pub async fn list(s: &Session<'_>) -> Result<Outcome, CliError> {
    s.engine.may_list_foreign().map_err(engine_error)?;
    let seen = s.observe().await?;
    let foreign = foreign_of(&seen.nodes);
    if s.ctx.output == Output::Json {
        return Ok(Outcome::ok(to_json(&foreign)));
    }
    if foreign.is_empty() {
        return Ok(Outcome::ok("no foreign containers\n".into()));
    }
    let mut table = Table::new(&[
        "HOST",
        "CONTAINER",
        "NAME",
        "KIND",
        "CLAIMS",
        "STATE",
        "REASON",
    ]);
    for f in &foreign {
        let c = &f.container;
        table.row(vec![
            f.host.clone(),
            crate::model::text::short_id(&c.id),
            c.name.clone(),
            c.kind.as_str().to_string(),
            c.claims.clone().unwrap_or_else(|| "-".into()),
            c.state.clone(),
            c.reason.clone(),
        ]);
    }
    let mut out = table.render();
    let _ = writeln!(
        out,
        "never counted, adopted or touched; `zoe kill --foreign CONTAINER` removes one"
    );
    Ok(Outcome::ok(out))
}

pub async fn remove(s: &Session<'_>, query: &str) -> Result<Outcome, CliError> {
    let removed = s.engine.remove_foreign(query).await.map_err(engine_error)?;
    s.show_notices();
    if s.ctx.output == Output::Json {
        return Ok(Outcome::ok(to_json(
            &serde_json::json!({"removed": removed}),
        )));
    }
    let c = &removed.container;
    Ok(Outcome::ok(format!(
        "removed foreign container {} ({}, {}) from {}\n",
        crate::model::text::short_id(&c.id),
        c.name,
        c.kind.as_str(),
        removed.host
    )))
}
