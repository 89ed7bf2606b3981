//! Text → JSON value, for JSON and YAML, with limits.
//!
//! Both parsers produce the same [`serde_json::Value`] for the same data, so the rest of
//! the core never knows which syntax a document was written in. Numbers are normalized
//! (an integral float such as `1.0` becomes the integer `1`), duplicate keys are an error
//! (two parsers reading one document differently is how tampering hides), and every
//! limit in [`Limits`] ends in a coded [`Error`] rather than a crash.

pub mod doc;
mod json;
mod yaml;

use serde_json::Value;

use crate::error::{Error, Location, Result};

/// Bounds applied while reading untrusted text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of arrays and objects (and, during normalization, of
    /// schemas).
    pub max_depth: usize,
    /// Most values a YAML document may materialize through aliases (`*anchor`).
    /// Protects against "billion laughs" alias bombs.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    /// 256 MiB, 256 levels, one million alias-expanded nodes. GitHub's fully
    /// dereferenced REST description (78 MB, 30 levels deep) is well inside these.
    fn default() -> Self {
        Limits {
            max_bytes: 256 * 1024 * 1024,
            max_depth: 256,
            max_alias_nodes: 1_000_000,
        }
    }
}

/// The syntax of a text document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Pick JSON when the first meaningful character opens an object or array,
    /// YAML otherwise; a JSON syntax error is retried as YAML flow style.
    Auto,
    /// RFC 8259 JSON.
    Json,
    /// YAML 1.2 (core schema), one document.
    Yaml,
}

/// Parses JSON or YAML text into a value, enforcing `limits`.
///
/// ```
/// use driftguard_core::parse::{parse_text, Limits, Syntax};
/// let a = parse_text(br#"{"a": [1.0, true]}"#, Syntax::Auto, &Limits::default()).unwrap();
/// let b = parse_text(b"a:\n  - 1\n  - true\n", Syntax::Auto, &Limits::default()).unwrap();
/// assert_eq!(a, b);
/// ```
pub fn parse_text(bytes: &[u8], syntax: Syntax, limits: &Limits) -> Result<Value> {
    if bytes.len() > limits.max_bytes {
        return Err(Error::TooLarge {
            what: format!("input of {} bytes", bytes.len()),
            limit: limits.max_bytes as u64,
            location: Location::default(),
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| Error::Encoding {
        offset: e.valid_up_to(),
    })?;
    let Some(first) = text.trim_start().chars().next() else {
        return Err(Error::Parse {
            message: "empty document".into(),
            location: Location::at_line(1, 1),
        });
    };
    match syntax {
        Syntax::Json => json::parse(text, limits),
        Syntax::Yaml => yaml::parse(text, limits),
        Syntax::Auto if first == '{' || first == '[' => match json::parse(text, limits) {
            Ok(v) => Ok(v),
            Err(json_err @ Error::Parse { .. }) => yaml::parse(text, limits).map_err(|_| json_err),
            Err(other) => Err(other),
        },
        Syntax::Auto => yaml::parse(text, limits),
    }
}

/// The JSON fast path: `bytes` as a compact [`doc::Document`] when they are plain
/// JSON within `limits` (after the same size check, byte-order mark and UTF-8 handling
/// as [`parse_text`]); `None` sends the caller to [`parse_text`].
pub fn parse_document<'s>(bytes: &'s [u8], limits: &Limits) -> Option<doc::Document<'s>> {
    if bytes.len() > limits.max_bytes {
        return None;
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).ok()?;
    doc::Document::parse(text, limits)
}

/// Turns an integral, finite float that fits an `i64`/`u64` into an integer, so that
/// `1`, `1.0` and `1e0` are the same number everywhere in the core.
pub(crate) fn normalize_float(f: f64) -> Option<serde_json::Number> {
    if !f.is_finite() {
        return None;
    }
    // 2^63 and 2^64 as floats: integral floats inside these ranges convert exactly.
    const I64_BOUND: f64 = 9_223_372_036_854_775_808.0;
    const U64_BOUND: f64 = 18_446_744_073_709_551_616.0;
    if f.fract() == 0.0 {
        if (-I64_BOUND..I64_BOUND).contains(&f) {
            #[allow(clippy::cast_possible_truncation)]
            return Some(serde_json::Number::from(f as i64));
        }
        if (0.0..U64_BOUND).contains(&f) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            return Some(serde_json::Number::from(f as u64));
        }
    }
    serde_json::Number::from_f64(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> Result<Value> {
        parse_text(s.as_bytes(), Syntax::Auto, &Limits::default())
    }

    #[test]
    fn json_and_yaml_agree() {
        let j = parse(r#"{"openapi":"3.1.0","paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}}}}},"n":[1.0,2.5,-0.0,null,true]}"#).unwrap();
        let y = parse("openapi: 3.1.0\npaths:\n  /a:\n    get:\n      responses:\n        200:\n          description: ok\nn: [1.0, 2.5, -0.0, ~, true]\n").unwrap();
        assert_eq!(j, y);
        assert_eq!(j["n"], json!([1, 2.5, 0, null, true]));
    }

    #[test]
    fn empty_and_whitespace_are_parse_errors() {
        for s in ["", "   \n\t"] {
            assert_eq!(parse(s).unwrap_err().code(), "E_PARSE");
        }
    }

    #[test]
    fn invalid_utf8_reports_offset() {
        let e = parse_text(b"{\"a\": \"\xff\"}", Syntax::Auto, &Limits::default()).unwrap_err();
        assert_eq!(e, Error::Encoding { offset: 7 });
    }

    #[test]
    fn bom_is_ignored() {
        let v = parse_text(b"\xEF\xBB\xBF{\"a\":1}", Syntax::Auto, &Limits::default()).unwrap();
        assert_eq!(v, json!({"a": 1}));
    }

    #[test]
    fn size_limit() {
        let limits = Limits {
            max_bytes: 4,
            ..Limits::default()
        };
        let e = parse_text(b"[1,2,3]", Syntax::Auto, &limits).unwrap_err();
        assert_eq!(e.code(), "E_TOO_LARGE");
    }

    #[test]
    fn json_flow_yaml_fallback() {
        assert_eq!(
            parse("{a: 1, b: [x, y]}").unwrap(),
            json!({"a": 1, "b": ["x", "y"]})
        );
    }

    #[test]
    fn float_normalization() {
        assert_eq!(normalize_float(3.0), Some(serde_json::Number::from(3)));
        assert_eq!(
            normalize_float(1e19),
            Some(serde_json::Number::from(10_000_000_000_000_000_000u64))
        );
        assert_eq!(normalize_float(0.5).map(|n| n.as_f64()), Some(Some(0.5)));
        assert_eq!(normalize_float(f64::NAN), None);
    }
}
