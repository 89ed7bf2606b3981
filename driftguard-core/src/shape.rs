//! The Shape IR: the one schema algebra every contract format lowers to.
//!
//! A [`Shape`] is either a boolean schema (`true` accepts anything, `false` nothing) or a
//! [`Node`]: a conjunction of constraints written in a canonical JSON-Schema-like dialect.
//! The dialect is JSON Schema 2020-12 with these canonical choices, so that every
//! equivalent spelling in the source has exactly one form here:
//!
//! - `type` is a sorted set; `integer` is dropped when `number` is present.
//! - `null` is never listed in `type` next to other types: "also accepts null" is the
//!   flag `nullable: true`, which means *(everything else in the node) or null*. The
//!   three source spellings (OpenAPI 3.0 `nullable`, `type: [T, "null"]`, a `oneOf`/
//!   `anyOf` with a null branch) all become this flag. A node accepting only null is
//!   `{"type": ["null"]}`.
//! - `$ref` is an id into the snapshot's shared schema table (never expanded), and
//!   means "and also satisfy that schema", as in 2020-12.
//! - A single-value `enum` is a `const`; enum values are sorted and deduplicated.
//! - Numeric bounds: at most one lower and one upper bound; draft-04 boolean
//!   `exclusiveMaximum` becomes the numeric form; for integer-only nodes an exclusive
//!   bound becomes the equivalent inclusive one.
//! - Default values are omitted (`minLength: 0`, `additionalProperties: true`,
//!   `uniqueItems: false`, an empty `{}` schema is `true`…).
//! - Keywords the classifier does not model are kept verbatim under `unsupported`, and
//!   `x-` extensions under `extensions`, so no change is ever silently lost.
//!
//! Struct fields are declared in byte order of their JSON names, so serializing a
//! [`Node`] directly yields canonical (sorted-key) JSON without an intermediate map.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

/// A schema: a boolean schema or a node of constraints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Shape {
    /// `true` accepts every value, `false` none.
    Bool(bool),
    /// A conjunction of constraints.
    Node(Box<Node>),
}

impl Shape {
    /// The schema that accepts everything.
    pub const ANY: Shape = Shape::Bool(true);

    /// The node of this shape, if it is not a boolean schema.
    pub fn node(&self) -> Option<&Node> {
        match self {
            Shape::Node(n) => Some(n),
            Shape::Bool(_) => None,
        }
    }

    /// True for the `true` schema.
    pub fn is_any(&self) -> bool {
        matches!(self, Shape::Bool(true))
    }

    /// Wraps a node, turning a node with no constraints into `true`.
    pub fn from_node(node: Node) -> Shape {
        if node == Node::default() {
            Shape::Bool(true)
        } else {
            Shape::Node(Box::new(node))
        }
    }

    /// A reference to an entry of the shared schema table.
    pub fn reference(id: impl Into<String>) -> Shape {
        Shape::Node(Box::new(Node {
            reference: Some(id.into()),
            ..Node::default()
        }))
    }
}

impl Default for Shape {
    fn default() -> Self {
        Shape::ANY
    }
}

/// A JSON type name.
///
/// Variants are declared in alphabetical order so that a sorted set of them serializes
/// in canonical order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    /// `array`
    Array,
    /// `boolean`
    Boolean,
    /// `integer` (a number with no fractional part)
    Integer,
    /// `null`
    Null,
    /// `number`
    Number,
    /// `object`
    Object,
    /// `string`
    String,
}

impl JsonType {
    /// Parses a JSON Schema type name.
    pub fn from_name(name: &str) -> Option<JsonType> {
        Some(match name {
            "array" => JsonType::Array,
            "boolean" => JsonType::Boolean,
            "integer" => JsonType::Integer,
            "null" => JsonType::Null,
            "number" => JsonType::Number,
            "object" => JsonType::Object,
            "string" => JsonType::String,
            _ => return None,
        })
    }

    /// The JSON Schema name of this type.
    pub fn name(self) -> &'static str {
        match self {
            JsonType::Array => "array",
            JsonType::Boolean => "boolean",
            JsonType::Integer => "integer",
            JsonType::Null => "null",
            JsonType::Number => "number",
            JsonType::Object => "object",
            JsonType::String => "string",
        }
    }
}

/// OpenAPI's `discriminator`: which property selects the `oneOf`/`anyOf` branch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discriminator {
    /// Property value → schema id (or reference as written when it is not local).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mapping: BTreeMap<String, String>,
    /// The property name.
    #[serde(rename = "propertyName")]
    pub property_name: String,
}

/// Reads a present JSON value, `null` included, as `Some` (a plain `Option<Value>`
/// would read `"const": null` as absent).
fn present_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A conjunction of schema constraints in the canonical dialect (see the module docs).
///
/// Every field is optional; absent means "no constraint" (or, for annotations, "not
/// given"). Field declaration order is the byte order of the JSON names.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is the JSON Schema keyword of the same name
pub struct Node {
    /// Id of a shared schema this node must also satisfy.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(
        rename = "additionalItems",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub additional_items: Option<Shape>,
    #[serde(
        rename = "additionalProperties",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub additional_properties: Option<Shape>,
    #[serde(rename = "allOf", default, skip_serializing_if = "Vec::is_empty")]
    pub all_of: Vec<Shape>,
    #[serde(rename = "anyOf", default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Shape>,
    #[serde(
        rename = "const",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_value"
    )]
    pub const_value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<Shape>,
    #[serde(
        rename = "contentEncoding",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_encoding: Option<String>,
    #[serde(
        rename = "contentMediaType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_media_type: Option<String>,
    #[serde(
        rename = "contentSchema",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_schema: Option<Shape>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_value"
    )]
    pub default: Option<Value>,
    #[serde(
        rename = "dependentRequired",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub dependent_required: BTreeMap<String, BTreeSet<String>>,
    #[serde(
        rename = "dependentSchemas",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub dependent_schemas: BTreeMap<String, Shape>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discriminator: Option<Discriminator>,
    #[serde(rename = "else", default, skip_serializing_if = "Option::is_none")]
    pub else_schema: Option<Shape>,
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Value>,
    #[serde(
        rename = "exclusiveMaximum",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exclusive_maximum: Option<Number>,
    #[serde(
        rename = "exclusiveMinimum",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exclusive_minimum: Option<Number>,
    /// `x-` extension keywords, verbatim.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(rename = "if", default, skip_serializing_if = "Option::is_none")]
    pub if_schema: Option<Shape>,
    /// Schema for array items after `prefixItems` (the open tail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Shape>,
    #[serde(
        rename = "maxContains",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_contains: Option<u64>,
    #[serde(rename = "maxItems", default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    #[serde(rename = "maxLength", default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    #[serde(
        rename = "maxProperties",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_properties: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<Number>,
    #[serde(
        rename = "minContains",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub min_contains: Option<u64>,
    #[serde(rename = "minItems", default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    #[serde(rename = "minLength", default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    #[serde(
        rename = "minProperties",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub min_properties: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<Number>,
    #[serde(
        rename = "multipleOf",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub multiple_of: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Shape>,
    /// The node also accepts `null` (see the module docs).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    #[serde(rename = "oneOf", default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<Shape>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(
        rename = "patternProperties",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub pattern_properties: BTreeMap<String, Shape>,
    #[serde(rename = "prefixItems", default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_items: Vec<Shape>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, Shape>,
    #[serde(
        rename = "propertyNames",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub property_names: Option<Shape>,
    #[serde(rename = "readOnly", default, skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub required: BTreeSet<String>,
    #[serde(rename = "then", default, skip_serializing_if = "Option::is_none")]
    pub then_schema: Option<Shape>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub types: Option<BTreeSet<JsonType>>,
    #[serde(
        rename = "unevaluatedItems",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub unevaluated_items: Option<Shape>,
    #[serde(
        rename = "unevaluatedProperties",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub unevaluated_properties: Option<Shape>,
    #[serde(rename = "uniqueItems", default, skip_serializing_if = "is_false")]
    pub unique_items: bool,
    /// Keywords the classifier does not model, verbatim (compared fail-closed).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unsupported: BTreeMap<String, Value>,
    #[serde(rename = "writeOnly", default, skip_serializing_if = "is_false")]
    pub write_only: bool,
}

impl Node {
    /// True when the node constrains nothing but annotations (title, description,
    /// default, examples, deprecated, readOnly/writeOnly, extensions): it accepts every
    /// value, like `true`.
    pub fn is_unconstrained(&self) -> bool {
        self.constrains_nothing_but(false, false)
    }

    /// [`is_unconstrained`](Self::is_unconstrained), optionally also ignoring
    /// `$ref` and `type`, without cloning the node. Every field is named, so a new
    /// field cannot be forgotten here.
    pub(crate) fn constrains_nothing_but(
        &self,
        ignore_reference: bool,
        ignore_types: bool,
    ) -> bool {
        let Node {
            reference,
            additional_items,
            additional_properties,
            all_of,
            any_of,
            const_value,
            contains,
            content_encoding,
            content_media_type,
            content_schema,
            default: _,
            dependent_required,
            dependent_schemas,
            deprecated: _,
            description: _,
            discriminator,
            else_schema,
            enum_values,
            examples: _,
            exclusive_maximum,
            exclusive_minimum,
            extensions: _,
            format,
            if_schema,
            items,
            max_contains,
            max_items,
            max_length,
            max_properties,
            maximum,
            min_contains,
            min_items,
            min_length,
            min_properties,
            minimum,
            multiple_of,
            not,
            nullable,
            one_of,
            pattern,
            pattern_properties,
            prefix_items,
            properties,
            property_names,
            read_only: _,
            required,
            then_schema,
            title: _,
            types,
            unevaluated_items,
            unevaluated_properties,
            unique_items,
            unsupported,
            write_only: _,
        } = self;
        (ignore_reference || reference.is_none())
            && (ignore_types || types.is_none())
            && additional_items.is_none()
            && additional_properties.is_none()
            && all_of.is_empty()
            && any_of.is_empty()
            && const_value.is_none()
            && contains.is_none()
            && content_encoding.is_none()
            && content_media_type.is_none()
            && content_schema.is_none()
            && dependent_required.is_empty()
            && dependent_schemas.is_empty()
            && discriminator.is_none()
            && else_schema.is_none()
            && enum_values.is_none()
            && exclusive_maximum.is_none()
            && exclusive_minimum.is_none()
            && format.is_none()
            && if_schema.is_none()
            && items.is_none()
            && max_contains.is_none()
            && max_items.is_none()
            && max_length.is_none()
            && max_properties.is_none()
            && maximum.is_none()
            && min_contains.is_none()
            && min_items.is_none()
            && min_length.is_none()
            && min_properties.is_none()
            && minimum.is_none()
            && multiple_of.is_none()
            && not.is_none()
            && !nullable
            && one_of.is_empty()
            && pattern.is_none()
            && pattern_properties.is_empty()
            && prefix_items.is_empty()
            && properties.is_empty()
            && property_names.is_none()
            && required.is_empty()
            && then_schema.is_none()
            && unevaluated_items.is_none()
            && unevaluated_properties.is_none()
            && !unique_items
            && unsupported.is_empty()
    }

    /// Every subschema directly inside this node, in a fixed order.
    pub fn subschemas(&self) -> Vec<&Shape> {
        let mut out: Vec<&Shape> = Vec::new();
        for s in [
            &self.additional_items,
            &self.additional_properties,
            &self.contains,
            &self.content_schema,
            &self.else_schema,
            &self.if_schema,
            &self.items,
            &self.not,
            &self.property_names,
            &self.then_schema,
            &self.unevaluated_items,
            &self.unevaluated_properties,
        ]
        .into_iter()
        .flatten()
        {
            out.push(s);
        }
        out.extend(self.all_of.iter());
        out.extend(self.any_of.iter());
        out.extend(self.one_of.iter());
        out.extend(self.prefix_items.iter());
        out.extend(self.properties.values());
        out.extend(self.pattern_properties.values());
        out.extend(self.dependent_schemas.values());
        out
    }

    /// Every `$ref` id used anywhere inside this node (including its own).
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut stack: Vec<&Node> = vec![self];
        while let Some(n) = stack.pop() {
            if let Some(r) = &n.reference {
                out.push(r.as_str());
            }
            for s in n.subschemas() {
                if let Shape::Node(child) = s {
                    stack.push(child);
                }
            }
        }
        out
    }

    /// True when the node accepts `null`: it has no type constraint, lists only `null`,
    /// or carries the `nullable` flag. (A `$ref` target may add more; this looks at the
    /// node alone.)
    pub fn accepts_null_locally(&self) -> bool {
        self.nullable
            || match &self.types {
                None => true,
                Some(t) => t.contains(&JsonType::Null),
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_fields_serialize_in_sorted_order() {
        let all = Node {
            reference: Some("#/r".into()),
            additional_items: Some(Shape::Bool(false)),
            additional_properties: Some(Shape::Bool(false)),
            all_of: vec![Shape::Bool(true)],
            any_of: vec![Shape::Bool(true)],
            const_value: Some(Value::Null),
            contains: Some(Shape::Bool(true)),
            content_encoding: Some("base64".into()),
            content_media_type: Some("image/png".into()),
            content_schema: Some(Shape::Bool(true)),
            default: Some(Value::Null),
            dependent_required: [("a".to_owned(), BTreeSet::from(["b".to_owned()]))].into(),
            dependent_schemas: [("a".to_owned(), Shape::Bool(true))].into(),
            deprecated: true,
            description: Some("d".into()),
            discriminator: Some(Discriminator {
                mapping: [("k".to_owned(), "#/x".to_owned())].into(),
                property_name: "p".into(),
            }),
            else_schema: Some(Shape::Bool(true)),
            enum_values: Some(vec![Value::Null]),
            examples: vec![Value::Null],
            exclusive_maximum: Some(1.into()),
            exclusive_minimum: Some(1.into()),
            extensions: [("x-a".to_owned(), Value::Null)].into(),
            format: Some("f".into()),
            if_schema: Some(Shape::Bool(true)),
            items: Some(Shape::Bool(true)),
            max_contains: Some(1),
            max_items: Some(1),
            max_length: Some(1),
            max_properties: Some(1),
            maximum: Some(1.into()),
            min_contains: Some(1),
            min_items: Some(1),
            min_length: Some(1),
            min_properties: Some(1),
            minimum: Some(1.into()),
            multiple_of: Some(1.into()),
            not: Some(Shape::Bool(true)),
            nullable: true,
            one_of: vec![Shape::Bool(true)],
            pattern: Some("p".into()),
            pattern_properties: [("^a".to_owned(), Shape::Bool(true))].into(),
            prefix_items: vec![Shape::Bool(true)],
            properties: [("a".to_owned(), Shape::Bool(true))].into(),
            property_names: Some(Shape::Bool(true)),
            read_only: true,
            required: BTreeSet::from(["a".to_owned()]),
            then_schema: Some(Shape::Bool(true)),
            title: Some("t".into()),
            types: Some(BTreeSet::from([JsonType::Object])),
            unevaluated_items: Some(Shape::Bool(true)),
            unevaluated_properties: Some(Shape::Bool(true)),
            unique_items: true,
            unsupported: [("foo".to_owned(), Value::Null)].into(),
            write_only: true,
        };
        let direct = serde_json::to_string(&all).unwrap();
        let via_map = serde_json::to_string(&serde_json::to_value(&all).unwrap()).unwrap();
        assert_eq!(
            direct, via_map,
            "Node fields must be declared in sorted order"
        );
        let back: Node = serde_json::from_str(&direct).unwrap();
        assert_eq!(back, all);
    }

    #[test]
    fn empty_node_is_true() {
        assert_eq!(Shape::from_node(Node::default()), Shape::ANY);
        assert_eq!(serde_json::to_string(&Shape::ANY).unwrap(), "true");
    }

    #[test]
    fn type_names_round_trip() {
        for t in [
            JsonType::Array,
            JsonType::Boolean,
            JsonType::Integer,
            JsonType::Null,
            JsonType::Number,
            JsonType::Object,
            JsonType::String,
        ] {
            assert_eq!(JsonType::from_name(t.name()), Some(t));
        }
    }
}
