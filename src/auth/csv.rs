//! Zoe's password file (`auth = "csv"`, spec §9.3): comma-separated,
//! double-quote quoting (`""` inside quotes), no header; rows of exactly
//! `user,password` or `user,password,role`, other rows skipped. The first
//! row matching both user and password signs in.

use std::path::Path;

use super::signin::{SignInError, Verified, constant_time_eq};

/// One usable row.
#[derive(Clone, PartialEq, Eq)]
pub struct Row {
    pub user: String,
    pub password: String,
    pub role: Option<String>,
}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Row({}, <password>, {:?})", self.user, self.role)
    }
}

/// The usable rows and how many others were skipped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub skipped: usize,
}

/// Splits the text into records of fields, as Python's csv reader does:
/// a record ends at a newline (`\n` or `\r\n`) outside quotes; a field
/// starting with `"` is quoted to the next lone `"`; a blank line is a
/// record of no fields.
pub fn records(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                in_quotes = true;
                at_field_start = false;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                if !(record.is_empty() && field.is_empty() && at_field_start) {
                    record.push(std::mem::take(&mut field));
                }
                out.push(std::mem::take(&mut record));
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if !(record.is_empty() && field.is_empty() && at_field_start && !in_quotes) {
        record.push(field);
        out.push(record);
    }
    out
}

/// The rows of 2 or 3 fields; the others are counted, not kept.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for mut fields in records(text) {
        match fields.len() {
            2 | 3 => {
                let role = (fields.len() == 3).then(|| fields.remove(2));
                let password = fields.remove(1);
                let user = fields.remove(0);
                parsed.rows.push(Row {
                    user,
                    password,
                    role,
                });
            }
            _ => parsed.skipped += 1,
        }
    }
    parsed
}

/// Checks `user` and `password` against the rows: every row is looked at
/// (no early exit), the first full match wins.
pub fn check(
    parsed: &Parsed,
    user: &str,
    password: &str,
    file: &Path,
) -> Result<Verified, SignInError> {
    let mut found: Option<&Row> = None;
    let mut known = false;
    for row in &parsed.rows {
        let same_user = constant_time_eq(row.user.as_bytes(), user.as_bytes());
        let same_password = constant_time_eq(row.password.as_bytes(), password.as_bytes());
        known |= same_user;
        if same_user && same_password && found.is_none() {
            found = Some(row);
        }
    }
    match found {
        Some(row) => Ok(Verified {
            user: row.user.clone(),
            role: row.role.clone().filter(|r| !r.is_empty()),
            notes: Vec::new(),
        }),
        None if known => Err(SignInError::WrongPassword { user: user.into() }),
        None => Err(SignInError::UnknownUser {
            user: user.into(),
            place: format!("the password file {}", file.display()),
        }),
    }
}

/// Reads the password file and checks a sign-in. `settings_file` names
/// where `[csv] file` came from, for the message of a file that cannot be
/// read.
pub fn verify(
    file: &Path,
    settings_file: &Path,
    user: &str,
    password: &str,
) -> Result<Verified, SignInError> {
    if password.is_empty() {
        return Err(SignInError::EmptyPassword);
    }
    let text = std::fs::read_to_string(file).map_err(|err| {
        SignInError::Setup(format!(
            "password file {} (from [csv] file in {}) cannot be read: {err}; create it with rows user,password[,role]",
            file.display(),
            settings_file.display()
        ))
    })?;
    let parsed = parse(&text);
    if parsed.skipped > 0 {
        tracing::debug!(
            "password file {}: {} row(s) skipped (not user,password[,role])",
            file.display(),
            parsed.skipped
        );
    }
    check(&parsed, user, password, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(text: &str) -> Vec<Vec<String>> {
        records(text)
    }

    #[test]
    fn records_follow_pythons_csv_reader() {
        assert_eq!(
            rec("a,b\nc,d,e\n"),
            vec![vec!["a", "b"], vec!["c", "d", "e"]]
        );
        assert_eq!(rec("a,b\r\nc,d"), vec![vec!["a", "b"], vec!["c", "d"]]);
        assert_eq!(
            rec("\n\na,b\n\n"),
            vec![vec![], vec![], vec!["a", "b"], vec![]]
        );
        assert_eq!(rec("\u{feff}a,b"), vec![vec!["a", "b"]]);
        assert_eq!(rec("\"a,1\",\"p\"\"q\"\n"), vec![vec!["a,1", "p\"q"]]);
        assert_eq!(
            rec("u,\"line\nbreak\",r"),
            vec![vec!["u", "line\nbreak", "r"]]
        );
        assert_eq!(rec("u,pw ,r "), vec![vec!["u", "pw ", "r "]]);
        assert_eq!(rec("u,"), vec![vec!["u", ""]]);
        assert_eq!(rec(",,"), vec![vec!["", "", ""]]);
        assert_eq!(
            rec("u,p\"q"),
            vec![vec!["u", "p\"q"]],
            "a quote inside a field is kept"
        );
        assert_eq!(rec("\"unterminated,x"), vec![vec!["unterminated,x"]]);
        assert_eq!(rec(""), Vec::<Vec<String>>::new());
    }

    #[test]
    fn rows_of_two_or_three_fields_are_kept_others_counted() {
        let p = parse("ann,pw\nbob,pw2,admin\nonly\na,b,c,d\n\n\"x,y\",\"p,w\"\n");
        assert_eq!(p.rows.len(), 3);
        assert_eq!(p.skipped, 3, "one field, four fields, a blank line");
        assert_eq!(p.rows[1].role.as_deref(), Some("admin"));
        assert_eq!(
            (p.rows[2].user.as_str(), p.rows[2].password.as_str()),
            ("x,y", "p,w")
        );
        assert!(!format!("{:?}", p.rows).contains("pw2"));
    }

    #[test]
    fn first_row_matching_user_and_password_signs_in() {
        let f = Path::new("/etc/zoe/zoepass.csv");
        let p = parse("ann,one,guest\nann,two,admin\nann,two,user\nbob,x \n");
        assert_eq!(
            check(&p, "ann", "two", f).unwrap().role.as_deref(),
            Some("admin")
        );
        assert_eq!(
            check(&p, "ann", "one", f).unwrap().role.as_deref(),
            Some("guest")
        );
        assert_eq!(
            check(&p, "ann", "three", f).unwrap_err().to_string(),
            "wrong password for `ann`"
        );
        assert_eq!(
            check(&p, "carl", "one", f).unwrap_err().to_string(),
            "no user `carl` in the password file /etc/zoe/zoepass.csv"
        );
        assert!(check(&p, "bob", "x", f).is_err(), "trailing spaces count");
        assert_eq!(check(&p, "bob", "x ", f).unwrap().role, None);
        assert!(check(&p, "ANN", "two", f).is_err(), "names are exact");
    }

    #[test]
    fn a_file_that_cannot_be_read_is_one_clear_error() {
        let err = verify(
            Path::new("/nonexistent/zoepass.csv"),
            Path::new("/etc/zoe/config.toml"),
            "a",
            "b",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(
                "password file /nonexistent/zoepass.csv (from [csv] file in /etc/zoe/config.toml) cannot be read: "
            ) && err.ends_with("create it with rows user,password[,role]"),
            "{err}"
        );
        assert_eq!(
            verify(Path::new("/x"), Path::new("/c"), "a", ""),
            Err(SignInError::EmptyPassword)
        );
    }

    #[test]
    fn fuzzish_never_panics_and_round_trips_quoted_fields() {
        let pieces = [
            "a", ",", "\"", "\"\"", "\n", "\r\n", "\r", " ", "\u{feff}", "é", "",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let _ = parse(&format!("{a}{b}{c}{a}"));
                }
            }
        }
        for value in ["p,w", "p\"w", "p\nw", " pw ", "\"", ""] {
            let quoted = format!("u,\"{}\"\n", value.replace('"', "\"\""));
            let p = parse(&quoted);
            assert_eq!(p.rows[0].password, value, "{quoted:?}");
        }
    }
}
