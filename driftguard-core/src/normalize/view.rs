//! One read-only view over the two document representations the normalizers accept: a
//! `serde_json::Value` (handed over by a binding, or parsed from YAML) and the compact
//! [`Document`] the JSON fast path builds. The normalizers read documents only through
//! [`J`], [`Obj`] and [`Arr`], so both give the same snapshot by construction.
//!
//! Objects iterate in key order in both (a `serde_json::Map` is sorted; a [`Document`]
//! sorts each object's members when parsing).

use std::fmt;

use serde_json::{Map, Value};

use super::canonical_value;
use crate::parse::doc::{Document, Entry, Node};

/// A value in a document.
#[derive(Clone, Copy)]
pub(crate) enum J<'a> {
    /// A `serde_json` value.
    V(&'a Value),
    /// A node of a compact document.
    D(&'a Document<'a>, Node),
}

/// The shape of a value, for matching.
#[derive(Clone, Copy)]
pub(crate) enum Kind<'a> {
    Null,
    Bool(bool),
    Number,
    String(&'a str),
    Array(Arr<'a>),
    Object(Obj<'a>),
}

/// An object in a document.
#[derive(Clone, Copy)]
pub(crate) enum Obj<'a> {
    V(&'a Map<String, Value>),
    D(&'a Document<'a>, &'a [Entry]),
}

/// An array in a document.
#[derive(Clone, Copy)]
pub(crate) enum Arr<'a> {
    V(&'a [Value]),
    D(&'a Document<'a>, &'a [Node]),
}

impl<'a> From<&'a Value> for J<'a> {
    fn from(v: &'a Value) -> Self {
        J::V(v)
    }
}

impl<'a> From<J<'a>> for Kind<'a> {
    fn from(j: J<'a>) -> Self {
        j.kind()
    }
}

impl<'a> From<&'a Value> for Kind<'a> {
    fn from(v: &'a Value) -> Self {
        J::V(v).kind()
    }
}

impl<'a> J<'a> {
    /// The root of a compact document.
    pub(crate) fn root(doc: &'a Document<'a>) -> Self {
        J::D(doc, doc.root())
    }

    pub(crate) fn kind(self) -> Kind<'a> {
        match self {
            J::V(v) => match v {
                Value::Null => Kind::Null,
                Value::Bool(b) => Kind::Bool(*b),
                Value::Number(_) => Kind::Number,
                Value::String(s) => Kind::String(s),
                Value::Array(a) => Kind::Array(Arr::V(a)),
                Value::Object(o) => Kind::Object(Obj::V(o)),
            },
            J::D(doc, node) => match node {
                Node::Null => Kind::Null,
                Node::Bool(b) => Kind::Bool(b),
                Node::PosInt(_) | Node::NegInt(_) | Node::Float(_) => Kind::Number,
                Node::Str(s) => Kind::String(doc.str_at(s, false)),
                Node::Decoded(s) => Kind::String(doc.str_at(s, true)),
                Node::Array(s) => Kind::Array(Arr::D(doc, doc.items(s))),
                Node::Object(s) => Kind::Object(Obj::D(doc, doc.entries(s))),
            },
        }
    }

    /// The member `key` when this is an object.
    pub(crate) fn get(self, key: &str) -> Option<J<'a>> {
        self.as_object()?.get(key)
    }

    pub(crate) fn as_object(self) -> Option<Obj<'a>> {
        match self {
            J::V(Value::Object(o)) => Some(Obj::V(o)),
            J::V(_) => None,
            J::D(doc, Node::Object(s)) => Some(Obj::D(doc, doc.entries(s))),
            J::D(..) => None,
        }
    }

    pub(crate) fn as_array(self) -> Option<Arr<'a>> {
        match self {
            J::V(Value::Array(a)) => Some(Arr::V(a)),
            J::V(_) => None,
            J::D(doc, Node::Array(s)) => Some(Arr::D(doc, doc.items(s))),
            J::D(..) => None,
        }
    }

    /// The `serde_json` value behind a [`J::V`] (`None` for a compact-document node).
    pub(crate) fn value(self) -> Option<&'a Value> {
        match self {
            J::V(v) => Some(v),
            J::D(..) => None,
        }
    }

    pub(crate) fn as_str(self) -> Option<&'a str> {
        match self.kind() {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_bool(self) -> Option<bool> {
        match self.kind() {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub(crate) fn is_array(self) -> bool {
        matches!(self.kind(), Kind::Array(_))
    }

    pub(crate) fn is_string(self) -> bool {
        matches!(self.kind(), Kind::String(_))
    }

    pub(crate) fn as_u64(self) -> Option<u64> {
        match self {
            J::V(v) => v.as_u64(),
            J::D(_, Node::PosInt(n)) => Some(n),
            J::D(..) => None,
        }
    }

    /// The value as written, as a `serde_json` value (no canonicalization beyond what
    /// the parser did).
    pub(crate) fn raw(self) -> Value {
        match self {
            J::V(v) => v.clone(),
            J::D(doc, node) => doc.to_value(node),
        }
    }

    /// The value in canonical form (integral floats as integers): what
    /// [`canonical_value`] gives for the same data.
    pub(crate) fn canonical(self) -> Value {
        match self {
            J::V(v) => canonical_value(v),
            J::D(doc, node) => doc.to_value(node),
        }
    }
}

impl fmt::Display for J<'_> {
    /// Compact JSON, like `serde_json::Value`'s `Display`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            J::V(v) => fmt::Display::fmt(v, f),
            J::D(doc, node) => fmt::Display::fmt(&doc.to_value(*node), f),
        }
    }
}

impl<'a> Obj<'a> {
    pub(crate) fn get(self, key: &str) -> Option<J<'a>> {
        match self {
            Obj::V(m) => m.get(key).map(J::V),
            Obj::D(doc, entries) => doc.find(entries, key).map(|e| J::D(doc, e.value())),
        }
    }

    pub(crate) fn contains_key(self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn len(self) -> usize {
        match self {
            Obj::V(m) => m.len(),
            Obj::D(_, entries) => entries.len(),
        }
    }

    pub(crate) fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Members in key order.
    pub(crate) fn iter(self) -> ObjIter<'a> {
        match self {
            Obj::V(m) => ObjIter::V(m.iter()),
            Obj::D(doc, entries) => ObjIter::D(doc, entries.iter()),
        }
    }

    pub(crate) fn keys(self) -> impl Iterator<Item = &'a str> {
        self.iter().map(|(k, _)| k)
    }

    /// The object as a `serde_json` map in canonical form.
    pub(crate) fn canonical(self) -> Value {
        match self {
            Obj::V(m) => canonical_value(&Value::Object(m.clone())),
            Obj::D(doc, entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| (doc.key_str(e).to_owned(), doc.to_value(e.value())))
                    .collect(),
            ),
        }
    }
}

impl<'a> IntoIterator for Obj<'a> {
    type Item = (&'a str, J<'a>);
    type IntoIter = ObjIter<'a>;
    fn into_iter(self) -> ObjIter<'a> {
        self.iter()
    }
}

/// Iterator over an object's members, in key order.
pub(crate) enum ObjIter<'a> {
    V(serde_json::map::Iter<'a>),
    D(&'a Document<'a>, std::slice::Iter<'a, Entry>),
}

impl<'a> Iterator for ObjIter<'a> {
    type Item = (&'a str, J<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            ObjIter::V(it) => it.next().map(|(k, v)| (k.as_str(), J::V(v))),
            ObjIter::D(doc, it) => {
                let doc: &'a Document<'a> = doc;
                it.next().map(|e| (doc.key_str(e), J::D(doc, e.value())))
            }
        }
    }
}

impl<'a> Arr<'a> {
    pub(crate) fn len(self) -> usize {
        match self {
            Arr::V(a) => a.len(),
            Arr::D(_, items) => items.len(),
        }
    }

    pub(crate) fn get(self, i: usize) -> Option<J<'a>> {
        match self {
            Arr::V(a) => a.get(i).map(J::V),
            Arr::D(doc, items) => items.get(i).map(|n| J::D(doc, *n)),
        }
    }

    pub(crate) fn iter(self) -> ArrIter<'a> {
        match self {
            Arr::V(a) => ArrIter::V(a.iter()),
            Arr::D(doc, items) => ArrIter::D(doc, items.iter()),
        }
    }
}

impl<'a> IntoIterator for Arr<'a> {
    type Item = J<'a>;
    type IntoIter = ArrIter<'a>;
    fn into_iter(self) -> ArrIter<'a> {
        self.iter()
    }
}

/// Iterator over an array's elements.
pub(crate) enum ArrIter<'a> {
    V(std::slice::Iter<'a, Value>),
    D(&'a Document<'a>, std::slice::Iter<'a, Node>),
}

impl<'a> Iterator for ArrIter<'a> {
    type Item = J<'a>;
    fn next(&mut self) -> Option<J<'a>> {
        match self {
            ArrIter::V(it) => it.next().map(J::V),
            ArrIter::D(doc, it) => {
                let doc: &'a Document<'a> = doc;
                it.next().map(|n| J::D(doc, *n))
            }
        }
    }
}
