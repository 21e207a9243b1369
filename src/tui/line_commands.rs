//! The `:` commands as data: their names, what they take, one line of help
//! each (`:help` lists them, `?` names them), the completion of a command
//! or of its arguments (executions, services, themes, contexts,
//! namespaces) with `tab`, and the nearest name for a typo. What each
//! command does is `command_line::run`.

use super::app::App;

/// What a command's argument is, for completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    None,
    /// An execution (id or name), then one of its services.
    ExecutionThenService,
    Theme,
    Context,
    Namespace,
    /// A `:` command (`:help logs`).
    LineCommand,
}

/// One `:` command.
pub struct LineCommand {
    /// Its names, the first the one help shows.
    pub names: &'static [&'static str],
    /// What follows it, for help: `EXEC [SERVICE]`.
    pub usage: &'static str,
    pub arg: Arg,
    pub describe: &'static str,
}

const fn command(
    names: &'static [&'static str],
    usage: &'static str,
    arg: Arg,
    describe: &'static str,
) -> LineCommand {
    LineCommand {
        names,
        usage,
        arg,
        describe,
    }
}

/// Every `:` command, in the order `:help` lists them.
pub const COMMANDS: &[LineCommand] = &[
    command(&["shop"], "", Arg::None, "the shop view"),
    command(
        &["ps", "executions", "exec"],
        "",
        Arg::None,
        "the executions view",
    ),
    command(&["nodes", "node"], "", Arg::None, "the nodes view"),
    command(
        &["logs"],
        "EXEC [SERVICE]",
        Arg::ExecutionThenService,
        "follow an execution's logs (one service, or all merged)",
    ),
    command(
        &["ctx", "context"],
        "[NAME]",
        Arg::Context,
        "list the kubeconfig's contexts, or switch to one",
    ),
    command(
        &["ns", "namespace"],
        "[NAME]",
        Arg::Namespace,
        "list the cluster's namespaces, or switch to one",
    ),
    command(
        &["theme"],
        "[NAME]",
        Arg::Theme,
        "list the themes, or switch to one",
    ),
    command(&["refresh"], "", Arg::None, "look at every host now"),
    command(
        &["help"],
        "",
        Arg::LineCommand,
        "this list of commands (? lists the keys)",
    ),
    command(&["q", "quit", "q!"], "", Arg::None, "quit"),
];

/// The command called `name` (any of its names).
pub fn find(name: &str) -> Option<&'static LineCommand> {
    COMMANDS.iter().find(|c| c.names.contains(&name))
}

/// `:logs EXEC [SERVICE]`: the name and its usage.
pub fn synopsis(c: &LineCommand) -> String {
    if c.usage.is_empty() {
        format!(":{}", c.names[0])
    } else {
        format!(":{} {}", c.names[0], c.usage)
    }
}

/// Every command on one line, for the help popup's footer.
pub fn summary() -> String {
    COMMANDS.iter().map(synopsis).collect::<Vec<_>>().join(" ")
}

/// Lines for `:help`: the synopsis, what it does.
pub fn help_lines() -> Vec<(String, &'static str)> {
    COMMANDS.iter().map(|c| (synopsis(c), c.describe)).collect()
}

/// The command name nearest `typed` (a few edits away at most).
pub fn closest(typed: &str) -> Option<&'static str> {
    let typed = typed.to_lowercase();
    COMMANDS
        .iter()
        .flat_map(|c| c.names.iter().enumerate())
        .filter(|(_, n)| **n != "q!")
        .map(|(alias, n)| {
            // a name that starts the same way is the best guess
            let d = if n.starts_with(&typed) || typed.starts_with(*n) {
                0
            } else {
                distance(&typed, n)
            };
            (d, alias, *n)
        })
        .filter(|(d, _, n)| *d <= 2.max(n.len() / 3))
        .min_by_key(|(d, alias, _)| (*d, *alias))
        .map(|(_, _, n)| n)
}

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            previous = here;
        }
    }
    row[b.len()]
}

/// Completions of the last word of `line`: where that word starts (a
/// byte offset) and the candidates, sorted and without duplicates.
pub fn complete(app: &App, line: &str) -> (usize, Vec<String>) {
    let start = line.rfind(char::is_whitespace).map_or(0, |i| {
        i + line[i..].chars().next().map_or(1, char::len_utf8)
    });
    let word = &line[start..];
    let before: Vec<&str> = line[..start].split_whitespace().collect();
    let words: Vec<String> = match before.as_slice() {
        [] => COMMANDS
            .iter()
            .flat_map(|c| c.names.iter())
            .filter(|n| **n != "q!")
            .map(|n| n.to_string())
            .collect(),
        [name, rest @ ..] => match (find(name).map(|c| c.arg), rest) {
            (Some(Arg::ExecutionThenService), []) => app
                .data
                .executions
                .iter()
                .flat_map(|e| [e.id.to_string(), e.name.clone()])
                .collect(),
            (Some(Arg::ExecutionThenService), [execution]) => services_of(app, execution),
            (Some(Arg::Theme), []) => crate::config::theme::theme_names(app.themes_dir.as_deref()),
            (Some(Arg::Context), []) => app.contexts.clone(),
            (Some(Arg::Namespace), []) => namespaces(app),
            (Some(Arg::LineCommand), []) => COMMANDS.iter().map(|c| c.names[0].into()).collect(),
            _ => Vec::new(),
        },
    };
    let lower = word.to_lowercase();
    let mut found: Vec<String> = words
        .into_iter()
        // names with control characters (hostile labels) are never put
        // into the line
        .filter(|w| !w.is_empty() && !w.chars().any(char::is_control))
        .filter(|w| w.to_lowercase().starts_with(&lower))
        .collect();
    found.sort();
    found.dedup();
    (start, found)
}

/// The services of an execution (by id or name): its instances and their
/// groups, and the groups its shop entry describes.
fn services_of(app: &App, execution: &str) -> Vec<String> {
    let Some(row) = app
        .data
        .executions
        .iter()
        .find(|e| e.id == execution || e.name == execution)
    else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for i in &row.instances {
        names.push(i.instance.clone());
        names.push(
            i.instance
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .to_string(),
        );
    }
    if let Some(entry) = app.console.shop().entry(&row.entry) {
        names.extend(entry.description.services.iter().map(|g| g.name.clone()));
    }
    names
}

/// Namespaces known: those the clusters report being in, and those the
/// last `:ns` listed.
fn namespaces(app: &App) -> Vec<String> {
    let mut names: Vec<String> = crate::tui::targets::groups(&app.data.nodes)
        .into_iter()
        .filter_map(|g| g.namespace)
        .collect();
    names.extend(app.namespaces.iter().cloned());
    names
}

/// The names in an answer to `:ctx` or `:ns` (one per line after the
/// first, marked `*` when in use), kept for completion.
pub fn names_in_listing(text: &str) -> Vec<String> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            l.trim_start_matches(['*', ' '])
                .split_whitespace()
                .next()
                .map(str::to_string)
        })
        .collect()
}

/// The longest start all `words` share.
pub fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut prefix: &str = first;
    for w in &words[1..] {
        while !w.starts_with(prefix) {
            let mut chars = prefix.chars();
            chars.next_back();
            prefix = chars.as_str();
        }
    }
    prefix.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_command_is_suggested() {
        assert_eq!(closest("nods"), Some("nodes"));
        assert_eq!(closest("thme"), Some("theme"));
        assert_eq!(closest("lgos"), Some("logs"));
        assert_eq!(closest("hlep"), Some("help"));
        assert_eq!(closest("xyzzy-plugh"), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn help_lists_every_command_with_one_line() {
        let lines = help_lines();
        assert_eq!(lines.len(), COMMANDS.len());
        assert!(lines.contains(&(
            ":logs EXEC [SERVICE]".to_string(),
            "follow an execution's logs (one service, or all merged)"
        )));
        assert!(summary().starts_with(":shop :ps :nodes :logs EXEC [SERVICE]"));
    }

    #[test]
    fn listings_give_their_names_and_prefixes_are_shared() {
        assert_eq!(
            names_in_listing("namespaces of fake (* in use; :ns NAME switches):\n* zapps\n  other"),
            ["zapps", "other"]
        );
        assert_eq!(
            common_prefix(&["nodes".into(), "node".into(), "ns".into()]),
            "n"
        );
        assert_eq!(common_prefix(&["theme".into()]), "theme");
    }
}
