//! Kubernetes quantities (apimachinery `resource.Quantity`) with their full
//! grammar: an optional sign, a decimal number (`5`, `5.`, `.5`, `5.25`),
//! then a decimal SI suffix (`n u m "" k M G T P E`), a binary one
//! (`Ki Mi Gi Ti Pi Ei`) or a decimal exponent (`e3`, `E-3`, `e+3`).
//! Values are computed exactly and rounded up, as `MilliValue` and `Value`
//! do; a negative quantity is an error here (nothing we read may be one).

use std::fmt;

/// Why a quantity was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuantityError {
    Empty,
    /// Not the quantity grammar; the text (shortened) and what is wrong.
    Malformed {
        text: String,
        why: &'static str,
    },
    Negative(String),
    /// Too large for 64 bits (or more than 38 significant digits).
    Overflow(String),
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::Empty => write!(f, "an empty quantity"),
            QuantityError::Malformed { text, why } => {
                write!(f, "`{text}` is not a Kubernetes quantity ({why})")
            }
            QuantityError::Negative(text) => write!(f, "`{text}` is negative"),
            QuantityError::Overflow(text) => write!(f, "`{text}` is too large"),
        }
    }
}

impl std::error::Error for QuantityError {}

/// At most 40 characters of a quantity, for messages (it is foreign text).
fn shown(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

/// A parsed, non-negative quantity: `mantissa × 10^exp10 × 2^exp2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parsed {
    mantissa: u128,
    exp10: i64,
    exp2: u32,
}

/// Most significant digits kept exactly (10^38 < 2^128).
const MAX_DIGITS: usize = 38;

fn parse(text: &str) -> Result<Parsed, QuantityError> {
    if text.is_empty() {
        return Err(QuantityError::Empty);
    }
    let malformed = |why| QuantityError::Malformed {
        text: shown(text),
        why,
    };
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = bytes.first() {
        negative = sign == b'-';
        pos = 1;
    }
    let int_start = pos;
    while pos < bytes.len() && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    let int_digits = &text[int_start..pos];
    let mut frac_digits = "";
    if pos < bytes.len() && bytes[pos] == b'.' {
        pos += 1;
        let frac_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        frac_digits = &text[frac_start..pos];
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(malformed("no number"));
    }
    let (exp10, exp2) = suffix(&text[pos..]).ok_or_else(|| malformed("unknown suffix"))?;
    // the significant digits, without leading zeros
    let digits: String = format!("{int_digits}{frac_digits}");
    let digits = digits.trim_start_matches('0');
    let trimmed = digits.trim_end_matches('0');
    let dropped_zeros = (digits.len() - trimmed.len()) as i64;
    if trimmed.len() > MAX_DIGITS {
        return Err(QuantityError::Overflow(shown(text)));
    }
    let mantissa = if trimmed.is_empty() {
        0
    } else {
        trimmed
            .parse::<u128>()
            .map_err(|_| QuantityError::Overflow(shown(text)))?
    };
    if negative && mantissa != 0 {
        return Err(QuantityError::Negative(shown(text)));
    }
    let exp10 = exp10
        .checked_sub(frac_digits.len() as i64)
        .and_then(|e| e.checked_add(dropped_zeros))
        .ok_or_else(|| QuantityError::Overflow(shown(text)))?;
    Ok(Parsed {
        mantissa,
        exp10,
        exp2,
    })
}

/// The suffix's power of ten and power of two; `None`: no suffix.
fn suffix(text: &str) -> Option<(i64, u32)> {
    let known = match text {
        "" => Some((0, 0)),
        "n" => Some((-9, 0)),
        "u" => Some((-6, 0)),
        "m" => Some((-3, 0)),
        "k" => Some((3, 0)),
        "M" => Some((6, 0)),
        "G" => Some((9, 0)),
        "T" => Some((12, 0)),
        "P" => Some((15, 0)),
        "E" => Some((18, 0)),
        "Ki" => Some((0, 10)),
        "Mi" => Some((0, 20)),
        "Gi" => Some((0, 30)),
        "Ti" => Some((0, 40)),
        "Pi" => Some((0, 50)),
        "Ei" => Some((0, 60)),
        _ => None,
    };
    if known.is_some() {
        return known;
    }
    // a decimal exponent: e|E, an optional sign, digits
    let rest = text.strip_prefix(['e', 'E'])?;
    let (negative, digits) = match rest.as_bytes().first()? {
        b'+' => (false, &rest[1..]),
        b'-' => (true, &rest[1..]),
        _ => (false, rest),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // beyond any 64-bit value either way: clamp, the caller sees overflow
    // (or rounds a tiny value up)
    let value: i64 = digits.parse().unwrap_or(i64::MAX / 2).min(1_000_000);
    Some((if negative { -value } else { value }, 0))
}

impl Parsed {
    /// The value times `10^shift`, rounded up to a whole number.
    fn ceil_scaled(self, shift: i64, text: &str) -> Result<u64, QuantityError> {
        let overflow = || QuantityError::Overflow(shown(text));
        if self.mantissa == 0 {
            return Ok(0);
        }
        let scaled = self
            .mantissa
            .checked_mul(1u128.checked_shl(self.exp2).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
        let exp = self.exp10 + shift;
        let value = if exp >= 0 {
            let exp = u32::try_from(exp).map_err(|_| overflow())?;
            scaled
                .checked_mul(10u128.checked_pow(exp).ok_or_else(overflow)?)
                .ok_or_else(overflow)?
        } else {
            match 10u128.checked_pow(u32::try_from(-exp).unwrap_or(u32::MAX)) {
                Some(divisor) => scaled.div_ceil(divisor),
                // the divisor is beyond any scaled mantissa: a positive
                // value below one, rounded up
                None => 1,
            }
        };
        u64::try_from(value).map_err(|_| overflow())
    }
}

/// CPU in thousandths of a core, rounded up (`MilliValue`): `0.5` → 500,
/// `100u` → 1, `7800m` → 7800.
pub fn cpu_millis(text: &str) -> Result<u64, QuantityError> {
    parse(text)?.ceil_scaled(3, text)
}

/// A whole number of units (bytes for memory, pods), rounded up (`Value`):
/// `1.5Gi` → 1610612736, `129M` → 129000000.
pub fn bytes(text: &str) -> Result<u64, QuantityError> {
    parse(text)?.ceil_scaled(0, text)
}

/// Millicores as Kubernetes writes them: `500m`, `2`.
pub fn format_cpu(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        format!("{}", millis / 1000)
    } else {
        format!("{millis}m")
    }
}

/// Bytes in the largest binary unit that holds them exactly (`6Gi`,
/// `1536Mi`), else plain bytes.
pub fn format_memory(bytes: u64) -> String {
    if bytes == 0 {
        return "0".to_string();
    }
    for (unit, shift) in [
        ("Ei", 60),
        ("Pi", 50),
        ("Ti", 40),
        ("Gi", 30),
        ("Mi", 20),
        ("Ki", 10),
    ] {
        if bytes.is_multiple_of(1u64 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar_as_apimachinery_reads_it() {
        let cases: [(&str, u64, u64); 27] = [
            // text, millicores, units (rounded up)
            ("7800m", 7800, 8),
            ("0.5", 500, 1),
            ("1.5Gi", 1_610_612_736_000, 1_610_612_736),
            ("32817048Ki", 33_604_657_152_000, 33_604_657_152),
            ("1e3", 1_000_000, 1000),
            ("1E3", 1_000_000, 1000),
            ("1e+3", 1_000_000, 1000),
            ("1E-3", 1, 1),
            ("129M", 129_000_000_000, 129_000_000),
            ("100u", 1, 1),
            ("100n", 1, 1),
            ("0.1", 100, 1),
            ("1.5", 1500, 2),
            ("+1", 1000, 1),
            ("5.", 5000, 5),
            (".5", 500, 1),
            ("0", 0, 0),
            ("-0", 0, 0),
            ("000.000", 0, 0),
            ("2k", 2_000_000, 2000),
            ("3900m", 3900, 4),
            ("1G", 1_000_000_000_000, 1_000_000_000),
            ("1Mi", 1_048_576_000, 1_048_576),
            ("1T", 1_000_000_000_000_000, 1_000_000_000_000),
            ("1P", 1_000_000_000_000_000_000, 1_000_000_000_000_000),
            ("1e-100", 1, 1),
            ("110", 110_000, 110),
        ];
        for (text, millis, units) in cases {
            assert_eq!(cpu_millis(text), Ok(millis), "millis of {text}");
            assert_eq!(bytes(text), Ok(units), "units of {text}");
        }
        assert_eq!(bytes("2Ei"), Ok(2 << 60));
        assert_eq!(bytes("1E"), Ok(1_000_000_000_000_000_000));
        assert_eq!(bytes("15Ei"), Ok(15 << 60));
        assert_eq!(bytes("0.5Ki"), Ok(512));
        assert_eq!(bytes("1.0000000000000000000000000001"), Ok(2));
    }

    #[test]
    fn junk_negatives_and_overflow_are_errors() {
        assert_eq!(bytes(""), Err(QuantityError::Empty));
        assert_eq!(bytes("-1"), Err(QuantityError::Negative("-1".into())));
        assert_eq!(
            cpu_millis("-0.5"),
            Err(QuantityError::Negative("-0.5".into()))
        );
        for junk in [
            "1Qi", "Gi", ".", "+", "-", "1 Gi", " 1", "1e", "1e+", "1E3.5", "1.2.3", "1ki", "1K",
            "1gi", "0x10", "1,5", "1Gi ", "e3", "1mm", "∞",
        ] {
            assert!(
                matches!(bytes(junk), Err(QuantityError::Malformed { .. })),
                "{junk}: {:?}",
                bytes(junk)
            );
        }
        for huge in [
            "16Ei",
            "18446744073709551616",
            "1e20",
            "1e1000000000000",
            "123456789012345678901234567890123456789",
        ] {
            assert!(
                matches!(bytes(huge), Err(QuantityError::Overflow(_))),
                "{huge}"
            );
        }
        // 2Ei bytes fit, 2Ei millicores do not
        assert!(matches!(cpu_millis("2Ei"), Err(QuantityError::Overflow(_))));
        let message = bytes("1Qi").unwrap_err().to_string();
        assert_eq!(
            message,
            "`1Qi` is not a Kubernetes quantity (unknown suffix)"
        );
        let long = "9".repeat(100);
        assert!(bytes(&long).unwrap_err().to_string().len() < 80);
    }

    #[test]
    fn formatted_as_kubernetes_writes_them() {
        assert_eq!(format_cpu(500), "500m");
        assert_eq!(format_cpu(2000), "2");
        assert_eq!(format_cpu(0), "0");
        assert_eq!(format_cpu(100), "100m");
        assert_eq!(format_memory(6 << 30), "6Gi");
        assert_eq!(format_memory(1536 << 20), "1536Mi");
        assert_eq!(format_memory(1000), "1000");
        assert_eq!(format_memory(2048), "2Ki");
        assert_eq!(format_memory(0), "0");
        for (millis, memory) in [(500, 6u64 << 30), (2000, 1536 << 20), (1, 1000)] {
            assert_eq!(cpu_millis(&format_cpu(millis)), Ok(millis));
            assert_eq!(bytes(&format_memory(memory)), Ok(memory));
        }
    }
}
