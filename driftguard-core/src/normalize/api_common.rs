//! Pieces shared by the OpenAPI 3.x and Swagger 2.0 normalizers: typed access to
//! document members with errors that point at the spot, path items, parameter merging,
//! security requirements, servers, media type keys and operation metadata.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::refs::{follow_view, push};
use super::view::{J, Kind, Obj};
use crate::error::{Error, Location, Result};
use crate::surface::api::{Operation, Parameter, Parameters, Server};

/// A JSON object (of either document representation).
pub(crate) type Map<'a> = Obj<'a>;

/// One security requirement: scheme name → sorted scopes.
pub(crate) type Requirement = BTreeMap<String, BTreeSet<String>>;

/// HTTP methods a path item may hold, lower-case as written in documents.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The deepest nesting of callbacks inside callbacks.
pub(crate) const MAX_CALLBACK_DEPTH: usize = 8;

/// `value` as an object, or `E_INVALID` at `pointer` naming what was expected.
pub(crate) fn object<'a>(value: J<'a>, pointer: &str, what: &str) -> Result<Map<'a>> {
    value.as_object().ok_or_else(|| {
        Error::invalid(
            format!("{what} must be an object, found {}", kind(value)),
            pointer,
        )
    })
}

/// The member `key` of `map` as an object, if present.
pub(crate) fn opt_object<'a>(
    map: Map<'a>,
    key: &str,
    pointer: &str,
    what: &str,
) -> Result<Option<Map<'a>>> {
    map.get(key)
        .map(|v| object(v, &push(pointer, key), what))
        .transpose()
}

/// The member `key` of `map` as a string, if present.
pub(crate) fn opt_string(map: Map<'_>, key: &str, pointer: &str) -> Result<Option<String>> {
    match map.get(key).map(J::kind) {
        None => Ok(None),
        Some(Kind::String(s)) => Ok(Some(s.to_owned())),
        Some(other) => Err(Error::invalid(
            format!("`{key}` must be a string, found {}", kind(other)),
            &push(pointer, key),
        )),
    }
}

/// The member `key` of `map` as a boolean, if present.
pub(crate) fn opt_bool(map: Map<'_>, key: &str, pointer: &str) -> Result<Option<bool>> {
    match map.get(key).map(J::kind) {
        None => Ok(None),
        Some(Kind::Bool(b)) => Ok(Some(b)),
        Some(other) => Err(Error::invalid(
            format!("`{key}` must be a boolean, found {}", kind(other)),
            &push(pointer, key),
        )),
    }
}

/// An array of strings, as a list.
pub(crate) fn strings(value: J<'_>, pointer: &str, what: &str) -> Result<Vec<String>> {
    let Kind::Array(items) = value.kind() else {
        return Err(Error::invalid(
            format!("{what} must be an array of strings, found {}", kind(value)),
            pointer,
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| match v.kind() {
            Kind::String(s) => Ok(s.to_owned()),
            other => Err(Error::invalid(
                format!("{what} must hold strings, found {}", kind(other)),
                &push(pointer, &i.to_string()),
            )),
        })
        .collect()
}

/// The JSON type of a value, for messages.
pub(crate) fn kind<'a>(value: impl Into<Kind<'a>>) -> &'static str {
    match value.into() {
        Kind::Null => "null",
        Kind::Bool(_) => "a boolean",
        Kind::Number => "a number",
        Kind::String(_) => "a string",
        Kind::Array(_) => "an array",
        Kind::Object(_) => "an object",
    }
}

/// Follows a `$ref` chain (see [`follow`]) and requires an object at its end.
/// Returns the object and the pointer where it lives.
pub(crate) fn deref<'a>(
    root: J<'a>,
    value: J<'a>,
    pointer: &str,
    what: &str,
) -> Result<(Map<'a>, String)> {
    let (target, at) = follow_view(root, value, pointer)?;
    Ok((object(target, &at, what)?, at))
}

/// `x-` members of an object, canonical, except those named in `skip`.
pub(crate) fn extensions(map: Map<'_>, skip: &[&str]) -> BTreeMap<String, Value> {
    map.iter()
        .filter(|(k, _)| k.starts_with("x-") && !skip.contains(k))
        .map(|(k, v)| (k.to_owned(), v.canonical()))
        .collect()
}

/// A list of security requirements: alternatives sorted and deduplicated, scopes
/// sorted. `[]` stays empty (explicitly no security); `{}` is an anonymous alternative.
pub(crate) fn security(value: J<'_>, pointer: &str) -> Result<Vec<Requirement>> {
    let Kind::Array(items) = value.kind() else {
        return Err(Error::invalid(
            format!(
                "`security` must be an array of requirements, found {}",
                kind(value)
            ),
            pointer,
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = push(pointer, &i.to_string());
        let map = object(item, &at, "a security requirement")?;
        let mut requirement = Requirement::new();
        for (scheme, scopes) in map {
            let scopes = strings(
                scopes,
                &push(&at, scheme),
                "the scopes of a security requirement",
            )?;
            requirement.insert(scheme.to_owned(), scopes.into_iter().collect());
        }
        out.push(requirement);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// OpenAPI 3 Server Objects, in order.
pub(crate) fn servers(value: J<'_>, pointer: &str) -> Result<Vec<Server>> {
    let Kind::Array(items) = value.kind() else {
        return Err(Error::invalid(
            format!("`servers` must be an array, found {}", kind(value)),
            pointer,
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = push(pointer, &i.to_string());
        let map = object(item, &at, "a server")?;
        let url = opt_string(map, "url", &at)?
            .ok_or_else(|| Error::invalid("a server must have a `url`", &at))?;
        let variables = match opt_object(map, "variables", &at, "`variables`")? {
            Some(vars) => vars
                .iter()
                .map(|(k, v)| (k.to_owned(), v.canonical()))
                .collect(),
            None => BTreeMap::new(),
        };
        out.push(Server {
            description: opt_string(map, "description", &at)?,
            url,
            variables,
        });
    }
    Ok(out)
}

/// A media type key in canonical form: type and subtype lower-cased, parameters kept
/// in order with their names lower-cased and their values as written, joined by `; `.
pub(crate) fn media_type_key(raw: &str) -> String {
    let mut parts = raw.split(';');
    let mut out = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        out.push_str("; ");
        match p.split_once('=') {
            Some((name, value)) => {
                out.push_str(&name.trim().to_ascii_lowercase());
                out.push('=');
                out.push_str(value.trim());
            }
            None => out.push_str(&p.to_ascii_lowercase()),
        }
    }
    out
}

/// Inserts into a map keyed by normalized names, rejecting two spellings that collapse
/// to the same key.
pub(crate) fn insert_unique<T>(
    map: &mut BTreeMap<String, T>,
    key: String,
    value: T,
    pointer: &str,
    what: &str,
) -> Result<()> {
    if map.contains_key(&key) {
        return Err(Error::invalid(
            format!("{what} {key:?} is defined twice"),
            pointer,
        ));
    }
    map.insert(key, value);
    Ok(())
}

/// The default `style` for a parameter location.
pub(crate) fn default_style(location: &str) -> &'static str {
    match location {
        "query" | "cookie" | "formData" => "form",
        _ => "simple",
    }
}

/// The parameter map for a location (`query`, `header`, `path`, `cookie`).
pub(crate) fn parameters_at<'a>(
    params: &'a mut Parameters,
    location: &str,
) -> Option<&'a mut BTreeMap<String, Parameter>> {
    match location {
        "query" => Some(&mut params.query),
        "header" => Some(&mut params.header),
        "path" => Some(&mut params.path),
        "cookie" => Some(&mut params.cookie),
        _ => None,
    }
}

/// A parameter found on a path item or an operation, `$ref`s followed.
pub(crate) struct ParamRef<'a> {
    /// The parameter as written (possibly a `$ref`).
    pub original: J<'a>,
    /// The parameter object.
    pub obj: Map<'a>,
    /// Where it lives.
    pub at: String,
    /// Its `in`.
    pub location: &'a str,
    /// Its `name`, as written.
    pub name: &'a str,
}

/// Merges the `parameters` of a path item and of an operation: keyed by location and
/// name (header names lower-cased; at most one `body`), the operation's winning.
/// Two parameters with the same key at one level are `E_INVALID`.
pub(crate) fn merged_parameters<'a>(
    root: J<'a>,
    levels: [(Option<J<'a>>, &str); 2],
    locations: &[&str],
) -> Result<BTreeMap<(String, String), ParamRef<'a>>> {
    let mut merged = BTreeMap::new();
    for (list, pointer) in levels {
        let Some(list) = list else { continue };
        let Kind::Array(items) = list.kind() else {
            return Err(Error::invalid(
                format!("`parameters` must be an array, found {}", kind(list)),
                pointer,
            ));
        };
        let mut seen = BTreeSet::new();
        for (i, item) in items.iter().enumerate() {
            let (obj, at) = deref(root, item, &push(pointer, &i.to_string()), "a parameter")?;
            let Some(Kind::String(name)) = obj.get("name").map(J::kind) else {
                return Err(Error::invalid("a parameter must have a string `name`", &at));
            };
            let Some(Kind::String(location)) = obj.get("in").map(J::kind) else {
                return Err(Error::invalid("a parameter must have a string `in`", &at));
            };
            if !locations.contains(&location) {
                return Err(Error::invalid(
                    format!(
                        "parameter location {location:?} is not one of {}",
                        locations.join(", ")
                    ),
                    &push(&at, "in"),
                ));
            }
            let key_name = match location {
                "header" => name.to_ascii_lowercase(),
                "body" => String::new(),
                _ => name.to_owned(),
            };
            let key = (location.to_owned(), key_name);
            if !seen.insert(key.clone()) {
                return Err(Error::invalid(
                    format!("parameter {name:?} in {location} is defined twice"),
                    &at,
                ));
            }
            merged.insert(
                key,
                ParamRef {
                    original: item,
                    obj,
                    at,
                    location,
                    name,
                },
            );
        }
    }
    Ok(merged)
}

/// Checks the members of a path item: methods, `$ref`, `summary`, `description`,
/// `servers`, `parameters` and `x-` extensions. Anything else is `E_INVALID`.
pub(crate) fn check_path_item_keys(item: Map<'_>, pointer: &str) -> Result<()> {
    for key in item.keys() {
        let known = METHODS.contains(&key)
            || matches!(
                key,
                "$ref" | "summary" | "description" | "servers" | "parameters"
            )
            || key.starts_with("x-");
        if !known {
            return Err(Error::invalid(
                format!(
                    "unknown member {key:?} in a path item (operations are lower-case methods: {})",
                    METHODS.join(", ")
                ),
                &push(pointer, key),
            ));
        }
    }
    Ok(())
}

/// The fields every operation has in both formats: tags, summary and description
/// (falling back to the path item's), operationId, deprecation, sunset, extensions.
pub(crate) fn operation_base(
    op: Map<'_>,
    op_pointer: &str,
    item: Map<'_>,
    item_pointer: &str,
) -> Result<Operation> {
    let tags = match op.get("tags") {
        Some(t) => strings(t, &push(op_pointer, "tags"), "`tags`")?
            .into_iter()
            .collect(),
        None => BTreeSet::new(),
    };
    let summary = match opt_string(op, "summary", op_pointer)? {
        Some(s) => Some(s),
        None => opt_string(item, "summary", item_pointer)?,
    };
    let description = match opt_string(op, "description", op_pointer)? {
        Some(s) => Some(s),
        None => opt_string(item, "description", item_pointer)?,
    };
    let sunset = match op.get("x-sunset").map(J::kind) {
        None => None,
        Some(Kind::String(s)) => Some(s.to_owned()),
        Some(other) => {
            return Err(Error::invalid(
                format!("`x-sunset` must be a date string, found {}", kind(other)),
                &push(op_pointer, "x-sunset"),
            ));
        }
    };
    Ok(Operation {
        deprecated: opt_bool(op, "deprecated", op_pointer)?.unwrap_or(false),
        description,
        extensions: extensions(op, &["x-sunset"]),
        operation_id: opt_string(op, "operationId", op_pointer)?,
        summary,
        sunset,
        tags,
        ..Operation::default()
    })
}

/// `E_TOO_DEEP` when callbacks nest deeper than [`MAX_CALLBACK_DEPTH`].
pub(crate) fn check_callback_depth(depth: usize, pointer: &str) -> Result<()> {
    if depth > MAX_CALLBACK_DEPTH {
        return Err(Error::TooDeep {
            limit: MAX_CALLBACK_DEPTH,
            location: Location::at_pointer(pointer),
        });
    }
    Ok(())
}

/// `meta` from the `info` object and the spec version string.
pub(crate) fn meta(root: Map<'_>, spec_version: &str) -> Result<BTreeMap<String, Value>> {
    let mut meta = BTreeMap::new();
    meta.insert(
        "specVersion".to_owned(),
        Value::String(spec_version.to_owned()),
    );
    let Some(info) = opt_object(root, "info", "", "`info`")? else {
        return Ok(meta);
    };
    for (key, name) in [("title", "title"), ("description", "description")] {
        if let Some(s) = opt_string(info, key, "/info")? {
            meta.insert(name.to_owned(), Value::String(s));
        }
    }
    match info.get("version") {
        None => {}
        Some(v) if matches!(v.kind(), Kind::String(_) | Kind::Number) => {
            meta.insert("version".to_owned(), v.canonical());
        }
        Some(other) => {
            return Err(Error::invalid(
                format!("`version` must be a string, found {}", kind(other)),
                "/info/version",
            ));
        }
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn media_type_keys() {
        assert_eq!(media_type_key("Application/JSON"), "application/json");
        assert_eq!(
            media_type_key("text/plain;Charset=UTF-8 ; format=flowed"),
            "text/plain; charset=UTF-8; format=flowed"
        );
        assert_eq!(media_type_key(" */* "), "*/*");
    }

    #[test]
    fn security_is_sorted_and_deduplicated() {
        let s = security(
            J::from(&json!([{"b": ["y", "x"]}, {}, {"b": ["x", "y"]}, {"a": []}])),
            "/security",
        )
        .unwrap();
        let expected: Vec<Requirement> = vec![
            Requirement::new(),
            [("a".to_owned(), BTreeSet::new())].into(),
            [("b".to_owned(), ["x".to_owned(), "y".to_owned()].into())].into(),
        ];
        assert_eq!(s, expected);
        let e = security(J::from(&json!([{"a": "x"}])), "/security").unwrap_err();
        assert_eq!(
            e.location().unwrap().pointer.as_deref(),
            Some("/security/0/a")
        );
        assert_eq!(
            security(J::from(&json!({})), "/s").unwrap_err().code(),
            "E_INVALID"
        );
    }

    #[test]
    fn servers_need_urls() {
        let s = servers(
            J::from(&json!([{"url": "/v1", "variables": {"v": {"default": "1"}}}])),
            "/servers",
        )
        .unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].url, "/v1");
        assert_eq!(s[0].variables["v"], json!({"default": "1"}));
        let e = servers(J::from(&json!([{"description": "x"}])), "/servers").unwrap_err();
        assert_eq!(e.location().unwrap().pointer.as_deref(), Some("/servers/0"));
    }
}
