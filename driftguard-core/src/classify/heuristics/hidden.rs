//! Hidden characters: what a human reviewing a description cannot see but the model reads.
//!
//! Classes: Unicode tag characters (U+E0000–U+E007F, which spell ASCII invisibly),
//! zero-width and other invisible formatting characters, bidi controls, private-use
//! characters, ANSI escape sequences and other C0/C1 controls (except `\n`, `\r`, `\t`).
//!
//! Benign uses are recognised so that emoji do not raise alarms: a zero-width joiner
//! between two emoji (👨‍👩‍👧), one variation selector right after an emoji (❤️) or in a
//! keycap (1️⃣), and a subdivision flag (🏴 + tag letters + cancel tag).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Finding, HIDDEN_CHARACTERS, MAX_EVIDENCE, cap_evidence, truncate_chars};

/// A class of hidden character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    /// U+E0000–U+E007F.
    Tag,
    /// Zero-width and other invisible formatting characters.
    ZeroWidth,
    /// Bidirectional controls.
    Bidi,
    /// Private-use code points.
    PrivateUse,
    /// An ANSI escape sequence (ESC and what it introduces).
    Ansi,
    /// Other C0/C1 control characters.
    Control,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Tag => "Unicode tag characters",
            Kind::ZeroWidth => "zero-width characters",
            Kind::Bidi => "bidi controls",
            Kind::PrivateUse => "private-use characters",
            Kind::Ansi => "ANSI escape sequences",
            Kind::Control => "control characters",
        }
    }
}

/// The class of `c` out of context (`None` for ordinary characters, `\n`, `\r`, `\t`).
pub(crate) fn kind_of(c: char) -> Option<Kind> {
    let cp = u32::from(c);
    Some(match cp {
        0xE0000..=0xE007F => Kind::Tag,
        0x200B..=0x200D
        | 0x2060..=0x2064
        | 0xFEFF
        | 0x180E
        | 0x180B..=0x180D
        | 0x180F
        | 0x00AD
        | 0x034F
        | 0x115F
        | 0x1160
        | 0x17B4
        | 0x17B5
        | 0x3164
        | 0xFFA0
        | 0xFE00..=0xFE0F
        | 0xE0100..=0xE01EF => Kind::ZeroWidth,
        0x202A..=0x202E | 0x2066..=0x2069 | 0x200E | 0x200F | 0x061C => Kind::Bidi,
        0xE000..=0xF8FF | 0xF0000..=0x10FFFF => Kind::PrivateUse,
        0x1B => Kind::Ansi,
        0x09 | 0x0A | 0x0D => return None,
        0x00..=0x1F | 0x7F..=0x9F => Kind::Control,
        _ => return None,
    })
}

/// Emoji and the symbols that take an emoji presentation selector.
fn is_emoji(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00A9
            | 0x00AE
            | 0x203C
            | 0x2049
            | 0x2122
            | 0x2139
            | 0x2194..=0x21AA
            | 0x231A..=0x23FF
            | 0x24C2
            | 0x25AA..=0x25FE
            | 0x2600..=0x27BF
            | 0x2934
            | 0x2935
            | 0x2B00..=0x2BFF
            | 0x3030
            | 0x303D
            | 0x3297
            | 0x3299
            | 0x1F000..=0x1FAFF
    )
}

fn is_variation_selector(c: char) -> bool {
    matches!(u32::from(c), 0xFE00..=0xFE0F)
}

fn is_flag_tag(c: char) -> bool {
    matches!(u32::from(c), 0xE0030..=0xE0039 | 0xE0061..=0xE007A)
}

/// Byte length of the escape sequence starting at `s` (which starts with ESC): CSI
/// (`ESC [` params intermediates final), OSC (`ESC ]` … BEL or `ESC \`), or ESC and
/// one following character.
pub(crate) fn ansi_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    match bytes.get(1) {
        Some(b'[') => {
            let mut k = 2;
            while let Some(&b) = bytes.get(k) {
                k += 1;
                if (0x40..=0x7E).contains(&b) {
                    return k;
                }
                if !(0x20..=0x3F).contains(&b) {
                    return k - 1;
                }
            }
            k
        }
        Some(b']') => {
            let mut k = 2;
            while let Some(&b) = bytes.get(k) {
                if b == 0x07 {
                    return k + 1;
                }
                if b == 0x1B && bytes.get(k + 1) == Some(&b'\\') {
                    return k + 2;
                }
                k += 1;
            }
            k
        }
        Some(&b) if (0x40..=0x5F).contains(&b) => 2,
        _ => 1,
    }
}

/// One hidden unit: a character, or a whole ANSI escape sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unit {
    /// Index of the first character (in chars).
    pub char_start: usize,
    /// Index after the last character (in chars).
    pub char_end: usize,
    /// Byte range in the text.
    pub start: usize,
    /// Byte end in the text.
    pub end: usize,
    /// The class.
    pub kind: Kind,
}

/// Every hidden unit of `s`, in order, with the benign emoji uses left out.
///
/// Walks bytes, decoding only non-ASCII characters (the common case is plain ASCII).
pub(crate) fn units(s: &str) -> Vec<Unit> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut b = 0;
    let mut ci = 0;
    while let Some(&byte) = bytes.get(b) {
        if byte < 0x80 {
            if (0x20..0x7F).contains(&byte) || matches!(byte, b'\t' | b'\n' | b'\r') {
                b += 1;
                ci += 1;
                continue;
            }
            if byte == 0x1B {
                let len = s.get(b..).map_or(1, ansi_len);
                let count = s.get(b..b + len).map_or(1, |seq| seq.chars().count());
                out.push(Unit {
                    char_start: ci,
                    char_end: ci + count,
                    start: b,
                    end: b + len,
                    kind: Kind::Ansi,
                });
                b += len;
                ci += count;
                continue;
            }
            out.push(Unit {
                char_start: ci,
                char_end: ci + 1,
                start: b,
                end: b + 1,
                kind: Kind::Control,
            });
            b += 1;
            ci += 1;
            continue;
        }
        let Some(c) = s.get(b..).and_then(|r| r.chars().next()) else {
            break;
        };
        let len = c.len_utf8();
        if c == '\u{1F3F4}' {
            // A subdivision flag: black flag, 2–6 tag letters/digits, cancel tag.
            let rest = s.get(b + len..).unwrap_or_default();
            let letters = rest.chars().take(7).take_while(|&t| is_flag_tag(t)).count();
            let cancel = rest.chars().nth(letters) == Some('\u{E007F}');
            if (2..=6).contains(&letters) && cancel {
                b += len + (letters + 1) * 4;
                ci += letters + 2;
                continue;
            }
        }
        let Some(kind) = kind_of(c) else {
            b += len;
            ci += 1;
            continue;
        };
        let prev = s.get(..b).and_then(|r| r.chars().next_back());
        let next = s.get(b + len..).and_then(|r| r.chars().next());
        // 👨‍👩‍👧 and ❤️‍🔥: a joiner between emoji (the left one may carry its selector).
        // The selector counts only when it is itself benign (after an emoji): otherwise the
        // escaped selector would leave the joiner raw, and `visible` would not be idempotent.
        let before_prev = prev
            .and_then(|p| b.checked_sub(p.len_utf8()))
            .and_then(|at| s.get(..at))
            .and_then(|r| r.chars().next_back());
        let benign_joiner = c == '\u{200D}'
            && (prev.is_some_and(is_emoji)
                || (prev == Some('\u{FE0F}') && before_prev.is_some_and(is_emoji)))
            && next.is_some_and(is_emoji);
        // ❤️ and the keycap 1️⃣: one selector after an emoji, or between a keycap base and U+20E3.
        let benign_selector = is_variation_selector(c)
            && (prev.is_some_and(is_emoji)
                || (prev.is_some_and(|p| matches!(p, '#' | '*' | '0'..='9'))
                    && next == Some('\u{20E3}')));
        if !benign_joiner && !benign_selector {
            out.push(Unit {
                char_start: ci,
                char_end: ci + 1,
                start: b,
                end: b + len,
                kind,
            });
        }
        b += len;
        ci += 1;
    }
    out
}

fn push_escape(out: &mut String, c: char) {
    let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
}

fn push_visible_unit(out: &mut String, text: &str, unit: &Unit) {
    for c in text.get(unit.start..unit.end).unwrap_or_default().chars() {
        if kind_of(c).is_some() {
            push_escape(out, c);
        } else {
            out.push(c);
        }
    }
}

/// Makes hidden, bidi and control characters visible as `\u{…}` escapes (uppercase hex),
/// so a renderer or a message can never be steered by them. Newlines and tabs are kept,
/// a carriage return is escaped unless it starts a `\r\n`; ANSI escape sequences show
/// as `\u{1B}[31m`. Emoji joiners, emoji variation selectors and subdivision flags are
/// kept as they are.
///
/// ```
/// use driftguard_core::classify::heuristics::visible;
/// assert_eq!(visible("a\u{200B}b\u{202E}c"), "a\\u{200B}b\\u{202E}c");
/// assert_eq!(visible("\u{1b}[31mred"), "\\u{1B}[31mred");
/// assert_eq!(visible("line\nnext"), "line\nnext");
/// ```
pub fn visible(s: &str) -> String {
    let units = units(s);
    let mut out = String::with_capacity(s.len());
    let mut next_unit = units.iter().peekable();
    let mut rest = s.char_indices().peekable();
    while let Some((b, c)) = rest.next() {
        if let Some(unit) = next_unit.peek()
            && unit.start == b
        {
            push_visible_unit(&mut out, s, unit);
            let end = unit.end;
            next_unit.next();
            while rest.peek().is_some_and(|&(bn, _)| bn < end) {
                rest.next();
            }
            continue;
        }
        match c {
            '\r' if rest.peek().is_some_and(|&(_, n)| n == '\n') => out.push(c),
            '\r' | '\u{2028}' | '\u{2029}' => push_escape(&mut out, c),
            _ => out.push(c),
        }
    }
    out
}

/// Decodes the Unicode tag characters of `s` into the ASCII they spell (U+E0041 → `A`),
/// skipping everything else (the language tag U+E0001 and cancel tag U+E007F included).
/// `None` when `s` has no tag character that spells something.
///
/// ```
/// use driftguard_core::classify::heuristics::decode_tags;
/// assert_eq!(decode_tags("ok\u{E0048}\u{E0069}").as_deref(), Some("Hi"));
/// assert_eq!(decode_tags("plain"), None);
/// ```
pub fn decode_tags(s: &str) -> Option<String> {
    let decoded: String = s
        .chars()
        .filter_map(|c| match u32::from(c) {
            cp @ 0xE0020..=0xE007E => char::from_u32(cp - 0xE0000),
            _ => None,
        })
        .collect();
    (!decoded.is_empty()).then_some(decoded)
}

/// A run of adjacent hidden units.
struct Run {
    char_start: usize,
    start: usize,
    end: usize,
    kinds: Vec<Kind>,
}

fn runs(s: &str) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut last_end_char = usize::MAX;
    for unit in units(s) {
        match out.last_mut() {
            Some(run) if unit.char_start == last_end_char => {
                run.end = unit.end;
                if !run.kinds.contains(&unit.kind) {
                    run.kinds.push(unit.kind);
                }
            }
            _ => out.push(Run {
                char_start: unit.char_start,
                start: unit.start,
                end: unit.end,
                kinds: vec![unit.kind],
            }),
        }
        last_end_char = unit.char_end;
    }
    for run in &mut out {
        run.kinds.sort();
    }
    out
}

/// Longest run shown escaped in evidence, in characters.
const MAX_RUN_SHOWN: usize = 24;
/// Longest decoded tag text shown in the message, in characters.
const MAX_DECODED_SHOWN: usize = 200;
/// Decoded tag runs shown in the message.
const MAX_DECODED_RUNS: usize = 3;

/// The finding for hidden character runs `new` adds over `old` (a run counts as added
/// when its exact content occurs more often in `new` than in `old`).
pub(crate) fn scan(old: &str, new: &str) -> Option<Finding> {
    let mut old_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for run in runs(old) {
        *old_counts
            .entry(old.get(run.start..run.end).unwrap_or_default())
            .or_default() += 1;
    }
    let new_runs = runs(new);
    let mut new_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for run in &new_runs {
        *new_counts
            .entry(new.get(run.start..run.end).unwrap_or_default())
            .or_default() += 1;
    }
    let added: Vec<&Run> = new_runs
        .iter()
        .filter(|run| {
            let text = new.get(run.start..run.end).unwrap_or_default();
            new_counts.get(text).copied().unwrap_or(0) > old_counts.get(text).copied().unwrap_or(0)
        })
        .collect();
    if added.is_empty() {
        return None;
    }
    let mut kinds: Vec<Kind> = added.iter().flat_map(|r| r.kinds.iter().copied()).collect();
    kinds.sort();
    kinds.dedup();
    let mut message = format!(
        "added {} hidden character run{} ({})",
        added.len(),
        if added.len() == 1 { "" } else { "s" },
        kinds
            .iter()
            .map(|k| k.describe())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let decoded: Vec<String> = added
        .iter()
        .filter_map(|r| decode_tags(new.get(r.start..r.end).unwrap_or_default()))
        .collect();
    for text in decoded.iter().take(MAX_DECODED_RUNS) {
        let _ = write!(
            message,
            "; hidden text \"{}\"",
            visible_inline(&truncate_chars(text, MAX_DECODED_SHOWN))
        );
    }
    if decoded.len() > MAX_DECODED_RUNS {
        let _ = write!(
            message,
            "; and {} more hidden texts",
            decoded.len() - MAX_DECODED_RUNS
        );
    }
    let evidence = added
        .iter()
        .take(MAX_EVIDENCE + 1)
        .map(|run| {
            let text = new.get(run.start..run.end).unwrap_or_default();
            let count = text.chars().count();
            let shown: String = text.chars().take(MAX_RUN_SHOWN).collect();
            let mut escaped = String::new();
            for c in shown.chars() {
                if kind_of(c).is_some() || c == '\r' || c == '\n' || c == '\t' {
                    push_escape(&mut escaped, c);
                } else {
                    escaped.push(c);
                }
            }
            if count > MAX_RUN_SHOWN {
                let _ = write!(escaped, "… ({count} characters)");
            }
            let kinds = run
                .kinds
                .iter()
                .map(|k| k.describe())
                .collect::<Vec<_>>()
                .join(", ");
            format!("char {}: {escaped} ({kinds})", run.char_start)
        })
        .collect();
    Some(Finding {
        rule: HIDDEN_CHARACTERS,
        message,
        evidence: cap_evidence(evidence, added.len()),
    })
}

/// [`visible`] on one line: newlines, carriage returns and tabs are escaped too.
pub(crate) fn visible_inline(s: &str) -> String {
    let v = visible(s);
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out
}
