//! Property tests of the diff engine on generated documents (JSON Schema, OpenAPI,
//! MCP capture documents):
//!
//! - `diff(a, a)` is empty, and so is the diff of a document with a key-shuffled
//!   re-spelling of itself; non-trivially (the digests differ), a part common to both
//!   sides never yields a change: only the part that differs does;
//! - swapping old and new swaps added/removed and narrowed/widened: every change of
//!   diff(a, b) whose rule is in [`PAIRS`] has its counterpart at the same path and
//!   pointer in diff(b, a). The generators are restricted to constructs where that
//!   genuinely holds (keyed structures: properties, parameters, operations, tools, enum
//!   values, bounds; no `oneOf`/`anyOf` best pairing, no tool renames);
//! - the JSON rendering is byte-identical across repeated runs and across 4 threads.
//!
//! Plus an `#[ignore]`d test on the real GitHub pair (`.bench-cache`, see
//! `scripts/bench.sh fetch`): run it in release with
//! `cargo test --release -p driftguard-core --test diff_properties -- --ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use driftguard_core::classify::policy::Policy;
use driftguard_core::classify::{Report, diff};
use driftguard_core::render::{OutputFormat, RenderOptions, render};
use driftguard_core::{Format, Options, Snapshot, snapshot_from_bytes};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

const CASES: u32 = 96;
const TODAY: &str = "2026-11-24";

fn config() -> Config {
    Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    }
}

/// The add/remove and narrow/widen pairs: a change with the left rule in diff(a, b)
/// must have one with the right rule (or, read right to left, the left rule) at the
/// same path and pointer in diff(b, a). A rule paired with itself is its own mirror.
const PAIRS: &[(&str, &str)] = &[
    // properties (the MCP engine reports a new top-level input property of an existing
    // tool as `mcp-tool-parameter-added`; its removal is a plain `property-removed`)
    ("property-added-optional", "property-removed"),
    ("property-added-required", "property-removed"),
    ("mcp-tool-parameter-added", "property-removed"),
    ("property-became-required", "property-became-optional"),
    // types and values
    ("type-narrowed", "type-widened"),
    ("type-changed", "type-changed"),
    ("nullable-added", "nullable-removed"),
    ("enum-value-added", "enum-value-removed"),
    ("enum-added", "enum-removed"),
    // bounds
    ("min-length-narrowed", "min-length-widened"),
    ("max-length-narrowed", "max-length-widened"),
    ("minimum-narrowed", "minimum-widened"),
    ("maximum-narrowed", "maximum-widened"),
    ("max-items-narrowed", "max-items-widened"),
    // OpenAPI surface
    ("operation-added", "operation-removed"),
    ("parameter-added-optional", "parameter-removed"),
    ("parameter-added-required", "parameter-removed"),
    ("parameter-became-required", "parameter-became-optional"),
    ("response-status-added", "response-status-removed"),
    // MCP surface
    ("mcp-tool-added", "mcp-tool-removed"),
    (
        "mcp-tool-description-changed",
        "mcp-tool-description-changed",
    ),
];

/// The rules that may mirror `rule`, or `None` when `rule` is not in [`PAIRS`].
fn mirrors(rule: &str) -> Option<BTreeSet<&'static str>> {
    let set: BTreeSet<&'static str> = PAIRS
        .iter()
        .filter_map(|(l, r)| {
            if *l == rule {
                Some(*r)
            } else if *r == rule {
                Some(*l)
            } else {
                None
            }
        })
        .collect();
    (!set.is_empty()).then_some(set)
}

// ------------------------------------------------------------------ generators

/// A small name pool, so that independently generated documents overlap a lot.
fn prop_name() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(vec!["id", "name", "tags", "owner"])
}

fn with_nullable(mut m: Map<String, Value>, ty: &str, nullable: bool) -> Value {
    m.insert(
        "type".into(),
        if nullable {
            json!([ty, "null"])
        } else {
            json!(ty)
        },
    );
    Value::Object(m)
}

/// A leaf from a restricted menu: keyed or ordered constraints only.
fn leaf() -> BoxedStrategy<Value> {
    let string = (
        proptest::option::of(proptest::sample::select(vec![1u64, 2])),
        proptest::option::of(proptest::sample::select(vec![5u64, 10])),
        any::<bool>(),
    )
        .prop_map(|(min, max, nullable)| {
            let mut m = Map::new();
            if let Some(x) = min {
                m.insert("minLength".into(), json!(x));
            }
            if let Some(x) = max {
                m.insert("maxLength".into(), json!(x));
            }
            with_nullable(m, "string", nullable)
        });
    let integer = (
        proptest::option::of(proptest::sample::select(vec![0i64, 1])),
        proptest::option::of(proptest::sample::select(vec![10i64, 20])),
        any::<bool>(),
    )
        .prop_map(|(min, max, nullable)| {
            let mut m = Map::new();
            if let Some(x) = min {
                m.insert("minimum".into(), json!(x));
            }
            if let Some(x) = max {
                m.insert("maximum".into(), json!(x));
            }
            with_nullable(m, "integer", nullable)
        });
    let number = any::<bool>().prop_map(|n| with_nullable(Map::new(), "number", n));
    let boolean = Just(json!({"type": "boolean"}));
    let enumeration = proptest::sample::subsequence(vec!["a", "b", "c", "d"], 1..=4)
        .prop_map(|v| json!({"type": "string", "enum": v}));
    prop_oneof![string, integer, number, boolean, enumeration].boxed()
}

/// An open object with properties from the pool (no `additionalProperties`).
fn object_of(inner: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    (
        proptest::collection::btree_map(prop_name(), inner, 0..4),
        proptest::collection::vec(any::<bool>(), 4),
    )
        .prop_map(|(props, req)| {
            let required: Vec<&str> = props
                .keys()
                .zip(req)
                .filter(|(_, r)| *r)
                .map(|(k, _)| *k)
                .collect();
            let mut m = Map::new();
            m.insert("type".into(), json!("object"));
            if !required.is_empty() {
                m.insert("required".into(), json!(required));
            }
            m.insert("properties".into(), json!(props));
            Value::Object(m)
        })
        .boxed()
}

fn schema() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(2, 12, 4, |inner| {
            prop_oneof![
                object_of(inner.clone()),
                (
                    inner,
                    proptest::option::of(proptest::sample::select(vec![3u64, 9]))
                )
                    .prop_map(|(items, max)| {
                        let mut m = Map::new();
                        m.insert("type".into(), json!("array"));
                        m.insert("items".into(), items);
                        if let Some(max) = max {
                            m.insert("maxItems".into(), json!(max));
                        }
                        Value::Object(m)
                    }),
            ]
        })
        .boxed()
}

/// A JSON Schema document: an object root.
fn json_schema_doc() -> BoxedStrategy<Value> {
    object_of(schema())
}

const PATHS: &[&str] = &["/items", "/items/{id}", "/users"];
const METHODS: &[&str] = &["get", "post", "delete"];

fn operation(path: &'static str) -> impl Strategy<Value = Value> {
    (
        proptest::collection::btree_map(
            proptest::sample::select(vec!["limit", "page", "q"]),
            (leaf(), any::<bool>()),
            0..3,
        ),
        schema(),
        any::<bool>(),
    )
        .prop_map(move |(params, ok, with_404)| {
            let mut parameters: Vec<Value> = params
                .into_iter()
                .map(|(n, (s, required))| {
                    json!({"name": n, "in": "query", "required": required, "schema": s})
                })
                .collect();
            if path.contains("{id}") {
                parameters.push(
                    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}),
                );
            }
            let mut responses = json!({"200": {"description": "ok",
                "content": {"application/json": {"schema": ok}}}});
            if with_404 {
                responses["404"] = json!({"description": "not found"});
            }
            let mut op = Map::new();
            if !parameters.is_empty() {
                op.insert("parameters".into(), json!(parameters));
            }
            op.insert("responses".into(), responses);
            Value::Object(op)
        })
}

fn openapi_doc() -> BoxedStrategy<Value> {
    let pairs: Vec<(&'static str, &'static str)> = PATHS
        .iter()
        .flat_map(|p| METHODS.iter().map(move |m| (*p, *m)))
        .collect();
    proptest::sample::subsequence(pairs, 1..=4)
        .prop_flat_map(|ops| {
            let strategies: Vec<_> = ops.iter().map(|(p, _)| operation(p)).collect();
            (Just(ops), strategies)
        })
        .prop_map(|(ops, bodies)| {
            let mut paths: Map<String, Value> = Map::new();
            for ((p, m), op) in ops.into_iter().zip(bodies) {
                let item = paths.entry(p.to_owned()).or_insert_with(|| json!({}));
                item[m] = op;
            }
            json!({"openapi": "3.1.0", "info": {"title": "Generated", "version": "1.0.0"},
                   "paths": paths})
        })
        .boxed()
}

/// OpenAPI with a shared component schema reached from several operations (a shared
/// schema's changes are reported once per location that reaches it).
fn openapi_ref_doc() -> BoxedStrategy<Value> {
    (
        object_of(schema()),
        proptest::sample::subsequence(vec!["/items", "/users", "/orders"], 1..=3),
        any::<bool>(),
    )
        .prop_map(|(shared, paths, as_array)| {
            let reference = json!({"$ref": "#/components/schemas/Shared"});
            let body = if as_array {
                json!({"type": "array", "items": reference})
            } else {
                reference
            };
            let mut items = Map::new();
            for p in paths {
                items.insert(
                    p.to_owned(),
                    json!({"get": {"responses": {"200": {"description": "ok",
                        "content": {"application/json": {"schema": body}}}}},
                        "post": {"requestBody": {"required": true,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Shared"}}}},
                        "responses": {"204": {"description": "done"}}}}),
                );
            }
            json!({"openapi": "3.1.0", "info": {"title": "Generated", "version": "1.0.0"},
                   "paths": items, "components": {"schemas": {"Shared": shared}}})
        })
        .boxed()
}

const TOOLS: &[&str] = &["read_file", "write_file", "search"];
const DESCRIPTIONS: &[&str] = &[
    "Reads a file.",
    "Reads a file from the workspace.",
    "Searches the index.",
];

fn tool(name: &'static str) -> impl Strategy<Value = Value> {
    (
        proptest::collection::btree_map(prop_name(), schema(), 0..4),
        proptest::collection::vec(any::<bool>(), 4),
        proptest::sample::select(DESCRIPTIONS.to_vec()),
    )
        .prop_map(move |(props, req, description)| {
            let mut props: Map<String, Value> =
                props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            // A property only this tool has: two tools never have equivalent schemas,
            // so a removed + added pair is never taken for a rename.
            props.insert(format!("{name}_marker"), json!({"type": "string"}));
            let mut required: Vec<String> = props
                .keys()
                .zip(req)
                .filter(|(_, r)| *r)
                .map(|(k, _)| k.clone())
                .collect();
            required.push(format!("{name}_marker"));
            json!({"name": name, "description": description,
                   "inputSchema": {"type": "object", "properties": props, "required": required}})
        })
}

fn mcp_doc() -> BoxedStrategy<Value> {
    proptest::sample::subsequence(TOOLS.to_vec(), 0..=TOOLS.len())
        .prop_flat_map(|names| names.into_iter().map(tool).collect::<Vec<_>>())
        .prop_map(|tools| {
            json!({
                "initialize": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "generated", "version": "1.0.0"}
                },
                "tools": tools
            })
        })
        .boxed()
}

/// One of the three kinds, with the format name for messages.
fn any_doc() -> BoxedStrategy<(&'static str, Value)> {
    prop_oneof![
        json_schema_doc().prop_map(|d| ("json-schema", d)),
        openapi_doc().prop_map(|d| ("openapi", d)),
        mcp_doc().prop_map(|d| ("mcp", d)),
    ]
    .boxed()
}

/// An object whose properties are all string enums: enum values added and removed
/// (independent documents rarely give one property an enum on both sides).
fn enum_doc() -> BoxedStrategy<Value> {
    proptest::collection::btree_map(
        prop_name(),
        proptest::sample::subsequence(vec!["a", "b", "c", "d"], 1..=4)
            .prop_map(|v| json!({"type": "string", "enum": v})),
        1..4,
    )
    .prop_map(|props| json!({"type": "object", "properties": props}))
    .boxed()
}

/// Two documents of the same kind, generated independently.
fn doc_pair() -> BoxedStrategy<(&'static str, Value, Value)> {
    prop_oneof![
        (json_schema_doc(), json_schema_doc()).prop_map(|(a, b)| ("json-schema", a, b)),
        (openapi_doc(), openapi_doc()).prop_map(|(a, b)| ("openapi", a, b)),
        (mcp_doc(), mcp_doc()).prop_map(|(a, b)| ("mcp", a, b)),
        (enum_doc(), enum_doc()).prop_map(|(a, b)| ("json-schema", a, b)),
        (openapi_ref_doc(), openapi_ref_doc()).prop_map(|(a, b)| ("openapi", a, b)),
    ]
    .boxed()
}

// ------------------------------------------------------------------ helpers

fn format_of(kind: &str) -> Format {
    Format::from_name(kind).unwrap()
}

fn snap(kind: &str, doc: &Value) -> Snapshot {
    let bytes = serde_json::to_vec(doc).unwrap();
    snapshot_from_bytes(
        &bytes,
        &Options {
            format: format_of(kind),
            ..Options::default()
        },
    )
    .unwrap_or_else(|e| panic!("{kind}: {e}\n{doc:#}"))
}

fn report(old: &Snapshot, new: &Snapshot) -> Report {
    diff(old, new, &Policy::default(), Some(TODAY)).unwrap()
}

/// Everything a front end does for `diff OLD NEW --format json`, from bytes.
fn rendered(kind: &str, old: &[u8], new: &[u8]) -> String {
    let options = Options {
        format: format_of(kind),
        ..Options::default()
    };
    let a = snapshot_from_bytes(old, &options).unwrap();
    let b = snapshot_from_bytes(new, &options).unwrap();
    let r = diff(&a, &b, &Policy::default(), Some(TODAY)).unwrap();
    render(&r, OutputFormat::Json, &RenderOptions::default())
}

fn summary(r: &Report) -> String {
    r.changes
        .iter()
        .map(|c| {
            format!(
                "  {} {} @ {} [{}]",
                c.rule,
                c.severity.name(),
                c.path,
                c.pointer
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Re-serializes with every object's keys reversed (serde_json keeps insertion order
/// only with `preserve_order`; build the text by hand).
fn reversed_keys(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let entries: Vec<String> = m
                .iter()
                .rev()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), reversed_keys(v)))
                .collect();
            format!("{{{}}}", entries.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(reversed_keys).collect::<Vec<_>>().join(",")
        ),
        scalar => scalar.to_string(),
    }
}

// ------------------------------------------------------------------ properties

#[test]
fn identical_documents_have_no_changes() {
    let mut runner = TestRunner::new(config());
    runner
        .run(&any_doc(), |(kind, doc)| {
            let a = snap(kind, &doc);
            let r = report(&a, &a);
            prop_assert!(r.changes.is_empty(), "{kind}:\n{}", summary(&r));
            // A different spelling of the same document: same digest, no change.
            let b = snapshot_from_bytes(
                reversed_keys(&doc).as_bytes(),
                &Options {
                    format: format_of(kind),
                    ..Options::default()
                },
            )
            .unwrap();
            prop_assert_eq!(a.digest(), b.digest());
            let r = report(&a, &b);
            prop_assert!(r.changes.is_empty(), "{kind}:\n{}", summary(&r));
            prop_assert_eq!(r.summary.breaking + r.summary.dangerous + r.summary.safe, 0);
            Ok(())
        })
        .unwrap();
}

/// Non-trivial identity (the engine skips equal digests): a common part next to a
/// part that differs. Only the differing part may show up in the report.
#[test]
fn a_common_part_yields_no_changes() {
    let mut runner = TestRunner::new(config());
    let compared = Cell::new(0usize);
    // JSON Schema: the common schema under `common`, plus `only_old` on one side.
    runner
        .run(&(schema(), leaf()), |(common, extra)| {
            let old =
                json!({"type": "object", "properties": {"common": common, "only_old": extra}});
            let new = json!({"type": "object", "properties": {"common": common}});
            let r = report(&snap("json-schema", &old), &snap("json-schema", &new));
            prop_assert!(!r.changes.is_empty());
            for c in &r.changes {
                prop_assert!(
                    c.path.contains("only_old") && !c.path.contains("common"),
                    "json-schema: change outside the differing part:\n{}",
                    summary(&r)
                );
            }
            compared.set(compared.get() + 1);
            Ok(())
        })
        .unwrap();
    // OpenAPI: the same operations, plus one more on the new side.
    let mut runner = TestRunner::new(config());
    runner
        .run(
            &(operation("/items"), operation("/users")),
            |(common, extra)| {
                let base = json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1"},
                              "paths": {"/items": {"get": common}}});
                let mut new = base.clone();
                new["paths"]["/users"] = json!({"post": extra});
                let r = report(&snap("openapi", &base), &snap("openapi", &new));
                prop_assert!(!r.changes.is_empty());
                for c in &r.changes {
                    prop_assert!(
                        c.path.starts_with("POST /users"),
                        "openapi: change outside POST /users:\n{}",
                        summary(&r)
                    );
                }
                compared.set(compared.get() + 1);
                Ok(())
            },
        )
        .unwrap();
    // MCP: the same tools, plus one more on the new side.
    let mut runner = TestRunner::new(config());
    runner
        .run(&(tool("read_file"), tool("search")), |(common, extra)| {
            let init = json!({"protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                              "serverInfo": {"name": "g", "version": "1"}});
            let old = json!({"initialize": init, "tools": [common]});
            let new = json!({"initialize": init, "tools": [common, extra]});
            let r = report(&snap("mcp", &old), &snap("mcp", &new));
            prop_assert!(!r.changes.is_empty());
            for c in &r.changes {
                prop_assert!(
                    c.path.starts_with("tool search"),
                    "mcp: change outside tool search:\n{}",
                    summary(&r)
                );
            }
            compared.set(compared.get() + 1);
            Ok(())
        })
        .unwrap();
    assert_eq!(compared.get(), 3 * CASES as usize);
}

#[test]
fn swapping_old_and_new_swaps_the_mirrored_rules() {
    let mut runner = TestRunner::new(config());
    let checked: RefCell<BTreeMap<String, usize>> = RefCell::new(BTreeMap::new());
    runner
        .run(&doc_pair(), |(kind, a, b)| {
            let (sa, sb) = (snap(kind, &a), snap(kind, &b));
            let forward = report(&sa, &sb);
            let backward = report(&sb, &sa);
            for (this, other, dir) in [
                (&forward, &backward, "diff(a,b)"),
                (&backward, &forward, "diff(b,a)"),
            ] {
                let index: BTreeSet<(&str, &str, &str)> = other
                    .changes
                    .iter()
                    .map(|c| (c.rule.as_str(), c.path.as_str(), c.pointer.as_str()))
                    .collect();
                for c in &this.changes {
                    let Some(want) = mirrors(&c.rule) else {
                        continue;
                    };
                    let found = want
                        .iter()
                        .any(|r| index.contains(&(*r, c.path.as_str(), c.pointer.as_str())));
                    prop_assert!(
                        found,
                        "{kind}: {} at {} [{}] in {dir} has no {:?} at the same place in \
                         the swapped diff\n--- a ---\n{a:#}\n--- b ---\n{b:#}\n--- diff(a,b) ---\n{}\n--- diff(b,a) ---\n{}",
                        c.rule,
                        c.path,
                        c.pointer,
                        want,
                        summary(&forward),
                        summary(&backward)
                    );
                    *checked.borrow_mut().entry(c.rule.clone()).or_default() += 1;
                }
            }
            Ok(())
        })
        .unwrap();
    // Not vacuous: the generators produce the core pairs.
    let checked = checked.into_inner();
    for rule in [
        "property-added-optional",
        "property-removed",
        "enum-value-added",
        "enum-value-removed",
        "operation-added",
        "operation-removed",
        "mcp-tool-added",
        "mcp-tool-removed",
    ] {
        assert!(
            checked.get(rule).copied().unwrap_or(0) > 0,
            "no {rule} was generated in {CASES} cases: {checked:?}"
        );
    }
}

#[test]
fn output_bytes_are_identical_across_runs_and_threads() {
    let mut runner = TestRunner::new(Config {
        cases: CASES / 2,
        ..config()
    });
    runner
        .run(&doc_pair(), |(kind, a, b)| {
            let (a, b) = (
                serde_json::to_vec(&a).unwrap(),
                serde_json::to_vec(&b).unwrap(),
            );
            let first = rendered(kind, &a, &b);
            prop_assert_eq!(&rendered(kind, &a, &b), &first);
            let outputs: Vec<String> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..4).map(|_| s.spawn(|| rendered(kind, &a, &b))).collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            for out in &outputs {
                prop_assert_eq!(out, &first);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn mirror_table_is_well_formed() {
    // Every rule of the table is in the registry, and the table is used both ways.
    let rules: BTreeSet<&str> = driftguard_core::classify::rules::all()
        .iter()
        .map(|r| r.id)
        .collect();
    for (l, r) in PAIRS {
        assert!(rules.contains(l), "{l} is not a registry rule");
        assert!(rules.contains(r), "{r} is not a registry rule");
        assert!(mirrors(l).unwrap().contains(r));
        assert!(mirrors(r).unwrap().contains(l));
    }
    assert_eq!(mirrors("description-changed"), None);
}

// ------------------------------------------------------------------ real data

fn github_file(version: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../.bench-cache/{version}/package/generated/api.github.com.json"
    ))
}

/// The GitHub REST pair (18.2.0 → 23.0.2, 11 MB → 13 MB): the report is the same bytes
/// on two runs, and on a thread of its own. Needs `scripts/bench.sh fetch`; run with
/// `cargo test --release -p driftguard-core --test diff_properties -- --ignored`.
#[test]
#[ignore = "needs .bench-cache (scripts/bench.sh fetch); run in release"]
fn github_rest_pair_is_deterministic() {
    let (old, new) = (github_file("18.2.0"), github_file("23.0.2"));
    let read = |p: &std::path::Path| {
        std::fs::read(p)
            .unwrap_or_else(|e| panic!("{}: {e} (run scripts/bench.sh fetch first)", p.display()))
    };
    let (a, b) = (read(&old), read(&new));
    let first = rendered("openapi", &a, &b);
    let second = rendered("openapi", &a, &b);
    assert!(first == second, "two runs gave different bytes");
    let third = std::thread::scope(|s| s.spawn(|| rendered("openapi", &a, &b)).join().unwrap());
    assert!(
        first == third,
        "a run on another thread gave different bytes"
    );
    let v: Value = serde_json::from_str(&first).unwrap();
    let changes = v["changes"].as_array().unwrap();
    assert!(changes.len() > 1000, "only {} changes", changes.len());
    assert!(
        changes.iter().any(|c| c["rule"] == "operation-removed"),
        "no operation-removed between 18.2.0 and 23.0.2"
    );
}
