//! `sarif`: SARIF 2.1.0 for code-scanning tools.
//!
//! One run whose driver lists the distinct rule ids of the report (sorted), and one result
//! per change: `ruleId`/`ruleIndex`, `level` (breaking → `error`, dangerous → `warning`,
//! safe → `note`), the message, a logical location (the human path) plus, when the contract
//! file is known, a physical location, a partial fingerprint (SHA-256 of rule and pointer,
//! stable across runs and unrelated edits) and the severity, pointer, position and tags as
//! properties. Changes the policy ignored are results with an external suppression carrying
//! the ignore's reason.
//!
//! Human-facing text (`message.text`, `fullyQualifiedName`) has hidden characters made
//! [visible](super::escape::visible); the JSON itself is written with
//! [`to_pretty`](super::json), which escapes any remaining hidden character.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::RenderOptions;
use super::escape::visible;
use super::group::{by_severity_then_path, sorted_ignored};
use super::json::to_pretty;
use crate::classify::{Change, Report, Severity};

/// `$schema` of the log.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key of the partial fingerprint (versioned: changing how it is computed means a new key).
const FINGERPRINT_KEY: &str = "driftguard/rulePointer/v1";

/// The one-line description of a rule, for `tool.driver.rules[].shortDescription`: the
/// registry's description, or the id for a rule the registry does not know.
pub fn rule_description(id: &str) -> String {
    crate::classify::rules::get(id).map_or_else(|| id.to_owned(), |r| r.description.to_owned())
}

pub(crate) fn render(report: &Report, options: &RenderOptions) -> String {
    let rules: Vec<&str> = report
        .changes
        .iter()
        .chain(report.ignored.iter().map(|i| &i.change))
        .map(|c| c.rule.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    let mut changes: Vec<&Change> = report.changes.iter().collect();
    changes.sort_by(|a, b| by_severity_then_path(a, b));
    let mut results: Vec<Value> = changes
        .into_iter()
        .map(|c| result(c, &rules, options))
        .collect();

    for entry in sorted_ignored(&report.ignored) {
        let mut r = result(&entry.change, &rules, options);
        if let Value::Object(map) = &mut r {
            map.insert(
                "suppressions".into(),
                json!([{"kind": "external", "justification": visible(&entry.reason)}]),
            );
        }
        results.push(r);
    }

    let mut driver = Map::new();
    driver.insert("name".into(), json!("DriftGuard"));
    driver.insert("informationUri".into(), json!(env!("CARGO_PKG_REPOSITORY")));
    if !options.tool_version.is_empty() {
        driver.insert("version".into(), json!(visible(&options.tool_version)));
    }
    driver.insert(
        "rules".into(),
        Value::Array(
            rules
                .iter()
                .map(|id| json!({"id": id, "shortDescription": {"text": rule_description(id)}}))
                .collect(),
        ),
    );

    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": Value::Object(driver)},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    to_pretty(&log)
}

fn result(change: &Change, rules: &[&str], options: &RenderOptions) -> Value {
    let level = match change.severity {
        Severity::Breaking => "error",
        Severity::Dangerous => "warning",
        Severity::Safe => "note",
    };
    let mut location = Map::new();
    location.insert(
        "logicalLocations".into(),
        json!([{"fullyQualifiedName": visible(&change.path), "kind": "member"}]),
    );
    if let Some(file) = &options.file {
        location.insert(
            "physicalLocation".into(),
            json!({"artifactLocation": {"uri": file_uri(file)}}),
        );
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(change.rule));
    if let Ok(index) = rules.binary_search(&change.rule.as_str()) {
        r.insert("ruleIndex".into(), json!(index));
    }
    r.insert("level".into(), json!(level));
    r.insert(
        "message".into(),
        json!({"text": format!("{} — {}", visible(&change.path), visible(&change.message))}),
    );
    r.insert("locations".into(), json!([Value::Object(location)]));
    r.insert(
        "partialFingerprints".into(),
        json!({FINGERPRINT_KEY: fingerprint(&change.rule, &change.pointer)}),
    );
    r.insert(
        "properties".into(),
        json!({
            "severity": change.severity.name(),
            "pointer": change.pointer,
            "position": change.position,
            "tags": change.tags,
        }),
    );
    Value::Object(r)
}

/// Hex SHA-256 of `rule`, a NUL, and `pointer` (NUL cannot occur in a rule id).
fn fingerprint(rule: &str, pointer: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule.as_bytes());
    hasher.update([0u8]);
    hasher.update(pointer.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A relative or absolute file path as a URI reference: `\` becomes `/`, and every byte
/// outside the unreserved set and `/` is percent-encoded (`:` too, so a relative path
/// never reads as a scheme).
fn file_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_distinguish_rule_from_pointer() {
        // printf 'a\0/b' | sha256sum
        assert_eq!(
            fingerprint("a", "/b"),
            "33ff057ba4e4e2644159a6daf95e224a806e16f0ddc18692c297a4fce5f3165a"
        );
        assert_ne!(fingerprint("ab", "/c"), fingerprint("a", "b/c"));
        assert_eq!(fingerprint("a", "/b").len(), 64);
    }

    #[test]
    fn file_paths_become_uri_references() {
        assert_eq!(file_uri("api/openapi.yaml"), "api/openapi.yaml");
        assert_eq!(file_uri("my api\\v1#.json"), "my%20api/v1%23.json");
        assert_eq!(file_uri("é"), "%C3%A9");
    }
}
