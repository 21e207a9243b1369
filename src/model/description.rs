//! The ZApp description, format version 3 (the only one Zoe accepts), as
//! plain typed data.
//!
//! These types serialise back to exactly the JSON shape Zoe reads, so a
//! rendered description can be fed to a Zoe installation unchanged. They are
//! built from untrusted JSON by `shop::validate`, never by deserialising
//! directly, so that every violation gets a precise message.

use serde::Serialize;

/// Bytes in one GiB (Zoe's `2^30`).
pub const GIB: u64 = 1 << 30;

/// Cores given to a service whose `cores.min` is null (Zoe's validation sets
/// it to 0.1).
pub const DEFAULT_CORES: f64 = 0.1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Description {
    pub name: String,
    pub version: u32,
    pub will_end: bool,
    pub size: u64,
    pub services: Vec<ServiceGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceGroup {
    pub name: String,
    pub image: String,
    pub monitor: bool,
    pub startup_order: i64,
    pub total_count: u32,
    pub essential_count: u32,
    pub resources: Resources,
    pub ports: Vec<Port>,
    /// `[name, value]` pairs, in order; values (not names) may hold
    /// `{key}` templates.
    pub environment: Vec<(String, String)>,
    pub volumes: Vec<Volume>,
    /// `None` keeps the image's default command; serialised as `null`
    /// because Zoe requires the key to exist.
    pub command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resources {
    pub memory: MemoryRange,
    pub cores: CoreRange,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shm: Option<u64>,
}

/// Memory in bytes; `None` is JSON `null` ("no limit").
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MemoryRange {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

/// CPU cores, fractional allowed; `None` is JSON `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CoreRange {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Port {
    pub name: String,
    pub port_number: u16,
    pub protocol: Protocol,
    pub url_template: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<bool>,
}

impl Port {
    /// Zoe's internal port key, `"<port_number>/<protocol>"`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.port_number, self.protocol.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Volume {
    pub name: String,
    /// Host path.
    pub path: String,
    pub read_only: bool,
}

impl Volume {
    /// Where Zoe mounts it inside the container.
    pub fn mount_point(&self) -> String {
        format!("/mnt/{}", self.name)
    }
}

impl ServiceGroup {
    /// Reserved memory in bytes; a null minimum counts as 0, as in Zoe's sums.
    pub fn memory_min(&self) -> u64 {
        self.resources.memory.min.unwrap_or(0)
    }

    /// Reserved cores; a null minimum counts as [`DEFAULT_CORES`].
    pub fn cores_min(&self) -> f64 {
        self.resources.cores.min.unwrap_or(DEFAULT_CORES)
    }

    pub fn elastic_count(&self) -> u32 {
        self.total_count.saturating_sub(self.essential_count)
    }

    pub fn labels(&self) -> &[String] {
        self.labels.as_deref().unwrap_or(&[])
    }
}

impl Description {
    pub fn group(&self, name: &str) -> Option<&ServiceGroup> {
        self.services.iter().find(|g| g.name == name)
    }

    pub fn group_mut(&mut self, name: &str) -> Option<&mut ServiceGroup> {
        self.services.iter_mut().find(|g| g.name == name)
    }

    /// Memory reserved by all instances, Σ `memory.min × total_count`, in
    /// bytes; saturates at `u64::MAX` rather than overflow (a description
    /// may reserve up to the administrative limit per instance).
    pub fn memory_demand(&self) -> u64 {
        self.services.iter().fold(0u64, |sum, g| {
            sum.saturating_add(g.memory_min().saturating_mul(u64::from(g.total_count)))
        })
    }

    pub fn total_instances(&self) -> u64 {
        self.services.iter().map(|g| u64::from(g.total_count)).sum()
    }

    /// Pretty JSON exactly as Zoe would store it.
    pub fn to_json_pretty(&self) -> String {
        // Serialising plain owned data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Human size for memory in bytes: `512 MiB`, `6 GiB`, `10.5 GiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            let text = format!("{value:.2}");
            return format!(
                "{} {unit}",
                text.trim_end_matches('0').trim_end_matches('.')
            );
        }
    }
    format!("{bytes} B")
}

/// Cores without trailing zeros: `2`, `0.5`, `0.25`.
pub fn format_cores(cores: f64) -> String {
    // `+ 0.0` turns -0.0 into 0.0
    let text = format!("{:.3}", cores + 0.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_human() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(64 << 20), "64 MiB");
        assert_eq!(format_bytes(6 * GIB), "6 GiB");
        assert_eq!(format_bytes(11_274_289_152), "10.5 GiB");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(1 << 40), "1 TiB");
    }

    #[test]
    fn cores_are_trimmed() {
        assert_eq!(format_cores(2.0), "2");
        assert_eq!(format_cores(0.5), "0.5");
        assert_eq!(format_cores(0.1), "0.1");
        assert_eq!(format_cores(0.125), "0.125");
        assert_eq!(format_cores(-0.0), "0");
    }
}
