//! The diff engine: two snapshots → classified changes.
//!
//! [`diff`] dispatches on the snapshot kind to the surface comparators (`api`, `mcp`,
//! and the single-schema kinds), which walk both surfaces in key order and call
//! `Ctx::compare_schema` for every schema location. Shared schemas (`$ref` pairs) are
//! compared once per position and their changes re-emitted under each location that
//! reaches them (see `schema`), so the work is linear in the two documents.

pub(crate) mod api;
mod mcp;
mod package;
mod pattern;
mod schema;
mod text;

use serde_json::Value;

use super::policy::Policy;
use super::rules;
use super::{Change, Ignored, Position, Profile, Report, Severity};
use crate::error::{Error, Result};
use crate::normalize::refs::push;
use crate::snapshot::Snapshot;
use crate::surface::Surface;

pub use schema::SchemaFlags;

/// Compares two snapshots under a policy.
///
/// `today` (`YYYY-MM-DD`) is used for `x-sunset` and ignore expiry; the core has no
/// clock, so the caller passes it (or `None` to skip date-based judgments).
pub fn diff(
    old: &Snapshot,
    new: &Snapshot,
    policy: &Policy,
    today: Option<&str>,
) -> Result<Report> {
    let differ = old.digest() != new.digest();
    let mut report = classify(old, new, policy, today, differ)?;
    old.digest().clone_into(&mut report.old);
    new.digest().clone_into(&mut report.new);
    Ok(report)
}

/// [`diff`] for snapshots that may still be unsealed (see `Snapshot::seal`): the
/// surfaces are compared even when they are equal, and the report's `old` and `new`
/// digests are left empty for the caller, who computes them meanwhile. When the two
/// digests turn out equal the caller must use [`diff`] instead, which reports what
/// equal snapshots report.
pub(crate) fn diff_unsealed(
    old: &Snapshot,
    new: &Snapshot,
    policy: &Policy,
    today: Option<&str>,
) -> Result<Report> {
    classify(old, new, policy, today, true)
}

/// The judgment of [`diff`]; `differ` is false when the digests say the snapshots are
/// equal, which skips the comparison of the surfaces.
fn classify(
    old: &Snapshot,
    new: &Snapshot,
    policy: &Policy,
    today: Option<&str>,
    differ: bool,
) -> Result<Report> {
    if old.kind() != new.kind() {
        return Err(Error::unsupported(
            format!(
                "cannot compare a {} snapshot with a {} snapshot",
                old.kind().name(),
                new.kind().name()
            ),
            "/kind",
        ));
    }
    let mut ctx = Ctx::new(old, new, policy.profile, today);
    if differ {
        match (&old.surface, &new.surface) {
            (Surface::Api(a), Surface::Api(b)) => api::compare(&mut ctx, a, b),
            (Surface::Mcp(a), Surface::Mcp(b)) => mcp::compare(&mut ctx, a, b),
            (Surface::Package(a), Surface::Package(b)) => package::compare(&mut ctx, a, b),
            (Surface::JsonSchema(a), Surface::JsonSchema(b)) => {
                let loc = Loc::new("/surface/root", "/surface/root", "schema");
                let positions: &[Position] = match policy.schema_position {
                    super::policy::SchemaPosition::Input => &[Position::Input],
                    super::policy::SchemaPosition::Output => &[Position::Output],
                    super::policy::SchemaPosition::Both => &[Position::Input, Position::Output],
                };
                for p in positions {
                    ctx.compare_schema(&a.root, &b.root, *p, &loc, SchemaFlags::default());
                }
                text::meta_dialect(&mut ctx, positions);
            }
            (Surface::Samples(a), Surface::Samples(b)) => {
                let loc = Loc::new("/surface/root", "/surface/root", "payload");
                ctx.compare_schema(
                    &a.root,
                    &b.root,
                    Position::Output,
                    &loc,
                    SchemaFlags::default(),
                );
            }
            _ => {}
        }
        ctx.expand_schema_changes();
    }
    let mut changes = ctx.finish();
    if old.kind() == crate::snapshot::Kind::Openapi {
        major_version_check(old, new, policy.profile, &mut changes);
    }
    let applied = policy.apply(changes, today)?;
    let mut all = applied.changes;
    all.extend(applied.expired);
    sort_changes(&mut all);
    let ignored: Vec<Ignored> = applied.ignored;
    Ok(Report::new(String::new(), String::new(), all, ignored))
}

/// `api-major-version-not-bumped`: something broke but `info.version`'s major part
/// did not grow (decided once all severities are known).
fn major_version_check(
    old: &Snapshot,
    new: &Snapshot,
    profile: Profile,
    changes: &mut Vec<Change>,
) {
    let version = |s: &Snapshot| {
        s.meta
            .get("version")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (Some(a), Some(b)) = (version(old), version(new)) else {
        return;
    };
    // An unchanged version usually means an unversioned document: only a version that
    // moved without its major part growing is reported.
    if a.trim() == b.trim() {
        return;
    }
    if !changes.iter().any(|c| c.severity == Severity::Breaking)
        || !api::major_version_not_bumped(&a, &b)
    {
        return;
    }
    const RULE: &str = "api-major-version-not-bumped";
    changes.push(Change {
        after: Some(Value::String(b.clone())),
        before: Some(Value::String(a.clone())),
        message: format!(
            "breaking changes, but the API version moved from `{a}` to `{b}` without a major bump"
        ),
        path: "info › version".to_owned(),
        pointer: "/meta/version".to_owned(),
        position: Position::Surface,
        rule: RULE.to_owned(),
        severity: resolve_severity(RULE, Position::Surface, profile),
        tags: rules::get(RULE)
            .map(|r| r.tags.iter().map(|t| (*t).to_owned()).collect())
            .unwrap_or_default(),
    });
    sort_changes(changes);
}

/// The deterministic report order: path, rule, pointer, then severity (most severe
/// first) and message.
pub(crate) fn sort_changes(changes: &mut [Change]) {
    changes.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.pointer.cmp(&b.pointer))
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// Where something is: its pointer in the old and in the new snapshot, and the human
/// path (segments joined by ` › `).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Loc {
    /// Pointer into the old snapshot.
    pub old: String,
    /// Pointer into the new snapshot.
    pub new: String,
    /// Human path.
    pub path: String,
}

/// The human path separator.
pub(crate) const SEP: &str = " › ";

impl Loc {
    /// A location with the same human path on both sides.
    pub fn new(old: &str, new: &str, path: &str) -> Loc {
        Loc {
            old: old.to_owned(),
            new: new.to_owned(),
            path: path.to_owned(),
        }
    }

    /// A child reached by the same pointer token on both sides, with a path segment
    /// (empty segment: the path does not change).
    pub fn key(&self, token: &str, segment: &str) -> Loc {
        self.keys(token, token, segment)
    }

    /// A child reached by different pointer tokens on each side.
    pub fn keys(&self, old_token: &str, new_token: &str, segment: &str) -> Loc {
        Loc {
            old: push(&self.old, old_token),
            new: push(&self.new, new_token),
            path: join_path(&self.path, segment),
        }
    }

    /// The same pointers with one more path segment.
    pub fn seg(&self, segment: &str) -> Loc {
        Loc {
            old: self.old.clone(),
            new: self.new.clone(),
            path: join_path(&self.path, segment),
        }
    }
}

/// Appends a segment; `[]` (array items) attaches to the previous segment.
pub(crate) fn join_path(path: &str, segment: &str) -> String {
    if segment.is_empty() {
        path.to_owned()
    } else if path.is_empty() {
        segment.to_owned()
    } else if segment == "[]" {
        let mut out = String::with_capacity(path.len() + 2);
        out.push_str(path);
        out.push_str("[]");
        out
    } else {
        let mut out = String::with_capacity(path.len() + SEP.len() + segment.len());
        out.push_str(path);
        out.push_str(SEP);
        out.push_str(segment);
        out
    }
}

/// Which pointer a change is reported at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// The new snapshot (additions and modifications).
    New,
    /// The old snapshot (removals).
    Old,
}

/// A change before severity resolution.
#[derive(Clone, Debug)]
pub(crate) struct Raw {
    pub rule: &'static str,
    pub position: Position,
    pub pointer: String,
    pub path: String,
    pub message: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// Set by the engine where the catalog makes severity conditional.
    pub severity: Option<Severity>,
}

impl Raw {
    /// A change at `loc`, pointing into the new snapshot or, for `Side::Old`, the old one.
    #[allow(clippy::too_many_arguments)]
    pub fn at(
        rule: &'static str,
        position: Position,
        loc: &Loc,
        side: Side,
        message: String,
        before: Option<Value>,
        after: Option<Value>,
        severity: Option<Severity>,
    ) -> Raw {
        let pointer = match side {
            Side::New => loc.new.clone(),
            Side::Old => loc.old.clone(),
        };
        Raw {
            rule,
            position,
            pointer,
            path: loc.path.clone(),
            message,
            before,
            after,
            severity,
        }
    }
}

/// The state of one comparison.
pub(crate) struct Ctx<'a> {
    pub old: &'a Snapshot,
    pub new: &'a Snapshot,
    pub profile: Profile,
    pub today: Option<&'a str>,
    raw: Vec<Raw>,
    schemas: schema::SchemaState,
}

impl<'a> Ctx<'a> {
    fn new(old: &'a Snapshot, new: &'a Snapshot, profile: Profile, today: Option<&'a str>) -> Self {
        Ctx {
            old,
            new,
            profile,
            today,
            raw: Vec::new(),
            schemas: schema::SchemaState::default(),
        }
    }

    /// Records a change whose severity comes from the registry.
    #[allow(clippy::too_many_arguments)]
    pub fn emit(
        &mut self,
        rule: &'static str,
        position: Position,
        loc: &Loc,
        side: Side,
        message: String,
        before: Option<Value>,
        after: Option<Value>,
    ) {
        self.emit_raw(rule, position, loc, side, message, before, after, None);
    }

    /// Records a change with an engine-decided severity (conditional catalog rules).
    #[allow(clippy::too_many_arguments)]
    pub fn emit_raw(
        &mut self,
        rule: &'static str,
        position: Position,
        loc: &Loc,
        side: Side,
        message: String,
        before: Option<Value>,
        after: Option<Value>,
        severity: Option<Severity>,
    ) {
        self.raw.push(Raw::at(
            rule, position, loc, side, message, before, after, severity,
        ));
    }

    /// Resolves severities and tags, and removes exact duplicates.
    fn finish(self) -> Vec<Change> {
        let profile = self.profile;
        let mut out: Vec<Change> = self
            .raw
            .into_iter()
            .map(|r| {
                #[cfg(test)]
                assert!(
                    rules::get(r.rule).is_some(),
                    "rule {:?} is not in the registry",
                    r.rule
                );
                let severity = r
                    .severity
                    .unwrap_or_else(|| resolve_severity(r.rule, r.position, profile));
                let tags = rules::get(r.rule)
                    .map(|rule| rule.tags.iter().map(|t| (*t).to_owned()).collect())
                    .unwrap_or_default();
                Change {
                    after: r.after,
                    before: r.before,
                    message: r.message,
                    path: r.path,
                    pointer: r.pointer,
                    position: r.position,
                    rule: r.rule.to_owned(),
                    severity,
                    tags,
                }
            })
            .collect();
        sort_changes(&mut out);
        out.dedup_by(|a, b| a == b);
        out
    }
}

/// The registry's severity for a rule in a position; a rule that does not apply in
/// that position falls back to its surface severity, and anything unknown is
/// `dangerous` (fail closed).
pub(crate) fn resolve_severity(rule: &str, position: Position, profile: Profile) -> Severity {
    rules::severity(rule, position, profile)
        .or_else(|| rules::severity(rule, Position::Surface, profile))
        .unwrap_or(Severity::Dangerous)
}

/// Compact JSON of a value, for messages.
pub(crate) fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}…")
    } else {
        s
    }
}
