//! Format detection.

use serde_json::Value;

use super::view::{J, Kind};
use crate::error::{Error, Result};

/// The format of a contract document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Detect from the document's content.
    #[default]
    Auto,
    /// OpenAPI 3.0.x or 3.1.x.
    Openapi,
    /// Swagger 2.0.
    Swagger,
    /// JSON Schema (draft-04 to 2020-12).
    JsonSchema,
    /// An MCP capture document (see `conformance/MCP_CAPTURE.md`).
    Mcp,
    /// Sampled JSON payloads from which a schema is inferred (never auto-detected).
    Samples,
    /// A DriftGuard snapshot document.
    Snapshot,
    /// A package capture document (see `conformance/PACKAGE_CAPTURE.md`).
    Package,
}

impl Format {
    /// Parses a format name as used on command lines and in bindings.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "auto" => Format::Auto,
            "openapi" => Format::Openapi,
            "swagger" => Format::Swagger,
            "json-schema" | "jsonschema" => Format::JsonSchema,
            "mcp" => Format::Mcp,
            "samples" => Format::Samples,
            "snapshot" => Format::Snapshot,
            "package" => Format::Package,
            _ => return None,
        })
    }

    /// The name [`Format::from_name`] accepts.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Openapi => "openapi",
            Format::Swagger => "swagger",
            Format::JsonSchema => "json-schema",
            Format::Mcp => "mcp",
            Format::Samples => "samples",
            Format::Snapshot => "snapshot",
            Format::Package => "package",
        }
    }
}

const SCHEMA_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$defs",
    "definitions",
    "type",
    "properties",
    "items",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "enum",
    "const",
    "required",
    "additionalProperties",
    "patternProperties",
    "prefixItems",
    "if",
    "format",
    "pattern",
    "minimum",
    "maximum",
];

/// Decides the format of a parsed document.
///
/// Order: snapshot (`format: driftguard.snapshot/…`), OpenAPI (`openapi: 3.x`),
/// Swagger (`swagger: "2.0"`), package capture (`ecosystem` and a `files` array), MCP
/// (`initialize`/`discover`, or a `tools` array),
/// JSON Schema (a boolean, or an object with a schema keyword).
pub fn detect(value: &Value) -> Result<Format> {
    detect_view(J::V(value))
}

/// [`detect`] over either document representation.
pub(crate) fn detect_view(value: J<'_>) -> Result<Format> {
    let obj = match value.kind() {
        Kind::Object(o) => o,
        Kind::Bool(_) => return Ok(Format::JsonSchema),
        Kind::Array(_) => {
            return Err(Error::unsupported(
                "the document is a JSON array, not a contract (to infer a schema from sampled \
                 payloads, choose the `samples` format)",
                "",
            ));
        }
        _ => {
            return Err(Error::unsupported(
                "the document is a scalar, not a contract (expected OpenAPI, Swagger, JSON \
                 Schema, an MCP capture or a snapshot)",
                "",
            ));
        }
    };
    if obj
        .get("format")
        .and_then(J::as_str)
        .is_some_and(|f| f.starts_with("driftguard.snapshot/"))
    {
        return Ok(Format::Snapshot);
    }
    if let Some(v) = obj.get("openapi") {
        return match v.as_str() {
            Some(s) if s.starts_with("3.") => Ok(Format::Openapi),
            _ => Err(Error::unsupported(
                format!("OpenAPI version {v} is not supported (3.0.x, 3.1.x and Swagger 2.0 are)"),
                "/openapi",
            )),
        };
    }
    if let Some(v) = obj.get("swagger") {
        return match v.as_str() {
            Some("2.0") => Ok(Format::Swagger),
            _ => Err(Error::unsupported(
                format!("Swagger version {v} is not supported (2.0 is)"),
                "/swagger",
            )),
        };
    }
    // Method calls, not paths: the same lines read the document view of the JSON fast
    // path.
    if obj.get("ecosystem").is_some_and(|v| v.is_string())
        && obj.get("files").is_some_and(|v| v.is_array())
    {
        return Ok(Format::Package);
    }
    if obj.contains_key("initialize")
        || obj.contains_key("discover")
        || obj.get("tools").is_some_and(J::is_array)
    {
        return Ok(Format::Mcp);
    }
    if obj.is_empty() || SCHEMA_KEYWORDS.iter().any(|k| obj.contains_key(k)) {
        return Ok(Format::JsonSchema);
    }
    Err(Error::unsupported(
        "could not tell the format: no `openapi`, `swagger`, MCP members (`initialize`, \
         `tools`…) or JSON Schema keywords at the top level; pass the format explicitly",
        "",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_each_format() {
        assert_eq!(
            detect(&json!({"openapi": "3.1.0"})).unwrap(),
            Format::Openapi
        );
        assert_eq!(detect(&json!({"swagger": "2.0"})).unwrap(), Format::Swagger);
        assert_eq!(detect(&json!({"tools": []})).unwrap(), Format::Mcp);
        assert_eq!(detect(&json!({"initialize": {}})).unwrap(), Format::Mcp);
        assert_eq!(
            detect(&json!({"type": "object"})).unwrap(),
            Format::JsonSchema
        );
        assert_eq!(detect(&json!(true)).unwrap(), Format::JsonSchema);
        assert_eq!(
            detect(&json!({"ecosystem": "npm", "files": []})).unwrap(),
            Format::Package
        );
        assert_eq!(
            detect(&json!([1])).unwrap_err().code(),
            "E_UNSUPPORTED_FORMAT"
        );
        assert_eq!(
            detect(&json!({"openapi": "4.0"})).unwrap_err().code(),
            "E_UNSUPPORTED_FORMAT"
        );
        assert_eq!(
            detect(&json!({"hello": 1})).unwrap_err().code(),
            "E_UNSUPPORTED_FORMAT"
        );
    }
}
