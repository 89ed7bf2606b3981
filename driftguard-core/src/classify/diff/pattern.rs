//! Proving regex inclusion for the simple patterns contracts actually use.
//!
//! A pattern is understood only when it is one anchored character class with a
//! quantifier: `^[a-z0-9_]+$`, `^\d{3,5}$`, `^[A-F]*$`. Its language is "strings of
//! length lo..=hi over a set of characters", so inclusion is set inclusion plus range
//! inclusion. Anything else is not understood, and the caller fails closed
//! (`pattern-changed`).

/// Inclusive character ranges, sorted and merged.
type Class = Vec<(char, char)>;

/// The language of a simple pattern.
#[derive(Debug, PartialEq)]
struct Simple {
    class: Class,
    lo: u64,
    hi: Option<u64>,
}

/// How `new` relates to `old`, when it can be proven.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Inclusion {
    /// Every string `new` accepts, `old` accepted (new ⊆ old).
    Narrowed,
    /// Every string `old` accepted, `new` accepts (old ⊆ new).
    Widened,
}

/// Proves `new ⊆ old` or `old ⊆ new` for two simple patterns; `None` when neither can
/// be proven (or either pattern is not simple).
pub(crate) fn compare(old: &str, new: &str) -> Option<Inclusion> {
    let (a, b) = (parse(old)?, parse(new)?);
    if includes(&a, &b) {
        Some(Inclusion::Narrowed)
    } else if includes(&b, &a) {
        Some(Inclusion::Widened)
    } else {
        None
    }
}

/// Does `outer` accept everything `inner` accepts?
fn includes(outer: &Simple, inner: &Simple) -> bool {
    let class_ok = inner
        .class
        .iter()
        .all(|(lo, hi)| outer.class.iter().any(|(a, b)| a <= lo && hi <= b));
    let hi_ok = match (outer.hi, inner.hi) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(o), Some(i)) => i <= o,
    };
    class_ok && outer.lo <= inner.lo && hi_ok
}

fn parse(p: &str) -> Option<Simple> {
    let body = p.strip_prefix('^')?.strip_suffix('$')?;
    let mut chars = body.chars().peekable();
    let class = match chars.next()? {
        '[' => {
            let mut ranges = Vec::new();
            if chars.peek() == Some(&'^') {
                return None;
            }
            loop {
                let c = chars.next()?;
                if c == ']' {
                    break;
                }
                let start = match c {
                    '\\' => match escape(chars.next()?)? {
                        Escape::Char(c) => c,
                        Escape::Class(cls) => {
                            ranges.extend(cls);
                            continue;
                        }
                    },
                    '[' => return None,
                    c => c,
                };
                if chars.peek() == Some(&'-') {
                    chars.next();
                    match chars.peek() {
                        Some(']') | None => {
                            ranges.push((start, start));
                            ranges.push(('-', '-'));
                            continue;
                        }
                        _ => {}
                    }
                    let end = match chars.next()? {
                        '\\' => match escape(chars.next()?)? {
                            Escape::Char(c) => c,
                            Escape::Class(_) => return None,
                        },
                        c => c,
                    };
                    if end < start {
                        return None;
                    }
                    ranges.push((start, end));
                } else {
                    ranges.push((start, start));
                }
            }
            ranges
        }
        '\\' => match escape(chars.next()?)? {
            Escape::Class(cls) => cls,
            Escape::Char(c) => vec![(c, c)],
        },
        _ => return None,
    };
    let rest: String = chars.collect();
    let (lo, hi) = match rest.as_str() {
        "" => (1, Some(1)),
        "+" => (1, None),
        "*" => (0, None),
        "?" => (0, Some(1)),
        q => {
            let inner = q.strip_prefix('{')?.strip_suffix('}')?;
            match inner.split_once(',') {
                None => {
                    let n = inner.parse().ok()?;
                    (n, Some(n))
                }
                Some((a, "")) => (a.parse().ok()?, None),
                Some((a, b)) => {
                    let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
                    if b < a {
                        return None;
                    }
                    (a, Some(b))
                }
            }
        }
    };
    Some(Simple {
        class: merge(class),
        lo,
        hi,
    })
}

enum Escape {
    Char(char),
    Class(Class),
}

fn escape(c: char) -> Option<Escape> {
    Some(match c {
        'd' => Escape::Class(vec![('0', '9')]),
        'w' => Escape::Class(vec![('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')]),
        '.' | '-' | '\\' | '[' | ']' | '^' | '$' | '+' | '*' | '?' | '(' | ')' | '{' | '}'
        | '|' | '/' => Escape::Char(c),
        _ => return None,
    })
}

fn merge(mut ranges: Class) -> Class {
    ranges.sort_unstable();
    let mut out: Class = Vec::new();
    for (lo, hi) in ranges {
        match out.last_mut() {
            Some((_, last_hi)) if u32::from(lo) <= u32::from(*last_hi) + 1 => {
                if hi > *last_hi {
                    *last_hi = hi;
                }
            }
            _ => out.push((lo, hi)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proves_simple_inclusions() {
        assert_eq!(compare("^[a-z]+$", "^[a-c]+$"), Some(Inclusion::Narrowed));
        assert_eq!(compare("^[a-c]+$", "^[a-z]+$"), Some(Inclusion::Widened));
        assert_eq!(
            compare("^\\d{3}$", "^[0-9]{1,5}$"),
            Some(Inclusion::Widened)
        );
        assert_eq!(compare("^[a-z0-9_]*$", "^\\w*$"), Some(Inclusion::Widened));
        assert_eq!(
            compare("^[A-F]{2,4}$", "^[A-F]{3}$"),
            Some(Inclusion::Narrowed)
        );
    }

    #[test]
    fn undecided_or_unsupported_is_none() {
        assert_eq!(compare("^[a-z]+$", "^[0-9]+$"), None);
        assert_eq!(compare("^[a-z]{1,3}$", "^[a-c]{2,9}$"), None);
        assert_eq!(compare("^(a|b)+$", "^a+$"), None);
        assert_eq!(compare("[a-z]+", "^[a-z]+$"), None);
        assert_eq!(compare("^[^a]+$", "^b+$"), None);
        assert_eq!(compare("^[z-a]+$", "^[a]+$"), None);
    }
}
