//! Splitting a description's `command` string into argv the way Zoe's
//! Docker SDK does (Python `shlex.split`, POSIX mode).

/// Splits `text` shell-style: whitespace separates words, single quotes keep
/// everything literally, double quotes keep spaces and honour `\"`, `\\`,
/// `\$` and `` \` ``, a backslash outside quotes escapes the next character.
pub fn split_command(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("unbalanced single quote in the command".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.peek() {
                            Some(&next @ ('"' | '\\' | '$' | '`' | '\n')) => {
                                chars.next();
                                if next != '\n' {
                                    word.push(next);
                                }
                            }
                            _ => word.push('\\'),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err("unbalanced double quote in the command".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(ch) => word.push(ch),
                    None => return Err("the command ends with a lone backslash".into()),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        split_command(text).unwrap()
    }

    #[test]
    fn like_python_shlex() {
        assert_eq!(
            split("/usr/local/bin/start_notebook.sh"),
            ["/usr/local/bin/start_notebook.sh"]
        );
        assert_eq!(split("  a  b\tc\n"), ["a", "b", "c"]);
        assert_eq!(
            split("sh -c 'echo \"$X\"; exit 0'"),
            ["sh", "-c", "echo \"$X\"; exit 0"]
        );
        assert_eq!(
            split(r#"echo "a \"b\" \$c \n""#),
            ["echo", r#"a "b" $c \n"#]
        );
        assert_eq!(split(r"a\ b c"), ["a b", "c"]);
        assert_eq!(split("x''y \"\""), ["xy", ""]);
        assert!(split("").is_empty());
    }

    #[test]
    fn unbalanced_quotes_are_errors() {
        assert!(split_command("sh -c 'oops").is_err());
        assert!(split_command("echo \"oops").is_err());
        assert!(split_command("trailing\\").is_err());
    }

    #[test]
    fn every_sample_shop_command_splits() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shop");
        let shop = crate::shop::load_shop(&root, &crate::shop::Limits::default());
        let mut seen = 0;
        for entry in &shop.entries {
            for group in &entry.description.services {
                if let Some(command) = &group.command {
                    let argv = split_command(command).unwrap();
                    if argv[0] == "sh" {
                        assert_eq!(argv.len(), 3, "{}: {argv:?}", entry.id);
                    }
                    seen += 1;
                }
            }
        }
        assert!(seen >= 6);
    }
}
