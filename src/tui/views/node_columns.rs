//! The nodes table's columns at any width: every figure column is as wide
//! as its widest text, so a number or a unit is never cut
//! (`512 MiB / 23.54 GiB`, `0.03 cores / 6.9 MiB`); what gives way is
//! something else: the gauges shrink and go, long node names are cut with
//! `…` (what is left after the figures goes to the names first, then to
//! the gauges), IN USE, RUNNING and LABELS are left out when there is no
//! room (the selected node's pane below repeats every figure in full).

use crate::model::{NodeSnapshot, format_bytes, format_cores};

/// Columns that never shrink: STATUS (`disabled`), ZAPPS, RUNNING.
const STATUS: usize = 8;
const ZAPPS: usize = 5;
const RUNNING: usize = 7;

/// The widest texts of the table's columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Widest {
    pub name: usize,
    pub cores: usize,
    pub memory: usize,
    pub in_use: usize,
}

/// Where each column goes; `None`: left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub name: usize,
    /// Cells of each gauge (0: no gauges).
    pub gauge: usize,
    /// The figure columns, gauge included.
    pub cores: usize,
    pub memory: usize,
    pub in_use: Option<usize>,
    pub running: bool,
    pub labels: Option<usize>,
}

/// The columns for a table `width` cells wide inside its borders; `wide`
/// (120 columns and more) shows RUNNING and LABELS when they fit, and
/// longer gauges from 160.
pub fn plan(width: u16, widest: Widest, wide: bool) -> Plan {
    let width = usize::from(width);
    let name_min = widest.name.clamp(4, 6);
    let cores = widest.cores.max(5);
    let memory = widest.memory.max(6);
    let mut used = name_min + STATUS + cores + memory + ZAPPS;
    let mut columns = 5;
    let room = |used: usize, columns: usize, more: usize| used + more + columns <= width;
    let in_use_width = widest.in_use.max(6);
    let in_use = room(used, columns, in_use_width).then(|| {
        used += in_use_width;
        columns += 1;
        in_use_width
    });
    let running = wide && room(used, columns, RUNNING);
    if running {
        used += RUNNING;
        columns += 1;
    }
    let mut left = width.saturating_sub(used + columns - 1);
    let name = name_min + left.min(widest.name.saturating_sub(name_min));
    left -= name - name_min;
    let longest = match width {
        158.. => 16,
        118.. => 10,
        _ => 6,
    };
    // each gauge takes its cells and a space
    let gauge = match (left / 2).saturating_sub(1).min(longest) {
        g if g >= 3 => g,
        _ => 0,
    };
    if gauge > 0 {
        left -= 2 * (gauge + 1);
    }
    let labels = (wide && left > 5).then(|| left - 1);
    Plan {
        name,
        gauge,
        cores: cores + if gauge > 0 { gauge + 1 } else { 0 },
        memory: memory + if gauge > 0 { gauge + 1 } else { 0 },
        in_use,
        running,
        labels,
    }
}

/// `2.5 / 8`: cores taken of the total.
pub fn cores_text(taken: f64, total: f64) -> String {
    format!("{} / {}", format_cores(taken), format_cores(total))
}

/// `512 MiB / 23.54 GiB`: memory taken of the total.
pub fn memory_text(taken: u64, total: u64) -> String {
    format!("{} / {}", format_bytes(taken), format_bytes(total))
}

/// `0.03 cores / 6.9 MiB` in use, `-` before usage was read.
pub fn in_use_text(n: &NodeSnapshot) -> String {
    match (n.cores_in_use, n.memory_in_use) {
        (Some(c), Some(m)) => format!(
            "{} {} / {}",
            format_cores((c * 100.0).round() / 100.0),
            if (c * 100.0).round() == 100.0 {
                "core"
            } else {
                "cores"
            },
            format_bytes(m)
        ),
        _ => "-".into(),
    }
}

/// A name cut to `width` with `…` when longer.
pub fn fit(name: &str, width: usize) -> String {
    if name.chars().count() <= width {
        return name.to_string();
    }
    let mut cut: String = name.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long() -> Widest {
        Widest {
            name: 6,
            cores: "12.25 / 128".len(),
            memory: "1023.99 MiB / 1023.99 GiB".len(),
            in_use: "0.03 cores / 1023.99 MiB".len(),
        }
    }

    fn total(p: &Plan) -> usize {
        let columns = [
            Some(p.name),
            Some(STATUS),
            Some(p.cores),
            Some(p.memory),
            Some(ZAPPS),
            p.in_use,
            p.running.then_some(RUNNING),
            p.labels,
        ];
        let shown: Vec<usize> = columns.into_iter().flatten().collect();
        shown.iter().sum::<usize>() + shown.len() - 1
    }

    #[test]
    fn the_figures_are_never_narrower_than_their_text_at_80_120_160() {
        for (width, wide) in [(78, false), (118, true), (158, true)] {
            let w = long();
            let p = plan(width, w, wide);
            assert!(p.cores >= w.cores && p.memory >= w.memory, "{width}: {p:?}");
            if let Some(in_use) = p.in_use {
                assert!(in_use >= w.in_use, "{width}: {p:?}");
            }
            assert!(total(&p) <= usize::from(width), "{width}: {p:?}");
        }
        // at 80, usual figures leave room for IN USE and gauges
        let usual = Widest {
            name: 6,
            cores: "2.5 / 8".len(),
            memory: "512 MiB / 23.54 GiB".len(),
            in_use: "0.03 cores / 6.9 MiB".len(),
        };
        let p = plan(78, usual, false);
        assert_eq!(p.in_use, Some(usual.in_use));
        assert!(p.gauge >= 3, "{p:?}");
        // from 120 the gauges come back, longer at 160
        assert!(plan(118, long(), true).gauge >= 3);
        assert_eq!(plan(158, long(), true).gauge, 16);
    }

    #[test]
    fn something_else_gives_way_first() {
        // a very narrow table: gauges, IN USE and labels go, numbers stay
        let w = long();
        let p = plan(60, w, false);
        assert_eq!((p.gauge, p.in_use, p.labels), (0, None, None));
        assert_eq!((p.cores, p.memory), (w.cores, w.memory));
        // the gauges go before a long node name is cut, which is cut
        // before a figure would be
        let named = Widest { name: 40, ..w };
        let p = plan(78, named, false);
        assert_eq!((p.gauge, p.cores, p.memory), (0, w.cores, w.memory));
        assert!(p.name < 40 && total(&p) <= 78, "{p:?}");
        let p = plan(
            78,
            Widest {
                name: 12,
                ..Widest::default()
            },
            false,
        );
        assert_eq!(p.name, 12);
        assert_eq!(fit("a-very-long-node-name", 8), "a-very-…");
        assert_eq!(fit("local", 8), "local");
    }

    #[test]
    fn in_use_says_cores_and_keeps_its_unit() {
        let mut n =
            NodeSnapshot::offline("a", String::new(), String::new(), Vec::new(), String::new());
        assert_eq!(in_use_text(&n), "-");
        n.cores_in_use = Some(0.0312);
        n.memory_in_use = Some(7_235_174);
        assert_eq!(in_use_text(&n), "0.03 cores / 6.9 MiB");
        n.cores_in_use = Some(0.999);
        assert_eq!(in_use_text(&n), "1 core / 6.9 MiB");
        assert_eq!(
            memory_text(512 << 20, 25_280_000_000),
            "512 MiB / 23.54 GiB"
        );
    }
}
