//! Position-aware schema comparison.
//!
//! An input schema may only accept more (old ⊆ new); an output schema may only produce
//! less (new ⊆ old). Each keyword difference names a rule; the registry gives its
//! severity for the position, and where the catalog makes it conditional (a removed
//! property on an open object…) the engine decides here.
//!
//! Shared schemas: when both sides are `$ref`s, the pair of table entries is compared
//! once per position (a work queue, so chains of references cost no stack) and its
//! changes are re-emitted under every location that reaches the pair — once per
//! location, however many paths inside it lead there.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde_json::{Number, Value};

use super::{Ctx, Loc, Raw, Side, join_path, show};
use crate::classify::heuristics::scan_added_text;
use crate::classify::{Position, Profile, Severity};
use crate::normalize::refs::{escape_token, push_into};
use crate::normalize::schema::inline_reference;
use crate::shape::{JsonType, Node, Rare, Shape};

/// Options for one schema comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SchemaFlags {
    /// The schema is an MCP tool's `inputSchema` root: its top-level properties are
    /// the tool's parameters, and a new one is `mcp-tool-parameter-added`.
    pub tool_input_root: bool,
    /// Descriptions and titles inside are read by a model (MCP): changes to them run
    /// through the security heuristics.
    pub model_visible: bool,
}

/// A pair of shared schemas compared in a position.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct PairKey {
    old: String,
    new: String,
    position: Position,
    model_visible: bool,
}

/// What a comparison produced: a change (path relative to where the comparison
/// started) or a reference to a pair of shared schemas.
#[derive(Clone, Debug)]
enum Item {
    Change(Raw),
    Pair { path: String, key: PairKey },
}

/// Memo of shared-schema comparisons, and the items of each surface location.
#[derive(Default)]
pub(crate) struct SchemaState {
    pairs: HashMap<PairKey, Vec<Item>>,
    queue: VecDeque<PairKey>,
    /// Items of each `compare_schema` call, expanded at the end.
    locations: Vec<Vec<Item>>,
    dirty: Option<HashSet<PairKey>>,
    /// Table ids whose meaning may differ between the two snapshots (their own
    /// definition differs, or they reference such an id).
    unstable: Option<std::rc::Rc<HashSet<String>>>,
}

/// Ids whose definition differs between the tables, closed over "references".
fn unstable_ids(old: &BTreeMap<String, Shape>, new: &BTreeMap<String, Shape>) -> HashSet<String> {
    let mut reverse: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut stack: Vec<&str> = Vec::new();
    for table in [old, new] {
        for (id, shape) in table {
            if old.get(id) != new.get(id) {
                stack.push(id);
            }
            if let Shape::Node(n) = shape {
                for r in n.references() {
                    reverse.entry(r).or_default().push(id);
                }
            }
        }
    }
    let mut out: HashSet<String> = HashSet::new();
    while let Some(id) = stack.pop() {
        if out.insert(id.to_owned())
            && let Some(parents) = reverse.get(id)
        {
            stack.extend(parents.iter().copied());
        }
    }
    out
}

/// Most `$ref`s followed while comparing a reference with an inline schema.
const MAX_INLINE_REFS: usize = 32;

impl Ctx<'_> {
    /// Compares two schemas at a location in a position.
    pub(crate) fn compare_schema(
        &mut self,
        old: &Shape,
        new: &Shape,
        position: Position,
        loc: &Loc,
        flags: SchemaFlags,
    ) {
        let unstable = self.unstable();
        let mut items = Vec::new();
        {
            let mut cmp = Cmp {
                old_table: &self.old.schemas,
                new_table: &self.new.schemas,
                position,
                profile: self.profile,
                model_visible: flags.model_visible,
                out: &mut items,
                seen: &mut self.schemas.pairs,
                queue: &mut self.schemas.queue,
                inline_refs: 0,
                unstable: &unstable,
            };
            cmp.shape(old, new, &At::root(loc), flags.tool_input_root);
        }
        self.schemas.dirty = None;
        self.schemas.locations.push(items);
    }

    /// True when the two schemas (from the old and the new snapshot) would produce
    /// no change in `position`.
    pub(crate) fn schemas_equivalent(
        &mut self,
        old: &Shape,
        new: &Shape,
        position: Position,
    ) -> bool {
        let unstable = self.unstable();
        let mut items = Vec::new();
        {
            let mut cmp = Cmp {
                old_table: &self.old.schemas,
                new_table: &self.new.schemas,
                position,
                profile: self.profile,
                model_visible: false,
                out: &mut items,
                seen: &mut self.schemas.pairs,
                queue: &mut self.schemas.queue,
                inline_refs: 0,
                unstable: &unstable,
            };
            let root = Loc::new("", "", "");
            cmp.shape(old, new, &At::root(&root), false);
        }
        self.drain_pairs();
        let dirty = self.dirty_pairs();
        items.iter().all(|i| match i {
            Item::Change(_) => false,
            Item::Pair { key, .. } => !dirty.contains(key),
        })
    }

    /// Emits the changes of every compared location, expanding shared-schema pairs
    /// (once per location).
    pub(crate) fn expand_schema_changes(&mut self) {
        self.drain_pairs();
        let dirty = self.dirty_pairs();
        let locations = std::mem::take(&mut self.schemas.locations);
        for items in locations {
            let mut visited: HashSet<PairKey> = HashSet::new();
            let mut stack: Vec<(String, &[Item])> = vec![(String::new(), items.as_slice())];
            while let Some((prefix, list)) = stack.pop() {
                for item in list {
                    match item {
                        Item::Change(raw) => {
                            let mut raw = raw.clone();
                            raw.path = join_path(&prefix, &raw.path);
                            self.raw.push(raw);
                        }
                        Item::Pair { path, key } => {
                            if dirty.contains(key)
                                && visited.insert(key.clone())
                                && let Some(children) = self.schemas.pairs.get(key)
                            {
                                stack.push((join_path(&prefix, path), children.as_slice()));
                            }
                        }
                    }
                }
            }
        }
    }

    /// The ids whose meaning may differ (computed once).
    fn unstable(&mut self) -> std::rc::Rc<HashSet<String>> {
        let (old, new) = (&self.old.schemas, &self.new.schemas);
        self.schemas
            .unstable
            .get_or_insert_with(|| std::rc::Rc::new(unstable_ids(old, new)))
            .clone()
    }

    /// Compares every queued pair (each once).
    fn drain_pairs(&mut self) {
        while let Some(key) = self.schemas.queue.pop_front() {
            if self.schemas.pairs.get(&key).is_some_and(|v| !v.is_empty()) {
                continue;
            }
            let (Some(old), Some(new)) = (
                self.old.schemas.get(&key.old),
                self.new.schemas.get(&key.new),
            ) else {
                continue;
            };
            let loc = Loc::new(&table_pointer(&key.old), &table_pointer(&key.new), "");
            let unstable = self.unstable();
            let mut items = Vec::new();
            {
                let mut cmp = Cmp {
                    old_table: &self.old.schemas,
                    new_table: &self.new.schemas,
                    position: key.position,
                    profile: self.profile,
                    model_visible: key.model_visible,
                    out: &mut items,
                    seen: &mut self.schemas.pairs,
                    queue: &mut self.schemas.queue,
                    inline_refs: 0,
                    unstable: &unstable,
                };
                cmp.shape(old, new, &At::root(&loc), false);
            }
            self.schemas.pairs.insert(key, items);
            self.schemas.dirty = None;
        }
    }

    /// Pairs whose comparison, or that of a pair they reach, has a change.
    fn dirty_pairs(&mut self) -> HashSet<PairKey> {
        if let Some(d) = &self.schemas.dirty {
            return d.clone();
        }
        let mut reverse: HashMap<&PairKey, Vec<&PairKey>> = HashMap::new();
        let mut stack: Vec<&PairKey> = Vec::new();
        for (key, items) in &self.schemas.pairs {
            for item in items {
                match item {
                    Item::Change(_) => stack.push(key),
                    Item::Pair { key: child, .. } => reverse.entry(child).or_default().push(key),
                }
            }
        }
        let mut dirty: HashSet<PairKey> = HashSet::new();
        while let Some(k) = stack.pop() {
            if dirty.insert(k.clone())
                && let Some(parents) = reverse.get(k)
            {
                stack.extend(parents.iter().copied());
            }
        }
        self.schemas.dirty = Some(dirty.clone());
        dirty
    }
}

fn table_pointer(id: &str) -> String {
    format!("/schemas/{}", escape_token(id))
}

/// One comparison pass in one position.
struct Cmp<'t, 'o> {
    old_table: &'t BTreeMap<String, Shape>,
    new_table: &'t BTreeMap<String, Shape>,
    position: Position,
    profile: Profile,
    model_visible: bool,
    out: &'o mut Vec<Item>,
    seen: &'o mut HashMap<PairKey, Vec<Item>>,
    queue: &'o mut VecDeque<PairKey>,
    inline_refs: usize,
    unstable: &'o HashSet<String>,
}

static EMPTY: Node = Node {
    reference: None,
    additional_properties: None,
    all_of: Vec::new(),
    any_of: Vec::new(),
    const_value: None,
    default: None,
    deprecated: false,
    description: None,
    enum_values: None,
    examples: Vec::new(),
    format: None,
    items: None,
    nullable: false,
    one_of: Vec::new(),
    properties: BTreeMap::new(),
    read_only: false,
    required: BTreeSet::new(),
    title: None,
    types: None,
    write_only: false,
    rare: Rare::NONE,
};

fn json<T: serde::Serialize>(v: &T) -> Option<Value> {
    serde_json::to_value(v).ok()
}

fn num(n: &Number) -> f64 {
    n.as_f64().unwrap_or(0.0)
}

/// Non-null types a node allows; `None` = every type.
fn value_types(n: &Node) -> Option<BTreeSet<JsonType>> {
    let declared: Option<BTreeSet<JsonType>> = n
        .types
        .as_ref()
        .map(|t| t.iter().copied().filter(|t| *t != JsonType::Null).collect());
    // An enum or const fixes the types too: `const: 1` is an integer.
    let listed: Option<BTreeSet<JsonType>> = listed_values(n).map(|vals| {
        vals.iter()
            .filter_map(json_type_of)
            .filter(|t| *t != JsonType::Null)
            .collect()
    });
    match (declared, listed) {
        (None, l) => l,
        (d, None) => d,
        (Some(d), Some(l)) => Some(l.into_iter().filter(|t| covered(*t, &d)).collect()),
    }
}

/// The values an `enum`/`const` allows, if the node lists them.
fn listed_values(n: &Node) -> Option<Vec<&Value>> {
    match (&n.const_value, &n.enum_values) {
        (Some(c), _) => Some(vec![c]),
        (None, Some(e)) => Some(e.iter().collect()),
        (None, None) => None,
    }
}

fn json_type_of(v: &&Value) -> Option<JsonType> {
    Some(match v {
        Value::Null => JsonType::Null,
        Value::Bool(_) => JsonType::Boolean,
        Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
        Value::Number(_) => JsonType::Number,
        Value::String(_) => JsonType::String,
        Value::Array(_) => JsonType::Array,
        Value::Object(_) => JsonType::Object,
    })
}

/// True when the two nodes have the same keywords apart from `$ref` and annotations.
fn same_local(o: &Node, n: &Node) -> bool {
    let strip = |x: &Node| {
        let mut out = Node {
            reference: None,
            title: None,
            description: None,
            default: None,
            examples: Vec::new(),
            deprecated: false,
            read_only: false,
            write_only: false,
            ..x.clone()
        };
        if !out.rare().extensions.is_empty() {
            out.rare_mut().extensions = BTreeMap::new();
        }
        out
    };
    strip(o) == strip(n)
}

fn accepts_null(n: &Node) -> bool {
    if n.nullable {
        return true;
    }
    if let Some(vals) = listed_values(n) {
        return vals.iter().any(|v| v.is_null());
    }
    n.types.as_ref().is_none_or(|t| t.contains(&JsonType::Null))
}

/// Is every value of type `t` also of one of `set`'s types?
fn covered(t: JsonType, set: &BTreeSet<JsonType>) -> bool {
    set.contains(&t) || (t == JsonType::Integer && set.contains(&JsonType::Number))
}

fn names(set: &BTreeSet<JsonType>) -> Vec<&'static str> {
    set.iter().map(|t| t.name()).collect()
}

impl Cmp<'_, '_> {
    #[allow(clippy::too_many_arguments)]
    fn change(
        &mut self,
        rule: &'static str,
        loc: &At<'_>,
        side: Side,
        message: String,
        before: Option<Value>,
        after: Option<Value>,
        severity: Option<Severity>,
    ) {
        self.change_at(
            rule,
            self.position,
            loc,
            side,
            message,
            before,
            after,
            severity,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn change_at(
        &mut self,
        rule: &'static str,
        position: Position,
        loc: &At<'_>,
        side: Side,
        message: String,
        before: Option<Value>,
        after: Option<Value>,
        severity: Option<Severity>,
    ) {
        self.out.push(Item::Change(Raw {
            rule,
            position,
            pointer: loc.pointer(side),
            path: loc.path(),
            message,
            before,
            after,
            severity,
        }));
    }

    fn shape(&mut self, old: &Shape, new: &Shape, loc: &At<'_>, tool_root: bool) {
        match (old, new) {
            (Shape::Bool(a), Shape::Bool(b)) if a == b => {}
            (_, Shape::Bool(false)) => self.change(
                "schema-became-false",
                loc,
                Side::New,
                "schema now accepts nothing".into(),
                json(old),
                Some(Value::Bool(false)),
                None,
            ),
            (Shape::Bool(false), _) => self.change(
                "schema-became-true",
                loc,
                Side::New,
                "schema accepted nothing and now accepts values".into(),
                Some(Value::Bool(false)),
                json(new),
                None,
            ),
            (Shape::Bool(true), Shape::Node(n)) => self.node(&EMPTY, n, loc, tool_root),
            (Shape::Node(o), Shape::Bool(true)) => self.node(o, &EMPTY, loc, tool_root),
            (Shape::Node(o), Shape::Node(n)) => self.node(o, n, loc, tool_root),
            (Shape::Bool(true), Shape::Bool(true)) => {}
        }
    }

    fn node(&mut self, o: &Node, n: &Node, loc: &At<'_>, tool_root: bool) {
        // Equal nodes are equivalent unless a reference inside may mean something else now.
        if o == n && !o.references().iter().any(|r| self.unstable.contains(*r)) {
            return;
        }
        match (&o.reference, &n.reference) {
            // `$ref` plus differing local keywords (an `allOf` wrapper around a shared
            // schema, say): the local keywords only mean something together with the
            // target, so compare the two conjunctions inline.
            (Some(_), Some(_)) if !same_local(o, n) && self.inline_refs < MAX_INLINE_REFS => {
                if let (Some(o2), Some(n2)) = (self.inline(o, true), self.inline(n, false)) {
                    self.inline_refs += 1;
                    self.node(&o2, &n2, loc, tool_root);
                    self.inline_refs -= 1;
                    return;
                }
                self.pair(o, n, loc);
            }
            (Some(_), Some(_)) => self.pair(o, n, loc),
            (Some(_), None) | (None, Some(_)) => {
                if let (Some(o2), Some(n2)) = (self.inline(o, true), self.inline(n, false)) {
                    self.inline_refs += 1;
                    if self.inline_refs <= MAX_INLINE_REFS {
                        self.node(&o2, &n2, loc, tool_root);
                        self.inline_refs -= 1;
                        return;
                    }
                    self.inline_refs -= 1;
                }
                // Fail closed: a reference that cannot be compared with its replacement.
                self.change(
                    "unsupported-keyword-changed",
                    loc,
                    Side::New,
                    "a shared schema reference was replaced and the two could not be compared"
                        .into(),
                    json(o),
                    json(n),
                    None,
                );
                return;
            }
            (None, None) => {}
        }
        if self.expand_branches(o, n, loc, tool_root) {
            return;
        }
        self.nullability(o, n, loc);
        self.types(o, n, loc);
        self.enums(o, n, loc);
        self.objects(o, n, loc, tool_root);
        self.arrays(o, n, loc);
        self.strings(o, n, loc);
        self.numbers(o, n, loc);
        self.compositions(o, n, loc);
        self.annotations(o, n, loc);
    }

    /// Queues the pair of referenced schemas and records where it was reached.
    fn pair(&mut self, o: &Node, n: &Node, loc: &At<'_>) {
        let (Some(a), Some(b)) = (&o.reference, &n.reference) else {
            return;
        };
        let key = PairKey {
            old: a.clone(),
            new: b.clone(),
            position: self.position,
            model_visible: self.model_visible,
        };
        if !self.seen.contains_key(&key) {
            self.seen.insert(key.clone(), Vec::new());
            self.queue.push_back(key.clone());
        }
        self.out.push(Item::Pair {
            path: loc.path(),
            key,
        });
    }

    /// A plain schema on one side and `anyOf`/`oneOf` branches on the other: compare
    /// the plain schema with the branches (each conjoined with its node's own
    /// keywords). Where every branch must fit (output gaining branches, input losing
    /// them) each branch is compared; where one branch suffices (the union), the
    /// best-matching branch is reported. Returns false when this does not apply.
    fn expand_branches(&mut self, o: &Node, n: &Node, loc: &At<'_>, tool_root: bool) -> bool {
        let branches_of = |x: &Node| -> Option<(&'static str, Vec<Shape>)> {
            match (x.any_of.is_empty(), x.one_of.is_empty()) {
                (false, true) => Some(("anyOf", x.any_of.clone())),
                (true, false) => Some(("oneOf", x.one_of.clone())),
                _ => None,
            }
        };
        let plain = |x: &Node| x.any_of.is_empty() && x.one_of.is_empty();
        let (new_side, key, branches) = match (branches_of(o), branches_of(n)) {
            (None, Some((k, b))) if plain(o) => (true, k, b),
            (Some((k, b)), None) if plain(n) => (false, k, b),
            _ => return false,
        };
        let owner = if new_side { n } else { o };
        let local = Node {
            any_of: Vec::new(),
            one_of: Vec::new(),
            ..owner.clone()
        };
        let mut merged = Vec::new();
        for b in &branches {
            let Shape::Node(b) = b else { return false };
            match crate::normalize::schema::inline_reference(&local, b) {
                Some(m) => merged.push(m),
                None => return false,
            }
        }
        // Every branch must fit: output gaining branches (each may be produced), input
        // losing them (each was accepted).
        let every = (self.position == Position::Output) == new_side;
        let mut runs: Vec<Vec<Item>> = Vec::new();
        for (j, m) in merged.iter().enumerate() {
            let seg = format!("{key}[{j}]");
            let side_key = if new_side {
                loc.keys_on(None, Some(key), "")
            } else {
                loc.keys_on(Some(key), None, "")
            };
            let bl = if new_side {
                side_key.index_on(None, Some(j), &seg)
            } else {
                side_key.index_on(Some(j), None, &seg)
            };
            let saved = std::mem::take(self.out);
            if new_side {
                self.node(o, m, &bl, tool_root);
            } else {
                self.node(m, n, &bl, tool_root);
            }
            runs.push(std::mem::replace(self.out, saved));
        }
        if every {
            // The same change in several branches is one logical change: report it once
            // (at its first branch) and say in how many branches it holds.
            let total = runs.len();
            let branch_seg = |path: &str, j: usize| {
                path.replacen(&format!("{key}[{j}]"), &format!("{key}[*]"), 1)
            };
            let mut seen: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
            let mut merged_items: Vec<Item> = Vec::new();
            for (j, run) in runs.into_iter().enumerate() {
                for item in run {
                    let k = match &item {
                        Item::Change(raw) => (raw.rule.to_owned(), branch_seg(&raw.path, j)),
                        Item::Pair { path, key: pk } => {
                            (format!("pair {} {}", pk.old, pk.new), branch_seg(path, j))
                        }
                    };
                    match seen.get_mut(&k) {
                        Some((_, count)) => *count += 1,
                        None => {
                            seen.insert(k, (merged_items.len(), 1));
                            merged_items.push(item);
                        }
                    }
                }
            }
            for (k, (index, count)) in &seen {
                if *count > 1
                    && !k.0.starts_with("pair ")
                    && let Some(Item::Change(raw)) = merged_items.get_mut(*index)
                {
                    raw.message = format!("{} (in {count} of {total} {key} branches)", raw.message);
                }
            }
            self.out.extend(merged_items);
        } else if let Some(best) = runs.into_iter().min_by_key(Vec::len) {
            self.out.extend(best);
        }
        true
    }

    /// A node with its `$ref` folded in (for comparison with an inline schema).
    fn inline(&self, node: &Node, old_side: bool) -> Option<Node> {
        let Some(id) = &node.reference else {
            return Some(node.clone());
        };
        let table = if old_side {
            self.old_table
        } else {
            self.new_table
        };
        match table.get(id)? {
            Shape::Bool(true) => Some(Node {
                reference: None,
                ..node.clone()
            }),
            Shape::Bool(false) => None,
            Shape::Node(target) => inline_reference(node, target),
        }
    }

    fn nullability(&mut self, o: &Node, n: &Node, loc: &At<'_>) {
        let (a, b) = (accepts_null(o), accepts_null(n));
        if a && !b {
            self.change(
                "nullable-removed",
                loc,
                Side::New,
                "null is no longer allowed".into(),
                Some(Value::Bool(true)),
                Some(Value::Bool(false)),
                None,
            );
        } else if !a && b {
            self.change(
                "nullable-added",
                loc,
                Side::New,
                "null is now allowed".into(),
                Some(Value::Bool(false)),
                Some(Value::Bool(true)),
                None,
            );
        }
    }

    fn types(&mut self, o: &Node, n: &Node, loc: &At<'_>) {
        let (a, b) = (value_types(o), value_types(n));
        if a == b {
            return;
        }
        let all: BTreeSet<JsonType> = [
            JsonType::Array,
            JsonType::Boolean,
            JsonType::Number,
            JsonType::Object,
            JsonType::String,
        ]
        .into();
        let a_set = a.clone().unwrap_or_else(|| all.clone());
        let b_set = b.clone().unwrap_or_else(|| all.clone());
        // A type is lost when some of its values are no longer covered.
        let lost: BTreeSet<JsonType> = a_set
            .iter()
            .copied()
            .filter(|t| !covered(*t, &b_set))
            .collect();
        let gained: BTreeSet<JsonType> = b_set
            .iter()
            .copied()
            .filter(|t| !covered(*t, &a_set))
            .collect();
        let before = a.as_ref().map(|s| json(&names(s))).unwrap_or(None);
        let after = b.as_ref().map(|s| json(&names(s))).unwrap_or(None);
        let overlap = a_set.iter().any(|t| {
            b_set.iter().any(|u| {
                t == u
                    || matches!(
                        (t, u),
                        (JsonType::Integer, JsonType::Number)
                            | (JsonType::Number, JsonType::Integer)
                    )
            })
        });
        if !lost.is_empty() && !gained.is_empty() && !overlap {
            self.change(
                "type-changed",
                loc,
                Side::New,
                format!("type changed from {} to {}", show_types(&a), show_types(&b)),
                before,
                after,
                None,
            );
            return;
        }
        if !lost.is_empty() {
            self.change(
                "type-narrowed",
                loc,
                Side::New,
                format!(
                    "type narrowed from {} to {}",
                    show_types(&a),
                    show_types(&b)
                ),
                before.clone(),
                after.clone(),
                None,
            );
        }
        if !gained.is_empty() {
            self.change(
                "type-widened",
                loc,
                Side::New,
                format!("type widened from {} to {}", show_types(&a), show_types(&b)),
                before,
                after,
                None,
            );
        }
    }

    fn enums(&mut self, o: &Node, n: &Node, loc: &At<'_>) {
        let values = |x: &Node| -> Option<Vec<Value>> {
            match (&x.const_value, &x.enum_values) {
                (Some(c), _) => Some(vec![c.clone()]),
                (None, Some(e)) => Some(e.clone()),
                (None, None) => None,
            }
        };
        let (a, b) = (values(o), values(n));
        match (a, b) {
            (None, None) => {}
            (None, Some(b)) => {
                let rule = if n.const_value.is_some() {
                    "const-added"
                } else {
                    "enum-added"
                };
                self.change(
                    rule,
                    loc,
                    Side::New,
                    format!("values restricted to {}", show(&Value::Array(b.clone()))),
                    None,
                    Some(Value::Array(b)),
                    None,
                );
            }
            (Some(a), None) => {
                let rule = if o.const_value.is_some() {
                    "const-removed"
                } else {
                    "enum-removed"
                };
                self.change(
                    rule,
                    loc,
                    Side::New,
                    "values are no longer restricted to a list".into(),
                    Some(Value::Array(a)),
                    None,
                    None,
                );
            }
            (Some(a), Some(b)) => {
                if a == b {
                    return;
                }
                if let (Some(x), Some(y)) = (&o.const_value, &n.const_value) {
                    self.change(
                        "const-changed",
                        loc,
                        Side::New,
                        format!("constant changed from {} to {}", show(x), show(y)),
                        Some(x.clone()),
                        Some(y.clone()),
                        None,
                    );
                    return;
                }
                let extensible = n.rare().extensions.contains_key("x-extensible-enum");
                for v in a.iter().filter(|v| !b.contains(v)) {
                    self.change(
                        "enum-value-removed",
                        loc,
                        Side::New,
                        format!("value {} removed", show(v)),
                        Some(v.clone()),
                        None,
                        None,
                    );
                }
                for v in b.iter().filter(|v| !a.contains(v)) {
                    let severity = self.cond("enum-value-added", self.position, extensible);
                    self.change(
                        "enum-value-added",
                        loc,
                        Side::New,
                        format!("value {} added", show(v)),
                        None,
                        Some(v.clone()),
                        severity,
                    );
                }
            }
        }
    }

    fn is_closed(n: &Node) -> bool {
        matches!(n.additional_properties, Some(Shape::Bool(false)))
            || matches!(n.rare().unevaluated_properties, Some(Shape::Bool(false)))
    }

    fn objects(&mut self, o: &Node, n: &Node, loc: &At<'_>, tool_root: bool) {
        let props_loc = loc.key("properties", "");
        let names: BTreeSet<&String> = o.properties.keys().chain(n.properties.keys()).collect();
        for name in names {
            let ploc = props_loc.key(name, name);
            match (o.properties.get(name), n.properties.get(name)) {
                (None, Some(p)) => self.property_added(o, n, name, p, &ploc, tool_root),
                (Some(p), None) => self.property_removed(o, n, name, p, &ploc),
                (Some(a), Some(b)) => {
                    self.visibility(o, n, name, a, b, &ploc);
                    self.shape(a, b, &ploc, false);
                }
                (None, None) => {}
            }
        }
        // Requiredness of properties present on both sides (or named only in `required`).
        for name in o.required.union(&n.required) {
            let (was, is) = (o.required.contains(name), n.required.contains(name));
            let existed = o.properties.contains_key(name) || !n.properties.contains_key(name);
            let exists = n.properties.contains_key(name) || !o.properties.contains_key(name);
            if !(existed && exists) || was == is {
                continue;
            }
            let ploc = props_loc.key(name, name);
            if is {
                self.change(
                    "property-became-required",
                    &ploc,
                    Side::New,
                    format!("property `{name}` became required"),
                    Some(Value::Bool(false)),
                    Some(Value::Bool(true)),
                    None,
                );
            } else {
                self.change(
                    "property-became-optional",
                    &ploc,
                    Side::New,
                    format!("property `{name}` became optional"),
                    Some(Value::Bool(true)),
                    Some(Value::Bool(false)),
                    None,
                );
            }
        }
        self.open_closed(
            o.additional_properties.as_ref(),
            n.additional_properties.as_ref(),
            &loc.key("additionalProperties", "*"),
            "additional-properties",
        );
        self.open_closed(
            o.rare().unevaluated_properties.as_ref(),
            n.rare().unevaluated_properties.as_ref(),
            &loc.key("unevaluatedProperties", "*"),
            "additional-properties",
        );
        self.keyed_schemas(
            &o.rare().pattern_properties,
            &n.rare().pattern_properties,
            &loc.key("patternProperties", ""),
            "pattern-properties-added",
            "pattern-properties-removed",
            "pattern",
        );
        self.optional_schema(
            o.rare().property_names.as_ref(),
            n.rare().property_names.as_ref(),
            &loc.key("propertyNames", "property names"),
            "property-names-narrowed",
            "property-names-widened",
        );
        self.lower_bound_u64(
            o.rare().min_properties,
            n.rare().min_properties,
            &loc.key("minProperties", ""),
            "min-properties-narrowed",
            "min-properties-widened",
            "minimum property count",
        );
        self.upper_bound_u64(
            o.rare().max_properties,
            n.rare().max_properties,
            &loc.key("maxProperties", ""),
            "max-properties-narrowed",
            "max-properties-widened",
            "maximum property count",
        );
        let dr = loc.key("dependentRequired", "");
        for k in o
            .rare()
            .dependent_required
            .keys()
            .chain(n.rare().dependent_required.keys())
            .collect::<BTreeSet<_>>()
        {
            let (a, b) = (
                o.rare().dependent_required.get(k),
                n.rare().dependent_required.get(k),
            );
            if a == b {
                continue;
            }
            let seg = format!("if {k}");
            let kl = dr.key(k, &seg);
            let added: Vec<&String> = b
                .map(|b| {
                    b.iter()
                        .filter(|x| a.is_none_or(|a| !a.contains(*x)))
                        .collect()
                })
                .unwrap_or_default();
            let removed: Vec<&String> = a
                .map(|a| {
                    a.iter()
                        .filter(|x| b.is_none_or(|b| !b.contains(*x)))
                        .collect()
                })
                .unwrap_or_default();
            if !added.is_empty() {
                self.change(
                    "dependent-required-added",
                    &kl,
                    Side::New,
                    format!("when `{k}` is present, {added:?} are now required"),
                    json(&a),
                    json(&b),
                    None,
                );
            }
            if !removed.is_empty() {
                self.change(
                    "dependent-required-removed",
                    &kl,
                    Side::Old,
                    format!("when `{k}` is present, {removed:?} are no longer required"),
                    json(&a),
                    json(&b),
                    None,
                );
            }
        }
        self.keyed_schemas(
            &o.rare().dependent_schemas,
            &n.rare().dependent_schemas,
            &loc.key("dependentSchemas", ""),
            "dependent-schema-added",
            "dependent-schema-removed",
            "if",
        );
    }

    fn property_added(
        &mut self,
        o: &Node,
        n: &Node,
        name: &str,
        p: &Shape,
        loc: &At<'_>,
        tool_root: bool,
    ) {
        if self.model_visible {
            // A new parameter's description is model-visible text too: scan all of it.
            for (at, text) in super::mcp::schema_texts(self.new_table, p, loc.owned()) {
                for f in scan_added_text(None, text) {
                    let evidence = (!f.evidence.is_empty())
                        .then(|| Value::Array(f.evidence.into_iter().map(Value::String).collect()));
                    self.change_at(
                        f.rule,
                        Position::Surface,
                        &At::root(&at),
                        Side::New,
                        f.message,
                        None,
                        evidence,
                        None,
                    );
                }
            }
        }
        let required = n.required.contains(name);
        let has_default = p.node().is_some_and(|x| x.default.is_some());
        if tool_root {
            let severity = self.cond("mcp-tool-parameter-added", Position::Surface, !required);
            self.change_at(
                "mcp-tool-parameter-added",
                Position::Surface,
                loc,
                Side::New,
                format!(
                    "{} parameter `{name}` added to an existing tool (new parameters are how exfiltration hides)",
                    if required { "required" } else { "optional" }
                ),
                None,
                json(p),
                severity,
            );
            return;
        }
        if required {
            let severity = self.cond(
                "property-added-required",
                self.position,
                self.position == Position::Input && has_default,
            );
            self.change(
                "property-added-required",
                loc,
                Side::New,
                format!("required property `{name}` added"),
                None,
                json(p),
                severity,
            );
        } else {
            let severity = self.cond(
                "property-added-optional",
                self.position,
                self.position == Position::Input && Self::is_closed(o),
            );
            let _ = n;
            self.change(
                "property-added-optional",
                loc,
                Side::New,
                format!("optional property `{name}` added"),
                None,
                json(p),
                severity,
            );
        }
    }

    /// The registry's severity for a conditional rule, given whether its condition
    /// holds (see `rules::Condition`); fails closed to `dangerous` for unknown rules.
    fn cond(&self, rule: &str, position: Position, holds: bool) -> Option<Severity> {
        Some(
            crate::classify::rules::severity_if(rule, position, self.profile, holds)
                .unwrap_or(Severity::Dangerous),
        )
    }

    /// Whether the condition of a property-leaving rule holds: in input the object
    /// stays open, in output the property was optional.
    fn removal_condition(&self, o: &Node, n: &Node, name: &str) -> bool {
        match self.position {
            Position::Input => !Self::is_closed(n),
            _ => !o.required.contains(name),
        }
    }

    /// Severity of a property leaving the projection of a position.
    fn removal_severity(&self, o: &Node, n: &Node, name: &str) -> Severity {
        let holds = self.removal_condition(o, n, name);
        self.cond("property-removed", self.position, holds)
            .unwrap_or(Severity::Dangerous)
    }

    fn property_removed(&mut self, o: &Node, n: &Node, name: &str, p: &Shape, loc: &At<'_>) {
        let severity = self.removal_severity(o, n, name);
        let deprecated = p.node().is_some_and(|x| x.deprecated);
        let (rule, severity) = if deprecated && severity == Severity::Breaking {
            ("deprecated-element-removed", Severity::Dangerous)
        } else {
            ("property-removed", severity)
        };
        self.change(
            rule,
            loc,
            Side::Old,
            format!("property `{name}` removed"),
            json(p),
            None,
            Some(severity),
        );
    }

    /// readOnly / writeOnly flips: a property leaving or entering the input (readOnly)
    /// or output (writeOnly) projection. Reported in both positions; the registry
    /// decides how much each matters where.
    fn visibility(&mut self, o: &Node, n: &Node, name: &str, a: &Shape, b: &Shape, loc: &At<'_>) {
        let ro = |s: &Shape| s.node().is_some_and(|x| x.read_only);
        let wo = |s: &Shape| s.node().is_some_and(|x| x.write_only);
        let flips = [
            (
                !ro(a) && ro(b),
                "read-only-added",
                "became read-only: callers can no longer send it",
            ),
            (
                ro(a) && !ro(b),
                "read-only-removed",
                "is no longer read-only: callers may now send it",
            ),
            (
                !wo(a) && wo(b),
                "write-only-added",
                "became write-only: it is no longer returned",
            ),
            (
                wo(a) && !wo(b),
                "write-only-removed",
                "is no longer write-only: it is now returned",
            ),
        ];
        for (flipped, rule, what) in flips {
            if !flipped {
                continue;
            }
            let holds = match rule {
                // The property leaves a projection: like a removal.
                "read-only-added" | "write-only-added" => self.removal_condition(o, n, name),
                // It enters the input projection: harmless unless callers must now send it.
                "read-only-removed" => !n.required.contains(name),
                _ => false,
            };
            let severity = self.cond(rule, self.position, holds);
            self.change(
                rule,
                loc,
                Side::New,
                format!("property `{name}` {what}"),
                None,
                None,
                severity,
            );
        }
    }

    /// `additionalProperties`-like keywords: absent = open.
    fn open_closed(
        &mut self,
        a: Option<&Shape>,
        b: Option<&Shape>,
        loc: &At<'_>,
        prefix: &'static str,
    ) {
        let (narrowed, widened) = match prefix {
            "additional-properties" => (
                "additional-properties-narrowed",
                "additional-properties-widened",
            ),
            _ => ("additional-items-narrowed", "additional-items-widened"),
        };
        let open = Shape::Bool(true);
        let (a, b) = (a.unwrap_or(&open), b.unwrap_or(&open));
        match (a, b) {
            (x, y) if x == y && !matches!(x, Shape::Node(n) if n.reference.is_some()) => {}
            (Shape::Bool(true), _) => {
                self.change(
                    narrowed,
                    loc,
                    Side::New,
                    "additional members are now restricted".into(),
                    json(a),
                    json(b),
                    None,
                );
            }
            (_, Shape::Bool(true)) => {
                let strict_out = None;
                self.change(
                    widened,
                    loc,
                    Side::New,
                    "additional members are now allowed".into(),
                    json(a),
                    json(b),
                    strict_out,
                );
            }
            (Shape::Bool(false), _) => {
                self.change(
                    widened,
                    loc,
                    Side::New,
                    "additional members are now allowed (with a schema)".into(),
                    json(a),
                    json(b),
                    None,
                );
            }
            _ => self.shape(a, b, loc, false),
        }
    }

    /// Maps of named subschemas (`patternProperties`, `dependentSchemas`).
    fn keyed_schemas(
        &mut self,
        a: &BTreeMap<String, Shape>,
        b: &BTreeMap<String, Shape>,
        loc: &At<'_>,
        added: &'static str,
        removed: &'static str,
        label: &str,
    ) {
        for k in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
            let seg = format!("{label} {k}");
            let kl = loc.key(k, &seg);
            match (a.get(k), b.get(k)) {
                (None, Some(s)) => self.change(
                    added,
                    &kl,
                    Side::New,
                    format!("{label} `{k}` added"),
                    None,
                    json(s),
                    None,
                ),
                (Some(s), None) => self.change(
                    removed,
                    &kl,
                    Side::Old,
                    format!("{label} `{k}` removed"),
                    json(s),
                    None,
                    None,
                ),
                (Some(x), Some(y)) => self.shape(x, y, &kl, false),
                (None, None) => {}
            }
        }
    }

    /// An optional subschema whose presence narrows (`propertyNames`, `contains`).
    fn optional_schema(
        &mut self,
        a: Option<&Shape>,
        b: Option<&Shape>,
        loc: &At<'_>,
        narrowed: &'static str,
        widened: &'static str,
    ) {
        match (a, b) {
            (None, None) => {}
            (None, Some(s)) => self.change(
                narrowed,
                loc,
                Side::New,
                "constraint added".into(),
                None,
                json(s),
                None,
            ),
            (Some(s), None) => self.change(
                widened,
                loc,
                Side::Old,
                "constraint removed".into(),
                json(s),
                None,
                None,
            ),
            (Some(x), Some(y)) => self.shape(x, y, loc, false),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_bound_u64(
        &mut self,
        a: Option<u64>,
        b: Option<u64>,
        loc: &At<'_>,
        narrowed: &'static str,
        widened: &'static str,
        what: &str,
    ) {
        let (x, y) = (a.unwrap_or(0), b.unwrap_or(0));
        if x == y {
            return;
        }
        let rule = if y > x { narrowed } else { widened };
        self.change(
            rule,
            loc,
            Side::New,
            format!("{what} changed from {x} to {y}"),
            json(&a),
            json(&b),
            None,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn upper_bound_u64(
        &mut self,
        a: Option<u64>,
        b: Option<u64>,
        loc: &At<'_>,
        narrowed: &'static str,
        widened: &'static str,
        what: &str,
    ) {
        let (x, y) = (a.unwrap_or(u64::MAX), b.unwrap_or(u64::MAX));
        if x == y {
            return;
        }
        let rule = if y < x { narrowed } else { widened };
        let show_bound = |v: Option<u64>| v.map_or_else(|| "none".to_owned(), |v| v.to_string());
        self.change(
            rule,
            loc,
            Side::New,
            format!("{what} changed from {} to {}", show_bound(a), show_bound(b)),
            json(&a),
            json(&b),
            None,
        );
    }

    fn arrays(&mut self, o: &Node, n: &Node, loc: &At<'_>) {
        let common = o.rare().prefix_items.len().min(n.rare().prefix_items.len());
        let pl = loc.key("prefixItems", "");
        for i in 0..common {
            if let (Some(a), Some(b)) = (o.rare().prefix_items.get(i), n.rare().prefix_items.get(i))
            {
                self.shape(a, b, &pl.index(i, &format!("[{i}]")), false);
            }
        }
        // The catalog's condition: whether the tuple's tail (items after prefixItems) is closed.
        let closed_tail = |x: &Node| matches!(x.items, Some(Shape::Bool(false)));
        let added_severity = self.cond("tuple-item-added", self.position, closed_tail(o));
        for (i, s) in n.rare().prefix_items.iter().enumerate().skip(common) {
            self.change(
                "tuple-item-added",
                &pl.index(i, &format!("[{i}]")),
                Side::New,
                format!("tuple item {i} added"),
                None,
                json(s),
                added_severity,
            );
        }
        let removed_severity = self.cond("tuple-item-removed", self.position, closed_tail(n));
        for (i, s) in o.rare().prefix_items.iter().enumerate().skip(common) {
            self.change(
                "tuple-item-removed",
                &pl.index(i, &format!("[{i}]")),
                Side::Old,
                format!("tuple item {i} removed"),
                json(s),
                None,
                removed_severity,
            );
        }
        let il = loc.key("items", "[]");
        if o.rare().prefix_items.is_empty() && n.rare().prefix_items.is_empty() {
            let any = Shape::Bool(true);
            self.shape(
                o.items.as_ref().unwrap_or(&any),
                n.items.as_ref().unwrap_or(&any),
                &il,
                false,
            );
        } else {
            self.open_closed(o.items.as_ref(), n.items.as_ref(), &il, "additional-items");
        }
        self.open_closed(
            o.rare().unevaluated_items.as_ref(),
            n.rare().unevaluated_items.as_ref(),
            &loc.key("unevaluatedItems", "[]"),
            "additional-items",
        );
        self.lower_bound_u64(
            o.rare().min_items,
            n.rare().min_items,
            &loc.key("minItems", ""),
            "min-items-narrowed",
            "min-items-widened",
            "minimum item count",
        );
        self.upper_bound_u64(
            o.rare().max_items,
            n.rare().max_items,
            &loc.key("maxItems", ""),
            "max-items-narrowed",
            "max-items-widened",
            "maximum item count",
        );
        self.flag(
            o.rare().unique_items,
            n.rare().unique_items,
            loc,
            "uniqueItems",
            ("unique-items-added", "unique-items-removed"),
        );
        self.optional_schema(
            o.rare().contains.as_ref(),
            n.rare().contains.as_ref(),
            &loc.key("contains", "contains"),
            "contains-narrowed",
            "contains-widened",
        );
        if o.rare().contains.is_some() || n.rare().contains.is_some() {
            self.lower_bound_u64(
                o.rare().min_contains,
                n.rare().min_contains,
                &loc.key("minContains", ""),
                "contains-narrowed",
                "contains-widened",
                "minimum matching items",
            );
            self.upper_bound_u64(
                o.rare().max_contains,
                n.rare().max_contains,
                &loc.key("maxContains", ""),
                "contains-narrowed",
                "contains-widened",
                "maximum matching items",
            );
        }
    }

    fn strings(&mut self, o: &Node, n: &Node, loc: &At<'_>) {
        self.lower_bound_u64(
            o.rare().min_length,
            n.rare().min_length,
            &loc.key("minLength", ""),
            "min-length-narrowed",
            "min-length-widened",
            "minimum length",
        );
        self.upper_bound_u64(
            o.rare().max_length,
            n.rare().max_length,
            &loc.key("maxLength", ""),
            "max-length-narrowed",
            "max-length-widened",
            "maximum length",
        );
        let pl = loc.key("pattern", "");
        match (&o.rare().pattern, &n.rare().pattern) {
            (None, Some(p)) => self.change(
                "pattern-added",
                &pl,
                Side::New,
                format!("pattern {p:?} added"),
                None,
                json(p),
                None,
            ),
            (Some(p), None) => self.change(
                "pattern-removed",
                &pl,
                Side::Old,
                format!("pattern {p:?} removed"),
                json(p),
                None,
                None,
            ),
            (Some(a), Some(b)) if a != b => {
                let (rule, how) = match super::pattern::compare(a, b) {
                    Some(super::pattern::Inclusion::Narrowed) => {
                        ("pattern-narrowed", "narrowed (proven)")
                    }
                    Some(super::pattern::Inclusion::Widened) => {
                        ("pattern-widened", "widened (proven)")
                    }
                    None => (
                        "pattern-changed",
                        "changed; inclusion could not be proven either way",
                    ),
                };
                self.change(
                    rule,
                    &pl,
                    Side::New,
                    format!("pattern {how}: {a:?} → {b:?}"),
                    json(a),
                    json(b),
                    None,
                )
            }
            _ => {}
        }
        let fl = loc.key("format", "");
        match (&o.format, &n.format) {
            (None, Some(f)) => self.change(
                "format-added",
                &fl,
                Side::New,
                format!("format `{f}` added"),
                None,
                json(f),
                None,
            ),
            (Some(f), None) => self.change(
                "format-removed",
                &fl,
                Side::Old,
                format!("format `{f}` removed"),
                json(f),
                None,
                None,
            ),
            (Some(a), Some(b)) if a != b => {
                let rule = match (a.as_str(), b.as_str()) {
                    ("int32", "int64") | ("float", "double") => "format-widened",
                    ("int64", "int32") | ("double", "float") => "format-narrowed",
                    _ => "format-changed",
                };
                self.change(
                    rule,
                    &fl,
                    Side::New,
                    format!("format changed from `{a}` to `{b}`"),
                    json(a),
                    json(b),
                    None,
                );
            }
            _ => {}
        }
        if o.rare().content_encoding != n.rare().content_encoding {
            self.change(
                "content-encoding-changed",
                &loc.key("contentEncoding", ""),
                Side::New,
                "content encoding changed".into(),
                json(&o.rare().content_encoding),
                json(&n.rare().content_encoding),
                None,
            );
        }
        if o.rare().content_media_type != n.rare().content_media_type {
            self.change(
                "content-media-type-changed",
                &loc.key("contentMediaType", ""),
                Side::New,
                "content media type changed".into(),
                json(&o.rare().content_media_type),
                json(&n.rare().content_media_type),
                None,
            );
        }
        if o.rare().content_schema != n.rare().content_schema {
            let any = Shape::Bool(true);
            self.shape(
                o.rare().content_schema.as_ref().unwrap_or(&any),
                n.rare().content_schema.as_ref().unwrap_or(&any),
                &loc.key("contentSchema", "content"),
                false,
            );
        }
    }

    fn numbers(&mut self, o: &Node, n: &Node, loc: &At<'_>) {
        self.numeric_bound(o, n, loc, true);
        self.numeric_bound(o, n, loc, false);
        if o.rare().multiple_of != n.rare().multiple_of {
            let ml = loc.key("multipleOf", "");
            let rule = match (&o.rare().multiple_of, &n.rare().multiple_of) {
                (None, Some(_)) => "multiple-of-narrowed",
                (Some(_), None) => "multiple-of-widened",
                (Some(a), Some(b)) => {
                    let (a, b) = (num(a), num(b));
                    let ratio = |x: f64, y: f64| y != 0.0 && (x / y).fract().abs() < 1e-9;
                    if ratio(b, a) {
                        "multiple-of-narrowed"
                    } else if ratio(a, b) {
                        "multiple-of-widened"
                    } else {
                        "multiple-of-changed"
                    }
                }
                (None, None) => return,
            };
            self.change(
                rule,
                &ml,
                Side::New,
                "multipleOf changed".into(),
                json(&o.rare().multiple_of),
                json(&n.rare().multiple_of),
                None,
            );
        }
    }

    /// One side of the numeric range (`lower` or upper): the bound as `(value,
    /// exclusive)`, narrowed when it moved inwards or became exclusive at the same value.
    fn numeric_bound(&mut self, o: &Node, n: &Node, loc: &At<'_>, lower: bool) {
        let keys = if lower {
            ("minimum", "exclusiveMinimum")
        } else {
            ("maximum", "exclusiveMaximum")
        };
        let parts = |x: &Node| {
            if lower {
                (x.rare().minimum.clone(), x.rare().exclusive_minimum.clone())
            } else {
                (x.rare().maximum.clone(), x.rare().exclusive_maximum.clone())
            }
        };
        let bound = |x: &Node| {
            let (inclusive, exclusive) = parts(x);
            exclusive
                .map(|v| (num(&v), true))
                .or_else(|| inclusive.map(|v| (num(&v), false)))
        };
        let as_json = |x: &Node| -> Option<Value> {
            let (inclusive, exclusive) = parts(x);
            exclusive
                .map(|v| serde_json::json!({ keys.1: v }))
                .or_else(|| inclusive.map(|v| serde_json::json!({ keys.0: v })))
        };
        let (a, b) = (bound(o), bound(n));
        if a == b {
            return;
        }
        let narrowed = match (a, b) {
            (None, Some(_)) => true,
            (Some((x, xe)), Some((y, ye))) => {
                (if lower { y > x } else { y < x }) || (y == x && ye && !xe)
            }
            _ => false,
        };
        let rule = match (lower, narrowed) {
            (true, true) => "minimum-narrowed",
            (true, false) => "minimum-widened",
            (false, true) => "maximum-narrowed",
            (false, false) => "maximum-widened",
        };
        let (new_inclusive, new_exclusive) = parts(n);
        let old_exclusive = parts(o).1;
        let key = if new_exclusive.is_some() || (new_inclusive.is_none() && old_exclusive.is_some())
        {
            keys.1
        } else {
            keys.0
        };
        let what = if lower { "lower" } else { "upper" };
        self.change(
            rule,
            &loc.key(key, ""),
            Side::New,
            format!("{what} bound changed"),
            as_json(o),
            as_json(n),
            None,
        );
    }

    fn compositions(&mut self, o: &Node, n: &Node, loc: &At<'_>) {
        // oneOf ↔ anyOf switches.
        let switched = match (
            o.one_of.is_empty(),
            o.any_of.is_empty(),
            n.one_of.is_empty(),
            n.any_of.is_empty(),
        ) {
            (false, true, true, false) => Some(("composition-widened", "oneOf became anyOf")),
            (true, false, false, true) => Some(("composition-narrowed", "anyOf became oneOf")),
            _ => None,
        };
        if let Some((rule, message)) = switched {
            self.change(rule, loc, Side::New, message.into(), None, None, None);
            let (a, b) = if o.one_of.is_empty() {
                (&o.any_of, &n.one_of)
            } else {
                (&o.one_of, &n.any_of)
            };
            let (ka, kb) = if o.one_of.is_empty() {
                ("anyOf", "oneOf")
            } else {
                ("oneOf", "anyOf")
            };
            self.branches(
                a,
                b,
                loc,
                ka,
                kb,
                "any-of-branch-added",
                "any-of-branch-removed",
            );
        } else {
            self.branches(
                &o.any_of,
                &n.any_of,
                loc,
                "anyOf",
                "anyOf",
                "any-of-branch-added",
                "any-of-branch-removed",
            );
            self.branches(
                &o.one_of,
                &n.one_of,
                loc,
                "oneOf",
                "oneOf",
                "one-of-branch-added",
                "one-of-branch-removed",
            );
        }
        self.branches(
            &o.all_of,
            &n.all_of,
            loc,
            "allOf",
            "allOf",
            "all-of-member-added",
            "all-of-member-removed",
        );
        if o.rare().not != n.rare().not {
            self.change(
                "not-changed",
                &loc.key("not", "not"),
                Side::New,
                "`not` changed; its effect cannot be proven either way".into(),
                json(&o.rare().not),
                json(&n.rare().not),
                None,
            );
        }
        let cond = |x: &Node| {
            x.rare().if_schema.is_some()
                || x.rare().then_schema.is_some()
                || x.rare().else_schema.is_some()
        };
        let cond_json = |x: &Node| serde_json::json!({"if": x.rare().if_schema, "then": x.rare().then_schema, "else": x.rare().else_schema});
        match (cond(o), cond(n)) {
            (false, true) => self.change(
                "conditional-added",
                &loc.key("if", "if"),
                Side::New,
                "if/then/else added".into(),
                None,
                Some(cond_json(n)),
                None,
            ),
            (true, false) => self.change(
                "conditional-removed",
                &loc.key("if", "if"),
                Side::Old,
                "if/then/else removed".into(),
                Some(cond_json(o)),
                None,
                None,
            ),
            (true, true) if cond_json(o) != cond_json(n) => self.change(
                "conditional-changed",
                &loc.key("if", "if"),
                Side::New,
                "if/then/else changed".into(),
                Some(cond_json(o)),
                Some(cond_json(n)),
                None,
            ),
            _ => {}
        }
        match (&o.rare().discriminator, &n.rare().discriminator) {
            (Some(a), Some(b)) => {
                let dl = loc.key("discriminator", "discriminator");
                if a.property_name != b.property_name {
                    self.change(
                        "discriminator-property-changed",
                        &dl,
                        Side::New,
                        format!(
                            "discriminator property changed from `{}` to `{}`",
                            a.property_name, b.property_name
                        ),
                        json(&a.property_name),
                        json(&b.property_name),
                        None,
                    );
                }
                for k in b.mapping.keys().filter(|k| !a.mapping.contains_key(*k)) {
                    self.change(
                        "discriminator-mapping-added",
                        &dl.key("mapping", "").key(k, k),
                        Side::New,
                        format!("discriminator value `{k}` added"),
                        None,
                        json(&b.mapping.get(k)),
                        None,
                    );
                }
                for k in a.mapping.keys().filter(|k| !b.mapping.contains_key(*k)) {
                    self.change(
                        "discriminator-mapping-removed",
                        &dl.key("mapping", "").key(k, k),
                        Side::Old,
                        format!("discriminator value `{k}` removed"),
                        json(&a.mapping.get(k)),
                        None,
                        None,
                    );
                }
            }
            (None, Some(_)) | (Some(_), None) => {
                self.change(
                    "discriminator-property-changed",
                    &loc.key("discriminator", "discriminator"),
                    Side::New,
                    "discriminator added or removed".into(),
                    json(&o.rare().discriminator),
                    json(&n.rare().discriminator),
                    None,
                );
            }
            (None, None) => {}
        }
    }

    /// Matches branches by best pairing (equal first, then same reference, then same
    /// type set, then by order of what is left), never by index alone.
    #[allow(clippy::too_many_arguments)]
    fn branches(
        &mut self,
        a: &[Shape],
        b: &[Shape],
        loc: &At<'_>,
        key_a: &str,
        key_b: &str,
        added: &'static str,
        removed: &'static str,
    ) {
        if a == b
            && a.iter()
                .all(|s| s.node().is_none_or(|n| n.reference.is_none()))
        {
            return;
        }
        let mut used_b: HashSet<usize> = HashSet::new();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let mut unmatched_a: Vec<usize> = Vec::new();
        let signature = |s: &Shape, level: u8| -> Option<String> {
            match (level, s) {
                (0, _) => serde_json::to_string(s).ok(),
                (1, Shape::Node(n)) => n.reference.clone(),
                (2, Shape::Node(n)) => n.types.as_ref().map(|t| format!("{t:?}")),
                _ => None,
            }
        };
        let mut remaining: Vec<usize> = (0..a.len()).collect();
        for level in 0..3u8 {
            let mut next = Vec::new();
            for &i in &remaining {
                let Some(sig) = a.get(i).and_then(|s| signature(s, level)) else {
                    next.push(i);
                    continue;
                };
                let found = (0..b.len()).find(|&j| {
                    !used_b.contains(&j)
                        && b.get(j).and_then(|s| signature(s, level)).as_deref()
                            == Some(sig.as_str())
                });
                match found {
                    Some(j) => {
                        used_b.insert(j);
                        pairs.push((i, j));
                    }
                    None => next.push(i),
                }
            }
            remaining = next;
        }
        unmatched_a.extend(remaining);
        // Leftovers pair up in order only when each side has exactly one: a changed branch.
        let free_b: Vec<usize> = (0..b.len()).filter(|j| !used_b.contains(j)).collect();
        if let ([i], [j]) = (unmatched_a.as_slice(), free_b.as_slice()) {
            pairs.push((*i, *j));
            used_b.insert(*j);
            unmatched_a.clear();
        }
        for (i, j) in pairs {
            if let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
                let seg = format!("{key_b}[{j}]");
                let kl = loc.keys_on(Some(key_a), Some(key_b), "");
                self.shape(x, y, &kl.index_on(Some(i), Some(j), &seg), false);
            }
        }
        for (j, s) in b.iter().enumerate() {
            if !used_b.contains(&j) {
                let seg = format!("{key_b}[{j}]");
                let kl = loc.key(key_b, "");
                let bl = kl.index(j, &seg);
                // A new oneOf branch overlapping another makes values matching both fail.
                let severity = (added == "one-of-branch-added").then(|| {
                    let overlap = b
                        .iter()
                        .enumerate()
                        .any(|(k, other)| k != j && branches_overlap(s, other));
                    self.cond(added, self.position, overlap)
                });
                self.change(
                    added,
                    &bl,
                    Side::New,
                    format!("{key_b} branch added"),
                    None,
                    json(s),
                    severity.flatten(),
                );
            }
        }
        for i in unmatched_a {
            if let Some(s) = a.get(i) {
                let seg = format!("{key_a}[{i}]");
                let kl = loc.key(key_a, "");
                let bl = kl.index(i, &seg);
                self.change(
                    removed,
                    &bl,
                    Side::Old,
                    format!("{key_a} branch removed"),
                    json(s),
                    None,
                    None,
                );
            }
        }
    }

    fn annotations(&mut self, o: &Node, n: &Node, loc: &At<'_>) {
        match (&o.default, &n.default) {
            (None, Some(d)) => self.change(
                "default-added",
                &loc.key("default", ""),
                Side::New,
                format!("default {} added", show(d)),
                None,
                Some(d.clone()),
                None,
            ),
            (Some(d), None) => self.change(
                "default-removed",
                &loc.key("default", ""),
                Side::Old,
                format!("default {} removed", show(d)),
                Some(d.clone()),
                None,
                None,
            ),
            (Some(a), Some(b)) if a != b => self.change(
                "default-changed",
                &loc.key("default", ""),
                Side::New,
                format!("default changed from {} to {}", show(a), show(b)),
                Some(a.clone()),
                Some(b.clone()),
                None,
            ),
            _ => {}
        }
        self.flag(
            o.deprecated,
            n.deprecated,
            loc,
            "deprecated",
            ("deprecated-added", "deprecated-removed"),
        );
        self.text(
            o.description.as_deref(),
            n.description.as_deref(),
            &loc.key("description", ""),
            "description-changed",
        );
        self.text(
            o.title.as_deref(),
            n.title.as_deref(),
            &loc.key("title", ""),
            "title-changed",
        );
        if o.examples != n.examples {
            self.change(
                "examples-changed",
                &loc.key("examples", ""),
                Side::New,
                "examples changed".into(),
                json(&o.examples),
                json(&n.examples),
                None,
            );
        }
        for k in o
            .rare()
            .unsupported
            .keys()
            .chain(n.rare().unsupported.keys())
            .collect::<BTreeSet<_>>()
        {
            let (a, b) = (o.rare().unsupported.get(k), n.rare().unsupported.get(k));
            if a != b {
                self.change(
                    "unsupported-keyword-changed",
                    &loc.key("unsupported", "").key(k, ""),
                    Side::New,
                    format!("keyword `{k}` changed; the classifier does not model it"),
                    a.cloned(),
                    b.cloned(),
                    None,
                );
            }
        }
    }

    /// A boolean keyword switched on (`rules.0`) or off (`rules.1`).
    fn flag(
        &mut self,
        a: bool,
        b: bool,
        loc: &At<'_>,
        keyword: &str,
        rules: (&'static str, &'static str),
    ) {
        if a == b {
            return;
        }
        let (rule, what) = if b {
            (rules.0, "added")
        } else {
            (rules.1, "removed")
        };
        self.change(
            rule,
            &loc.key(keyword, ""),
            Side::New,
            format!("{keyword} {what}"),
            Some(Value::Bool(a)),
            Some(Value::Bool(b)),
            None,
        );
    }

    fn text(&mut self, a: Option<&str>, b: Option<&str>, loc: &At<'_>, rule: &'static str) {
        if a == b {
            return;
        }
        let severity = self.model_visible.then_some(Severity::Dangerous);
        let what = if rule == "title-changed" {
            "title"
        } else {
            "description"
        };
        let message = if self.model_visible {
            format!("model-visible {what} changed")
        } else {
            format!("{what} changed")
        };
        self.change(
            rule,
            loc,
            if b.is_some() { Side::New } else { Side::Old },
            message,
            a.map(|s| Value::String(s.to_owned())),
            b.map(|s| Value::String(s.to_owned())),
            severity,
        );
        if self.model_visible
            && let Some(new_text) = b
        {
            {
                for f in scan_added_text(a, new_text) {
                    let evidence = (!f.evidence.is_empty())
                        .then(|| Value::Array(f.evidence.into_iter().map(Value::String).collect()));
                    self.change_at(
                        f.rule,
                        Position::Surface,
                        loc,
                        Side::New,
                        f.message,
                        None,
                        evidence,
                        None,
                    );
                }
            }
        }
    }
}

/// A location inside a schema comparison, built lazily: a chain of borrowed steps on
/// the stack, turned into pointers and a human path only when a change is reported
/// there. (Every compared node has a few dozen candidate locations, one per keyword;
/// building three strings for each cost more than the comparison itself.)
#[derive(Clone, Copy)]
struct At<'a> {
    up: Up<'a>,
    old: Tok<'a>,
    new: Tok<'a>,
    /// Human path segment (see [`join_path`]).
    seg: &'a str,
}

#[derive(Clone, Copy)]
enum Up<'a> {
    /// Where the comparison started.
    Root(&'a Loc),
    Step(&'a At<'a>),
}

/// A pointer token added on one side.
#[derive(Clone, Copy)]
enum Tok<'a> {
    /// The pointer on this side does not change.
    Same,
    Key(&'a str),
    Index(usize),
}

impl<'a> At<'a> {
    fn root(loc: &'a Loc) -> At<'a> {
        At {
            up: Up::Root(loc),
            old: Tok::Same,
            new: Tok::Same,
            seg: "",
        }
    }

    /// A child reached by the same token on both sides (as [`Loc::key`]).
    fn key<'b>(&'b self, token: &'b str, segment: &'b str) -> At<'b> {
        self.keys_on(Some(token), Some(token), segment)
    }

    /// A child reached by the same array index on both sides.
    fn index<'b>(&'b self, i: usize, segment: &'b str) -> At<'b> {
        self.index_on(Some(i), Some(i), segment)
    }

    /// A child with a token on either side (`None`: that side's pointer stays).
    fn keys_on<'b>(
        &'b self,
        old: Option<&'b str>,
        new: Option<&'b str>,
        segment: &'b str,
    ) -> At<'b> {
        At {
            up: Up::Step(self),
            old: old.map_or(Tok::Same, Tok::Key),
            new: new.map_or(Tok::Same, Tok::Key),
            seg: segment,
        }
    }

    /// A child with an array index on either side (`None`: that side's pointer stays).
    fn index_on<'b>(&'b self, old: Option<usize>, new: Option<usize>, segment: &'b str) -> At<'b> {
        At {
            up: Up::Step(self),
            old: old.map_or(Tok::Same, Tok::Index),
            new: new.map_or(Tok::Same, Tok::Index),
            seg: segment,
        }
    }

    /// The steps from the root (exclusive) to here, and the root.
    fn steps(&self) -> (&Loc, Vec<&At<'_>>) {
        let mut steps: Vec<&At<'_>> = Vec::new();
        let mut cur: &At<'_> = self;
        loop {
            match cur.up {
                Up::Root(loc) => {
                    steps.reverse();
                    return (loc, steps);
                }
                Up::Step(parent) => {
                    steps.push(cur);
                    cur = parent;
                }
            }
        }
    }

    /// The pointer into the old or the new snapshot.
    fn pointer(&self, side: Side) -> String {
        let (root, steps) = self.steps();
        let mut out = match side {
            Side::New => root.new.clone(),
            Side::Old => root.old.clone(),
        };
        for step in steps {
            let tok = match side {
                Side::New => step.new,
                Side::Old => step.old,
            };
            match tok {
                Tok::Same => {}
                Tok::Key(k) => push_into(&mut out, "", k),
                Tok::Index(i) => {
                    use std::fmt::Write as _;
                    let _ = write!(out, "/{i}");
                }
            }
        }
        out
    }

    /// The human path.
    fn path(&self) -> String {
        let (root, steps) = self.steps();
        let mut out = root.path.clone();
        for step in steps {
            if !step.seg.is_empty() {
                out = join_path(&out, step.seg);
            }
        }
        out
    }

    /// The owned location (for code outside the schema comparison).
    fn owned(&self) -> Loc {
        Loc {
            old: self.pointer(Side::Old),
            new: self.pointer(Side::New),
            path: self.path(),
        }
    }
}

/// Could one value match both branches? Judged on their type sets (a branch without a
/// type, or a reference, may match anything: fail closed).
fn branches_overlap(a: &Shape, b: &Shape) -> bool {
    let types = |s: &Shape| -> Option<BTreeSet<JsonType>> {
        match s {
            Shape::Bool(true) => None,
            Shape::Bool(false) => Some(BTreeSet::new()),
            Shape::Node(n) if n.reference.is_some() => None,
            Shape::Node(n) => {
                let mut t: BTreeSet<JsonType> = n.types?.iter().copied().collect();
                if n.nullable {
                    t.insert(JsonType::Null);
                }
                Some(t)
            }
        }
    };
    match (types(a), types(b)) {
        (None, Some(t)) | (Some(t), None) => !t.is_empty(),
        (None, None) => true,
        (Some(x), Some(y)) => x
            .iter()
            .any(|t| covered(*t, &y) || y.iter().any(|u| covered(*u, &x))),
    }
}

fn show_types(t: &Option<BTreeSet<JsonType>>) -> String {
    match t {
        None => "any".to_owned(),
        Some(s) => names(s).join("|"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::classify::policy::{Policy, SchemaPosition};
    use crate::classify::{Severity, diff};
    use crate::normalize::{Format, Options, snapshot_from_value};

    fn changes(
        old: Value,
        new: Value,
        position: SchemaPosition,
    ) -> Vec<(String, String, String, Severity)> {
        let options = Options {
            format: Format::JsonSchema,
            ..Options::default()
        };
        let o = snapshot_from_value(&old, &options).unwrap();
        let n = snapshot_from_value(&new, &options).unwrap();
        let policy = Policy {
            schema_position: position,
            ..Policy::default()
        };
        diff(&o, &n, &policy, None)
            .unwrap()
            .changes
            .into_iter()
            .map(|c| (c.rule, c.pointer, c.path, c.severity))
            .collect()
    }

    fn rules(old: Value, new: Value, position: SchemaPosition) -> Vec<String> {
        changes(old, new, position)
            .into_iter()
            .map(|c| c.0)
            .collect()
    }

    #[test]
    fn identical_and_equivalent_spellings_have_no_changes() {
        let a = json!({"type": "object", "properties": {"id": {"type": ["string", "null"]}}});
        let b = json!({"properties": {"id": {"anyOf": [{"type": "null"}, {"type": "string"}]}}, "type": "object"});
        assert!(changes(a.clone(), a.clone(), SchemaPosition::Input).is_empty());
        assert!(changes(a, b, SchemaPosition::Both).is_empty());
    }

    #[test]
    fn nullable_flip_is_one_change_whatever_the_spelling() {
        let a = json!({"properties": {"id": {"type": "string"}}});
        let b = json!({"properties": {"id": {"oneOf": [{"type": "string"}, {"type": "null"}]}}});
        assert_eq!(
            changes(a, b, SchemaPosition::Input),
            vec![(
                "nullable-added".to_owned(),
                "/surface/root/properties/id".to_owned(),
                "schema › id".to_owned(),
                Severity::Safe
            )]
        );
    }

    #[test]
    fn property_removed_depends_on_openness_and_position() {
        let open_old = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {}}, "required": ["a"]});
        let open_new = json!({"type": "object", "properties": {"b": {}}});
        let got = changes(open_old.clone(), open_new.clone(), SchemaPosition::Input);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            (got[0].0.as_str(), got[0].1.as_str(), got[0].3),
            (
                "property-removed",
                "/surface/root/properties/a",
                Severity::Safe
            )
        );
        let got = changes(open_old.clone(), open_new, SchemaPosition::Output);
        assert_eq!(
            (got[0].0.as_str(), got[0].3),
            ("property-removed", Severity::Breaking)
        );
        let closed_new =
            json!({"type": "object", "properties": {"b": {}}, "additionalProperties": false});
        let got = rules(open_old, closed_new, SchemaPosition::Input);
        assert_eq!(
            got,
            vec!["additional-properties-narrowed", "property-removed"]
        );
    }

    #[test]
    fn types_narrow_and_widen_by_position() {
        let num = json!({"type": "number"});
        let int = json!({"type": "integer"});
        assert_eq!(
            rules(num.clone(), int.clone(), SchemaPosition::Input),
            vec!["type-narrowed"]
        );
        assert_eq!(rules(int, num, SchemaPosition::Input), vec!["type-widened"]);
        assert_eq!(
            rules(
                json!({"type": "string"}),
                json!({"type": "boolean"}),
                SchemaPosition::Input
            ),
            vec!["type-changed"]
        );
    }

    #[test]
    fn enum_values_and_branch_pairing() {
        let a = json!({"enum": ["a", "b"]});
        let b = json!({"enum": ["b", "c"]});
        assert_eq!(
            rules(a, b, SchemaPosition::Input),
            vec!["enum-value-added", "enum-value-removed"]
        );
        let a = json!({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 1}]});
        let reordered = json!({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string"}]});
        assert!(rules(a.clone(), reordered, SchemaPosition::Input).is_empty());
        let widened = json!({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}, {"type": "boolean"}]});
        // Sorted by path: anyOf[0] (paired with the old integer branch) before anyOf[2].
        assert_eq!(
            rules(a, widened, SchemaPosition::Input),
            vec!["minimum-widened", "any-of-branch-added"]
        );
    }

    #[test]
    fn shared_schema_change_is_reported_once_per_location() {
        let defs = |t: &str| {
            json!({"$defs": {"A": {"type": "object", "properties": {"x": {"type": t}}}},
            "type": "object", "properties": {"p": {"$ref": "#/$defs/A"}, "q": {"$ref": "#/$defs/A"},
            "r": {"type": "array", "items": {"$ref": "#/$defs/A"}}}})
        };
        let got = changes(defs("string"), defs("integer"), SchemaPosition::Input);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "type-changed");
        assert_eq!(got[0].1, "/schemas/#~1$defs~1A/properties/x");
    }

    #[test]
    fn recursive_schemas_terminate() {
        let tree = |extra: bool| {
            let mut node = json!({"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}});
            if extra {
                node["properties"]["name"] = json!({"type": "string"});
            }
            json!({"$defs": {"node": node}, "$ref": "#/$defs/node"})
        };
        let got = changes(tree(false), tree(true), SchemaPosition::Input);
        assert_eq!(
            got.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            vec!["property-added-optional"]
        );
        assert_eq!(got[0].2, "schema › name");
    }

    #[test]
    fn long_reference_chains_use_no_stack() {
        let chain = |last: &str| {
            let mut defs = serde_json::Map::new();
            for i in 0..3000 {
                defs.insert(format!("s{i}"), json!({"type": "object", "properties": {"next": {"$ref": format!("#/$defs/s{}", i + 1)}}}));
            }
            defs.insert("s3000".into(), json!({"type": last}));
            json!({"$defs": defs, "$ref": "#/$defs/s0"})
        };
        let got = changes(chain("string"), chain("integer"), SchemaPosition::Input);
        assert_eq!(got.len(), 1);
        assert!(
            got[0].2.matches("next").count() == 3000,
            "{}",
            &got[0].2[..80]
        );
    }

    #[test]
    fn unknown_keywords_fail_closed() {
        let got = changes(
            json!({"frob": 1}),
            json!({"frob": 2}),
            SchemaPosition::Input,
        );
        assert_eq!(got[0].0, "unsupported-keyword-changed");
        assert_eq!(got[0].3, Severity::Dangerous);
        assert_eq!(
            rules(
                json!({"not": {"type": "string"}}),
                json!({"not": {"type": "integer"}}),
                SchemaPosition::Input
            ),
            vec!["not-changed"]
        );
        assert_eq!(
            rules(
                json!({"pattern": "^a"}),
                json!({"pattern": "^b"}),
                SchemaPosition::Input
            ),
            vec!["pattern-changed"]
        );
    }

    #[test]
    fn ref_replaced_by_equal_inline_schema_is_no_change() {
        let a = json!({"$defs": {"A": {"type": "string", "maxLength": 3}}, "properties": {"p": {"$ref": "#/$defs/A"}}});
        let b = json!({"properties": {"p": {"type": "string", "maxLength": 3}}});
        assert!(rules(a.clone(), b, SchemaPosition::Input).is_empty());
        let c = json!({"properties": {"p": {"type": "string", "maxLength": 2}}});
        assert_eq!(
            rules(a, c, SchemaPosition::Input),
            vec!["max-length-narrowed"]
        );
    }
}
