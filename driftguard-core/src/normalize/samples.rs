//! Sampled JSON payloads → one inferred schema (`samples` snapshot).
//!
//! Inference is deliberately plain, so that a change in the inferred shape means a
//! change in what the endpoint sends:
//!
//! - **types**: each JSON kind observed at a position is listed. A number is `integer`
//!   only if every number seen there is integral; otherwise `number`.
//! - **null**: seen next to another kind → `nullable: true`; only nulls → `type: ["null"]`.
//! - **objects**: properties are the union over every object at that position; a
//!   property is `required` only if present (even as `null`) in every one of them.
//!   Objects stay open (no `additionalProperties`): an inferred schema is an
//!   observation, not a contract.
//! - **arrays**: the items of every array at that position (across all samples) are
//!   merged into one `items` schema; empty arrays contribute nothing, and a position
//!   whose arrays were all empty has no `items`.
//! - **strings**: `format` is set only when *every* string at that position matches
//!   one of `date-time` (RFC 3339), `date`, `email`, `uuid` or `uri` (http/https only).
//!   No enums, no length bounds, no patterns.
//!
//! Positions are accumulated in an arena (a child is always created after its parent)
//! and built bottom-up in reverse order, so neither pass recurses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Number, Value};

use super::Options;
use crate::error::{Error, Location, Result};
use crate::parse::{Limits, Syntax, parse_text};
use crate::shape::{JsonType, Node, Shape};
use crate::snapshot::Snapshot;
use crate::surface::{SchemaSurface, Surface};

/// Infers a snapshot from JSON Lines or a single JSON payload.
///
/// The text is one JSON payload when it parses as one document; otherwise each
/// non-empty line is a payload (JSON Lines).
pub(crate) fn from_bytes(bytes: &[u8], options: &Options) -> Result<Snapshot> {
    let limits = &options.limits;
    let payloads = match parse_text(bytes, Syntax::Json, limits) {
        Ok(v) => vec![v],
        Err(whole @ Error::Parse { .. }) => json_lines(bytes, limits, whole)?,
        Err(other) => return Err(other),
    };
    super::snapshot_from_samples(&payloads, options)
}

/// Reads JSON Lines. If the first non-empty line is not JSON either, the text was
/// meant as one document and `whole` (its parse error) is the better report.
fn json_lines(bytes: &[u8], limits: &Limits, whole: Error) -> Result<Vec<Value>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| Error::Encoding {
        offset: e.valid_up_to(),
    })?;
    let mut payloads = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        match parse_text(line.as_bytes(), Syntax::Json, limits) {
            Ok(v) => payloads.push(v),
            Err(_) if payloads.is_empty() => return Err(whole),
            Err(e) => return Err(on_line(e, index + 1)),
        }
    }
    Ok(payloads)
}

/// Moves a parse error found in one line to that line of the whole text.
fn on_line(error: Error, line: usize) -> Error {
    let fix = |location: Location| Location {
        line: Some(line),
        ..location
    };
    match error {
        Error::Parse { message, location } => Error::Parse {
            message,
            location: fix(location),
        },
        Error::TooDeep { limit, location } => Error::TooDeep {
            limit,
            location: fix(location),
        },
        other => other,
    }
}

/// Infers a snapshot from parsed payloads.
pub(crate) fn from_values(values: &[Value], limits: &Limits) -> Result<Snapshot> {
    if values.is_empty() {
        return Err(Error::invalid(
            "no samples: at least one JSON payload is needed to infer a schema",
            "",
        ));
    }
    let root = infer(values, limits)?;
    let meta = [("samples".to_owned(), Value::from(values.len()))].into();
    Snapshot::new(
        Surface::Samples(SchemaSurface { root }),
        meta,
        BTreeMap::new(),
        None,
    )
}

/// A string format sniffed conservatively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StringFormat {
    DateTime,
    Date,
    Email,
    Uuid,
    Uri,
}

impl StringFormat {
    fn name(self) -> &'static str {
        match self {
            StringFormat::DateTime => "date-time",
            StringFormat::Date => "date",
            StringFormat::Email => "email",
            StringFormat::Uuid => "uuid",
            StringFormat::Uri => "uri",
        }
    }

    /// The one format `s` matches, if any (the formats are mutually exclusive).
    fn sniff(s: &str) -> Option<StringFormat> {
        if is_date_time(s) {
            Some(StringFormat::DateTime)
        } else if is_date(s) {
            Some(StringFormat::Date)
        } else if is_uuid(s) {
            Some(StringFormat::Uuid)
        } else if is_email(s) {
            Some(StringFormat::Email)
        } else if is_http_uri(s) {
            Some(StringFormat::Uri)
        } else {
            None
        }
    }
}

/// What was observed at one position of the payloads.
#[derive(Debug, Default)]
struct Observed {
    null: bool,
    boolean: bool,
    integer: bool,
    number: bool,
    /// `None`: no string seen; `Some(f)`: every string seen matched `f` (`None`: not all
    /// matched one format).
    strings: Option<Option<StringFormat>>,
    /// Number of objects seen.
    objects: usize,
    /// Property → (number of objects it was present in, arena index of its position).
    properties: BTreeMap<String, (usize, usize)>,
    arrays: bool,
    /// Arena index of the merged item position, once an element was seen.
    items: Option<usize>,
}

fn slot(arena: &mut [Observed], index: usize) -> Result<&mut Observed> {
    arena
        .get_mut(index)
        .ok_or_else(|| Error::invalid("internal: inference arena index out of range", ""))
}

fn is_integral(n: &Number) -> bool {
    n.is_i64()
        || n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

fn infer(values: &[Value], limits: &Limits) -> Result<Shape> {
    let mut arena = vec![Observed::default()];
    for (sample, value) in values.iter().enumerate() {
        let mut stack: Vec<(usize, &Value, usize)> = vec![(0, value, 0)];
        while let Some((index, value, depth)) = stack.pop() {
            if depth > limits.max_depth {
                return Err(Error::TooDeep {
                    limit: limits.max_depth,
                    location: Location::at_pointer(format!("/{sample}")),
                });
            }
            let next = arena.len();
            let at = slot(&mut arena, index)?;
            match value {
                Value::Null => at.null = true,
                Value::Bool(_) => at.boolean = true,
                Value::Number(n) if is_integral(n) => at.integer = true,
                Value::Number(_) => at.number = true,
                Value::String(s) => {
                    let format = StringFormat::sniff(s);
                    at.strings = Some(match at.strings {
                        None => format,
                        Some(seen) if seen == format => seen,
                        Some(_) => None,
                    });
                }
                Value::Array(elements) => {
                    at.arrays = true;
                    if elements.is_empty() {
                        continue;
                    }
                    let child = *at.items.get_or_insert(next);
                    if child == next {
                        arena.push(Observed::default());
                    }
                    stack.extend(elements.iter().map(|e| (child, e, depth + 1)));
                }
                Value::Object(members) => {
                    at.objects += 1;
                    for (key, member) in members {
                        let next = arena.len();
                        let entry = slot(&mut arena, index)?
                            .properties
                            .entry(key.clone())
                            .or_insert((0, next));
                        entry.0 += 1;
                        let child = entry.1;
                        if child == next {
                            arena.push(Observed::default());
                        }
                        stack.push((child, member, depth + 1));
                    }
                }
            }
        }
    }
    build(arena)
}

fn take(built: &mut [Option<Shape>], index: usize) -> Result<Shape> {
    built
        .get_mut(index)
        .and_then(Option::take)
        .ok_or_else(|| Error::invalid("internal: inferred child shape missing", ""))
}

/// Builds the shapes bottom-up: children always have larger indices than parents.
fn build(arena: Vec<Observed>) -> Result<Shape> {
    let mut built: Vec<Option<Shape>> = Vec::new();
    built.resize_with(arena.len(), || None);
    for (index, seen) in arena.iter().enumerate().rev() {
        let mut node = Node::default();
        let mut types = BTreeSet::new();
        if seen.boolean {
            types.insert(JsonType::Boolean);
        }
        if seen.number {
            types.insert(JsonType::Number);
        } else if seen.integer {
            types.insert(JsonType::Integer);
        }
        if let Some(format) = seen.strings {
            types.insert(JsonType::String);
            node.format = format.map(|f| f.name().to_owned());
        }
        if seen.objects > 0 {
            types.insert(JsonType::Object);
            for (key, &(present, child)) in &seen.properties {
                node.properties
                    .insert(key.clone(), take(&mut built, child)?);
                if present == seen.objects {
                    node.required.insert(key.clone());
                }
            }
        }
        if seen.arrays {
            types.insert(JsonType::Array);
            if let Some(child) = seen.items {
                node.items = Some(take(&mut built, child)?);
            }
        }
        if types.is_empty() {
            if seen.null {
                types.insert(JsonType::Null);
            }
        } else {
            node.nullable = seen.null;
        }
        if !types.is_empty() {
            node.types = Some(types.into_iter().collect());
        }
        if let Some(place) = built.get_mut(index) {
            *place = Some(Shape::from_node(node));
        }
    }
    take(&mut built, 0)
}

// ---------------------------------------------------------------------------------
// Format sniffers: conservative, allocation-free, no indexing.

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes.iter().try_fold(0u32, |acc, b| {
        acc.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// RFC 3339 `full-date`: `YYYY-MM-DD`, a real calendar date.
fn is_date(s: &str) -> bool {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *s.as_bytes() else {
        return false;
    };
    let (Some(year), Some(month), Some(day)) = (
        digits(&[y1, y2, y3, y4]),
        digits(&[m1, m2]),
        digits(&[d1, d2]),
    ) else {
        return false;
    };
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

/// `HH:MM` with hour ≤ `max_hour` and minute ≤ 59.
fn is_hour_minute(bytes: &[u8], max_hour: u32) -> bool {
    let [h1, h2, b':', m1, m2] = *bytes else {
        return false;
    };
    matches!((digits(&[h1, h2]), digits(&[m1, m2])), (Some(h), Some(m)) if h <= max_hour && m <= 59)
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_date_time(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(date), Some(sep), Some(rest)) = (bytes.get(..10), bytes.get(10), bytes.get(11..))
    else {
        return false;
    };
    if !matches!(sep, b'T' | b't') || !std::str::from_utf8(date).is_ok_and(is_date) {
        return false;
    }
    let (Some(hm), Some(seconds), Some(rest)) = (rest.get(..5), rest.get(5..8), rest.get(8..))
    else {
        return false;
    };
    let [b':', s1, s2] = *seconds else {
        return false;
    };
    if !is_hour_minute(hm, 23) || digits(&[s1, s2]).is_none_or(|s| s > 60) {
        return false;
    }
    let offset = match rest.strip_prefix(b".") {
        Some(frac) => {
            let n = frac.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 {
                return false;
            }
            frac.get(n..).unwrap_or_default()
        }
        None => rest,
    };
    match offset {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', hm @ ..] => is_hour_minute(hm, 23),
        _ => false,
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// `local@domain` with a plain dot-atom local part and a DNS domain of at least two
/// labels ending in an alphabetic top-level label.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b));
    local_ok && is_domain(domain)
}

fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// An absolute `http`/`https` URI with a host, made only of characters a URI may hold
/// (RFC 3986), with well-formed percent escapes.
fn is_http_uri(s: &str) -> bool {
    let lower_prefix = |p: &str| s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let rest = if lower_prefix("http://") {
        s.get(7..)
    } else if lower_prefix("https://") {
        s.get(8..)
    } else {
        None
    };
    let Some(rest) = rest else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .split_once(']')
            .map_or("", |(h, _)| h.trim_start_matches('['))
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return false;
    }
    let bytes = s.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| match b {
        b'%' => bytes
            .get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => true,
        _ => b"-._~:/?#[]@!$&'()*+,;=".contains(&b),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn infer_json(values: &[Value]) -> Value {
        let snapshot = from_values(values, &Limits::default()).unwrap();
        let Surface::Samples(s) = &snapshot.surface else {
            panic!("kind")
        };
        serde_json::to_value(&s.root).unwrap()
    }

    fn options() -> Options {
        Options {
            format: super::super::Format::Samples,
            ..Options::default()
        }
    }

    #[test]
    fn scalar_types() {
        assert_eq!(infer_json(&[json!(1)]), json!({"type": ["integer"]}));
        assert_eq!(
            infer_json(&[json!(1), json!(2.5)]),
            json!({"type": ["number"]})
        );
        assert_eq!(infer_json(&[json!(1.5)]), json!({"type": ["number"]}));
        assert_eq!(infer_json(&[json!(true)]), json!({"type": ["boolean"]}));
        assert_eq!(infer_json(&[json!("x")]), json!({"type": ["string"]}));
        assert_eq!(infer_json(&[json!(null)]), json!({"type": ["null"]}));
        assert_eq!(
            infer_json(&[json!(null), json!(null)]),
            json!({"type": ["null"]})
        );
        assert_eq!(
            infer_json(&[json!(null), json!(3)]),
            json!({"nullable": true, "type": ["integer"]})
        );
    }

    #[test]
    fn an_integral_float_from_a_binding_counts_as_integer() {
        let f = Value::Number(Number::from_f64(2.0).unwrap());
        assert_eq!(infer_json(&[f, json!(3)]), json!({"type": ["integer"]}));
    }

    #[test]
    fn requiredness_is_presence_in_every_object() {
        let got = infer_json(&[
            json!({"id": 1, "name": "a", "tag": null}),
            json!({"id": 2, "tag": "x"}),
        ]);
        assert_eq!(
            got,
            json!({"properties": {"id": {"type": ["integer"]}, "name": {"type": ["string"]},
                                  "tag": {"nullable": true, "type": ["string"]}},
                   "required": ["id", "tag"], "type": ["object"]})
        );
    }

    #[test]
    fn arrays_merge_items_across_elements_and_samples() {
        let got = infer_json(&[
            json!({"a": [{"x": 1}, {"x": 2, "y": true}]}),
            json!({"a": [{"x": 1.5}]}),
        ]);
        assert_eq!(
            got["properties"]["a"],
            json!({"items": {"properties": {"x": {"type": ["number"]}, "y": {"type": ["boolean"]}},
                             "required": ["x"], "type": ["object"]},
                   "type": ["array"]})
        );
    }

    #[test]
    fn empty_arrays_contribute_nothing() {
        assert_eq!(infer_json(&[json!([])]), json!({"type": ["array"]}));
        assert_eq!(
            infer_json(&[json!([]), json!([1])]),
            json!({"items": {"type": ["integer"]}, "type": ["array"]})
        );
        assert_eq!(
            infer_json(&[json!([[], [[]]])]),
            json!({"items": {"items": {"type": ["array"]}, "type": ["array"]}, "type": ["array"]})
        );
    }

    #[test]
    fn mixed_kinds_keep_each_kinds_keywords() {
        let got = infer_json(&[
            json!({"v": "2024-01-02"}),
            json!({"v": {"k": 1}}),
            json!({"v": null}),
        ]);
        assert_eq!(
            got["properties"]["v"],
            json!({"format": "date", "nullable": true, "properties": {"k": {"type": ["integer"]}},
                   "required": ["k"], "type": ["object", "string"]})
        );
        assert_eq!(
            infer_json(&[json!(1), json!(true), json!(1.5)]),
            json!({"type": ["boolean", "number"]})
        );
    }

    #[test]
    fn formats_need_every_string_to_agree() {
        let f = |s: &[&str]| {
            infer_json(&s.iter().map(|x| json!(x)).collect::<Vec<_>>())["format"].clone()
        };
        assert_eq!(
            f(&["2024-02-29T12:00:00Z", "2024-01-01T00:00:00.123+02:00"]),
            json!("date-time")
        );
        assert_eq!(f(&["2024-02-29"]), json!("date"));
        assert_eq!(f(&["a.b@example.com"]), json!("email"));
        assert_eq!(f(&["123e4567-e89b-12d3-a456-426614174000"]), json!("uuid"));
        assert_eq!(
            f(&["https://example.com/x?y=1", "http://[::1]:8080/"]),
            json!("uri")
        );
        assert_eq!(f(&["2024-02-29", "2024-02-29T12:00:00Z"]), Value::Null);
        assert_eq!(f(&["a.b@example.com", "hello"]), Value::Null);
        assert_eq!(f(&["https://example.com", ""]), Value::Null);
    }

    #[test]
    fn sniffers_are_conservative() {
        for s in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "24-01-01",
            "2024-01-32",
        ] {
            assert!(!is_date(s), "{s}");
        }
        for s in [
            "2024-01-01 12:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T12:00:00",
            "2024-01-01T12:00Z",
            "2024-01-01T12:00:00.Z",
            "2024-01-01T12:00:00+2:00",
            "2024-01-01T12:60:00Z",
        ] {
            assert!(!is_date_time(s), "{s}");
        }
        assert!(is_date_time("1985-04-12t23:20:50.52z"));
        assert!(is_date_time("1990-12-31T23:59:60Z"));
        for s in [
            "a@b",
            "@example.com",
            "a@@example.com",
            "a b@example.com",
            "a..b@example.com",
            "a@example.c0m",
            "a@-x.com",
            "mailto:a@example.com",
        ] {
            assert!(!is_email(s), "{s}");
        }
        for s in [
            "123e4567e89b12d3a456426614174000",
            "123e4567-e89b-12d3-a456-42661417400g",
        ] {
            assert!(!is_uuid(s), "{s}");
        }
        for s in [
            "ftp://example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://example.com/<script>",
            "https://example.com/%zz",
            "example.com",
            "HTTP:/x",
        ] {
            assert!(!is_http_uri(s), "{s}");
        }
        assert!(is_http_uri("HTTPS://Example.COM"));
        assert!(is_http_uri("https://user@example.com:443/a%20b"));
    }

    #[test]
    fn zero_samples_are_invalid() {
        assert_eq!(
            from_values(&[], &Limits::default()).unwrap_err().code(),
            "E_INVALID"
        );
        assert_eq!(
            from_bytes(b"  \n\n", &options()).unwrap_err().code(),
            "E_INVALID"
        );
    }

    #[test]
    fn meta_counts_samples() {
        let s = from_values(&[json!(1), json!(2), json!(3)], &Limits::default()).unwrap();
        assert_eq!(s.meta.get("samples"), Some(&json!(3)));
        assert!(s.schemas.is_empty());
        assert_eq!(s.kind(), crate::snapshot::Kind::Samples);
    }

    #[test]
    fn one_document_or_json_lines() {
        let one = from_bytes(b"{\n  \"a\": 1\n}\n", &options()).unwrap();
        assert_eq!(one.meta.get("samples"), Some(&json!(1)));
        let lines = from_bytes(b"{\"a\": 1}\r\n\n{\"a\": 2, \"b\": \"x\"}\n", &options()).unwrap();
        assert_eq!(lines.meta.get("samples"), Some(&json!(2)));
        let values = from_values(
            &[json!({"a": 1}), json!({"a": 2, "b": "x"})],
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(lines.digest(), values.digest());
        // A top-level array is one payload, not many.
        let array = from_bytes(b"[1, 2]", &options()).unwrap();
        assert_eq!(array.meta.get("samples"), Some(&json!(1)));
    }

    #[test]
    fn json_lines_errors_point_at_the_line() {
        let e = from_bytes(b"{\"a\": 1}\n\n{\"a\": }\n", &options()).unwrap_err();
        assert_eq!(e.code(), "E_PARSE");
        assert_eq!(e.location().and_then(|l| l.line), Some(3));
        // Broken pretty-printed JSON is reported as one document, not as bad lines.
        let e = from_bytes(b"{\n  \"a\": [1,\n", &options()).unwrap_err();
        assert_eq!(e.code(), "E_PARSE");
        assert!(e.to_string().contains("truncated"), "{e}");
        // YAML is not a payload.
        assert_eq!(
            from_bytes(b"a: 1\n", &options()).unwrap_err().code(),
            "E_PARSE"
        );
        assert_eq!(
            from_bytes(b"{\"a\": \"\xff\"}", &options())
                .unwrap_err()
                .code(),
            "E_ENCODING"
        );
    }

    #[test]
    fn depth_is_bounded() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let deep = json!([[[[[1]]]]]);
        assert_eq!(
            from_values(&[deep], &limits).unwrap_err().code(),
            "E_TOO_DEEP"
        );
        let e = from_bytes(
            b"[1]\n[[[[[1]]]]]\n",
            &Options {
                limits,
                ..options()
            },
        )
        .unwrap_err();
        assert_eq!(
            (e.code(), e.location().and_then(|l| l.line)),
            ("E_TOO_DEEP", Some(2))
        );
    }

    #[test]
    fn deep_but_allowed_payloads_do_not_recurse() {
        // Payloads as deep as the default limit allows.
        let depth = Limits::default().max_depth;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let s = from_bytes(text.as_bytes(), &options()).unwrap();
        let Surface::Samples(SchemaSurface { root }) = s.surface else {
            panic!("kind")
        };
        let mut cur = root;
        let mut levels = 0;
        while let Shape::Node(mut n) = cur {
            levels += 1;
            cur = n.items.take().unwrap_or(Shape::Bool(false));
        }
        assert_eq!(levels, depth);
    }

    #[test]
    fn order_of_samples_and_keys_does_not_matter() {
        let a = [json!({"x": [1, "a"], "y": null}), json!({"y": 2.5})];
        let b = [json!({"y": 2.5}), json!({"y": null, "x": ["a", 1]})];
        let da = from_values(&a, &Limits::default()).unwrap();
        let db = from_values(&b, &Limits::default()).unwrap();
        assert_eq!(da.digest(), db.digest());
    }

    fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            prop_oneof![
                Just("2026-01-02".to_owned()),
                Just("2026-01-02T03:04:05Z".to_owned()),
                Just("a@example.com".to_owned()),
                Just("https://example.com".to_owned()),
                "[a-z]{0,4}",
            ]
            .prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-c]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn inference_ignores_sample_order(values in proptest::collection::vec(arb_value(), 1..5)) {
            let forward = from_values(&values, &Limits::default()).unwrap();
            let mut reversed = values.clone();
            reversed.reverse();
            let backward = from_values(&reversed, &Limits::default()).unwrap();
            proptest::prop_assert_eq!(forward.digest(), backward.digest());
        }

        #[test]
        fn a_repeated_sample_changes_nothing(values in proptest::collection::vec(arb_value(), 1..4)) {
            // Inferring from the samples plus a repeat of one of them changes nothing:
            // a repeated observation adds no new kind, property or absence.
            let once = from_values(&values, &Limits::default()).unwrap();
            let mut twice = values.clone();
            twice.extend(values.first().cloned());
            let again = from_values(&twice, &Limits::default()).unwrap();
            proptest::prop_assert_eq!(&once.surface, &again.surface);
        }
    }
}
