//! Classification: two snapshots → a [`Report`] of classified changes.
//!
//! Every change names a rule of the registry ([`rules`]), a [`Severity`] decided by
//! the rule, the [`Position`] it was found in and the policy's [`Profile`], a JSON
//! Pointer into the snapshot, a human path, before/after values and tags.

pub mod diff;
pub mod heuristics;
pub mod policy;
pub mod report;
pub mod rules;

pub use diff::diff;
pub use report::{Ignored, REPORT_FORMAT, Report, Summary};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How bad a change is. Ordered: `Safe < Dangerous < Breaking`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Compatible: no caller or reader can break.
    Safe,
    /// Needs a human look: may break someone, or is a security signal.
    Dangerous,
    /// Breaks callers or readers.
    Breaking,
}

impl Severity {
    /// `safe`, `dangerous` or `breaking`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Safe => "safe",
            Severity::Dangerous => "dangerous",
            Severity::Breaking => "breaking",
        }
    }

    /// Parses `safe`, `dangerous` or `breaking`.
    pub fn from_name(name: &str) -> Option<Severity> {
        Some(match name {
            "safe" => Severity::Safe,
            "dangerous" => Severity::Dangerous,
            "breaking" => Severity::Breaking,
            _ => return None,
        })
    }
}

/// Where a schema is used, which decides the direction of compatibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    /// Request parameters and bodies, MCP tool `inputSchema`, prompt arguments:
    /// narrowing breaks callers.
    Input,
    /// Responses, response headers, MCP tool `outputSchema`: widening breaks readers.
    Output,
    /// Not about a schema (an operation removed, a tool added…).
    Surface,
}

/// The strictness profile of a policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Treats every possible break as breaking (e.g. a new enum value in a response).
    Strict,
    /// The default.
    #[default]
    Standard,
    /// Tolerant-reader semantics.
    Lenient,
}

impl Profile {
    /// `strict`, `standard` or `lenient`.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Strict => "strict",
            Profile::Standard => "standard",
            Profile::Lenient => "lenient",
        }
    }

    /// Parses a profile name.
    pub fn from_name(name: &str) -> Option<Profile> {
        Some(match name {
            "strict" => Profile::Strict,
            "standard" => Profile::Standard,
            "lenient" => Profile::Lenient,
            _ => return None,
        })
    }
}

/// One classified change.
///
/// Fields are declared in sorted order of their JSON names (canonical output).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The value after the change (absent when something was removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// The value before the change (absent when something was added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// One line saying what changed and why it matters.
    pub message: String,
    /// Human path, e.g. `POST /orders › request body › lines[] › qty` or
    /// `tool sendEmail › input › bcc`.
    pub path: String,
    /// RFC 6901 pointer into the new snapshot (into the old one for removals).
    pub pointer: String,
    /// Where the change was found.
    pub position: Position,
    /// The rule id (stable kebab-case).
    pub rule: String,
    /// The severity after policy.
    pub severity: Severity,
    /// Tags such as `security`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}
