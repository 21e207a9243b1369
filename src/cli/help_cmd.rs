//! `zoe completions SHELL` and `zoe man [VERB…]`: a shell's completion
//! script and the manual pages, generated from the clap definition
//! (`args.rs`), so they never fall behind the verbs and flags. Neither
//! reads the settings: they work on a machine with none.

use clap::CommandFactory;

use super::args::Cli;
use super::{CliError, Outcome};

/// The completion script of `shell` for `zoe`.
pub fn completions(shell: clap_complete::Shell) -> Result<Outcome, CliError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "zoe", &mut script);
    text(script, "completion script")
}

/// The manual page of `zoe` (`verb` empty) or of one of its verbs
/// (`["shop", "render"]`), as roff.
pub fn man(verb: &[String]) -> Result<Outcome, CliError> {
    // no `help` verb: `zoe VERB --help` is there, and a page of its own
    // would be one more to install for nothing
    let mut page = Cli::command().disable_help_subcommand(true);
    // names the verbs' pages `zoe-shop-render` and the like
    page.build();
    for (depth, name) in verb.iter().enumerate() {
        let Some(found) = page.find_subcommand(name).cloned() else {
            let known: Vec<&str> = page.get_subcommands().map(|c| c.get_name()).collect();
            let path = verb[..depth]
                .iter()
                .map(|v| format!(" {v}"))
                .collect::<String>();
            let message = if known.is_empty() {
                format!("zoe man: `zoe{path}` has no verb `{name}`")
            } else {
                format!(
                    "zoe man: `zoe{path}` has no verb `{name}`; its verbs are: {}",
                    known.join(", ")
                )
            };
            return Err(CliError { message, code: 2 });
        };
        page = found;
    }
    // the examples and the version go last, as their own sections (the
    // crate would title the examples EXTRA)
    let examples = page.get_after_help().map(ToString::to_string);
    let version = page.get_version().map(ToString::to_string);
    let page = page
        .after_help(None::<&str>)
        .after_long_help(None::<&str>)
        .version(None::<&str>);
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("zoe {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .map_err(|e| CliError::new(format!("zoe man: cannot write the page: {e}")))?;
    if let Some(examples) = &examples {
        roff.extend_from_slice(examples_section(examples).as_bytes());
    }
    if let Some(version) = version {
        roff.extend_from_slice(format!(".SH VERSION\nv{version}\n").as_bytes());
    }
    text(roff, "manual page")
}

/// The examples under `zoe --help` as an EXAMPLES section, lines as they
/// are (no filling), the heading line dropped.
fn examples_section(examples: &str) -> String {
    let mut section = String::from(".SH EXAMPLES\n.nf\n");
    for line in examples.lines().skip_while(|l| l.ends_with(':')) {
        // roff: a backslash is an escape, a leading dot a request; `-` and
        // `'` as the ASCII characters a shell needs (not a hyphen or a
        // typographic quote), as clap_mangen writes them
        let line = line
            .replace('\\', "\\e")
            .replace('-', "\\-")
            .replace('\'', "\\*(Aq");
        if line.starts_with('.') {
            section.push_str("\\&");
        }
        section.push_str(&line);
        section.push('\n');
    }
    section.push_str(".fi\n");
    section
}

fn text(bytes: Vec<u8>, what: &str) -> Result<Outcome, CliError> {
    let stdout = String::from_utf8(bytes)
        .map_err(|e| CliError::new(format!("internal: the {what} is not UTF-8: {e}")))?;
    Ok(Outcome { stdout, code: 0 })
}

#[cfg(test)]
#[path = "help_tests.rs"]
mod tests;
