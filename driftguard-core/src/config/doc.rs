//! The configuration document as a tree with source spans, and the helpers that read
//! it: typed getters whose errors name the key path, the line and column, and a JSON
//! Pointer; unknown keys with a "did you mean" suggestion.

use std::ops::Range;

use serde_json::Value;
use toml::de::{DeTable, DeValue};

use crate::error::{Error, Location};

/// A value with its span in the source text.
#[derive(Debug)]
pub(super) struct Val {
    pub node: Node,
    pub span: Range<usize>,
}

/// A table's entries: key, key span, value.
pub(super) type Entries = Vec<(String, Range<usize>, Val)>;

/// A TOML value.
#[derive(Debug)]
pub(super) enum Node {
    Str(String),
    /// `None` when the integer does not fit in an `i64`.
    Int(Option<i64>),
    Float(f64),
    Bool(bool),
    /// A date, time or date-time as written.
    Datetime(String),
    Array(Vec<Val>),
    /// Entries in document order.
    Table(Entries),
}

impl Node {
    /// The type, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Str(_) => "a string",
            Node::Int(_) => "an integer",
            Node::Float(_) => "a float",
            Node::Bool(_) => "a boolean",
            Node::Datetime(_) => "a date-time",
            Node::Array(_) => "an array",
            Node::Table(_) => "a table",
        }
    }
}

/// Parses TOML into a [`Val`]; a syntax error is `E_CONFIG` at its line and column.
pub(super) fn parse(text: &str) -> Result<Val, Error> {
    let root = DeTable::parse(text).map_err(|e| {
        // The parser gives no position when it stops at its nesting limit: point at
        // the first line that nests deeply (dotted keys, brackets or braces).
        let offset = e.span().map(|s| s.start).or_else(|| deep_line(text));
        let location = offset
            .map(|o| line_location(text, o, None))
            .unwrap_or_default();
        Error::Config {
            message: format!(
                "driftguard.toml is not valid TOML: {}",
                e.message().trim_end()
            ),
            location,
        }
    })?;
    let span = root.span();
    Ok(Val {
        node: table(root.get_ref()),
        span,
    })
}

/// The byte offset of the first line with more than 64 `.`, `[` or `{`.
fn deep_line(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line
            .bytes()
            .filter(|b| matches!(b, b'.' | b'[' | b'{'))
            .count()
            > 64
        {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

fn table(t: &DeTable<'_>) -> Node {
    let mut entries: Vec<(String, Range<usize>, Val)> = t
        .iter()
        .map(|(k, v)| {
            (
                k.get_ref().to_string(),
                k.span(),
                Val {
                    node: value(v.get_ref()),
                    span: v.span(),
                },
            )
        })
        .collect();
    entries.sort_by_key(|(_, span, _)| span.start);
    Node::Table(entries)
}

fn value(v: &DeValue<'_>) -> Node {
    match v {
        DeValue::String(s) => Node::Str(s.to_string()),
        DeValue::Integer(i) => Node::Int(i64::from_str_radix(i.as_str(), i.radix()).ok()),
        DeValue::Float(f) => Node::Float(f.as_str().parse::<f64>().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Node::Bool(*b),
        DeValue::Datetime(dt) => Node::Datetime(dt.to_string()),
        DeValue::Array(items) => Node::Array(
            items
                .iter()
                .map(|v| Val {
                    node: value(v.get_ref()),
                    span: v.span(),
                })
                .collect(),
        ),
        DeValue::Table(t) => table(t),
    }
}

/// A 1-based line and column (in characters) for a byte offset, with a pointer.
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

/// Where a value is: its dotted key path for messages (`surface[0].headers.X`) and its
/// JSON Pointer (`/surface/0/headers/X`).
#[derive(Clone, Debug, Default)]
pub(super) struct Path {
    pub dotted: String,
    pub pointer: String,
}

impl Path {
    pub fn key(&self, name: &str) -> Path {
        let shown = if is_bare(name) {
            name.to_owned()
        } else {
            format!("{name:?}")
        };
        Path {
            dotted: if self.dotted.is_empty() {
                shown
            } else {
                format!("{}.{shown}", self.dotted)
            },
            pointer: format!("{}/{}", self.pointer, escape_token(name)),
        }
    }

    pub fn index(&self, n: usize) -> Path {
        Path {
            dotted: format!("{}[{n}]", self.dotted),
            pointer: format!("{}/{n}", self.pointer),
        }
    }
}

/// Escapes a JSON Pointer token (RFC 6901).
pub(super) fn escape_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// True for a TOML bare key.
pub(super) fn is_bare(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Reads values out of the tree, with errors located in `text`.
pub(super) struct Reader<'t> {
    pub text: &'t str,
}

impl Reader<'_> {
    /// An `E_CONFIG` error at a span: "`key.path`: message".
    pub fn error(&self, path: &Path, message: impl AsRef<str>, span: &Range<usize>) -> Error {
        let message = if path.dotted.is_empty() {
            message.as_ref().to_owned()
        } else {
            format!("`{}`: {}", path.dotted, message.as_ref())
        };
        Error::Config {
            message,
            location: line_location(self.text, span.start, Some(&path.pointer)),
        }
    }

    fn wrong_type(&self, path: &Path, val: &Val, expected: &str) -> Error {
        self.error(
            path,
            format!("must be {expected}, found {}", val.node.kind()),
            &val.span,
        )
    }

    pub fn table<'v>(
        &self,
        path: &Path,
        val: &'v Val,
        allowed: &[&str],
    ) -> Result<Table<'v>, Error> {
        let Node::Table(entries) = &val.node else {
            return Err(self.wrong_type(path, val, "a table"));
        };
        for (name, span, _) in entries {
            if !allowed.contains(&name.as_str()) {
                let mut message = format!("unknown key {name:?}");
                if let Some(s) = suggest(name, allowed) {
                    message.push_str(&format!(" (did you mean {s:?}?)"));
                } else {
                    message.push_str(&format!(" (expected one of: {})", allowed.join(", ")));
                }
                let at = if path.dotted.is_empty() {
                    Path::default().key(name)
                } else {
                    path.key(name)
                };
                return Err(Error::Config {
                    message: if path.dotted.is_empty() {
                        message
                    } else {
                        format!("`{}`: {message}", path.dotted)
                    },
                    location: line_location(self.text, span.start, Some(&at.pointer)),
                });
            }
        }
        Ok(Table {
            entries,
            span: val.span.clone(),
        })
    }

    /// A table whose keys are free-form (headers, env): entries in document order.
    pub fn map<'v>(&self, path: &Path, val: &'v Val) -> Result<&'v Entries, Error> {
        match &val.node {
            Node::Table(entries) => Ok(entries),
            _ => Err(self.wrong_type(path, val, "a table")),
        }
    }

    pub fn str<'v>(&self, path: &Path, val: &'v Val) -> Result<&'v str, Error> {
        match &val.node {
            Node::Str(s) => Ok(s),
            _ => Err(self.wrong_type(path, val, "a string")),
        }
    }

    pub fn bool(&self, path: &Path, val: &Val) -> Result<bool, Error> {
        match &val.node {
            Node::Bool(b) => Ok(*b),
            _ => Err(self.wrong_type(path, val, "a boolean (true or false)")),
        }
    }

    /// An integer in `min..=max`.
    pub fn int(&self, path: &Path, val: &Val, min: i64, max: i64) -> Result<i64, Error> {
        match &val.node {
            Node::Int(Some(n)) if (min..=max).contains(n) => Ok(*n),
            Node::Int(_) => Err(self.error(
                path,
                format!("must be an integer from {min} to {max}"),
                &val.span,
            )),
            _ => Err(self.wrong_type(path, val, "an integer")),
        }
    }

    pub fn array<'v>(&self, path: &Path, val: &'v Val) -> Result<&'v [Val], Error> {
        match &val.node {
            Node::Array(items) => Ok(items),
            _ => Err(self.wrong_type(path, val, "an array")),
        }
    }
}

/// A table's entries, after its keys were checked.
pub(super) struct Table<'v> {
    pub entries: &'v Entries,
    pub span: Range<usize>,
}

impl<'v> Table<'v> {
    pub fn get(&self, name: &str) -> Option<&'v Val> {
        self.entries
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, _, v)| v)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// The closest allowed name within a small edit distance, for "did you mean".
pub(super) fn suggest<'a>(name: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase().replace('-', "_");
    allowed
        .iter()
        .map(|a| (edit_distance(&lower, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 3) && *d < a.len().max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

/// Levenshtein distance over characters (names are short: bounded by the caller).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The value as JSON (dates as strings), for handing a policy table to
/// [`Policy::from_json`](crate::classify::policy::Policy::from_json).
pub(super) fn to_json(val: &Val) -> Value {
    match &val.node {
        Node::Str(s) | Node::Datetime(s) => Value::String(s.clone()),
        Node::Int(Some(n)) => Value::from(*n),
        Node::Int(None) => Value::from(f64::MAX),
        Node::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Node::Bool(b) => Value::Bool(*b),
        Node::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Node::Table(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, _, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
    }
}

/// The span of the value a JSON Pointer (relative to `val`) names, as deep as it
/// resolves.
pub(super) fn span_at<'v>(val: &'v Val, pointer: &str) -> &'v Range<usize> {
    let mut cur = val;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let next = match &cur.node {
            Node::Table(entries) => entries.iter().find(|(k, _, _)| *k == token).map(|e| &e.2),
            Node::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(v) => cur = v,
            None => break,
        }
    }
    &cur.span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let allowed = ["interval", "timeout", "headers", "policy", "url"];
        assert_eq!(suggest("intervall", &allowed), Some("interval"));
        assert_eq!(suggest("Timeout", &allowed), Some("timeout"));
        assert_eq!(suggest("header", &allowed), Some("headers"));
        assert_eq!(suggest("zzzzzz", &allowed), None);
        assert_eq!(suggest("uri", &allowed), Some("url"));
        assert_eq!(suggest("x", &allowed), None);
    }

    #[test]
    fn locations_count_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        let loc = line_location(text, text.find('"').unwrap(), None);
        assert_eq!((loc.line, loc.column), (Some(2), Some(6)));
    }
}
