//! Swagger 2.0 → [`ApiSurface`], in the same terms as OpenAPI 3.
//!
//! The `body` parameter becomes a request body with one media type per `consumes`
//! entry; `formData` parameters become a request body whose schema is an object built
//! from them; other parameters and response headers get a schema built from their
//! `type`/`format`/`items`/bounds, and `collectionFormat` becomes `style`/`explode`;
//! response schemas get one media type per `produces` entry; `host`, `basePath` and
//! `schemes` become servers; `securityDefinitions` become security schemes.
//!
//! Schemas built here do not live in the document, while the [`SchemaLowerer`] borrows
//! what it lowers for as long as it lives. So the walk runs in two passes: the first
//! builds the surface with a placeholder in every schema slot and records what each
//! placeholder stands for (a schema in the document, or one built here); the second
//! lowers them all in walk order and puts the shapes in place.

use std::collections::BTreeMap;

use serde_json::{Map as JsonMap, Value};

use super::view::{J, Kind};

use super::api_common::{
    METHODS, Map, Requirement, check_path_item_keys, default_style, deref, extensions,
    insert_unique, kind, media_type_key, merged_parameters, meta, object, operation_base, opt_bool,
    opt_object, opt_string, parameters_at, security, strings,
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

/// Parameter locations of Swagger 2.0.
const LOCATIONS: [&str; 5] = ["query", "header", "path", "formData", "body"];

/// Keys of a non-body parameter, header or `items` object that describe its value.
const VALUE_KEYS: [&str; 16] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// Marks a placeholder shape; no lowered `$ref` id can start with a NUL.
const PENDING: &str = "\u{0}pending:";

const DEFAULT_MEDIA_TYPE: &str = "application/json";
const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// Normalizes a Swagger 2.0 document into a snapshot.
pub(crate) fn normalize(value: J<'_>, limits: &Limits) -> Result<Snapshot> {
    let root = object(value, "", "a Swagger document")?;
    match root.get("swagger").map(|v| (v, v.kind())) {
        Some((_, Kind::String("2.0"))) => {}
        Some((other, _)) => {
            return Err(Error::unsupported(
                format!("Swagger version {other} is not supported (2.0 is)"),
                "/swagger",
            ));
        }
        None => {
            return Err(Error::unsupported(
                "not a Swagger 2.0 document: no `swagger` version",
                "/swagger",
            ));
        }
    }

    let host = opt_string(root, "host", "")?;
    let base_path = opt_string(root, "basePath", "")?;
    let schemes = match root.get("schemes") {
        Some(s) => strings(s, "/schemes", "`schemes`")?,
        None => Vec::new(),
    };
    let mut walker = Walker {
        root: value,
        max_depth: limits.max_depth,
        doc_security: root
            .get("security")
            .map(|s| security(s, "/security"))
            .transpose()?,
        consumes: media_types(root, "consumes", "")?.unwrap_or_default(),
        produces: media_types(root, "produces", "")?.unwrap_or_default(),
        host: host.clone(),
        base_path: base_path.clone(),
        jobs: Vec::new(),
    };
    let mut surface = ApiSurface {
        servers: servers(host.as_deref(), base_path.as_deref(), &schemes),
        ..ApiSurface::default()
    };

    if let Some(paths) = opt_object(root, "paths", "", "`paths`")? {
        for (path, item) in paths {
            if path.starts_with("x-") {
                continue;
            }
            walker.path_item(item, &push("/paths", path), path, &mut surface.operations)?;
        }
    }
    if let Some(defs) = opt_object(root, "securityDefinitions", "", "`securityDefinitions`")? {
        for (name, scheme) in defs {
            let at = push("/securityDefinitions", name);
            let (scheme, _) = deref(value, scheme, &at, "a security definition")?;
            surface
                .security_schemes
                .insert(name.to_owned(), scheme.canonical());
        }
    }

    // Second pass: lower every recorded schema, in walk order, and put it in place.
    let jobs = walker.jobs;
    let mut lowerer = SchemaLowerer::new_view(value, Dialect::Swagger2, limits);
    let mut shapes = Vec::with_capacity(jobs.len());
    for (source, pointer) in &jobs {
        let schema = match source {
            Source::Document(v) => *v,
            Source::Built(v) => J::V(v),
        };
        shapes.push(lowerer.lower_view(schema, pointer)?);
    }
    let table = lowerer.finish();
    fill(&mut surface, &shapes)?;

    let meta = meta(root, "2.0")?;
    Ok(Snapshot::unsealed(Surface::Api(surface), meta, table, None))
}

/// Servers from `host`, `basePath` and `schemes`: `{scheme}://{host}{basePath}` per
/// scheme (`//{host}{basePath}`, "the document's own scheme", when none is given);
/// without a host, the base path alone (`/` by default).
fn servers(host: Option<&str>, base_path: Option<&str>, schemes: &[String]) -> Vec<Server> {
    let base = base_path.unwrap_or_default();
    let url = |u: String| Server {
        url: u,
        ..Server::default()
    };
    match host {
        Some(h) if schemes.is_empty() => vec![url(format!("//{h}{base}"))],
        Some(h) => schemes
            .iter()
            .map(|s| url(format!("{s}://{h}{base}")))
            .collect(),
        None => vec![url(if base.is_empty() {
            "/".to_owned()
        } else {
            base.to_owned()
        })],
    }
}

/// A `consumes`/`produces` list, canonical and deduplicated, if present.
fn media_types(map: Map<'_>, key: &str, pointer: &str) -> Result<Option<Vec<String>>> {
    let Some(list) = map.get(key) else {
        return Ok(None);
    };
    let mut out: Vec<String> = strings(list, &push(pointer, key), &format!("`{key}`"))?
        .iter()
        .map(|m| media_type_key(m))
        .collect();
    out.sort();
    out.dedup();
    Ok(Some(out))
}

/// What a placeholder stands for.
enum Source<'doc> {
    /// A schema in the document.
    Document(J<'doc>),
    /// A schema built from a parameter or header.
    Built(Value),
}

struct Walker<'doc> {
    root: J<'doc>,
    max_depth: usize,
    doc_security: Option<Vec<Requirement>>,
    consumes: Vec<String>,
    produces: Vec<String>,
    host: Option<String>,
    base_path: Option<String>,
    jobs: Vec<(Source<'doc>, String)>,
}

impl<'doc> Walker<'doc> {
    /// Records a schema to lower and returns its placeholder.
    fn schema(&mut self, source: Source<'doc>, pointer: String) -> Shape {
        let placeholder = Shape::reference(format!("{PENDING}{}", self.jobs.len()));
        self.jobs.push((source, pointer));
        placeholder
    }

    fn path_item(
        &mut self,
        item: J<'doc>,
        pointer: &str,
        path: &str,
        out: &mut BTreeMap<String, Operation>,
    ) -> Result<()> {
        let (item, at) = deref(self.root, item, pointer, "a path item")?;
        check_path_item_keys(item, &at)?;
        let item_params_at = push(&at, "parameters");
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let op_at = push(&at, method);
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
            let consumes =
                media_types(op, "consumes", &op_at)?.unwrap_or_else(|| self.consumes.clone());
            let produces =
                media_types(op, "produces", &op_at)?.unwrap_or_else(|| self.produces.clone());

            let mut form = FormBody::default();
            let mut body_at = None;
            for p in merged.into_values() {
                match p.location {
                    "body" => {
                        let Some(schema) = p.obj.get("schema") else {
                            return Err(Error::invalid(
                                "a body parameter must have a `schema`",
                                &p.at,
                            ));
                        };
                        let shape = self.schema(Source::Document(schema), push(&p.at, "schema"));
                        let media = if consumes.is_empty() {
                            vec![DEFAULT_MEDIA_TYPE.to_owned()]
                        } else {
                            consumes.clone()
                        };
                        operation.request_body = Some(RequestBody {
                            content: media
                                .into_iter()
                                .map(|m| {
                                    (
                                        m,
                                        MediaType {
                                            schema: shape.clone(),
                                            ..MediaType::default()
                                        },
                                    )
                                })
                                .collect(),
                            description: opt_string(p.obj, "description", &p.at)?,
                            required: opt_bool(p.obj, "required", &p.at)?.unwrap_or(false),
                        });
                        body_at = Some(p.at);
                    }
                    "formData" => {
                        let mut schema = self.value_schema(p.obj, &p.at, 0)?;
                        if let (Some(d), Value::Object(s)) = (p.obj.get("description"), &mut schema)
                        {
                            s.insert("description".to_owned(), d.raw());
                        }
                        form.file |= p.obj.get("type").and_then(J::as_str) == Some("file");
                        if opt_bool(p.obj, "required", &p.at)?.unwrap_or(false) {
                            form.required.push(Value::String(p.name.to_owned()));
                        }
                        form.properties.insert(p.name.to_owned(), schema);
                    }
                    location => {
                        let parameter = self.parameter(p.obj, &p.at, location)?;
                        let key = if location == "header" {
                            p.name.to_ascii_lowercase()
                        } else {
                            p.name.to_owned()
                        };
                        if let Some(map) = parameters_at(&mut operation.parameters, location) {
                            map.insert(key, parameter);
                        }
                    }
                }
            }
            if !form.properties.is_empty() {
                if let Some(at) = body_at {
                    return Err(Error::invalid(
                        "an operation cannot have both a `body` parameter and `formData` parameters",
                        &at,
                    ));
                }
                operation.request_body = Some(self.form_body(form, &consumes, op_params_at));
            }

            if let Some(responses) = opt_object(op, "responses", &op_at, "`responses`")? {
                let responses_at = push(&op_at, "responses");
                for (status, response) in responses {
                    if status.starts_with("x-") {
                        continue;
                    }
                    let r = self.response(response, &push(&responses_at, status), &produces)?;
                    operation.responses.insert(status.to_owned(), r);
                }
            }
            operation.security = match op.get("security") {
                Some(s) => Some(security(s, &push(&op_at, "security"))?),
                None => self.doc_security.clone(),
            };
            if let (Some(s), Some(host)) = (op.get("schemes"), &self.host) {
                let schemes = strings(s, &push(&op_at, "schemes"), "`schemes`")?;
                operation.servers = servers(Some(host), self.base_path.as_deref(), &schemes);
            }
            out.insert(format!("{} {path}", method.to_ascii_uppercase()), operation);
        }
        Ok(())
    }

    /// The request body made of `formData` parameters: an object schema with one
    /// property per parameter; `multipart/form-data` when a file is uploaded, else the
    /// form media types of `consumes` (URL-encoded by default).
    fn form_body(&mut self, form: FormBody, consumes: &[String], pointer: String) -> RequestBody {
        let required = !form.required.is_empty();
        let mut schema = JsonMap::new();
        schema.insert("type".to_owned(), Value::String("object".to_owned()));
        schema.insert("properties".to_owned(), Value::Object(form.properties));
        if required {
            let mut names = form.required;
            names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            schema.insert("required".to_owned(), Value::Array(names));
        }
        let shape = self.schema(Source::Built(Value::Object(schema)), pointer);
        let media: Vec<String> = if form.file {
            vec![MULTIPART.to_owned()]
        } else {
            let forms: Vec<String> = consumes
                .iter()
                .filter(|m| is_form_media_type(m))
                .cloned()
                .collect();
            if forms.is_empty() {
                vec![FORM_URLENCODED.to_owned()]
            } else {
                forms
            }
        };
        RequestBody {
            content: media
                .into_iter()
                .map(|m| {
                    (
                        m,
                        MediaType {
                            schema: shape.clone(),
                            ..MediaType::default()
                        },
                    )
                })
                .collect(),
            description: None,
            required,
        }
    }

    /// A query, header or path parameter.
    fn parameter(&mut self, obj: Map<'doc>, at: &str, location: &str) -> Result<Parameter> {
        let (style, explode) = style_of(obj, at, location)?;
        let schema = self.value_schema(obj, at, 0)?;
        Ok(Parameter {
            allow_empty_value: opt_bool(obj, "allowEmptyValue", at)?.unwrap_or(false),
            description: opt_string(obj, "description", at)?,
            explode,
            extensions: extensions(obj, &[]),
            required: location == "path" || opt_bool(obj, "required", at)?.unwrap_or(false),
            schema: self.schema(Source::Built(schema), at.to_owned()),
            style: Some(style.to_owned()),
            ..Parameter::default()
        })
    }

    fn response(
        &mut self,
        response: J<'doc>,
        pointer: &str,
        produces: &[String],
    ) -> Result<Response> {
        let (response, at) = deref(self.root, response, pointer, "a response")?;
        let mut content = BTreeMap::new();
        if let Some(schema) = response.get("schema") {
            let source = match schema.kind() {
                // Swagger's one extension of the Schema Object: a root `type: file`
                // (a download), the binary string of OpenAPI 3.
                Kind::Object(m) if m.get("type").and_then(J::as_str) == Some("file") => {
                    let mut m = match schema.raw() {
                        Value::Object(m) => m,
                        _ => JsonMap::new(),
                    };
                    m.insert("type".to_owned(), Value::String("string".to_owned()));
                    m.insert("format".to_owned(), Value::String("binary".to_owned()));
                    Source::Built(Value::Object(m))
                }
                _ => Source::Document(schema),
            };
            let shape = self.schema(source, push(&at, "schema"));
            if produces.is_empty() {
                content.insert(
                    DEFAULT_MEDIA_TYPE.to_owned(),
                    MediaType {
                        schema: shape,
                        ..MediaType::default()
                    },
                );
            } else {
                for m in produces {
                    content.insert(
                        m.clone(),
                        MediaType {
                            schema: shape.clone(),
                            ..MediaType::default()
                        },
                    );
                }
            }
        }
        let mut headers = BTreeMap::new();
        if let Some(hs) = opt_object(response, "headers", &at, "`headers`")? {
            let headers_at = push(&at, "headers");
            for (name, header) in hs {
                let key = name.to_ascii_lowercase();
                if key == "content-type" {
                    continue;
                }
                let h_at = push(&headers_at, name);
                let header = object(header, &h_at, "a header")?;
                let (style, explode) = style_of(header, &h_at, "header")?;
                let schema = self.value_schema(header, &h_at, 0)?;
                let h = Parameter {
                    description: opt_string(header, "description", &h_at)?,
                    explode,
                    extensions: extensions(header, &[]),
                    schema: self.schema(Source::Built(schema), h_at.clone()),
                    style: Some(style.to_owned()),
                    ..Parameter::default()
                };
                insert_unique(&mut headers, key, h, &h_at, "response header")?;
            }
        }
        Ok(Response {
            content,
            description: opt_string(response, "description", &at)?,
            headers,
        })
    }

    /// The JSON Schema a non-body parameter, header or `items` object describes:
    /// its value keywords, with `type: file` read as a binary string.
    fn value_schema(&self, obj: Map<'_>, at: &str, depth: usize) -> Result<Value> {
        if depth > self.max_depth {
            return Err(Error::TooDeep {
                limit: self.max_depth,
                location: Location::at_pointer(at),
            });
        }
        let mut out = JsonMap::new();
        for key in VALUE_KEYS {
            let Some(v) = obj.get(key) else { continue };
            if key == "items" {
                let items_at = push(at, "items");
                let items = object(v, &items_at, "`items`")?;
                out.insert(
                    key.to_owned(),
                    self.value_schema(items, &items_at, depth + 1)?,
                );
            } else {
                out.insert(key.to_owned(), v.raw());
            }
        }
        if out.get("type").and_then(Value::as_str) == Some("file") {
            out.insert("type".to_owned(), Value::String("string".to_owned()));
            out.insert("format".to_owned(), Value::String("binary".to_owned()));
        }
        Ok(Value::Object(out))
    }
}

#[derive(Default)]
struct FormBody {
    properties: JsonMap<String, Value>,
    required: Vec<Value>,
    file: bool,
}

fn is_form_media_type(m: &str) -> bool {
    let essence = m.split(';').next().unwrap_or_default();
    essence == MULTIPART || essence == FORM_URLENCODED
}

/// `style` and `explode` from `collectionFormat` (arrays only; other values take the
/// OpenAPI 3 defaults of their location).
fn style_of(obj: Map<'_>, at: &str, location: &str) -> Result<(&'static str, bool)> {
    let is_array = obj.get("type").and_then(J::as_str) == Some("array");
    if !is_array {
        let style = default_style(location);
        return Ok((style, style == "form"));
    }
    let format = match obj.get("collectionFormat").map(J::kind) {
        None => "csv",
        Some(Kind::String(s)) => s,
        Some(other) => {
            return Err(Error::invalid(
                format!("`collectionFormat` must be a string, found {}", kind(other)),
                &push(at, "collectionFormat"),
            ));
        }
    };
    Ok(match format {
        "csv" => (default_style(location), false),
        "multi" => ("form", true),
        "ssv" => ("spaceDelimited", false),
        "pipes" => ("pipeDelimited", false),
        "tsv" => ("tabDelimited", false),
        other => {
            return Err(Error::invalid(
                format!("unknown `collectionFormat` {other:?} (csv, ssv, tsv, pipes, multi)"),
                &push(at, "collectionFormat"),
            ));
        }
    })
}

/// Replaces every placeholder in the surface with its lowered shape.
fn fill(surface: &mut ApiSurface, shapes: &[Shape]) -> Result<()> {
    for op in surface.operations.values_mut() {
        fill_parameters(&mut op.parameters, shapes)?;
        if let Some(body) = &mut op.request_body {
            for m in body.content.values_mut() {
                fill_shape(&mut m.schema, shapes)?;
            }
        }
        for r in op.responses.values_mut() {
            for m in r.content.values_mut() {
                fill_shape(&mut m.schema, shapes)?;
            }
            for h in r.headers.values_mut() {
                fill_shape(&mut h.schema, shapes)?;
            }
        }
    }
    Ok(())
}

fn fill_parameters(params: &mut Parameters, shapes: &[Shape]) -> Result<()> {
    for map in [
        &mut params.query,
        &mut params.header,
        &mut params.path,
        &mut params.cookie,
    ] {
        for p in map.values_mut() {
            fill_shape(&mut p.schema, shapes)?;
        }
    }
    Ok(())
}

fn fill_shape(shape: &mut Shape, shapes: &[Shape]) -> Result<()> {
    let index = shape
        .node()
        .and_then(|n| n.reference.as_deref())
        .and_then(|r| r.strip_prefix(PENDING))
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(i) = index {
        *shape = shapes.get(i).cloned().ok_or_else(|| {
            Error::invalid("internal error: a schema placeholder was not lowered", "")
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        json!({"swagger": "2.0", "info": {"title": "T", "version": "1"}, "paths": paths})
    }

    fn no_placeholder_left(s: &Snapshot) {
        let text = s.to_json().unwrap();
        assert!(!text.contains("pending:"), "{text}");
    }

    #[test]
    fn body_parameter_becomes_request_body_per_consumes() {
        let d = json!({
            "swagger": "2.0", "consumes": ["application/json"],
            "paths": {"/pets": {
                "post": {"parameters": [{"name": "pet", "in": "body", "required": true, "description": "the pet",
                                         "schema": {"$ref": "#/definitions/Pet"}}]},
                "put": {"consumes": ["Application/XML", "application/json"],
                        "parameters": [{"name": "pet", "in": "body", "schema": {"type": "object"}}]}
            }},
            "definitions": {"Pet": {"type": "object"}}
        });
        let a = api(&d);
        let post = a.operations["POST /pets"].request_body.as_ref().unwrap();
        assert!(post.required);
        assert_eq!(post.description.as_deref(), Some("the pet"));
        assert_eq!(
            post.content.keys().collect::<Vec<_>>(),
            ["application/json"]
        );
        let put = a.operations["PUT /pets"].request_body.as_ref().unwrap();
        assert!(!put.required);
        assert_eq!(
            put.content.keys().collect::<Vec<_>>(),
            ["application/json", "application/xml"]
        );
        // No consumes anywhere: application/json.
        let a = api(&doc(
            json!({"/a": {"post": {"parameters": [{"name": "b", "in": "body", "schema": {}}]}}}),
        ));
        let body = a.operations["POST /a"].request_body.as_ref().unwrap();
        assert_eq!(
            body.content.keys().collect::<Vec<_>>(),
            ["application/json"]
        );
        no_placeholder_left(&normalize(&d, &Limits::default()).unwrap());
    }

    #[test]
    fn form_data_becomes_an_object_body() {
        let a = api(&json!({
            "swagger": "2.0", "consumes": ["application/json", "application/x-www-form-urlencoded"],
            "paths": {
                "/upload": {"post": {"parameters": [
                    {"name": "file", "in": "formData", "type": "file", "required": true},
                    {"name": "note", "in": "formData", "type": "string"}]}},
                "/form": {"post": {"parameters": [{"name": "a", "in": "formData", "type": "string"}]},
                          "put": {"consumes": ["application/json"],
                                  "parameters": [{"name": "a", "in": "formData", "type": "string", "required": true}]}}
            }
        }));
        let up = a.operations["POST /upload"].request_body.as_ref().unwrap();
        assert_eq!(
            up.content.keys().collect::<Vec<_>>(),
            ["multipart/form-data"]
        );
        assert!(up.required);
        let form = a.operations["POST /form"].request_body.as_ref().unwrap();
        assert_eq!(
            form.content.keys().collect::<Vec<_>>(),
            ["application/x-www-form-urlencoded"]
        );
        assert!(!form.required);
        let put = a.operations["PUT /form"].request_body.as_ref().unwrap();
        assert_eq!(
            put.content.keys().collect::<Vec<_>>(),
            ["application/x-www-form-urlencoded"]
        );
        assert!(a.operations["POST /upload"].parameters.is_empty());
    }

    #[test]
    fn form_schema_is_built_from_parameters() {
        let d = doc(json!({"/f": {"post": {"parameters": [
            {"name": "b", "in": "formData", "type": "file", "required": true},
            {"name": "a", "in": "formData", "type": "array", "items": {"type": "integer"},
             "description": "ids", "required": true}]}}}));
        let root = d.clone();
        let mut w = Walker {
            root: J::from(&root),
            max_depth: 256,
            doc_security: None,
            consumes: vec![],
            produces: vec![],
            host: None,
            base_path: None,
            jobs: vec![],
        };
        let mut ops = BTreeMap::new();
        w.path_item(J::from(&root["paths"]["/f"]), "/paths/~1f", "/f", &mut ops)
            .unwrap();
        assert_eq!(w.jobs.len(), 1);
        let (Source::Built(schema), pointer) = &w.jobs[0] else {
            panic!("expected a built schema")
        };
        assert_eq!(pointer, "/paths/~1f/post/parameters");
        assert_eq!(
            schema,
            &json!({"type": "object", "required": ["a", "b"], "properties": {
                "a": {"type": "array", "items": {"type": "integer"}, "description": "ids"},
                "b": {"type": "string", "format": "binary"}}})
        );
    }

    #[test]
    fn parameter_schemas_are_built_from_value_keywords() {
        let d = doc(json!({"/a/{id}": {"get": {"parameters": [
            {"name": "id", "in": "path", "type": "integer", "format": "int64", "minimum": 1,
             "exclusiveMinimum": true, "description": "the id", "x-ext": 1},
            {"name": "tags", "in": "query", "type": "array", "collectionFormat": "multi",
             "items": {"type": "array", "collectionFormat": "pipes", "items": {"type": "string", "enum": ["a"]}}}
        ]}}}));
        let mut w = Walker {
            root: J::from(&d),
            max_depth: 256,
            doc_security: None,
            consumes: vec![],
            produces: vec![],
            host: None,
            base_path: None,
            jobs: vec![],
        };
        let mut ops = BTreeMap::new();
        w.path_item(
            J::from(&d["paths"]["/a/{id}"]),
            "/paths/~1a~1{id}",
            "/a/{id}",
            &mut ops,
        )
        .unwrap();
        let built: BTreeMap<&str, &Value> = w
            .jobs
            .iter()
            .map(|(s, p)| match s {
                Source::Built(v) => (p.as_str(), v),
                Source::Document(_) => panic!("unexpected document schema"),
            })
            .collect();
        assert_eq!(
            built["/paths/~1a~1{id}/get/parameters/0"],
            &json!({"type": "integer", "format": "int64", "minimum": 1, "exclusiveMinimum": true})
        );
        assert_eq!(
            built["/paths/~1a~1{id}/get/parameters/1"],
            &json!({"type": "array", "items": {"type": "array", "items": {"type": "string", "enum": ["a"]}}})
        );
        let op = &ops["GET /a/{id}"];
        assert_eq!(
            op.parameters.path["id"].description.as_deref(),
            Some("the id")
        );
        assert_eq!(op.parameters.path["id"].extensions["x-ext"], json!(1));
    }

    #[test]
    fn collection_formats_become_style_and_explode() {
        let p = |name: &str, cf: Option<&str>, location: &str| {
            let mut v =
                json!({"name": name, "in": location, "type": "array", "items": {"type": "string"}});
            if let Some(cf) = cf {
                v["collectionFormat"] = json!(cf);
            }
            v
        };
        let a = api(&doc(json!({"/a/{p}": {"get": {"parameters": [
            p("csv", None, "query"), p("multi", Some("multi"), "query"), p("ssv", Some("ssv"), "query"),
            p("pipes", Some("pipes"), "query"), p("tsv", Some("tsv"), "query"), p("p", Some("csv"), "path"),
            p("H", None, "header"),
            {"name": "plain", "in": "query", "type": "string"},
            {"name": "X-Plain", "in": "header", "type": "string", "required": true}
        ]}}})));
        let params = &a.operations["GET /a/{p}"].parameters;
        let got: Vec<(&str, Option<&str>, bool)> = params
            .query
            .iter()
            .chain(params.path.iter())
            .chain(params.header.iter())
            .map(|(k, v)| (k.as_str(), v.style.as_deref(), v.explode))
            .collect();
        assert_eq!(
            got,
            [
                ("csv", Some("form"), false),
                ("multi", Some("form"), true),
                ("pipes", Some("pipeDelimited"), false),
                ("plain", Some("form"), true),
                ("ssv", Some("spaceDelimited"), false),
                ("tsv", Some("tabDelimited"), false),
                ("p", Some("simple"), false),
                ("h", Some("simple"), false),
                ("x-plain", Some("simple"), false),
            ]
        );
        assert!(params.path["p"].required);
        assert!(params.header["x-plain"].required);
        assert!(!params.query["csv"].required);
        let bad = doc(json!({"/a": {"get": {"parameters": [
            {"name": "q", "in": "query", "type": "array", "collectionFormat": "bogus"}]}}}));
        assert_eq!(
            err(&bad),
            (
                "E_INVALID".to_owned(),
                "/paths/~1a/get/parameters/0/collectionFormat".to_owned()
            )
        );
    }

    #[test]
    fn responses_per_produces_with_headers() {
        let a = api(&json!({
            "swagger": "2.0", "produces": ["application/json"],
            "paths": {"/a": {
                "get": {"responses": {
                    "200": {"description": "ok", "schema": {"type": "string"},
                            "headers": {"X-Rate-Limit": {"type": "integer", "description": "limit"},
                                        "X-List": {"type": "array", "items": {"type": "string"}, "collectionFormat": "pipes"}}},
                    "404": {"$ref": "#/responses/NotFound"},
                    "x-e": {}
                }},
                "post": {"produces": ["text/plain", "Text/Plain"], "responses": {"201": {"description": "made", "schema": {}}}}
            }},
            "responses": {"NotFound": {"description": "nope"}}
        }));
        let get = &a.operations["GET /a"].responses;
        assert_eq!(get.keys().collect::<Vec<_>>(), ["200", "404"]);
        assert_eq!(
            get["200"].content.keys().collect::<Vec<_>>(),
            ["application/json"]
        );
        assert_eq!(
            get["200"].headers.keys().collect::<Vec<_>>(),
            ["x-list", "x-rate-limit"]
        );
        assert_eq!(
            get["200"].headers["x-rate-limit"].description.as_deref(),
            Some("limit")
        );
        assert_eq!(
            get["200"].headers["x-rate-limit"].style.as_deref(),
            Some("simple")
        );
        assert_eq!(
            get["200"].headers["x-list"].style.as_deref(),
            Some("pipeDelimited")
        );
        assert_eq!(get["404"].description.as_deref(), Some("nope"));
        assert!(get["404"].content.is_empty(), "no schema, no content");
        let post = &a.operations["POST /a"].responses["201"];
        assert_eq!(post.content.keys().collect::<Vec<_>>(), ["text/plain"]);
    }

    #[test]
    fn servers_from_host_base_path_and_schemes() {
        let a = api(
            &json!({"swagger": "2.0", "host": "api.example.com", "basePath": "/v2",
                            "schemes": ["https", "http"],
                            "paths": {"/a": {"get": {"schemes": ["wss"]}, "put": {}}}}),
        );
        let urls: Vec<&str> = a.servers.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(
            urls,
            ["https://api.example.com/v2", "http://api.example.com/v2"]
        );
        assert_eq!(
            a.operations["GET /a"].servers[0].url,
            "wss://api.example.com/v2"
        );
        assert!(a.operations["PUT /a"].servers.is_empty());
        let urls = |d: Value| {
            api(&d)
                .servers
                .into_iter()
                .map(|s| s.url)
                .collect::<Vec<_>>()
        };
        assert_eq!(urls(json!({"swagger": "2.0", "basePath": "/v1"})), ["/v1"]);
        assert_eq!(urls(json!({"swagger": "2.0"})), ["/"]);
        assert_eq!(
            urls(json!({"swagger": "2.0", "host": "h.example"})),
            ["//h.example"]
        );
    }

    #[test]
    fn security_definitions_and_effective_security() {
        let a = api(&json!({
            "swagger": "2.0", "security": [{"key": []}],
            "securityDefinitions": {"key": {"type": "apiKey", "name": "X-Key", "in": "header"},
                                    "oauth": {"type": "oauth2", "flow": "implicit", "scopes": {"a": "A"},
                                              "authorizationUrl": "https://x.example"}},
            "paths": {"/a": {"get": {}, "post": {"security": [{"oauth": ["b", "a"]}]}, "put": {"security": []}}}
        }));
        assert_eq!(
            a.security_schemes.keys().collect::<Vec<_>>(),
            ["key", "oauth"]
        );
        assert_eq!(
            a.security_schemes["key"],
            json!({"in": "header", "name": "X-Key", "type": "apiKey"})
        );
        let get = a.operations["GET /a"].security.as_ref().unwrap();
        assert_eq!(
            get,
            &vec![Requirement::from([("key".to_owned(), BTreeSet::new())])]
        );
        let post = a.operations["POST /a"].security.as_ref().unwrap();
        assert_eq!(post[0]["oauth"].iter().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(a.operations["PUT /a"].security, Some(vec![]));
    }

    #[test]
    fn operation_fields_and_meta() {
        let s = normalize(
            &json!({"swagger": "2.0", "info": {"title": "T", "version": "1.0", "description": "D"},
                    "paths": {"/a": {"get": {"deprecated": true, "x-sunset": "2026-12-31",
                                             "x-team": "core", "tags": ["z", "a"], "operationId": "g",
                                             "summary": "S"}}}}),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(s.meta["specVersion"], json!("2.0"));
        assert_eq!(s.meta["title"], json!("T"));
        assert_eq!(s.meta["version"], json!("1.0"));
        assert_eq!(s.meta["description"], json!("D"));
        let Surface::Api(a) = &s.surface else {
            panic!()
        };
        let op = &a.operations["GET /a"];
        assert!(op.deprecated);
        assert_eq!(op.sunset.as_deref(), Some("2026-12-31"));
        assert_eq!(op.extensions.keys().collect::<Vec<_>>(), ["x-team"]);
        assert_eq!(op.tags.iter().collect::<Vec<_>>(), ["a", "z"]);
        assert_eq!(op.operation_id.as_deref(), Some("g"));
        assert_eq!(op.summary.as_deref(), Some("S"));
    }

    #[test]
    fn path_level_parameters_merge() {
        let a = api(&json!({"swagger": "2.0",
        "parameters": {"Id": {"name": "id", "in": "path", "type": "string"}},
        "paths": {"/a/{id}": {
            "parameters": [{"$ref": "#/parameters/Id"}, {"name": "q", "in": "query", "type": "string"},
                           {"name": "b", "in": "body", "schema": {}, "description": "path body"}],
            "get": {"parameters": [{"name": "q", "in": "query", "type": "integer", "description": "op"}]},
            "put": {"parameters": [{"name": "other", "in": "body", "schema": {}, "description": "op body"}]}
        }}}));
        let get = &a.operations["GET /a/{id}"];
        assert!(get.parameters.path["id"].required);
        assert_eq!(get.parameters.query["q"].description.as_deref(), Some("op"));
        assert_eq!(
            get.request_body.as_ref().unwrap().description.as_deref(),
            Some("path body")
        );
        let put = &a.operations["PUT /a/{id}"];
        assert_eq!(
            put.request_body.as_ref().unwrap().description.as_deref(),
            Some("op body")
        );
    }

    fn shape(s: &Shape) -> Value {
        serde_json::to_value(s).unwrap()
    }

    #[test]
    fn schemas_are_lowered_in_the_swagger_dialect() {
        let s = normalize(
            &json!({"swagger": "2.0", "paths": {"/a/{id}": {"post": {
                "parameters": [
                    {"name": "id", "in": "path", "type": "integer", "maximum": 10, "exclusiveMaximum": true},
                    {"name": "tags", "in": "query", "type": "array", "items": {"type": "string", "enum": ["b", "a"]}},
                    {"name": "f", "in": "formData", "type": "file", "required": true},
                    {"name": "n", "in": "formData", "type": "number", "description": "a number"}],
                "responses": {
                    "200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"},
                            "headers": {"X-N": {"type": "integer", "minimum": 0}}},
                    "201": {"description": "download", "schema": {"type": "file"}}}}}},
                "definitions": {"Pet": {"type": "object", "x-nullable": true},
                                "Unused": {"type": "string"}}}),
            &Limits::default(),
        )
        .unwrap();
        no_placeholder_left(&s);
        let Surface::Api(a) = &s.surface else {
            panic!()
        };
        let op = &a.operations["POST /a/{id}"];
        assert_eq!(
            shape(&op.parameters.path["id"].schema),
            json!({"type": ["integer"], "maximum": 9})
        );
        assert_eq!(
            shape(&op.parameters.query["tags"].schema),
            json!({"type": ["array"], "items": {"type": ["string"], "enum": ["a", "b"]}})
        );
        let body = op.request_body.as_ref().unwrap();
        assert_eq!(
            shape(&body.content["multipart/form-data"].schema),
            json!({"type": ["object"], "required": ["f"], "properties": {
                "f": {"type": ["string"], "format": "binary"},
                "n": {"type": ["number"], "description": "a number"}}})
        );
        let ok = &op.responses["200"];
        assert_eq!(
            shape(&ok.content["application/json"].schema),
            json!({"$ref": "#/definitions/Pet"})
        );
        assert_eq!(
            shape(&ok.headers["x-n"].schema),
            json!({"type": ["integer"], "minimum": 0})
        );
        assert_eq!(
            shape(&op.responses["201"].content["application/json"].schema),
            json!({"type": ["string"], "format": "binary"})
        );
        assert_eq!(s.schemas.keys().collect::<Vec<_>>(), ["#/definitions/Pet"]);
        assert_eq!(
            shape(&s.schemas["#/definitions/Pet"]),
            json!({"type": ["object"], "nullable": true})
        );
    }

    #[test]
    fn errors() {
        let cases = [
            (
                json!({"swagger": "2.0", "paths": "x"}),
                "E_INVALID",
                "/paths",
            ),
            (
                json!({"swagger": "3.0"}),
                "E_UNSUPPORTED_FORMAT",
                "/swagger",
            ),
            (
                json!({"openapi": "3.0.0"}),
                "E_UNSUPPORTED_FORMAT",
                "/swagger",
            ),
            (
                doc(json!({"/a": {"get": 1}})),
                "E_INVALID",
                "/paths/~1a/get",
            ),
            (
                doc(json!({"/a": {"get": {"parameters": [{"name": "b", "in": "body"}]}}})),
                "E_INVALID",
                "/paths/~1a/get/parameters/0",
            ),
            (
                doc(json!({"/a": {"get": {"parameters": [{"name": "b", "in": "cookie"}]}}})),
                "E_INVALID",
                "/paths/~1a/get/parameters/0/in",
            ),
            (
                doc(json!({"/a": {"get": {"parameters": [{"in": "query"}]}}})),
                "E_INVALID",
                "/paths/~1a/get/parameters/0",
            ),
            (
                doc(json!({"/a": {"get": {"parameters": [
                {"name": "b", "in": "body", "schema": {}}, {"name": "c", "in": "body", "schema": {}}]}}})),
                "E_INVALID",
                "/paths/~1a/get/parameters/1",
            ),
            (
                doc(json!({"/a": {"get": {"parameters": [
                {"name": "b", "in": "body", "schema": {}}, {"name": "f", "in": "formData", "type": "string"}]}}})),
                "E_INVALID",
                "/paths/~1a/get/parameters/0",
            ),
            (
                doc(json!({"/a": {"get": {"parameters": [{"$ref": "#/parameters/Nope"}]}}})),
                "E_REF_UNRESOLVED",
                "/paths/~1a/get/parameters/0/$ref",
            ),
            (
                doc(
                    json!({"/a": {"get": {"parameters": [{"$ref": "https://evil.example/p.json"}]}}}),
                ),
                "E_REF_EXTERNAL",
                "/paths/~1a/get/parameters/0/$ref",
            ),
            (
                doc(json!({"/a": {"get": {"consumes": "application/json"}}})),
                "E_INVALID",
                "/paths/~1a/get/consumes",
            ),
            (
                doc(
                    json!({"/a": {"get": {"parameters": [{"name": "q", "in": "query", "type": "array", "items": 1}]}}}),
                ),
                "E_INVALID",
                "/paths/~1a/get/parameters/0/items",
            ),
            (
                json!({"swagger": "2.0", "schemes": "https"}),
                "E_INVALID",
                "/schemes",
            ),
        ];
        for (d, code, pointer) in cases {
            assert_eq!(err(&d), (code.to_owned(), pointer.to_owned()), "{d}");
        }
        let cyclic = json!({"swagger": "2.0", "paths": {"/a": {"get": {"parameters": [{"$ref": "#/parameters/A"}]}}},
                            "parameters": {"A": {"$ref": "#/parameters/B"}, "B": {"$ref": "#/parameters/A"}}});
        assert_eq!(err(&cyclic).0, "E_REF_CYCLE");
    }
}
