//! Instruction-to-the-model patterns: override, concealment, pseudo-tags, forced
//! ordering, references to other tools or servers.
//!
//! Phrases (syntax in [`patterns`](super::patterns)) are compiled once into token
//! sequences and indexed by their possible first token, so a scan looks up each token of
//! the text once: linear in the text, with a small constant bounded by the gap length.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::patterns::{
    BRACKET_TAG_NAMES, CONCEALMENT_PATTERNS, FORCED_ORDER_PATTERNS, HEADING_NAMES,
    OVERRIDE_PATTERNS, PSEUDO_TAG_NAMES, TOOL_REFERENCE_PATTERNS,
};
use super::text::{Folded, Token, tokenize};
use super::{Finding, INJECTION, MAX_EVIDENCE, cap_evidence, quote};

/// Tokens a `…` gap may span at most.
pub(crate) const MAX_GAP: usize = 10;

/// Category names, as shown in evidence.
pub(crate) const OVERRIDE: &str = "override";
/// Concealment category.
pub(crate) const CONCEALMENT: &str = "concealment";
/// Pseudo-tag category.
pub(crate) const PSEUDO_TAG: &str = "pseudo-tag";
/// Forced ordering category.
pub(crate) const FORCED_ORDER: &str = "forced ordering";
/// Tool reference category.
pub(crate) const TOOL_REFERENCE: &str = "tool reference";

/// The phrase lists with their category names.
pub(crate) fn phrase_lists() -> [(&'static str, &'static [&'static str]); 4] {
    [
        (OVERRIDE, OVERRIDE_PATTERNS),
        (CONCEALMENT, CONCEALMENT_PATTERNS),
        (FORCED_ORDER, FORCED_ORDER_PATTERNS),
        (TOOL_REFERENCE, TOOL_REFERENCE_PATTERNS),
    ]
}

/// One matchable unit of a phrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Atom {
    /// This exact (lowercase) token.
    Lit(String),
    /// Any word.
    AnyWord,
    /// A word with an inner `_`.
    Snake,
    /// 0..=MAX_GAP tokens within one sentence.
    Gap,
}

/// One element of a phrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Elem {
    /// A single atom.
    Atom(Atom),
    /// One of several atom sequences, possibly none when optional.
    Group {
        /// The alternatives.
        alts: Vec<Vec<Atom>>,
        /// `(…)?`.
        optional: bool,
    },
}

fn parse_words(s: &str) -> Result<Vec<Atom>, String> {
    let mut out = Vec::new();
    for word in s.split_whitespace() {
        match word {
            "…" => out.push(Atom::Gap),
            "{id}" => out.push(Atom::AnyWord),
            "{snake}" => out.push(Atom::Snake),
            _ => {
                if word.contains(['(', ')', '|', '{', '}', '…']) {
                    return Err(format!("stray syntax in {word:?}"));
                }
                for token in tokenize(word) {
                    let text = word.get(token.start..token.end).unwrap_or_default();
                    out.push(Atom::Lit(text.to_ascii_lowercase()));
                }
            }
        }
    }
    Ok(out)
}

/// Parses a phrase pattern (see the syntax in [`patterns`](super::patterns)).
pub(crate) fn parse_pattern(pattern: &str) -> Result<Vec<Elem>, String> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('(') {
            let close = after
                .find(')')
                .ok_or_else(|| format!("unclosed group in {pattern:?}"))?;
            let inner = after.get(..close).unwrap_or_default();
            let mut tail = after.get(close + 1..).unwrap_or_default();
            let optional = tail.starts_with('?');
            if optional {
                tail = tail.get(1..).unwrap_or_default();
            }
            let mut alts = Vec::new();
            for alt in inner.split('|') {
                let atoms = parse_words(alt)?;
                if atoms.is_empty() || atoms.contains(&Atom::Gap) {
                    return Err(format!(
                        "empty alternative or gap in a group in {pattern:?}"
                    ));
                }
                alts.push(atoms);
            }
            out.push(Elem::Group { alts, optional });
            rest = tail;
        } else {
            let end = rest.find('(').unwrap_or(rest.len());
            let words = rest.get(..end).unwrap_or_default();
            out.extend(parse_words(words)?.into_iter().map(Elem::Atom));
            rest = rest.get(end..).unwrap_or_default();
        }
    }
    match out.first() {
        Some(Elem::Atom(Atom::Lit(_) | Atom::Snake)) => Ok(out),
        Some(Elem::Group {
            alts,
            optional: false,
        }) if alts.iter().all(|a| matches!(a.first(), Some(Atom::Lit(_)))) => Ok(out),
        _ => Err(format!(
            "{pattern:?} must start with a literal, a group of literals or {{snake}}"
        )),
    }
}

struct Compiled {
    category: &'static str,
    elems: Vec<Elem>,
}

struct Index {
    patterns: Vec<Compiled>,
    /// First literal token → patterns that can start with it.
    by_first: BTreeMap<String, Vec<usize>>,
    /// Patterns starting with `{snake}`, tried at every word.
    wild: Vec<usize>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut patterns = Vec::new();
        let mut by_first: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut wild = Vec::new();
        for (category, list) in phrase_lists() {
            for pattern in list {
                // A malformed pattern is a bug caught by the tests; at runtime it is skipped.
                let Ok(elems) = parse_pattern(pattern) else {
                    continue;
                };
                let id = patterns.len();
                match elems.first() {
                    Some(Elem::Atom(Atom::Lit(first))) => {
                        by_first.entry(first.clone()).or_default().push(id);
                    }
                    Some(Elem::Group { alts, .. }) => {
                        for alt in alts {
                            if let Some(Atom::Lit(first)) = alt.first() {
                                let ids = by_first.entry(first.clone()).or_default();
                                if !ids.contains(&id) {
                                    ids.push(id);
                                }
                            }
                        }
                    }
                    _ => wild.push(id),
                }
                patterns.push(Compiled { category, elems });
            }
        }
        Index {
            patterns,
            by_first,
            wild,
        }
    })
}

struct Matcher<'t> {
    text: &'t str,
    tokens: &'t [Token],
}

impl Matcher<'_> {
    fn token_text(&self, i: usize) -> Option<&str> {
        let t = self.tokens.get(i)?;
        self.text.get(t.start..t.end)
    }

    fn atom(&self, atom: &Atom, i: usize) -> bool {
        let Some(token) = self.tokens.get(i) else {
            return false;
        };
        let text = self.text.get(token.start..token.end).unwrap_or_default();
        match atom {
            Atom::Lit(lit) => text == lit,
            Atom::AnyWord => token.word,
            Atom::Snake => {
                token.word
                    && text.trim_matches('_').contains('_')
                    && text.chars().any(|c| c.is_alphabetic())
            }
            Atom::Gap => false,
        }
    }

    fn atoms(&self, atoms: &[Atom], mut i: usize) -> Option<usize> {
        for atom in atoms {
            if !self.atom(atom, i) {
                return None;
            }
            i += 1;
        }
        Some(i)
    }

    fn elems(&self, elems: &[Elem], i: usize) -> Option<usize> {
        let Some((first, rest)) = elems.split_first() else {
            return Some(i);
        };
        match first {
            Elem::Atom(Atom::Gap) => {
                for k in 0..=MAX_GAP {
                    if k > 0 {
                        let crossed = self.token_text(i + k - 1)?;
                        if matches!(crossed, "." | "!" | "?" | ";") {
                            return None;
                        }
                    }
                    if let Some(end) = self.elems(rest, i + k) {
                        return Some(end);
                    }
                }
                None
            }
            Elem::Atom(atom) => {
                if self.atom(atom, i) {
                    self.elems(rest, i + 1)
                } else {
                    None
                }
            }
            Elem::Group { alts, optional } => {
                for alt in alts {
                    if let Some(after) = self.atoms(alt, i)
                        && let Some(end) = self.elems(rest, after)
                    {
                        return Some(end);
                    }
                }
                if *optional { self.elems(rest, i) } else { None }
            }
        }
    }
}

/// A match: category, normalized key, folded byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub category: &'static str,
    pub key: String,
    pub start: usize,
    pub end: usize,
}

fn phrase_hits(folded: &Folded<'_>, out: &mut Vec<Hit>) {
    let index = index();
    let tokens = tokenize(&folded.lower);
    let matcher = Matcher {
        text: &folded.lower,
        tokens: &tokens,
    };
    for (i, token) in tokens.iter().enumerate() {
        if !token.word {
            // Every phrase starts with a word.
            continue;
        }
        let text = folded.lower.get(token.start..token.end).unwrap_or_default();
        let listed = index
            .by_first
            .get(text)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for &id in listed.iter().chain(&index.wild) {
            let Some(pattern) = index.patterns.get(id) else {
                continue;
            };
            let Some(end) = matcher.elems(&pattern.elems, i) else {
                continue;
            };
            let (Some(first), Some(last)) = (
                tokens.get(i),
                end.checked_sub(1).and_then(|e| tokens.get(e)),
            ) else {
                continue;
            };
            let key = tokens
                .get(i..end)
                .unwrap_or_default()
                .iter()
                .map(|t| folded.lower.get(t.start..t.end).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" ");
            out.push(Hit {
                category: pattern.category,
                key,
                start: first.start,
                end: last.end,
            });
        }
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
}

/// Parses a pseudo-tag at byte `p` of the lowercase folded text (which holds `<` or `[`).
/// Returns (normalized key, end byte).
fn pseudo_tag_at(bytes: &[u8], p: usize) -> Option<(String, usize)> {
    if bytes.get(p..p + 4) == Some(b"<!--".as_slice()) {
        return Some(("<!--".to_string(), p + 4));
    }
    let open = *bytes.get(p)?;
    let mut k = p + 1;
    let double = open == b'<' && bytes.get(k) == Some(&b'<');
    if double {
        k += 1;
    }
    let slash = bytes.get(k) == Some(&b'/');
    if slash {
        k += 1;
    }
    let pipe = bytes.get(k) == Some(&b'|');
    if pipe {
        k += 1;
    }
    let name_start = k;
    while bytes.get(k).is_some_and(|&b| is_name_byte(b)) {
        k += 1;
    }
    let name = std::str::from_utf8(bytes.get(name_start..k)?).ok()?;
    let names = if open == b'[' {
        BRACKET_TAG_NAMES
    } else {
        PSEUDO_TAG_NAMES
    };
    if !names.contains(&name) {
        return None;
    }
    if pipe {
        if bytes.get(k) != Some(&b'|') {
            return None;
        }
        k += 1;
    }
    let close = if open == b'[' { b']' } else { b'>' };
    if open == b'<' && !pipe && !double && bytes.get(k) == Some(&b' ') {
        // Attributes: `<important priority="high">`, up to the closing `>` on this line.
        let limit = k + 200;
        while k < limit
            && bytes
                .get(k)
                .is_some_and(|&b| b != b'>' && b != b'<' && b != b'\n')
        {
            k += 1;
        }
    }
    if bytes.get(k) != Some(&close) {
        return None;
    }
    k += 1;
    if double {
        if bytes.get(k) != Some(&b'>') {
            return None;
        }
        k += 1;
    }
    let (o, c) = match (open, double) {
        (b'[', _) => ("[", "]"),
        (_, true) => ("<<", ">>"),
        _ => ("<", ">"),
    };
    let slash = if slash { "/" } else { "" };
    let pipe = if pipe { "|" } else { "" };
    Some((format!("{o}{slash}{pipe}{name}{pipe}{c}"), k))
}

/// Parses a heading pseudo-tag (`### System`) at line start `p`.
fn heading_at(lower: &str, p: usize) -> Option<(String, usize)> {
    let rest = lower.get(p..)?;
    let hashes = rest.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let after = rest.get(hashes..)?;
    let trimmed = after.trim_start_matches(' ');
    let skipped = after.len() - trimmed.len();
    let line = trimmed.split('\n').next().unwrap_or_default();
    let line = line.trim_end_matches([' ', ':']);
    HEADING_NAMES.contains(&line).then(|| {
        let end = p + hashes + skipped + line.len();
        (format!("{} {line}", "#".repeat(hashes)), end)
    })
}

fn tag_hits(folded: &Folded<'_>, out: &mut Vec<Hit>) {
    let lower = &folded.lower;
    let bytes = lower.as_bytes();
    let mut p = 0;
    while let Some(&b) = bytes.get(p) {
        let found = match b {
            b'<' | b'[' => pseudo_tag_at(bytes, p),
            b'#' if p == 0 || bytes.get(p - 1) == Some(&b'\n') => heading_at(lower, p),
            _ => None,
        };
        match found {
            Some((key, end)) => {
                out.push(Hit {
                    category: PSEUDO_TAG,
                    key,
                    start: p,
                    end,
                });
                p = end.max(p + 1);
            }
            None => p += 1,
        }
    }
}

/// Every pattern hit in the folded text, in text order.
pub(crate) fn hits(folded: &Folded<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    phrase_hits(folded, &mut out);
    tag_hits(folded, &mut out);
    out.sort_by(|a, b| {
        (a.start, a.end, a.category, &a.key).cmp(&(b.start, b.end, b.category, &b.key))
    });
    out
}

/// The finding for instruction-to-the-model text `new` adds over `old`.
pub(crate) fn scan(old: &Folded<'_>, new: &Folded<'_>) -> Option<Finding> {
    let mut old_counts: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for hit in hits(old) {
        *old_counts.entry((hit.category, hit.key)).or_default() += 1;
    }
    let new_hits = hits(new);
    let mut new_counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for hit in &new_hits {
        *new_counts
            .entry((hit.category, hit.key.as_str()))
            .or_default() += 1;
    }
    let mut seen: BTreeMap<(&str, &str), ()> = BTreeMap::new();
    let mut added: Vec<String> = Vec::new();
    for hit in &new_hits {
        let key = (hit.category, hit.key.as_str());
        let before = old_counts
            .get(&(hit.category, hit.key.clone()))
            .copied()
            .unwrap_or(0);
        let after = new_counts.get(&key).copied().unwrap_or(0);
        if after <= before || seen.insert(key, ()).is_some() {
            continue;
        }
        added.push(format!(
            "{}: \"{}\"",
            hit.category,
            quote(new.original_slice(hit.start, hit.end))
        ));
    }
    if added.is_empty() {
        return None;
    }
    let total = added.len();
    let shown: Vec<&str> = added.iter().take(3).map(String::as_str).collect();
    let mut message = format!("added instruction-to-the-model text: {}", shown.join(", "));
    if total > 3 {
        message.push_str(&format!(" and {} more", total - 3));
    }
    added.truncate(MAX_EVIDENCE + 1);
    Some(Finding {
        rule: INJECTION,
        message,
        evidence: cap_evidence(added, total),
    })
}
