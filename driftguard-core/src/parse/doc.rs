//! A compact, read-only JSON document tree for the normalize path.
//!
//! [`Document::parse`] reads JSON text into four flat vectors instead of a tree of
//! `serde_json::Value`s: strings stay slices of the input (only those with escapes are
//! decoded, into one side buffer), array elements and object members are stored
//! contiguously, and object members are sorted by key (the order `serde_json::Map`
//! iterates in). Building it costs a few large allocations instead of one per string
//! and per map node, and dropping it is four frees.
//!
//! It is an accelerator, never a second dialect: it accepts a strict subset of what
//! [`parse_text`](super::parse_text) accepts and yields the same data. Whenever the text
//! is anything but plain, well-formed JSON within the limits (a syntax error, a
//! duplicate key, a number outside `i64`/`u64`/finite `f64`, nesting past
//! `max_depth`, a size past `max_bytes`, YAML…), it returns `None` and the caller falls
//! back to [`parse_text`](super::parse_text), which then produces the exact value or
//! the exact coded error it always did.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::{Limits, normalize_float};

/// Largest text the compact tree indexes (offsets are `u32`, the top bit of a key's
/// length marks an escaped key). Larger inputs take the `serde_json` path.
const MAX_TEXT: usize = (u32::MAX >> 1) as usize;

/// A parsed JSON document (see the module docs).
#[derive(Debug)]
pub struct Document<'s> {
    text: &'s str,
    /// Decoded strings that contained escapes.
    decoded: String,
    /// Array elements, each array's contiguous.
    items: Vec<Node>,
    /// Object members, each object's contiguous and sorted by key.
    entries: Vec<Entry>,
    root: Node,
}

/// One value. Containers refer to a range of `items` or `entries`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    PosInt(u64),
    NegInt(i64),
    Float(f64),
    /// A string slice of the input text (no escapes).
    Str(Span),
    /// A string in the decoded buffer.
    Decoded(Span),
    Array(Span),
    Object(Span),
}

/// `start..start + len` in the text, the decoded buffer, `items` or `entries`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        let start = self.start as usize;
        start..start + self.len as usize
    }
}

/// An object member.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    key: Key,
    value: Node,
}

/// A key: a span of the text, or of the decoded buffer when the top bit of `len` is set.
#[derive(Clone, Copy, Debug)]
struct Key {
    start: u32,
    len: u32,
}

const ESCAPED: u32 = 1 << 31;

impl<'s> Document<'s> {
    /// Parses JSON text, or returns `None` when the text is not plain JSON within
    /// `limits` (the caller then uses [`parse_text`](super::parse_text)).
    pub fn parse(text: &'s str, limits: &Limits) -> Option<Document<'s>> {
        if text.len() > limits.max_bytes || text.len() > MAX_TEXT {
            return None;
        }
        let mut p = Parser {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            depth: 0,
            max_depth: limits.max_depth,
            decoded: String::new(),
            items: Vec::with_capacity(text.len() / 64),
            entries: Vec::with_capacity(text.len() / 48),
            item_stack: Vec::new(),
            entry_stack: Vec::new(),
        };
        p.skip_ws();
        let root = p.value()?;
        p.skip_ws();
        if p.pos != p.bytes.len() {
            return None;
        }
        Some(Document {
            text,
            decoded: p.decoded,
            items: p.items,
            entries: p.entries,
            root,
        })
    }

    /// The root value.
    pub(crate) fn root(&self) -> Node {
        self.root
    }

    pub(crate) fn str_at(&self, span: Span, decoded: bool) -> &str {
        let source = if decoded {
            self.decoded.as_str()
        } else {
            self.text
        };
        source.get(span.range()).unwrap_or_default()
    }

    pub(crate) fn key_str(&self, entry: &Entry) -> &str {
        key_str(self.text, &self.decoded, entry.key)
    }

    pub(crate) fn items(&self, span: Span) -> &[Node] {
        self.items.get(span.range()).unwrap_or_default()
    }

    pub(crate) fn entries(&self, span: Span) -> &[Entry] {
        self.entries.get(span.range()).unwrap_or_default()
    }

    /// The member `key` of an object's entries (binary search: they are sorted).
    ///
    /// Small objects (most schema objects) are scanned, comparing lengths first: that
    /// is cheaper than a binary search's string comparisons.
    pub(crate) fn find<'d>(&'d self, entries: &'d [Entry], key: &str) -> Option<&'d Entry> {
        if entries.len() <= 16 {
            let len = u32::try_from(key.len()).ok()?;
            let first = key.as_bytes().first().copied();
            for e in entries {
                let k = self.key_str(e);
                // Members are sorted: once a first byte is past the key's, so is the rest
                // (a miss on `$ref`, `$id`… stops at the first plain member).
                if k.as_bytes().first().copied() > first {
                    return None;
                }
                if e.key.len & !ESCAPED == len && k == key {
                    return Some(e);
                }
            }
            return None;
        }
        entries
            .binary_search_by(|e| cmp_keys(self.key_str(e), key))
            .ok()
            .and_then(|i| entries.get(i))
    }

    /// The value at `node` as a `serde_json::Value` (the same value `parse_text`
    /// produces for that text).
    pub(crate) fn to_value(&self, node: Node) -> Value {
        match node {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::PosInt(n) => Value::Number(n.into()),
            Node::NegInt(n) => Value::Number(n.into()),
            Node::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            Node::Str(s) => Value::String(self.str_at(s, false).to_owned()),
            Node::Decoded(s) => Value::String(self.str_at(s, true).to_owned()),
            Node::Array(s) => {
                Value::Array(self.items(s).iter().map(|n| self.to_value(*n)).collect())
            }
            Node::Object(s) => {
                let map: Map<String, Value> = self
                    .entries(s)
                    .iter()
                    .map(|e| (self.key_str(e).to_owned(), self.to_value(e.value)))
                    .collect();
                Value::Object(map)
            }
        }
    }

    /// The whole document as a `serde_json::Value`.
    pub fn to_value_root(&self) -> Value {
        self.to_value(self.root)
    }
}

impl Entry {
    pub(crate) fn value(&self) -> Node {
        self.value
    }
}

/// Byte-order comparison of two keys (the order of `String`'s `Ord`), deciding on the
/// first byte inline when it differs, as it does for most pairs of keys in one object.
fn cmp_keys(a: &str, b: &str) -> Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

fn key_str<'a>(text: &'a str, decoded: &'a str, key: Key) -> &'a str {
    let (source, len) = if key.len & ESCAPED != 0 {
        (decoded, key.len & !ESCAPED)
    } else {
        (text, key.len)
    };
    let start = key.start as usize;
    source.get(start..start + len as usize).unwrap_or_default()
}

struct Parser<'s> {
    bytes: &'s [u8],
    text: &'s str,
    pos: usize,
    depth: usize,
    max_depth: usize,
    decoded: String,
    items: Vec<Node>,
    entries: Vec<Entry>,
    /// Elements of the arrays being read, innermost last.
    item_stack: Vec<Node>,
    /// Members of the objects being read, innermost last.
    entry_stack: Vec<Entry>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &[u8]) -> Option<()> {
        if self.bytes.get(self.pos..self.pos + lit.len())? == lit {
            self.pos += lit.len();
            Some(())
        } else {
            None
        }
    }

    fn value(&mut self) -> Option<Node> {
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => {
                let (span, decoded) = self.string()?;
                Some(if decoded {
                    Node::Decoded(span)
                } else {
                    Node::Str(span)
                })
            }
            b't' => self.eat(b"true").map(|()| Node::Bool(true)),
            b'f' => self.eat(b"false").map(|()| Node::Bool(false)),
            b'n' => self.eat(b"null").map(|()| Node::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn enter(&mut self) -> Option<()> {
        // The same bound as the serde path: at most `max_depth` open containers.
        self.depth += 1;
        (self.depth <= self.max_depth).then_some(())
    }

    fn array(&mut self) -> Option<Node> {
        self.enter()?;
        self.pos += 1;
        let mark = self.item_stack.len();
        self.skip_ws();
        if self.peek()? == b']' {
            self.pos += 1;
        } else {
            loop {
                let v = self.value()?;
                self.item_stack.push(v);
                self.skip_ws();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        self.skip_ws();
                    }
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        let start = u32::try_from(self.items.len()).ok()?;
        let len = u32::try_from(self.item_stack.len() - mark).ok()?;
        self.items.extend(self.item_stack.drain(mark..));
        Some(Node::Array(Span { start, len }))
    }

    fn object(&mut self) -> Option<Node> {
        self.enter()?;
        self.pos += 1;
        let mark = self.entry_stack.len();
        self.skip_ws();
        if self.peek()? == b'}' {
            self.pos += 1;
        } else {
            loop {
                if self.peek()? != b'"' {
                    return None;
                }
                let (span, decoded) = self.string()?;
                let key = Key {
                    start: span.start,
                    len: if decoded {
                        span.len | ESCAPED
                    } else {
                        span.len
                    },
                };
                self.skip_ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.pos += 1;
                self.skip_ws();
                let value = self.value()?;
                self.entry_stack.push(Entry { key, value });
                self.skip_ws();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        self.skip_ws();
                    }
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        let (text, decoded) = (self.text, self.decoded.as_str());
        let members = self.entry_stack.get_mut(mark..)?;
        let cmp = |a: &Entry, b: &Entry| {
            cmp_keys(key_str(text, decoded, a.key), key_str(text, decoded, b.key))
        };
        if !members.is_sorted_by(|a, b| cmp(a, b) == Ordering::Less) {
            members.sort_unstable_by(cmp);
            // Sorted now: a duplicate key sits next to its twin. The serde path reports it.
            if members.windows(2).any(|w| match w {
                [a, b] => cmp(a, b) == Ordering::Equal,
                _ => false,
            }) {
                return None;
            }
        }
        let start = u32::try_from(self.entries.len()).ok()?;
        let len = u32::try_from(self.entry_stack.len() - mark).ok()?;
        self.entries.extend(self.entry_stack.drain(mark..));
        Some(Node::Object(Span { start, len }))
    }

    /// A string starting at the opening quote: its span in the text (no escapes) or in
    /// the decoded buffer (`true`).
    fn string(&mut self) -> Option<(Span, bool)> {
        self.pos += 1;
        let start = self.pos;
        // Find the end of the plain run in one tight scan.
        let run = self
            .bytes
            .get(start..)?
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        self.pos = start + run;
        match self.peek()? {
            b'"' => {
                let span = Span {
                    start: u32::try_from(start).ok()?,
                    len: u32::try_from(run).ok()?,
                };
                self.pos += 1;
                return Some((span, false));
            }
            b'\\' => {}
            _ => return None,
        }
        // Escapes: decode into the side buffer.
        let out_start = self.decoded.len();
        self.decoded.push_str(self.text.get(start..self.pos)?);
        loop {
            let b = self.peek()?;
            match b {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    let e = self.peek()?;
                    self.pos += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    self.decoded.push(c);
                }
                0..=0x1f => return None,
                _ => {
                    // Copy the run up to the next quote, backslash or control byte.
                    let run_start = self.pos;
                    let run = self
                        .bytes
                        .get(run_start..)?
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
                    self.pos = run_start + run;
                    self.decoded.push_str(self.text.get(run_start..self.pos)?);
                }
            }
        }
        let len = self.decoded.len() - out_start;
        if len >= ESCAPED as usize {
            return None;
        }
        Some((
            Span {
                start: u32::try_from(out_start).ok()?,
                len: u32::try_from(len).ok()?,
            },
            true,
        ))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4)?;
        let mut v = 0u32;
        for d in digits {
            v = v * 16 + char::from(*d).to_digit(16)?;
        }
        self.pos += 4;
        Some(v)
    }

    /// After `\u`: one code point, pairing surrogates; a lone surrogate is `None`.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        match first {
            0xD800..=0xDBFF => {
                self.eat(b"\\u")?;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return None;
                }
                char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
            }
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(first),
        }
    }

    /// A number, strictly per RFC 8259; integral floats become integers like in the
    /// serde path. Anything the serde path would treat differently is `None`.
    fn number(&mut self) -> Option<Node> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
            }
            _ => return None,
        }
        let int_end = self.pos;
        let mut float = false;
        if self.peek() == Some(b'.') {
            float = true;
            self.pos += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            float = true;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.digits()?;
        }
        let literal = self.text.get(start..self.pos)?;
        if !float {
            let digits = self.text.get(int_start..int_end)?;
            if let Ok(n) = digits.parse::<u64>() {
                if !negative {
                    return Some(Node::PosInt(n));
                }
                if n == 0 {
                    return Some(Node::PosInt(0));
                }
                if let Some(neg) = 0i64.checked_sub_unsigned(n) {
                    return Some(Node::NegInt(neg));
                }
            }
            // Outside u64/i64: the serde path reads it as a float; leave it to it.
            return None;
        }
        let f: f64 = literal.parse().ok()?;
        let n = normalize_float(f)?;
        Some(if let Some(u) = n.as_u64() {
            Node::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Node::NegInt(i)
        } else {
            Node::Float(n.as_f64()?)
        })
    }

    fn digits(&mut self) -> Option<()> {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        (self.pos > start).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Syntax, parse_text};

    fn same(text: &str) {
        let doc = Document::parse(text, &Limits::default()).expect("fast path");
        let reference = parse_text(text.as_bytes(), Syntax::Json, &Limits::default()).unwrap();
        assert_eq!(doc.to_value_root(), reference, "{text}");
    }

    fn declined(text: &str) {
        assert!(
            Document::parse(text, &Limits::default()).is_none(),
            "{text}"
        );
    }

    #[test]
    fn agrees_with_the_serde_path() {
        same(
            r#"{"b": [1, 2.5, -0, -0.0, 1e2, 1.5e-3, -7, 18446744073709551615, -9223372036854775808], "a": {"z": null, "y": true, "x": false}}"#,
        );
        same(
            r#"["\u00e9\"\\\/\b\f\n\r\t", "\ud83d\ude00 ok", "plain", "é€😀", {"k\u0041": 1, "kA2": 2}]"#,
        );
        same("  [ ]  ");
        same("{}");
        same(r#"{"x": 3.0, "y": 12345678901234567890.0, "z": -2.0, "w": 1e19}"#);
        same("[0.1, 0.30000000000000004, 123456789012345678901234567890.5, 5e-324]");
    }

    #[test]
    fn declines_what_it_does_not_read_exactly() {
        for t in [
            "",
            "   ",
            "{\"a\":1,\"a\":2}",
            "[1,]",
            "{\"a\" 1}",
            "[01]",
            "[1.]",
            "[.5]",
            "[1e]",
            "[-]",
            "[+1]",
            "[1e400]",
            "[18446744073709551616]",
            "[-9223372036854775809]",
            "[\"\\ud800\"]",
            "[\"\\udc00\"]",
            "[\"\\x\"]",
            "[\"a\nb\"]",
            "{} x",
            "[1] [2]",
            "a: 1",
            "[NaN]",
            "[tru]",
            "{\"a\":1,}",
            "\u{a0}[1]",
        ] {
            declined(t);
        }
    }

    #[test]
    fn depth_bound_matches_the_serde_path() {
        let ok = format!("{}{}", "[".repeat(256), "]".repeat(256));
        assert!(Document::parse(&ok, &Limits::default()).is_some());
        let over = format!("{}{}", "[".repeat(257), "]".repeat(257));
        assert!(Document::parse(&over, &Limits::default()).is_none());
        assert!(Document::parse(&"[".repeat(200_000), &Limits::default()).is_none());
        let size = Limits {
            max_bytes: 4,
            ..Limits::default()
        };
        assert!(Document::parse("[1,2,3]", &size).is_none());
    }

    mod differential {
        use super::*;
        use proptest::prelude::*;

        /// Scalars including the awkward ones: escapes, non-ASCII, surrogate pairs,
        /// integral floats, negative zero, extreme integers.
        fn scalar() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("null".to_owned()),
                Just("true".to_owned()),
                Just("false".to_owned()),
                any::<i64>().prop_map(|n| n.to_string()),
                any::<u64>().prop_map(|n| n.to_string()),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(|f| format!("{f:?}")),
                prop_oneof![
                    Just("-0"),
                    Just("1.0"),
                    Just("2E3"),
                    Just("-1.5e-7"),
                    Just("1e400"),
                    Just("18446744073709551616"),
                    Just("01"),
                    Just("1."),
                ]
                .prop_map(str::to_owned),
                "[a-z\\\\\"/\u{e9}\u{1F600}\u{202e}]{0,6}"
                    .prop_map(|t| serde_json::to_string(&t).unwrap_or_default()),
                prop_oneof![
                    Just(r#""\u00e9\ud83d\ude00\n\t\/""#),
                    Just(r#""\ud800""#),
                    Just(r#""\q""#),
                ]
                .prop_map(str::to_owned),
            ]
        }

        fn text() -> impl Strategy<Value = String> {
            scalar().prop_recursive(4, 40, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5)
                        .prop_map(|items| format!("[{}]", items.join(" , "))),
                    prop::collection::vec(("[a-d$]{0,3}", inner), 0..5).prop_map(|members| {
                        let body: Vec<String> = members
                            .iter()
                            .map(|(k, v)| {
                                format!("{}:{v}", serde_json::to_string(k).unwrap_or_default())
                            })
                            .collect();
                        format!("{{ {} }}", body.join(",\n"))
                    }),
                ]
            })
        }

        fn value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(Value::from),
                any::<String>().prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 40, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                    prop::collection::btree_map(any::<String>(), inner, 0..5)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            /// Plain JSON (unique keys, finite numbers, any strings) always takes the
            /// fast path, and reads as the serde path reads it.
            #[test]
            fn accepts_plain_json(v in value(), pretty in any::<bool>()) {
                let t = if pretty {
                    serde_json::to_string_pretty(&v)
                } else {
                    serde_json::to_string(&v)
                }
                .unwrap_or_default();
                let reference = parse_text(t.as_bytes(), Syntax::Json, &Limits::default());
                let doc = Document::parse(&t, &Limits::default());
                prop_assert!(doc.is_some(), "declined {t:?}");
                if let (Some(doc), Ok(r)) = (doc, reference) {
                    prop_assert_eq!(doc.to_value_root(), r);
                }
            }

            /// Whatever the fast path accepts, it reads exactly as the serde path does;
            /// whatever the serde path rejects, the fast path declines.
            #[test]
            fn agrees_with_parse_text(t in text(), cut in 0usize..4) {
                // Sometimes truncate, to exercise the error paths.
                let t = if cut == 0 && !t.is_empty() {
                    t.chars().take(t.chars().count() / 2).collect()
                } else {
                    t
                };
                let fast = Document::parse(&t, &Limits::default());
                let reference = parse_text(t.as_bytes(), Syntax::Json, &Limits::default());
                match (fast, reference) {
                    (Some(doc), Ok(v)) => prop_assert_eq!(doc.to_value_root(), v),
                    (Some(doc), Err(e)) => prop_assert!(false, "fast path accepted {t:?} ({:?}) but the serde path says {e}", doc.to_value_root()),
                    (None, _) => {}
                }
            }
        }
    }
}
