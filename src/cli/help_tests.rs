use clap::{CommandFactory, Parser};

use super::*;
use crate::cli::tui_only_flag;

/// Every argument and verb under `command` without a help line, as
/// `zoe shop render --memory`.
fn without_help(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
    for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            let name = arg
                .get_long()
                .map(|l| format!("--{l}"))
                .unwrap_or_else(|| arg.get_id().to_string());
            missing.push(format!("{path} {name}"));
        }
    }
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub_path = format!("{path} {}", sub.get_name());
        if sub.get_about().is_none() && sub.get_long_about().is_none() {
            missing.push(sub_path.clone());
        }
        without_help(sub, &sub_path, missing);
    }
}

#[test]
fn every_flag_and_verb_has_a_help_line() {
    let mut command = Cli::command();
    command.build();
    let mut missing = Vec::new();
    without_help(&command, "zoe", &mut missing);
    assert!(missing.is_empty(), "no help line: {missing:?}");
    // the walk does see the tree: verbs, nested verbs, flattened flags
    let render = command
        .find_subcommand("shop")
        .and_then(|s| s.find_subcommand("render"))
        .unwrap();
    assert!(
        render
            .get_arguments()
            .any(|a| a.get_long() == Some("memory"))
    );
}

#[test]
fn the_walk_finds_a_flag_without_help() {
    let command = clap::Command::new("t")
        .arg(clap::Arg::new("bare").long("bare"))
        .subcommand(clap::Command::new("sub"));
    let mut missing = Vec::new();
    without_help(&command, "t", &mut missing);
    assert_eq!(missing, vec!["t --bare", "t sub"]);
}

#[test]
fn terminal_ui_flags_are_only_where_the_terminal_ui_is() {
    let mut command = Cli::command();
    command.build();
    let top: Vec<_> = command
        .get_arguments()
        .filter_map(|a| a.get_long())
        .collect();
    assert!(
        top.contains(&"theme") && top.contains(&"no-mouse"),
        "{top:?}"
    );
    for sub in command.get_subcommands() {
        for flag in ["theme", "no-mouse"] {
            assert!(
                !sub.get_arguments().any(|a| a.get_long() == Some(flag)),
                "`zoe {} --help` shows --{flag}",
                sub.get_name()
            );
        }
    }
    // after a verb, clap refuses them; before it, `zoe` does
    assert!(Cli::try_parse_from(["zoe", "nodes", "--theme", "dark"]).is_err());
    let before = Cli::try_parse_from(["zoe", "--theme", "dark", "nodes"]).unwrap();
    assert_eq!(tui_only_flag(&before), Some("--theme"));
    let before = Cli::try_parse_from(["zoe", "--no-mouse", "ps"]).unwrap();
    assert_eq!(tui_only_flag(&before), Some("--no-mouse"));
    let tui = Cli::try_parse_from(["zoe", "--theme", "dark", "--no-mouse"]).unwrap();
    assert_eq!(tui_only_flag(&tui), None);
    // the global ones still go anywhere
    assert!(Cli::try_parse_from(["zoe", "nodes", "--config", "f", "-o", "json"]).is_ok());
}

#[test]
fn the_help_says_what_the_console_does_with_examples() {
    let help = Cli::command().render_long_help().to_string();
    for word in [
        "terminal UI",
        "shop",
        "placement preview",
        "parameters",
        "launches",
        "logs",
        "nodes",
        "Docker hosts",
        "Kubernetes clusters",
        "Examples:",
        "zoe completions bash",
        "Exit codes",
    ] {
        assert!(help.contains(word), "`{word}` missing from:\n{help}");
    }
}

#[test]
fn completions_name_the_verbs() {
    for shell in [
        clap_complete::Shell::Bash,
        clap_complete::Shell::Zsh,
        clap_complete::Shell::Fish,
    ] {
        let script = completions(shell).unwrap().stdout;
        for verb in ["shop", "nodes", "inspect", "completions", "man"] {
            assert!(script.contains(verb), "{shell}: no `{verb}`");
        }
    }
}

#[test]
fn man_pages_for_zoe_and_a_verb() {
    let page = man(&[]).unwrap().stdout;
    let header: Vec<&str> = page.lines().take(3).collect();
    assert!(header[0].starts_with('.'), "{header:?}");
    assert!(
        header.iter().any(|l| l.starts_with(".TH zoe 1")),
        "{header:?}"
    );
    assert_eq!(page.matches(".TH ").count(), 1);
    assert!(page.ends_with(&format!(".SH VERSION\nv{}\n", env!("CARGO_PKG_VERSION"))));
    assert!(!page.contains(".SH EXTRA"), "{page}");
    assert!(page.contains(".SH EXAMPLES\n.nf\n"), "{page}");
    assert!(page.contains("zoe\\-nodes(1)"), "verbs listed: {page}");
    assert!(
        !page.contains("zoe\\-help(1)"),
        "no page for `help`: {page}"
    );
    let render = man(&["shop".into(), "render".into()]).unwrap().stdout;
    assert!(
        render.contains("\n.TH zoe-shop-render 1  \"zoe "),
        "{render}"
    );
    assert!(render.contains("memory"), "{render}");
    let err = man(&["shop".into(), "nope".into()]).err().unwrap();
    assert_eq!(err.code, 2);
    assert!(
        err.message.contains("`zoe shop` has no verb `nope`") && err.message.contains("render"),
        "{}",
        err.message
    );
}

#[test]
fn examples_are_kept_as_lines_and_escaped_for_roff() {
    let section = examples_section("Examples:\n  zoe a\\b --x\n.dot\n'quote'");
    assert_eq!(
        section,
        ".SH EXAMPLES\n.nf\n  zoe a\\eb \\-\\-x\n\\&.dot\n\\*(Aqquote\\*(Aq\n.fi\n"
    );
}
