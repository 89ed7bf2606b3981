//! SARIF output validated against the SARIF 2.1.0 JSON Schema (vendored, see README.md).

use driftguard_core::classify::Severity;
use driftguard_core::render::{OutputFormat, RenderOptions, render};
use serde_json::{Value, json};

use crate::fixtures;

pub fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("sarif-schema-2.1.0.json"))
        .unwrap_or_else(|e| panic!("the vendored schema is JSON: {e}"));
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the vendored schema compiles: {e}"))
}

fn errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn sarif(report: &driftguard_core::classify::Report, options: &RenderOptions) -> Value {
    let text = render(report, OutputFormat::Sarif, options);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("SARIF is JSON: {e}\n{text}"))
}

#[test]
fn every_report_is_valid_sarif_2_1_0() {
    let validator = validator();
    let with_file = RenderOptions {
        file: Some("contracts/my api.yaml".into()),
        fail_on: Some(Severity::Dangerous),
        ..RenderOptions::default()
    };
    let without_version = RenderOptions {
        tool_version: String::new(),
        ..RenderOptions::default()
    };
    for report in [
        fixtures::empty(),
        fixtures::small(),
        fixtures::realistic(),
        fixtures::hostile_only(),
    ] {
        for options in [&RenderOptions::default(), &with_file, &without_version] {
            let log = sarif(&report, options);
            assert_eq!(errors(&validator, &log), Vec::<String>::new(), "{log:#}");
        }
    }
}

#[test]
fn the_schema_rejects_what_it_should() {
    // Proves the validator really checks: a bad level, a missing message and a
    // non-integer ruleIndex are each reported.
    let validator = validator();
    let mut log = sarif(&fixtures::small(), &RenderOptions::default());
    assert!(errors(&validator, &log).is_empty());
    log["runs"][0]["results"][0]["level"] = json!("fatal");
    assert_eq!(
        errors(&validator, &log).len(),
        1,
        "{:?}",
        errors(&validator, &log)
    );
    let mut log = sarif(&fixtures::small(), &RenderOptions::default());
    if let Some(result) = log["runs"][0]["results"][0].as_object_mut() {
        result.remove("message");
    }
    assert!(!errors(&validator, &log).is_empty());
    let mut log = sarif(&fixtures::small(), &RenderOptions::default());
    log["runs"][0]["results"][0]["ruleIndex"] = json!("zero");
    assert!(!errors(&validator, &log).is_empty());
    let mut log = sarif(&fixtures::small(), &RenderOptions::default());
    log["version"] = json!("2.0.0");
    assert!(!errors(&validator, &log).is_empty());
}

#[test]
fn rules_are_the_sorted_distinct_ids_and_indexes_point_at_them() {
    let log = sarif(&fixtures::realistic(), &RenderOptions::default());
    let run = &log["runs"][0];
    let ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .map(|rules| rules.iter().filter_map(|r| r["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        [
            "operation-removed",
            "property-added",
            "property-removed",
            "server-version-changed",
            "tool-description-changed",
            "tool-parameter-added-optional",
        ]
    );
    let results = run["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 6);
    for result in &results {
        let index = result["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
        assert_eq!(ids.get(index).copied(), result["ruleId"].as_str());
    }
    let levels: Vec<&str> = results.iter().filter_map(|r| r["level"].as_str()).collect();
    assert_eq!(
        levels,
        ["error", "warning", "warning", "note", "note", "error"]
    );
    // The ignored change comes last, suppressed with its reason.
    assert_eq!(
        results[5]["suppressions"],
        json!([{"kind": "external", "justification": "deprecated since v2, removal announced"}])
    );
    assert_eq!(results[0]["suppressions"], Value::Null);
}
