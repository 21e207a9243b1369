//! Kubernetes quantities for the fake's scheduler and metrics, in
//! thousandths of the unit (millicores, millibytes), rounded up as the API
//! server does.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// `7800m` → 7800, `1.5Gi` → 1610612736000, `1e3` → 1000000.
pub fn milli(text: &str) -> Option<i128> {
    let text = text.trim();
    let split = text
        .char_indices()
        .find(|(i, c)| {
            c.is_ascii_alphabetic()
                && !((*c == 'e' || *c == 'E')
                    && text[i + 1..]
                        .chars()
                        .next()
                        .is_some_and(|n| n.is_ascii_digit() || n == '-' || n == '+'))
        })
        .map_or(text.len(), |(i, _)| i);
    let (number, suffix) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let factor: f64 = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    let scaled = value * factor * 1000.0;
    if !scaled.is_finite() || scaled < 0.0 {
        return None;
    }
    Some(scaled.round() as i128)
}

/// A resource of a map of quantities, in thousandths (0 when absent or bad).
pub fn get(map: Option<&BTreeMap<String, Quantity>>, resource: &str) -> i128 {
    map.and_then(|m| m.get(resource))
        .and_then(|q| milli(&q.0))
        .unwrap_or(0)
}

/// Thousandths of a core as kubectl prints them (`250m`, `2`).
pub fn cpu_text(milli: i128) -> String {
    if milli % 1000 == 0 {
        format!("{}", milli / 1000)
    } else {
        format!("{milli}m")
    }
}

/// Thousandths of bytes as a memory quantity (`512Mi`, `1234`).
pub fn memory_text(milli: i128) -> String {
    let bytes = milli / 1000;
    for (suffix, size) in [("Gi", 1i128 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if bytes != 0 && bytes % size == 0 {
            return format!("{}{suffix}", bytes / size);
        }
    }
    format!("{bytes}")
}
