//! JSON text → value, with a depth limit, duplicate-key rejection and number
//! normalization, reporting line and column.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{Limits, normalize_float};
use crate::error::{Error, Location, Result};

/// Marker prefixes that let us tell our own visitor errors apart from serde_json's.
const TOO_DEEP: &str = "\u{1}too-deep";
const DUPLICATE: &str = "\u{1}duplicate-key:";
const NON_FINITE: &str = "\u{1}non-finite";

pub(super) fn parse(text: &str, limits: &Limits) -> Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let value = ValueSeed {
        depth: 0,
        max_depth: limits.max_depth,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| convert(&e, limits))?;
    Ok(value)
}

fn convert(e: &serde_json::Error, limits: &Limits) -> Error {
    let location = Location::at_line(e.line(), e.column());
    let full = e.to_string();
    // serde_json appends " at line L column C"; we carry the position separately.
    let message = match full.rfind(" at line ") {
        Some(i) => full.get(..i).unwrap_or(&full).to_owned(),
        None => full,
    };
    if message.starts_with(TOO_DEEP) {
        return Error::TooDeep {
            limit: limits.max_depth,
            location,
        };
    }
    if let Some(key) = message.strip_prefix(DUPLICATE) {
        return Error::Parse {
            message: format!("duplicate key {key:?}"),
            location,
        };
    }
    if message.starts_with(NON_FINITE) {
        return Error::Parse {
            message: "number out of range".into(),
            location,
        };
    }
    let message = if e.is_eof() {
        format!("unexpected end of input (truncated document?): {message}")
    } else {
        message
    };
    Error::Parse { message, location }
}

struct ValueSeed {
    depth: usize,
    max_depth: usize,
}

impl ValueSeed {
    fn child<E: de::Error>(&self) -> Result<ValueSeed, E> {
        if self.depth >= self.max_depth {
            return Err(E::custom(TOO_DEEP));
        }
        Ok(ValueSeed {
            depth: self.depth + 1,
            max_depth: self.max_depth,
        })
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        normalize_float(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(NON_FINITE))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(self.child()?)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self.child()?)?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!("{DUPLICATE}{key}")));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim() -> Limits {
        Limits::default()
    }

    #[test]
    fn truncated_reports_eof_with_position() {
        let e = parse("{\"a\": [1, 2", &lim()).unwrap_err();
        assert_eq!(e.code(), "E_PARSE");
        assert!(e.to_string().contains("truncated"), "{e}");
        assert!(e.to_string().contains("line 1, column 11"), "{e}");
    }

    #[test]
    fn duplicate_keys_rejected() {
        let e = parse("{\"a\": 1,\n \"a\": 2}", &lim()).unwrap_err();
        assert_eq!(e.code(), "E_PARSE");
        assert!(e.to_string().contains("duplicate key \"a\""), "{e}");
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn depth_limit_without_stack_overflow() {
        let deep = "[".repeat(200_000);
        let e = parse(&deep, &lim()).unwrap_err();
        assert_eq!(e.code(), "E_TOO_DEEP");
        let ok = format!("{}{}", "[".repeat(256), "]".repeat(256));
        assert!(parse(&ok, &lim()).is_ok());
        let over = format!("{}{}", "[".repeat(257), "]".repeat(257));
        assert_eq!(parse(&over, &lim()).unwrap_err().code(), "E_TOO_DEEP");
    }

    #[test]
    fn trailing_garbage_rejected() {
        assert_eq!(parse("{} x", &lim()).unwrap_err().code(), "E_PARSE");
    }

    #[test]
    fn huge_exponent_is_an_error() {
        assert_eq!(parse("[1e400]", &lim()).unwrap_err().code(), "E_PARSE");
    }
}
