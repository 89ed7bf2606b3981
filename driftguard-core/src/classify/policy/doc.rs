//! The policy document as a small tree with source spans, read from TOML or JSON, so
//! one validator serves both syntaxes and TOML errors can name a line and column.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::error::{Error, Location, Result};

/// The deepest level the validator ever looks at (root table → `ignore` array →
/// entry table → field). Anything nested deeper is kept only as its type name.
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
    /// Any other value, or a container nested deeper than [`MAX_DEPTH`].
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

/// Parses JSON text.
pub(super) fn from_json(text: &str) -> Result<Val> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        Error::Config {
            message: format!("policy is not valid JSON: {message}"),
            location: Location::at_line(e.line(), e.column()),
        }
    })?;
    Ok(Val {
        node: json_value(&value, 0),
        span: None,
    })
}

fn json_value(value: &serde_json::Value, depth: usize) -> Node {
    use serde_json::Value;
    match value {
        Value::String(s) => Node::Str(s.clone()),
        Value::Null => Node::Other("null"),
        Value::Bool(_) => Node::Other("a boolean"),
        Value::Number(_) => Node::Other("a number"),
        Value::Array(_) if depth >= MAX_DEPTH => Node::Other("an array"),
        Value::Object(_) if depth >= MAX_DEPTH => Node::Other("a table"),
        Value::Array(items) => Node::Array(
            items
                .iter()
                .map(|v| Val {
                    node: json_value(v, depth + 1),
                    span: None,
                })
                .collect(),
        ),
        Value::Object(map) => Node::Table(
            map.iter()
                .map(|(k, v)| {
                    (
                        Key {
                            name: k.clone(),
                            span: None,
                        },
                        Val {
                            node: json_value(v, depth + 1),
                            span: None,
                        },
                    )
                })
                .collect(),
        ),
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
