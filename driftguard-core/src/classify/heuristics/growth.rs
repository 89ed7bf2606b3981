//! Growth and padding: a description that suddenly grows is where injected instructions
//! hide, and long whitespace pushes them past what a reviewer sees on screen.

use std::fmt::Write as _;

use super::{Finding, GREW, MAX_EVIDENCE, cap_evidence};

/// Growth past this factor (together with [`MIN_RELATIVE_GROWTH`]) is reported.
pub(crate) const GROWTH_FACTOR: usize = 2;
/// Relative growth must also add more than this many characters.
pub(crate) const MIN_RELATIVE_GROWTH: usize = 50;
/// Adding more than this many characters is reported whatever the old size.
pub(crate) const MAX_ABSOLUTE_GROWTH: usize = 500;
/// A run of this many spaces/tabs (or other horizontal whitespace) is padding.
pub(crate) const MIN_SPACE_RUN: usize = 20;
/// This many consecutive blank lines is padding.
pub(crate) const MIN_BLANK_LINES: usize = 5;

/// Padding found in a text: (kind, size, char index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Padding {
    /// A run of horizontal whitespace: (length, char index).
    Spaces(usize, usize),
    /// Consecutive blank lines: (count, char index of the first).
    BlankLines(usize, usize),
}

fn is_horizontal_space(c: char) -> bool {
    c.is_whitespace() && c != '\n' && c != '\r'
}

/// Every padding run of `s`, in order.
pub(crate) fn paddings(s: &str) -> Vec<Padding> {
    let mut out = Vec::new();
    let mut space_run = 0usize;
    let mut space_start = 0usize;
    // Blank-line tracking: whether the current line has only whitespace so far.
    let mut line_blank = false;
    let mut blank_lines = 0usize;
    let mut blank_start = 0usize;
    let mut seen_newline = false;
    for (index, c) in s.chars().enumerate() {
        if is_horizontal_space(c) {
            if space_run == 0 {
                space_start = index;
            }
            space_run += 1;
        } else {
            if space_run >= MIN_SPACE_RUN {
                out.push(Padding::Spaces(space_run, space_start));
            }
            space_run = 0;
        }
        if c == '\n' {
            if seen_newline && line_blank {
                if blank_lines == 0 {
                    blank_start = index;
                }
                blank_lines += 1;
            } else {
                if blank_lines >= MIN_BLANK_LINES {
                    out.push(Padding::BlankLines(blank_lines, blank_start));
                }
                blank_lines = 0;
            }
            seen_newline = true;
            line_blank = true;
        } else if !c.is_whitespace() {
            line_blank = false;
            if blank_lines >= MIN_BLANK_LINES {
                out.push(Padding::BlankLines(blank_lines, blank_start));
            }
            blank_lines = 0;
        }
    }
    if space_run >= MIN_SPACE_RUN {
        out.push(Padding::Spaces(space_run, space_start));
    }
    if blank_lines >= MIN_BLANK_LINES {
        out.push(Padding::BlankLines(blank_lines, blank_start));
    }
    out.sort_by_key(|p| match *p {
        Padding::Spaces(_, at) | Padding::BlankLines(_, at) => at,
    });
    out
}

/// The finding for growth or padding `new` adds over `old`. Relative growth is judged
/// only when there was an old, non-empty text.
pub(crate) fn scan(old: Option<&str>, new: &str) -> Option<Finding> {
    let old_text = old.unwrap_or("");
    let old_len = old_text.chars().count();
    let new_len = new.chars().count();
    let added = new_len.saturating_sub(old_len);
    let relative = old_len > 0 && new_len > old_len * GROWTH_FACTOR && added > MIN_RELATIVE_GROWTH;
    let absolute = added > MAX_ABSOLUTE_GROWTH;

    let old_pad = paddings(old_text);
    let new_pad = paddings(new);
    let spaces = |p: &[Padding]| {
        p.iter()
            .filter(|x| matches!(x, Padding::Spaces(..)))
            .count()
    };
    let blanks = |p: &[Padding]| {
        p.iter()
            .filter(|x| matches!(x, Padding::BlankLines(..)))
            .count()
    };
    let more_spaces = spaces(&new_pad) > spaces(&old_pad);
    let more_blanks = blanks(&new_pad) > blanks(&old_pad);

    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    if relative || absolute {
        let mut part = format!("text grew from {old_len} to {new_len} characters (+{added}");
        if old_len > 0 {
            let _ = write!(part, ", {:.1}×", new_len as f64 / old_len as f64);
        }
        part.push(')');
        evidence.push(part.clone());
        parts.push(part);
    }
    let mut padding_items = Vec::new();
    for p in &new_pad {
        match *p {
            Padding::Spaces(len, at) if more_spaces => {
                padding_items.push(format!("run of {len} whitespace characters at char {at}"));
            }
            Padding::BlankLines(n, at) if more_blanks => {
                padding_items.push(format!("{n} consecutive blank lines at char {at}"));
            }
            _ => {}
        }
    }
    if !padding_items.is_empty() {
        parts.push(format!(
            "added padding that can push text off-screen ({} run{})",
            padding_items.len(),
            if padding_items.len() == 1 { "" } else { "s" }
        ));
    }
    if parts.is_empty() {
        return None;
    }
    let total = evidence.len() + padding_items.len();
    evidence.extend(padding_items);
    evidence.truncate(MAX_EVIDENCE + 1);
    Some(Finding {
        rule: GREW,
        message: parts.join("; "),
        evidence: cap_evidence(evidence, total),
    })
}
