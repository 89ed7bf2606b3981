//! YAML text → value, built from `saphyr-parser` events.
//!
//! Building the value ourselves (rather than through a serde bridge) is what lets us
//! bound alias expansion, bound depth without recursion, reject duplicate keys, honour
//! `<<` merge keys, and report every error with a line and column.
//!
//! Scalars resolve by the YAML 1.2 core schema: `null`/`~`/empty, `true`/`false`,
//! decimal/octal (`0o`)/hex (`0x`) integers and floats are typed; everything else,
//! and anything quoted or in a block scalar, is a string. `.inf`/`.nan` have no JSON
//! form and are an error. Mapping keys are always strings: `200:` is the key `"200"`.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};

use super::{Limits, normalize_float};
use crate::error::{Error, Location, Result};

pub(super) fn parse(text: &str, limits: &Limits) -> Result<Value> {
    Builder::new(limits).run(Parser::new_from_str(text))
}

/// A collection under construction.
enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        nodes: usize,
    },
    Map(MapFrame),
}

struct MapFrame {
    map: Map<String, Value>,
    anchor: usize,
    nodes: usize,
    /// The key read and waiting for its value.
    pending_key: Option<PendingKey>,
    /// `<<` merges, applied at the end (explicit keys win).
    merges: Vec<Value>,
}

enum PendingKey {
    Key(String, Span),
    Merge,
}

/// A finished node with the number of values it contains (for the alias budget).
struct Node {
    value: Value,
    nodes: usize,
    span: Span,
    /// Plain-scalar text, when the node is a scalar (used for mapping keys).
    key_text: Option<String>,
    is_merge_key: bool,
}

struct Builder<'l> {
    limits: &'l Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, usize)>,
    open_anchors: Vec<usize>,
    alias_nodes: usize,
    root: Option<Value>,
    documents: usize,
}

fn loc(span: &Span) -> Location {
    Location::at_line(span.start.line(), span.start.col() + 1)
}

fn parse_err(message: impl Into<String>, span: &Span) -> Error {
    Error::Parse {
        message: message.into(),
        location: loc(span),
    }
}

impl<'l> Builder<'l> {
    fn new(limits: &'l Limits) -> Self {
        Builder {
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            open_anchors: Vec::new(),
            alias_nodes: 0,
            root: None,
            documents: 0,
        }
    }

    fn run(mut self, parser: Parser<'_, saphyr_parser::StrInput<'_>>) -> Result<Value> {
        for item in parser {
            let (event, span) = item.map_err(|e| {
                let m = e.marker();
                let location = Location::at_line(m.line(), m.col() + 1);
                if e.info().contains("recursion limit") {
                    // The scanner bounds flow nesting itself.
                    Error::TooDeep {
                        limit: self.limits.max_depth,
                        location,
                    }
                } else {
                    Error::Parse {
                        message: e.info().to_owned(),
                        location,
                    }
                }
            })?;
            match event {
                Event::DocumentStart(_) => {
                    self.documents += 1;
                    if self.documents > 1 {
                        return Err(parse_err(
                            "more than one YAML document in the stream; a contract is one document",
                            &span,
                        ));
                    }
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let value = resolve_scalar(&text, style, tag.as_deref(), &span)?;
                    let key_text = Some(text.to_string());
                    let is_merge_key = style == ScalarStyle::Plain && text == "<<";
                    self.finish(
                        Node {
                            value,
                            nodes: 1,
                            span,
                            key_text,
                            is_merge_key,
                        },
                        anchor,
                    )?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.open(&span, anchor)?;
                    self.stack.push(Frame::Seq {
                        items: Vec::new(),
                        anchor,
                        nodes: 1,
                    });
                }
                Event::MappingStart(anchor, _) => {
                    self.open(&span, anchor)?;
                    self.stack.push(Frame::Map(MapFrame {
                        map: Map::new(),
                        anchor,
                        nodes: 1,
                        pending_key: None,
                        merges: Vec::new(),
                    }));
                }
                Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
                Event::Alias(id) => self.alias(id, span)?,
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
            }
        }
        self.root.ok_or_else(|| Error::Parse {
            message: "empty document".into(),
            location: Location::at_line(1, 1),
        })
    }

    fn open(&mut self, span: &Span, anchor: usize) -> Result<()> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(Error::TooDeep {
                limit: self.limits.max_depth,
                location: loc(span),
            });
        }
        if anchor != 0 {
            self.open_anchors.push(anchor);
        }
        Ok(())
    }

    fn close(&mut self, span: Span) -> Result<()> {
        let Some(frame) = self.stack.pop() else {
            return Err(parse_err("unbalanced end of collection", &span));
        };
        let (value, anchor, nodes) = match frame {
            Frame::Seq {
                items,
                anchor,
                nodes,
            } => (Value::Array(items), anchor, nodes),
            Frame::Map(mut m) => {
                for merged in std::mem::take(&mut m.merges) {
                    apply_merge(&mut m.map, merged, &span)?;
                }
                (Value::Object(m.map), m.anchor, m.nodes)
            }
        };
        if anchor != 0 {
            self.open_anchors.retain(|a| *a != anchor);
        }
        self.finish(
            Node {
                value,
                nodes,
                span,
                key_text: None,
                is_merge_key: false,
            },
            anchor,
        )
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<()> {
        if self.open_anchors.contains(&id) {
            return Err(parse_err(
                "alias refers to a node that contains it (recursive alias)",
                &span,
            ));
        }
        let Some((value, nodes)) = self.anchors.get(&id) else {
            return Err(parse_err("alias to an unknown anchor", &span));
        };
        self.alias_nodes = self.alias_nodes.saturating_add(*nodes);
        if self.alias_nodes > self.limits.max_alias_nodes {
            return Err(Error::TooLarge {
                what: "YAML alias expansion".into(),
                limit: self.limits.max_alias_nodes as u64,
                location: loc(&span),
            });
        }
        let node = Node {
            value: value.clone(),
            nodes: *nodes,
            span,
            key_text: None,
            is_merge_key: false,
        };
        // An alias used as a key keeps its scalar text.
        let node = match &node.value {
            Value::String(s) => Node {
                key_text: Some(s.clone()),
                ..node
            },
            Value::Number(n) => Node {
                key_text: Some(n.to_string()),
                ..node
            },
            Value::Bool(b) => Node {
                key_text: Some(b.to_string()),
                ..node
            },
            _ => node,
        };
        self.finish(node, 0)
    }

    /// Places a finished node into its parent (or as the root).
    fn finish(&mut self, node: Node, anchor: usize) -> Result<()> {
        if anchor != 0 {
            self.anchors
                .insert(anchor, (node.value.clone(), node.nodes));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node.value);
                Ok(())
            }
            Some(Frame::Seq { items, nodes, .. }) => {
                *nodes = nodes.saturating_add(node.nodes);
                items.push(node.value);
                Ok(())
            }
            Some(Frame::Map(m)) => {
                m.nodes = m.nodes.saturating_add(node.nodes);
                match m.pending_key.take() {
                    None => {
                        if node.is_merge_key {
                            m.pending_key = Some(PendingKey::Merge);
                            return Ok(());
                        }
                        let key = match (&node.value, node.key_text) {
                            (Value::Array(_) | Value::Object(_), _) | (_, None) => {
                                return Err(parse_err(
                                    "mapping keys must be scalars (strings, numbers, booleans)",
                                    &node.span,
                                ));
                            }
                            (_, Some(text)) => text,
                        };
                        m.pending_key = Some(PendingKey::Key(key, node.span));
                        Ok(())
                    }
                    Some(PendingKey::Merge) => {
                        m.merges.push(node.value);
                        Ok(())
                    }
                    Some(PendingKey::Key(key, key_span)) => {
                        if m.map.contains_key(&key) {
                            return Err(parse_err(format!("duplicate key {key:?}"), &key_span));
                        }
                        m.map.insert(key, node.value);
                        Ok(())
                    }
                }
            }
        }
    }
}

/// Applies a `<<` merge: keys already present win.
fn apply_merge(map: &mut Map<String, Value>, merged: Value, span: &Span) -> Result<()> {
    match merged {
        Value::Object(src) => {
            for (k, v) in src {
                map.entry(k).or_insert(v);
            }
            Ok(())
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) => apply_merge(map, item, span)?,
                    _ => return Err(parse_err("`<<` merge list must contain mappings", span)),
                }
            }
            Ok(())
        }
        _ => Err(parse_err(
            "`<<` merge value must be a mapping or a list of mappings",
            span,
        )),
    }
}

fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>, span: &Span) -> Result<Value> {
    if let Some(tag) = tag.filter(|t| t.is_yaml_core_schema()) {
        return match tag.suffix.as_str() {
            "str" => Ok(Value::String(text.to_owned())),
            "null" => Ok(Value::Null),
            "bool" => resolve_bool(text)
                .map(Value::Bool)
                .ok_or_else(|| parse_err(format!("{text:?} is not a boolean"), span)),
            "int" | "float" => resolve_number(text, span)?
                .map(Value::Number)
                .ok_or_else(|| parse_err(format!("{text:?} is not a number"), span)),
            _ => Ok(Value::String(text.to_owned())),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Ok(Value::Null);
    }
    if let Some(b) = resolve_bool(text) {
        return Ok(Value::Bool(b));
    }
    Ok(match resolve_number(text, span)? {
        Some(n) => Value::Number(n),
        None => Value::String(text.to_owned()),
    })
}

fn resolve_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Core-schema numbers. `Ok(None)` means "not a number, so a string".
fn resolve_number(text: &str, span: &Span) -> Result<Option<Number>> {
    if let Some(hex) = text.strip_prefix("0x") {
        return Ok(u64::from_str_radix(hex, 16).ok().map(Number::from));
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return Ok(u64::from_str_radix(oct, 8).ok().map(Number::from));
    }
    let lower = text.to_ascii_lowercase();
    if matches!(lower.as_str(), ".inf" | "+.inf" | "-.inf" | ".nan") {
        return Err(parse_err(
            format!("{text} has no JSON representation"),
            span,
        ));
    }
    if !is_core_number(text) {
        return Ok(None);
    }
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Some(Number::from(i)));
    }
    if let Ok(u) = text.parse::<u64>() {
        return Ok(Some(Number::from(u)));
    }
    match text.parse::<f64>().ok().and_then(normalize_float) {
        Some(n) => Ok(Some(n)),
        None => Err(parse_err(format!("number {text} is out of range"), span)),
    }
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_core_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let s = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_digits = i - s;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let s = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == s {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Result<Value> {
        parse(s, &Limits::default())
    }

    #[test]
    fn core_schema_scalars() {
        let v =
            p("a: ~\nb: yes\nc: 0x1F\nd: 0o17\ne: 1.5e3\nf: '1'\ng: 1_000\nh: -7\ni: .5\nj: 1.\n")
                .unwrap();
        assert_eq!(
            v,
            json!({"a": null, "b": "yes", "c": 31, "d": 15, "e": 1500, "f": "1", "g": "1_000",
                   "h": -7, "i": 0.5, "j": 1})
        );
    }

    #[test]
    fn keys_are_strings() {
        assert_eq!(
            p("200: ok\ntrue: x\n").unwrap(),
            json!({"200": "ok", "true": "x"})
        );
    }

    #[test]
    fn duplicate_keys_rejected_with_line() {
        let e = p("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.code(), "E_PARSE");
        assert!(
            e.to_string()
                .contains("duplicate key \"a\" at line 3, column 1"),
            "{e}"
        );
    }

    #[test]
    fn merge_keys() {
        let v = p("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n").unwrap();
        assert_eq!(v["d"], json!({"x": 1, "y": 3}));
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut s = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let (prev, next) = (w[0], w[1]);
            s.push_str(&format!("{next}: &{next} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        let e = p(&s).unwrap_err();
        assert_eq!(e.code(), "E_TOO_LARGE");
    }

    #[test]
    fn recursive_alias_is_an_error() {
        assert_eq!(p("a: &x [*x]\n").unwrap_err().code(), "E_PARSE");
    }

    #[test]
    fn deep_flow_nesting_is_bounded() {
        let s = "[".repeat(200_000);
        assert_eq!(p(&s).unwrap_err().code(), "E_TOO_DEEP");
        let s = "- ".repeat(200_000);
        assert_eq!(p(&s).unwrap_err().code(), "E_TOO_DEEP");
        let s = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert_eq!(p(&s).unwrap_err().code(), "E_TOO_DEEP");
    }

    #[test]
    fn multiple_documents_rejected() {
        assert_eq!(p("a: 1\n---\nb: 2\n").unwrap_err().code(), "E_PARSE");
    }

    #[test]
    fn infinity_rejected() {
        assert_eq!(p("a: .inf\n").unwrap_err().code(), "E_PARSE");
    }

    #[test]
    fn scan_error_has_line() {
        let e = p("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(e.code(), "E_PARSE");
        assert!(e.location().and_then(|l| l.line).is_some(), "{e}");
    }
}
