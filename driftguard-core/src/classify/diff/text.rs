//! Model-visible text: a changed description is a change, and what the new text adds
//! is run through the offline security heuristics.

use serde_json::Value;

use super::{Ctx, Loc, Side};
use crate::classify::Position;
use crate::classify::heuristics::scan_added_text;

/// Compares a model-visible text (description, title, instructions).
///
/// Emits `changed_rule` when the text changed (if given), and one change per
/// heuristic finding on the text the new version adds.
pub(crate) fn model_text(
    ctx: &mut Ctx<'_>,
    old: Option<&str>,
    new: Option<&str>,
    loc: &Loc,
    changed_rule: Option<&'static str>,
    position: Position,
) {
    if old == new {
        return;
    }
    if let Some(rule) = changed_rule {
        let what = match (old, new) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => "changed",
        };
        ctx.emit(
            rule,
            position,
            loc,
            if new.is_some() { Side::New } else { Side::Old },
            format!("model-visible text {what}"),
            old.map(|s| Value::String(s.to_owned())),
            new.map(|s| Value::String(s.to_owned())),
        );
    }
    let Some(new_text) = new else { return };
    for finding in scan_added_text(old, new_text) {
        let evidence = if finding.evidence.is_empty() {
            None
        } else {
            Some(Value::Array(
                finding.evidence.into_iter().map(Value::String).collect(),
            ))
        };
        ctx.emit(
            finding.rule,
            Position::Surface,
            loc,
            Side::New,
            finding.message,
            None,
            evidence,
        );
    }
}

/// A change of `$schema` of a bare JSON Schema, in each position the policy judges.
pub(crate) fn meta_dialect(ctx: &mut Ctx<'_>, positions: &[Position]) {
    let old = ctx.old.meta.get("dialect").cloned();
    let new = ctx.new.meta.get("dialect").cloned();
    if old != new {
        let loc = Loc::new("/meta/dialect", "/meta/dialect", "schema › $schema");
        let side = if new.is_some() { Side::New } else { Side::Old };
        for p in positions {
            ctx.emit(
                "dialect-changed",
                *p,
                &loc,
                side,
                "`$schema` dialect changed".into(),
                old.clone(),
                new.clone(),
            );
        }
    }
}
