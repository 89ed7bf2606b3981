//! `junit`: JUnit XML for CI test reporters.
//!
//! One `<testsuite name="driftguard">`; one `<testcase>` per change (classname = the group,
//! name = rule and path) with a `<failure>` when the change is at or above the threshold
//! and a `<system-out>` otherwise; ignored changes are `<skipped>` test cases. An empty
//! report is a single passing test case `no changes`.
//!
//! Text is XML 1.0 safe: hidden characters (which include every C0 control XML 1.0 forbids
//! and U+FFFE/U+FFFF) are made [visible](super::escape::visible) before `<>&"'` are escaped.

use super::escape::{is_hidden, push_escape, truncate_chars};
use super::group::{first_segment, groups, sorted_ignored};
use super::{RenderOptions, summary_line};
use crate::classify::{Change, Report};

/// The longest before/after shown, in characters of compact JSON.
const VALUE_MAX_CHARS: usize = 2000;

pub(crate) fn render(report: &Report, options: &RenderOptions) -> String {
    let fails = |change: &Change| options.fail_on.is_some_and(|t| change.severity >= t);
    let failures = report.changes.iter().filter(|c| fails(c)).count();
    let skipped = report.ignored.len();
    let tests = (report.changes.len() + skipped).max(1);

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"driftguard\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"driftguard\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    ));
    out.push_str(&format!(
        "    <properties>\n      <property name=\"summary\" value=\"{}\"/>\n    </properties>\n",
        xml(&summary_line(report))
    ));
    if report.changes.is_empty() && report.ignored.is_empty() {
        out.push_str("    <testcase classname=\"driftguard\" name=\"no changes\"/>\n");
    }
    for group in groups(&report.changes) {
        for change in group.changes {
            push_case_start(&mut out, group.name, change);
            let (element, attributes) = if fails(change) {
                (
                    "failure",
                    format!(
                        " type=\"{}\" message=\"{}\"",
                        change.severity.name(),
                        xml(&change.message)
                    ),
                )
            } else {
                ("system-out", String::new())
            };
            out.push_str(&format!(
                "      <{element}{attributes}>{}</{element}>\n",
                details(change)
            ));
            out.push_str("    </testcase>\n");
        }
    }
    for entry in sorted_ignored(&report.ignored) {
        push_case_start(&mut out, first_segment(&entry.change.path), &entry.change);
        out.push_str(&format!(
            "      <skipped message=\"ignored: {}\"/>\n    </testcase>\n",
            xml(&entry.reason)
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn push_case_start(out: &mut String, group: &str, change: &Change) {
    out.push_str(&format!(
        "    <testcase classname=\"{}\" name=\"{} {}\">\n",
        xml(group),
        xml(&change.rule),
        xml(&change.path)
    ));
}

/// The body of a failure or system-out, escaped: one field per line (the line breaks are
/// ours; attacker line breaks inside a field are made visible).
fn details(change: &Change) -> String {
    let mut lines = vec![
        format!("{}: {}", change.severity.name(), change.message),
        format!("rule: {}", change.rule),
        format!("path: {}", change.path),
        format!("pointer: {}", change.pointer),
    ];
    for (name, value) in [("before", &change.before), ("after", &change.after)] {
        if let Some(value) = value {
            lines.push(format!(
                "{name}: {}",
                truncate_chars(&value.to_string(), VALUE_MAX_CHARS)
            ));
        }
    }
    if !change.tags.is_empty() {
        lines.push(format!("tags: {}", change.tags.join(", ")));
    }
    lines
        .iter()
        .map(|line| xml(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text for XML 1.0 content or attribute values: hidden characters (every control XML
/// forbids, and line breaks, which attributes would fold into spaces) made visible, then
/// the five markup characters as entities.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if is_hidden(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_illegal_characters() {
        assert_eq!(
            xml("<a href='x'>&\"\u{0}\u{1b}\u{fffe}\u{ffff}\u{202e}</a>"),
            "&lt;a href=&apos;x&apos;&gt;&amp;&quot;\\u{0}\\u{1b}\\u{fffe}\\u{ffff}\\u{202e}&lt;/a&gt;"
        );
    }
}
