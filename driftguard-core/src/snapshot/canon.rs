//! A hand-written writer of the canonical snapshot bytes, streaming into SHA-256.
//!
//! It writes exactly what `serde_json::to_writer` writes for the snapshot's canonical
//! view (compact JSON, fields in declaration order, the same string escaping and number
//! formatting), without the generic serializer's per-call overhead: static keys are
//! written without an escaping scan, and bytes go to one buffer that is hashed in 64 KiB
//! pieces. It covers the kinds whose snapshots are large (OpenAPI, JSON Schema,
//! samples); the others keep the serde path. A test compares both writers byte for byte.
//!
//! The field lists below mirror the `Serialize` derives of `shape.rs` and
//! `surface/api.rs` (same order, same names, same skip conditions); the conformance
//! vectors (every normalize vector states its digest) and the unit test here fail if
//! the two ever disagree.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;

use serde_json::{Number, Value};
use sha2::{Digest, Sha256};

use crate::shape::{Discriminator, JsonType, Node, Shape, TypeSet};
use crate::surface::SchemaSurface;
use crate::surface::api::{
    ApiSurface, MediaType, Operation, Parameter, Parameters, RequestBody, Response, Server,
};

/// Bytes are hashed (and the buffer emptied) once it holds this many.
const CHUNK: usize = 64 * 1024;

/// The output: a buffer, flushed into a hasher when there is one.
pub(super) struct Canon {
    buf: Vec<u8>,
    hasher: Option<Sha256>,
}

impl Canon {
    /// A writer that hashes what it is given.
    pub(super) fn hashing() -> Canon {
        Canon {
            buf: Vec::with_capacity(CHUNK + 4096),
            hasher: Some(Sha256::new()),
        }
    }

    /// A writer that keeps every byte (for tests).
    #[cfg(test)]
    pub(super) fn collecting() -> Canon {
        Canon {
            buf: Vec::new(),
            hasher: None,
        }
    }

    /// The hash of everything written (hashing writers).
    pub(super) fn finish_hash(mut self) -> Option<[u8; 32]> {
        let mut hasher = self.hasher.take()?;
        hasher.update(&self.buf);
        Some(hasher.finalize().into())
    }

    /// Everything written (collecting writers).
    #[cfg(test)]
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    #[inline]
    fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK
            && let Some(h) = &mut self.hasher
        {
            h.update(&self.buf);
            self.buf.clear();
        }
    }

    #[inline]
    fn byte(&mut self, b: u8) {
        self.raw(&[b]);
    }

    /// A JSON string, escaped exactly as `serde_json` escapes it.
    pub(super) fn string(&mut self, s: &str) {
        let bytes = s.as_bytes();
        self.byte(b'"');
        // Most strings need no escape at all: find the first byte that does 16 bytes at
        // a time (a branch-free test per block), then go byte by byte from there.
        let clean = clean_prefix(bytes);
        let Some(rest) = bytes.get(clean..).filter(|r| !r.is_empty()) else {
            self.raw(bytes);
            self.byte(b'"');
            return;
        };
        if let Some(head) = bytes.get(..clean) {
            self.raw(head);
        }
        let bytes = rest;
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                0x08 => b"\\b",
                0x0c => b"\\f",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x00..=0x1f => b"",
                _ => continue,
            };
            if let Some(run) = bytes.get(start..i) {
                self.raw(run);
            }
            start = i + 1;
            if escape.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
                let lo = HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0');
                self.raw(&[b'\\', b'u', b'0', b'0', hi, lo]);
            } else {
                self.raw(escape);
            }
        }
        if let Some(run) = bytes.get(start..) {
            self.raw(run);
        }
        self.byte(b'"');
    }

    fn number(&mut self, n: &Number) {
        // `Number`'s Display is the formatting `serde_json` serializes with (itoa for
        // integers, ryu for finite floats).
        let mut tmp = [0u8; 40];
        let mut cursor = std::io::Cursor::new(&mut tmp[..]);
        if write!(cursor, "{n}").is_ok() {
            let len = usize::try_from(cursor.position()).unwrap_or(0);
            if let Some(text) = tmp.get(..len) {
                self.raw(text);
                return;
            }
        }
        let text = n.to_string();
        self.raw(text.as_bytes());
    }

    fn u64(&mut self, n: u64) {
        self.number(&Number::from(n));
    }

    /// Starts an object.
    pub(super) fn object(&mut self) -> Obj {
        self.byte(b'{');
        Obj { first: true }
    }
}

/// True for the bytes `serde_json` escapes in strings.
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The length of the longest prefix of `bytes` that needs no escaping, or a little less
/// (it stops at the start of the 16-byte block holding the first byte to escape).
#[inline]
fn clean_prefix(bytes: &[u8]) -> usize {
    let mut done = 0;
    for block in bytes.chunks_exact(16) {
        // `fold` without an early exit: the compiler turns it into a few vector ops.
        if block.iter().fold(false, |acc, &b| acc | needs_escape(b)) {
            return done;
        }
        done += 16;
    }
    let tail = bytes.get(done..).unwrap_or_default();
    done + tail
        .iter()
        .position(|&b| needs_escape(b))
        .unwrap_or(tail.len())
}

/// An object being written: tracks whether a comma is due.
pub(super) struct Obj {
    first: bool,
}

impl Obj {
    /// A member whose key needs no escaping (a static field name).
    #[inline]
    pub(super) fn field<T: Canonical + ?Sized>(&mut self, w: &mut Canon, key: &str, value: &T) {
        if !self.first {
            w.byte(b',');
        }
        self.first = false;
        w.byte(b'"');
        w.raw(key.as_bytes());
        w.raw(b"\":");
        value.write(w);
    }

    /// A member whose key is data (escaped).
    #[inline]
    fn entry<T: Canonical + ?Sized>(&mut self, w: &mut Canon, key: &str, value: &T) {
        if !self.first {
            w.byte(b',');
        }
        self.first = false;
        w.string(key);
        w.byte(b':');
        value.write(w);
    }

    pub(super) fn end(self, w: &mut Canon) {
        w.byte(b'}');
    }
}

/// Writes itself as canonical JSON.
pub(super) trait Canonical {
    fn write(&self, w: &mut Canon);
}

impl Canonical for str {
    fn write(&self, w: &mut Canon) {
        w.string(self);
    }
}

impl Canonical for String {
    fn write(&self, w: &mut Canon) {
        w.string(self);
    }
}

impl Canonical for bool {
    fn write(&self, w: &mut Canon) {
        w.raw(if *self { b"true" } else { b"false" });
    }
}

impl Canonical for u64 {
    fn write(&self, w: &mut Canon) {
        w.u64(*self);
    }
}

impl Canonical for Number {
    fn write(&self, w: &mut Canon) {
        w.number(self);
    }
}

impl Canonical for Value {
    fn write(&self, w: &mut Canon) {
        match self {
            Value::Null => w.raw(b"null"),
            Value::Bool(b) => b.write(w),
            Value::Number(n) => w.number(n),
            Value::String(s) => w.string(s),
            Value::Array(items) => items.as_slice().write(w),
            Value::Object(map) => {
                let mut o = w.object();
                for (k, v) in map {
                    o.entry(w, k, v);
                }
                o.end(w);
            }
        }
    }
}

impl Canonical for JsonType {
    fn write(&self, w: &mut Canon) {
        w.string(self.name());
    }
}

impl<T: Canonical> Canonical for [T] {
    fn write(&self, w: &mut Canon) {
        w.byte(b'[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                w.byte(b',');
            }
            item.write(w);
        }
        w.byte(b']');
    }
}

impl<T: Canonical> Canonical for Vec<T> {
    fn write(&self, w: &mut Canon) {
        self.as_slice().write(w);
    }
}

impl Canonical for TypeSet {
    fn write(&self, w: &mut Canon) {
        w.byte(b'[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                w.byte(b',');
            }
            item.write(w);
        }
        w.byte(b']');
    }
}

impl<T: Canonical> Canonical for BTreeSet<T> {
    fn write(&self, w: &mut Canon) {
        w.byte(b'[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                w.byte(b',');
            }
            item.write(w);
        }
        w.byte(b']');
    }
}

impl<T: Canonical> Canonical for BTreeMap<String, T> {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        for (k, v) in self {
            o.entry(w, k, v);
        }
        o.end(w);
    }
}

impl Canonical for Shape {
    fn write(&self, w: &mut Canon) {
        match self {
            Shape::Bool(b) => b.write(w),
            Shape::Node(node) => node.write(w),
        }
    }
}

impl Canonical for Node {
    fn write(&self, w: &mut Canon) {
        let rare = self.rare();
        let mut o = w.object();
        if let Some(v) = &self.reference {
            o.field(w, "$ref", v);
        }
        if let Some(v) = &rare.additional_items {
            o.field(w, "additionalItems", v);
        }
        if let Some(v) = &self.additional_properties {
            o.field(w, "additionalProperties", v);
        }
        if !self.all_of.is_empty() {
            o.field(w, "allOf", &self.all_of);
        }
        if !self.any_of.is_empty() {
            o.field(w, "anyOf", &self.any_of);
        }
        if let Some(v) = &self.const_value {
            o.field(w, "const", v);
        }
        if let Some(v) = &rare.contains {
            o.field(w, "contains", v);
        }
        if let Some(v) = &rare.content_encoding {
            o.field(w, "contentEncoding", v);
        }
        if let Some(v) = &rare.content_media_type {
            o.field(w, "contentMediaType", v);
        }
        if let Some(v) = &rare.content_schema {
            o.field(w, "contentSchema", v);
        }
        if let Some(v) = &self.default {
            o.field(w, "default", v);
        }
        if !rare.dependent_required.is_empty() {
            o.field(w, "dependentRequired", &rare.dependent_required);
        }
        if !rare.dependent_schemas.is_empty() {
            o.field(w, "dependentSchemas", &rare.dependent_schemas);
        }
        if self.deprecated {
            o.field(w, "deprecated", &self.deprecated);
        }
        if let Some(v) = &self.description {
            o.field(w, "description", v);
        }
        if let Some(v) = &rare.discriminator {
            o.field(w, "discriminator", v);
        }
        if let Some(v) = &rare.else_schema {
            o.field(w, "else", v);
        }
        if let Some(v) = &self.enum_values {
            o.field(w, "enum", v);
        }
        if !self.examples.is_empty() {
            o.field(w, "examples", &self.examples);
        }
        if let Some(v) = &rare.exclusive_maximum {
            o.field(w, "exclusiveMaximum", v);
        }
        if let Some(v) = &rare.exclusive_minimum {
            o.field(w, "exclusiveMinimum", v);
        }
        if !rare.extensions.is_empty() {
            o.field(w, "extensions", &rare.extensions);
        }
        if let Some(v) = &self.format {
            o.field(w, "format", v);
        }
        if let Some(v) = &rare.if_schema {
            o.field(w, "if", v);
        }
        if let Some(v) = &self.items {
            o.field(w, "items", v);
        }
        if let Some(v) = &rare.max_contains {
            o.field(w, "maxContains", v);
        }
        if let Some(v) = &rare.max_items {
            o.field(w, "maxItems", v);
        }
        if let Some(v) = &rare.max_length {
            o.field(w, "maxLength", v);
        }
        if let Some(v) = &rare.max_properties {
            o.field(w, "maxProperties", v);
        }
        if let Some(v) = &rare.maximum {
            o.field(w, "maximum", v);
        }
        if let Some(v) = &rare.min_contains {
            o.field(w, "minContains", v);
        }
        if let Some(v) = &rare.min_items {
            o.field(w, "minItems", v);
        }
        if let Some(v) = &rare.min_length {
            o.field(w, "minLength", v);
        }
        if let Some(v) = &rare.min_properties {
            o.field(w, "minProperties", v);
        }
        if let Some(v) = &rare.minimum {
            o.field(w, "minimum", v);
        }
        if let Some(v) = &rare.multiple_of {
            o.field(w, "multipleOf", v);
        }
        if let Some(v) = &rare.not {
            o.field(w, "not", v);
        }
        if self.nullable {
            o.field(w, "nullable", &self.nullable);
        }
        if !self.one_of.is_empty() {
            o.field(w, "oneOf", &self.one_of);
        }
        if let Some(v) = &rare.pattern {
            o.field(w, "pattern", v);
        }
        if !rare.pattern_properties.is_empty() {
            o.field(w, "patternProperties", &rare.pattern_properties);
        }
        if !rare.prefix_items.is_empty() {
            o.field(w, "prefixItems", &rare.prefix_items);
        }
        if !self.properties.is_empty() {
            o.field(w, "properties", &self.properties);
        }
        if let Some(v) = &rare.property_names {
            o.field(w, "propertyNames", v);
        }
        if self.read_only {
            o.field(w, "readOnly", &self.read_only);
        }
        if !self.required.is_empty() {
            o.field(w, "required", &self.required);
        }
        if let Some(v) = &rare.then_schema {
            o.field(w, "then", v);
        }
        if let Some(v) = &self.title {
            o.field(w, "title", v);
        }
        if let Some(v) = &self.types {
            o.field(w, "type", v);
        }
        if let Some(v) = &rare.unevaluated_items {
            o.field(w, "unevaluatedItems", v);
        }
        if let Some(v) = &rare.unevaluated_properties {
            o.field(w, "unevaluatedProperties", v);
        }
        if rare.unique_items {
            o.field(w, "uniqueItems", &rare.unique_items);
        }
        if !rare.unsupported.is_empty() {
            o.field(w, "unsupported", &rare.unsupported);
        }
        if self.write_only {
            o.field(w, "writeOnly", &self.write_only);
        }
        o.end(w);
    }
}

impl Canonical for Discriminator {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        if !self.mapping.is_empty() {
            o.field(w, "mapping", &self.mapping);
        }
        o.field(w, "propertyName", &self.property_name);
        o.end(w);
    }
}

impl Canonical for ApiSurface {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        if !self.operations.is_empty() {
            o.field(w, "operations", &self.operations);
        }
        if !self.security_schemes.is_empty() {
            o.field(w, "securitySchemes", &self.security_schemes);
        }
        if !self.servers.is_empty() {
            o.field(w, "servers", &self.servers);
        }
        if !self.webhooks.is_empty() {
            o.field(w, "webhooks", &self.webhooks);
        }
        o.end(w);
    }
}

impl Canonical for Operation {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        if !self.callbacks.is_empty() {
            o.field(w, "callbacks", &self.callbacks);
        }
        if self.deprecated {
            o.field(w, "deprecated", &self.deprecated);
        }
        if let Some(v) = &self.description {
            o.field(w, "description", v);
        }
        if !self.extensions.is_empty() {
            o.field(w, "extensions", &self.extensions);
        }
        if let Some(v) = &self.operation_id {
            o.field(w, "operationId", v);
        }
        if !self.parameters.is_empty() {
            o.field(w, "parameters", &self.parameters);
        }
        if let Some(v) = &self.request_body {
            o.field(w, "requestBody", v);
        }
        if !self.responses.is_empty() {
            o.field(w, "responses", &self.responses);
        }
        if let Some(v) = &self.security {
            o.field(w, "security", v);
        }
        if !self.servers.is_empty() {
            o.field(w, "servers", &self.servers);
        }
        if let Some(v) = &self.summary {
            o.field(w, "summary", v);
        }
        if let Some(v) = &self.sunset {
            o.field(w, "sunset", v);
        }
        if !self.tags.is_empty() {
            o.field(w, "tags", &self.tags);
        }
        o.end(w);
    }
}

impl Canonical for Parameters {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        if !self.cookie.is_empty() {
            o.field(w, "cookie", &self.cookie);
        }
        if !self.header.is_empty() {
            o.field(w, "header", &self.header);
        }
        if !self.path.is_empty() {
            o.field(w, "path", &self.path);
        }
        if !self.query.is_empty() {
            o.field(w, "query", &self.query);
        }
        o.end(w);
    }
}

impl Canonical for Parameter {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        if self.allow_empty_value {
            o.field(w, "allowEmptyValue", &self.allow_empty_value);
        }
        if self.allow_reserved {
            o.field(w, "allowReserved", &self.allow_reserved);
        }
        if !self.content.is_empty() {
            o.field(w, "content", &self.content);
        }
        if self.deprecated {
            o.field(w, "deprecated", &self.deprecated);
        }
        if let Some(v) = &self.description {
            o.field(w, "description", v);
        }
        if self.explode {
            o.field(w, "explode", &self.explode);
        }
        if !self.extensions.is_empty() {
            o.field(w, "extensions", &self.extensions);
        }
        if self.required {
            o.field(w, "required", &self.required);
        }
        if !self.schema.is_any() {
            o.field(w, "schema", &self.schema);
        }
        if let Some(v) = &self.style {
            o.field(w, "style", v);
        }
        o.end(w);
    }
}

impl Canonical for RequestBody {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        if !self.content.is_empty() {
            o.field(w, "content", &self.content);
        }
        if let Some(v) = &self.description {
            o.field(w, "description", v);
        }
        if self.required {
            o.field(w, "required", &self.required);
        }
        o.end(w);
    }
}

impl Canonical for MediaType {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        if !self.encoding.is_empty() {
            o.field(w, "encoding", &self.encoding);
        }
        if !self.schema.is_any() {
            o.field(w, "schema", &self.schema);
        }
        o.end(w);
    }
}

impl Canonical for Response {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        if !self.content.is_empty() {
            o.field(w, "content", &self.content);
        }
        if let Some(v) = &self.description {
            o.field(w, "description", v);
        }
        if !self.headers.is_empty() {
            o.field(w, "headers", &self.headers);
        }
        o.end(w);
    }
}

impl Canonical for Server {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        if let Some(v) = &self.description {
            o.field(w, "description", v);
        }
        o.field(w, "url", &self.url);
        if !self.variables.is_empty() {
            o.field(w, "variables", &self.variables);
        }
        o.end(w);
    }
}

impl Canonical for SchemaSurface {
    fn write(&self, w: &mut Canon) {
        let mut o = w.object();
        o.field(w, "root", &self.root);
        o.end(w);
    }
}
