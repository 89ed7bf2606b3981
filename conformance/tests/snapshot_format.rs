//! Executable checks of `conformance/SNAPSHOT.md` and `conformance/README.md`, written
//! from the documents rather than from the core, so the prose and the code cannot drift
//! apart silently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use driftguard_conformance::{
    Mode, VectorKind, discover, read_vector_text, run_vector, vectors_dir,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// SNAPSHOT.md §2, compact layout, implemented from the text: members sorted by code
/// point, strings with exactly the listed escapes, numbers as serde_json prints them.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.chars().cmp(b.chars()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                canonical(&m[k], out);
            }
            out.push('}');
        }
    }
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// SNAPSHOT.md §3.
fn digest_of(snapshot: &Value) -> String {
    let mut without = snapshot.as_object().unwrap().clone();
    without.remove("digest");
    without.remove("source");
    let mut bytes = String::new();
    canonical(&Value::Object(without), &mut bytes);
    let hash = Sha256::digest(bytes.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn expected_snapshots() -> Vec<(String, Value)> {
    let dir = vectors_dir();
    let mut out = Vec::new();
    for rel in discover(&dir).unwrap() {
        let text = std::fs::read_to_string(dir.join(&rel)).unwrap();
        let Ok(v) = read_vector_text(&text) else {
            continue;
        };
        if let Some(s) = v.pointer("/expect/snapshot").filter(|s| s.is_object()) {
            out.push((rel.display().to_string(), s.clone()));
        }
    }
    out
}

#[test]
fn every_expected_digest_is_sha256_of_the_canonical_bytes_as_specified() {
    let snapshots = expected_snapshots();
    assert!(
        snapshots.len() >= 20,
        "only {} blessed snapshots",
        snapshots.len()
    );
    for (name, s) in snapshots {
        assert_eq!(s["digest"].as_str(), Some(digest_of(&s).as_str()), "{name}");
        // §1: exactly these members (no source in vectors), `format` version 1.
        let mut keys: Vec<&String> = s.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["digest", "format", "kind", "meta", "schemas", "surface"],
            "{name}"
        );
        assert_eq!(s["format"], "driftguard.snapshot/1", "{name}");
    }
}

#[test]
fn serialization_rules_match_the_core() {
    // A snapshot whose strings exercise every escaping rule of §2, made by the core.
    let description =
        "q\" b\\ \u{8}\u{c}\n\r\t \u{1}\u{1f}\u{7f} / <script>&</script> é \u{2028} 😀";
    let doc = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": description,
        "type": "object",
        "properties": {"b": {"type": "number", "maximum": 2.5e-7}, "a": {"const": 1e20}, "\u{e000}": true, "\u{10000}": false},
    });
    let s = driftguard_core::snapshot_from_bytes(
        doc.to_string().as_bytes(),
        &driftguard_core::Options::default(),
    )
    .unwrap();
    let value = s.to_value().unwrap();
    assert_eq!(value["digest"].as_str(), Some(digest_of(&value).as_str()));
    let mut compact = String::new();
    canonical(&value, &mut compact);
    assert_eq!(compact, s.to_json().unwrap(), "compact layout of §2");
    assert!(
        compact.contains(r#"q\" b\\ \b\f\n\r\t \u0001\u001f"#),
        "{compact}"
    );
    assert!(
        compact.contains("\u{7f} / <script>&</script> é \u{2028} 😀"),
        "{compact}"
    );
    assert!(compact.contains("\"maximum\":2.5e-7"), "{compact}");
    assert!(compact.contains("\"const\":1e+20"), "{compact}");
    // Code point order: U+E000 sorts before U+10000 (UTF-16 order would say otherwise).
    let e000 = compact.find('\u{e000}').unwrap();
    let u10000 = compact.find('\u{10000}').unwrap();
    assert!(e000 < u10000);
    // Pretty layout: two spaces, `": "`, final newline; same value.
    let pretty = s.to_json_pretty().unwrap();
    assert!(pretty.starts_with("{\n  \"digest\": \"sha256:"));
    assert!(pretty.ends_with("}\n"));
    assert_eq!(serde_json::from_str::<Value>(&pretty).unwrap(), value);
}

/// SNAPSHOT.md §2 "Numbers": the exact text of non-integer numbers. A dependency
/// upgrade that changes any of these changes digests, and must fail here first.
#[test]
fn float_text_is_pinned() {
    let cases = [
        ("0.5", "0.5"),
        ("-0.25", "-0.25"),
        ("123.456", "123.456"),
        ("1e-5", "0.00001"),
        ("0.000001", "1e-6"),
        ("2.5e-7", "2.5e-7"),
        ("1000000000000000.5", "1000000000000000.5"),
        ("1e20", "1e+20"),
        ("1.5e20", "1.5e+20"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("5e-324", "5e-324"),
        // Integral values that fit 64 bits are integers.
        ("1e19", "10000000000000000000"),
        ("-1.0", "-1"),
        ("-0.0", "0"),
    ];
    for (source, text) in cases {
        let doc = format!(r#"{{"const": {source}}}"#);
        let s = driftguard_core::snapshot_from_bytes(
            doc.as_bytes(),
            &driftguard_core::Options::default(),
        )
        .unwrap();
        let json = s.to_json().unwrap();
        let expected = format!(r#""surface":{{"root":{{"const":{text}}}}}}}"#);
        assert!(json.ends_with(&expected), "{source}: {json}");
    }
}

#[test]
fn readme_example_vector_is_valid_and_its_inputs_agree() {
    let readme =
        std::fs::read_to_string(vectors_dir().parent().unwrap().join("README.md")).unwrap();
    let start = readme.find("```json\n").unwrap() + "```json\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let vector: Value = serde_json::from_str(&readme[start..end]).unwrap();
    // Bless in memory (nothing is written): every input must succeed and agree.
    let result = run_vector(VectorKind::Normalize, &vector, Mode::Bless);
    assert!(result.failures.is_empty(), "{:?}", result.failures);
    let blessed = result.blessed.unwrap();
    assert_eq!(
        blessed["expect"]["snapshot"]["surface"]["root"]["nullable"],
        true
    );
}
