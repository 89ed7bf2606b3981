//! The structural rules of a vector file — the same rules as
//! `conformance/vector.schema.json`, hand-coded so the runner needs no schema validator.
//! A test checks that the lists below and the schema file agree.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::VectorKind;

/// Members a normalize vector may have.
pub const ALLOWED_MEMBERS: &[&str] = &["description", "expect", "format", "inputs"];
/// Values of `format`.
pub const ALLOWED_FORMATS: &[&str] = &[
    "auto",
    "openapi",
    "swagger",
    "json-schema",
    "mcp",
    "samples",
    "snapshot",
    "package",
];
/// The one member of each input.
pub const ALLOWED_INPUT_FORMS: &[&str] = &["base64", "json", "samples", "text"];
/// The one member of `expect`.
pub const ALLOWED_EXPECT_MEMBERS: &[&str] = &["error", "snapshot"];
/// Members a diff vector may have.
pub const ALLOWED_DIFF_MEMBERS: &[&str] = &[
    "description",
    "expect",
    "format",
    "new",
    "old",
    "policy",
    "today",
];
/// Members a render vector may have.
pub const ALLOWED_RENDER_MEMBERS: &[&str] =
    &["description", "expect", "format", "options", "report"];
/// Members of a render vector's `options`.
pub const ALLOWED_RENDER_OPTIONS: &[&str] = &["color", "fail_on", "file", "tool_version"];
/// Output formats of a render vector.
pub const RENDER_FORMATS: &[&str] = &["text", "json", "markdown", "github", "junit", "sarif"];

/// Checks a parsed vector of `kind` against the vector format; every problem found is
/// listed (with a JSON Pointer), not just the first.
pub fn check_structure(kind: VectorKind, vector: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let Some(obj) = vector.as_object() else {
        return Err(vec!["a vector must be a JSON object".into()]);
    };
    match obj.get("description") {
        Some(Value::String(s)) if !s.trim().is_empty() && !s.contains('\n') => {}
        Some(_) => errors.push("/description must be a non-empty one-line string".into()),
        None => errors.push("/description is required".into()),
    }
    match kind {
        VectorKind::Normalize => check_normalize(obj, &mut errors),
        VectorKind::Diff => check_diff(obj, &mut errors),
        VectorKind::Render => check_render(obj, &mut errors),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_normalize(obj: &serde_json::Map<String, Value>, errors: &mut Vec<String>) {
    for key in obj.keys() {
        if !ALLOWED_MEMBERS.contains(&key.as_str()) {
            errors.push(format!(
                "unknown member {key:?} (allowed: {})",
                ALLOWED_MEMBERS.join(", ")
            ));
        }
    }
    let format = match obj.get("format") {
        None => "auto",
        Some(Value::String(f)) if ALLOWED_FORMATS.contains(&f.as_str()) => f.as_str(),
        Some(other) => {
            errors.push(format!(
                "/format must be one of {}, got {other}",
                ALLOWED_FORMATS.join(", ")
            ));
            "auto"
        }
    };
    match obj.get("inputs") {
        Some(Value::Array(inputs)) if !inputs.is_empty() => {
            for (i, input) in inputs.iter().enumerate() {
                check_input(i, input, format, errors);
            }
        }
        Some(_) => errors.push("/inputs must be a non-empty array".into()),
        None => errors.push("/inputs is required".into()),
    }
    match obj.get("expect") {
        Some(Value::Object(expect)) if expect.len() == 1 => {
            if let Some(code) = expect.get("error") {
                let ok = code.as_str().is_some_and(|c| {
                    c.len() > 2
                        && c.starts_with("E_")
                        && c.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                });
                if !ok {
                    errors.push(format!(
                        "/expect/error must be a code like \"E_PARSE\", got {code}"
                    ));
                }
            } else if let Some(snapshot) = expect.get("snapshot") {
                match snapshot {
                    Value::Null => {}
                    Value::Object(s) => {
                        if s.contains_key("source") {
                            errors.push("/expect/snapshot must not contain `source` (it is outside the digest and never compared)".into());
                        }
                        for required in ["digest", "format", "kind", "meta", "schemas", "surface"] {
                            if !s.contains_key(required) {
                                errors.push(format!("/expect/snapshot lacks `{required}`"));
                            }
                        }
                    }
                    other => errors.push(format!(
                        "/expect/snapshot must be an object or null, got {other}"
                    )),
                }
            } else {
                errors.push("/expect must have the member `snapshot` or `error`".into());
            }
        }
        Some(_) => errors.push(
            "/expect must be an object with exactly one member: `snapshot` or `error`".into(),
        ),
        None => errors.push("/expect is required".into()),
    }
}

fn unknown_members(
    obj: &serde_json::Map<String, Value>,
    allowed: &[&str],
    at: &str,
    errors: &mut Vec<String>,
) {
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.push(format!(
                "{at}: unknown member {key:?} (allowed: {})",
                allowed.join(", ")
            ));
        }
    }
}

fn check_error_code(code: &Value, errors: &mut Vec<String>) {
    let ok = code.as_str().is_some_and(|c| {
        c.len() > 2
            && c.starts_with("E_")
            && c.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    });
    if !ok {
        errors.push(format!(
            "/expect/error must be a code like \"E_PARSE\", got {code}"
        ));
    }
}

fn check_diff(obj: &serde_json::Map<String, Value>, errors: &mut Vec<String>) {
    unknown_members(obj, ALLOWED_DIFF_MEMBERS, "/", errors);
    let format = match obj.get("format") {
        None => "auto",
        Some(Value::String(f)) if ALLOWED_FORMATS.contains(&f.as_str()) => f.as_str(),
        Some(other) => {
            errors.push(format!(
                "/format must be one of {}, got {other}",
                ALLOWED_FORMATS.join(", ")
            ));
            "auto"
        }
    };
    for side in ["old", "new"] {
        match obj.get(side) {
            Some(input) => check_one_input(&format!("/{side}"), input, format, errors),
            None => errors.push(format!("/{side} is required")),
        }
    }
    if let Some(p) = obj.get("policy")
        && !p.is_object()
    {
        errors.push("/policy must be an object (the policy document as JSON)".into());
    }
    if let Some(t) = obj.get("today") {
        let ok = t.as_str().is_some_and(|t| {
            t.len() == 10
                && t.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                })
        });
        if !ok {
            errors.push(format!("/today must be a date written YYYY-MM-DD, got {t}"));
        }
    }
    match obj.get("expect") {
        Some(Value::Object(expect)) if expect.len() == 1 => {
            if let Some(code) = expect.get("error") {
                check_error_code(code, errors);
            } else if let Some(changes) = expect.get("changes") {
                match changes {
                    Value::Array(changes) => {
                        for (i, c) in changes.iter().enumerate() {
                            check_expected_change(i, c, errors);
                        }
                    }
                    other => errors.push(format!(
                        "/expect/changes must be an array of changes, got {other}"
                    )),
                }
            } else {
                errors.push("/expect must have the member `changes` or `error`".into());
            }
        }
        Some(_) => errors
            .push("/expect must be an object with exactly one member: `changes` or `error`".into()),
        None => errors.push("/expect is required".into()),
    }
}

fn check_expected_change(i: usize, change: &Value, errors: &mut Vec<String>) {
    let at = format!("/expect/changes/{i}");
    let Some(c) = change.as_object() else {
        errors.push(format!("{at} must be an object"));
        return;
    };
    unknown_members(c, crate::EXPECTED_CHANGE_MEMBERS, &at, errors);
    for required in ["pointer", "rule", "severity"] {
        if !c.contains_key(required) {
            errors.push(format!("{at} lacks `{required}`"));
        }
    }
    for (key, value) in c {
        let ok = match key.as_str() {
            "severity" => matches!(value.as_str(), Some("safe" | "dangerous" | "breaking")),
            "position" => matches!(value.as_str(), Some("input" | "output" | "surface")),
            "rule" => value.as_str().is_some_and(|r| !r.is_empty()),
            "pointer" => value
                .as_str()
                .is_some_and(|p| p.is_empty() || p.starts_with('/')),
            _ => value.is_string(),
        };
        if !ok {
            errors.push(format!("{at}/{key} has an invalid value {value}"));
        }
    }
}

fn check_render(obj: &serde_json::Map<String, Value>, errors: &mut Vec<String>) {
    unknown_members(obj, ALLOWED_RENDER_MEMBERS, "/", errors);
    match obj.get("report") {
        Some(Value::Object(_)) => {}
        Some(_) => errors.push("/report must be an object (a report document)".into()),
        None => errors.push("/report is required".into()),
    }
    match obj.get("format") {
        Some(Value::String(f)) if RENDER_FORMATS.contains(&f.as_str()) => {}
        Some(other) => errors.push(format!(
            "/format must be one of {}, got {other}",
            RENDER_FORMATS.join(", ")
        )),
        None => errors.push("/format is required".into()),
    }
    match obj.get("options") {
        None => {}
        Some(Value::Object(o)) => {
            unknown_members(o, ALLOWED_RENDER_OPTIONS, "/options", errors);
            for (key, value) in o {
                let ok = match key.as_str() {
                    "color" => value.is_boolean(),
                    "file" => value.is_null() || value.is_string(),
                    "fail_on" => matches!(
                        value.as_str(),
                        Some("breaking" | "dangerous" | "safe" | "never")
                    ),
                    _ => value.is_string(),
                };
                if !ok {
                    errors.push(format!("/options/{key} has an invalid value {value}"));
                }
            }
        }
        Some(_) => errors.push("/options must be an object".into()),
    }
    match obj.get("expect") {
        Some(Value::Object(expect)) if expect.len() == 1 => match expect.get("output") {
            Some(Value::Null | Value::String(_)) => {}
            Some(other) => errors.push(format!(
                "/expect/output must be a string or null, got {other}"
            )),
            None => errors.push("/expect must have the member `output`".into()),
        },
        Some(_) => {
            errors.push("/expect must be an object with exactly one member: `output`".into())
        }
        None => errors.push("/expect is required".into()),
    }
}

fn check_one_input(at: &str, input: &Value, format: &str, errors: &mut Vec<String>) {
    let mut inner = Vec::new();
    check_input(0, input, format, &mut inner);
    errors.extend(inner.into_iter().map(|m| m.replacen("/inputs/0", at, 1)));
}

fn check_input(i: usize, input: &Value, format: &str, errors: &mut Vec<String>) {
    let Some(obj) = input.as_object().filter(|o| o.len() == 1) else {
        errors.push(format!(
            "/inputs/{i} must be an object with exactly one member ({})",
            ALLOWED_INPUT_FORMS.join(", ")
        ));
        return;
    };
    for (form, value) in obj {
        match form.as_str() {
            "json" => {}
            "text" | "base64" if !value.is_string() => {
                errors.push(format!("/inputs/{i}/{form} must be a string"));
            }
            "text" | "base64" => {}
            "samples" if format != "samples" => {
                errors.push(format!(
                    "/inputs/{i}/samples is only allowed with \"format\": \"samples\""
                ));
            }
            // Empty is allowed: "no payloads at all" is itself a case to pin.
            "samples" if !value.is_array() => {
                errors.push(format!("/inputs/{i}/samples must be an array of payloads"));
            }
            "samples" => {}
            other => errors.push(format!(
                "/inputs/{i}: unknown input form {other:?} (allowed: {})",
                ALLOWED_INPUT_FORMS.join(", ")
            )),
        }
    }
}

/// Fails on a duplicate key anywhere in a JSON text (serde_json would keep the last
/// one silently; other languages' readers may keep the first).
pub(crate) fn reject_duplicate_keys(text: &str) -> Result<(), String> {
    serde_json::from_str::<NoDuplicates>(text)
        .map(|_| ())
        .map_err(|e| format!("not valid JSON: {e}"))
}

struct NoDuplicates;

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicatesVisitor)
    }
}

struct NoDuplicatesVisitor;

impl<'de> Visitor<'de> for NoDuplicatesVisitor {
    type Value = NoDuplicates;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicates, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicates, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate key {key:?}")));
            }
            map.next_value::<NoDuplicates>()?;
        }
        Ok(NoDuplicates)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: Value) -> Vec<String> {
        check_structure(VectorKind::Normalize, &v)
            .err()
            .unwrap_or_default()
    }

    #[test]
    fn a_good_vector_passes() {
        assert!(check(json!({"description": "d", "format": "mcp", "inputs": [{"json": {}}, {"text": "x"}, {"base64": ""}], "expect": {"snapshot": null}})).is_empty());
        assert!(check(json!({"description": "d", "format": "samples", "inputs": [{"samples": [1]}, {"samples": []}], "expect": {"error": "E_TOO_DEEP"}})).is_empty());
    }

    #[test]
    fn every_problem_is_listed() {
        let errors = check(
            json!({"description": "two\nlines", "format": "yaml", "inputs": [{"json": 1, "text": ""}, {"samples": []}, {"xml": ""}], "expect": {"error": "parse"}, "extra": 1}),
        );
        assert_eq!(errors.len(), 7, "{errors:#?}");
    }

    #[test]
    fn expectations() {
        let base =
            |expect: Value| json!({"description": "d", "inputs": [{"text": ""}], "expect": expect});
        assert_eq!(check(base(json!({}))).len(), 1);
        assert_eq!(
            check(base(json!({"snapshot": null, "error": "E_PARSE"}))).len(),
            1
        );
        assert_eq!(check(base(json!({"snapshot": {"digest": "", "format": "", "kind": "", "meta": {}, "schemas": {}, "surface": {}, "source": {}}}))).len(), 1);
        assert_eq!(check(base(json!({"snapshot": {}}))).len(), 6);
        assert_eq!(check(base(json!({"snapshot": []}))).len(), 1);
    }

    #[test]
    fn duplicate_keys_are_rejected_at_any_depth() {
        assert!(reject_duplicate_keys(r#"{"a": [{"b": 1, "c": {"b": 2}}]}"#).is_ok());
        let e = reject_duplicate_keys(r#"{"a": [{"b": 1, "b": 2}]}"#).unwrap_err();
        assert!(e.contains("duplicate key \"b\""), "{e}");
    }
}
