//! Surface comparison tests: two small OpenAPI documents → the exact changes.

use serde_json::{Value, json};

use super::*;
use crate::classify::policy::Policy;
use crate::classify::{Change, Profile, Severity};
use crate::normalize::{Options, snapshot_from_bytes};
use crate::snapshot::Snapshot;
use crate::surface::Surface;

fn snap(doc: &Value) -> Snapshot {
    snapshot_from_bytes(&serde_json::to_vec(doc).unwrap(), &Options::default()).unwrap()
}

/// An OpenAPI 3.1 document with these paths (and optional extra top-level keys).
fn doc(paths: Value) -> Value {
    json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1.0.0"}, "paths": paths})
}

fn with(mut d: Value, key: &str, value: Value) -> Value {
    d.as_object_mut().unwrap().insert(key.to_owned(), value);
    d
}

/// Diffs two documents; every pointer must resolve in the new or the old snapshot.
fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let (a, b) = (snap(old), snap(new));
    let report = crate::classify::diff(&a, &b, &Policy::default(), Some("2026-11-24")).unwrap();
    let (ja, jb) = (a.to_value().unwrap(), b.to_value().unwrap());
    for c in &report.changes {
        assert!(
            jb.pointer(&c.pointer).is_some() || ja.pointer(&c.pointer).is_some(),
            "pointer {} of {} resolves in neither snapshot",
            c.pointer,
            c.rule
        );
        assert!(!c.message.contains('\n'), "{}", c.message);
    }
    report.changes
}

fn triples(changes: &[Change]) -> Vec<(&str, &str, &str)> {
    changes
        .iter()
        .map(|c| (c.rule.as_str(), c.pointer.as_str(), c.path.as_str()))
        .collect()
}

/// `(rule, path, severity)` of the changes whose severity is decided by the surface
/// comparator (conditional rules and mirrored rules), not by the registry.
fn severities(changes: &[Change]) -> Vec<(&str, &str, Severity)> {
    changes
        .iter()
        .filter(|c| decided_here(c))
        .map(|c| (c.rule.as_str(), c.path.as_str(), c.severity))
        .collect()
}

fn decided_here(c: &Change) -> bool {
    const RULES: &[&str] = &[
        "operation-removed",
        "webhook-removed",
        "extension-changed",
        "dialect-changed",
        "security-requirement-added",
        "security-requirement-removed",
        "security-scope-added",
        "security-scope-removed",
        "security-scheme-changed",
        "response-status-added",
        "response-status-removed",
        "response-header-removed",
        "response-header-became-optional",
        "response-header-became-required",
    ];
    let inverted = c.path.starts_with("webhook") || c.path.contains("callback");
    let flags = c.rule == "parameter-style-changed"
        && (c.pointer.ends_with("/allowEmptyValue") || c.pointer.ends_with("/allowReserved"));
    RULES.contains(&c.rule.as_str()) || inverted || flags
}

/// The change with this rule and path.
fn find<'c>(changes: &'c [Change], rule: &str, path: &str) -> &'c Change {
    changes
        .iter()
        .find(|c| c.rule == rule && c.path == path)
        .unwrap_or_else(|| panic!("no {rule} at {path}"))
}

#[test]
fn operations() {
    let old = doc(json!({
        "/pets": {
            "get": {"operationId": "listPets", "tags": ["pets", "zoo"], "summary": "List",
                    "x-internal": true, "responses": {}},
            "post": {"deprecated": true, "x-sunset": "2026-01-01", "responses": {}}},
        "/pets/{id}": {"delete": {"deprecated": true, "x-sunset": "2027-01-01",
            "parameters": [{"name": "id", "in": "path", "required": true}], "responses": {}}},
        "/legacy": {"get": {"responses": {}}},
        "/old": {"get": {"deprecated": true, "responses": {}}}
    }));
    let new = doc(json!({
        "/pets": {"get": {"operationId": "getPets", "tags": ["animals", "zoo"],
            "summary": "List pets", "deprecated": true, "x-sunset": "2027-06-01",
            "responses": {}}},
        "/owners": {"get": {"responses": {}}}
    }));
    let c = changes(&old, &new);
    assert_eq!(
        triples(&c),
        vec![
            (
                "operation-removed",
                "/surface/operations/DELETE ~1pets~1{id}",
                "DELETE /pets/{id}"
            ),
            (
                "operation-removed",
                "/surface/operations/GET ~1legacy",
                "GET /legacy"
            ),
            (
                "operation-removed",
                "/surface/operations/GET ~1old",
                "GET /old"
            ),
            (
                "operation-added",
                "/surface/operations/GET ~1owners",
                "GET /owners"
            ),
            (
                "operation-deprecated",
                "/surface/operations/GET ~1pets/deprecated",
                "GET /pets"
            ),
            (
                "operation-id-changed",
                "/surface/operations/GET ~1pets/operationId",
                "GET /pets › operationId"
            ),
            (
                "description-changed",
                "/surface/operations/GET ~1pets/summary",
                "GET /pets › summary"
            ),
            (
                "tag-changed",
                "/surface/operations/GET ~1pets/tags",
                "GET /pets › tags"
            ),
            (
                "extension-changed",
                "/surface/operations/GET ~1pets/extensions/x-internal",
                "GET /pets › x-internal"
            ),
            (
                "extension-changed",
                "/surface/operations/GET ~1pets/sunset",
                "GET /pets › x-sunset"
            ),
            (
                "operation-removed",
                "/surface/operations/POST ~1pets",
                "POST /pets"
            ),
        ]
    );
    assert_eq!(
        severities(&c),
        vec![
            ("operation-removed", "DELETE /pets/{id}", Breaking),
            ("operation-removed", "GET /legacy", Breaking),
            ("operation-removed", "GET /old", Breaking),
            ("extension-changed", "GET /pets › x-internal", Safe),
            ("extension-changed", "GET /pets › x-sunset", Safe),
            ("operation-removed", "POST /pets", Dangerous),
        ]
    );
}

fn op(body: Value) -> Value {
    doc(json!({"/pets": {"get": body}}))
}

#[test]
fn parameters() {
    let old = op(json!({
        "parameters": [
            {"name": "limit", "in": "query"},
            {"name": "sort", "in": "query", "required": true},
            {"name": "page", "in": "query"},
            {"name": "trace", "in": "query", "required": true},
            {"name": "token", "in": "query", "schema": {"type": "string"}},
            {"name": "ids", "in": "query", "style": "form"},
            {"name": "tags", "in": "query", "explode": true},
            {"name": "q", "in": "query", "allowReserved": true},
            {"name": "f", "in": "query"},
            {"name": "old", "in": "header", "deprecated": true, "description": "x"}
        ],
        "responses": {}}));
    let new = op(json!({
        "parameters": [
            {"name": "limit", "in": "query", "required": true},
            {"name": "sort", "in": "query"},
            {"name": "X-Token", "in": "header", "schema": {"type": "string"}},
            {"name": "ids", "in": "query", "style": "pipeDelimited"},
            {"name": "tags", "in": "query", "explode": false},
            {"name": "q", "in": "query"},
            {"name": "f", "in": "query", "allowEmptyValue": true, "deprecated": true},
            {"name": "old", "in": "header"},
            {"name": "region", "in": "header", "required": true},
            {"name": "lang", "in": "cookie"},
            {"name": "page", "in": "path", "required": true}
        ],
        "responses": {}}));
    let c = changes(&old, &new);
    assert_eq!(
        triples(&c),
        vec![
            (
                "parameter-added-optional",
                "/surface/operations/GET ~1pets/parameters/cookie/lang",
                "GET /pets › cookie lang"
            ),
            (
                "deprecated-removed",
                "/surface/operations/GET ~1pets/parameters/header/old/deprecated",
                "GET /pets › header old"
            ),
            (
                "description-changed",
                "/surface/operations/GET ~1pets/parameters/header/old/description",
                "GET /pets › header old"
            ),
            (
                "parameter-added-required",
                "/surface/operations/GET ~1pets/parameters/header/region",
                "GET /pets › header region"
            ),
            (
                "parameter-added-optional",
                "/surface/operations/GET ~1pets/parameters/header/x-token",
                "GET /pets › header x-token"
            ),
            (
                "parameter-location-changed",
                "/surface/operations/GET ~1pets/parameters/path/page",
                "GET /pets › path page"
            ),
            (
                "deprecated-added",
                "/surface/operations/GET ~1pets/parameters/query/f/deprecated",
                "GET /pets › query f"
            ),
            (
                "parameter-style-changed",
                "/surface/operations/GET ~1pets/parameters/query/f/allowEmptyValue",
                "GET /pets › query f"
            ),
            (
                "parameter-explode-changed",
                "/surface/operations/GET ~1pets/parameters/query/ids/explode",
                "GET /pets › query ids"
            ),
            (
                "parameter-style-changed",
                "/surface/operations/GET ~1pets/parameters/query/ids/style",
                "GET /pets › query ids"
            ),
            (
                "parameter-became-required",
                "/surface/operations/GET ~1pets/parameters/query/limit/required",
                "GET /pets › query limit"
            ),
            (
                "parameter-style-changed",
                "/surface/operations/GET ~1pets/parameters/query/q/allowReserved",
                "GET /pets › query q"
            ),
            (
                "parameter-became-optional",
                "/surface/operations/GET ~1pets/parameters/query/sort/required",
                "GET /pets › query sort"
            ),
            (
                "parameter-explode-changed",
                "/surface/operations/GET ~1pets/parameters/query/tags/explode",
                "GET /pets › query tags"
            ),
            (
                "parameter-removed",
                "/surface/operations/GET ~1pets/parameters/query/token",
                "GET /pets › query token"
            ),
            (
                "parameter-removed",
                "/surface/operations/GET ~1pets/parameters/query/trace",
                "GET /pets › query trace"
            ),
        ]
    );
    assert_eq!(
        severities(&c),
        vec![
            ("parameter-style-changed", "GET /pets › query f", Safe),
            ("parameter-style-changed", "GET /pets › query q", Breaking),
        ]
    );
}

#[test]
fn request_bodies() {
    let body = |required: bool, types: &[&str]| {
        let content: serde_json::Map<String, Value> = types
            .iter()
            .map(|t| ((*t).to_owned(), json!({"schema": {"type": "object"}})))
            .collect();
        json!({"required": required, "content": content})
    };
    let old = doc(json!({
        "/a": {"post": {"requestBody": body(true, &["application/json"]), "responses": {}},
               "put": {"requestBody": body(false, &["application/json", "text/plain"]),
                       "responses": {}},
               "patch": {"requestBody": body(true, &["application/json"]), "responses": {}},
               "delete": {"responses": {}},
               "get": {"responses": {}}}
    }));
    let new = doc(json!({
        "/a": {"post": {"requestBody": body(false, &["application/json", "application/xml"]),
                        "responses": {}},
               "put": {"requestBody": body(true, &["application/json"]), "responses": {}},
               "patch": {"responses": {}},
               "delete": {"requestBody": body(true, &["application/json"]), "responses": {}},
               "get": {"requestBody": body(false, &["application/json"]), "responses": {}}}
    }));
    let c = changes(&old, &new);
    assert_eq!(
        triples(&c),
        vec![
            (
                "request-body-added-required",
                "/surface/operations/DELETE ~1a/requestBody",
                "DELETE /a › request body"
            ),
            (
                "request-body-added-optional",
                "/surface/operations/GET ~1a/requestBody",
                "GET /a › request body"
            ),
            (
                "request-body-removed",
                "/surface/operations/PATCH ~1a/requestBody",
                "PATCH /a › request body"
            ),
            (
                "request-body-became-optional",
                "/surface/operations/POST ~1a/requestBody/required",
                "POST /a › request body"
            ),
            (
                "request-media-type-added",
                "/surface/operations/POST ~1a/requestBody/content/application~1xml",
                "POST /a › request body › application/xml"
            ),
            (
                "request-body-became-required",
                "/surface/operations/PUT ~1a/requestBody/required",
                "PUT /a › request body"
            ),
            (
                "request-media-type-removed",
                "/surface/operations/PUT ~1a/requestBody/content/text~1plain",
                "PUT /a › request body › text/plain"
            ),
        ]
    );
}

#[test]
fn responses() {
    let json_body = json!({"application/json": {"schema": {"type": "object"}}});
    let old = op(json!({"responses": {
        "200": {"description": "ok", "content": json_body,
                "headers": {"X-Rate": {"required": true, "schema": {"type": "integer"}},
                            "X-Gone": {"required": true},
                            "X-Maybe": {},
                            "X-Opt": {"required": true}}},
        "201": {"description": "created"},
        "404": {"description": "missing"},
        "2XX": {"description": "other success"}
    }}));
    let new = op(json!({"responses": {
        "200": {"description": "fine", "content": {"text/plain": {}},
                "headers": {"X-Rate": {"required": true, "schema": {"type": "integer"}},
                            "X-Opt": {},
                            "X-New": {"required": true}}},
        "400": {"description": "bad"},
        "5XX": {"description": "boom"},
        "202": {"description": "accepted"},
        "default": {"description": "other"}
    }}));
    let c = changes(&old, &new);
    assert_eq!(
        triples(&c),
        vec![
            (
                "description-changed",
                "/surface/operations/GET ~1pets/responses/200/description",
                "GET /pets › response 200"
            ),
            (
                "response-media-type-removed",
                "/surface/operations/GET ~1pets/responses/200/content/application~1json",
                "GET /pets › response 200 › application/json"
            ),
            (
                "response-header-removed",
                "/surface/operations/GET ~1pets/responses/200/headers/x-gone",
                "GET /pets › response 200 › header x-gone"
            ),
            (
                "response-header-removed",
                "/surface/operations/GET ~1pets/responses/200/headers/x-maybe",
                "GET /pets › response 200 › header x-maybe"
            ),
            (
                "response-header-added",
                "/surface/operations/GET ~1pets/responses/200/headers/x-new",
                "GET /pets › response 200 › header x-new"
            ),
            (
                "response-header-became-optional",
                "/surface/operations/GET ~1pets/responses/200/headers/x-opt/required",
                "GET /pets › response 200 › header x-opt"
            ),
            (
                "response-media-type-added",
                "/surface/operations/GET ~1pets/responses/200/content/text~1plain",
                "GET /pets › response 200 › text/plain"
            ),
            (
                "response-status-removed",
                "/surface/operations/GET ~1pets/responses/201",
                "GET /pets › response 201"
            ),
            (
                "response-status-added",
                "/surface/operations/GET ~1pets/responses/202",
                "GET /pets › response 202"
            ),
            (
                "response-status-removed",
                "/surface/operations/GET ~1pets/responses/2XX",
                "GET /pets › response 2XX"
            ),
            (
                "response-status-added",
                "/surface/operations/GET ~1pets/responses/400",
                "GET /pets › response 400"
            ),
            (
                "response-status-removed",
                "/surface/operations/GET ~1pets/responses/404",
                "GET /pets › response 404"
            ),
            (
                "response-status-added",
                "/surface/operations/GET ~1pets/responses/5XX",
                "GET /pets › response 5XX"
            ),
            (
                "response-status-added",
                "/surface/operations/GET ~1pets/responses/default",
                "GET /pets › response default"
            ),
        ]
    );
    assert_eq!(
        severities(&c),
        vec![
            (
                "response-header-removed",
                "GET /pets › response 200 › header x-gone",
                Breaking
            ),
            (
                "response-header-removed",
                "GET /pets › response 200 › header x-maybe",
                Dangerous
            ),
            (
                "response-header-became-optional",
                "GET /pets › response 200 › header x-opt",
                Breaking
            ),
            (
                "response-status-removed",
                "GET /pets › response 201",
                Breaking
            ),
            ("response-status-added", "GET /pets › response 202", Safe),
            (
                "response-status-removed",
                "GET /pets › response 2XX",
                Breaking
            ),
            (
                "response-status-added",
                "GET /pets › response 400",
                Dangerous
            ),
            ("response-status-removed", "GET /pets › response 404", Safe),
            (
                "response-status-added",
                "GET /pets › response 5XX",
                Dangerous
            ),
            (
                "response-status-added",
                "GET /pets › response default",
                Safe
            ),
        ]
    );
}

#[test]
fn security() {
    let schemes = json!({"securitySchemes": {
        "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
        "oauth": {"type": "oauth2", "flows": {}},
        "basic": {"type": "http", "scheme": "basic", "description": "old"},
        "unused": {"type": "http", "scheme": "bearer"}
    }});
    let new_schemes = json!({"securitySchemes": {
        "key": {"type": "apiKey", "in": "query", "name": "key"},
        "oauth": {"type": "oauth2", "flows": {}},
        "basic": {"type": "http", "scheme": "basic", "description": "new"},
        "spare": {"type": "http", "scheme": "bearer"}
    }});
    let ops = |sec: [Value; 6]| {
        let [a, b, c, d, e, f] = sec;
        json!({"/a": {"get": {"security": a, "responses": {}},
                      "put": {"security": b, "responses": {}},
                      "post": {"security": c, "responses": {}},
                      "delete": {"security": d, "responses": {}},
                      "patch": {"security": e, "responses": {}},
                      "head": {"security": f, "responses": {}}}})
    };
    let old = with(
        doc(ops([
            json!([]),
            json!([{"key": []}]),
            json!([{"key": []}]),
            json!([{"key": []}, {"basic": []}]),
            json!([{"oauth": ["read"]}]),
            json!([]),
        ])),
        "components",
        schemes,
    );
    let new = with(
        doc(ops([
            json!([{"key": []}]),
            json!([]),
            json!([{"key": []}, {"basic": []}]),
            json!([{"key": []}]),
            json!([{"oauth": ["admin", "write"]}]),
            json!([{}, {"key": []}]),
        ])),
        "components",
        new_schemes,
    );
    let c = changes(&old, &new);
    assert_eq!(
        triples(&c),
        vec![
            (
                "security-requirement-removed",
                "/surface/operations/DELETE ~1a/security/0",
                "DELETE /a › security"
            ),
            (
                "security-requirement-added",
                "/surface/operations/GET ~1a/security",
                "GET /a › security"
            ),
            (
                "security-requirement-added",
                "/surface/operations/HEAD ~1a/security",
                "HEAD /a › security"
            ),
            (
                "security-scope-added",
                "/surface/operations/PATCH ~1a/security/0/oauth",
                "PATCH /a › security › oauth"
            ),
            (
                "security-scope-removed",
                "/surface/operations/PATCH ~1a/security/0/oauth",
                "PATCH /a › security › oauth"
            ),
            (
                "security-requirement-added",
                "/surface/operations/POST ~1a/security/0",
                "POST /a › security"
            ),
            (
                "security-requirement-removed",
                "/surface/operations/PUT ~1a/security",
                "PUT /a › security"
            ),
            (
                "description-changed",
                "/surface/securitySchemes/basic/description",
                "security scheme basic"
            ),
            (
                "security-scheme-changed",
                "/surface/securitySchemes/key",
                "security scheme key"
            ),
            (
                "security-scheme-changed",
                "/surface/securitySchemes/spare",
                "security scheme spare"
            ),
            (
                "security-scheme-changed",
                "/surface/securitySchemes/unused",
                "security scheme unused"
            ),
        ]
    );
    assert_eq!(
        severities(&c),
        vec![
            (
                "security-requirement-removed",
                "DELETE /a › security",
                Breaking
            ),
            ("security-requirement-added", "GET /a › security", Breaking),
            (
                "security-requirement-added",
                "HEAD /a › security",
                Dangerous
            ),
            (
                "security-scope-added",
                "PATCH /a › security › oauth",
                Breaking
            ),
            (
                "security-scope-removed",
                "PATCH /a › security › oauth",
                Dangerous
            ),
            (
                "security-requirement-added",
                "POST /a › security",
                Dangerous
            ),
            (
                "security-requirement-removed",
                "PUT /a › security",
                Dangerous
            ),
            ("security-scheme-changed", "security scheme key", Breaking),
            ("security-scheme-changed", "security scheme spare", Safe),
            ("security-scheme-changed", "security scheme unused", Safe),
        ]
    );
}

#[test]
fn servers_meta_and_version() {
    let old = with(
        with(
            op(json!({"servers": [{"url": "https://a.example"}], "responses": {}})),
            "servers",
            json!([{"url": "https://api.example", "description": "prod"}]),
        ),
        "info",
        json!({"title": "T", "version": "1.0.0"}),
    );
    let new = with(
        with(
            op(json!({"servers": [{"url": "https://b.example"}], "responses": {}})),
            "servers",
            json!([{"url": "https://api.example", "description": "production"}]),
        ),
        "info",
        json!({"title": "T", "version": "1.1.0"}),
    );
    let c = changes(&old, &new);
    assert_eq!(
        triples(&c),
        vec![
            (
                "server-url-changed",
                "/surface/operations/GET ~1pets/servers",
                "GET /pets › servers"
            ),
            ("api-version-changed", "/meta/version", "info › version"),
            ("description-changed", "/surface/servers", "servers"),
        ]
    );
}

#[test]
fn webhooks_and_callbacks() {
    let hook = |extra: Value| {
        let mut base = json!({"requestBody": {"required": true,
            "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "ok"}}});
        for (k, v) in extra.as_object().unwrap() {
            base.as_object_mut().unwrap().insert(k.clone(), v.clone());
        }
        base
    };
    let cb = |ops: Value| json!({"onEvent": {"{$request.body#/url}": ops}});
    let old = with(
        op(json!({"callbacks": cb(json!({
            "post": {"parameters": [{"name": "sig", "in": "header"}], "responses": {}},
            "put": {"responses": {}}})), "responses": {}})),
        "webhooks",
        json!({"newPet": {"post": hook(json!({}))}, "gone": {"post": hook(json!({}))}}),
    );
    let new = with(
        op(json!({"callbacks": cb(json!({
            "post": {"parameters": [{"name": "sig", "in": "header", "required": true},
                                    {"name": "v", "in": "query"}],
                     "responses": {}},
            "delete": {"responses": {}}})), "responses": {}})),
        "webhooks",
        json!({"newPet": {"post": hook(json!({
                    "parameters": [{"name": "X-Id", "in": "header", "required": true}],
                    "requestBody": {"required": false,
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                    "responses": {"200": {"description": "ok"}, "410": {"description": "stop"}}
               }))},
               "added": {"post": hook(json!({}))}}),
    );
    let c = changes(&old, &new);
    assert_eq!(
        triples(&c),
        vec![
            (
                "operation-added",
                "/surface/operations/GET ~1pets/callbacks/onEvent/DELETE {$request.body#~1url}",
                "GET /pets › callback onEvent › DELETE {$request.body#/url}"
            ),
            (
                "parameter-became-required",
                "/surface/operations/GET ~1pets/callbacks/onEvent/POST {$request.body#~1url}/parameters/header/sig/required",
                "GET /pets › callback onEvent › POST {$request.body#/url} › header sig"
            ),
            (
                "parameter-added-optional",
                "/surface/operations/GET ~1pets/callbacks/onEvent/POST {$request.body#~1url}/parameters/query/v",
                "GET /pets › callback onEvent › POST {$request.body#/url} › query v"
            ),
            (
                "operation-removed",
                "/surface/operations/GET ~1pets/callbacks/onEvent/PUT {$request.body#~1url}",
                "GET /pets › callback onEvent › PUT {$request.body#/url}"
            ),
            (
                "webhook-added",
                "/surface/webhooks/POST added",
                "webhook POST added"
            ),
            (
                "webhook-removed",
                "/surface/webhooks/POST gone",
                "webhook POST gone"
            ),
            (
                "parameter-added-required",
                "/surface/webhooks/POST newPet/parameters/header/x-id",
                "webhook POST newPet › header x-id"
            ),
            (
                "request-body-became-optional",
                "/surface/webhooks/POST newPet/requestBody/required",
                "webhook POST newPet › request body"
            ),
            (
                "response-status-added",
                "/surface/webhooks/POST newPet/responses/410",
                "webhook POST newPet › response 410"
            ),
        ]
    );
    assert_eq!(
        severities(&c),
        vec![
            (
                "operation-added",
                "GET /pets › callback onEvent › DELETE {$request.body#/url}",
                Safe
            ),
            (
                "parameter-became-required",
                "GET /pets › callback onEvent › POST {$request.body#/url} › header sig",
                Safe
            ),
            (
                "parameter-added-optional",
                "GET /pets › callback onEvent › POST {$request.body#/url} › query v",
                Safe
            ),
            (
                "operation-removed",
                "GET /pets › callback onEvent › PUT {$request.body#/url}",
                Breaking
            ),
            ("webhook-added", "webhook POST added", Safe),
            ("webhook-removed", "webhook POST gone", Breaking),
            (
                "parameter-added-required",
                "webhook POST newPet › header x-id",
                Safe
            ),
            (
                "request-body-became-optional",
                "webhook POST newPet › request body",
                Breaking
            ),
            (
                "response-status-added",
                "webhook POST newPet › response 410",
                Safe
            ),
        ]
    );
}

/// A document using every part of the surface.
fn rich() -> Value {
    with(
        with(
            doc(json!({
                "/pets/{id}": {
                    "parameters": [{"name": "id", "in": "path", "required": true,
                                    "schema": {"type": "integer"}}],
                    "get": {
                        "operationId": "getPet", "tags": ["pets"], "summary": "S",
                        "description": "D", "deprecated": true, "x-sunset": "2030-01-01",
                        "x-internal": {"a": 1},
                        "servers": [{"url": "https://op.example"}],
                        "security": [{"oauth": ["read"]}, {}],
                        "parameters": [
                            {"name": "q", "in": "query", "allowReserved": true,
                             "allowEmptyValue": true, "deprecated": true, "x-p": 1},
                            {"name": "f", "in": "query",
                             "content": {"application/json": {"schema": {"type": "object"}}}},
                            {"name": "c", "in": "cookie"}, {"name": "h", "in": "header"}],
                        "requestBody": {"required": true, "description": "B", "content": {
                            "multipart/form-data": {"schema": {"type": "object"},
                                "encoding": {"file": {"contentType": "image/png"}}}}},
                        "responses": {"200": {"description": "ok",
                            "headers": {"X-Rate": {"required": true, "schema": {"type": "integer"}}},
                            "content": {"application/json": {"schema": {"type": "object"}}}}},
                        "callbacks": {"onEvent": {"{$request.body#/url}": {"post": {
                            "requestBody": {"content": {"application/json": {}}},
                            "responses": {"200": {"description": "ok"}}}}}}
                    }
                }
            })),
            "webhooks",
            json!({"newPet": {"post": {"parameters": [{"name": "X-Id", "in": "header"}],
                                       "responses": {"200": {"description": "ok"}}}}}),
        ),
        "components",
        json!({"securitySchemes": {"oauth": {"type": "oauth2", "flows": {}}}}),
    )
}

#[test]
fn identical_surfaces_have_no_changes() {
    let s = snap(&rich());
    let Surface::Api(api) = &s.surface else {
        panic!("not an API")
    };
    // The comparator itself, not the digest short-cut of `diff`.
    let mut ctx = Ctx::new(&s, &s, Profile::Standard, Some("2026-11-24"));
    compare(&mut ctx, api, api);
    assert_eq!(ctx.finish(), Vec::new());
    assert!(changes(&rich(), &rich()).is_empty());
}

#[test]
fn removal_after_sunset_needs_a_date() {
    let old = doc(
        json!({"/a": {"get": {"deprecated": true, "x-sunset": "2026-01-01",
                                        "responses": {}}}}),
    );
    let new = doc(json!({}));
    let (a, b) = (snap(&old), snap(&new));
    let undated = crate::classify::diff(&a, &b, &Policy::default(), None).unwrap();
    assert_eq!(undated.changes.len(), 1);
    assert_eq!(undated.changes[0].severity, Breaking);
    // On the sunset day itself the operation is not past it yet.
    let same_day = crate::classify::diff(&a, &b, &Policy::default(), Some("2026-01-01")).unwrap();
    assert_eq!(same_day.changes[0].severity, Breaking);
    let after = crate::classify::diff(&a, &b, &Policy::default(), Some("2026-01-02")).unwrap();
    assert_eq!(after.changes[0].severity, Dangerous);
    // An unreadable sunset keeps the removal breaking.
    let odd = doc(
        json!({"/a": {"get": {"deprecated": true, "x-sunset": "soon",
                                        "responses": {}}}}),
    );
    assert_eq!(changes(&odd, &new)[0].severity, Breaking);
}

#[test]
fn iso_dates() {
    assert_eq!(iso_date("2026-11-24"), Some("2026-11-24"));
    assert_eq!(iso_date("2026-11-24T10:00:00Z"), Some("2026-11-24"));
    assert_eq!(iso_date("2026-13-01"), None);
    assert_eq!(iso_date("2026-1-01"), None);
    assert_eq!(iso_date("2026-11-24x"), None);
    assert_eq!(iso_date("Tue, 24 Nov 2026"), None);
    assert_eq!(iso_date("2026-11-2é"), None);
}

#[test]
fn major_versions() {
    for (old, new, not_bumped) in [
        ("1.0.0", "1.4.2", true),
        ("1.0.0", "2.0.0", false),
        ("v1", "v2", false),
        ("2.0", "1.9", true),
        ("1.2.3", "1.2.3", true),
        ("0.3.1", "0.3.9", true),
        ("0.3.1", "0.4.0", false),
        ("0.9", "1.0.0", false),
        ("2024-01-01", "2024-06-01", true),
        ("2024-01-01", "2025-01-01", false),
        ("3", "3.1", true),
        ("beta", "gamma", false),
        ("1.0", "stable", false),
        ("beta", " beta ", true),
    ] {
        assert_eq!(
            major_version_not_bumped(old, new),
            not_bumped,
            "{old} → {new}"
        );
    }
}

#[test]
fn inverted_positions_in_webhooks() {
    let hook = |deprecated: bool, description: &str| {
        with(
            doc(json!({})),
            "webhooks",
            json!({"ping": {"post": {
                "parameters": [{"name": "X-Sig", "in": "header", "deprecated": deprecated}],
                "responses": {"200": {"description": description}}}}}),
        )
    };
    let c = changes(&hook(false, "ok"), &hook(true, "fine"));
    let positions: Vec<(&str, Position)> =
        c.iter().map(|c| (c.rule.as_str(), c.position)).collect();
    // The webhook's request is read by the consumer (output), its response is
    // written by the consumer (input).
    assert_eq!(
        positions,
        vec![
            ("deprecated-added", Position::Output),
            ("description-changed", Position::Input),
        ]
    );
    assert_eq!(
        triples(&c),
        vec![
            (
                "deprecated-added",
                "/surface/webhooks/POST ping/parameters/header/x-sig/deprecated",
                "webhook POST ping › header x-sig"
            ),
            (
                "description-changed",
                "/surface/webhooks/POST ping/responses/200/description",
                "webhook POST ping › response 200"
            ),
        ]
    );
}

#[test]
fn inverted_media_types_and_headers() {
    let hook = |req: &[&str], resp: &[&str], header: Value| {
        let content = |types: &[&str]| -> serde_json::Map<String, Value> {
            types.iter().map(|t| ((*t).to_owned(), json!({}))).collect()
        };
        with(
            doc(json!({})),
            "webhooks",
            json!({"ping": {"post": {
                "requestBody": {"content": content(req)},
                "responses": {"200": {"description": "ok", "content": content(resp),
                                      "headers": header}}}}}),
        )
    };
    let old = hook(
        &["application/json", "text/plain"],
        &["application/json", "text/plain"],
        json!({"a": {"required": true}, "b": {"required": true}, "c": {}}),
    );
    let new = hook(
        &["application/json", "application/xml"],
        &["application/json", "application/xml"],
        json!({"a": {}, "c": {"required": true}, "d": {"required": true}}),
    );
    let c = changes(&old, &new);
    assert_eq!(
        severities(&c),
        vec![
            (
                "request-media-type-added",
                "webhook POST ping › request body › application/xml",
                Dangerous
            ),
            (
                "request-media-type-removed",
                "webhook POST ping › request body › text/plain",
                Safe
            ),
            (
                "response-media-type-added",
                "webhook POST ping › response 200 › application/xml",
                Safe
            ),
            (
                "response-header-became-optional",
                "webhook POST ping › response 200 › header a",
                Safe
            ),
            (
                "response-header-removed",
                "webhook POST ping › response 200 › header b",
                Safe
            ),
            (
                "response-header-became-required",
                "webhook POST ping › response 200 › header c",
                Breaking
            ),
            (
                "response-header-added",
                "webhook POST ping › response 200 › header d",
                Breaking
            ),
            (
                "response-media-type-removed",
                "webhook POST ping › response 200 › text/plain",
                Breaking
            ),
        ]
    );
}

#[test]
fn parameter_content_encoding_extensions_and_moves() {
    let old = op(json!({
        "parameters": [
            {"name": "filter", "in": "query",
             "content": {"application/json": {"schema": {"type": "object"}}}},
            {"name": "id", "in": "query", "x-internal": 1},
            {"name": "v", "in": "query"}],
        "requestBody": {"content": {"multipart/form-data": {
            "encoding": {"file": {"contentType": "image/png"}}}}},
        "responses": {"200": {"description": "ok", "headers": {"X-A": {}}}}}));
    let new = op(json!({
        "parameters": [
            {"name": "filter", "in": "query",
             "content": {"application/yaml": {"schema": {"type": "object"}}}},
            {"name": "id", "in": "query", "x-internal": 2},
            {"name": "v", "in": "header", "required": true}],
        "requestBody": {"content": {"multipart/form-data": {
            "encoding": {"file": {"contentType": "image/jpeg"}}}}},
        "responses": {"200": {"description": "ok", "headers": {"X-A": {"required": true}}}}}));
    let c = changes(&old, &new);
    assert_eq!(
        triples(&c),
        vec![
            (
                "parameter-became-required",
                "/surface/operations/GET ~1pets/parameters/header/v/required",
                "GET /pets › header v"
            ),
            (
                "parameter-location-changed",
                "/surface/operations/GET ~1pets/parameters/header/v",
                "GET /pets › header v"
            ),
            (
                "request-media-type-removed",
                "/surface/operations/GET ~1pets/parameters/query/filter/content/application~1json",
                "GET /pets › query filter › application/json"
            ),
            (
                "request-media-type-added",
                "/surface/operations/GET ~1pets/parameters/query/filter/content/application~1yaml",
                "GET /pets › query filter › application/yaml"
            ),
            (
                "extension-changed",
                "/surface/operations/GET ~1pets/parameters/query/id/extensions/x-internal",
                "GET /pets › query id › x-internal"
            ),
            (
                "unsupported-keyword-changed",
                "/surface/operations/GET ~1pets/requestBody/content/multipart~1form-data/encoding",
                "GET /pets › request body › multipart/form-data › encoding"
            ),
            (
                "response-header-became-required",
                "/surface/operations/GET ~1pets/responses/200/headers/x-a/required",
                "GET /pets › response 200 › header x-a"
            ),
        ]
    );
    assert_eq!(
        find(
            &c,
            "response-header-became-required",
            "GET /pets › response 200 › header x-a"
        )
        .severity,
        Safe
    );
    assert_eq!(
        find(
            &c,
            "unsupported-keyword-changed",
            "GET /pets › request body › multipart/form-data › encoding"
        )
        .position,
        Position::Input
    );
    let moved = find(&c, "parameter-location-changed", "GET /pets › header v");
    assert_eq!(moved.before, Some(json!("query")));
    assert_eq!(moved.after, Some(json!("header")));
}

#[test]
fn security_scheme_swapped_and_document_servers() {
    let d = |scheme: &str, server: &str, title: &str| {
        let mut d = doc(json!({"/a": {"get": {"security": [{scheme: []}], "responses": {}}}}));
        d = with(d, "servers", json!([{"url": server}]));
        d = with(d, "info", json!({"title": title, "version": "1"}));
        with(
            d,
            "components",
            json!({"securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "K"},
                "basic": {"type": "http", "scheme": "basic"}}}),
        )
    };
    let c = changes(
        &d("key", "https://a.example", "Pets"),
        &d("basic", "https://b.example", "Pet store"),
    );
    assert_eq!(
        triples(&c),
        vec![
            (
                "security-requirement-added",
                "/surface/operations/GET ~1a/security/0",
                "GET /a › security"
            ),
            (
                "security-requirement-removed",
                "/surface/operations/GET ~1a/security/0",
                "GET /a › security"
            ),
            ("title-changed", "/meta/title", "info › title"),
            ("server-url-changed", "/surface/servers", "servers"),
        ]
    );
    // Swapping the only scheme: the removal is what breaks callers.
    assert_eq!(
        severities(&c),
        vec![
            ("security-requirement-added", "GET /a › security", Dangerous),
            (
                "security-requirement-removed",
                "GET /a › security",
                Breaking
            ),
        ]
    );
    let servers = find(&c, "server-url-changed", "servers");
    assert_eq!(servers.before, Some(json!([{"url": "https://a.example"}])));
    assert_eq!(servers.after, Some(json!([{"url": "https://b.example"}])));
    assert_eq!(
        servers.message,
        "servers changed: added `https://b.example`; removed `https://a.example`"
    );
}

#[test]
fn messages_and_values() {
    let old = op(json!({"parameters": [{"name": "limit", "in": "query"}], "responses": {}}));
    let new = op(json!({"parameters": [
        {"name": "limit", "in": "query"},
        {"name": "offset", "in": "query", "required": true, "schema": {"type": "integer"}}],
        "responses": {}}));
    let c = changes(&old, &new);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].message, "required query parameter `offset` added");
    assert_eq!(c[0].before, None);
    assert_eq!(
        c[0].after,
        Some(
            json!({"explode": true, "required": true, "schema": {"type": ["integer"]},
                    "style": "form"})
        )
    );
}

#[test]
fn schema_positions() {
    let body = |ty: &str| json!({"content": {"application/json": {"schema": {"type": ty}}}});
    let exchange = |ty: &str| {
        json!({
            "parameters": [{"name": "p", "in": "query", "schema": {"type": ty}}],
            "requestBody": body(ty),
            "responses": {"200": {"description": "ok", "content": body(ty)["content"],
                                  "headers": {"X-H": {"schema": {"type": ty}}}}}
        })
    };
    let d = |ty: &str| {
        let mut operation = exchange(ty);
        operation["callbacks"] = json!({"cb": {"{$url}": {"post": exchange(ty)}}});
        with(
            doc(json!({"/a": {"get": operation}})),
            "webhooks",
            json!({"w": {"post": exchange(ty)}}),
        )
    };
    let c = changes(&d("integer"), &d("number"));
    let positions: Vec<(&str, &str, Position)> = c
        .iter()
        .map(|c| (c.rule.as_str(), c.path.as_str(), c.position))
        .collect();
    let cb = "GET /a › callback cb › POST {$url}";
    let expected: Vec<(String, Position)> = vec![
        (format!("{cb} › query p"), Position::Output),
        (
            format!("{cb} › request body › application/json"),
            Position::Output,
        ),
        (
            format!("{cb} › response 200 › application/json"),
            Position::Input,
        ),
        (format!("{cb} › response 200 › header x-h"), Position::Input),
        ("GET /a › query p".into(), Position::Input),
        (
            "GET /a › request body › application/json".into(),
            Position::Input,
        ),
        (
            "GET /a › response 200 › application/json".into(),
            Position::Output,
        ),
        (
            "GET /a › response 200 › header x-h".into(),
            Position::Output,
        ),
        ("webhook POST w › query p".into(), Position::Output),
        (
            "webhook POST w › request body › application/json".into(),
            Position::Output,
        ),
        (
            "webhook POST w › response 200 › application/json".into(),
            Position::Input,
        ),
        (
            "webhook POST w › response 200 › header x-h".into(),
            Position::Input,
        ),
    ];
    let expected: Vec<(&str, &str, Position)> = expected
        .iter()
        .map(|(path, position)| ("type-widened", path.as_str(), *position))
        .collect();
    assert_eq!(positions, expected);
    assert_eq!(
        c[5].pointer,
        "/surface/operations/GET ~1a/requestBody/content/application~1json/schema"
    );
    assert_eq!(
        c[11].pointer,
        "/surface/webhooks/POST w/responses/200/headers/x-h/schema"
    );
}

#[test]
fn undeprecated_description_and_spec_version() {
    let old = op(json!({"deprecated": true, "description": "Lists pets.", "responses": {}}));
    let mut new = op(json!({"responses": {}}));
    new["openapi"] = json!("3.0.3");
    let c = changes(&old, &new);
    assert_eq!(
        triples(&c),
        vec![
            (
                "operation-undeprecated",
                "/surface/operations/GET ~1pets/deprecated",
                "GET /pets"
            ),
            (
                "description-changed",
                "/surface/operations/GET ~1pets/description",
                "GET /pets › description"
            ),
            (
                "dialect-changed",
                "/meta/specVersion",
                "info › spec version"
            ),
        ]
    );
    let spec = find(&c, "dialect-changed", "info › spec version");
    assert_eq!(
        spec.message,
        "OpenAPI version changed from `3.1.0` to `3.0.3`"
    );
    assert_eq!(spec.severity, Dangerous);
    let description = find(&c, "description-changed", "GET /pets › description");
    assert_eq!(description.message, "description removed");
    assert_eq!(description.before, Some(json!("Lists pets.")));
    assert_eq!(description.after, None);
}
