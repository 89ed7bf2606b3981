//! Local `$ref` resolution over a parsed document: JSON Pointer fragments only, never a
//! fetch. Anything that is not a same-document fragment is `E_REF_EXTERNAL`.

use serde_json::Value;

use super::view::J;
use crate::error::{Error, Location, Result};

/// Escapes one JSON Pointer reference token (RFC 6901).
pub fn escape_token(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_owned()
    }
}

/// Appends a token to a pointer.
pub fn push(pointer: &str, token: &str) -> String {
    let mut p = String::with_capacity(pointer.len() + token.len() + 2);
    push_into(&mut p, pointer, token);
    p
}

/// Writes `pointer` + `/` + the escaped `token` at the end of `out`.
pub(crate) fn push_into(out: &mut String, pointer: &str, token: &str) {
    out.push_str(pointer);
    out.push('/');
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Decodes `%XX` escapes in a URI fragment. Invalid escapes are kept verbatim.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Resolves a JSON Pointer (already without `#`) in `root`.
pub fn resolve_pointer<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    // A `serde_json` root resolves to `serde_json` values: one implementation serves both.
    resolve_pointer_view(J::V(root), pointer).and_then(J::value)
}

/// [`resolve_pointer`] over either document representation.
pub(crate) fn resolve_pointer_view<'a>(root: J<'a>, pointer: &str) -> Option<J<'a>> {
    if pointer.is_empty() {
        return Some(root);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut cur = root;
    for raw in rest.split('/') {
        let token: std::borrow::Cow<'_, str> = if raw.contains('~') {
            raw.replace("~1", "/").replace("~0", "~").into()
        } else {
            raw.into()
        };
        cur = if let Some(m) = cur.as_object() {
            m.get(&token)?
        } else if let Some(a) = cur.as_array() {
            if token.starts_with('+') || (token.len() > 1 && token.starts_with('0')) {
                return None;
            }
            a.get(token.parse::<usize>().ok()?)?
        } else {
            return None;
        };
    }
    Some(cur)
}

/// Turns a `$ref` string into a canonical same-document pointer (without `#`), or an
/// error: `E_REF_EXTERNAL` for anything that is not a fragment.
pub fn fragment_pointer(reference: &str, at: &str) -> Result<String> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(Error::RefExternal {
            reference: reference.to_owned(),
            location: Location::at_pointer(at),
        });
    };
    let decoded = percent_decode(fragment);
    if !decoded.is_empty() && !decoded.starts_with('/') {
        // A plain-name fragment (`#foo`) is an anchor, not a pointer.
        return Err(Error::RefUnresolved {
            reference: reference.to_owned(),
            location: Location::at_pointer(at),
        });
    }
    Ok(decoded)
}

/// Follows `$ref` chains on a non-schema object (an OpenAPI parameter, response,
/// request body, header, path item…) until a concrete object is reached.
///
/// Returns the object and the pointer where it lives. Cycles are `E_REF_CYCLE`.
pub fn follow<'a>(root: &'a Value, value: &'a Value, pointer: &str) -> Result<(&'a Value, String)> {
    let (found, at) = follow_view(J::V(root), J::V(value), pointer)?;
    // A `serde_json` root only ever yields `serde_json` values.
    let found = found
        .value()
        .ok_or_else(|| Error::invalid("internal: a $ref left the document", pointer))?;
    Ok((found, at))
}

/// [`follow`] over either document representation.
pub(crate) fn follow_view<'a>(root: J<'a>, value: J<'a>, pointer: &str) -> Result<(J<'a>, String)> {
    let mut cur = value;
    let mut at = pointer.to_owned();
    let mut chain: Vec<String> = Vec::new();
    while let Some(reference) = cur.get("$ref").and_then(J::as_str) {
        let target = fragment_pointer(reference, &push(&at, "$ref"))?;
        if chain.contains(&target) {
            chain.push(target);
            return Err(Error::RefCycle {
                chain: chain
                    .iter()
                    .map(|p| format!("#{p}"))
                    .collect::<Vec<_>>()
                    .join(" -> "),
                location: Location::at_pointer(pointer),
            });
        }
        chain.push(target.clone());
        cur = resolve_pointer_view(root, &target).ok_or_else(|| Error::RefUnresolved {
            reference: reference.to_owned(),
            location: Location::at_pointer(push(&at, "$ref")),
        })?;
        at = target;
    }
    Ok((cur, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers() {
        let doc = json!({"a/b": {"c~d": [10, 20]}, "e%f": 1});
        assert_eq!(resolve_pointer(&doc, "/a~1b/c~0d/1"), Some(&json!(20)));
        assert_eq!(resolve_pointer(&doc, "/a~1b/c~0d/01"), None);
        assert_eq!(resolve_pointer(&doc, ""), Some(&doc));
        assert_eq!(fragment_pointer("#/e%25f", "").unwrap(), "/e%f");
        assert_eq!(push("/paths", "/pets/{id}"), "/paths/~1pets~1{id}");
    }

    #[test]
    fn external_refs_are_never_followed() {
        for r in [
            "http://169.254.169.254/latest/meta-data/",
            "other.yaml#/x",
            "file:///etc/passwd",
        ] {
            let e = fragment_pointer(r, "/x").unwrap_err();
            assert_eq!(e.code(), "E_REF_EXTERNAL", "{r}");
        }
    }

    #[test]
    fn follow_chains_and_cycles() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/c"}, "c": {"x": 1},
                         "p": {"$ref": "#/q"}, "q": {"$ref": "#/p"}, "d": {"$ref": "#/nope"}});
        let (v, at) = follow(&doc, &doc["a"], "/a").unwrap();
        assert_eq!((v, at.as_str()), (&json!({"x": 1}), "/c"));
        assert_eq!(
            follow(&doc, &doc["p"], "/p").unwrap_err().code(),
            "E_REF_CYCLE"
        );
        assert_eq!(
            follow(&doc, &doc["d"], "/d").unwrap_err().code(),
            "E_REF_UNRESOLVED"
        );
    }
}
