//! OpenAPI surface comparison: operations, parameters, request bodies, responses,
//! response headers, security, servers, webhooks and callbacks.
//!
//! Both surfaces are walked in key order. Every schema location is handed to
//! [`Ctx::compare_schema`] in its position: request parameters and bodies are input,
//! responses and response headers are output — except inside webhooks and callbacks,
//! where the API is the caller and the consumer the server, so the two are swapped
//! ([`Dir`]). The surface rules whose severity depends on who reads what (a parameter
//! added, a body removed, a status added…) are mirrored there as well; see
//! [`Dir::pick`].
//!
//! Severities come from the registry except where the catalog makes them conditional
//! (a removal after a sunset, error vs success statuses, required vs optional headers,
//! auth tightened vs loosened, mirrored rules): those are decided here.

mod security;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::{Ctx, Loc, SchemaFlags, Side, show};
use crate::classify::{Position, Severity, rules};
use crate::surface::api::{
    ApiSurface, MediaType, Operation, Parameter, Parameters, RequestBody, Response, Server,
};

use Severity::{Breaking, Dangerous, Safe};

/// Compares two API surfaces.
pub(crate) fn compare(ctx: &mut Ctx<'_>, old: &ApiSurface, new: &ApiSurface) {
    meta(ctx);
    let root = Loc::new("/surface", "/surface", "");
    servers(
        ctx,
        &root.key("servers", "servers"),
        &old.servers,
        &new.servers,
    );
    security::schemes(ctx, &root, old, new);

    let ops = root.key("operations", "");
    for (key, o, n) in pairs(&old.operations, &new.operations) {
        let loc = ops.key(key, key);
        let what = format!("operation `{key}`");
        match (o, n) {
            (Some(o), Some(n)) => operation(ctx, &loc, o, n, Dir::NORMAL),
            (Some(o), None) => operation_removed(ctx, &loc, &what, o, "operation-removed"),
            (None, Some(n)) => operation_added(ctx, &loc, &what, n, "operation-added"),
            (None, None) => {}
        }
    }

    let hooks = root.key("webhooks", "");
    for (key, o, n) in pairs(&old.webhooks, &new.webhooks) {
        let loc = hooks.key(key, &format!("webhook {key}"));
        let what = format!("webhook `{key}`");
        match (o, n) {
            (Some(o), Some(n)) => operation(ctx, &loc, o, n, Dir::NORMAL.flip()),
            (Some(o), None) => operation_removed(ctx, &loc, &what, o, "webhook-removed"),
            (None, Some(n)) => operation_added(ctx, &loc, &what, n, "webhook-added"),
            (None, None) => {}
        }
    }
}

/// True when `new_version` does not move the major version of `old_version` forward
/// (for `api-major-version-not-bumped`, decided by the engine once it knows whether
/// anything breaking changed).
///
/// Versions are read leniently: an optional `v`, then dot-separated numbers (`2`,
/// `2.1.0`, `2024-01-01` reads as major 2024). Below 1.0 the minor version is the
/// major one, as in semver (`0.3.1` → `0.4.0` is a bump). Identical strings are never
/// a bump. When either version has no leading number the question cannot be decided
/// and the answer is `false` (a version that changed in a way we cannot read is not
/// reported as unbumped).
pub(crate) fn major_version_not_bumped(old_version: &str, new_version: &str) -> bool {
    if old_version.trim() == new_version.trim() {
        return true;
    }
    let (Some(old), Some(new)) = (version_key(old_version), version_key(new_version)) else {
        return false;
    };
    new <= old
}

/// The part of a version that must grow on a breaking change: `(major, 0)`, or
/// `(0, minor)` below 1.0.
fn version_key(version: &str) -> Option<(u64, u64)> {
    let v = version.trim();
    let v = v
        .strip_prefix('v')
        .or_else(|| v.strip_prefix('V'))
        .unwrap_or(v);
    let mut numbers = v.split(['.', '-', '+', '_']);
    let major = leading_number(numbers.next()?)?;
    if major > 0 {
        return Some((major, 0));
    }
    let minor = numbers.next().and_then(leading_number).unwrap_or(0);
    Some((0, minor))
}

/// The run of ASCII digits a string starts with, as a number.
fn leading_number(s: &str) -> Option<u64> {
    let digits = s.get(..s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()))?;
    if digits.is_empty() {
        return None;
    }
    digits.parse().ok()
}

/// Which side reads what: the normal direction (the consumer calls the API), or the
/// inverted one inside webhooks and callbacks (the API calls the consumer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Dir {
    inverted: bool,
}

impl Dir {
    const NORMAL: Dir = Dir { inverted: false };

    /// The other direction (a callback of an operation, a webhook).
    fn flip(self) -> Dir {
        Dir {
            inverted: !self.inverted,
        }
    }

    /// The position of request parameters and bodies.
    fn request(self) -> Position {
        if self.inverted {
            Position::Output
        } else {
            Position::Input
        }
    }

    /// The position of responses and response headers.
    fn response(self) -> Position {
        if self.inverted {
            Position::Input
        } else {
            Position::Output
        }
    }

    /// The severity of a surface rule: `normal` in the normal direction (`None`: the
    /// registry's), `inverted` when the roles are swapped.
    fn pick(self, normal: Option<Severity>, inverted: Severity) -> Option<Severity> {
        if self.inverted {
            Some(inverted)
        } else {
            normal
        }
    }
}

/// Whether a body, media type or header belongs to the request or the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Request,
    Response,
}

impl Role {
    fn position(self, dir: Dir) -> Position {
        match self {
            Role::Request => dir.request(),
            Role::Response => dir.response(),
        }
    }
}

/// Keys of two maps in order, with the value on each side.
fn pairs<'m, V>(
    old: &'m BTreeMap<String, V>,
    new: &'m BTreeMap<String, V>,
) -> Vec<(&'m str, Option<&'m V>, Option<&'m V>)> {
    let keys: BTreeSet<&str> = old.keys().chain(new.keys()).map(String::as_str).collect();
    keys.into_iter()
        .map(|k| (k, old.get(k), new.get(k)))
        .collect()
}

/// A value as JSON (surface structs always serialize; `None` is unreachable).
fn json<T: Serialize + ?Sized>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// Emits a surface-position change.
#[allow(clippy::too_many_arguments)]
fn put(
    ctx: &mut Ctx<'_>,
    rule: &'static str,
    loc: &Loc,
    side: Side,
    message: String,
    before: Option<Value>,
    after: Option<Value>,
    severity: Option<Severity>,
) {
    ctx.emit_raw(
        rule,
        Position::Surface,
        loc,
        side,
        message,
        before,
        after,
        severity,
    );
}

/// Where a boolean flag that flipped is reported: flags are serialized only when
/// true, so a flag turned off is found at its pointer in the old snapshot.
fn flag_side(new_value: bool) -> Side {
    if new_value { Side::New } else { Side::Old }
}

/// A scalar for a message: strings in backticks, anything else as compact JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => show(other),
    }
}

/// `info` fields of the document: version, title, description, spec version.
fn meta(ctx: &mut Ctx<'_>) {
    type Field = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<Severity>,
    );
    let fields: [Field; 4] = [
        (
            "version",
            "info › version",
            "API version",
            "api-version-changed",
            None,
        ),
        ("title", "info › title", "API title", "title-changed", None),
        (
            "description",
            "info › description",
            "API description",
            "description-changed",
            None,
        ),
        // The normalizer lowers every dialect to one IR, so a spec version change is
        // not itself a schema change; it still deserves a look (2.0 → 3.x rewrites).
        (
            "specVersion",
            "info › spec version",
            "OpenAPI version",
            "dialect-changed",
            Some(Dangerous),
        ),
    ];
    for (key, path, what, rule, severity) in fields {
        let old = ctx.old.meta.get(key).cloned();
        let new = ctx.new.meta.get(key).cloned();
        if old == new {
            continue;
        }
        let pointer = format!("/meta/{key}");
        let loc = Loc::new(&pointer, &pointer, path);
        let message = match (&old, &new) {
            (Some(_), Some(_)) if key == "description" => format!("{what} changed"),
            (Some(o), Some(n)) => format!("{what} changed from {} to {}", text(o), text(n)),
            (None, Some(_)) => format!("{what} added"),
            (Some(_), _) => format!("{what} removed"),
            (None, None) => continue,
        };
        let side = if new.is_some() { Side::New } else { Side::Old };
        put(ctx, rule, &loc, side, message, old, new, severity);
    }
}

fn operation_added(ctx: &mut Ctx<'_>, loc: &Loc, what: &str, op: &Operation, rule: &'static str) {
    put(
        ctx,
        rule,
        loc,
        Side::New,
        format!("{what} added"),
        None,
        json(op),
        None,
    );
}

/// An operation (or webhook, or callback operation) removed: breaking, unless it was
/// deprecated and its `x-sunset` date has passed.
fn operation_removed(ctx: &mut Ctx<'_>, loc: &Loc, what: &str, op: &Operation, rule: &'static str) {
    let past_sunset = match (op.deprecated, op.sunset.as_deref(), ctx.today) {
        (true, Some(sunset), Some(today)) => match (iso_date(sunset), iso_date(today)) {
            (Some(sunset), Some(today)) => sunset < today,
            _ => false,
        },
        _ => false,
    };
    let (message, severity) = if past_sunset {
        let sunset = op.sunset.as_deref().unwrap_or_default();
        (
            format!("deprecated {what} removed after its sunset date {sunset}"),
            Some(Dangerous),
        )
    } else if op.deprecated {
        let when = match &op.sunset {
            Some(sunset) => format!("before its sunset date {sunset}"),
            None => "without a sunset date".to_owned(),
        };
        (format!("deprecated {what} removed {when}"), Some(Breaking))
    } else {
        (format!("{what} removed"), Some(Breaking))
    };
    put(ctx, rule, loc, Side::Old, message, json(op), None, severity);
}

/// The `YYYY-MM-DD` date a string starts with (a full RFC 3339 timestamp is read by
/// its date), as a comparable string.
fn iso_date(s: &str) -> Option<&str> {
    let date = s.get(..10)?;
    let rest = s.get(10..)?;
    let b = date.as_bytes();
    let shape_ok = b.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        _ => c.is_ascii_digit(),
    });
    let month = date.get(5..7)?;
    let day = date.get(8..10)?;
    let valid = shape_ok
        && ("01"..="12").contains(&month)
        && ("01"..="31").contains(&day)
        && (rest.is_empty() || rest.starts_with(['T', 't', ' ']));
    valid.then_some(date)
}

/// Two operations under the same key.
fn operation(ctx: &mut Ctx<'_>, loc: &Loc, old: &Operation, new: &Operation, dir: Dir) {
    if old.deprecated != new.deprecated {
        let (rule, message) = if new.deprecated {
            let message = match &new.sunset {
                Some(s) => format!("operation deprecated (sunset {s})"),
                None => "operation deprecated".to_owned(),
            };
            ("operation-deprecated", message)
        } else {
            (
                "operation-undeprecated",
                "operation no longer deprecated".to_owned(),
            )
        };
        let l = loc.key("deprecated", "");
        put(
            ctx,
            rule,
            &l,
            flag_side(new.deprecated),
            message,
            Some(Value::Bool(old.deprecated)),
            Some(Value::Bool(new.deprecated)),
            None,
        );
    }
    if old.sunset != new.sunset {
        scalar_change(
            ctx,
            &loc.key("sunset", "x-sunset"),
            "extension-changed",
            "sunset date",
            old.sunset.as_deref(),
            new.sunset.as_deref(),
            Some(Safe),
        );
    }
    if old.operation_id != new.operation_id {
        scalar_change(
            ctx,
            &loc.key("operationId", "operationId"),
            "operation-id-changed",
            "operationId",
            old.operation_id.as_deref(),
            new.operation_id.as_deref(),
            None,
        );
    }
    tags(ctx, loc, &old.tags, &new.tags);
    for (key, segment, o, n) in [
        ("summary", "summary", &old.summary, &new.summary),
        (
            "description",
            "description",
            &old.description,
            &new.description,
        ),
    ] {
        if o != n {
            scalar_change(
                ctx,
                &loc.key(key, segment),
                "description-changed",
                segment,
                o.as_deref(),
                n.as_deref(),
                None,
            );
        }
    }
    extensions(ctx, loc, &old.extensions, &new.extensions);
    servers(
        ctx,
        &loc.key("servers", "servers"),
        &old.servers,
        &new.servers,
    );
    security::requirements(ctx, loc, old.security.as_deref(), new.security.as_deref());
    parameters(ctx, loc, &old.parameters, &new.parameters, dir);
    request_body(
        ctx,
        &loc.key("requestBody", "request body"),
        old.request_body.as_ref(),
        new.request_body.as_ref(),
        dir,
    );
    responses(ctx, loc, &old.responses, &new.responses, dir);
    callbacks(ctx, loc, &old.callbacks, &new.callbacks, dir);
}

/// A scalar text field changed (added, removed or rewritten).
fn scalar_change(
    ctx: &mut Ctx<'_>,
    loc: &Loc,
    rule: &'static str,
    what: &str,
    old: Option<&str>,
    new: Option<&str>,
    severity: Option<Severity>,
) {
    // Prose is not quoted into the one-line message; identifiers and dates are.
    let prose = what == "description" || what == "summary";
    let message = match (old, new) {
        (Some(_), Some(_)) if prose => format!("{what} changed"),
        (Some(o), Some(n)) => format!("{what} changed from `{o}` to `{n}`"),
        (None, Some(_)) if prose => format!("{what} added"),
        (None, Some(n)) => format!("{what} `{n}` added"),
        (Some(_), None) => format!("{what} removed"),
        (None, None) => return,
    };
    let side = if new.is_some() { Side::New } else { Side::Old };
    put(
        ctx,
        rule,
        loc,
        side,
        message,
        old.map(|s| Value::String(s.to_owned())),
        new.map(|s| Value::String(s.to_owned())),
        severity,
    );
}

/// One `tag-changed` listing the tags added and removed.
fn tags(ctx: &mut Ctx<'_>, loc: &Loc, old: &BTreeSet<String>, new: &BTreeSet<String>) {
    if old == new {
        return;
    }
    let added: Vec<String> = new.difference(old).map(|t| format!("`{t}`")).collect();
    let removed: Vec<String> = old.difference(new).map(|t| format!("`{t}`")).collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added {}", added.join(", ")));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {}", removed.join(", ")));
    }
    let side = if new.is_empty() { Side::Old } else { Side::New };
    put(
        ctx,
        "tag-changed",
        &loc.key("tags", "tags"),
        side,
        format!("tags changed: {}", parts.join("; ")),
        json(old),
        json(new),
        None,
    );
}

/// `x-` extensions: vendor data the classifier does not interpret, reported as safe
/// so that a changed snapshot never yields an empty report.
fn extensions(
    ctx: &mut Ctx<'_>,
    loc: &Loc,
    old: &BTreeMap<String, Value>,
    new: &BTreeMap<String, Value>,
) {
    if old == new {
        return;
    }
    let base = loc.key("extensions", "");
    for (key, o, n) in pairs(old, new) {
        if o == n {
            continue;
        }
        let l = base.key(key, key);
        let (side, message) = match (o, n) {
            (Some(_), Some(_)) => (Side::New, format!("extension `{key}` changed")),
            (None, _) => (Side::New, format!("extension `{key}` added")),
            (Some(_), None) => (Side::Old, format!("extension `{key}` removed")),
        };
        put(
            ctx,
            "extension-changed",
            &l,
            side,
            message,
            o.cloned(),
            n.cloned(),
            Some(Safe),
        );
    }
}

/// A list of servers: one `server-url-changed` when URLs or variables changed, one
/// `description-changed` when only descriptions did.
fn servers(ctx: &mut Ctx<'_>, loc: &Loc, old: &[Server], new: &[Server]) {
    if old == new {
        return;
    }
    let urls = |list: &[Server]| -> Vec<(String, BTreeMap<String, Value>)> {
        list.iter()
            .map(|s| (s.url.clone(), s.variables.clone()))
            .collect()
    };
    let side = if new.is_empty() { Side::Old } else { Side::New };
    let before = if old.is_empty() { None } else { json(old) };
    let after = if new.is_empty() { None } else { json(new) };
    if urls(old) == urls(new) {
        put(
            ctx,
            "description-changed",
            loc,
            side,
            "server descriptions changed".to_owned(),
            before,
            after,
            None,
        );
        return;
    }
    let old_urls: BTreeSet<&str> = old.iter().map(|s| s.url.as_str()).collect();
    let new_urls: BTreeSet<&str> = new.iter().map(|s| s.url.as_str()).collect();
    let added: Vec<String> = new_urls
        .difference(&old_urls)
        .map(|u| format!("`{u}`"))
        .collect();
    let removed: Vec<String> = old_urls
        .difference(&new_urls)
        .map(|u| format!("`{u}`"))
        .collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added {}", added.join(", ")));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {}", removed.join(", ")));
    }
    if parts.is_empty() {
        if old.first().map(|s| &s.url) != new.first().map(|s| &s.url) {
            let first = new.first().map(|s| s.url.as_str()).unwrap_or_default();
            parts.push(format!("reordered (the default is now `{first}`)"));
        } else {
            parts.push("variables or order changed".to_owned());
        }
    }
    put(
        ctx,
        "server-url-changed",
        loc,
        side,
        format!("servers changed: {}", parts.join("; ")),
        before,
        after,
        None,
    );
}

fn by_location(p: &Parameters) -> [(&'static str, &BTreeMap<String, Parameter>); 4] {
    [
        ("cookie", &p.cookie),
        ("header", &p.header),
        ("path", &p.path),
        ("query", &p.query),
    ]
}

/// Parameters by location and name; a name that left one location for another is
/// one `parameter-location-changed`, not a removal and an addition.
fn parameters(ctx: &mut Ctx<'_>, op: &Loc, old: &Parameters, new: &Parameters, dir: Dir) {
    let olds = by_location(old);
    let news = by_location(new);
    let mut removed: Vec<(&str, &str, &Parameter)> = Vec::new();
    let mut added: Vec<(&str, &str, &Parameter)> = Vec::new();
    for ((location, o), (_, n)) in olds.iter().zip(news.iter()) {
        for (name, op_, np) in pairs(o, n) {
            match (op_, np) {
                (Some(a), Some(b)) => {
                    let l = param_loc(op, location, name);
                    parameter(ctx, &l, location, name, a, b, dir, false);
                }
                (Some(a), None) => removed.push((location, name, a)),
                (None, Some(b)) => added.push((location, name, b)),
                (None, None) => {}
            }
        }
    }
    let mut taken = vec![false; added.len()];
    for (from, name, a) in removed {
        let moved = added.iter().enumerate().find(|(i, (to, n, _))| {
            !taken.get(*i).copied().unwrap_or(true) && *n == name && *to != from
        });
        if let Some((i, (to, _, b))) = moved {
            if let Some(t) = taken.get_mut(i) {
                *t = true;
            }
            let l = op
                .key("parameters", "")
                .keys(from, to, "")
                .key(name, &format!("{to} {name}"));
            put(
                ctx,
                "parameter-location-changed",
                &l,
                Side::New,
                format!("parameter `{name}` moved from {from} to {to}"),
                Some(Value::String(from.to_owned())),
                Some(Value::String((*to).to_owned())),
                None,
            );
            parameter(ctx, &l, to, name, a, b, dir, true);
        } else {
            let l = param_loc(op, from, name);
            let severity = dir.pick(None, if a.required { Breaking } else { Dangerous });
            let kind = if a.required { "required " } else { "" };
            put(
                ctx,
                "parameter-removed",
                &l,
                Side::Old,
                format!("{kind}{from} parameter `{name}` removed"),
                json(a),
                None,
                severity,
            );
        }
    }
    for (i, (location, name, b)) in added.into_iter().enumerate() {
        if taken.get(i).copied().unwrap_or(false) {
            continue;
        }
        let l = param_loc(op, location, name);
        let (rule, kind) = if b.required {
            ("parameter-added-required", "required")
        } else {
            ("parameter-added-optional", "optional")
        };
        put(
            ctx,
            rule,
            &l,
            Side::New,
            format!("{kind} {location} parameter `{name}` added"),
            None,
            json(b),
            dir.pick(None, Safe),
        );
    }
}

fn param_loc(op: &Loc, location: &str, name: &str) -> Loc {
    op.key("parameters", "")
        .key(location, "")
        .key(name, &format!("{location} {name}"))
}

/// Two parameters with the same name (`moved`: in different locations, where style
/// defaults differ, so style and serialization flags are not compared).
#[allow(clippy::too_many_arguments)]
fn parameter(
    ctx: &mut Ctx<'_>,
    loc: &Loc,
    location: &str,
    name: &str,
    old: &Parameter,
    new: &Parameter,
    dir: Dir,
    moved: bool,
) {
    // Path parameters are always required: a move into the path says it already.
    let implied = moved && location == "path";
    if old.required != new.required && !implied {
        let (rule, message, severity) = if new.required {
            (
                "parameter-became-required",
                format!("{location} parameter `{name}` became required"),
                dir.pick(None, Safe),
            )
        } else {
            (
                "parameter-became-optional",
                format!("{location} parameter `{name}` became optional"),
                dir.pick(None, Breaking),
            )
        };
        put(
            ctx,
            rule,
            &loc.key("required", ""),
            flag_side(new.required),
            message,
            Some(Value::Bool(old.required)),
            Some(Value::Bool(new.required)),
            severity,
        );
    }
    if !moved {
        serialization(ctx, loc, name, old, new, dir);
    }
    header_like(ctx, loc, old, new, Role::Request, dir);
}

/// Style, explode and the query flags of a parameter or header.
fn serialization(
    ctx: &mut Ctx<'_>,
    loc: &Loc,
    name: &str,
    old: &Parameter,
    new: &Parameter,
    dir: Dir,
) {
    if old.style != new.style {
        let show_style = |s: &Option<String>| s.clone().unwrap_or_else(|| "content".to_owned());
        put(
            ctx,
            "parameter-style-changed",
            &loc.key("style", ""),
            if new.style.is_some() {
                Side::New
            } else {
                Side::Old
            },
            format!(
                "`{name}` style changed from `{}` to `{}`",
                show_style(&old.style),
                show_style(&new.style)
            ),
            old.style.clone().map(Value::String),
            new.style.clone().map(Value::String),
            None,
        );
    }
    if old.explode != new.explode {
        put(
            ctx,
            "parameter-explode-changed",
            &loc.key("explode", ""),
            flag_side(new.explode),
            format!(
                "`{name}` explode changed from {} to {}",
                old.explode, new.explode
            ),
            Some(Value::Bool(old.explode)),
            Some(Value::Bool(new.explode)),
            None,
        );
    }
    // Both flags widen what a request may carry when they turn on: narrowing breaks
    // whoever writes the value, widening breaks whoever reads it.
    for (key, what, o, n) in [
        (
            "allowEmptyValue",
            "empty values",
            old.allow_empty_value,
            new.allow_empty_value,
        ),
        (
            "allowReserved",
            "unencoded reserved characters",
            old.allow_reserved,
            new.allow_reserved,
        ),
    ] {
        if o == n {
            continue;
        }
        let (message, normal, inverted) = if n {
            (format!("`{name}` now allows {what}"), Safe, Breaking)
        } else {
            (format!("`{name}` no longer allows {what}"), Breaking, Safe)
        };
        put(
            ctx,
            "parameter-style-changed",
            &loc.key(key, ""),
            flag_side(n),
            message,
            Some(Value::Bool(o)),
            Some(Value::Bool(n)),
            Some(if dir.inverted { inverted } else { normal }),
        );
    }
}

/// What parameters and response headers share: deprecation, description,
/// extensions, the schema and the `content` media types.
fn header_like(
    ctx: &mut Ctx<'_>,
    loc: &Loc,
    old: &Parameter,
    new: &Parameter,
    role: Role,
    dir: Dir,
) {
    let position = role.position(dir);
    if old.deprecated != new.deprecated {
        let (rule, what) = if new.deprecated {
            ("deprecated-added", "deprecated")
        } else {
            ("deprecated-removed", "no longer deprecated")
        };
        ctx.emit(
            rule,
            position,
            &loc.key("deprecated", ""),
            flag_side(new.deprecated),
            what.to_owned(),
            Some(Value::Bool(old.deprecated)),
            Some(Value::Bool(new.deprecated)),
        );
    }
    if old.description != new.description {
        description(
            ctx,
            loc,
            position,
            old.description.as_deref(),
            new.description.as_deref(),
        );
    }
    extensions(ctx, loc, &old.extensions, &new.extensions);
    param_schemas(ctx, loc, old, new, position, role, dir);
}

/// The schema and the media types of a parameter or header.
fn param_schemas(
    ctx: &mut Ctx<'_>,
    loc: &Loc,
    old: &Parameter,
    new: &Parameter,
    position: Position,
    role: Role,
    dir: Dir,
) {
    ctx.compare_schema(
        &old.schema,
        &new.schema,
        position,
        &loc.key("schema", ""),
        SchemaFlags::default(),
    );
    media_types(
        ctx,
        &loc.key("content", ""),
        &old.content,
        &new.content,
        role,
        dir,
    );
}

/// A description changed, in a position.
fn description(
    ctx: &mut Ctx<'_>,
    loc: &Loc,
    position: Position,
    old: Option<&str>,
    new: Option<&str>,
) {
    let (side, message) = match (old, new) {
        (Some(_), Some(_)) => (Side::New, "description changed"),
        (None, Some(_)) => (Side::New, "description added"),
        (Some(_), None) => (Side::Old, "description removed"),
        (None, None) => return,
    };
    ctx.emit(
        "description-changed",
        position,
        &loc.key("description", ""),
        side,
        message.to_owned(),
        old.map(|s| Value::String(s.to_owned())),
        new.map(|s| Value::String(s.to_owned())),
    );
}

/// Media types of a body (or of a parameter/header `content`): added, removed, and
/// the schema and encoding of those in both.
fn media_types(
    ctx: &mut Ctx<'_>,
    loc: &Loc,
    old: &BTreeMap<String, MediaType>,
    new: &BTreeMap<String, MediaType>,
    role: Role,
    dir: Dir,
) {
    let position = role.position(dir);
    for (mt, o, n) in pairs(old, new) {
        let l = loc.key(mt, mt);
        match (o, n) {
            (Some(o), Some(n)) => {
                ctx.compare_schema(
                    &o.schema,
                    &n.schema,
                    position,
                    &l.key("schema", ""),
                    SchemaFlags::default(),
                );
                if o.encoding != n.encoding {
                    let side = if n.encoding.is_empty() {
                        Side::Old
                    } else {
                        Side::New
                    };
                    ctx.emit(
                        "unsupported-keyword-changed",
                        position,
                        &l.key("encoding", "encoding"),
                        side,
                        format!("`{mt}` encoding changed"),
                        json(&o.encoding),
                        json(&n.encoding),
                    );
                }
            }
            (None, Some(n)) => {
                // Inverted: a request media type added means the API may now send
                // something the consumer cannot parse; a response one added means the
                // API accepts more from the consumer.
                let (rule, severity) = match role {
                    Role::Request => ("request-media-type-added", dir.pick(None, Dangerous)),
                    Role::Response => ("response-media-type-added", dir.pick(None, Safe)),
                };
                put(
                    ctx,
                    rule,
                    &l,
                    Side::New,
                    format!("media type `{mt}` added"),
                    None,
                    json(n),
                    severity,
                );
            }
            (Some(o), None) => {
                let (rule, severity) = match role {
                    Role::Request => ("request-media-type-removed", dir.pick(None, Safe)),
                    Role::Response => ("response-media-type-removed", dir.pick(None, Breaking)),
                };
                put(
                    ctx,
                    rule,
                    &l,
                    Side::Old,
                    format!("media type `{mt}` removed"),
                    json(o),
                    None,
                    severity,
                );
            }
            (None, None) => {}
        }
    }
}

fn request_body(
    ctx: &mut Ctx<'_>,
    loc: &Loc,
    old: Option<&RequestBody>,
    new: Option<&RequestBody>,
    dir: Dir,
) {
    match (old, new) {
        (None, None) => {}
        (None, Some(n)) => {
            let (rule, kind) = if n.required {
                ("request-body-added-required", "required")
            } else {
                ("request-body-added-optional", "optional")
            };
            put(
                ctx,
                rule,
                loc,
                Side::New,
                format!("{kind} request body added"),
                None,
                json(n),
                dir.pick(None, Safe),
            );
        }
        (Some(o), None) => {
            put(
                ctx,
                "request-body-removed",
                loc,
                Side::Old,
                "request body removed".to_owned(),
                json(o),
                None,
                dir.pick(None, Breaking),
            );
        }
        (Some(o), Some(n)) => {
            if o.required != n.required {
                let (rule, message, severity) = if n.required {
                    (
                        "request-body-became-required",
                        "request body became required",
                        dir.pick(None, Safe),
                    )
                } else {
                    (
                        "request-body-became-optional",
                        "request body became optional",
                        dir.pick(None, Breaking),
                    )
                };
                put(
                    ctx,
                    rule,
                    &loc.key("required", ""),
                    flag_side(n.required),
                    message.to_owned(),
                    Some(Value::Bool(o.required)),
                    Some(Value::Bool(n.required)),
                    severity,
                );
            }
            if o.description != n.description {
                description(
                    ctx,
                    loc,
                    dir.request(),
                    o.description.as_deref(),
                    n.description.as_deref(),
                );
            }
            media_types(
                ctx,
                &loc.key("content", ""),
                &o.content,
                &n.content,
                Role::Request,
                dir,
            );
        }
    }
}

/// `2xx`-class statuses (`200`, `2XX`).
fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

/// `4xx`/`5xx`-class statuses.
fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

fn responses(
    ctx: &mut Ctx<'_>,
    op: &Loc,
    old: &BTreeMap<String, Response>,
    new: &BTreeMap<String, Response>,
    dir: Dir,
) {
    let base = op.key("responses", "");
    for (status, o, n) in pairs(old, new) {
        let loc = base.key(status, &format!("response {status}"));
        match (o, n) {
            (Some(o), Some(n)) => response(ctx, &loc, o, n, dir),
            (None, Some(n)) => {
                // Normal: callers must now handle a new error. Inverted: the API now
                // accepts one more status from the consumer.
                let normal = rules::severity_if(
                    "response-status-added",
                    Position::Surface,
                    ctx.profile,
                    !is_error(status),
                )
                .unwrap_or(Dangerous);
                put(
                    ctx,
                    "response-status-added",
                    &loc,
                    Side::New,
                    format!("response status `{status}` added"),
                    None,
                    json(n),
                    Some(if dir.inverted { Safe } else { normal }),
                );
            }
            (Some(o), None) => {
                let severity = rules::severity_if(
                    "response-status-removed",
                    Position::Surface,
                    ctx.profile,
                    !is_success(status),
                )
                .unwrap_or(Breaking);
                put(
                    ctx,
                    "response-status-removed",
                    &loc,
                    Side::Old,
                    format!("response status `{status}` removed"),
                    json(o),
                    None,
                    Some(severity),
                );
            }
            (None, None) => {}
        }
    }
}

fn response(ctx: &mut Ctx<'_>, loc: &Loc, old: &Response, new: &Response, dir: Dir) {
    if old.description != new.description {
        description(
            ctx,
            loc,
            dir.response(),
            old.description.as_deref(),
            new.description.as_deref(),
        );
    }
    media_types(
        ctx,
        &loc.key("content", ""),
        &old.content,
        &new.content,
        Role::Response,
        dir,
    );
    let headers = loc.key("headers", "");
    for (name, o, n) in pairs(&old.headers, &new.headers) {
        let l = headers.key(name, &format!("header {name}"));
        match (o, n) {
            (Some(o), Some(n)) => header(ctx, &l, name, o, n, dir),
            (None, Some(n)) => {
                // Inverted: a required header the consumer must now send.
                let inverted = if n.required { Breaking } else { Safe };
                let kind = if n.required { "required" } else { "optional" };
                put(
                    ctx,
                    "response-header-added",
                    &l,
                    Side::New,
                    format!("{kind} response header `{name}` added"),
                    None,
                    json(n),
                    dir.pick(None, inverted),
                );
            }
            (Some(o), None) => {
                let normal = if o.required { Breaking } else { Dangerous };
                let kind = if o.required { "required" } else { "optional" };
                put(
                    ctx,
                    "response-header-removed",
                    &l,
                    Side::Old,
                    format!("{kind} response header `{name}` removed"),
                    json(o),
                    None,
                    Some(if dir.inverted { Safe } else { normal }),
                );
            }
            (None, None) => {}
        }
    }
}

fn header(ctx: &mut Ctx<'_>, loc: &Loc, name: &str, old: &Parameter, new: &Parameter, dir: Dir) {
    if old.required != new.required {
        let (rule, message, normal, inverted) = if new.required {
            (
                "response-header-became-required",
                format!("response header `{name}` became required"),
                Safe,
                Breaking,
            )
        } else {
            (
                "response-header-became-optional",
                format!("response header `{name}` became optional"),
                Breaking,
                Safe,
            )
        };
        put(
            ctx,
            rule,
            &loc.key("required", ""),
            flag_side(new.required),
            message,
            Some(Value::Bool(old.required)),
            Some(Value::Bool(new.required)),
            Some(if dir.inverted { inverted } else { normal }),
        );
    }
    serialization(ctx, loc, name, old, new, dir);
    header_like(ctx, loc, old, new, Role::Response, dir);
}

/// Callback operations, compared in the other direction.
fn callbacks(
    ctx: &mut Ctx<'_>,
    op: &Loc,
    old: &BTreeMap<String, BTreeMap<String, Operation>>,
    new: &BTreeMap<String, BTreeMap<String, Operation>>,
    dir: Dir,
) {
    let empty = BTreeMap::new();
    let base = op.key("callbacks", "");
    for (name, o, n) in pairs(old, new) {
        let cb = base.key(name, &format!("callback {name}"));
        for (key, o, n) in pairs(o.unwrap_or(&empty), n.unwrap_or(&empty)) {
            let loc = cb.key(key, key);
            let what = format!("callback operation `{key}`");
            match (o, n) {
                (Some(o), Some(n)) => operation(ctx, &loc, o, n, dir.flip()),
                (Some(o), None) => operation_removed(ctx, &loc, &what, o, "operation-removed"),
                (None, Some(n)) => operation_added(ctx, &loc, &what, n, "operation-added"),
                (None, None) => {}
            }
        }
    }
}
