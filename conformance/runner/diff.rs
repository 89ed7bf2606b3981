//! The first difference between two JSON values, as a JSON Pointer and both sides.

use serde_json::Value;

/// Longest rendering of a value in a failure message.
const SHOW: usize = 240;

/// Where `actual` first differs from `expected` (depth-first, object members in key
/// order), e.g. `at /surface/root/type: expected ["string"], got ["integer"]`.
/// `None` when they are equal.
pub fn first_difference(expected: &Value, actual: &Value) -> Option<String> {
    let mut stack: Vec<(String, &Value, &Value)> = vec![(String::new(), expected, actual)];
    while let Some((pointer, e, a)) = stack.pop() {
        if is_missing(e) {
            return Some(format!(
                "at {}: unexpected member {}",
                show_pointer(&pointer),
                show(a)
            ));
        }
        if is_missing(a) {
            return Some(format!(
                "at {}: member missing, expected {}",
                show_pointer(&pointer),
                show(e)
            ));
        }
        if e == a {
            continue;
        }
        match (e, a) {
            (Value::Object(em), Value::Object(am)) => {
                let mut keys: Vec<&String> = em.keys().chain(am.keys()).collect();
                keys.sort();
                keys.dedup();
                // Push in reverse so the smallest key is examined first.
                for k in keys.into_iter().rev() {
                    let p = format!("{pointer}/{}", escape(k));
                    match (em.get(k), am.get(k)) {
                        (Some(ev), Some(av)) => stack.push((p, ev, av)),
                        (Some(ev), None) => stack.push((p, ev, &MISSING)),
                        (None, Some(av)) => stack.push((p, &MISSING, av)),
                        (None, None) => {}
                    }
                }
                // Re-examine: the pushed children decide the message.
                continue;
            }
            (Value::Array(ea), Value::Array(aa)) if ea.len() == aa.len() => {
                for (i, (ev, av)) in ea.iter().zip(aa).enumerate().rev() {
                    stack.push((format!("{pointer}/{i}"), ev, av));
                }
                continue;
            }
            (Value::Array(ea), Value::Array(aa)) => {
                return Some(format!(
                    "at {}: expected an array of {} items, got {} items ({} vs {})",
                    show_pointer(&pointer),
                    ea.len(),
                    aa.len(),
                    show(e),
                    show(a)
                ));
            }
            _ => {}
        }
        return Some(format!(
            "at {}: expected {}, got {}",
            show_pointer(&pointer),
            show(e),
            show(a)
        ));
    }
    // Unreachable for unequal values, but never panic in a test helper either.
    (expected != actual).then(|| "values differ".to_owned())
}

/// A sentinel for "no such member" that cannot occur in parsed JSON (strings can, so
/// the sentinel is identified by address).
static MISSING: Value = Value::Null;

fn is_missing(v: &Value) -> bool {
    std::ptr::eq(v, &MISSING)
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn show_pointer(p: &str) -> String {
    if p.is_empty() {
        "the root".into()
    } else {
        p.to_owned()
    }
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= SHOW {
        return s;
    }
    let cut: String = s.chars().take(SHOW).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::first_difference;
    use serde_json::json;

    #[test]
    fn equal_values_have_no_difference() {
        assert_eq!(
            first_difference(&json!({"a": [1, {"b": 2}]}), &json!({"a": [1, {"b": 2}]})),
            None
        );
    }

    #[test]
    fn reports_first_pointer_in_key_order() {
        let e = json!({"a": 1, "b": {"c/d": [1, 2, 3]}, "z": 1});
        let a = json!({"a": 1, "b": {"c/d": [1, 5, 3]}, "z": 2});
        assert_eq!(
            first_difference(&e, &a).as_deref(),
            Some("at /b/c~1d/1: expected 2, got 5")
        );
    }

    #[test]
    fn missing_and_unexpected_members() {
        assert_eq!(
            first_difference(&json!({"a": null}), &json!({})).as_deref(),
            Some("at /a: member missing, expected null")
        );
        assert_eq!(
            first_difference(&json!({}), &json!({"x": null})).as_deref(),
            Some("at /x: unexpected member null")
        );
    }

    #[test]
    fn array_lengths_and_root() {
        assert!(
            first_difference(&json!([1]), &json!([1, 2]))
                .unwrap_or_default()
                .starts_with("at the root: expected an array of 1 items, got 2 items")
        );
        assert_eq!(
            first_difference(&json!(1), &json!("1")).as_deref(),
            Some("at the root: expected 1, got \"1\"")
        );
    }
}
