//! `text`: a summary line, then the changes grouped by operation / tool / server.
//!
//! ```text
//! 1 breaking, 0 dangerous, 1 safe
//!
//! GET /pets
//!   BREAKING  response-property-removed  GET /pets › response 200 › id — property `id` removed
//!     before: {"type":"integer"}
//!   SAFE      operation-added  GET /pets — …
//!
//! ignored by policy
//!   operation-removed  DELETE /pets — deprecated since v2
//! ```
//!
//! Colours (only when asked): red for breaking, yellow for dangerous, green for safe.

use serde_json::Value;

use super::escape::{push_visible, truncate_chars};
use super::group::{groups, sorted_ignored};
use super::{RenderOptions, summary_line};
use crate::classify::{Report, Severity};

/// The longest before/after shown, in characters of compact JSON.
const VALUE_MAX_CHARS: usize = 200;

pub(crate) fn render(report: &Report, options: &RenderOptions) -> String {
    let mut out = summary_line(report);
    out.push('\n');
    for group in groups(&report.changes) {
        out.push('\n');
        push_visible(&mut out, group.name);
        out.push('\n');
        for change in group.changes {
            out.push_str("  ");
            push_label(&mut out, change.severity, options.color);
            out.push(' ');
            push_visible(&mut out, &change.rule);
            out.push_str("  ");
            push_visible(&mut out, &change.path);
            out.push_str(" — ");
            push_visible(&mut out, &change.message);
            out.push('\n');
            push_value(&mut out, "before", change.before.as_ref());
            push_value(&mut out, "after", change.after.as_ref());
        }
    }
    if !report.ignored.is_empty() {
        out.push_str("\nignored by policy\n");
        for entry in sorted_ignored(&report.ignored) {
            out.push_str("  ");
            push_visible(&mut out, &entry.change.rule);
            out.push_str("  ");
            push_visible(&mut out, &entry.change.path);
            out.push_str(" — ");
            push_visible(&mut out, &entry.reason);
            out.push('\n');
        }
    }
    out
}

/// `BREAKING `, `DANGEROUS`, `SAFE     ` (padded to one width, colour around the word).
fn push_label(out: &mut String, severity: Severity, color: bool) {
    let (word, pad, ansi) = match severity {
        Severity::Breaking => ("BREAKING", " ", "\u{1b}[31m"),
        Severity::Dangerous => ("DANGEROUS", "", "\u{1b}[33m"),
        Severity::Safe => ("SAFE", "     ", "\u{1b}[32m"),
    };
    if color {
        out.push_str(ansi);
        out.push_str(word);
        out.push_str("\u{1b}[0m");
    } else {
        out.push_str(word);
    }
    out.push_str(pad);
}

/// `    before: <compact JSON, truncated>`.
fn push_value(out: &mut String, name: &str, value: Option<&Value>) {
    if let Some(value) = value {
        out.push_str("    ");
        out.push_str(name);
        out.push_str(": ");
        push_visible(out, &truncate_chars(&value.to_string(), VALUE_MAX_CHARS));
        out.push('\n');
    }
}
