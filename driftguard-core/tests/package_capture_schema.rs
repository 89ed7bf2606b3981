//! The package capture documents of the conformance vectors agree with
//! `conformance/package-capture.schema.json`: every input of a vector that expects a
//! snapshot or changes is valid, and the structural error vectors are invalid (the
//! text-hash check is beyond a schema).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use serde_json::Value;

fn conformance() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("conformance")
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(conformance().join("package-capture.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn vectors(kind: &str) -> Vec<(String, Value)> {
    let dir = conformance().join("vectors").join(kind).join("package");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn vector_captures_agree_with_the_schema() {
    let v = validator();
    let mut checked = 0;
    for (name, vector) in vectors("diff") {
        for side in ["old", "new"] {
            let doc = &vector[side]["json"];
            let errors: Vec<String> = v.iter_errors(doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{name} {side}: {errors:?}");
            checked += 1;
        }
    }
    for (name, vector) in vectors("normalize") {
        let is_error = vector["expect"].get("error").is_some();
        for input in vector["inputs"].as_array().unwrap() {
            let doc = &input["json"];
            let valid = v.is_valid(doc);
            if !is_error {
                assert!(
                    valid,
                    "{name}: {:?}",
                    v.iter_errors(doc)
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                );
            } else if name != "error-text-does-not-match-hash.json" {
                assert!(!valid, "{name} should violate the schema");
            }
            checked += 1;
        }
    }
    assert!(checked >= 60, "{checked}");
}
