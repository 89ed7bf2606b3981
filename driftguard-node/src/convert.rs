//! JavaScript values → `serde_json::Value`, with the core's depth limit.
//!
//! Plain objects, arrays, strings, finite numbers, booleans and `null` convert as
//! `JSON.stringify` would see them: `undefined`, functions and symbols are dropped from
//! objects and become `null` in arrays. Anything JSON cannot hold (`NaN`, `Infinity`,
//! a `BigInt`, a `Date`, a typed array, `undefined` at the top) is `E_INVALID` with the
//! JSON Pointer of the value. Nesting deeper than the limit (a cycle included) is
//! `E_TOO_DEEP`, exactly as the core reports it for parsed text; a shared-object graph
//! that would expand past [`MAX_NODES`] values is `E_TOO_LARGE`.

use driftguard_core::{Error, Location};
use napi::bindgen_prelude::{Array, Object, Unknown};
use napi::{JsValue, ValueType};
use serde_json::{Map, Number, Value};

use crate::error::{NodeError, from_core, from_napi, invalid};

/// The most values one conversion produces (objects shared many times over expand).
pub const MAX_NODES: usize = 50_000_000;

/// Why a conversion stopped, with the path to the value (innermost segment last,
/// collected while unwinding).
enum Stop {
    Deep {
        limit: usize,
        path: Vec<String>,
    },
    Large {
        path: Vec<String>,
    },
    NotJson {
        what: &'static str,
        path: Vec<String>,
    },
    Napi(napi::Error),
}

impl Stop {
    fn path_mut(&mut self) -> Option<&mut Vec<String>> {
        match self {
            Stop::Deep { path, .. } | Stop::Large { path } | Stop::NotJson { path, .. } => {
                Some(path)
            }
            Stop::Napi(_) => None,
        }
    }

    /// Adds the segment of the enclosing container (called while unwinding).
    fn within(mut self, segment: impl FnOnce() -> String) -> Stop {
        if let Some(p) = self.path_mut() {
            p.push(segment());
        }
        self
    }
}

impl From<napi::Error> for Stop {
    fn from(e: napi::Error) -> Self {
        Stop::Napi(e)
    }
}

/// RFC 6901 pointer from segments collected innermost first.
fn pointer(path: &[String]) -> String {
    path.iter()
        .rev()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Converts a JavaScript value to JSON, refusing nesting deeper than `max_depth`
/// (the root is depth 0, as in the core).
pub fn to_json(value: Unknown<'_>, max_depth: usize) -> Result<Value, NodeError> {
    let mut budget = MAX_NODES;
    match convert(value, 0, max_depth, &mut budget) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(invalid(
            "undefined (or a function or symbol) is not a JSON value",
        )),
        Err(Stop::Deep { limit, path }) => Err(from_core(&Error::TooDeep {
            limit,
            location: Location::at_pointer(pointer(&path)),
        })),
        Err(Stop::Large { path }) => Err(from_core(&Error::TooLarge {
            what: "the JavaScript value (counting shared objects once per use)".to_owned(),
            limit: MAX_NODES as u64,
            location: Location::at_pointer(pointer(&path)),
        })),
        Err(Stop::NotJson { what, path }) => {
            let at = pointer(&path);
            let at = if at.is_empty() {
                "the document root".to_owned()
            } else {
                at
            };
            Err(invalid(format!("{what} is not a JSON value, at {at}")))
        }
        Err(Stop::Napi(e)) => Err(from_napi(&e)),
    }
}

/// `Ok(None)`: a value JSON skips (`undefined`, a function, a symbol).
fn convert(
    value: Unknown<'_>,
    depth: usize,
    max_depth: usize,
    budget: &mut usize,
) -> Result<Option<Value>, Stop> {
    if depth > max_depth {
        return Err(Stop::Deep {
            limit: max_depth,
            path: Vec::new(),
        });
    }
    if *budget == 0 {
        return Err(Stop::Large { path: Vec::new() });
    }
    *budget -= 1;
    let not_json = |what| {
        Err(Stop::NotJson {
            what,
            path: Vec::new(),
        })
    };
    // SAFETY (each `cast`): the value's type was checked just before.
    Ok(Some(match value.get_type()? {
        ValueType::Undefined | ValueType::Function | ValueType::Symbol => return Ok(None),
        ValueType::Null => Value::Null,
        ValueType::Boolean => Value::Bool(unsafe { value.cast::<bool>() }?),
        ValueType::Number => {
            let n = unsafe { value.cast::<f64>() }?;
            match number(n) {
                Some(n) => Value::Number(n),
                None => return not_json("a non-finite number (NaN or Infinity)"),
            }
        }
        ValueType::String => Value::String(unsafe { value.cast::<String>() }?),
        ValueType::BigInt => return not_json("a BigInt"),
        ValueType::Object => {
            if value.is_array()? {
                let array = unsafe { value.cast::<Array>() }?;
                let mut items = Vec::with_capacity(array.len() as usize);
                for i in 0..array.len() {
                    let item = array.get::<Unknown>(i)?;
                    let converted = match item {
                        Some(item) => convert(item, depth + 1, max_depth, budget)
                            .map_err(|s| s.within(|| i.to_string()))?,
                        None => None,
                    };
                    items.push(converted.unwrap_or(Value::Null));
                }
                Value::Array(items)
            } else if value.is_date()? {
                return not_json("a Date (convert it to a string first)");
            } else if value.is_typedarray()? || value.is_arraybuffer()? || value.is_dataview()? {
                return not_json("binary data (a typed array or buffer)");
            } else {
                let object = unsafe { value.cast::<Object>() }?;
                let mut map = Map::new();
                for key in Object::keys(&object)? {
                    let Some(member) = object.get::<Unknown>(&key)? else {
                        continue;
                    };
                    let converted = convert(member, depth + 1, max_depth, budget)
                        .map_err(|s| s.within(|| key.clone()))?;
                    if let Some(v) = converted {
                        map.insert(key, v);
                    }
                }
                Value::Object(map)
            }
        }
        _ => return not_json("an external or unknown value"),
    }))
}

/// A JavaScript number as JSON: integral values within ±2^53 as integers (JavaScript
/// cannot tell `1` from `1.0`; the core's parsers read integral floats as integers
/// too), everything else as a float. `None` for NaN and ±Infinity.
fn number(n: f64) -> Option<Number> {
    const SAFE: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() <= SAFE {
        #[allow(clippy::cast_possible_truncation)] // integral and within ±2^53
        let i = n as i64;
        // -0 becomes 0, as `JSON.stringify(-0)` writes it: the object path and the
        // text path agree.
        return Some(Number::from(i));
    }
    Number::from_f64(n)
}
