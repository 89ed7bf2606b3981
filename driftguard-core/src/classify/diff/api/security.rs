//! Security: per-operation requirements (auth tightened is breaking, loosened is
//! dangerous) and the document's security scheme definitions.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{json, pairs, put};
use crate::classify::Severity::{Breaking, Dangerous, Safe};
use crate::classify::diff::{Ctx, Loc, Side};
use crate::surface::api::{ApiSurface, Operation};

/// One alternative: scheme → scopes (all schemes needed together).
type Requirement = BTreeMap<String, BTreeSet<String>>;

/// True when a list of alternatives asks for nothing: none stated, `[]`, or only
/// anonymous (`{}`) alternatives.
fn is_open(list: &[Requirement]) -> bool {
    list.iter().all(BTreeMap::is_empty)
}

/// `` `oauth` (read, write) + `key` ``, or `anonymous`.
fn describe(requirement: &Requirement) -> String {
    if requirement.is_empty() {
        return "anonymous".to_owned();
    }
    requirement
        .iter()
        .map(|(scheme, scopes)| {
            if scopes.is_empty() {
                format!("`{scheme}`")
            } else {
                let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
                format!("`{scheme}` ({})", scopes.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn describe_all(list: &[Requirement]) -> String {
    list.iter().map(describe).collect::<Vec<_>>().join(" or ")
}

/// Compares the effective security of one operation (`None` = none stated).
pub(super) fn requirements(
    ctx: &mut Ctx<'_>,
    op: &Loc,
    old: Option<&[Requirement]>,
    new: Option<&[Requirement]>,
) {
    let o = old.unwrap_or_default();
    let n = new.unwrap_or_default();
    if o == n {
        return;
    }
    let loc = op.key("security", "security");
    // The field is absent from the new snapshot when no requirement is stated.
    let side_new = if new.is_some() { Side::New } else { Side::Old };
    match (is_open(o), is_open(n)) {
        (true, true) => {}
        (true, false) => {
            let anonymous = n.iter().any(BTreeMap::is_empty);
            let (message, severity) = if anonymous {
                (
                    format!(
                        "optional authentication added ({}); anonymous access still allowed",
                        describe_all(n)
                    ),
                    Dangerous,
                )
            } else {
                (
                    format!("authentication now required: {}", describe_all(n)),
                    Breaking,
                )
            };
            put(
                ctx,
                "security-requirement-added",
                &loc,
                Side::New,
                message,
                old.and_then(json),
                json(n),
                Some(severity),
            );
        }
        (false, true) => {
            put(
                ctx,
                "security-requirement-removed",
                &loc,
                side_new,
                format!(
                    "authentication no longer required (was {})",
                    describe_all(o)
                ),
                json(o),
                new.and_then(json),
                Some(Dangerous),
            );
        }
        (false, false) => alternatives(ctx, &loc, o, n),
    }
}

/// Both sides require something: match alternatives, exactly first, then by the same
/// set of schemes (whose scopes are compared); what is left was added (loosened) or
/// removed (tightened).
fn alternatives(ctx: &mut Ctx<'_>, loc: &Loc, old: &[Requirement], new: &[Requirement]) {
    let old_left: Vec<(usize, &Requirement)> = old
        .iter()
        .enumerate()
        .filter(|(_, r)| !new.contains(r))
        .collect();
    let new_left: Vec<(usize, &Requirement)> = new
        .iter()
        .enumerate()
        .filter(|(_, r)| !old.contains(r))
        .collect();
    let mut taken = vec![false; new_left.len()];
    for (oi, o) in old_left {
        let same_schemes = new_left
            .iter()
            .enumerate()
            .find(|(t, (_, n))| !taken.get(*t).copied().unwrap_or(true) && n.keys().eq(o.keys()));
        if let Some((t, (ni, n))) = same_schemes {
            if let Some(flag) = taken.get_mut(t) {
                *flag = true;
            }
            let l = loc.keys(&oi.to_string(), &ni.to_string(), "");
            scopes(ctx, &l, o, n);
            continue;
        }
        put(
            ctx,
            "security-requirement-removed",
            &loc.key(&oi.to_string(), ""),
            Side::Old,
            format!(
                "authentication alternative {} removed: fewer ways to authenticate",
                describe(o)
            ),
            json(o),
            None,
            Some(Breaking),
        );
    }
    for (t, (ni, n)) in new_left.into_iter().enumerate() {
        if taken.get(t).copied().unwrap_or(false) {
            continue;
        }
        put(
            ctx,
            "security-requirement-added",
            &loc.key(&ni.to_string(), ""),
            Side::New,
            format!(
                "authentication alternative {} added: one more way to authenticate",
                describe(n)
            ),
            None,
            json(n),
            Some(Dangerous),
        );
    }
}

/// Two alternatives over the same schemes: scopes added (tightened) or removed
/// (loosened), one change per scheme and direction.
fn scopes(ctx: &mut Ctx<'_>, loc: &Loc, old: &Requirement, new: &Requirement) {
    for (scheme, o, n) in pairs(old, new) {
        let (Some(o), Some(n)) = (o, n) else { continue };
        let l = loc.key(scheme, scheme);
        let list = |s: std::collections::btree_set::Difference<'_, String>| {
            s.map(|x| format!("`{x}`")).collect::<Vec<_>>()
        };
        let added = list(n.difference(o));
        let removed = list(o.difference(n));
        if !added.is_empty() {
            put(
                ctx,
                "security-scope-added",
                &l,
                Side::New,
                format!("`{scheme}` now requires scope {}", added.join(", ")),
                json(o),
                json(n),
                Some(Breaking),
            );
        }
        if !removed.is_empty() {
            put(
                ctx,
                "security-scope-removed",
                &l,
                Side::New,
                format!("`{scheme}` no longer requires scope {}", removed.join(", ")),
                json(o),
                json(n),
                Some(Dangerous),
            );
        }
    }
}

/// Every scheme name some operation, webhook or callback operation requires.
fn referenced(surface: &ApiSurface) -> BTreeSet<&str> {
    fn walk<'a>(op: &'a Operation, out: &mut BTreeSet<&'a str>) {
        for alternative in op.security.iter().flatten() {
            out.extend(alternative.keys().map(String::as_str));
        }
        for ops in op.callbacks.values() {
            for cb in ops.values() {
                walk(cb, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for op in surface.operations.values().chain(surface.webhooks.values()) {
        walk(op, &mut out);
    }
    out
}

/// The document's security scheme definitions. A definition that changed is breaking
/// when some operation uses it (clients authenticate the old way); schemes nobody
/// uses are safe either way; a scheme added or removed together with the operations
/// using it is dangerous here (the operations' own changes carry the severity).
pub(super) fn schemes(ctx: &mut Ctx<'_>, root: &Loc, old: &ApiSurface, new: &ApiSurface) {
    if old.security_schemes == new.security_schemes {
        return;
    }
    let old_refs = referenced(old);
    let new_refs = referenced(new);
    let base = root.key("securitySchemes", "");
    for (name, o, n) in pairs(&old.security_schemes, &new.security_schemes) {
        let loc = base.key(name, &format!("security scheme {name}"));
        let used = old_refs.contains(name) || new_refs.contains(name);
        match (o, n) {
            (Some(o), Some(n)) if o != n => {
                if without_description(o) == without_description(n) {
                    let side = if n.get("description").is_some() {
                        Side::New
                    } else {
                        Side::Old
                    };
                    put(
                        ctx,
                        "description-changed",
                        &loc.key("description", ""),
                        side,
                        format!("description of security scheme `{name}` changed"),
                        o.get("description").cloned(),
                        n.get("description").cloned(),
                        None,
                    );
                } else {
                    put(
                        ctx,
                        "security-scheme-changed",
                        &loc,
                        Side::New,
                        format!("security scheme `{name}` definition changed"),
                        Some(o.clone()),
                        Some(n.clone()),
                        Some(if used { Breaking } else { Safe }),
                    );
                }
            }
            (None, Some(n)) => put(
                ctx,
                "security-scheme-changed",
                &loc,
                Side::New,
                format!("security scheme `{name}` added"),
                None,
                Some(n.clone()),
                Some(if new_refs.contains(name) {
                    Dangerous
                } else {
                    Safe
                }),
            ),
            (Some(o), None) => put(
                ctx,
                "security-scheme-changed",
                &loc,
                Side::Old,
                format!("security scheme `{name}` removed"),
                Some(o.clone()),
                None,
                Some(if old_refs.contains(name) {
                    Dangerous
                } else {
                    Safe
                }),
            ),
            _ => {}
        }
    }
}

fn without_description(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| k.as_str() != "description")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}
