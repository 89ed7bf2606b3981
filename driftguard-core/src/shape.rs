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

/// A set of [`JsonType`]s (the `type` keyword): a bit set, iterated in the order of
/// the variants (the canonical, alphabetical order), with the methods of the
/// `BTreeSet<JsonType>` it replaces. Serialized as a sorted array of type names.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TypeSet(u8);

impl TypeSet {
    const ALL: [JsonType; 7] = [
        JsonType::Array,
        JsonType::Boolean,
        JsonType::Integer,
        JsonType::Null,
        JsonType::Number,
        JsonType::Object,
        JsonType::String,
    ];

    /// The empty set.
    pub const fn new() -> TypeSet {
        TypeSet(0)
    }

    const fn bit(t: JsonType) -> u8 {
        1 << (t as u8)
    }

    /// True when `t` is in the set.
    pub fn contains(&self, t: &JsonType) -> bool {
        self.0 & Self::bit(*t) != 0
    }

    /// Adds `t`; true when it was not there.
    pub fn insert(&mut self, t: JsonType) -> bool {
        let had = self.contains(&t);
        self.0 |= Self::bit(t);
        !had
    }

    /// Removes `t`; true when it was there.
    pub fn remove(&mut self, t: &JsonType) -> bool {
        let had = self.contains(t);
        self.0 &= !Self::bit(*t);
        had
    }

    /// The number of types.
    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The types, in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = &'static JsonType> + use<> {
        let bits = self.0;
        Self::ALL.iter().filter(move |t| bits & Self::bit(**t) != 0)
    }

    /// The types in both sets, in canonical order.
    pub fn intersection(&self, other: &TypeSet) -> impl Iterator<Item = &'static JsonType> + use<> {
        TypeSet(self.0 & other.0).iter()
    }
}

impl<const N: usize> From<[JsonType; N]> for TypeSet {
    fn from(types: [JsonType; N]) -> TypeSet {
        types.into_iter().collect()
    }
}

impl FromIterator<JsonType> for TypeSet {
    fn from_iter<I: IntoIterator<Item = JsonType>>(iter: I) -> TypeSet {
        let mut set = TypeSet::new();
        for t in iter {
            set.insert(t);
        }
        set
    }
}

impl<'a> IntoIterator for &'a TypeSet {
    type Item = &'static JsonType;
    type IntoIter = Box<dyn Iterator<Item = &'static JsonType> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl std::fmt::Debug for TypeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for TypeSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for TypeSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<JsonType>::deserialize(deserializer).map(|v| v.into_iter().collect())
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
/// given"). The keywords most schemas use are fields here; the rarely used ones live in
/// [`RareKeywords`], behind one box that a node allocates only when it uses one of them
/// (read them with [`Node::rare`], write them with [`Node::rare_mut`]). This keeps the
/// common node small: a real API description has hundreds of thousands of them.
///
/// Serialized (and deserialized) as one flat JSON object with the keys in byte order,
/// exactly as if every keyword were a field here.
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // each field is the JSON Schema keyword of the same name
pub struct Node {
    /// Id of a shared schema this node must also satisfy.
    pub reference: Option<String>,
    pub additional_properties: Option<Shape>,
    pub all_of: Vec<Shape>,
    pub any_of: Vec<Shape>,
    pub const_value: Option<Value>,
    pub default: Option<Value>,
    pub deprecated: bool,
    pub description: Option<String>,
    pub enum_values: Option<Vec<Value>>,
    pub examples: Vec<Value>,
    pub format: Option<String>,
    /// Schema for array items after `prefixItems` (the open tail).
    pub items: Option<Shape>,
    /// The node also accepts `null` (see the module docs).
    pub nullable: bool,
    pub one_of: Vec<Shape>,
    pub properties: BTreeMap<String, Shape>,
    pub read_only: bool,
    pub required: BTreeSet<String>,
    pub title: Option<String>,
    pub types: Option<TypeSet>,
    pub write_only: bool,
    /// The rarely used keywords (see [`Node::rare`]).
    pub rare: Rare,
}

/// The rarely used keywords of a [`Node`], boxed apart so that the common node stays
/// small. Same meaning as the fields of [`Node`]: each is the JSON Schema keyword of
/// the same name in the canonical dialect.
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)] // each field is the JSON Schema keyword of the same name
pub struct RareKeywords {
    pub additional_items: Option<Shape>,
    pub contains: Option<Shape>,
    pub content_encoding: Option<String>,
    pub content_media_type: Option<String>,
    pub content_schema: Option<Shape>,
    pub dependent_required: BTreeMap<String, BTreeSet<String>>,
    pub dependent_schemas: BTreeMap<String, Shape>,
    pub discriminator: Option<Discriminator>,
    pub else_schema: Option<Shape>,
    pub exclusive_maximum: Option<Number>,
    pub exclusive_minimum: Option<Number>,
    /// `x-` extension keywords, verbatim.
    pub extensions: BTreeMap<String, Value>,
    pub if_schema: Option<Shape>,
    pub max_contains: Option<u64>,
    pub max_items: Option<u64>,
    pub max_length: Option<u64>,
    pub max_properties: Option<u64>,
    pub maximum: Option<Number>,
    pub min_contains: Option<u64>,
    pub min_items: Option<u64>,
    pub min_length: Option<u64>,
    pub min_properties: Option<u64>,
    pub minimum: Option<Number>,
    pub multiple_of: Option<Number>,
    pub not: Option<Shape>,
    pub pattern: Option<String>,
    pub pattern_properties: BTreeMap<String, Shape>,
    pub prefix_items: Vec<Shape>,
    pub property_names: Option<Shape>,
    pub then_schema: Option<Shape>,
    pub unevaluated_items: Option<Shape>,
    pub unevaluated_properties: Option<Shape>,
    pub unique_items: bool,
    /// Keywords the classifier does not model, verbatim (compared fail-closed).
    pub unsupported: BTreeMap<String, Value>,
}

/// The rare keywords of every node that uses none of them.
static NO_RARE_KEYWORDS: RareKeywords = RareKeywords {
    additional_items: None,
    contains: None,
    content_encoding: None,
    content_media_type: None,
    content_schema: None,
    dependent_required: BTreeMap::new(),
    dependent_schemas: BTreeMap::new(),
    discriminator: None,
    else_schema: None,
    exclusive_maximum: None,
    exclusive_minimum: None,
    extensions: BTreeMap::new(),
    if_schema: None,
    max_contains: None,
    max_items: None,
    max_length: None,
    max_properties: None,
    maximum: None,
    min_contains: None,
    min_items: None,
    min_length: None,
    min_properties: None,
    minimum: None,
    multiple_of: None,
    not: None,
    pattern: None,
    pattern_properties: BTreeMap::new(),
    prefix_items: Vec::new(),
    property_names: None,
    then_schema: None,
    unevaluated_items: None,
    unevaluated_properties: None,
    unique_items: false,
    unsupported: BTreeMap::new(),
};

/// The box holding a node's [`RareKeywords`], allocated on first write.
///
/// Equality is by content: no box and a box of defaults are equal.
#[derive(Clone, Debug, Default)]
pub struct Rare(Option<Box<RareKeywords>>);

impl Rare {
    /// No rare keyword (no box).
    pub const NONE: Rare = Rare(None);

    /// The keywords (all absent when nothing was ever written).
    pub fn get(&self) -> &RareKeywords {
        self.0.as_deref().unwrap_or(&NO_RARE_KEYWORDS)
    }

    /// The keywords for writing (allocates the box on first use).
    pub fn get_mut(&mut self) -> &mut RareKeywords {
        self.0.get_or_insert_with(Box::default)
    }

    /// The keywords for writing, if the box exists (no allocation).
    pub fn as_mut(&mut self) -> Option<&mut RareKeywords> {
        self.0.as_deref_mut()
    }

    /// True when no rare keyword is set.
    pub fn is_empty(&self) -> bool {
        self.0.as_deref().is_none_or(|r| *r == NO_RARE_KEYWORDS)
    }
}

impl PartialEq for Rare {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            _ => self.get() == other.get(),
        }
    }
}

fn vec_empty<T>(v: &&Vec<T>) -> bool {
    v.is_empty()
}

fn map_empty<K, V>(v: &&BTreeMap<K, V>) -> bool {
    v.is_empty()
}

fn set_empty<T>(v: &&BTreeSet<T>) -> bool {
    v.is_empty()
}

/// The serialized form of a [`Node`]: every keyword, in byte order of its JSON name.
#[derive(Serialize)]
struct NodeOut<'a> {
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none")]
    reference: Option<&'a String>,
    #[serde(rename = "additionalItems", skip_serializing_if = "Option::is_none")]
    additional_items: Option<&'a Shape>,
    #[serde(
        rename = "additionalProperties",
        skip_serializing_if = "Option::is_none"
    )]
    additional_properties: Option<&'a Shape>,
    #[serde(rename = "allOf", skip_serializing_if = "vec_empty")]
    all_of: &'a Vec<Shape>,
    #[serde(rename = "anyOf", skip_serializing_if = "vec_empty")]
    any_of: &'a Vec<Shape>,
    #[serde(rename = "const", skip_serializing_if = "Option::is_none")]
    const_value: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contains: Option<&'a Shape>,
    #[serde(rename = "contentEncoding", skip_serializing_if = "Option::is_none")]
    content_encoding: Option<&'a String>,
    #[serde(rename = "contentMediaType", skip_serializing_if = "Option::is_none")]
    content_media_type: Option<&'a String>,
    #[serde(rename = "contentSchema", skip_serializing_if = "Option::is_none")]
    content_schema: Option<&'a Shape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<&'a Value>,
    #[serde(rename = "dependentRequired", skip_serializing_if = "map_empty")]
    dependent_required: &'a BTreeMap<String, BTreeSet<String>>,
    #[serde(rename = "dependentSchemas", skip_serializing_if = "map_empty")]
    dependent_schemas: &'a BTreeMap<String, Shape>,
    #[serde(skip_serializing_if = "is_false")]
    deprecated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discriminator: Option<&'a Discriminator>,
    #[serde(rename = "else", skip_serializing_if = "Option::is_none")]
    else_schema: Option<&'a Shape>,
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    enum_values: Option<&'a Vec<Value>>,
    #[serde(skip_serializing_if = "vec_empty")]
    examples: &'a Vec<Value>,
    #[serde(rename = "exclusiveMaximum", skip_serializing_if = "Option::is_none")]
    exclusive_maximum: Option<&'a Number>,
    #[serde(rename = "exclusiveMinimum", skip_serializing_if = "Option::is_none")]
    exclusive_minimum: Option<&'a Number>,
    #[serde(skip_serializing_if = "map_empty")]
    extensions: &'a BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'a String>,
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    if_schema: Option<&'a Shape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<&'a Shape>,
    #[serde(rename = "maxContains", skip_serializing_if = "Option::is_none")]
    max_contains: Option<&'a u64>,
    #[serde(rename = "maxItems", skip_serializing_if = "Option::is_none")]
    max_items: Option<&'a u64>,
    #[serde(rename = "maxLength", skip_serializing_if = "Option::is_none")]
    max_length: Option<&'a u64>,
    #[serde(rename = "maxProperties", skip_serializing_if = "Option::is_none")]
    max_properties: Option<&'a u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maximum: Option<&'a Number>,
    #[serde(rename = "minContains", skip_serializing_if = "Option::is_none")]
    min_contains: Option<&'a u64>,
    #[serde(rename = "minItems", skip_serializing_if = "Option::is_none")]
    min_items: Option<&'a u64>,
    #[serde(rename = "minLength", skip_serializing_if = "Option::is_none")]
    min_length: Option<&'a u64>,
    #[serde(rename = "minProperties", skip_serializing_if = "Option::is_none")]
    min_properties: Option<&'a u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    minimum: Option<&'a Number>,
    #[serde(rename = "multipleOf", skip_serializing_if = "Option::is_none")]
    multiple_of: Option<&'a Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not: Option<&'a Shape>,
    #[serde(skip_serializing_if = "is_false")]
    nullable: bool,
    #[serde(rename = "oneOf", skip_serializing_if = "vec_empty")]
    one_of: &'a Vec<Shape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern: Option<&'a String>,
    #[serde(rename = "patternProperties", skip_serializing_if = "map_empty")]
    pattern_properties: &'a BTreeMap<String, Shape>,
    #[serde(rename = "prefixItems", skip_serializing_if = "vec_empty")]
    prefix_items: &'a Vec<Shape>,
    #[serde(skip_serializing_if = "map_empty")]
    properties: &'a BTreeMap<String, Shape>,
    #[serde(rename = "propertyNames", skip_serializing_if = "Option::is_none")]
    property_names: Option<&'a Shape>,
    #[serde(rename = "readOnly", skip_serializing_if = "is_false")]
    read_only: bool,
    #[serde(skip_serializing_if = "set_empty")]
    required: &'a BTreeSet<String>,
    #[serde(rename = "then", skip_serializing_if = "Option::is_none")]
    then_schema: Option<&'a Shape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    types: Option<&'a TypeSet>,
    #[serde(rename = "unevaluatedItems", skip_serializing_if = "Option::is_none")]
    unevaluated_items: Option<&'a Shape>,
    #[serde(
        rename = "unevaluatedProperties",
        skip_serializing_if = "Option::is_none"
    )]
    unevaluated_properties: Option<&'a Shape>,
    #[serde(rename = "uniqueItems", skip_serializing_if = "is_false")]
    unique_items: bool,
    #[serde(skip_serializing_if = "map_empty")]
    unsupported: &'a BTreeMap<String, Value>,
    #[serde(rename = "writeOnly", skip_serializing_if = "is_false")]
    write_only: bool,
}

/// The deserialized form of a [`Node`] (flat, unknown keys rejected).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeIn {
    #[serde(rename = "$ref", default)]
    reference: Option<String>,
    #[serde(rename = "additionalItems", default)]
    additional_items: Option<Shape>,
    #[serde(rename = "additionalProperties", default)]
    additional_properties: Option<Shape>,
    #[serde(rename = "allOf", default)]
    all_of: Vec<Shape>,
    #[serde(rename = "anyOf", default)]
    any_of: Vec<Shape>,
    #[serde(rename = "const", default, deserialize_with = "present_value")]
    const_value: Option<Value>,
    #[serde(default)]
    contains: Option<Shape>,
    #[serde(rename = "contentEncoding", default)]
    content_encoding: Option<String>,
    #[serde(rename = "contentMediaType", default)]
    content_media_type: Option<String>,
    #[serde(rename = "contentSchema", default)]
    content_schema: Option<Shape>,
    #[serde(default, deserialize_with = "present_value")]
    default: Option<Value>,
    #[serde(rename = "dependentRequired", default)]
    dependent_required: BTreeMap<String, BTreeSet<String>>,
    #[serde(rename = "dependentSchemas", default)]
    dependent_schemas: BTreeMap<String, Shape>,
    #[serde(default)]
    deprecated: bool,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    discriminator: Option<Discriminator>,
    #[serde(rename = "else", default)]
    else_schema: Option<Shape>,
    #[serde(rename = "enum", default)]
    enum_values: Option<Vec<Value>>,
    #[serde(default)]
    examples: Vec<Value>,
    #[serde(rename = "exclusiveMaximum", default)]
    exclusive_maximum: Option<Number>,
    #[serde(rename = "exclusiveMinimum", default)]
    exclusive_minimum: Option<Number>,
    #[serde(default)]
    extensions: BTreeMap<String, Value>,
    #[serde(default)]
    format: Option<String>,
    #[serde(rename = "if", default)]
    if_schema: Option<Shape>,
    #[serde(default)]
    items: Option<Shape>,
    #[serde(rename = "maxContains", default)]
    max_contains: Option<u64>,
    #[serde(rename = "maxItems", default)]
    max_items: Option<u64>,
    #[serde(rename = "maxLength", default)]
    max_length: Option<u64>,
    #[serde(rename = "maxProperties", default)]
    max_properties: Option<u64>,
    #[serde(default)]
    maximum: Option<Number>,
    #[serde(rename = "minContains", default)]
    min_contains: Option<u64>,
    #[serde(rename = "minItems", default)]
    min_items: Option<u64>,
    #[serde(rename = "minLength", default)]
    min_length: Option<u64>,
    #[serde(rename = "minProperties", default)]
    min_properties: Option<u64>,
    #[serde(default)]
    minimum: Option<Number>,
    #[serde(rename = "multipleOf", default)]
    multiple_of: Option<Number>,
    #[serde(default)]
    not: Option<Shape>,
    #[serde(default)]
    nullable: bool,
    #[serde(rename = "oneOf", default)]
    one_of: Vec<Shape>,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(rename = "patternProperties", default)]
    pattern_properties: BTreeMap<String, Shape>,
    #[serde(rename = "prefixItems", default)]
    prefix_items: Vec<Shape>,
    #[serde(default)]
    properties: BTreeMap<String, Shape>,
    #[serde(rename = "propertyNames", default)]
    property_names: Option<Shape>,
    #[serde(rename = "readOnly", default)]
    read_only: bool,
    #[serde(default)]
    required: BTreeSet<String>,
    #[serde(rename = "then", default)]
    then_schema: Option<Shape>,
    #[serde(default)]
    title: Option<String>,
    #[serde(rename = "type", default)]
    types: Option<TypeSet>,
    #[serde(rename = "unevaluatedItems", default)]
    unevaluated_items: Option<Shape>,
    #[serde(rename = "unevaluatedProperties", default)]
    unevaluated_properties: Option<Shape>,
    #[serde(rename = "uniqueItems", default)]
    unique_items: bool,
    #[serde(default)]
    unsupported: BTreeMap<String, Value>,
    #[serde(rename = "writeOnly", default)]
    write_only: bool,
}

impl Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rare = self.rare();
        NodeOut {
            reference: self.reference.as_ref(),
            additional_items: rare.additional_items.as_ref(),
            additional_properties: self.additional_properties.as_ref(),
            all_of: &self.all_of,
            any_of: &self.any_of,
            const_value: self.const_value.as_ref(),
            contains: rare.contains.as_ref(),
            content_encoding: rare.content_encoding.as_ref(),
            content_media_type: rare.content_media_type.as_ref(),
            content_schema: rare.content_schema.as_ref(),
            default: self.default.as_ref(),
            dependent_required: &rare.dependent_required,
            dependent_schemas: &rare.dependent_schemas,
            deprecated: self.deprecated,
            description: self.description.as_ref(),
            discriminator: rare.discriminator.as_ref(),
            else_schema: rare.else_schema.as_ref(),
            enum_values: self.enum_values.as_ref(),
            examples: &self.examples,
            exclusive_maximum: rare.exclusive_maximum.as_ref(),
            exclusive_minimum: rare.exclusive_minimum.as_ref(),
            extensions: &rare.extensions,
            format: self.format.as_ref(),
            if_schema: rare.if_schema.as_ref(),
            items: self.items.as_ref(),
            max_contains: rare.max_contains.as_ref(),
            max_items: rare.max_items.as_ref(),
            max_length: rare.max_length.as_ref(),
            max_properties: rare.max_properties.as_ref(),
            maximum: rare.maximum.as_ref(),
            min_contains: rare.min_contains.as_ref(),
            min_items: rare.min_items.as_ref(),
            min_length: rare.min_length.as_ref(),
            min_properties: rare.min_properties.as_ref(),
            minimum: rare.minimum.as_ref(),
            multiple_of: rare.multiple_of.as_ref(),
            not: rare.not.as_ref(),
            nullable: self.nullable,
            one_of: &self.one_of,
            pattern: rare.pattern.as_ref(),
            pattern_properties: &rare.pattern_properties,
            prefix_items: &rare.prefix_items,
            properties: &self.properties,
            property_names: rare.property_names.as_ref(),
            read_only: self.read_only,
            required: &self.required,
            then_schema: rare.then_schema.as_ref(),
            title: self.title.as_ref(),
            types: self.types.as_ref(),
            unevaluated_items: rare.unevaluated_items.as_ref(),
            unevaluated_properties: rare.unevaluated_properties.as_ref(),
            unique_items: rare.unique_items,
            unsupported: &rare.unsupported,
            write_only: self.write_only,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let flat = NodeIn::deserialize(deserializer)?;
        let mut node = Node {
            reference: flat.reference,
            additional_properties: flat.additional_properties,
            all_of: flat.all_of,
            any_of: flat.any_of,
            const_value: flat.const_value,
            default: flat.default,
            deprecated: flat.deprecated,
            description: flat.description,
            enum_values: flat.enum_values,
            examples: flat.examples,
            format: flat.format,
            items: flat.items,
            nullable: flat.nullable,
            one_of: flat.one_of,
            properties: flat.properties,
            read_only: flat.read_only,
            required: flat.required,
            title: flat.title,
            types: flat.types,
            write_only: flat.write_only,
            rare: Rare::default(),
        };
        let rare = RareKeywords {
            additional_items: flat.additional_items,
            contains: flat.contains,
            content_encoding: flat.content_encoding,
            content_media_type: flat.content_media_type,
            content_schema: flat.content_schema,
            dependent_required: flat.dependent_required,
            dependent_schemas: flat.dependent_schemas,
            discriminator: flat.discriminator,
            else_schema: flat.else_schema,
            exclusive_maximum: flat.exclusive_maximum,
            exclusive_minimum: flat.exclusive_minimum,
            extensions: flat.extensions,
            if_schema: flat.if_schema,
            max_contains: flat.max_contains,
            max_items: flat.max_items,
            max_length: flat.max_length,
            max_properties: flat.max_properties,
            maximum: flat.maximum,
            min_contains: flat.min_contains,
            min_items: flat.min_items,
            min_length: flat.min_length,
            min_properties: flat.min_properties,
            minimum: flat.minimum,
            multiple_of: flat.multiple_of,
            not: flat.not,
            pattern: flat.pattern,
            pattern_properties: flat.pattern_properties,
            prefix_items: flat.prefix_items,
            property_names: flat.property_names,
            then_schema: flat.then_schema,
            unevaluated_items: flat.unevaluated_items,
            unevaluated_properties: flat.unevaluated_properties,
            unique_items: flat.unique_items,
            unsupported: flat.unsupported,
        };
        if rare != NO_RARE_KEYWORDS {
            *node.rare_mut() = rare;
        }
        Ok(node)
    }
}

impl Node {
    /// The rarely used keywords (all absent unless one was set).
    pub fn rare(&self) -> &RareKeywords {
        self.rare.get()
    }

    /// The rarely used keywords for writing (allocates their box on first use).
    pub fn rare_mut(&mut self) -> &mut RareKeywords {
        self.rare.get_mut()
    }

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
            additional_properties,
            all_of,
            any_of,
            const_value,
            default: _,
            deprecated: _,
            description: _,
            enum_values,
            examples: _,
            format,
            items,
            nullable,
            one_of,
            properties,
            read_only: _,
            required,
            title: _,
            types,
            write_only: _,
            rare: _,
        } = self;
        let RareKeywords {
            additional_items,
            contains,
            content_encoding,
            content_media_type,
            content_schema,
            dependent_required,
            dependent_schemas,
            discriminator,
            else_schema,
            exclusive_maximum,
            exclusive_minimum,
            extensions: _,
            if_schema,
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
            pattern,
            pattern_properties,
            prefix_items,
            property_names,
            then_schema,
            unevaluated_items,
            unevaluated_properties,
            unique_items,
            unsupported,
        } = self.rare();
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
        let rare = self.rare();
        let mut out: Vec<&Shape> = Vec::new();
        for s in [
            &rare.additional_items,
            &self.additional_properties,
            &rare.contains,
            &rare.content_schema,
            &rare.else_schema,
            &rare.if_schema,
            &self.items,
            &rare.not,
            &rare.property_names,
            &rare.then_schema,
            &rare.unevaluated_items,
            &rare.unevaluated_properties,
        ]
        .into_iter()
        .flatten()
        {
            out.push(s);
        }
        out.extend(self.all_of.iter());
        out.extend(self.any_of.iter());
        out.extend(self.one_of.iter());
        out.extend(rare.prefix_items.iter());
        out.extend(self.properties.values());
        out.extend(rare.pattern_properties.values());
        out.extend(rare.dependent_schemas.values());
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
        let mut all = Node {
            reference: Some("#/r".into()),
            additional_properties: Some(Shape::Bool(false)),
            all_of: vec![Shape::Bool(true)],
            any_of: vec![Shape::Bool(true)],
            const_value: Some(Value::Null),
            default: Some(Value::Null),
            deprecated: true,
            description: Some("d".into()),
            enum_values: Some(vec![Value::Null]),
            examples: vec![Value::Null],
            format: Some("f".into()),
            items: Some(Shape::Bool(true)),
            nullable: true,
            one_of: vec![Shape::Bool(true)],
            properties: [("a".to_owned(), Shape::Bool(true))].into(),
            read_only: true,
            required: BTreeSet::from(["a".to_owned()]),
            title: Some("t".into()),
            types: Some(TypeSet::from([JsonType::Object])),
            write_only: true,

            rare: Rare::default(),
        };
        *all.rare_mut() = RareKeywords {
            additional_items: Some(Shape::Bool(false)),
            contains: Some(Shape::Bool(true)),
            content_encoding: Some("base64".into()),
            content_media_type: Some("image/png".into()),
            content_schema: Some(Shape::Bool(true)),
            dependent_required: [("a".to_owned(), BTreeSet::from(["b".to_owned()]))].into(),
            dependent_schemas: [("a".to_owned(), Shape::Bool(true))].into(),
            discriminator: Some(Discriminator {
                mapping: [("k".to_owned(), "#/x".to_owned())].into(),
                property_name: "p".into(),
            }),
            else_schema: Some(Shape::Bool(true)),
            exclusive_maximum: Some(1.into()),
            exclusive_minimum: Some(1.into()),
            extensions: [("x-a".to_owned(), Value::Null)].into(),
            if_schema: Some(Shape::Bool(true)),
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
            pattern: Some("p".into()),
            pattern_properties: [("^a".to_owned(), Shape::Bool(true))].into(),
            prefix_items: vec![Shape::Bool(true)],
            property_names: Some(Shape::Bool(true)),
            then_schema: Some(Shape::Bool(true)),
            unevaluated_items: Some(Shape::Bool(true)),
            unevaluated_properties: Some(Shape::Bool(true)),
            unique_items: true,
            unsupported: [("foo".to_owned(), Value::Null)].into(),
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
