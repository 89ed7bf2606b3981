//! A bare JSON Schema document → snapshot of kind `json-schema`.
//!
//! The dialect comes from `$schema` (draft-04, -06, -07, 2019-09, 2020-12); without
//! one, 2020-12 is assumed. An unknown `$schema` URI is read as 2020-12 and kept in
//! `meta.dialect`, so a change of dialect is still visible as drift.

use std::collections::BTreeMap;

use serde_json::Value;

use super::schema::{Dialect, SchemaLowerer};
use crate::error::{Error, Result};
use crate::parse::Limits;
use crate::snapshot::Snapshot;
use crate::surface::{SchemaSurface, Surface};

/// Normalizes a JSON Schema document.
pub(crate) fn normalize(value: &Value, limits: &Limits) -> Result<Snapshot> {
    let mut meta = BTreeMap::new();
    let dialect = match value.get("$schema") {
        None => Dialect::Draft2020,
        Some(Value::String(uri)) => {
            meta.insert("dialect".to_owned(), Value::String(uri.clone()));
            Dialect::from_schema_uri(uri).unwrap_or(Dialect::Draft2020)
        }
        Some(_) => return Err(Error::invalid("`$schema` must be a string", "/$schema")),
    };
    match value {
        Value::Object(_) | Value::Bool(_) => {}
        _ => {
            return Err(Error::unsupported(
                "a JSON Schema must be an object or a boolean",
                "",
            ));
        }
    }
    for key in ["$id", "title"] {
        if let Some(Value::String(s)) = value.get(key) {
            let name = if key == "$id" { "id" } else { key };
            meta.insert(name.to_owned(), Value::String(s.clone()));
        }
    }
    let mut lowerer = SchemaLowerer::new(value, dialect, limits);
    let root = lowerer.lower(value, "")?;
    let schemas = lowerer.finish();
    Snapshot::new(
        Surface::JsonSchema(SchemaSurface { root }),
        meta,
        schemas,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dialect_and_meta() {
        let s = normalize(
            &json!({"$schema": "http://json-schema.org/draft-04/schema#", "title": "T",
                    "type": "integer", "maximum": 5, "exclusiveMaximum": true}),
            &Limits::default(),
        )
        .unwrap();
        let v = s.to_value().unwrap();
        assert_eq!(
            v["surface"]["root"],
            json!({"maximum": 4, "title": "T", "type": ["integer"]})
        );
        assert_eq!(
            v["meta"],
            json!({"dialect": "http://json-schema.org/draft-04/schema#", "title": "T"})
        );
        assert_eq!(v["kind"], json!("json-schema"));
    }

    #[test]
    fn non_schema_rejected() {
        assert_eq!(
            normalize(&json!([1]), &Limits::default())
                .unwrap_err()
                .code(),
            "E_UNSUPPORTED_FORMAT"
        );
        assert_eq!(
            normalize(&json!({"$schema": 4}), &Limits::default())
                .unwrap_err()
                .code(),
            "E_INVALID"
        );
    }
}
