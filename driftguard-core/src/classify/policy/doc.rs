//! The policy document as a small tree with source spans, read from TOML or JSON, so
//! one validator serves both syntaxes and TOML errors can name a line and column.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::error::{Error, Location, Result};

/// The deepest level the validator ever looks at (root table → `ignore` array →
/// entry table → field). TOML values nested deeper are kept only as their type name
/// (the TOML parser bounds nesting at 80 levels, serde_json at 128).
const MAX_DEPTH: usize = 3;

/// A key with its span in the source text (TOML only).
#[derive(Debug)]
pub(super) struct Key {
    pub name: String,
    pub span: Option<Range<usize>>,
}

/// A value with its span in the source text (TOML only).
#[derive(Debug)]
pub(super) struct Val {
    pub node: Node,
    pub span: Option<Range<usize>>,
}

/// What a value is, as far as the policy cares.
#[derive(Debug)]
pub(super) enum Node {
    Str(String),
    /// A TOML local date literal (`expires = 2026-12-31`), as `YYYY-MM-DD`.
    Date(String),
    Table(Vec<(Key, Val)>),
    Array(Vec<Val>),
    /// Any other value, or a TOML container nested deeper than [`MAX_DEPTH`].
    Other(&'static str),
}

impl Node {
    /// The type, for messages: "a string", "an array"…
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Node::Str(_) => "a string",
            Node::Date(_) => "a date",
            Node::Table(_) => "a table",
            Node::Array(_) => "an array",
            Node::Other(kind) => kind,
        }
    }
}

/// Parses TOML text.
pub(super) fn from_toml(text: &str) -> Result<Val> {
    let root = DeTable::parse(text).map_err(|e| {
        let location = e
            .span()
            .map(|s| line_location(text, s.start, None))
            .unwrap_or_default();
        Error::Config {
            message: format!("policy is not valid TOML: {}", e.message().trim_end()),
            location,
        }
    })?;
    let span = root.span();
    Ok(Val {
        node: toml_table(root.get_ref(), 0),
        span: Some(span),
    })
}

fn toml_table(table: &DeTable<'_>, depth: usize) -> Node {
    let mut entries: Vec<(Key, Val)> = table
        .iter()
        .map(|(k, v)| {
            (
                Key {
                    name: k.get_ref().to_string(),
                    span: Some(k.span()),
                },
                Val {
                    node: toml_value(v.get_ref(), depth + 1),
                    span: Some(v.span()),
                },
            )
        })
        .collect();
    // Document order, so the first error reported is the first in the text.
    entries.sort_by_key(|(k, _)| k.span.as_ref().map_or(0, |s| s.start));
    Node::Table(entries)
}

fn toml_value(value: &DeValue<'_>, depth: usize) -> Node {
    match value {
        DeValue::String(s) => Node::Str(s.to_string()),
        DeValue::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                Node::Date(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
            }
            _ => Node::Other("a date-time"),
        },
        DeValue::Integer(_) => Node::Other("an integer"),
        DeValue::Float(_) => Node::Other("a float"),
        DeValue::Boolean(_) => Node::Other("a boolean"),
        DeValue::Array(_) if depth > MAX_DEPTH => Node::Other("an array"),
        DeValue::Table(_) if depth > MAX_DEPTH => Node::Other("a table"),
        DeValue::Array(items) => Node::Array(
            items
                .iter()
                .map(|v| Val {
                    node: toml_value(v.get_ref(), depth + 1),
                    span: Some(v.span()),
                })
                .collect(),
        ),
        DeValue::Table(t) => toml_table(t, depth),
    }
}

/// Parses JSON text. A key given twice in one object is an error, as in TOML (where
/// serde_json's own `Value` would silently keep the last one).
pub(super) fn from_json(text: &str) -> Result<Val> {
    let JsonNode(node) = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        Error::Config {
            message: format!("policy is not valid JSON: {message}"),
            location: Location::at_line(e.line(), e.column()),
        }
    })?;
    Ok(Val { node, span: None })
}

/// A JSON value read straight into a [`Node`] (serde_json bounds the nesting).
struct JsonNode(Node);

impl<'de> serde::Deserialize<'de> for JsonNode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> serde::de::Visitor<'de> for JsonVisitor {
    type Value = JsonNode;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<JsonNode, E> {
        Ok(JsonNode(Node::Str(v.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<JsonNode, E> {
        Ok(JsonNode(Node::Str(v)))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> std::result::Result<JsonNode, E> {
        Ok(JsonNode(Node::Other("a boolean")))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<JsonNode, E> {
        Ok(JsonNode(Node::Other("a number")))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<JsonNode, E> {
        Ok(JsonNode(Node::Other("a number")))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<JsonNode, E> {
        Ok(JsonNode(Node::Other("a number")))
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<JsonNode, E> {
        Ok(JsonNode(Node::Other("null")))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<JsonNode, A::Error> {
        let mut items = Vec::new();
        while let Some(JsonNode(node)) = seq.next_element()? {
            items.push(Val { node, span: None });
        }
        Ok(JsonNode(Node::Array(items)))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<JsonNode, A::Error> {
        let mut entries: Vec<(Key, Val)> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if !seen.insert(name.clone()) {
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate key {name:?}"
                )));
            }
            let JsonNode(node) = map.next_value()?;
            entries.push((Key { name, span: None }, Val { node, span: None }));
        }
        Ok(JsonNode(Node::Table(entries)))
    }
}

/// A location from a byte offset in `text` (1-based line and column, the column in
/// characters), with a pointer when the error is about a known key or value.
pub(super) fn line_location(text: &str, offset: usize, pointer: Option<&str>) -> Location {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    Location {
        line: Some(line),
        column: Some(column),
        pointer: pointer.map(str::to_owned),
    }
}
