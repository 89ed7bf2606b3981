//! Exact outputs, pinned in `expected/` (reviewed by hand; `DRIFTGUARD_BLESS=1` rewrites
//! them — read the diff before committing it).

use std::path::PathBuf;

use driftguard_core::classify::{Report, Severity};
use driftguard_core::render::{OutputFormat, RenderOptions, render};

use crate::{fixtures, show};

fn extension(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Text => "txt",
        OutputFormat::Json => "json",
        OutputFormat::Markdown => "md",
        OutputFormat::Github => "github",
        OutputFormat::Junit => "xml",
        OutputFormat::Sarif => "sarif",
    }
}

fn check(name: &str, report: &Report) {
    for format in OutputFormat::ALL {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/render/expected")
            .join(format!("{name}.{}", extension(format)));
        let actual = show(report, format);
        if std::env::var_os("DRIFTGUARD_BLESS").is_some() {
            std::fs::write(&file, &actual)
                .unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
            continue;
        }
        let expected = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        assert_eq!(actual, expected, "{} differs", file.display());
    }
}

#[test]
fn small_report_exact_outputs() {
    check("small", &fixtures::small());
}

#[test]
fn empty_report_exact_outputs() {
    check("empty", &fixtures::empty());
}

#[test]
fn realistic_report_exact_outputs() {
    check("realistic", &fixtures::realistic());
}

#[test]
fn empty_report_in_short() {
    let empty = fixtures::empty();
    assert_eq!(show(&empty, OutputFormat::Text), "no changes\n");
    assert_eq!(
        show(&empty, OutputFormat::Markdown),
        "## DriftGuard report\n\nNo changes.\n"
    );
    assert_eq!(
        show(&empty, OutputFormat::Github),
        "::notice title=DriftGuard::no changes\n"
    );
    let junit = show(&empty, OutputFormat::Junit);
    assert!(junit.contains(
        "<testsuite name=\"driftguard\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n"
    ));
    assert!(junit.contains("    <testcase classname=\"driftguard\" name=\"no changes\"/>\n"));
    assert_eq!(junit.matches("<testcase").count(), 1);
}

#[test]
fn text_colours_only_when_asked() {
    let report = fixtures::small();
    let plain = show(&report, OutputFormat::Text);
    assert!(!plain.contains('\u{1b}'));
    let coloured = render(
        &report,
        OutputFormat::Text,
        &RenderOptions {
            color: true,
            ..RenderOptions::default()
        },
    );
    assert_eq!(
        coloured,
        "1 breaking, 0 dangerous, 1 safe\n\
         \n\
         GET /pets\n  \
         \u{1b}[31mBREAKING\u{1b}[0m  property-removed  GET /pets › response 200 › application/json › id — property `id` was removed\n    \
         before: {\"type\":\"integer\"}\n\
         \n\
         tool search\n  \
         \u{1b}[32mSAFE\u{1b}[0m      tool-added  tool search — tool added\n    \
         after: {\"description\":\"Find things\"}\n"
    );
    // Colour is for text only.
    for format in OutputFormat::ALL {
        if format != OutputFormat::Text {
            let options = RenderOptions {
                color: true,
                ..RenderOptions::default()
            };
            assert_eq!(render(&report, format, &options), show(&report, format));
        }
    }
}

#[test]
fn long_values_are_truncated_in_characters() {
    let mut report = fixtures::small();
    if let Some(change) = report.changes.first_mut() {
        change.before = Some(serde_json::Value::String("é".repeat(300)));
    }
    let text = show(&report, OutputFormat::Text);
    // 200 characters of compact JSON: the quote and 199 é, then the ellipsis.
    let expected = format!("    before: \"{}…\n", "é".repeat(199));
    assert!(text.contains(&expected), "{text}");
}

#[test]
fn junit_threshold() {
    let report = fixtures::realistic();
    let failures = |fail_on| {
        render(
            &report,
            OutputFormat::Junit,
            &RenderOptions {
                fail_on,
                ..RenderOptions::default()
            },
        )
        .matches("<failure ")
        .count()
    };
    assert_eq!(failures(Some(Severity::Breaking)), 1);
    assert_eq!(failures(Some(Severity::Dangerous)), 3);
    assert_eq!(failures(Some(Severity::Safe)), 5);
    assert_eq!(failures(None), 0);
    let dangerous = render(
        &report,
        OutputFormat::Junit,
        &RenderOptions {
            fail_on: Some(Severity::Dangerous),
            ..RenderOptions::default()
        },
    );
    assert!(dangerous.contains(
        "<testsuite name=\"driftguard\" tests=\"6\" failures=\"3\" errors=\"0\" skipped=\"1\">"
    ));
    assert!(dangerous.contains(
        "<failure type=\"dangerous\" message=\"new optional parameter `bcc` on an existing tool\">"
    ));
}

#[test]
fn github_file_property() {
    let report = fixtures::small();
    let out = render(
        &report,
        OutputFormat::Github,
        &RenderOptions {
            file: Some("api/v1,old:new.yaml".into()),
            ..RenderOptions::default()
        },
    );
    assert_eq!(
        out,
        "::error file=api/v1%2Cold%3Anew.yaml,title=property-removed (breaking)::GET /pets › response 200 › application/json › id — property `id` was removed\n\
         ::notice file=api/v1%2Cold%3Anew.yaml,title=tool-added (safe)::tool search — tool added\n\
         ::notice title=DriftGuard::1 breaking, 0 dangerous, 1 safe\n"
    );
}

#[test]
fn json_is_the_report_with_sorted_keys() {
    for report in [fixtures::empty(), fixtures::small(), fixtures::realistic()] {
        let text = show(&report, OutputFormat::Json);
        let value: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        // The same bytes as serde_json's own pretty printer over keys re-sorted explicitly
        // (whatever map type serde_json was built with).
        let mut expected =
            serde_json::to_string_pretty(&sorted(value.clone())).unwrap_or_else(|e| panic!("{e}"));
        expected.push('\n');
        if report != fixtures::realistic() {
            assert_eq!(text, expected);
        }
        // (The realistic report's hostile string differs only in spelling: its hidden
        // characters are written as \u escapes, see tests/render/hostile.rs.)
        let back: Report = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, report);
    }
}

fn sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}
