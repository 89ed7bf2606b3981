//! Report renderers: one [`Report`] → text for a terminal, JSON, a Markdown PR comment,
//! GitHub Actions annotations, JUnit XML or SARIF 2.1.0.
//!
//! Renderers are pure and deterministic: the same report and options give the same bytes,
//! always ending with exactly one newline. Every string of a change (path, message,
//! before/after) is attacker-controlled, so each format neutralizes it for its medium:
//! control, bidi, zero-width and tag characters are shown as visible `\u{…}` escapes
//! ([`escape::visible`]), and each medium's own syntax (Markdown, HTML, XML, workflow
//! commands) is escaped on top.
//!
//! ```
//! use driftguard_core::classify::Report;
//! use driftguard_core::render::{render, OutputFormat, RenderOptions};
//!
//! let report = Report::new("old".into(), "new".into(), vec![], vec![]);
//! let text = render(&report, OutputFormat::Text, &RenderOptions::default());
//! assert_eq!(text, "no changes\n");
//! ```

pub mod escape;
mod github;
mod group;
mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

pub use sarif::rule_description;

use crate::classify::{Report, Severity};

/// An output format of [`render`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Plain text for a terminal, optionally coloured.
    Text,
    /// The report itself, pretty JSON.
    Json,
    /// GitHub-flavoured Markdown for a pull-request comment.
    Markdown,
    /// GitHub Actions workflow commands (`::error` / `::warning` / `::notice`).
    Github,
    /// JUnit XML for CI test reporters.
    Junit,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
}

impl OutputFormat {
    /// Every format, in the order of their names in the CLI help.
    pub const ALL: [OutputFormat; 6] = [
        OutputFormat::Text,
        OutputFormat::Json,
        OutputFormat::Markdown,
        OutputFormat::Github,
        OutputFormat::Junit,
        OutputFormat::Sarif,
    ];

    /// `text`, `json`, `markdown`, `github`, `junit` or `sarif`.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Text => "text",
            OutputFormat::Json => "json",
            OutputFormat::Markdown => "markdown",
            OutputFormat::Github => "github",
            OutputFormat::Junit => "junit",
            OutputFormat::Sarif => "sarif",
        }
    }

    /// Parses a format name (as written by [`OutputFormat::name`]).
    pub fn from_name(name: &str) -> Option<OutputFormat> {
        OutputFormat::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// What a renderer needs beyond the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours in the `text` format (never in the others).
    pub color: bool,
    /// The contract file the report is about, as the user named it: becomes `file=` of
    /// GitHub annotations and the artifact location of SARIF results.
    pub file: Option<String>,
    /// The failure threshold: in `junit`, changes at or above it are `<failure>`s, the
    /// others `<system-out>`. `None` means nothing fails (`--fail-on never`). The default
    /// is `Some(Severity::Breaking)`.
    pub fail_on: Option<Severity>,
    /// The tool's version, written into SARIF's `tool.driver.version` (omitted when empty).
    pub tool_version: String,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            file: None,
            fail_on: Some(Severity::Breaking),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// Renders a report in a format. The output always ends with exactly one newline.
pub fn render(report: &Report, format: OutputFormat, options: &RenderOptions) -> String {
    let out = match format {
        OutputFormat::Text => text::render(report, options),
        OutputFormat::Json => json::render(report),
        OutputFormat::Markdown => markdown::render(report),
        OutputFormat::Github => github::render(report, options),
        OutputFormat::Junit => junit::render(report, options),
        OutputFormat::Sarif => sarif::render(report, options),
    };
    one_final_newline(out)
}

/// Trims trailing newlines and adds exactly one.
fn one_final_newline(mut out: String) -> String {
    while out.ends_with('\n') {
        out.pop();
    }
    out.push('\n');
    out
}

/// `3 breaking, 1 dangerous, 2 safe`, `no changes`, plus `(N ignored)` when the policy
/// ignored some.
pub(crate) fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let mut line = if report.changes.is_empty() && s.breaking + s.dangerous + s.safe == 0 {
        "no changes".to_owned()
    } else {
        format!(
            "{} breaking, {} dangerous, {} safe",
            s.breaking, s.dangerous, s.safe
        )
    };
    if !report.ignored.is_empty() {
        line.push_str(&format!(" ({} ignored)", report.ignored.len()));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in OutputFormat::ALL {
            assert_eq!(OutputFormat::from_name(f.name()), Some(f));
        }
        assert_eq!(OutputFormat::from_name("xml"), None);
        assert_eq!(OutputFormat::from_name("Text"), None);
    }

    #[test]
    fn exactly_one_final_newline() {
        assert_eq!(one_final_newline("a".into()), "a\n");
        assert_eq!(one_final_newline("a\n\n\n".into()), "a\n");
        assert_eq!(one_final_newline(String::new()), "\n");
    }
}
