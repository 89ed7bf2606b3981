//! Policy: profile, per-rule severity overrides, ignores and the fail threshold —
//! data, parsed by the core from TOML or JSON (the same document shape in both).
//!
//! ```toml
//! profile = "standard"          # strict | standard | lenient
//! fail_on = "breaking"          # breaking | dangerous | safe | never
//! schema_position = "input"     # input | output | both
//!
//! [overrides]
//! "enum-value-added" = "safe"
//!
//! [[ignore]]
//! rule = "operation-removed"
//! location = "DELETE /pets/*"   # glob on the change's human path or its pointer
//! reason = "retired with notice #123"
//! expires = "2026-12-31"        # optional; the last day the ignore applies
//! ```
//!
//! ```
//! use driftguard_core::classify::policy::{Policy, Threshold};
//! use driftguard_core::classify::{Profile, Severity};
//!
//! let policy = Policy::from_toml("profile = \"strict\"\nfail_on = \"dangerous\"\n").unwrap();
//! assert_eq!(policy.profile, Profile::Strict);
//! assert_eq!(policy.fail_on, Threshold::Dangerous);
//! assert!(policy.fails(Some(Severity::Dangerous)));
//! assert!(!policy.fails(Some(Severity::Safe)));
//!
//! let err = Policy::from_toml("profile = \"strict\"\nfail_on = \"sometimes\"\n").unwrap_err();
//! assert_eq!(err.code(), "E_CONFIG");
//! assert_eq!(err.location().and_then(|l| l.line), Some(2));
//! ```
//!
//! # Ignores
//!
//! An ignore names a rule (which must exist in the [registry](super::rules)), a
//! location glob, a mandatory `reason` and an optional `expires` date (`YYYY-MM-DD`,
//! a real calendar date; in TOML also an unquoted date literal). It matches a change
//! of that rule whose human path *or* pointer the glob matches: `*` is any run of
//! characters except `/` and the ` › ` separator, `**` is anything.
//!
//! The core has no clock: [`Policy::apply`] takes today's date from the caller. An
//! ignore applies through its `expires` day; from the day after, it no longer applies
//! and is itself reported as a `policy-ignore-expired` change. With `today = None`,
//! expiry is not evaluated and every ignore applies.

mod date;
mod doc;
mod glob;

use std::collections::BTreeMap;

use serde_json::json;

use super::rules;
use super::{Change, Ignored, Position, Profile, Severity};
use crate::error::{Error, Location, Result};
use crate::normalize::refs::escape_token;
use doc::{Key, Node, Val};
use glob::Glob;

/// The largest policy document accepted, in bytes. Real policies are a few
/// kilobytes; anything larger is refused before parsing (`E_TOO_LARGE`).
pub const MAX_POLICY_BYTES: usize = 1 << 20;

/// The rule id reported for an ignore past its expiry date.
pub const IGNORE_EXPIRED_RULE: &str = "policy-ignore-expired";

/// From which severity on a report fails (the exit code).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Threshold {
    /// Fail on a breaking change (the default).
    #[default]
    Breaking,
    /// Fail on a dangerous or breaking change.
    Dangerous,
    /// Fail on any change.
    Safe,
    /// Never fail.
    Never,
}

impl Threshold {
    /// `breaking`, `dangerous`, `safe` or `never`.
    pub fn name(self) -> &'static str {
        match self {
            Threshold::Breaking => "breaking",
            Threshold::Dangerous => "dangerous",
            Threshold::Safe => "safe",
            Threshold::Never => "never",
        }
    }

    /// Parses `breaking`, `dangerous`, `safe` or `never`.
    pub fn from_name(name: &str) -> Option<Threshold> {
        Some(match name {
            "breaking" => Threshold::Breaking,
            "dangerous" => Threshold::Dangerous,
            "safe" => Threshold::Safe,
            "never" => Threshold::Never,
            _ => return None,
        })
    }

    /// The least severity that fails, `None` for [`Threshold::Never`].
    pub fn min_severity(self) -> Option<Severity> {
        match self {
            Threshold::Breaking => Some(Severity::Breaking),
            Threshold::Dangerous => Some(Severity::Dangerous),
            Threshold::Safe => Some(Severity::Safe),
            Threshold::Never => None,
        }
    }
}

/// Which position(s) a bare JSON Schema is judged in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SchemaPosition {
    /// Input: backward compatibility — everything valid before stays valid (the
    /// default, as in schema registries).
    #[default]
    Input,
    /// Output: forward compatibility.
    Output,
    /// Both: full compatibility.
    Both,
}

impl SchemaPosition {
    /// `input`, `output` or `both`.
    pub fn name(self) -> &'static str {
        match self {
            SchemaPosition::Input => "input",
            SchemaPosition::Output => "output",
            SchemaPosition::Both => "both",
        }
    }

    /// Parses `input`, `output` or `both`.
    pub fn from_name(name: &str) -> Option<SchemaPosition> {
        Some(match name {
            "input" => SchemaPosition::Input,
            "output" => SchemaPosition::Output,
            "both" => SchemaPosition::Both,
            _ => return None,
        })
    }

    /// The positions to judge in.
    pub fn positions(self) -> &'static [Position] {
        match self {
            SchemaPosition::Input => &[Position::Input],
            SchemaPosition::Output => &[Position::Output],
            SchemaPosition::Both => &[Position::Input, Position::Output],
        }
    }
}

/// One ignore entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignore {
    /// The rule id the ignore applies to.
    pub rule: String,
    /// Glob on the change's human path or pointer.
    pub location: String,
    /// Why the change is accepted (required, non-empty).
    pub reason: String,
    /// The last day the ignore applies, `YYYY-MM-DD`.
    pub expires: Option<String>,
}

impl Ignore {
    /// True if this ignore matches the change (same rule, glob matches its path or
    /// pointer). Expiry is not considered here.
    pub fn matches(&self, change: &Change) -> bool {
        self.rule == change.rule && {
            let glob = Glob::new(&self.location);
            glob.matches(&change.path) || glob.matches(&change.pointer)
        }
    }

    /// True if the ignore is past its expiry date on `today` (both `YYYY-MM-DD`).
    fn expired_on(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < today)
    }
}

/// A policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// The strictness profile.
    pub profile: Profile,
    /// Severity overrides by rule id.
    pub overrides: BTreeMap<String, Severity>,
    /// Ignore entries, in document order.
    pub ignores: Vec<Ignore>,
    /// From which severity the report fails.
    pub fail_on: Threshold,
    /// Which position(s) a bare JSON Schema is judged in.
    pub schema_position: SchemaPosition,
}

/// The result of [`Policy::apply`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    /// The changes kept, overrides applied, in input order.
    pub changes: Vec<Change>,
    /// The changes an ignore matched, with its reason, in input order.
    pub ignored: Vec<Ignored>,
    /// One `policy-ignore-expired` change per expired ignore entry, in entry order.
    /// The caller reports them with `changes` (they are not in it).
    pub expired: Vec<Change>,
}

impl Policy {
    /// Parses a policy from TOML. Errors are `E_CONFIG` with the line and column of
    /// the offending key or value and a JSON Pointer to it; a document larger than
    /// [`MAX_POLICY_BYTES`] is `E_TOO_LARGE`.
    pub fn from_toml(text: &str) -> Result<Policy> {
        check_size(text)?;
        let root = doc::from_toml(text)?;
        Builder { text: Some(text) }.policy(&root)
    }

    /// Parses a policy from JSON (the same document shape as TOML). Errors are
    /// `E_CONFIG` with a JSON Pointer (and the line and column for syntax errors).
    pub fn from_json(text: &str) -> Result<Policy> {
        check_size(text)?;
        let root = doc::from_json(text)?;
        Builder { text: None }.policy(&root)
    }

    /// True if a report whose most severe change is `max` fails under
    /// [`Policy::fail_on`] (`None`: nothing changed, never fails).
    pub fn fails(&self, max: Option<Severity>) -> bool {
        match (self.fail_on.min_severity(), max) {
            (Some(threshold), Some(max)) => max >= threshold,
            _ => false,
        }
    }

    /// Applies overrides and ignores to classified changes.
    ///
    /// Overrides set the severity of every change of their rule. Then a change that an
    /// unexpired ignore matches moves to [`Applied::ignored`] with that ignore's reason
    /// (the first matching entry wins). `today` (`YYYY-MM-DD`) decides expiry: an
    /// ignore applies through its `expires` day, and past it no longer applies and
    /// yields one `policy-ignore-expired` change in [`Applied::expired`] when it still matches
    /// a change (which goes
    /// through overrides and ignores like any change). With `today = None` expiry is not
    /// evaluated. A malformed `today` is `E_CONFIG`.
    pub fn apply(&self, changes: Vec<Change>, today: Option<&str>) -> Result<Applied> {
        if let Some(t) = today
            && !date::is_valid(t)
        {
            return Err(Error::Config {
                message: format!("today's date {t:?} is not a calendar date written YYYY-MM-DD"),
                location: Location::default(),
            });
        }
        let expired_on = |ig: &Ignore| today.is_some_and(|t| ig.expired_on(t));
        let active: Vec<(&Ignore, Glob)> = self
            .ignores
            .iter()
            .filter(|ig| !expired_on(ig))
            .map(|ig| (ig, Glob::new(&ig.location)))
            .collect();
        let mut applied = Applied::default();
        let route = |mut change: Change, kept: &mut Vec<Change>, ignored: &mut Vec<Ignored>| {
            if let Some(&severity) = self.overrides.get(&change.rule) {
                change.severity = severity;
            }
            let hit = active.iter().find(|(ig, glob)| {
                ig.rule == change.rule
                    && (glob.matches(&change.path) || glob.matches(&change.pointer))
            });
            match hit {
                Some((ig, _)) => ignored.push(Ignored {
                    change,
                    reason: ig.reason.clone(),
                }),
                None => kept.push(change),
            }
        };
        for change in changes {
            route(change, &mut applied.changes, &mut applied.ignored);
        }
        // An expired ignore is reported when it would still have matched something: the
        // change it used to hide is back (comparing a contract with itself stays empty).
        for (n, ig) in self.ignores.iter().enumerate() {
            let glob = Glob::new(&ig.location);
            let still_matches = applied
                .changes
                .iter()
                .any(|c| ig.rule == c.rule && (glob.matches(&c.path) || glob.matches(&c.pointer)));
            if expired_on(ig) && still_matches {
                route(
                    self.expired_change(n, ig),
                    &mut applied.expired,
                    &mut applied.ignored,
                );
            }
        }
        Ok(applied)
    }

    /// The `policy-ignore-expired` change for ignore entry `n`.
    fn expired_change(&self, n: usize, ig: &Ignore) -> Change {
        let rule = rules::get(IGNORE_EXPIRED_RULE);
        let severity = rule
            .and_then(|r| r.levels(Position::Surface))
            .map_or(Severity::Dangerous, |l| l.get(self.profile));
        let tags = rule
            .map(|r| r.tags.iter().map(|t| (*t).to_owned()).collect())
            .unwrap_or_default();
        let expires = ig.expires.clone().unwrap_or_default();
        Change {
            after: None,
            before: Some(json!({
                "expires": expires,
                "location": ig.location,
                "reason": ig.reason,
                "rule": ig.rule,
            })),
            message: format!(
                "ignore[{n}] (rule `{}` at `{}`) expired on {expires} and no longer applies; its reason was: {}",
                ig.rule, ig.location, ig.reason
            ),
            path: format!("policy \u{203A} ignore[{n}]"),
            pointer: format!("/ignore/{n}"),
            position: Position::Surface,
            rule: IGNORE_EXPIRED_RULE.to_owned(),
            severity,
            tags,
        }
    }
}

fn check_size(text: &str) -> Result<()> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(Error::TooLarge {
            what: format!("policy document ({} bytes)", text.len()),
            limit: MAX_POLICY_BYTES as u64,
            location: Location::default(),
        });
    }
    Ok(())
}

const TOP_KEYS: &str = "`profile`, `fail_on`, `schema_position`, `overrides`, `ignore`";
const IGNORE_KEYS: &str = "`rule`, `location`, `reason`, `expires`";

/// Validates the document tree into a [`Policy`].
struct Builder<'a> {
    /// The TOML text, to turn spans into lines (`None` for JSON).
    text: Option<&'a str>,
}

impl Builder<'_> {
    fn error(
        &self,
        message: String,
        span: Option<&std::ops::Range<usize>>,
        pointer: &str,
    ) -> Error {
        let location = match (self.text, span) {
            (Some(text), Some(span)) => doc::line_location(text, span.start, Some(pointer)),
            _ => Location::at_pointer(pointer),
        };
        Error::Config { message, location }
    }

    fn string<'v>(&self, val: &'v Val, name: &str, pointer: &str) -> Result<&'v str> {
        match &val.node {
            Node::Str(s) => Ok(s),
            other => Err(self.error(
                format!("`{name}` must be a string, found {}", other.kind()),
                val.span.as_ref(),
                pointer,
            )),
        }
    }

    fn choice<T>(
        &self,
        val: &Val,
        name: &str,
        pointer: &str,
        parse: fn(&str) -> Option<T>,
        allowed: &str,
    ) -> Result<T> {
        let s = self.string(val, name, pointer)?;
        parse(s).ok_or_else(|| {
            self.error(
                format!("`{name}` must be one of {allowed}, found {s:?}"),
                val.span.as_ref(),
                pointer,
            )
        })
    }

    fn rule_id(
        &self,
        id: &str,
        name: &str,
        span: Option<&std::ops::Range<usize>>,
        pointer: &str,
    ) -> Result<()> {
        if rules::get(id).is_some() {
            Ok(())
        } else {
            Err(self.error(
                format!(
                    "unknown rule id {id:?} in `{name}` (list the rules with `driftguard rules`)"
                ),
                span,
                pointer,
            ))
        }
    }

    fn policy(&self, root: &Val) -> Result<Policy> {
        let Node::Table(entries) = &root.node else {
            return Err(self.error(
                format!(
                    "a policy must be a table of settings, found {}",
                    root.node.kind()
                ),
                root.span.as_ref(),
                "",
            ));
        };
        let mut policy = Policy::default();
        for (key, val) in entries {
            let pointer = format!("/{}", escape_token(&key.name));
            match key.name.as_str() {
                "profile" => {
                    policy.profile = self.choice(
                        val,
                        "profile",
                        &pointer,
                        Profile::from_name,
                        "`strict`, `standard`, `lenient`",
                    )?;
                }
                "fail_on" => {
                    policy.fail_on = self.choice(
                        val,
                        "fail_on",
                        &pointer,
                        Threshold::from_name,
                        "`breaking`, `dangerous`, `safe`, `never`",
                    )?;
                }
                "schema_position" => {
                    policy.schema_position = self.choice(
                        val,
                        "schema_position",
                        &pointer,
                        SchemaPosition::from_name,
                        "`input`, `output`, `both`",
                    )?;
                }
                "overrides" => policy.overrides = self.overrides(val)?,
                "ignore" => policy.ignores = self.ignores(val)?,
                other => {
                    return Err(self.unknown_key(key, other, "policy", TOP_KEYS, &pointer));
                }
            }
        }
        Ok(policy)
    }

    fn unknown_key(
        &self,
        key: &Key,
        name: &str,
        table: &str,
        allowed: &str,
        pointer: &str,
    ) -> Error {
        self.error(
            format!("unknown key {name:?} in {table} (expected one of {allowed})"),
            key.span.as_ref(),
            pointer,
        )
    }

    fn overrides(&self, val: &Val) -> Result<BTreeMap<String, Severity>> {
        let Node::Table(entries) = &val.node else {
            return Err(self.error(
                format!(
                    "`overrides` must be a table of rule id = severity, found {}",
                    val.node.kind()
                ),
                val.span.as_ref(),
                "/overrides",
            ));
        };
        let mut out = BTreeMap::new();
        for (key, v) in entries {
            let pointer = format!("/overrides/{}", escape_token(&key.name));
            self.rule_id(&key.name, "overrides", key.span.as_ref(), &pointer)?;
            let name = format!("overrides.{}", key.name);
            let severity = self.choice(
                v,
                &name,
                &pointer,
                Severity::from_name,
                "`breaking`, `dangerous`, `safe`",
            )?;
            out.insert(key.name.clone(), severity);
        }
        Ok(out)
    }

    fn ignores(&self, val: &Val) -> Result<Vec<Ignore>> {
        let Node::Array(items) = &val.node else {
            return Err(self.error(
                format!(
                    "`ignore` must be an array of tables (`[[ignore]]`), found {}",
                    val.node.kind()
                ),
                val.span.as_ref(),
                "/ignore",
            ));
        };
        items
            .iter()
            .enumerate()
            .map(|(n, item)| self.ignore(n, item))
            .collect()
    }

    fn ignore(&self, n: usize, val: &Val) -> Result<Ignore> {
        let at = format!("/ignore/{n}");
        let Node::Table(entries) = &val.node else {
            return Err(self.error(
                format!("`ignore[{n}]` must be a table, found {}", val.node.kind()),
                val.span.as_ref(),
                &at,
            ));
        };
        let (mut rule, mut location, mut reason, mut expires) = (None, None, None, None);
        for (key, v) in entries {
            let pointer = format!("{at}/{}", escape_token(&key.name));
            let name = format!("ignore[{n}].{}", key.name);
            match key.name.as_str() {
                "rule" => {
                    let id = self.string(v, &name, &pointer)?;
                    self.rule_id(id, &name, v.span.as_ref(), &pointer)?;
                    rule = Some(id.to_owned());
                }
                "location" => {
                    let glob = self.string(v, &name, &pointer)?;
                    if glob.is_empty() {
                        return Err(self.error(
                            format!(
                                "`{name}` must not be empty (use \"**\" to match every location)"
                            ),
                            v.span.as_ref(),
                            &pointer,
                        ));
                    }
                    location = Some(glob.to_owned());
                }
                "reason" => {
                    let text = self.string(v, &name, &pointer)?;
                    if text.trim().is_empty() {
                        return Err(self.error(
                            format!("`{name}` must not be empty: say why the change is accepted"),
                            v.span.as_ref(),
                            &pointer,
                        ));
                    }
                    reason = Some(text.to_owned());
                }
                "expires" => {
                    let (Node::Str(d) | Node::Date(d)) = &v.node else {
                        return Err(self.error(
                            format!(
                                "`{name}` must be a date written YYYY-MM-DD, found {}",
                                v.node.kind()
                            ),
                            v.span.as_ref(),
                            &pointer,
                        ));
                    };
                    if !date::is_valid(d) {
                        return Err(self.error(
                            format!(
                                "`{name}` must be a calendar date written YYYY-MM-DD, found {d:?}"
                            ),
                            v.span.as_ref(),
                            &pointer,
                        ));
                    }
                    expires = Some(d.clone());
                }
                other => {
                    return Err(self.unknown_key(
                        key,
                        other,
                        &format!("`ignore[{n}]`"),
                        IGNORE_KEYS,
                        &pointer,
                    ));
                }
            }
        }
        let missing = |what: &str, why: &str| {
            self.error(
                format!("`ignore[{n}]` has no `{what}`{why}"),
                val.span.as_ref(),
                &at,
            )
        };
        Ok(Ignore {
            rule: rule.ok_or_else(|| missing("rule", ""))?,
            location: location
                .ok_or_else(|| missing("location", " (use \"**\" to match every location)"))?,
            reason: reason.ok_or_else(|| {
                missing(
                    "reason",
                    ": every ignore must say why the change is accepted",
                )
            })?,
            expires,
        })
    }
}

#[cfg(test)]
mod tests;
