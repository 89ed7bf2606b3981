//! The normalized surface of each contract kind: what a caller can use, keyed so that
//! order in the source never matters.
//!
//! Every struct declares its fields in byte order of their JSON names, so direct
//! serialization is canonical (tests in each module check it).

pub mod api;
pub mod mcp;
pub mod package;

use serde::{Deserialize, Serialize};

use crate::shape::Shape;

pub use api::ApiSurface;
pub use mcp::McpSurface;
pub use package::PackageSurface;

/// The surface of a contract that is one schema: a bare JSON Schema, or the schema
/// inferred from sampled payloads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaSurface {
    /// The root schema.
    pub root: Shape,
}

/// The surface of a snapshot, one variant per kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Surface {
    /// Operations, webhooks and security of an OpenAPI 3.x or Swagger 2.0 document.
    Api(ApiSurface),
    /// One JSON Schema.
    JsonSchema(SchemaSurface),
    /// Server, tools, prompts, resources and templates of an MCP server.
    Mcp(McpSurface),
    /// The schema inferred from sampled JSON payloads.
    Samples(SchemaSurface),
    /// A published package: manifest, integrity and file hashes.
    Package(PackageSurface),
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

#[cfg(test)]
pub(crate) fn assert_canonical<T: Serialize>(value: &T) {
    let direct = serde_json::to_string(value).unwrap();
    let via_map = serde_json::to_string(&serde_json::to_value(value).unwrap()).unwrap();
    assert_eq!(direct, via_map, "fields must be declared in sorted order");
}
