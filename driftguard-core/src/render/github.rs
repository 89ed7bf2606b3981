//! `github`: GitHub Actions workflow commands, one annotation per change.
//!
//! `::error` for breaking, `::warning` for dangerous, `::notice` for safe, each with a
//! `title=` (rule id and severity) and a `file=` when the contract file is known, then a
//! summary `::notice`. A workflow command is recognized only at the start of a line, so
//! the one defence that matters is that no attacker text carries a line break: hidden
//! characters (CR and LF included) are made [visible](super::escape::visible) first, then
//! the data and properties are escaped as the Actions toolkit does (`%`, CR, LF; in
//! properties also `:` and `,`).

use super::escape::visible;
use super::group::groups;
use super::{RenderOptions, summary_line};
use crate::classify::{Report, Severity};

pub(crate) fn render(report: &Report, options: &RenderOptions) -> String {
    let mut out = String::new();
    for group in groups(&report.changes) {
        for change in group.changes {
            let command = match change.severity {
                Severity::Breaking => "error",
                Severity::Dangerous => "warning",
                Severity::Safe => "notice",
            };
            let mut properties = Vec::new();
            if let Some(file) = &options.file {
                properties.push(format!("file={}", escape_property(&visible(file))));
            }
            let title = format!("{} ({})", visible(&change.rule), change.severity.name());
            properties.push(format!("title={}", escape_property(&title)));
            let data = format!("{} — {}", visible(&change.path), visible(&change.message));
            out.push_str(&format!(
                "::{command} {}::{}\n",
                properties.join(","),
                escape_data(&data)
            ));
        }
    }
    out.push_str(&format!(
        "::notice title=DriftGuard::{}\n",
        escape_data(&summary_line(report))
    ));
    out
}

/// Escapes the message of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes the value of a workflow command property.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_actions_toolkit() {
        assert_eq!(escape_data("50% a\r\nb::c,d"), "50%25 a%0D%0Ab::c,d");
        assert_eq!(
            escape_property("50% a\r\nb::c,d"),
            "50%25 a%0D%0Ab%3A%3Ac%2Cd"
        );
    }
}
