//! Node.js bindings for DriftGuard: the native addon behind the npm package
//! `driftguard`.
//!
//! Thin by design: conversions and error mapping only; every behaviour (parsing,
//! normalization, classification, policy, rendering, the command line) lives in
//! `driftguard-core`. The TypeScript wrapper in `ts/` is the public API; it calls the
//! functions and classes here, and adds the I/O the core never does (files, HTTP, MCP).
//!
//! Every thrown error carries the core's stable code in `code` (`E_PARSE`, `E_TOO_DEEP`…).
#![allow(unsafe_code)] // the napi macros generate FFI glue; `convert` casts checked values

mod convert;
mod error;
mod mirror;

use std::collections::HashMap;
use std::io::Read;

use driftguard_core::classify::policy::{Policy, Threshold};
use driftguard_core::classify::{self, rules};
use driftguard_core::cli::{self, Host};
use driftguard_core::render::{OutputFormat, RenderOptions as CoreRenderOptions};
use driftguard_core::{Format, Limits, Options, snapshot_from_bytes, snapshot_from_value};
use napi::bindgen_prelude::{Buffer, Unknown};
use napi_derive::napi;

pub use error::NodeError;
pub use mirror::{Change, CliOutcome, DiffOptions, Ignored, LoadOptions, RenderOptions, Summary};
use napi::Result;

use error::{from_core, invalid};

/// The snapshot format this build reads and writes (`driftguard.snapshot/1`).
#[napi]
pub fn snapshot_format() -> &'static str {
    driftguard_core::SNAPSHOT_FORMAT
}

/// The version of the core (also what `driftguard --version` prints).
#[napi]
pub fn core_version() -> &'static str {
    cli::VERSION
}

/// Every error code the core can return, in its stable order.
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    driftguard_core::Error::CODES.to_vec()
}

/// A canonical snapshot of a contract (OpenAPI, Swagger, JSON Schema, MCP catalog or
/// sampled JSON), with its digest.
#[napi]
pub struct Snapshot {
    inner: driftguard_core::Snapshot,
}

#[napi]
impl Snapshot {
    /// `openapi`, `json-schema`, `mcp` or `samples`.
    #[napi(getter)]
    pub fn kind(&self) -> &'static str {
        self.inner.kind().name()
    }

    /// `sha256:` + hex SHA-256 of the canonical bytes (without `digest` and `source`).
    #[napi(getter)]
    pub fn digest(&self) -> String {
        self.inner.digest().to_owned()
    }

    /// The whole snapshot as JSON text: compact, or indented with two spaces and a
    /// final newline (exactly what `driftguard snapshot` prints when it has no
    /// `source`).
    #[napi]
    pub fn to_json_text(&self, pretty: Option<bool>) -> Result<String, String> {
        let text = if pretty.unwrap_or(false) {
            self.inner.to_json_pretty()
        } else {
            self.inner.to_json()
        };
        text.map_err(|e| from_core(&e))
    }

    /// The canonical bytes the digest is computed over (compact JSON, no `digest`, no
    /// `source`).
    #[napi]
    pub fn canonical_bytes(&self) -> Result<Buffer, String> {
        self.inner
            .canonical_bytes()
            .map(Buffer::from)
            .map_err(|e| from_core(&e))
    }
}

/// Reading options from the JavaScript mirror.
fn core_options(options: Option<&LoadOptions>) -> Result<Options, String> {
    let mut out = Options::default();
    let Some(o) = options else {
        return Ok(out);
    };
    if let Some(name) = &o.format {
        out.format = Format::from_name(name)
            .ok_or_else(|| invalid(format!("unknown input format {name:?}")))?;
    }
    out.limits = limits(o, out.limits)?;
    out.source = o.source.clone();
    Ok(out)
}

fn limits(o: &LoadOptions, mut limits: Limits) -> Result<Limits, String> {
    let whole = |name: &str, v: f64| -> Result<usize, String> {
        if v.fract() == 0.0 && (1.0..=9_007_199_254_740_992.0).contains(&v) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
            Ok(v as usize)
        } else {
            Err(invalid(format!(
                "{name} must be a positive integer, not {v}"
            )))
        }
    };
    if let Some(v) = o.max_bytes {
        limits.max_bytes = whole("maxBytes", v)?;
    }
    if let Some(v) = o.max_depth {
        limits.max_depth = whole("maxDepth", v)?;
    }
    Ok(limits)
}

/// Reads a document (JSON or YAML bytes) into a snapshot. With `format: "samples"`
/// the bytes are one JSON payload or JSON Lines.
#[napi]
pub fn load_bytes(bytes: Buffer, options: Option<LoadOptions>) -> Result<Snapshot, String> {
    let options = core_options(options.as_ref())?;
    snapshot_from_bytes(&bytes, &options)
        .map(|inner| Snapshot { inner })
        .map_err(|e| from_core(&e))
}

/// Reads an already-parsed document (a plain JavaScript object) into a snapshot.
#[napi]
pub fn load_value(value: Unknown<'_>, options: Option<LoadOptions>) -> Result<Snapshot, String> {
    let options = core_options(options.as_ref())?;
    let value = convert::to_json(value, options.limits.max_depth)?;
    let result = snapshot_from_value(&value, &options);
    drop_iteratively(value);
    result
        .map(|inner| Snapshot { inner })
        .map_err(|e| from_core(&e))
}

/// Infers a `samples` snapshot from payloads (plain JavaScript values).
#[napi]
pub fn load_samples(
    payloads: Vec<Unknown<'_>>,
    options: Option<LoadOptions>,
) -> Result<Snapshot, String> {
    let options = core_options(options.as_ref())?;
    let values = payloads
        .into_iter()
        .map(|p| convert::to_json(p, options.limits.max_depth))
        .collect::<Result<Vec<_>, String>>()?;
    driftguard_core::snapshot_from_samples(&values, &options)
        .map(|inner| Snapshot { inner })
        .map_err(|e| from_core(&e))
}

/// Drops a value without deep recursion (a converted value is within the depth limit,
/// but the limit is the caller's choice).
fn drop_iteratively(root: serde_json::Value) {
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Array(a) => stack.extend(a),
            serde_json::Value::Object(m) => stack.extend(m.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// Two snapshots compared under a policy: the classified changes.
#[napi]
pub struct Report {
    inner: classify::Report,
    fail_on: Threshold,
}

fn threshold(name: &str) -> Result<Threshold, String> {
    Threshold::from_name(name).ok_or_else(|| {
        invalid(format!(
            "unknown threshold {name:?} (breaking, dangerous, safe or never)"
        ))
    })
}

#[napi]
impl Report {
    /// The classified changes, in the report's deterministic order.
    #[napi(getter)]
    pub fn changes(&self) -> Vec<Change> {
        self.inner.changes.iter().map(Change::from).collect()
    }

    /// Changes the policy ignored, each with the reason the policy gives.
    #[napi(getter)]
    pub fn ignored(&self) -> Vec<Ignored> {
        self.inner.ignored.iter().map(Ignored::from).collect()
    }

    /// Counts of changes per severity.
    #[napi(getter)]
    pub fn summary(&self) -> Summary {
        Summary::from(&self.inner.summary)
    }

    /// Digest of the old snapshot.
    #[napi(getter, js_name = "old")]
    pub fn old_digest(&self) -> String {
        self.inner.old.clone()
    }

    /// Digest of the new snapshot.
    #[napi(getter, js_name = "new")]
    pub fn new_digest(&self) -> String {
        self.inner.new.clone()
    }

    /// The report format (`driftguard.report/1`).
    #[napi(getter)]
    pub fn format(&self) -> String {
        self.inner.format.clone()
    }

    /// The most severe change (`breaking`, `dangerous`, `safe`), or null when nothing
    /// changed.
    #[napi(getter)]
    pub fn max_severity(&self) -> Option<&'static str> {
        self.inner.max_severity().map(|s| s.name())
    }

    /// The threshold the policy fails from (`breaking` unless the policy or the
    /// `failOn` option says otherwise).
    #[napi(getter)]
    pub fn fail_on(&self) -> &'static str {
        self.fail_on.name()
    }

    /// True when a change is at or above the threshold: the CLI's exit code 1.
    #[napi(getter)]
    pub fn failed(&self) -> bool {
        match (self.fail_on.min_severity(), self.inner.max_severity()) {
            (Some(t), Some(max)) => max >= t,
            _ => false,
        }
    }

    /// Renders the report: `text`, `json`, `markdown`, `github`, `junit` or `sarif`.
    #[napi]
    pub fn render(&self, format: String, options: Option<RenderOptions>) -> Result<String, String> {
        let output = OutputFormat::from_name(&format).ok_or_else(|| {
            invalid(format!(
                "unknown output format {format:?} (text, json, markdown, github, junit or sarif)"
            ))
        })?;
        let mut o = CoreRenderOptions {
            fail_on: self.fail_on.min_severity(),
            ..CoreRenderOptions::default()
        };
        if let Some(r) = options {
            if let Some(c) = r.color {
                o.color = c;
            }
            if r.file.is_some() {
                o.file = r.file;
            }
            if let Some(t) = r.fail_on {
                o.fail_on = threshold(&t)?.min_severity();
            }
            if let Some(v) = r.tool_version {
                o.tool_version = v;
            }
        }
        Ok(self.inner.render(output, &o))
    }

    /// The report document (`driftguard.report/1`) as JSON text: compact, or
    /// indented (what `--format json` prints).
    #[napi]
    pub fn to_json_text(&self, pretty: Option<bool>) -> Result<String, String> {
        let text = if pretty.unwrap_or(false) {
            serde_json::to_string_pretty(&self.inner)
        } else {
            serde_json::to_string(&self.inner)
        };
        text.map_err(|e| invalid(format!("cannot serialize the report: {e}")))
    }
}

/// Compares two snapshots (see `classify::diff` in the core). Policy errors are
/// `E_CONFIG`/`E_TOO_LARGE`; snapshots of different kinds are `E_UNSUPPORTED_FORMAT`.
#[napi]
pub fn diff(
    old_snapshot: &Snapshot,
    new_snapshot: &Snapshot,
    options: Option<DiffOptions>,
) -> Result<Report, String> {
    let o = options.unwrap_or_default();
    let mut policy = match (&o.policy_toml, &o.policy_json) {
        (Some(_), Some(_)) => return Err(invalid("give policyToml or policyJson, not both")),
        (Some(t), None) => Policy::from_toml(t).map_err(|e| from_core(&e))?,
        (None, Some(j)) => Policy::from_json(j).map_err(|e| from_core(&e))?,
        (None, None) => Policy::default(),
    };
    if let Some(t) = &o.fail_on {
        policy.fail_on = threshold(t)?;
    }
    classify::diff(
        &old_snapshot.inner,
        &new_snapshot.inner,
        &policy,
        o.today.as_deref(),
    )
    .map(|inner| Report {
        inner,
        fail_on: policy.fail_on,
    })
    .map_err(|e| from_core(&e))
}

/// Reads a report document (`driftguard.report/1`, as `report.toJsonText()` or
/// `--format json` writes it). Not a report: `E_INVALID`.
#[napi]
pub fn report_from_json(text: String) -> Result<Report, String> {
    serde_json::from_str(&text)
        .map(|inner| Report {
            inner,
            fail_on: Threshold::default(),
        })
        .map_err(|e| invalid(format!("not a report document: {e}")))
}

/// The rule registry as the document `driftguard rules --format json` prints
/// (`driftguard.rules/1`), as JSON text.
#[napi]
pub fn rules_json() -> Result<String, String> {
    serde_json::to_string(&rules::to_json())
        .map_err(|e| invalid(format!("cannot serialize the rules: {e}")))
}

/// The files (and prefetched URLs) a CLI run reads.
struct NodeHost<'a> {
    inputs: &'a HashMap<String, Buffer>,
    today: Option<String>,
}

impl Host for NodeHost<'_> {
    fn read(&self, path: &str) -> std::result::Result<Vec<u8>, String> {
        if let Some(bytes) = self.inputs.get(path) {
            return Ok(bytes.to_vec());
        }
        // The same reads and messages as the core's example CLI, so output is identical.
        if path == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            return Ok(bytes);
        }
        std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
    }

    fn today(&self) -> Option<String> {
        self.today.clone()
    }
}

/// Runs the core's command line (`diff`, `snapshot`, `rules`, `--help`, `--version`).
/// `inputs` maps arguments (URLs the caller fetched beforehand) to their bytes; other
/// paths are read from the file system, `-` from standard input. `today` is
/// `YYYY-MM-DD`.
#[napi]
pub fn run_cli(
    args: Vec<String>,
    inputs: Option<HashMap<String, Buffer>>,
    today: Option<String>,
) -> CliOutcome {
    let inputs = inputs.unwrap_or_default();
    let outcome = cli::run(
        &args,
        &NodeHost {
            inputs: &inputs,
            today,
        },
    );
    CliOutcome {
        out: outcome.out,
        err: outcome.err,
        code: u32::from(outcome.code),
    }
}

// ---------------------------------------------------------------------------------------
// driftguard.toml and driftguard.lock (`approve`, `check`)
// ---------------------------------------------------------------------------------------

/// A capture that failed, as `check` reports it.
#[napi(object)]
#[derive(Clone, Debug)]
pub struct CaptureFailure {
    /// The stable code (`E_FETCH`, `E_MCP`, `E_ENV`…).
    pub code: String,
    /// The message, already free of secrets.
    pub message: String,
}

/// What `lockApprove` returns.
#[napi(object)]
#[derive(Clone, Debug)]
pub struct LockApproval {
    /// The new `driftguard.lock` text.
    pub lock: String,
    /// Entries dropped because their surface is no longer configured (sorted).
    pub pruned: Vec<String>,
}

/// What `lockCheck` returns.
#[napi(object)]
#[derive(Clone, Debug)]
pub struct CheckResult {
    /// The rendered outcome.
    pub output: String,
    /// 0, 1 or 2.
    pub exit_code: u32,
}

/// A snapshot (JSON text), or a document the core normalizes — a package capture
/// document keeps its file texts, which a snapshot cannot carry.
fn parse_snapshot(name: &str, text: &str) -> Result<driftguard_core::Snapshot, String> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| invalid(format!("snapshot of {name:?} is not JSON: {e}")))?;
    let is_snapshot = value
        .get("format")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|f| f.starts_with("driftguard.snapshot/"));
    if is_snapshot {
        driftguard_core::Snapshot::from_value(&value).map_err(|e| from_core(&e))
    } else {
        driftguard_core::normalize::snapshot_from_value(
            &value,
            &driftguard_core::normalize::Options::default(),
        )
        .map_err(|e| from_core(&e))
    }
}

fn parse_lock(text: Option<&str>) -> Result<driftguard_core::lock::Lock, String> {
    match text {
        Some(t) => driftguard_core::lock::Lock::parse(t).map_err(|e| from_core(&e)),
        None => Ok(driftguard_core::lock::Lock::new()),
    }
}

/// The capture plan of a configuration (`Config::capture_plan`): parses `text`
/// (`E_CONFIG` on any problem) and resolves each surface with `env`; a surface whose
/// variable is unset carries `error: {code: "E_ENV", message}`.
#[napi]
pub fn config_plan(
    text: String,
    env: HashMap<String, String>,
) -> Result<serde_json::Value, String> {
    let config = driftguard_core::config::Config::parse(&text).map_err(|e| from_core(&e))?;
    Ok(config.capture_plan(&|name: &str| env.get(name).cloned()))
}

/// `driftguard approve`: records each captured snapshot (`{name: snapshot JSON text}`)
/// in the lock (`lockText`, or a new lock) at `now` (RFC 3339); with `prune`, entries
/// of surfaces no longer configured are dropped. A name the configuration lacks is
/// `E_CONFIG`.
#[napi]
pub fn lock_approve(
    config_text: String,
    lock_text: Option<String>,
    snapshots: HashMap<String, String>,
    now: String,
    prune: bool,
) -> Result<LockApproval, String> {
    let config = driftguard_core::config::Config::parse(&config_text).map_err(|e| from_core(&e))?;
    let mut lock = parse_lock(lock_text.as_deref())?;
    let sorted: std::collections::BTreeMap<String, String> = snapshots.into_iter().collect();
    for (name, text) in &sorted {
        let Some(surface) = config.surface(name) else {
            return Err(from_core(&driftguard_core::Error::Config {
                message: format!("driftguard.toml has no surface {name:?}"),
                location: driftguard_core::Location::default(),
            }));
        };
        let snapshot = parse_snapshot(name, text)?;
        lock.approve(surface, &snapshot, &now)
            .map_err(|e| from_core(&e))?;
    }
    let pruned = if prune {
        lock.prune(&config)
    } else {
        Vec::new()
    };
    Ok(LockApproval {
        lock: lock.to_string(),
        pruned,
    })
}

/// `driftguard check`: compares the captures (`snapshots`: `{name: snapshot JSON
/// text, or a document such as a package capture document}`, `failures`: `{name:
/// {code, message}}`) with the lock under each surface's policy (`policies`: `{path:
/// text}` of the policy files the configuration names) and renders the outcome in
/// `format` (`text`, `json`, `markdown`, `github`). `approved` (`{name: package capture
/// document of the approved artifact}`) supplies the approved side's file texts for the
/// code review; one whose digest differs from the lock's is ignored.
#[napi]
#[allow(clippy::too_many_arguments)]
pub fn lock_check(
    config_text: String,
    lock_text: Option<String>,
    snapshots: HashMap<String, String>,
    failures: HashMap<String, CaptureFailure>,
    today: Option<String>,
    format: String,
    policies: Option<HashMap<String, String>>,
    approved: Option<HashMap<String, String>>,
) -> Result<CheckResult, String> {
    let mut config =
        driftguard_core::config::Config::parse(&config_text).map_err(|e| from_core(&e))?;
    let policies: std::collections::BTreeMap<String, String> =
        policies.unwrap_or_default().into_iter().collect();
    for (path, text) in &policies {
        config
            .load_policy_file(path, text)
            .map_err(|e| from_core(&e))?;
    }
    let lock = parse_lock(lock_text.as_deref())?;
    let format = OutputFormat::from_name(&format)
        .ok_or_else(|| invalid(format!("unknown output format {format:?}")))?;
    let mut captured = std::collections::BTreeMap::new();
    for (name, text) in &snapshots {
        captured.insert(name.clone(), Ok(parse_snapshot(name, text)?));
    }
    for (name, f) in failures {
        captured.insert(
            name,
            Err(driftguard_core::lock::CaptureError {
                code: f.code,
                message: f.message,
            }),
        );
    }
    let mut approved_snapshots = std::collections::BTreeMap::new();
    for (name, text) in approved.unwrap_or_default() {
        let snap = parse_snapshot(&name, &text)?;
        approved_snapshots.insert(name, snap);
    }
    let outcome = driftguard_core::lock::check_with(
        &config,
        &lock,
        &captured,
        &approved_snapshots,
        today.as_deref(),
    );
    let output = outcome.render(format).map_err(|e| from_core(&e))?;
    Ok(CheckResult {
        output,
        exit_code: u32::try_from(outcome.exit_code).unwrap_or(2),
    })
}

/// The usage text of `capture` (the core's, the same in every binding).
#[napi]
pub fn capture_usage() -> String {
    driftguard_core::capture::USAGE.to_owned()
}

/// The usage text of `approve` and `check` (the core's, the same in every binding).
#[napi]
pub fn lock_usage() -> String {
    driftguard_core::lock::USAGE.to_owned()
}

/// Replaces every secret value in `text` with `[redacted]` (longest first).
#[napi]
pub fn redact(text: String, secrets: Vec<String>) -> String {
    driftguard_core::config::redact(&text, &secrets)
}
