//! Property tests of the snapshot's invariants on generated documents:
//!
//! - the digest does not depend on object key order, nor on JSON vs YAML;
//! - normalization is idempotent: a snapshot read back as a snapshot is the same bytes,
//!   and re-normalizing a JSON Schema snapshot's canonical root (with its schema table)
//!   gives the same root and table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use driftguard_core::{Format, Options, Snapshot, snapshot_from_bytes, snapshot_from_value};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};

const CASES: u32 = 64;

fn config() -> Config {
    Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    }
}

// ------------------------------------------------------------------ serializers

/// A tiny deterministic PRNG (xorshift64*), seeded by proptest, to permute keys.
struct Shuffler(u64);

impl Shuffler {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn permute<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = usize::try_from(self.next() % (i as u64 + 1)).unwrap();
            items.swap(i, j);
        }
    }
}

/// JSON text with every object's keys in a random order (and random whitespace).
fn to_shuffled_json(v: &Value, rng: &mut Shuffler, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            rng.permute(&mut entries);
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if rng.next().is_multiple_of(3) {
                    out.push_str("\n  ");
                }
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push_str(if rng.next().is_multiple_of(2) {
                    ":"
                } else {
                    ": "
                });
                to_shuffled_json(v, rng, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                to_shuffled_json(v, rng, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Block-style YAML; every string (keys too) double-quoted with JSON escaping, which
/// YAML double-quoted scalars accept.
fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => yaml_block(v, 0, &mut out),
        Value::Array(a) if !a.is_empty() => yaml_block(v, 0, &mut out),
        scalar => {
            out.push_str(&yaml_scalar(scalar));
            out.push('\n');
        }
    }
    out
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

fn yaml_block(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.push_str(&pad);
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push(':');
                if is_block(v) {
                    out.push('\n');
                    yaml_block(v, indent + 2, out);
                } else {
                    out.push(' ');
                    out.push_str(&yaml_scalar(v));
                    out.push('\n');
                }
            }
        }
        Value::Array(a) => {
            for v in a {
                out.push_str(&pad);
                out.push('-');
                if is_block(v) {
                    out.push('\n');
                    yaml_block(v, indent + 2, out);
                } else {
                    out.push(' ');
                    out.push_str(&yaml_scalar(v));
                    out.push('\n');
                }
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&yaml_scalar(scalar));
            out.push('\n');
        }
    }
}

#[test]
fn serializers_agree_with_serde() {
    let v = json!({"b": [1, {"z": null, "a": "x\"y\\\n\u{1}é😀"}, [], {}], "a": -2.5, "c": true, "": ""});
    let mut s = String::new();
    to_shuffled_json(&v, &mut Shuffler(7), &mut s);
    assert_eq!(serde_json::from_str::<Value>(&s).unwrap(), v);
    let yaml = to_yaml(&v);
    let parsed = driftguard_core::parse::parse_text(
        yaml.as_bytes(),
        driftguard_core::parse::Syntax::Yaml,
        &driftguard_core::Limits::default(),
    )
    .unwrap();
    assert_eq!(parsed, v, "{yaml}");
}

// ------------------------------------------------------------------ generators

fn text() -> impl Strategy<Value = String> {
    // Markup, quotes, backslashes, pointer metacharacters and non-ASCII on purpose.
    proptest::string::string_regex("[a-zA-Z0-9 _<>&\"'\\\\/~é😀-]{0,8}").unwrap()
}

fn name() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-z][a-z0-9_]{0,5}").unwrap()
}

/// A typed leaf: `(type, constraints)`.
fn typed_leaf() -> impl Strategy<Value = (&'static str, Map<String, Value>)> {
    prop_oneof![
        (
            proptest::option::of(0u64..4),
            proptest::option::of(4u64..20)
        )
            .prop_map(|(min, max)| {
                let mut m = Map::new();
                if let Some(x) = min {
                    m.insert("minLength".into(), json!(x));
                }
                if let Some(x) = max {
                    m.insert("maxLength".into(), json!(x));
                }
                ("string", m)
            }),
        (
            proptest::option::of(-5i64..5),
            proptest::option::of(5i64..50)
        )
            .prop_map(|(min, max)| {
                let mut m = Map::new();
                if let Some(x) = min {
                    m.insert("minimum".into(), json!(x));
                }
                if let Some(x) = max {
                    m.insert("exclusiveMaximum".into(), json!(x));
                }
                ("integer", m)
            }),
        (
            proptest::option::of(0u32..10),
            // Any double: its shortest text must read back to the same number from
            // JSON and from YAML alike.
            proptest::option::of(proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL),
        )
            .prop_map(|(max, min)| {
                let mut m = Map::new();
                if let Some(x) = max {
                    m.insert("maximum".into(), json!(f64::from(x) + 0.5));
                }
                if let Some(x) = min.and_then(serde_json::Number::from_f64) {
                    m.insert("minimum".into(), Value::Number(x));
                }
                ("number", m)
            }),
        Just(("boolean", Map::new())),
    ]
}

/// A typed leaf in one of the four nullable spellings (or not nullable).
fn maybe_nullable_leaf() -> impl Strategy<Value = Value> {
    (typed_leaf(), 0u8..5, proptest::option::of(text())).prop_map(|((ty, mut m), spelling, d)| {
        if let Some(d) = d {
            m.insert("description".into(), json!(d));
        }
        match spelling {
            0 | 1 => {
                m.insert("type".into(), json!(ty));
                Value::Object(m)
            }
            2 => {
                m.insert("type".into(), json!([ty, "null"]));
                Value::Object(m)
            }
            3 => {
                m.insert("type".into(), json!(ty));
                json!({"anyOf": [Value::Object(m), {"type": "null"}]})
            }
            _ => {
                m.insert("type".into(), json!(ty));
                json!({"oneOf": [{"type": "null"}, Value::Object(m)]})
            }
        }
    })
}

fn leaf(refs: Vec<String>) -> BoxedStrategy<Value> {
    let enums = proptest::collection::vec(text(), 1..5).prop_map(|v| json!({"enum": v}));
    let consts = prop_oneof![
        any::<i16>().prop_map(|i| json!({"const": i})),
        text().prop_map(|s| json!({"const": s}))
    ];
    let bools = any::<bool>().prop_map(Value::Bool);
    let type_arrays = Just(json!({"type": ["string", "integer"]}));
    if refs.is_empty() {
        prop_oneof![4 => maybe_nullable_leaf(), 1 => enums, 1 => consts, 1 => bools, 1 => type_arrays]
            .boxed()
    } else {
        let r = proptest::sample::select(refs).prop_map(|r| json!({"$ref": r}));
        prop_oneof![4 => maybe_nullable_leaf(), 1 => enums, 1 => consts, 1 => bools, 1 => type_arrays, 2 => r]
            .boxed()
    }
}

fn object_of(inner: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
    (
        proptest::collection::btree_map(name(), inner, 0..4),
        proptest::collection::vec(any::<bool>(), 4),
        any::<bool>(),
    )
        .prop_map(|(props, req, closed)| {
            let required: Vec<&String> = props
                .keys()
                .zip(req)
                .filter(|(_, r)| *r)
                .map(|(k, _)| k)
                .collect();
            let mut m = Map::new();
            m.insert("type".into(), json!("object"));
            if !required.is_empty() {
                m.insert("required".into(), json!(required));
            }
            m.insert("properties".into(), json!(props));
            if closed {
                m.insert("additionalProperties".into(), json!(false));
            }
            Value::Object(m)
        })
}

fn schema(refs: Vec<String>) -> BoxedStrategy<Value> {
    leaf(refs)
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                object_of(inner.clone()),
                (inner, proptest::option::of(0u64..3)).prop_map(|(items, min)| {
                    let mut m = Map::new();
                    m.insert("type".into(), json!("array"));
                    m.insert("items".into(), items);
                    if let Some(min) = min {
                        m.insert("minItems".into(), json!(min));
                    }
                    Value::Object(m)
                }),
            ]
        })
        .boxed()
}

/// A JSON Schema document: a root plus 0–3 `$defs` referenced from anywhere below an
/// object's properties or an array's items (so every cycle has a base case).
fn json_schema_doc() -> impl Strategy<Value = Value> {
    (0usize..4).prop_flat_map(|n| {
        let refs: Vec<String> = (0..n).map(|i| format!("#/$defs/D{i}")).collect();
        let def = object_of(schema(refs.clone()));
        (
            schema(refs.clone()),
            proptest::collection::vec(def, n),
            any::<bool>(),
        )
            .prop_map(|(root, defs, with_dialect)| {
                let mut doc = match root {
                    Value::Object(m) => m,
                    // A boolean root cannot carry $defs; wrap it.
                    other => {
                        let mut m = Map::new();
                        m.insert("allOf".into(), json!([other]));
                        m
                    }
                };
                if !defs.is_empty() {
                    let defs: Map<String, Value> = defs
                        .into_iter()
                        .enumerate()
                        .map(|(i, d)| (format!("D{i}"), d))
                        .collect();
                    doc.insert("$defs".into(), Value::Object(defs));
                }
                if with_dialect {
                    doc.insert(
                        "$schema".into(),
                        json!("https://json-schema.org/draft/2020-12/schema"),
                    );
                }
                Value::Object(doc)
            })
    })
}

const PATHS: &[&str] = &["/items", "/items/{id}", "/users", "/users/{id}/orders"];
const METHODS: &[&str] = &["get", "post", "put", "delete"];

fn operation(path: &'static str, refs: Vec<String>) -> impl Strategy<Value = Value> {
    (
        proptest::option::of(name()),
        proptest::collection::btree_map(name(), (leaf(refs.clone()), any::<bool>(), 0u8..3), 0..3),
        proptest::option::of(schema(refs.clone())),
        schema(refs),
        proptest::option::of(text()),
    )
        .prop_map(move |(op_id, params, body, ok, summary)| {
            let mut parameters: Vec<Value> = params
                .into_iter()
                .map(|(n, (s, required, loc))| {
                    let loc = ["query", "header", "cookie"][usize::from(loc)];
                    json!({"name": n, "in": loc, "required": required, "schema": s})
                })
                .collect();
            if path.contains("{id}") {
                parameters.push(
                    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}),
                );
            }
            let mut op = Map::new();
            if let Some(id) = op_id {
                op.insert("operationId".into(), json!(id));
            }
            if let Some(s) = summary {
                op.insert("summary".into(), json!(s));
            }
            if !parameters.is_empty() {
                op.insert("parameters".into(), json!(parameters));
            }
            if let Some(b) = body {
                op.insert(
                    "requestBody".into(),
                    json!({"required": true, "content": {"application/json": {"schema": b}}}),
                );
            }
            op.insert(
                "responses".into(),
                json!({"200": {"description": "ok", "content": {"application/json": {"schema": ok}}},
                       "404": {"description": "not found"}}),
            );
            Value::Object(op)
        })
}

fn openapi_doc() -> impl Strategy<Value = Value> {
    (0usize..3).prop_flat_map(|n| {
        let refs: Vec<String> = (0..n).map(|i| format!("#/components/schemas/S{i}")).collect();
        let paths = proptest::sample::subsequence(PATHS.to_vec(), 1..=PATHS.len());
        let refs2 = refs.clone();
        let path_items = paths.prop_flat_map(move |paths| {
            let items: Vec<_> = paths
                .into_iter()
                .map(|p| {
                    let ops = proptest::sample::subsequence(METHODS.to_vec(), 1..=2);
                    let refs = refs2.clone();
                    ops.prop_flat_map(move |methods| {
                        let strategies: Vec<_> =
                            methods.iter().map(|_| operation(p, refs.clone())).collect();
                        (Just(methods), strategies)
                    })
                    .prop_map(move |(methods, ops)| {
                        let item: Map<String, Value> =
                            methods.into_iter().map(str::to_owned).zip(ops).collect();
                        (p.to_owned(), Value::Object(item))
                    })
                })
                .collect();
            items
        });
        let defs = proptest::collection::vec(object_of(schema(refs)), n);
        (path_items, defs).prop_map(|(items, defs)| {
            let paths: Map<String, Value> = items.into_iter().collect();
            let mut doc = json!({"openapi": "3.1.0", "info": {"title": "Generated", "version": "1.0.0"},
                                 "paths": paths});
            if !defs.is_empty() {
                let schemas: Map<String, Value> =
                    defs.into_iter().enumerate().map(|(i, d)| (format!("S{i}"), d)).collect();
                doc["components"] = json!({"schemas": schemas});
            }
            doc
        })
    })
}

// ------------------------------------------------------------------ properties

fn snapshot(bytes: &[u8], format: Format) -> Result<Snapshot, TestCaseError> {
    snapshot_from_bytes(
        bytes,
        &Options {
            format,
            ..Options::default()
        },
    )
    .map_err(|e| {
        TestCaseError::fail(format!(
            "{}: {e}\n--- input ---\n{}",
            e.code(),
            String::from_utf8_lossy(bytes)
        ))
    })
}

fn digest_is_presentation_independent(
    doc: &Value,
    seed: u64,
    format: Format,
) -> Result<(), TestCaseError> {
    let compact = serde_json::to_string(doc).unwrap();
    let base = snapshot(compact.as_bytes(), format)?;
    let mut shuffled = String::new();
    to_shuffled_json(doc, &mut Shuffler(seed | 1), &mut shuffled);
    let s = snapshot(shuffled.as_bytes(), format)?;
    prop_assert_eq!(
        s.digest(),
        base.digest(),
        "key order changed the digest:\n{}",
        shuffled
    );
    let yaml = to_yaml(doc);
    let y = snapshot(yaml.as_bytes(), format)?;
    prop_assert_eq!(
        y.digest(),
        base.digest(),
        "YAML changed the digest:\n{}",
        yaml
    );
    Ok(())
}

fn snapshot_round_trips(doc: &Value, format: Format) -> Result<Snapshot, TestCaseError> {
    let s = snapshot(serde_json::to_string(doc).unwrap().as_bytes(), format)?;
    let bytes = s.canonical_bytes().unwrap();
    let value = s.to_value().unwrap();
    let back = snapshot_from_value(
        &value,
        &Options {
            format: Format::Snapshot,
            ..Options::default()
        },
    )
    .map_err(|e| TestCaseError::fail(format!("snapshot not readable back: {e}")))?;
    prop_assert_eq!(back.digest(), s.digest());
    prop_assert_eq!(back.canonical_bytes().unwrap(), bytes.clone());
    // And through text, auto-detected, as a lock file is read.
    let text = s.to_json_pretty().unwrap();
    let again = snapshot(text.as_bytes(), Format::Auto)?;
    prop_assert_eq!(again.canonical_bytes().unwrap(), bytes);
    Ok(s)
}

fn parse(text: &str) -> Value {
    driftguard_core::parse::parse_text(
        text.as_bytes(),
        driftguard_core::parse::Syntax::Auto,
        &driftguard_core::Limits::default(),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(config())]

    /// The harness itself: both serializers must denote the generated value exactly,
    /// or the digest properties below would prove nothing.
    #[test]
    fn generated_documents_survive_both_serializers(
        schema_doc in json_schema_doc(),
        api_doc in openapi_doc(),
        seed in any::<u64>(),
    ) {
        for doc in [&schema_doc, &api_doc] {
            // The parsers write integral floats as integers; so does canonical_value.
            let expected = driftguard_core::normalize::canonical_value(doc);
            let mut shuffled = String::new();
            to_shuffled_json(doc, &mut Shuffler(seed | 1), &mut shuffled);
            prop_assert_eq!(&parse(&shuffled), &expected, "{}", shuffled);
            let yaml = to_yaml(doc);
            prop_assert_eq!(&parse(&yaml), &expected, "{}", yaml);
        }
    }

    #[test]
    fn json_schema_digest_ignores_key_order_and_syntax(doc in json_schema_doc(), seed in any::<u64>()) {
        digest_is_presentation_independent(&doc, seed, Format::JsonSchema)?;
    }

    #[test]
    fn openapi_digest_ignores_key_order_and_syntax(doc in openapi_doc(), seed in any::<u64>()) {
        digest_is_presentation_independent(&doc, seed, Format::Auto)?;
    }

    #[test]
    fn json_schema_snapshot_is_idempotent(doc in json_schema_doc()) {
        let s = snapshot_round_trips(&doc, Format::JsonSchema)?;
        // Re-normalize the canonical root, with the schema table placed back at the
        // locations its ids name, as standard JSON Schema (the one non-standard keyword
        // of the canonical dialect, `nullable`, spelled as a null type or branch): the
        // result must be the same root and table.
        let v = s.to_value().unwrap();
        let root = v["surface"]["root"].clone();
        let table = v["schemas"].as_object().cloned().unwrap_or_default();
        let rebuilt = rebuild(&root, &table)?;
        let again = snapshot(serde_json::to_string(&rebuilt).unwrap().as_bytes(), Format::JsonSchema)?;
        let av = again.to_value().unwrap();
        prop_assert_eq!(&av["surface"]["root"], &root, "root not stable; re-read:\n{}", rebuilt);
        prop_assert_eq!(&av["schemas"], &v["schemas"], "table not stable; re-read:\n{}", rebuilt);
    }

    #[test]
    fn openapi_snapshot_is_idempotent(doc in openapi_doc()) {
        snapshot_round_trips(&doc, Format::Auto)?;
    }
}

/// A JSON Schema document whose root is `root` and whose `$defs` hold the table
/// entries at the pointers their ids name (`#/$defs/D0` → `/$defs/D0`).
fn rebuild(root: &Value, table: &Map<String, Value>) -> Result<Value, TestCaseError> {
    if table.is_empty() {
        return Ok(standard(root));
    }
    let Value::Object(m) = root else {
        return Err(TestCaseError::fail("a boolean root with a schema table"));
    };
    let mut doc = match standard(&Value::Object(m.clone())) {
        Value::Object(d) => d,
        other => return Ok(other),
    };
    let mut defs: BTreeMap<String, Value> = BTreeMap::new();
    for (id, schema) in table {
        let Some(name) = id.strip_prefix("#/$defs/") else {
            return Err(TestCaseError::fail(format!("unexpected table id {id}")));
        };
        defs.insert(name.replace("~1", "/").replace("~0", "~"), standard(schema));
    }
    doc.insert("$defs".into(), json!(defs));
    Ok(Value::Object(doc))
}

/// Keywords whose value is one schema, and those whose value is a map or a list of them.
const SUBSCHEMA: &[&str] = &[
    "additionalItems",
    "additionalProperties",
    "contains",
    "contentSchema",
    "else",
    "if",
    "items",
    "not",
    "propertyNames",
    "then",
    "unevaluatedItems",
    "unevaluatedProperties",
];
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "dependentSchemas",
    "$defs",
];
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// A canonical-dialect schema as standard JSON Schema 2020-12: `nullable: true` becomes
/// a `"null"` type (when the node is only typed constraints) or an `anyOf` null branch.
fn standard(schema: &Value) -> Value {
    let Value::Object(m) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (k, v) in m {
        let v = if SUBSCHEMA.contains(&k.as_str()) {
            standard(v)
        } else if SCHEMA_MAPS.contains(&k.as_str()) {
            match v {
                Value::Object(sub) => {
                    Value::Object(sub.iter().map(|(n, s)| (n.clone(), standard(s))).collect())
                }
                other => other.clone(),
            }
        } else if SCHEMA_LISTS.contains(&k.as_str()) {
            match v {
                Value::Array(list) => Value::Array(list.iter().map(standard).collect()),
                other => other.clone(),
            }
        } else {
            v.clone()
        };
        out.insert(k.clone(), v);
    }
    if out.remove("nullable") != Some(Value::Bool(true)) {
        return Value::Object(out);
    }
    let only_typed = ["enum", "const", "$ref", "allOf", "anyOf", "oneOf", "not"]
        .iter()
        .all(|k| !out.contains_key(*k));
    match out.get_mut("type") {
        Some(Value::Array(types)) if only_typed => {
            types.push(json!("null"));
            Value::Object(out)
        }
        _ => json!({"anyOf": [Value::Object(out), {"type": "null"}]}),
    }
}
