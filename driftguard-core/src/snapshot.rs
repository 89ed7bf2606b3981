//! Snapshots: the canonical, versioned, digested form of a captured contract.
//!
//! A snapshot serializes as one JSON object whose keys are, in order:
//! `digest`, `format`, `kind`, `meta`, `schemas`, `source` (optional), `surface`.
//! The **canonical bytes** are the compact serialization of that object *without*
//! `digest` and `source`; the digest is `sha256:` + hex SHA-256 of those bytes. Equal
//! digests mean no change. The format is documented in `conformance/SNAPSHOT.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use sha2::{Digest, Sha256};

mod canon;

use crate::error::{Error, Result};
use crate::shape::Shape;
use crate::surface::{ApiSurface, McpSurface, PackageSurface, SchemaSurface, Surface};

/// The snapshot format this build reads and writes.
pub const SNAPSHOT_FORMAT: &str = "driftguard.snapshot/1";

/// The kind of contract a snapshot describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// OpenAPI 3.0/3.1 or Swagger 2.0.
    Openapi,
    /// A JSON Schema.
    JsonSchema,
    /// An MCP server's catalog.
    Mcp,
    /// A schema inferred from sampled JSON payloads.
    Samples,
    /// A published package (npm, PyPI).
    Package,
}

impl Kind {
    /// The kind's name as it appears in snapshots (`openapi`, `json-schema`, `mcp`,
    /// `samples`, `package`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Openapi => "openapi",
            Kind::JsonSchema => "json-schema",
            Kind::Mcp => "mcp",
            Kind::Samples => "samples",
            Kind::Package => "package",
        }
    }
}

/// A canonical snapshot of a contract.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// Descriptive facts about the contract (title, version, spec version, dialect…),
    /// part of the digest.
    pub meta: BTreeMap<String, Value>,
    /// Shared schema table: id (a JSON Pointer fragment into the source document,
    /// e.g. `#/components/schemas/Pet`) → schema. Only schemas reachable from the
    /// surface are kept.
    pub schemas: BTreeMap<String, Shape>,
    /// Where and when it was captured; not part of the digest.
    pub source: Option<Value>,
    /// The normalized surface.
    pub surface: Surface,
    digest: String,
}

impl Snapshot {
    /// Assembles a snapshot and computes its digest.
    pub fn new(
        surface: Surface,
        meta: BTreeMap<String, Value>,
        schemas: BTreeMap<String, Shape>,
        source: Option<Value>,
    ) -> Result<Snapshot> {
        Snapshot::unsealed(surface, meta, schemas, source).seal()
    }

    /// Assembles a snapshot without its digest yet: [`Snapshot::seal`] computes it.
    /// The normalizers of the large formats build unsealed snapshots so that a caller
    /// holding two of them (the `diff` command) can hash both while it diffs them; every
    /// public constructor seals before it returns.
    pub(crate) fn unsealed(
        surface: Surface,
        meta: BTreeMap<String, Value>,
        schemas: BTreeMap<String, Shape>,
        source: Option<Value>,
    ) -> Snapshot {
        Snapshot {
            meta,
            schemas,
            source,
            surface,
            digest: String::new(),
        }
    }

    /// Computes the digest if it is not known yet.
    pub(crate) fn seal(mut self) -> Result<Snapshot> {
        self.digest = self.sealed_digest()?;
        Ok(self)
    }

    /// The digest [`Snapshot::seal`] gives: the known one, or computed now.
    pub(crate) fn sealed_digest(&self) -> Result<String> {
        if self.is_sealed() {
            Ok(self.digest.clone())
        } else {
            self.compute_digest()
        }
    }

    /// Whether the digest is known (always, outside the crate).
    pub(crate) fn is_sealed(&self) -> bool {
        !self.digest.is_empty()
    }

    /// The digest of the content, computed now from the canonical bytes: what
    /// [`Snapshot::digest`] holds for every snapshot this crate built, and a check for
    /// one whose fields were changed since.
    ///
    /// ```
    /// use driftguard_core::{Options, snapshot_from_bytes};
    ///
    /// let text = br#"{"type": "object", "properties": {"id": {"type": "integer"}}}"#;
    /// let snapshot = snapshot_from_bytes(text, &Options::default()).unwrap();
    /// assert_eq!(snapshot.content_digest().unwrap(), snapshot.digest());
    /// ```
    pub fn content_digest(&self) -> Result<String> {
        self.compute_digest()
    }

    /// Sets the digest computed by [`Snapshot::content_digest`] on an unsealed snapshot.
    pub(crate) fn set_digest(&mut self, digest: String) {
        debug_assert!(
            self.digest.is_empty() || self.digest == digest,
            "a sealed snapshot's digest cannot change"
        );
        self.digest = digest;
    }

    /// The kind of contract.
    pub fn kind(&self) -> Kind {
        match self.surface {
            Surface::Api(_) => Kind::Openapi,
            Surface::JsonSchema(_) => Kind::JsonSchema,
            Surface::Mcp(_) => Kind::Mcp,
            Surface::Samples(_) => Kind::Samples,
            Surface::Package(_) => Kind::Package,
        }
    }

    /// `sha256:<hex>` over the canonical bytes.
    pub fn digest(&self) -> &str {
        debug_assert!(
            self.is_sealed(),
            "the digest of an unsealed snapshot was read"
        );
        &self.digest
    }

    /// The canonical bytes: compact JSON without `digest` and `source`.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(&View {
            snapshot: self,
            full: false,
        })
        .map_err(internal)
    }

    /// The whole snapshot (with `digest` and `source`) as compact JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(&View {
            snapshot: self,
            full: true,
        })
        .map_err(internal)
    }

    /// The whole snapshot as indented JSON (two spaces), with a final newline.
    pub fn to_json_pretty(&self) -> Result<String> {
        let mut s = serde_json::to_string_pretty(&View {
            snapshot: self,
            full: true,
        })
        .map_err(internal)?;
        s.push('\n');
        Ok(s)
    }

    /// The whole snapshot as a JSON value.
    pub fn to_value(&self) -> Result<Value> {
        serde_json::to_value(View {
            snapshot: self,
            full: true,
        })
        .map_err(internal)
    }

    /// Replaces the `source` (does not change the digest).
    pub fn with_source(mut self, source: Option<Value>) -> Snapshot {
        self.source = source;
        self
    }

    /// Streams the canonical serialization straight into SHA-256 (through a small
    /// buffer) instead of building the canonical bytes first: same bytes hashed, no
    /// copy of the whole snapshot in memory.
    fn compute_digest(&self) -> Result<String> {
        let hash = match self.canonical_fast(canon::Canon::hashing()) {
            Some(w) => w
                .finish_hash()
                .ok_or_else(|| Error::invalid("snapshot could not be hashed: no hasher", ""))?,
            None => self.digest_serde()?,
        };
        // Every debug build (all tests, every conformance vector) cross-checks the
        // hand-written writer against serde_json, so a field added to the surface types
        // but not to `canon.rs` cannot change digests unnoticed.
        debug_assert!(
            self.digest_serde().is_ok_and(|slow| slow == hash),
            "the canonical writer and serde_json disagree on the snapshot bytes"
        );
        let mut out = String::with_capacity(7 + 64);
        out.push_str("sha256:");
        for b in hash {
            // Writing into a String cannot fail.
            let _ = write!(out, "{b:02x}");
        }
        Ok(out)
    }

    /// Writes the canonical bytes with the hand-written writer, for the kinds it covers
    /// (OpenAPI, JSON Schema, samples: the large ones); `None` for the others.
    fn canonical_fast(&self, mut w: canon::Canon) -> Option<canon::Canon> {
        if !matches!(
            self.surface,
            Surface::Api(_) | Surface::JsonSchema(_) | Surface::Samples(_)
        ) {
            return None;
        }
        let mut o = w.object();
        o.field(&mut w, "format", SNAPSHOT_FORMAT);
        o.field(&mut w, "kind", self.kind().name());
        o.field(&mut w, "meta", &self.meta);
        o.field(&mut w, "schemas", &self.schemas);
        match &self.surface {
            Surface::Api(x) => o.field(&mut w, "surface", x),
            Surface::JsonSchema(x) | Surface::Samples(x) => o.field(&mut w, "surface", x),
            Surface::Mcp(_) | Surface::Package(_) => return None,
        }
        o.end(&mut w);
        Some(w)
    }

    /// SHA-256 of the canonical serialization by `serde_json`, streamed into the hasher.
    fn digest_serde(&self) -> Result<[u8; 32]> {
        let mut writer = std::io::BufWriter::with_capacity(
            64 * 1024,
            HashWriter {
                hasher: Sha256::new(),
            },
        );
        serde_json::to_writer(
            &mut writer,
            &View {
                snapshot: self,
                full: false,
            },
        )
        .map_err(internal)?;
        let hasher = writer
            .into_inner()
            .map_err(|e| Error::invalid(format!("snapshot could not be hashed: {e}"), ""))?
            .hasher;
        Ok(hasher.finalize().into())
    }

    /// Reads a snapshot document back (as written by [`Snapshot::to_json`]).
    ///
    /// The digest is recomputed; a document whose stated `digest` differs from its
    /// content is rejected with `E_INVALID` (hand-edited or tampered lock files must
    /// not pass as approved).
    pub fn from_value(value: &Value) -> Result<Snapshot> {
        let obj = value
            .as_object()
            .ok_or_else(|| Error::unsupported("a snapshot must be a JSON object", ""))?;
        let format = obj
            .get("format")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if format != SNAPSHOT_FORMAT {
            return Err(Error::SnapshotVersion {
                found: format.to_owned(),
                supported: SNAPSHOT_FORMAT.to_owned(),
            });
        }
        for key in obj.keys() {
            if !matches!(
                key.as_str(),
                "digest" | "format" | "kind" | "meta" | "schemas" | "source" | "surface"
            ) {
                return Err(Error::invalid(
                    format!("unknown snapshot member {key:?}"),
                    "",
                ));
            }
        }
        let kind: Kind = field(obj, "kind")?;
        let surface_value = obj.get("surface").cloned().unwrap_or(Value::Null);
        let surface = match kind {
            Kind::Openapi => Surface::Api(typed::<ApiSurface>(surface_value)?),
            Kind::JsonSchema => Surface::JsonSchema(typed::<SchemaSurface>(surface_value)?),
            Kind::Mcp => Surface::Mcp(typed::<McpSurface>(surface_value)?),
            Kind::Samples => Surface::Samples(typed::<SchemaSurface>(surface_value)?),
            Kind::Package => Surface::Package(typed::<PackageSurface>(surface_value)?),
        };
        let meta = match obj.get("meta") {
            None => BTreeMap::new(),
            Some(m) => typed(m.clone()).map_err(|e| at("/meta", e))?,
        };
        let schemas = match obj.get("schemas") {
            None => BTreeMap::new(),
            Some(m) => typed(m.clone()).map_err(|e| at("/schemas", e))?,
        };
        let source = obj.get("source").cloned();
        let snapshot = Snapshot::new(surface, meta, schemas, source)?;
        if let Some(stated) = obj.get("digest")
            && stated.as_str() != Some(snapshot.digest())
        {
            {
                return Err(Error::invalid(
                    format!(
                        "stated digest {stated} does not match the content ({}); the snapshot \
                         was edited by hand or tampered with",
                        snapshot.digest()
                    ),
                    "/digest",
                ));
            }
        }
        Ok(snapshot)
    }

    /// True when a JSON value looks like a snapshot document.
    pub fn is_snapshot_document(value: &Value) -> bool {
        value
            .get("format")
            .and_then(Value::as_str)
            .is_some_and(|f| f.starts_with("driftguard.snapshot/"))
    }
}

/// An `io::Write` that feeds SHA-256; it never fails.
struct HashWriter {
    hasher: Sha256,
}

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn internal(e: serde_json::Error) -> Error {
    Error::invalid(format!("snapshot could not be serialized: {e}"), "")
}

fn field<T: serde::de::DeserializeOwned>(
    obj: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<T> {
    let v = obj.get(key).cloned().unwrap_or(Value::Null);
    serde_json::from_value(v)
        .map_err(|e| Error::invalid(format!("snapshot member `{key}`: {e}"), &format!("/{key}")))
}

fn typed<T: serde::de::DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v)
        .map_err(|e| Error::invalid(format!("snapshot surface: {e}"), "/surface"))
}

fn at(pointer: &str, e: Error) -> Error {
    match e {
        Error::Invalid { message, .. } => Error::invalid(message, pointer),
        other => other,
    }
}

/// Serializes a snapshot with its keys in canonical order.
struct View<'a> {
    snapshot: &'a Snapshot,
    full: bool,
}

impl Serialize for View<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let s = self.snapshot;
        let mut map = serializer.serialize_map(None)?;
        if self.full {
            map.serialize_entry("digest", &s.digest)?;
        }
        map.serialize_entry("format", SNAPSHOT_FORMAT)?;
        map.serialize_entry("kind", &s.kind())?;
        map.serialize_entry("meta", &s.meta)?;
        map.serialize_entry("schemas", &s.schemas)?;
        if let (true, Some(source)) = (self.full, &s.source) {
            map.serialize_entry("source", source)?;
        }
        match &s.surface {
            Surface::Api(x) => map.serialize_entry("surface", x)?,
            Surface::JsonSchema(x) | Surface::Samples(x) => map.serialize_entry("surface", x)?,
            Surface::Mcp(x) => map.serialize_entry("surface", x)?,
            Surface::Package(x) => map.serialize_entry("surface", x)?,
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Snapshot {
        Snapshot::new(
            Surface::JsonSchema(SchemaSurface {
                root: Shape::reference("#/$defs/a"),
            }),
            [("title".to_owned(), json!("T"))].into(),
            [("#/$defs/a".to_owned(), Shape::Bool(false))].into(),
            Some(json!({"path": "x.json"})),
        )
        .unwrap()
    }

    #[test]
    fn source_is_not_part_of_the_digest() {
        let a = sample();
        let b = sample().with_source(Some(json!({"path": "elsewhere.yaml"})));
        assert_eq!(a.digest(), b.digest());
        assert!(a.digest().starts_with("sha256:") && a.digest().len() == 71);
    }

    #[test]
    fn keys_are_canonical_and_round_trip() {
        let s = sample();
        let text = s.to_json().unwrap();
        let reordered =
            serde_json::to_string(&serde_json::from_str::<Value>(&text).unwrap()).unwrap();
        assert_eq!(text, reordered);
        let back = Snapshot::from_value(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn tampered_digest_is_rejected() {
        let mut v = sample().to_value().unwrap();
        v["meta"]["title"] = json!("changed");
        let e = Snapshot::from_value(&v).unwrap_err();
        assert_eq!(e.code(), "E_INVALID");
    }

    /// The hand-written canonical writer writes exactly the bytes `serde_json` does,
    /// on a snapshot that sets every field it knows, with strings that need escaping.
    #[test]
    fn fast_canonical_writer_matches_serde() {
        let node = r##"{
            "$ref": "#/a\"b", "additionalItems": false, "additionalProperties": {"type": ["null", "string"]},
            "allOf": [true, {"minimum": 1.5}], "anyOf": [false], "const": null, "contains": true,
            "contentEncoding": "base64", "contentMediaType": "text/plain", "contentSchema": false,
            "default": {"k": [1, -2, 3.25, "\u0001\u001f\t\n\r\b\f\\\"\u007f é 😀 \u2028"]},
            "dependentRequired": {"a": ["b", "c"]}, "dependentSchemas": {"d": true},
            "deprecated": true, "description": "line\nnext \"q\" </tag> 0123456789abcdef0123456789\u0000",
            "discriminator": {"mapping": {"x": "#/y"}, "propertyName": "kind"},
            "else": true, "enum": [1, "two", null, 1e300, -0.0, 12345678901234567890], "examples": [{}, []],
            "exclusiveMaximum": 10, "exclusiveMinimum": -10, "extensions": {"x-z": 1, "x-a": {"b": [2]}},
            "format": "uuid", "if": true, "items": {"type": ["integer"]}, "maxContains": 3,
            "maxItems": 18446744073709551615, "maxLength": 7, "maxProperties": 8, "maximum": 0.1,
            "minContains": 1, "minItems": 0, "minLength": 2, "minProperties": 1,
            "minimum": -9007199254740993, "multipleOf": 0.5, "not": false, "nullable": true,
            "oneOf": [true, false], "pattern": "^a\\d+$", "patternProperties": {"^x": true},
            "prefixItems": [true], "properties": {"p\u0000": false, "q": true, "a long property name with \"quotes\"": true},
            "propertyNames": {"maxLength": 3}, "readOnly": true, "required": ["p", "q"], "then": false,
            "title": "T", "type": ["object", "null"], "unevaluatedItems": false, "unevaluatedProperties": true,
            "uniqueItems": true, "unsupported": {"weird": [1]}, "writeOnly": true
        }"##;
        let node: crate::shape::Node = serde_json::from_str(node).unwrap();
        let shape = Shape::Node(Box::new(node));
        let mut op = crate::surface::api::Operation {
            deprecated: true,
            description: Some("d\u{1}".into()),
            operation_id: Some("o".into()),
            summary: Some("s".into()),
            sunset: Some("2030-01-01".into()),
            tags: ["t".to_owned(), "a".to_owned()].into(),
            security: Some(vec![[("s".to_owned(), ["r".to_owned()].into())].into()]),
            extensions: [("x-a".to_owned(), json!(null))].into(),
            ..Default::default()
        };
        let param = crate::surface::api::Parameter {
            allow_empty_value: true,
            allow_reserved: true,
            content: [(
                "application/json".to_owned(),
                crate::surface::api::MediaType {
                    encoding: [("e".to_owned(), json!({"style": "form"}))].into(),
                    schema: shape.clone(),
                },
            )]
            .into(),
            deprecated: true,
            description: Some("p".into()),
            explode: true,
            extensions: [("x-p".to_owned(), json!(true))].into(),
            required: true,
            schema: shape.clone(),
            style: Some("form".into()),
        };
        op.parameters.cookie.insert("c".into(), param.clone());
        op.parameters.header.insert("h".into(), param.clone());
        op.parameters.path.insert("p".into(), param.clone());
        op.parameters.query.insert("q".into(), param.clone());
        op.request_body = Some(crate::surface::api::RequestBody {
            content: param.content.clone(),
            description: Some("b".into()),
            required: true,
        });
        op.responses.insert(
            "200".into(),
            crate::surface::api::Response {
                content: param.content.clone(),
                description: Some("ok".into()),
                headers: [("X-Rate".to_owned(), param.clone())].into(),
            },
        );
        let server = crate::surface::api::Server {
            description: Some("srv".into()),
            url: "https://x".into(),
            variables: [("v".to_owned(), json!({"default": "1"}))].into(),
        };
        op.servers.push(server.clone());
        let callback_op = op.clone();
        op.callbacks.insert(
            "cb".into(),
            [("POST {$url}".to_owned(), callback_op)].into(),
        );
        let surfaces = [
            Surface::Api(ApiSurface {
                operations: [
                    ("GET /a".to_owned(), op.clone()),
                    (
                        "POST /\"".to_owned(),
                        crate::surface::api::Operation::default(),
                    ),
                ]
                .into(),
                security_schemes: [("s".to_owned(), json!({"type": "http"}))].into(),
                servers: vec![server],
                webhooks: [("POST w".to_owned(), op)].into(),
            }),
            Surface::Api(ApiSurface::default()),
            Surface::JsonSchema(SchemaSurface {
                root: shape.clone(),
            }),
            Surface::Samples(SchemaSurface {
                root: Shape::Bool(true),
            }),
        ];
        for surface in surfaces {
            let snapshot = Snapshot::new(
                surface,
                [
                    ("title".to_owned(), json!("T\u{7f}")),
                    ("n".to_owned(), json!(1.0)),
                ]
                .into(),
                [
                    ("#/x".to_owned(), shape.clone()),
                    ("#/y".to_owned(), Shape::Bool(false)),
                ]
                .into(),
                None,
            )
            .unwrap();
            let fast = snapshot
                .canonical_fast(canon::Canon::collecting())
                .unwrap()
                .into_bytes();
            let serde = snapshot.canonical_bytes().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&serde)
            );
            assert_eq!(snapshot.digest(), {
                let mut out = String::from("sha256:");
                for b in snapshot.digest_serde().unwrap() {
                    let _ = write!(out, "{b:02x}");
                }
                out
            });
        }
    }

    #[test]
    fn unknown_format_version() {
        let e = Snapshot::from_value(&json!({"format": "driftguard.snapshot/99"})).unwrap_err();
        assert_eq!(e.code(), "E_SNAPSHOT_VERSION");
    }
}
