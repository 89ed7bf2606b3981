//! `json`: the report itself, pretty-printed with a 2-space indent.
//!
//! Keys come out in the order the report's structs declare them, which is sorted order.
//! Strings are the exact data; only their *spelling* is hardened: every
//! [hidden](super::escape::is_hidden) character is written as a JSON `\uXXXX` escape
//! (serde_json already does so for C0 controls), so the bytes never carry a raw bidi
//! override, ANSI escape or tag character while a JSON parser reads back the same value.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use super::escape::is_hidden;
use crate::classify::Report;

/// The report as pretty JSON.
pub(crate) fn render(report: &Report) -> String {
    to_pretty(report)
}

/// Any serializable value as pretty JSON (2-space indent) with hidden characters escaped.
pub(crate) fn to_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    let mut bytes = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut bytes,
        VisibleFormatter(PrettyFormatter::with_indent(b"  ")),
    );
    if value.serialize(&mut serializer).is_err() {
        // Only maps with non-string keys fail, and reports and `Value`s have none.
        return "null".to_owned();
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A pretty formatter that escapes hidden characters inside strings.
struct VisibleFormatter(PrettyFormatter<'static>);

impl Formatter for VisibleFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Printable ASCII is never hidden: write such fragments (nearly all) at once.
        if fragment.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if is_hidden(c) {
                writer.write_all(fragment.get(start..at).unwrap_or_default().as_bytes())?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = at + c.len_utf8();
            }
        }
        writer.write_all(fragment.get(start..).unwrap_or_default().as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_key(writer)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn hidden_characters_are_json_escapes_and_the_value_is_unchanged() {
        let value = json!({"b": "x\u{1b}[31m\u{202e}\u{200d}\u{e0041}\u{85}é", "a": [1, "\n"]});
        let text = to_pretty(&value);
        assert_eq!(
            text,
            "{\n  \"a\": [\n    1,\n    \"\\n\"\n  ],\n  \"b\": \"x\\u001b[31m\\u202e\\u200d\\udb40\\udc41\\u0085é\"\n}"
        );
        let back: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, value);
    }

    #[test]
    fn plain_values_match_serde_json_pretty() {
        let value = json!({"a": {"b": [1, 2, {"c": null}]}, "d": "e", "f": [], "g": {}});
        assert_eq!(
            to_pretty(&value),
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    }
}
