//! Durations written as `90s`, `5m`, `1h30m`, `500ms`, `1d`.

use std::time::Duration;

/// Units from largest to smallest, with their length in milliseconds.
const UNITS: [(&str, u64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Parses one or more `<integer><unit>` groups, units `d`, `h`, `m`, `s`, `ms`, each
/// at most once and from largest to smallest (`1h30m`). `Err` says why.
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    if text.is_empty() {
        return Err("a duration must not be empty".to_owned());
    }
    let mut rest = text;
    let mut total: u64 = 0;
    let mut last_unit = usize::MAX;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!(
                "{text:?} is not a duration: expected a number, then a unit (`ms`, `s`, `m`, `h`, `d`), e.g. \"60s\" or \"1h30m\""
            ));
        }
        let (number, tail) = rest.split_at(digits);
        let unit_len = tail.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, tail) = tail.split_at(unit_len);
        let Some(index) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(if unit.is_empty() {
                format!("{text:?} has a number without a unit: write e.g. \"{number}s\"")
            } else {
                format!("{text:?} has an unknown unit {unit:?} (use `ms`, `s`, `m`, `h` or `d`)")
            });
        };
        if last_unit != usize::MAX && index <= last_unit {
            return Err(format!(
                "{text:?}: write each unit once, largest first (e.g. \"1h30m\")"
            ));
        }
        last_unit = index;
        let factor = UNITS.get(index).map_or(1, |(_, f)| *f);
        let value = number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(factor))
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| format!("{text:?} is too long a duration"))?;
        total = value;
        rest = tail;
    }
    Ok(Duration::from_millis(total))
}

/// Writes a duration in the shortest form [`parse`] reads back (`0s` for zero).
pub(crate) fn format(d: Duration) -> String {
    let mut ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    for (unit, factor) in UNITS {
        let n = ms / factor;
        if n > 0 {
            out.push_str(&n.to_string());
            out.push_str(unit);
            ms -= n * factor;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        for (text, ms, canonical) in [
            ("60s", 60_000, "1m"),
            ("5m", 300_000, "5m"),
            ("1h", 3_600_000, "1h"),
            ("1h30m", 5_400_000, "1h30m"),
            ("90s", 90_000, "1m30s"),
            ("1500ms", 1_500, "1s500ms"),
            ("2d", 172_800_000, "2d"),
            ("0s", 0, "0s"),
        ] {
            let d = parse(text).unwrap();
            assert_eq!(d.as_millis(), ms, "{text}");
            assert_eq!(format(d), canonical, "{text}");
            assert_eq!(parse(&format(d)).unwrap(), d);
        }
    }

    #[test]
    fn rejects() {
        for (text, needle) in [
            ("", "empty"),
            ("60", "without a unit"),
            ("5x", "unknown unit \"x\""),
            ("m5", "expected a number"),
            ("-5s", "expected a number"),
            ("5 s", "without a unit"),
            ("30m1h", "largest first"),
            ("1s1s", "largest first"),
            ("99999999999999999999s", "too long"),
            ("213503982334601d", "too long"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
