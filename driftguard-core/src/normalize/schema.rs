//! JSON Schema (all drafts, plus the OpenAPI 3.0 and Swagger 2.0 schema dialects) →
//! Shape IR. The single place where schemas are lowered.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::Result;
use crate::parse::Limits;
use crate::shape::Shape;

/// The schema dialect a document is written in. It decides how `nullable`,
/// `exclusiveMaximum`, `items` arrays, `id`/`$id` and `$ref` siblings are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// JSON Schema draft-04.
    Draft4,
    /// JSON Schema draft-06.
    Draft6,
    /// JSON Schema draft-07.
    Draft7,
    /// JSON Schema 2019-09.
    Draft2019,
    /// JSON Schema 2020-12 (also OpenAPI 3.1).
    Draft2020,
    /// OpenAPI 3.0 Schema Object (draft-04/05 subset, `nullable`, siblings of `$ref`
    /// ignored).
    OpenApi30,
    /// Swagger 2.0 Schema Object (draft-04 subset, `x-nullable`).
    Swagger2,
}

/// Lowers schemas of one document into shapes, collecting referenced schemas into a
/// shared table (keyed by the `#`-fragment of their location) exactly once each.
pub struct SchemaLowerer<'doc> {
    root: &'doc Value,
    dialect: Dialect,
    limits: Limits,
    table: BTreeMap<String, Shape>,
}

impl<'doc> SchemaLowerer<'doc> {
    /// A lowerer for schemas inside `root`, read in `dialect`.
    pub fn new(root: &'doc Value, dialect: Dialect, limits: &Limits) -> Self {
        SchemaLowerer { root, dialect, limits: *limits, table: BTreeMap::new() }
    }

    /// Lowers `schema`, found at JSON Pointer `pointer` in the document.
    pub fn lower(&mut self, schema: &'doc Value, pointer: &str) -> Result<Shape> {
        let _ = (schema, pointer, self.root, self.dialect, self.limits);
        Ok(Shape::ANY)
    }

    /// The shared schema table: every schema reached through a `$ref`.
    pub fn finish(self) -> BTreeMap<String, Shape> {
        self.table
    }
}
