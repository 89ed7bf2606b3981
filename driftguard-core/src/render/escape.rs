//! Making attacker-controlled text visible.
//!
//! A tool description or a schema property name can carry characters that a reader cannot
//! see but a terminal, a browser or a model acts on: ANSI escape sequences, bidi overrides
//! that reorder what is displayed (Trojan Source), zero-width characters and Unicode tag
//! characters that smuggle hidden ASCII. Every renderer passes such text through
//! [`visible`], which writes each of them as a `\u{…}` escape (lowercase hex, as Rust
//! writes them), so that what is shown is exactly what is there.

use std::fmt::Write as _;

/// Whether a character is invisible, reorders text or controls a terminal, and so must
/// be shown as an escape.
///
/// Covers: C0 controls (U+0000–001F, including tab and newline), DEL and C1 controls
/// (U+007F–009F), the soft hyphen U+00AD, the Arabic letter mark U+061C, U+180E,
/// zero-width characters and directional marks (U+200B–200F), line and paragraph
/// separators and bidi embeddings/overrides (U+2028–202E), the word joiner, invisible
/// operators, bidi isolates and deprecated format characters (U+2060–206F), variation
/// selectors (U+FE00–FE0F, U+E0100–E01EF), the byte-order mark U+FEFF, interlinear
/// annotation characters (U+FFF9–FFFB), the noncharacters U+FFFE/U+FFFF and Unicode tag
/// characters (U+E0000–E007F).
pub fn is_hidden(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{ad}'
            | '\u{61c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{fffe}'
            | '\u{ffff}'
            | '\u{e0000}'..='\u{e007f}'
            | '\u{e0100}'..='\u{e01ef}'
    )
}

/// `text` with every [hidden](is_hidden) character written as `\u{…}`.
///
/// ```
/// use driftguard_core::render::escape::visible;
/// assert_eq!(visible("a\u{1b}[31mb\u{202e}c\n"), "a\\u{1b}[31mb\\u{202e}c\\u{a}");
/// ```
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_visible(&mut out, text);
    out
}

/// Appends `text` to `out` with hidden characters escaped (see [`visible`]).
pub fn push_visible(out: &mut String, text: &str) {
    for c in text.chars() {
        if is_hidden(c) {
            push_escape(out, c);
        } else {
            out.push(c);
        }
    }
}

/// Appends the `\u{…}` escape of one character.
pub(crate) fn push_escape(out: &mut String, c: char) {
    // Writing to a String cannot fail.
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

/// The first `max` characters of `text` followed by `…` when it is longer (counted in
/// characters, never splitting one).
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((at, _)) => {
            let mut out = text.get(..at).unwrap_or(text).to_owned();
            out.push('…');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_become_escapes() {
        let hostile = "\u{0}\t\n\r\u{1b}\u{7f}\u{85}\u{9b}\u{ad}\u{200b}\u{200c}\u{200d}\u{200e}\
                       \u{2028}\u{202a}\u{202e}\u{2060}\u{2066}\u{2069}\u{feff}\u{fe0f}\
                       \u{fffe}\u{e0000}\u{e0041}\u{e007f}\u{e0100}";
        let shown = visible(hostile);
        assert!(shown.chars().all(|c| c.is_ascii_graphic()), "{shown}");
        assert_eq!(
            shown,
            "\\u{0}\\u{9}\\u{a}\\u{d}\\u{1b}\\u{7f}\\u{85}\\u{9b}\\u{ad}\\u{200b}\\u{200c}\
             \\u{200d}\\u{200e}\\u{2028}\\u{202a}\\u{202e}\\u{2060}\\u{2066}\\u{2069}\\u{feff}\
             \\u{fe0f}\\u{fffe}\\u{e0000}\\u{e0041}\\u{e007f}\\u{e0100}"
        );
    }

    #[test]
    fn ordinary_text_is_untouched() {
        let plain = "GET /pets › response 200 › naïve 名前 ✓ <b> `x` | y";
        assert_eq!(visible(plain), plain);
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("abcd", 3), "abc…");
        assert_eq!(truncate_chars("ééééé", 2), "éé…");
        assert_eq!(truncate_chars("", 0), "");
        assert_eq!(truncate_chars("😀😀", 1), "😀…");
    }
}
