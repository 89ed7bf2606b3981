//! JSON Schema (all drafts, plus the OpenAPI 3.0 and Swagger 2.0 schema dialects) →
//! Shape IR. The single place where schemas are lowered.
//!
//! Lowering is linear in the document: a `$ref` is never expanded. Its target is
//! queued, lowered once into the shared table (keyed `#` + JSON Pointer of the target's
//! location), and the referring node keeps `$ref: <id>`. Because targets are lowered
//! from a work queue rather than by recursion, a chain of a thousand references costs
//! no stack, and a recursive schema is a back-edge in the table, not an infinite tree.
//! References that only point at each other (`A = $ref B`, `B = $ref A`) have no base
//! case and are `E_REF_CYCLE`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;

use serde_json::{Number, Value};

use super::refs::{fragment_pointer, push, push_into, resolve_pointer_view};
use super::view::{J, Kind, Obj};
use crate::error::{Error, Location, Result};
use crate::parse::Limits;
use crate::shape::{Discriminator, JsonType, Node, Shape, TypeSet};

/// The schema dialect a document is written in. It decides how `nullable`,
/// `exclusiveMaximum`, `items` arrays, `id`/`$id` and `$ref` siblings are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// JSON Schema draft-04.
    Draft4,
    /// JSON Schema draft-06.
    Draft6,
    /// JSON Schema draft-07.
    Draft7,
    /// JSON Schema 2019-09.
    Draft2019,
    /// JSON Schema 2020-12 (also OpenAPI 3.1).
    Draft2020,
    /// OpenAPI 3.0 Schema Object (draft-04/05 subset, `nullable`, siblings of `$ref`
    /// ignored).
    OpenApi30,
    /// Swagger 2.0 Schema Object (draft-04 subset, `x-nullable`).
    Swagger2,
}

impl Dialect {
    /// The dialect named by a `$schema` URI, if it is one this crate knows.
    pub fn from_schema_uri(uri: &str) -> Option<Dialect> {
        let u = uri
            .trim_end_matches('#')
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        Some(match u {
            "json-schema.org/draft-04/schema" => Dialect::Draft4,
            "json-schema.org/draft-06/schema" => Dialect::Draft6,
            "json-schema.org/draft-07/schema" => Dialect::Draft7,
            "json-schema.org/draft/2019-09/schema" => Dialect::Draft2019,
            "json-schema.org/draft/2020-12/schema" => Dialect::Draft2020,
            _ => return None,
        })
    }

    /// True when keywords beside `$ref` are ignored by the specification (drafts up to
    /// 07, OpenAPI 3.0, Swagger 2.0). Annotations beside `$ref` are still kept, since a
    /// changed description is drift a reader cares about.
    fn ref_overrides_siblings(self) -> bool {
        !matches!(self, Dialect::Draft2019 | Dialect::Draft2020)
    }

    fn is_draft4_like(self) -> bool {
        matches!(
            self,
            Dialect::Draft4 | Dialect::OpenApi30 | Dialect::Swagger2
        )
    }
}

/// Keywords that only annotate: kept beside a `$ref` even in dialects where `$ref`
/// overrides its siblings.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "default",
    "examples",
    "example",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// Lowers schemas of one document into shapes, collecting referenced schemas into a
/// shared table (keyed by the `#`-fragment of their location) exactly once each.
pub struct SchemaLowerer<'doc> {
    root: J<'doc>,
    dialect: Dialect,
    limits: Limits,
    table: BTreeMap<String, Shape>,
    /// Targets known (queued or lowered), by id.
    known: BTreeSet<String>,
    queue: VecDeque<(String, J<'doc>, String)>,
    ids: Option<IdIndex>,
    /// Pointer buffers for children, reused (one per nesting level in use): building a
    /// child's pointer then costs no allocation.
    pointers: Vec<String>,
    /// Table ids of references already resolved, by base URI then reference text: a
    /// schema used N times is resolved once (resolution is a pure function of the base,
    /// the reference and the document), later uses cost one lookup and no allocation.
    ref_ids: HashMap<String, HashMap<String, String>>,
    /// The last pointer [`base_uri_of`](Self::base_uri_of) walked, with the value and
    /// base URI in force after each of its tokens: the next call (usually a sibling in
    /// the same operation) resumes from the longest shared prefix instead of the root.
    base_walk: BaseWalk<'doc>,
}

/// The memo of [`SchemaLowerer::base_uri_of`]: `pointer` and, for each of its tokens
/// that was found, (end of the token in `pointer`, value reached, base URI there).
#[derive(Default)]
struct BaseWalk<'doc> {
    pointer: String,
    steps: Vec<(usize, J<'doc>, String)>,
}

/// `$id`s and anchors of the document, built on first use.
#[derive(Default)]
struct IdIndex {
    /// Absolute resource URI (no fragment) → pointer of the resource.
    resources: HashMap<String, String>,
    /// (resource URI, anchor name) → pointer.
    anchors: HashMap<(String, String), String>,
}

impl<'doc> SchemaLowerer<'doc> {
    /// A lowerer for schemas inside `root`, read in `dialect`.
    pub fn new(root: &'doc Value, dialect: Dialect, limits: &Limits) -> Self {
        Self::new_view(J::V(root), dialect, limits)
    }

    /// A lowerer for schemas inside `root`, of either document representation.
    pub(crate) fn new_view(root: J<'doc>, dialect: Dialect, limits: &Limits) -> Self {
        SchemaLowerer {
            root,
            dialect,
            limits: *limits,
            table: BTreeMap::new(),
            known: BTreeSet::new(),
            queue: VecDeque::new(),
            ids: None,
            pointers: Vec::new(),
            ref_ids: HashMap::new(),
            base_walk: BaseWalk::default(),
        }
    }

    /// Lowers `schema`, found at JSON Pointer `pointer` in the document, and every
    /// schema it references that was not lowered yet.
    pub fn lower(&mut self, schema: &'doc Value, pointer: &str) -> Result<Shape> {
        self.lower_view(J::V(schema), pointer)
    }

    /// [`lower`](Self::lower) for either document representation.
    pub(crate) fn lower_view(&mut self, schema: J<'doc>, pointer: &str) -> Result<Shape> {
        let base = self.base_uri_of(pointer);
        let shape = self.lower_value(schema, pointer, &base, 0)?;
        self.drain()?;
        Ok(shape)
    }

    /// The shared schema table: every schema reached through a `$ref`.
    pub fn finish(self) -> BTreeMap<String, Shape> {
        self.table
    }

    /// Lowers queued reference targets until none are left, then rejects reference
    /// cycles without a base case.
    fn drain(&mut self) -> Result<()> {
        let mut lowered = Vec::new();
        while let Some((id, value, pointer)) = self.queue.pop_front() {
            let base = self.base_uri_of(&pointer);
            let shape = self.lower_value(value, &pointer, &base, 0)?;
            self.table.insert(id.clone(), shape);
            lowered.push(id);
        }
        for id in lowered {
            self.check_cycle(&id)?;
        }
        Ok(())
    }

    fn check_cycle(&self, start: &str) -> Result<()> {
        let mut chain = vec![start.to_owned()];
        let mut cur = start;
        while let Some(next) = self.table.get(cur).and_then(pure_reference) {
            if chain.iter().any(|c| c == next) {
                chain.push(next.to_owned());
                return Err(Error::RefCycle {
                    chain: chain.join(" -> "),
                    location: Location::at_pointer(start.trim_start_matches('#')),
                });
            }
            chain.push(next.to_owned());
            cur = next;
        }
        Ok(())
    }

    fn too_deep(&self, pointer: &str) -> Error {
        Error::TooDeep {
            limit: self.limits.max_depth,
            location: Location::at_pointer(pointer),
        }
    }

    fn lower_value(
        &mut self,
        v: J<'doc>,
        pointer: &str,
        base: &str,
        depth: usize,
    ) -> Result<Shape> {
        if depth > self.limits.max_depth {
            return Err(self.too_deep(pointer));
        }
        match v.kind() {
            Kind::Bool(b) => Ok(Shape::Bool(b)),
            Kind::Object(obj) => self.lower_object(obj, pointer, base, depth),
            _ => Err(Error::invalid(
                format!(
                    "a schema must be an object or a boolean, found {}",
                    kind_of(v)
                ),
                pointer,
            )),
        }
    }

    fn child(
        &mut self,
        v: J<'doc>,
        pointer: &str,
        key: &str,
        base: &str,
        depth: usize,
    ) -> Result<Shape> {
        let mut buf = self.pointers.pop().unwrap_or_default();
        buf.clear();
        push_into(&mut buf, pointer, key);
        let shape = self.lower_value(v, &buf, base, depth + 1);
        self.pointers.push(buf);
        shape
    }

    /// [`child`](Self::child) for an array element: the token is the index.
    fn child_at(
        &mut self,
        v: J<'doc>,
        pointer: &str,
        index: usize,
        base: &str,
        depth: usize,
    ) -> Result<Shape> {
        let mut buf = self.pointers.pop().unwrap_or_default();
        buf.clear();
        buf.push_str(pointer);
        // Writing into a String cannot fail.
        let _ = write!(buf, "/{index}");
        let shape = self.lower_value(v, &buf, base, depth + 1);
        self.pointers.push(buf);
        shape
    }

    fn lower_object(
        &mut self,
        obj: Obj<'doc>,
        pointer: &str,
        base: &str,
        depth: usize,
    ) -> Result<Shape> {
        let own_base;
        let base = match self.own_id(obj) {
            Some(id) => {
                own_base = resolve_uri(base, id);
                own_base.as_str()
            }
            None => base,
        };
        let (mut node, siblings_ignored) = self.start_node(obj, pointer, base)?;
        // Allocated only for the few schemas with numeric bounds.
        let mut bounds: Option<Box<Bounds>> = None;
        for (key, value) in obj {
            if siblings_ignored && !ANNOTATIONS.contains(&key) && !key.starts_with("x-") {
                continue;
            }
            if !self.subschema_keyword(&mut node, obj, key, value, pointer, base, depth)? {
                scalar_keyword(self.dialect, &mut node, &mut bounds, key, value, pointer)?;
            }
        }
        Ok(finish_object(node, bounds))
    }

    /// A fresh heap node carrying the object's `$ref`, and whether the dialect makes
    /// that `$ref` override its siblings. (Kept out of `lower_object` so the recursive
    /// path's stack frames stay small.)
    #[inline(never)]
    fn start_node(
        &mut self,
        obj: Obj<'doc>,
        pointer: &str,
        base: &str,
    ) -> Result<(Box<Node>, bool)> {
        let mut node = Box::<Node>::default();
        let reference = obj
            .get("$ref")
            .or_else(|| obj.get("$dynamicRef"))
            .or_else(|| obj.get("$recursiveRef"));
        let siblings_ignored = reference.is_some() && self.dialect.ref_overrides_siblings();
        if let Some(r) = reference {
            let r = r
                .as_str()
                .ok_or_else(|| Error::invalid("`$ref` must be a string", &push(pointer, "$ref")))?;
            node.reference = Some(self.reference(r, pointer, base)?);
        }
        Ok((node, siblings_ignored))
    }

    /// Applies a keyword whose value contains subschemas; false if `key` is not one.
    ///
    /// Each arm only dispatches: the recursive path goes through this frame, so it
    /// must stay small (a thousand-level schema must not need a big stack).
    #[allow(clippy::too_many_arguments)]
    fn subschema_keyword(
        &mut self,
        node: &mut Node,
        obj: Obj<'doc>,
        key: &'doc str,
        value: J<'doc>,
        pointer: &str,
        base: &str,
        depth: usize,
    ) -> Result<bool> {
        match key {
            "properties" | "patternProperties" | "dependentSchemas" => {
                self.schema_map(node, key, value, pointer, base, depth)?;
            }
            "dependencies" => self.dependencies(node, value, pointer, base, depth)?,
            "items" => self.items(node, obj, value, pointer, base, depth)?,
            "prefixItems" | "allOf" | "anyOf" | "oneOf" => {
                self.schema_list(node, key, value, pointer, base, depth)?;
            }
            "additionalProperties"
            | "unevaluatedProperties"
            | "propertyNames"
            | "unevaluatedItems"
            | "contains"
            | "contentSchema"
            | "not"
            | "if"
            | "then"
            | "else" => {
                self.single(node, key, value, pointer, base, depth)?;
            }
            "discriminator" => {
                node.rare_mut().discriminator =
                    Some(self.discriminator(value, &push(pointer, key))?);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn single(
        &mut self,
        node: &mut Node,
        key: &str,
        value: J<'doc>,
        pointer: &str,
        base: &str,
        depth: usize,
    ) -> Result<()> {
        let shape = self.child(value, pointer, key, base, depth)?;
        let slot = match key {
            "additionalProperties" => &mut node.additional_properties,
            "unevaluatedProperties" => &mut node.rare_mut().unevaluated_properties,
            "propertyNames" => &mut node.rare_mut().property_names,
            "unevaluatedItems" => &mut node.rare_mut().unevaluated_items,
            "contains" => &mut node.rare_mut().contains,
            "contentSchema" => &mut node.rare_mut().content_schema,
            "not" => &mut node.rare_mut().not,
            "if" => &mut node.rare_mut().if_schema,
            "then" => &mut node.rare_mut().then_schema,
            _ => &mut node.rare_mut().else_schema,
        };
        *slot = Some(shape);
        Ok(())
    }

    fn schema_map(
        &mut self,
        node: &mut Node,
        key: &str,
        value: J<'doc>,
        pointer: &str,
        base: &str,
        depth: usize,
    ) -> Result<()> {
        let at = push(pointer, key);
        for (name, sub) in expect_object(value, &at)? {
            let shape = self.child(sub, &at, name, base, depth + 1)?;
            let map = match key {
                "properties" => &mut node.properties,
                "patternProperties" => &mut node.rare_mut().pattern_properties,
                _ => &mut node.rare_mut().dependent_schemas,
            };
            map.insert(name.to_owned(), shape);
        }
        Ok(())
    }

    fn schema_list(
        &mut self,
        node: &mut Node,
        key: &str,
        value: J<'doc>,
        pointer: &str,
        base: &str,
        depth: usize,
    ) -> Result<()> {
        let at = push(pointer, key);
        let list = value
            .as_array()
            .ok_or_else(|| Error::invalid(format!("`{key}` must be an array"), &at))?;
        let mut shapes = Vec::with_capacity(list.len());
        for (i, sub) in list.iter().enumerate() {
            shapes.push(self.child_at(sub, &at, i, base, depth + 1)?);
        }
        match key {
            "prefixItems" => node.rare_mut().prefix_items = shapes,
            "allOf" => node.all_of = shapes,
            "anyOf" => node.any_of = shapes,
            _ => node.one_of = shapes,
        }
        Ok(())
    }

    fn dependencies(
        &mut self,
        node: &mut Node,
        value: J<'doc>,
        pointer: &str,
        base: &str,
        depth: usize,
    ) -> Result<()> {
        let at = push(pointer, "dependencies");
        for (name, dep) in expect_object(value, &at)? {
            if dep.is_array() {
                node.rare_mut()
                    .dependent_required
                    .insert(name.to_owned(), string_set(dep, || push(&at, name))?);
            } else {
                let shape = self.child(dep, &at, name, base, depth + 1)?;
                node.rare_mut()
                    .dependent_schemas
                    .insert(name.to_owned(), shape);
            }
        }
        Ok(())
    }

    /// `items`: a schema (the tail after `prefixItems`), or before 2020-12 an array
    /// (the tuple form, whose tail is `additionalItems`).
    fn items(
        &mut self,
        node: &mut Node,
        obj: Obj<'doc>,
        value: J<'doc>,
        pointer: &str,
        base: &str,
        depth: usize,
    ) -> Result<()> {
        match value.kind() {
            Kind::Array(_) if self.dialect != Dialect::Draft2020 => {
                let at = push(pointer, "items");
                for (i, sub) in value.as_array().into_iter().flatten().enumerate() {
                    let shape = self.child_at(sub, &at, i, base, depth + 1)?;
                    node.rare_mut().prefix_items.push(shape);
                }
                if let Some(tail) = obj.get("additionalItems") {
                    node.items = Some(self.child(tail, pointer, "additionalItems", base, depth)?);
                }
            }
            _ => node.items = Some(self.child(value, pointer, "items", base, depth)?),
        }
        Ok(())
    }

    fn discriminator(&self, value: J<'_>, at: &str) -> Result<Discriminator> {
        match value.kind() {
            // Swagger 2.0: the discriminator is just the property name.
            Kind::String(name) => Ok(Discriminator {
                mapping: BTreeMap::new(),
                property_name: name.to_owned(),
            }),
            Kind::Object(obj) => {
                let property_name = obj
                    .get("propertyName")
                    .and_then(J::as_str)
                    .ok_or_else(|| {
                        Error::invalid("`discriminator.propertyName` must be a string", at)
                    })?
                    .to_owned();
                let mut mapping = BTreeMap::new();
                if let Some(m) = obj.get("mapping") {
                    for (k, v) in expect_object(m, &push(at, "mapping"))? {
                        let target = expect_str(v, || push(&push(at, "mapping"), k))?;
                        // A bare name is a component schema name (OpenAPI).
                        let id = if target.starts_with('#') {
                            format!(
                                "#{}",
                                fragment_pointer(target, at).unwrap_or_else(|_| target.to_owned())
                            )
                        } else if !target.contains('/') && !target.contains('.') {
                            format!("#/components/schemas/{}", super::refs::escape_token(target))
                        } else {
                            target.to_owned()
                        };
                        mapping.insert(k.to_owned(), id);
                    }
                }
                Ok(Discriminator {
                    mapping,
                    property_name,
                })
            }
            _ => Err(Error::invalid("`discriminator` must be an object", at)),
        }
    }

    /// The `$id` of a schema object in this dialect, if any.
    fn own_id<'v>(&self, obj: Obj<'v>) -> Option<&'v str> {
        let id = obj.get("$id").and_then(J::as_str).or_else(|| {
            if self.dialect.is_draft4_like() {
                obj.get("id").and_then(J::as_str)
            } else {
                None
            }
        })?;
        // draft-06/07 plain-name fragment ids (`#foo`) are anchors, not resources.
        if id.starts_with('#') { None } else { Some(id) }
    }

    /// The base URI in force at a pointer: the innermost enclosing `$id`.
    ///
    /// Walks the pointer from the root, resuming from the memo of the previous walk at
    /// the longest prefix (ending at a token boundary) the two pointers share; the walk
    /// is a pure function of the prefix, so the result is the same as a fresh walk.
    fn base_uri_of(&mut self, pointer: &str) -> String {
        if !pointer.starts_with('/') {
            return self.root_base();
        }
        let memo = &mut self.base_walk;
        // Steps of the memo still valid: their token ends where `pointer` also has a
        // token boundary, and the text up to there is the same.
        let shared = memo
            .pointer
            .bytes()
            .zip(pointer.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let keep = memo
            .steps
            .iter()
            .take_while(|(end, ..)| {
                *end <= shared
                    && matches!(pointer.as_bytes().get(*end), None | Some(b'/'))
                    && matches!(memo.pointer.as_bytes().get(*end), None | Some(b'/'))
            })
            .count();
        memo.steps.truncate(keep);
        let (mut cur, mut base, mut at) = match memo.steps.last() {
            Some((end, value, base)) => (*value, base.clone(), *end),
            None => (self.root, self.root_base(), 0),
        };
        let mut steps = std::mem::take(&mut self.base_walk.steps);
        if at < pointer.len() {
            // `at` is 0 (before the leading `/`) or the end of a token (at a `/`).
            let tail = pointer.get(at + 1..).unwrap_or_default();
            for raw in tail.split('/') {
                at += 1 + raw.len();
                // Unescape only when needed: most tokens have no `~`.
                let token: std::borrow::Cow<'_, str> = if raw.contains('~') {
                    raw.replace("~1", "/").replace("~0", "~").into()
                } else {
                    raw.into()
                };
                let next = match cur.kind() {
                    Kind::Object(m) => m.get(token.as_ref()),
                    Kind::Array(a) => token.parse::<usize>().ok().and_then(|i| a.get(i)),
                    _ => None,
                };
                let Some(next) = next else { break };
                cur = next;
                if let Some(id) = cur.as_object().and_then(|o| self.own_id(o)) {
                    base = resolve_uri(&base, id);
                }
                steps.push((at, cur, base.clone()));
            }
        }
        self.base_walk.steps = steps;
        self.base_walk.pointer.clear();
        self.base_walk.pointer.push_str(pointer);
        base
    }

    /// The base URI of the document root: its own `$id`, if any.
    fn root_base(&self) -> String {
        match self.root.as_object().and_then(|o| self.own_id(o)) {
            Some(id) => resolve_uri("", id),
            None => String::new(),
        }
    }

    /// Resolves a reference and queues its target; returns the table id.
    fn reference(&mut self, reference: &str, pointer: &str, base: &str) -> Result<String> {
        if let Some(id) = self.ref_ids.get(base).and_then(|m| m.get(reference)) {
            return Ok(id.clone());
        }
        let id = self.resolve_and_queue(reference, pointer, base)?;
        self.ref_ids
            .entry(base.to_owned())
            .or_default()
            .insert(reference.to_owned(), id.clone());
        Ok(id)
    }

    /// [`reference`](Self::reference) without the memo.
    fn resolve_and_queue(&mut self, reference: &str, pointer: &str, base: &str) -> Result<String> {
        let at = push(pointer, "$ref");
        let target_pointer = self.resolve_reference(reference, base, &at)?;
        let id = format!("#{target_pointer}");
        if self.known.contains(&id) {
            // Resolved (and queued) at its first use: no need to walk the pointer again.
            return Ok(id);
        }
        let Some(target) = resolve_pointer_view(self.root, &target_pointer) else {
            return Err(Error::RefUnresolved {
                reference: reference.to_owned(),
                location: Location::at_pointer(at),
            });
        };
        if self.known.insert(id.clone()) {
            self.queue.push_back((id.clone(), target, target_pointer));
        }
        Ok(id)
    }

    /// Turns a reference into a pointer inside this document.
    fn resolve_reference(&mut self, reference: &str, base: &str, at: &str) -> Result<String> {
        let absolute = resolve_uri(base, reference);
        let (resource, fragment) = match absolute.split_once('#') {
            Some((r, f)) => (r.to_owned(), f.to_owned()),
            None => (absolute.clone(), String::new()),
        };
        let root_base = self.root_base();
        let resource_pointer = if resource.is_empty() || resource == root_base {
            String::new()
        } else {
            match self.index().resources.get(&resource) {
                Some(p) => p.clone(),
                None => {
                    return Err(Error::RefExternal {
                        reference: reference.to_owned(),
                        location: Location::at_pointer(at),
                    });
                }
            }
        };
        if fragment.is_empty() || fragment.starts_with('/') {
            let inner = fragment_pointer(&format!("#{fragment}"), at)?;
            return Ok(format!("{resource_pointer}{inner}"));
        }
        // A plain-name fragment: an anchor.
        let key = (resource, fragment);
        self.index()
            .anchors
            .get(&key)
            .cloned()
            .ok_or_else(|| Error::RefUnresolved {
                reference: reference.to_owned(),
                location: Location::at_pointer(at),
            })
    }

    fn index(&mut self) -> &IdIndex {
        if self.ids.is_none() {
            self.ids = Some(self.build_index());
        }
        self.ids.get_or_insert_with(IdIndex::default)
    }

    /// Walks the document once (iteratively) collecting `$id`s and anchors.
    fn build_index(&self) -> IdIndex {
        let mut index = IdIndex::default();
        let mut stack: Vec<(J<'doc>, String, String)> =
            vec![(self.root, String::new(), String::new())];
        while let Some((v, pointer, base)) = stack.pop() {
            match v.kind() {
                Kind::Object(obj) => {
                    let mut base = base;
                    if let Some(id) = self.own_id(obj) {
                        base = resolve_uri(&base, id);
                        let resource = base.split('#').next().unwrap_or_default().to_owned();
                        index
                            .resources
                            .entry(resource)
                            .or_insert_with(|| pointer.clone());
                    }
                    let resource = base.split('#').next().unwrap_or_default().to_owned();
                    let mut anchors: Vec<String> = Vec::new();
                    for key in ["$anchor", "$dynamicAnchor"] {
                        if let Some(a) = obj.get(key).and_then(J::as_str) {
                            anchors.push(a.to_owned());
                        }
                    }
                    if let Some(frag) = obj
                        .get("$id")
                        .and_then(J::as_str)
                        .and_then(|i| i.strip_prefix('#'))
                    {
                        anchors.push(frag.to_owned());
                    }
                    for a in anchors {
                        index
                            .anchors
                            .entry((resource.clone(), a))
                            .or_insert_with(|| pointer.clone());
                    }
                    for (k, child) in obj {
                        stack.push((child, push(&pointer, k), base.clone()));
                    }
                }
                Kind::Array(list) => {
                    for (i, child) in list.iter().enumerate() {
                        stack.push((child, push(&pointer, &i.to_string()), base.clone()));
                    }
                }
                _ => {}
            }
        }
        index
    }
}

/// Applies a keyword whose value holds no subschema.
fn scalar_keyword(
    dialect: Dialect,
    node: &mut Node,
    bounds: &mut Option<Box<Bounds>>,
    key: &str,
    value: J<'_>,
    pointer: &str,
) -> Result<()> {
    let at = || push(pointer, key);
    match key {
        "$ref" | "$dynamicRef" | "$recursiveRef" => {}
        "type" => node.types = Some(parse_types(value, at)?),
        "nullable" if dialect == Dialect::OpenApi30 => {
            node.nullable |= expect_bool(value, at)?;
        }
        "x-nullable" if dialect == Dialect::Swagger2 => {
            node.nullable |= expect_bool(value, at)?;
        }
        "enum" => {
            let values = value
                .as_array()
                .ok_or_else(|| Error::invalid("`enum` must be an array", &at()))?;
            node.enum_values = Some(values.iter().map(J::canonical).collect());
        }
        "const" => node.const_value = Some(value.canonical()),
        "required" => match value.kind() {
            Kind::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let name = item.as_str().ok_or_else(|| {
                        Error::invalid("`required` must list strings", &push(&at(), &i.to_string()))
                    })?;
                    node.required.insert(name.to_owned());
                }
            }
            // draft-03 style `required: true` has no meaning here; keep it visible.
            _ => {
                node.rare_mut()
                    .unsupported
                    .insert(key.to_owned(), value.canonical());
            }
        },
        "minProperties" => node.rare_mut().min_properties = Some(expect_u64(value, at)?),
        "maxProperties" => node.rare_mut().max_properties = Some(expect_u64(value, at)?),
        "dependentRequired" => {
            for (name, list) in expect_object(value, &at())? {
                node.rare_mut()
                    .dependent_required
                    .insert(name.to_owned(), string_set(list, || push(&at(), name))?);
            }
        }
        "additionalItems" => {
            // Only meaningful beside an array-form `items` (handled there).
            // Without an array-form `items` it has no effect before 2020-12; in 2020-12
            // it is not a keyword at all.
            if dialect == Dialect::Draft2020 {
                node.rare_mut()
                    .unsupported
                    .insert(key.to_owned(), value.canonical());
            }
        }
        "minContains" => node.rare_mut().min_contains = Some(expect_u64(value, at)?),
        "maxContains" => node.rare_mut().max_contains = Some(expect_u64(value, at)?),
        "minItems" => node.rare_mut().min_items = Some(expect_u64(value, at)?),
        "maxItems" => node.rare_mut().max_items = Some(expect_u64(value, at)?),
        "uniqueItems" => node.rare_mut().unique_items = expect_bool(value, at)?,
        "minLength" => node.rare_mut().min_length = Some(expect_u64(value, at)?),
        "maxLength" => node.rare_mut().max_length = Some(expect_u64(value, at)?),
        "pattern" => node.rare_mut().pattern = Some(expect_str(value, at)?.to_owned()),
        "format" => node.format = Some(expect_str(value, at)?.to_owned()),
        "contentEncoding" => {
            node.rare_mut().content_encoding = Some(expect_str(value, at)?.to_owned())
        }
        "contentMediaType" => {
            node.rare_mut().content_media_type = Some(expect_str(value, at)?.to_owned())
        }
        "minimum" => bounds_of(bounds).minimum = Some(expect_number(value, at)?),
        "maximum" => bounds_of(bounds).maximum = Some(expect_number(value, at)?),
        "exclusiveMinimum" => match value.kind() {
            Kind::Bool(b) => bounds_of(bounds).exclusive_minimum_flag = b,
            _ => bounds_of(bounds).exclusive_minimum = Some(expect_number(value, at)?),
        },
        "exclusiveMaximum" => match value.kind() {
            Kind::Bool(b) => bounds_of(bounds).exclusive_maximum_flag = b,
            _ => bounds_of(bounds).exclusive_maximum = Some(expect_number(value, at)?),
        },
        "multipleOf" => {
            let n = expect_number(value, at)?;
            if n.as_f64().is_none_or(|f| f <= 0.0) {
                return Err(Error::invalid("`multipleOf` must be greater than 0", &at()));
            }
            node.rare_mut().multiple_of = Some(n);
        }
        "title" => node.title = Some(expect_str(value, at)?.to_owned()),
        "description" => node.description = Some(expect_str(value, at)?.to_owned()),
        "default" => node.default = Some(value.canonical()),
        "examples" => match value.kind() {
            Kind::Array(list) => node.examples.extend(list.iter().map(J::canonical)),
            _ => node.examples.push(value.canonical()),
        },
        "example" => node.examples.push(value.canonical()),
        "deprecated" => node.deprecated = expect_bool(value, at)?,
        "readOnly" => node.read_only = expect_bool(value, at)?,
        "writeOnly" => node.write_only = expect_bool(value, at)?,
        // Identification and structure: resolved through references, not kept.
        "$schema" | "$id" | "$anchor" | "$dynamicAnchor" | "$recursiveAnchor" | "$comment"
        | "$defs" | "definitions" | "$vocabulary" => {}
        "id" if dialect.is_draft4_like() && value.is_string() => {}
        // Documentation and XML mapping: not part of the value contract.
        "xml" | "externalDocs" => {}
        k if k.starts_with("x-") => {
            node.rare_mut()
                .extensions
                .insert(key.to_owned(), value.canonical());
        }
        _ => {
            node.rare_mut()
                .unsupported
                .insert(key.to_owned(), value.canonical());
        }
    }
    Ok(())
}

/// Applies bounds and canonical rules to a finished node.
#[inline(never)]
#[allow(clippy::boxed_local)] // boxed to keep the recursive caller's frame small
fn finish_object(mut node: Box<Node>, bounds: Option<Box<Bounds>>) -> Shape {
    match bounds {
        Some(b) => b.apply(&mut node),
        None => Bounds::default().apply(&mut node),
    }
    canonicalize(node)
}

fn bounds_of(bounds: &mut Option<Box<Bounds>>) -> &mut Bounds {
    bounds.get_or_insert_with(Box::default)
}

/// The target id if a table entry is nothing but a reference (plus annotations).
fn pure_reference(shape: &Shape) -> Option<&str> {
    let node = shape.node()?;
    let reference = node.reference.as_deref()?;
    node.constrains_nothing_but(true, false)
        .then_some(reference)
}

fn kind_of(v: J<'_>) -> &'static str {
    super::api_common::kind(v)
}

fn expect_object<'v>(v: J<'v>, at: &str) -> Result<Obj<'v>> {
    v.as_object()
        .ok_or_else(|| Error::invalid(format!("expected an object, found {}", kind_of(v)), at))
}

fn expect_str<'v>(v: J<'v>, at: impl Fn() -> String + Copy) -> Result<&'v str> {
    v.as_str()
        .ok_or_else(|| Error::invalid(format!("expected a string, found {}", kind_of(v)), &at()))
}

fn expect_bool(v: J<'_>, at: impl Fn() -> String + Copy) -> Result<bool> {
    v.as_bool()
        .ok_or_else(|| Error::invalid(format!("expected a boolean, found {}", kind_of(v)), &at()))
}

fn expect_u64(v: J<'_>, at: impl Fn() -> String + Copy) -> Result<u64> {
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    // `5.0` was normalized to 5 by the parser; anything else is invalid here.
    Err(Error::invalid(
        format!("expected a non-negative integer, found {v}"),
        &at(),
    ))
}

fn expect_number(v: J<'_>, at: impl Fn() -> String + Copy) -> Result<Number> {
    match v.kind() {
        Kind::Number => match v.canonical() {
            Value::Number(n) => Ok(n),
            _ => Err(Error::invalid("expected a number", &at())),
        },
        _ => Err(Error::invalid(
            format!("expected a number, found {}", kind_of(v)),
            &at(),
        )),
    }
}

fn string_set(v: J<'_>, at: impl Fn() -> String + Copy) -> Result<BTreeSet<String>> {
    let list = v
        .as_array()
        .ok_or_else(|| Error::invalid("expected an array of strings", &at()))?;
    list.iter()
        .map(|s| {
            s.as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::invalid("expected an array of strings", &at()))
        })
        .collect()
}

fn parse_types(v: J<'_>, at: impl Fn() -> String + Copy) -> Result<TypeSet> {
    let one = |s: J<'_>| -> Result<JsonType> {
        let name = s.as_str().ok_or_else(|| {
            Error::invalid("`type` must be a string or an array of strings", &at())
        })?;
        JsonType::from_name(name)
            .ok_or_else(|| Error::invalid(format!("unknown type {name:?}"), &at()))
    };
    match v.kind() {
        Kind::Array(list) => list.iter().map(one).collect(),
        _ => Ok(TypeSet::from([one(v)?])),
    }
}

/// Raw numeric bounds as written, turned into at most one lower and one upper bound.
#[derive(Default)]
struct Bounds {
    minimum: Option<Number>,
    maximum: Option<Number>,
    exclusive_minimum: Option<Number>,
    exclusive_maximum: Option<Number>,
    exclusive_minimum_flag: bool,
    exclusive_maximum_flag: bool,
}

/// A bound: value and whether it is exclusive.
type Bound = (Number, bool);

impl Bounds {
    fn apply(self, node: &mut Node) {
        let lower = tighter(
            self.minimum.map(|m| (m, self.exclusive_minimum_flag)),
            self.exclusive_minimum.map(|m| (m, true)),
            true,
        );
        let upper = tighter(
            self.maximum.map(|m| (m, self.exclusive_maximum_flag)),
            self.exclusive_maximum.map(|m| (m, true)),
            false,
        );
        set_bounds(node, lower, upper);
    }
}

fn tighter(a: Option<Bound>, b: Option<Bound>, lower: bool) -> Option<Bound> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => {
            let (fa, fb) = (a.0.as_f64().unwrap_or(0.0), b.0.as_f64().unwrap_or(0.0));
            if fa == fb {
                Some(if a.1 { a } else { b })
            } else if (fa > fb) == lower {
                Some(a)
            } else {
                Some(b)
            }
        }
    }
}

fn set_bounds(node: &mut Node, lower: Option<Bound>, upper: Option<Bound>) {
    node.rare_mut().minimum = None;
    node.rare_mut().exclusive_minimum = None;
    node.rare_mut().maximum = None;
    node.rare_mut().exclusive_maximum = None;
    let integer_only = node
        .types
        .as_ref()
        .is_some_and(|t| t.len() == 1 && t.contains(&JsonType::Integer));
    if let Some((n, exclusive)) = lower {
        match integer_bound(&n, exclusive, true, integer_only) {
            Some(i) => node.rare_mut().minimum = Some(i),
            None if exclusive => node.rare_mut().exclusive_minimum = Some(n),
            None => node.rare_mut().minimum = Some(n),
        }
    }
    if let Some((n, exclusive)) = upper {
        match integer_bound(&n, exclusive, false, integer_only) {
            Some(i) => node.rare_mut().maximum = Some(i),
            None if exclusive => node.rare_mut().exclusive_maximum = Some(n),
            None => node.rare_mut().maximum = Some(n),
        }
    }
}

/// For integer-only schemas, the equivalent inclusive integer bound.
fn integer_bound(n: &Number, exclusive: bool, lower: bool, integer_only: bool) -> Option<Number> {
    if !integer_only {
        return None;
    }
    let f = n.as_f64()?;
    let v = match (lower, exclusive) {
        (true, true) => f.floor() + 1.0,
        (true, false) => f.ceil(),
        (false, true) => f.ceil() - 1.0,
        (false, false) => f.floor(),
    };
    if !exclusive && f.fract() == 0.0 {
        return Some(n.clone());
    }
    crate::parse::normalize_float(v).filter(|x| x.is_i64() || x.is_u64())
}

fn get_lower(node: &Node) -> Option<Bound> {
    node.rare()
        .exclusive_minimum
        .clone()
        .map(|n| (n, true))
        .or_else(|| node.rare().minimum.clone().map(|n| (n, false)))
}

fn get_upper(node: &Node) -> Option<Bound> {
    node.rare()
        .exclusive_maximum
        .clone()
        .map(|n| (n, true))
        .or_else(|| node.rare().maximum.clone().map(|n| (n, false)))
}

/// Sort key for values and shapes: their canonical JSON.
fn canonical_key<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A branch that accepts exactly `null` (annotations aside).
fn is_null_branch(shape: &Shape) -> bool {
    shape.node().is_some_and(|n| {
        n.types
            .as_ref()
            .is_some_and(|t| t.len() == 1 && t.contains(&JsonType::Null))
            && !n.nullable
            && n.constrains_nothing_but(false, true)
    })
}

/// Does the node, ignoring the `nullable` flag, accept `null`?
fn accepts_null_without_flag(node: &Node) -> bool {
    node.types
        .as_ref()
        .is_none_or(|t| t.contains(&JsonType::Null))
        && node
            .enum_values
            .as_ref()
            .is_none_or(|e| e.contains(&Value::Null))
        && node.const_value.as_ref().is_none_or(Value::is_null)
        && node.reference.is_none()
        && node.all_of.is_empty()
        && node.any_of.is_empty()
        && node.one_of.is_empty()
        && node.rare().not.is_none()
}

/// Applies the canonical rules of the dialect (see `shape.rs`).
///
/// Works on the boxed node in place: a `Node` is large, and moving it by value through
/// each step cost a copy (and a fresh box at the end) per schema.
fn canonicalize(mut node: Box<Node>) -> Shape {
    // Types: integer ⊂ number; null next to other types is the nullable flag.
    if let Some(types) = &mut node.types {
        if types.contains(&JsonType::Number) {
            types.remove(&JsonType::Integer);
        }
        if types.len() > 1 && types.remove(&JsonType::Null) {
            node.nullable = true;
        }
        if types.is_empty() {
            return Shape::Bool(false);
        }
    }
    // Enum: canonical order, no duplicates; null folds into the nullable flag.
    if let Some(values) = node.enum_values.take() {
        let mut keyed: BTreeMap<String, Value> = BTreeMap::new();
        for v in values {
            keyed.entry(canonical_key(&v)).or_insert(v);
        }
        let had_null = keyed.remove("null").is_some();
        let mut others: Vec<Value> = keyed.into_values().collect();
        if had_null {
            match &node.types {
                // Typeless: null stays a listed value (the flag would not restrict the rest).
                None => {
                    others.push(Value::Null);
                    others.sort_by_cached_key(canonical_key);
                }
                Some(t) if t.len() == 1 && t.contains(&JsonType::Null) => {
                    // Only null is allowed by type; the enum adds nothing.
                    others.clear();
                    others.push(Value::Null);
                }
                Some(_) if node.nullable => {}
                // The type rejects null: listing it changes nothing.
                Some(_) => {}
            }
        }
        if others.is_empty() {
            if had_null && node.nullable {
                node.nullable = false;
                node.types = Some(TypeSet::from([JsonType::Null]));
            } else {
                return Shape::Bool(false);
            }
        } else if others == [Value::Null]
            && node
                .types
                .as_ref()
                .is_some_and(|t| t.contains(&JsonType::Null))
        {
            // `type: null` with `enum: [null]`: the enum is redundant.
        } else {
            node.enum_values = Some(others);
        }
    }
    if node.enum_values.as_ref().is_some_and(|e| e.len() == 1) && node.const_value.is_none() {
        node.const_value = node.enum_values.take().and_then(|mut e| e.pop());
    }
    if node.const_value.as_ref().is_some_and(Value::is_null)
        && node.types.is_none()
        && !node.nullable
    {
        node.const_value = None;
        node.types = Some(TypeSet::from([JsonType::Null]));
    }
    // Defaults that constrain nothing.
    for slot in [&mut node.additional_properties, &mut node.items] {
        if slot.as_ref().is_some_and(Shape::is_any) {
            *slot = None;
        }
    }
    if let Some(rare) = node.rare.as_mut() {
        if rare.min_length == Some(0) {
            rare.min_length = None;
        }
        if rare.min_items == Some(0) {
            rare.min_items = None;
        }
        if rare.min_properties == Some(0) {
            rare.min_properties = None;
        }
        if rare.min_contains == Some(1) {
            rare.min_contains = None;
        }
        for slot in [
            &mut rare.unevaluated_properties,
            &mut rare.property_names,
            &mut rare.unevaluated_items,
            &mut rare.additional_items,
        ] {
            if slot.as_ref().is_some_and(Shape::is_any) {
                *slot = None;
            }
        }
        if rare
            .not
            .as_ref()
            .is_some_and(|n| matches!(n, Shape::Bool(false)))
        {
            rare.not = None;
        }
    }
    // Composition.
    match fold_compositions(node) {
        Some(node) => finish_node(node),
        None => Shape::Bool(false),
    }
}

fn finish_node(mut node: Box<Node>) -> Shape {
    if node.nullable && accepts_null_without_flag(&node) {
        node.nullable = false;
    }
    if node.nullable
        && node
            .types
            .as_ref()
            .is_some_and(|t| t.len() == 1 && t.contains(&JsonType::Null))
    {
        node.nullable = false;
    }
    if *node == Node::default() {
        Shape::Bool(true)
    } else {
        Shape::Node(node)
    }
}

/// Folds `allOf`/`anyOf`/`oneOf` into the node where that is sound. `None` means the
/// node accepts nothing.
fn fold_compositions(mut node: Box<Node>) -> Option<Box<Node>> {
    // anyOf / oneOf: null branches become the nullable flag.
    for which in [0, 1] {
        let branches = std::mem::take(if which == 0 {
            &mut node.any_of
        } else {
            &mut node.one_of
        });
        if branches.is_empty() {
            continue;
        }
        let (nulls, mut rest): (Vec<Shape>, Vec<Shape>) =
            branches.into_iter().partition(is_null_branch);
        if which == 0 && rest.iter().any(Shape::is_any) {
            // anyOf with a `true` branch accepts everything.
            continue;
        }
        rest.retain(|b| !matches!(b, Shape::Bool(false)));
        if !nulls.is_empty() {
            if accepts_null_without_flag(&node) || node.nullable {
                node.nullable = true;
            }
            if rest.is_empty() {
                // Only null branches: the node accepts null and nothing else.
                if node.nullable {
                    node.nullable = false;
                    node.types = Some(TypeSet::from([JsonType::Null]));
                    continue;
                }
                return None;
            }
        } else if rest.is_empty() {
            return None;
        }
        if rest.len() == 1 {
            node.all_of.extend(rest);
        } else {
            rest.sort_by_cached_key(canonical_key);
            if which == 0 {
                node.any_of = rest;
            } else {
                node.one_of = rest;
            }
        }
    }
    // allOf: flatten, drop `true`, merge what can be merged.
    let members = std::mem::take(&mut node.all_of);
    let mut pending: Vec<Shape> = Vec::new();
    let mut queue: VecDeque<Shape> = members.into();
    while let Some(m) = queue.pop_front() {
        match m {
            Shape::Bool(true) => {}
            Shape::Bool(false) => return None,
            Shape::Node(mut inner) => {
                if !inner.all_of.is_empty() {
                    queue.extend(std::mem::take(&mut inner.all_of));
                }
                pending.push(Shape::Node(inner));
            }
        }
    }
    pending.sort_by_cached_key(canonical_key);
    let mut unmerged = Vec::new();
    for m in pending {
        let Shape::Node(inner) = m else { continue };
        match merge(&node, &inner, Conjunction::Member) {
            Some(merged) => *node = merged,
            None => unmerged.push(Shape::Node(inner)),
        }
    }
    node.all_of = unmerged;
    Some(node)
}

/// How two nodes are being conjoined.
#[derive(Clone, Copy)]
enum Conjunction {
    /// Folding an `allOf` member `b` into its node `a` (whose `nullable` flag applies
    /// on top of the whole conjunction).
    Member,
    /// `a ∧ b` of two complete shapes.
    Symmetric,
}

/// The conjunction of two nodes as one node, when that is sound; `None` otherwise.
fn merge(a: &Node, b: &Node, mode: Conjunction) -> Option<Node> {
    // Keywords whose meaning depends on sibling keywords: merging would change them.
    let closes = |n: &Node| {
        n.additional_properties.is_some()
            || n.rare().unevaluated_properties.is_some()
            || n.rare().unevaluated_items.is_some()
    };
    if closes(a) || closes(b) {
        return None;
    }
    // The outer node's `nullable` sits outside the conjunction; a member's does not.
    let nullable = match mode {
        Conjunction::Member if !b.nullable => a.nullable,
        // (a ∧ (b ∨ null)): null survives only where `a` itself accepts null.
        Conjunction::Member if a.types.is_some() => a.nullable,
        Conjunction::Member if accepts_null_without_flag(a) => true,
        Conjunction::Member => return None,
        Conjunction::Symmetric if !a.nullable && !b.nullable => false,
        Conjunction::Symmetric
            if a.nullable && b.nullable && a.types.is_some() && b.types.is_some() =>
        {
            true
        }
        Conjunction::Symmetric => return None,
    };
    let mut out = a.clone();
    macro_rules! take_or_equal {
        ($field:ident) => {
            match (&out.$field, &b.$field) {
                (_, None) => {}
                (None, Some(x)) => out.$field = Some(x.clone()),
                (Some(x), Some(y)) if x == y => {}
                _ => return None,
            }
        };
    }
    take_or_equal!(reference);
    take_or_equal!(format);
    take_or_equal!(items);
    take_or_equal!(const_value);
    for (list_a, list_b) in [(&mut out.any_of, &b.any_of), (&mut out.one_of, &b.one_of)] {
        if !list_b.is_empty() {
            if list_a.is_empty() {
                *list_a = list_b.clone();
            } else if list_a != list_b {
                return None;
            }
        }
    }
    // Types: intersection.
    out.types = match (&a.types, &b.types) {
        (None, t) | (t, None) => *t,
        (Some(x), Some(y)) => {
            let mut both: TypeSet = x.intersection(y).copied().collect();
            if x.contains(&JsonType::Number) && y.contains(&JsonType::Integer) {
                both.insert(JsonType::Integer);
            }
            if y.contains(&JsonType::Number) && x.contains(&JsonType::Integer) {
                both.insert(JsonType::Integer);
            }
            if both.is_empty() {
                return None;
            }
            Some(both)
        }
    };
    out.nullable = nullable;
    // Enum: intersection.
    out.enum_values = match (&a.enum_values, &b.enum_values) {
        (None, e) | (e, None) => e.clone(),
        (Some(x), Some(y)) => Some(x.iter().filter(|v| y.contains(v)).cloned().collect()),
    };
    // The rare keywords: only when either side has one (both empty merge to empty).
    if !(a.rare.is_empty() && b.rare.is_empty()) && merge_rare(&mut out, a, b).is_none() {
        return None;
    }
    // Properties: union; a property in both is the conjunction of both.
    for (name, shape) in &b.properties {
        let merged = match out.properties.remove(name) {
            None => shape.clone(),
            Some(existing) => conjoin(existing, shape.clone()),
        };
        out.properties.insert(name.clone(), merged);
    }
    out.required.extend(b.required.iter().cloned());
    // Annotations: the outer node's win; otherwise the member's are kept.
    if out.title.is_none() {
        out.title = b.title.clone();
    }
    if out.description.is_none() {
        out.description = b.description.clone();
    }
    if out.default.is_none() {
        out.default = b.default.clone();
    }
    for e in &b.examples {
        if !out.examples.contains(e) {
            out.examples.push(e.clone());
        }
    }
    out.deprecated |= b.deprecated;
    out.read_only |= b.read_only;
    out.write_only |= b.write_only;
    out.all_of.extend(b.all_of.iter().cloned());
    Some(out)
}

/// The rare keywords of [`merge`]: `out` (a copy of `a`) takes `b`'s; `None` when they
/// cannot be merged. Runs after `out.types` is the merged type set (integer-only
/// bounds depend on it).
fn merge_rare(out: &mut Node, a: &Node, b: &Node) -> Option<()> {
    macro_rules! take_or_equal {
        ($field:ident) => {
            match (&out.rare().$field, &b.rare().$field) {
                (_, None) => {}
                (None, Some(x)) => out.rare_mut().$field = Some(x.clone()),
                (Some(x), Some(y)) if x == y => {}
                _ => return None,
            }
        };
    }
    take_or_equal!(pattern);
    take_or_equal!(multiple_of);
    take_or_equal!(content_encoding);
    take_or_equal!(content_media_type);
    take_or_equal!(content_schema);
    take_or_equal!(additional_items);
    take_or_equal!(contains);
    take_or_equal!(property_names);
    take_or_equal!(not);
    take_or_equal!(if_schema);
    take_or_equal!(then_schema);
    take_or_equal!(else_schema);
    take_or_equal!(discriminator);
    if !b.rare().prefix_items.is_empty() {
        if out.rare().prefix_items.is_empty() {
            out.rare_mut().prefix_items = b.rare().prefix_items.clone();
        } else if out.rare().prefix_items != b.rare().prefix_items {
            return None;
        }
    }
    // Bounds: the tighter of each.
    let lower = tighter(get_lower(a), get_lower(b), true);
    let upper = tighter(get_upper(a), get_upper(b), false);
    set_bounds(out, lower, upper);
    let (ra, rb) = (a.rare(), b.rare());
    let rare = out.rare_mut();
    rare.min_length = max_opt(ra.min_length, rb.min_length);
    rare.max_length = min_opt(ra.max_length, rb.max_length);
    rare.min_items = max_opt(ra.min_items, rb.min_items);
    rare.max_items = min_opt(ra.max_items, rb.max_items);
    rare.min_properties = max_opt(ra.min_properties, rb.min_properties);
    rare.max_properties = min_opt(ra.max_properties, rb.max_properties);
    rare.min_contains = max_opt(ra.min_contains, rb.min_contains);
    rare.max_contains = min_opt(ra.max_contains, rb.max_contains);
    rare.unique_items |= rb.unique_items;
    for (name, shape) in &rb.pattern_properties {
        if rare.pattern_properties.contains_key(name) {
            return None;
        }
        rare.pattern_properties.insert(name.clone(), shape.clone());
    }
    for (k, v) in &rb.dependent_required {
        rare.dependent_required
            .entry(k.clone())
            .or_default()
            .extend(v.iter().cloned());
    }
    for (k, v) in &rb.dependent_schemas {
        if rare.dependent_schemas.contains_key(k) {
            return None;
        }
        rare.dependent_schemas.insert(k.clone(), v.clone());
    }
    for (k, v) in &rb.unsupported {
        match rare.unsupported.get(k) {
            None => {
                rare.unsupported.insert(k.clone(), v.clone());
            }
            Some(x) if x == v => {}
            Some(_) => return None,
        }
    }
    for (k, v) in &rb.extensions {
        rare.extensions
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
    Some(())
}

/// Folds a referenced schema's node into the node that references it (`node` minus its
/// `$ref`, conjoined with the target), when that is sound. Used by the classifier to
/// compare a `$ref` with an inline schema.
pub(crate) fn inline_reference(node: &Node, target: &Node) -> Option<Node> {
    let local = Node {
        reference: None,
        ..node.clone()
    };
    merge(&local, target, Conjunction::Member)
}

/// `a ∧ b` as one shape.
fn conjoin(a: Shape, b: Shape) -> Shape {
    match (a, b) {
        (Shape::Bool(true), x) | (x, Shape::Bool(true)) => x,
        (Shape::Bool(false), _) | (_, Shape::Bool(false)) => Shape::Bool(false),
        (Shape::Node(x), Shape::Node(y)) => {
            if x == y {
                return Shape::Node(x);
            }
            match merge(&x, &y, Conjunction::Symmetric) {
                Some(m) => finish_node(Box::new(m)),
                None => {
                    let mut members = vec![Shape::Node(x), Shape::Node(y)];
                    members.sort_by_cached_key(canonical_key);
                    Shape::from_node(Node {
                        all_of: members,
                        ..Node::default()
                    })
                }
            }
        }
    }
}

fn max_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) | (None, x) => x,
    }
}

fn min_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) | (None, x) => x,
    }
}

/// Resolves a URI reference against a base (RFC 3986 §5.2, enough for `$id`/`$ref`).
fn resolve_uri(base: &str, reference: &str) -> String {
    if reference.is_empty() {
        return base.split('#').next().unwrap_or_default().to_owned();
    }
    if reference.starts_with('#') {
        let b = base.split('#').next().unwrap_or_default();
        return format!("{b}{reference}");
    }
    if has_scheme(reference) {
        return reference.to_owned();
    }
    let b = base.split('#').next().unwrap_or_default();
    if reference.starts_with("//") {
        let scheme = b.split_once(':').map(|(s, _)| s).unwrap_or("https");
        return format!("{scheme}:{reference}");
    }
    let (authority_end, path_start) = authority_span(b);
    if reference.starts_with('/') {
        return format!(
            "{}{}",
            b.get(..authority_end).unwrap_or_default(),
            remove_dots(reference)
        );
    }
    let path = b.get(path_start..).unwrap_or_default();
    let path = path.split('?').next().unwrap_or_default();
    let dir = match path.rfind('/') {
        Some(i) => path.get(..=i).unwrap_or_default(),
        None => "",
    };
    format!(
        "{}{}",
        b.get(..path_start).unwrap_or_default(),
        remove_dots(&format!("{dir}{reference}"))
    )
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => {
            let scheme = s.get(..i).unwrap_or_default();
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && scheme
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
        }
        None => false,
    }
}

/// (end of `scheme://authority`, start of the path) in an absolute URI.
fn authority_span(b: &str) -> (usize, usize) {
    if let Some(i) = b.find("://") {
        let after = i + 3;
        let end = b
            .get(after..)
            .and_then(|r| r.find('/'))
            .map_or(b.len(), |j| after + j);
        (end, end)
    } else if let Some(i) = b.find(':') {
        (i + 1, i + 1)
    } else {
        (0, 0)
    }
}

fn remove_dots(path: &str) -> String {
    let (path, rest) = match path.find(['#', '?']) {
        Some(i) => (
            path.get(..i).unwrap_or_default(),
            path.get(i..).unwrap_or_default(),
        ),
        None => (path, ""),
    };
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "." => {}
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
            }
            s => out.push(s),
        }
    }
    format!("{}{rest}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lower(doc: &Value, dialect: Dialect) -> Result<(Shape, BTreeMap<String, Shape>)> {
        let mut l = SchemaLowerer::new(doc, dialect, &Limits::default());
        let s = l.lower(doc, "")?;
        Ok((s, l.finish()))
    }

    fn shape(doc: Value) -> Value {
        let (s, _) = lower(&doc, Dialect::Draft2020).unwrap();
        serde_json::to_value(s).unwrap()
    }

    #[test]
    fn nullable_spellings_agree() {
        let expected = json!({"nullable": true, "type": ["string"]});
        assert_eq!(shape(json!({"type": ["string", "null"]})), expected);
        assert_eq!(
            shape(json!({"anyOf": [{"type": "string"}, {"type": "null"}]})),
            expected
        );
        assert_eq!(
            shape(json!({"oneOf": [{"type": "null"}, {"type": "string"}]})),
            expected
        );
        let (s, _) = lower(
            &json!({"type": "string", "nullable": true}),
            Dialect::OpenApi30,
        )
        .unwrap();
        assert_eq!(serde_json::to_value(s).unwrap(), expected);
        let (s, _) = lower(
            &json!({"type": "string", "x-nullable": true}),
            Dialect::Swagger2,
        )
        .unwrap();
        assert_eq!(serde_json::to_value(s).unwrap(), expected);
    }

    #[test]
    fn nullable_ref_spellings_agree() {
        let defs = json!({"A": {"type": "object"}});
        let a = json!({"$defs": defs, "anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]});
        let b = json!({"$defs": defs, "oneOf": [{"type": "null"}, {"$ref": "#/$defs/A"}]});
        let expected = json!({"$ref": "#/$defs/A", "nullable": true});
        assert_eq!(shape(a), expected);
        assert_eq!(shape(b), expected);
        let c = json!({"$defs": defs, "allOf": [{"$ref": "#/$defs/A"}], "nullable": true});
        let (s, table) = lower(&c, Dialect::OpenApi30).unwrap();
        assert_eq!(serde_json::to_value(s).unwrap(), expected);
        assert_eq!(
            serde_json::to_value(&table).unwrap(),
            json!({"#/$defs/A": {"type": ["object"]}})
        );
    }

    #[test]
    fn draft4_exclusive_bounds_equal_numeric_form() {
        let a = lower(
            &json!({"type": "number", "maximum": 5, "exclusiveMaximum": true}),
            Dialect::Draft4,
        )
        .unwrap()
        .0;
        let b = lower(
            &json!({"type": "number", "exclusiveMaximum": 5}),
            Dialect::Draft2020,
        )
        .unwrap()
        .0;
        assert_eq!(a, b);
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            json!({"exclusiveMaximum": 5, "type": ["number"]})
        );
        let i = shape(json!({"type": "integer", "exclusiveMinimum": 0, "maximum": 10.0}));
        assert_eq!(i, json!({"minimum": 1, "maximum": 10, "type": ["integer"]}));
        let both = shape(json!({"minimum": 3, "exclusiveMinimum": 3}));
        assert_eq!(both, json!({"exclusiveMinimum": 3}));
    }

    #[test]
    fn enum_sorted_deduped_and_single_is_const() {
        assert_eq!(
            shape(json!({"enum": ["b", "a", "b", 1]})),
            json!({"enum": ["a", "b", 1]})
        );
        assert_eq!(
            shape(json!({"enum": ["b", null]})),
            json!({"enum": ["b", null]})
        );
        assert_eq!(shape(json!({"enum": ["x"]})), json!({"const": "x"}));
        assert_eq!(
            shape(json!({"type": "string", "enum": ["a", null]})),
            json!({"type": ["string"], "const": "a"})
        );
        assert_eq!(
            shape(json!({"type": ["string", "null"], "enum": ["a", "b", null]})),
            json!({"type": ["string"], "nullable": true, "enum": ["a", "b"]})
        );
    }

    #[test]
    fn defaults_and_empty_schema() {
        assert_eq!(shape(json!({})), json!(true));
        assert_eq!(
            shape(json!({"minLength": 0, "additionalProperties": true, "items": {}})),
            json!(true)
        );
        assert_eq!(
            shape(json!({"type": ["integer", "number"]})),
            json!({"type": ["number"]})
        );
    }

    #[test]
    fn all_of_objects_merge() {
        let s = shape(json!({"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer", "minimum": 1}}, "required": ["b"]},
            {"properties": {"b": {"maximum": 9}}}
        ]}));
        assert_eq!(
            s,
            json!({"type": ["object"], "required": ["a", "b"], "properties": {
            "a": {"type": ["string"]}, "b": {"type": ["integer"], "minimum": 1, "maximum": 9}}})
        );
        // Closed objects are not merged (it would change their meaning).
        let s = shape(
            json!({"allOf": [{"properties": {"a": true}, "additionalProperties": false},
                                       {"properties": {"b": true}}]}),
        );
        assert_eq!(s["allOf"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn recursion_is_a_graph() {
        let doc = json!({"$defs": {"node": {"type": "object", "properties": {
            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
            "$ref": "#/$defs/node"});
        let (s, table) = lower(&doc, Dialect::Draft2020).unwrap();
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            json!({"$ref": "#/$defs/node"})
        );
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn ref_cycles_without_base_case_fail() {
        let doc = json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"});
        assert_eq!(
            lower(&doc, Dialect::Draft2020).unwrap_err().code(),
            "E_REF_CYCLE"
        );
        let doc = json!({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"});
        assert_eq!(
            lower(&doc, Dialect::Draft2020).unwrap_err().code(),
            "E_REF_CYCLE"
        );
        let doc = json!({"$ref": "#"});
        assert_eq!(
            lower(&doc, Dialect::Draft2020).unwrap_err().code(),
            "E_REF_CYCLE"
        );
    }

    #[test]
    fn long_ref_chain_uses_no_stack() {
        let mut defs = serde_json::Map::new();
        for i in 0..5000 {
            defs.insert(format!("s{i}"), json!({"type": "object", "properties": {
                "next": {"$ref": format!("#/$defs/s{}", i + 1)}, "me": {"$ref": format!("#/$defs/s{i}")}}}));
        }
        defs.insert("s5000".into(), json!({"type": "string"}));
        let doc = json!({"$defs": defs, "$ref": "#/$defs/s0"});
        let (_, table) = lower(&doc, Dialect::Draft2020).unwrap();
        assert_eq!(table.len(), 5001);
    }

    #[test]
    fn external_and_dangling_refs() {
        let doc = json!({"$ref": "http://169.254.169.254/latest/meta-data/"});
        assert_eq!(
            lower(&doc, Dialect::Draft2020).unwrap_err().code(),
            "E_REF_EXTERNAL"
        );
        let doc = json!({"properties": {"a": {"$ref": "#/$defs/missing"}}});
        let e = lower(&doc, Dialect::Draft2020).unwrap_err();
        assert_eq!(e.code(), "E_REF_UNRESOLVED");
        assert!(e.to_string().contains("/properties/a/$ref"), "{e}");
    }

    #[test]
    fn ids_and_anchors_resolve_locally() {
        let doc = json!({
            "$id": "https://example.com/root.json",
            "$defs": {
                "item": {"$id": "item.json", "type": "string"},
                "named": {"$anchor": "named", "type": "integer"}
            },
            "properties": {
                "a": {"$ref": "item.json"},
                "b": {"$ref": "https://example.com/item.json"},
                "c": {"$ref": "#named"},
                "d": {"$ref": "root.json#/$defs/named"}
            }
        });
        let (s, table) = lower(&doc, Dialect::Draft2020).unwrap();
        let v = serde_json::to_value(s).unwrap();
        assert_eq!(v["properties"]["a"], json!({"$ref": "#/$defs/item"}));
        assert_eq!(v["properties"]["b"], json!({"$ref": "#/$defs/item"}));
        assert_eq!(v["properties"]["c"], json!({"$ref": "#/$defs/named"}));
        assert_eq!(v["properties"]["d"], json!({"$ref": "#/$defs/named"}));
        assert_eq!(table.len(), 2);
        let doc = json!({"$id": "https://example.com/root.json", "$ref": "other.json"});
        assert_eq!(
            lower(&doc, Dialect::Draft2020).unwrap_err().code(),
            "E_REF_EXTERNAL"
        );
    }

    #[test]
    fn ref_siblings_follow_the_dialect() {
        let doc = json!({"$defs": {"a": {"type": "string"}}, "properties": {
            "x": {"$ref": "#/$defs/a", "maxLength": 3, "description": "kept"}}});
        let (s, _) = lower(&doc, Dialect::Draft7).unwrap();
        assert_eq!(
            serde_json::to_value(s).unwrap()["properties"]["x"],
            json!({"$ref": "#/$defs/a", "description": "kept"})
        );
        let (s, _) = lower(&doc, Dialect::Draft2020).unwrap();
        assert_eq!(
            serde_json::to_value(s).unwrap()["properties"]["x"],
            json!({"$ref": "#/$defs/a", "description": "kept", "maxLength": 3})
        );
    }

    #[test]
    fn tuple_items_across_drafts() {
        let old = lower(
            &json!({"items": [{"type": "string"}], "additionalItems": false}),
            Dialect::Draft7,
        )
        .unwrap()
        .0;
        let new = lower(
            &json!({"prefixItems": [{"type": "string"}], "items": false}),
            Dialect::Draft2020,
        )
        .unwrap()
        .0;
        assert_eq!(old, new);
    }

    #[test]
    fn dependencies_split() {
        let s = lower(
            &json!({"dependencies": {"a": ["b"], "c": {"required": ["d"]}}}),
            Dialect::Draft7,
        )
        .unwrap()
        .0;
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            json!({
            "dependentRequired": {"a": ["b"]}, "dependentSchemas": {"c": {"required": ["d"]}}})
        );
    }

    #[test]
    fn unknown_keywords_are_kept_and_invalid_types_rejected() {
        assert_eq!(
            shape(json!({"frobnicate": 3})),
            json!({"unsupported": {"frobnicate": 3}})
        );
        assert_eq!(
            lower(&json!({"type": "strnig"}), Dialect::Draft2020)
                .unwrap_err()
                .code(),
            "E_INVALID"
        );
        assert_eq!(
            lower(&json!({"properties": {"a": 3}}), Dialect::Draft2020)
                .unwrap_err()
                .code(),
            "E_INVALID"
        );
    }

    #[test]
    fn depth_limit_is_enforced_on_values_built_elsewhere() {
        let mut v = json!({"type": "string"});
        for _ in 0..300 {
            v = json!({"properties": {"a": v}});
        }
        let limits = Limits::default();
        let mut l = SchemaLowerer::new(&v, Dialect::Draft2020, &limits);
        assert_eq!(l.lower(&v, "").unwrap_err().code(), "E_TOO_DEEP");
    }

    #[test]
    fn uri_resolution() {
        assert_eq!(
            resolve_uri("https://a.com/x/y.json", "z.json"),
            "https://a.com/x/z.json"
        );
        assert_eq!(
            resolve_uri("https://a.com/x/y.json", "../z.json#/a"),
            "https://a.com/z.json#/a"
        );
        assert_eq!(
            resolve_uri("https://a.com/x/y.json", "/q.json"),
            "https://a.com/q.json"
        );
        assert_eq!(
            resolve_uri("https://a.com/x/y.json", "#foo"),
            "https://a.com/x/y.json#foo"
        );
        assert_eq!(resolve_uri("", "#/a"), "#/a");
        assert_eq!(resolve_uri("", "urn:x"), "urn:x");
    }
}
