//! Template substitution in environment values (`{execution_id}`,
//! `{user_name}`, `{dns_name#<instance>}`, …), with the
//! semantics of Python's `str.format(**vars)` for what Zoe descriptions use:
//! `{key}` is replaced, `{{` and `}}` are literal braces, and anything else
//! — an unknown key, a lone brace, a format spec — is an error raised before
//! any container would be created.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    UnknownVariable { name: String, known: Vec<String> },
    Unsupported { field: String, why: &'static str },
    LoneClosingBrace { offset: usize },
    Unclosed { offset: usize },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::UnknownVariable { name, known } => write!(
                f,
                "unknown variable `{{{name}}}`; known variables: {}. Write `{{{{` and `}}}}` for literal braces",
                known
                    .iter()
                    .map(|k| format!("{{{k}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TemplateError::Unsupported { field, why } => write!(f, "`{{{field}}}`: {why}"),
            TemplateError::LoneClosingBrace { offset } => write!(
                f,
                "single `}}` at character {}: write `}}}}` for a literal brace",
                offset + 1
            ),
            TemplateError::Unclosed { offset } => write!(
                f,
                "`{{` at character {} is never closed: write `{{{{` for a literal brace",
                offset + 1
            ),
        }
    }
}

/// Substitutes every `{key}` of `template` with `lookup(key)`.
/// `known` lists the variables for the error message.
pub fn substitute(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    known: &dyn Fn() -> Vec<String>,
) -> Result<String, TemplateError> {
    let chars: Vec<char> = template.chars().collect();
    let mut out = String::with_capacity(template.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                out.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                out.push('}');
                i += 2;
            }
            '}' => return Err(TemplateError::LoneClosingBrace { offset: i }),
            '{' => {
                let start = i;
                let Some(len) = chars[i + 1..].iter().position(|c| *c == '}') else {
                    return Err(TemplateError::Unclosed { offset: start });
                };
                let field: String = chars[i + 1..i + 1 + len].iter().collect();
                check_field(&field)?;
                match lookup(&field) {
                    Some(value) => out.push_str(&value),
                    None => {
                        return Err(TemplateError::UnknownVariable {
                            name: field,
                            known: known(),
                        });
                    }
                }
                i += len + 2;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn check_field(field: &str) -> Result<(), TemplateError> {
    let unsupported = |why| {
        Err(TemplateError::Unsupported {
            field: field.to_string(),
            why,
        })
    };
    if field.is_empty() || field.chars().all(|c| c.is_ascii_digit()) {
        return unsupported("positional fields are not available; name a variable");
    }
    if field.contains('{') {
        return unsupported("nested braces are not allowed in a variable name");
    }
    if field.contains(':') || field.contains('!') {
        return unsupported(
            "format specifications and conversions are not supported; use the plain variable",
        );
    }
    if field.contains('.') || field.contains('[') {
        return unsupported("attribute and index access are not supported; use the plain variable");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(template: &str) -> Result<String, TemplateError> {
        let lookup = |k: &str| match k {
            "execution_id" => Some("k3x9f2a7qp".to_string()),
            "dns_name#master0" => Some("master0-k3x9f2a7qp-prod".to_string()),
            "user_name" => Some("alice".to_string()),
            _ => None,
        };
        let known = || vec!["execution_id".to_string(), "user_name".to_string()];
        substitute(template, &lookup, &known)
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(run("/opt/spark").unwrap(), "/opt/spark");
        assert_eq!(run("").unwrap(), "");
        assert_eq!(run("héllo wörld").unwrap(), "héllo wörld");
    }

    #[test]
    fn variables_are_replaced() {
        assert_eq!(
            run("spark://{dns_name#master0}:7077").unwrap(),
            "spark://master0-k3x9f2a7qp-prod:7077"
        );
        assert_eq!(
            run("{user_name}-{execution_id}").unwrap(),
            "alice-k3x9f2a7qp"
        );
    }

    #[test]
    fn doubled_braces_are_literal() {
        assert_eq!(run("{{user_name}}").unwrap(), "{user_name}");
        assert_eq!(run("a}}b{{c").unwrap(), "a}b{c");
        assert_eq!(run("{{{user_name}}}").unwrap(), "{alice}");
    }

    #[test]
    fn unknown_variables_are_errors_that_list_the_known_ones() {
        let err = run("x {nope} y").unwrap_err();
        assert_eq!(
            err,
            TemplateError::UnknownVariable {
                name: "nope".into(),
                known: vec!["execution_id".into(), "user_name".into()]
            }
        );
        let text = err.to_string();
        assert!(
            text.contains("`{nope}`") && text.contains("{execution_id}"),
            "{text}"
        );
    }

    #[test]
    fn lone_and_unclosed_braces_are_errors() {
        assert_eq!(
            run("a } b").unwrap_err(),
            TemplateError::LoneClosingBrace { offset: 2 }
        );
        assert_eq!(
            run("a {user_name").unwrap_err(),
            TemplateError::Unclosed { offset: 2 }
        );
        assert!(matches!(
            run("{").unwrap_err(),
            TemplateError::Unclosed { .. }
        ));
    }

    #[test]
    fn python_only_features_are_refused_clearly() {
        for t in [
            "{}",
            "{0}",
            "{execution_id:05d}",
            "{user_name!r}",
            "{a.b}",
            "{a[0]}",
            "{a{b}",
        ] {
            let err = run(t).unwrap_err();
            assert!(
                matches!(err, TemplateError::Unsupported { .. }),
                "{t}: {err:?}"
            );
        }
    }
}
