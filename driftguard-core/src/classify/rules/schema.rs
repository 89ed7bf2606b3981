//! Schema rules (`RULES.md` §Schema rules): one rule, two positions.
//!
//! In input position a schema may only accept more (old ⊆ new); in output position it
//! may only produce less (new ⊆ old). `*-narrowed` rules are B in input and S in
//! output, `*-widened` rules the reverse; each names the other as its mirror.

use super::{B, Condition, D, Levels, Rule, S, lv, same};

/// Narrowing: breaks callers, safe for readers.
const NARROW: (Levels, Levels) = (same(B), same(S));
/// Widening: safe for callers, breaks readers.
const WIDEN: (Levels, Levels) = (same(S), same(B));
/// Undecidable in both positions: fail closed (D), a break under strict.
const UNDECIDED: Levels = lv(B, D, D);
/// Documentation only.
const DOC: Levels = same(S);

const fn narrow(id: &'static str, description: &'static str) -> Rule {
    Rule::schema(id, description, NARROW.0, NARROW.1)
}

const fn widen(id: &'static str, description: &'static str) -> Rule {
    Rule::schema(id, description, WIDEN.0, WIDEN.1)
}

const STRICT_UNDECIDED: &str = "Fail closed: D in both positions. strict: B in both positions (a change that may break is treated as one that does).";

pub(super) const RULES: &[Rule] = &[
    // Types and null.
    narrow("type-narrowed", "a type was removed from the allowed set (incl. number → integer)")
        .mirror("type-widened"),
    widen("type-widened", "a type was added to the allowed set (incl. integer → number)")
        .mirror("type-narrowed"),
    Rule::schema("type-changed", "the allowed types were swapped for disjoint ones", same(B), same(B)),
    widen("nullable-added", "null became allowed (whatever the spelling: type, nullable, anyOf)")
        .mirror("nullable-removed")
        .notes("One change whatever the spelling."),
    narrow("nullable-removed", "null is no longer allowed (whatever the spelling)")
        .mirror("nullable-added")
        .notes("One change whatever the spelling."),
    // Object properties.
    Rule::schema("property-added-required", "a new required property", same(B), same(S))
        .when(Condition {
            when: "input: the new property has a default",
            input: Some(lv(B, B, S)),
            output: None,
            surface: None,
        })
        .notes("lenient: S in input when the new property has a default (the condition); otherwise B in every profile."),
    Rule::schema("property-added-optional", "a new optional property", lv(B, S, S), same(S))
        .when(Condition {
            when: "input: the object is closed (old data could not carry the key)",
            input: Some(same(S)),
            output: None,
            surface: None,
        })
        .notes("strict: B in input on an open object (old callers may already send the key with another shape); S on a closed object (the condition). MCP tool inputs report a new parameter as `mcp-tool-parameter-added` as well."),
    Rule::schema("property-removed", "a property was removed", same(B), same(B))
        .when(Condition {
            when: "input: the object stays open; output: the property was optional",
            input: Some(same(S)),
            output: Some(lv(B, D, D)),
            surface: None,
        })
        .notes("Input: S if the object stays open (old callers' key is still accepted), else B. Output: B if the property was required, else D (strict: B)."),
    narrow("property-became-required", "an optional property became required")
        .mirror("property-became-optional"),
    widen("property-became-optional", "a required property became optional")
        .mirror("property-became-required"),
    Rule::schema(
        "additional-properties-narrowed",
        "additionalProperties/unevaluatedProperties tightened",
        same(B),
        same(S),
    ),
    Rule::schema(
        "additional-properties-widened",
        "additionalProperties/unevaluatedProperties loosened",
        same(S),
        lv(B, D, S),
    )
    .notes("Output: D. strict: B (readers may reject unknown properties). lenient: S (a tolerant reader ignores unknown properties)."),
    narrow("pattern-properties-added", "a patternProperties entry was added (matching keys are constrained)")
        .mirror("pattern-properties-removed"),
    widen("pattern-properties-removed", "a patternProperties entry was removed")
        .mirror("pattern-properties-added"),
    narrow("property-names-narrowed", "propertyNames accepts fewer keys")
        .mirror("property-names-widened"),
    widen("property-names-widened", "propertyNames accepts more keys")
        .mirror("property-names-narrowed"),
    narrow("min-properties-narrowed", "minProperties raised").mirror("min-properties-widened"),
    widen("min-properties-widened", "minProperties lowered or dropped").mirror("min-properties-narrowed"),
    narrow("max-properties-narrowed", "maxProperties lowered or introduced").mirror("max-properties-widened"),
    widen("max-properties-widened", "maxProperties raised or dropped").mirror("max-properties-narrowed"),
    narrow("dependent-required-added", "a dependentRequired entry was added (incl. draft-04–07 `dependencies`)")
        .mirror("dependent-required-removed"),
    widen("dependent-required-removed", "a dependentRequired entry was removed (incl. draft-04–07 `dependencies`)")
        .mirror("dependent-required-added"),
    narrow("dependent-schema-added", "a dependentSchemas entry was added (incl. draft-04–07 `dependencies`)")
        .mirror("dependent-schema-removed"),
    widen("dependent-schema-removed", "a dependentSchemas entry was removed (incl. draft-04–07 `dependencies`)")
        .mirror("dependent-schema-added"),
    // Strings.
    narrow("min-length-narrowed", "minLength raised").mirror("min-length-widened"),
    widen("min-length-widened", "minLength lowered or dropped").mirror("min-length-narrowed"),
    narrow("max-length-narrowed", "maxLength lowered or introduced").mirror("max-length-widened"),
    widen("max-length-widened", "maxLength raised or dropped").mirror("max-length-narrowed"),
    narrow("pattern-added", "a pattern was introduced").mirror("pattern-removed"),
    widen("pattern-removed", "a pattern was dropped").mirror("pattern-added"),
    narrow("pattern-narrowed", "the pattern changed and the new language is proven a subset of the old")
        .mirror("pattern-widened")
        .notes("Only where inclusion is proven (regular subset); otherwise `pattern-changed`."),
    widen("pattern-widened", "the pattern changed and the old language is proven a subset of the new")
        .mirror("pattern-narrowed")
        .notes("Only where inclusion is proven (regular subset); otherwise `pattern-changed`."),
    Rule::schema("pattern-changed", "the pattern changed and inclusion could not be proven either way", UNDECIDED, UNDECIDED)
        .notes(STRICT_UNDECIDED),
    Rule::schema("format-added", "a format was introduced", lv(B, D, D), same(S))
        .mirror("format-removed")
        .notes("Input: D (validators may start rejecting values). strict: B."),
    Rule::schema("format-removed", "a format was dropped", same(S), lv(B, D, D))
        .mirror("format-added")
        .notes("Output: D (readers parsing the format may fail). strict: B."),
    widen("format-widened", "a known format widening (int32 → int64, float → double)")
        .mirror("format-narrowed"),
    narrow("format-narrowed", "a known format narrowing (int64 → int32, double → float)")
        .mirror("format-widened")
        .notes("Not in the catalog's table: the reverse of `format-widened`, so that swapping old and new swaps the rule."),
    Rule::schema("format-changed", "any other format change", UNDECIDED, UNDECIDED).notes(STRICT_UNDECIDED),
    Rule::schema("content-encoding-changed", "contentEncoding changed", same(B), same(B)),
    Rule::schema("content-media-type-changed", "contentMediaType changed", same(B), same(B)),
    // Numbers.
    narrow("minimum-narrowed", "minimum/exclusiveMinimum raised (exclusive forms normalized first)")
        .mirror("minimum-widened"),
    widen("minimum-widened", "minimum/exclusiveMinimum lowered or dropped").mirror("minimum-narrowed"),
    narrow("maximum-narrowed", "maximum/exclusiveMaximum lowered or introduced (exclusive forms normalized first)")
        .mirror("maximum-widened"),
    widen("maximum-widened", "maximum/exclusiveMaximum raised or dropped").mirror("maximum-narrowed"),
    narrow("multiple-of-narrowed", "multipleOf changed to a multiple of the old value, or introduced")
        .mirror("multiple-of-widened"),
    widen("multiple-of-widened", "multipleOf changed to a divisor of the old value, or dropped")
        .mirror("multiple-of-narrowed"),
    Rule::schema("multiple-of-changed", "multipleOf changed to an unrelated value", same(B), same(B)),
    // Arrays.
    narrow("min-items-narrowed", "minItems raised").mirror("min-items-widened"),
    widen("min-items-widened", "minItems lowered or dropped").mirror("min-items-narrowed"),
    narrow("max-items-narrowed", "maxItems lowered or introduced").mirror("max-items-widened"),
    widen("max-items-widened", "maxItems raised or dropped").mirror("max-items-narrowed"),
    narrow("unique-items-added", "uniqueItems became true").mirror("unique-items-removed"),
    widen("unique-items-removed", "uniqueItems became false").mirror("unique-items-added"),
    narrow("contains-narrowed", "contains/minContains/maxContains accept fewer arrays").mirror("contains-widened"),
    widen("contains-widened", "contains/minContains/maxContains accept more arrays").mirror("contains-narrowed"),
    narrow("tuple-item-added", "a prefixItems (array-form items) entry was added")
        .mirror("tuple-item-removed")
        .when(Condition {
            when: "the old tuple's tail was closed (items/additionalItems false): the new entry allows longer arrays",
            input: Some(same(S)),
            output: Some(same(B)),
            surface: None,
        })
        .notes("Depends on the tail: with an open tail (JSON Schema's default) the new entry constrains a position that accepted anything: B in input, S in output; with a closed tail it allows longer arrays (the condition): S / B."),
    widen("tuple-item-removed", "a prefixItems (array-form items) entry was removed")
        .mirror("tuple-item-added")
        .when(Condition {
            when: "the new tuple's tail is closed: fewer items are allowed",
            input: Some(same(B)),
            output: Some(same(S)),
            surface: None,
        })
        .notes("Depends on the tail: with an open tail the position now accepts anything: S in input, B in output; with a closed tail arrays must be shorter (the condition): B / S."),
    narrow("additional-items-narrowed", "additionalItems/unevaluatedItems/2020-12 items tail tightened")
        .mirror("additional-items-widened"),
    widen("additional-items-widened", "additionalItems/unevaluatedItems/2020-12 items tail loosened")
        .mirror("additional-items-narrowed"),
    // Enumerations and constants.
    Rule::schema("enum-value-added", "a value was added to an enum", same(S), lv(B, D, S))
        .when(Condition {
            when: "output: the enum is marked `x-extensible-enum`",
            input: None,
            output: Some(same(S)),
            surface: None,
        })
        .notes("Output: D (readers switching on the value meet one they do not know). strict: B. lenient: S (a tolerant reader has a default branch). S in every profile with `x-extensible-enum` (the condition)."),
    narrow("enum-value-removed", "a value was removed from an enum"),
    narrow("enum-added", "an enum was introduced").mirror("enum-removed"),
    widen("enum-removed", "an enum was dropped").mirror("enum-added"),
    narrow("const-added", "a const was introduced").mirror("const-removed"),
    widen("const-removed", "a const was dropped").mirror("const-added"),
    Rule::schema("const-changed", "the const value changed", same(B), same(B)),
    // Composition.
    widen("any-of-branch-added", "an anyOf branch was added (branches matched by best pairing, not by index)")
        .mirror("any-of-branch-removed"),
    widen("one-of-branch-added", "a oneOf branch was added (branches matched by best pairing, not by index)")
        .mirror("one-of-branch-removed")
        .when(Condition {
            when: "input: the new branch overlaps an existing one (values matching both now fail oneOf)",
            input: Some(same(B)),
            output: None,
            surface: None,
        })
        .notes("Input: S, B if the new branch overlaps an existing one (the condition)."),
    narrow("any-of-branch-removed", "an anyOf branch was removed").mirror("any-of-branch-added"),
    narrow("one-of-branch-removed", "a oneOf branch was removed").mirror("one-of-branch-added"),
    narrow("all-of-member-added", "an allOf member was added (only where allOf could not be merged)")
        .mirror("all-of-member-removed"),
    widen("all-of-member-removed", "an allOf member was removed (only where allOf could not be merged)")
        .mirror("all-of-member-added"),
    narrow("composition-narrowed", "the combinator became stricter (e.g. anyOf → oneOf)")
        .mirror("composition-widened"),
    widen("composition-widened", "the combinator became looser (e.g. oneOf → anyOf)")
        .mirror("composition-narrowed"),
    Rule::schema("not-changed", "a `not` subschema changed", UNDECIDED, UNDECIDED)
        .notes("Fail closed unless provable. strict: B in both positions (a change that may break is treated as one that does)."),
    narrow("conditional-added", "an if/then/else was introduced").mirror("conditional-removed"),
    widen("conditional-removed", "an if/then/else was dropped").mirror("conditional-added"),
    Rule::schema("conditional-changed", "an if/then/else changed", UNDECIDED, UNDECIDED).notes(STRICT_UNDECIDED),
    Rule::schema("discriminator-property-changed", "the discriminator's propertyName changed", same(B), same(B)),
    Rule::schema("discriminator-mapping-added", "a discriminator mapping entry was added", same(S), lv(B, D, S))
        .notes("Output: D (a new subtype readers may not know). strict: B. lenient: S (a tolerant reader skips unknown subtypes)."),
    narrow("discriminator-mapping-removed", "a discriminator mapping entry was removed"),
    // Annotations with an effect.
    Rule::schema("default-added", "a default was introduced", lv(B, D, D), same(S))
        .notes("Input: D (callers omitting the value now get the default). strict: B."),
    Rule::schema("default-removed", "a default was dropped", lv(B, D, D), same(S))
        .notes("Input: D (callers omitting the value lose the default). strict: B."),
    Rule::schema("default-changed", "the default value changed", lv(B, D, D), same(S))
        .notes("Input: D (callers omitting the value get another one). strict: B."),
    Rule::schema(
        "read-only-added",
        "a property became readOnly: it leaves the input projection",
        same(B),
        same(S),
    )
    .mirror("write-only-added")
    .when(Condition {
        when: "input: the object stays open",
        input: Some(same(S)),
        output: None,
        surface: None,
    })
    .notes("Input: as `property-removed` (B, S if the object stays open: the condition). Output: S (the property is still produced)."),
    Rule::schema(
        "write-only-added",
        "a property became writeOnly: it leaves the output projection",
        same(S),
        same(B),
    )
    .mirror("read-only-added")
    .when(Condition {
        when: "output: the property was optional",
        input: None,
        output: Some(lv(B, D, D)),
        surface: None,
    })
    .notes("Output: as `property-removed` (B if it was required, else D: the condition; strict: B). Input: S (the property is still accepted)."),
    Rule::schema(
        "read-only-removed",
        "a property is no longer readOnly: it enters the input projection",
        same(B),
        same(S),
    )
    .when(Condition {
        when: "input: the property is optional",
        input: Some(lv(B, S, S)),
        output: None,
        surface: None,
    })
    .notes("Not in the catalog's table: the reverse of `read-only-added`. Input: as a new property (`property-added-required` B; optional: the condition, S, strict B). Output: S."),
    Rule::schema(
        "write-only-removed",
        "a property is no longer writeOnly: it enters the output projection",
        same(S),
        same(S),
    )
    .notes("Not in the catalog's table: the reverse of `write-only-added`. As a new output property: S."),
    Rule::schema("deprecated-added", "a schema or property was marked deprecated", DOC, DOC)
        .mirror("deprecated-removed"),
    Rule::schema("deprecated-removed", "a schema or property is no longer deprecated", DOC, DOC)
        .mirror("deprecated-added"),
    Rule::schema(
        "deprecated-element-removed",
        "something already marked deprecated was removed",
        lv(B, D, D),
        lv(B, D, D),
    )
    .notes("Reported instead of the plain removal's B: deprecation was the notice. strict: B (no deprecation discount)."),
    // Documentation.
    Rule::schema("description-changed", "a description changed", DOC, DOC)
        .notes("In MCP tool schemas the text is model-visible: the engine also runs the description heuristics (`mcp-description-*`)."),
    Rule::schema("title-changed", "a title changed", DOC, DOC),
    Rule::schema("examples-changed", "examples changed", DOC, DOC),
    // Meta.
    Rule::schema("dialect-changed", "`$schema` (the dialect) changed", UNDECIDED, UNDECIDED).notes(STRICT_UNDECIDED),
    Rule::schema(
        "unsupported-keyword-changed",
        "a keyword the classifier does not model changed",
        UNDECIDED,
        UNDECIDED,
    )
    .notes(STRICT_UNDECIDED),
    narrow("schema-became-false", "the schema became `false` (rejects everything)").mirror("schema-became-true"),
    widen("schema-became-true", "the schema became `true` (accepts anything)").mirror("schema-became-false"),
];
