//! Calendar dates (`YYYY-MM-DD`), validated without a clock.

/// True if `s` is a real calendar date written `YYYY-MM-DD` (2026-02-30 is not).
pub(crate) fn is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(range)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn real_dates_only() {
        for ok in [
            "2026-12-31",
            "2024-02-29",
            "2000-02-29",
            "0001-01-01",
            "2026-04-30",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "2026-02-30",
            "2026-02-29",
            "1900-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-1-01",
            "2026/01/01",
            "20260101",
            "2026-01-01T00:00:00Z",
            "+026-01-01",
            "2026-0a-01",
            "２０２６-01-01",
            "",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
