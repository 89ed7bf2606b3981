//! Property tests: arbitrary Unicode in every field of a change never leaks a hidden
//! character, never breaks a GitHub command line, and SARIF stays schema-valid.

use driftguard_core::classify::{Change, Ignored, Position, Report, Severity};
use driftguard_core::render::escape::is_hidden;
use driftguard_core::render::{OutputFormat, RenderOptions, render};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::Value;

/// Strings biased towards the characters renderers must neutralize.
fn text() -> impl Strategy<Value = String> {
    let nasty = prop::sample::select(vec![
        '\n',
        '\r',
        '\u{1b}',
        '\u{0}',
        '\u{7f}',
        '\u{85}',
        '\u{9b}',
        '\u{200b}',
        '\u{200d}',
        '\u{2028}',
        '\u{202e}',
        '\u{2066}',
        '\u{feff}',
        '\u{fffe}',
        '\u{ffff}',
        '\u{e0041}',
        '\u{e007f}',
        '<',
        '>',
        '&',
        '"',
        '\'',
        '|',
        '`',
        '*',
        '_',
        '[',
        ']',
        '#',
        '@',
        '%',
        ':',
        ',',
        '\\',
        '$',
        '~',
        'a',
        ' ',
        'é',
        '›',
    ]);
    prop::collection::vec(prop_oneof![nasty, any::<char>()], 0..24)
        .prop_map(|chars| chars.into_iter().collect())
}

fn severity() -> impl Strategy<Value = Severity> {
    prop_oneof![
        Just(Severity::Safe),
        Just(Severity::Dangerous),
        Just(Severity::Breaking)
    ]
}

fn change() -> impl Strategy<Value = Change> {
    (
        text(),
        text(),
        text(),
        text(),
        text(),
        severity(),
        prop::option::of(text()),
        prop::collection::vec(text(), 0..2),
    )
        .prop_map(
            |(message, path, rule, pointer, group, severity, after, tags)| Change {
                after: after.map(Value::String),
                before: Some(Value::String(rule.clone())),
                message,
                path: format!("{group} › {path}"),
                pointer,
                position: Position::Input,
                rule,
                severity,
                tags,
            },
        )
}

fn report() -> impl Strategy<Value = Report> {
    (
        prop::collection::vec(change(), 0..4),
        prop::option::of((change(), text())),
    )
        .prop_map(|(changes, ignored)| {
            let ignored = ignored
                .map(|(change, reason)| vec![Ignored { change, reason }])
                .unwrap_or_default();
            Report::new("old".into(), "new".into(), changes, ignored)
        })
}

proptest! {
    #![proptest_config(Config { cases: 128, failure_persistence: None, ..Config::default() })]

    #[test]
    fn arbitrary_text_is_neutralized(report in report(), file in text()) {
        let options = RenderOptions { file: Some(file), ..RenderOptions::default() };
        for format in OutputFormat::ALL {
            let out = render(&report, format, &options);
            prop_assert!(out.ends_with('\n') && !out.ends_with("\n\n"));
            let raw: Vec<char> = out.chars().filter(|&c| is_hidden(c) && c != '\n').collect();
            prop_assert!(raw.is_empty(), "{}: {:?}", format.name(), raw);
            prop_assert_eq!(&out, &render(&report, format, &options));
        }
        let github = render(&report, OutputFormat::Github, &options);
        prop_assert_eq!(github.lines().count(), report.changes.len() + 1);
        for line in github.lines() {
            prop_assert!(
                line.starts_with("::error file=")
                    || line.starts_with("::warning file=")
                    || line.starts_with("::notice file=")
                    || line.starts_with("::notice title=DriftGuard::"),
                "{}", line
            );
        }
        let json = render(&report, OutputFormat::Json, &options);
        let back: Report = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, report.clone());
        let junit = render(&report, OutputFormat::Junit, &options);
        prop_assert_eq!(
            junit.matches("<testcase ").count(),
            (report.changes.len() + report.ignored.len()).max(1)
        );
    }

    #[test]
    fn arbitrary_reports_are_valid_sarif(report in report(), file in text()) {
        let options = RenderOptions { file: Some(file), ..RenderOptions::default() };
        let out = render(&report, OutputFormat::Sarif, &options);
        let log: Value = serde_json::from_str(&out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let errors: Vec<String> = crate::sarif_schema::validator()
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        prop_assert!(errors.is_empty(), "{:?}\n{}", errors, out);
    }
}
