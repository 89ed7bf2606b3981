//! Renderer tests: exact outputs for small reports, safety properties for a hostile one,
//! the empty report, determinism, and SARIF validated against the real 2.1.0 schema.

mod arbitrary;
mod fixtures;
mod hostile;
mod sarif_schema;
mod small;

use driftguard_core::classify::Report;
use driftguard_core::render::{OutputFormat, RenderOptions, render};

/// Renders with default options.
fn show(report: &Report, format: OutputFormat) -> String {
    render(report, format, &RenderOptions::default())
}

#[test]
fn every_format_is_deterministic_and_ends_with_one_newline() {
    for report in [
        fixtures::empty(),
        fixtures::small(),
        fixtures::realistic(),
        fixtures::hostile_only(),
    ] {
        for format in OutputFormat::ALL {
            for options in [
                RenderOptions::default(),
                RenderOptions {
                    color: true,
                    file: Some("contracts/api.yaml".into()),
                    fail_on: Some(driftguard_core::classify::Severity::Safe),
                    tool_version: "9.9.9".into(),
                },
            ] {
                let first = render(&report, format, &options);
                let second = render(&report.clone(), format, &options);
                assert_eq!(first, second, "{}", format.name());
                assert!(first.ends_with('\n'), "{}", format.name());
                assert!(!first.ends_with("\n\n"), "{}", format.name());
            }
        }
    }
}

#[test]
fn output_does_not_depend_on_change_order() {
    let report = fixtures::realistic();
    let mut reversed = report.clone();
    reversed.changes.reverse();
    for format in OutputFormat::ALL {
        if format == OutputFormat::Json {
            continue; // the report itself, in the order it was given
        }
        assert_eq!(
            show(&report, format),
            show(&reversed, format),
            "{}",
            format.name()
        );
    }
}
