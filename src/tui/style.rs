//! Theme roles as ratatui styles.

use ratatui::style::{Color as RColor, Modifier, Style};

use crate::config::theme::{Color, Theme};

#[derive(Debug, Clone, PartialEq)]
pub struct Styles {
    pub base: Style,
    pub muted: Style,
    pub accent: Style,
    pub highlight: Style,
    pub selected: Style,
    pub success: Style,
    pub warning: Style,
    pub error: Style,
    pub info: Style,
    pub title: Style,
}

fn color(c: Color) -> RColor {
    const NAMED: [RColor; 16] = [
        RColor::Black,
        RColor::Red,
        RColor::Green,
        RColor::Yellow,
        RColor::Blue,
        RColor::Magenta,
        RColor::Cyan,
        RColor::Gray,
        RColor::DarkGray,
        RColor::LightRed,
        RColor::LightGreen,
        RColor::LightYellow,
        RColor::LightBlue,
        RColor::LightMagenta,
        RColor::LightCyan,
        RColor::White,
    ];
    match c {
        Color::Reset => RColor::Reset,
        Color::Indexed(i) => NAMED.get(usize::from(i)).copied().unwrap_or(RColor::Reset),
        Color::Rgb(r, g, b) => RColor::Rgb(r, g, b),
    }
}

impl Styles {
    pub fn from_theme(theme: &Theme) -> Styles {
        let fg = |role: &str| Style::new().fg(color(theme.color(role)));
        let strong = if theme.bold {
            Modifier::BOLD
        } else {
            Modifier::empty()
        };
        let base = Style::new()
            .fg(color(theme.color("fg")))
            .bg(color(theme.color("bg")))
            .add_modifier(strong);
        if theme.monochrome {
            // no colours: emphasis by bold, reverse video and underline only
            let plain = Style::new();
            return Styles {
                base: plain,
                muted: plain.add_modifier(Modifier::DIM),
                accent: plain.add_modifier(Modifier::BOLD),
                highlight: plain.add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
                selected: plain.add_modifier(Modifier::REVERSED),
                success: plain,
                warning: plain.add_modifier(Modifier::BOLD),
                error: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                info: plain,
                title: plain.add_modifier(Modifier::BOLD),
            };
        }
        Styles {
            base,
            muted: fg("muted"),
            accent: fg("accent").add_modifier(strong),
            highlight: fg("highlight").add_modifier(Modifier::BOLD),
            selected: Style::new()
                .fg(color(theme.color("selection_fg")))
                .bg(color(theme.color("selection_bg")))
                .add_modifier(strong),
            success: fg("success").add_modifier(strong),
            warning: fg("warning").add_modifier(strong),
            error: fg("error").add_modifier(strong),
            info: fg("info").add_modifier(strong),
            title: fg("accent").add_modifier(Modifier::BOLD),
        }
    }
}
