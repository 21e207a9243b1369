//! The instance list's `c` and `w`: a URL to the terminal's clipboard
//! with OSC 52 (`ESC ] 52 ; c ; <base64> BEL`: the terminal sets its
//! clipboard, also over SSH and in tmux with `set-clipboard on`), and a
//! URL opened with `xdg-open` when there is a graphical session (detached,
//! its output discarded, never waited for by the UI), else shown in the
//! status line to select or copy.

use std::io::Write;

use crate::model::text::base64;

/// The OSC 52 sequence that puts `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Writes the OSC 52 sequence for `text` to the terminal.
pub fn copy(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

/// Whether a graphical session is there (a browser can be opened).
pub fn graphical(env: &dyn Fn(&str) -> Option<String>) -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|k| env(k).is_some_and(|v| !v.is_empty()))
}

/// Opens `url` with `xdg-open` when there is a graphical session, else
/// says it; the status line's text either way.
pub fn open_url(url: &str) -> (String, bool) {
    let shown = crate::model::text::visible(url).into_owned();
    if !graphical(&|k| std::env::var(k).ok()) {
        return (shown, false);
    }
    // the URL comes from labels: only a web address goes to xdg-open
    if !is_web(url) {
        return (format!("{shown} (not an http(s) URL: not opened)"), true);
    }
    let spawned = std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // reaped on a thread of its own: never waited for by the UI
            let _ = std::thread::Builder::new()
                .name("zoe-xdg-open".into())
                .spawn(move || child.wait());
            (format!("opening {shown}"), false)
        }
        Err(e) => (
            format!("{shown} (cannot run xdg-open: {e}; copy the URL with c)"),
            true,
        ),
    }
}

/// `http://` or `https://` followed by something, with no control or
/// space characters: what may be handed to xdg-open.
fn is_web(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    rest.is_some_and(|r| !r.is_empty()) && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_are_opened() {
        assert!(is_web("http://127.0.0.1:8888/lab"));
        assert!(is_web("HTTPS://host/x"));
        assert!(!is_web("file:///etc/passwd"));
        assert!(!is_web("javascript:alert(1)"));
        assert!(!is_web("http://"));
        assert!(!is_web("http://a b"));
        assert!(!is_web("--help"));
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (text, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(text.as_bytes()), encoded, "{text}");
        }
    }

    #[test]
    fn osc52_wraps_the_base64_of_the_text() {
        assert_eq!(
            osc52("http://127.0.0.1:8080/"),
            "\x1b]52;c;aHR0cDovLzEyNy4wLjAuMTo4MDgwLw==\x07"
        );
    }

    #[test]
    fn a_graphical_session_is_told_by_display_or_wayland() {
        let none = |_: &str| None;
        assert!(!graphical(&none));
        let x = |k: &str| (k == "DISPLAY").then(|| ":0".to_string());
        assert!(graphical(&x));
        let empty = |_: &str| Some(String::new());
        assert!(!graphical(&empty));
    }
}
