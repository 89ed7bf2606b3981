//! The rule registry: every rule the classifier can report, as data.
//!
//! A [`Rule`] is a record — a stable kebab-case id, its [`Area`], a one-line
//! description, and its [`Severity`] per position ([`Position::Input`] /
//! [`Position::Output`] for schema rules, [`Position::Surface`] for everything else)
//! per [`Profile`]. The catalog it implements is `RULES.md`; the tables live beside this
//! module, one file per area (`schema`, `openapi`, `mcp`, `policy`).
//!
//! ```
//! use driftguard_core::classify::{rules, Position, Profile, Severity};
//!
//! // Position decides severity: a new enum value is safe for callers, dangerous for readers.
//! let added = "enum-value-added";
//! assert_eq!(rules::severity(added, Position::Input, Profile::Standard), Some(Severity::Safe));
//! assert_eq!(rules::severity(added, Position::Output, Profile::Standard), Some(Severity::Dangerous));
//! assert_eq!(rules::severity(added, Position::Output, Profile::Strict), Some(Severity::Breaking));
//! assert_eq!(rules::severity(added, Position::Output, Profile::Lenient), Some(Severity::Safe));
//! ```
//!
//! # Profiles
//!
//! `standard` is the catalog's column. The other two move a severity only where the
//! rule's `notes` say so (a test fails on an undocumented deviation):
//!
//! - **strict** treats every *possible* break as a break: a schema change the
//!   classifier cannot decide (`D` in a schema position: a changed regex, `not`, an
//!   unknown keyword, a new output enum value, a loosened output content model…) and the
//!   compatibility `D`s of the OpenAPI surface (a removed parameter, a changed server
//!   URL…) become `B`, and a new optional input property on an open object is `B` (old
//!   callers may already send that key with another shape). The deprecation discounts
//!   (`deprecated-element-removed`, `operation-removed` past its sunset) do not apply.
//! - **lenient** is tolerant-reader semantics: an output widening that a reader which
//!   ignores what it does not know survives (a new enum value, new unknown properties, a
//!   new discriminator mapping, a new error status) becomes `S`. Input rules are not
//!   relaxed (`property-added-required` stays `B`, except with a default — see its
//!   condition).
//! - **Security rules** (MCP, auth loosening) are the same in every profile: a profile
//!   grades compatibility, not risk.
//!
//! # Conditional severities
//!
//! Where the catalog makes a severity depend on a fact only the engine knows (is the
//! object still open? was the property required? is the removed operation past its
//! sunset?), the rule's default levels hold the case that applies when the condition
//! does not hold — for conditions that *lower* a severity, that is the most severe
//! case, so an engine that cannot establish the fact fails closed — and
//! [`Rule::condition`] holds the levels that apply when it does, with the condition in
//! words. [`severity_if`] picks between them.

mod mcp;
mod openapi;
mod package;
mod policy;
mod schema;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;

use super::{Position, Profile, Severity};

/// The format marker of [`to_json`].
pub const RULES_FORMAT: &str = "driftguard.rules/1";

/// What part of a contract a rule is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    /// A JSON Schema keyword, judged in input and output position.
    Schema,
    /// The OpenAPI/Swagger surface: operations, parameters, bodies, responses, security.
    Openapi,
    /// An MCP server's catalog: tools, prompts, resources, server identity, and the
    /// security heuristics on model-visible text.
    Mcp,
    /// The policy itself (e.g. an ignore that expired).
    Policy,
    /// A published package: version, integrity, install hooks, dependencies, files, and
    /// the code heuristics on added lines.
    Package,
}

impl Area {
    /// `schema`, `openapi`, `mcp`, `policy` or `package`.
    pub fn name(self) -> &'static str {
        match self {
            Area::Schema => "schema",
            Area::Openapi => "openapi",
            Area::Mcp => "mcp",
            Area::Policy => "policy",
            Area::Package => "package",
        }
    }
}

/// A severity per profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Levels {
    /// Under the `strict` profile.
    pub strict: Severity,
    /// Under the `standard` profile (the catalog's column).
    pub standard: Severity,
    /// Under the `lenient` profile.
    pub lenient: Severity,
}

impl Levels {
    /// The severity under a profile.
    pub fn get(&self, profile: Profile) -> Severity {
        match profile {
            Profile::Strict => self.strict,
            Profile::Standard => self.standard,
            Profile::Lenient => self.lenient,
        }
    }
}

/// The severities of a rule when its condition holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Condition {
    /// The condition, in words (per position where it differs).
    pub when: &'static str,
    /// Input levels when the condition holds (`None`: the condition does not change
    /// the input severity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Levels>,
    /// Output levels when the condition holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Levels>,
    /// Surface levels when the condition holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surface: Option<Levels>,
}

/// One rule of the registry.
///
/// Fields are declared in the order [`to_json`] writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable kebab-case id; never renamed once released.
    pub id: &'static str,
    /// What part of a contract the rule is about.
    pub area: Area,
    /// One line saying what the rule detects.
    pub description: &'static str,
    /// Severities in input position (schema rules only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Levels>,
    /// Severities in output position (schema rules only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Levels>,
    /// Severities of a non-schema rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surface: Option<Levels>,
    /// Levels that replace the defaults when a condition holds (decided by the engine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The rule mirroring this one across positions: this rule's input severities are
    /// the mirror's output severities in the standard profile, and vice versa.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<&'static str>,
    /// Tags copied onto every change of this rule, e.g. `security`.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub tags: &'static [&'static str],
    /// Profile deviations and other remarks.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub notes: &'static str,
}

impl Rule {
    /// The levels of this rule in a position, `None` if it does not apply there.
    pub fn levels(&self, position: Position) -> Option<&Levels> {
        match position {
            Position::Input => self.input.as_ref(),
            Position::Output => self.output.as_ref(),
            Position::Surface => self.surface.as_ref(),
        }
    }

    /// The levels in a position when the rule's condition holds (the default levels
    /// when the condition does not change that position).
    pub fn levels_if(&self, position: Position, holds: bool) -> Option<&Levels> {
        let alternative = match (holds, &self.condition) {
            (true, Some(c)) => match position {
                Position::Input => c.input.as_ref(),
                Position::Output => c.output.as_ref(),
                Position::Surface => c.surface.as_ref(),
            },
            _ => None,
        };
        alternative.or_else(|| self.levels(position))
    }

    /// True if the rule carries `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.contains(&tag)
    }

    // Table builders: `const` so the tables are plain statics.

    const fn schema(
        id: &'static str,
        description: &'static str,
        input: Levels,
        output: Levels,
    ) -> Rule {
        Rule {
            id,
            area: Area::Schema,
            description,
            input: Some(input),
            output: Some(output),
            surface: None,
            condition: None,
            mirror: None,
            tags: &[],
            notes: "",
        }
    }

    const fn surface(
        area: Area,
        id: &'static str,
        description: &'static str,
        surface: Levels,
    ) -> Rule {
        Rule {
            id,
            area,
            description,
            input: None,
            output: None,
            surface: Some(surface),
            condition: None,
            mirror: None,
            tags: &[],
            notes: "",
        }
    }

    const fn mirror(self, mirror: &'static str) -> Rule {
        Rule {
            mirror: Some(mirror),
            ..self
        }
    }

    const fn notes(self, notes: &'static str) -> Rule {
        Rule { notes, ..self }
    }

    const fn tags(self, tags: &'static [&'static str]) -> Rule {
        Rule { tags, ..self }
    }

    const fn when(self, condition: Condition) -> Rule {
        Rule {
            condition: Some(condition),
            ..self
        }
    }
}

const B: Severity = Severity::Breaking;
const D: Severity = Severity::Dangerous;
const S: Severity = Severity::Safe;

/// The same severity in every profile.
const fn same(s: Severity) -> Levels {
    Levels {
        strict: s,
        standard: s,
        lenient: s,
    }
}

/// Strict / standard / lenient.
const fn lv(strict: Severity, standard: Severity, lenient: Severity) -> Levels {
    Levels {
        strict,
        standard,
        lenient,
    }
}

/// The tag of security-relevant rules.
pub const SECURITY: &str = "security";
const SECURITY_TAGS: &[&str] = &[SECURITY];

fn registry() -> &'static (Vec<Rule>, BTreeMap<&'static str, usize>) {
    static REGISTRY: OnceLock<(Vec<Rule>, BTreeMap<&'static str, usize>)> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let rules: Vec<Rule> = [
            schema::RULES,
            openapi::RULES,
            mcp::RULES,
            policy::RULES,
            package::RULES,
        ]
        .into_iter()
        .flatten()
        .copied()
        .collect();
        let index = rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        (rules, index)
    })
}

/// Every rule, grouped by area (schema, openapi, mcp, policy, package), in catalog order
/// within an area.
pub fn all() -> &'static [Rule] {
    &registry().0
}

/// Every rule, for the `rules` listing; the same as [`all`].
pub fn list_rules() -> &'static [Rule] {
    all()
}

/// The rule with this id.
pub fn get(id: &str) -> Option<&'static Rule> {
    let (rules, index) = registry();
    index.get(id).and_then(|&i| rules.get(i))
}

/// The default severity of a rule in a position under a profile; `None` if the rule
/// is unknown or does not apply in that position.
pub fn severity(id: &str, position: Position, profile: Profile) -> Option<Severity> {
    get(id)?.levels(position).map(|l| l.get(profile))
}

/// The severity of a conditional rule, given whether its [`Condition`] holds (the
/// default severity when the rule has no condition or the condition does not change
/// that position).
pub fn severity_if(
    id: &str,
    position: Position,
    profile: Profile,
    holds: bool,
) -> Option<Severity> {
    get(id)?.levels_if(position, holds).map(|l| l.get(profile))
}

/// The registry as data: `{"format": "driftguard.rules/1", "rules": [...]}`, rules in
/// the order of [`all`], each with its fields in declaration order. Deterministic.
pub fn to_json() -> Value {
    let rules: Vec<Value> = all()
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    serde_json::json!({ "format": RULES_FORMAT, "rules": rules })
}

/// The registry as a text table for the `rules` subcommand: id, area, the standard
/// severities in input / output / surface position (`-` where the rule does not apply,
/// `*` where a condition can change it), tags and description.
pub fn render_text() -> String {
    let cell = |r: &Rule, p: Position| -> String {
        match r.levels(p) {
            None => "-".to_owned(),
            Some(l) => {
                let conditional = r.levels_if(p, true).is_some_and(|c| c != l);
                format!(
                    "{}{}",
                    l.standard.name(),
                    if conditional { "*" } else { "" }
                )
            }
        }
    };
    let rows: Vec<[String; 6]> = all()
        .iter()
        .map(|r| {
            [
                r.id.to_owned(),
                r.area.name().to_owned(),
                cell(r, Position::Input),
                cell(r, Position::Output),
                cell(r, Position::Surface),
                if r.tags.is_empty() {
                    r.description.to_owned()
                } else {
                    format!("[{}] {}", r.tags.join(", "), r.description)
                },
            ]
        })
        .collect();
    let header = [
        "RULE".to_owned(),
        "AREA".to_owned(),
        "IN".to_owned(),
        "OUT".to_owned(),
        "SURFACE".to_owned(),
        "DESCRIPTION".to_owned(),
    ];
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(rows.iter()) {
        for (w, c) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let mut line = String::new();
        for (w, c) in widths.iter().zip(row.iter()) {
            let _ = write!(line, "{c:<w$}  ");
        }
        if let Some(last) = row.last() {
            line.push_str(last);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\n{} rules. Severities are the standard profile's; * = a condition can change it \
         (see the JSON listing for strict/lenient levels, conditions and notes).",
        rows.len()
    );
    out
}

#[cfg(test)]
mod tests;
