//! Hostile input battery: every case ends in the expected coded error (or a snapshot,
//! where the input is legitimate), never in a panic or a stack overflow, within seconds.
//!
//! These run in the default debug test profile on test threads with 2 MiB stacks: a
//! recursive descent over 200,000 levels would overflow there, which is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use driftguard_core::{
    Error, Format, Limits, Options, Snapshot, snapshot_from_bytes, snapshot_from_value,
};
use serde_json::{Value, json};

/// Generous for a debug build on a shared 2-core machine; hostile input must not be
/// anywhere near it.
const BUDGET: Duration = Duration::from_secs(10);

fn run(bytes: &[u8], format: Format) -> Result<Snapshot, Error> {
    run_with(
        bytes,
        Options {
            format,
            ..Options::default()
        },
    )
}

fn run_with(bytes: &[u8], options: Options) -> Result<Snapshot, Error> {
    run_within(bytes, options, BUDGET)
}

fn run_within(bytes: &[u8], options: Options, budget: Duration) -> Result<Snapshot, Error> {
    let start = Instant::now();
    let result = snapshot_from_bytes(bytes, &options);
    let elapsed = start.elapsed();
    assert!(elapsed < budget, "took {elapsed:?} (budget {budget:?})");
    result
}

#[track_caller]
fn assert_code(bytes: &[u8], format: Format, code: &str) -> Error {
    match run(bytes, format) {
        Ok(s) => panic!("expected {code}, got a snapshot {}", s.digest()),
        Err(e) => {
            assert_eq!(e.code(), code, "{e}");
            e
        }
    }
}

#[track_caller]
fn assert_snapshot(bytes: &[u8], format: Format) -> Snapshot {
    match run(bytes, format) {
        Ok(s) => s,
        Err(e) => panic!("expected a snapshot, got {}: {e}", e.code()),
    }
}

// ---------------------------------------------------------------- nesting

#[test]
fn json_arrays_nested_200k() {
    let doc = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    assert_code(doc.as_bytes(), Format::Auto, "E_TOO_DEEP");
    // Unclosed, as an attacker would send it.
    assert_code("[".repeat(200_000).as_bytes(), Format::Auto, "E_TOO_DEEP");
}

#[test]
fn json_objects_nested_200k() {
    let doc = format!("{}1{}", r#"{"a":"#.repeat(200_000), "}".repeat(200_000));
    assert_code(doc.as_bytes(), Format::Auto, "E_TOO_DEEP");
    assert_code(doc.as_bytes(), Format::JsonSchema, "E_TOO_DEEP");
    assert_code(doc.as_bytes(), Format::Openapi, "E_TOO_DEEP");
}

#[test]
fn yaml_flow_nested_200k() {
    let doc = format!("x: {}\n", "[".repeat(200_000));
    assert_code(doc.as_bytes(), Format::Auto, "E_TOO_DEEP");
    let doc = format!("x: {}1{}\n", "{a: ".repeat(200_000), "}".repeat(200_000));
    assert_code(doc.as_bytes(), Format::Auto, "E_TOO_DEEP");
}

#[test]
fn yaml_block_nested_200k() {
    let doc = format!("{}x\n", "- ".repeat(200_000));
    assert_code(doc.as_bytes(), Format::Auto, "E_TOO_DEEP");
    // Block mappings nested by indentation: the text grows quadratically with depth,
    // so 2,000 levels (4 MB) stands in for "far past the limit".
    let mut doc = String::new();
    for i in 0..2_000 {
        doc.push_str(&" ".repeat(i));
        doc.push_str("a:\n");
    }
    doc.push_str(&" ".repeat(2_000));
    doc.push_str("b: 1\n");
    assert_code(doc.as_bytes(), Format::Auto, "E_TOO_DEEP");
}

#[test]
fn json_schema_50k_levels_deep() {
    let doc = format!(
        "{}{}{}",
        r#"{"properties":{"a":"#.repeat(50_000),
        r#"{"type":"string"}"#,
        "}}".repeat(50_000)
    );
    assert_code(doc.as_bytes(), Format::Auto, "E_TOO_DEEP");
    assert_code(doc.as_bytes(), Format::JsonSchema, "E_TOO_DEEP");
}

#[test]
fn deep_value_handed_over_by_a_binding() {
    // A binding converting a native object builds the value without our parser; the
    // depth check must still apply, iteratively.
    let mut v = json!({"type": "string"});
    for _ in 0..50_000 {
        let mut props = serde_json::Map::new();
        props.insert("a".into(), v);
        let mut outer = serde_json::Map::new();
        outer.insert("properties".into(), Value::Object(props));
        v = Value::Object(outer);
    }
    let e = snapshot_from_value(&v, &Options::default()).unwrap_err();
    assert_eq!(e.code(), "E_TOO_DEEP");
    // Dropping a 100k-deep serde_json::Value recurses; do it on a big stack so the
    // test checks the core, not serde_json's Drop.
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || drop(v))
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn schema_nesting_inside_the_limit_works() {
    // 100 levels of properties = 200 levels of JSON: inside the default limit of 256.
    let doc = format!(
        "{}{}{}",
        r#"{"properties":{"a":"#.repeat(100),
        r#"{"type":"string"}"#,
        "}}".repeat(100)
    );
    let s = assert_snapshot(doc.as_bytes(), Format::JsonSchema);
    let v = s.to_value().unwrap();
    let mut node = &v["surface"]["root"];
    for _ in 0..100 {
        node = &node["properties"]["a"];
    }
    assert_eq!(node, &json!({"type": ["string"]}));
}

// ---------------------------------------------------------------- truncation and encoding

const PETSTORE: &str = r##"{
  "openapi": "3.1.0",
  "info": {"title": "Petstore", "version": "1.0.0"},
  "paths": {
    "/pets": {
      "get": {
        "operationId": "listPets",
        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
        "responses": {
          "200": {"description": "A list of pets", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}},
          "default": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      },
      "post": {
        "operationId": "createPet",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
        "responses": {"201": {"description": "Created"}}
      }
    },
    "/pets/{petId}": {
      "get": {
        "operationId": "showPetById",
        "parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "A pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}
      }
    }
  },
  "components": {
    "schemas": {
      "Pet": {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}, "tag": {"type": ["string", "null"]}}},
      "Error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}
    }
  }
}
"##;

#[test]
fn real_openapi_document_is_accepted() {
    let s = assert_snapshot(PETSTORE.as_bytes(), Format::Auto);
    let v = s.to_value().unwrap();
    assert_eq!(v["kind"], "openapi");
    let ops: Vec<&String> = v["surface"]["operations"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(ops, ["GET /pets", "GET /pets/{petId}", "POST /pets"]);
}

#[test]
fn truncated_json_document_at_many_cuts() {
    let doc = PETSTORE.trim_end();
    let mut cuts = 0;
    for cut in (1..doc.len()).step_by(13) {
        let prefix = &doc.as_bytes()[..cut];
        match run(prefix, Format::Auto) {
            Ok(_) => panic!("a strict prefix of {cut} bytes parsed as a document"),
            Err(e) => assert_eq!(e.code(), "E_PARSE", "cut at {cut}: {e}"),
        }
        cuts += 1;
    }
    assert!(cuts > 100, "{cuts}");
}

#[test]
fn truncated_yaml_document_inside_quoted_and_flow_scalars() {
    let yaml = "openapi: \"3.1.0\"\ninfo:\n  title: \"Petstore\"\n  version: \"1.0.0\"\npaths:\n  /pets:\n    get:\n      description: \"Lists all the pets in the store, paginated\"\n      parameters: [{name: limit, in: query, schema: {type: integer}}]\n      responses:\n        \"200\":\n          description: ok\n";
    for anchor in [
        "\"3.1",
        "\"Pet",
        "\"Lists all",
        "paginated",
        "[{name",
        "{type: int",
        "\"20",
    ] {
        let cut = yaml.find(anchor).unwrap() + anchor.len();
        let e = assert_code(&yaml.as_bytes()[..cut], Format::Auto, "E_PARSE");
        assert!(
            e.location().and_then(|l| l.line).is_some(),
            "parse errors carry a line: {e}"
        );
    }
    // A cut at a line boundary can be a valid, shorter YAML document; it must then be
    // judged as what it is, with a coded error or a snapshot, never a crash.
    for (i, _) in yaml.match_indices('\n') {
        if let Err(e) = run(&yaml.as_bytes()[..=i], Format::Auto) {
            assert!(Error::CODES.contains(&e.code()));
        }
    }
}

#[test]
fn invalid_utf8_anywhere() {
    let cases: [&[u8]; 6] = [
        b"\xff{\"type\": \"string\"}",
        b"{\"type\": \"string\", \"title\": \"\xc3\"}",
        b"{\"type\": \"str\x80ing\"}",
        b"type: string\ntitle: \xc0\xaf\n", // overlong encoding of '/'
        b"type: string\ntitle: \xed\xa0\x80\n", // UTF-16 surrogate
        b"openapi: 3.1.0\ninfo: {title: \xf5\x80\x80\x80}\n", // beyond U+10FFFF
    ];
    for bytes in cases {
        assert_code(bytes, Format::Auto, "E_ENCODING");
    }
    let e = run(b"{\"a\": \"ok\xff\"}", Format::Auto).unwrap_err();
    assert_eq!(e, Error::Encoding { offset: 9 });
}

#[test]
fn empty_input_for_every_format() {
    // An empty document is a parse error; for samples (JSON Lines) it is zero payloads,
    // which is invalid (pinned by conformance/vectors/normalize/samples/error-zero-samples).
    for format in [
        Format::Auto,
        Format::Openapi,
        Format::Swagger,
        Format::JsonSchema,
        Format::Mcp,
        Format::Snapshot,
        Format::Samples,
        Format::Package,
    ] {
        for bytes in [&b""[..], b"  \n\t", b"\xEF\xBB\xBF"] {
            match run(bytes, format) {
                Ok(_) => panic!("{format:?}: empty input gave a snapshot"),
                Err(e) => {
                    let expected = if format == Format::Samples {
                        "E_INVALID"
                    } else {
                        "E_PARSE"
                    };
                    assert_eq!(e.code(), expected, "{format:?} {bytes:?}: {e}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------- references

const METADATA: &str = "http://169.254.169.254/latest/meta-data/";
const PASSWD: &str = "file:///etc/passwd";

#[test]
fn external_ref_in_json_schema_is_never_fetched() {
    for r in [METADATA, PASSWD, "//169.254.169.254/x", "passwd.json#/a"] {
        let doc = json!({"$schema": "https://json-schema.org/draft/2020-12/schema",
                         "properties": {"x": {"$ref": r}}});
        let e = assert_code(doc.to_string().as_bytes(), Format::Auto, "E_REF_EXTERNAL");
        assert!(
            e.to_string().contains(r),
            "the message names the reference: {e}"
        );
        assert_eq!(
            e.location().and_then(|l| l.pointer.as_deref()),
            Some("/properties/x/$ref"),
            "{e}"
        );
    }
}

#[test]
fn external_ref_in_openapi_is_never_fetched() {
    for r in [METADATA, PASSWD] {
        let in_schema = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"$ref": r}}}}}}}}});
        assert_code(
            in_schema.to_string().as_bytes(),
            Format::Auto,
            "E_REF_EXTERNAL",
        );
        let in_parameter = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"parameters": [{"$ref": r}],
                "responses": {"200": {"description": "ok"}}}}}});
        assert_code(
            in_parameter.to_string().as_bytes(),
            Format::Auto,
            "E_REF_EXTERNAL",
        );
        let path_item = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"$ref": r}}});
        assert_code(
            path_item.to_string().as_bytes(),
            Format::Auto,
            "E_REF_EXTERNAL",
        );
    }
}

#[test]
fn external_ref_in_mcp_tool_schema_is_never_fetched() {
    let doc = json!({"tools": [{"name": "t", "inputSchema": {"type": "object",
        "properties": {"x": {"$ref": METADATA}}}}]});
    assert_code(doc.to_string().as_bytes(), Format::Auto, "E_REF_EXTERNAL");
}

#[test]
fn dangling_refs() {
    let schema = json!({"properties": {"x": {"$ref": "#/$defs/Nope"}}});
    assert_code(
        schema.to_string().as_bytes(),
        Format::JsonSchema,
        "E_REF_UNRESOLVED",
    );
    let api = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}}}}}}}});
    assert_code(api.to_string().as_bytes(), Format::Auto, "E_REF_UNRESOLVED");
    let param = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/Gone"}],
            "responses": {"200": {"description": "ok"}}}}}});
    assert_code(
        param.to_string().as_bytes(),
        Format::Auto,
        "E_REF_UNRESOLVED",
    );
}

#[test]
fn ref_cycles_without_base_case() {
    let two = json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
                     "$ref": "#/$defs/a"});
    assert_code(
        two.to_string().as_bytes(),
        Format::JsonSchema,
        "E_REF_CYCLE",
    );
    let own =
        json!({"$defs": {"a": {"$ref": "#/$defs/a"}}, "properties": {"x": {"$ref": "#/$defs/a"}}});
    assert_code(
        own.to_string().as_bytes(),
        Format::JsonSchema,
        "E_REF_CYCLE",
    );
    let api = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
        "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"},
                                   "B": {"$ref": "#/components/schemas/A"}}}});
    assert_code(api.to_string().as_bytes(), Format::Auto, "E_REF_CYCLE");
    let params = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/P"}],
            "responses": {"200": {"description": "ok"}}}}},
        "components": {"parameters": {"P": {"$ref": "#/components/parameters/Q"},
                                      "Q": {"$ref": "#/components/parameters/P"}}}});
    assert_code(params.to_string().as_bytes(), Format::Auto, "E_REF_CYCLE");
}

/// `n` schemas, each referencing itself and the next: a graph, lowered once per node.
fn ref_graph(n: usize, prefix: &str) -> serde_json::Map<String, Value> {
    let mut defs = serde_json::Map::new();
    for i in 0..n {
        let mut props = serde_json::Map::new();
        props.insert("self".into(), json!({"$ref": format!("{prefix}/s{i}")}));
        if i + 1 < n {
            props.insert(
                "next".into(),
                json!({"$ref": format!("{prefix}/s{}", i + 1)}),
            );
        }
        props.insert("value".into(), json!({"type": "integer"}));
        defs.insert(
            format!("s{i}"),
            json!({"type": "object", "properties": props}),
        );
    }
    defs
}

#[test]
fn deep_recursive_ref_graph_in_json_schema() {
    let doc = json!({"$schema": "https://json-schema.org/draft/2020-12/schema",
                     "$defs": ref_graph(1_000, "#/$defs"), "$ref": "#/$defs/s0"});
    let s = assert_snapshot(doc.to_string().as_bytes(), Format::Auto);
    assert_eq!(
        s.schemas.len(),
        1_000,
        "every schema in the table exactly once"
    );
    assert!(s.schemas.contains_key("#/$defs/s999"));
}

#[test]
fn deep_recursive_ref_graph_in_openapi() {
    let doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/s0"}}}}}}}},
        "components": {"schemas": ref_graph(1_000, "#/components/schemas")}});
    let s = assert_snapshot(doc.to_string().as_bytes(), Format::Auto);
    assert_eq!(s.schemas.len(), 1_000);
}

#[test]
fn long_ref_chain_never_overflows_the_stack() {
    // 20,000 schemas in a chain: shallow as a document, deep as a graph. Lowering must
    // not recurse once per edge on the call stack; a coded limit is acceptable, a
    // crash is not.
    let doc = json!({"$defs": ref_graph(20_000, "#/$defs"), "$ref": "#/$defs/s0"});
    match run(doc.to_string().as_bytes(), Format::JsonSchema) {
        Ok(s) => assert_eq!(s.schemas.len(), 20_000),
        Err(e) => assert!(matches!(e.code(), "E_TOO_DEEP" | "E_TOO_LARGE"), "{e}"),
    }
}

// ---------------------------------------------------------------- size

fn billion_laughs() -> String {
    let mut s =
        String::from("openapi: 3.1.0\nx-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let (prev, next) = (w[0], w[1]);
        let refs = vec![format!("*{prev}"); 9].join(", ");
        s.push_str(&format!("x-{next}: &{next} [{refs}]\n"));
    }
    s
}

#[test]
fn yaml_alias_bomb_stops_quickly() {
    let start = Instant::now();
    assert_code(billion_laughs().as_bytes(), Format::Auto, "E_TOO_LARGE");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
    // A tighter configured limit stops it earlier, with the same code.
    let options = Options {
        limits: Limits {
            max_alias_nodes: 100,
            ..Limits::default()
        },
        ..Options::default()
    };
    assert_eq!(
        run_with(billion_laughs().as_bytes(), options)
            .unwrap_err()
            .code(),
        "E_TOO_LARGE"
    );
}

#[test]
fn json_array_where_a_contract_was_expected() {
    assert_code(b"[]", Format::Auto, "E_UNSUPPORTED_FORMAT");
    assert_code(
        br#"[{"openapi": "3.1.0"}]"#,
        Format::Auto,
        "E_UNSUPPORTED_FORMAT",
    );
    assert_code(b"- openapi: 3.1.0\n", Format::Auto, "E_UNSUPPORTED_FORMAT");
}

#[test]
fn huge_string_within_limits_and_over_a_configured_limit() {
    let big = "A".repeat(50 * 1024 * 1024);
    let doc = format!(r#"{{"type": "string", "description": "{big}"}}"#);
    // Linear work on 50 MB (parse, copy, hash) in a debug build: a wider budget than
    // the hostile cases, which must fail fast.
    let options = Options {
        format: Format::JsonSchema,
        ..Options::default()
    };
    let s = run_within(doc.as_bytes(), options, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("expected a snapshot, got {}: {e}", e.code()));
    let Some(root) = s.surface_root_description_len() else {
        panic!("the root schema lost its description");
    };
    assert_eq!(root, big.len());
    let options = Options {
        format: Format::JsonSchema,
        limits: Limits {
            max_bytes: 1024 * 1024,
            ..Limits::default()
        },
        ..Options::default()
    };
    let e = run_with(doc.as_bytes(), options).unwrap_err();
    assert_eq!(e.code(), "E_TOO_LARGE");
    assert!(e.to_string().contains(&doc.len().to_string()), "{e}");
}

/// Reads the root description's length without copying 50 MB around.
trait RootDescription {
    fn surface_root_description_len(&self) -> Option<usize>;
}

impl RootDescription for Snapshot {
    fn surface_root_description_len(&self) -> Option<usize> {
        match &self.surface {
            driftguard_core::Surface::JsonSchema(s) => s
                .root
                .node()
                .and_then(|n| n.description.as_ref())
                .map(String::len),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------- markup is data

const MARKUP: &str = "<script>alert(document.cookie)</script><img src=x onerror=\"fetch('//evil')\"> &amp; </description>]]>";

#[test]
fn markup_in_openapi_descriptions_is_kept_verbatim() {
    let doc = json!({"openapi": "3.1.0",
        "info": {"title": "t", "version": "1", "description": MARKUP},
        "paths": {"/a": {"get": {"summary": MARKUP, "description": MARKUP,
            "parameters": [{"name": "q", "in": "query", "description": MARKUP,
                            "schema": {"type": "string", "description": MARKUP}}],
            "responses": {"200": {"description": MARKUP}}}}}});
    let s = assert_snapshot(doc.to_string().as_bytes(), Format::Auto);
    let v = s.to_value().unwrap();
    let op = &v["surface"]["operations"]["GET /a"];
    assert_eq!(op["summary"], MARKUP);
    assert_eq!(op["description"], MARKUP);
    assert_eq!(op["parameters"]["query"]["q"]["description"], MARKUP);
    assert_eq!(
        op["parameters"]["query"]["q"]["schema"]["description"],
        MARKUP
    );
    assert_eq!(op["responses"]["200"]["description"], MARKUP);
    // The serialized snapshot escapes only what JSON requires.
    assert!(s.to_json().unwrap().contains(&MARKUP.replace('"', "\\\"")));
}

#[test]
fn markup_in_mcp_descriptions_is_kept_verbatim() {
    let doc = json!({"tools": [{"name": "send", "description": MARKUP,
        "inputSchema": {"type": "object",
                        "properties": {"to": {"type": "string", "description": MARKUP}}}}]});
    let s = assert_snapshot(doc.to_string().as_bytes(), Format::Auto);
    let v = s.to_value().unwrap();
    let tool = &v["surface"]["tools"]["send"];
    assert_eq!(tool["description"], MARKUP);
    assert_eq!(
        tool["inputSchema"]["properties"]["to"]["description"],
        MARKUP
    );
    assert!(s.to_json().unwrap().contains(&MARKUP.replace('"', "\\\"")));
}
