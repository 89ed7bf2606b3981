//! Runs every conformance vector against the Rust core.
//!
//! `DRIFTGUARD_BLESS=1 cargo test -p driftguard-conformance` fills `{"snapshot": null}`
//! expectations; read what it wrote before committing it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use driftguard_conformance::{
    ALLOWED_DIFF_MEMBERS, ALLOWED_EXPECT_MEMBERS, ALLOWED_FORMATS, ALLOWED_INPUT_FORMS,
    ALLOWED_MEMBERS, ALLOWED_RENDER_MEMBERS, ALLOWED_RENDER_OPTIONS, EXPECTED_CHANGE_MEMBERS, Mode,
    discover, run_all, slash_path, vectors_dir,
};
use serde_json::Value;

/// The bar the vector suite must reach (DESIGN §8: a behaviour without a vector is not
/// specified).
const MIN_NORMALIZE_VECTORS: usize = 60;

#[test]
fn all_vectors_pass() {
    let mode = Mode::from_env();
    let report = run_all(&vectors_dir(), mode);
    for name in &report.blessed {
        eprintln!("blessed {name}");
    }
    for name in &report.reformatted {
        eprintln!("reformatted {name}");
    }
    if !report.blessed.is_empty() {
        eprintln!(
            "blessed {} vector(s): read every one of them before committing",
            report.blessed.len()
        );
    }
    assert!(
        !report.vectors.is_empty(),
        "no vectors found under {}",
        vectors_dir().display()
    );
    assert!(report.failures.is_empty(), "{}", report.failure_summary());
    assert_eq!(report.passed.len(), report.vectors.len());
}

#[test]
fn vector_count_meets_the_bar() {
    let report_dir = vectors_dir().join("normalize");
    let count = discover(&report_dir).unwrap().len();
    assert!(
        count >= MIN_NORMALIZE_VECTORS,
        "only {count} normalize vectors; the bar is {MIN_NORMALIZE_VECTORS}"
    );
}

#[test]
fn own_areas_have_their_vectors() {
    let count = |area: &str| {
        discover(&vectors_dir().join("normalize").join(area))
            .unwrap()
            .len()
    };
    assert!(
        count("json-schema") >= 20,
        "json-schema: {}",
        count("json-schema")
    );
    assert!(count("errors") >= 12, "errors: {}", count("errors"));
}

#[test]
fn vector_files_are_in_canonical_form() {
    // Sorted keys, two-space indentation, final newline: what blessing writes, so a
    // blessed file's diff shows only the expectation. `DRIFTGUARD_BLESS=1` rewrites
    // files into this form (in `all_vectors_pass`, the only writer).
    if Mode::from_env() == Mode::Bless {
        return;
    }
    let dir = vectors_dir();
    let mut bad = Vec::new();
    for rel in discover(&dir).unwrap() {
        let text = std::fs::read_to_string(dir.join(&rel)).unwrap();
        let Ok(value) = driftguard_conformance::read_vector_text(&text) else {
            continue; // reported by all_vectors_pass
        };
        if driftguard_conformance::vector_file_text(&value).unwrap() != text {
            bad.push(slash_path(&rel));
        }
    }
    assert!(
        bad.is_empty(),
        "{} vector file(s) not in canonical form (keys sorted, 2-space indent, final newline); \
         `DRIFTGUARD_BLESS=1 cargo test -p driftguard-conformance` rewrites them:\n  {}",
        bad.len(),
        bad.join("\n  ")
    );
}

/// The hand-coded structural rules and `vector.schema.json` must describe the same format.
#[test]
fn schema_file_agrees_with_the_runner() {
    let path = vectors_dir().parent().unwrap().join("vector.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("valid JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let refs: Vec<&str> = schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["$ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        ["#/$defs/normalize", "#/$defs/diff", "#/$defs/render"]
    );
    let defs = &schema["$defs"];
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let sorted = |s: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = s.iter().map(|x| (*x).to_owned()).collect();
        v.sort();
        v
    };
    let required = |v: &Value| -> Vec<String> {
        let mut r: Vec<String> = serde_json::from_value(v["required"].clone()).unwrap();
        r.sort();
        r
    };
    for (name, members, req) in [
        (
            "normalize",
            ALLOWED_MEMBERS,
            &["description", "expect", "inputs"][..],
        ),
        (
            "diff",
            ALLOWED_DIFF_MEMBERS,
            &["description", "expect", "new", "old"][..],
        ),
        (
            "render",
            ALLOWED_RENDER_MEMBERS,
            &["description", "expect", "format", "report"][..],
        ),
    ] {
        let def = &defs[name];
        assert_eq!(def["additionalProperties"], false, "{name}");
        assert_eq!(keys(&def["properties"]), sorted(members), "{name}");
        assert_eq!(required(def), sorted(req), "{name}");
    }
    let formats: Vec<String> = serde_json::from_value(defs["format"]["enum"].clone()).unwrap();
    assert_eq!(formats, ALLOWED_FORMATS);
    let forms: Vec<String> = defs["input"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["required"][0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        sorted(&forms.iter().map(String::as_str).collect::<Vec<_>>()),
        sorted(ALLOWED_INPUT_FORMS)
    );
    let expects: Vec<String> = defs["expect"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["required"][0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        sorted(&expects.iter().map(String::as_str).collect::<Vec<_>>()),
        sorted(ALLOWED_EXPECT_MEMBERS)
    );
    let codes: Vec<String> =
        serde_json::from_value(defs["expect"]["oneOf"][1]["properties"]["error"]["enum"].clone())
            .unwrap();
    assert_eq!(codes, driftguard_core::Error::CODES);
    let codes: Vec<String> = serde_json::from_value(defs["errorCode"]["enum"].clone()).unwrap();
    assert_eq!(codes, driftguard_core::Error::CODES);
    assert_eq!(
        keys(&defs["expectedChange"]["properties"]),
        sorted(EXPECTED_CHANGE_MEMBERS)
    );
    assert_eq!(
        keys(&defs["render"]["properties"]["options"]["properties"]),
        sorted(ALLOWED_RENDER_OPTIONS)
    );
    let render_formats: Vec<String> =
        serde_json::from_value(defs["render"]["properties"]["format"]["enum"].clone()).unwrap();
    let core_formats: Vec<&str> = driftguard_core::render::OutputFormat::ALL
        .iter()
        .map(|f| f.name())
        .collect();
    assert_eq!(render_formats, core_formats);
}
