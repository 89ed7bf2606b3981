//! Normalized text for matching: what the model effectively reads, in a form where
//! simple scanners can match it.
//!
//! Folding removes hidden characters (tag, zero-width, bidi, private-use, controls) and
//! whole ANSI escape sequences, folds fullwidth ASCII (U+FF01–U+FF5E) and typographic
//! quotes and hyphens to ASCII, and collapses each whitespace run to one space (or one
//! `\n` when the run contains a newline). `lower` is the same text ASCII-lowercased, so
//! byte offsets agree between the two; every folded byte maps back to the original.

use super::hidden::{Kind, ansi_len, kind_of};

/// A folded text and its map back to the original.
pub(crate) struct Folded<'a> {
    /// The original text.
    pub original: &'a str,
    /// The folded text, case preserved.
    pub text: String,
    /// `text` with ASCII letters lowercased (same byte offsets).
    pub lower: String,
    /// For each folded character: (folded byte offset, original start, original end).
    map: Vec<(usize, usize, usize)>,
}

fn fold_char(c: char) -> char {
    match u32::from(c) {
        cp @ 0xFF01..=0xFF5E => char::from_u32(cp - 0xFEE0).unwrap_or(c),
        0x2018 | 0x2019 | 0x201B | 0x2032 => '\'',
        0x201C | 0x201D | 0x201F | 0x2033 => '"',
        0x2010 | 0x2011 | 0x2012 | 0x2013 | 0x2212 => '-',
        _ => c,
    }
}

/// Whether folding drops `c` (a hidden character other than ESC, which starts a sequence).
fn strippable(c: char) -> bool {
    matches!(kind_of(c), Some(k) if k != Kind::Ansi)
}

impl<'a> Folded<'a> {
    /// Folds `original`. Walks bytes; only non-ASCII characters are decoded.
    pub fn new(original: &'a str) -> Folded<'a> {
        let bytes = original.as_bytes();
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len());
        let mut i = 0;
        while let Some(&byte) = bytes.get(i) {
            if byte.is_ascii_graphic() {
                map.push((text.len(), i, i + 1));
                text.push(char::from(byte));
                i += 1;
                continue;
            }
            if byte == 0x1B {
                i += original.get(i..).map_or(1, ansi_len);
                continue;
            }
            let Some(c) = original.get(i..).and_then(|r| r.chars().next()) else {
                break;
            };
            let len = c.len_utf8();
            if c.is_whitespace() {
                let mut newline = c == '\n';
                let mut end = i + len;
                while let Some(d) = original.get(end..).and_then(|r| r.chars().next()) {
                    if d.is_whitespace() || strippable(d) {
                        newline |= d == '\n';
                        end += d.len_utf8();
                    } else {
                        break;
                    }
                }
                map.push((text.len(), i, end));
                text.push(if newline { '\n' } else { ' ' });
                i = end;
                continue;
            }
            if !strippable(c) {
                map.push((text.len(), i, i + len));
                text.push(fold_char(c));
            }
            i += len;
        }
        let lower = text.to_ascii_lowercase();
        Folded {
            original,
            text,
            lower,
            map,
        }
    }

    /// The original byte range of the folded byte range `start..end`.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let first = self.map.partition_point(|&(b, _, _)| b < start);
        let last = self.map.partition_point(|&(b, _, _)| b < end);
        let orig_start = self
            .map
            .get(first)
            .map_or(self.original.len(), |&(_, s, _)| s);
        let orig_end = last
            .checked_sub(1)
            .and_then(|l| self.map.get(l))
            .map_or(orig_start, |&(_, _, e)| e);
        (orig_start, orig_end.max(orig_start))
    }

    /// The original text behind the folded byte range `start..end`.
    pub fn original_slice(&self, start: usize, end: usize) -> &'a str {
        let (s, e) = self.original_range(start, end);
        self.original.get(s..e).unwrap_or_default()
    }
}

/// A token of folded text: a word, or one punctuation character.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    /// Byte start in the folded text.
    pub start: usize,
    /// Byte end in the folded text.
    pub end: usize,
    /// A word (letters, digits, `_`, inner `'`), not punctuation.
    pub word: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits `s` into tokens (whitespace separates and is dropped). Walks bytes; only
/// non-ASCII characters are decoded.
pub(crate) fn tokenize(s: &str) -> Vec<Token> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let char_at = |k: usize| s.get(k..).and_then(|r| r.chars().next());
    while let Some(&byte) = bytes.get(i) {
        let (c, len) = if byte < 0x80 {
            (char::from(byte), 1)
        } else {
            match char_at(i) {
                Some(c) => (c, c.len_utf8()),
                None => break,
            }
        };
        if c.is_whitespace() {
            i += len;
            continue;
        }
        if !is_word_char(c) {
            out.push(Token {
                start: i,
                end: i + len,
                word: false,
            });
            i += len;
            continue;
        }
        let start = i;
        let mut last = c;
        i += len;
        while let Some(&next) = bytes.get(i) {
            if next.is_ascii_alphanumeric() || next == b'_' {
                last = char::from(next);
                i += 1;
                continue;
            }
            if next == b'\'' {
                let after = char_at(i + 1);
                if last.is_alphanumeric() && after.is_some_and(char::is_alphanumeric) {
                    last = '\'';
                    i += 1;
                    continue;
                }
                break;
            }
            if next < 0x80 {
                break;
            }
            match char_at(i) {
                Some(d) if is_word_char(d) => {
                    last = d;
                    i += d.len_utf8();
                }
                _ => break,
            }
        }
        out.push(Token {
            start,
            end: i,
            word: true,
        });
    }
    out
}
