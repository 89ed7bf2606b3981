//! `markdown`: a GitHub-flavoured Markdown pull-request comment.
//!
//! A heading, a summary table, then per group a `###` heading, a table of its changes and a
//! `<details>` block per change with the before/after values in fenced JSON blocks.
//!
//! Attacker text is neutralized for each context it lands in:
//! - table cells and headings ([`inline`]): hidden characters made visible (so a newline
//!   cannot end a row), HTML specials as entities, Markdown punctuation backslash-escaped
//!   (`|` too, so a cell cannot split), `@` and `#` followed by an escaped zero-width space
//!   (`&#8203;`) so a name cannot mention (notify) a user or team or cross-reference an
//!   issue — the same defence Dependabot uses;
//! - the `<summary>` line, which sits in a raw HTML block where backslash escapes are not
//!   read ([`html`]): entities only, plus the `@`/`#` defence;
//! - fenced blocks: the JSON is written with hidden characters as `\uXXXX` escapes, and
//!   the fence is longer than any backtick run in it, so it cannot be closed early.

use serde_json::Value;

use super::escape::{truncate_chars, visible};
use super::group::{groups, sorted_ignored};
use super::json::to_pretty;
use crate::classify::{Change, Report, Severity};

/// The longest before/after value shown in a fenced block, in characters.
const VALUE_MAX_CHARS: usize = 4000;

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::from("## DriftGuard report\n\n");
    let s = &report.summary;
    if report.changes.is_empty() {
        out.push_str("No changes.\n");
    } else {
        out.push_str("| Severity | Count |\n| --- | ---: |\n");
        out.push_str(&format!("| Breaking | {} |\n", s.breaking));
        out.push_str(&format!("| Dangerous | {} |\n", s.dangerous));
        out.push_str(&format!("| Safe | {} |\n", s.safe));
        if !report.ignored.is_empty() {
            out.push_str(&format!("| Ignored | {} |\n", report.ignored.len()));
        }
    }
    for group in groups(&report.changes) {
        out.push_str(&format!("\n### {}\n\n", inline(group.name)));
        out.push_str("| Severity | Rule | Path | Message |\n| --- | --- | --- | --- |\n");
        for change in &group.changes {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                label(change.severity),
                rule_code(&change.rule),
                inline(&change.path),
                inline(&change.message)
            ));
        }
        for change in &group.changes {
            push_details(&mut out, change);
        }
    }
    if !report.ignored.is_empty() {
        out.push_str("\n### Ignored by policy\n\n| Rule | Path | Reason |\n| --- | --- | --- |\n");
        for entry in sorted_ignored(&report.ignored) {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                rule_code(&entry.change.rule),
                inline(&entry.change.path),
                inline(&entry.reason)
            ));
        }
    }
    out
}

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Breaking => "Breaking",
        Severity::Dangerous => "Dangerous",
        Severity::Safe => "Safe",
    }
}

/// A `<details>` block with the pointer and the before/after values.
fn push_details(out: &mut String, change: &Change) {
    out.push_str(&format!(
        "\n<details>\n<summary>{} <code>{}</code> {}</summary>\n\n",
        label(change.severity),
        html(&change.rule),
        html(&change.path)
    ));
    out.push_str(&format!(
        "Pointer: <code>{}</code>\n",
        inline(&change.pointer)
    ));
    push_fenced(out, "Before", change.before.as_ref());
    push_fenced(out, "After", change.after.as_ref());
    out.push_str("\n</details>\n");
}

fn push_fenced(out: &mut String, name: &str, value: Option<&Value>) {
    if let Some(value) = value {
        let body = truncate_chars(&to_pretty(value), VALUE_MAX_CHARS);
        let fence = "`".repeat(longest_backtick_run(&body).max(2) + 1);
        out.push_str(&format!("\n{name}:\n\n{fence}json\n{body}\n{fence}\n"));
    }
}

fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// A rule id in backticks when it is a plain id, escaped text otherwise.
fn rule_code(rule: &str) -> String {
    if !rule.is_empty()
        && rule
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        format!("`{rule}`")
    } else {
        inline(rule)
    }
}

/// Attacker text for a table cell, a heading or a paragraph of Markdown.
pub(crate) fn inline(text: &str) -> String {
    let shown = visible(text);
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '@' => out.push_str("@&#8203;"),
            '#' => out.push_str("\\#&#8203;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Attacker text inside raw HTML (the `<summary>` line): entities only.
fn html(text: &str) -> String {
    let shown = visible(text);
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '@' => out.push_str("@&#8203;"),
            '#' => out.push_str("#&#8203;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_escapes_markdown_and_html() {
        assert_eq!(
            inline("<b>a|b</b> *x* `c` [l](u) #1 @team $x$ ~s~ a_b\n"),
            "&lt;b&gt;a\\|b&lt;/b&gt; \\*x\\* \\`c\\` \\[l\\](u) \\#&#8203;1 @&#8203;team \\$x\\$ \\~s\\~ a\\_b\\\\u{a}"
        );
    }

    #[test]
    fn html_escapes_entities_only() {
        assert_eq!(
            html("<script>a & 'b' \"c\"</script>*"),
            "&lt;script&gt;a &amp; &#39;b&#39; &quot;c&quot;&lt;/script&gt;*"
        );
    }

    #[test]
    fn fences_outgrow_backtick_runs() {
        assert_eq!(longest_backtick_run("a ``` b `` c"), 3);
        let mut out = String::new();
        push_fenced(&mut out, "After", Some(&Value::String("````".into())));
        assert_eq!(out, "\nAfter:\n\n`````json\n\"````\"\n`````\n");
    }

    #[test]
    fn code_spans() {
        assert_eq!(rule_code("type-changed"), "`type-changed`");
        assert_eq!(rule_code("a`b"), "a\\`b");
    }
}
