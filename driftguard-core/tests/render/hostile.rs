//! Safety properties for attacker-controlled text in every format.

use driftguard_core::classify::{Position, Report, Severity};
use driftguard_core::render::escape::is_hidden;
use driftguard_core::render::{OutputFormat, RenderOptions, render};
use serde_json::Value;

use crate::fixtures::{self, HOSTILE};
use crate::show;

/// The hostile text as every format shows it after making hidden characters visible.
const HOSTILE_VISIBLE_TAIL: &str = "\\u{1b}[31mred\\u{202e}txt.exe\\u{200d}\\u{e0041}\\u{e0042}";

fn hostile_reports() -> Vec<Report> {
    vec![fixtures::realistic(), fixtures::hostile_only()]
}

fn options() -> Vec<RenderOptions> {
    vec![
        RenderOptions::default(),
        RenderOptions {
            file: Some(format!("contracts/{HOSTILE}.yaml")),
            fail_on: Some(Severity::Safe),
            ..RenderOptions::default()
        },
    ]
}

#[test]
fn no_format_emits_a_raw_hidden_character() {
    for report in hostile_reports() {
        for format in OutputFormat::ALL {
            for options in options() {
                let out = render(&report, format, &options);
                let raw: Vec<char> = out.chars().filter(|&c| is_hidden(c) && c != '\n').collect();
                assert!(raw.is_empty(), "{}: raw {raw:?} in\n{out}", format.name());
            }
        }
    }
}

#[test]
fn text_colour_codes_are_only_ours() {
    for report in hostile_reports() {
        let out = render(
            &report,
            OutputFormat::Text,
            &RenderOptions {
                color: true,
                ..RenderOptions::default()
            },
        );
        let stripped = out
            .replace("\u{1b}[31m", "")
            .replace("\u{1b}[33m", "")
            .replace("\u{1b}[32m", "")
            .replace("\u{1b}[0m", "");
        assert!(!stripped.contains('\u{1b}'));
        assert!(stripped.contains(HOSTILE_VISIBLE_TAIL));
        // The attacker's newline did not start a line of its own.
        assert!(stripped.lines().all(|l| !l.starts_with("::")), "{out}");
    }
}

#[test]
fn text_shows_the_hostile_message_on_one_line() {
    let out = show(&fixtures::hostile_only(), OutputFormat::Text);
    let expected_message = "description changed: <script>alert(1)</script> | col | ``` `x` \
                            \\u{a}::error::pwned \\u{1b}[31mred\\u{202e}txt.exe\\u{200d}\\u{e0041}\\u{e0042}";
    let line = out
        .lines()
        .find(|l| l.starts_with("  DANGEROUS "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.ends_with(expected_message), "{line}");
    // summary, blank, group, change, before, after, blank, "ignored by policy", ignored
    assert_eq!(out.lines().count(), 9, "{out}");
}

#[test]
fn json_round_trips_and_spells_hidden_characters_as_escapes() {
    for report in hostile_reports() {
        let out = show(&report, OutputFormat::Json);
        let back: Report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, report);
        assert!(out.contains(
            "\\n::error::pwned \\u001b[31mred\\u202etxt.exe\\u200d\\udb40\\udc41\\udb40\\udc42"
        ));
    }
}

/// The cells of a GFM table row, split on unescaped `|`.
fn cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut escaped = false;
    for c in row.chars() {
        if c == '|' && !escaped {
            cells.push(String::new());
        } else if let Some(cell) = cells.last_mut() {
            cell.push(c);
        }
        escaped = c == '\\' && !escaped;
    }
    cells
}

#[test]
fn markdown_cannot_break_out() {
    for report in hostile_reports() {
        let out = show(&report, OutputFormat::Markdown);
        // (Raw `<script>` appears only inside fenced code, checked below.)
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Every table row keeps its column count (the hostile `|` are escaped).
        for line in out.lines().filter(|l| l.starts_with('|')) {
            let n = cells(line).len();
            assert!(n == 4 || n == 5 || n == 6, "{n} cells: {line}");
        }
        let change_rows = out
            .lines()
            .filter(|l| l.starts_with("| Dangerous | "))
            .filter(|l| {
                cells(l)
                    .get(2)
                    .is_some_and(|c| c.trim().parse::<usize>().is_err())
            })
            .collect::<Vec<_>>();
        assert!(!change_rows.is_empty());
        for row in &change_rows {
            assert_eq!(cells(row).len(), 6, "{row}");
        }
        // Outside fenced blocks, the only HTML is ours.
        let mut fence: Option<String> = None;
        let mut fenced_bodies = Vec::new();
        for line in out.lines() {
            match &fence {
                Some(f) if line == f => fence = None,
                Some(_) => fenced_bodies.push(line.to_owned()),
                None if line.starts_with("```") => {
                    fence = Some(line.trim_end_matches("json").to_owned());
                }
                None => {
                    let mut rest = line;
                    while let Some(at) = rest.find('<') {
                        rest = rest.get(at..).unwrap_or_default();
                        let ours = [
                            "<details>",
                            "</details>",
                            "<summary>",
                            "</summary>",
                            "<code>",
                            "</code>",
                        ]
                        .iter()
                        .any(|tag| rest.starts_with(tag));
                        assert!(ours, "foreign HTML in: {line}");
                        rest = rest.get(1..).unwrap_or_default();
                    }
                    assert!(
                        !line.starts_with('#')
                            || line.starts_with("## ")
                            || line.starts_with("### ")
                    );
                }
            }
        }
        assert!(fence.is_none(), "a fence was left open");
        // The hostile value sits whole inside its fence, which is longer than its backticks.
        assert!(
            out.contains("````json\n\"<script>alert(1)</script> | col | ``` `x` \\n::error::pwned")
        );
        assert!(fenced_bodies.iter().any(|l| l.contains("\\u202etxt.exe")));
    }
}

#[test]
fn markdown_cannot_mention_or_reference() {
    let mut report = fixtures::small();
    if let Some(change) = report.changes.first_mut() {
        change.message = "ping @octocat and @org/team about #123".into();
        change.path = "GET /a @b #1".into();
    }
    let out = show(&report, OutputFormat::Markdown);
    assert!(out.contains("ping @&#8203;octocat and @&#8203;org/team about \\#&#8203;123"));
    assert!(out.contains("### GET /a @&#8203;b \\#&#8203;1"));
    assert!(out.contains(
        "<summary>Breaking <code>property-removed</code> GET /a @&#8203;b #&#8203;1</summary>"
    ));
    assert!(!out.replace("@&#8203;", "").contains('@'));
}

#[test]
fn github_commands_cannot_be_injected() {
    let mut injections = fixtures::small();
    let template = injections.changes.first().cloned();
    for (message, path) in [
        ("x\n::set-env name=PATH::/tmp/evil", "GET /a"),
        ("x\r\n::add-mask::secret", "GET /b"),
        ("x\r::stop-commands::token", "GET /c"),
        ("x\u{85}::error::pwned\u{2028}::error::pwned", "GET /d"),
        ("100% sure", "GET /e\n::error file=x::pwned"),
    ] {
        if let Some(mut change) = template.clone() {
            change.message = message.into();
            change.path = path.into();
            change.rule = "r,title=x::y\n::error::z".into();
            change.position = Position::Input;
            injections.changes.push(change);
        }
    }
    let mut reports = hostile_reports();
    reports.push(injections);
    for report in reports {
        for options in options() {
            let out = render(&report, OutputFormat::Github, &options);
            let lines: Vec<&str> = out.split('\n').collect();
            // One line per change, one summary, and the final empty string after the last \n.
            assert_eq!(lines.len(), report.changes.len() + 2, "{out}");
            assert_eq!(lines.last(), Some(&""));
            for line in &lines[..lines.len() - 1] {
                assert!(
                    line.starts_with("::error ")
                        || line.starts_with("::warning ")
                        || line.starts_with("::notice "),
                    "{line}"
                );
                assert!(!line.contains('\r'));
                // The properties end at the first `::`; neither title nor file adds one.
                let properties = line.split("::").nth(1).unwrap_or_default();
                assert!(
                    properties.starts_with("error ")
                        || properties.starts_with("warning ")
                        || properties.starts_with("notice "),
                    "{line}"
                );
                let props = properties.split_once(' ').map(|p| p.1).unwrap_or_default();
                for prop in props.split(',') {
                    assert!(
                        prop.starts_with("file=") || prop.starts_with("title="),
                        "{prop} in {line}"
                    );
                }
            }
            assert!(
                lines
                    .iter()
                    .all(|l| !l.starts_with("::set-env") && !l.starts_with("::add-mask"))
            );
        }
    }
    let out = show(&fixtures::realistic(), OutputFormat::Github);
    assert!(out.contains(&format!(
        "::warning title=tool-description-changed (dangerous)::tool sendEmail › description — \
         description changed: <script>alert(1)</script> | col | ``` `x` \\u{{a}}::error::pwned {HOSTILE_VISIBLE_TAIL}\n"
    )));
    assert!(show(&fixtures::small(), OutputFormat::Github).contains("::notice title=DriftGuard::"));
}

#[test]
fn github_percent_is_escaped() {
    let mut report = fixtures::small();
    if let Some(change) = report.changes.first_mut() {
        change.message = "100% sure, %0A is not a newline".into();
    }
    let out = show(&report, OutputFormat::Github);
    assert!(
        out.contains("— 100%25 sure, %250A is not a newline\n"),
        "{out}"
    );
}

#[test]
fn junit_is_well_formed_xml() {
    for report in hostile_reports() {
        let out = show(&report, OutputFormat::Junit);
        assert!(!out.contains("<script"));
        // Every `<` opens one of our elements.
        let ours = [
            "<?xml ",
            "<testsuites ",
            "</testsuites>",
            "<testsuite ",
            "</testsuite>",
            "<properties>",
            "</properties>",
            "<property ",
            "<testcase ",
            "</testcase>",
            "<failure ",
            "</failure>",
            "<system-out>",
            "</system-out>",
            "<skipped ",
        ];
        let mut rest = out.as_str();
        while let Some(at) = rest.find('<') {
            rest = rest.get(at..).unwrap_or_default();
            assert!(
                ours.iter().any(|t| rest.starts_with(t)),
                "{}",
                rest.get(..40).unwrap_or(rest)
            );
            rest = rest.get(1..).unwrap_or_default();
        }
        // Every `&` is one of the five entities.
        let mut rest = out.as_str();
        while let Some(at) = rest.find('&') {
            rest = rest.get(at..).unwrap_or_default();
            assert!(
                ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| rest.starts_with(e)),
                "{}",
                rest.get(..10).unwrap_or(rest)
            );
            rest = rest.get(1..).unwrap_or_default();
        }
        // Attribute values hold no raw quote or line break.
        for line in out
            .lines()
            .filter(|l| l.trim_start().starts_with("<testcase "))
        {
            assert_eq!(line.matches('"').count(), 4, "{line}");
        }
        assert!(out.contains(&format!(
            "description changed: &lt;script&gt;alert(1)&lt;/script&gt; | col | ``` `x` \\u{{a}}::error::pwned {HOSTILE_VISIBLE_TAIL}"
        )));
    }
    let hostile = show(&fixtures::hostile_only(), OutputFormat::Junit);
    assert_eq!(hostile.matches("<testcase ").count(), 2);
    assert_eq!(hostile.matches("<skipped ").count(), 1);
}

#[test]
fn sarif_text_is_visible() {
    let out = show(&fixtures::hostile_only(), OutputFormat::Sarif);
    let log: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    let result = &log["runs"][0]["results"][0];
    let text = result["message"]["text"].as_str().unwrap_or_default();
    assert!(text.ends_with(HOSTILE_VISIBLE_TAIL), "{text}");
    assert!(!text.chars().any(is_hidden));
    let name = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        .as_str()
        .unwrap_or_default();
    assert!(!name.chars().any(is_hidden));
    // The pointer is data: kept exact (the JSON spells its hidden characters as escapes).
    assert_eq!(
        result["properties"]["pointer"].as_str(),
        Some(format!("/surface/tools/{HOSTILE}").as_str())
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"],
        Value::Null,
        "no file given, no physical location"
    );
}
