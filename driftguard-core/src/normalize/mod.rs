//! Normalizers: a parsed document of any supported format → a [`Snapshot`].
//!
//! One module per format; each lowers its schemas through [`schema::SchemaLowerer`], the
//! single place where JSON Schema (every draft, and the OpenAPI/Swagger dialects)
//! becomes the Shape IR.

mod api_common;
pub mod detect;
mod json_schema;
mod mcp;
mod openapi;
pub mod package;
pub mod refs;
mod samples;
pub mod schema;
mod swagger;
pub(crate) mod view;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::parse::doc::Document;
use crate::parse::{Limits, Syntax, parse_document, parse_text};
use crate::snapshot::Snapshot;
use view::J;

pub use detect::{Format, detect};

/// How to read a document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// The format, or [`Format::Auto`] to detect it.
    pub format: Format,
    /// Limits on size, depth and YAML alias expansion.
    pub limits: Limits,
    /// Where and when the document was captured; stored in the snapshot's `source`,
    /// outside the digest.
    pub source: Option<Value>,
}

/// Parses JSON or YAML bytes and normalizes them into a snapshot.
///
/// With [`Format::Samples`] the text is one JSON payload, or several as JSON Lines.
pub fn snapshot_from_bytes(bytes: &[u8], options: &Options) -> Result<Snapshot> {
    normalize_parsed(&parse_input(bytes, options)?, options)?.seal()
}

/// A document read by the first half of [`snapshot_from_bytes`].
pub(crate) enum Parsed<'a> {
    /// Plain JSON, in the compact tree.
    Compact(Document<'a>),
    /// Anything else that parsed (YAML, or JSON the compact tree declines).
    Tree(Value),
    /// Sample payloads: parsed and inferred together by the second half.
    Samples(&'a [u8]),
}

/// The first half of [`snapshot_from_bytes`]: parses the text.
pub(crate) fn parse_input<'a>(bytes: &'a [u8], options: &Options) -> Result<Parsed<'a>> {
    if options.format == Format::Samples {
        return Ok(Parsed::Samples(bytes));
    }
    // Plain JSON takes the compact tree; anything else (YAML, errors, limits) the
    // `serde_json` path, which gives the same value or the exact error.
    if let Some(doc) = parse_document(bytes, &options.limits) {
        return Ok(Parsed::Compact(doc));
    }
    Ok(Parsed::Tree(parse_text(
        bytes,
        Syntax::Auto,
        &options.limits,
    )?))
}

/// The second half of [`snapshot_from_bytes`]: normalizes what [`parse_input`] read,
/// into a snapshot that may still be unsealed (see [`Snapshot::seal`]).
pub(crate) fn normalize_parsed(parsed: &Parsed<'_>, options: &Options) -> Result<Snapshot> {
    match parsed {
        Parsed::Samples(bytes) => samples::from_bytes(bytes, options),
        Parsed::Compact(doc) => normalize_unsealed(J::root(doc), options),
        // The parser already enforced the depth limit.
        Parsed::Tree(value) => normalize_unsealed(J::V(value), options),
    }
}

/// Normalizes a compact document (within the depth limit by construction).
fn normalize_document(doc: &Document<'_>, options: &Options) -> Result<Snapshot> {
    normalize_checked(J::root(doc), options)
}

/// Normalizes a document already parsed by [`parse_document`] (the JSON fast path of
/// [`snapshot_from_bytes`]): the same snapshot, without parsing again.
///
/// ```
/// use driftguard_core::normalize::snapshot_from_document;
/// use driftguard_core::parse::parse_document;
/// use driftguard_core::{Options, snapshot_from_bytes};
///
/// let text = br#"{"type": "object", "properties": {"id": {"type": "integer"}}}"#;
/// let options = Options::default();
/// let doc = parse_document(text, &options.limits).expect("plain JSON");
/// let a = snapshot_from_document(&doc, &options).unwrap();
/// assert_eq!(a.digest(), snapshot_from_bytes(text, &options).unwrap().digest());
/// ```
pub fn snapshot_from_document(doc: &Document<'_>, options: &Options) -> Result<Snapshot> {
    normalize_document(doc, options)
}

/// Normalizes an already-parsed document into a snapshot.
///
/// A value produced by something other than [`parse_text`] (a binding converting a
/// Python dict, say) is checked against the depth limit first.
pub fn snapshot_from_value(value: &Value, options: &Options) -> Result<Snapshot> {
    check_depth(value, options.limits.max_depth)?;
    normalize_checked(J::V(value), options)
}

/// Normalizes a value already known to be within the depth limit.
///
/// OpenAPI and Swagger read the document through the view; the other formats (small
/// documents in practice) read a `serde_json::Value`, converted once if need be.
fn normalize_checked(value: J<'_>, options: &Options) -> Result<Snapshot> {
    normalize_unsealed(value, options)?.seal()
}

/// [`normalize_checked`] without the digest: the large formats' snapshots come back
/// unsealed.
fn normalize_unsealed(value: J<'_>, options: &Options) -> Result<Snapshot> {
    let format = match options.format {
        Format::Auto => detect::detect_view(value)?,
        f => f,
    };
    let owned;
    let value_ref: &Value = match value {
        J::V(v) => v,
        J::D(..) if matches!(format, Format::Openapi | Format::Swagger) => &Value::Null,
        J::D(..) => {
            owned = value.raw();
            &owned
        }
    };
    let snapshot = match format {
        Format::Auto => unreachable_auto()?,
        Format::Snapshot => Snapshot::from_value(value_ref)?,
        Format::Openapi => openapi::normalize(value, &options.limits)?,
        Format::Swagger => swagger::normalize(value, &options.limits)?,
        Format::JsonSchema => json_schema::normalize(value_ref, &options.limits)?,
        Format::Mcp => mcp::normalize(value_ref, &options.limits)?,
        Format::Package => package::normalize(value_ref)?,
        Format::Samples => samples::from_values(std::slice::from_ref(value_ref), &options.limits)?,
    };
    Ok(match &options.source {
        Some(source) => snapshot.with_source(Some(source.clone())),
        None => snapshot,
    })
}

/// Infers a `samples` snapshot from several parsed payloads.
pub fn snapshot_from_samples(payloads: &[Value], options: &Options) -> Result<Snapshot> {
    for p in payloads {
        check_depth(p, options.limits.max_depth)?;
    }
    let snapshot = samples::from_values(payloads, &options.limits)?;
    Ok(snapshot.with_source(options.source.clone()))
}

/// A JSON value in canonical form: integral floats become integers (as the parsers
/// already do), so values handed over by a binding compare equal to parsed ones.
/// Object keys are already sorted by `serde_json::Map`.
pub fn canonical_value(value: &Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => {
                crate::parse::normalize_float(f).map_or_else(|| value.clone(), Value::Number)
            }
            _ => value.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(canonical_value).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), canonical_value(v)))
                .collect(),
        ),
        Value::Null | Value::Bool(_) | Value::String(_) => value.clone(),
    }
}

fn unreachable_auto() -> Result<Snapshot> {
    Err(Error::unsupported("format detection did not decide", ""))
}

/// Iterative depth check (no recursion, so no stack overflow on hostile values).
pub(crate) fn check_depth(value: &Value, max_depth: usize) -> Result<()> {
    let mut stack: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((v, d)) = stack.pop() {
        if d > max_depth {
            return Err(Error::TooDeep {
                limit: max_depth,
                location: Default::default(),
            });
        }
        match v {
            Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
            Value::Object(m) => stack.extend(m.values().map(|x| (x, d + 1))),
            _ => {}
        }
    }
    Ok(())
}
