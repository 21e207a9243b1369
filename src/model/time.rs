//! Time as both fronts show and read it: ages ("5m"), local times in the
//! status timeline, and the times `--since` accepts. Pure: "now" and the
//! local time zone are always passed in, so every rule is tested with fixed
//! values.

use chrono::{
    DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
};

/// A Unix time in whole seconds (as the state cache and labels keep it).
pub fn unix(secs: u64) -> DateTime<Utc> {
    i64::try_from(secs)
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// How long ago `then` was, in its largest whole unit: `42s`, `5m`, `3h`,
/// `12d`. A time after `now` (clocks of two machines disagree) is `0s`.
pub fn age(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = now.signed_duration_since(then).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

/// `at` in `zone`, to the second: `2026-11-29 10:00:03`.
pub fn local_time<Tz: TimeZone>(at: DateTime<Utc>, zone: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    at.with_timezone(zone)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The latest time Docker's log API takes as `since` through our client
/// (a 32-bit count of seconds): 2038-01-19T03:14:07Z.
pub const LATEST_SINCE: i64 = i32::MAX as i64;

/// The forms `--since` takes, for messages.
pub const SINCE_FORMS: &str = "a duration ago (90s, 10m, 2h, 3d, 1h30m), \
     an RFC 3339 time (2026-11-29T10:00:00Z, 2026-11-29T10:00:00.5+01:00), \
     a local time (2026-11-29T10:00), a date (2026-11-29, local midnight) \
     or Unix seconds (1795946400)";

/// Reads a `--since` value as `docker logs --since` does:
/// * a duration before `now`: numbers with units `ms`, `s`, `m`, `h` and
///   (ours, Docker lacks it) `d`, combined as in `1h30m`, fractions as in
///   `1.5h`;
/// * Unix seconds, with a fraction if wanted (`1795946400.25`);
/// * an RFC 3339 time, or a shorter one (`2026-11-29T10:00Z`,
///   `2026-11-29T10`); without `Z` or an offset it is a time in `zone`;
/// * a date, the midnight it starts in `zone` (`2026-11-29`), or in UTC
///   with `Z` (`2026-11-29Z`).
///
/// The time must lie between 1970 and [`LATEST_SINCE`]. The error names
/// the value and every accepted form.
pub fn parse_since<Tz: TimeZone>(
    text: &str,
    now: DateTime<Utc>,
    zone: &Tz,
) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let at = if let Some(at) = unix_seconds(text) {
        at
    } else if let Some(ago) = duration(text) {
        now.checked_sub_signed(ago)
            .ok_or_else(|| format!("--since `{text}` reaches back before 1970"))?
    } else if let Some(at) = absolute(text, zone) {
        at?
    } else {
        return Err(format!("--since `{text}` is not a time: use {SINCE_FORMS}"));
    };
    if at.timestamp() < 0 {
        return Err(format!("--since `{text}` reaches back before 1970"));
    }
    if at.timestamp() > LATEST_SINCE {
        return Err(format!(
            "--since `{text}` is after {}, the latest time Docker's log API takes",
            unix(LATEST_SINCE as u64).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    Ok(at)
}

/// `1795946400` or `1795946400.25`.
fn unix_seconds(text: &str) -> Option<DateTime<Utc>> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let nanos = if fraction.is_empty() {
        0
    } else {
        format!("{:0<9}", fraction.get(..9).unwrap_or(fraction))
            .parse()
            .ok()?
    };
    // too many digits for a time: out of range, not "not a time"
    let secs = whole.parse::<i64>().unwrap_or(i64::MAX);
    DateTime::from_timestamp(secs, nanos).or(Some(DateTime::<Utc>::MAX_UTC))
}

/// `90s`, `10m`, `1h30m`, `1.5h`, `3d`, `500ms`; `None` when it is not one.
fn duration(text: &str) -> Option<TimeDelta> {
    const UNITS: [(&str, i128); 8] = [
        ("ns", 1),
        ("us", 1_000),
        ("µs", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
        ("d", 86_400_000_000_000),
    ];
    let mut rest = text;
    let mut nanos: i128 = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_end);
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_end);
        let scale = UNITS.iter().find(|(u, _)| *u == unit)?.1;
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let whole: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut part = whole.checked_mul(scale)?;
        let mut place = scale;
        for digit in fraction.bytes() {
            if !digit.is_ascii_digit() {
                return None;
            }
            place /= 10;
            part = part.checked_add(i128::from(digit - b'0') * place)?;
        }
        nanos = nanos.checked_add(part)?;
        rest = after;
    }
    if text.is_empty() {
        return None;
    }
    // beyond what a TimeDelta holds reaches back before 1970 anyway
    let secs = i64::try_from(nanos / 1_000_000_000).unwrap_or(i64::MAX / 1000);
    let sub = (nanos % 1_000_000_000) as i64;
    Some(
        TimeDelta::try_seconds(secs)
            .unwrap_or(TimeDelta::MAX)
            .checked_add(&TimeDelta::nanoseconds(sub))
            .unwrap_or(TimeDelta::MAX),
    )
}

/// A date or date-time, with or without a zone; `None` when the text does
/// not start with a date, `Some(Err)` when it does but is wrong.
fn absolute<Tz: TimeZone>(text: &str, zone: &Tz) -> Option<Result<DateTime<Utc>, String>> {
    let date = text.get(..10)?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let wrong = |why: &str| Some(Err(format!("--since `{text}`: {why}; use {SINCE_FORMS}")));
    let (rest, offset) = match split_zone(&text[10..]) {
        Ok(split) => split,
        Err(why) => return wrong(why),
    };
    let time = if rest.is_empty() {
        NaiveTime::MIN
    } else if let Some(time) = rest.strip_prefix(['T', 't', ' ']) {
        // `10`, `10:00`, `10:00:00`, `10:00:00.5`
        let padded = match time.matches(':').count() {
            0 => format!("{time}:00:00"),
            1 => format!("{time}:00"),
            _ => time.to_string(),
        };
        match NaiveTime::parse_from_str(&padded, "%H:%M:%S%.f") {
            Ok(time) => time,
            Err(_) => return wrong("the time of day is not HH, HH:MM or HH:MM:SS[.fraction]"),
        }
    } else {
        return wrong("a date is followed by T and a time of day, or nothing");
    };
    let naive = NaiveDateTime::new(date, time);
    let at = match offset {
        Some(offset) => offset
            .from_local_datetime(&naive)
            .single()
            .map(|t| t.to_utc()),
        // a local time skipped by a clock change has no instant
        None => zone
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.to_utc()),
    };
    match at {
        Some(at) => Some(Ok(at)),
        None => wrong("that local time does not exist (the clocks changed)"),
    }
}

/// Splits `Z` or `±HH:MM` off the end of what follows the date.
fn split_zone(rest: &str) -> Result<(&str, Option<FixedOffset>), &'static str> {
    if let Some(body) = rest.strip_suffix(['Z', 'z']) {
        return Ok((body, FixedOffset::east_opt(0)));
    }
    let Some(sign_at) = rest.rfind(['+', '-']) else {
        return Ok((rest, None));
    };
    let (body, zone) = rest.split_at(sign_at);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let hh_mm = &zone[1..];
    let parsed = hh_mm
        .split_once(':')
        .filter(|(h, m)| h.len() == 2 && m.len() == 2)
        .and_then(|(h, m)| Some((h.parse::<i32>().ok()?, m.parse::<i32>().ok()?)))
        .filter(|(h, m)| *h < 24 && *m < 60)
        .and_then(|(h, m)| FixedOffset::east_opt(sign * (h * 3600 + m * 60)));
    match parsed {
        Some(offset) => Ok((body, Some(offset))),
        None => Err("the offset is not Z, +HH:MM or -HH:MM"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    const NOW: &str = "2026-11-29T12:00:00.250Z";

    fn since(text: &str) -> Result<DateTime<Utc>, String> {
        // local time one hour east of UTC, fixed so the tests do not depend
        // on the machine's zone
        parse_since(text, utc(NOW), &FixedOffset::east_opt(3600).unwrap())
    }

    #[test]
    fn ages_use_the_largest_whole_unit_against_the_given_now() {
        let now = utc("2026-11-29T12:00:00Z");
        let ago = |secs: i64| age(now - TimeDelta::seconds(secs), now);
        assert_eq!(ago(0), "0s");
        assert_eq!(ago(59), "59s");
        assert_eq!(ago(60), "1m");
        assert_eq!(ago(3599), "59m");
        assert_eq!(ago(3600), "1h");
        assert_eq!(ago(86399), "23h");
        assert_eq!(ago(86400), "1d");
        assert_eq!(ago(400 * 86400), "400d");
        assert_eq!(ago(-30), "0s", "a time after now");
        assert_eq!(age(unix(1_700_000_000), unix(1_700_000_125)), "2m");
        assert!(age(unix(0), unix(u64::MAX)).ends_with('d'), "no overflow");
    }

    #[test]
    fn local_times_are_shown_in_the_given_zone() {
        let at = unix(1_795_946_403);
        assert_eq!(local_time(at, &Utc), "2026-11-29 10:00:03");
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
        assert_eq!(local_time(at, &tokyo), "2026-11-29 19:00:03");
    }

    #[test]
    fn since_takes_durations_ago() {
        let now = utc(NOW);
        assert_eq!(since("90s"), Ok(now - TimeDelta::seconds(90)));
        assert_eq!(since("10m"), Ok(now - TimeDelta::minutes(10)));
        assert_eq!(since("2h"), Ok(now - TimeDelta::hours(2)));
        assert_eq!(since("3d"), Ok(now - TimeDelta::days(3)));
        assert_eq!(since("1h30m"), Ok(now - TimeDelta::minutes(90)));
        assert_eq!(since("1.5h"), Ok(now - TimeDelta::minutes(90)));
        assert_eq!(since("250ms"), Ok(utc("2026-11-29T12:00:00Z")));
        assert_eq!(since(" 0s "), Ok(now));
        for bad in ["10x", "m", "1h30", ".h", "1..5h", "-1h", "h1", "1 h"] {
            let err = since(bad).unwrap_err();
            assert!(err.contains(&format!("`{}`", bad.trim())), "{bad}: {err}");
            assert!(err.contains("90s") && err.contains("2026-11-29"), "{err}");
        }
        assert!(
            since("200000000000000d")
                .unwrap_err()
                .contains("before 1970")
        );
        assert!(
            since("99999999999999999999999999999999d").is_err(),
            "no overflow"
        );
        assert!(since("60y").unwrap_err().contains("not a time"));
    }

    #[test]
    fn since_takes_unix_seconds() {
        assert_eq!(since("1700000000"), Ok(unix(1_700_000_000)));
        assert_eq!(since("0"), Ok(unix(0)));
        assert_eq!(
            since("1700000000.25"),
            Ok(utc("2023-11-14T22:13:20.25Z")),
            "a fraction is kept"
        );
        assert_eq!(since("2147483647"), Ok(unix(2_147_483_647)));
        let err = since("99999999999").unwrap_err();
        assert!(err.contains("2038-01-19T03:14:07Z"), "{err}");
        assert!(since("999999999999999999999999").is_err());
        assert!(since("17.0.0").is_err());
    }

    #[test]
    fn since_takes_rfc_3339_times_and_dates_as_docker_does() {
        let at = utc("2026-11-29T10:00:00Z");
        assert_eq!(since("2026-11-29T10:00:00Z"), Ok(at));
        assert_eq!(since("2026-11-29t10:00:00z"), Ok(at));
        assert_eq!(since("2026-11-29T11:00:00+01:00"), Ok(at));
        assert_eq!(since("2026-11-29T05:30:00-04:30"), Ok(at));
        assert_eq!(
            since("2026-11-29T10:00:00.123456789Z"),
            Ok(at + TimeDelta::nanoseconds(123_456_789))
        );
        assert_eq!(since("2026-11-29T10:00Z"), Ok(at));
        assert_eq!(since("2026-11-29T10Z"), Ok(at));
        // without a zone: local time (UTC+1 here)
        assert_eq!(since("2026-11-29T11:00:00"), Ok(at));
        assert_eq!(since("2026-11-29T11:00"), Ok(at));
        assert_eq!(since("2026-11-29T11"), Ok(at));
        assert_eq!(
            since("2026-11-29 11:00:00.5"),
            Ok(at + TimeDelta::milliseconds(500))
        );
        // a date: its local midnight, or UTC midnight with Z
        assert_eq!(since("2026-11-29"), Ok(utc("2026-11-28T23:00:00Z")));
        assert_eq!(since("2026-11-29Z"), Ok(utc("2026-11-29T00:00:00Z")));
        assert_eq!(since("2026-11-29+02:00"), Ok(utc("2026-11-28T22:00:00Z")));
        for bad in [
            "2026-11-29T25:00:00Z",
            "2026-11-29T10:00:00+1",
            "2026-11-29T10:00:00+01:00:00",
            "2026-11-29X10:00",
            "2026-11-29T10:00:00 UTC",
            "2026-13-01",
            "2026-11-31",
            "1969-12-31T23:59:59Z",
        ] {
            let err = since(bad).unwrap_err();
            assert!(err.contains(&format!("`{bad}`")), "{bad}: {err}");
        }
        assert!(since("2040-01-01").unwrap_err().contains("2038"));
    }

    #[test]
    fn a_local_time_the_clocks_skip_is_refused() {
        #[derive(Clone)]
        struct Gap;
        // a zone where every local time is skipped stands for a DST gap
        impl TimeZone for Gap {
            type Offset = FixedOffset;
            fn from_offset(_: &FixedOffset) -> Gap {
                Gap
            }
            fn offset_from_local_date(
                &self,
                _: &NaiveDate,
            ) -> chrono::MappedLocalTime<FixedOffset> {
                chrono::MappedLocalTime::None
            }
            fn offset_from_local_datetime(
                &self,
                _: &NaiveDateTime,
            ) -> chrono::MappedLocalTime<FixedOffset> {
                chrono::MappedLocalTime::None
            }
            fn offset_from_utc_date(&self, _: &NaiveDate) -> FixedOffset {
                FixedOffset::east_opt(0).unwrap()
            }
            fn offset_from_utc_datetime(&self, _: &NaiveDateTime) -> FixedOffset {
                FixedOffset::east_opt(0).unwrap()
            }
        }
        let err = parse_since("2026-03-29T02:30", utc(NOW), &Gap).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
        assert!(parse_since("2026-03-29T02:30Z", utc(NOW), &Gap).is_ok());
    }
}
