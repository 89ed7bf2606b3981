use std::collections::BTreeSet;

use super::*;

const PROFILES: [Profile; 3] = [Profile::Strict, Profile::Standard, Profile::Lenient];
const POSITIONS: [Position; 3] = [Position::Input, Position::Output, Position::Surface];

/// Every id named in `RULES.md` §Schema rules, §OpenAPI surface rules, §MCP rules and §Package rules,
/// with the catalog's shorthand rows (`min-/max-length-narrowed / -widened`…) spelt out.
const CATALOG_IDS: &[&str] = &[
    // Schema rules.
    "type-narrowed",
    "type-widened",
    "type-changed",
    "nullable-added",
    "nullable-removed",
    "property-added-required",
    "property-added-optional",
    "property-removed",
    "property-became-required",
    "property-became-optional",
    "additional-properties-narrowed",
    "additional-properties-widened",
    "pattern-properties-added",
    "pattern-properties-removed",
    "property-names-narrowed",
    "property-names-widened",
    "min-properties-narrowed",
    "min-properties-widened",
    "max-properties-narrowed",
    "max-properties-widened",
    "dependent-required-added",
    "dependent-required-removed",
    "dependent-schema-added",
    "dependent-schema-removed",
    "min-length-narrowed",
    "min-length-widened",
    "max-length-narrowed",
    "max-length-widened",
    "pattern-added",
    "pattern-removed",
    "pattern-narrowed",
    "pattern-widened",
    "pattern-changed",
    "format-added",
    "format-removed",
    "format-widened",
    "format-changed",
    "content-encoding-changed",
    "content-media-type-changed",
    "minimum-narrowed",
    "minimum-widened",
    "maximum-narrowed",
    "maximum-widened",
    "multiple-of-narrowed",
    "multiple-of-widened",
    "multiple-of-changed",
    "min-items-narrowed",
    "min-items-widened",
    "max-items-narrowed",
    "max-items-widened",
    "unique-items-added",
    "unique-items-removed",
    "contains-narrowed",
    "contains-widened",
    "tuple-item-added",
    "tuple-item-removed",
    "additional-items-narrowed",
    "additional-items-widened",
    "enum-value-added",
    "enum-value-removed",
    "enum-added",
    "enum-removed",
    "const-added",
    "const-removed",
    "const-changed",
    "any-of-branch-added",
    "one-of-branch-added",
    "any-of-branch-removed",
    "one-of-branch-removed",
    "all-of-member-added",
    "all-of-member-removed",
    "composition-narrowed",
    "composition-widened",
    "not-changed",
    "conditional-added",
    "conditional-removed",
    "conditional-changed",
    "discriminator-property-changed",
    "discriminator-mapping-added",
    "discriminator-mapping-removed",
    "default-added",
    "default-removed",
    "default-changed",
    "read-only-added",
    "write-only-added",
    "deprecated-added",
    "deprecated-removed",
    "deprecated-element-removed",
    "description-changed",
    "title-changed",
    "examples-changed",
    "dialect-changed",
    "unsupported-keyword-changed",
    "schema-became-false",
    "schema-became-true",
    // OpenAPI surface rules.
    "operation-removed",
    "operation-added",
    "operation-deprecated",
    "operation-undeprecated",
    "parameter-added-required",
    "parameter-added-optional",
    "parameter-removed",
    "parameter-became-required",
    "parameter-became-optional",
    "parameter-location-changed",
    "parameter-style-changed",
    "parameter-explode-changed",
    "request-body-added-required",
    "request-body-added-optional",
    "request-body-removed",
    "request-body-became-required",
    "request-body-became-optional",
    "request-media-type-added",
    "request-media-type-removed",
    "response-status-added",
    "response-status-removed",
    "response-media-type-added",
    "response-media-type-removed",
    "response-header-added",
    "response-header-removed",
    "response-header-became-optional",
    "security-requirement-added",
    "security-requirement-removed",
    "security-scope-added",
    "security-scope-removed",
    "security-scheme-changed",
    "server-url-changed",
    "operation-id-changed",
    "tag-changed",
    "webhook-added",
    "webhook-removed",
    "api-version-changed",
    "api-major-version-not-bumped",
    // MCP rules.
    "mcp-tool-removed",
    "mcp-tool-renamed",
    "mcp-tool-added",
    "mcp-tool-parameter-added",
    "mcp-tool-description-changed",
    "mcp-description-hidden-characters",
    "mcp-description-injection",
    "mcp-description-exfiltration-target",
    "mcp-description-grew",
    "mcp-annotation-escalated",
    "mcp-annotation-relaxed",
    "mcp-annotation-added",
    "mcp-tool-title-changed",
    "mcp-tool-icons-changed",
    "mcp-instructions-changed",
    "mcp-server-version-changed",
    "mcp-capability-added",
    "mcp-capability-removed",
    // Package rules.
    "package-version-changed",
    "package-integrity-mismatch",
    "package-install-script-added",
    "package-install-script-changed",
    "package-dependency-added",
    "package-dependency-removed",
    "package-dependency-changed",
    "package-file-added",
    "package-file-removed",
    "package-file-changed",
    "package-code-suspicious",
    "package-maintainer-changed",
];

/// Rules the brief for the registry asked for beyond the catalog's table, and the
/// reverse rules added so that swapping old and new swaps the rule.
const ADDED_IDS: &[&str] = &[
    "format-narrowed",
    "read-only-removed",
    "write-only-removed",
    "policy-ignore-expired",
    "mcp-tool-execution-changed",
    "mcp-tool-output-schema-added",
    "mcp-tool-output-schema-removed",
    "mcp-server-name-changed",
    "mcp-server-title-changed",
    "mcp-server-icons-changed",
    "mcp-server-website-url-changed",
    "response-header-became-required",
    "extension-changed",
    "mcp-protocol-version-changed",
    "mcp-prompt-added",
    "mcp-prompt-removed",
    "mcp-prompt-renamed",
    "mcp-prompt-description-changed",
    "mcp-prompt-title-changed",
    "mcp-prompt-icons-changed",
    "mcp-prompt-argument-added-required",
    "mcp-prompt-argument-added-optional",
    "mcp-prompt-argument-removed",
    "mcp-prompt-argument-became-required",
    "mcp-prompt-argument-became-optional",
    "mcp-resource-added",
    "mcp-resource-removed",
    "mcp-resource-changed",
    "mcp-resource-template-added",
    "mcp-resource-template-removed",
    "mcp-resource-template-changed",
    "package-identity-changed",
    "package-install-script-removed",
    "package-entry-point-changed",
    "package-code-not-reviewed",
];

fn count(area: Area) -> usize {
    all().iter().filter(|r| r.area == area).count()
}

#[test]
fn rule_count_is_pinned() {
    // Adding a rule means adding it here, to its vectors and to the docs.
    assert_eq!(count(Area::Schema), 98);
    assert_eq!(count(Area::Openapi), 40);
    assert_eq!(count(Area::Mcp), 43);
    assert_eq!(count(Area::Policy), 1);
    assert_eq!(count(Area::Package), 16);
    assert_eq!(all().len(), 198);
    assert_eq!(list_rules().len(), all().len());
}

#[test]
fn registry_is_exactly_the_catalog_plus_the_additions() {
    let ids: BTreeSet<&str> = all().iter().map(|r| r.id).collect();
    let expected: BTreeSet<&str> = CATALOG_IDS.iter().chain(ADDED_IDS).copied().collect();
    assert_eq!(
        CATALOG_IDS.len() + ADDED_IDS.len(),
        expected.len(),
        "lists overlap"
    );
    let missing: Vec<_> = expected.difference(&ids).collect();
    let unlisted: Vec<_> = ids.difference(&expected).collect();
    assert!(
        missing.is_empty(),
        "catalog ids missing from the registry: {missing:?}"
    );
    assert!(
        unlisted.is_empty(),
        "registry ids in neither list: {unlisted:?}"
    );
}

#[test]
fn ids_are_unique_and_kebab_case() {
    let mut seen = BTreeSet::new();
    for r in all() {
        assert!(seen.insert(r.id), "duplicate id {}", r.id);
        let ok = !r.id.is_empty()
            && !r.id.starts_with('-')
            && !r.id.ends_with('-')
            && !r.id.contains("--")
            && r.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && r.id.starts_with(|c: char| c.is_ascii_lowercase());
        assert!(ok, "not kebab-case: {:?}", r.id);
    }
}

#[test]
fn area_prefixes_and_descriptions() {
    for r in all() {
        assert_eq!(r.id.starts_with("mcp-"), r.area == Area::Mcp, "{}", r.id);
        assert_eq!(
            r.id.starts_with("policy-"),
            r.area == Area::Policy,
            "{}",
            r.id
        );
        assert_eq!(
            r.id.starts_with("package-"),
            r.area == Area::Package,
            "{}",
            r.id
        );
        assert!(!r.description.is_empty(), "{}", r.id);
        assert!(!r.description.contains('\n'), "{}: one line", r.id);
        assert!(!r.notes.contains('\n'), "{}: notes on one line", r.id);
    }
}

#[test]
fn schema_rules_have_both_positions_and_others_only_surface() {
    for r in all() {
        if r.area == Area::Schema {
            assert!(r.input.is_some() && r.output.is_some(), "{}", r.id);
            assert!(r.surface.is_none(), "{}", r.id);
        } else {
            assert!(r.surface.is_some(), "{}", r.id);
            assert!(r.input.is_none() && r.output.is_none(), "{}", r.id);
        }
        if let Some(c) = &r.condition {
            assert!(!c.when.is_empty(), "{}", r.id);
            assert!(!r.notes.is_empty(), "{}: a condition needs notes", r.id);
            let mut changes_something = false;
            for (p, alt) in [
                (Position::Input, c.input),
                (Position::Output, c.output),
                (Position::Surface, c.surface),
            ] {
                if let Some(alt) = alt {
                    let default = r.levels(p);
                    assert!(
                        default.is_some(),
                        "{}: condition in a position it lacks",
                        r.id
                    );
                    changes_something |= default != Some(&alt);
                }
            }
            assert!(
                changes_something,
                "{}: a condition that changes nothing",
                r.id
            );
        }
    }
}

#[test]
fn severity_answers_only_where_the_rule_applies() {
    use Severity::*;
    let s = |id, p| severity(id, p, Profile::Standard);
    assert_eq!(s("type-narrowed", Position::Input), Some(Breaking));
    assert_eq!(s("type-narrowed", Position::Output), Some(Safe));
    assert_eq!(s("type-narrowed", Position::Surface), None);
    assert_eq!(s("operation-removed", Position::Surface), Some(Breaking));
    assert_eq!(s("operation-removed", Position::Input), None);
    assert_eq!(s("mcp-tool-added", Position::Surface), Some(Dangerous));
    assert_eq!(s("no-such-rule", Position::Surface), None);
    assert_eq!(
        s("policy-ignore-expired", Position::Surface),
        Some(Dangerous)
    );
    assert!(get("no-such-rule").is_none());
    assert_eq!(get("mcp-tool-added").map(|r| r.area), Some(Area::Mcp));
}

#[test]
fn profile_notes_pinned_examples() {
    use Severity::*;
    let at = |id, p, prof| severity(id, p, prof);
    // RULES.md: strict `enum-value-added` Out = B; lenient (tolerant reader) S.
    assert_eq!(
        at("enum-value-added", Position::Output, Profile::Strict),
        Some(Breaking)
    );
    assert_eq!(
        at("enum-value-added", Position::Output, Profile::Standard),
        Some(Dangerous)
    );
    assert_eq!(
        at("enum-value-added", Position::Output, Profile::Lenient),
        Some(Safe)
    );
    assert_eq!(
        severity_if("enum-value-added", Position::Output, Profile::Strict, true),
        Some(Safe)
    );
    // strict `property-added-optional` In on an open object = B, S on a closed one.
    assert_eq!(
        at("property-added-optional", Position::Input, Profile::Strict),
        Some(Breaking)
    );
    assert_eq!(
        severity_if(
            "property-added-optional",
            Position::Input,
            Profile::Strict,
            true
        ),
        Some(Safe)
    );
    assert_eq!(
        at(
            "property-added-optional",
            Position::Input,
            Profile::Standard
        ),
        Some(Safe)
    );
    // strict `additional-properties-widened` Out = B.
    assert_eq!(
        at(
            "additional-properties-widened",
            Position::Output,
            Profile::Strict
        ),
        Some(Breaking)
    );
    assert_eq!(
        at(
            "additional-properties-widened",
            Position::Output,
            Profile::Lenient
        ),
        Some(Safe)
    );
    // lenient `property-added-required` In stays B; S with a default.
    assert_eq!(
        at("property-added-required", Position::Input, Profile::Lenient),
        Some(Breaking)
    );
    assert_eq!(
        severity_if(
            "property-added-required",
            Position::Input,
            Profile::Lenient,
            true
        ),
        Some(Safe)
    );
    assert_eq!(
        severity_if(
            "property-added-required",
            Position::Input,
            Profile::Standard,
            true
        ),
        Some(Breaking)
    );
}

#[test]
fn conditional_severities() {
    use Severity::*;
    let sif = |id, p, holds| severity_if(id, p, Profile::Standard, holds);
    assert_eq!(
        sif("property-removed", Position::Input, false),
        Some(Breaking)
    );
    assert_eq!(sif("property-removed", Position::Input, true), Some(Safe));
    assert_eq!(
        sif("property-removed", Position::Output, false),
        Some(Breaking)
    );
    assert_eq!(
        sif("property-removed", Position::Output, true),
        Some(Dangerous)
    );
    assert_eq!(
        severity_if("property-removed", Position::Output, Profile::Strict, true),
        Some(Breaking)
    );
    assert_eq!(
        sif("operation-removed", Position::Surface, true),
        Some(Dangerous)
    );
    assert_eq!(
        sif("operation-removed", Position::Surface, false),
        Some(Breaking)
    );
    assert_eq!(
        severity_if(
            "operation-removed",
            Position::Surface,
            Profile::Strict,
            true
        ),
        Some(Breaking)
    );
    assert_eq!(
        sif("response-status-added", Position::Surface, false),
        Some(Dangerous)
    );
    assert_eq!(
        sif("response-status-added", Position::Surface, true),
        Some(Safe)
    );
    assert_eq!(
        sif("response-status-removed", Position::Surface, true),
        Some(Safe)
    );
    assert_eq!(
        sif("response-header-removed", Position::Surface, true),
        Some(Dangerous)
    );
    assert_eq!(
        sif("one-of-branch-added", Position::Input, false),
        Some(Safe)
    );
    assert_eq!(
        sif("one-of-branch-added", Position::Input, true),
        Some(Breaking)
    );
    assert_eq!(
        sif("one-of-branch-added", Position::Output, true),
        Some(Breaking)
    );
    assert_eq!(sif("tuple-item-added", Position::Input, true), Some(Safe));
    assert_eq!(
        sif("tuple-item-added", Position::Output, true),
        Some(Breaking)
    );
    assert_eq!(
        sif("mcp-tool-parameter-added", Position::Surface, false),
        Some(Breaking)
    );
    assert_eq!(
        sif("mcp-tool-parameter-added", Position::Surface, true),
        Some(Dangerous)
    );
    // No condition: the condition flag changes nothing; unknown position stays None.
    assert_eq!(sif("type-narrowed", Position::Input, true), Some(Breaking));
    assert_eq!(sif("type-narrowed", Position::Surface, true), None);
}

/// oasdiff's `rule_symmetry_test` idea: a mirror is a real rule pointing back, and the
/// standard severities are mirrored across positions (also under every profile, and
/// for the conditional levels when both rules have one).
#[test]
fn mirrors_are_reciprocal_and_symmetric() {
    let mut mirrored = 0;
    for r in all() {
        let Some(m) = r.mirror else { continue };
        mirrored += 1;
        let other = get(m).unwrap_or_else(|| panic!("{}: mirror {m} is not a rule", r.id));
        assert_ne!(other.id, r.id, "{} mirrors itself", r.id);
        assert_eq!(
            other.mirror,
            Some(r.id),
            "{} → {m} does not point back",
            r.id
        );
        assert_eq!(
            r.area,
            Area::Schema,
            "{}: only schema rules have positions to mirror",
            r.id
        );
        for prof in PROFILES {
            assert_eq!(
                severity(r.id, Position::Input, prof),
                severity(m, Position::Output, prof),
                "{} In vs {m} Out under {prof:?}",
                r.id
            );
            assert_eq!(
                severity(r.id, Position::Output, prof),
                severity(m, Position::Input, prof),
                "{} Out vs {m} In under {prof:?}",
                r.id
            );
        }
    }
    assert_eq!(mirrored, 68);
}

/// Catalog rows of the form `X / Y | a / b | c / d` where `a = d` and `b = c` are
/// mirrors; check that every such pair found by name is declared.
#[test]
fn narrowed_widened_pairs_are_declared_mirrors() {
    for r in all().iter().filter(|r| r.id.ends_with("-narrowed")) {
        let stem = r.id.trim_end_matches("-narrowed");
        let widened = format!("{stem}-widened");
        if get(&widened).is_some() {
            let symmetric = severity(r.id, Position::Input, Profile::Standard)
                == severity(&widened, Position::Output, Profile::Standard)
                && severity(r.id, Position::Output, Profile::Standard)
                    == severity(&widened, Position::Input, Profile::Standard);
            if symmetric {
                assert_eq!(
                    r.mirror,
                    Some(get(&widened).map_or("", |w| w.id)),
                    "{}",
                    r.id
                );
            }
        }
    }
}

#[test]
fn strict_never_below_standard_and_lenient_never_above() {
    for r in all() {
        let mut levels: Vec<(&str, Levels)> = Vec::new();
        for p in POSITIONS {
            if let Some(l) = r.levels(p) {
                levels.push(("default", *l));
            }
            if let Some(l) = r.levels_if(p, true) {
                levels.push(("condition", *l));
            }
        }
        for (which, l) in levels {
            assert!(
                l.strict >= l.standard,
                "{} ({which}): strict below standard",
                r.id
            );
            assert!(
                l.lenient <= l.standard,
                "{} ({which}): lenient above standard",
                r.id
            );
        }
    }
}

#[test]
fn every_profile_deviation_is_documented() {
    for r in all() {
        for p in POSITIONS {
            let Some(l) = r.levels(p) else { continue };
            if l.strict != l.standard {
                assert!(
                    r.notes.contains("strict"),
                    "{}: strict deviation undocumented",
                    r.id
                );
            }
            if l.lenient != l.standard {
                assert!(
                    r.notes.contains("lenient"),
                    "{}: lenient deviation undocumented",
                    r.id
                );
            }
        }
        if let Some(c) = &r.condition {
            for l in [c.input, c.output, c.surface].into_iter().flatten() {
                if l.strict != l.standard {
                    assert!(
                        r.notes.contains("strict"),
                        "{}: strict deviation undocumented",
                        r.id
                    );
                }
                if l.lenient != l.standard {
                    assert!(
                        r.notes.contains("lenient"),
                        "{}: lenient deviation undocumented",
                        r.id
                    );
                }
            }
        }
    }
}

#[test]
fn security_rules_are_tagged_and_profile_independent() {
    for id in [
        "mcp-tool-added",
        "mcp-tool-parameter-added",
        "mcp-tool-description-changed",
        "mcp-description-hidden-characters",
        "mcp-description-injection",
        "mcp-description-exfiltration-target",
        "mcp-description-grew",
        "mcp-annotation-escalated",
        "mcp-instructions-changed",
        "mcp-server-version-changed",
    ] {
        let r = get(id).unwrap_or_else(|| panic!("{id}"));
        assert!(r.has_tag(SECURITY), "{id}");
    }
    for r in all()
        .iter()
        .filter(|r| r.area == Area::Mcp || r.has_tag(SECURITY))
    {
        for p in POSITIONS {
            if let Some(l) = r.levels_if(p, false) {
                assert!(
                    l.strict == l.standard && l.lenient == l.standard,
                    "{}",
                    r.id
                );
            }
        }
    }
    assert!(!get("mcp-tool-title-changed").is_some_and(|r| r.has_tag(SECURITY)));
    for r in all() {
        for t in r.tags {
            assert_eq!(*t, SECURITY, "{}: unknown tag", r.id);
        }
    }
}

#[test]
fn catalog_severities_spot_checks() {
    use Severity::*;
    let s = |id, p| severity(id, p, Profile::Standard);
    let (i, o, x) = (Position::Input, Position::Output, Position::Surface);
    for (id, input, output) in [
        ("type-changed", Breaking, Breaking),
        ("nullable-added", Safe, Breaking),
        ("nullable-removed", Breaking, Safe),
        ("additional-properties-widened", Safe, Dangerous),
        ("pattern-changed", Dangerous, Dangerous),
        ("format-added", Dangerous, Safe),
        ("format-removed", Safe, Dangerous),
        ("format-widened", Safe, Breaking),
        ("multiple-of-changed", Breaking, Breaking),
        ("enum-value-removed", Breaking, Safe),
        ("const-changed", Breaking, Breaking),
        ("discriminator-mapping-added", Safe, Dangerous),
        ("discriminator-mapping-removed", Breaking, Safe),
        ("default-changed", Dangerous, Safe),
        ("deprecated-element-removed", Dangerous, Dangerous),
        ("schema-became-false", Breaking, Safe),
        ("unsupported-keyword-changed", Dangerous, Dangerous),
    ] {
        assert_eq!((s(id, i), s(id, o)), (Some(input), Some(output)), "{id}");
    }
    for (id, sev) in [
        ("parameter-removed", Dangerous),
        ("request-body-removed", Dangerous),
        ("request-body-became-required", Breaking),
        ("response-header-became-optional", Breaking),
        ("security-requirement-added", Breaking),
        ("security-requirement-removed", Dangerous),
        ("operation-id-changed", Dangerous),
        ("tag-changed", Safe),
        ("webhook-removed", Breaking),
        ("api-major-version-not-bumped", Dangerous),
        ("mcp-description-injection", Breaking),
        ("mcp-description-grew", Dangerous),
        ("mcp-capability-removed", Safe),
        ("mcp-prompt-added", Safe),
        ("mcp-resource-added", Safe),
        ("mcp-resource-template-added", Safe),
        ("mcp-prompt-removed", Breaking),
        ("mcp-prompt-argument-became-required", Breaking),
        ("mcp-protocol-version-changed", Dangerous),
        ("mcp-server-title-changed", Safe),
        ("mcp-tool-execution-changed", Dangerous),
        ("mcp-tool-output-schema-added", Safe),
        ("mcp-tool-output-schema-removed", Breaking),
    ] {
        assert_eq!(s(id, x), Some(sev), "{id}");
    }
}

#[test]
fn json_listing_is_deterministic_and_complete() {
    let a = to_json();
    let b = to_json();
    assert_eq!(a, b);
    assert_eq!(a["format"], RULES_FORMAT);
    let rules = a["rules"].as_array().map_or(0, Vec::len);
    assert_eq!(rules, all().len());
    let first = &a["rules"][0];
    assert_eq!(
        first,
        &serde_json::json!({
            "id": "type-narrowed",
            "area": "schema",
            "description": "a type was removed from the allowed set (incl. number → integer)",
            "input": {"strict": "breaking", "standard": "breaking", "lenient": "breaking"},
            "output": {"strict": "safe", "standard": "safe", "lenient": "safe"},
            "mirror": "type-widened"
        })
    );
    let param = a["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == "mcp-tool-parameter-added"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(param["area"], "mcp");
    assert_eq!(param["tags"], serde_json::json!(["security"]));
    assert_eq!(param["condition"]["surface"]["standard"], "dangerous");
    assert_eq!(param["condition"]["when"], "the new parameter is optional");
    // The serialized text is byte-identical across calls.
    assert_eq!(a.to_string(), to_json().to_string());
}

#[test]
fn text_listing_has_one_row_per_rule() {
    let text = render_text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("RULE"));
    assert!(lines[0].contains("DESCRIPTION"));
    for r in all() {
        let rows = lines
            .iter()
            .filter(|l| l.split_whitespace().next() == Some(r.id))
            .count();
        assert_eq!(rows, 1, "{}", r.id);
    }
    let row = lines
        .iter()
        .find(|l| l.starts_with("enum-value-added "))
        .copied()
        .unwrap_or_default();
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        &cols[..5],
        ["enum-value-added", "schema", "safe", "dangerous*", "-"]
    );
    let row = lines
        .iter()
        .find(|l| l.starts_with("mcp-tool-added "))
        .copied()
        .unwrap_or_default();
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        &cols[..6],
        ["mcp-tool-added", "mcp", "-", "-", "dangerous", "[security]"]
    );
    assert!(text.ends_with(&format!("\n{} rules. Severities are the standard profile's; * = a condition can change it (see the JSON listing for strict/lenient levels, conditions and notes).\n", all().len())));
    assert_eq!(text, render_text());
}
