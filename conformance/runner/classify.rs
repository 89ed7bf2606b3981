//! The `diff` and `render` vector kinds: two snapshots (+ policy) → the exact list of
//! classified changes, and a report → the exact bytes of one output format.

use driftguard_core::classify::policy::Policy;
use driftguard_core::classify::{self, Report, Severity};
use driftguard_core::render::{OutputFormat, RenderOptions, render};
use driftguard_core::{
    Error, Format, Options, Snapshot, snapshot_from_bytes, snapshot_from_samples,
};
use serde_json::Value;

use crate::{VectorResult, base64};

/// The members of an expected change that are compared when present.
pub const EXPECTED_CHANGE_MEMBERS: &[&str] = &["path", "pointer", "position", "rule", "severity"];

/// What one side (`old` or `new`) denotes: the snapshot, or an error of the core.
fn snapshot_of(input: &Value, options: &Options) -> Result<Result<Snapshot, Error>, String> {
    let Some((form, value)) = input.as_object().and_then(|o| o.iter().next()) else {
        return Err("input must be an object with one member".into());
    };
    Ok(match form.as_str() {
        "json" => {
            let bytes = serde_json::to_vec(value).map_err(|e| format!("cannot serialize: {e}"))?;
            snapshot_from_bytes(&bytes, options)
        }
        "text" => {
            let text = value.as_str().ok_or("`text` must be a string")?;
            snapshot_from_bytes(text.as_bytes(), options)
        }
        "base64" => {
            let encoded = value.as_str().ok_or("`base64` must be a string")?;
            snapshot_from_bytes(&base64::decode(encoded)?, options)
        }
        "samples" => {
            let payloads = value.as_array().ok_or("`samples` must be an array")?;
            snapshot_from_samples(payloads, options)
        }
        other => return Err(format!("unknown input form {other:?}")),
    })
}

/// Runs old + new (+ policy, today) through normalize and `classify::diff`.
/// `Err(String)` is a problem with the vector itself.
fn produce_report(vector: &Value) -> Result<Result<Report, Error>, String> {
    let format = vector
        .get("format")
        .and_then(Value::as_str)
        .and_then(Format::from_name)
        .unwrap_or(Format::Auto);
    let options = Options {
        format,
        ..Options::default()
    };
    let side = |name: &str| -> Result<Result<Snapshot, Error>, String> {
        let input = vector.get(name).ok_or(format!("/{name} is required"))?;
        snapshot_of(input, &options).map_err(|m| format!("/{name}: {m}"))
    };
    let old = match side("old")? {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let new = match side("new")? {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let policy = match vector.get("policy") {
        None => Policy::default(),
        Some(p) => {
            let text = serde_json::to_string(p).map_err(|e| format!("/policy: {e}"))?;
            match Policy::from_json(&text) {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            }
        }
    };
    let today = vector.get("today").and_then(Value::as_str);
    Ok(classify::diff(&old, &new, &policy, today))
}

/// One change as the vector states it: only the members the expectation names.
fn project(change: &Value, expected: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let (Some(c), Some(e)) = (change.as_object(), expected.as_object()) {
        for key in e.keys() {
            if let Some(v) = c.get(key) {
                out.insert(key.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// `rule severity pointer` of a change, for failure messages.
fn line(change: &Value) -> String {
    let s = |k: &str| change.get(k).and_then(Value::as_str).unwrap_or("?");
    format!(
        "{} {} {} ({})",
        s("rule"),
        s("severity"),
        s("pointer"),
        s("position")
    )
}

pub(crate) fn run_diff(vector: &Value) -> VectorResult {
    let mut result = VectorResult::default();
    let expect = vector.get("expect").and_then(Value::as_object);
    let expected_error = expect.and_then(|e| e.get("error")).and_then(Value::as_str);
    let produced = match produce_report(vector) {
        Ok(p) => p,
        Err(m) => {
            result.failures.push((None, m));
            return result;
        }
    };
    if let Some(code) = expected_error {
        if !Error::CODES.contains(&code) {
            result.failures.push((
                None,
                format!("expected error code {code:?} is not a code of the core"),
            ));
        }
        match produced {
            Err(e) if e.code() == code => {}
            Err(e) => result.failures.push((
                None,
                format!("expected error {code}, got {}: {e}", e.code()),
            )),
            Ok(r) => result.failures.push((
                None,
                format!(
                    "expected error {code}, got a report with {} change(s)",
                    r.changes.len()
                ),
            )),
        }
        return result;
    }
    let report = match produced {
        Ok(r) => r,
        Err(e) => {
            result.failures.push((
                None,
                format!("expected changes, got error {}: {e}", e.code()),
            ));
            return result;
        }
    };
    let actual: Vec<Value> = match serde_json::to_value(&report.changes) {
        Ok(Value::Array(a)) => a,
        _ => {
            result
                .failures
                .push((None, "cannot serialize the report's changes".into()));
            return result;
        }
    };
    let expected: Vec<Value> = expect
        .and_then(|e| e.get("changes"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let matches = actual.len() == expected.len()
        && actual
            .iter()
            .zip(&expected)
            .all(|(a, e)| &project(a, e) == e);
    if !matches {
        let mut message = format!(
            "changes differ: expected {}, got {}\n    expected:",
            expected.len(),
            actual.len()
        );
        for e in &expected {
            message.push_str("\n      ");
            message.push_str(&line(e));
        }
        message.push_str("\n    actual:");
        for a in &actual {
            message.push_str("\n      ");
            message.push_str(&line(a));
            if let Some(p) = a.get("path").and_then(Value::as_str) {
                message.push_str(&format!("  [{p}]"));
            }
        }
        result.failures.push((None, message));
    }
    result
}

/// The render options a vector states (defaults: no colour, no file, fail on breaking,
/// an empty tool version so outputs do not depend on the crate's version).
fn render_options(vector: &Value) -> Result<RenderOptions, String> {
    let mut options = RenderOptions {
        tool_version: String::new(),
        ..RenderOptions::default()
    };
    let Some(o) = vector.get("options") else {
        return Ok(options);
    };
    if let Some(c) = o.get("color") {
        options.color = c.as_bool().ok_or("/options/color must be a boolean")?;
    }
    if let Some(f) = o.get("file") {
        options.file = match f {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => return Err("/options/file must be a string or null".into()),
        };
    }
    if let Some(t) = o.get("fail_on") {
        options.fail_on = match t.as_str() {
            Some("never") => None,
            Some(name) => Some(
                Severity::from_name(name).ok_or(format!("/options/fail_on: unknown {name:?}"))?,
            ),
            None => return Err("/options/fail_on must be a string".into()),
        };
    }
    if let Some(v) = o.get("tool_version") {
        options.tool_version = v
            .as_str()
            .ok_or("/options/tool_version must be a string")?
            .to_owned();
    }
    Ok(options)
}

pub(crate) fn run_render(vector: &Value, mode: crate::Mode) -> VectorResult {
    let mut result = VectorResult::default();
    let report: Report = match vector
        .get("report")
        .map(|r| serde_json::from_value(r.clone()))
    {
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            result
                .failures
                .push((None, format!("/report is not a report: {e}")));
            return result;
        }
        None => {
            result.failures.push((None, "/report is required".into()));
            return result;
        }
    };
    let Some(format) = vector
        .get("format")
        .and_then(Value::as_str)
        .and_then(OutputFormat::from_name)
    else {
        result
            .failures
            .push((None, "/format must name an output format".into()));
        return result;
    };
    let options = match render_options(vector) {
        Ok(o) => o,
        Err(m) => {
            result.failures.push((None, m));
            return result;
        }
    };
    let output = render(&report, format, &options);
    match vector.get("expect").and_then(|e| e.get("output")) {
        Some(Value::String(expected)) => {
            if *expected != output {
                result
                    .failures
                    .push((None, first_text_difference(expected, &output)));
            }
        }
        _ => {
            if mode == crate::Mode::Check {
                result.failures.push((
                    None,
                    "expectation is {\"output\": null}; run with DRIFTGUARD_BLESS=1 to fill it \
                     in, then read the result"
                        .into(),
                ));
            } else if let Value::Object(members) = vector {
                let mut blessed = members.clone();
                let mut expect = serde_json::Map::new();
                expect.insert("output".into(), Value::String(output));
                blessed.insert("expect".into(), Value::Object(expect));
                result.blessed = Some(Value::Object(blessed));
            }
        }
    }
    result
}

/// Where two texts first differ: the line number and both lines.
fn first_text_difference(expected: &str, actual: &str) -> String {
    let mut e = expected.split('\n');
    let mut a = actual.split('\n');
    let mut n = 1;
    loop {
        match (e.next(), a.next()) {
            (None, None) => return "output differs (only in line endings)".into(),
            (x, y) if x == y => n += 1,
            (x, y) => {
                return format!(
                    "output differs at line {n}:\n    expected: {:?}\n    actual:   {:?}",
                    x.unwrap_or("<end>"),
                    y.unwrap_or("<end>")
                );
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema_vector(expect: Value) -> Value {
        json!({
            "description": "d",
            "format": "json-schema",
            "old": {"json": {"type": "string"}},
            "new": {"json": {"type": "string", "maxLength": 3}},
            "expect": expect
        })
    }

    #[test]
    fn diff_compares_the_exact_list() {
        let change = json!({"rule": "max-length-narrowed", "severity": "breaking", "pointer": "/surface/root/maxLength"});
        let good = schema_vector(json!({"changes": [change]}));
        assert!(
            run_diff(&good).failures.is_empty(),
            "{:?}",
            run_diff(&good).failures
        );
        // Optional members are compared when present.
        let mut with_position = change.clone();
        with_position["position"] = json!("output");
        let r = run_diff(&schema_vector(json!({"changes": [with_position]})));
        assert_eq!(r.failures.len(), 1, "{:?}", r.failures);
        assert!(r.failures[0].1.contains("(input)"), "{}", r.failures[0].1);
        // A missing change, an extra one, a wrong severity: all fail.
        for expect in [
            json!({"changes": []}),
            json!({"changes": [change, change]}),
            json!({"changes": [{"rule": "max-length-narrowed", "severity": "safe", "pointer": "/surface/root/maxLength"}]}),
        ] {
            let r = run_diff(&schema_vector(expect));
            assert_eq!(r.failures.len(), 1, "{:?}", r.failures);
            assert!(r.failures[0].1.starts_with("changes differ"));
        }
        let r = run_diff(&schema_vector(json!({"error": "E_PARSE"})));
        assert!(r.failures[0].1.contains("got a report with 1 change(s)"));
    }

    #[test]
    fn diff_error_expectation() {
        let v = json!({
            "description": "d",
            "old": {"json": {"type": "string"}},
            "new": {"json": {"type": "string"}},
            "policy": {"profile": "paranoid"},
            "expect": {"error": "E_CONFIG"}
        });
        assert!(run_diff(&v).failures.is_empty());
    }

    #[test]
    fn render_blesses_only_null() {
        let report =
            serde_json::to_value(Report::new("a".into(), "b".into(), vec![], vec![])).unwrap();
        let v = json!({"description": "d", "report": report, "format": "text", "expect": {"output": null}});
        let r = run_render(&v, crate::Mode::Check);
        assert_eq!(r.failures.len(), 1);
        let r = run_render(&v, crate::Mode::Bless);
        assert!(r.failures.is_empty());
        assert_eq!(r.blessed.unwrap()["expect"]["output"], "no changes\n");
        let v = json!({"description": "d", "report": report, "format": "text", "expect": {"output": "x\n"}});
        let r = run_render(&v, crate::Mode::Bless);
        assert!(r.blessed.is_none());
        assert!(r.failures[0].1.contains("line 1"), "{:?}", r.failures);
    }
}
