//! Plain-object mirrors of the core's types: what crosses to JavaScript (and lands in
//! `index.d.ts` with these doc comments).

use napi_derive::napi;
use serde_json::Value;

use driftguard_core::classify::{self, Position};

/// How to read a document.
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `auto` (default), `openapi`, `swagger`, `json-schema`, `mcp`, `samples` or
    /// `snapshot`.
    pub format: Option<String>,
    /// Where and when the document was captured: stored in the snapshot's `source`,
    /// outside the digest.
    pub source: Option<Value>,
    /// The largest input in bytes (default 256 MiB); larger is `E_TOO_LARGE`.
    pub max_bytes: Option<f64>,
    /// The deepest nesting (default 256); deeper is `E_TOO_DEEP`.
    pub max_depth: Option<f64>,
}

/// How to compare two snapshots.
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    /// A policy document in TOML (`profile`, `fail_on`, `schema_position`,
    /// `overrides`, `ignore`).
    pub policy_toml: Option<String>,
    /// The same policy document as JSON text.
    pub policy_json: Option<String>,
    /// Overrides the policy's threshold: `breaking`, `dangerous`, `safe` or `never`.
    pub fail_on: Option<String>,
    /// Today's date, `YYYY-MM-DD`, for `x-sunset` and ignore expiry (the core has no
    /// clock); absent: no date-based judgment.
    pub today: Option<String>,
}

/// How to render a report.
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// ANSI colours in the `text` format.
    pub color: Option<bool>,
    /// The contract file the report is about: `file=` of GitHub annotations, the
    /// artifact of SARIF results.
    pub file: Option<String>,
    /// The threshold JUnit counts as failures (default: the report's own).
    pub fail_on: Option<String>,
    /// Written into SARIF's `tool.driver.version` (default: the core's version;
    /// empty omits it).
    pub tool_version: Option<String>,
}

/// One classified change.
#[napi(object)]
#[derive(Clone, Debug)]
pub struct Change {
    /// The value after the change (absent when something was removed).
    pub after: Option<Value>,
    /// The value before the change (absent when something was added).
    pub before: Option<Value>,
    /// One line saying what changed and why it matters.
    pub message: String,
    /// Human path, e.g. `POST /orders › request body › lines[] › qty`.
    pub path: String,
    /// RFC 6901 pointer into the new snapshot (into the old one for removals).
    pub pointer: String,
    /// `input`, `output` or `surface`.
    pub position: String,
    /// The rule id (stable kebab-case), see `rules()`.
    pub rule: String,
    /// `breaking`, `dangerous` or `safe`, after policy.
    pub severity: String,
    /// Tags such as `security`.
    pub tags: Vec<String>,
}

fn position_name(p: Position) -> &'static str {
    match p {
        Position::Input => "input",
        Position::Output => "output",
        Position::Surface => "surface",
    }
}

impl From<&classify::Change> for Change {
    fn from(c: &classify::Change) -> Self {
        Change {
            after: c.after.clone(),
            before: c.before.clone(),
            message: c.message.clone(),
            path: c.path.clone(),
            pointer: c.pointer.clone(),
            position: position_name(c.position).to_owned(),
            rule: c.rule.clone(),
            severity: c.severity.name().to_owned(),
            tags: c.tags.clone(),
        }
    }
}

/// A change the policy ignored.
#[napi(object)]
#[derive(Clone, Debug)]
pub struct Ignored {
    /// The change as it would have been reported.
    pub change: Change,
    /// The `reason` of the ignore entry that matched.
    pub reason: String,
}

impl From<&classify::Ignored> for Ignored {
    fn from(i: &classify::Ignored) -> Self {
        Ignored {
            change: Change::from(&i.change),
            reason: i.reason.clone(),
        }
    }
}

/// Counts of changes per severity.
#[napi(object)]
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    /// Breaking changes.
    pub breaking: u32,
    /// Dangerous changes.
    pub dangerous: u32,
    /// Safe changes.
    pub safe: u32,
}

impl From<&classify::Summary> for Summary {
    fn from(s: &classify::Summary) -> Self {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Summary {
            breaking: n(s.breaking),
            dangerous: n(s.dangerous),
            safe: n(s.safe),
        }
    }
}

/// What a command line run prints and how it exits.
#[napi(object)]
#[derive(Clone, Debug)]
pub struct CliOutcome {
    /// Text for standard output.
    pub out: String,
    /// Text for standard error.
    pub err: String,
    /// The exit code: 0 nothing at or above the threshold, 1 changes at or above it,
    /// 2 usage or input error.
    pub code: u32,
}
