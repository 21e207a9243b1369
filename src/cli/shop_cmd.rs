//! `zoe shop list|show|check|render`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use super::table::Table;
use super::{CliError, Context, Outcome, Output, ShopCommand, json, open_console, to_json};
use crate::console::catalog::{Entry, ParamType, Shop};
use crate::console::{Console, LaunchRequest, Prepared};
use crate::model::text::count;
use crate::model::{Description, format_bytes, format_cores};

pub fn run(console: &Console, command: ShopCommand, output: Output) -> Result<Outcome, CliError> {
    match command {
        ShopCommand::List => list(console, output),
        ShopCommand::Show { entry } => show(console, &entry, output),
        ShopCommand::Render { launch } => {
            let entry = launch.entry.clone();
            render(console, &entry, launch.into(), output)
        }
        // Handled before a console is opened (it may name another shop).
        ShopCommand::Check { .. } => Err(CliError::new("internal: check is dispatched separately")),
    }
}

fn totals(description: &Description) -> (u64, f64) {
    crate::console::quota::demand_of(description)
}

fn instances_text(description: &Description) -> String {
    let total = description.total_instances();
    let elastic: u64 = description
        .services
        .iter()
        .map(|g| u64::from(g.elastic_count()))
        .sum();
    if elastic == 0 {
        count(total, "instance", "instances")
    } else {
        format!(
            "{} ({elastic} elastic)",
            count(total, "instance", "instances")
        )
    }
}

pub fn list(console: &Console, output: Output) -> Result<Outcome, CliError> {
    let shop = console.shop();
    if output == Output::Json {
        let entries = shop
            .by_category()
            .into_iter()
            .flat_map(|(_, entries)| entries)
            .map(|e| json::shop::ListEntry::of(e, totals(&e.description)))
            .collect();
        return Ok(Outcome::ok(to_json(&json::shop::List::of(shop, entries))));
    }
    let mut table = Table::new(&[
        "ID",
        "CATEGORY",
        "NAME",
        "SERVICES",
        "INSTANCES",
        "MEMORY",
        "CORES",
        "PARAMS",
    ]);
    for (_, entries) in shop.by_category() {
        for e in entries {
            let (memory, cores) = totals(&e.description);
            table.row(vec![
                e.id.clone(),
                e.category_label().to_string(),
                e.name_label().to_string(),
                e.description.services.len().to_string(),
                instances_text(&e.description),
                format_bytes(memory),
                format_cores(cores),
                e.parameters.len().to_string(),
            ]);
        }
    }
    let mut out = if table.is_empty() {
        format!(
            "The shop at {} has no usable entries.\n",
            shop.root.display()
        )
    } else {
        table.render()
    };
    if !shop.problems.is_empty() {
        let _ = writeln!(
            out,
            "\n{} could not be loaded, {}: run `zoe shop check` for details.",
            count(shop.broken.len() as u64, "entry", "entries"),
            count(shop.warnings() as u64, "warning", "warnings")
        );
    }
    Ok(Outcome::ok(out))
}

fn show(console: &Console, query: &str, output: Output) -> Result<Outcome, CliError> {
    let entry = console
        .find_entry(query)
        .map_err(|e| CliError::new(e.to_string()))?;
    if output == Output::Json {
        return Ok(Outcome::ok(to_json(&entry_json(entry))));
    }
    let d = &entry.description;
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", entry.name_label(), entry.id);
    let _ = writeln!(out, "Category:     {}", entry.category_label());
    let _ = writeln!(out, "Directory:    {}", entry.dir.display());
    let _ = writeln!(
        out,
        "Description:  {} (application `{}`, {}, size {})",
        entry.relative(&entry.description_file).display(),
        d.name,
        if d.will_end {
            "batch: ends on its own"
        } else {
            "interactive: runs until terminated"
        },
        d.size
    );
    let _ = writeln!(out, "Visible to:   {}", visibility_text(entry));
    if !entry.labels.is_empty() {
        let _ = writeln!(
            out,
            "Labels:       {} (added to every service)",
            entry.labels.join(", ")
        );
    }
    let (memory, cores) = totals(d);
    let _ = writeln!(
        out,
        "Reserves:     {} and {} for {}",
        format_bytes(memory),
        crate::model::text::cores(&format_cores(cores)),
        instances_text(d)
    );

    let mut services = Table::new(&[
        "GROUP",
        "IMAGE",
        "COUNT",
        "ESSENTIAL",
        "MONITOR",
        "ORDER",
        "MEMORY",
        "CORES",
        "PORTS",
        "LABELS",
    ]);
    for g in &d.services {
        services.row(vec![
            g.name.clone(),
            g.image.clone(),
            g.total_count.to_string(),
            g.essential_count.to_string(),
            if g.monitor { "yes".into() } else { "no".into() },
            g.startup_order.to_string(),
            g.resources
                .memory
                .min
                .map_or_else(|| "no limit".into(), format_bytes),
            format_cores(g.cores_min()),
            g.ports
                .iter()
                .map(|p| p.key())
                .collect::<Vec<_>>()
                .join(","),
            g.labels().join(","),
        ]);
    }
    let _ = write!(out, "\nSERVICES\n{}", services.render());
    let endpoints: Vec<String> = d
        .services
        .iter()
        .flat_map(|g| {
            g.ports
                .iter()
                .map(move |p| format!("  {} {}: {} ({})", g.name, p.key(), p.name, p.url_template))
        })
        .collect();
    if !endpoints.is_empty() {
        let _ = write!(out, "\nPORTS\n{}\n", endpoints.join("\n"));
    }
    if entry.parameters.is_empty() {
        out.push_str("\nPARAMETERS\n  none\n");
    } else {
        let mut params = Table::new(&["NAME", "KIND", "TYPE", "DEFAULT", "RANGE", "LABEL"]);
        for p in &entry.parameters {
            let (kind, range) = match p.value_type {
                ParamType::String => ("string", String::new()),
                ParamType::Int { min, max, step } => (
                    "int",
                    if step == 1 {
                        crate::console::catalog::range_text(min, max)
                    } else {
                        format!(
                            "{} step {step}",
                            crate::console::catalog::range_text(min, max)
                        )
                    },
                ),
            };
            params.row(vec![
                p.name.clone(),
                p.kind.as_str().into(),
                kind.into(),
                p.default.clone().unwrap_or_else(|| "(required)".into()),
                range,
                p.readable_name.clone(),
            ]);
        }
        let _ = write!(out, "\nPARAMETERS\n{}", params.render());
        for p in &entry.parameters {
            let _ = writeln!(out, "  {}: {}", p.name, p.description);
        }
    }
    let readme_name = entry.relative(&entry.readme_file).display().to_string();
    match &entry.readme {
        Some(text) => {
            let _ = write!(out, "\nREADME ({readme_name})\n{}", text.trim_end());
            out.push('\n');
        }
        None => {
            let _ = writeln!(out, "\nREADME\n  {readme_name} is missing");
        }
    }
    Ok(Outcome::ok(out))
}

fn visibility_text(entry: &Entry) -> String {
    let v = &entry.visibility;
    let mut text = if v.enabled_for.iter().any(|r| r == "all") {
        "everyone".to_string()
    } else {
        format!("roles {}", v.enabled_for.join(", "))
    };
    if !v.disabled_for.is_empty() {
        let _ = write!(text, " except {}", v.disabled_for.join(", "));
    }
    if v.guest_access {
        text.push_str(" (guests too)");
    }
    text
}

fn entry_json(entry: &Entry) -> Value {
    json!({
        "id": entry.id,
        "name": entry.name,
        "category": entry.category,
        "directory": entry.dir,
        "description_file": entry.description_file,
        "readme_file": entry.readme_file,
        "readme": entry.readme,
        "logo": entry.logo,
        "labels": entry.labels,
        "visibility": entry.visibility,
        "images": entry.images,
        "parameters": entry.parameters,
        "description": entry.description,
    })
}

pub fn check(ctx: &Context, dir: Option<&Path>) -> Result<Outcome, CliError> {
    let console = open_console(ctx, dir)?;
    let shop = console.shop();
    let code = if shop.errors() > 0 { 1 } else { 0 };
    if ctx.output == Output::Json {
        let value = json!({
            "shop": shop.root,
            "entries": shop.entries.iter().map(|e| &e.id).collect::<Vec<_>>(),
            "broken": shop.broken,
            "errors": shop.errors(),
            "warnings": shop.warnings(),
            "problems": shop.problems,
        });
        return Ok(Outcome {
            stdout: to_json(&value),
            code,
        });
    }
    Ok(Outcome {
        stdout: check_report(shop),
        code,
    })
}

fn check_report(shop: &Shop) -> String {
    let mut problems: Vec<_> = shop.problems.iter().collect();
    problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    let mut out = String::new();
    for p in problems {
        let _ = writeln!(out, "{p}");
    }
    let _ = writeln!(
        out,
        "{}: {} loaded, {} could not be loaded; {}, {}",
        shop.root.display(),
        count(shop.entries.len() as u64, "entry", "entries"),
        shop.broken.len(),
        count(shop.errors() as u64, "error", "errors"),
        count(shop.warnings() as u64, "warning", "warnings")
    );
    out
}

impl From<super::args::LaunchArgs> for LaunchRequest {
    fn from(args: super::args::LaunchArgs) -> LaunchRequest {
        LaunchRequest {
            params: args.params,
            memory: args.memory,
            cores: args.cores,
            name: args.name,
            target: args.on,
        }
    }
}

/// Finds the entry and prepares the execution, or says every problem.
pub fn prepare(
    console: &Console,
    query: &str,
    request: &LaunchRequest,
    verb: &str,
) -> Result<Prepared, CliError> {
    let entry = console
        .find_entry(query)
        .map_err(|e| CliError::new(e.to_string()))?;
    console.prepare(entry, request).map_err(|errors| {
        let mut message = format!("cannot {verb} `{}`:", entry.id);
        for e in errors {
            let _ = write!(message, "\n  {e}");
        }
        CliError::new(message)
    })
}

fn render(
    console: &Console,
    query: &str,
    request: LaunchRequest,
    output: Output,
) -> Result<Outcome, CliError> {
    let prepared = prepare(console, query, &request, "render")?;
    let text = match output {
        Output::Json => to_json(&render_json(&prepared)),
        Output::Table => render_text(&prepared),
    };
    Ok(Outcome::ok(text))
}

fn render_json(p: &Prepared) -> Value {
    json!({
        "execution": {
            "id": p.identity.id.as_str(),
            "name": p.identity.name,
            "owner": p.identity.owner,
            "deployment": p.identity.deployment,
            "entry": p.entry_id,
        },
        "parameters": p.parameters.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<serde_json::Map<String, Value>>(),
        "notes": p.notes,
        "description": p.description,
        "instances": p.instances,
    })
}

fn render_text(p: &Prepared) -> String {
    let mut out = String::new();
    let id = &p.identity;
    let _ = writeln!(
        out,
        "# execution {} `{}` of {} by {} on deployment {}",
        id.id, id.name, p.entry_id, id.owner, id.deployment
    );
    if !p.parameters.is_empty() {
        let values: Vec<String> = p
            .parameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(out, "# parameters: {}", values.join(" "));
    }
    for note in &p.notes {
        let _ = writeln!(out, "# note: {note}");
    }
    let _ = writeln!(out, "\nDESCRIPTION\n{}", p.description.to_json_pretty());

    let mut ordered: Vec<_> = p.instances.iter().collect();
    ordered.sort_by_key(|i| i.startup_order);
    let mut table = Table::new(&[
        "INSTANCE", "ROLE", "ORDER", "IMAGE", "MEMORY", "CORES", "PORTS", "DNS NAME",
    ]);
    for i in &ordered {
        table.row(vec![
            i.name.clone(),
            super::role(i.essential).into(),
            i.startup_order.to_string(),
            i.image.clone(),
            if i.memory_bytes == 0 {
                "no limit".into()
            } else {
                format_bytes(i.memory_bytes)
            },
            format_cores(i.cores),
            i.ports
                .iter()
                .map(|p| p.key())
                .collect::<Vec<_>>()
                .join(","),
            i.dns_name.clone(),
        ]);
    }
    let _ = write!(out, "\nINSTANCES (in startup order)\n{}", table.render());
    for i in ordered {
        let _ = writeln!(out, "\n{} ({})", i.name, i.dns_name);
        let _ = writeln!(
            out,
            "  command: {}",
            i.command.as_deref().unwrap_or("(image default)")
        );
        if let Some(dir) = &i.work_dir {
            let _ = writeln!(out, "  work_dir: {dir}");
        }
        if !i.labels.is_empty() {
            let _ = writeln!(out, "  labels: {}", i.labels.join(", "));
        }
        out.push_str("  environment:\n");
        for (k, v) in &i.environment {
            let _ = writeln!(out, "    {k}={v}");
        }
    }
    out
}
