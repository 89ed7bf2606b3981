//! MCP capture document → `mcp` snapshot.
//!
//! The input is the **capture document** every fetch layer writes (specified in
//! `conformance/MCP_CAPTURE.md`): a JSON object with the `initialize` result (or the
//! 2026-07-28 `server/discover` result under `discover`) and the joined pages of
//! `tools/list`, `prompts/list`, `resources/list` and `resources/templates/list` under
//! `tools`, `prompts`, `resources` and `resourceTemplates`. A bare `tools/list` result
//! (`{"tools": [...]}`) is a capture with only tools.
//!
//! What the snapshot keeps is what a client — and so the model — sees, keyed so that
//! list order never matters: tools and prompts by name, prompt arguments by name,
//! resources by `uri`, templates by `uriTemplate`. Spec defaults are made explicit
//! (tool annotations, `execution.taskSupport`, argument `required`), so spelling a
//! default or leaving it out gives the same digest. Text is kept verbatim, never
//! trimmed: hidden characters are what the security heuristics look for. `_meta` is
//! dropped everywhere: it is not shown to the model and often carries volatile data
//! (timestamps, request ids, progress tokens).
//!
//! Each tool schema is its own JSON Schema document: a `$ref: "#/$defs/x"` inside a
//! tool's `inputSchema` is relative to that schema, not to the capture. So each schema
//! gets its own [`SchemaLowerer`] (root = the schema), and the ids of its shared-table
//! entries — and every `$ref` pointing at them — are prefixed with
//! `tool:<name>/input` or `tool:<name>/output`, e.g. `tool:search/input#/$defs/Filter`.
//! In `<name>`, `%`, `/` and `#` are percent-encoded so the first `#` always starts
//! the fragment and two tools can never produce the same id.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::canonical_value;
use super::refs::push;
use super::schema::{Dialect, SchemaLowerer};
use crate::error::{Error, Location, Result};
use crate::parse::Limits;
use crate::shape::{Node, RareKeywords, Shape};
use crate::snapshot::Snapshot;
use crate::surface::Surface;
use crate::surface::mcp::{
    Execution, McpSurface, Prompt, PromptArgument, Resource, Server, Tool, ToolAnnotations,
};

/// Where a 2026-07-28 `server/discover` result may carry the server's identity when it
/// has no `serverInfo` member.
const DISCOVER_SERVER_INFO_META: &str = "io.modelcontextprotocol/serverInfo";

/// Normalizes an MCP capture document into a snapshot.
pub(crate) fn normalize(value: &Value, limits: &Limits) -> Result<Snapshot> {
    let Value::Object(doc) = value else {
        return Err(Error::unsupported(
            format!(
                "an MCP capture document must be a JSON object with `initialize`/`discover` \
                 and `tools`, `prompts`, `resources`, `resourceTemplates` members; found {}",
                kind_of(value)
            ),
            "",
        ));
    };
    let server = server(doc)?;
    let mut schemas = BTreeMap::new();
    let tools = tools(doc, limits, &mut schemas)?;
    let prompts = prompts(doc)?;
    let resources = resource_list(doc, "resources", "uri")?;
    let resource_templates = resource_list(doc, "resourceTemplates", "uriTemplate")?;

    let mut meta = BTreeMap::new();
    for (key, v) in [
        ("name", &server.name),
        ("protocolVersion", &server.protocol_version),
        ("title", &server.title),
        ("version", &server.version),
    ] {
        if let Some(v) = v {
            meta.insert(key.to_owned(), Value::String(v.clone()));
        }
    }
    let surface = McpSurface {
        prompts,
        resource_templates,
        resources,
        server,
        tools,
    };
    Snapshot::new(Surface::Mcp(surface), meta, schemas, None)
}

// ---------------------------------------------------------------------------------
// Server identity

fn server(doc: &Map<String, Value>) -> Result<Server> {
    match (doc.get("initialize"), doc.get("discover")) {
        (Some(_), Some(_)) => Err(Error::invalid(
            "a capture holds either `initialize` or `discover`, not both (they could disagree)",
            "/discover",
        )),
        (Some(init), None) => identity(init, "/initialize", false),
        (None, Some(discover)) => identity(discover, "/discover", true),
        (None, None) => Ok(Server::default()),
    }
}

fn identity(value: &Value, at: &str, discover: bool) -> Result<Server> {
    let obj = object(value, at, "the initialize/discover result")?;
    let mut protocol_version = opt_str(obj, "protocolVersion", at)?;
    if protocol_version.is_none() && discover {
        protocol_version = newest_supported_version(obj, at)?;
    }
    let capabilities = match obj.get("capabilities") {
        None => None,
        Some(v) => Some(canonical_value(&Value::Object(
            object(v, &push(at, "capabilities"), "`capabilities`")?.clone(),
        ))),
    };
    let instructions = opt_str(obj, "instructions", at)?;

    let (info, info_at) = match obj.get("serverInfo") {
        Some(v) => (Some(v), push(at, "serverInfo")),
        None if discover => {
            let meta_at = push(at, "_meta");
            let found = match obj.get("_meta") {
                Some(m) => object(m, &meta_at, "`_meta`")?.get(DISCOVER_SERVER_INFO_META),
                None => None,
            };
            (found, push(&meta_at, DISCOVER_SERVER_INFO_META))
        }
        None => (None, String::new()),
    };
    let mut server = Server {
        capabilities,
        instructions,
        protocol_version,
        ..Server::default()
    };
    if let Some(info) = info {
        let info = object(info, &info_at, "`serverInfo`")?;
        server.name = opt_str(info, "name", &info_at)?;
        server.title = opt_str(info, "title", &info_at)?;
        server.version = opt_str(info, "version", &info_at)?;
        server.website_url = opt_str(info, "websiteUrl", &info_at)?;
        server.icons = icons(info, &info_at)?;
    }
    Ok(server)
}

/// The newest entry of `supportedVersions` (MCP versions are `YYYY-MM-DD` dates, so the
/// greatest string is the newest). The greatest, not the first: the list's order carries
/// no meaning and must not move the digest.
fn newest_supported_version(obj: &Map<String, Value>, at: &str) -> Result<Option<String>> {
    let Some(v) = obj.get("supportedVersions") else {
        return Ok(None);
    };
    let at = push(at, "supportedVersions");
    let list = v
        .as_array()
        .ok_or_else(|| Error::invalid("`supportedVersions` must be an array of strings", &at))?;
    let mut newest: Option<&str> = None;
    for (i, item) in list.iter().enumerate() {
        let s = item.as_str().ok_or_else(|| {
            Error::invalid(
                "`supportedVersions` must hold strings",
                &push(&at, &i.to_string()),
            )
        })?;
        if newest.is_none_or(|n| s > n) {
            newest = Some(s);
        }
    }
    Ok(newest.map(str::to_owned))
}

// ---------------------------------------------------------------------------------
// Tools

fn tools(
    doc: &Map<String, Value>,
    limits: &Limits,
    schemas: &mut BTreeMap<String, Shape>,
) -> Result<BTreeMap<String, Tool>> {
    let mut out = BTreeMap::new();
    let Some(list) = array_member(doc, "tools")? else {
        return Ok(out);
    };
    for (i, value) in list.iter().enumerate() {
        let at = push("/tools", &i.to_string());
        let obj = object(value, &at, "a tool")?;
        let name = required_str(obj, "name", &at, "tool")?;
        if out.contains_key(&name) {
            return Err(Error::invalid(
                format!("duplicate tool name {name:?}: tool names must be unique"),
                &push(&at, "name"),
            ));
        }
        let input_schema = match obj.get("inputSchema") {
            Some(schema) => lower_schema(
                schema,
                &push(&at, "inputSchema"),
                &format!("tool:{}/input", encode_name(&name)),
                limits,
                schemas,
            )?,
            None => {
                return Err(Error::invalid(
                    format!(
                        "tool {name:?} has no `inputSchema` (the MCP specification requires one)"
                    ),
                    &at,
                ));
            }
        };
        let output_schema = match obj.get("outputSchema") {
            Some(schema) => Some(lower_schema(
                schema,
                &push(&at, "outputSchema"),
                &format!("tool:{}/output", encode_name(&name)),
                limits,
                schemas,
            )?),
            None => None,
        };
        let tool = Tool {
            annotations: annotations(obj, &at)?,
            description: opt_str(obj, "description", &at)?,
            execution: execution(obj, &at)?,
            icons: icons(obj, &at)?,
            input_schema,
            output_schema,
            title: opt_str(obj, "title", &at)?,
        };
        out.insert(name, tool);
    }
    Ok(out)
}

fn annotations(tool: &Map<String, Value>, at: &str) -> Result<ToolAnnotations> {
    let mut a = ToolAnnotations::default();
    let Some(v) = tool.get("annotations") else {
        return Ok(a);
    };
    let at = push(at, "annotations");
    let obj = object(v, &at, "`annotations`")?;
    for (key, slot) in [
        ("destructiveHint", &mut a.destructive_hint),
        ("idempotentHint", &mut a.idempotent_hint),
        ("openWorldHint", &mut a.open_world_hint),
        ("readOnlyHint", &mut a.read_only_hint),
    ] {
        if let Some(b) = opt_bool(obj, key, &at)? {
            *slot = b;
        }
    }
    a.title = opt_str(obj, "title", &at)?;
    Ok(a)
}

fn execution(tool: &Map<String, Value>, at: &str) -> Result<Execution> {
    let mut e = Execution::default();
    let Some(v) = tool.get("execution") else {
        return Ok(e);
    };
    let at = push(at, "execution");
    let obj = object(v, &at, "`execution`")?;
    if let Some(s) = opt_str(obj, "taskSupport", &at)? {
        e.task_support = s;
    }
    Ok(e)
}

/// Lowers one tool schema as its own document and merges its table into `schemas`
/// under ids prefixed with `prefix`.
fn lower_schema(
    schema: &Value,
    at: &str,
    prefix: &str,
    limits: &Limits,
    schemas: &mut BTreeMap<String, Shape>,
) -> Result<Shape> {
    if !schema.is_object() && !schema.is_boolean() {
        return Err(Error::invalid(
            format!(
                "a tool schema must be a JSON Schema object, found {}",
                kind_of(schema)
            ),
            at,
        ));
    }
    let mut lowerer = SchemaLowerer::new(schema, dialect_of(schema, at)?, limits);
    let mut shape = lowerer.lower(schema, "").map_err(|e| relocate(e, at))?;
    let table = lowerer.finish();
    let local_ids: BTreeSet<String> = table.keys().cloned().collect();
    prefix_references(&mut shape, prefix, &local_ids);
    for (id, mut entry) in table {
        prefix_references(&mut entry, prefix, &local_ids);
        schemas.insert(format!("{prefix}{id}"), entry);
    }
    Ok(shape)
}

/// The dialect a tool schema declares with `$schema` (read as the JSON Schema
/// normalizer reads it); without one, or with a URI this crate does not know, 2020-12,
/// MCP's default.
fn dialect_of(schema: &Value, at: &str) -> Result<Dialect> {
    match schema.get("$schema") {
        None => Ok(Dialect::Draft2020),
        Some(Value::String(uri)) => Ok(Dialect::from_schema_uri(uri).unwrap_or(Dialect::Draft2020)),
        Some(other) => Err(Error::invalid(
            format!("`$schema` must be a string, found {}", kind_of(other)),
            &push(at, "$schema"),
        )),
    }
}

/// Percent-encodes the characters that would make a table id ambiguous.
fn encode_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// Rewrites every `$ref` in `shape` (and every discriminator mapping that names an
/// entry of the lowerer's own table) to carry `prefix`. Iterative: shapes can be deep.
fn prefix_references(shape: &mut Shape, prefix: &str, local_ids: &BTreeSet<String>) {
    let mut stack: Vec<&mut Shape> = vec![shape];
    while let Some(shape) = stack.pop() {
        let Shape::Node(node) = shape else { continue };
        // Exhaustive on purpose: a new field in `Node` must be considered here.
        let Node {
            reference,
            additional_properties,
            all_of,
            any_of,
            const_value: _,
            default: _,
            deprecated: _,
            description: _,
            enum_values: _,
            examples: _,
            format: _,
            items,
            nullable: _,
            one_of,
            properties,
            read_only: _,
            required: _,
            title: _,
            types: _,
            write_only: _,
            rare,
        } = &mut **node;
        if let Some(r) = reference {
            *r = format!("{prefix}{r}");
        }
        for single in [additional_properties, items] {
            stack.extend(single.as_mut());
        }
        stack.extend(all_of.iter_mut());
        stack.extend(any_of.iter_mut());
        stack.extend(one_of.iter_mut());
        let Some(rare) = rare.as_mut() else {
            stack.extend(properties.values_mut());
            continue;
        };
        let RareKeywords {
            additional_items,
            contains,
            content_encoding: _,
            content_media_type: _,
            content_schema,
            dependent_required: _,
            dependent_schemas,
            discriminator,
            else_schema,
            exclusive_maximum: _,
            exclusive_minimum: _,
            extensions: _,
            if_schema,
            max_contains: _,
            max_items: _,
            max_length: _,
            max_properties: _,
            maximum: _,
            min_contains: _,
            min_items: _,
            min_length: _,
            min_properties: _,
            minimum: _,
            multiple_of: _,
            not,
            pattern: _,
            pattern_properties,
            prefix_items,
            property_names,
            then_schema,
            unevaluated_items,
            unevaluated_properties,
            unique_items: _,
            unsupported: _,
        } = rare;
        if let Some(d) = discriminator {
            for target in d.mapping.values_mut() {
                if local_ids.contains(target.as_str()) {
                    *target = format!("{prefix}{target}");
                }
            }
        }
        for single in [
            additional_items,
            contains,
            content_schema,
            else_schema,
            if_schema,
            not,
            property_names,
            then_schema,
            unevaluated_items,
            unevaluated_properties,
        ] {
            stack.extend(single.as_mut());
        }
        stack.extend(prefix_items.iter_mut());
        stack.extend(dependent_schemas.values_mut());
        stack.extend(pattern_properties.values_mut());
        stack.extend(properties.values_mut());
    }
}

/// Moves an error found inside a tool schema (pointers relative to that schema) to
/// its place in the capture document.
fn relocate(error: Error, at: &str) -> Error {
    let fix = |location: Location| Location {
        pointer: Some(format!("{at}{}", location.pointer.unwrap_or_default())),
        ..location
    };
    match error {
        Error::TooDeep { limit, location } => Error::TooDeep {
            limit,
            location: fix(location),
        },
        Error::TooLarge {
            what,
            limit,
            location,
        } => Error::TooLarge {
            what,
            limit,
            location: fix(location),
        },
        Error::RefUnresolved {
            reference,
            location,
        } => Error::RefUnresolved {
            reference,
            location: fix(location),
        },
        Error::RefExternal {
            reference,
            location,
        } => Error::RefExternal {
            reference,
            location: fix(location),
        },
        Error::RefCycle { chain, location } => Error::RefCycle {
            chain,
            location: fix(location),
        },
        Error::UnsupportedFormat { message, location } => Error::UnsupportedFormat {
            message,
            location: fix(location),
        },
        Error::Invalid { message, location } => Error::Invalid {
            message,
            location: fix(location),
        },
        other => other,
    }
}

// ---------------------------------------------------------------------------------
// Prompts, resources, templates

fn prompts(doc: &Map<String, Value>) -> Result<BTreeMap<String, Prompt>> {
    let mut out = BTreeMap::new();
    let Some(list) = array_member(doc, "prompts")? else {
        return Ok(out);
    };
    for (i, value) in list.iter().enumerate() {
        let at = push("/prompts", &i.to_string());
        let obj = object(value, &at, "a prompt")?;
        let name = required_str(obj, "name", &at, "prompt")?;
        if out.contains_key(&name) {
            return Err(Error::invalid(
                format!("duplicate prompt name {name:?}: prompt names must be unique"),
                &push(&at, "name"),
            ));
        }
        let prompt = Prompt {
            arguments: prompt_arguments(obj, &at)?,
            description: opt_str(obj, "description", &at)?,
            icons: icons(obj, &at)?,
            title: opt_str(obj, "title", &at)?,
        };
        out.insert(name, prompt);
    }
    Ok(out)
}

fn prompt_arguments(
    prompt: &Map<String, Value>,
    at: &str,
) -> Result<BTreeMap<String, PromptArgument>> {
    let mut out = BTreeMap::new();
    let Some(v) = prompt.get("arguments") else {
        return Ok(out);
    };
    let at = push(at, "arguments");
    let list = v
        .as_array()
        .ok_or_else(|| Error::invalid("`arguments` must be an array", &at))?;
    for (i, value) in list.iter().enumerate() {
        let at = push(&at, &i.to_string());
        let obj = object(value, &at, "a prompt argument")?;
        let name = required_str(obj, "name", &at, "prompt argument")?;
        if out.contains_key(&name) {
            return Err(Error::invalid(
                format!("duplicate prompt argument {name:?}"),
                &push(&at, "name"),
            ));
        }
        let argument = PromptArgument {
            description: opt_str(obj, "description", &at)?,
            required: opt_bool(obj, "required", &at)?.unwrap_or(false),
            title: opt_str(obj, "title", &at)?,
        };
        out.insert(name, argument);
    }
    Ok(out)
}

/// Resources (keyed by `uri`) or resource templates (keyed by `uriTemplate`).
fn resource_list(
    doc: &Map<String, Value>,
    member: &str,
    key: &str,
) -> Result<BTreeMap<String, Resource>> {
    let mut out = BTreeMap::new();
    let Some(list) = array_member(doc, member)? else {
        return Ok(out);
    };
    let base = push("", member);
    for (i, value) in list.iter().enumerate() {
        let at = push(&base, &i.to_string());
        let obj = object(value, &at, "a resource")?;
        let id = required_str(obj, key, &at, "resource")?;
        if out.contains_key(&id) {
            return Err(Error::invalid(
                format!("duplicate `{key}` {id:?} in `{member}`"),
                &push(&at, key),
            ));
        }
        let size = match obj.get("size") {
            None => None,
            Some(v) => Some(v.as_u64().ok_or_else(|| {
                Error::invalid("`size` must be a non-negative integer", &push(&at, "size"))
            })?),
        };
        let resource = Resource {
            annotations: resource_annotations(obj, &at)?,
            description: opt_str(obj, "description", &at)?,
            icons: icons(obj, &at)?,
            mime_type: opt_str(obj, "mimeType", &at)?,
            name: opt_str(obj, "name", &at)?,
            size,
            title: opt_str(obj, "title", &at)?,
        };
        out.insert(id, resource);
    }
    Ok(out)
}

/// Resource annotations (`audience`, `priority`…) as canonical JSON, without
/// `lastModified`: a timestamp that moves whenever the resource is touched would make
/// every poll a "change" (the same reason `_meta` is dropped). An empty object is no
/// annotations.
fn resource_annotations(resource: &Map<String, Value>, at: &str) -> Result<Option<Value>> {
    let Some(v) = resource.get("annotations") else {
        return Ok(None);
    };
    let mut obj = object(v, &push(at, "annotations"), "`annotations`")?.clone();
    obj.remove("lastModified");
    obj.remove("_meta");
    Ok(if obj.is_empty() {
        None
    } else {
        Some(canonical_value(&Value::Object(obj)))
    })
}

// ---------------------------------------------------------------------------------
// Small readers

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object<'a>(value: &'a Value, at: &str, what: &str) -> Result<&'a Map<String, Value>> {
    value.as_object().ok_or_else(|| {
        Error::invalid(
            format!("{what} must be a JSON object, found {}", kind_of(value)),
            at,
        )
    })
}

fn array_member<'a>(doc: &'a Map<String, Value>, key: &str) -> Result<Option<&'a Vec<Value>>> {
    match doc.get(key) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(other) => Err(Error::invalid(
            format!(
                "`{key}` must be an array (all pages joined), found {}",
                kind_of(other)
            ),
            &push("", key),
        )),
    }
}

fn required_str(obj: &Map<String, Value>, key: &str, at: &str, what: &str) -> Result<String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(Error::invalid(
            format!("{what} `{key}` must be a string, found {}", kind_of(other)),
            &push(at, key),
        )),
        None => Err(Error::invalid(format!("{what} has no `{key}`"), at)),
    }
}

fn opt_str(obj: &Map<String, Value>, key: &str, at: &str) -> Result<Option<String>> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Error::invalid(
            format!("`{key}` must be a string, found {}", kind_of(other)),
            &push(at, key),
        )),
    }
}

fn opt_bool(obj: &Map<String, Value>, key: &str, at: &str) -> Result<Option<bool>> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(Error::invalid(
            format!("`{key}` must be a boolean, found {}", kind_of(other)),
            &push(at, key),
        )),
    }
}

/// `icons`: an array of icon objects, kept in order as canonical JSON.
fn icons(obj: &Map<String, Value>, at: &str) -> Result<Vec<Value>> {
    let Some(v) = obj.get("icons") else {
        return Ok(Vec::new());
    };
    let at = push(at, "icons");
    let list = v
        .as_array()
        .ok_or_else(|| Error::invalid("`icons` must be an array", &at))?;
    list.iter()
        .enumerate()
        .map(|(i, icon)| {
            object(icon, &push(&at, &i.to_string()), "an icon")?;
            Ok(canonical_value(icon))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn snap(v: &Value) -> Snapshot {
        normalize(v, &Limits::default()).unwrap()
    }

    fn err(v: &Value) -> Error {
        normalize(v, &Limits::default()).unwrap_err()
    }

    fn surface(v: &Value) -> McpSurface {
        match snap(v).surface {
            Surface::Mcp(s) => s,
            other => panic!("not an MCP surface: {other:?}"),
        }
    }

    fn pointer(e: &Error) -> Option<&str> {
        e.location().and_then(|l| l.pointer.as_deref())
    }

    fn capture() -> Value {
        json!({
            "initialize": {
                "protocolVersion": "2025-11-25",
                "capabilities": {"tools": {"listChanged": true}, "prompts": {}, "logging": {}},
                "serverInfo": {
                    "name": "demo", "title": "Demo Server", "version": "1.2.3",
                    "websiteUrl": "https://example.com",
                    "icons": [{"src": "https://example.com/a.png", "sizes": ["48x48"]}]
                },
                "instructions": "  Use search first.\n",
                "_meta": {"requestId": "abc"}
            },
            "tools": [
                {"name": "search", "description": "Search things", "inputSchema": {"type": "object"},
                 "annotations": {"readOnlyHint": true}},
                {"name": "send", "title": "Send", "inputSchema": {"type": "object"},
                 "outputSchema": {"type": "object"}, "_meta": {"ts": 1},
                 "execution": {"taskSupport": "optional"},
                 "icons": [{"src": "data:image/png;base64,AA=="}]}
            ],
            "prompts": [
                {"name": "review", "description": "Review code",
                 "arguments": [{"name": "code", "required": true}, {"name": "style"}]}
            ],
            "resources": [
                {"uri": "file:///a.txt", "name": "a", "mimeType": "text/plain", "size": 12,
                 "annotations": {"audience": ["user"], "lastModified": "2025-01-01T00:00:00Z"}}
            ],
            "resourceTemplates": [
                {"uriTemplate": "file:///{path}", "name": "file", "description": "Any file"}
            ],
            "nextCursor": "ignored",
            "somethingElse": 1
        })
    }

    #[test]
    fn reads_a_full_capture() {
        let s = surface(&capture());
        assert_eq!(s.server.name.as_deref(), Some("demo"));
        assert_eq!(s.server.title.as_deref(), Some("Demo Server"));
        assert_eq!(s.server.version.as_deref(), Some("1.2.3"));
        assert_eq!(s.server.website_url.as_deref(), Some("https://example.com"));
        assert_eq!(s.server.protocol_version.as_deref(), Some("2025-11-25"));
        assert_eq!(
            s.server.instructions.as_deref(),
            Some("  Use search first.\n")
        );
        assert_eq!(
            s.server.capabilities,
            Some(json!({"logging": {}, "prompts": {}, "tools": {"listChanged": true}}))
        );
        assert_eq!(
            s.server.icons,
            vec![json!({"sizes": ["48x48"], "src": "https://example.com/a.png"})]
        );

        assert_eq!(s.tools.keys().collect::<Vec<_>>(), ["search", "send"]);
        let search = &s.tools["search"];
        assert_eq!(search.description.as_deref(), Some("Search things"));
        assert!(search.annotations.read_only_hint);
        assert!(
            search.annotations.destructive_hint,
            "unspecified hints take spec defaults"
        );
        assert!(search.annotations.open_world_hint);
        assert!(!search.annotations.idempotent_hint);
        assert_eq!(search.execution.task_support, "forbidden");
        assert_eq!(search.output_schema, None);
        let send = &s.tools["send"];
        assert_eq!(send.title.as_deref(), Some("Send"));
        assert_eq!(send.execution.task_support, "optional");
        assert!(send.output_schema.is_some());
        assert_eq!(
            send.icons,
            vec![json!({"src": "data:image/png;base64,AA=="})]
        );

        let review = &s.prompts["review"];
        assert_eq!(review.description.as_deref(), Some("Review code"));
        assert!(review.arguments["code"].required);
        assert!(!review.arguments["style"].required);

        let a = &s.resources["file:///a.txt"];
        assert_eq!(a.name.as_deref(), Some("a"));
        assert_eq!(a.mime_type.as_deref(), Some("text/plain"));
        assert_eq!(a.size, Some(12));
        assert_eq!(
            a.annotations,
            Some(json!({"audience": ["user"]})),
            "lastModified dropped"
        );
        let t = &s.resource_templates["file:///{path}"];
        assert_eq!(t.description.as_deref(), Some("Any file"));
    }

    #[test]
    fn meta_is_small() {
        let snapshot = snap(&capture());
        assert_eq!(
            serde_json::to_value(&snapshot.meta).unwrap(),
            json!({"name": "demo", "protocolVersion": "2025-11-25", "title": "Demo Server", "version": "1.2.3"})
        );
        assert_eq!(snapshot.kind(), crate::snapshot::Kind::Mcp);
    }

    #[test]
    fn meta_members_are_dropped() {
        let text = snap(&capture()).to_json().unwrap();
        assert!(!text.contains("_meta"), "{text}");
        assert!(
            !text.contains("requestId") && !text.contains("lastModified"),
            "{text}"
        );
        assert!(
            !text.contains("ignored") && !text.contains("somethingElse"),
            "{text}"
        );
    }

    #[test]
    fn list_order_does_not_matter() {
        let a = capture();
        let mut b = capture();
        for key in ["tools", "prompts"] {
            b[key].as_array_mut().unwrap().reverse();
        }
        b["prompts"][0]["arguments"]
            .as_array_mut()
            .unwrap()
            .reverse();
        assert_eq!(snap(&a).digest(), snap(&b).digest());
    }

    #[test]
    fn explicit_defaults_equal_implicit_ones() {
        let implicit = json!({"tools": [{"name": "t", "inputSchema": {"type": "object"}}],
                              "prompts": [{"name": "p", "arguments": [{"name": "x"}]}]});
        let explicit = json!({"tools": [{"name": "t", "inputSchema": {"type": "object"},
                                "annotations": {"readOnlyHint": false, "destructiveHint": true,
                                                "idempotentHint": false, "openWorldHint": true},
                                "execution": {"taskSupport": "forbidden"}, "icons": []}],
                              "prompts": [{"name": "p", "arguments": [{"name": "x", "required": false}]}],
                              "resources": [], "resourceTemplates": []});
        let empty_annotations = json!({"tools": [{"name": "t", "inputSchema": {"type": "object"},
                                         "annotations": {}, "execution": {}}],
                                       "prompts": [{"name": "p", "arguments": [{"name": "x"}]}]});
        let d = snap(&implicit).digest().to_owned();
        assert_eq!(snap(&explicit).digest(), d);
        assert_eq!(snap(&empty_annotations).digest(), d);
        let changed = json!({"tools": [{"name": "t", "inputSchema": {"type": "object"},
                               "annotations": {"destructiveHint": false}}],
                             "prompts": [{"name": "p", "arguments": [{"name": "x"}]}]});
        assert_ne!(snap(&changed).digest(), d);
    }

    #[test]
    fn bare_tools_list_result_is_accepted() {
        let bare = json!({"tools": [{"name": "t", "inputSchema": {"type": "object"}}], "nextCursor": "c2"});
        let capture = json!({"tools": [{"name": "t", "inputSchema": {"type": "object"}}],
                             "prompts": [], "resources": []});
        assert_eq!(snap(&bare).digest(), snap(&capture).digest());
        let s = surface(&bare);
        assert_eq!(s.server, Server::default());
        assert!(snap(&bare).meta.is_empty());
    }

    #[test]
    fn text_is_verbatim() {
        let hidden = "Reads a file.\u{200B}\u{E0041} \n";
        let v = json!({"tools": [{"name": "t", "description": hidden, "title": " T ",
                                  "inputSchema": {"type": "object"}}]});
        let s = surface(&v);
        assert_eq!(s.tools["t"].description.as_deref(), Some(hidden));
        assert_eq!(s.tools["t"].title.as_deref(), Some(" T "));
    }

    #[test]
    fn duplicate_names_point_at_the_second() {
        let v = json!({"tools": [
            {"name": "a", "inputSchema": {}}, {"name": "b", "inputSchema": {}}, {"name": "a", "inputSchema": {}}]});
        let e = err(&v);
        assert_eq!(e.code(), "E_INVALID");
        assert_eq!(pointer(&e), Some("/tools/2/name"));
        let v = json!({"prompts": [{"name": "p"}, {"name": "p"}]});
        assert_eq!(pointer(&err(&v)), Some("/prompts/1/name"));
        let v = json!({"prompts": [{"name": "p", "arguments": [{"name": "x"}, {"name": "x"}]}]});
        assert_eq!(pointer(&err(&v)), Some("/prompts/0/arguments/1/name"));
        let v = json!({"resources": [{"uri": "u"}, {"uri": "u"}]});
        assert_eq!(pointer(&err(&v)), Some("/resources/1/uri"));
        let v = json!({"resourceTemplates": [{"uriTemplate": "u"}, {"uriTemplate": "u"}]});
        assert_eq!(pointer(&err(&v)), Some("/resourceTemplates/1/uriTemplate"));
    }

    #[test]
    fn bad_names_are_invalid() {
        let e = err(&json!({"tools": [{"inputSchema": {}}]}));
        assert_eq!((e.code(), pointer(&e)), ("E_INVALID", Some("/tools/0")));
        let e = err(&json!({"tools": [{"name": 7, "inputSchema": {}}]}));
        assert_eq!(
            (e.code(), pointer(&e)),
            ("E_INVALID", Some("/tools/0/name"))
        );
        let e = err(&json!({"tools": [{"name": null, "inputSchema": {}}]}));
        assert_eq!(e.code(), "E_INVALID");
        let e = err(&json!({"resources": [{"name": "no uri"}]}));
        assert_eq!((e.code(), pointer(&e)), ("E_INVALID", Some("/resources/0")));
    }

    #[test]
    fn non_boolean_hints_are_invalid() {
        for bad in [json!("true"), json!(1), json!(null), json!({})] {
            let v = json!({"tools": [{"name": "t", "inputSchema": {}, "annotations": {"readOnlyHint": bad}}]});
            let e = err(&v);
            assert_eq!(
                (e.code(), pointer(&e)),
                ("E_INVALID", Some("/tools/0/annotations/readOnlyHint"))
            );
        }
        let v =
            json!({"prompts": [{"name": "p", "arguments": [{"name": "x", "required": "yes"}]}]});
        assert_eq!(pointer(&err(&v)), Some("/prompts/0/arguments/0/required"));
    }

    #[test]
    fn structural_errors() {
        let cases = [
            (json!({"tools": {"name": "t"}}), "/tools"),
            (json!({"tools": "t"}), "/tools"),
            (json!({"prompts": {}}), "/prompts"),
            (json!({"resources": null}), "/resources"),
            (json!({"tools": [1]}), "/tools/0"),
            (json!({"tools": [{"name": "t"}]}), "/tools/0"),
            (
                json!({"tools": [{"name": "t", "inputSchema": "object"}]}),
                "/tools/0/inputSchema",
            ),
            (
                json!({"tools": [{"name": "t", "inputSchema": {}, "outputSchema": 3}]}),
                "/tools/0/outputSchema",
            ),
            (
                json!({"tools": [{"name": "t", "inputSchema": {}, "annotations": []}]}),
                "/tools/0/annotations",
            ),
            (
                json!({"tools": [{"name": "t", "inputSchema": {}, "execution": {"taskSupport": 1}}]}),
                "/tools/0/execution/taskSupport",
            ),
            (
                json!({"tools": [{"name": "t", "inputSchema": {}, "icons": {}}]}),
                "/tools/0/icons",
            ),
            (
                json!({"tools": [{"name": "t", "inputSchema": {}, "icons": ["x"]}]}),
                "/tools/0/icons/0",
            ),
            (
                json!({"tools": [{"name": "t", "inputSchema": {}, "description": 5}]}),
                "/tools/0/description",
            ),
            (json!({"initialize": []}), "/initialize"),
            (
                json!({"initialize": {"serverInfo": {"name": 1}}}),
                "/initialize/serverInfo/name",
            ),
            (
                json!({"initialize": {"capabilities": true}}),
                "/initialize/capabilities",
            ),
            (json!({"initialize": {}, "discover": {}}), "/discover"),
            (
                json!({"discover": {"supportedVersions": "2026-07-28"}}),
                "/discover/supportedVersions",
            ),
            (
                json!({"discover": {"supportedVersions": [1]}}),
                "/discover/supportedVersions/0",
            ),
            (
                json!({"resources": [{"uri": "u", "size": -1}]}),
                "/resources/0/size",
            ),
            (
                json!({"resources": [{"uri": "u", "size": 1.5}]}),
                "/resources/0/size",
            ),
            (
                json!({"resources": [{"uri": "u", "annotations": 1}]}),
                "/resources/0/annotations",
            ),
        ];
        for (v, at) in cases {
            let e = err(&v);
            assert_eq!((e.code(), pointer(&e)), ("E_INVALID", Some(at)), "{v}");
        }
    }

    #[test]
    fn non_objects_are_unsupported() {
        for v in [
            json!([{"name": "t"}]),
            json!("tools"),
            json!(null),
            json!(3),
            json!(true),
        ] {
            assert_eq!(err(&v).code(), "E_UNSUPPORTED_FORMAT", "{v}");
        }
    }

    #[test]
    fn discover_result_is_read_like_initialize() {
        let discover = json!({"discover": {
            "resultType": "complete", "supportedVersions": ["2025-11-25", "2026-07-28"],
            "capabilities": {"tools": {}}, "serverInfo": {"name": "s", "version": "1"},
            "instructions": "hi", "ttlMs": 3_600_000, "cacheScope": "public"}});
        let initialize = json!({"initialize": {
            "protocolVersion": "2026-07-28", "capabilities": {"tools": {}},
            "serverInfo": {"name": "s", "version": "1"}, "instructions": "hi"}});
        assert_eq!(snap(&discover).digest(), snap(&initialize).digest());
        // Order of supportedVersions does not matter; an explicit protocolVersion wins.
        let reordered = json!({"discover": {"supportedVersions": ["2026-07-28", "2025-11-25"]}});
        assert_eq!(
            surface(&reordered).server.protocol_version.as_deref(),
            Some("2026-07-28")
        );
        let negotiated = json!({"discover": {"protocolVersion": "2025-11-25",
                                             "supportedVersions": ["2026-07-28", "2025-11-25"]}});
        assert_eq!(
            surface(&negotiated).server.protocol_version.as_deref(),
            Some("2025-11-25")
        );
        // serverInfo carried in the result's _meta.
        let in_meta = json!({"discover": {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}},
            "instructions": "hi",
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}});
        assert_eq!(snap(&in_meta).digest(), snap(&initialize).digest());
        let e = err(&json!({"discover": {"_meta": {"io.modelcontextprotocol/serverInfo": "s"}}}));
        assert_eq!(
            pointer(&e),
            Some("/discover/_meta/io.modelcontextprotocol~1serverInfo")
        );
    }

    #[test]
    fn empty_capabilities_are_kept() {
        let s = surface(&json!({"initialize": {"capabilities": {"tools": {}}}}));
        assert_eq!(s.server.capabilities, Some(json!({"tools": {}})));
        let s = surface(&json!({"initialize": {}}));
        assert_eq!(s.server.capabilities, None);
    }

    #[test]
    fn dialect_from_schema_uri() {
        let d = |u: &str| dialect_of(&json!({"$schema": u}), "").unwrap();
        assert_eq!(
            d("http://json-schema.org/draft-07/schema#"),
            Dialect::Draft7
        );
        assert_eq!(
            d("http://json-schema.org/draft-04/schema#"),
            Dialect::Draft4
        );
        assert_eq!(
            d("http://json-schema.org/draft-06/schema#"),
            Dialect::Draft6
        );
        assert_eq!(
            d("https://json-schema.org/draft/2019-09/schema"),
            Dialect::Draft2019
        );
        assert_eq!(
            d("https://json-schema.org/draft/2020-12/schema"),
            Dialect::Draft2020
        );
        assert_eq!(d("https://example.com/my-dialect"), Dialect::Draft2020);
        assert_eq!(
            dialect_of(&json!({"type": "object"}), "").unwrap(),
            Dialect::Draft2020
        );
        assert_eq!(dialect_of(&json!(true), "").unwrap(), Dialect::Draft2020);
        let v = json!({"tools": [{"name": "t", "inputSchema": {"$schema": 7}}]});
        let e = err(&v);
        assert_eq!(
            (e.code(), pointer(&e)),
            ("E_INVALID", Some("/tools/0/inputSchema/$schema"))
        );
    }

    #[test]
    fn tool_schemas_are_separate_documents() {
        let tool = |name: &str, t: &str| {
            json!({"name": name,
                   "inputSchema": {"type": "object", "properties": {"x": {"$ref": "#/$defs/X"}},
                                   "$defs": {"X": {"type": t}}},
                   "outputSchema": {"properties": {"y": {"$ref": "#/$defs/X"}},
                                    "$defs": {"X": {"type": "boolean"}}}})
        };
        let v = json!({"tools": [tool("a/b", "string"), tool("plain", "integer")]});
        let snapshot = snap(&v);
        assert_eq!(
            serde_json::to_value(&snapshot.schemas).unwrap(),
            json!({
                "tool:a%2Fb/input#/$defs/X": {"type": ["string"]},
                "tool:a%2Fb/output#/$defs/X": {"type": ["boolean"]},
                "tool:plain/input#/$defs/X": {"type": ["integer"]},
                "tool:plain/output#/$defs/X": {"type": ["boolean"]}
            })
        );
        let Surface::Mcp(s) = &snapshot.surface else {
            panic!("kind")
        };
        assert_eq!(
            serde_json::to_value(&s.tools["plain"].input_schema).unwrap(),
            json!({"properties": {"x": {"$ref": "tool:plain/input#/$defs/X"}}, "type": ["object"]})
        );
        assert_eq!(
            serde_json::to_value(&s.tools["a/b"].output_schema).unwrap(),
            json!({"properties": {"y": {"$ref": "tool:a%2Fb/output#/$defs/X"}}})
        );
    }

    #[test]
    fn recursive_tool_schema_refers_to_its_own_root() {
        let v = json!({"tools": [{"name": "tree", "inputSchema": {
            "type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}}}}]});
        let snapshot = snap(&v);
        let ids: Vec<&String> = snapshot.schemas.keys().collect();
        assert_eq!(ids, ["tool:tree/input#"]);
        let Surface::Mcp(s) = &snapshot.surface else {
            panic!("kind")
        };
        let input = serde_json::to_value(&s.tools["tree"].input_schema).unwrap();
        assert_eq!(
            input["properties"]["children"]["items"]["$ref"],
            "tool:tree/input#"
        );
    }

    #[test]
    fn tool_schema_dialect_is_honoured() {
        let v = json!({"tools": [{"name": "t", "inputSchema": {
            "$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
            "properties": {"n": {"type": "integer", "maximum": 5, "exclusiveMaximum": true}}}}]});
        let s = surface(&v);
        let input = serde_json::to_value(&s.tools["t"].input_schema).unwrap();
        assert_eq!(
            input["properties"]["n"],
            json!({"maximum": 4, "type": ["integer"]})
        );
    }

    #[test]
    fn errors_inside_tool_schemas_point_into_the_capture() {
        let v = json!({"tools": [{"name": "ok", "inputSchema": {}},
            {"name": "t", "inputSchema": {"properties": {"x": {"$ref": "https://evil.example/s.json"}}}}]});
        let e = err(&v);
        assert_eq!(e.code(), "E_REF_EXTERNAL");
        assert!(
            pointer(&e)
                .unwrap()
                .starts_with("/tools/1/inputSchema/properties/x"),
            "{e}"
        );
        let v = json!({"tools": [{"name": "t", "inputSchema": {},
            "outputSchema": {"properties": {"x": {"$ref": "#/$defs/missing"}}}}]});
        let e = err(&v);
        assert_eq!(e.code(), "E_REF_UNRESOLVED");
        assert!(
            pointer(&e)
                .unwrap()
                .starts_with("/tools/0/outputSchema/properties/x"),
            "{e}"
        );
    }

    #[test]
    fn names_are_encoded_in_table_ids() {
        assert_eq!(encode_name("search"), "search");
        assert_eq!(encode_name("a/b#c%d"), "a%2Fb%23c%25d");
    }

    #[test]
    fn references_are_prefixed_everywhere() {
        let inner = Shape::reference("#/$defs/b");
        let mut node = Node {
            reference: Some("#/$defs/a".into()),
            properties: [("p".to_owned(), inner.clone())].into(),
            items: Some(Shape::Node(Box::new(Node {
                any_of: vec![inner.clone(), Shape::Bool(false)],
                ..Node::default()
            }))),
            ..Node::default()
        };
        node.rare_mut().discriminator = Some(crate::shape::Discriminator {
            mapping: [
                ("x".to_owned(), "#/$defs/b".to_owned()),
                ("y".to_owned(), "other".to_owned()),
            ]
            .into(),
            property_name: "kind".into(),
        });
        let mut shape = Shape::Node(Box::new(node));
        let ids = BTreeSet::from(["#/$defs/a".to_owned(), "#/$defs/b".to_owned()]);
        prefix_references(&mut shape, "tool:t/input", &ids);
        let v = serde_json::to_value(&shape).unwrap();
        assert_eq!(v["$ref"], "tool:t/input#/$defs/a");
        assert_eq!(v["properties"]["p"]["$ref"], "tool:t/input#/$defs/b");
        assert_eq!(v["items"]["anyOf"][0]["$ref"], "tool:t/input#/$defs/b");
        assert_eq!(v["discriminator"]["mapping"]["x"], "tool:t/input#/$defs/b");
        assert_eq!(v["discriminator"]["mapping"]["y"], "other");
    }

    #[test]
    fn deep_shapes_are_walked_without_recursion() {
        let mut shape = Shape::reference("#");
        for _ in 0..100_000 {
            shape = Shape::Node(Box::new(Node {
                items: Some(shape),
                ..Node::default()
            }));
        }
        prefix_references(&mut shape, "p", &BTreeSet::new());
        let mut cur = &shape;
        while let Some(next) = cur.node().and_then(|n| n.items.as_ref()) {
            cur = next;
        }
        assert_eq!(cur.node().and_then(|n| n.reference.as_deref()), Some("p#"));
        // Dropping a 100 000-deep box chain recursively would overflow; unwind it by hand.
        let mut cur = shape;
        while let Shape::Node(mut n) = cur {
            cur = n.items.take().unwrap_or(Shape::ANY);
        }
    }

    #[test]
    fn schema_errors_are_relocated_into_the_capture() {
        let e = relocate(Error::invalid("x", "/properties/a"), "/tools/3/inputSchema");
        assert_eq!(pointer(&e), Some("/tools/3/inputSchema/properties/a"));
        let e = relocate(
            Error::RefExternal {
                reference: "http://x".into(),
                location: Location::default(),
            },
            "/tools/0/outputSchema",
        );
        assert_eq!(
            (e.code(), pointer(&e)),
            ("E_REF_EXTERNAL", Some("/tools/0/outputSchema"))
        );
        let e = relocate(Error::Encoding { offset: 1 }, "/a");
        assert_eq!(e, Error::Encoding { offset: 1 });
    }

    #[test]
    fn real_capture_fixtures_normalize() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/fixtures/mcp/");
        // With today's dependency resolution, 2025.1.14 pairs zod 3 schemas with a
        // zod-to-json-schema built for zod 4: ten of its eleven input schemas come out
        // as `{"$schema": ...}` alone, i.e. "anything". That is what the server sends.
        let expected_read_file_input = [
            ("server-filesystem-2025.1.14.json", 11, json!(true)),
            (
                "server-filesystem-2026.8.31.json",
                14,
                json!({"properties": {"head": {"description": "If provided, returns only the first N lines of the file", "type": ["number"]},
                                      "path": {"type": ["string"]},
                                      "tail": {"description": "If provided, returns only the last N lines of the file", "type": ["number"]}},
                       "required": ["path"], "type": ["object"]}),
            ),
        ];
        for (file, tools, read_file_input) in expected_read_file_input {
            let bytes = std::fs::read(format!("{dir}{file}")).unwrap();
            let value: Value = serde_json::from_slice(&bytes).unwrap();
            let s = snap(&value);
            let Surface::Mcp(m) = &s.surface else {
                panic!("kind")
            };
            assert_eq!(m.tools.len(), tools, "{file}");
            assert_eq!(m.server.name.as_deref(), Some("secure-filesystem-server"));
            assert_eq!(m.server.version.as_deref(), Some("0.2.0"));
            let read = serde_json::to_value(&m.tools["read_file"].input_schema).unwrap();
            assert_eq!(read, read_file_input, "{file}");
            // Through the public entry point with auto-detection too.
            let auto = crate::snapshot_from_bytes(&bytes, &Default::default()).unwrap();
            assert_eq!(auto.digest(), s.digest());
        }
        let bytes = std::fs::read(format!("{dir}server-filesystem-2026.8.31.json")).unwrap();
        let s = surface(&serde_json::from_slice(&bytes).unwrap());
        let read = &s.tools["read_text_file"];
        assert!(read.annotations.read_only_hint);
        assert!(!read.annotations.open_world_hint);
        assert_eq!(read.title.as_deref(), Some("Read Text File"));
        assert_eq!(
            serde_json::to_value(&read.output_schema).unwrap(),
            json!({"additionalProperties": false, "properties": {"content": {"type": ["string"]}},
                   "required": ["content"], "type": ["object"]})
        );
        assert_eq!(s.server.protocol_version.as_deref(), Some("2025-11-25"));
    }

    fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            prop_oneof![
                Just("name".to_owned()),
                Just("#/$defs/a".to_owned()),
                Just("object".to_owned()),
                "[a-z]{0,3}",
            ]
            .prop_map(Value::String),
        ];
        let keys = prop_oneof![
            Just("name".to_owned()),
            Just("inputSchema".to_owned()),
            Just("outputSchema".to_owned()),
            Just("annotations".to_owned()),
            Just("readOnlyHint".to_owned()),
            Just("properties".to_owned()),
            Just("$ref".to_owned()),
            Just("$defs".to_owned()),
            Just("type".to_owned()),
            Just("arguments".to_owned()),
            Just("uri".to_owned()),
            Just("icons".to_owned()),
        ];
        leaf.prop_recursive(5, 48, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(keys.clone(), inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn hostile_captures_never_panic(
            tools in arb_value(), prompts in arb_value(), resources in arb_value(), init in arb_value()
        ) {
            for doc in [
                json!({"tools": tools.clone(), "prompts": prompts.clone(), "resources": resources.clone()}),
                json!({"initialize": init.clone(), "tools": [tools.clone()]}),
                json!({"discover": init, "prompts": [prompts], "resourceTemplates": [resources], "tools": tools}),
            ] {
                if let Ok(s) = normalize(&doc, &Limits::default()) {
                    // Whatever is accepted serializes and reads back to the same digest.
                    let back = Snapshot::from_value(&s.to_value().unwrap()).unwrap();
                    proptest::prop_assert_eq!(back.digest(), s.digest());
                }
            }
        }

        #[test]
        fn tool_order_never_matters(n in 1usize..6, seed in proptest::prelude::any::<u64>()) {
            let tools: Vec<Value> = (0..n)
                .map(|i| json!({"name": format!("t{i}"), "description": format!("d{i}"),
                                "inputSchema": {"type": "object", "properties": {"x": {"$ref": "#/$defs/X"}},
                                                "$defs": {"X": {"type": "integer", "maximum": i}}}}))
                .collect();
            let mut shuffled = tools.clone();
            let len = shuffled.len();
            shuffled.rotate_left((seed as usize) % len);
            if seed % 2 == 0 {
                shuffled.reverse();
            }
            let a = normalize(&json!({"tools": tools}), &Limits::default()).unwrap();
            let b = normalize(&json!({"tools": shuffled}), &Limits::default()).unwrap();
            proptest::prop_assert_eq!(a.digest(), b.digest());
        }
    }
}
