//! OpenAPI 3.0.x and 3.1.x → [`ApiSurface`].
//!
//! Operations are keyed `METHOD /path`, webhooks `METHOD name`, callback operations
//! `METHOD expression`. Path-level parameters are merged into each operation (the
//! operation's win on the same location and name), serialization defaults are made
//! explicit, `$ref`s to components are followed (never fetched), effective security
//! and servers are computed, and every schema is lowered through the one
//! [`SchemaLowerer`] of the document (OpenAPI 3.0 dialect for 3.0.x, 2020-12 for 3.1.x).
//!
//! The walk is linear in the size of the document: nothing is cloned but the small
//! values that end up in the surface, and callbacks nest at most
//! [`MAX_CALLBACK_DEPTH`](super::api_common::MAX_CALLBACK_DEPTH) deep.

use std::collections::{BTreeMap, HashMap};

use super::view::{J, Kind};

use super::api_common::{
    METHODS, Map, Requirement, check_callback_depth, check_path_item_keys, default_style, deref,
    extensions, insert_unique, kind, media_type_key, merged_parameters, meta, object,
    operation_base, opt_bool, opt_object, opt_string, parameters_at, security, servers,
};
use super::refs::push;
use super::schema::{Dialect, SchemaLowerer};
use crate::error::{Error, Location, Result};
use crate::parse::Limits;
use crate::shape::Shape;
use crate::snapshot::Snapshot;
use crate::surface::Surface;
use crate::surface::api::{
    ApiSurface, MediaType, Operation, Parameter, Parameters, RequestBody, Response, Server,
};

/// The most operations all callbacks of a document may hold together.
const MAX_CALLBACK_OPERATIONS: usize = 10_000;

/// Parameter locations of OpenAPI 3.
const LOCATIONS: [&str; 4] = ["query", "header", "path", "cookie"];

/// Normalizes an OpenAPI 3.0.x or 3.1.x document into a snapshot.
pub(crate) fn normalize(value: J<'_>, limits: &Limits) -> Result<Snapshot> {
    let root = object(value, "", "an OpenAPI document")?;
    let version = match root.get("openapi").map(J::kind) {
        Some(Kind::String(s)) => s,
        Some(other) => {
            return Err(Error::unsupported(
                format!("`openapi` must be a version string, found {}", kind(other)),
                "/openapi",
            ));
        }
        None => {
            return Err(Error::unsupported(
                "not an OpenAPI 3 document: no `openapi` version",
                "/openapi",
            ));
        }
    };
    let (dialect, is_31) = match version_of(version) {
        Some((3, 0)) => (Dialect::OpenApi30, false),
        Some((3, 1)) => (Dialect::Draft2020, true),
        _ => {
            return Err(Error::unsupported(
                format!("OpenAPI version {version:?} is not supported (3.0.x and 3.1.x are)"),
                "/openapi",
            ));
        }
    };

    let doc_security = root
        .get("security")
        .map(|s| security(s, "/security"))
        .transpose()?;
    let mut walker = Walker {
        root: value,
        lowerer: SchemaLowerer::new_view(value, dialect, limits),
        lowered: HashMap::new(),
        callback_operations: 0,
        doc_security,
        is_31,
    };
    let mut surface = ApiSurface {
        servers: match root.get("servers") {
            Some(s) => servers(s, "/servers")?,
            None => Vec::new(),
        },
        ..ApiSurface::default()
    };
    if surface.servers.is_empty() {
        // The specification's default: the document's own location.
        surface.servers.push(Server {
            url: "/".to_owned(),
            ..Server::default()
        });
    }

    if let Some(paths) = opt_object(root, "paths", "", "`paths`")? {
        for (path, item) in paths {
            if path.starts_with("x-") {
                continue;
            }
            let at = push("/paths", path);
            walker.path_item(item, &at, path, 0, true, &mut surface.operations)?;
        }
    }
    let hooks = if is_31 {
        opt_object(root, "webhooks", "", "`webhooks`")?
    } else {
        None
    };
    for (name, item) in hooks.into_iter().flatten() {
        let at = push("/webhooks", name);
        walker.path_item(item, &at, name, 0, false, &mut surface.webhooks)?;
    }
    let components = opt_object(root, "components", "", "`components`")?;
    let schemes = match components {
        Some(c) => opt_object(c, "securitySchemes", "/components", "`securitySchemes`")?,
        None => None,
    };
    for (name, scheme) in schemes.into_iter().flatten() {
        let at = push("/components/securitySchemes", name);
        let (scheme, _) = deref(value, scheme, &at, "a security scheme")?;
        surface
            .security_schemes
            .insert(name.to_owned(), scheme.canonical());
    }

    let meta = meta(root, version)?;
    Ok(Snapshot::unsealed(
        Surface::Api(surface),
        meta,
        walker.lowerer.finish(),
        None,
    ))
}

/// `(major, minor)` of a version string like `3.1.0`.
fn version_of(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

struct Walker<'doc> {
    root: J<'doc>,
    lowerer: SchemaLowerer<'doc>,
    doc_security: Option<Vec<Requirement>>,
    is_31: bool,
    /// Shapes already lowered, by the pointer of their schema: a shared parameter,
    /// response or header is lowered once however many operations use it.
    lowered: HashMap<String, Shape>,
    /// Operations produced inside callbacks so far (bounded: a few callbacks that
    /// each refer to several others would otherwise multiply at every level).
    callback_operations: usize,
}

impl<'doc> Walker<'doc> {
    /// Adds the operations of a path item (from `paths`, `webhooks` or a callback) to
    /// `out`, keyed `METHOD name`.
    fn path_item(
        &mut self,
        item: J<'doc>,
        pointer: &str,
        name: &str,
        depth: usize,
        inherit_security: bool,
        out: &mut BTreeMap<String, Operation>,
    ) -> Result<()> {
        let (item, at) = deref(self.root, item, pointer, "a path item")?;
        check_path_item_keys(item, &at)?;
        let item_servers = match item.get("servers") {
            Some(s) => servers(s, &push(&at, "servers"))?,
            None => Vec::new(),
        };
        let item_params_at = push(&at, "parameters");
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let op_at = push(&at, method);
            if depth > 0 {
                self.count_callback_operation(&op_at)?;
            }
            let op = object(op, &op_at, "an operation")?;
            let mut operation = operation_base(op, &op_at, item, &at)?;
            let op_params_at = push(&op_at, "parameters");
            let merged = merged_parameters(
                self.root,
                [
                    (item.get("parameters"), &item_params_at),
                    (op.get("parameters"), &op_params_at),
                ],
                &LOCATIONS,
            )?;
            operation.parameters = self.parameters(merged.into_values())?;
            if let Some(body) = op.get("requestBody") {
                operation.request_body =
                    Some(self.request_body(body, &push(&op_at, "requestBody"))?);
            }
            if let Some(responses) = opt_object(op, "responses", &op_at, "`responses`")? {
                let responses_at = push(&op_at, "responses");
                for (status, response) in responses {
                    if status.starts_with("x-") {
                        continue;
                    }
                    let r = self.response(response, &push(&responses_at, status))?;
                    operation.responses.insert(status.to_owned(), r);
                }
            }
            if let Some(callbacks) = opt_object(op, "callbacks", &op_at, "`callbacks`")? {
                let callbacks_at = push(&op_at, "callbacks");
                for (cb_name, callback) in callbacks {
                    let cb_at = push(&callbacks_at, cb_name);
                    check_callback_depth(depth + 1, &cb_at)?;
                    let (callback, cb_at) = deref(self.root, callback, &cb_at, "a callback")?;
                    let mut ops = BTreeMap::new();
                    for (expression, cb_item) in callback {
                        if expression.starts_with("x-") {
                            continue;
                        }
                        let item_at = push(&cb_at, expression);
                        self.path_item(cb_item, &item_at, expression, depth + 1, false, &mut ops)?;
                    }
                    operation.callbacks.insert(cb_name.to_owned(), ops);
                }
            }
            operation.security = match op.get("security") {
                Some(s) => Some(security(s, &push(&op_at, "security"))?),
                None if inherit_security => self.doc_security.clone(),
                None => None,
            };
            operation.servers = match op.get("servers") {
                Some(s) => servers(s, &push(&op_at, "servers"))?,
                None => Vec::new(),
            };
            if operation.servers.is_empty() {
                operation.servers.clone_from(&item_servers);
            }
            out.insert(format!("{} {name}", method.to_ascii_uppercase()), operation);
        }
        Ok(())
    }

    /// Lowers the schema at `pointer`, once per pointer.
    ///
    /// Only schemas under `/components` are remembered: they are the ones many
    /// operations reach through a `$ref`. A schema written inline in an operation is
    /// reached once, so caching it would only deep-clone its shape for nothing (lowering
    /// is deterministic, so a rare second visit just lowers it again).
    fn lower(&mut self, schema: J<'doc>, pointer: String) -> Result<Shape> {
        if !pointer.starts_with("/components/") {
            return self.lowerer.lower_view(schema, &pointer);
        }
        if let Some(shape) = self.lowered.get(&pointer) {
            return Ok(shape.clone());
        }
        let shape = self.lowerer.lower_view(schema, &pointer)?;
        self.lowered.insert(pointer, shape.clone());
        Ok(shape)
    }

    /// Counts one operation inside a callback: `E_TOO_LARGE` past
    /// [`MAX_CALLBACK_OPERATIONS`] of them.
    fn count_callback_operation(&mut self, pointer: &str) -> Result<()> {
        self.callback_operations = self.callback_operations.saturating_add(1);
        if self.callback_operations > MAX_CALLBACK_OPERATIONS {
            return Err(Error::TooLarge {
                what: "the operations of nested callbacks".to_owned(),
                limit: MAX_CALLBACK_OPERATIONS as u64,
                location: Location::at_pointer(pointer),
            });
        }
        Ok(())
    }

    /// In OpenAPI 3.1 a Reference Object's own `description` overrides the one of
    /// the component it points at.
    fn description_override(&self, original: J<'_>, pointer: &str) -> Result<Option<String>> {
        match original.as_object() {
            Some(m) if self.is_31 && m.contains_key("$ref") => {
                opt_string(m, "description", pointer)
            }
            _ => Ok(None),
        }
    }

    /// Builds the parameters of an operation from the merged list.
    fn parameters(
        &mut self,
        merged: impl Iterator<Item = super::api_common::ParamRef<'doc>>,
    ) -> Result<Parameters> {
        let mut params = Parameters::default();
        for p in merged {
            if p.location == "header"
                && ["accept", "content-type", "authorization"]
                    .contains(&p.name.to_ascii_lowercase().as_str())
            {
                // The specification says these header parameters SHALL be ignored: the
                // media types and security schemes describe them.
                continue;
            }
            let mut parameter = self.parameter(p.obj, &p.at, p.location)?;
            if let Some(d) = self.description_override(p.original, &p.at)? {
                parameter.description = Some(d);
            }
            let key = if p.location == "header" {
                p.name.to_ascii_lowercase()
            } else {
                p.name.to_owned()
            };
            if let Some(map) = parameters_at(&mut params, p.location) {
                map.insert(key, parameter);
            }
        }
        Ok(params)
    }

    /// A parameter object.
    fn parameter(&mut self, obj: Map<'doc>, at: &str, location: &str) -> Result<Parameter> {
        let mut p = self.header_like(obj, at, location)?;
        p.required = location == "path" || p.required;
        p.allow_empty_value = opt_bool(obj, "allowEmptyValue", at)?.unwrap_or(false);
        p.allow_reserved = opt_bool(obj, "allowReserved", at)?.unwrap_or(false);
        Ok(p)
    }

    /// The fields parameters and header objects share.
    fn header_like(&mut self, obj: Map<'doc>, at: &str, location: &str) -> Result<Parameter> {
        let mut p = Parameter {
            deprecated: opt_bool(obj, "deprecated", at)?.unwrap_or(false),
            description: opt_string(obj, "description", at)?,
            extensions: extensions(obj, &[]),
            required: opt_bool(obj, "required", at)?.unwrap_or(false),
            ..Parameter::default()
        };
        if let Some(content) = obj.get("content") {
            // Serialized by a media type: style and explode do not apply.
            p.content = self.content(content, &push(at, "content"))?;
        } else {
            let style =
                opt_string(obj, "style", at)?.unwrap_or_else(|| default_style(location).to_owned());
            p.explode = opt_bool(obj, "explode", at)?.unwrap_or(style == "form");
            p.style = Some(style);
            if let Some(schema) = obj.get("schema") {
                p.schema = self.lower(schema, push(at, "schema"))?;
            }
        }
        Ok(p)
    }

    fn request_body(&mut self, body: J<'doc>, pointer: &str) -> Result<RequestBody> {
        let original = body;
        let (body, at) = deref(self.root, body, pointer, "a request body")?;
        let content = match body.get("content") {
            Some(c) => self.content(c, &push(&at, "content"))?,
            None => BTreeMap::new(),
        };
        Ok(RequestBody {
            content,
            description: match self.description_override(original, pointer)? {
                Some(d) => Some(d),
                None => opt_string(body, "description", &at)?,
            },
            required: opt_bool(body, "required", &at)?.unwrap_or(false),
        })
    }

    fn response(&mut self, response: J<'doc>, pointer: &str) -> Result<Response> {
        let original = response;
        let (response, at) = deref(self.root, response, pointer, "a response")?;
        let mut headers = BTreeMap::new();
        if let Some(hs) = opt_object(response, "headers", &at, "`headers`")? {
            let headers_at = push(&at, "headers");
            for (name, original_header) in hs {
                let key = name.to_ascii_lowercase();
                if key == "content-type" {
                    // Ignored by the specification: the media types say it.
                    continue;
                }
                let (header, h_at) = deref(
                    self.root,
                    original_header,
                    &push(&headers_at, name),
                    "a header",
                )?;
                let mut h = self.header_like(header, &h_at, "header")?;
                if let Some(d) =
                    self.description_override(original_header, &push(&headers_at, name))?
                {
                    h.description = Some(d);
                }
                insert_unique(
                    &mut headers,
                    key,
                    h,
                    &push(&headers_at, name),
                    "response header",
                )?;
            }
        }
        let content = match response.get("content") {
            Some(c) => self.content(c, &push(&at, "content"))?,
            None => BTreeMap::new(),
        };
        Ok(Response {
            content,
            description: match self.description_override(original, pointer)? {
                Some(d) => Some(d),
                None => opt_string(response, "description", &at)?,
            },
            headers,
        })
    }

    /// A `content` map: media type (canonical key) → schema and encoding.
    fn content(&mut self, content: J<'doc>, at: &str) -> Result<BTreeMap<String, MediaType>> {
        let content = object(content, at, "`content`")?;
        let mut out = BTreeMap::new();
        for (media, m) in content {
            let m_at = push(at, media);
            let m = object(m, &m_at, "a media type")?;
            let schema = match m.get("schema") {
                Some(s) => self.lower(s, push(&m_at, "schema"))?,
                None => Shape::ANY,
            };
            let encoding = match opt_object(m, "encoding", &m_at, "`encoding`")? {
                Some(e) => e
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.canonical()))
                    .collect(),
                None => BTreeMap::new(),
            };
            insert_unique(
                &mut out,
                media_type_key(media),
                MediaType { encoding, schema },
                &m_at,
                "media type",
            )?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn normalize(v: &Value, limits: &Limits) -> Result<Snapshot> {
        super::normalize(J::from(v), limits)?.seal()
    }
    use serde_json::json;
    use std::collections::BTreeSet;

    fn api(doc: &Value) -> ApiSurface {
        match normalize(doc, &Limits::default()).unwrap().surface {
            Surface::Api(a) => a,
            other => panic!("not an API surface: {other:?}"),
        }
    }

    fn err(doc: &Value) -> (String, String) {
        let e = normalize(doc, &Limits::default()).unwrap_err();
        let pointer = e
            .location()
            .and_then(|l| l.pointer.clone())
            .unwrap_or_default();
        (e.code().to_owned(), pointer)
    }

    fn doc(paths: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": paths})
    }

    #[test]
    fn operations_are_keyed_by_upper_case_method_and_path() {
        let a = api(&doc(json!({
            "/pets": {"get": {}, "post": {}, "summary": "S", "description": "D",
                      "x-path-ext": 1, "parameters": []},
            "/pets/{id}": {"delete": {}, "trace": {}, "options": {}, "head": {}, "patch": {}, "put": {}},
            "x-ignored": {"get": {}}
        })));
        let keys: Vec<&str> = a.operations.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "DELETE /pets/{id}",
                "GET /pets",
                "HEAD /pets/{id}",
                "OPTIONS /pets/{id}",
                "PATCH /pets/{id}",
                "POST /pets",
                "PUT /pets/{id}",
                "TRACE /pets/{id}"
            ]
        );
        let get = &a.operations["GET /pets"];
        assert_eq!(get.summary.as_deref(), Some("S"));
        assert_eq!(get.description.as_deref(), Some("D"));
    }

    #[test]
    fn path_parameters_merge_and_operation_wins() {
        let a = api(&doc(json!({
            "/pets/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "description": "path-level"},
                    {"name": "X-Trace", "in": "header"}
                ],
                "get": {"parameters": [
                    {"name": "limit", "in": "query", "description": "op-level", "required": true},
                    {"name": "x-trace", "in": "header", "description": "op header"}
                ]}
            }
        })));
        let p = &a.operations["GET /pets/{id}"].parameters;
        assert!(p.path["id"].required, "path parameters are always required");
        assert_eq!(p.path["id"].style.as_deref(), Some("simple"));
        assert!(!p.path["id"].explode);
        assert_eq!(p.query["limit"].description.as_deref(), Some("op-level"));
        assert!(p.query["limit"].required);
        assert_eq!(p.query["limit"].style.as_deref(), Some("form"));
        assert!(p.query["limit"].explode);
        assert_eq!(p.header.keys().collect::<Vec<_>>(), ["x-trace"]);
        assert_eq!(
            p.header["x-trace"].description.as_deref(),
            Some("op header")
        );
    }

    #[test]
    fn parameter_styles_and_flags() {
        let a = api(&doc(json!({
            "/a": {"get": {"parameters": [
                {"name": "c", "in": "cookie"},
                {"name": "q", "in": "query", "style": "form", "explode": false,
                 "allowEmptyValue": true, "allowReserved": true, "deprecated": true, "x-p": [1]},
                {"name": "d", "in": "query", "style": "deepObject"},
                {"name": "h", "in": "header", "explode": true},
                {"name": "j", "in": "query", "content": {"Application/JSON": {"schema": {"type": "object"}}}},
                {"name": "Accept", "in": "header"},
                {"name": "Content-Type", "in": "header"},
                {"name": "Authorization", "in": "header"}
            ]}}
        })));
        let p = &a.operations["GET /a"].parameters;
        assert_eq!(p.cookie["c"].style.as_deref(), Some("form"));
        assert!(p.cookie["c"].explode);
        let q = &p.query["q"];
        assert!(!q.explode && q.allow_empty_value && q.allow_reserved && q.deprecated);
        assert_eq!(q.extensions["x-p"], json!([1]));
        assert_eq!(p.query["d"].style.as_deref(), Some("deepObject"));
        assert!(!p.query["d"].explode);
        assert_eq!(
            p.header.keys().collect::<Vec<_>>(),
            ["h"],
            "Accept/Content-Type/Authorization ignored"
        );
        assert!(p.header["h"].explode);
        let j = &p.query["j"];
        assert_eq!(j.style, None);
        assert!(!j.explode);
        assert_eq!(j.content.keys().collect::<Vec<_>>(), ["application/json"]);
    }

    #[test]
    fn refs_to_components_are_followed() {
        let a = api(&json!({
            "openapi": "3.0.0",
            "paths": {"/a": {"post": {
                "parameters": [{"$ref": "#/components/parameters/P"}],
                "requestBody": {"$ref": "#/components/requestBodies/B"},
                "responses": {"200": {"$ref": "#/components/responses/R"}}
            }}},
            "components": {
                "parameters": {"P": {"$ref": "#/components/parameters/P2"},
                               "P2": {"name": "Q", "in": "query", "required": true}},
                "requestBodies": {"B": {"required": true, "description": "body",
                                        "content": {"application/json": {}}}},
                "responses": {"R": {"description": "ok",
                    "headers": {"X-Rate": {"$ref": "#/components/headers/H"}},
                    "content": {"text/plain; Charset=utf-8": {}}}},
                "headers": {"H": {"required": true, "schema": {"type": "integer"}}}
            }
        }));
        let op = &a.operations["POST /a"];
        assert!(op.parameters.query["Q"].required);
        let body = op.request_body.as_ref().unwrap();
        assert!(body.required);
        assert_eq!(body.description.as_deref(), Some("body"));
        assert_eq!(
            body.content.keys().collect::<Vec<_>>(),
            ["application/json"]
        );
        let r = &op.responses["200"];
        assert_eq!(r.description.as_deref(), Some("ok"));
        assert_eq!(
            r.content.keys().collect::<Vec<_>>(),
            ["text/plain; charset=utf-8"]
        );
        let h = &r.headers["x-rate"];
        assert!(h.required);
        assert_eq!(h.style.as_deref(), Some("simple"));
        assert!(!h.explode);
    }

    #[test]
    fn path_item_refs_are_followed() {
        let a = api(&json!({
            "openapi": "3.1.0",
            "paths": {"/a": {"$ref": "#/components/pathItems/A"}},
            "components": {"pathItems": {"A": {"get": {"operationId": "getA"}}}}
        }));
        assert_eq!(a.operations["GET /a"].operation_id.as_deref(), Some("getA"));
    }

    #[test]
    fn ref_errors() {
        let cases = [
            (
                json!({"$ref": "http://169.254.169.254/latest/meta-data"}),
                "E_REF_EXTERNAL",
                "/paths/~1a/get/parameters/0/$ref",
            ),
            (
                json!({"$ref": "#/components/parameters/Nope"}),
                "E_REF_UNRESOLVED",
                "/paths/~1a/get/parameters/0/$ref",
            ),
            (
                json!({"$ref": "#/components/parameters/A"}),
                "E_REF_CYCLE",
                "/paths/~1a/get/parameters/0",
            ),
        ];
        for (param, code, pointer) in cases {
            let d = json!({"openapi": "3.0.3", "paths": {"/a": {"get": {"parameters": [param]}}},
                           "components": {"parameters": {"A": {"$ref": "#/components/parameters/B"},
                                                         "B": {"$ref": "#/components/parameters/A"}}}});
            assert_eq!(err(&d), (code.to_owned(), pointer.to_owned()));
        }
    }

    #[test]
    fn media_types_statuses_and_headers() {
        let a = api(&doc(json!({"/a": {"get": {"responses": {
            "200": {"description": "ok", "content": {"Application/JSON": {"schema": {}},
                                                      "application/xml": {}},
                    "headers": {"X-Rate-Limit": {"schema": {"type": "integer"}},
                                "Content-Type": {"schema": {"type": "string"}}}},
            "4XX": {"description": "client"},
            "default": {"description": "other"},
            "x-ext": {"description": "not a status"}
        }}}})));
        let r = &a.operations["GET /a"].responses;
        assert_eq!(r.keys().collect::<Vec<_>>(), ["200", "4XX", "default"]);
        assert_eq!(
            r["200"].content.keys().collect::<Vec<_>>(),
            ["application/json", "application/xml"]
        );
        assert_eq!(
            r["200"].headers.keys().collect::<Vec<_>>(),
            ["x-rate-limit"]
        );
    }

    #[test]
    fn encoding_is_kept_canonical() {
        let a = api(&doc(json!({"/a": {"post": {"requestBody": {"content": {
            "multipart/form-data": {"encoding": {"file": {"contentType": "image/png"}}}
        }}}}})));
        let body = a.operations["POST /a"].request_body.as_ref().unwrap();
        assert_eq!(
            body.content["multipart/form-data"].encoding["file"],
            json!({"contentType": "image/png"})
        );
        assert!(!body.required);
    }

    #[test]
    fn duplicate_spellings_are_rejected() {
        let d = doc(json!({"/a": {"post": {"requestBody": {"content": {
            "application/json": {}, "Application/Json": {}}}}}}));
        assert_eq!(err(&d).0, "E_INVALID");
        let d = doc(json!({"/a": {"get": {"parameters": [
            {"name": "X-A", "in": "header"}, {"name": "x-a", "in": "header"}]}}}));
        assert_eq!(
            err(&d),
            (
                "E_INVALID".to_owned(),
                "/paths/~1a/get/parameters/1".to_owned()
            )
        );
    }

    #[test]
    fn effective_security() {
        let a = api(&json!({
            "openapi": "3.0.3",
            "security": [{"oauth": ["write", "read"]}, {"key": []}, {"oauth": ["read", "write"]}],
            "paths": {"/a": {"get": {}, "post": {"security": []},
                             "put": {"security": [{}, {"key": []}]}}},
            "components": {"securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                "oauth": {"$ref": "#/components/securitySchemes/o2"},
                "o2": {"type": "oauth2", "flows": {}}
            }}
        }));
        let get = a.operations["GET /a"].security.as_ref().unwrap();
        assert_eq!(get.len(), 2, "duplicates collapse: {get:?}");
        assert_eq!(get[0].keys().collect::<Vec<_>>(), ["key"]);
        assert_eq!(
            get[1]["oauth"],
            BTreeSet::from(["read".to_owned(), "write".to_owned()])
        );
        assert_eq!(a.operations["POST /a"].security, Some(vec![]));
        let put = a.operations["PUT /a"].security.as_ref().unwrap();
        assert!(put[0].is_empty(), "anonymous alternative first");
        assert_eq!(
            a.security_schemes["oauth"],
            json!({"type": "oauth2", "flows": {}})
        );
        assert_eq!(a.security_schemes["key"]["name"], json!("X-Key"));
        let none = api(&doc(json!({"/a": {"get": {}}})));
        assert_eq!(none.operations["GET /a"].security, None);
    }

    #[test]
    fn servers_document_path_and_operation_level() {
        let a = api(&json!({
            "openapi": "3.0.3",
            "servers": [{"url": "https://a.example/v1", "description": "prod"},
                        {"url": "https://{env}.example", "variables": {"env": {"default": "dev", "enum": ["dev"]}}}],
            "paths": {"/a": {"servers": [{"url": "https://path.example"}], "get": {},
                             "post": {"servers": [{"url": "https://op.example"}]}},
                      "/b": {"get": {}}}
        }));
        assert_eq!(a.servers.len(), 2);
        assert_eq!(a.servers[0].url, "https://a.example/v1");
        assert_eq!(a.servers[0].description.as_deref(), Some("prod"));
        assert_eq!(
            a.servers[1].variables["env"],
            json!({"default": "dev", "enum": ["dev"]})
        );
        assert_eq!(
            a.operations["GET /a"].servers[0].url,
            "https://path.example"
        );
        assert_eq!(a.operations["POST /a"].servers[0].url, "https://op.example");
        assert!(a.operations["GET /b"].servers.is_empty());
        let d = api(&doc(json!({})));
        assert_eq!(
            d.servers,
            vec![Server {
                url: "/".into(),
                ..Server::default()
            }]
        );
    }

    #[test]
    fn deprecation_sunset_tags_and_extensions() {
        let a = api(&doc(json!({"/a": {"get": {
            "deprecated": true, "x-sunset": "2027-01-01", "x-internal": {"b": 1.0},
            "tags": ["b", "a", "b"], "operationId": "getA"
        }}})));
        let op = &a.operations["GET /a"];
        assert!(op.deprecated);
        assert_eq!(op.sunset.as_deref(), Some("2027-01-01"));
        assert_eq!(op.extensions.keys().collect::<Vec<_>>(), ["x-internal"]);
        assert_eq!(op.extensions["x-internal"], json!({"b": 1}));
        assert_eq!(op.tags.iter().collect::<Vec<_>>(), ["a", "b"]);
        let d = doc(json!({"/a": {"get": {"x-sunset": 5}}}));
        assert_eq!(
            err(&d),
            ("E_INVALID".to_owned(), "/paths/~1a/get/x-sunset".to_owned())
        );
    }

    #[test]
    fn webhooks_only_in_31() {
        let hooks =
            json!({"newPet": {"post": {"requestBody": {"content": {"application/json": {}}}}}});
        let a = api(&json!({"openapi": "3.1.0", "webhooks": hooks, "security": [{"k": []}]}));
        assert_eq!(a.webhooks.keys().collect::<Vec<_>>(), ["POST newPet"]);
        assert_eq!(
            a.webhooks["POST newPet"].security, None,
            "document security is for paths"
        );
        assert!(a.operations.is_empty());
        let a = api(&json!({"openapi": "3.0.3", "paths": {}, "webhooks": hooks}));
        assert!(a.webhooks.is_empty());
    }

    #[test]
    fn callbacks_hold_operations() {
        let a = api(&json!({
            "openapi": "3.0.3",
            "paths": {"/subscribe": {"post": {"callbacks": {
                "onEvent": {"{$request.body#/url}": {"post": {
                    "requestBody": {"content": {"application/json": {}}},
                    "responses": {"200": {"description": "ok"}}}},
                            "x-ext": true},
                "shared": {"$ref": "#/components/callbacks/S"}
            }}}},
            "components": {"callbacks": {"S": {"{$request.query.cb}": {"get": {}, "put": {}}}}}
        }));
        let cbs = &a.operations["POST /subscribe"].callbacks;
        assert_eq!(cbs.keys().collect::<Vec<_>>(), ["onEvent", "shared"]);
        assert_eq!(
            cbs["onEvent"].keys().collect::<Vec<_>>(),
            ["POST {$request.body#/url}"]
        );
        assert_eq!(
            cbs["onEvent"]["POST {$request.body#/url}"].responses.len(),
            1
        );
        assert_eq!(
            cbs["shared"].keys().collect::<Vec<_>>(),
            ["GET {$request.query.cb}", "PUT {$request.query.cb}"]
        );
    }

    #[test]
    fn recursive_callbacks_are_bounded() {
        let d = json!({
            "openapi": "3.0.3",
            "paths": {"/a": {"post": {"callbacks": {"c": {"$ref": "#/components/callbacks/C"}}}}},
            "components": {"callbacks": {"C": {"{$url}": {"post": {"callbacks": {
                "c": {"$ref": "#/components/callbacks/C"}}}}}}}
        });
        let (code, pointer) = err(&d);
        assert_eq!(code, "E_TOO_DEEP");
        assert_eq!(pointer, "/components/callbacks/C/{$url}/post/callbacks/c");
        // Eight levels are fine.
        let mut cb = json!({"{$u}": {"get": {}}});
        for _ in 0..7 {
            cb = json!({"{$u}": {"post": {"callbacks": {"c": cb}}}});
        }
        let a = api(&doc(json!({"/a": {"post": {"callbacks": {"c": cb}}}})));
        let mut op = &a.operations["POST /a"];
        let mut depth = 0;
        while let Some(next) = op.callbacks.get("c") {
            op = next.values().next().unwrap();
            depth += 1;
        }
        assert_eq!(depth, 8);
    }

    #[test]
    fn callback_fan_out_is_bounded() {
        // Each level refers to the next one four times: 4^7 operations at the bottom.
        let mut callbacks = serde_json::Map::new();
        for level in 0..7 {
            let next: serde_json::Map<String, Value> = (0..4)
                .map(|i| {
                    (
                        format!("c{i}"),
                        json!({"$ref": format!("#/components/callbacks/L{}", level + 1)}),
                    )
                })
                .collect();
            callbacks.insert(
                format!("L{level}"),
                json!({"{$u}": {"post": {"callbacks": next}}}),
            );
        }
        callbacks.insert("L7".to_owned(), json!({"{$u}": {"get": {}}}));
        let d = json!({"openapi": "3.0.3",
                       "paths": {"/a": {"post": {"callbacks": {"c": {"$ref": "#/components/callbacks/L0"}}}}},
                       "components": {"callbacks": callbacks}});
        let e = normalize(&d, &Limits::default()).unwrap_err();
        assert_eq!(e.code(), "E_TOO_LARGE", "{e}");
    }

    #[test]
    fn meta_fields() {
        let s = normalize(
            &json!({"openapi": "3.1.0", "info": {"title": "Pets", "version": "2.1",
                    "description": "D", "license": {"name": "MIT"}, "contact": {}}}),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            s.meta,
            BTreeMap::from([
                ("description".to_owned(), json!("D")),
                ("specVersion".to_owned(), json!("3.1.0")),
                ("title".to_owned(), json!("Pets")),
                ("version".to_owned(), json!("2.1")),
            ])
        );
    }

    #[test]
    fn structural_errors_point_at_the_spot() {
        let cases = [
            (
                json!({"openapi": "3.0.3", "paths": []}),
                "E_INVALID",
                "/paths",
            ),
            (doc(json!({"/a": "x"})), "E_INVALID", "/paths/~1a"),
            (
                doc(json!({"/a": {"get": []}})),
                "E_INVALID",
                "/paths/~1a/get",
            ),
            (
                doc(json!({"/a": {"GET": {}}})),
                "E_INVALID",
                "/paths/~1a/GET",
            ),
            (
                doc(json!({"/a": {"get": {"parameters": [{"in": "query"}]}}})),
                "E_INVALID",
                "/paths/~1a/get/parameters/0",
            ),
            (
                doc(json!({"/a": {"get": {"parameters": [{"name": "q"}]}}})),
                "E_INVALID",
                "/paths/~1a/get/parameters/0",
            ),
            (
                doc(json!({"/a": {"get": {"parameters": [{"name": "q", "in": "body"}]}}})),
                "E_INVALID",
                "/paths/~1a/get/parameters/0/in",
            ),
            (
                doc(json!({"/a": {"parameters": {}, "get": {}}})),
                "E_INVALID",
                "/paths/~1a/parameters",
            ),
            (
                doc(json!({"/a": {"get": {"responses": []}}})),
                "E_INVALID",
                "/paths/~1a/get/responses",
            ),
            (
                doc(json!({"/a": {"get": {"responses": {"200": 1}}}})),
                "E_INVALID",
                "/paths/~1a/get/responses/200",
            ),
            (
                doc(json!({"/a": {"get": {"tags": "t"}}})),
                "E_INVALID",
                "/paths/~1a/get/tags",
            ),
            (
                doc(json!({"/a": {"get": {"security": {}}}})),
                "E_INVALID",
                "/paths/~1a/get/security",
            ),
            (
                doc(json!({"/a": {"get": {"servers": [{}]}}})),
                "E_INVALID",
                "/paths/~1a/get/servers/0",
            ),
            (
                doc(json!({"/a": {"get": {"summary": 1}}})),
                "E_INVALID",
                "/paths/~1a/get/summary",
            ),
            (
                doc(json!({"/a": {"post": {"requestBody": {"content": []}}}})),
                "E_INVALID",
                "/paths/~1a/post/requestBody/content",
            ),
            (
                json!({"openapi": "4.0.0"}),
                "E_UNSUPPORTED_FORMAT",
                "/openapi",
            ),
            (
                json!({"openapi": "3.2.0"}),
                "E_UNSUPPORTED_FORMAT",
                "/openapi",
            ),
            (json!({"openapi": 3.0}), "E_UNSUPPORTED_FORMAT", "/openapi"),
            (
                json!({"swagger": "2.0"}),
                "E_UNSUPPORTED_FORMAT",
                "/openapi",
            ),
            (json!([]), "E_INVALID", ""),
        ];
        for (d, code, pointer) in cases {
            assert_eq!(err(&d), (code.to_owned(), pointer.to_owned()), "{d}");
        }
    }

    #[test]
    fn digest_ignores_key_and_operation_order() {
        let a = json!({"openapi": "3.0.3", "paths": {
            "/a": {"get": {"parameters": [{"name": "x", "in": "query"}, {"name": "y", "in": "query"}]},
                   "post": {}},
            "/b": {"get": {}}}});
        let b = json!({"paths": {
            "/b": {"get": {}},
            "/a": {"post": {},
                   "get": {"parameters": [{"in": "query", "name": "y"}, {"name": "x", "in": "query"}]}}},
            "openapi": "3.0.3"});
        let sa = normalize(&a, &Limits::default()).unwrap();
        let sb = normalize(&b, &Limits::default()).unwrap();
        assert_eq!(sa.digest(), sb.digest());
    }

    fn shape(s: &Shape) -> Value {
        serde_json::to_value(s).unwrap()
    }

    #[test]
    fn schemas_are_lowered_in_the_document_dialect() {
        let d = |version: &str, id_schema: Value| {
            json!({"openapi": version, "paths": {"/a/{id}": {"post": {
                "parameters": [{"name": "id", "in": "path", "schema": id_schema},
                               {"$ref": "#/components/parameters/Q"}],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
                "responses": {"200": {"description": "ok",
                    "headers": {"X-N": {"schema": {"type": "integer", "maximum": 5}}},
                    "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}
            }}},
            "components": {
                "parameters": {"Q": {"name": "q", "in": "query", "schema": {"type": "string", "enum": ["b", "a"]}}},
                "schemas": {"Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
                            "Unused": {"type": "string"}}}})
        };
        let s30 = normalize(
            &d("3.0.3", json!({"type": "integer", "nullable": true})),
            &Limits::default(),
        )
        .unwrap();
        let s31 = normalize(
            &d("3.1.0", json!({"type": ["integer", "null"]})),
            &Limits::default(),
        )
        .unwrap();
        for s in [&s30, &s31] {
            let Surface::Api(a) = &s.surface else {
                panic!()
            };
            let op = &a.operations["POST /a/{id}"];
            assert_eq!(
                shape(&op.parameters.path["id"].schema),
                json!({"type": ["integer"], "nullable": true})
            );
            assert_eq!(
                shape(&op.parameters.query["q"].schema),
                json!({"type": ["string"], "enum": ["a", "b"]})
            );
            let body = &op.request_body.as_ref().unwrap().content["application/json"];
            assert_eq!(
                shape(&body.schema),
                json!({"$ref": "#/components/schemas/Pet"})
            );
            let r = &op.responses["200"];
            assert_eq!(
                shape(&r.headers["x-n"].schema),
                json!({"type": ["integer"], "maximum": 5})
            );
            assert_eq!(
                shape(&r.content["application/json"].schema),
                json!({"type": ["array"], "items": {"$ref": "#/components/schemas/Pet"}})
            );
            assert_eq!(
                s.schemas.keys().collect::<Vec<_>>(),
                ["#/components/schemas/Pet"],
                "only reachable schemas"
            );
            assert_eq!(
                shape(&s.schemas["#/components/schemas/Pet"]),
                json!({"type": ["object"], "required": ["name"], "properties": {"name": {"type": ["string"]}}})
            );
        }
        assert_eq!(
            s30.surface, s31.surface,
            "3.0 nullable and 3.1 type-null are one shape"
        );
    }

    #[test]
    fn reference_description_overrides_in_31_only() {
        let d = |version: &str| {
            json!({"openapi": version, "paths": {"/a": {"post": {
                "parameters": [{"$ref": "#/components/parameters/P", "description": "local"}],
                "requestBody": {"$ref": "#/components/requestBodies/B", "description": "local"},
                "responses": {"200": {"$ref": "#/components/responses/R", "description": "local"}}}}},
                "components": {
                    "parameters": {"P": {"name": "p", "in": "query", "description": "shared"}},
                    "requestBodies": {"B": {"description": "shared", "content": {}}},
                    "responses": {"R": {"description": "shared", "headers": {
                        "X-H": {"$ref": "#/components/headers/H", "description": "local"}}}},
                    "headers": {"H": {"description": "shared"}}}})
        };
        for (version, expected) in [("3.1.0", "local"), ("3.0.3", "shared")] {
            let a = api(&d(version));
            let op = &a.operations["POST /a"];
            assert_eq!(
                op.parameters.query["p"].description.as_deref(),
                Some(expected),
                "{version}"
            );
            assert_eq!(
                op.request_body.as_ref().unwrap().description.as_deref(),
                Some(expected)
            );
            assert_eq!(op.responses["200"].description.as_deref(), Some(expected));
            assert_eq!(
                op.responses["200"].headers["x-h"].description.as_deref(),
                Some(expected)
            );
        }
    }

    #[test]
    fn schema_errors_point_into_the_document() {
        let d = doc(json!({"/a": {"get": {"parameters": [
            {"name": "q", "in": "query", "schema": {"$ref": "http://169.254.169.254/latest/meta-data"}}]}}}));
        assert_eq!(
            err(&d),
            (
                "E_REF_EXTERNAL".to_owned(),
                "/paths/~1a/get/parameters/0/schema/$ref".to_owned()
            )
        );
    }

    /// Every vector under `conformance/vectors/normalize/{openapi,swagger}`: each input
    /// gives the expected error, or all inputs give one digest (and the blessed
    /// snapshot, once there is one).
    #[test]
    fn conformance_vectors_hold() {
        use crate::normalize::{Format, Options, snapshot_from_bytes};
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../conformance/vectors/normalize");
        let mut counts = BTreeMap::new();
        for area in ["openapi", "swagger"] {
            let mut paths: Vec<_> = std::fs::read_dir(base.join(area))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            paths.sort();
            for path in paths {
                let name = path.display().to_string();
                let vector: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                assert!(vector["description"].is_string(), "{name}");
                let format = Format::from_name(
                    vector
                        .get("format")
                        .and_then(Value::as_str)
                        .unwrap_or("auto"),
                )
                .unwrap();
                let options = Options {
                    format,
                    ..Options::default()
                };
                let inputs = vector["inputs"].as_array().unwrap();
                assert!(!inputs.is_empty(), "{name}");
                let results: Vec<std::result::Result<Snapshot, Error>> = inputs
                    .iter()
                    .map(|input| {
                        let bytes = match (input.get("json"), input.get("text")) {
                            (Some(j), None) => serde_json::to_vec(j).unwrap(),
                            (None, Some(Value::String(t))) => t.clone().into_bytes(),
                            _ => panic!("{name}: unknown input form {input}"),
                        };
                        snapshot_from_bytes(&bytes, &options)
                    })
                    .collect();
                let expect = &vector["expect"];
                if let Some(code) = expect.get("error") {
                    for (i, r) in results.iter().enumerate() {
                        let e = r
                            .as_ref()
                            .err()
                            .unwrap_or_else(|| panic!("{name}: input {i} did not fail"));
                        assert_eq!(Some(e.code()), code.as_str(), "{name}: input {i}: {e}");
                    }
                } else {
                    let snapshots: Vec<&Snapshot> = results
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            r.as_ref()
                                .unwrap_or_else(|e| panic!("{name}: input {i}: {e}"))
                        })
                        .collect();
                    for (i, s) in snapshots.iter().enumerate() {
                        assert_eq!(
                            s.digest(),
                            snapshots[0].digest(),
                            "{name}: input {i} differs from input 0"
                        );
                    }
                    let blessed = &expect["snapshot"];
                    if !blessed.is_null() {
                        assert_eq!(&snapshots[0].to_value().unwrap(), blessed, "{name}");
                    }
                }
                *counts.entry(area).or_insert(0) += 1;
            }
        }
        assert!(
            counts["openapi"] >= 18 && counts["swagger"] >= 8,
            "{counts:?}"
        );
    }

    /// GitHub's REST descriptions from the benchmark cache (`DRIFTGUARD_BENCH_CACHE`, by
    /// default `.bench-cache/23.0.2/package/generated` at the workspace root). Run with
    /// `cargo test --release -p driftguard-core -- --ignored`.
    #[test]
    #[ignore = "needs the benchmark cache with GitHub's REST descriptions"]
    fn github_rest_descriptions() {
        use crate::parse::{Syntax, parse_text};
        let dir = std::env::var_os("DRIFTGUARD_BENCH_CACHE").map_or_else(
            || {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../.bench-cache/23.0.2/package/generated")
            },
            std::path::PathBuf::from,
        );
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        assert!(
            names.iter().any(|n| n == "api.github.com.json")
                && names.iter().any(|n| n == "ghes-3.19.json")
        );
        for name in names {
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            let started = std::time::Instant::now();
            let value = parse_text(&bytes, Syntax::Auto, &Limits::default()).unwrap();
            let parsed = started.elapsed();
            let snapshot = normalize(&value, &Limits::default()).unwrap();
            let normalized = started.elapsed() - parsed;
            let Surface::Api(a) = &snapshot.surface else {
                panic!()
            };
            // An independent count: methods under `paths`.
            let independent: usize = value["paths"]
                .as_object()
                .unwrap()
                .values()
                .map(|item| {
                    item.as_object()
                        .unwrap()
                        .keys()
                        .filter(|k| METHODS.contains(&k.as_str()))
                        .count()
                })
                .sum();
            let json_len = snapshot.to_json().unwrap().len();
            eprintln!(
                "{name}: {} MB, {} operations ({independent} by count), {} webhooks, {} shared schemas, \
                 snapshot {} MB, parse {parsed:?}, normalize {normalized:?}",
                bytes.len() / 1_000_000,
                a.operations.len(),
                a.webhooks.len(),
                snapshot.schemas.len(),
                json_len / 1_000_000,
            );
            assert_eq!(a.operations.len(), independent, "{name}");
            assert!(a.operations.len() > 900, "{name}: {}", a.operations.len());
        }
    }
}
