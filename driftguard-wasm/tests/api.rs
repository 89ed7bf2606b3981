//! The binding's plain-Rust layer, on the host: outputs equal the core's CLI bytes, errors
//! carry the core's codes, options are validated, hidden characters are revealed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use driftguard_wasm::{
    DiffOptions, E_USAGE, ParseOptions, RenderOpts, diff, error_codes, read_options, render,
    reveal, rules, run_cli, snapshot, snapshot_samples,
};

const OLD: &str = r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/pets":{"get":{"parameters":[{"name":"limit","in":"query","schema":{"type":"integer"}}],"responses":{"200":{"description":"ok"}}}},"/owners":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;
const NEW: &str = r#"{"openapi":"3.0.3","info":{"title":"t","version":"2"},"paths":{"/pets":{"get":{"parameters":[{"name":"limit","in":"query","required":true,"schema":{"type":"integer"}}],"responses":{"200":{"description":"ok"}}}}}}"#;

fn files() -> BTreeMap<String, Vec<u8>> {
    let mut f = BTreeMap::new();
    f.insert("old.json".to_owned(), OLD.as_bytes().to_vec());
    f.insert("new.json".to_owned(), NEW.as_bytes().to_vec());
    f
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn snapshot_is_the_cli_output() {
    let text = snapshot(OLD.as_bytes(), &ParseOptions::default()).unwrap();
    let cli = run_cli(&args(&["snapshot", "old.json"]), &files(), None);
    assert_eq!(cli.code, 0);
    assert_eq!(text, cli.out);
    assert!(text.ends_with("}\n"));
    assert!(text.contains("\"kind\": \"openapi\""));
}

#[test]
fn diff_is_the_cli_json_output_and_render_is_the_cli_markdown() {
    let report = diff(OLD.as_bytes(), NEW.as_bytes(), &DiffOptions::default()).unwrap();
    let cli = run_cli(
        &args(&["diff", "old.json", "new.json", "--format", "json"]),
        &files(),
        None,
    );
    assert_eq!(cli.code, 1, "{}", cli.err);
    assert_eq!(report, cli.out);
    let value: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(value["summary"]["breaking"], 2, "{report}");
    let rules: Vec<&str> = value["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"operation-removed"), "{rules:?}");

    let markdown = render(report.as_bytes(), "markdown", &RenderOpts::default()).unwrap();
    let cli = run_cli(
        &args(&["diff", "old.json", "new.json", "--format", "markdown"]),
        &files(),
        None,
    );
    assert_eq!(markdown, cli.out);
    // Re-rendering the JSON report is a fixed point.
    assert_eq!(
        render(report.as_bytes(), "json", &RenderOpts::default()).unwrap(),
        report
    );
}

#[test]
fn errors_carry_the_core_code_and_location() {
    let e = snapshot(b"{\"openapi\": ", &ParseOptions::default()).unwrap_err();
    assert_eq!(e.code, "E_PARSE");
    assert!(e.location.as_ref().and_then(|l| l.line).is_some(), "{e:?}");
    assert!(e.to_string().starts_with("error[E_PARSE]: "));

    let e = snapshot(&[0xff, 0xfe, 0x00], &ParseOptions::default()).unwrap_err();
    assert_eq!(e.code, "E_ENCODING");

    let e = snapshot(b"[1, 2]", &ParseOptions::default()).unwrap_err();
    assert_eq!(e.code, "E_UNSUPPORTED_FORMAT");

    let e = diff(OLD.as_bytes(), b"", &DiffOptions::default()).unwrap_err();
    assert_eq!(e.code, "E_PARSE");

    let policy = DiffOptions {
        policy: Some(serde_json::json!("profile = \"paranoid\"\n")),
        ..DiffOptions::default()
    };
    let e = diff(OLD.as_bytes(), NEW.as_bytes(), &policy).unwrap_err();
    assert_eq!(e.code, "E_CONFIG");
}

#[test]
fn bad_options_are_usage_errors() {
    let e = read_options::<DiffOptions>(Some(r#"{"fromat": "openapi"}"#), "diff").unwrap_err();
    assert_eq!(e.code, E_USAGE);
    assert!(e.message.contains("fromat"), "{}", e.message);

    let o: ParseOptions = read_options(Some(r#"{"format": "yaml"}"#), "parse").unwrap();
    let e = snapshot(OLD.as_bytes(), &o).unwrap_err();
    assert_eq!(e.code, E_USAGE);

    let e = render(b"{}", "html", &RenderOpts::default()).unwrap_err();
    assert_eq!(e.code, E_USAGE);
    let e = render(b"{\"changes\": 3}", "text", &RenderOpts::default()).unwrap_err();
    assert_eq!(e.code, "E_INVALID");
    let e = rules("yaml").unwrap_err();
    assert_eq!(e.code, E_USAGE);

    let o = DiffOptions {
        fail_on: Some("sometimes".into()),
        ..DiffOptions::default()
    };
    assert_eq!(
        diff(OLD.as_bytes(), NEW.as_bytes(), &o).unwrap_err().code,
        E_USAGE
    );
    assert!(read_options::<DiffOptions>(None, "diff").is_ok());
    assert!(read_options::<DiffOptions>(Some("null"), "diff").is_ok());
}

#[test]
fn policy_as_toml_json_text_or_object() {
    let ignore = |policy: serde_json::Value| {
        let o = DiffOptions {
            policy: Some(policy),
            ..DiffOptions::default()
        };
        let r = diff(OLD.as_bytes(), NEW.as_bytes(), &o).unwrap();
        let v: serde_json::Value = serde_json::from_str(&r).unwrap();
        v["summary"]["breaking"].as_u64().unwrap()
    };
    let toml = "[overrides]\n\"operation-removed\" = \"safe\"\n";
    let json = r#"{"overrides": {"operation-removed": "safe"}}"#;
    assert_eq!(ignore(serde_json::json!(toml)), 1);
    assert_eq!(ignore(serde_json::json!(json)), 1);
    assert_eq!(
        ignore(serde_json::json!({"overrides": {"operation-removed": "safe"}})),
        1
    );
}

#[test]
fn samples_from_payloads() {
    let text = snapshot_samples(br#"[{"id": 1}, {"id": 2, "name": "x"}]"#).unwrap();
    assert!(text.contains("\"kind\": \"samples\""), "{text}");
    assert_eq!(snapshot_samples(b"{}").unwrap_err().code, E_USAGE);
    assert_eq!(snapshot_samples(b"[").unwrap_err().code, "E_PARSE");
}

#[test]
fn rules_match_the_cli() {
    for format in ["text", "json"] {
        let cli = run_cli(&args(&["rules", "--format", format]), &files(), None);
        assert_eq!(rules(format).unwrap(), cli.out);
    }
}

#[test]
fn cli_reports_missing_files_and_usage() {
    let o = run_cli(&args(&["diff", "a.json", "new.json"]), &files(), None);
    assert_eq!(o.code, 2);
    assert!(o.err.contains("a.json: no such file"), "{}", o.err);
    let o = run_cli(&args(&["--version"]), &files(), None);
    assert_eq!(
        o.out,
        format!("driftguard {}\n", driftguard_wasm::version())
    );
}

#[test]
fn error_codes_are_the_core_codes_plus_usage() {
    let codes = error_codes();
    assert_eq!(&codes[..codes.len() - 1], driftguard_core::Error::CODES);
    assert_eq!(codes.last(), Some(&E_USAGE));
}

#[test]
fn reveal_marks_hidden_runs_and_decodes_tags() {
    let r = reveal("Send mail.\u{200B}\u{E0048}\u{E0069} ok \\u{41} \u{1b}[31mred");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "segments": [
                {"text": "Send mail."},
                {"text": "\\u{200B}\\u{E0048}\\u{E0069}", "hidden": true, "decoded": "Hi"},
                {"text": " ok \\u{41} "},
                {"text": "\\u{1B}", "hidden": true},
                {"text": "[31mred"}
            ],
            "tags": "Hi"
        })
    );
    // Emoji joiners are not hidden; plain text is one segment.
    let r = reveal("family 👨\u{200D}👩 done");
    assert_eq!(r.segments.len(), 1);
    assert!(!r.segments[0].hidden);
    assert_eq!(r.tags, None);
    assert!(reveal("").segments.is_empty());
    // Concatenated, the segments are the core's visible() form.
    let s = "a\u{202E}b\r\nc\rd\u{2028}";
    let joined: String = reveal(s).segments.iter().map(|x| x.text.as_str()).collect();
    assert_eq!(joined, driftguard_core::classify::heuristics::visible(s));
}
